//! One change per (actor, sequence number), and every change given out as it
//! came in.
//!
//! Automerge identifies a change by its hash but orders an actor's changes
//! by their sequence numbers, and its vector clocks assume that an actor's
//! changes form one line: 1, 2, 3… Two different changes with the same
//! actor and sequence number (an *equivocation*) make every peer that
//! already holds one refuse the other and everything built on it — a
//! permanent partition (`shared/research/security-anchors.md` §0). A change
//! that skips numbers locks out the actor's real next change the same way.
//! And Automerge 0.12 re-encodes changes from its operations when it gives
//! them out: a change it accepts but re-encodes differently reaches peers
//! under a hash that nobody's dependencies name.
//!
//! [`Sequences`] keeps, for one document, the last sequence number of each
//! actor, and [`Sequences::check`] holds the changes a document just took in
//! to three post-conditions, so that what the document holds stays what any
//! fresh peer can load and sync:
//!
//! - each change, as the document gives it out, decodes to the same hash
//!   (it is canonical), and the document's history knows that hash;
//! - its sequence number is the next of its actor: not one already held
//!   ([`SequenceError::Equivocation`]), not one further on
//!   ([`SequenceError::Gap`]);
//! - it comes after what it builds on, as Automerge writes every change
//!   ([`SequenceError::Lineage`]): its first op counter is past its actor's
//!   last and past every dependency's (a saved document whose change counts
//!   go back does not load: "max_op is lower than start_op");
//! - the document still saves and loads ([`SequenceError::Unloadable`])
//!   when a change is not *plain*: when it holds an op Automerge would not
//!   write (an insertion into a map, a deletion over nothing, an op naming
//!   a later one…), bytes Automerge would encode otherwise, marks (a saved
//!   document checks their order, which one change does not show), or when
//!   its actor's previous change is not found among its ancestors within
//!   [`MAX_WALK`] changes. That check is proportional to the document;
//!   honest writers meet it for marks only (`docs/security.md`, F4). The
//!   property test below holds the screen to it: whatever passes as plain,
//!   bent or not, saves, loads and syncs to a fresh peer.
//!
//! [`Sequences::held`] finds the change a document already holds for an
//! (actor, seq), for the evidence an equivocation leaves.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash};

use super::contained;

/// How many changes [`Sequences::check`] looks through for an actor's
/// previous change among a change's ancestors before it asks the document
/// to save and load instead.
pub const MAX_WALK: usize = 1024;

/// Why changes that Automerge took in may not stay in a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    /// The change does not come back out as it went in.
    #[error("change {hash} is not in canonical form (it would reach other peers altered)")]
    NotCanonical {
        /// The change, as the document names it.
        hash: ChangeHash,
    },
    /// Another change already holds this actor's sequence number.
    #[error("actor {actor} already wrote change number {seq}: change {new} is a second one")]
    Equivocation {
        /// The actor.
        actor: ActorId,
        /// Its sequence number.
        seq: u64,
        /// The second change.
        new: ChangeHash,
    },
    /// The change skips sequence numbers of its actor.
    #[error("change {hash} is number {seq} of actor {actor}, whose next is {expected}")]
    Gap {
        /// The actor.
        actor: ActorId,
        /// Its sequence number.
        seq: u64,
        /// The number it should have.
        expected: u64,
        /// The change.
        hash: ChangeHash,
    },
    /// The change does not come after what it builds on.
    #[error("change {hash} does not come after what it builds on: {why}")]
    Lineage {
        /// The change.
        hash: ChangeHash,
        /// What goes back.
        why: &'static str,
    },
    /// With the changes, the document no longer loads once saved.
    #[error("with change {hash} the document would not load again: {why}")]
    Unloadable {
        /// The first change that asked for the check.
        hash: ChangeHash,
        /// What Automerge said.
        why: String,
    },
}

/// The last change of each actor of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sequences {
    last: HashMap<ActorId, Last>,
    /// The largest op counter of any change.
    max_op: u64,
}

/// An actor's last change: its number, its last op counter, its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Last {
    seq: u64,
    max_op: u64,
    hash: ChangeHash,
}

impl Last {
    fn of(change: &Change) -> Last {
        Last {
            seq: change.seq(),
            max_op: change.max_op(),
            hash: change.hash(),
        }
    }
}

/// The changes [`Sequences::check`] found next, to be kept with
/// [`Sequences::advance`] once the changes are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advance(Vec<(ActorId, Last)>);

