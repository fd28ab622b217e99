//! Fixtures shared by the unit tests: a tiny trained engine, an app over the memory store, and
//! in-memory websockets to drive customer and advisor sessions.
//! Apps start the queue actor, so they are made inside a tokio runtime.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, Stream};
use relais_engine::{Engine, EngineConfig, IntentInfo};
use relais_nlu::{CorpusSpec, Example, IntentSpec, Lang, Matcher};
use relais_store::{AgentRecord, MemoryStore, Store};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::agent_session::AgentSession;
use crate::session::Session;

use crate::canned::default_canned;
use crate::config::ServerConfig;
use crate::knowledge::{IntentMeta, Knowledge};
use crate::state::AppState;

/// Three intents in French and English; enough for the engine to greet, answer and fall back.
fn spec() -> CorpusSpec {
    let intent = |id: &str, examples: &[&str]| IntentSpec {
        id: id.into(),
        description: id.into(),
        labels: [
            (Lang::Fr, format!("Label {id}")),
            (Lang::En, format!("Label {id}")),
        ]
        .into_iter()
        .collect(),
        examples: examples
            .iter()
            .map(|t| Example {
                text: (*t).into(),
                lang: None,
            })
            .collect(),
        ..IntentSpec::default()
    };
    CorpusSpec {
        intents: vec![
            intent("greeting", &["bonjour", "salut", "hello", "hi there"]),
            IntentSpec {
                skill: Some("billing".into()),
                ..intent(
                    "bill_explain",
                    &[
                        "expliquer ma facture",
                        "comprendre ma facture",
                        "explain my bill",
                    ],
                )
            },
            intent(
                "power_outage",
                &[
                    "plus de courant",
                    "coupure d'électricité",
                    "power cut at home",
                ],
            ),
        ],
        ..CorpusSpec::default()
    }
}

fn engine_and_knowledge() -> (Engine, Knowledge) {
    let spec = spec();
    let matcher = Arc::new(Matcher::train(&spec).unwrap());
    let knowledge = Knowledge::new(
        Arc::clone(&matcher),
        spec.intents.iter().map(|i| {
            (
                i.id.clone(),
                IntentMeta {
                    answer_key: i.answer_key().to_owned(),
                    skill: i.skill.clone(),
                },
            )
        }),
        default_canned(),
    );
    let intents = spec
        .intents
        .iter()
        .map(|i| IntentInfo {
            id: i.id.clone(),
            labels: i.labels.clone(),
            answer_key: i.answer_key().to_owned(),
        })
        .collect();
    let config = EngineConfig {
        main_topics: vec!["bill_explain".into(), "power_outage".into()],
        ..EngineConfig::default()
    };
    (Engine::new(matcher, intents, config), knowledge)
}

pub(crate) fn app_with(store: Arc<dyn Store>, config: ServerConfig) -> AppState {
    let (engine, knowledge) = engine_and_knowledge();
    AppState::new(config, engine, knowledge, store).unwrap()
}

pub(crate) fn app() -> AppState {
    app_with(Arc::new(MemoryStore::new()), ServerConfig::default())
}

/// Bound on every wait: a broken session fails the test instead of hanging it.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

/// One end of an in-memory websocket, handed to the session.
pub(crate) struct TestSocket {
    incoming: mpsc::UnboundedReceiver<Message>,
    outgoing: mpsc::UnboundedSender<Message>,
}

impl Stream for TestSocket {
    type Item = Result<Message, axum::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.incoming.poll_recv(cx).map(|m| m.map(Ok))
    }
}

impl Sink<Message> for TestSocket {
    type Error = axum::Error;

    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.outgoing
            .send(item)
            .map_err(|_| axum::Error::new("peer gone"))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}

/// The client's end.
pub(crate) struct Peer {
    to_session: mpsc::UnboundedSender<Message>,
    from_session: mpsc::UnboundedReceiver<Message>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Peer {
    /// A customer session over an in-memory socket.
    pub(crate) fn connect(app: &AppState) -> Peer {
        Peer::spawn(|socket| Session::new(app.clone(), socket).run())
    }

    /// An advisor session for `agent` over an in-memory socket.
    pub(crate) fn agent(app: &AppState, agent: &AgentRecord) -> Peer {
        Peer::spawn(|socket| AgentSession::new(app.clone(), socket, agent).run())
    }

    fn spawn<F>(session: impl FnOnce(TestSocket) -> F) -> Peer
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let (to_session, incoming) = mpsc::unbounded_channel();
        let (outgoing, from_session) = mpsc::unbounded_channel();
        Peer {
            to_session,
            from_session,
            task: tokio::spawn(session(TestSocket { incoming, outgoing })),
        }
    }

    pub(crate) fn send(&self, frame: Value) {
        self.to_session
            .send(Message::Text(frame.to_string().into()))
            .unwrap();
    }

    pub(crate) async fn message(&mut self) -> Message {
        tokio::time::timeout(WAIT, self.from_session.recv())
            .await
            .expect("a frame in time")
            .expect("session alive")
    }

    pub(crate) async fn recv(&mut self) -> Value {
        match self.message().await {
            Message::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    pub(crate) async fn expect(&mut self, kind: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["type"], kind, "{frame}");
        frame
    }

    /// New conversation: returns (welcome, greeting).
    pub(crate) async fn hello(&mut self) -> (Value, Value) {
        self.send(json!({"type": "hello", "lang": "fr"}));
        let welcome = self.expect("welcome").await;
        let greeting = self.expect("bot").await;
        (welcome, greeting)
    }

    pub(crate) async fn say(&mut self, text: &str, id: &str) -> (Value, Value) {
        self.send(json!({"type": "message", "text": text, "id": id}));
        let ack = self.expect("ack").await;
        let bot = self.expect("bot").await;
        (ack, bot)
    }
}

/// A French greeting as the bot would send it, with one quick reply.
pub(crate) fn greeting_bot_message() -> crate::protocol::BotMessage {
    crate::protocol::BotMessage {
        text: "Bonjour !".into(),
        intent: Some("greeting".into()),
        confidence: 0.9,
        outcome: relais_engine::Outcome::Smalltalk,
        quick_replies: vec![relais_engine::QuickReply {
            label: "Ma facture".into(),
            value: "topic:bill_explain".into(),
        }],
        form: None,
        lang: Lang::Fr,
    }
}
