//! The Nous relay: an automerge-repo sync server that knows who belongs.
//!
//! See `ARCHITECTURE.md` (the `sync-server/` section) for the map. In one breath: an
//! axum WebSocket endpoint ([`server`]) authenticates each client with a
//! relay token ([`auth`]), runs every frame through the [`guard`], and hands
//! it to the task of its document ([`hub`]), which syncs it with the other
//! clients of that document as the [`access`] registry, built from the
//! communities' signed records, allows, and keeps it in the [`store`]. The
//! client side ([`repo`], the only module that names samod) is what
//! `nous sync` and the bindings dial a relay with.

pub mod access;
pub mod auth;
pub mod cli;
pub mod config;
#[cfg(test)]
mod fuzz;
pub mod guard;
pub mod hub;
pub mod metrics;
pub mod repo;
pub mod server;
pub mod store;

pub use config::Config;
/// The wire codec and relay discovery live in `nous-net`, shared with the
/// clients; re-exported under their old paths.
pub use nous_net::{discover, wire};
pub use server::{Relay, RelayError};

/// Milliseconds since the Unix epoch, from the system clock (the relay's
/// only clock: token expiry and suspensions that end).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
