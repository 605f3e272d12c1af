//! One error type for every front end.

use nous_core::DocId;
use nous_core::i18n::{Arg, Lang};

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
    #[error(transparent)]
    InvalidInput(#[from] Invalid),
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
    /// Joining through an invitation failed.
    #[error(transparent)]
    Join(#[from] JoinError),
    /// A citizen's view or record through a relay failed.
    #[error(transparent)]
    Participate(#[from] crate::participate::ParticipateError),
}

/// Why `join` (or `invite`) could not go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The text is not an invitation link.
    #[error("{0}")]
    Link(#[from] nous_core::invitation::InvitationError),
    /// The relay answered with another key than the link names.
    #[error("the relay's key is not the one the invitation names")]
    WrongRelay,
    /// The relay knows no such community or invitation.
    #[error("the relay refused the invitation: no such invitation on this relay")]
    Unknown,
    /// Expired, revoked or used up, at the relay's clock.
    #[error(
        "the relay refused the invitation: the invitation is no longer valid (expired, revoked or used up)"
    )]
    Closed,
    /// The link's secret is not the invitation's.
    #[error("the relay refused the invitation: the invitation proof does not hold for this device")]
    Proof,
    /// The relay refused the application (governance's reason, in English).
    #[error("the relay refused the application: {0}")]
    Application(String),
    /// What the relay sent does not match the link.
    #[error("the relay's welcome is not usable: {0}")]
    Welcome(String),
    /// Several colleges: the applicant must choose.
    #[error("choose a college with --college ({})", .0.join(", "))]
    ChooseCollege(Vec<String>),
    /// No such college.
    #[error("there is no college `{college}` (colleges: {})", .valid.join(", "))]
    NoCollege {
        /// The one asked for.
        college: String,
        /// The community's.
        valid: Vec<String>,
    },
    /// An application needs a name.
    #[error("an application needs a name")]
    NoName,
    /// The invitation is for another college than the one asked for.
    #[error("the invitation is for college `{0}`")]
    InvitedCollege(String),
}

