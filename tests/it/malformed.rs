//! Hostile and broken input: every case is a clear one-line error (or, for
//! damage the checks cannot see, a normal answer), never a panic, and never
//! a half-applied import.

use nous_core::Bundle;

use crate::support::{COOP, Home, path_str};

/// A change chunk with a valid checksum that panics Automerge 0.12's
/// `apply_changes` ("Missing from Index"); from security-anchors.md.
const CRASHER: &str = "856f4a83d45f802e01b40100104a7143ae65df36676b81d0df08a5e95901010000000c010802081108131015133405420a560a57287004710273020001140000010b000001141100010b160002130000020a0000017e0002120100017e6c1708017f7a7f047465787400147f07636c6175736573000b0114010a017f0414017f020a017f037f0014167f000a267f00576520746865206d656d62657273206167726565633063316332633363346335633663376338633920007f017f007f19";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Import `bundle` into a home that has one charter; the import must fail
/// with `needle`, and the home must be exactly as before.
#[track_caller]
fn import_is_refused(bundle: &[u8], needle: &str) {
    let home = Home::new();
    let doc = home.charter(COOP);
    let before = home.run(&["--json", "charter", "show", &doc]).json();
    let list_before = home.run(&["--json", "charter", "list"]).json();
    let path = home.file("hostile.nous");
    std::fs::write(&path, bundle).expect("write bundle");
    home.run(&["bundle", "import", path_str(&path)])
        .fails_with(needle);
    assert_eq!(
        home.run(&["--json", "charter", "show", &doc]).json(),
        before
    );
    assert_eq!(home.run(&["--json", "charter", "list"]).json(), list_before);
}

fn exported_bundle() -> (Vec<u8>, String) {
    let home = Home::new();
    let doc = home.charter(COOP);
    let path = home.file("good.nous");
    home.run(&["bundle", "export", &doc, "-o", path_str(&path)])
        .ok();
    (std::fs::read(&path).expect("read bundle"), doc)
}

#[test]
fn the_automerge_crasher_in_a_bundle_is_refused_without_a_panic() {
    let (good, doc) = exported_bundle();
    let mut bundle = Bundle::decode(&good).expect("decode");
    // As a new document, and as changes to a document the home already has.
    bundle
        .documents
        .push((nous_core::DocId::from_bytes([3; 16]), unhex(CRASHER)));
    import_is_refused(&bundle.encode(), "refused");

    let home = Home::new();
    let path = home.file("good.nous");
    std::fs::write(&path, &good).expect("write");
    home.run(&["bundle", "import", path_str(&path)]).ok();
    let before = home.run(&["--json", "charter", "show", &doc]).json();
    let mut crasher = Bundle::default();
    crasher
        .documents
        .push((doc.parse().expect("id"), unhex(CRASHER)));
    std::fs::write(&path, crasher.encode()).expect("write");
    home.run(&["bundle", "import", path_str(&path)])
        .fails_with("refused");
    assert_eq!(
        home.run(&["--json", "charter", "show", &doc]).json(),
        before
    );
}

#[test]
fn truncated_and_flipped_bundles_are_refused() {
    let (good, _) = exported_bundle();
    for cut in [0, 1, 8, 13, good.len() / 2, good.len() - 1] {
        import_is_refused(&good[..cut], "bundle");
    }
    for index in [0, 9, 20, good.len() / 2, good.len() - 1] {
        let mut flipped = good.clone();
        flipped[index] ^= 0x10;
        import_is_refused(&flipped, "");
    }
}

#[test]
fn damaged_documents_inside_a_well_formed_bundle_are_refused() {
    let (good, _) = exported_bundle();
    let bundle = Bundle::decode(&good).expect("decode");
    let (id, payload) = bundle.documents[0].clone();
    // The bundle's own checksum is recomputed, so only the guard stands
    // between these bytes and Automerge.
    let step = (payload.len() / 24).max(1);
    for index in (0..payload.len()).step_by(step) {
        let mut flipped = payload.clone();
        flipped[index] ^= 0x04;
        let hostile = Bundle {
            documents: vec![(id, flipped)],
            records: vec![],
        };
        let home = Home::new();
        let path = home.file("hostile.nous");
        std::fs::write(&path, hostile.encode()).expect("write");
        let out = home.run(&["bundle", "import", path_str(&path)]);
        assert_ne!(
            out.code, 101,
            "panic on flipped byte {index}: {}",
            out.stderr
        );
        if out.code != 0 {
            out.fails_with("refused");
            assert_eq!(
                home.run(&["--json", "charter", "list"]).json(),
                serde_json::json!([])
            );
        }
    }
    for cut in [1, payload.len() / 3, payload.len() - 1] {
        let hostile = Bundle {
            documents: vec![(id, payload[..cut].to_vec())],
            records: vec![],
        };
        import_is_refused(&hostile.encode(), "refused");
    }
}

