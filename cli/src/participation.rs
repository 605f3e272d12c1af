//! Public participation on the command line: `nous participation …`,
//! `nous contribute`, `nous contribution …`, `nous moderate …` and
//! `nous answer`, through the facade (`nous_api::participation`).

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};

use nous_api::participation::{
    ContributionView, Filter, NewAnswer, NewContribution, OpenOptions, ParticipationView,
    PhaseOptions, status_name,
};
use nous_core::governance::participation::{ContributionStatus, Event, Visibility};
use nous_core::record::{
    AnswerState, AuthorType, Category, Channel, Commitment, CommitmentCheck, Contributors,
    Location, PhaseKind, Relation, ReportReason,
};

use crate::args::CommunityArg;
use crate::commands::{Context, open, read_text, save_and_close};
use crate::governance::parse_time;
use crate::lang::tr;
use crate::output::{self, clip, pad};

// ---------------------------------------------------------------------------
// Arguments

/// `nous participation …`.
#[derive(Debug, Subcommand)]
pub enum ParticipationCommand {
    /// Open a participation on a text under consultation, with its contrat
    /// participatif (the organiser's commitments: scope, what is
    /// negotiable, timetable, who answers and by when). Both are imported
    /// as documents shared with the community; the participation pins
    /// them. Its first phase, the contract, follows with `participation
    /// phase`.
    Open(OpenArgs),
    /// Open a phase: contract (the contrat participatif is written and
    /// ratified; no contributions), strategy (the stratégie participative:
    /// contributions come in, by default from anyone on every channel),
    /// instruction (the organiser instructs the contributions: they are
    /// frozen) or answer (the avis argumenté: every contribution gets an
    /// argued answer). Phases come in this order.
    Phase(PhaseArgs),
    /// Revise the contrat participatif: pin its document as it stands now
    /// (edit it with `nous charter edit` first), with new commitments if
    /// given. Once contributions opened, no commitment may be taken away.
    Contract(ContractArgs),
    /// Say a commitment checked by hand was kept or broken, with evidence.
    Commitment(CommitmentArgs),
    /// Show a participation: its phases on a timeline, its commitments
    /// (kept, pending, broken), its contributions counted by state, and
    /// those past the answer deadline without an answer.
    Show(ParticipationArg),
    /// List the community's participations.
    List(CommunityArg),
    /// Close a participation: refused while any contribution that is
    /// neither hidden nor withdrawn lacks its answer.
    Close(CloseArgs),
    /// Print the participation link for citizens (`nous:participate/1/…`),
    /// with a QR code: people who are no members of the community read the
    /// participation and contribute through the relay with it, signing
    /// with their device key alone (their pseudonym; nothing personal is
    /// signed). The community's records are synced to the relay first.
    Link(crate::participate::LinkArgs),
    #[command(flatten)]
    Data(crate::open_data::DataCommand),
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// Its title.
    #[arg(long)]
    pub title: String,
    /// The text under consultation: a Markdown file (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub text: std::path::PathBuf,
    /// The contrat participatif: a Markdown file.
    #[arg(long, value_name = "FILE")]
    pub contract: std::path::PathBuf,
    /// A commitment of the contract, `ID:CHECK:TEXT` (CHECK: answers,
    /// synthesis or manual); repeatable. Default: one, `answers`.
    #[arg(long = "commitment", value_name = "ID:CHECK:TEXT")]
    pub commitments: Vec<String>,
    /// A contribution category, `ID:LABEL` (or `ID`); repeatable. Default:
    /// one, `general`.
    #[arg(long = "category", value_name = "ID:LABEL")]
    pub categories: Vec<String>,
    /// When every contribution must have its answer (YYYY-MM-DD[THH:MM], UTC).
    #[arg(long, value_name = "DATE")]
    pub answer_due: String,
    /// A moderator (member key, prefix or name); repeatable. Default: the
    /// facilitators.
    #[arg(long = "moderator", value_name = "MEMBER")]
    pub moderators: Vec<String>,
    /// An answerer (member key, prefix or name); repeatable. Default: the
    /// facilitators.
    #[arg(long = "answerer", value_name = "MEMBER")]
    pub answerers: Vec<String>,
    /// Reports from distinct devices that hide a contribution pending
    /// review (0: never by themselves).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub report_threshold: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    Contract,
    Strategy,
    Instruction,
    Answer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ContributorsArg {
    Anyone,
    Invited,
    Members,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Device,
    Meeting,
    Paper,
    Mail,
}

#[derive(Debug, Args)]
pub struct PhaseArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix).
    pub participation: String,
    /// The phase: contract, strategy, instruction or answer.
    #[arg(value_enum)]
    pub phase: PhaseArg,
    /// When it opens (YYYY-MM-DD[THH:MM], UTC). Default: now.
    #[arg(long, value_name = "DATE")]
    pub opens: Option<String>,
    /// When it ends at the latest (YYYY-MM-DD[THH:MM], UTC). Default: when
    /// the next opens.
    #[arg(long, value_name = "DATE", conflicts_with = "days")]
    pub closes: Option<String>,
    /// How many days it lasts from its opening.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Who may contribute. Default: anyone during the strategy, members
    /// otherwise.
    #[arg(long, value_enum)]
    pub contributors: Option<ContributorsArg>,
    /// A channel it takes contributions from; repeatable. Default: every
    /// channel during the strategy, none otherwise.
    #[arg(long = "channel", value_enum)]
    pub channels: Vec<ChannelArg>,
    /// A category it takes; repeatable. Default: all.
    #[arg(long = "category", value_name = "ID")]
    pub categories: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ContractArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix).
    pub participation: String,
    /// A commitment, `ID:CHECK:TEXT`; repeatable. Default: those in force.
    #[arg(long = "commitment", value_name = "ID:CHECK:TEXT")]
    pub commitments: Vec<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("settled").args(["kept", "broken"]).required(true).multiple(false))]
