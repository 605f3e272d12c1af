//! Governance commands: communities, members, challenges, amendments,
//! reactions, decisions, ratifications, tensions, rules and verification.
//!
//! Every act is a signed record that the engine judges before storing it;
//! a refusal is a one-line error with governance's reason.

use anyhow::{Context as _, anyhow, bail};
use serde_json::json;

use nous_api::governance::{Listed, NewCommunity, Recorded, Until};
use nous_api::{ErrorKind, Home};
use nous_core::charter::Charter;
use nous_core::community::{Acted, Community};
use nous_core::governance::{self, ApplicationState, MemberStatus, Phase, State};
use nous_core::ids::hash_hex;
use nous_core::record::{
    self, Access, Act, ActRule, Challenge, ChangeRule, College, Decide, Founder, Method, Outcome,
    Payload, React, Rule, SanctionLevel, Stance, TensionPath, TensionStatus,
};
use nous_core::{Engine, PublicKey};

use crate::args::*;
use crate::commands::{Context, open, read_text};
use crate::output::{self, clip, pad};

// ---------------------------------------------------------------------------
// Plumbing

/// Open the home and the community named (or the only one).
fn session(cx: &Context, arg: &CommunityArg) -> anyhow::Result<(Home, Community)> {
    let engine = open(cx)?;
    let id = engine.resolve_community(arg.community.as_deref())?;
    let community = engine.community(&id)?;
    Ok((engine, community))
}

/// The charter in force.
fn in_force(engine: &mut Engine, state: &State) -> anyhow::Result<Charter> {
    let heads = state.in_force().change_hashes();
    engine
        .charter_at(&state.charter, Some(&heads))
        .context("the charter version in force is not in this home (import the community's bundle)")
}

/// Make the act durable, attest pending content changes, close, and print.
fn finish(
    cx: &Context,
    engine: Home,
    acted: Acted,
    summary: String,
    extra: serde_json::Value,
) -> anyhow::Result<()> {
    engine.wait(acted.ticket)?;
    crate::commands::save_and_close(engine)?;
    let record = &acted.record;
    if cx.json {
        let mut value = json!({
            "record": record.id(),
            "kind": record.kind(),
            "community": acted.community.id,
        });
        if let (Some(map), serde_json::Value::Object(extra)) = (value.as_object_mut(), extra) {
            map.extend(extra);
        }
        output::json(&value)
    } else {
        output::text(&format!("{summary} (record {})", record.id().short()))
    }
}

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

/// `ACT=METHOD[,quorum=N][,threshold=N][,days=N][,signers=N][,electorate=A+B][,block]`
/// (the grammar is `nous_core::record::ActRule`'s).
pub fn parse_rule(text: &str) -> anyhow::Result<(Act, Rule)> {
    let ActRule { act, rule } = text.parse()?;
    Ok((act, rule))
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
    let (mut engine, community) = session(cx, &args.community)?;
    let charter = in_force(&mut engine, &community.state)?;
    let section = charter.find_section(&args.section)?.clone();
    let tension_record = args
        .from_tension
        .as_deref()
        .map(|t| community.record_by_ref(t))
        .transpose()?;
    let acted = engine.act(
        &community,
        Payload::Challenge(Challenge {
            section: section.id.to_string(),
            tension: args.tension,
            example: args.example,
            tension_record,
            promoted_from: None,
        }),
    )?;
    let admissible = match acted
        .community
        .state
        .challenges
        .get(&acted.record.id())
        .map(|c| &c.admissibility)
    {
        Some(governance::Admissibility::Inadmissible { reason }) => {
            format!(" — inadmissible: {reason}")
        }
        _ => String::new(),
    };
    let summary = format!("Challenged \"{}\"{admissible}", section.heading);
    finish(cx, engine, acted, summary, json!({ "section": section.id }))
}

