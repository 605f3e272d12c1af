//! Governance scenarios at record level: a small world of named devices that
//! sign acts on the current heads, so that each test reads like the story it
//! checks (the scenarios of the governance survey, §d), then a property test
//! of delivery order, then tampering.

use std::collections::BTreeSet;

use automerge::ChangeHash;
use sha2::{Digest, Sha256};

use super::*;
use crate::identity::DeviceKey;
use crate::record::{
    Act, Apply, Challenge, ChangeRule, College, Decide, Exclude, Founder, Genesis, Heads, Method,
    Payload, Propose, Ratify, React, Record, RecordId, RevokeDevice, Rule, Rules, Sanction,
    SignCharter, Stance, Submit, TensionUpdate, TestObjection, Unsigned, Version, Withdraw,
};

/// The founding time.
const T0: u64 = 1_700_000_000_000;

/// The device key of a name (the same name, the same key, in every world).
fn key(name: &str) -> DeviceKey {
    DeviceKey::from_seed(&Sha256::digest(name.as_bytes()).into())
}

fn pk(name: &str) -> PublicKey {
    key(name).public()
}

/// A fake change hash.
fn h(n: u8) -> ChangeHash {
    ChangeHash([n; 32])
}

fn heads(ns: &[u8]) -> Heads {
    Heads::new(ns.iter().map(|&n| h(n)).collect())
}

const CHARTER: [u8; 16] = [1; 16];
const DRAFT: [u8; 16] = [2; 16];

fn colleges() -> Vec<College> {
    [
        ("learners", 1),
        ("facilitators", 2),
        ("partners", 1),
        ("staff", 3),
    ]
    .into_iter()
    .map(|(id, weight)| College {
        id: id.into(),
        name: id.to_uppercase(),
        weight,
    })
    .collect()
}

/// The rules of the cooperative most scenarios use: amendments by consent,
/// ratified by two signers; admission by consent of the learners after 7
/// days; exclusion by a two-thirds vote with 15 days between notice and
/// hearing; rule changes by consent.
fn coop_rules() -> Rules {
    Rules {
        amend: Rule {
            signers: 2,
            ..Rule::new(Method::Consent)
        },
        admit: Rule {
            min_days: 7,
            electorate: vec!["learners".into()],
            ..Rule::new(Method::Consent)
        },
        exclude: Rule {
            threshold: 66,
            min_days: 15,
            ..Rule::new(Method::Qualified)
        },
        rules: Rule::new(Method::Consent),
    }
}

/// The founders of the cooperative: Alice (staff), Bob, Chloé and Eve
/// (learners), Fred (facilitators, and the only facilitator).
const COOP: &[(&str, &str)] = &[
    ("alice", "staff"),
    ("bob", "learners"),
    ("chloe", "learners"),
    ("fred", "facilitators"),
    ("eve", "learners"),
];

/// A community as a set of signed records, and a clock.
struct World {
    community: CommunityId,
    records: Vec<Record>,
    clock: u64,
}

impl World {
    fn coop() -> World {
        World::new(COOP, coop_rules(), &["fred"])
    }

    /// Founded by the first founder, with the charter at heads `[h(1)]`.
    fn new(founders: &[(&str, &str)], rules: Rules, facilitators: &[&str]) -> World {
        let genesis = Genesis {
            name: "Coop".into(),
            charter: Version {
                doc: DocId::from_bytes(CHARTER),
                heads: heads(&[1]),
            },
            colleges: colleges(),
            founders: founders
                .iter()
                .map(|(name, college)| Founder {
                    member: pk(name),
                    name: (*name).into(),
                    college: (*college).into(),
                })
                .collect(),
            rules,
            facilitators: facilitators.iter().map(|n| pk(n)).collect(),
        };
        let record = Record::sign(
            &key(founders[0].0),
            Unsigned {
                community: RecordId::ZERO,
                timestamp: T0,
                parents: Vec::new(),
                payload: Payload::Genesis(genesis),
            },
        )
        .expect("sign the genesis");
        World {
            community: record.id(),
            records: vec![record],
            clock: T0,
        }
    }