/// What is wrong with what the caller gave ([`Error::InvalidInput`]):
/// `Display` in English, [`Error::localized`] in any language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Invalid {
    /// `NOUS_NOW` is set to something that is not a time (its text, when
    /// it is Unicode).
    #[error("NOUS_NOW{} is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM in UTC, or milliseconds)", .0.as_ref().map(|t| format!("={t:?}")).unwrap_or_default())]
    NotATime(Option<String>),
    /// A Markdown charter beyond the import caps.
    #[error(transparent)]
    Markdown(#[from] nous_core::markdown::ImportError),
    /// Text that is not a full record id.
    #[error("`{0}` is not a record id (64 hex characters)")]
    RecordId(String),
    /// `tag` with nothing to add or remove.
    #[error("give a tag to add or remove")]
    NoTag,
    /// `history --section` names no section the charter ever had.
    #[error("no section `{0}` in this charter or its history")]
    NoSection(String),
    /// The history report of a document that is no community's charter.
    #[error("document {0} is not the charter of a community of this home")]
    NotACommunityCharter(DocId),
    /// Sharing a document with no title, without giving one.
    #[error("document {0} has no title here: give a title")]
    NoTitle(DocId),
    /// Declining an application without a reason.
    #[error("a decline needs a reason")]
    DeclineNeedsReason,
    /// A suspension without an end.
    #[error("a suspension needs an end: a date or a number of days")]
    SuspensionNeedsEnd,
    /// The charter version in force is missing from this home.
    #[error("the charter version in force is not in this home (import the community's bundle)")]
    CharterNotHere,
    /// An empty conflict id.
    #[error("give the id of a conflict (see `nous conflicts`)")]
    NoConflictId,
    /// Resolving a conflict whose words were edited since.
    #[error("conflict {0} is already resolved: its words were edited since the merge")]
    ConflictResolved(String),
    /// An export that would hold nothing.
    #[error("there are no documents to export")]
    NothingToExport,
    /// A relay token shorter than a second.
    #[error("a token must live at least one second")]
    TokenTooShort,
    /// The file of pinned relay keys does not parse.
    #[error("{path} is damaged: {detail}")]
    RelaysDamaged {
        /// The file.
        path: String,
        /// What the parser said.
        detail: String,
    },
    /// A relay came back with another key than the one pinned.
    #[error(
        "relay at {relay} now has key {key}, not {pinned} as before; if it was reinstalled on purpose, remove it from {path}"
    )]
    RelayKeyChanged {
        /// The relay's URL.
        relay: String,
        /// The key it gave now.
        key: String,
        /// The key pinned before.
        pinned: String,
        /// The file of pinned keys.
        path: String,
    },
    /// A sync session ended before it started watching.
    #[error("the sync session ended")]
    SessionEnded,
    /// A sync session's thread panicked.
    #[error("the sync session panicked")]
    SessionPanicked,
    /// A record the engine made is not of the kind asked for (a bug).
    #[error("unexpected record")]
    UnexpectedRecord,
    /// JSON could not be written (what serde said).
    #[error("{0}")]
    Json(String),
    /// Hidden contributions' words asked for by someone who does not
    /// moderate the participation.
    #[error("only the participation's moderators may see hidden contributions")]
    ModeratorsOnly,
    /// Not a participation's pseudonym (`p-` and 10 hex digits).
    #[error("`{0}` is not a pseudonym (p- and 10 hex digits)")]
    NotAPseudonym(String),
    /// A name to keep that is empty, too long or has control characters.
    #[error("a name must be 1 to {max} characters, on one line")]
    BadName {
        /// The longest name kept.
        max: usize,
    },
    /// The file of names given with consent does not parse.
    #[error("{path} is damaged: {detail}")]
    NamesDamaged {
        /// The file.
        path: String,
        /// What the parser said.
        detail: String,
    },
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
        use crate::participate::ParticipateError as P;
        use nous_core::Error as E;
        match self {
            Error::NotInitialised(_) => ErrorKind::NotInitialised,
            Error::AlreadyInitialised(_) => ErrorKind::AlreadyInitialised,
            Error::KeyFile(KeyFileError::Missing(_)) => ErrorKind::NotInitialised,
            Error::KeyFile(KeyFileError::AlreadyExists(_)) => ErrorKind::AlreadyInitialised,
            Error::KeyFile(KeyFileError::Io { .. }) => ErrorKind::Io,
            Error::KeyFile(_) => ErrorKind::InvalidInput,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Join(JoinError::Unknown) => ErrorKind::NotFound,
            Error::Join(JoinError::Closed | JoinError::Proof | JoinError::Application(_)) => {
                ErrorKind::Refused
            }
            Error::Join(_) => ErrorKind::InvalidInput,
            Error::Participate(P::Unknown) => ErrorKind::NotFound,
            Error::Participate(P::RateLimited | P::Refused { .. }) => ErrorKind::Refused,
            Error::Participate(P::Answer(_)) => ErrorKind::Network,
            Error::Participate(_) => ErrorKind::InvalidInput,
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
                E::Damaged { .. }
                | E::RecordDamaged { .. }
                | E::Governance(_)
                | E::NotExportable { .. } => ErrorKind::Damaged,
                E::Store(_) => ErrorKind::Store,
                E::Io(_) => ErrorKind::Io,
                E::Synthesis(nous_core::synthesis::SynthesisError::NotAParticipation(_)) => {
                    ErrorKind::NotFound
                }
                E::Synthesis(_) => ErrorKind::InvalidInput,
                _ => ErrorKind::Other,
            },
            Error::Network(_) => ErrorKind::Network,
        }
    }

    /// A refusal by governance: the kind of record refused and why (its
    /// code, and its words in any language: [`Reason::render`]). Nothing
    /// was stored.
    ///
    /// [`Reason::render`]: nous_core::governance::Reason::render
    pub fn refusal(&self) -> Option<(&'static str, &nous_core::governance::Reason)> {
        match self {
            Error::Engine(nous_core::Error::ActRefused { kind, reason }) => Some((kind, reason)),
            _ => None,
        }
    }

    /// The message in `lang`: the errors a member meets in the normal
    /// course of things (not found, ambiguous, refused by governance with
    /// its reason, not a home, a home already, the store in use, the relay
    /// unreachable or refusing) through the catalogues (`errors.ftl`,
    /// `reasons.ftl`); any other error as its `Display`, in English (what
    /// the system says stays as it said it). In English this is the
    /// `Display`.
    pub fn localized(&self, lang: Lang) -> String {
        let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
        match self {
            Error::NotInitialised(path) => say("error-not-a-home", &[("path", path.into())]),
            Error::AlreadyInitialised(path) => {
                say("error-already-a-home", &[("path", path.into())])
            }
            Error::KeyFile(KeyFileError::Missing(path)) => {
                say("error-key-missing", &[("path", path.into())])
            }
            Error::KeyFile(KeyFileError::AlreadyExists(path)) => {
                say("error-key-exists", &[("path", path.into())])
            }
            Error::KeyFile(KeyFileError::TooOpen { path, mode }) => say(
                "error-key-too-open",
                &[("path", path.into()), ("mode", format!("{mode:o}").into())],
            ),
            Error::Engine(error) => engine_localized(error, lang),
            Error::Network(error) => network_localized(error, lang),
            Error::Join(error) => join_localized(error, lang),
            Error::Participate(error) => participate_localized(error, lang),
            Error::InvalidInput(invalid) => invalid_localized(invalid, lang),
            other => other.to_string(),
        }
    }
}

