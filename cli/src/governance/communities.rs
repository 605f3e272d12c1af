//! Communities: create, list, show, share, rules.

use super::*;

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
                .map_err(|_| anyhow!(tr!("gov-college-weight", spec = spec)))?,
            None => 1,
        };
        if id.is_empty() {
            bail!(tr!("gov-college-id", spec = spec));
        }
        colleges.push(College { id, name, weight });
    }
    let mut founders = Vec::new();
    for spec in &args.founders {
        let mut parts = spec.splitn(3, ':');
        let (Some(key), Some(name), Some(college)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!(tr!("gov-founder-spec", spec = spec));
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
    // One college when none is given, named in the founder's language (its
    // id, which commands take, is the same in every language).
    if colleges.is_empty() {
        colleges.push(College {
            id: "members".into(),
            name: tr!("gov-default-college"),
            weight: 1,
        });
    }
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
    let summary = tr!(
        "gov-founded",
        name = &args.name,
        id = founded.details.id.to_string()
    );
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
        return output::text(&tr!("gov-no-community"));
    }
    let lines: Vec<String> = list
        .iter()
        .map(|listed| match listed {
            Listed::Usable { id, name, members } => tr!(
                "gov-community-line",
                id = id.short(),
                name = clip(name, 40),
                members = *members,
            ),
            Listed::Unusable { id, unusable } => tr!(
                "gov-community-unusable",
                id = id.short(),
                reason = nous_api::resolve_localized(unusable, crate::lang::current()),
            ),
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
        tr!(
            "gov-community-charter",
            charter = state.charter.to_string(),
            version = version.number,
            hash = &version.hash[..12],
        ),
        tr!(
            "gov-community-members",
            count = state
                .members
                .values()
                .filter(|m| m.status == MemberStatus::Active)
                .count(),
        ),
    ];
    for college in &state.colleges {
        let n = state
            .members
            .values()
            .filter(|m| m.college == college.id && m.status == MemberStatus::Active)
            .count();
        let line = tr!(
            "gov-community-college",
            name = &college.name,
            id = &college.id,
            weight = college.weight,
            count = n,
        );
        lines.push(format!("  {line}"));
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
    lines.push(tr!(
        "gov-community-open",
        applications = open_apps,
        challenges = state
            .challenges
            .values()
            .filter(|c| state.challenge_is_open(c))
            .count(),
        amendments = open_amendments,
        tensions = open_tensions,
    ));
    if !state.documents.is_empty() {
        let count = state.documents.len();
        lines.push(tr!("gov-community-documents", count = count));
        for (doc, shared) in &state.documents {
            let access = tr!("gov-access", access = shared.access.name());
            let line = tr!(
                "gov-community-document",
                doc = doc.to_string(),
                access = format!("{access:<7}"),
                title = clip(&shared.title, 40),
                member = state.display_name(&shared.shared_by),
            );
            lines.push(format!("  {line}"));
        }
    }
    // An applicant who joined through an invitation holds only what it
    // could read: its application waits on records it will receive once
    // admitted. Said as such, not as problems.
    let device = home.device();
    let waiting = state.records.iter().any(|r| {
        r.author == device
            && r.kind == nous_core::record::Kind::Apply
            && matches!(r.verdict, nous_core::governance::Verdict::Pending(_))
    });
    let problems = state.problems().count();
    if waiting {
        lines.push(tr!("gov-community-application-waiting"));
    } else if problems > 0 {
        lines.push(tr!("gov-community-problems", count = problems));
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
            ErrorKind::InvalidInput if args.title.is_none() => {
                anyhow!(tr!("gov-share-give-title", error = error.to_string()))
            }
            _ => error.into(),
        })?;
    let (title, name) = (&shared.details.title, &shared.state.name);
    let summary = match access {
        Access::Public => tr!("gov-shared-public", title = title, community = name),
        Access::Members => tr!("gov-shared-members", title = title, community = name),
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
