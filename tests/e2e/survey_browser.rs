//! The end of a chat in the widget, in real headless Chromium against the real server.
//!
//! Checks, in one session (a browser start costs seconds, so the steps share it):
//! 1. after a question and its answer, the "Terminer" button ends the chat: the end notice,
//!    the transcript download links and the survey (question, 7 scores with the meaning of
//!    both ends, comment, skip) appear, and the button goes away;
//! 2. sending without a score asks for one; a score and a comment sent: the survey makes way
//!    for the thanks, and a reload shows the same screen (the events are replayed);
//! 3. "Texte" and "Page imprimable" fetch the transcript (the blob handed to the download
//!    link is read back through a hook on `URL.createObjectURL`): the conversation in French
//!    with its times, the page escaped and script-free;
//! 4. writing again brings the end button back: the conversation simply goes on.
//!
//! Screenshot: target/test-artifacts/survey.png (the widget with the survey).

use anyhow::{Context, ensure};
use fantoccini::key::Key;
use fantoccini::{Client as Page, Locator};

use crate::chromium::{self, Browser};
use crate::support::Server;

const INPUT: &str = r#"[data-testid="relais-input"]"#;
const QUESTION: &str = "Comment puis-je payer ma facture ?";

/// JS helpers available to every condition given to [`wait_until`].
const PRELUDE: &str = r#"
  const q = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const byTest = (id, root) => (root || document).querySelector('[data-testid="' + id + '"]');
  const shown = (e) => !!e && e.getClientRects().length > 0;
  const msgs = () => q('[data-testid="relais-message"]');
  const last = () => msgs().at(-1);
  const text = (id) => (byTest(id) || {}).textContent;
  const ends = () => q('[data-testid="relais-notice"][data-end]');
"#;

#[tokio::test]
async fn the_widget_ends_the_chat_asks_the_survey_and_downloads_the_transcript() {
    chromium::require_browser();
    let server = Server::start();
    Browser::run(1280, 900, async |page| scenario(page, &server).await).await;
}

