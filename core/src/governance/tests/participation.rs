//! Public participation at record level: who opens, phases in order,
//! citizens who are not members contributing as the phase allows,
//! transcriptions, freezing, moderation without erasure, argued answers,
//! closing, and verdicts that do not depend on the replay order.

use super::*;
use crate::governance::participation::CommitmentStatus;
use crate::governance::participation::{ContributionStatus, Event, Visibility};
use crate::record::{
    AmendContribution, AnswerState, AuthorType, Category, Channel, CloseParticipation, Commitment,
    CommitmentCheck, Contributors, Invite, Invited, LinkContribution, Moderate, OpenParticipation,
    OpenPhase, PhaseKind, PublishAnswer, Relation, ReportContribution, ReportReason,
    SettleCommitment, SubmitContribution, SupportContribution, WithdrawContribution,
    invitation_proof,
};

const TEXT: [u8; 16] = [7; 16];
const CONTRACT: [u8; 16] = [8; 16];

fn open(answer_due: u64, threshold: u32) -> Payload {
    Payload::OpenParticipation(OpenParticipation {
        title: "Plan vélo".into(),
        text: Version {
            doc: DocId::from_bytes(TEXT),
            heads: heads(&[40]),
        },
        contract: Version {
            doc: DocId::from_bytes(CONTRACT),
            heads: heads(&[41]),
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
        answer_due,
        moderators: Vec::new(),
        answerers: Vec::new(),
        report_threshold: threshold,
    })
}

fn phase(p: RecordId, kind: PhaseKind, opens_at: u64, contributors: Contributors) -> Payload {
    let channels = if kind == PhaseKind::Strategy {
        Channel::ALL.to_vec()
    } else {
        Vec::new()
    };
    Payload::OpenPhase(OpenPhase {
        participation: p,
        phase: kind,
        opens_at,
        closes_at: None,
        contributors,
        channels,
        categories: Vec::new(),
    })
}

fn contribute(p: RecordId, title: &str, author_type: AuthorType) -> Payload {
    Payload::SubmitContribution(SubmitContribution {
        participation: p,
        title: title.into(),
        body: format!("{title}, en détail."),
        category: "mobility".into(),
        author_type,
        anchor: None,
        location: None,
        channel: Channel::Device,
        on_behalf_of: None,
        invitation: None,
    })
}

fn transcribe(p: RecordId, title: &str, channel: Channel, whom: Option<&str>) -> Payload {
    Payload::SubmitContribution(SubmitContribution {
        channel,
        on_behalf_of: whom.map(Into::into),
        ..match contribute(p, title, AuthorType::Citizen) {
            Payload::SubmitContribution(s) => s,
            _ => unreachable!(),
        }
    })
}

fn answer(c: RecordId, state: AnswerState, argument: &str, revises: Option<RecordId>) -> Payload {
    Payload::PublishAnswer(PublishAnswer {
        contribution: c,
        state,
        argument: argument.into(),
        landed_in: Vec::new(),
        revises,
    })
}

fn report(c: RecordId) -> Payload {
    Payload::ReportContribution(ReportContribution {
        contribution: c,
        reason: ReportReason::Offensive,
        details: String::new(),
        invitation: None,
    })
}

fn hide(c: RecordId) -> Payload {
    Payload::Hide(Moderate {
        contribution: c,
        reason: "propos injurieux".into(),
        clause: "c4".into(),
    })
}

fn restore(c: RecordId) -> Payload {
    Payload::Restore(Moderate {
        contribution: c,
        reason: "critique vive mais légitime".into(),
        clause: "c4".into(),
    })
}

fn close(p: RecordId) -> Payload {
    Payload::CloseParticipation(CloseParticipation {
        participation: p,
        summary: "merci".into(),
    })
}

impl World {
    /// Fred opens a participation (answers due in 60 days, three reports
    /// hide) and a 30-day strategy phase open to `contributors`.
    fn participation(&mut self, contributors: Contributors) -> RecordId {
        let due = self.clock + 60 * DAY_MS;
        let p = self.ok("fred", open(due, 3));
        self.ok(
            "fred",
            phase(p, PhaseKind::Contract, self.clock, contributors),
        );
        let opens = self.clock;
        let strategy = Payload::OpenPhase(OpenPhase {
            closes_at: Some(opens + 30 * DAY_MS),
            ..match phase(p, PhaseKind::Strategy, opens, contributors) {
                Payload::OpenPhase(ph) => ph,
                _ => unreachable!(),
            }
        });
        self.ok("fred", strategy);
        p
    }

    fn contribution(&self, id: &RecordId) -> crate::governance::participation::ContributionState {
        ContributionState::clone(&self.state().contributions[id])
    }
}

use crate::governance::participation::ContributionState;

#[test]
fn the_organiser_opens_and_phases_come_in_order() {
    let mut w = World::coop();
    let due = w.clock + 60 * DAY_MS;
    w.no("bob", open(due, 3), "facilitator");
    w.no("mallory", open(due, 3), "not a member's certified device");
    w.no("fred", open(w.clock, 3), "answer deadline");
    let Payload::OpenParticipation(mut untitled) = open(due, 3) else {
        unreachable!()
    };
    untitled.title = " ".into();
    w.no("fred", Payload::OpenParticipation(untitled), "title");
    let p = w.ok("fred", open(due, 3));
    w.ok(
        "fred",
        phase(p, PhaseKind::Strategy, w.clock, Contributors::Anyone),
    );
    w.no(
        "fred",
        phase(p, PhaseKind::Contract, w.clock, Contributors::Anyone),
        "cannot come after",
    );
    w.no(
        "fred",
        phase(p, PhaseKind::Strategy, w.clock, Contributors::Anyone),
        "cannot come after",
    );
    w.no(
        "bob",
        phase(p, PhaseKind::Instruction, w.clock, Contributors::Anyone),
        "facilitator",
    );
    w.ok(
        "fred",
        phase(p, PhaseKind::Instruction, w.clock, Contributors::Members),
    );
    let state = w.state();
    let held = &state.participations[&p];
    assert_eq!(held.phases.len(), 2);
    assert_eq!(
        held.phase_at(w.clock).map(|p| p.phase),
        Some(PhaseKind::Instruction)
    );
}

#[test]
fn citizens_contribute_as_the_phase_allows() {
    // Anyone with a device key.
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    let c = w.ok(
        "zoe",
        contribute(p, "Une piste cyclable rue Nationale", AuthorType::Citizen),
    );
    w.no(
        "zoe",
        contribute(p, "Je suis agente", AuthorType::Agent),
        "agents",
    );
    let held = w.contribution(&c);
    assert_eq!(held.device, pk("zoe"));
    assert_eq!(held.member, None);
    assert!(held.pseudonym.starts_with("p-"));
    assert_eq!(held.status(3), ContributionStatus::Submitted);
    // Members may declare themselves agents.
    let a = w.ok("alice", contribute(p, "Des arceaux", AuthorType::Agent));
    assert_eq!(w.contribution(&a).member, Some(pk("alice")));

    // Members only.
    let mut w = World::coop();
    let p = w.participation(Contributors::Members);
    w.no(
        "zoe",
        contribute(p, "Hello", AuthorType::Citizen),
        "only members",
    );
    w.ok("bob", contribute(p, "Bonjour", AuthorType::Citizen));

    // Invitation holders.
    let mut w = World::coop();
    let p = w.participation(Contributors::Invited);
    w.no(
        "zoe",
        contribute(p, "Sans code", AuthorType::Citizen),
        "invitation code",
    );
    let expires = w.clock + 40 * DAY_MS;
    let invitation = w.ok(
        "alice",
        Payload::Invite(Invite {
            key: pk("flyer"),
            college: None,
            expires,
            uses: None,
        }),
    );
    let with = |who: &str, secret: &str| {
        let Payload::SubmitContribution(mut s) =
            contribute(p, "Avec code", AuthorType::Association)
        else {
            unreachable!()
        };
        s.invitation = Some(Invited {
            id: invitation,
            proof: invitation_proof(&key(secret), &w.community, &invitation, &pk(who)),
        });
        Payload::SubmitContribution(s)
    };
    let forged = with("zoe", "not-the-flyer");
    let good = with("zoe", "flyer");
    let other = with("yann", "flyer");
    w.no("zoe", forged, "proof");
    // Zoe's proof does not hold for Yann's device.
    w.no("yann", good.clone(), "proof");
    w.ok("zoe", good);
    w.ok("yann", other);
}

#[test]
fn a_transcription_keeps_its_channel_and_speaks_for_a_reference() {
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    w.no(
        "bob",
        transcribe(p, "Fiche papier", Channel::Paper, Some("fiche 12")),
        "no role",
    );
    w.no(
        "fred",
        transcribe(p, "Fiche papier", Channel::Paper, None),
        "whom it speaks for",
    );
    w.no(
        "zoe",
        Payload::SubmitContribution(SubmitContribution {
            on_behalf_of: Some("mon voisin".into()),
            ..match contribute(p, "Pour mon voisin", AuthorType::Citizen) {
                Payload::SubmitContribution(s) => s,
                _ => unreachable!(),
            }
        }),
        "transcription",
    );
    let c = w.ok(
        "fred",
        transcribe(p, "Fiche papier", Channel::Paper, Some("fiche 12")),
    );
    let again = w.ok(
        "fred",
        transcribe(p, "Réunion du 3", Channel::Meeting, Some("fiche 12")),
    );
    let held = w.contribution(&c);
    assert_eq!(held.channel, Channel::Paper);
    assert_eq!(held.on_behalf_of.as_deref(), Some("fiche 12"));
    assert_eq!(
        held.member, None,
        "a transcription is not the transcriber's own"
    );
    // The same reference is the same pseudonym; the transcriber's own
    // contributions have another.
    assert_eq!(w.contribution(&again).pseudonym, held.pseudonym);
    let own = w.ok("fred", contribute(p, "Ma propre idée", AuthorType::Agent));
    assert_ne!(w.contribution(&own).pseudonym, held.pseudonym);
}

#[test]
fn instruction_freezes_contributions_and_answers_are_argued() {
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    let c = w.ok("zoe", contribute(p, "Zone 30", AuthorType::Citizen));
    let amend = |title: &str| {
        Payload::AmendContribution(AmendContribution {
            contribution: c,
            title: title.into(),
            body: "Zone 30 dans tout le centre.".into(),
        })
    };
    w.no("yann", amend("Zone 20"), "only the device");
    w.ok("zoe", amend("Zone 30 partout"));
    w.days(31);
    // Past the strategy phase's end, before instruction opens: closed.
    w.no(
        "yann",
        contribute(p, "Trop tard", AuthorType::Citizen),
        "no contributions",
    );
    w.ok(
        "fred",
        phase(p, PhaseKind::Instruction, w.clock, Contributors::Anyone),
    );
    w.no(
        "bob",
        contribute(p, "Encore", AuthorType::Citizen),
        "no contributions",
    );

    w.no(
        "fred",
        answer(c, AnswerState::Retained, " ", None),
        "argument",
    );
    w.no(
        "bob",
        answer(c, AnswerState::Retained, "bonne idée", None),
        "facilitator",
    );
    let first = w.ok("fred", answer(c, AnswerState::Deferred, "à l'étude", None));
    w.no(
        "fred",
        answer(c, AnswerState::Retained, "finalement oui", None),
        "revises",
    );
    w.no("zoe", amend("Zone 30, vraiment"), "already has its answer");
    let second = w.ok(
        "fred",
        answer(
            c,
            AnswerState::PartiallyRetained,
            "oui dans l'hyper-centre",
            Some(first),
        ),
    );
    let held = w.contribution(&c);
    assert_eq!(held.title, "Zone 30 partout");
    assert_eq!(held.wordings.len(), 2, "the first wording stays");
    assert_eq!(held.answers.len(), 2, "the revised answer stays");
    assert_eq!(held.answer().map(|a| a.record), Some(second));
    let events: Vec<Event> = held.timeline(3).iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        [
            Event::Submitted,
            Event::Revised,
            Event::Answered,
            Event::AnswerRevised
        ]
    );
}

