//! The facade front ends call: a home (device key and store) and the
//! documents in it.
//!
//! # Contract
//! - **Inputs**: calls on [`Engine`]; the time and randomness it needs come
//!   from the [`Clock`] and [`Entropy`] given at open, so tests are
//!   deterministic.
//! - **Outputs**: values, and writes to the [`Store`]. Mutating calls stage
//!   their writes and return a [`Ticket`]; a change counts as saved only
//!   after [`Engine::wait`] (or [`Engine::flush`]) returned for it.
//! - **Loading** is lazy: opening a home reads nothing but the key; a
//!   document is decoded (through the guard) the first time it is used.
//! - **Compaction**: a document's incremental chunks are folded into one
//!   snapshot when there are many of them, and when the engine is closed.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use automerge::transaction::CommitOptions;
use automerge::{Automerge, ChangeHash, ReadDoc as _};
use sha2::{Digest, Sha256};

use crate::bundle::Bundle;
use crate::charter::{self, Charter, CharterDraft, CharterTx, SectionId};
use crate::diff::{self, CharterDiff};
use crate::guard::{self, Limits};
use crate::history::{self, HistoryEntry};
use crate::identity::{DeviceKey, PublicKey};
use crate::ids::{self, DocId, HeadsRef};
use crate::store::{
    DocMeta, RedbOptions, RedbStorage, Storage, Store, Table, Ticket, WriteOp, chunk_key,
};
use crate::{Error, Result};

/// Reads the current time, in milliseconds since the Unix epoch.
pub type Clock = Box<dyn Fn() -> i64 + Send + Sync>;
/// Fills a buffer with random bytes.
pub type Entropy = Box<dyn FnMut(&mut [u8]) + Send>;

/// The key file in a home.
pub const KEY_FILE: &str = "device.key";
/// The store file in a home.
pub const STORE_FILE: &str = "nous.redb";

/// Incremental chunks a document may gather before it is compacted.
const COMPACT_AFTER_CHUNKS: usize = 64;
/// Chunks that make compaction worthwhile when the engine closes.
const COMPACT_ON_CLOSE_CHUNKS: usize = 4;

/// How to open an engine.
pub struct EngineOptions {
    /// The clock that timestamps changes.
    pub clock: Clock,
    /// Randomness for document and section ids.
    pub entropy: Entropy,
    /// Caps on bundles and other input from other people.
    pub import_limits: Limits,
    /// redb settings.
    pub redb: RedbOptions,
}

impl fmt::Debug for EngineOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineOptions")
            .field("import_limits", &self.import_limits)
            .field("redb", &self.redb)
            .finish_non_exhaustive()
    }
}

impl EngineOptions {
    /// Options with the given clock and entropy and default limits.
    pub fn new(clock: Clock, entropy: Entropy) -> Self {
        EngineOptions {
            clock,
            entropy,
            import_limits: Limits::default(),
            redb: RedbOptions::default(),
        }
    }
}

/// A document in the store, as listed without loading it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocSummary {
    /// Its id.
    pub id: DocId,
    /// Its index entry.
    #[serde(flatten)]
    pub meta: DocMeta,
}

/// What importing a bundle did to one document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// The document.
    pub id: DocId,
    /// Its title, if it is a charter.
    pub title: String,
    /// What happened.
    pub outcome: ImportOutcome,
}

/// What importing did to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportOutcome {
    /// It was new here.
    Added,
    /// It existed; this many changes were new and merged.
    Merged(usize),
    /// It existed and the bundle brought nothing new.
    Unchanged,
}

/// The result of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited<T> {
    /// What the edit function returned.
    pub value: T,
    /// The new change, or `None` if the edit changed nothing.
    pub change: Option<ChangeHash>,
    /// Wait on this before reporting the edit saved.
    pub ticket: Ticket,
}

struct Loaded {
    doc: Automerge,
    /// Keys of this document's chunks, committed or staged.
    chunk_keys: Vec<String>,
    incremental_chunks: usize,
    meta: DocMeta,
    changed: bool,
}

/// A home, open: the device key, the store and the loaded documents.
pub struct Engine {
    key: DeviceKey,
    store: Store,
    docs: HashMap<DocId, Loaded>,
    options: EngineOptions,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("device", &self.key.public())
            .field("loaded", &self.docs.len())
            .finish_non_exhaustive()
    }
}

