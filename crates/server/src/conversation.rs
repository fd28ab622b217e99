//! Conversation operations, free of sockets: open, find by resume token, greet, customer turns,
//! callback requests and the "no advisor available" answer.
//!
//! Each write reads the state, runs the engine and appends every event of the turn plus the
//! new state in ONE store write, under the conversation's turn lock, and hands back a
//! [`Commit`]: the caller awaits its durability before telling anyone. The state is read
//! from the turn lock's [`StateCache`] (decoded from the store only when something else wrote
//! since), and handed back to it after the write. The engine runs inline
//! under the lock: one match is microseconds, and the store append only reaches memory (the
//! flush is the group-commit thread's job).

use relais_engine::{Handoff, HandoffReason, Outcome, Reply, Turn};
use relais_nlu::Lang;
use relais_store::{
    ClientMessage, ConversationRecord, Durable, QueueEntry, StoreResult, StoredEvent,
};

use crate::auth::now_ms;
use crate::callback::CallbackForm;
use crate::error::SessionError;
use crate::faq::StoreAnswers;
use crate::handoff;
use crate::hub::Subscription;
use crate::ids::{hash_resume_token, new_conversation_id, new_resume_token};
use crate::limits::matcher_prefix;
use crate::protocol::{BotMessage, Form, HandoffEvent, Unavailable};
use crate::queue::LiveItem;
use crate::state::AppState;
use crate::stored_state::{Loaded, Owner, StateCache, StoredState, content_digest};
use crate::texts;
use crate::transcript::Event;

/// Characters of the customer's latest message shown in the advisors' live view.
const PREVIEW_CHARS: usize = 80;
/// Longest advisor name remembered from `hello`.
const MAX_AGENT_NAME_CHARS: usize = 80;

/// Events appended in one write, not yet known to be durable.
pub(crate) struct Commit {
    events: Vec<StoredEvent>,
    durables: Vec<Durable>,
}

impl Commit {
    /// A commit of `events` that is durable once every one of `durables` resolves.
    pub(crate) fn new(events: Vec<StoredEvent>, durables: Vec<Durable>) -> Commit {
        Commit { events, durables }
    }

    /// Waits until every write of the commit is durable, then hands back the events.
    pub(crate) async fn durable(self) -> StoreResult<Vec<StoredEvent>> {
        let waiting = std::time::Instant::now();
        for durable in self.durables {
            durable.await?;
        }
        crate::metrics::metrics().flushed(waiting.elapsed());
        Ok(self.events)
    }
}

/// The outcome of a customer turn.
pub(crate) enum TurnResult {
    /// New events were appended.
    Committed(Commit),
    /// The client resent a message already stored as this seq (its `ack` was lost).
    AlreadyStored(u64),
    /// The customer event is appended and the engine asked for an advisor: the caller carries
    /// the handoff out (queue, or the callback form) once the event is acknowledged.
    Handoff(Commit, HandoffRequest),
}

/// A handoff the engine decided, for the queue.
#[derive(Debug)]
pub(crate) struct HandoffRequest {
    /// Why.
    pub(crate) reason: HandoffReason,
    /// What the customer said (an advisor may be named in it).
    pub(crate) text: String,
    /// The advisor the customer asked for in `hello`.
    pub(crate) requested: Option<String>,
}

/// What the customer did.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    /// Typed a message.
    Message(&'a str),
    /// Clicked a quick reply with this value.
    Choice(&'a str),
}

impl Input<'_> {
    /// What identifies the input besides its client id, to recognise a resend.
    fn content(&self) -> String {
        match self {
            Input::Message(text) => format!("message\n{text}"),
            Input::Choice(value) => format!("choice\n{value}"),
        }
    }
}

/// A freshly created conversation.
pub(crate) struct Opened {
    pub(crate) id: String,
    pub(crate) token: String,
}

/// Creates a conversation with a fresh id and resume token.
pub(crate) fn open(app: &AppState) -> Result<Opened, SessionError> {
    let id = new_conversation_id()?;
    let token = new_resume_token()?;
    app.store().create_conversation(
        &id,
        &hash_resume_token(&token),
        &StoredState::default().to_json(),
    )?;
    Ok(Opened { id, token })
}

