//! The export of a small participation: a located contribution, a
//! transcribed one, a withdrawn one, a hidden one and one answered then
//! revised; each file checked, the whole archive validated against its own
//! datapackage.json.

use std::collections::BTreeMap;

use automerge::ChangeHash;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::validate::parse_csv;
use super::*;
use crate::governance::{ResolveOptions, resolve};
use crate::identity::DeviceKey;
use crate::record::{
    Anchor, AnswerState, Category, Channel, College, Commitment, CommitmentCheck, Contributors,
    Founder, Genesis, Heads, Landing, Location, Method, Moderate, OpenParticipation, OpenPhase,
    Payload, PublishAnswer, Record, Rule, Rules, SubmitContribution, SupportContribution, Unsigned,
    Version, WithdrawContribution,
};
use crate::{DocId, PublicKey};

const T0: u64 = 1_760_000_000_000;
const HOUR: u64 = 3_600_000;
const HIDDEN_BODY: &str = "Texte injurieux à ne jamais republier";

fn key(name: &str) -> DeviceKey {
    DeviceKey::from_seed(&Sha256::digest(name.as_bytes()).into())
}

fn pk(name: &str) -> PublicKey {
    key(name).public()
}

fn version(n: u8, doc: u8) -> Version {
    Version {
        doc: DocId::from_bytes([doc; 16]),
        heads: Heads::new(vec![ChangeHash([n; 32])]),
    }
}

/// Records chained one on another, each an hour after the last.
struct Log {
    community: RecordId,
    records: Vec<Record>,
    clock: u64,
}

impl Log {
    fn new() -> Log {
        let genesis = Genesis {
            name: "Métropole".into(),
            charter: version(1, 1),
            colleges: vec![College {
                id: "staff".into(),
                name: "Staff".into(),
                weight: 1,
            }],
            founders: vec![Founder {
                member: pk("fred"),
                name: "Fred".into(),
                college: "staff".into(),
            }],
            rules: Rules::all(Rule::new(Method::Consent)),
            facilitators: vec![pk("fred")],
        };
        let record = Record::sign(
            &key("fred"),
            Unsigned {
                community: RecordId::ZERO,
                timestamp: T0,
                parents: Vec::new(),
                payload: Payload::Genesis(genesis),
            },
        )
        .expect("genesis");
        Log {
            community: record.id(),
            records: vec![record],
            clock: T0,
        }
    }

    fn act(&mut self, who: &str, payload: Payload) -> RecordId {
        self.clock += HOUR;
        let parent = self.records.last().map(Record::id).into_iter().collect();
        let record = Record::sign(
            &key(who),
            Unsigned {
                community: self.community,
                timestamp: self.clock,
                parents: parent,
                payload,
            },
        )
        .expect("sign");
        self.records.push(record.clone());
        record.id()
    }

    fn state(&self) -> State {
        let state =
            resolve(self.community, &self.records, ResolveOptions::default()).expect("resolve");
        for outcome in &state.records {
            assert!(
                matches!(outcome.verdict, Verdict::Accepted),
                "{:?} {:?}",
                outcome.kind,
                outcome.verdict
            );
        }
        state
    }
}

fn submit(p: RecordId, title: &str, body: &str) -> SubmitContribution {
    SubmitContribution {
        participation: p,
        title: title.into(),
        body: body.into(),
        category: "mobility".into(),
        author_type: crate::record::AuthorType::Citizen,
        anchor: None,
        location: None,
        channel: Channel::Device,
        on_behalf_of: None,
        invitation: None,
    }
}

/// The ids of the story's records.
struct Story {
    log: Log,
    participation: RecordId,
    located: RecordId,
    transcribed: RecordId,
    withdrawn: RecordId,
    hidden: RecordId,
    answer: RecordId,
    revision: RecordId,
}

