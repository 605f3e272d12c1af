//! Tensions and rule changes.

use super::*;

pub fn tension_open(cx: &Context, args: TensionOpenArgs) -> anyhow::Result<()> {
    let path = match args.path {
        PathArg::Request => TensionPath::Request,
        PathArg::Mediation => TensionPath::Mediation,
        PathArg::Governance => TensionPath::Governance,
        PathArg::Conduct => TensionPath::Conduct,
    };
    let mut home = open(cx)?;
    let opened = home.governance().open_tension(
        args.community.community.as_deref(),
        path,
        &args.summary,
        args.section.as_deref(),
    )?;
    recorded(cx, home, &opened, "Opened a tension".into())
}

pub fn tension_start(cx: &Context, args: TensionNoteArgs) -> anyhow::Result<()> {
    tension_moved(
        cx,
        args,
        TensionStatus::InProcess,
        "The tension is in process",
    )
}

fn tension_moved(
    cx: &Context,
    args: TensionNoteArgs,
    status: TensionStatus,
    summary: &str,
) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let moved = home.governance().update_tension(
        args.community.community.as_deref(),
        &args.tension,
        status,
        &args.note,
    )?;
    recorded(cx, home, &moved, summary.into())
}

pub fn tension_resolve(cx: &Context, args: TensionNoteArgs) -> anyhow::Result<()> {
    tension_moved(cx, args, TensionStatus::Resolved, "The tension is resolved")
}

pub fn tension_escalate(cx: &Context, args: TensionEscalateArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let Some(section) = &args.section else {
        let escalated = home.governance().update_tension(
            community,
            &args.tension,
            TensionStatus::Escalated,
            &args.note,
        )?;
        return recorded(cx, home, &escalated, "Escalated the tension".into());
    };
    let challenged = home.governance().escalate_tension(
        community,
        &args.tension,
        &args.note,
        section,
        &args.example,
    )?;
    let summary = format!(
        "Escalated the tension into a challenge of \"{}\"",
        challenged.details.heading
    );
    recorded(cx, home, &challenged, summary)
}

pub fn tension_list(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let state = &home.governance().show(arg.community.as_deref())?;
    if cx.json {
        return output::json(&state.tensions.values().collect::<Vec<_>>());
    }
    if state.tensions.is_empty() {
        return output::text("No tensions.");
    }
    let lines: Vec<String> = state
        .tensions
        .values()
        .map(|t| {
            format!(
                "{}  {:<11} {:<10} {}  by {}",
                t.record.short(),
                format!("{:?}", t.status).to_lowercase(),
                format!("{:?}", t.path).to_lowercase(),
                clip(&t.summary, 50),
                state.display_name(&t.author)
            )
        })
        .collect();
    output::text(&lines.join("\n"))
}

pub fn rules_propose(cx: &Context, args: RulesProposeArgs) -> anyhow::Result<()> {
    let rule: ActRule = args.rule.parse()?;
    let described = describe_rule(&rule.rule);
    let act = rule.act;
    let mut home = open(cx)?;
    let proposed = home.governance().propose_rule(
        args.community.community.as_deref(),
        rule,
        &args.rationale,
    )?;
    let summary = format!(
        "Proposed: {act} by {described}; it must pass under the rule for rule changes, the old rule and the new one"
    );
    recorded(cx, home, &proposed, summary)
}
