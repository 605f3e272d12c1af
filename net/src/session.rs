//! The dialling side of a sync session, whatever carries it: what to sync
//! ([`SyncPlan`], decided from the engine alone), what the other side has
//! ([`narrow`]), the exchange itself ([`exchange`]) and pushing local
//! edits into a live session ([`push_local`]).
//!
//! The other side is a [`Transport`]: a relay over WebSocket today
//! ([`RelayTransport`]: tokens, `/status`, `/register`, the client),
//! an iroh connection tomorrow. The engine's store stays the truth: what
//! comes back is taken in through the guard, records through their
//! signature checks and documents through [`Engine::apply_remote`], never
//! straight into Automerge.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use nous_core::record::{CommunityId, Payload};
use nous_core::token::{self, Token};
use nous_core::{ChangeHash, DeviceKey, DocId, Engine, ImportOutcome, PublicKey, ledger};

use crate::client::{Client, ClientError, TokenSource};
use crate::discover::{DiscoverError, RelayUrl, Status};

/// How long one document may take to sync before it is reported incomplete.
pub const DOC_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the other side to answer at all.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a session failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The relay could not be found, reached or asked.
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    /// The connection failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A token could not be made or read back.
    #[error("token: {0}")]
    Token(#[from] nous_core::token::TokenError),
    /// The other side sent a ledger the guard refused.
    #[error("the relay's ledger of {community} was refused: {detail}")]
    LedgerRefused {
        /// The community (short form).
        community: String,
        /// Why.
        detail: String,
    },
    /// The engine failed (store, records).
    #[error(transparent)]
    Engine(#[from] nous_core::Error),
}

/// The other side of a session: what a session asks of it.
pub trait Transport: Send + Sync {
    /// Where it is, for reports (a relay's WebSocket URL).
    fn describe(&self) -> String;
    /// For each of `asked` (a document and the digest of the heads this
    /// side holds): whether this device may have it and whether it is
    /// already the same.
    fn status<'a>(
        &'a self,
        asked: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Status, SessionError>>;
    /// Ask it to host a community this device founded (`ledger`, saved):
    /// true when it took the community in now, false when it hosted it
    /// already.
    fn host<'a>(&'a self, ledger: &'a [u8]) -> BoxFuture<'a, Result<bool, SessionError>>;
    /// Open the connection, with this side's documents (`initial`).
    fn connect(
        &self,
        initial: Vec<(DocId, Vec<u8>)>,
    ) -> BoxFuture<'_, Result<Client, SessionError>>;
}

/// A relay reached over WebSocket, each connection and request with a
/// fresh token of this device's, all of one session's tokens sharing one
/// peer id.
pub struct RelayTransport {
    url: RelayUrl,
    tokens: TokenSource,
    peer_id: String,
}

impl std::fmt::Debug for RelayTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayTransport")
            .field("url", &self.url.websocket())
            .field("peer_id", &self.peer_id)
            .finish_non_exhaustive()
    }
}

impl RelayTransport {
    /// A transport to the relay at `url` whose key is `relay` (already
    /// checked against the one pinned), for `key`'s device; `session`
    /// makes this session's peer id (random per session).
    pub fn new(
        url: RelayUrl,
        key: DeviceKey,
        relay: PublicKey,
        session: [u8; 8],
    ) -> Result<Self, SessionError> {
        let tokens = token_source(key, relay, session);
        let probe = (tokens)();
        let peer_id =
            Token::verify(&probe, &relay, crate::now_ms(), token::MAX_LIFETIME_MS)?.peer_id();
        Ok(RelayTransport {
            url,
            tokens,
            peer_id,
        })
    }

    /// The relay's address.
    pub fn url(&self) -> &RelayUrl {
        &self.url
    }
}

/// A token source for one session: every token has a fresh nonce, all
/// share the session's peer id.
fn token_source(key: DeviceKey, relay: PublicKey, session: [u8; 8]) -> TokenSource {
    Arc::new(move || {
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&session);
        if getrandom::fill(&mut nonce[8..]).is_err() {
            tracing::error!("random number generator failed");
        }
        Token::issue(
            &key,
            &relay,
            crate::now_ms() + token::DEFAULT_LIFETIME_MS,
            nonce,
        )
    })
}

impl Transport for RelayTransport {
    fn describe(&self) -> String {
        self.url.websocket()
    }

