//! The payloads of a public participation: an organising community opens a
//! participation on a text under consultation with a contrat participatif,
//! moves it through its phases, takes contributions from people who need not
//! be members, moderates without erasing, answers every contribution with
//! arguments and publishes a synthesis (`docs/participation.md`).
//!
//! Same conventions as the other payloads (`payload.rs`): compact JSON,
//! fields in declaration order, unknown fields refused. Nothing personal is
//! signed: a contributor is their device key (a pseudonym), and a
//! transcribed contribution names whom it speaks for by a reference the
//! facilitator chose (`fiche 12`), never a name.

use serde::{Deserialize, Serialize};

use super::{Heads, Invited, RecordId, Version};
use crate::identity::PublicKey;

/// The version of the synthesis method [`SynthesisPublish::method`] names.
pub const SYNTHESIS_METHOD: &str = "nous/synthesis/v1";

/// `participation.open`: the organising community opens a participation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenParticipation {
    /// Its title.
    pub title: String,
    /// The text under consultation, at the version submitted to it (the
    /// baseline the synthesis measures from).
    pub text: Version,
    /// The contrat participatif: what the organiser commits to.
    pub contract: Version,
    /// The contract's commitments, itemised.
    pub commitments: Vec<Commitment>,
    /// Contribution categories.
    pub categories: Vec<Category>,
    /// When every contribution must have its answer (ms).
    pub answer_due: u64,
    /// Members who moderate; empty: the facilitators (or, where there are
    /// none, any member).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moderators: Vec<PublicKey>,
    /// Members who answer for the organiser; empty: the facilitators (or,
    /// where there are none, any member).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answerers: Vec<PublicKey>,
    /// Reports that hide a contribution pending review; 0: never by
    /// itself.
    pub report_threshold: u32,
}

/// One commitment of a contrat participatif.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// A short stable id (`answers`, `c3`).
    pub id: String,
    /// What is promised.
    pub text: String,
    /// How it is seen kept or broken.
    pub check: CommitmentCheck,
}

/// How a commitment is seen kept, pending or broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitmentCheck {
    /// Every contribution answered, with arguments, by the answer deadline.
    Answers,
    /// A synthesis published by the answer deadline.
    Synthesis,
    /// Said kept or broken by the organiser (`participation.commitment`),
    /// with the evidence.
    Manual,
}

/// A contribution category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Short stable id (`mobility`).
    pub id: String,
    /// Its label.
    pub label: String,
}

/// `participation.contract`: a new version of the contrat participatif.
/// Once contributions have opened, no commitment may be taken away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviseContract {
    /// The participation (its `participation.open` record).
    pub participation: RecordId,
    /// The contract at its new version.
    pub contract: Version,
    /// Every commitment, as revised.
    pub commitments: Vec<Commitment>,
}

/// The phases of a participation, in the order they come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseKind {
    /// The contrat participatif is written and ratified.
    Contract,
    /// The participative strategy runs: contributions come in.
    Strategy,
    /// The organiser instructs the contributions: they are frozen.
    Instruction,
    /// The argued answers are published.
    Answer,
}

impl PhaseKind {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            PhaseKind::Contract => "contract",
            PhaseKind::Strategy => "strategy",
            PhaseKind::Instruction => "instruction",
            PhaseKind::Answer => "answer",
        }
    }

    /// Every phase, in order.
    pub const ALL: [PhaseKind; 4] = [
        PhaseKind::Contract,
        PhaseKind::Strategy,
        PhaseKind::Instruction,
        PhaseKind::Answer,
    ];
}

/// Who may contribute while a phase takes contributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Contributors {
    /// Anyone with a device key.
    Anyone,
    /// Holders of an invitation code (`invitation.issue`), and members.
    Invited,
    /// Members of the organising community only.
    Members,
}

/// How a contribution came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// Signed on the contributor's own device.
    Device,
    /// Said in a meeting, transcribed by a facilitator.
    Meeting,
    /// Written on paper, transcribed.
    Paper,
    /// Sent by mail, transcribed.
    Mail,
}

