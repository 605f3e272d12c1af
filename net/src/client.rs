//! The client side of the automerge-repo protocol, ours: a session that
//! dials a relay over WebSocket (a fresh token per connection attempt),
//! holds the documents it is given in memory, and syncs each with the
//! relay through the same per-document machine as the relay's own side
//! ([`DocSync`], in memory): answers from the document's recent past
//! instead of Automerge's walks over the whole history, and changes that
//! are keystrokes (vouched for by the guard's typing check) kept unapplied
//! and applied in batches. A session that follows a long document live
//! therefore pays per received edit what the relay pays, not a walk of the
//! text (issue 14; samod, which this replaced, applied every message it
//! received).
//!
//! Documents are handed in as saved bytes and handed back the same way: the
//! caller (`nous sync`, the bindings) keeps its own store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use automerge::ChangeHash;
use automerge::sync;
use futures::{SinkExt as _, StreamExt as _};
use nous_core::ids::DocId;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite;

use crate::hub::doc::{Ask, ConnId, DocSync, Effect};
use crate::wire::{self, MessageType};

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
    /// The session stopped.
    #[error("the sync engine stopped")]
    Stopped,
    /// What the relay sent was refused by this side's checks, so the sync
    /// did not happen.
    #[error("the relay's answer was refused: {0}")]
    Refused(String),
    /// This side's own bytes did not merge into the session's copy.
    #[error("this home's copy of {doc} could not be taken into the session: {detail}")]
    Local {
        /// The document.
        doc: String,
        /// Why.
        detail: String,
    },
}

/// The relay, as the one peer of every document of a session.
const RELAY: ConnId = 0;

/// The most dial attempts in a row that fail (or connections that end
/// soon after they opened) before the session gives up: a relay that
/// keeps refusing is not hammered.
const MAX_RETRIES: u32 = 5;
/// The first pause before dialling again; it doubles, up to `MAX_DELAY`.
const FIRST_DELAY: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(10);
/// A connection that lasted this long counts as a success: the retries
/// start again from the first.
const STEADY: Duration = Duration::from_secs(10);

/// A connected client.
pub struct Client {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    driver: Option<tokio::task::JoinHandle<()>>,
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
    /// When asked for, with changes after the caller's heads, and when the
    /// session applied them all: a copy of the session's document holding
    /// them, the same moment, which the home may take as the witness of
    /// their application (`nous_core::Engine::apply_remote_witnessed`)
    /// instead of applying them again. None while the session keeps
    /// received keystrokes unapplied.
    pub witness: Option<automerge::Automerge>,
}

/// The session's state, shared by the connection's task and the calls.
struct Shared {
    state: Mutex<State>,
    /// Moves whenever the state did: what waiting calls watch.
    tick: watch::Sender<u64>,
}

struct State {
    /// Our peer id.
    me: String,
    /// The relay's peer id, while connected.
    relay: Option<String>,
    /// Connections made so far (the current one's number).
    connection: u64,
    /// Frames to the relay, while connected.
    out: Option<mpsc::UnboundedSender<Vec<u8>>>,
    /// Documents handed in and not opened yet (saved bytes).
    stored: HashMap<DocId, Vec<u8>>,
    /// Documents open in the session.
    docs: HashMap<DocId, Entry>,
    /// The last frame from the relay that this side refused, and why.
    refused: Option<String>,
    /// Why the session stopped dialling for good.
    failed: Option<String>,
}

struct Entry {
    sync: DocSync,
    /// The relay said it has nothing of it.
    unavailable: bool,
    /// Moves when the relay's changes reached it.
    changes: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bump(&self) {
        self.tick.send_modify(|t| *t = t.wrapping_add(1));
    }
}

