//! Sync through the facade alone (`nous_api::sync`): once, live, and the
//! failures a front end must be able to tell apart.

use std::time::{Duration, Instant};

use nous_api::sync::{Session, SyncEvent, WatchOptions};
use nous_api::{Env, ErrorKind, Event, Home};
use serde_json::Value;

use super::relay_support::{Member, RelayProcess, found};

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn open(member: &Member) -> Home {
    Home::open(&member.home.path(), Env::system()).expect("open the home")
}

#[test]
fn a_sync_once_through_the_facade_reports_like_the_cli_and_announces_merges() {
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    let doc = found(&alice, &[&bob]);

    // Alice, through the facade: the community is registered and sent.
    let mut home = open(&alice);
    let mut calls = Vec::new();
    let report = home
        .sync(&relay.url, &[], &mut |done, total| {
            calls.push((done, total))
        })
        .expect("alice syncs");
    home.close().expect("close");
    assert_eq!(report.relay, relay.url);
    assert!(report.unavailable.is_empty(), "{report:?}");
    let total = calls.last().map(|c| c.1).expect("progress was reported");
    assert_eq!(calls.len(), total, "one call per document: {calls:?}");

    // Bob edits and syncs with the CLI; Alice takes it in through the
    // facade, and a subscriber hears of the merge.
    bob.sync(&relay, &[]);
    bob.edit(&doc, "Départ", "On part en prévenant le bureau.");
    let by_cli = bob.sync(&relay, &[]);
    let mut home = open(&alice);
    let events = home.subscribe();
    let report = home.sync(&relay.url, &[], &mut |_, _| {}).expect("sync");
    home.close().expect("close");
    let merged: Vec<_> = report.documents.iter().filter(|d| d.changed()).collect();
    assert_eq!(merged.len(), 1, "{report:?}");
    assert_eq!(merged[0].id.to_string(), doc);
    assert_eq!(
        merged[0].outcome,
        nous_api::sync::SyncOutcome::Merged,
        "{report:?}"
    );
    assert_eq!(merged[0].received, 1, "{report:?}");
    let heard: Vec<Event> = events.try_iter().collect();
    assert!(
        heard
            .iter()
            .any(|e| matches!(e, Event::Merged { doc: d, .. } if d.to_string() == doc)),
        "{heard:?}"
    );
    assert_eq!(
        alice.section(&doc, "Départ"),
        "On part en prévenant le bureau."
    );

    // One schema: the facade's report is the CLI's JSON.
    let by_facade = serde_json::to_value(&report).expect("json");
    assert_eq!(keys(&by_facade), keys(&by_cli));
    assert_eq!(
        keys(&by_facade["documents"][0]),
        keys(&by_cli["documents"][0]),
        "{by_facade} / {by_cli}"
    );

    // An outsider asking for the charter is told it is unavailable.
    let dana = Member::new("dana");
    let mut home = open(&dana);
    let report = home
        .sync(&relay.url, std::slice::from_ref(&doc), &mut |_, _| {})
        .expect("dana syncs");
    home.close().expect("close");
    assert!(report.documents.is_empty(), "{report:?}");
    assert_eq!(
        report
            .unavailable
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![doc]
    );
}

#[test]
fn a_relay_that_cannot_be_reached_is_a_network_error_and_changes_nothing() {
    let alice = Member::new("alice");
    let doc = alice.home.charter("# Coop\n\n## Départ\n\nOn part.\n");
    // A port nobody listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut home = open(&alice);
    let error = home
        .sync(&format!("ws://127.0.0.1:{port}/"), &[], &mut |_, _| {})
        .expect_err("nobody listens");
    assert_eq!(error.kind(), ErrorKind::Network, "{error}");
    let error = home
        .sync("http://example.invalid", &[], &mut |_, _| {})
        .expect_err("not a relay URL");
    assert_eq!(error.kind(), ErrorKind::Network, "{error}");
    home.close().expect("close");
    assert_eq!(alice.section(&doc, "Départ"), "On part.");
    let error = Session::start(
        &alice.home.path(),
        Env::system(),
        &format!("ws://127.0.0.1:{port}/"),
        Vec::new(),
        WatchOptions::default(),
    )
    .expect_err("a session cannot start either");
    assert_eq!(error.kind(), ErrorKind::Network, "{error}");
}

