//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Nous: charters that communities write together.
///
/// Charters are Automerge documents: members edit them concurrently, online
/// or offline, and every copy merges without loss. Documents are named by
/// their id, an unambiguous prefix of it, or their title.
#[derive(Debug, Parser)]
#[command(name = "nous", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The Nous home (device key and store). Default: $NOUS_HOME, else the
    /// platform's data directory (~/.local/share/nous on Linux).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Print machine-readable JSON on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    /// The language to speak: en or fr. Default: $NOUS_LANG, else the
    /// locale ($LC_ALL, $LC_MESSAGES, $LANG), else English. JSON output is
    /// the same in every language.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a home: this device's key (mode 0600) and an empty store.
    Init,
    /// Show this device's public key (its id on every change it makes).
    Id,
    /// Create, read and edit charters.
    #[command(subcommand)]
    Charter(CharterCommand),
    /// List the changes of a document: device, time, sections touched.
    History(HistoryArgs),
    /// Show what changed, section by section, between two points.
    Diff(DiffArgs),
    /// List concurrent rewrites of the same words, and resolve them.
    Conflicts(ConflictsArgs),
    /// Write a charter out as Markdown or JSON.
    Export(ExportArgs),
    /// Carry documents between homes in one file.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Run a demonstration in throw-away homes: members edit one charter
    /// concurrently, challenge a section, amend, object, decide and ratify,
    /// exchanging bundles, and the result verifies (`nous demo
    /// participation`: a public participation, from its contract to its
    /// synthesis).
    Demo(DemoArgs),
    /// Found and inspect communities.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// Join, leave, sanction and exclude members; manage devices.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Challenge ("interpeller") a section of the charter in force; close
    /// or list challenges.
    Challenge(ChallengeArgs),
    /// Propose, write, submit and follow amendments.
    #[command(subcommand)]
    Amendment(AmendmentCommand),
    /// React to a proposal: question, consent, concern, objection, vote…
    React(ReactArgs),
    /// Record whether an objection passes the validity criteria.
    #[command(subcommand)]
    Objection(ObjectionCommand),
    /// Close a proposal (amendment, application, exclusion, rule change)
    /// with its outcome, checked against the rule in force.
    Decide(DecideArgs),
    /// Sign the ratification of an adopted amendment: the new version in force.
    Ratify(RatifyArgs),
    /// What awaits you, most urgent first: applications to decide,
    /// amendments and proposals to react to, objections to test or
    /// integrate, ratifications to sign, hearings, tensions to take up.
    Todo(TodoArgs),
    /// Raise and follow tensions.
    #[command(subcommand)]
    Tension(TensionCommand),
    /// Propose a change of a decision rule.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Verify a bundle offline: signatures, authority, decisions, versions.
    Verify(VerifyArgs),
    /// The synthesis of a participation, computed on the text as it stands:
    /// contributions by author type and the citizens' share, answers by
    /// state, the text added and kept and whom it is credited to, per
    /// section, the commitments; --publish signs it.
    Synthesis(crate::open_data::SynthesisArgs),
    /// Run a relay: automerge-repo sync over WebSocket for the communities
    /// it hosts, with device authentication and access from their records.
    Serve(nous_sync_server::cli::ServeArgs),
    /// Join a community with an invitation: read its charter, rules and
    /// colleges through the relay the invitation names, and apply.
    Join(JoinArgs),
    /// Sync with a relay: once, or live with --watch.
    Sync(crate::relay::SyncArgs),
    /// Print a short-lived token proving this device to a relay (for
    /// automerge-repo clients: pass it as ?token= and use its peer id).
    Token(crate::relay::TokenArgs),
    /// Public participation in four phases: the contrat participatif (what
    /// the organiser commits to), the stratégie participative (who may
    /// contribute, through which channels, until when), the instruction
    /// (contributions frozen and examined) and the avis argumenté (an
    /// argued answer to every contribution).
    #[command(subcommand)]
    Participation(crate::participation::ParticipationCommand),
    /// Contribute to a participation while its phase takes contributions:
    /// your own, or (the organiser's team) a transcription from a meeting,
    /// paper or mail on someone's behalf. A citizen — anyone who is no
    /// member of the organising community — contributes with `--link`,
    /// through the relay, signing with the device key alone.
    Contribute(crate::participation::ContributeArgs),
    /// Follow contributions: show one and what happened to it, list them,
    /// amend, withdraw, support, link.
    #[command(subcommand)]
    Contribution(crate::participation::ContributionCommand),
    /// Moderate without erasing: report a contribution, hide or restore it
    /// (moderators), with the reason and the clause of the contract.
    #[command(subcommand)]
    Moderate(crate::participation::ModerateCommand),
    /// Answer a contribution for the organiser (the avis argumenté): its
    /// state, an argument (required), and where it landed in the text. An
    /// answer to a contribution already answered revises it.
    Answer(crate::participation::AnswerArgs),
}

