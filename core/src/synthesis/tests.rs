//! The synthesis on real charter documents and signed records: exact
//! attribution, the invariants of the count under random edits, the same
//! hash whatever the order records and changes come in, and scenario 9.

use sha2::{Digest as _, Sha256};

use super::*;
use crate::charter::SectionId;
use crate::engine::Engine;
use crate::engine::tests::case_count;
use crate::identity::DeviceKey;
use crate::markdown;
use crate::record::{
    Anchor, Category, Channel, College, Commitment, Contributors, Founder, Genesis, Heads, Landing,
    Moderate, OpenParticipation, OpenPhase, PhaseKind, PublishAnswer, Rules, SubmitContribution,
    Unsigned, Version, WithdrawContribution,
};
use crate::store::MemoryStorage;

const T0: u64 = 1_700_000_000_000;
const DAY: u64 = 86_400_000;

fn key(name: &str) -> DeviceKey {
    DeviceKey::from_seed(&Sha256::digest(name.as_bytes()).into())
}

/// A community (Alice and Fred, Fred facilitates) as a chain of signed
/// records, each on the one before.
struct World {
    community: CommunityId,
    records: Vec<Record>,
    clock: u64,
    last: RecordId,
}

impl World {
    fn new() -> World {
        let genesis = Genesis {
            name: "Métropole".into(),
            charter: Version {
                doc: DocId::from_bytes([9; 16]),
                heads: Heads::new(vec![ChangeHash([1; 32])]),
            },
            colleges: vec![College {
                id: "members".into(),
                name: "Members".into(),
                weight: 1,
            }],
            founders: ["alice", "fred"]
                .iter()
                .map(|n| Founder {
                    member: key(n).public(),
                    name: (*n).into(),
                    college: "members".into(),
                })
                .collect(),
            rules: Rules::default(),
            facilitators: vec![key("fred").public()],
        };
        let record = Record::sign(
            &key("alice"),
            Unsigned {
                community: RecordId::ZERO,
                timestamp: T0,
                parents: Vec::new(),
                payload: Payload::Genesis(genesis),
            },
        )
        .expect("sign");
        World {
            community: record.id(),
            last: record.id(),
            records: vec![record],
            clock: T0,
        }
    }

    fn act(&mut self, who: &str, payload: Payload) -> RecordId {
        self.clock += 1_000;
        let record = Record::sign(
            &key(who),
            Unsigned {
                community: self.community,
                timestamp: self.clock,
                parents: vec![self.last],
                payload,
            },
        )
        .expect("sign");
        self.last = record.id();
        self.records.push(record);
        self.last
    }

    fn state(&self) -> State {
        governance::resolve(self.community, &self.records, ResolveOptions::default())
            .expect("resolve")
    }

    /// Every record accepted.
    fn all_accepted(&self) -> State {
        let state = self.state();
        for outcome in state.records.iter() {
            assert!(
                matches!(outcome.verdict, Verdict::Accepted),
                "{} {:?}",
                outcome.kind,
                outcome.verdict
            );
        }
        state
    }

    /// Fred opens a participation on `doc` at `baseline`, and a strategy
    /// phase open to anyone on devices.
    fn open(&mut self, doc: DocId, baseline: &[ChangeHash]) -> RecordId {
        let version = Version {
            doc,
            heads: Heads::new(baseline.to_vec()),
        };
        let commitment = |id: &str, check| Commitment {
            id: id.into(),
            text: format!("we keep {id}"),
            check,
        };
        let p = self.act(
            "fred",
            Payload::OpenParticipation(OpenParticipation {
                title: "Plan vélo".into(),
                text: version.clone(),
                contract: version,
                commitments: vec![
                    commitment("answers", CommitmentCheck::Answers),
                    commitment("synthesis", CommitmentCheck::Synthesis),
                ],
                categories: vec![Category {
                    id: "general".into(),
                    label: "Général".into(),
                }],
                answer_due: T0 + 90 * DAY,
                moderators: Vec::new(),
                answerers: Vec::new(),
                report_threshold: 0,
            }),
        );
        let opens_at = self.clock;
        self.act(
            "fred",
            Payload::OpenPhase(OpenPhase {
                participation: p,
                phase: PhaseKind::Strategy,
                opens_at,
                closes_at: None,
                contributors: Contributors::Anyone,
                channels: vec![Channel::Device],
                categories: Vec::new(),
            }),
        );
        p
    }

