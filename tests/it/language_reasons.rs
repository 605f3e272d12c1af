//! Governance's reasons and the facade's errors in the user's language: a
//! refusal said in French and in English, and its JSON the same in both.

use crate::support::{Home, Run, path_str};

const SAMPLE: &str = include_str!("../../cli/assets/sample-charter.md");
const NOW: &str = "2026-03-01";

fn run_in(home: &Home, lang: &str, args: &[&str]) -> Run {
    home.run_in_at(lang, NOW, args)
}

/// Alice founds « Coop » (admissions by consent); Dana, in another home,
/// has its records.
fn coop() -> (Home, Home) {
    let (alice, dana) = (Home::new(), Home::new());
    let path = alice.file("charter.md");
    std::fs::write(&path, SAMPLE).expect("write markdown");
    let doc = run_in(
        &alice,
        "en",
        &["--json", "charter", "new", "--from", path_str(&path)],
    )
    .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    run_in(
        &alice,
        "en",
        &[
            "community",
            "create",
            "Coop",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
            "--rule",
            "admit=consent",
        ],
    )
    .ok();
    carry(&alice, &dana);
    (alice, dana)
}

/// Dana applies to the members' college and her application is carried
/// to Alice: its id (12 characters).
fn applies(dana: &Home, alice: &Home) -> String {
    let out = run_in(
        dana,
        "en",
        &[
            "--json",
            "member",
            "apply",
            "--name",
            "Dana",
            "--college",
            "members",
            "--motivation",
            "x",
        ],
    )
    .json();
    let application = out["record"].as_str().expect("record")[..12].to_owned();
    carry(dana, alice);
    application
}

