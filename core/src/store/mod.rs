//! Durable storage: a small key-value [`Storage`] trait, its redb
//! implementation ([`RedbStorage`]) and an in-memory one for tests
//! ([`MemoryStorage`]), and the [`Store`] on top that batches writes.
//!
//! # Layout
//! Keys are strings; a document's Automerge data lives in the `chunks` table
//! under the automerge-repo storage layout that samod uses, with key parts
//! joined by `/`:
//!
//! - `<doc id>/snapshot/<hex>`: a compacted document (`Automerge::save`),
//! - `<doc id>/incremental/<change hash>`: one or more change chunks appended
//!   since the last snapshot,
//!
//! so a samod storage adapter can later sit on the same table. The `docs`
//! table indexes documents (`<doc id>` → JSON [`DocMeta`]) so that listing
//! documents never loads one. The `records` table holds signed records, the
//! source of truth for governance: the key is the community id followed by
//! the record id ([`record_key`], in hex), the value the record's exact
//! bytes; records are immutable (a `Put` of a key already present is
//! ignored). `meta` holds the store format and one `community/<id>` entry per
//! community that has records ([`community_key`]), so listing communities
//! scans no record, and one `archived/<doc id>` entry per document archived
//! in this home ([`archived_key`]; a home-local mark, nothing in the
//! document).
//!
//! # Durability and group commit
//! Writes are *staged* ([`Store::stage`], [`Store::append_changes`]) and made
//! durable together by one commit ([`Store::flush`]), so a typist is not bound
//! by fsync. A caller reports an edit as saved only once [`Store::wait`] has
//! returned for its [`Ticket`]. Whoever waits first commits everything staged
//! so far (leader/follower group commit, as databases do); a long-running
//! process may instead run [`Store::run_flusher`] on a thread of its own.
//! Each commit is one atomic, durable redb transaction: after a crash at any
//! instant, every write whose ticket was reported durable is there, and the
//! store opens.

mod memory;
mod redb_storage;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

pub use memory::MemoryStorage;
pub use redb_storage::{RedbOptions, RedbStorage};

use crate::ids::DocId;
use crate::record::{CommunityId, Record, RecordId};

/// The tables of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Automerge data, in the automerge-repo key layout.
    Chunks,
    /// One entry per document: its [`DocMeta`].
    Docs,
    /// Store-wide settings (format version) and the index of communities.
    Meta,
    /// Signed records: community id ‖ record id → the record's exact bytes.
    /// Immutable: a [`WriteOp::Put`] of a key already present is ignored.
    /// A store written before this table existed simply has none (read as
    /// empty).
    Records,
}

impl Table {
    /// The table's name on disk.
    pub fn name(self) -> &'static str {
        match self {
            Table::Chunks => "chunks",
            Table::Docs => "docs",
            Table::Meta => "meta",
            Table::Records => "records",
        }
    }
}

/// One write in a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Insert or replace.
    Put {
        /// The table.
        table: Table,
        /// The key.
        key: String,
        /// The value.
        value: Vec<u8>,
    },
    /// Remove if present.
    Delete {
        /// The table.
        table: Table,
        /// The key.
        key: String,
    },
}

/// A durable key-value store. Every method is safe to call on a corrupted
/// file: it returns an error instead of panicking.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Read one value.
    fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every entry whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, table: Table, prefix: &str)
    -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// The key and size of every entry whose key starts with `prefix`, in
    /// key order, without copying the values.
    fn scan_sizes(&self, table: Table, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
        Ok(self
            .scan_prefix(table, prefix)?
            .into_iter()
            .map(|(key, value)| (key, value.len() as u64))
            .collect())
    }
    /// A number that every commit to this storage moves, whichever process
    /// makes it, read without scanning anything: equal at two reads, nothing
    /// was committed in between. `None` when the storage keeps none (then
    /// compare what it holds).
    fn generation(&self) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }
    /// Apply `ops` in order, atomically and durably: when this returns `Ok`,
    /// all of them survive a crash; when it returns `Err`, none of them do.
    /// A `Put` into [`Table::Records`] of a key already present changes
    /// nothing (records are immutable).
    fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;
}

