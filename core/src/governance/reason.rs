//! Why governance judged as it did, as data: a [`Reason`] is a stable
//! [`Code`] and its arguments, said in any language through the catalogues
//! (`core/locales/{en,fr}/reasons.ftl`, message `reason-<code>`).
//!
//! Its English rendering ([`fmt::Display`]) is the text governance has
//! always given; it is what the JSON output's `reason` field, the verify
//! report (and so its hash) and the English error messages say, whatever
//! the user's language. A front end says it in the user's language with
//! [`Reason::render`]. Texts the members typed (a decision's reason, a
//! sanction's reasons) are not reasons of this kind: they stay as typed.

use std::fmt;

use serde::ser::{Serialize, SerializeMap as _, Serializer};

use crate::i18n::{Arg, Lang};
use crate::record::{Method, TensionStatus};

use super::Phase;

macro_rules! codes {
    ($($variant:ident = $code:literal,)*) => {
        /// What a [`Reason`] says, whatever the language: its spelling
        /// ([`Code::as_str`]) is stable and is what JSON carries.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[allow(missing_docs)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code (each has a message in every language: a test
            /// checks).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// Its spelling: `no-college`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The id of its message in the catalogues: `reason-no-college`.
            pub fn message_id(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!("reason-", $code),)*
                }
            }
        }
    };
}

