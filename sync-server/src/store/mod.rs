//! The relay's document store on redb.
//!
//! Each document is kept as chunks under `<doc>/snapshot/<digest>` and
//! `<doc>/incremental/<digest>` (the layout automerge-repo storage adapters
//! use), in one table, so loading a document is a sorted prefix scan.
//!
//! Writes go through one writer thread. Everything queued since its last
//! pass is appended to a write-ahead log ([`wal`]) as one record and, when
//! someone waits for it, made durable by one `fdatasync` of the log (group
//! commit: a burst of keystrokes from many editors costs one). Until the
//! next checkpoint the writes are kept in memory too (an overlay the reads
//! consult before redb); a checkpoint commits them into redb in one
//! durable transaction, when the log has grown past a few MiB, when the
//! writer has been idle for a moment, and at shutdown. Opening the store
//! replays the log. So an edit costs a small append and, for the writer's
//! own change, one `fdatasync`, never a redb commit of its own.
//!
//! A write happens after the change it keeps has been relayed, so it cannot
//! be refused back to its sender. A failed write therefore **fails loudly**: it is logged, counted, and trips [`StoreHealth`], which
//! makes `/health` answer 503 and the relay refuse every further sync
//! message, so no client goes on believing the relay keeps its changes.

mod wal;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use nous_net::access::{Backing, Held};
use nous_net::chunks::ChunkStore;
use nous_net::guard::Evidence;
use redb::{Database, ReadableDatabase as _, ReadableTable as _, TableDefinition};
use tokio::sync::oneshot;

use wal::{Op, Table, Wal};

/// Document chunks (the name is from when samod wrote them; kept so older
/// relay stores open as they are).
const CHUNKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("samod-chunks");
/// The heads of every document the guard has admitted changes to: what
/// `POST /status` answers without loading a document.
const HEADS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("heads");
/// Stock clients' actor ids (hex) → the device (32 bytes) they are bound
/// to (see `access::Registry::may_author`).
const BINDINGS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("actor-bindings");
/// Document id → the community (32 bytes) that owns it on this relay (see
/// `access::Registry`).
const OWNERS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("owners");
/// Equivocations: `<doc>/<actor hex>/<seq>` → the sender's device key (32
/// bytes), the length of the held change (4 bytes, big-endian), the held
/// change, then the second change (see `guard::Evidence`).
const EVIDENCE: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("evidence");
/// The store's own bookkeeping: `wal-epoch` → the epoch (u64, big-endian)
/// of the write-ahead log records not yet in the database (see [`wal`]).
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");
const WAL_EPOCH: &str = "wal-epoch";

/// A checkpoint once the log holds this many bytes.
const CHECKPOINT_BYTES: u64 = 4 << 20;
/// A checkpoint once the writer has had nothing to do for this long.
const CHECKPOINT_IDLE: Duration = Duration::from_secs(1);

fn definition(table: Table) -> TableDefinition<'static, &'static str, &'static [u8]> {
    match table {
        Table::Chunks => CHUNKS,
        Table::Heads => HEADS,
        Table::Bindings => BINDINGS,
        Table::Owners => OWNERS,
        Table::Evidence => EVIDENCE,
    }
}

/// Whether the document store is still writable.
#[derive(Debug, Clone, Default)]
pub struct StoreHealth(Arc<AtomicBool>);

impl StoreHealth {
    /// False once a write has failed.
    pub fn is_ok(&self) -> bool {
        !self.0.load(Ordering::Relaxed)
    }