    fn state(&self) -> State {
        resolve(self.community, &self.records, ResolveOptions::default()).expect("resolve")
    }

    fn heads(&self) -> Vec<RecordId> {
        self.state().heads
    }

    fn days(&mut self, days: u64) {
        self.clock += days * DAY_MS;
    }

    /// Sign an act on `parents`, dated by the clock but never before them.
    fn sign_on(&self, who: &str, payload: Payload, parents: Vec<RecordId>) -> Record {
        let parent_time = self
            .records
            .iter()
            .filter(|r| parents.contains(&r.id()))
            .map(Record::timestamp)
            .max()
            .unwrap_or(0);
        self.sign_at(who, payload, parents, self.clock.max(parent_time))
    }

    fn sign_at(&self, who: &str, payload: Payload, parents: Vec<RecordId>, at: u64) -> Record {
        Record::sign(
            &key(who),
            Unsigned {
                community: self.community,
                timestamp: at,
                parents,
                payload,
            },
        )
        .expect("sign")
    }

    /// Add a record to the set and say what became of it.
    fn push(&mut self, record: &Record) -> Verdict {
        self.records.push(record.clone());
        self.verdict(&record.id())
    }

    fn verdict(&self, id: &RecordId) -> Verdict {
        self.state().verdict(id).cloned().expect("a verdict")
    }

    /// Sign an act on the current heads and add it, whatever its verdict.
    fn act(&mut self, who: &str, payload: Payload) -> Record {
        let record = self.sign_on(who, payload, self.heads());
        self.records.push(record.clone());
        record
    }

    /// An act that must hold.
    #[track_caller]
    fn ok(&mut self, who: &str, payload: Payload) -> RecordId {
        let kind = payload.kind();
        let record = self.act(who, payload);
        let verdict = self.verdict(&record.id());
        assert_eq!(verdict, Verdict::Accepted, "{who}'s {kind} should hold");
        record.id()
    }

    /// An act that must be rejected with a reason mentioning `why`; like the
    /// engine, the world then forgets it.
    #[track_caller]
    fn no(&mut self, who: &str, payload: Payload, why: &str) -> String {
        let kind = payload.kind();
        let record = self.act(who, payload);
        let verdict = self.verdict(&record.id());
        self.records.retain(|r| r.id() != record.id());
        match verdict {
            Verdict::Rejected(reason) => {
                assert!(
                    reason.contains(why),
                    "{who}'s {kind} rejected for `{reason}`, expected `{why}`"
                );
                reason
            }
            other => panic!("{who}'s {kind} should be rejected ({why}), got {other:?}"),
        }
    }

    fn amendment(&self, id: &RecordId) -> AmendmentState {
        self.state().amendments[id].clone()
    }

    fn phase(&self, id: &RecordId) -> Phase {
        self.amendment(id).phase
    }

    /// The founding heads, which amendments fork from.
    fn base(&self) -> Heads {
        Heads::new(
            self.state()
                .in_force()
                .heads
                .iter()
                .map(|h| h.parse().expect("a change hash"))
                .collect(),
        )
    }

    /// Alice (or `who`) challenges `section`, proposes, submits a wording
    /// changing `sections` and opens the round: (challenge, amendment,
    /// submission).
    fn open_amendment(
        &mut self,
        who: &str,
        sections: &[&str],
        wording: u8,
    ) -> (RecordId, RecordId, RecordId) {
        let challenge = self.ok(who, challenge(sections[0]));
        let amendment = self.ok(who, propose(challenge, self.base()));
        let submission = self.ok(who, submit(amendment, wording, sections, &[], false));
        self.ok(who, round(amendment));
        (challenge, amendment, submission)
    }