#[test]
fn closing_waits_for_every_answer_and_a_late_one_breaks_the_commitment() {
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    let a = w.ok("zoe", contribute(p, "A", AuthorType::Citizen));
    let b = w.ok("yann", contribute(p, "B", AuthorType::Association));
    let gone = w.ok("xavier", contribute(p, "C", AuthorType::Citizen));
    w.ok(
        "xavier",
        Payload::WithdrawContribution(WithdrawContribution {
            contribution: gone,
            reason: "doublon".into(),
        }),
    );
    w.days(31);
    w.ok(
        "fred",
        phase(p, PhaseKind::Instruction, w.clock, Contributors::Anyone),
    );
    w.ok("fred", answer(a, AnswerState::Retained, "oui", None));
    let reason = w.no("fred", close(p), "no answer");
    assert!(reason.contains("one contribution"), "{reason}");
    let state = w.state();
    let held = &state.participations[&p];
    let lookup = |id: &RecordId| state.contributions.get(id).cloned();
    let answers = held
        .commitments
        .iter()
        .find(|c| c.id == "answers")
        .expect("the answers commitment");
    assert_eq!(
        held.commitment_status(answers, &lookup, w.clock),
        CommitmentStatus::Pending
    );
    // The deadline passes with B unanswered: broken, and B's late answer
    // holds, marked late.
    w.days(30);
    assert_eq!(
        held.commitment_status(answers, &lookup, w.clock),
        CommitmentStatus::Broken
    );
    w.ok(
        "fred",
        answer(b, AnswerState::OutOfScope, "hors périmètre", None),
    );
    assert!(w.contribution(&b).answers[0].late);
    w.ok("fred", close(p));
    let state = w.state();
    let held = &state.participations[&p];
    let lookup = |id: &RecordId| state.contributions.get(id).cloned();
    assert!(held.closed.is_some());
    assert_eq!(
        held.commitment_status(answers, &lookup, w.clock),
        CommitmentStatus::Broken
    );
    w.no("zoe", contribute(p, "Après", AuthorType::Citizen), "closed");
    // The manual commitment: settled once, with evidence.
    let settle = |evidence: &str| {
        Payload::SettleCommitment(SettleCommitment {
            participation: p,
            commitment: "meetings".into(),
            kept: true,
            evidence: evidence.into(),
        })
    };
    w.no("fred", settle(""), "evidence");
    w.ok("fred", settle("comptes rendus des 3, 10 et 17 mars"));
    w.no("fred", settle("encore"), "already");
}

