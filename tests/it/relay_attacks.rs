//! The relay's promises, attacked in meaning rather than in bytes (issue 11):
//! who owns a document, who wrote a change, which valid changes would break
//! other peers, how much a peer may pin, and when "synced" is said. Each test
//! plays one finding against a real `nous serve`.

use automerge::transaction::Transactable as _;
use automerge::{Automerge, ROOT};
use nous_core::ids::DocId;
use nous_core::record::{
    College, Founder, Genesis, Heads, Method, Payload, Record, RecordId, Rule, Rules, Unsigned,
    Version,
};
use nous_core::token::Token;
use nous_core::{DeviceKey, Engine, EngineOptions, ledger};

use super::relay_guard::{Raw, device, now_ms, runtime};
use super::relay_support::{Member, RelayProcess, found, http};

fn outcome<'a>(report: &'a serde_json::Value, doc: &str) -> &'a str {
    report["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] == doc))
        .and_then(|d| d["outcome"].as_str())
        .unwrap_or("absent")
}

/// The document as `member`'s home holds it.
fn doc_of(member: &Member, doc: &str) -> Automerge {
    let mut engine = Engine::open(
        &member.home.path(),
        EngineOptions::new(Box::new(|| 0), Box::new(|b: &mut [u8]| b.fill(7))),
    )
    .expect("open the home");
    let id: DocId = doc.parse().expect("doc id");
    engine.document(&id).expect("the document").clone()
}

/// One change to `doc` written on `base` under `actor`: the next number of
/// that actor in `base`.
fn change_on(base: &Automerge, actor: automerge::ActorId, key: &str) -> Vec<u8> {
    let mut doc = base.clone().with_actor(actor);
    let mut tx = doc.transaction();
    tx.put(ROOT, key, "forged").expect("put");
    tx.commit();
    doc.get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec()
}

/// Whether the relay answers `who`'s request for `doc` with the document
/// (a `sync`) rather than `doc-unavailable`.
fn can_read(relay: &RelayProcess, who: &DeviceKey, doc: &str) -> bool {
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(relay, who).await;
        raw.request(doc).await;
        while let Some((kind, _, about)) = raw.next().await {
            if about.as_deref() == Some(doc) {
                return kind == "sync";
            }
        }
        false
    })
}

#[test]
fn an_outsider_cannot_claim_another_communitys_document() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);

    // Dana, no member, founds her own community on the open relay and
    // shares Alice's charter with it, publicly.
    let dana = Member::new("Dana");
    let own = dana.home.charter("# Dana\n\n## Butin\n\nÀ moi.\n");
    dana.json(&[
        "community",
        "create",
        "Evil",
        "--charter",
        &own,
        "--name-as",
        "Dana",
    ]);
    dana.json(&["community", "share", &doc, "--title", "Butin", "--public"]);
    let report = dana.sync(&relay, &[]);
    assert_eq!(
        relay.rejections("claim_refused"),
        1,
        "the claim is refused: {report}"
    );

    // Neither Dana nor any fresh key reads it; Dana cannot write to it.
    let eve = DeviceKey::from_seed(&[9; 32]);
    assert!(!can_read(&relay, &eve, &doc), "a stranger reads nothing");
    assert!(
        !can_read(&relay, &device(&dana), &doc),
        "Dana reads nothing"
    );
    let got = dana.sync(&relay, &[&doc]);
    assert_eq!(
        got["unavailable"],
        serde_json::json!([doc.clone()]),
        "{got}"
    );
    let base = doc_of(&alice, &doc);
    let forged = change_on(
        &base,
        device(&dana).public().actor_for(&doc.parse().expect("id")),
        "dana",
    );
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&dana)).await;
        raw.sync(&doc, "sync", vec![forged]).await;
        assert!(
            raw.expect("doc-unavailable").await,
            "Dana's write is answered as for a missing document"
        );
    });

    // The second way in: a community whose genesis names Alice's charter as
    // its own. It is registered (it is a community), but the claim is void.
    let mallory = DeviceKey::from_seed(&[10; 32]);
    let genesis = Record::sign(
        &mallory,
        Unsigned {
            community: RecordId::ZERO,
            timestamp: now_ms(),
            parents: Vec::new(),
            payload: Payload::Genesis(Genesis {
                name: "Clone".into(),
                charter: Version {
                    doc: doc.parse().expect("id"),
                    heads: Heads::new(base.get_heads()),
                },
                colleges: vec![College {
                    id: "staff".into(),
                    name: "Staff".into(),
                    weight: 1,
                }],
                founders: vec![Founder {
                    member: mallory.public(),
                    name: "Mallory".into(),
                    college: "staff".into(),
                }],
                rules: Rules {
                    amend: Rule::new(Method::Consent),
                    admit: Rule::new(Method::Consent),
                    exclude: Rule::new(Method::Consent),
                    rules: Rule::new(Method::Consent),
                },
                facilitators: Vec::new(),
            }),
        },
    )
    .expect("sign");
    let mut ledger_doc =
        ledger::new_ledger(mallory.public().actor_for(&ledger::doc_id(&genesis.id())));
    ledger::insert(&mut ledger_doc, std::slice::from_ref(&genesis)).expect("insert");
    let token = Token::issue(
        &mallory,
        &relay.id.parse().expect("relay id"),
        now_ms() + 60_000,
        [4; 16],
    );
    let (status, body) = http(
        &relay.authority,
        "POST",
        "/register",
        &[("Authorization", &format!("Bearer {token}"))],
        &ledger_doc.save(),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(relay.rejections("claim_refused"), 2);
    assert!(
        !can_read(&relay, &mallory, &doc),
        "a founder of a clone reads nothing"
    );

    // Alice's community goes on as before.
    alice.edit(&doc, "Adhésion", "Toujours à nous.");
    alice.sync(&relay, &[]);
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1 change(s)", "{got}");
    assert_eq!(bob.section(&doc, "Adhésion"), "Toujours à nous.");
}