/// [`Error::localized`] for what the caller gave.
fn invalid_localized(invalid: &Invalid, lang: Lang) -> String {
    use nous_core::markdown::ImportError as M;
    let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    match invalid {
        Invalid::NotATime(Some(text)) => {
            say("error-not-a-time", &[("text", format!("={text:?}").into())])
        }
        Invalid::NotATime(None) => say("error-not-a-time", &[("text", "".into())]),
        Invalid::Markdown(M::TooLarge { bytes, max }) => say(
            "error-markdown-too-large",
            &[("bytes", (*bytes).into()), ("max", (*max).into())],
        ),
        Invalid::Markdown(M::TooManySections { max }) => say(
            "error-markdown-too-many-sections",
            &[("max", (*max).into())],
        ),
        Invalid::Markdown(M::TooManyArticles { max }) => say(
            "error-markdown-too-many-articles",
            &[("max", (*max).into())],
        ),
        Invalid::Markdown(M::TooDeep { line, max }) => say(
            "error-markdown-too-deep",
            &[("line", (*line).into()), ("max", (*max).into())],
        ),
        Invalid::Markdown(other) => other.to_string(),
        Invalid::RecordId(text) => say("error-record-id", &[("text", text.into())]),
        Invalid::NoTag => say("error-no-tag", &[]),
        Invalid::NoSection(name) => say("error-no-section", &[("name", name.into())]),
        Invalid::NotACommunityCharter(doc) => say(
            "error-not-a-community-charter",
            &[("doc", doc.to_string().into())],
        ),
        Invalid::NoTitle(doc) => say("error-no-title", &[("doc", doc.to_string().into())]),
        Invalid::DeclineNeedsReason => say("error-decline-needs-reason", &[]),
        Invalid::SuspensionNeedsEnd => say("error-suspension-needs-end", &[]),
        Invalid::CharterNotHere => say("error-charter-not-here", &[]),
        Invalid::NoConflictId => say("error-no-conflict-id", &[]),
        Invalid::ConflictResolved(id) => say("error-conflict-resolved", &[("id", id.into())]),
        Invalid::NothingToExport => say("error-nothing-to-export", &[]),
        Invalid::TokenTooShort => say("error-token-too-short", &[]),
        Invalid::RelaysDamaged { path, detail } => say(
            "error-relays-damaged",
            &[("path", path.into()), ("detail", detail.into())],
        ),
        Invalid::RelayKeyChanged {
            relay,
            key,
            pinned,
            path,
        } => say(
            "error-relay-key-changed",
            &[
                ("relay", relay.into()),
                ("key", key.into()),
                ("pinned", pinned.into()),
                ("path", path.into()),
            ],
        ),
        Invalid::SessionEnded => say("error-session-ended", &[]),
        Invalid::SessionPanicked => say("error-session-panicked", &[]),
        Invalid::UnexpectedRecord => say("error-unexpected-record", &[]),
        Invalid::Json(detail) => say("error-json", &[("detail", detail.into())]),
        Invalid::ModeratorsOnly => say("participation-error-moderators-only", &[]),
        Invalid::NotAPseudonym(text) => say("error-not-a-pseudonym", &[("text", text.into())]),
        Invalid::BadName { max } => say("error-bad-name", &[("max", (*max).into())]),
        Invalid::NamesDamaged { path, detail } => say(
            "error-names-damaged",
            &[("path", path.into()), ("detail", detail.into())],
        ),
    }
}