impl State {
    /// Send `effects`' frames to the relay (as `request`s with `request`).
    fn send(&self, doc: &DocId, effects: Vec<Effect>, request: bool) {
        let (Some(out), Some(relay)) = (&self.out, &self.relay) else {
            return;
        };
        for effect in effects {
            if let Effect::Send(_, frame) = effect {
                let frame = if request {
                    match wire::decode(&frame).ok().and_then(|e| e.data) {
                        Some(data) => wire::request(&self.me, relay, &doc.to_string(), data),
                        None => frame,
                    }
                } else {
                    frame
                };
                let _ = out.send(frame);
            }
        }
    }

    /// Open `doc` in the session (from the bytes handed in, else empty),
    /// and start its sync if connected.
    fn open(&mut self, doc: &DocId) -> Result<(), ClientError> {
        if self.docs.contains_key(doc) {
            return Ok(());
        }
        let chunks = self
            .stored
            .remove(doc)
            .map(|bytes| vec![(format!("{doc}/snapshot/local"), bytes)])
            .unwrap_or_default();
        let sync = DocSync::load(doc, &self.me, chunks)
            .map_err(|e| ClientError::Local {
                doc: doc.to_string(),
                detail: e.to_string(),
            })?
            .in_memory();
        let (changes, _) = watch::channel(0);
        self.docs.insert(
            *doc,
            Entry {
                sync,
                unavailable: false,
                changes,
            },
        );
        self.announce(doc);
        Ok(())
    }

    /// Start `doc`'s sync on the current connection: the relay as its
    /// peer, afresh, and our first message (a `request` when we hold
    /// nothing of it).
    fn announce(&mut self, doc: &DocId) {
        let Some(relay) = self.relay.clone() else {
            return;
        };
        let Some(entry) = self.docs.get_mut(doc) else {
            return;
        };
        entry.sync.detach(RELAY);
        entry.sync.attach(RELAY, relay, false);
        entry.unavailable = false;
        let mut effects = Vec::new();
        if let Err(e) = entry.sync.open(RELAY, &mut effects) {
            tracing::warn!(doc = %doc, error = %e, "sync: could not open a document with the relay");
            return;
        }
        let request = entry.sync.heads().is_empty();
        self.send(doc, effects, request);
    }

