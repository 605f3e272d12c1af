//! The one module that talks to samod (pinned at =0.16.0; an upgrade
//! touches this directory only).
//!
//! - [`SyncEngine`]: one samod repo per open document over the shared
//!   redb storage ([`RedbChunks`]), the share policy bridged from the
//!   [`Registry`], the observer feeding [`Metrics`], and the accept path
//!   that runs every inbound frame through the [`Guard`] and routes it to
//!   its document's repo over a virtual connection.
//! - [`client`]: the client side (a samod repo that dials a relay over
//!   WebSocket with a token), used by `nous sync` and later the bindings.
//!
//! The rest of the crate sees our own types: [`DocId`], [`Access`],
//! byte frames.

pub mod client;
mod storage;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::{Sink, Stream, StreamExt as _};
use nous_core::ids::DocId;
use nous_core::token;
use samod::{DocumentId, PeerId, Repo, ShareConfig};

pub use storage::{OpenError, RedbChunks, StoreHealth};

use crate::access::{Access, Registry};
use crate::auth::Authenticated;
use crate::guard::{Guard, Inspected};
use crate::metrics::Metrics;
use crate::wire::{self, MessageType};

/// Our document id as samod's.
pub fn samod_id(doc: &DocId) -> DocumentId {
    // 16 bytes are always a valid UUID, hence a valid samod id.
    DocumentId::try_from(doc.as_bytes().to_vec()).unwrap_or_else(|_| unreachable!("16 bytes"))
}

/// samod's document id as ours.
pub fn nous_id(doc: &DocumentId) -> Option<DocId> {
    doc.as_bytes().try_into().ok().map(DocId::from_bytes)
}

/// The access decision samod applies, from the registry's.
fn share_config(registry: &Registry, doc: &DocumentId, peer: &PeerId) -> ShareConfig {
    let device = token::peer_device(peer.as_str());
    let access = match (nous_id(doc), device) {
        (Some(doc), Some(device)) => registry.access(&doc, Some(&device)),
        (Some(doc), None) => registry.access(&doc, None),
        _ => Access::Denied,
    };
    // The relay never announces documents: clients ask for what they want.
    match access {
        Access::Write => ShareConfig::read_write().with_announce(false),
        Access::Read => ShareConfig::read_only().with_announce(false),
        Access::Denied => ShareConfig::none(),
    }
}

#[derive(Clone)]
struct Policy(Arc<Registry>);

impl samod::SharePolicy for Policy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let registry = self.0.clone();
        let epochs = registry.subscribe();
        futures::stream::unfold(
            (registry, epochs, true),
            move |(registry, mut epochs, first)| {
                let doc_id = doc_id.clone();
                let peer_id = peer_id.clone();
                async move {
                    if !first && epochs.changed().await.is_err() {
                        return None;
                    }
                    epochs.borrow_and_update();
                    let config = share_config(&registry, &doc_id, &peer_id);
                    Some((config, (registry, epochs, false)))
                }
            },
        )
    }
}

struct Observer(Arc<Metrics>);

