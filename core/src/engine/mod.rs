//! The facade front ends call: a home (device key and store) and the
//! documents in it.
//!
//! # Contract
//! - **Inputs**: calls on [`Engine`]; the time and randomness it needs come
//!   from the [`Clock`] and [`Entropy`] given at open, so tests are
//!   deterministic.
//! - **Outputs**: values, and writes staged in the [`Store`]. A change counts
//!   as saved only once the store has committed it: [`Engine::wait`] for the
//!   [`Ticket`] an edit returned, or [`Engine::flush`].
//! - **Two kinds of edit.** [`Engine::edit`] (structure, whole-section text,
//!   tags…) encodes and stages its change at once. [`Engine::type_text`] is
//!   the keystroke path: it encodes lazily, staging what piled up when the
//!   store is idle and 5 ms have passed (group commit with a commit delay),
//!   or when 1,024 keystrokes are waiting. A
//!   front end that types calls [`Engine::stage`] when the user pauses (a
//!   few milliseconds of idle), or `flush`/`wait` before reporting saved.
//! - **Loading** is lazy: opening a home reads nothing but the key; a
//!   document is decoded, through the guard, the first time it is used.
//! - **Compaction**: a document's incremental changes are folded into one
//!   snapshot once they are as many as the changes in the snapshot (so the
//!   work stays proportional to the document), and on close.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use automerge::transaction::{CommitOptions, Transactable as _};
use automerge::{Automerge, ChangeHash, ObjId, ReadDoc as _};
use sha2::{Digest, Sha256};

use crate::bundle::{Bundle, BundleError, Claims};
use crate::charter::{self, Charter, CharterDraft, CharterTx, SchemaError, SectionId};
use crate::conflicts::{self, Conflict};
use crate::diff::{self, CharterDiff};
use crate::governance::{self, ResolveOptions};
use crate::guard::{self, Limits};
use crate::history::{self, ChangeMessage, HistoryEntry};
use crate::identity::{DeviceKey, PublicKey};
use crate::ids::{self, DocId, HeadsRef};
use crate::record::{self, CommunityId, Record, RecordError, RecordId};
use crate::store::{DocMeta, RedbOptions, Storage, Store, Table, Ticket, WriteOp, chunk_key};
use crate::{Error, Result};

/// Reads the current time, in milliseconds since the Unix epoch.
pub type Clock = Box<dyn Fn() -> i64 + Send + Sync>;
/// Fills a buffer with random bytes.
pub type Entropy = Box<dyn FnMut(&mut [u8]) + Send>;

/// Keystrokes that may wait, unencoded, for the store to become idle.
const MAX_UNSTAGED: u64 = 1024;
/// Keystrokes are staged at most this often (ms), so each commit carries a
/// batch even when commits are fast (the "commit delay" of databases).
const STAGE_INTERVAL_MS: i64 = 5;
/// Fewest incremental changes worth a compaction while running.
const MIN_COMPACTION: u64 = 64;
/// Fewest incremental changes worth a compaction on close.
const MIN_COMPACTION_ON_CLOSE: u64 = 8;

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

/// What importing a bundle did: each document, and the signed records.
///
/// Dereferences to the per-document list, so code written when
/// `import_bundle` returned `Vec<Imported>` (`report[0].outcome`,
/// `report.iter()`) still reads the same.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ImportReport {
    /// Each document in the bundle, in bundle order.
    pub documents: Vec<Imported>,
    /// Signed records in the bundle.
    pub records: usize,
    /// Of those, how many were new here (and are now stored).
    pub new_records: usize,
    /// The new ones: community, record, kind (not in JSON, which counts
    /// them).
    #[serde(skip)]
    pub added: Vec<(CommunityId, RecordId, crate::record::Kind)>,
}

impl std::ops::Deref for ImportReport {
    type Target = [Imported];

    fn deref(&self) -> &[Imported] {
        &self.documents
    }
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

/// The result of a write that is not an edit of a document (e.g.
/// [`Engine::add_records`]): durable once [`Engine::wait`] returned for the
/// ticket, or after [`Engine::flush`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staged<T> {
    /// What the call returned.
    pub value: T,
    /// Wait on this before reporting the write saved.
    pub ticket: Ticket,
}

/// The result of a keystroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed {
    /// The new change (`None` for a keystroke that deletes and inserts
    /// nothing).
    pub change: Option<ChangeHash>,
    /// Set when this call staged the keystrokes waiting so far (this one
    /// included): they are durable once the store reaches this ticket.
    pub staged: Option<Ticket>,
}

