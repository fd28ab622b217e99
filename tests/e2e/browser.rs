//! The demo page and the chat widget in real headless Chromium, driven over WebDriver.
//!
//! Checks, in one conversation (a browser start costs seconds, so the steps share it):
//! 1. `/` is the Volta Énergie demo page and the widget appears from its one `<script>` tag;
//! 2. the launcher opens the panel, moves focus to the input, and the greeting arrives;
//! 3. a quick reply is shown as the customer's message, acknowledged and answered, and the
//!    old quick replies disappear;
//! 4. a message typed and sent with Enter is acknowledged and answered;
//! 5. `<img src=x onerror=alert(1)>` is displayed as text: same text, no element inside the
//!    message list, no alert;
//! 6. every event is shown once, numbered 1..n without a gap;
//! 7. a reload restores exactly the same history, panel still open;
//! 8. after a network loss the widget says it is reconnecting, queues what is typed meanwhile,
//!    and once the network is back it resumes, sends the queued message and shows no event
//!    twice;
//! 9. Escape closes the panel and gives focus back to the launcher.
//!
//! The browser reaches the server through a [`Relay`] that the test can cut: to the page that
//! is indistinguishable from a real network loss.
//!
//! Waiting is event-driven and a missing browser fails the test: see [`crate::chromium`].

use std::net::SocketAddr;

use anyhow::{bail, ensure};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde::Deserialize;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::chromium::{self, Browser};
use crate::support::Server;

const LAUNCHER: &str = r#"[data-testid="relais-launcher"]"#;
const INPUT: &str = r#"[data-testid="relais-input"]"#;
const SEND: &str = r#"[data-testid="relais-send"]"#;
const QUICK_REPLY: &str = r#"[data-testid="relais-quick-reply"]"#;
const STATUS: &str = r#"[data-testid="relais-status"]"#;

/// JS helpers available to every condition given to [`wait_until`].
const PRELUDE: &str = r#"
  const q = (sel) => Array.from(document.querySelectorAll(sel));
  const msgs = () => q('[data-testid="relais-message"]');
  const shown = (sel) => q(sel).some((e) => e.getClientRects().length > 0);
  const testid = (e) => (e && e.getAttribute("data-testid")) || "";
"#;

/// One message as the widget shows it.
#[derive(Debug, PartialEq, Deserialize)]
struct Shown {
    role: String,
    text: String,
    seq: Option<u64>,
}

#[tokio::test]
async fn widget_chats_in_chromium_renders_markup_as_text_and_restores_history() {
    chromium::require_browser();
    let server = Server::start();
    let relay = Relay::start(server.addr).await.expect("relay listens");
    Browser::run(1280, 860, async |page| scenario(page, &relay).await).await;
}

async fn scenario(client: &Client, relay: &Relay) -> anyhow::Result<()> {
    // 1. The demo page, and the widget brought in by its script tag.
    client.goto(&format!("http://{}/", relay.addr)).await?;
    let title = client.title().await?;
    ensure!(
        title.contains("Volta"),
        "unexpected demo page title {title:?}"
    );
    wait_until(client, "the launcher", &format!("shown('{LAUNCHER}')")).await?;

    // 2. Opening: focus in the input, greeting from the bot (seq 1) with quick replies.
    client.find(Locator::Css(LAUNCHER)).await?.click().await?;
    wait_until(
        client,
        "the greeting with quick replies",
        &format!(
            "msgs().length === 1 && msgs()[0].dataset.role === 'bot' && shown('{QUICK_REPLY}')"
        ),
    )
    .await?;
    let launcher = client.find(Locator::Css(LAUNCHER)).await?;
    ensure!(launcher.attr("aria-expanded").await?.as_deref() == Some("true"));
    let focused = client.active_element().await?;
    ensure!(
        focused.attr("data-testid").await?.as_deref() == Some("relais-input"),
        "opening the panel should focus the input"
    );

    // 3. A quick reply: echoed with its label, acknowledged, answered; old replies removed.
    let chip = client.find(Locator::Css(QUICK_REPLY)).await?;
    let label = chip.text().await?;
    chip.click().await?;
    expect_answered(client, 1, &label).await?;
    match chip.is_displayed().await {
        Err(err) if err.is_stale_element_reference() => {}
        other => bail!("the clicked quick reply is still in the page: {other:?}"),
    }

    // 4. A typed message sent with Enter.
    let question = "Comment puis-je payer ma facture ?";
    let input = client.find(Locator::Css(INPUT)).await?;
    input
        .send_keys(&format!("{question}{}", char::from(Key::Enter)))
        .await?;
    expect_answered(client, 3, question).await?;

    // 5. Markup typed by a customer is text, sent with the button this time.
    let payload = "<img src=x onerror=alert(1)>";
    client
        .find(Locator::Css(INPUT))
        .await?
        .send_keys(payload)
        .await?;
    client.find(Locator::Css(SEND)).await?.click().await?;
    expect_answered(client, 5, payload).await?;
    expect_no_markup(client).await?;
    match client.get_alert_text().await {
        Err(err) if err.is_no_such_alert() => {}
        Ok(text) => bail!("an alert opened: {text:?}"),
        Err(err) => return Err(err.into()),
    }

    // 6. Every event once, in order, numbered without a gap.
    let before = messages(client).await?;
    let seqs: Vec<Option<u64>> = before.iter().map(|m| m.seq).collect();
    let expected: Vec<Option<u64>> = (1..=before.len() as u64).map(Some).collect();
    ensure!(
        seqs == expected,
        "events shown twice or out of order: {before:#?}"
    );
    chromium::save_screenshot(client, "widget.png").await?;

    // 7. A reload replays the conversation from the server: same history, panel open.
    client.refresh().await?;
    wait_until(
        client,
        "the replayed history",
        &format!(
            "msgs().length === {} && msgs().every((m) => m.dataset.seq)",
            before.len()
        ),
    )
    .await?;
    let after = messages(client).await?;
    ensure!(after == before, "history differs after reload: {after:#?}");
    expect_no_markup(client).await?;
    let launcher = client.find(Locator::Css(LAUNCHER)).await?;
    ensure!(launcher.attr("aria-expanded").await?.as_deref() == Some("true"));

    // 8. Network loss: reconnecting state, a message queued meanwhile, then resumed and sent.
    relay.cut();
    wait_until(
        client,
        "the reconnecting state",
        &format!("shown('{STATUS}')"),
    )
    .await?;
    let queued = "Et si je déménage ?";
    let input = client.find(Locator::Css(INPUT)).await?;
    input
        .send_keys(&format!("{queued}{}", char::from(Key::Enter)))
        .await?;
    wait_until(
        client,
        "the message queued while offline",
        "q('.rl-msg--queued').length === 1 && !msgs().at(-1).dataset.seq",
    )
    .await?;
    relay.restore();
    expect_answered(client, before.len(), queued).await?;
    wait_until(
        client,
        "the reconnected state",
        &format!("!shown('{STATUS}')"),
    )
    .await?;
    let resumed = messages(client).await?;
    ensure!(
        resumed.starts_with(&before) && resumed.len() == before.len() + 2,
        "history after the network loss: {resumed:#?}"
    );
    let seqs: Vec<Option<u64>> = resumed.iter().map(|m| m.seq).collect();
    let expected: Vec<Option<u64>> = (1..=resumed.len() as u64).map(Some).collect();
    ensure!(
        seqs == expected,
        "events shown twice or out of order: {resumed:#?}"
    );

    // 9. Escape closes the panel and returns focus to the launcher.
    let input = client.find(Locator::Css(INPUT)).await?;
    input.click().await?;
    input
        .send_keys(&char::from(Key::Escape).to_string())
        .await?;
    wait_until(
        client,
        "the panel closed with focus on the launcher",
        &format!(
            "!shown('[data-testid=\"relais-panel\"]') \
             && testid(document.activeElement) === 'relais-launcher' \
             && document.querySelector('{LAUNCHER}').getAttribute('aria-expanded') === 'false'"
        ),
    )
    .await?;
    Ok(())
}

