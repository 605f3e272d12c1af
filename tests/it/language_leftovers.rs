//! The last English inside French lines: the facade's invalid-input errors,
//! the messages Nous writes in the changes it makes (as `nous history`
//! shows them), record kinds, and communities that cannot be resolved. Each
//! said in French, with no English left, and `--json` the same in both
//! languages.

use nous_core::DeviceKey;
use nous_core::record::{Payload, Record, RecordId, Tension, TensionPath, Unsigned};

use crate::support::{Home, Run, path_str};

const SAMPLE: &str = include_str!("../../cli/assets/sample-charter.md");
const NOW: &str = "2026-03-01";

fn run_in(home: &Home, lang: &str, args: &[&str]) -> Run {
    home.run_in_at(lang, NOW, args)
}

/// A home with the sample charter; its id.
fn charter() -> (Home, String) {
    let home = Home::new();
    let path = home.file("charter.md");
    std::fs::write(&path, SAMPLE).expect("write markdown");
    let doc = run_in(
        &home,
        "en",
        &["--json", "charter", "new", "--from", path_str(&path)],
    )
    .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    (home, doc)
}

/// The one-line error of `args` in English and in French.
#[track_caller]
fn refused(home: &Home, args: &[&str]) -> (String, String) {
    let en = run_in(home, "en", args).fails_with("error: ").to_owned();
    let fr = run_in(home, "fr", args).fails_with("erreur : ").to_owned();
    (en, fr)
}

/// `--json` in English and in French: the same exit code, stdout and
/// stderr. Stdout.
#[track_caller]
fn same_json(home: &Home, args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let en = run_in(home, "en", &all);
    let fr = run_in(home, "fr", &all);
    assert_eq!(
        (en.code, &en.stdout, &en.stderr),
        (fr.code, &fr.stdout, &fr.stderr),
        "{args:?}"
    );
    en.stdout
}

#[test]
fn history_says_the_messages_nous_wrote_in_french() {
    let (home, doc) = charter();
    let edits: [&[&str]; 7] = [
        &["charter", "add-section", &doc, "Finances"],
        &["charter", "move-section", &doc, "depart", "--start"],
        &["charter", "tag", &doc, "tensions", "--add", "regulation"],
        &["charter", "edit", &doc, "@title", "--text", "Charte"],
        &["charter", "edit", &doc, "@preamble", "--text", "Préambule."],
        &["charter", "edit", &doc, "adhesion", "--text", "Ouvert."],
        &["charter", "remove-section", &doc, "tensions"],
    ];
    for edit in edits {
        run_in(&home, "en", edit).ok();
    }
    // A change another client made, with its own message.
    {
        let mut engine =
            nous_api::Home::open(&home.path(), nous_api::Env::fixed(1_772_323_200_000))
                .expect("open");
        let id = engine.resolve(&doc).expect("doc");
        let edited = engine
            .edit(&id, "préciser le titre", |c| c.set_title("La charte"))
            .expect("edit");
        engine.wait(edited.ticket).expect("saved");
        engine.close().expect("close");
    }
    let english = [
        "create charter",
        "add section",
        "move section depart",
        "tag section tensions",
        "edit title",
        "edit preamble",
        "edit section adhesion",
        "remove section tensions",
    ];
    let french = [
        "créer la charte",
        "ajouter une section",
        "déplacer la section depart",
        "étiqueter la section tensions",
        "modifier le titre",
        "modifier le préambule",
        "modifier la section adhesion",
        "retirer la section tensions",
    ];
    let en = run_in(&home, "en", &["history", &doc]).ok().to_owned();
    let fr = run_in(&home, "fr", &["history", &doc]).ok().to_owned();
    assert_eq!(en.lines().count(), 9, "{en}");
    for (line, (english, french)) in fr.lines().zip(english.iter().zip(french)) {
        assert!(line.contains(&format!("  {french}  [")), "{line}");
        assert!(!line.contains(english), "{line}");
    }
    for (line, english) in en.lines().zip(english) {
        assert!(line.contains(&format!("  {english}  [")), "{line}");
    }
    // A message Nous does not know is shown as it was written.
    let last = |text: &str| text.lines().last().expect("a line").to_owned();
    assert!(last(&fr).contains("  préciser le titre  [titre]"), "{fr}");
    assert!(last(&en).contains("  préciser le titre  [title]"), "{en}");
    // The JSON keeps what is written in the document.
    let json: serde_json::Value =
        serde_json::from_str(&same_json(&home, &["history", &doc])).expect("json");
    let messages: Vec<&str> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["message"].as_str().expect("message"))
        .collect();
    let mut written = english.to_vec();
    written.push("préciser le titre");
    assert_eq!(messages, written);
}