    fn status<'a>(
        &'a self,
        asked: &'a [(String, String)],
    ) -> BoxFuture<'a, Result<Status, SessionError>> {
        Box::pin(async move {
            Ok(self
                .url
                .status(&(self.tokens)(), asked, CONNECT_TIMEOUT)
                .await?)
        })
    }

    fn host<'a>(&'a self, ledger: &'a [u8]) -> BoxFuture<'a, Result<bool, SessionError>> {
        Box::pin(async move {
            Ok(self
                .url
                .register(&(self.tokens)(), ledger, CONNECT_TIMEOUT)
                .await?)
        })
    }

    fn connect(
        &self,
        initial: Vec<(DocId, Vec<u8>)>,
    ) -> BoxFuture<'_, Result<Client, SessionError>> {
        Box::pin(async move {
            Ok(Client::connect(
                &self.url.websocket(),
                self.peer_id.clone(),
                self.tokens.clone(),
                initial,
                CONNECT_TIMEOUT,
            )
            .await?)
        })
    }
}

/// What a session holds: documents and ledgers, as saved bytes.
#[derive(Debug, Clone, Default)]
pub struct SyncPlan {
    /// The documents to sync.
    pub docs: Vec<DocId>,
    /// The communities whose ledgers to sync.
    pub ledgers: Vec<CommunityId>,
    /// What this side has of them, saved.
    pub initial: Vec<(DocId, Vec<u8>)>,
    /// Ledgers of the communities this device founded, with how many
    /// records each holds: the other side is asked to host them before the
    /// session starts.
    pub founded: Vec<(CommunityId, Vec<u8>, usize)>,
    /// The heads this side holds, documents and ledgers alike.
    pub local_heads: BTreeMap<DocId, Vec<ChangeHash>>,
    /// Documents of this home that belong to none of its communities (a
    /// local draft): the other side hosts them only if another community
    /// claims them, so one it does not have is not reported unavailable
    /// but as kept here ([`Narrowed::local_only`]).
    pub local_only: BTreeSet<DocId>,
    /// What the other side said of each document [`narrow`] kept: its
    /// heads and whether this device may write it.
    pub remote: BTreeMap<DocId, Remote>,
}

/// What the other side holds of a document, as [`narrow`] heard it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    /// Its heads (`None`: it holds nothing of it yet).
    pub heads: Option<Vec<ChangeHash>>,
    /// Whether this device may write it there (else what this side holds
    /// beyond it stays here).
    pub write: bool,
}

impl SyncPlan {
    /// Every document to sync: those `named` (ids, prefixes, titles, or
    /// any document id: the other side may have documents this one has
    /// never seen), or, when none is named, all of the engine's own plus
    /// those its communities hold, and the communities' ledgers. A
    /// community whose records do not resolve here has nothing to sync: it
    /// is left out, not an error.
    pub fn new(engine: &mut Engine, named: &[String]) -> nous_core::Result<SyncPlan> {
        let (docs, ledgers) = Self::targets(engine, named)?;
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
        let mut founded = Vec::new();
        let me = engine.device();
        for community in &ledgers {
            let replica = engine.local_ledger(community)?;
            local_heads.insert(ledger::doc_id(community), replica.get_heads());
            let saved = replica.save();
            let records = engine.records(community)?;
            let founder = records
                .iter()
                .any(|r| matches!(r.payload(), Payload::Genesis(_)) && r.author() == me);
            if founder {
                founded.push((*community, saved.clone(), records.len()));
            }
            initial.push((ledger::doc_id(community), saved));
        }
        let local_only = Self::local_only(engine, &local)?;
        Ok(SyncPlan {
            docs,
            ledgers,
            initial,
            founded,
            local_heads,
            local_only,
            remote: BTreeMap::new(),
        })
    }

    /// The documents of `local` that none of the engine's communities
    /// names (its charter, an amendment's draft, a shared document).
    fn local_only(
        engine: &mut Engine,
        local: &BTreeSet<DocId>,
    ) -> nous_core::Result<BTreeSet<DocId>> {
        let (resolved, _) = engine.resolved_communities()?;
        let mut named = BTreeSet::new();
        for community in &resolved {
            let state = &community.state;
            named.insert(state.charter);
            named.extend(state.amendments.values().map(|a| a.draft));
            named.extend(state.documents.keys().copied());
        }
        Ok(local.difference(&named).copied().collect())
    }

