//! The queue's bookkeeping, pure and synchronous: who waits in which order, which advisors are
//! online with which chats, who may take what, positions and estimated waits.
//!
//! Owned by the queue actor alone; it never touches the store or a socket, so every rule here
//! is unit-tested with plain values and explicit instants.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use relais_store::{AgentRecord, QueueEntry};
use tokio::time::Instant;

/// Handling times remembered for the mean.
const HANDLING_SAMPLES: usize = 50;

/// What routing needs to know of an advisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AgentInfo {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) langs: Vec<String>,
    pub(crate) skills: Vec<String>,
    pub(crate) capacity: u32,
}

impl From<&AgentRecord> for AgentInfo {
    fn from(record: &AgentRecord) -> AgentInfo {
        AgentInfo {
            name: record.name.clone(),
            display_name: record.display_name.clone(),
            langs: record.langs.clone(),
            skills: record.skills.clone(),
            capacity: record.capacity,
        }
    }
}

impl AgentInfo {
    /// An advisor who no longer exists (found holding chats at startup).
    pub(crate) fn gone(name: &str) -> AgentInfo {
        AgentInfo {
            name: name.to_owned(),
            display_name: name.to_owned(),
            langs: Vec::new(),
            skills: Vec::new(),
            capacity: 0,
        }
    }

    /// Whether the advisor speaks `lang` and covers `skill` (any advisor covers no skill).
    fn covers(&self, lang: &str, skill: Option<&str>) -> bool {
        self.langs.iter().any(|l| l == lang)
            && skill.is_none_or(|s| self.skills.iter().any(|k| k == s))
    }
}

/// Why an advisor cannot take or hand back a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The conversation is neither waiting nor running with the bot.
    NotFound,
    /// Another advisor has it.
    AlreadyTaken,
    /// The advisor's language or skills do not match, or it is reserved for another advisor.
    NotEligible,
    /// The advisor already holds as many chats as their capacity.
    AtCapacity,
    /// The advisor does not own the conversation.
    NotOwner,
}

/// An advisor's presence.
#[derive(Debug)]
struct Presence {
    info: AgentInfo,
    /// A panel is connected.
    connected: bool,
    /// When disconnected with chats: when they go back to the queue.
    grace_until: Option<Instant>,
    chats: BTreeSet<String>,
}

impl Presence {
    fn free(&self) -> u64 {
        u64::from(self.info.capacity).saturating_sub(self.chats.len() as u64)
    }
}

/// A conversation an advisor holds.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    pub(crate) agent: String,
    pub(crate) since: Instant,
    pub(crate) entry: QueueEntry,
}

type Key = (Reverse<u8>, u64);

/// The queue's state.
#[derive(Debug)]
pub(crate) struct Book {
    waiting: BTreeMap<Key, QueueEntry>,
    keys: HashMap<String, Key>,
    agents: BTreeMap<String, Presence>,
    held: HashMap<String, Held>,
    /// Recent handling times, newest last.
    handled: VecDeque<Duration>,
    default_handling: Duration,
}

impl Book {
    /// An empty book assuming `default_handling` per chat until chats are closed.
    pub(crate) fn new(default_handling: Duration) -> Book {
        Book {
            waiting: BTreeMap::new(),
            keys: HashMap::new(),
            agents: BTreeMap::new(),
            held: HashMap::new(),
            handled: VecDeque::new(),
            default_handling,
        }
    }

    // ---- the waiting line ----

    /// Adds a stored entry (its `order` set by the store).
    pub(crate) fn enqueue(&mut self, entry: QueueEntry) {
        let key = (Reverse(entry.priority), entry.order);
        if let Some(old) = self.keys.insert(entry.conversation.clone(), key) {
            self.waiting.remove(&old);
        }
        self.waiting.insert(key, entry);
    }

    /// Removes a waiting conversation.
    pub(crate) fn dequeue(&mut self, id: &str) -> Option<QueueEntry> {
        let key = self.keys.remove(id)?;
        self.waiting.remove(&key)
    }

    /// Whether the conversation is waiting.
    pub(crate) fn is_waiting(&self, id: &str) -> bool {
        self.keys.contains_key(id)
    }

