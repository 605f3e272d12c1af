use super::*;
use crate::markdown;
use crate::store::MemoryStorage;

const SAMPLE: &str = "# Charte\n\n## Adhésion\n\nToute personne peut adhérer.\n\n## Sortie\n\nOn part quand on veut.\n";

fn options(seed: u8) -> EngineOptions {
    let mut counter = 0u32;
    EngineOptions::new(
        Box::new(|| 1_700_000_000_000),
        Box::new(move |buf: &mut [u8]| {
            counter += 1;
            for (i, b) in buf.iter_mut().enumerate() {
                *b = seed ^ (counter as u8).wrapping_mul(31).wrapping_add(i as u8);
            }
        }),
    )
}

/// A home in memory whose clock and entropy follow `seed` (also for
/// other modules' tests).
pub(crate) fn engine(seed: u8, storage: &MemoryStorage) -> Engine {
    Engine::with_storage(
        DeviceKey::from_seed(&[seed; 32]),
        Box::new(storage.clone()),
        options(seed),
    )
}

fn create(engine: &mut Engine) -> DocId {
    let created = engine
        .create_charter("Charte", &markdown::parse(SAMPLE))
        .expect("create");
    engine.wait(created.ticket).expect("durable");
    created.value
}

fn section(engine: &mut Engine, doc: &DocId, index: usize) -> SectionId {
    engine.charter(doc, None).expect("read").sections[index]
        .id
        .clone()
}

/// Words of the generated texts: accents, ligatures, a diaeresis.
fn words() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let word = prop::sample::select(vec![
        "adhésion",
        "le",
        "collège",
        "décide",
        "à",
        "la",
        "majorité",
        "œuvre",
        "quorum",
        "Zoë",
        "ça",
        "tensions",
        "20 €",
    ]);
    prop::collection::vec(word, 1..5).prop_map(|w| w.join(" "))
}

/// A section body in the form Nous writes back: optional prose, then
/// numbered articles (texts from a small pool, so articles repeat,
/// move, merge, split and come back; continuation paragraphs; numbers
/// in any order and style; non-ASCII; empty).
fn body_strategy() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pool = prop::sample::select(vec![
        "Premier article.",
        "Deuxième article.",
        "Le quorum est de moitié.",
        "Les décisions courantes sont prises chaque mois.",
        "Chaque membre peut quitter la coopérative.",
    ]);
    let paragraph = prop_oneof![
        pool.prop_map(str::to_owned),
        words().prop_map(|p| format!("{p}.")),
    ];
    let text = prop::collection::vec(paragraph, 1..3).prop_map(|p| p.join("\n\n"));
    let number = prop_oneof![
        (1u8..20).prop_map(|n| format!("{n}.")),
        (1u8..20).prop_map(|n| format!("{n})")),
        (1u8..9, 1u8..9).prop_map(|(a, b)| format!("{a}.{b}")),
    ];
    let article = (number, text).prop_map(|(n, text)| format!("{n} {text}"));
    (
        prop::option::of(
            prop::collection::vec(words().prop_map(|p| format!("Préambule : {p}.")), 1..3)
                .prop_map(|p| p.join("\n\n")),
        ),
        prop::collection::vec(article, 0..7),
    )
        .prop_map(|(prose, articles)| {
            prose
                .into_iter()
                .chain(articles)
                .collect::<Vec<_>>()
                .join("\n\n")
        })
}

/// Property-test cases: `NOUS_PROPTEST_CASES`, else `default`.
pub(crate) fn case_count(default: u32) -> u32 {
    std::env::var("NOUS_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// A section body of articles numbered 1, 2, 3… with these texts.
fn articles_body(texts: &[String]) -> String {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{}. {t}", i + 1))
        .collect::<Vec<_>>()
        .join("\n\n")
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(256)))]

    /// Issue 12, item 1: a section edit gives exactly the text given,
    /// whatever the text before it (articles added, removed,
    /// reordered, renumbered, merged, split, edited; prose or not;
    /// empty); and so do the title, a heading and the preamble.
    #[test]
    fn a_section_reads_exactly_what_was_written(
        edits in proptest::collection::vec(
            (body_strategy(), words(), words(), proptest::option::of(body_strategy())),
            1..6,
        ),
    ) {
        let storage = MemoryStorage::default();
        let mut e = engine(3, &storage);
        let doc = create(&mut e);
        let section = section(&mut e, &doc, 1);
        for (body, title, heading, preamble) in &edits {
            // A preamble has no articles: it is prose throughout.
            let preamble = preamble.as_deref().unwrap_or("");
            e.edit(&doc, "edit", |c| {
                c.set_body(&section, body)?;
                c.set_title(title)?;
                c.set_heading(&section, heading)?;
                c.set_preamble(preamble)
            })
            .expect("edit");
            let read = e.charter(&doc, None).expect("read");
            let got = read.sections.iter().find(|s| s.id == section).expect("section");
            proptest::prop_assert_eq!(&got.body(), body);
            proptest::prop_assert_eq!(&got.heading, heading);
            proptest::prop_assert_eq!(&read.title, title);
            proptest::prop_assert_eq!(&read.preamble, preamble);
            // And the Markdown of the whole charter reads back the same.
            let again = markdown::parse(&markdown::render(&read, markdown::RenderOptions::default()));
            proptest::prop_assert_eq!(again.title.as_ref(), Some(title));
            proptest::prop_assert_eq!(&again.preamble, preamble);
            let back = again.sections.iter().find(|s| s.id.as_ref() == Some(&section)).expect("section");
            proptest::prop_assert_eq!(&markdown::render_body(&back.text, &back.articles), body);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(64)))]

    /// Issue 12, item 1: two homes editing different articles of one
    /// section at the same time both keep their edit once merged, in
    /// either direction.
    #[test]
    fn concurrent_edits_to_different_articles_both_survive(
        base in proptest::collection::vec(words(), 2..7),
        (a, offset) in (0usize..6, 0usize..5),
        alice_words in words(),
        bob_words in words(),
        bob_first in proptest::bool::ANY,
    ) {
        use proptest::prelude::*;
        // Two different articles of the section.
        let a = a % base.len();
        let b = (a + 1 + offset % (base.len() - 1)) % base.len();
        // Distinct articles, as in a charter.
        let base: Vec<String> = base.iter().enumerate().map(|(i, t)| format!("{t} ({i}).")).collect();
        let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
        let mut alice = engine(4, &storage_a);
        let mut bob = engine(5, &storage_b);
        let doc = create(&mut alice);
        let section = section(&mut alice, &doc, 0);
        alice.edit(&doc, "base", |c| c.set_body(&section, &articles_body(&base))).expect("edit");
        bob.import_bundle(&alice.export_bundle(&[doc]).expect("export")).expect("import");

        let mut by_alice = base.clone();
        by_alice[a] = format!("{} Alice : {alice_words}.", base[a]);
        let mut by_bob = base.clone();
        by_bob[b] = format!("Bob : {bob_words}.");
        alice.edit(&doc, "a", |c| c.set_body(&section, &articles_body(&by_alice))).expect("edit");
        bob.edit(&doc, "b", |c| c.set_body(&section, &articles_body(&by_bob))).expect("edit");
        let (first, second) = if bob_first { (&mut bob, &mut alice) } else { (&mut alice, &mut bob) };
        second.import_bundle(&first.export_bundle(&[doc]).expect("export")).expect("import");
        first.import_bundle(&second.export_bundle(&[doc]).expect("export")).expect("import");

        let mut expected = base.clone();
        expected[a] = by_alice[a].clone();
        expected[b] = by_bob[b].clone();
        for home in [&mut alice, &mut bob] {
            let read = home.charter(&doc, None).expect("read");
            let got = read.sections.iter().find(|s| s.id == section).expect("section");
            prop_assert_eq!(got.body(), articles_body(&expected));
        }
    }
}

