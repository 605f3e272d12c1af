//! A seeded fuzz loop over what a member may send (issue 11): valid changes
//! mutated in every part (bytes, the actor table, the sequence number,
//! lengths), with their checksums recomputed so that they reach Automerge,
//! sent from a member's connection through [`Guard::admit`], the check the
//! relay runs on every change, or kept unapplied when the typing check
//! vouches for them (`nous_core::guard::Typing`, as the relay's hub does):
//! every batch of those must apply. After each input the relay holds, the honest
//! members still sync with it and converge, a fresh peer gets the whole
//! document, and the document saves and loads.
//!
//! `cargo test` runs [`ITERATIONS`] inputs (about a minute in a debug build); the long run
//! sets `NOUS_FUZZ_ITERATIONS` and `NOUS_FUZZ_SEED` (`docs/security.md`).

use std::sync::Arc;

use automerge::sync::{self, SyncDoc as _};
use automerge::transaction::Transactable as _;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc as _};
use nous_core::guard::sequence::Advance;
use nous_core::guard::{Limits, Sequences, Typing};
use nous_core::ids::DocId;
use nous_core::record::{
    College, Founder, Genesis, Heads, Method, Payload, Record, RecordId, Rule, Rules, Unsigned,
    Version,
};
use nous_core::store::MemoryStorage;
use nous_core::{DeviceKey, Engine, EngineOptions, PublicKey};
use sha2::{Digest as _, Sha256};

use crate::access::{Kept, Registry};
use crate::chunks::MemoryChunks;
use crate::guard::{Admission, Guard, GuardLimits};
use crate::metrics::Metrics;

/// Inputs per `cargo test` run.
const ITERATIONS: u64 = 4_000;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A member's device and replica of the document.
struct Member {
    key: DeviceKey,
    doc: Automerge,
}

/// The relay's side, as the document task holds it.
struct Relay {
    guard: Guard,
    doc: Automerge,
    seqs: Sequences,
    /// Changes waiting in `doc` for a dependency.
    queued: std::collections::HashSet<automerge::ChangeHash>,
    id: DocId,
    /// What the typing check knows, the changes it vouched for (kept, not
    /// yet applied), and how many it vouched for in all.
    typing: Typing,
    pending: Vec<automerge::Change>,
    typed: u64,
}

impl Relay {
    /// Apply what was kept unapplied, as the hub does before anything else
    /// touches the document: Err if a batch the typing check vouched for
    /// does not apply (the promise this loop holds it to).
    fn flush(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let count = pending.len();
        let hashes: Vec<automerge::ChangeHash> = pending.iter().map(|c| c.hash()).collect();
        let doc = &mut self.doc;
        let applied =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.apply_changes(pending)));
        match applied {
            Ok(Ok(()))
                if hashes
                    .iter()
                    .all(|h| self.doc.get_change_meta_by_hash(h).is_some()) =>
            {
                Ok(())
            }
            other => Err(format!(
                "{count} change(s) vouched for as typing did not apply: {:?}",
                other.map(|r| r.map_err(|e| e.to_string()))
            )),
        }
    }

    /// The attacker's connection closes: what it left waiting for a
    /// dependency is dropped, as the hub does (the document rebuilt from
    /// its applied history, the typing check starting afresh).
    fn attacker_leaves(&mut self) -> Result<(), String> {
        if self.queued.is_empty() {
            return Ok(());
        }
        self.flush()?;
        let saved = crate::hub::doc::save_applied(&self.doc);
        self.doc = nous_core::guard::load(&saved, &Limits::local_store(), ActorId::random())
            .map_err(|e| format!("the document does not load: {e}"))?;
        self.queued.clear();
        self.typing.reset();
        Ok(())
    }

    /// Send `entries` from `device`: Err is why the relay refused them.
    fn try_send(&mut self, device: &PublicKey, entries: &[Vec<u8>]) -> Result<(), String> {
        if self.queued.is_empty()
            && let Some(typed) =
                self.typing
                    .check(&self.doc, &self.seqs, entries, &Limits::default())
            && self.guard.may_type(self.id, device, &typed)
        {
            self.typing.keep(&typed);
            let changes: Vec<automerge::Change> = typed.into_iter().map(|t| t.change).collect();
            self.seqs.advance(Advance::of(&changes));
            self.typed += changes.len() as u64;
            self.pending.extend(changes);
            return Ok(());
        }
        self.flush().map_err(|e| format!("BROKEN: {e}"))?;
        let before = self.doc.get_heads();
        match self.guard.admit(
            self.id,
            device,
            self.doc.clone(),
            &self.seqs,
            &self.queued,
            entries,
        ) {
            Ok(Admission::Admitted(adopted)) => {
                let adopted = *adopted;
                self.doc = adopted.doc;
                self.seqs.advance(adopted.advance);
                self.queued = adopted.queue.iter().map(|q| q.hash).collect();
                let entered = self.doc.get_changes(&before);
                self.typing.learn(&self.doc, &entered);
                Ok(())
            }
            Ok(Admission::ReadOnly) => Err("read only".into()),
            Err(refused) => Err(refused.to_string()),
        }
    }
}

