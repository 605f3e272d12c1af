//! What `nous sync` says it did: the community registered, what went each
//! way, what stays here; a shared document going with the first sync; no
//! progress on a pipe; the watch's line about new to-do items.

use std::process::Stdio;
use std::time::Duration;

use nous_api::{Env, Home};

use super::relay_support::{Member, RelayProcess, found};

fn doc_in<'a>(report: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    report["documents"]
        .as_array()
        .and_then(|docs| docs.iter().find(|d| d["id"] == id))
}

#[test]
fn the_founders_first_sync_registers_and_a_share_goes_with_the_next_sync() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let charter = found(&alice, &[&bob]);
    let draft = alice.home.charter("# Brouillon\n\n## Idées\n\nÀ voir.\n");

    let first = alice.sync(&relay, &[]);
    assert_eq!(first["registered"][0]["name"], "Coop", "{first}");
    let records = first["registered"][0]["records"].as_u64().expect("records");
    assert!(records >= 2, "{first}");
    assert_eq!(first["sent"]["records"], records, "{first}");
    assert_eq!(first["sent"]["documents"], 1, "{first}");
    let sent = doc_in(&first, &charter).expect("the charter went");
    assert!(sent["sent"].as_u64().expect("sent") >= 1, "{first}");
    // The local draft is no failure, and not unavailable: it stays here.
    assert_eq!(first["kept"][0]["id"], draft.as_str(), "{first}");
    assert_eq!(first["kept"][0]["reason"], "no-community", "{first}");
    assert_eq!(first["unavailable"], serde_json::json!([]), "{first}");
    // Registered once: the next sync does not say it again.
    let again = alice.sync(&relay, &[]);
    assert_eq!(again["registered"], serde_json::json!([]), "{again}");
    assert_eq!(again["sent"]["documents"], 0, "{again}");

    // A document shared now goes with the very next sync (the record that
    // shares it first, then the document the relay now hosts).
    let minutes = alice
        .home
        .charter("# Procès-verbal\n\n## Séance\n\nOuverte.\n");
    alice.json(&["community", "share", &minutes]);
    let shared = alice.sync(&relay, &[]);
    let entry = doc_in(&shared, &minutes).expect("the shared document went");
    assert!(entry["sent"].as_u64().expect("sent") >= 1, "{shared}");
    assert_eq!(shared["sent"]["records"], 1, "{shared}");
    assert_eq!(shared["kept"].as_array().map(Vec::len), Some(1), "{shared}");
    let got = bob.sync(&relay, &[]);
    assert_eq!(
        doc_in(&got, &minutes).map(|d| d["outcome"].clone()),
        Some(serde_json::json!("added")),
        "{got}"
    );
    assert!(got["received"]["records"].as_u64().expect("records") >= 1);

    // In words: what went, with plurals, once for the draft, exit 0.
    let alice_edits = alice.run(&["charter", "edit", &minutes, "Séance", "--text", "Close."]);
    alice_edits.ok();
    let en = alice.run(&["--lang", "en", "sync", &relay.url]);
    let text = en.ok();
    assert!(
        text.contains("sent: 1 document (1 change), 0 records"),
        "{text}"
    );
    assert!(text.contains("sent 1 change"), "{text}");
    assert_eq!(text.matches("Brouillon").count(), 1, "{text}");
    assert!(!text.contains("(s)"), "{text}");
    bob.run(&["charter", "edit", &minutes, "Séance", "--text", "Levée."])
        .ok();
    bob.sync(&relay, &[]);
    let fr = alice.run(&["--lang", "fr", "sync", &relay.url]);
    let text = fr.ok();
    assert!(
        text.contains("reçu : 1 document (1 modification), 0 acte"),
        "{text}"
    );
    assert!(text.contains("1 modification fusionnée"), "{text}");
    assert!(text.contains("reste sur cet appareil"), "{text}");
}