impl samod::RepoObserver for Observer {
    fn observe(&self, event: &samod::RepoEvent) {
        match event {
            samod::RepoEvent::DocumentOpened { .. } => {
                self.0.documents_loaded.fetch_add(1, Ordering::Relaxed);
            }
            samod::RepoEvent::DocumentClosed { .. } => {
                self.0.documents_loaded.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// The relay's sync engine: one samod repo **per open document**.
///
/// samod 0.16 joins every connection to every document its repo has open
/// and does work per (connection, document) pair after every event; it also
/// keeps a document until its repo stops. So the relay gives each document
/// its own repo, and each (client, document) its own virtual connection: a
/// pair exists only where a client asked for the document, and a document
/// whose last virtual connection closed is unloaded (its repo stopped,
/// flushing) once it has been idle for a while. The client sees one
/// automerge-repo peer: the relay answers its `join` itself, and the
/// repos' own `peer` answers are dropped.
#[derive(Clone)]
pub struct SyncEngine {
    docs: Arc<tokio::sync::Mutex<HashMap<DocId, DocRepo>>>,
    parts: Parts,
}

struct DocRepo {
    repo: Repo,
    acceptor: samod::AcceptorHandle,
    users: usize,
    idle_since: Option<std::time::Instant>,
}

#[derive(Clone)]
struct Parts {
    chunks: RedbChunks,
    registry: Arc<Registry>,
    metrics: Arc<Metrics>,
    peer_id: String,
}

impl Parts {
    async fn build(&self) -> Result<DocRepo, Stopped> {
        let repo = Repo::build_tokio()
            .with_storage(self.chunks.clone())
            .with_peer_id(PeerId::from(self.peer_id.clone()))
            .with_share_policy(Policy(self.registry.clone()))
            .with_observer(Observer(self.metrics.clone()))
            .load()
            .await;
        let url = samod::Url::parse("ws://relay.invalid/").map_err(|_| Stopped)?;
        let acceptor = repo.make_acceptor(url).map_err(|_| Stopped)?;
        Ok(DocRepo {
            repo,
            acceptor,
            users: 0,
            idle_since: None,
        })
    }
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine").finish_non_exhaustive()
    }
}

/// The sync engine has stopped.
#[derive(Debug, thiserror::Error)]
#[error("the sync engine has stopped")]
pub struct Stopped;

/// Documents unused for this long are unloaded.
const IDLE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

impl SyncEngine {
    /// Start the engine over `chunks`, with access from `registry`.
    pub async fn start(
        chunks: RedbChunks,
        registry: Arc<Registry>,
        metrics: Arc<Metrics>,
        peer_id: String,
    ) -> Result<Self, Stopped> {
        Ok(SyncEngine {
            docs: Arc::default(),
            parts: Parts {
                chunks,
                registry,
                metrics,
                peer_id,
            },
        })
    }

    /// Unload the documents no client has used for a while (stop their
    /// repos, which flushes them). Returns how many.
    pub async fn unload_if_idle(&self) -> Result<usize, Stopped> {
        let idle: Vec<DocRepo> = {
            let mut docs = self.docs.lock().await;
            let ids: Vec<DocId> = docs
                .iter()
                .filter(|(_, d)| {
                    d.users == 0 && d.idle_since.is_some_and(|t| t.elapsed() >= IDLE_GRACE)
                })
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| docs.remove(id)).collect()
        };
        let count = idle.len();
        for doc in idle {
            doc.repo.stop().await;
        }
        Ok(count)
    }

    /// A virtual connection of `who` to `doc`'s repo: frames sent into the
    /// returned channel reach it; its answers go to `to_client`.
    async fn open(
        &self,
        doc: DocId,
        who: &Authenticated,
        join: Vec<u8>,
        to_client: futures::channel::mpsc::Sender<Vec<u8>>,
    ) -> Result<futures::channel::mpsc::Sender<Vec<u8>>, Stopped> {
        use futures::SinkExt as _;
        let acceptor = {
            let mut docs = self.docs.lock().await;
            let entry = match docs.entry(doc) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(self.parts.build().await?)
                }
            };
            entry.users += 1;
            entry.idle_since = None;
            entry.acceptor.clone()
        };
        let (mut into_repo, from_client) = futures::channel::mpsc::channel::<Vec<u8>>(256);
        let (from_repo, mut out_of_repo) = futures::channel::mpsc::channel::<Vec<u8>>(256);
        // The repo's frames go to the client, but for its own `peer`
        // answer: the relay already answered the client's `join`.
        let mut to_client = to_client;
        tokio::spawn(async move {
            while let Some(frame) = out_of_repo.next().await {
                let is_peer = wire::decode(&frame).is_ok_and(|e| e.kind == MessageType::Peer);
                if !is_peer && to_client.send(frame).await.is_err() {
                    break;
                }
            }
        });
        let transport = samod::Transport::new(
            from_client.map(Ok::<_, std::io::Error>),
            from_repo.sink_map_err(|e| std::io::Error::other(e.to_string())),
        )
        .with_expected_peer_id(PeerId::from(who.peer_id.clone()));
        let connection = acceptor.accept(transport).map_err(|_| Stopped)?;
        // When the virtual connection ends, the document has one user less.
        let docs = self.docs.clone();
        tokio::spawn(async move {
            let mut events = connection.events();
            let finished = connection.handshake_complete().await.is_err();
            if !finished {
                while let Some(event) = events.next().await {
                    if matches!(event, samod::AcceptorEvent::ClientDisconnected { .. }) {
                        break;
                    }
                }
            }
            let mut docs = docs.lock().await;
            if let Some(entry) = docs.get_mut(&doc) {
                entry.users = entry.users.saturating_sub(1);
                if entry.users == 0 {
                    entry.idle_since = Some(std::time::Instant::now());
                }
            }
        });
        let _ = into_repo.send(join).await;
        Ok(into_repo)
    }

