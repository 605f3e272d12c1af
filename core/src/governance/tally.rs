//! Counting reactions under a decision rule.

use serde::Serialize;
use serde::ser::SerializeMap as _;

use super::{Code, DAY_MS, ObjectionState, ReactionEntry, Reason, ReasonArg, reason};
use crate::identity::PublicKey;
use crate::record::{Method, Rule, Stance};

/// The count behind a decision, kept in the state so anyone can see why it
/// passed or failed. In JSON, `explanation` is the English text, with
/// `explanation_code` and `explanation_args` beside it ([`Reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The method applied.
    pub method: Method,
    /// Members who could decide.
    pub electorate: usize,
    /// Of them, how many took part (any reaction but a question).
    pub participants: usize,
    /// Yes (consent, yes), weighted for a weighted vote.
    pub yes: u64,
    /// No (objection, no, block), weighted for a weighted vote.
    pub no: u64,
    /// Objections still open.
    pub open_objections: usize,
    /// Blocks (where the rule allows them).
    pub blocks: usize,
    /// Whether the quorum is met.
    pub quorum_met: bool,
    /// Whether the minimum delay has passed.
    pub deadline_met: bool,
    /// When the minimum delay ends (ms).
    pub delay_ends: u64,
    /// Whether the rule is satisfied.
    pub passes: bool,
    /// In words (`Display`: English).
    pub explanation: Reason,
}

impl Serialize for Tally {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("method", &self.method)?;
        map.serialize_entry("electorate", &self.electorate)?;
        map.serialize_entry("participants", &self.participants)?;
        map.serialize_entry("yes", &self.yes)?;
        map.serialize_entry("no", &self.no)?;
        map.serialize_entry("open_objections", &self.open_objections)?;
        map.serialize_entry("blocks", &self.blocks)?;
        map.serialize_entry("quorum_met", &self.quorum_met)?;
        map.serialize_entry("deadline_met", &self.deadline_met)?;
        map.serialize_entry("delay_ends", &self.delay_ends)?;
        map.serialize_entry("passes", &self.passes)?;
        self.explanation.serialize_as(
            &mut map,
            ["explanation", "explanation_code", "explanation_args"],
        )?;
        map.end()
    }
}

/// One voter: their member id, the weight of their college and their latest
/// reaction, if any.
pub(crate) struct Ballot<'a> {
    pub member: PublicKey,
    pub weight: u32,
    pub latest: Option<&'a ReactionEntry>,
}

/// What the rule needs to know beyond the ballots.
pub(crate) struct Context<'a> {
    pub objections: &'a [ObjectionState],
    /// When the proposal (or its current wording) was put forward (ms).
    pub start: u64,
    /// When the decision is recorded (ms).
    pub now: u64,
    /// Whether the decision is recorded by the proposer (advice process).
    pub by_proposer: bool,
    /// Whether anyone other than the proposer reacted (advice process).
    pub advice_given: bool,
}

