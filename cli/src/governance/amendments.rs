//! Challenges and amendments.

use super::*;
use nous_api::deliberation::DraftWritten;
use nous_api::documents::Part;
use nous_core::governance::{Admissibility, ChallengeState, State};
use nous_core::record::ChallengeOutcome;

pub fn challenge(cx: &Context, args: ChallengeArgs) -> anyhow::Result<()> {
    let (section, tension) = match (args.command, args.section, args.tension) {
        (Some(ChallengeCommand::Close(close)), ..) => return challenge_close(cx, close),
        (Some(ChallengeCommand::List(arg)), ..) => return challenge_list(cx, arg),
        (None, Some(section), Some(tension)) => (section, tension),
        // clap requires both without a subcommand.
        _ => bail!(tr!("gov-challenge-needs-section-and-tension")),
    };
    let mut home = open(cx)?;
    let challenged = home.governance().challenge(
        args.community.community.as_deref(),
        &section,
        &tension,
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

/// `nous challenge close`: a `challenge.close` record.
fn challenge_close(cx: &Context, args: ChallengeCloseArgs) -> anyhow::Result<()> {
    let (outcome, reason) = match &args.declined {
        Some(reason) => (ChallengeOutcome::Declined, reason.as_str()),
        None => (ChallengeOutcome::Withdrawn, args.reason.as_str()),
    };
    let mut home = open(cx)?;
    let closed = home.governance().close_challenge(
        args.community.community.as_deref(),
        &args.challenge,
        outcome,
        reason,
    )?;
    let summary = tr!(
        "gov-challenge-closed",
        outcome = outcome.name(),
        challenge = closed.details.challenge.short()
    );
    recorded(cx, home, &closed, summary)
}

/// Where a challenge stands, as one word for `challenge list` (and its JSON).
fn challenge_standing(state: &State, challenge: &ChallengeState) -> &'static str {
    if let Some(closed) = &challenge.closed {
        closed.outcome.name()
    } else if matches!(challenge.admissibility, Admissibility::Inadmissible { .. }) {
        "inadmissible"
    } else if state.challenge_answered(challenge) {
        "answered"
    } else {
        "open"
    }
}

/// `nous challenge list`: every challenge and where it stands.
fn challenge_list(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let mut gov = home.governance();
    let state = gov.show(arg.community.as_deref())?;
    let challenges = gov.challenges(arg.community.as_deref())?;
    // Headings from the charter in force, when this home has it.
    let charter = gov.charter_in_force(&state).ok();
    let heading = |section: &str| {
        charter
            .as_ref()
            .and_then(|c| c.find_section(section).ok())
            .map_or_else(|| section.to_owned(), |s| s.heading.clone())
    };
    if cx.json {
        let items: Vec<serde_json::Value> = challenges
            .iter()
            .map(|c| {
                let mut value = serde_json::to_value(c).unwrap_or_default();
                value["standing"] = challenge_standing(&state, c).into();
                value
            })
            .collect();
        return output::json(&items);
    }
    if challenges.is_empty() {
        return output::text(&tr!("gov-no-challenges"));
    }
    let words: Vec<String> = challenges
        .iter()
        .map(|c| {
            tr!(
                "gov-challenge-standing",
                standing = challenge_standing(&state, c)
            )
        })
        .collect();
    let width = words.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let lines: Vec<String> = challenges
        .iter()
        .zip(&words)
        .map(|(c, word)| {
            tr!(
                "gov-challenge-line",
                record = c.record.short(),
                standing = pad(word, width),
                heading = pad(&clip(&heading(&c.section), 30), 30),
                author = state.display_name(&c.author),
                tension = clip(&c.tension, 50),
            )
        })
        .collect();
    output::text(&lines.join("\n"))
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
    let community = args.community.community.as_deref();
    let written = if args.editor || args.discard_kept {
        draft_in_editor(cx, &args)?
    } else {
        let text = match (&args.text, &args.file) {
            (Some(text), _) => text.clone(),
            (None, Some(path)) => read_text(path)?,
            (None, None) => bail!(tr!("gov-give-text-or-file")),
        };
        let mut home = open(cx)?;
        let written = home
            .governance()
            .write(community, &args.amendment, &args.section, &text)?;
        crate::commands::save_and_close(home)?;
        Some(written)
    };
    let Some(written) = written else {
        return Ok(());
    };
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

/// `amendment edit --editor` (or `--discard-kept`): the draft's section in
/// the editor, the text kept in the home if its save is refused; `None`
/// when the kept text was only dropped.
fn draft_in_editor(cx: &Context, args: &AmendmentEditArgs) -> anyhow::Result<Option<DraftWritten>> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let draft = home.governance().draft_of(community, &args.amendment)?;
    let target = home.documents().target(&draft, &args.section)?;
    let (key, heading) = match &target.part {
        Part::Title => ("title".to_owned(), String::new()),
        Part::Preamble => ("preamble".to_owned(), String::new()),
        Part::Section { id, heading } => (id.to_string(), heading.clone()),
    };
    let kept = crate::kept::path(cx, &draft, &key);
    if args.discard_kept {
        crate::kept::discard(cx, &kept, !args.editor)?;
        if !args.editor {
            return Ok(None);
        }
    }
    crate::kept::edit(cx, home, &kept, &target.text, |mut home, text| {
        let now = home.documents().target(&draft, &args.section)?;
        if now != target {
            bail!(tr!(
                "commands-edit-changed-meanwhile",
                part = "section",
                heading = &heading
            ));
        }
        let written = home
            .governance()
            .write(community, &args.amendment, &args.section, text)?;
        crate::commands::save_and_close(home)?;
        Ok(Some(written))
    })
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
