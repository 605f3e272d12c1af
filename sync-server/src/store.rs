//! The relay's document store on redb.
//!
//! Each document is kept as chunks under `<doc>/snapshot/<digest>` and
//! `<doc>/incremental/<digest>` (the layout automerge-repo storage adapters
//! use), in one table, so loading a document is a sorted prefix scan.
//!
//! Writes go through one writer thread that commits everything queued since
//! its last commit in one durable transaction (group commit): a burst of
//! keystrokes from many editors costs one fsync, and a `put` resolves only
//! once its bytes are on disk.
//!
//! A write happens after the change it keeps has been relayed, so it cannot
//! be refused back to its sender. A failed write therefore **fails loudly**: it is logged, counted, and trips [`StoreHealth`], which
//! makes `/health` answer 503 and the relay refuse every further sync
//! message, so no client goes on believing the relay keeps its changes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use redb::{Database, ReadableDatabase as _, TableDefinition};
use tokio::sync::oneshot;

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
    /// `on_write_error` is called once per failed commit (for metrics).
    /// Writes nobody waits for are made durable within `durable_within`
    /// (zero: each commit is durable).
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
        tx.open_table(CHUNKS).map_err(|e| fail(e.to_string()))?;
        tx.open_table(HEADS).map_err(|e| fail(e.to_string()))?;
        tx.open_table(BINDINGS).map_err(|e| fail(e.to_string()))?;
        tx.open_table(OWNERS).map_err(|e| fail(e.to_string()))?;
        tx.open_table(EVIDENCE).map_err(|e| fail(e.to_string()))?;
        tx.commit().map_err(|e| fail(e.to_string()))?;
        let db = Arc::new(db);
        let (writer, jobs) = mpsc::channel::<Job>();
        let thread_db = db.clone();
        let thread_health = health.clone();
        let thread_on_error = on_write_error.clone();
        std::thread::Builder::new()
            .name("relay-store".into())
            .spawn(move || {
                write_loop(
                    &thread_db,
                    &jobs,
                    &thread_health,
                    &*thread_on_error,
                    durable_within,
                );
            })
            .map_err(|e| fail(e.to_string()))?;
        Ok(RedbChunks {
            db,
            writer,
            health,
            on_write_error,
        })
    }

    /// Every key under `prefix` (joined form), in order.
    pub fn scan(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        scan(&self.db, prefix).unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay store: read failed");
            Vec::new()
        })
    }

    /// Put a chunk and wait until it is durable.
    pub async fn put_raw(&self, key: String, value: Vec<u8>) {
        self.submit(Write::Put(key, value)).await;
    }

    /// Put a document's chunk and its heads (the hashes, concatenated) in
    /// the heads index, in the same transaction, with the next group commit
    /// and without waiting for it ([`RedbChunks::flush`] waits for
    /// everything queued). `key` is `<doc>/…`.
    pub fn put_chunk_later(&self, key: String, value: Vec<u8>, heads: Vec<u8>) {
        self.queue(Write::Chunk { key, value, heads });
    }

    /// [`RedbChunks::put_chunk_later`], but told when the write is durable
    /// (its commit is then made durable): the receiver resolves then, or is
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
            let tx = self.db.begin_read()?;
            let table = tx.open_table(HEADS)?;
            let mut out = Vec::with_capacity(docs.len());
            for doc in docs {
                out.push(table.get(doc.as_str())?.map(|v| v.value().to_vec()));
            }
            Ok(out)
        };
        read().unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay store: read failed");
            vec![None; docs.len()]
        })
    }

    /// Every actor binding stored, as (actor hex, device key bytes).
    pub fn bindings(&self) -> Vec<(String, [u8; 32])> {
        self.pairs(BINDINGS)
    }

    /// Every document owner stored, as (document id, community id bytes).
    pub fn owners(&self) -> Vec<(String, [u8; 32])> {
        self.pairs(OWNERS)
    }

    fn pairs(&self, table: TableDefinition<'_, &str, &[u8]>) -> Vec<(String, [u8; 32])> {
        let read = || -> Result<Vec<(String, [u8; 32])>, redb::Error> {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(table)?;
            let mut out = Vec::new();
            for entry in table.range::<&str>(..)? {
                let (key, value) = entry?;
                if let Ok(value) = <[u8; 32]>::try_from(value.value()) {
                    out.push((key.value().to_owned(), value));
                }
            }
            Ok(out)
        };
        read().unwrap_or_else(|e| {
            tracing::error!(error = %e, "relay store: read failed");
            Vec::new()
        })
    }

    /// Store an actor binding; it is written with the next group commit
    /// (the caller does not wait).
    pub fn bind(&self, actor: String, device: [u8; 32]) {
        self.queue(Write::Binding(actor, device));
    }

    /// Keep an equivocation (with the next group commit).
    pub fn keep_evidence(&self, evidence: &crate::guard::Evidence) {
        let held = evidence.held.clone().unwrap_or_default();
        let mut value = Vec::with_capacity(36 + held.len() + evidence.second.len());
        value.extend_from_slice(evidence.sender.as_bytes());
        value.extend_from_slice(&u32::try_from(held.len()).unwrap_or(u32::MAX).to_be_bytes());
        value.extend_from_slice(&held);
        value.extend_from_slice(&evidence.second);
        let key = format!(
            "{}/{}/{}",
            evidence.doc,
            evidence.actor.to_hex_string(),
            evidence.seq
        );
        self.queue(Write::Evidence(key, value));
    }

    /// Every equivocation kept, as (`<doc>/<actor hex>/<seq>`, the stored
    /// bytes: see the `evidence` table).
    pub fn evidence(&self) -> Vec<(String, Vec<u8>)> {
        let read = || -> Result<Vec<(String, Vec<u8>)>, redb::Error> {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(EVIDENCE)?;
            let mut out = Vec::new();
            for entry in table.range::<&str>(..)? {
                let (key, value) = entry?;
                out.push((key.value().to_owned(), value.value().to_vec()));
            }
            Ok(out)
        };
        read().unwrap_or_else(|e| {
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
        // resolves once everything queued before it has been committed.
        self.submit(Write::Delete(String::from("\u{0}flush"))).await;
    }

    async fn submit(&self, write: Write) {
        let (done, wait) = oneshot::channel();
        if self.send(Job { write, done }) {
            let _ = wait.await;
        }
    }
}

impl crate::access::Backing for RedbChunks {
    fn keep_binding(&self, actor: &automerge::ActorId, device: &nous_core::PublicKey) {
        self.bind(actor.to_hex_string(), *device.as_bytes());
    }

    fn keep_owner(&self, doc: &nous_core::ids::DocId, community: &nous_core::record::CommunityId) {
        self.own(doc.to_string(), community.0);
    }

    fn held(&self, doc: &nous_core::ids::DocId) -> crate::access::Held {
        use crate::access::Held;
        let chunks = self.scan(&format!("{doc}/"));
        if chunks.is_empty() {
            return Held::Nothing;
        }
        let bytes: Vec<u8> = chunks.into_iter().flat_map(|(_, value)| value).collect();
        let mut loaded = automerge::Automerge::new();
        if nous_core::guard::apply_in_place(
            &mut loaded,
            &bytes,
            &nous_core::guard::Limits::local_store(),
        )
        .is_err()
        {
            return Held::Unreadable;
        }
        Held::Roots(
            loaded
                .get_changes_meta(&[])
                .into_iter()
                .filter(|change| change.deps.is_empty())
                .map(|change| change.actor.into_owned())
                .collect(),
        )
    }
}

fn scan(db: &Database, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, redb::Error> {
    let tx = db.begin_read()?;
    let table = tx.open_table(CHUNKS)?;
    let mut out = Vec::new();
    for entry in table.range(prefix..)? {
        let (key, value) = entry?;
        if !key.value().starts_with(prefix) {
            break;
        }
        out.push((key.value().to_owned(), value.value().to_vec()));
    }
    Ok(out)
}

/// Commit what is queued, in batches. A batch that someone waits for is
/// committed durably (with everything before it); a batch nobody waits for
/// (the chunks and heads a document task writes after relaying a change)
/// is committed at once but made durable at most `window` later, by the
/// next durable commit. So a keystroke costs no fsync of its own, and a
/// crash loses at most `window` of such writes — which the clients still
/// hold and send again on their next sync (the heads index and the chunks
/// are always committed together, so the relay never claims what it lost).
fn write_loop(
    db: &Database,
    jobs: &mpsc::Receiver<Job>,
    health: &StoreHealth,
    on_error: &(dyn Fn() + Send + Sync),
    window: Duration,
) {
    let mut not_durable_since: Option<Instant> = None;
    loop {
        let first = match not_durable_since {
            None => jobs.recv().ok(),
            Some(since) => match jobs.recv_timeout(window.saturating_sub(since.elapsed())) {
                Ok(job) => Some(job),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    make_durable(db, health, on_error);
                    return;
                }
            },
        };
        let Some(first) = first else {
            if not_durable_since.is_some() {
                make_durable(db, health, on_error);
                not_durable_since = None;
                continue;
            }
            return;
        };
        let mut batch = vec![first];
        while let Ok(more) = jobs.try_recv() {
            batch.push(more);
        }
        let since = *not_durable_since.get_or_insert_with(Instant::now);
        let durable = window.is_zero()
            || since.elapsed() >= window
            || batch.iter().any(|job| !job.done.is_closed());
        if health.is_ok()
            && let Err(e) = commit(db, &batch, durable)
        {
            tracing::error!(error = %e, writes = batch.len(), "relay store: write failed; refusing further sync until restarted");
            health.trip();
            on_error();
        }
        if durable {
            not_durable_since = None;
        }
        for job in batch {
            let _ = job.done.send(());
        }
    }
}

/// An empty durable commit: everything committed before it becomes durable.
fn make_durable(db: &Database, health: &StoreHealth, on_error: &(dyn Fn() + Send + Sync)) {
    if health.is_ok()
        && let Err(e) = commit(db, &[], true)
    {
        tracing::error!(error = %e, "relay store: write failed; refusing further sync until restarted");
        health.trip();
        on_error();
    }
}

fn commit(db: &Database, batch: &[Job], durable: bool) -> Result<(), redb::Error> {
    let mut tx = db.begin_write()?;
    if !durable {
        tx.set_durability(redb::Durability::None)?;
    }
    {
        let mut table = tx.open_table(CHUNKS)?;
        let mut heads = tx.open_table(HEADS)?;
        for job in batch {
            match &job.write {
                Write::Put(key, value) => {
                    table.insert(key.as_str(), value.as_slice())?;
                }
                Write::Chunk {
                    key,
                    value,
                    heads: doc_heads,
                } => {
                    table.insert(key.as_str(), value.as_slice())?;
                    let doc = key.split('/').next().unwrap_or_default();
                    heads.insert(doc, doc_heads.as_slice())?;
                }
                Write::Delete(key) => {
                    table.remove(key.as_str())?;
                }
                Write::Heads(doc, value) => {
                    heads.insert(doc.as_str(), value.as_slice())?;
                }
                Write::Binding(actor, device) => {
                    tx.open_table(BINDINGS)?
                        .insert(actor.as_str(), device.as_slice())?;
                }
                Write::Evidence(key, value) => {
                    tx.open_table(EVIDENCE)?
                        .insert(key.as_str(), value.as_slice())?;
                }
                Write::Owner(doc, community) => {
                    tx.open_table(OWNERS)?
                        .insert(doc.as_str(), community.as_slice())?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(())
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
}
