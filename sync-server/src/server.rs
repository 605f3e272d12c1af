//! The HTTP side: the automerge-repo WebSocket endpoint at `/`, `/health`,
//! `/metrics`, `/id`; start-up and graceful shutdown.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use futures::{SinkExt as _, StreamExt as _};
use nous_api::{Env, Home};
use nous_core::Engine;
use nous_core::PublicKey;
use tokio::sync::watch;

use crate::access::{Kept, Registry};
use crate::auth::Authenticator;
use crate::config::Config;
use crate::guard::Guard;
use crate::hub::SyncEngine;
use crate::metrics::Metrics;
use crate::store::{RedbChunks, StoreHealth};
use nous_net::ChunkStore;

/// Why the relay could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The relay's directory could not be set up.
    #[error("relay directory {0}")]
    Data(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {detail}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        detail: String,
    },
    /// Serving failed.
    #[error("relay: {0}")]
    Serve(String),
}

pub(crate) struct Shared {
    pub(crate) auth: Authenticator,
    pub(crate) guard: Arc<Guard>,
    pub(crate) sync: SyncEngine,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) health: StoreHealth,
    pub(crate) registry: Arc<Registry>,
    pub(crate) relay: PublicKey,
    pub(crate) max_frame_bytes: usize,
    pub(crate) chunks: Arc<dyn ChunkStore>,
    pub(crate) participate: crate::participate::Participate,
}

/// A running relay.
#[derive(Debug)]
pub struct Relay {
    addr: SocketAddr,
    id: PublicKey,
    metrics: Arc<Metrics>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), RelayError>>,
}

/// Open (creating if needed) the relay's directory: its key and its
/// records store.
fn open_data(dir: &Path) -> Result<Engine, RelayError> {
    let fail = |e: &dyn std::fmt::Display| RelayError::Data(format!("{}: {e}", dir.display()));
    let env = Env::system();
    if !dir.join(nous_api::KEY_FILE).exists() {
        Home::init(dir, &env).map_err(|e| fail(&e))?;
    }
    Ok(Home::try_open(dir, env)
        .map_err(|e| fail(&e))?
        .into_engine())
}

/// The relay's key as stored in its directory (for `nous token` run
/// beside the relay).
pub fn relay_id(dir: &Path) -> Option<PublicKey> {
    nous_api::keyfile::read(&dir.join(nous_api::KEY_FILE))
        .ok()
        .map(|k| k.public())
}

