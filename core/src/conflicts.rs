//! Conflicts: concurrent rewrites of the same words.
//!
//! Automerge merges two people's concurrent edits to one text without
//! loss, character by character: when both rewrote the same words, the
//! merge interleaves them ("20 €" changed to "25 €" by one member and to
//! "15 €" by another reads "155 €"). That is convergent, not what either
//! meant. This module finds such places so a person can decide.
//!
//! A **conflict** is a place in one text of a charter (the title, the
//! preamble, a heading, a section's prose, an article) where two concurrent
//! branches of the history (neither in the other's causal past) both
//! changed the same words, measured against their common ancestor. Edits
//! are widened to whole words, so concurrent edits of *different* words
//! (even neighbours) are not conflicts; edits touching the same word are,
//! unless both sides wrote the same thing.
//!
//! Conflicts are derived from the history alone: every merge of two
//! branches (a change with several dependencies, or a document with several
//! heads) is examined, so every peer holding the same changes computes the
//! same conflicts, whatever the order it received them in. A conflict is
//! **open** while the merged words stand as the merge left them; any later
//! edit of them (an ordinary edit, such as `nous conflicts resolve`)
//! supersedes it.
//!
//! Cost: one pass over the change graph, then, per merge, only the texts
//! that both branches touched are read (at the ancestor, each side and the
//! merge).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::legacy::{ElementId, Key, ObjectId, OpType};
use automerge::{ActorId, Automerge, ChangeHash, ObjId, ReadDoc, ScalarValueRef, ValueRef};
use sha2::{Digest as _, Sha256};

use crate::charter::TextPart;
use crate::identity::PublicKey;
use crate::ids;

/// An element of a text (one character), named by the operation that
/// inserted it.
type Elem = (u64, ActorId);

/// Two concurrent rewrites of the same words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    /// A stable id (12 hex characters), the same on every peer.
    pub id: String,
    /// Which text of the charter.
    #[serde(flatten)]
    pub part: TextPart,
    /// The change that merged the two sides, or `None` while the sides are
    /// still the document's heads.
    pub merged_by: Option<String>,
    /// The words as they were before either side changed them.
    pub ancestor: String,
    /// The two sides, in a stable order (by their first change).
    pub sides: [Side; 2],
    /// The same words as the merge left them.
    pub merged: String,
    /// Whether the merged words still stand (nobody edited them since).
    pub open: bool,
    #[serde(skip)]
    object: ObjId,
    #[serde(skip)]
    merged_elems: Vec<Elem>,
}

/// One side of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Side {
    /// The words as this side left them.
    pub text: String,
    /// The changes of this side that edited those words.
    pub changes: Vec<SideChange>,
}

/// A change on one side of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SideChange {
    /// The change hash (hex).
    pub hash: String,
    /// The device that made it, when its actor id is a device key.
    pub device: Option<PublicKey>,
    /// When it was made, by its author's clock (ms since the Unix epoch).
    pub time_ms: i64,
}

impl Conflict {
    /// Where the merged words are now in the text (start, length), if they
    /// still stand as the merge left them.
    pub(crate) fn current_span(&self, doc: &impl ReadDoc) -> Option<(usize, usize)> {
        let current = elements(doc, &self.object, None);
        span_of(&current, &self.merged_elems)
    }

    /// Replace the merged words with `text`, the resolution. The words must
    /// still stand as merged.
    pub(crate) fn resolve(
        &self,
        tx: &mut automerge::transaction::Transaction<'_>,
        text: &str,
    ) -> Result<(), crate::charter::SchemaError> {
        use automerge::transaction::Transactable as _;
        let Some((start, len)) = self.current_span(tx) else {
            return Err(crate::charter::SchemaError::ConflictClosed(self.id.clone()));
        };
        // Always new elements, even when the resolution is the merged text:
        // the conflict is then closed on every peer.
        let len = isize::try_from(len).unwrap_or(isize::MAX);
        tx.splice_text(&self.object, start, len, text)?;
        Ok(())
    }
}

