//! Who may read and write what, from the communities' signed records.
//!
//! The relay hosts communities. For each it keeps the records (verified, in
//! its own home's store) and the state they resolve to: the devices of
//! current members, every device ever certified, the changes each device
//! attested, and the documents the community claims (its charter, amendment
//! drafts, documents shared with a `document.share` record) with their
//! access.
//!
//! **A document has one owner.** A claim is only a claim: records are
//! signed by whoever founds a community, so anyone may *name* any document
//! id. The relay gives each document id to at most one community, the
//! first whose claim it accepts, and keeps that choice in its store. A claim
//! is accepted when nobody owns the id yet and either the relay holds none
//! of the document (it will take changes for it only from the owner's
//! writers) or the document's first changes were written by devices of the
//! claiming community. A claim on an id another community owns, or on a
//! community's ledger, is refused (counted as `claim_refused`) and grants
//! nothing. Access to a document is computed from its owner alone:
//!
//! - a member's certified device reads and writes the owner's documents and
//!   its ledger;
//! - anyone reads a document its owner made public;
//! - everyone else is denied, and a denied peer is answered exactly as for a
//!   document that does not exist (`doc-unavailable`).
//!
//! **A change is its author's.** See [`Registry::may_author`]: a change
//! under a device's actor id comes from that device, or carries that
//! device's signed attestation; a stock client's random actor id is bound
//! to the one device that first wrote with it.
//!
//! Every change to a community's records bumps an epoch. Each open
//! document's task watches it and asks again for each of its clients before
//! it sends anything more, so a member who leaves or is excluded loses
//! access on every open connection at once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use automerge::{ActorId, ChangeHash};
use nous_core::PublicKey;
use nous_core::governance::{self, ResolveOptions};
use nous_core::ids::DocId;
use nous_core::record::Access as DocAccess;
use nous_core::record::{CommunityId, Record};
use nous_core::{Engine, ledger};
use tokio::sync::watch;

use crate::metrics::Metrics;

/// What the registry keeps in, and reads from, the relay's document store.
pub trait Backing: Send + Sync {
    /// Keep a new actor binding (see [`Registry::may_author`]).
    fn keep_binding(&self, actor: &ActorId, device: &PublicKey);
    /// Keep a document's owner.
    fn keep_owner(&self, doc: &DocId, community: &CommunityId);
    /// What the relay holds of a document.
    fn held(&self, doc: &DocId) -> Held;
    /// The ids of the records a ledger document holds, if the relay holds
    /// it and it reads (to tell, after a restart, which citizens' records
    /// members have still to write into it).
    fn ledger_records(&self, _ledger: &DocId) -> Option<Vec<nous_core::record::RecordId>> {
        None
    }
}

/// The ids of the records in a ledger's stored chunks (in key order), if
/// they read.
pub fn ledger_records(chunks: Vec<(String, Vec<u8>)>) -> Option<Vec<nous_core::record::RecordId>> {
    let bytes: Vec<u8> = chunks.into_iter().flat_map(|(_, value)| value).collect();
    let mut loaded = automerge::Automerge::new();
    nous_core::guard::apply_in_place(
        &mut loaded,
        &bytes,
        &nous_core::guard::Limits::local_store(),
    )
    .ok()?;
    Some(
        ledger::records(&loaded)
            .ok()?
            .iter()
            .map(Record::id)
            .collect(),
    )
}

/// What the relay holds of a document, as proof of who began it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// Nothing.
    Nothing,
    /// The actors of its first changes (those without dependencies).
    Roots(Vec<ActorId>),
    /// Chunks that do not load.
    Unreadable,
}

/// What `chunks` (a document's stored chunks, in key order) say of who
/// began it: the actors of its changes without dependencies.
pub fn held(chunks: Vec<(String, Vec<u8>)>) -> Held {
    if chunks.is_empty() {
        return Held::Nothing;
    }
    let bytes: Vec<u8> = chunks.into_iter().flat_map(|(_, value)| value).collect();
    let mut loaded = automerge::Automerge::new();
    if nous_core::guard::apply_in_place(
        &mut loaded,
        &bytes,
        &nous_core::guard::Limits::local_store(),
    )
    .is_err()
    {
        return Held::Unreadable;
    }
    Held::Roots(
        loaded
            .get_changes_meta(&[])
            .into_iter()
            .filter(|change| change.deps.is_empty())
            .map(|change| change.actor.into_owned())
            .collect(),
    )
}

/// What a device may do with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Nothing; the document's existence is not disclosed.
    Denied,
    /// Receive changes; incoming changes are refused.
    Read,
    /// Send and receive changes.
    Write,
}

/// What the relay knows a document to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// The ledger of a hosted community.
    Ledger(CommunityId),
    /// A document owned by a hosted community.
    Content(CommunityId),
    /// Not a document of any hosted community.
    Unknown,
}

