//! What a public participation's records resolve to: the participation, its
//! phases and commitments, and every contribution with its path (submitted,
//! revised, linked, reported, hidden or restored, answered, landed). Filled
//! by the fold (`apply/participation.rs`); the views here (a contribution's
//! visibility and timeline, a commitment's status) are functions of it.
//!
//! Lists that concurrent records may extend are kept in the order that does
//! not depend on the tie-break (date, depth, id), so every peer reads the
//! same latest wording, answer or moderation act.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::identity::PublicKey;
use crate::record::{
    Anchor, AnswerState, AuthorType, Category, Channel, Commitment, CommitmentCheck, Contributors,
    Landing, Location, PhaseKind, RecordId, Relation, ReportReason, Version,
};

/// A participation and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParticipationState {
    /// Its `participation.open` record.
    pub id: RecordId,
    /// Its title.
    pub title: String,
    /// The member who opened it.
    pub opened_by: PublicKey,
    /// When (ms).
    pub opened_at: u64,
    /// The text under consultation, as submitted to it.
    pub text: Version,
    /// The contrat participatif in force.
    pub contract: Version,
    /// Its commitments in force.
    pub commitments: Vec<Commitment>,
    /// The `participation.contract` records that revised it, oldest first.
    pub contract_revisions: Vec<RecordId>,
    /// Commitments checked by hand, as the organiser settled them.
    pub settled: BTreeMap<String, Settled>,
    /// Contribution categories.
    pub categories: Vec<Category>,
    /// When every contribution must have its answer (ms).
    pub answer_due: u64,
    /// Who moderates (empty: the facilitators).
    pub moderators: Vec<PublicKey>,
    /// Who answers (empty: the facilitators).
    pub answerers: Vec<PublicKey>,
    /// Reports that hide a contribution pending review (0: never).
    pub report_threshold: u32,
    /// Its phases, in the order they opened.
    pub phases: Vec<PhaseEntry>,
    /// Its contributions, in the order they came.
    pub contributions: Vec<RecordId>,
    /// Its published syntheses, oldest first.
    pub syntheses: Vec<SynthesisEntry>,
    /// Its closing, if closed.
    pub closed: Option<Closed>,
}

/// A commitment settled by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settled {
    /// The `participation.commitment` record.
    pub record: RecordId,
    /// Kept or not.
    pub kept: bool,
    /// What shows it.
    pub evidence: String,
    /// When (ms).
    pub at: u64,
}

/// A phase as opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhaseEntry {
    /// The `participation.phase` record.
    pub record: RecordId,
    /// Which phase.
    pub phase: PhaseKind,
    /// When it opens (ms).
    pub opens_at: u64,
    /// When it ends at the latest (ms).
    pub closes_at: Option<u64>,
    /// Who may contribute.
    pub contributors: Contributors,
    /// The channels it takes contributions from (empty: none).
    pub channels: Vec<Channel>,
    /// The categories it takes (empty: all).
    pub categories: Vec<String>,
}

/// A published synthesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynthesisEntry {
    /// The `synthesis.publish` record.
    pub record: RecordId,
    /// The final text measured.
    pub text: Version,
    /// The method's version.
    pub method: String,
    /// The report's hash.
    pub hash: String,
    /// Its headline figures.
    pub figures: BTreeMap<String, u64>,
    /// When (ms).
    pub at: u64,
}

/// A participation's closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closed {
    /// The `participation.close` record.
    pub record: RecordId,
    /// When (ms).
    pub at: u64,
    /// The closing word.
    pub summary: String,
}