    /// The documents and the ledgers a plan syncs (see [`SyncPlan::new`]).
    fn targets(
        engine: &mut Engine,
        named: &[String],
    ) -> nous_core::Result<(Vec<DocId>, Vec<CommunityId>)> {
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
                        Err(_) => return Err(error),
                    },
                };
            }
        }
        let ledgers = if named.is_empty() {
            communities
        } else {
            Vec::new()
        };
        Ok((docs.into_iter().collect(), ledgers))
    }

    /// The plan again after local changes: what to sync now, keeping what
    /// the session started with (it is already there) and asking for no
    /// community to be hosted again. Nothing is saved: the session holds
    /// what it started with, and takes in the rest as it comes (a long
    /// document's or a large ledger's bytes are not written out again at
    /// every record a watch receives). The heads it names are those it
    /// started with (they only tell which documents the relay already
    /// holds alike).
    pub fn refresh(self, engine: &mut Engine, named: &[String]) -> nous_core::Result<SyncPlan> {
        let (docs, ledgers) = Self::targets(engine, named)?;
        Ok(SyncPlan {
            docs,
            ledgers,
            initial: self.initial,
            founded: Vec::new(),
            local_heads: self.local_heads,
            local_only: self.local_only,
            remote: self.remote,
        })
    }

    /// A fingerprint of what the home holds of the plan: each document's
    /// stored chunks and each community's record count
    /// ([`Engine::stored_fingerprint`]: what the engine holds is made
    /// durable first, and nothing is loaded or decoded). A change means a
    /// local edit to send.
    pub fn fingerprint(&self, engine: &mut Engine) -> nous_core::Result<String> {
        let communities = engine.communities()?;
        engine.stored_fingerprint(&self.docs, &communities)
    }

    /// Every document and ledger of the plan, ledgers last.
    pub fn all_docs(&self) -> Vec<DocId> {
        self.docs
            .iter()
            .copied()
            .chain(self.ledgers.iter().map(ledger::doc_id))
            .collect()
    }
}

/// What [`narrow`] left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowed {
    /// Documents the other side does not have, or will not show this
    /// device.
    pub unavailable: Vec<DocId>,
    /// Documents of this home in none of its communities that the other
    /// side does not host: they stay here (not a failure).
    pub local_only: Vec<DocId>,
    /// Documents it lets this device read only, where this side holds
    /// changes it does not have: those stay here (what it has comes in).
    pub read_only: Vec<DocId>,
    /// Documents it already has exactly as this side has them.
    pub unchanged: usize,
    /// Applications invited applicants left with the other side, for
    /// ledgers this device writes (record bytes; [`crate::discover::Status`]).
    pub pending: Vec<Vec<u8>>,
}

/// Ask which documents of the plan this device may have and what heads the
/// other side holds; keep those it may have, and with `only_changed` only
/// those whose heads differ (a catch-up that does not touch the
/// unchanged).
pub async fn narrow(
    transport: &dyn Transport,
    plan: &mut SyncPlan,
    only_changed: bool,
) -> Result<Narrowed, SessionError> {
    let asked: Vec<DocId> = plan
        .docs
        .iter()
        .copied()
        .chain(plan.ledgers.iter().map(ledger::doc_id))
        .collect();
    let query: Vec<(String, String)> = asked
        .iter()
        .map(|doc| {
            let digest = plan
                .local_heads
                .get(doc)
                .map(|heads| nous_core::ids::heads_digest(heads))
                .unwrap_or_default();
            (doc.to_string(), digest)
        })
        .collect();
    let status = transport.status(&query).await?;
    let mut narrowed = Narrowed {
        pending: status.pending.clone(),
        ..Narrowed::default()
    };
    let mut wanted = BTreeSet::new();
    for (i, doc) in asked.iter().enumerate() {
        let same = status.same.get(i).copied().unwrap_or(false);
        if same {
            narrowed.unchanged += 1;
            if !only_changed {
                wanted.insert(*doc);
            }
            let heads = plan.local_heads.get(doc).cloned();
            plan.remote.insert(*doc, Remote { heads, write: true });
        } else if let Some(entry) = status.differ.get(&doc.to_string()) {
            wanted.insert(*doc);
            let remote = remote_of(entry);
            let ahead = plan
                .local_heads
                .get(doc)
                .is_some_and(|heads| !heads.is_empty());
            if !remote.write && ahead {
                narrowed.read_only.push(*doc);
            }
            plan.remote.insert(*doc, remote);
        } else if plan.local_only.contains(doc) {
            narrowed.local_only.push(*doc);
        } else {
            narrowed.unavailable.push(*doc);
        }
    }
    plan.docs.retain(|d| wanted.contains(d));
    plan.ledgers.retain(|c| wanted.contains(&ledger::doc_id(c)));
    // A document this device may only read starts empty in the session:
    // what this side holds beyond the other's would be stripped there, and
    // the sync would wait for it in vain. What comes back is merged with
    // this home's copy, which keeps its changes.
    let read_only: BTreeSet<DocId> = narrowed.read_only.iter().copied().collect();
    plan.initial
        .retain(|(id, _)| wanted.contains(id) && !read_only.contains(id));
    Ok(narrowed)
}

