//! `nous-net`: the network edge that a relay and its peers share.
//!
//! - [`wire`]: the automerge-repo wire codec (the CBOR envelope of every
//!   frame, read and written).
//! - [`guard`]: the frame guard, which every frame from a peer crosses
//!   before anything decodes its Automerge bytes; [`access`]: who may read
//!   and write what, from the communities' signed records.
//! - [`hub`]: the per-document sync tasks that answer many peers, over a
//!   [`chunks::ChunkStore`] and for a [`peer::Peer`] identity (a relay
//!   token today, an iroh endpoint key tomorrow); [`metrics`]: what they
//!   count.
//! - [`client`]: the dialling side (the relay's per-document machine, in
//!   memory, with the relay as its one peer) and
//!   [`discover`]: finding a relay (its URLs, its key, its `/status`).
//!
//! The relay (`nous-sync-server`) puts an HTTP server, tokens and its redb
//! store around them; `nous sync` and the facade's sync use the client.

pub mod access;
pub mod chunks;
pub mod client;
pub mod discover;
#[cfg(test)]
mod fuzz;
pub mod guard;
#[cfg(any(test, feature = "test-support"))]
pub mod harness;
pub mod hub;
pub mod metrics;
pub mod peer;
pub mod session;
pub mod wire;

pub use chunks::{ChunkStore, MemoryChunks};
pub use peer::Peer;

/// Milliseconds since the Unix epoch, from the system clock (the edge's
/// only clock: token expiry and suspensions that end).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