/// Why a change may not enter a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotTheAuthor {
    /// Written under another device's actor id, without that device's
    /// attestation.
    AnotherDevice(PublicKey),
    /// A stock client's actor id already bound to another device.
    BoundElsewhere,
    /// The ledger's base actor, which writes nothing after a ledger's first
    /// change.
    BaseActor,
}

impl std::fmt::Display for NotTheAuthor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotTheAuthor::AnotherDevice(device) => write!(
                f,
                "written under device {}'s actor id, which did not send or attest it",
                device.short()
            ),
            NotTheAuthor::BoundElsewhere => {
                f.write_str("written under an actor id bound to another device")
            }
            NotTheAuthor::BaseActor => f.write_str("written under the ledger's base actor id"),
        }
    }
}

#[derive(Debug)]
struct View {
    writers: BTreeSet<PublicKey>,
    known: BTreeSet<PublicKey>,
    claims: BTreeMap<DocId, DocAccess>,
    attested: HashSet<(PublicKey, ChangeHash)>,
    /// Devices of admitted applicants who have not signed yet: they read
    /// and write the ledger (to sign the charter), nothing else.
    admitted: BTreeSet<PublicKey>,
    /// What an invited applicant may read, and the invitations.
    welcome: Arc<Welcome>,
    /// The resolved state (what a citizen may read of a participation is
    /// taken from it: [`Registry::participation`]).
    state: Arc<governance::State>,
    /// The latest date among the state's heads (a new record is dated at
    /// or after it).
    heads_time: u64,
}

/// What the relay tells an invited applicant: exactly what an applicant
/// may read (the community's name, colleges and rules, the charter in
/// force), and the signed records that let it check the invitation.
#[derive(Debug, Clone)]
pub struct Welcome {
    /// The community.
    pub community: CommunityId,
    /// Its name.
    pub name: String,
    /// Its colleges.
    pub colleges: Vec<nous_core::record::College>,
    /// Its rules.
    pub rules: nous_core::record::Rules,
    /// The charter and the version in force.
    pub charter: DocId,
    /// The version in force.
    pub in_force: governance::VersionEntry,
    /// The genesis record.
    pub genesis: Option<Record>,
    /// Invitations and their records.
    pub invitations: BTreeMap<nous_core::record::RecordId, (governance::InvitationState, Record)>,
    /// Applications made with an invitation that members have still to
    /// decide: handed to members' devices (`/status`), which write them
    /// into the ledger.
    pub pending: Vec<Record>,
    /// What became of each application made with an invitation, by the
    /// applicant's device: what the applicant may ask (`/join/status`).
    pub decided: BTreeMap<PublicKey, governance::ApplicationState>,
    /// Each applicant device's invited application: a device that asks
    /// again is given back its own (and may read again what it read).
    pub applied: BTreeMap<PublicKey, Record>,
}

/// Why an invited applicant is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinRefused {
    /// No such community here, or no such invitation in it.
    #[error("no such invitation on this relay")]
    Unknown,
    /// The invitation expired, was revoked or is used up.
    #[error("the invitation is no longer valid (expired, revoked or used up)")]
    Closed,
    /// The proof does not hold for this device.
    #[error("the invitation proof does not hold for this device")]
    Proof,
    /// The application is not one this device may bring with it.
    #[error("{0}")]
    Application(String),
    /// The store failed.
    #[error("{0}")]
    Store(String),
}

#[derive(Debug, Default)]
struct Inner {
    communities: HashMap<CommunityId, View>,
    ledgers: HashMap<DocId, CommunityId>,
    owners: HashMap<DocId, CommunityId>,
    /// Claims refused so far (each counted once).
    refused: HashSet<(DocId, CommunityId)>,
}

/// Why records could not be taken in.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The records store refused them (bad signature, damaged store...).
    #[error("{0}")]
    Store(String),
    /// The community's records do not resolve.
    #[error("{0}")]
    Governance(String),
}

/// The relay's view of its communities. Shared by the guard, the document
/// tasks and the HTTP handlers.
pub struct Registry {
    inner: RwLock<Inner>,
    engine: Mutex<Engine>,
    epoch: watch::Sender<u64>,
    /// Actor ids of stock clients (random, not a device key), bound to the
    /// first authenticated device that wrote with them.
    bindings: Mutex<HashMap<ActorId, PublicKey>>,
    backing: Box<dyn Backing>,
    metrics: Arc<Metrics>,
    /// Citizens' records the relay accepted and the community's ledger
    /// does not hold yet, in the order accepted: handed to members'
    /// devices (`/status`), which write them into the ledger.
    outside: Mutex<HashMap<CommunityId, Vec<Record>>>,
}

mod participate;
pub use participate::{CITIZEN_KINDS, ParticipateRefused, ParticipationView};

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

/// What the store kept of earlier decisions.
#[derive(Debug, Default)]
pub struct Kept {
    /// Actor bindings.
    pub bindings: Vec<(ActorId, PublicKey)>,
    /// Document owners.
    pub owners: Vec<(DocId, CommunityId)>,
}

