//! Amendments to the charter: challenges of a section, amendments answering
//! them, submitted wordings, the objection round, withdrawal, and ratification
//! into a new version of the charter; and the phase each amendment is in.
//! Reactions to amendments and the decision on them are in `decisions.rs`.

use super::decisions::already_decided_by;
use super::*;
use crate::record::{Challenge, Propose, Ratify, Round, Submit, Withdraw};

impl Fold {
    /// `challenge`: a member challenges a section; an inadmissible challenge is
    /// kept, with the reason.
    pub(super) fn challenge(&mut self, i: usize, record: &Record, challenge: &Challenge) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        if let Some(tension) = &challenge.tension_record {
            self.reference(i, tension, "tension")?;
            let history: Vec<(RecordId, TensionStatus)> = self
                .state
                .tensions
                .get(tension)
                .ok_or_else(|| reason!(NotATension))?
                .history
                .iter()
                .map(|(r, status, ..)| (*r, *status))
                .collect();
            // Escalated in its author's eyes: an escalation they had seen.
            let escalated = history
                .iter()
                .any(|(r, status)| *status == TensionStatus::Escalated && self.saw(i, r));
            require(escalated, || reason!(TensionNotEscalated))?;
        }
        if let Some(amendment) = &challenge.promoted_from {
            self.reference(i, amendment, "amendment")?;
            let a = self
                .state
                .amendments
                .get(amendment)
                .ok_or_else(|| reason!(NotAnAmendment))?;
            // Rejected by a decision its author had seen.
            let rejected_by = (a.phase == Phase::Rejected)
                .then(|| a.decision.as_ref().map(|d| d.record))
                .flatten();
            let proposer = a.proposer;
            require(rejected_by.is_some_and(|d| self.saw(i, &d)), || {
                reason!(PromoteNotRejected)
            })?;
            require(proposer == author.member, || reason!(PromoteNotProposer))?;
        }
        let admissibility = if challenge.section.trim().is_empty() {
            Admissibility::Inadmissible {
                reason: reason!(NoSection),
            }
        } else if challenge.tension.trim().is_empty() {
            Admissibility::Inadmissible {
                reason: reason!(NoTension),
            }
        } else if challenge.example.trim().is_empty() {
            Admissibility::Inadmissible {
                reason: reason!(NoExample),
            }
        } else {
            Admissibility::Admissible
        };
        if let Some(t) = challenge
            .tension_record
            .and_then(|tension| self.state.tensions.get_mut(&tension))
        {
            let t = Arc::make_mut(t);
            t.challenges.push(id);
            t.challenges.sort_by_key(|c| self.dag.causal_key_of(c));
        }
        self.state.challenges.insert(
            id,
            ChallengeState {
                record: id,
                author: author.member,
                section: challenge.section.clone(),
                tension: challenge.tension.clone(),
                example: challenge.example.clone(),
                admissibility,
                amendments: Vec::new(),
                from_tension: challenge.tension_record,
                promoted_from: challenge.promoted_from,
                at,
                closed: None,
            },
        );
        Ok(())
    }

    /// `amendment.propose`: a member answers an admissible challenge with a draft
    /// forked from the version in force.
    pub(super) fn propose(&mut self, i: usize, record: &Record, propose: &Propose) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        self.reference(i, &propose.challenge, "challenge")?;
        let challenge = self
            .state
            .challenges
            .get(&propose.challenge)
            .ok_or_else(|| reason!(NotAChallenge))?;
        if let Admissibility::Inadmissible { reason } = &challenge.admissibility {
            return Err(reason!(ChallengeInadmissible, reason = reason.clone()));
        }
        self.not_closed_seen(i, &propose.challenge)?;
        require(!propose.title.trim().is_empty(), || {
            reason!(AmendmentNeedsTitle)
        })?;
        require(!propose.rationale.trim().is_empty(), || {
            reason!(AmendmentNeedsRationale)
        })?;
        let base: Vec<String> = propose.base.0.iter().map(crate::ids::hash_hex).collect();
        let in_force = self.in_force_seen(i);
        require(base == self.state.versions[in_force].heads, || {
            reason!(NotFromVersionInForce)
        })?;
        if let Some(c) = self.state.challenges.get_mut(&propose.challenge) {
            c.amendments.push(id);
            c.amendments.sort_by_key(|a| self.dag.causal_key_of(a));
        }
        self.state.amendments.insert(
            id,
            AmendmentState {
                record: id,
                proposer: author.member,
                coauthors: propose.coauthors.clone(),
                title: propose.title.clone(),
                rationale: propose.rationale.clone(),
                challenge: propose.challenge,
                draft: propose.draft,
                base,
                phase: Phase::Draft,
                submissions: Vec::new(),
                reactions: Vec::new(),
                objections: Vec::new(),
                round_open: false,
                round: None,
                rounds: Vec::new(),
                decision: None,
                ratifications: Vec::new(),
                signatures_in_force: Vec::new(),
                version: None,
                rebased_onto: Vec::new(),
                stale_because: None,
                withdrawn: None,
                withdrawn_by: None,
                at,
            },
        );
        Ok(())
    }

    /// `amendment.submit`: the proposer or a co-author submits a wording of the
    /// draft, possibly integrating objections.
    pub(super) fn submit(&mut self, i: usize, record: &Record, submit: &Submit) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        self.reference(i, &submit.amendment, "amendment")?;
        // A decision or withdrawal its author had not seen: judged as if it
        // were not there; then of a decision and a new wording, the older
        // stands, and a wording concurrent with the withdrawal is kept as
        // said (the amendment stays withdrawn).
        let rival = self.concurrent_decision(i, &submit.amendment);
        let withdrawn_concurrently =
            rival.is_some_and(|r| matches!(self.dag.order[r].payload(), Payload::Withdraw(_)));
        // A version it had not seen ratified did not make it stale for it
        // (adopted, it is closed to new wordings).
        let unseen = match self.state.amendments.get(&submit.amendment) {
            Some(a) => self.versions_unseen(i, a.stale_because, a.version),
            None => (false, false),
        };
        let amendment = self
            .state
            .amendments
            .get(&submit.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        require(
            amendment.proposer == author.member || amendment.coauthors.contains(&author.member),
            || reason!(SubmitNotAuthor),
        )?;
        // Once adopted, the wording is the one ratified.
        let phase = {
            let mut view = amendment.clone();
            super::decisions::unsee(&mut view, unseen);
            view.phase
        };
        require(
            rival.is_some() || (!is_closed(phase) && phase != Phase::Adopted),
            || reason!(AmendmentPhase, phase = ReasonArg::phase(phase)),
        )?;
        require(!submit.heads.0.is_empty(), || reason!(WordingNoHeads))?;
        require(!submit.sections.is_empty(), || reason!(WordingNoSection))?;
        for objection in &submit.integrates {
            require(
                amendment.objections.iter().any(|o| o.record == *objection),
                || reason!(IntegratesNonObjection, record = objection.short()),
            )?;
        }
        require(
            submit.integrates.is_empty() || submit.tension_addressed,
            || reason!(IntegratesUnconfirmed),
        )?;
        let stale_because = amendment.stale_because;
        self.yields(i, rival.filter(|_| !withdrawn_concurrently))?;
        let stale_cleared = stale_because.is_none_or(|v| self.saw_version(i, v));
        let in_force = self.in_force_seen(i);
        let in_force = self.state.versions[in_force].number;
        let Some(amendment) = self.state.amendments.get_mut(&submit.amendment) else {
            return Err(reason!(UnknownAmendment));
        };
        amendment.submissions.push(Submission {
            record: id,
            by: author.member,
            heads: submit.heads.0.iter().map(crate::ids::hash_hex).collect(),
            sections: submit.sections.clone(),
            note: submit.note.clone(),
            integrates: submit.integrates.clone(),
            version: in_force,
            at,
        });
        for objection in &mut amendment.objections {
            if submit.integrates.contains(&objection.record) {
                objection.acts.integrations.push(id);
                objection.settle(&self.dag, |_| true);
            }
        }
        if stale_cleared {
            amendment.stale_because = None;
        }
        update_phase(amendment);
        Ok(())
    }

    /// `amendment.round`: the proposer opens the objection round.
    pub(super) fn round(&mut self, i: usize, record: &Record, round: &Round) -> Check {
        let author = self.active_member(i)?;
        self.reference(i, &round.amendment, "amendment")?;
        let proposer = self
            .state
            .amendments
            .get(&round.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?
            .proposer;
        require(proposer == author.member, || reason!(RoundNotProposer))?;
        // Judged on the phase the proposer saw: a decision, a withdrawal or
        // another round they had not seen does not refuse it (a decision
        // that had not seen a round is refused in turn), and it does not
        // reopen an amendment closed meanwhile.
        let phase = self
            .phase_seen(i, &round.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        require(matches!(phase, Phase::Proposed | Phase::Reactions), || {
            reason!(AmendmentPhase, phase = ReasonArg::phase(phase))
        })?;
        let id = record.id();
        let older =
            |a: &RecordId, b: &RecordId| self.dag.causal_key_of(a) < self.dag.causal_key_of(b);
        let keep = match self
            .state
            .amendments
            .get(&round.amendment)
            .and_then(|a| a.round)
        {
            Some(first) if older(&first, &id) => first,
            _ => id,
        };
        let amendment = self
            .state
            .amendments
            .get_mut(&round.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        amendment.round_open = true;
        amendment.round = Some(keep);
        amendment.rounds.push(id);
        update_phase(amendment);
        Ok(())
    }

    /// `amendment.withdraw`: the proposer withdraws the amendment before adoption.
    pub(super) fn withdraw(&mut self, i: usize, record: &Record, withdraw: &Withdraw) -> Check {
        let author = self.active_member(i)?;
        self.reference(i, &withdraw.amendment, "amendment")?;
        // A decision or withdrawal the proposer had not seen: judged as if
        // it were not there, then the older of the two stands.
        let rival = self.concurrent_decision(i, &withdraw.amendment);
        let proposer = self
            .state
            .amendments
            .get(&withdraw.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?
            .proposer;
        require(proposer == author.member, || reason!(WithdrawNotProposer))?;
        let phase = self
            .phase_seen(i, &withdraw.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        // Withdrawn "by the proposer, before adoption".
        require(!is_closed(phase) && phase != Phase::Adopted, || {
            reason!(AmendmentPhase, phase = ReasonArg::phase(phase))
        })?;
        self.yields(i, rival)?;
        let amendment = self
            .state
            .amendments
            .get_mut(&withdraw.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        amendment.phase = Phase::Withdrawn;
        amendment.withdrawn = Some(withdraw.reason.clone());
        amendment.withdrawn_by = Some(record.id());
        self.forget_unseen_versions(i, &withdraw.amendment);
        Ok(())
    }

    /// `ratify`: a member signs an adopted amendment. With enough signers it
    /// becomes a new version; open amendments that change the same sections go
    /// stale, the others are rebased.
    ///
    /// A signature counts toward the version in force its signer saw (its
    /// base): versions form a chain, each ratified by members who had seen
    /// the one before. Of two signatures of one amendment on one base that
    /// disagree (other heads, or the same member twice) and of two versions
    /// completed on one base, the older stands (date, depth, id), whatever
    /// the replay's order.
    pub(super) fn ratify(&mut self, i: usize, record: &Record, ratify: &Ratify) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        self.reference(i, &ratify.amendment, "amendment")?;
        // Yields to an older concurrent signature of the same amendment
        // (found in the previous fold); to an older version of another one
        // only if this signature completes a version (below).
        let base = self.in_force_seen(i);
        self.base_seen.insert(i, base);
        let needed = usize::from(self.rules_seen(i).amend.signers.max(1));
        self.ratify_needed.insert(i, needed);
        let mut forced = false;
        for older in self.yields_to(i) {
            let same = match self.dag.order[older].payload() {
                Payload::Ratify(theirs) => theirs.amendment == ratify.amendment,
                _ => true,
            };
            if same {
                return Err(already_decided_by(&self.dag.order[older]));
            }
            forced = true;
        }
        // Adopted as its signer saw it (an adoption it had not seen, or a
        // decision or withdrawal concurrent with it, does not count; a
        // version it had not seen ratified neither merged it nor made it
        // stale).
        let seen = self
            .phase_seen(i, &ratify.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        require(seen == Phase::Adopted, || {
            reason!(RatifyNotAdopted, phase = ReasonArg::phase(seen))
        })?;
        require(!ratify.heads.0.is_empty(), || reason!(VersionNoHeads))?;
        let amendment = self
            .state
            .amendments
            .get(&ratify.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        if let Some(decision) = amendment.decision.as_ref().map(|d| d.record) {
            self.reference(i, &decision, "decision")?;
        }
        let amendment = self
            .state
            .amendments
            .get(&ratify.amendment)
            .ok_or_else(|| reason!(NotAnAmendment))?;
        let merged_as = amendment.version;
        // The signatures already counted toward this base, oldest first.
        let mut group: Vec<usize> = amendment
            .ratifications
            .iter()
            .filter_map(|r| self.dag.index.get(r).copied())
            .filter(|r| self.ratify_base.get(r) == Some(&base))
            .collect();
        group.sort_by_key(|&r| self.dag.causal_key(r));
        let mut signers: Vec<PublicKey> = Vec::with_capacity(group.len() + 1);
        let mut rivals = Vec::new();
        for &g in &group {
            let other = self.dag.order[g].clone();
            let Payload::Ratify(theirs) = other.payload() else {
                continue;
            };
            let signer = self.state.member_of(&other.author()).map(|m| m.id);
            let same_signer = signer == Some(author.member);
            let other_heads = theirs.heads != ratify.heads;
            if !same_signer && !other_heads {
                signers.extend(signer);
                continue;
            }
            if self.builds_on(i, g) {
                return Err(if same_signer {
                    reason!(AlreadySigned)
                } else {
                    reason!(OtherHeads, record = other.id().short())
                });
            }
            rivals.push(g);
        }
        self.yields_to_older(i, &rivals)?;
        signers.push(author.member);
        // Ratified already, by a version this signer had not seen: one more
        // signature of it if it was made on the same base; else a signature
        // on a version no longer in force, which counts toward nothing.
        if let Some(v) = merged_as {
            let completer = self.version_meta[v].completer;
            self.ratify_base.insert(i, base);
            if let Some(a) = self.state.amendments.get_mut(&ratify.amendment) {
                a.ratifications.push(id);
            }
            if self.ratify_base.get(&completer) == Some(&base) {
                let version = &mut self.state.versions[v];
                version.ratified_by.push(id);
                version.signers.push(author.member);
            }
            return Ok(());
        }
        let mut pool = group.clone();
        pool.push(i);
        let mine = self.completion(pool);
        // Completed on a base on which another version was made
        // concurrently: the older completion makes the version; the other
        // signatures stay signatures, on a version no longer in force, and
        // their signers sign again on the new one. An older completion the
        // previous fold found (`forced`) may come later in the replay.
        let mut complete = mine.is_some() && !forced;
        let last = self.state.versions.len() - 1;
        if complete && base != last {
            complete = false;
            let mine = mine.unwrap_or(i);
            let theirs = self.completed_by(base + 1);
            if self.dag.causal_key(mine) < self.dag.causal_key(theirs) {
                // Ours is older: none of theirs completes a version in the
                // next fold, and ours does.
                let signatures: Vec<usize> = self.state.versions[base + 1]
                    .ratified_by
                    .iter()
                    .filter_map(|r| self.dag.index.get(r).copied())
                    .collect();
                for signature in signatures {
                    self.displaced.push((signature, mine));
                }
            }
        }
        self.ratify_base.insert(i, base);
        let amendment_id = ratify.amendment;
        let (sections, ratified_by) = {
            let Some(a) = self.state.amendments.get_mut(&amendment_id) else {
                return Err(reason!(UnknownAmendment));
            };
            a.ratifications.push(id);
            let sections = a
                .submissions
                .last()
                .map(|s| s.sections.clone())
                .unwrap_or_default();
            let ratified_by: Vec<RecordId> = group
                .iter()
                .map(|&g| self.dag.order[g].id())
                .chain([id])
                .collect();
            (sections, ratified_by)
        };
        if !complete {
            return Ok(());
        }
        let number = self.state.versions.len() + 1;
        let hash = version_hash(&self.state.charter, &ratify.heads.0);
        self.state.versions.push(VersionEntry {
            number,
            heads: ratify.heads.0.iter().map(crate::ids::hash_hex).collect(),
            hash,
            amendment: Some(amendment_id),
            sections: sections.clone(),
            ratified_by,
            signers,
            at,
        });
        self.version_meta.push(VersionMeta { completer: i });
        let version = self.state.versions.len() - 1;
        for (other_id, other) in self.state.amendments.iter_mut() {
            if *other_id == amendment_id {
                other.phase = Phase::Merged;
                other.version = Some(version);
                continue;
            }
            if is_closed(other.phase) {
                continue;
            }
            let Some(current) = other.submissions.last() else {
                continue;
            };
            if current.sections.iter().any(|s| sections.contains(s)) {
                // Adopted or not, its consents were given to a
                // wording of text that has changed since.
                other.stale_because = Some(version);
                if other.phase == Phase::Adopted {
                    other.phase = Phase::Stale;
                }
            } else {
                other.rebased_onto.push(version);
            }
            update_phase(other);
        }
        Ok(())
    }
}

/// Merged, withdrawn or rejected: nothing more happens to it.
pub(super) fn is_closed(phase: Phase) -> bool {
    matches!(phase, Phase::Merged | Phase::Withdrawn | Phase::Rejected)
}

/// The name of a phase, as the CLI prints it.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Draft => "draft",
        Phase::Proposed => "proposed",
        Phase::Reactions => "reactions",
        Phase::ObjectionRound => "objection round",
        Phase::Integrating => "integrating",
        Phase::Stale => "stale",
        Phase::Adopted => "adopted",
        Phase::Merged => "merged",
        Phase::Withdrawn => "withdrawn",
        Phase::Rejected => "rejected",
    }
}

/// Recompute the phase of an amendment that is still open.
pub(super) fn update_phase(amendment: &mut AmendmentState) {
    if is_closed(amendment.phase) || amendment.phase == Phase::Adopted {
        return;
    }
    let current = amendment.submissions.last().map(|s| s.record);
    amendment.phase = if amendment.stale_because.is_some() {
        Phase::Stale
    } else if current.is_none() {
        Phase::Draft
    } else if amendment.round_open {
        if amendment.objections.iter().any(ObjectionState::is_open) {
            Phase::Integrating
        } else {
            Phase::ObjectionRound
        }
    } else if amendment.reactions.iter().any(|r| r.submission == current) {
        Phase::Reactions
    } else {
        Phase::Proposed
    };
}
