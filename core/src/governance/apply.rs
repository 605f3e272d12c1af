//! The fold: records in canonical order, each judged at its place.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::dag::{BitSet, Dag, LeftOut};
use super::tally::{self, Ballot, Context};
use super::*;
use crate::record::{
    Act, Apply, ChangeRule, Decide, Genesis, Method, Payload, React, Rule, Stance,
};

/// A change to who may act, at an auth record.
#[derive(Debug, Clone, Copy)]
enum Effect {
    Join(PublicKey),
    Certify {
        device: PublicKey,
        member: PublicKey,
    },
    Revoke(PublicKey),
    Leave(PublicKey),
    Exclude(PublicKey),
    Suspend {
        member: PublicKey,
        until: u64,
    },
}

/// Who removed whom: a valid leave, exclusion or revocation.
struct Removal {
    at: usize,
    devices: Vec<PublicKey>,
}

pub(super) fn resolve(
    community: CommunityId,
    records: &[Record],
    options: ResolveOptions,
) -> Result<State, ResolveError> {
    // Deduplicate, and set aside records of other communities and records
    // whose signature does not verify.
    let mut seen = HashSet::new();
    let mut unique: Vec<&Record> = Vec::with_capacity(records.len());
    for record in records {
        if seen.insert(record.id()) {
            unique.push(record);
        }
    }
    let mut outcomes_bad = Vec::new();
    let mut invalid = Vec::new();
    let mut candidates: Vec<&Record> = Vec::with_capacity(unique.len());
    for record in unique {
        if record.community() != community {
            outcomes_bad.push(outcome(
                record,
                Verdict::Rejected(format!(
                    "belongs to another community ({})",
                    record.community().short()
                )),
            ));
            invalid.push(record.id());
        } else {
            candidates.push(record);
        }
    }
    let signatures_ok = if options.check_signatures {
        record::verify_signatures(&candidates)
    } else {
        vec![true; candidates.len()]
    };
    let mut valid = Vec::with_capacity(candidates.len());
    for (record, ok) in candidates.into_iter().zip(signatures_ok) {
        if ok {
            valid.push(record.clone());
        } else {
            outcomes_bad.push(outcome(
                record,
                Verdict::Rejected("signature does not verify".into()),
            ));
            invalid.push(record.id());
        }
    }
    if !valid.iter().any(|r| r.id() == community) {
        return Err(ResolveError::NoGenesis(community.short()));
    }

    let dag = Dag::build(valid, &invalid);
    let mut forced: BTreeMap<usize, String> = BTreeMap::new();
    let mut rounds = 0;
    let (mut fold, mut removals) = Fold::run(&dag, community, &forced)?;
    // A record concurrent with its author's removal is rejected; rejecting
    // it may change what else holds, so fold again until nothing moves.
    loop {
        let mut next = BTreeMap::new();
        // Removals in canonical order: one that an earlier removal rejects
        // (it is concurrent with the removal of its own author) removes
        // nobody, so two members removing each other concurrently do not
        // both fall — the one placed first stands — and the fold converges
        // instead of swinging between "both" and "neither".
        for removal in &removals {
            if next.contains_key(&removal.at) {
                continue;
            }
            let before = dag.ancestors(removal.at);
            let bit = fold.auth_bit[removal.at];
            for (j, record) in dag.order.iter().enumerate() {
                if j == removal.at || !removal.devices.contains(&record.author()) {
                    continue;
                }
                let after = bit.is_some_and(|b| fold.auth_anc[j].contains(b));
                if !after && !before[j] {
                    next.entry(j).or_insert_with(|| {
                        format!(
                            "concurrent with the removal of its author (record {})",
                            dag.order[removal.at].id().short()
                        )
                    });
                }
            }
        }
        rounds += 1;
        if next == forced || rounds > 8 {
            break;
        }
        forced = next;
        (fold, removals) = Fold::run(&dag, community, &forced)?;
    }

    let mut state = fold.state;
    for (i, record) in dag.order.iter().enumerate() {
        state
            .records
            .push(outcome(record, fold.verdicts[i].clone()));
    }
    for (record, why) in &dag.left_out {
        let verdict = match why {
            LeftOut::MissingParent(id) => {
                Verdict::Pending(format!("waits for record {}", id.short()))
            }
            LeftOut::InvalidParent(id) => {
                Verdict::Rejected(format!("builds on invalid record {}", id.short()))
            }
        };
        state.records.push(outcome(record, verdict));
    }
    outcomes_bad.sort_by_key(|o| o.id);
    state.records.extend(outcomes_bad);
    let mut has_child = vec![false; dag.order.len()];
    for parents in &dag.parents {
        for &p in parents {
            has_child[p] = true;
        }
    }
    state.heads = dag
        .order
        .iter()
        .zip(&has_child)
        .filter(|(_, child)| !**child)
        .map(|(r, _)| r.id())
        .collect();
    state.heads.sort();
    Ok(state)
}

fn outcome(record: &Record, verdict: Verdict) -> RecordOutcome {
    RecordOutcome {
        id: record.id(),
        kind: record.kind(),
        author: record.author(),
        at: record.timestamp(),
        verdict,
    }
}

