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
    Access, Act, Apply, Challenge, ChangeRule, College, Decide, DocumentShare, Exclude, Founder,
    Genesis, Heads, Method, Payload, Propose, Ratify, React, Record, RecordId, RevokeDevice, Rule,
    Rules, Sanction, SignCharter, Stance, Submit, TensionUpdate, TestObjection, Unsigned, Version,
    Withdraw,
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
    /// How the world resolves (the property test skips signatures while it
    /// builds a history; every home checks them).
    options: ResolveOptions,
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
            options: ResolveOptions::default(),
        }
    }

    fn state(&self) -> State {
        resolve(self.community, &self.records, self.options).expect("resolve")
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

    /// An act kept only if it holds (as the engine does).
    fn attempt(&mut self, who: &str, payload: Payload) -> Option<RecordId> {
        let record = self.act(who, payload);
        if self.verdict(&record.id()) == Verdict::Accepted {
            Some(record.id())
        } else {
            self.records.retain(|r| r.id() != record.id());
            None
        }
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
                let reason = reason.to_string();
                assert!(
                    reason.to_string().contains(why),
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

    /// The state resolved with `a` replayed before `b`, then after it (two
    /// concurrent records; the tie-break salted until both orders came).
    #[track_caller]
    fn in_both_replay_orders(&self, a: RecordId, b: RecordId) -> [State; 2] {
        let (mut first, mut second) = (None, None);
        for n in 0u8..=255 {
            let salt = [n; 32];
            let dag = super::dag::Dag::build(self.records.clone(), &[], salt);
            let slot = if dag.index.get(&a) < dag.index.get(&b) {
                &mut first
            } else {
                &mut second
            };
            if slot.is_none() {
                let options = ResolveOptions {
                    tie_break_salt: salt,
                    ..self.options
                };
                *slot = Some(resolve(self.community, &self.records, options).expect("resolve"));
            }
            if let (Some(_), Some(_)) = (&first, &second) {
                break;
            }
        }
        [first, second].map(|state| state.expect("both replay orders"))
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
        invitation: None,
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

fn share(doc: u8, access: Access) -> Payload {
    Payload::DocumentShare(DocumentShare {
        doc: DocId::from_bytes([doc; 16]),
        title: format!("document {doc}"),
        access,
    })
}

fn suspend(member: &str, until: u64) -> Payload {
    Payload::Sanction(Sanction {
        member: pk(member),
        level: SanctionLevel::Suspension,
        reasons: "shouted at a learner".into(),
        until,
    })
}

/// splitmix64: the randomness of a history and of its deliveries, from the
/// seeds proptest draws.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

mod acts;
mod challenges;
mod concurrency;
mod decisions;
mod delivery;
mod documents;
mod incremental;
mod invitations;
mod names;
mod participation;
mod scenarios;
mod tamper;
mod todo;
