//! The live handoff in the chat widget, in real headless Chromium, against the real server,
//! with a real advisor (created with `relais agents add`) on the advisor websocket.
//!
//! Checks, in one session (a browser start costs seconds, so the steps share it):
//! 1. a customer who asks for a human in French sees the waiting status in the conversation,
//!    first in the queue with an estimated wait and a "Quitter la file" button, and no typing
//!    indicator (nobody is writing back);
//! 2. a reload while waiting rebuilds exactly the same screen;
//! 3. the advisor accepts: the status goes, "Zoé <b>x</b> a rejoint la conversation" and the
//!    header name the advisor, as text;
//! 4. the advisor's typing shows with their name; their message `<img src=x onerror=alert(1)>`
//!    is an advisor bubble under their name, inert text, with its seq;
//! 5. the customer's reply is acknowledged without any bot typing indicator, and reaches the
//!    advisor after a typing signal;
//! 6. the advisor closes: the end notice shows and the bot answers the next question;
//! 7. a reload restores exactly the same transcript, handoff notices included;
//! 8. queued again behind another customer ("2e"), the status is updated in place and the
//!    change announced when that customer leaves; "Quitter la file", reached and pressed with
//!    the keyboard, ends the wait: status gone, notice shown, focus in the input, and the
//!    advisor's queue is empty.
//!
//! Screenshots: target/test-artifacts/widget-handoff-queue.png (waiting) and
//! widget-handoff.png (after the advisor chat).

use anyhow::{Context, bail, ensure};
use fantoccini::key::Key;
use fantoccini::{Client as Page, Locator};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::agent_support::{self, AgentDef, AgentSocket};
use crate::chromium::{self, Browser};
use crate::support::{DataDir, Server};

/// The advisor: French-speaking, with a display name that is markup (shown as text).
const AGENT: AgentDef<'static> = AgentDef {
    name: "zoe",
    display_name: "Zoé <b>x</b>",
    langs: "fr",
    skills: agent_support::ALL_SKILLS,
    capacity: 3,
};

/// What the advisor writes that must never become markup.
const PAYLOAD: &str = "<img src=x onerror=alert(1)>";
/// What the customer types to ask for a human.
const ASK_HUMAN: &str = "Je veux parler à un conseiller";

const INPUT: &str = r#"[data-testid="relais-input"]"#;

/// JS helpers available to every condition given to [`wait_until`].
const PRELUDE: &str = r#"
  const q = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const byTest = (id, root) => (root || document).querySelector('[data-testid="' + id + '"]');
  const shown = (e) => !!e && e.getClientRects().length > 0;
  const msgs = () => q('[data-testid="relais-message"]');
  const last = () => msgs().at(-1);
  const notices = (kind) => q('[data-testid="relais-notice"]').filter((n) => n.dataset.handoff === kind);
  const text = (id) => (byTest(id) || {}).textContent;
  const waiting = () => q('[data-testid="relais-queue-status"]');
"#;

/// One item of the conversation log as the widget shows it.
#[derive(Debug, PartialEq, Deserialize)]
struct Item {
    /// `message`, or the item's test id (`relais-notice`, `relais-queue-status`) or class.
    kind: String,
    /// A message's role, or a handoff notice's state.
    role: Option<String>,
    /// The advisor's name above their messages.
    author: Option<String>,
    text: String,
    seq: Option<u64>,
}

#[tokio::test]
async fn widget_shows_the_live_handoff() {
    chromium::require_browser();
    let data = DataDir::new();
    agent_support::add_agent(&data, AGENT);
    let server = Server::start_in(&data);
    let mut agent = AgentSocket::login(&server, AGENT.name).await;
    Browser::run(1280, 900, async |page| {
        scenario(page, &server, &mut agent).await
    })
    .await;
    agent.close().await;
}