impl Registry {
    /// Load every community the relay's store holds, with the bindings and
    /// owners kept so far; `backing` keeps new ones.
    pub fn load(
        engine: Engine,
        kept: Kept,
        backing: Box<dyn Backing>,
        metrics: Arc<Metrics>,
    ) -> Result<Arc<Self>, RegistryError> {
        let mut communities = engine
            .communities()
            .map_err(|e| RegistryError::Store(e.to_string()))?;
        communities.sort_unstable();
        let registry = Arc::new(Registry {
            inner: RwLock::new(Inner {
                owners: kept.owners.into_iter().collect(),
                ..Inner::default()
            }),
            engine: Mutex::new(engine),
            epoch: watch::Sender::new(0),
            bindings: Mutex::new(kept.bindings.into_iter().collect()),
            backing,
            metrics,
            outside: Mutex::default(),
        });
        for community in communities {
            registry.refresh(&community)?;
            registry.find_outside(&community)?;
        }
        Ok(registry)
    }

    /// Bumped on every change of access.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.epoch.subscribe()
    }

    /// How many communities are hosted.
    pub fn community_count(&self) -> usize {
        self.read().communities.len()
    }

    /// What `doc` is.
    pub fn kind(&self, doc: &DocId) -> DocKind {
        let inner = self.read();
        if let Some(community) = inner.ledgers.get(doc) {
            return DocKind::Ledger(*community);
        }
        match inner.owners.get(doc) {
            Some(owner) if inner.communities.contains_key(owner) => DocKind::Content(*owner),
            _ => DocKind::Unknown,
        }
    }

    /// The community that owns `doc` (a document or a ledger), if any.
    pub fn owner(&self, doc: &DocId) -> Option<CommunityId> {
        match self.kind(doc) {
            DocKind::Ledger(community) | DocKind::Content(community) => Some(community),
            DocKind::Unknown => None,
        }
    }

    /// What `device` may do with `doc`: decided by the community that owns
    /// it, and by no other.
    pub fn access(&self, doc: &DocId, device: Option<&PublicKey>) -> Access {
        let inner = self.read();
        if let Some(community) = inner.ledgers.get(doc) {
            let writer =
                inner
                    .communities
                    .get(community)
                    .zip(device)
                    .is_some_and(|(view, device)| {
                        view.writers.contains(device) || view.admitted.contains(device)
                    });
            return if writer {
                Access::Write
            } else {
                Access::Denied
            };
        }
        let Some(view) = inner
            .owners
            .get(doc)
            .and_then(|owner| inner.communities.get(owner))
        else {
            return Access::Denied;
        };
        let Some(doc_access) = view.claims.get(doc) else {
            return Access::Denied;
        };
        if device.is_some_and(|d| view.writers.contains(d)) {
            Access::Write
        } else if *doc_access == DocAccess::Public {
            Access::Read
        } else {
            Access::Denied
        }
    }

    /// Whether a change `hash` written by `actor` may enter a document of
    /// `community` (a content document, or its ledger when `ledger`),
    /// delivered by `device` (which has write access to it).
    ///
    /// - Nous clients write as their device key (followed by a document
    ///   id). Such a change comes from that device itself or, in a content
    ///   document, carries that device's `content.attest` record (a member
    ///   passing on history it received from another): no device speaks for
    ///   another. In a ledger, only the device itself.
    /// - Stock automerge-repo clients write under random actor ids: such an
    ///   actor is bound to the first device (allowed to write there) that
    ///   delivers it, and refused from any other.
    /// - The ledger's base actor writes only a ledger's first change, which
    ///   every replica shares; nothing new is admitted under it.
    pub fn may_author(
        &self,
        community: &CommunityId,
        ledger: bool,
        actor: &ActorId,
        hash: &ChangeHash,
        device: &PublicKey,
    ) -> Result<(), NotTheAuthor> {
        self.judge_author(community, ledger, actor, hash, device, true)
    }

    /// [`Registry::may_author`] without binding a new random actor to
    /// `device`: what can be said before a change is applied (an unbound
    /// random actor passes here; `may_author` binds it once the change holds).
    pub fn may_author_unbound(
        &self,
        community: &CommunityId,
        ledger: bool,
        actor: &ActorId,
        hash: &ChangeHash,
        device: &PublicKey,
    ) -> Result<(), NotTheAuthor> {
        self.judge_author(community, ledger, actor, hash, device, false)
    }

    fn judge_author(
        &self,
        community: &CommunityId,
        ledger: bool,
        actor: &ActorId,
        hash: &ChangeHash,
        device: &PublicKey,
        bind: bool,
    ) -> Result<(), NotTheAuthor> {
        if actor.to_bytes() == ledger::BASE_ACTOR {
            return Err(NotTheAuthor::BaseActor);
        }
        if let Some(author) = PublicKey::from_actor(actor) {
            if author == *device {
                return Ok(());
            }
            let attested = !ledger
                && self
                    .read()
                    .communities
                    .get(community)
                    .is_some_and(|view| view.attested.contains(&(author, *hash)));
            return if attested {
                Ok(())
            } else {
                Err(NotTheAuthor::AnotherDevice(author))
            };
        }
        let mut bindings = self
            .bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match bindings.get(actor) {
            Some(bound) if bound == device => Ok(()),
            Some(_) => Err(NotTheAuthor::BoundElsewhere),
            None => {
                if bind {
                    bindings.insert(actor.clone(), *device);
                    self.backing.keep_binding(actor, device);
                }
                Ok(())
            }
        }
    }

    /// Take in records that came in a ledger (already admitted by
    /// [`ledger::admit_for`]): store them and re-resolve the community.
    pub fn add_records(
        &self,
        community: &CommunityId,
        records: &[Record],
    ) -> Result<(), RegistryError> {
        {
            let mut engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let staged = engine
                .add_records(records)
                .map_err(|e| RegistryError::Store(e.to_string()))?;
            engine
                .wait(staged.ticket)
                .map_err(|e| RegistryError::Store(e.to_string()))?;
        }
        // Those a ledger brought are no longer outside it.
        self.now_in_ledger(community, records);
        self.refresh(community)
    }

    /// Resolve `community` from scratch, settle its claims, and publish its
    /// new view.
    fn refresh(&self, community: &CommunityId) -> Result<(), RegistryError> {
        let records = {
            let engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine
                .records(community)
                .map_err(|e| RegistryError::Store(e.to_string()))?
        };
        let state = governance::resolve(
            *community,
            &records,
            ResolveOptions {
                check_signatures: false,
                ..ResolveOptions::default()
            },
        )
        .map_err(|e| RegistryError::Governance(e.to_string()))?;
        let attested = state
            .attested_changes()
            .map(|(device, _, hash)| (*device, *hash))
            .collect();
        let by_id: HashMap<nous_core::record::RecordId, &Record> =
            records.iter().map(|r| (r.id(), r)).collect();
        let invitations = state
            .invitations
            .iter()
            .filter_map(|(id, held)| Some((*id, (held.clone(), (*by_id.get(id)?).clone()))))
            .collect();
        let heads_time = state
            .heads
            .iter()
            .filter_map(|id| by_id.get(id))
            .map(|r| r.timestamp())
            .max()
            .unwrap_or(0);
        let pending = state
            .applications
            .values()
            .filter(|a| a.state == governance::ApplicationState::Pending)
            .filter_map(|a| by_id.get(&a.record))
            .filter(|r| {
                matches!(r.payload(), nous_core::record::Payload::Apply(apply) if apply.invitation.is_some())
            })
            .map(|r| (*r).clone())
            .collect();
        let decided = state
            .applications
            .values()
            .filter(|a| {
                by_id.get(&a.record).is_some_and(|r| {
                    matches!(r.payload(), nous_core::record::Payload::Apply(apply) if apply.invitation.is_some())
                })
            })
            .map(|a| (a.applicant, a.state.clone()))
            .collect();
        let applied = state
            .applications
            .values()
            .filter_map(|a| Some((a.applicant, *by_id.get(&a.record)?)))
            .filter(|(_, r)| {
                matches!(r.payload(), nous_core::record::Payload::Apply(apply) if apply.invitation.is_some())
            })
            .map(|(device, r)| (device, r.clone()))
            .collect();
        let welcome = Welcome {
            applied,
            decided,
            community: *community,
            name: state.name.clone(),
            colleges: state.colleges.clone(),
            rules: state.rules.clone(),
            charter: state.charter,
            in_force: state.in_force().clone(),
            genesis: by_id.get(community).map(|r| (*r).clone()),
            invitations,
            pending,
        };
        let admitted = state
            .applications
            .values()
            .filter(|a| a.state == governance::ApplicationState::Admitted)
            .map(|a| a.applicant)
            .collect();
        let view = View {
            writers: state.writer_devices_at(crate::now_ms()),
            known: state.known_devices(),
            claims: state.claimed_documents(),
            attested,
            admitted,
            welcome: Arc::new(welcome),
            state: Arc::new(state),
            heads_time,
        };
        let ledger_id = ledger::doc_id(community);
        // The claims nobody holds yet, and what the store says of them
        // (read outside the lock: it may load a document).
        let open: Vec<DocId> = {
            let inner = self.read();
            view.claims
                .keys()
                .filter(|doc| !inner.owners.contains_key(doc) && !inner.ledgers.contains_key(doc))
                .filter(|doc| **doc != ledger_id)
                .copied()
                .collect()
        };
        let open: Vec<(DocId, Held)> = open
            .into_iter()
            .map(|doc| (doc, self.backing.held(&doc)))
            .collect();
        {
            let mut inner = self
                .inner
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // A ledger id is its community's, whatever another community
            // claimed before it came.
            inner.ledgers.insert(ledger_id, *community);
            if let Some(previous) = inner.owners.remove(&ledger_id) {
                tracing::warn!(doc = %ledger_id, community = %previous.short(), "relay: a claim on a community's ledger is void");
            }
            for (doc, held) in open {
                if inner.owners.contains_key(&doc) {
                    continue;
                }
                let proven = match held {
                    Held::Nothing => true,
                    Held::Roots(roots) => roots
                        .iter()
                        .all(|actor| self.written_by(actor, &view.known)),
                    Held::Unreadable => false,
                };
                if proven {
                    inner.owners.insert(doc, *community);
                    self.backing.keep_owner(&doc, community);
                }
            }
            for doc in view.claims.keys() {
                let ours = inner.owners.get(doc) == Some(community);
                if !ours && inner.refused.insert((*doc, *community)) {
                    self.metrics.reject("claim_refused");
                    tracing::warn!(doc = %doc, community = %community.short(), "relay: a community names a document it does not own here; the claim grants nothing");
                }
            }
            inner.communities.insert(*community, view);
        }
        self.epoch.send_modify(|epoch| *epoch += 1);
        Ok(())
    }

    /// Whether `actor` writes for one of `devices`: their own actor id, or
    /// a stock client's actor bound to one of them.
    fn written_by(&self, actor: &ActorId, devices: &BTreeSet<PublicKey>) -> bool {
        if let Some(author) = PublicKey::from_actor(actor) {
            return devices.contains(&author);
        }
        self.bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(actor)
            .is_some_and(|device| devices.contains(device))
    }

    /// What an invited applicant may read of `community`, once its
    /// invitation holds for `device` at `now` (ms): `proof` is the
    /// invitation key's signature for this device.
    pub fn welcome(
        &self,
        community: &CommunityId,
        invitation: &nous_core::record::RecordId,
        device: &PublicKey,
        proof: &str,
        now: u64,
    ) -> Result<Arc<Welcome>, JoinRefused> {
        let welcome = self
            .read()
            .communities
            .get(community)
            .map(|view| Arc::clone(&view.welcome))
            .ok_or(JoinRefused::Unknown)?;
        let (held, _) = welcome
            .invitations
            .get(invitation)
            .ok_or(JoinRefused::Unknown)?;
        // A device that applied with it may come back (a join run again).
        let returning = welcome.applied.get(device).is_some_and(|r| {
            matches!(r.payload(), nous_core::record::Payload::Apply(apply)
                if apply.invitation.as_ref().is_some_and(|i| i.id == *invitation))
        });
        if !held.open_at(now) && !returning {
            self.metrics.reject("invitation_closed");
            return Err(JoinRefused::Closed);
        }
        if !nous_core::record::invitation_proof_holds(
            &held.key, community, invitation, device, proof,
        ) {
            self.metrics.reject("invitation_proof");
            return Err(JoinRefused::Proof);
        }
        Ok(welcome)
    }

    /// Take an invited applicant's application (sent by `device`, its
    /// author): it must name an invitation open at `now` with a proof for
    /// this device, and governance must accept it as the next record.
    /// Stored with the community's records; members' devices write it into
    /// the ledger ([`Registry::pending_for`]).
    pub fn take_application(
        &self,
        record: Record,
        device: &PublicKey,
        now: u64,
    ) -> Result<Record, JoinRefused> {
        let community = record.community();
        let nous_core::record::Payload::Apply(apply) = record.payload() else {
            return Err(JoinRefused::Application("not an application".into()));
        };
        let Some(invited) = &apply.invitation else {
            return Err(JoinRefused::Application(
                "an application through a relay must name its invitation".into(),
            ));
        };
        if record.author() != *device {
            return Err(JoinRefused::Application(
                "the application is signed by another device".into(),
            ));
        }
        let welcome = self.welcome(&community, &invited.id, device, &invited.proof, now)?;
        // Applied with it already: that application stands (a join run
        // again gets it back instead of a second one).
        if let Some(earlier) = welcome.applied.get(device) {
            return Ok(earlier.clone());
        }
        record
            .verify_signature()
            .map_err(|e| JoinRefused::Application(e.to_string()))?;
        let mut records = {
            let engine = self
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            engine
                .records(&community)
                .map_err(|e| JoinRefused::Store(e.to_string()))?
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
        let state = governance::resolve(community, &records, options)
            .map_err(|e| JoinRefused::Store(e.to_string()))?;
        match state.verdict(&id) {
            Some(governance::Verdict::Accepted) => {}
            Some(governance::Verdict::Rejected(reason) | governance::Verdict::Pending(reason)) => {
                return Err(JoinRefused::Application(reason.to_string()));
            }
            None => return Err(JoinRefused::Application("not judged".into())),
        }
        self.add_records(&community, std::slice::from_ref(&record))
            .map_err(|e| JoinRefused::Store(e.to_string()))?;
        Ok(record)
    }

    /// What became of `device`'s invited application to `community`, if
    /// it made one.
    pub fn application_of(
        &self,
        community: &CommunityId,
        device: &PublicKey,
    ) -> Option<governance::ApplicationState> {
        self.read()
            .communities
            .get(community)
            .and_then(|view| view.welcome.decided.get(device).cloned())
    }

    /// Invited applications still to decide in `community`, and the
    /// citizens' records its ledger does not hold yet, for a device that
    /// writes its ledger (none for anyone else).
    pub fn pending_for(&self, community: &CommunityId, device: &PublicKey) -> Vec<Record> {
        let mut pending = self
            .read()
            .communities
            .get(community)
            .filter(|view| view.writers.contains(device))
            .map(|view| view.welcome.pending.clone())
            .unwrap_or_default();
        if !pending.is_empty() || self.is_writer(community, device) {
            pending.extend(self.outside_of(community));
        }
        pending
    }

    fn is_writer(&self, community: &CommunityId, device: &PublicKey) -> bool {
        self.read()
            .communities
            .get(community)
            .is_some_and(|view| view.writers.contains(device))
    }

    /// Whether `community` is hosted here.
    pub fn hosts(&self, community: &CommunityId) -> bool {
        self.read().communities.contains_key(community)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use nous_core::record::{
        College, DocumentShare, Founder, Genesis, Heads, Method, Payload, RecordId, Rule, Rules,
        Unsigned, Version,
    };
    use nous_core::store::MemoryStorage;
    use nous_core::{DeviceKey, EngineOptions};
    use proptest::prelude::*;

    use super::*;

    /// The relay's store, in memory: what it holds of each document (the
    /// community whose device began it) and the owners it kept.
    struct Held {
        roots: BTreeMap<DocId, ActorId>,
        owners: Mutex<Vec<(DocId, CommunityId)>>,
    }

    impl Backing for Arc<Held> {
        fn keep_binding(&self, _: &ActorId, _: &PublicKey) {}
        fn keep_owner(&self, doc: &DocId, community: &CommunityId) {
            self.owners
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((*doc, *community));
        }
        fn held(&self, doc: &DocId) -> super::Held {
            match self.roots.get(doc) {
                Some(actor) => super::Held::Roots(vec![actor.clone()]),
                None => super::Held::Nothing,
            }
        }
    }

    fn doc(n: u8) -> DocId {
        DocId::from_bytes([n + 1; 16])
    }

    fn key(community: usize) -> DeviceKey {
        DeviceKey::from_seed(&[u8::try_from(community).unwrap_or(0) + 40; 32])
    }

    fn genesis(community: usize, charter: DocId) -> Record {
        let key = key(community);
        Record::sign(
            &key,
            Unsigned {
                community: RecordId::ZERO,
                timestamp: 1,
                parents: Vec::new(),
                payload: Payload::Genesis(Genesis {
                    name: format!("C{community}"),
                    charter: Version {
                        doc: charter,
                        heads: Heads::new(Vec::new()),
                    },
                    colleges: vec![College {
                        id: "m".into(),
                        name: "M".into(),
                        weight: 1,
                    }],
                    founders: vec![Founder {
                        member: key.public(),
                        name: "F".into(),
                        college: "m".into(),
                    }],
                    rules: Rules::all(Rule::new(Method::Consent)),
                    facilitators: Vec::new(),
                }),
            },
        )
        .expect("sign")
    }

    /// A `document.share` citing `parent`: a community's shares form a
    /// chain, so the last one holds.
    fn share(
        community: usize,
        genesis: &Record,
        parent: RecordId,
        doc: DocId,
        public: bool,
    ) -> Record {
        Record::sign(
            &key(community),
            Unsigned {
                community: genesis.id(),
                timestamp: 2,
                parents: vec![parent],
                payload: Payload::DocumentShare(DocumentShare {
                    doc,
                    title: "T".into(),
                    access: if public {
                        DocAccess::Public
                    } else {
                        DocAccess::Members
                    },
                }),
            },
        )
        .expect("sign")
    }

    fn shares(community: usize, genesis: &Record, plan: &Plan) -> Vec<Record> {
        let mut parent = genesis.id();
        plan.shares
            .iter()
            .map(|(d, public)| {
                let record = share(community, genesis, parent, doc(*d), *public);
                parent = record.id();
                record
            })
            .collect()
    }

    /// One community: the document it names as its charter, and the
    /// documents it shares (and whether publicly).
    #[derive(Debug, Clone)]
    struct Plan {
        charter: u8,
        shares: Vec<(u8, bool)>,
    }

    fn plans() -> impl Strategy<Value = (Vec<Plan>, Vec<(u8, usize)>, Vec<usize>)> {
        (2usize..5).prop_flat_map(|n| {
            (
                prop::collection::vec(
                    (0u8..6, prop::collection::vec((0u8..6, any::<bool>()), 0..4))
                        .prop_map(|(charter, shares)| Plan { charter, shares }),
                    n,
                ),
                // Documents the relay already holds, begun by a device of
                // community `c` (or by a stranger when `c` is `n`).
                prop::collection::vec((0u8..6, 0..=n), 0..3),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
    }

    /// An invited applicant reads nothing and writes nothing until
    /// members admit it; then it writes the ledger (to sign the charter)
    /// and nothing else. The invitation's expiry, uses and proof hold at
    /// the relay.
    #[test]
    fn an_invited_applicant_gets_exactly_what_its_decision_allows() {
        use nous_core::governance::ApplicationState;
        use nous_core::record::{Apply, Decide, Invite, Invited, Outcome, invitation_proof};
        let engine = Engine::with_storage(
            DeviceKey::from_seed(&[1; 32]),
            Box::new(MemoryStorage::default()),
            EngineOptions::new(Box::new(|| 1), Box::new(|b: &mut [u8]| b.fill(1))),
        );
        let backing = Arc::new(Held {
            roots: BTreeMap::new(),
            owners: Mutex::default(),
        });
        let registry = Registry::load(
            engine,
            Kept::default(),
            Box::new(backing),
            Arc::new(Metrics::default()),
        )
        .expect("load");
        let charter = doc(0);
        let genesis = genesis(0, charter);
        let community = genesis.id();
        let ledger = ledger::doc_id(&community);
        registry
            .add_records(&community, std::slice::from_ref(&genesis))
            .expect("genesis");
        let founder = key(0);
        let secret = DeviceKey::from_seed(&[7; 32]);
        let sign = |key: &DeviceKey, at: u64, parents: Vec<RecordId>, payload: Payload| {
            Record::sign(
                key,
                Unsigned {
                    community,
                    timestamp: at,
                    parents,
                    payload,
                },
            )
            .expect("sign")
        };
        let invitation = sign(
            &founder,
            2,
            vec![community],
            Payload::Invite(Invite {
                key: secret.public(),
                college: None,
                expires: 1_000,
                uses: Some(1),
            }),
        );
        registry
            .add_records(&community, std::slice::from_ref(&invitation))
            .expect("invite");
        let apply = |who: &DeviceKey, with: &DeviceKey| {
            let proof = invitation_proof(with, &community, &invitation.id(), &who.public());
            sign(
                who,
                3,
                vec![invitation.id()],
                Payload::Apply(Apply {
                    name: "Dora".into(),
                    college: "m".into(),
                    motivation: String::new(),
                    invitation: Some(Invited {
                        id: invitation.id(),
                        proof,
                    }),
                }),
            )
        };
        let dora = DeviceKey::from_seed(&[50; 32]);
        let gus = DeviceKey::from_seed(&[51; 32]);
        // A proof by another key, or too late, is refused.
        assert_eq!(
            registry.take_application(apply(&dora, &gus), &dora.public(), 10),
            Err(JoinRefused::Proof)
        );
        assert_eq!(
            registry.take_application(apply(&dora, &secret), &dora.public(), 1_000),
            Err(JoinRefused::Closed)
        );
        // Someone else's application is not one this device brings.
        assert!(matches!(
            registry.take_application(apply(&dora, &secret), &gus.public(), 10),
            Err(JoinRefused::Application(_))
        ));
        let application = apply(&dora, &secret);
        assert_eq!(
            registry.take_application(application.clone(), &dora.public(), 10),
            Ok(application.clone())
        );
        // Dora asks again, even with the invitation used up: she gets her
        // application back, not a second one.
        let again = apply(&dora, &secret);
        assert_eq!(
            registry.take_application(again, &dora.public(), 11),
            Ok(application.clone())
        );
        // Its one use is taken.
        assert_eq!(
            registry.take_application(apply(&gus, &secret), &gus.public(), 10),
            Err(JoinRefused::Closed)
        );
        // Waiting: nothing to read, handed to the founder only.
        assert_eq!(
            registry.access(&ledger, Some(&dora.public())),
            Access::Denied
        );
        assert_eq!(
            registry.access(&charter, Some(&dora.public())),
            Access::Denied
        );
        assert_eq!(
            registry.pending_for(&community, &founder.public()),
            vec![application.clone()]
        );
        assert!(registry.pending_for(&community, &dora.public()).is_empty());
        assert_eq!(
            registry.application_of(&community, &dora.public()),
            Some(ApplicationState::Pending)
        );
        // Admitted: the ledger, and nothing else.
        let admit = sign(
            &founder,
            4,
            vec![application.id()],
            Payload::Decide(Decide {
                subject: application.id(),
                outcome: Outcome::Adopted,
                reason: String::new(),
            }),
        );
        registry.add_records(&community, &[admit]).expect("admit");
        assert_eq!(
            registry.access(&ledger, Some(&dora.public())),
            Access::Write
        );
        assert_eq!(
            registry.access(&charter, Some(&dora.public())),
            Access::Denied
        );
        assert!(
            registry
                .pending_for(&community, &founder.public())
                .is_empty()
        );
        assert_eq!(
            registry.application_of(&community, &dora.public()),
            Some(ApplicationState::Admitted)
        );
        assert_eq!(registry.application_of(&community, &gus.public()), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random communities naming, sharing and claiming random
        /// documents never give a device access to a document its own
        /// community does not own; each document has one owner for good,
        /// the first community to claim it with proof.
        #[test]
        fn access_comes_from_the_one_owner((plans, held, order) in plans()) {
            let n = plans.len();
            let stranger = DeviceKey::from_seed(&[99; 32]);
            let roots: BTreeMap<DocId, ActorId> = held
                .iter()
                .map(|(d, c)| {
                    let device = if *c == n { stranger.public() } else { key(*c).public() };
                    (doc(*d), device.actor_for(&doc(*d)))
                })
                .collect();
            let backing = Arc::new(Held { roots: roots.clone(), owners: Mutex::default() });
            let engine = Engine::with_storage(
                DeviceKey::from_seed(&[1; 32]),
                Box::new(MemoryStorage::default()),
                EngineOptions::new(Box::new(|| 1), Box::new(|b: &mut [u8]| b.fill(1))),
            );
            let registry = Registry::load(
                engine,
                Kept::default(),
                Box::new(backing.clone()),
                Arc::new(Metrics::default()),
            )
            .expect("load");
            let geneses: Vec<Record> =
                plans.iter().enumerate().map(|(c, p)| genesis(c, doc(p.charter))).collect();
            let ids: Vec<CommunityId> = geneses.iter().map(Record::id).collect();
            // Who claimed each document first, with proof: the expected owner.
            let mut expected: BTreeMap<DocId, usize> = BTreeMap::new();
            let proven = |c: usize, d: DocId| {
                roots.get(&d).is_none_or(|actor| *actor == key(c).public().actor_for(&d))
            };
            // First every genesis (in the shuffled order), then every
            // community's shares (same order): claims arrive over time.
            for &c in &order {
                registry.add_records(&ids[c], &[geneses[c].clone()]).expect("genesis");
                let d = doc(plans[c].charter);
                if !expected.contains_key(&d) && proven(c, d) {
                    expected.insert(d, c);
                }
            }
            for &c in &order {
                let records = shares(c, &geneses[c], &plans[c]);
                registry.add_records(&ids[c], &records).expect("shares");
                for (d, _) in &plans[c].shares {
                    let d = doc(*d);
                    if !expected.contains_key(&d) && proven(c, d) {
                        expected.insert(d, c);
                    }
                }
            }
            for d in (0..6).map(doc) {
                let owner = registry.owner(&d);
                prop_assert_eq!(owner, expected.get(&d).map(|c| ids[*c]));
                for c in 0..n {
                    let access = registry.access(&d, Some(&key(c).public()));
                    let own = owner == Some(ids[c]);
                    // Only the owner's members write; nobody else reads
                    // unless the owner made it public.
                    prop_assert_eq!(access == Access::Write, own);
                    if !own {
                        let public = owner.is_some_and(|o| {
                            let c = ids.iter().position(|id| *id == o).unwrap_or(0);
                            // The last share holds; the charter is the
                            // members' unless shared.
                            let last = plans[c].shares.iter().rev().find(|(s, _)| doc(*s) == d);
                            last.is_some_and(|(_, public)| *public)
                        });
                        let expected_access = if public { Access::Read } else { Access::Denied };
                        prop_assert_eq!(access, expected_access);
                    }
                }
                let outsider = registry.access(&d, Some(&stranger.public()));
                prop_assert_ne!(outsider, Access::Write);
            }
            // The owners kept are the owners, each once.
            let kept = backing.owners.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let mut seen = BTreeSet::new();
            for (d, c) in &kept {
                prop_assert!(seen.insert(*d), "one owner kept per document");
                prop_assert_eq!(registry.owner(d), Some(*c));
            }
            // A restart with what was kept gives the same answers.
            let engine = Engine::with_storage(
                DeviceKey::from_seed(&[1; 32]),
                Box::new(MemoryStorage::default()),
                EngineOptions::new(Box::new(|| 1), Box::new(|b: &mut [u8]| b.fill(1))),
            );
            let again = Registry::load(
                engine,
                Kept { bindings: Vec::new(), owners: kept },
                Box::new(backing.clone()),
                Arc::new(Metrics::default()),
            )
            .expect("load");
            for &c in &order {
                let mut records = vec![geneses[c].clone()];
                records.extend(shares(c, &geneses[c], &plans[c]));
                again.add_records(&ids[c], &records).expect("records");
            }
            for d in (0..6).map(doc) {
                prop_assert_eq!(again.owner(&d), registry.owner(&d));
            }
        }
    }
}