/// Create a home: the directory (private to its owner), a device key from
/// `seed`, and an empty store. Refuses a directory that already has a key.
pub fn init_home(home: &Path, seed: &[u8; 32]) -> Result<PublicKey> {
    let key_path = home.join(KEY_FILE);
    if key_path.exists() {
        return Err(Error::AlreadyInitialised(home.display().to_string()));
    }
    create_private_dir(home)?;
    let key = DeviceKey::from_seed(seed);
    key.create_file(&key_path)?;
    RedbStorage::open(&home.join(STORE_FILE), RedbOptions::default())?;
    Ok(key.public())
}

fn create_private_dir(path: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io)
}

impl Engine {
    /// Open the home at `home`.
    pub fn open(home: &Path, options: EngineOptions) -> Result<Self> {
        let key_path = home.join(KEY_FILE);
        let store_path = home.join(STORE_FILE);
        if !key_path.exists() && !store_path.exists() {
            return Err(Error::NotInitialised(home.display().to_string()));
        }
        let key = DeviceKey::read_file(&key_path)?;
        if !store_path.exists() {
            return Err(Error::NotInitialised(home.display().to_string()));
        }
        let storage = RedbStorage::open(&store_path, options.redb)?;
        Ok(Self::with_storage(key, Box::new(storage), options))
    }

    /// An engine over any storage (an in-memory one in tests).
    pub fn with_storage(key: DeviceKey, storage: Box<dyn Storage>, options: EngineOptions) -> Self {
        Engine {
            key,
            store: Store::new(storage),
            docs: HashMap::new(),
            options,
        }
    }

    /// This device's public key (its actor id on every change).
    pub fn device(&self) -> PublicKey {
        self.key.public()
    }