/// A merge can leave an old change as the first head. Chunks used to be
/// named after the first head, so such a merge overwrote the chunk that
/// held that old change, and it was lost on reopening.
#[test]
fn merged_branches_survive_reopening_whatever_their_order() {
    for round in 0..8u8 {
        let storage = MemoryStorage::default();
        let mut engine = engine(3, &storage);
        let doc = create(&mut engine);
        let first = section(&mut engine, &doc, 0);
        let heads = engine.heads(&doc).expect("heads");
        let draft = engine.new_doc_id();
        engine
            .fork_document(draft, &doc, &heads, "draft")
            .expect("fork");
        let d = engine
            .edit(&draft, "", |c| {
                c.set_body(&first, &format!("draft {round}"))
            })
            .expect("edit draft");
        let second = section(&mut engine, &doc, 1);
        let c = engine
            .edit(&doc, "", |c| {
                c.set_body(&second, &format!("charter {round}"))
            })
            .expect("edit charter");
        engine.flush().expect("flush");
        engine.merge_document(&doc, &draft, None).expect("merge");
        engine.close().expect("close");

        let mut reopened = super::tests::engine(3, &storage);
        let text = reopened.charter(&doc, None).expect("read");
        assert_eq!(text.sections[0].text, format!("draft {round}"));
        assert_eq!(text.sections[1].text, format!("charter {round}"));
        let doc_ref = reopened.document(&doc).expect("doc");
        for change in [d.change, c.change].into_iter().flatten() {
            assert!(
                doc_ref.get_change_by_hash(&change).is_some(),
                "round {round}"
            );
        }
    }
}

#[test]
fn edits_are_durable_and_reload_from_the_store() {
    let storage = MemoryStorage::default();
    let mut first = engine(1, &storage);
    let doc = create(&mut first);
    let section = section(&mut first, &doc, 0);
    let edited = first
        .edit(&doc, "majeure", |c| {
            c.set_body(&section, "Toute personne majeure peut adhérer.")
        })
        .expect("edit");
    first.wait(edited.ticket).expect("durable");
    // A second engine on the same storage sees it, without `close`.
    let mut second = engine(1, &storage);
    let charter = second.charter(&doc, None).expect("read");
    assert_eq!(
        charter.sections[0].text,
        "Toute personne majeure peut adhérer."
    );
    assert_eq!(second.history(&doc).expect("history").0.len(), 2);
    assert_eq!(second.list().expect("list")[0].meta.title, "Charte");
}

#[test]
fn keystrokes_are_saved_by_flush_and_survive_compaction() {
    let storage = MemoryStorage::default();
    let mut engine_a = engine(2, &storage);
    let doc = create(&mut engine_a);
    let section = section(&mut engine_a, &doc, 1);
    let mut expected = "On part quand on veut.".to_owned();
    for (i, ch) in "Après un préavis. 🚪".chars().enumerate() {
        let position = expected.chars().count();
        engine_a
            .type_text(&doc, &section, position, 0, &ch.to_string())
            .expect("type");
        expected.push(ch);
        if i % 5 == 0 {
            engine_a.type_text(&doc, &section, 0, 1, "o").expect("type");
            expected.replace_range(..1, "o");
        }
    }
    // Enough changes to compact on the way.
    for _ in 0..100 {
        engine_a.type_text(&doc, &section, 0, 0, "x").expect("type");
        engine_a.type_text(&doc, &section, 0, 1, "").expect("type");
    }
    engine_a.flush().expect("flush");
    let reloaded = engine(2, &storage).charter(&doc, None).expect("read");
    assert_eq!(reloaded.sections[1].text, expected);
    let keys = storage_keys(&storage, &doc);
    assert!(keys.iter().any(|k| k.contains("/snapshot/")), "{keys:?}");
}

