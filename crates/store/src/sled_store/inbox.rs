//! The sled side of the inbox of missed questions: the items tree, the index of closed items
//! that makes eviction of the oldest closed item a single lookup, and the index of each
//! conversation's items that makes its erasure a prefix scan rather than a read of the inbox.
//!
//! Writes go through `SledStore::other_write` (or hold its lock, for erasure), so they are
//! serialised with each other and logged as one WAL record each, eviction included.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::codec::{decode, encode};
use super::layout::{self, INBOX, INBOX_BY_CONVERSATION, INBOX_CLOSED};
use super::wal::WriteSet;
use super::{SledStore, backend, put};
use crate::clock::now_ms;
use crate::inbox::check_item;
use crate::{
    Durable, InboxItem, InboxStatus, MAX_INBOX_ITEMS, NewInboxItem, StoreError, StoreResult,
};

/// The inbox trees and the number of items they hold.
pub(super) struct Inbox {
    items: sled::Tree,
    closed: sled::Tree,
    by_conversation: sled::Tree,
    /// Items in `items`; changed only under the lock of the other writes. sled's own `len`
    /// walks the whole tree.
    len: AtomicUsize,
}

impl Inbox {
    /// The inbox over its trees: items, closed items, items by conversation.
    pub(super) fn new(items: sled::Tree, closed: sled::Tree, by_conversation: sled::Tree) -> Inbox {
        let len = AtomicUsize::new(items.len());
        Inbox {
            items,
            closed,
            by_conversation,
            len,
        }
    }

    /// Every item, oldest first.
    fn all(&self) -> StoreResult<Vec<InboxItem>> {
        self.items
            .iter()
            .values()
            .map(|bytes| decode(INBOX, &bytes.map_err(backend)?))
            .collect()
    }

    /// Removes the oldest closed item, else the oldest item.
    fn evict_one(&self, writes: &mut WriteSet) -> StoreResult<()> {
        let oldest = match self.closed.first().map_err(backend)? {
            Some((key, _)) => Some(key),
            None => self.items.first().map_err(backend)?.map(|(key, _)| key),
        };
        let Some(key) = oldest else {
            return Ok(());
        };
        let id = u64::from_be_bytes(
            key.as_ref()
                .try_into()
                .map_err(|_| StoreError::Backend(format!("corrupted key in tree {INBOX}")))?,
        );
        self.remove(id, writes)?;
        Ok(())
    }

    /// Removes item `id` from every inbox tree; says whether it was there.
    fn remove(&self, id: u64, writes: &mut WriteSet) -> StoreResult<bool> {
        let key = layout::inbox_key(id);
        let Some(bytes) = self.items.get(key).map_err(backend)? else {
            return Ok(false);
        };
        // Decoded before anything is removed, so a corrupted item changes nothing.
        let item: InboxItem = decode(INBOX, &bytes)?;
        self.items.remove(key).map_err(backend)?;
        writes.remove(INBOX.as_bytes(), &key);
        if self.closed.remove(key).map_err(backend)?.is_some() {
            writes.remove(INBOX_CLOSED.as_bytes(), &key);
        }
        if let Some(conversation) = &item.item.conversation {
            let index = layout::inbox_conversation_key(conversation, id);
            if self
                .by_conversation
                .remove(&index)
                .map_err(backend)?
                .is_some()
            {
                writes.remove(INBOX_BY_CONVERSATION.as_bytes(), &index);
            }
        }
        self.len.fetch_sub(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Removes every item recorded from `conversation` (the caller holds the lock of the
    /// other writes).
    pub(super) fn erase_conversation(
        &self,
        conversation: &str,
        writes: &mut WriteSet,
    ) -> StoreResult<()> {
        let prefix = layout::conversation_prefix(conversation);
        for key in self.by_conversation.scan_prefix(&prefix).keys() {
            let key = key.map_err(backend)?;
            let id = layout::inbox_conversation_item(&prefix, &key).ok_or_else(|| {
                StoreError::Backend(format!("corrupted key in tree {INBOX_BY_CONVERSATION}"))
            })?;
            if !self.remove(id, writes)?
                && self
                    .by_conversation
                    .remove(&key)
                    .map_err(backend)?
                    .is_some()
            {
                // An entry left without its item (both change in one WAL record, so this
                // is defensive) goes too.
                writes.remove(INBOX_BY_CONVERSATION.as_bytes(), &key);
            }
        }
        Ok(())
    }
}

impl SledStore {
    /// Records `item`, open, evicting one if the inbox is full.
    pub(super) fn add_inbox(&self, item: &NewInboxItem) -> StoreResult<(u64, Durable)> {
        check_item(item)?;
        let id = self.db.generate_id().map_err(backend)?;
        let stored = InboxItem {
            id,
            created_ms: now_ms(),
            status: InboxStatus::Open,
            item: item.clone(),
        };
        let value = encode(&stored)?;
        self.other_write(|writes| {
            let inbox = &self.inbox;
            while inbox.len.load(Ordering::Relaxed) >= MAX_INBOX_ITEMS {
                inbox.evict_one(writes)?;
            }
            put(writes, &inbox.items, &layout::inbox_key(id), &value)?;
            if let Some(conversation) = &item.conversation {
                let index = layout::inbox_conversation_key(conversation, id);
                put(writes, &inbox.by_conversation, &index, &[])?;
            }
            inbox.len.fetch_add(1, Ordering::Relaxed);
            Ok(id)
        })
    }

    /// Every item, oldest first.
    pub(super) fn inbox_all(&self) -> StoreResult<Vec<InboxItem>> {
        self.inbox.all()
    }

    /// Sets the status of the items `ids` that exist; returns how many do.
    pub(super) fn set_inbox(
        &self,
        ids: &[u64],
        status: InboxStatus,
    ) -> StoreResult<(usize, Durable)> {
        self.other_write(|writes| {
            let inbox = &self.inbox;
            let mut found = 0;
            for &id in ids {
                let key = layout::inbox_key(id);
                let Some(bytes) = inbox.items.get(key).map_err(backend)? else {
                    continue;
                };
                found += 1;
                let mut item: InboxItem = decode(INBOX, &bytes)?;
                item.status = status;
                put(writes, &inbox.items, &key, &encode(&item)?)?;
                if status.is_closed() {
                    put(writes, &inbox.closed, &key, &[])?;
                } else if inbox.closed.remove(key).map_err(backend)?.is_some() {
                    writes.remove(INBOX_CLOSED.as_bytes(), &key);
                }
            }
            Ok::<_, StoreError>(found)
        })
    }
}