/// A `/status` entry: `{"access": "read"|"write", "heads": [hex…]|null}`.
fn remote_of(entry: &serde_json::Value) -> Remote {
    let heads = entry["heads"].as_array().map(|heads| {
        heads
            .iter()
            .filter_map(|h| h.as_str()?.parse::<ChangeHash>().ok())
            .collect()
    });
    Remote {
        heads,
        write: entry["access"] == "write",
    }
}

/// A community the other side took in at this session's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
    /// The community.
    pub community: CommunityId,
    /// The records its ledger carried there.
    pub records: usize,
}

/// Ask the other side to host the communities this device founded; say
/// which it took in now (those it hosted already are left out).
pub async fn host_founded(
    transport: &dyn Transport,
    plan: &SyncPlan,
) -> Result<Vec<Hosted>, SessionError> {
    let mut hosted = Vec::new();
    for (community, ledger, records) in &plan.founded {
        if transport.host(ledger).await? {
            hosted.push(Hosted {
                community: *community,
                records: *records,
            });
        }
    }
    Ok(hosted)
}

/// What one exchange did.
#[derive(Debug, Default)]
pub struct Exchanged {
    /// Records this side did not have.
    pub new_records: usize,
    /// Documents taken in (added, merged or unchanged).
    pub documents: Vec<nous_core::engine::Imported>,
    /// The heads each merged document had before, where it was here (to
    /// tell which conflicts the merge created).
    pub before: HashMap<DocId, Vec<ChangeHash>>,
    /// Documents the other side does not have, or will not show.
    pub unavailable: Vec<DocId>,
    /// Documents that did not finish syncing in time.
    pub incomplete: Vec<DocId>,
    /// Documents (ledgers included) whose sync did not happen, and why:
    /// what the relay sent was refused by this side's checks, or the
    /// connection ended while waiting.
    pub failed: Vec<(DocId, String)>,
    /// The changes this side sent, per document: those the other side's
    /// heads (as [`narrow`] heard them) did not hold.
    pub sent: BTreeMap<DocId, usize>,
    /// The records this side's ledgers sent: those the other side's
    /// ledgers did not hold.
    pub sent_records: usize,
}