fn story() -> Story {
    let mut log = Log::new();
    let participation = log.act(
        "fred",
        Payload::OpenParticipation(OpenParticipation {
            title: "Plan vélo, « Rive gauche »".into(),
            text: version(2, 2),
            contract: version(3, 3),
            commitments: vec![
                Commitment {
                    id: "answers".into(),
                    text: "Every contribution answered, with arguments".into(),
                    check: CommitmentCheck::Answers,
                },
                Commitment {
                    id: "meeting".into(),
                    text: "A public meeting, in person".into(),
                    check: CommitmentCheck::Manual,
                },
            ],
            categories: vec![
                Category {
                    id: "mobility".into(),
                    label: "Mobilité".into(),
                },
                Category {
                    id: "housing".into(),
                    label: "Logement".into(),
                },
            ],
            answer_due: T0 + 1000 * HOUR,
            moderators: Vec::new(),
            answerers: Vec::new(),
            report_threshold: 3,
        }),
    );
    log.act(
        "fred",
        Payload::OpenPhase(OpenPhase {
            participation,
            phase: crate::record::PhaseKind::Strategy,
            opens_at: T0 + HOUR,
            closes_at: Some(T0 + 500 * HOUR),
            contributors: Contributors::Anyone,
            channels: vec![Channel::Device, Channel::Paper],
            categories: Vec::new(),
        }),
    );
    let located = log.act(
        "zoe",
        Payload::SubmitContribution(SubmitContribution {
            location: Some(Location {
                lat_e6: 45_764_043,
                lon_e6: 4_835_659,
            }),
            anchor: Some(Anchor {
                section: "velo".into(),
                article: Some("2.".into()),
            }),
            ..submit(
                participation,
                "Une piste, rue Garibaldi",
                "Séparée des voitures, svp.",
            )
        }),
    );
    let transcribed = log.act(
        "fred",
        Payload::SubmitContribution(SubmitContribution {
            channel: Channel::Paper,
            on_behalf_of: Some("fiche 12".into()),
            author_type: crate::record::AuthorType::Association,
            ..submit(
                participation,
                "Des arceaux",
                "Plus d'arceaux près des écoles,\n\"vite\".",
            )
        }),
    );
    let withdrawn = log.act(
        "yan",
        Payload::SubmitContribution(submit(participation, "Doublon", "Je retire ceci")),
    );
    log.act(
        "yan",
        Payload::WithdrawContribution(WithdrawContribution {
            contribution: withdrawn,
            reason: "doublon".into(),
        }),
    );
    let hidden = log.act(
        "troll",
        Payload::SubmitContribution(submit(participation, "Titre injurieux", HIDDEN_BODY)),
    );
    log.act(
        "fred",
        Payload::Hide(Moderate {
            contribution: hidden,
            reason: "insulting".into(),
            clause: "charter-4".into(),
        }),
    );
    log.act(
        "yan",
        Payload::SupportContribution(SupportContribution {
            contribution: located,
            invitation: None,
        }),
    );
    let answer = log.act(
        "fred",
        Payload::PublishAnswer(PublishAnswer {
            contribution: located,
            state: AnswerState::PartiallyRetained,
            argument: "En partie : la rue est étroite.".into(),
            landed_in: Vec::new(),
            revises: None,
        }),
    );
    let revision = log.act(
        "fred",
        Payload::PublishAnswer(PublishAnswer {
            contribution: located,
            state: AnswerState::Retained,
            argument: "Retenue après la réunion".into(),
            landed_in: vec![Landing {
                section: "velo".into(),
                changes: Heads::new(vec![ChangeHash([9; 32])]),
            }],
            revises: Some(answer),
        }),
    );
    Story {
        log,
        participation,
        located,
        transcribed,
        withdrawn,
        hidden,
        answer,
        revision,
    }
}

fn sections() -> Vec<SectionInfo> {
    vec![
        SectionInfo {
            id: "velo".into(),
            heading: "Vélo".into(),
            words: 120,
        },
        SectionInfo {
            id: "bus".into(),
            heading: "Bus, tram".into(),
            words: 80,
        },
    ]
}