/// [`Error::localized`] for joining.
fn join_localized(error: &JoinError, lang: Lang) -> String {
    use nous_core::invitation::InvitationError;
    let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    match error {
        JoinError::Link(InvitationError::NotAnInvitation) => say("error-join-not-a-link", &[]),
        JoinError::Link(InvitationError::Damaged(detail)) => {
            say("error-join-damaged-link", &[("detail", detail.into())])
        }
        JoinError::WrongRelay => say("error-join-wrong-relay", &[]),
        JoinError::Unknown => say("error-join-unknown", &[]),
        JoinError::Closed => say("error-join-closed", &[]),
        JoinError::Proof => say("error-join-proof", &[]),
        JoinError::Application(reason) => {
            say("error-join-application", &[("reason", reason.into())])
        }
        JoinError::Welcome(detail) => say("error-join-welcome", &[("detail", detail.into())]),
        JoinError::ChooseCollege(valid) => say(
            "error-join-choose-college",
            &[("colleges", valid.join(", ").into())],
        ),
        JoinError::NoCollege { college, valid } => say(
            "error-join-no-college",
            &[
                ("college", college.into()),
                ("colleges", valid.join(", ").into()),
            ],
        ),
        JoinError::NoName => say("error-join-no-name", &[]),
        JoinError::InvitedCollege(college) => {
            say("error-join-invited-college", &[("college", college.into())])
        }
    }
}

/// [`Error::localized`] for a citizen's view or record
/// (`participate.ftl`).
fn participate_localized(error: &crate::participate::ParticipateError, lang: Lang) -> String {
    use crate::participate::ParticipateError as P;
    use nous_core::participation_link::LinkError;
    let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    match error {
        P::Link(LinkError::NotALink) => say("error-participate-not-a-link", &[]),
        P::Link(LinkError::Damaged(detail)) => say(
            "error-participate-damaged-link",
            &[("detail", detail.into())],
        ),
        P::WrongRelay => say("error-participate-wrong-relay", &[]),
        P::Unknown => say("error-participate-unknown", &[]),
        P::RateLimited => say("error-participate-rate", &[]),
        P::Refused { code, reason, args } => {
            // Governance's reason, said in the reader's language from its
            // code and arguments; the relay's own from its code.
            let reason = match nous_core::governance::Code::ALL
                .iter()
                .find(|c| c.as_str() == code)
            {
                Some(known) => {
                    let args: Vec<(&str, Arg<'_>)> = args
                        .iter()
                        .filter_map(|(name, value)| {
                            let arg: Arg<'_> = match value {
                                serde_json::Value::String(text) => text.as_str().into(),
                                serde_json::Value::Number(n) => n.as_u64()?.into(),
                                serde_json::Value::Bool(flag) => flag.to_string().into(),
                                _ => return None,
                            };
                            Some((name.as_str(), arg))
                        })
                        .collect();
                    say(known.message_id(), &args)
                }
                // The relay's own codes; anything else as the relay wrote it.
                None if [
                    "kind",
                    "channel",
                    "community",
                    "participation",
                    "too-large",
                    "author",
                    "record",
                    "request",
                    "store",
                ]
                .contains(&code.as_str()) =>
                {
                    say("error-participate-relay", &[("code", code.into())])
                }
                None => reason.clone(),
            };
            say(
                "error-participate-refused",
                &[("code", code.into()), ("reason", reason.into())],
            )
        }
        P::Answer(detail) => say("error-participate-answer", &[("detail", detail.into())]),
        P::Empty => say("error-participate-empty", &[]),
    }
}

