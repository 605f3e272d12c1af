//! Progress of `nous verify` and `nous bundle import`/`export`: the facade
//! counts a bundle's documents and records up to the total; through a pipe
//! (or with `--json`) the commands draw nothing.

use nous_api::{Env, Home};

use super::relay_support::{Member, found};
use super::support::{self, path_str};

/// A bundle of Alice's community: its charter and three more documents
/// shared in it, and its records (genesis, shares, tensions).
fn bundle_of_several(alice: &Member) -> Vec<u8> {
    let charter = found(alice, &[]);
    let mut docs = vec![charter];
    for n in 0..3 {
        let doc = alice
            .home
            .charter(&format!("# Note {n}\n\n## Texte\n\nNuméro {n}.\n"));
        alice.json(&["community", "share", &doc]);
        docs.push(doc);
    }
    for summary in ["Le planning", "Les clés"] {
        alice.json(&["tension", "open", summary, "--path", "governance"]);
    }
    let file = alice.home.file("several.bundle");
    let mut args = vec!["bundle", "export"];
    args.extend(docs.iter().map(String::as_str));
    args.extend(["--community", "Coop", "-o", path_str(&file)]);
    alice.run(&args).ok();
    std::fs::read(&file).expect("read the bundle")
}

#[track_caller]
fn counts_up(calls: &[(usize, usize)], total: usize) {
    assert_eq!(calls.first(), Some(&(0, total)), "{calls:?}");
    assert_eq!(calls.last(), Some(&(total, total)), "{calls:?}");
    assert!(
        calls.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 == total),
        "increasing: {calls:?}"
    );
    assert!(calls.len() >= 3, "more than one step: {calls:?}");
}

#[test]
fn the_facade_counts_verify_and_import_up_to_the_total() {
    let alice = Member::new("Alice");
    let bytes = bundle_of_several(&alice);
    let bundle = nous_api::nous_core::Bundle::decode(&bytes).expect("decode");
    assert_eq!(bundle.documents.len(), 4);
    assert!(bundle.records.len() >= 6, "{}", bundle.records.len());
    let total = bundle.documents.len() + bundle.records.len();

    // Verify: the same report, counted.
    let mut calls = Vec::new();
    let verified = nous_api::verify::verify_with_progress(&bytes, &mut |done, total| {
        calls.push((done, total))
    })
    .expect("verify");
    assert!(verified.intact(), "{:?}", verified.report.problems);
    let plain = nous_api::verify(&bytes).expect("verify");
    assert_eq!(verified.report_hash, plain.report_hash);
    counts_up(&calls, total);

    // Import into a new home, then again (everything known): both counted.
    let bob = support::Home::new();
    let mut home = Home::open(&bob.path(), Env::system()).expect("open");
    for round in ["new", "again"] {
        let mut calls = Vec::new();
        let imported = home
            .bundles()
            .import_with_progress(&bytes, &mut |done, total| calls.push((done, total)))
            .expect("import");
        assert_eq!(imported.imported.len(), 4, "{round}");
        counts_up(&calls, total);
    }
    // Export: each document and community counted.
    let mut calls = Vec::new();
    let exported = home
        .bundles()
        .export_with_progress(&[], &["Coop".to_owned()], &mut |done, total| {
            calls.push((done, total))
        })
        .expect("export");
    counts_up(
        &calls,
        exported.documents.len() + exported.communities.len(),
    );
    home.close().expect("close");
}

#[test]
fn verify_and_bundle_import_draw_no_progress_on_a_pipe() {
    let alice = Member::new("Alice");
    let bytes = bundle_of_several(&alice);
    let first = alice.home.file("first.bundle");
    let second = alice.home.file("second.bundle");
    std::fs::write(&first, &bytes).expect("write");
    std::fs::write(&second, &bytes).expect("write");
    let bob = support::Home::new();
    let runs = [
        bob.run(&["verify", path_str(&first)]),
        bob.run(&["--json", "verify", path_str(&first)]),
        bob.run(&["bundle", "import", path_str(&first), path_str(&second)]),
        bob.run(&["--json", "bundle", "import", path_str(&first)]),
        bob.run_in("fr", &["verify", path_str(&first)]),
        bob.run(&["bundle", "export", "-o", path_str(&bob.file("out.bundle"))]),
    ];
    for run in &runs {
        run.ok();
        for out in [&run.stdout, &run.stderr] {
            assert!(!out.contains('\r'), "{out:?}");
            assert!(!out.contains("=>") && !out.contains("[="), "{out:?}");
            for word in [
                "verifying",
                "importing",
                "Verifying",
                "vérification",
                "Bundling",
            ] {
                assert!(!out.contains(word), "{word}: {out:?}");
            }
        }
        assert!(run.stderr.is_empty(), "{:?}", run.stderr);
    }
    assert!(runs[0].stdout.contains("Intact"), "{}", runs[0].stdout);
}
