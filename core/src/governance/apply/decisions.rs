//! Decisions: rule change proposals, reactions to amendments and proposals,
//! objection tests, and the decisions that adopt or reject them, counted under
//! the rule in force from the reactions and objections the decision builds on.

use super::amendments::{is_closed, update_phase};
use super::*;
use crate::governance::tally::{self, Ballot, Context};
use crate::record::{Act, ChangeRule, Decide, Method, React, Rule, TestObjection};

impl Fold {
    /// `rules.propose`: a member proposes a new rule for an act.
    pub(super) fn change_rule(&mut self, i: usize, record: &Record, change: &ChangeRule) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        check_rule(&change.rule, &self.state.colleges)?;
        require(!change.rationale.trim().is_empty(), || {
            reason!(RuleChangeNeedsRationale)
        })?;
        self.state.proposals.insert(
            id,
            ProposalState {
                record: id,
                by: author.member,
                kind: ProposalKind::RuleChange {
                    act: change.act,
                    rule: change.rule.clone(),
                    rationale: change.rationale.clone(),
                },
                reactions: Vec::new(),
                objections: Vec::new(),
                decision: None,
                at,
            },
        );
        Ok(())
    }

    /// `react`: a question, a stance or an objection, on the current wording of an
    /// amendment or on a proposal.
    pub(super) fn react(&mut self, i: usize, record: &Record, react: &React) -> Check {
        let id = record.id();
        let at = record.timestamp();
        self.reference(i, &react.subject, "proposal")?;
        let device = self.dag.order[i].author();
        // A question may come from anyone the community knows: a member or
        // an applicant. Everything else needs a member in good standing.
        let member = if react.stance == Stance::Question {
            match self.author(i) {
                Some(author) if author.status.active_at(at) => author.member,
                _ => {
                    let applicant = self.state.applications.values().any(|a| {
                        a.applicant == device
                            && matches!(
                                a.state,
                                ApplicationState::Pending | ApplicationState::Admitted
                            )
                    });
                    require(applicant, || reason!(QuestionsMembersApplicants))?;
                    device
                }
            }
        } else {
            self.active_member(i)?.member
        };
        match react.stance {
            Stance::Objection => {
                require(!react.criteria.is_empty(), || {
                    reason!(ObjectionNeedsCriteria)
                })?;
                require(
                    react.criteria.iter().all(|c| record::CRITERIA.contains(c)),
                    || reason!(CriteriaAToE),
                )?;
                require(!react.argument.trim().is_empty(), || {
                    reason!(ObjectionNeedsArgument)
                })?;
            }
            Stance::Resolved => {
                require(react.objection.is_some(), || {
                    reason!(NamesObjectionResolved)
                })?;
            }
            _ => {}
        }
        let entry = ReactionEntry {
            record: id,
            member,
            stance: react.stance,
            submission: react.submission,
            criteria: react.criteria.clone(),
            argument: react.argument.clone(),
            objection: react.objection,
            at,
        };
        let rules = self.rules_seen(i);
        // A subject closed by a record its author had not seen (concurrent
        // with it): the reaction holds as what its author said and is kept
        // (its objection too), but the closed phase stays: the decision did
        // not see it. Judged on the author's causal past, never on where the
        // replay happens to place the two.
        let concurrent_close = match self.closed_by(&react.subject) {
            Some(closer) => !self.saw(i, &closer),
            None => false,
        };
        // The wording the author reacts to must be the latest they had seen
        // (a wording submitted concurrently does not make it stale).
        let seen_current = match self.state.amendments.get(&react.subject) {
            Some(amendment) => {
                let submissions: Vec<RecordId> =
                    amendment.submissions.iter().map(|s| s.record).collect();
                let mut seen = None;
                for submission in submissions.iter().rev() {
                    if self.saw(i, submission) {
                        seen = Some(*submission);
                        break;
                    }
                }
                seen
            }
            None => None,
        };
        // Stale because of a version its author had seen ratified (one
        // ratified concurrently does not make it stale for them).
        let stale_because = self
            .state
            .amendments
            .get(&react.subject)
            .and_then(|a| a.stale_because);
        let stale_seen = stale_because.is_some_and(|v| self.saw_version(i, v));
        // The objections its author had seen: a consent withdraws those only.
        let raised: Vec<RecordId> = match self.state.amendments.get(&react.subject) {
            Some(a) => a.objections.iter().map(|o| o.record).collect(),
            None => match self.state.proposals.get(&react.subject) {
                Some(p) => p.objections.iter().map(|o| o.record).collect(),
                None => Vec::new(),
            },
        };
        let seen_objections: Vec<RecordId> =
            raised.into_iter().filter(|o| self.saw(i, o)).collect();
        let dag = Arc::clone(&self.dag);
        let reaction = Reaction {
            entry: &entry,
            seen: &seen_objections,
            dag: &dag,
        };
        if let Some(amendment) = self.state.amendments.get_mut(&react.subject) {
            if !concurrent_close {
                require(
                    !is_closed(amendment.phase) && amendment.phase != Phase::Adopted,
                    || reason!(AmendmentPhase, phase = ReasonArg::phase(amendment.phase)),
                )?;
                require(amendment.phase != Phase::Draft, || {
                    reason!(AmendmentNotSubmitted)
                })?;
                require(amendment.phase != Phase::Stale || !stale_seen, || {
                    reason!(AmendmentStale)
                })?;
            }
            require(
                react.submission.is_some() && react.submission == seen_current,
                || reason!(NotCurrentWording),
            )?;
            require(react.stance != Stance::Block || rules.amend.block, || {
                reason!(AmendNoBlock)
            })?;
            reaction.record(&mut amendment.objections)?;
            push_objection(&mut amendment.objections, &entry);
            amendment.reactions.push(entry);
            update_phase(amendment);
            return Ok(());
        }
        let proposal = self
            .state
            .proposals
            .get_mut(&react.subject)
            .ok_or_else(|| reason!(ReactNotAProposal))?;
        require(proposal.decision.is_none() || concurrent_close, || {
            reason!(DecisionClosed)
        })?;
        let act = proposal_act(&proposal.kind);
        require(
            react.stance != Stance::Block || rules.get(act).block,
            || reason!(RuleNoBlock),
        )?;
        reaction.record(&mut proposal.objections)?;
        push_objection(&mut proposal.objections, &entry);
        proposal.reactions.push(entry);
        Ok(())
    }

    /// The record that closed an amendment or a proposal (its decision, or
    /// its withdrawal), if it is closed.
    pub(super) fn closed_by(&self, subject: &RecordId) -> Option<RecordId> {
        if let Some(amendment) = self.state.amendments.get(subject) {
            return match amendment.phase {
                Phase::Adopted | Phase::Rejected | Phase::Merged => {
                    amendment.decision.as_ref().map(|d| d.record)
                }
                Phase::Withdrawn => amendment.withdrawn_by,
                _ => None,
            };
        }
        self.state
            .proposals
            .get(subject)
            .and_then(|p| p.decision.as_ref().map(|d| d.record))
    }

    /// The record (its index) that decided `subject` if record `i`'s author
    /// had not seen it: a decision concurrent with `i`.
    pub(super) fn concurrent_decision(&mut self, i: usize, subject: &RecordId) -> Option<usize> {
        let decided = match self.state.amendments.get(subject) {
            // Adopted, then made stale by a version: decided all the same.
            Some(amendment) => match amendment.phase {
                Phase::Adopted | Phase::Rejected | Phase::Merged | Phase::Stale => {
                    amendment.decision.as_ref().map(|d| d.record)
                }
                Phase::Withdrawn => amendment.withdrawn_by,
                _ => None,
            },
            None => self
                .state
                .proposals
                .get(subject)
                .and_then(|p| p.decision.as_ref().map(|d| d.record)),
        }?;
        let at = *self.dag.index.get(&decided)?;
        (!self.builds_on(i, at)).then_some(at)
    }

    /// Decision `i` holds by itself; whether it stands. Of two concurrent
    /// decisions on one subject the older (date, then DAG depth, then id)
    /// stands: `i` yields to an older one `resolve` found in the previous
    /// fold, or to `rival`, which decided the subject first in the replay,
    /// if `rival` is the older; if `i` is, `resolve` has `rival` yield and
    /// folds again (`displaced`).
    pub(super) fn yields(&mut self, i: usize, rival: Option<usize>) -> Check {
        self.yields_to_all(i, rival.as_slice())
    }

    /// Record `i` holds by itself but conflicts with `rivals`, records
    /// concurrent with it: it yields to an older record `resolve` found in
    /// the previous fold, or to the oldest rival if that is older than `i`.
    pub(super) fn yields_to_all(&mut self, i: usize, rivals: &[usize]) -> Check {
        if let Some(&older) = self.yields_to(i).first() {
            return Err(already_decided_by(&self.dag.order[older]));
        }
        self.yields_to_older(i, rivals)
    }

    /// Record `i` holds by itself but conflicts with `rivals`, records
    /// concurrent with it (two signatures of one amendment that disagree,
    /// two versions completed on one base): the older stands. If a rival is
    /// older, `i` yields to the oldest; if `i` is, every rival yields and
    /// `resolve` folds again (`displaced`).
    pub(super) fn yields_to_older(&mut self, i: usize, rivals: &[usize]) -> Check {
        let Some(&oldest) = rivals.iter().min_by_key(|&&r| self.dag.causal_key(r)) else {
            return Ok(());
        };
        if self.dag.causal_key(oldest) < self.dag.causal_key(i) {
            return Err(already_decided_by(&self.dag.order[oldest]));
        }
        for &rival in rivals {
            self.displaced.push((rival, i));
        }
        Err(reason!(FoldedAgain))
    }

    /// The phase of amendment `subject` as record `i`'s author saw it: the
    /// reactions and objections among its ancestors, and not closed by a
    /// decision or withdrawal it had not seen.
    pub(super) fn phase_seen(&mut self, i: usize, subject: &RecordId) -> Option<Phase> {
        let rival = self.concurrent_decision(i, subject);
        let seen = self.dag.ancestors(i);
        let mut view = self.state.amendments.get(subject)?.clone();
        view.reactions = Self::visible(&self.dag, &seen, &view.reactions);
        view.objections = Self::visible_objections(&self.dag, &seen, &view.objections);
        view.round_open = Self::round_visible(&self.dag, &seen, &view);
        if rival.is_some() {
            view.phase = Phase::Proposed;
            view.decision = None;
        }
        self.unsee_versions(i, &mut view);
        update_phase(&mut view);
        Some(view.phase)
    }

    /// Amendment `view` as record `i`'s author saw it with respect to
    /// versions: one it had not seen ratified neither merged it nor made it
    /// stale.
    pub(super) fn unsee_versions(&mut self, i: usize, view: &mut AmendmentState) {
        let unseen = self.versions_unseen(i, view.stale_because, view.version);
        unsee(view, unseen);
    }

    /// Whether record `i`'s author had not seen ratified the version that
    /// made an amendment stale, and the one it became.
    pub(super) fn versions_unseen(
        &mut self,
        i: usize,
        stale_because: Option<usize>,
        version: Option<usize>,
    ) -> (bool, bool) {
        (
            stale_because.is_some_and(|v| !self.saw_version(i, v)),
            version.is_some_and(|v| !self.saw_version(i, v)),
        )
    }

    /// Record `i` closes amendment `subject` (a withdrawal, a rejection):
    /// versions its author had not seen ratified are forgotten by it, as if
    /// the close had come first (a closed amendment is neither rebased nor
    /// made stale).
    pub(super) fn forget_unseen_versions(&mut self, i: usize, subject: &RecordId) {
        let Some(amendment) = self.state.amendments.get(subject) else {
            return;
        };
        let (stale, rebased) = (amendment.stale_because, amendment.rebased_onto.clone());
        let stale = stale.filter(|&v| self.saw_version(i, v));
        let rebased: Vec<usize> = rebased
            .into_iter()
            .filter(|&v| self.saw_version(i, v))
            .collect();
        if let Some(amendment) = self.state.amendments.get_mut(subject) {
            amendment.stale_because = stale;
            amendment.rebased_onto = rebased;
        }
    }

    /// Whether record `i`'s author had seen record `id` (it is an ancestor).
    pub(super) fn saw(&mut self, i: usize, id: &RecordId) -> bool {
        match self.dag.index.get(id) {
            Some(&a) => self.builds_on(i, a),
            None => false,
        }
    }

    /// `objection.test`: records whether an objection meets the criteria it
    /// claims.
    pub(super) fn test_objection(
        &mut self,
        i: usize,
        record: &Record,
        test: &TestObjection,
    ) -> Check {
        let id = record.id();
        let author = self.active_member(i)?;
        self.reference(i, &test.objection, "objection")?;
        let (subject, objector) = match self
            .dag
            .index
            .get(&test.objection)
            .map(|&o| &self.dag.order[o])
        {
            Some(r) => match r.payload() {
                Payload::React(react) if react.stance == Stance::Objection => (
                    react.subject,
                    self.state.member_of(&r.author()).map(|m| m.id),
                ),
                _ => return Err(reason!(TestNotAnObjection)),
            },
            None => return Err(reason!(UnknownObjection)),
        };
        let objector = objector.ok_or_else(|| reason!(ObjectorUnknown))?;
        self.is_facilitator_or_member(&author, &objector)?;
        require(
            test.passed.iter().all(|c| record::CRITERIA.contains(c)),
            || reason!(CriteriaAToE),
        )?;
        let entry = ObjectionTestEntry {
            record: id,
            by: author.member,
            passed: test.passed.clone(),
            valid: test.valid(),
            note: test.note.clone(),
            at: record.timestamp(),
        };
        // Tested after a decision the tester had not seen: kept as said,
        // changes nothing.
        if let Some(closer) = self.closed_by(&subject)
            && !self.saw(i, &closer)
        {
            return Ok(());
        }
        let objections = if let Some(a) = self.state.amendments.get_mut(&subject) {
            require(!is_closed(a.phase), || reason!(DecisionClosed))?;
            &mut a.objections
        } else if let Some(p) = self.state.proposals.get_mut(&subject) {
            require(p.decision.is_none(), || reason!(DecisionClosed))?;
            &mut p.objections
        } else {
            return Err(reason!(ObjectionSubjectUnknown));
        };
        let objection = objections
            .iter_mut()
            .find(|o| o.record == test.objection)
            .ok_or_else(|| reason!(ObjectionNotCounted))?;
        objection.acts.tests.push(entry);
        objection.settle(&self.dag, |_| true);
        if let Some(a) = self.state.amendments.get_mut(&subject) {
            update_phase(a);
        }
        Ok(())
    }

    /// `decide`: adopts or rejects an amendment or a proposal; the count under
    /// the rule must agree with the outcome.
    pub(super) fn decide(&mut self, i: usize, record: &Record, decide: &Decide) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        self.reference(i, &decide.subject, "proposal")?;
        // Reactions count only if the decision builds on them.
        let seen = self.dag.ancestors(i);
        let subject = decide.subject;
        // A decision on the same subject its author had not seen: this one
        // is judged as if it were not there, then the older of the two
        // stands (`displace`).
        let rival = self.concurrent_decision(i, &subject);
        // A decision is about the wording under decision as its author saw
        // it: the latest among its ancestors. A new wording submitted
        // concurrently is not adopted in its place: of the two, the older
        // stands (`yields`, below).
        let wordings: Vec<RecordId> = self
            .state
            .amendments
            .get(&subject)
            .map(|a| a.submissions.iter().map(|s| s.record).collect())
            .unwrap_or_default();
        let mut seen_wordings = 0;
        let mut unseen_wordings = Vec::new();
        for (n, wording) in wordings.iter().enumerate() {
            match self.dag.index.get(wording).copied() {
                Some(w) if self.builds_on(i, w) => seen_wordings = n + 1,
                Some(w) => unseen_wordings.push(w),
                None => {}
            }
        }
        if seen_wordings == 0
            && let Some(last) = wordings.last()
        {
            return Err(reason!(WordingNotBuiltOn, record = last.short()));
        }
        let unseen = match self.state.amendments.get(&subject) {
            Some(a) => self.versions_unseen(i, a.stale_because, a.version),
            None => (false, false),
        };
        if let Some(amendment) = self.state.amendments.get(&subject) {
            let mut amendment = amendment.clone();
            amendment.submissions.truncate(seen_wordings);
            let amendment = &amendment;
            let counted = Self::visible(&self.dag, &seen, &amendment.reactions);
            let submission = amendment.submissions.last().map(|s| s.record);
            let start = amendment.submissions.last().map_or(amendment.at, |s| s.at);
            let rule = self.rules_seen(i).amend;
            let ballots = self.ballots(i, &self.state, &rule, &counted, submission, None);
            let advice_given = counted.iter().any(|r| r.member != amendment.proposer);
            let objections = Self::visible_objections(&self.dag, &seen, &amendment.objections);
            // The phase as the decider saw it: from the reactions and
            // objections among its ancestors (one raised concurrently does
            // not stop it; a later decision sees it).
            let seen_phase = {
                let mut view = amendment.clone();
                view.reactions = counted.clone();
                view.objections = objections.clone();
                view.round_open = Self::round_visible(&self.dag, &seen, &view);
                if rival.is_some() {
                    view.phase = Phase::Proposed;
                    view.decision = None;
                }
                view
            };
            let seen_phase = {
                let mut view = seen_phase;
                unsee(&mut view, unseen);
                update_phase(&mut view);
                view.phase
            };
            let tally = tally::evaluate(
                &rule,
                &ballots,
                &Context {
                    objections: &objections,
                    start,
                    now: at,
                    by_proposer: author.member == amendment.proposer,
                    advice_given,
                },
            );
            match decide.outcome {
                Outcome::Adopted => {
                    require(seen_phase == Phase::ObjectionRound, || {
                        let open = objections.iter().filter(|o| o.is_open()).count();
                        if seen_phase == Phase::Integrating {
                            reason!(
                                CannotAdoptOpen,
                                phase = ReasonArg::phase(seen_phase),
                                open = open
                            )
                        } else {
                            reason!(CannotAdopt, phase = ReasonArg::phase(seen_phase))
                        }
                    })?;
                    require(tally.passes, || {
                        reason!(RuleNotMet, tally = tally.explanation.clone())
                    })?;
                }
                Outcome::Rejected => {
                    // An adopted amendment is decided: a later count (the
                    // electorate changes) does not undo it.
                    require(
                        !is_closed(seen_phase)
                            && !matches!(seen_phase, Phase::Draft | Phase::Adopted),
                        || reason!(CannotReject, phase = ReasonArg::phase(seen_phase)),
                    )?;
                    require(!decide.reason.trim().is_empty(), || {
                        reason!(RejectionNeedsReason)
                    })?;
                    // The rule's delay holds for any decision, not only an
                    // adoption: no one closes a proposal before it.
                    require(tally.deadline_met, || {
                        super::super::tally::delay_not_passed(&rule, tally.delay_ends)
                    })?;
                    require(!tally.passes, || reason!(RuleMet))?;
                }
            }
            // Several older acts may stand against it (a decision, the
            // withdrawal, a new wording); which the replay meets first is
            // not said.
            let stands = |reason: Reason| {
                if reason.code() == Code::FoldedAgain {
                    reason
                } else {
                    reason!(DecidedConcurrently)
                }
            };
            if !self.yields_to(i).is_empty() {
                return Err(reason!(DecidedConcurrently));
            }
            let rivals: Vec<usize> = rival.into_iter().chain(unseen_wordings).collect();
            self.yields_to_older(i, &rivals).map_err(stands)?;
            let Some(amendment) = self.state.amendments.get_mut(&subject) else {
                return Err(reason!(UnknownAmendment));
            };
            // Made stale by a version its decider had not seen: adopted,
            // then stale, as if the decision had come first.
            amendment.phase = match decide.outcome {
                Outcome::Adopted if amendment.stale_because.is_some() => Phase::Stale,
                Outcome::Adopted => Phase::Adopted,
                Outcome::Rejected => Phase::Rejected,
            };
            amendment.decision = Some(DecisionEntry {
                record: id,
                by: author.member,
                outcome: decide.outcome,
                reason: decide.reason.clone(),
                tally,
                at,
            });
            if decide.outcome == Outcome::Rejected {
                self.forget_unseen_versions(i, &subject);
            }
            return Ok(());
        }
        let proposal = self
            .state
            .proposals
            .get(&subject)
            .ok_or_else(|| reason!(DecideNotAProposal))?;
        require(proposal.decision.is_none() || rival.is_some(), || {
            reason!(AlreadyDecided)
        })?;
        let counted = Self::visible(&self.dag, &seen, &proposal.reactions);
        let act = proposal_act(&proposal.kind);
        let seen_rules = self.rules_seen(i);
        let mut rules: Vec<Rule> = vec![seen_rules.get(act).clone()];
        let mut exclude = None;
        match &proposal.kind {
            ProposalKind::Admission { .. } => {}
            ProposalKind::Exclusion {
                member, hearing_at, ..
            } => {
                exclude = Some(*member);
                require(author.member != *member, || reason!(OwnExclusionDecision))?;
                require(at >= *hearing_at, || reason!(DecisionBeforeHearing))?;
            }
            ProposalKind::RuleChange { act, rule, .. } => {
                // The stricter of the old and the new rule: it must pass both.
                rules.push(seen_rules.get(*act).clone());
                rules.push(rule.clone());
            }
        }
        let objections = Self::visible_objections(&self.dag, &seen, &proposal.objections);
        let mut tallies = Vec::new();
        for rule in &rules {
            let ballots = self.ballots(i, &self.state, rule, &counted, None, exclude);
            tallies.push(tally::evaluate(
                rule,
                &ballots,
                &Context {
                    objections: &objections,
                    start: proposal.at,
                    now: at,
                    by_proposer: author.member == proposal.by,
                    advice_given: counted.iter().any(|r| r.member != proposal.by),
                },
            ));
        }
        let passes = tallies.iter().all(|t| t.passes);
        let mut tally = tallies
            .iter()
            .find(|t| !t.passes)
            .unwrap_or(&tallies[0])
            .clone();
        if tallies.len() > 1 {
            let said = |n: usize| tallies.get(n).map(|t| t.explanation.clone());
            if let (Some(change), Some(old), Some(new)) = (said(0), said(1), said(2)) {
                tally.explanation = reason!(TallyRuleChange, change = change, old = old, new = new);
            }
        }
        match decide.outcome {
            Outcome::Adopted => require(passes, || {
                reason!(RuleNotMet, tally = tally.explanation.clone())
            })?,
            Outcome::Rejected => {
                require(!decide.reason.trim().is_empty(), || {
                    reason!(DeclineNeedsReason)
                })?;
                // The delay of every rule involved holds for a decline too.
                if let Some((rule, t)) = rules.iter().zip(&tallies).find(|(_, t)| !t.deadline_met) {
                    return Err(super::super::tally::delay_not_passed(rule, t.delay_ends));
                }
                require(!passes, || reason!(RuleMet))?;
            }
        }
        let kind = proposal.kind.clone();
        self.yields(i, rival)?;
        let entry = DecisionEntry {
            record: id,
            by: author.member,
            outcome: decide.outcome,
            reason: decide.reason.clone(),
            tally,
            at,
        };
        if let Some(p) = self.state.proposals.get_mut(&subject) {
            p.decision = Some(entry);
        }
        match (kind, decide.outcome) {
            (ProposalKind::Admission { .. }, outcome) => {
                if let Some(a) = self.state.applications.get_mut(&subject) {
                    a.state = match outcome {
                        Outcome::Adopted => ApplicationState::Admitted,
                        Outcome::Rejected => ApplicationState::Declined {
                            reason: decide.reason.clone(),
                        },
                    };
                }
            }
            (
                ProposalKind::Exclusion {
                    member, reasons, ..
                },
                Outcome::Adopted,
            ) => {
                if let Some(m) = self.state.members.get_mut(&member) {
                    m.status = MemberStatus::Excluded;
                    m.sanctions.push(SanctionEntry {
                        record: id,
                        level: "exclusion".into(),
                        reasons,
                        by: author.member,
                        at,
                        until: 0,
                    });
                }
                self.auth(i, vec![Effect::Exclude(member)]);
                let devices = self.devices_of(&member);
                self.removals.push(Removal { at: i, devices });
            }
            (ProposalKind::RuleChange { act, rule, .. }, Outcome::Adopted) => {
                self.state.rules.set(act, rule.clone());
                // Records that build on this decision are judged under it.
                self.rule_changes.push((i, act, rule));
                self.auth(i, Vec::new());
            }
            _ => {}
        }
        Ok(())
    }

    /// The electorate of decision `i` under `rule`: the members its author
    /// had seen, active at its time.
    fn ballots<'s>(
        &self,
        i: usize,
        state: &'s State,
        rule: &Rule,
        reactions: &'s [ReactionEntry],
        submission: Option<RecordId>,
        exclude: Option<PublicKey>,
    ) -> Vec<Ballot<'s>> {
        let at = self.dag.order[i].timestamp();
        let mut ballots = Vec::new();
        for member in state.members.values() {
            let active = self
                .status_seen(i, &member.id)
                .is_some_and(|status| status.active_at(at));
            if !active || Some(member.id) == exclude {
                continue;
            }
            if !rule.electorate.is_empty() && !rule.electorate.contains(&member.college) {
                continue;
            }
            let weight = state
                .colleges
                .iter()
                .find(|c| c.id == member.college)
                .map_or(1, |c| c.weight);
            let latest = reactions.iter().rev().find(|r| {
                r.member == member.id && (submission.is_none() || r.submission == submission)
            });
            ballots.push(Ballot {
                member: member.id,
                weight,
                latest,
            });
        }
        ballots
    }

    /// The objections among the ancestors of record `i`, as record `i` knew
    /// them.
    fn visible_objections(
        dag: &Dag,
        ancestors: &[bool],
        objections: &[ObjectionState],
    ) -> Vec<ObjectionState> {
        let seen = |record: &RecordId| dag.index.get(record).is_some_and(|&at| ancestors[at]);
        let mut out = Vec::with_capacity(objections.len());
        for objection in objections {
            if !seen(&objection.record) {
                continue;
            }
            // What became of it counts only if the decision saw it too: a
            // test, an integration, a confirmation or a withdrawal recorded
            // concurrently leaves the objection as the decider knew it.
            let mut known = objection.clone();
            known.settle(dag, seen);
            out.push(known);
        }
        out
    }

    /// Whether a round of `amendment` is among `ancestors`: one opened
    /// concurrently does not put the amendment in its objection round for
    /// an act that had not seen it.
    fn round_visible(dag: &Dag, ancestors: &[bool], amendment: &AmendmentState) -> bool {
        amendment
            .rounds
            .iter()
            .any(|r| dag.index.get(r).is_some_and(|&at| ancestors[at]))
    }

    /// The reactions among the ancestors of record `i`.
    /// The reactions a decision saw, in causal order (so a member's latest
    /// is the same whatever the tie-break).
    fn visible(dag: &Dag, ancestors: &[bool], reactions: &[ReactionEntry]) -> Vec<ReactionEntry> {
        let mut out = Vec::with_capacity(reactions.len());
        for reaction in reactions {
            if let Some(&at) = dag.index.get(&reaction.record)
                && ancestors[at]
            {
                out.push(reaction.clone());
            }
        }
        out.sort_by_key(|r| dag.causal_key_of(&r.record));
        out
    }
}

