//! Documents shared with the community, and who writes them.

use super::*;

fn doc(n: u8) -> DocId {
    DocId::from_bytes([n; 16])
}

#[test]
fn a_member_shares_a_document_and_an_outsider_cannot() {
    let mut w = World::coop();
    let minutes = w.ok("bob", share(9, Access::Members));
    assert_eq!(
        w.state().documents[&doc(9)],
        DocumentState {
            title: "document 9".into(),
            access: Access::Members,
            shared_by: pk("bob"),
            record: minutes,
        }
    );
    w.no(
        "mallory",
        share(10, Access::Public),
        "not a member's certified device",
    );
    w.no(
        "bob",
        Payload::DocumentShare(DocumentShare {
            doc: doc(10),
            title: " ".into(),
            access: Access::Public,
        }),
        "needs a title",
    );
    // A certified device shares for its member.
    w.ok("alice", certify("alice-laptop"));
    w.ok("alice-laptop", share(11, Access::Public));
    assert_eq!(w.state().documents[&doc(11)].shared_by, pk("alice"));
    // A suspended member cannot, until the suspension ends; a member who
    // left cannot at all.
    let until = w.clock + 10 * DAY_MS;
    w.ok("fred", suspend("eve", until));
    w.no("eve", share(12, Access::Public), "is suspended");
    w.days(10);
    w.ok("eve", share(12, Access::Public));
    w.ok("chloe", leave());
    w.no("chloe", share(13, Access::Members), "had left");
    assert_eq!(
        w.state().documents.keys().copied().collect::<Vec<_>>(),
        vec![doc(9), doc(11), doc(12)]
    );
}

#[test]
fn the_latest_share_sets_the_access() {
    let mut w = World::coop();
    w.ok("alice", share(9, Access::Public));
    assert_eq!(w.state().document_access(&doc(9)), Some(Access::Public));
    // Another member makes it the members' again, under a new title.
    let again = w.ok(
        "bob",
        Payload::DocumentShare(DocumentShare {
            doc: doc(9),
            title: "Minutes".into(),
            access: Access::Members,
        }),
    );
    let state = w.state();
    let shared = &state.documents[&doc(9)];
    assert_eq!(
        (
            shared.access,
            shared.title.as_str(),
            shared.shared_by,
            shared.record
        ),
        (Access::Members, "Minutes", pk("bob"), again)
    );
    assert_eq!(state.documents.len(), 1);

    // Two concurrent shares: one wins, the same one whatever the delivery.
    let heads = w.heads();
    let public = w.sign_on("chloe", share(9, Access::Public), heads.clone());
    let members = w.sign_on("fred", share(9, Access::Members), heads);
    w.push(&public);
    w.push(&members);
    let state = w.state();
    let winner = if public.id() > members.id() {
        &public
    } else {
        &members
    };
    assert_eq!(state.documents[&doc(9)].record, winner.id());
    let mut reversed = w.records.clone();
    reversed.reverse();
    let other = resolve(w.community, &reversed, ResolveOptions::default()).expect("resolve");
    assert_eq!(other.documents, state.documents);
}

#[test]
fn document_access_answers_for_the_charter_drafts_and_shared_documents() {
    let mut w = World::coop();
    let state = w.state();
    assert_eq!(
        state.document_access(&DocId::from_bytes(CHARTER)),
        Some(Access::Members)
    );
    assert_eq!(state.document_access(&DocId::from_bytes(DRAFT)), None);
    assert_eq!(state.document_access(&doc(9)), None);
    assert!(state.documents.is_empty(), "the charter is implicit");

    let challenge = w.ok("alice", challenge("s1"));
    w.ok("alice", propose(challenge, w.base()));
    w.ok("bob", share(9, Access::Public));
    let state = w.state();
    assert_eq!(
        state.document_access(&DocId::from_bytes(DRAFT)),
        Some(Access::Members)
    );
    assert_eq!(state.document_access(&doc(9)), Some(Access::Public));
    assert_eq!(state.document_access(&doc(10)), None);

    // The charter and a draft can be made public, and private again.
    w.ok(
        "alice",
        Payload::DocumentShare(DocumentShare {
            doc: DocId::from_bytes(CHARTER),
            title: "Charter".into(),
            access: Access::Public,
        }),
    );
    w.ok(
        "alice",
        Payload::DocumentShare(DocumentShare {
            doc: DocId::from_bytes(DRAFT),
            title: "Draft".into(),
            access: Access::Public,
        }),
    );
    let state = w.state();
    assert_eq!(
        state.document_access(&DocId::from_bytes(CHARTER)),
        Some(Access::Public)
    );
    assert_eq!(
        state.document_access(&DocId::from_bytes(DRAFT)),
        Some(Access::Public)
    );
    w.ok(
        "bob",
        Payload::DocumentShare(DocumentShare {
            doc: DocId::from_bytes(CHARTER),
            title: "Charter".into(),
            access: Access::Members,
        }),
    );
    assert_eq!(
        w.state().document_access(&DocId::from_bytes(CHARTER)),
        Some(Access::Members)
    );
}