fn storage_keys(storage: &MemoryStorage, doc: &DocId) -> Vec<String> {
    storage
        .scan_prefix(Table::Chunks, &format!("{doc}/"))
        .expect("scan")
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn a_keystroke_out_of_range_is_an_error_and_changes_nothing() {
    let storage = MemoryStorage::default();
    let mut e = engine(3, &storage);
    let doc = create(&mut e);
    let section = section(&mut e, &doc, 0);
    let heads = e.heads(&doc).expect("heads");
    assert!(matches!(
        e.type_text(&doc, &section, 10_000, 0, "x"),
        Err(Error::Schema(SchemaError::OutOfRange { .. }))
    ));
    assert_eq!(e.heads(&doc).expect("heads"), heads);
    assert_eq!(
        e.type_text(&doc, &section, 0, 0, "").expect("noop").change,
        None
    );
}

#[test]
fn bundles_merge_concurrent_edits_and_reimport_changes_nothing() {
    let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
    let mut alice = engine(4, &storage_a);
    let mut bob = engine(5, &storage_b);
    let doc = create(&mut alice);
    let bundle = alice.export_bundle(&[doc]).expect("export");
    let report = bob.import_bundle(&bundle).expect("import");
    assert_eq!(report[0].outcome, ImportOutcome::Added);
    let section = section(&mut alice, &doc, 0);
    alice
        .edit(&doc, "a", |c| {
            c.set_body(&section, "Alice: toute personne peut adhérer.")
        })
        .expect("edit");
    bob.edit(&doc, "b", |c| {
        c.set_body(&section, "Toute personne peut adhérer. Bob.")
    })
    .expect("edit");
    bob.import_bundle(&alice.export_bundle(&[doc]).expect("export"))
        .expect("import");
    let from_bob = bob.export_bundle(&[doc]).expect("export");
    let report = alice.import_bundle(&from_bob).expect("import");
    assert_eq!(report[0].outcome, ImportOutcome::Merged(1));
    assert_eq!(
        alice.heads(&doc).expect("heads"),
        bob.heads(&doc).expect("heads")
    );
    assert_eq!(
        alice.charter(&doc, None).expect("read").sections[0].text,
        "Alice: toute personne peut adhérer. Bob."
    );
    let commits = storage_a.commits();
    let again = alice.import_bundle(&from_bob).expect("import");
    assert_eq!(again[0].outcome, ImportOutcome::Unchanged);
    assert_eq!(
        storage_a.commits(),
        commits,
        "a second import writes nothing"
    );
}

#[test]
fn importing_into_a_session_that_has_not_committed_yet_merges() {
    // Regression: the index listed only committed documents, so a bundle
    // of a document created but not yet committed here replaced it.
    let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
    let mut alice = engine(11, &storage_a);
    let mut bob = engine(12, &storage_b);
    let doc = alice
        .create_charter("Charte", &markdown::parse(SAMPLE))
        .expect("create")
        .value;
    let sortie = section(&mut alice, &doc, 1);
    alice
        .type_text(&doc, &sortie, 0, 0, "Alice. ")
        .expect("type");
    bob.import_bundle(&alice.export_bundle(&[doc]).expect("export"))
        .expect("import");
    let adhesion = section(&mut bob, &doc, 0);
    bob.edit(&doc, "b", |c| c.set_body(&adhesion, "Bob."))
        .expect("edit");
    let report = alice
        .import_bundle(&bob.export_bundle(&[doc]).expect("export"))
        .expect("import");
    assert_eq!(report[0].outcome, ImportOutcome::Merged(1));
    let charter = alice.charter(&doc, None).expect("read");
    assert_eq!(charter.sections[0].text, "Bob.");
    assert_eq!(charter.sections[1].text, "Alice. On part quand on veut.");
    assert_eq!(
        storage_a.commits(),
        1,
        "one commit: create, keystroke and merge"
    );
}

#[test]
fn a_bundle_with_one_bad_document_imports_nothing() {
    let storage_a = MemoryStorage::default();
    let mut alice = engine(6, &storage_a);
    let doc = create(&mut alice);
    let good = alice.export_bundle(&[doc]).expect("export");
    let mut bundle = Bundle::decode(&good).expect("decode");
    bundle
        .documents
        .push((DocId::from_bytes([9; 16]), b"not automerge".to_vec()));
    let storage_b = MemoryStorage::default();
    let mut bob = engine(7, &storage_b);
    assert!(matches!(
        bob.import_bundle(&bundle.encode()),
        Err(Error::Refused { .. })
    ));
    assert!(bob.list().expect("list").is_empty());
    assert_eq!(storage_b.commits(), 0);
}

/// What a peer sends is merged by the import path without a bundle: the
/// same checks, all or nothing.
#[test]
fn remote_documents_merge_with_every_check_and_all_or_nothing() {
    let storage_a = MemoryStorage::default();
    let mut alice = engine(16, &storage_a);
    let doc = create(&mut alice);
    let saved = alice.document(&doc).expect("doc").save();
    let storage_b = MemoryStorage::default();
    let mut bob = engine(17, &storage_b);
    let bad = (DocId::from_bytes([9; 16]), b"not automerge".to_vec());
    assert!(matches!(
        bob.apply_remote(vec![(doc, saved.clone()), bad]),
        Err(Error::Refused { .. })
    ));
    assert!(bob.list().expect("list").is_empty());
    assert_eq!(storage_b.commits(), 0);
    let report = bob.apply_remote(vec![(doc, saved.clone())]).expect("apply");
    assert_eq!(report.documents[0].outcome, ImportOutcome::Added);
    assert_eq!(
        bob.charter(&doc, None).expect("read"),
        alice.charter(&doc, None).expect("read")
    );
    let again = bob.apply_remote(vec![(doc, saved)]).expect("again");
    assert_eq!(again.documents[0].outcome, ImportOutcome::Unchanged);
}

/// A witness (the session's copy after it took the changes in) spares the
/// home applying them again, and brings in nothing the sent bytes do not
/// hold: a witness one edit ahead is not taken, and the home stores what
/// the bytes hold, no more.
#[test]
fn a_witness_spares_work_and_brings_in_nothing() {
    let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
    let mut alice = engine(18, &storage_a);
    let mut bob = engine(19, &storage_b);
    let doc = create(&mut alice);
    bob.apply_remote(vec![(doc, alice.document(&doc).expect("doc").save())])
        .expect("taken");
    let since = bob.heads(&doc).expect("heads");
    let adhesion = section(&mut alice, &doc, 0);
    alice
        .edit(&doc, "a", |c| c.set_body(&adhesion, "Première."))
        .expect("edit");
    let first = alice.document(&doc).expect("doc").clone();
    alice
        .edit(&doc, "b", |c| c.set_body(&adhesion, "Seconde."))
        .expect("edit");
    let sent = first.save_after(&since);

    // One edit ahead of the bytes: not the witness of their application.
    let ahead = alice.document(&doc).expect("doc").clone();
    let report = bob
        .apply_remote_witnessed(vec![(doc, sent.clone())], HashMap::from([(doc, ahead)]))
        .expect("taken");
    assert_eq!(report.documents[0].outcome, ImportOutcome::Merged(1));
    assert_eq!(bob.heads(&doc).expect("heads"), first.get_heads());
    assert_eq!(
        bob.charter(&doc, None).expect("read").sections[0].text,
        "Première."
    );
    let mut reopened = engine(19, &storage_b);
    assert_eq!(reopened.heads(&doc).expect("heads"), first.get_heads());

    // Exactly the bytes' changes: taken, with this home's actor, and the
    // same as applying them.
    let storage_c = MemoryStorage::default();
    let mut carol = engine(20, &storage_c);
    carol
        .apply_remote(vec![(doc, first.save())])
        .expect("taken");
    let actor = carol.document(&doc).expect("doc").get_actor().clone();
    let since = carol.heads(&doc).expect("heads");
    let witness = alice.document(&doc).expect("doc").clone();
    let rest = witness.save_after(&since);
    let report = carol
        .apply_remote_witnessed(vec![(doc, rest)], HashMap::from([(doc, witness)]))
        .expect("taken");
    assert_eq!(report.documents[0].outcome, ImportOutcome::Merged(1));
    assert_eq!(
        carol.charter(&doc, None).expect("read"),
        alice.charter(&doc, None).expect("read")
    );
    assert_eq!(carol.document(&doc).expect("doc").get_actor(), &actor);
    let mut reopened = engine(20, &storage_c);
    assert_eq!(
        reopened.charter(&doc, None).expect("read"),
        alice.charter(&doc, None).expect("read")
    );
}

#[test]
fn documents_are_found_by_id_prefix_or_title() {
    let storage = MemoryStorage::default();
    let mut e = engine(8, &storage);
    let doc = create(&mut e);
    let text = doc.to_string();
    assert_eq!(e.resolve(&text).expect("id"), doc);
    assert_eq!(e.resolve(&text[..6]).expect("prefix"), doc);
    assert_eq!(e.resolve("charte").expect("title"), doc);
    assert!(matches!(e.resolve("nope"), Err(Error::UnknownDocument(_))));
    let other = create(&mut e);
    assert_ne!(other, doc);
    assert!(matches!(
        e.resolve("Charte"),
        Err(Error::AmbiguousDocument { .. })
    ));
}

#[test]
fn a_document_whose_data_is_missing_is_reported_damaged() {
    let storage = MemoryStorage::default();
    let mut e = engine(10, &storage);
    let doc = create(&mut e);
    let keys = storage_keys(&storage, &doc);
    let deletes = keys
        .into_iter()
        .map(|key| WriteOp::Delete {
            table: Table::Chunks,
            key,
        })
        .collect();
    storage.commit(deletes).expect("delete");
    let mut fresh = engine(10, &storage);
    assert!(matches!(
        fresh.charter(&doc, None),
        Err(Error::Damaged { .. })
    ));
    // Garbage where the document should be.
    storage
        .commit(vec![WriteOp::Put {
            table: Table::Chunks,
            key: chunk_key(&doc, "snapshot", "00"),
            value: b"garbage".to_vec(),
        }])
        .expect("put");
    let mut fresh = engine(10, &storage);
    assert!(matches!(
        fresh.charter(&doc, None),
        Err(Error::Damaged { .. })
    ));
    assert!(matches!(
        fresh.charter(&DocId::from_bytes([0; 16]), None),
        Err(Error::UnknownDocument(_))
    ));
}

#[test]
fn a_failed_write_is_never_reported_saved() {
    let storage = MemoryStorage::default();
    let mut e = engine(9, &storage);
    let doc = create(&mut e);
    storage.fail_commits_after(0);
    let section = section(&mut e, &doc, 0);
    let edited = e
        .edit(&doc, "x", |c| c.set_body(&section, "x"))
        .expect("staged");
    assert!(e.wait(edited.ticket).is_err());
    assert!(e.flush().is_err());
}

// Records ----------------------------------------------------------------

use crate::ledger::fixtures::{forged, genesis, tension};

fn community(seed: u8) -> Vec<Record> {
    let key = DeviceKey::from_seed(&[seed; 32]);
    let genesis = genesis(&key, "Coop");
    vec![
        tension(&key, &genesis, "one"),
        tension(&key, &genesis, "two"),
        genesis,
    ]
}

fn ids(records: &[Record]) -> Vec<RecordId> {
    let mut ids: Vec<RecordId> = records.iter().map(Record::id).collect();
    ids.sort();
    ids
}

/// A ledger replica grown change by change keeps what it is: its stored
/// bytes (a whole save, then the changes taken in since) load to the same
/// ledger with the heads kept beside them, across the tail's compaction
/// and a reopening; setting it whole forgets both.
#[test]
fn a_ledger_replica_grown_by_changes_loads_as_the_ledger() {
    let storage = MemoryStorage::default();
    let mut e = engine(23, &storage);
    let key = DeviceKey::from_seed(&[23; 32]);
    let founding = genesis(&key, "Coop");
    let id = founding.id();
    let mut doc = crate::ledger::new_ledger(key.public().actor_for(&crate::ledger::doc_id(&id)));
    crate::ledger::insert(&mut doc, std::slice::from_ref(&founding)).expect("insert");
    e.keep_ledger_replica(&id, &doc).expect("kept");
    let summary = "x".repeat(2_000);
    let loads = |e: &Engine, doc: &Automerge| {
        let bytes = e.ledger_replica(&id).expect("read").expect("kept");
        let loaded = crate::guard::load(
            &bytes,
            &crate::guard::Limits::default(),
            automerge::ActorId::from(&[1u8; 16][..]),
        )
        .expect("loads");
        assert_eq!(loaded.get_heads(), doc.get_heads());
        assert_eq!(e.ledger_replica_heads(&id).expect("heads"), doc.get_heads());
        bytes.len()
    };
    let mut sizes = Vec::new();
    for n in 0..200 {
        let before = doc.get_heads();
        let record = tension(&key, &founding, &format!("{n} {summary}"));
        crate::ledger::insert(&mut doc, std::slice::from_ref(&record)).expect("insert");
        let new: Vec<ChangeHash> = doc.get_changes(&before).iter().map(|c| c.hash()).collect();
        e.extend_ledger_replica(&id, doc.clone(), &new)
            .expect("extended");
        sizes.push(loads(&e, &doc));
    }
    assert!(
        sizes.windows(2).any(|w| w[1] < w[0]),
        "the tail was folded into a whole save at least once: {sizes:?}"
    );
    let mut reopened = engine(23, &storage);
    loads(&reopened, &doc);
    assert_eq!(
        reopened
            .ledger_replica_doc(&id)
            .expect("loads")
            .map(Automerge::get_heads),
        Some(doc.get_heads())
    );
    // Named changes the document does not hold: it is saved whole.
    let before = doc.get_heads();
    let record = tension(&key, &founding, "une de plus");
    crate::ledger::insert(&mut doc, std::slice::from_ref(&record)).expect("insert");
    reopened
        .extend_ledger_replica(&id, doc.clone(), &[ChangeHash([9; 32])])
        .expect("saved whole");
    assert_ne!(doc.get_heads(), before);
    assert_eq!(
        reopened.ledger_replica(&id).expect("read"),
        Some(doc.save()),
        "a whole save and an empty tail"
    );
    loads(&reopened, &doc);
    let mut e = reopened;
    e.set_ledger_replica(&id, doc.save()).expect("set");
    assert!(e.ledger_replica_heads(&id).expect("heads").is_empty());
    assert_eq!(e.ledger_replica(&id).expect("read"), Some(doc.save()));
}

#[test]
fn added_records_are_durable_after_wait_and_listed_by_community() {
    let storage = MemoryStorage::default();
    let mut e = engine(20, &storage);
    let records = community(1);
    let id = records[2].id();
    let added = e.add_records(&records).expect("add");
    assert_eq!(added.value, 3);
    // Staged: listed already, not yet committed.
    assert_eq!(ids(&e.records(&id).expect("records")), ids(&records));
    assert_eq!(e.communities().expect("communities"), vec![id]);
    assert_eq!(storage.commits(), 0);
    assert_eq!(e.add_records(&records).expect("again").value, 0);
    e.wait(added.ticket).expect("durable");
    assert_eq!(storage.commits(), 1);

    let mut fresh = engine(20, &storage);
    assert_eq!(ids(&fresh.records(&id).expect("records")), ids(&records));
    assert_eq!(fresh.communities().expect("communities"), vec![id]);
    let again = fresh.add_records(&records).expect("again");
    assert_eq!(again.value, 0);
    fresh.wait(again.ticket).expect("wait");
    assert_eq!(storage.commits(), 1, "known records write nothing");
    assert!(
        fresh
            .records(&RecordId([9; 32]))
            .expect("records")
            .is_empty()
    );
}

#[test]
fn one_badly_signed_record_refuses_the_whole_call() {
    let storage = MemoryStorage::default();
    let mut e = engine(21, &storage);
    let mut records = community(1);
    let bad = Record::decode(&forged(&records[0])).expect("well-formed");
    records.push(bad.clone());
    match e.add_records(&records) {
        Err(Error::RecordRefused { id, reason }) => {
            assert_eq!(id, bad.id());
            assert_eq!(reason, RecordError::Signature);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    e.flush().expect("flush");
    assert_eq!(storage.commits(), 0);
    assert!(e.communities().expect("communities").is_empty());
}

#[test]
fn bundles_carry_records_and_reimporting_writes_nothing() {
    let (storage_a, storage_b) = (MemoryStorage::default(), MemoryStorage::default());
    let mut alice = engine(22, &storage_a);
    let mut bob = engine(23, &storage_b);
    let doc = create(&mut alice);
    let records = community(1);
    let id = records[2].id();
    alice.add_records(&records).expect("add");
    let bundle = alice
        .export_bundle_with(&[doc, doc], &[id, id])
        .expect("export");
    let report = bob.import_bundle(&bundle).expect("import");
    assert_eq!(report.documents.len(), 1);
    assert_eq!(report[0].outcome, ImportOutcome::Added);
    assert_eq!((report.records, report.new_records), (3, 3));
    assert_eq!(
        storage_b.commits(),
        1,
        "documents and records in one commit"
    );
    assert_eq!(ids(&bob.records(&id).expect("records")), ids(&records));
    assert_eq!(bob.communities().expect("communities"), vec![id]);

    let again = bob.import_bundle(&bundle).expect("again");
    assert_eq!((again.records, again.new_records), (3, 0));
    assert_eq!(storage_b.commits(), 1, "a second import writes nothing");
    // A bundle without communities carries no record.
    let plain = Bundle::decode(&alice.export_bundle(&[doc]).expect("export")).expect("decode");
    assert!(plain.records.is_empty());
}

#[test]
fn a_bundle_with_one_bad_record_imports_nothing() {
    let storage_a = MemoryStorage::default();
    let mut alice = engine(24, &storage_a);
    let doc = create(&mut alice);
    let records = community(1);
    alice.add_records(&records).expect("add");
    let good = alice
        .export_bundle_with(&[doc], &[records[2].id()])
        .expect("export");
    let mut forged_bundle = Bundle::decode(&good).expect("decode");
    let bad = forged(&records[1]);
    forged_bundle.records.push(bad.clone());
    let mut malformed_bundle = Bundle::decode(&good).expect("decode");
    malformed_bundle.records.push(b"not a record".to_vec());

    for (bundle, expected) in [
        (forged_bundle, (RecordId::of(&bad), RecordError::Signature)),
        (
            malformed_bundle,
            (RecordId::of(b"not a record"), RecordError::Magic),
        ),
    ] {
        let storage_b = MemoryStorage::default();
        let mut bob = engine(25, &storage_b);
        let error = bob.import_bundle(&bundle.encode()).expect_err("refused");
        assert!(error.to_string().contains(&expected.0.short()), "{error}");
        assert!(
            matches!(&error, Error::RecordRefused { id, reason } if (*id, reason.clone()) == expected),
            "{error:?}"
        );
        bob.flush().expect("flush");
        assert_eq!(storage_b.commits(), 0);
        assert!(bob.list().expect("list").is_empty());
        assert!(bob.communities().expect("communities").is_empty());
    }
}

#[test]
fn a_damaged_stored_record_is_an_error() {
    let storage = MemoryStorage::default();
    let records = community(1);
    let id = records[2].id();
    let put = |key: String, value: &[u8]| {
        storage
            .commit(vec![WriteOp::Put {
                table: Table::Records,
                key,
                value: value.to_vec(),
            }])
            .expect("put")
    };
    put(
        crate::store::record_key(&id, &records[0].id()),
        records[1].bytes(),
    );
    let e = engine(26, &storage);
    assert!(matches!(
        e.records(&id),
        Err(Error::RecordDamaged { id: damaged, .. }) if damaged == records[0].id()
    ));
    let storage = MemoryStorage::default();
    let garbage = b"garbage".as_slice();
    storage
        .commit(vec![WriteOp::Put {
            table: Table::Records,
            key: crate::store::record_key(&id, &RecordId::of(garbage)),
            value: garbage.to_vec(),
        }])
        .expect("put");
    assert!(matches!(
        engine(26, &storage).records(&id),
        Err(Error::RecordDamaged { .. })
    ));
}

/// Many records are read on two threads: the same records, in the same
/// order, as one by one; and a damaged one among the last read is the
/// error, whichever half it falls in.
#[test]
fn many_records_read_on_two_threads_as_one_by_one() {
    let key = DeviceKey::from_seed(&[27; 32]);
    let genesis = genesis(&key, "Coop");
    let id = genesis.id();
    let mut records = vec![genesis.clone()];
    records.extend((0..300).map(|n| tension(&key, &genesis, &format!("tension {n}"))));
    let storage = MemoryStorage::default();
    let mut e = engine(27, &storage);
    let added = e.add_records(&records).expect("added");
    e.wait(added.ticket).expect("durable");
    let e = engine(27, &storage);
    let read = e.records(&id).expect("read");
    let entries = e.store.record_bytes(&id).expect("bytes");
    assert!(entries.len() >= 2 * crate::record::PARALLEL_MIN);
    let one_by_one: Vec<Record> = super::records::stored_records(&id, &entries)
        .expect("read")
        .into_iter()
        .map(|(_, record)| record)
        .collect();
    assert_eq!(ids(&read), ids(&records));
    assert_eq!(
        read.iter().map(Record::id).collect::<Vec<_>>(),
        one_by_one.iter().map(Record::id).collect::<Vec<_>>()
    );
    // The same store with the last record by key damaged: in the second
    // half (stored records are never overwritten: a store of its own).
    let (last_key, _) = entries.last().expect("entries");
    let last: RecordId = last_key.parse().expect("an id");
    let damaged = MemoryStorage::default();
    let writes = entries
        .iter()
        .map(|(key, bytes)| {
            let at: RecordId = key.parse().expect("an id");
            let value = if at == last {
                b"not this record".to_vec()
            } else {
                bytes.clone()
            };
            WriteOp::Put {
                table: Table::Records,
                key: crate::store::record_key(&id, &at),
                value,
            }
        })
        .collect();
    damaged.commit(writes).expect("put");
    let result = engine(27, &damaged).records(&id);
    assert!(
        matches!(&result, Err(Error::RecordDamaged { id: damaged, .. }) if *damaged == last),
        "{:?} {last:?}",
        result.as_ref().map(Vec::len)
    );
}

/// The ledger replica a sync sends is read back through the guard: damaged
/// bytes in the store are an error naming the ledger, not a panic and not a
/// fresh ledger that would renumber this device's changes.
#[test]
fn a_damaged_ledger_replica_is_refused_not_replaced() {
    let storage = MemoryStorage::default();
    let mut e = engine(31, &storage);
    let community = crate::record::RecordId([4; 32]);
    let fresh = e.local_ledger(&community).expect("a new replica");
    assert_eq!(
        e.ledger_replica(&community).expect("read"),
        Some(fresh.save()),
        "a new replica is kept before anything is sent"
    );
    e.set_ledger_replica(&community, b"not automerge".to_vec())
        .expect("store");
    match e.local_ledger(&community) {
        Err(Error::Damaged { doc, detail }) => {
            assert_eq!(doc, crate::ledger::doc_id(&community));
            assert!(detail.contains("ledger replica"), "{detail}");
        }
        other => panic!("a damaged replica was taken: {:?}", other.map(|_| ())),
    }
    assert_eq!(
        e.ledger_replica(&community).expect("read"),
        Some(b"not automerge".to_vec()),
        "nothing was overwritten"
    );
}

/// A document kept from one engine to the next over the same store is
/// taken back only while nobody else wrote to it: an edit made meanwhile
/// by another engine (another process) is read, never hidden by the kept
/// copy.
#[test]
fn kept_documents_are_taken_back_only_if_the_store_did_not_move() {
    let storage = MemoryStorage::default();
    let mut first = engine(1, &storage);
    let doc = create(&mut first);
    let section = section(&mut first, &doc, 0);
    first
        .edit(&doc, "un", |c| c.set_body(&section, "Un."))
        .expect("edit");
    let kept = first.close_keeping().expect("closed");

    // Nobody wrote since: taken back, and it is the document as it was.
    let mut second = engine(1, &storage);
    assert_eq!(second.adopt(kept).expect("adopt"), 1);
    assert_eq!(
        second.charter(&doc, None).expect("read").sections[0].text,
        "Un."
    );
    second
        .edit(&doc, "deux", |c| c.set_body(&section, "Deux."))
        .expect("edit");
    let kept = second.close_keeping().expect("closed");

    // Another engine edits it before the kept copy comes back.
    let mut other = engine(1, &storage);
    other
        .edit(&doc, "trois", |c| c.set_body(&section, "Trois."))
        .expect("edit");
    other.close().expect("closed");
    let mut third = engine(1, &storage);
    assert_eq!(third.adopt(kept).expect("adopt"), 0, "the store moved");
    assert_eq!(
        third.charter(&doc, None).expect("read").sections[0].text,
        "Trois."
    );
    assert_eq!(third.history(&doc).expect("history").0.len(), 4);
}

/// What a home does between a watch's looks (`kept_documents_…` above).
#[derive(Debug, Clone)]
enum Look {
    /// The watch's engine writes to a document (opened if closed).
    Here(usize, String),
    /// Another process writes to it while the watch's engine is closed.
    Elsewhere(usize, String),
    /// The watch's engine closes, keeping its documents.
    Close,
}

fn look() -> impl proptest::strategy::Strategy<Value = Look> {
    use proptest::prelude::*;
    prop_oneof![
        (0..2usize, words()).prop_map(|(d, t)| Look::Here(d, t)),
        (0..2usize, words()).prop_map(|(d, t)| Look::Elsewhere(d, t)),
        Just(Look::Close),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(64)))]

    /// Taken back by the store's generation: whatever the order of writes
    /// here and elsewhere, a kept document read again is what the store
    /// holds (the text last written, by anyone), and so is a fresh load.
    #[test]
    fn kept_documents_always_read_what_the_store_holds(
        looks in proptest::collection::vec(look(), 1..14)
    ) {
        use proptest::prelude::*;
        let storage = MemoryStorage::default();
        let mut setup = engine(1, &storage);
        let docs = [create(&mut setup), create(&mut setup)];
        let sections = [section(&mut setup, &docs[0], 0), section(&mut setup, &docs[1], 0)];
        let mut texts = [
            setup.charter(&docs[0], None).expect("read").sections[0].text.clone(),
            setup.charter(&docs[1], None).expect("read").sections[0].text.clone(),
        ];
        let mut kept = Some(setup.close_keeping().expect("closed"));
        let mut open: Option<Engine> = None;
        for look in looks {
            match look {
                Look::Here(d, text) => {
                    let watch = open.get_or_insert_with(|| {
                        let mut watch = engine(1, &storage);
                        watch.adopt(kept.take().expect("kept")).expect("adopt");
                        watch
                    });
                    // What it holds before writing is the store's.
                    for (d, doc) in docs.iter().enumerate() {
                        prop_assert_eq!(
                            &watch.charter(doc, None).expect("read").sections[0].text,
                            &texts[d]
                        );
                    }
                    watch
                        .edit(&docs[d], "ici", |c| c.set_body(&sections[d], &text))
                        .expect("edit");
                    texts[d] = watch.charter(&docs[d], None).expect("read").sections[0].text.clone();
                }
                Look::Elsewhere(d, text) => {
                    if let Some(watch) = open.take() {
                        kept = Some(watch.close_keeping().expect("closed"));
                    }
                    let mut other = engine(1, &storage);
                    other
                        .edit(&docs[d], "ailleurs", |c| c.set_body(&sections[d], &text))
                        .expect("edit");
                    texts[d] = other.charter(&docs[d], None).expect("read").sections[0].text.clone();
                    other.close().expect("closed");
                }
                Look::Close => {
                    if let Some(watch) = open.take() {
                        kept = Some(watch.close_keeping().expect("closed"));
                    }
                }
            }
        }
        let mut last = match open.take() {
            Some(watch) => watch,
            None => {
                let mut watch = engine(1, &storage);
                watch.adopt(kept.take().expect("kept")).expect("adopt");
                watch
            }
        };
        let mut fresh = {
            last.flush().expect("flush");
            engine(1, &storage)
        };
        for (d, doc) in docs.iter().enumerate() {
            prop_assert_eq!(&last.charter(doc, None).expect("read").sections[0].text, &texts[d]);
            prop_assert_eq!(&fresh.charter(doc, None).expect("read").sections[0].text, &texts[d]);
            prop_assert_eq!(last.heads(doc).expect("heads"), fresh.heads(doc).expect("heads"));
        }
    }
}

/// Found by the long fuzz run (`docs/security.md`, F1): a document that
/// Automerge holds but whose own save does not load again. Compacting it
/// must not replace its stored changes with that save.
#[test]
fn a_snapshot_that_would_not_load_again_replaces_nothing() {
    let hex = include_str!("../../../tests/fixtures/saves_but_does_not_load.hex").trim();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let bundle = crate::bundle::Bundle::decode(&bytes).expect("a bundle");
    let (id, stored) = bundle.documents[0].clone();
    let storage = MemoryStorage::default();
    let meta = DocMeta {
        kind: "charter".into(),
        title: "F1".into(),
        created_ms: 0,
        updated_ms: 0,
        changes: 1,
    };
    let chunk = chunk_key(&id, "incremental", "f1");
    storage
        .commit(vec![
            WriteOp::Put {
                table: Table::Chunks,
                key: chunk.clone(),
                value: stored,
            },
            WriteOp::Put {
                table: Table::Docs,
                key: id.to_string(),
                value: serde_json::to_vec(&meta).expect("json"),
            },
        ])
        .expect("put");
    let mut e = engine(3, &storage);
    let store = e.store();
    let loaded = e.loaded(&id).expect("Automerge holds it");
    // As a document holding merged changes is.
    loaded.foreign = true;
    assert!(!compact(&store, &id, loaded), "not compacted");
    e.flush().expect("flush");
    assert_eq!(storage_keys(&storage, &id), vec![chunk]);
}

/// Changes merged into a document this home holds are each the next of
/// their actor: after a merge that read (and kept) the numbers, a second
/// change numbered like one the home holds (the same device writing from
/// a restored copy) is refused, and the home is unchanged.
#[test]
fn a_second_change_for_a_number_the_home_holds_is_refused_at_merge() {
    let (home_storage, twin_storage) = (MemoryStorage::default(), MemoryStorage::default());
    let mut home = engine(5, &home_storage);
    let doc = create(&mut home);
    let s = section(&mut home, &doc, 0);
    let bundle = home.export_bundle(&[doc]).expect("export");
    // The same device, restored elsewhere from the bundle.
    let mut twin = engine(5, &twin_storage);
    twin.import_bundle(&bundle).expect("import");
    // A first merge reads (and keeps) the numbers.
    home.edit(&doc, "one", |c| c.set_body(&s, "Un."))
        .expect("edit");
    let one = home.export_bundle(&[doc]).expect("export");
    twin.import_bundle(&one).expect("the next number merges");
    // Both write their own next change: the same number twice.
    home.edit(&doc, "two", |c| c.set_body(&s, "Deux."))
        .expect("edit");
    twin.edit(&doc, "deux", |c| c.set_body(&s, "Zwei."))
        .expect("edit");
    let before = twin.heads(&doc).expect("heads");
    let second = home.export_bundle(&[doc]).expect("export");
    assert!(
        twin.import_bundle(&second).is_err(),
        "a second change numbered 2"
    );
    assert_eq!(
        twin.heads(&doc).expect("heads"),
        before,
        "the home unchanged"
    );
    assert_eq!(
        twin.charter(&doc, None).expect("read").sections[0].text,
        "Zwei."
    );
}

/// What a home following others' typing does between keystrokes.
#[derive(Debug, Clone)]
enum Follow {
    /// Alice (0) or Carol (1) types (section, place as a share of its
    /// length, characters deleted, text inserted) and saves.
    Type(usize, usize, u8, usize, String),
    /// Bob takes in what Alice (0) or Carol (1) has that he lacks, as a
    /// sync hands it over.
    Deliver(usize),
    /// Bob reads the charter.
    Read,
    /// Bob looks for the conflicts his changes since the last look made.
    Conflicts,
    /// Bob's engine closes, keeping its documents, and opens again.
    Reopen,
}

fn follow() -> impl proptest::strategy::Strategy<Value = Follow> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (0..2usize, 0..2usize, any::<u8>(), 0..3usize, words())
            .prop_map(|(who, s, at, delete, text)| Follow::Type(who, s, at, delete, text)),
        3 => (0..2usize).prop_map(Follow::Deliver),
        1 => Just(Follow::Read),
        1 => Just(Follow::Conflicts),
        1 => Just(Follow::Reopen),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(64)))]

    /// Keystrokes from elsewhere are kept unapplied (as the relay keeps
    /// them) and applied in one batch when something reads the document:
    /// whatever two typists do and whatever the order of delivery, reads,
    /// conflict looks and reopening, Bob reads what Automerge makes of the
    /// same bytes, his look for conflicts tells the same line from the
    /// kept changes as from the document (debug builds check), and his
    /// store loads into the same document.
    #[test]
    fn keystrokes_kept_unapplied_read_as_if_applied(
        steps in proptest::collection::vec(follow(), 1..40)
    ) {
        use proptest::prelude::*;
        let storage_b = MemoryStorage::default();
        let mut typists = [
            engine(30, &MemoryStorage::default()),
            engine(32, &MemoryStorage::default()),
        ];
        let doc = create(&mut typists[0]);
        let whole = typists[0].document(&doc).expect("doc").save();
        typists[1].apply_remote(vec![(doc, whole.clone())]).expect("taken");
        let sections = [section(&mut typists[0], &doc, 0), section(&mut typists[0], &doc, 1)];
        let mut bob = engine(31, &storage_b);
        bob.apply_remote(vec![(doc, whole.clone())]).expect("taken");
        let mut reference = Automerge::load(&whole).expect("loads");
        let mut before = bob.heads(&doc).expect("heads");
        let mut kept_at_most = 0;
        for step in &steps {
            match step {
                Follow::Type(who, s, at, delete, text) => {
                    let typist = &mut typists[*who];
                    let len = typist.charter(&doc, None).expect("read").sections[*s]
                        .text
                        .chars()
                        .count();
                    let at = len * usize::from(*at) / 256;
                    let delete = (*delete).min(len - at);
                    typist.type_text(&doc, &sections[*s], at, delete, text).expect("typed");
                    typist.flush().expect("flush");
                }
                Follow::Deliver(who) => {
                    let since = bob.heads(&doc).expect("heads");
                    let bytes = typists[*who].document(&doc).expect("doc").save_after(&since);
                    if !bytes.is_empty() {
                        bob.apply_remote(vec![(doc, bytes.clone())]).expect("taken");
                        reference.load_incremental(&bytes).expect("loads");
                        let kept = bob.docs.get(&doc).map_or(0, |l| l.remote.len());
                        kept_at_most = kept_at_most.max(kept);
                    }
                }
                Follow::Read => {
                    prop_assert_eq!(
                        bob.charter(&doc, None).expect("read"),
                        charter::read(&reference, None).expect("read")
                    );
                }
                Follow::Conflicts => {
                    bob.new_conflicts(&doc, &before).expect("conflicts");
                    before = bob.heads(&doc).expect("heads");
                }
                Follow::Reopen => {
                    let kept = bob.close_keeping().expect("closed");
                    bob = engine(31, &storage_b);
                    bob.adopt(kept).expect("adopt");
                }
            }
            let mut heads = reference.get_heads();
            heads.sort();
            let mut bobs = bob.heads(&doc).expect("heads");
            bobs.sort();
            prop_assert_eq!(bobs, heads);
        }
        bob.flush().expect("flush");
        let mut fresh = engine(31, &storage_b);
        let expected = charter::read(&reference, None).expect("read");
        prop_assert_eq!(fresh.charter(&doc, None).expect("read"), expected.clone());
        prop_assert_eq!(bob.charter(&doc, None).expect("read"), expected);
        // Alice's keystrokes, delivered, are kept (a typist's first change
        // is not: the typing check vouches for the next change of an actor
        // it knows; Carol's, concurrent, may take the merge path).
        let first_typed = steps.iter().position(|s| matches!(s, Follow::Type(0, ..)));
        let delivered = first_typed.is_some_and(|first| {
            steps[first..].iter().any(|s| matches!(s, Follow::Deliver(0)))
        });
        let carol = steps.iter().any(|s| matches!(s, Follow::Type(1, ..)));
        if delivered && !carol {
            prop_assert!(kept_at_most > 0, "keystrokes were never kept unapplied");
        }
    }
}