    /// Admit `name` into `college` (the learners consent, 7 days pass) and
    /// let them sign the charter in force.
    fn admit(&mut self, name: &str, college: &str) -> RecordId {
        let application = self.ok(name, apply(name, college));
        self.days(7);
        self.ok("bob", decide(application, Outcome::Adopted, ""));
        let version = self.state().in_force().hash.clone();
        self.ok(name, sign_charter(application, &version));
        application
    }
}

// Payloads, briefly.

fn challenge(section: &str) -> Payload {
    Payload::Challenge(Challenge {
        section: section.into(),
        tension: format!("{section} does not say who decides"),
        example: "last week nobody knew".into(),
        tension_record: None,
        promoted_from: None,
    })
}

fn challenge_from(tension: Option<RecordId>, promoted: Option<RecordId>) -> Payload {
    Payload::Challenge(Challenge {
        section: "tensions".into(),
        tension: "mediation failed".into(),
        example: "the schedule dispute".into(),
        tension_record: tension,
        promoted_from: promoted,
    })
}

fn propose(challenge: RecordId, base: Heads) -> Payload {
    Payload::Propose(Propose {
        challenge,
        title: "Say who decides".into(),
        rationale: "so that people know".into(),
        draft: DocId::from_bytes(DRAFT),
        base,
        coauthors: Vec::new(),
    })
}

fn submit(
    amendment: RecordId,
    wording: u8,
    sections: &[&str],
    integrates: &[RecordId],
    tension_addressed: bool,
) -> Payload {
    Payload::Submit(Submit {
        amendment,
        heads: heads(&[wording]),
        note: format!("wording {wording}"),
        sections: sections.iter().map(|s| (*s).into()).collect(),
        integrates: integrates.to_vec(),
        tension_addressed,
    })
}

fn round(amendment: RecordId) -> Payload {
    Payload::Round(crate::record::Round { amendment })
}

fn withdraw(amendment: RecordId) -> Payload {
    Payload::Withdraw(Withdraw {
        amendment,
        reason: "changed my mind".into(),
    })
}

fn react(subject: RecordId, submission: Option<RecordId>, stance: Stance) -> Payload {
    Payload::React(React {
        subject,
        submission,
        stance,
        criteria: BTreeSet::new(),
        argument: format!("{stance:?}"),
        objection: None,
    })
}

fn objection(subject: RecordId, submission: Option<RecordId>, criteria: &str) -> Payload {
    Payload::React(React {
        subject,
        submission,
        stance: Stance::Objection,
        criteria: criteria.chars().collect(),
        argument: "this harms the learners".into(),
        objection: None,
    })
}

fn resolved(subject: RecordId, submission: RecordId, objection: RecordId) -> Payload {
    Payload::React(React {
        subject,
        submission: Some(submission),
        stance: Stance::Resolved,
        criteria: BTreeSet::new(),
        argument: "integrated".into(),
        objection: Some(objection),
    })
}

fn test_objection(objection: RecordId, passed: &str) -> Payload {
    Payload::TestObjection(TestObjection {
        objection,
        passed: passed.chars().collect(),
        note: "tested in the meeting".into(),
    })
}

fn decide(subject: RecordId, outcome: Outcome, reason: &str) -> Payload {
    Payload::Decide(Decide {
        subject,
        outcome,
        reason: reason.into(),
    })
}

fn ratify(amendment: RecordId, version: u8) -> Payload {
    Payload::Ratify(Ratify {
        amendment,
        heads: heads(&[version]),
    })
}

fn apply(name: &str, college: &str) -> Payload {
    Payload::Apply(Apply {
        name: name.into(),
        college: college.into(),
        motivation: "I want to learn".into(),
    })
}

fn sign_charter(application: RecordId, version: &str) -> Payload {
    Payload::SignCharter(SignCharter {
        application,
        version: version.into(),
    })
}

fn sanction(member: &str, level: SanctionLevel) -> Payload {
    Payload::Sanction(Sanction {
        member: pk(member),
        level,
        reasons: "shouted at a learner".into(),
        until: 0,
    })
}