#[derive(Debug, Args)]
pub struct TodoArgs {
    /// Only this community (id, id prefix or name). Default: every
    /// community of the home.
    #[arg(short = 'c', long, value_name = "COMMUNITY")]
    pub community: Option<String>,
}

/// Which community (id, id prefix or name); default: the only one. Every
/// command names a community this one way, `--community`/`-c` (a test walks
/// the command tree).
#[derive(Debug, Args, Clone, Default)]
pub struct CommunityArg {
    /// The community (id, id prefix or name). Default: the home's only one.
    #[arg(short = 'c', long, value_name = "COMMUNITY")]
    pub community: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CommunityCommand {
    /// Found a community around a charter of this home.
    Create(CommunityCreateArgs),
    /// `show` and `share` (flattened: `nous community show`, `nous community
    /// share`).
    #[command(flatten)]
    Show(CommunityShowCommand),
    /// Show the decision rules in force.
    Rules(CommunityArg),
    /// List the communities this home knows.
    List,
    /// Invite someone to apply: a signed invitation published to the relay,
    /// printed as a text, an `nous:` link and a QR code to hand over. Whoever
    /// holds the link may read the charter in force, the rules and the
    /// colleges through the relay and apply (`nous join`); members decide.
    Invite(CommunityInviteArgs),
    /// Revoke an invitation: applications made with it from now on are
    /// refused, by the relay and by governance.
    Uninvite(CommunityUninviteArgs),
}

#[derive(Debug, Args)]
pub struct CommunityInviteArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The relay the invited reach the community through (ws://HOST:PORT).
    /// Default: the only relay this home knows.
    #[arg(long, value_name = "URL")]
    pub relay: Option<String>,
    /// The college the invited person joins. Default: the one they choose.
    #[arg(long)]
    pub college: Option<String>,
    /// How long the invitation holds: minutes, hours or days (`30m`, `12h`,
    /// `7d`).
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub expires: String,
    /// How many applications it admits. Default: 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub uses: u32,
    /// Print no QR code.
    #[arg(long)]
    pub no_qr: bool,
}

#[derive(Debug, Args)]
pub struct CommunityUninviteArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The invitation (its record id or an unambiguous prefix).
    pub invitation: String,
}

/// `nous join`.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The invitation: its `nous:invite/…` link.
    pub invitation: String,
    /// Your name, as members will see it.
    #[arg(long)]
    pub name: String,
    /// The college you ask to join. Default: the invitation's, or the only one.
    #[arg(long)]
    pub college: Option<String>,
    /// Why you apply.
    #[arg(long, default_value = "")]
    pub motivation: String,
    /// Wait for the members' decision, syncing with the relay every few
    /// seconds, and say it.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds (default: wait until
    /// the decision).
    #[arg(long, value_name = "SECS", requires = "wait")]
    pub for_secs: Option<u64>,
}

/// The community subcommands about what it holds. One variant of
/// [`CommunityCommand`] carries both, so `commands.rs` dispatches them with
/// its arm for `show` and `governance::community_show` tells them apart.
#[derive(Debug, Subcommand)]
pub enum CommunityShowCommand {
    /// Show a community: members, version in force, shared documents, open
    /// business.
    Show(CommunityArg),
    /// Attach a document to the community (minutes, open data…), or change
    /// who may read it: members only (the default) or anyone.
    Share(CommunityShareArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("access").args(["public", "members"]).multiple(false))]
pub struct CommunityShareArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The document: id, id prefix or title of a document of this home, or
    /// any document id.
    pub doc: String,
    /// Its title in the community. Default: the document's title here.
    #[arg(long)]
    pub title: Option<String>,
    /// Anyone may read it; members write.
    #[arg(long)]
    pub public: bool,
    /// Only members read and write it (the default).
    #[arg(long)]
    pub members: bool,
}

