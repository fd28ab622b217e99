//! "This answer should become a FAQ" from the advisor panel (issue 5), in real headless
//! Chromium against the real server, with the server's text limit lowered to 100 characters so
//! that it, not the page, refuses one proposal.
//!
//! Checks, in one session:
//! 1. a reply the advisor sent carries a "propose as FAQ" button; pressed with the keyboard
//!    (Enter), it opens a labelled editor holding exactly that text, focused;
//! 2. an emptied editor is refused in the page with a message, nothing sent;
//! 3. a text the server refuses (over its limit) shows the server's error in the editor,
//!    which stays open with the text, and the inbox holds no proposal;
//! 4. the edited text, sent, is confirmed in the chat (a status, not an error), the editor
//!    closes, the keyboard goes back to the button, and `relais inbox list --json` lists
//!    exactly that text as a flag from this conversation;
//! 5. the composer's own "propose as FAQ" opens the editor with the draft being written.

use std::process::Command;

use anyhow::{Context, ensure};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client as Page, Locator};
use serde_json::Value;

use crate::agent_support::{self, AgentDef, password_of};
use crate::chromium::{self, Browser};
use crate::support::{DataDir, Server, repo};

/// The server's text limit for this test (`--max-text-chars`).
const LIMIT: usize = 100;
/// What the advisor replies, then proposes (edited) as a FAQ.
const REPLY: &str = "Les frais de mise en service sont de 20 € HT.";
/// Appended in the editor before sending.
const EDIT: &str = " Ils figurent sur la première facture.";

/// JS helpers available to every condition given to [`wait_until`].
const PRELUDE: &str = r#"
  const q = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const shown = (el) => !!el && el.getClientRects().length > 0;
  const byTest = (id, root) => (root || document).querySelector('[data-testid="' + id + '"]');
  const chat = (id) => document.querySelector('[data-testid="chat"][data-conversation="' + id + '"]');
  const ownRow = (id, text) => q('.msg--agent', chat(id)).find((row) =>
    byTest('panel-message', row).textContent === text && Number(byTest('panel-message', row).dataset.seq) > 0);
"#;

#[tokio::test]
async fn an_advisor_proposes_their_reply_as_a_faq_from_the_panel_and_it_lands_in_the_inbox() {
    chromium::require_browser();
    let data = DataDir::new();
    agent_support::add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_with(&data, &["--max-text-chars", &LIMIT.to_string()]);
    Browser::run(1440, 900, async |page| scenario(page, &server, &data).await).await;
}

