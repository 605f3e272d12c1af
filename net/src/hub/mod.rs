//! The relay's sync engine: the automerge-repo protocol on the server side,
//! one task per open document.
//!
//! - [`SyncEngine::serve`] runs one authenticated client: every inbound
//!   frame goes through the [`Guard`], then to the task of the document it
//!   is about; the frames those tasks (and the relay itself) send back go
//!   to the client through one bounded queue.
//! - Each open document is a task that owns a [`DocSync`] (sans-IO, in
//!   [`doc`]): the Automerge document and one sync state per client that
//!   asked for it. The changes a message brings are first checked by the
//!   guard: what it can tell without applying them ([`Guard::precheck`]),
//!   then, on the document itself, lent to it, everything else
//!   ([`Guard::admit`]); a document whose changes are refused after they
//!   were applied is loaded again from the store. The task carries out the effects: frames to the
//!   clients, chunks to the store. A client joins a document only by
//!   speaking of it, so a connection costs nothing to the documents it does
//!   not use.
//! - A document nobody has used for a while is compacted, flushed and
//!   dropped ([`SyncEngine::unload_if_idle`]).
//! - Access follows the [`Registry`]: when it changes, each document task
//!   looks again at who may read and write, before it sends anything more.
//!
//! The handshake (`join` → `peer`) is answered here; a client that is too
//! slow to take what its documents send is disconnected rather than
//! buffered without bound.

pub mod doc;
mod fast;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{Sink, SinkExt as _, Stream, StreamExt as _};
use nous_core::PublicKey;
use nous_core::ids::DocId;
use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use crate::access::{Access, Registry};
use crate::chunks::ChunkStore;
use crate::guard::{Admission, Adopted, Guard, Inspected, Refusal};
use crate::metrics::Metrics;
use crate::peer::Peer;
use crate::wire::{self, MessageType};
use automerge::ChangeHash;
use doc::{Ask, ConnId, DocError, DocSync, Effect, Effects};
use nous_core::guard::Sequences;

/// Frames waiting for one client before it counts as too slow.
const CLIENT_QUEUE: usize = 4096;

/// Documents unused for this long are unloaded.
const IDLE_GRACE: Duration = Duration::from_secs(1);
/// How long a connection that ended may take to write what was queued for
/// it and close: a peer that does not read is cut off after this.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// The sync engine has stopped.
#[derive(Debug, thiserror::Error)]
#[error("the sync engine has stopped")]
pub struct Stopped;

/// A frame for a client's socket: now, or once a write is durable (the
/// answer that tells a writer the relay holds its change), or now and
/// timed: it carries another client's changes, read off that client's
/// socket at the instant given (`Metrics::fanout`).
enum Out {
    Now(Vec<u8>),
    Durable(oneshot::Receiver<()>, Vec<u8>),
    Forward(Instant, Vec<u8>),
}

impl Out {
    fn len(&self) -> usize {
        match self {
            Out::Now(frame) | Out::Durable(_, frame) | Out::Forward(_, frame) => frame.len(),
        }
    }
}

/// Why a frame could not be queued for a client.
#[derive(Debug, PartialEq, Eq)]
enum NotQueued {
    /// Its queue is over its bound (or the relay's): it is too slow.
    Full,
    /// Its connection is gone.
    Gone,
}

/// Where a document task sends a client's frames. The queue is bounded in
/// frames and in bytes, for the client and for the relay.
#[derive(Clone)]
struct ClientOut {
    frames: mpsc::Sender<Out>,
    kick: Arc<Kick>,
    account: Arc<Account>,
}

/// The bytes queued for one client, and for all.
struct Account {
    /// Bytes queued for this client.
    queued: AtomicUsize,
    /// Bytes queued for every client (shared).
    relay_queued: Arc<AtomicUsize>,
    max_queued: usize,
    max_relay_queued: usize,
    metrics: Arc<Metrics>,
}

impl Account {
    /// Count `len` more bytes, unless the client's queue (or the relay's)
    /// would go over its bound; one frame always fits in an empty queue.
    fn add(&self, len: usize) -> bool {
        let mine = self.queued.load(Ordering::Relaxed);
        let all = self.relay_queued.load(Ordering::Relaxed);
        if mine > 0 && (mine + len > self.max_queued || all + len > self.max_relay_queued) {
            return false;
        }
        self.queued.fetch_add(len, Ordering::Relaxed);
        self.relay_queued.fetch_add(len, Ordering::Relaxed);
        self.metrics
            .queued_bytes
            .fetch_add(len as i64, Ordering::Relaxed);
        true
    }

    /// `len` bytes left the queue.
    fn taken(&self, len: usize) {
        self.queued.fetch_sub(len, Ordering::Relaxed);
        self.relay_queued.fetch_sub(len, Ordering::Relaxed);
        self.metrics
            .queued_bytes
            .fetch_sub(len as i64, Ordering::Relaxed);
    }
}

impl ClientOut {
    /// Queue `out` unless the client's queue (or the relay's) is over its
    /// bound.
    fn offer(&self, out: Out) -> Result<(), NotQueued> {
        let len = out.len();
        if !self.account.add(len) {
            return Err(NotQueued::Full);
        }
        match self.frames.try_send(out) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.account.taken(len);
                Err(match e {
                    mpsc::error::TrySendError::Full(_) => NotQueued::Full,
                    mpsc::error::TrySendError::Closed(_) => NotQueued::Gone,
                })
            }
        }
    }
}

/// A document task's way to close a client's connection, with a reason.
#[derive(Default)]
struct Kick {
    rung: Notify,
    reason: std::sync::OnceLock<&'static str>,
}

impl Kick {
    fn kick(&self, reason: &'static str) {
        let _ = self.reason.set(reason);
        self.rung.notify_one();
    }

    fn reason(&self) -> &'static str {
        self.reason.get().copied().unwrap_or("kicked")
    }
}

enum Cmd {
    Attach {
        conn: ConnId,
        peer_id: String,
        device: PublicKey,
        out: ClientOut,
    },
    Sync {
        conn: ConnId,
        ask: Ask,
        message: automerge::sync::Message,
        /// When its frame was read off the socket.
        arrived: Instant,
        _held: Inflight,
    },
    Ephemeral {
        conn: ConnId,
        frame: Vec<u8>,
        _held: Inflight,
    },
    Detach {
        conn: ConnId,
    },
    Stop {
        done: oneshot::Sender<()>,
    },
}

