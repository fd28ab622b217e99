//! The inbox of missed questions, as the server fills it, and its admin API.
//!
//! Recorded: every typed message the bot did not understand (fallback), the message behind a
//! clarification the customer rejected ("none of these"), the customer messages of every
//! conversation an advisor took (accept or takeover), and advisors' `flag_faq` texts.
//! Recording never fails a turn: a store error is logged (without the text) and the turn goes
//! on. Only flags are awaited, because the advisor is told the flag is stored. Grouping and
//! promotion are the authoring tools' job (`relais inbox`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use relais_engine::{Outcome, Pending, Reply};
use relais_store::{InboxKind, InboxStatus, MAX_INBOX_TEXT_BYTES, NewInboxItem};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin::Admin;
use crate::api_error::ApiError;
use crate::error::SessionError;
use crate::state::AppState;
use crate::transcript::Event;

/// Most customer messages recorded for one taken conversation (its latest ones).
const MAX_TAKEOVER_ITEMS: usize = 10;
/// Events read back to find the message a rejected clarification was about.
const CLARIFY_LOOKBACK: u64 = 8;

/// `text` cut to what the inbox keeps, on a character boundary.
fn bounded(text: &str) -> String {
    let mut end = text.len().min(MAX_INBOX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim().to_owned()
}

/// Records an item without waiting for it to be durable; failures are logged.
fn record(app: &AppState, item: NewInboxItem) {
    if item.text.is_empty() {
        return;
    }
    match app.store().add_inbox_item(&item) {
        // Not awaited: the next durable write of the store carries it.
        Ok((_, durable)) => drop(durable),
        Err(err) => tracing::warn!(error = %err, kind = ?item.kind, "cannot record an inbox item"),
    }
}

fn item(kind: InboxKind, text: &str, lang: &str, conversation: &str) -> NewInboxItem {
    NewInboxItem {
        kind,
        text: bounded(text),
        lang: Some(lang.to_owned()),
        conversation: Some(conversation.to_owned()),
        agent: None,
    }
}

/// The customer's typed messages among `events`, oldest first.
fn typed_messages(events: &[relais_store::StoredEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|stored| match Event::from_json(stored.seq, &stored.body)? {
            Event::Customer {
                text, choice: None, ..
            } => Some(text),
            _ => None,
        })
        .collect()
}

/// What a bot turn teaches, called before the turn is stored: `customer` is the customer's
/// event, `pending` what the bot was waiting for before it.
pub(crate) fn after_turn(
    app: &AppState,
    id: &str,
    customer: &Event,
    pending: Option<&Pending>,
    reply: &Reply,
) {
    let lang = reply.lang.code();
    let typed = match customer {
        Event::Customer {
            text, choice: None, ..
        } => Some(text.as_str()),
        _ => None,
    };
    if let (Some(text), Outcome::Fallback) = (typed, reply.outcome) {
        record(app, item(InboxKind::Fallback, text, lang, id));
    }
    let Some(Pending::Clarify { candidates, .. }) = pending else {
        return;
    };
    let picked = reply
        .intent
        .as_ref()
        .is_some_and(|intent| candidates.contains(intent));
    if picked || reply.outcome == Outcome::Answer {
        return;
    }
    // This turn is not stored yet: the latest typed message is the one clarified.
    let events = app.store().last_seq(id).and_then(|last| {
        let after = last.unwrap_or(0).saturating_sub(CLARIFY_LOOKBACK);
        app.store().events_after(id, after)
    });
    match events {
        Ok(events) => {
            if let Some(text) = typed_messages(&events).pop() {
                record(app, item(InboxKind::RejectedClarification, &text, lang, id));
            }
        }
        Err(err) => tracing::warn!(error = %err, "cannot read the clarified message"),
    }
}

/// An advisor took conversation `id` (in `lang`): records its customer's typed messages.
pub(crate) fn after_takeover(app: &AppState, id: &str, lang: &str) {
    let events = match app.store().events_after(id, 0) {
        Ok(events) => events,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read a taken conversation for the inbox");
            return;
        }
    };
    let texts = typed_messages(&events);
    let skip = texts.len().saturating_sub(MAX_TAKEOVER_ITEMS);
    for text in &texts[skip..] {
        record(app, item(InboxKind::Takeover, text, lang, id));
    }
}

/// Stores advisor `agent`'s flag "this should become a FAQ" on conversation `id`; returns the
/// item's id once it is durable.
pub(crate) async fn flag(
    app: &AppState,
    id: &str,
    agent: &str,
    text: &str,
) -> Result<u64, SessionError> {
    let lang = app
        .store()
        .conversation(id)?
        .ok_or(SessionError::NotFound)
        .map(|record| crate::stored_state::StoredState::from_json(id, &record.state))?
        .lang
        .map(|lang| lang.code().to_owned());
    let new = NewInboxItem {
        kind: InboxKind::FlagFaq,
        text: bounded(text),
        lang,
        conversation: Some(id.to_owned()),
        agent: Some(agent.to_owned()),
    };
    let (item, durable) = app.store().add_inbox_item(&new)?;
    durable.await?;
    Ok(item)
}

/// `GET /api/admin/inbox`: `{"items": [...]}`, every item oldest first (untrusted text).
pub(crate) async fn list(State(app): State<AppState>, _: Admin) -> Result<Json<Value>, ApiError> {
    let items = app.store().inbox_items()?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    ids: Vec<u64>,
    status: InboxStatus,
}

/// Most ids one status change may name.
const MAX_STATUS_IDS: usize = relais_store::MAX_INBOX_ITEMS;

/// `POST /api/admin/inbox/status` `{"ids": [...], "status": "open|promoted|dismissed"}`:
/// `{"updated": n}`, how many of the ids exist.
pub(crate) async fn set_status(
    State(app): State<AppState>,
    _: Admin,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: StatusBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(format!(
            "expected {{ids, status: open|promoted|dismissed}}: {e}"
        ))
    })?;
    if body.ids.len() > MAX_STATUS_IDS {
        return Err(ApiError::invalid(format!(
            "at most {MAX_STATUS_IDS} ids at once"
        )));
    }
    let (updated, durable) = app.store().set_inbox_status(&body.ids, body.status)?;
    durable.await?;
    Ok(Json(json!({ "updated": updated })))
}