fn synthesis(located: RecordId) -> Value {
    json!({
        "method": "nous/synthesis/v1",
        "as_of": T0 + 20 * HOUR,
        "contributions": {
            "total": 4, "hidden": 1, "withdrawn": 1,
            "by_author_type": {"citizen": 3, "association": 1},
            "by_state": {"retained": 1},
        },
        "shares_permille": {"contributions_citizen": 750, "retained_citizen": 1000},
        "sections": [{
            "section": "velo", "heading": "Vélo", "final_words": 120, "added_words": 12,
            "added_by": {"citizen": {"chars": 60, "words": 10}, "agent": {"chars": 9, "words": 2}},
            "contributions": [located.to_string()], "retained": 1, "answered": 1,
        }],
    })
}

fn export_of(
    story: &Story,
    names: &BTreeMap<String, String>,
    synthesis: Option<&Value>,
) -> Vec<u8> {
    let state = story.log.state();
    export(&ExportInput {
        state: &state,
        participation: story.participation,
        sections: sections(),
        synthesis,
        names,
        bundle: b"NOUS bundle bytes",
    })
    .expect("export")
}

/// A CSV's rows as maps of field to cell, the header checked for a BOM.
fn rows(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Vec<BTreeMap<String, String>> {
    let bytes = &files[name];
    let text = std::str::from_utf8(bytes.strip_prefix("\u{feff}".as_bytes()).expect("BOM"))
        .expect("utf-8");
    let mut records = parse_csv(text).expect("csv");
    let header = records.remove(0);
    records
        .into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn row<'r>(rows: &'r [BTreeMap<String, String>], id: &RecordId) -> &'r BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["id"] == id.to_string())
        .expect("a row")
}

