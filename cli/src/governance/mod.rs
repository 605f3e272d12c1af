//! Governance commands: communities, members, challenges, amendments,
//! reactions, decisions, ratifications, tensions, rules and verification.
//!
//! Every act is a signed record that the engine judges before storing it;
//! a refusal is a one-line error with governance's reason.

use anyhow::{Context as _, anyhow, bail};

use nous_api::deliberation::Reaction;
use nous_api::governance::{Listed, NewCommunity, Recorded, Until};
use nous_api::{ErrorKind, Home};
use nous_core::PublicKey;
use nous_core::governance::{ApplicationState, MemberStatus, Phase};
use nous_core::record::{
    Access, Act, ActRule, College, Founder, Method, Outcome, Rule, SanctionLevel, Stance,
    TensionPath, TensionStatus,
};

use crate::args::*;
use crate::commands::{Context, open, read_text};
use crate::lang::tr;
use crate::output::{self, clip, pad};

mod amendments;
mod checks;
mod communities;
mod decisions;
mod members;
mod tensions;

pub use amendments::*;
pub use checks::*;
pub use communities::*;
pub use decisions::*;
pub use members::*;
pub use tensions::*;

/// Close the home (attesting pending content changes) and print what an act
/// recorded: its JSON, or `summary` for people.
fn recorded<T: serde::Serialize>(
    cx: &Context,
    home: Home,
    recorded: &Recorded<T>,
    summary: String,
) -> anyhow::Result<()> {
    crate::commands::save_and_close(home)?;
    if cx.json {
        output::json(recorded)
    } else {
        let record = recorded.record.short();
        output::text(&tr!("gov-recorded", summary = summary, record = record))
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (UTC), or milliseconds since the
/// Unix epoch, to milliseconds.
pub fn parse_time(text: &str) -> anyhow::Result<u64> {
    nous_core::time::parse(text).ok_or_else(|| anyhow!(tr!("gov-not-a-date", text = text.trim())))
}

/// A rule in words: its method, then what it asks beyond it.
pub fn describe_rule(rule: &Rule) -> String {
    let mut parts = vec![method_word(rule.method)];
    if rule.quorum > 0 {
        parts.push(tr!("gov-rule-quorum", percent = rule.quorum));
    }
    if matches!(rule.method, Method::Qualified | Method::Weighted) {
        parts.push(tr!("gov-rule-threshold", percent = rule.threshold));
    }
    if rule.min_days > 0 {
        parts.push(tr!("gov-rule-days", days = rule.min_days));
    }
    if rule.signers > 1 {
        parts.push(tr!("gov-rule-signers", signers = rule.signers));
    }
    if !rule.electorate.is_empty() {
        let colleges = rule.electorate.join(" + ");
        parts.push(tr!("gov-rule-electorate", colleges = colleges));
    }
    if rule.block {
        parts.push(tr!("gov-rule-block"));
    }
    parts.join(", ")
}

/// A decision method in words ("qualified majority").
fn method_word(method: Method) -> String {
    tr!("gov-method", method = method.name())
}

/// An amendment's phase in words ("objection round").
fn phase_word(phase: Phase) -> String {
    tr!("gov-phase", phase = phase.name())
}

/// The widest phase in words, for table columns (at least `min`).
fn phase_width(min: usize) -> usize {
    Phase::ALL
        .iter()
        .map(|p| phase_word(*p).chars().count())
        .fold(min, usize::max)
}
