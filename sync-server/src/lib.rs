//! The Nous relay: an automerge-repo sync server that knows who belongs.
//!
//! See `ARCHITECTURE.md` (section "Relay") for the map. In one breath: an
//! axum WebSocket endpoint ([`server`]) authenticates each client with a
//! relay token ([`auth`]), runs every frame through the [`guard`], and hands
//! it to samod ([`repo`], the only module that names samod), whose share
//! policy asks the [`access`] registry built from the communities' signed
//! records.

pub mod access;
pub mod auth;
pub mod cli;
pub mod config;
pub mod discover;
pub mod guard;
pub mod metrics;
pub mod repo;
pub mod server;
pub mod wire;

pub use config::Config;
pub use server::{Relay, RelayError};
