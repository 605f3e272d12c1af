//! A bundle's records and documents are checked against each other (issue
//! 11, findings 6 and 9): records of a community that does not exist are
//! refused and never break a home; a document entry must be the document its
//! id names; `nous verify` fails a bundle whose charter is missing or
//! swapped, and reports equivocation with the device, the document, the
//! number and both changes.

use std::path::PathBuf;
use std::sync::OnceLock;

use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, ChangeHash, ROOT};
use nous_core::governance::{ResolveOptions, resolve};
use nous_core::record::{Attest, Heads, Payload, Record, RecordId, Tension, TensionPath, Unsigned};
use nous_core::{Bundle, DeviceKey, DocId};
use proptest::prelude::*;
use serde_json::Value;

use crate::support::{COOP, Home, path_str};

/// The date every home pretends it is.
const NOW: &str = "2026-03-01";

/// One record of a community that does not exist, signed by a fresh key:
/// the whole of finding 6's bundle.
fn stray_record() -> Vec<u8> {
    let nowhere = RecordId([9; 32]);
    Record::sign(
        &DeviceKey::from_seed(&[66; 32]),
        Unsigned {
            community: nowhere,
            timestamp: 1_772_323_200_000,
            parents: vec![nowhere],
            payload: Payload::Tension(Tension {
                path: TensionPath::Request,
                summary: "hello".into(),
                section: None,
            }),
        },
    )
    .expect("sign")
    .bytes()
    .to_vec()
}

/// A founder's home whose device key the test knows (to sign records by
/// hand), with a charter and the community "Coop" founded on it.
struct Coop {
    home: Home,
    key: DeviceKey,
    charter: String,
}

impl Coop {
    fn new() -> Self {
        let home = Home::empty();
        let seed = [21; 32];
        nous_api::Home::init_with_seed(&home.path(), &seed).expect("init");
        let charter = home.charter(COOP);
        home.run_at(
            NOW,
            &[
                "community",
                "create",
                "Coop",
                "--charter",
                &charter,
                "--name-as",
                "Alice",
                "--as-college",
                "members",
            ],
        )
        .ok();
        Coop {
            home,
            key: DeviceKey::from_seed(&seed),
            charter,
        }
    }

    /// Challenge « Départ » and propose an amendment (a draft forked from
    /// the charter); with `text`, write it into the draft. The draft's id.
    fn draft(&self, text: Option<&str>) -> String {
        let challenge = self.json(&[
            "challenge",
            "depart",
            "--tension",
            "On ne sait pas comment partir",
            "--example",
            "Karim est parti sans prévenir.",
        ])["record"]
            .as_str()
            .expect("challenge")
            .to_owned();
        let amendment = self.json(&[
            "amendment",
            "propose",
            &challenge,
            "--title",
            "Départ annoncé",
            "--rationale",
            "Prévenir.",
        ])["record"]
            .as_str()
            .expect("amendment")
            .to_owned();
        if let Some(text) = text {
            self.json(&["amendment", "edit", &amendment, "depart", "--text", text]);
        }
        let state = self.json(&["community", "show"]);
        state["amendments"][&amendment]["draft"]
            .as_str()
            .expect("draft")
            .to_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.home.run_at(NOW, &all).json()
    }

    /// `nous bundle export --community Coop`, decoded.
    fn export(&self) -> Bundle {
        let file = self.home.file("coop.nous");
        self.home
            .run_at(
                NOW,
                &[
                    "bundle",
                    "export",
                    "--community",
                    "Coop",
                    "-o",
                    path_str(&file),
                ],
            )
            .ok();
        Bundle::decode(&std::fs::read(&file).expect("read")).expect("decode")
    }
}

fn doc_id(text: &str) -> DocId {
    text.parse().expect("doc id")
}

fn payload(bundle: &Bundle, id: &DocId) -> Vec<u8> {
    bundle
        .documents
        .iter()
        .find(|(d, _)| d == id)
        .map(|(_, p)| p.clone())
        .expect("in the bundle")
}

fn replace(bundle: &mut Bundle, id: &DocId, bytes: Vec<u8>) {
    for (d, p) in &mut bundle.documents {
        if d == id {
            *p = bytes.clone();
        }
    }
}

/// Write `bundle` next to `home`.
fn file(home: &Home, name: &str, bytes: &[u8]) -> PathBuf {
    let path = home.file(name);
    std::fs::write(&path, bytes).expect("write bundle");
    path
}