codes! {
    OtherCommunity = "other-community",
    SignatureFails = "signature-fails",
    ConcurrentWithRemoval = "concurrent-with-removal",
    WaitsForRecord = "waits-for-record",
    BuildsOnInvalid = "builds-on-invalid",
    TimestampBeforeParent = "timestamp-before-parent",
    SecondGenesis = "second-genesis",
    NotCertifiedDevice = "not-certified-device",
    MemberLeft = "member-left",
    MemberExcluded = "member-excluded",
    MemberSuspended = "member-suspended",
    MemberGone = "member-gone",
    NoSuchMember = "no-such-member",
    NoLongerMember = "no-longer-member",
    RefersToUnknown = "refers-to-unknown",
    RefersWithoutBuilding = "refers-without-building",
    RefersToRejected = "refers-to-rejected",
    OwnCase = "own-case",
    FacilitatorOnly = "facilitator-only",
    NotATension = "not-a-tension",
    NotAnAmendment = "not-an-amendment",
    NotAChallenge = "not-a-challenge",
    NotAnApplication = "not-an-application",
    TensionNotEscalated = "tension-not-escalated",
    PromoteNotRejected = "promote-not-rejected",
    PromoteNotProposer = "promote-not-proposer",
    NoSection = "no-section",
    NoTension = "no-tension",
    NoExample = "no-example",
    ChallengeInadmissible = "challenge-inadmissible",
    AmendmentNeedsTitle = "amendment-needs-title",
    AmendmentNeedsRationale = "amendment-needs-rationale",
    NotFromVersionInForce = "not-from-version-in-force",
    SubmitNotAuthor = "submit-not-author",
    AmendmentPhase = "amendment-phase",
    WordingNoHeads = "wording-no-heads",
    WordingNoSection = "wording-no-section",
    IntegratesNonObjection = "integrates-non-objection",
    IntegratesUnconfirmed = "integrates-unconfirmed",
    UnknownAmendment = "unknown-amendment",
    RoundNotProposer = "round-not-proposer",
    WithdrawNotProposer = "withdraw-not-proposer",
    RatifyNotAdopted = "ratify-not-adopted",
    VersionNoHeads = "version-no-heads",
    AlreadySigned = "already-signed",
    OtherHeads = "other-heads",
    RuleChangeNeedsRationale = "rule-change-needs-rationale",
    QuestionsMembersApplicants = "questions-members-applicants",
    ObjectionNeedsCriteria = "objection-needs-criteria",
    CriteriaAToE = "criteria-a-to-e",
    ObjectionNeedsArgument = "objection-needs-argument",
    NamesObjectionResolved = "names-objection-resolved",
    AmendmentNotSubmitted = "amendment-not-submitted",
    AmendmentStale = "amendment-stale",
    NotCurrentWording = "not-current-wording",
    AmendNoBlock = "amend-no-block",
    ReactNotAProposal = "react-not-a-proposal",
    DecisionClosed = "decision-closed",
    RuleNoBlock = "rule-no-block",
    FoldedAgain = "folded-again",
    TestNotAnObjection = "test-not-an-objection",
    UnknownObjection = "unknown-objection",
    ObjectorUnknown = "objector-unknown",
    ObjectionSubjectUnknown = "objection-subject-unknown",
    ObjectionNotCounted = "objection-not-counted",
    WordingNotBuiltOn = "wording-not-built-on",
    CannotAdopt = "cannot-adopt",
    CannotAdoptOpen = "cannot-adopt-open",
    RuleNotMet = "rule-not-met",
    CannotReject = "cannot-reject",
    RejectionNeedsReason = "rejection-needs-reason",
    DelayNotPassed = "delay-not-passed",
    RuleMet = "rule-met",
    DecidedConcurrently = "decided-concurrently",
    DecideNotAProposal = "decide-not-a-proposal",
    AlreadyDecided = "already-decided",
    OwnExclusionDecision = "own-exclusion-decision",
    DecisionBeforeHearing = "decision-before-hearing",
    DeclineNeedsReason = "decline-needs-reason",
    ConfirmsUnraised = "confirms-unraised",
    ConfirmNotObjector = "confirm-not-objector",
    PercentagesMax = "percentages-max",
    RuleNeedsSigner = "rule-needs-signer",
    NoCollege = "no-college",
    ThresholdNeeded = "threshold-needed",
    ClosedByWithdrawal = "closed-by-withdrawal",
    NewWordingConcurrently = "new-wording-concurrently",
    SignatureConcurrently = "signature-concurrently",
    TensionUpdateConcurrently = "tension-update-concurrently",
    DecidedByOlder = "decided-by-older",
    ShareNeedsTitle = "share-needs-title",
    UnsoundDeviceKey = "unsound-device-key",
    AlreadyMember = "already-member",
    ApplicationNeedsName = "application-needs-name",
    OpenApplication = "open-application",
    SignNotApplicant = "sign-not-applicant",
    ApplicationSigned = "application-signed",
    ApplicationNotAdmitted = "application-not-admitted",
    SignNotInForce = "sign-not-in-force",
    LeaveNotMember = "leave-not-member",
    SanctionNeedsReasons = "sanction-needs-reasons",
    SuspensionEnd = "suspension-end",
    OwnExclusion = "own-exclusion",
    ExclusionNeedsReasons = "exclusion-needs-reasons",
    NoticeBeforeProposal = "notice-before-proposal",
    HearingTooSoon = "hearing-too-soon",
    ExclusionOpen = "exclusion-open",
    DeviceKnown = "device-known",
    RevokeNotMember = "revoke-not-member",
    UnknownDevice = "unknown-device",
    RevokeNotOwn = "revoke-not-own",
    AlreadyRevoked = "already-revoked",
    AttestsNothing = "attests-nothing",
    TensionNeedsSummary = "tension-needs-summary",
    TensionTransition = "tension-transition",
    NotResolved = "not-resolved",
    DraftChangesNothing = "draft-changes-nothing",
    NoWording = "no-wording",
    RecordInvalid = "record-invalid",
    Tally = "tally",
    TallyConsent = "tally-consent",
    TallyConsensus = "tally-consensus",
    TallyMajority = "tally-majority",
    TallyQualified = "tally-qualified",
    TallyUnanimity = "tally-unanimity",
    TallyLazy = "tally-lazy",
    TallyAdvice = "tally-advice",
    TallyAdviceOthers = "tally-advice-others",
    TallyRuleChange = "tally-rule-change",
    WithdrawOnlyAuthor = "withdraw-only-author",
    ChallengeDeclineNeedsReason = "challenge-decline-needs-reason",
    ChallengeAnswered = "challenge-answered",
    ChallengeAlreadyClosed = "challenge-already-closed",
    AnswersClosedChallenge = "answers-closed-challenge",
    UnsoundInvitationKey = "unsound-invitation-key",
    InvitationExpiresTooSoon = "invitation-expires-too-soon",
    InvitationNoUses = "invitation-no-uses",
    NotAnInvitation = "not-an-invitation",
    InvitationAlreadyRevoked = "invitation-already-revoked",
    InvitationProofFails = "invitation-proof-fails",
    InvitationExpired = "invitation-expired",
    InvitationRevoked = "invitation-revoked",
    InvitationUsedUp = "invitation-used-up",
    InvitationForCollege = "invitation-for-college",
    RevokeOnlyIssuer = "revoke-only-issuer",
    NotInRole = "not-in-role",
    NotAParticipation = "not-a-participation",
    NotAContribution = "not-a-contribution",
    ParticipationMembersOnly = "participation-members-only",
    ParticipationNeedsInvitation = "participation-needs-invitation",
    ParticipationNeedsTitle = "participation-needs-title",
    ParticipationNeedsCategory = "participation-needs-category",
    ParticipationCategoriesUnique = "participation-categories-unique",
    AnswerDueInPast = "answer-due-in-past",
    ParticipationClosed = "participation-closed",
    CommitmentRemoved = "commitment-removed",
    CommitmentsMalformed = "commitments-malformed",
    PhaseOutOfOrder = "phase-out-of-order",
    PhaseDates = "phase-dates",
    NoCategory = "no-category",
    NoCommitment = "no-commitment",
    CommitmentNotManual = "commitment-not-manual",
    EvidenceNeeded = "evidence-needed",
    CommitmentSettled = "commitment-settled",
    ContributionsUnanswered = "contributions-unanswered",
    ContributionsClosed = "contributions-closed",
    ChannelNotTaken = "channel-not-taken",
    CategoryNotTaken = "category-not-taken",
    ContributionNeedsTitle = "contribution-needs-title",
    ContributionNeedsText = "contribution-needs-text",
    TextTooLong = "text-too-long",
    OnBehalfNeedsTranscription = "on-behalf-needs-transcription",
    AgentMembersOnly = "agent-members-only",
    TranscriptionNeedsWhom = "transcription-needs-whom",
    ContributionNotOwn = "contribution-not-own",
    ContributionWithdrawn = "contribution-withdrawn",
    ContributionAnswered = "contribution-answered",
    SupportOwn = "support-own",
    LinkOtherParticipation = "link-other-participation",
    ModerationNeedsReason = "moderation-needs-reason",
    ModerationNeedsClause = "moderation-needs-clause",
    NotHidden = "not-hidden",
    AnswerNeedsArgument = "answer-needs-argument",
    AnswerMustRevise = "answer-must-revise",
    RevisesUnknownAnswer = "revises-unknown-answer",
    SynthesisOtherText = "synthesis-other-text",
    SynthesisMethod = "synthesis-method",
    SynthesisHash = "synthesis-hash",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value a [`Reason`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonArg {
    /// Text said as it is (a short id, a college's id, a detail).
    Text(String),
    /// A number (it picks the plural form).
    Num(u64),
    /// Yes or no (a message picks its words with `[true]`).
    Flag(bool),
    /// A moment (ms since the Unix epoch), said to the minute, UTC.
    Time(u64),
    /// One of the engine's values (a phase, a method), said in words
    /// through message `message` with variable `var` set to `value`, its
    /// JSON spelling.
    Term {
        /// The message that says it (`gov-phase`).
        message: &'static str,
        /// Its variable (`phase`).
        var: &'static str,
        /// The value's spelling (`objection-round`).
        value: &'static str,
    },
    /// Another reason, said in the same language.
    Reason(Box<Reason>),
}

impl ReasonArg {
    /// A phase, in words.
    pub fn phase(phase: Phase) -> ReasonArg {
        ReasonArg::Term {
            message: "gov-phase",
            var: "phase",
            value: phase.name(),
        }
    }

    /// A decision method, in words.
    pub fn method(method: Method) -> ReasonArg {
        ReasonArg::Term {
            message: "gov-method",
            var: "method",
            value: method.name(),
        }
    }

    /// A tension's status, in words.
    pub fn tension_status(status: TensionStatus) -> ReasonArg {
        ReasonArg::Term {
            message: "gov-tension-status",
            var: "status",
            value: status.name(),
        }
    }

    /// What kind of record something is (`amendment`, `challenge`), in
    /// words.
    pub fn what(what: &'static str) -> ReasonArg {
        ReasonArg::Term {
            message: "reason-what",
            var: "what",
            value: what,
        }
    }

    /// Said in `lang`.
    fn arg(&self, lang: Lang) -> Arg<'_> {
        match self {
            ReasonArg::Text(text) => Arg::from(text),
            ReasonArg::Num(n) => Arg::from(*n),
            ReasonArg::Flag(flag) => Arg::from(if *flag { "true" } else { "false" }),
            ReasonArg::Time(ms) => Arg::from(lang.minute(i64::try_from(*ms).unwrap_or(i64::MAX))),
            ReasonArg::Term {
                message,
                var,
                value,
            } => Arg::from(lang.tr(message, &[(var, Arg::from(*value))])),
            ReasonArg::Reason(reason) => Arg::from(reason.render(lang)),
        }
    }
}

impl From<String> for ReasonArg {
    fn from(text: String) -> Self {
        ReasonArg::Text(text)
    }
}

impl From<&str> for ReasonArg {
    fn from(text: &str) -> Self {
        ReasonArg::Text(text.to_owned())
    }
}

impl From<&String> for ReasonArg {
    fn from(text: &String) -> Self {
        ReasonArg::Text(text.clone())
    }
}

impl From<bool> for ReasonArg {
    fn from(flag: bool) -> Self {
        ReasonArg::Flag(flag)
    }
}

impl From<Reason> for ReasonArg {
    fn from(reason: Reason) -> Self {
        ReasonArg::Reason(Box::new(reason))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for ReasonArg {
            fn from(n: $t) -> Self {
                ReasonArg::Num(u64::try_from(n).unwrap_or(u64::MAX))
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize);

/// Why a record was rejected or waits, why a challenge is inadmissible, how
/// a count came out: a [`Code`] and its arguments. `Display` is English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    code: Code,
    args: Vec<(&'static str, ReasonArg)>,
}

impl Reason {
    /// A reason with its arguments, each named as its message's variable.
    pub fn new(code: Code, args: Vec<(&'static str, ReasonArg)>) -> Reason {
        Reason { code, args }
    }

    /// What it says.
    pub fn code(&self) -> Code {
        self.code
    }

    /// Its arguments, by name, in order.
    pub fn args(&self) -> &[(&'static str, ReasonArg)] {
        &self.args
    }

    /// The argument `name`, if given.
    pub fn arg(&self, name: &str) -> Option<&ReasonArg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }

    /// Said in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<(&str, Arg<'_>)> = self
            .args
            .iter()
            .map(|(name, arg)| (*name, arg.arg(lang)))
            .collect();
        lang.tr(self.code.message_id(), &args)
    }

    /// Serialize as the entries `reason` (English), `code` and `args` of
    /// an enclosing map.
    pub(crate) fn serialize_into<M: serde::ser::SerializeMap>(
        &self,
        map: &mut M,
    ) -> Result<(), M::Error> {
        self.serialize_as(map, ["reason", "code", "args"])
    }

    /// Serialize as three entries of an enclosing map, named `keys`: the
    /// English text, the code and the arguments (`["tally", "tally_code",
    /// "tally_args"]`).
    pub fn serialize_as<M: serde::ser::SerializeMap>(
        &self,
        map: &mut M,
        [text, code, args]: [&'static str; 3],
    ) -> Result<(), M::Error> {
        map.serialize_entry(text, &self.to_string())?;
        map.serialize_entry(code, self.code.as_str())?;
        map.serialize_entry(args, &Args(&self.args))
    }
}

/// `reason!(NoCollege, college = id)`: a [`Reason`] with code
/// [`Code::NoCollege`] and its variable `$college` set to `id`.
macro_rules! reason {
    ($code:ident $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::governance::Reason::new(
            $crate::governance::Code::$code,
            vec![$((stringify!($name), $crate::governance::ReasonArg::from($value))),*],
        )
    };
}
pub(crate) use reason;

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// JSON: `{"reason": "<English>", "code": "…", "args": {…}}`; an argument
/// is a string, a number, a boolean, a moment in ms, a value's spelling or
/// another reason in this shape.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        self.serialize_into(&mut map)?;
        map.end()
    }
}

struct Args<'a>(&'a [(&'static str, ReasonArg)]);

impl Serialize for Args<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, arg) in self.0 {
            match arg {
                ReasonArg::Text(text) => map.serialize_entry(name, text)?,
                ReasonArg::Num(n) | ReasonArg::Time(n) => map.serialize_entry(name, n)?,
                ReasonArg::Flag(flag) => map.serialize_entry(name, flag)?,
                ReasonArg::Term { value, .. } => map.serialize_entry(name, value)?,
                ReasonArg::Reason(reason) => map.serialize_entry(name, reason)?,
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A code without its message in a language fails here (the message
    /// would come out as its id).
    #[test]
    fn every_code_has_a_message_in_every_language() {
        for lang in Lang::ALL {
            let catalog = lang.catalog();
            for code in Code::ALL {
                assert!(
                    catalog.has(code.message_id(), None),
                    "`{}` has no message in {}",
                    code.message_id(),
                    lang.code()
                );
            }
        }
        // Spellings are unique (a code is what JSON carries).
        let mut spellings: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        spellings.sort_unstable();
        spellings.dedup();
        assert_eq!(spellings.len(), Code::ALL.len());
    }

    #[test]
    fn a_reason_is_said_in_english_as_before_and_in_french() {
        let college = reason!(NoCollege, college = "staff");
        assert_eq!(college.to_string(), "there is no college `staff`");
        assert_eq!(
            college.render(Lang::Fr),
            "il n'y a pas de collège « staff »"
        );
        // Terms and nested reasons are said in the same language.
        let phase = reason!(
            CannotAdoptOpen,
            phase = ReasonArg::phase(Phase::Integrating),
            open = 1usize
        );
        assert_eq!(
            phase.to_string(),
            "cannot adopt: the amendment is integrating (1 open objection)"
        );
        assert_eq!(
            phase.render(Lang::Fr),
            "adoption impossible : l'amendement est à l'état « intégration » (1 objection ouverte)"
        );
        let nested = reason!(ChallengeInadmissible, reason = reason!(NoExample));
        assert_eq!(
            nested.to_string(),
            "answers an inadmissible challenge (gives no concrete example)"
        );
        assert_eq!(
            nested.render(Lang::Fr),
            "répond à une interpellation irrecevable (ne donne aucun exemple concret)"
        );
        let delay = reason!(
            DelayNotPassed,
            days = 7u32,
            ends = ReasonArg::Time(1_797_415_200_000)
        );
        assert_eq!(
            delay.to_string(),
            "the 7-day delay has not passed (it ends 2026-12-16 10:00 UTC)"
        );
        assert_eq!(
            delay.render(Lang::Fr),
            "le délai de 7 jours n'est pas écoulé (il prend fin le 16 déc. 2026 à 10 h UTC)"
        );
    }

    #[test]
    fn json_carries_the_english_text_the_code_and_the_arguments() {
        let reason = reason!(
            RefersToUnknown,
            what = ReasonArg::what("amendment"),
            record = "ab12cd34"
        );
        let json = serde_json::to_value(super::super::Verdict::Rejected(reason)).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "status": "rejected",
                "reason": "refers to unknown amendment ab12cd34",
                "code": "refers-to-unknown",
                "args": {"what": "amendment", "record": "ab12cd34"},
            })
        );
        let accepted = serde_json::to_value(super::super::Verdict::Accepted).expect("json");
        assert_eq!(accepted, serde_json::json!({"status": "accepted"}));
    }
}
