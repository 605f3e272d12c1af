//! The report tells public participations: phases in order with their
//! dates, commitments as they stand, counts, syntheses, the closing, each
//! contribution's path; a hidden contribution by its id and why only.

use super::*;
use crate::governance::{self, ResolveOptions};
use crate::identity::DeviceKey;
use crate::ids::DocId;
use crate::record::{
    AmendContribution, AnswerState, AuthorType, Category, Channel, CloseParticipation, College,
    Commitment, CommitmentCheck, Contributors, Founder, Genesis, Heads, Landing, LinkContribution,
    Moderate, OpenParticipation, OpenPhase, Payload, PhaseKind, PublishAnswer, Record, Relation,
    ReportContribution, ReportReason, Rules, SYNTHESIS_METHOD, SettleCommitment,
    SubmitContribution, SupportContribution, SynthesisPublish, Unsigned, Version,
    WithdrawContribution,
};
use crate::time::DAY_MS;

const T0: u64 = 1_700_000_000_000;
const HOUR: u64 = 3_600_000;
const SCRIPT: &str = "<script>alert(1)</script> Parking";
const SECRET_TITLE: &str = "Insultes au maire";
const SECRET_BODY: &str = "Un texte injurieux qui ne doit jamais paraître";
const TEXT_DOC: [u8; 16] = [7; 16];

fn key(seed: u8) -> DeviceKey {
    DeviceKey::from_seed(&[seed; 32])
}

/// Records signed one after the other, an hour apart, each on the last.
struct Chain {
    community: RecordId,
    records: Vec<Record>,
    last: RecordId,
    time: u64,
}

