//! Amendments to the charter: challenges of a section, amendments answering
//! them, submitted wordings, the objection round, withdrawal, and ratification
//! into a new version of the charter; and the phase each amendment is in.
//! Reactions to amendments and the decision on them are in `decisions.rs`.

use super::*;
use crate::record::{Challenge, Propose, Ratify, Round, Submit, Withdraw};

impl Fold<'_> {
    /// `challenge`: a member challenges a section; an inadmissible challenge is
    /// kept, with the reason.
    pub(super) fn challenge(&mut self, i: usize, record: &Record, challenge: &Challenge) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        if let Some(tension) = &challenge.tension_record {
            self.reference(i, tension, "tension")?;
            let t = self
                .state
                .tensions
                .get(tension)
                .ok_or("refers to a record that is not a tension")?;
            require(t.status == TensionStatus::Escalated, || {
                "only an escalated tension becomes a challenge".into()
            })?;
        }
        if let Some(amendment) = &challenge.promoted_from {
            self.reference(i, amendment, "amendment")?;
            let a = self
                .state
                .amendments
                .get(amendment)
                .ok_or("refers to a record that is not an amendment")?;
            require(a.phase == Phase::Rejected, || {
                "only a rejected amendment can be promoted".into()
            })?;
            require(a.proposer == author.member, || {
                "only its proposer promotes an amendment".into()
            })?;
        }
        let admissibility = if challenge.section.trim().is_empty() {
            Admissibility::Inadmissible {
                reason: "names no section".into(),
            }
        } else if challenge.tension.trim().is_empty() {
            Admissibility::Inadmissible {
                reason: "states no tension".into(),
            }
        } else if challenge.example.trim().is_empty() {
            Admissibility::Inadmissible {
                reason: "gives no concrete example".into(),
            }
        } else {
            Admissibility::Admissible
        };
        if let Some(t) = challenge
            .tension_record
            .and_then(|tension| self.state.tensions.get_mut(&tension))
        {
            t.challenges.push(id);
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
            .ok_or("refers to a record that is not a challenge")?;
        if let Admissibility::Inadmissible { reason } = &challenge.admissibility {
            return Err(format!("answers an inadmissible challenge ({reason})"));
        }
        require(!propose.title.trim().is_empty(), || {
            "an amendment needs a title".into()
        })?;
        require(!propose.rationale.trim().is_empty(), || {
            "an amendment needs a rationale".into()
        })?;
        let base: Vec<String> = propose.base.0.iter().map(crate::ids::hash_hex).collect();
        require(base == self.state.in_force().heads, || {
            "does not fork from the version in force".into()
        })?;
        if let Some(c) = self.state.challenges.get_mut(&propose.challenge) {
            c.amendments.push(id);
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
                decision: None,
                ratifications: Vec::new(),
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
        let amendment = self
            .state
            .amendments
            .get(&submit.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        require(
            amendment.proposer == author.member || amendment.coauthors.contains(&author.member),
            || "only the proposer and co-authors submit wordings".into(),
        )?;
        // Once adopted, the wording is the one ratified.
        require(
            !is_closed(amendment.phase) && amendment.phase != Phase::Adopted,
            || format!("the amendment is {}", phase_name(amendment.phase)),
        )?;
        require(!submit.heads.0.is_empty(), || {
            "a wording names the draft's heads".into()
        })?;
        require(!submit.sections.is_empty(), || {
            "a wording changes at least one section".into()
        })?;
        for objection in &submit.integrates {
            require(
                amendment.objections.iter().any(|o| o.record == *objection),
                || {
                    format!(
                        "integrates {} which is not an objection to this amendment",
                        objection.short()
                    )
                },
            )?;
        }
        require(
            submit.integrates.is_empty() || submit.tension_addressed,
            || {
                "integrating objections, the proposer must confirm the tension is still addressed"
                    .into()
            },
        )?;
        let stale_cleared = match amendment.stale_because {
            Some(v) => {
                let last = self.state.versions[v].ratified_by.last().copied();
                match last.and_then(|r| self.dag.index.get(&r).copied()) {
                    Some(r) => self.builds_on(i, r),
                    None => false,
                }
            }
            None => true,
        };
        let in_force = self.state.in_force().number;
        let Some(amendment) = self.state.amendments.get_mut(&submit.amendment) else {
            return Err("unknown amendment".into());
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
                objection.integrated_by = Some(id);
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
        let amendment = self
            .state
            .amendments
            .get_mut(&round.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        require(amendment.proposer == author.member, || {
            "only the proposer opens the objection round".into()
        })?;
        require(
            matches!(amendment.phase, Phase::Proposed | Phase::Reactions),
            || format!("the amendment is {}", phase_name(amendment.phase)),
        )?;
        amendment.round_open = true;
        amendment.round = Some(record.id());
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
            .ok_or("refers to a record that is not an amendment")?
            .proposer;
        require(proposer == author.member, || {
            "only the proposer withdraws an amendment".into()
        })?;
        let phase = self
            .phase_seen(i, &withdraw.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        // Withdrawn "by the proposer, before adoption".
        require(!is_closed(phase) && phase != Phase::Adopted, || {
            format!("the amendment is {}", phase_name(phase))
        })?;
        self.yields(i, rival)?;
        let amendment = self
            .state
            .amendments
            .get_mut(&withdraw.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        amendment.phase = Phase::Withdrawn;
        amendment.withdrawn = Some(withdraw.reason.clone());
        amendment.withdrawn_by = Some(record.id());
        Ok(())
    }

    /// `ratify`: a member signs an adopted amendment. With enough signers it
    /// becomes a new version; open amendments that change the same sections go
    /// stale, the others are rebased.
    pub(super) fn ratify(&mut self, i: usize, record: &Record, ratify: &Ratify) -> Check {
        let id = record.id();
        let at = record.timestamp();
        let author = self.active_member(i)?;
        self.reference(i, &ratify.amendment, "amendment")?;
        // Adopted as its signer saw it (an adoption it had not seen, or a
        // decision or withdrawal concurrent with it, does not count).
        let seen = self
            .phase_seen(i, &ratify.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        require(seen == Phase::Adopted, || {
            format!(
                "only an adopted amendment is ratified; this one is {}",
                phase_name(seen)
            )
        })?;
        let amendment = self
            .state
            .amendments
            .get(&ratify.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        require(!ratify.heads.0.is_empty(), || {
            "a version names heads".into()
        })?;
        let decision = amendment.decision.as_ref().map(|d| d.record);
        if let Some(decision) = decision {
            self.reference(i, &decision, "decision")?;
        }
        let amendment = self
            .state
            .amendments
            .get(&ratify.amendment)
            .ok_or("refers to a record that is not an amendment")?;
        let heads: Vec<String> = ratify.heads.0.iter().map(crate::ids::hash_hex).collect();
        if let Some(first) = amendment.ratifications.first() {
            let same = self
                .dag
                .index
                .get(first)
                .map(|&f| match self.dag.order[f].payload() {
                    Payload::Ratify(r) => r.heads == ratify.heads,
                    _ => false,
                });
            require(same == Some(true), || {
                "names other heads than the first ratification".into()
            })?;
        }
        let mut signers: Vec<PublicKey> = amendment
            .ratifications
            .iter()
            .filter_map(|r| self.dag.index.get(r))
            .filter_map(|&r| {
                self.state
                    .member_of(&self.dag.order[r].author())
                    .map(|m| m.id)
            })
            .collect();
        require(!signers.contains(&author.member), || {
            "this member already signed".into()
        })?;
        signers.push(author.member);
        let needed = usize::from(self.rules_seen(i).amend.signers.max(1));
        let sections = amendment
            .submissions
            .last()
            .map(|s| s.sections.clone())
            .unwrap_or_default();
        let ratified_by: Vec<RecordId> = amendment
            .ratifications
            .iter()
            .copied()
            .chain([id])
            .collect();
        let amendment_id = ratify.amendment;
        if let Some(a) = self.state.amendments.get_mut(&amendment_id) {
            a.ratifications.push(id);
        }
        if signers.len() >= needed {
            let number = self.state.versions.len() + 1;
            let hash = version_hash(&self.state.charter, &ratify.heads.0);
            self.state.versions.push(VersionEntry {
                number,
                heads,
                hash,
                amendment: Some(amendment_id),
                sections: sections.clone(),
                ratified_by,
                signers,
                at,
            });
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
