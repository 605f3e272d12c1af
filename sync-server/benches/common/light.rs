//! The light W5 driver: the same workload as `tests/js/load.mjs` (one
//! typist, K subscribers, idle connections), but every client is a bare
//! automerge-repo peer written here — a WebSocket, the protocol's CBOR
//! envelope and a Rust Automerge document with its sync state — so the
//! clients cost little next to the server, and each subscriber notes the
//! time an edit reached it when it reads the frame, before decoding it.
//!
//! Every subscriber answers what it receives as a real peer does (the
//! acknowledgements the server must process), but costs the machine as
//! little as possible, since it shares two cores with the server under
//! test. Until it holds the document, a subscriber is an Automerge
//! document with its sync state, and subscribers in the same state given
//! the same message share the work ([`Shared`]: Automerge's sync is a
//! function of the document, the state and the message). Once it holds the
//! document it goes thin ([`Thin`]): it keeps its heads and writes the
//! answer Automerge would write, and stops the benchmark on any message it
//! cannot answer so; the first subscriber keeps its document too and,
//! once typing is over, replays everything it received through Automerge
//! and asserts each thin answer byte for byte. The typist is a real
//! Automerge document; it takes in the server's answers when its next
//! keystroke is due. The driver runs in the benchmark process on two
//! runtimes of one thread each (one reads the sockets, one applies and
//! answers, see [`subscribe`]).
//!
//! (Each subscriber applying every change itself cost 15–17 ms of CPU per
//! edit on a fresh text, four times the relay's; sharing, 18 ms at 50,000
//! prior changes; thin, about 4 ms at any length, most of it a hundred
//! sockets read and written.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use automerge::sync::{self, SyncDoc as _};
use automerge::transaction::Transactable as _;
use automerge::{Automerge, ROOT, ReadDoc as _};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt as _, StreamExt as _};
use minicbor::encode::Encoder;
use nous_sync_server::wire::{self, MessageType};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Rng;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Tx = SplitSink<Ws, Message>;
type Rx = SplitStream<Ws>;

/// One connection's identity: its token (relay only) and peer id.
#[derive(Debug, Clone)]
pub struct Identity {
    pub token: Option<String>,
    pub peer: String,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// `ws://host:port/`.
    pub url: String,
    /// The document (automerge-repo id).
    pub doc: String,
    /// Typist, then subscribers, then idle connections.
    pub identities: Vec<Identity>,
    pub subscribers: usize,
    pub idle: usize,
    pub edits: usize,
    pub rate: f64,
    pub seed: u64,
    /// Changes the typist's text holds before the first edit (`--prior`).
    pub prior: usize,
}

/// Everyone connected, the typist's document on the server and in every
/// subscriber; typing not started.
pub struct Ready {
    runtime: tokio::runtime::Runtime,
    /// Where the subscribers apply and answer what they read.
    _work: tokio::runtime::Runtime,
    options: Options,
    typist: (Tx, Rx, Automerge, sync::State, String, automerge::ObjId),
    subscribers: Vec<tokio::task::JoinHandle<Vec<Option<Instant>>>>,
    idle: Vec<tokio::task::JoinHandle<()>>,
    complete: Arc<AtomicUsize>,
    stop: watch::Sender<bool>,
    /// For each edit, the typist's own time from the keystroke to its
    /// message (Automerge making both), before the send time is taken.
    client: Vec<Duration>,
}

fn envelope(kind: &str, sender: &str, target: &str, doc: &str, data: Option<&[u8]>) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    let fields = if data.is_some() { 5 } else { 4 };
    e.map(fields).expect("cbor");
    e.str("type").and_then(|e| e.str(kind)).expect("cbor");
    e.str("senderId").and_then(|e| e.str(sender)).expect("cbor");
    e.str("targetId").and_then(|e| e.str(target)).expect("cbor");
    e.str("documentId").and_then(|e| e.str(doc)).expect("cbor");
    if let Some(data) = data {
        e.str("data").and_then(|e| e.bytes(data)).expect("cbor");
    }
    e.into_writer()
}

fn join(peer: &str) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(4).expect("cbor");
    e.str("type").and_then(|e| e.str("join")).expect("cbor");
    e.str("senderId").and_then(|e| e.str(peer)).expect("cbor");
    e.str("supportedProtocolVersions")
        .and_then(|e| e.array(1))
        .and_then(|e| e.str("1"))
        .expect("cbor");
    e.str("peerMetadata")
        .and_then(|e| e.map(1))
        .and_then(|e| e.str("isEphemeral"))
        .and_then(|e| e.bool(false))
        .expect("cbor");
    e.into_writer()
}