struct Fold<'a> {
    dag: &'a Dag,
    state: State,
    verdicts: Vec<Verdict>,
    /// For each record that changed who may act, its bit number.
    auth_bit: Vec<Option<usize>>,
    /// For each record, the auth records among its ancestors.
    auth_anc: Vec<BitSet>,
    /// Auth effects by bit number.
    effects: Vec<Vec<Effect>>,
    /// Bits concerning each device / member, in order.
    by_device: HashMap<PublicKey, Vec<usize>>,
    by_member: HashMap<PublicKey, Vec<usize>>,
    removals: Vec<Removal>,
    scratch: Vec<u32>,
    stamp: u32,
}

/// The author of a record as seen from its place in the DAG.
#[derive(Clone, Copy)]
struct Author {
    device: PublicKey,
    member: PublicKey,
    status: MemberStatus,
}

type Check<T = ()> = Result<T, String>;

fn require(condition: bool, reason: impl FnOnce() -> String) -> Check {
    if condition { Ok(()) } else { Err(reason()) }
}

impl<'a> Fold<'a> {
    fn run(
        dag: &'a Dag,
        community: CommunityId,
        forced: &BTreeMap<usize, String>,
    ) -> Result<(Fold<'a>, Vec<Removal>), ResolveError> {
        let genesis_at = dag
            .index
            .get(&community)
            .copied()
            .ok_or_else(|| ResolveError::NoGenesis(community.short()))?;
        let genesis_record = &dag.order[genesis_at];
        let Payload::Genesis(genesis) = genesis_record.payload() else {
            return Err(ResolveError::BadGenesis("not a genesis record".into()));
        };
        check_genesis(genesis, genesis_record)?;
        let n = dag.order.len();
        let mut fold = Fold {
            dag,
            state: initial_state(community, genesis, genesis_record),
            verdicts: vec![Verdict::Accepted; n],
            auth_bit: vec![None; n],
            auth_anc: vec![BitSet::default(); n],
            effects: Vec::new(),
            by_device: HashMap::new(),
            by_member: HashMap::new(),
            removals: Vec::new(),
            scratch: Vec::new(),
            stamp: 0,
        };
        for i in 0..n {
            let mut anc = BitSet::default();
            for &p in &dag.parents[i] {
                anc.union_with(&fold.auth_anc[p]);
                if let Some(bit) = fold.auth_bit[p] {
                    anc.insert(bit);
                }
            }
            fold.auth_anc[i] = anc;
            let verdict = if let Some(reason) = forced.get(&i) {
                Err(reason.clone())
            } else if i == genesis_at {
                let effects = genesis
                    .founders
                    .iter()
                    .map(|f| Effect::Join(f.member))
                    .collect();
                fold.auth(i, effects);
                Ok(())
            } else {
                fold.apply(i)
            };
            fold.verdicts[i] = match verdict {
                Ok(()) => Verdict::Accepted,
                Err(reason) => Verdict::Rejected(reason),
            };
        }
        let removals = std::mem::take(&mut fold.removals);
        Ok((fold, removals))
    }

    /// Mark record `i` as changing who may act.
    fn auth(&mut self, i: usize, effects: Vec<Effect>) {
        let bit = self.effects.len();
        for effect in &effects {
            match *effect {
                Effect::Join(member) => {
                    self.by_device.entry(member).or_default().push(bit);
                    self.by_member.entry(member).or_default().push(bit);
                }
                Effect::Certify { device, .. } | Effect::Revoke(device) => {
                    self.by_device.entry(device).or_default().push(bit);
                }
                Effect::Leave(member)
                | Effect::Exclude(member)
                | Effect::Suspend { member, .. } => {
                    self.by_member.entry(member).or_default().push(bit);
                }
            }
        }
        self.effects.push(effects);
        self.auth_bit[i] = Some(bit);
    }

    /// The author of record `i`, as the records before it (its ancestors) say.
    fn author(&self, i: usize) -> Option<Author> {
        let device = self.dag.order[i].author();
        let anc = &self.auth_anc[i];
        let mut member = None;
        for &bit in self.by_device.get(&device).into_iter().flatten() {
            if !anc.contains(bit) {
                continue;
            }
            for effect in &self.effects[bit] {
                match *effect {
                    Effect::Join(m) if m == device => member = Some(m),
                    Effect::Certify {
                        device: d,
                        member: m,
                    } if d == device => member = Some(m),
                    Effect::Revoke(d) if d == device => member = None,
                    _ => {}
                }
            }
        }
        let member = member?;
        let mut status = None;
        for &bit in self.by_member.get(&member).into_iter().flatten() {
            if !anc.contains(bit) {
                continue;
            }
            for effect in &self.effects[bit] {
                status = match *effect {
                    Effect::Join(m) if m == member => Some(MemberStatus::Active),
                    Effect::Leave(m) if m == member => Some(MemberStatus::Left),
                    Effect::Exclude(m) if m == member => Some(MemberStatus::Excluded),
                    Effect::Suspend { member: m, until } if m == member => {
                        Some(MemberStatus::Suspended { until })
                    }
                    _ => status,
                };
            }
        }
        Some(Author {
            device,
            member,
            status: status?,
        })
    }