fn exclude(member: &str, notice_at: u64, hearing_at: u64) -> Payload {
    Payload::Exclude(Exclude {
        member: pk(member),
        reasons: "shouted again after a warning".into(),
        notice_at,
        hearing_at,
    })
}

fn certify(device: &str) -> Payload {
    Payload::CertifyDevice(crate::record::CertifyDevice {
        device: pk(device),
        label: device.into(),
    })
}

fn revoke(device: &str) -> Payload {
    Payload::RevokeDevice(RevokeDevice {
        device: pk(device),
        reason: "lost".into(),
    })
}

fn leave() -> Payload {
    Payload::Leave(crate::record::Leave {
        reason: "moving away".into(),
    })
}

fn tension(summary: &str) -> Payload {
    Payload::Tension(crate::record::Tension {
        path: TensionPath::Mediation,
        summary: summary.into(),
        section: Some("tensions".into()),
    })
}

fn tension_update(tension: RecordId, status: TensionStatus) -> Payload {
    Payload::TensionUpdate(TensionUpdate {
        tension,
        status,
        note: "after the meeting".into(),
    })
}

fn change_rule(act: Act, rule: Rule) -> Payload {
    Payload::ChangeRule(ChangeRule {
        act,
        rule,
        rationale: "too many amendments stall".into(),
    })
}

// ---------------------------------------------------------------------------
// Scenarios (governance survey §d)
// ---------------------------------------------------------------------------

/// §d1: challenge → proposal → reactions → new wording → round → objections
/// (one valid, one found invalid) → integration → confirmed → adopted →
/// ratified by the two signers the rule asks for.
#[test]
fn scenario_1_objection_integrated_then_ratified_by_two_signers() {
    let mut w = World::coop();
    let challenge = w.ok("alice", challenge("s3"));
    assert_eq!(
        w.state().challenges[&challenge].admissibility,
        Admissibility::Admissible
    );
    let am = w.ok("alice", propose(challenge, w.base()));
    assert_eq!(w.phase(&am), Phase::Draft);
    let w1 = w.ok("alice", submit(am, 10, &["s3"], &[], false));
    assert_eq!(w.phase(&am), Phase::Proposed);
    w.ok("chloe", react(am, Some(w1), Stance::Question));
    w.ok("bob", react(am, Some(w1), Stance::Concern));
    assert_eq!(w.phase(&am), Phase::Reactions);

    // Alice amends her proposal: W2. Reactions to W1 are over.
    let w2 = w.ok("alice", submit(am, 11, &["s3"], &[], false));
    w.no(
        "bob",
        react(am, Some(w1), Stance::Consent),
        "not the current one",
    );
    w.no(
        "bob",
        react(am, None, Stance::Consent),
        "not the current one",
    );
    w.no(
        "bob",
        round(am),
        "only the proposer opens the objection round",
    );
    w.ok("alice", round(am));
    assert_eq!(w.phase(&am), Phase::ObjectionRound);

    // Bob and Chloé object; the facilitator tests both.
    let bob = w.ok("bob", objection(am, Some(w2), "abcd"));
    let chloe = w.ok("chloe", objection(am, Some(w2), "abcd"));
    assert_eq!(w.phase(&am), Phase::Integrating);
    w.no("alice", test_objection(bob, "abcd"), "only a facilitator");
    w.ok("fred", test_objection(bob, "abcd"));
    w.ok("fred", test_objection(chloe, "acd"));
    let a = w.amendment(&am);
    let tested = |id| {
        a.objections
            .iter()
            .find(|o| o.record == id)
            .and_then(|o| o.test.clone())
            .expect("tested")
    };
    assert!(tested(bob).valid);
    assert!(!tested(chloe).valid, "Chloé's objection fails (b)");
    assert!(!tested(chloe).passed.contains(&'b'));
    assert_eq!(w.phase(&am), Phase::Integrating, "Bob's objection is open");
    w.no(
        "fred",
        decide(am, Outcome::Adopted, ""),
        "cannot adopt: the amendment is integrating",
    );

    // W3 integrates Bob's objection; Alice must confirm her tension.
    w.no(
        "alice",
        submit(am, 12, &["s3"], &[bob], false),
        "tension is still addressed",
    );
    w.no(
        "alice",
        submit(am, 12, &["s3"], &[w1], true),
        "not an objection to this amendment",
    );
    let w3 = w.ok("alice", submit(am, 12, &["s3"], &[bob], true));
    assert_eq!(w.phase(&am), Phase::Integrating, "open until Bob confirms");
    w.no("chloe", resolved(am, w3, bob), "only the objector confirms");
    w.ok("bob", resolved(am, w3, bob));
    assert_eq!(
        w.phase(&am),
        Phase::ObjectionRound,
        "the second round is empty"
    );
    w.ok("chloe", react(am, Some(w3), Stance::Consent));

    // Adopted, then ratified: the version appears with the second signer.
    let decision = w.ok("fred", decide(am, Outcome::Adopted, ""));
    let a = w.amendment(&am);
    assert_eq!(a.phase, Phase::Adopted);
    let entry = a.decision.expect("decided");
    assert_eq!(entry.record, decision);
    assert!(entry.tally.passes);
    assert_eq!(entry.tally.open_objections, 0);
    assert_eq!(entry.tally.participants, 2, "Bob and Chloé, on W3");
    w.ok("alice", ratify(am, 20));
    assert_eq!(w.state().versions.len(), 1, "one signer of two");
    assert_eq!(w.phase(&am), Phase::Adopted);
    w.no("alice", ratify(am, 20), "this member already signed");
    w.no(
        "bob",
        ratify(am, 21),
        "other heads than the first ratification",
    );
    w.ok("bob", ratify(am, 20));
    let state = w.state();
    assert_eq!(state.versions.len(), 2);
    let version = state.in_force();
    assert_eq!(version.number, 2);
    assert_eq!(version.amendment, Some(am));
    assert_eq!(version.sections, vec!["s3".to_owned()]);
    assert_eq!(version.signers, vec![pk("alice"), pk("bob")]);
    assert_eq!(
        version.hash,
        version_hash(&DocId::from_bytes(CHARTER), &[h(20)])
    );
    assert_eq!(state.amendments[&am].phase, Phase::Merged);
    assert_eq!(state.amendments[&am].version, Some(1));
    w.no("chloe", ratify(am, 20), "only an adopted amendment");
    assert_eq!(w.state().problems().count(), 0);
}

