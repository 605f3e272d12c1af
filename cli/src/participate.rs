//! Citizens on the command line: `nous participation link` (the
//! organiser hands out a participation link) and, with `--link`, `nous
//! participation show`, `nous contribute` and `nous contribution …` for a
//! home that is no member of the organising community: it reads the
//! participation from the relay the link names and sends the records a
//! citizen may write (contributions, amendments, withdrawals, supports,
//! reports), signed with its device key — its only pseudonym. The home
//! remembers the links it used, so `--link` may be left out when it knows
//! one only and belongs to no community.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use nous_api::participate::{ContributionDraft, ContributionView, ParticipationView};
use nous_core::record::{Anchor, Contributors, ReportReason};

use crate::args::CommunityArg;
use crate::commands::{Context, open, save_and_close};
use crate::invite::{parse_duration, qr};
use crate::lang::tr;
use crate::output::{self, clip, pad};

/// The file, in the home, of the participation links it used.
const LINKS_FILE: &str = "participation-links";

/// `--link`: act as a citizen through the participation link.
#[derive(Debug, Args)]
pub struct LinkArg {
    /// A participation link (`nous:participate/1/…`): act as a citizen —
    /// someone who is no member of the organising community — through
    /// the relay it names. Nothing personal is signed: your device key is
    /// your pseudonym. Default: the only link this home used, if it is in
    /// no community.
    #[arg(long, value_name = "LINK")]
    pub link: Option<String>,
}

/// `nous participation link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    pub participation: Option<String>,
    /// The relay citizens reach it through. Default: the only relay this
    /// home knows.
    #[arg(long, value_name = "URL")]
    pub relay: Option<String>,
    /// Issue an invitation and put its secret in the link, for phases open
    /// to invited contributors only: whoever holds the link may then
    /// contribute. Keep it among those you mean to invite.
    #[arg(long)]
    pub invitation: bool,
    /// How long the invitation is valid (`30m`, `12h`, `30d`).
    #[arg(long, default_value = "30d", requires = "invitation")]
    pub expires: String,
    /// How many devices may use the invitation (default: no limit).
    #[arg(long, requires = "invitation")]
    pub uses: Option<u32>,
    /// Do not draw the QR code.
    #[arg(long)]
    pub no_qr: bool,
}

/// The link to act through: the one given (remembered), or the only one
/// remembered when the home belongs to no community. `None`: act locally.
pub fn link_for(cx: &Context, given: &LinkArg) -> anyhow::Result<Option<String>> {
    if let Some(link) = &given.link {
        let link = link.trim().to_owned();
        // A link that does not read is refused before anything is kept.
        link.parse::<nous_core::participation_link::ParticipationLink>()
            .map_err(|e| {
                anyhow::anyhow!(nous_api::Error::from(
                    nous_api::participate::ParticipateError::Link(e)
                ))
            })?;
        remember(cx, &link);
        return Ok(Some(link));
    }
    let known = remembered(cx);
    if known.len() != 1 || in_a_community(cx) {
        return Ok(None);
    }
    Ok(known.into_iter().next())
}

fn links_file(cx: &Context) -> PathBuf {
    cx.home.join(LINKS_FILE)
}

