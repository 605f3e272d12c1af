//! Governance: a pure function from the signed records of a community to its
//! resolved state — who belongs, which rules hold, where each challenge,
//! amendment, application, exclusion and tension stands, and which versions
//! of the charter were ratified.
//!
//! Records form a DAG. [`resolve`] places them in one canonical order
//! (parents first; among concurrent records, removals first, then by id),
//! then folds them one by one. Every record is judged against the state at
//! its place: whether its author may make it, whether the proposal it
//! answers is still open, whether a decision meets the rule in force.
//! Authority is causal: a device acts only if the record that let it in
//! (genesis, charter signature, device certificate) is among its ancestors,
//! and no removal of it (leave, exclusion, revocation) is — a record that is
//! concurrent with its author's removal is rejected too. Outcomes such as
//! "inadmissible" or "rejected" are values with reasons, never errors.
//!
//! The design, and what a dishonest clock can and cannot do, is written down
//! in `docs/governance.md`.

mod apply;
mod dag;
pub mod participation;
mod reason;
mod seq;
mod tally;
mod todo;

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::identity::PublicKey;
use crate::ids::DocId;
use crate::record::{
    self, Access, College, CommunityId, Kind, Outcome, Record, RecordId, Rules, SanctionLevel,
    Stance, TensionPath, TensionStatus,
};

pub use apply::phase_name;
pub(crate) use reason::reason;
pub use reason::{Code, Reason, ReasonArg};

/// The reason a record whose signature fails is rejected with (in English;
/// its code is [`Code::SignatureFails`]): not an act judged under the rules
/// but a forged or damaged record (`nous verify` counts it against the
/// history's integrity).
pub const SIGNATURE_FAILS: &str = "signature does not verify";
pub use tally::{Tally, method_name};
pub use todo::{Todo, TodoKind, todo, todo_of_device};

/// Milliseconds in a day, for rule deadlines.
pub use crate::time::DAY_MS;

/// The hash of a version of a document, which a newcomer signs: SHA-256 of
/// `"nous/version/v1\0"`, the 16 document id bytes and the sorted heads.
pub fn version_hash(doc: &DocId, heads: &[ChangeHash]) -> String {
    let mut sorted = heads.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut hasher = Sha256::new();
    hasher.update(b"nous/version/v1\0");
    hasher.update(doc.as_bytes());
    for head in &sorted {
        hasher.update(head.as_ref());
    }
    hex::encode(hasher.finalize())
}

/// Where a member stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberStatus {
    /// A full member.
    Active,
    /// Suspended until the given time (ms).
    Suspended {
        /// End of the suspension.
        until: u64,
    },
    /// Left of their own accord.
    Left,
    /// Excluded by decision.
    Excluded,
}

/// A member of the community.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Member id: the key of their first device.
    pub id: PublicKey,
    /// Display name.
    pub name: String,
    /// Their college.
    pub college: String,
    /// Where they stand.
    pub status: MemberStatus,
    /// The record that made them a member (genesis or charter signature);
    /// the latest one if they joined again.
    pub joined: RecordId,
    /// The application that led to the latest joining (none for founders).
    pub application: Option<RecordId>,
    /// Their latest departure, if they ever left: the `member.leave` record,
    /// its time (ms) and the reason given. It is history, kept if they join
    /// again (`joined` is then the later charter signature).
    pub left: Option<(RecordId, u64, String)>,
    /// Their devices, including revoked ones.
    pub devices: Vec<PublicKey>,
    /// Sanctions and exclusion decisions about them, in order.
    pub sanctions: Vec<SanctionEntry>,
}

/// A step of the sanction ladder that was applied.
#[derive(Debug, Clone, Serialize)]
pub struct SanctionEntry {
    /// The record.
    pub record: RecordId,
    /// `correction`, `warning`, `suspension` or `exclusion`.
    pub level: String,
    /// The reasons given.
    pub reasons: String,
    /// The member who issued it (for an exclusion, who recorded the
    /// decision).
    pub by: PublicKey,
    /// When (ms): the sanction's time, or the exclusion decision's.
    pub at: u64,
    /// When a suspension ends (ms); 0 for the other levels.
    pub until: u64,
}