/// Commands taken off a document's inbox but not carried out yet.
///
/// A writer's edit is carried out before the other clients' messages that
/// came before it — mostly a hundred readers acknowledging the edit before,
/// each some tens of microseconds of the document's task — so that the
/// readers of a busy document do not wait for those to get the next edit
/// (issue 14's p99). Never before an earlier command of its own
/// connection, nor before a stop: each client's messages keep their order.
struct Backlog<T> {
    cmds: VecDeque<T>,
    /// How many of them carry changes.
    urgent: usize,
}

/// Commands taken off the inbox at once, at most.
const BACKLOG: usize = 1024;

/// What [`Backlog`] needs to know of a command.
trait Ordered {
    fn conn(&self) -> Option<ConnId>;
    fn urgent(&self) -> bool;
}

impl Ordered for Cmd {
    /// The connection it comes from (`None`: the relay's own).
    fn conn(&self) -> Option<ConnId> {
        match self {
            Cmd::Attach { conn, .. }
            | Cmd::Sync { conn, .. }
            | Cmd::Ephemeral { conn, .. }
            | Cmd::Detach { conn } => Some(*conn),
            Cmd::Stop { .. } => None,
        }
    }

    /// Whether it carries changes (a writer's edit, which readers wait for).
    fn urgent(&self) -> bool {
        matches!(self, Cmd::Sync { message, .. } if !message.changes.is_empty())
    }
}

impl<T: Ordered> Backlog<T> {
    fn new() -> Self {
        Backlog {
            cmds: VecDeque::new(),
            urgent: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    fn push(&mut self, cmd: T) {
        self.urgent += usize::from(cmd.urgent());
        self.cmds.push_back(cmd);
    }

    fn len(&self) -> usize {
        self.cmds.len()
    }

    /// The next command to carry out: the first urgent one that may go
    /// before those ahead of it, or else the oldest.
    fn next(&mut self) -> Option<T> {
        let mut ahead: HashSet<ConnId> = HashSet::new();
        let mut pick = 0;
        // Mostly acknowledgements, nothing to let ahead: in order.
        let front_urgent = self.cmds.front().is_some_and(Ordered::urgent);
        if self.urgent == 0 || front_urgent {
            let cmd = self.cmds.pop_front()?;
            self.urgent -= usize::from(cmd.urgent());
            return Some(cmd);
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            let Some(conn) = cmd.conn() else {
                break;
            };
            if cmd.urgent() && !ahead.contains(&conn) {
                pick = i;
                break;
            }
            ahead.insert(conn);
        }
        let cmd = self.cmds.remove(pick)?;
        self.urgent -= usize::from(cmd.urgent());
        Some(cmd)
    }
}

struct OpenDoc {
    cmds: mpsc::UnboundedSender<Cmd>,
    users: usize,
    idle_since: Option<Instant>,
}

struct Parts {
    chunks: Arc<dyn ChunkStore>,
    registry: Arc<Registry>,
    guard: Arc<Guard>,
    metrics: Arc<Metrics>,
    peer_id: String,
    next_conn: AtomicU64,
    /// Bytes queued for all clients' sockets.
    relay_queued: Arc<AtomicUsize>,
    /// Bytes read from all clients and not yet handled.
    relay_inflight: Arc<Semaphore>,
    /// Large messages being checked (each may inflate a lot).
    large_checks: Arc<Semaphore>,
}

/// The relay's sync engine. Cheap to clone.
#[derive(Clone)]
pub struct SyncEngine {
    docs: Arc<Mutex<HashMap<DocId, OpenDoc>>>,
    parts: Arc<Parts>,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine").finish_non_exhaustive()
    }
}

impl SyncEngine {
    /// The engine over `chunks`, with access from `registry` and every
    /// frame through `guard`; `peer_id` is the relay's automerge-repo peer id.
    pub fn new(
        chunks: Arc<dyn ChunkStore>,
        registry: Arc<Registry>,
        guard: Arc<Guard>,
        metrics: Arc<Metrics>,
        peer_id: String,
    ) -> Self {
        let limits = *guard.limits();
        SyncEngine {
            docs: Arc::default(),
            parts: Arc::new(Parts {
                chunks,
                registry,
                guard,
                metrics,
                peer_id,
                next_conn: AtomicU64::new(1),
                relay_queued: Arc::default(),
                relay_inflight: Arc::new(Semaphore::new(permits(
                    limits.relay.max_relay_inflight_bytes,
                ))),
                large_checks: Arc::new(Semaphore::new(limits.relay.max_large_checks.max(1))),
            }),
        }
    }

    /// Unload the documents no client has used for a while (compact and
    /// flush them first). Returns how many.
    pub async fn unload_if_idle(&self) -> usize {
        let mut docs = self.docs.lock().await;
        let idle: Vec<DocId> = docs
            .iter()
            .filter(|(_, d)| {
                d.users == 0 && d.idle_since.is_some_and(|t| t.elapsed() >= IDLE_GRACE)
            })
            .map(|(id, _)| *id)
            .collect();
        // Stopped while the map is held, so nobody reopens a document
        // before its last writes are durable; all at once, so their flushes
        // share a commit.
        stop_all(idle.iter().filter_map(|id| docs.remove(id))).await;
        idle.len()
    }

    /// Stop every document: close them, compact and flush.
    pub async fn stop(&self) {
        let mut docs = self.docs.lock().await;
        stop_all(docs.drain().map(|(_, open)| open)).await;
    }

    /// `conn` joins `doc`: the document's task (started if needed).
    async fn attach(
        &self,
        doc: DocId,
        conn: ConnId,
        who: &Peer,
        out: &ClientOut,
    ) -> mpsc::UnboundedSender<Cmd> {
        let mut docs = self.docs.lock().await;
        let open = docs.entry(doc).or_insert_with(|| OpenDoc {
            cmds: spawn_doc(doc, self.parts.clone()),
            users: 0,
            idle_since: None,
        });
        open.users += 1;
        open.idle_since = None;
        let _ = open.cmds.send(Cmd::Attach {
            conn,
            peer_id: who.peer_id.clone(),
            device: who.device,
            out: out.clone(),
        });
        open.cmds.clone()
    }

