//! The Nous relay: an automerge-repo sync server that knows who belongs.
//!
//! See `ARCHITECTURE.md` (the `sync-server/` section) for the map. In one breath: an
//! axum WebSocket endpoint ([`server`]) authenticates each client with a
//! relay token ([`auth`]) and hands its frames to the network edge it
//! shares with peers (`nous-net`: the frame guard, the per-document hub,
//! access from the communities' signed records), over its redb document
//! store ([`store`]).

pub mod auth;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
mod participate;
pub mod server;
pub mod store;

pub use config::Config;
/// The network edge lives in `nous-net`, shared with the clients and peers;
/// re-exported under the relay's old paths.
pub use nous_net::{access, client, discover, guard, hub, metrics, now_ms, wire};
pub use server::{Relay, RelayError};
