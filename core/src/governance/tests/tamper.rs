//! Tampering: every forgery is rejected, with a reason that names it.

use super::*;

/// Genesis; Bob's tension; Fred takes it up; Chloé challenges on top.
fn small_history() -> (World, RecordId, RecordId, RecordId) {
    let mut w = World::coop();
    let t = w.ok("bob", tension("the schedule"));
    let u = w.ok("fred", tension_update(t, TensionStatus::InProcess));
    let c = w.ok("chloe", challenge("s4"));
    (w, t, u, c)
}

fn record_of(w: &World, id: RecordId) -> Record {
    w.records
        .iter()
        .find(|r| r.id() == id)
        .cloned()
        .expect("a record of the world")
}

/// The world's records with `id` replaced by `by` (or dropped).
fn replaced(w: &World, id: RecordId, by: Option<&Record>) -> Vec<Record> {
    w.records
        .iter()
        .filter_map(|r| {
            if r.id() == id {
                by.cloned()
            } else {
                Some(r.clone())
            }
        })
        .collect()
}

fn rejected_for(state: &State, id: &RecordId) -> String {
    match state.verdict(id) {
        Some(Verdict::Rejected(reason)) => reason.to_string(),
        other => panic!("record {} should be rejected: {other:?}", id.short()),
    }
}

fn pending_for(state: &State, id: &RecordId) -> String {
    match state.verdict(id) {
        Some(Verdict::Pending(reason)) => reason.to_string(),
        other => panic!("record {} should be pending: {other:?}", id.short()),
    }
}

/// Offset of the author field in a record of this kind.
fn author_at(kind: Kind) -> usize {
    record::MAGIC.len() + 1 + kind.name().len() + 32
}

/// Offset of the community field in a record of this kind.
fn community_at(kind: Kind) -> usize {
    record::MAGIC.len() + 1 + kind.name().len()
}

/// A record whose author field says `claims` but which `signer` signed (a
/// well-formed signature over the right message, by the wrong key).
fn forged(w: &World, signer: &str, claims: &str, payload: Payload) -> Record {
    let template = w.sign_on(signer, payload, w.heads());
    let kind = template.kind();
    let mut body = template.bytes()[..template.bytes().len() - 64].to_vec();
    let at = author_at(kind);
    body[at..at + 32].copy_from_slice(pk(claims).as_bytes());
    let mut message = record::DOMAIN.to_vec();
    message.extend_from_slice(kind.name().as_bytes());
    message.push(0);
    message.extend_from_slice(&w.community.0);
    message.extend_from_slice(&body);
    body.extend_from_slice(&key(signer).sign(&message).0);
    Record::decode(&body).expect("structurally valid")
}

#[test]
fn tamper_a_flipped_byte_fails_the_signature_and_strands_what_builds_on_it() {
    let (w, t, u, c) = small_history();
    let original = record_of(&w, t);
    let bytes = original.bytes();
    let letter = bytes
        .windows(8)
        .position(|s| s == b"schedule")
        .expect("the summary is in the payload");
    // A letter of the payload changes case (still valid JSON), and a bit of
    // the signature flips: both still decode as records.
    for (position, mask) in [
        (letter, 0x20),
        (bytes.len() - 1, 0x01),
        (author_at(original.kind()) + 3, 0x04),
    ] {
        let mut bytes = bytes.to_vec();
        bytes[position] ^= mask;
        let tampered = Record::decode(&bytes).expect("still a record");
        let state = resolve(
            w.community,
            &replaced(&w, t, Some(&tampered)),
            ResolveOptions::default(),
        )
        .expect("resolve");
        assert_eq!(
            rejected_for(&state, &tampered.id()),
            "signature does not verify"
        );
        let waits = format!("waits for record {}", t.short());
        assert_eq!(pending_for(&state, &u), waits);
        assert_eq!(pending_for(&state, &c), waits, "descendants inherit");
        assert!(state.tensions.is_empty());
    }
}

#[test]
fn tamper_a_forged_signature_is_rejected() {
    let (w, ..) = small_history();
    // Mallory claims to be Fred sanctioning Eve.
    let forgery = forged(
        &w,
        "mallory",
        "fred",
        sanction("eve", SanctionLevel::Warning),
    );
    assert_eq!(forgery.author(), pk("fred"));
    let mut records = w.records.clone();
    records.push(forgery.clone());
    let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
    assert_eq!(
        rejected_for(&state, &forgery.id()),
        "signature does not verify"
    );
    assert!(state.members[&pk("eve")].sanctions.is_empty());
    // The same construction, signed by the key it claims, holds: the
    // rejection is the key's, not the helper's.
    let genuine = forged(&w, "fred", "fred", sanction("eve", SanctionLevel::Warning));
    records.push(genuine.clone());
    let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
    assert_eq!(state.verdict(&genuine.id()), Some(&Verdict::Accepted));
}

#[test]
fn tamper_a_record_of_another_community_is_rejected_and_cannot_be_relabelled() {
    let (w, ..) = small_history();
    let other = World::new(&COOP[..4], coop_rules(), &["fred"]);
    assert_ne!(other.community, w.community);
    // Bob's act in the other community, replayed here.
    let theirs = other.sign_on("bob", tension("the schedule"), other.heads());
    let mut records = w.records.clone();
    records.push(theirs.clone());
    let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
    assert_eq!(
        rejected_for(&state, &theirs.id()),
        format!("belongs to another community ({})", other.community.short())
    );
    // Its bytes relabelled to this community: the community is in the
    // signed message, so the signature no longer holds.
    let mut bytes = theirs.bytes().to_vec();
    let at = community_at(theirs.kind());
    bytes[at..at + 32].copy_from_slice(&w.community.0);
    let relabelled = Record::decode(&bytes).expect("still a record");
    assert_eq!(relabelled.community(), w.community);
    records.push(relabelled.clone());
    let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
    assert_eq!(
        rejected_for(&state, &relabelled.id()),
        "signature does not verify"
    );
    // The same act signed for this community is fine.
    let ours = w.sign_on("bob", tension("the schedule"), w.heads());
    records.push(ours.clone());
    let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
    assert_eq!(state.verdict(&ours.id()), Some(&Verdict::Accepted));
}

