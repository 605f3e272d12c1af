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
use std::sync::Arc;

use automerge::transaction::{CommitOptions, Transactable as _};
use automerge::{Automerge, ChangeHash, ObjId, ReadDoc as _};
use sha2::{Digest, Sha256};

use crate::bundle::{Bundle, BundleError, Claims};
use crate::charter::{self, Charter, CharterDraft, CharterTx, SchemaError, SectionId};
use crate::conflicts::{self, Conflict};
use crate::diff::{self, CharterDiff};
use crate::governance::{self, ResolveOptions};
use crate::guard::{self, Limits};
use crate::history::{self, HistoryEntry};
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
    changed: bool,
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
        }
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
        let lower = name.to_lowercase();
        let by_prefix: Vec<&DocSummary> = docs
            .iter()
            .filter(|d| !name.is_empty() && d.id.to_string().starts_with(name))
            .collect();
        let by_title: Vec<&DocSummary> = docs
            .iter()
            .filter(|d| !name.is_empty() && d.meta.title.to_lowercase() == lower)
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
        self.store.stage(vec![meta_write(&id, &meta)], None);
        let mut loaded = Loaded {
            doc,
            stored_heads: Vec::new(),
            unstaged: 1,
            last_staged_ms: now,
            chunk_keys: Vec::new(),
            total_changes: 1,
            incremental_changes: 0,
            text_objects: HashMap::new(),
            meta,
            changed: true,
        };
        let ticket = stage_doc(&self.store, &id, &mut loaded);
        self.docs.insert(id, loaded);
        Ok(Edited {
            value: id,
            change,
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
            stored_heads: doc.get_heads(),
            doc,
            unstaged: 0,
            last_staged_ms: 0,
            chunk_keys,
            total_changes: stats.changes,
            incremental_changes,
            text_objects: HashMap::new(),
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
        Ok(self.loaded(id)?.doc.get_heads())
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
    pub fn new_conflicts(&mut self, id: &DocId, before: &[ChangeHash]) -> Result<Vec<Conflict>> {
        let doc = &self.loaded(id)?.doc;
        let new: std::collections::HashSet<String> = doc
            .get_changes_meta(before)
            .iter()
            .map(|m| ids::hash_hex(&m.hash))
            .collect();
        Ok(conflicts::conflicts(doc)
            .into_iter()
            .filter(|c| c.open)
            .filter(|c| {
                c.sides
                    .iter()
                    .any(|s| s.changes.iter().any(|change| new.contains(&change.hash)))
            })
            .collect())
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
        self.export_bundle_with(ids, &[])
    }

    /// Write the given documents, and every record of the given communities
    /// (staged ones included), into a bundle. Repeated ids are written once.
    pub fn export_bundle_with(
        &mut self,
        ids: &[DocId],
        communities: &[CommunityId],
    ) -> Result<Vec<u8>> {
        let mut bundle = Bundle::default();
        let mut seen = HashSet::new();
        for id in ids {
            if seen.insert(*id) {
                let doc = &self.loaded(id)?.doc;
                bundle.documents.push((*id, doc.save()));
            }
        }
        let communities: BTreeSet<CommunityId> = communities.iter().copied().collect();
        for community in &communities {
            for record in self.records(community)? {
                bundle.records.push(record.bytes().to_vec());
            }
        }
        Ok(bundle.encode())
    }

    /// This home's replica of a community's ledger document (what it last
    /// synced with a relay), if it has one. See [`crate::ledger`].
    pub fn ledger_replica(&self, community: &CommunityId) -> Result<Option<Vec<u8>>> {
        Ok(self
            .store
            .get(Table::Meta, &ledger_replica_key(community))?)
    }

    /// Keep `bytes` (a saved ledger document) as this home's replica of
    /// `community`'s ledger, durably. The replica is kept so that this
    /// device's writes to the ledger continue its own history instead of
    /// starting a new one each time (Automerge refuses two different
    /// changes with the same actor and number).
    pub fn set_ledger_replica(&mut self, community: &CommunityId, bytes: Vec<u8>) -> Result<()> {
        let ticket = self.store.stage(
            vec![WriteOp::Put {
                table: Table::Meta,
                key: ledger_replica_key(community),
                value: bytes,
            }],
            None,
        );
        Ok(self.store.wait(ticket)?)
    }

    /// This home's ledger replica of `community` with every record stored
    /// here in it, ready to sync. The replica is read back through the
    /// guard and written under this device's actor; when records were
    /// added (or there was none), it is kept durably before anything is
    /// sent: a change this device sent but forgot would be written again
    /// under the same number, and every peer refuses that (duplicate
    /// sequence number).
    pub fn local_ledger(&mut self, community: &CommunityId) -> Result<Automerge> {
        let id = crate::ledger::doc_id(community);
        let actor = self.key.public().actor_for(&id);
        let damaged = |detail: String| Error::Damaged { doc: id, detail };
        let stored = self.ledger_replica(community)?;
        let mut doc = match &stored {
            Some(bytes) => crate::guard::load(bytes, &self.options.import_limits, actor)
                .map_err(|error| damaged(format!("this home's ledger replica: {error}")))?,
            None => crate::ledger::new_ledger(actor),
        };
        let records = self.records(community)?;
        let added = crate::ledger::insert(&mut doc, &records)
            .map_err(|error| damaged(format!("this home's ledger replica: {error}")))?;
        if added > 0 || stored.is_none() {
            self.set_ledger_replica(community, doc.save())?;
        }
        Ok(doc)
    }

    /// Merge a bundle into this home. Every document in it is checked
    /// through the guard first, every record is decoded and its signature
    /// verified; every new record must belong to a community whose genesis
    /// record is here or in the bundle, and that community must resolve;
    /// every document must be the document its id names ([`Claims`]: its
    /// changes were written in it, or belong to a signed version of the
    /// charter it derives from) and, when this home has it already, share
    /// history with this home's copy. If anything is refused, nothing is
    /// imported (no document, no record), and which refusal is reported does
    /// not depend on the order of the bundle's entries. Importing the same
    /// bundle again changes nothing.
    pub fn import_bundle(&mut self, bytes: &[u8]) -> Result<ImportReport> {
        let bundle = Bundle::decode(bytes)?;
        let new_records = self.new_records_from_bundle(&bundle.records)?;
        let claims = self.bundle_claims(&new_records, !bundle.documents.is_empty())?;
        let now = self.now();
        let device = self.key.public();
        let limits = self.options.import_limits;
        let existing: HashSet<DocId> = self.list()?.into_iter().map(|d| d.id).collect();

        enum Plan {
            Add(Automerge, u64),
            Merge(Automerge, Vec<ChangeHash>),
            Unchanged,
        }
        // Checked in id order (the first refusal is the error), reported in
        // bundle order.
        let mut order: Vec<usize> = (0..bundle.documents.len()).collect();
        order.sort_by_key(|&index| bundle.documents[index].0);
        let mut plans = Vec::with_capacity(bundle.documents.len());
        for index in order {
            let (id, payload) = &bundle.documents[index];
            let refused = |reason| Error::Refused { doc: *id, reason };
            let not_that = |reason: String| BundleError::NotThatDocument { doc: *id, reason };
            let plan = if existing.contains(id) {
                let base = &self.loaded(id)?.doc;
                let applied = guard::apply(base, payload, &limits).map_err(refused)?;
                if applied.new_changes.is_empty() {
                    Plan::Unchanged
                } else {
                    if !shares_history(base, &applied, payload, &limits).map_err(refused)? {
                        return Err(not_that(
                            "it shares no change with this home's copy: these bytes are another document"
                                .into(),
                        )
                        .into());
                    }
                    claims
                        .check(id, &applied.doc, Some(&applied.new_changes))
                        .map_err(|mismatch| not_that(mismatch.to_string()))?;
                    guard::saves_and_loads(&applied.doc).map_err(refused)?;
                    Plan::Merge(applied.doc, applied.new_changes)
                }
            } else {
                let (doc, stats) = guard::load_with_stats(payload, &limits, device.actor_for(id))
                    .map_err(refused)?;
                claims
                    .check(id, &doc, None)
                    .map_err(|mismatch| not_that(mismatch.to_string()))?;
                guard::saves_and_loads(&doc).map_err(refused)?;
                Plan::Add(doc, stats.changes)
            };
            plans.push((index, *id, plan));
        }
        plans.sort_by_key(|(index, _, _)| *index);

        // Local keystrokes first, so the merged document's heads cover
        // only stored changes once the import is staged.
        self.stage();

        // Stage everything as one batch, so the import is all or nothing.
        let mut ops = crate::store::record_writes(&new_records);
        let mut report = Vec::new();
        let mut updates = Vec::new();
        for (_, id, plan) in plans {
            let (doc, outcome, chunk, new_changes) = match plan {
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
                Plan::Add(doc, changes) => {
                    let key = snapshot_key(&id, &doc);
                    ops.push(WriteOp::Put {
                        table: Table::Chunks,
                        key: key.clone(),
                        value: doc.save(),
                    });
                    (doc, ImportOutcome::Added, key, changes)
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
                    (doc, ImportOutcome::Merged(new.len()), key, new.len() as u64)
                }
            };
            let title = charter::title(&doc).unwrap_or_default();
            let previous = self.docs.get(&id);
            let total_changes = previous.map_or(0, |l| l.total_changes) + new_changes;
            let meta = DocMeta {
                kind: if charter::is_charter(&doc) {
                    "charter"
                } else {
                    "document"
                }
                .into(),
                title: title.clone(),
                created_ms: previous.map_or(now, |l| l.meta.created_ms),
                updated_ms: now,
                changes: total_changes,
            };
            ops.push(meta_write(&id, &meta));
            report.push(Imported { id, title, outcome });
            updates.push((id, doc, meta, chunk, new_changes, outcome));
        }
        if !ops.is_empty() {
            let ticket = self.store.stage(ops, None);
            self.store.wait(ticket)?;
        }
        for (id, mut doc, meta, chunk, new_changes, outcome) in updates {
            doc.set_actor(device.actor_for(&id));
            match (self.docs.get_mut(&id), outcome) {
                (Some(loaded), ImportOutcome::Merged(_)) => {
                    loaded.stored_heads = doc.get_heads();
                    loaded.doc = doc;
                    loaded.chunk_keys.push(chunk);
                    loaded.total_changes += new_changes;
                    loaded.incremental_changes += new_changes;
                    loaded.text_objects.clear();
                    loaded.meta = meta;
                }
                _ => {
                    self.docs.insert(
                        id,
                        Loaded {
                            stored_heads: doc.get_heads(),
                            doc,
                            unstaged: 0,
                            last_staged_ms: now,
                            chunk_keys: vec![chunk],
                            total_changes: new_changes,
                            incremental_changes: 0,
                            text_objects: HashMap::new(),
                            meta,
                            changed: false,
                        },
                    );
                }
            }
        }
        Ok(ImportReport {
            documents: report,
            records: bundle.records.len(),
            new_records: new_records.len(),
        })
    }

    /// Stage what is left, compact what needs it, update the index, and
    /// make everything durable.
    pub fn close(mut self) -> Result<()> {
        self.stage();
        for (id, loaded) in &mut self.docs {
            if !loaded.changed {
                continue;
            }
            if loaded.incremental_changes >= MIN_COMPACTION_ON_CLOSE {
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

// ---------------------------------------------------------------------------
// Records
//
// Signed records (`crate::record`) are the source of truth for governance.
// They are stored as their exact bytes in the store's `records` table, keyed
// by community and record id, immutable. Every record reaches the store
// through here: its signature is verified (in batches) first, and a call with
// one bad record writes nothing.
// ---------------------------------------------------------------------------

impl Engine {
    /// Store signed records. Every signature is verified first (in a batch);
    /// if one fails, the call is refused with [`Error::RecordRefused`] and
    /// nothing is written. Records already here (stored or staged) are
    /// skipped; the new ones are staged with the next group commit. Returns
    /// how many were new, and the ticket after which they are durable.
    pub fn add_records(&mut self, records: &[Record]) -> Result<Staged<usize>> {
        self.forget_durable_records();
        let fresh = self.unknown_records(records.iter())?;
        verify_all(&fresh)?;
        let ticket = self.store.stage_records(fresh.iter().copied());
        for record in &fresh {
            self.pending_records.insert(
                (record.community(), record.id()),
                (ticket, (*record).clone()),
            );
        }
        Ok(Staged {
            value: fresh.len(),
            ticket,
        })
    }

    /// Every record of a community (stored, or staged by this engine), in
    /// record id order. Signatures were verified when the records were
    /// added; a record that no longer decodes, or whose bytes do not match
    /// its key, is reported as [`Error::RecordDamaged`].
    pub fn records(&self, community: &CommunityId) -> Result<Vec<Record>> {
        let mut found = BTreeMap::new();
        for (key, bytes) in self.store.record_bytes(community)? {
            let actual = RecordId::of(&bytes);
            let damaged = |id: RecordId, detail: String| Error::RecordDamaged {
                community: *community,
                id,
                detail,
            };
            let Ok(id) = key.parse::<RecordId>() else {
                return Err(damaged(actual, "its key is not a record id".into()));
            };
            if id != actual {
                return Err(damaged(
                    id,
                    "its bytes are not the record its key names".into(),
                ));
            }
            let record = Record::decode(&bytes).map_err(|error| damaged(id, error.to_string()))?;
            if record.community() != *community {
                return Err(damaged(id, "it belongs to another community".into()));
            }
            found.insert(id, record);
        }
        let range = (*community, RecordId::ZERO)..=(*community, RecordId([0xff; 32]));
        for ((_, id), (_, record)) in self.pending_records.range(range) {
            found.entry(*id).or_insert_with(|| record.clone());
        }
        Ok(found.into_values().collect())
    }

    /// Every community that has records here (stored, or staged by this
    /// engine), in id order. Reads the community index, no record.
    pub fn communities(&self) -> Result<Vec<CommunityId>> {
        let mut communities: BTreeSet<CommunityId> =
            self.store.communities()?.into_iter().collect();
        communities.extend(self.pending_records.keys().map(|(community, _)| *community));
        Ok(communities.into_iter().collect())
    }

    /// Drop from `pending_records` what the store has committed since.
    fn forget_durable_records(&mut self) {
        let store = &self.store;
        self.pending_records
            .retain(|_, (ticket, _)| !store.is_durable(*ticket));
    }

    /// The records of `records` that are neither stored nor staged, each
    /// once.
    fn unknown_records<'a>(
        &self,
        records: impl Iterator<Item = &'a Record>,
    ) -> Result<Vec<&'a Record>> {
        let mut seen = HashSet::new();
        let mut unknown = Vec::new();
        for record in records {
            let key = (record.community(), record.id());
            if !seen.insert(key) || self.pending_records.contains_key(&key) {
                continue;
            }
            if !self.store.has_record(&key.0, &key.1)? {
                unknown.push(record);
            }
        }
        Ok(unknown)
    }

    /// Whether the genesis record of `community` is here (stored, or staged
    /// by this engine).
    pub(crate) fn has_genesis(&self, community: &CommunityId) -> Result<bool> {
        Ok(self.pending_records.contains_key(&(*community, *community))
            || self.store.has_record(community, community)?)
    }

    /// Check the communities of a bundle's new records, and gather what the
    /// communities this home knows (with those records) say about documents.
    ///
    /// Every new record must belong to a community whose genesis record is
    /// here or among the new records (wherever it stands in the bundle), and
    /// the community, with the new records, must resolve: records of a
    /// community that does not exist would be stored for ever and resolve
    /// to nothing. The first failing community in id order is the error.
    /// The claims of the other communities are gathered only when the
    /// bundle has documents; a community this home cannot resolve names
    /// nothing.
    fn bundle_claims(&self, new_records: &[Record], documents: bool) -> Result<Claims> {
        let mut by_community: BTreeMap<CommunityId, Vec<Record>> = BTreeMap::new();
        for record in new_records {
            by_community
                .entry(record.community())
                .or_default()
                .push(record.clone());
        }
        let mut claims = Claims::default();
        for (community, fresh) in &by_community {
            let mut records = self.records(community)?;
            records.extend(fresh.iter().cloned());
            if !records.iter().any(|r| r.id() == *community) {
                let record = fresh.iter().map(Record::id).min().unwrap_or(RecordId::ZERO);
                return Err(BundleError::UnknownCommunity {
                    record,
                    community: *community,
                }
                .into());
            }
            let state = governance::resolve(
                *community,
                &records,
                ResolveOptions {
                    check_signatures: false,
                    ..ResolveOptions::default()
                },
            )
            .map_err(|error| BundleError::Unresolvable {
                community: *community,
                reason: error.to_string(),
            })?;
            claims.add(&state, &records);
        }
        if documents {
            for community in self.communities()? {
                if by_community.contains_key(&community) {
                    continue;
                }
                match self.community(&community) {
                    Ok(known) => claims.add(&known.state, &known.records),
                    Err(Error::Governance(_)) => {}
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(claims)
    }

    /// Decode a bundle's records and return those that are new here, with
    /// verified signatures; the first malformed or badly signed one refuses
    /// the whole bundle.
    fn new_records_from_bundle(&mut self, entries: &[Vec<u8>]) -> Result<Vec<Record>> {
        self.forget_durable_records();
        let mut decoded = Vec::with_capacity(entries.len());
        for bytes in entries {
            let record = Record::decode(bytes).map_err(|reason| Error::RecordRefused {
                id: RecordId::of(bytes),
                reason,
            })?;
            decoded.push(record);
        }
        let fresh = self.unknown_records(decoded.iter())?;
        verify_all(&fresh)?;
        Ok(fresh.into_iter().cloned().collect())
    }
}

/// Whether a payload merged into `base` shares history with it: some of
/// its changes were already there. Documents have one beginning, so any
/// copy of a document shares its first change with every other copy; bytes
/// that share nothing with a non-empty copy are another document.
fn shares_history(
    base: &Automerge,
    applied: &guard::Applied,
    payload: &[u8],
    limits: &Limits,
) -> std::result::Result<bool, guard::GuardError> {
    let before = base.get_heads();
    if before.is_empty() {
        return Ok(true);
    }
    // The usual case: a new change builds on one that was there.
    let new: HashSet<ChangeHash> = applied.new_changes.iter().copied().collect();
    let builds_on_base = applied
        .doc
        .get_changes_meta(&before)
        .iter()
        .any(|change| change.deps.iter().any(|dep| !new.contains(dep)));
    if builds_on_base {
        return Ok(true);
    }
    // The new changes stand apart: the payload shares history only if it
    // also held changes that were already here.
    let declared = guard::check_caps(payload, limits)?.changes;
    Ok(declared > applied.new_changes.len() as u64)
}

/// Verify every signature, in batches; the first bad one is the error.
fn verify_all(records: &[&Record]) -> Result<()> {
    let valid = record::verify_signatures(records);
    match records.iter().zip(valid).find(|(_, ok)| !ok) {
        Some((record, _)) => Err(Error::RecordRefused {
            id: record.id(),
            reason: RecordError::Signature,
        }),
        None => Ok(()),
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
    if loaded.incremental_changes >= MIN_COMPACTION.max(snapshot_changes) {
        compact(store, id, loaded);
        return store.stage(Vec::new(), None);
    }
    ticket
}

fn refresh_meta(loaded: &mut Loaded) {
    if let Some(title) = charter::title(&loaded.doc) {
        loaded.meta.title = title;
    }
    loaded.meta.changes = loaded.total_changes;
}

/// Replace a document's chunks by one snapshot, atomically (the delete of
/// each old chunk is committed with the snapshot that covers it).
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
    loaded.stored_heads = loaded.doc.get_heads();
    loaded.incremental_changes = 0;
}

/// What communities need from the engine: the clock, signing, and drafts
/// forked from a charter and merged back.
impl Engine {
    /// The clock's time, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.now()).unwrap_or(0)
    }

    /// Sign a record with this device's key.
    pub fn sign_record(&self, unsigned: crate::record::Unsigned) -> Result<Record> {
        let kind = unsigned.payload.kind().name();
        Record::sign(&self.key, unsigned).map_err(|error| Error::ActRefused {
            kind,
            reason: error.to_string(),
        })
    }

    /// A fresh random document id (for a document created later, e.g. a
    /// draft named in a record before it is forked).
    pub fn new_doc_id(&mut self) -> DocId {
        DocId::from_bytes(self.random())
    }

    /// A new document `id` holding `source`'s history up to `heads` (the
    /// same changes, so the two merge later), e.g. an amendment's draft
    /// forked from the charter in force.
    pub fn fork_document(
        &mut self,
        id: DocId,
        source: &DocId,
        heads: &[ChangeHash],
        title: &str,
    ) -> Result<Edited<DocId>> {
        if self.docs.contains_key(&id) || self.store.get(Table::Docs, &id.to_string())?.is_some() {
            return Err(Error::Io(format!("document {id} already exists")));
        }
        let now = self.now();
        let actor = self.key.public().actor_for(&id);
        let forked = self
            .loaded(source)?
            .doc
            .fork_at(heads)
            .map_err(|error| Error::Damaged {
                doc: *source,
                detail: format!("cannot fork at these heads: {error}"),
            })?
            .with_actor(actor);
        let changes = forked.get_changes_meta(&[]).len() as u64;
        let meta = DocMeta {
            kind: "charter".into(),
            title: title.to_owned(),
            created_ms: now,
            updated_ms: now,
            changes,
        };
        self.store.stage(vec![meta_write(&id, &meta)], None);
        let mut loaded = Loaded {
            doc: forked,
            stored_heads: Vec::new(),
            unstaged: changes.max(1),
            last_staged_ms: now,
            chunk_keys: Vec::new(),
            total_changes: changes,
            incremental_changes: 0,
            text_objects: HashMap::new(),
            meta,
            changed: true,
        };
        let ticket = stage_doc(&self.store, &id, &mut loaded);
        self.docs.insert(id, loaded);
        Ok(Edited {
            value: id,
            change: None,
            ticket,
        })
    }

    /// Bring every change of `source` (up to `at`, if given) that `target`
    /// lacks into `target` (both documents of this home). Returns how many
    /// changes were new.
    pub fn merge_document(
        &mut self,
        target: &DocId,
        source: &DocId,
        at: Option<&[ChangeHash]>,
    ) -> Result<Staged<usize>> {
        let target_doc = self.loaded(target)?.doc.clone();
        let changes = {
            let source_doc = &self.loaded(source)?.doc;
            // `a.get_changes_added(b)`: the changes of `b` that `a` lacks.
            match at {
                None => target_doc.get_changes_added(source_doc),
                Some(heads) => {
                    let view = source_doc.fork_at(heads).map_err(|error| Error::Damaged {
                        doc: *source,
                        detail: format!("cannot read it at these heads: {error}"),
                    })?;
                    target_doc.get_changes_added(&view)
                }
            }
        };
        let count = changes.len();
        let store = &self.store;
        let loaded = self
            .docs
            .get_mut(target)
            .ok_or_else(|| Error::UnknownDocument(target.to_string()))?;
        if count == 0 {
            return Ok(Staged {
                value: 0,
                ticket: store.stage(Vec::new(), None),
            });
        }
        loaded
            .doc
            .apply_changes(changes)
            .map_err(|error| Error::Damaged {
                doc: *target,
                detail: format!("cannot merge: {error}"),
            })?;
        loaded.text_objects.clear();
        loaded.unstaged += count as u64;
        loaded.total_changes += count as u64;
        loaded.changed = true;
        refresh_meta(loaded);
        let ticket = stage_doc(store, target, loaded);
        Ok(Staged {
            value: count,
            ticket,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::markdown;
    use crate::store::MemoryStorage;

    const SAMPLE: &str = "# Charte\n\n## Adhésion\n\nToute personne peut adhérer.\n\n## Sortie\n\nOn part quand on veut.\n";

    fn options(seed: u8) -> EngineOptions {
        let mut counter = 0u32;
        EngineOptions::new(
            Box::new(|| 1_700_000_000_000),
            Box::new(move |buf: &mut [u8]| {
                counter += 1;
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = seed ^ (counter as u8).wrapping_mul(31).wrapping_add(i as u8);
                }
            }),
        )
    }

    /// A home in memory whose clock and entropy follow `seed` (also for
    /// other modules' tests).
    pub(crate) fn engine(seed: u8, storage: &MemoryStorage) -> Engine {
        Engine::with_storage(
            DeviceKey::from_seed(&[seed; 32]),
            Box::new(storage.clone()),
            options(seed),
        )
    }

    fn create(engine: &mut Engine) -> DocId {
        let created = engine
            .create_charter("Charte", &markdown::parse(SAMPLE))
            .expect("create");
        engine.wait(created.ticket).expect("durable");
        created.value
    }

    fn section(engine: &mut Engine, doc: &DocId, index: usize) -> SectionId {
        engine.charter(doc, None).expect("read").sections[index]
            .id
            .clone()
    }

    /// Words of the generated texts: accents, ligatures, a diaeresis.
    fn words() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let word = prop::sample::select(vec![
            "adhésion",
            "le",
            "collège",
            "décide",
            "à",
            "la",
            "majorité",
            "œuvre",
            "quorum",
            "Zoë",
            "ça",
            "tensions",
            "20 €",
        ]);
        prop::collection::vec(word, 1..5).prop_map(|w| w.join(" "))
    }

    /// A section body in the form Nous writes back: optional prose, then
    /// numbered articles (texts from a small pool, so articles repeat,
    /// move, merge, split and come back; continuation paragraphs; numbers
    /// in any order and style; non-ASCII; empty).
    fn body_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let pool = prop::sample::select(vec![
            "Premier article.",
            "Deuxième article.",
            "Le quorum est de moitié.",
            "Les décisions courantes sont prises chaque mois.",
            "Chaque membre peut quitter la coopérative.",
        ]);
        let paragraph = prop_oneof![
            pool.prop_map(str::to_owned),
            words().prop_map(|p| format!("{p}.")),
        ];
        let text = prop::collection::vec(paragraph, 1..3).prop_map(|p| p.join("\n\n"));
        let number = prop_oneof![
            (1u8..20).prop_map(|n| format!("{n}.")),
            (1u8..20).prop_map(|n| format!("{n})")),
            (1u8..9, 1u8..9).prop_map(|(a, b)| format!("{a}.{b}")),
        ];
        let article = (number, text).prop_map(|(n, text)| format!("{n} {text}"));
        (
            prop::option::of(
                prop::collection::vec(words().prop_map(|p| format!("Préambule : {p}.")), 1..3)
                    .prop_map(|p| p.join("\n\n")),
            ),
            prop::collection::vec(article, 0..7),
        )
            .prop_map(|(prose, articles)| {
                prose
                    .into_iter()
                    .chain(articles)
                    .collect::<Vec<_>>()
                    .join("\n\n")
            })
    }

    /// Property-test cases: `NOUS_PROPTEST_CASES`, else `default`.
    pub(crate) fn case_count(default: u32) -> u32 {
        std::env::var("NOUS_PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    }

    /// A section body of articles numbered 1, 2, 3… with these texts.
    fn articles_body(texts: &[String]) -> String {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. {t}", i + 1))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(256)))]

        /// Issue 12, item 1: a section edit gives exactly the text given,
        /// whatever the text before it (articles added, removed,
        /// reordered, renumbered, merged, split, edited; prose or not;
        /// empty); and so do the title, a heading and the preamble.
        #[test]
        fn a_section_reads_exactly_what_was_written(
            edits in proptest::collection::vec(
                (body_strategy(), words(), words(), proptest::option::of(body_strategy())),
                1..6,
            ),
        ) {
            let storage = MemoryStorage::default();
            let mut e = engine(3, &storage);
            let doc = create(&mut e);
            let section = section(&mut e, &doc, 1);
            for (body, title, heading, preamble) in &edits {
                // A preamble has no articles: it is prose throughout.
                let preamble = preamble.as_deref().unwrap_or("");
                e.edit(&doc, "edit", |c| {
                    c.set_body(&section, body)?;
                    c.set_title(title)?;
                    c.set_heading(&section, heading)?;
                    c.set_preamble(preamble)
                })
                .expect("edit");
                let read = e.charter(&doc, None).expect("read");
                let got = read.sections.iter().find(|s| s.id == section).expect("section");
                proptest::prop_assert_eq!(&got.body(), body);
                proptest::prop_assert_eq!(&got.heading, heading);
                proptest::prop_assert_eq!(&read.title, title);
                proptest::prop_assert_eq!(&read.preamble, preamble);
                // And the Markdown of the whole charter reads back the same.
                let again = markdown::parse(&markdown::render(&read, markdown::RenderOptions::default()));
                proptest::prop_assert_eq!(again.title.as_ref(), Some(title));
                proptest::prop_assert_eq!(&again.preamble, preamble);
                let back = again.sections.iter().find(|s| s.id.as_ref() == Some(&section)).expect("section");
                proptest::prop_assert_eq!(&markdown::render_body(&back.text, &back.articles), body);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(64)))]

        /// Issue 12, item 1: two homes editing different articles of one
        /// section at the same time both keep their edit once merged, in
        /// either direction.
        #[test]
        fn concurrent_edits_to_different_articles_both_survive(
            base in proptest::collection::vec(words(), 2..7),
            (a, offset) in (0usize..6, 0usize..5),
            alice_words in words(),
            bob_words in words(),
            bob_first in proptest::bool::ANY,
        ) {
            use proptest::prelude::*;
            // Two different articles of the section.
            let a = a % base.len();
            let b = (a + 1 + offset % (base.len() - 1)) % base.len();
            // Distinct articles, as in a charter.
            let base: Vec<String> = base.iter().enumerate().map(|(i, t)| format!("{t} ({i}).")).collect();
            let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
            let mut alice = engine(4, &storage_a);
            let mut bob = engine(5, &storage_b);
            let doc = create(&mut alice);
            let section = section(&mut alice, &doc, 0);
            alice.edit(&doc, "base", |c| c.set_body(&section, &articles_body(&base))).expect("edit");
            bob.import_bundle(&alice.export_bundle(&[doc]).expect("export")).expect("import");

            let mut by_alice = base.clone();
            by_alice[a] = format!("{} Alice : {alice_words}.", base[a]);
            let mut by_bob = base.clone();
            by_bob[b] = format!("Bob : {bob_words}.");
            alice.edit(&doc, "a", |c| c.set_body(&section, &articles_body(&by_alice))).expect("edit");
            bob.edit(&doc, "b", |c| c.set_body(&section, &articles_body(&by_bob))).expect("edit");
            let (first, second) = if bob_first { (&mut bob, &mut alice) } else { (&mut alice, &mut bob) };
            second.import_bundle(&first.export_bundle(&[doc]).expect("export")).expect("import");
            first.import_bundle(&second.export_bundle(&[doc]).expect("export")).expect("import");

            let mut expected = base.clone();
            expected[a] = by_alice[a].clone();
            expected[b] = by_bob[b].clone();
            for home in [&mut alice, &mut bob] {
                let read = home.charter(&doc, None).expect("read");
                let got = read.sections.iter().find(|s| s.id == section).expect("section");
                prop_assert_eq!(got.body(), articles_body(&expected));
            }
        }
    }

    /// A merge can leave an old change as the first head. Chunks used to be
    /// named after the first head, so such a merge overwrote the chunk that
    /// held that old change, and it was lost on reopening.
    #[test]
    fn merged_branches_survive_reopening_whatever_their_order() {
        for round in 0..8u8 {
            let storage = MemoryStorage::default();
            let mut engine = engine(3, &storage);
            let doc = create(&mut engine);
            let first = section(&mut engine, &doc, 0);
            let heads = engine.heads(&doc).expect("heads");
            let draft = engine.new_doc_id();
            engine
                .fork_document(draft, &doc, &heads, "draft")
                .expect("fork");
            let d = engine
                .edit(&draft, "", |c| {
                    c.set_body(&first, &format!("draft {round}"))
                })
                .expect("edit draft");
            let second = section(&mut engine, &doc, 1);
            let c = engine
                .edit(&doc, "", |c| {
                    c.set_body(&second, &format!("charter {round}"))
                })
                .expect("edit charter");
            engine.flush().expect("flush");
            engine.merge_document(&doc, &draft, None).expect("merge");
            engine.close().expect("close");

            let mut reopened = super::tests::engine(3, &storage);
            let text = reopened.charter(&doc, None).expect("read");
            assert_eq!(text.sections[0].text, format!("draft {round}"));
            assert_eq!(text.sections[1].text, format!("charter {round}"));
            let doc_ref = reopened.document(&doc).expect("doc");
            for change in [d.change, c.change].into_iter().flatten() {
                assert!(
                    doc_ref.get_change_by_hash(&change).is_some(),
                    "round {round}"
                );
            }
        }
    }

    #[test]
    fn edits_are_durable_and_reload_from_the_store() {
        let storage = MemoryStorage::default();
        let mut first = engine(1, &storage);
        let doc = create(&mut first);
        let section = section(&mut first, &doc, 0);
        let edited = first
            .edit(&doc, "majeure", |c| {
                c.set_body(&section, "Toute personne majeure peut adhérer.")
            })
            .expect("edit");
        first.wait(edited.ticket).expect("durable");
        // A second engine on the same storage sees it, without `close`.
        let mut second = engine(1, &storage);
        let charter = second.charter(&doc, None).expect("read");
        assert_eq!(
            charter.sections[0].text,
            "Toute personne majeure peut adhérer."
        );
        assert_eq!(second.history(&doc).expect("history").0.len(), 2);
        assert_eq!(second.list().expect("list")[0].meta.title, "Charte");
    }

    #[test]
    fn keystrokes_are_saved_by_flush_and_survive_compaction() {
        let storage = MemoryStorage::default();
        let mut engine_a = engine(2, &storage);
        let doc = create(&mut engine_a);
        let section = section(&mut engine_a, &doc, 1);
        let mut expected = "On part quand on veut.".to_owned();
        for (i, ch) in "Après un préavis. 🚪".chars().enumerate() {
            let position = expected.chars().count();
            engine_a
                .type_text(&doc, &section, position, 0, &ch.to_string())
                .expect("type");
            expected.push(ch);
            if i % 5 == 0 {
                engine_a.type_text(&doc, &section, 0, 1, "o").expect("type");
                expected.replace_range(..1, "o");
            }
        }
        // Enough changes to compact on the way.
        for _ in 0..100 {
            engine_a.type_text(&doc, &section, 0, 0, "x").expect("type");
            engine_a.type_text(&doc, &section, 0, 1, "").expect("type");
        }
        engine_a.flush().expect("flush");
        let reloaded = engine(2, &storage).charter(&doc, None).expect("read");
        assert_eq!(reloaded.sections[1].text, expected);
        let keys = storage_keys(&storage, &doc);
        assert!(keys.iter().any(|k| k.contains("/snapshot/")), "{keys:?}");
    }

    fn storage_keys(storage: &MemoryStorage, doc: &DocId) -> Vec<String> {
        storage
            .scan_prefix(Table::Chunks, &format!("{doc}/"))
            .expect("scan")
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn a_keystroke_out_of_range_is_an_error_and_changes_nothing() {
        let storage = MemoryStorage::default();
        let mut e = engine(3, &storage);
        let doc = create(&mut e);
        let section = section(&mut e, &doc, 0);
        let heads = e.heads(&doc).expect("heads");
        assert!(matches!(
            e.type_text(&doc, &section, 10_000, 0, "x"),
            Err(Error::Schema(SchemaError::OutOfRange { .. }))
        ));
        assert_eq!(e.heads(&doc).expect("heads"), heads);
        assert_eq!(
            e.type_text(&doc, &section, 0, 0, "").expect("noop").change,
            None
        );
    }

    #[test]
    fn bundles_merge_concurrent_edits_and_reimport_changes_nothing() {
        let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
        let mut alice = engine(4, &storage_a);
        let mut bob = engine(5, &storage_b);
        let doc = create(&mut alice);
        let bundle = alice.export_bundle(&[doc]).expect("export");
        let report = bob.import_bundle(&bundle).expect("import");
        assert_eq!(report[0].outcome, ImportOutcome::Added);
        let section = section(&mut alice, &doc, 0);
        alice
            .edit(&doc, "a", |c| {
                c.set_body(&section, "Alice: toute personne peut adhérer.")
            })
            .expect("edit");
        bob.edit(&doc, "b", |c| {
            c.set_body(&section, "Toute personne peut adhérer. Bob.")
        })
        .expect("edit");
        bob.import_bundle(&alice.export_bundle(&[doc]).expect("export"))
            .expect("import");
        let from_bob = bob.export_bundle(&[doc]).expect("export");
        let report = alice.import_bundle(&from_bob).expect("import");
        assert_eq!(report[0].outcome, ImportOutcome::Merged(1));
        assert_eq!(
            alice.heads(&doc).expect("heads"),
            bob.heads(&doc).expect("heads")
        );
        assert_eq!(
            alice.charter(&doc, None).expect("read").sections[0].text,
            "Alice: toute personne peut adhérer. Bob."
        );
        let commits = storage_a.commits();
        let again = alice.import_bundle(&from_bob).expect("import");
        assert_eq!(again[0].outcome, ImportOutcome::Unchanged);
        assert_eq!(
            storage_a.commits(),
            commits,
            "a second import writes nothing"
        );
    }

    #[test]
    fn importing_into_a_session_that_has_not_committed_yet_merges() {
        // Regression: the index listed only committed documents, so a bundle
        // of a document created but not yet committed here replaced it.
        let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
        let mut alice = engine(11, &storage_a);
        let mut bob = engine(12, &storage_b);
        let doc = alice
            .create_charter("Charte", &markdown::parse(SAMPLE))
            .expect("create")
            .value;
        let sortie = section(&mut alice, &doc, 1);
        alice
            .type_text(&doc, &sortie, 0, 0, "Alice. ")
            .expect("type");
        bob.import_bundle(&alice.export_bundle(&[doc]).expect("export"))
            .expect("import");
        let adhesion = section(&mut bob, &doc, 0);
        bob.edit(&doc, "b", |c| c.set_body(&adhesion, "Bob."))
            .expect("edit");
        let report = alice
            .import_bundle(&bob.export_bundle(&[doc]).expect("export"))
            .expect("import");
        assert_eq!(report[0].outcome, ImportOutcome::Merged(1));
        let charter = alice.charter(&doc, None).expect("read");
        assert_eq!(charter.sections[0].text, "Bob.");
        assert_eq!(charter.sections[1].text, "Alice. On part quand on veut.");
        assert_eq!(
            storage_a.commits(),
            1,
            "one commit: create, keystroke and merge"
        );
    }

    #[test]
    fn a_bundle_with_one_bad_document_imports_nothing() {
        let storage_a = MemoryStorage::default();
        let mut alice = engine(6, &storage_a);
        let doc = create(&mut alice);
        let good = alice.export_bundle(&[doc]).expect("export");
        let mut bundle = Bundle::decode(&good).expect("decode");
        bundle
            .documents
            .push((DocId::from_bytes([9; 16]), b"not automerge".to_vec()));
        let storage_b = MemoryStorage::default();
        let mut bob = engine(7, &storage_b);
        assert!(matches!(
            bob.import_bundle(&bundle.encode()),
            Err(Error::Refused { .. })
        ));
        assert!(bob.list().expect("list").is_empty());
        assert_eq!(storage_b.commits(), 0);
    }

    #[test]
    fn documents_are_found_by_id_prefix_or_title() {
        let storage = MemoryStorage::default();
        let mut e = engine(8, &storage);
        let doc = create(&mut e);
        let text = doc.to_string();
        assert_eq!(e.resolve(&text).expect("id"), doc);
        assert_eq!(e.resolve(&text[..6]).expect("prefix"), doc);
        assert_eq!(e.resolve("charte").expect("title"), doc);
        assert!(matches!(e.resolve("nope"), Err(Error::UnknownDocument(_))));
        let other = create(&mut e);
        assert_ne!(other, doc);
        assert!(matches!(
            e.resolve("Charte"),
            Err(Error::AmbiguousDocument { .. })
        ));
    }

    #[test]
    fn a_document_whose_data_is_missing_is_reported_damaged() {
        let storage = MemoryStorage::default();
        let mut e = engine(10, &storage);
        let doc = create(&mut e);
        let keys = storage_keys(&storage, &doc);
        let deletes = keys
            .into_iter()
            .map(|key| WriteOp::Delete {
                table: Table::Chunks,
                key,
            })
            .collect();
        storage.commit(deletes).expect("delete");
        let mut fresh = engine(10, &storage);
        assert!(matches!(
            fresh.charter(&doc, None),
            Err(Error::Damaged { .. })
        ));
        // Garbage where the document should be.
        storage
            .commit(vec![WriteOp::Put {
                table: Table::Chunks,
                key: chunk_key(&doc, "snapshot", "00"),
                value: b"garbage".to_vec(),
            }])
            .expect("put");
        let mut fresh = engine(10, &storage);
        assert!(matches!(
            fresh.charter(&doc, None),
            Err(Error::Damaged { .. })
        ));
        assert!(matches!(
            fresh.charter(&DocId::from_bytes([0; 16]), None),
            Err(Error::UnknownDocument(_))
        ));
    }

    #[test]
    fn a_failed_write_is_never_reported_saved() {
        let storage = MemoryStorage::default();
        let mut e = engine(9, &storage);
        let doc = create(&mut e);
        storage.fail_commits_after(0);
        let section = section(&mut e, &doc, 0);
        let edited = e
            .edit(&doc, "x", |c| c.set_body(&section, "x"))
            .expect("staged");
        assert!(e.wait(edited.ticket).is_err());
        assert!(e.flush().is_err());
    }

    // Records ----------------------------------------------------------------

    use crate::ledger::fixtures::{forged, genesis, tension};

    fn community(seed: u8) -> Vec<Record> {
        let key = DeviceKey::from_seed(&[seed; 32]);
        let genesis = genesis(&key, "Coop");
        vec![
            tension(&key, &genesis, "one"),
            tension(&key, &genesis, "two"),
            genesis,
        ]
    }

    fn ids(records: &[Record]) -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = records.iter().map(Record::id).collect();
        ids.sort();
        ids
    }

    #[test]
    fn added_records_are_durable_after_wait_and_listed_by_community() {
        let storage = MemoryStorage::default();
        let mut e = engine(20, &storage);
        let records = community(1);
        let id = records[2].id();
        let added = e.add_records(&records).expect("add");
        assert_eq!(added.value, 3);
        // Staged: listed already, not yet committed.
        assert_eq!(ids(&e.records(&id).expect("records")), ids(&records));
        assert_eq!(e.communities().expect("communities"), vec![id]);
        assert_eq!(storage.commits(), 0);
        assert_eq!(e.add_records(&records).expect("again").value, 0);
        e.wait(added.ticket).expect("durable");
        assert_eq!(storage.commits(), 1);

        let mut fresh = engine(20, &storage);
        assert_eq!(ids(&fresh.records(&id).expect("records")), ids(&records));
        assert_eq!(fresh.communities().expect("communities"), vec![id]);
        let again = fresh.add_records(&records).expect("again");
        assert_eq!(again.value, 0);
        fresh.wait(again.ticket).expect("wait");
        assert_eq!(storage.commits(), 1, "known records write nothing");
        assert!(
            fresh
                .records(&RecordId([9; 32]))
                .expect("records")
                .is_empty()
        );
    }

    #[test]
    fn one_badly_signed_record_refuses_the_whole_call() {
        let storage = MemoryStorage::default();
        let mut e = engine(21, &storage);
        let mut records = community(1);
        let bad = Record::decode(&forged(&records[0])).expect("well-formed");
        records.push(bad.clone());
        match e.add_records(&records) {
            Err(Error::RecordRefused { id, reason }) => {
                assert_eq!(id, bad.id());
                assert_eq!(reason, RecordError::Signature);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        e.flush().expect("flush");
        assert_eq!(storage.commits(), 0);
        assert!(e.communities().expect("communities").is_empty());
    }

    #[test]
    fn bundles_carry_records_and_reimporting_writes_nothing() {
        let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
        let mut alice = engine(22, &storage_a);
        let mut bob = engine(23, &storage_b);
        let doc = create(&mut alice);
        let records = community(1);
        let id = records[2].id();
        alice.add_records(&records).expect("add");
        let bundle = alice
            .export_bundle_with(&[doc, doc], &[id, id])
            .expect("export");
        let report = bob.import_bundle(&bundle).expect("import");
        assert_eq!(report.documents.len(), 1);
        assert_eq!(report[0].outcome, ImportOutcome::Added);
        assert_eq!((report.records, report.new_records), (3, 3));
        assert_eq!(
            storage_b.commits(),
            1,
            "documents and records in one commit"
        );
        assert_eq!(ids(&bob.records(&id).expect("records")), ids(&records));
        assert_eq!(bob.communities().expect("communities"), vec![id]);

        let again = bob.import_bundle(&bundle).expect("again");
        assert_eq!((again.records, again.new_records), (3, 0));
        assert_eq!(storage_b.commits(), 1, "a second import writes nothing");
        // A bundle without communities carries no record.
        let plain = Bundle::decode(&alice.export_bundle(&[doc]).expect("export")).expect("decode");
        assert!(plain.records.is_empty());
    }

    #[test]
    fn a_bundle_with_one_bad_record_imports_nothing() {
        let storage_a = MemoryStorage::default();
        let mut alice = engine(24, &storage_a);
        let doc = create(&mut alice);
        let records = community(1);
        alice.add_records(&records).expect("add");
        let good = alice
            .export_bundle_with(&[doc], &[records[2].id()])
            .expect("export");
        let mut forged_bundle = Bundle::decode(&good).expect("decode");
        let bad = forged(&records[1]);
        forged_bundle.records.push(bad.clone());
        let mut malformed_bundle = Bundle::decode(&good).expect("decode");
        malformed_bundle.records.push(b"not a record".to_vec());

        for (bundle, expected) in [
            (forged_bundle, (RecordId::of(&bad), RecordError::Signature)),
            (
                malformed_bundle,
                (RecordId::of(b"not a record"), RecordError::Magic),
            ),
        ] {
            let storage_b = MemoryStorage::default();
            let mut bob = engine(25, &storage_b);
            let error = bob.import_bundle(&bundle.encode()).expect_err("refused");
            assert!(error.to_string().contains(&expected.0.short()), "{error}");
            assert!(
                matches!(&error, Error::RecordRefused { id, reason } if (*id, reason.clone()) == expected),
                "{error:?}"
            );
            bob.flush().expect("flush");
            assert_eq!(storage_b.commits(), 0);
            assert!(bob.list().expect("list").is_empty());
            assert!(bob.communities().expect("communities").is_empty());
        }
    }

    #[test]
    fn a_damaged_stored_record_is_an_error() {
        let storage = MemoryStorage::default();
        let records = community(1);
        let id = records[2].id();
        let put = |key: String, value: &[u8]| {
            storage
                .commit(vec![WriteOp::Put {
                    table: Table::Records,
                    key,
                    value: value.to_vec(),
                }])
                .expect("put")
        };
        put(
            crate::store::record_key(&id, &records[0].id()),
            records[1].bytes(),
        );
        let e = engine(26, &storage);
        assert!(matches!(
            e.records(&id),
            Err(Error::RecordDamaged { id: damaged, .. }) if damaged == records[0].id()
        ));
        let storage = MemoryStorage::default();
        let garbage = b"garbage".as_slice();
        storage
            .commit(vec![WriteOp::Put {
                table: Table::Records,
                key: crate::store::record_key(&id, &RecordId::of(garbage)),
                value: garbage.to_vec(),
            }])
            .expect("put");
        assert!(matches!(
            engine(26, &storage).records(&id),
            Err(Error::RecordDamaged { .. })
        ));
    }
}