    async fn detach(&self, doc: DocId, conn: ConnId) {
        let mut docs = self.docs.lock().await;
        if let Some(open) = docs.get_mut(&doc) {
            let _ = open.cmds.send(Cmd::Detach { conn });
            open.users = open.users.saturating_sub(1);
            if open.users == 0 {
                open.idle_since = Some(Instant::now());
            }
        }
    }

    /// Serve one authenticated client: `inbound` frames go through the
    /// guard, then to the task of the document they are about; what the
    /// documents and the relay answer goes to `outbound`. Returns when the
    /// connection ends, with the reason it ended.
    pub async fn serve<I, O, E>(
        &self,
        who: Peer,
        mut inbound: I,
        outbound: O,
        metrics: Arc<Metrics>,
    ) -> String
    where
        I: Stream<Item = Vec<u8>> + Send + Unpin + 'static,
        O: Sink<Vec<u8>, Error = E> + Send + Unpin + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let conn = self.parts.next_conn.fetch_add(1, Ordering::Relaxed);
        let limits = *self.parts.guard.limits();
        let (frames, queued) = mpsc::channel::<Out>(CLIENT_QUEUE);
        let out = ClientOut {
            frames,
            kick: Arc::default(),
            account: Arc::new(Account {
                queued: AtomicUsize::new(0),
                relay_queued: self.parts.relay_queued.clone(),
                max_queued: limits.relay.max_queued_bytes,
                max_relay_queued: limits.relay.max_relay_queued_bytes,
                metrics: metrics.clone(),
            }),
        };
        let mut pump = tokio::spawn(pump(queued, outbound, out.account.clone()));
        let inflight = Arc::new(Semaphore::new(permits(limits.relay.max_inflight_bytes)));
        let mut ephemeral = Bucket::new(limits.relay.ephemeral_per_sec);
        let mut joined = false;
        let mut docs: HashMap<DocId, mpsc::UnboundedSender<Cmd>> = HashMap::new();
        let ended = loop {
            let frame = tokio::select! {
                frame = inbound.next() => frame,
                () = out.kick.rung.notified() => break kicked(&out, &metrics, &who.peer_id),
            };
            let Some(frame) = frame else {
                break "closed by the client".to_owned();
            };
            let arrived = Instant::now();
            metrics.messages_in.fetch_add(1, Ordering::Relaxed);
            metrics
                .bytes_in
                .fetch_add(frame.len() as u64, Ordering::Relaxed);
            let (frame, kind, doc, sync) = match self.parts.guard.inspect(&who, frame) {
                Ok(Inspected::Forward {
                    frame,
                    kind,
                    doc,
                    sync,
                }) => (frame, kind, doc, sync),
                Ok(Inspected::Answer(answer)) => {
                    if out.offer(Out::Now(answer)) == Err(NotQueued::Full) {
                        out.kick.kick("too_slow");
                    }
                    continue;
                }
                Ok(Inspected::Drop) => continue,
                Err(refused) => {
                    metrics.reject(refused.reason);
                    tracing::warn!(peer = %who.peer_id, reason = refused.reason, detail = %refused.detail, "relay: connection closed by the guard");
                    break refused.to_string();
                }
            };
            let cmd = match (kind, doc, sync) {
                (MessageType::Join, _, _) if !joined => {
                    joined = true;
                    let answer = wire::peer(&self.parts.peer_id, &who.peer_id);
                    let _ = out.offer(Out::Now(answer));
                    continue;
                }
                (_, Some(_), _) if !joined => {
                    metrics.reject("no_join");
                    break "a message before the handshake".to_owned();
                }
                (MessageType::Request | MessageType::Sync, Some(doc), Some(message)) => {
                    let ask = if kind == MessageType::Request {
                        Ask::Request
                    } else {
                        Ask::Sync
                    };
                    let Some(held) = self.hold(&inflight, frame.len(), &out, &metrics).await else {
                        // Kicked while the frame waited for room: counted
                        // and told like any other kick.
                        break kicked(&out, &metrics, &who.peer_id);
                    };
                    (
                        doc,
                        Cmd::Sync {
                            conn,
                            ask,
                            message,
                            arrived,
                            _held: held,
                        },
                    )
                }
                (MessageType::Ephemeral, Some(doc), _) => {
                    if !ephemeral.take() {
                        metrics.reject("ephemeral_rate");
                        continue;
                    }
                    let Some(held) = self.hold(&inflight, frame.len(), &out, &metrics).await else {
                        // Kicked while the frame waited for room: counted
                        // and told like any other kick.
                        break kicked(&out, &metrics, &who.peer_id);
                    };
                    (
                        doc,
                        Cmd::Ephemeral {
                            conn,
                            frame,
                            _held: held,
                        },
                    )
                }
                // `leave`, a second `join`, remote-heads gossip, a client's
                // `doc-unavailable`: nothing to do.
                _ => continue,
            };
            let (doc, cmd) = cmd;
            let cmds = match docs.get(&doc) {
                Some(cmds) => cmds.clone(),
                None => {
                    let cmds = self.attach(doc, conn, &who, &out).await;
                    docs.insert(doc, cmds.clone());
                    cmds
                }
            };
            if cmds.send(cmd).is_err() {
                // The document's task ended (its stored copy failed to load,
                // or the relay is stopping).
                break "the relay could not serve a document".to_owned();
            }
        };
        for doc in docs.into_keys() {
            self.detach(doc, conn).await;
        }
        drop(out);
        // The writer sends what is queued and closes the socket; a peer
        // that stopped reading would hold it (and the socket) forever: past
        // the grace period it is stopped, which drops the socket.
        if tokio::time::timeout(CLOSE_GRACE, &mut pump).await.is_err() {
            pump.abort();
            // Cancelled at once: the socket is dropped before this returns.
            let _ = pump.await;
            metrics.reject("close_timeout");
        }
        ended
    }
}

