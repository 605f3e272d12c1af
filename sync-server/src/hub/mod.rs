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
//!   guard ([`Guard::admit`]) on a scratch copy of the document, which then
//!   becomes the document. The task carries out the effects: frames to the
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

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{Sink, SinkExt as _, Stream, StreamExt as _};
use nous_core::PublicKey;
use nous_core::ids::DocId;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::access::{Access, Registry};
use crate::auth::Authenticated;
use crate::guard::{Admission, Guard, Inspected, Refusal};
use crate::metrics::Metrics;
use crate::store::RedbChunks;
use crate::wire::{self, MessageType};
use doc::{Ask, ConnId, DocError, DocSync, Effect, Effects};
use nous_core::guard::Sequences;

/// Frames waiting for one client before it counts as too slow.
const CLIENT_QUEUE: usize = 4096;

/// Documents unused for this long are unloaded.
const IDLE_GRACE: Duration = Duration::from_secs(1);

/// The sync engine has stopped.
#[derive(Debug, thiserror::Error)]
#[error("the sync engine has stopped")]
pub struct Stopped;

/// Where a document task sends a client's frames.
#[derive(Clone)]
struct ClientOut {
    frames: mpsc::Sender<Vec<u8>>,
    kick: Arc<Kick>,
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
    },
    Ephemeral {
        conn: ConnId,
        frame: Vec<u8>,
    },
    Detach {
        conn: ConnId,
    },
    Stop {
        done: oneshot::Sender<()>,
    },
}

struct OpenDoc {
    cmds: mpsc::UnboundedSender<Cmd>,
    users: usize,
    idle_since: Option<Instant>,
}