#[test]
fn a_file_that_is_not_a_bundle_is_refused() {
    import_is_refused(COOP.as_bytes(), "not a Nous bundle");
    let home = Home::new();
    home.run(&["bundle", "import", path_str(&home.file("missing.nous"))])
        .fails_with("cannot read");
}

#[test]
fn invalid_utf8_markdown_is_refused() {
    let home = Home::new();
    let path = home.file("latin1.md");
    std::fs::write(&path, b"# Charte\n\nPr\xe9ambule en Latin-1.\n").expect("write");
    home.run(&["charter", "new", "--from", path_str(&path)])
        .fails_with("not valid UTF-8 (invalid byte at offset 12)");
    let doc = home.charter(COOP);
    home.run(&["charter", "edit", &doc, "depart", "--file", path_str(&path)])
        .fails_with("not valid UTF-8");
    assert_eq!(
        home.run(&["--json", "charter", "list"])
            .json()
            .as_array()
            .expect("list")
            .len(),
        1
    );
}

#[test]
fn an_ambiguous_id_prefix_is_refused() {
    let home = Home::new();
    let mut seen = std::collections::HashMap::new();
    // Ids are random; by the pigeonhole principle, two of 59 share a first character.
    for _ in 0..59 {
        let doc = home.charter("# T\n");
        let first = doc[..1].to_owned();
        if let Some(other) = seen.insert(first.clone(), doc.clone()) {
            assert_ne!(other, doc);
            home.run(&["charter", "show", &first])
                .fails_with("matches several documents");
            return;
        }
    }
    panic!("59 base58 ids with distinct first characters");
}

#[test]
fn damaged_store_files_are_errors_not_panics() {
    let source = Home::new();
    let doc = source.charter(COOP);
    source
        .run(&["charter", "edit", &doc, "depart", "--text", "On part."])
        .ok();
    let store = std::fs::read(source.path().join("nous.redb")).expect("store");
    let mut cases: Vec<Vec<u8>> = Vec::new();
    for cut in [0, 100, 4096, store.len() / 2, store.len() - 1] {
        cases.push(store[..cut.min(store.len())].to_vec());
    }
    let step = (store.len() / 40).max(1);
    for index in (0..store.len()).step_by(step) {
        let mut flipped = store.clone();
        flipped[index] ^= 0x55;
        cases.push(flipped);
    }
    for (n, bytes) in cases.iter().enumerate() {
        let home = Home::empty();
        std::fs::create_dir_all(home.path()).expect("mkdir");
        std::fs::copy(
            source.path().join("device.key"),
            home.path().join("device.key"),
        )
        .expect("key");
        std::fs::write(home.path().join("nous.redb"), bytes).expect("store");
        for args in [
            vec!["charter", "list"],
            vec!["charter", "show", &doc],
            vec!["history", &doc],
        ] {
            let out = home.run(&args);
            assert_ne!(
                out.code,
                101,
                "case {n}: `nous {}` panicked: {}",
                args.join(" "),
                out.stderr
            );
            if out.code != 0 {
                assert_eq!(
                    out.stderr.trim_end().lines().count(),
                    1,
                    "case {n}: {}",
                    out.stderr
                );
            }
        }
    }
}

/// Found by the long fuzz run (`docs/security.md`, F1): a document that
/// Automerge accepts but whose own save does not load again. Imported, it
/// left the home with a document it could never open.
const SAVES_BUT_DOES_NOT_LOAD: &str = include_str!("../fixtures/saves_but_does_not_load.hex");

#[test]
fn a_document_that_would_not_load_again_is_refused_at_import() {
    import_is_refused(&unhex(SAVES_BUT_DOES_NOT_LOAD.trim()), "load again");
}
