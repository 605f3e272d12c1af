//! Citizens in a participation, through a relay: a home that is no member
//! of the organising community reads a participation
//! ([`Home::participation_view`]) and writes the records a citizen may —
//! contributions, amendments, withdrawals, supports and reports — signed
//! with its device key on the record heads the relay gives, and sent to
//! the relay, which judges them with the community's records and hands
//! them to members' devices. Nothing is kept in the home: the relay and
//! the community's ledger hold them.

use std::time::Duration;

use nous_core::participation_link::{LinkError, LinkInvitation, ParticipationLink};
use nous_core::record::{
    self, AmendContribution, Anchor, AnswerState, AuthorType, Category, Channel, Commitment,
    Contributors, Invited, Location, Payload, PhaseKind, RecordId, ReportContribution,
    ReportReason, SubmitContribution, SupportContribution, Unsigned, WithdrawContribution,
};
use nous_net::discover::RelayUrl;
use serde::{Deserialize, Serialize};

use crate::{Error, Home, Invalid, Result};

/// How long the relay is given to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a citizen's view or record did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParticipateError {
    /// The text is not a participation link.
    #[error("{0}")]
    Link(#[from] LinkError),
    /// The relay answered with another key than the link names.
    #[error("the relay's key is not the one the participation link names")]
    WrongRelay,
    /// The relay knows no such participation.
    #[error("the relay knows no such participation")]
    Unknown,
    /// Too many records from this device or address.
    #[error("the relay refused the record: too many records; try again in a minute")]
    RateLimited,
    /// The relay refused the record: its code (`kind`, `participation`,
    /// `too-large`…, or governance's code, e.g. `participation-members-only`)
    /// and reason (in English).
    #[error("the relay refused the record: {reason}")]
    Refused {
        /// The relay's code.
        code: String,
        /// Why, in English.
        reason: String,
        /// Governance's arguments for its reason (`{}` for the relay's own
        /// refusals): with `code`, what says it in the reader's language.
        args: serde_json::Map<String, serde_json::Value>,
    },
    /// What the relay sent is not usable.
    #[error("the relay's answer is not usable: {0}")]
    Answer(String),
    /// A contribution needs a title and a text.
    #[error("a contribution needs a title and a text")]
    Empty,
}

/// A document of the participation, as the relay holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentView {
    /// Its id.
    pub doc: String,
    /// Its heads at this version.
    pub heads: Vec<String>,
    /// As Markdown ("" when the relay does not hold that version).
    pub markdown: String,
}

/// The phase in force.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseView {
    /// Its `participation.phase` record.
    pub record: String,
    /// Which phase.
    pub phase: PhaseKind,
    /// When it opens (ms).
    pub opens_at: u64,
    /// When it closes (ms), if it does.
    pub closes_at: Option<u64>,
    /// Who may contribute.
    pub contributors: Contributors,
    /// The channels it takes.
    pub channels: Vec<Channel>,
    /// The categories it takes (none: all).
    pub categories: Vec<String>,
}

/// An answer to a contribution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerView {
    /// What became of it.
    pub state: AnswerState,
    /// Why.
    pub argument: String,
}

/// A contribution as anyone may read it: a hidden one shows only its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContributionView {
    /// Its record.
    pub id: String,
    /// Hidden by moderation or reports: nothing else is shown.
    pub hidden: bool,
    /// Its author's pseudonym.
    #[serde(default)]
    pub pseudonym: Option<String>,
    /// The device that signed it.
    #[serde(default)]
    pub device: Option<String>,
    /// Its title (the latest wording).
    #[serde(default)]
    pub title: Option<String>,
    /// Its text (the latest wording).
    #[serde(default)]
    pub body: Option<String>,
    /// Its category.
    #[serde(default)]
    pub category: Option<String>,
    /// Its author's type.
    #[serde(default)]
    pub author_type: Option<AuthorType>,
    /// Where in the text it bears.
    #[serde(default)]
    pub anchor: Option<Anchor>,
    /// Where.
    #[serde(default)]
    pub location: Option<Location>,
    /// Whether its author withdrew it.
    #[serde(default)]
    pub withdrawn: bool,
    /// How many devices support it.
    #[serde(default)]
    pub supporters: usize,
    /// Where it stands (`submitted`, `answered`…).
    #[serde(default)]
    pub status: Option<String>,
    /// The answer in force.
    #[serde(default)]
    pub answer: Option<AnswerView>,
}

