//! Conversations outlive sockets and processes:
//! 1. resume after a disconnect replays exactly the missed events, in order, then goes on live;
//! 2. a second socket of the same conversation sees the other socket's events as they happen;
//! 3. a message resent with the same client id is acknowledged again, not stored twice;
//! 4. a server killed with SIGKILL and restarted keeps every acknowledged event.

use serde_json::{Value, json};

use crate::support::{Client, DataDir, Server};

/// Every frame with a seq seen by a client during a short scripted conversation.
struct Seen {
    token: Value,
    conversation: Value,
    frames: Vec<Value>,
}

/// hello, then two messages: events 1 (greeting) to 5.
async fn converse(client: &mut Client) -> Seen {
    let (welcome, greeting) = client.hello(None).await;
    let mut frames = vec![greeting];
    for text in ["Bonjour", "how can I pay my bill"] {
        let (ack, bot) = client.say(text).await;
        frames.push(json!({"type": "customer", "seq": ack["seq"], "text": text, "id": ack["id"]}));
        frames.push(bot);
    }
    Seen {
        token: welcome["resume"].clone(),
        conversation: welcome["conversation"].clone(),
        frames,
    }
}

/// Resumes after `last_seq` and returns the replayed frames (up to the welcome's seq).
async fn resume(client: &mut Client, seen: &Seen, last_seq: u64) -> Vec<Value> {
    client
        .send(json!({"type": "hello", "resume": seen.token, "last_seq": last_seq}))
        .await;
    let welcome = client.expect("welcome").await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    assert_eq!(welcome["conversation"], seen.conversation);
    assert_eq!(welcome["resume"], seen.token);
    let last = welcome["seq"].as_u64().expect("seq");
    let mut replay = Vec::new();
    for _ in last_seq..last {
        replay.push(client.recv().await);
    }
    replay
}

#[tokio::test]
async fn resume_replays_exactly_what_was_missed_then_goes_on() {
    let server = Server::start();
    let mut first = Client::connect(&server).await;
    let seen = converse(&mut first).await;
    first.close().await;

    let mut second = Client::connect(&server).await;
    let replay = resume(&mut second, &seen, 1).await;
    assert_eq!(
        replay,
        seen.frames[1..],
        "events 2..=5, none missing, none twice"
    );
    let (ack, _) = second.say("merci").await;
    assert_eq!(ack["seq"], 6, "the conversation goes on where it was");

    let mut third = Client::connect(&server).await;
    let replay = resume(&mut third, &seen, 0).await;
    assert_eq!(replay.len(), 7);
    assert_eq!(replay[..5], seen.frames[..]);
    let seqs: Vec<u64> = replay.iter().filter_map(|f| f["seq"].as_u64()).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
    // Nothing else was queued before the next turn: its ack comes first.
    let (ack, _) = third.say("au revoir").await;
    assert_eq!(ack["seq"], 8);
}

#[tokio::test]
async fn a_second_socket_sees_the_conversation_live() {
    let server = Server::start();
    let mut first = Client::connect(&server).await;
    let seen = converse(&mut first).await;
    let mut second = Client::connect(&server).await;
    resume(&mut second, &seen, 5).await;

    let (ack, bot) = first.say("merci").await;
    let customer = second.expect("customer").await;
    assert_eq!(customer["seq"], ack["seq"]);
    assert_eq!(customer["text"], "merci");
    assert_eq!(customer["id"], ack["id"]);
    assert_eq!(second.expect("bot").await, bot);

    let (ack, bot) = second.say("au revoir").await;
    assert_eq!(first.expect("customer").await["seq"], ack["seq"]);
    assert_eq!(first.expect("bot").await, bot);
}

#[tokio::test]
async fn a_resent_message_is_acknowledged_once_stored() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(None).await;
    let message = json!({"type": "message", "text": "Bonjour", "id": "same"});
    client.send(message.clone()).await;
    let ack = client.expect("ack").await;
    client.expect("bot").await;
    client.send(message).await;
    assert_eq!(
        client.expect("ack").await,
        ack,
        "the same seq again, nothing new"
    );
    let (next, _) = client.say("merci").await;
    assert_eq!(next["seq"].as_u64(), ack["seq"].as_u64().map(|s| s + 2));
}

#[tokio::test]
async fn a_killed_and_restarted_server_keeps_every_acknowledged_event() {
    let data = DataDir::new();
    let server = Server::start_in(&data);
    let mut client = Client::connect(&server).await;
    let seen = converse(&mut client).await;
    server.kill();

    let server = Server::start_in(&data);
    let mut client = Client::connect(&server).await;
    let replay = resume(&mut client, &seen, 0).await;
    assert_eq!(replay, seen.frames);
    // No language signal in the text: the conversation's language (English since event 4)
    // comes from the dialogue state, which must have survived too.
    let (ack, bot) = client.say("15 kVA").await;
    assert_eq!(ack["seq"], 6);
    assert_eq!(bot["lang"], "en", "{bot}");
}
