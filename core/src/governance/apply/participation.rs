//! A public participation: opened by the organising community on a text
//! under consultation with a contrat participatif, moved through its
//! phases, fed by contributions from people who need not be members,
//! moderated without erasure, answered with arguments, synthesised and
//! closed (`docs/participation.md`).
//!
//! Every check reads only what the record builds on (its ancestors), never
//! what the replay happened to meet before it, so each verdict is the same
//! on every peer whatever the order of concurrent records. Where
//! concurrent records could contradict each other (two answers, a hiding
//! and a restoring, two withdrawals) all are accepted and the state keeps
//! them in the order that does not depend on the tie-break: the latest
//! (date, depth, id) is in force.

use std::sync::Arc;

use super::*;
use crate::governance::participation::{
    AnswerEntry, Closed, ContributionState, Link, ModerationAct, ParticipationState, PhaseEntry,
    Report, Settled, Support, SynthesisEntry, Withdrawn, Wording, pseudonym,
};
use crate::record::{
    AmendContribution, AuthorType, Channel, CloseParticipation, Commitment, CommitmentCheck,
    Contributors, Invited, LinkContribution, Moderate, OpenParticipation, OpenPhase, PublishAnswer,
    ReportContribution, ReviseContract, SYNTHESIS_METHOD, SettleCommitment, SubmitContribution,
    SupportContribution, SynthesisPublish, WithdrawContribution,
};

/// The longest title a contribution may have (characters).
pub const MAX_TITLE: usize = 200;
/// The longest text a contribution, argument or reason may have
/// (characters).
pub const MAX_TEXT: usize = 20_000;

/// Who signs a participant's record.
enum Participant {
    Member(Author),
    Citizen,
}

impl Fold {
    /// The organiser's side: the facilitators, or any member where there
    /// are none.
    fn organiser(&self, i: usize) -> Check<Author> {
        let author = self.active_member(i)?;
        require(
            self.state.facilitators.is_empty() || self.state.facilitators.contains(&author.member),
            || reason!(FacilitatorOnly),
        )?;
        Ok(author)
    }

    /// A member in one of `roles`, or the organiser's side where `roles`
    /// is empty.
    fn in_role(&self, i: usize, roles: &[PublicKey]) -> Check<Author> {
        if roles.is_empty() {
            return self.organiser(i);
        }
        let author = self.active_member(i)?;
        require(roles.contains(&author.member), || reason!(NotInRole))?;
        Ok(author)
    }

    /// The participation's team: the organiser's side, its moderators and
    /// its answerers (who transcribe and link).
    fn team(&self, i: usize, p: &ParticipationState) -> Check<Author> {
        let author = self.active_member(i)?;
        let organiser =
            self.state.facilitators.is_empty() || self.state.facilitators.contains(&author.member);
        require(
            organiser
                || p.moderators.contains(&author.member)
                || p.answerers.contains(&author.member),
            || reason!(NotInRole),
        )?;
        Ok(author)
    }

    /// The participation record `i` names: it must build on it.
    fn participation(&mut self, i: usize, id: &RecordId) -> Check<ParticipationState> {
        self.reference(i, id, "participation")?;
        self.state
            .participations
            .get(id)
            .cloned()
            .ok_or_else(|| reason!(NotAParticipation, record = id.short()))
    }

    /// Whether record `i` builds on the participation's closing.
    fn after_close(&mut self, i: usize, p: &ParticipationState) -> bool {
        let closes: Vec<RecordId> = p.closed.iter().map(|c| c.record).collect();
        self.builds_on_any(i, &closes)
    }

    fn builds_on_any(&mut self, i: usize, ids: &[RecordId]) -> bool {
        ids.iter().any(|id| {
            self.dag
                .index
                .get(id)
                .copied()
                .is_some_and(|at| self.builds_on(i, at))
        })
    }