    fn trip(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Why the document store could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("document store {path}: {detail}")]
pub struct OpenError {
    path: String,
    detail: String,
}

enum Write {
    Put(String, Vec<u8>),
    Chunk {
        key: String,
        value: Vec<u8>,
        heads: Vec<u8>,
    },
    Delete(String),
    Heads(String, Vec<u8>),
    Binding(String, [u8; 32]),
    Owner(String, [u8; 32]),
    Evidence(String, Vec<u8>),
}

impl Write {
    /// The log's writes for this one.
    fn ops(self, out: &mut Vec<Op>) {
        let put = |table, key, value| Op {
            table,
            key,
            value: Some(value),
        };
        match self {
            Write::Put(key, value) => out.push(put(Table::Chunks, key, value)),
            Write::Chunk { key, value, heads } => {
                let doc = key.split('/').next().unwrap_or_default().to_owned();
                out.push(put(Table::Chunks, key, value));
                out.push(put(Table::Heads, doc, heads));
            }
            Write::Delete(key) => out.push(Op {
                table: Table::Chunks,
                key,
                value: None,
            }),
            Write::Heads(doc, value) => out.push(put(Table::Heads, doc, value)),
            Write::Binding(actor, device) => out.push(put(Table::Bindings, actor, device.to_vec())),
            Write::Owner(doc, community) => {
                out.push(put(Table::Owners, doc, community.to_vec()));
            }
            Write::Evidence(key, value) => out.push(put(Table::Evidence, key, value)),
        }
    }
}

/// The writes logged since the last checkpoint, by table: what the reads
/// see before redb (`None`: deleted).
#[derive(Default)]
struct Overlay {
    tables: [BTreeMap<String, Option<Vec<u8>>>; Table::ALL.len()],
}

impl Overlay {
    fn apply(&mut self, ops: Vec<Op>) {
        for op in ops {
            self.tables[op.table as usize].insert(op.key, op.value);
        }
    }

    fn clear(&mut self) {
        for table in &mut self.tables {
            table.clear();
        }
    }
}

struct Job {
    write: Write,
    /// Told once the write is durable; a write nobody waits for has its
    /// receiver dropped and may stay non-durable for the durability window.
    done: oneshot::Sender<()>,
}

/// The redb-backed document store. Cheap to clone.
#[derive(Clone)]
pub struct RedbChunks {
    db: Arc<Database>,
    overlay: Arc<RwLock<Overlay>>,
    writer: mpsc::Sender<Job>,
    health: StoreHealth,
    on_write_error: Arc<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for RedbChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbChunks")
            .field("healthy", &self.health.is_ok())
            .finish_non_exhaustive()
    }
}

