//! [`DailyRecord`]: one day of analytics aggregates, as the store keeps it.
//!
//! The figures are opaque JSON owned by the layers above (`relais-analytics` defines them):
//! the store only files them by day, so that a period's report reads one record per day
//! instead of every transcript, and keeps them when conversations are purged.

use serde::{Deserialize, Serialize};

/// The aggregates of one UTC day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyRecord {
    /// Days since 1970-01-01 (UTC).
    pub day: u32,
    /// The day's figures, a JSON document owned by the layers above.
    pub figures: serde_json::Value,
}