/// `nous --json verify`: the report and its hash (whatever the verdict).
fn verify(home: &Home, bytes: &[u8]) -> (Value, String) {
    let path = file(home, "to-verify.nous", bytes);
    let out = home
        .run(&["--json", "verify", path_str(&path)])
        .stdout_json();
    (
        out["report"].clone(),
        out["report_hash"].as_str().expect("hash").to_owned(),
    )
}

fn problems(report: &Value) -> Vec<(String, String, String)> {
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            let text = |k: &str| p[k].as_str().expect("text").to_owned();
            (text("what"), text("id"), text("reason"))
        })
        .collect()
}

/// The unrelated commands finding 6 broke all still work in `home`, which
/// has the charter `doc`.
#[track_caller]
fn home_still_works(home: &Home, doc: &str) {
    home.run(&["community", "list"]).ok();
    let notes = home.file("notes.md");
    std::fs::write(&notes, "# Notes\n\n## Idées\n\nRien.\n").expect("write");
    home.run(&["charter", "new", "--from", path_str(&notes)])
        .ok();
    home.run(&[
        "charter",
        "edit",
        doc,
        "depart",
        "--text",
        "On part quand on veut, en le disant.",
    ])
    .ok();
    let out = home.file("everything.nous");
    home.run(&["bundle", "export", "-o", path_str(&out)]).ok();
    home.run(&["bundle", "export", doc, "-o", path_str(&out)])
        .ok();
}

// ---------------------------------------------------------------------------
// Finding 6

/// The 300-byte bundle: one self-signed record of a community that does
/// not exist is refused with one line, nothing is stored, and the home
/// keeps working.
#[test]
fn a_record_of_a_community_that_does_not_exist_is_refused() {
    let bytes = Bundle {
        documents: vec![],
        records: vec![stray_record()],
    }
    .encode();
    assert!(bytes.len() < 400, "{} bytes", bytes.len());
    let home = Home::new();
    let doc = home.charter(COOP);
    let path = file(&home, "stray.nous", &bytes);
    let line = home
        .run(&["bundle", "import", path_str(&path)])
        .fails_with("whose genesis record is neither in this home nor in the bundle")
        .to_owned();
    assert!(line.contains("nothing was imported"), "{line}");
    assert_eq!(
        home.run(&["--json", "community", "list"]).json(),
        serde_json::json!([])
    );
    home_still_works(&home, &doc);

    // Beside an honest community's bundle, the stray record refuses it all.
    let coop = Coop::new();
    let mut honest = coop.export();
    honest.records.push(stray_record());
    let path = file(&home, "mixed.nous", &honest.encode());
    home.run(&["bundle", "import", path_str(&path)])
        .fails_with("whose genesis record is neither in this home nor in the bundle");
    assert_eq!(
        home.run(&["--json", "community", "list"]).json(),
        serde_json::json!([])
    );
    assert!(
        !home.run(&["charter", "list"]).ok().contains(&coop.charter),
        "no document was imported"
    );
}

/// A genesis record that does not hold (here: signed by someone who is not
/// among its founders) would found a community that never resolves: it is
/// refused like a record without its genesis.
#[test]
fn a_genesis_record_that_does_not_hold_is_refused() {
    let coop = Coop::new();
    let honest = coop.export();
    let genesis = honest
        .records
        .iter()
        .map(|b| Record::decode(b).expect("decode"))
        .find(|r| r.kind() == nous_core::record::Kind::Genesis)
        .expect("genesis");
    let Payload::Genesis(mut founding) = genesis.payload().clone() else {
        unreachable!("a genesis record")
    };
    founding.name = "Usurpée".into();
    let forged = Record::sign(
        &DeviceKey::from_seed(&[67; 32]),
        Unsigned {
            community: RecordId::ZERO,
            timestamp: genesis.timestamp(),
            parents: vec![],
            payload: Payload::Genesis(founding),
        },
    )
    .expect("sign");
    let home = Home::new();
    let doc = home.charter(COOP);
    let bytes = Bundle {
        documents: vec![],
        records: vec![forged.bytes().to_vec()],
    }
    .encode();
    let path = file(&home, "forged.nous", &bytes);
    home.run(&["bundle", "import", path_str(&path)])
        .fails_with("is not signed by a founder");
    assert_eq!(
        home.run(&["--json", "community", "list"]).json(),
        serde_json::json!([])
    );
    home_still_works(&home, &doc);
}