#[test]
fn three_reports_hide_pending_review_and_a_moderator_decides() {
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    let c = w.ok("zoe", contribute(p, "Un propos vif", AuthorType::Citizen));
    w.ok("yann", report(c));
    w.ok("yann", report(c));
    w.ok("xavier", report(c));
    assert_eq!(
        w.contribution(&c).visibility(3),
        Visibility::Visible,
        "two devices so far"
    );
    w.no("fred", restore(c), "not hidden");
    w.ok("bob", report(c));
    let held = w.contribution(&c);
    assert_eq!(held.visibility(3), Visibility::HiddenPendingReview);
    assert_eq!(held.status(3), ContributionStatus::Hidden);
    w.no("bob", restore(c), "facilitator");
    w.no(
        "fred",
        Payload::Restore(Moderate {
            contribution: c,
            reason: "ok".into(),
            clause: " ".into(),
        }),
        "clause",
    );
    w.ok("fred", restore(c));
    assert_eq!(w.contribution(&c).visibility(3), Visibility::Visible);
    w.ok("fred", hide(c));
    let held = w.contribution(&c);
    assert_eq!(held.visibility(3), Visibility::Hidden);
    // Nothing is erased: the text and every act stay in the state and log.
    assert_eq!(held.body, "Un propos vif, en détail.");
    let events: Vec<Event> = held.timeline(3).iter().map(|e| e.event).collect();
    assert!(events.contains(&Event::HiddenByReports));
    assert!(events.contains(&Event::Restored));
    assert_eq!(events.last(), Some(&Event::Hidden));
    // A hidden contribution needs no answer to close.
    w.days(31);
    w.ok(
        "fred",
        phase(p, PhaseKind::Instruction, w.clock, Contributors::Anyone),
    );
    w.ok("fred", close(p));
}

