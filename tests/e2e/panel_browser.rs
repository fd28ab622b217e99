//! The advisor panel (`web/agent/`, served at `/agent`) in real headless Chromium, against
//! the real server, with a real customer on a websocket.
//!
//! Checks, in one session (a browser start costs seconds, so the steps share it):
//! 1. `/agent` shows the login form; a wrong password is refused with a message, the right
//!    one opens the desk, online, with the advisor's display name (which holds markup) as text;
//! 2. a customer whose first misunderstood message is `<img src=x onerror=alert(1)>`
//!    accepts the advisor offer, then writes `<script>alert(1)</script>` while waiting: the
//!    queue shows the item, in French, with the misunderstood messages listed as text;
//! 3. accepting opens a chat tab with the whole transcript: the payloads are the exact text
//!    of customer messages, the bot's detected intent and the handoff are shown, no element
//!    was created from any text and no alert opened; the customer learns who joined;
//! 4. the customer's typing shows in the panel; a question gets FAQ suggestions, one click
//!    inserts one into the composer and the customer receives it;
//! 5. a reply typed and sent with Enter reaches the customer as an `agent` frame, after an
//!    `agent_typing`, and is marked stored (its seq) in the panel;
//! 6. a canned response (the server's list for French) inserted from the menu, edited, then
//!    sent: the customer receives exactly the edited text;
//! 7. closing ends the chat on both sides: the customer gets `handoff ended`, the panel says
//!    the chat is over and offers to close the tab.
//!
//! Screenshot of the chat: target/test-artifacts/panel.png.

use anyhow::{Context, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client as Page, Locator};
use serde_json::{Value, json};

use crate::agent_support::{self, AgentDef, GIBBERISH, password_of, until_handoff};
use crate::chromium::{self, Browser};
use crate::support::{Client, DataDir, Server};

/// The advisor: French-speaking, with a display name that is markup (shown as text).
const AGENT: AgentDef<'static> = AgentDef {
    name: "alice",
    display_name: "Alice <i>Martin</i>",
    langs: "fr",
    skills: agent_support::ALL_SKILLS,
    capacity: 3,
};

/// What the customer types that must never become markup.
const PAYLOADS: [&str; 2] = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"];

/// JS helpers available to every condition given to [`wait_until`].
const PRELUDE: &str = r#"
  const q = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const shown = (el) => !!el && el.getClientRects().length > 0;
  const byTest = (id, root) => (root || document).querySelector('[data-testid="' + id + '"]');
  const card = (id) => document.querySelector('[data-testid="queue-item"][data-conversation="' + id + '"]');
  const chat = (id) => document.querySelector('[data-testid="chat"][data-conversation="' + id + '"]');
  const msgs = (id) => q('[data-testid="panel-message"]', chat(id));
  const texts = (els) => els.map((e) => e.textContent);
"#;

#[tokio::test]
async fn agent_panel_logs_in_accepts_replies_with_canned_text_closes_and_shows_markup_as_text() {
    chromium::require_browser();
    let data = DataDir::new();
    agent_support::add_agent(&data, AGENT);
    let server = Server::start_in(&data);
    Browser::run(1440, 900, async |page| scenario(page, &server).await).await;
}