/// A reaction about to be recorded, with what its author had seen.
struct Reaction<'r> {
    entry: &'r ReactionEntry,
    /// The objections of its subject its author had seen.
    seen: &'r [RecordId],
    dag: &'r Dag,
}

impl Reaction<'_> {
    /// Track objections: confirmed resolved by the objector, or withdrawn
    /// when the objector later consents, votes yes, stands aside or
    /// abstains (only the objections they had seen).
    fn record(&self, objections: &mut [ObjectionState]) -> Check {
        let entry = self.entry;
        let all = |_: &RecordId| true;
        match entry.stance {
            Stance::Resolved => {
                let target = entry
                    .objection
                    .ok_or_else(|| reason!(NamesObjectionResolved))?;
                let objection = objections
                    .iter_mut()
                    .find(|o| o.record == target)
                    .ok_or_else(|| reason!(ConfirmsUnraised))?;
                require(objection.member == entry.member, || {
                    reason!(ConfirmNotObjector)
                })?;
                objection.acts.confirmations.push(entry.record);
                objection.settle(self.dag, all);
            }
            Stance::Consent | Stance::Yes | Stance::StandAside | Stance::Abstain => {
                for objection in objections
                    .iter_mut()
                    .filter(|o| o.member == entry.member && self.seen.contains(&o.record))
                {
                    objection.acts.withdrawals.push(entry.record);
                    objection.settle(self.dag, all);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn push_objection(objections: &mut Vec<ObjectionState>, entry: &ReactionEntry) {
    if entry.stance == Stance::Objection {
        objections.push(ObjectionState {
            record: entry.record,
            member: entry.member,
            criteria: entry.criteria.clone(),
            argument: entry.argument.clone(),
            test: None,
            integrated_by: None,
            confirmed_by: None,
            withdrawn_by: None,
            acts: Default::default(),
        });
    }
}

fn proposal_act(kind: &ProposalKind) -> Act {
    match kind {
        ProposalKind::Admission { .. } => Act::Admit,
        ProposalKind::Exclusion { .. } => Act::Exclude,
        ProposalKind::RuleChange { .. } => Act::Rules,
    }
}

pub(super) fn check_rule(rule: &Rule, colleges: &[College]) -> Check {
    require(rule.quorum <= 100 && rule.threshold <= 100, || {
        reason!(PercentagesMax)
    })?;
    require(rule.signers >= 1, || reason!(RuleNeedsSigner))?;
    for college in &rule.electorate {
        require(colleges.iter().any(|c| c.id == *college), || {
            reason!(NoCollege, college = college)
        })?;
    }
    if matches!(rule.method, Method::Qualified | Method::Weighted) {
        require(rule.threshold > 0, || reason!(ThresholdNeeded))?;
    }
    Ok(())
}

/// Why the younger of two concurrent decisions (or withdrawals) on one
/// subject is refused.
/// Amendment `view` without the versions its viewer had not seen ratified
/// (`unseen`: the one that made it stale, the one it became).
pub(super) fn unsee(view: &mut AmendmentState, (stale, merged): (bool, bool)) {
    if stale {
        view.stale_because = None;
        if view.phase == Phase::Stale {
            let adopted = view
                .decision
                .as_ref()
                .is_some_and(|d| d.outcome == Outcome::Adopted);
            // `update_phase` recomputes an open phase from the rest.
            view.phase = if adopted {
                Phase::Adopted
            } else {
                Phase::Proposed
            };
        }
    }
    if merged && view.phase == Phase::Merged {
        view.phase = Phase::Adopted;
    }
}

/// Why record `older`, concurrent with the one judged, stands instead.
pub(super) fn already_decided_by(older: &Record) -> Reason {
    let record = older.id().short();
    match older.payload() {
        Payload::Withdraw(_) => reason!(ClosedByWithdrawal, record = record),
        Payload::Submit(_) => reason!(NewWordingConcurrently, record = record),
        // Which of several older signatures the replay met first is not
        // said: it depends on the replay.
        Payload::Ratify(_) => reason!(SignatureConcurrently),
        // Which of several older updates the replay met first is not said.
        Payload::TensionUpdate(_) => reason!(TensionUpdateConcurrently),
        _ => reason!(DecidedByOlder, record = record),
    }
}