/// A home that an older version let the stray record into: the community
/// it names is listed as unusable with the reason, and nothing else fails —
/// not even founding a community, exporting it, or a command that picks the
/// only community.
#[test]
fn a_home_holding_records_without_their_genesis_keeps_working() {
    let home = Home::new();
    let doc = home.charter(COOP);
    {
        let counter = std::sync::atomic::AtomicU8::new(0);
        let env = nous_api::Env::fixed(1_772_323_200_000).with_entropy(move |buf: &mut [u8]| {
            buf.fill(counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        });
        let mut engine = nous_api::Home::open(&home.path(), env).expect("open");
        let stray = Record::decode(&stray_record()).expect("decode");
        let staged = engine.add_records(&[stray]).expect("add");
        engine.wait(staged.ticket).expect("saved");
        engine.close().expect("close");
    }
    let list = home.run(&["--json", "community", "list"]).json();
    let nowhere = RecordId([9; 32]).to_string();
    assert_eq!(list[0]["id"], nowhere.as_str());
    assert!(
        list[0]["unusable"]
            .as_str()
            .expect("a reason")
            .contains("genesis record"),
        "{list}"
    );
    let text = home.run(&["community", "list"]).ok().to_owned();
    assert!(text.contains("(unusable: "), "{text}");
    home_still_works(&home, &doc);

    // A real community beside it: commands that pick the only community
    // pick it, its bundle exports and verifies.
    home.run_at(
        NOW,
        &[
            "community",
            "create",
            "Coop",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
            "--as-college",
            "members",
        ],
    )
    .ok();
    home.run_at(NOW, &["community", "show"]).ok();
    home_still_works(&home, &doc);
    let out = home.file("coop.nous");
    home.run(&[
        "bundle",
        "export",
        "--community",
        "Coop",
        "-o",
        path_str(&out),
    ])
    .ok();
    home.run(&["verify", path_str(&out)]).ok();
    // Named, the broken community is refused with its reason.
    home.run(&[
        "bundle",
        "export",
        "--community",
        &nowhere,
        "-o",
        path_str(&out),
    ])
    .fails_with("genesis record");
}

// ---------------------------------------------------------------------------
// Finding 9

/// A community bundle without its charter (a draft still carries the
/// charter's history) does not verify, and the report says why.
#[test]
fn verify_fails_a_community_bundle_without_its_charter() {
    let coop = Coop::new();
    coop.draft(None);
    let mut bundle = coop.export();
    let (honest, _) = verify(&coop.home, &bundle.encode());
    assert_eq!(honest["ok"], true, "{:#}", honest["problems"]);
    let charter = doc_id(&coop.charter);
    bundle.documents.retain(|(id, _)| *id != charter);
    assert_eq!(bundle.documents.len(), 1, "the draft stays");
    let (report, _) = verify(&coop.home, &bundle.encode());
    assert_eq!(report["ok"], false);
    assert!(
        problems(&report)
            .iter()
            .any(|(what, id, reason)| what == "document"
                && *id == coop.charter
                && reason.contains("is not in the bundle")),
        "{:#}",
        report["problems"]
    );
    let path = file(&coop.home, "no-charter.nous", &bundle.encode());
    coop.home
        .run(&["verify", path_str(&path)])
        .fails_with("verification failed");
}

/// The charter's payload swapped with its draft's, or with another
/// document's: `nous verify` fails it, and import refuses it into a fresh
/// home and into one that has the real charter (which stays as it was).
#[test]
fn a_charter_swapped_with_another_document_fails_verify_and_import() {
    let coop = Coop::new();
    let draft = doc_id(&coop.draft(Some("On part en prévenant un mois avant.")));
    let charter = doc_id(&coop.charter);
    let notes = coop.home.charter("# Notes\n\n## Idées\n\nRien.\n");
    let honest = coop.export();
    let (report, _) = verify(&coop.home, &honest.encode());
    assert_eq!(report["ok"], true, "{:#}", report["problems"]);

    // Bob has the community and its charter, honestly.
    let bob = Home::new();
    let path = file(&bob, "honest.nous", &honest.encode());
    bob.run(&["bundle", "import", path_str(&path)]).ok();
    let before = bob
        .run(&["--json", "charter", "show", &coop.charter, "--latest"])
        .json();

    let mut with_notes = honest.clone();
    let notes_file = coop.home.file("notes.nous");
    coop.home
        .run(&["bundle", "export", &notes, "-o", path_str(&notes_file)])
        .ok();
    let notes_bundle = Bundle::decode(&std::fs::read(&notes_file).expect("read")).expect("decode");
    replace(
        &mut with_notes,
        &charter,
        payload(&notes_bundle, &doc_id(&notes)),
    );
    let mut with_draft = honest.clone();
    replace(&mut with_draft, &charter, payload(&honest, &draft));

    for (swapped, written_in) in [(with_draft, draft), (with_notes, doc_id(&notes))] {
        let bytes = swapped.encode();
        let (report, _) = verify(&coop.home, &bytes);
        assert_eq!(report["ok"], false);
        assert!(
            problems(&report)
                .iter()
                .any(|(what, id, reason)| what == "document"
                    && *id == coop.charter
                    && reason.contains(&format!("was written in document {written_in}"))),
            "{:#}",
            report["problems"]
        );

        let fresh = Home::new();
        let path = file(&fresh, "swapped.nous", &bytes);
        let line = fresh
            .run(&["bundle", "import", path_str(&path)])
            .fails_with(&format!("document {charter} in the bundle was refused"))
            .to_owned();
        assert!(
            line.contains(&format!("written in document {written_in}")),
            "{line}"
        );
        assert_eq!(
            fresh.run(&["--json", "charter", "list"]).json(),
            serde_json::json!([])
        );
        assert_eq!(
            fresh.run(&["--json", "community", "list"]).json(),
            serde_json::json!([])
        );

        let path = file(&bob, "swapped.nous", &bytes);
        bob.run(&["bundle", "import", path_str(&path)])
            .fails_with("refused");
        assert_eq!(
            bob.run(&["--json", "charter", "show", &coop.charter, "--latest"])
                .json(),
            before
        );
    }
}

/// Two different changes numbered alike under the founder's actor in the
/// charter, one in the charter's payload and one in another entry: `nous
/// verify` reports the equivocation with the device, the document, the
/// number and both hashes; evidence against the device once it signed
/// both.
#[test]
fn verify_reports_equivocation_naming_the_device() {
    let coop = Coop::new();
    let honest = coop.export();
    let charter = doc_id(&coop.charter);
    let device = coop.key.public();
    let saved = payload(&honest, &charter);
    let fork = |value: i64| -> (Vec<u8>, ChangeHash, u64) {
        let mut doc = AutoCommit::load(&saved).expect("load");
        doc.set_actor(device.actor_for(&charter));
        doc.put(ROOT, "fork", value).expect("put");
        let hash = doc.commit().expect("a change");
        let seq = doc.get_change_meta_by_hash(&hash).expect("the change").seq;
        (doc.save(), hash, seq)
    };
    let (first, h1, seq) = fork(1);
    let (second, h2, seq2) = fork(2);
    assert_eq!(seq, seq2);
    assert_ne!(h1, h2);
    let mut bundle = honest.clone();
    replace(&mut bundle, &charter, first);
    let elsewhere = DocId::from_bytes([7; 16]);
    bundle.documents.push((elsewhere, second));

    let check = |bundle: &Bundle, signed: bool| {
        let (report, _) = verify(&coop.home, &bundle.encode());
        assert_eq!(report["ok"], false);
        let equivocations = report["equivocations"].as_array().expect("equivocations");
        assert_eq!(equivocations.len(), 1, "{report:#}");
        let found = &equivocations[0];
        assert_eq!(found["device"], device.to_string().as_str());
        assert_eq!(found["document"], coop.charter.as_str());
        assert_eq!(found["seq"], seq);
        let mut hashes = vec![hex::encode(h1.0), hex::encode(h2.0)];
        hashes.sort();
        assert_eq!(found["changes"], serde_json::json!(hashes));
        assert_eq!(found["signed"], signed);
        let problem = problems(&report)
            .into_iter()
            .find(|(what, _, _)| what == "equivocation")
            .expect("an equivocation problem");
        assert_eq!(problem.1, device.to_string());
        for needle in [
            format!("numbered {seq} in document {}", coop.charter),
            format!("device {}", device.short()),
            hashes[0].clone(),
            hashes[1].clone(),
        ] {
            assert!(problem.2.contains(&needle), "{needle}: {}", problem.2);
        }
        let verdict = if signed {
            "signed them all: evidence against it"
        } else {
            "so not evidence against it"
        };
        assert!(problem.2.contains(verdict), "{}", problem.2);
    };
    check(&bundle, false);

    // The device signs both: evidence against it.
    let records: Vec<Record> = bundle
        .records
        .iter()
        .map(|b| Record::decode(b).expect("decode"))
        .collect();
    let community = records
        .iter()
        .find(|r| r.kind() == nous_core::record::Kind::Genesis)
        .expect("genesis")
        .id();
    let state = resolve(community, &records, ResolveOptions::default()).expect("resolve");
    let attest = Record::sign(
        &coop.key,
        Unsigned {
            community,
            timestamp: records.iter().map(Record::timestamp).max().unwrap_or(0),
            parents: state.heads.clone(),
            payload: Payload::Attest(Attest {
                doc: charter,
                changes: Heads::new(vec![h1, h2]),
            }),
        },
    )
    .expect("sign");
    bundle.records.push(attest.bytes().to_vec());
    check(&bundle, true);
}

// ---------------------------------------------------------------------------
// The order of a bundle's entries never matters

/// The bundles the property shuffles: a community bundle with a draft the
/// founder wrote in (whose records include the genesis, which may land
/// anywhere), the same with a stray record, and the same with the charter
/// swapped with the draft.
struct Cases {
    honest: Bundle,
    stray: Bundle,
    swapped: Bundle,
}

fn cases() -> &'static std::sync::Mutex<Cases> {
    static CASES: OnceLock<std::sync::Mutex<Cases>> = OnceLock::new();
    CASES.get_or_init(|| {
        let coop = Coop::new();
        let draft = doc_id(&coop.draft(Some("On part en prévenant.")));
        let honest = coop.export();
        let mut stray = honest.clone();
        stray.records.push(stray_record());
        let mut swapped = honest.clone();
        replace(
            &mut swapped,
            &doc_id(&coop.charter),
            payload(&honest, &draft),
        );
        std::sync::Mutex::new(Cases {
            honest,
            stray,
            swapped,
        })
    })
}

