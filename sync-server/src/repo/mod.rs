//! The one module that talks to samod (pinned at =0.16.0; an upgrade
//! touches this directory only).
//!
//! - [`SyncEngine`]: the relay's samod repo, its redb storage
//!   ([`RedbChunks`]), the share policy bridged from the [`Registry`], the
//!   observer feeding [`Metrics`], and the accept path that runs every
//!   inbound frame through the [`Guard`].
//! - [`client`]: the client side (a samod repo that dials a relay over
//!   WebSocket with a token), used by `nous sync` and later the bindings.
//!
//! The rest of the crate sees our own types: [`DocId`], [`Access`],
//! byte frames.

pub mod client;
mod storage;

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

/// The relay's sync engine.
///
/// samod 0.16 keeps every document it has opened until the repo stops (it
/// has no way to close one). So the relay unloads idle documents the one
/// way samod allows: when no client is connected, it stops the repo
/// (which flushes) and starts a fresh one over the same store, which opens
/// documents again only as clients ask for them. No client notices: there
/// is none.
#[derive(Clone)]
pub struct SyncEngine {
    live: Arc<tokio::sync::Mutex<Live>>,
    parts: Parts,
}

struct Live {
    repo: Repo,
    acceptor: samod::AcceptorHandle,
    connections: usize,
}

#[derive(Clone)]
struct Parts {
    chunks: RedbChunks,
    registry: Arc<Registry>,
    metrics: Arc<Metrics>,
    peer_id: String,
}

impl Parts {
    async fn build(&self) -> Result<Live, Stopped> {
        let repo = Repo::build_tokio()
            .with_storage(self.chunks.clone())
            .with_peer_id(PeerId::from(self.peer_id.clone()))
            .with_share_policy(Policy(self.registry.clone()))
            .with_observer(Observer(self.metrics.clone()))
            .load()
            .await;
        let url = samod::Url::parse("ws://relay.invalid/").map_err(|_| Stopped)?;
        let acceptor = repo.make_acceptor(url).map_err(|_| Stopped)?;
        Ok(Live {
            repo,
            acceptor,
            connections: 0,
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

impl SyncEngine {
    /// Start samod over `chunks`, with access from `registry`.
    pub async fn start(
        chunks: RedbChunks,
        registry: Arc<Registry>,
        metrics: Arc<Metrics>,
        peer_id: String,
    ) -> Result<Self, Stopped> {
        let parts = Parts {
            chunks,
            registry,
            metrics,
            peer_id,
        };
        let live = parts.build().await?;
        Ok(SyncEngine {
            live: Arc::new(tokio::sync::Mutex::new(live)),
            parts,
        })
    }

    /// If no client is connected and documents are loaded, unload them all
    /// (stop the repo, flushing it, and start a fresh one). Returns how
    /// many were unloaded.
    pub async fn unload_if_idle(&self) -> Result<usize, Stopped> {
        let mut live = self.live.lock().await;
        let loaded = self.parts.metrics.documents_loaded.load(Ordering::Relaxed);
        if live.connections > 0 || loaded <= 0 {
            return Ok(0);
        }
        let fresh = self.parts.build().await?;
        let old = std::mem::replace(&mut *live, fresh);
        old.repo.stop().await;
        Ok(usize::try_from(loaded).unwrap_or(0))
    }

    /// Serve one authenticated client: `inbound` frames go through the
    /// guard, then to samod; samod's frames go to `outbound`. Returns when
    /// the connection ends, with the reason it ended.
    pub async fn serve<I, O, E>(
        &self,
        who: Authenticated,
        inbound: I,
        outbound: O,
        guard: Arc<Guard>,
        metrics: Arc<Metrics>,
    ) -> String
    where
        I: Stream<Item = Vec<u8>> + Send + Unpin + 'static,
        O: Sink<Vec<u8>, Error = E> + Send + Unpin + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let refusal: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
        // One queue to the client, fed by samod and by the guard's own
        // answers (doc-unavailable for what the peer may not see), drained
        // by one task into the socket. Bounded: a slow reader slows samod
        // down instead of growing memory.
        let (to_client, mut queued) = futures::channel::mpsc::channel::<Vec<u8>>(256);
        let pump = tokio::spawn(async move {
            use futures::SinkExt as _;
            let mut outbound = outbound;
            while let Some(frame) = queued.next().await {
                if outbound.send(frame).await.is_err() {
                    break;
                }
            }
            let _ = outbound.close().await;
        });
        let inbound = {
            let refusal = refusal.clone();
            let checker = (who.clone(), metrics.clone(), to_client.clone());
            let peer = who.peer_id.clone();
            inbound
                .then(move |frame| {
                    let guard = guard.clone();
                    let (who, metrics, mut answers) = checker.clone();
                    async move {
                        use futures::SinkExt as _;
                        metrics.messages_in.fetch_add(1, Ordering::Relaxed);
                        metrics.bytes_in.fetch_add(frame.len() as u64, Ordering::Relaxed);
                        match guard.inspect(&who, frame).await {
                            Ok(Inspected::Forward(frame)) => Some(Ok(frame)),
                            Ok(Inspected::Answer(answer)) => {
                                let _ = answers.send(answer).await;
                                None
                            }
                            Ok(Inspected::Drop) => None,
                            Err(refused) => Some(Err(refused)),
                        }
                    }
                })
                .filter_map(futures::future::ready)
                .scan(false, move |stopped, checked| {
                    if *stopped {
                        return futures::future::ready(None);
                    }
                    let item = match checked {
                        Ok(frame) => Ok(frame),
                        Err(refused) => {
                            *stopped = true;
                            metrics.reject(refused.reason);
                            tracing::warn!(%peer, reason = refused.reason, detail = %refused.detail, "relay: connection closed by the guard");
                            *refusal.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                                Some(refused.to_string());
                            Err(std::io::Error::other(refused.to_string()))
                        }
                    };
                    futures::future::ready(Some(item))
                })
                .boxed()
        };
        let outbound = to_client;
        let transport = samod::Transport::new(inbound, outbound)
            .with_expected_peer_id(PeerId::from(who.peer_id.clone()));
        let accepted = {
            let mut live = self.live.lock().await;
            let accepted = live.acceptor.accept(transport);
            if accepted.is_ok() {
                live.connections += 1;
            }
            accepted
        };
        let Ok(connection) = accepted else {
            return "the relay is stopping".into();
        };
        // Listen before asking, so an end between the two is not missed.
        let mut events = connection.events();
        let ended = match connection.handshake_complete().await {
            Err(reason) => format!("{reason:?}"),
            Ok(_) => loop {
                match events.next().await {
                    Some(samod::AcceptorEvent::ClientDisconnected { reason, .. }) => {
                        break format!("{reason:?}");
                    }
                    Some(_) => continue,
                    None => break "closed".to_owned(),
                }
            },
        };
        self.live.lock().await.connections -= 1;
        // The pump ends by itself once samod and the guard have dropped
        // their ends of the queue, after sending what was queued.
        drop(pump);
        refusal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .unwrap_or(ended)
    }

    /// Stop samod: close every connection and flush pending writes.
    pub async fn stop(&self) {
        let live = self.live.lock().await;
        live.repo.stop().await;
    }
}