impl Channel {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Device => "device",
            Channel::Meeting => "meeting",
            Channel::Paper => "paper",
            Channel::Mail => "mail",
        }
    }

    /// Every channel.
    pub const ALL: [Channel; 4] = [
        Channel::Device,
        Channel::Meeting,
        Channel::Paper,
        Channel::Mail,
    ];
}

/// `participation.phase`: a phase opens (and the one before ends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenPhase {
    /// The participation.
    pub participation: RecordId,
    /// Which phase.
    pub phase: PhaseKind,
    /// When it opens (ms).
    pub opens_at: u64,
    /// When it ends at the latest (ms); none: when the next opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<u64>,
    /// Who may contribute during it.
    pub contributors: Contributors,
    /// The channels it takes contributions from; empty: it takes none
    /// (contributions are frozen).
    pub channels: Vec<Channel>,
    /// The categories it takes; empty: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

/// `participation.commitment`: the organiser says a commitment checked by
/// hand was kept or broken, with the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleCommitment {
    /// The participation.
    pub participation: RecordId,
    /// The commitment's id.
    pub commitment: String,
    /// Kept or not.
    pub kept: bool,
    /// What shows it.
    pub evidence: String,
}

/// `participation.close`: the participation ends. Refused while a
/// contribution that is neither hidden nor withdrawn has no answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseParticipation {
    /// The participation.
    pub participation: RecordId,
    /// A closing word.
    pub summary: String,
}

/// Who a contributor is, as they declare it (or as the facilitator who
/// transcribes them records it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthorType {
    /// An inhabitant, user or citizen.
    Citizen,
    /// An association.
    Association,
    /// An expert.
    Expert,
    /// An elected member.
    Elected,
    /// An agent of the organiser (a member of the organising community).
    Agent,
    /// Anyone else.
    Other,
}

impl AuthorType {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            AuthorType::Citizen => "citizen",
            AuthorType::Association => "association",
            AuthorType::Expert => "expert",
            AuthorType::Elected => "elected",
            AuthorType::Agent => "agent",
            AuthorType::Other => "other",
        }
    }

    /// Every author type, in this order.
    pub const ALL: [AuthorType; 6] = [
        AuthorType::Citizen,
        AuthorType::Association,
        AuthorType::Expert,
        AuthorType::Elected,
        AuthorType::Agent,
        AuthorType::Other,
    ];
}

/// Where in the text under consultation a contribution bears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The section's id.
    pub section: String,
    /// An article of it, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

/// A place, in millionths of a degree (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Latitude × 10⁶.
    pub lat_e6: i32,
    /// Longitude × 10⁶.
    pub lon_e6: i32,
}

/// `contribution.submit`: a contribution, signed by its author's device, or
/// transcribed by a member of the organiser's team from a meeting, paper or
/// mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitContribution {
    /// The participation.
    pub participation: RecordId,
    /// A short title.
    pub title: String,
    /// What is said.
    pub body: String,
    /// A category of the participation.
    pub category: String,
    /// Who the author is.
    pub author_type: AuthorType,
    /// Where in the text it bears, if somewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// Where on a map, if somewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How it came in.
    pub channel: Channel,
    /// For a transcription: whom it speaks for, by a reference (`fiche 12`),
    /// not a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// The invitation code it is made with, where the phase asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<Invited>,
}

/// `contribution.amend`: its author rewrites a contribution not yet
/// answered (the earlier wording stays in the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendContribution {
    /// The contribution (its `contribution.submit` record).
    pub contribution: RecordId,
    /// The new title.
    pub title: String,
    /// The new text.
    pub body: String,
}

/// `contribution.withdraw`: its author withdraws a contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawContribution {
    /// The contribution.
    pub contribution: RecordId,
    /// Why (may be empty).
    pub reason: String,
}

/// `contribution.support`: a participant supports a contribution (once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportContribution {
    /// The contribution.
    pub contribution: RecordId,
    /// The invitation code, where the phase asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<Invited>,
}

/// How one contribution relates to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// It says the same as the target.
    DuplicateOf,
    /// It was merged into the target.
    MergedInto,
    /// It was split from the target.
    SplitFrom,
}