    fn submit(
        &mut self,
        who: &str,
        p: RecordId,
        author_type: AuthorType,
        section: Option<&SectionId>,
    ) -> RecordId {
        self.act(
            who,
            Payload::SubmitContribution(SubmitContribution {
                participation: p,
                title: format!("Idée de {who}"),
                body: "Plus de pistes cyclables.".into(),
                category: "general".into(),
                author_type,
                anchor: section.map(|s| Anchor {
                    section: s.as_str().into(),
                    article: None,
                }),
                location: None,
                channel: Channel::Device,
                on_behalf_of: None,
                invitation: None,
            }),
        )
    }

    fn answer(
        &mut self,
        contribution: RecordId,
        state: AnswerState,
        landed: &[(&SectionId, &[ChangeHash])],
    ) -> RecordId {
        self.act(
            "fred",
            Payload::PublishAnswer(PublishAnswer {
                contribution,
                state,
                argument: "Parce que.".into(),
                landed_in: landed
                    .iter()
                    .map(|(section, changes)| Landing {
                        section: section.as_str().into(),
                        changes: Heads::new(changes.to_vec()),
                    })
                    .collect(),
                revises: None,
            }),
        )
    }
}

/// A charter written by the organiser (seed 1), held by an agent (seed 2)
/// too: its id, sections and the baseline heads.
fn charter(markdown: &str, homes: [&mut Engine; 2]) -> (DocId, Vec<SectionId>, Vec<ChangeHash>) {
    let [organiser, agent] = homes;
    let doc = organiser
        .create_charter("Charte", &markdown::parse(markdown))
        .expect("create")
        .value;
    let sections = organiser
        .charter(&doc, None)
        .expect("read")
        .sections
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let bundle = organiser.export_bundle(&[doc]).expect("export");
    agent.import_bundle(&bundle).expect("import");
    let heads = organiser.heads(&doc).expect("heads");
    (doc, sections, heads)
}

fn set(home: &mut Engine, doc: &DocId, section: &SectionId, text: &str) -> ChangeHash {
    home.edit(doc, "edit", |c| c.set_body(section, text))
        .expect("edit")
        .change
        .expect("a change")
}

fn exchange(from: &mut Engine, to: &mut Engine, doc: &DocId) {
    let bundle = from.export_bundle(&[*doc]).expect("export");
    to.import_bundle(&bundle).expect("import");
}

fn homes() -> (Engine, Engine) {
    (
        crate::engine::tests::engine(1, &MemoryStorage::default()),
        crate::engine::tests::engine(2, &MemoryStorage::default()),
    )
}