struct Loaded {
    doc: Automerge,
    /// Heads of everything staged or stored: changes after them are not.
    stored_heads: Vec<ChangeHash>,
    /// Local changes made since `stored_heads`.
    unstaged: u64,
    /// When keystrokes were last staged (clock ms).
    last_staged_ms: i64,
    /// Keys of this document's chunks, committed or staged.
    chunk_keys: Vec<String>,
    /// Changes in the document.
    total_changes: u64,
    /// Changes stored since the last snapshot.
    incremental_changes: u64,
    /// Each section's text object, for keystrokes. Cleared by any other edit
    /// or merge, so it never outlives the structure it was read from.
    text_objects: HashMap<SectionId, ObjId>,
    meta: DocMeta,
    /// Changed since loaded (an edit, a merge): its index entry is written
    /// again and its chunks compacted when due at close.
    changed: bool,
    /// This engine made changes to it (an edit, a keystroke, its creation,
    /// a merge of an amendment): the changes [`Engine::attest_edited`]
    /// looks for.
    edited: bool,
    /// The last sequence number of each actor, once an import needed them
    /// (forgotten by a local edit): what changes received are checked
    /// against instead of saving and loading the whole document.
    seqs: Option<guard::Sequences>,
    /// It holds changes from elsewhere (merged, or stored one by one before
    /// this engine loaded it) that no snapshot checked to load again yet.
    foreign: bool,
    /// Changes from elsewhere vouched for as keystrokes (`guard::Typing`)
    /// and stored, not applied yet: Automerge 0.12 walks a text to apply a
    /// change to it, so a home that follows a long document live applies
    /// them in one batch ([`Loaded::settle`]) before anything reads the
    /// document, as the relay does (issue 14). Only while nothing local is
    /// unstaged.
    remote: Vec<automerge::Change>,
    /// The document's heads with them (when there are some).
    remote_heads: Vec<ChangeHash>,
    /// What the typing check knows of the document (reset whenever the
    /// document changes another way).
    typing: guard::Typing,
}

impl Loaded {
    /// A document as loaded or made here: nothing kept unapplied.
    fn new(doc: Automerge, meta: DocMeta) -> Loaded {
        Loaded {
            stored_heads: doc.get_heads(),
            doc,
            unstaged: 0,
            last_staged_ms: 0,
            chunk_keys: Vec::new(),
            total_changes: 0,
            incremental_changes: 0,
            text_objects: HashMap::new(),
            meta,
            changed: false,
            edited: false,
            seqs: None,
            foreign: false,
            remote: Vec::new(),
            remote_heads: Vec::new(),
            typing: guard::Typing::new(),
        }
    }

    /// The document's heads, the changes kept unapplied included.
    fn heads(&self) -> Vec<ChangeHash> {
        if self.remote.is_empty() {
            self.doc.get_heads()
        } else {
            self.remote_heads.clone()
        }
    }

    /// Whether the changes after `before` (heads the document had) all
    /// wait unapplied and continue `before` in one line, each on the one
    /// before: `None` when they are not all kept unapplied (the document
    /// tells).
    fn continues_in_line(&self, before: &[ChangeHash]) -> Option<bool> {
        if self.remote.is_empty() {
            return None;
        }
        // The kept changes `before` covers, and the applied ones it
        // reaches through them.
        let (covered, applied) = guard::typing::split_at(&self.remote, before);
        let mut heads = self.doc.get_heads();
        heads.sort();
        if applied != heads {
            return None;
        }
        let mut tip = before.to_vec();
        tip.sort();
        Some(
            self.remote
                .iter()
                .filter(|c| !covered.contains(&c.hash()))
                .all(|c| {
                    let mut deps = c.deps().to_vec();
                    deps.sort();
                    let follows = deps == tip;
                    tip = vec![c.hash()];
                    follows
                }),
        )
    }

    /// Apply the changes kept unapplied, in one batch. Should Automerge
    /// refuse them after all, the document is damaged in memory (the
    /// caller drops it; the store holds the changes, which load again or
    /// are reported).
    fn settle(&mut self, id: &DocId) -> Result<()> {
        if self.remote.is_empty() {
            return Ok(());
        }
        let remote = std::mem::take(&mut self.remote);
        let mut expected = std::mem::take(&mut self.remote_heads);
        let count = remote.len();
        let doc = &mut self.doc;
        let applied = crate::contain::contain(|| doc.apply_changes(remote));
        let mut heads = self.doc.get_heads();
        heads.sort();
        expected.sort();
        let failure = match applied {
            Ok(Ok(())) if heads == expected => return Ok(()),
            Ok(Ok(())) => "other heads than the changes named".to_owned(),
            Ok(Err(error)) => error.to_string(),
            Err(error) => error.to_string(),
        };
        Err(Error::Damaged {
            doc: *id,
            detail: format!("{count} change(s) vouched for as keystrokes did not apply: {failure}"),
        })
    }
}

/// The key and size of each of a document's chunks in the store.
type ChunkSizes = Vec<(String, u64)>;