/// A document's sync: `Ok(None)` when the other side does not have it,
/// `Err(reason)` when it did not happen (the exchange goes on with the
/// next document; the connection dials again), an error for a failure of
/// this side (the repo stopped).
async fn sync_one(
    client: &Client,
    id: &DocId,
    since: &[automerge::ChangeHash],
    witness: bool,
) -> Result<Result<Option<crate::client::Synced>, String>, SessionError> {
    match client.sync_after(id, since, witness, DOC_TIMEOUT).await {
        Ok(synced) => Ok(Ok(synced)),
        Err(e @ (ClientError::Refused(_) | ClientError::Disconnected(_))) => Ok(Err(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

impl Exchanged {
    /// The documents that took in something.
    pub fn changed(&self) -> impl Iterator<Item = &nous_core::engine::Imported> {
        self.documents
            .iter()
            .filter(|d| d.outcome != ImportOutcome::Unchanged)
    }
}

/// Sync the ledgers, then the documents, then take in what came back:
/// records through their checks (and the ledger replica kept), documents
/// through [`Engine::apply_remote`] (the guard, all or nothing).
/// `progress(done, total)` after each document.
pub async fn exchange(
    client: &Client,
    engine: &mut Engine,
    plan: &SyncPlan,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Exchanged, SessionError> {
    let mut report = Exchanged::default();
    let total = plan.ledgers.len() + plan.docs.len();
    let mut counted = |done: usize| progress(done, total);
    exchange_ledgers(client, engine, plan, &mut report, &mut counted).await?;
    let done = plan.ledgers.len();
    exchange_docs(client, engine, plan, &mut report, &mut |d| {
        counted(done + d)
    })
    .await?;
    Ok(report)
}

/// The ledgers' part of [`exchange`]: each synced and taken in, and the
/// records the other side lacked counted (`Exchanged::sent_records`).
/// `progress(done)` after each.
pub async fn exchange_ledgers(
    client: &Client,
    engine: &mut Engine,
    plan: &SyncPlan,
    report: &mut Exchanged,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), SessionError> {
    let mut done = 0;
    for community in &plan.ledgers {
        let id = ledger::doc_id(community);
        // Only the ledger's changes after the replica this home keeps: at
        // every exchange of a watch, nothing, not the whole ledger.
        let since = engine.ledger_replica_heads(community)?;
        let synced = match sync_one(client, &id, &since, false).await? {
            Ok(synced) => synced,
            Err(reason) => {
                report.failed.push((id, reason));
                done += 1;
                progress(done);
                continue;
            }
        };
        if let Some(synced) = synced {
            let complete = synced.complete;
            take_in_ledger(engine, community, synced, report)?;
            if complete && let Some(remote) = plan.remote.get(&id) {
                report.sent_records += records_sent(engine, community, remote)?;
            }
        } else {
            report.unavailable.push(id);
        }
        done += 1;
        progress(done);
    }
    Ok(())
}

/// How many records of this home's ledger of `community` the other side
/// did not hold at `remote`'s heads (the ledger only grows: what it holds
/// now that it did not then is what this side had and it lacked, once
/// what it had came in).
fn records_sent(
    engine: &mut Engine,
    community: &CommunityId,
    remote: &Remote,
) -> Result<usize, SessionError> {
    let Some(replica) = engine.ledger_replica_doc(community)? else {
        return Ok(0);
    };
    let now = ledger::record_count_at(replica, None);
    let then = match &remote.heads {
        None => 0,
        Some(heads)
            if heads
                .iter()
                .all(|h| replica.get_change_meta_by_hash(h).is_some()) =>
        {
            ledger::record_count_at(replica, Some(heads))
        }
        // What it held is not all here (the sync did not finish): unknown.
        Some(_) => now,
    };
    Ok(now.saturating_sub(then))
}

/// The documents' part of [`exchange`]: each synced, then all taken in at
/// once, and the changes the other side lacked counted per document
/// (`Exchanged::sent`). `progress(done)` after each.
pub async fn exchange_docs(
    client: &Client,
    engine: &mut Engine,
    plan: &SyncPlan,
    report: &mut Exchanged,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<(), SessionError> {
    let mut done = 0;
    let mut documents = Vec::new();
    let mut witnesses = HashMap::new();
    let mut complete = Vec::new();
    let known: BTreeSet<DocId> = engine.list()?.into_iter().map(|d| d.id).collect();
    for id in &plan.docs {
        // What this home holds already need not come back: only the
        // changes after its heads (the import's checks see the document
        // with them all the same).
        let since = if known.contains(id) {
            engine.heads(id)?
        } else {
            Vec::new()
        };
        if !since.is_empty() {
            report.before.insert(*id, since.clone());
        }
        match sync_one(client, id, &since, true).await? {
            Ok(Some(synced)) => {
                if synced.complete {
                    complete.push(*id);
                } else {
                    report.incomplete.push(*id);
                }
                if let Some(witness) = synced.witness {
                    witnesses.insert(*id, witness);
                }
                documents.push((*id, synced.bytes));
            }
            Ok(None) => report.unavailable.push(*id),
            Err(reason) => report.failed.push((*id, reason)),
        }
        done += 1;
        progress(done);
    }
    if !documents.is_empty() {
        report.documents = engine
            .apply_remote_witnessed(documents, witnesses)?
            .documents;
    }
    // What this side sent: the changes here that the other side's heads
    // did not hold, once what it held is here (a finished sync).
    for id in complete {
        let Some(remote) = plan.remote.get(&id).filter(|r| r.write) else {
            continue;
        };
        if !known.contains(&id) && !plan.local_heads.contains_key(&id) {
            continue;
        }
        let doc = engine.document(&id)?;
        let sent = match &remote.heads {
            None => doc.get_changes_meta(&[]).len(),
            Some(heads)
                if heads
                    .iter()
                    .all(|h| doc.get_change_meta_by_hash(h).is_some()) =>
            {
                doc.get_changes_meta(heads).len()
            }
            Some(_) => 0,
        };
        if sent > 0 {
            report.sent.insert(id, sent);
        }
    }
    Ok(())
}

/// Take in what the session holds of `community`'s ledger: the changes
/// after the replica this home keeps (or, when the session could not tell
/// them apart, its whole ledger), merged into the replica through the
/// ledger's checks (`ledger::admit_for`: the guard, entries that only grow,
/// new records well formed, signed and of this community), the new records
/// stored and the merged replica kept. Nothing after the replica, or the
/// replica itself byte for byte: nothing is decoded or written — a watch
/// exchanges at every edit it receives, and the ledger grows with the
/// community.
fn take_in_ledger(
    engine: &mut Engine,
    community: &CommunityId,
    synced: crate::client::Synced,
    report: &mut Exchanged,
) -> Result<(), SessionError> {
    let id = ledger::doc_id(community);
    if !synced.complete {
        report.incomplete.push(id);
    }
    if synced.bytes.is_empty() {
        return Ok(());
    }
    // The changes after the replica's heads are never the replica itself:
    // only whole bytes are compared.
    if !synced.after
        && engine.ledger_replica(community)?.as_deref() == Some(synced.bytes.as_slice())
    {
        return Ok(());
    }
    let refused = |detail: String| SessionError::LedgerRefused {
        community: community.short(),
        detail,
    };
    let limits = nous_core::guard::Limits::default();
    // What a live sync brings (new records put into the ledger, nothing
    // else) is applied to the replica itself, not to a copy of it.
    if synced.after
        && let Some(mut replica) = engine.take_ledger_replica_doc(community)?
    {
        match ledger::admit_fresh_in_place(community, &mut replica, &synced.bytes, &limits) {
            Ok(Some(fresh)) if fresh.new_changes.is_empty() => {
                engine.restore_ledger_replica_doc(community, replica);
                return Ok(());
            }
            Ok(Some(fresh)) => {
                // Should storing fail, the replica is dropped with what it
                // took in (the store's is read again).
                let staged = engine.add_records(&fresh.new_records)?;
                engine.wait(staged.ticket)?;
                report.new_records += staged.value;
                engine.extend_ledger_replica(community, replica, &fresh.new_changes)?;
                return Ok(());
            }
            Ok(None) => engine.restore_ledger_replica_doc(community, replica),
            // The replica may hold part of it: dropped.
            Err(error) => return Err(refused(error.to_string())),
        }
    }
    // This home's own replica (read back through the guard once, as every
    // stored byte is, and kept).
    let admitted = match engine.ledger_replica_doc(community)? {
        Some(base) => ledger::admit_for(community, base, &synced.bytes, &limits),
        None => {
            let base = ledger::new_ledger(engine.device().actor_for(&id));
            ledger::admit_for(community, &base, &synced.bytes, &limits)
        }
    }
    .map_err(|e| refused(e.to_string()))?;
    if admitted.new_changes.is_empty() {
        return Ok(());
    }
    let staged = engine.add_records(&admitted.new_records)?;
    engine.wait(staged.ticket)?;
    report.new_records += staged.value;
    engine.extend_ledger_replica(community, admitted.doc, &admitted.new_changes)?;
    Ok(())
}

/// Push what this side holds of the plan into the live session, so the
/// next exchange sends it.
/// `records`: whether records may have reached this home's store since the
/// session last took its ledgers (another process wrote to it); when not,
/// every record here is in the replica the session was given or took in,
/// and the ledgers are not rebuilt (each is the community's every record).
pub async fn push_local(
    client: &Client,
    engine: &mut Engine,
    plan: &SyncPlan,
    records: bool,
) -> Result<(), SessionError> {
    let local: BTreeSet<DocId> = engine.list()?.into_iter().map(|s| s.id).collect();
    for id in &plan.docs {
        if local.contains(id) {
            push_doc(client, engine, id).await?;
        }
    }
    if records {
        for community in &plan.ledgers {
            let ledger = engine.local_ledger(community)?;
            push_saved(client, &ledger::doc_id(community), &ledger).await?;
        }
    }
    Ok(())
}

/// Push into the session what its copy of `id` lacks of `doc`: nothing when
/// it holds `doc`'s heads (it may be ahead: what the relay sent and the
/// home takes in next); a whole save would be a long document's bytes, and
/// the session's work to take them in, at every look.
/// The home's heads are asked first: the document itself (which applies
/// what the home keeps unapplied) only when the session lacks some.
async fn push_doc(client: &Client, engine: &mut Engine, id: &DocId) -> Result<(), SessionError> {
    let ours = engine.heads(id)?;
    let lacking = client.lacks(id, &ours, DOC_TIMEOUT).await?;
    if lacking.is_none_or(|lacking| lacking.is_empty()) {
        return Ok(());
    }
    push_saved(client, id, engine.document(id)?).await
}

/// [`push_doc`] of a document at hand.
async fn push_saved(
    client: &Client,
    id: &DocId,
    doc: &automerge::Automerge,
) -> Result<(), SessionError> {
    use automerge::ReadDoc as _;
    let ours = doc.get_heads();
    let lacking = client.lacks(id, &ours, DOC_TIMEOUT).await?;
    if lacking.is_none_or(|lacking| lacking.is_empty()) {
        return Ok(());
    }
    // Only what the session's copy may lack: the changes after the heads of
    // it this home knows (all of it when it knows none).
    let Some(replica) = client.heads(id, DOC_TIMEOUT).await? else {
        // The session does not hold it (nor would a push find it).
        return Ok(());
    };
    let known: Vec<_> = replica
        .into_iter()
        .filter(|h| doc.get_change_by_hash(h).is_some())
        .collect();
    let bytes = if known.is_empty() {
        doc.save()
    } else {
        doc.save_after(&known)
    };
    if !bytes.is_empty() {
        client.push(id, &bytes, DOC_TIMEOUT).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use nous_core::record::{Payload, Tension, TensionPath};

    use super::*;
    use crate::client::Synced;
    use crate::harness::{Faults, Net};

    /// A ledger the session holds as this home's replica, byte for byte, or
    /// nothing after the replica's heads, is not taken in (nothing decoded,
    /// nothing written); a whole ledger with a record more, or only the
    /// changes after the replica, brings that record, and the replica
    /// holds them with its heads known.
    #[test]
    fn a_ledger_that_is_the_replica_is_not_taken_in_again() {
        let mut net = Net::new(2, 7, Faults::NONE);
        let community = net.community;
        let id = ledger::doc_id(&community);
        let home = &mut net.members[1].engine;
        home.local_ledger(&community).expect("the replica");
        let replica = home
            .ledger_replica(&community)
            .expect("read")
            .expect("kept");
        assert!(
            !home
                .ledger_replica_heads(&community)
                .expect("heads")
                .is_empty()
        );
        let before = home.store_generation().expect("generation");
        let mut report = Exchanged::default();
        for bytes in [replica, Vec::new()] {
            // The replica whole, then nothing after its heads.
            let after = bytes.is_empty();
            let same = delivered(bytes, after);
            take_in_ledger(home, &community, same, &mut report).expect("taken in");
        }
        assert_eq!(report.new_records, 0);
        assert_eq!(
            home.store_generation().expect("generation"),
            before,
            "nothing was written"
        );

        // Another member acts: its ledger holds one record more.
        let act = |engine: &mut Engine, summary: &str| tension(engine, &community, summary);
        act(&mut net.members[0].engine, "Le bureau ne répond pas.");
        let theirs = net.members[0]
            .engine
            .local_ledger(&community)
            .expect("its ledger");
        let home = &mut net.members[1].engine;
        let more = Synced {
            bytes: theirs.save(),
            complete: false,
            after: false,
            witness: None,
        };
        take_in_ledger(home, &community, more, &mut report).expect("taken in");
        assert_eq!(report.new_records, 1);
        assert_ne!(home.store_generation().expect("generation"), before);
        let kept = |home: &mut Engine| {
            let bytes = home
                .ledger_replica(&community)
                .expect("read")
                .expect("kept");
            nous_core::guard::load(&bytes, &nous_core::guard::Limits::default(), ledger_actor())
                .expect("loads")
        };
        let replica = kept(home);
        assert!(
            theirs
                .get_heads()
                .iter()
                .all(|h| replica.get_change_meta_by_hash(h).is_some())
        );
        assert_eq!(
            home.ledger_replica_heads(&community).expect("heads"),
            replica.get_heads()
        );
        assert_eq!(report.incomplete, vec![id]);

        // Only what came after: one record more.
        act(&mut net.members[0].engine, "Le trésorier est absent.");
        let after = net.members[0]
            .engine
            .local_ledger(&community)
            .expect("its ledger")
            .save_after(&theirs.get_heads());
        let home = &mut net.members[1].engine;
        let since = home.ledger_replica_heads(&community).expect("heads");
        let next = delivered(after, true);
        take_in_ledger(home, &community, next, &mut report).expect("taken in");
        assert_eq!(report.new_records, 2);
        let replica = kept(home);
        assert!(
            since
                .iter()
                .all(|h| replica.get_change_meta_by_hash(h).is_some())
        );
        assert_ne!(replica.get_heads(), since);
        assert_eq!(
            home.ledger_replica_heads(&community).expect("heads"),
            replica.get_heads()
        );
        assert_eq!(
            home.records(&community).expect("records").len(),
            net.members[0]
                .engine
                .records(&community)
                .expect("records")
                .len()
        );
    }

    /// What a live sync brings is taken into the replica itself; a
    /// delivery with a record of another community is refused, the
    /// replica that may hold part of it is dropped and read again from the
    /// store, untouched, and the next honest delivery is taken in.
    #[test]
    fn a_refused_delivery_leaves_the_stored_replica_as_it_was() {
        let mut net = Net::new(2, 7, Faults::NONE);
        let community = net.community;
        let other = Net::new(1, 8, Faults::NONE);
        let stranger = other.members[0]
            .engine
            .records(&other.community)
            .expect("records");
        assert_ne!(other.community, community);
        let theirs = net.members[0]
            .engine
            .local_ledger(&community)
            .expect("its ledger");
        let home = &mut net.members[1].engine;
        home.local_ledger(&community).expect("the replica");
        // The other member's ledger, whole, first.
        let mut report = Exchanged::default();
        let whole = delivered(theirs.save(), false);
        take_in_ledger(home, &community, whole, &mut report).expect("taken in");
        let stored = home.ledger_replica(&community).expect("read");
        let heads = home.ledger_replica_heads(&community).expect("heads");
        let mut forged = theirs.fork();
        ledger::insert(&mut forged, &stranger).expect("inserted");
        let error = take_in_ledger(
            home,
            &community,
            delivered(forged.save_after(&theirs.get_heads()), true),
            &mut report,
        )
        .expect_err("refused");
        assert!(
            matches!(&error, SessionError::LedgerRefused { detail, .. } if detail.contains("another community")),
            "{error}"
        );
        assert_eq!(report.new_records, 0);
        assert_eq!(home.ledger_replica(&community).expect("read"), stored);
        assert_eq!(home.ledger_replica_heads(&community).expect("heads"), heads);
        let held = home.ledger_replica_doc(&community).expect("read again");
        assert_eq!(held.map(|doc| doc.get_heads()), Some(heads));

        tension(
            &mut net.members[0].engine,
            &community,
            "La salle est fermée le lundi.",
        );
        let after = net.members[0]
            .engine
            .local_ledger(&community)
            .expect("its ledger")
            .save_after(&theirs.get_heads());
        let home = &mut net.members[1].engine;
        let next = delivered(after, true);
        take_in_ledger(home, &community, next, &mut report).expect("taken in");
        assert_eq!(report.new_records, 1);
    }

    /// What a session hands over of a ledger, complete: the whole ledger,
    /// or with `after` only the changes after the replica's heads.
    fn delivered(bytes: Vec<u8>, after: bool) -> Synced {
        Synced {
            bytes,
            complete: true,
            after,
            witness: None,
        }
    }

    /// `engine` raises a tension in `community` (one record more).
    fn tension(engine: &mut Engine, community: &CommunityId, summary: &str) {
        let held = engine.community(community).expect("the community");
        engine
            .act(
                &held,
                Payload::Tension(Tension {
                    path: TensionPath::Governance,
                    summary: summary.into(),
                    section: None,
                }),
            )
            .expect("acted");
    }

    fn ledger_actor() -> automerge::ActorId {
        automerge::ActorId::from(&[7u8; 16][..])
    }
}