/// §d2: A (s5) is ratified first; B (s5, s7) becomes stale, its consents
/// void until it is submitted again after the ratification; C (s9) is
/// rebased and can still be adopted.
#[test]
fn scenario_2_conflicting_amendment_goes_stale_and_unrelated_one_is_rebased() {
    let mut rules = coop_rules();
    rules.amend.quorum = 50;
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, a, a1) = w.open_amendment("alice", &["s5"], 10);
    let (_, b, b1) = w.open_amendment("bob", &["s5", "s7"], 20);
    let (_, c, c1) = w.open_amendment("chloe", &["s9"], 30);
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(a, Some(a1), Stance::Consent));
        w.ok(who, react(b, Some(b1), Stance::Consent));
        w.ok(who, react(c, Some(c1), Stance::Consent));
    }
    w.ok("fred", decide(a, Outcome::Adopted, ""));
    w.ok("alice", ratify(a, 11));
    let old = w.heads();
    w.ok("bob", ratify(a, 11));
    let state = w.state();
    assert_eq!(state.versions.len(), 2);
    assert_eq!(state.amendments[&b].phase, Phase::Stale);
    assert_eq!(state.amendments[&b].stale_because, Some(1));
    assert_eq!(state.amendments[&c].phase, Phase::ObjectionRound);
    assert_eq!(state.amendments[&c].rebased_onto, vec![1]);

    // B's consents are void.
    w.no(
        "fred",
        decide(b, Outcome::Adopted, ""),
        "the amendment is stale",
    );
    w.no("eve", react(b, Some(b1), Stance::Consent), "stale");
    // C is unaffected.
    w.ok("fred", decide(c, Outcome::Adopted, ""));
    assert_eq!(w.phase(&c), Phase::Adopted);

    // A new wording of B that does not build on the ratification (made
    // offline) leaves it stale.
    let offline = w.sign_on("bob", submit(b, 21, &["s5", "s7"], &[], false), old);
    assert_eq!(w.push(&offline), Verdict::Accepted);
    assert_eq!(w.phase(&b), Phase::Stale);
    // Submitted again after the ratification: consent must be given again.
    let b2 = w.ok("bob", submit(b, 22, &["s5", "s7"], &[], false));
    assert_eq!(w.phase(&b), Phase::ObjectionRound);
    assert_eq!(w.amendment(&b).stale_because, None);
    let reason = w.no("fred", decide(b, Outcome::Adopted, ""), "not met");
    assert!(reason.contains("0/5 took part"), "{reason}");
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(b, Some(b2), Stance::Consent));
    }
    w.ok("fred", decide(b, Outcome::Adopted, ""));
    assert_eq!(w.phase(&b), Phase::Adopted);
}

