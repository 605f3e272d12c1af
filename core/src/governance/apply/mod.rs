//! The fold: records in canonical order, each judged at its place.
//!
//! `resolve` sets aside duplicates, records of other communities and records
//! whose signature does not verify, builds the DAG, and folds it
//! (`Fold::run`) again until the set of records rejected for being concurrent
//! with their author's removal stops changing (or a cap on rounds is hit).
//! `Fold::apply` checks what all records share, then hands each record to the
//! method for its kind, which returns a `Check`: `Ok` if the record holds,
//! `Err` with the reason if it is rejected.
//!
//! - `membership.rs`: applications, charter signatures, leaving, sanctions,
//!   exclusion proposals, devices, content attestations;
//! - `amendments.rs`: challenges, amendments and their wordings, the objection
//!   round, withdrawal, ratification, phases;
//! - `decisions.rs`: rule change proposals, reactions, objection tests,
//!   decisions;
//! - `challenges.rs`: closing a challenge (withdrawn, declined);
//! - `tensions.rs`: tensions;
//! - `documents.rs`: documents shared with the community.

mod amendments;
mod challenges;
mod decisions;
mod documents;
mod invitations;
mod membership;
mod participation;
mod tensions;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::dag::{BitSet, Dag, LeftOut};
use super::seq::Seq;
use super::*;
use crate::record::{Act, Genesis, Payload, Rule};

pub use amendments::phase_name;
use decisions::check_rule;

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
#[derive(Clone)]
struct Removal {
    at: usize,
    devices: Vec<PublicKey>,
}

pub(super) fn resolve(
    community: CommunityId,
    records: &[Record],
    options: ResolveOptions,
) -> Result<State, ResolveError> {
    Ok(fold_records(community, records, options)?.state())
}

/// A community's records folded to their fixpoint, kept so that the next
/// record can be judged without folding everything again
/// ([`Folded::extend`]). [`Folded::state`] is what [`resolve`] returns.
#[derive(Clone)]
pub struct Folded {
    community: CommunityId,
    dag: Arc<Dag>,
    /// The last round's fold, before [`Folded::state`] orders its results.
    fold: Fold,
    /// The records forced out in the last round (their author's removal is
    /// concurrent with them).
    forced: BTreeMap<usize, Reason>,
    /// The valid removals of the last round.
    removals: Vec<Removal>,
    /// Records of other communities, or whose signature fails, by id.
    outcomes_bad: Vec<RecordOutcome>,
    /// The rounds reached their fixpoint (not the cap on rounds).
    converged: bool,
    /// Some round had decisions yielding to older concurrent ones: a new
    /// signature could move them.
    yielding_seen: bool,
    /// The records nothing builds on, by index, in increasing order.
    heads: Vec<usize>,
    /// Each placed record's outcome, in the order that does not depend on
    /// the tie-break ([`Dag::causal_key`]): kept, so that one more record
    /// is placed rather than every record sorted again.
    placed: imbl::Vector<RecordOutcome>,
}

impl std::fmt::Debug for Folded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Folded")
            .field("community", &self.community.short())
            .field("records", &self.dag.order.len())
            .field("converged", &self.converged)
            .finish_non_exhaustive()
    }
}