/// Why the store could not read or write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the store open.
    #[error("the store {0} is in use by another process")]
    Locked(String),
    /// The file is damaged.
    #[error("the store {path} is damaged: {detail}")]
    Corrupted {
        /// The store file.
        path: String,
        /// What was found.
        detail: String,
    },
    /// The store was written by an incompatible version.
    #[error("the store {path} has format `{found}`; this version of Nous reads `{expected}`")]
    Format {
        /// The store file.
        path: String,
        /// The format found.
        found: String,
        /// The format expected.
        expected: String,
    },
    /// Reading or writing failed.
    #[error("store: {0}")]
    Io(String),
    /// A commit failed earlier; nothing more is written until the store is
    /// reopened.
    #[error("an earlier write to the store failed ({0}); nothing after it was saved")]
    Poisoned(String),
}

/// A position in the sequence of staged writes: once
/// [`Store::wait`] returns for it, every write staged up to it is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ticket(u64);

/// What a document's entry in the `docs` table says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocMeta {
    /// What the document is (`charter`).
    pub kind: String,
    /// Its title when last indexed.
    pub title: String,
    /// When it was created here (ms since the Unix epoch, informational).
    pub created_ms: i64,
    /// When it last changed here (informational).
    pub updated_ms: i64,
    /// Number of changes when last indexed.
    pub changes: u64,
}

#[derive(Debug, Default)]
struct Pending {
    ops: Vec<WriteOp>,
    /// Index in `ops` of each document's open incremental chunk, to which
    /// further changes are appended until the next commit or compaction.
    open_chunks: HashMap<DocId, usize>,
    last: u64,
}

#[derive(Debug, Default)]
struct Committed {
    durable: u64,
    poisoned: Option<StoreError>,
}

/// A [`Storage`] with staged writes and group commit.
#[derive(Debug)]
pub struct Store {
    storage: Box<dyn Storage>,
    pending: Mutex<Pending>,
    committed: Mutex<Committed>,
    /// Signalled when something is staged or a commit ends.
    wake: Condvar,
    /// Held by whoever is committing.
    commit_lock: Mutex<()>,
    /// Set while a commit is under way.
    committing: AtomicBool,
    /// Counts the stagings that wrote records: what an engine resolved
    /// from the records is current while it has not moved.
    records_staged: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data
    // half-updated (every critical section is a few plain assignments), so
    // recover from poisoning instead of propagating the panic.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The key of a document's chunk.
pub fn chunk_key(doc: &DocId, kind: &str, name: &str) -> String {
    format!("{doc}/{kind}/{name}")
}

/// The key of a record in [`Table::Records`]: the community id and the
/// record id, 64 bytes, in lowercase hex (128 characters), so a community's
/// records share the prefix [`community_prefix`] and sort by record id.
pub fn record_key(community: &CommunityId, id: &RecordId) -> String {
    format!("{community}{id}")
}

/// The key prefix of a community's records in [`Table::Records`].
pub fn community_prefix(community: &CommunityId) -> String {
    community.to_string()
}

/// Prefix of the entries of [`Table::Meta`] that index communities.
pub const COMMUNITY_META_PREFIX: &str = "community/";

/// The key of a community's entry in [`Table::Meta`] (value empty).
pub fn community_key(community: &CommunityId) -> String {
    format!("{COMMUNITY_META_PREFIX}{community}")
}

/// Prefix of the entries of [`Table::Meta`] that mark documents archived in
/// this home (hidden from its lists, kept whole; value empty).
pub const ARCHIVED_META_PREFIX: &str = "archived/";

/// The key of a document's archive mark in [`Table::Meta`].
pub fn archived_key(doc: &DocId) -> String {
    format!("{ARCHIVED_META_PREFIX}{doc}")
}

/// The write that archives `doc` in this home, or (`archived` false)
/// restores it.
pub fn archive_write(doc: &DocId, archived: bool) -> WriteOp {
    let key = archived_key(doc);
    if archived {
        WriteOp::Put {
            table: Table::Meta,
            key,
            value: Vec::new(),
        }
    } else {
        WriteOp::Delete {
            table: Table::Meta,
            key,
        }
    }
}

/// The writes that store `records`: each one under its community, and one
/// index entry per community. Records already stored are left as they are
/// (the `records` table is insert-only), so staging a record twice is
/// harmless.
pub fn record_writes<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<WriteOp> {
    let mut ops = Vec::new();
    let mut communities = std::collections::BTreeSet::new();
    for record in records {
        let community = record.community();
        ops.push(WriteOp::Put {
            table: Table::Records,
            key: record_key(&community, &record.id()),
            value: record.bytes().to_vec(),
        });
        communities.insert(community);
    }
    for community in communities {
        ops.push(WriteOp::Put {
            table: Table::Meta,
            key: community_key(&community),
            value: Vec::new(),
        });
    }
    ops
}

impl Store {
    /// A store over `storage`.
    pub fn new(storage: Box<dyn Storage>) -> Self {
        Store {
            storage,
            pending: Mutex::new(Pending::default()),
            committed: Mutex::new(Committed::default()),
            wake: Condvar::new(),
            commit_lock: Mutex::new(()),
            committing: AtomicBool::new(false),
            records_staged: AtomicU64::new(0),
        }
    }