    /// The author, who must be a member in good standing at the record's time.
    fn active_member(&self, i: usize) -> Check<Author> {
        let record = &self.dag.order[i];
        let Some(author) = self.author(i) else {
            return Err(format!(
                "device {} is not a member's certified device at this point",
                record.author().short()
            ));
        };
        match author.status {
            MemberStatus::Left => Err(format!("member {} had left", author.member.short())),
            MemberStatus::Excluded => Err(format!("member {} was excluded", author.member.short())),
            status if !status.active_at(record.timestamp()) => {
                Err(format!("member {} is suspended", author.member.short()))
            }
            _ => Ok(author),
        }
    }

    /// A record this one refers to: known, accepted, and among its ancestors.
    fn reference(&mut self, i: usize, id: &RecordId, what: &str) -> Check<usize> {
        let Some(&at) = self.dag.index.get(id) else {
            return Err(format!("refers to unknown {what} {}", id.short()));
        };
        if !self
            .dag
            .is_ancestor(at, i, &mut self.scratch, &mut self.stamp)
        {
            return Err(format!(
                "refers to {what} {} without building on it",
                id.short()
            ));
        }
        if self.verdicts[at] != Verdict::Accepted {
            return Err(format!("refers to rejected {what} {}", id.short()));
        }
        Ok(at)
    }

    fn is_facilitator_or_member(&self, author: &Author, concerned: &PublicKey) -> Check {
        if self.state.facilitators.is_empty() {
            require(author.member != *concerned, || {
                "cannot act on one's own case".into()
            })
        } else {
            require(self.state.facilitators.contains(&author.member), || {
                "only a facilitator may do this".into()
            })
        }
    }