impl Relay {
    /// Start a relay as `config` says; it serves until [`Relay::shutdown`].
    pub async fn start(config: Config) -> Result<Relay, RelayError> {
        let engine = open_data(&config.data)?;
        let id = engine.device();
        let metrics = Arc::new(Metrics::default());
        let health = StoreHealth::default();
        let on_error = {
            let metrics = metrics.clone();
            Arc::new(move || {
                metrics.store_write_errors.fetch_add(1, Ordering::Relaxed);
            })
        };
        let chunks = RedbChunks::open(
            &config.data.join("sync.redb"),
            health.clone(),
            on_error,
            Duration::from_millis(config.durable_within_ms),
        )
        .map_err(|e| RelayError::Data(e.to_string()))?;
        let kept = Kept {
            bindings: chunks
                .bindings()
                .into_iter()
                .filter_map(|(actor, device)| {
                    let actor = automerge::ActorId::from(hex::decode(actor).ok()?);
                    Some((actor, PublicKey::from_bytes(device)))
                })
                .collect(),
            owners: chunks
                .owners()
                .into_iter()
                .filter_map(|(doc, community)| {
                    Some((doc.parse().ok()?, nous_core::record::RecordId(community)))
                })
                .collect(),
        };
        let registry = Registry::load(engine, kept, Box::new(chunks.clone()), metrics.clone())
            .map_err(|e| RelayError::Data(e.to_string()))?;
        let relay_peer = format!("nous-relay-{id}");
        let limits = config.guard_limits();
        let store: Arc<dyn ChunkStore> = Arc::new(chunks.clone());
        let held = store.clone();
        let guard = Arc::new(Guard::new(
            registry.clone(),
            store.clone(),
            metrics.clone(),
            limits,
            config.open_registration,
            relay_peer.clone(),
        ));
        let sync = SyncEngine::new(
            store,
            registry.clone(),
            guard.clone(),
            metrics.clone(),
            relay_peer,
        );
        let shared = Arc::new(Shared {
            auth: Authenticator::new(id, config.token_max_lifetime_secs.saturating_mul(1000)),
            guard: guard.clone(),
            sync: sync.clone(),
            metrics: metrics.clone(),
            health,
            registry,
            relay: id,
            max_frame_bytes: config.max_frame_bytes,
            chunks: held,
            participate: crate::participate::Participate::new(config.participation),
        });
        let participate_body = shared.participate.max_body();
        let app = Router::new()
            .route("/", get(websocket))
            .route("/health", get(health_check))
            .route("/metrics", get(metrics_text))
            .route("/id", get(relay_info))
            .route(
                "/register",
                axum::routing::post(register).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
            )
            .route(
                "/join",
                axum::routing::post(join).layer(DefaultBodyLimit::max(64 << 10)),
            )
            .route(
                "/join/apply",
                axum::routing::post(join_apply)
                    .layer(DefaultBodyLimit::max(nous_core::record::MAX_RECORD)),
            )
            .route(
                "/join/status",
                axum::routing::post(join_status).layer(DefaultBodyLimit::max(1 << 10)),
            )
            .route(
                "/participate",
                axum::routing::post(crate::participate::view).layer(DefaultBodyLimit::max(4 << 10)),
            )
            .route(
                "/participate/submit",
                axum::routing::post(crate::participate::submit)
                    .layer(DefaultBodyLimit::max(participate_body)),
            )
            .route(
                "/status",
                axum::routing::post(status).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
            )
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| RelayError::Listen {
                addr: config.listen,
                detail: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| RelayError::Listen {
            addr: config.listen,
            detail: e.to_string(),
        })?;
        let (stop, mut stopped) = watch::channel(false);
        let interval = Duration::from_secs(config.unload_interval_secs.max(1));
        let mut unload_stop = stop.subscribe();
        let unloader = sync.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(interval) => {
                        let unloaded = unloader.unload_if_idle().await;
                        if unloaded > 0 {
                            tracing::debug!(unloaded, "relay: no client connected; documents unloaded");
                        }
                    }
                    _ = unload_stop.changed() => break,
                }
            }
        });
        let task = tokio::spawn(async move {
            // Sync writes small frames back to back: without TCP_NODELAY each
            // waits for the peer's delayed ACK (up to 40 ms).
            let listener = listener.tap_io(|tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "relay: cannot set TCP_NODELAY");
                }
            });
            let serve = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            });
            let served = serve.await.map_err(|e| RelayError::Serve(e.to_string()));
            // Close every sync connection, then make every write durable.
            sync.stop().await;
            chunks.flush().await;
            served
        });
        tracing::info!(%addr, relay = %id, "relay listening");
        Ok(Relay {
            addr,
            id,
            metrics,
            stop,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The relay's key (tokens must name it).
    pub fn id(&self) -> PublicKey {
        self.id
    }

    /// Its counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Stop accepting, close every connection, flush the store.
    pub async fn shutdown(self) -> Result<(), RelayError> {
        let _ = self.stop.send(true);
        self.task
            .await
            .map_err(|e| RelayError::Serve(e.to_string()))?
    }
}

async fn health_check(State(shared): State<Arc<Shared>>) -> Response {
    if shared.health.is_ok() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store failed\n").into_response()
    }
}

async fn metrics_text(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        shared.metrics.render(),
    )
        .into_response()
}

async fn relay_info(State(shared): State<Arc<Shared>>) -> Response {
    let body = serde_json::json!({
        "relay": shared.relay.to_string(),
        "communities": shared.registry.community_count(),
        "protocol": "automerge-repo/1",
    });
    json(StatusCode::OK, &body)
}

