//! Bundles in and out, and the ledger replica a sync sends.

use super::records::shares_history;
use super::*;
use crate::progress::{Progress, Tally};

/// The most changes one import keeps unapplied as keystrokes
/// ([`Engine::typed_plan`]): what the typing check takes at once.
const MAX_TYPED: usize = guard::typing::MAX_CHECKED;

impl Engine {
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
        self.export_bundle_with_progress(ids, communities, &mut crate::progress::none)
    }

    /// [`Engine::export_bundle_with`], telling `progress` how far it is:
    /// `(done, total)`, counting each document (loaded and saved) and each
    /// community (its records read).
    pub fn export_bundle_with_progress(
        &mut self,
        ids: &[DocId],
        communities: &[CommunityId],
        progress: Progress<'_>,
    ) -> Result<Vec<u8>> {
        let mut bundle = Bundle::default();
        let mut seen = HashSet::new();
        let ids: Vec<DocId> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        let communities: BTreeSet<CommunityId> = communities.iter().copied().collect();
        let mut tally = Tally::new(ids.len() + communities.len(), progress);
        for id in &ids {
            let doc = &self.loaded(id)?.doc;
            bundle.documents.push((*id, doc.save()));
            tally.add(1);
        }
        for community in &communities {
            for record in self.records(community)? {
                bundle.records.push(record.bytes().to_vec());
            }
            tally.add(1);
        }
        let bytes = bundle.encode();
        tally.finish();
        Ok(bytes)
    }

    /// This home's replica of a community's ledger document (what it last
    /// synced with a relay), if it has one. See [`crate::ledger`].
    pub fn ledger_replica(&self, community: &CommunityId) -> Result<Option<Vec<u8>>> {
        let Some(mut bytes) = self
            .store
            .get(Table::Meta, &ledger_replica_key(community))?
        else {
            return Ok(None);
        };
        // The changes taken in since the replica was saved whole.
        if let Some(tail) = self.store.get(Table::Meta, &ledger_tail_key(community))? {
            bytes.extend_from_slice(&tail);
        }
        Ok(Some(bytes))
    }

    /// Keep `bytes` (a saved ledger document) as this home's replica of
    /// `community`'s ledger, durably. The replica is kept so that this
    /// device's writes to the ledger continue its own history instead of
    /// starting a new one each time (Automerge refuses two different
    /// changes with the same actor and number).
    pub fn set_ledger_replica(&mut self, community: &CommunityId, bytes: Vec<u8>) -> Result<()> {
        self.ledgers.remove(community);
        let ticket = self.store.stage(
            vec![
                WriteOp::Put {
                    table: Table::Meta,
                    key: ledger_replica_key(community),
                    value: bytes,
                },
                // Heads unknown: none are kept rather than stale ones.
                WriteOp::Delete {
                    table: Table::Meta,
                    key: ledger_heads_key(community),
                },
                WriteOp::Delete {
                    table: Table::Meta,
                    key: ledger_tail_key(community),
                },
            ],
            None,
        );
        Ok(self.store.wait(ticket)?)
    }

    /// Keep `doc` as this home's replica of `community`'s ledger, durably,
    /// with its heads beside it ([`Engine::ledger_replica_heads`]).
    pub fn keep_ledger_replica(&mut self, community: &CommunityId, doc: &Automerge) -> Result<()> {
        self.ledgers.remove(community);
        // An empty tail: the next change taken in starts it without reading
        // the whole save to know there is one.
        let writes = ledger_writes(community, Some(doc.save()), Vec::new(), doc);
        let ticket = self.store.stage(writes, None);
        self.store.wait(ticket)?;
        self.ledgers.insert(*community, doc.clone());
        Ok(())
    }

    /// This home's replica of `community`'s ledger, loaded (through the
    /// guard, writing as this device) once and kept: what the store holds.
    /// `None` when it keeps none.
    pub fn ledger_replica_doc(&mut self, community: &CommunityId) -> Result<Option<&Automerge>> {
        if !self.ledgers.contains_key(community) {
            let Some(bytes) = self.ledger_replica(community)? else {
                return Ok(None);
            };
            let id = crate::ledger::doc_id(community);
            let actor = self.key.public().actor_for(&id);
            let doc = crate::guard::load(&bytes, &self.options.import_limits, actor).map_err(
                |error| Error::Damaged {
                    doc: id,
                    detail: format!("this home's ledger replica: {error}"),
                },
            )?;
            self.ledgers.insert(*community, doc);
        }
        Ok(self.ledgers.get(community))
    }

    /// This home's replica of `community`'s ledger, taken out of the engine
    /// to be changed in place ([`crate::ledger::admit_fresh_in_place`]):
    /// give it back with [`Engine::extend_ledger_replica`] or
    /// [`Engine::restore_ledger_replica_doc`]; dropped, it is read from the
    /// store again when next needed.
    pub fn take_ledger_replica_doc(
        &mut self,
        community: &CommunityId,
    ) -> Result<Option<Automerge>> {
        self.ledger_replica_doc(community)?;
        Ok(self.ledgers.remove(community))
    }

    /// Give back, unchanged, a replica taken with
    /// [`Engine::take_ledger_replica_doc`].
    pub fn restore_ledger_replica_doc(&mut self, community: &CommunityId, doc: Automerge) {
        self.ledgers.insert(*community, doc);
    }

    /// Keep `doc` as this home's replica of `community`'s ledger, where
    /// `doc` is the replica kept so far with the changes `new` (their
    /// hashes) taken in: those are appended to the replica's tail, not the
    /// whole ledger saved again, until the tail outweighs
    /// 256 KiB (a record taken in costs the same in a
    /// community of ten and of ten thousand; the whole save comes once per
    /// so many).
    pub fn extend_ledger_replica(
        &mut self,
        community: &CommunityId,
        doc: Automerge,
        new: &[ChangeHash],
    ) -> Result<()> {
        self.extend_ledger_tail(community, &doc, new)?;
        self.ledgers.insert(*community, doc);
        Ok(())
    }

    fn extend_ledger_tail(
        &mut self,
        community: &CommunityId,
        doc: &Automerge,
        new: &[ChangeHash],
    ) -> Result<()> {
        self.ledgers.remove(community);
        let Some(mut tail) = self
            .store
            .get(Table::Meta, &ledger_tail_key(community))?
            .or_else(|| {
                // No tail yet: one starts if the replica is there.
                self.store
                    .get(Table::Meta, &ledger_replica_key(community))
                    .ok()
                    .flatten()
                    .map(|_| Vec::new())
            })
        else {
            return self.keep_ledger_replica(community, doc);
        };
        for hash in new {
            match doc.get_change_by_hash(hash) {
                Some(change) => tail.extend_from_slice(change.raw_bytes()),
                None => return self.keep_ledger_replica(community, doc),
            }
        }
        if tail.len() > LEDGER_TAIL_BYTES {
            return self.keep_ledger_replica(community, doc);
        }
        let ticket = self
            .store
            .stage(ledger_writes(community, None, tail, doc), None);
        Ok(self.store.wait(ticket)?)
    }

    /// The heads of this home's ledger replica of `community`, read without
    /// the replica (empty when none is kept, or not known): what a sync
    /// names so that only the ledger's changes after them come back.
    pub fn ledger_replica_heads(&self, community: &CommunityId) -> Result<Vec<ChangeHash>> {
        let Some(bytes) = self.store.get(Table::Meta, &ledger_heads_key(community))? else {
            return Ok(Vec::new());
        };
        if bytes.len() % 32 != 0 {
            return Ok(Vec::new());
        }
        Ok(bytes
            .chunks_exact(32)
            .map(|chunk| {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(chunk);
                ChangeHash(hash)
            })
            .collect())
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
        let stored = self.ledger_replica_doc(community)?.cloned();
        let had = stored.is_some();
        let mut doc = stored.unwrap_or_else(|| crate::ledger::new_ledger(actor));
        let records = self.records(community)?;
        let added = crate::ledger::insert(&mut doc, &records)
            .map_err(|error| damaged(format!("this home's ledger replica: {error}")))?;
        if added > 0 || !had || self.ledger_replica_heads(community)?.is_empty() {
            self.keep_ledger_replica(community, &doc)?;
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
        self.import_decoded(Bundle::decode(bytes)?)
    }

    /// [`Engine::import_bundle`], telling `progress` how far it is:
    /// `(done, total)`, where the total is the bundle's records and
    /// documents, a record done once known here or its signature checked,
    /// a document once checked and ready to merge; `(total, total)` once
    /// the import is written. Nothing else differs.
    pub fn import_bundle_with_progress(
        &mut self,
        bytes: &[u8],
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        self.import_decoded_with_progress(Bundle::decode(bytes)?, progress)
    }

    /// Merge documents a peer sent (a relay's answer to a sync): the merge
    /// path of [`Engine::import_bundle`], with every check, without
    /// encoding the documents into a bundle and decoding them again. All
    /// or nothing, as an import.
    pub fn apply_remote(&mut self, documents: Vec<(DocId, Vec<u8>)>) -> Result<ImportReport> {
        self.apply_remote_witnessed(documents, HashMap::new())
    }

    /// [`Engine::apply_remote`], with a **witness** for some documents: the
    /// session's own copy after it took the peer's changes in, which spares
    /// applying them again to a copy of this home's document (a walk of
    /// the whole document per received edit). A witness that is not
    /// exactly this home's copy with the sent changes is not used
    /// ([`guard::apply_witnessed`]); every check is the same either way.
    pub fn apply_remote_witnessed(
        &mut self,
        documents: Vec<(DocId, Vec<u8>)>,
        witnesses: HashMap<DocId, Automerge>,
    ) -> Result<ImportReport> {
        self.import_witnessed(
            Bundle {
                documents,
                records: Vec::new(),
            },
            witnesses,
            &mut crate::progress::none,
        )
    }

    /// [`Engine::import_bundle`] of a bundle already decoded (by a caller
    /// that read its entries first), so it is not decoded twice.
    pub fn import_decoded(&mut self, bundle: Bundle) -> Result<ImportReport> {
        self.import_decoded_with_progress(bundle, &mut crate::progress::none)
    }

    /// [`Engine::import_decoded`], telling `progress` how far it is (see
    /// [`Engine::import_bundle_with_progress`]).
    pub fn import_decoded_with_progress(
        &mut self,
        bundle: Bundle,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        self.import_witnessed(bundle, HashMap::new(), progress)
    }

    /// `payload` (changes after this home's heads, from a peer) as
    /// keystrokes to keep unapplied, if the typing check vouches for every
    /// one (`guard::Typing`) and none could make the import refuse it or
    /// the index wrong: written in this document (the claims), in a text
    /// other than the title, nothing on a map's key. Only while nothing
    /// local waits to be staged.
    fn typed_plan(
        &mut self,
        id: &DocId,
        payload: &[u8],
        limits: &Limits,
    ) -> Result<Option<Vec<guard::Typed>>> {
        // What a live session brings at a look: a few. A catch-up takes
        // the merge path (checking a long run change by change would look
        // up each keystroke's place in the text).
        if guard::chunks(payload).is_none_or(|chunks| chunks.len() > MAX_TYPED) {
            return Ok(None);
        }
        let loaded = self.loaded_unsettled(id)?;
        if loaded.unstaged > 0 {
            return Ok(None);
        }
        let Loaded {
            doc, seqs, typing, ..
        } = loaded;
        let seqs = seqs.get_or_insert_with(|| guard::Sequences::of(doc));
        let Some(typed) = typing.check(doc, seqs, &[payload.to_vec()], limits) else {
            return Ok(None);
        };
        let title = match doc.get(automerge::ROOT, "title") {
            Ok(Some((_, ObjId::Id(counter, actor, _)))) => Some((counter, actor)),
            _ => None,
        };
        for t in &typed {
            if crate::bundle::actor_document(t.change.actor_id())
                .is_some_and(|in_doc| in_doc != *id)
            {
                return Ok(None);
            }
            let Ok(expanded) = crate::contain::contain(|| t.change.decode()) else {
                return Ok(None);
            };
            for op in &expanded.operations {
                let in_title = match &op.obj {
                    automerge::legacy::ObjectId::Id(automerge::legacy::OpId(counter, actor)) => {
                        title
                            .as_ref()
                            .is_some_and(|(c, a)| c == counter && a == actor)
                    }
                    automerge::legacy::ObjectId::Root => true,
                };
                if in_title || matches!(op.key, automerge::legacy::Key::Map(_)) {
                    return Ok(None);
                }
            }
        }
        Ok(Some(typed))
    }

    /// Keep `typed` (stored in `chunk`, the index at `meta`) unapplied in
    /// the loaded document; applied once they are many.
    fn keep_typed(
        &mut self,
        id: &DocId,
        typed: Vec<guard::Typed>,
        meta: DocMeta,
        chunk: String,
    ) -> Result<()> {
        let loaded = self.loaded_unsettled(id)?;
        loaded.typing.keep(&typed);
        let changes: Vec<automerge::Change> = typed.into_iter().map(|t| t.change).collect();
        let count = changes.len() as u64;
        if let Some(seqs) = &mut loaded.seqs {
            seqs.advance(guard::sequence::Advance::of(&changes));
        }
        let mut heads = loaded.heads();
        for change in &changes {
            heads.retain(|h| !change.deps().contains(h));
            heads.push(change.hash());
            heads.sort();
        }
        loaded.remote.extend(changes);
        loaded.remote_heads = heads.clone();
        loaded.stored_heads = heads;
        loaded.foreign = true;
        loaded.chunk_keys.push(chunk);
        loaded.total_changes += count;
        loaded.incremental_changes += count;
        loaded.meta = meta;
        // Compacted at close once its chunks are due (a watch that only
        // receives would otherwise store every keystroke as a chunk).
        loaded.changed = true;
        // One batch per this many: Automerge's walk of the text, once per
        // a share of the document's changes, stays flat per edit.
        let batch = usize::try_from(loaded.total_changes / 64)
            .unwrap_or(usize::MAX)
            .clamp(256, 4_096);
        if loaded.remote.len() >= batch {
            self.loaded(id)?;
        }
        Ok(())
    }

    fn import_witnessed(
        &mut self,
        bundle: Bundle,
        mut witnesses: HashMap<DocId, Automerge>,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let mut tally = Tally::new(bundle.records.len() + bundle.documents.len(), progress);
        let new_records = self.new_records_from_bundle(&bundle.records, &mut tally)?;
        let mut claims = self.bundle_claims(&new_records)?;
        // The other communities' claims, once gathered.
        let mut others = false;
        let now = self.now();
        let device = self.key.public();
        let limits = self.options.import_limits;
        let existing: HashSet<DocId> = self.list()?.into_iter().map(|d| d.id).collect();

        enum Plan {
            Add(Automerge, u64),
            Merge(Automerge, Vec<automerge::Change>, guard::Sequences),
            /// Keystrokes, vouched for: stored, kept unapplied.
            Typed(Vec<guard::Typed>),
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
            let plan = if existing.contains(id) && payload.is_empty() {
                // A peer that had nothing after this home's heads.
                Plan::Unchanged
            } else if existing.contains(id)
                && let Some(typed) = self.typed_plan(id, payload, &limits)?
            {
                Plan::Typed(typed)
            } else if existing.contains(id) {
                let loaded = self.loaded(id)?;
                let mut seqs = loaded
                    .seqs
                    .get_or_insert_with(|| guard::Sequences::of(&loaded.doc))
                    .clone();
                let base = &loaded.doc;
                let applied = match witnesses.remove(id) {
                    Some(witness) => guard::apply_witnessed(base, payload, witness, &limits),
                    None => guard::apply(base, payload, &limits),
                }
                .map_err(refused)?;
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
                    if !Claims::written_in(id, &applied.doc, &applied.new_changes) {
                        if !others {
                            self.other_claims(&mut claims, &new_records)?;
                            others = true;
                        }
                        claims
                            .check(id, &applied.doc, Some(&applied.new_changes))
                            .map_err(|mismatch| not_that(mismatch.to_string()))?;
                    }
                    // Held to the relay's post-conditions, change by change:
                    // each comes back out as it went in, and is the next of
                    // its actor (no second change for a number, no gap).
                    // The whole document is saved and loaded again when a
                    // snapshot is written (`compact`), not per merge.
                    let advance = seqs
                        .check(&applied.doc, &applied.changes)
                        .map_err(|error| refused(guard::GuardError::Rejected(error.to_string())))?;
                    seqs.advance(advance);
                    Plan::Merge(applied.doc, applied.changes, seqs)
                }
            } else {
                let (doc, stats) = guard::load_with_stats(payload, &limits, device.actor_for(id))
                    .map_err(refused)?;
                if !others {
                    self.other_claims(&mut claims, &new_records)?;
                    others = true;
                }
                claims
                    .check(id, &doc, None)
                    .map_err(|mismatch| not_that(mismatch.to_string()))?;
                guard::saves_and_loads(&doc).map_err(refused)?;
                Plan::Add(doc, stats.changes)
            };
            plans.push((index, *id, plan));
            tally.add(1);
        }
        plans.sort_by_key(|(index, _, _)| *index);

        // Local keystrokes first, so the merged document's heads cover
        // only stored changes once the import is staged.
        self.stage();

        // Stage everything as one batch, so the import is all or nothing.
        let mut ops = crate::store::record_writes(&new_records);
        let mut report = Vec::new();
        let mut updates = Vec::new();
        let mut merged_seqs: HashMap<DocId, guard::Sequences> = HashMap::new();
        let mut kept = Vec::new();
        for (_, id, plan) in plans {
            let (doc, outcome, chunk, new_changes) = match plan {
                Plan::Typed(typed) => {
                    let key = incremental_chunk(&id, typed.iter().map(|t| &t.change), &mut ops);
                    // Keystrokes touch neither the title nor the schema's
                    // keys (`typed_plan`): the index keeps its title and kind.
                    let mut meta = self
                        .docs
                        .get(&id)
                        .map(|l| l.meta.clone())
                        .ok_or_else(|| Error::UnknownDocument(id.to_string()))?;
                    meta.changes += typed.len() as u64;
                    meta.updated_ms = now;
                    ops.push(meta_write(&id, &meta));
                    report.push(Imported {
                        id,
                        title: meta.title.clone(),
                        outcome: ImportOutcome::Merged(typed.len()),
                    });
                    kept.push((id, typed, meta, key));
                    continue;
                }
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
                Plan::Merge(doc, new, seqs) => {
                    merged_seqs.insert(id, seqs);
                    let key = incremental_chunk(&id, new.iter(), &mut ops);
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
        for (id, typed, meta, chunk) in kept {
            self.keep_typed(&id, typed, meta, chunk)?;
        }
        for (id, mut doc, meta, chunk, new_changes, outcome) in updates {
            doc.set_actor(device.actor_for(&id));
            match (self.docs.get_mut(&id), outcome) {
                (Some(loaded), ImportOutcome::Merged(_)) => {
                    loaded.stored_heads = doc.get_heads();
                    loaded.doc = doc;
                    loaded.seqs = merged_seqs.remove(&id);
                    loaded.typing.reset();
                    loaded.foreign = true;
                    loaded.chunk_keys.push(chunk);
                    loaded.total_changes += new_changes;
                    loaded.incremental_changes += new_changes;
                    loaded.text_objects.clear();
                    loaded.meta = meta;
                    // Compacted at close once its chunks are due.
                    loaded.changed = true;
                }
                _ => {
                    self.docs.insert(
                        id,
                        Loaded {
                            last_staged_ms: now,
                            chunk_keys: vec![chunk],
                            total_changes: new_changes,
                            // Imported whole: it saved and loaded again.
                            ..Loaded::new(doc, meta)
                        },
                    );
                }
            }
        }
        tally.finish();
        Ok(ImportReport {
            documents: report,
            records: bundle.records.len(),
            new_records: new_records.len(),
            added: new_records
                .iter()
                .map(|r| (r.community(), r.id(), r.kind()))
                .collect(),
        })
    }
}

/// Stage `changes` (a merge's new ones, in order) as one incremental chunk
/// of `id`, named after the first; returns its key.
fn incremental_chunk<'a>(
    id: &DocId,
    changes: impl Iterator<Item = &'a automerge::Change>,
    ops: &mut Vec<WriteOp>,
) -> String {
    let mut bytes = Vec::new();
    let mut first = None;
    for change in changes {
        first.get_or_insert_with(|| ids::hash_hex(&change.hash()));
        bytes.extend_from_slice(change.raw_bytes());
    }
    let key = chunk_key(id, "incremental", &first.unwrap_or_default());
    ops.push(WriteOp::Put {
        table: Table::Chunks,
        key: key.clone(),
        value: bytes,
    });
    key
}

/// The writes that keep `doc` as a community's ledger replica: its whole
/// save when given, the tail of changes since, and its heads.
fn ledger_writes(
    community: &CommunityId,
    save: Option<Vec<u8>>,
    tail: Vec<u8>,
    doc: &Automerge,
) -> Vec<WriteOp> {
    let heads: Vec<u8> = doc.get_heads().iter().flat_map(|h| h.0).collect();
    let mut writes: Vec<WriteOp> = save
        .map(|value| WriteOp::Put {
            table: Table::Meta,
            key: ledger_replica_key(community),
            value,
        })
        .into_iter()
        .collect();
    writes.push(WriteOp::Put {
        table: Table::Meta,
        key: ledger_tail_key(community),
        value: tail,
    });
    writes.push(WriteOp::Put {
        table: Table::Meta,
        key: ledger_heads_key(community),
        value: heads,
    });
    writes
}