/// What a citizen may read of a participation (`/participate`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParticipationView {
    /// The organising community.
    pub community: String,
    /// Its name.
    pub name: String,
    /// The `participation.open` record.
    pub participation: String,
    /// The participation's title.
    pub title: String,
    /// The phase in force, if one.
    pub phase: Option<PhaseView>,
    /// Whether it takes contributions now.
    pub open: bool,
    /// Whether it is closed.
    pub closed: bool,
    /// When answers are due (ms).
    pub answer_due: u64,
    /// Its categories.
    pub categories: Vec<Category>,
    /// The text under consultation.
    pub text: DocumentView,
    /// The contrat participatif.
    pub contract: DocumentView,
    /// Its commitments.
    pub commitments: Vec<Commitment>,
    /// The contributions, in order of submission.
    pub contributions: Vec<ContributionView>,
    /// The record heads a new record cites.
    pub heads: Vec<String>,
    /// Their latest date (ms).
    pub heads_time: u64,
}

/// A contribution to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionDraft {
    /// A short title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Its category (one of the participation's ids).
    pub category: String,
    /// Who the author is.
    pub author_type: AuthorType,
    /// Where in the text it bears, if somewhere.
    pub anchor: Option<Anchor>,
    /// Where, if somewhere.
    pub location: Option<Location>,
}

/// A participation link the organiser hands out ([`Home::participation_link`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkIssued {
    /// The link, `nous:participate/1/…`.
    pub link: String,
    /// The organising community.
    pub community: String,
    /// The `participation.open` record.
    pub participation: String,
    /// The participation's title.
    pub title: String,
    /// The relay's URL.
    pub relay: String,
    /// The `invitation.issue` record whose secret the link carries, if one.
    pub invitation: Option<String>,
    /// Whether the sync gave the relay the community's records (so it
    /// knows the participation).
    pub published: bool,
}

/// The link, read, and the relay it names, checked.
struct Reached {
    link: ParticipationLink,
    url: RelayUrl,
}

impl Home {
    /// What anyone may read of the participation `link` names, from the
    /// relay it names.
    pub fn participation_view(&mut self, link: &str) -> Result<ParticipationView> {
        let reached = self.reach(link)?;
        self.view_of(&reached)
    }

    /// Contribute to the participation `link` names, from this device.
    pub fn contribute_remote(&mut self, link: &str, draft: ContributionDraft) -> Result<RecordId> {
        if draft.title.trim().is_empty() || draft.body.trim().is_empty() {
            return Err(ParticipateError::Empty.into());
        }
        let reached = self.reach(link)?;
        let invitation = self.invited(&reached.link);
        let payload = Payload::SubmitContribution(SubmitContribution {
            participation: reached.link.participation,
            title: draft.title.trim().to_owned(),
            body: draft.body,
            category: draft.category,
            author_type: draft.author_type,
            anchor: draft.anchor,
            location: draft.location,
            channel: Channel::Device,
            on_behalf_of: None,
            invitation,
        });
        self.send(&reached, payload)
    }

    /// Support `contribution` (its record id) in the participation `link`
    /// names.
    pub fn support_remote(&mut self, link: &str, contribution: &str) -> Result<RecordId> {
        let reached = self.reach(link)?;
        let payload = Payload::SupportContribution(SupportContribution {
            contribution: record_id(contribution)?,
            invitation: self.invited(&reached.link),
        });
        self.send(&reached, payload)
    }

