//! The handoff queue in sled: entries in `layout::QUEUE` under their sort key, so a scan of
//! that tree is the queue in serving order, and `layout::QUEUED` mapping each queued
//! conversation to its sort key, so it can be found and taken out.
//!
//! Both trees change together in one sled transaction, so even a write whose WAL record was
//! lost in a crash never leaves one tree without the other. The caller serialises the writes
//! (the store's write lock) and logs the returned changes. Orders come from sled's id
//! generator (shared with ticket numbers), which grows across restarts and crashes, so FIFO
//! order holds across them and concurrent enqueues never share an order.

use sled::Transactional;
use sled::transaction::abort;

use super::codec::{decode, encode};
use super::layout::{QUEUE, QUEUED};
use super::wal::WriteSet;
use super::{backend, transaction_error};
use crate::queue_order;
use crate::{QueueEntry, StoreError, StoreResult};

/// The two queue trees.
pub(super) struct Queue {
    entries: sled::Tree,
    queued: sled::Tree,
}

impl Queue {
    /// Wraps the entry tree and the conversation index.
    pub(super) fn new(entries: sled::Tree, queued: sled::Tree) -> Self {
        Self { entries, queued }
    }

    /// Queues `entry` (its conversation id already checked) with order `order`;
    /// [`StoreError::AlreadyExists`] if the conversation is queued already.
    pub(super) fn insert(
        &self,
        mut entry: QueueEntry,
        order: u64,
        writes: &mut WriteSet,
    ) -> StoreResult<QueueEntry> {
        entry.order = order;
        let key = queue_order::sort_key(entry.priority, order);
        let bytes = encode(&entry)?;
        let conversation = entry.conversation.as_bytes();
        (&self.entries, &self.queued)
            .transaction(|(entries, queued)| {
                if queued.get(conversation)?.is_some() {
                    return abort(StoreError::AlreadyExists);
                }
                queued.insert(conversation, &key[..])?;
                entries.insert(&key[..], bytes.as_slice())?;
                Ok(())
            })
            .map_err(transaction_error)?;
        writes.insert(QUEUED.as_bytes(), conversation, &key);
        writes.insert(QUEUE.as_bytes(), &key, &bytes);
        Ok(entry)
    }

    /// Takes `conversation` out of the queue; its entry, or `None` if it was not queued.
    pub(super) fn remove(
        &self,
        conversation: &str,
        writes: &mut WriteSet,
    ) -> StoreResult<Option<QueueEntry>> {
        let removed = (&self.entries, &self.queued)
            .transaction(|(entries, queued)| {
                let Some(key) = queued.remove(conversation.as_bytes())? else {
                    return Ok(None);
                };
                match entries.remove(&key)? {
                    Some(bytes) => Ok(Some((key, bytes))),
                    None => abort(StoreError::Backend(format!(
                        "corrupted tree {QUEUED}: it names an entry missing from {QUEUE}"
                    ))),
                }
            })
            .map_err(transaction_error)?;
        let Some((key, bytes)) = removed else {
            return Ok(None);
        };
        writes.remove(QUEUED.as_bytes(), conversation.as_bytes());
        writes.remove(QUEUE.as_bytes(), &key);
        decode(QUEUE, &bytes).map(Some)
    }

    /// Every entry, in serving order.
    pub(super) fn all(&self) -> StoreResult<Vec<QueueEntry>> {
        self.entries
            .iter()
            .values()
            .map(|bytes| decode(QUEUE, &bytes.map_err(backend)?))
            .collect()
    }
}