    /// Read one committed value (staged writes are not visible).
    pub fn get(&self, table: Table, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.storage.get(table, key)
    }

    /// Committed entries under a prefix.
    pub fn scan_prefix(
        &self,
        table: Table,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.storage.scan_prefix(table, prefix)
    }

    /// How many stagings so far wrote records (see [`Store::stage`]).
    pub fn records_staged(&self) -> u64 {
        self.records_staged.load(Ordering::SeqCst)
    }

    /// Stage records for the next commit (with whatever documents are staged
    /// with them: one group commit). Durable once [`Store::wait`] returned
    /// for the ticket.
    pub fn stage_records<'a>(&self, records: impl IntoIterator<Item = &'a Record>) -> Ticket {
        self.stage(record_writes(records), None)
    }

    /// Whether a record is committed (staged records are not visible).
    pub fn has_record(&self, community: &CommunityId, id: &RecordId) -> Result<bool, StoreError> {
        Ok(self
            .storage
            .get(Table::Records, &record_key(community, id))?
            .is_some())
    }

    /// The storage's generation ([`Storage::generation`]): what is
    /// committed, not what is staged.
    pub fn generation(&self) -> Result<Option<u64>, StoreError> {
        self.storage.generation()
    }

    /// The key and size of each committed chunk of `doc`: what changes
    /// when changes of it are written, read without decoding anything.
    pub fn chunk_sizes(&self, doc: &DocId) -> Result<Vec<(String, u64)>, StoreError> {
        self.storage.scan_sizes(Table::Chunks, &format!("{doc}/"))
    }

    /// How many committed records `community` has, read without decoding
    /// any.
    pub fn record_count(&self, community: &CommunityId) -> Result<usize, StoreError> {
        Ok(self
            .storage
            .scan_sizes(Table::Records, &community_prefix(community))?
            .len())
    }

    /// The committed records of a community, in record id order: each one's
    /// id as written in its key (normally 64 hex characters) and its bytes.
    /// Nothing is decoded or checked here.
    pub fn record_bytes(
        &self,
        community: &CommunityId,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let prefix = community_prefix(community);
        let entries = self.storage.scan_prefix(Table::Records, &prefix)?;
        Ok(entries
            .into_iter()
            .map(|(key, bytes)| (key.strip_prefix(&prefix).unwrap_or(&key).to_owned(), bytes))
            .collect())
    }

