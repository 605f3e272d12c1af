//! Governance commands: communities, members, challenges, amendments,
//! reactions, decisions, ratifications, tensions, rules and verification.
//!
//! Every act is a signed record that the engine judges before storing it;
//! a refusal is a one-line error with governance's reason.

use anyhow::{Context as _, anyhow, bail};

use nous_api::deliberation::Reaction;
use nous_api::governance::{Listed, NewCommunity, Recorded, Until};
use nous_api::{ErrorKind, Home};
use nous_core::PublicKey;
use nous_core::governance::{self, ApplicationState, MemberStatus, Phase};
use nous_core::record::{
    Access, Act, ActRule, College, Founder, Method, Outcome, Rule, SanctionLevel, Stance,
    TensionPath, TensionStatus,
};

use crate::args::*;
use crate::commands::{Context, open, read_text};
use crate::output::{self, clip, pad};

// ---------------------------------------------------------------------------
// Plumbing

/// Close the home (attesting pending content changes) and print what an act
/// recorded: its JSON, or `summary` for people.
fn recorded<T: serde::Serialize>(
    cx: &Context,
    home: Home,
    recorded: &Recorded<T>,
    summary: String,
) -> anyhow::Result<()> {
    crate::commands::save_and_close(home)?;
    if cx.json {
        output::json(recorded)
    } else {
        output::text(&format!("{summary} (record {})", recorded.record.short()))
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (UTC), or milliseconds since the
/// Unix epoch, to milliseconds.
pub fn parse_time(text: &str) -> anyhow::Result<u64> {
    nous_core::time::parse(text).ok_or_else(|| {
        anyhow!(
            "`{}` is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)",
            text.trim()
        )
    })
}

fn describe_rule(rule: &Rule) -> String {
    let mut text = governance::method_name(rule.method).to_owned();
    if rule.quorum > 0 {
        text.push_str(&format!(", quorum {}%", rule.quorum));
    }
    if matches!(rule.method, Method::Qualified | Method::Weighted) {
        text.push_str(&format!(", threshold {}%", rule.threshold));
    }
    if rule.min_days > 0 {
        text.push_str(&format!(", at least {} day(s)", rule.min_days));
    }
    if rule.signers > 1 {
        text.push_str(&format!(", {} signers", rule.signers));
    }
    if !rule.electorate.is_empty() {
        text.push_str(&format!(", decided by {}", rule.electorate.join(" + ")));
    }
    if rule.block {
        text.push_str(", block allowed");
    }
    text
}

// ---------------------------------------------------------------------------
// Communities

pub fn community_create(cx: &Context, args: CommunityCreateArgs) -> anyhow::Result<()> {
    let mut colleges = Vec::new();
    for spec in &args.colleges {
        let mut parts = spec.splitn(3, ':');
        let id = parts.next().unwrap_or("").trim().to_owned();
        let name = parts
            .next()
            .map(str::to_owned)
            .unwrap_or_else(|| id.clone());
        let weight = match parts.next() {
            Some(w) => w
                .trim()
                .parse()
                .map_err(|_| anyhow!("`{spec}`: the weight is a whole number"))?,
            None => 1,
        };
        if id.is_empty() {
            bail!("`{spec}`: a college needs an id");
        }
        colleges.push(College { id, name, weight });
    }
    let mut founders = Vec::new();
    for spec in &args.founders {
        let mut parts = spec.splitn(3, ':');
        let (Some(key), Some(name), Some(college)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!("`{spec}`: a founder is KEY:NAME:COLLEGE");
        };
        founders.push(Founder {
            member: key.parse()?,
            name: name.to_owned(),
            college: college.to_owned(),
        });
    }
    let rules = args
        .rules
        .iter()
        .map(|spec| spec.parse::<ActRule>())
        .collect::<Result<Vec<_>, _>>()?;
    let facilitators = args
        .facilitators
        .iter()
        .map(|k| k.parse::<PublicKey>())
        .collect::<Result<Vec<_>, _>>()?;
    let mut home = open(cx)?;
    let founded = home.governance().found(NewCommunity {
        name: &args.name,
        charter: &args.charter,
        colleges,
        name_as: args.name_as.as_deref(),
        college: args.as_college.as_deref(),
        founders,
        rules,
        facilitators,
    })?;
    let summary = format!("Founded community \"{}\" {}", args.name, founded.details.id);
    recorded(cx, home, &founded, summary)
}

/// `nous community list`. Records of a community this home cannot resolve
/// (its genesis record missing or invalid) are listed apart, with the
/// reason, after the others.
pub fn community_list(cx: &Context) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let list = home.governance().list()?;
    if cx.json {
        return output::json(&list);
    }
    if list.is_empty() {
        return output::text(
            "No community yet. Found one with `nous community create NAME --charter DOC`.",
        );
    }
    let lines: Vec<String> = list
        .iter()
        .map(|listed| match listed {
            Listed::Usable { id, name, members } => {
                format!("{}  {}  {members} member(s)", id.short(), clip(name, 40))
            }
            Listed::Unusable { id, unusable } => {
                format!("{}  (unusable: {unusable})", id.short())
            }
        })
        .collect();
    output::text(&lines.join("\n"))
}

/// `nous community show` and `nous community share`.
pub fn community_show(cx: &Context, command: CommunityShowCommand) -> anyhow::Result<()> {
    match command {
        CommunityShowCommand::Show(arg) => show_community(cx, arg),
        CommunityShowCommand::Share(args) => community_share(cx, args),
    }
}

fn show_community(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let state = &home.governance().show(arg.community.as_deref())?;
    if cx.json {
        return output::json(state);
    }
    let version = state.in_force();
    let mut lines = vec![
        format!("{}  ({})", state.name, state.community),
        format!(
            "Charter {}: version {} in force ({})",
            state.charter,
            version.number,
            &version.hash[..12]
        ),
        format!(
            "Members: {}",
            state
                .members
                .values()
                .filter(|m| m.status == MemberStatus::Active)
                .count()
        ),
    ];
    for college in &state.colleges {
        let n = state
            .members
            .values()
            .filter(|m| m.college == college.id && m.status == MemberStatus::Active)
            .count();
        lines.push(format!(
            "  {} ({}, weight {}): {n}",
            college.name, college.id, college.weight
        ));
    }
    let open_apps = state
        .applications
        .values()
        .filter(|a| a.state == ApplicationState::Pending)
        .count();
    let open_amendments = state
        .amendments
        .values()
        .filter(|a| !matches!(a.phase, Phase::Merged | Phase::Withdrawn | Phase::Rejected))
        .count();
    let open_tensions = state
        .tensions
        .values()
        .filter(|t| matches!(t.status, TensionStatus::Open | TensionStatus::InProcess))
        .count();
    lines.push(format!(
        "Open: {open_apps} application(s), {} challenge(s), {open_amendments} amendment(s), {open_tensions} tension(s)",
        state.challenges.len()
    ));
    if !state.documents.is_empty() {
        lines.push(format!("Shared documents: {}", state.documents.len()));
        for (doc, shared) in &state.documents {
            lines.push(format!(
                "  {doc}  {:<7}  \"{}\"  shared by {}",
                shared.access.name(),
                clip(&shared.title, 40),
                state.display_name(&shared.shared_by)
            ));
        }
    }
    let problems = state.problems().count();
    if problems > 0 {
        lines.push(format!(
            "{problems} record(s) rejected or pending (see `nous verify`)"
        ));
    }
    output::text(&lines.join("\n"))
}

/// `nous community share DOC`: a `document.share` record.
fn community_share(cx: &Context, args: CommunityShareArgs) -> anyhow::Result<()> {
    let access = if args.public {
        Access::Public
    } else {
        Access::Members
    };
    let mut home = open(cx)?;
    let shared = home
        .governance()
        .share(
            args.community.community.as_deref(),
            &args.doc,
            args.title.as_deref(),
            access,
        )
        .map_err(|error| match error.kind() {
            // The only input error without a title: the document has none.
            ErrorKind::InvalidInput if args.title.is_none() => anyhow!("{error} with --title"),
            _ => error.into(),
        })?;
    let (title, name) = (&shared.details.title, &shared.state.name);
    let summary = match access {
        Access::Public => {
            format!("Shared \"{title}\" with \"{name}\": anyone reads it, members write")
        }
        Access::Members => {
            format!("Shared \"{title}\" with \"{name}\": members read and write it")
        }
    };
    recorded(cx, home, &shared, summary)
}

pub fn community_rules(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let rules = home.governance().rules(arg.community.as_deref())?;
    if cx.json {
        return output::json(&rules);
    }
    let lines: Vec<String> = Act::ALL
        .iter()
        .map(|act| format!("{:<8} {}", act.name(), describe_rule(rules.get(*act))))
        .collect();
    output::text(&lines.join("\n"))
}

// ---------------------------------------------------------------------------
// Members

pub fn member_apply(cx: &Context, args: MemberApplyArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let applied = home.governance().apply(
        args.community.community.as_deref(),
        &args.name,
        &args.college,
        &args.motivation,
    )?;
    let summary = format!(
        "Applied to join \"{}\" as {}",
        applied.state.name, args.college
    );
    recorded(cx, home, &applied, summary)
}

pub fn member_admit(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let admitted = home
        .governance()
        .admit(args.community.community.as_deref(), &args.subject)?;
    let summary = format!(
        "Admitted {}: they join once they sign the charter in force (`nous member sign`)",
        admitted.details.name
    );
    recorded(cx, home, &admitted, summary)
}

pub fn member_decline(cx: &Context, args: DeclineArgs) -> anyhow::Result<()> {
    if args.reason.trim().is_empty() {
        bail!("a decline needs a reason: give --reason");
    }
    let mut home = open(cx)?;
    let declined = home.governance().decline(
        args.community.community.as_deref(),
        &args.application,
        &args.reason,
    )?;
    recorded(cx, home, &declined, "Declined the application".into())
}

pub fn member_sign(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let signed = home
        .governance()
        .sign(args.community.community.as_deref(), &args.subject)?;
    let summary = format!(
        "Signed version {} of the charter ({}): welcome to \"{}\"",
        signed.state.in_force().number,
        &signed.details.version[..12],
        signed.state.name
    );
    recorded(cx, home, &signed, summary)
}

pub fn member_leave(cx: &Context, args: LeaveArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let left = home
        .governance()
        .leave(args.community.community.as_deref(), &args.reason)?;
    let summary = format!("Left \"{}\"", left.state.name);
    recorded(cx, home, &left, summary)
}

pub fn member_sanction(cx: &Context, args: SanctionArgs) -> anyhow::Result<()> {
    let level = match args.level {
        Level::Correction => SanctionLevel::Correction,
        Level::Warning => SanctionLevel::Warning,
        Level::Suspension => SanctionLevel::Suspension,
    };
    let until = match (&args.until, args.days) {
        (Some(until), _) => Some(Until::Time(parse_time(until)?)),
        (None, Some(days)) => Some(Until::Days(days)),
        (None, None) if level == SanctionLevel::Suspension => {
            bail!("a suspension needs --until DATE or --days N")
        }
        (None, None) => None,
    };
    let mut home = open(cx)?;
    let sanctioned = home.governance().sanction(
        args.community.community.as_deref(),
        &args.member,
        level,
        &args.reasons,
        until,
    )?;
    let member = sanctioned.state.member_by_ref(&args.member)?;
    let summary = format!(
        "{} for {}",
        level.name(),
        sanctioned.state.display_name(&member)
    );
    recorded(cx, home, &sanctioned, summary)
}

pub fn member_exclude(cx: &Context, args: ExcludeArgs) -> anyhow::Result<()> {
    let notice = args.notice.as_deref().map(parse_time).transpose()?;
    let hearing = args.hearing.as_deref().map(parse_time).transpose()?;
    let mut home = open(cx)?;
    let proposed = home.governance().exclude(
        args.community.community.as_deref(),
        &args.member,
        &args.reasons,
        notice,
        hearing,
    )?;
    let member = proposed.state.member_by_ref(&args.member)?;
    let summary = format!(
        "Proposed to exclude {}; hearing on {}; decide after it with `nous decide`",
        proposed.state.display_name(&member),
        output::time(i64::try_from(proposed.details.hearing_at).unwrap_or(i64::MAX))
    );
    recorded(cx, home, &proposed, summary)
}

pub fn member_list(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let roster = home.governance().roster(arg.community.as_deref())?;
    if cx.json {
        return output::json(&roster);
    }
    let state = &roster;
    let mut lines = vec![format!(
        "{}  {}  {}  STATUS",
        pad("MEMBER", 10),
        pad("NAME", 24),
        pad("COLLEGE", 14)
    )];
    for member in &state.members {
        let status = match member.status {
            MemberStatus::Active => "active".to_owned(),
            MemberStatus::Suspended { until } => {
                format!(
                    "suspended until {}",
                    output::time(i64::try_from(until).unwrap_or(i64::MAX))
                )
            }
            MemberStatus::Left => "left".into(),
            MemberStatus::Excluded => "excluded".into(),
        };
        let sanctions = if member.sanctions.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                member
                    .sanctions
                    .iter()
                    .map(|s| s.level.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        lines.push(format!(
            "{}  {}  {}  {status}{sanctions}",
            member.id.short(),
            pad(&clip(&member.name, 24), 24),
            pad(&clip(&member.college, 14), 14)
        ));
    }
    let pending: Vec<_> = state
        .applications
        .iter()
        .filter(|a| a.state != ApplicationState::Joined)
        .collect();
    if !pending.is_empty() {
        lines.push(String::new());
        lines.push("Applications:".into());
        for app in pending {
            let state_text = match &app.state {
                ApplicationState::Pending => "pending".to_owned(),
                ApplicationState::Admitted => "admitted, waiting for the charter signature".into(),
                ApplicationState::Joined => "joined".into(),
                ApplicationState::Declined { reason } => format!("declined: {reason}"),
            };
            lines.push(format!(
                "  {}  {} for {}: {state_text}",
                app.record.short(),
                clip(&app.name, 24),
                app.college
            ));
        }
    }
    output::text(&lines.join("\n"))
}

pub fn device_add(cx: &Context, args: DeviceAddArgs) -> anyhow::Result<()> {
    let device: PublicKey = args.key.parse()?;
    let mut home = open(cx)?;
    let certified = home.governance().certify_device(
        args.community.community.as_deref(),
        device,
        &args.label,
    )?;
    let summary = format!("Certified device {}", device.short());
    recorded(cx, home, &certified, summary)
}

pub fn device_revoke(cx: &Context, args: DeviceRevokeArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let revoked = home.governance().revoke_device(
        args.community.community.as_deref(),
        &args.key,
        &args.reason,
    )?;
    let summary = format!("Revoked device {}", revoked.details.device.short());
    recorded(cx, home, &revoked, summary)
}

// ---------------------------------------------------------------------------
// Challenges and amendments

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

// ---------------------------------------------------------------------------
// Reactions, decisions, ratification

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
    let summary = format!("Recorded {stance:?}").to_lowercase();
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
    let summary = format!(
        "The objection is {}",
        if tested.details.valid {
            "valid"
        } else {
            "not valid"
        }
    );
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
    let summary = format!("Decided: {outcome} ({})", decided.details.tally);
    recorded(cx, home, &decided, summary)
}

pub fn ratify(cx: &Context, args: RatifyArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let ratified = home
        .governance()
        .ratify(args.community.community.as_deref(), &args.amendment)?;
    let summary = match ratified.details.version {
        Some(number) => format!("Ratified: version {number} of the charter is in force"),
        None => format!(
            "Signed the ratification ({} of {} signature(s))",
            ratified.details.signatures, ratified.state.rules.amend.signers
        ),
    };
    recorded(cx, home, &ratified, summary)
}

// ---------------------------------------------------------------------------
// Tensions and rules

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

// ---------------------------------------------------------------------------
// Lint, verify, governance history

pub fn charter_lint(cx: &Context, args: LintArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let linted = home.documents().lint(&args.doc)?;
    if cx.json {
        return output::json(&linted);
    }
    let warnings = &linted.warnings;
    if warnings.is_empty() {
        return output::text(
            "No warnings: the charter says how one joins, leaves, regulates tensions and amends it.",
        );
    }
    let lines: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();
    output::text(&lines.join("\n"))
}

pub fn verify(cx: &Context, args: VerifyArgs) -> anyhow::Result<()> {
    let bytes = crate::commands::read_bundle_file(&args.file)?;
    output::note(&format!(
        "Verifying {} ({} bytes)…",
        args.file.display(),
        bytes.len()
    ));
    let verified = nous_api::verify(&bytes)
        .with_context(|| format!("cannot verify {}", args.file.display()))?;
    let (report, hash) = (&verified.report, &verified.report_hash);
    if cx.json {
        output::json(&verified)?;
    } else {
        let mut lines = Vec::new();
        for community in &report.communities {
            lines.push(format!(
                "Community \"{}\" {}: {} record(s) accepted, {} rejected, {} pending",
                community.name,
                community.id.short(),
                community.accepted,
                community.rejected,
                community.pending
            ));
            lines.push(format!(
                "  {} member(s), {} amendment(s), version {} in force",
                community.members.len(),
                community.amendments.len(),
                community.versions.len()
            ));
            for version in &community.versions {
                lines.push(format!(
                    "  v{}  {}  text sha256 {}",
                    version.number,
                    &version.hash[..12],
                    if version.text_sha256.is_empty() {
                        "(content missing)"
                    } else {
                        &version.text_sha256[..16]
                    }
                ));
            }
        }
        for document in &report.documents {
            lines.push(format!(
                "Document {}: {} change(s), {} attested",
                document.id, document.changes, document.attested
            ));
        }
        let short = |id: &str| id.chars().take(12).collect::<String>();
        for act in &report.rejected {
            lines.push(format!(
                "REJECTED {} {}: {}",
                act.what,
                short(&act.id),
                act.reason
            ));
        }
        for problem in &report.problems {
            lines.push(format!(
                "FAIL {} {}: {}",
                problem.what,
                short(&problem.id),
                problem.reason
            ));
        }
        lines.push(if report.ok {
            format!(
                "Intact: every signature, cited record, attestation and version holds ({} act(s) rejected under the rules).",
                report.rejected.len()
            )
        } else {
            format!("NOT INTACT: {} problem(s).", report.problems.len())
        });
        lines.push(format!("Report hash: {hash}"));
        output::text(&lines.join("\n"))?;
    }
    if !report.ok {
        bail!(
            "verification failed: the history is not intact ({} problem(s))",
            report.problems.len()
        );
    }
    Ok(())
}