pub(super) fn fold_records(
    community: CommunityId,
    records: &[Record],
    options: ResolveOptions,
) -> Result<Folded, ResolveError> {
    // Deduplicate, and set aside records of other communities and records
    // whose signature does not verify.
    let mut seen = foldhash::HashSet::default();
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
                Verdict::Rejected(reason!(
                    OtherCommunity,
                    community = record.community().short()
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
            outcomes_bad.push(outcome(record, Verdict::Rejected(reason!(SignatureFails))));
            invalid.push(record.id());
        }
    }
    if !valid.iter().any(|r| r.id() == community) {
        return Err(ResolveError::NoGenesis(community.short()));
    }

    let dag = Arc::new(Dag::build(valid, &invalid, options.tie_break_salt));
    let mut forced: BTreeMap<usize, Reason> = BTreeMap::new();
    let mut rounds = 0;
    // Younger decisions that yield to an older concurrent one on the same
    // subject: the younger, and the older.
    let mut yielding: Arc<BTreeSet<(usize, usize)>> = Arc::default();
    let mut yielding_seen = false;
    let converged;
    let (mut fold, mut removals) = Fold::run(&dag, community, &forced, &yielding)?;
    // A record concurrent with its author's removal is rejected; rejecting
    // it may change what else holds, so fold again until nothing moves.
    loop {
        let mut next = BTreeMap::new();
        // Removals oldest first (timestamp, then depth, then id: never the
        // replay position): one that an earlier removal rejects (it is
        // concurrent with the removal of its own author) removes nobody, so
        // two members removing each other concurrently do not both fall —
        // the older removal stands — and the fold converges instead of
        // swinging between "both" and "neither".
        removals.sort_by_key(|r| dag.causal_key(r.at));
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
                        reason!(
                            ConcurrentWithRemoval,
                            record = dag.order[removal.at].id().short()
                        )
                    });
                }
            }
        }
        let still = fold.still_yielding();
        rounds += 1;
        if (next == forced && still == *yielding) || rounds > 8 {
            converged = next == forced && still == *yielding;
            break;
        }
        forced = next;
        yielding_seen |= !still.is_empty();
        yielding = Arc::new(still);
        (fold, removals) = Fold::run(&dag, community, &forced, &yielding)?;
    }
    outcomes_bad.sort_by_key(|o| o.id);
    let mut has_child = vec![false; dag.order.len()];
    for parents in dag.parents.iter() {
        for &p in parents.iter() {
            has_child[p] = true;
        }
    }
    let heads = (0..dag.order.len()).filter(|&i| !has_child[i]).collect();
    let mut order: Vec<usize> = (0..dag.order.len()).collect();
    order.sort_by_key(|&i| dag.causal_key(i));
    let placed = order
        .into_iter()
        .map(|i| outcome(&dag.order[i], fold.verdicts[i].clone()))
        .collect();
    Ok(Folded {
        community,
        dag,
        fold,
        forced,
        removals,
        outcomes_bad,
        converged,
        yielding_seen,
        heads,
        placed,
    })
}

impl Folded {
    /// Judge one more record without folding everything again, when that
    /// gives exactly what folding everything would: `record` builds on
    /// every head (so it is concurrent with no record and comes last in
    /// every order), no record waits for it, and the fixpoint cannot move.
    /// Otherwise `None`: resolve everything. Its signature is checked when
    /// `check_signature`.
    pub fn extend(&self, record: &Record, check_signature: bool) -> Option<Folded> {
        let id = record.id();
        if !self.converged
            || record.community() != self.community
            || self.dag.index.contains_key(&id)
            || self.outcomes_bad.iter().any(|o| o.id == id)
            || self
                .dag
                .left_out
                .iter()
                .any(|(r, _)| r.id() == id || r.parents().contains(&id))
            // A new signature could change which of two concurrent
            // signatures yields to the other.
            || (self.yielding_seen && record.kind() == crate::record::Kind::Ratify)
        {
            return None;
        }
        let mut parents = record
            .parents()
            .iter()
            .map(|p| self.dag.index.get(p).copied())
            .collect::<Option<Vec<usize>>>()?;
        parents.sort_unstable();
        if parents != self.heads || (check_signature && record.verify_signature().is_err()) {
            return None;
        }
        let n = self.dag.order.len();
        let mut dag = Dag::clone(&self.dag);
        dag.index.insert(id, n);
        dag.order.push(record.clone());
        let depth = parents.iter().map(|&p| dag.depth[p] + 1).max().unwrap_or(0);
        dag.depth.push(depth);
        dag.parents.push(parents.into());
        let dag = Arc::new(dag);
        let mut fold = self.fold.clone();
        fold.dag = Arc::clone(&dag);
        fold.verdicts.push(Verdict::Accepted);
        fold.auth_bit.push(None);
        fold.auth_anc.push(Arc::default());
        fold.ancestry(n);
        // Forced out only if concurrent with its author's removal: every
        // removal is among its ancestors, so never (checked all the same).
        for removal in &self.removals {
            let seen = fold.auth_bit[removal.at].is_some_and(|b| fold.auth_anc[n].contains(b));
            if !self.forced.contains_key(&removal.at)
                && removal.devices.contains(&record.author())
                && !seen
            {
                return None;
            }
        }
        fold.verdicts[n] = match fold.apply(n) {
            Ok(()) => Verdict::Accepted,
            Err(reason) => Verdict::Rejected(reason),
        };
        let mut removals = self.removals.clone();
        removals.append(&mut fold.removals);
        // A removal at the end removes no earlier record (each is among its
        // ancestors); what yields must be what yielded.
        if fold.still_yielding() != *fold.yielding {
            return None;
        }
        let key = dag.causal_key(n);
        let at = match self
            .placed
            .binary_search_by(|o| dag.causal_key_of(&o.id).cmp(&key))
        {
            Ok(_) => return None,
            Err(at) => at,
        };
        let mut placed = self.placed.clone();
        placed.insert(at, outcome(record, fold.verdicts[n].clone()));
        Some(Folded {
            community: self.community,
            dag,
            fold,
            forced: self.forced.clone(),
            removals,
            outcomes_bad: self.outcomes_bad.clone(),
            converged: true,
            yielding_seen: self.yielding_seen,
            heads: vec![n],
            placed,
        })
    }

