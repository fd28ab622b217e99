//! Hostile text in real headless Chromium (issue 7): whatever a customer or an advisor's
//! display name holds is shown as text, never run.
//!
//! Checks:
//! 1. a customer sends each payload (two before the handoff, two while waiting, all four again
//!    live): the advisor's panel shows each as the exact text of a customer message, in the
//!    queue card, in the transcript and live, with no element made from it, no event-handler
//!    attribute anywhere, no alert and no Content-Security-Policy violation;
//! 2. advisors whose display names are the payloads take the chat in turn: the customer
//!    widget shows each name as text (join notice, header, author of their message), with
//!    the same checks;
//! 3. the CSP is in force: an inline script injected into either page is refused (and
//!    reported), so the violation check above can see one.

use anyhow::{Context, bail, ensure};
use fantoccini::key::Key;
use fantoccini::{Client as Page, Locator};
use serde_json::{Value, json};

use crate::agent_support::{self, AgentDef, AgentSocket, password_of, until_handoff};
use crate::chromium::{self, Browser};
use crate::support::{Client, DataDir, Server};

/// Markup and script that must stay inert text.
const PAYLOADS: [&str; 4] = [
    "<img src=x onerror=alert(1)>",
    "\"><svg/onload=alert(1)>",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
];

/// Installed once a page has loaded: catches alerts, and CSP violations (including those
/// reported before, thanks to the observer's buffer).
const HOOKS: &str = r#"
  window.__alerts = [];
  for (const name of ['alert', 'confirm', 'prompt']) {
    window[name] = (message) => { window.__alerts.push(name + ': ' + message); };
  }
  window.__csp = [];
  const observer = new ReportingObserver((reports) => {
    for (const r of reports) { window.__csp.push(r.body.effectiveDirective + ' ' + r.body.blockedURL); }
  }, { types: ['csp-violation'], buffered: true });
  observer.observe();
  window.__cspObserver = observer;
"#;

/// JS helpers available to every condition.
const PRELUDE: &str = r#"
  const q = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const shown = (el) => !!el && el.getClientRects().length > 0;
  const byTest = (id, root) => (root || document).querySelector('[data-testid="' + id + '"]');
  const texts = (els) => els.map((e) => e.textContent);
"#;

#[tokio::test]
async fn customer_payloads_are_inert_text_in_the_advisor_panel() {
    chromium::require_browser();
    let data = DataDir::new();
    agent_support::add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    Browser::run(1440, 900, async |page| panel_scenario(page, &server).await).await;
}

