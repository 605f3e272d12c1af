//! The payload of each kind of record: a JSON object, written compactly with
//! its fields in the order declared here (so the same act always encodes to
//! the same bytes), read strictly (unknown fields are refused).
//!
//! Ids of records and public keys are lowercase hex strings, document ids are
//! base58check (as automerge-repo writes them), change hashes lowercase hex,
//! times milliseconds since the Unix epoch.

use std::collections::BTreeSet;
use std::fmt;

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

pub use super::participation::*;
use super::{RecordError, RecordId};
use crate::identity::PublicKey;
use crate::ids::DocId;

macro_rules! kinds {
    ($($variant:ident($ty:ty) = $name:literal,)*) => {
        /// The kind of a record: which act it is.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        /// What a record says, by kind.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Payload {
            $(#[doc = concat!("`", $name, "`")] $variant($ty),)*
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The name written in the record (and in its signature domain).
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }

            /// The kind with this name.
            pub fn from_name(name: &str) -> Option<Kind> {
                match name { $($name => Some(Kind::$variant),)* _ => None }
            }
        }

        impl Payload {
            /// The kind of this act.
            pub fn kind(&self) -> Kind {
                match self { $(Payload::$variant(_) => Kind::$variant,)* }
            }

            /// The canonical JSON bytes.
            pub fn to_json(&self) -> Vec<u8> {
                let bytes = match self { $(Payload::$variant(p) => serde_json::to_vec(p),)* };
                // Serialising these plain structs cannot fail.
                bytes.unwrap_or_default()
            }

            /// Parse the payload of a record of this kind.
            pub fn from_json(kind: Kind, bytes: &[u8]) -> Result<Payload, RecordError> {
                let fail = |e: serde_json::Error| RecordError::Payload {
                    kind: kind.name(),
                    detail: e.to_string(),
                };
                Ok(match kind { $(Kind::$variant => Payload::$variant(serde_json::from_slice(bytes).map_err(fail)?),)* })
            }
        }
    };
}

kinds! {
    Genesis(Genesis) = "community.genesis",
    Apply(Apply) = "member.apply",
    SignCharter(SignCharter) = "member.sign-charter",
    Leave(Leave) = "member.leave",
    Sanction(Sanction) = "member.sanction",
    Exclude(Exclude) = "member.exclude",
    CertifyDevice(CertifyDevice) = "device.certify",
    RevokeDevice(RevokeDevice) = "device.revoke",
    Challenge(Challenge) = "challenge",
    Propose(Propose) = "amendment.propose",
    Submit(Submit) = "amendment.submit",
    Round(Round) = "amendment.round",
    Withdraw(Withdraw) = "amendment.withdraw",
    React(React) = "react",
    TestObjection(TestObjection) = "objection.test",
    Decide(Decide) = "decide",
    Ratify(Ratify) = "ratify",
    ChangeRule(ChangeRule) = "rules.propose",
    Tension(Tension) = "tension.open",
    TensionUpdate(TensionUpdate) = "tension.update",
    Attest(Attest) = "content.attest",
    DocumentShare(DocumentShare) = "document.share",
    Invite(Invite) = "invitation.issue",
    RevokeInvitation(RevokeInvitation) = "invitation.revoke",
    ChallengeClose(ChallengeClose) = "challenge.close",
    OpenParticipation(OpenParticipation) = "participation.open",
    ReviseContract(ReviseContract) = "participation.contract",
    OpenPhase(OpenPhase) = "participation.phase",
    SettleCommitment(SettleCommitment) = "participation.commitment",
    CloseParticipation(CloseParticipation) = "participation.close",
    SubmitContribution(SubmitContribution) = "contribution.submit",
    AmendContribution(AmendContribution) = "contribution.amend",
    WithdrawContribution(WithdrawContribution) = "contribution.withdraw",
    SupportContribution(SupportContribution) = "contribution.support",
    LinkContribution(LinkContribution) = "contribution.link",
    ReportContribution(ReportContribution) = "moderation.report",
    Hide(Moderate) = "moderation.hide",
    Restore(Moderate) = "moderation.restore",
    PublishAnswer(PublishAnswer) = "answer.publish",
    SynthesisPublish(SynthesisPublish) = "synthesis.publish",
}