impl SyncEngine {
    /// Wait until `len` more bytes from this client may be in flight (its
    /// own bound, then the relay's): the client's socket is not read
    /// meanwhile. None if the connection is told to close while waiting.
    async fn hold(
        &self,
        mine: &Arc<Semaphore>,
        len: usize,
        out: &ClientOut,
        metrics: &Arc<Metrics>,
    ) -> Option<Inflight> {
        let n = u32::try_from(len.max(1)).unwrap_or(u32::MAX);
        let acquire = async {
            // Counted when it has to wait: the bound triggered.
            let own = match mine.clone().try_acquire_many_owned(n) {
                Ok(permit) => permit,
                Err(_) => {
                    metrics.reject("backpressure");
                    mine.clone().acquire_many_owned(n).await.ok()?
                }
            };
            let all = &self.parts.relay_inflight;
            let relay = match all.clone().try_acquire_many_owned(n) {
                Ok(permit) => permit,
                Err(_) => {
                    metrics.reject("relay_backpressure");
                    all.clone().acquire_many_owned(n).await.ok()?
                }
            };
            Some((own, relay))
        };
        let (own, relay) = tokio::select! {
            held = acquire => held?,
            () = out.kick.rung.notified() => {
                // Ring again for the serve loop, which reads the reason.
                out.kick.rung.notify_one();
                return None;
            }
        };
        metrics
            .inflight_bytes
            .fetch_add(i64::from(n), Ordering::Relaxed);
        Some(Inflight {
            _own: own,
            _relay: relay,
            bytes: n,
            metrics: metrics.clone(),
        })
    }
}

/// Bytes of one frame in flight, released when its document is done with it.
struct Inflight {
    _own: OwnedSemaphorePermit,
    _relay: OwnedSemaphorePermit,
    bytes: u32,
    metrics: Arc<Metrics>,
}

impl Drop for Inflight {
    fn drop(&mut self) {
        self.metrics
            .inflight_bytes
            .fetch_sub(i64::from(self.bytes), Ordering::Relaxed);
    }
}

/// Semaphore permits for a byte bound.
fn permits(bytes: usize) -> usize {
    bytes
        .clamp(1, u32::MAX as usize)
        .min(Semaphore::MAX_PERMITS)
}

/// A token bucket: `rate` a second, bursts of twice as many.
struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: u32) -> Bucket {
        let rate = f64::from(rate);
        Bucket {
            rate,
            tokens: rate * 2.0,
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate * 2.0);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Move frames from the client's queue into its socket, flushing when the
/// queue runs dry (a burst goes out in one write). A frame that waits for
/// a durable write goes out once the write is durable (and the frames
/// behind it wait with it; those before it go out first: another writer's
/// edit does not wait for this client's own to be written); if the write
/// failed, it is not sent.
async fn pump<O, E>(mut queued: mpsc::Receiver<Out>, mut outbound: O, account: Arc<Account>)
where
    O: Sink<Vec<u8>, Error = E> + Send + Unpin + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    // Whether frames were fed since the last flush, and when the forwarded
    // ones among them were read.
    let mut unflushed = false;
    let mut timed: Vec<Instant> = Vec::new();
    'frames: while let Some(next) = queued.recv().await {
        let len = next.len();
        let frame = match next {
            Out::Now(frame) => Some(frame),
            Out::Durable(durable, frame) => {
                if unflushed && !flush(&mut outbound, &mut timed, &account).await {
                    account.taken(len);
                    break 'frames;
                }
                unflushed = false;
                durable.await.ok().map(|()| frame)
            }
            Out::Forward(arrived, frame) => {
                timed.push(arrived);
                Some(frame)
            }
        };
        account.taken(len);
        if let Some(frame) = frame {
            if outbound.feed(frame).await.is_err() {
                break;
            }
            unflushed = true;
        }
        if queued.is_empty() {
            if !flush(&mut outbound, &mut timed, &account).await {
                break;
            }
            unflushed = false;
        }
    }
    // What is left was never sent: it no longer counts as queued.
    queued.close();
    while let Some(next) = queued.recv().await {
        account.taken(next.len());
    }
    let _ = outbound.close().await;
}

/// Flush `outbound`; the forwarded frames in it are then written (timed).
/// False if the socket failed.
async fn flush<O, E>(outbound: &mut O, timed: &mut Vec<Instant>, account: &Account) -> bool
where
    O: Sink<Vec<u8>, Error = E> + Unpin,
{
    if outbound.flush().await.is_err() {
        return false;
    }
    for arrived in timed.drain(..) {
        account.metrics.fanout.observe(arrived.elapsed());
    }
    true
}

/// Tell each document to stop, then wait until every one has flushed.
async fn stop_all(docs: impl Iterator<Item = OpenDoc>) {
    let waits: Vec<oneshot::Receiver<()>> = docs
        .filter_map(|open| {
            let (done, wait) = oneshot::channel();
            open.cmds.send(Cmd::Stop { done }).ok().map(|()| wait)
        })
        .collect();
    futures::future::join_all(waits).await;
}

/// A client of one document, as its task sees it.
struct Client {
    out: ClientOut,
    device: PublicKey,
    peer_id: String,
    /// False while the registry denies it the document.
    attached: bool,
}

fn spawn_doc(id: DocId, parts: Arc<Parts>) -> mpsc::UnboundedSender<Cmd> {
    let (cmds, inbox) = mpsc::unbounded_channel();
    tokio::spawn(run_doc(id, parts, inbox));
    cmds
}

async fn load(id: DocId, parts: &Parts) -> Result<DocSync, DocError> {
    let chunks = parts.chunks.clone();
    let relay = parts.peer_id.clone();
    tokio::task::spawn_blocking(move || DocSync::load(&id, &relay, chunks.scan(&format!("{id}/"))))
        .await
        .map_err(|e| DocError::Damaged(e.to_string()))?
}

