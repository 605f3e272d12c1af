//! Typing changes: what can be admitted without applying it first.
//!
//! The relay checks every change by applying it (on the document itself,
//! inside the guard's containment), and Automerge 0.12's apply walks every
//! op of the object a change touches: at 50,000 characters, about 10 ms for
//! one keystroke. Most changes a live document receives are keystrokes:
//! characters inserted into a text, characters deleted from it. [`Typing`]
//! tells such a change apart and vouches that Automerge will apply it, so
//! the caller may keep it, forward it and apply it later with others, in one
//! batch (one walk for many changes).
//!
//! **What is vouched for.** A change is a typing change when, decoded by
//! Automerge (inside the containment) and encoded again, it gives back its
//! own bytes (so every peer reads the same change under the same hash), and:
//!
//! * its number is the next one of its actor (the caller's [`Sequences`],
//!   which know the last change of every actor, agree), its first op
//!   counter is past the actor's last and past every dependency's, every
//!   dependency is a change known here (applied, or vouched for and kept)
//!   or held by the document;
//! * every op is either in a text — the insertion of a string after an
//!   element known here (or the head, or an element this change inserted
//!   before it), or the deletion of an element known here whose only
//!   predecessor is that element's insertion — or on a key of a map (the
//!   root, or a map the document holds): a scalar put there, or the key
//!   deleted, over ops known to be on that key (what a client stamping its
//!   edits does); every op it refers to comes before it (a smaller
//!   counter).
//!
//! Anything else — objects made, counters, marks, an element overwritten,
//! an element or a key's op that is neither known here nor in the document
//! — is `None`: the caller takes the full path (apply, then check). "Known
//! here" means learnt from changes the caller saw enter the document
//! ([`Typing::learn`]), vouched for and kept ([`Typing::keep`]), or looked
//! up in the document and remembered: an element it shows in that text,
//! visible and not overwritten (a cursor to it and the op at its place),
//! and the ops a map's key holds (its conflicts) when nothing known here
//! touched that key. So a relay that just loaded a document, or took in a
//! long catch-up, vouches for the next keystroke without learning the
//! whole history first. An instance is sound only while every change it
//! knows is in the document or waiting to be applied to it, in order. A
//! caller that rebuilds or drops its document calls [`Typing::reset`].
//!
//! The property tests below hold the promise to Automerge: any sequence of
//! changes vouched for, honest or mutated, applies in one batch, and the
//! document still saves, loads and syncs to a fresh peer.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjType, ReadDoc as _, ScalarValue};

use super::elements::{Elements, Id};
use super::scan::chunk_header;
use super::{Limits, Sequences, contained, decode_change};

/// The type of an uncompressed change chunk.
const CHANGE_CHUNK: u8 = 1;

/// The root map, as an [`Id`] no op has.
const ROOT: Id = (0, u32::MAX);

/// A key of a map: the map and the key.
type Slot = (Id, String);

/// The most runs of elements, changes and keys remembered; past them,
/// everything is forgotten and learnt again (the full path meanwhile).
const MAX_KNOWN: usize = 1 << 18;

/// Of `kept` (changes kept unapplied, as a caller of [`Typing::check`]
/// keeps them), those that `heads` cover, and the changes outside them
/// (applied) that `heads` reach through them, sorted: where a point of the
/// document's history stands, split between the two.
pub fn split_at(kept: &[Change], heads: &[ChangeHash]) -> (HashSet<ChangeHash>, Vec<ChangeHash>) {
    let by_hash: HashMap<ChangeHash, &Change> = kept.iter().map(|c| (c.hash(), c)).collect();
    let mut covered = HashSet::new();
    let mut applied = Vec::new();
    let mut stack = heads.to_vec();
    while let Some(hash) = stack.pop() {
        match by_hash.get(&hash) {
            Some(change) => {
                if covered.insert(hash) {
                    stack.extend(change.deps().iter().copied());
                }
            }
            None => applied.push(hash),
        }
    }
    applied.sort_unstable();
    applied.dedup();
    (covered, applied)
}

/// The most changes one call vouches for (see [`Typing::check`]).
pub const MAX_CHECKED: usize = 256;

/// The largest op counter vouched for (JavaScript peers read counters as
/// doubles).
const MAX_COUNTER: u64 = 1 << 52;