#[test]
fn tamper_a_removed_record_leaves_its_descendants_waiting() {
    let (w, t, u, c) = small_history();
    let state = resolve(
        w.community,
        &replaced(&w, u, None),
        ResolveOptions::default(),
    )
    .expect("resolve");
    assert_eq!(state.verdict(&t), Some(&Verdict::Accepted));
    assert_eq!(state.verdict(&u), None);
    assert_eq!(
        pending_for(&state, &c),
        format!("waits for record {}", u.short())
    );
    assert!(!state.challenges.contains_key(&c));
    // Without the genesis there is no community at all.
    assert_eq!(
        resolve(
            w.community,
            &replaced(&w, w.community, None),
            ResolveOptions::default()
        )
        .err(),
        Some(ResolveError::NoGenesis(w.community.short()))
    );
}

#[test]
fn tamper_reordered_and_repeated_delivery_changes_nothing() {
    let (w, ..) = small_history();
    let reference = serde_json::to_vec(&w.state()).expect("json");
    let n = w.records.len();
    for shift in 0..n {
        let mut records = w.records.clone();
        records.rotate_left(shift);
        records.reverse();
        records.extend(w.records[shift..].iter().cloned());
        let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
        assert_eq!(serde_json::to_vec(&state).expect("json"), reference);
    }
}

#[test]
fn tamper_a_truncated_or_extended_record_does_not_decode() {
    let (w, t, ..) = small_history();
    let bytes = record_of(&w, t).bytes().to_vec();
    for len in 0..bytes.len() {
        let error = Record::decode(&bytes[..len]).expect_err("truncated");
        assert_eq!(error, record::RecordError::Length, "cut at {len}");
        assert!(error.to_string().contains("truncated"));
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Record::decode(&longer).err(),
        Some(record::RecordError::Length)
    );
}

#[test]
fn tamper_over_privileged_acts_are_rejected() {
    let mut w = World::coop();
    let (_, am, w1) = w.open_amendment("alice", &["s1"], 10);
    let objection = w.ok("bob", objection(am, Some(w1), "abcd"));
    // Only the facilitator sanctions and tests objections, as there is one.
    w.no(
        "alice",
        sanction("eve", SanctionLevel::Correction),
        "only a facilitator may do this",
    );
    w.no(
        "eve",
        test_objection(objection, "abcd"),
        "only a facilitator may do this",
    );
    // A device no one certified decides nothing, and asks nothing.
    w.no(
        "mallory",
        decide(am, Outcome::Rejected, "because"),
        "not a member's certified device",
    );
    w.no(
        "mallory",
        react(am, Some(w1), Stance::Question),
        "only members and applicants ask questions",
    );
    // A member ratifies only an adopted amendment.
    w.no(
        "bob",
        ratify(am, 20),
        "only an adopted amendment is ratified; this one is integrating",
    );
    // Only the proposer opens the round.
    let (_, other, _) = {
        let challenge = w.ok("chloe", challenge("s2"));
        let other = w.ok("chloe", propose(challenge, w.base()));
        let wording = w.ok("chloe", submit(other, 30, &["s2"], &[], false));
        (challenge, other, wording)
    };
    w.no(
        "alice",
        round(other),
        "only the proposer opens the objection round",
    );
    // Only the proposer (or a co-author) submits a wording.
    w.no(
        "bob",
        submit(other, 31, &["s2"], &[], false),
        "only the proposer and co-authors",
    );

    // Without facilitators, anyone but the member concerned sanctions.
    let mut w = World::new(COOP, coop_rules(), &[]);
    w.no(
        "eve",
        sanction("eve", SanctionLevel::Correction),
        "cannot act on one's own case",
    );
    w.ok("bob", sanction("eve", SanctionLevel::Correction));
}

#[test]
fn tamper_a_second_genesis_is_rejected_and_a_repeated_one_is_ignored() {
    let (w, ..) = small_history();
    let genesis = record_of(&w, w.community);
    let Payload::Genesis(mut payload) = genesis.payload().clone() else {
        panic!("the first record is the genesis");
    };
    payload.founders.truncate(1);
    let second = Record::sign(
        &key("alice"),
        Unsigned {
            community: RecordId::ZERO,
            timestamp: T0 + 1,
            parents: Vec::new(),
            payload: Payload::Genesis(payload.clone()),
        },
    )
    .expect("sign");
    let mut records = w.records.clone();
    records.push(genesis.clone());
    records.push(second.clone());
    let state = resolve(w.community, &records, ResolveOptions::default()).expect("resolve");
    assert_eq!(
        state.records.iter().filter(|r| r.id == w.community).count(),
        1
    );
    assert_eq!(
        rejected_for(&state, &second.id()),
        format!("belongs to another community ({})", second.id().short())
    );
    assert_eq!(state.members.len(), COOP.len());
    // A genesis not signed by a founder founds nothing.
    let usurper = Record::sign(
        &key("mallory"),
        Unsigned {
            community: RecordId::ZERO,
            timestamp: T0,
            parents: Vec::new(),
            payload: Payload::Genesis(payload),
        },
    )
    .expect("sign");
    assert!(matches!(
        resolve(usurper.id(), &[usurper], ResolveOptions::default()),
        Err(ResolveError::BadGenesis(reason)) if reason.to_string().contains("not signed by a founder")
    ));
}