#[derive(Debug, Args)]
pub struct CommunityCreateArgs {
    /// Its name.
    pub name: String,
    /// The charter (a document of this home).
    #[arg(long, value_name = "DOC")]
    pub charter: String,
    /// A college `ID[:NAME[:WEIGHT]]` (repeatable). Default: one college `members`.
    #[arg(long = "college", value_name = "SPEC")]
    pub colleges: Vec<String>,
    /// Your name as a founder.
    #[arg(long)]
    pub name_as: Option<String>,
    /// Your college as a founder. Default: the first college.
    #[arg(long = "as-college", value_name = "ID")]
    pub as_college: Option<String>,
    /// Another founder `KEY:NAME:COLLEGE` (repeatable).
    #[arg(long = "founder", value_name = "SPEC")]
    pub founders: Vec<String>,
    /// A rule `ACT=METHOD[,quorum=N][,threshold=N][,days=N][,signers=N][,electorate=A+B][,block]`
    /// (repeatable). Acts: amend, admit, exclude, rules. Methods: consent,
    /// consensus, majority, qualified, unanimity, weighted, lazy, advice.
    /// Defaults: amend=consent,quorum=50; admit=lazy,days=7;
    /// exclude=qualified,threshold=67,quorum=50,days=15; rules=consensus,quorum=50.
    #[arg(long = "rule", value_name = "SPEC")]
    pub rules: Vec<String>,
    /// A facilitator's key (repeatable): tests objections, issues sanctions.
    #[arg(long = "facilitator", value_name = "KEY")]
    pub facilitators: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Apply to join a community (known here from an imported bundle).
    Apply(MemberApplyArgs),
    /// Admit an applicant (a decision under the rule for admission).
    Admit(SubjectArgs),
    /// Decline an application, with the reason.
    Decline(DeclineArgs),
    /// Complete your admission: sign the charter version in force.
    Sign(SubjectArgs),
    /// Leave the community (immediate).
    Leave(LeaveArgs),
    /// Apply a step of the sanction ladder below exclusion.
    Sanction(SanctionArgs),
    /// Propose to exclude a member (decided with `nous decide` after the hearing).
    Exclude(ExcludeArgs),
    /// List members, applications and devices.
    List(CommunityArg),
    /// Certify or revoke this member's devices.
    #[command(subcommand)]
    Device(DeviceCommand),
}

#[derive(Debug, Args)]
pub struct MemberApplyArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// Your name.
    #[arg(long)]
    pub name: String,
    /// The college you ask to join.
    #[arg(long)]
    pub college: String,
    /// Why you apply.
    #[arg(long, default_value = "")]
    pub motivation: String,
}

#[derive(Debug, Args)]
pub struct SubjectArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The record (id or unambiguous prefix).
    pub subject: String,
}

#[derive(Debug, Args)]
pub struct DeclineArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The application.
    pub application: String,
    /// Why (required).
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct LeaveArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// Words of goodbye.
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// A correction.
    Correction,
    /// A warning.
    Warning,
    /// A temporary suspension (give --until or --days).
    Suspension,
}

#[derive(Debug, Args)]
pub struct SanctionArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The member (key, key prefix or name).
    pub member: String,
    /// The step.
    #[arg(long)]
    pub level: Level,
    /// The reasons.
    #[arg(long)]
    pub reasons: String,
    /// End of a suspension (YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<String>,
    /// Length of a suspension in days.
    #[arg(long)]
    pub days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ExcludeArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The member (key, key prefix or name).
    pub member: String,
    /// The reasons.
    #[arg(long)]
    pub reasons: String,
    /// Notice date (YYYY-MM-DD[THH:MM]); default now.
    #[arg(long)]
    pub notice: Option<String>,
    /// Hearing date (YYYY-MM-DD[THH:MM]); default: the notice plus the rule's delay.
    #[arg(long)]
    pub hearing: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Certify another device of yours (its key, from `nous id` there).
    Add(DeviceAddArgs),
    /// Revoke one of your devices.
    Revoke(DeviceRevokeArgs),
}

#[derive(Debug, Args)]
pub struct DeviceAddArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The device's public key.
    pub key: String,
    /// A label, e.g. laptop.
    #[arg(long, default_value = "")]
    pub label: String,
}