impl RedbChunks {
    /// Open (or create) the store at `path` and start its writer thread.
    /// `on_write_error` is called once per failed write (for metrics).
    /// Writes nobody waits for are made durable within `durable_within`
    /// (zero: each batch is made durable at once).
    pub fn open(
        path: &Path,
        health: StoreHealth,
        on_write_error: Arc<dyn Fn() + Send + Sync>,
        durable_within: Duration,
    ) -> Result<Self, OpenError> {
        let fail = |detail: String| OpenError {
            path: path.display().to_string(),
            detail,
        };
        let db = Database::create(path).map_err(|e| fail(e.to_string()))?;
        let tx = db.begin_write().map_err(|e| fail(e.to_string()))?;
        for table in Table::ALL {
            tx.open_table(definition(table))
                .map_err(|e| fail(e.to_string()))?;
        }
        let epoch = tx
            .open_table(META)
            .and_then(|meta| Ok(meta.get(WAL_EPOCH)?.map(|v| v.value().to_vec())))
            .map_err(|e| fail(e.to_string()))?
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_be_bytes);
        // What the log holds beyond the database goes in before anything
        // else, with the next epoch, in one durable commit.
        let (mut wal, replay) = Wal::open(
            &path.with_extension("wal"),
            epoch,
            CHECKPOINT_BYTES + (1 << 20),
        )
        .map_err(|e| fail(e.to_string()))?;
        let replayed = !replay.is_empty();
        if replayed {
            write_ops(&tx, replay).map_err(|e| fail(e.to_string()))?;
            tx.open_table(META)
                .and_then(|mut meta| {
                    meta.insert(WAL_EPOCH, (epoch + 1).to_be_bytes().as_slice())?;
                    Ok(())
                })
                .map_err(|e| fail(e.to_string()))?;
        }
        tx.commit().map_err(|e| fail(e.to_string()))?;
        if replayed {
            wal.restart(epoch + 1).map_err(|e| fail(e.to_string()))?;
        }
        let db = Arc::new(db);
        let overlay = Arc::new(RwLock::new(Overlay::default()));
        let (writer, jobs) = mpsc::channel::<Job>();
        let mut thread_writer = Writer {
            db: db.clone(),
            overlay: overlay.clone(),
            wal,
            health: health.clone(),
            on_error: on_write_error.clone(),
        };
        std::thread::Builder::new()
            .name("relay-store".into())
            .spawn(move || thread_writer.run(&jobs, durable_within))
            .map_err(|e| fail(e.to_string()))?;
        Ok(RedbChunks {
            db,
            overlay,
            writer,
            health,
            on_write_error,
        })
    }

    /// Every key under `prefix` (joined form), in order.
    pub fn scan(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        self.read_prefix(Table::Chunks, prefix).unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay store: read failed");
            Vec::new()
        })
    }

    /// Put a chunk and wait until it is durable.
    pub async fn put_raw(&self, key: String, value: Vec<u8>) {
        self.submit(Write::Put(key, value)).await;
    }

    /// Put a document's chunk and its heads (the hashes, concatenated) in
    /// the heads index, in the same log record, with the next group commit
    /// and without waiting for it ([`RedbChunks::flush`] waits for
    /// everything queued). `key` is `<doc>/…`.
    pub fn put_chunk_later(&self, key: String, value: Vec<u8>, heads: Vec<u8>) {
        self.queue(Write::Chunk { key, value, heads });
    }

    /// [`RedbChunks::put_chunk_later`], but told when the write is durable
    /// (the log is then synced): the receiver resolves then, or is
    /// dropped if the write failed.
    pub fn put_chunk_durable(
        &self,
        key: String,
        value: Vec<u8>,
        heads: Vec<u8>,
    ) -> oneshot::Receiver<()> {
        let (done, durable) = oneshot::channel();
        self.send(Job {
            write: Write::Chunk { key, value, heads },
            done,
        });
        durable
    }

    /// Delete a chunk with the next group commit, without waiting for it.
    pub fn delete_later(&self, key: String) {
        self.queue(Write::Delete(key));
    }

    /// Hand a write to the writer; nobody waits for it (its `done` is
    /// closed at once, which lets the writer leave it non-durable).
    fn queue(&self, write: Write) {
        let (done, _) = oneshot::channel();
        self.send(Job { write, done });
    }

    /// Hand a job to the writer thread; false if the store failed or the
    /// writer is gone (then the store is marked failed).
    fn send(&self, job: Job) -> bool {
        if !self.health.is_ok() {
            return false;
        }
        if self.writer.send(job).is_err() {
            tracing::error!("relay store: the writer thread is gone; write dropped");
            self.health.trip();
            (self.on_write_error)();
            return false;
        }
        true
    }

    /// Record the heads of a document (the hashes, concatenated).
    pub async fn put_heads(&self, doc: String, heads: Vec<u8>) {
        self.submit(Write::Heads(doc, heads)).await;
    }

    /// The recorded heads of each of `docs` (None when unknown).
    pub fn heads(&self, docs: &[String]) -> Vec<Option<Vec<u8>>> {
        let read = || -> Result<Vec<Option<Vec<u8>>>, redb::Error> {
            let overlay = self.overlay.read().unwrap_or_else(PoisonError::into_inner);
            let tx = self.db.begin_read()?;
            let table = tx.open_table(HEADS)?;
            let logged = &overlay.tables[Table::Heads as usize];
            let mut out = Vec::with_capacity(docs.len());
            for doc in docs {
                out.push(match logged.get(doc) {
                    Some(value) => value.clone(),
                    None => table.get(doc.as_str())?.map(|v| v.value().to_vec()),
                });
            }
            Ok(out)
        };
        read().unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay store: read failed");
            vec![None; docs.len()]
        })
    }

    /// Every (key, value) of `table` whose key starts with `prefix`, in key
    /// order: what redb holds, with the writes logged since the last
    /// checkpoint over it. The overlay is held while redb is read, so a
    /// checkpoint cannot clear it in between.
    fn read_prefix(
        &self,
        table: Table,
        prefix: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, redb::Error> {
        let overlay = self.overlay.read().unwrap_or_else(PoisonError::into_inner);
        let tx = self.db.begin_read()?;
        let stored = tx.open_table(definition(table))?;
        let mut out = BTreeMap::new();
        for entry in stored.range(prefix..)? {
            let (key, value) = entry?;
            if !key.value().starts_with(prefix) {
                break;
            }
            out.insert(key.value().to_owned(), value.value().to_vec());
        }
        let logged = overlay.tables[table as usize]
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix));
        for (key, value) in logged {
            match value {
                Some(value) => out.insert(key.clone(), value.clone()),
                None => out.remove(key),
            };
        }
        Ok(out.into_iter().collect())
    }

    /// Every actor binding stored, as (actor hex, device key bytes).
    pub fn bindings(&self) -> Vec<(String, [u8; 32])> {
        self.pairs(Table::Bindings)
    }

    /// Every document owner stored, as (document id, community id bytes).
    pub fn owners(&self) -> Vec<(String, [u8; 32])> {
        self.pairs(Table::Owners)
    }

    fn pairs(&self, table: Table) -> Vec<(String, [u8; 32])> {
        self.read_prefix(table, "")
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "relay store: read failed");
                Vec::new()
            })
            .into_iter()
            .filter_map(|(key, value)| Some((key, <[u8; 32]>::try_from(value).ok()?)))
            .collect()
    }

    /// Store an actor binding; it is written with the next group commit
    /// (the caller does not wait).
    pub fn bind(&self, actor: String, device: [u8; 32]) {
        self.queue(Write::Binding(actor, device));
    }

    /// Keep an equivocation (with the next group commit).
    pub fn keep_evidence(&self, evidence: &Evidence) {
        self.queue(Write::Evidence(evidence.key(), evidence.to_bytes()));
    }

    /// Every equivocation kept, as (`<doc>/<actor hex>/<seq>`, the stored
    /// bytes: see the `evidence` table).
    pub fn evidence(&self) -> Vec<(String, Vec<u8>)> {
        self.read_prefix(Table::Evidence, "").unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay store: read failed");
            Vec::new()
        })
    }

    /// Store a document's owner, with the next group commit.
    pub fn own(&self, doc: String, community: [u8; 32]) {
        self.queue(Write::Owner(doc, community));
    }

    /// Wait until every write queued so far is durable.
    pub async fn flush(&self) {
        // A delete of a key that cannot exist is a write like any other: it
        // resolves once everything queued before it is durable.
        self.submit(Write::Delete(String::from("\u{0}flush"))).await;
    }

    async fn submit(&self, write: Write) {
        let (done, wait) = oneshot::channel();
        if self.send(Job { write, done }) {
            let _ = wait.await;
        }
    }
}