    /// Report `contribution` (its record id) for `reason`.
    pub fn report_remote(
        &mut self,
        link: &str,
        contribution: &str,
        reason: ReportReason,
        details: &str,
    ) -> Result<RecordId> {
        let reached = self.reach(link)?;
        let payload = Payload::ReportContribution(ReportContribution {
            contribution: record_id(contribution)?,
            reason,
            details: details.to_owned(),
            invitation: self.invited(&reached.link),
        });
        self.send(&reached, payload)
    }

    /// Withdraw this device's `contribution` (its record id).
    pub fn withdraw_remote(
        &mut self,
        link: &str,
        contribution: &str,
        reason: &str,
    ) -> Result<RecordId> {
        let reached = self.reach(link)?;
        let payload = Payload::WithdrawContribution(WithdrawContribution {
            contribution: record_id(contribution)?,
            reason: reason.to_owned(),
        });
        self.send(&reached, payload)
    }

    /// Reword this device's `contribution` (its record id).
    pub fn amend_remote(
        &mut self,
        link: &str,
        contribution: &str,
        title: &str,
        body: &str,
    ) -> Result<RecordId> {
        if title.trim().is_empty() || body.trim().is_empty() {
            return Err(ParticipateError::Empty.into());
        }
        let reached = self.reach(link)?;
        let payload = Payload::AmendContribution(AmendContribution {
            contribution: record_id(contribution)?,
            title: title.trim().to_owned(),
            body: body.to_owned(),
        });
        self.send(&reached, payload)
    }

    /// The link citizens use to reach `participation` (record id or
    /// prefix) of `community` through `relay`: the relay's key is asked
    /// and the community's records are synced to it first, so it knows the
    /// participation. With `invitation` (how long it is valid, how many
    /// uses), an invitation is issued and its secret goes in the link, for
    /// phases open to invited contributors.
    pub fn participation_link(
        &mut self,
        community: Option<&str>,
        participation: &str,
        relay: &str,
        invitation: Option<(Duration, Option<u32>)>,
    ) -> Result<LinkIssued> {
        let id = self.governance().community(community)?.id;
        let held = self.governance().participation(community, participation)?;
        let url: RelayUrl = relay
            .parse()
            .map_err(nous_net::session::SessionError::from)?;
        let (relay_key, carried, published) = match invitation {
            Some((valid_for, uses)) => {
                let issued = self.invite(community, relay, None, valid_for, uses)?;
                let invitation: nous_core::invitation::Invitation = issued
                    .details
                    .link
                    .parse()
                    .map_err(|_| ParticipateError::Answer("invitation".into()))?;
                let carried = LinkInvitation {
                    record: invitation.record,
                    secret: invitation.secret,
                };
                (
                    invitation.relay_key,
                    Some(carried),
                    issued.details.published,
                )
            }
            None => {
                let relay_key = crate::sync::block_on(crate::sync::relay_key(self.path(), &url))??;
                let mut quiet = |_: usize, _: usize| {};
                let published = self
                    .sync(relay, &[], &mut quiet)
                    .is_ok_and(|report| report.finished());
                (relay_key, None, published)
            }
        };
        let invitation_id = carried.as_ref().map(|c| c.record.to_string());
        let link = ParticipationLink {
            community: id,
            participation: held.id,
            relay_key,
            relay_url: url.websocket(),
            invitation: carried,
        }
        .to_link();
        Ok(LinkIssued {
            link,
            community: id.to_string(),
            participation: held.id.to_string(),
            title: held.title,
            relay: url.websocket(),
            invitation: invitation_id,
            published,
        })
    }

    /// Read `link` and check the relay's key against it.
    fn reach(&mut self, link: &str) -> Result<Reached> {
        let link: ParticipationLink = link.parse().map_err(ParticipateError::Link)?;
        let url: RelayUrl = link
            .relay_url
            .parse()
            .map_err(nous_net::session::SessionError::from)?;
        let relay_key = crate::sync::block_on(crate::sync::relay_key(self.path(), &url))??;
        if relay_key != link.relay_key {
            return Err(ParticipateError::WrongRelay.into());
        }
        Ok(Reached { link, url })
    }