/// A contribution and its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContributionState {
    /// Its `contribution.submit` record.
    pub id: RecordId,
    /// The participation.
    pub participation: RecordId,
    /// The device that signed it.
    pub device: PublicKey,
    /// The member that device belongs to, if a member's.
    pub member: Option<PublicKey>,
    /// A stable pseudonym for its author in this participation (the
    /// member, the device, or whom a transcription speaks for).
    pub pseudonym: String,
    /// Who the author is.
    pub author_type: AuthorType,
    /// Its category.
    pub category: String,
    /// Its title now.
    pub title: String,
    /// Its text now.
    pub body: String,
    /// Where in the text it bears.
    pub anchor: Option<Anchor>,
    /// Where on a map.
    pub location: Option<Location>,
    /// How it came in.
    pub channel: Channel,
    /// For a transcription: whom it speaks for (a reference).
    pub on_behalf_of: Option<String>,
    /// When it was submitted (ms).
    pub submitted_at: u64,
    /// Every wording, the first (the submission) first: the latest is
    /// `title`/`body`.
    pub wordings: Vec<Wording>,
    /// Its withdrawal, if withdrawn (the earliest).
    pub withdrawn: Option<Withdrawn>,
    /// Supports: one per device counts.
    pub supports: Vec<Support>,
    /// Links to other contributions made from it.
    pub links: Vec<Link>,
    /// Reports, in order.
    pub reports: Vec<Report>,
    /// Moderators' acts, in order.
    pub moderation: Vec<ModerationAct>,
    /// Answers, in order: the last is in force, the others were revised.
    pub answers: Vec<AnswerEntry>,
}

/// One wording of a contribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wording {
    /// The record that wrote it (the submission, or a `contribution.amend`).
    pub record: RecordId,
    /// When (ms).
    pub at: u64,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
}

/// A withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawn {
    /// The record.
    pub record: RecordId,
    /// When (ms).
    pub at: u64,
    /// Why.
    pub reason: String,
}

/// A support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Support {
    /// The record.
    pub record: RecordId,
    /// The supporting device.
    pub device: PublicKey,
    /// When (ms).
    pub at: u64,
}

/// A link from one contribution to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The record.
    pub record: RecordId,
    /// How they relate.
    pub relation: Relation,
    /// The other contribution.
    pub target: RecordId,
    /// When (ms).
    pub at: u64,
}

/// A report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The record.
    pub record: RecordId,
    /// The reporting device.
    pub device: PublicKey,
    /// Why.
    pub reason: ReportReason,
    /// In their words.
    pub details: String,
    /// When (ms).
    pub at: u64,
}

/// A moderator's act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModerationAct {
    /// The record.
    pub record: RecordId,
    /// Hidden (or a hiding by reports confirmed), or restored.
    pub hide: bool,
    /// The moderator (member).
    pub by: PublicKey,
    /// Why.
    pub reason: String,
    /// The clause of the contract applied.
    pub clause: String,
    /// When (ms).
    pub at: u64,
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerEntry {
    /// The `answer.publish` record.
    pub record: RecordId,
    /// What became of the contribution.
    pub state: AnswerState,
    /// Why.
    pub argument: String,
    /// Where it landed in the text.
    pub landed_in: Vec<Landing>,
    /// The answer it revises.
    pub revises: Option<RecordId>,
    /// The answering member.
    pub by: PublicKey,
    /// When (ms).
    pub at: u64,
    /// Published after the answer deadline.
    pub late: bool,
}

/// Whether a contribution shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    /// It shows.
    Visible,
    /// Hidden by reports, pending a moderator's review.
    HiddenPendingReview,
    /// Hidden by a moderator.
    Hidden,
}

/// Where a contribution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContributionStatus {
    /// Waiting for its answer.
    Submitted,
    /// Withdrawn by its author.
    Withdrawn,
    /// Hidden (by a moderator or pending review).
    Hidden,
    /// Answered (the answer's state says how).
    Answered,
}

impl ContributionState {
    /// Whether it shows: the latest moderator's act decides; without one,
    /// enough reports (from distinct devices) hide it pending review.
    pub fn visibility(&self, report_threshold: u32) -> Visibility {
        match self.moderation.last() {
            Some(act) if act.hide => Visibility::Hidden,
            Some(_) => Visibility::Visible,
            None if report_threshold > 0 && self.reporters() >= report_threshold as usize => {
                Visibility::HiddenPendingReview
            }
            None => Visibility::Visible,
        }
    }

    /// Whether it is hidden, whoever hid it.
    pub fn hidden(&self, report_threshold: u32) -> bool {
        self.visibility(report_threshold) != Visibility::Visible
    }