/// `POST /register`: host a new community. The body is its ledger (a
/// saved Automerge document), the token (header or query) the founding
/// device's.
async fn register(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    match shared.guard.register(&who.device, body.to_vec()).await {
        Ok(registered) => {
            let status = if registered.new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let body = serde_json::json!({
                "community": registered.community.to_string(),
                "ledger": registered.ledger.to_string(),
                "new": registered.new,
            });
            json(status, &body)
        }
        Err(refused) => {
            shared.metrics.reject("register_refused");
            let status = match refused {
                crate::guard::RegisterError::Closed | crate::guard::RegisterError::NotFounder => {
                    StatusCode::FORBIDDEN
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, format!("{refused}\n")).into_response()
        }
    }
}

/// Largest body of `POST /register` (a ledger) and `POST /status`.
const MAX_BODY_BYTES: usize = 64 << 20;

/// Most documents one `POST /status` may ask about.
const MAX_STATUS_DOCS: usize = 100_000;

/// `POST /status`: `{"docs": [id, …], "digests": [d, …]}` (digests
/// optional, in the same order: `ids::heads_digest` of the caller's heads,
/// or "" when it has none). The answer: `{"docs": {id: {"access", "heads"}}}`
/// for each document the caller may read whose heads differ from its digest
/// (or are unknown), and `"same"`, a bitmap in hex over the request's order
/// (bit i of byte i/8, least significant first) of the documents the caller
/// may read and already has exactly as the relay does. Documents it may not
/// read are in neither, exactly like documents that do not exist. A client
/// uses it to sync only what changed while it was away.
async fn status(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    #[derive(serde::Deserialize)]
    struct Ask {
        docs: Vec<String>,
        #[serde(default)]
        digests: Vec<String>,
    }
    let ask: Ask = match serde_json::from_slice(&body) {
        Ok(ask) => ask,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("bad request: {e}\n")).into_response(),
    };
    if ask.docs.len() > MAX_STATUS_DOCS {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_STATUS_DOCS} documents\n"),
        )
            .into_response();
    }
    let mut docs = Vec::with_capacity(ask.docs.len());
    for text in &ask.docs {
        match text.parse::<nous_core::ids::DocId>() {
            Ok(doc) => docs.push(doc),
            Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
        }
    }
    let guard = shared.guard.clone();
    let device = who.device;
    let asked = docs.clone();
    let answer = tokio::task::spawn_blocking(move || guard.status(&device, &asked)).await;
    let Ok(answer) = answer else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "status failed\n").into_response();
    };
    let position: HashMap<nous_core::ids::DocId, usize> =
        docs.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut same = vec![0u8; docs.len().div_ceil(8)];
    let mut out = serde_json::Map::new();
    for entry in answer {
        let index = position.get(&entry.doc).copied();
        let theirs = index.and_then(|i| ask.digests.get(i)).map(String::as_str);
        let ours = entry.heads.as_deref().map(nous_core::ids::heads_digest);
        if let (Some(i), Some(theirs), Some(ours)) = (index, theirs, ours.as_deref())
            && theirs == ours
        {
            same[i / 8] |= 1 << (i % 8);
            continue;
        }
        out.insert(
            entry.doc.to_string(),
            serde_json::json!({
                "access": match entry.access {
                    crate::access::Access::Write => "write",
                    _ => "read",
                },
                "heads": entry.heads.map(|heads| heads.iter().map(|h| h.to_string()).collect::<Vec<_>>()),
            }),
        );
    }
    // Applications invited applicants left here, for the ledgers this
    // device writes: it writes them into its replica, and the ledger
    // carries them to every member.
    let mut pending = Vec::new();
    for doc in &docs {
        if let nous_net::access::DocKind::Ledger(community) = shared.registry.kind(doc) {
            pending.extend(
                shared
                    .registry
                    .pending_for(&community, &device)
                    .iter()
                    .map(|r| hex::encode(r.bytes())),
            );
        }
    }
    let body = serde_json::json!({ "docs": out, "same": hex::encode(same), "pending": pending });
    json(StatusCode::OK, &body)
}

