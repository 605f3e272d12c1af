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
use nous_core::{DeviceKey, ledger};

use super::relay_guard::{Raw, Value, device, map, now_ms, runtime};
use super::relay_support::{Member, RelayProcess, found, http};

/// What a sync took in of `doc`: `added`, `merged N` (N changes received,
/// a count, not words), `unchanged`, or `absent`.
fn outcome(report: &serde_json::Value, doc: &str) -> String {
    let Some(entry) = report["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] == doc))
    else {
        return "absent".into();
    };
    match entry["outcome"].as_str() {
        Some("merged") => format!("merged {}", entry["received"]),
        Some(other) => other.to_owned(),
        None => "absent".into(),
    }
}

/// The document as `member`'s home holds it.
fn doc_of(member: &Member, doc: &str) -> Automerge {
    let mut engine = nous_api::Home::open(
        &member.home.path(),
        nous_api::Env::fixed(0).with_entropy(|b: &mut [u8]| b.fill(7)),
    )
    .expect("open the home");
    let id: DocId = doc.parse().expect("doc id");
    engine.document(&id).expect("the document").clone()
}

/// The document as `member`'s home holds it, writing as `member`'s device
/// does (its actor for the document).
fn own_copy(member: &Member, doc: &str) -> Automerge {
    let id: DocId = doc.parse().expect("doc id");
    doc_of(member, doc).with_actor(device(member).public().actor_for(&id))
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
                rules: Rules::all(Rule::new(Method::Consent)),
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
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
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
    // Refused before anything was applied: the document was not reloaded.
    assert_eq!(relay.metric("nous_relay_documents_reloaded_total"), 0);

    // Alice is not locked out: her next edit is her next number, and it
    // reaches Bob.
    alice.edit(&doc, "Adhésion", "Écrit par Alice elle-même.");
    let report = alice.sync(&relay, &[]);
    assert_eq!(report["incomplete"], serde_json::json!([]), "{report}");
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    assert_eq!(bob.section(&doc, "Adhésion"), "Écrit par Alice elle-même.");
}

/// A refusal after the guard applied the changes drops the relay's copy of
/// the document and loads it again from the store: a client that was
/// following the document live is still served, and the next edit reaches
/// it.
#[test]
fn a_live_client_still_hears_edits_after_a_refusal_reloads_the_document() {
    let (_dir, relay, _) = relay_with("[limits]\nmax_waiting_bytes = 1024\n");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let rt = runtime();
    rt.block_on(async {
        use futures::StreamExt as _;
        // Alice follows the document; what the relay first says is read.
        let mut live = Raw::connect(&relay, &device(&alice)).await;
        live.request(&doc).await;
        assert!(live.expect("sync").await, "the relay answers the request");
        let quiet = std::time::Duration::from_millis(500);
        while let Ok(Some(Ok(_))) = tokio::time::timeout(quiet, live.socket.next()).await {}

        // Bob's device leaves 4 KiB waiting for a change it withholds: the
        // bound is found only once the change is applied, so the relay
        // refuses it then and reloads the document.
        let mut copy = own_copy(&bob, &doc);
        let (_, later) = withheld(&mut copy, 1, 4096);
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.request(&doc).await;
        raw.sync(&doc, "sync", later).await;
        assert!(raw.is_closed().await, "the relay closes Bob's connection");
        assert_eq!(relay.rejections("waiting_too_much"), 1);
        assert_eq!(relay.metric("nous_relay_documents_reloaded_total"), 1);

        // Alice's next edit, from her home, reaches her live connection.
        alice.edit(&doc, "Adhésion", "Après le rechargement.");
        let report = alice.sync(&relay, &[]);
        assert_eq!(report["incomplete"], serde_json::json!([]), "{report}");
        let mut heard = false;
        while let Some((kind, _, about)) = live.next().await {
            if kind == "sync" && about.as_deref() == Some(doc.as_str()) {
                heard = true;
                break;
            }
        }
        assert!(heard, "the live client hears the edit");
    });
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    assert_eq!(bob.section(&doc, "Adhésion"), "Après le rechargement.");
    assert_eq!(relay.metric("nous_relay_waiting_bytes"), 0, "nothing waits");
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
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
    let again = alice.sync(&relay, &[]);
    assert_eq!(again["incomplete"], serde_json::json!([]), "{again}");
    assert_eq!(alice.section(&doc, "Départ"), "Bob écrit.");
    assert_eq!(bob.section(&doc, "Adhésion"), "Après la tentative.");
}

/// Wait (20 s at most) until `done`.
fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A relay configured by `toml`, in a temporary directory.
fn relay_with(toml: &str) -> (tempfile::TempDir, RelayProcess, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("relay.toml");
    std::fs::write(&config, toml).expect("write the config");
    let config = config.to_str().expect("utf-8 path").to_owned();
    let relay = RelayProcess::start_in(&dir.path().join("relay"), &["--config", &config]);
    (dir, relay, config)
}

/// An ephemeral message from `raw` about `doc` carrying `data`.
fn ephemeral(raw: &Raw, doc: &str, data: &[u8]) -> Vec<u8> {
    map(&[
        ("type", Value::Str("ephemeral")),
        ("senderId", Value::Str(&raw.peer)),
        ("targetId", Value::Str(&raw.relay_peer)),
        ("documentId", Value::Str(doc)),
        ("sessionId", Value::Str("s")),
        ("data", Value::Bytes(data)),
    ])
}

#[test]
fn ephemeral_floods_and_a_peer_that_never_reads_pin_no_memory() {
    let (_dir, relay, _) =
        relay_with("[limits]\nmax_queued_bytes = 2097152\nephemeral_per_sec = 1000000\n");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let rt = runtime();
    let before = relay.rss_kib();

    rt.block_on(async {
        // One ephemeral message of 8 MiB: refused at once.
        let mut big = Raw::connect(&relay, &device(&alice)).await;
        big.request(&doc).await;
        let frame = ephemeral(&big, &doc, &vec![7; 8 << 20]);
        big.send(frame).await;
        assert!(big.is_closed().await, "an 8 MiB ephemeral message closes");

        // Bob opens the charter and never reads again; Alice floods it
        // with messages of 60 KiB (120 MB in all).
        let mut sleeper = Raw::connect(&relay, &device(&bob)).await;
        sleeper.request(&doc).await;
        let mut flood = Raw::connect(&relay, &device(&alice)).await;
        flood.request(&doc).await;
        let payload = vec![1u8; 60 << 10];
        for _ in 0..2_000 {
            let frame = ephemeral(&flood, &doc, &payload);
            flood.send(frame).await;
        }
        // The relay read them all (Alice's socket is drained), and cut the
        // sleeper off rather than hold them for him.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while relay.rejections("too_slow") == 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(relay.rejections("too_slow"), 1, "the sleeper is cut off");
        assert!(
            relay.rss_kib() < before + 150 * 1024,
            "the relay held {} KiB more",
            relay.rss_kib().saturating_sub(before)
        );
        drop(flood);
        drop(sleeper);
    });
    // Both return once the relay has worked through what it read (on a
    // busy machine, after the flood's last frames were checked).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while (relay.metric("nous_relay_queued_bytes") != 0
        || relay.metric("nous_relay_inflight_bytes") != 0)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        relay.metric("nous_relay_queued_bytes"),
        0,
        "nothing stays queued"
    );
    assert_eq!(relay.metric("nous_relay_inflight_bytes"), 0);
    assert_eq!(relay.rejections("ephemeral_too_large"), 1);

    // With the default rate, a burst past it is dropped, not relayed.
    let (_dir2, relay2, _) = relay_with("");
    alice.sync(&relay2, &[]);
    rt.block_on(async {
        let mut chatty = Raw::connect(&relay2, &device(&alice)).await;
        chatty.request(&doc).await;
        for _ in 0..500 {
            let frame = ephemeral(&chatty, &doc, b"hello");
            chatty.send(frame).await;
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while relay2.rejections("ephemeral_rate") < 300 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    });
    assert!(relay2.rejections("ephemeral_rate") >= 300);
}