#[derive(Debug, Args)]
pub struct DeviceRevokeArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The device's public key (or prefix).
    pub key: String,
    /// Why.
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ChallengeArgs {
    #[command(subcommand)]
    pub command: Option<ChallengeCommand>,
    #[command(flatten)]
    pub community: CommunityArg,
    /// The section of the charter in force (id, number, id prefix or heading).
    #[arg(required = true)]
    pub section: Option<String>,
    /// The tension felt.
    #[arg(long, required = true)]
    pub tension: Option<String>,
    /// A concrete example.
    #[arg(long, default_value = "")]
    pub example: String,
    /// The escalated tension this challenge comes from.
    #[arg(long, value_name = "TENSION")]
    pub from_tension: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ChallengeCommand {
    /// Close a challenge: withdraw your own, or decline one with a reason
    /// (a facilitator; without facilitators, any member but its author).
    Close(ChallengeCloseArgs),
    /// List the community's challenges and where each stands.
    List(CommunityArg),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("outcome").args(["withdrawn", "declined"]).required(true).multiple(false))]
pub struct ChallengeCloseArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The challenge (record id or unambiguous prefix).
    pub challenge: String,
    /// Withdraw it (its author).
    #[arg(long, alias = "withdraw")]
    pub withdrawn: bool,
    /// Decline it, saying why.
    #[arg(long, alias = "decline", value_name = "REASON")]
    pub declined: Option<String>,
    /// Why it is withdrawn (optional).
    #[arg(long, default_value = "", conflicts_with = "declined")]
    pub reason: String,
}

#[derive(Debug, Subcommand)]
pub enum AmendmentCommand {
    /// Answer a challenge with a draft forked from the charter in force.
    Propose(ProposeArgs),
    /// Write the draft: replace a section's text (co-authors too).
    Edit(AmendmentEditArgs),
    /// Put the draft's current wording to the community.
    Submit(SubmitArgs),
    /// Open the objection round (proposer).
    Round(SubjectArgs),
    /// Integrate objections: submit a new wording that resolves them.
    Integrate(IntegrateArgs),
    /// Withdraw an amendment (proposer).
    Withdraw(WithdrawArgs),
    /// Turn a rejected amendment into a new challenge.
    Promote(PromoteArgs),
    /// Show an amendment: phase, wordings, reactions, objections, diff.
    Show(SubjectArgs),
    /// List amendments.
    List(CommunityArg),
}

#[derive(Debug, Args)]
pub struct ProposeArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The challenge answered.
    pub challenge: String,
    /// A short title.
    #[arg(long)]
    pub title: String,
    /// Why this wording.
    #[arg(long)]
    pub rationale: String,
    /// A co-author's member key (repeatable).
    #[arg(long = "coauthor", value_name = "KEY")]
    pub coauthors: Vec<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["text", "file", "editor"]).multiple(false))]
#[command(group = clap::ArgGroup::new("action").args(["text", "file", "editor", "discard_kept"]).required(true).multiple(true))]
pub struct AmendmentEditArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The amendment.
    pub amendment: String,
    /// The section of the draft.
    pub section: String,
    /// The new text.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the new text from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Edit the draft's current text in $VISUAL or $EDITOR. A text whose
    /// save is refused is kept in the home and opened again by the next
    /// --editor.
    #[arg(long)]
    pub editor: bool,
    /// Drop the text kept from a refused --editor save (alone, or with
    /// --editor to start again from the current text).
    #[arg(long, conflicts_with_all = ["text", "file"])]
    pub discard_kept: bool,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The amendment.
    pub amendment: String,
    /// What changed and why.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct IntegrateArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The amendment.
    pub amendment: String,
    /// An objection this wording integrates (repeatable).
    #[arg(long = "objection", value_name = "RECORD", required = true)]
    pub objections: Vec<String>,
    /// What changed and why.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The amendment.
    pub amendment: String,
    /// Why.
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The rejected amendment.
    pub amendment: String,
    /// The tension it still answers.
    #[arg(long)]
    pub tension: String,
    /// A concrete example.
    #[arg(long)]
    pub example: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StanceArg {
    Question,
    Consent,
    Concern,
    Objection,
    Abstain,
    StandAside,
    Block,
    Yes,
    No,
    Resolved,
}