    /// The communities that have committed records, in id order (from the
    /// index in [`Table::Meta`]; no record is read). An index entry whose id
    /// does not parse is skipped with a warning.
    pub fn communities(&self) -> Result<Vec<CommunityId>, StoreError> {
        let entries = self
            .storage
            .scan_prefix(Table::Meta, COMMUNITY_META_PREFIX)?;
        let mut communities = Vec::with_capacity(entries.len());
        for (key, _) in entries {
            let id = key.strip_prefix(COMMUNITY_META_PREFIX).unwrap_or(&key);
            match id.parse::<CommunityId>() {
                Ok(community) => communities.push(community),
                Err(_) => tracing::warn!(%key, "skipping a malformed community index entry"),
            }
        }
        Ok(communities)
    }

    /// The documents archived in this home (committed marks; a mark whose
    /// id does not parse is skipped with a warning).
    pub fn archived(&self) -> Result<std::collections::BTreeSet<DocId>, StoreError> {
        let entries = self
            .storage
            .scan_prefix(Table::Meta, ARCHIVED_META_PREFIX)?;
        let mut docs = std::collections::BTreeSet::new();
        for (key, _) in entries {
            let id = key.strip_prefix(ARCHIVED_META_PREFIX).unwrap_or(&key);
            match id.parse::<DocId>() {
                Ok(doc) => {
                    docs.insert(doc);
                }
                Err(_) => tracing::warn!(%key, "skipping a malformed archive mark"),
            }
        }
        Ok(docs)
    }

    /// Stage writes for the next commit. If `doc` is given, that document's
    /// open incremental chunk is closed first, so later changes go to a new
    /// key (used when compacting, which deletes the chunk keys it covers).
    pub fn stage(&self, ops: Vec<WriteOp>, closing: Option<&DocId>) -> Ticket {
        let records = ops.iter().any(|op| match op {
            WriteOp::Put { table, .. } | WriteOp::Delete { table, .. } => *table == Table::Records,
        });
        if records {
            self.records_staged.fetch_add(1, Ordering::SeqCst);
        }
        let mut pending = lock(&self.pending);
        if let Some(doc) = closing {
            pending.open_chunks.remove(doc);
        }
        let was_empty = pending.ops.is_empty();
        pending.ops.extend(ops);
        pending.last += 1;
        let ticket = Ticket(pending.last);
        drop(pending);
        if was_empty {
            self.wake.notify_all();
        }
        ticket
    }

    /// Stage change chunks of `doc`: appended to the document's open
    /// incremental chunk, or opening a new one named `name` (the hash of a
    /// change in it). Returns the ticket and, when a new chunk was opened,
    /// its key.
    pub fn append_changes(
        &self,
        doc: &DocId,
        name: &str,
        bytes: &[u8],
    ) -> (Ticket, Option<String>) {
        let mut pending = lock(&self.pending);
        let was_empty = pending.ops.is_empty();
        let mut opened = None;
        let open = pending.open_chunks.get(doc).copied();
        match open.and_then(|index| pending.ops.get_mut(index)) {
            Some(WriteOp::Put { value, .. }) => value.extend_from_slice(bytes),
            _ => {
                let key = chunk_key(doc, "incremental", name);
                let index = pending.ops.len();
                pending.ops.push(WriteOp::Put {
                    table: Table::Chunks,
                    key: key.clone(),
                    value: bytes.to_vec(),
                });
                pending.open_chunks.insert(*doc, index);
                opened = Some(key);
            }
        }
        pending.last += 1;
        let ticket = Ticket(pending.last);
        drop(pending);
        if was_empty {
            // Only the flusher waits on this, and only while nothing is staged.
            self.wake.notify_all();
        }
        (ticket, opened)
    }

    /// Whether everything staged up to `ticket` is durable.
    pub fn is_durable(&self, ticket: Ticket) -> bool {
        lock(&self.committed).durable >= ticket.0
    }

    /// Whether nothing is staged and no commit is under way: a write staged
    /// now would be committed at once, alone. Writers that encode lazily
    /// (see `Engine::type_text`) stage when the store is idle, so each
    /// commit carries what piled up while the previous one ran.
    pub fn is_idle(&self) -> bool {
        !self.committing.load(Ordering::Acquire) && lock(&self.pending).ops.is_empty()
    }