impl Advance {
    /// What `changes` advance, without checking them: for changes
    /// [`super::Typing::check`] vouched for (each its actor's next).
    pub fn of(changes: &[Change]) -> Advance {
        Advance(
            changes
                .iter()
                .map(|change| (change.actor_id().clone(), Last::of(change)))
                .collect(),
        )
    }
}

impl Sequences {
    /// Read them off a document (its changes' metadata, no change is
    /// re-encoded).
    pub fn of(doc: &Automerge) -> Sequences {
        let mut last: HashMap<ActorId, Last> = HashMap::new();
        for meta in doc.get_changes_meta(&[]) {
            let this = Last {
                seq: meta.seq,
                max_op: meta.max_op,
                hash: meta.hash,
            };
            last.entry(meta.actor.into_owned())
                .and_modify(|held| {
                    if this.seq > held.seq {
                        *held = this;
                    }
                })
                .or_insert(this);
        }
        let max_op = last.values().map(|last| last.max_op).max().unwrap_or(0);
        Sequences { last, max_op }
    }

    /// How many changes these numbers count: the sum of every actor's last
    /// sequence number (each actor's changes are numbered 1, 2, … without
    /// gaps in a document).
    pub fn total(&self) -> u64 {
        self.last.values().map(|last| last.seq).sum()
    }

    /// The largest op counter of the document: about how many ops it
    /// ever held (what saving or walking it costs).
    pub fn max_op(&self) -> u64 {
        self.max_op
    }

    /// The last change of `actor`: its number, its last op counter and its
    /// hash (`None`: it wrote none).
    pub fn last_change(&self, actor: &ActorId) -> Option<(u64, u64, ChangeHash)> {
        self.last
            .get(actor)
            .map(|last| (last.seq, last.max_op, last.hash))
    }

    /// The last sequence number of `actor` (0: none).
    pub fn last(&self, actor: &ActorId) -> u64 {
        self.last.get(actor).map_or(0, |last| last.seq)
    }

    /// Whether a change of `actor` numbered `seq` that the document does not
    /// hold would be a second change for a number already taken.
    pub fn is_taken(&self, actor: &ActorId, seq: u64) -> bool {
        seq <= self.last(actor)
    }

    /// Check `changes`, the changes `doc` just took in (in the causal order
    /// [`super::apply_in_place`] gives them), against the post-conditions
    /// above. Nothing is kept: call [`Sequences::advance`] with the result
    /// once the document is.
    pub fn check(&self, doc: &Automerge, changes: &[Change]) -> Result<Advance, SequenceError> {
        let (advance, unsure) = self.screen(doc, changes)?;
        if let Some(hash) = unsure {
            super::saves_and_loads(doc).map_err(|error| SequenceError::Unloadable {
                hash,
                why: error.to_string(),
            })?;
        }
        Ok(advance)
    }

    /// [`Sequences::check`] but the save and load: also the first change
    /// that asks for it (`None`: every change is plain).
    fn screen(
        &self,
        doc: &Automerge,
        changes: &[Change],
    ) -> Result<(Advance, Option<ChangeHash>), SequenceError> {
        let mut next: HashMap<&ActorId, Last> = HashMap::new();
        let mut advance = Vec::with_capacity(changes.len());
        let mut unsure = None;
        for change in changes {
            let hash = change.hash();
            let again = contained(|| Change::from_bytes(change.raw_bytes().to_vec()))
                .ok()
                .and_then(Result::ok);
            let canonical = again.is_some_and(|again| {
                again.hash() == hash
                    && again.actor_id() == change.actor_id()
                    && again.seq() == change.seq()
            }) && doc.get_change_meta_by_hash(&hash).is_some();
            if !canonical {
                return Err(SequenceError::NotCanonical { hash });
            }
            let actor = change.actor_id();
            let previous = next.get(actor).or_else(|| self.last.get(actor)).copied();
            let expected = previous.map_or(0, |last| last.seq) + 1;
            let seq = change.seq();
            if seq < expected {
                return Err(SequenceError::Equivocation {
                    actor: actor.clone(),
                    seq,
                    new: hash,
                });
            }
            if seq > expected {
                return Err(SequenceError::Gap {
                    actor: actor.clone(),
                    seq,
                    expected,
                    hash,
                });
            }
            if !lineage(doc, change, previous)? || (unsure.is_none() && !plain(change)) {
                unsure.get_or_insert(hash);
            }
            next.insert(actor, Last::of(change));
            advance.push((actor.clone(), Last::of(change)));
        }
        Ok((Advance(advance), unsure))
    }

