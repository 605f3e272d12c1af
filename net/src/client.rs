//! The client side of the protocol, and the one module that talks to samod
//! (pinned at =0.16.0; an upgrade touches this file only): a samod repo that dials a relay over
//! WebSocket, authenticating every (re)connection with a fresh token.
//!
//! Documents are handed in as saved bytes and handed back the same way: the
//! caller (`nous sync`, the bindings) keeps its own store, and this repo
//! lives in memory for the session.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{SinkExt as _, StreamExt as _};
use nous_core::ids::DocId;
use samod::storage::{InMemoryStorage, Storage as _, StorageKey};
use samod::{BackoffConfig, ConnectionId, DialError, DocHandle, DocumentId, PeerId, Repo};
use tokio_tungstenite::tungstenite;

/// Our document id as samod's.
pub fn samod_id(doc: &DocId) -> DocumentId {
    // 16 bytes are always a valid UUID, hence a valid samod id.
    DocumentId::try_from(doc.as_bytes().to_vec()).unwrap_or_else(|_| unreachable!("16 bytes"))
}

/// Makes the token for one connection attempt.
pub type TokenSource = Arc<dyn Fn() -> String + Send + Sync>;

/// Why a client could not sync.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The relay URL is not usable.
    #[error("{0}")]
    Url(String),
    /// The relay refused or could not be reached.
    #[error("cannot connect to the relay: {0}")]
    Connect(String),
    /// The connection ended.
    #[error("the connection to the relay ended: {0}")]
    Disconnected(String),
    /// The local repo stopped.
    #[error("the sync engine stopped")]
    Stopped,
    /// What the relay sent was refused by this side's checks, so the sync
    /// did not happen.
    #[error("the relay's answer was refused: {0}")]
    Refused(String),
}

struct WsDialer {
    url: samod::Url,
    token: TokenSource,
    /// The last frame from the relay that this side refused, and why.
    refused: Refusals,
}

/// Why frames from the relay were refused, kept for the sync that waits.
type Refusals = Arc<std::sync::Mutex<Option<String>>>;

impl samod::Dialer for WsDialer {
    type Error = std::io::Error;

    fn url(&self) -> samod::Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<samod::Transport, DialError<Self::Error>>> {
        let mut url = self.url.clone();
        url.query_pairs_mut().append_pair("token", &(self.token)());
        let refused = self.refused.clone();
        Box::pin(async move {
            // TCP_NODELAY: sync writes small frames back to back.
            let connected =
                tokio_tungstenite::connect_async_with_config(url.as_str(), None, true).await;
            let (socket, _response) = match connected {
                Ok(connected) => connected,
                Err(tungstenite::Error::Http(response)) => {
                    let body = response
                        .body()
                        .as_ref()
                        .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                        .unwrap_or_default();
                    let status = response.status();
                    let reason = if body.is_empty() {
                        status.to_string()
                    } else {
                        body
                    };
                    // Refusals are not retried: a new token would be refused
                    // for the same reason.
                    return Err(DialError::PermanentFailure(std::io::Error::other(reason)));
                }
                Err(e) => return Err(DialError::transient(std::io::Error::other(e.to_string()))),
            };
            let (sink, stream) = socket.split();
            let refused = refused.clone();
            let inbound = stream.filter_map(move |message| {
                futures::future::ready(match message {
                    Ok(tungstenite::Message::Binary(bytes)) => Some(
                        check_inbound(&bytes)
                            .map(|()| bytes.to_vec())
                            .map_err(|reason| {
                                tracing::warn!(%reason, "refused a frame from the relay");
                                *refused.lock().unwrap_or_else(|p| p.into_inner()) =
                                    Some(reason.clone());
                                std::io::Error::other(reason)
                            }),
                    ),
                    Ok(_) => None,
                    Err(e) => {
                        // Also what the WebSocket layer refuses (a frame
                        // over its own caps): the sync waiting on this
                        // connection says why it ended.
                        let reason = format!("from the relay: {e}");
                        *refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.clone());
                        Some(Err(std::io::Error::other(reason)))
                    }
                })
            });
            let outbound = sink
                .sink_map_err(|e| std::io::Error::other(e.to_string()))
                .with(|frame: Vec<u8>| {
                    futures::future::ready(Ok::<_, std::io::Error>(tungstenite::Message::Binary(
                        frame.into(),
                    )))
                });
            Ok(samod::Transport::new(Box::pin(inbound), Box::pin(outbound)))
        })
    }
}