#[derive(Debug, Args)]
pub struct ReactArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The proposal: an amendment, application, exclusion or rule change.
    pub subject: String,
    /// The reaction.
    #[arg(value_enum)]
    pub stance: StanceArg,
    /// The question, concern or argument.
    #[arg(long, default_value = "")]
    pub argument: String,
    /// For an objection: the criteria it meets, e.g. `abcd` or `e`.
    ///
    /// (a) adopting the proposal would cause harm: it degrades what the
    /// community can do; (b) the objection is created by the proposal: it
    /// would not exist without it; (c) it rests on known facts, or the harm
    /// it foresees could not be undone in time; (d) it limits the
    /// objector's own role or commitments; (e) the proposal breaks the
    /// charter. An objection is valid when it passes (a) to (d), or (e).
    #[arg(long, default_value = "")]
    pub criteria: String,
    /// For `resolved`: the objection confirmed resolved.
    #[arg(long, value_name = "RECORD")]
    pub objection: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ObjectionCommand {
    /// Record which criteria an objection passes (facilitator).
    Test(ObjectionTestArgs),
}

#[derive(Debug, Args)]
pub struct ObjectionTestArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The objection (a reaction record).
    pub objection: String,
    /// The criteria it passes, e.g. `abcd`; empty when none.
    ///
    /// (a) harm: adopting the proposal degrades what the community can do;
    /// (b) created by the proposal; (c) known facts, or harm that could
    /// not be undone in time; (d) it limits the objector's role; (e) the
    /// proposal breaks the charter. Valid when it passes (a) to (d), or
    /// (e).
    #[arg(long, default_value = "")]
    pub passed: String,
    /// The reasoning.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutcomeArg {
    Adopted,
    Rejected,
}

#[derive(Debug, Args)]
pub struct DecideArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The proposal.
    pub subject: String,
    /// The outcome.
    #[arg(value_enum)]
    pub outcome: OutcomeArg,
    /// The reason (required to reject or decline).
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct RatifyArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The adopted amendment.
    pub amendment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathArg {
    Request,
    Mediation,
    Governance,
    Conduct,
}

#[derive(Debug, Subcommand)]
pub enum TensionCommand {
    /// Raise a tension.
    Open(TensionOpenArgs),
    /// Take a tension up (in process).
    Start(TensionNoteArgs),
    /// Mark a tension resolved.
    Resolve(TensionNoteArgs),
    /// Escalate a tension; with --section it becomes a challenge.
    Escalate(TensionEscalateArgs),
    /// List tensions.
    List(CommunityArg),
    /// Show one tension whole: what it is about, who raised it, each step
    /// with its note, and the challenges it became.
    Show(TensionShowArgs),
}

#[derive(Debug, Args)]
pub struct TensionShowArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The tension (its record id or an unambiguous prefix).
    pub tension: String,
}

#[derive(Debug, Args)]
pub struct TensionOpenArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// What it is about.
    pub summary: String,
    /// Its path.
    #[arg(long, value_enum, default_value = "request")]
    pub path: PathArg,
    /// The section concerned.
    #[arg(long)]
    pub section: Option<String>,
}

#[derive(Debug, Args)]
pub struct TensionNoteArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The tension.
    pub tension: String,
    /// What happened.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct TensionEscalateArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The tension.
    pub tension: String,
    /// What happened.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Make it a challenge of this section of the charter in force.
    #[arg(long)]
    pub section: Option<String>,
    /// The concrete example for the challenge.
    #[arg(long, default_value = "")]
    pub example: String,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Propose a new rule for an act (decided under the stricter of the old
    /// and the new rule).
    Propose(RulesProposeArgs),
}