/// A device known to the community.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// The member it belongs to.
    pub member: PublicKey,
    /// A label.
    pub label: String,
    /// The record that let it in: the genesis for a founder's device, the
    /// charter signature for a member's first device, the `device.certify`
    /// record otherwise.
    pub certified_by: RecordId,
    /// When it was let in (ms).
    pub certified_at: u64,
    /// The revocation, if revoked.
    pub revoked: Option<RecordId>,
}

/// Where an application stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ApplicationState {
    /// Waiting for the decision.
    Pending,
    /// Admitted; waiting for the newcomer to sign the charter in force.
    Admitted,
    /// The newcomer signed: a member.
    Joined,
    /// Declined, with the reason.
    Declined {
        /// Why.
        reason: String,
    },
}

/// An application to join.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    /// The `member.apply` record.
    pub record: RecordId,
    /// The applicant's device (their member id once admitted).
    pub applicant: PublicKey,
    /// Display name.
    pub name: String,
    /// The college asked for.
    pub college: String,
    /// Why.
    pub motivation: String,
    /// Where it stands.
    pub state: ApplicationState,
    /// When it was made (ms).
    pub at: u64,
}

/// An invitation to apply and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationState {
    /// The `invitation.issue` record.
    pub record: RecordId,
    /// The member who issued it.
    pub by: PublicKey,
    /// Its public key (the secret is the invitation text's).
    pub key: PublicKey,
    /// The college it invites to; none: any.
    pub college: Option<String>,
    /// When it expires (ms).
    pub expires: u64,
    /// How many applications it admits; none: no limit.
    pub uses: Option<u32>,
    /// The applications made with it, in canonical order.
    pub used: Vec<RecordId>,
    /// The `invitation.revoke` record, if revoked, and when (ms).
    pub revoked: Option<(RecordId, u64)>,
    /// When it was issued (ms).
    pub at: u64,
}

impl InvitationState {
    /// Whether it still admits an application signed at `now` (ms): not
    /// revoked by then, not expired, uses left.
    pub fn open_at(&self, now: u64) -> bool {
        now < self.expires
            && self.revoked.is_none_or(|(_, at)| at > now)
            && self.uses.is_none_or(|uses| self.used.len() < uses as usize)
    }
}

/// Whether a challenge can be answered. JSON: `{"state": "admissible"}`,
/// or `{"state": "inadmissible", "reason": …, "code": …, "args": …}` (the
/// reason in English, then its code and arguments: [`Reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admissibility {
    /// Admissible.
    Admissible,
    /// Inadmissible, and why.
    Inadmissible {
        /// Why.
        reason: Reason,
    },
}

impl Serialize for Admissibility {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        match self {
            Admissibility::Admissible => map.serialize_entry("state", "admissible")?,
            Admissibility::Inadmissible { reason } => {
                map.serialize_entry("state", "inadmissible")?;
                reason.serialize_into(&mut map)?;
            }
        }
        map.end()
    }
}

/// A challenge of a section.
#[derive(Debug, Clone, Serialize)]
pub struct ChallengeState {
    /// The `challenge` record.
    pub record: RecordId,
    /// Who challenged.
    pub author: PublicKey,
    /// The section.
    pub section: String,
    /// The tension.
    pub tension: String,
    /// The example.
    pub example: String,
    /// Admissible or not.
    pub admissibility: Admissibility,
    /// Amendments answering it.
    pub amendments: Vec<RecordId>,
    /// The tension it escalates, if any.
    pub from_tension: Option<RecordId>,
    /// The rejected amendment it promotes, if any.
    pub promoted_from: Option<RecordId>,
    /// When (ms).
    pub at: u64,
    /// How it was closed (`challenge.close`), if it was.
    pub closed: Option<ChallengeClosed>,
}

/// A challenge closed by a `challenge.close` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChallengeClosed {
    /// The `challenge.close` record.
    pub record: RecordId,
    /// The member who closed it.
    pub by: PublicKey,
    /// Withdrawn or declined.
    pub outcome: crate::record::ChallengeOutcome,
    /// Why.
    pub reason: String,
    /// When (ms).
    pub at: u64,
}