/// Connect, join, and return the halves and the server's peer id.
///
/// The JS server accepts WebSockets as soon as it listens but drops a
/// `join` that arrives before its repo has loaded its storage id; a client
/// without a token (the JS server's) tries again, as the stock adapter
/// does. A relay token opens one connection only, and the relay is ready
/// when it listens.
async fn connect(url: &str, who: &Identity) -> (Tx, Rx, String) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match try_connect(url, who).await {
            Ok(connected) => return connected,
            Err(_) if who.token.is_none() && attempts < 50 => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{url} as {}: {e}", who.peer),
        }
    }
}

async fn try_connect(url: &str, who: &Identity) -> Result<(Tx, Rx, String), String> {
    let url = match &who.token {
        Some(token) => format!("{url}?token={token}"),
        None => url.to_owned(),
    };
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)
        .await
        .map_err(|e| e.to_string())?;
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::Binary(join(&who.peer).into()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let frame = rx
            .next()
            .await
            .ok_or("closed before answering the join")?
            .map_err(|e| e.to_string())?;
        if let Message::Binary(bytes) = frame {
            let env = wire::decode(&bytes).map_err(|e| e.to_string())?;
            if env.kind != MessageType::Peer {
                return Err(format!("{:?} instead of a peer answer", env.kind));
            }
            let server = env.sender.ok_or("no senderId")?.to_owned();
            return Ok((tx, rx, server));
        }
    }
}

/// A sync message in a frame, if `frame` carries one.
fn sync_message(frame: &[u8]) -> Option<sync::Message> {
    let env = wire::decode(frame).ok()?;
    match env.kind {
        MessageType::Sync | MessageType::Request => sync::Message::decode(env.data?).ok(),
        _ => None,
    }
}

/// What one subscriber worked out, for the others in the same place.
struct Case {
    heads: Vec<automerge::ChangeHash>,
    state: sync::State,
    data: Vec<u8>,
    doc: Arc<Automerge>,
    then: sync::State,
    replies: Vec<Vec<u8>>,
}

/// The subscribers' shared work (see the module's documentation).
#[derive(Default)]
pub struct Shared {
    cases: std::sync::Mutex<Vec<Case>>,
}

/// Cases kept (the oldest go first).
const SHARED_CASES: usize = 16;

impl Shared {
    /// Take the sync message `data` into `doc` and `state`; returns the
    /// encoded replies.
    fn receive(
        &self,
        doc: &mut Arc<Automerge>,
        state: &mut sync::State,
        data: &[u8],
    ) -> Vec<Vec<u8>> {
        let heads = doc.get_heads();
        // Nothing waiting for a dependency: then the heads say all the
        // document holds.
        let settled = doc.get_missing_deps(&[]).is_empty();
        let mut cases = self.cases.lock().expect("cases");
        if settled
            && let Some(case) = cases
                .iter()
                .find(|c| c.heads == heads && c.state == *state && c.data == data)
        {
            *doc = case.doc.clone();
            state.clone_from(&case.then);
            return case.replies.clone();
        }
        let before = state.clone();
        let message = sync::Message::decode(data).expect("a valid sync message");
        let own = Arc::make_mut(doc);
        own.receive_sync_message(state, message)
            .expect("a valid sync message");
        let mut replies = Vec::new();
        while let Some(reply) = own.generate_sync_message(state) {
            replies.push(reply.encode());
        }
        if settled && own.get_missing_deps(&[]).is_empty() {
            if cases.len() == SHARED_CASES {
                cases.remove(0);
            }
            cases.push(Case {
                heads,
                state: before,
                data: data.to_vec(),
                doc: doc.clone(),
                then: state.clone(),
                replies: replies.clone(),
            });
        }
        replies
    }
}

/// A subscriber once it holds the document: it keeps its heads, not the
/// document, and answers a message carrying the next changes as Automerge
/// would (the reply a reader sends once it applied them: its new heads,
/// nothing needed, an empty summary since they are also the last heads both
/// sides share). Anything else is an `Err`: the benchmark stops rather
/// than answer what it cannot answer exactly. One subscriber keeps its
/// document as well and checks every thin answer against Automerge's, byte
/// for byte ([`subscribe`]'s `shadow`).
struct Thin {
    heads: Vec<automerge::ChangeHash>,
    /// The changes a message may build on: the heads when the subscriber
    /// went thin and every change since.
    known: std::collections::HashSet<automerge::ChangeHash>,
    /// Flags and version of the subscriber's last real answer.
    flags: Option<sync::MessageFlags>,
    version: sync::MessageVersion,
}

