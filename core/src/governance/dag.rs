//! The record DAG: a deterministic order, and the ancestry questions
//! authority needs answered.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use foldhash::HashMapExt as _;
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
fn class(record: &Record, kind_of: impl Fn(&RecordId) -> Option<Kind>) -> u8 {
    match record.payload() {
        Payload::Leave(_) | Payload::RevokeDevice(_) => 0,
        Payload::Decide(decide) => match kind_of(&decide.subject) {
            Some(Kind::Exclude) => 0,
            _ => 1,
        },
        _ => 1,
    }
}

impl Dag {
    /// Order `records` (already deduplicated and with valid signatures);
    /// `invalid` are ids known to be bad (their descendants are left out).
    ///
    /// Each record's parents are looked up by id once; the walk works on
    /// positions in `records` (a community's first act builds the DAG of
    /// every record, and a record may cite dozens).
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
        let n = records.len();
        // Keyed per process, and much faster than SipHash on ids (which are
        // SHA-256 outputs of signed records).
        let by_id: foldhash::HashMap<RecordId, usize> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id(), i))
            .collect();
        let kind_of = |id: &RecordId| by_id.get(id).map(|&i| records[i].kind());
        let invalid: foldhash::HashSet<RecordId> = invalid.iter().copied().collect();

        // Records whose ancestry is complete, found by a walk from the roots:
        // each record's parents (positions), the records citing each, and
        // how many parents each still waits for.
        let mut parent_at: Vec<usize> = Vec::with_capacity(n);
        let mut parent_span: Vec<(usize, usize)> = Vec::with_capacity(n);
        let mut waiting: Vec<usize> = vec![0; n];
        let mut placeable = vec![true; n];
        let mut heap = BinaryHeap::new();
        let mut left_out = Vec::new();
        for (i, record) in records.iter().enumerate() {
            let first = parent_at.len();
            let mut reason = None;
            for parent in record.parents() {
                if invalid.contains(parent) {
                    reason = Some(LeftOut::InvalidParent(*parent));
                } else if let Some(&p) = by_id.get(parent) {
                    parent_at.push(p);
                } else {
                    reason.get_or_insert(LeftOut::MissingParent(*parent));
                }
            }
            parent_span.push((first, parent_at.len()));
            if let Some(reason) = reason {
                placeable[i] = false;
                left_out.push((record.clone(), reason));
                continue;
            }
            waiting[i] = parent_at.len() - first;
            if waiting[i] == 0 {
                heap.push(Reverse((
                    class(record, kind_of),
                    tie(record.id()),
                    record.id(),
                    i,
                )));
            }
        }
        // The records citing each, all in one vector (`children[from[p]..
        // from[p + 1]]` cite `p`), in the order they come in `records`.
        let mut from = vec![0usize; n + 1];
        for &p in &parent_at {
            from[p + 1] += 1;
        }
        for p in 0..n {
            from[p + 1] += from[p];
        }
        let mut children = vec![0usize; parent_at.len()];
        let mut next = from.clone();
        for (i, &(first, end)) in parent_span.iter().enumerate() {
            for &p in &parent_at[first..end] {
                children[next[p]] = i;
                next[p] += 1;
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut index = foldhash::HashMap::with_capacity(n);
        let mut placed_at: Vec<Option<usize>> = vec![None; n];
        while let Some(Reverse((_, _, id, i))) = heap.pop() {
            placed_at[i] = Some(order.len());
            index.insert(id, order.len());
            order.push(records[i].clone());
            for &child in &children[from[i]..from[i + 1]] {
                if !placeable[child] {
                    continue;
                }
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    let record = &records[child];
                    heap.push(Reverse((
                        class(record, kind_of),
                        tie(record.id()),
                        record.id(),
                        child,
                    )));
                }
            }
        }
        // Whatever still waits descends from a left-out record (a cycle is
        // impossible: ids are hashes). Each inherits its ancestor's reason.
        let mut reasons: HashMap<RecordId, LeftOut> = left_out
            .iter()
            .map(|(r, why): &(Record, LeftOut)| (r.id(), why.clone()))
            .collect();
        let mut rest: Vec<&Record> = (0..n)
            .filter(|&i| placeable[i] && placed_at[i].is_none())
            .map(|i| &records[i])
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

        // A placed record's parents are all placed, before it.
        let mut parents: Vec<Arc<[usize]>> = vec![Arc::from([]); order.len()];
        for (i, at) in placed_at.iter().enumerate() {
            if let Some(at) = *at {
                let (first, end) = parent_span[i];
                parents[at] = parent_at[first..end]
                    .iter()
                    .filter_map(|&p| placed_at[p])
                    .collect();
            }
        }
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