    /// How many conversations wait.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// The highest priority waiting, if any.
    pub(crate) fn top_priority(&self) -> Option<u8> {
        self.waiting.keys().next().map(|(Reverse(p), _)| *p)
    }

    /// Waiting entries in serving order.
    #[cfg(test)]
    pub(crate) fn waiting(&self) -> impl Iterator<Item = &QueueEntry> {
        self.waiting.values()
    }

    /// The place (1 is next) and estimated wait of a waiting conversation.
    pub(crate) fn position(&self, id: &str) -> Option<(u64, u64)> {
        let key = self.keys.get(id)?;
        let entry = self.waiting.get(key)?;
        let ahead = self
            .waiting
            .range(..key)
            .filter(|(_, e)| e.lang == entry.lang)
            .count() as u64;
        let position = ahead + 1;
        Some((position, self.eta_s(entry, position)))
    }

    /// Where a new entry would stand, and its estimated wait, were it queued now.
    pub(crate) fn prospect(&self, entry: &QueueEntry) -> (u64, u64) {
        let ahead = self
            .waiting
            .values()
            .filter(|e| e.lang == entry.lang && e.priority >= entry.priority)
            .count() as u64;
        let position = ahead + 1;
        (position, self.eta_s(entry, position))
    }

    /// Estimated wait at `position`: position × mean handling time ÷ the free capacity of the
    /// connected advisors who may take the entry (at least 1), rounded up to whole seconds.
    pub(crate) fn eta_s(&self, entry: &QueueEntry, position: u64) -> u64 {
        let free: u64 = self
            .agents
            .values()
            .filter(|p| p.connected && self.may_take(&p.info, entry))
            .map(Presence::free)
            .sum();
        let total = self.mean_handling().as_secs_f64() * position as f64 / free.max(1) as f64;
        total.ceil() as u64
    }

    /// The mean of recent handling times, or the default before any chat closed.
    pub(crate) fn mean_handling(&self) -> Duration {
        if self.handled.is_empty() {
            return self.default_handling;
        }
        self.handled.iter().sum::<Duration>() / self.handled.len() as u32
    }

    // ---- routing ----

    /// Whether `agent` may take `entry`: a conversation that asked for an advisor who is
    /// present goes to them only; otherwise language and skill must match.
    pub(crate) fn may_take(&self, agent: &AgentInfo, entry: &QueueEntry) -> bool {
        match &entry.requested_agent {
            Some(requested) if self.agents.contains_key(requested) => *requested == agent.name,
            _ => agent.covers(&entry.lang, entry.skill.as_deref()),
        }
    }

    /// Whether a connected advisor speaks `lang` and covers `skill`.
    pub(crate) fn anyone_covers(&self, lang: &str, skill: Option<&str>) -> bool {
        self.agents
            .values()
            .any(|p| p.connected && p.info.covers(lang, skill))
    }

    /// The connected advisor whose name or display name is `wanted` (case-insensitive).
    pub(crate) fn find_connected(&self, wanted: &str) -> Option<&AgentInfo> {
        let wanted = wanted.trim().to_lowercase();
        self.agents
            .values()
            .filter(|p| p.connected)
            .map(|p| &p.info)
            .find(|a| a.name == wanted || a.display_name.to_lowercase() == wanted)
    }

    /// The connected advisors' display names and names, for spotting one named in a message.
    pub(crate) fn connected(&self) -> impl Iterator<Item = &AgentInfo> {
        self.agents
            .values()
            .filter(|p| p.connected)
            .map(|p| &p.info)
    }

    /// The waiting entries `agent` may take, in serving order, with their positions.
    pub(crate) fn items_for(&self, agent: &str) -> Vec<(&QueueEntry, u64)> {
        let Some(presence) = self.agents.get(agent) else {
            return Vec::new();
        };
        let mut per_lang: HashMap<&str, u64> = HashMap::new();
        let mut items = Vec::new();
        for entry in self.waiting.values() {
            let position = per_lang.entry(entry.lang.as_str()).or_default();
            *position += 1;
            if self.may_take(&presence.info, entry) {
                items.push((entry, *position));
            }
        }
        items
    }

