//! Acknowledged appends survive a crash.
//!
//! The test re-runs this test binary as a child process in "writer" mode (selected by an
//! environment variable naming the data directory). The writer appends from several threads
//! and prints `ack <writer> <seq>` once each append's `Durable` has resolved. The parent
//! reads those lines, kills the child with SIGKILL in mid-stream, reopens the directory and
//! checks that every acknowledged event is there, in a contiguous transcript.

use std::collections::BTreeMap;
use std::env;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;

use relais_store::{SledStore, Store};
use serde_json::json;

use crate::fixture::TempDataDir;

/// Set in the child only: the data directory the writer appends to.
const WRITER_DIR_ENV: &str = "RELAIS_STORE_CRASH_WRITER_DIR";
/// Writer threads in the child, one conversation each.
const WRITERS: usize = 4;
/// Acknowledgements the parent waits for before killing the child.
const ACKS_BEFORE_KILL: usize = 300;
/// Appends per writer thread: bounds the child if it is never killed.
const MAX_APPENDS: u64 = 20_000;

fn conversation(writer: usize) -> String {
    format!("crash-{writer}")
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let dir = TempDataDir::new();
    {
        let store = dir.open();
        for w in 0..WRITERS {
            store
                .create_conversation(&conversation(w), &format!("h{w}"), &json!({}))
                .unwrap();
        }
        store.flush().wait().unwrap();
    }
    let mut child = Command::new(env::current_exe().unwrap())
        .args([
            "crash::writer_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_DIR_ENV, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    // Highest acknowledged seq per writer (each writer's acks arrive in order).
    let mut acked: BTreeMap<usize, u64> = BTreeMap::new();
    let mut acks = 0;
    for line in stdout.lines() {
        let line = line.unwrap();
        let Some(ack) = line.strip_prefix("ack ") else {
            continue;
        };
        let (writer, seq) = ack.split_once(' ').unwrap();
        acked.insert(writer.parse().unwrap(), seq.parse().unwrap());
        acks += 1;
        if acks == ACKS_BEFORE_KILL {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        acks, ACKS_BEFORE_KILL,
        "the writer stopped before being killed"
    );

    let store = dir.open();
    for (writer, last_acked) in acked {
        let id = conversation(writer);
        let events = store.events_after(&id, 0).unwrap();
        let last_seq = store.conversation(&id).unwrap().unwrap().last_seq;
        assert!(
            last_seq >= last_acked,
            "writer {writer}: seq {last_acked} was acknowledged but only {last_seq} survived"
        );
        assert_eq!(
            events.len() as u64,
            last_seq,
            "writer {writer}: transcript has holes"
        );
        for (expected_seq, event) in (1..).zip(&events) {
            assert_eq!(event.seq, expected_seq);
            assert_eq!(
                event.body,
                json!({"n": expected_seq}),
                "writer {writer}: wrong body"
            );
        }
    }
}

#[test]
#[ignore = "child process of acknowledged_appends_survive_sigkill"]
fn writer_process() {
    let Some(dir) = env::var_os(WRITER_DIR_ENV) else {
        return;
    };
    let store = Arc::new(SledStore::open(Path::new(&dir)).unwrap());
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                for n in 1..=MAX_APPENDS {
                    let (events, durable) = store
                        .append(&conversation(w), vec![json!({"n": n})], None)
                        .unwrap();
                    durable.wait().unwrap();
                    println!("ack {w} {}", events[0].seq);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}
