//! WAL records: the complete write set of one operation, framed so that a torn or corrupted
//! record is recognised and never replayed.
//!
//! Frame: payload length (`u32` LE, never 0), CRC-32 of the payload (`u32` LE), payload.
//! Payload: the changes in the order they were applied, each `kind` (1 byte: 1 insert,
//! 2 remove), tree name (1-byte length, bytes), key (`u32` LE length, bytes) and, for an
//! insert, the value (`u32` LE length, bytes). Changes are absolute (a key's new value or its
//! removal, never a delta), so replaying a record twice gives the same state as once.

use std::fmt;

/// Size of a frame's header: length and checksum.
pub(super) const FRAME_HEADER: usize = 8;

const INSERT: u8 = 1;
const REMOVE: u8 = 2;

/// One operation's changes, encoded as they are made, ready to frame.
pub(in crate::sled_store) struct WriteSet {
    /// Starts with room for the frame header, filled in by [`WriteSet::into_frame`].
    buf: Vec<u8>,
}

impl WriteSet {
    /// An empty write set.
    pub(in crate::sled_store) fn new() -> Self {
        Self {
            buf: vec![0; FRAME_HEADER],
        }
    }

    /// Records that `key` of `tree` was set to `value`.
    pub(in crate::sled_store) fn insert(&mut self, tree: &[u8], key: &[u8], value: &[u8]) {
        self.change(INSERT, tree, key);
        put_bytes(&mut self.buf, value);
    }

    /// Records that `key` of `tree` was removed.
    pub(in crate::sled_store) fn remove(&mut self, tree: &[u8], key: &[u8]) {
        self.change(REMOVE, tree, key);
    }

    fn change(&mut self, kind: u8, tree: &[u8], key: &[u8]) {
        // Tree names are the constants of `layout`, all far shorter than 256 bytes.
        debug_assert!(tree.len() <= usize::from(u8::MAX));
        self.buf.push(kind);
        self.buf.push(tree.len() as u8);
        self.buf.extend_from_slice(tree);
        put_bytes(&mut self.buf, key);
    }

    /// True if no change was recorded.
    pub(in crate::sled_store) fn is_empty(&self) -> bool {
        self.buf.len() == FRAME_HEADER
    }

    /// The framed record.
    pub(in crate::sled_store) fn into_frame(mut self) -> Vec<u8> {
        let payload_len = self.buf.len() - FRAME_HEADER;
        // Keys and values are bounded by what sled and the server accept, far below 4 GiB.
        let len = u32::try_from(payload_len).unwrap_or(u32::MAX);
        let crc = crc32fast::hash(&self.buf[FRAME_HEADER..]);
        self.buf[..4].copy_from_slice(&len.to_le_bytes());
        self.buf[4..FRAME_HEADER].copy_from_slice(&crc.to_le_bytes());
        self.buf
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// The payloads of the complete, intact frames at the start of `bytes`, in order.
///
/// Stops at the first frame that is incomplete, has length 0 or fails its checksum: that is
/// where a crash tore the last write, and nothing after it was acknowledged.
pub(super) fn frames(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let header = rest.get(..FRAME_HEADER)?;
        let len = u32::from_le_bytes(header[..4].try_into().ok()?) as usize;
        let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
        let payload = rest.get(FRAME_HEADER..FRAME_HEADER.checked_add(len)?)?;
        if len == 0 || crc32fast::hash(payload) != crc {
            return None;
        }
        rest = &rest[FRAME_HEADER + len..];
        Some(payload)
    })
}

/// One change read back from a payload.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Change<'a> {
    /// `key` of `tree` was set to `value`.
    Insert {
        /// The tree's name.
        tree: &'a [u8],
        /// The key.
        key: &'a [u8],
        /// The new value.
        value: &'a [u8],
    },
    /// `key` of `tree` was removed.
    Remove {
        /// The tree's name.
        tree: &'a [u8],
        /// The key.
        key: &'a [u8],
    },
}

/// A payload whose checksum is right but whose content does not decode.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Malformed;

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed WAL record")
    }
}

/// The changes of a payload, in the order they were made.
pub(super) fn changes(payload: &[u8]) -> impl Iterator<Item = Result<Change<'_>, Malformed>> {
    let mut rest = payload;
    let mut failed = false;
    std::iter::from_fn(move || {
        if rest.is_empty() || failed {
            return None;
        }
        let change = next_change(&mut rest);
        failed = change.is_err();
        Some(change)
    })
}

fn next_change<'a>(rest: &mut &'a [u8]) -> Result<Change<'a>, Malformed> {
    let kind = take(rest, 1)?[0];
    let tree_len = usize::from(take(rest, 1)?[0]);
    let tree = take(rest, tree_len)?;
    let key = take_sized(rest)?;
    match kind {
        INSERT => Ok(Change::Insert {
            tree,
            key,
            value: take_sized(rest)?,
        }),
        REMOVE => Ok(Change::Remove { tree, key }),
        _ => Err(Malformed),
    }
}

fn take<'a>(rest: &mut &'a [u8], len: usize) -> Result<&'a [u8], Malformed> {
    if rest.len() < len {
        return Err(Malformed);
    }
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head)
}

fn take_sized<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], Malformed> {
    let len = take(rest, 4)?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    take(rest, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut ws = WriteSet::new();
        ws.insert(b"events", b"c\0\0\0\0\0\0\0\0\x01", b"{\"n\":1}");
        ws.remove(b"queued", b"c");
        ws.insert(b"conversations", b"c", b"");
        ws.into_frame()
    }

    #[test]
    fn a_framed_write_set_reads_back_change_by_change() {
        let frame = sample();
        let payloads: Vec<_> = frames(&frame).collect();
        assert_eq!(payloads.len(), 1);
        let changes: Vec<_> = changes(payloads[0]).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            changes,
            vec![
                Change::Insert {
                    tree: b"events",
                    key: b"c\0\0\0\0\0\0\0\0\x01",
                    value: b"{\"n\":1}"
                },
                Change::Remove {
                    tree: b"queued",
                    key: b"c"
                },
                Change::Insert {
                    tree: b"conversations",
                    key: b"c",
                    value: b""
                },
            ]
        );
    }

    #[test]
    fn every_truncation_of_the_last_frame_is_ignored() {
        let mut log = sample();
        let first = log.len();
        log.extend(sample());
        for cut in first..log.len() {
            assert_eq!(frames(&log[..cut]).count(), 1, "cut at {cut}");
        }
        assert_eq!(frames(&log).count(), 2);
    }

    #[test]
    fn a_flipped_bit_stops_the_scan_at_that_frame() {
        let mut log = sample();
        log.extend(sample());
        log.extend(sample());
        let second = sample().len();
        log[second + FRAME_HEADER + 3] ^= 0x10;
        assert_eq!(frames(&log).count(), 1);
    }

    #[test]
    fn zeroes_are_not_a_frame() {
        assert_eq!(frames(&[0; 64]).count(), 0);
    }

    #[test]
    fn a_payload_cut_inside_a_change_is_malformed() {
        let frame = sample();
        let payload = &frame[FRAME_HEADER..frame.len() - 3];
        let last = changes(payload).last().unwrap();
        assert_eq!(last, Err(Malformed));
        let unknown_kind = [9, 1, b't', 1, 0, 0, 0, b'k'];
        assert_eq!(changes(&unknown_kind).next(), Some(Err(Malformed)));
    }
}
