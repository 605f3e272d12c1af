//! The synthesis and the open data of a participation through the `nous`
//! command (issue 16 §6–8): a dozen contributions of several author types
//! (the member's own and transcribed ones), answers landed on real text
//! changes, one hidden; `nous synthesis` gives the citizens' share and
//! publishes it, `nous verify` reproduces it from a bundle, and
//! `nous participation export` writes an archive that validates, whose
//! figures reproduce the synthesis's, where the hidden words appear only in
//! the bundle, and where names given with consent appear until erased.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::language_governance::speaks_no_english;
use crate::support::{Home, Run, path_str};

const SAMPLE: &str = include_str!("../../cli/assets/sample-charter.md");

const TEXT: &str = "# Plan vélo\n\nCe que la ville propose.\n\n## Pistes\n<!-- nous:section id=pistes -->\n\nDes pistes sur les grands axes.\n\n## Stationnement\n<!-- nous:section id=stationnement -->\n\nDes arceaux devant les écoles.\n";

const CONTRACT: &str = "# Contrat participatif\n\nLa ville s'engage.\n\n## Réponses\n<!-- nous:section id=reponses -->\n\nChaque contribution reçoit un avis argumenté.\n";

const NOW: &str = "2026-03-10";

const HIDDEN_TEXT: &str = "Texte injurieux zzqx";

fn run(home: &Home, args: &[&str]) -> Run {
    home.run_at(NOW, args)
}

#[track_caller]
fn json(home: &Home, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    run(home, &all).json()
}

#[track_caller]
fn act(home: &Home, args: &[&str]) -> String {
    let out = json(home, args);
    out["record"]
        .as_str()
        .unwrap_or_else(|| panic!("no record in {out}"))
        .to_owned()
}