#[test]
fn characters_and_words_are_credited_through_the_answers_landings() {
    let (mut organiser, mut agent) = homes();
    let (doc, sections, baseline) = charter(
        "# Charte\n\n## Mobilité\n\nLes vélos passent.\n\n## Parcs\n\nLes parcs ferment. Les jeux sont libres.\n",
        [&mut organiser, &mut agent],
    );
    let (mobility, parks) = (&sections[0], &sections[1]);
    // The agent writes what two contributions asked for…
    let c_mobility = set(&mut agent, &doc, mobility, "Les vélos passent partout.");
    let c_parks = set(
        &mut agent,
        &doc,
        parks,
        "Les parcs ferment tard. Les jeux sont libres.",
    );
    // … and the organiser edits on its own account.
    exchange(&mut agent, &mut organiser, &doc);
    let c_own = set(
        &mut organiser,
        &doc,
        parks,
        "Les grands parcs ferment tard. Les jeux sont libres.",
    );
    set(
        &mut organiser,
        &doc,
        parks,
        "Les grands parcs ferment tard.",
    );

    let mut world = World::new();
    let p = world.open(doc, &baseline);
    let c1 = world.submit("camille", p, AuthorType::Citizen, Some(mobility));
    let c2 = world.submit("velo-asso", p, AuthorType::Association, Some(parks));
    let c3 = world.submit("dominique", p, AuthorType::Citizen, Some(parks));
    let c4 = world.submit("eli", p, AuthorType::Citizen, None);
    let c5 = world.submit("alice", p, AuthorType::Agent, Some(parks));
    world.answer(c1, AnswerState::Retained, &[(mobility, &[c_mobility])]);
    world.answer(c2, AnswerState::PartiallyRetained, &[(parks, &[c_parks])]);
    // A hidden contribution's landing credits nothing: the organiser's
    // change stays unattributed.
    world.answer(c3, AnswerState::Retained, &[(parks, &[c_own])]);
    world.act(
        "fred",
        Payload::Hide(Moderate {
            contribution: c3,
            reason: "propos injurieux".into(),
            clause: "charte-moderation".into(),
        }),
    );
    world.act(
        "eli",
        Payload::WithdrawContribution(WithdrawContribution {
            contribution: c4,
            reason: String::new(),
        }),
    );
    let state = world.all_accepted();
    let heads = organiser.heads(&doc).expect("heads");
    let report =
        compute(&state, &p, organiser.document(&doc).expect("doc"), &heads).expect("synthesis");

    let t = &report.text_figures;
    // Baseline: "Charte" 6, "Mobilité" 8, "Les vélos passent." 18,
    // "Parcs" 5, "Les parcs ferment. Les jeux sont libres." 40.
    assert_eq!(t.baseline_chars, 77);
    // Final: 6 + 8 + "Les vélos passent partout." 26 + 5 + "Les grands
    // parcs ferment tard." 30.
    assert_eq!(t.final_chars, 75);
    assert_eq!(t.added_chars, 8 + 5 + 7); // " partout", " tard", "grands "
    assert_eq!(t.kept_chars, 55);
    assert_eq!(t.removed_chars, 22); // " Les jeux sont libres."
    assert_eq!(t.final_words, 12);
    assert_eq!(t.added_words, 3);
    assert_eq!(t.added_by["citizen"], Added { chars: 8, words: 1 });
    assert_eq!(t.added_by["association"], Added { chars: 5, words: 1 });
    assert_eq!(t.added_by[UNATTRIBUTED], Added { chars: 7, words: 1 });
    assert_eq!(t.added_by["agent"], Added::default());

    let c = &report.contributions;
    assert_eq!((c.total, c.hidden, c.withdrawn), (5, 1, 1));
    assert_eq!(c.by_author_type["citizen"], 3);
    assert_eq!(c.by_author_type["association"], 1);
    assert_eq!(c.by_author_type["agent"], 1);
    assert_eq!(c.by_author_type["expert"], 0);
    assert_eq!(c.by_state["retained"], 1);
    assert_eq!(c.by_state["partially-retained"], 1);
    assert_eq!(c.by_state["unanswered"], 1);
    assert_eq!(c.by_state.values().sum::<u64>(), 3);
    assert_eq!(c.retained_by_author_type["citizen"], 1);
    assert_eq!(c.retained_by_author_type["association"], 1);

    let s = &report.shares_permille;
    assert_eq!(s.contributions_citizen, 600);
    assert_eq!(s.retained_citizen, 500);
    assert_eq!(s.added_chars_citizen, 400); // 8 of 20
    assert_eq!(s.added_words_citizen, 333); // 1 of 3

    let names: Vec<(&str, &str)> = report
        .sections
        .iter()
        .map(|s| (s.section.as_str(), s.heading.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("", ""),
            (mobility.as_str(), "Mobilité"),
            (parks.as_str(), "Parcs")
        ]
    );
    let [title, m, k] = &report.sections[..] else {
        panic!("three sections")
    };
    assert_eq!(
        (title.final_chars, title.final_words, title.added_chars),
        (6, 1, 0)
    );
    assert_eq!((m.final_chars, m.final_words), (34, 5));
    assert_eq!((m.added_chars, m.added_words), (8, 1));
    assert_eq!(m.added_by["citizen"], Added { chars: 8, words: 1 });
    assert_eq!(m.contributions, [c1.to_string()]);
    assert_eq!((m.answered, m.retained, m.retained_citizen), (1, 1, 1));
    assert_eq!((k.final_chars, k.final_words), (35, 6));
    assert_eq!((k.added_chars, k.added_words), (12, 2));
    assert_eq!(k.added_by[UNATTRIBUTED], Added { chars: 7, words: 1 });
    // The hidden and withdrawn ones are not listed; the agent's is.
    assert_eq!(k.contributions, [c2.to_string(), c5.to_string()]);
    assert_eq!((k.answered, k.retained, k.retained_citizen), (1, 1, 0));

    let per: Vec<(&str, Option<AnswerState>, u64, u64)> = report
        .per_contribution
        .iter()
        .map(|f| (f.status.as_str(), f.state, f.added_chars, f.added_words))
        .collect();
    assert_eq!(
        per,
        [
            ("answered", Some(AnswerState::Retained), 8, 1),
            ("answered", Some(AnswerState::PartiallyRetained), 5, 1),
            ("hidden", None, 0, 0),
            ("withdrawn", None, 0, 0),
            ("submitted", None, 0, 0),
        ]
    );
    assert_eq!(report.per_contribution[0].id, c1.to_string());
    let commitments: Vec<(&str, &str)> = report
        .commitments
        .iter()
        .map(|c| (c.id.as_str(), c.status.as_str()))
        .collect();
    assert_eq!(
        commitments,
        [("answers", "pending"), ("synthesis", "pending")]
    );
    assert_eq!(report.as_of, world.clock);
    assert_eq!(report.method, SYNTHESIS_METHOD);

    // The figures and the JSON shape others read.
    let figures = report.figures();
    assert_eq!(figures["contributions"], 5);
    assert_eq!(figures["citizen_permille"], 600);
    assert_eq!(figures["retained"], 2);
    assert_eq!(figures["added_chars_citizen"], 8);
    let json: serde_json::Value = serde_json::from_slice(&report.canonical()).expect("json");
    for field in [
        "method",
        "participation",
        "baseline",
        "text",
        "as_of",
        "contributions",
        "shares_permille",
        "text_figures",
        "sections",
        "per_contribution",
        "commitments",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
    // No floats anywhere: every number is an integer.
    fn integers(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) => n.is_u64(),
            serde_json::Value::Array(items) => items.iter().all(integers),
            serde_json::Value::Object(map) => map.values().all(integers),
            _ => true,
        }
    }
    assert!(integers(&json));
    let back: SynthesisReport = serde_json::from_value(json).expect("read back");
    assert_eq!(back, report);
    assert_eq!(back.hash(), report.hash());
}

