//! The governance commands in French and English (issue 15): a whole
//! story told in French (founding, joining, challenging, amending,
//! deciding, ratifying, tensions, the tables, refusals), and the same acts
//! with `--json` giving the same JSON whatever the language.

use crate::support::{Home, Run, path_str};

/// The sample charter: sections colleges, adhesion, depart, tensions,
/// amendement.
pub(crate) const SAMPLE: &str = include_str!("../../cli/assets/sample-charter.md");

/// The date every home pretends it is.
const NOW: &str = "2026-03-01";

/// English a French run must not show: the summaries, table words and
/// errors of the governance commands in English.
pub(crate) const ENGLISH: &[&str] = &[
    "(record ",
    "Founded community",
    "Applied to join",
    "Admitted ",
    "Signed version",
    "welcome to",
    "Challenged",
    "Proposed amendment",
    "write it with",
    "in the draft",
    "Submitted",
    "Opened the objection round",
    "recorded ",
    "Decided:",
    "Ratified:",
    "Opened a tension",
    "The tension is",
    "Proposed by",
    "Draft document",
    "Wording ",
    "objection round",
    "in force",
    "Members:",
    "Open:",
    "MEMBER ",
    "STATUS",
    "active",
    " by ",
    "error:",
    "give --",
    "is not a date",
];

/// `nous ARGS` in `home`, at [`NOW`], speaking `lang`.
fn run_in(home: &Home, lang: &str, args: &[&str]) -> Run {
    home.run_in_at(lang, NOW, args)
}

/// `nous ARGS` in French; it must succeed and speak no English. Its
/// standard output.
#[track_caller]
fn fr(home: &Home, args: &[&str]) -> String {
    speaks_no_english(&run_in(home, "fr", args), args, &[])
}

/// `run` (of `args`, in French) succeeded and neither its output nor its
/// errors hold any of [`ENGLISH`] or of `more`. Its standard output.
#[track_caller]
pub(crate) fn speaks_no_english(run: &Run, args: &[&str], more: &[&str]) -> String {
    let out = run.ok().to_owned();
    for english in ENGLISH.iter().chain(more) {
        assert!(
            !out.contains(english) && !run.stderr.contains(english),
            "English `{english}` in French output of {args:?}:\n{out}{}",
            run.stderr
        );
    }
    out
}

/// `nous ARGS` in French, refused: the one-line error, in French.
#[track_caller]
fn fr_refused(home: &Home, args: &[&str], needle: &str) -> String {
    let run = run_in(home, "fr", args);
    let line = run.fails_with(needle).to_owned();
    assert!(line.starts_with("erreur : "), "{line}");
    line
}

/// The record id at the end of a French summary: `… (acte ID)`.
#[track_caller]
pub(crate) fn record_of(out: &str) -> String {
    let line = out.trim_end();
    let start = line
        .rfind("(acte ")
        .unwrap_or_else(|| panic!("no « (acte … » in {out}"));
    line[start + "(acte ".len()..]
        .trim_end_matches(')')
        .to_owned()
}

/// Assert `out` contains every one of `phrases`.
#[track_caller]
pub(crate) fn says(out: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(out.contains(phrase), "`{phrase}` not in:\n{out}");
    }
}

