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
    Delete(String),
    Heads(String, Vec<u8>),
    Binding(String, [u8; 32]),
}

struct Job {
    write: Write,
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
    pub fn open(
        path: &Path,
        health: StoreHealth,
        on_write_error: Arc<dyn Fn() + Send + Sync>,
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
        tx.commit().map_err(|e| fail(e.to_string()))?;
        let db = Arc::new(db);
        let (writer, jobs) = mpsc::channel::<Job>();
        let thread_db = db.clone();
        let thread_health = health.clone();
        let thread_on_error = on_write_error.clone();
        std::thread::Builder::new()
            .name("relay-store".into())
            .spawn(move || write_loop(&thread_db, &jobs, &thread_health, &*thread_on_error))
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

    /// Put a chunk with the next group commit, without waiting for it
    /// ([`RedbChunks::flush`] waits for everything queued).
    pub fn put_later(&self, key: String, value: Vec<u8>) {
        self.queue(Write::Put(key, value));
    }

    /// Delete a chunk with the next group commit, without waiting for it.
    pub fn delete_later(&self, key: String) {
        self.queue(Write::Delete(key));
    }

    fn queue(&self, write: Write) {
        if !self.health.is_ok() {
            return;
        }
        let (done, _) = oneshot::channel();
        if self.writer.send(Job { write, done }).is_err() {
            tracing::error!("relay store: the writer thread is gone; write dropped");
            self.health.trip();
            (self.on_write_error)();
        }
    }

    /// Record the heads of a document (the hashes, concatenated).
    pub async fn put_heads(&self, doc: String, heads: Vec<u8>) {
        self.submit(Write::Heads(doc, heads)).await;
    }

    /// Record the heads of a document with the next group commit, without
    /// waiting for it.
    pub fn put_heads_later(&self, doc: String, heads: Vec<u8>) {
        self.queue(Write::Heads(doc, heads));
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
        let read = || -> Result<Vec<(String, [u8; 32])>, redb::Error> {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(BINDINGS)?;
            let mut out = Vec::new();
            for entry in table.range::<&str>(..)? {
                let (actor, device) = entry?;
                if let Ok(device) = <[u8; 32]>::try_from(device.value()) {
                    out.push((actor.value().to_owned(), device));
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

    /// Wait until every write queued so far is durable.
    pub async fn flush(&self) {
        // A delete of a key that cannot exist is a write like any other: it
        // resolves once everything queued before it has been committed.
        self.submit(Write::Delete(String::from("\u{0}flush"))).await;
    }

    async fn submit(&self, write: Write) {
        if !self.health.is_ok() {
            return;
        }
        let (done, wait) = oneshot::channel();
        if self.writer.send(Job { write, done }).is_err() {
            tracing::error!("relay store: the writer thread is gone; write dropped");
            self.health.trip();
            (self.on_write_error)();
            return;
        }
        let _ = wait.await;
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

fn write_loop(
    db: &Database,
    jobs: &mpsc::Receiver<Job>,
    health: &StoreHealth,
    on_error: &(dyn Fn() + Send + Sync),
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while let Ok(more) = jobs.try_recv() {
            batch.push(more);
        }
        if health.is_ok()
            && let Err(e) = commit(db, &batch)
        {
            tracing::error!(error = %e, writes = batch.len(), "relay store: write failed; refusing further sync until restarted");
            health.trip();
            on_error();
        }
        for job in batch {
            let _ = job.done.send(());
        }
    }
}

fn commit(db: &Database, batch: &[Job]) -> Result<(), redb::Error> {
    let tx = db.begin_write()?;
    {
        let mut table = tx.open_table(CHUNKS)?;
        let mut heads = tx.open_table(HEADS)?;
        for job in batch {
            match &job.write {
                Write::Put(key, value) => {
                    table.insert(key.as_str(), value.as_slice())?;
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
            }
        }
    }
    tx.commit()?;
    Ok(())
}
