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