async fn run_doc(id: DocId, parts: Arc<Parts>, mut inbox: mpsc::UnboundedReceiver<Cmd>) {
    let mut sync = match load(id, &parts).await {
        Ok(sync) => sync,
        Err(e) => {
            tracing::error!(doc = %id, error = %e, "relay: cannot load a document; its clients are disconnected");
            return;
        }
    };
    parts
        .metrics
        .documents_loaded
        .fetch_add(1, Ordering::Relaxed);
    let mut epochs = parts.registry.subscribe();
    epochs.borrow_and_update();
    let mut clients: HashMap<ConnId, Client> = HashMap::new();
    let mut stopped = None;
    let mut batches_seen = 0;
    let mut backlog = Backlog::new();
    loop {
        if backlog.is_empty() {
            let Some(cmd) = inbox.recv().await else {
                break;
            };
            backlog.push(cmd);
        }
        while backlog.len() < BACKLOG
            && let Ok(cmd) = inbox.try_recv()
        {
            backlog.push(cmd);
        }
        let Some(cmd) = backlog.next() else {
            continue;
        };
        if epochs.has_changed().unwrap_or(false) {
            epochs.borrow_and_update();
            review_access(id, &parts.registry, &mut sync, &mut clients);
        }
        match cmd {
            Cmd::Attach {
                conn,
                peer_id,
                device,
                out: client_out,
            } => {
                let access = parts.registry.access(&id, Some(&device));
                let attached = access != Access::Denied;
                if attached {
                    sync.attach(conn, peer_id.clone(), access != Access::Write);
                }
                clients.insert(
                    conn,
                    Client {
                        out: client_out,
                        device,
                        peer_id,
                        attached,
                    },
                );
            }
            Cmd::Sync {
                conn,
                ask,
                mut message,
                arrived,
                _held,
            } => {
                let Some(device) = clients.get(&conn).filter(|c| c.attached).map(|c| c.device)
                else {
                    continue;
                };
                let mut checked = None;
                let mut prechecked = None;
                if !message.changes.is_empty() {
                    let entries: Vec<Vec<u8>> =
                        message.changes.iter().map(|c| c.to_vec()).collect();
                    // Keystrokes are kept without being applied first, and
                    // applied in batches (`DocSync::vouch`).
                    let typed = sync
                        .vouch(&entries, &parts.guard.limits().changes)
                        .filter(|typed| parts.guard.may_type(id, &device, typed));
                    if let Some(typed) = typed {
                        let received = carry_out(
                            &parts.chunks,
                            &mut clients,
                            &mut sync,
                            Some((conn, arrived)),
                            |sync, out| sync.receive_typed(conn, ask, message, typed, out),
                        );
                        if let Err(e) = received {
                            broken(&parts, &mut clients, conn, id, &e);
                            if !reload(id, &parts, &clients, &mut sync).await {
                                break;
                            }
                        }
                        continue;
                    }
                    // Anything else is checked on the document itself,
                    // every change it holds applied.
                    let flushed =
                        carry_out(&parts.chunks, &mut clients, &mut sync, None, |sync, out| {
                            sync.flush(out)
                        });
                    if let Err(e) = flushed {
                        broken(&parts, &mut clients, conn, id, &e);
                        if !reload(id, &parts, &clients, &mut sync).await {
                            break;
                        }
                        continue;
                    }
                    let seqs = sync.sequences().clone();
                    // What can be refused without applying anything leaves
                    // the document as it was.
                    match parts
                        .guard
                        .precheck(id, &device, sync.doc(), &seqs, &entries)
                    {
                        Ok(true) => prechecked = Some((entries, seqs)),
                        Ok(false) => message.changes = Vec::<Vec<u8>>::new().into(),
                        Err(refused) => {
                            refuse(id, &parts, &mut clients, &mut sync, conn, &refused, true);
                            continue;
                        }
                    }
                }
                if let Some((entries, seqs)) = prechecked {
                    let queued: HashSet<ChangeHash> = sync.waiting().keys().copied().collect();
                    let admitted = admit(&parts, id, device, sync.lend(), seqs, queued, entries)
                        .await
                        .and_then(|admission| match admission {
                            Admission::Admitted(adopted) => {
                                within_waiting_bounds(&parts, &sync, conn, &adopted)
                                    .map(|()| adopted)
                            }
                            // Its access changed while a large message was
                            // checked: dropped, like any refusal here.
                            Admission::ReadOnly => Err(Refusal {
                                reason: "write_to_read_only",
                                detail: "access changed during the check".into(),
                                evidence: None,
                            }),
                        });
                    match admitted {
                        Ok(adopted) => {
                            let adopted = *adopted;
                            let now = sync.set_waiting(conn, &adopted.queue, Instant::now());
                            parts
                                .metrics
                                .waiting_bytes
                                .fetch_add(now.after as i64 - now.before as i64, Ordering::Relaxed);
                            sync.advance(adopted.advance);
                            checked = Some(adopted.doc);
                        }
                        Err(refused) => {
                            // The lent document is gone with the refused
                            // changes: the document comes back from the store.
                            refuse(id, &parts, &mut clients, &mut sync, conn, &refused, false);
                            if !reload(id, &parts, &clients, &mut sync).await {
                                break;
                            }
                            continue;
                        }
                    }
                }
                let edited = checked.is_some();
                let received = carry_out(
                    &parts.chunks,
                    &mut clients,
                    &mut sync,
                    edited.then_some((conn, arrived)),
                    |sync, out| sync.receive(conn, ask, message, checked, out),
                );
                if let Err(e) = received {
                    broken(&parts, &mut clients, conn, id, &e);
                    if !reload(id, &parts, &clients, &mut sync).await {
                        break;
                    }
                }
                expire_waiting(&parts, &mut sync);
            }
            Cmd::Ephemeral { conn, frame, _held } => {
                carry_out(&parts.chunks, &mut clients, &mut sync, None, |sync, out| {
                    sync.ephemeral(conn, &frame, out);
                });
            }
            Cmd::Detach { conn } => {
                clients.remove(&conn);
                leave(&parts, &mut sync, conn);
            }
            Cmd::Stop { done } => {
                let compacted =
                    carry_out(&parts.chunks, &mut clients, &mut sync, None, |sync, out| {
                        sync.compact(out)
                    });
                if let Err(e) = compacted {
                    tracing::error!(doc = %id, error = %e, "relay: the document could not be compacted before it is unloaded");
                }
                stopped = Some(done);
            }
        }
        // Batches of keystrokes applied, whatever asked for them (a new
        // document after a reload counts from 0).
        let batches = sync.typed_calls().1;
        parts
            .metrics
            .typing_batches
            .fetch_add(batches.saturating_sub(batches_seen), Ordering::Relaxed);
        batches_seen = batches;
        if let Some(done) = stopped {
            parts.chunks.flush().await;
            let _ = done.send(());
            break;
        }
    }
    parts
        .metrics
        .documents_loaded
        .fetch_sub(1, Ordering::Relaxed);
}

/// A message broke the document (`e`): its sender is disconnected, and the
/// caller loads the document again.
fn broken(
    parts: &Parts,
    clients: &mut HashMap<ConnId, Client>,
    conn: ConnId,
    id: DocId,
    e: &DocError,
) {
    tracing::error!(doc = %id, error = %e, "relay: a sync message got past the guard and broke the document; reloading it");
    parts.metrics.reject("broken_document");
    if let Some(client) = clients.remove(&conn) {
        client.out.kick.kick("broke_a_document");
    }
}