/// `n` changes of about `size` bytes each on top of a change that is kept
/// back, written on `copy` (which keeps them all): what a client sends when
/// it withholds a dependency.
fn withheld(copy: &mut Automerge, n: usize, size: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut tx = copy.transaction();
    tx.put(ROOT, "first", format!("kept back, {n}"))
        .expect("put");
    tx.commit();
    let first = copy
        .get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    let later = (0..n)
        .map(|i| {
            let mut tx = copy.transaction();
            let filler: String = (0..size)
                .map(|j| char::from(b'a' + ((i * 7 + j * 13) % 26) as u8))
                .collect();
            tx.put(ROOT, format!("later{i}"), filler).expect("put");
            tx.commit();
            copy.get_last_local_change()
                .expect("a change")
                .raw_bytes()
                .to_vec()
        })
        .collect();
    (first, later)
}

/// Automerge's sync skips a change that the relay's bloom filter wrongly
/// says it has (1 % of them) and sends its descendants: in a long push
/// (an offline session's typing) thousands wait one round trip for it.
/// Found by the `long_sync` benchmark: the relay used to close such a
/// writer's connection past 1,024 waiting changes.
#[test]
fn a_long_push_whose_first_change_comes_last_is_kept_whole() {
    let (_dir, relay, _) = relay_with("");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let mut copy = own_copy(&bob, &doc);
    let (first, later) = withheld(&mut copy, 3_000, 16);
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.request(&doc).await;
        raw.sync(&doc, "sync", later).await;
        raw.sync(&doc, "sync", vec![first]).await;
        // Answered, not closed: the last answer comes once all 3,001 are
        // durable.
        for _ in 0..3 {
            assert!(raw.expect("sync").await, "the relay answers");
        }
    });
    assert_eq!(relay.rejections("waiting_too_much"), 0);
    assert_eq!(relay.metric("nous_relay_waiting_bytes"), 0, "nothing waits");
    let got = alice.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 3001", "{got}");
}