    /// Commit everything staged so far in one durable transaction. Returns
    /// the ticket up to which everything is now durable.
    pub fn flush(&self) -> Result<Ticket, StoreError> {
        let _committing = lock(&self.commit_lock);
        self.flush_locked()
    }

    fn flush_locked(&self) -> Result<Ticket, StoreError> {
        if let Some(error) = &lock(&self.committed).poisoned {
            return Err(StoreError::Poisoned(error.to_string()));
        }
        let (ops, last) = {
            let mut pending = lock(&self.pending);
            pending.open_chunks.clear();
            self.committing.store(true, Ordering::Release);
            (std::mem::take(&mut pending.ops), pending.last)
        };
        let result = if ops.is_empty() {
            Ok(())
        } else {
            self.storage.commit(ops)
        };
        self.committing.store(false, Ordering::Release);
        let mut committed = lock(&self.committed);
        match result {
            Ok(()) => {
                committed.durable = committed.durable.max(last);
                let ticket = Ticket(committed.durable);
                drop(committed);
                self.wake.notify_all();
                Ok(ticket)
            }
            Err(error) => {
                tracing::warn!(%error, "store commit failed; store poisoned");
                committed.poisoned = Some(error.clone());
                drop(committed);
                self.wake.notify_all();
                Err(error)
            }
        }
    }

    /// Return once everything staged up to `ticket` is durable, committing
    /// it (and whatever else is staged) if no one else is.
    pub fn wait(&self, ticket: Ticket) -> Result<(), StoreError> {
        loop {
            {
                let committed = lock(&self.committed);
                if committed.durable >= ticket.0 {
                    return Ok(());
                }
                if let Some(error) = &committed.poisoned {
                    return Err(StoreError::Poisoned(error.to_string()));
                }
            }
            let _committing = lock(&self.commit_lock);
            if lock(&self.committed).durable >= ticket.0 {
                return Ok(());
            }
            self.flush_locked()?;
        }
    }