/// What is known of one document's texts and actors (see the module's
/// documentation).
#[derive(Debug, Default, Clone)]
pub struct Typing {
    actors: Vec<ActorId>,
    interned: HashMap<ActorId, u32>,
    /// Objects looked at: what each is (`None`: not in the document).
    kinds: HashMap<Id, Option<ObjType>>,
    /// Ops known to be on a map's key and not overwritten since (as far as
    /// is known here).
    slots: HashMap<Slot, Vec<Id>>,
    /// Elements inserted into a text, and their text (kept as runs).
    elements: Elements,
    /// Each actor's last change known.
    last: HashMap<u32, Last>,
    /// Each change known: its last op counter and its dependencies.
    known: HashMap<ChangeHash, Known>,
}

/// An actor's last change.
#[derive(Debug, Clone, Copy)]
struct Last {
    seq: u64,
    max_op: u64,
    hash: ChangeHash,
}

/// A change known here.
#[derive(Debug, Clone)]
struct Known {
    max_op: u64,
    deps: Vec<ChangeHash>,
}

/// How many known changes [`Typing::check`] looks through for an actor's
/// previous change among a change's ancestors.
const MAX_WALK: usize = 256;

/// A change vouched for by [`Typing::check`]: keep it with [`Typing::keep`]
/// once the caller keeps it.
#[derive(Debug, Clone)]
pub struct Typed {
    /// The change, decoded.
    pub change: Change,
    inserted: Vec<(Id, Id)>,
    /// The map keys it sets, and their ops after it.
    slots: Vec<(Slot, Vec<Id>)>,
}

/// What one op does, in interned ids.
enum Step {
    Insert {
        obj: Id,
        after: Option<Id>,
    },
    Delete {
        obj: Id,
        element: Id,
    },
    /// A scalar put on (or the deletion of) a map's key, over `preds`.
    Set {
        slot: Slot,
        preds: Vec<Id>,
        put: bool,
    },
}

impl Typing {
    /// Knowing nothing yet.
    pub fn new() -> Typing {
        Typing::default()
    }

    /// Forget everything (the caller's document was rebuilt or dropped).
    pub fn reset(&mut self) {
        // Nothing known (a home's typing between remote keystrokes): nothing
        // to drop or make again.
        if self.actors.is_empty()
            && self.kinds.is_empty()
            && self.slots.is_empty()
            && self.elements.is_empty()
            && self.last.is_empty()
            && self.known.is_empty()
        {
            return;
        }
        *self = Typing::default();
    }

    fn intern(&mut self, actor: &ActorId) -> u32 {
        if let Some(&i) = self.interned.get(actor) {
            return i;
        }
        let i = u32::try_from(self.actors.len()).unwrap_or(u32::MAX);
        self.actors.push(actor.clone());
        self.interned.insert(actor.clone(), i);
        i
    }

    fn bounded(&mut self) {
        if self.elements.runs() > MAX_KNOWN
            || self.known.len() > MAX_KNOWN
            || self.slots.len() > MAX_KNOWN
            || self.actors.len() > MAX_KNOWN
        {
            self.reset();
        }
    }

    /// Learn from `changes`, which just entered `doc` (applied, in causal
    /// order) by the full path: their elements, their actors' numbers and
    /// counters. A change Automerge cannot decode is skipped, and anything
    /// it does to an element other than insert or delete it makes the
    /// element unknown.
    pub fn learn(&mut self, doc: &Automerge, changes: &[Change]) {
        for change in changes {
            let Ok(expanded) = contained(|| change.decode()) else {
                continue;
            };
            let actor = self.intern(&expanded.actor_id);
            let max_op = change.max_op();
            let hash = change.hash();
            self.known.insert(
                hash,
                Known {
                    max_op,
                    deps: expanded.deps.clone(),
                },
            );
            if self
                .last
                .get(&actor)
                .is_none_or(|last| expanded.seq > last.seq)
            {
                self.last.insert(
                    actor,
                    Last {
                        seq: expanded.seq,
                        max_op,
                        hash,
                    },
                );
            }
            let start = expanded.start_op.get();
            for (i, op) in expanded.operations.iter().enumerate() {
                let own = (start + i as u64, actor);
                let obj = match &op.obj {
                    ObjectId::Root => ROOT,
                    ObjectId::Id(id) => self.intern_op(id),
                };
                if let OpType::Make(kind) = &op.action {
                    self.kinds.insert(own, Some(*kind));
                }
                match (&op.key, &op.action, op.insert) {
                    (Key::Map(key), action, false) => {
                        let preds: Vec<Id> = op.pred.iter().map(|p| self.intern_op(p)).collect();
                        let slot = self.slots.entry((obj, key.to_string())).or_default();
                        slot.retain(|id| !preds.contains(id));
                        if !matches!(action, OpType::Delete) {
                            slot.push(own);
                        }
                    }
                    (Key::Seq(_), OpType::Put(ScalarValue::Str(_)), true)
                        if self.kind(doc, obj, &op.obj) == Some(ObjType::Text) =>
                    {
                        self.elements.insert(own, obj);
                    }
                    (Key::Seq(ElementId::Id(element)), OpType::Delete, false)
                        if op.pred.len() == 1 && op.pred.iter().next() == Some(element) => {}
                    (Key::Seq(ElementId::Id(element)), _, false) => {
                        let element = self.intern_op(element);
                        self.elements.remove(&element);
                    }
                    _ => {}
                }
            }
        }
        self.bounded();
    }