/// The attacker (member 0) sends `mutants`: whether the relay kept them
/// (counted), Err if a batch vouched for as typing broke.
fn attack(
    relay: &mut Relay,
    attacker: &PublicKey,
    mutants: &[Vec<u8>],
    kept: &mut u64,
    typed: &mut u64,
) -> Result<bool, String> {
    let typed_before = relay.typed;
    match relay.try_send(attacker, mutants) {
        Ok(()) => {
            *kept += 1;
            *typed += relay.typed - typed_before;
            Ok(true)
        }
        Err(why) if why.starts_with("BROKEN") => Err(why),
        Err(_) => Ok(false),
    }
}

/// Sync `member` down from the relay until neither has more to say. The
/// member brings nothing the relay lacks (its changes went through the
/// guard first), so nothing reaches the relay's document here unguarded.
fn sync_down(relay: &mut Automerge, member: &mut Automerge) -> Result<(), String> {
    let (mut theirs, mut ours) = (sync::State::new(), sync::State::new());
    for _ in 0..64 {
        let to_member = relay.generate_sync_message(&mut theirs);
        let to_relay = member.generate_sync_message(&mut ours);
        if to_member.is_none() && to_relay.is_none() {
            return Ok(());
        }
        if let Some(message) = to_member {
            member
                .receive_sync_message(&mut ours, message)
                .map_err(|e| format!("member refused the relay's message: {e}"))?;
        }
        if let Some(message) = to_relay {
            if !message.changes.is_empty() {
                return Err("a member had changes the relay lacked".into());
            }
            relay
                .receive_sync_message(&mut theirs, message)
                .map_err(|e| format!("relay refused a member's message: {e}"))?;
        }
    }
    Err("sync did not settle in 64 rounds".into())
}

/// The checksum of a chunk, recomputed after its body changed: the first
/// four bytes of SHA-256 over the type, the length and the body.
fn rechunk(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut header = vec![kind];
    leb(&mut header, body.len() as u64);
    let mut hasher = Sha256::new();
    hasher.update(&header);
    hasher.update(body);
    let digest = hasher.finalize();
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83];
    out.extend_from_slice(&digest[..4]);
    out.extend_from_slice(&header);
    out.extend_from_slice(body);
    out
}

fn leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A change chunk's type and body (None for anything else).
fn split(chunk: &[u8]) -> Option<(u8, Vec<u8>)> {
    if chunk.get(..4)? != [0x85, 0x6f, 0x4a, 0x83] {
        return None;
    }
    let kind = *chunk.get(8)?;
    let mut at = 9;
    let len = usize::try_from(read_leb(chunk, &mut at)?).ok()?;
    Some((kind, chunk.get(at..at.checked_add(len)?)?.to_vec()))
}

/// Where the actor and the sequence number sit in a change body: after
/// the dependencies (a count, then 32-byte hashes).
fn actor_and_seq(body: &[u8]) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut at = 0;
    let deps = usize::try_from(read_leb(body, &mut at)?).ok()?;
    at = at.checked_add(deps.checked_mul(32)?)?;
    let actor_len = usize::try_from(read_leb(body, &mut at)?).ok()?;
    let actor = at..at.checked_add(actor_len)?;
    at = actor.end;
    let seq_start = at;
    read_leb(body, &mut at)?;
    Some((actor, seq_start..at))
}

