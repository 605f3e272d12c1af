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
    recorded(cx, home, &opened, tr!("gov-tension-opened"))
}

pub fn tension_start(cx: &Context, args: TensionNoteArgs) -> anyhow::Result<()> {
    let summary = tr!("gov-tension-started");
    tension_moved(cx, args, TensionStatus::InProcess, summary)
}

fn tension_moved(
    cx: &Context,
    args: TensionNoteArgs,
    status: TensionStatus,
    summary: String,
) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let moved = home.governance().update_tension(
        args.community.community.as_deref(),
        &args.tension,
        status,
        &args.note,
    )?;
    recorded(cx, home, &moved, summary)
}

pub fn tension_resolve(cx: &Context, args: TensionNoteArgs) -> anyhow::Result<()> {
    let summary = tr!("gov-tension-resolved");
    tension_moved(cx, args, TensionStatus::Resolved, summary)
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
        return recorded(cx, home, &escalated, tr!("gov-tension-escalated"));
    };
    let challenged = home.governance().escalate_tension(
        community,
        &args.tension,
        &args.note,
        section,
        &args.example,
    )?;
    let summary = tr!(
        "gov-tension-escalated-challenge",
        heading = &challenged.details.heading
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
        return output::text(&tr!("gov-no-tensions"));
    }
    let lines: Vec<String> = state
        .tensions
        .values()
        .map(|t| {
            let status = tr!("gov-tension-status", status = t.status.name());
            let path = tr!("gov-tension-path", path = t.path.name());
            tr!(
                "gov-tension-line",
                record = t.record.short(),
                status = format!("{status:<11}"),
                path = format!("{path:<10}"),
                summary = clip(&t.summary, 50),
                author = state.display_name(&t.author),
            )
        })
        .collect();
    output::text(&lines.join("\n"))
}

pub fn tension_show(cx: &Context, args: TensionShowArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let community = home
        .governance()
        .community(args.community.community.as_deref())?;
    let id = community.record_by_ref(&args.tension)?;
    let state = community.state.clone();
    let tension = state
        .tensions
        .get(&id)
        .ok_or_else(|| anyhow!(tr!("gov-not-a-tension", record = id.short())))?;
    if cx.json {
        return output::json(tension.as_ref());
    }
    let mut lines = vec![
        tr!(
            "gov-tension-show-head",
            summary = &tension.summary,
            record = tension.record.short()
        ),
        tr!(
            "gov-tension-show-state",
            status = tr!("gov-tension-status", status = tension.status.name()),
            path = tr!("gov-tension-path", path = tension.path.name()),
            author = state.display_name(&tension.author),
        ),
    ];
    if let Some(section) = &tension.section {
        // Its heading in the charter as it stands here, and its id.
        let charter = state.charter.to_string();
        let heading = home
            .documents()
            .sections(&charter, None)
            .ok()
            .and_then(|all| all.into_iter().find(|s| s.id.as_str() == section))
            .map_or_else(|| section.clone(), |s| format!("{} ({section})", s.heading));
        lines.push(tr!("gov-tension-show-section", section = heading));
    }
    for (record, status, note, at) in &tension.history {
        let mut line = tr!(
            "gov-tension-show-step",
            at = output::time(i64::try_from(*at).unwrap_or(i64::MAX)),
            status = tr!("gov-tension-status", status = status.name()),
            record = record.short(),
        );
        if !note.is_empty() {
            line.push_str(&format!(" — {note}"));
        }
        lines.push(line);
    }
    for challenge in &tension.challenges {
        lines.push(tr!(
            "gov-tension-show-challenge",
            record = challenge.short()
        ));
    }
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
    let summary = tr!("gov-rule-proposed", act = act.name(), rule = described);
    recorded(cx, home, &proposed, summary)
}