#[test]
fn the_export_holds_every_file_and_validates_against_its_datapackage() {
    let story = story();
    let located = story.log.state().contributions[&story.located]
        .pseudonym
        .clone();
    let names = BTreeMap::from([(located.clone(), "Zoé Martin".to_owned())]);
    let synthesis = synthesis(story.located);
    let archive = export_of(&story, &names, Some(&synthesis));
    let valid = validate(&archive).unwrap_or_else(|problems| panic!("{problems:#?}"));
    let files = &valid.files;
    let listed: Vec<&str> = files.keys().map(String::as_str).collect();
    let mut expected = FILES.to_vec();
    expected.sort_unstable();
    assert_eq!(listed, expected);
    assert_eq!(valid.tables["contributions"], 4);
    assert_eq!(valid.tables["answers"], 2);
    assert_eq!(valid.tables["process"], 1);
    assert_eq!(valid.tables["phases"], 1);
    assert_eq!(valid.tables["commitments"], 2);
    assert_eq!(valid.tables["sections"], 2);
    assert_eq!(files["bundle.nous"], b"NOUS bundle bytes");

    // Contributions: each kind of path.
    let contributions = rows(files, "contributions.csv");
    let first = row(&contributions, &story.located);
    assert_eq!(first["author_name"], "Zoé Martin");
    assert_eq!(first["latitude"], "45.764043");
    assert_eq!(first["longitude"], "4.835659");
    assert_eq!(first["anchor_section"], "velo");
    assert_eq!(first["anchor_article"], "2.");
    assert_eq!(first["supports"], "1");
    assert_eq!(first["answer_state"], "retained");
    assert_eq!(first["answer_argument"], "Retenue après la réunion");
    assert_eq!(first["answer_revisions"], "1");
    assert_eq!(first["landed_in"], "velo");
    assert_eq!(first["answered_at"], iso(T0 + 10 * HOUR));
    assert_eq!(first["answer_late"], "false");
    assert_eq!(first["submitted_at"], "2025-10-09T11:53:20Z");
    let transcribed = row(&contributions, &story.transcribed);
    assert_eq!(transcribed["transcribed"], "true");
    assert_eq!(transcribed["channel"], "paper");
    assert_eq!(transcribed["on_behalf_of"], "fiche 12");
    assert_eq!(transcribed["author_type"], "association");
    assert_eq!(
        transcribed["body"],
        "Plus d'arceaux près des écoles,\n\"vite\"."
    );
    assert_eq!(transcribed["author_name"], "");
    let withdrawn = row(&contributions, &story.withdrawn);
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["withdrawn_at"], iso(T0 + 6 * HOUR));
    let hidden = row(&contributions, &story.hidden);
    assert_eq!(hidden["hidden"], "true");
    assert_eq!(hidden["hidden_reason"], "insulting");
    assert_eq!(hidden["title"], "");
    assert_eq!(hidden["body"], "");
    assert!(!hidden["author_pseudonym"].is_empty());

    // A hidden contribution's words are nowhere in the archive.
    for (name, bytes) in files {
        for words in [HIDDEN_BODY, "Titre injurieux"] {
            assert!(
                !bytes.windows(words.len()).any(|w| w == words.as_bytes()),
                "{words} in {name}"
            );
        }
    }
    // Names only for those who consented.
    let others: Vec<&String> = contributions
        .iter()
        .filter(|r| r["author_pseudonym"] != located)
        .map(|r| &r["author_name"])
        .collect();
    assert!(others.iter().all(|n| n.is_empty()), "{others:?}");

    // Answers: the revised one and the one in force.
    let answers = rows(files, "answers.csv");
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["id"], story.answer.to_string());
    assert_eq!(answers[0]["in_force"], "false");
    assert_eq!(answers[0]["state"], "partially-retained");
    assert_eq!(answers[1]["id"], story.revision.to_string());
    assert_eq!(answers[1]["revises"], story.answer.to_string());
    assert_eq!(answers[1]["answered_by"], "organiser");
    assert_eq!(
        answers[1]["landed_in_changes"],
        format!("velo:{}", hex::encode([9u8; 32]))
    );
    assert!(
        answers
            .iter()
            .all(|a| !a["answered_by"].contains(&pk("fred").to_string()))
    );

    // Moderation: the act, no content.
    let moderation = rows(files, "moderation.csv");
    assert_eq!(moderation.len(), 1);
    assert_eq!(moderation[0]["action"], "hide");
    assert_eq!(moderation[0]["contribution"], story.hidden.to_string());
    assert_eq!(moderation[0]["clause"], "charter-4");
    assert_eq!(moderation[0]["by_role"], "moderator");

    // Commitments at the synthesis's as_of.
    let commitments = rows(files, "commitments.csv");
    assert_eq!(commitments[0]["id"], "answers");
    assert_eq!(commitments[0]["status"], "pending");
    assert_eq!(commitments[1]["status"], "pending");

    // Sections: the text's words and the synthesis's figures.
    let sections = rows(files, "sections.csv");
    assert_eq!(sections[0]["section_id"], "velo");
    assert_eq!(sections[0]["words_final"], "120");
    assert_eq!(sections[0]["words_added"], "12");
    assert_eq!(sections[0]["words_citizen"], "10");
    assert_eq!(sections[0]["words_agent"], "2");
    assert_eq!(sections[0]["words_expert"], "");
    assert_eq!(sections[0]["contributions_anchored"], "1");
    assert_eq!(sections[0]["contributions_landed"], "1");
    assert_eq!(sections[1]["heading"], "Bus, tram");
    assert_eq!(sections[1]["words_added"], "");

    // The synthesis: the report itself, and flattened.
    let report: Value = serde_json::from_slice(&files["synthesis.json"]).expect("json");
    assert_eq!(report, synthesis);
    let metrics = rows(files, "synthesis.csv");
    assert!(
        metrics
            .iter()
            .any(|m| m["metric"] == "shares_permille.contributions_citizen" && m["value"] == "750")
    );
    assert!(
        metrics
            .iter()
            .any(|m| m["metric"] == "sections.0.added_by.citizen.words" && m["value"] == "10")
    );

    // Process.
    let process = rows(files, "process.csv");
    assert_eq!(process[0]["title"], "Plan vélo, « Rive gauche »");
    assert_eq!(process[0]["as_of"], iso(T0 + 20 * HOUR));
    assert_eq!(process[0]["licence"], LICENCE);
    assert_eq!(
        process[0]["categories"],
        "mobility=Mobilité;housing=Logement"
    );

    let readme = String::from_utf8(files["README.md"].clone()).expect("utf-8");
    assert!(readme.contains("## Français") && readme.contains("## English"));
    assert!(readme.contains("nous verify bundle.nous"));
}

