//! The governance history report (`nous history --format md|html`) in
//! French and English: the same story told in the language asked for.

use crate::support::{Home, Run, path_str};

/// The date the whole story happens on (`NOUS_NOW`).
const NOW: &str = "2026-03-01T09:30";

const CHARTER: &str = "# Charte de la coopérative\n\n## Adhésion\n<!-- nous:section id=adhesion -->\n\nToute personne peut adhérer.\n\n## Départ\n<!-- nous:section id=depart -->\n\nOn part quand on veut.\n";

/// Run `nous` at [`NOW`] in `lang`.
fn run(home: &Home, lang: &str, args: &[&str]) -> Run {
    home.run_in_at(lang, NOW, args)
}

/// Act in JSON; the id of the record made.
#[track_caller]
fn act(home: &Home, args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run(home, "en", &all).json();
    out["record"]
        .as_str()
        .unwrap_or_else(|| panic!("no record in {out}"))
        .to_owned()
}

/// Alice founds « Coop » on the charter, challenges « Adhésion », answers
/// with an amendment, submits a wording and opens the objection round.
/// The home and the charter's id.
fn story() -> (Home, String) {
    let home = Home::new();
    let path = home.file("charter.md");
    std::fs::write(&path, CHARTER).expect("write charter");
    let created = run(
        &home,
        "en",
        &["--json", "charter", "new", "--from", path_str(&path)],
    )
    .json();
    let doc = created["id"].as_str().expect("id").to_owned();
    act(
        &home,
        &[
            "community",
            "create",
            "Coop",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
            "--as-college",
            "staff",
            "--college",
            "staff:Salariés",
        ],
    );
    let challenge = act(
        &home,
        &[
            "challenge",
            "adhesion",
            "--tension",
            "Les demandes orales se perdent",
            "--example",
            "Karim a demandé en mars, personne n'a répondu.",
        ],
    );
    let amendment = act(
        &home,
        &[
            "amendment",
            "propose",
            &challenge,
            "--title",
            "Adhésion orale",
            "--rationale",
            "Dire les choses clairement.",
        ],
    );
    run(
        &home,
        "en",
        &[
            "--json",
            "amendment",
            "edit",
            &amendment,
            "adhesion",
            "--text",
            "Toute personne peut adhérer, par écrit ou de vive voix.",
        ],
    )
    .ok();
    act(&home, &["amendment", "submit", &amendment]);
    act(&home, &["amendment", "round", &amendment]);
    (home, doc)
}

#[test]
fn the_history_report_speaks_french() {
    let (home, doc) = story();
    let md = run(&home, "fr", &["history", &doc, "--format", "md"])
        .ok()
        .to_owned();
    for expected in [
        "# Historique de la gouvernance — Coop\n",
        "- Version en vigueur : **v1** (",
        "- Membres : 1 (Salariés 1)\n",
        "Les heures sont données en UTC.",
        "## Sections",
        "### Adhésion (`adhesion`)",
        "Dans la charte depuis la version fondatrice, v1.",
        "#### Interpellation par Alice, le 1er mars 2026 à 9 h 30",
        "- **Tension :** Les demandes orales se perdent",
        "- **Recevable**",
        "##### Amendement « Adhésion orale » — tour d'objections",
        "- **Exposé des motifs :** Dire les choses clairement.",
        "- Rédaction 1, le 1er mars 2026 à 9 h 30, par Alice",
        "Modifie la section « Adhésion »",
        "- Le tour d'objections a été ouvert par Alice (1er mars 2026 à 9 h 30).",
        "- **Décision :** aucune pour l'instant",
        "Jamais interpellée ni modifiée.",
        "## Membres",
        "Alice a rejoint le collège Salariés (à la fondation)",
        "## Règles",
        "- **Amendements :** consentement, quorum de 50 %, tous les membres décident, 1 signature pour ratifier, sans blocage\n",
        "- **Admissions :** consensus tacite, sans quorum, tous les membres décident, au moins 7 jours après la proposition, sans blocage\n",
        "Aucune tension n'a été soulevée.",
        "\n7 actes : 7 acceptés, 0 rejeté, 0 en attente.",
    ] {
        assert!(md.contains(expected), "« {expected} » missing in\n{md}");
    }
    for english in [
        "Governance history",
        "Times are UTC",
        "Challenge by",
        "Rationale:",
        "Wording 1",
        "The objection round",
        "Decision:",
        "Never challenged",
        "## Membership",
        "## Rules",
        " records:",
        "2026-03-01",
    ] {
        assert!(!md.contains(english), "« {english} » leaks into\n{md}");
    }

    let html = run(&home, "fr", &["history", &doc, "--format", "html"])
        .ok()
        .to_owned();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"),
        "{html}"
    );
    for expected in [
        "<title>Historique de la gouvernance — Coop</title>",
        "<h4>Interpellation par Alice, le 1er mars 2026 à 9 h 30</h4>",
        "<strong>Exposé des motifs :</strong> Dire les choses clairement.",
        "<title id=\"timeline-title\">Chronologie du 1er mars 2026 à 9 h 30 au ",
        ">Interpellations</text>",
        ">Amendements</text>",
        " ; survolez un repère pour le détail.</figcaption>",
    ] {
        assert!(html.contains(expected), "« {expected} » missing in\n{html}");
    }
    for english in [
        "lang=\"en\"",
        "Governance history",
        "Timeline from",
        " events from",
        ">Challenges</text>",
        "hover a marker",
    ] {
        assert!(!html.contains(english), "« {english} » leaks into\n{html}");
    }
}

#[test]
fn the_history_report_stays_english_in_english() {
    let (home, doc) = story();
    let md = run(&home, "en", &["history", &doc, "--format", "md"])
        .ok()
        .to_owned();
    for expected in [
        "# Governance history of Coop\n",
        "- Members: 1 (Salariés 1)\n",
        "Times are UTC.",
        "#### Challenge by Alice, 2026-03-01 09:30",
        "##### Amendment “Adhésion orale” — objection round",
        "- **Rationale:** Dire les choses clairement.",
        "- The objection round was opened by Alice, 2026-03-01 09:30.",
        "- **Decision:** none yet",
    ] {
        assert!(md.contains(expected), "“{expected}” missing in\n{md}");
    }
    assert!(!md.contains("Historique"), "{md}");
    let html = run(&home, "en", &["history", &doc, "--format", "html"])
        .ok()
        .to_owned();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{html}"
    );
    assert!(html.contains("<title>Governance history of Coop</title>"));
    assert!(html.contains(">Challenges</text>"));
}