#[test]
fn a_published_synthesis_is_recomputed_from_what_it_builds_on() {
    let (mut organiser, mut agent) = homes();
    let (doc, sections, baseline) = charter(
        "# Charte\n\n## Mobilité\n\nLes vélos passent.\n",
        [&mut organiser, &mut agent],
    );
    let change = set(&mut agent, &doc, &sections[0], "Les vélos passent partout.");
    exchange(&mut agent, &mut organiser, &doc);
    let mut world = World::new();
    let p = world.open(doc, &baseline);
    let c1 = world.submit("camille", p, AuthorType::Citizen, Some(&sections[0]));
    world.answer(c1, AnswerState::Retained, &[(&sections[0], &[change])]);
    let heads = organiser.heads(&doc).expect("heads");
    let text = organiser.document(&doc).expect("doc").clone();
    let parents = vec![world.last];
    let report = compute_on(
        world.community,
        &world.records,
        &parents,
        &p,
        &text,
        &heads,
        ResolveOptions::default(),
    )
    .expect("compute");
    let publish = |hash: String| {
        Payload::SynthesisPublish(SynthesisPublish {
            participation: p,
            text: Version {
                doc,
                heads: Heads::new(heads.clone()),
            },
            method: SYNTHESIS_METHOD.into(),
            hash,
            figures: report.figures(),
        })
    };
    world.act("fred", publish(report.hash()));
    let good = world.records.last().expect("record").clone();
    // Later records (another contribution) change nothing for it.
    world.submit("dominique", p, AuthorType::Citizen, None);
    let state = world.all_accepted();
    assert_eq!(state.participations[&p].syntheses.len(), 1);
    let again = recompute(
        world.community,
        &world.records,
        &good,
        &text,
        ResolveOptions::default(),
    )
    .expect("recompute");
    assert_eq!(again, report);
    let Payload::SynthesisPublish(published) = good.payload() else {
        panic!("a synthesis")
    };
    assert_eq!(again.matches(published), Ok(()));
    // The report computed now differs (one more contribution).
    let now = compute(&state, &p, &text, &heads).expect("now");
    assert_ne!(now.hash(), report.hash());
    // A record with another hash does not match.
    world.act("fred", publish("0".repeat(64)));
    let bad = world.records.last().expect("record").clone();
    let recomputed = recompute(
        world.community,
        &world.records,
        &bad,
        &text,
        ResolveOptions::default(),
    )
    .expect("recompute");
    let Payload::SynthesisPublish(published) = bad.payload() else {
        panic!("a synthesis")
    };
    let mismatch = recomputed.matches(published).expect_err("mismatch");
    assert!(mismatch.contains("publishes hash 000"), "{mismatch}");
    // Heads not in the document: a clear error.
    let missing = compute(&state, &p, &text, &[ChangeHash([7; 32])]).expect_err("missing");
    assert!(
        matches!(missing, SynthesisError::MissingHeads { which: "final", .. }),
        "{missing}"
    );
    assert_eq!(
        compute(&state, &c1, &text, &heads).expect_err("not one"),
        SynthesisError::NotAParticipation(c1)
    );
}