/// `POST /join`: an invited applicant's device (its token) shows its
/// invitation — `{"community", "invitation", "proof"}` (hex) — and gets
/// what an applicant may read: the community's name, colleges and rules,
/// the charter and the version in force, and the signed genesis and
/// invitation records to check them against. Nothing else of the
/// community is disclosed; a refusal says only why.
async fn join(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ask {
        community: String,
        invitation: String,
        proof: String,
    }
    let ask: Ask = match serde_json::from_slice(&body) {
        Ok(ask) => ask,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("bad request: {e}\n")).into_response(),
    };
    let (Ok(community), Ok(invitation)) = (
        ask.community.parse::<nous_core::record::CommunityId>(),
        ask.invitation.parse::<nous_core::record::RecordId>(),
    ) else {
        return (StatusCode::BAD_REQUEST, "bad community or invitation id\n").into_response();
    };
    let welcome = match shared.registry.welcome(
        &community,
        &invitation,
        &who.device,
        &ask.proof,
        crate::now_ms(),
    ) {
        Ok(welcome) => welcome,
        Err(refused) => return join_refused(&refused),
    };
    let Some((_, invitation_record)) = welcome.invitations.get(&invitation) else {
        return join_refused(&nous_net::access::JoinRefused::Unknown);
    };
    let chunks = shared.chunks.clone();
    let charter = welcome.charter;
    let document = tokio::task::spawn_blocking(move || {
        let stored: Vec<u8> = chunks
            .scan(&format!("{charter}/"))
            .into_iter()
            .flat_map(|(_, value)| value)
            .collect();
        let mut doc = automerge::Automerge::new();
        nous_core::guard::apply_in_place(
            &mut doc,
            &stored,
            &nous_core::guard::Limits::local_store(),
        )
        .ok()
        .map(|_| doc.save())
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let mut records = Vec::new();
    if let Some(genesis) = &welcome.genesis {
        records.push(hex::encode(genesis.bytes()));
    }
    records.push(hex::encode(invitation_record.bytes()));
    tracing::info!(community = %community.short(), "relay: an invited applicant came in");
    let body = serde_json::json!({
        "community": community.to_string(),
        "name": welcome.name,
        "colleges": welcome.colleges,
        "rules": welcome.rules,
        "charter": welcome.charter.to_string(),
        "version": {
            "number": welcome.in_force.number,
            "hash": welcome.in_force.hash,
            "heads": welcome.in_force.heads,
        },
        "records": records,
        "document": hex::encode(document),
    });
    json(StatusCode::OK, &body)
}

/// `POST /join/apply`: an invited applicant's device sends its signed
/// `member.apply` record (the body, as bytes). The relay keeps it when its
/// invitation holds for that device and governance accepts it; members'
/// devices then receive it with `/status` and write it into the ledger.
async fn join_apply(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    let record = match nous_core::record::Record::decode(&body) {
        Ok(record) => record,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let registry = shared.registry.clone();
    let device = who.device;
    let taken = tokio::task::spawn_blocking(move || {
        registry.take_application(record, &device, crate::now_ms())
    })
    .await;
    match taken {
        Ok(Ok(kept)) => {
            tracing::info!("relay: an invited applicant applied");
            json(
                StatusCode::CREATED,
                &serde_json::json!({
                    "application": kept.id().to_string(),
                    "record": hex::encode(kept.bytes()),
                }),
            )
        }
        Ok(Err(refused)) => join_refused(&refused),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "apply failed\n").into_response(),
    }
}

/// `POST /join/status`, body `{"community"}`: what became of the token's
/// device's invited application — `{"state": "pending" | "admitted" |
/// "joined" | "declined", "reason"?}` — or 404 if it made none. An
/// applicant reads nothing else of the community until admitted; this is
/// how it learns a decline.
async fn join_status(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ask {
        community: String,
    }
    let Some(community) = serde_json::from_slice::<Ask>(&body)
        .ok()
        .and_then(|ask| ask.community.parse::<nous_core::record::CommunityId>().ok())
    else {
        return (StatusCode::BAD_REQUEST, "bad request\n").into_response();
    };
    match shared.registry.application_of(&community, &who.device) {
        Some(state) => json(
            StatusCode::OK,
            &serde_json::to_value(&state).unwrap_or_default(),
        ),
        None => join_refused(&nous_net::access::JoinRefused::Unknown),
    }
}

fn join_refused(refused: &nous_net::access::JoinRefused) -> Response {
    use nous_net::access::JoinRefused as R;
    let (status, code) = match refused {
        R::Unknown => (StatusCode::NOT_FOUND, "unknown"),
        R::Closed => (StatusCode::FORBIDDEN, "closed"),
        R::Proof => (StatusCode::FORBIDDEN, "proof"),
        R::Application(_) => (StatusCode::UNPROCESSABLE_ENTITY, "application"),
        R::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "store"),
    };
    json(
        status,
        &serde_json::json!({ "refused": code, "reason": refused.to_string() }),
    )
}

