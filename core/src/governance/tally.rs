//! Counting reactions under a decision rule.

use serde::Serialize;

use super::{DAY_MS, ObjectionState, ReactionEntry};
use crate::identity::PublicKey;
use crate::record::{Method, Rule, Stance};

/// The count behind a decision, kept in the state so anyone can see why it
/// passed or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// Whether the rule is satisfied.
    pub passes: bool,
    /// In words.
    pub explanation: String,
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
    let deadline_met = cx.now >= cx.start.saturating_add(u64::from(rule.min_days) * DAY_MS);
    let threshold = u64::from(rule.threshold);
    let (passes, explanation) = match rule.method {
        Method::Consent => (
            open_objections == 0 && blocks == 0,
            format!("{open_objections} open objection(s), {blocks} block(s)"),
        ),
        Method::Consensus => (
            participants > 0 && all_agree && open_objections == 0 && blocks == 0,
            format!(
                "{participants} taking part, {open_objections} open objection(s), {no} against"
            ),
        ),
        Method::Majority => (yes > no, format!("{yes} for, {no} against")),
        Method::Qualified | Method::Weighted => (
            yes > 0 && yes * 100 >= threshold * (yes + no),
            format!("{yes} for, {no} against, {threshold}% needed"),
        ),
        Method::Unanimity => (all_yes, format!("{yes} of {electorate} for")),
        Method::Lazy => (
            open_objections == 0 && blocks == 0,
            format!("silence consents; {open_objections} open objection(s)"),
        ),
        Method::Advice => (
            cx.by_proposer && cx.advice_given,
            if cx.by_proposer {
                format!(
                    "the proposer decides; advice {}",
                    if cx.advice_given {
                        "given"
                    } else {
                        "not sought"
                    }
                )
            } else {
                "only the proposer decides under the advice process".to_owned()
            },
        ),
    };
    let blocked = blocks > 0
        && !matches!(
            rule.method,
            Method::Consent | Method::Consensus | Method::Lazy
        );
    let passes = passes && quorum_met && deadline_met && !blocked;
    let mut explanation = format!(
        "{}: {explanation}; {participants}/{electorate} took part (quorum {}%{})",
        method_name(rule.method),
        rule.quorum,
        if quorum_met { ", met" } else { ", not met" },
    );
    if !deadline_met {
        explanation.push_str(&format!("; the {}-day delay has not passed", rule.min_days));
    }
    if blocked {
        explanation.push_str("; blocked");
    }
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
        passes,
        explanation,
    }
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