#[test]
fn invalid_input_is_said_in_french() {
    let (home, doc) = charter();
    let cases: [(&[&str], &str, &str); 2] = [
        (
            &["history", &doc, "--section", "zzz"],
            "no section `zzz` in this charter or its history",
            "aucune section « zzz » dans cette charte ni dans son historique",
        ),
        (
            &["history", &doc, "--format", "md"],
            "is not the charter of a community of this home",
            "n'est la charte d'aucune communauté de ce dossier",
        ),
    ];
    for (args, english, french) in cases {
        let (en, fr) = refused(&home, args);
        assert!(en.contains(english), "{en}");
        assert!(fr.contains(french), "{fr}");
        assert!(!fr.contains(english), "{fr}");
        same_json(&home, args);
    }
    // Nothing to export.
    let empty = Home::new();
    let nothing = empty.file("nothing.nous");
    let export = ["bundle", "export", "-o", path_str(&nothing)];
    let (en, fr) = refused(&empty, &export);
    assert_eq!(en, "error: there are no documents to export");
    assert_eq!(fr, "erreur : il n'y a aucun document à exporter");
    same_json(&empty, &export);
    // A charter beyond the import caps.
    let big = home.file("big.md");
    std::fs::write(&big, "a".repeat((1 << 20) + 1)).expect("write");
    let (en, fr) = refused(&home, &["charter", "new", "--from", path_str(&big)]);
    assert!(
        en.ends_with(
            "it is 1048577 bytes long; a charter imports at most 1048576 bytes of Markdown"
        ),
        "{en}"
    );
    assert!(fr.contains("octets de Markdown"), "{fr}");
    assert!(!fr.contains("bytes"), "{fr}");
    // A clock that is not a time.
    let mut command = home.command(&["--lang", "fr", "charter", "list"]);
    let run = Run::from(
        command
            .env("NOUS_NOW", "demain")
            .output()
            .expect("run nous"),
    );
    assert_eq!(
        run.fails_with("erreur : "),
        "erreur : NOUS_NOW=\"demain\" n'est pas un moment (AAAA-MM-JJ, AAAA-MM-JJTHH:MM en UTC, \
         ou des millisecondes)"
    );
}

/// A home holding a record of a community whose genesis it does not have.
fn home_with_a_stray_record() -> (Home, String) {
    let (home, _doc) = charter();
    let nowhere = RecordId([9; 32]);
    let stray = Record::sign(
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
    .expect("sign");
    let mut engine =
        nous_api::Home::open(&home.path(), nous_api::Env::fixed(1_772_323_200_000)).expect("open");
    let staged = engine.add_records(&[stray]).expect("add");
    engine.wait(staged.ticket).expect("saved");
    engine.close().expect("close");
    (home, nowhere.to_string())
}

#[test]
fn a_community_that_cannot_be_resolved_is_said_in_french() {
    let (home, nowhere) = home_with_a_stray_record();
    let short = &nowhere[..12];
    let en = run_in(&home, "en", &["community", "list"]).ok().to_owned();
    let fr = run_in(&home, "fr", &["community", "list"]).ok().to_owned();
    assert_eq!(
        en.trim_end(),
        format!("{short}  (unusable: the genesis record of community {short} is missing)")
    );
    assert_eq!(
        fr.trim_end(),
        format!("{short}  (inutilisable : l'acte de fondation de la communauté {short} manque)")
    );
    // The JSON says it in English, whatever the language.
    let json: serde_json::Value =
        serde_json::from_str(&same_json(&home, &["community", "list"])).expect("json");
    assert_eq!(
        json[0]["unusable"],
        format!("the genesis record of community {short} is missing").as_str()
    );
    let out = home.file("out.nous");
    let export = [
        "bundle",
        "export",
        "--community",
        &nowhere,
        "-o",
        path_str(&out),
    ];
    let (en, fr) = refused(&home, &export);
    assert_eq!(
        en,
        format!(
            "error: community {short} cannot be exported: the genesis record of community \
             {short} is missing"
        )
    );
    assert_eq!(
        fr,
        format!(
            "erreur : la communauté {short} ne peut pas être exportée : l'acte de fondation de \
             la communauté {short} manque"
        )
    );
    same_json(&home, &export);
}