    /// The verdict of a record placed in the DAG (`None` for one left out
    /// or set aside: [`State::verdict`] knows those).
    pub fn verdict(&self, id: &RecordId) -> Option<&Verdict> {
        self.dag.index.get(id).map(|&i| &self.fold.verdicts[i])
    }

    /// The latest timestamp of the records `ids` (those placed; 0 if none).
    pub fn latest_of(&self, ids: &[RecordId]) -> u64 {
        ids.iter()
            .filter_map(|id| self.dag.index.get(id))
            .map(|&i| self.dag.order[i].timestamp())
            .max()
            .unwrap_or(0)
    }

    /// The state, every result placed in the order that does not depend on
    /// the tie-break.
    pub fn state(&self) -> State {
        let dag = &self.dag;
        let fold = &self.fold;

        let completed_by: Vec<usize> = (0..fold.state.versions.len())
            .map(|v| fold.completed_by(v))
            .collect();
        let ratify_base = &fold.ratify_base;
        let mut state = fold.state.clone();
        // Signatures listed in an order that respects causality and not the
        // tie-break; a version is dated by the signature that completed it in
        // that order.
        for (v, &completer) in completed_by.iter().enumerate().skip(1) {
            let mut ratified_by = state.versions[v].ratified_by.clone();
            ratified_by.sort_by_key(|r| dag.causal_key_of(r));
            let signers: Vec<PublicKey> = ratified_by
                .iter()
                .filter_map(|r| dag.index.get(r))
                .filter_map(|&r| state.member_of(&dag.order[r].author()).map(|m| m.id))
                .collect();
            let version = &mut state.versions[v];
            version.at = dag.order[completer].timestamp();
            version.ratified_by = ratified_by;
            version.signers = signers;
        }
        let in_force = state.versions.len() - 1;
        for amendment in state.amendments.values_mut() {
            amendment
                .ratifications
                .sort_by_key(|r| dag.causal_key_of(r));
            if amendment.version.is_none() {
                amendment.signatures_in_force = amendment
                    .ratifications
                    .iter()
                    .filter(|r| {
                        dag.index
                            .get(*r)
                            .is_some_and(|i| ratify_base.get(i) == Some(&in_force))
                    })
                    .copied()
                    .collect();
            }
        }
        // The rules in force: every adopted change, oldest first in an order
        // that respects causality and not the tie-break, so of two concurrent
        // changes of one rule the later-dated (then deeper, then greater id)
        // stands, wherever the replay placed them.
        let mut rule_changes = fold.rule_changes.clone();
        rule_changes.sort_by_key(|(at, _, _)| dag.causal_key(*at));
        state.rules = fold.genesis_rules.clone();
        for (_, act, rule) in rule_changes {
            state.rules.set(act, rule);
        }
        // Listed in an order that respects causality and not the tie-break.
        state.records = self.placed.clone();
        for amendment in state.amendments.values_mut() {
            amendment
                .reactions
                .sort_by_key(|r| dag.causal_key_of(&r.record));
        }
        for (record, why) in &dag.left_out {
            let verdict = match why {
                LeftOut::MissingParent(id) => {
                    Verdict::Pending(reason!(WaitsForRecord, record = id.short()))
                }
                LeftOut::InvalidParent(id) => {
                    Verdict::Rejected(reason!(BuildsOnInvalid, record = id.short()))
                }
            };
            state.records.push_back(outcome(record, verdict));
        }
        state.records.extend(self.outcomes_bad.iter().cloned());
        state.heads = self.heads.iter().map(|&i| dag.order[i].id()).collect();
        state.heads.sort();
        state
    }
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

/// (Its collections that grow with the community are persistent: a kept
/// fold is copied per act.)
#[derive(Clone)]
struct Fold {
    dag: Arc<Dag>,
    state: State,
    verdicts: Seq<Verdict>,
    /// For each record that changed who may act, its bit number.
    auth_bit: Seq<Option<usize>>,
    /// For each record, the auth records among its ancestors.
    /// (Shared: a record that is no auth record's only child has the same
    /// set as its parent.)
    auth_anc: Seq<Arc<BitSet>>,
    /// Auth effects by bit number.
    effects: Seq<Vec<Effect>>,
    /// Bits concerning each device / member, in order.
    by_device: imbl::HashMap<PublicKey, Vec<usize>>,
    by_member: imbl::HashMap<PublicKey, Vec<usize>>,
    removals: Vec<Removal>,
    /// The rules the community was founded with.
    genesis_rules: Rules,
    /// Adopted rule changes, in canonical order: the decision that adopted
    /// each (which is an auth record, so `auth_anc` says who saw it), the
    /// act and its new rule.
    rule_changes: Vec<(usize, Act, Rule)>,
    /// Decisions that decided a subject before an older, concurrent
    /// decision on it came in the replay: (the younger, the older).
    displaced: Vec<(usize, usize)>,
    /// From the previous fold: decisions (the younger) that hold by
    /// themselves but yield to an older concurrent decision on their subject.
    yielding: Arc<BTreeSet<(usize, usize)>>,
    /// For each record referred to: which records from it on build on it
    /// (bit `k - a` for record `k`), extended as the fold advances, so each
    /// such record costs one forward pass however often it is referred to.
    below: imbl::HashMap<usize, Below>,
    /// Per version (index into `State::versions`): how many signatures
    /// completed it and the version in force its signers saw.
    version_meta: Vec<VersionMeta>,
    /// Per accepted ratification (record index): the version in force
    /// (index) its signer saw, which its signature counts toward.
    ratify_base: imbl::HashMap<usize, usize>,
    /// Per ratification (record index): how many signatures the rule its
    /// signer saw asks for.
    ratify_needed: imbl::HashMap<usize, usize>,
    /// Per ratification judged, held or not: the version in force its
    /// signer saw.
    base_seen: imbl::HashMap<usize, usize>,
}

/// What the fold keeps of a version besides its `VersionEntry`.
#[derive(Clone, Copy)]
struct VersionMeta {
    /// The ratification that completed it in the replay (the genesis for
    /// the founding version).
    completer: usize,
}

/// The records from some record `a` on that build on it: bit `k - a`.
#[derive(Clone)]
struct Below {
    bits: Vec<u64>,
    len: usize,
}

impl Below {
    /// Record `a` itself, which counts as building on itself.
    fn new() -> Self {
        Below {
            bits: vec![1],
            len: 1,
        }
    }