    /// How many distinct devices reported it.
    pub fn reporters(&self) -> usize {
        let mut devices: Vec<&PublicKey> = self.reports.iter().map(|r| &r.device).collect();
        devices.sort();
        devices.dedup();
        devices.len()
    }

    /// How many distinct devices support it.
    pub fn supporters(&self) -> usize {
        let mut devices: Vec<&PublicKey> = self.supports.iter().map(|s| &s.device).collect();
        devices.sort();
        devices.dedup();
        devices.len()
    }

    /// The answer in force.
    pub fn answer(&self) -> Option<&AnswerEntry> {
        self.answers.last()
    }

    /// Where it stands.
    pub fn status(&self, report_threshold: u32) -> ContributionStatus {
        if self.withdrawn.is_some() {
            ContributionStatus::Withdrawn
        } else if self.hidden(report_threshold) {
            ContributionStatus::Hidden
        } else if self.answers.is_empty() {
            ContributionStatus::Submitted
        } else {
            ContributionStatus::Answered
        }
    }

    /// Whether it needs an answer: neither withdrawn nor hidden.
    pub fn needs_answer(&self, report_threshold: u32) -> bool {
        self.withdrawn.is_none() && !self.hidden(report_threshold)
    }

    /// Its path, oldest first: submitted, revised, linked, reported,
    /// hidden (by reports, or a moderator) or restored, answered, answer
    /// revised, landed in the text.
    pub fn timeline(&self, report_threshold: u32) -> Vec<TimelineEvent> {
        let mut events = Vec::new();
        for (n, wording) in self.wordings.iter().enumerate() {
            events.push(TimelineEvent {
                at: wording.at,
                event: if n == 0 {
                    Event::Submitted
                } else {
                    Event::Revised
                },
                record: wording.record,
                detail: String::new(),
            });
        }
        for link in &self.links {
            events.push(TimelineEvent {
                at: link.at,
                event: Event::Linked,
                record: link.record,
                detail: format!("{} {}", link.relation.name(), link.target.short()),
            });
        }
        for report in &self.reports {
            events.push(TimelineEvent {
                at: report.at,
                event: Event::Reported,
                record: report.record,
                detail: report.reason.name().to_string(),
            });
        }
        // Hidden by reports: at the report that reached the threshold,
        // unless a moderator had acted before it.
        if report_threshold > 0 {
            let mut seen: Vec<&PublicKey> = Vec::new();
            for report in &self.reports {
                if !seen.contains(&&report.device) {
                    seen.push(&report.device);
                }
                if seen.len() == report_threshold as usize {
                    if self.moderation.first().is_none_or(|m| m.at >= report.at) {
                        events.push(TimelineEvent {
                            at: report.at,
                            event: Event::HiddenByReports,
                            record: report.record,
                            detail: String::new(),
                        });
                    }
                    break;
                }
            }
        }
        for act in &self.moderation {
            events.push(TimelineEvent {
                at: act.at,
                event: if act.hide {
                    Event::Hidden
                } else {
                    Event::Restored
                },
                record: act.record,
                detail: act.reason.clone(),
            });
        }
        for (n, answer) in self.answers.iter().enumerate() {
            events.push(TimelineEvent {
                at: answer.at,
                event: if n == 0 {
                    Event::Answered
                } else {
                    Event::AnswerRevised
                },
                record: answer.record,
                detail: answer.state.name().to_string(),
            });
            if !answer.landed_in.is_empty() {
                let sections: Vec<&str> = answer
                    .landed_in
                    .iter()
                    .map(|l| l.section.as_str())
                    .collect();
                events.push(TimelineEvent {
                    at: answer.at,
                    event: Event::Landed,
                    record: answer.record,
                    detail: sections.join(", "),
                });
            }
        }
        if let Some(withdrawn) = &self.withdrawn {
            events.push(TimelineEvent {
                at: withdrawn.at,
                event: Event::Withdrawn,
                record: withdrawn.record,
                detail: withdrawn.reason.clone(),
            });
        }
        events.sort_by_key(|e| e.at);
        events
    }
}