    /// Commit staged writes until `stop` is set: the group-commit loop for a
    /// long-running process, run on a thread the caller owns. Each commit
    /// takes everything staged while the previous one was running;
    /// `on_commit` hears of each with the ticket now durable.
    pub fn run_flusher(
        &self,
        stop: &AtomicBool,
        mut on_commit: impl FnMut(Ticket),
    ) -> Result<(), StoreError> {
        loop {
            {
                let pending = lock(&self.pending);
                if pending.ops.is_empty() {
                    if stop.load(Ordering::Acquire) {
                        return Ok(());
                    }
                    let (guard, _) = self
                        .wake
                        .wait_timeout(pending, Duration::from_millis(50))
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    drop(guard);
                    continue;
                }
            }
            on_commit(self.flush()?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn doc() -> DocId {
        DocId::from_bytes([5; 16])
    }

    #[test]
    fn staged_writes_are_invisible_until_committed() {
        let store = Store::new(Box::new(MemoryStorage::default()));
        let ticket = store.stage(
            vec![WriteOp::Put {
                table: Table::Docs,
                key: "a".into(),
                value: b"1".to_vec(),
            }],
            None,
        );
        assert_eq!(store.get(Table::Docs, "a"), Ok(None));
        assert!(!store.is_durable(ticket));
        store.wait(ticket).expect("commit");
        assert!(store.is_durable(ticket));
        assert_eq!(store.get(Table::Docs, "a"), Ok(Some(b"1".to_vec())));
    }

    #[test]
    fn changes_of_one_document_are_grouped_into_one_chunk_per_commit() {
        let storage = MemoryStorage::default();
        let store = Store::new(Box::new(storage.clone()));
        let (_, first) = store.append_changes(&doc(), "aa", b"one");
        let (_, second) = store.append_changes(&doc(), "bb", b"two");
        assert!(first.is_some());
        assert_eq!(second, None);
        store.flush().expect("flush");
        let (_, third) = store.append_changes(&doc(), "cc", b"three");
        assert!(third.is_some(), "a commit closes the open chunk");
        store.flush().expect("flush");
        let chunks = store
            .scan_prefix(Table::Chunks, &format!("{}/", doc()))
            .expect("scan");
        let values: Vec<_> = chunks.iter().map(|(_, v)| v.as_slice()).collect();
        assert_eq!(values, [b"onetwo".as_slice(), b"three".as_slice()]);
        assert_eq!(storage.commits(), 2);
    }

    #[test]
    fn concurrent_waiters_share_commits() {
        let storage = MemoryStorage::default();
        let store = Arc::new(Store::new(Box::new(storage.clone())));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let ticket = store.stage(
                            vec![WriteOp::Put {
                                table: Table::Docs,
                                key: format!("{t}-{i}"),
                                value: vec![],
                            }],
                            None,
                        );
                        store.wait(ticket).expect("durable");
                        assert!(store.is_durable(ticket));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("join");
        }
        assert_eq!(store.scan_prefix(Table::Docs, "").expect("scan").len(), 200);
        assert!(storage.commits() <= 200);
    }

    #[test]
    fn a_failed_commit_poisons_the_store_and_reports_nothing_saved() {
        let storage = MemoryStorage::default();
        storage.fail_commits_after(0);
        let store = Store::new(Box::new(storage));
        let ticket = store.stage(
            vec![WriteOp::Delete {
                table: Table::Docs,
                key: "x".into(),
            }],
            None,
        );
        assert!(store.wait(ticket).is_err());
        assert!(!store.is_durable(ticket));
        let later = store.stage(vec![], None);
        assert!(matches!(store.wait(later), Err(StoreError::Poisoned(_))));
    }

    #[test]
    fn records_are_insert_only_and_listed_by_community() {
        use crate::identity::DeviceKey;
        use crate::ledger::fixtures::{genesis, tension};

        let storage = MemoryStorage::default();
        let store = Store::new(Box::new(storage.clone()));
        let (alice, bob) = (
            DeviceKey::from_seed(&[1; 32]),
            DeviceKey::from_seed(&[2; 32]),
        );
        let first = genesis(&alice, "First");
        let second = genesis(&bob, "Second");
        let opened = tension(&alice, &first, "one");
        let ticket = store.stage_records([&first, &opened, &second, &first]);
        assert!(!store.has_record(&first.id(), &first.id()).expect("has"));
        store.wait(ticket).expect("durable");
        assert!(store.has_record(&first.id(), &first.id()).expect("has"));
        assert!(store.has_record(&first.id(), &opened.id()).expect("has"));
        assert!(!store.has_record(&second.id(), &opened.id()).expect("has"));

        let mut expected = vec![
            (first.id().to_string(), first.bytes().to_vec()),
            (opened.id().to_string(), opened.bytes().to_vec()),
        ];
        expected.sort();
        assert_eq!(store.record_bytes(&first.id()), Ok(expected.clone()));
        let mut communities = vec![first.id(), second.id()];
        communities.sort();
        assert_eq!(store.communities(), Ok(communities));

        // Another value under a record's key changes nothing.
        store
            .wait(store.stage(
                vec![WriteOp::Put {
                    table: Table::Records,
                    key: record_key(&first.id(), &opened.id()),
                    value: b"other".to_vec(),
                }],
                None,
            ))
            .expect("durable");
        assert_eq!(store.record_bytes(&first.id()), Ok(expected));
    }

    #[test]
    fn the_flusher_commits_in_the_background() {
        let store = Arc::new(Store::new(Box::new(MemoryStorage::default())));
        let stop = Arc::new(AtomicBool::new(false));
        let flusher = {
            let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
            std::thread::spawn(move || store.run_flusher(&stop, |_| {}))
        };
        let (ticket, _) = store.append_changes(&doc(), "aa", b"x");
        // A deadline, not a spin: a flusher that never commits fails the
        // test instead of hanging it.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !store.is_durable(ticket) {
            assert!(
                std::time::Instant::now() < deadline,
                "the flusher did not commit within 30 s"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Release);
        flusher.join().expect("join").expect("flusher");
    }
}
