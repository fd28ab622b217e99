//! What one client session knows about its conversation: the resume token, the highest seq
//! seen, and every message it sent with the seq it was acknowledged at, if any.
//!
//! Pure bookkeeping, no IO: the session feeds it the frames it sends and receives, the audit
//! compares it with the transcript read back at the end.

use std::collections::{BTreeMap, HashMap};

/// One message the session sent (perhaps several times).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    /// Its client id, unique within the session.
    pub(crate) id: String,
    /// Its text.
    pub(crate) text: String,
    /// The seq of its `ack`, once acknowledged.
    pub(crate) ack: Option<u64>,
    /// Times it was sent again after a reconnection.
    pub(crate) resends: u32,
}

/// Counters of one session's life.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Connections that resumed the session's conversation.
    pub(crate) resumes: u64,
    /// Messages sent again after a reconnection.
    pub(crate) resent: u64,
    /// Resent messages the server recognised: acknowledged at a seq it had already stored
    /// before the resend (at or below the reconnection's `welcome` seq).
    pub(crate) reacked: u64,
    /// Resume tokens refused (`resume_invalid`): the session had to start a new conversation.
    pub(crate) conversations_restarted: u64,
    /// Connections that ended before the session was done, by why.
    pub(crate) breaks: BTreeMap<String, u64>,
    /// Protocol violations seen, described.
    pub(crate) anomalies: Vec<String>,
}

/// A session's record of its conversation.
#[derive(Clone, Debug)]
pub(crate) struct Ledger {
    /// The session's number, which prefixes its client ids.
    pub(crate) session: usize,
    /// The resume token, once a conversation was opened.
    pub(crate) token: Option<String>,
    /// The highest event seq seen on any connection.
    pub(crate) last_seq: u64,
    /// The seq of the current connection's `welcome`.
    welcome_seq: u64,
    /// Every message sent, in sending order.
    pub(crate) sent: Vec<Sent>,
    /// Index in `sent` by client id.
    by_id: HashMap<String, usize>,
    /// Index in `sent` of the oldest message that may still be unacknowledged.
    first_unacked: usize,
    /// What happened.
    pub(crate) tally: Tally,
}

impl Ledger {
    /// An empty record for session `session`.
    pub(crate) fn new(session: usize) -> Ledger {
        Ledger {
            session,
            token: None,
            last_seq: 0,
            welcome_seq: 0,
            sent: Vec::new(),
            by_id: HashMap::new(),
            first_unacked: 0,
            tally: Tally::default(),
        }
    }

    /// Records a `welcome`: a new conversation (the first, or one replacing a conversation
    /// whose token was refused) or the resumed one.
    pub(crate) fn welcomed(&mut self, token: &str, seq: u64, resumed: bool) {
        self.welcome_seq = seq;
        if resumed {
            self.tally.resumes += 1;
        } else {
            if self.token.is_some() {
                self.tally.conversations_restarted += 1;
            }
            self.token = Some(token.to_owned());
            // Seqs start again in the new conversation.
            self.last_seq = seq;
        }
    }

    /// Notes an event seq seen on the current connection.
    pub(crate) fn saw(&mut self, seq: u64) {
        self.last_seq = self.last_seq.max(seq);
    }

    /// Records a new message with a fresh id; returns its id.
    pub(crate) fn send_new(&mut self, text: String) -> String {
        let id = format!("s{}-m{}", self.session, self.sent.len() + 1);
        self.by_id.insert(id.clone(), self.sent.len());
        self.sent.push(Sent {
            id: id.clone(),
            text,
            ack: None,
            resends: 0,
        });
        id
    }

    /// The unacknowledged messages in sending order, each counted as resent: what a client
    /// sends again right after reconnecting.
    pub(crate) fn resend_all(&mut self) -> Vec<(String, String)> {
        let mut again = Vec::new();
        for sent in &mut self.sent[self.first_unacked..] {
            if sent.ack.is_none() {
                sent.resends += 1;
                self.tally.resent += 1;
                again.push((sent.id.clone(), sent.text.clone()));
            }
        }
        again
    }

    /// Records an `ack`; an ack the session cannot explain is recorded as an anomaly.
    pub(crate) fn acked(&mut self, id: Option<&str>, seq: u64) {
        self.saw(seq);
        let Some(&index) = id.and_then(|id| self.by_id.get(id)) else {
            self.anomaly(format!("ack of seq {seq} for an unknown id {id:?}"));
            return;
        };
        let sent = &mut self.sent[index];
        match sent.ack {
            None => {
                sent.ack = Some(seq);
                if sent.resends > 0 && seq <= self.welcome_seq {
                    self.tally.reacked += 1;
                }
            }
            Some(earlier) if earlier == seq => {
                self.tally.reacked += 1;
            }
            Some(earlier) => {
                let id = sent.id.clone();
                self.anomaly(format!("{id} acknowledged at seq {earlier}, then at {seq}"));
            }
        }
        while self
            .sent
            .get(self.first_unacked)
            .is_some_and(|s| s.ack.is_some())
        {
            self.first_unacked += 1;
        }
    }

    /// Messages sent but not acknowledged.
    pub(crate) fn unacked(&self) -> usize {
        self.sent[self.first_unacked..]
            .iter()
            .filter(|s| s.ack.is_none())
            .count()
    }

    /// Records a protocol violation.
    pub(crate) fn anomaly(&mut self, what: String) {
        self.tally.anomalies.push(what);
    }
}