async fn scenario(page: &Page, server: &Server, agent: &mut AgentSocket) -> anyhow::Result<()> {
    // 1. Asking for a human: the waiting status, first in the queue, in French.
    chromium::open_widget(page, server.addr).await?;
    type_message(page, ASK_HUMAN).await?;
    let ask = js(ASK_HUMAN)?;
    wait_until(
        page,
        "the waiting status, first in the queue",
        &format!(
            "last().dataset.role === 'customer' && last().textContent === {ask} && last().dataset.seq \
             && waiting().length === 1 && shown(waiting()[0]) \
             && /^Vous êtes 1er dans la file — attente estimée ~\\d+\u{a0}min$/.test(text('relais-queue-position')) \
             && text('relais-leave-queue') === 'Quitter la file' \
             && text('relais-subtitle') === 'En attente d’un conseiller' \
             && !shown(byTest('relais-typing'))"
        ),
    )
    .await?;
    chromium::save_screenshot(page, "widget-handoff-queue.png").await?;
    let (items, _) = agent.queue_until(|items| !items.is_empty()).await;
    ensure!(items.len() == 1, "one customer waits: {items:?}");
    let id = items[0]["conversation"]
        .as_str()
        .context("conversation id")?
        .to_owned();

    // 2. A reload while waiting shows the same status, rebuilt from the stored events.
    expect_reload_restores(page).await?;
    wait_until(
        page,
        "the rebuilt waiting status",
        "waiting().length === 1 && text('relais-leave-queue') === 'Quitter la file'",
    )
    .await?;

    // 3. The advisor accepts: who joined, as text; no more waiting.
    agent.accept(&id).await;
    let name = js(AGENT.display_name)?;
    wait_until(
        page,
        "the advisor's arrival",
        &format!(
            "notices('assigned').length === 1 \
             && notices('assigned')[0].textContent === {name} + ' a rejoint la conversation' \
             && text('relais-subtitle') === 'En ligne avec ' + {name} && waiting().length === 0"
        ),
    )
    .await?;
    expect_inert(page).await?;

    // 4. The advisor types, then writes markup: their typing, then an inert advisor bubble.
    agent
        .send(json!({"type": "typing", "conversation": id}))
        .await;
    wait_until(
        page,
        "the advisor typing",
        &format!("shown(byTest('relais-typing')) && text('relais-typing') === {name} + ' écrit…'"),
    )
    .await?;
    let ack = agent.say(&id, PAYLOAD).await;
    let payload = js(PAYLOAD)?;
    wait_until(
        page,
        "the advisor's message as text",
        &format!(
            "last().dataset.role === 'agent' && last().textContent === {payload} \
             && Number(last().dataset.seq) === {seq} \
             && last().parentElement.querySelector('[data-testid=\"relais-author\"]').textContent === {name} \
             && !shown(byTest('relais-typing'))",
            seq = ack["seq"]
        ),
    )
    .await?;
    expect_inert(page).await?;

    // 5. The customer replies: acknowledged, no bot typing, heard by the advisor.
    let reply = "Merci ! Ma facture de mars est deux fois trop élevée.";
    type_message(page, reply).await?;
    let (heard, typing_first) = customer_message(agent).await?;
    ensure!(
        heard["conversation"] == id.as_str() && heard["text"] == reply,
        "the advisor heard {heard}"
    );
    ensure!(
        typing_first,
        "the advisor saw no customer_typing before the message"
    );
    let reply_js = js(reply)?;
    wait_until(
        page,
        "the reply acknowledged, nobody typing",
        &format!(
            "last().dataset.role === 'customer' && last().textContent === {reply_js} \
             && Number(last().dataset.seq) === {seq} && !shown(byTest('relais-typing'))",
            seq = heard["seq"]
        ),
    )
    .await?;

    // 6. The advisor closes: the end notice, and the bot answers again.
    agent
        .send(json!({"type": "close", "conversation": id}))
        .await;
    agent.expect("chat_ended").await;
    wait_until(
        page,
        "the end notice",
        "notices('ended').length === 1 \
         && notices('ended')[0].textContent.startsWith('L’échange avec le conseiller est terminé') \
         && text('relais-subtitle') === 'Réponse immédiate, 24\u{a0}h/24'",
    )
    .await?;
    chromium::save_screenshot(page, "widget-handoff.png").await?;
    let question = "Comment puis-je payer ma facture ?";
    type_message(page, question).await?;
    let question_js = js(question)?;
    wait_until(
        page,
        "the bot's answer",
        &format!(
            "msgs().at(-2).textContent === {question_js} && msgs().at(-2).dataset.seq \
             && last().dataset.role === 'bot' && !shown(byTest('relais-typing'))"
        ),
    )
    .await?;

    // 7. A reload restores the whole transcript, handoff included.
    let restored = expect_reload_restores(page).await?;
    let kinds: Vec<&str> = restored
        .iter()
        .filter(|item| item.kind == "relais-notice")
        .filter_map(|item| item.role.as_deref())
        .collect();
    ensure!(
        kinds == ["assigned", "ended"],
        "handoff notices after the reload: {restored:#?}"
    );
    expect_inert(page).await?;

    // 8. Queued behind another customer, updated in place, then left with the keyboard.
    let (mut ahead, _) = agent_support::customer(server, "fr").await;
    ahead.send_text(ASK_HUMAN).await;
    let queued = ahead.expect_event("handoff").await;
    ensure!(
        queued["state"] == "queued" && queued["position"] == 1,
        "{queued}"
    );
    type_message(page, ASK_HUMAN).await?;
    // Both waiting: any queue frame the agent gets from now on is about this wait.
    agent.queue_until(|items| items.len() == 2).await;
    wait_until(
        page,
        "the waiting status, second in the queue",
        "waiting().length === 1 && text('relais-queue-position').startsWith('Vous êtes 2e dans la file — ')",
    )
    .await?;
    let before = log_items(page).await?;
    ahead.send(json!({"type": "leave_queue"})).await;
    let left = ahead.expect_event("handoff").await;
    ensure!(left["state"] == "ended", "{left}");
    wait_until(
        page,
        "the status updated in place and announced",
        "waiting().length === 1 && text('relais-queue-position').startsWith('Vous êtes 1er dans la file — ') \
         && text('relais-announcer') === text('relais-queue-position')",
    )
    .await?;
    let after = log_items(page).await?;
    ensure!(
        after.len() == before.len(),
        "an update added to the log: {after:#?}"
    );
    let focused = page.active_element().await?;
    focused
        .send_keys(&format!(
            "{}{}",
            char::from(Key::Shift),
            char::from(Key::Tab)
        ))
        .await?;
    let leave = page.active_element().await?;
    ensure!(
        leave.attr("data-testid").await?.as_deref() == Some("relais-leave-queue"),
        "Shift+Tab from the input should reach the leave button"
    );
    leave.send_keys(&char::from(Key::Enter).to_string()).await?;
    wait_until(
        page,
        "the wait left, focus back in the input",
        "waiting().length === 0 && notices('ended').length === 2 \
         && notices('ended')[1].textContent.startsWith('Vous avez quitté la file d’attente') \
         && document.activeElement === byTest('relais-input')",
    )
    .await?;
    agent.queue_until(|items| items.is_empty()).await;
    ahead.close().await;
    Ok(())
}

