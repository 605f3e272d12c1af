//! Test support: honest changes bent the way an attacker would, each bend
//! encoded again into a change with a valid checksum, and a fresh peer's
//! sync (the property tests of [`super::typing`] and [`super::sequence`]).

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::sync::{State, SyncDoc as _};
use automerge::{ActorId, Automerge, Change, ChangeHash, ScalarValue};
use proptest::prelude::*;

use super::contained;

/// What a fresh peer that syncs with `doc` ends up with.
pub(crate) fn synced(doc: &mut Automerge) -> Automerge {
    let mut fresh = Automerge::new();
    let (mut ours, mut theirs) = (State::new(), State::new());
    for _ in 0..20 {
        let a = doc.generate_sync_message(&mut ours);
        let b = fresh.generate_sync_message(&mut theirs);
        if a.is_none() && b.is_none() {
            break;
        }
        if let Some(a) = a {
            fresh.receive_sync_message(&mut theirs, a).expect("sync");
        }
        if let Some(b) = b {
            doc.receive_sync_message(&mut ours, b).expect("sync");
        }
    }
    fresh
}

/// The actor numbered `n`.
pub(crate) fn actor(n: u8) -> ActorId {
    ActorId::from(&[n; 16][..])
}

/// Ways to bend an honest change.
#[derive(Debug, Clone)]
pub(crate) enum Bend {
    StartOp(u64),
    Seq(i8),
    Actor(u8),
    After(usize, u64, u8),
    Pred(usize, u64, u8),
    Obj(usize, u64, u8),
    NotInsert(usize),
    Value(usize),
    Counter(usize),
    MapKey(usize, u8),
    DropDeps,
    ForeignDep,
    FirstDepOnly,
    Swap(usize, usize),
    Increment(usize),
    MarkEnd(usize),
    NoPred(usize),
}

/// Any bend.
pub(crate) fn bend() -> impl Strategy<Value = Bend> {
    prop_oneof![
        (0u64..40).prop_map(Bend::StartOp),
        (-2i8..3).prop_map(Bend::Seq),
        (1u8..4).prop_map(Bend::Actor),
        (0usize..4, 0u64..40, 1u8..4).prop_map(|(i, c, a)| Bend::After(i, c, a)),
        (0usize..4, 0u64..40, 1u8..4).prop_map(|(i, c, a)| Bend::Pred(i, c, a)),
        (0usize..4, 0u64..40, 1u8..4).prop_map(|(i, c, a)| Bend::Obj(i, c, a)),
        (0usize..4).prop_map(Bend::NotInsert),
        (0usize..4).prop_map(Bend::Value),
        (0usize..4).prop_map(Bend::Counter),
        (0usize..4, 0u8..3).prop_map(|(i, k)| Bend::MapKey(i, k)),
        Just(Bend::DropDeps),
        Just(Bend::ForeignDep),
        Just(Bend::FirstDepOnly),
        (0usize..4, 0usize..4).prop_map(|(i, j)| Bend::Swap(i, j)),
        (0usize..4).prop_map(Bend::Increment),
        (0usize..4).prop_map(Bend::MarkEnd),
        (0usize..4).prop_map(Bend::NoPred),
    ]
}

/// `bytes` bent by `bend`, encoded again (`None`: it does not encode).
pub(crate) fn bent(bytes: &[u8], bend: &Bend) -> Option<Vec<u8>> {
    let change = Change::from_bytes(bytes.to_vec()).ok()?;
    let mut e = change.decode();
    let n = e.operations.len();
    let op_at = |i: usize| i % n.max(1);
    match bend {
        Bend::StartOp(s) => e.start_op = std::num::NonZeroU64::new((*s).max(1))?,
        Bend::Seq(d) => e.seq = e.seq.checked_add_signed(i64::from(*d))?,
        Bend::Actor(a) => e.actor_id = actor(*a),
        Bend::After(i, c, a) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.key = Key::Seq(ElementId::Id(OpId::new((*c).max(1), &actor(*a))));
        }
        Bend::Pred(i, c, a) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.pred = vec![OpId::new((*c).max(1), &actor(*a))].into();
        }
        Bend::Obj(i, c, a) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.obj = ObjectId::Id(OpId::new((*c).max(1), &actor(*a)));
        }
        Bend::NotInsert(i) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.insert = !op.insert;
        }
        Bend::Value(i) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.action = OpType::Put(ScalarValue::Int(7));
        }
        Bend::Counter(i) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.action = OpType::Put(ScalarValue::counter(3));
        }
        Bend::MapKey(i, k) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.key = Key::Map(format!("k{k}").into());
        }
        Bend::DropDeps => e.deps.clear(),
        Bend::ForeignDep => e.deps.push(ChangeHash([7; 32])),
        Bend::FirstDepOnly => e.deps.truncate(1),
        Bend::Swap(i, j) => {
            if n > 0 {
                e.operations.swap(op_at(*i), op_at(*j));
            }
        }
        Bend::Increment(i) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.action = OpType::Increment(2);
        }
        Bend::MarkEnd(i) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.action = OpType::MarkEnd(false);
        }
        Bend::NoPred(i) => {
            let op = e.operations.get_mut(op_at(*i))?;
            op.pred = Vec::new().into();
        }
    }
    let again = contained(|| Change::from(e)).ok()?;
    Some(again.raw_bytes().to_vec())
}

/// The changes an attacker makes of `honest` with two bends: bent once,
/// then once more (or again the first when the second does not encode),
/// leaving out any that came back to `honest`.
pub(crate) fn candidates(honest: &[u8], a: &Bend, b: &Bend) -> Vec<Vec<u8>> {
    let Some(once) = bent(honest, a) else {
        return Vec::new();
    };
    let twice = bent(&once, b).unwrap_or_else(|| once.clone());
    [once, twice]
        .into_iter()
        .filter(|candidate| candidate != honest)
        .collect()
}