impl Chain {
    fn add(&mut self, key: &DeviceKey, payload: Payload) -> RecordId {
        self.time += HOUR;
        let record = Record::sign(
            key,
            Unsigned {
                community: self.community,
                timestamp: self.time,
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
}

fn heads(n: u8) -> Heads {
    Heads::new(vec![ChangeHash([n; 32])])
}

fn submit(p: RecordId, title: &str, body: &str, author_type: AuthorType) -> Payload {
    Payload::SubmitContribution(SubmitContribution {
        participation: p,
        title: title.into(),
        body: body.into(),
        category: "mobility".into(),
        author_type,
        anchor: None,
        location: None,
        channel: Channel::Device,
        on_behalf_of: None,
        invitation: None,
    })
}

fn phase(p: RecordId, phase: PhaseKind, opens_at: u64, closes_at: Option<u64>) -> Payload {
    Payload::OpenPhase(OpenPhase {
        participation: p,
        phase,
        opens_at,
        closes_at,
        contributors: Contributors::Anyone,
        channels: if phase == PhaseKind::Strategy {
            Channel::ALL.to_vec()
        } else {
            Vec::new()
        },
        categories: Vec::new(),
    })
}

fn report(c: RecordId) -> Payload {
    Payload::ReportContribution(ReportContribution {
        contribution: c,
        reason: ReportReason::Offensive,
        details: SECRET_BODY.into(),
        invitation: None,
    })
}

/// What the scenario's records are, by name.
struct Ids {
    participation: RecordId,
    phases: Vec<(PhaseKind, u64)>,
    /// Zoé's, amended, linked to, answered "retained", landed.
    piste: RecordId,
    /// Yann's, reported twice then hidden by Fred.
    hidden: RecordId,
    /// Xavier's, with a hostile title, a duplicate, answered.
    script: RecordId,
    /// Yann's second, withdrawn.
    withdrawn: RecordId,
    closed_at: u64,
}

/// Fred (the facilitator) opens "Plan vélo", runs its four phases; three
/// citizens who are not members contribute, amend, report, support and
/// withdraw; Fred links, hides, answers, publishes a synthesis, settles a
/// commitment as broken and closes.
fn scenario() -> (State, Ids) {
    let fred = key(1);
    let bob = key(2);
    let (zoe, yann, xavier) = (key(11), key(12), key(13));
    let genesis = Record::sign(
        &fred,
        Unsigned {
            community: RecordId::ZERO,
            timestamp: T0,
            parents: Vec::new(),
            payload: Payload::Genesis(Genesis {
                name: "Ville".into(),
                charter: Version {
                    doc: DocId::from_bytes([1; 16]),
                    heads: heads(1),
                },
                colleges: vec![College {
                    id: "council".into(),
                    name: "Council".into(),
                    weight: 1,
                }],
                founders: vec![
                    Founder {
                        member: fred.public(),
                        name: "Fred".into(),
                        college: "council".into(),
                    },
                    Founder {
                        member: bob.public(),
                        name: "Bob".into(),
                        college: "council".into(),
                    },
                ],
                rules: Rules {
                    amend: crate::record::Rule::new(Method::Consent),
                    admit: crate::record::Rule::new(Method::Consent),
                    exclude: crate::record::Rule::new(Method::Qualified),
                    rules: crate::record::Rule::new(Method::Consent),
                },
                facilitators: vec![fred.public()],
            }),
        },
    )
    .expect("sign genesis");
    let mut chain = Chain {
        community: genesis.id(),
        last: genesis.id(),
        time: T0,
        records: vec![genesis],
    };
    let due = T0 + 60 * DAY_MS;
    let participation = chain.add(
        &fred,
        Payload::OpenParticipation(OpenParticipation {
            title: "Plan vélo".into(),
            text: Version {
                doc: DocId::from_bytes(TEXT_DOC),
                heads: heads(40),
            },
            contract: Version {
                doc: DocId::from_bytes([8; 16]),
                heads: heads(41),
            },
            commitments: vec![
                Commitment {
                    id: "answers".into(),
                    text: "Chaque contribution reçoit une réponse argumentée.".into(),
                    check: CommitmentCheck::Answers,
                },
                Commitment {
                    id: "synthesis".into(),
                    text: "Une synthèse est publiée.".into(),
                    check: CommitmentCheck::Synthesis,
                },
                Commitment {
                    id: "meetings".into(),
                    text: "Trois réunions publiques.".into(),
                    check: CommitmentCheck::Manual,
                },
                Commitment {
                    id: "visits".into(),
                    text: "Une visite de terrain.".into(),
                    check: CommitmentCheck::Manual,
                },
            ],
            categories: vec![Category {
                id: "mobility".into(),
                label: "Mobilité".into(),
            }],
            answer_due: due,
            moderators: Vec::new(),
            answerers: Vec::new(),
            report_threshold: 2,
        }),
    );
    let mut phases = Vec::new();
    let contract_at = chain.time + HOUR;
    chain.add(
        &fred,
        phase(participation, PhaseKind::Contract, contract_at, None),
    );
    phases.push((PhaseKind::Contract, contract_at));
    let strategy_at = chain.time + HOUR;
    chain.add(
        &fred,
        phase(
            participation,
            PhaseKind::Strategy,
            strategy_at,
            Some(strategy_at + 30 * DAY_MS),
        ),
    );
    phases.push((PhaseKind::Strategy, strategy_at));
    let piste = chain.add(
        &zoe,
        submit(
            participation,
            "Une piste cyclable",
            "Rue Nationale, des deux côtés.",
            AuthorType::Citizen,
        ),
    );
    let hidden = chain.add(
        &yann,
        submit(
            participation,
            SECRET_TITLE,
            SECRET_BODY,
            AuthorType::Association,
        ),
    );
    chain.add(
        &zoe,
        Payload::AmendContribution(AmendContribution {
            contribution: piste,
            title: "Une piste cyclable protégée".into(),
            body: "Rue Nationale, des deux côtés, séparée.".into(),
        }),
    );
    let script = chain.add(
        &xavier,
        submit(participation, SCRIPT, "<b>gras</b>", AuthorType::Citizen),
    );
    let withdrawn = chain.add(
        &yann,
        submit(
            participation,
            "Une idée retirée",
            "Finalement non.",
            AuthorType::Association,
        ),
    );
    chain.add(
        &xavier,
        Payload::SupportContribution(SupportContribution {
            contribution: piste,
            invitation: None,
        }),
    );
    chain.add(
        &fred,
        Payload::LinkContribution(LinkContribution {
            contribution: script,
            relation: Relation::DuplicateOf,
            target: piste,
        }),
    );
    chain.add(&zoe, report(hidden));
    chain.add(&xavier, report(hidden));
    chain.add(
        &fred,
        Payload::Hide(Moderate {
            contribution: hidden,
            reason: "propos injurieux".into(),
            clause: "c4".into(),
        }),
    );
    chain.add(
        &yann,
        Payload::WithdrawContribution(WithdrawContribution {
            contribution: withdrawn,
            reason: "j'ai changé d'avis".into(),
        }),
    );
    let instruction_at = chain.time + HOUR;
    chain.add(
        &fred,
        phase(participation, PhaseKind::Instruction, instruction_at, None),
    );
    phases.push((PhaseKind::Instruction, instruction_at));
    let answer_at = chain.time + HOUR;
    chain.add(
        &fred,
        phase(participation, PhaseKind::Answer, answer_at, None),
    );
    phases.push((PhaseKind::Answer, answer_at));
    chain.add(
        &fred,
        Payload::PublishAnswer(PublishAnswer {
            contribution: piste,
            state: AnswerState::Retained,
            argument: "Elle relie les écoles.".into(),
            landed_in: vec![Landing {
                section: "mobilite".into(),
                changes: heads(50),
            }],
            revises: None,
        }),
    );
    chain.add(
        &fred,
        Payload::PublishAnswer(PublishAnswer {
            contribution: script,
            state: AnswerState::AlreadyCovered,
            argument: "Voir la piste cyclable.".into(),
            landed_in: Vec::new(),
            revises: None,
        }),
    );
    chain.add(
        &fred,
        Payload::SynthesisPublish(SynthesisPublish {
            participation,
            text: Version {
                doc: DocId::from_bytes(TEXT_DOC),
                heads: heads(51),
            },
            method: SYNTHESIS_METHOD.into(),
            hash: "ab".repeat(32),
            figures: [
                ("citizen_permille".to_owned(), 650),
                ("contributions".to_owned(), 4),
            ]
            .into_iter()
            .collect(),
        }),
    );
    chain.add(
        &fred,
        Payload::SettleCommitment(SettleCommitment {
            participation,
            commitment: "visits".into(),
            kept: false,
            evidence: "Aucune visite organisée".into(),
        }),
    );
    chain.add(
        &fred,
        Payload::CloseParticipation(CloseParticipation {
            participation,
            summary: "Merci à toutes et tous".into(),
        }),
    );
    let closed_at = chain.time;
    let state = chain.state();
    assert_eq!(
        state.problems().count(),
        0,
        "{:?}",
        state.problems().collect::<Vec<_>>()
    );
    (
        state,
        Ids {
            participation,
            phases,
            piste,
            hidden,
            script,
            withdrawn,
            closed_at,
        },
    )
}

fn report_of(state: &State, format: Format, lang: Lang) -> String {
    governance_history_in(state, &Automerge::new(), format, lang)
}

/// The part of a Markdown report from the participations on.
fn part(md: &str, heading: &str) -> String {
    md.split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("{heading:?} in\n{md}"))
        .to_owned()
}

/// Positions of `needles` in `text`, each after the one before.
fn in_order(text: &str, needles: &[String]) {
    let mut from = 0;
    for needle in needles {
        let at = text[from..]
            .find(needle.as_str())
            .unwrap_or_else(|| panic!("{needle:?} after byte {from} in\n{text}"));
        from += at + needle.len();
    }
}

#[test]
fn the_report_lists_the_phases_in_order_with_their_dates() {
    let (state, ids) = scenario();
    let md = report_of(&state, Format::Markdown, Lang::En);
    let part = part(&md, "## Public participations");
    assert!(part.contains("### “Plan vélo” — closed"), "{part}");
    assert!(
        part.contains(&format!(
            "Opened by Fred on {} (`{}`)",
            date(Lang::En, T0 + HOUR),
            ids.participation.short()
        )),
        "{part}"
    );
    let names = [
        "Participation contract",
        "Participative strategy",
        "Instruction",
        "Answers",
    ];
    let lines: Vec<String> = ids
        .phases
        .iter()
        .zip(names)
        .map(|((_, at), name)| format!("**{name}**: from {}", date(Lang::En, *at)))
        .collect();
    in_order(&part, &lines);
    let (_, strategy) = ids.phases[1];
    assert!(
        part.contains(&format!(
            "**Participative strategy**: from {} until {}, opened by Fred",
            date(Lang::En, strategy),
            date(Lang::En, strategy + 30 * DAY_MS)
        )),
        "{part}"
    );
    assert!(
        part.contains(&format!(
            "**Closed** on {} by Fred: Merci à toutes et tous",
            date(Lang::En, ids.closed_at)
        )),
        "{part}"
    );
}

#[test]
fn the_report_gives_commitments_counts_and_syntheses() {
    let (state, _) = scenario();
    let md = report_of(&state, Format::Markdown, Lang::En);
    let part = part(&md, "## Public participations");
    for line in [
        "`answers` Chaque contribution reçoit une réponse argumentée. — **kept**",
        "`synthesis` Une synthèse est publiée. — **kept**",
        "`meetings` Trois réunions publiques. — **pending**",
        "`visits` Une visite de terrain. — **broken**: Aucune visite organisée",
        "**Contributions:** 4",
        "By author: citizen 2, association 2",
        "By status: awaiting an answer 0, answered 2, hidden 1, withdrawn 1",
        "By answer: retained 1, already covered 1",
        &format!(
            "by Fred: `{}` (method nous/synthesis/v1): citizen\\_permille = 650, contributions = 4",
            "ab".repeat(6)
        ),
    ] {
        assert!(part.contains(line), "{line:?} in\n{part}");
    }
}

#[test]
fn each_contribution_has_its_path_in_order() {
    let (state, ids) = scenario();
    let md = report_of(&state, Format::Markdown, Lang::En);
    let part = part(&md, "#### Contributions’ paths");
    let at = |id: &RecordId| format!("`{}`", id.short());
    // In the order they came.
    in_order(
        &part,
        &[
            at(&ids.piste),
            at(&ids.hidden),
            at(&ids.script),
            at(&ids.withdrawn),
        ],
    );
    let piste = part
        .split(&at(&ids.hidden))
        .next()
        .expect("the first contribution");
    assert!(
        piste.contains("“Une piste cyclable protégée” — citizen `p-"),
        "{piste}"
    );
    assert!(
        piste.contains(", Mobilité, online — **retained**"),
        "{piste}"
    );
    in_order(
        piste,
        &[
            " — submitted".to_owned(),
            " — revised (wording 2)".to_owned(),
            " — answered by Fred: **retained**: Elle relie les écoles.".to_owned(),
            " — landed in mobilite".to_owned(),
        ],
    );
    let script = part
        .split(&at(&ids.script))
        .nth(1)
        .expect("the third contribution");
    in_order(
        script,
        &[
            " — submitted".to_owned(),
            format!(" — linked: duplicate of `{}`", ids.piste.short()),
            " — answered by Fred: **already covered**: Voir la piste cyclable.".to_owned(),
        ],
    );
    let withdrawn = part
        .split(&at(&ids.withdrawn))
        .nth(1)
        .expect("the last contribution");
    assert!(withdrawn.contains("— **withdrawn**"), "{withdrawn}");
    assert!(
        withdrawn.contains(" — withdrawn: j'ai changé d'avis"),
        "{withdrawn}"
    );
}

#[test]
fn a_hidden_contribution_shows_its_existence_and_why_never_its_words() {
    let (state, ids) = scenario();
    for lang in Lang::ALL {
        for format in [Format::Markdown, Format::Html] {
            let out = report_of(&state, format, lang);
            for secret in [SECRET_TITLE, SECRET_BODY] {
                assert!(!out.contains(secret), "{secret:?} in {lang:?}\n{out}");
            }
            assert!(out.contains(&ids.hidden.short()), "{out}");
            assert!(out.contains("propos injurieux"), "{out}");
        }
    }
    let md = report_of(&state, Format::Markdown, Lang::En);
    let part = part(&md, "#### Contributions’ paths");
    let hidden = part
        .split(&format!("`{}`", ids.hidden.short()))
        .nth(1)
        .expect("the hidden contribution");
    assert!(
        hidden.starts_with(
            " — **hidden by a moderator**: propos injurieux (clause c4); its title and text are not shown"
        ),
        "{hidden}"
    );
    in_order(
        hidden,
        &[
            " — submitted".to_owned(),
            " — reported: offensive".to_owned(),
            " — reported: offensive".to_owned(),
            " — hidden pending review (report threshold reached)".to_owned(),
            " — hidden by Fred: propos injurieux (clause c4)".to_owned(),
        ],
    );
    // On the general timeline too, by its id only.
    let html = report_of(&state, Format::Html, Lang::En);
    assert!(
        html.contains(&format!(
            "Contribution {} to “Plan vélo” (hidden)",
            ids.hidden.short()
        )),
        "{html}"
    );
}

#[test]
fn html_escapes_contribution_text_and_draws_the_participation_lane() {
    let (state, _) = scenario();
    let html = report_of(&state, Format::Html, Lang::En);
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Parking"),
        "{html}"
    );
    assert!(html.contains(">Participation</text>"), "{html}");
    // Opened, 4 phases, 4 contributions, 1 moderation, 2 answers,
    // 1 synthesis, 1 closing.
    assert_eq!(
        html.matches("<g class=\"ev ev-participation\">").count(),
        14,
        "{html}"
    );
    let md = report_of(&state, Format::Markdown, Lang::En);
    assert!(md.contains("\\<script\\>"), "{md}");
    assert!(!md.replace("\\<", "").contains('<'), "{md}");
}

#[test]
fn the_french_report_says_participation_in_french() {
    let (state, ids) = scenario();
    let md = report_of(&state, Format::Markdown, Lang::Fr);
    let part = part(&md, "## Participations du public");
    for line in [
        "### « Plan vélo » — close".to_owned(),
        format!(
            "**Stratégie participative** : du {} au {}",
            Lang::Fr.minute(i64::try_from(ids.phases[1].1).expect("ms")),
            Lang::Fr.minute(i64::try_from(ids.phases[1].1 + 30 * DAY_MS).expect("ms"))
        ),
        "— **non tenu** : Aucune visite organisée".to_owned(),
        "Par auteur : citoyen 2, association 2".to_owned(),
        "**masquée par la modération** : propos injurieux (clause c4)".to_owned(),
        "réponse de Fred : **retenue** : Elle relie les écoles.".to_owned(),
        "#### Parcours des contributions".to_owned(),
    ] {
        assert!(part.contains(&line), "{line:?} in\n{part}");
    }
    let html = report_of(&state, Format::Html, Lang::Fr);
    let html_part = html
        .split("Participations du public")
        .nth(1)
        .expect("the participations in HTML");
    for english in [
        "Public participation",
        "Opened by",
        "Phases:",
        "from ",
        "opened by",
        "Commitments",
        "kept",
        "pending",
        "broken",
        "By author",
        "By status",
        "By answer",
        "citizen ",
        "awaiting",
        "answered",
        "hidden",
        "withdrawn",
        "retained",
        "already covered",
        "Syntheses",
        "method",
        "Closed",
        "paths",
        "online",
        "submitted",
        "revised",
        "linked",
        "duplicate of",
        "reported",
        "offensive",
        "landed",
        "clause c4);",
        "not shown",
        "“",
    ] {
        assert!(!part.contains(english), "{english:?} leaks into\n{part}");
        assert!(
            !html_part.contains(english),
            "{english:?} leaks into\n{html_part}"
        );
    }
    assert!(html.contains(">Participation</text>"), "{html}");
    assert!(
        html.contains("Contribution « Une piste cyclable protégée » à « Plan vélo »"),
        "{html}"
    );
}

#[test]
fn the_participation_part_is_deterministic_and_absent_without_one() {
    let (state, _) = scenario();
    for format in [Format::Markdown, Format::Html] {
        for lang in Lang::ALL {
            assert_eq!(
                report_of(&state, format, lang),
                report_of(&state.clone(), format, lang)
            );
        }
    }
    let mut without = state.clone();
    without.participations = Default::default();
    without.contributions = Default::default();
    let md = report_of(&without, Format::Markdown, Lang::En);
    assert!(!md.contains("Public participations"), "{md}");
    let html = report_of(&without, Format::Html, Lang::En);
    assert!(!html.contains(">Participation</text>"), "{html}");
}