    /// The phase in force for record `i`: the latest of those it builds on.
    fn phase_for(&mut self, i: usize, p: &ParticipationState) -> Option<PhaseEntry> {
        let mut best: Option<(PhaseEntry, (u64, usize, RecordId))> = None;
        for phase in &p.phases {
            let Some(&at) = self.dag.index.get(&phase.record) else {
                continue;
            };
            if !self.builds_on(i, at) {
                continue;
            }
            let key = self.dag.causal_key(at);
            if best
                .as_ref()
                .is_none_or(|(b, k)| (phase.phase, key) > (b.phase, *k))
            {
                best = Some((phase.clone(), key));
            }
        }
        best.map(|(p, _)| p)
    }

    /// The phase in force for record `i`, dated `at`, if it takes
    /// contributions then.
    fn taking_phase(&mut self, i: usize, p: &ParticipationState, at: u64) -> Check<PhaseEntry> {
        self.phase_for(i, p)
            .filter(|ph| {
                !ph.channels.is_empty() && at >= ph.opens_at && ph.closes_at.is_none_or(|c| at < c)
            })
            .ok_or_else(|| reason!(ContributionsClosed))
    }

    /// Whether the contribution `c` is among record `i`'s ancestors.
    fn contribution(&mut self, i: usize, id: &RecordId) -> Check<Arc<ContributionState>> {
        self.reference(i, id, "contribution")?;
        self.state
            .contributions
            .get(id)
            .cloned()
            .ok_or_else(|| reason!(NotAContribution, record = id.short()))
    }

    /// May record `i`'s author take part (contribute, support, report) in
    /// phase `phase`? A member always; anyone else as the phase says.
    fn participant(
        &mut self,
        i: usize,
        record: &Record,
        phase: Option<&PhaseEntry>,
        invitation: Option<&Invited>,
    ) -> Check<Participant> {
        if self.author(i).is_some() {
            return Ok(Participant::Member(self.active_member(i)?));
        }
        let contributors = phase.map_or(Contributors::Members, |p| p.contributors);
        match contributors {
            Contributors::Anyone => Ok(Participant::Citizen),
            Contributors::Members => Err(reason!(ParticipationMembersOnly)),
            Contributors::Invited => {
                let invited = invitation.ok_or_else(|| reason!(ParticipationNeedsInvitation))?;
                self.held_invitation(i, record, invited)?;
                Ok(Participant::Citizen)
            }
        }
    }

    /// Keep `entry` in a list ordered by (date, depth, id).
    fn place<T>(&self, list: &mut Vec<T>, entry: T, id: impl Fn(&T) -> RecordId) {
        let key = self.dag.causal_key_of(&id(&entry));
        let at = list.partition_point(|e| self.dag.causal_key_of(&id(e)) < key);
        list.insert(at, entry);
    }

    fn store_contribution(&mut self, c: ContributionState) {
        self.state.contributions.insert(c.id, Arc::new(c));
    }

    /// `participation.open`.
    pub(super) fn open_participation(
        &mut self,
        _i: usize,
        record: &Record,
        open: &OpenParticipation,
    ) -> Check {
        let author = self.organiser(_i)?;
        require(!open.title.trim().is_empty(), || {
            reason!(ParticipationNeedsTitle)
        })?;
        require(!open.text.heads.0.is_empty(), || reason!(VersionNoHeads))?;
        require(!open.contract.heads.0.is_empty(), || {
            reason!(VersionNoHeads)
        })?;
        check_commitments(&open.commitments)?;
        require(!open.categories.is_empty(), || {
            reason!(ParticipationNeedsCategory)
        })?;
        let mut ids: Vec<&str> = open.categories.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        require(
            ids.len() == open.categories.len() && ids.iter().all(|id| !id.trim().is_empty()),
            || reason!(ParticipationCategoriesUnique),
        )?;
        require(open.answer_due > record.timestamp(), || {
            reason!(AnswerDueInPast)
        })?;
        for member in open.moderators.iter().chain(&open.answerers) {
            require(self.state.members.contains_key(member), || {
                reason!(NoSuchMember, member = member.short())
            })?;
        }
        self.state.participations.insert(
            record.id(),
            ParticipationState {
                id: record.id(),
                title: open.title.clone(),
                opened_by: author.member,
                opened_at: record.timestamp(),
                text: open.text.clone(),
                contract: open.contract.clone(),
                commitments: open.commitments.clone(),
                contract_revisions: Vec::new(),
                settled: Default::default(),
                categories: open.categories.clone(),
                answer_due: open.answer_due,
                moderators: open.moderators.clone(),
                answerers: open.answerers.clone(),
                report_threshold: open.report_threshold,
                phases: Vec::new(),
                contributions: Vec::new(),
                syntheses: Vec::new(),
                closed: None,
            },
        );
        Ok(())
    }