    /// Keep what [`Sequences::check`] found.
    pub fn advance(&mut self, advance: Advance) {
        for (actor, this) in advance.0 {
            self.max_op = self.max_op.max(this.max_op);
            self.last
                .entry(actor)
                .and_modify(|held| {
                    if this.seq > held.seq {
                        *held = this;
                    }
                })
                .or_insert(this);
        }
    }

    /// The change `doc` holds as number `seq` of `actor`, if any.
    pub fn held(doc: &Automerge, actor: &ActorId, seq: u64) -> Option<Change> {
        let hash = doc
            .get_changes_meta(&[])
            .into_iter()
            .find(|meta| meta.actor.as_ref() == actor && meta.seq == seq)?
            .hash;
        super::change_by_hash(doc, &hash)
    }
}

/// Whether `change`, which `doc` holds, comes after what it builds on:
/// `Err` when a counter goes back, `Ok(false)` when its actor's previous
/// change was not found among its ancestors (within [`MAX_WALK`] changes).
fn lineage(
    doc: &Automerge,
    change: &Change,
    previous: Option<Last>,
) -> Result<bool, SequenceError> {
    let hash = change.hash();
    let start = change.start_op().get();
    let back = |why| SequenceError::Lineage { hash, why };
    if previous.is_some_and(|last| start <= last.max_op) {
        return Err(back("its first op counter is not past its actor's last"));
    }
    for dep in change.deps() {
        let Some(meta) = doc.get_change_meta_by_hash(dep) else {
            return Err(back("a dependency is not in the document"));
        };
        if start <= meta.max_op {
            return Err(back("its first op counter is not past a dependency's"));
        }
    }
    let Some(previous) = previous else {
        return Ok(true);
    };
    // A change's last counter is at least each ancestor's (checked above as
    // each came), so the walk skips what ends before the previous change.
    let mut stack: Vec<ChangeHash> = change.deps().to_vec();
    let mut seen = HashSet::new();
    while let Some(at) = stack.pop() {
        if at == previous.hash {
            return Ok(true);
        }
        if !seen.insert(at) {
            continue;
        }
        if seen.len() > MAX_WALK {
            return Ok(false);
        }
        let Some(meta) = doc.get_change_meta_by_hash(&at) else {
            return Ok(false);
        };
        if meta.max_op >= previous.max_op {
            stack.extend(meta.deps);
        }
    }
    Ok(false)
}