/// The lifecycle of an amendment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Being written; not yet submitted.
    Draft,
    /// Submitted; open for questions and reactions.
    Proposed,
    /// Reactions are coming in.
    Reactions,
    /// The proposer opened the objection round; no objection is open.
    ObjectionRound,
    /// Objections are open and being integrated.
    Integrating,
    /// Another ratified amendment changed the same sections meanwhile:
    /// consents are void until the proposer submits again.
    Stale,
    /// The decision adopted it; waiting for ratification.
    Adopted,
    /// Ratified: part of the charter in force.
    Merged,
    /// Withdrawn by its proposer.
    Withdrawn,
    /// Rejected by decision.
    Rejected,
}

/// A submitted wording of an amendment.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    /// The `amendment.submit` record.
    pub record: RecordId,
    /// The member who submitted it (the proposer or a co-author).
    pub by: PublicKey,
    /// Heads of the draft.
    pub heads: Vec<String>,
    /// Sections it changes.
    pub sections: Vec<String>,
    /// Note.
    pub note: String,
    /// Objections it integrates.
    pub integrates: Vec<RecordId>,
    /// The number of the version in force when it was submitted: `sections`
    /// are what it changes relative to that version.
    pub version: usize,
    /// When (ms).
    pub at: u64,
}

/// A reaction, as counted.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionEntry {
    /// The `react` record.
    pub record: RecordId,
    /// The member.
    pub member: PublicKey,
    /// The stance.
    pub stance: Stance,
    /// The submission it answers (amendments).
    pub submission: Option<RecordId>,
    /// Criteria claimed (objections).
    pub criteria: BTreeSet<char>,
    /// Argument.
    pub argument: String,
    /// The objection confirmed resolved (for `resolved`).
    pub objection: Option<RecordId>,
    /// When (ms).
    pub at: u64,
}

/// An objection and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectionState {
    /// The `react` record raising it.
    pub record: RecordId,
    /// The objector.
    pub member: PublicKey,
    /// Criteria claimed.
    pub criteria: BTreeSet<char>,
    /// The argument.
    pub argument: String,
    /// The test, if recorded: the test record, criteria passed, valid.
    pub test: Option<ObjectionTestEntry>,
    /// The proposer integrated it (submission record).
    pub integrated_by: Option<RecordId>,
    /// The objector confirmed it resolved (reaction record).
    pub confirmed_by: Option<RecordId>,
    /// The objector withdrew it by consenting, standing aside or abstaining
    /// later (reaction record).
    pub withdrawn_by: Option<RecordId>,
    /// Every test, integration, confirmation and withdrawal that holds:
    /// the fields above are what they say to a given causal past
    /// ([`ObjectionState::settle`]).
    #[serde(skip)]
    pub acts: ObjectionActs,
}

/// What became of an objection, every record of it (some may be
/// concurrent with each other).
#[derive(Debug, Clone, Default)]
pub struct ObjectionActs {
    /// Tests.
    pub tests: Vec<ObjectionTestEntry>,
    /// Submissions integrating it.
    pub integrations: Vec<RecordId>,
    /// The objector's confirmations that it is resolved.
    pub confirmations: Vec<RecordId>,
    /// The objector's later consents, yes votes, stand-asides, abstentions.
    pub withdrawals: Vec<RecordId>,
}

impl ObjectionState {
    /// Set the test, integration, confirmation and withdrawal to what the
    /// records `seen` say, whatever order they were replayed in: the latest
    /// test and integration (of concurrent ones, the younger), the first
    /// confirmation and withdrawal (of concurrent ones, the older).
    pub(crate) fn settle(&mut self, dag: &dag::Dag, seen: impl Fn(&RecordId) -> bool) {
        let key = |id: &RecordId| dag.causal_key_of(id);
        let acts = &self.acts;
        self.test = acts
            .tests
            .iter()
            .filter(|t| seen(&t.record))
            .max_by_key(|t| key(&t.record))
            .cloned();
        self.integrated_by = acts
            .integrations
            .iter()
            .filter(|r| seen(r))
            .max_by_key(|r| key(r))
            .copied();
        self.confirmed_by = acts
            .confirmations
            .iter()
            .filter(|r| seen(r))
            .min_by_key(|r| key(r))
            .copied();
        self.withdrawn_by = acts
            .withdrawals
            .iter()
            .filter(|r| seen(r))
            .min_by_key(|r| key(r))
            .copied();
    }