#[test]
fn the_same_state_exports_the_same_bytes_and_absent_synthesis_is_tolerated() {
    let story = story();
    let names = BTreeMap::new();
    let once = export_of(&story, &names, None);
    let twice = export_of(&story, &names, None);
    assert_eq!(once, twice);
    let valid = validate(&once).unwrap_or_else(|problems| panic!("{problems:#?}"));
    assert_eq!(valid.files["synthesis.json"], b"null\n");
    assert_eq!(valid.tables["synthesis"], 0);
    // Without a synthesis, statuses are read at the latest record.
    let process = rows(&valid.files, "process.csv");
    assert_eq!(process[0]["as_of"], iso(story.log.clock));
    let with = synthesis(story.located);
    assert_ne!(export_of(&story, &names, Some(&with)), once);
}

#[test]
fn a_participation_the_state_does_not_have_is_an_error() {
    let story = story();
    let state = story.log.state();
    let error = export(&ExportInput {
        state: &state,
        participation: story.located,
        sections: Vec::new(),
        synthesis: None,
        names: &BTreeMap::new(),
        bundle: b"",
    })
    .expect_err("not a participation");
    assert!(matches!(error, ExportError::NoParticipation(id) if id == story.located));
}

#[test]
fn the_calendar_is_crlf_folded_and_balanced() {
    let story = story();
    let archive = export_of(&story, &BTreeMap::new(), None);
    let files = validate(&archive).expect("valid").files;
    let ics = &files["phases.ics"];
    let text = std::str::from_utf8(ics).expect("utf-8");
    assert!(text.ends_with("\r\n"));
    // Every line break is CRLF, and no line is longer than 75 octets.
    for line in text.split("\r\n") {
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    // Unfolded: balanced BEGIN/END, one event per phase.
    let unfolded = text.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.split("\r\n").filter(|l| !l.is_empty()).collect();
    let mut stack = Vec::new();
    for line in &lines {
        if let Some(what) = line.strip_prefix("BEGIN:") {
            stack.push(what);
        } else if let Some(what) = line.strip_prefix("END:") {
            assert_eq!(stack.pop(), Some(what));
        }
    }
    assert!(stack.is_empty());
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 1);
    let phase = story.log.state().participations[&story.participation].phases[0].record;
    assert!(lines.contains(&format!("UID:{phase}@nous").as_str()));
    assert!(lines.contains(&"DTSTART:20251009T095320Z"));
    assert!(lines.contains(&"DTEND:20251030T045320Z"));
    assert!(
        lines.iter().any(
            |l| l.starts_with("SUMMARY:Plan vélo\\, « Rive gauche » — Stratégie participative")
        )
    );
}

#[test]
fn a_long_line_folds_at_75_octets_never_inside_a_character() {
    let line = format!("SUMMARY:{}", "é".repeat(100));
    let mut out = String::new();
    fold(&line, &mut out);
    for part in out.split("\r\n") {
        assert!(part.len() <= 75, "{part:?}");
    }
    assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
}

#[test]
fn the_geojson_has_visible_located_contributions_longitude_first() {
    let story = story();
    let archive = export_of(&story, &BTreeMap::new(), None);
    let files = validate(&archive).expect("valid").files;
    let geo: Value = serde_json::from_slice(&files["contributions.geojson"]).expect("json");
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().expect("features");
    assert_eq!(features.len(), 1);
    assert_eq!(features[0]["id"], story.located.to_string());
    assert_eq!(features[0]["geometry"]["type"], "Point");
    assert_eq!(
        features[0]["geometry"]["coordinates"],
        json!([4.835659, 45.764043])
    );
}