/// Evaluate `rule` over the ballots.
pub(crate) fn evaluate(rule: &Rule, ballots: &[Ballot<'_>], cx: &Context<'_>) -> Tally {
    let electorate = ballots.len();
    let mut participants = 0usize;
    let (mut yes, mut no) = (0u64, 0u64);
    let mut blocks = 0usize;
    // Plain "no"s (not objections, which have their own life): under lazy
    // consensus, someone saying no is someone objecting to silence.
    let mut said_no = 0usize;
    let mut all_yes = electorate > 0;
    let mut all_agree = true;
    for ballot in ballots {
        let weight = if rule.method == Method::Weighted {
            u64::from(ballot.weight)
        } else {
            1
        };
        let Some(latest) = ballot.latest else {
            all_yes = false;
            continue;
        };
        if latest.stance != Stance::Question {
            participants += 1;
        }
        match latest.stance {
            Stance::Consent | Stance::Yes => yes += weight,
            Stance::No | Stance::Objection => {
                no += weight;
                all_agree = false;
                if latest.stance == Stance::No {
                    said_no += 1;
                }
            }
            Stance::Block => {
                no += weight;
                all_agree = false;
                if rule.block {
                    blocks += 1;
                }
            }
            Stance::StandAside
            | Stance::Abstain
            | Stance::Concern
            | Stance::Question
            | Stance::Resolved => {}
        }
        if !matches!(latest.stance, Stance::Consent | Stance::Yes) {
            all_yes = false;
        }
    }
    // Open objections come from the objections themselves, not the latest
    // ballots: an objection to an earlier wording stays open until it is
    // integrated and confirmed, withdrawn, or found invalid.
    let open_objections = cx
        .objections
        .iter()
        .filter(|o| o.is_open() && ballots.iter().any(|b| b.member == o.member))
        .count();
    if open_objections > 0 {
        all_agree = false;
    }
    let quorum_met = participants * 100 >= usize::from(rule.quorum) * electorate;
    let delay_ends = cx.start.saturating_add(u64::from(rule.min_days) * DAY_MS);
    let deadline_met = cx.now >= delay_ends;
    let threshold = u64::from(rule.threshold);
    let (passes, detail) = match rule.method {
        Method::Consent => (
            open_objections == 0 && blocks == 0,
            reason!(TallyConsent, open = open_objections, blocks = blocks),
        ),
        Method::Consensus => (
            participants > 0 && all_agree && open_objections == 0 && blocks == 0,
            reason!(
                TallyConsensus,
                participants = participants,
                open = open_objections,
                no = no
            ),
        ),
        Method::Majority => (yes > no, reason!(TallyMajority, yes = yes, no = no)),
        Method::Qualified | Method::Weighted => (
            yes > 0 && yes * 100 >= threshold * (yes + no),
            reason!(TallyQualified, yes = yes, no = no, threshold = threshold),
        ),
        Method::Unanimity => (
            all_yes,
            reason!(TallyUnanimity, yes = yes, electorate = electorate),
        ),
        Method::Lazy => (
            open_objections == 0 && blocks == 0 && said_no == 0,
            reason!(TallyLazy, open = open_objections, no = said_no),
        ),
        Method::Advice => (
            cx.by_proposer && cx.advice_given,
            if cx.by_proposer {
                reason!(TallyAdvice, given = cx.advice_given)
            } else {
                reason!(TallyAdviceOthers)
            },
        ),
    };
    let blocked = blocks > 0
        && !matches!(
            rule.method,
            Method::Consent | Method::Consensus | Method::Lazy
        );
    let passes = passes && quorum_met && deadline_met && !blocked;
    let mut args: Vec<(&'static str, ReasonArg)> = vec![
        ("method", ReasonArg::method(rule.method)),
        ("detail", detail.into()),
        ("participants", participants.into()),
        ("electorate", electorate.into()),
        ("quorum", rule.quorum.into()),
        ("met", quorum_met.into()),
        ("waiting", (!deadline_met).into()),
        ("blocked", blocked.into()),
    ];
    if !deadline_met {
        args.push(("delay", delay_not_passed(rule, delay_ends).into()));
    }
    let explanation = Reason::new(Code::Tally, args);
    Tally {
        method: rule.method,
        electorate,
        participants,
        yes,
        no,
        open_objections,
        blocks,
        quorum_met,
        deadline_met,
        delay_ends,
        passes,
        explanation,
    }
}

/// Why a decision must wait: the rule's delay, and when it ends.
pub(crate) fn delay_not_passed(rule: &Rule, ends: u64) -> Reason {
    reason!(
        DelayNotPassed,
        days = rule.min_days,
        ends = ReasonArg::Time(ends)
    )
}

/// A method's name.
pub fn method_name(method: Method) -> &'static str {
    match method {
        Method::Consent => "consent",
        Method::Consensus => "consensus",
        Method::Majority => "majority",
        Method::Qualified => "qualified majority",
        Method::Unanimity => "unanimity",
        Method::Weighted => "weighted vote",
        Method::Lazy => "lazy consensus",
        Method::Advice => "advice process",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::DeviceKey;
    use crate::record::RecordId;

    fn member(n: u8) -> PublicKey {
        DeviceKey::from_seed(&[n; 32]).public()
    }

    fn reaction(n: u8, stance: Stance) -> ReactionEntry {
        ReactionEntry {
            record: RecordId([n; 32]),
            member: member(n),
            stance,
            submission: None,
            criteria: Default::default(),
            argument: String::new(),
            objection: None,
            at: 0,
        }
    }

    /// Tally `stances` (one per member; `None`: silent) with college weights.
    fn tally(rule: &Rule, stances: &[(u32, Option<Stance>)], now_days: u64) -> Tally {
        let reactions: Vec<Option<ReactionEntry>> = stances
            .iter()
            .enumerate()
            .map(|(i, (_, s))| s.map(|s| reaction(i as u8 + 1, s)))
            .collect();
        let objections: Vec<ObjectionState> = reactions
            .iter()
            .flatten()
            .filter(|r| r.stance == Stance::Objection)
            .map(|r| ObjectionState {
                record: r.record,
                member: r.member,
                criteria: Default::default(),
                argument: String::new(),
                test: None,
                integrated_by: None,
                confirmed_by: None,
                withdrawn_by: None,
                acts: Default::default(),
            })
            .collect();
        let ballots: Vec<Ballot<'_>> = stances
            .iter()
            .zip(&reactions)
            .enumerate()
            .map(|(i, ((weight, _), latest))| Ballot {
                member: member(i as u8 + 1),
                weight: *weight,
                latest: latest.as_ref(),
            })
            .collect();
        evaluate(
            rule,
            &ballots,
            &Context {
                objections: &objections,
                start: 0,
                now: now_days * DAY_MS,
                by_proposer: true,
                advice_given: reactions.iter().flatten().count() > 0,
            },
        )
    }

    use Stance::{Abstain, Block, Concern, Consent, No, Objection, StandAside, Yes};

    #[test]
    fn each_method_counts_as_documented() {
        let rule = |method| Rule::new(method);
        let one = |s: Stance| (1u32, Some(s));
        let silent = (1u32, None);
        // Consent: no open objection, whoever is silent.
        assert!(
            tally(
                &rule(Method::Consent),
                &[one(Consent), silent, one(Concern)],
                0
            )
            .passes
        );
        assert!(!tally(&rule(Method::Consent), &[one(Consent), one(Objection)], 0).passes);
        // Consensus: everyone who takes part agrees or stands aside.
        assert!(
            tally(
                &rule(Method::Consensus),
                &[one(Consent), one(StandAside), silent],
                0
            )
            .passes
        );
        assert!(!tally(&rule(Method::Consensus), &[one(Consent), one(No)], 0).passes);
        assert!(!tally(&rule(Method::Consensus), &[silent, silent], 0).passes);
        // Majority: more yes than no.
        assert!(tally(&rule(Method::Majority), &[one(Yes), one(Yes), one(No)], 0).passes);
        assert!(!tally(&rule(Method::Majority), &[one(Yes), one(No)], 0).passes);
        // Qualified: yes ≥ threshold of yes + no.
        let two_thirds = Rule {
            threshold: 67,
            ..rule(Method::Qualified)
        };
        assert!(tally(&two_thirds, &[one(Yes), one(Yes), one(Yes), one(No)], 0).passes);
        assert!(!tally(&two_thirds, &[one(Yes), one(Yes), one(No), one(Abstain)], 0).passes);
        // Unanimity: every member of the electorate, the silent included.
        assert!(tally(&rule(Method::Unanimity), &[one(Yes), one(Consent)], 0).passes);
        assert!(!tally(&rule(Method::Unanimity), &[one(Yes), silent], 0).passes);
        // Weighted: college weights decide.
        let weighted = Rule {
            threshold: 50,
            ..rule(Method::Weighted)
        };
        let staff_yes = [(3, Some(Yes)), (1, Some(No)), (1, Some(No))];
        assert!(tally(&weighted, &staff_yes, 0).passes);
        let staff_no = [(3, Some(No)), (1, Some(Yes)), (1, Some(Yes))];
        assert!(!tally(&weighted, &staff_no, 0).passes);
        // Lazy consensus: silence consents, once the delay has passed.
        let lazy = Rule {
            min_days: 7,
            ..rule(Method::Lazy)
        };
        assert!(!tally(&lazy, &[silent, silent], 6).passes);
        assert!(tally(&lazy, &[silent, silent], 7).passes);
        assert!(!tally(&lazy, &[silent, one(Objection)], 7).passes);
        // ... and a plain "no" is someone objecting to silence: it stops
        // the adoption, so the proposal can be declined after the delay.
        assert!(!tally(&lazy, &[silent, one(No)], 7).passes);
        assert!(tally(&lazy, &[one(Yes), one(Abstain)], 7).passes);
        // Advice: the proposer decides once someone gave advice.
        assert!(tally(&rule(Method::Advice), &[one(Concern)], 0).passes);
        assert!(!tally(&rule(Method::Advice), &[silent], 0).passes);
    }

    #[test]
    fn quorum_blocks_and_delays_apply_to_every_method() {
        let one = |s: Stance| (1u32, Some(s));
        let silent = (1u32, None);
        let quorum = Rule {
            quorum: 60,
            ..Rule::new(Method::Majority)
        };
        let half = tally(&quorum, &[one(Yes), one(Yes), silent, silent], 0);
        assert!(!half.passes && !half.quorum_met);
        assert!(tally(&quorum, &[one(Yes), one(Yes), one(No), silent], 0).passes);
        // A block stops a vote only where the rule allows blocks.
        let blocking = Rule {
            block: true,
            ..Rule::new(Method::Majority)
        };
        assert!(!tally(&blocking, &[one(Yes), one(Yes), one(Block)], 0).passes);
        assert!(
            tally(
                &Rule::new(Method::Majority),
                &[one(Yes), one(Yes), one(Block)],
                0
            )
            .passes
        );
        // The minimum delay holds for every method.
        let slow = Rule {
            min_days: 3,
            ..Rule::new(Method::Consent)
        };
        let early = tally(&slow, &[one(Consent)], 2);
        assert!(!early.passes && !early.deadline_met);
        assert!(tally(&slow, &[one(Consent)], 3).passes);
    }
}
