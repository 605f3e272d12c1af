//! What communities need from the engine: the clock, signing, and drafts
//! forked from a charter and merged back.

use super::*;

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
            reason: crate::governance::reason!(RecordInvalid, detail = error.to_string()),
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
            stored_heads: Vec::new(),
            unstaged: changes.max(1),
            last_staged_ms: now,
            total_changes: changes,
            changed: true,
            edited: true,
            ..Loaded::new(forked, meta)
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
        loaded.edited = true;
        loaded.seqs = None;
        // Other members' changes, merged from their draft.
        loaded.foreign = true;
        refresh_meta(loaded);
        let ticket = stage_doc(store, target, loaded);
        Ok(Staged {
            value: count,
            ticket,
        })
    }
}