fn carry(from: &Home, to: &Home) {
    let file = from.file("coop.bundle");
    run_in(
        from,
        "en",
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
    run_in(to, "en", &["bundle", "import", path_str(&file)]).ok();
}

/// The refusal of `args`, in English and in French: the one-line errors.
#[track_caller]
fn refused(home: &Home, args: &[&str]) -> (String, String) {
    let en = run_in(home, "en", args).fails_with("error: ").to_owned();
    let fr = run_in(home, "fr", args).fails_with("erreur : ").to_owned();
    (en, fr)
}

/// `--json` in English and in French: the same stderr, stdout and exit
/// code (nothing is stored by a refusal, so one home serves both). The
/// error as JSON.
#[track_caller]
fn same_json_error(home: &Home, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let en = run_in(home, "en", &all);
    let fr = run_in(home, "fr", &all);
    assert_ne!(en.code, 0, "{}", en.stdout);
    assert_eq!((en.code, &en.stdout), (fr.code, &fr.stdout), "{args:?}");
    assert_eq!(en.stderr, fr.stderr, "{args:?}");
    serde_json::from_str(en.stderr.trim()).expect("a JSON error")
}

#[test]
fn a_refusal_by_governance_is_said_in_french_and_in_english() {
    let (alice, dana) = coop();
    // Applying to a college that does not exist.
    let apply = [
        "member",
        "apply",
        "--name",
        "Dana",
        "--college",
        "nope",
        "--motivation",
        "x",
    ];
    let (en, fr) = refused(&dana, &apply);
    assert_eq!(
        en,
        "error: member.apply refused: there is no college `nope`"
    );
    assert_eq!(
        fr,
        "erreur : candidature refusée : il n'y a pas de collège « nope »"
    );
    let json = same_json_error(&dana, &apply);
    assert_eq!(
        json["error"],
        "member.apply refused: there is no college `nope`"
    );
    assert_eq!(
        json["refused"],
        serde_json::json!({
            "kind": "member.apply",
            "reason": "there is no college `nope`",
            "code": "no-college",
            "args": {"college": "nope"},
        })
    );

    // Dana applies; Alice objects, then admits her all the same: the
    // objection blocks the count.
    let application = applies(&dana, &alice);
    run_in(
        &alice,
        "en",
        &[
            "react",
            &application,
            "objection",
            "--criteria",
            "a",
            "--argument",
            "Trop tôt",
        ],
    )
    .ok();
    let admit = ["member", "admit", application.as_str()];
    let (en, fr) = refused(&alice, &admit);
    assert_eq!(
        en,
        "error: decide refused: the rule is not met (consent: 1 open objection(s), 0 block(s); \
         1/1 took part (quorum 0%, met))"
    );
    assert_eq!(
        fr,
        "erreur : décision refusée : la règle n'est pas remplie (consentement : 1 objection \
         ouverte, 0 blocage ; 1/1 ont pris part (quorum 0 %, atteint))"
    );
    let json = same_json_error(&alice, &admit);
    assert_eq!(json["refused"]["code"], "rule-not-met");
    assert_eq!(json["refused"]["args"]["tally"]["code"], "tally");
    assert_eq!(
        json["refused"]["args"]["tally"]["args"]["detail"]["args"],
        serde_json::json!({"open": 1, "blocks": 0})
    );
}

#[test]
fn errors_a_member_meets_are_said_in_french() {
    let (alice, _dana) = coop();
    let sanction = [
        "member",
        "sanction",
        "Zoé",
        "--level",
        "warning",
        "--reasons",
        "x",
    ];
    let (en, fr) = refused(&alice, &sanction);
    assert_eq!(en, "error: no member matches `Zoé`", "{en}");
    assert_eq!(fr, "erreur : aucun membre ne correspond à « Zoé »", "{fr}");
    let (en, fr) = refused(&alice, &["member", "admit", "Zoé"]);
    assert_eq!(
        en,
        "error: `zoé` is not a record id (give at least 4 hex characters)"
    );
    assert_eq!(
        fr,
        "erreur : « zoé » n'est pas un identifiant d'acte (donnez au moins 4 caractères \
         hexadécimaux)"
    );
    let nowhere = Home::empty();
    let (en, fr) = refused(&nowhere, &["community", "list"]);
    assert!(en.ends_with("is not a Nous home (run `nous init`)"), "{en}");
    assert!(
        fr.ends_with("n'est pas un dossier Nous (lancez `nous init`)"),
        "{fr}"
    );
    let (en, fr) = refused(&alice, &["init"]);
    assert!(en.ends_with("is already a Nous home"), "{en}");
    assert!(fr.ends_with("est déjà un dossier Nous"), "{fr}");
}

#[test]
fn nous_verify_says_why_an_act_was_rejected_in_french() {
    let (alice, dana) = coop();
    let application = applies(&dana, &alice);
    // Alice admits Dana from two copies of her home, a day apart, neither
    // knowing the other: the younger decision is rejected.
    let copy = alice.twin();
    alice
        .run_in_at("en", "2026-03-01", &["member", "admit", &application])
        .ok();
    copy.run_in_at("en", "2026-03-02", &["member", "admit", &application])
        .ok();
    carry(&copy, &alice);
    let file = alice.file("all.bundle");
    run_in(
        &alice,
        "en",
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
    let en = run_in(&alice, "en", &["verify", path_str(&file)]);
    let fr = run_in(&alice, "fr", &["verify", path_str(&file)]);
    let line = |run: &Run, start: &str| -> String {
        run.ok()
            .lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` line in:\n{}", run.stdout))
            .to_owned()
    };
    let en = line(&en, "REJECTED");
    let fr = line(&fr, "REJETÉ");
    assert!(
        en.contains(": decide rejected: this was already decided, concurrently, by an older decision (record "),
        "{en}"
    );
    assert!(
        fr.contains(" : décision rejetée : c'est déjà décidé, en même temps, par une décision plus ancienne (acte "),
        "{fr}"
    );
    // What was rejected, and the kind of act, in words of the language.
    assert!(fr.trim_start().starts_with("REJETÉ acte "), "{fr}");
    assert!(!fr.contains("record") && !fr.contains("decide"), "{fr}");
    assert!(en.trim_start().starts_with("REJECTED record "), "{en}");
    // So says the history report.
    let charter = run_in(&alice, "en", &["--json", "community", "show"]).json()["charter"]
        .as_str()
        .expect("charter")
        .to_owned();
    let report = |lang: &str| {
        run_in(&alice, lang, &["history", &charter, "--format", "md"])
            .ok()
            .to_owned()
    };
    let (en, fr) = (report("en"), report("fr"));
    assert!(en.contains(" decide by Alice, "), "{en}");
    assert!(fr.contains(" (décision) signé par Alice le "), "{fr}");
    assert!(!fr.contains("decide"), "{fr}");
    // The report itself (JSON, hash) is the same in both languages.
    let json = |lang: &str| run_in(&alice, lang, &["--json", "verify", path_str(&file)]).stdout;
    assert_eq!(json("en"), json("fr"));
}
