//! Conversation operations, free of sockets: open, find by resume token, greet, customer turns
//! and callback requests.
//!
//! Each write reads the state, runs the engine and appends every event of the turn plus the
//! new state in ONE store write, under the conversation's turn lock, and hands back a
//! [`Commit`]: the caller awaits its durability before telling anyone. The engine runs inline
//! under the lock: one match is microseconds, and the store append only reaches memory (the
//! flush is the group-commit thread's job).

use relais_engine::{Handoff, Outcome, Reply, Turn};
use relais_nlu::Lang;
use relais_store::{ConversationRecord, Durable, StoreResult, StoredEvent};

use crate::callback::CallbackForm;
use crate::error::SessionError;
use crate::faq::StoreAnswers;
use crate::hub::Subscription;
use crate::ids::{hash_resume_token, new_conversation_id, new_resume_token};
use crate::protocol::{BotMessage, Form};
use crate::state::AppState;
use crate::stored_state::StoredState;
use crate::texts;
use crate::transcript::Event;

/// Events appended in one write, not yet known to be durable.
pub(crate) struct Commit {
    events: Vec<StoredEvent>,
    durables: Vec<Durable>,
}

impl Commit {
    /// Waits until every write of the commit is durable, then hands back the events.
    pub(crate) async fn durable(self) -> StoreResult<Vec<StoredEvent>> {
        for durable in self.durables {
            durable.await?;
        }
        Ok(self.events)
    }
}

/// The outcome of a customer turn.
pub(crate) enum TurnResult {
    /// New events were appended.
    Committed(Commit),
    /// The client resent a message already stored as this seq (its `ack` was lost).
    AlreadyStored(u64),
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
    let _turn = sub.turn();
    let (_, mut state) = load(app, sub.id())?;
    let reply = app.engine().greet(
        &mut state.dialogue,
        lang,
        &StoreAnswers(app.store().as_ref()),
    );
    let bot = bot_event(reply, &mut state);
    commit(app, sub.id(), vec![bot], &state, Vec::new())
}

/// Runs one customer turn: the customer event and the bot's reply.
pub(crate) fn customer_turn(
    app: &AppState,
    sub: &Subscription,
    input: Input<'_>,
    client_id: Option<&str>,
) -> Result<TurnResult, SessionError> {
    let _turn = sub.turn();
    let (record, mut state) = load(app, sub.id())?;
    let content = input.content();
    if let Some(seq) = client_id.and_then(|id| state.seq_of(id, &content)) {
        return Ok(TurnResult::AlreadyStored(seq));
    }
    let id = client_id.map(str::to_owned);
    let (customer, turn) = match input {
        Input::Message(text) => (
            Event::Customer {
                text: text.to_owned(),
                id,
                choice: None,
            },
            Turn::Message(text.to_owned()),
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
    let reply = app.engine().respond(
        &mut state.dialogue,
        turn,
        &StoreAnswers(app.store().as_ref()),
    );
    let bot = bot_event(reply, &mut state);
    if let Some(client_id) = client_id {
        state.remember(client_id, &content, record.last_seq + 1);
    }
    commit(app, sub.id(), vec![customer, bot], &state, Vec::new()).map(TurnResult::Committed)
}

/// Stores a callback request as a ticket, and the transcript events that record it.
pub(crate) fn callback(
    app: &AppState,
    sub: &Subscription,
    form: &CallbackForm,
    client_id: Option<&str>,
) -> Result<TurnResult, SessionError> {
    let _turn = sub.turn();
    let (record, mut state) = load(app, sub.id())?;
    let content = form.content();
    if let Some(seq) = client_id.and_then(|id| state.seq_of(id, &content)) {
        return Ok(TurnResult::AlreadyStored(seq));
    }
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
    if let Some(client_id) = client_id {
        state.remember(client_id, &content, record.last_seq + 1);
    }
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
    commit(app, sub.id(), events, &state, vec![ticket_durable]).map(TurnResult::Committed)
}

fn load(app: &AppState, id: &str) -> Result<(ConversationRecord, StoredState), SessionError> {
    let record = record(app, id)?;
    let state = StoredState::from_json(id, &record.state);
    Ok((record, state))
}

/// The bot event for an engine reply, carrying out its handoff decision: with no live advisor
/// queue yet, a requested handoff becomes the offer of the callback form.
fn bot_event(reply: Reply, state: &mut StoredState) -> Event {
    let (message, handoff) = match reply.handoff {
        Some(Handoff::Requested { reason }) => (
            BotMessage {
                text: texts::callback_offer(reply.lang).to_owned(),
                intent: reply.intent,
                confidence: reply.confidence,
                outcome: Outcome::Handoff,
                quick_replies: Vec::new(),
                form: Some(Form::Callback),
                lang: reply.lang,
            },
            Some(reason),
        ),
        None => (
            BotMessage {
                text: reply.text,
                intent: reply.intent,
                confidence: reply.confidence,
                outcome: reply.outcome,
                quick_replies: reply.quick_replies,
                form: None,
                lang: reply.lang,
            },
            None,
        ),
    };
    state.bot_said(&message);
    Event::Bot { message, handoff }
}

fn commit(
    app: &AppState,
    id: &str,
    events: Vec<Event>,
    state: &StoredState,
    mut durables: Vec<Durable>,
) -> Result<Commit, SessionError> {
    let bodies = events.iter().map(Event::to_json).collect();
    let (events, durable) = app.store().append(id, bodies, Some(&state.to_json()))?;
    durables.push(durable);
    Ok(Commit { events, durables })
}