pub fn amendment_propose(cx: &Context, args: ProposeArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let challenge = community.record_by_ref(&args.challenge)?;
    let coauthors = args
        .coauthors
        .iter()
        .map(|c| community.state.member_by_ref(c))
        .collect::<nous_core::Result<Vec<_>>>()?;
    let acted = engine.propose_amendment(
        &community,
        challenge,
        &args.title,
        &args.rationale,
        coauthors,
    )?;
    let draft = match acted.record.payload() {
        Payload::Propose(p) => p.draft,
        _ => bail!("unexpected record"),
    };
    let summary = format!(
        "Proposed amendment \"{}\"; write it with `nous amendment edit {} SECTION --text …`",
        args.title,
        acted.record.id().short()
    );
    finish(cx, engine, acted, summary, json!({ "draft": draft }))
}

pub fn amendment_edit(cx: &Context, args: AmendmentEditArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let amendment = community.amendment_by_ref(&args.amendment)?.clone();
    let text = match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => read_text(path)?,
        (None, None) => bail!("give --text or --file"),
    };
    let edited = engine.write_amendment(&community, &amendment, &args.section, &text)?;
    engine.wait(edited.ticket)?;
    let section = edited.value;
    crate::commands::save_and_close(engine)?;
    let change = edited.change.as_ref().map(hash_hex);
    if cx.json {
        output::json(
            &json!({ "amendment": amendment.record, "draft": amendment.draft, "section": section.id, "change": change }),
        )
    } else {
        output::text(&match change {
            Some(change) => format!(
                "Wrote \"{}\" in the draft (change {})",
                section.heading,
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
    let (mut engine, community) = session(cx, community_arg)?;
    let amendment = community.amendment_by_ref(amendment_text)?.clone();
    let integrates = integrates
        .iter()
        .map(|o| community.record_by_ref(o))
        .collect::<nous_core::Result<Vec<_>>>()?;
    let count = integrates.len();
    let acted = engine.submit_amendment(&community, &amendment, &note, integrates)?;
    let sections = match acted.record.payload() {
        Payload::Submit(s) => s.sections.clone(),
        _ => Vec::new(),
    };
    let summary = if count == 0 {
        format!(
            "Submitted \"{}\" (changes {} section(s))",
            amendment.title,
            sections.len()
        )
    } else {
        format!(
            "Integrated {count} objection(s) into \"{}\"",
            amendment.title
        )
    };
    finish(cx, engine, acted, summary, json!({ "sections": sections }))
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
    let (mut engine, community) = session(cx, &args.community)?;
    let amendment = community.amendment_by_ref(&args.subject)?.record;
    let acted = engine.act(&community, Payload::Round(record::Round { amendment }))?;
    finish(
        cx,
        engine,
        acted,
        "Opened the objection round".into(),
        json!({}),
    )
}

pub fn amendment_withdraw(cx: &Context, args: WithdrawArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let amendment = community.amendment_by_ref(&args.amendment)?.record;
    let acted = engine.act(
        &community,
        Payload::Withdraw(record::Withdraw {
            amendment,
            reason: args.reason,
        }),
    )?;
    finish(
        cx,
        engine,
        acted,
        "Withdrew the amendment".into(),
        json!({}),
    )
}

pub fn amendment_promote(cx: &Context, args: PromoteArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let amendment = community.amendment_by_ref(&args.amendment)?.clone();
    let section = community
        .state
        .challenges
        .get(&amendment.challenge)
        .map(|c| c.section.clone())
        .unwrap_or_default();
    let acted = engine.act(
        &community,
        Payload::Challenge(Challenge {
            section,
            tension: args.tension,
            example: args.example,
            tension_record: None,
            promoted_from: Some(amendment.record),
        }),
    )?;
    finish(
        cx,
        engine,
        acted,
        format!("Promoted \"{}\" into a new challenge", amendment.title),
        json!({}),
    )
}

pub fn amendment_show(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let amendment = community.amendment_by_ref(&args.subject)?.clone();
    let state = &community.state;
    let diff = match amendment.submissions.last() {
        Some(submission) => {
            let version = state
                .versions
                .iter()
                .find(|v| v.number == submission.version);
            match version {
                Some(version) => {
                    let before =
                        engine.charter_at(&amendment.draft, Some(&version.change_hashes()));
                    let after =
                        engine.charter_at(&amendment.draft, Some(&submission.change_hashes()));
                    match (before, after) {
                        (Ok(before), Ok(after)) => Some(nous_core::diff::diff(&before, &after)),
                        _ => None,
                    }
                }
                None => None,
            }
        }
        None => None,
    };
    if cx.json {
        return output::json(&json!({ "amendment": amendment, "diff": diff }));
    }
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
    let (_engine, community) = session(cx, &arg)?;
    let state = &community.state;
    if cx.json {
        return output::json(&json!(state.amendments.values().collect::<Vec<_>>()));
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
    let (mut engine, community) = session(cx, &args.community)?;
    let subject = community.record_by_ref(&args.subject)?;
    let submission = community
        .state
        .amendments
        .get(&subject)
        .and_then(|a| a.submissions.last())
        .map(|s| s.record);
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
    let objection = args
        .objection
        .as_deref()
        .map(|o| community.record_by_ref(o))
        .transpose()?;
    let acted = engine.act(
        &community,
        Payload::React(React {
            subject,
            submission,
            stance,
            criteria,
            argument: args.argument,
            objection,
        }),
    )?;
    finish(
        cx,
        engine,
        acted,
        format!("Recorded {stance:?}").to_lowercase(),
        json!({}),
    )
}

pub fn objection_test(cx: &Context, args: ObjectionTestArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let objection = community.record_by_ref(&args.objection)?;
    let passed = args
        .passed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    let test = record::TestObjection {
        objection,
        passed,
        note: args.note,
    };
    let valid = test.valid();
    let acted = engine.act(&community, Payload::TestObjection(test))?;
    let summary = format!(
        "The objection is {}",
        if valid { "valid" } else { "not valid" }
    );
    finish(cx, engine, acted, summary, json!({ "valid": valid }))
}

pub fn decide(cx: &Context, args: DecideArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let subject = community.record_by_ref(&args.subject)?;
    let outcome = match args.outcome {
        OutcomeArg::Adopted => Outcome::Adopted,
        OutcomeArg::Rejected => Outcome::Rejected,
    };
    let acted = engine.act(
        &community,
        Payload::Decide(Decide {
            subject,
            outcome,
            reason: args.reason,
        }),
    )?;
    let state = &acted.community.state;
    let tally = state
        .amendments
        .get(&subject)
        .and_then(|a| a.decision.as_ref())
        .or_else(|| {
            state
                .proposals
                .get(&subject)
                .and_then(|p| p.decision.as_ref())
        })
        .map(|d| d.tally.explanation.clone())
        .unwrap_or_default();
    let summary = format!(
        "Decided: {} ({tally})",
        if outcome == Outcome::Adopted {
            "adopted"
        } else {
            "rejected"
        }
    );
    finish(cx, engine, acted, summary, json!({ "tally": tally }))
}

pub fn ratify(cx: &Context, args: RatifyArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let amendment = community.amendment_by_ref(&args.amendment)?.clone();
    let acted = engine.ratify_amendment(&community, &amendment)?;
    let state = &acted.community.state;
    let summary = match state
        .amendments
        .get(&amendment.record)
        .and_then(|a| a.version)
    {
        Some(v) => format!(
            "Ratified: version {} of the charter is in force",
            state.versions[v].number
        ),
        None => format!(
            "Signed the ratification ({} of {} signature(s))",
            state
                .amendments
                .get(&amendment.record)
                .map_or(0, |a| a.signatures_in_force.len()),
            state.rules.amend.signers
        ),
    };
    finish(cx, engine, acted, summary, json!({}))
}

// ---------------------------------------------------------------------------
// Tensions and rules

fn tension_update(
    cx: &Context,
    arg: &CommunityArg,
    tension: &str,
    status: TensionStatus,
    note: String,
) -> anyhow::Result<(Home, Acted)> {
    let (mut engine, community) = session(cx, arg)?;
    let tension = community.record_by_ref(tension)?;
    let acted = engine.act(
        &community,
        Payload::TensionUpdate(record::TensionUpdate {
            tension,
            status,
            note,
        }),
    )?;
    Ok((engine, acted))
}

pub fn tension_open(cx: &Context, args: TensionOpenArgs) -> anyhow::Result<()> {
    let (mut engine, community) = session(cx, &args.community)?;
    let section = match &args.section {
        Some(name) => Some(
            in_force(&mut engine, &community.state)?
                .find_section(name)?
                .id
                .to_string(),
        ),
        None => None,
    };
    let path = match args.path {
        PathArg::Request => TensionPath::Request,
        PathArg::Mediation => TensionPath::Mediation,
        PathArg::Governance => TensionPath::Governance,
        PathArg::Conduct => TensionPath::Conduct,
    };
    let acted = engine.act(
        &community,
        Payload::Tension(record::Tension {
            path,
            summary: args.summary,
            section,
        }),
    )?;
    finish(cx, engine, acted, "Opened a tension".into(), json!({}))
}

pub fn tension_start(cx: &Context, args: TensionNoteArgs) -> anyhow::Result<()> {
    let (engine, acted) = tension_update(
        cx,
        &args.community,
        &args.tension,
        TensionStatus::InProcess,
        args.note,
    )?;
    finish(
        cx,
        engine,
        acted,
        "The tension is in process".into(),
        json!({}),
    )
}

pub fn tension_resolve(cx: &Context, args: TensionNoteArgs) -> anyhow::Result<()> {
    let (engine, acted) = tension_update(
        cx,
        &args.community,
        &args.tension,
        TensionStatus::Resolved,
        args.note,
    )?;
    finish(
        cx,
        engine,
        acted,
        "The tension is resolved".into(),
        json!({}),
    )
}

pub fn tension_escalate(cx: &Context, args: TensionEscalateArgs) -> anyhow::Result<()> {
    let (mut engine, acted) = tension_update(
        cx,
        &args.community,
        &args.tension,
        TensionStatus::Escalated,
        args.note,
    )?;
    let Some(section_name) = &args.section else {
        return finish(cx, engine, acted, "Escalated the tension".into(), json!({}));
    };
    engine.wait(acted.ticket)?;
    let community = acted.community;
    let charter = in_force(&mut engine, &community.state)?;
    let section = charter.find_section(section_name)?.clone();
    let tension = acted.record.payload();
    let (tension_id, summary) = match tension {
        Payload::TensionUpdate(update) => (
            update.tension,
            community
                .state
                .tensions
                .get(&update.tension)
                .map(|t| t.summary.clone())
                .unwrap_or_default(),
        ),
        _ => bail!("unexpected record"),
    };
    let challenge = engine.act(
        &community,
        Payload::Challenge(Challenge {
            section: section.id.to_string(),
            tension: summary,
            example: args.example,
            tension_record: Some(tension_id),
            promoted_from: None,
        }),
    )?;
    let text = format!(
        "Escalated the tension into a challenge of \"{}\"",
        section.heading
    );
    finish(
        cx,
        engine,
        challenge,
        text,
        json!({ "escalation": acted.record.id() }),
    )
}

pub fn tension_list(cx: &Context, arg: CommunityArg) -> anyhow::Result<()> {
    let (_engine, community) = session(cx, &arg)?;
    let state = &community.state;
    if cx.json {
        return output::json(&json!(state.tensions.values().collect::<Vec<_>>()));
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
    let (mut engine, community) = session(cx, &args.community)?;
    let (act, rule) = parse_rule(&args.rule)?;
    let described = describe_rule(&rule);
    let acted = engine.act(
        &community,
        Payload::ChangeRule(ChangeRule {
            act,
            rule,
            rationale: args.rationale,
        }),
    )?;
    let summary = format!(
        "Proposed: {} by {described}; it must pass under the rule for rule changes, the old rule and the new one",
        act.name()
    );
    finish(cx, engine, acted, summary, json!({}))
}

// ---------------------------------------------------------------------------
// Lint, verify, governance history

pub fn charter_lint(cx: &Context, args: LintArgs) -> anyhow::Result<()> {
    let mut engine = open(cx)?;
    let doc = engine.resolve(&args.doc)?;
    let charter = engine.charter(&doc, None)?;
    let warnings = nous_core::charter::lint(&charter);
    if cx.json {
        return output::json(&json!({ "id": doc, "warnings": warnings }));
    }
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
    let report = nous_core::verify::verify(&bytes)
        .with_context(|| format!("cannot verify {}", args.file.display()))?;
    let hash = report.hash();
    if cx.json {
        output::json(&json!({ "report": report, "report_hash": hash }))?;
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