/// `conn`'s changes were refused: it is told why and disconnected. With
/// `intact`, the document is as it was and `conn` leaves it; otherwise the
/// caller loads it again.
fn refuse(
    id: DocId,
    parts: &Parts,
    clients: &mut HashMap<ConnId, Client>,
    sync: &mut DocSync,
    conn: ConnId,
    refused: &Refusal,
    intact: bool,
) {
    let peer = clients
        .get(&conn)
        .map(|c| c.peer_id.clone())
        .unwrap_or_default();
    if intact {
        tracing::warn!(doc = %id, peer = %peer, reason = refused.reason, detail = %refused.detail, "relay: changes refused; the document is as it was");
    } else {
        tracing::warn!(doc = %id, peer = %peer, reason = refused.reason, detail = %refused.detail, "relay: changes refused after they were applied; the document is loaded again from the store");
    }
    if let Some(client) = clients.remove(&conn) {
        client.out.kick.kick(refused.reason);
    }
    if intact {
        leave(parts, sync, conn);
    }
}

/// The document `id` again from the store, after its in-memory copy was
/// given up (a refusal after the guard applied changes, or a break): the
/// writes queued so far first, then every attached client starts its sync
/// afresh (what waited for a dependency is forgotten: its senders send it
/// again). False if it cannot be loaded (the task ends).
async fn reload(
    id: DocId,
    parts: &Arc<Parts>,
    clients: &HashMap<ConnId, Client>,
    sync: &mut DocSync,
) -> bool {
    parts
        .metrics
        .documents_reloaded
        .fetch_add(1, Ordering::Relaxed);
    parts.chunks.flush().await;
    let waited: usize = sync.waiting().values().map(|w| w.bytes).sum();
    parts
        .metrics
        .waiting_bytes
        .fetch_sub(waited as i64, Ordering::Relaxed);
    match load(id, parts).await {
        Ok(fresh) => *sync = fresh,
        Err(e) => {
            tracing::error!(doc = %id, error = %e, "relay: cannot reload the document");
            return false;
        }
    }
    for (conn, client) in clients {
        let access = parts.registry.access(&id, Some(&client.device));
        if client.attached {
            sync.attach(*conn, client.peer_id.clone(), access != Access::Write);
        }
    }
    true
}

/// Changes up to this size are checked on the document's task (a few
/// keystrokes take less than a hand-off to the blocking pool); larger ones
/// on the blocking pool, so they do not hold a runtime worker.
const INLINE_CHECK_BYTES: usize = 64 << 10;

/// Have the guard check and apply a message's changes on `scratch`, the
/// document lent by its task (`DocSync::lend`).
async fn admit(
    parts: &Arc<Parts>,
    id: DocId,
    device: PublicKey,
    scratch: automerge::Automerge,
    seqs: Sequences,
    queued: HashSet<ChangeHash>,
    entries: Vec<Vec<u8>>,
) -> Result<Admission, Refusal> {
    let size: usize = entries.iter().map(Vec::len).sum();
    if size <= INLINE_CHECK_BYTES {
        return parts
            .guard
            .admit_prechecked(id, &device, scratch, &seqs, &queued, &entries);
    }
    // Each large check may inflate up to the guard's cap: only a few at once.
    let _check = match parts.large_checks.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            parts.metrics.reject("large_check_wait");
            parts
                .large_checks
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| Refusal {
                    reason: "guard_failed",
                    detail: e.to_string(),
                    evidence: None,
                })?
        }
    };
    let guard = parts.guard.clone();
    tokio::task::spawn_blocking(move || {
        guard.admit_prechecked(id, &device, scratch, &seqs, &queued, &entries)
    })
    .await
    .map_err(|e| Refusal {
        reason: "guard_failed",
        detail: e.to_string(),
        evidence: None,
    })?
}

/// A connection the relay closes (a document task or a bound kicked it):
/// the rejection counted under its reason and logged, and the reason in
/// words for the end of the connection.
fn kicked(out: &ClientOut, metrics: &Metrics, peer: &str) -> String {
    let reason = out.kick.reason();
    metrics.reject(reason);
    tracing::warn!(peer = %peer, reason, "relay: connection closed");
    reason.replace('_', " ")
}

/// Whether what would then wait in the document for a dependency stays
/// within the sender's bounds and the relay's.
fn within_waiting_bounds(
    parts: &Parts,
    sync: &DocSync,
    conn: ConnId,
    adopted: &Adopted,
) -> Result<(), Refusal> {
    let limits = parts.guard.limits();
    let (mut bytes, mut count) = (0usize, 0usize);
    for queued in &adopted.queue {
        let sender = sync.waiting().get(&queued.hash).map_or(conn, |w| w.conn);
        if sender == conn {
            bytes += queued.bytes;
            count += 1;
        }
    }
    let before: usize = sync.waiting().values().map(|w| w.bytes).sum();
    let after: usize = adopted.queue.iter().map(|q| q.bytes).sum();
    let relay = usize::try_from(parts.metrics.waiting_bytes.load(Ordering::Relaxed)).unwrap_or(0);
    let relay_after = (relay + after).saturating_sub(before);
    if bytes > limits.relay.max_waiting_bytes
        || count > limits.relay.max_waiting_changes
        || (after > before && relay_after > limits.relay.max_relay_waiting_bytes)
    {
        return Err(Refusal {
            reason: "waiting_too_much",
            detail: format!(
                "{count} change(s), {bytes} bytes waiting for a dependency that never came"
            ),
            evidence: None,
        });
    }
    Ok(())
}

/// `conn` leaves the document: if changes it sent still wait for a
/// dependency, the document drops every waiting change (they cannot come
/// to anything now).
fn leave(parts: &Parts, sync: &mut DocSync, conn: ConnId) {
    sync.detach(conn);
    if sync.waiting().values().any(|w| w.conn == conn) {
        drop_waiting(parts, sync, "waiting_dropped");
    }
}

/// Drop the changes that waited longer than the relay allows.
fn expire_waiting(parts: &Parts, sync: &mut DocSync) {
    let max = Duration::from_secs(parts.guard.limits().relay.max_waiting_secs);
    if sync.waiting().values().any(|w| w.since.elapsed() > max) {
        drop_waiting(parts, sync, "waiting_expired");
    }
}