/// One mutation of a valid change, its checksum recomputed.
fn mutate(rng: &mut Rng, chunk: &[u8], actors: &[ActorId]) -> Vec<u8> {
    let Some((kind, mut body)) = split(chunk) else {
        return chunk.to_vec();
    };
    let places = actor_and_seq(&body);
    match rng.below(7) {
        // Another actor in the actor field (a member's, a stranger's, one
        // of another length).
        0 | 1 => {
            if let Some((actor, _)) = places {
                let other = match rng.below(3) {
                    0 => actors[rng.below(actors.len() as u64) as usize]
                        .to_bytes()
                        .to_vec(),
                    1 => (0..16).map(|_| rng.next() as u8).collect(),
                    _ => (0..rng.below(40)).map(|_| rng.next() as u8).collect(),
                };
                let mut len = Vec::new();
                leb(&mut len, other.len() as u64);
                let mut out = body[..actor.start.saturating_sub(1)].to_vec();
                // The length byte before the actor (one byte for these sizes).
                out.extend_from_slice(&len);
                out.extend_from_slice(&other);
                out.extend_from_slice(&body[actor.end..]);
                body = out;
            }
        }
        // Another sequence number.
        2 => {
            if let Some((_, seq)) = places {
                let mut value = Vec::new();
                leb(&mut value, rng.below(6));
                let mut out = body[..seq.start].to_vec();
                out.extend_from_slice(&value);
                out.extend_from_slice(&body[seq.end..]);
                body = out;
            }
        }
        // Flip bytes.
        3 | 4 => {
            for _ in 0..=rng.below(4) {
                if !body.is_empty() {
                    let at = rng.below(body.len() as u64) as usize;
                    body[at] ^= 1 << rng.below(8);
                }
            }
        }
        // Insert or drop a byte.
        5 => {
            let at = rng.below(body.len() as u64 + 1) as usize;
            body.insert(at, rng.next() as u8);
        }
        _ => {
            if !body.is_empty() {
                let at = rng.below(body.len() as u64) as usize;
                body.remove(at);
            }
        }
    }
    rechunk(kind, &body)
}

/// An honest edit on `doc`: its change's bytes.
fn edit(rng: &mut Rng, doc: &mut Automerge) -> Vec<u8> {
    let text = match doc.get(ROOT, "text") {
        Ok(Some((_, id))) => id,
        _ => {
            let mut tx = doc.transaction();
            tx.put_object(ROOT, "text", ObjType::Text).expect("text");
            tx.commit();
            return doc
                .get_last_local_change()
                .expect("a change")
                .raw_bytes()
                .to_vec();
        }
    };
    let mut tx = doc.transaction();
    let len = tx.length(&text);
    let at = rng.below(len as u64 + 1) as usize;
    let what = ["a", "é", "Nous ", "✊", "\n"][rng.below(5) as usize];
    if len > 0 && rng.chance(30) {
        tx.splice_text(&text, at.min(len - 1), 1, "")
            .expect("delete");
    } else {
        tx.splice_text(&text, at, 0, what).expect("insert");
    }
    if rng.chance(20) {
        tx.put(ROOT, format!("k{}", rng.below(8)), rng.next() as i64)
            .expect("put");
    }
    tx.commit();
    doc.get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec()
}

fn community(keys: &[&DeviceKey], charter: DocId) -> Record {
    Record::sign(
        keys[0],
        Unsigned {
            community: RecordId::ZERO,
            timestamp: 1,
            parents: Vec::new(),
            payload: Payload::Genesis(Genesis {
                name: "Fuzz".into(),
                charter: Version {
                    doc: charter,
                    heads: Heads::new(Vec::new()),
                },
                colleges: vec![College {
                    id: "m".into(),
                    name: "Members".into(),
                    weight: 1,
                }],
                founders: keys
                    .iter()
                    .enumerate()
                    .map(|(i, key)| Founder {
                        member: key.public(),
                        name: format!("M{i}"),
                        college: "m".into(),
                    })
                    .collect(),
                rules: Rules::all(Rule::new(Method::Consent)),
                facilitators: Vec::new(),
            }),
        },
    )
    .expect("sign the genesis")
}

