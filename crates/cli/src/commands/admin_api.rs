//! The data directory as `relais stats`, `relais conversations` and `relais inbox` reach it:
//! the store opened directly when no server holds it, else the running server's admin API
//! (an [`AdminClient`]), like `relais agents`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use relais_store::{SledStore, Store, StoreError};

use super::admin_client::AdminClient;

/// Bound on every admin request; a purge of a large store is the slowest.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Where the data directory's operations run.
pub(crate) enum DataDir {
    /// The store, opened by this process, with the aggregates wrapper over it.
    Direct {
        /// The wrapped store.
        store: Arc<dyn Store>,
        /// The same store, unwrapped, for what only sled offers (checkpoints).
        sled: Arc<SledStore>,
    },
    /// The server that holds it.
    Server(AdminClient),
}

/// Opens `data`: directly when free, else through the server holding it.
pub(crate) fn open(data: &Path) -> anyhow::Result<DataDir> {
    if !data.is_dir() {
        bail!("no data directory at {} (see --data)", data.display());
    }
    match SledStore::open(data) {
        Ok(store) => {
            let sled = Arc::new(store);
            let store = relais_server::with_aggregates(Arc::clone(&sled) as Arc<dyn Store>);
            Ok(DataDir::Direct { store, sled })
        }
        Err(StoreError::Locked { .. }) => AdminClient::from_data_dir(data, TIMEOUT)
            .map(DataDir::Server)
            .with_context(|| {
                format!(
                    "{} is in use by another process; reaching it through its admin API",
                    data.display()
                )
            }),
        Err(err) => {
            Err(err).with_context(|| format!("cannot open the data directory {}", data.display()))
        }
    }
}