fn drop_waiting(parts: &Parts, sync: &mut DocSync, reason: &'static str) {
    match sync.drop_waiting() {
        Ok(freed) => {
            parts.metrics.reject(reason);
            parts
                .metrics
                .waiting_bytes
                .fetch_sub(freed as i64, Ordering::Relaxed);
        }
        Err(e) => {
            tracing::error!(error = %e, "relay: could not drop the changes waiting in a document");
        }
    }
}

/// The registry changed: drop the clients that lost the document, take back
/// those that regained it, and follow read/write changes.
fn review_access(
    id: DocId,
    registry: &Registry,
    sync: &mut DocSync,
    clients: &mut HashMap<ConnId, Client>,
) {
    for (conn, client) in clients.iter_mut() {
        let access = registry.access(&id, Some(&client.device));
        match (access, client.attached) {
            (Access::Denied, true) => {
                sync.detach(*conn);
                client.attached = false;
            }
            (Access::Denied, false) => {}
            (_, false) => {
                sync.attach(*conn, client.peer_id.clone(), access != Access::Write);
                client.attached = true;
            }
            (_, true) => sync.set_read_only(*conn, access != Access::Write),
        }
    }
}

/// Run `act` on the document with its effects carried out as they come:
/// frames to the clients' queues, chunks to the store. A client whose queue
/// is full (too slow) or gone is detached afterwards. With `writer`, the
/// client whose changes `act` adopts, and when they were read: its frames
/// go out only once the chunk that keeps its changes is durable (other
/// clients get theirs at once, timed from that instant), so "synced" means
/// kept.
fn carry_out<R>(
    chunks: &Arc<dyn ChunkStore>,
    clients: &mut HashMap<ConnId, Client>,
    sync: &mut DocSync,
    writer: Option<(ConnId, Instant)>,
    act: impl FnOnce(&mut DocSync, &mut Dispatch<'_>) -> R,
) -> R {
    let mut out = Dispatch {
        chunks,
        clients,
        gone: Vec::new(),
        writer,
        held: Vec::new(),
        durable: None,
    };
    let result = act(sync, &mut out);
    if let Some((conn, _)) = writer {
        let held = std::mem::take(&mut out.held);
        let mut durable = out.durable.take();
        for frame in held {
            let next = match durable.take() {
                Some(durable) => Out::Durable(durable, frame),
                None => Out::Now(frame),
            };
            out.send(conn, next);
        }
    }
    let gone = out.gone;
    for conn in gone {
        sync.detach(conn);
        clients.remove(&conn);
    }
    result
}

/// Carries out effects at once (see [`carry_out`]).
struct Dispatch<'a> {
    chunks: &'a Arc<dyn ChunkStore>,
    clients: &'a HashMap<ConnId, Client>,
    gone: Vec<ConnId>,
    writer: Option<(ConnId, Instant)>,
    /// The writer's frames, until its changes are written.
    held: Vec<Vec<u8>>,
    /// Told when the writer's changes are durable.
    durable: Option<oneshot::Receiver<()>>,
}

impl Dispatch<'_> {
    fn send(&mut self, conn: ConnId, out: Out) {
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        if self.gone.contains(&conn) {
            return;
        }
        if let Err(e) = client.out.offer(out) {
            if e == NotQueued::Full {
                client.out.kick.kick("too_slow");
            }
            self.gone.push(conn);
        }
    }
}