#[test]
fn a_sync_of_many_documents_draws_no_progress_on_a_pipe_and_the_facade_counts_up() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    found(&alice, &[&bob]);
    for n in 0..8 {
        let doc = alice
            .home
            .charter(&format!("# Note {n}\n\n## Texte\n\nNuméro {n}.\n"));
        alice.json(&["community", "share", &doc]);
    }
    // Through a pipe (as every test runs it): no bar, no carriage return.
    let run = alice.run(&["sync", &relay.url]);
    run.ok();
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains('\r'), "{out:?}");
        assert!(!out.contains("=>") && !out.contains("[="), "{out:?}");
        assert!(!out.contains("syncing"), "{out:?}");
    }
    assert!(run.stdout.contains("sent: 9 documents"), "{}", run.stdout);

    // The facade counts each document, up to the total.
    let mut home = Home::open(&bob.home.path(), Env::system()).expect("open");
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let report = home
        .sync(&relay.url, &[], &mut |done, total| {
            calls.push((done, total))
        })
        .expect("bob syncs");
    home.close().expect("close");
    assert_eq!(report.received.documents, 8, "{report:?}");
    let (last, total) = *calls.last().expect("progress");
    assert_eq!(last, total, "{calls:?}");
    assert!(
        total >= 9,
        "the ledger and eight documents at least: {calls:?}"
    );
    assert!(
        calls
            .windows(2)
            .all(|w| w[1].0 > w[0].0 && w[1].0 <= w[1].1),
        "increasing: {calls:?}"
    );
}

#[test]
fn a_watch_ends_each_round_that_brings_new_to_do_items_with_one_line() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let bob = Member::new("Bob");
    let charter = alice.home.charter("# Coop\n\n## Adhésion\n\nOn adhère.\n");
    let bob_spec = format!("{}:Bob:members", bob.key);
    alice.json(&[
        "community",
        "create",
        "Coop",
        "--charter",
        &charter,
        "--name-as",
        "Alice",
        "--founder",
        &bob_spec,
        "--facilitator",
        &bob.key,
    ]);
    let bundle = alice.home.file("coop.bundle");
    alice
        .run(&[
            "bundle",
            "export",
            "--community",
            "Coop",
            "-o",
            bundle.to_str().expect("utf-8"),
        ])
        .ok();
    bob.run(&["bundle", "import", bundle.to_str().expect("utf-8")])
        .ok();
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let watcher = bob
        .home
        .command(&[
            "--lang",
            "en",
            "sync",
            &relay.url,
            "--watch",
            "--for-secs",
            "6",
            "--interval",
            "50",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the watch");
    std::thread::sleep(Duration::from_millis(1500));
    // A tension awaits a facilitator: Bob.
    alice.json(&["tension", "open", "La salle est fermée."]);
    alice.sync(&relay, &[]);
    let out = watcher.wait_with_output().expect("the watch ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(
        stdout
            .matches("One new thing awaits you: nous todo")
            .count(),
        1,
        "{stdout}"
    );
}

/// A reader of a public document who edited it locally: the sync fetches
/// and finishes (no waiting for changes the relay will never take), and
/// says the changes stay on this device.
#[test]
fn a_reader_with_local_changes_to_a_public_document_finishes_and_keeps_them() {
    let relay = RelayProcess::start();
    let alice = Member::new("Alice");
    let carol = Member::new("Carol");
    found(&alice, &[]);
    let notes = alice.home.charter("# Notes\n\n## Séance\n\nOuverte.\n");
    alice.json(&["community", "share", &notes, "--public"]);
    alice.sync(&relay, &[]);
    let got = carol.sync(&relay, &[&notes]);
    assert_eq!(
        doc_in(&got, &notes).map(|d| d["outcome"].clone()),
        Some(serde_json::json!("added")),
        "{got}"
    );
    carol.edit(&notes, "Séance", "Ouverte à 18 h.");
    let again = carol.sync(&relay, &[&notes]);
    assert_eq!(again["incomplete"], serde_json::json!([]), "{again}");
    assert_eq!(again["failed"], serde_json::json!([]), "{again}");
    let kept = again["kept"].to_string();
    assert!(
        kept.contains(&notes) && kept.contains("read-only"),
        "{again}"
    );
    // Carol's change is hers alone: Alice does not get it.
    alice.sync(&relay, &[]);
    assert_eq!(alice.section(&notes, "Séance"), "Ouverte.");
}