/// The device a request's token names (query `token` or
/// `Authorization: Bearer`), checked before the handler runs: a refused
/// token is answered 401 with its one-line reason, and counted.
pub(crate) struct Caller(pub(crate) crate::auth::Authenticated);

impl axum::extract::FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Response> {
        let Query(query) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .unwrap_or_else(|_| Query(HashMap::new()));
        authenticate(shared, &query, &parts.headers).map(Caller)
    }
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Check the request's token (query `token` or `Authorization: Bearer`).
#[allow(clippy::result_large_err)]
fn authenticate(
    shared: &Shared,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<crate::auth::Authenticated, Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = query.get("token").map(String::as_str).or(bearer);
    shared
        .auth
        .check(token, crate::now_ms())
        .map_err(|refused| {
            shared.metrics.reject(refused.reason());
            tracing::info!(reason = refused.reason(), "relay: request refused");
            (StatusCode::UNAUTHORIZED, format!("{refused}\n")).into_response()
        })
}

async fn websocket(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !shared.health.is_ok() {
        return (StatusCode::SERVICE_UNAVAILABLE, "store failed\n").into_response();
    }
    let limit = shared.max_frame_bytes.saturating_mul(2);
    upgrade
        .max_message_size(limit)
        .max_frame_size(limit)
        // tungstenite's default read buffer is 128 KiB per socket, filled on
        // first use: 1,000 idle clients would hold 128 MiB of it.
        .read_buffer_size(8 << 10)
        .on_upgrade(move |socket| serve_socket(shared, who, socket))
}

async fn serve_socket(shared: Arc<Shared>, who: crate::auth::Authenticated, socket: WebSocket) {
    let metrics = shared.metrics.clone();
    metrics.connections.fetch_add(1, Ordering::Relaxed);
    metrics.connections_total.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(peer = %who.peer_id, "relay: client connected");
    let (sink, stream) = socket.split();
    let inbound = stream
        .take_while(|message| futures::future::ready(message.is_ok()))
        .filter_map(|message| {
            futures::future::ready(match message {
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        })
        .boxed();
    let out_metrics = metrics.clone();
    let outbound = sink.with(move |frame: Vec<u8>| {
        out_metrics.messages_out.fetch_add(1, Ordering::Relaxed);
        out_metrics
            .bytes_out
            .fetch_add(frame.len() as u64, Ordering::Relaxed);
        futures::future::ready(Ok::<_, axum::Error>(Message::Binary(frame.into())))
    });
    let outbound = Box::pin(outbound);
    let ended = shared
        .sync
        .serve(who.clone(), inbound, outbound, metrics.clone())
        .await;
    metrics.connections.fetch_sub(1, Ordering::Relaxed);
    tracing::debug!(peer = %who.peer_id, %ended, "relay: client disconnected");
}