    /// The store, for callers that run their own group-commit thread.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every document in the store, without loading any.
    pub fn list(&self) -> Result<Vec<DocSummary>> {
        let entries = self.store.scan_prefix(Table::Docs, "")?;
        let mut docs = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let Ok(id) = key.parse::<DocId>() else {
                tracing::warn!(%key, "skipping a document index entry with a malformed id");
                continue;
            };
            let meta = serde_json::from_slice(&value).unwrap_or_else(|_| DocMeta {
                kind: "unknown".into(),
                title: "(damaged index entry)".into(),
                created_ms: 0,
                updated_ms: 0,
                changes: 0,
            });
            docs.push(DocSummary { id, meta });
        }
        Ok(docs)
    }

    /// Find a document by id, unambiguous id prefix, or title
    /// (case-insensitive).
    pub fn resolve(&self, name: &str) -> Result<DocId> {
        let name = name.trim();
        let docs = self.list()?;
        if let Ok(id) = name.parse::<DocId>() {
            return if docs.iter().any(|d| d.id == id) {
                Ok(id)
            } else {
                Err(Error::UnknownDocument(name.to_owned()))
            };
        }
        let by_prefix: Vec<&DocSummary> = docs
            .iter()
            .filter(|d| !name.is_empty() && d.id.to_string().starts_with(name))
            .collect();
        let by_title: Vec<&DocSummary> = docs
            .iter()
            .filter(|d| !name.is_empty() && d.meta.title.to_lowercase() == name.to_lowercase())
            .collect();
        for candidates in [by_prefix, by_title] {
            match candidates.as_slice() {
                [] => continue,
                [one] => return Ok(one.id),
                many => {
                    return Err(Error::AmbiguousDocument {
                        name: name.to_owned(),
                        candidates: many.iter().map(|d| d.id.to_string()).collect(),
                    });
                }
            }
        }
        Err(Error::UnknownDocument(name.to_owned()))
    }

    fn now(&self) -> i64 {
        (self.options.clock)()
    }

    fn random<const N: usize>(&mut self) -> [u8; N] {
        let mut bytes = [0u8; N];
        (self.options.entropy)(&mut bytes);
        bytes
    }

    /// Create a charter from a draft (e.g. parsed Markdown).
    pub fn create_charter(&mut self, title: &str, draft: &CharterDraft) -> Result<Edited<DocId>> {
        let id = DocId::from_bytes(self.random());
        let now = self.now();
        let mut doc = Automerge::new().with_actor(self.key.public().actor_id());
        let mut ids: Vec<SectionId> = (0..draft.sections.len() * 2 + 1)
            .map(|_| SectionId::from_random(self.random()))
            .collect();
        let mut tx = doc.transaction();
        let fresh = || ids.pop().unwrap_or_else(|| SectionId::from_random([0; 5]));
        if let Err(error) = CharterTx::create(&mut tx, title, draft, fresh) {
            tx.rollback();
            return Err(error.into());
        }
        let hash = tx
            .commit_with(
                CommitOptions::default()
                    .with_message("create charter")
                    .with_time(now),
            )
            .0;
        let meta = DocMeta {
            kind: "charter".into(),
            title: title.to_owned(),
            created_ms: now,
            updated_ms: now,
            changes: 1,
        };
        let meta_op = meta_write(&id, &meta);
        let mut loaded = Loaded {
            doc,
            chunk_keys: Vec::new(),
            incremental_chunks: 0,
            meta,
            changed: true,
        };
        self.store.stage(vec![meta_op], None);
        let ticket = stage_change(&self.store, &id, &mut loaded, hash);
        self.docs.insert(id, loaded);
        Ok(Edited {
            value: id,
            change: hash,
            ticket,
        })
    }

    fn loaded(&mut self, id: &DocId) -> Result<&mut Loaded> {
        if !self.docs.contains_key(id) {
            let loaded = self.load(id)?;
            self.docs.insert(*id, loaded);
        }
        self.docs
            .get_mut(id)
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))
    }

    fn load(&self, id: &DocId) -> Result<Loaded> {
        let meta_bytes = self
            .store
            .get(Table::Docs, &id.to_string())?
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
        let meta: DocMeta = serde_json::from_slice(&meta_bytes).map_err(|_| Error::Damaged {
            doc: *id,
            detail: "its index entry is unreadable".into(),
        })?;
        let chunks = self.store.scan_prefix(Table::Chunks, &format!("{id}/"))?;
        if chunks.is_empty() {
            return Err(Error::Damaged {
                doc: *id,
                detail: "the store holds no data for it".into(),
            });
        }
        // Snapshots first, then incremental changes.
        let snapshot_prefix = format!("{id}/snapshot/");
        let (snapshots, incrementals): (Vec<_>, Vec<_>) = chunks
            .into_iter()
            .partition(|(key, _)| key.starts_with(&snapshot_prefix));
        let incremental_chunks = incrementals.len();
        let mut bytes = Vec::new();
        let mut chunk_keys = Vec::new();
        for (key, value) in snapshots.into_iter().chain(incrementals) {
            bytes.extend_from_slice(&value);
            chunk_keys.push(key);
        }
        let doc = guard::load(&bytes, &Limits::local_store(), self.key.public().actor_id())
            .map_err(|error| Error::Damaged {
                doc: *id,
                detail: error.to_string(),
            })?;
        Ok(Loaded {
            doc,
            chunk_keys,
            incremental_chunks,
            meta,
            changed: false,
        })
    }

    /// The loaded Automerge document (read-only).
    pub fn document(&mut self, id: &DocId) -> Result<&Automerge> {
        Ok(&self.loaded(id)?.doc)
    }

    /// Resolve a user's reference to a point in a document's history.
    pub fn resolve_heads(&mut self, id: &DocId, at: &HeadsRef) -> Result<Vec<ChangeHash>> {
        let doc = &self.loaded(id)?.doc;
        let known: Vec<ChangeHash> = doc.get_changes(&[]).iter().map(|c| c.hash()).collect();
        Ok(at.resolve(known.iter())?)
    }

    /// The charter now, or at a point of its history.
    pub fn charter(&mut self, id: &DocId, at: Option<&HeadsRef>) -> Result<Charter> {
        let heads = match at {
            Some(at) => Some(self.resolve_heads(id, at)?),
            None => None,
        };
        let doc = &self.loaded(id)?.doc;
        charter::read(doc, heads.as_deref()).map_err(|error| match error {
            charter::SchemaError::NotACharter => Error::NotACharter(*id),
            other => other.into(),
        })
    }

    /// The current heads of a document.
    pub fn heads(&mut self, id: &DocId) -> Result<Vec<ChangeHash>> {
        Ok(self.loaded(id)?.doc.get_heads())
    }

    /// Edit a charter in one change. `edit` gets the charter's transaction;
    /// if it returns an error nothing is changed. The change is stamped with
    /// `message`, this device's actor id and the clock's time.
    pub fn edit<T>(
        &mut self,
        id: &DocId,
        message: &str,
        edit: impl FnOnce(&mut CharterTx<'_, '_>) -> std::result::Result<T, charter::SchemaError>,
    ) -> Result<Edited<T>> {
        let now = self.now();
        self.loaded(id)?;
        let store = &self.store;
        let loaded = self
            .docs
            .get_mut(id)
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
        let mut tx = loaded.doc.transaction();
        let value = match CharterTx::new(&mut tx).and_then(|mut charter| edit(&mut charter)) {
            Ok(value) => value,
            Err(error) => {
                tx.rollback();
                return Err(match error {
                    charter::SchemaError::NotACharter => Error::NotACharter(*id),
                    other => other.into(),
                });
            }
        };
        let hash = tx
            .commit_with(
                CommitOptions::default()
                    .with_message(message)
                    .with_time(now),
            )
            .0;
        let ticket = stage_change(store, id, loaded, hash);
        if hash.is_some() {
            loaded.meta.updated_ms = now;
            loaded.changed = true;
            if loaded.incremental_chunks >= COMPACT_AFTER_CHUNKS {
                compact(store, id, loaded);
            }
        }
        Ok(Edited {
            value,
            change: hash,
            ticket,
        })
    }

    /// Return once everything staged up to `ticket` is durable.
    pub fn wait(&self, ticket: Ticket) -> Result<()> {
        Ok(self.store.wait(ticket)?)
    }

    /// Make everything staged so far durable.
    pub fn flush(&self) -> Result<()> {
        self.store.flush()?;
        Ok(())
    }

    /// Every change of a document, oldest first.
    pub fn history(
        &mut self,
        id: &DocId,
    ) -> Result<(Vec<HistoryEntry>, HashMap<SectionId, String>)> {
        let doc = &self.loaded(id)?.doc;
        let entries = history::history(doc);
        let headings = history::section_headings(doc, &entries);
        Ok((entries, headings))
    }

    /// What changed between two points of a charter (`to` defaults to now).
    pub fn diff(
        &mut self,
        id: &DocId,
        from: &HeadsRef,
        to: Option<&HeadsRef>,
    ) -> Result<CharterDiff> {
        let before = self.charter(id, Some(from))?;
        let after = self.charter(id, to)?;
        Ok(diff::diff(&before, &after))
    }

    /// Write the given documents into a bundle.
    pub fn export_bundle(&mut self, ids: &[DocId]) -> Result<Vec<u8>> {
        let mut bundle = Bundle::default();
        for id in ids {
            let doc = &self.loaded(id)?.doc;
            bundle.documents.push((*id, doc.save()));
        }
        Ok(bundle.encode())
    }

    /// Merge a bundle into this home. All documents in it are checked
    /// through the guard first; if any is refused, nothing is imported.
    /// Importing the same bundle again changes nothing.
    pub fn import_bundle(&mut self, bytes: &[u8]) -> Result<Vec<Imported>> {
        let bundle = Bundle::decode(bytes)?;
        let now = self.now();
        let actor = self.key.public().actor_id();
        let limits = self.options.import_limits;
        let existing: Vec<DocId> = self.list()?.into_iter().map(|d| d.id).collect();

        enum Plan {
            Add(Automerge),
            Merge(Automerge, Vec<ChangeHash>),
            Unchanged,
        }
        let mut plans = Vec::with_capacity(bundle.documents.len());
        for (id, payload) in &bundle.documents {
            let refused = |source| Error::Refused { doc: *id, source };
            let plan = if existing.contains(id) {
                let base = &self.loaded(id)?.doc;
                let applied = guard::apply(base, payload, &limits).map_err(refused)?;
                if applied.new_changes.is_empty() {
                    Plan::Unchanged
                } else {
                    Plan::Merge(applied.doc, applied.new_changes)
                }
            } else {
                Plan::Add(guard::load(payload, &limits, actor.clone()).map_err(refused)?)
            };
            plans.push((*id, plan));
        }

        // Stage everything as one batch, so the import is all or nothing.
        let mut ops = Vec::new();
        let mut report = Vec::new();
        let mut updates = Vec::new();
        for (id, plan) in plans {
            let (doc, outcome, chunk) = match plan {
                Plan::Unchanged => {
                    let title = self
                        .docs
                        .get(&id)
                        .map(|l| l.meta.title.clone())
                        .unwrap_or_default();
                    report.push(Imported {
                        id,
                        title,
                        outcome: ImportOutcome::Unchanged,
                    });
                    continue;
                }
                Plan::Add(doc) => {
                    let snapshot = doc.save();
                    let key = snapshot_key(&id, &doc);
                    ops.push(WriteOp::Put {
                        table: Table::Chunks,
                        key: key.clone(),
                        value: snapshot,
                    });
                    (doc, ImportOutcome::Added, key)
                }
                Plan::Merge(doc, new) => {
                    let mut bytes = Vec::new();
                    for hash in &new {
                        if let Some(change) = doc.get_change_by_hash(hash) {
                            bytes.extend_from_slice(change.raw_bytes());
                        }
                    }
                    let first = new.first().map(ids::hash_hex).unwrap_or_default();
                    let key = chunk_key(&id, "incremental", &first);
                    ops.push(WriteOp::Put {
                        table: Table::Chunks,
                        key: key.clone(),
                        value: bytes,
                    });
                    (doc, ImportOutcome::Merged(new.len()), key)
                }
            };
            let title = charter::read(&doc, None)
                .map(|c| c.title)
                .unwrap_or_default();
            let previous = self.docs.get(&id).map(|l| l.meta.clone());
            let meta = DocMeta {
                kind: if charter::is_charter(&doc) {
                    "charter"
                } else {
                    "document"
                }
                .into(),
                title: title.clone(),
                created_ms: previous.as_ref().map_or(now, |m| m.created_ms),
                updated_ms: now,
                changes: doc.get_changes(&[]).len() as u64,
            };
            ops.push(meta_write(&id, &meta));
            report.push(Imported { id, title, outcome });
            updates.push((id, doc, meta, chunk));
        }
        if !ops.is_empty() {
            let ticket = self.store.stage(ops, None);
            self.store.wait(ticket)?;
        }
        for (id, doc, meta, chunk) in updates {
            match self.docs.get_mut(&id) {
                Some(loaded) => {
                    loaded.doc = doc;
                    loaded.doc.set_actor(actor.clone());
                    loaded.chunk_keys.push(chunk);
                    loaded.incremental_chunks += 1;
                    loaded.meta = meta;
                    loaded.changed = true;
                }
                None => {
                    self.docs.insert(
                        id,
                        Loaded {
                            doc,
                            chunk_keys: vec![chunk],
                            incremental_chunks: 0,
                            meta,
                            changed: false,
                        },
                    );
                }
            }
        }
        Ok(report)
    }

    /// Compact what needs it, update the index, and make everything durable.
    pub fn close(mut self) -> Result<()> {
        for (id, loaded) in &mut self.docs {
            if !loaded.changed {
                continue;
            }
            if loaded.incremental_chunks >= COMPACT_ON_CLOSE_CHUNKS {
                compact(&self.store, id, loaded);
            } else {
                refresh_meta(loaded);
                self.store.stage(vec![meta_write(id, &loaded.meta)], None);
            }
        }
        self.store.flush()?;
        Ok(())
    }
}