/// Should keystrokes kept unapplied ever fail to apply (the typing check
/// vouches they will), the read says the document is damaged, the copy in
/// memory is dropped, and the next read loads what the store holds.
#[test]
fn kept_keystrokes_that_do_not_apply_are_an_error_not_a_wrong_read() {
    let storage = MemoryStorage::default();
    let mut home = engine(33, &storage);
    let doc = create(&mut home);
    let expected = home.charter(&doc, None).expect("read");
    // A change whose dependency the home never had: Automerge only
    // queues it, the heads do not move as promised.
    let mut elsewhere = Automerge::new();
    elsewhere
        .transact(|tx| tx.put(automerge::ROOT, "a", 1))
        .expect("edit");
    elsewhere
        .transact(|tx| tx.put(automerge::ROOT, "b", 2))
        .expect("edit");
    let orphan = elsewhere.get_last_local_change().expect("change").clone();
    let loaded = home.docs.get_mut(&doc).expect("loaded");
    loaded.remote_heads = vec![orphan.hash()];
    loaded.remote = vec![orphan];
    assert!(matches!(
        home.charter(&doc, None),
        Err(Error::Damaged { .. })
    ));
    assert_eq!(home.charter(&doc, None).expect("read again"), expected);
}

/// A home that only receives (a watch, closing and reopening between
/// looks) compacts what it took in once it is due: its store does not keep
/// every keystroke received as a chunk of its own, and reads the same.
#[test]
fn a_home_that_only_receives_compacts_at_close() {
    let mut alice = engine(34, &MemoryStorage::default());
    let doc = create(&mut alice);
    let adhesion = section(&mut alice, &doc, 0);
    let storage = MemoryStorage::default();
    let mut bob = engine(35, &storage);
    bob.apply_remote(vec![(doc, alice.document(&doc).expect("doc").save())])
        .expect("taken");
    for n in 0..40 {
        alice.type_text(&doc, &adhesion, n, 0, "x").expect("typed");
        alice.flush().expect("flush");
        let since = bob.heads(&doc).expect("heads");
        let bytes = alice.document(&doc).expect("doc").save_after(&since);
        bob.apply_remote(vec![(doc, bytes)]).expect("taken");
        let kept = bob.close_keeping().expect("closed");
        bob = engine(35, &storage);
        bob.adopt(kept).expect("adopt");
    }
    let chunks = storage_keys(&storage, &doc).len();
    assert!(chunks < 20, "{chunks} chunks for 41 changes");
    assert_eq!(
        engine(35, &storage).charter(&doc, None).expect("read"),
        alice.charter(&doc, None).expect("read")
    );
}