fn remembered(cx: &Context) -> Vec<String> {
    std::fs::read_to_string(links_file(cx))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Keep `link` in the home (best effort: a home that cannot be written
/// to fails later, with its own error).
fn remember(cx: &Context, link: &str) {
    let mut known = remembered(cx);
    if known.iter().any(|l| l == link) || !cx.home.is_dir() {
        return;
    }
    known.push(link.to_owned());
    let _ = std::fs::write(links_file(cx), known.join("\n") + "\n");
}

fn in_a_community(cx: &Context) -> bool {
    open(cx)
        .and_then(|mut home| {
            let listed = home.governance().list()?;
            save_and_close(home)?;
            Ok(!listed.is_empty())
        })
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------
// The organiser

pub fn link(cx: &Context, args: LinkArgs) -> anyhow::Result<()> {
    let relay = match &args.relay {
        Some(relay) => relay.clone(),
        None => {
            let known = nous_api::relays::known(&cx.home)?;
            match known.as_slice() {
                [only] => only.clone(),
                _ => bail!(tr!(
                    "invite-no-relay",
                    count = known.len(),
                    relays = known.join(", ")
                )),
            }
        }
    };
    let invitation = if args.invitation {
        Some((parse_duration(&args.expires)?, args.uses))
    } else {
        None
    };
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let participation = match args.participation {
        Some(p) => p,
        None => {
            let all = home.governance().participations(community)?;
            match all.as_slice() {
                [one] => one.id.to_string(),
                [] => bail!(tr!("participation-none")),
                _ => bail!(tr!("participation-several")),
            }
        }
    };
    let issued = home.participation_link(community, &participation, &relay, invitation)?;
    save_and_close(home)?;
    if cx.json {
        return output::json(&issued);
    }
    let mut lines = vec![
        tr!("participate-link-made", title = &issued.title),
        String::new(),
        format!("  {}", issued.link),
        String::new(),
    ];
    if !args.no_qr
        && let Some(code) = qr(&issued.link)
    {
        lines.push(code);
        lines.push(String::new());
    }
    lines.push(if issued.invitation.is_some() {
        tr!("participate-link-secret")
    } else {
        tr!("participate-link-public")
    });
    lines.push(tr!("participate-link-how"));
    if !issued.published {
        lines.push(tr!("invite-unpublished", relay = &issued.relay));
    }
    output::text(&lines.join("\n"))
}

// ---------------------------------------------------------------------------
// The citizen

fn view(cx: &Context, link: &str) -> anyhow::Result<ParticipationView> {
    let mut home = open(cx)?;
    let view = home.participation_view(link)?;
    save_and_close(home)?;
    Ok(view)
}

fn when(ms: u64) -> String {
    output::time(i64::try_from(ms).unwrap_or(i64::MAX))
}

fn contributors_word(c: Contributors) -> String {
    let name = match c {
        Contributors::Anyone => "anyone",
        Contributors::Invited => "invited",
        Contributors::Members => "members",
    };
    tr!("participation-contributors", who = name)
}

/// A contribution's state in words: its answer, else its status.
fn state_word(c: &ContributionView) -> String {
    if c.hidden {
        return tr!("participation-hidden-mark");
    }
    match (&c.answer, c.withdrawn) {
        (Some(a), _) => tr!("participation-answer-state", state = a.state.name()),
        (None, true) => tr!("participation-status", status = "withdrawn"),
        (None, false) => tr!(
            "participation-status",
            status = c.status.as_deref().unwrap_or("submitted")
        ),
    }
}

pub fn show(cx: &Context, link: &str) -> anyhow::Result<()> {
    let v = view(cx, link)?;
    if cx.json {
        return output::json(&v);
    }
    let mut lines = vec![tr!(
        "participate-show-head",
        title = &v.title,
        community = &v.name
    )];
    match &v.phase {
        _ if v.closed => lines.push(tr!("participate-show-closed")),
        Some(phase) => {
            let mut line = tr!(
                "participate-show-phase",
                phase = tr!("participation-phase", phase = phase.phase.name()),
                at = when(phase.opens_at)
            );
            if let Some(closes) = phase.closes_at {
                line.push_str(&tr!("participation-phase-until", at = when(closes)));
            }
            lines.push(line);
            lines.push(if v.open {
                tr!(
                    "participate-show-open",
                    who = contributors_word(phase.contributors)
                )
            } else {
                tr!("participate-show-not-open")
            });
        }
        None => lines.push(tr!("participation-not-started")),
    }
    lines.push(tr!("participation-show-due", at = when(v.answer_due)));
    let categories: Vec<String> = v
        .categories
        .iter()
        .map(|c| format!("{} ({})", c.label, c.id))
        .collect();
    lines.push(tr!(
        "participate-show-categories",
        categories = categories.join(", ")
    ));
    if !v.commitments.is_empty() {
        lines.push(String::new());
        lines.push(tr!("participation-show-commitments"));
        for c in &v.commitments {
            lines.push(format!("  {} — {}", c.id, c.text));
        }
    }
    if !v.text.markdown.trim().is_empty() {
        lines.push(String::new());
        lines.push(tr!("participate-show-text"));
        lines.push(v.text.markdown.trim_end().to_owned());
    }
    lines.push(String::new());
    if v.contributions.is_empty() {
        lines.push(tr!("participation-no-contributions"));
    } else {
        lines.push(tr!(
            "participate-show-contributions",
            count = v.contributions.len()
        ));
        for c in &v.contributions {
            let words = if c.hidden {
                format!("[{}]", tr!("participation-hidden-mark"))
            } else {
                clip(c.title.as_deref().unwrap_or_default(), 50)
            };
            lines.push(format!(
                "  {}  {}  {}  {}",
                &c.id[..12.min(c.id.len())],
                pad(&state_word(c), 20),
                pad(&tr!("participate-supports", count = c.supporters), 12),
                words
            ));
            if let Some(answer) = &c.answer
                && !c.hidden
            {
                lines.push(format!("      → {}", clip(&answer.argument, 70)));
            }
        }
    }
    output::text(&lines.join("\n"))
}

/// What `nous contribute --link` takes.
pub struct Contribute<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub category: Option<&'a str>,
    pub author_type: nous_core::record::AuthorType,
    pub section: Option<&'a str>,
    pub article: Option<&'a str>,
    pub location: Option<nous_core::record::Location>,
    pub transcribed: bool,
}

pub fn contribute(cx: &Context, link: &str, c: Contribute<'_>) -> anyhow::Result<()> {
    if c.transcribed {
        bail!(tr!("participate-no-transcription"));
    }
    let mut home = open(cx)?;
    let category = match c.category {
        Some(category) => category.to_owned(),
        None => {
            let v = home.participation_view(link)?;
            match v.categories.as_slice() {
                [one] => one.id.clone(),
                all => {
                    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
                    bail!(tr!(
                        "participation-choose-category",
                        categories = ids.join(", ")
                    ))
                }
            }
        }
    };
    let id = home.contribute_remote(
        link,
        ContributionDraft {
            title: c.title.to_owned(),
            body: c.text.to_owned(),
            category,
            author_type: c.author_type,
            anchor: c.section.map(|s| Anchor {
                section: s.to_owned(),
                article: c.article.map(str::to_owned),
            }),
            location: c.location,
        },
    )?;
    save_and_close(home)?;
    sent(
        cx,
        "participation.contribute",
        &id,
        tr!("participation-contributed", title = c.title),
    )
}

/// Print what was sent to the relay.
fn sent(
    cx: &Context,
    kind: &str,
    id: &nous_core::record::RecordId,
    summary: String,
) -> anyhow::Result<()> {
    if cx.json {
        return output::json(&serde_json::json!({
            "record": id.to_string(),
            "kind": kind,
            "through": "relay",
        }));
    }
    output::text(&format!(
        "{}\n{}",
        tr!("gov-recorded", summary = summary, record = id.short()),
        tr!("participate-sent")
    ))
}

/// A citizen's act on a contribution.
pub enum Act<'a> {
    Support,
    Report(ReportReason, &'a str),
    Withdraw(&'a str),
    Amend(Option<&'a str>, &'a str),
}

pub fn act(cx: &Context, link: &str, contribution: &str, act: Act<'_>) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let contribution = full_id(&mut home, link, contribution)?;
    let (kind, summary, id) = match act {
        Act::Support => (
            "contribution.support",
            tr!("participation-supported"),
            home.support_remote(link, &contribution)?,
        ),
        Act::Report(reason, details) => (
            "contribution.report",
            tr!("participation-reported"),
            home.report_remote(link, &contribution, reason, details)?,
        ),
        Act::Withdraw(reason) => (
            "contribution.withdraw",
            tr!("participation-withdrawn"),
            home.withdraw_remote(link, &contribution, reason)?,
        ),
        Act::Amend(title, text) => {
            let title = match title {
                Some(title) => title.to_owned(),
                None => find(&home.participation_view(link)?, &contribution)?
                    .title
                    .clone()
                    .unwrap_or_default(),
            };
            (
                "contribution.amend",
                tr!("participation-amended"),
                home.amend_remote(link, &contribution, &title, text)?,
            )
        }
    };
    save_and_close(home)?;
    sent(cx, kind, &id, summary)
}

/// The contribution a prefix names in the participation.
fn full_id(home: &mut nous_api::Home, link: &str, prefix: &str) -> anyhow::Result<String> {
    let prefix = prefix.trim();
    if prefix.len() == 64 {
        return Ok(prefix.to_owned());
    }
    let v = home.participation_view(link)?;
    Ok(find(&v, prefix)?.id.clone())
}

fn find<'v>(v: &'v ParticipationView, prefix: &str) -> anyhow::Result<&'v ContributionView> {
    let found: Vec<&ContributionView> = v
        .contributions
        .iter()
        .filter(|c| !prefix.is_empty() && c.id.starts_with(prefix))
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => bail!(tr!("participate-no-contribution", id = prefix)),
        _ => bail!(tr!("participate-ambiguous", id = prefix)),
    }
}