/// One change of the graph.
struct Node {
    hash: ChangeHash,
    deps: Vec<usize>,
    actor: ActorId,
    time_ms: i64,
    start_op: u64,
    max_op: u64,
}

/// What one change did to texts: per object, the elements it deleted.
#[derive(Default)]
struct Edits {
    objects: HashSet<Elem>,
    deleted: HashMap<Elem, Vec<Elem>>,
}

/// Every conflict in the history of `doc`, open or not, in a stable order.
pub fn conflicts(doc: &Automerge) -> Vec<Conflict> {
    let metas = doc.get_changes_meta(&[]);
    let index: HashMap<ChangeHash, usize> =
        metas.iter().enumerate().map(|(i, m)| (m.hash, i)).collect();
    let nodes: Vec<Node> = metas
        .iter()
        .map(|m| Node {
            hash: m.hash,
            deps: m
                .deps
                .iter()
                .filter_map(|d| index.get(d).copied())
                .collect(),
            actor: m.actor.clone().into_owned(),
            time_ms: m.timestamp,
            start_op: m.start_op,
            max_op: m.max_op,
        })
        .collect();
    drop(metas);
    let mut merges: Vec<(Option<ChangeHash>, Vec<usize>)> = nodes
        .iter()
        .filter(|n| n.deps.len() >= 2)
        .map(|n| (Some(n.hash), n.deps.clone()))
        .collect();
    let heads: Vec<usize> = doc
        .get_heads()
        .iter()
        .filter_map(|h| index.get(h).copied())
        .collect();
    if heads.len() >= 2 {
        merges.push((None, heads));
    }
    let mut graph = Graph {
        doc,
        nodes: &nodes,
        edits: HashMap::new(),
        by_actor: HashMap::new(),
    };
    for (i, node) in nodes.iter().enumerate() {
        graph
            .by_actor
            .entry(node.actor.clone())
            .or_default()
            .push(i);
    }
    let mut found: BTreeMap<String, Conflict> = BTreeMap::new();
    for (merge, sides) in merges {
        for a in 0..sides.len() {
            for b in a + 1..sides.len() {
                for conflict in graph.pair(merge, &sides, sides[a], sides[b]) {
                    // Two merges of the same two sides find the same
                    // conflict: name the first merge change, in an order
                    // every peer agrees on.
                    let rank = |c: &Conflict| (c.merged_by.is_none(), c.merged_by.clone());
                    match found.get(&conflict.id) {
                        Some(kept) if rank(kept) <= rank(&conflict) => {}
                        _ => {
                            found.insert(conflict.id.clone(), conflict);
                        }
                    }
                }
            }
        }
    }
    let mut all: Vec<Conflict> = found.into_values().collect();
    for conflict in &mut all {
        conflict.open = conflict.current_span(doc).is_some();
    }
    all.sort_by(|x, y| {
        let first = |c: &Conflict| c.sides[0].changes.first().map(|s| s.time_ms);
        (first(x), &x.id).cmp(&(first(y), &y.id))
    });
    all
}

struct Graph<'a> {
    doc: &'a Automerge,
    nodes: &'a [Node],
    edits: HashMap<usize, Edits>,
    by_actor: HashMap<ActorId, Vec<usize>>,
}

