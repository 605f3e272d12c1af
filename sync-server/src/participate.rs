//! Citizens in a participation: `POST /participate` (what anyone with a
//! device key may read of it) and `POST /participate/submit` (one signed
//! record: a contribution, an amendment, a withdrawal, a support or a
//! report in that participation, and nothing else). A citizen's device
//! reads and writes no document or ledger: it has no WebSocket access to
//! anything its community does not make public.
//!
//! Abuse is bounded: a token bucket per device and one per client address
//! (`[participation]` in the settings), a size cap on records, and every
//! refusal counted in `/metrics` by its code (`participate_…`).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use automerge::ReadDoc as _;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use nous_core::PublicKey;
use nous_core::governance::participation::ContributionState;
use nous_core::record::{CommunityId, Record, RecordId};
use nous_net::ChunkStore;
use nous_net::access::ParticipateRefused;

use crate::config::ParticipationLimits;
use crate::server::{Caller, Shared, json};

/// Most buckets kept before full ones are forgotten.
const MAX_BUCKETS: usize = 100_000;

/// Token buckets by key: `per_minute` tokens, refilled continuously.
#[derive(Debug)]
pub(crate) struct Buckets<K> {
    per_minute: u32,
    held: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Eq + Hash + Clone> Buckets<K> {
    pub(crate) fn new(per_minute: u32) -> Self {
        Buckets {
            per_minute: per_minute.max(1),
            held: Mutex::default(),
        }
    }

    /// Take a token for `key` at `now`: false when none is left.
    pub(crate) fn take(&self, key: &K, now: Instant) -> bool {
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.len() >= MAX_BUCKETS {
            // Full buckets say nothing a new one would not.
            held.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < capacity
            });
        }
        let (tokens, at) = held.entry(key.clone()).or_insert((capacity, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * rate).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The participation side of the relay's state.
#[derive(Debug)]
pub(crate) struct Participate {
    limits: ParticipationLimits,
    devices: Buckets<PublicKey>,
    addresses: Buckets<IpAddr>,
}

impl Participate {
    pub(crate) fn new(limits: ParticipationLimits) -> Self {
        Participate {
            limits,
            devices: Buckets::new(limits.device_per_minute),
            addresses: Buckets::new(limits.address_per_minute),
        }
    }

    /// The largest body `/participate/submit` takes (a record in hex and a
    /// few ids).
    pub(crate) fn max_body(&self) -> usize {
        self.limits.max_record_bytes.saturating_mul(2) + (4 << 10)
    }
}

#[derive(serde::Deserialize)]
struct Ask {
    community: String,
    participation: String,
    #[serde(default)]
    record: Option<String>,
}

fn ids(ask: &Ask) -> Option<(CommunityId, RecordId)> {
    Some((ask.community.parse().ok()?, ask.participation.parse().ok()?))
}

fn refused(status: StatusCode, code: &str, reason: &str) -> Response {
    json(
        status,
        &serde_json::json!({ "refused": code, "reason": reason }),
    )
}

fn participate_refused(refusal: &ParticipateRefused) -> Response {
    let status = match refusal {
        ParticipateRefused::Unknown => StatusCode::NOT_FOUND,
        ParticipateRefused::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ParticipateRefused::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ParticipateRefused::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ParticipateRefused::Record(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::FORBIDDEN,
    };
    let mut body = serde_json::json!({
        "refused": refusal.code(),
        "reason": refusal.to_string(),
    });
    if let ParticipateRefused::Refused { code, args, .. } = refusal {
        body["code"] = serde_json::Value::String(code.clone());
        if !args.is_null() {
            body["args"] = args.clone();
        }
    }
    json(status, &body)
}

/// A document as Markdown at `heads`, from the relay's chunks ("" when it
/// holds none of it or it does not read).
fn markdown(chunks: &dyn ChunkStore, version: &nous_core::record::Version) -> String {
    let stored: Vec<u8> = chunks
        .scan(&format!("{}/", version.doc))
        .into_iter()
        .flat_map(|(_, value)| value)
        .collect();
    let mut doc = automerge::Automerge::new();
    if nous_core::guard::apply_in_place(&mut doc, &stored, &nous_core::guard::Limits::local_store())
        .is_err()
    {
        return String::new();
    }
    // Only if the relay holds every change of that version.
    if version
        .heads
        .0
        .iter()
        .any(|h| doc.get_change_by_hash(h).is_none())
    {
        return String::new();
    }
    nous_core::charter::read(&doc, Some(&version.heads.0))
        .map(|charter| {
            nous_core::markdown::render(
                &charter,
                nous_core::markdown::RenderOptions { annotations: false },
            )
        })
        .unwrap_or_default()
}

/// What anyone may read of a contribution: hidden, only that it exists.
fn contribution(c: &ContributionState, threshold: u32) -> serde_json::Value {
    if c.hidden(threshold) {
        return serde_json::json!({ "id": c.id.to_string(), "hidden": true });
    }
    let (title, body) = c
        .wordings
        .last()
        .map_or((&c.title, &c.body), |w| (&w.title, &w.body));
    serde_json::json!({
        "id": c.id.to_string(),
        "hidden": false,
        "pseudonym": c.pseudonym,
        "device": c.device.to_string(),
        "title": title,
        "body": body,
        "category": c.category,
        "author_type": c.author_type,
        "anchor": c.anchor,
        "location": c.location,
        "channel": c.channel,
        "submitted_at": c.submitted_at,
        "withdrawn": c.withdrawn.is_some(),
        "supporters": c.supporters(),
        "status": c.status(threshold),
        "answer": c.answer().map(|a| serde_json::json!({
            "state": a.state,
            "argument": a.argument,
        })),
    })
}

/// `POST /participate`, body `{"community", "participation"}`, any
/// device's token (a member's, until a phase opens it to others): the
/// public view of that participation — its title, the
/// phase in force and its window, the categories, who may contribute, the
/// text under consultation and the contract as Markdown with their heads,
/// the contributions (a hidden one: its id and `hidden: true`) with their
/// answers, and the record heads (and their latest date) a new record
/// builds on.
pub(crate) async fn view(
    State(shared): State<Arc<Shared>>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    let Some((community, participation)) = serde_json::from_slice::<Ask>(&body)
        .ok()
        .as_ref()
        .and_then(ids)
    else {
        return refused(StatusCode::BAD_REQUEST, "request", "bad request");
    };
    let view = match shared
        .registry
        .participation(&community, &participation, &who.device)
    {
        Ok(view) => view,
        Err(refusal) => {
            shared.metrics.reject(refusal.metric());
            return participate_refused(&refusal);
        }
    };
    let p = view.participation;
    let chunks = shared.chunks.clone();
    let (text, contract) = (p.text.clone(), p.contract.clone());
    let documents = tokio::task::spawn_blocking(move || {
        (markdown(&*chunks, &text), markdown(&*chunks, &contract))
    })
    .await
    .unwrap_or_default();
    let now = crate::now_ms();
    let phase = p.phase_at(now).map(|ph| {
        serde_json::json!({
            "record": ph.record.to_string(),
            "phase": ph.phase,
            "opens_at": ph.opens_at,
            "closes_at": ph.closes_at,
            "contributors": ph.contributors,
            "channels": ph.channels,
            "categories": ph.categories,
        })
    });
    let threshold = p.report_threshold;
    let body = serde_json::json!({
        "community": community.to_string(),
        "name": view.name,
        "participation": p.id.to_string(),
        "title": p.title,
        "phase": phase,
        "open": p.open_to_contributions(now),
        "closed": p.closed.is_some(),
        "answer_due": p.answer_due,
        "categories": p.categories,
        "report_threshold": threshold,
        "text": {
            "doc": p.text.doc.to_string(),
            "heads": p.text.heads.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "markdown": documents.0,
        },
        "contract": {
            "doc": p.contract.doc.to_string(),
            "heads": p.contract.heads.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "markdown": documents.1,
        },
        "commitments": p.commitments,
        "contributions": view
            .contributions
            .iter()
            .map(|c| contribution(c, threshold))
            .collect::<Vec<_>>(),
        "heads": view.heads.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "heads_time": view.heads_time,
    });
    json(StatusCode::OK, &body)
}

/// `POST /participate/submit`, body `{"community", "participation",
/// "record"}` (the record's bytes in hex), any device's token: one
/// citizen's record, taken when the device and its address are within
/// their rates, it is one of the kinds a citizen may write, bears on that
/// participation and governance accepts it; then kept with the
/// community's records and handed to members' devices (`/status`'s
/// `pending`). A refusal: `{"refused": code, "reason"}` (and the fold's
/// `code` when governance refused it).
pub(crate) async fn submit(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    Caller(who): Caller,
    body: axum::body::Bytes,
) -> Response {
    let now = Instant::now();
    if !shared.participate.devices.take(&who.device, now) {
        shared.metrics.reject("participate_rate_device");
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "rate",
            "too many records from this device; try again in a minute",
        );
    }
    if !shared.participate.addresses.take(&address.ip(), now) {
        shared.metrics.reject("participate_rate_address");
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "rate",
            "too many records from this address; try again in a minute",
        );
    }
    let Ok(ask) = serde_json::from_slice::<Ask>(&body) else {
        shared.metrics.reject("participate_request");
        return refused(StatusCode::BAD_REQUEST, "request", "bad request");
    };
    let (Some((community, participation)), Some(hex_record)) = (ids(&ask), ask.record.as_deref())
    else {
        shared.metrics.reject("participate_request");
        return refused(StatusCode::BAD_REQUEST, "request", "bad request");
    };
    let max = shared.participate.limits.max_record_bytes;
    if hex_record.len() / 2 > max {
        let refusal = ParticipateRefused::TooLarge(max);
        shared.metrics.reject(refusal.metric());
        return participate_refused(&refusal);
    }
    let record = match hex::decode(hex_record)
        .map_err(|e| e.to_string())
        .and_then(|bytes| Record::decode(&bytes).map_err(|e| e.to_string()))
    {
        Ok(record) => record,
        Err(e) => {
            let refusal = ParticipateRefused::Record(e);
            shared.metrics.reject(refusal.metric());
            return participate_refused(&refusal);
        }
    };
    let registry = shared.registry.clone();
    let device = who.device;
    let taken = tokio::task::spawn_blocking(move || {
        registry.take_citizen_record(&community, &participation, record, &device, max)
    })
    .await;
    match taken {
        Ok(Ok(kept)) => {
            tracing::info!(
                kind = kept.payload().kind().name(),
                "relay: a citizen's record taken"
            );
            json(
                StatusCode::CREATED,
                &serde_json::json!({ "record": kept.id().to_string() }),
            )
        }
        Ok(Err(refusal)) => participate_refused(&refusal),
        Err(_) => refused(StatusCode::INTERNAL_SERVER_ERROR, "store", "submit failed"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_gives_its_rate_then_refills() {
        let buckets = Buckets::new(3);
        let start = Instant::now();
        assert!((0..3).all(|_| buckets.take(&1u8, start)));
        assert!(!buckets.take(&1u8, start));
        // Another key has its own.
        assert!(buckets.take(&2u8, start));
        // One token every 20 s.
        assert!(!buckets.take(&1u8, start + Duration::from_secs(10)));
        assert!(buckets.take(&1u8, start + Duration::from_secs(31)));
        assert!(!buckets.take(&1u8, start + Duration::from_secs(31)));
    }
}