#[derive(Debug, Args)]
pub struct RulesProposeArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The rule `ACT=METHOD[,quorum=N][,threshold=N][,days=N][,signers=N][,electorate=A+B][,block]`.
    pub rule: String,
    /// Why.
    #[arg(long)]
    pub rationale: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle file.
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum CharterCommand {
    /// Create a charter, empty or from a Markdown file.
    New(NewArgs),
    /// List the documents in this home (archived ones with --archived or
    /// --all).
    List(ListArgs),
    /// Print a charter (now, or at an earlier point).
    Show(ShowArgs),
    /// List a charter's sections with their ids.
    Sections(SectionsArgs),
    /// Replace the text of a section (or of the title or preamble).
    Edit(EditArgs),
    /// Add a section.
    AddSection(AddSectionArgs),
    /// Move a section.
    MoveSection(MoveSectionArgs),
    /// Remove a section (its text stays in the history).
    RemoveSection(SectionArgs),
    /// Add or remove a section's tags.
    Tag(TagArgs),
    /// Warn about what a charter lacks (sections tagged membership.entry,
    /// membership.exit, tensions, amendment).
    Lint(LintArgs),
    /// Archive a document in this home: hidden from lists, kept whole
    /// (history, reading by id, sync). Local to this home.
    Archive(DocArgs),
    /// Restore an archived document to this home's lists.
    Restore(DocArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").args(["archived", "all"]).multiple(false))]
pub struct ListArgs {
    /// Only the documents archived in this home.
    #[arg(long)]
    pub archived: bool,
    /// Every document, archived or not.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct DocArgs {
    /// The document (id, id prefix or title).
    pub doc: String,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The document.
    pub doc: String,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The title. Optional with --from when the file starts with a `# Title`.
    pub title: Option<String>,
    /// Import this Markdown file: headings become sections, numbered
    /// paragraphs articles. `-` reads stdin.
    #[arg(long, value_name = "FILE.md")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown.
    Md,
    /// JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The document. A community's charter shows the version in force.
    pub doc: String,
    /// Show it as it was at this point: one or more change hashes (or
    /// unambiguous prefixes, at least 4 characters), comma-separated.
    #[arg(long, value_name = "REF", conflicts_with = "latest")]
    pub at: Option<String>,
    /// For a community's charter: show the latest text, including edits
    /// not (yet) ratified, instead of the version in force.
    #[arg(long)]
    pub latest: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SectionsArgs {
    /// The document.
    pub doc: String,
    /// As it was at this point (change hashes or prefixes).
    #[arg(long, value_name = "REF")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["text", "file", "editor"]).multiple(false))]
#[command(group = clap::ArgGroup::new("action").args(["text", "file", "editor", "discard_kept"]).required(true).multiple(true))]
pub struct EditArgs {
    /// The document.
    pub doc: String,
    /// The section: its id, number, id prefix or heading; or `@title`, `@preamble`.
    pub section: String,
    /// The new text.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the new text from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Edit the current text in $VISUAL or $EDITOR. A text whose save is
    /// refused is kept in the home and opened again by the next --editor.
    #[arg(long)]
    pub editor: bool,
    /// Drop the text kept from a refused --editor save (alone, or with
    /// --editor to start again from the current text).
    #[arg(long, conflicts_with_all = ["text", "file"])]
    pub discard_kept: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("place").multiple(false))]
pub struct Placement {
    /// Put it right after this section.
    #[arg(long, value_name = "SECTION", group = "place")]
    pub after: Option<String>,
    /// Put it right before this section.
    #[arg(long, value_name = "SECTION", group = "place")]
    pub before: Option<String>,
    /// Put it first.
    #[arg(long, group = "place")]
    pub start: bool,
    /// Put it last (the default).
    #[arg(long, group = "place")]
    pub end: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("body").args(["text", "file"]).multiple(false))]
pub struct AddSectionArgs {
    /// The document.
    pub doc: String,
    /// The heading.
    pub heading: String,
    #[command(flatten)]
    pub placement: Placement,
    /// Heading level, 1 to 6.
    #[arg(long, default_value_t = 2)]
    pub level: u8,
    /// The section's text.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the section's text from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A tag (repeatable), e.g. membership.entry, membership.exit, tensions, amendment.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MoveSectionArgs {
    /// The document.
    pub doc: String,
    /// The section to move.
    pub section: String,
    #[command(flatten)]
    pub placement: Placement,
}

#[derive(Debug, Args)]
pub struct SectionArgs {
    /// The document.
    pub doc: String,
    /// The section.
    pub section: String,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// The document.
    pub doc: String,
    /// The section.
    pub section: String,
    /// Tags to add (repeatable).
    #[arg(long, value_name = "TAG")]
    pub add: Vec<String>,
    /// Tags to remove (repeatable).
    #[arg(long, value_name = "TAG")]
    pub remove: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// The list of changes (default).
    Changes,
    /// How the charter was challenged and evolved, as Markdown.
    Md,
    /// The same as an HTML page with an SVG timeline.
    Html,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The document.
    pub doc: String,
    /// `changes` lists the changes; `md` and `html` tell how a community's
    /// charter was challenged and evolved.
    #[arg(long, value_enum, default_value = "changes")]
    pub format: HistoryFormat,
    /// With --format md|html: write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only changes that touched this section.
    #[arg(long)]
    pub section: Option<String>,
    /// Only the last N changes.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// `nous conflicts [DOC]`, or `nous conflicts resolve ID …`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConflictsArgs {
    #[command(subcommand)]
    pub command: Option<ConflictsCommand>,
    /// The document (default: every charter of this home).
    pub doc: Option<String>,
    /// Also list conflicts that were resolved.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Resolve an open conflict: write one side's words, or your own.
    Resolve(ResolveArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("with").required(true).multiple(false))]
pub struct ResolveArgs {
    /// The conflict: its id or an unambiguous prefix of it.
    pub id: String,
    /// Only look in this document.
    #[arg(long)]
    pub doc: Option<String>,
    /// Keep the words of side a or side b, as `nous conflicts` lists them.
    #[arg(long, value_enum, group = "with")]
    pub take: Option<SideArg>,
    /// Write these words instead.
    #[arg(long, group = "with")]
    pub text: Option<String>,
    /// Write the words in $VISUAL or $EDITOR, starting from the merged ones.
    #[arg(long, group = "with")]
    pub editor: bool,
}

/// A side of a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SideArg {
    /// The first side listed.
    A,
    /// The second side listed.
    B,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The document.
    pub doc: String,
    /// From this point (change hashes or prefixes, comma-separated).
    pub from: String,
    /// To this point (default: now).
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The document.
    pub doc: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Markdown without the `<!-- nous:section … -->` lines that carry
    /// section ids and tags.
    #[arg(long)]
    pub plain: bool,
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write documents into a bundle file.
    Export(BundleExportArgs),
    /// Merge bundle files into this home (importing twice changes nothing).
    Import(BundleImportArgs),
}

#[derive(Debug, Args)]
pub struct BundleExportArgs {
    /// The documents (default: all). A community's charter brings its
    /// records and amendment drafts along.
    pub docs: Vec<String>,
    /// Also export this community: its records, charter and drafts (repeatable).
    #[arg(short = 'c', long = "community", value_name = "COMMUNITY")]
    pub communities: Vec<String>,
    /// The bundle file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct BundleImportArgs {
    /// The bundle files, merged in order (each whole or not at all). With
    /// --json: the import's report for one file, a list of
    /// `{file, report}` for several.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Which story: none, members editing and amending a charter;
    /// `participation`, a public participation from its contract to its
    /// synthesis.
    #[arg(value_enum, value_name = "STORY")]
    pub story: Option<DemoStory>,
    /// Keep the demo homes in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Leave the demo community's bundle in this file, for `nous verify`.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
}

/// The demonstrations `nous demo` tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoStory {
    /// A public participation: contract, contributions, moderation,
    /// answers, synthesis and open data.
    Participation,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// Every argument that names a community, in every command, is
    /// `--community COMMUNITY` with `-c`, never a positional, whatever its
    /// field is called (the name of a community being founded is not one:
    /// it names no existing community).
    #[test]
    fn every_command_names_a_community_the_same_way() {
        fn walk(command: &clap::Command, path: &str, found: &mut usize, wrong: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str().to_lowercase();
                let names: Vec<String> = arg
                    .get_value_names()
                    .map(|v| v.iter().map(|n| n.to_lowercase()).collect())
                    .unwrap_or_default();
                let about = arg
                    .get_help()
                    .map(|h| h.to_string().to_lowercase())
                    .unwrap_or_default();
                let names_a_community = id.contains("communit")
                    || names.iter().any(|n| n.contains("communit"))
                    || about.starts_with("the community")
                    || about.starts_with("only this community")
                    || about.starts_with("also export this community");
                if !names_a_community {
                    continue;
                }
                *found += 1;
                let right = !arg.is_positional()
                    && arg.get_long() == Some("community")
                    && arg.get_short() == Some('c')
                    && names == ["community"];
                if !right {
                    wrong.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), found, wrong);
            }
        }
        let mut found = 0;
        let mut wrong = Vec::new();
        walk(&super::Cli::command(), "nous", &mut found, &mut wrong);
        assert!(wrong.is_empty(), "named another way: {wrong:?}");
        assert!(found > 30, "only {found} community arguments found");
    }
}