pub struct CommitmentArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix).
    pub participation: String,
    /// The commitment's id.
    pub commitment: String,
    /// It was kept.
    #[arg(long)]
    pub kept: bool,
    /// It was broken.
    #[arg(long)]
    pub broken: bool,
    /// What shows it.
    #[arg(long)]
    pub evidence: String,
}

#[derive(Debug, Args)]
pub struct ParticipationArg {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    pub participation: Option<String>,
}

#[derive(Debug, Args)]
pub struct CloseArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix).
    pub participation: String,
    /// A closing word.
    #[arg(long, default_value = "")]
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthorTypeArg {
    Citizen,
    Association,
    Expert,
    Elected,
    Agent,
    Other,
}

/// `nous contribute`.
#[derive(Debug, Args)]
pub struct ContributeArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one (or the link's).
    pub participation: Option<String>,
    /// A short title.
    #[arg(long)]
    pub title: String,
    /// What you say.
    #[arg(long)]
    pub text: String,
    /// Its category. Default: the participation's only one.
    #[arg(long)]
    pub category: Option<String>,
    /// Who the author is.
    #[arg(long = "as", value_enum, default_value = "citizen")]
    pub author_type: AuthorTypeArg,
    /// The section of the text under consultation it bears on (id or
    /// heading).
    #[arg(long)]
    pub section: Option<String>,
    /// An article of that section.
    #[arg(long, requires = "section")]
    pub article: Option<String>,
    /// Where on a map: `LAT,LON` in degrees.
    #[arg(long, value_name = "LAT,LON", allow_hyphen_values = true)]
    pub location: Option<String>,
    /// How it came in: device (your own), or meeting, paper or mail for a
    /// transcription by the organiser's team.
    #[arg(long, value_enum, default_value = "device")]
    pub channel: ChannelArg,
    /// For a transcription: whom it speaks for, by a reference (`fiche 12`),
    /// not a name.
    #[arg(long, value_name = "REFERENCE")]
    pub on_behalf_of: Option<String>,
}

/// `nous contribution …`.
#[derive(Debug, Subcommand)]
pub enum ContributionCommand {
    /// Show a contribution and its timeline: what happened to it
    /// (submitted, revised, linked, reported, hidden or restored,
    /// answered, landed in the text).
    Show(ContributionShowArgs),
    /// List a participation's contributions (a hidden one shows without
    /// its words).
    List(ContributionListArgs),
    /// Amend your contribution before it is answered (the earlier wording
    /// stays in the log).
    Amend(AmendArgs),
    /// Withdraw your contribution before it is answered.
    Withdraw(WithdrawArgs),
    /// Support a contribution (once per device).
    Support(ContributionRef),
    /// Link two contributions (the organiser's team).
    Link(LinkArgs),
}

#[derive(Debug, Args)]
pub struct ContributionRef {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
}

#[derive(Debug, Args)]
pub struct ContributionShowArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// Show a hidden contribution's words (moderators only).
    #[arg(long)]
    pub include_hidden: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Submitted,
    Withdrawn,
    Hidden,
    Answered,
}

#[derive(Debug, Args)]
pub struct ContributionListArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    pub participation: Option<String>,
    /// Only these statuses; repeatable.
    #[arg(long = "status", value_enum)]
    pub statuses: Vec<StatusArg>,
    /// Only this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this author type.
    #[arg(long = "as", value_enum)]
    pub author_type: Option<AuthorTypeArg>,
    /// Only those made from this device.
    #[arg(long)]
    pub mine: bool,
    /// Show hidden contributions' words (moderators only).
    #[arg(long)]
    pub include_hidden: bool,
}

#[derive(Debug, Args)]
pub struct AmendArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// The new title. Default: the one it has.
    #[arg(long)]
    pub title: Option<String>,
    /// The new text.
    #[arg(long)]
    pub text: String,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// Why.
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RelationArg {
    DuplicateOf,
    MergedInto,
    SplitFrom,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// How it relates to the other.
    #[arg(value_enum)]
    pub relation: RelationArg,
    /// The other contribution.
    pub target: String,
}

