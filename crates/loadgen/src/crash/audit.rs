//! The end-of-run check of one session: its whole transcript is read back through the
//! protocol (a new socket, `hello` with the resume token and `last_seq: 0`) and compared with
//! the session's ledger.
//!
//! Every message the client saw acknowledged must be in the transcript exactly once, at the
//! acknowledged seq, in sending order; every customer event must be a message the client
//! sent, with the text it sent; the seqs must run 1, 2, 3... without gaps.

use std::{collections::HashMap, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio_tungstenite::{connect_async, tungstenite::Message};

use super::{
    ledger::Ledger,
    wire::{self, Incoming},
};

/// What the audit of one or more sessions found. Every field but the `unacked_*` ones must
/// be zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Findings {
    /// Acknowledged messages missing from the transcript.
    pub(crate) lost: u64,
    /// Extra copies of a message (same client id) in the transcript.
    pub(crate) duplicated: u64,
    /// Acknowledged messages stored at another seq than the acknowledged one.
    pub(crate) misplaced: u64,
    /// Customer events the client never sent (unknown id, no id, or other text).
    pub(crate) invented: u64,
    /// Messages stored in another order than sent.
    pub(crate) out_of_order: u64,
    /// Breaks in the run of seqs 1, 2, 3...
    pub(crate) gaps: u64,
    /// Transcripts that could not be read back (the resume token refused, a broken socket).
    pub(crate) unreadable: u64,
    /// Messages never acknowledged, yet stored (once): allowed.
    pub(crate) unacked_stored: u64,
    /// Messages never acknowledged and not stored: allowed.
    pub(crate) unacked_absent: u64,
}

impl Findings {
    /// Adds `other` to these findings.
    pub(crate) fn add(&mut self, other: &Findings) {
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.misplaced += other.misplaced;
        self.invented += other.invented;
        self.out_of_order += other.out_of_order;
        self.gaps += other.gaps;
        self.unreadable += other.unreadable;
        self.unacked_stored += other.unacked_stored;
        self.unacked_absent += other.unacked_absent;
    }

    /// Whether nothing acknowledged was lost, moved or duplicated, and nothing invented.
    pub(crate) fn is_clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.misplaced == 0
            && self.invented == 0
            && self.out_of_order == 0
            && self.gaps == 0
            && self.unreadable == 0
    }
}

/// Compares a session's ledger with its transcript (the event frames of a full replay).
pub(crate) fn audit(ledger: &Ledger, transcript: &[Incoming]) -> Findings {
    let mut findings = Findings::default();
    let sent_by_id: HashMap<&str, &str> = ledger
        .sent
        .iter()
        .map(|sent| (sent.id.as_str(), sent.text.as_str()))
        .collect();
    let mut stored_at: HashMap<&str, Vec<u64>> = HashMap::new();
    let mut expected_seq = 1;
    for event in transcript {
        let Some(seq) = event.seq() else { continue };
        if seq != expected_seq {
            findings.gaps += 1;
        }
        expected_seq = seq + 1;
        if let Incoming::Customer { id, text, .. } = event {
            match id.as_deref().and_then(|id| sent_by_id.get_key_value(id)) {
                Some((id, sent_text)) if sent_text == text => {
                    stored_at.entry(id).or_default().push(seq);
                }
                _ => findings.invented += 1,
            }
        }
    }
    let mut previous_seq = 0;
    for sent in &ledger.sent {
        let seqs = stored_at
            .get(sent.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        findings.duplicated += seqs.len().saturating_sub(1) as u64;
        match (sent.ack, seqs.first()) {
            (Some(_), None) => findings.lost += 1,
            (Some(ack), Some(&seq)) if ack != seq => findings.misplaced += 1,
            (Some(_), Some(_)) => {}
            (None, Some(_)) => findings.unacked_stored += 1,
            (None, None) => findings.unacked_absent += 1,
        }
        if let Some(&seq) = seqs.first() {
            if seq <= previous_seq {
                findings.out_of_order += 1;
            }
            previous_seq = seq;
        }
    }
    findings
}

/// Reads back the whole transcript of the conversation of `token` from the server at `url`:
/// every event frame of a full replay, in the order received.
pub(crate) async fn read_back(
    url: &str,
    token: &str,
    limit: Duration,
) -> Result<Vec<Incoming>, String> {
    tokio::time::timeout(limit, replay(url, token))
        .await
        .map_err(|_| format!("no full replay within {limit:?}"))?
}

async fn replay(url: &str, token: &str) -> Result<Vec<Incoming>, String> {
    let (mut socket, _response) = connect_async(url)
        .await
        .map_err(|err| format!("connect: {err}"))?;
    socket
        .send(Message::text(wire::hello_resume(token, 0)))
        .await
        .map_err(|err| format!("send: {err}"))?;
    let mut last = None;
    let mut events = Vec::new();
    loop {
        if last.is_some_and(|last| events.last().and_then(Incoming::seq) >= Some(last))
            || last == Some(0)
        {
            let _ = socket.close(None).await;
            return Ok(events);
        }
        let text = match socket.next().await {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            other => return Err(format!("the replay broke off: {other:?}")),
        };
        match wire::parse(text.as_str())? {
            Incoming::Welcome { resumed: false, .. } => {
                return Err("the resume token was refused".to_owned());
            }
            Incoming::Welcome { seq, .. } => last = Some(seq),
            Incoming::Error { code } => return Err(format!("error frame {code}")),
            Incoming::Live => {}
            event => events.push(event),
        }
    }
}