/// §d3: Dana applies; she may ask questions but not consent or decide; the
/// learners decide after 7 days; she signs the version in force (not another
/// one) and joins the next electorate.
#[test]
fn scenario_3_joining_after_seven_days_and_a_signature() {
    let mut w = World::coop();
    let application = w.ok("dana", apply("Dana", "learners"));
    assert_eq!(
        w.state().applications[&application].state,
        ApplicationState::Pending
    );
    w.no(
        "dana",
        apply("Dana", "learners"),
        "already has an open application",
    );
    w.no("dana", apply("Dana", "gardeners"), "no college `gardeners`");
    w.ok("dana", react(application, None, Stance::Question));
    w.no(
        "dana",
        react(application, None, Stance::Consent),
        "not a member's certified device",
    );
    w.no(
        "dana",
        decide(application, Outcome::Adopted, ""),
        "not a member's certified device",
    );
    w.ok("bob", react(application, None, Stance::Consent));
    w.days(6);
    w.no(
        "bob",
        decide(application, Outcome::Adopted, ""),
        "the 7-day delay has not passed",
    );
    w.days(1);
    w.ok("bob", decide(application, Outcome::Adopted, ""));
    let state = w.state();
    assert_eq!(
        state.applications[&application].state,
        ApplicationState::Admitted
    );
    let tally = &state.proposals[&application]
        .decision
        .as_ref()
        .expect("decided")
        .tally;
    assert_eq!(tally.electorate, 3, "the learners: Bob, Chloé, Eve");
    assert!(!state.members.contains_key(&pk("dana")));
    w.no(
        "dana",
        tension("too loud"),
        "not a member's certified device",
    );

    let wrong = version_hash(&DocId::from_bytes(CHARTER), &[h(99)]);
    w.no(
        "dana",
        sign_charter(application, &wrong),
        "not the one in force",
    );
    let right = w.state().in_force().hash.clone();
    w.no(
        "bob",
        sign_charter(application, &right),
        "only the applicant",
    );
    w.ok("dana", sign_charter(application, &right));
    let state = w.state();
    assert_eq!(
        state.applications[&application].state,
        ApplicationState::Joined
    );
    let dana = &state.members[&pk("dana")];
    assert_eq!(dana.status, MemberStatus::Active);
    assert_eq!(dana.college, "learners");
    w.ok("dana", tension("too loud"));

    // The next admission counts her.
    let gina = w.ok("gina", apply("Gina", "partners"));
    w.days(7);
    w.ok("dana", react(gina, None, Stance::Consent));
    w.ok("dana", decide(gina, Outcome::Adopted, ""));
    let state = w.state();
    let tally = &state.proposals[&gina]
        .decision
        .as_ref()
        .expect("decided")
        .tally;
    assert_eq!(tally.electorate, 4, "Bob, Chloé, Eve and Dana");
    assert_eq!(tally.participants, 1);
}