async fn panel_scenario(page: &Page, server: &Server) -> anyhow::Result<()> {
    page.goto(&format!("http://{}/agent", server.addr)).await?;
    wait_until(page, "the login form", "shown(byTest('login-form'))").await?;
    page.execute(HOOKS, vec![]).await?;
    chromium::log_in_panel(page, PRELUDE, "alice", &password_of("alice")).await?;

    // Two payloads misunderstood, the advisor offer accepted, two more while waiting.
    let (mut customer, welcome) = agent_support::customer(server, "fr").await;
    let id = welcome["conversation"]
        .as_str()
        .context("conversation id")?
        .to_owned();
    let (_, first) = customer.say(PAYLOADS[0]).await;
    ensure!(first["outcome"] == "fallback", "{first}");
    let (_, second) = customer.say(PAYLOADS[1]).await;
    ensure!(second["outcome"] == "handoff_offer", "{second}");
    customer.choose("handoff:yes").await;
    let queued = until_handoff(&mut customer).await;
    ensure!(queued["state"] == "queued", "{queued}");
    for payload in &PAYLOADS[2..] {
        customer.send_text(payload).await;
    }
    let card = format!(
        "document.querySelector('[data-testid=\"queue-item\"][data-conversation=\"{id}\"]')"
    );
    let missed = js(&{
        let mut missed = [PAYLOADS[0], PAYLOADS[1]];
        missed.sort_unstable();
        missed
    })?;
    wait_until(
        page,
        "the queue card with the misunderstood payloads as text",
        &format!(
            "{card} && JSON.stringify(texts(q('[data-testid=\"missed-text\"]', {card})).sort()) \
             === JSON.stringify({missed})"
        ),
    )
    .await?;
    expect_inert(page, PANEL_TEXTS, 1).await?;

    // The transcript, then every payload again live.
    let accept = format!("[data-conversation=\"{id}\"] [data-testid=\"queue-accept\"]");
    page.find(Locator::Css(&accept)).await?.click().await?;
    let customer_texts = format!(
        "texts(q('[data-testid=\"panel-message\"][data-role=\"customer\"]', \
         document.querySelector('[data-testid=\"chat\"][data-conversation=\"{id}\"]')))"
    );
    wait_until(
        page,
        "the payloads in the transcript",
        &format!(
            "JSON.stringify({customer_texts}.filter((t) => {all}.includes(t))) === JSON.stringify({all})",
            all = js(&PAYLOADS)?
        ),
    )
    .await?;
    expect_inert(page, PANEL_TEXTS, 1).await?;
    next_of(&mut customer, "handoff").await;
    for payload in PAYLOADS {
        customer.send_text(payload).await;
    }
    let twice: Vec<&str> = PAYLOADS.iter().chain(&PAYLOADS).copied().collect();
    wait_until(
        page,
        "the payloads live",
        &format!(
            "JSON.stringify({customer_texts}.filter((t) => {all}.includes(t))) === JSON.stringify({twice})",
            all = js(&PAYLOADS)?,
            twice = js(&twice)?
        ),
    )
    .await?;
    expect_inert(page, PANEL_TEXTS, 1).await?;
    expect_csp_enforced(page).await
}

#[tokio::test]
async fn advisor_names_made_of_payloads_are_inert_text_in_the_widget() {
    chromium::require_browser();
    let data = DataDir::new();
    let names = ["xss0", "xss1", "xss2", "xss3"];
    for (name, display_name) in names.iter().zip(PAYLOADS) {
        agent_support::add_agent(&data, AgentDef::new(name, display_name, "fr"));
    }
    let server = Server::start_in(&data);
    Browser::run(1280, 900, async |page| {
        widget_scenario(page, &server, &names).await
    })
    .await;
}

async fn widget_scenario(page: &Page, server: &Server, names: &[&str]) -> anyhow::Result<()> {
    page.goto(&format!("http://{}/", server.addr)).await?;
    let launcher = "[data-testid=\"relais-launcher\"]";
    wait_until(
        page,
        "the launcher",
        &format!("shown(document.querySelector('{launcher}'))"),
    )
    .await?;
    page.execute(HOOKS, vec![]).await?;
    page.find(Locator::Css(launcher)).await?.click().await?;
    wait_until(
        page,
        "the greeting",
        "q('[data-testid=\"relais-message\"]').length === 1",
    )
    .await?;
    let baseline_scripts = page
        .execute("return document.scripts.length;", vec![])
        .await?
        .as_u64()
        .context("a script count")?;

    for (turn, (name, display_name)) in names.iter().zip(PAYLOADS).enumerate() {
        let mut agent = AgentSocket::login(server, name).await;
        let input = page
            .find(Locator::Css("[data-testid=\"relais-input\"]"))
            .await?;
        input
            .send_keys(&format!(
                "Je veux parler à un conseiller{}",
                char::from(Key::Enter)
            ))
            .await?;
        let (items, _) = agent.queue_until(|items| !items.is_empty()).await;
        let id = items[0]["conversation"]
            .as_str()
            .context("conversation id")?
            .to_owned();
        agent.accept(&id).await;
        agent.say(&id, "Bonjour, je prends le relais.").await;
        let shown_name = js(&display_name)?;
        wait_until(
            page,
            "the advisor's name as text",
            &format!(
                "q('[data-testid=\"relais-notice\"][data-handoff=\"assigned\"]').length === {n} \
                 && q('[data-testid=\"relais-notice\"][data-handoff=\"assigned\"]').at(-1).textContent \
                    === {shown_name} + ' a rejoint la conversation' \
                 && byTest('relais-subtitle').textContent === 'En ligne avec ' + {shown_name} \
                 && q('[data-testid=\"relais-author\"]').at(-1).textContent === {shown_name}",
                n = turn + 1
            ),
        )
        .await?;
        expect_inert(page, WIDGET_TEXTS, baseline_scripts).await?;
        agent
            .send(json!({"type": "close", "conversation": id}))
            .await;
        agent.expect("chat_ended").await;
        wait_until(
            page,
            "the end of the chat",
            &format!(
                "q('[data-testid=\"relais-notice\"][data-handoff=\"ended\"]').length === {}",
                turn + 1
            ),
        )
        .await?;
        agent.close().await;
    }
    expect_csp_enforced(page).await
}