#[test]
fn a_member_cannot_write_as_another_member() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let id: DocId = doc.parse().expect("id");

    // Bob writes under Alice's actor id, her next number.
    let alice_actor = device(&alice).public().actor_for(&id);
    let forged = change_on(&doc_of(&bob, &doc), alice_actor, "bob-as-alice");
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.sync(&doc, "sync", vec![forged]).await;
        assert!(raw.is_closed().await, "the relay closes Bob's connection");
    });
    assert_eq!(relay.rejections("forged_actor"), 1);

    // Alice is not locked out: her next edit is her next number, and it
    // reaches Bob.
    alice.edit(&doc, "Adhésion", "Écrit par Alice elle-même.");
    let report = alice.sync(&relay, &[]);
    assert_eq!(report["incomplete"], serde_json::json!([]), "{report}");
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1 change(s)", "{got}");
    assert_eq!(bob.section(&doc, "Adhésion"), "Écrit par Alice elle-même.");
}

#[test]
fn a_second_change_for_a_number_is_refused_and_kept_as_evidence() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.edit(&doc, "Départ", "Bob écrit.");
    bob.sync(&relay, &[]);
    let id: DocId = doc.parse().expect("id");

    // Bob's device writes a second change with the number its last one has.
    let mut mine = doc_of(&bob, &doc);
    let bob_actor = device(&bob).public().actor_for(&id);
    mine.set_actor(bob_actor.clone());
    let last = mine.get_last_local_change().expect("Bob's change");
    let before: Vec<_> = last.deps().to_vec();
    let fork = mine.fork_at(&before).expect("fork").with_actor(bob_actor);
    let twin = change_on(&fork, fork.get_actor().clone(), "twin");
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.sync(&doc, "sync", vec![twin]).await;
        assert!(raw.is_closed().await, "the relay closes the connection");
    });
    assert_eq!(relay.rejections("equivocation"), 1);
    assert_eq!(relay.metric("nous_relay_evidence_kept_total"), 1);

    // Nobody is partitioned: Alice edits, both sync and converge.
    alice.edit(&doc, "Adhésion", "Après la tentative.");
    alice.sync(&relay, &[]);
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1 change(s)", "{got}");
    let again = alice.sync(&relay, &[]);
    assert_eq!(again["incomplete"], serde_json::json!([]), "{again}");
    assert_eq!(alice.section(&doc, "Départ"), "Bob écrit.");
    assert_eq!(bob.section(&doc, "Adhésion"), "Après la tentative.");
}