    fn intern_op(&mut self, op: &OpId) -> Id {
        (op.counter(), self.intern(op.actor()))
    }

    /// What `obj` is, asking `doc` the first time.
    fn kind(&mut self, doc: &Automerge, obj: Id, name: &ObjectId) -> Option<ObjType> {
        if obj == ROOT {
            return Some(ObjType::Map);
        }
        if let Some(&kind) = self.kinds.get(&obj) {
            return kind;
        }
        let kind = kind_in(doc, name);
        self.kinds.insert(obj, kind);
        kind
    }

    /// An op's name as Automerge reads it ("counter@actor").
    fn name(&self, id: Id) -> Option<String> {
        let actor = self.actors.get(usize::try_from(id.1).ok()?)?;
        Some(format!("{}@{actor}", id.0))
    }

    /// Whether `element` is an element of the text `obj`: known here, or
    /// else one `doc` shows there, visible and not overwritten (then
    /// remembered: it is in the document for good).
    fn is_element(&mut self, doc: &Automerge, element: Id, obj: Id) -> bool {
        if let Some(known) = self.elements.get(&element) {
            return known == obj;
        }
        let (Some(obj_name), Some(name)) = (self.name(obj), self.name(element)) else {
            return false;
        };
        let Some(actor) = self
            .actors
            .get(usize::try_from(element.1).unwrap_or(usize::MAX))
        else {
            return false;
        };
        let found = contained(|| {
            let (text, _) = doc.import(&obj_name).ok()?;
            let cursor = automerge::Cursor::try_from(name.as_str()).ok()?;
            let at = doc.get_cursor_position(&text, &cursor, None).ok()?;
            let (_, shown) = doc.get(&text, at).ok()??;
            Some(matches!(shown, automerge::ObjId::Id(counter, ref by, _) if counter == element.0 && by == actor))
        })
        .ok()
        .flatten()
        .unwrap_or(false);
        if found {
            self.elements.insert(element, obj);
        }
        found
    }

    /// The ops on a map's key as `doc` holds them (its conflicts), then
    /// remembered (`None`: the map is not one `doc` holds).
    fn slot_in(&mut self, doc: &Automerge, slot: &Slot) -> Option<Vec<Id>> {
        let (obj, key) = slot;
        let map = if *obj == ROOT {
            automerge::ROOT
        } else {
            let name = self.name(*obj)?;
            contained(|| doc.import(&name)).ok()?.ok()?.0
        };
        let all = contained(|| doc.get_all(&map, key.as_str())).ok()?.ok()?;
        let mut ops = Vec::with_capacity(all.len());
        for (_, id) in all {
            let automerge::ObjId::Id(counter, actor, _) = id else {
                return None;
            };
            ops.push((counter, self.intern(&actor)));
        }
        self.slots.insert(slot.clone(), ops.clone());
        Some(ops)
    }