impl Kind {
    /// The id of its words in the catalogues (`errors.ftl`):
    /// `kind-member-apply`.
    pub fn message_id(self) -> String {
        format!("kind-{}", self.name().replace('.', "-"))
    }

    /// The kind in words for people, in `lang`: `candidature` for
    /// `member.apply` in French; in English, its name as written. JSON
    /// keeps [`Kind::name`].
    pub fn said(self, lang: crate::i18n::Lang) -> String {
        lang.tr(&self.message_id(), &[])
    }

    /// The grammatical gender of [`Kind::said`] in `lang`, for the messages
    /// whose words agree with it: `feminine` or `masculine` in French
    /// (`neuter` in English). The catalogue's `kind-gender`.
    pub fn gender(self, lang: crate::i18n::Lang) -> String {
        let key = self.name().replace('.', "-");
        lang.tr("kind-gender", &[("kind", key.into())])
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of change hashes naming a point in a document's history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heads(pub Vec<ChangeHash>);

impl Heads {
    /// Sorted and deduplicated, as records carry them.
    pub fn new(mut hashes: Vec<ChangeHash>) -> Self {
        hashes.sort_unstable();
        hashes.dedup();
        Heads(hashes)
    }
}

impl Serialize for Heads {
    /// Always sorted and deduplicated: the canonical form.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        sorted.dedup();
        serializer.collect_seq(sorted.iter().map(|h| hex::encode(h.as_ref())))
    }
}

impl<'de> Deserialize<'de> for Heads {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let texts = Vec::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let mut hashes = Vec::with_capacity(texts.len());
        for text in texts {
            let hash = super::hex32(&text).map(ChangeHash).ok_or_else(|| {
                serde::de::Error::custom(format!("`{text}` is not a change hash"))
            })?;
            hashes.push(hash);
        }
        Ok(Heads(hashes))
    }
}

/// A version of a document: its id and heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// The document.
    pub doc: DocId,
    /// Its heads at this version.
    pub heads: Heads,
}

/// A stakeholder category, e.g. a cooperative's learners or staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct College {
    /// Short stable id, e.g. `staff`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Weight of each member's vote in a weighted vote.
    pub weight: u32,
}

/// A founding member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Founder {
    /// The member's first device key, which is their member id.
    pub member: PublicKey,
    /// Display name.
    pub name: String,
    /// Their college.
    pub college: String,
}

/// How a decision is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Adopted when no valid objection is open (and no block, where allowed).
    Consent,
    /// Everyone who takes part consents or stands aside.
    Consensus,
    /// More yes than no.
    Majority,
    /// Yes reaches `threshold` percent of yes + no.
    Qualified,
    /// Every member of the electorate says yes.
    Unanimity,
    /// Yes reaches `threshold` percent of the college-weighted votes cast.
    Weighted,
    /// Silence consents: adopted after the deadline unless someone objects.
    Lazy,
    /// The proposer decides, after asking advice.
    Advice,
}

/// A decision rule: data in the community, chosen per kind of act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// How the decision is taken.
    pub method: Method,
    /// Percent of the electorate that must take part (0 = no quorum).
    pub quorum: u8,
    /// Percent of yes needed, for qualified and weighted votes.
    pub threshold: u8,
    /// Colleges that decide; empty means every member.
    pub electorate: Vec<String>,
    /// Days that must pass between the proposal and the decision.
    pub min_days: u32,
    /// Members who must sign a ratification (amendments) — at least 1.
    pub signers: u8,
    /// Whether a `block` reaction stops the decision.
    pub block: bool,
}

impl Rule {
    /// A rule with this method and neutral settings.
    pub fn new(method: Method) -> Self {
        Rule {
            method,
            quorum: 0,
            threshold: 50,
            electorate: Vec::new(),
            min_days: 0,
            signers: 1,
            block: false,
        }
    }
}