async fn scenario(page: &Page, server: &Server, data: &DataDir) -> anyhow::Result<()> {
    page.goto(&format!("http://{}/agent", server.addr)).await?;
    wait_until(page, "the login form", "shown(byTest('login-form'))").await?;
    chromium::log_in_panel(page, PRELUDE, "alice", &password_of("alice")).await?;
    let waiting = agent_support::queued_customer(server, "fr").await;
    let id = waiting.conversation.clone();
    let accept = format!("[data-conversation=\"{id}\"] [data-testid=\"queue-accept\"]");
    wait_until(
        page,
        "the queue item",
        &format!("shown(document.querySelector('{accept}'))"),
    )
    .await?;
    page.find(Locator::Css(&accept)).await?.click().await?;
    wait_until(
        page,
        "the chat, composer focused",
        &format!("shown(chat('{id}')) && document.activeElement === byTest('composer-input', chat('{id}'))"),
    )
    .await?;

    // 1. The reply, stored, has its button; Enter on it opens the editor with the reply.
    let input = in_chat(page, &id, "composer-input").await?;
    input
        .send_keys(&format!("{REPLY}{}", char::from(Key::Enter)))
        .await?;
    let reply = js(REPLY)?;
    wait_until(
        page,
        "the stored reply with its FAQ button",
        &format!(
            "ownRow('{id}', {reply}) && shown(byTest('flag-message', ownRow('{id}', {reply})))"
        ),
    )
    .await?;
    // The reply is the advisor's only message, so its button is the chat's first.
    let button = in_chat(page, &id, "flag-message").await?;
    button
        .send_keys(&char::from(Key::Enter).to_string())
        .await?;
    let editor = format!("byTest('flag-input', chat('{id}'))");
    wait_until(
        page,
        "the editor, labelled, focused, holding the reply",
        &format!(
            "shown(byTest('flag-form', chat('{id}'))) && document.activeElement === {editor} \
             && {editor}.value === {reply} && {editor}.labels.length === 1 \
             && {editor}.labels[0].textContent.length > 0"
        ),
    )
    .await?;

    // 2. Emptied: refused in the page.
    let field = in_chat(page, &id, "flag-input").await?;
    field.clear().await?;
    in_chat(page, &id, "flag-send").await?.click().await?;
    wait_until(
        page,
        "the empty-text message",
        &format!(
            "shown(byTest('flag-status', chat('{id}'))) \
             && byTest('flag-status', chat('{id}')).classList.contains('flag-status--error') \
             && shown(byTest('flag-form', chat('{id}')))"
        ),
    )
    .await?;

    // 3. Over the server's limit: the server's refusal, shown in the editor kept open.
    let long = format!("{REPLY}{EDIT}{EDIT}");
    ensure!(
        long.chars().count() > LIMIT,
        "the long text must exceed the limit"
    );
    field.send_keys(&long).await?;
    in_chat(page, &id, "flag-send").await?.click().await?;
    wait_until(
        page,
        "the server's refusal in the editor",
        &format!(
            "byTest('flag-status', chat('{id}')).classList.contains('flag-status--error') \
             && shown(byTest('flag-form', chat('{id}'))) && {editor}.value === {long_js} \
             && !byTest('flag-send', chat('{id}')).disabled \
             && q('[data-testid=\"toast\"]').some((t) => t.classList.contains('toast--error'))",
            long_js = js(&long)?
        ),
    )
    .await?;
    ensure!(
        flags(data).is_empty(),
        "a refused proposal reached the inbox"
    );

    // 4. Edited and sent: confirmed, closed, focus back on the button, in the inbox.
    field.clear().await?;
    let proposal = format!("{REPLY}{EDIT}");
    ensure!(proposal.chars().count() <= LIMIT);
    field.send_keys(&proposal).await?;
    in_chat(page, &id, "flag-send").await?.click().await?;
    wait_until(
        page,
        "the confirmation",
        &format!(
            "shown(byTest('flag-status', chat('{id}'))) \
             && !byTest('flag-status', chat('{id}')).classList.contains('flag-status--error') \
             && !shown(byTest('flag-form', chat('{id}'))) \
             && document.activeElement === byTest('flag-message', ownRow('{id}', {reply}))"
        ),
    )
    .await?;
    chromium::save_screenshot(page, "flag.png").await?;
    let listed = flags(data);
    ensure!(listed.len() == 1, "one flag group expected: {listed:?}");
    ensure!(listed[0]["text"] == proposal.as_str(), "{listed:?}");
    ensure!(listed[0]["kinds"]["flag_faq"] == 1, "{listed:?}");

    // 5. The composer's button proposes the draft being written.
    let draft = "Un brouillon de réponse";
    in_chat(page, &id, "composer-input")
        .await?
        .send_keys(draft)
        .await?;
    in_chat(page, &id, "flag-draft").await?.click().await?;
    wait_until(
        page,
        "the editor holding the draft",
        &format!(
            "shown(byTest('flag-form', chat('{id}'))) && {editor}.value === {draft_js} \
             && document.activeElement === {editor}",
            draft_js = js(draft)?
        ),
    )
    .await?;
    Ok(())
}

/// The flag groups `relais inbox list --json` prints (through the running server).
fn flags(data: &DataDir) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["inbox", "list", "--json", "--data"])
        .arg(data.store_path())
        .env("RELAIS_INTENTS", repo().join("intents"))
        .env_remove("RELAIS_DATA")
        .output()
        .expect("run relais inbox list");
    assert!(output.status.success(), "{output:?}");
    let groups: Vec<Value> = serde_json::from_slice(&output.stdout).expect("inbox JSON");
    groups.into_iter().filter(|g| g["flag"] == true).collect()
}

/// The `[data-testid=testid]` element in conversation `id`'s chat.
async fn in_chat(page: &Page, id: &str, testid: &str) -> anyhow::Result<Element> {
    let css = format!("[data-conversation=\"{id}\"] [data-testid=\"{testid}\"]");
    page.find(Locator::Css(&css))
        .await
        .with_context(|| format!("no {css}"))
}

/// `text` as a JS string literal.
fn js(text: &str) -> anyhow::Result<String> {
    Ok(serde_json::to_string(text)?)
}

/// What a failed wait shows of the page.
const ON_SCREEN: &str = r#"
  return Array.from(document.querySelectorAll(
    '[data-testid="toast"], [data-testid="flag-status"], [data-testid="panel-message"]'))
    .map((m) => (m.dataset.role || m.dataset.testid) + ': ' + m.textContent);
"#;

/// Resolves when the JS expression `condition` holds; on a timeout, says what [`ON_SCREEN`] shows.
async fn wait_until(page: &Page, what: &str, condition: &str) -> anyhow::Result<()> {
    chromium::wait_until_or_show(page, PRELUDE, what, condition, ON_SCREEN).await
}