impl Relation {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            Relation::DuplicateOf => "duplicate-of",
            Relation::MergedInto => "merged-into",
            Relation::SplitFrom => "split-from",
        }
    }
}

/// `contribution.link`: the organiser's team links two contributions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkContribution {
    /// The contribution.
    pub contribution: RecordId,
    /// How it relates to the target.
    pub relation: Relation,
    /// The other contribution.
    pub target: RecordId,
}

/// Why a contribution is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportReason {
    /// Spam.
    Spam,
    /// Offensive.
    Offensive,
    /// Off topic.
    OffTopic,
    /// It discloses personal data.
    PersonalData,
    /// Something else (said in the details).
    Other,
}

impl ReportReason {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Offensive => "offensive",
            ReportReason::OffTopic => "off-topic",
            ReportReason::PersonalData => "personal-data",
            ReportReason::Other => "other",
        }
    }
}

/// `moderation.report`: a participant reports a contribution (once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportContribution {
    /// The contribution.
    pub contribution: RecordId,
    /// Why.
    pub reason: ReportReason,
    /// In their words (may be empty).
    pub details: String,
    /// The invitation code, where the phase asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<Invited>,
}

/// `moderation.hide` and `moderation.restore`: a moderator hides a
/// contribution (or confirms one hidden by reports) or restores it, with
/// the reason and the clause of the contract applied. Nothing is erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moderate {
    /// The contribution.
    pub contribution: RecordId,
    /// Why.
    pub reason: String,
    /// The clause of the contract applied (a commitment's id or an
    /// article's).
    pub clause: String,
}

/// What the answer says became of a contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerState {
    /// Taken into the text.
    Retained,
    /// Partly taken into the text.
    PartiallyRetained,
    /// Not taken.
    NotRetained,
    /// Outside what the participation may change.
    OutOfScope,
    /// Already in the text, or answered by another contribution.
    AlreadyCovered,
    /// Kept for later.
    Deferred,
}

impl AnswerState {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            AnswerState::Retained => "retained",
            AnswerState::PartiallyRetained => "partially-retained",
            AnswerState::NotRetained => "not-retained",
            AnswerState::OutOfScope => "out-of-scope",
            AnswerState::AlreadyCovered => "already-covered",
            AnswerState::Deferred => "deferred",
        }
    }

    /// Every state, in this order.
    pub const ALL: [AnswerState; 6] = [
        AnswerState::Retained,
        AnswerState::PartiallyRetained,
        AnswerState::NotRetained,
        AnswerState::OutOfScope,
        AnswerState::AlreadyCovered,
        AnswerState::Deferred,
    ];

    /// Whether the text took it, in whole or in part.
    pub fn retained(self) -> bool {
        matches!(self, AnswerState::Retained | AnswerState::PartiallyRetained)
    }
}

/// Where an answer says a contribution landed in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Landing {
    /// The section's id.
    pub section: String,
    /// The changes of the text that carry it (the synthesis credits what
    /// they wrote to the contribution's author).
    pub changes: Heads,
}

/// `answer.publish`: the answering body's argued answer to a contribution,
/// or a revision of it (the earlier answer stays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishAnswer {
    /// The contribution.
    pub contribution: RecordId,
    /// What became of it.
    pub state: AnswerState,
    /// Why: required, whatever the state.
    pub argument: String,
    /// Where it landed in the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub landed_in: Vec<Landing>,
    /// The answer it revises (the latest one), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revises: Option<RecordId>,
}

/// `synthesis.publish`: the organiser publishes the synthesis of a
/// participation computed at a version of the text; `nous verify`
/// recomputes it from the bundle and checks its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynthesisPublish {
    /// The participation.
    pub participation: RecordId,
    /// The final text the figures measure.
    pub text: Version,
    /// The method's version ([`SYNTHESIS_METHOD`]).
    pub method: String,
    /// SHA-256 (hex) of the report's canonical JSON.
    pub hash: String,
    /// Its headline figures (`contributions`, `citizen_permille`, …), as
    /// the report computed them.
    pub figures: std::collections::BTreeMap<String, u64>,
}