    /// Vouch for `entries` (change chunks, in the order they are to be
    /// applied after every change known here): `Some` when every one is a
    /// typing change, `None` otherwise (the caller takes the full path).
    /// `seqs` are the document's sequence numbers, the changes kept
    /// included. Only what `doc` says of objects is remembered:
    /// [`Typing::keep`] keeps the changes, once the caller has.
    pub fn check(
        &mut self,
        doc: &Automerge,
        seqs: &Sequences,
        entries: &[Vec<u8>],
        limits: &Limits,
    ) -> Option<Vec<Typed>> {
        if entries.is_empty() {
            return None;
        }
        // What the earlier entries of this message add.
        let mut elements: HashMap<Id, Id> = HashMap::new();
        let mut slots: HashMap<Slot, Vec<Id>> = HashMap::new();
        let mut last: HashMap<u32, Last> = HashMap::new();
        let mut known: HashMap<ChangeHash, Known> = HashMap::new();
        let mut typed: Vec<Typed> = Vec::with_capacity(entries.len());
        // A v2 sync message carries its changes joined in one entry.
        let mut chunks = Vec::new();
        for entry in entries {
            for chunk in super::chunks(entry)? {
                if chunk_header(chunk)?.0 != CHANGE_CHUNK {
                    return None;
                }
                chunks.push(chunk);
            }
        }
        // A long run (a catch-up, a push of a history) takes the full path:
        // looking up each change's place costs up to a walk of the text,
        // and one batch apply is one walk for all.
        if chunks.len() > MAX_CHECKED {
            return None;
        }
        for entry in chunks {
            let change = decode_change(entry, limits).ok()?;
            let expanded = contained(|| change.decode()).ok()?;
            // Encoded again, the same bytes: every peer reads the same
            // change under the same hash.
            let again = contained(|| Change::from(expanded.clone())).ok()?;
            if again.raw_bytes() != entry || change.raw_bytes() != entry {
                return None;
            }
            let actor = self.intern(&expanded.actor_id);
            // The actor's previous change: of this message, known here, or
            // the document's (its numbers are kept for every change).
            let previous = last
                .get(&actor)
                .or_else(|| self.last.get(&actor))
                .copied()
                .or_else(|| {
                    let (seq, max_op, hash) = seqs.last_change(&expanded.actor_id)?;
                    Some(Last { seq, max_op, hash })
                })?;
            let (seq, max_op) = (previous.seq, previous.max_op);
            let earlier = typed
                .iter()
                .filter(|t| t.change.actor_id() == &expanded.actor_id)
                .count() as u64;
            if expanded.seq != seq + 1 || seqs.last(&expanded.actor_id) + earlier != seq {
                return None;
            }
            let start = expanded.start_op.get();
            let len = u64::try_from(expanded.operations.len()).ok()?;
            if start <= max_op || start.checked_add(len)? > MAX_COUNTER {
                return None;
            }
            // A change known here, or else one the document holds.
            let lookup = |hash: &ChangeHash| {
                known
                    .get(hash)
                    .or_else(|| self.known.get(hash))
                    .cloned()
                    .or_else(|| {
                        let meta = doc.get_change_meta_by_hash(hash)?;
                        Some(Known {
                            max_op: meta.max_op,
                            deps: meta.deps,
                        })
                    })
            };
            for dep in &expanded.deps {
                if start <= lookup(dep)?.max_op {
                    return None;
                }
            }
            // The actor's previous change comes before this one (a saved
            // document lists an actor's changes in their order, and one
            // that does not, does not load).
            if !descends(&expanded.deps, previous.hash, lookup) {
                return None;
            }
            let mut inserted = Vec::new();
            let mut set: Vec<Slot> = Vec::new();
            for (i, op) in expanded.operations.iter().enumerate() {
                let own = (start + i as u64, actor);
                let step = self.step(doc, op)?;
                match step {
                    Step::Insert { obj, after } => {
                        if let Some(after) = after
                            && (after.0 >= own.0
                                || (elements.get(&after) != Some(&obj)
                                    && !self.is_element(doc, after, obj)))
                        {
                            return None;
                        }
                        elements.insert(own, obj);
                        inserted.push((own, obj));
                    }
                    Step::Delete { obj, element } => {
                        if element.0 >= own.0
                            || (elements.get(&element) != Some(&obj)
                                && !self.is_element(doc, element, obj))
                        {
                            return None;
                        }
                    }
                    Step::Set { slot, preds, put } => {
                        let ops = match slots.get(&slot).or_else(|| self.slots.get(&slot)) {
                            Some(ops) => ops.clone(),
                            None => self.slot_in(doc, &slot)?,
                        };
                        if preds.iter().any(|p| !ops.contains(p) || p.0 >= own.0) {
                            return None;
                        }
                        let mut after: Vec<Id> =
                            ops.into_iter().filter(|id| !preds.contains(id)).collect();
                        if put {
                            after.push(own);
                        }
                        slots.insert(slot.clone(), after);
                        if !set.contains(&slot) {
                            set.push(slot);
                        }
                    }
                }
            }
            let set = set
                .into_iter()
                .map(|slot| {
                    let ops = slots.get(&slot).cloned().unwrap_or_default();
                    (slot, ops)
                })
                .collect();
            last.insert(
                actor,
                Last {
                    seq: expanded.seq,
                    max_op: change.max_op(),
                    hash: change.hash(),
                },
            );
            known.insert(
                change.hash(),
                Known {
                    max_op: change.max_op(),
                    deps: expanded.deps.clone(),
                },
            );
            typed.push(Typed {
                change,
                inserted,
                slots: set,
            });
        }
        Some(typed)
    }