/// Carry the community from one home to another, as a bundle file.
fn sync(from: &Home, to: &Home) {
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

/// The id of a charter made from the sample.
fn charter(home: &Home) -> String {
    let path = home.file("charter.md");
    std::fs::write(&path, SAMPLE).expect("write markdown");
    let out = run_in(
        home,
        "en",
        &["--json", "charter", "new", "--from", path_str(&path)],
    )
    .json();
    out["id"].as_str().expect("id").to_owned()
}

fn key(home: &Home) -> String {
    run_in(home, "en", &["id"]).ok().trim().to_owned()
}

const W1: &str =
    "1. Toute personne peut demander à rejoindre un collège, par écrit ou de vive voix.";

#[test]
fn a_governance_story_told_in_french() {
    let alice = Home::new();
    let dana = Home::new();
    let doc = charter(&alice);
    let facilitator = key(&alice);

    // Founding.
    let out = fr(
        &alice,
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
            "--rule",
            "amend=consent,quorum=50",
            "--facilitator",
            &facilitator,
        ],
    );
    says(
        &out,
        &["Communauté « Coop » fondée, identifiant ", "(acte "],
    );
    let out = fr(&alice, &["community", "list"]);
    says(&out, &["Coop", "1 membre"]);
    assert!(!out.contains("membres"), "{out}");
    let out = fr(&alice, &["community", "rules"]);
    says(
        &out,
        &[
            "amend    consentement, quorum 50 %",
            "admit    consentement",
        ],
    );

    // Dana applies; Alice consents and admits her; she signs.
    sync(&alice, &dana);
    let out = fr(
        &dana,
        &[
            "member",
            "apply",
            "--name",
            "Dana",
            "--college",
            "members",
            "--motivation",
            "J'apprends la menuiserie ici.",
        ],
    );
    says(
        &out,
        &["Candidature déposée pour rejoindre « Coop » au collège members"],
    );
    let app = record_of(&out);
    sync(&dana, &alice);
    let out = fr(&alice, &["member", "list"]);
    says(
        &out,
        &[
            "MEMBRE",
            "NOM",
            "COLLÈGE",
            "STATUT",
            "actif",
            "Candidatures :",
            "Dana pour members : en attente",
        ],
    );
    fr_refused(
        &alice,
        &["member", "decline", &app],
        "un refus doit être motivé : donnez --reason",
    );
    let out = fr(&alice, &["react", &app, "consent"]);
    says(&out, &["réaction consignée : consentement (acte "]);
    let out = fr(&alice, &["member", "admit", &app]);
    says(
        &out,
        &[
            "Candidature de Dana admise : l'adhésion prend effet à la signature de la charte en vigueur",
        ],
    );
    let out = fr(&alice, &["member", "list"]);
    says(&out, &["admise, en attente de la signature de la charte"]);
    sync(&alice, &dana);
    let out = fr(&dana, &["member", "sign", &app]);
    says(
        &out,
        &[
            "Version 1 de la charte signée (",
            ") : bienvenue dans « Coop »",
        ],
    );
    sync(&dana, &alice);

    // A challenge, an amendment written, submitted, put to the round.
    let out = fr(
        &alice,
        &[
            "challenge",
            "adhesion",
            "--tension",
            "Les demandes orales se perdent",
            "--example",
            "Karim a demandé en mars, personne n'a répondu.",
        ],
    );
    says(&out, &["Interpellation de « Adhésion »"]);
    let challenge = record_of(&out);
    let out = fr(
        &alice,
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
    says(
        &out,
        &["Amendement « Adhésion orale » proposé ; rédigez-le avec `nous amendment edit "],
    );
    let am = record_of(&out);
    let out = fr(
        &alice,
        &["amendment", "edit", &am, "adhesion", "--text", W1],
    );
    says(
        &out,
        &["« Adhésion » écrit dans le brouillon (modification "],
    );
    let out = fr(&alice, &["amendment", "submit", &am]);
    says(&out, &["« Adhésion orale » soumis (modifie 1 section)"]);
    let out = fr(&alice, &["amendment", "round", &am]);
    says(&out, &["Tour d'objections ouvert"]);
    let out = fr(&alice, &["amendment", "list"]);
    says(&out, &["tour d'objections", "Adhésion orale", "par Alice"]);

    // Reactions, the amendment shown, the decision and the ratification.
    sync(&alice, &dana);
    fr(&dana, &["react", &am, "consent", "--argument", "D'accord."]);
    sync(&dana, &alice);
    fr(&alice, &["react", &am, "consent"]);
    let out = fr(&alice, &["amendment", "show", &am]);
    says(
        &out,
        &[
            "« Adhésion orale »  [tour d'objections]",
            "Proposé par Alice — Dire les choses clairement.",
            "Document brouillon ",
            "Rédaction 1 (",
            ") : 1 section",
            // Names keep their case.
            "Dana consentement : D'accord.",
        ],
    );
    let out = fr(&alice, &["decide", &am, "adopted"]);
    says(&out, &["Décision : adoption ("]);
    let out = fr(&alice, &["amendment", "show", &am]);
    says(&out, &["[adopté]", "décision : adopté — "]);
    let out = fr(&alice, &["ratify", &am]);
    says(
        &out,
        &["Ratification faite : la version 2 de la charte est en vigueur"],
    );
    fr_refused(&alice, &["ratify", &am], "erreur : ");

    // Tensions.
    let out = fr(&alice, &["tension", "list"]);
    says(&out, &["Aucune tension."]);
    let out = fr(
        &alice,
        &[
            "tension",
            "open",
            "L'atelier ferme trop tôt",
            "--path",
            "governance",
        ],
    );
    says(&out, &["Tension soulevée"]);
    let tension = record_of(&out);
    let out = fr(
        &alice,
        &["tension", "start", &tension, "--note", "On en parle jeudi."],
    );
    says(&out, &["La tension est en cours de traitement"]);
    let out = fr(&alice, &["tension", "list"]);
    says(
        &out,
        &[
            "en cours",
            "gouvernance",
            "L'atelier ferme trop tôt  par Alice",
        ],
    );

    // The community as it stands.
    let out = fr(&alice, &["community", "show"]);
    says(
        &out,
        &[
            ": version 2 en vigueur (",
            "Membres : 2",
            "(members, poids 1) : 2",
            // The challenge was answered by the ratified amendment.
            "En cours : 0 candidature, 0 interpellation, 0 amendement, 1 tension",
        ],
    );

    // Sanctions and exclusion: refusals of the command line, then acts.
    fr_refused(
        &alice,
        &[
            "member",
            "sanction",
            "Dana",
            "--level",
            "suspension",
            "--reasons",
            "Absences.",
        ],
        "une suspension a besoin de --until DATE ou de --days N",
    );
    fr_refused(
        &alice,
        &[
            "member",
            "exclude",
            "Dana",
            "--reasons",
            "Absences.",
            "--hearing",
            "jeudi",
        ],
        "« jeudi » n'est pas une date (AAAA-MM-JJ",
    );
    let out = fr(
        &alice,
        &[
            "member",
            "sanction",
            "Dana",
            "--level",
            "warning",
            "--reasons",
            "Absences.",
        ],
    );
    says(&out, &["Avertissement pour Dana"]);
    let out = fr(&alice, &["member", "list"]);
    says(&out, &["actif (avertissement)"]);

    // Lint and verify.
    let out = fr(&alice, &["charter", "lint", &doc]);
    says(
        &out,
        &["Aucun avertissement : la charte dit comment on y entre"],
    );
    let file = alice.file("coop.bundle");
    sync(&alice, &dana);
    let out = fr(&alice, &["verify", path_str(&file)]);
    says(
        &out,
        &[
            "Communauté « Coop » ",
            " actes acceptés, 0 rejeté, 0 en attente",
            "2 membres, 1 amendement, version 2 en vigueur",
            "texte sha256 ",
            "Intact : chaque signature, acte cité, attestation et version tient (0 acte rejeté selon les règles).",
            "Empreinte du rapport : ",
        ],
    );
}

/// `nous --json ARGS` in `home` in English and in a copy of it in French:
/// the same output, the same exit code. The English run.
#[track_caller]
fn same_json(home: &Home, args: &[&str]) -> Run {
    same_json_but(home, args, &[])
}

/// `value` with the values of the keys `random` (at any depth) blanked.
fn masked(value: &serde_json::Value, random: &[&str]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if random.contains(&k.as_str()) {
                        Value::String("…".into())
                    } else {
                        masked(v, random)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| masked(v, random)).collect()),
        other => other.clone(),
    }
}