    /// Still blocks consent: not found invalid, and not both integrated and
    /// confirmed.
    pub fn is_open(&self) -> bool {
        let invalid = self.test.as_ref().is_some_and(|t| !t.valid);
        let resolved = self.integrated_by.is_some() && self.confirmed_by.is_some();
        !invalid && !resolved && self.withdrawn_by.is_none()
    }
}

/// A recorded objection test.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectionTestEntry {
    /// The `objection.test` record.
    pub record: RecordId,
    /// Who tested.
    pub by: PublicKey,
    /// Criteria passed.
    pub passed: BTreeSet<char>,
    /// Valid or not.
    pub valid: bool,
    /// Reasoning.
    pub note: String,
    /// When (ms).
    pub at: u64,
}

/// A decision as recorded and checked.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionEntry {
    /// The `decide` record.
    pub record: RecordId,
    /// Who recorded it.
    pub by: PublicKey,
    /// Outcome.
    pub outcome: Outcome,
    /// Reason.
    pub reason: String,
    /// The count under the rule.
    pub tally: Tally,
    /// When (ms).
    pub at: u64,
}

/// An amendment.
#[derive(Debug, Clone, Serialize)]
pub struct AmendmentState {
    /// The `amendment.propose` record.
    pub record: RecordId,
    /// The proposer (member id).
    pub proposer: PublicKey,
    /// Co-authors (member ids).
    pub coauthors: Vec<PublicKey>,
    /// Title.
    pub title: String,
    /// Rationale.
    pub rationale: String,
    /// The challenge answered.
    pub challenge: RecordId,
    /// The draft document.
    pub draft: DocId,
    /// The version it forked from.
    pub base: Vec<String>,
    /// Where it stands.
    pub phase: Phase,
    /// Submissions, in order; the last is the wording under decision.
    pub submissions: Vec<Submission>,
    /// Every reaction, revisions included, in order.
    pub reactions: Vec<ReactionEntry>,
    /// Objections raised.
    pub objections: Vec<ObjectionState>,
    /// Whether the objection round was opened for the current submission.
    pub round_open: bool,
    /// The `amendment.round` record that opened the objection round (of
    /// rounds opened concurrently from the proposer's devices, the older).
    pub round: Option<RecordId>,
    /// Every `amendment.round` record that holds: a later act is in the
    /// objection round only if its author saw one of them.
    #[serde(skip)]
    pub rounds: Vec<RecordId>,
    /// The decision.
    pub decision: Option<DecisionEntry>,
    /// Ratification records that hold, oldest first.
    pub ratifications: Vec<RecordId>,
    /// Those that count toward ratifying it on the version in force: made
    /// by members who had seen that version (a version ratified meanwhile
    /// starts the signatures again). Empty once merged.
    pub signatures_in_force: Vec<RecordId>,
    /// The version this became, if ratified (index into `State::versions`).
    pub version: Option<usize>,
    /// Ratified versions that changed other sections after it was
    /// submitted: it was rebased onto them.
    pub rebased_onto: Vec<usize>,
    /// The ratified version that made it stale, if it is stale.
    pub stale_because: Option<usize>,
    /// Why it was withdrawn.
    pub withdrawn: Option<String>,
    /// The `amendment.withdraw` record, if withdrawn.
    pub withdrawn_by: Option<RecordId>,
    /// When (ms).
    pub at: u64,
}

/// What a generic proposal (application, exclusion, rule change) is about.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ProposalKind {
    /// Admit an applicant.
    Admission {
        /// The applicant's device.
        applicant: PublicKey,
    },
    /// Exclude a member.
    Exclusion {
        /// The member.
        member: PublicKey,
        /// Reasons.
        reasons: String,
        /// Notice date (ms).
        notice_at: u64,
        /// Hearing date (ms).
        hearing_at: u64,
    },
    /// Change a rule.
    RuleChange {
        /// Which act.
        act: record::Act,
        /// The new rule.
        rule: record::Rule,
        /// Why.
        rationale: String,
    },
}

