//! The store's write-ahead log (`sync.wal`, beside `sync.redb`): what
//! makes a write durable between two checkpoints of the database.
//!
//! Every batch of writes is appended as one record; making the batch
//! durable is one `fdatasync` of this file, not a redb commit. A checkpoint
//! commits everything the log holds into redb in one durable transaction
//! that also bumps the log's *epoch*, then writing starts again at the
//! beginning of the file under the new epoch. Opening the store replays the
//! records of the epoch redb names, from the start of the file up to the
//! first record that is torn, fails its check or belongs to another epoch
//! (older records left behind further on are never read as current ones).
//!
//! A record: payload length (u32, big-endian), epoch (u64, big-endian), the
//! first 8 bytes of SHA-256 over the epoch and the payload, then the
//! payload: its writes one after the other, each a tag (the table's index,
//! with `0x80` set for a delete), the key's length (u32, big-endian) and
//! key (UTF-8), then for a put the value's length (u32, big-endian) and
//! value. The encoding is sans-IO ([`encode`], [`decode`]); [`Wal`] only
//! moves bytes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use sha2::{Digest as _, Sha256};

/// The tables a write may touch (their index is the tag in a record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Chunks = 0,
    Heads = 1,
    Bindings = 2,
    Owners = 3,
    Evidence = 4,
}

impl Table {
    /// Every table, in tag order.
    pub(crate) const ALL: [Table; 5] = [
        Table::Chunks,
        Table::Heads,
        Table::Bindings,
        Table::Owners,
        Table::Evidence,
    ];

    fn from_tag(tag: u8) -> Option<Table> {
        Table::ALL.get(usize::from(tag)).copied()
    }
}

/// One write: a put (`value` is `Some`) or a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Op {
    pub table: Table,
    pub key: String,
    pub value: Option<Vec<u8>>,
}

const HEADER: usize = 4 + 8 + 8;
const DELETE: u8 = 0x80;

fn check(epoch: u64, payload: &[u8]) -> [u8; 8] {
    let mut hasher = Sha256::new();
    hasher.update(epoch.to_be_bytes());
    hasher.update(payload);
    let digest = hasher.finalize();
    let mut out = [0; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // Keys and values are far below 4 GiB (frames are capped well before).
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

/// Append one record holding `ops` under `epoch` to `out`.
pub(crate) fn encode(epoch: u64, ops: &[Op], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + HEADER, 0);
    for op in ops {
        let tag = op.table as u8 | if op.value.is_none() { DELETE } else { 0 };
        out.push(tag);
        put_len(out, op.key.len());
        out.extend_from_slice(op.key.as_bytes());
        if let Some(value) = &op.value {
            put_len(out, value.len());
            out.extend_from_slice(value);
        }
    }
    let payload_len = out.len() - start - HEADER;
    let sum = check(epoch, &out[start + HEADER..]);
    let header = &mut out[start..start + HEADER];
    header[..4].copy_from_slice(&u32::try_from(payload_len).unwrap_or(u32::MAX).to_be_bytes());
    header[4..12].copy_from_slice(&epoch.to_be_bytes());
    header[12..].copy_from_slice(&sum);
}

/// Every write of the records of `epoch` that open `bytes`, in order: the
/// reading stops at the first record that is cut short, fails its check,
/// does not parse or has another epoch.
pub(crate) fn decode(epoch: u64, bytes: &[u8]) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut rest = bytes;
    while rest.len() >= HEADER {
        let len = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        let record_epoch = u64::from_be_bytes(rest[4..12].try_into().expect("8 bytes"));
        if record_epoch != epoch || rest.len() - HEADER < len {
            break;
        }
        let payload = &rest[HEADER..HEADER + len];
        if check(epoch, payload) != rest[12..HEADER] {
            break;
        }
        let Some(record) = decode_payload(payload) else {
            break;
        };
        ops.extend(record);
        rest = &rest[HEADER + len..];
    }
    ops
}

fn decode_payload(mut payload: &[u8]) -> Option<Vec<Op>> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if bytes.len() < n {
            return None;
        }
        let (head, tail) = bytes.split_at(n);
        *bytes = tail;
        Some(head)
    }
    fn take_len(bytes: &mut &[u8]) -> Option<usize> {
        let raw = take(bytes, 4)?;
        Some(u32::from_be_bytes(raw.try_into().ok()?) as usize)
    }
    let mut ops = Vec::new();
    while let Some(&tag) = payload.first() {
        payload = &payload[1..];
        let table = Table::from_tag(tag & !DELETE)?;
        let key_len = take_len(&mut payload)?;
        let key = std::str::from_utf8(take(&mut payload, key_len)?)
            .ok()?
            .to_owned();
        let value = if tag & DELETE == 0 {
            let value_len = take_len(&mut payload)?;
            Some(take(&mut payload, value_len)?.to_vec())
        } else {
            None
        };
        ops.push(Op { table, key, value });
    }
    Some(ops)
}

