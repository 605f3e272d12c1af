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
    let admissible = match &challenged.details.inadmissible {
        Some(reason) => format!(" — inadmissible: {reason}"),
        None => String::new(),
    };
    let summary = format!("Challenged \"{}\"{admissible}", challenged.details.heading);
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
    let summary = format!(
        "Proposed amendment \"{}\"; write it with `nous amendment edit {} SECTION --text …`",
        args.title,
        proposed.record.short()
    );
    recorded(cx, home, &proposed, summary)
}

pub fn amendment_edit(cx: &Context, args: AmendmentEditArgs) -> anyhow::Result<()> {
    let text = match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => read_text(path)?,
        (None, None) => bail!("give --text or --file"),
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
            Some(change) => format!(
                "Wrote \"{}\" in the draft (change {})",
                written.heading,
                &change[..12]
            ),
            None => "Nothing to change.".to_owned(),
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
        format!(
            "Submitted \"{title}\" (changes {} section(s))",
            submitted.details.sections.len()
        )
    } else {
        format!(
            "Integrated {} objection(s) into \"{title}\"",
            integrates.len()
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
    recorded(cx, home, &opened, "Opened the objection round".into())
}

pub fn amendment_withdraw(cx: &Context, args: WithdrawArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let withdrawn = home.governance().withdraw(
        args.community.community.as_deref(),
        &args.amendment,
        &args.reason,
    )?;
    recorded(cx, home, &withdrawn, "Withdrew the amendment".into())
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
    let summary = format!("Promoted \"{title}\" into a new challenge");
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
        format!(
            "{}  \"{}\"  [{}]",
            amendment.record.short(),
            amendment.title,
            governance::phase_name(amendment.phase)
        ),
        format!(
            "Proposed by {} — {}",
            state.display_name(&amendment.proposer),
            amendment.rationale
        ),
        format!("Draft document {}", amendment.draft),
    ];
    for (n, submission) in amendment.submissions.iter().enumerate() {
        lines.push(format!(
            "Wording {} ({}): {} section(s){}",
            n + 1,
            submission.record.short(),
            submission.sections.len(),
            if submission.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", submission.note)
            }
        ));
    }
    for reaction in &amendment.reactions {
        let mut line = format!(
            "  {} {:?}",
            state.display_name(&reaction.member),
            reaction.stance
        )
        .to_lowercase();
        if !reaction.criteria.is_empty() {
            line.push_str(&format!(
                " [{}]",
                reaction.criteria.iter().collect::<String>()
            ));
        }
        if !reaction.argument.is_empty() {
            line.push_str(&format!(": {}", reaction.argument));
        }
        lines.push(format!("{line}  ({})", reaction.record.short()));
    }
    for objection in &amendment.objections {
        let test = match &objection.test {
            Some(t) if t.valid => "valid".to_owned(),
            Some(_) => "invalid".to_owned(),
            None => "untested".to_owned(),
        };
        let status = if objection.is_open() {
            "open"
        } else {
            "closed"
        };
        lines.push(format!(
            "Objection {} by {}: {test}, {status}",
            objection.record.short(),
            state.display_name(&objection.member)
        ));
    }
    if let Some(decision) = &amendment.decision {
        lines.push(
            format!(
                "Decision: {:?} — {}",
                decision.outcome, decision.tally.explanation
            )
            .to_lowercase(),
        );
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
        return output::text("No amendments.");
    }
    let lines: Vec<String> = state
        .amendments
        .values()
        .map(|a| {
            format!(
                "{}  {}  {}  by {}",
                a.record.short(),
                pad(governance::phase_name(a.phase), 15),
                pad(&clip(&a.title, 40), 40),
                state.display_name(&a.proposer)
            )
        })
        .collect();
    output::text(&lines.join("\n"))
}
