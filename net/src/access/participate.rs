//! Citizens who are not members, in a participation: what they may read of
//! it ([`Registry::participation`]) and the records they may write
//! ([`Registry::take_citizen_record`]) — contributions, amendments,
//! withdrawals, supports and reports in that one participation, judged with
//! the community's records by the same fold, and nothing else. Accepted
//! records are kept with the community's records (so the next one is
//! judged with them) and handed to members' devices, which write them into
//! the ledger ([`Registry::pending_for`]).

use super::*;
use nous_core::governance::participation::{ContributionState, ParticipationState};
use nous_core::record::{Channel, Kind, Payload, RecordId};

/// The kinds of record a citizen's device may write through a relay.
pub const CITIZEN_KINDS: [Kind; 5] = [
    Kind::SubmitContribution,
    Kind::AmendContribution,
    Kind::WithdrawContribution,
    Kind::SupportContribution,
    Kind::ReportContribution,
];

/// Why a citizen's record (or view) is refused. [`ParticipateRefused::code`]
/// is the stable code the relay answers with and counts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParticipateRefused {
    /// No such community or participation on this relay.
    #[error("no such participation on this relay")]
    Unknown,
    /// A kind a citizen may not write.
    #[error("a citizen's device may not write a {0} record through the relay")]
    Kind(&'static str),
    /// A contribution submitted from another channel than the device.
    #[error(
        "a contribution sent through the relay comes from its author's device (channel device)"
    )]
    Channel,
    /// The record is for another community.
    #[error("the record is for another community than the participation's")]
    Community,
    /// The record bears on another participation.
    #[error("the record bears on another participation")]
    Participation,
    /// The record is larger than the relay takes.
    #[error("the record is larger than {0} bytes")]
    TooLarge(usize),
    /// The record is not signed by the device that sends it.
    #[error("the record is signed by another device")]
    Author,
    /// Not a record, or its signature fails.
    #[error("not a sound record: {0}")]
    Record(String),
    /// Governance refuses it (the fold's reason, in English, and its code).
    #[error("{reason}")]
    Refused {
        /// The reason's code.
        code: String,
        /// The reason, in English.
        reason: String,
        /// Its arguments (`Reason`'s JSON `args`), so a client says it in
        /// its reader's language.
        args: serde_json::Value,
    },
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

impl ParticipateRefused {
    /// Its stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ParticipateRefused::Unknown => "unknown",
            ParticipateRefused::Kind(_) => "kind",
            ParticipateRefused::Channel => "channel",
            ParticipateRefused::Community => "community",
            ParticipateRefused::Participation => "participation",
            ParticipateRefused::TooLarge(_) => "too-large",
            ParticipateRefused::Author => "author",
            ParticipateRefused::Record(_) => "record",
            ParticipateRefused::Refused { .. } => "governance",
            ParticipateRefused::Store(_) => "store",
        }
    }

    /// The label it is counted under in `/metrics`.
    pub fn metric(&self) -> &'static str {
        match self {
            ParticipateRefused::Unknown => "participate_unknown",
            ParticipateRefused::Kind(_) => "participate_kind",
            ParticipateRefused::Channel => "participate_channel",
            ParticipateRefused::Community => "participate_community",
            ParticipateRefused::Participation => "participate_participation",
            ParticipateRefused::TooLarge(_) => "participate_too_large",
            ParticipateRefused::Author => "participate_author",
            ParticipateRefused::Record(_) => "participate_record",
            ParticipateRefused::Refused { .. } => "participate_governance",
            ParticipateRefused::Store(_) => "participate_store",
        }
    }
}

/// What a citizen may read of a participation: its state, the
/// contributions in it, and the heads and date a new record builds on.
#[derive(Debug, Clone)]
pub struct ParticipationView {
    /// The participation.
    pub participation: ParticipationState,
    /// Its contributions, in order of submission.
    pub contributions: Vec<Arc<ContributionState>>,
    /// The community's record heads: what a new record cites.
    pub heads: Vec<RecordId>,
    /// The latest date among them (ms).
    pub heads_time: u64,
    /// The community's name.
    pub name: String,
}

impl Registry {
    /// What a citizen may read of `participation` in `community`.
    pub fn participation(
        &self,
        community: &CommunityId,
        participation: &RecordId,
        reader: &PublicKey,
    ) -> Result<ParticipationView, ParticipateRefused> {
        let inner = self.read();
        let view = inner
            .communities
            .get(community)
            .ok_or(ParticipateRefused::Unknown)?;
        let state = &view.state;
        let held = state
            .participations
            .get(participation)
            .ok_or(ParticipateRefused::Unknown)?;
        // Public once a phase has opened it to people who are no members;
        // until then (and for a participation of members only) it is the
        // members' business, and anyone else is told it does not exist.
        let public = held
            .phases
            .iter()
            .any(|ph| ph.contributors != nous_core::record::Contributors::Members);
        if !public && !state.known_devices().contains(reader) {
            return Err(ParticipateRefused::Unknown);
        }
        let contributions = held
            .contributions
            .iter()
            .filter_map(|id| state.contributions.get(id).cloned())
            .collect();
        Ok(ParticipationView {
            participation: held.clone(),
            contributions,
            heads: state.heads.clone(),
            heads_time: view.heads_time,
            name: state.name.clone(),
        })
    }

