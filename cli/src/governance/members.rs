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
    let summary = tr!(
        "gov-applied",
        community = &applied.state.name,
        college = &args.college
    );
    recorded(cx, home, &applied, summary)
}

pub fn member_admit(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let admitted = home
        .governance()
        .admit(args.community.community.as_deref(), &args.subject)?;
    let summary = tr!("gov-admitted", name = &admitted.details.name);
    recorded(cx, home, &admitted, summary)
}

pub fn member_decline(cx: &Context, args: DeclineArgs) -> anyhow::Result<()> {
    if args.reason.trim().is_empty() {
        bail!(tr!("gov-decline-needs-reason"));
    }
    let mut home = open(cx)?;
    let declined = home.governance().decline(
        args.community.community.as_deref(),
        &args.application,
        &args.reason,
    )?;
    recorded(cx, home, &declined, tr!("gov-declined"))
}

pub fn member_sign(cx: &Context, args: SubjectArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let signed = home
        .governance()
        .sign(args.community.community.as_deref(), &args.subject)?;
    let summary = tr!(
        "gov-signed",
        version = signed.state.in_force().number,
        hash = &signed.details.version[..12],
        community = &signed.state.name,
    );
    recorded(cx, home, &signed, summary)
}

pub fn member_leave(cx: &Context, args: LeaveArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let left = home
        .governance()
        .leave(args.community.community.as_deref(), &args.reason)?;
    let summary = tr!("gov-left", community = &left.state.name);
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
            bail!(tr!("gov-suspension-needs-end"))
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
    let summary = tr!(
        "gov-sanctioned",
        level = level.name(),
        member = sanctioned.state.display_name(&member),
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
    let summary = tr!(
        "gov-exclusion-proposed",
        member = proposed.state.display_name(&member),
        hearing = output::time(i64::try_from(proposed.details.hearing_at).unwrap_or(i64::MAX)),
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
        "{}  {}  {}  {}",
        pad(&tr!("gov-column-member"), 10),
        pad(&tr!("gov-column-name"), 24),
        pad(&tr!("gov-column-college"), 14),
        tr!("gov-column-status"),
    )];
    for member in &state.members {
        let status = match member.status {
            MemberStatus::Active => tr!("gov-member-active"),
            MemberStatus::Suspended { until } => {
                let until = output::time(i64::try_from(until).unwrap_or(i64::MAX));
                tr!("gov-member-suspended", until = until)
            }
            MemberStatus::Left => tr!("gov-member-left"),
            MemberStatus::Excluded => tr!("gov-member-excluded"),
        };
        let sanctions = if member.sanctions.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                member
                    .sanctions
                    .iter()
                    .map(|s| tr!("gov-sanction-level", level = s.level.as_str()))
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
        lines.push(tr!("gov-applications"));
        for app in pending {
            let state_text = match &app.state {
                ApplicationState::Pending => tr!("gov-application-pending"),
                ApplicationState::Admitted => tr!("gov-application-admitted"),
                ApplicationState::Joined => tr!("gov-application-joined"),
                ApplicationState::Declined { reason } => {
                    tr!("gov-application-declined", reason = reason)
                }
            };
            let line = tr!(
                "gov-application-line",
                record = app.record.short(),
                name = clip(&app.name, 24),
                college = &app.college,
                state = state_text,
            );
            lines.push(format!("  {line}"));
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
    let summary = tr!("gov-device-certified", device = device.short());
    recorded(cx, home, &certified, summary)
}

pub fn device_revoke(cx: &Context, args: DeviceRevokeArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let revoked = home.governance().revoke_device(
        args.community.community.as_deref(),
        &args.key,
        &args.reason,
    )?;
    let summary = tr!(
        "gov-device-revoked",
        device = revoked.details.device.short()
    );
    recorded(cx, home, &revoked, summary)
}