/// The kinds of act a rule governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Act {
    /// Adopting an amendment to the charter.
    Amend,
    /// Admitting an applicant.
    Admit,
    /// Excluding a member.
    Exclude,
    /// Changing a decision rule.
    Rules,
}

/// The decision rules of a community, one per act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Adopting an amendment.
    pub amend: Rule,
    /// Admitting an applicant.
    pub admit: Rule,
    /// Excluding a member.
    pub exclude: Rule,
    /// Changing a rule (judged also under the old and new rule).
    pub rules: Rule,
}

impl Rules {
    /// The same rule for every act.
    pub fn all(rule: Rule) -> Rules {
        Rules {
            amend: rule.clone(),
            admit: rule.clone(),
            exclude: rule.clone(),
            rules: rule,
        }
    }

    /// The rule for an act.
    pub fn get(&self, act: Act) -> &Rule {
        match act {
            Act::Amend => &self.amend,
            Act::Admit => &self.admit,
            Act::Exclude => &self.exclude,
            Act::Rules => &self.rules,
        }
    }

    /// Replace the rule for an act.
    pub fn set(&mut self, act: Act, rule: Rule) {
        match act {
            Act::Amend => self.amend = rule,
            Act::Admit => self.admit = rule,
            Act::Exclude => self.exclude = rule,
            Act::Rules => self.rules = rule,
        }
    }
}

/// `community.genesis`: founds a community. Its id is the community id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// Name of the community.
    pub name: String,
    /// The charter and its founding version, in force from the start.
    pub charter: Version,
    /// Stakeholder categories.
    pub colleges: Vec<College>,
    /// Founding members.
    pub founders: Vec<Founder>,
    /// Decision rules.
    pub rules: Rules,
    /// Members who test objections and issue sanctions below exclusion.
    /// Empty: any member other than the one concerned.
    pub facilitators: Vec<PublicKey>,
}

/// `member.apply`: a device asks to join a college.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Apply {
    /// Display name.
    pub name: String,
    /// The college asked for.
    pub college: String,
    /// Why they apply.
    pub motivation: String,
    /// The invitation they apply with, if any (absent in applications
    /// brought by hand, and in every application written before
    /// invitations existed: the field is left out when empty, so their
    /// bytes are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<Invited>,
}

/// An application's invitation: the `invitation.issue` record, and the
/// proof that the applicant holds the invitation's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invited {
    /// The `invitation.issue` record.
    pub id: RecordId,
    /// The invitation key's signature over
    /// [`crate::record::invitation_proof_message`] (hex, 64 bytes).
    pub proof: String,
}

/// `invitation.issue`: a member invites whoever holds the invitation's
/// secret to apply. The secret travels in the invitation text (never in a
/// record); the record carries its public key, so anyone can check an
/// application's proof offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    /// The invitation's public key.
    pub key: PublicKey,
    /// The college the invited applicant joins; none: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub college: Option<String>,
    /// When it expires (ms since the Unix epoch): an application signed at
    /// or after this time is refused.
    pub expires: u64,
    /// How many applications it admits; none: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<u32>,
}

/// `invitation.revoke`: a member withdraws an invitation; applications
/// signed after it are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeInvitation {
    /// The `invitation.issue` record.
    pub invitation: RecordId,
}

/// `member.sign-charter`: an admitted applicant signs the charter in force,
/// which completes their admission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignCharter {
    /// Their application.
    pub application: RecordId,
    /// [`crate::governance::version_hash`] of the version in force.
    pub version: String,
}

/// `member.leave`: a member leaves, effective at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leave {
    /// Optional words of goodbye.
    pub reason: String,
}

/// A step of the sanction ladder below exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SanctionLevel {
    /// A private correction.
    Correction,
    /// A warning.
    Warning,
    /// A temporary suspension (no reactions, votes or signatures until it ends).
    Suspension,
}

/// `member.sanction`: a step of the ladder, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanction {
    /// The member.
    pub member: PublicKey,
    /// Which step.
    pub level: SanctionLevel,
    /// Why.
    pub reasons: String,
    /// End of a suspension (ms); 0 for other steps.
    pub until: u64,
}