async fn scenario(page: &Page, server: &Server) -> anyhow::Result<()> {
    // 1. A question answered, then the end of the chat.
    chromium::open_widget(page, server.addr).await?;
    type_message(page, QUESTION).await?;
    wait_until(
        page,
        "the answer",
        "msgs().length === 3 && last().dataset.role === 'bot' && last().dataset.seq",
    )
    .await?;
    let end = page
        .find(Locator::Css(r#"[data-testid="relais-end"]"#))
        .await?;
    ensure!(
        end.attr("aria-label").await?.as_deref() == Some("Terminer la discussion"),
        "the end button is labelled"
    );
    end.click().await?;
    wait_until(
        page,
        "the end notice, the downloads and the survey",
        "ends().length === 1 && ends()[0].dataset.seq \
         && shown(byTest('relais-downloads')) && shown(byTest('relais-survey')) \
         && q('[data-testid=\"relais-survey-score\"]').length === 7 \
         && !shown(byTest('relais-end'))",
    )
    .await?;
    let survey = page
        .execute(
            r#"const s = document.querySelector('[data-testid="relais-survey"]');
               const scores = Array.from(s.querySelectorAll('[data-testid="relais-survey-score"]'));
               return { question: s.querySelector('.rl-survey-question').textContent,
                        scores: scores.map((b) => b.textContent),
                        first: scores[0].getAttribute('aria-label'),
                        last: scores[6].getAttribute('aria-label') };"#,
            vec![],
        )
        .await?;
    ensure!(
        survey["question"]
            == "Dans quelle mesure a-t-il été facile d’obtenir une réponse à votre question ?"
            && survey["scores"] == serde_json::json!(["1", "2", "3", "4", "5", "6", "7"])
            && survey["first"] == "1 sur 7 — Très difficile"
            && survey["last"] == "7 sur 7 — Très facile",
        "the survey as shown: {survey}"
    );
    chromium::save_screenshot(page, "survey.png").await?;

    // 2. A score is required; then a score and a comment: thanks, and the same after a reload.
    page.find(Locator::Css(r#"[data-testid="relais-survey-send"]"#))
        .await?
        .click()
        .await?;
    wait_until(
        page,
        "the request for a score",
        "q('[data-testid=\"relais-survey\"] .rl-form-error').some((e) => shown(e) \
         && e.textContent === 'Choisissez une note de 1 à 7.')",
    )
    .await?;
    page.find(Locator::Css(
        r#"[data-testid="relais-survey-score"][data-score="6"]"#,
    ))
    .await?
    .click()
    .await?;
    page.find(Locator::Css(r#"[data-testid="relais-survey-comment"]"#))
        .await?
        .send_keys("Rapide, merci <b>!</b>")
        .await?;
    page.find(Locator::Css(r#"[data-testid="relais-survey-send"]"#))
        .await?
        .click()
        .await?;
    wait_until(
        page,
        "the thanks",
        "!byTest('relais-survey') && text('relais-survey-thanks') === 'Merci pour votre avis !' \
         && byTest('relais-survey-thanks').dataset.seq",
    )
    .await?;
    page.refresh().await?;
    wait_until(
        page,
        "the same screen after a reload",
        "msgs().length === 3 && ends().length === 1 && !byTest('relais-survey') \
         && text('relais-survey-thanks') === 'Merci pour votre avis !' \
         && shown(byTest('relais-downloads')) && !shown(byTest('relais-end'))",
    )
    .await?;

    // 3. The transcript, as text and as a printable page, read back from the blobs offered.
    page.execute(
        r#"window.__blobs = [];
           const original = URL.createObjectURL.bind(URL);
           URL.createObjectURL = (blob) => { window.__blobs.push(blob); return original(blob); };"#,
        vec![],
    )
    .await?;
    let text_file = download(page, "relais-download-text", 1).await?;
    ensure!(
        text_file.starts_with("Votre conversation avec notre service client\n")
            && text_file.contains(&format!("Vous\u{a0}: {QUESTION}"))
            && text_file.contains("Conseiller virtuel\u{a0}: ")
            && text_file.contains("* Discussion terminée.")
            && text_file.contains(
                "Votre note de facilité : 6/7. Votre commentaire : Rapide, merci <b>!</b>"
            ),
        "the text transcript: {text_file}"
    );
    let times = text_file
        .lines()
        .filter(|l| l.starts_with('[') && l.as_bytes().get(6) == Some(&b']'))
        .count();
    ensure!(times >= 4, "every line has its time: {text_file}");
    let html_file = download(page, "relais-download-html", 2).await?;
    ensure!(
        html_file.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">")
            && html_file.contains("Rapide, merci &lt;b&gt;!&lt;/b&gt;")
            && !html_file.contains("<b>")
            && !html_file.contains("<script")
            && html_file.contains("rel=\"stylesheet\""),
        "the HTML transcript: {html_file}"
    );

    // 4. Writing again goes on with the conversation; the end button comes back.
    type_message(page, "Et pour un déménagement ?").await?;
    wait_until(
        page,
        "the conversation going on",
        "msgs().length === 5 && last().dataset.role === 'bot' && shown(byTest('relais-end'))",
    )
    .await?;
    Ok(())
}

/// Clicks the download button `testid` and returns the text of blob number `nth` offered.
async fn download(page: &Page, testid: &str, nth: usize) -> anyhow::Result<String> {
    page.find(Locator::Css(&format!(r#"[data-testid="{testid}"]"#)))
        .await?
        .click()
        .await?;
    let value = page
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const wait = () => window.__blobs.length >= {nth}
                   ? window.__blobs[{index}].text().then(done)
                   : setTimeout(wait, 20);
                 wait();",
                index = nth - 1
            ),
            vec![],
        )
        .await
        .with_context(|| format!("no blob from {testid}"))?;
    value
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the blob of {testid} is not text: {value}"))
}

/// Types `text` in the input and sends it with Enter.
async fn type_message(page: &Page, text: &str) -> anyhow::Result<()> {
    page.find(Locator::Css(INPUT))
        .await?
        .send_keys(&format!("{text}{}", char::from(Key::Enter)))
        .await?;
    Ok(())
}

/// What a failed wait shows of the page.
const ON_SCREEN: &str = r#"
  const log = document.querySelector('[data-testid="relais-messages"]');
  return log ? Array.from(log.children).map((e) => e.textContent) : [];
"#;

/// Resolves when the JS expression `condition` holds; on a timeout, says what [`ON_SCREEN`] shows.
async fn wait_until(page: &Page, what: &str, condition: &str) -> anyhow::Result<()> {
    chromium::wait_until_or_show(page, PRELUDE, what, condition, ON_SCREEN).await
}