/// A proposal decided by a rule other than amendments: an application, an
/// exclusion, a rule change.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalState {
    /// The record that opened it.
    pub record: RecordId,
    /// Who opened it.
    pub by: PublicKey,
    /// What it is.
    pub kind: ProposalKind,
    /// Reactions, revisions included.
    pub reactions: Vec<ReactionEntry>,
    /// Objections.
    pub objections: Vec<ObjectionState>,
    /// The decision, once taken.
    pub decision: Option<DecisionEntry>,
    /// When (ms).
    pub at: u64,
}

/// A tension.
#[derive(Debug, Clone, Serialize)]
pub struct TensionState {
    /// The `tension.open` record.
    pub record: RecordId,
    /// Who raised it.
    pub author: PublicKey,
    /// Its path.
    pub path: TensionPath,
    /// Summary.
    pub summary: String,
    /// The section concerned.
    pub section: Option<String>,
    /// Where it stands.
    pub status: TensionStatus,
    /// Its opening and updates, in order: record, status, note, time (ms).
    /// The first is the `tension.open` record.
    pub history: Vec<(RecordId, TensionStatus, String, u64)>,
    /// Challenges it became.
    pub challenges: Vec<RecordId>,
}

/// Heads written as hex (as the state and its JSON carry them) back as
/// change hashes. The state writes only hashes it read, so none is
/// dropped.
fn change_hashes(heads: &[String]) -> Vec<ChangeHash> {
    heads.iter().filter_map(|h| h.parse().ok()).collect()
}

impl Submission {
    /// The draft's heads at this wording.
    pub fn change_hashes(&self) -> Vec<ChangeHash> {
        change_hashes(&self.heads)
    }
}

impl VersionEntry {
    /// The charter's heads at this version.
    pub fn change_hashes(&self) -> Vec<ChangeHash> {
        change_hashes(&self.heads)
    }
}

/// A ratified version of the charter.
#[derive(Debug, Clone, Serialize)]
pub struct VersionEntry {
    /// 1 for the founding version.
    pub number: usize,
    /// The charter's heads at this version.
    pub heads: Vec<String>,
    /// [`version_hash`].
    pub hash: String,
    /// The amendment ratified (none for the founding version).
    pub amendment: Option<RecordId>,
    /// The sections it changed.
    pub sections: Vec<String>,
    /// The records that ratified it (the genesis for the founding version).
    pub ratified_by: Vec<RecordId>,
    /// Members who signed it.
    pub signers: Vec<PublicKey>,
    /// When (ms).
    pub at: u64,
}

/// A content attestation that holds.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationEntry {
    /// The `content.attest` record.
    pub record: RecordId,
    /// The document.
    pub doc: DocId,
    /// The device that made and signed the changes.
    pub device: PublicKey,
    /// The changes (shared: a state is copied whole, and a long-lived
    /// community holds thousands of attestations).
    pub changes: std::sync::Arc<[ChangeHash]>,
}

/// A document shared with the community by a `document.share` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentState {
    /// Its title, as the latest share gives it.
    pub title: String,
    /// Who may read it, as the latest share says.
    pub access: Access,
    /// The member (member id) who made the latest share.
    pub shared_by: PublicKey,
    /// The latest `document.share` record about it.
    pub record: RecordId,
}

/// What became of a record. JSON: `{"status": "accepted"}`, or
/// `{"status": "rejected" | "pending", "reason": …, "code": …, "args": …}`:
/// the reason in English (the same in every language), then its code and
/// arguments ([`Reason`]), which a front end says in its own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It holds.
    Accepted,
    /// It does not, and why.
    Rejected(Reason),
    /// It waits for records not yet received.
    Pending(Reason),
}

impl Verdict {
    /// Why it was rejected or waits (none if accepted).
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Verdict::Accepted => None,
            Verdict::Rejected(reason) | Verdict::Pending(reason) => Some(reason),
        }
    }
}

impl Serialize for Verdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        let status = match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected(_) => "rejected",
            Verdict::Pending(_) => "pending",
        };
        map.serialize_entry("status", status)?;
        if let Some(reason) = self.reason() {
            reason.serialize_into(&mut map)?;
        }
        map.end()
    }
}

