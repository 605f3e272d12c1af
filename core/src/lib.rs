//! # nous-core
//!
//! The engine under Nous: communities write their charters together, as
//! Automerge documents that members edit concurrently, online or offline, and
//! that merge without loss.
//!
//! This crate knows documents (the charter schema, Markdown import and
//! export, history and per-section diffs), identity (the device key behind
//! every change's actor id), the guarded path through which every untrusted
//! byte reaches Automerge, governance (signed records, their resolution into
//! a community's state, offline verification, the history report), bundles
//! that carry documents and records between homes, and the store. It opens
//! no socket and spawns no task; time and randomness are passed in.
//!
//! ## Key types
//! - [`Engine`]: a home, open — the facade the CLI and bindings call.
//! - [`Charter`] and [`CharterTx`]: reading and editing the charter schema.
//! - [`guard::load`] and [`guard::apply`]: the only way untrusted bytes reach
//!   Automerge.
//! - [`store::Store`]: staged writes with group commit over a
//!   [`store::Storage`] ([`store::RedbStorage`] by default).
//! - [`Bundle`]: documents and signed records in one file.
//! - [`record::Record`]: a signed governance act, as exact bytes.
//! - [`governance::resolve`]: a community's records → its [`governance::State`].
//! - [`community`]: founding a community, acting in it, the amendment
//!   workflow, content attestation (methods on [`Engine`]).
//! - [`verify::verify`]: a bundle → a report anyone can reproduce.
//! - [`token::Token`]: a device's short-lived, signed proof of identity to a
//!   relay.
//!
//! ## Example
//! ```
//! use nous_core::{Engine, EngineOptions, DeviceKey, markdown, store::MemoryStorage};
//!
//! let mut counter = 0u8;
//! let options = EngineOptions::new(
//!     Box::new(|| 1_700_000_000_000),
//!     Box::new(move |buf: &mut [u8]| { counter += 1; buf.fill(counter) }),
//! );
//! let key = DeviceKey::from_seed(&[1; 32]);
//! let mut engine = Engine::with_storage(key, Box::new(MemoryStorage::default()), options);
//!
//! let draft = markdown::parse("# Charte\n\n## Adhésion\n\nToute personne peut adhérer.\n");
//! let created = engine.create_charter("Charte", &draft)?;
//! let doc = created.value;
//! let section = engine.charter(&doc, None)?.sections[0].id.clone();
//! let edit = engine.edit(&doc, "préciser", |c| c.set_body(&section, "Toute personne majeure peut adhérer."))?;
//! engine.wait(edit.ticket)?; // now the edit is durable
//!
//! assert_eq!(engine.charter(&doc, None)?.sections[0].text, "Toute personne majeure peut adhérer.");
//! assert_eq!(engine.history(&doc)?.0.len(), 2);
//! # Ok::<(), nous_core::Error>(())
//! ```
//!
//! ## Crate features
//! None yet.

pub mod bundle;
pub mod charter;
pub mod community;
pub mod conflicts;
mod contain;
pub mod diff;
pub mod engine;
pub mod governance;
pub mod guard;
pub mod history;
pub mod i18n;
pub mod identity;
pub mod ids;
pub mod invitation;
pub mod ledger;
pub mod markdown;
pub mod names;
pub mod open_data;
pub mod participation_link;
pub mod progress;
pub mod record;
pub mod report;
pub mod splice;
pub mod store;
pub mod synthesis;
pub mod time;
pub mod token;
pub mod verify;