#[test]
fn writers_are_the_live_devices_of_members_in_good_standing() {
    let founders: BTreeSet<PublicKey> = COOP.iter().map(|(name, _)| pk(name)).collect();
    let mut w = World::coop();
    assert_eq!(w.state().writer_devices(), founders);
    assert_eq!(w.state().known_devices(), founders);

    // A second device writes; once revoked, it is known but no longer writes.
    w.ok("alice", certify("alice-laptop"));
    assert!(w.state().writer_devices().contains(&pk("alice-laptop")));
    w.ok("alice", revoke("alice-laptop"));
    let state = w.state();
    assert!(!state.writer_devices().contains(&pk("alice-laptop")));
    assert!(state.writer_devices().contains(&pk("alice")));
    assert!(state.known_devices().contains(&pk("alice-laptop")));

    // A newcomer writes once they signed the charter, not before.
    let application = w.ok("dana", apply("Dana", "learners"));
    assert!(!w.state().writer_devices().contains(&pk("dana")));
    assert!(!w.state().known_devices().contains(&pk("dana")));
    w.days(7);
    w.ok("bob", decide(application, Outcome::Adopted, ""));
    let version = w.state().in_force().hash.clone();
    w.ok("dana", sign_charter(application, &version));
    assert!(w.state().writer_devices().contains(&pk("dana")));

    // Excluded: Eve's device no longer writes, with her second device.
    w.ok("eve", certify("eve-phone"));
    let now = w.clock;
    let proposal = w.ok("alice", exclude("eve", now, now + 15 * DAY_MS));
    for who in ["alice", "bob", "chloe", "fred", "dana"] {
        w.ok(who, react(proposal, None, Stance::Yes));
    }
    w.days(15);
    w.ok("fred", decide(proposal, Outcome::Adopted, ""));
    // Suspended: Chloé writes again once the suspension ends (with a clock).
    let until = w.clock + 5 * DAY_MS;
    w.ok("fred", suspend("chloe", until));
    // Left: Bob no longer writes.
    w.ok("bob", leave());
    let state = w.state();
    let expected: BTreeSet<PublicKey> = [pk("alice"), pk("fred"), pk("dana")].into();
    assert_eq!(state.writer_devices(), expected);
    assert_eq!(state.writer_devices_at(until - 1), expected);
    let mut after = expected.clone();
    after.insert(pk("chloe"));
    assert_eq!(state.writer_devices_at(until), after);
    let known: BTreeSet<PublicKey> = founders
        .iter()
        .copied()
        .chain([pk("alice-laptop"), pk("dana"), pk("eve-phone")])
        .collect();
    assert_eq!(state.known_devices(), known);
}

/// A key with a small-order component passes strict verification but no
/// key generator makes one: it is refused as a device.
#[test]
fn an_unsound_device_key_is_refused() {
    let mut w = World::coop();
    let honest = pk("zoe");
    let point = curve25519_dalek::edwards::CompressedEdwardsY(*honest.as_bytes())
        .decompress()
        .expect("point");
    let mixed = PublicKey::from_bytes(
        (point + curve25519_dalek::constants::EIGHT_TORSION[1])
            .compress()
            .0,
    );
    w.no(
        "alice",
        Payload::CertifyDevice(crate::record::CertifyDevice {
            device: mixed,
            label: "odd".into(),
        }),
        "not a sound ed25519 key",
    );
    w.ok("alice", certify("zoe"));
}
