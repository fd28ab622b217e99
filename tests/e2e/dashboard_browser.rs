//! The `/admin` dashboard, and the customer's "delete my conversation" in the widget, in real
//! headless Chromium against the real server.
//!
//! The dashboard, after real conversations over websockets (a bot-only chat with a missed
//! question, a chat handed to an advisor; both with an effort score), in one browser session:
//! 1. the page asks for the admin password (set with `relais admin passwd`); a wrong one is
//!    refused with a message, the right one opens the dashboard;
//! 2. the figures show: 2 conversations; the rate chart draws both day-by-day series (a point for the one day with chats); the
//!    effort chart has one bar per answer's score and path; the wait chart has bars with
//!    seconds for the queue wait; the missed questions are listed, as text;
//! 3. the session is a cookie the page cannot read (HttpOnly).
//!
//!
//! The widget: after the end of a chat, "Supprimer ma conversation" asks for a second click,
//! then erases the conversation on the server (its resume token no longer opens the
//! transcript) and a new conversation starts.
//!
//! Screenshot: target/test-artifacts/dashboard.png.

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{Context, ensure};
use fantoccini::{Client as Page, Locator};
use serde_json::json;

use crate::agent_support::{self, AgentDef, AgentSocket, customer};
use crate::chromium::{self, Browser};
use crate::support::{self, DataDir, Server};

const PASSWORD: &str = "dashboard secret 42";
const MISSED: &str = "plonk frizzle wobnar";

const PRELUDE: &str = r#"
  const q = (sel) => Array.from(document.querySelectorAll(sel));
  const byTest = (id) => document.querySelector('[data-testid="' + id + '"]');
  const shown = (e) => !!e && e.getClientRects().length > 0;
"#;

fn set_password(data: &DataDir) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["admin", "passwd", "--data"])
        .arg(data.store_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run relais admin passwd");
    writeln!(child.stdin.take().expect("stdin"), "{PASSWORD}").expect("write the password");
    assert!(child.wait().expect("wait").success());
}

/// Ends the chat and answers the survey with `score`.
async fn end_with_score(client: &mut support::Client, score: u8) {
    client.send(json!({"type": "end", "id": "end"})).await;
    client.expect_event("ack").await;
    client.expect_event("survey").await;
    client
        .send(json!({"type": "survey", "score": score, "id": "s"}))
        .await;
    client.expect_event("ack").await;
}

#[tokio::test]
async fn the_dashboard_signs_in_and_draws_its_charts() {
    chromium::require_browser();
    let data = DataDir::new();
    set_password(&data);
    agent_support::add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);

    let (mut bot_only, _) = customer(&server, "fr").await;
    let (_, answer) = bot_only.say("Comment puis-je payer ma facture ?").await;
    assert_eq!(answer["outcome"], "answer", "{answer}");
    let (_, missed) = bot_only.say(MISSED).await;
    assert_eq!(missed["outcome"], "fallback", "{missed}");
    end_with_score(&mut bot_only, 6).await;

    let mut agent = AgentSocket::login(&server, "alice").await;
    let mut handed = agent.take_queued(&server, "Bonjour !").await;
    agent.close_chat(&mut handed).await;
    handed
        .client
        .send(json!({"type": "survey", "score": 2, "id": "s"}))
        .await;
    handed.client.expect_event("ack").await;
    agent.close().await;

    Browser::run(1280, 1400, async |page| scenario(page, &server).await).await;
}

async fn scenario(page: &Page, server: &Server) -> anyhow::Result<()> {
    // 1. Sign-in.
    page.goto(&format!("http://{}/admin", server.addr)).await?;
    wait_until(page, "the sign-in form", "shown(byTest('admin-login'))").await?;
    sign_in(page, "not the password").await?;
    wait_until(
        page,
        "the refusal",
        "shown(document.getElementById('login-error')) && shown(byTest('admin-login'))",
    )
    .await?;
    sign_in(page, PASSWORD).await?;
    wait_until(
        page,
        "the dashboard",
        "document.body.dataset.loaded === '30d' && shown(byTest('admin-dashboard'))",
    )
    .await?;

    // 2. The figures and charts.
    let figures = page
        .execute(
            r#"
            const q = (sel) => Array.from(document.querySelectorAll(sel));
            return {
              conversations: document.getElementById('kpi-conversations').textContent,
              lines: q('#chart-rates path.line').map((p) => [p.dataset.series, Number(p.dataset.points)]),
              ces: q('#chart-ces rect.bar').filter((r) => Number(r.dataset.count) > 0)
                     .map((r) => [r.dataset.path, Number(r.dataset.score), Number(r.dataset.count)]),
              waits: q('#chart-waits rect.bar').filter((r) => r.dataset.seconds !== '').length,
              missed: q('#missed li span:first-child').map((s) => s.textContent),
              cookie: document.cookie,
            };"#,
            vec![],
        )
        .await?;
    ensure!(figures["conversations"] == "2", "{figures}");
    let lines = figures["lines"].as_array().context("lines")?;
    ensure!(lines.len() == 2, "two series drawn: {figures}");
    // One day with conversations in the 30 (two if the test ran over midnight): one point
    // per series and day.
    for line in lines {
        let points = line[1].as_u64().unwrap_or(0);
        ensure!(points == 1 || points == 2, "one day of points: {line}");
    }
    ensure!(
        figures["ces"] == json!([["handed_off", 2, 1], ["bot_only", 6, 1]])
            || figures["ces"] == json!([["bot_only", 6, 1], ["handed_off", 2, 1]]),
        "one bar per answer: {figures}"
    );
    ensure!(
        figures["waits"].as_u64().unwrap_or(0) >= 2,
        "queue wait bars: {figures}"
    );
    // Both missed once, so listed alphabetically: this chat's, then the handed-off one's.
    ensure!(
        figures["missed"] == json!([MISSED, agent_support::GIBBERISH[0]]),
        "missed questions listed: {figures}"
    );
    // 3. The session cookie is out of the page's reach.
    ensure!(
        !figures["cookie"]
            .as_str()
            .unwrap_or_default()
            .contains("relais_admin"),
        "{figures}"
    );
    chromium::save_screenshot(page, "dashboard.png").await
}

