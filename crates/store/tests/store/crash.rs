//! Acknowledged appends survive a crash.
//!
//! The test re-runs this test binary as a child process in "writer" mode (selected by an
//! environment variable naming the data directory). The writer appends from several threads
//! and prints `ack <writer> <seq>` once each append's `Durable` has resolved. The parent
//! reads those lines, kills the child with SIGKILL in mid-stream, reopens the directory and
//! checks that every acknowledged event is there, in a contiguous transcript.
//!
//! A second pair does the same around a WAL checkpoint: the writes before it live only in
//! sled (their WAL file is deleted), those after it only in the new WAL file, and all survive.

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
/// Set in the child only: the data directory the checkpointing writer appends to.
const CHECKPOINT_DIR_ENV: &str = "RELAIS_STORE_CRASH_CHECKPOINT_DIR";
/// Appends the checkpointing writer makes on each side of its checkpoint.
const APPENDS_PER_SIDE: u64 = 50;
/// What the checkpointing writer prints once all its appends are durable (the test harness
/// may print the test's name at the start of that line).
const CHECKPOINT_WRITER_DONE: &str = "all appends durable";
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

#[test]
fn a_checkpoint_then_sigkill_loses_nothing() {
    let dir = TempDataDir::new();
    {
        let store = dir.open();
        store
            .create_conversation(&conversation(0), "h0", &json!({}))
            .unwrap();
        store.flush().wait().unwrap();
    }
    let wal_files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("wal"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let before = wal_files();
    let mut child = Command::new(env::current_exe().unwrap())
        .args([
            "crash::checkpoint_writer_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHECKPOINT_DIR_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let done = stdout
        .lines()
        .any(|line| line.unwrap().ends_with(CHECKPOINT_WRITER_DONE));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(done, "the writer stopped before finishing");
    let after = wal_files();
    assert!(
        after.iter().all(|name| !before.contains(name)),
        "the checkpoint left the WAL files it covered: {before:?} then {after:?}"
    );

    let store = dir.open();
    let events = store.events_after(&conversation(0), 0).unwrap();
    let ns: Vec<u64> = events
        .iter()
        .map(|e| e.body["n"].as_u64().unwrap())
        .collect();
    assert_eq!(ns, (1..=2 * APPENDS_PER_SIDE).collect::<Vec<_>>());
}

#[test]
#[ignore = "child process of a_checkpoint_then_sigkill_loses_nothing"]
fn checkpoint_writer_process() {
    let Some(dir) = env::var_os(CHECKPOINT_DIR_ENV) else {
        return;
    };
    let store = SledStore::open(Path::new(&dir)).unwrap();
    let append = |n: u64| {
        let (_, durable) = store
            .append(&conversation(0), vec![json!({"n": n})], None)
            .unwrap();
        durable.wait().unwrap();
    };
    (1..=APPENDS_PER_SIDE).for_each(append);
    store.checkpoint().unwrap();
    (APPENDS_PER_SIDE + 1..=2 * APPENDS_PER_SIDE).for_each(append);
    println!("{CHECKPOINT_WRITER_DONE}");
    // Wait to be killed, the store still open (its close would checkpoint again).
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}
