//! Servers started as child processes by `compare`: a Relais server or the echo server, on a
//! fresh loopback port, killed when done (or when dropped).
//!
//! Readiness is detected by connecting to the port rather than by parsing log lines, so the
//! load generator does not depend on what a server prints.

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::Path,
    process::{ExitStatus, Stdio},
    time::Duration,
};

use anyhow::Context as _;
use tokio::{
    net::TcpStream,
    process::{Child, Command},
    time::Instant,
};

/// How often readiness is probed while a server starts.
const PROBE_INTERVAL: Duration = Duration::from_millis(50);

/// Per-address bounds lifted for a server under test: every simulated customer of a load run
/// comes from 127.0.0.1, and saturated sessions send far more than a person types. Flags given
/// on the command line still win over these environment variables.
const LOAD_TEST_LIMITS: [(&str, &str); 4] = [
    ("RELAIS_MAX_CONNECTIONS_PER_IP", "1000000"),
    ("RELAIS_NEW_CONVERSATIONS_PER_IP_PER_MINUTE", "100000000"),
    ("RELAIS_FRAMES_PER_SECOND", "1000000"),
    ("RELAIS_FRAME_BURST", "1000000"),
];
/// A running server child process.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    child: Child,
    /// Its process id.
    pub(crate) pid: u32,
    /// The websocket URL of its customer endpoint.
    pub(crate) url: String,
    /// A directory the server uses, deleted once it has stopped.
    data_dir: Option<tempfile::TempDir>,
}

/// Picks a loopback port that is free right now. Another process could take it before the
/// server binds it; on a test machine that is unlikely, and startup then fails loudly.
pub(crate) fn free_loopback_addr() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?)
}

/// Replaces `{addr}` and `{data}` in each argument template.
pub(crate) fn expand_args(templates: &[String], addr: SocketAddr, data_dir: &Path) -> Vec<String> {
    let data = data_dir.display().to_string();
    templates
        .iter()
        .map(|template| {
            template
                .replace("{addr}", &addr.to_string())
                .replace("{data}", &data)
        })
        .collect()
}

impl ServerProcess {
    /// Starts `program args` expected to listen on `addr`, and waits until it accepts TCP
    /// connections. Its stdout is discarded (it would mix with reports); its stderr is shown
    /// only with `show_stderr`.
    pub(crate) async fn start(
        program: &Path,
        args: &[String],
        addr: SocketAddr,
        startup_timeout: Duration,
        show_stderr: bool,
    ) -> anyhow::Result<Self> {
        let mut child = Command::new(program)
            .args(args)
            .envs(LOAD_TEST_LIMITS)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if show_stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let deadline = Instant::now() + startup_timeout;
        loop {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!(
                    "{} {} exited during startup: {status}",
                    program.display(),
                    args.join(" ")
                );
            }
            if TcpStream::connect(addr).await.is_ok() {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} did not listen on {addr} within {startup_timeout:?}",
                program.display()
            );
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
        Ok(ServerProcess {
            child,
            pid,
            url: format!("ws://{addr}/ws"),
            data_dir: None,
        })
    }

    /// Ties `dir` to the server: it is deleted after the server stops.
    pub(crate) fn with_data_dir(self, dir: tempfile::TempDir) -> Self {
        ServerProcess {
            data_dir: Some(dir),
            ..self
        }
    }

    /// Kills the server and waits for it to exit.
    pub(crate) async fn stop(mut self) -> anyhow::Result<ExitStatus> {
        self.child.start_kill()?;
        let status = self.child.wait().await?;
        drop(self.data_dir);
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_get_the_address_and_data_directory() {
        let addr: SocketAddr = "127.0.0.1:4321".parse().expect("addr");
        let templates = [
            "serve".to_owned(),
            "--addr={addr}".to_owned(),
            "{data}/db".to_owned(),
        ];
        assert_eq!(
            expand_args(&templates, addr, Path::new("/tmp/x")),
            ["serve", "--addr=127.0.0.1:4321", "/tmp/x/db"]
        );
    }

    #[test]
    fn free_addresses_are_loopback_with_a_port() {
        let addr = free_loopback_addr().expect("a free port");
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0);
    }

    #[tokio::test]
    async fn a_server_that_exits_during_startup_is_reported() {
        let addr = free_loopback_addr().expect("a free port");
        let err = ServerProcess::start(
            Path::new("false"),
            &[],
            addr,
            Duration::from_secs(30),
            false,
        )
        .await
        .expect_err("false never listens");
        assert!(err.to_string().contains("exited during startup"), "{err}");
    }
}