impl Thin {
    fn new(doc: &Automerge, last: &sync::Message) -> Self {
        let heads = doc.get_heads();
        Thin {
            known: heads.iter().copied().collect(),
            heads,
            flags: last.flags,
            version: last.version.clone(),
        }
    }

    /// Take a message; returns how many new changes it brought and the
    /// answer, if Automerge would send one.
    fn receive(&mut self, data: &[u8]) -> Result<(usize, Option<Vec<u8>>), String> {
        let message = sync::Message::decode(data).map_err(|e| e.to_string())?;
        let mut fresh = 0;
        for entry in message.changes.iter() {
            let chunks = nous_core::guard::chunks(entry).ok_or("not whole chunks")?;
            for chunk in chunks {
                // A change, or (when it would send more than a third of a
                // small document) the whole document, as Automerge does.
                let changes = match automerge::Change::from_bytes(chunk.to_vec()) {
                    Ok(change) => vec![change],
                    Err(_) => {
                        let doc = Automerge::load(chunk).map_err(|e| e.to_string())?;
                        doc.get_changes(&self.heads)
                    }
                };
                for change in changes {
                    let hash = change.hash();
                    if self.known.contains(&hash) {
                        continue;
                    }
                    if !change.deps().iter().all(|d| self.heads.contains(d)) {
                        return Err(format!("{hash} does not build on the heads"));
                    }
                    self.heads.retain(|h| !change.deps().contains(h));
                    self.heads.push(hash);
                    self.heads.sort();
                    self.known.insert(hash);
                    fresh += 1;
                }
            }
        }
        if message.heads != self.heads {
            return Err(format!(
                "the server's heads {:?} are not ours {:?}",
                message.heads, self.heads
            ));
        }
        if fresh == 0 {
            // Heads unchanged, equal to the server's, nothing to send.
            return Ok((0, None));
        }
        let reply = sync::Message {
            heads: self.heads.clone(),
            need: Vec::new(),
            have: vec![sync::Have {
                last_sync: self.heads.clone(),
                bloom: sync::BloomFilter::from_hashes(std::iter::empty::<automerge::ChangeHash>()),
            }],
            changes: sync::ChunkList::empty(),
            flags: self.flags,
            version: self.version.clone(),
        };
        Ok((fresh, Some(reply.encode())))
    }
}

/// The sync message a frame carries, still encoded.
fn sync_data(frame: &[u8]) -> Option<Vec<u8>> {
    let env = wire::decode(frame).ok()?;
    match env.kind {
        MessageType::Sync | MessageType::Request => env.data.map(<[u8]>::to_vec),
        _ => None,
    }
}

fn text_len(doc: &Automerge) -> Option<usize> {
    let (_, text) = doc.get(ROOT, "text").ok()??;
    Some(doc.length(&text))
}