#[test]
fn a_live_session_delivers_what_another_member_writes() {
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);

    let session = Session::start(
        &bob.home.path(),
        Env::system(),
        &relay.url,
        Vec::new(),
        WatchOptions::default(),
    )
    .expect("bob watches");
    let first = session
        .next_event(Duration::from_secs(10))
        .expect("the first event");
    assert!(
        matches!(&first, SyncEvent::Watching { relay: r, documents, .. } if *r == relay.url && *documents >= 1),
        "{first:?}"
    );

    // Alice writes and syncs; Bob's session brings it into his home
    // without anyone asking.
    alice.edit(&doc, "Départ", "On part en le disant.");
    alice.sync(&relay, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let received = loop {
        assert!(Instant::now() < deadline, "nothing came");
        if let Some(SyncEvent::Received { documents, .. }) =
            session.next_event(Duration::from_millis(200))
            && documents.iter().any(|d| d.id.to_string() == doc)
        {
            break documents;
        }
        assert!(session.is_running(), "the session ended");
    };
    assert!(received.iter().all(|d| d.changed()), "{received:?}");
    session.stop().expect("stops cleanly");
    assert_eq!(bob.section(&doc, "Départ"), "On part en le disant.");

    // And the other way: Bob's edit made while his session runs goes out.
    let session = Session::start(
        &bob.home.path(),
        Env::system(),
        &relay.url,
        Vec::new(),
        WatchOptions::default(),
    )
    .expect("bob watches again");
    bob.edit(&doc, "Départ", "On part quand on veut, en le disant.");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "Bob's edit did not reach Alice");
        std::thread::sleep(Duration::from_millis(200));
        alice.sync(&relay, &[]);
        if alice.section(&doc, "Départ") == "On part quand on veut, en le disant." {
            break;
        }
    }
    session.stop().expect("stops cleanly");
}

/// A session of our own client following another member's typing through
/// the relay: each keystroke is kept unapplied in the session (vouched for
/// by the typing check, as the relay keeps them) and answered, and what
/// the session hands the home after its heads brings it exactly to the
/// typist's document, kept unapplied there too until read.
#[test]
fn a_session_follows_keystrokes_without_applying_each() {
    use nous_net::client::Client;

    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let id: nous_api::nous_core::ids::DocId = doc.parse().expect("a document id");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let connect = |member: &Member, home: &mut Home| {
        let issued = nous_api::sync::issue_token(
            &member.home.path(),
            &Env::system(),
            &relay.url,
            Duration::from_secs(600),
        )
        .expect("a token");
        let url = issued.url.split('?').next().expect("a URL").to_owned();
        let token = issued.token.clone();
        let saved = home.document(&id).expect("the charter").save();
        runtime
            .block_on(Client::connect(
                &url,
                issued.peer_id,
                std::sync::Arc::new(move || token.clone()),
                vec![(id, saved)],
                Duration::from_secs(10),
            ))
            .expect("connected")
    };
    let mut alice_home = open(&alice);
    let mut bob_home = open(&bob);
    let alice_client = connect(&alice, &mut alice_home);
    let bob_client = connect(&bob, &mut bob_home);
    let timeout = Duration::from_secs(10);
    for client in [&alice_client, &bob_client] {
        let synced = runtime.block_on(client.sync(&id, timeout)).expect("synced");
        assert!(synced.is_some_and(|s| s.complete));
    }

    let section = alice_home
        .charter(&id, None)
        .expect("the charter")
        .sections
        .into_iter()
        .find(|s| s.heading == "Adhésion")
        .expect("the section");
    let mut at = section.text.chars().count();
    for word in [
        "Chacune",
        " et",
        " chacun",
        " adhère",
        " à",
        " la",
        " coopérative",
    ] {
        for c in word.chars() {
            let since = runtime
                .block_on(alice_client.heads(&id, timeout))
                .expect("heads")
                .expect("open");
            alice_home
                .type_text(&id, &section.id, at, 0, &c.to_string())
                .expect("typed");
            alice_home.flush().expect("saved");
            at += 1;
            let bytes = alice_home.document(&id).expect("doc").save_after(&since);
            runtime
                .block_on(alice_client.push(&id, &bytes, timeout))
                .expect("pushed");
            let synced = runtime
                .block_on(alice_client.sync(&id, timeout))
                .expect("synced")
                .expect("open");
            assert!(synced.complete, "the relay has Alice's keystroke");
        }
    }
    let expected = alice_home.charter(&id, None).expect("the charter");

    // Bob's session kept (nearly) every keystroke unapplied.
    let before = bob_home.heads(&id).expect("heads");
    let synced = runtime
        .block_on(bob_client.sync_after(&id, &before, true, timeout))
        .expect("synced")
        .expect("open");
    assert!(synced.complete && synced.after);
    let typed = "Chacune et chacun adhère à la coopérative".chars().count() as u64;
    let (kept, _batches) = bob_client.typed(&id).expect("open");
    assert!(
        kept + 1 >= typed,
        "{kept} of {typed} keystrokes kept unapplied"
    );
    // What it hands over brings Bob's home to Alice's document.
    let witnesses = synced.witness.map(|w| (id, w)).into_iter().collect();
    bob_home
        .apply_remote_witnessed(vec![(id, synced.bytes)], witnesses)
        .expect("taken in");
    assert_eq!(
        bob_home.heads(&id).expect("heads"),
        alice_home.heads(&id).expect("heads")
    );
    assert_eq!(bob_home.charter(&id, None).expect("the charter"), expected);
    runtime.block_on(alice_client.close());
    runtime.block_on(bob_client.close());
    drop(bob_home);
    assert!(
        bob.section(&doc, "Adhésion")
            .ends_with("Chacune et chacun adhère à la coopérative")
    );
}