/// What an engine kept when it closed ([`Engine::close_keeping`]): its
/// documents, each with the store's chunks of it then, the communities it
/// had resolved and the ledger replicas it had loaded (taken back only
/// when nothing was committed since), and the store's generation.
pub struct Kept {
    docs: HashMap<DocId, (ChunkSizes, Loaded)>,
    /// The communities the engine had resolved, current with the store
    /// when it closed.
    communities: HashMap<CommunityId, crate::community::Community>,
    /// The ledger replicas it had loaded.
    ledgers: HashMap<CommunityId, Automerge>,
    generation: Option<u64>,
}

impl Kept {
    /// The store's generation when the engine closed
    /// ([`Storage::generation`](crate::store::Storage::generation)): if it
    /// has not moved, nothing was written to the store since.
    pub fn generation(&self) -> Option<u64> {
        self.generation
    }
}

impl fmt::Debug for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kept")
            .field("documents", &self.docs.len())
            .field("communities", &self.communities.len())
            .field("ledgers", &self.ledgers.len())
            .finish()
    }
}

/// A home, open: the device key, the store and the loaded documents.
pub struct Engine {
    key: DeviceKey,
    store: Arc<Store>,
    docs: HashMap<DocId, Loaded>,
    options: EngineOptions,
    /// Records staged by this engine and not yet known durable, so they
    /// are listed and not staged twice before their commit.
    pending_records: BTreeMap<(CommunityId, RecordId), (Ticket, Record)>,
    /// Communities resolved since records last reached the store
    /// ([`Store::records_staged`]), with the fold that judges the next act
    /// without folding the community again.
    resolved: Mutex<Resolved>,
    /// How many times this engine folded a community's records whole.
    folds: std::sync::atomic::AtomicUsize,
    /// The chunks of the documents [`Engine::adopt`] took back with nothing
    /// committed since they were kept, and the store's generation then: if
    /// it has not moved at [`Engine::close_keeping`], they are still the
    /// chunks (and none is read again to say so).
    adopted: Option<(u64, HashMap<DocId, ChunkSizes>)>,
    /// Ledger replicas loaded, each what the store holds of it
    /// ([`Engine::ledger_replica_doc`]): every write of a replica goes
    /// through this engine and updates it.
    ledgers: HashMap<CommunityId, Automerge>,
}