    /// Take a citizen's record for `participation` in `community`, sent by
    /// `device`: one of [`CITIZEN_KINDS`] (a contribution from the device
    /// channel), of that community and bearing on that participation,
    /// signed by `device`, at most `max_bytes`, and accepted by governance
    /// with the community's records. Kept with them and handed to members.
    pub fn take_citizen_record(
        &self,
        community: &CommunityId,
        participation: &RecordId,
        record: Record,
        device: &PublicKey,
        max_bytes: usize,
    ) -> Result<Record, ParticipateRefused> {
        let refused = |r: ParticipateRefused| {
            self.metrics.reject(r.metric());
            r
        };
        if record.bytes().len() > max_bytes {
            return Err(refused(ParticipateRefused::TooLarge(max_bytes)));
        }
        let kind = record.payload().kind();
        if !CITIZEN_KINDS.contains(&kind) {
            return Err(refused(ParticipateRefused::Kind(kind.name())));
        }
        if record.community() != *community {
            return Err(refused(ParticipateRefused::Community));
        }
        let view = self
            .participation(community, participation, device)
            .map_err(refused)?;
        // The contribution a record bears on, if any: it must be one of
        // this participation's.
        let target = match record.payload() {
            Payload::SubmitContribution(submit) => {
                if submit.participation != *participation {
                    return Err(refused(ParticipateRefused::Participation));
                }
                if submit.channel != Channel::Device || submit.on_behalf_of.is_some() {
                    return Err(refused(ParticipateRefused::Channel));
                }
                None
            }
            Payload::AmendContribution(p) => Some(p.contribution),
            Payload::WithdrawContribution(p) => Some(p.contribution),
            Payload::SupportContribution(p) => Some(p.contribution),
            Payload::ReportContribution(p) => Some(p.contribution),
            _ => return Err(refused(ParticipateRefused::Kind(kind.name()))),
        };
        if let Some(target) = target
            && !view.participation.contributions.contains(&target)
        {
            return Err(refused(ParticipateRefused::Participation));
        }
        if record.author() != *device {
            return Err(refused(ParticipateRefused::Author));
        }
        record
            .verify_signature()
            .map_err(|e| refused(ParticipateRefused::Record(e.to_string())))?;
        let mut records = {
            let engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine
                .records(community)
                .map_err(|e| ParticipateRefused::Store(e.to_string()))?
        };
        let id = record.id();
        if records.iter().any(|r| r.id() == id) {
            return Ok(record);
        }
        records.push(record.clone());
        // The stored records were verified when they came in.
        let options = ResolveOptions {
            check_signatures: false,
            ..ResolveOptions::default()
        };
        let state = governance::resolve(*community, &records, options)
            .map_err(|e| ParticipateRefused::Store(e.to_string()))?;
        match state.verdict(&id) {
            Some(governance::Verdict::Accepted) => {}
            Some(governance::Verdict::Rejected(reason) | governance::Verdict::Pending(reason)) => {
                let args = serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.get("args").cloned())
                    .unwrap_or_default();
                return Err(refused(ParticipateRefused::Refused {
                    code: reason.code().as_str().to_owned(),
                    reason: reason.to_string(),
                    args,
                }));
            }
            None => {
                return Err(refused(ParticipateRefused::Refused {
                    code: "not-judged".into(),
                    reason: "not judged".into(),
                    args: serde_json::Value::Null,
                }));
            }
        }
        self.add_records(community, std::slice::from_ref(&record))
            .map_err(|e| ParticipateRefused::Store(e.to_string()))?;
        self.outside_mut(|outside| outside.entry(*community).or_default().push(record.clone()));
        Ok(record)
    }

    /// Citizens' records `community`'s ledger does not hold yet.
    pub(super) fn outside_of(&self, community: &CommunityId) -> Vec<Record> {
        self.outside_mut(|outside| outside.get(community).cloned().unwrap_or_default())
    }

    /// `records` came in `community`'s ledger: none is outside it now.
    pub(super) fn now_in_ledger(&self, community: &CommunityId, records: &[Record]) {
        self.outside_mut(|outside| {
            if let Some(list) = outside.get_mut(community) {
                let ids: HashSet<RecordId> = records.iter().map(Record::id).collect();
                list.retain(|r| !ids.contains(&r.id()));
            }
        });
    }

    /// After a restart: the citizens' records the relay holds for
    /// `community` that its ledger does not (found only where the backing
    /// can read the ledger).
    pub(super) fn find_outside(&self, community: &CommunityId) -> Result<(), RegistryError> {
        let Some(in_ledger) = self.backing.ledger_records(&ledger::doc_id(community)) else {
            return Ok(());
        };
        let in_ledger: HashSet<RecordId> = in_ledger.into_iter().collect();
        let records = {
            let engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine
                .records(community)
                .map_err(|e| RegistryError::Store(e.to_string()))?
        };
        let mut found: Vec<Record> = records
            .iter()
            .filter(|r| CITIZEN_KINDS.contains(&r.payload().kind()))
            .filter(|r| !in_ledger.contains(&r.id()))
            .cloned()
            .collect();
        // Parents before children: members take them in one at a time.
        found.sort_by_key(Record::timestamp);
        if !found.is_empty() {
            self.outside_mut(|outside| outside.insert(*community, found));
        }
        Ok(())
    }

    fn outside_mut<T>(&self, f: impl FnOnce(&mut HashMap<CommunityId, Vec<Record>>) -> T) -> T {
        let mut outside = self
            .outside
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut outside)
    }
}