fn meta_write(id: &DocId, meta: &DocMeta) -> WriteOp {
    WriteOp::Put {
        table: Table::Docs,
        key: id.to_string(),
        value: serde_json::to_vec(meta).unwrap_or_default(),
    }
}

fn snapshot_key(id: &DocId, doc: &Automerge) -> String {
    let mut hasher = Sha256::new();
    for head in doc.get_heads() {
        hasher.update(head.as_ref());
    }
    chunk_key(id, "snapshot", &hex::encode(hasher.finalize()))
}

/// Stage a document's new local change (if any) and return the ticket.
fn stage_change(
    store: &Store,
    id: &DocId,
    loaded: &mut Loaded,
    hash: Option<ChangeHash>,
) -> Ticket {
    let change = hash.and_then(|hash| loaded.doc.get_change_by_hash(&hash));
    match (hash, change) {
        (Some(hash), Some(change)) => {
            let (ticket, opened) =
                store.append_change(id, &ids::hash_hex(&hash), change.raw_bytes());
            if let Some(key) = opened {
                loaded.chunk_keys.push(key);
                loaded.incremental_chunks += 1;
            }
            ticket
        }
        _ => store.stage(Vec::new(), None),
    }
}

fn refresh_meta(loaded: &mut Loaded) {
    if let Ok(charter) = charter::read(&loaded.doc, None) {
        loaded.meta.title = charter.title;
    }
    loaded.meta.changes = loaded.doc.get_changes_meta(&[]).len() as u64;
}

/// Replace a document's chunks by one snapshot, atomically.
fn compact(store: &Store, id: &DocId, loaded: &mut Loaded) {
    let key = snapshot_key(id, &loaded.doc);
    let mut ops = vec![WriteOp::Put {
        table: Table::Chunks,
        key: key.clone(),
        value: loaded.doc.save(),
    }];
    for old in loaded.chunk_keys.drain(..) {
        if old != key {
            ops.push(WriteOp::Delete {
                table: Table::Chunks,
                key: old,
            });
        }
    }
    refresh_meta(loaded);
    ops.push(meta_write(id, &loaded.meta));
    store.stage(ops, Some(id));
    loaded.chunk_keys.push(key);
    loaded.incremental_chunks = 0;
}

/// The home directory to use: `--home`, else `NOUS_HOME`, else the
/// platform's data directory (`$XDG_DATA_HOME/nous` on Linux).
pub fn default_home(explicit: Option<PathBuf>, data_dir: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| std::env::var_os("NOUS_HOME").map(PathBuf::from))
        .or_else(|| data_dir.map(|d| d.join("nous")))
}