    /// What `op` does, if it is one of the steps of typing: into a text,
    /// or a scalar on a map's key.
    fn step(&mut self, doc: &Automerge, op: &automerge::legacy::Op) -> Option<Step> {
        let obj = match &op.obj {
            ObjectId::Root => ROOT,
            ObjectId::Id(name) => self.intern_op(name),
        };
        let kind = self.kind(doc, obj, &op.obj)?;
        if let (ObjType::Map, Key::Map(key), false) = (kind, &op.key, op.insert) {
            let put = match &op.action {
                OpType::Put(ScalarValue::Counter(_)) => return None,
                OpType::Put(_) => true,
                OpType::Delete => false,
                _ => return None,
            };
            let preds: Vec<Id> = op.pred.iter().map(|p| self.intern_op(p)).collect();
            return Some(Step::Set {
                slot: (obj, key.to_string()),
                preds,
                put,
            });
        }
        if kind != ObjType::Text {
            return None;
        }
        match (&op.action, &op.key, op.insert) {
            (OpType::Put(ScalarValue::Str(_)), Key::Seq(after), true) if op.pred.is_empty() => {
                let after = match after {
                    ElementId::Head => None,
                    ElementId::Id(id) => Some(self.intern_op(id)),
                };
                Some(Step::Insert { obj, after })
            }
            (OpType::Delete, Key::Seq(ElementId::Id(element)), false)
                if op.pred.len() == 1 && op.pred.iter().next() == Some(element) =>
            {
                Some(Step::Delete {
                    obj,
                    element: self.intern_op(element),
                })
            }
            _ => None,
        }
    }

    /// Keep changes vouched for by [`Typing::check`] (the caller keeps them
    /// and will apply them after every change known here, in this order).
    pub fn keep(&mut self, typed: &[Typed]) {
        for one in typed {
            let Some(&actor) = self.interned.get(one.change.actor_id()) else {
                continue;
            };
            let (hash, max_op) = (one.change.hash(), one.change.max_op());
            self.last.insert(
                actor,
                Last {
                    seq: one.change.seq(),
                    max_op,
                    hash,
                },
            );
            self.known.insert(
                hash,
                Known {
                    max_op,
                    deps: one.change.deps().to_vec(),
                },
            );
            self.elements.extend(one.inserted.iter().copied());
            for (slot, ops) in &one.slots {
                self.slots.insert(slot.clone(), ops.clone());
            }
        }
        self.bounded();
    }
}

/// Whether `target` is among `deps` or their ancestors, looking through at
/// most [`MAX_WALK`] known changes (`false` past them, or at a change not
/// known).
fn descends(
    deps: &[ChangeHash],
    target: ChangeHash,
    lookup: impl Fn(&ChangeHash) -> Option<Known>,
) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<ChangeHash> = deps.to_vec();
    while let Some(hash) = stack.pop() {
        if hash == target {
            return true;
        }
        if !seen.insert(hash) || seen.len() > MAX_WALK {
            if seen.len() > MAX_WALK {
                return false;
            }
            continue;
        }
        let Some(known) = lookup(&hash) else {
            return false;
        };
        stack.extend(known.deps.iter().copied());
    }
    false
}