async fn scenario(page: &Page, server: &Server) -> anyhow::Result<()> {
    // 1. Login: refused, then accepted; the desk is online under the advisor's name.
    page.goto(&format!("http://{}/agent", server.addr)).await?;
    wait_until(page, "the login form", "shown(byTest('login-form'))").await?;
    log_in(page, "not-the-password").await?;
    wait_until(
        page,
        "the wrong-password message",
        "shown(byTest('login-error')) && byTest('login-error').textContent.length > 0 \
         && !shown(byTest('workspace'))",
    )
    .await?;
    log_in(page, &password_of(AGENT.name)).await?;
    let name = js_string(AGENT.display_name)?;
    wait_until(
        page,
        "the desk, online, with the advisor's name as text",
        &format!(
            "shown(byTest('workspace')) && !shown(byTest('login-view')) \
             && byTest('connection').dataset.state === 'online' \
             && byTest('agent-name').textContent === {name} \
             && byTest('agent-name').childElementCount === 0"
        ),
    )
    .await?;

    // 2. A customer misunderstood twice (once by markup), queued, writing markup meanwhile.
    let (mut customer, welcome) = agent_support::customer(server, "fr").await;
    let id = welcome["conversation"]
        .as_str()
        .context("conversation id")?
        .to_owned();
    let (_, first) = customer.say(PAYLOADS[0]).await;
    ensure!(first["outcome"] == "fallback", "first payload: {first}");
    let (_, offer) = customer.say(GIBBERISH[1]).await;
    ensure!(offer["outcome"] == "handoff_offer", "gibberish: {offer}");
    customer.choose("handoff:yes").await;
    let queued = until_handoff(&mut customer).await;
    ensure!(queued["state"] == "queued", "{queued}");
    customer.send_text(PAYLOADS[1]).await;

    let mut missed = [PAYLOADS[0], GIBBERISH[1]];
    missed.sort_unstable();
    let missed = serde_json::to_string(&missed)?;
    wait_until(
        page,
        "the queue item with the misunderstood messages as text",
        &format!(
            "card('{id}') && byTest('queue-lang', card('{id}')).textContent === 'FR' \
             && JSON.stringify(texts(q('[data-testid=\"missed-text\"]', card('{id}'))).sort()) === '{missed}'"
        ),
    )
    .await?;
    expect_inert(page).await?;

    // 3. Accept: the full transcript, payloads as text, the customer told who joined.
    click_in(page, &id, "queue-accept").await?;
    let payload_0 = js_string(PAYLOADS[0])?;
    let payload_1 = js_string(PAYLOADS[1])?;
    wait_until(
        page,
        "the transcript with the payloads as customer messages",
        &format!(
            "shown(chat('{id}')) \
             && msgs('{id}').some((m) => m.dataset.role === 'customer' && m.textContent === {payload_0}) \
             && msgs('{id}').some((m) => m.dataset.role === 'customer' && m.textContent === {payload_1}) \
             && msgs('{id}').filter((m) => m.dataset.role === 'bot').length >= 3 \
             && msgs('{id}').some((m) => m.dataset.role === 'system') \
             && document.activeElement === byTest('composer-input', chat('{id}'))"
        ),
    )
    .await?;
    expect_inert(page).await?;
    let assigned = next_of(&mut customer, "handoff").await;
    ensure!(
        assigned["state"] == "assigned" && assigned["agent"] == AGENT.display_name,
        "{assigned}"
    );

    // 4. Typing shows; a question brings FAQ suggestions; one click inserts one; it is sent.
    customer.send(json!({"type": "typing"})).await;
    wait_until(
        page,
        "the customer typing",
        &format!("shown(byTest('customer-typing', chat('{id}')))"),
    )
    .await?;
    let question = "Comment puis-je payer ma facture ?";
    customer.send_text(question).await;
    let question_js = js_string(question)?;
    wait_until(
        page,
        "the question and its suggested answers",
        &format!(
            "msgs('{id}').some((m) => m.dataset.role === 'customer' && m.textContent === {question_js}) \
             && !shown(byTest('customer-typing', chat('{id}'))) \
             && shown(byTest('suggestion', chat('{id}')))"
        ),
    )
    .await?;
    click_in(page, &id, "suggestion").await?;
    let suggestion = composer_value(page, &id).await?;
    let first_suggestion = page
        .execute(
            &format!("{PRELUDE} return byTest('suggestion-text', chat('{id}')).textContent;"),
            vec![],
        )
        .await?;
    ensure!(
        !suggestion.is_empty() && json!(suggestion) == first_suggestion,
        "the composer holds {suggestion:?}, the suggestion was {first_suggestion}"
    );
    click_in(page, &id, "composer-send").await?;
    expect_agent_message(&mut customer, &suggestion).await?;

    // 5. A typed reply, sent with Enter: typing first, then the message; stored in the panel.
    let reply = "Bonjour, je suis Alice. Je regarde votre dossier.";
    let input = composer(page, &id).await?;
    input
        .send_keys(&format!("{reply}{}", char::from(Key::Enter)))
        .await?;
    let frames = expect_agent_message(&mut customer, reply).await?;
    ensure!(
        frames.iter().any(|f| f["type"] == "agent_typing"),
        "no agent_typing before the reply: {frames:?}"
    );
    let reply_js = js_string(reply)?;
    wait_until(
        page,
        "the reply marked as stored",
        &format!(
            "msgs('{id}').some((m) => m.dataset.role === 'agent' && m.textContent === {reply_js} \
                                    && Number(m.dataset.seq) > 0)"
        ),
    )
    .await?;

    // 6. A canned response from the server's French list, edited, then sent.
    let token = agent_support::login(server, AGENT.name).await;
    let bearer = format!("Bearer {token}");
    let listed = server
        .request(
            "GET",
            "/api/agent/canned?lang=fr",
            &[("authorization", &bearer)],
            None,
        )
        .await;
    ensure!(listed.status == 200, "canned responses: {}", listed.body);
    let first_canned = listed.json()[0]["text"]
        .as_str()
        .context("a canned response with a text")?
        .to_owned();
    click_in(page, &id, "canned-toggle").await?;
    wait_until(
        page,
        "the canned responses menu",
        &format!("shown(byTest('canned-item', chat('{id}')))"),
    )
    .await?;
    click_in(page, &id, "canned-item").await?;
    ensure!(
        composer_value(page, &id).await? == first_canned,
        "the first canned response was not inserted"
    );
    let edit = " (réf. 4521)";
    composer(page, &id).await?.send_keys(edit).await?;
    chromium::save_screenshot(page, "panel.png").await?;
    click_in(page, &id, "composer-send").await?;
    expect_agent_message(&mut customer, &format!("{first_canned}{edit}")).await?;

    // 7. Close: both sides see the end.
    click_in(page, &id, "chat-close").await?;
    let ended = next_of(&mut customer, "handoff").await;
    ensure!(ended["state"] == "ended", "{ended}");
    wait_until(
        page,
        "the chat shown as ended",
        &format!(
            "shown(byTest('chat-ended', chat('{id}'))) && !shown(byTest('composer', chat('{id}'))) \
             && document.activeElement === byTest('chat-dismiss', chat('{id}'))"
        ),
    )
    .await?;
    expect_inert(page).await?;
    Ok(())
}

