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
use nous_core::governance::{self, ApplicationState, MemberStatus, Phase};
use nous_core::record::{
    Access, Act, ActRule, College, Founder, Method, Outcome, Rule, SanctionLevel, Stance,
    TensionPath, TensionStatus,
};

use crate::args::*;
use crate::commands::{Context, open, read_text};
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
        output::text(&format!("{summary} (record {})", recorded.record.short()))
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` (UTC), or milliseconds since the
/// Unix epoch, to milliseconds.
pub fn parse_time(text: &str) -> anyhow::Result<u64> {
    nous_core::time::parse(text).ok_or_else(|| {
        anyhow!(
            "`{}` is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)",
            text.trim()
        )
    })
}

fn describe_rule(rule: &Rule) -> String {
    let mut text = governance::method_name(rule.method).to_owned();
    if rule.quorum > 0 {
        text.push_str(&format!(", quorum {}%", rule.quorum));
    }
    if matches!(rule.method, Method::Qualified | Method::Weighted) {
        text.push_str(&format!(", threshold {}%", rule.threshold));
    }
    if rule.min_days > 0 {
        text.push_str(&format!(", at least {} day(s)", rule.min_days));
    }
    if rule.signers > 1 {
        text.push_str(&format!(", {} signers", rule.signers));
    }
    if !rule.electorate.is_empty() {
        text.push_str(&format!(", decided by {}", rule.electorate.join(" + ")));
    }
    if rule.block {
        text.push_str(", block allowed");
    }
    text
}