/// Run the loop; Err names the seed and the input that broke a promise.
fn run(seed: u64, iterations: u64) -> Result<u64, String> {
    let chunks = MemoryChunks::new();
    let engine = Engine::with_storage(
        DeviceKey::from_seed(&[200; 32]),
        Box::new(MemoryStorage::default()),
        EngineOptions::new(Box::new(|| 1), Box::new(|b: &mut [u8]| b.fill(1))),
    );
    let metrics = Arc::new(Metrics::default());
    let registry = Registry::load(
        engine,
        Kept::default(),
        Box::new(chunks.clone()),
        metrics.clone(),
    )
    .map_err(|e| e.to_string())?;
    let id = DocId::from_bytes([7; 16]);
    let keys: Vec<DeviceKey> = (1..=3u8).map(|i| DeviceKey::from_seed(&[i; 32])).collect();
    let genesis = community(&keys.iter().collect::<Vec<_>>(), id);
    registry
        .add_records(&genesis.id(), std::slice::from_ref(&genesis))
        .map_err(|e| e.to_string())?;
    let guard = Guard::new(
        registry,
        Arc::new(chunks),
        metrics,
        GuardLimits::default(),
        true,
        "relay".into(),
    );
    let mut relay = Relay {
        guard,
        doc: Automerge::new(),
        seqs: Sequences::default(),
        queued: std::collections::HashSet::new(),
        id,
        typing: Typing::new(),
        pending: Vec::new(),
        typed: 0,
    };
    let mut members: Vec<Member> = keys
        .into_iter()
        .map(|key| Member {
            doc: Automerge::new().with_actor(key.public().actor_for(&id)),
            key,
        })
        .collect();
    let actors: Vec<ActorId> = members.iter().map(|m| m.doc.get_actor().clone()).collect();
    let mut rng = Rng(seed.max(1));
    let mut kept_mutants = 0;
    let mut mutants_typed = 0;
    // Member 0 is the attacker; 1 and 2 are honest and must always converge.
    for i in 0..iterations {
        let fail = |what: String| format!("seed {seed}, input {i}: {what}");
        // An honest member writes; its change must be kept.
        let honest = 1 + rng.below(2) as usize;
        let change = edit(&mut rng, &mut members[honest].doc);
        let device = members[honest].key.public();
        if let Err(why) = relay.try_send(&device, &[change]) {
            return Err(fail(format!("an honest change was refused: {why}")));
        }
        // The attacker mutates a change: one of its own made on the relay's
        // copy, or one an honest member just made, and sends one to five
        // variants at once.
        let mut base = relay.doc.clone().with_actor(actors[0].clone());
        let (original, honest_after) = if rng.chance(70) {
            (edit(&mut rng, &mut base), None)
        } else {
            // The honest member's change reaches the relay after the attack.
            let change = edit(&mut rng, &mut members[honest].doc);
            (change.clone(), Some(change))
        };
        let mutants: Vec<Vec<u8>> = (0..=rng.below(4))
            .map(|_| mutate(&mut rng, &original, &actors))
            .collect();
        let attacker = members[0].key.public();
        let kept_now = attack(
            &mut relay,
            &attacker,
            &mutants,
            &mut kept_mutants,
            &mut mutants_typed,
        )
        .map_err(fail)?;
        if let Some(change) = honest_after
            && let Err(why) = relay.try_send(&device, &[change])
        {
            return Err(fail(format!(
                "an honest change was refused after an attack: {why}"
            )));
        }
        relay.attacker_leaves().map_err(fail)?;
        // Every few inputs, and after any input the relay kept, check the
        // promises: honest members sync and converge, a fresh peer gets it
        // all, and the document saves and loads.
        if kept_now || i % 25 == 0 || i + 1 == iterations {
            relay.flush().map_err(fail)?;
            for member in &mut members[1..] {
                sync_down(&mut relay.doc, &mut member.doc).map_err(fail)?;
            }
            let heads = relay.doc.get_heads();
            for member in &members[1..] {
                let mut theirs = member.doc.get_heads();
                theirs.sort();
                let mut ours = heads.clone();
                ours.sort();
                if theirs != ours {
                    return Err(fail("an honest member did not converge".into()));
                }
            }
            let mut fresh = Automerge::new();
            sync_down(&mut relay.doc, &mut fresh).map_err(fail)?;
            if fresh.get_heads().len() != heads.len() {
                return Err(fail("a fresh peer did not get the whole document".into()));
            }
            let saved = crate::hub::doc::save_applied(&relay.doc);
            let loaded = nous_core::guard::load(
                &saved,
                &nous_core::guard::Limits::local_store(),
                ActorId::random(),
            )
            .map_err(|e| fail(format!("the document does not load: {e}")))?;
            if loaded.get_heads().len() != heads.len() {
                return Err(fail("the loaded document lost changes".into()));
            }
        }
    }
    if relay.typed == 0 {
        return Err(format!("seed {seed}: nothing went the typing way"));
    }
    eprintln!(
        "fuzz: {} changes kept unapplied first, {mutants_typed} of them mutants",
        relay.typed
    );
    Ok(kept_mutants)
}

#[test]
fn mutated_changes_from_a_member_never_stop_the_others_from_syncing() {
    nous_core::guard::install_panic_hook();
    let seed = std::env::var("NOUS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    let iterations = std::env::var("NOUS_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ITERATIONS);
    match run(seed, iterations) {
        Ok(kept) => eprintln!("fuzz: seed {seed}, {iterations} inputs, {kept} mutants kept"),
        Err(broken) => panic!("{broken}"),
    }
}