/// What a client accepts from a relay before its own samod sees it: the
/// relay's frame cap, then the envelope, sync-message and size checks under
/// the caps a home applies to anything from other people
/// (`nous_core::guard::Limits::default()`, the bundle import's: 2,000,000
/// changes, 64 MiB in, 256 MiB inflated, 20,000,000 operations). The relay
/// is trusted with availability, not with the client's memory; but a long
/// document comes whole in one message (Automerge does that for a peer
/// that lacks a third of it, and the relay for documents of up to 500,000
/// changes, `hub::doc::Pieces`), so the cap on changes cannot be the
/// relay's own per-message cap on what members send. The documents
/// themselves are taken into the home through the guard again when the
/// session ends.
fn check_inbound(frame: &[u8]) -> Result<(), String> {
    let max_frame_bytes = crate::guard::GuardLimits::default().max_frame_bytes;
    let limits = nous_core::guard::Limits::default();
    if frame.len() > max_frame_bytes {
        return Err(format!("the relay sent a frame of {} bytes", frame.len()));
    }
    let envelope = crate::wire::decode(frame).map_err(|e| format!("from the relay: {e}"))?;
    if let (true, Some(data)) = (envelope.kind.carries_sync(), envelope.data) {
        let message = nous_core::guard::sync_message(data, &limits)
            .map_err(|e| format!("from the relay: {e}"))?;
        let changes: Vec<u8> = message.changes.iter().flatten().copied().collect();
        if !changes.is_empty() {
            nous_core::guard::check_caps(&changes, &limits)
                .map_err(|e| format!("from the relay: {e}"))?;
        }
    }
    Ok(())
}

/// A connected client.
pub struct Client {
    repo: Repo,
    dialer: samod::DialerHandle<std::io::Error>,
    connection: ConnectionId,
    refused: Refusals,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// What one document looks like after a sync.
#[derive(Debug)]
pub struct Synced {
    /// The document, merged with the relay's copy, saved; or, when the
    /// caller named heads it holds ([`Client::sync_after`]), only the
    /// changes after them.
    pub bytes: Vec<u8>,
    /// Whether both sides have everything (false: a timeout, e.g. because
    /// the relay only lets us read).
    pub complete: bool,
    /// Whether `bytes` are the changes after the caller's heads (else the
    /// whole document).
    pub after: bool,
    /// When asked for, with changes after the caller's heads: a copy of the session's
    /// document holding them, the same moment, which the home may take as
    /// the witness of their application
    /// (`nous_core::Engine::apply_remote_witnessed`) instead of applying
    /// them again.
    pub witness: Option<automerge::Automerge>,
}

impl Client {
    /// Connect to the relay at `url` (`ws://host:port/`) as `peer_id`,
    /// holding `documents` (saved bytes) to sync.
    pub async fn connect(
        url: &str,
        peer_id: String,
        token: TokenSource,
        documents: Vec<(DocId, Vec<u8>)>,
        timeout: Duration,
    ) -> Result<Client, ClientError> {
        let url = samod::Url::parse(url).map_err(|e| ClientError::Url(format!("{url}: {e}")))?;
        let refused = Refusals::default();
        let storage = InMemoryStorage::new();
        for (id, bytes) in documents {
            let key =
                StorageKey::from_parts([samod_id(&id).to_string().as_str(), "snapshot", "local"])
                    .map_err(|_| ClientError::Url("bad storage key".into()))?;
            storage.put(key, bytes).await;
        }
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_peer_id(PeerId::from(peer_id))
            .load()
            .await;
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            // A session that keeps being closed (the relay refuses what it
            // sends) stops retrying instead of hammering the relay.
            max_retries: Some(5),
        };
        let dialer = repo
            .dial(
                backoff,
                Arc::new(WsDialer {
                    url,
                    token,
                    refused: refused.clone(),
                }),
            )
            .map_err(|_| ClientError::Stopped)?;
        match tokio::time::timeout(timeout, dialer.established()).await {
            Err(_) => {
                repo.stop().await;
                return Err(ClientError::Connect("timed out".into()));
            }
            Ok(Err(e)) => {
                repo.stop().await;
                return Err(ClientError::Connect(dial_failure(&e)));
            }
            Ok(Ok(_)) => {}
        }
        let connection = dialer
            .connection_id()
            .ok_or(ClientError::Disconnected("before the handshake".into()))?;
        Ok(Client {
            repo,
            dialer,
            connection,
            refused,
        })
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.dialer.is_connected()
    }