    /// The invitation proof the link allows, for this device.
    fn invited(&self, link: &ParticipationLink) -> Option<Invited> {
        link.invitation.as_ref().map(|invitation| Invited {
            id: invitation.record,
            proof: record::invitation_proof(
                &invitation.key(),
                &link.community,
                &invitation.record,
                &self.device(),
            ),
        })
    }

    fn ask(
        &self,
        reached: &Reached,
        path: &str,
        ask: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let token = self.token_for(&reached.link.relay_key)?;
        crate::sync::block_on(reached.url.participate(path, &token, ask, TIMEOUT))?
            .map_err(nous_net::session::SessionError::from)?
            .map_err(|refused| refusal(&refused))
    }

    fn view_of(&self, reached: &Reached) -> Result<ParticipationView> {
        let ask = serde_json::json!({
            "community": reached.link.community.to_string(),
            "participation": reached.link.participation.to_string(),
        });
        let value = self.ask(reached, "/participate", &ask)?;
        let view: ParticipationView =
            serde_json::from_value(value).map_err(|e| ParticipateError::Answer(e.to_string()))?;
        if view.participation != reached.link.participation.to_string()
            || view.community != reached.link.community.to_string()
        {
            return Err(
                ParticipateError::Answer("not the participation the link names".into()).into(),
            );
        }
        Ok(view)
    }

    /// Sign `payload` on the heads the relay gives and send it.
    fn send(&mut self, reached: &Reached, payload: Payload) -> Result<RecordId> {
        let view = self.view_of(reached)?;
        let parents = view
            .heads
            .iter()
            .map(|h| h.parse::<RecordId>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| ParticipateError::Answer("heads".into()))?;
        let signed = self.sign_record(Unsigned {
            community: reached.link.community,
            timestamp: self.now_ms().max(view.heads_time),
            parents,
            payload,
        })?;
        let ask = serde_json::json!({
            "community": reached.link.community.to_string(),
            "participation": reached.link.participation.to_string(),
            "record": hex::encode(signed.bytes()),
        });
        let value = self.ask(reached, "/participate/submit", &ask)?;
        if value["record"].as_str() != Some(&signed.id().to_string()) {
            return Err(ParticipateError::Answer("another record kept".into()).into());
        }
        Ok(signed.id())
    }
}

fn record_id(text: &str) -> Result<RecordId> {
    text.trim()
        .parse()
        .map_err(|_| Invalid::RecordId(text.chars().take(80).collect()).into())
}

/// A relay's refusal: `{"refused": code, "reason"}`.
fn refusal(body: &str) -> Error {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let reason = value["reason"].as_str().unwrap_or(body).to_owned();
    match value["refused"].as_str() {
        Some("unknown") => ParticipateError::Unknown,
        Some("rate") => ParticipateError::RateLimited,
        // Governance's refusals name the fold's code.
        Some(code) => ParticipateError::Refused {
            code: value["code"].as_str().unwrap_or(code).to_owned(),
            reason,
            args: value["args"].as_object().cloned().unwrap_or_default(),
        },
        None => ParticipateError::Refused {
            code: "relay".into(),
            reason,
            args: serde_json::Map::new(),
        },
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_back() {
        assert_eq!(
            refusal(r#"{"refused":"unknown","reason":"x"}"#).to_string(),
            ParticipateError::Unknown.to_string()
        );
        assert!(matches!(
            refusal(r#"{"refused":"rate","reason":"x"}"#),
            Error::Participate(ParticipateError::RateLimited)
        ));
        assert!(matches!(
            refusal(r#"{"refused":"kind","reason":"no"}"#),
            Error::Participate(ParticipateError::Refused { code, reason, .. }) if code == "kind" && reason == "no"
        ));
        assert!(matches!(
            refusal(r#"{"refused":"governance","code":"participation-members-only","reason":"r"}"#),
            Error::Participate(ParticipateError::Refused { code, .. }) if code == "participation-members-only"
        ));
        assert!(matches!(
            refusal("HTTP 500"),
            Error::Participate(ParticipateError::Refused { reason, .. }) if reason == "HTTP 500"
        ));
    }
}