#[test]
fn supports_and_links() {
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    let a = w.ok("zoe", contribute(p, "A", AuthorType::Citizen));
    let b = w.ok("yann", contribute(p, "A bis", AuthorType::Citizen));
    let support = |c| {
        Payload::SupportContribution(SupportContribution {
            contribution: c,
            invitation: None,
        })
    };
    w.no("zoe", support(a), "own contribution");
    w.ok("yann", support(a));
    w.ok("yann", support(a));
    w.ok("bob", support(a));
    assert_eq!(w.contribution(&a).supporters(), 2, "one per device counts");
    let link = |relation, target| {
        Payload::LinkContribution(LinkContribution {
            contribution: b,
            relation,
            target,
        })
    };
    w.no("zoe", link(Relation::DuplicateOf, a), "not a member");
    w.no("fred", link(Relation::DuplicateOf, b), "two different");
    w.ok("fred", link(Relation::DuplicateOf, a));
    assert_eq!(w.contribution(&b).links[0].target, a);
}

#[test]
fn concurrent_acts_get_the_same_verdicts_in_both_replay_orders() {
    let mut w = World::coop();
    let p = w.participation(Contributors::Anyone);
    let c = w.ok("zoe", contribute(p, "Vif", AuthorType::Citizen));
    let d = w.ok("yann", contribute(p, "Calme", AuthorType::Citizen));
    w.ok("fred", hide(c));
    w.days(31);
    w.ok(
        "fred",
        phase(p, PhaseKind::Instruction, w.clock, Contributors::Anyone),
    );
    let saw = w.heads();
    // On branches from what Fred saw: a restoring, two first answers to D,
    // and a closing that saw D unanswered.
    let restored = w.sign_on("fred", restore(c), saw.clone());
    let first = w.sign_on(
        "fred",
        answer(d, AnswerState::Retained, "oui", None),
        saw.clone(),
    );
    let other = w.sign_on(
        "fred",
        answer(d, AnswerState::NotRetained, "non", None),
        saw.clone(),
    );
    w.days(1);
    let closing = w.sign_on("fred", close(p), saw.clone());
    for record in [&restored, &first, &other, &closing] {
        w.push(record);
    }
    for (a, b) in [
        (restored.id(), first.id()),
        (first.id(), other.id()),
        (closing.id(), first.id()),
    ] {
        let [x, y] = w.in_both_replay_orders(a, b);
        assert_eq!(x.contributions, y.contributions);
        assert_eq!(x.participations, y.participations);
        let verdicts = |s: &State| {
            s.records
                .iter()
                .map(|o| (o.id, o.verdict.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(verdicts(&x), verdicts(&y));
        // The closing saw D unanswered: refused, in both orders.
        assert!(matches!(
            x.verdict(&closing.id()),
            Some(Verdict::Rejected(_))
        ));
        // Both answers hold; the later-keyed one is in force.
        assert_eq!(x.verdict(&first.id()), Some(&Verdict::Accepted));
        assert_eq!(x.verdict(&other.id()), Some(&Verdict::Accepted));
        assert_eq!(x.contributions[&d].answers.len(), 2);
    }
}

/// A participation written on several branches at once (citizens
/// contributing, reporting and supporting offline; the team answering,
/// moderating and closing on what it saw): the world, and the records
/// signed on the branches.
pub(super) fn participation_history(seed: u64) -> (World, Vec<Record>) {
    let mut r = Rng(seed);
    let mut w = World::coop();
    w.options = ResolveOptions {
        check_signatures: false,
        ..ResolveOptions::default()
    };
    let p = w.participation(Contributors::Anyone);
    let people = ["zoe", "yann", "xavier", "bob", "chloe"];
    let mut contributions = Vec::new();
    for _ in 0..(3 + r.below(4)) {
        let who = people[r.below(people.len())];
        let types = [
            AuthorType::Citizen,
            AuthorType::Association,
            AuthorType::Expert,
        ];
        if let Some(c) = w.attempt(
            who,
            contribute(p, &format!("idée {}", w.records.len()), types[r.below(3)]),
        ) {
            contributions.push(c);
        }
    }
    // Branches: each person acts on the heads they saw.
    let saw = w.heads();
    let mut offline: Vec<Record> = Vec::new();
    for _ in 0..(4 + r.below(8)) {
        let c = contributions[r.below(contributions.len())];
        let who = people[r.below(people.len())];
        let act = match r.below(6) {
            0 => report(c),
            1 => Payload::SupportContribution(SupportContribution {
                contribution: c,
                invitation: None,
            }),
            2 => answer(c, AnswerState::ALL[r.below(6)], "parce que", None),
            3 => hide(c),
            4 => restore(c),
            _ => Payload::WithdrawContribution(WithdrawContribution {
                contribution: c,
                reason: String::new(),
            }),
        };
        let signer = match &act {
            Payload::PublishAnswer(_) | Payload::Hide(_) | Payload::Restore(_) => "fred",
            Payload::WithdrawContribution(_) => {
                let author = w.state().contributions[&c].device;
                people
                    .iter()
                    .copied()
                    .find(|n| pk(n) == author)
                    .unwrap_or(who)
            }
            _ => who,
        };
        let base = if r.chance(50) || offline.is_empty() {
            saw.clone()
        } else {
            vec![offline[r.below(offline.len())].id()]
        };
        w.days(1);
        offline.push(w.sign_on(signer, act, base));
    }
    if r.chance(50) {
        offline.push(w.sign_on("fred", close(p), saw.clone()));
    }
    for record in &offline {
        w.records.push(record.clone());
    }
    (w, offline)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// [`participation_history`] delivered in any order: every replay
    /// order gives the same participations, contributions and verdicts.
    #[test]
    fn any_delivery_order_gives_the_same_participation(seed in 0u64..u64::MAX, salts in proptest::collection::vec(0u8..=255, 3)) {
        let (w, offline) = participation_history(seed);
        let reference = w.state();
        let held = offline.iter().filter(|r| reference.verdict(&r.id()) == Some(&Verdict::Accepted)).count();
        proptest::prop_assert!(held > 0, "some concurrent acts hold");
        for salt in salts {
            let mut records = w.records.clone();
            Rng(seed ^ u64::from(salt)).shuffle(&mut records);
            let options = ResolveOptions { tie_break_salt: [salt; 32], ..w.options };
            let other = resolve(w.community, &records, options).expect("resolve");
            proptest::prop_assert_eq!(&other.participations, &reference.participations);
            proptest::prop_assert_eq!(&other.contributions, &reference.contributions);
            let verdicts = |s: &State| s.records.iter().map(|o| (o.id, o.verdict.clone())).collect::<Vec<_>>();
            proptest::prop_assert_eq!(verdicts(&other), verdicts(&reference));
        }
    }
}