/// The log file, written from its start under one epoch.
pub(crate) struct Wal {
    file: File,
    epoch: u64,
    /// Bytes written under this epoch.
    len: u64,
    /// Whether bytes were written since the last `sync`.
    unsynced: bool,
    buffer: Vec<u8>,
}

impl Wal {
    /// Open (or create) the log and read the writes it holds under `epoch`;
    /// writing then starts at the beginning under `epoch` (call
    /// [`Wal::restart`] with the next epoch once those writes are
    /// checkpointed). A file shorter than `preallocate` bytes is first
    /// filled with zeros up to it (zeros read as no record): appending then
    /// overwrites blocks the file already has, so making a record durable
    /// writes its data and nothing of the file's size.
    pub(crate) fn open(path: &Path, epoch: u64, preallocate: u64) -> io::Result<(Wal, Vec<Op>)> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let ops = decode(epoch, &bytes);
        if (bytes.len() as u64) < preallocate {
            let zeros = vec![0; 1 << 16];
            let mut missing = preallocate - bytes.len() as u64;
            while missing > 0 {
                let n = missing.min(zeros.len() as u64) as usize;
                file.write_all(&zeros[..n])?;
                missing -= n as u64;
            }
            file.sync_all()?;
        }
        file.seek(SeekFrom::Start(0))?;
        Ok((
            Wal {
                file,
                epoch,
                len: 0,
                unsynced: false,
                buffer: Vec::new(),
            },
            ops,
        ))
    }

    /// The epoch records are written under.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Bytes written since the last checkpoint.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Append one record (not yet durable: see [`Wal::sync`]).
    pub(crate) fn append(&mut self, ops: &[Op]) -> io::Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        self.buffer.clear();
        encode(self.epoch, ops, &mut self.buffer);
        self.file.write_all(&self.buffer)?;
        self.len += self.buffer.len() as u64;
        self.unsynced = true;
        if self.buffer.capacity() > 1 << 20 {
            self.buffer = Vec::new();
        }
        Ok(())
    }

    /// Make every record appended so far durable.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        if self.unsynced {
            self.file.sync_data()?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Start again at the beginning of the file under `epoch` (everything
    /// written before is in the database, which names `epoch` now).
    pub(crate) fn restart(&mut self, epoch: u64) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(0))?;
        self.epoch = epoch;
        self.len = 0;
        self.unsynced = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn op() -> impl Strategy<Value = Op> {
        (
            0..Table::ALL.len(),
            "[a-z/]{0,12}",
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        )
            .prop_map(|(table, key, value)| Op {
                table: Table::ALL[table],
                key,
                value,
            })
    }

    proptest! {
        /// Read after write: the records of an epoch read back as written,
        /// in order; a cut anywhere keeps exactly the whole records before
        /// it; a flipped byte loses that record and everything after it,
        /// never more, never a changed write; and records of another epoch
        /// further on are not read.
        #[test]
        fn records_read_back_as_written_up_to_damage(
            batches in proptest::collection::vec(proptest::collection::vec(op(), 0..5), 1..8),
            cut in any::<proptest::sample::Index>(),
            flip in any::<proptest::sample::Index>(),
            epoch in 0u64..1000,
        ) {
            let mut bytes = Vec::new();
            let mut ends = Vec::new();
            for batch in &batches {
                encode(epoch, batch, &mut bytes);
                ends.push(bytes.len());
            }
            let all: Vec<Op> = batches.iter().flatten().cloned().collect();
            prop_assert_eq!(decode(epoch, &bytes), all.clone());
            prop_assert_eq!(decode(epoch + 1, &bytes), Vec::<Op>::new());

            let whole = |upto: usize| -> Vec<Op> {
                batches.iter().zip(&ends).take_while(|(_, end)| **end <= upto)
                    .flat_map(|(b, _)| b.iter().cloned()).collect()
            };
            let at = cut.index(bytes.len() + 1);
            prop_assert_eq!(decode(epoch, &bytes[..at]), whole(at));

            let i = flip.index(bytes.len());
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x5a;
            let start = ends.iter().rev().find(|end| **end <= i).copied().unwrap_or(0);
            prop_assert_eq!(decode(epoch, &damaged), whole(start));

            // Older records left behind a newer epoch's are not read.
            let mut reused = Vec::new();
            encode(epoch + 1, &batches[0], &mut reused);
            let mut file = reused.clone();
            file.extend_from_slice(&bytes[reused.len().min(bytes.len())..]);
            prop_assert_eq!(decode(epoch + 1, &file), batches[0].clone());
        }
    }
}