impl Graph<'_> {
    /// The causal past of change `from`, itself included.
    fn past(&self, from: usize) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            if !seen[i] {
                seen[i] = true;
                stack.extend(self.nodes[i].deps.iter().copied());
            }
        }
        seen
    }

    fn edits(&mut self, i: usize) -> &Edits {
        let (doc, nodes) = (self.doc, self.nodes);
        self.edits.entry(i).or_insert_with(|| {
            let mut edits = Edits::default();
            let Some(change) = doc.get_change_by_hash(&nodes[i].hash) else {
                return edits;
            };
            for op in change.decode().operations {
                let ObjectId::Id(obj) = &op.obj else { continue };
                let obj = (obj.0, obj.1.clone());
                edits.objects.insert(obj.clone());
                if let (OpType::Delete, Key::Seq(ElementId::Id(elem))) = (&op.action, &op.key) {
                    edits
                        .deleted
                        .entry(obj)
                        .or_default()
                        .push((elem.0, elem.1.clone()));
                }
            }
            edits
        })
    }

    /// The change that inserted an element.
    fn inserted_by(&self, elem: &Elem) -> Option<usize> {
        self.by_actor.get(&elem.1)?.iter().copied().find(|&i| {
            let n = &self.nodes[i];
            (n.start_op..=n.max_op).contains(&elem.0)
        })
    }

    /// The conflicts between the branches ending at `a` and at `b`, merged
    /// by `merge` (whose dependencies are `deps`).
    fn pair(
        &mut self,
        merge: Option<ChangeHash>,
        deps: &[usize],
        a: usize,
        b: usize,
    ) -> Vec<Conflict> {
        let (past_a, past_b) = (self.past(a), self.past(b));
        let branch = |mine: &[bool], theirs: &[bool]| -> Vec<usize> {
            (0..mine.len()).filter(|&i| mine[i] && !theirs[i]).collect()
        };
        let (branch_a, branch_b) = (branch(&past_a, &past_b), branch(&past_b, &past_a));
        let touched = |graph: &mut Self, branch: &[usize]| -> HashSet<Elem> {
            let mut objects = HashSet::new();
            for &i in branch {
                objects.extend(graph.edits(i).objects.iter().cloned());
            }
            objects
        };
        let (touched_a, touched_b) = (touched(self, &branch_a), touched(self, &branch_b));
        let both: BTreeSet<&Elem> = touched_a.intersection(&touched_b).collect();
        if both.is_empty() {
            return Vec::new();
        }
        // The common ancestor: the heads of what both sides had.
        let common: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| past_a[i] && past_b[i])
            .collect();
        let mut not_head = HashSet::new();
        for &i in &common {
            not_head.extend(self.nodes[i].deps.iter().copied());
        }
        let ancestor: Vec<ChangeHash> = common
            .iter()
            .filter(|i| !not_head.contains(*i))
            .map(|&i| self.nodes[i].hash)
            .collect();
        let hashes = |list: &[usize]| -> Vec<ChangeHash> {
            list.iter().map(|&i| self.nodes[i].hash).collect()
        };
        let (at_a, at_b, at_merge) = (hashes(&[a]), hashes(&[b]), hashes(deps));
        let parts: HashMap<Elem, (TextPart, ObjId)> =
            crate::charter::text_parts(self.doc, Some(&at_merge))
                .into_iter()
                .filter_map(|(part, obj)| Some((elem_of(&obj)?, (part, obj))))
                .collect();
        let mut out = Vec::new();
        for object in both {
            let Some((part, obj)) = parts.get(object) else {
                continue;
            };
            let old = elements(self.doc, obj, Some(&ancestor));
            let side_a = elements(self.doc, obj, Some(&at_a));
            let side_b = elements(self.doc, obj, Some(&at_b));
            if same_text(&old, &side_a) || same_text(&old, &side_b) {
                continue;
            }
            let merged = elements(self.doc, obj, Some(&at_merge));
            let old_pos: HashMap<&Elem, usize> =
                old.iter().enumerate().map(|(p, (e, _))| (e, p)).collect();
            let chars: Vec<char> = old.iter().flat_map(|(_, s)| s.chars()).collect();
            // Widening works on characters; elements hold one each, except
            // in documents written by unusual peers: then widen by element.
            let word =
                |p: usize| chars.len() == old.len() && chars.get(p).is_some_and(|c| is_word(*c));
            let (ranges_a, inserted_a) = changed(&old_pos, &old, &side_a);
            let (ranges_b, inserted_b) = changed(&old_pos, &old, &side_b);
            let widen = |(mut start, mut end): (usize, usize)| {
                while start > 0 && word(start - 1) {
                    start -= 1;
                }
                while word(end) {
                    end += 1;
                }
                (start, end)
            };
            let mut ranges: Vec<(usize, usize, u8)> = ranges_a
                .iter()
                .map(|r| (widen(*r), 1u8))
                .chain(ranges_b.iter().map(|r| (widen(*r), 2u8)))
                .map(|((s, e), side)| (s, e, side))
                .collect();
            ranges.sort();
            let mut clusters: Vec<(usize, usize, u8)> = Vec::new();
            for (start, end, side) in ranges {
                match clusters.last_mut() {
                    Some(last) if start <= last.1 => {
                        last.1 = last.1.max(end);
                        last.2 |= side;
                    }
                    _ => clusters.push((start, end, side)),
                }
            }
            for (start, end, sides) in clusters {
                if sides != 3 {
                    continue;
                }
                let within = |e: &Elem| -> bool {
                    match old_pos.get(e) {
                        Some(&p) => (start..end).contains(&p),
                        None => inserted_a
                            .get(e)
                            .or_else(|| inserted_b.get(e))
                            .is_some_and(|q| (start..=end).contains(q)),
                    }
                };
                let text_a = slice(&side_a, &within);
                let text_b = slice(&side_b, &within);
                let merged_words = slice(&merged, &within);
                if text_a.0 == text_b.0 || merged_words.1.is_empty() {
                    continue;
                }
                let ancestor_words: String =
                    old[start..end].iter().map(|(_, s)| s.as_str()).collect();
                let changes_a = self.side_changes(&branch_a, object, &within, &inserted_a);
                let changes_b = self.side_changes(&branch_b, object, &within, &inserted_b);
                let mut sides = [
                    Side {
                        text: text_a.0,
                        changes: changes_a,
                    },
                    Side {
                        text: text_b.0,
                        changes: changes_b,
                    },
                ];
                let key = |s: &Side| s.changes.first().map(|c| c.hash.clone());
                if key(&sides[1]) < key(&sides[0]) {
                    sides.swap(0, 1);
                }
                let mut hasher = Sha256::new();
                hasher.update(format!("{}@{}", object.0, object.1).as_bytes());
                for side in &sides {
                    hasher.update(b"|");
                    for change in &side.changes {
                        hasher.update(change.hash.as_bytes());
                    }
                }
                hasher.update(format!("|{start}|{end}").as_bytes());
                let digest = hasher.finalize();
                let id: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
                out.push(Conflict {
                    id,
                    part: part.clone(),
                    merged_by: merge.map(|h| ids::hash_hex(&h)),
                    ancestor: ancestor_words,
                    sides,
                    merged: merged_words.0,
                    open: true,
                    object: obj.clone(),
                    merged_elems: merged_words.1,
                });
            }
        }
        out
    }

    /// The changes of `branch` that inserted or deleted words inside the
    /// conflict (every change of the branch that edited the text, if none
    /// can be singled out).
    fn side_changes(
        &mut self,
        branch: &[usize],
        object: &Elem,
        within: &dyn Fn(&Elem) -> bool,
        inserted: &HashMap<Elem, usize>,
    ) -> Vec<SideChange> {
        let mut chosen: BTreeSet<usize> = inserted
            .keys()
            .filter(|e| within(e))
            .filter_map(|e| self.inserted_by(e))
            .collect();
        let mut editing = Vec::new();
        for &i in branch {
            let edits = self.edits(i);
            if !edits.objects.contains(object) {
                continue;
            }
            editing.push(i);
            if edits
                .deleted
                .get(object)
                .is_some_and(|deleted| deleted.iter().any(within))
            {
                chosen.insert(i);
            }
        }
        chosen.retain(|i| branch.contains(i));
        let list: Vec<usize> = if chosen.is_empty() {
            editing
        } else {
            chosen.into_iter().collect()
        };
        let mut changes: Vec<SideChange> = list
            .into_iter()
            .map(|i| {
                let node = &self.nodes[i];
                SideChange {
                    hash: ids::hash_hex(&node.hash),
                    device: PublicKey::from_actor(&node.actor),
                    time_ms: node.time_ms,
                }
            })
            .collect();
        changes.sort_by(|x, y| (x.time_ms, &x.hash).cmp(&(y.time_ms, &y.hash)));
        changes
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn elem_of(id: &ObjId) -> Option<Elem> {
    match id {
        ObjId::Id(counter, actor, _) => Some((*counter, actor.clone())),
        ObjId::Root => None,
    }
}

/// The elements of a text at `heads` (now if `None`), each with its
/// content.
fn elements(doc: &impl ReadDoc, obj: &ObjId, heads: Option<&[ChangeHash]>) -> Vec<(Elem, String)> {
    let convert = |item: automerge::iter::ListRangeItem<'_>| {
        let text = match &item.value {
            ValueRef::Scalar(ScalarValueRef::Str(s)) => s.to_string(),
            _ => String::new(),
        };
        elem_of(&item.id()).map(|e| (e, text))
    };
    match heads {
        Some(heads) => doc
            .list_range_at(obj, .., heads)
            .filter_map(convert)
            .collect(),
        None => doc.list_range(obj, ..).filter_map(convert).collect(),
    }
}