/// Waits until the message at `index` is the customer's `text`, acknowledged, and followed by
/// a bot reply with the typing indicator hidden.
async fn expect_answered(client: &Client, index: usize, text: &str) -> anyhow::Result<()> {
    let text = serde_json::to_string(text)?;
    let condition = format!(
        "msgs().length >= {next} + 1 \
         && msgs()[{index}].dataset.role === 'customer' \
         && msgs()[{index}].textContent === {text} \
         && msgs()[{index}].dataset.seq \
         && msgs()[{next}].dataset.role === 'bot' \
         && !shown('[data-testid=\"relais-typing\"]')",
        next = index + 1
    );
    wait_until(client, &format!("an answer to {text}"), &condition).await
}

/// Fails if any element was created inside the message list from message text.
async fn expect_no_markup(client: &Client) -> anyhow::Result<()> {
    let found = client
        .execute(
            r#"const log = document.querySelector('[data-testid="relais-messages"]');
               return { img: log.querySelectorAll('img').length,
                        nested: Array.from(log.querySelectorAll('[data-testid="relais-message"]'))
                          .filter((m) => m.childElementCount > 0).length };"#,
            vec![],
        )
        .await?;
    ensure!(
        found == json!({"img": 0, "nested": 0}),
        "message text was parsed as HTML: {found}"
    );
    Ok(())
}

/// The messages on screen, in order.
async fn messages(client: &Client) -> anyhow::Result<Vec<Shown>> {
    let value = client
        .execute(
            r#"return Array.from(document.querySelectorAll('[data-testid="relais-message"]'))
                 .map((m) => ({ role: m.dataset.role, text: m.textContent,
                                seq: m.dataset.seq ? Number(m.dataset.seq) : null }));"#,
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(value)?)
}

/// Resolves when the JS expression `condition` holds; on timeout, shows the messages.
async fn wait_until(client: &Client, what: &str, condition: &str) -> anyhow::Result<()> {
    if let Err(err) = chromium::wait_until(client, PRELUDE, what, condition).await {
        let shown = messages(client).await.unwrap_or_default();
        bail!("{err:#}; messages on screen: {shown:#?}");
    }
    Ok(())
}

/// A TCP relay from the browser to the server whose link the test can cut and restore.
struct Relay {
    addr: SocketAddr,
    up: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Relay {
    async fn start(server: SocketAddr) -> anyhow::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (up, link) = watch::channel(true);
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                // While cut, connections are accepted and dropped at once, like a dead link.
                if *link.borrow() {
                    tokio::spawn(forward(inbound, server, link.clone()));
                }
            }
        });
        Ok(Relay { addr, up, task })
    }

    /// Drops every open connection and every new one until [`Relay::restore`].
    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies bytes both ways until either side closes or the link is cut.
async fn forward(mut inbound: TcpStream, server: SocketAddr, mut link: watch::Receiver<bool>) {
    let Ok(mut outbound) = TcpStream::connect(server).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = link.wait_for(|up| !*up) => {}
    }
}