/// [`Error::localized`] for the engine's errors (for a front end that
/// called the engine itself).
pub fn engine_localized(error: &nous_core::Error, lang: Lang) -> String {
    use nous_core::Error as E;
    use nous_core::community::NoCommunity;
    use nous_core::ids::RefError;
    let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    // What was looked for, in words (`record of this community`: the
    // catalogues' keys have dashes for spaces).
    let what = |what: &str| -> Arg<'static> {
        lang.tr("error-what", &[("what", what.replace(' ', "-").into())])
            .into()
    };
    match error {
        E::UnknownDocument(name) => say("error-no-document", &[("name", name.into())]),
        E::AmbiguousDocument { name, candidates } => say(
            "error-ambiguous-document",
            &[
                ("name", name.into()),
                ("candidates", candidates.join(", ").into()),
            ],
        ),
        E::NotACharter(doc) => say("error-not-a-charter", &[("doc", doc.to_string().into())]),
        E::ActRefused { kind, reason } => {
            let (words, gender) = match nous_core::record::Kind::from_name(kind) {
                Some(kind) => (kind.said(lang), kind.gender(lang)),
                None => ((*kind).to_owned(), String::new()),
            };
            say(
                "error-refused",
                &[
                    ("kind", words.into()),
                    ("gender", gender.into()),
                    ("reason", reason.render(lang).into()),
                ],
            )
        }
        E::UnknownCommunity(NoCommunity::NoneYet) => say("error-no-community-yet", &[]),
        E::UnknownCommunity(NoCommunity::Several) => say("error-several-communities", &[]),
        E::UnknownCommunity(NoCommunity::NoMatch(name)) => {
            say("error-no-community-match", &[("name", name.into())])
        }
        E::UnknownCommunity(NoCommunity::Ambiguous(name)) => {
            say("error-ambiguous-community", &[("name", name.into())])
        }
        E::NoMatch { what: w, query } => say(
            "error-no-match",
            &[("what", what(w)), ("query", query.into())],
        ),
        E::AmbiguousRef {
            what: w,
            query,
            candidates,
        } => say(
            "error-ambiguous-ref",
            &[
                ("what", what(w)),
                ("query", query.into()),
                ("candidates", candidates.join(", ").into()),
            ],
        ),
        E::WrongKind { id, what: w } => say(
            "error-wrong-kind",
            &[("id", id.short().into()), ("what", what(w))],
        ),
        E::Ref(RefError::Syntax(text)) => say("error-change-syntax", &[("text", text.into())]),
        E::Ref(RefError::TooShort(text)) => say(
            "error-change-too-short",
            &[
                ("text", text.into()),
                ("min", nous_core::ids::MIN_HASH_PREFIX.into()),
            ],
        ),
        E::Ref(RefError::Unknown(text)) => say("error-change-unknown", &[("text", text.into())]),
        E::Ref(RefError::Ambiguous { prefix, count }) => say(
            "error-change-ambiguous",
            &[("text", prefix.into()), ("count", (*count).into())],
        ),
        E::BadRef(text) => say("error-bad-record-ref", &[("text", text.into())]),
        E::Store(nous_core::store::StoreError::Locked(path)) => {
            say("error-store-locked", &[("path", path.into())])
        }
        E::Governance(error) => resolve_localized(error, lang),
        E::NotExportable { community, reason } => say(
            "error-not-exportable",
            &[
                ("community", community.short().into()),
                ("reason", resolve_localized(reason, lang).into()),
            ],
        ),
        other => other.to_string(),
    }
}

/// Why a community's records cannot be resolved at all (a missing or bad
/// genesis), in `lang`; in English, its `Display`.
pub fn resolve_localized(error: &nous_core::governance::ResolveError, lang: Lang) -> String {
    use nous_core::governance::{BadGenesis as B, ResolveError as R};
    let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    let bad = |problem: &B| match problem {
        B::NotAGenesis => say("error-genesis-not-a-genesis", &[]),
        B::NoFounder => say("error-genesis-no-founder", &[]),
        B::NotByAFounder => say("error-genesis-not-by-a-founder", &[]),
        B::College(college) => say("error-genesis-college", &[("college", college.into())]),
        B::UnsoundKey(name) => say("error-genesis-unsound-key", &[("name", name.into())]),
        B::NoCollege(name) => say("error-genesis-no-college", &[("name", name.into())]),
        B::Rule { act, reason } => say(
            "error-genesis-rule",
            &[
                ("act", act.name().into()),
                ("reason", reason.render(lang).into()),
            ],
        ),
        other => other.to_string(),
    };
    match error {
        R::NoGenesis(community) => say("error-no-genesis", &[("community", community.into())]),
        R::BadGenesis(problem) => say("error-bad-genesis", &[("problem", bad(problem).into())]),
        other => other.to_string(),
    }
}