struct Parts {
    chunks: RedbChunks,
    registry: Arc<Registry>,
    guard: Arc<Guard>,
    metrics: Arc<Metrics>,
    peer_id: String,
    next_conn: AtomicU64,
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
        chunks: RedbChunks,
        registry: Arc<Registry>,
        guard: Arc<Guard>,
        metrics: Arc<Metrics>,
        peer_id: String,
    ) -> Self {
        SyncEngine {
            docs: Arc::default(),
            parts: Arc::new(Parts {
                chunks,
                registry,
                guard,
                metrics,
                peer_id,
                next_conn: AtomicU64::new(1),
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
        who: &Authenticated,
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
        who: Authenticated,
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
        let (frames, queued) = mpsc::channel::<Vec<u8>>(CLIENT_QUEUE);
        let out = ClientOut {
            frames,
            kick: Arc::default(),
        };
        let pump = tokio::spawn(pump(queued, outbound));
        let mut joined = false;
        let mut docs: HashMap<DocId, mpsc::UnboundedSender<Cmd>> = HashMap::new();
        let ended = loop {
            let frame = tokio::select! {
                frame = inbound.next() => frame,
                () = out.kick.rung.notified() => {
                    let reason = out.kick.reason();
                    metrics.reject(reason);
                    tracing::warn!(peer = %who.peer_id, reason, "relay: connection closed");
                    break reason.replace('_', " ");
                }
            };
            let Some(frame) = frame else {
                break "closed by the client".to_owned();
            };
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
                    let _ = out.frames.send(answer).await;
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
                    let _ = out.frames.send(answer).await;
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
                    (doc, Cmd::Sync { conn, ask, message })
                }
                (MessageType::Ephemeral, Some(doc), _) => (doc, Cmd::Ephemeral { conn, frame }),
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
        drop(pump);
        ended
    }
}

/// Move frames from the client's queue into its socket, flushing when the
/// queue runs dry (a burst goes out in one write).
async fn pump<O, E>(mut queued: mpsc::Receiver<Vec<u8>>, mut outbound: O)
where
    O: Sink<Vec<u8>, Error = E> + Send + Unpin + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    while let Some(frame) = queued.recv().await {
        if outbound.feed(frame).await.is_err() {
            break;
        }
        if queued.is_empty() && outbound.flush().await.is_err() {
            break;
        }
    }
    let _ = outbound.close().await;
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
    while let Some(cmd) = inbox.recv().await {
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
            } => {
                let Some(client) = clients.get(&conn).filter(|c| c.attached) else {
                    continue;
                };
                let mut checked = None;
                if !message.changes.is_empty() {
                    let seqs = sync.sequences().clone();
                    match admit(&parts, id, client.device, sync.scratch(), seqs, &message).await {
                        Ok(Admission::Admitted(doc, advance)) => {
                            sync.advance(advance);
                            checked = Some(*doc);
                        }
                        Ok(Admission::ReadOnly) => message.changes = Vec::<Vec<u8>>::new().into(),
                        Err(refused) => {
                            tracing::warn!(doc = %id, peer = %client.peer_id, reason = refused.reason, detail = %refused.detail, "relay: changes refused; the document is as it was");
                            sync.detach(conn);
                            if let Some(client) = clients.remove(&conn) {
                                client.out.kick.kick(refused.reason);
                            }
                            continue;
                        }
                    }
                }
                let edited = checked.is_some();
                let received = carry_out(&parts.chunks, &mut clients, &mut sync, |sync, out| {
                    sync.receive(conn, ask, message, checked, out)
                });
                if edited && received.is_ok() {
                    // Let the clients' tasks send the edit first; then copy
                    // the document for the next one (likely to come) and
                    // free the one it replaced.
                    tokio::task::yield_now().await;
                    sync.prepare_scratch();
                }
                if let Err(e) = received {
                    tracing::error!(doc = %id, error = %e, "relay: a sync message got past the guard and broke the document; reloading it");
                    parts.metrics.reject("broken_document");
                    if let Some(client) = clients.remove(&conn) {
                        client.out.kick.kick("broke_a_document");
                    }
                    parts.chunks.flush().await;
                    match load(id, &parts).await {
                        Ok(fresh) => sync = fresh,
                        Err(e) => {
                            tracing::error!(doc = %id, error = %e, "relay: cannot reload the document");
                            break;
                        }
                    }
                    for (conn, client) in &clients {
                        let access = parts.registry.access(&id, Some(&client.device));
                        if client.attached {
                            sync.attach(*conn, client.peer_id.clone(), access != Access::Write);
                        }
                    }
                }
            }
            Cmd::Ephemeral { conn, frame } => {
                carry_out(&parts.chunks, &mut clients, &mut sync, |sync, out| {
                    sync.ephemeral(conn, &frame, out);
                });
            }
            Cmd::Detach { conn } => {
                sync.detach(conn);
                clients.remove(&conn);
            }
            Cmd::Stop { done } => {
                carry_out(&parts.chunks, &mut clients, &mut sync, |sync, out| {
                    sync.compact(out);
                });
                stopped = Some(done);
            }
        }
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

/// Changes up to this size are checked on the document's task (a few
/// keystrokes take less than a hand-off to the blocking pool); larger ones
/// on the blocking pool, so they do not hold a runtime worker.
const INLINE_CHECK_BYTES: usize = 64 << 10;

/// Have the guard check a message's changes on `scratch`, a copy of the
/// document as it stands.
async fn admit(
    parts: &Arc<Parts>,
    id: DocId,
    device: PublicKey,
    scratch: automerge::Automerge,
    seqs: Sequences,
    message: &automerge::sync::Message,
) -> Result<Admission, Refusal> {
    let entries: Vec<Vec<u8>> = message.changes.iter().map(|c| c.to_vec()).collect();
    let size: usize = entries.iter().map(Vec::len).sum();
    if size <= INLINE_CHECK_BYTES {
        return parts.guard.admit(id, &device, scratch, &seqs, &entries);
    }
    let guard = parts.guard.clone();
    tokio::task::spawn_blocking(move || guard.admit(id, &device, scratch, &seqs, &entries))
        .await
        .map_err(|e| Refusal {
            reason: "guard_failed",
            detail: e.to_string(),
            evidence: None,
        })?
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
/// is full (too slow) or gone is detached afterwards.
fn carry_out<R>(
    chunks: &RedbChunks,
    clients: &mut HashMap<ConnId, Client>,
    sync: &mut DocSync,
    act: impl FnOnce(&mut DocSync, &mut Dispatch<'_>) -> R,
) -> R {
    let mut out = Dispatch {
        chunks,
        clients,
        gone: Vec::new(),
    };
    let result = act(sync, &mut out);
    let gone = out.gone;
    for conn in gone {
        sync.detach(conn);
        clients.remove(&conn);
    }
    result
}

/// Carries out effects at once (see [`carry_out`]).
struct Dispatch<'a> {
    chunks: &'a RedbChunks,
    clients: &'a HashMap<ConnId, Client>,
    gone: Vec<ConnId>,
}

impl Effects for Dispatch<'_> {
    fn push(&mut self, effect: Effect) {
        match effect {
            Effect::Send(conn, frame) => {
                let Some(client) = self.clients.get(&conn) else {
                    return;
                };
                if self.gone.contains(&conn) {
                    return;
                }
                if let Err(e) = client.out.frames.try_send(frame) {
                    if matches!(e, mpsc::error::TrySendError::Full(_)) {
                        client.out.kick.kick("too_slow");
                    }
                    self.gone.push(conn);
                }
            }
            Effect::Put { key, value, heads } => {
                let heads = heads.iter().flat_map(|h| h.0).collect();
                self.chunks.put_chunk_later(key, value, heads);
            }
            Effect::Delete(key) => self.chunks.delete_later(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_client_that_does_not_keep_up_is_closed_and_the_others_are_served() {
        let dir = tempfile::tempdir().expect("tempdir");
        let chunks = RedbChunks::open(
            &dir.path().join("sync.redb"),
            crate::store::StoreHealth::default(),
            Arc::new(|| {}),
            Duration::ZERO,
        )
        .expect("store");
        let id = DocId::from_bytes([3; 16]);
        let mut sync = DocSync::load(&id, "relay", Vec::new()).expect("empty");
        let mut clients = HashMap::new();
        let mut queues = Vec::new();
        for (conn, capacity) in [(1, 1), (2, 8)] {
            let (frames, queue) = mpsc::channel(capacity);
            queues.push(queue);
            let out = ClientOut {
                frames,
                kick: Arc::default(),
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
        let effects: Vec<Effect> = (0..3)
            .flat_map(|i| [Effect::Send(1, vec![i]), Effect::Send(2, vec![i])])
            .collect();
        carry_out(&chunks, &mut clients, &mut sync, |_, out| {
            for effect in effects {
                out.push(effect);
            }
        });

        // Client 1 took one frame, could not take the second: it is told to
        // close, and nothing more is queued for it.
        assert_eq!(slow.reason(), "too_slow");
        tokio::time::timeout(Duration::from_secs(5), slow.rung.notified())
            .await
            .expect("the slow client's connection is told to close");
        assert!(!clients.contains_key(&1));
        assert_eq!(sync.conns().collect::<Vec<_>>(), vec![2]);
        let got = |queue: &mut mpsc::Receiver<Vec<u8>>| {
            let mut frames = Vec::new();
            while let Ok(frame) = queue.try_recv() {
                frames.push(frame);
            }
            frames
        };
        assert_eq!(got(&mut queues[0]), vec![vec![0]]);
        assert_eq!(got(&mut queues[1]), vec![vec![0], vec![1], vec![2]]);
    }
}