/// Whether every op of `change` is one Automerge writes, as it writes it:
/// its bytes the ones Automerge encodes it to; an insertion only into a
/// sequence, after an element, of a value or an object; anything else on a
/// map's key or a sequence's element, and a deletion or an increment over
/// the op it replaces; every op it refers to earlier than itself. Marks are
/// not plain (a saved document checks their order, which one change does
/// not show). Decoded inside the containment; what does not decode is not
/// plain.
fn plain(change: &Change) -> bool {
    contained(|| {
        let expanded = change.decode();
        let start = expanded.start_op.get();
        let ops_ok = expanded.operations.iter().enumerate().all(|(i, op)| {
            let own = start + i as u64;
            let before = |id: &OpId| id.0 < own;
            let obj_ok = match &op.obj {
                ObjectId::Root => true,
                ObjectId::Id(id) => before(id),
            };
            let key_ok = match (&op.key, op.insert) {
                (Key::Map(_), insert) => !insert,
                (Key::Seq(ElementId::Head), insert) => insert,
                (Key::Seq(ElementId::Id(id)), _) => before(id),
            };
            let action_ok = match &op.action {
                OpType::Put(_) | OpType::Make(_) => true,
                OpType::Delete | OpType::Increment(_) => !op.insert && !op.pred.is_empty(),
                OpType::MarkBegin(_) | OpType::MarkEnd(_) => false,
            };
            obj_ok && key_ok && action_ok && op.pred.iter().all(before)
        });
        ops_ok && Change::from(expanded).raw_bytes() == change.raw_bytes()
    })
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::bend::{Bend, actor, bend, bent, candidates, synced};
    use crate::guard::{Limits, apply_in_place};
    use automerge::marks::{ExpandMark, Mark};
    use automerge::transaction::Transactable as _;
    use automerge::{ObjType, ROOT, ReadDoc as _, ScalarValue};
    use proptest::prelude::*;

    fn edit(doc: &mut Automerge, key: &str) -> Change {
        let mut tx = doc.transaction();
        tx.put(ROOT, key, 1).expect("put");
        tx.commit();
        doc.get_last_local_change().expect("a change")
    }

    #[test]
    fn an_actors_next_change_passes_and_a_second_one_for_a_number_does_not() {
        let alice = ActorId::from(&[1u8; 16][..]);
        let mut doc = Automerge::new().with_actor(alice.clone());
        edit(&mut doc, "a");
        let mut seqs = Sequences::of(&doc);
        assert_eq!(seqs.last(&alice), 1);

        // A fork of the same actor writes its own change number 2.
        let mut fork = doc.fork().with_actor(alice.clone());
        let honest = edit(&mut doc, "b");
        let twin = edit(&mut fork, "c");
        assert_eq!(twin.seq(), 2);

        let mut relay = Automerge::new();
        relay
            .apply_changes(doc.get_changes(&[]))
            .expect("Alice's history");
        let before = Sequences::of(&relay);
        // Checked against the numbers before number 2 was kept, Alice's
        // change passes; once kept, the twin is an equivocation.
        let mut earlier = seqs.clone();
        let advance = earlier
            .check(&relay, std::slice::from_ref(&honest))
            .expect("the next number");
        earlier.advance(advance);
        assert_eq!(earlier, before);
        seqs = before;
        assert!(seqs.is_taken(&alice, twin.seq()));
        let mut other = Automerge::new();
        other
            .apply_changes(fork.get_changes(&[]))
            .expect("the fork's history");
        assert!(matches!(
            seqs.check(&other, std::slice::from_ref(&twin)),
            Err(SequenceError::Equivocation { seq: 2, .. })
        ));
        let held = Sequences::held(&relay, &alice, 2).expect("number 2 is held");
        assert_eq!(held.hash(), honest.hash());
        assert_ne!(held.hash(), twin.hash());
        assert_eq!(relay.get(ROOT, "b").expect("read").map(|_| ()), Some(()));
    }

    #[test]
    fn a_change_that_skips_numbers_is_a_gap() {
        let bob = ActorId::from(&[2u8; 16][..]);
        let mut doc = Automerge::new().with_actor(bob.clone());
        let first = edit(&mut doc, "a");
        let _second = edit(&mut doc, "b");
        let third = edit(&mut doc, "c");
        // Known: only number 1.
        let mut seqs = Sequences::default();
        seqs.advance(
            seqs.check(&doc, std::slice::from_ref(&first))
                .expect("number 1"),
        );
        assert!(matches!(
            seqs.check(&doc, std::slice::from_ref(&third)),
            Err(SequenceError::Gap {
                seq: 3,
                expected: 2,
                ..
            })
        ));
    }

    /// `bytes` applied to a copy of `relay`, and checked.
    fn admit(relay: &Automerge, seqs: &Sequences, bytes: &[u8]) -> Result<Advance, SequenceError> {
        let mut scratch = relay.clone();
        let incoming =
            apply_in_place(&mut scratch, bytes, &Limits::default()).expect("Automerge applies it");
        seqs.check(&scratch, &incoming.changes)
    }

    /// The relay's copy of `doc`'s history, and its numbers.
    fn relay_of(doc: &Automerge) -> (Automerge, Sequences) {
        let mut relay = Automerge::new();
        relay.apply_changes(doc.get_changes(&[])).expect("history");
        let seqs = Sequences::of(&relay);
        (relay, seqs)
    }

    /// F4 (`docs/security.md`): a change whose counters start before its
    /// dependency's end applies, but the document saved with it does not
    /// load ("max_op is lower than start_op").
    #[test]
    fn a_change_that_starts_before_its_dependency_ends_is_refused() {
        let doc = base();
        let (relay, seqs) = relay_of(&doc);
        let mut bob = doc.fork().with_actor(actor(2));
        let honest = make(&mut bob, &Edit::Put { key: 0, value: 1 }).expect("a change");
        assert!(honest.start_op().get() > 2);
        let back = bent(honest.raw_bytes(), &Bend::StartOp(2)).expect("encodes");
        let mut scratch = relay.clone();
        apply_in_place(&mut scratch, &back, &Limits::default()).expect("Automerge applies it");
        assert!(
            Automerge::load(&scratch.save()).is_err(),
            "the attack works"
        );
        assert!(matches!(
            admit(&relay, &seqs, &back),
            Err(SequenceError::Lineage { .. })
        ));
        assert!(admit(&relay, &seqs, honest.raw_bytes()).is_ok());
    }

    /// A change that does not name its actor's previous one among its
    /// ancestors applies but does not load once saved: the screen sends
    /// it to the save and load, which refuses it.
    #[test]
    fn a_change_cut_from_its_actors_past_must_load_again() {
        let doc = base();
        let mut alice = doc.fork().with_actor(actor(1));
        make(&mut alice, &Edit::Push { value: 1 }).expect("a change");
        let (relay, seqs) = relay_of(&alice);
        let honest = make(&mut alice, &Edit::Push { value: 2 }).expect("a change");
        let cut = bent(honest.raw_bytes(), &Bend::DropDeps).expect("encodes");
        let mut scratch = relay.clone();
        let incoming =
            apply_in_place(&mut scratch, &cut, &Limits::default()).expect("Automerge applies it");
        let (_, unsure) = seqs.screen(&scratch, &incoming.changes).expect("screened");
        assert!(unsure.is_some(), "it asks for the save and load");
        assert!(matches!(
            admit(&relay, &seqs, &cut),
            Err(SequenceError::Unloadable { .. })
        ));
        assert!(admit(&relay, &seqs, honest.raw_bytes()).is_ok());
    }

    /// Marks pass through the save and load: an honest one is kept, one
    /// whose end comes before its begin is not (F4's second case).
    #[test]
    fn marks_are_kept_only_when_the_document_loads_with_them() {
        let doc = base();
        let (relay, seqs) = relay_of(&doc);
        let mut alice = doc.fork().with_actor(actor(1));
        let honest = make(&mut alice, &Edit::Mark { from: 4, len: 3 }).expect("a mark");
        assert!(admit(&relay, &seqs, honest.raw_bytes()).is_ok());
        let swapped = bent(honest.raw_bytes(), &Bend::Swap(0, 1)).expect("encodes");
        let refused = admit(&relay, &seqs, &swapped);
        assert!(
            matches!(&refused, Err(SequenceError::Unloadable { why, .. }) if why.contains("mark")),
            "{refused:?}"
        );
    }

    /// One honest edit, of any kind the full path takes.
    #[derive(Debug, Clone)]
    enum Edit {
        Type {
            at: usize,
            del: usize,
            s: String,
        },
        Put {
            key: u8,
            value: i64,
        },
        Make {
            key: u8,
        },
        Increment,
        Mark {
            from: usize,
            len: usize,
        },
        Push {
            value: i64,
        },
        DeleteKey {
            key: u8,
        },
        /// The writer first takes in another writer's changes.
        Merge {
            from: u8,
        },
    }

    fn an_edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (0usize..30, 0usize..3, "[a-zé ]{0,3}").prop_map(|(at, del, s)| Edit::Type {
                at,
                del,
                s
            }),
            (0u8..3, -3i64..3).prop_map(|(key, value)| Edit::Put { key, value }),
            (0u8..3).prop_map(|key| Edit::Make { key }),
            Just(Edit::Increment),
            (0usize..20, 1usize..5).prop_map(|(from, len)| Edit::Mark { from, len }),
            (-3i64..3).prop_map(|value| Edit::Push { value }),
            (0u8..3).prop_map(|key| Edit::DeleteKey { key }),
            (1u8..4).prop_map(|from| Edit::Merge { from }),
        ]
    }

    /// A document with a text, a list and a counter.
    fn base() -> Automerge {
        let mut doc = Automerge::new().with_actor(actor(1));
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "text", ObjType::Text).expect("text");
        tx.splice_text(&text, 0, 0, "Les membres du collège")
            .expect("splice");
        tx.put_object(ROOT, "list", ObjType::List).expect("list");
        tx.put(ROOT, "n", ScalarValue::counter(0)).expect("counter");
        tx.commit();
        doc
    }

    /// `edit` made by `doc`: its change, if it made one.
    fn make(doc: &mut Automerge, edit: &Edit) -> Option<Change> {
        let (_, text) = doc.get(ROOT, "text").ok()??;
        let (_, list) = doc.get(ROOT, "list").ok()??;
        let len = doc.length(&text);
        let mut tx = doc.transaction();
        match edit {
            Edit::Type { at, del, s } => {
                let at = at % (len + 1);
                let del = (*del).min(len - at);
                tx.splice_text(&text, at, del as isize, s).ok()?;
            }
            Edit::Put { key, value } => tx.put(ROOT, format!("k{key}"), *value).ok()?,
            Edit::Make { key } => {
                let map = tx.put_object(ROOT, format!("m{key}"), ObjType::Map).ok()?;
                tx.put(&map, "x", 1).ok()?;
            }
            Edit::Increment => tx.increment(ROOT, "n", 1).ok()?,
            Edit::Mark { from, len: span } => {
                if len == 0 {
                    return None;
                }
                let from = from % len;
                let to = (from + span).min(len);
                let mark = Mark::new("gras".into(), true, from, to);
                tx.mark(&text, mark, ExpandMark::After).ok()?;
            }
            Edit::Push { value } => {
                let at = tx.length(&list);
                tx.insert(&list, at, *value).ok()?;
            }
            Edit::DeleteKey { key } => tx.delete(ROOT, format!("k{key}")).ok()?,
            Edit::Merge { .. } => return None,
        }
        tx.commit();
        doc.get_last_local_change()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            crate::engine::tests::case_count(64)
        ))]

        /// Honest changes of three writers — text, keys, objects, counters,
        /// marks, lists, merges — all pass; a bent change passes only when
        /// the document with it still saves, loads, and syncs to a fresh
        /// peer: what the relay's full path keeps, every peer can load.
        #[test]
        fn what_passes_loads_again(
            edits in proptest::collection::vec((1u8..4, an_edit()), 1..16),
            bends in proptest::collection::vec((0usize..16, bend(), bend()), 0..24),
        ) {
            let doc = base();
            let mut relay = Automerge::new();
            relay.apply_changes(doc.get_changes(&[])).expect("history");
            let mut seqs = Sequences::of(&relay);
            let mut writers: Vec<Automerge> =
                (1..4).map(|n| doc.fork().with_actor(actor(n))).collect();
            for (i, (who, edit)) in edits.iter().enumerate() {
                let w = usize::from(*who - 1);
                if let Edit::Merge { from } = edit {
                    let mut other = writers[usize::from(*from - 1)].clone();
                    writers[w].merge(&mut other).expect("merge");
                    continue;
                }
                let Some(honest) = make(&mut writers[w], edit) else { continue };
                let honest = honest.raw_bytes().to_vec();
                for (_, a, b) in bends.iter().filter(|(at, _, _)| *at == i) {
                    for candidate in candidates(&honest, a, b) {
                        let mut scratch = relay.clone();
                        let Ok(incoming) =
                            apply_in_place(&mut scratch, &candidate, &Limits::default())
                        else {
                            continue;
                        };
                        if incoming.changes.is_empty() || !scratch.get_missing_deps(&[]).is_empty() {
                            continue;
                        }

                        // The screen alone (no save and load) passes
                        // only what loads.
                        let screened = seqs.screen(&scratch, &incoming.changes);
                        if let Ok((_, None)) = screened {
                            let saved = scratch.save();
                            let loaded = Automerge::load(&saved);
                            prop_assert!(loaded.is_ok(), "a plain change does not load: {:?}", loaded.err());
                            prop_assert_eq!(loaded.map(|l| l.get_heads()).ok(), Some(scratch.get_heads()));
                            let fresh = synced(&mut scratch);
                            prop_assert_eq!(fresh.get_heads(), scratch.get_heads());
                        }
                    }
                }
                let incoming = apply_in_place(&mut relay, &honest, &Limits::default())
                    .expect("an honest change applies");
                // An honest change passes, and but for marks without the
                // save and load.
                let screened = seqs.screen(&relay, &incoming.changes);
                prop_assert!(screened.is_ok(), "an honest change passes: {:?}", screened.err());
                let (advance, unsure) = screened.unwrap_or_default();
                prop_assert_eq!(unsure.is_some(), matches!(edit, Edit::Mark { .. }));
                prop_assert!(seqs.check(&relay, &incoming.changes).is_ok());
                seqs.advance(advance);
            }
            let fresh = synced(&mut relay);
            prop_assert_eq!(fresh.get_heads(), relay.get_heads());
        }
    }
}