/// Types `text` in the input and sends it with Enter.
async fn type_message(page: &Page, text: &str) -> anyhow::Result<()> {
    page.find(Locator::Css(INPUT))
        .await?
        .send_keys(&format!("{text}{}", char::from(Key::Enter)))
        .await?;
    Ok(())
}

/// Reads the advisor's frames up to the customer's message; says whether a `customer_typing`
/// came first.
async fn customer_message(agent: &mut AgentSocket) -> anyhow::Result<(Value, bool)> {
    let mut typing = false;
    loop {
        let frame = agent.recv().await;
        match frame["type"].as_str() {
            Some("customer") => return Ok((frame, typing)),
            Some("customer_typing") => typing = true,
            Some("queue" | "live" | "suggestions") => {}
            _ => bail!("expected the customer's message, got {frame}"),
        }
    }
}

/// Reloads the page and waits until the log shows the same items again; returns them.
async fn expect_reload_restores(page: &Page) -> anyhow::Result<Vec<Item>> {
    let before = log_items(page).await?;
    page.refresh().await?;
    wait_until(
        page,
        "the replayed conversation",
        &format!(
            "q('[data-testid=\"relais-messages\"] > *').length === {} \
             && msgs().every((m) => m.dataset.seq) \
             && !byTest('relais-messages').hasAttribute('aria-busy')",
            before.len()
        ),
    )
    .await?;
    let after = log_items(page).await?;
    ensure!(
        after == before,
        "the conversation differs after a reload: {after:#?}, before: {before:#?}"
    );
    Ok(after)
}

/// The items of the conversation log, in order.
async fn log_items(page: &Page) -> anyhow::Result<Vec<Item>> {
    let value = page
        .execute(
            r#"const log = document.querySelector('[data-testid="relais-messages"]');
               return Array.from(log.children).map((e) => {
                 const bubble = e.querySelector('[data-testid="relais-message"]');
                 const seq = (node) => (node.dataset.seq ? Number(node.dataset.seq) : null);
                 if (bubble) {
                   const author = e.querySelector('[data-testid="relais-author"]');
                   return { kind: 'message', role: bubble.dataset.role,
                            author: author ? author.textContent : null,
                            text: bubble.textContent, seq: seq(bubble) };
                 }
                 return { kind: e.dataset.testid || e.className, role: e.dataset.handoff || null,
                          author: null, text: e.textContent, seq: seq(e) };
               });"#,
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(value)?)
}

/// Fails if markup from any text became elements in the widget, or if an alert opened.
async fn expect_inert(page: &Page) -> anyhow::Result<()> {
    let found = page
        .execute(
            r#"const root = document.querySelector('[data-testid="relais-root"]');
               const texts = Array.from(root.querySelectorAll(
                 '[data-testid="relais-message"], [data-testid="relais-author"], [data-testid="relais-notice"]'));
               return { img: root.querySelectorAll('img').length,
                        bold: root.querySelectorAll('b').length,
                        nested: texts.filter((t) => t.childElementCount > 0).length };"#,
            vec![],
        )
        .await?;
    ensure!(
        found == json!({"img": 0, "bold": 0, "nested": 0}),
        "text was parsed as HTML: {found}"
    );
    match page.get_alert_text().await {
        Err(err) if err.is_no_such_alert() => Ok(()),
        Ok(text) => bail!("an alert opened: {text:?}"),
        Err(err) => Err(err.into()),
    }
}

/// `text` as a JS string literal.
fn js(text: &str) -> anyhow::Result<String> {
    Ok(serde_json::to_string(text)?)
}

/// Resolves when the JS expression `condition` holds; on timeout, shows the log's items.
async fn wait_until(page: &Page, what: &str, condition: &str) -> anyhow::Result<()> {
    if let Err(err) = chromium::wait_until(page, PRELUDE, what, condition).await {
        let shown = log_items(page).await.unwrap_or_default();
        bail!("{err:#}; on screen: {shown:#?}");
    }
    Ok(())
}
