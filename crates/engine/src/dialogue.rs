//! The decision: which reply a customer turn gets.
//!
//! | turn | reply |
//! |---|---|
//! | asks for a human (lexicon or `human_agent` match), clicks `human` | handoff |
//! | answers the pending question (typed or clicked) | what the answer means ("no" after an answer: topics and an advisor) |
//! | confident match | FAQ answer, or small talk |
//! | ambiguous match | clarification: candidates + something else + advisor |
//! | out of scope | fallback with topics; handoff offer after N in a row |
//! | frustrated | the same with a word of empathy and an advisor button, or a handoff offer |

use relais_nlu::{Candidate, Decision, MatchResult};

use crate::catalog::{Catalog, Kind};
use crate::choice::Choice;
use crate::frustration;
use crate::human;
use crate::replies::{Entities, Responder};
use crate::reply::{HandoffReason, Reply};
use crate::state::Pending;
use crate::texts::Line;
use crate::typed::{self, Typed};

/// The most intents offered in one clarification.
const MAX_CLARIFY_CHOICES: usize = 3;

/// The reply to a clicked quick reply `value`, given the question that was pending.
pub(crate) fn on_choice(r: &mut Responder<'_>, pending: Option<Pending>, value: &str) -> Reply {
    match Choice::parse(value) {
        Some(Choice::Intent(id)) if r.catalog.contains(&id) => {
            let entities = match pending {
                Some(Pending::Clarify { entities, .. }) => entities,
                _ => Entities::new(),
            };
            r.act_on(&id, 1.0, &entities)
        }
        Some(Choice::Human) => r.handoff(HandoffReason::Explicit),
        Some(Choice::HandoffYes) => r.handoff(match pending {
            Some(Pending::HandoffOffer { reason }) => reason,
            _ => HandoffReason::Explicit,
        }),
        Some(Choice::HandoffNo) => r.declined(),
        // "Something else", or a value this engine did not issue (stale page, unknown intent):
        // never a dead end, show what is on offer.
        Some(Choice::Other | Choice::Intent(_)) | None => {
            r.topics(Line::Other, &offered(pending.as_ref()))
        }
    }
}

/// The reply to a typed message `text` that the matcher understood as `result`; `margin` is
/// the matcher's ambiguity margin.
pub(crate) fn on_message(
    r: &mut Responder<'_>,
    pending: Option<Pending>,
    text: &str,
    result: &MatchResult,
    margin: f32,
) -> Reply {
    let frustrated = frustration::detect(text).is_some();
    if frustrated {
        r.state.frustration_count += 1;
    }
    let reply = decide(r, pending, text, result, margin, frustrated);
    if frustrated { r.soothe(reply) } else { reply }
}

fn decide(
    r: &mut Responder<'_>,
    pending: Option<Pending>,
    text: &str,
    result: &MatchResult,
    margin: f32,
    frustrated: bool,
) -> Reply {
    if human::is_request(text) {
        // "Oui, un conseiller" under an offer accepts it, keeping the offer's reason.
        return r.handoff(match pending {
            Some(Pending::HandoffOffer { reason }) => reason,
            _ => HandoffReason::Explicit,
        });
    }
    if let Some(reply) = pending.and_then(|p| answer_pending(r, p, text)) {
        return reply;
    }
    match (result.decision, result.top()) {
        (Decision::Match, Some(top)) => matched(r, top, result, frustrated),
        (Decision::Ambiguous, Some(top)) => {
            let candidates = clarification_candidates(result, margin);
            if candidates.is_empty() {
                matched(r, top, result, frustrated)
            } else {
                r.clarify(candidates, entities(result, None), false)
            }
        }
        (Decision::OutOfScope, _) | (_, None) => not_understood(r, frustrated),
    }
}

/// The reply to a confident match on `top`.
fn matched(
    r: &mut Responder<'_>,
    top: &Candidate,
    result: &MatchResult,
    frustrated: bool,
) -> Reply {
    match Catalog::kind(&top.intent) {
        Kind::OutOfScope => return not_understood(r, frustrated),
        // "Merci pour rien", "bravo..." read as thanks or praise: answer the mood, not the words.
        Kind::Smalltalk if frustrated => {
            return r.offer(HandoffReason::Frustration, Line::OfferFrustration);
        }
        Kind::Smalltalk | Kind::Human | Kind::Business => {}
    }
    let entities = entities(result, Some(&top.intent));
    r.act_on(&top.intent, top.confidence, &entities)
}

