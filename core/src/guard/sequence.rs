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
//!   ([`SequenceError::Gap`]).
//!
//! [`Sequences::held`] finds the change a document already holds for an
//! (actor, seq), for the evidence an equivocation leaves.

use std::collections::HashMap;

use automerge::{ActorId, Automerge, Change, ChangeHash};

use super::contained;

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
}

/// The last sequence number of each actor of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sequences {
    last: HashMap<ActorId, u64>,
}

/// The numbers [`Sequences::check`] found next, to be kept with
/// [`Sequences::advance`] once the changes are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advance(Vec<(ActorId, u64)>);

impl Advance {
    /// The numbers `changes` take, without checking them: for changes
    /// [`super::Typing::check`] vouched for (each its actor's next).
    pub fn of(changes: &[Change]) -> Advance {
        Advance(
            changes
                .iter()
                .map(|change| (change.actor_id().clone(), change.seq()))
                .collect(),
        )
    }
}

impl Sequences {
    /// Read them off a document (its changes' metadata, no change is
    /// re-encoded).
    pub fn of(doc: &Automerge) -> Sequences {
        let mut last: HashMap<ActorId, u64> = HashMap::new();
        for meta in doc.get_changes_meta(&[]) {
            let seq = last.entry(meta.actor.into_owned()).or_default();
            *seq = (*seq).max(meta.seq);
        }
        Sequences { last }
    }

    /// How many changes these numbers count: the sum of every actor's last
    /// sequence number (each actor's changes are numbered 1, 2, … without
    /// gaps in a document).
    pub fn total(&self) -> u64 {
        self.last.values().sum()
    }

    /// The last sequence number of `actor` (0: none).
    pub fn last(&self, actor: &ActorId) -> u64 {
        self.last.get(actor).copied().unwrap_or(0)
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
        let mut next: HashMap<&ActorId, u64> = HashMap::new();
        let mut advance = Vec::with_capacity(changes.len());
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
            let expected = next.get(actor).copied().unwrap_or_else(|| self.last(actor)) + 1;
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
            next.insert(actor, seq);
            advance.push((actor.clone(), seq));
        }
        Ok(Advance(advance))
    }

    /// Keep what [`Sequences::check`] found.
    pub fn advance(&mut self, advance: Advance) {
        for (actor, seq) in advance.0 {
            let last = self.last.entry(actor).or_default();
            *last = (*last).max(seq);
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

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable as _;
    use automerge::{ROOT, ReadDoc as _};

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
}