/// A CSV file as rows of cells (RFC 4180: quoted cells, doubled quotes,
/// line breaks inside quotes), by column name.
fn csv(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let text = std::str::from_utf8(bytes).expect("utf-8");
    let mut rows: Vec<Vec<String>> = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    let header = rows.remove(0);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn contains(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn synthesis_publish_verify_export_and_names_through_the_cli() {
    let home = Home::new();
    let charter = home.file("charter.md");
    std::fs::write(&charter, SAMPLE).expect("write");
    let doc = json(&home, &["charter", "new", "--from", path_str(&charter)])["id"]
        .as_str()
        .expect("id")
        .to_owned();
    act(
        &home,
        &[
            "community",
            "create",
            "Ville",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
        ],
    );
    let text = home.file("texte.md");
    std::fs::write(&text, TEXT).expect("write");
    let contract = home.file("contrat.md");
    std::fs::write(&contract, CONTRACT).expect("write");
    let p = act(
        &home,
        &[
            "participation",
            "open",
            "--title",
            "Plan vélo",
            "--text",
            path_str(&text),
            "--contract",
            path_str(&contract),
            "--answer-due",
            "2026-05-15",
            "--report-threshold",
            "0",
        ],
    );
    act(&home, &["participation", "phase", &p, "contract"]);
    act(&home, &["participation", "phase", &p, "strategy"]);

    // Twelve contributions: 7 from citizens (4 on this device, 3
    // transcribed from a meeting), 3 from associations (on paper), 2 from
    // agents (by mail).
    let mut ids = Vec::new();
    for n in 0..12 {
        let (as_, channel) = match n {
            0..=3 => ("citizen", "device"),
            4..=6 => ("citizen", "meeting"),
            7..=9 => ("association", "paper"),
            _ => ("agent", "mail"),
        };
        let title = format!("Idée {n}");
        let body = if n == 3 {
            HIDDEN_TEXT.to_owned()
        } else {
            format!("Proposition numéro {n}")
        };
        let reference = format!("fiche {n}");
        let mut args = vec![
            "contribute",
            &p,
            "--title",
            &title,
            "--text",
            &body,
            "--as",
            as_,
            "--channel",
            channel,
        ];
        if channel != "device" {
            args.extend(["--on-behalf-of", reference.as_str()]);
        }
        ids.push(act(&home, &args));
    }
    act(
        &home,
        &[
            "moderate",
            "hide",
            &ids[3],
            "--reason",
            "propos injurieux",
            "--clause",
            "reponses",
        ],
    );

    // The organiser writes two ideas into the text.
    let text_doc = json(&home, &["participation", "show", &p])["text"]["doc"]
        .as_str()
        .expect("text doc")
        .to_owned();
    let change = |section: &str, words: &str| -> String {
        let edited = json(
            &home,
            &["charter", "edit", &text_doc, section, "--text", words],
        );
        edited["change"]
            .as_str()
            .unwrap_or_else(|| panic!("no change in {edited}"))
            .to_owned()
    };
    let pistes = change(
        "pistes",
        "Des pistes séparées sur les grands axes et les quais.",
    );
    let arceaux = change(
        "stationnement",
        "Des arceaux devant les écoles et les gares.",
    );

    act(&home, &["participation", "phase", &p, "instruction"]);
    act(&home, &["participation", "phase", &p, "answer"]);
    let landed_pistes = format!("pistes@{pistes}");
    let landed_arceaux = format!("stationnement@{arceaux}");
    let answers: [(usize, &str, Option<&str>); 6] = [
        (0, "retained", Some(&landed_pistes)),
        (7, "partially-retained", Some(&landed_arceaux)),
        (1, "not-retained", None),
        (4, "deferred", None),
        (10, "out-of-scope", None),
        (8, "already-covered", None),
    ];
    for (n, state, landed) in answers {
        let mut args = vec![
            "answer",
            &ids[n],
            state,
            "--argument",
            "Voir la délibération.",
        ];
        if let Some(landed) = landed {
            args.extend(["--landed", landed]);
        }
        act(&home, &args);
    }

    // The synthesis, computed: 7 of 12 from citizens; of the two
    // retained, one a citizen's; words credited to citizens.
    let computed = json(&home, &["synthesis"]);
    let report = &computed["report"];
    assert_eq!(report["contributions"]["total"], 12);
    assert_eq!(report["contributions"]["hidden"], 1);
    assert_eq!(report["contributions"]["by_author_type"]["citizen"], 7);
    assert_eq!(report["shares_permille"]["contributions_citizen"], 583);
    assert_eq!(report["shares_permille"]["retained_citizen"], 500);
    assert!(
        report["text_figures"]["added_by"]["citizen"]["words"]
            .as_u64()
            .expect("words")
            > 0,
        "{report}"
    );
    assert!(
        report["text_figures"]["added_by"]["association"]["words"]
            .as_u64()
            .expect("words")
            > 0
    );
    let shown = run(&home, &["synthesis", &p[..12]]).ok().to_owned();
    assert!(shown.contains("citizens' share 58.3 %"), "{shown}");
    assert!(
        shown.contains(computed["hash"].as_str().expect("hash")),
        "{shown}"
    );

    // Published, then reproduced by verify from a bundle.
    let published = json(&home, &["synthesis", "--publish"]);
    let record = published["record"].as_str().expect("record").to_owned();
    let hash = published["hash"].as_str().expect("hash").to_owned();
    assert_eq!(
        published["report"]["contributions"],
        report["contributions"]
    );
    let bundle = home.file("all.bundle");
    run(&home, &["bundle", "export", "-o", path_str(&bundle)]).ok();
    let verified = json(&home, &["verify", path_str(&bundle)]);
    let syntheses = &verified["report"]["communities"][0]["syntheses"];
    assert_eq!(syntheses[0]["record"], record.as_str(), "{verified}");
    assert_eq!(syntheses[0]["hash"], hash.as_str());
    assert_eq!(syntheses[0]["reproduced"], true);
    let said = run(&home, &["verify", path_str(&bundle)]).ok().to_owned();
    assert!(
        said.contains(&format!("Synthesis {}", &record[..8])),
        "{said}"
    );
    assert!(
        said.contains(&format!("reproduced (hash {})", &hash[..16])),
        "{said}"
    );

    // Names with consent: one kept, one erased.
    let list = json(&home, &["contribution", "list", &p]);
    let pseudonym_of = |id: &str| -> String {
        list.as_array()
            .expect("list")
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["pseudonym"].as_str())
            .unwrap_or_else(|| panic!("{id} not in {list}"))
            .to_owned()
    };
    // Transcribed contributions carry their own pseudonyms.
    let kept = pseudonym_of(&ids[4]);
    let erased = pseudonym_of(&ids[7]);
    assert_ne!(kept, erased);
    run(&home, &["participation", "name", &kept, "Zoé Martin"]).ok();
    run(&home, &["participation", "name", &erased, "Yann Le Goff"]).ok();
    let names = json(&home, &["participation", "names"]);
    assert_eq!(names.as_array().expect("names").len(), 2);
    let out = json(&home, &["participation", "erase", &erased]);
    assert_eq!(out["erased"], true);
    let out = json(&home, &["participation", "erase", &erased]);
    assert_eq!(out["erased"], false);
    run(&home, &["participation", "name", "p-0000000000", "Nobody"]).fails_with("p-0000000000");

    // The export.
    let zip = home.file("plan-velo.zip");
    let exported = json(
        &home,
        &["participation", "export", &p, "--out", path_str(&zip)],
    );
    assert_eq!(exported["contributions"], 12);
    assert_eq!(exported["synthesis"]["record"], record.as_str());
    let archive = std::fs::read(&zip).expect("archive");
    assert_eq!(exported["bytes"], archive.len());
    run(&home, &["participation", "export", "--out", path_str(&zip)]).fails_with("--force");
    let valid = nous_api::nous_core::open_data::validate(&archive)
        .unwrap_or_else(|problems| panic!("{problems:#?}"));
    let report: nous_api::nous_core::synthesis::SynthesisReport =
        serde_json::from_slice(&valid.files["synthesis.json"]).expect("a report");
    assert_eq!(report.hash(), hash);

    // contributions.csv reproduces the counts by author type and state.
    let rows = csv(&valid.files["contributions.csv"]);
    assert_eq!(rows.len(), 12);
    let mut by_author: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_state: BTreeMap<String, u64> = BTreeMap::new();
    let mut hidden = 0;
    for row in &rows {
        *by_author.entry(row["author_type"].clone()).or_default() += 1;
        if row["status"] == "withdrawn" {
            continue;
        }
        if row["hidden"] == "true" {
            hidden += 1;
            continue;
        }
        let state = if row["answer_state"].is_empty() {
            "unanswered".to_owned()
        } else {
            row["answer_state"].clone()
        };
        *by_state.entry(state).or_default() += 1;
    }
    assert_eq!(hidden, report.contributions.hidden);
    let nonzero = |m: &BTreeMap<String, u64>| -> BTreeMap<String, u64> {
        m.iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.clone(), *n))
            .collect()
    };
    assert_eq!(by_author, nonzero(&report.contributions.by_author_type));
    assert_eq!(by_state, nonzero(&report.contributions.by_state));
    // The hidden words appear only in the bundle.
    for (name, bytes) in &valid.files {
        if name != "bundle.nous" {
            assert!(
                !contains(bytes, HIDDEN_TEXT),
                "{name} holds the hidden words"
            );
        }
    }
    assert!(contains(&valid.files["bundle.nous"], HIDDEN_TEXT));
    // The name kept, not the one erased.
    let names_in = |row: &BTreeMap<String, String>| row["author_name"].clone();
    let named: Vec<String> = rows
        .iter()
        .map(names_in)
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(named, vec!["Zoé Martin".to_owned()]);
    assert!(!valid.files.values().any(|b| contains(b, "Yann Le Goff")));

    // In French, without English.
    let fr = |args: &[&str]| -> String {
        speaks_no_english(
            &home.run_in_at("fr", NOW, args),
            args,
            &["Synthesis", "words", "Wrote", "names given"],
        )
    };
    let said = fr(&["synthesis"]);
    assert!(said.contains("part des citoyens 58,3 %"), "{said}");
    fr(&[
        "participation",
        "export",
        "--out",
        path_str(&zip),
        "--force",
    ]);
    fr(&["participation", "names"]);
    fr(&["participation", "name", &erased, "Yann Le Goff"]);
    fr(&["participation", "erase", &erased]);
    let said = fr(&["verify", path_str(&bundle)]);
    assert!(said.contains("reproduite"), "{said}");
    for help in [
        &["synthesis", "--help"][..],
        &["participation", "export", "--help"],
        &["participation", "name", "--help"],
    ] {
        fr(help);
    }
    let help = home
        .run(&["participation", "name", "--help"])
        .ok()
        .to_owned();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("stays in this home only, outside every signed record, and can be erased"),
        "{help}"
    );
}
