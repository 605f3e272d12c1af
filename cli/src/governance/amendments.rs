//! Challenges and amendments.

use super::*;

pub fn challenge(cx: &Context, args: ChallengeArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let challenged = home.governance().challenge(
        args.community.community.as_deref(),
        &args.section,
        &args.tension,
        &args.example,
        args.from_tension.as_deref(),
    )?;
    let heading = &challenged.details.heading;
    let summary = match &challenged.details.inadmissible {
        Some(reason) => tr!(
            "gov-challenged-inadmissible",
            heading = heading,
            reason = reason.render(crate::lang::current())
        ),
        None => tr!("gov-challenged", heading = heading),
    };
    recorded(cx, home, &challenged, summary)
}

pub fn amendment_propose(cx: &Context, args: ProposeArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let proposed = home.governance().propose(
        args.community.community.as_deref(),
        &args.challenge,
        &args.title,
        &args.rationale,
        &args.coauthors,
    )?;
    let summary = tr!(
        "gov-amendment-proposed",
        title = &args.title,
        record = proposed.record.short()
    );
    recorded(cx, home, &proposed, summary)
}

pub fn amendment_edit(cx: &Context, args: AmendmentEditArgs) -> anyhow::Result<()> {
    let text = match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => read_text(path)?,
        (None, None) => bail!(tr!("gov-give-text-or-file")),
    };
    let mut home = open(cx)?;
    let written = home.governance().write(
        args.community.community.as_deref(),
        &args.amendment,
        &args.section,
        &text,
    )?;
    crate::commands::save_and_close(home)?;
    if cx.json {
        output::json(&written)
    } else {
        output::text(&match &written.change {
            Some(change) => tr!(
                "gov-draft-written",
                heading = &written.heading,
                change = &change[..12]
            ),
            None => tr!("gov-nothing-to-change"),
        })
    }
}

fn submit(
    cx: &Context,
    community_arg: &CommunityArg,
    amendment_text: &str,
    note: String,
    integrates: &[String],
) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let submitted = home.governance().submit(
        community_arg.community.as_deref(),
        amendment_text,
        &note,
        integrates,
    )?;
    let title = submitted
        .state
        .amendments
        .values()
        .find(|a| a.submissions.iter().any(|s| s.record == submitted.record))
        .map(|a| a.title.clone())
        .unwrap_or_default();
    let summary = if integrates.is_empty() {
        tr!(
            "gov-submitted",
            title = &title,
            sections = submitted.details.sections.len()
        )
    } else {
        tr!(
            "gov-integrated",
            title = &title,
            objections = integrates.len()
        )
    };
    recorded(cx, home, &submitted, summary)
}

pub fn amendment_submit(cx: &Context, args: SubmitArgs) -> anyhow::Result<()> {
    submit(cx, &args.community, &args.amendment, args.note, &[])
}

pub fn amendment_integrate(cx: &Context, args: IntegrateArgs) -> anyhow::Result<()> {
    submit(
        cx,
        &args.community,
        &args.amendment,
        args.note,
        &args.objections,
    )
}

pub fn amendment_round(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let opened = home
        .governance()
        .round(args.community.community.as_deref(), &args.subject)?;
    recorded(cx, home, &opened, tr!("gov-round-opened"))
}

pub fn amendment_withdraw(cx: &Context, args: WithdrawArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let withdrawn = home.governance().withdraw(
        args.community.community.as_deref(),
        &args.amendment,
        &args.reason,
    )?;
    recorded(cx, home, &withdrawn, tr!("gov-withdrawn"))
}

pub fn amendment_promote(cx: &Context, args: PromoteArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let promoted = home.governance().promote(
        args.community.community.as_deref(),
        &args.amendment,
        &args.tension,
        &args.example,
    )?;
    let title = promoted
        .state
        .challenges
        .get(&promoted.record)
        .and_then(|c| c.promoted_from)
        .and_then(|a| promoted.state.amendments.get(&a))
        .map(|a| a.title.clone())
        .unwrap_or_default();
    let summary = tr!("gov-promoted", title = &title);
    recorded(cx, home, &promoted, summary)
}

pub fn amendment_show(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let view = home
        .governance()
        .amendment(args.community.community.as_deref(), &args.subject)?;
    if cx.json {
        return output::json(&view);
    }
    let (amendment, state, diff) = (&view.amendment, &*view.state, view.diff.as_ref());
    let mut lines = vec![
        tr!(
            "gov-amendment-heading",
            record = amendment.record.short(),
            title = &amendment.title,
            phase = phase_word(amendment.phase),
        ),
        tr!(
            "gov-amendment-proposer",
            proposer = state.display_name(&amendment.proposer),
            rationale = &amendment.rationale,
        ),
        tr!("gov-amendment-draft", draft = amendment.draft.to_string()),
    ];
    for (n, submission) in amendment.submissions.iter().enumerate() {
        let mut line = tr!(
            "gov-amendment-wording",
            number = n + 1,
            record = submission.record.short(),
            sections = submission.sections.len(),
        );
        if !submission.note.is_empty() {
            line.push_str(&format!(" — {}", submission.note));
        }
        lines.push(line);
    }
    for reaction in &amendment.reactions {
        let mut line = format!(
            "  {} {}",
            state.display_name(&reaction.member),
            stance_word(reaction.stance)
        );
        if !reaction.criteria.is_empty() {
            let criteria: String = reaction.criteria.iter().collect();
            line.push_str(&format!(" [{criteria}]"));
        }
        if !reaction.argument.is_empty() {
            line = tr!(
                "gov-reaction-argued",
                reaction = line,
                argument = &reaction.argument
            );
        }
        lines.push(format!("{line}  ({})", reaction.record.short()));
    }
    for objection in &amendment.objections {
        let test = match &objection.test {
            Some(t) if t.valid => "valid",
            Some(_) => "invalid",
            None => "untested",
        };
        let status = if objection.is_open() {
            "open"
        } else {
            "closed"
        };
        lines.push(tr!(
            "gov-amendment-objection",
            record = objection.record.short(),
            member = state.display_name(&objection.member),
            test = test,
            status = status,
        ));
    }
    if let Some(decision) = &amendment.decision {
        lines.push(tr!(
            "gov-amendment-decision",
            outcome = decision.outcome.name(),
            explanation = decision.tally.explanation.render(crate::lang::current()),
        ));
    }
    if let Some(diff) = diff {
        for change in &diff.sections {
            if let nous_core::diff::SectionDiff::Changed {
                heading,
                body: Some(body),
                ..
            } = change
            {
                lines.push(format!("--- {heading}"));
                lines.push(body.unified.trim_end().to_owned());
            }
        }
    }
    output::text(&lines.join("\n"))
}

pub fn amendment_list(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let state = &home.governance().show(arg.community.as_deref())?;
    if cx.json {
        return output::json(&state.amendments.values().collect::<Vec<_>>());
    }
    if state.amendments.is_empty() {
        return output::text(&tr!("gov-no-amendments"));
    }
    let width = phase_width(15);
    let lines: Vec<String> = state
        .amendments
        .values()
        .map(|a| {
            tr!(
                "gov-amendment-line",
                record = a.record.short(),
                phase = pad(&phase_word(a.phase), width),
                title = pad(&clip(&a.title, 40), 40),
                proposer = state.display_name(&a.proposer),
            )
        })
        .collect();
    output::text(&lines.join("\n"))
}