pub fn contribution_show(cx: &Context, link: &str, contribution: &str) -> anyhow::Result<()> {
    let v = view(cx, link)?;
    let c = find(&v, contribution.trim())?;
    if cx.json {
        return output::json(c);
    }
    let short = &c.id[..12.min(c.id.len())];
    let mut lines = vec![match (&c.title, c.hidden) {
        (Some(title), false) => tr!("participation-contribution-head", title = title, id = short),
        _ => tr!(
            "participation-contribution-hidden-head",
            id = short,
            why = tr!("participation-hidden-mark")
        ),
    }];
    if let (Some(author), Some(category)) = (c.author_type, &c.category) {
        lines.push(tr!(
            "participate-contribution-who",
            pseudonym = c.pseudonym.as_deref().unwrap_or("?"),
            author = tr!("participation-author", author = author.name()),
            category = category
        ));
    }
    if let Some(anchor) = &c.anchor {
        lines.push(tr!(
            "participation-contribution-anchor",
            section = &anchor.section
        ));
    }
    if let Some(body) = &c.body
        && !c.hidden
    {
        lines.push(String::new());
        lines.push(body.clone());
    }
    lines.push(String::new());
    lines.push(tr!("participation-contribution-timeline"));
    lines.push(format!(
        "  • {}",
        tr!("participation-event", event = "submitted")
    ));
    if c.supporters > 0 {
        lines.push(format!(
            "  • {}",
            tr!("participate-supports", count = c.supporters)
        ));
    }
    if c.hidden {
        lines.push(format!("  • {}", tr!("participation-hidden-mark")));
    }
    if c.withdrawn {
        lines.push(format!(
            "  • {}",
            tr!("participation-event", event = "withdrawn")
        ));
    }
    match &c.answer {
        Some(answer) => {
            lines.push(format!(
                "  • {} — {}",
                tr!("participation-event", event = "answered"),
                tr!("participation-answer-state", state = answer.state.name())
            ));
            lines.push(format!("      {}", answer.argument));
        }
        None if !c.withdrawn && !c.hidden => {
            lines.push(format!("  • {}", tr!("participate-awaiting-answer")));
        }
        None => {}
    }
    output::text(&lines.join("\n"))
}

/// A member's act that a citizen's link cannot carry.
pub fn members_only(what: &str) -> anyhow::Error {
    anyhow::anyhow!(tr!("participate-members-only", what = what))
}