/// §d4: a decline needs a reason, which the application then shows.
#[test]
fn scenario_4_decline_needs_a_reason_shown_to_the_applicant() {
    let mut w = World::coop();
    let application = w.ok("gina", apply("Gina", "learners"));
    w.ok("chloe", objection(application, None, "abcd"));
    w.days(7);
    w.no(
        "chloe",
        decide(application, Outcome::Adopted, ""),
        "1 open objection",
    );
    w.no(
        "chloe",
        decide(application, Outcome::Rejected, "  "),
        "needs a reason",
    );
    w.ok(
        "chloe",
        decide(
            application,
            Outcome::Rejected,
            "the learners' circle is full",
        ),
    );
    assert_eq!(
        w.state().applications[&application].state,
        ApplicationState::Declined {
            reason: "the learners' circle is full".into()
        }
    );
    let version = w.state().in_force().hash.clone();
    w.no("gina", sign_charter(application, &version), "not admitted");
    w.no(
        "bob",
        decide(application, Outcome::Adopted, ""),
        "already decided",
    );
}

/// A decision, whatever its outcome, waits for the rule's delay: no one can
/// decline an application (or reject an amendment) before the others had
/// the time the rule gives them.
#[test]
fn a_decision_waits_for_the_delay_whatever_its_outcome() {
    let mut w = World::coop();
    let application = w.ok("gina", apply("Gina", "learners"));
    w.ok("chloe", objection(application, None, "abcd"));
    w.days(6);
    w.no(
        "chloe",
        decide(application, Outcome::Rejected, "the circle is full"),
        "the 7-day delay has not passed",
    );
    w.days(1);
    w.ok(
        "chloe",
        decide(application, Outcome::Rejected, "the circle is full"),
    );

    let mut rules = coop_rules();
    rules.amend.min_days = 3;
    let mut w = World::new(COOP, rules, &["fred"]);
    let (_, am, _) = w.open_amendment("alice", &["s1"], 10);
    w.no(
        "bob",
        decide(am, Outcome::Rejected, "I do not like it"),
        "the 3-day delay has not passed",
    );
}

/// §d5: correction and warning by the facilitator, an exclusion proposal
/// with notice and hearing, a decision after the hearing without Eve; her
/// later and concurrent acts are rejected, her earlier ones stay hers.
#[test]
fn scenario_5_exclusion_after_notice_and_hearing() {
    let mut w = World::coop();
    let earlier = w.ok("eve", challenge("s2"));
    w.no(
        "bob",
        sanction("eve", SanctionLevel::Correction),
        "only a facilitator",
    );
    w.ok("fred", sanction("eve", SanctionLevel::Correction));
    w.days(30);
    w.ok("fred", sanction("eve", SanctionLevel::Warning));
    w.days(30);
    let now = w.clock;
    w.no(
        "alice",
        exclude("eve", now, now + 14 * DAY_MS),
        "at least 15 days after the notice",
    );
    w.no(
        "alice",
        exclude("eve", now - 1, now + 15 * DAY_MS),
        "notice date is before the proposal",
    );
    w.no(
        "eve",
        exclude("eve", now, now + 15 * DAY_MS),
        "cannot propose one's own exclusion",
    );
    let proposal = w.ok("alice", exclude("eve", now, now + 15 * DAY_MS));
    w.no(
        "bob",
        exclude("eve", now, now + 15 * DAY_MS),
        "already open",
    );
    for who in ["alice", "bob", "chloe", "fred"] {
        w.ok(who, react(proposal, None, Stance::Yes));
    }
    w.days(14);
    w.no(
        "fred",
        decide(proposal, Outcome::Adopted, ""),
        "the decision comes after the hearing",
    );
    let before = w.heads();
    w.days(1);
    let decision = w.ok("fred", decide(proposal, Outcome::Adopted, ""));
    let state = w.state();
    let eve = &state.members[&pk("eve")];
    assert_eq!(eve.status, MemberStatus::Excluded);
    let levels: Vec<&str> = eve.sanctions.iter().map(|s| s.level.as_str()).collect();
    assert_eq!(levels, ["correction", "warning", "exclusion"]);
    let tally = &state.proposals[&proposal]
        .decision
        .as_ref()
        .expect("decided")
        .tally;
    assert_eq!(tally.electorate, 4, "Eve does not vote on her exclusion");
    assert_eq!(tally.yes, 4);

    // After: rejected at once.
    w.no("eve", tension("unfair"), "was excluded");
    // Concurrently (offline, on the heads before the decision): rejected by
    // every peer, whatever the order they fold it in.
    let offline = w.sign_on("eve", tension("unfair"), before);
    match w.push(&offline) {
        Verdict::Rejected(reason) => assert!(
            reason.contains(&format!(
                "concurrent with the removal of its author (record {})",
                decision.short()
            )),
            "{reason}"
        ),
        other => panic!("Eve's concurrent act holds: {other:?}"),
    }
    // Before: hers, and it holds.
    let state = w.state();
    assert_eq!(state.verdict(&earlier), Some(&Verdict::Accepted));
    assert_eq!(state.challenges[&earlier].author, pk("eve"));
}