fn same_text(x: &[(Elem, String)], y: &[(Elem, String)]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| a.1 == b.1)
}

/// What one side changed, against the ancestor `old`: the ranges of `old`
/// it touched (a deleted element is its own range; an insertion is an
/// empty range where it went), and where each inserted element went.
fn changed(
    old_pos: &HashMap<&Elem, usize>,
    old: &[(Elem, String)],
    side: &[(Elem, String)],
) -> (Vec<(usize, usize)>, HashMap<Elem, usize>) {
    let kept: HashSet<&Elem> = side.iter().map(|(e, _)| e).collect();
    let mut ranges: Vec<(usize, usize)> = old
        .iter()
        .enumerate()
        .filter(|(_, (e, _))| !kept.contains(e))
        .map(|(p, _)| (p, p + 1))
        .collect();
    let mut inserted = HashMap::new();
    let mut at = 0;
    for (e, _) in side {
        match old_pos.get(e) {
            Some(&p) => at = p + 1,
            None => {
                inserted.insert(e.clone(), at);
                ranges.push((at, at));
            }
        }
    }
    (ranges, inserted)
}

/// The stretch of `seq` from the first to the last element inside the
/// conflict: its text, and its elements.
fn slice(seq: &[(Elem, String)], within: &dyn Fn(&Elem) -> bool) -> (String, Vec<Elem>) {
    let inside: Vec<usize> = (0..seq.len()).filter(|&p| within(&seq[p].0)).collect();
    match (inside.first(), inside.last()) {
        (Some(&first), Some(&last)) => (
            seq[first..=last].iter().map(|(_, s)| s.as_str()).collect(),
            seq[first..=last].iter().map(|(e, _)| e.clone()).collect(),
        ),
        _ => (String::new(), Vec::new()),
    }
}