    /// `participation.contract`: once a phase taking contributions has
    /// opened (among what it builds on), no commitment may go.
    pub(super) fn revise_contract(
        &mut self,
        i: usize,
        record: &Record,
        revise: &ReviseContract,
    ) -> Check {
        self.organiser(i)?;
        let mut p = self.participation(i, &revise.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        require(!revise.contract.heads.0.is_empty(), || {
            reason!(VersionNoHeads)
        })?;
        check_commitments(&revise.commitments)?;
        let taking: Vec<RecordId> = p
            .phases
            .iter()
            .filter(|ph| !ph.channels.is_empty())
            .map(|ph| ph.record)
            .collect();
        if self.builds_on_any(i, &taking) {
            for old in &p.commitments {
                require(revise.commitments.iter().any(|c| c.id == old.id), || {
                    reason!(CommitmentRemoved, commitment = old.id.clone())
                })?;
            }
        }
        // The latest revision (date, depth, id) is in force.
        let key = self.dag.causal_key(i);
        let newer = p
            .contract_revisions
            .iter()
            .any(|r| self.dag.causal_key_of(r) > key);
        self.place(&mut p.contract_revisions, record.id(), |r| *r);
        if !newer {
            p.contract = revise.contract.clone();
            p.commitments = revise.commitments.clone();
        }
        self.state.participations.insert(p.id, p);
        Ok(())
    }

    /// `participation.phase`: phases come in order; one that does not
    /// come after the latest it builds on is refused.
    pub(super) fn open_phase(&mut self, i: usize, record: &Record, phase: &OpenPhase) -> Check {
        self.organiser(i)?;
        let mut p = self.participation(i, &phase.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        if let Some(before) = self.phase_for(i, &p) {
            require(phase.phase > before.phase, || {
                reason!(
                    PhaseOutOfOrder,
                    phase = phase.phase.name(),
                    before = before.phase.name()
                )
            })?;
        }
        require(phase.opens_at >= p.opened_at, || reason!(PhaseDates))?;
        if let Some(closes) = phase.closes_at {
            require(closes > phase.opens_at, || reason!(PhaseDates))?;
        }
        for category in &phase.categories {
            require(p.categories.iter().any(|c| &c.id == category), || {
                reason!(NoCategory, category = category.clone())
            })?;
        }
        let _ = record;
        let entry = PhaseEntry {
            record: record.id(),
            phase: phase.phase,
            opens_at: phase.opens_at,
            closes_at: phase.closes_at,
            contributors: phase.contributors,
            channels: phase.channels.clone(),
            categories: phase.categories.clone(),
        };
        self.place(&mut p.phases, entry, |e| e.record);
        self.state.participations.insert(p.id, p);
        Ok(())
    }

    /// `participation.commitment`: a commitment checked by hand, settled
    /// once (of concurrent settlements the oldest stands).
    pub(super) fn settle_commitment(
        &mut self,
        i: usize,
        record: &Record,
        settle: &SettleCommitment,
    ) -> Check {
        self.organiser(i)?;
        let mut p = self.participation(i, &settle.participation)?;
        let commitment = p
            .commitments
            .iter()
            .find(|c| c.id == settle.commitment)
            .ok_or_else(|| reason!(NoCommitment, commitment = settle.commitment.clone()))?;
        require(commitment.check == CommitmentCheck::Manual, || {
            reason!(CommitmentNotManual, commitment = settle.commitment.clone())
        })?;
        require(!settle.evidence.trim().is_empty(), || {
            reason!(EvidenceNeeded)
        })?;
        if let Some(earlier) = p.settled.get(&settle.commitment) {
            let at = self.dag.index.get(&earlier.record).copied();
            let seen = at.is_some_and(|at| self.builds_on(i, at));
            require(!seen, || reason!(CommitmentSettled))?;
            if self.dag.causal_key_of(&earlier.record) < self.dag.causal_key(i) {
                return Ok(());
            }
        }
        p.settled.insert(
            settle.commitment.clone(),
            Settled {
                record: record.id(),
                kept: settle.kept,
                evidence: settle.evidence.clone(),
                at: record.timestamp(),
            },
        );
        self.state.participations.insert(p.id, p);
        Ok(())
    }

    /// `participation.close`: refused while a contribution it builds on,
    /// neither withdrawn nor hidden, has no answer it builds on.
    pub(super) fn close_participation(
        &mut self,
        i: usize,
        record: &Record,
        close: &CloseParticipation,
    ) -> Check {
        self.organiser(i)?;
        let mut p = self.participation(i, &close.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        let mut unanswered = 0u64;
        for id in p.contributions.clone() {
            let Some(&at) = self.dag.index.get(&id) else {
                continue;
            };
            if !self.builds_on(i, at) {
                continue;
            }
            let Some(c) = self.state.contributions.get(&id).cloned() else {
                continue;
            };
            let seen = self.seen_part(i, &c);
            if !seen.needs_answer(p.report_threshold) {
                continue;
            }
            if seen.answers.is_empty() {
                unanswered += 1;
            }
        }
        require(unanswered == 0, || {
            reason!(ContributionsUnanswered, count = unanswered)
        })?;
        let closed = Closed {
            record: record.id(),
            at: record.timestamp(),
            summary: close.summary.clone(),
        };
        // Of concurrent closings, the oldest is the one kept.
        if p.closed
            .as_ref()
            .is_none_or(|c| self.dag.causal_key_of(&c.record) > self.dag.causal_key(i))
        {
            p.closed = Some(closed);
        }
        self.state.participations.insert(p.id, p);
        Ok(())
    }

    /// What record `i` sees of a contribution: only the acts it builds on.
    fn seen_part(&mut self, i: usize, c: &ContributionState) -> ContributionState {
        let mut seen = c.clone();
        let keep = |fold: &mut Fold, id: &RecordId| {
            fold.dag
                .index
                .get(id)
                .copied()
                .is_some_and(|at| fold.builds_on(i, at))
        };
        seen.reports.retain(|r| keep(self, &r.record));
        seen.moderation.retain(|m| keep(self, &m.record));
        seen.answers.retain(|a| keep(self, &a.record));
        if seen
            .withdrawn
            .as_ref()
            .is_some_and(|w| !keep(self, &w.record))
        {
            seen.withdrawn = None;
        }
        seen
    }

    /// `contribution.submit`.
    pub(super) fn submit_contribution(
        &mut self,
        i: usize,
        record: &Record,
        submit: &SubmitContribution,
    ) -> Check {
        let mut p = self.participation(i, &submit.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        let at = record.timestamp();
        let phase = self.taking_phase(i, &p, at)?;
        require(phase.channels.contains(&submit.channel), || {
            reason!(ChannelNotTaken, channel = submit.channel.name())
        })?;
        require(p.categories.iter().any(|c| c.id == submit.category), || {
            reason!(NoCategory, category = submit.category.clone())
        })?;
        require(
            phase.categories.is_empty() || phase.categories.contains(&submit.category),
            || reason!(CategoryNotTaken, category = submit.category.clone()),
        )?;
        check_text(&submit.title, MAX_TITLE, || reason!(ContributionNeedsTitle))?;
        check_text(&submit.body, MAX_TEXT, || reason!(ContributionNeedsText))?;
        if let Some(anchor) = &submit.anchor {
            require(!anchor.section.trim().is_empty(), || reason!(NoSection))?;
        }
        let (member, who) = if submit.channel == Channel::Device {
            require(submit.on_behalf_of.is_none(), || {
                reason!(OnBehalfNeedsTranscription)
            })?;
            match self.participant(i, record, Some(&phase), submit.invitation.as_ref())? {
                Participant::Member(author) => {
                    (Some(author.member), author.member.as_bytes().to_vec())
                }
                Participant::Citizen => {
                    require(submit.author_type != AuthorType::Agent, || {
                        reason!(AgentMembersOnly)
                    })?;
                    (None, record.author().as_bytes().to_vec())
                }
            }
        } else {
            let author = self.team(i, &p)?;
            let whom = submit
                .on_behalf_of
                .as_ref()
                .filter(|w| !w.trim().is_empty())
                .ok_or_else(|| reason!(TranscriptionNeedsWhom))?;
            require(whom.chars().count() <= MAX_TITLE, || {
                reason!(TextTooLong, max = MAX_TITLE as u64)
            })?;
            let mut who = b"transcribed\0".to_vec();
            who.extend_from_slice(whom.trim().as_bytes());
            (Some(author.member), who)
        };
        let id = record.id();
        let contribution = ContributionState {
            id,
            participation: p.id,
            device: record.author(),
            member: if submit.channel == Channel::Device {
                member
            } else {
                None
            },
            pseudonym: pseudonym(&p.id, &who),
            author_type: submit.author_type,
            category: submit.category.clone(),
            title: submit.title.clone(),
            body: submit.body.clone(),
            anchor: submit.anchor.clone(),
            location: submit.location,
            channel: submit.channel,
            on_behalf_of: submit.on_behalf_of.clone(),
            submitted_at: at,
            wordings: vec![Wording {
                record: id,
                at,
                title: submit.title.clone(),
                body: submit.body.clone(),
            }],
            withdrawn: None,
            supports: Vec::new(),
            links: Vec::new(),
            reports: Vec::new(),
            moderation: Vec::new(),
            answers: Vec::new(),
        };
        self.place(&mut p.contributions, id, |r| *r);
        self.state.participations.insert(p.id, p);
        self.store_contribution(contribution);
        Ok(())
    }

    /// The device that may speak for a contribution: the one that signed
    /// it (the transcriber, for a transcription).
    fn own_contribution(
        &mut self,
        i: usize,
        record: &Record,
        id: &RecordId,
    ) -> Check<Arc<ContributionState>> {
        let c = self.contribution(i, id)?;
        require(c.device == record.author(), || reason!(ContributionNotOwn))?;
        Ok(c)
    }

    /// `contribution.amend`: by its author, before it is answered.
    pub(super) fn amend_contribution(
        &mut self,
        i: usize,
        record: &Record,
        amend: &AmendContribution,
    ) -> Check {
        let c = self.own_contribution(i, record, &amend.contribution)?;
        let p = self.participation(i, &c.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        let seen = self.seen_part(i, &c);
        require(seen.withdrawn.is_none(), || reason!(ContributionWithdrawn))?;
        require(seen.answers.is_empty(), || reason!(ContributionAnswered))?;
        check_text(&amend.title, MAX_TITLE, || reason!(ContributionNeedsTitle))?;
        check_text(&amend.body, MAX_TEXT, || reason!(ContributionNeedsText))?;
        let mut c = ContributionState::clone(&c);
        self.place(
            &mut c.wordings,
            Wording {
                record: record.id(),
                at: record.timestamp(),
                title: amend.title.clone(),
                body: amend.body.clone(),
            },
            |w| w.record,
        );
        if let Some(latest) = c.wordings.last() {
            c.title = latest.title.clone();
            c.body = latest.body.clone();
        }
        self.store_contribution(c);
        Ok(())
    }

    /// `contribution.withdraw`: by its author, before it is answered.
    pub(super) fn withdraw_contribution(
        &mut self,
        i: usize,
        record: &Record,
        withdraw: &WithdrawContribution,
    ) -> Check {
        let c = self.own_contribution(i, record, &withdraw.contribution)?;
        let p = self.participation(i, &c.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        let seen = self.seen_part(i, &c);
        require(seen.withdrawn.is_none(), || reason!(ContributionWithdrawn))?;
        require(seen.answers.is_empty(), || reason!(ContributionAnswered))?;
        require(withdraw.reason.chars().count() <= MAX_TEXT, || {
            reason!(TextTooLong, max = MAX_TEXT as u64)
        })?;
        let mut c = ContributionState::clone(&c);
        let mine = self.dag.causal_key(i);
        if c.withdrawn
            .as_ref()
            .is_none_or(|w| self.dag.causal_key_of(&w.record) > mine)
        {
            c.withdrawn = Some(Withdrawn {
                record: record.id(),
                at: record.timestamp(),
                reason: withdraw.reason.clone(),
            });
        }
        self.store_contribution(c);
        Ok(())
    }

    /// `contribution.support`: while contributions are taken, by anyone who
    /// may contribute, not its own author. One per device counts.
    pub(super) fn support_contribution(
        &mut self,
        i: usize,
        record: &Record,
        support: &SupportContribution,
    ) -> Check {
        let c = self.contribution(i, &support.contribution)?;
        let p = self.participation(i, &c.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        let at = record.timestamp();
        let phase = self.taking_phase(i, &p, at)?;
        self.participant(i, record, Some(&phase), support.invitation.as_ref())?;
        require(
            c.device != record.author() || c.channel != Channel::Device,
            || reason!(SupportOwn),
        )?;
        let seen = self.seen_part(i, &c);
        require(seen.withdrawn.is_none(), || reason!(ContributionWithdrawn))?;
        let mut c = ContributionState::clone(&c);
        self.place(
            &mut c.supports,
            Support {
                record: record.id(),
                device: record.author(),
                at,
            },
            |s| s.record,
        );
        self.store_contribution(c);
        Ok(())
    }

    /// `contribution.link`: by the team, between two contributions of one
    /// participation.
    pub(super) fn link_contribution(
        &mut self,
        i: usize,
        record: &Record,
        link: &LinkContribution,
    ) -> Check {
        let c = self.contribution(i, &link.contribution)?;
        let target = self.contribution(i, &link.target)?;
        let p = self.participation(i, &c.participation)?;
        self.team(i, &p)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        require(
            target.participation == c.participation && target.id != c.id,
            || reason!(LinkOtherParticipation),
        )?;
        let mut c = ContributionState::clone(&c);
        self.place(
            &mut c.links,
            Link {
                record: record.id(),
                relation: link.relation,
                target: link.target,
                at: record.timestamp(),
            },
            |l| l.record,
        );
        self.store_contribution(c);
        Ok(())
    }

    /// `moderation.report`: by anyone who may take part, until the
    /// participation closes. One per device counts; enough of them hide
    /// the contribution pending review.
    pub(super) fn report_contribution(
        &mut self,
        i: usize,
        record: &Record,
        report: &ReportContribution,
    ) -> Check {
        let c = self.contribution(i, &report.contribution)?;
        let p = self.participation(i, &c.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        let phase = self.phase_for(i, &p);
        self.participant(i, record, phase.as_ref(), report.invitation.as_ref())?;
        require(report.details.chars().count() <= MAX_TEXT, || {
            reason!(TextTooLong, max = MAX_TEXT as u64)
        })?;
        let mut c = ContributionState::clone(&c);
        self.place(
            &mut c.reports,
            Report {
                record: record.id(),
                device: record.author(),
                reason: report.reason,
                details: report.details.clone(),
                at: record.timestamp(),
            },
            |r| r.record,
        );
        self.store_contribution(c);
        Ok(())
    }

    /// `moderation.hide` / `moderation.restore`: by a moderator, with a
    /// reason and the clause applied. The latest act (date, depth, id)
    /// decides.
    pub(super) fn moderate(
        &mut self,
        i: usize,
        record: &Record,
        moderate: &Moderate,
        hide: bool,
    ) -> Check {
        let c = self.contribution(i, &moderate.contribution)?;
        let p = self.participation(i, &c.participation)?;
        let author = self.in_role(i, &p.moderators)?;
        require(!moderate.reason.trim().is_empty(), || {
            reason!(ModerationNeedsReason)
        })?;
        require(!moderate.clause.trim().is_empty(), || {
            reason!(ModerationNeedsClause)
        })?;
        require(moderate.reason.chars().count() <= MAX_TEXT, || {
            reason!(TextTooLong, max = MAX_TEXT as u64)
        })?;
        let seen = self.seen_part(i, &c);
        if !hide {
            require(seen.hidden(p.report_threshold), || reason!(NotHidden))?;
        }
        let mut c = ContributionState::clone(&c);
        self.place(
            &mut c.moderation,
            ModerationAct {
                record: record.id(),
                hide,
                by: author.member,
                reason: moderate.reason.clone(),
                clause: moderate.clause.clone(),
                at: record.timestamp(),
            },
            |m| m.record,
        );
        self.store_contribution(c);
        Ok(())
    }

    /// `answer.publish`: by an answerer, with an argument, on a
    /// contribution not withdrawn; a revision names an earlier answer it
    /// builds on. Late if after the answer deadline (accepted, and the
    /// commitment shows broken).
    pub(super) fn publish_answer(
        &mut self,
        i: usize,
        record: &Record,
        answer: &PublishAnswer,
    ) -> Check {
        let c = self.contribution(i, &answer.contribution)?;
        let p = self.participation(i, &c.participation)?;
        let author = self.in_role(i, &p.answerers)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        check_text(&answer.argument, MAX_TEXT, || reason!(AnswerNeedsArgument))?;
        let seen = self.seen_part(i, &c);
        require(seen.withdrawn.is_none(), || reason!(ContributionWithdrawn))?;
        match &answer.revises {
            None => require(seen.answers.is_empty(), || reason!(AnswerMustRevise))?,
            Some(earlier) => {
                require(seen.answers.iter().any(|a| &a.record == earlier), || {
                    reason!(RevisesUnknownAnswer, record = earlier.short())
                })?;
            }
        }
        for landing in &answer.landed_in {
            require(!landing.section.trim().is_empty(), || reason!(NoSection))?;
        }
        let mut c = ContributionState::clone(&c);
        self.place(
            &mut c.answers,
            AnswerEntry {
                record: record.id(),
                state: answer.state,
                argument: answer.argument.clone(),
                landed_in: answer.landed_in.clone(),
                revises: answer.revises,
                by: author.member,
                at: record.timestamp(),
                late: record.timestamp() > p.answer_due,
            },
            |a| a.record,
        );
        self.store_contribution(c);
        Ok(())
    }

    /// `synthesis.publish`: by the organiser, on the participation's text,
    /// with the method this engine computes. Its figures are checked by
    /// `nous verify`, which recomputes them from the bundle.
    pub(super) fn publish_synthesis(
        &mut self,
        i: usize,
        record: &Record,
        synthesis: &SynthesisPublish,
    ) -> Check {
        self.organiser(i)?;
        let mut p = self.participation(i, &synthesis.participation)?;
        require(!self.after_close(i, &p), || reason!(ParticipationClosed))?;
        require(synthesis.text.doc == p.text.doc, || {
            reason!(SynthesisOtherText)
        })?;
        require(!synthesis.text.heads.0.is_empty(), || {
            reason!(VersionNoHeads)
        })?;
        require(synthesis.method == SYNTHESIS_METHOD, || {
            reason!(SynthesisMethod, method = synthesis.method.clone())
        })?;
        require(
            synthesis.hash.len() == 64
                && synthesis
                    .hash
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            || reason!(SynthesisHash),
        )?;
        let entry = SynthesisEntry {
            record: record.id(),
            text: synthesis.text.clone(),
            method: synthesis.method.clone(),
            hash: synthesis.hash.clone(),
            figures: synthesis.figures.clone(),
            at: record.timestamp(),
        };
        self.place(&mut p.syntheses, entry, |s| s.record);
        self.state.participations.insert(p.id, p);
        Ok(())
    }
}

fn check_text(text: &str, max: usize, empty: impl FnOnce() -> Reason) -> Check {
    require(!text.trim().is_empty(), empty)?;
    require(text.chars().count() <= max, || {
        reason!(TextTooLong, max = max as u64)
    })
}

fn check_commitments(commitments: &[Commitment]) -> Check {
    let mut ids: Vec<&str> = commitments.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    require(
        ids.len() == commitments.len()
            && commitments
                .iter()
                .all(|c| !c.id.trim().is_empty() && !c.text.trim().is_empty()),
        || reason!(CommitmentsMalformed),
    )
}
