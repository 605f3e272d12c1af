//! Who may read and write what, from the communities' signed records.
//!
//! The relay hosts communities. For each it keeps the records (verified, in
//! its own home's store) and the state they resolve to: the devices of
//! current members, every device ever certified, and the documents the
//! community holds (its charter, amendment drafts, documents shared with a
//! `document.share` record) with their access. From that it answers, for a
//! document and an authenticated device:
//!
//! - a member's certified device reads and writes the community's documents
//!   and its ledger;
//! - anyone reads a document the community made public;
//! - everyone else is denied, and a denied peer is answered exactly as for a
//!   document that does not exist (`doc-unavailable`).
//!
//! Every change to a community's records bumps an epoch. Each open
//! document's task watches it and asks again for each of its clients before
//! it sends anything more, so a member who leaves or is excluded loses
//! access on every open connection at once.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use automerge::ActorId;
use nous_core::PublicKey;
use nous_core::governance::{self, ResolveOptions, State};
use nous_core::ids::DocId;
use nous_core::record::Access as DocAccess;
use nous_core::record::{CommunityId, Record};
use nous_core::{Engine, ledger};
use tokio::sync::watch;

/// Stores one new actor binding (see [`Registry::may_author`]).
pub type KeepBinding = Box<dyn Fn(&ActorId, &PublicKey) + Send + Sync>;

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
    /// A document of a hosted community.
    Content(CommunityId),
    /// Not a document of any hosted community.
    Unknown,
}

#[derive(Debug)]
struct View {
    state: State,
    writers: BTreeSet<PublicKey>,
    known: BTreeSet<PublicKey>,
}

#[derive(Debug, Default)]
struct Inner {
    communities: HashMap<CommunityId, View>,
    ledgers: HashMap<DocId, CommunityId>,
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

/// The relay's view of its communities. Shared by the guard, the share
/// policy and the HTTP handlers.
pub struct Registry {
    inner: RwLock<Inner>,
    engine: Mutex<Engine>,
    epoch: watch::Sender<u64>,
    /// Actor ids of stock clients (random, not a device key), bound to the
    /// first authenticated device that wrote with them.
    bindings: Mutex<HashMap<ActorId, PublicKey>>,
    /// Where new bindings are kept, so they survive a restart.
    keep_binding: KeepBinding,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    /// Load every community the relay's store holds, with the actor
    /// bindings kept so far; `keep_binding` stores each new one.
    pub fn load(
        engine: Engine,
        bindings: impl IntoIterator<Item = (ActorId, PublicKey)>,
        keep_binding: KeepBinding,
    ) -> Result<Arc<Self>, RegistryError> {
        let communities = engine
            .communities()
            .map_err(|e| RegistryError::Store(e.to_string()))?;
        let registry = Arc::new(Registry {
            inner: RwLock::new(Inner::default()),
            engine: Mutex::new(engine),
            epoch: watch::Sender::new(0),
            bindings: Mutex::new(bindings.into_iter().collect()),
            keep_binding,
        });
        for community in communities {
            registry.refresh(&community)?;
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
        for (id, view) in &inner.communities {
            if view.state.document_access(doc).is_some() {
                return DocKind::Content(*id);
            }
        }
        DocKind::Unknown
    }

    /// What `device` may do with `doc`.
    pub fn access(&self, doc: &DocId, device: Option<&PublicKey>) -> Access {
        let inner = self.read();
        if let Some(community) = inner.ledgers.get(doc) {
            let writer = inner
                .communities
                .get(community)
                .zip(device)
                .is_some_and(|(view, device)| view.writers.contains(device));
            return if writer {
                Access::Write
            } else {
                Access::Denied
            };
        }
        let mut best = Access::Denied;
        for view in inner.communities.values() {
            let Some(doc_access) = view.state.document_access(doc) else {
                continue;
            };
            let here = if device.is_some_and(|d| view.writers.contains(d)) {
                Access::Write
            } else if doc_access == DocAccess::Public {
                Access::Read
            } else {
                Access::Denied
            };
            best = best.max(here);
        }
        best
    }

    /// Whether a change written by `actor` may enter a document of
    /// `community`, delivered by `device` (a member with write access).
    ///
    /// Nous clients write as their device key (followed by the document id):
    /// the device must have been certified in the community at some point
    /// (history written by former members is relayed like any other).
    /// Stock automerge-repo clients write under random actor ids: such an
    /// actor is bound to the first authenticated device that delivers it,
    /// and refused from any other.
    pub fn may_author(&self, community: &CommunityId, actor: &ActorId, device: &PublicKey) -> bool {
        if let Some(author) = PublicKey::from_actor(actor) {
            let inner = self.read();
            return inner
                .communities
                .get(community)
                .is_some_and(|view| view.known.contains(&author));
        }
        if actor.to_bytes() == ledger::BASE_ACTOR {
            return true;
        }
        let mut bindings = self
            .bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match bindings.get(actor) {
            Some(bound) => bound == device,
            None => {
                bindings.insert(actor.clone(), *device);
                (self.keep_binding)(actor, device);
                true
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
        self.refresh(community)
    }

    /// Resolve `community` from scratch and publish its new view.
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
            },
        )
        .map_err(|e| RegistryError::Governance(e.to_string()))?;
        let view = View {
            writers: state.writer_devices_at(crate::now_ms()),
            known: state.known_devices(),
            state,
        };
        {
            let mut inner = self
                .inner
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            inner.ledgers.insert(ledger::doc_id(community), *community);
            inner.communities.insert(*community, view);
        }
        self.epoch.send_modify(|epoch| *epoch += 1);
        Ok(())
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