    fn apply(&mut self, i: usize) -> Check {
        let record = self.dag.order[i].clone();
        let parent_time = self.dag.parents[i]
            .iter()
            .map(|&p| self.dag.order[p].timestamp())
            .max()
            .unwrap_or(0);
        require(record.timestamp() >= parent_time, || {
            "its timestamp is earlier than a record it builds on".into()
        })?;
        let at = record.timestamp();
        let id = record.id();
        match record.payload() {
            Payload::Genesis(_) => Err("a community has one genesis".into()),
            Payload::Apply(apply) => self.apply_application(i, id, at, apply),
            Payload::SignCharter(sign) => {
                self.reference(i, &sign.application, "application")?;
                let application = self
                    .state
                    .applications
                    .get(&sign.application)
                    .ok_or("refers to a record that is not an application")?;
                require(application.applicant == record.author(), || {
                    "only the applicant signs the charter for their application".into()
                })?;
                require(application.state == ApplicationState::Admitted, || {
                    "the application is not admitted".into()
                })?;
                require(sign.version == self.state.in_force().hash, || {
                    "signs a version that is not the one in force".into()
                })?;
                let (name, college) = (application.name.clone(), application.college.clone());
                let member = record.author();
                if let Some(a) = self.state.applications.get_mut(&sign.application) {
                    a.state = ApplicationState::Joined;
                }
                let entry = self.state.members.entry(member).or_insert_with(|| Member {
                    id: member,
                    name: name.clone(),
                    college: college.clone(),
                    status: MemberStatus::Active,
                    joined: id,
                    devices: vec![member],
                    sanctions: Vec::new(),
                });
                entry.status = MemberStatus::Active;
                entry.name = name;
                entry.college = college;
                entry.joined = id;
                self.state.devices.insert(
                    member,
                    Device {
                        member,
                        label: "first device".into(),
                        revoked: None,
                    },
                );
                self.auth(i, vec![Effect::Join(member)]);
                Ok(())
            }
            Payload::Leave(_) => {
                let author = self.author(i).ok_or("only a member can leave")?;
                require(
                    matches!(
                        author.status,
                        MemberStatus::Active | MemberStatus::Suspended { .. }
                    ),
                    || "is no longer a member".into(),
                )?;
                if let Some(m) = self.state.members.get_mut(&author.member) {
                    m.status = MemberStatus::Left;
                }
                self.auth(i, vec![Effect::Leave(author.member)]);
                let devices = self.devices_of(&author.member);
                self.removals.push(Removal { at: i, devices });
                Ok(())
            }
            Payload::Sanction(sanction) => {
                let author = self.active_member(i)?;
                self.is_facilitator_or_member(&author, &sanction.member)?;
                require(!sanction.reasons.trim().is_empty(), || {
                    "a sanction needs its reasons".into()
                })?;
                let target = self
                    .state
                    .members
                    .get(&sanction.member)
                    .ok_or("no such member")?;
                require(
                    matches!(
                        target.status,
                        MemberStatus::Active | MemberStatus::Suspended { .. }
                    ),
                    || "is no longer a member".into(),
                )?;
                if sanction.level == SanctionLevel::Suspension {
                    require(sanction.until > at, || {
                        "a suspension must end after it starts".into()
                    })?;
                }
                let member = sanction.member;
                if let Some(m) = self.state.members.get_mut(&member) {
                    m.sanctions.push(SanctionEntry {
                        record: id,
                        level: sanction.level.name().into(),
                        reasons: sanction.reasons.clone(),
                    });
                    if sanction.level == SanctionLevel::Suspension {
                        m.status = MemberStatus::Suspended {
                            until: sanction.until,
                        };
                    }
                }
                if sanction.level == SanctionLevel::Suspension {
                    self.auth(
                        i,
                        vec![Effect::Suspend {
                            member,
                            until: sanction.until,
                        }],
                    );
                }
                Ok(())
            }
            Payload::Exclude(exclude) => {
                let author = self.active_member(i)?;
                require(author.member != exclude.member, || {
                    "cannot propose one's own exclusion".into()
                })?;
                require(!exclude.reasons.trim().is_empty(), || {
                    "an exclusion needs its reasons".into()
                })?;
                let target = self
                    .state
                    .members
                    .get(&exclude.member)
                    .ok_or("no such member")?;
                require(
                    matches!(
                        target.status,
                        MemberStatus::Active | MemberStatus::Suspended { .. }
                    ),
                    || "is no longer a member".into(),
                )?;
                require(exclude.notice_at >= at, || {
                    "the notice date is before the proposal".into()
                })?;
                let days = self.state.rules.exclude.min_days;
                require(
                    exclude.hearing_at
                        >= exclude.notice_at.saturating_add(u64::from(days) * DAY_MS),
                    || format!("the hearing must come at least {days} days after the notice"),
                )?;
                let open = self.state.proposals.values().any(|p| {
                    p.decision.is_none()
                        && matches!(&p.kind, ProposalKind::Exclusion { member, .. } if *member == exclude.member)
                });
                require(!open, || {
                    "an exclusion of this member is already open".into()
                })?;
                self.state.proposals.insert(
                    id,
                    ProposalState {
                        record: id,
                        by: author.member,
                        kind: ProposalKind::Exclusion {
                            member: exclude.member,
                            reasons: exclude.reasons.clone(),
                            notice_at: exclude.notice_at,
                            hearing_at: exclude.hearing_at,
                        },
                        reactions: Vec::new(),
                        objections: Vec::new(),
                        decision: None,
                        at,
                    },
                );
                Ok(())
            }
            Payload::CertifyDevice(cert) => {
                let author = self.active_member(i)?;
                require(cert.device.is_sound(), || {
                    "the device key is not a sound ed25519 key".into()
                })?;
                require(!self.state.devices.contains_key(&cert.device), || {
                    "this device is already known to the community".into()
                })?;
                self.state.devices.insert(
                    cert.device,
                    Device {
                        member: author.member,
                        label: cert.label.clone(),
                        revoked: None,
                    },
                );
                if let Some(m) = self.state.members.get_mut(&author.member) {
                    m.devices.push(cert.device);
                }
                self.auth(
                    i,
                    vec![Effect::Certify {
                        device: cert.device,
                        member: author.member,
                    }],
                );
                Ok(())
            }
            Payload::RevokeDevice(revoke) => {
                let author = self
                    .author(i)
                    .ok_or("only a member's device can revoke a device")?;
                let device = self
                    .state
                    .devices
                    .get(&revoke.device)
                    .ok_or("unknown device")?;
                require(device.member == author.member, || {
                    "can only revoke one's own devices".into()
                })?;
                require(device.revoked.is_none(), || "already revoked".into())?;
                if let Some(d) = self.state.devices.get_mut(&revoke.device) {
                    d.revoked = Some(id);
                }
                self.auth(i, vec![Effect::Revoke(revoke.device)]);
                self.removals.push(Removal {
                    at: i,
                    devices: vec![revoke.device],
                });
                Ok(())
            }
            Payload::Challenge(challenge) => {
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
            Payload::Propose(propose) => {
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
                        decision: None,
                        ratifications: Vec::new(),
                        version: None,
                        rebased_onto: Vec::new(),
                        stale_because: None,
                        withdrawn: None,
                        at,
                    },
                );
                Ok(())
            }
            Payload::Submit(submit) => {
                let author = self.active_member(i)?;
                self.reference(i, &submit.amendment, "amendment")?;
                let amendment = self
                    .state
                    .amendments
                    .get(&submit.amendment)
                    .ok_or("refers to a record that is not an amendment")?;
                require(
                    amendment.proposer == author.member
                        || amendment.coauthors.contains(&author.member),
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
                        "integrating objections, the proposer must confirm the tension is still addressed".into()
                    },
                )?;
                let stale_cleared = match amendment.stale_because {
                    Some(v) => {
                        let last = self.state.versions[v].ratified_by.last().copied();
                        match last.and_then(|r| self.dag.index.get(&r).copied()) {
                            Some(r) => {
                                self.dag
                                    .is_ancestor(r, i, &mut self.scratch, &mut self.stamp)
                            }
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
            Payload::Round(round) => {
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
                update_phase(amendment);
                Ok(())
            }
            Payload::Withdraw(withdraw) => {
                let author = self.active_member(i)?;
                self.reference(i, &withdraw.amendment, "amendment")?;
                let amendment = self
                    .state
                    .amendments
                    .get_mut(&withdraw.amendment)
                    .ok_or("refers to a record that is not an amendment")?;
                require(amendment.proposer == author.member, || {
                    "only the proposer withdraws an amendment".into()
                })?;
                // Withdrawn "by the proposer, before adoption".
                require(
                    !is_closed(amendment.phase) && amendment.phase != Phase::Adopted,
                    || format!("the amendment is {}", phase_name(amendment.phase)),
                )?;
                amendment.phase = Phase::Withdrawn;
                amendment.withdrawn = Some(withdraw.reason.clone());
                Ok(())
            }
            Payload::React(react) => self.react(i, id, at, react),
            Payload::TestObjection(test) => {
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
                        _ => return Err("tests a record that is not an objection".into()),
                    },
                    None => return Err("unknown objection".into()),
                };
                let objector = objector.ok_or("the objector is unknown")?;
                self.is_facilitator_or_member(&author, &objector)?;
                require(
                    test.passed.iter().all(|c| record::CRITERIA.contains(c)),
                    || "criteria are a to e".into(),
                )?;
                let entry = ObjectionTestEntry {
                    record: id,
                    by: author.member,
                    passed: test.passed.clone(),
                    valid: test.valid(),
                    note: test.note.clone(),
                };
                let objections = if let Some(a) = self.state.amendments.get_mut(&subject) {
                    require(!is_closed(a.phase), || "the decision is closed".into())?;
                    &mut a.objections
                } else if let Some(p) = self.state.proposals.get_mut(&subject) {
                    require(p.decision.is_none(), || "the decision is closed".into())?;
                    &mut p.objections
                } else {
                    return Err("the objection's subject is unknown".into());
                };
                let objection = objections
                    .iter_mut()
                    .find(|o| o.record == test.objection)
                    .ok_or("the objection was not counted")?;
                objection.test = Some(entry);
                if let Some(a) = self.state.amendments.get_mut(&subject) {
                    update_phase(a);
                }
                Ok(())
            }
            Payload::Decide(decide) => self.decide(i, id, at, decide),
            Payload::Ratify(ratify) => {
                let author = self.active_member(i)?;
                self.reference(i, &ratify.amendment, "amendment")?;
                let amendment = self
                    .state
                    .amendments
                    .get(&ratify.amendment)
                    .ok_or("refers to a record that is not an amendment")?;
                require(amendment.phase == Phase::Adopted, || {
                    format!(
                        "only an adopted amendment is ratified; this one is {}",
                        phase_name(amendment.phase)
                    )
                })?;
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
                    let same =
                        self.dag
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
                let needed = usize::from(self.state.rules.amend.signers.max(1));
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
            Payload::ChangeRule(change) => self.propose_rule(i, id, at, change),
            Payload::Tension(tension) => {
                let author = self.active_member(i)?;
                require(!tension.summary.trim().is_empty(), || {
                    "a tension needs a summary".into()
                })?;
                self.state.tensions.insert(
                    id,
                    TensionState {
                        record: id,
                        author: author.member,
                        path: tension.path,
                        summary: tension.summary.clone(),
                        section: tension.section.clone(),
                        status: TensionStatus::Open,
                        history: vec![(id, TensionStatus::Open, String::new())],
                        challenges: Vec::new(),
                    },
                );
                Ok(())
            }
            Payload::TensionUpdate(update) => {
                self.active_member(i)?;
                self.reference(i, &update.tension, "tension")?;
                let tension = self
                    .state
                    .tensions
                    .get_mut(&update.tension)
                    .ok_or("refers to a record that is not a tension")?;
                let allowed = matches!(
                    (tension.status, update.status),
                    (TensionStatus::Open, TensionStatus::InProcess)
                        | (
                            TensionStatus::Open | TensionStatus::InProcess,
                            TensionStatus::Resolved | TensionStatus::Escalated,
                        )
                );
                require(allowed, || {
                    format!(
                        "a tension cannot go from {:?} to {:?}",
                        tension.status, update.status
                    )
                    .to_lowercase()
                })?;
                tension.status = update.status;
                tension
                    .history
                    .push((id, update.status, update.note.clone()));
                Ok(())
            }
            Payload::Attest(attest) => {
                let author = self.author(i).ok_or_else(|| {
                    format!(
                        "device {} is not a member's certified device at this point",
                        record.author().short()
                    )
                })?;
                require(
                    !matches!(author.status, MemberStatus::Left | MemberStatus::Excluded),
                    || format!("member {} is no longer a member", author.member.short()),
                )?;
                require(!attest.changes.0.is_empty(), || "attests no change".into())?;
                self.state.attestations.push(AttestationEntry {
                    record: id,
                    doc: attest.doc,
                    device: author.device,
                    changes: attest.changes.0.iter().map(crate::ids::hash_hex).collect(),
                });
                Ok(())
            }
        }
    }

    fn devices_of(&self, member: &PublicKey) -> Vec<PublicKey> {
        let mut devices: Vec<PublicKey> = self
            .state
            .devices
            .iter()
            .filter(|(_, d)| d.member == *member)
            .map(|(k, _)| *k)
            .collect();
        if !devices.contains(member) {
            devices.push(*member);
        }
        devices
    }

    fn apply_application(&mut self, i: usize, id: RecordId, at: u64, apply: &Apply) -> Check {
        let device = self.dag.order[i].author();
        require(device.is_sound(), || {
            "the device key is not a sound ed25519 key".into()
        })?;
        if let Some(author) = self.author(i) {
            require(
                !author.status.active_at(at)
                    && !matches!(author.status, MemberStatus::Suspended { .. }),
                || "is already a member".into(),
            )?;
        }
        require(
            self.state.colleges.iter().any(|c| c.id == apply.college),
            || format!("there is no college `{}`", apply.college),
        )?;
        require(!apply.name.trim().is_empty(), || {
            "an application needs a name".into()
        })?;
        let pending = self.state.applications.values().any(|a| {
            a.applicant == device
                && matches!(
                    a.state,
                    ApplicationState::Pending | ApplicationState::Admitted
                )
        });
        require(!pending, || {
            "this device already has an open application".into()
        })?;
        self.state.applications.insert(
            id,
            Application {
                record: id,
                applicant: device,
                name: apply.name.clone(),
                college: apply.college.clone(),
                motivation: apply.motivation.clone(),
                state: ApplicationState::Pending,
                at,
            },
        );
        self.state.proposals.insert(
            id,
            ProposalState {
                record: id,
                by: device,
                kind: ProposalKind::Admission { applicant: device },
                reactions: Vec::new(),
                objections: Vec::new(),
                decision: None,
                at,
            },
        );
        Ok(())
    }

    fn propose_rule(&mut self, i: usize, id: RecordId, at: u64, change: &ChangeRule) -> Check {
        let author = self.active_member(i)?;
        check_rule(&change.rule, &self.state.colleges)?;
        require(!change.rationale.trim().is_empty(), || {
            "a rule change needs a rationale".into()
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

    fn react(&mut self, i: usize, id: RecordId, at: u64, react: &React) -> Check {
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
                    require(applicant, || {
                        "only members and applicants ask questions".into()
                    })?;
                    device
                }
            }
        } else {
            self.active_member(i)?.member
        };
        match react.stance {
            Stance::Objection => {
                require(!react.criteria.is_empty(), || {
                    "an objection claims the criteria it meets".into()
                })?;
                require(
                    react.criteria.iter().all(|c| record::CRITERIA.contains(c)),
                    || "criteria are a to e".into(),
                )?;
                require(!react.argument.trim().is_empty(), || {
                    "an objection needs its argument".into()
                })?;
            }
            Stance::Resolved => {
                require(react.objection.is_some(), || {
                    "names the objection resolved".into()
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
        let rules = self.state.rules.clone();
        if let Some(amendment) = self.state.amendments.get_mut(&react.subject) {
            require(
                !is_closed(amendment.phase) && amendment.phase != Phase::Adopted,
                || format!("the amendment is {}", phase_name(amendment.phase)),
            )?;
            require(amendment.phase != Phase::Draft, || {
                "the amendment is not submitted yet".into()
            })?;
            require(amendment.phase != Phase::Stale, || {
                "the amendment is stale: wait for the proposer to submit it again".into()
            })?;
            let current = amendment.submissions.last().map(|s| s.record);
            require(
                react.submission.is_some() && react.submission == current,
                || "reacts to a wording that is not the current one".into(),
            )?;
            require(react.stance != Stance::Block || rules.amend.block, || {
                "the rule for amendments allows no block".into()
            })?;
            record_reaction(&mut amendment.objections, &entry)?;
            push_objection(&mut amendment.objections, &entry);
            amendment.reactions.push(entry);
            update_phase(amendment);
            return Ok(());
        }
        let proposal = self
            .state
            .proposals
            .get_mut(&react.subject)
            .ok_or("reacts to a record that is not a proposal")?;
        require(proposal.decision.is_none(), || {
            "the decision is closed".into()
        })?;
        let act = proposal_act(&proposal.kind);
        require(
            react.stance != Stance::Block || rules.get(act).block,
            || "this rule allows no block".into(),
        )?;
        record_reaction(&mut proposal.objections, &entry)?;
        push_objection(&mut proposal.objections, &entry);
        proposal.reactions.push(entry);
        Ok(())
    }

    fn ballots<'s>(
        state: &'s State,
        rule: &Rule,
        reactions: &'s [ReactionEntry],
        submission: Option<RecordId>,
        exclude: Option<PublicKey>,
        at: u64,
    ) -> Vec<Ballot<'s>> {
        let mut ballots = Vec::new();
        for member in state.members.values() {
            if !member.status.active_at(at) || Some(member.id) == exclude {
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

    fn decide(&mut self, i: usize, id: RecordId, at: u64, decide: &Decide) -> Check {
        let author = self.active_member(i)?;
        self.reference(i, &decide.subject, "proposal")?;
        // Reactions count only if the decision builds on them.
        let subject = decide.subject;
        // A decision is about the wording under decision: it must build on
        // it (a new wording made concurrently is not adopted in its place).
        let current = self
            .state
            .amendments
            .get(&subject)
            .and_then(|a| a.submissions.last())
            .map(|s| s.record);
        if let Some(current) = current {
            self.reference(i, &current, "wording")?;
        }
        if let Some(amendment) = self.state.amendments.get(&subject) {
            let counted = Self::visible(
                self.dag,
                &mut self.scratch,
                &mut self.stamp,
                i,
                &amendment.reactions,
            );
            let submission = amendment.submissions.last().map(|s| s.record);
            let start = amendment.submissions.last().map_or(amendment.at, |s| s.at);
            let rule = self.state.rules.amend.clone();
            let ballots = Self::ballots(&self.state, &rule, &counted, submission, None, at);
            let advice_given = counted.iter().any(|r| r.member != amendment.proposer);
            let objections = Self::visible_objections(
                self.dag,
                &mut self.scratch,
                &mut self.stamp,
                i,
                &amendment.objections,
            );
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
                    require(amendment.phase == Phase::ObjectionRound, || {
                        format!(
                            "cannot adopt: the amendment is {}",
                            phase_name(amendment.phase)
                        )
                    })?;
                    require(tally.passes, || {
                        format!("the rule is not met ({})", tally.explanation)
                    })?;
                }
                Outcome::Rejected => {
                    // An adopted amendment is decided: a later count (the
                    // electorate changes) does not undo it.
                    require(
                        !is_closed(amendment.phase)
                            && !matches!(amendment.phase, Phase::Draft | Phase::Adopted),
                        || {
                            format!(
                                "cannot reject: the amendment is {}",
                                phase_name(amendment.phase)
                            )
                        },
                    )?;
                    require(!decide.reason.trim().is_empty(), || {
                        "a rejection needs a reason".into()
                    })?;
                    // The rule's delay holds for any decision, not only an
                    // adoption: no one closes a proposal before it.
                    require(tally.deadline_met, || {
                        format!("the {}-day delay has not passed", rule.min_days)
                    })?;
                    require(!tally.passes, || {
                        "the rule is met: it cannot be rejected".into()
                    })?;
                }
            }
            let Some(amendment) = self.state.amendments.get_mut(&subject) else {
                return Err("unknown amendment".into());
            };
            amendment.phase = match decide.outcome {
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
            return Ok(());
        }
        let proposal = self
            .state
            .proposals
            .get(&subject)
            .ok_or("decides on a record that is not a proposal")?;
        require(proposal.decision.is_none(), || {
            "this was already decided".into()
        })?;
        let counted = Self::visible(
            self.dag,
            &mut self.scratch,
            &mut self.stamp,
            i,
            &proposal.reactions,
        );
        let act = proposal_act(&proposal.kind);
        let mut rules: Vec<Rule> = vec![self.state.rules.get(act).clone()];
        let mut exclude = None;
        match &proposal.kind {
            ProposalKind::Admission { .. } => {}
            ProposalKind::Exclusion {
                member, hearing_at, ..
            } => {
                exclude = Some(*member);
                require(author.member != *member, || {
                    "cannot decide on one's own exclusion".into()
                })?;
                require(at >= *hearing_at, || {
                    "the decision comes after the hearing".into()
                })?;
            }
            ProposalKind::RuleChange { act, rule, .. } => {
                // The stricter of the old and the new rule: it must pass both.
                rules.push(self.state.rules.get(*act).clone());
                rules.push(rule.clone());
            }
        }
        let objections = Self::visible_objections(
            self.dag,
            &mut self.scratch,
            &mut self.stamp,
            i,
            &proposal.objections,
        );
        let mut tallies = Vec::new();
        for rule in &rules {
            let ballots = Self::ballots(&self.state, rule, &counted, None, exclude, at);
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
            let labels = ["rule for rule changes", "old rule", "new rule"];
            tally.explanation = tallies
                .iter()
                .zip(labels)
                .map(|(t, label)| format!("{label}: {}", t.explanation))
                .collect::<Vec<_>>()
                .join(" | ");
        }
        match decide.outcome {
            Outcome::Adopted => require(passes, || {
                format!("the rule is not met ({})", tally.explanation)
            })?,
            Outcome::Rejected => {
                require(!decide.reason.trim().is_empty(), || {
                    "a decline or rejection needs a reason".into()
                })?;
                // The delay of every rule involved holds for a decline too.
                if let Some((rule, _)) = rules.iter().zip(&tallies).find(|(_, t)| !t.deadline_met) {
                    return Err(format!("the {}-day delay has not passed", rule.min_days));
                }
                require(!passes, || "the rule is met: it cannot be rejected".into())?;
            }
        }
        let kind = proposal.kind.clone();
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
                    });
                }
                self.auth(i, vec![Effect::Exclude(member)]);
                let devices = self.devices_of(&member);
                self.removals.push(Removal { at: i, devices });
            }
            (ProposalKind::RuleChange { act, rule, .. }, Outcome::Adopted) => {
                self.state.rules.set(act, rule);
            }
            _ => {}
        }
        Ok(())
    }