/// `member.exclude`: a proposal to exclude a member, decided by the rule for
/// exclusion no earlier than the hearing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclude {
    /// The member.
    pub member: PublicKey,
    /// Why.
    pub reasons: String,
    /// When the member is notified (ms).
    pub notice_at: u64,
    /// When they are heard (ms); the decision comes after it.
    pub hearing_at: u64,
}

/// `device.certify`: a member adds a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertifyDevice {
    /// The new device's key.
    pub device: PublicKey,
    /// A label, e.g. "laptop".
    pub label: String,
}

/// `device.revoke`: a member (or the device itself) revokes a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeDevice {
    /// The device.
    pub device: PublicKey,
    /// Why.
    pub reason: String,
}

/// `challenge`: a member challenges ("interpelle") a section of the charter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The section's id.
    pub section: String,
    /// The tension felt.
    pub tension: String,
    /// A concrete example of it.
    pub example: String,
    /// The tension this escalates, if any.
    pub tension_record: Option<RecordId>,
    /// The rejected amendment this promotes, if any.
    pub promoted_from: Option<RecordId>,
}

/// How a challenge was closed without an amendment ratified for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChallengeOutcome {
    /// Its author withdrew it.
    Withdrawn,
    /// Declined (by a facilitator, or, in a community without one, by a
    /// member other than its author), with a reason.
    Declined,
}

impl ChallengeOutcome {
    /// Its name in payloads and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ChallengeOutcome::Withdrawn => "withdrawn",
            ChallengeOutcome::Declined => "declined",
        }
    }
}

impl fmt::Display for ChallengeOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `challenge.close`: a challenge is closed — withdrawn by its author, or
/// declined with a reason. A challenge answered by a ratified amendment is
/// closed without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeClose {
    /// The challenge.
    pub challenge: RecordId,
    /// Withdrawn or declined.
    pub outcome: ChallengeOutcome,
    /// Why (required when declined).
    pub reason: String,
}

/// `amendment.propose`: answers a challenge with a draft document forked from
/// the charter in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Propose {
    /// The challenge it answers.
    pub challenge: RecordId,
    /// A short title.
    pub title: String,
    /// Why this wording.
    pub rationale: String,
    /// The draft document (shares the charter's history up to `base`).
    pub draft: DocId,
    /// The version in force it forks from.
    pub base: Heads,
    /// Co-authors invited to write the draft.
    pub coauthors: Vec<PublicKey>,
}

/// `amendment.submit`: puts a wording of the draft to the community (first
/// submission) or integrates objections (later ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submit {
    /// The amendment.
    pub amendment: RecordId,
    /// Heads of the draft: the wording put forward.
    pub heads: Heads,
    /// What changed and why.
    pub note: String,
    /// Ids of the charter sections this wording changes (checked against
    /// the documents by `nous verify`).
    pub sections: Vec<String>,
    /// Objections this wording integrates.
    pub integrates: Vec<RecordId>,
    /// The proposer confirms the wording still addresses the tension.
    pub tension_addressed: bool,
}

/// `amendment.round`: the proposer opens the objection round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    /// The amendment.
    pub amendment: RecordId,
}

/// `amendment.withdraw`: the proposer withdraws before adoption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    /// The amendment.
    pub amendment: RecordId,
    /// Why.
    pub reason: String,
}

/// A reaction to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Stance {
    /// A clarifying question (anyone, even an applicant).
    Question,
    /// Consent: no objection.
    Consent,
    /// A concern that does not block.
    Concern,
    /// An objection, with the validity criteria it claims.
    Objection,
    /// Takes no part.
    Abstain,
    /// Steps aside: does not support but lets it pass.
    StandAside,
    /// A block, where the rule allows it.
    Block,
    /// A vote for.
    Yes,
    /// A vote against.
    No,
    /// The objector confirms their objection is resolved.
    Resolved,
}

