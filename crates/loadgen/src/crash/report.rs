//! The figures of a crash run, summed over its sessions, as JSON or as a few lines of text.

use std::{collections::BTreeMap, fmt};

use serde::Serialize;

use super::{audit::Findings, ledger::Ledger};

/// Examples of anomalies and unreadable transcripts kept in a report (their counts are
/// always complete).
const EXAMPLES: usize = 10;

/// What a crash run did and found.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Report {
    /// The seed of the kill schedule and of every session's pauses.
    pub(crate) seed: u64,
    /// Customer sessions.
    pub(crate) sessions: usize,
    /// Times the server was killed with SIGKILL (and restarted).
    pub(crate) kills: usize,
    /// Wall time from the first start to the end of the audit, in seconds.
    pub(crate) elapsed_s: f64,
    /// Time from each kill to the restarted server accepting connections, in milliseconds.
    pub(crate) restart_ms: Vec<u64>,
    /// Distinct messages sent (each with its own client id).
    pub(crate) messages: u64,
    /// Of those, acknowledged by the server.
    pub(crate) acked: u64,
    /// Messages sent again after a reconnection.
    pub(crate) resent: u64,
    /// Resent messages acknowledged at the seq they already had (recognised duplicates).
    pub(crate) reacked: u64,
    /// Reconnections that resumed the session's conversation.
    pub(crate) resumes: u64,
    /// Resume tokens refused, forcing a new conversation.
    pub(crate) conversations_restarted: u64,
    /// Sessions that never opened a conversation.
    pub(crate) never_opened: u64,
    /// Connections that ended before their session was done, by why.
    pub(crate) breaks: BTreeMap<String, u64>,
    /// Protocol violations seen by the sessions.
    pub(crate) anomalies: u64,
    /// The first few of them, and of the unreadable transcripts, described.
    pub(crate) examples: Vec<String>,
    /// What the audit of the transcripts found.
    #[serde(flatten)]
    pub(crate) findings: Findings,
}

impl Report {
    /// Adds one session's ledger (and the audit of its transcript) to the figures.
    pub(crate) fn add_session(&mut self, ledger: &Ledger, findings: &Findings) {
        let tally = &ledger.tally;
        self.messages += ledger.sent.len() as u64;
        self.acked += ledger.sent.iter().filter(|s| s.ack.is_some()).count() as u64;
        self.resent += tally.resent;
        self.reacked += tally.reacked;
        self.resumes += tally.resumes;
        self.conversations_restarted += tally.conversations_restarted;
        self.never_opened += u64::from(ledger.token.is_none());
        for (why, count) in &tally.breaks {
            *self.breaks.entry(why.clone()).or_default() += count;
        }
        self.anomalies += tally.anomalies.len() as u64;
        for anomaly in &tally.anomalies {
            self.example(format!("session {}: {anomaly}", ledger.session));
        }
        self.findings.add(findings);
    }

    /// Keeps `what` among the examples of what went wrong, unless there are enough already.
    pub(crate) fn example(&mut self, what: String) {
        if self.examples.len() < EXAMPLES {
            self.examples.push(what);
        }
    }

    /// Whether the run found nothing wrong: nothing acknowledged lost, moved or duplicated,
    /// nothing invented, no protocol anomaly, every session opened.
    pub(crate) fn is_clean(&self) -> bool {
        self.findings.is_clean() && self.anomalies == 0 && self.never_opened == 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let found = &self.findings;
        let restart_max = self.restart_ms.iter().max().copied().unwrap_or(0);
        let restart_mean = match self.restart_ms.len() {
            0 => 0,
            n => self.restart_ms.iter().sum::<u64>() / n as u64,
        };
        writeln!(
            f,
            "crash under load: seed {}, {} sessions, {} kills, {:.1} s",
            self.seed, self.sessions, self.kills, self.elapsed_s
        )?;
        writeln!(
            f,
            "  restart (kill to listening): mean {restart_mean} ms, max {restart_max} ms"
        )?;
        writeln!(
            f,
            "  messages {}, acked {}, resent {}, re-acked duplicates {}, resumes {}",
            self.messages, self.acked, self.resent, self.reacked, self.resumes
        )?;
        writeln!(
            f,
            "  lost {}, duplicated {}, misplaced {}, invented {}, out of order {}, seq gaps {}, unreadable {}",
            found.lost,
            found.duplicated,
            found.misplaced,
            found.invented,
            found.out_of_order,
            found.gaps,
            found.unreadable
        )?;
        writeln!(
            f,
            "  never acknowledged: {} stored, {} not stored; conversations restarted {}, never opened {}",
            found.unacked_stored,
            found.unacked_absent,
            self.conversations_restarted,
            self.never_opened
        )?;
        let breaks: Vec<String> = self
            .breaks
            .iter()
            .map(|(why, count)| format!("{why} {count}"))
            .collect();
        writeln!(f, "  broken connections: {}", breaks.join(", "))?;
        write!(f, "  protocol anomalies {}", self.anomalies)?;
        for example in &self.examples {
            write!(f, "\n    {example}")?;
        }
        writeln!(f)
    }
}