/// One step of a contribution's path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    /// When (ms).
    pub at: u64,
    /// What happened.
    pub event: Event,
    /// The record that says it.
    pub record: RecordId,
    /// A detail: the relation and target, the reason, the answer's state,
    /// the sections it landed in.
    pub detail: String,
}

/// What happened to a contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Event {
    Submitted,
    Revised,
    Linked,
    Reported,
    HiddenByReports,
    Hidden,
    Restored,
    Answered,
    AnswerRevised,
    Landed,
    Withdrawn,
}

impl Event {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            Event::Submitted => "submitted",
            Event::Revised => "revised",
            Event::Linked => "linked",
            Event::Reported => "reported",
            Event::HiddenByReports => "hidden-by-reports",
            Event::Hidden => "hidden",
            Event::Restored => "restored",
            Event::Answered => "answered",
            Event::AnswerRevised => "answer-revised",
            Event::Landed => "landed",
            Event::Withdrawn => "withdrawn",
        }
    }
}

/// Where a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitmentStatus {
    /// Kept.
    Kept,
    /// Not yet settled.
    Pending,
    /// Broken.
    Broken,
}

impl CommitmentStatus {
    /// Its spelling.
    pub fn name(self) -> &'static str {
        match self {
            CommitmentStatus::Kept => "kept",
            CommitmentStatus::Pending => "pending",
            CommitmentStatus::Broken => "broken",
        }
    }
}

impl ParticipationState {
    /// The phase in force at `now` (ms): the latest opened by then.
    pub fn phase_at(&self, now: u64) -> Option<&PhaseEntry> {
        self.phases
            .iter()
            .filter(|p| p.opens_at <= now)
            .max_by_key(|p| (p.phase, p.opens_at))
    }

    /// Whether it takes contributions at `now`.
    pub fn open_to_contributions(&self, now: u64) -> bool {
        self.closed.is_none()
            && self
                .phase_at(now)
                .is_some_and(|p| !p.channels.is_empty() && p.closes_at.is_none_or(|c| now < c))
    }

    /// Where commitment `commitment` stands at `now` (ms), given the
    /// contributions (by id, as in [`super::State::contributions`]).
    pub fn commitment_status(
        &self,
        commitment: &Commitment,
        contributions: &dyn Fn(&RecordId) -> Option<std::sync::Arc<ContributionState>>,
        now: u64,
    ) -> CommitmentStatus {
        let due_passed = now >= self.answer_due || self.closed.is_some();
        match commitment.check {
            CommitmentCheck::Answers => {
                let mut all_on_time = true;
                for id in &self.contributions {
                    let Some(c) = contributions(id) else { continue };
                    if !c.needs_answer(self.report_threshold) {
                        continue;
                    }
                    match c.answers.first() {
                        Some(a) if a.late => return CommitmentStatus::Broken,
                        Some(_) => {}
                        None if now >= self.answer_due => return CommitmentStatus::Broken,
                        None => all_on_time = false,
                    }
                }
                if all_on_time && due_passed {
                    CommitmentStatus::Kept
                } else {
                    CommitmentStatus::Pending
                }
            }
            CommitmentCheck::Synthesis => {
                if self.syntheses.iter().any(|s| s.at <= self.answer_due) {
                    CommitmentStatus::Kept
                } else if now >= self.answer_due {
                    CommitmentStatus::Broken
                } else {
                    CommitmentStatus::Pending
                }
            }
            CommitmentCheck::Manual => match self.settled.get(&commitment.id) {
                Some(s) if s.kept => CommitmentStatus::Kept,
                Some(_) => CommitmentStatus::Broken,
                None => CommitmentStatus::Pending,
            },
        }
    }
}

/// A stable pseudonym in one participation: `p-` and 10 hex digits of
/// SHA-256 over the participation and who is named (a member's or device's
/// key, or a transcription's reference).
pub fn pseudonym(participation: &RecordId, who: &[u8]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"nous/pseudonym/v1\0");
    hasher.update(participation.0);
    hasher.update(who);
    let digest = hasher.finalize();
    format!("p-{}", &hex::encode(digest)[..10])
}