/// Another misunderstanding: a fallback, or an advisor offer once the streak is long enough.
fn not_understood(r: &mut Responder<'_>, frustrated: bool) -> Reply {
    r.state.misunderstanding_streak += 1;
    r.state.misunderstandings += 1;
    if frustrated {
        r.offer(HandoffReason::Frustration, Line::OfferFrustration)
    } else if r.state.misunderstanding_streak >= r.config.misunderstandings_before_handoff.max(1) {
        r.offer(HandoffReason::Misunderstandings, Line::OfferMisunderstood)
    } else {
        r.fallback()
    }
}

/// The reply when `text` answers the `pending` question, or `None` when it is a new request.
fn answer_pending(r: &mut Responder<'_>, pending: Pending, text: &str) -> Option<Reply> {
    let topics = match &pending {
        Pending::Topics => r.config.main_topics.clone(),
        other => offered(Some(other)),
    };
    if let Some(id) = r.catalog.find_by_label(text, &topics) {
        let value = Choice::Intent(id.clone()).value();
        return Some(on_choice(r, Some(pending), &value));
    }
    let typed = typed::classify(text)?;
    Some(match (pending, typed) {
        (
            Pending::Clarify {
                candidates,
                entities,
            },
            Typed::Yes,
        ) => match candidates.as_slice() {
            [only] => r.act_on(only, 1.0, &entities),
            _ => r.clarify(candidates, entities, true),
        },
        (Pending::Clarify { candidates, .. }, Typed::No) => r.topics(Line::Neither, &candidates),
        (Pending::HandoffOffer { reason }, Typed::Yes) => r.handoff(reason),
        (Pending::HandoffOffer { .. }, Typed::No) => r.declined(),
        (Pending::Topics, Typed::No | Typed::Other) => {
            r.offer(HandoffReason::NotCovered, Line::OfferNoTopic)
        }
        (Pending::Answer { intent }, Typed::No) => r.topics(Line::Neither, &[intent]),
        (Pending::AnythingElse, Typed::No) => r.nothing_else(),
        (Pending::AnythingElse, Typed::Yes) => r.topics(Line::Listening, &[]),
        (Pending::Topics | Pending::Answer { .. }, Typed::Yes) => return None,
        (pending, Typed::Other) => r.topics(Line::Other, &offered(Some(&pending))),
    })
}

/// The candidates a pending clarification offered (none for other questions).
fn offered(pending: Option<&Pending>) -> Vec<String> {
    match pending {
        Some(Pending::Clarify { candidates, .. }) => candidates.clone(),
        Some(
            Pending::HandoffOffer { .. }
            | Pending::Topics
            | Pending::AnythingElse
            | Pending::Answer { .. },
        )
        | None => Vec::new(),
    }
}

/// The business intents worth asking about: the top two, plus any within `margin` of the top,
/// at most [`MAX_CLARIFY_CHOICES`]. Small talk and `human_agent` are never offered as topics.
fn clarification_candidates(result: &MatchResult, margin: f32) -> Vec<String> {
    let Some(top) = result.top() else {
        return Vec::new();
    };
    result
        .candidates
        .iter()
        .enumerate()
        .filter(|(rank, c)| *rank < 2 || c.confidence >= top.confidence - margin)
        .map(|(_, c)| c)
        .filter(|c| Catalog::kind(&c.intent) == Kind::Business)
        .take(MAX_CLARIFY_CHOICES)
        .map(|c| c.intent.clone())
        .collect()
}

/// Entity values of `result` by name, those captured for `prefer` winning over others.
fn entities(result: &MatchResult, prefer: Option<&str>) -> Entities {
    let mut values = Entities::new();
    let preferred = result
        .entities
        .iter()
        .filter(|e| Some(e.intent.as_str()) == prefer);
    for e in preferred.chain(&result.entities) {
        values
            .entry(e.name.clone())
            .or_insert_with(|| e.value.clone());
    }
    values
}