/// Fills the login form and submits it with Enter.
async fn log_in(page: &Page, password: &str) -> anyhow::Result<()> {
    let name = page
        .find(Locator::Css("[data-testid=\"login-name\"]"))
        .await?;
    name.clear().await?;
    name.send_keys(AGENT.name).await?;
    let field = page
        .find(Locator::Css("[data-testid=\"login-password\"]"))
        .await?;
    field.clear().await?;
    field
        .send_keys(&format!("{password}{}", char::from(Key::Enter)))
        .await?;
    Ok(())
}

/// Clicks the `[data-testid=testid]` element of conversation `id`'s queue card or chat.
async fn click_in(page: &Page, id: &str, testid: &str) -> anyhow::Result<()> {
    let css = format!("[data-conversation=\"{id}\"] [data-testid=\"{testid}\"]");
    page.find(Locator::Css(&css))
        .await
        .with_context(|| format!("no {css}"))?
        .click()
        .await?;
    Ok(())
}

async fn composer(page: &Page, id: &str) -> anyhow::Result<Element> {
    Ok(page
        .find(Locator::Css(&format!(
            "[data-conversation=\"{id}\"] [data-testid=\"composer-input\"]"
        )))
        .await?)
}

async fn composer_value(page: &Page, id: &str) -> anyhow::Result<String> {
    Ok(composer(page, id)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Fails if markup from any text became elements, or if an alert opened.
async fn expect_inert(page: &Page) -> anyhow::Result<()> {
    let found = page
        .execute(
            r#"const texts = Array.from(document.querySelectorAll(
                 '[data-testid="panel-message"], [data-testid="missed-text"], [data-testid="agent-name"]'));
               return { img: document.querySelectorAll('img').length,
                        scripts: document.scripts.length,
                        italic: document.querySelectorAll('i').length,
                        nested: texts.filter((t) => t.childElementCount > 0).length };"#,
            vec![],
        )
        .await?;
    // The one script is the panel's own module.
    ensure!(
        found == json!({"img": 0, "scripts": 1, "italic": 0, "nested": 0}),
        "text was parsed as HTML: {found}"
    );
    match page.get_alert_text().await {
        Err(err) if err.is_no_such_alert() => Ok(()),
        Ok(text) => bail!("an alert opened: {text:?}"),
        Err(err) => Err(err.into()),
    }
}

/// Reads the customer's frames up to the next one of type `kind`, skipping live-only ones.
async fn next_of(customer: &mut Client, kind: &str) -> Value {
    loop {
        let frame = customer.recv().await;
        match frame["type"].as_str() {
            Some(got) if got == kind => return frame,
            Some("queue_update" | "agent_typing") => {}
            _ => panic!("expected a {kind} frame, got {frame}"),
        }
    }
}

/// Reads the customer's frames up to an `agent` frame, which must carry `text` from the
/// advisor; returns the live-only frames seen before it.
async fn expect_agent_message(customer: &mut Client, text: &str) -> anyhow::Result<Vec<Value>> {
    let mut before = Vec::new();
    loop {
        let frame = customer.recv().await;
        match frame["type"].as_str() {
            Some("agent") => {
                ensure!(
                    frame["text"] == text && frame["agent"] == AGENT.display_name,
                    "unexpected agent frame {frame}, wanted {text:?}"
                );
                ensure!(frame["seq"].as_u64().is_some(), "{frame}");
                return Ok(before);
            }
            Some("queue_update" | "agent_typing") => before.push(frame),
            _ => bail!("expected an agent frame, got {frame}"),
        }
    }
}

/// `text` as a JS string literal.
fn js_string(text: &str) -> anyhow::Result<String> {
    Ok(serde_json::to_string(text)?)
}

/// What a failed wait shows of the page.
const ON_SCREEN: &str = r#"
  return Array.from(document.querySelectorAll(
    '[data-testid="queue-item"], [data-testid="panel-message"], [data-testid="toast"]'))
    .map((m) => (m.dataset.role || m.dataset.testid) + ': ' + m.textContent);
"#;

/// Resolves when the JS expression `condition` holds; on a timeout, says what [`ON_SCREEN`] shows.
async fn wait_until(page: &Page, what: &str, condition: &str) -> anyhow::Result<()> {
    chromium::wait_until_or_show(page, PRELUDE, what, condition, ON_SCREEN).await
}