    // ---- advisors ----

    /// An advisor's panel connected: they are present again and keep their chats.
    pub(crate) fn connect(&mut self, info: AgentInfo) -> Vec<String> {
        let presence = self
            .agents
            .entry(info.name.clone())
            .or_insert_with(|| Presence {
                info: info.clone(),
                connected: false,
                grace_until: None,
                chats: BTreeSet::new(),
            });
        presence.info = info;
        presence.connected = true;
        presence.grace_until = None;
        presence.chats.iter().cloned().collect()
    }

    /// An advisor's panel disconnected: their chats wait for them until `grace_until`.
    pub(crate) fn disconnect(&mut self, agent: &str, grace_until: Instant) {
        let Some(presence) = self.agents.get_mut(agent) else {
            return;
        };
        if presence.chats.is_empty() {
            self.agents.remove(agent);
        } else {
            presence.connected = false;
            presence.grace_until = Some(grace_until);
        }
    }

    /// A held conversation found at startup: its advisor is away until `grace_until`.
    pub(crate) fn recover(
        &mut self,
        info: AgentInfo,
        entry: QueueEntry,
        since: Instant,
        grace_until: Instant,
    ) {
        let id = entry.conversation.clone();
        let presence = self
            .agents
            .entry(info.name.clone())
            .or_insert_with(|| Presence {
                info: info.clone(),
                connected: false,
                grace_until: Some(grace_until),
                chats: BTreeSet::new(),
            });
        presence.chats.insert(id.clone());
        self.held.insert(
            id,
            Held {
                agent: info.name,
                since,
                entry,
            },
        );
    }

    /// Puts back a held chat whose release could not be written.
    pub(crate) fn recover_held(&mut self, held: Held) {
        if let Some(p) = self.agents.get_mut(&held.agent) {
            p.chats.insert(held.entry.conversation.clone());
        }
        self.held.insert(held.entry.conversation.clone(), held);
    }

    /// (conversation, advisor) pairs of every held chat, sorted.
    #[cfg(test)]
    pub(crate) fn held(&self) -> Vec<(String, String)> {
        let mut held: Vec<(String, String)> = self
            .held
            .iter()
            .map(|(id, h)| (id.clone(), h.agent.clone()))
            .collect();
        held.sort();
        held
    }