#[test]
fn changes_waiting_for_a_dependency_are_bounded_and_dropped_with_their_sender() {
    let (_dir, relay, _) = relay_with("[limits]\nmax_waiting_bytes = 1048576\n");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let rt = runtime();

    // Out of order but honest: the later change waits, then its dependency
    // comes and both are kept.
    let admitted = relay.metric("nous_relay_changes_admitted_total");
    let mut copy = own_copy(&bob, &doc);
    let (first, later) = withheld(&mut copy, 1, 100);
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.request(&doc).await;
        raw.sync(&doc, "sync", later.clone()).await;
        raw.sync(&doc, "sync", vec![first]).await;
        // One answer per message; the last comes once the two changes are
        // durable (and the heads index, written with them, says so).
        for _ in 0..3 {
            assert!(raw.expect("sync").await, "the relay answers");
        }
    });
    assert!(relay.metric("nous_relay_changes_admitted_total") >= admitted + 2);
    assert_eq!(relay.metric("nous_relay_waiting_bytes"), 0, "nothing waits");
    let got = alice.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 2", "{got}");

    // Bob's device withholds a dependency and sends 200 changes of 100 KiB
    // on top of it: past 1 MiB waiting, the relay closes the connection and
    // drops what waited.
    let (_, flood) = withheld(&mut copy, 200, 100 << 10);
    let before = relay.rss_kib();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.request(&doc).await;
        for change in flood {
            raw.sync(&doc, "sync", vec![change]).await;
        }
        assert!(raw.is_closed().await, "the relay closes the connection");
    });
    assert_eq!(relay.rejections("waiting_too_much"), 1);
    assert!(
        relay.rss_kib() < before + 100 * 1024,
        "the relay held {} KiB more",
        relay.rss_kib().saturating_sub(before)
    );
    wait_until(|| relay.metric("nous_relay_waiting_bytes") == 0);
    assert_eq!(relay.metric("nous_relay_waiting_bytes"), 0, "nothing waits");

    // The others go on (Bob's home gets the two changes his raw client
    // wrote, and Alice's).
    alice.edit(&doc, "Adhésion", "Après l'inondation.");
    alice.sync(&relay, &[]);
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 3", "{got}");
    assert_eq!(bob.section(&doc, "Adhésion"), "Après l'inondation.");
}

#[test]
fn what_sync_reports_synced_survives_a_crash_of_the_relay() {
    // A long durability window: only the answer to the writer makes the
    // relay's copy durable.
    let (_dir, mut relay, config) = relay_with("durable_within_ms = 60000\n");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    for round in 0..3 {
        let text = format!("Version {round}, gardée.");
        alice.edit(&doc, "Adhésion", &text);
        let report = alice.sync(&relay, &[]);
        assert_eq!(report["incomplete"], serde_json::json!([]), "{report}");
        relay = relay.crash_and_restart(&["--config", &config]);
        // Bob gets it from the relay alone (Alice is gone).
        let got = bob.sync(&relay, &[]);
        assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
        assert_eq!(bob.section(&doc, "Adhésion"), text);
    }
}

#[test]
fn a_need_named_twice_is_refused_and_the_document_is_still_served() {
    // Found by the long fuzz run (docs/security.md, F2): a sync message
    // that names one change twice in `need` made Automerge 0.12 panic when
    // the relay answered it.
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let held = doc_of(&alice, &doc).get_heads()[0];
    let message = automerge::sync::Message {
        heads: vec![held],
        need: vec![held, held],
        have: Vec::new(),
        changes: Vec::<Vec<u8>>::new().into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        let frame = super::relay_guard::raw_sync(&raw, &doc, Some(&message.encode()));
        raw.send(frame).await;
        assert!(raw.is_closed().await, "the relay closes the connection");
    });
    assert_eq!(relay.rejections("bad_sync_message"), 1);
    alice.edit(&doc, "Adhésion", "Toujours servie.");
    alice.sync(&relay, &[]);
    let got = bob.sync(&relay, &[]);
    assert_eq!(outcome(&got, &doc), "merged 1", "{got}");
}

#[test]
fn a_change_that_waits_too_long_is_dropped() {
    let (_dir, relay, _) = relay_with("[limits]\nmax_waiting_secs = 1\n");
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let mut copy = own_copy(&bob, &doc);
    let (_, later) = withheld(&mut copy, 1, 100);
    let rt = runtime();
    rt.block_on(async {
        let mut raw = Raw::connect(&relay, &device(&bob)).await;
        raw.request(&doc).await;
        raw.sync(&doc, "sync", later).await;
        wait_until(|| relay.metric("nous_relay_waiting_bytes") > 0);
        assert!(relay.metric("nous_relay_waiting_bytes") > 0, "it waits");
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        // The next message to the document finds it expired.
        raw.request(&doc).await;
        wait_until(|| relay.rejections("waiting_expired") == 1);
    });
    assert_eq!(relay.rejections("waiting_expired"), 1);
    assert_eq!(relay.metric("nous_relay_waiting_bytes"), 0);
}