/// The id of the conversation a resume token belongs to.
pub(crate) fn find(app: &AppState, token: &str) -> Result<Option<String>, SessionError> {
    Ok(app.store().find_by_resume(&hash_resume_token(token))?)
}

/// The conversation's record.
pub(crate) fn record(app: &AppState, id: &str) -> Result<ConversationRecord, SessionError> {
    app.store()
        .conversation(id)?
        .ok_or_else(|| SessionError::MissingConversation(id.to_owned()))
}

/// Appends the bot's greeting of a new conversation.
pub(crate) fn greet(
    app: &AppState,
    sub: &Subscription,
    lang: Option<Lang>,
) -> Result<Commit, SessionError> {
    let mut turn = sub.turn();
    let mut loaded = load(app, &mut turn, sub.id())?;
    let state = &mut loaded.state;
    let reply = app.engine().greet(
        &mut state.dialogue,
        lang,
        &StoreAnswers(app.store().as_ref()),
    );
    let bot = bot_event(reply, state);
    commit(app, &mut turn, sub.id(), vec![bot], loaded, Vec::new())
}

/// Runs one customer turn: the customer event and the bot's reply, or the customer event
/// alone while the queue or an advisor owns the conversation (the bot never answers then).
pub(crate) fn customer_turn(
    app: &AppState,
    sub: &Subscription,
    input: Input<'_>,
    client_id: Option<&str>,
) -> Result<TurnResult, SessionError> {
    let mut turn = sub.turn();
    let mut loaded = load(app, &mut turn, sub.id())?;
    let digest = content_digest(&input.content());
    if let Some(seq) = stored_seq(app, sub.id(), client_id, &digest)? {
        turn.keep(loaded);
        return Ok(TurnResult::AlreadyStored(seq));
    }
    let client = client_id.map(|id| ClientMessage {
        id,
        digest: &digest,
    });
    let id = client_id.map(str::to_owned);
    let created_ms = loaded.created_ms;
    let state = &mut loaded.state;
    let (customer, said) = match input {
        Input::Message(text) => (
            Event::Customer {
                text: text.to_owned(),
                id,
                choice: None,
            },
            // The matcher reads a bounded prefix; the transcript keeps the whole text.
            Turn::Message(matcher_prefix(text).to_owned()),
        ),
        Input::Choice(value) => (
            Event::Customer {
                text: state.label_of(value).unwrap_or(value).to_owned(),
                id,
                choice: Some(value.to_owned()),
            },
            Turn::Choice(value.to_owned()),
        ),
    };
    state.turns = state.turns.saturating_add(1);
    crate::metrics::metrics().turn();
    if state.owner != Owner::Bot {
        let events = vec![customer];
        return commit_client(app, &mut turn, sub.id(), events, loaded, Vec::new(), client)
            .map(TurnResult::Committed);
    }
    let pending = state.dialogue.pending.clone();
    let matching = std::time::Instant::now();
    let reply = app.engine().respond(
        &mut state.dialogue,
        said,
        &StoreAnswers(app.store().as_ref()),
    );
    crate::metrics::metrics().matched(matching.elapsed());
    crate::inbox::after_turn(app, sub.id(), &customer, pending.as_ref(), &reply);
    if let Some(Handoff::Requested { reason }) = reply.handoff {
        state.lang = Some(reply.lang);
        state.quick_replies.clear();
        let text = match &customer {
            Event::Customer { text, .. } => text.clone(),
            _ => String::new(),
        };
        let request = HandoffRequest {
            reason,
            text,
            requested: state.requested_agent.clone(),
        };
        let events = vec![customer];
        let commit = commit_client(app, &mut turn, sub.id(), events, loaded, Vec::new(), client)?;
        return Ok(TurnResult::Handoff(commit, request));
    }
    let preview = match &customer {
        Event::Customer { text, .. } => text.chars().take(PREVIEW_CHARS).collect(),
        _ => String::new(),
    };
    let bot = bot_event(reply, state);
    let activity = LiveItem {
        conversation: sub.id().to_owned(),
        lang: state.lang.unwrap_or(Lang::Fr).code().to_owned(),
        last_text_preview: preview,
        turns: state.turns,
        started_ms: created_ms,
        last_ms: now_ms(),
        misunderstandings: state.dialogue.misunderstandings,
        frustration: state.dialogue.frustration_count,
    };
    let events = vec![customer, bot];
    let committed = commit_client(app, &mut turn, sub.id(), events, loaded, Vec::new(), client)?;
    app.queue().activity(activity);
    Ok(TurnResult::Committed(committed))
}