/// The validity criteria of an objection (Holacracy §3.2.4): (a) it reduces
/// capacity, (b) the harm is created by the proposal, (c) it is immediate or
/// irreversible, (d) it limits one of the objector's roles; or (e) the proposal
/// breaks the charter.
pub const CRITERIA: [char; 5] = ['a', 'b', 'c', 'd', 'e'];

/// `react`: a reaction to a proposal (an amendment, an application, an
/// exclusion, a rule change). A later reaction by the same member to the same
/// proposal revises the earlier one; every revision is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// The proposal.
    pub subject: RecordId,
    /// For an amendment: the submission reacted to.
    pub submission: Option<RecordId>,
    /// The reaction.
    pub stance: Stance,
    /// For an objection: the criteria it claims to meet (`a`…`e`).
    pub criteria: BTreeSet<char>,
    /// The argument or question.
    pub argument: String,
    /// For `resolved`: the objection confirmed resolved.
    pub objection: Option<RecordId>,
}

/// `objection.test`: a facilitator records which criteria an objection passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestObjection {
    /// The objection (a `react` record).
    pub objection: RecordId,
    /// The criteria it passes.
    pub passed: BTreeSet<char>,
    /// The reasoning.
    pub note: String,
}

impl TestObjection {
    /// Valid when it passes (a) to (d), or (e).
    pub fn valid(&self) -> bool {
        ['a', 'b', 'c', 'd'].iter().all(|c| self.passed.contains(c)) || self.passed.contains(&'e')
    }
}

/// The outcome a decision records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The proposal passes (an applicant is admitted, a member excluded…).
    Adopted,
    /// The proposal fails (an application is declined…).
    Rejected,
}

/// `decide`: closes a proposal with its outcome, which every verifier checks
/// against the rule in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// The proposal.
    pub subject: RecordId,
    /// Adopted or rejected.
    pub outcome: Outcome,
    /// The reason (required to decline an application).
    pub reason: String,
}

/// `ratify`: a signer ratifies an adopted amendment as a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratify {
    /// The amendment.
    pub amendment: RecordId,
    /// The new version: the version in force merged with the adopted wording.
    pub heads: Heads,
}

/// `rules.propose`: a proposal to change the rule for an act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRule {
    /// Which act.
    pub act: Act,
    /// The new rule.
    pub rule: Rule,
    /// Why.
    pub rationale: String,
}

/// The path a tension takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TensionPath {
    /// A simple request to someone.
    Request,
    /// Mediation between people.
    Mediation,
    /// A governance question.
    Governance,
    /// A conduct problem.
    Conduct,
}

/// Where a tension stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum TensionStatus {
    /// Raised, not yet taken up.
    Open,
    /// Being worked on.
    InProcess,
    /// Settled.
    Resolved,
    /// Not settled on its path: escalated (and possibly made a challenge).
    Escalated,
}

/// `tension.open`: a member raises a tension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tension {
    /// Its path.
    pub path: TensionPath,
    /// What it is about.
    pub summary: String,
    /// The section concerned, if any.
    pub section: Option<String>,
}

/// `tension.update`: a tension moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensionUpdate {
    /// The tension.
    pub tension: RecordId,
    /// Its new status.
    pub status: TensionStatus,
    /// What happened.
    pub note: String,
}

/// `content.attest`: a device signs the changes it made to a document in one
/// commit. Every content change must be covered by an attestation of the
/// device whose actor id it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attest {
    /// The document.
    pub doc: DocId,
    /// The changes (sorted).
    pub changes: Heads,
}

/// Who may read a document shared with a community. Members always write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Members read and write; nobody else reads.
    Members,
    /// Anyone reads; members write.
    Public,
}

impl Access {
    /// Its name in payloads and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Access::Members => "members",
            Access::Public => "public",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `document.share`: a member attaches a document to the community (minutes,
/// open data…), or changes who may read one already attached. The latest
/// share of a document, in canonical order, holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentShare {
    /// The document.
    pub doc: DocId,
    /// Its title, as the community calls it.
    pub title: String,
    /// Who may read it.
    pub access: Access,
}