/// What `doc` holds as `obj`, if it does.
fn kind_in(doc: &Automerge, obj: &ObjectId) -> Option<ObjType> {
    let ObjectId::Id(id) = obj else {
        return Some(ObjType::Map);
    };
    let name = format!("{}@{}", id.counter(), id.actor());
    contained(|| doc.import(&name))
        .ok()
        .and_then(Result::ok)
        .map(|(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::bend::{actor, bend, candidates, synced};
    use crate::guard::sequence::Advance;
    use automerge::ROOT;
    use automerge::transaction::Transactable as _;
    use proptest::prelude::*;

    fn text_of(doc: &Automerge) -> String {
        let (_, text) = doc.get(ROOT, "text").expect("read").expect("a text");
        doc.text(&text).expect("text")
    }

    /// A document with a text that two actors (1 and 2) wrote in.
    fn base() -> Automerge {
        let mut doc = Automerge::new().with_actor(actor(1));
        let mut tx = doc.transaction();
        let text = tx
            .put_object(ROOT, "text", automerge::ObjType::Text)
            .expect("text");
        tx.splice_text(&text, 0, 0, "Les membres").expect("splice");
        tx.commit();
        let mut other = doc.fork().with_actor(actor(2));
        let mut tx = other.transaction();
        tx.splice_text(&text, 3, 0, " nouveaux").expect("splice");
        tx.commit();
        let mut tx = doc.transaction();
        tx.splice_text(&text, 0, 1, "l").expect("splice");
        tx.commit();
        doc.merge(&mut other).expect("merge");
        doc
    }

    /// The relay's copy of `doc`, its typing knowledge learnt from it.
    fn relay_of(doc: &Automerge) -> (Automerge, Typing, Sequences) {
        let mut relay = Automerge::new();
        let changes = doc.get_changes(&[]);
        relay.apply_changes(changes.clone()).expect("history");
        let mut typing = Typing::new();
        typing.learn(&relay, &changes);
        let seqs = Sequences::of(&relay);
        (relay, typing, seqs)
    }

    /// One keystroke (or a few): insert `s` at `at`, delete `del` after.
    fn type_in(doc: &mut Automerge, at: usize, del: usize, s: &str) -> Vec<u8> {
        type_and_stamp(doc, at, del, s, None)
    }

    /// The same, and `stamp` put on a key of the root in the same change
    /// (as a client stamping its edits).
    fn type_and_stamp(
        doc: &mut Automerge,
        at: usize,
        del: usize,
        s: &str,
        stamp: Option<(&str, i64)>,
    ) -> Vec<u8> {
        let (_, text) = doc.get(ROOT, "text").expect("read").expect("a text");
        let len = doc.length(&text);
        let at = at % (len + 1);
        let del = del.min(len - at);
        // Never an empty transaction (it makes no change).
        let s = if s.is_empty() && del == 0 { "_" } else { s };
        let mut tx = doc.transaction();
        tx.splice_text(&text, at, del as isize, s).expect("splice");
        if let Some((key, value)) = stamp {
            tx.put(ROOT, key, value).expect("stamp");
        }
        tx.commit();
        doc.get_last_local_change()
            .expect("a change")
            .raw_bytes()
            .to_vec()
    }

    fn vouch(
        typing: &mut Typing,
        relay: &Automerge,
        seqs: &mut Sequences,
        entries: &[Vec<u8>],
    ) -> Option<Vec<Change>> {
        let typed = typing.check(relay, seqs, entries, &Limits::default())?;
        typing.keep(&typed);
        let changes: Vec<Change> = typed.into_iter().map(|t| t.change).collect();
        seqs.advance(Advance::of(&changes));
        Some(changes)
    }

    /// Whether `typing` vouches for `entries` (nothing kept).
    fn vouches(
        typing: &mut Typing,
        relay: &Automerge,
        seqs: &Sequences,
        entries: &[Vec<u8>],
    ) -> bool {
        typing
            .check(relay, seqs, entries, &Limits::default())
            .is_some()
    }

    /// Apply `pending` to `relay` in one batch and check what Automerge
    /// promises every peer: it saves, loads with the same heads, and a
    /// fresh peer syncs all of it.
    fn applies(relay: &mut Automerge, pending: Vec<Change>) {
        relay
            .apply_changes(pending)
            .expect("a batch of vouched changes applies");
        assert!(relay.get_missing_deps(&[]).is_empty());
        let saved = relay.save();
        let loaded = Automerge::load(&saved).expect("it loads again");
        assert_eq!(loaded.get_heads(), relay.get_heads());
        let fresh = synced(relay);
        assert_eq!(fresh.get_heads(), relay.get_heads());
        assert_eq!(text_of(&fresh), text_of(relay));
    }

    #[test]
    fn keystrokes_of_known_actors_are_vouched_for_and_apply_in_one_batch() {
        let doc = base();
        let (mut relay, mut typing, mut seqs) = relay_of(&doc);
        let mut alice = doc.fork().with_actor(actor(1));
        let mut bob = doc.fork().with_actor(actor(2));
        let mut pending = Vec::new();
        for (i, s) in ["a", "b", "c"].iter().enumerate() {
            let a = type_in(&mut alice, 4 + i, 0, s);
            let b = type_in(&mut bob, 0, 1, "");
            pending.extend(vouch(&mut typing, &relay, &mut seqs, &[a]).expect("Alice types"));
            pending.extend(vouch(&mut typing, &relay, &mut seqs, &[b]).expect("Bob deletes"));
        }
        // Two keystrokes in one message.
        let a1 = type_in(&mut alice, 2, 0, "x");
        let a2 = type_in(&mut alice, 3, 1, "yz");
        pending.extend(vouch(&mut typing, &relay, &mut seqs, &[a1, a2]).expect("two at once"));
        applies(&mut relay, pending);
        alice.merge(&mut bob).expect("merge");
        assert_eq!(relay.get_heads(), alice.get_heads());
        assert_eq!(text_of(&relay), text_of(&alice));
    }

    /// A long run of keystrokes in one message is left to the full path
    /// (each one's place looked up would cost up to a walk of the text,
    /// thousands of times over); the same run in messages of
    /// [`MAX_CHECKED`] is vouched for.
    #[test]
    fn a_long_run_in_one_message_takes_the_full_path() {
        let doc = base();
        let (relay, mut typing, mut seqs) = relay_of(&doc);
        let mut alice = doc.fork().with_actor(actor(1));
        let run: Vec<Vec<u8>> = (0..=MAX_CHECKED)
            .map(|i| type_in(&mut alice, 4 + i, 0, "a"))
            .collect();
        assert!(!vouches(&mut typing, &relay, &seqs, &run));
        let joined: Vec<u8> = run.iter().flatten().copied().collect();
        assert!(!vouches(&mut typing, &relay, &seqs, &[joined]));
        let (first, rest) = run.split_at(MAX_CHECKED);
        let mut pending = vouch(&mut typing, &relay, &mut seqs, first).expect("a message's worth");
        pending.extend(vouch(&mut typing, &relay, &mut seqs, rest).expect("the rest"));
        let mut relay = relay;
        applies(&mut relay, pending);
        assert_eq!(text_of(&relay), text_of(&alice));
    }

    /// The relay learns only what enters after it loaded the document: the
    /// text was made long before.
    #[test]
    fn a_text_made_before_is_looked_up_in_the_document() {
        let doc = base();
        let mut relay = Automerge::new();
        relay.apply_changes(doc.get_changes(&[])).expect("history");
        let mut typing = Typing::new();
        let mut alice = doc.fork().with_actor(actor(1));
        let first = Change::from_bytes(type_in(&mut alice, 2, 0, "a")).expect("change");
        relay.apply_changes([first.clone()]).expect("apply");
        typing.learn(&relay, &[first]);
        let seqs = Sequences::of(&relay);
        let second = type_in(&mut alice, 3, 0, "b");
        assert!(vouches(&mut typing, &relay, &seqs, &[second]));
    }

    #[test]
    fn what_is_not_typing_takes_the_full_path() {
        let doc = base();
        let (relay, mut typing, seqs) = relay_of(&doc);
        // A new actor: its first change is not known to follow anything.
        let mut carol = doc.fork().with_actor(actor(3));
        let first = type_in(&mut carol, 0, 0, "C");
        assert!(!vouches(&mut typing, &relay, &seqs, &[first]));
        // An object made, and a counter.
        let alone = |f: &dyn Fn(&mut automerge::transaction::Transaction<'_>)| {
            let mut alice = doc.fork().with_actor(actor(1));
            let mut tx = alice.transaction();
            f(&mut tx);
            tx.commit();
            let change = alice.get_last_local_change().expect("change");
            change.raw_bytes().to_vec()
        };
        let make = alone(&|tx| {
            tx.put_object(ROOT, "list", automerge::ObjType::List)
                .expect("make");
        });
        let counter = alone(&|tx| {
            tx.put(ROOT, "votes", ScalarValue::counter(1))
                .expect("counter");
        });
        for change in [make, counter] {
            assert!(!vouches(&mut typing, &relay, &seqs, &[change]));
        }
        // A new key, and then overwriting it, are.
        let mut alice = doc.fork().with_actor(actor(1));
        let mut pending = relay.clone();
        let mut seqs_now = seqs.clone();
        for title in ["Charte", "Charte v2"] {
            let mut tx = alice.transaction();
            tx.put(ROOT, "title", title).expect("put");
            tx.commit();
            let put = alice.get_last_local_change().expect("change").clone();
            let typed = typing
                .check(
                    &pending,
                    &seqs_now,
                    &[put.raw_bytes().to_vec()],
                    &Limits::default(),
                )
                .expect("a scalar on a key");
            typing.keep(&typed);
            seqs_now.advance(Advance::of(std::slice::from_ref(&put)));
            pending.apply_changes([put]).expect("apply");
        }
        // Garbage and an empty message.
        assert!(!vouches(&mut typing, &relay, &seqs, &[vec![1, 2, 3]]));
        assert!(!vouches(&mut typing, &relay, &seqs, &[]));
        // A change the numbers say is taken (the caller's `Sequences` are
        // the judge, whatever was learnt).
        let mut alice = doc.fork().with_actor(actor(1));
        let next = type_in(&mut alice, 0, 0, "A");
        let mut ahead = seqs.clone();
        ahead.advance(Advance::of(&[
            Change::from_bytes(next.clone()).expect("change")
        ]));
        assert!(!vouches(&mut typing, &relay, &ahead, &[next]));
    }

    #[test]
    fn an_overwritten_character_is_not_typing_any_more() {
        let doc = base();
        let (mut relay, mut typing, _) = relay_of(&doc);
        let mut alice = doc.fork().with_actor(actor(1));
        let (_, text) = alice.get(ROOT, "text").expect("read").expect("a text");
        let mut tx = alice.transaction();
        tx.put(&text, 0, "X").expect("overwrite");
        tx.commit();
        let over = alice.get_last_local_change().expect("a change").clone();
        // Through the full path: applied, then learnt.
        relay.apply_changes([over.clone()]).expect("apply");
        typing.learn(&relay, &[over]);
        let seqs = Sequences::of(&relay);
        // Deleting it names the overwrite as its predecessor.
        let delete = type_in(&mut alice, 0, 1, "");
        assert!(!vouches(&mut typing, &relay, &seqs, &[delete]));
        // Typing elsewhere still is.
        let mut bob = relay.fork().with_actor(actor(2));
        let elsewhere = type_in(&mut bob, 5, 0, "b");
        assert!(vouches(&mut typing, &relay, &seqs, &[elsewhere]));
    }

    #[derive(Debug, Clone)]
    struct Key_ {
        who: u8,
        at: usize,
        del: usize,
        s: String,
        stamp: Option<(u8, i64)>,
    }

    fn keystroke() -> impl Strategy<Value = Key_> {
        (
            1u8..3,
            0usize..40,
            0usize..3,
            "[a-zé ]{0,3}",
            proptest::option::of((0u8..3, -3i64..3)),
        )
            .prop_map(|(who, at, del, s, stamp)| Key_ {
                who,
                at,
                del,
                s,
                stamp,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::engine::tests::case_count(64)
        ))]

        /// Honest keystrokes of two typists, interleaved, are all vouched
        /// for (whether the relay learnt the document's history or not), and bent ones are vouched for only when Automerge applies
        /// them in one batch with the rest, the document still saving,
        /// loading and syncing to a fresh peer.
        #[test]
        fn what_is_vouched_for_applies(
            keys in proptest::collection::vec(keystroke(), 1..12),
            bends in proptest::collection::vec((0usize..12, bend(), bend()), 0..16),
            learnt in any::<bool>(),
        ) {
            let doc = base();
            let (mut relay, mut typing, mut seqs) = relay_of(&doc);
            if !learnt {
                // A relay that just loaded the document learnt nothing: what
                // it needs, it looks up in the document.
                typing = Typing::new();
            }
            let mut typists = [doc.fork().with_actor(actor(1)), doc.fork().with_actor(actor(2))];
            let mut pending = Vec::new();
            for (i, key) in keys.iter().enumerate() {
                let typist = &mut typists[usize::from(key.who - 1)];
                let stamp = key.stamp.map(|(k, v)| (format!("k{k}"), v));
                let honest = type_and_stamp(
                    typist,
                    key.at,
                    key.del,
                    &key.s,
                    stamp.as_ref().map(|(k, v)| (k.as_str(), *v)),
                );
                // Bent versions first: whatever is vouched for must apply
                // with everything kept before it.
                for (_, a, b) in bends.iter().filter(|(at, _, _)| *at == i) {
                    for candidate in candidates(&honest, a, b) {
                        let (mut t, mut s) = (typing.clone(), seqs.clone());
                        if let Some(changes) = vouch(&mut t, &relay, &mut s, &[candidate]) {
                            let mut copy = relay.clone();
                            let mut all = pending.clone();
                            all.extend(changes);
                            applies(&mut copy, all);
                        }
                    }
                }
                let kept = vouch(&mut typing, &relay, &mut seqs, &[honest]);
                prop_assert!(kept.is_some(), "an honest keystroke is vouched for");
                pending.extend(kept.unwrap_or_default());
            }
            applies(&mut relay, pending);
            let [mut a, mut b] = typists;
            a.merge(&mut b).expect("merge");
            prop_assert_eq!(relay.get_heads(), a.get_heads());
            prop_assert_eq!(text_of(&relay), text_of(&a));
        }
    }
}