    /// Sync one document with the relay: `None` if neither side has it (or
    /// the relay does not let us see it — the two look the same).
    pub async fn sync(
        &self,
        doc: &DocId,
        timeout: Duration,
    ) -> Result<Option<Synced>, ClientError> {
        self.sync_after(doc, &[], false, timeout).await
    }

    /// [`Client::sync`], giving back only the changes after `since` (heads
    /// the caller holds) when the session's copy knows them all: a live
    /// session takes in one edit without the whole document being saved
    /// and read again. With `since` empty or unknown, the whole document.
    /// `witness`: also give back a copy of the session's document with
    /// those changes ([`Synced::witness`]; a caller that would not use it
    /// does not pay for the copy).
    pub async fn sync_after(
        &self,
        doc: &DocId,
        since: &[automerge::ChangeHash],
        witness: bool,
        timeout: Duration,
    ) -> Result<Option<Synced>, ClientError> {
        // A refusal from before this document's sync is not its own.
        self.take_refusal();
        let connection = self.dialer.connection_id().unwrap_or(self.connection);
        let Some(handle) = self.find(doc, timeout).await? else {
            return self.refusal_or(Ok(None));
        };
        let both = async {
            handle.we_have_their_changes(connection).await;
            handle.they_have_our_changes(connection).await;
        };
        // The wait ends early when a frame is refused or the connection
        // goes: it could no longer finish.
        let ended = async {
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.has_refusal() || self.dialer.connection_id() != Some(connection) {
                    break;
                }
            }
        };
        let complete = tokio::select! {
            waited = tokio::time::timeout(timeout, both) => waited.is_ok(),
            () = ended => false,
        };
        // What the relay sent was refused, or the connection the sync was
        // waiting on ended: whatever the wait says, the sync did not
        // happen (a closed connection ends the wait too).
        if self.dialer.connection_id() != Some(connection) {
            return self.refusal_or(Err(ClientError::Disconnected(format!(
                "while syncing {doc}"
            ))));
        }
        let (bytes, after, witness) = handle.with_document(|d| {
            use automerge::ReadDoc as _;
            let known =
                !since.is_empty() && since.iter().all(|h| d.get_change_by_hash(h).is_some());
            if known {
                let bytes = d.save_after(since);
                let copy = (witness && !bytes.is_empty()).then(|| d.clone());
                (bytes, true, copy)
            } else {
                (d.save(), false, None)
            }
        });
        self.refusal_or(Ok(Some(Synced {
            bytes,
            complete,
            after,
            witness,
        })))
    }

    fn has_refusal(&self) -> bool {
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    }

    fn take_refusal(&self) -> Option<String> {
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// `result`, unless a frame from the relay was refused meanwhile.
    fn refusal_or<T>(&self, result: Result<T, ClientError>) -> Result<T, ClientError> {
        match self.take_refusal() {
            Some(reason) => Err(ClientError::Refused(reason)),
            None => result,
        }
    }

    async fn find(&self, doc: &DocId, timeout: Duration) -> Result<Option<DocHandle>, ClientError> {
        match tokio::time::timeout(timeout, self.repo.find(samod_id(doc))).await {
            Err(_) => Ok(None),
            Ok(Err(_)) => Err(ClientError::Stopped),
            Ok(Ok(handle)) => Ok(handle),
        }
    }

    /// Merge local changes (a saved document or change chunks, from our own
    /// store) into the session's copy; they go out to the relay at once.
    /// Returns whether the session holds the document (the copy is not
    /// saved: that would cost the whole document at every push).
    pub async fn push(
        &self,
        doc: &DocId,
        local: &[u8],
        timeout: Duration,
    ) -> Result<bool, ClientError> {
        let Some(handle) = self.find(doc, timeout).await? else {
            return Ok(false);
        };
        handle.with_document(|d| {
            // Our own store's bytes: trusted, and already guarded when stored.
            let _ = d.load_incremental(local);
        });
        Ok(true)
    }

    /// Heads of the session's copy, if it is open.
    pub async fn heads(
        &self,
        doc: &DocId,
        timeout: Duration,
    ) -> Result<Option<Vec<automerge::ChangeHash>>, ClientError> {
        Ok(self
            .find(doc, timeout)
            .await?
            .map(|h| h.with_document(|d| d.get_heads())))
    }

    /// Which of `hashes` the session's copy lacks, if it is open.
    pub async fn lacks(
        &self,
        doc: &DocId,
        hashes: &[automerge::ChangeHash],
        timeout: Duration,
    ) -> Result<Option<Vec<automerge::ChangeHash>>, ClientError> {
        use automerge::ReadDoc as _;
        Ok(self.find(doc, timeout).await?.map(|h| {
            h.with_document(|d| {
                hashes
                    .iter()
                    .filter(|hash| d.get_change_by_hash(hash).is_none())
                    .copied()
                    .collect()
            })
        }))
    }

    /// A stream that yields whenever `doc` changes (local or remote).
    pub async fn watch(
        &self,
        doc: &DocId,
        timeout: Duration,
    ) -> Result<Option<futures::stream::BoxStream<'static, ()>>, ClientError> {
        Ok(self
            .find(doc, timeout)
            .await?
            .map(|h| h.changes().map(|_| ()).boxed()))
    }

    /// Close the connection and stop.
    pub async fn close(self) {
        self.dialer.close();
        self.repo.stop().await;
    }
}