impl Backing for RedbChunks {
    fn keep_binding(&self, actor: &automerge::ActorId, device: &nous_core::PublicKey) {
        self.bind(actor.to_hex_string(), *device.as_bytes());
    }

    fn keep_owner(&self, doc: &nous_core::ids::DocId, community: &nous_core::record::CommunityId) {
        self.own(doc.to_string(), community.0);
    }

    fn held(&self, doc: &nous_core::ids::DocId) -> Held {
        nous_net::access::held(self.scan(&format!("{doc}/")))
    }

    fn ledger_records(
        &self,
        ledger: &nous_core::ids::DocId,
    ) -> Option<Vec<nous_core::record::RecordId>> {
        nous_net::access::ledger_records(self.scan(&format!("{ledger}/")))
    }
}

impl ChunkStore for RedbChunks {
    fn healthy(&self) -> bool {
        self.health.is_ok()
    }

    fn scan(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        RedbChunks::scan(self, prefix)
    }

    fn put(&self, key: String, value: Vec<u8>) -> BoxFuture<'_, ()> {
        Box::pin(self.put_raw(key, value))
    }

    fn put_chunk_later(&self, key: String, value: Vec<u8>, heads: Vec<u8>) {
        RedbChunks::put_chunk_later(self, key, value, heads);
    }

    fn put_chunk_durable(
        &self,
        key: String,
        value: Vec<u8>,
        heads: Vec<u8>,
    ) -> oneshot::Receiver<()> {
        RedbChunks::put_chunk_durable(self, key, value, heads)
    }

    fn delete_later(&self, key: String) {
        RedbChunks::delete_later(self, key);
    }

    fn put_heads(&self, doc: String, heads: Vec<u8>) -> BoxFuture<'_, ()> {
        Box::pin(RedbChunks::put_heads(self, doc, heads))
    }

    fn heads(&self, docs: &[String]) -> Vec<Option<Vec<u8>>> {
        RedbChunks::heads(self, docs)
    }

    fn keep_evidence(&self, evidence: &Evidence) {
        RedbChunks::keep_evidence(self, evidence);
    }

    fn flush(&self) -> BoxFuture<'_, ()> {
        Box::pin(RedbChunks::flush(self))
    }
}

