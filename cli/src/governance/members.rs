//! Members: apply, admit, decline, sign, leave, sanction, exclude, list, devices.

use super::*;

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