fn dial_failure(e: &samod::DialerFailed<std::io::Error>) -> String {
    format!("{e}")
}

#[cfg(test)]
mod tests {
    use futures::{SinkExt as _, StreamExt as _};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::Message;

    use super::*;
    use crate::wire::{self, MessageType};

    /// A relay that answers the handshake, then answers anything about
    /// `doc` with a sync message a client refuses (`garbage`: not a sync
    /// message; else a frame over the size cap): every connection, again
    /// and again.
    /// How a hostile relay answers anything about the document.
    #[derive(Clone, Copy)]
    enum Hostile {
        /// Not a sync message.
        Garbage,
        /// A frame over the size cap.
        Oversized,
        /// It closes the connection, cleanly, and says nothing.
        HangsUp,
    }

    async fn hostile_relay(doc: DocId, how: Hostile) -> String {
        let doc = samod_id(&doc).to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let doc = doc.clone();
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(socket).await else {
                        return;
                    };
                    while let Some(Ok(Message::Binary(frame))) = ws.next().await {
                        let Ok(envelope) = wire::decode(&frame) else {
                            return;
                        };
                        let sender = envelope.sender.unwrap_or_default().to_owned();
                        let answer = match envelope.kind {
                            MessageType::Join => wire::peer("hostile-relay", &sender),
                            MessageType::Request | MessageType::Sync => match how {
                                Hostile::Garbage => {
                                    wire::sync("hostile-relay", &sender, &doc, &[0x42, 0xff, 0xff])
                                }
                                Hostile::Oversized => {
                                    vec![
                                        0u8;
                                        crate::guard::GuardLimits::default().max_frame_bytes + 1
                                    ]
                                }
                                Hostile::HangsUp => {
                                    let _ = ws.close(None).await;
                                    return;
                                }
                            },
                            _ => continue,
                        };
                        if ws.send(Message::Binary(answer.into())).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("ws://{addr}/")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sync_whose_answers_are_refused_fails_and_says_why() {
        for (how, why) in [
            (Hostile::Garbage, "not a valid Automerge"),
            (Hostile::Oversized, "too long"),
        ] {
            refused_with(how, why).await;
        }
    }

    /// A member holding a one-key copy of `doc`, connected to a relay
    /// that behaves as `how` says.
    async fn member_of(doc: DocId, how: Hostile) -> Client {
        let url = hostile_relay(doc, how).await;
        let mut local = automerge::Automerge::new();
        let mut tx = local.transaction();
        automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "k", 1).expect("put");
        tx.commit();
        Client::connect(
            &url,
            "member".into(),
            Arc::new(String::new),
            vec![(doc, local.save())],
            Duration::from_secs(5),
        )
        .await
        .expect("the handshake is answered")
    }

    async fn refused_with(how: Hostile, why: &str) {
        let doc = DocId::from_bytes([9; 16]);
        let client = member_of(doc, how).await;
        let synced = client.sync(&doc, Duration::from_secs(3)).await;
        let error = match synced {
            Err(ClientError::Refused(reason)) => reason,
            other => panic!("a sync that never happened was reported as {other:?}"),
        };
        assert!(error.contains(why), "{error}");
        client.close().await;
    }

    /// A relay that closes the connection without a word while a document
    /// syncs: the sync did not happen, and says the connection ended.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sync_whose_connection_ends_fails_and_says_so() {
        let doc = DocId::from_bytes([8; 16]);
        let client = member_of(doc, Hostile::HangsUp).await;
        match client.sync(&doc, Duration::from_secs(3)).await {
            Err(ClientError::Disconnected(why) | ClientError::Refused(why)) => {
                assert!(!why.is_empty());
            }
            other => panic!("a sync whose connection ended was reported as {other:?}"),
        }
        client.close().await;
    }