/// [`Error::localized`] for a sync's errors.
fn network_localized(error: &nous_net::session::SessionError, lang: Lang) -> String {
    use nous_net::client::ClientError as C;
    use nous_net::discover::DiscoverError as D;
    use nous_net::session::SessionError as S;
    let say = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    match error {
        S::Engine(error) => engine_localized(error, lang),
        S::Discover(D::Url(url)) => say("error-relay-url", &[("url", url.into())]),
        S::Discover(D::Tls(url)) => say("error-relay-tls", &[("url", url.into())]),
        S::Discover(D::Unreachable { url, detail }) => say(
            "error-relay-unreachable",
            &[("url", url.into()), ("detail", detail.into())],
        ),
        S::Client(C::Connect(detail)) => say("error-relay-connect", &[("detail", detail.into())]),
        S::Client(C::Disconnected(detail)) => {
            say("error-relay-disconnected", &[("detail", detail.into())])
        }
        S::Client(C::Stopped) => say("error-relay-stopped", &[]),
        S::Client(C::Refused(detail)) => say("error-relay-refused", &[("detail", detail.into())]),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_governance_refusal_is_a_kind_with_its_reason() {
        let error = Error::from(nous_core::Error::ActRefused {
            kind: "decide",
            reason: nous_core::governance::Reason::new(
                nous_core::governance::Code::RuleMet,
                Vec::new(),
            ),
        });
        assert_eq!(error.kind(), ErrorKind::Refused);
        let (kind, reason) = error.refusal().expect("a refusal");
        assert_eq!(kind, "decide");
        assert_eq!(reason.code(), nous_core::governance::Code::RuleMet);
        assert_eq!(
            error.to_string(),
            "decide refused: the rule is met: it cannot be rejected"
        );
        assert_eq!(
            error.localized(Lang::Fr),
            "décision refusée : la règle est remplie : on ne peut pas rejeter"
        );
        let error = Error::from(nous_core::Error::AmbiguousDocument {
            name: "ab".into(),
            candidates: vec!["ab1".into(), "ab2".into()],
        });
        assert_eq!(error.kind(), ErrorKind::Ambiguous);
        assert_eq!(error.refusal(), None);
    }

    /// Every error `localized` says through the catalogues: in English it
    /// is the `Display`, word for word; in French it is another text, with
    /// what was typed kept as typed.
    #[test]
    fn errors_are_said_in_english_as_displayed_and_in_french() {
        use nous_core::Error as E;
        use nous_core::community::NoCommunity;
        use nous_core::ids::RefError;
        use nous_net::client::ClientError as C;
        use nous_net::discover::DiscoverError as D;
        use nous_net::session::SessionError as S;
        let id = nous_core::record::RecordId([7; 32]);
        let errors = vec![
            Error::NotInitialised("/h".into()),
            Error::AlreadyInitialised("/h".into()),
            Error::KeyFile(KeyFileError::Missing("/h/key".into())),
            Error::KeyFile(KeyFileError::AlreadyExists("/h/key".into())),
            Error::KeyFile(KeyFileError::TooOpen {
                path: "/h/key".into(),
                mode: 0o644,
            }),
            E::UnknownDocument("zz".into()).into(),
            E::AmbiguousDocument {
                name: "ab".into(),
                candidates: vec!["ab1 \"A\"".into(), "ab2 \"B\"".into()],
            }
            .into(),
            E::NotACharter(nous_core::DocId::from_bytes([1; 16])).into(),
            E::UnknownCommunity(NoCommunity::NoneYet).into(),
            E::UnknownCommunity(NoCommunity::Several).into(),
            E::UnknownCommunity(NoCommunity::NoMatch("coop".into())).into(),
            E::UnknownCommunity(NoCommunity::Ambiguous("coop".into())).into(),
            E::NoMatch {
                what: "member",
                query: "Zoé".into(),
            }
            .into(),
            E::NoMatch {
                what: "record of this community",
                query: "abcd".into(),
            }
            .into(),
            E::AmbiguousRef {
                what: "members",
                query: "ca".into(),
                candidates: vec!["1a2b \"Camille\"".into(), "3c4d \"Carla\"".into()],
            }
            .into(),
            E::WrongKind {
                id,
                what: "an amendment",
            }
            .into(),
            E::Ref(RefError::Syntax("xyz".into())).into(),
            E::BadRef("zoé".into()).into(),
            E::Ref(RefError::TooShort("ab".into())).into(),
            E::Ref(RefError::Unknown("abcd".into())).into(),
            E::Ref(RefError::Ambiguous {
                prefix: "abcd".into(),
                count: 2,
            })
            .into(),
            E::Store(nous_core::store::StoreError::Locked("/h/store".into())).into(),
            E::ActRefused {
                kind: "member.apply",
                reason: nous_core::governance::Reason::new(
                    nous_core::governance::Code::NoCollege,
                    vec![("college", "staff".into())],
                ),
            }
            .into(),
            Error::Network(S::Discover(D::Url("http://x".into()))),
            Error::Network(S::Discover(D::Tls("wss://x".into()))),
            Error::Network(S::Discover(D::Unreachable {
                url: "ws://x".into(),
                detail: "connection refused".into(),
            })),
            Error::Network(S::Client(C::Connect("refused".into()))),
            Error::Network(S::Client(C::Disconnected("reset".into()))),
            Error::Network(S::Client(C::Stopped)),
            Error::Network(S::Client(C::Refused("bad frame".into()))),
            Error::Network(S::Engine(E::UnknownDocument("zz".into()))),
        ];
        for error in &errors {
            let english = error.localized(Lang::En);
            assert_eq!(english, error.to_string(), "{error:?}");
            let french = error.localized(Lang::Fr);
            assert_ne!(french, english, "not said in French: {error:?}");
            assert!(!french.starts_with("error-"), "no message: {french}");
        }
        let refused = &errors[errors.len() - 9];
        assert_eq!(
            refused.localized(Lang::Fr),
            "candidature refusée : il n'y a pas de collège « staff »"
        );
        let ambiguous = &errors[14];
        assert_eq!(
            ambiguous.localized(Lang::Fr),
            "« ca » correspond à plusieurs membres (1a2b \"Camille\", 3c4d \"Carla\") ; \
             donnez davantage de l'identifiant"
        );
        // What the system said is kept as it said it.
        let io = Error::Io {
            path: "/h".into(),
            reason: std::io::Error::other("disk full"),
        };
        assert_eq!(io.localized(Lang::Fr), io.to_string());
    }

    /// Every [`Invalid`]: said in English as displayed, and in French
    /// otherwise, with what was typed kept as typed.
    #[test]
    fn invalid_input_is_said_in_english_as_displayed_and_in_french() {
        use nous_core::markdown::ImportError as M;
        let doc = DocId::from_bytes([1; 16]);
        let all = vec![
            Invalid::NotATime(Some("demain".into())),
            Invalid::NotATime(None),
            Invalid::Markdown(M::TooLarge { bytes: 9, max: 8 }),
            Invalid::Markdown(M::TooManySections { max: 3 }),
            Invalid::Markdown(M::TooManyArticles { max: 3 }),
            Invalid::Markdown(M::TooDeep { line: 4, max: 3 }),
            Invalid::RecordId("zz".into()),
            Invalid::NoTag,
            Invalid::NoSection("Adhésion".into()),
            Invalid::NotACommunityCharter(doc),
            Invalid::NoTitle(doc),
            Invalid::DeclineNeedsReason,
            Invalid::SuspensionNeedsEnd,
            Invalid::CharterNotHere,
            Invalid::NoConflictId,
            Invalid::ConflictResolved("ab12".into()),
            Invalid::NothingToExport,
            Invalid::TokenTooShort,
            Invalid::RelaysDamaged {
                path: "/h/relays.json".into(),
                detail: "EOF".into(),
            },
            Invalid::RelayKeyChanged {
                relay: "ws://r:1".into(),
                key: "k2".into(),
                pinned: "k1".into(),
                path: "/h/relays.json".into(),
            },
            Invalid::SessionEnded,
            Invalid::SessionPanicked,
            Invalid::UnexpectedRecord,
            Invalid::Json("oops".into()),
            Invalid::ModeratorsOnly,
            Invalid::NotAPseudonym("zoe".into()),
            Invalid::BadName { max: 200 },
            Invalid::NamesDamaged {
                path: "/h/names.json".into(),
                detail: "EOF".into(),
            },
        ];
        // A new variant fails to compile here until it is in the list.
        let listed = |invalid: &Invalid| match invalid {
            Invalid::NotATime(_)
            | Invalid::Markdown(_)
            | Invalid::RecordId(_)
            | Invalid::NoTag
            | Invalid::NoSection(_)
            | Invalid::NotACommunityCharter(_)
            | Invalid::NoTitle(_)
            | Invalid::DeclineNeedsReason
            | Invalid::SuspensionNeedsEnd
            | Invalid::CharterNotHere
            | Invalid::NoConflictId
            | Invalid::ConflictResolved(_)
            | Invalid::NothingToExport
            | Invalid::TokenTooShort
            | Invalid::RelaysDamaged { .. }
            | Invalid::RelayKeyChanged { .. }
            | Invalid::SessionEnded
            | Invalid::SessionPanicked
            | Invalid::UnexpectedRecord
            | Invalid::Json(_)
            | Invalid::ModeratorsOnly
            | Invalid::NotAPseudonym(_)
            | Invalid::BadName { .. }
            | Invalid::NamesDamaged { .. } => true,
        };
        for invalid in all {
            assert!(listed(&invalid));
            let error = Error::from(invalid);
            assert_eq!(error.kind(), ErrorKind::InvalidInput);
            let english = error.localized(Lang::En);
            assert_eq!(english, error.to_string(), "{error:?}");
            let french = error.localized(Lang::Fr);
            assert_ne!(french, english, "not said in French: {error:?}");
            assert!(!french.starts_with("error-"), "no message: {french}");
        }
        assert_eq!(
            Error::from(Invalid::NotATime(Some("demain".into()))).to_string(),
            "NOUS_NOW=\"demain\" is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM in UTC, or milliseconds)"
        );
        assert_eq!(
            Error::from(Invalid::NotATime(None)).localized(Lang::Fr),
            "NOUS_NOW n'est pas un moment (AAAA-MM-JJ, AAAA-MM-JJTHH:MM en UTC, ou des millisecondes)"
        );
        assert_eq!(
            Error::from(Invalid::NoSection("Adhésion".into())).localized(Lang::Fr),
            "aucune section « Adhésion » dans cette charte ni dans son historique"
        );
    }

    /// A community that cannot be resolved (a missing or bad genesis): said
    /// in English as displayed, and in French otherwise, every problem.
    #[test]
    fn unresolvable_communities_are_said_in_english_as_displayed_and_in_french() {
        use nous_core::governance::{BadGenesis as B, Code, Reason, ResolveError as R};
        let problems = vec![
            B::NotAGenesis,
            B::NoFounder,
            B::NotByAFounder,
            B::College("staff".into()),
            B::UnsoundKey("Alice".into()),
            B::NoCollege("Alice".into()),
            B::Rule {
                act: nous_core::record::Act::Admit,
                reason: Reason::new(Code::RuleNeedsSigner, Vec::new()),
            },
        ];
        let mut errors = vec![R::NoGenesis("ab12".into())];
        errors.extend(problems.into_iter().map(R::BadGenesis));
        for error in errors {
            let english = resolve_localized(&error, Lang::En);
            assert_eq!(english, error.to_string());
            let french = resolve_localized(&error, Lang::Fr);
            assert_ne!(french, english, "not said in French: {error:?}");
            assert!(!french.contains("error-"), "no message: {french}");
            for outer in [
                Error::from(nous_core::Error::Governance(error.clone())),
                Error::from(nous_core::Error::NotExportable {
                    community: nous_core::record::RecordId([3; 32]),
                    reason: error.clone(),
                }),
            ] {
                assert_eq!(outer.kind(), ErrorKind::Damaged);
                assert_eq!(outer.localized(Lang::En), outer.to_string());
                assert!(outer.localized(Lang::Fr).contains(&french));
            }
        }
        assert_eq!(
            resolve_localized(
                &R::BadGenesis(B::Rule {
                    act: nous_core::record::Act::Admit,
                    reason: Reason::new(Code::RuleNeedsSigner, Vec::new()),
                }),
                Lang::Fr
            ),
            format!(
                "l'acte de fondation n'est pas valable : la règle des admissions : {}",
                Reason::new(Code::RuleNeedsSigner, Vec::new()).render(Lang::Fr)
            )
        );
    }

    #[test]
    fn a_citizen_hears_the_relays_governance_refusal_in_their_language() {
        use crate::participate::ParticipateError;
        let refused = |code: &str, reason: &str, args: serde_json::Value| {
            Error::Participate(ParticipateError::Refused {
                code: code.into(),
                reason: reason.into(),
                args: args.as_object().cloned().unwrap_or_default(),
            })
        };
        let closed = refused(
            "contributions-closed",
            "the participation takes no contributions at this time",
            serde_json::json!({}),
        );
        assert_eq!(
            closed.localized(Lang::Fr),
            "le relais a refusé l'enregistrement : la participation ne prend pas de contributions à ce moment"
        );
        assert!(
            closed
                .localized(Lang::En)
                .contains("takes no contributions")
        );
        // With arguments, as the relay sends them.
        let long = refused(
            "text-too-long",
            "a text may have at most 200 characters",
            serde_json::json!({"max": 200}),
        );
        assert!(
            long.localized(Lang::Fr).contains("au plus 200 caractères"),
            "{}",
            long.localized(Lang::Fr)
        );
        // The relay's own refusals, said from their code.
        let kind = refused(
            "kind",
            "a citizen's device may not write a answer.publish record through the relay",
            serde_json::json!({}),
        );
        let french = kind.localized(Lang::Fr);
        assert!(
            french.ends_with(
                "l'appareil d'un citoyen ne peut pas écrire ce genre d'acte par le relais"
            ),
            "{french}"
        );
        // A code nobody knows: as the relay wrote it.
        let odd = refused("mystery", "something odd", serde_json::json!({}));
        assert!(odd.localized(Lang::Fr).ends_with("something odd"));
    }
}