/// Why a write failed.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("write-ahead log: {0}")]
    Log(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] redb::Error),
}

/// Put every one of `ops` into the tables, in order.
fn write_ops(tx: &redb::WriteTransaction, ops: Vec<Op>) -> Result<(), redb::Error> {
    for op in ops {
        let mut table = tx.open_table(definition(op.table))?;
        match op.value {
            Some(value) => {
                table.insert(op.key.as_str(), value.as_slice())?;
            }
            None => {
                table.remove(op.key.as_str())?;
            }
        }
    }
    Ok(())
}

/// The writer thread's state: the log, and the overlay it shares with the
/// reads.
struct Writer {
    db: Arc<Database>,
    overlay: Arc<RwLock<Overlay>>,
    wal: Wal,
    health: StoreHealth,
    on_error: Arc<dyn Fn() + Send + Sync>,
}

impl Writer {
    /// Log what is queued, in batches. A batch that someone waits for is
    /// made durable (with everything logged before it) by one `fdatasync`
    /// of the log; a batch nobody waits for (the chunks and heads a
    /// document task writes after relaying a change) is logged at once and
    /// made durable at most `window` later. So a keystroke costs no fsync
    /// of its own, and a crash loses at most `window` of such writes —
    /// which the clients still hold and send again on their next sync (the
    /// heads index and the chunks are always logged together, so the relay
    /// never claims what it lost). Checkpoints into redb: see the module
    /// documentation.
    fn run(&mut self, jobs: &mpsc::Receiver<Job>, window: Duration) {
        let mut unsynced_since: Option<Instant> = None;
        let mut last_write = Instant::now();
        loop {
            let checkpoint_at = (self.wal.len() > 0).then(|| last_write + CHECKPOINT_IDLE);
            let sync_at = unsynced_since.map(|since| since + window);
            let next = match sync_at.into_iter().chain(checkpoint_at).min() {
                None => jobs
                    .recv()
                    .map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                Some(at) => jobs.recv_timeout(at.saturating_duration_since(Instant::now())),
            };
            let first = match next {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if unsynced_since.is_some_and(|since| since.elapsed() >= window) {
                        self.guarded(|w| Ok(w.wal.sync()?));
                        unsynced_since = None;
                    }
                    if self.wal.len() > 0 && last_write.elapsed() >= CHECKPOINT_IDLE {
                        self.guarded(Writer::checkpoint);
                        unsynced_since = None;
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Shutting down: everything into the database.
                    self.guarded(Writer::checkpoint);
                    return;
                }
            };
            let mut batch = vec![first];
            while let Ok(more) = jobs.try_recv() {
                batch.push(more);
            }
            last_write = Instant::now();
            let sync = window.is_zero()
                || unsynced_since.is_some_and(|since| since.elapsed() >= window)
                || batch.iter().any(|job| !job.done.is_closed());
            let mut ops = Vec::with_capacity(batch.len() * 2);
            let mut done = Vec::with_capacity(batch.len());
            for job in batch {
                job.write.ops(&mut ops);
                done.push(job.done);
            }
            if !self.guarded(|w| w.log(ops, sync)) {
                // Nobody is told their write is durable: it is not.
                continue;
            }
            if sync {
                unsynced_since = None;
            } else {
                unsynced_since.get_or_insert(last_write);
            }
            for done in done {
                let _ = done.send(());
            }
            if self.wal.len() >= CHECKPOINT_BYTES && self.guarded(Writer::checkpoint) {
                unsynced_since = None;
            }
        }
    }