    /// The objections among the ancestors of record `i`.
    fn visible_objections(
        dag: &Dag,
        scratch: &mut Vec<u32>,
        stamp: &mut u32,
        i: usize,
        objections: &[ObjectionState],
    ) -> Vec<ObjectionState> {
        let mut out = Vec::with_capacity(objections.len());
        for objection in objections {
            if let Some(&at) = dag.index.get(&objection.record)
                && dag.is_ancestor(at, i, scratch, stamp)
            {
                out.push(objection.clone());
            }
        }
        out
    }

    /// The reactions among the ancestors of record `i`.
    fn visible(
        dag: &Dag,
        scratch: &mut Vec<u32>,
        stamp: &mut u32,
        i: usize,
        reactions: &[ReactionEntry],
    ) -> Vec<ReactionEntry> {
        let mut out = Vec::with_capacity(reactions.len());
        for reaction in reactions {
            if let Some(&at) = dag.index.get(&reaction.record)
                && dag.is_ancestor(at, i, scratch, stamp)
            {
                out.push(reaction.clone());
            }
        }
        out
    }
}

/// Track objections: raised, confirmed resolved by the objector, or
/// withdrawn when the objector later consents, votes yes, stands aside or
/// abstains.
fn record_reaction(objections: &mut [ObjectionState], entry: &ReactionEntry) -> Check {
    match entry.stance {
        Stance::Resolved => {
            let target = entry.objection.ok_or("names the objection resolved")?;
            let objection = objections
                .iter_mut()
                .find(|o| o.record == target)
                .ok_or("confirms an objection that was not raised here")?;
            require(objection.member == entry.member, || {
                "only the objector confirms their objection resolved".into()
            })?;
            objection.confirmed_by = Some(entry.record);
        }
        Stance::Consent | Stance::Yes | Stance::StandAside | Stance::Abstain => {
            for objection in objections.iter_mut().filter(|o| o.member == entry.member) {
                objection.withdrawn_by.get_or_insert(entry.record);
            }
        }
        _ => {}
    }
    Ok(())
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

fn is_closed(phase: Phase) -> bool {
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

fn update_phase(amendment: &mut AmendmentState) {
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

fn check_rule(rule: &Rule, colleges: &[College]) -> Check {
    require(rule.quorum <= 100 && rule.threshold <= 100, || {
        "percentages are at most 100".into()
    })?;
    require(rule.signers >= 1, || {
        "a rule needs at least one signer".into()
    })?;
    for college in &rule.electorate {
        require(colleges.iter().any(|c| c.id == *college), || {
            format!("there is no college `{college}`")
        })?;
    }
    if matches!(rule.method, Method::Qualified | Method::Weighted) {
        require(rule.threshold > 0, || "a threshold is needed".into())?;
    }
    Ok(())
}

fn check_genesis(genesis: &Genesis, record: &Record) -> Result<(), ResolveError> {
    let bad = |s: String| ResolveError::BadGenesis(s);
    if genesis.founders.is_empty() {
        return Err(bad("names no founder".into()));
    }
    if !genesis.founders.iter().any(|f| f.member == record.author()) {
        return Err(bad("is not signed by a founder".into()));
    }
    let mut ids = HashSet::new();
    for college in &genesis.colleges {
        if college.id.trim().is_empty() || !ids.insert(college.id.as_str()) {
            return Err(bad(format!(
                "college `{}` is empty or repeated",
                college.id
            )));
        }
    }
    for founder in &genesis.founders {
        if !founder.member.is_sound() {
            return Err(bad(format!("founder {} has an unsound key", founder.name)));
        }
        if !ids.contains(founder.college.as_str()) {
            return Err(bad(format!(
                "founder {} is in no known college",
                founder.name
            )));
        }
    }
    for act in Act::ALL {
        check_rule(genesis.rules.get(act), &genesis.colleges)
            .map_err(|e| bad(format!("rule for {}: {e}", act.name())))?;
    }
    Ok(())
}

fn initial_state(community: CommunityId, genesis: &Genesis, record: &Record) -> State {
    let mut members = BTreeMap::new();
    let mut devices = BTreeMap::new();
    for founder in &genesis.founders {
        members.insert(
            founder.member,
            Member {
                id: founder.member,
                name: founder.name.clone(),
                college: founder.college.clone(),
                status: MemberStatus::Active,
                joined: record.id(),
                devices: vec![founder.member],
                sanctions: Vec::new(),
            },
        );
        devices.insert(
            founder.member,
            Device {
                member: founder.member,
                label: "first device".into(),
                revoked: None,
            },
        );
    }
    let heads: Vec<String> = genesis
        .charter
        .heads
        .0
        .iter()
        .map(crate::ids::hash_hex)
        .collect();
    State {
        community,
        name: genesis.name.clone(),
        charter: genesis.charter.doc,
        colleges: genesis.colleges.clone(),
        rules: genesis.rules.clone(),
        facilitators: genesis.facilitators.clone(),
        members,
        devices,
        applications: BTreeMap::new(),
        proposals: BTreeMap::new(),
        challenges: BTreeMap::new(),
        amendments: BTreeMap::new(),
        tensions: BTreeMap::new(),
        versions: vec![VersionEntry {
            number: 1,
            hash: version_hash(&genesis.charter.doc, &genesis.charter.heads.0),
            heads,
            amendment: None,
            sections: Vec::new(),
            ratified_by: vec![record.id()],
            signers: genesis.founders.iter().map(|f| f.member).collect(),
            at: record.timestamp(),
        }],
        attestations: Vec::new(),
        records: Vec::new(),
        heads: Vec::new(),
    }
}