    /// A frame from the relay, through [`check_inbound`]: Err(why) if it is
    /// refused (the connection is then closed).
    fn take(&mut self, frame: &[u8]) -> Result<(), String> {
        let (envelope, message) = check_inbound(frame)?;
        let Some(doc) = envelope
            .document
            .as_deref()
            .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
            .map(DocId::from_bytes)
        else {
            return Ok(());
        };
        match (envelope.kind, message) {
            (MessageType::Sync | MessageType::Request, Some(message)) => {
                let Some(entry) = self.docs.get_mut(&doc) else {
                    return Ok(());
                };
                let before = entry.sync.heads();
                let mut effects = Vec::new();
                let received = if message.changes.is_empty() {
                    entry
                        .sync
                        .receive(RELAY, Ask::Sync, message, None, &mut effects)
                } else {
                    let entries: Vec<Vec<u8>> =
                        message.changes.iter().map(<[u8]>::to_vec).collect();
                    // Keystrokes are kept unapplied, as the relay keeps
                    // them, and applied in batches.
                    match entry
                        .sync
                        .vouch(&entries, &nous_core::guard::Limits::default())
                    {
                        Some(typed) => {
                            entry
                                .sync
                                .receive_typed(RELAY, Ask::Sync, message, typed, &mut effects)
                        }
                        None => entry
                            .sync
                            .receive(RELAY, Ask::Sync, message, None, &mut effects),
                    }
                };
                if let Err(e) = received {
                    // The session's copy may hold part of it: it is
                    // dropped, and opened again from the home's bytes.
                    self.docs.remove(&doc);
                    return Err(format!("from the relay, about {doc}: {e}"));
                }
                if entry.sync.heads() != before {
                    entry.changes.send_modify(|n| *n = n.wrapping_add(1));
                }
                self.send(&doc, effects, false);
            }
            (MessageType::DocUnavailable, _) => {
                if let Some(entry) = self.docs.get_mut(&doc) {
                    entry.unavailable = true;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Entry {
    /// Whether both sides have everything: the relay's heads are all here,
    /// and it says it has ours.
    fn complete(&self) -> bool {
        let Some(state) = self.sync.peer_state(RELAY) else {
            return false;
        };
        let Some(theirs) = &state.their_heads else {
            return false;
        };
        if !theirs.iter().all(|h| self.sync.knows(h)) {
            return false;
        }
        let mut shared = state.shared_heads.clone();
        shared.sort_unstable();
        let mut ours = self.sync.heads();
        ours.sort_unstable();
        shared == ours
    }
}

/// What a client accepts from a relay before its session's copy sees it:
/// the relay's frame cap, then the envelope, sync-message and size checks
/// under the caps a home applies to anything from other people
/// (`nous_core::guard::Limits::default()`, the bundle import's: 2,000,000
/// changes, 64 MiB in, 256 MiB inflated, 20,000,000 operations). The relay
/// is trusted with availability, not with the client's memory; but a long
/// document comes whole in one message (Automerge does that for a peer
/// that lacks a third of it, and the relay for documents of up to 500,000
/// changes, `hub::doc::Pieces`), so the cap on changes cannot be the
/// relay's own per-message cap on what members send. The documents
/// themselves are taken into the home through the guard again when the
/// session ends. Returns the frame's envelope and the sync message it
/// carries, if any (each decoded once).
fn check_inbound(frame: &[u8]) -> Result<(wire::Envelope<'_>, Option<sync::Message>), String> {
    let max_frame_bytes = crate::guard::GuardLimits::default().max_frame_bytes;
    let limits = nous_core::guard::Limits::default();
    if frame.len() > max_frame_bytes {
        return Err(format!("the relay sent a frame of {} bytes", frame.len()));
    }
    let envelope = wire::decode(frame).map_err(|e| format!("from the relay: {e}"))?;
    let (true, Some(data)) = (envelope.kind.carries_sync(), envelope.data) else {
        return Ok((envelope, None));
    };
    let message = nous_core::guard::sync_message(data, &limits)
        .map_err(|e| format!("from the relay: {e}"))?;
    let changes: Vec<u8> = message.changes.iter().flatten().copied().collect();
    if !changes.is_empty() {
        nous_core::guard::check_caps(&changes, &limits)
            .map_err(|e| format!("from the relay: {e}"))?;
    }
    Ok((envelope, Some(message)))
}

/// `url` with the token as its `token` query parameter.
fn with_token(url: &str, token: &str) -> String {
    let mut encoded = String::with_capacity(token.len());
    for byte in token.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let joint = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joint}token={encoded}")
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why a dial failed: for good (the relay refused; a new token would be
/// refused for the same reason), or for now.
enum DialFailure {
    Permanent(String),
    Transient(String),
}

async fn dial(url: &str, token: &TokenSource) -> Result<Socket, DialFailure> {
    let url = with_token(url, &token());
    // TCP_NODELAY: sync writes small frames back to back.
    match tokio_tungstenite::connect_async_with_config(url.as_str(), None, true).await {
        Ok((socket, _response)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .unwrap_or_default();
            let status = response.status();
            Err(DialFailure::Permanent(if body.is_empty() {
                status.to_string()
            } else {
                body
            }))
        }
        Err(e) => Err(DialFailure::Transient(e.to_string())),
    }
}

/// The session's connection: dial, serve until it ends, dial again after
/// a pause that grows, until stopped or [`MAX_RETRIES`] in a row fail.
async fn drive(
    shared: Arc<Shared>,
    url: String,
    token: TokenSource,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            return;
        }
        let dialled = tokio::select! {
            dialled = dial(&url, &token) => dialled,
            _ = stop.changed() => return,
        };
        let why = match dialled {
            Ok(socket) => {
                let opened = tokio::time::Instant::now();
                let served = serve(&shared, socket, &mut stop).await;
                if served && opened.elapsed() >= STEADY {
                    failures = 0;
                } else {
                    failures += 1;
                }
                "the connection kept ending".to_owned()
            }
            Err(DialFailure::Permanent(why)) => {
                shared.lock().failed = Some(why);
                shared.bump();
                return;
            }
            Err(DialFailure::Transient(why)) => {
                failures += 1;
                why
            }
        };
        if *stop.borrow() {
            return;
        }
        if failures > MAX_RETRIES {
            shared.lock().failed = Some(why);
            shared.bump();
            return;
        }
        let delay = FIRST_DELAY
            .saturating_mul(1 << failures.saturating_sub(1).min(8))
            .min(MAX_DELAY);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

/// One connection: the handshake, then every document of the session
/// announced, then frames both ways until it ends. Returns whether the
/// handshake was made.
async fn serve(shared: &Shared, socket: Socket, stop: &mut watch::Receiver<bool>) -> bool {
    let (mut sink, mut stream) = socket.split();
    let me = shared.lock().me.clone();
    if sink
        .send(tungstenite::Message::Binary(wire::join(&me).into()))
        .await
        .is_err()
    {
        return false;
    }
    let relay = loop {
        match stream.next().await {
            Some(Ok(tungstenite::Message::Binary(frame))) => match wire::decode(&frame) {
                Ok(envelope) if envelope.kind == MessageType::Peer => {
                    break envelope.sender.unwrap_or_default().to_owned();
                }
                _ => return false,
            },
            Some(Ok(tungstenite::Message::Close(_)) | Err(_)) | None => return false,
            Some(Ok(_)) => {}
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    {
        let mut state = shared.lock();
        state.relay = Some(relay);
        state.out = Some(tx);
        state.connection += 1;
        let docs: Vec<DocId> = state.docs.keys().copied().collect();
        for doc in docs {
            state.announce(&doc);
        }
    }
    shared.bump();
    let writer = async {
        while let Some(frame) = rx.recv().await {
            if sink
                .send(tungstenite::Message::Binary(frame.into()))
                .await
                .is_err()
            {
                break;
            }
        }
        let _ = sink.close().await;
    };
    let reader = async {
        loop {
            let refusal = match stream.next().await {
                Some(Ok(tungstenite::Message::Binary(frame))) => {
                    let taken = shared.lock().take(&frame);
                    shared.bump();
                    match taken {
                        Ok(()) => continue,
                        Err(why) => why,
                    }
                }
                Some(Ok(tungstenite::Message::Close(_))) | None => return,
                Some(Ok(_)) => continue,
                // Also what the WebSocket layer refuses (a frame over its
                // own caps): the sync waiting on this connection says why
                // it ended.
                Some(Err(e)) => format!("from the relay: {e}"),
            };
            tracing::warn!(reason = %refusal, "refused a frame from the relay");
            shared.lock().refused = Some(refusal);
            return;
        }
    };
    tokio::select! {
        () = writer => {}
        () = reader => {}
        _ = stop.changed() => {}
    }
    {
        let mut state = shared.lock();
        state.relay = None;
        state.out = None;
    }
    shared.bump();
    true
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
        if !(url.starts_with("ws://") || url.starts_with("wss://")) || url.len() <= "wss://".len() {
            return Err(ClientError::Url(format!(
                "{url}: not a ws:// or wss:// URL"
            )));
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                me: peer_id,
                relay: None,
                connection: 0,
                out: None,
                stored: documents.into_iter().collect(),
                docs: HashMap::new(),
                refused: None,
                failed: None,
            }),
            tick: watch::channel(0).0,
        });
        let (stop, stopped) = watch::channel(false);
        let driver = tokio::spawn(drive(shared.clone(), url.to_owned(), token, stopped));
        let mut client = Client {
            shared,
            stop,
            driver: Some(driver),
        };
        let connected = client
            .wait(timeout, |state| {
                if let Some(why) = &state.failed {
                    Some(Err(why.clone()))
                } else {
                    (state.connection > 0).then_some(Ok(()))
                }
            })
            .await;
        match connected {
            Some(Ok(())) => Ok(client),
            Some(Err(why)) => {
                client.stop_driver().await;
                Err(ClientError::Connect(why))
            }
            None => {
                client.stop_driver().await;
                Err(ClientError::Connect("timed out".into()))
            }
        }
    }

    /// Wait, at most `timeout`, for `ready` to say something of the state.
    async fn wait<T>(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let mut ticks = self.shared.tick.subscribe();
        let waited = tokio::time::timeout(timeout, async {
            loop {
                ticks.borrow_and_update();
                if let Some(answer) = ready(&self.shared.lock()) {
                    return Some(answer);
                }
                if ticks.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await;
        waited.ok().flatten()
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.shared.lock().out.is_some()
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
    /// those changes when it applied them ([`Synced::witness`]; a caller
    /// that would not use it does not pay for the copy).
    pub async fn sync_after(
        &self,
        doc: &DocId,
        since: &[ChangeHash],
        witness: bool,
        timeout: Duration,
    ) -> Result<Option<Synced>, ClientError> {
        // A refusal from before this document's sync is not its own.
        self.take_refusal();
        let connection = self.shared.lock().connection;
        if !self.find(doc, timeout).await? {
            return self.refusal_or(Ok(None));
        }
        // The wait ends early when a frame is refused or the connection
        // goes: it could no longer finish.
        let complete = self
            .wait(timeout, |state| {
                if state.refused.is_some() || state.out.is_none() || state.connection != connection
                {
                    return Some(false);
                }
                match state.docs.get(doc) {
                    None => Some(false),
                    Some(entry) => entry.complete().then_some(true),
                }
            })
            .await
            .unwrap_or(false);
        let mut state = self.shared.lock();
        // What the relay sent was refused, or the connection the sync was
        // waiting on ended: whatever the wait says, the sync did not
        // happen.
        if state.out.is_none() || state.connection != connection {
            drop(state);
            return self.refusal_or(Err(ClientError::Disconnected(format!(
                "while syncing {doc}"
            ))));
        }
        let Some(entry) = state.docs.get_mut(doc) else {
            drop(state);
            return self.refusal_or(Err(ClientError::Disconnected(format!(
                "while syncing {doc}"
            ))));
        };
        let local = |e: crate::hub::doc::DocError| ClientError::Local {
            doc: doc.to_string(),
            detail: e.to_string(),
        };
        let mut effects = Vec::new();
        let known = !since.is_empty() && since.iter().all(|h| entry.sync.knows(h));
        let after = known.then(|| entry.sync.changes_after(since)).flatten();
        let synced = match after {
            Some(bytes) => {
                let copy = (witness && !bytes.is_empty() && entry.sync.pending().is_empty())
                    .then(|| entry.sync.doc().clone());
                Synced {
                    bytes,
                    complete,
                    after: true,
                    witness: copy,
                }
            }
            None => Synced {
                bytes: entry.sync.save_all(&mut effects).map_err(local)?,
                complete,
                after: false,
                witness: None,
            },
        };
        drop(state);
        self.refusal_or(Ok(Some(synced)))
    }

    fn take_refusal(&self) -> Option<String> {
        self.shared.lock().refused.take()
    }

    /// `result`, unless a frame from the relay was refused meanwhile.
    fn refusal_or<T>(&self, result: Result<T, ClientError>) -> Result<T, ClientError> {
        match self.take_refusal() {
            Some(reason) => Err(ClientError::Refused(reason)),
            None => result,
        }
    }

    /// Open `doc` in the session and wait until it holds something: false
    /// if the relay has nothing of it either (or did not say in time).
    async fn find(&self, doc: &DocId, timeout: Duration) -> Result<bool, ClientError> {
        self.shared.lock().open(doc)?;
        Ok(self
            .wait(timeout, |state| {
                let Some(entry) = state.docs.get(doc) else {
                    return Some(false);
                };
                if !entry.sync.heads().is_empty() {
                    Some(true)
                } else if entry.unavailable || state.refused.is_some() {
                    Some(false)
                } else {
                    None
                }
            })
            .await
            .unwrap_or(false))
    }

    /// Merge local changes (a saved document or change chunks, from our own
    /// store) into the session's copy; they go out to the relay at once.
    /// Returns whether the session holds the document.
    pub async fn push(
        &self,
        doc: &DocId,
        local: &[u8],
        timeout: Duration,
    ) -> Result<bool, ClientError> {
        if !self.find(doc, timeout).await? {
            return Ok(false);
        }
        let mut state = self.shared.lock();
        let Some(entry) = state.docs.get_mut(doc) else {
            return Ok(false);
        };
        let mut effects = Vec::new();
        // Our own store's bytes: trusted, and already guarded when stored.
        entry
            .sync
            .take_local(local, &mut effects)
            .map_err(|e| ClientError::Local {
                doc: doc.to_string(),
                detail: e.to_string(),
            })?;
        state.send(doc, effects, false);
        Ok(true)
    }

    /// Heads of the session's copy, if it is open.
    pub async fn heads(
        &self,
        doc: &DocId,
        timeout: Duration,
    ) -> Result<Option<Vec<ChangeHash>>, ClientError> {
        if !self.find(doc, timeout).await? {
            return Ok(None);
        }
        Ok(self.shared.lock().docs.get(doc).map(|e| e.sync.heads()))
    }

    /// Which of `hashes` the session's copy lacks, if it is open.
    pub async fn lacks(
        &self,
        doc: &DocId,
        hashes: &[ChangeHash],
        timeout: Duration,
    ) -> Result<Option<Vec<ChangeHash>>, ClientError> {
        if !self.find(doc, timeout).await? {
            return Ok(None);
        }
        Ok(self.shared.lock().docs.get(doc).map(|entry| {
            hashes
                .iter()
                .filter(|hash| !entry.sync.knows(hash))
                .copied()
                .collect()
        }))
    }

    /// Of `doc`, if it is open in the session: the changes kept unapplied
    /// (vouched for as keystrokes) and the batches they were applied in.
    pub fn typed(&self, doc: &DocId) -> Option<(u64, u64)> {
        self.shared
            .lock()
            .docs
            .get(doc)
            .map(|entry| entry.sync.typed_calls())
    }

    /// A stream that yields whenever the relay's changes reach `doc`.
    pub async fn watch(
        &self,
        doc: &DocId,
        timeout: Duration,
    ) -> Result<Option<futures::stream::BoxStream<'static, ()>>, ClientError> {
        if !self.find(doc, timeout).await? {
            return Ok(None);
        }
        let Some(changes) = self
            .shared
            .lock()
            .docs
            .get(doc)
            .map(|e| e.changes.subscribe())
        else {
            return Ok(None);
        };
        Ok(Some(
            futures::stream::unfold(changes, |mut changes| async move {
                changes.changed().await.ok().map(|()| ((), changes))
            })
            .boxed(),
        ))
    }

    async fn stop_driver(&mut self) {
        let _ = self.stop.send(true);
        if let Some(driver) = self.driver.take() {
            let _ = driver.await;
        }
    }

    /// Close the connection and stop.
    pub async fn close(mut self) {
        self.stop_driver().await;
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            driver.abort();
        }
    }
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
        let doc = doc.to_string();
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

    /// Bytes handed in for a document that are not one: the sync of it
    /// fails and says it was this side's copy, before anything is sent.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_copy_of_this_side_that_does_not_load_is_a_local_error() {
        let doc = DocId::from_bytes([7; 16]);
        let url = hostile_relay(doc, Hostile::Garbage).await;
        let client = Client::connect(
            &url,
            "member".into(),
            Arc::new(String::new),
            vec![(doc, b"not automerge".to_vec())],
            Duration::from_secs(5),
        )
        .await
        .expect("the handshake is answered");
        match client.sync(&doc, Duration::from_secs(3)).await {
            Err(ClientError::Local { doc: named, detail }) => {
                assert_eq!(named, doc.to_string());
                assert!(!detail.is_empty());
            }
            other => panic!("a copy that does not load was reported as {other:?}"),
        }
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