async fn sign_in(page: &Page, password: &str) -> anyhow::Result<()> {
    let field = page
        .find(Locator::Css(r#"[data-testid="admin-password"]"#))
        .await?;
    field.clear().await?;
    field.send_keys(password).await?;
    page.find(Locator::Css(r#"[data-testid="admin-submit"]"#))
        .await?
        .click()
        .await?;
    Ok(())
}

/// What a failed wait shows of the page.
const ON_SCREEN: &str = "return document.body.innerText;";

/// Resolves when the JS expression `condition` holds; on a timeout, says what [`ON_SCREEN`] shows.
async fn wait_until(page: &Page, what: &str, condition: &str) -> anyhow::Result<()> {
    chromium::wait_until_or_show(page, PRELUDE, what, condition, ON_SCREEN).await
}

#[tokio::test]
async fn the_widget_deletes_the_conversation_after_a_confirmation() {
    chromium::require_browser();
    let server = Server::start();
    Browser::run(1280, 900, async |page| erase_in_widget(page, &server).await).await;
}

async fn erase_in_widget(page: &Page, server: &Server) -> anyhow::Result<()> {
    const MESSAGES: &str = "q('[data-testid=\"relais-message\"]')";
    chromium::open_widget(page, server.addr).await?;
    page.find(Locator::Css(r#"[data-testid="relais-input"]"#))
        .await?
        .send_keys("Comment puis-je payer ma facture ?\u{E007}")
        .await?;
    wait_until(
        page,
        "the answer",
        &format!("{MESSAGES}.length === 3 && {MESSAGES}[2].dataset.seq"),
    )
    .await?;
    let resume = page
        .execute(
            "return JSON.parse(Object.values(localStorage).find((v) => v.includes('resume'))).resume;",
            vec![],
        )
        .await?;
    let resume = resume
        .as_str()
        .context("a resume token in localStorage")?
        .to_owned();
    page.find(Locator::Css(r#"[data-testid="relais-end"]"#))
        .await?
        .click()
        .await?;
    wait_until(page, "the erase button", "shown(byTest('relais-erase'))").await?;
    let erase = page
        .find(Locator::Css(r#"[data-testid="relais-erase"]"#))
        .await?;
    ensure!(
        erase.text().await? == "Supprimer ma conversation",
        "the button's label"
    );
    erase.click().await?;
    wait_until(
        page,
        "the confirmation step",
        "byTest('relais-erase').dataset.armed === 'true' \
         && byTest('relais-erase').textContent === 'Confirmer la suppression définitive'",
    )
    .await?;
    // Nothing is erased before the second click.
    let transcript = transcript_status(server, &resume).await;
    ensure!(
        transcript == 200,
        "still there before confirming: {transcript}"
    );
    erase.click().await?;
    wait_until(
        page,
        "a new conversation",
        &format!(
            "{MESSAGES}.length === 1 && {MESSAGES}[0].dataset.role === 'bot' \
             && q('[data-testid=\"relais-notice\"]').some((n) => n.textContent.includes('supprimée'))"
        ),
    )
    .await?;
    let transcript = transcript_status(server, &resume).await;
    ensure!(
        transcript == 401,
        "the old token opens nothing: {transcript}"
    );
    Ok(())
}

/// The status of a transcript download with `resume`.
async fn transcript_status(server: &Server, resume: &str) -> u16 {
    server
        .request(
            "POST",
            "/api/transcript",
            &[("Authorization", &format!("Bearer {resume}"))],
            Some(&json!({"format": "text"})),
        )
        .await
        .status
}