    /// The exchange that `nous sync` runs: the document it could not sync
    /// is reported failed with the reason (not "unchanged"), and nothing
    /// of the home changes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_exchange_reports_the_document_it_could_not_sync() {
        let mut engine = crate::harness::engine(3, nous_core::DeviceKey::from_seed(&[3; 32]));
        let charter = engine
            .create_charter(
                "Charte",
                &nous_core::markdown::parse("# Charte\n\n## Départ\n\nOn part.\n"),
            )
            .expect("a charter")
            .value;
        let before = engine.heads(&charter).expect("heads");
        let url = hostile_relay(charter, Hostile::Garbage).await;
        let plan = crate::session::SyncPlan::new(&mut engine, &[]).expect("a plan");
        assert_eq!(plan.docs, vec![charter]);
        let client = Client::connect(
            &url,
            "member".into(),
            Arc::new(String::new),
            plan.initial.clone(),
            Duration::from_secs(5),
        )
        .await
        .expect("the handshake is answered");
        let report = crate::session::exchange(&client, &mut engine, &plan, &mut |_, _| {})
            .await
            .expect("the exchange itself runs");
        client.close().await;
        assert_eq!(report.failed.len(), 1, "{report:?}");
        assert_eq!(report.failed[0].0, charter);
        assert!(report.failed[0].1.contains("refused"), "{report:?}");
        assert!(report.documents.is_empty(), "{report:?}");
        assert_eq!(engine.heads(&charter).expect("heads"), before);
    }
}