/// The queue entry for handing this conversation off for `reason`.
pub(crate) fn handoff_entry(
    app: &AppState,
    id: &str,
    reason: &str,
) -> Result<QueueEntry, SessionError> {
    let state = decode(app, id)?;
    let events = app.store().events_after(id, 0)?;
    Ok(handoff::entry(
        id,
        &state,
        &events,
        &app.knowledge(),
        reason,
    ))
}

/// No advisor can chat now: records why, then offers the callback form. Nothing is written
/// if the conversation left the bot meanwhile (handed over from another tab).
pub(crate) fn unavailable(
    app: &AppState,
    sub: &Subscription,
    why: Unavailable,
    reason: HandoffReason,
) -> Result<Commit, SessionError> {
    let mut turn = sub.turn();
    let mut loaded = load(app, &mut turn, sub.id())?;
    if loaded.state.owner != Owner::Bot {
        turn.keep(loaded);
        return Ok(Commit::new(Vec::new(), Vec::new()));
    }
    let state = &mut loaded.state;
    let lang = state.lang.or(state.dialogue.lang).unwrap_or(Lang::Fr);
    let offer = BotMessage {
        text: texts::callback_offer(lang).to_owned(),
        intent: None,
        confidence: 0.0,
        outcome: Outcome::Handoff,
        quick_replies: Vec::new(),
        form: Some(Form::Callback),
        lang,
    };
    state.bot_said(&offer);
    let events = vec![
        Event::Handoff {
            handoff: HandoffEvent::unavailable(why),
            name: None,
        },
        Event::Bot {
            message: offer,
            handoff: Some(reason),
        },
    ];
    commit(app, &mut turn, sub.id(), events, loaded, Vec::new())
}

/// Remembers the advisor a customer asked for in `hello`.
pub(crate) fn request_agent(
    app: &AppState,
    sub: &Subscription,
    name: &str,
) -> Result<(), SessionError> {
    let mut turn = sub.turn();
    let mut loaded = load(app, &mut turn, sub.id())?;
    loaded.state.requested_agent = Some(name.chars().take(MAX_AGENT_NAME_CHARS).collect());
    // Through the cache: a write of the state alone leaves `last_seq` as it was, so the
    // cache could not tell it happened (see `StateCache`).
    let commit = commit(app, &mut turn, sub.id(), Vec::new(), loaded, Vec::new())?;
    // The wish matters only for a later handoff; the next write makes it durable anyway.
    drop(commit);
    Ok(())
}

/// Stores a callback request as a ticket, and the transcript events that record it.
pub(crate) fn callback(
    app: &AppState,
    sub: &Subscription,
    form: &CallbackForm,
    client_id: Option<&str>,
) -> Result<TurnResult, SessionError> {
    let mut turn = sub.turn();
    let mut loaded = load(app, &mut turn, sub.id())?;
    let digest = content_digest(&form.content());
    if let Some(seq) = stored_seq(app, sub.id(), client_id, &digest)? {
        turn.keep(loaded);
        return Ok(TurnResult::AlreadyStored(seq));
    }
    let state = &mut loaded.state;
    let lang = state.lang.or(state.dialogue.lang).unwrap_or(Lang::Fr);
    let (ticket, ticket_durable) = app.store().create_ticket(&form.ticket(sub.id(), lang))?;
    let confirmation = BotMessage {
        text: texts::callback_confirmed(lang).to_owned(),
        intent: None,
        confidence: 0.0,
        outcome: Outcome::Handoff,
        quick_replies: Vec::new(),
        form: None,
        lang,
    };
    state.bot_said(&confirmation);
    let events = vec![
        Event::Callback {
            ticket,
            id: client_id.map(str::to_owned),
        },
        Event::Bot {
            message: confirmation,
            handoff: None,
        },
    ];
    let client = client_id.map(|id| ClientMessage {
        id,
        digest: &digest,
    });
    let durables = vec![ticket_durable];
    commit_client(app, &mut turn, sub.id(), events, loaded, durables, client)
        .map(TurnResult::Committed)
}