pub use automerge::ChangeHash;
pub use bundle::{Bundle, BundleError};
pub use charter::{Charter, CharterDraft, CharterTx, Position, Section, SectionDraft, SectionId};
pub use engine::{Engine, EngineOptions, ImportOutcome, ImportReport, Imported, Kept, Staged};
pub use identity::{DeviceKey, PublicKey};
pub use ids::{DocId, HeadsRef};

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The device key could not be created or read.
    #[error(transparent)]
    Identity(#[from] identity::IdentityError),
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// An edit or read does not fit the charter schema.
    #[error(transparent)]
    Schema(#[from] charter::SchemaError),
    /// A history reference does not resolve.
    #[error(transparent)]
    Ref(#[from] ids::RefError),
    /// A bundle file is unusable.
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    /// No document matches the name given.
    #[error("no document matches `{0}`")]
    UnknownDocument(String),
    /// Several documents match the name given.
    #[error("`{name}` matches several documents ({}); give more of the id", candidates.join(", "))]
    AmbiguousDocument {
        /// What was typed.
        name: String,
        /// The documents it matches: id and title.
        candidates: Vec<String>,
    },
    /// The document is not a charter.
    #[error("document {0} is not a charter")]
    NotACharter(DocId),
    /// A stored document could not be loaded.
    #[error("document {doc} is damaged in the store: {detail}")]
    Damaged {
        /// The document.
        doc: DocId,
        /// What went wrong.
        detail: String,
    },
    /// A document in a bundle was refused by the guard; nothing was imported.
    #[error("document {doc} in the bundle was refused ({reason}); nothing was imported")]
    Refused {
        /// The document.
        doc: DocId,
        /// Why.
        reason: guard::GuardError,
    },
    /// A signed record is malformed or badly signed; nothing was written
    /// (for a bundle: nothing was imported).
    #[error("record {} was refused ({reason}); nothing was written", .id.short())]
    RecordRefused {
        /// The record (the SHA-256 of its bytes).
        id: record::RecordId,
        /// Why.
        reason: record::RecordError,
    },
    /// A stored record could not be read back.
    #[error("record {} of community {} is damaged in the store: {detail}", .id.short(), .community.short())]
    RecordDamaged {
        /// Its community.
        community: record::CommunityId,
        /// The record.
        id: record::RecordId,
        /// What went wrong.
        detail: String,
    },
    /// A bundle could not be verified at all.
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
    /// Governance refused an act: nothing was stored.
    #[error("{kind} refused: {reason}")]
    ActRefused {
        /// The kind of record.
        kind: &'static str,
        /// Why (`Display`: English; [`governance::Reason::render`] says it
        /// in another language).
        reason: governance::Reason,
    },
    /// A community's records cannot be resolved at all.
    #[error("{0}")]
    Governance(governance::ResolveError),
    /// A community named for export cannot be resolved.
    #[error("community {} cannot be exported: {reason}", .community.short())]
    NotExportable {
        /// The community.
        community: record::CommunityId,
        /// Why it cannot be resolved.
        reason: governance::ResolveError,
    },
    /// No community, or several, match.
    #[error("{0}")]
    UnknownCommunity(community::NoCommunity),
    /// A participation's synthesis cannot be computed.
    #[error(transparent)]
    Synthesis(#[from] synthesis::SynthesisError),
    /// A file system operation failed.
    #[error("{0}")]
    Io(String),
    /// Nothing of this kind matches what was named.
    #[error("no {what} matches `{query}`")]
    NoMatch {
        /// What was looked for ("member").
        what: &'static str,
        /// What was typed.
        query: String,
    },
    /// Several match what was named.
    #[error("`{query}` matches several {what} ({}); give more of the id", candidates.join(", "))]
    AmbiguousRef {
        /// What was looked for, plural ("members").
        what: &'static str,
        /// What was typed.
        query: String,
        /// Short forms of what it matches.
        candidates: Vec<String>,
    },
    /// Text that cannot name a record: what was typed.
    #[error("`{0}` is not a record id (give at least 4 hex characters)")]
    BadRef(String),
    /// The record named is of another kind.
    #[error("record {} is not {what}", .id.short())]
    WrongKind {
        /// The record.
        id: record::RecordId,
        /// What it should have been ("an amendment").
        what: &'static str,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
