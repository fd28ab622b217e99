//! The administrators' side of the figures and of the data kept: the `/admin` dashboard's
//! login, and the admin API for statistics, purges and erasures.
//!
//! Two credentials open it: the admin token of `<data>/admin.json` (`Authorization: Bearer`,
//! for `relais stats`, `relais conversations` and scripts on the server's machine), and a
//! dashboard session, opened with the admin password set by `relais admin passwd`. The
//! session is a signed cookie (HttpOnly, SameSite=Strict), so the password and tokens never
//! travel in URLs and no session table is kept; it lasts [`SESSION_TTL`], or until the
//! password changes or the server restarts.
//!
//! Administrators are not advisors: an advisor's login opens nothing here, and the admin
//! password opens no chat.

mod access;
mod password;
mod routes;

pub use self::password::{ADMIN_PASSWORD_FILE, AdminPasswordError, set_admin_password};
pub(crate) use self::routes::{customer_routes, routes};

use std::time::Duration;

/// How long a dashboard session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

#[cfg(test)]
#[path = "admin_dashboard_test.rs"]
mod tests;
