//! Suggested answers for advisors: the FAQ answers of the intents the matcher sees in the
//! customer's latest message, in the conversation's language. The advisor inserts one and
//! edits it before sending; nothing reaches the customer without them.

use relais_nlu::Lang;

use crate::agent_protocol::Suggestion;
use crate::state::AppState;

/// Most suggestions per message.
const MAX_SUGGESTIONS: usize = 3;
/// Candidates below this confidence are not worth an advisor's glance.
const MIN_CONFIDENCE: f32 = 0.3;

/// The FAQ answers for `text`, most likely first.
pub(crate) fn suggestions(app: &AppState, text: &str, lang: Lang) -> Vec<Suggestion> {
    let knowledge = app.knowledge();
    let result = knowledge.matcher().match_text(text);
    result
        .candidates
        .iter()
        .filter(|c| c.confidence >= MIN_CONFIDENCE)
        .filter_map(|candidate| {
            let meta = knowledge.intent(&candidate.intent)?;
            let entry = match app.store().faq(&meta.answer_key, lang.code()) {
                Ok(entry) => entry?,
                Err(err) => {
                    tracing::warn!(error = %err, "FAQ lookup for a suggestion failed");
                    return None;
                }
            };
            let text = entry.variants.into_iter().find(|v| !v.trim().is_empty())?;
            Some(Suggestion {
                intent: candidate.intent.clone(),
                confidence: candidate.confidence,
                text,
            })
        })
        .take(MAX_SUGGESTIONS)
        .collect()
}
