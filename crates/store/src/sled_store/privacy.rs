//! The sled side of analytics aggregates and erasure: the daily aggregates tree, and the
//! removal of a conversation from every tree that knows it (the inbox's included).
//!
//! An erasure is one WAL record, like any write: once its `Durable` resolves, a crash cannot
//! bring the conversation back. The removed bytes stay in sled's segment files until sled
//! reuses those segments; see `SledStore::checkpoint`.

use super::codec::{ConversationValue, decode, encode};
use super::layout::{self, CLIENT_MESSAGES, CONVERSATIONS, DAILY, EVENTS, RESUME, TICKETS};
use super::wal::WriteSet;
use super::{SledStore, backend, put};
use crate::validate::check_id;
use crate::{DailyRecord, Durable, StoreError, StoreResult};

impl SledStore {
    /// Inserts or replaces the aggregates of the given days.
    pub(super) fn put_daily_records(&self, records: &[DailyRecord]) -> StoreResult<Durable> {
        let encoded = records
            .iter()
            .map(|record| Ok((layout::day_key(record.day), encode(&record.figures)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        let ((), durable) = self.other_write(|writes| {
            for (key, value) in &encoded {
                put(writes, &self.daily, key, value)?;
            }
            Ok(())
        })?;
        Ok(durable)
    }

    /// The aggregates of the days from `from` to `to` included.
    pub(super) fn daily_records(&self, from: u32, to: u32) -> StoreResult<Vec<DailyRecord>> {
        if from > to {
            return Ok(Vec::new());
        }
        self.daily
            .range(layout::day_key(from)..=layout::day_key(to))
            .map(|entry| {
                let (key, bytes) = entry.map_err(backend)?;
                let day = <[u8; 4]>::try_from(key.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Backend(format!("corrupted key in tree {DAILY}")))?;
                Ok(DailyRecord {
                    day,
                    figures: decode(DAILY, &bytes)?,
                })
            })
            .collect()
    }

    /// Removes conversation `id` from every tree, its inbox items included; `false` if there
    /// was no such conversation (its inbox items go all the same).
    pub(super) fn erase(&self, id: &str) -> StoreResult<(bool, Durable)> {
        check_id("conversation id", id)?;
        let _guard = self.conversation_writes.lock(id);
        let mut writes = WriteSet::new();
        let existed = self.erase_record(id, &mut writes)?;
        let durable = {
            // The queue entry and the inbox items, under the lock of the other writes, in the
            // same record.
            let _other = self.other_writes();
            self.queue.remove(id, &mut writes)?;
            self.inbox.erase_conversation(id, &mut writes)?;
            // Nothing removed, nothing logged: the `Durable` is ready at once.
            self.wal.log(writes)
        };
        Ok((existed, durable))
    }

    /// Removes conversation `id`'s record, transcript, client message index and resume entry
    /// (the caller holds its write lock); `false` if there was no such conversation.
    fn erase_record(&self, id: &str, writes: &mut WriteSet) -> StoreResult<bool> {
        let Some(bytes) = self.conversations.get(id).map_err(backend)? else {
            return Ok(false);
        };
        let record: ConversationValue = decode(CONVERSATIONS, &bytes)?;
        let prefix = layout::conversation_prefix(id);
        for (tree, name) in [
            (&self.events, EVENTS),
            (&self.client_messages, CLIENT_MESSAGES),
        ] {
            for key in tree.scan_prefix(&prefix).keys() {
                let key = key.map_err(backend)?;
                tree.remove(&key).map_err(backend)?;
                writes.remove(name.as_bytes(), &key);
            }
        }
        // The resume entry is the conversation's only if it still points to it.
        let hash = record.resume_token_hash.as_bytes();
        if self.resume.get(hash).map_err(backend)?.as_deref() == Some(id.as_bytes()) {
            self.resume.remove(hash).map_err(backend)?;
            writes.remove(RESUME.as_bytes(), hash);
        }
        self.conversations.remove(id).map_err(backend)?;
        writes.remove(CONVERSATIONS.as_bytes(), id.as_bytes());
        Ok(true)
    }

    /// Removes ticket `id`; `false` if there was none.
    pub(super) fn remove_ticket_record(&self, id: &str) -> StoreResult<(bool, Durable)> {
        let Some(key) = layout::ticket_key_of(id) else {
            return Ok((false, Durable::ready()));
        };
        self.other_write(|writes| {
            let existed = self.tickets.remove(key).map_err(backend)?.is_some();
            if existed {
                writes.remove(TICKETS.as_bytes(), &key);
            }
            Ok(existed)
        })
    }
}