/// A record and what became of it, in canonical order.
#[derive(Debug, Clone, Serialize)]
pub struct RecordOutcome {
    /// The record's id.
    pub id: RecordId,
    /// Its kind.
    pub kind: Kind,
    /// The signing device.
    pub author: PublicKey,
    /// Its timestamp (ms).
    pub at: u64,
    /// What became of it.
    pub verdict: Verdict,
}

/// The resolved state of a community.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    /// The community id (genesis id).
    pub community: CommunityId,
    /// Its name.
    pub name: String,
    /// The charter document.
    pub charter: DocId,
    /// Colleges.
    pub colleges: Vec<College>,
    /// The rules in force.
    pub rules: Rules,
    /// Facilitators.
    pub facilitators: Vec<PublicKey>,
    /// Members by id.
    pub members: imbl::OrdMap<PublicKey, Member>,
    /// Devices by key.
    pub devices: imbl::OrdMap<PublicKey, Device>,
    /// Applications by record.
    pub applications: imbl::OrdMap<RecordId, Application>,
    /// Proposals decided by rule (applications, exclusions, rule changes).
    pub proposals: imbl::OrdMap<RecordId, ProposalState>,
    /// Challenges by record.
    pub challenges: imbl::OrdMap<RecordId, ChallengeState>,
    /// Amendments by record.
    pub amendments: BTreeMap<RecordId, AmendmentState>,
    /// Tensions by record (each shared between copies of the state: a
    /// kept fold and its next step copy the state, and a long-lived
    /// community holds thousands of tensions).
    pub tensions: imbl::OrdMap<RecordId, std::sync::Arc<TensionState>>,
    /// Ratified versions, oldest first; the last is in force.
    pub versions: Vec<VersionEntry>,
    /// Attestations that hold.
    pub attestations: imbl::Vector<AttestationEntry>,
    /// Documents shared explicitly (`document.share`), by id. The charter
    /// and the amendment drafts belong to the community without being
    /// listed here ([`State::document_access`] answers for all of them).
    pub documents: imbl::OrdMap<DocId, DocumentState>,
    /// Invitations to apply (`invitation.issue`), by record.
    #[serde(skip_serializing_if = "imbl::OrdMap::is_empty")]
    pub invitations: imbl::OrdMap<RecordId, InvitationState>,
    /// Public participations (`participation.open`), by record.
    #[serde(skip_serializing_if = "imbl::OrdMap::is_empty")]
    pub participations: imbl::OrdMap<RecordId, participation::ParticipationState>,
    /// Their contributions (`contribution.submit`), by record.
    #[serde(skip_serializing_if = "imbl::OrdMap::is_empty")]
    pub contributions: imbl::OrdMap<RecordId, std::sync::Arc<participation::ContributionState>>,
    /// Every record and its verdict, in canonical order, then the ones left
    /// out of the DAG by id.
    pub records: imbl::Vector<RecordOutcome>,
    /// The latest accepted records (what a new record should cite).
    pub heads: Vec<RecordId>,
}

impl State {
    /// Whether a challenge is still open business: admissible, not closed
    /// (withdrawn or declined, `challenge.close`), and not yet answered by
    /// an amendment that was ratified (one whose amendments were all
    /// rejected or withdrawn may be answered again).
    pub fn challenge_is_open(&self, challenge: &ChallengeState) -> bool {
        challenge.admissibility == Admissibility::Admissible
            && challenge.closed.is_none()
            && !self.challenge_answered(challenge)
    }

    /// Whether an amendment answering the challenge was ratified.
    pub fn challenge_answered(&self, challenge: &ChallengeState) -> bool {
        challenge.amendments.iter().any(|a| {
            self.amendments
                .get(a)
                .is_some_and(|a| a.phase == Phase::Merged)
        })
    }

    /// The version in force.
    pub fn in_force(&self) -> &VersionEntry {
        // There is always the founding version.
        &self.versions[self.versions.len() - 1]
    }