    /// Run `step` unless the store already failed; a failure is logged,
    /// counted and trips the store's health. True if it went through.
    fn guarded(&mut self, step: impl FnOnce(&mut Self) -> Result<(), WriteError>) -> bool {
        if !self.health.is_ok() {
            return false;
        }
        match step(self) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "relay store: write failed; refusing further sync until restarted");
                self.health.trip();
                (self.on_error)();
                false
            }
        }
    }

    /// Append `ops` to the log (durably if `sync`), then show them to the
    /// reads.
    fn log(&mut self, ops: Vec<Op>, sync: bool) -> Result<(), WriteError> {
        self.wal.append(&ops)?;
        if sync {
            self.wal.sync()?;
        }
        self.overlay
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .apply(ops);
        Ok(())
    }

    /// Everything logged into redb in one durable commit that names the
    /// next epoch; then the log starts again from its beginning.
    fn checkpoint(&mut self) -> Result<(), WriteError> {
        let next = self.wal.epoch() + 1;
        {
            let overlay = self.overlay.read().unwrap_or_else(PoisonError::into_inner);
            let commit = || -> Result<(), redb::Error> {
                let tx = self.db.begin_write()?;
                for table in Table::ALL {
                    let mut stored = tx.open_table(definition(table))?;
                    for (key, value) in &overlay.tables[table as usize] {
                        match value {
                            Some(value) => {
                                stored.insert(key.as_str(), value.as_slice())?;
                            }
                            None => {
                                stored.remove(key.as_str())?;
                            }
                        }
                    }
                }
                tx.open_table(META)?
                    .insert(WAL_EPOCH, next.to_be_bytes().as_slice())?;
                tx.commit()?;
                Ok(())
            };
            commit()?;
        }
        self.overlay
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.wal.restart(next)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path, window_ms: u64) -> RedbChunks {
        RedbChunks::open(
            &dir.join("sync.redb"),
            StoreHealth::default(),
            Arc::new(|| {}),
            Duration::from_millis(window_ms),
        )
        .expect("opens")
    }

    #[tokio::test]
    async fn owners_and_evidence_survive_a_reopen_in_their_documented_layout() {
        use crate::access::Backing as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let chunks = open(dir.path(), 60_000);
        let doc = nous_core::ids::DocId::from_bytes([5; 16]);
        let community = nous_core::record::RecordId([6; 32]);
        chunks.keep_owner(&doc, &community);
        let actor = automerge::ActorId::from(&[7u8; 48][..]);
        chunks.keep_evidence(&crate::guard::Evidence {
            doc,
            sender: nous_core::PublicKey::from_bytes([8; 32]),
            actor: actor.clone(),
            seq: 3,
            held: Some(b"held".to_vec()),
            second: b"second".to_vec(),
        });
        chunks.flush().await;
        drop(chunks);
        let reopened = loop {
            match RedbChunks::open(
                &dir.path().join("sync.redb"),
                StoreHealth::default(),
                Arc::new(|| {}),
                Duration::ZERO,
            ) {
                Ok(store) => break store,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        };
        assert_eq!(reopened.owners(), vec![(doc.to_string(), [6; 32])]);
        let mut value = vec![8; 32];
        value.extend_from_slice(&4u32.to_be_bytes());
        value.extend_from_slice(b"heldsecond");
        assert_eq!(
            reopened.evidence(),
            vec![(format!("{doc}/{}/3", actor.to_hex_string()), value)]
        );
        // What the relay holds of a document: nothing, then its first
        // changes' actors once a chunk is there.
        assert_eq!(reopened.held(&doc), crate::access::Held::Nothing);
        let mut written = automerge::Automerge::new().with_actor(actor.clone());
        let mut tx = written.transaction();
        automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "k", 1).expect("put");
        tx.commit();
        reopened.put_chunk_later(format!("{doc}/snapshot/x"), written.save(), vec![1; 32]);
        reopened.flush().await;
        assert_eq!(reopened.held(&doc), crate::access::Held::Roots(vec![actor]));
        reopened.put_chunk_later(
            format!("{doc}/snapshot/y"),
            b"not automerge".to_vec(),
            vec![2; 32],
        );
        reopened.flush().await;
        assert_eq!(reopened.held(&doc), crate::access::Held::Unreadable);
    }

    #[tokio::test]
    async fn a_chunk_and_its_heads_are_written_together_and_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let chunks = open(dir.path(), 60_000);
        chunks.put_chunk_later("doc/incremental/a".into(), b"one".to_vec(), vec![1; 32]);
        chunks.put_chunk_later("doc/incremental/b".into(), b"two".to_vec(), vec![2; 32]);
        chunks.delete_later("doc/incremental/a".into());
        // Waiting for a write makes everything queued before it durable,
        // however long the window.
        chunks.flush().await;
        assert_eq!(chunks.heads(&["doc".into()]), vec![Some(vec![2; 32])]);
        drop(chunks);
        // The writer thread holds the database until its queue is closed.
        let reopened = loop {
            match RedbChunks::open(
                &dir.path().join("sync.redb"),
                StoreHealth::default(),
                Arc::new(|| {}),
                Duration::ZERO,
            ) {
                Ok(store) => break store,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        };
        assert_eq!(
            reopened.scan("doc/"),
            vec![("doc/incremental/b".to_owned(), b"two".to_vec())]
        );
        assert_eq!(reopened.heads(&["doc".into()]), vec![Some(vec![2; 32])]);
    }

    /// What a crash leaves: the files as they are on disk while the store
    /// runs, before any checkpoint. Opening a copy of them replays the log.
    #[tokio::test]
    async fn a_crash_before_the_checkpoint_loses_nothing_waited_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A first life ends with a checkpoint (epoch 1 in the database).
        let chunks = open(dir.path(), 60_000);
        chunks.put_chunk_later("doc/snapshot/old".into(), b"old".to_vec(), vec![1; 32]);
        chunks.flush().await;
        drop(chunks);
        let chunks = loop {
            match RedbChunks::open(
                &dir.path().join("sync.redb"),
                StoreHealth::default(),
                Arc::new(|| {}),
                Duration::from_secs(60),
            ) {
                Ok(store) => break store,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        };
        // The second life only logs: a put, a delete of a checkpointed key,
        // an owner, and a chunk that replaces heads.
        chunks.put_chunk_later("doc/incremental/a".into(), b"one".to_vec(), vec![2; 32]);
        chunks.delete_later("doc/snapshot/old".into());
        chunks.own("doc".into(), [9; 32]);
        let durable =
            chunks.put_chunk_durable("doc/incremental/b".into(), b"two".to_vec(), vec![3; 32]);
        durable.await.expect("durable");
        // The reads see the log before the database has it.
        assert_eq!(
            chunks.scan("doc/"),
            vec![
                ("doc/incremental/a".to_owned(), b"one".to_vec()),
                ("doc/incremental/b".to_owned(), b"two".to_vec()),
            ]
        );
        let crashed = tempfile::tempdir().expect("tempdir");
        for file in ["sync.redb", "sync.wal"] {
            std::fs::copy(dir.path().join(file), crashed.path().join(file)).expect("copy");
        }
        let reopened = open(crashed.path(), 60_000);
        assert_eq!(
            reopened.scan("doc/"),
            vec![
                ("doc/incremental/a".to_owned(), b"one".to_vec()),
                ("doc/incremental/b".to_owned(), b"two".to_vec()),
            ]
        );
        assert_eq!(reopened.heads(&["doc".into()]), vec![Some(vec![3; 32])]);
        assert_eq!(reopened.owners(), vec![("doc".to_owned(), [9; 32])]);
        // Replayed once: a write after the reopen is not undone by the old
        // records at the next reopen.
        reopened.put_chunk_later("doc/incremental/a".into(), b"uno".to_vec(), vec![4; 32]);
        reopened.flush().await;
        let again = tempfile::tempdir().expect("tempdir");
        for file in ["sync.redb", "sync.wal"] {
            std::fs::copy(crashed.path().join(file), again.path().join(file)).expect("copy");
        }
        let third = open(again.path(), 60_000);
        assert_eq!(
            third.scan("doc/incremental/a"),
            vec![("doc/incremental/a".to_owned(), b"uno".to_vec())]
        );
        assert_eq!(third.heads(&["doc".into()]), vec![Some(vec![4; 32])]);
    }
}
