//! `nous demo participation` (issue 16): the public participation story
//! runs to its end, its `--json` summary says what happened, what it
//! leaves (homes, open-data archive, bundle) holds up on its own, and it
//! tells the story in French with no English left.

use crate::language_governance::speaks_no_english;
use crate::support::{Home, path_str};

/// The date the French run pretends it is (day 0 of the story).
const NOW: &str = "2026-03-01";

#[test]
fn the_participation_demo_tells_the_story_and_what_it_leaves_holds_up() {
    let home = Home::empty();
    let kept = home.file("kept");
    let bundle = home.file("plan-velo.nous");
    let json = home
        .run(&[
            "--json",
            "demo",
            "participation",
            "--keep",
            path_str(&kept),
            "--bundle",
            path_str(&bundle),
        ])
        .json();
    assert_eq!(
        json["phases"],
        serde_json::json!(["contract", "strategy", "instruction", "answer"])
    );
    assert_eq!(json["contributions"], 5);
    assert_eq!(json["late_contribution_refused"], "contributions-closed");
    assert_eq!(json["close_refused"], "contributions-unanswered");
    assert_eq!(json["closed"], true);
    assert_eq!(
        json["answers"],
        serde_json::json!({"retained": 2, "already-covered": 1, "deferred": 1})
    );
    assert_eq!(
        json["commitments"],
        serde_json::json!({"reponses": "kept", "synthese": "kept", "restitution": "kept"})
    );
    let synthesis = &json["synthesis"];
    assert_eq!(synthesis["contributions"], 5);
    assert_eq!(synthesis["hidden"], 1);
    // Zoé, Yann, Max and the paper form are citizens; Vélo-Cité is not.
    assert_eq!(synthesis["citizen_permille"], 800);
    assert_eq!(synthesis["retained_citizen"], 2);
    assert_eq!(synthesis["added_words_citizen_permille"], 1000);
    assert!(synthesis["added_words_citizen"].as_u64().expect("words") > 0);
    assert_eq!(json["open_data"]["valid"], true);
    assert_eq!(json["open_data"]["tables"]["contributions"], 5);
    assert_eq!(json["verified"], true);
    assert_eq!(json["synthesis_reproduced"], true);
    assert_eq!(
        json["timeline"],
        serde_json::json!(["submitted", "answered", "landed"])
    );
    assert!(
        json["link"]
            .as_str()
            .expect("link")
            .starts_with("nous:participate/1/")
    );

    // The archive left validates on its own and names Zoé, who consented.
    let archive_path = kept.join("plan-velo-open-data.zip");
    assert_eq!(json["archive"], path_str(&archive_path));
    let archive = std::fs::read(&archive_path).expect("the archive is kept");
    let validated = nous_core::open_data::validate(&archive).expect("a valid archive");
    let contributions = String::from_utf8_lossy(&validated.files["contributions.csv"]).into_owned();
    assert!(contributions.contains("Zoé Lambert"), "{contributions}");
    assert!(
        !contributions.contains("parasites"),
        "a hidden contribution's words are not published: {contributions}"
    );

    // Anyone holding the bundle gets the same verdict and reproduces the
    // synthesis.
    let verified = home.run(&["--json", "verify", path_str(&bundle)]).json();
    assert_eq!(verified["report"]["ok"], true);
    assert_eq!(verified["report_hash"], json["report_hash"]);
    let syntheses = &verified["report"]["communities"][0]["syntheses"];
    assert_eq!(syntheses[0]["reproduced"], true, "{syntheses}");
    assert_eq!(syntheses[0]["record"], synthesis["record"]);

    // The homes left open with the CLI: Fred's participation is closed.
    let fred = std::process::Command::new(crate::support::nous_bin())
        .arg("--home")
        .arg(kept.join("fred"))
        .args(["--json", "participation", "list"])
        .env("NOUS_LANG", "en")
        .output()
        .expect("run");
    assert!(
        fred.status.success(),
        "{}",
        String::from_utf8_lossy(&fred.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&fred.stdout).expect("json");
    assert_eq!(list[0]["id"], json["participation"]);
    assert!(list[0]["closed"].is_object(), "{list}");

    // The demo will not write over its own homes.
    home.run(&["demo", "participation", "--keep", path_str(&kept)])
        .fails_with("already holds demo homes");
}

#[test]
fn the_participation_demo_tells_its_story_in_french() {
    let home = Home::empty();
    let args = ["demo", "participation"];
    let run = home.run_in_at("fr", NOW, &args);
    let out = speaks_no_english(
        &run,
        &args,
        &[
            "Day ",
            "Homes in",
            "A relay starts",
            "opens a participation",
            "contributes",
            "supports",
            "report it",
            "hidden pending review",
            "transcribes",
            "moderator",
            "refused",
            "Answer to",
            "with its argument",
            "retained",
            "already covered",
            "deferred",
            "kept",
            "from citizens",
            "words added",
            "closes",
            "Open data",
            "Verified offline",
            "synthesis reproduced",
            "follows her contribution",
            "Through the relay",
            "landed in the text",
            "The relay stops",
            "takes no contributions",
            "still has no answer",
        ],
    );
    for phrase in [
        "Dossiers Nous dans ",
        "Jour 0 : la Métropole ouvre une participation",
        "Jour 7 : la phase de contribution s'ouvre pour 30 jours",
        "Zoé, qui n'est pas membre, lit « Plan vélo »",
        "la signalent : masquée en attendant l'examen",
        "(canal : papier, au nom de « fiche 12 »)",
        "confirme le masquage en citant « article 4 du contrat participatif »",
        "Yann tente une contribution de plus : refusée, la participation ne prend pas de contributions",
        "Fred tente de clore : refusé, une contribution n'a pas encore de réponse",
        "(Zoé) : retenue, avec ses arguments",
        "(Yann) : déjà couverte",
        "(Vélo-Cité) : reportée",
        "80 % venues de citoyens",
        "tenu : Une synthèse publique",
        "La participation est close.",
        "conforme à son datapackage.json",
        "Vérification hors ligne : acceptée ; synthèse reproduite : oui",
        "Zoé suit sa contribution :",
        "jour 45 : intégrée au texte",
        "Le relais s'arrête",
    ] {
        assert!(out.contains(phrase), "`{phrase}` not in\n{out}");
    }
    // Its JSON has the same shape and verdicts in both languages (homes,
    // keys and ids are new each run).
    let en = home
        .run_in_at("en", NOW, &["--json", "demo", "participation"])
        .json();
    let fr = home
        .run_in_at("fr", NOW, &["--json", "demo", "participation"])
        .json();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("object").keys().cloned().collect()
    };
    assert_eq!(keys(&en), keys(&fr));
    for key in [
        "phases",
        "contributions",
        "late_contribution_refused",
        "close_refused",
        "answers",
        "commitments",
        "verified",
        "synthesis_reproduced",
        "timeline",
    ] {
        assert_eq!(en[key], fr[key], "{key}");
    }
}