#[test]
fn permille_rounds_half_up() {
    assert_eq!(permille(78, 120), 650);
    assert_eq!(permille(2, 3), 667);
    assert_eq!(permille(1, 3), 333);
    assert_eq!(permille(1, 2000), 1); // 0.5 rounds up
    assert_eq!(permille(0, 0), 0);
    assert_eq!(permille(5, 5), 1000);
}

/// Scenario 9: 120 contributions — 78 from citizens, 25 from associations,
/// 17 from agents — answered in a mix of states.
#[test]
fn scenario_9_the_citizens_share() {
    let (mut organiser, mut agent) = homes();
    let (doc, sections, baseline) = charter(
        "# Plan\n\n## Pistes\n\nDes pistes.\n\n## Parcs\n\nDes parcs.\n",
        [&mut organiser, &mut agent],
    );
    let (a, b) = (&sections[0], &sections[1]);
    let change = set(&mut agent, &doc, a, "Des pistes sûres.");
    exchange(&mut agent, &mut organiser, &doc);
    let mut world = World::new();
    let p = world.open(doc, &baseline);
    let mut citizens = Vec::new();
    for i in 0..78 {
        let section = if i % 2 == 0 { a } else { b };
        citizens.push(world.submit(
            &format!("citizen-{i}"),
            p,
            AuthorType::Citizen,
            Some(section),
        ));
    }
    let associations: Vec<RecordId> = (0..25)
        .map(|i| world.submit(&format!("asso-{i}"), p, AuthorType::Association, Some(a)))
        .collect();
    let agents: Vec<RecordId> = (0..17)
        .map(|_| world.submit("alice", p, AuthorType::Agent, Some(b)))
        .collect();
    use AnswerState::*;
    for (i, &c) in citizens.iter().enumerate() {
        let state = match i {
            0..30 => Retained,
            30..40 => PartiallyRetained,
            40..60 => NotRetained,
            60..70 => OutOfScope,
            _ => Deferred,
        };
        let landed: &[(&SectionId, &[ChangeHash])] = if i == 0 { &[(a, &[change])] } else { &[] };
        world.answer(c, state, landed);
    }
    for (i, &c) in associations.iter().enumerate() {
        let state = match i {
            0..10 => Retained,
            10..15 => PartiallyRetained,
            _ => NotRetained,
        };
        world.answer(c, state, &[]);
    }
    for (i, &c) in agents.iter().enumerate() {
        world.answer(c, if i < 5 { Retained } else { AlreadyCovered }, &[]);
    }
    let state = world.all_accepted();
    let heads = organiser.heads(&doc).expect("heads");
    let text = organiser.document(&doc).expect("doc").clone();
    let report = compute(&state, &p, &text, &heads).expect("synthesis");

    let c = &report.contributions;
    assert_eq!(c.total, 120);
    assert_eq!(c.by_author_type["citizen"], 78);
    assert_eq!(c.by_author_type["association"], 25);
    assert_eq!(c.by_author_type["agent"], 17);
    // 65 % from citizens.
    assert_eq!(report.shares_permille.contributions_citizen, 650);
    // Retained: citizens 30 + 10, associations 10 + 5, agents 5 = 60; the
    // citizens' 40 of 60 is 666.7 ‰, rounded to 667.
    assert_eq!(c.retained_by_author_type["citizen"], 40);
    assert_eq!(c.retained_by_author_type.values().sum::<u64>(), 60);
    assert_eq!(report.shares_permille.retained_citizen, 667);
    assert_eq!(c.by_state["retained"], 45);
    assert_eq!(c.by_state["partially-retained"], 15);
    assert_eq!(c.by_state["not-retained"], 30);
    assert_eq!(c.by_state["out-of-scope"], 10);
    assert_eq!(c.by_state["deferred"], 8);
    assert_eq!(c.by_state["already-covered"], 12);
    assert_eq!(c.by_state["unanswered"], 0);
    // Per section: citizens alternate; associations on A, agents on B.
    // A: 39 citizens (20 of the 40 retained) + 25 associations (15).
    let section = |id: &SectionId| {
        report
            .sections
            .iter()
            .find(|s| s.section == id.as_str())
            .expect("section")
    };
    let (sa, sb) = (section(a), section(b));
    assert_eq!(sa.contributions.len(), 39 + 25);
    assert_eq!((sa.retained, sa.retained_citizen), (35, 20));
    assert_eq!(sb.contributions.len(), 39 + 17);
    assert_eq!((sb.retained, sb.retained_citizen), (25, 20));
    // The only added words are the first citizen's, landed in A.
    assert_eq!(
        report.text_figures.added_chars,
        " sûres".chars().count() as u64
    );
    assert_eq!(report.shares_permille.added_chars_citizen, 1000);
    assert_eq!(sa.added_by["citizen"], Added { chars: 6, words: 1 });
    assert_eq!(report.per_contribution[0].added_words, 1);
    // The answers are all in before the deadline.
    assert_eq!(report.commitments[0].status, "pending");

    // Run again, on the records in another order: the same hash.
    let first = report.hash();
    assert_eq!(
        compute(&state, &p, &text, &heads).expect("again").hash(),
        first
    );
    let mut shuffled = world.records.clone();
    shuffled.reverse();
    let again = compute_on(
        world.community,
        &shuffled,
        &[world.last],
        &p,
        &text,
        &heads,
        ResolveOptions::default(),
    )
    .expect("again");
    assert_eq!(again.hash(), first);
}