/// Where `elems` stand, in order and side by side, in `current`: (start,
/// length), or `None` if they were edited since.
fn span_of(current: &[(Elem, String)], elems: &[Elem]) -> Option<(usize, usize)> {
    let first = elems.first()?;
    let start = current.iter().position(|(e, _)| e == first)?;
    let stretch = current.get(start..start + elems.len())?;
    stretch
        .iter()
        .zip(elems)
        .all(|((e, _), want)| e == want)
        .then_some((start, elems.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::engine::tests::case_count;
    use crate::ids::DocId;
    use crate::markdown;
    use crate::store::MemoryStorage;

    fn home(seed: u8) -> Engine {
        crate::engine::tests::engine(seed, &MemoryStorage::default())
    }

    /// A charter of one section whose text is `text`, held by `homes`.
    fn shared(text: &str, homes: &mut [&mut Engine]) -> (DocId, crate::charter::SectionId) {
        let markdown = format!("# Charte\n\n## Cotisation\n\n{text}\n");
        let created = homes[0]
            .create_charter("Charte", &markdown::parse(&markdown))
            .expect("create");
        let doc = created.value;
        let section = homes[0].charter(&doc, None).expect("read").sections[0]
            .id
            .clone();
        let bundle = homes[0].export_bundle(&[doc]).expect("export");
        for home in homes.iter_mut().skip(1) {
            home.import_bundle(&bundle).expect("import");
        }
        (doc, section)
    }

    fn set(home: &mut Engine, doc: &DocId, section: &crate::charter::SectionId, text: &str) {
        home.edit(doc, "edit", |c| c.set_body(section, text))
            .expect("edit");
    }

    fn exchange(from: &mut Engine, to: &mut Engine, doc: &DocId) {
        let bundle = from.export_bundle(&[*doc]).expect("export");
        to.import_bundle(&bundle).expect("import");
    }

    fn text(home: &mut Engine, doc: &DocId) -> String {
        home.charter(doc, None).expect("read").sections[0]
            .text
            .clone()
    }

    #[test]
    fn two_rewrites_of_one_amount_are_a_conflict() {
        // Issue 12, item 2: "20 €" to "25 €" and to "15 €" read "155 €".
        let (mut alice, mut bob) = (home(1), home(2));
        let (doc, section) = shared(
            "La cotisation est de 20 € par an.",
            &mut [&mut alice, &mut bob],
        );
        set(
            &mut alice,
            &doc,
            &section,
            "La cotisation est de 25 € par an.",
        );
        set(
            &mut bob,
            &doc,
            &section,
            "La cotisation est de 15 € par an.",
        );
        assert!(alice.conflicts(&doc).expect("conflicts").is_empty());
        exchange(&mut bob, &mut alice, &doc);
        exchange(&mut alice, &mut bob, &doc);
        let merged = text(&mut alice, &doc);
        assert_ne!(merged, "La cotisation est de 25 € par an.");
        let found = alice.conflicts(&doc).expect("conflicts");
        assert_eq!(found.len(), 1, "{found:#?}");
        let conflict = &found[0];
        assert_eq!(
            conflict.part,
            TextPart::SectionText {
                section: section.clone()
            }
        );
        assert_eq!(conflict.ancestor, "20");
        let mut sides: Vec<&str> = conflict.sides.iter().map(|s| s.text.as_str()).collect();
        sides.sort();
        assert_eq!(sides, ["15", "25"]);
        assert!(
            merged.contains(&conflict.merged),
            "{merged} / {}",
            conflict.merged
        );
        assert!(conflict.open);
        assert!(
            conflict.merged_by.is_none(),
            "the sides are still the heads"
        );
        let devices: BTreeSet<PublicKey> = conflict
            .sides
            .iter()
            .flat_map(|s| s.changes.iter().filter_map(|c| c.device))
            .collect();
        assert_eq!(
            devices,
            [alice.device(), bob.device()].into_iter().collect()
        );
        // Bob computes the same.
        assert_eq!(bob.conflicts(&doc).expect("conflicts"), found);

        // Alice takes Bob's amount: the text reads it, the conflict closes
        // on both sides.
        alice
            .edit(&doc, "resolve", |c| c.resolve_conflict(conflict, "15"))
            .expect("resolve");
        assert_eq!(text(&mut alice, &doc), "La cotisation est de 15 € par an.");
        let after = alice.conflicts(&doc).expect("conflicts");
        assert_eq!(after.len(), 1);
        assert!(!after[0].open);
        exchange(&mut alice, &mut bob, &doc);
        assert!(!bob.conflicts(&doc).expect("conflicts")[0].open);
        // A second resolution of a closed conflict is refused.
        let refused = bob
            .edit(&doc, "again", |c| c.resolve_conflict(conflict, "25"))
            .expect_err("closed");
        assert!(
            refused.to_string().contains("already resolved"),
            "{refused}"
        );
    }

    #[test]
    fn a_resolution_lands_in_place_after_emoji_and_accents() {
        let (mut alice, mut bob) = (home(1), home(2));
        let (doc, section) = shared(
            "👋 Cotisation (é) : 20 € 😀 par an.",
            &mut [&mut alice, &mut bob],
        );
        set(
            &mut alice,
            &doc,
            &section,
            "👋 Cotisation (é) : 25 € 😀 par an.",
        );
        set(
            &mut bob,
            &doc,
            &section,
            "👋 Cotisation (é) : 15 € 😀 par an.",
        );
        exchange(&mut alice, &mut bob, &doc);
        let found = bob.conflicts(&doc).expect("conflicts");
        assert_eq!(found.len(), 1);
        bob.edit(&doc, "resolve", |c| c.resolve_conflict(&found[0], "30"))
            .expect("resolve");
        assert_eq!(text(&mut bob, &doc), "👋 Cotisation (é) : 30 € 😀 par an.");
    }

    #[test]
    fn two_rewrites_of_one_sentence_are_a_conflict() {
        let (mut alice, mut bob) = (home(1), home(2));
        let (doc, section) = shared("Une tension se dit en cercle.", &mut [&mut alice, &mut bob]);
        set(
            &mut alice,
            &doc,
            &section,
            "Version Alice : une tension se dit en médiation.",
        );
        set(
            &mut bob,
            &doc,
            &section,
            "Version Bob : une tension se dit entre pairs.",
        );
        exchange(&mut bob, &mut alice, &doc);
        let found = alice.conflicts(&doc).expect("conflicts");
        assert!(!found.is_empty());
        assert!(found.iter().all(|c| c.open));
        // Someone then makes another edit elsewhere: the merge is now a
        // change, and the conflicts stay.
        alice
            .edit(&doc, "title", |c| c.set_title("Charte commune"))
            .expect("edit");
        let again = alice.conflicts(&doc).expect("conflicts");
        assert_eq!(
            again.iter().map(|c| &c.id).collect::<Vec<_>>(),
            found.iter().map(|c| &c.id).collect::<Vec<_>>()
        );
        assert!(again.iter().all(|c| c.merged_by.is_some() && c.open));
        // Rewriting the whole sentence resolves them all.
        set(
            &mut alice,
            &doc,
            &section,
            "Une tension se dit en cercle, puis en médiation.",
        );
        assert!(
            alice
                .conflicts(&doc)
                .expect("conflicts")
                .iter()
                .all(|c| !c.open)
        );
    }

    #[test]
    fn rewrites_of_different_words_are_not_a_conflict() {
        let (mut alice, mut bob) = (home(1), home(2));
        let (doc, section) = shared(
            "La cotisation est de 20 € par an et le collège décide.",
            &mut [&mut alice, &mut bob],
        );
        set(
            &mut alice,
            &doc,
            &section,
            "La cotisation est de 25 € par an et le collège décide.",
        );
        set(
            &mut bob,
            &doc,
            &section,
            "La cotisation est de 20 € par an et le conseil décide.",
        );
        exchange(&mut bob, &mut alice, &doc);
        assert_eq!(
            text(&mut alice, &doc),
            "La cotisation est de 25 € par an et le conseil décide."
        );
        assert_eq!(alice.conflicts(&doc).expect("conflicts"), Vec::new());
    }

    const WORDS: [&str; 8] = [
        "adhésion",
        "collège",
        "vote",
        "œuvre",
        "Zoë",
        "quorum",
        "ça",
        "mois",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(48)))]

        /// Concurrent rewrites of different words never flag; of the same
        /// word (to different words) always do.
        #[test]
        fn only_rewrites_of_the_same_word_conflict(
            base in proptest::collection::vec(0usize..8, 2..8),
            (a, b) in (0usize..8, 0usize..8),
            (with_a, with_b) in (0usize..8, 0usize..8),
        ) {
            let (a, b) = (a % base.len(), b % base.len());
            let sentence = |words: &[usize]| words.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" ");
            // Each side writes a word different from the one there, and
            // different from each other's.
            let new_a = (base[a] + 1 + with_a % 7) % 8;
            let mut new_b = (base[b] + 1 + with_b % 7) % 8;
            if a == b && new_b == new_a {
                new_b = (new_b + 1) % 8;
                if new_b == base[b] {
                    new_b = (new_b + 1) % 8;
                }
            }
            let (mut alice, mut bob) = (home(1), home(2));
            let (doc, section) = shared(&sentence(&base), &mut [&mut alice, &mut bob]);
            let mut by_alice = base.clone();
            by_alice[a] = new_a;
            let mut by_bob = base.clone();
            by_bob[b] = new_b;
            set(&mut alice, &doc, &section, &sentence(&by_alice));
            set(&mut bob, &doc, &section, &sentence(&by_bob));
            exchange(&mut bob, &mut alice, &doc);
            let found = alice.conflicts(&doc).expect("conflicts");
            if a == b {
                proptest::prop_assert_eq!(found.len(), 1, "{:#?}", found);
                proptest::prop_assert_eq!(&found[0].ancestor, WORDS[base[a]]);
            } else {
                proptest::prop_assert!(found.is_empty(), "{:#?}", found);
                let mut expected = base.clone();
                expected[a] = new_a;
                expected[b] = new_b;
                proptest::prop_assert_eq!(text(&mut alice, &doc), sentence(&expected));
            }
        }

        /// Three peers editing, merging in any order and editing again
        /// compute the same conflicts once they hold the same changes.
        #[test]
        fn three_peers_compute_the_same_conflicts_in_any_merge_order(
            steps in proptest::collection::vec((0usize..3, 0usize..4, 0usize..8, 0usize..2), 2..14),
        ) {
            let mut peers = [home(1), home(2), home(3)];
            let (doc, section) = {
                let [p0, p1, p2] = &mut peers;
                shared("cotisation 20 € par an", &mut [p0, p1, p2])
            };
            for (who, from, word, at) in steps {
                if who == from || from == 3 {
                    // An edit: replace one word of the text.
                    let current = text(&mut peers[who], &doc);
                    let mut words: Vec<&str> = current.split(' ').collect();
                    let at = at % words.len().max(1);
                    if words.is_empty() {
                        words.push(WORDS[word]);
                    } else {
                        words[at] = WORDS[word];
                    }
                    let new = words.join(" ");
                    set(&mut peers[who], &doc, &section, &new);
                } else {
                    let bundle = peers[from].export_bundle(&[doc]).expect("export");
                    peers[who].import_bundle(&bundle).expect("import");
                }
            }
            // Everyone gets everything.
            for from in 0..3 {
                let bundle = peers[from].export_bundle(&[doc]).expect("export");
                for (to, peer) in peers.iter_mut().enumerate() {
                    if to != from {
                        peer.import_bundle(&bundle).expect("import");
                    }
                }
            }
            let reference = peers[0].conflicts(&doc).expect("conflicts");
            for peer in &mut peers[1..] {
                proptest::prop_assert_eq!(&peer.conflicts(&doc).expect("conflicts"), &reference);
            }
        }
    }
}