/// A subscriber: a reader task (on the caller's runtime) that notes when
/// each frame arrives and passes it on, and a task on `work` that applies
/// it and answers, as the peer would. Returns, once stopped, when each edit
/// first reached it.
///
/// Apart, because on this machine the hundred subscribers share two cores:
/// in one task, each would read its frame only after the subscribers ahead
/// of it had applied theirs, and the latency would measure their work, not
/// the server's delivery. In the world each subscriber is its own device.
#[allow(clippy::too_many_arguments, reason = "a benchmark's plumbing")]
fn subscribe(
    (mut tx, mut rx, server): (Tx, Rx, String),
    who: Identity,
    doc_id: String,
    edits: usize,
    prior: usize,
    ready: Arc<AtomicUsize>,
    complete: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
    work: &tokio::runtime::Handle,
    shared: Arc<Shared>,
    shadow: bool,
) -> tokio::task::JoinHandle<Vec<Option<Instant>>> {
    let (arrived, mut frames) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        loop {
            let frame = tokio::select! {
                frame = rx.next() => frame,
                _ = stop.changed() => break,
            };
            // The moment it reached us: before anything is decoded.
            let now = Instant::now();
            match frame {
                Some(Ok(Message::Binary(bytes))) => {
                    if arrived.send((now, bytes.to_vec())).is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
    });
    work.spawn(async move {
        let mut doc = Arc::new(Automerge::new());
        let mut state = sync::State::new();
        let request = doc
            .generate_sync_message(&mut state)
            .expect("a first message");
        let frame = envelope(
            "request",
            &who.peer,
            &server,
            &doc_id,
            Some(&request.clone().encode()),
        );
        tx.send(Message::Binary(frame.into())).await.expect("send");
        let mut seen = vec![None; edits];
        let mut count = 0;
        let mut has_doc = false;
        let mut last_sent = request;
        let mut thin: Option<Thin> = None;
        let mut checks = Vec::new();
        while let Some((now, bytes)) = frames.recv().await {
            let Some(data) = sync_data(&bytes) else {
                continue;
            };
            let before = count;
            let replies = if let Some(thin) = thin.as_mut() {
                let (fresh, reply) = thin
                    .receive(&data)
                    .unwrap_or_else(|e| panic!("{}: {e}", who.peer));
                if shadow {
                    // Checked once typing is over, so the check's work does
                    // not take the cores the server under test runs on.
                    checks.push((data, reply.clone(), thin.heads.clone()));
                }
                count = (count + fresh).min(edits);
                reply.into_iter().collect()
            } else {
                let replies = shared.receive(&mut doc, &mut state, &data);
                if let Some(last) = replies.last() {
                    last_sent = sync::Message::decode(last).expect("our own message");
                }
                if let Some(len) = text_len(&doc) {
                    if !has_doc {
                        has_doc = true;
                        ready.fetch_add(1, Ordering::Relaxed);
                    }
                    count = count.max(len.saturating_sub(prior).min(edits));
                    let heads = doc.get_heads();
                    if doc.get_missing_deps(&[]).is_empty()
                        && state.their_heads.as_ref() == Some(&heads)
                        && state.last_sent_heads == heads
                    {
                        thin = Some(Thin::new(&doc, &last_sent));
                        if !shadow {
                            doc = Arc::new(Automerge::new());
                        }
                    }
                }
                replies
            };
            if count > before {
                for at in &mut seen[before..count] {
                    *at = Some(now);
                }
                if count == edits {
                    complete.fetch_add(1, Ordering::Relaxed);
                }
            }
            for reply in replies {
                let frame = envelope("sync", &who.peer, &server, &doc_id, Some(&reply));
                if tx.send(Message::Binary(frame.into())).await.is_err() {
                    return seen;
                }
            }
        }
        // The shadow: the same messages through Automerge, in the same
        // order, give the same answers (a function of the document, the
        // sync state and the message).
        for (data, reply, heads) in checks {
            let own = Arc::make_mut(&mut doc);
            let message = sync::Message::decode(&data).expect("a valid sync message");
            own.receive_sync_message(&mut state, message)
                .expect("a valid sync message");
            let mut real = Vec::new();
            while let Some(reply) = own.generate_sync_message(&mut state) {
                real.push(reply.encode());
            }
            assert_eq!(heads, own.get_heads(), "thin heads differ");
            assert_eq!(
                reply.into_iter().collect::<Vec<_>>(),
                real,
                "a thin answer differs from Automerge's"
            );
        }
        seen
    })
}

/// Take one frame the typist received and answer it.
async fn typist_answers(
    tx: &mut Tx,
    doc: &mut Automerge,
    state: &mut sync::State,
    who: (&str, &str, &str),
    frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
) {
    let (peer, server, doc_id) = who;
    let Some(Ok(Message::Binary(bytes))) = frame else {
        return;
    };
    if let Some(message) = sync_message(&bytes) {
        doc.receive_sync_message(state, message).expect("valid");
        while let Some(reply) = doc.generate_sync_message(state) {
            let frame = envelope("sync", peer, server, doc_id, Some(&reply.encode()));
            tx.send(Message::Binary(frame.into())).await.expect("send");
        }
    }
}

/// Connect everyone; the typist pushes its document and every subscriber
/// gets it.
pub fn prepare(options: Options) -> Ready {
    // One thread reads every socket (and types); another applies and
    // answers for the subscribers.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let work = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (stop, stopped) = watch::channel(false);
    let complete = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(AtomicUsize::new(0));
    let (typist, subscribers, idle) = runtime.block_on(async {
        let typist_id = &options.identities[0];
        let (mut tx, mut rx, server) = connect(&options.url, typist_id).await;
        let (mut doc, text) = super::typist_doc(options.prior);
        let mut state = sync::State::new();
        let who = (
            typist_id.peer.as_str(),
            server.as_str(),
            options.doc.as_str(),
        );
        let first = doc.generate_sync_message(&mut state).expect("first");
        let frame = envelope("sync", who.0, who.1, who.2, Some(&first.encode()));
        tx.send(Message::Binary(frame.into())).await.expect("send");
        // Until the server holds the document.
        let deadline = Instant::now() + Duration::from_secs(30);
        while state.their_heads.as_ref() != Some(&doc.get_heads()) {
            assert!(
                Instant::now() < deadline,
                "the server never took the document"
            );
            let frame = tokio::time::timeout(Duration::from_secs(30), rx.next())
                .await
                .expect("the server answers");
            typist_answers(&mut tx, &mut doc, &mut state, who, frame).await;
        }

        let mut subscribers = Vec::new();
        let shared = Arc::new(Shared::default());
        let subs = &options.identities[1..=options.subscribers];
        for batch in subs.chunks(50) {
            let connected =
                futures::future::join_all(batch.iter().map(|who| connect(&options.url, who))).await;
            for (conn, who) in connected.into_iter().zip(batch) {
                subscribers.push(subscribe(
                    conn,
                    who.clone(),
                    options.doc.clone(),
                    options.edits,
                    options.prior,
                    ready.clone(),
                    complete.clone(),
                    stopped.clone(),
                    work.handle(),
                    shared.clone(),
                    subscribers.is_empty(),
                ));
            }
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while ready.load(Ordering::Relaxed) < options.subscribers {
            assert!(
                Instant::now() < deadline,
                "subscribers never got the document"
            );
            // Keep answering the server meanwhile.
            if let Ok(frame) = tokio::time::timeout(Duration::from_millis(5), rx.next()).await {
                typist_answers(&mut tx, &mut doc, &mut state, who, frame).await;
            }
        }

        let mut idle = Vec::new();
        let idles = &options.identities[1 + options.subscribers..][..options.idle];
        for batch in idles.chunks(50) {
            let connected =
                futures::future::join_all(batch.iter().map(|who| connect(&options.url, who))).await;
            for (_tx, mut rx, _) in connected {
                let mut stopped = stopped.clone();
                idle.push(tokio::spawn(async move {
                    // Reading answers the server's pings, if it sends any.
                    loop {
                        tokio::select! {
                            frame = rx.next() => if frame.is_none() { break },
                            _ = stopped.changed() => break,
                        }
                    }
                    drop(_tx);
                }));
            }
        }
        ((tx, rx, doc, state, server, text), subscribers, idle)
    });
    Ready {
        runtime,
        _work: work,
        options,
        typist,
        subscribers,
        idle,
        complete,
        stop,
        client: Vec::new(),
    }
}

impl Ready {
    /// Type every edit on schedule, then wait (at most `settle`) until
    /// every subscriber saw every edit. Returns the send times.
    pub fn type_all(&mut self, settle: Duration) -> Vec<Instant> {
        let options = self.options.clone();
        let complete = self.complete.clone();
        let (tx, rx, doc, state, server, text) = &mut self.typist;
        let client = &mut self.client;
        self.runtime.block_on(async {
            let who = (
                options.identities[0].peer.as_str(),
                server.as_str(),
                options.doc.as_str(),
            );
            // Poisson arrivals from the seed: the same schedule for every
            // server.
            let mut rng = Rng::new(options.seed);
            let mut due = Vec::with_capacity(options.edits);
            let mut at = 0.0f64;
            for i in 0..options.edits {
                if i > 0 {
                    let uniform = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                    at += -(1.0 - uniform).ln() / options.rate;
                }
                due.push(Duration::from_secs_f64(at));
            }
            let t0 = tokio::time::Instant::now();
            let mut sent = Vec::with_capacity(options.edits);
            for (i, offset) in due.iter().enumerate() {
                // Read what the server sent while waiting for the next
                // keystroke, and answer it when the keystroke is due: on a
                // long document each answer costs Automerge a walk of the
                // history (5 ms of CPU per edit at 50,000 changes), which
                // would otherwise take a core while the server fans the
                // previous edit out. A device elsewhere costs this machine
                // nothing; the server waits for none of these answers.
                let mut waiting = Vec::new();
                loop {
                    tokio::select! {
                        () = tokio::time::sleep_until(t0 + *offset) => break,
                        frame = rx.next() => waiting.push(frame),
                    }
                }
                for frame in waiting {
                    typist_answers(tx, doc, state, who, frame).await;
                }
                let typed = Instant::now();
                doc.transact(|t| {
                    let c = char::from(b'a' + (i % 26) as u8).to_string();
                    t.splice_text(&*text, options.prior + i, 0, &c)?;
                    t.put(ROOT, "seq", i as i64)
                })
                .expect("edit");
                let mut first = true;
                while let Some(message) = doc.generate_sync_message(state) {
                    let frame = envelope("sync", who.0, who.1, who.2, Some(&message.encode()));
                    if std::mem::take(&mut first) {
                        // The edit leaves the typist now: what came before
                        // is the client's own work (Automerge making the
                        // change and its message, longer on a long
                        // document), not the server's share.
                        sent.push(Instant::now());
                        client.push(typed.elapsed());
                    }
                    tx.send(Message::Binary(frame.into())).await.expect("send");
                }
                if first {
                    sent.push(Instant::now());
                    client.push(typed.elapsed());
                }
            }
            let deadline = tokio::time::Instant::now() + settle;
            while complete.load(Ordering::Relaxed) < options.subscribers
                && tokio::time::Instant::now() < deadline
            {
                if let Ok(frame) = tokio::time::timeout(Duration::from_millis(2), rx.next()).await {
                    typist_answers(tx, doc, state, who, frame).await;
                }
            }
            sent
        })
    }

    /// Stop every client and compute the latencies against `sent`.
    pub fn finish(self, sent: &[Instant]) -> Value {
        let _ = self.stop.send(true);
        let seen: Vec<Vec<Option<Instant>>> = self.runtime.block_on(async {
            for idle in self.idle {
                let _ = idle.await;
            }
            let mut all = Vec::new();
            for sub in self.subscribers {
                all.push(sub.await.expect("a subscriber failed"));
            }
            all
        });
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut typist: Vec<f64> = self.client.iter().map(|d| ms(*d)).collect();
        let mut all = Vec::new();
        let mut first = Vec::new();
        let mut last = Vec::new();
        let mut lost = 0;
        // Edits that reached some reader more than 5 ms after they left
        // (issue 14's line), and the pause before each: a tail that follows
        // long pauses is the machine waking from idle, not the load.
        let mut slow = 0;
        let mut gaps = Vec::new();
        let mut gaps_before_slow = Vec::new();
        for (i, at) in sent.iter().enumerate() {
            let gap = i
                .checked_sub(1)
                .map(|before| ms(at.saturating_duration_since(sent[before])));
            gaps.extend(gap);
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            for sub in &seen {
                match sub.get(i).copied().flatten() {
                    Some(t) => {
                        let l = ms(t.saturating_duration_since(*at));
                        all.push(l);
                        lo = lo.min(l);
                        hi = hi.max(l);
                    }
                    None => lost += 1,
                }
            }
            if lo.is_finite() {
                first.push(lo);
                last.push(hi);
            }
            if hi > 5.0 {
                slow += 1;
                gaps_before_slow.extend(gap);
            }
        }
        let pct = |v: &mut Vec<f64>, p: f64| -> f64 {
            if v.is_empty() {
                return f64::NAN;
            }
            v.sort_by(f64::total_cmp);
            let idx = ((p / 100.0) * v.len() as f64).ceil() as usize;
            (v[idx.clamp(1, v.len()) - 1] * 100.0).round() / 100.0
        };
        json!({
            "driver": "light",
            "k": self.options.subscribers,
            "idle": self.options.idle,
            "edits": self.options.edits,
            "p50_ms": pct(&mut all, 50.0),
            "p99_ms": pct(&mut all, 99.0),
            "typist_p50_ms": pct(&mut typist, 50.0),
            "typist_p99_ms": pct(&mut typist, 99.0),
            "max_ms": pct(&mut all, 100.0),
            "first_p50_ms": pct(&mut first, 50.0),
            "first_p99_ms": pct(&mut first, 99.0),
            "last_p50_ms": pct(&mut last, 50.0),
            "last_p99_ms": pct(&mut last, 99.0),
            "lost": lost,
            "samples": all.len(),
            "edits_over_5ms": slow,
            "gap_p50_ms": pct(&mut gaps, 50.0),
            "gap_before_over_5ms_p50_ms": pct(&mut gaps_before_slow, 50.0),
        })
    }
}
