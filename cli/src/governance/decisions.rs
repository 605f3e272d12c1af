//! Reactions, objection tests, decisions, ratification.

use super::*;

pub fn react(cx: &Context, args: ReactArgs) -> anyhow::Result<()> {
    let stance = match args.stance {
        StanceArg::Question => Stance::Question,
        StanceArg::Consent => Stance::Consent,
        StanceArg::Concern => Stance::Concern,
        StanceArg::Objection => Stance::Objection,
        StanceArg::Abstain => Stance::Abstain,
        StanceArg::StandAside => Stance::StandAside,
        StanceArg::Block => Stance::Block,
        StanceArg::Yes => Stance::Yes,
        StanceArg::No => Stance::No,
        StanceArg::Resolved => Stance::Resolved,
    };
    let criteria = args
        .criteria
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    let mut home = open(cx)?;
    let reacted = home.governance().react(
        args.community.community.as_deref(),
        &args.subject,
        Reaction {
            stance,
            criteria,
            argument: &args.argument,
            objection: args.objection.as_deref(),
        },
    )?;
    let summary = tr!("gov-reacted", stance = stance_word(stance));
    recorded(cx, home, &reacted, summary)
}

pub fn objection_test(cx: &Context, args: ObjectionTestArgs) -> anyhow::Result<()> {
    let passed = args
        .passed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    let mut home = open(cx)?;
    let tested = home.governance().test_objection(
        args.community.community.as_deref(),
        &args.objection,
        passed,
        &args.note,
    )?;
    let summary = if tested.details.valid {
        tr!("gov-objection-is-valid")
    } else {
        tr!("gov-objection-is-not-valid")
    };
    recorded(cx, home, &tested, summary)
}

pub fn decide(cx: &Context, args: DecideArgs) -> anyhow::Result<()> {
    let outcome = match args.outcome {
        OutcomeArg::Adopted => Outcome::Adopted,
        OutcomeArg::Rejected => Outcome::Rejected,
    };
    let mut home = open(cx)?;
    let decided = home.governance().decide(
        args.community.community.as_deref(),
        &args.subject,
        outcome,
        &args.reason,
    )?;
    let summary = tr!(
        "gov-decided",
        outcome = outcome.name(),
        tally = decided
            .details
            .tally
            .as_ref()
            .map(|t| t.render(crate::lang::current()))
            .unwrap_or_default()
    );
    recorded(cx, home, &decided, summary)
}

pub fn ratify(cx: &Context, args: RatifyArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let ratified = home
        .governance()
        .ratify(args.community.community.as_deref(), &args.amendment)?;
    let summary = match ratified.details.version {
        Some(number) => tr!("gov-ratified", version = number),
        None => tr!(
            "gov-ratification-signed",
            signatures = ratified.details.signatures,
            needed = ratified.state.rules.amend.signers,
        ),
    };
    recorded(cx, home, &ratified, summary)
}

/// A stance in words, as a reaction shows it ("consent").
pub(super) fn stance_word(stance: Stance) -> String {
    tr!("gov-stance", stance = stance.name())
}
