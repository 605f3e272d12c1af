//! What a sync session holds, decided from the home alone (no network):
//! which documents and ledgers, their saved bytes, and the heads this home
//! has of each. The session itself (`nous sync`, once or `--watch`) runs
//! them against a relay.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use nous_core::record::{CommunityId, Payload};
use nous_core::{ChangeHash, DocId, Engine, ledger};

use crate::Result;

/// What a session holds: documents and ledgers, as saved bytes.
#[derive(Debug, Clone, Default)]
pub struct SyncPlan {
    /// The documents to sync.
    pub docs: Vec<DocId>,
    /// The communities whose ledgers to sync.
    pub ledgers: Vec<CommunityId>,
    /// What this home has of them, saved.
    pub initial: Vec<(DocId, Vec<u8>)>,
    /// Ledgers of the communities this device founded: the relay is asked
    /// to host them before the session starts.
    pub founded: Vec<Vec<u8>>,
    /// The heads this home holds, documents and ledgers alike.
    pub local_heads: BTreeMap<DocId, Vec<ChangeHash>>,
}

impl SyncPlan {
    /// Every document this home should sync: those `named` (ids, prefixes,
    /// titles, or any document id: a relay may have documents this home
    /// has never seen), or, when none is named, all of its own plus those
    /// its communities hold, and the communities' ledgers. A community
    /// whose records do not resolve here has nothing to sync: it is left
    /// out, not an error.
    pub fn new(engine: &mut Engine, named: &[String]) -> Result<SyncPlan> {
        let (resolved, _) = engine.resolved_communities()?;
        let communities: Vec<CommunityId> = resolved.iter().map(|c| c.id).collect();
        let mut docs = BTreeSet::new();
        if named.is_empty() {
            for summary in engine.list()? {
                docs.insert(summary.id);
            }
            for community in &resolved {
                let state = &community.state;
                docs.insert(state.charter);
                docs.extend(state.amendments.values().map(|a| a.draft));
                docs.extend(state.documents.keys().copied());
            }
        } else {
            for name in named {
                match engine.resolve(name) {
                    Ok(id) => docs.insert(id),
                    Err(error) => match name.parse::<DocId>() {
                        Ok(id) => docs.insert(id),
                        Err(_) => return Err(error.into()),
                    },
                };
            }
        }
        let mut initial = Vec::new();
        let mut local_heads = BTreeMap::new();
        let local: BTreeSet<DocId> = engine.list()?.into_iter().map(|s| s.id).collect();
        for id in &docs {
            if local.contains(id) {
                let doc = engine.document(id)?;
                local_heads.insert(*id, doc.get_heads());
                initial.push((*id, doc.save()));
            }
        }
        let ledgers = if named.is_empty() {
            communities
        } else {
            Vec::new()
        };
        let mut founded = Vec::new();
        let me = engine.device();
        for community in &ledgers {
            let replica = engine.local_ledger(community)?;
            local_heads.insert(ledger::doc_id(community), replica.get_heads());
            let saved = replica.save();
            let founder = engine
                .records(community)?
                .iter()
                .any(|r| matches!(r.payload(), Payload::Genesis(_)) && r.author() == me);
            if founder {
                founded.push(saved.clone());
            }
            initial.push((ledger::doc_id(community), saved));
        }
        Ok(SyncPlan {
            docs: docs.into_iter().collect(),
            ledgers,
            initial,
            founded,
            local_heads,
        })
    }

    /// The plan again after local changes: what to sync now, keeping what
    /// the session started with (it is already there) and asking for no
    /// community to be hosted again.
    pub fn refresh(self, engine: &mut Engine, named: &[String]) -> Result<SyncPlan> {
        let mut new = SyncPlan::new(engine, named)?;
        new.initial = self.initial;
        new.founded = Vec::new();
        Ok(new)
    }

    /// A fingerprint of what the home holds of the plan: each document's
    /// heads and each community's record count. A change means a local
    /// edit to send.
    pub fn fingerprint(&self, engine: &mut Engine) -> Result<String> {
        let local: BTreeSet<DocId> = engine.list()?.into_iter().map(|s| s.id).collect();
        let mut print = String::new();
        for id in &self.docs {
            if local.contains(id) {
                let _ = write!(print, "{id}:{:?};", engine.document(id)?.get_heads());
            }
        }
        for community in engine.communities()? {
            let _ = write!(print, "{community}:{};", engine.records(&community)?.len());
        }
        Ok(print)
    }
}