#[test]
fn archive_marks_are_durable_local_and_leave_the_document_whole() {
    let storage = MemoryStorage::default();
    let mut e = engine(1, &storage);
    let doc = create(&mut e);
    let title = e.charter(&doc, None).expect("read").title;
    let ticket = e.set_archived(&doc, true).expect("archive");
    e.wait(ticket).expect("durable");
    assert_eq!(e.archived().expect("archived"), BTreeSet::from([doc]));
    // Another engine on the same store sees the mark; the document is
    // still listed, read and resolved by id.
    let mut again = engine(1, &storage);
    assert!(again.archived().expect("archived").contains(&doc));
    assert_eq!(again.list().expect("list").len(), 1);
    assert_eq!(again.charter(&doc, None).expect("read").title, title);
    assert_eq!(again.resolve(&doc.to_string()).expect("resolve"), doc);
    let ticket = again.set_archived(&doc, false).expect("restore");
    again.wait(ticket).expect("durable");
    assert!(again.archived().expect("archived").is_empty());
    // An unknown document is an error, and nothing is marked.
    let unknown = DocId::from_bytes([42; 16]);
    assert!(matches!(
        again.set_archived(&unknown, true),
        Err(Error::UnknownDocument(_))
    ));
    again.flush().expect("flush");
    assert!(again.archived().expect("archived").is_empty());
}
