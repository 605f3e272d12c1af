//! The record DAG: a deterministic order, and the ancestry questions
//! authority needs answered.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use super::seq::{Index, Seq};
use crate::record::{Kind, Payload, Record, RecordId};

/// The records of a community that could be placed in the DAG, in canonical
/// order, with the ones that could not and why.
///
/// A kept fold's next step (one act) copies the DAG and adds a record, in
/// time that does not grow with the community ([`Seq`], [`Index`]).
#[derive(Clone)]
pub(crate) struct Dag {
    /// Records in canonical order (parents before children).
    pub order: Seq<Record>,
    /// Index in `order` by id.
    pub index: Index<RecordId, usize>,
    /// Parents of each record, as indices into `order`.
    pub parents: Seq<Arc<[usize]>>,
    /// The length of the longest path from the genesis to each record: with
    /// the timestamp and the id, an order of records that respects
    /// causality and does not depend on the tie-break.
    pub depth: Seq<usize>,
    /// Records left out: their id and why.
    pub left_out: Vec<(Record, LeftOut)>,
}

/// Why a record is not in the DAG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LeftOut {
    /// A parent is not (yet) known: waiting for it.
    MissingParent(RecordId),
    /// A parent is itself not a valid record.
    InvalidParent(RecordId),
}

/// Priority among records whose parents are all placed: removals first (a
/// member leaving, a device revoked, an exclusion decided), so that a removal
/// and something concurrent with it always meet in the same order; then by
/// id.
fn class(record: &Record, by_id: &HashMap<RecordId, &Record>) -> u8 {
    match record.payload() {
        Payload::Leave(_) | Payload::RevokeDevice(_) => 0,
        Payload::Decide(decide) => match by_id.get(&decide.subject).map(|r| r.kind()) {
            Some(Kind::Exclude) => 0,
            _ => 1,
        },
        _ => 1,
    }
}

impl Dag {
    /// Order `records` (already deduplicated and with valid signatures);
    /// `invalid` are ids known to be bad (their descendants are left out).
    pub fn build(records: Vec<Record>, invalid: &[RecordId], salt: [u8; 32]) -> Dag {
        // The tie-break among records ready at once: by id, or by salted id
        // (tests: no verdict may depend on it).
        let tie = |id: RecordId| -> [u8; 32] {
            let mut key = id.0;
            for (k, s) in key.iter_mut().zip(salt) {
                *k ^= s;
            }
            key
        };
        let by_id: HashMap<RecordId, &Record> = records.iter().map(|r| (r.id(), r)).collect();
        let invalid: std::collections::HashSet<RecordId> = invalid.iter().copied().collect();

        // Records whose ancestry is complete, found by a walk from the roots.
        let mut children: HashMap<RecordId, Vec<RecordId>> = HashMap::new();
        let mut waiting: HashMap<RecordId, usize> = HashMap::new();
        let mut heap = BinaryHeap::new();
        let mut left_out = Vec::new();
        for record in &records {
            let mut missing = 0;
            let mut reason = None;
            for parent in record.parents() {
                if invalid.contains(parent) {
                    reason = Some(LeftOut::InvalidParent(*parent));
                } else if !by_id.contains_key(parent) {
                    reason.get_or_insert(LeftOut::MissingParent(*parent));
                } else {
                    missing += 1;
                    children.entry(*parent).or_default().push(record.id());
                }
            }
            if let Some(reason) = reason {
                left_out.push((record.clone(), reason));
                continue;
            }
            if missing == 0 {
                heap.push(Reverse((
                    class(record, &by_id),
                    tie(record.id()),
                    record.id(),
                )));
            } else {
                waiting.insert(record.id(), missing);
            }
        }
        let mut order = Vec::with_capacity(records.len());
        let mut index = HashMap::with_capacity(records.len());
        while let Some(Reverse((_, _, id))) = heap.pop() {
            let Some(record) = by_id.get(&id) else {
                continue;
            };
            index.insert(id, order.len());
            order.push((*record).clone());
            for child in children.get(&id).into_iter().flatten() {
                if let Some(count) = waiting.get_mut(child) {
                    *count -= 1;
                    if *count == 0 {
                        waiting.remove(child);
                        if let Some(record) = by_id.get(child) {
                            heap.push(Reverse((class(record, &by_id), tie(*child), *child)));
                        }
                    }
                }
            }
        }
        // Whatever still waits descends from a left-out record (a cycle is
        // impossible: ids are hashes). Each inherits its ancestor's reason.
        let mut reasons: HashMap<RecordId, LeftOut> = left_out
            .iter()
            .map(|(r, why)| (r.id(), why.clone()))
            .collect();
        let mut rest: Vec<&Record> = waiting
            .keys()
            .filter_map(|id| by_id.get(id).copied())
            .collect();
        rest.sort_by_key(|r| r.id());
        while !rest.is_empty() {
            let before = rest.len();
            rest.retain(|record| {
                let inherited = record
                    .parents()
                    .iter()
                    .find_map(|p| reasons.get(p).cloned());
                match inherited {
                    Some(reason) => {
                        reasons.insert(record.id(), reason.clone());
                        left_out.push(((*record).clone(), reason));
                        false
                    }
                    None => true,
                }
            });
            if rest.len() == before {
                break;
            }
        }
        left_out.sort_by_key(|(r, _)| r.id());

        let parents: Vec<Arc<[usize]>> = order
            .iter()
            .map(|r| {
                r.parents()
                    .iter()
                    .filter_map(|p| index.get(p).copied())
                    .collect()
            })
            .collect();
        // Parents come first in `order`.
        let mut depth = vec![0usize; order.len()];
        for (i, ps) in parents.iter().enumerate() {
            depth[i] = ps.iter().map(|&p| depth[p] + 1).max().unwrap_or(0);
        }
        Dag {
            order: order.into(),
            index: index.into(),
            parents: parents.into(),
            depth: depth.into(),
            left_out,
        }
    }

    /// The place of record `i` in the canonical order that does not depend
    /// on the tie-break: timestamp, then depth (a record is never dated
    /// before its parents, and is deeper), then id.
    pub fn causal_key(&self, i: usize) -> (u64, usize, crate::record::RecordId) {
        let record = &self.order[i];
        (record.timestamp(), self.depth[i], record.id())
    }

    /// The same key for a record named by id (records not placed last).
    pub fn causal_key_of(&self, id: &RecordId) -> (u64, usize, RecordId) {
        match self.index.get(id) {
            Some(&i) => self.causal_key(i),
            None => (u64::MAX, usize::MAX, *id),
        }
    }

    /// Every ancestor of `at` (not `at` itself), as a membership vector.
    pub fn ancestors(&self, at: usize) -> Vec<bool> {
        let mut seen = vec![false; self.order.len()];
        let mut stack: Vec<usize> = self.parents[at].to_vec();
        while let Some(next) = stack.pop() {
            if !seen[next] {
                seen[next] = true;
                stack.extend(self.parents[next].iter().copied());
            }
        }
        seen
    }
}

/// A growable set of small integers.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct BitSet(Vec<u64>);

impl BitSet {
    pub fn insert(&mut self, bit: usize) {
        let word = bit / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (bit % 64);
    }

    pub fn contains(&self, bit: usize) -> bool {
        self.0
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }

    pub fn union_with(&mut self, other: &BitSet) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}
