//! `nous-api`: the one facade every front end calls.
//!
//! The command line, the bindings (Python, Node, C) and later a web app
//! open a [`Home`] — a device key and a store in a directory — under an
//! [`Env`] (the clock and the randomness it runs on), and act through it.
//! `nous-core` below it is sans-IO apart from its [`Storage`] trait: the
//! home's files (the key file, the store file, the directory and its lock)
//! are handled here.
//!
//! Errors are one type, [`Error`], whose [`ErrorKind`] a binding maps to its
//! own exceptions.
//!
//! [`Storage`]: nous_core::store::Storage

pub mod bundles;
pub mod conflicts;
pub mod deliberation;
pub mod documents;
mod env;
mod error;
pub mod events;
pub mod governance;
mod home;
pub mod invitations;
pub mod keyfile;
mod names;
mod open_data;
pub mod participate;
pub mod participation;
pub mod relays;
pub mod sync;
mod synthesis;
pub mod verify;

pub use documents::Documents;
pub use env::Env;
pub use error::{
    Error, ErrorKind, Invalid, JoinError, Result, engine_localized, resolve_localized,
};
pub use events::Event;
pub use home::{Home, KEY_FILE, STORE_FILE, default_home};
pub use participate::{ContributionDraft, ParticipateError, ParticipationView};
pub use synthesis::{SynthesisError, SynthesisReport};
pub use verify::{Verified, verify};

/// The engine underneath, for what the facade does not offer yet.
pub use nous_core;