    /// A member named by key, key prefix (at least 4 hex characters) or
    /// name (case and accents aside), or an unambiguous prefix of it; a key
    /// prefix is tried first.
    pub fn member_by_ref(&self, text: &str) -> crate::Result<PublicKey> {
        let lower = text.trim().to_lowercase();
        let by_key: Vec<PublicKey> = self
            .members
            .keys()
            .filter(|k| lower.len() >= 4 && k.to_string().starts_with(&lower))
            .copied()
            .collect();
        // Case and accents aside, or an unambiguous prefix (names.rs).
        let by_name: Vec<PublicKey> =
            crate::names::by_name(text, self.members.values(), |m| m.name.as_str())
                .into_iter()
                .map(|m| m.id)
                .collect();
        for candidates in [by_key, by_name] {
            match candidates.as_slice() {
                [] => continue,
                [one] => return Ok(*one),
                several => {
                    return Err(crate::Error::AmbiguousRef {
                        what: "members",
                        query: text.trim().to_owned(),
                        candidates: several
                            .iter()
                            .map(|k| format!("{} \"{}\"", k.short(), self.display_name(k)))
                            .collect(),
                    });
                }
            }
        }
        Err(crate::Error::NoMatch {
            what: "member",
            query: text.trim().to_owned(),
        })
    }

    /// The name to show for a device or member: a member's name, else an
    /// applicant's, else the key's short form.
    pub fn display_name(&self, key: &PublicKey) -> String {
        self.members
            .get(key)
            .map(|m| m.name.clone())
            .or_else(|| {
                self.applications
                    .values()
                    .find(|a| a.applicant == *key)
                    .map(|a| a.name.clone())
            })
            .unwrap_or_else(|| key.short())
    }

    /// The member a device belongs to.
    pub fn member_of(&self, device: &PublicKey) -> Option<&Member> {
        self.devices
            .get(device)
            .and_then(|d| self.members.get(&d.member))
    }

    /// The verdict of a record, if known.
    pub fn verdict(&self, id: &RecordId) -> Option<&Verdict> {
        self.records
            .iter()
            .find(|r| r.id == *id)
            .map(|r| &r.verdict)
    }

    /// Records rejected or pending.
    pub fn problems(&self) -> impl Iterator<Item = &RecordOutcome> {
        self.records
            .iter()
            .filter(|r| r.verdict != Verdict::Accepted)
    }

    /// Who may read `doc`, if it is one of this community's documents: a
    /// shared document as its latest share says; otherwise the charter and
    /// every amendment draft are the members'. `None`: not this community's.
    pub fn document_access(&self, doc: &DocId) -> Option<Access> {
        if let Some(shared) = self.documents.get(doc) {
            return Some(shared.access);
        }
        let own = *doc == self.charter || self.amendments.values().any(|a| a.draft == *doc);
        own.then_some(Access::Members)
    }

    /// Every document this community names as its own, with who may read
    /// it: the charter, every amendment draft, and every shared document
    /// (as its latest share says), in id order. A relay decides from these
    /// claims which community owns a document; naming a document does not
    /// make it this community's when another community already holds it.
    pub fn claimed_documents(&self) -> BTreeMap<DocId, Access> {
        let mut claims: BTreeMap<DocId, Access> = std::iter::once(self.charter)
            .chain(self.amendments.values().map(|a| a.draft))
            .map(|doc| (doc, Access::Members))
            .collect();
        for (doc, shared) in &self.documents {
            claims.insert(*doc, shared.access);
        }
        claims
    }

    /// The change hashes each device attested for each document
    /// (`content.attest` records that hold): who vouched, with a signature,
    /// for having written which change.
    pub fn attested_changes(&self) -> impl Iterator<Item = (&PublicKey, &DocId, &ChangeHash)> {
        self.attestations
            .iter()
            .flat_map(|a| a.changes.iter().map(move |hash| (&a.device, &a.doc, hash)))
    }

    /// The devices that may write the community's documents: certified and
    /// not revoked, of members who have neither left nor been excluded and
    /// are not suspended. A suspension counts here whatever its end date
    /// (the state has no clock); [`State::writer_devices_at`] lets ended
    /// suspensions lapse.
    pub fn writer_devices(&self) -> BTreeSet<PublicKey> {
        self.writers(|status| *status == MemberStatus::Active)
    }