    /// When the next grace period ends.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.agents.values().filter_map(|p| p.grace_until).min()
    }

    /// Ends every grace period due at `now`: the advisors are gone and their chats returned.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Held> {
        let due: Vec<String> = self
            .agents
            .iter()
            .filter(|(_, p)| p.grace_until.is_some_and(|t| t <= now))
            .map(|(name, _)| name.clone())
            .collect();
        due.iter().flat_map(|name| self.evict(name)).collect()
    }

    /// Removes an advisor at once (deleted or revoked while away); returns their chats.
    pub(crate) fn evict(&mut self, agent: &str) -> Vec<Held> {
        let Some(presence) = self.agents.remove(agent) else {
            return Vec::new();
        };
        presence
            .chats
            .iter()
            .filter_map(|id| self.held.remove(id))
            .collect()
    }

    /// The advisor holding a conversation.
    pub(crate) fn holder(&self, id: &str) -> Option<&str> {
        self.held.get(id).map(|h| h.agent.as_str())
    }

    // ---- taking and handing back ----

    /// `agent` takes a waiting conversation: exactly one advisor can win it.
    pub(crate) fn claim(
        &mut self,
        agent: &str,
        id: &str,
        now: Instant,
    ) -> Result<QueueEntry, Refusal> {
        if self.held.contains_key(id) {
            return Err(Refusal::AlreadyTaken);
        }
        let key = *self.keys.get(id).ok_or(Refusal::NotFound)?;
        let presence = self.agents.get(agent).ok_or(Refusal::NotEligible)?;
        let entry = self.waiting.get(&key).ok_or(Refusal::NotFound)?;
        if !self.may_take(&presence.info, entry) {
            return Err(Refusal::NotEligible);
        }
        if presence.free() == 0 {
            return Err(Refusal::AtCapacity);
        }
        let entry = self.dequeue(id).ok_or(Refusal::NotFound)?;
        self.hold(agent, entry.clone(), now);
        Ok(entry)
    }

    /// `agent` takes over a conversation still with the bot (not waiting, not held).
    pub(crate) fn take_over(
        &mut self,
        agent: &str,
        entry: QueueEntry,
        now: Instant,
    ) -> Result<(), Refusal> {
        let id = &entry.conversation;
        if self.held.contains_key(id) {
            return Err(Refusal::AlreadyTaken);
        }
        if self.is_waiting(id) {
            return Err(Refusal::NotFound);
        }
        let presence = self.agents.get(agent).ok_or(Refusal::NotEligible)?;
        if !presence.info.langs.contains(&entry.lang) {
            return Err(Refusal::NotEligible);
        }
        if presence.free() == 0 {
            return Err(Refusal::AtCapacity);
        }
        self.hold(agent, entry, now);
        Ok(())
    }

    /// Undoes a claim or takeover whose store write failed: back to where it was.
    pub(crate) fn unclaim(&mut self, id: &str, was_waiting: bool) {
        if let Some(held) = self.held.remove(id) {
            if let Some(p) = self.agents.get_mut(&held.agent) {
                p.chats.remove(id);
            }
            if was_waiting {
                self.enqueue(held.entry);
            }
        }
    }

    /// `agent` hands back a conversation they hold; a closed chat counts towards the mean
    /// handling time.
    pub(crate) fn release(
        &mut self,
        agent: &str,
        id: &str,
        closed: bool,
        now: Instant,
    ) -> Result<Held, Refusal> {
        match self.held.get(id) {
            Some(held) if held.agent == agent => {}
            Some(_) => return Err(Refusal::NotOwner),
            None => return Err(Refusal::NotOwner),
        }
        let held = self.unhold(id).ok_or(Refusal::NotOwner)?;
        if closed {
            if self.handled.len() == HANDLING_SAMPLES {
                self.handled.pop_front();
            }
            self.handled
                .push_back(now.saturating_duration_since(held.since));
        }
        Ok(held)
    }

    /// The customer ended a held chat.
    pub(crate) fn unhold(&mut self, id: &str) -> Option<Held> {
        let held = self.held.remove(id)?;
        if let Some(p) = self.agents.get_mut(&held.agent) {
            p.chats.remove(id);
            if !p.connected && p.chats.is_empty() {
                self.agents.remove(&held.agent);
            }
        }
        Some(held)
    }

    fn hold(&mut self, agent: &str, entry: QueueEntry, now: Instant) {
        let id = entry.conversation.clone();
        if let Some(p) = self.agents.get_mut(agent) {
            p.chats.insert(id.clone());
        }
        self.held.insert(
            id,
            Held {
                agent: agent.to_owned(),
                since: now,
                entry,
            },
        );
    }
}

impl Book {
    /// Every waiting conversation with its place and estimated wait, in one pass.
    pub(crate) fn positions(&self) -> Vec<(&str, u64, u64)> {
        let mut per_lang: HashMap<&str, u64> = HashMap::new();
        // Free capacity depends only on what routes an entry.
        let mut free: HashMap<(&str, Option<&str>, Option<&str>), u64> = HashMap::new();
        let mean = self.mean_handling().as_secs_f64();
        let mut out = Vec::with_capacity(self.waiting.len());
        for entry in self.waiting.values() {
            let position = per_lang.entry(entry.lang.as_str()).or_default();
            *position += 1;
            let route = (
                entry.lang.as_str(),
                entry.skill.as_deref(),
                entry.requested_agent.as_deref(),
            );
            let capacity = *free.entry(route).or_insert_with(|| {
                self.agents
                    .values()
                    .filter(|p| p.connected && self.may_take(&p.info, entry))
                    .map(Presence::free)
                    .sum()
            });
            let eta = (mean * *position as f64 / capacity.max(1) as f64).ceil() as u64;
            out.push((entry.conversation.as_str(), *position, eta));
        }
        out
    }
}

#[cfg(test)]
#[path = "book_test.rs"]
mod tests;
