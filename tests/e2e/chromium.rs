//! Headless Chromium under chromedriver, driven with fantoccini: shared by every browser test
//! (the widget, the agent panel, the admin dashboard).
//!
//! Waiting is event-driven: [`wait_until`] runs a script in the page that resolves on the DOM
//! mutation making the condition true, with the WebDriver script timeout ([`DEADLINE`]) as the
//! deadline. A missing browser fails the test (run `scripts/install-test-deps.sh`), it never
//! skips it.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use fantoccini::wd::{Capabilities, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::support;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Longest wait for the driver or for a condition in the page.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// Fails with install instructions when Chromium or chromedriver is missing.
pub(crate) fn require_browser() {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(tool).exists(),
            "{tool} is missing: run scripts/install-test-deps.sh to install Debian's chromium \
             and chromium-driver"
        );
    }
}

/// Resolves when the JS expression `condition` holds, re-checked on every DOM mutation.
/// `prelude` is JS run first (helper definitions the condition may use).
pub(crate) async fn wait_until(
    client: &Client,
    prelude: &str,
    what: &str,
    condition: &str,
) -> anyhow::Result<()> {
    let script = format!(
        "{prelude}
         const done = arguments[arguments.length - 1];
         const ok = () => {{ try {{ return Boolean({condition}); }} catch (_) {{ return false; }} }};
         if (ok()) {{ done(true); }} else {{
           const observer = new MutationObserver(() => {{
             if (ok()) {{ observer.disconnect(); done(true); }}
           }});
           observer.observe(document, {{ subtree: true, childList: true, attributes: true,
                                         characterData: true }});
         }}"
    );
    client
        .execute_async(&script, vec![])
        .await
        .with_context(|| format!("timed out waiting for {what}"))?;
    Ok(())
}

/// Types `text` into the `[data-testid=testid]` field.
pub(crate) async fn fill(client: &Client, testid: &str, text: &str) -> anyhow::Result<()> {
    let field = client
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await
        .with_context(|| format!("no [data-testid={testid}]"))?;
    field.send_keys(text).await?;
    Ok(())
}

/// Logs `name` in with `password` on the advisors' panel, its login form shown, and waits for
/// the desk, online. `prelude` defines the `shown` and `byTest` helpers.
pub(crate) async fn log_in_panel(
    client: &Client,
    prelude: &str,
    name: &str,
    password: &str,
) -> anyhow::Result<()> {
    fill(client, "login-name", name).await?;
    let enter = char::from(fantoccini::key::Key::Enter);
    fill(client, "login-password", &format!("{password}{enter}")).await?;
    wait_until(
        client,
        prelude,
        "the desk, online",
        "shown(byTest('workspace')) && byTest('connection').dataset.state === 'online'",
    )
    .await
}

/// Like [`wait_until`]; on a timeout the error also shows what the script `on_screen` returns
/// (the part of the page the test is about), so a failure says what the page showed instead.
pub(crate) async fn wait_until_or_show(
    client: &Client,
    prelude: &str,
    what: &str,
    condition: &str,
    on_screen: &str,
) -> anyhow::Result<()> {
    if let Err(err) = wait_until(client, prelude, what, condition).await {
        let shown = client.execute(on_screen, vec![]).await.unwrap_or_default();
        bail!("{err:#}; on screen: {shown:#}");
    }
    Ok(())
}

/// Opens the demo page served at `addr`, clicks the widget's launcher and waits for the
/// greeting: one message, from the bot.
pub(crate) async fn open_widget(client: &Client, addr: SocketAddr) -> anyhow::Result<()> {
    const LAUNCHER: &str = r#"[data-testid="relais-launcher"]"#;
    const PRELUDE: &str = r#"
      const msgs = () => Array.from(document.querySelectorAll('[data-testid="relais-message"]'));
    "#;
    client.goto(&format!("http://{addr}/")).await?;
    let launcher = format!("document.querySelector('{LAUNCHER}').getClientRects().length > 0");
    wait_until(client, PRELUDE, "the launcher", &launcher).await?;
    client.find(Locator::Css(LAUNCHER)).await?.click().await?;
    wait_until(
        client,
        PRELUDE,
        "the greeting",
        "msgs().length === 1 && msgs()[0].dataset.role === 'bot'",
    )
    .await
}

/// Saves what the browser shows to target/test-artifacts/`name`.
pub(crate) async fn save_screenshot(client: &Client, name: &str) -> anyhow::Result<()> {
    let dir = support::repo().join("target/test-artifacts");
    std::fs::create_dir_all(&dir)?;
    let png = client.screenshot().await?;
    std::fs::write(dir.join(name), png)?;
    Ok(())
}

/// Reads lines from `lines` until one starts with `prefix`; returns the rest of that line.
async fn line_after(
    lines: &mut Lines<BufReader<ChildStdout>>,
    prefix: &str,
) -> anyhow::Result<String> {
    let read = async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.trim().strip_prefix(prefix) {
                return Ok(rest.to_owned());
            }
        }
        bail!("the process exited before printing {prefix:?}")
    };
    tokio::time::timeout(DEADLINE, read)
        .await
        .with_context(|| format!("no {prefix:?} line within {DEADLINE:?}"))?
}

/// Chromium under chromedriver. [`Browser::quit`] closes the session, and so Chromium; the
/// driver process is killed when dropped.
pub(crate) struct Browser {
    client: Client,
    _driver: Child,
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session with a fresh
    /// profile and a window of `width` x `height`.
    async fn launch(width: u32, height: u32) -> anyhow::Result<Browser> {
        let profile = TempDir::new()?;
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("spawning chromedriver")?;
        let stdout = driver.stdout.take().context("chromedriver stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let port = line_after(&mut lines, "ChromeDriver was started successfully on port ").await?;
        let port = port.trim_end_matches('.');
        // The driver says nothing more on stdout that we need; drain it so it never blocks.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let mut capabilities = Capabilities::new();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ]
        .map(String::from)
        .into_iter()
        .chain([
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ])
        .collect::<Vec<_>>();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("opening a WebDriver session")?;
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(DEADLINE),
                Some(DEADLINE),
                Some(Duration::ZERO),
            ))
            .await?;
        Ok(Browser {
            client,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Runs `scenario` in a browser of `width` x `height`, closes the browser whatever the
    /// outcome, then fails the test with the scenario's error, if any.
    pub(crate) async fn run(
        width: u32,
        height: u32,
        scenario: impl AsyncFnOnce(&Client) -> anyhow::Result<()>,
    ) {
        let browser = Browser::launch(width, height)
            .await
            .expect("chromium starts under chromedriver");
        let outcome = scenario(browser.client()).await;
        browser.quit().await;
        if let Err(err) = outcome {
            panic!("{err:#}");
        }
    }

    /// The WebDriver session.
    fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the WebDriver session, which closes Chromium; dropping `self` then ends the driver.
    async fn quit(self) {
        // Failing to close is not the test's verdict, which is already decided by then.
        let _ = self.client.close().await;
    }
}