/// §d6: a mediation tension that fails becomes a challenge, once escalated.
#[test]
fn scenario_6_escalated_tension_becomes_a_challenge() {
    let mut w = World::coop();
    let t = w.ok("bob", tension("the schedule changes every week"));
    w.no(
        "bob",
        challenge_from(Some(t), None),
        "only an escalated tension",
    );
    w.ok("fred", tension_update(t, TensionStatus::InProcess));
    w.no(
        "bob",
        challenge_from(Some(t), None),
        "only an escalated tension",
    );
    w.ok("fred", tension_update(t, TensionStatus::Escalated));
    w.no(
        "fred",
        tension_update(t, TensionStatus::Resolved),
        "cannot go from escalated to resolved",
    );
    let c = w.ok("bob", challenge_from(Some(t), None));
    let state = w.state();
    let tension = &state.tensions[&t];
    assert_eq!(tension.status, TensionStatus::Escalated);
    assert_eq!(tension.challenges, vec![c]);
    assert_eq!(tension.history.len(), 3);
    assert_eq!(state.challenges[&c].from_tension, Some(t));
    // A challenge from a record that is not a tension.
    w.no("bob", challenge_from(Some(c), None), "not a tension");
}

/// §d7: lowering the amendment quorum from 60% to 40% must pass the old rule
/// too: it fails with 50% turnout and passes with 75%.
#[test]
fn scenario_7_rule_change_must_pass_the_old_rule_too() {
    let four = &COOP[..4];
    let mut rules = coop_rules();
    rules.amend.quorum = 60;
    let mut w = World::new(four, rules, &["fred"]);
    let lower = Rule {
        quorum: 40,
        ..w.state().rules.amend.clone()
    };
    let first = w.ok("alice", change_rule(Act::Amend, lower.clone()));
    w.ok("alice", react(first, None, Stance::Consent));
    w.ok("bob", react(first, None, Stance::Consent));
    let reason = w.no("fred", decide(first, Outcome::Adopted, ""), "not met");
    assert!(
        reason.contains("old rule: consent") && reason.contains("quorum 60%, not met"),
        "{reason}"
    );
    w.ok(
        "fred",
        decide(first, Outcome::Rejected, "half of us took part"),
    );
    assert_eq!(w.state().rules.amend.quorum, 60);

    let second = w.ok("alice", change_rule(Act::Amend, lower));
    for who in ["alice", "bob", "chloe"] {
        w.ok(who, react(second, None, Stance::Consent));
    }
    w.no(
        "fred",
        decide(second, Outcome::Rejected, "no"),
        "the rule is met",
    );
    w.ok("fred", decide(second, Outcome::Adopted, ""));
    assert_eq!(w.state().rules.amend.quorum, 40);
}