/// `nous moderate …`.
#[derive(Debug, Subcommand)]
pub enum ModerateCommand {
    /// Report a contribution, with a reason (once per device). Enough
    /// reports hide it pending a moderator's review.
    Report(ReportArgs),
    /// Hide a contribution, or confirm one hidden by reports (a
    /// moderator), with the reason and the clause of the contract applied.
    /// Nothing is erased: its words stay in the signed log.
    Hide(ModerationArgs),
    /// Restore a hidden contribution (a moderator), with the reason and the
    /// clause applied.
    Restore(ModerationArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportReasonArg {
    Spam,
    Offensive,
    OffTopic,
    PersonalData,
    Other,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// Why.
    #[arg(long, value_enum)]
    pub reason: ReportReasonArg,
    /// In your words.
    #[arg(long, default_value = "")]
    pub details: String,
}

#[derive(Debug, Args)]
pub struct ModerationArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// The clause of the contract applied (a commitment's or an article's
    /// id).
    #[arg(long)]
    pub clause: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnswerStateArg {
    Retained,
    PartiallyRetained,
    NotRetained,
    OutOfScope,
    AlreadyCovered,
    Deferred,
}

/// `nous answer`.
#[derive(Debug, Args)]
pub struct AnswerArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    #[command(flatten)]
    pub via: crate::participate::LinkArg,
    /// The contribution (record id or unambiguous prefix).
    pub contribution: String,
    /// What became of it.
    #[arg(value_enum)]
    pub state: AnswerStateArg,
    /// Why: required, whatever the state.
    #[arg(long, default_value = "")]
    pub argument: String,
    /// Where it landed in the text: `SECTION` or `SECTION@CHANGE,CHANGE`
    /// (change hash prefixes); repeatable.
    #[arg(long = "landed", value_name = "SECTION[@CHANGES]")]
    pub landed: Vec<String>,
}

// ---------------------------------------------------------------------------
// Conversions

fn phase_kind(arg: PhaseArg) -> PhaseKind {
    match arg {
        PhaseArg::Contract => PhaseKind::Contract,
        PhaseArg::Strategy => PhaseKind::Strategy,
        PhaseArg::Instruction => PhaseKind::Instruction,
        PhaseArg::Answer => PhaseKind::Answer,
    }
}

fn channel(arg: ChannelArg) -> Channel {
    match arg {
        ChannelArg::Device => Channel::Device,
        ChannelArg::Meeting => Channel::Meeting,
        ChannelArg::Paper => Channel::Paper,
        ChannelArg::Mail => Channel::Mail,
    }
}

fn author_type(arg: AuthorTypeArg) -> AuthorType {
    match arg {
        AuthorTypeArg::Citizen => AuthorType::Citizen,
        AuthorTypeArg::Association => AuthorType::Association,
        AuthorTypeArg::Expert => AuthorType::Expert,
        AuthorTypeArg::Elected => AuthorType::Elected,
        AuthorTypeArg::Agent => AuthorType::Agent,
        AuthorTypeArg::Other => AuthorType::Other,
    }
}

/// `ID:CHECK:TEXT`.
fn parse_commitment(text: &str) -> anyhow::Result<Commitment> {
    let bad = || anyhow!(tr!("participation-bad-commitment", text = text));
    let mut parts = text.splitn(3, ':');
    let (Some(id), Some(check), Some(words)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let check = match check.trim() {
        "answers" => CommitmentCheck::Answers,
        "synthesis" => CommitmentCheck::Synthesis,
        "manual" => CommitmentCheck::Manual,
        _ => return Err(bad()),
    };
    Ok(Commitment {
        id: id.trim().to_owned(),
        text: words.trim().to_owned(),
        check,
    })
}

/// `ID:LABEL` or `ID`.
fn parse_category(text: &str) -> Category {
    match text.split_once(':') {
        Some((id, label)) => Category {
            id: id.trim().to_owned(),
            label: label.trim().to_owned(),
        },
        None => Category {
            id: text.trim().to_owned(),
            label: text.trim().to_owned(),
        },
    }
}

/// `LAT,LON` in degrees, to millionths.
fn parse_location(text: &str) -> anyhow::Result<Location> {
    let bad = || anyhow!(tr!("participation-bad-location", text = text));
    let (lat, lon) = text.split_once(',').ok_or_else(bad)?;
    let degrees = |s: &str, max: f64| -> anyhow::Result<i32> {
        let v: f64 = s.trim().parse().map_err(|_| bad())?;
        if !v.is_finite() || v.abs() > max {
            return Err(bad());
        }
        Ok((v * 1_000_000.0).round() as i32)
    };
    Ok(Location {
        lat_e6: degrees(lat, 90.0)?,
        lon_e6: degrees(lon, 180.0)?,
    })
}

fn when(ms: u64) -> String {
    output::time(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// The participation named, or the community's only one.
pub(crate) fn participation_ref(
    home: &mut nous_api::Home,
    community: Option<&str>,
    named: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(named) = named {
        return Ok(named.to_owned());
    }
    let all = home.governance().participations(community)?;
    match all.as_slice() {
        [one] => Ok(one.id.to_string()),
        [] => bail!(tr!("participation-none")),
        _ => bail!(tr!("participation-several")),
    }
}

/// Print what an act recorded.
fn recorded<T: serde::Serialize>(
    cx: &Context,
    home: nous_api::Home,
    recorded: &nous_api::governance::Recorded<T>,
    summary: String,
) -> anyhow::Result<()> {
    save_and_close(home)?;
    if cx.json {
        output::json(recorded)
    } else {
        let record = recorded.record.short();
        output::text(&tr!("gov-recorded", summary = summary, record = record))
    }
}

// ---------------------------------------------------------------------------
// Words

fn phase_word(phase: PhaseKind) -> String {
    tr!("participation-phase", phase = phase.name())
}

fn channel_word(c: Channel) -> String {
    tr!("participation-channel", channel = c.name())
}

fn author_word(t: AuthorType) -> String {
    tr!("participation-author", author = t.name())
}

fn status_word(s: ContributionStatus) -> String {
    tr!("participation-status", status = status_name(s))
}

fn answer_word(s: AnswerState) -> String {
    tr!("participation-answer-state", state = s.name())
}

fn contributors_word(c: Contributors) -> String {
    let name = match c {
        Contributors::Anyone => "anyone",
        Contributors::Invited => "invited",
        Contributors::Members => "members",
    };
    tr!("participation-contributors", who = name)
}

fn event_word(e: Event) -> String {
    tr!("participation-event", event = e.name())
}

// ---------------------------------------------------------------------------
// Commands

pub fn participation(cx: &Context, command: ParticipationCommand) -> anyhow::Result<()> {
    match command {
        ParticipationCommand::Open(args) => open_participation(cx, args),
        ParticipationCommand::Phase(args) => phase(cx, args),
        ParticipationCommand::Contract(args) => contract(cx, args),
        ParticipationCommand::Commitment(args) => commitment(cx, args),
        ParticipationCommand::Show(args) => show(cx, args),
        ParticipationCommand::List(args) => list(cx, args),
        ParticipationCommand::Close(args) => close(cx, args),
        ParticipationCommand::Link(args) => crate::participate::link(cx, args),
        ParticipationCommand::Data(command) => crate::open_data::data(cx, command),
    }
}

fn open_participation(cx: &Context, args: OpenArgs) -> anyhow::Result<()> {
    let text = read_text(&args.text)?;
    let contract = read_text(&args.contract)?;
    let mut commitments = args
        .commitments
        .iter()
        .map(|c| parse_commitment(c))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if commitments.is_empty() {
        commitments.push(Commitment {
            id: "answers".into(),
            text: tr!("participation-default-commitment"),
            check: CommitmentCheck::Answers,
        });
    }
    let mut categories: Vec<Category> = args.categories.iter().map(|c| parse_category(c)).collect();
    if categories.is_empty() {
        categories.push(Category {
            id: "general".into(),
            label: tr!("participation-default-category"),
        });
    }
    let answer_due = parse_time(&args.answer_due)?;
    let mut home = open(cx)?;
    let opened = home.governance().open_participation(
        args.community.community.as_deref(),
        OpenOptions {
            title: &args.title,
            text_markdown: &text,
            contract_markdown: &contract,
            commitments,
            categories,
            answer_due,
            moderators: args.moderators,
            answerers: args.answerers,
            report_threshold: args.report_threshold,
        },
    )?;
    let summary = tr!(
        "participation-opened",
        title = &args.title,
        due = when(answer_due)
    );
    recorded(cx, home, &opened, summary)
}

fn phase(cx: &Context, args: PhaseArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let opens_at = args.opens.as_deref().map(parse_time).transpose()?;
    let start = opens_at.unwrap_or_else(|| home.now_ms());
    let closes_at = match (&args.closes, args.days) {
        (Some(date), _) => Some(parse_time(date)?),
        (None, Some(days)) => Some(start + u64::from(days) * nous_core::governance::DAY_MS),
        (None, None) => None,
    };
    let options = PhaseOptions {
        phase: phase_kind(args.phase),
        opens_at: Some(start),
        closes_at,
        contributors: args.contributors.map(|c| match c {
            ContributorsArg::Anyone => Contributors::Anyone,
            ContributorsArg::Invited => Contributors::Invited,
            ContributorsArg::Members => Contributors::Members,
        }),
        channels: (!args.channels.is_empty())
            .then(|| args.channels.iter().map(|c| channel(*c)).collect()),
        categories: args.categories,
    };
    let opened = home.governance().open_phase(
        args.community.community.as_deref(),
        &args.participation,
        options,
    )?;
    let d = &opened.details;
    let mut summary = tr!(
        "participation-phase-opened",
        phase = phase_word(d.phase),
        at = when(d.opens_at)
    );
    if let Some(closes) = d.closes_at {
        summary.push_str(&tr!("participation-phase-until", at = when(closes)));
    }
    recorded(cx, home, &opened, summary)
}

fn contract(cx: &Context, args: ContractArgs) -> anyhow::Result<()> {
    let commitments = if args.commitments.is_empty() {
        None
    } else {
        Some(
            args.commitments
                .iter()
                .map(|c| parse_commitment(c))
                .collect::<anyhow::Result<Vec<_>>>()?,
        )
    };
    let mut home = open(cx)?;
    let revised = home.governance().revise_contract(
        args.community.community.as_deref(),
        &args.participation,
        commitments,
    )?;
    recorded(cx, home, &revised, tr!("participation-contract-revised"))
}

fn commitment(cx: &Context, args: CommitmentArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let settled = home.governance().settle_commitment(
        args.community.community.as_deref(),
        &args.participation,
        &args.commitment,
        args.kept,
        &args.evidence,
    )?;
    let summary = tr!(
        "participation-commitment-settled",
        commitment = &args.commitment,
        kept = if args.kept { "kept" } else { "broken" }
    );
    recorded(cx, home, &settled, summary)
}

fn close(cx: &Context, args: CloseArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let closed = home.governance().close_participation(
        args.community.community.as_deref(),
        &args.participation,
        &args.summary,
    )?;
    recorded(cx, home, &closed, tr!("participation-closed"))
}

fn list(cx: &Context, args: CommunityArg) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let all = home
        .governance()
        .participations(args.community.as_deref())?;
    if cx.json {
        return output::json(&all);
    }
    if all.is_empty() {
        return output::text(&tr!("participation-none"));
    }
    let lines: Vec<String> = all
        .iter()
        .map(|p| {
            let phase = match (&p.closed, p.phase) {
                (Some(_), _) => tr!("participation-closed-word"),
                (None, Some(phase)) => phase_word(phase),
                (None, None) => tr!("participation-not-started"),
            };
            tr!(
                "participation-list-line",
                id = p.id.short(),
                title = clip(&p.title, 40),
                phase = phase,
                count = p.counts.contributions
            )
        })
        .collect();
    output::text(&lines.join("\n"))
}

fn show(cx: &Context, args: ParticipationArg) -> anyhow::Result<()> {
    if let Some(link) = crate::participate::link_for(cx, &args.via)? {
        return crate::participate::show(cx, &link);
    }
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let id = participation_ref(&mut home, community, args.participation.as_deref())?;
    let view = home.governance().participation(community, &id)?;
    if cx.json {
        return output::json(&view);
    }
    let unanswered = home.governance().contributions(
        community,
        &id,
        &Filter {
            status: vec![ContributionStatus::Submitted],
            ..Filter::default()
        },
    )?;
    output::text(&show_text(&view, &unanswered))
}

fn show_text(p: &ParticipationView, unanswered: &[ContributionView]) -> String {
    let mut lines = vec![tr!(
        "participation-show-head",
        title = &p.title,
        id = p.id.short()
    )];
    lines.push(match (&p.closed, p.phase) {
        (Some(closed), _) => tr!(
            "participation-show-closed",
            at = when(closed.at),
            summary = &closed.summary
        ),
        (None, Some(phase)) if p.open_to_contributions => {
            tr!("participation-show-phase-open", phase = phase_word(phase))
        }
        (None, Some(phase)) => tr!("participation-show-phase", phase = phase_word(phase)),
        (None, None) => tr!("participation-not-started"),
    });
    lines.push(tr!(
        "participation-show-docs",
        text = p.text.doc.to_string(),
        contract = p.contract.doc.to_string(),
        revisions = p.contract_revisions
    ));
    lines.push(tr!("participation-show-due", at = when(p.answer_due)));
    lines.push(String::new());
    lines.push(tr!("participation-show-timeline"));
    let mut phases = p.phases.clone();
    phases.sort_by_key(|ph| (ph.phase, ph.opens_at));
    let current = p.phase;
    for ph in &phases {
        let mark = if p.closed.is_none() && Some(ph.phase) == current {
            "▶"
        } else if ph.opens_at > p.now {
            "·"
        } else {
            "✓"
        };
        let mut line = format!(
            "  {mark} {} {}",
            pad(&phase_word(ph.phase), 26),
            tr!("participation-show-from", at = when(ph.opens_at))
        );
        if let Some(closes) = ph.closes_at {
            line.push_str(&tr!("participation-phase-until", at = when(closes)));
        }
        if ph.channels.is_empty() {
            line.push_str(&tr!("participation-show-frozen"));
        } else {
            let channels: Vec<String> = ph.channels.iter().map(|c| channel_word(*c)).collect();
            line.push_str(&tr!(
                "participation-show-takes",
                who = contributors_word(ph.contributors),
                channels = channels.join(", ")
            ));
        }
        lines.push(line);
    }
    if let Some(closed) = &p.closed {
        lines.push(format!(
            "  ■ {}",
            tr!("participation-show-closed-at", at = when(closed.at))
        ));
    }
    lines.push(String::new());
    lines.push(tr!("participation-show-commitments"));
    for c in &p.commitments {
        lines.push(format!(
            "  [{}] {} — {}",
            tr!("participation-commitment-status", status = c.status.name()),
            c.commitment.id,
            c.commitment.text
        ));
    }
    lines.push(String::new());
    let by_status: Vec<String> = ["submitted", "answered", "hidden", "withdrawn"]
        .iter()
        .map(|s| {
            tr!(
                "participation-count",
                what = tr!("participation-status", status = *s),
                count = p.counts.by_status.get(*s).copied().unwrap_or(0)
            )
        })
        .collect();
    lines.push(tr!(
        "participation-show-counts",
        count = p.counts.contributions,
        detail = by_status.join(", ")
    ));
    if !p.counts.by_answer.is_empty() {
        let answers: Vec<String> = p
            .counts
            .by_answer
            .iter()
            .map(|(state, n)| {
                tr!(
                    "participation-count",
                    what = tr!("participation-answer-state", state = state.as_str()),
                    count = *n
                )
            })
            .collect();
        lines.push(tr!(
            "participation-show-answers",
            detail = answers.join(", ")
        ));
    }
    if p.counts.pending_review > 0 {
        lines.push(tr!(
            "participation-show-pending-review",
            count = p.counts.pending_review
        ));
    }
    if !p.overdue.is_empty() {
        lines.push(tr!("participation-show-overdue", count = p.overdue.len()));
        for c in unanswered.iter().filter(|c| p.overdue.contains(&c.id)) {
            lines.push(format!(
                "  {} {}",
                c.id.short(),
                clip(c.title.as_deref().unwrap_or_default(), 60)
            ));
        }
    } else if p.counts.unanswered > 0 {
        lines.push(tr!(
            "participation-show-unanswered",
            count = p.counts.unanswered
        ));
    }
    lines.join("\n")
}

pub fn contribute(cx: &Context, args: ContributeArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let location = args.location.as_deref().map(parse_location).transpose()?;
    if let Some(link) = crate::participate::link_for(cx, &args.via)? {
        return crate::participate::contribute(
            cx,
            &link,
            crate::participate::Contribute {
                title: &args.title,
                text: &args.text,
                category: args.category.as_deref(),
                author_type: author_type(args.author_type),
                section: args.section.as_deref(),
                article: args.article.as_deref(),
                location,
                transcribed: args.channel != ChannelArg::Device || args.on_behalf_of.is_some(),
            },
        );
    }
    let mut home = open(cx)?;
    let participation = participation_ref(&mut home, community, args.participation.as_deref())?;
    let category = match &args.category {
        Some(c) => c.clone(),
        None => {
            let p = home.governance().participation(community, &participation)?;
            match p.categories.as_slice() {
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
    let made = home.governance().contribute(
        community,
        &participation,
        NewContribution {
            title: &args.title,
            body: &args.text,
            category: &category,
            author_type: author_type(args.author_type),
            anchor: args
                .section
                .as_deref()
                .map(|s| (s, args.article.as_deref())),
            location,
            channel: channel(args.channel),
            on_behalf_of: args.on_behalf_of.as_deref(),
        },
    )?;
    let summary = match args.channel {
        ChannelArg::Device => tr!("participation-contributed", title = &args.title),
        other => tr!(
            "participation-transcribed",
            title = &args.title,
            channel = channel_word(channel(other))
        ),
    };
    recorded(cx, home, &made, summary)
}

pub fn contribution(cx: &Context, command: ContributionCommand) -> anyhow::Result<()> {
    use crate::participate::{Act, act, link_for};
    match &command {
        ContributionCommand::Show(args) => {
            if let Some(link) = link_for(cx, &args.via)? {
                return crate::participate::contribution_show(cx, &link, &args.contribution);
            }
        }
        ContributionCommand::Amend(args) => {
            if let Some(link) = link_for(cx, &args.via)? {
                let amend = Act::Amend(args.title.as_deref(), &args.text);
                return act(cx, &link, &args.contribution, amend);
            }
        }
        ContributionCommand::Withdraw(args) => {
            if let Some(link) = link_for(cx, &args.via)? {
                return act(cx, &link, &args.contribution, Act::Withdraw(&args.reason));
            }
        }
        ContributionCommand::Support(args) => {
            if let Some(link) = link_for(cx, &args.via)? {
                return act(cx, &link, &args.contribution, Act::Support);
            }
        }
        ContributionCommand::List(_) | ContributionCommand::Link(_) => {}
    }
    match command {
        ContributionCommand::Show(args) => contribution_show(cx, args),
        ContributionCommand::List(args) => contribution_list(cx, args),
        ContributionCommand::Amend(args) => {
            let mut home = open(cx)?;
            let done = home.governance().amend_contribution(
                args.community.community.as_deref(),
                &args.contribution,
                args.title.as_deref(),
                &args.text,
            )?;
            recorded(cx, home, &done, tr!("participation-amended"))
        }
        ContributionCommand::Withdraw(args) => {
            let mut home = open(cx)?;
            let done = home.governance().withdraw_contribution(
                args.community.community.as_deref(),
                &args.contribution,
                &args.reason,
            )?;
            recorded(cx, home, &done, tr!("participation-withdrawn"))
        }
        ContributionCommand::Support(args) => {
            let mut home = open(cx)?;
            let done = home
                .governance()
                .support(args.community.community.as_deref(), &args.contribution)?;
            recorded(cx, home, &done, tr!("participation-supported"))
        }
        ContributionCommand::Link(args) => {
            let relation = match args.relation {
                RelationArg::DuplicateOf => Relation::DuplicateOf,
                RelationArg::MergedInto => Relation::MergedInto,
                RelationArg::SplitFrom => Relation::SplitFrom,
            };
            let mut home = open(cx)?;
            let done = home.governance().link_contributions(
                args.community.community.as_deref(),
                &args.contribution,
                relation,
                &args.target,
            )?;
            let summary = tr!("participation-linked", relation = relation.name());
            recorded(cx, home, &done, summary)
        }
    }
}

fn contribution_list(cx: &Context, args: ContributionListArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let id = participation_ref(&mut home, community, args.participation.as_deref())?;
    let filter = Filter {
        status: args
            .statuses
            .iter()
            .map(|s| match s {
                StatusArg::Submitted => ContributionStatus::Submitted,
                StatusArg::Withdrawn => ContributionStatus::Withdrawn,
                StatusArg::Hidden => ContributionStatus::Hidden,
                StatusArg::Answered => ContributionStatus::Answered,
            })
            .collect(),
        category: args.category.as_deref(),
        author_type: args.author_type.map(author_type),
        mine: args.mine,
        include_hidden: args.include_hidden,
    };
    let all = home.governance().contributions(community, &id, &filter)?;
    if cx.json {
        return output::json(&all);
    }
    if all.is_empty() {
        return output::text(&tr!("participation-no-contributions"));
    }
    let lines: Vec<String> = all
        .iter()
        .map(|c| {
            let state = match (&c.answer, c.status) {
                (Some(a), ContributionStatus::Answered) => answer_word(a.state),
                _ => status_word(c.status),
            };
            let words = match &c.title {
                Some(title) if c.visibility == Visibility::Visible => clip(title, 50),
                Some(title) => {
                    format!("[{}] {}", tr!("participation-hidden-mark"), clip(title, 40))
                }
                None => format!("[{}]", hidden_why(c)),
            };
            format!(
                "{}  {}  {}  {}  {}",
                c.id.short(),
                pad(&state, 20),
                pad(&author_word(c.author_type), 14),
                pad(&channel_word(c.channel), 12),
                words
            )
        })
        .collect();
    output::text(&lines.join("\n"))
}

/// Why a contribution is hidden, in words.
fn hidden_why(c: &ContributionView) -> String {
    match (c.visibility, c.moderation.last()) {
        (Visibility::HiddenPendingReview, _) => {
            tr!("participation-hidden-by-reports", count = c.reports.len())
        }
        (_, Some(act)) => tr!(
            "participation-hidden-by-moderator",
            reason = &act.reason,
            clause = &act.clause
        ),
        _ => tr!("participation-hidden-mark"),
    }
}

fn contribution_show(cx: &Context, args: ContributionShowArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let c = home.governance().contribution(
        args.community.community.as_deref(),
        &args.contribution,
        args.include_hidden,
    )?;
    if cx.json {
        return output::json(&c);
    }
    let mut lines = Vec::new();
    match &c.title {
        Some(title) => lines.push(tr!(
            "participation-contribution-head",
            title = title,
            id = c.id.short()
        )),
        None => lines.push(tr!(
            "participation-contribution-hidden-head",
            id = c.id.short(),
            why = hidden_why(&c)
        )),
    }
    let mut who = tr!(
        "participation-contribution-who",
        pseudonym = &c.pseudonym,
        author = author_word(c.author_type),
        category = &c.category,
        channel = channel_word(c.channel)
    );
    if let Some(whom) = &c.on_behalf_of {
        who.push_str(&tr!("participation-contribution-for", whom = whom));
    }
    lines.push(who);
    lines.push(tr!(
        "participation-contribution-state",
        status = status_word(c.status),
        supporters = c.supporters
    ));
    if let Some(anchor) = &c.anchor {
        lines.push(tr!(
            "participation-contribution-anchor",
            section = &anchor.section
        ));
    }
    if let Some(body) = &c.body {
        lines.push(String::new());
        lines.push(body.clone());
    }
    if let Some(answer) = &c.answer {
        lines.push(String::new());
        lines.push(tr!(
            "participation-contribution-answer",
            state = answer_word(answer.state),
            at = when(answer.at)
        ));
        lines.push(format!("  {}", answer.argument));
        if answer.late {
            lines.push(tr!("participation-contribution-late"));
        }
    }
    lines.push(String::new());
    lines.push(tr!("participation-contribution-timeline"));
    for e in &c.timeline {
        let mut line = format!("  {}  {}", when(e.at), event_word(e.event));
        let detail = match e.event {
            Event::Answered | Event::AnswerRevised => {
                tr!("participation-answer-state", state = e.detail.as_str())
            }
            Event::Reported => tr!("participation-report-reason", reason = e.detail.as_str()),
            Event::Linked => e
                .detail
                .split_once(' ')
                .map(|(relation, target)| {
                    tr!(
                        "participation-relation",
                        relation = relation,
                        target = target
                    )
                })
                .unwrap_or_default(),
            _ => e.detail.clone(),
        };
        if !detail.is_empty() {
            line.push_str(&format!(" — {detail}"));
        }
        line.push_str(&format!("  ({})", e.record.short()));
        lines.push(line);
    }
    output::text(&lines.join("\n"))
}

pub fn moderate(cx: &Context, command: ModerateCommand) -> anyhow::Result<()> {
    match &command {
        ModerateCommand::Report(args) => {
            if let Some(link) = crate::participate::link_for(cx, &args.via)? {
                let report =
                    crate::participate::Act::Report(report_reason(args.reason), &args.details);
                return crate::participate::act(cx, &link, &args.contribution, report);
            }
        }
        ModerateCommand::Hide(args) if args.via.link.is_some() => {
            return Err(crate::participate::members_only("moderate hide"));
        }
        ModerateCommand::Restore(args) if args.via.link.is_some() => {
            return Err(crate::participate::members_only("moderate restore"));
        }
        _ => {}
    }
    let mut home = open(cx)?;
    match command {
        ModerateCommand::Report(args) => {
            let reason = report_reason(args.reason);
            let done = home.governance().report(
                args.community.community.as_deref(),
                &args.contribution,
                reason,
                &args.details,
            )?;
            recorded(cx, home, &done, tr!("participation-reported"))
        }
        ModerateCommand::Hide(args) => {
            let done = home.governance().hide(
                args.community.community.as_deref(),
                &args.contribution,
                &args.reason,
                &args.clause,
            )?;
            recorded(cx, home, &done, tr!("participation-hid"))
        }
        ModerateCommand::Restore(args) => {
            let done = home.governance().restore(
                args.community.community.as_deref(),
                &args.contribution,
                &args.reason,
                &args.clause,
            )?;
            recorded(cx, home, &done, tr!("participation-restored"))
        }
    }
}

fn report_reason(arg: ReportReasonArg) -> ReportReason {
    match arg {
        ReportReasonArg::Spam => ReportReason::Spam,
        ReportReasonArg::Offensive => ReportReason::Offensive,
        ReportReasonArg::OffTopic => ReportReason::OffTopic,
        ReportReasonArg::PersonalData => ReportReason::PersonalData,
        ReportReasonArg::Other => ReportReason::Other,
    }
}

pub fn answer(cx: &Context, args: AnswerArgs) -> anyhow::Result<()> {
    if args.via.link.is_some() {
        return Err(crate::participate::members_only("answer"));
    }
    let state = match args.state {
        AnswerStateArg::Retained => AnswerState::Retained,
        AnswerStateArg::PartiallyRetained => AnswerState::PartiallyRetained,
        AnswerStateArg::NotRetained => AnswerState::NotRetained,
        AnswerStateArg::OutOfScope => AnswerState::OutOfScope,
        AnswerStateArg::AlreadyCovered => AnswerState::AlreadyCovered,
        AnswerStateArg::Deferred => AnswerState::Deferred,
    };
    let landed_in: Vec<(&str, Option<&str>)> = args
        .landed
        .iter()
        .map(|l| match l.split_once('@') {
            Some((section, changes)) => (section, Some(changes)),
            None => (l.as_str(), None),
        })
        .collect();
    let mut home = open(cx)?;
    let done = home.governance().answer(
        args.community.community.as_deref(),
        &args.contribution,
        NewAnswer {
            state,
            argument: &args.argument,
            landed_in,
        },
    )?;
    let mut summary = tr!("participation-answered", state = answer_word(state));
    if done.details.revises.is_some() {
        summary.push_str(&tr!("participation-answer-revises"));
    }
    if done.details.late {
        summary.push_str(&tr!("participation-answer-late"));
    }
    recorded(cx, home, &done, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_categories_and_locations_parse() {
        let c = parse_commitment("answers:answers:Every contribution: answered").expect("ok");
        assert_eq!(c.id, "answers");
        assert_eq!(c.check, CommitmentCheck::Answers);
        assert_eq!(c.text, "Every contribution: answered");
        assert!(parse_commitment("x:sometimes:text").is_err());
        assert!(parse_commitment("x").is_err());
        assert_eq!(parse_category("mob:Mobilités").label, "Mobilités");
        assert_eq!(parse_category("mob").id, "mob");
        let l = parse_location("45.764043,-4.835659").expect("ok");
        assert_eq!((l.lat_e6, l.lon_e6), (45_764_043, -4_835_659));
        assert!(parse_location("91,0").is_err());
        assert!(parse_location("nan,0").is_err());
        assert!(parse_location("12").is_err());
    }
}