/// The conversation's state under its turn lock, kept or decoded (see [`StateCache`]).
fn load(app: &AppState, cache: &mut StateCache, id: &str) -> Result<Loaded, SessionError> {
    cache
        .take(app.store().as_ref(), id)?
        .ok_or_else(|| SessionError::MissingConversation(id.to_owned()))
}

/// The conversation's state, decoded from the store, for a read outside the turn lock.
fn decode(app: &AppState, id: &str) -> Result<StoredState, SessionError> {
    let record = record(app, id)?;
    Ok(StoredState::from_json(id, &record.state))
}

/// The bot event for an engine reply without a handoff decision.
fn bot_event(reply: Reply, state: &mut StoredState) -> Event {
    let message = BotMessage {
        text: reply.text,
        intent: reply.intent,
        confidence: reply.confidence,
        outcome: reply.outcome,
        quick_replies: reply.quick_replies,
        form: None,
        lang: reply.lang,
    };
    state.bot_said(&message);
    Event::Bot {
        message,
        handoff: None,
    }
}

/// Appends `events` with the new state of `loaded`, and keeps that state in `cache` for the
/// next write (only once the store took it).
fn commit(
    app: &AppState,
    cache: &mut StateCache,
    id: &str,
    events: Vec<Event>,
    loaded: Loaded,
    durables: Vec<Durable>,
) -> Result<Commit, SessionError> {
    commit_client(app, cache, id, events, loaded, durables, None)
}

/// [`commit`], indexing the client's id for the first event in the same write.
fn commit_client(
    app: &AppState,
    cache: &mut StateCache,
    id: &str,
    events: Vec<Event>,
    loaded: Loaded,
    mut durables: Vec<Durable>,
    client: Option<ClientMessage<'_>>,
) -> Result<Commit, SessionError> {
    let bodies = events.iter().map(Event::to_json).collect();
    let (events, durable) =
        app.store()
            .append_turn(id, bodies, Some(&loaded.state.to_raw()), client)?;
    durables.push(durable);
    let last_seq = events.last().map_or(loaded.last_seq, |event| event.seq);
    cache.keep(Loaded { last_seq, ..loaded });
    Ok(Commit { events, durables })
}

/// The seq a resent client message was stored as: same client id, same content digest.
fn stored_seq(
    app: &AppState,
    id: &str,
    client_id: Option<&str>,
    digest: &[u8],
) -> Result<Option<u64>, SessionError> {
    let Some(client_id) = client_id else {
        return Ok(None);
    };
    let stored = app.store().client_message(id, client_id)?;
    Ok(stored.filter(|m| m.digest == digest).map(|m| m.seq))
}

/// Appends an advisor's message, if the advisor `name` still owns the conversation.
pub(crate) fn agent_message(
    app: &AppState,
    sub: &Subscription,
    name: &str,
    display_name: &str,
    text: &str,
) -> Result<Commit, SessionError> {
    let mut turn = sub.turn();
    let loaded = load(app, &mut turn, sub.id())?;
    if loaded.state.owner.agent() != Some(name) {
        turn.keep(loaded);
        return Err(SessionError::NotOwner);
    }
    let event = Event::Agent {
        text: text.to_owned(),
        agent: display_name.to_owned(),
        name: name.to_owned(),
    };
    commit(app, &mut turn, sub.id(), vec![event], loaded, Vec::new())
}

/// The queue entry (routing and context) of a conversation an advisor holds, if stored.
pub(crate) fn held_entry(app: &AppState, id: &str) -> Result<Option<QueueEntry>, SessionError> {
    Ok(decode(app, id)?.handoff)
}

#[cfg(test)]
#[path = "conversation_test.rs"]
mod tests;