/// The communities an engine resolved, and when.
#[derive(Default)]
struct Resolved {
    /// The store's [`Store::records_staged`] they are current for.
    staged: u64,
    by_id: HashMap<CommunityId, crate::community::Community>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("device", &self.key.public())
            .field("loaded", &self.docs.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over any storage (an in-memory one in tests).
    pub fn with_storage(key: DeviceKey, storage: Box<dyn Storage>, options: EngineOptions) -> Self {
        Engine {
            key,
            store: Arc::new(Store::new(storage)),
            docs: HashMap::new(),
            options,
            pending_records: BTreeMap::new(),
            resolved: Mutex::default(),
            folds: std::sync::atomic::AtomicUsize::new(0),
            adopted: None,
            ledgers: HashMap::new(),
        }
    }

    /// The community resolved when the store had seen `staged` stagings of
    /// records, if this engine kept it.
    pub(crate) fn resolved_community(
        &self,
        staged: u64,
        id: &CommunityId,
    ) -> Option<crate::community::Community> {
        let resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        (resolved.staged == staged)
            .then(|| resolved.by_id.get(id).cloned())
            .flatten()
    }

    /// Count one fold of a community's records, whole.
    pub(crate) fn count_fold(&self) {
        self.folds
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many times this engine folded a community's records whole.
    #[cfg(test)]
    pub(crate) fn folds(&self) -> usize {
        self.folds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The documents this engine changed itself (see `Loaded::edited`).
    pub(crate) fn edited_documents(&self) -> HashSet<DocId> {
        self.docs
            .iter()
            .filter(|(_, loaded)| loaded.edited)
            .map(|(id, _)| *id)
            .collect()
    }

    /// How many stagings so far wrote records ([`Store::records_staged`]).
    pub(crate) fn records_staged(&self) -> u64 {
        self.store.records_staged()
    }

    /// Whether this engine kept community `id` as the store had it after
    /// `staged` stagings of records, with these heads.
    pub(crate) fn is_current(&self, staged: u64, id: &CommunityId, heads: &[RecordId]) -> bool {
        let resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        resolved.staged == staged
            && resolved
                .by_id
                .get(id)
                .is_some_and(|c| c.state.heads == heads)
    }

    /// Keep `community`, resolved from what the store held after `now`
    /// stagings of records. The communities kept so far stay when they
    /// were current after `before` stagings and the stagings since (at
    /// most one) were this community's own.
    pub(crate) fn remember_community(
        &self,
        before: u64,
        now: u64,
        community: &crate::community::Community,
    ) {
        let mut resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        if resolved.staged != now && (resolved.staged != before || now > before + 1) {
            resolved.by_id.clear();
        }
        resolved.staged = now;
        resolved.by_id.insert(community.id, community.clone());
    }

    /// After one staging of records (`before` to `now`) of the `touched`
    /// communities: keep `extended` (those communities with their new
    /// records, judged), forget the other touched ones, and keep the
    /// untouched as they were — if they were current before.
    pub(crate) fn remember_extended(
        &self,
        before: u64,
        now: u64,
        touched: &BTreeSet<CommunityId>,
        extended: Vec<crate::community::Community>,
    ) {
        let mut resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
        if resolved.staged != before || now > before + 1 {
            // Not current before, or more than this staging since: the
            // next community asked for is folded from the store.
            return;
        }
        resolved.by_id.retain(|id, _| !touched.contains(id));
        for community in extended {
            resolved.by_id.insert(community.id, community);
        }
        resolved.staged = now;
    }

    /// This device's public key (its actor id on every change).
    pub fn device(&self) -> PublicKey {
        self.key.public()
    }

    /// The store, shared with callers that run their own group-commit
    /// thread ([`Store::run_flusher`]).
    pub fn store(&self) -> Arc<Store> {
        Arc::clone(&self.store)
    }

    /// What the store holds of documents and records, read without decoding
    /// any (chunk keys and sizes, record counts), after making every edit
    /// and record of this engine durable: it changes whenever a document
    /// or a community does, here or by another process, and costs a scan
    /// of keys, not a load (a watch looks at its home this way).
    pub fn stored_fingerprint(
        &mut self,
        docs: &[DocId],
        communities: &[CommunityId],
    ) -> Result<String> {
        use std::fmt::Write as _;
        self.flush()?;
        let mut print = String::new();
        for id in docs {
            let _ = write!(print, "{id}");
            for (key, size) in self.store.chunk_sizes(id)? {
                let _ = write!(print, " {key}:{size}");
            }
            print.push(';');
        }
        for community in communities {
            let _ = write!(
                print,
                "{community}:{};",
                self.store.record_count(community)?
            );
        }
        Ok(print)
    }

    /// Every document in the store, without loading any, plus any created
    /// or imported in this session and not yet committed.
    pub fn list(&self) -> Result<Vec<DocSummary>> {
        let entries = self.store.scan_prefix(Table::Docs, "")?;
        let mut docs = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let Ok(id) = key.parse::<DocId>() else {
                tracing::warn!(%key, "skipping a document index entry with a malformed id");
                continue;
            };
            let meta = match self.docs.get(&id) {
                Some(loaded) => loaded.meta.clone(),
                None => serde_json::from_slice(&value).unwrap_or_else(|_| DocMeta {
                    kind: "unknown".into(),
                    title: "(damaged index entry)".into(),
                    created_ms: 0,
                    updated_ms: 0,
                    changes: 0,
                }),
            };
            docs.push(DocSummary { id, meta });
        }
        for (id, loaded) in &self.docs {
            if !docs.iter().any(|d| d.id == *id) {
                docs.push(DocSummary {
                    id: *id,
                    meta: loaded.meta.clone(),
                });
            }
        }
        docs.sort_by_key(|d| d.id);
        Ok(docs)
    }

    /// Archive a document in this home (`archived`), or restore it: a mark
    /// in the store, nothing in the document — it stays whole, readable and
    /// synced, only hidden from lists ([`Engine::archived`]). Durable once
    /// [`Engine::wait`] returned for the ticket.
    pub fn set_archived(&mut self, doc: &DocId, archived: bool) -> Result<Ticket> {
        if !self.list()?.iter().any(|d| d.id == *doc) {
            return Err(Error::UnknownDocument(doc.to_string()));
        }
        Ok(self
            .store
            .stage(vec![crate::store::archive_write(doc, archived)], None))
    }

    /// The documents archived in this home (committed marks).
    pub fn archived(&self) -> Result<BTreeSet<DocId>> {
        Ok(self.store.archived()?)
    }

    /// Find a document by id, unambiguous id prefix, or title (case and
    /// accents aside), or an unambiguous prefix of its title.
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
        // Case and accents aside, or an unambiguous prefix (names.rs).
        let by_title = crate::names::by_name(name, &docs, |d| &d.meta.title);
        for candidates in [by_prefix, by_title] {
            match candidates.as_slice() {
                [] => continue,
                [one] => return Ok(one.id),
                many => {
                    return Err(Error::AmbiguousDocument {
                        name: name.to_owned(),
                        candidates: many
                            .iter()
                            .map(|d| format!("{} \"{}\"", d.id, d.meta.title))
                            .collect(),
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
        let mut fresh: Vec<SectionId> = (0..draft.sections.len() * 2 + 1)
            .map(|_| SectionId::from_random(self.random()))
            .collect();
        let mut doc = Automerge::new().with_actor(self.key.public().actor_for(&id));
        let mut tx = doc.transaction();
        let next_id = || {
            fresh
                .pop()
                .unwrap_or_else(|| SectionId::from_random([0; 5]))
        };
        if let Err(error) = CharterTx::create(&mut tx, title, draft, next_id) {
            tx.rollback();
            return Err(error.into());
        }
        let change = tx
            .commit_with(
                CommitOptions::default()
                    .with_message(ChangeMessage::CreateCharter.to_string())
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
        self.store.stage(vec![meta_write(&id, &meta)], None);
        let mut loaded = Loaded {
            stored_heads: Vec::new(),
            unstaged: 1,
            last_staged_ms: now,
            total_changes: 1,
            changed: true,
            edited: true,
            ..Loaded::new(doc, meta)
        };
        let ticket = stage_doc(&self.store, &id, &mut loaded);
        self.docs.insert(id, loaded);
        Ok(Edited {
            value: id,
            change,
            ticket,
        })
    }

    /// The document, loaded, every change it holds applied.
    fn loaded(&mut self, id: &DocId) -> Result<&mut Loaded> {
        let settled = match self.docs.get_mut(id) {
            Some(loaded) => loaded.settle(id),
            None => Ok(()),
        };
        if let Err(error) = settled {
            // Loaded again from the store when next asked.
            self.docs.remove(id);
            return Err(error);
        }
        self.loaded_unsettled(id)
    }

    /// The document, loaded, changes kept unapplied maybe not applied yet
    /// (for its heads, and for more of them).
    fn loaded_unsettled(&mut self, id: &DocId) -> Result<&mut Loaded> {
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
        let mut bytes = Vec::new();
        let mut chunk_keys = Vec::new();
        for (key, value) in snapshots.into_iter().chain(incrementals) {
            bytes.extend_from_slice(&value);
            chunk_keys.push(key);
        }
        let damaged = |error: guard::GuardError| Error::Damaged {
            doc: *id,
            detail: error.to_string(),
        };
        let limits = Limits::local_store();
        let (doc, stats) = guard::load_with_stats(&bytes, &limits, self.key.public().actor_for(id))
            .map_err(damaged)?;
        // Snapshots are document chunks; everything stored since is change
        // chunks, one change each.
        let incremental_changes = stats.change_chunks;
        Ok(Loaded {
            chunk_keys,
            total_changes: stats.changes,
            incremental_changes,
            // What was stored one by one may have come from elsewhere.
            foreign: incremental_changes > 0,
            ..Loaded::new(doc, meta)
        })
    }

    /// The loaded Automerge document (read-only).
    pub fn document(&mut self, id: &DocId) -> Result<&Automerge> {
        Ok(&self.loaded(id)?.doc)
    }

    /// Resolve a user's reference to a point in a document's history.
    pub fn resolve_heads(&mut self, id: &DocId, at: &HeadsRef) -> Result<Vec<ChangeHash>> {
        let doc = &self.loaded(id)?.doc;
        let known: Vec<ChangeHash> = doc.get_changes_meta(&[]).iter().map(|c| c.hash).collect();
        Ok(at.resolve(known.iter())?)
    }

    /// The charter now, or at a point of its history.
    pub fn charter(&mut self, id: &DocId, at: Option<&HeadsRef>) -> Result<Charter> {
        let heads = match at {
            Some(at) => Some(self.resolve_heads(id, at)?),
            None => None,
        };
        self.charter_at(id, heads.as_deref())
    }

    /// The charter at given heads (`None`: now), already resolved.
    pub fn charter_at(&mut self, id: &DocId, heads: Option<&[ChangeHash]>) -> Result<Charter> {
        let doc = &self.loaded(id)?.doc;
        charter::read(doc, heads).map_err(|error| schema_error(id, error))
    }

    /// The current heads of a document.
    pub fn heads(&mut self, id: &DocId) -> Result<Vec<ChangeHash>> {
        Ok(self.loaded_unsettled(id)?.heads())
    }

    /// Edit a charter in one change, staged at once. `edit` gets the
    /// charter's transaction; if it returns an error nothing is changed.
    /// The change carries `message` (none if empty), this device's actor id
    /// and the clock's time.
    pub fn edit<T>(
        &mut self,
        id: &DocId,
        message: &str,
        edit: impl FnOnce(&mut CharterTx<'_, '_>) -> std::result::Result<T, SchemaError>,
    ) -> Result<Edited<T>> {
        let now = self.now();
        self.loaded(id)?;
        let store = &self.store;
        let loaded = self
            .docs
            .get_mut(id)
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
        loaded.text_objects.clear();
        let mut tx = loaded.doc.transaction();
        let value = match CharterTx::new(&mut tx).and_then(|mut charter| edit(&mut charter)) {
            Ok(value) => value,
            Err(error) => {
                tx.rollback();
                return Err(schema_error(id, error));
            }
        };
        let mut options = CommitOptions::default().with_time(now);
        if !message.is_empty() {
            options = options.with_message(message);
        }
        let change = tx.commit_with(options).0;
        if change.is_some() {
            loaded.unstaged += 1;
            loaded.total_changes += 1;
            loaded.meta.updated_ms = now;
            loaded.changed = true;
            loaded.edited = true;
            loaded.seqs = None;
            loaded.typing.reset();
        }
        let ticket = stage_doc(store, id, loaded);
        Ok(Edited {
            value,
            change,
            ticket,
        })
    }

    /// A keystroke in a section's text: delete `delete` characters at
    /// `position` (Unicode scalar values) and insert `insert`, as one
    /// change. Encoded and staged lazily (see the module docs).
    pub fn type_text(
        &mut self,
        id: &DocId,
        section: &SectionId,
        position: usize,
        delete: usize,
        insert: &str,
    ) -> Result<Typed> {
        let now = self.now();
        self.loaded(id)?;
        let store = &self.store;
        let loaded = self
            .docs
            .get_mut(id)
            .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
        let Loaded {
            doc, text_objects, ..
        } = loaded;
        if !text_objects.contains_key(section) {
            let text = charter::section_text_object(doc, section)
                .map_err(|error| schema_error(id, error))?;
            text_objects.insert(section.clone(), text);
        }
        let Some(text) = text_objects.get(section) else {
            return Err(SchemaError::NoSuchSection(section.to_string()).into());
        };
        let mut tx = doc.transaction();
        let delete = isize::try_from(delete).unwrap_or(isize::MAX);
        if let Err(error) = tx.splice_text(text, position, delete, insert) {
            tx.rollback();
            let len = doc.length(text);
            return Err(match error {
                automerge::AutomergeError::InvalidIndex(_) => {
                    SchemaError::OutOfRange { position, len }.into()
                }
                other => SchemaError::from(other).into(),
            });
        }
        let Some(change) = tx.commit_with(CommitOptions::default().with_time(now)).0 else {
            // Nothing deleted and nothing inserted: no change.
            return Ok(Typed {
                change: None,
                staged: None,
            });
        };
        loaded.unstaged += 1;
        loaded.total_changes += 1;
        loaded.meta.updated_ms = now;
        loaded.changed = true;
        loaded.edited = true;
        loaded.seqs = None;
        loaded.typing.reset();
        let due = now.saturating_sub(loaded.last_staged_ms) >= STAGE_INTERVAL_MS;
        let staged = (loaded.unstaged >= MAX_UNSTAGED || (due && store.is_idle())).then(|| {
            loaded.last_staged_ms = now;
            stage_doc(store, id, loaded)
        });
        Ok(Typed {
            change: Some(change),
            staged,
        })
    }

    /// Encode and stage every change not yet staged, in every document.
    /// Returns the ticket that covers everything staged so far.
    pub fn stage(&mut self) -> Ticket {
        let store = &self.store;
        for (id, loaded) in &mut self.docs {
            if loaded.unstaged > 0 {
                stage_doc(store, id, loaded);
            }
        }
        store.stage(Vec::new(), None)
    }

    /// Return once everything staged up to `ticket` is durable.
    pub fn wait(&self, ticket: Ticket) -> Result<()> {
        Ok(self.store.wait(ticket)?)
    }

    /// Make every change so far durable.
    pub fn flush(&mut self) -> Result<()> {
        let ticket = self.stage();
        self.wait(ticket)
    }

    /// Every change of a document, oldest first, and the headings of all
    /// sections it ever had.
    pub fn history(
        &mut self,
        id: &DocId,
    ) -> Result<(Vec<HistoryEntry>, HashMap<SectionId, String>)> {
        let doc = &self.loaded(id)?.doc;
        let entries = history::history(doc);
        let headings = history::section_headings(doc, &entries);
        Ok((entries, headings))
    }

    /// Every conflict in a document's history (concurrent rewrites of the
    /// same words; see [`crate::conflicts`]), open or resolved.
    pub fn conflicts(&mut self, id: &DocId) -> Result<Vec<Conflict>> {
        let doc = &self.loaded(id)?.doc;
        Ok(conflicts::conflicts(doc))
    }

    /// The open conflicts of a document that involve a change it did not
    /// have at `before` (its heads before an import or a sync): what a
    /// merge just created.
    ///
    /// A merge that only continues `before` in one line (its first new
    /// change builds on exactly those heads, each next one on the one
    /// before: what a live session receives) is concurrent with nothing,
    /// so it creates no conflict, and the history is not scanned (debug
    /// builds scan it all the same and check).
    pub fn new_conflicts(&mut self, id: &DocId, before: &[ChangeHash]) -> Result<Vec<Conflict>> {
        // Told from the changes kept unapplied, when all the new ones are:
        // the document is not applied for it.
        let kept = self.loaded_unsettled(id)?.continues_in_line(before);
        if kept == Some(true) && !cfg!(debug_assertions) {
            return Ok(Vec::new());
        }
        let doc = &self.loaded(id)?.doc;
        let metas = doc.get_changes_meta(before);
        let mut tip: Vec<ChangeHash> = before.to_vec();
        tip.sort();
        let in_line = metas.iter().all(|m| {
            let mut deps = m.deps.clone();
            deps.sort();
            let follows = deps == tip;
            tip = vec![m.hash];
            follows
        });
        let new: std::collections::HashSet<String> =
            metas.iter().map(|m| ids::hash_hex(&m.hash)).collect();
        if in_line && !cfg!(debug_assertions) {
            return Ok(Vec::new());
        }
        let found: Vec<Conflict> = conflicts::conflicts(doc)
            .into_iter()
            .filter(|c| c.open)
            .filter(|c| {
                c.sides
                    .iter()
                    .any(|s| s.changes.iter().any(|change| new.contains(&change.hash)))
            })
            .collect();
        assert!(
            !in_line || found.is_empty(),
            "changes that continue the heads in one line create no conflict"
        );
        assert!(
            kept.is_none_or(|kept| kept == in_line),
            "the changes kept unapplied tell the same line as the document"
        );
        Ok(found)
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

    /// Stage what is left, compact what needs it, update the index, and
    /// make everything durable.
    pub fn close(mut self) -> Result<()> {
        self.finish()
    }

    /// [`Engine::close`], keeping the loaded documents for the next engine
    /// over the same store ([`Engine::adopt`]): a process that opens its
    /// home again and again (a watch, which lets other commands in between)
    /// loads a document once, not at every look.
    pub fn close_keeping(mut self) -> Result<Kept> {
        self.finish()?;
        let generation = self.store.generation()?;
        let mut known = match self.adopted.take() {
            Some((adopted, chunks)) if Some(adopted) == generation => chunks,
            _ => HashMap::new(),
        };
        let mut docs = HashMap::with_capacity(self.docs.len());
        for (id, mut loaded) in std::mem::take(&mut self.docs) {
            loaded.changed = false;
            loaded.edited = false;
            let chunks = match known.remove(&id) {
                Some(chunks) => chunks,
                None => self.store.chunk_sizes(&id)?,
            };
            docs.insert(id, (chunks, loaded));
        }
        let communities = {
            let mut resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
            if resolved.staged == self.store.records_staged() {
                std::mem::take(&mut resolved.by_id)
            } else {
                HashMap::new()
            }
        };
        Ok(Kept {
            docs,
            communities,
            ledgers: std::mem::take(&mut self.ledgers),
            generation,
        })
    }

    /// The store's generation now
    /// ([`Storage::generation`](crate::store::Storage::generation)), once
    /// what is staged is written.
    pub fn store_generation(&mut self) -> Result<Option<u64>> {
        self.flush()?;
        Ok(self.store.generation()?)
    }

    /// Take back the documents a previous engine over this store kept
    /// ([`Engine::close_keeping`]), each only if the store still holds
    /// exactly the chunks it left (another process that wrote to it
    /// meanwhile added or replaced one): the others load again when asked.
    /// Returns how many were taken back.
    pub fn adopt(&mut self, kept: Kept) -> Result<usize> {
        let now = self.store.generation()?;
        // Nothing committed since: every chunk is as it was left, and
        // none is read to say so (a long document's snapshot would be).
        let unmoved = now.is_some() && now == kept.generation;
        let mut known = HashMap::new();
        for (id, (chunks, loaded)) in kept.docs {
            if !self.docs.contains_key(&id) && (unmoved || self.store.chunk_sizes(&id)? == chunks) {
                self.docs.insert(id, loaded);
                known.insert(id, chunks);
            }
        }
        let adopted = known.len();
        self.adopted = now.map(|now| (now, known));
        // Nothing committed since: the communities resolved then are the
        // store's (a community of ten thousand records is not read and
        // folded again at every look of a watch).
        if unmoved {
            let staged = self.store.records_staged();
            let mut resolved = self.resolved.lock().unwrap_or_else(|p| p.into_inner());
            if resolved.by_id.is_empty() {
                resolved.staged = staged;
                resolved.by_id = kept.communities;
            }
            drop(resolved);
            for (id, ledger) in kept.ledgers {
                self.ledgers.entry(id).or_insert(ledger);
            }
        }
        Ok(adopted)
    }

    fn finish(&mut self) -> Result<()> {
        self.stage();
        let mut damaged = Vec::new();
        for (id, loaded) in &mut self.docs {
            if !loaded.changed {
                continue;
            }
            // A snapshot costs as much as the document: written when the
            // changes stored one by one weigh half as much (so a long
            // document is not saved whole at every close).
            let snapshot_changes = loaded.total_changes - loaded.incremental_changes;
            let due =
                loaded.incremental_changes >= MIN_COMPACTION_ON_CLOSE.max(snapshot_changes / 2);
            // The snapshot holds every change: those kept unapplied are
            // applied first (once per half a document of them). Should they
            // not apply, they stay stored one by one, and this copy, damaged,
            // is not kept.
            if due && loaded.settle(id).is_err() {
                damaged.push(*id);
                continue;
            }
            if !(due && compact(&self.store, id, loaded)) {
                refresh_meta(loaded);
                self.store.stage(vec![meta_write(id, &loaded.meta)], None);
            }
        }
        for id in damaged {
            self.docs.remove(&id);
        }
        self.store.flush()?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------

fn schema_error(id: &DocId, error: SchemaError) -> Error {
    match error {
        SchemaError::NotACharter => Error::NotACharter(*id),
        other => other.into(),
    }
}

fn ledger_replica_key(community: &CommunityId) -> String {
    format!("ledger-replica/{community}")
}

/// The heads of the ledger replica, beside it (absent when written by an
/// older version, or with bytes whose heads were not known).
fn ledger_heads_key(community: &CommunityId) -> String {
    format!("ledger-replica-heads/{community}")
}

/// The changes taken into the ledger replica since it was saved whole.
fn ledger_tail_key(community: &CommunityId) -> String {
    format!("ledger-replica-tail/{community}")
}

/// How many bytes of changes the ledger replica's tail holds before the
/// replica is saved whole again ([`Engine::extend_ledger_replica`]).
pub(crate) const LEDGER_TAIL_BYTES: usize = 256 * 1024;

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

/// Encode and stage a document's local changes since it was last staged,
/// compacting when the increments have grown as large as the snapshot.
fn stage_doc(store: &Store, id: &DocId, loaded: &mut Loaded) -> Ticket {
    if loaded.unstaged == 0 {
        return store.stage(Vec::new(), None);
    }
    let bytes = loaded.doc.save_after(&loaded.stored_heads);
    let heads = loaded.doc.get_heads();
    // Name the chunk after a change it holds: a head that was not one when
    // the document was last staged is new. (An old head can stay a head —
    // a concurrent branch — so the first head may name a stored chunk.)
    let name = heads
        .iter()
        .find(|h| !loaded.stored_heads.contains(h))
        .or(heads.first())
        .map(ids::hash_hex)
        .unwrap_or_default();
    let (ticket, opened) = store.append_changes(id, &name, &bytes);
    if let Some(key) = opened {
        loaded.chunk_keys.push(key);
    }
    loaded.stored_heads = heads;
    loaded.incremental_changes += loaded.unstaged;
    loaded.unstaged = 0;
    let snapshot_changes = loaded.total_changes - loaded.incremental_changes;
    if loaded.incremental_changes >= MIN_COMPACTION.max(snapshot_changes)
        && compact(store, id, loaded)
    {
        return store.stage(Vec::new(), None);
    }
    ticket
}

fn refresh_meta(loaded: &mut Loaded) {
    // Changes kept unapplied never touch the title (`Engine::keep_typed`).
    if let Some(title) = charter::title(&loaded.doc) {
        loaded.meta.title = title;
    }
    loaded.meta.changes = loaded.total_changes;
}

/// Replace a document's chunks by one snapshot, atomically (the delete of
/// each old chunk is committed with the snapshot that covers it).
///
/// A document holding changes from elsewhere (`Loaded::foreign`) must
/// load again from the snapshot, with the same heads, before the chunks it
/// replaces go: Automerge 0.12 can hold a document whose own save does not
/// load (`docs/security.md`, F1). If it does not, nothing is replaced (the
/// changes stay stored one by one, and load) and `false` is returned. A
/// document only this device wrote is not checked (a long typing session
/// would pay a load at every compaction).
fn compact(store: &Store, id: &DocId, loaded: &mut Loaded) -> bool {
    let key = snapshot_key(id, &loaded.doc);
    let snapshot = loaded.doc.save();
    let reloads = !loaded.foreign
        || crate::contain::contain(|| automerge::Automerge::load(&snapshot))
            .ok()
            .and_then(Result::ok)
            .is_some_and(|again| again.get_heads() == loaded.doc.get_heads());
    if !reloads {
        tracing::warn!(doc = %id, "a snapshot that does not load again was not written; the document's changes stay stored one by one");
        return false;
    }
    let mut ops = vec![WriteOp::Put {
        table: Table::Chunks,
        key: key.clone(),
        value: snapshot,
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
    loaded.stored_heads = loaded.doc.get_heads();
    loaded.incremental_changes = 0;
    loaded.foreign = false;
    true
}

mod bundles;
mod forks;
mod records;
#[cfg(test)]
pub(crate) mod tests;