#[test]
fn a_hidden_located_contribution_leaves_the_map() {
    let mut story = story();
    story.log.act(
        "fred",
        Payload::Hide(Moderate {
            contribution: story.located,
            reason: "personal data".into(),
            clause: "charter-5".into(),
        }),
    );
    let archive = export_of(&story, &BTreeMap::new(), None);
    let files = validate(&archive).expect("valid").files;
    let geo: Value = serde_json::from_slice(&files["contributions.geojson"]).expect("json");
    assert_eq!(geo["features"], json!([]));
    let contributions = rows(&files, "contributions.csv");
    let located = row(&contributions, &story.located);
    assert_eq!(located["latitude"], "");
    assert_eq!(located["hidden_reason"], "personal data");
}

#[test]
fn the_validator_catches_a_twin_that_differs_and_a_bad_cell() {
    let story = story();
    let archive = export_of(&story, &BTreeMap::new(), None);
    let mut files = validate(&archive).expect("valid").files;
    let rewrite = |files: &BTreeMap<String, Vec<u8>>| {
        let list: Vec<(String, Vec<u8>)> = files.clone().into_iter().collect();
        zip(&list).expect("zip")
    };
    // A JSON twin with a row changed.
    let original = files["answers.json"].clone();
    let changed = String::from_utf8(original.clone())
        .expect("utf-8")
        .replace("Retenue après la réunion", "Autre chose");
    files.insert("answers.json".into(), changed.into_bytes());
    let problems = validate(&rewrite(&files)).expect_err("differs");
    assert!(
        problems.iter().any(|p| p.contains("answers.json differ")),
        "{problems:?}"
    );
    files.insert("answers.json".into(), original);
    // A datetime that is not one.
    let csv = String::from_utf8(files["phases.csv"].clone())
        .expect("utf-8")
        .replace("2025-10-09T09:53:20Z", "2025-13-09T09:53:20Z");
    files.insert("phases.csv".into(), csv.into_bytes());
    let problems = validate(&rewrite(&files)).expect_err("bad cell");
    assert!(
        problems.iter().any(|p| p.contains("is not a datetime")),
        "{problems:?}"
    );
}

const ONE: &[Field] = &[f("a", Type::String, "a")];
const TWO: &[Field] = &[f("a", Type::String, "a"), f("b", Type::String, "b")];

#[test]
fn csv_cells_round_trip_through_the_parser() {
    let table = Table {
        name: "t",
        title: "t",
        description: "t",
        fields: TWO,
        primary_key: &["a"],
        foreign_keys: &[],
        rows: vec![
            vec![Cell::text("x, y"), Cell::text("say \"hi\"\r\nthen")],
            vec![Cell::text(" lead"), Cell::Null],
        ],
    };
    let csv = table.csv();
    let text = std::str::from_utf8(&csv[3..]).expect("utf-8");
    let parsed = parse_csv(text).expect("parse");
    assert_eq!(
        parsed,
        vec![
            vec!["a".to_owned(), "b".to_owned()],
            vec!["x, y".to_owned(), "say \"hi\"\r\nthen".to_owned()],
            vec![" lead".to_owned(), String::new()],
        ]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any text written as a CSV cell reads back as itself.
        #[test]
        fn any_cell_round_trips(cells in proptest::collection::vec(".*", 1..5)) {
            let table = Table {
                name: "t",
                title: "t",
                description: "t",
                fields: ONE,
                primary_key: &[],
                foreign_keys: &[],
                rows: cells.iter().map(|c| vec![Cell::text(c.clone())]).collect(),
            };
            let csv = table.csv();
            let text = std::str::from_utf8(&csv[3..]).expect("utf-8");
            let parsed = parse_csv(text).expect("parse");
            let read: Vec<String> = parsed[1..].iter().map(|r| r[0].clone()).collect();
            prop_assert_eq!(read, cells);
        }

        /// Any line folds into lines of at most 75 octets that unfold to it.
        #[test]
        fn any_line_folds(line in "[^\r\n]{0,300}") {
            let mut out = String::new();
            fold(&line, &mut out);
            for part in out.split("\r\n") {
                prop_assert!(part.len() <= 75);
            }
            prop_assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        }
    }
}