/// A deterministic shuffle.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

const WORDS: [&str; 8] = ["vélo", "piste", "parc", "œuvre", "Zoë", "bus", "ça", "rue"];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(case_count(16)))]

    /// Whatever the edits: added + kept = final, kept + removed =
    /// baseline, the shares of added add up, and the report's hash does
    /// not depend on the order records or changes come in.
    #[test]
    fn the_count_adds_up_and_does_not_depend_on_order(
        edits in proptest::collection::vec((0usize..3, 0usize..2, proptest::collection::vec(0usize..8, 0..6)), 1..8),
        credit in proptest::collection::vec(0usize..3, 8),
        seed in proptest::prelude::any::<u64>(),
    ) {
        let (mut organiser, mut agent) = homes();
        let (doc, sections, baseline) = charter(
            "# Charte\n\n## Un\n\nvélo piste parc.\n\n## Deux\n\nbus rue.\n",
            [&mut organiser, &mut agent],
        );
        // Who edits: 0 the agent, 1 the organiser, 2 the agent after
        // taking the organiser's changes.
        let mut agent_changes = Vec::new();
        for (who, section, words) in &edits {
            let text: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
            let text = text.join(" ");
            let section = &sections[*section];
            match who {
                1 => {
                    organiser.edit(&doc, "edit", |c| c.set_body(section, &text)).expect("edit");
                }
                _ => {
                    if *who == 2 {
                        exchange(&mut organiser, &mut agent, &doc);
                    }
                    if let Some(change) = agent.edit(&doc, "edit", |c| c.set_body(section, &text)).expect("edit").change {
                        agent_changes.push(change);
                    }
                }
            }
        }
        exchange(&mut agent, &mut organiser, &doc);
        exchange(&mut organiser, &mut agent, &doc);
        let mut world = World::new();
        let p = world.open(doc, &baseline);
        let c1 = world.submit("camille", p, AuthorType::Citizen, Some(&sections[0]));
        let c2 = world.submit("velo-asso", p, AuthorType::Association, Some(&sections[1]));
        // Each agent change is credited to the citizen, the association,
        // or nobody; some to both (the citizen, first, wins).
        let to = |n: usize| -> Vec<ChangeHash> {
            agent_changes.iter().enumerate()
                .filter(|(i, _)| credit[i % credit.len()] == n || credit[i % credit.len()] == 2 && n < 2 && i % 2 == 0)
                .map(|(_, h)| *h).collect()
        };
        let (to1, to2) = (to(0), to(1));
        world.answer(c1, AnswerState::Retained, &[(&sections[0], &to1)]);
        world.answer(c2, AnswerState::PartiallyRetained, &[(&sections[1], &to2)]);
        let state = world.all_accepted();
        let heads = organiser.heads(&doc).expect("heads");
        let text = organiser.document(&doc).expect("doc").clone();
        let report = compute(&state, &p, &text, &heads).expect("synthesis");
        let t = &report.text_figures;
        proptest::prop_assert_eq!(t.added_chars + t.kept_chars, t.final_chars);
        proptest::prop_assert_eq!(t.kept_chars + t.removed_chars, t.baseline_chars);
        proptest::prop_assert_eq!(t.added_by.values().map(|a| a.chars).sum::<u64>(), t.added_chars);
        proptest::prop_assert_eq!(t.added_by.values().map(|a| a.words).sum::<u64>(), t.added_words);
        proptest::prop_assert!(t.added_words <= t.final_words);
        proptest::prop_assert_eq!(report.sections.iter().map(|s| s.final_chars).sum::<u64>(), t.final_chars);
        proptest::prop_assert_eq!(report.sections.iter().map(|s| s.added_words).sum::<u64>(), t.added_words);
        let credited: u64 = report.per_contribution.iter().map(|c| c.added_chars).sum();
        proptest::prop_assert_eq!(credited, t.added_chars - t.added_by[UNATTRIBUTED].chars);
        // Nothing the organiser wrote alone is credited to anyone.
        if agent_changes.is_empty() {
            proptest::prop_assert_eq!(credited, 0);
        }
        // The final text, read plainly, has as many characters.
        let charter = crate::charter::read(&text, Some(&heads)).expect("read");
        let plain: usize = charter.title.chars().count()
            + charter.preamble.chars().count()
            + charter.sections.iter().map(|s| s.heading.chars().count() + s.text.chars().count()
                + s.articles.iter().map(|a| a.text.chars().count()).sum::<usize>()).sum::<usize>();
        proptest::prop_assert_eq!(plain as u64, t.final_chars);

        // The same records in any order, resolved with any tie-break.
        let mut records = world.records.clone();
        shuffle(&mut records, seed);
        let options = ResolveOptions { check_signatures: true, tie_break_salt: [seed as u8; 32] };
        let reordered = governance::resolve(world.community, &records, options).expect("resolve");
        proptest::prop_assert_eq!(compute(&reordered, &p, &text, &heads).expect("again").hash(), report.hash());
        // The document's changes applied in any order.
        let mut changes = text.get_changes(&[]);
        shuffle(&mut changes, seed.rotate_left(17));
        let mut other = Automerge::new();
        for change in changes {
            other.apply_changes([change]).expect("apply");
        }
        proptest::prop_assert_eq!(compute(&state, &p, &other, &heads).expect("again").hash(), report.hash());
    }
}

proptest::proptest! {
    /// `count_words` counts the non-empty runs left when the text is cut
    /// at every character that is not alphanumeric, whatever the text.
    #[test]
    fn count_words_counts_alphanumeric_runs(text in "[a-zé0-9 '’,.\\-\n]{0,40}") {
        let runs = text.split(|c: char| !c.is_alphanumeric()).filter(|r| !r.is_empty()).count();
        proptest::prop_assert_eq!(count_words(&text), runs as u64);
    }
}

#[test]
fn count_words_reads_apostrophes_and_hyphens_as_breaks() {
    assert_eq!(count_words("l'arceau, vélo-cargo 2 roues"), 6);
    assert_eq!(count_words("  "), 0);
}