/// Import into a fresh home: `Ok(documents added)` or `Err(the reason)`
/// (the error line after the file's name, which differs from home to home).
fn import_outcome(bytes: &[u8]) -> Result<usize, String> {
    let home = Home::new();
    let path = file(&home, "shuffled.nous", bytes);
    let run = home.run(&["--json", "bundle", "import", path_str(&path)]);
    if run.code == 0 {
        return Ok(run.json()["imported"].as_array().expect("imported").len());
    }
    let line = run.stderr.trim_end();
    Err(line
        .split_once("shuffled.nous: ")
        .map_or(line, |(_, reason)| reason)
        .to_owned())
}

fn shuffled(bundle: &Bundle, documents: &[usize], records: &[usize]) -> Bundle {
    let pick = |order: &[usize], n: usize| -> Vec<usize> {
        let mut keyed: Vec<(usize, usize)> = (0..n)
            .map(|i| (order.get(i).copied().unwrap_or(i), i))
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, i)| i).collect()
    };
    Bundle {
        documents: pick(documents, bundle.documents.len())
            .into_iter()
            .map(|i| bundle.documents[i].clone())
            .collect(),
        records: pick(records, bundle.records.len())
            .into_iter()
            .map(|i| bundle.records[i].clone())
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Whatever the order of its entries, a bundle imports the same way (the
    /// honest one, its genesis anywhere among the records; the refused ones,
    /// with the same one-line error) and verifies to the same report hash.
    #[test]
    fn the_order_of_a_bundles_entries_never_changes_the_outcome(
        documents in prop::collection::vec(0..1000usize, 4),
        records in prop::collection::vec(0..1000usize, 16),
    ) {
        let cases = cases().lock().expect("cases");
        // `nous verify` reads the file only: no home needed.
        let verifier = Home::empty();
        for (name, bundle) in [
            ("honest", &cases.honest),
            ("stray", &cases.stray),
            ("swapped", &cases.swapped),
        ] {
            let reordered = shuffled(bundle, &documents, &records);
            let outcome = import_outcome(&reordered.encode());
            match name {
                "honest" => prop_assert_eq!(&outcome, &Ok(bundle.documents.len())),
                _ => prop_assert_eq!(&outcome, &import_outcome(&bundle.encode())),
            }
            match (name, &outcome) {
                ("stray", Err(line)) => prop_assert!(line.contains("genesis record"), "{}", line),
                ("swapped", Err(line)) => prop_assert!(line.contains("was refused"), "{}", line),
                ("honest", Ok(_)) => {}
                _ => prop_assert!(false, "{} bundle: {:?}", name, outcome),
            }
            let (report, hash) = verify(&verifier, &reordered.encode());
            let (_, canonical) = verify(&verifier, &bundle.encode());
            prop_assert_eq!(&hash, &canonical);
            prop_assert_eq!(report["ok"] == true, name == "honest");
        }
    }
}