    fn get(&self, n: usize) -> bool {
        self.bits
            .get(n / 64)
            .is_some_and(|w| w & (1 << (n % 64)) != 0)
    }

    fn push(&mut self, reached: bool) {
        let n = self.len;
        if self.bits.len() <= n / 64 {
            self.bits.push(0);
        }
        if reached {
            self.bits[n / 64] |= 1 << (n % 64);
        }
        self.len += 1;
    }
}

/// The author of a record as seen from its place in the DAG.
#[derive(Clone, Copy)]
struct Author {
    device: PublicKey,
    member: PublicKey,
    status: MemberStatus,
}

type Check<T = ()> = Result<T, Reason>;

fn require(condition: bool, reason: impl FnOnce() -> Reason) -> Check {
    if condition { Ok(()) } else { Err(reason()) }
}

impl Fold {
    fn run(
        dag: &Arc<Dag>,
        community: CommunityId,
        forced: &BTreeMap<usize, Reason>,
        yielding: &Arc<BTreeSet<(usize, usize)>>,
    ) -> Result<(Fold, Vec<Removal>), ResolveError> {
        let genesis_at = dag
            .index
            .get(&community)
            .copied()
            .ok_or_else(|| ResolveError::NoGenesis(community.short()))?;
        let genesis_record = &dag.order[genesis_at];
        let Payload::Genesis(genesis) = genesis_record.payload() else {
            return Err(ResolveError::BadGenesis(BadGenesis::NotAGenesis));
        };
        check_genesis(genesis, genesis_record)?;
        let n = dag.order.len();
        let mut fold = Fold {
            dag: Arc::clone(dag),
            state: initial_state(community, genesis, genesis_record),
            verdicts: vec![Verdict::Accepted; n].into(),
            auth_bit: vec![None; n].into(),
            auth_anc: vec![Arc::default(); n].into(),
            effects: Vec::new().into(),
            by_device: imbl::HashMap::new(),
            by_member: imbl::HashMap::new(),
            removals: Vec::new(),
            genesis_rules: genesis.rules.clone(),
            rule_changes: Vec::new(),
            displaced: Vec::new(),
            yielding: Arc::clone(yielding),
            below: imbl::HashMap::new(),
            version_meta: vec![VersionMeta {
                completer: genesis_at,
            }],
            ratify_base: imbl::HashMap::new(),
            ratify_needed: imbl::HashMap::new(),
            base_seen: imbl::HashMap::new(),
        };
        for i in 0..n {
            fold.ancestry(i);
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

    /// The auth records among the ancestors of record `i`.
    fn ancestry(&mut self, i: usize) {
        if let [p] = self.dag.parents[i][..]
            && self.auth_bit[p].is_none()
        {
            self.auth_anc[i] = Arc::clone(&self.auth_anc[p]);
            return;
        }
        let mut anc = BitSet::default();
        for &p in self.dag.parents[i].iter() {
            anc.union_with(&self.auth_anc[p]);
            if let Some(bit) = self.auth_bit[p] {
                anc.insert(bit);
            }
        }
        self.auth_anc[i] = Arc::new(anc);
    }

    /// The decisions that yield after this fold: of those that yielded
    /// into it, the ones whose older rival still holds and still conflicts,
    /// and those this fold found displaced.
    ///
    /// Of two concurrent decisions on one subject, the older stands: the
    /// younger is refused as long as the older holds. An older that was
    /// itself refused this round only because it displaced a third record
    /// (it folds again too) still holds. A record may yield to several (a
    /// signature to an older one of its amendment and to an older version
    /// of another).
    fn still_yielding(&self) -> BTreeSet<(usize, usize)> {
        let mut still: BTreeSet<(usize, usize)> = BTreeSet::new();
        let displacing: HashSet<usize> = self.displaced.iter().map(|&(_, older)| older).collect();
        for &(younger, older) in self.yielding.iter() {
            let holds = self.verdicts[older] == Verdict::Accepted || displacing.contains(&older);
            if holds && self.still_conflicts(younger, older) {
                still.insert((younger, older));
            }
        }
        still.extend(self.displaced.iter().copied());
        still
    }

    /// Judge record `i` against the state at its place; if it holds, update
    /// the state.
    fn apply(&mut self, i: usize) -> Check {
        let record = self.dag.order[i].clone();
        let parent_time = self.dag.parents[i]
            .iter()
            .map(|&p| self.dag.order[p].timestamp())
            .max()
            .unwrap_or(0);
        require(record.timestamp() >= parent_time, || {
            reason!(TimestampBeforeParent)
        })?;
        match record.payload() {
            Payload::Genesis(_) => Err(reason!(SecondGenesis)),
            Payload::Apply(apply) => self.apply_application(i, &record, apply),
            Payload::SignCharter(sign) => self.sign_charter(i, &record, sign),
            Payload::Leave(leave) => self.leave(i, &record, leave),
            Payload::Sanction(sanction) => self.sanction(i, &record, sanction),
            Payload::Exclude(exclude) => self.exclude(i, &record, exclude),
            Payload::CertifyDevice(cert) => self.certify_device(i, &record, cert),
            Payload::RevokeDevice(revoke) => self.revoke_device(i, &record, revoke),
            Payload::Challenge(challenge) => self.challenge(i, &record, challenge),
            Payload::Propose(propose) => self.propose(i, &record, propose),
            Payload::Submit(submit) => self.submit(i, &record, submit),
            Payload::Round(round) => self.round(i, &record, round),
            Payload::Withdraw(withdraw) => self.withdraw(i, &record, withdraw),
            Payload::React(react) => self.react(i, &record, react),
            Payload::TestObjection(test) => self.test_objection(i, &record, test),
            Payload::Decide(decide) => self.decide(i, &record, decide),
            Payload::Ratify(ratify) => self.ratify(i, &record, ratify),
            Payload::ChangeRule(change) => self.change_rule(i, &record, change),
            Payload::Tension(tension) => self.tension(i, &record, tension),
            Payload::TensionUpdate(update) => self.tension_update(i, &record, update),
            Payload::Attest(attest) => self.attest(i, &record, attest),
            Payload::DocumentShare(share) => self.share_document(i, &record, share),
            Payload::Invite(invite) => self.invite(i, &record, invite),
            Payload::RevokeInvitation(revoke) => self.revoke_invitation(i, &record, revoke),
            Payload::ChallengeClose(close) => self.close_challenge(i, &record, close),
            Payload::OpenParticipation(open) => self.open_participation(i, &record, open),
            Payload::ReviseContract(revise) => self.revise_contract(i, &record, revise),
            Payload::OpenPhase(phase) => self.open_phase(i, &record, phase),
            Payload::SettleCommitment(settle) => self.settle_commitment(i, &record, settle),
            Payload::CloseParticipation(close) => self.close_participation(i, &record, close),
            Payload::SubmitContribution(submit) => self.submit_contribution(i, &record, submit),
            Payload::AmendContribution(amend) => self.amend_contribution(i, &record, amend),
            Payload::WithdrawContribution(withdraw) => {
                self.withdraw_contribution(i, &record, withdraw)
            }
            Payload::SupportContribution(support) => self.support_contribution(i, &record, support),
            Payload::LinkContribution(link) => self.link_contribution(i, &record, link),
            Payload::ReportContribution(report) => self.report_contribution(i, &record, report),
            Payload::Hide(moderate) => self.moderate(i, &record, moderate, true),
            Payload::Restore(moderate) => self.moderate(i, &record, moderate, false),
            Payload::PublishAnswer(answer) => self.publish_answer(i, &record, answer),
            Payload::SynthesisPublish(synthesis) => self.publish_synthesis(i, &record, synthesis),
        }
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

    /// The rules record `i` is judged under: the founding rules with every
    /// adopted rule change among its ancestors — what its author had seen,
    /// not what happens to come before it in the canonical order (a rule
    /// changed concurrently does not apply to it).
    fn rules_seen(&self, i: usize) -> Rules {
        let mut rules = self.genesis_rules.clone();
        // Oldest first in the order that does not depend on the tie-break:
        // of two concurrent changes of one rule, both seen, the later-dated
        // holds, as in `State::rules`.
        let mut seen: Vec<&(usize, Act, Rule)> = self
            .rule_changes
            .iter()
            .filter(|(at, _, _)| {
                self.auth_bit[*at].is_some_and(|bit| self.auth_anc[i].contains(bit))
            })
            .collect();
        seen.sort_by_key(|(at, _, _)| self.dag.causal_key(*at));
        for (_, act, rule) in seen {
            rules.set(*act, rule.clone());
        }
        rules
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
        Some(Author {
            device,
            member,
            status: self.status_seen(i, &member)?,
        })
    }

    /// The status of `member` as the ancestors of record `i` say (`None`:
    /// not a member there yet): who counts in a vote is who the record's
    /// author had seen, not who happens to be placed before it.
    fn status_seen(&self, i: usize, member: &PublicKey) -> Option<MemberStatus> {
        let anc = &self.auth_anc[i];
        let mut status = None;
        for &bit in self.by_member.get(member).into_iter().flatten() {
            if !anc.contains(bit) {
                continue;
            }
            for effect in &self.effects[bit] {
                status = match *effect {
                    Effect::Join(m) if m == *member => Some(MemberStatus::Active),
                    Effect::Leave(m) if m == *member => Some(MemberStatus::Left),
                    Effect::Exclude(m) if m == *member => Some(MemberStatus::Excluded),
                    Effect::Suspend { member: m, until } if m == *member => {
                        Some(MemberStatus::Suspended { until })
                    }
                    _ => status,
                };
            }
        }
        status
    }

    /// The author, who must be a member in good standing at the record's time.
    fn active_member(&self, i: usize) -> Check<Author> {
        let record = &self.dag.order[i];
        let Some(author) = self.author(i) else {
            return Err(reason!(
                NotCertifiedDevice,
                device = record.author().short()
            ));
        };
        match author.status {
            MemberStatus::Left => Err(reason!(MemberLeft, member = author.member.short())),
            MemberStatus::Excluded => Err(reason!(MemberExcluded, member = author.member.short())),
            status if !status.active_at(record.timestamp()) => {
                Err(reason!(MemberSuspended, member = author.member.short()))
            }
            _ => Ok(author),
        }
    }

    /// Whether record `i` builds on record `a` (`a` is a strict ancestor).
    fn builds_on(&mut self, i: usize, a: usize) -> bool {
        if a >= i {
            return false;
        }
        let dag = Arc::clone(&self.dag);
        let below = self.below.entry(a).or_insert_with(Below::new);
        while below.len <= i - a {
            let k = a + below.len;
            let reached = dag.parents[k].iter().any(|&p| p >= a && below.get(p - a));
            below.push(reached);
        }
        below.get(i - a)
    }

    /// Whether record `i`'s author had seen version `v` ratified: the
    /// signatures of it among `i`'s ancestors complete it (the founding
    /// version is always seen).
    fn saw_version(&mut self, i: usize, v: usize) -> bool {
        if v == 0 {
            return true;
        }
        let signatures: Vec<usize> = self.state.versions[v]
            .ratified_by
            .iter()
            .filter_map(|r| self.dag.index.get(r).copied())
            .collect();
        let seen: Vec<usize> = signatures
            .into_iter()
            .filter(|&r| self.builds_on(i, r))
            .collect();
        self.completion(seen).is_some()
    }

    /// The signature that completes a set of signatures of one amendment
    /// on one base: the oldest (date, depth, id) by which the signatures
    /// up to it number as many as the rule one of them saw asks for; none
    /// if they are not enough.
    fn completion(&self, mut signatures: Vec<usize>) -> Option<usize> {
        signatures.sort_by_key(|&r| self.dag.causal_key(r));
        let mut needed = usize::MAX;
        for (n, &r) in signatures.iter().enumerate() {
            needed = needed.min(self.ratify_needed.get(&r).copied().unwrap_or(1));
            if n + 1 >= needed {
                return Some(r);
            }
        }
        None
    }

    /// The signature that completed version `v`, in the order above (not
    /// the one the replay happened to meet last).
    fn completed_by(&self, v: usize) -> usize {
        let signatures: Vec<usize> = self.state.versions[v]
            .ratified_by
            .iter()
            .filter_map(|r| self.dag.index.get(r).copied())
            .collect();
        self.completion(signatures)
            .unwrap_or(self.version_meta[v].completer)
    }

    /// The records `i` yields to (found in the previous fold), oldest
    /// first.
    fn yields_to(&self, i: usize) -> Vec<usize> {
        let mut older: Vec<usize> = self
            .yielding
            .range((i, 0)..=(i, usize::MAX))
            .map(|&(_, o)| o)
            .collect();
        older.sort_by_key(|&o| self.dag.causal_key(o));
        older
    }

    /// Whether a yield found in an earlier fold still has its reason (the
    /// version in force a signer saw depends on which versions were made):
    /// the older signature holds on the base the younger was signed on,
    /// and, for another amendment, its signatures there still complete a
    /// version at least as old (made, or held back by an older one still).
    fn still_conflicts(&self, younger: usize, older: usize) -> bool {
        let (Payload::Ratify(y), Payload::Ratify(o)) = (
            self.dag.order[younger].payload(),
            self.dag.order[older].payload(),
        ) else {
            return true;
        };
        let Some(&base) = self.base_seen.get(&younger) else {
            return false;
        };
        // The older may itself have been refused this fold for displacing
        // a third signature: the base it saw counts.
        if self.base_seen.get(&older) != Some(&base) {
            return false;
        }
        if y.amendment == o.amendment {
            return true;
        }
        match (
            self.completion(self.cohort(older, base)),
            self.completion(self.cohort(younger, base)),
        ) {
            (Some(ours), Some(theirs)) => {
                self.dag.causal_key(ours) < self.dag.causal_key(theirs)
                    && self.dag.causal_key(ours) <= self.dag.causal_key(older)
            }
            _ => false,
        }
    }

    /// The signatures that stand with signature `r` on `base`: of its
    /// amendment, naming its heads, counted this fold or refused only
    /// because they yield to, or displace, another (they would complete
    /// its version otherwise).
    fn cohort(&self, r: usize, base: usize) -> Vec<usize> {
        let Payload::Ratify(mine) = self.dag.order[r].payload() else {
            return vec![r];
        };
        let counted = self
            .state
            .amendments
            .get(&mine.amendment)
            .into_iter()
            .flat_map(|a| a.ratifications.iter())
            .filter_map(|id| self.dag.index.get(id).copied());
        let pending = self
            .yielding
            .iter()
            .map(|&(younger, _)| younger)
            .chain(self.displaced.iter().map(|&(_, older)| older));
        let mut cohort: Vec<usize> = counted
            .chain(pending)
            .filter(|&s| {
                s != r
                    && self.base_seen.get(&s) == Some(&base)
                    && matches!(self.dag.order[s].payload(),
                        Payload::Ratify(theirs) if theirs.amendment == mine.amendment && theirs.heads == mine.heads)
            })
            .collect();
        cohort.push(r);
        cohort.sort_unstable();
        cohort.dedup();
        cohort
    }

    /// The version in force as record `i`'s author saw it (an index into
    /// `State::versions`). Versions form a chain (each was ratified by
    /// members who had seen the one before), so this is the newest seen.
    fn in_force_seen(&mut self, i: usize) -> usize {
        (1..self.state.versions.len())
            .rev()
            .find(|&v| self.saw_version(i, v))
            .unwrap_or(0)
    }

    /// `member` is a member who has neither left nor been excluded (a
    /// suspended member still is one).
    fn still_member(&self, member: &PublicKey) -> Check {
        let target = self
            .state
            .members
            .get(member)
            .ok_or_else(|| reason!(NoSuchMember))?;
        require(
            matches!(
                target.status,
                MemberStatus::Active | MemberStatus::Suspended { .. }
            ),
            || reason!(NoLongerMember),
        )
    }

    /// A record this one refers to: known, accepted, and among its ancestors.
    fn reference(&mut self, i: usize, id: &RecordId, what: &'static str) -> Check<usize> {
        let Some(&at) = self.dag.index.get(id) else {
            return Err(reason!(
                RefersToUnknown,
                what = ReasonArg::what(what),
                record = id.short()
            ));
        };
        if !self.builds_on(i, at) {
            return Err(reason!(
                RefersWithoutBuilding,
                what = ReasonArg::what(what),
                record = id.short()
            ));
        }
        if self.verdicts[at] != Verdict::Accepted {
            return Err(reason!(
                RefersToRejected,
                what = ReasonArg::what(what),
                record = id.short()
            ));
        }
        Ok(at)
    }

    /// Whether `author` may act on a case concerning `concerned`: a
    /// facilitator if the community has any, else anyone but the one concerned.
    fn is_facilitator_or_member(&self, author: &Author, concerned: &PublicKey) -> Check {
        if self.state.facilitators.is_empty() {
            require(author.member != *concerned, || reason!(OwnCase))
        } else {
            require(self.state.facilitators.contains(&author.member), || {
                reason!(FacilitatorOnly)
            })
        }
    }

    /// The devices of `member`, revoked or not, and always their first key.
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
}

fn check_genesis(genesis: &Genesis, record: &Record) -> Result<(), ResolveError> {
    let bad = ResolveError::BadGenesis;
    if genesis.founders.is_empty() {
        return Err(bad(BadGenesis::NoFounder));
    }
    if !genesis.founders.iter().any(|f| f.member == record.author()) {
        return Err(bad(BadGenesis::NotByAFounder));
    }
    let mut ids = HashSet::new();
    for college in &genesis.colleges {
        if college.id.trim().is_empty() || !ids.insert(college.id.as_str()) {
            return Err(bad(BadGenesis::College(college.id.clone())));
        }
    }
    for founder in &genesis.founders {
        if !founder.member.is_sound() {
            return Err(bad(BadGenesis::UnsoundKey(founder.name.clone())));
        }
        if !ids.contains(founder.college.as_str()) {
            return Err(bad(BadGenesis::NoCollege(founder.name.clone())));
        }
    }
    for act in Act::ALL {
        check_rule(genesis.rules.get(act), &genesis.colleges)
            .map_err(|reason| bad(BadGenesis::Rule { act, reason }))?;
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
                application: None,
                left: None,
                devices: vec![founder.member],
                sanctions: Vec::new(),
            },
        );
        devices.insert(
            founder.member,
            Device {
                member: founder.member,
                label: "first device".into(),
                certified_by: record.id(),
                certified_at: record.timestamp(),
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
        members: members.into(),
        devices: devices.into(),
        applications: imbl::OrdMap::new(),
        proposals: imbl::OrdMap::new(),
        challenges: imbl::OrdMap::new(),
        amendments: BTreeMap::new(),
        tensions: imbl::OrdMap::new(),
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
        attestations: imbl::Vector::new(),
        documents: imbl::OrdMap::new(),
        invitations: imbl::OrdMap::new(),
        participations: imbl::OrdMap::new(),
        contributions: imbl::OrdMap::new(),
        records: imbl::Vector::new(),
        heads: Vec::new(),
    }
}
