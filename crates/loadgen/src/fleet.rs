//! A fleet of client sessions: connects N sockets with bounded concurrency, waits until every
//! one is open (or failed), then starts them all at one instant.
//!
//! Starting together keeps the connection storm out of the measurement. Every session is a
//! task in one `JoinSet`, so none outlives the run.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use tokio::{
    sync::{Semaphore, mpsc, watch},
    task::JoinSet,
    time::Instant,
};

use crate::{
    buffers::CLIENT_BUFFERS,
    duration::parse_duration,
    script::Lang,
    session::{self, ClientSocket, SessionError, Target},
};

/// Command-line flags describing the fleet of sessions.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct FleetArgs {
    /// Number of customer sessions (sockets) to open.
    #[arg(long)]
    pub(crate) sessions: usize,
    /// Most sessions connecting at the same time.
    #[arg(long, default_value_t = 64)]
    pub(crate) connect_concurrency: usize,
    /// Longest connect plus opening exchange of one session.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(crate) connect_timeout: Duration,
}

impl FleetArgs {
    /// How these sessions connect to `url`.
    pub(crate) fn launch(&self, url: &str, target: Target) -> Launch {
        Launch {
            url: url.to_owned(),
            target,
            concurrency: self.connect_concurrency,
            timeout: self.connect_timeout,
        }
    }
}

/// Accepts a `ws://` URL whose host is on this machine (loopback): load goes nowhere else.
pub(crate) fn parse_loopback_url(url: &str) -> Result<String, String> {
    let uri: tokio_tungstenite::tungstenite::http::Uri = url
        .parse()
        .map_err(|err| format!("invalid URL {url:?}: {err}"))?;
    if uri.scheme_str() != Some("ws") {
        return Err(format!("{url:?}: only ws:// URLs are supported"));
    }
    let host = uri.host().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(url.to_owned())
    } else {
        Err(format!(
            "{url:?}: the load generator only targets loopback addresses"
        ))
    }
}

/// How a fleet's sessions connect.
#[derive(Clone, Debug)]
pub(crate) struct Launch {
    /// Websocket URL of the server.
    pub(crate) url: String,
    /// What the server speaks.
    pub(crate) target: Target,
    /// Most sessions connecting at the same time.
    pub(crate) concurrency: usize,
    /// Longest connect plus opening exchange before a session counts as failed.
    pub(crate) timeout: Duration,
}

/// Occurrences by label: errors (see [`SessionError::label`]) or bot outcomes.
pub(crate) type Counts = BTreeMap<String, u64>;

/// Adds one occurrence of `label` to `counts`.
pub(crate) fn count_label(counts: &mut Counts, label: String) {
    *counts.entry(label).or_default() += 1;
}

/// Sessions that have finished connecting and wait for [`Fleet::start`].
pub(crate) struct Fleet<T> {
    /// Sessions that connected and opened.
    pub(crate) open: usize,
    /// Why the others did not.
    pub(crate) connect_errors: Counts,
    /// Wall time from the first connect to the last session settled.
    pub(crate) connect_time: Duration,
    tasks: JoinSet<Option<T>>,
    go: watch::Sender<Option<Instant>>,
}

/// Connects `sessions` sessions; each then runs `body(index, socket, start)` once the fleet
/// is started. Returns when every session is open or has failed.
pub(crate) async fn connect<T, F, Fut>(launch: &Launch, sessions: usize, body: F) -> Fleet<T>
where
    T: Send + 'static,
    F: Fn(usize, ClientSocket, Instant) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send,
{
    let began = Instant::now();
    let permits = Arc::new(Semaphore::new(launch.concurrency.max(1)));
    let (go, _) = watch::channel(None);
    let (settled_tx, mut settled_rx) = mpsc::channel(sessions.max(1));
    let mut tasks = JoinSet::new();
    for index in 0..sessions {
        let (launch, permits, settled_tx) =
            (launch.clone(), Arc::clone(&permits), settled_tx.clone());
        let (mut go_rx, body) = (go.subscribe(), body.clone());
        tasks.spawn(async move {
            let opened = {
                // The semaphore is never closed, so acquiring fails only if it were.
                let _permit = permits.acquire().await.ok()?;
                tokio::time::timeout(launch.timeout, open_one(&launch, index))
                    .await
                    .unwrap_or(Err(SessionError::Timeout))
            };
            let settled = opened.as_ref().map(|_| ()).map_err(SessionError::label);
            // A failed send means the coordinator is gone; the session is not needed then.
            settled_tx.send(settled).await.ok()?;
            let socket = opened.ok()?;
            let start = *go_rx.wait_for(Option::is_some).await.ok()?;
            Some(body(index, socket, start?).await)
        });
    }
    drop(settled_tx);
    let mut open = 0;
    let mut connect_errors = Counts::new();
    // Every session reports exactly once; `None` only if one ended without reporting.
    for _ in 0..sessions {
        match settled_rx.recv().await {
            Some(Ok(())) => open += 1,
            Some(Err(label)) => count_label(&mut connect_errors, label),
            None => break,
        }
    }
    Fleet {
        open,
        connect_errors,
        connect_time: began.elapsed(),
        tasks,
        go,
    }
}

async fn open_one(launch: &Launch, index: usize) -> Result<ClientSocket, SessionError> {
    let mut socket = session::connect(&launch.url, &CLIENT_BUFFERS).await?;
    session::open(&mut socket, launch.target, Lang::for_session(index)).await?;
    Ok(socket)
}

impl<T: Send + 'static> Fleet<T> {
    /// Starts every open session now; returns the start instant they all share.
    pub(crate) fn start(&self) -> Instant {
        let now = Instant::now();
        self.go.send_replace(Some(now));
        now
    }

    /// Waits for every session to finish and returns their results; a panicked session is
    /// counted in `panics`.
    pub(crate) async fn join(mut self) -> (Vec<T>, u64) {
        // Open sessions wait for the start: release them if the caller never started.
        if self.go.borrow().is_none() {
            self.start();
        }
        let mut results = Vec::with_capacity(self.open);
        let mut panics = 0;
        while let Some(joined) = self.tasks.join_next().await {
            match joined {
                Ok(Some(result)) => results.push(result),
                Ok(None) => {}
                Err(_) => panics += 1,
            }
        }
        (results, panics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_accepted() {
        for url in [
            "ws://127.0.0.1:8080/ws",
            "ws://localhost:1/ws",
            "ws://[::1]:9/ws",
            "ws://127.0.0.2/",
        ] {
            assert_eq!(parse_loopback_url(url).as_deref(), Ok(url));
        }
    }

    #[test]
    fn other_hosts_and_schemes_are_refused() {
        for url in [
            "ws://10.0.0.1:8080/ws",
            "ws://example.com/ws",
            "wss://127.0.0.1/ws",
            "127.0.0.1",
        ] {
            assert!(parse_loopback_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn errors_are_counted_by_label() {
        let mut counts = Counts::new();
        count_label(&mut counts, "timeout".to_owned());
        count_label(&mut counts, "closed".to_owned());
        count_label(&mut counts, "timeout".to_owned());
        assert_eq!(counts.get("timeout"), Some(&2));
        assert_eq!(counts.get("closed"), Some(&1));
    }
}