    /// Serve one authenticated client: `inbound` frames go through the
    /// guard, then to the repo of the document they are about; every
    /// repo's frames, and the guard's own answers, go to `outbound`.
    /// Returns when the connection ends, with the reason it ended.
    pub async fn serve<I, O, E>(
        &self,
        who: Authenticated,
        mut inbound: I,
        outbound: O,
        guard: Arc<Guard>,
        metrics: Arc<Metrics>,
    ) -> String
    where
        I: Stream<Item = Vec<u8>> + Send + Unpin + 'static,
        O: Sink<Vec<u8>, Error = E> + Send + Unpin + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        use futures::SinkExt as _;
        // One queue to the client, fed by every document's repo and by the
        // relay itself, drained by one task into the socket. Bounded: a
        // slow reader slows the repos down instead of growing memory.
        let (mut to_client, mut queued) = futures::channel::mpsc::channel::<Vec<u8>>(256);
        let pump = tokio::spawn(async move {
            let mut outbound = outbound;
            while let Some(frame) = queued.next().await {
                if outbound.send(frame).await.is_err() {
                    break;
                }
            }
            let _ = outbound.close().await;
        });
        let mut join: Option<Vec<u8>> = None;
        let mut virtuals: HashMap<DocId, futures::channel::mpsc::Sender<Vec<u8>>> = HashMap::new();
        let ended = loop {
            let Some(frame) = inbound.next().await else {
                break "closed by the client".to_owned();
            };
            metrics.messages_in.fetch_add(1, Ordering::Relaxed);
            metrics
                .bytes_in
                .fetch_add(frame.len() as u64, Ordering::Relaxed);
            let (frame, kind, doc) = match guard.inspect(&who, frame).await {
                Ok(Inspected::Forward { frame, kind, doc }) => (frame, kind, doc),
                Ok(Inspected::Answer(answer)) => {
                    let _ = to_client.send(answer).await;
                    continue;
                }
                Ok(Inspected::Drop) => continue,
                Err(refused) => {
                    metrics.reject(refused.reason);
                    tracing::warn!(peer = %who.peer_id, reason = refused.reason, detail = %refused.detail, "relay: connection closed by the guard");
                    break refused.to_string();
                }
            };
            match (kind, doc) {
                (MessageType::Join, _) if join.is_none() => {
                    let answer = wire::peer(&self.parts.peer_id, &who.peer_id);
                    let _ = to_client.send(answer).await;
                    join = Some(frame);
                }
                (_, Some(doc)) => {
                    let Some(join) = join.clone() else {
                        metrics.reject("no_join");
                        break "a message before the handshake".to_owned();
                    };
                    let sender = match virtuals.entry(doc) {
                        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                        std::collections::hash_map::Entry::Vacant(entry) => {
                            match self.open(doc, &who, join, to_client.clone()).await {
                                Ok(sender) => entry.insert(sender),
                                Err(_) => break "the relay is stopping".to_owned(),
                            }
                        }
                    };
                    if sender.send(frame).await.is_err() {
                        // The document's repo closed this virtual connection
                        // (samod refused something): open it again next time.
                        virtuals.remove(&doc);
                    }
                }
                // `leave`, remote-heads gossip: nothing to do.
                _ => {}
            }
        };
        // Closing the virtual connections releases the documents; the pump
        // ends once every repo has dropped its end of the queue.
        drop(virtuals);
        drop(to_client);
        drop(pump);
        ended
    }

    /// Stop every document's repo: close every connection and flush.
    pub async fn stop(&self) {
        let docs: Vec<DocRepo> = self.docs.lock().await.drain().map(|(_, d)| d).collect();
        for doc in docs {
            doc.repo.stop().await;
        }
    }
}