    /// [`State::writer_devices`] at time `now_ms`: a member whose
    /// suspension ended by then writes again.
    pub fn writer_devices_at(&self, now_ms: u64) -> BTreeSet<PublicKey> {
        self.writers(|status| status.active_at(now_ms))
    }

    fn writers(&self, active: impl Fn(&MemberStatus) -> bool) -> BTreeSet<PublicKey> {
        self.devices
            .iter()
            .filter(|(_, device)| device.revoked.is_none())
            .filter(|(_, device)| {
                self.members
                    .get(&device.member)
                    .is_some_and(|m| active(&m.status))
            })
            .map(|(key, _)| *key)
            .collect()
    }

    /// Every device ever let into the community (founders' first devices,
    /// new members' first devices, certified ones), revoked or not, whatever
    /// became of their member.
    pub fn known_devices(&self) -> BTreeSet<PublicKey> {
        self.devices.keys().copied().collect()
    }
}

/// Why a community cannot be resolved at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The genesis record is not among the records.
    #[error("the genesis record of community {0} is missing")]
    NoGenesis(String),
    /// The genesis record itself is invalid.
    #[error("the genesis record is invalid: {0}")]
    BadGenesis(BadGenesis),
}

/// What is wrong with a genesis record ([`ResolveError::BadGenesis`]):
/// `Display` in English; `nous_api::resolve_localized` says it in any
/// language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadGenesis {
    /// The record named as the community's first is of another kind.
    #[error("not a genesis record")]
    NotAGenesis,
    /// It names no founder.
    #[error("names no founder")]
    NoFounder,
    /// Its author is none of its founders.
    #[error("is not signed by a founder")]
    NotByAFounder,
    /// A college id is empty or given twice.
    #[error("college `{0}` is empty or repeated")]
    College(String),
    /// A founder's key is not sound (a small-order point).
    #[error("founder {0} has an unsound key")]
    UnsoundKey(String),
    /// A founder is in a college the genesis does not name.
    #[error("founder {0} is in no known college")]
    NoCollege(String),
    /// The rule for an act cannot be applied.
    #[error("rule for {}: {reason}", .act.name())]
    Rule {
        /// The act.
        act: record::Act,
        /// Why.
        reason: Reason,
    },
}

/// Options for [`resolve`].
#[derive(Debug, Clone, Copy)]
pub struct ResolveOptions {
    /// Check signatures (false only for records the store already checked).
    pub check_signatures: bool,
    /// Break ties between concurrent records in another order than by id
    /// (their ids XORed with this salt). Every verdict is a function of a
    /// record's causal past, so the state never depends on it: tests
    /// resolve with several salts to check exactly that. Zero: by id.
    pub tie_break_salt: [u8; 32],
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            check_signatures: true,
            tie_break_salt: [0; 32],
        }
    }
}

pub use apply::Folded;

/// Fold the records of `community` as [`resolve`] does, keeping what
/// judging one more record needs: [`Folded::extend`] judges a record that
/// builds on every head in time independent of the community's history
/// (or declines), and [`Folded::state`] is the state [`resolve`] returns.
pub fn fold(
    community: CommunityId,
    records: &[Record],
    options: ResolveOptions,
) -> Result<Folded, ResolveError> {
    apply::fold_records(community, records, options)
}

/// Resolve the state of `community` from records, in any order, with
/// duplicates, possibly with gaps and records of other communities (those
/// are rejected).
pub fn resolve(
    community: CommunityId,
    records: &[Record],
    options: ResolveOptions,
) -> Result<State, ResolveError> {
    apply::resolve(community, records, options)
}

impl MemberStatus {
    /// Whether the member may take part at time `at` (ms).
    pub fn active_at(&self, at: u64) -> bool {
        match self {
            MemberStatus::Active => true,
            MemberStatus::Suspended { until } => at >= *until,
            MemberStatus::Left | MemberStatus::Excluded => false,
        }
    }
}

impl SanctionLevel {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            SanctionLevel::Correction => "correction",
            SanctionLevel::Warning => "warning",
            SanctionLevel::Suspension => "suspension",
        }
    }
}

#[cfg(test)]
mod tests;
