//! One error type for every front end.

use crate::keyfile::KeyFileError;

/// Everything that can go wrong behind the facade. Match on
/// [`Error::kind`] rather than on the variants, which may grow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The directory has no key and no store.
    #[error("{0} is not a Nous home (run `nous init`)")]
    NotInitialised(String),
    /// `init` on a directory that already has a key.
    #[error("{0} is already a Nous home")]
    AlreadyInitialised(String),
    /// The device key file could not be created or read.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// What the caller gave is not valid (a time, a name, an option).
    #[error("{0}")]
    InvalidInput(String),
    /// A file or directory of the home could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the system said.
        reason: std::io::Error,
    },
    /// The engine refused or failed.
    #[error(transparent)]
    Engine(#[from] nous_core::Error),
    /// A sync could not reach, or be completed with, the other side.
    #[error(transparent)]
    Network(#[from] nous_net::session::SessionError),
}

/// The result type of the facade.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is: what a binding maps to its own
/// exception classes, and what a front end decides on (ask again, show the
/// candidates, show the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nothing matches what was named (a document, a record, a community).
    NotFound,
    /// Several things match what was named; the message lists them.
    Ambiguous,
    /// Governance refused the act; nothing was stored ([`Error::refusal`]).
    Refused,
    /// The input is not valid (bytes, text, options, a bundle).
    InvalidInput,
    /// The directory is not a home yet.
    NotInitialised,
    /// The directory is a home already.
    AlreadyInitialised,
    /// Something stored is damaged (a document, a record, a community's
    /// history that cannot be resolved).
    Damaged,
    /// The store failed (locked by another process, full, unreadable).
    Store,
    /// The file system failed.
    Io,
    /// The other side of a sync could not be reached, refused, or sent
    /// what the guard would not take.
    Network,
    /// Anything else.
    Other,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        use nous_core::Error as E;
        match self {
            Error::NotInitialised(_) => ErrorKind::NotInitialised,
            Error::AlreadyInitialised(_) => ErrorKind::AlreadyInitialised,
            Error::KeyFile(KeyFileError::Missing(_)) => ErrorKind::NotInitialised,
            Error::KeyFile(KeyFileError::AlreadyExists(_)) => ErrorKind::AlreadyInitialised,
            Error::KeyFile(KeyFileError::Io { .. }) => ErrorKind::Io,
            Error::KeyFile(_) => ErrorKind::InvalidInput,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Io { .. } => ErrorKind::Io,
            Error::Network(nous_net::session::SessionError::Engine(error))
            | Error::Engine(error) => match error {
                E::UnknownDocument(_)
                | E::UnknownCommunity(_)
                | E::Ref(_)
                | E::NoMatch { .. }
                | E::WrongKind { .. } => ErrorKind::NotFound,
                E::AmbiguousDocument { .. } | E::AmbiguousRef { .. } => ErrorKind::Ambiguous,
                E::ActRefused { .. } => ErrorKind::Refused,
                E::Identity(_)
                | E::Schema(_)
                | E::Bundle(_)
                | E::NotACharter(_)
                | E::Refused { .. }
                | E::RecordRefused { .. }
                | E::Verify(_)
                | E::BadRef(_) => ErrorKind::InvalidInput,
                E::Damaged { .. } | E::RecordDamaged { .. } | E::Governance(_) => {
                    ErrorKind::Damaged
                }
                E::Store(_) => ErrorKind::Store,
                E::Io(_) => ErrorKind::Io,
                _ => ErrorKind::Other,
            },
            Error::Network(_) => ErrorKind::Network,
        }
    }

    /// A refusal by governance: the kind of record refused and why. Nothing
    /// was stored.
    pub fn refusal(&self) -> Option<(&'static str, &str)> {
        match self {
            Error::Engine(nous_core::Error::ActRefused { kind, reason }) => Some((kind, reason)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_governance_refusal_is_a_kind_with_its_reason() {
        let error = Error::from(nous_core::Error::ActRefused {
            kind: "decide",
            reason: "the rule is not met".into(),
        });
        assert_eq!(error.kind(), ErrorKind::Refused);
        assert_eq!(error.refusal(), Some(("decide", "the rule is not met")));
        assert_eq!(error.to_string(), "decide refused: the rule is not met");
        let error = Error::from(nous_core::Error::AmbiguousDocument {
            name: "ab".into(),
            candidates: vec!["ab1".into(), "ab2".into()],
        });
        assert_eq!(error.kind(), ErrorKind::Ambiguous);
        assert_eq!(error.refusal(), None);
    }
}