/// [`same_json`] for an act that makes something random (a new
/// document's id, hence its record's id): the same JSON but for the values
/// of the keys `random`, which both runs must have.
#[track_caller]
fn same_json_but(home: &Home, args: &[&str], random: &[&str]) -> Run {
    let copy = home.twin();
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let en = run_in(home, "en", &all);
    let fr = run_in(&copy, "fr", &all);
    assert_eq!(en.code, fr.code, "{args:?}: {}\n{}", en.stderr, fr.stderr);
    assert_eq!(en.stderr, fr.stderr, "{args:?}");
    if random.is_empty() {
        assert_eq!(en.stdout, fr.stdout, "{args:?}");
    } else {
        let (en_json, fr_json) = (en.json(), fr.json());
        for key in random {
            assert!(en_json.get(key).is_some(), "{key} in {en_json}");
        }
        assert_eq!(
            masked(&en_json, random),
            masked(&fr_json, random),
            "{args:?}"
        );
    }
    en
}

#[test]
fn governance_json_is_the_same_in_french_and_english() {
    let alice = Home::new();
    let dana = Home::new();
    let doc = charter(&alice);
    let founded = same_json(
        &alice,
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
    );
    assert!(founded.json()["record"].is_string(), "{}", founded.stdout);
    sync(&alice, &dana);
    let app = same_json(
        &dana,
        &["member", "apply", "--name", "Dana", "--college", "members"],
    )
    .json()["record"]
        .as_str()
        .expect("record")
        .to_owned();
    sync(&dana, &alice);
    same_json(&alice, &["react", &app, "consent"]);
    same_json(&alice, &["member", "admit", &app]);
    sync(&alice, &dana);
    same_json(&dana, &["member", "sign", &app]);
    sync(&dana, &alice);
    let challenge = same_json(
        &alice,
        &["challenge", "adhesion", "--tension", "T", "--example", "E"],
    )
    .json()["record"]
        .as_str()
        .expect("record")
        .to_owned();
    let am = same_json_but(
        &alice,
        &[
            "amendment",
            "propose",
            &challenge,
            "--title",
            "Orale",
            "--rationale",
            "R",
        ],
        &["draft", "record"],
    )
    .json()["record"]
        .as_str()
        .expect("record")
        .to_owned();
    same_json(
        &alice,
        &["amendment", "edit", &am, "adhesion", "--text", W1],
    );
    same_json(&alice, &["amendment", "submit", &am]);
    same_json(&alice, &["amendment", "round", &am]);
    same_json(&alice, &["react", &am, "consent"]);
    // A refusal: the same JSON error in both languages.
    let refused = same_json(&alice, &["ratify", &am]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    sync(&alice, &dana);
    same_json(&dana, &["react", &am, "consent"]);
    sync(&dana, &alice);
    same_json(&alice, &["decide", &am, "adopted"]);
    same_json(&alice, &["ratify", &am]);
    same_json(
        &alice,
        &["tension", "open", "Trop tôt", "--path", "conduct"],
    );
    for args in [
        vec!["community", "show"],
        vec!["community", "list"],
        vec!["community", "rules"],
        vec!["member", "list"],
        vec!["amendment", "show", &am],
        vec!["amendment", "list"],
        vec!["tension", "list"],
    ] {
        let run = same_json(&alice, &args);
        run.json();
    }
}
