//! One spelling per value of the governance enums: the name a payload, the
//! JSON output, the rule grammar and a binding's call all use, with
//! `Display` and `FromStr` (words for people, such as "objection round",
//! are the printing side's).

use std::fmt;
use std::str::FromStr;

use super::{Act, Method, Outcome, Stance, TensionPath, TensionStatus};
use crate::governance::Phase;

/// Text that names none of an enum's values; the message lists them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not {what} ({expected})")]
pub struct UnknownName {
    /// What was given.
    pub text: String,
    /// What it should have named ("a stance").
    pub what: &'static str,
    /// Every name accepted, comma-separated.
    pub expected: String,
}

macro_rules! count {
    () => { 0 };
    ($head:ident $($tail:ident)*) => { 1 + count!($($tail)*) };
}

macro_rules! named {
    ($ty:ident, $what:literal, { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: [$ty; count!($($variant)*)] = [$($ty::$variant),*];

            /// Its one spelling (as in payloads and JSON).
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                let text = text.trim();
                $ty::ALL.into_iter().find(|v| v.name() == text).ok_or_else(|| UnknownName {
                    text: text.to_owned(),
                    what: $what,
                    expected: [$($name),*].join(", "),
                })
            }
        }
    };
}

named!(Act, "an act", {
    Amend = "amend",
    Admit = "admit",
    Exclude = "exclude",
    Rules = "rules",
});

named!(Method, "a method", {
    Consent = "consent",
    Consensus = "consensus",
    Majority = "majority",
    Qualified = "qualified",
    Unanimity = "unanimity",
    Weighted = "weighted",
    Lazy = "lazy",
    Advice = "advice",
});

named!(Stance, "a stance", {
    Question = "question",
    Consent = "consent",
    Concern = "concern",
    Objection = "objection",
    Abstain = "abstain",
    StandAside = "stand-aside",
    Block = "block",
    Yes = "yes",
    No = "no",
    Resolved = "resolved",
});

named!(Outcome, "an outcome", {
    Adopted = "adopted",
    Rejected = "rejected",
});

named!(TensionPath, "a tension path", {
    Request = "request",
    Mediation = "mediation",
    Governance = "governance",
    Conduct = "conduct",
});

named!(TensionStatus, "a tension status", {
    Open = "open",
    InProcess = "in-process",
    Resolved = "resolved",
    Escalated = "escalated",
});

named!(Phase, "a phase", {
    Draft = "draft",
    Proposed = "proposed",
    Reactions = "reactions",
    ObjectionRound = "objection-round",
    Integrating = "integrating",
    Stale = "stale",
    Adopted = "adopted",
    Merged = "merged",
    Withdrawn = "withdrawn",
    Rejected = "rejected",
});

#[cfg(test)]
mod tests {
    use super::*;

    /// The name of every value is its JSON spelling, and reads back.
    fn one_spelling<T>(all: &[T])
    where
        T: Copy
            + fmt::Display
            + FromStr<Err = UnknownName>
            + serde::Serialize
            + PartialEq
            + fmt::Debug,
    {
        for value in all {
            let json = serde_json::to_value(value).expect("json");
            assert_eq!(json.as_str(), Some(value.to_string().as_str()));
            assert_eq!(value.to_string().parse::<T>(), Ok(*value));
        }
    }

    #[test]
    fn every_governance_enum_has_one_spelling() {
        one_spelling(&Act::ALL);
        one_spelling(&Method::ALL);
        one_spelling(&Stance::ALL);
        one_spelling(&Outcome::ALL);
        one_spelling(&TensionPath::ALL);
        one_spelling(&TensionStatus::ALL);
        one_spelling(&Phase::ALL);
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let error = "maybe".parse::<Outcome>().expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "`maybe` is not an outcome (adopted, rejected)"
        );
        assert_eq!(
            " in-process ".parse::<TensionStatus>(),
            Ok(TensionStatus::InProcess)
        );
    }
}