impl Effects for Dispatch<'_> {
    fn push(&mut self, effect: Effect) {
        match effect {
            Effect::Send(conn, frame) => match self.writer {
                Some((writer, _)) if writer == conn => self.held.push(frame),
                Some((_, arrived)) => self.send(conn, Out::Forward(arrived, frame)),
                None => self.send(conn, Out::Now(frame)),
            },
            Effect::Put { key, value, heads } => {
                let heads = heads.iter().flat_map(|h| h.0).collect();
                if self.writer.is_some() {
                    self.durable = Some(self.chunks.put_chunk_durable(key, value, heads));
                } else {
                    self.chunks.put_chunk_later(key, value, heads);
                }
            }
            Effect::Delete(key) => self.chunks.delete_later(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A command for [`Backlog`]: its connection (`None`: a stop), whether
    /// it carries changes, and its place in the inbox.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Fake(Option<ConnId>, bool, usize);

    impl Ordered for Fake {
        fn conn(&self) -> Option<ConnId> {
            self.0
        }

        fn urgent(&self) -> bool {
            self.1
        }
    }

    #[test]
    fn an_edit_goes_before_the_acknowledgements_ahead_of_it() {
        let mut backlog = Backlog::new();
        for (i, fake) in [(1, false), (2, false), (3, false), (0, true), (1, false)]
            .into_iter()
            .enumerate()
        {
            backlog.push(Fake(Some(fake.0), fake.1, i));
        }
        let order: Vec<usize> = std::iter::from_fn(|| backlog.next()).map(|f| f.2).collect();
        assert_eq!(order, [3, 0, 1, 2, 4]);
        // Not before its own connection's earlier message, nor a stop.
        let mut backlog = Backlog::new();
        backlog.push(Fake(Some(0), false, 0));
        backlog.push(Fake(None, false, 1));
        backlog.push(Fake(Some(0), true, 2));
        let order: Vec<usize> = std::iter::from_fn(|| backlog.next()).map(|f| f.2).collect();
        assert_eq!(order, [0, 1, 2]);
    }

    proptest! {
        /// Whatever the inbox holds, every command is carried out once,
        /// each connection's in the order they came, and nothing crosses a
        /// stop.
        #[test]
        fn the_backlog_keeps_each_clients_order(
            cmds in proptest::collection::vec((proptest::option::weighted(0.95, 0u64..4), any::<bool>()), 0..40),
            arrivals in proptest::collection::vec(0usize..6, 0..40),
        ) {
            let mut backlog = Backlog::new();
            let mut incoming = cmds.iter().enumerate().map(|(i, (conn, urgent))| Fake(*conn, *urgent, i));
            let mut done = Vec::new();
            // Commands arrive a few at a time between those carried out.
            for n in arrivals.iter().chain(std::iter::repeat(&usize::MAX)) {
                for fake in incoming.by_ref().take(*n) {
                    backlog.push(fake);
                }
                match backlog.next() {
                    Some(fake) => done.push(fake),
                    None if done.len() == cmds.len() => break,
                    None => {}
                }
            }
            prop_assert_eq!(done.len(), cmds.len());
            for (i, a) in done.iter().enumerate() {
                for b in &done[i + 1..] {
                    let crossed = a.2 > b.2;
                    if crossed {
                        prop_assert!(a.1, "only an edit goes ahead");
                        prop_assert!(a.0.is_some() && b.0.is_some(), "nothing crosses a stop");
                        prop_assert_ne!(a.0, b.0, "a client's own order is kept");
                    }
                }
            }
        }
    }

    /// What a socket was asked to do, in order.
    #[derive(Debug, Clone, PartialEq)]
    enum Did {
        Feed(Vec<u8>),
        Flush,
    }

    /// A socket that notes what it is asked to do.
    struct Noted(Arc<std::sync::Mutex<Vec<Did>>>);

    impl Sink<Vec<u8>> for Noted {
        type Error = std::io::Error;

        fn poll_ready(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn start_send(self: std::pin::Pin<&mut Self>, frame: Vec<u8>) -> Result<(), Self::Error> {
            self.0.lock().expect("notes").push(Did::Feed(frame));
            Ok(())
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            self.0.lock().expect("notes").push(Did::Flush);
            std::task::Poll::Ready(Ok(()))
        }

        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    /// Another writer's edit queued before this client's own answer, which
    /// waits for its write to be durable, goes out at once (and is timed);
    /// the answer goes out once the write is durable, and not before.
    #[tokio::test]
    async fn frames_before_a_durable_answer_do_not_wait_for_its_write() {
        let notes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let metrics = Arc::new(Metrics::default());
        let account = Arc::new(Account {
            queued: AtomicUsize::new(0),
            relay_queued: Arc::new(AtomicUsize::new(0)),
            max_queued: 1 << 20,
            max_relay_queued: 1 << 20,
            metrics: metrics.clone(),
        });
        let (frames, queued) = mpsc::channel(8);
        let (written, durable) = oneshot::channel();
        let arrived = Instant::now();
        for out in [
            Out::Forward(arrived, vec![1]),
            Out::Durable(durable, vec![2]),
            Out::Now(vec![3]),
        ] {
            assert!(account.add(out.len()));
            frames.try_send(out).map_err(|_| "queued").expect("room");
        }
        let pump = tokio::spawn(pump(queued, Noted(notes.clone()), account.clone()));
        let noted = || notes.lock().expect("notes").clone();
        let deadline = Instant::now() + Duration::from_secs(10);
        while noted().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Give the pump every chance to go further than it may.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(noted(), vec![Did::Feed(vec![1]), Did::Flush]);
        assert_eq!(metrics.fanout.count(), 1);
        written.send(()).expect("the pump waits");
        drop(frames);
        tokio::time::timeout(Duration::from_secs(10), pump)
            .await
            .expect("the pump ends")
            .expect("it does not panic");
        assert_eq!(
            noted(),
            vec![
                Did::Feed(vec![1]),
                Did::Flush,
                Did::Feed(vec![2]),
                Did::Feed(vec![3]),
                Did::Flush,
            ]
        );
        assert_eq!(account.queued.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn a_client_that_does_not_keep_up_is_closed_and_the_others_are_served() {
        let chunks: Arc<dyn ChunkStore> = Arc::new(crate::chunks::MemoryChunks::new());
        let id = DocId::from_bytes([3; 16]);
        let mut sync = DocSync::load(&id, "relay", Vec::new()).expect("empty");
        let mut clients = HashMap::new();
        let mut queues = Vec::new();
        let metrics = Arc::new(Metrics::default());
        let relay_queued = Arc::new(AtomicUsize::new(0));
        // Client 1 takes one frame at a time, client 3 two bytes; client 2
        // keeps up.
        for (conn, capacity, bytes) in [(1, 1, 1 << 20), (2, 8, 1 << 20), (3, 8, 2)] {
            let (frames, queue) = mpsc::channel(capacity);
            queues.push(queue);
            let out = ClientOut {
                frames,
                kick: Arc::default(),
                account: Arc::new(Account {
                    queued: AtomicUsize::new(0),
                    relay_queued: relay_queued.clone(),
                    max_queued: bytes,
                    max_relay_queued: 1 << 20,
                    metrics: metrics.clone(),
                }),
            };
            sync.attach(conn, format!("peer-{conn}"), false);
            clients.insert(
                conn,
                Client {
                    out,
                    device: PublicKey::from_bytes([conn as u8; 32]),
                    peer_id: format!("peer-{conn}"),
                    attached: true,
                },
            );
        }
        let slow = clients[&1].out.kick.clone();
        let heavy = clients[&3].out.kick.clone();
        let effects: Vec<Effect> = (0..3)
            .flat_map(|i| {
                [
                    Effect::Send(1, vec![i]),
                    Effect::Send(2, vec![i]),
                    Effect::Send(3, vec![i]),
                ]
            })
            .collect();
        carry_out(&chunks, &mut clients, &mut sync, None, |_, out| {
            for effect in effects {
                out.push(effect);
            }
        });

        // Client 1 took one frame, could not take the second; client 3 took
        // two bytes, not a third: each is told to close, and nothing more is
        // queued for it.
        for kick in [&slow, &heavy] {
            assert_eq!(kick.reason(), "too_slow");
            tokio::time::timeout(Duration::from_secs(5), kick.rung.notified())
                .await
                .expect("the slow client's connection is told to close");
        }
        assert!(!clients.contains_key(&1));
        assert!(!clients.contains_key(&3));
        assert_eq!(sync.conns().collect::<Vec<_>>(), vec![2]);
        let got = |queue: &mut mpsc::Receiver<Out>| {
            let mut frames = Vec::new();
            while let Ok(Out::Now(frame)) = queue.try_recv() {
                frames.push(frame);
            }
            frames
        };
        assert_eq!(got(&mut queues[0]), vec![vec![0]]);
        // What is queued is counted, for the client and the relay.
        assert_eq!(metrics.queued_bytes.load(Ordering::Relaxed), 1 + 3 + 2);
        assert_eq!(relay_queued.load(Ordering::Relaxed), 6);
        assert_eq!(got(&mut queues[2]), vec![vec![0], vec![1]]);
        assert_eq!(got(&mut queues[1]), vec![vec![0], vec![1], vec![2]]);
    }
}