/// The panel's elements that show text from customers or advisors.
const PANEL_TEXTS: &str = "[data-testid=\"panel-message\"], [data-testid=\"missed-text\"], \
                           [data-testid=\"agent-name\"]";
/// The widget's elements that show text from advisors.
const WIDGET_TEXTS: &str = "[data-testid=\"relais-message\"], [data-testid=\"relais-author\"], \
                            [data-testid=\"relais-notice\"]";

/// Fails if any text shown in `texts` holds an element, if the page has an element a payload
/// would make (an image, an SVG with a handler, a script besides the page's `scripts`, a
/// `javascript:` link, any `on…` attribute), if an alert opened, or if the CSP reported a
/// violation.
async fn expect_inert(page: &Page, texts: &str, scripts: u64) -> anyhow::Result<()> {
    let found = page
        .execute(
            &format!(
                r#"const all = Array.from(document.querySelectorAll('*'));
                   const texts = Array.from(document.querySelectorAll('{texts}'));
                   return {{
                     nested: texts.filter((t) => t.childElementCount > 0).map((t) => t.outerHTML),
                     img: document.querySelectorAll('img').length,
                     scripts: document.scripts.length,
                     js_links: Array.from(document.querySelectorAll('a[href]'))
                       .filter((a) => a.href.trim().toLowerCase().startsWith('javascript:')).length,
                     handlers: all.filter((e) => Array.from(e.attributes)
                       .some((a) => a.name.startsWith('on'))).map((e) => e.tagName),
                     alerts: window.__alerts,
                     csp: window.__csp.concat(window.__cspObserver.takeRecords()
                       .map((r) => r.body.effectiveDirective + ' ' + r.body.blockedURL)),
                   }};"#
            ),
            vec![],
        )
        .await?;
    let want = json!({"nested": [], "img": 0, "scripts": scripts, "js_links": 0, "handlers": [],
                      "alerts": [], "csp": []});
    ensure!(
        found == want,
        "hostile text had an effect, or the CSP reported a violation: {found}"
    );
    match page.get_alert_text().await {
        Err(err) if err.is_no_such_alert() => Ok(()),
        Ok(text) => bail!("an alert opened: {text:?}"),
        Err(err) => Err(err.into()),
    }
}

/// Injects an inline script, which the CSP must refuse and report.
async fn expect_csp_enforced(page: &Page) -> anyhow::Result<()> {
    let report = page
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               new ReportingObserver((reports) => done(reports.map((r) => r.body.effectiveDirective)),
                                     { types: ['csp-violation'] }).observe();
               const script = document.createElement('script');
               script.textContent = 'window.__inline = true;';
               document.body.append(script);"#,
            vec![],
        )
        .await?;
    let ran = page
        .execute("return window.__inline === true;", vec![])
        .await?;
    ensure!(ran == json!(false), "an inline script ran");
    ensure!(
        report.as_array().is_some_and(|r| r
            .iter()
            .any(|d| d.as_str().is_some_and(|d| d.starts_with("script-src")))),
        "no script-src violation reported: {report}"
    );
    Ok(())
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

/// `value` as a JS literal.
fn js(value: &impl serde::Serialize) -> anyhow::Result<String> {
    Ok(serde_json::to_string(value)?)
}

/// Resolves when the JS expression `condition` holds.
async fn wait_until(page: &Page, what: &str, condition: &str) -> anyhow::Result<()> {
    chromium::wait_until(page, PRELUDE, what, condition).await
}
