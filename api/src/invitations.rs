//! Joining through an invitation: a member issues one (a signed
//! `invitation.issue` record, published to the relay, and a link holding
//! its secret); an applicant's home uses the link to read, through the
//! relay, what an applicant may read (the community's name, colleges,
//! rules and charter in force), and to leave its application there. The
//! relay hands the application to members' devices on their next sync,
//! which write it into the ledger; members decide as for any application.

use std::time::Duration;

use nous_core::governance::ApplicationState;
use nous_core::identity::DeviceKey;
use nous_core::invitation::Invitation;
use nous_core::record::{
    self, Apply, Invite, Invited, Payload, Record, RecordId, RevokeInvitation, Unsigned,
};
use nous_net::discover::RelayUrl;
use serde::Serialize;

use crate::governance::{Nothing, Recorded};
use crate::{Error, Home, Invalid, JoinError, Result};

/// How long the relay is given to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// An invitation issued (`community invite`).
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    /// The link to hand out (it holds the invitation's secret).
    pub link: String,
    /// The community's name.
    pub name: String,
    /// The college it invites to, if one.
    pub college: Option<String>,
    /// When it expires (ms).
    pub expires_ms: u64,
    /// How many applications it admits; none: no limit.
    pub uses: Option<u32>,
    /// The relay it names.
    pub relay: String,
    /// Whether the invitation reached the relay (else: `nous sync`).
    pub published: bool,
}

/// What joining did (`nous join`).
#[derive(Debug, Clone, Serialize)]
pub struct Joined {
    /// The community.
    pub community: String,
    /// Its name.
    pub name: String,
    /// The colleges one may ask for.
    pub colleges: Vec<record::College>,
    /// The decision rules in force.
    pub rules: record::Rules,
    /// The charter.
    pub charter: String,
    /// Its title, as in force.
    pub title: String,
    /// The version in force.
    pub version: usize,
    /// The application left with the relay.
    pub application: String,
    /// The college asked for.
    pub college: String,
}

impl Home {
    /// Issue an invitation to `community` (id, prefix or name; `None`: the
    /// only one) for the relay at `relay`, valid for `valid_for`, for
    /// `uses` applications (none: any number), to `college` (none: any),
    /// then publish it (a sync of the community's ledger).
    pub fn invite(
        &mut self,
        community: Option<&str>,
        relay: &str,
        college: Option<&str>,
        valid_for: Duration,
        uses: Option<u32>,
    ) -> Result<Recorded<Issued>> {
        let url: RelayUrl = relay
            .parse()
            .map_err(nous_net::session::SessionError::from)?;
        let relay_key = crate::sync::block_on(crate::sync::relay_key(self.path(), &url))??;
        let community = self.governance().community(community)?;
        if let Some(college) = college
            && !community.state.colleges.iter().any(|c| c.id == college)
        {
            return Err(JoinError::NoCollege {
                college: college.to_owned(),
                valid: community
                    .state
                    .colleges
                    .iter()
                    .map(|c| c.id.clone())
                    .collect(),
            }
            .into());
        }
        let mut secret = [0u8; 32];
        self.env().fill(&mut secret);
        let key = DeviceKey::from_seed(&secret);
        let valid_ms = u64::try_from(valid_for.as_millis()).unwrap_or(u64::MAX);
        let expires_ms = self.now_ms().saturating_add(valid_ms.max(1));
        let payload = Payload::Invite(Invite {
            key: key.public(),
            college: college.map(str::to_owned),
            expires: expires_ms,
            uses,
        });
        let name = community.state.name.clone();
        let mut recorded = self.governance().act(
            &community,
            payload,
            Issued {
                link: String::new(),
                name,
                college: college.map(str::to_owned),
                expires_ms,
                uses,
                relay: url.websocket(),
                published: false,
            },
        )?;
        recorded.details.link = Invitation {
            community: community.id,
            record: recorded.record,
            secret,
            relay_key,
            expires: expires_ms,
            relay_url: url.websocket(),
        }
        .to_link();
        let mut quiet = |_: usize, _: usize| {};
        recorded.details.published = self
            .sync(relay, &[], &mut quiet)
            .is_ok_and(|report| report.finished());
        Ok(recorded)
    }

    /// Revoke an invitation (its record id or prefix).
    pub fn revoke_invitation(
        &mut self,
        community: Option<&str>,
        invitation: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.governance().community(community)?;
        let id = community.invitation_by_ref(invitation)?;
        self.governance().act(
            &community,
            Payload::RevokeInvitation(RevokeInvitation { invitation: id }),
            Nothing {},
        )
    }

    /// Join through `link`: read what an applicant may read through the
    /// relay it names, check the community's and the invitation's signed
    /// records, apply as `name` to `college` (the invitation's, or the
    /// only one, when none is given) and leave the application with the
    /// relay. The community's genesis, the invitation, the application and
    /// the charter are kept in this home.
    pub fn join(
        &mut self,
        link: &str,
        name: &str,
        college: Option<&str>,
        motivation: &str,
    ) -> Result<Joined> {
        let invitation: Invitation = link.parse().map_err(JoinError::Link)?;
        if name.trim().is_empty() {
            return Err(JoinError::NoName.into());
        }
        let url: RelayUrl = invitation
            .relay_url
            .parse()
            .map_err(nous_net::session::SessionError::from)?;
        let relay_key = crate::sync::block_on(crate::sync::relay_key(self.path(), &url))??;
        if relay_key != invitation.relay_key {
            return Err(JoinError::WrongRelay.into());
        }
        let device = self.device();
        let proof = record::invitation_proof(
            &invitation.key(),
            &invitation.community,
            &invitation.record,
            &device,
        );
        let ask = serde_json::json!({
            "community": invitation.community.to_string(),
            "invitation": invitation.record.to_string(),
            "proof": proof,
        });
        let welcome = crate::sync::block_on(url.join(&self.token_for(&relay_key)?, &ask, TIMEOUT))?
            .map_err(nous_net::session::SessionError::from)?
            .map_err(|refused| refusal(&refused))?;
        let welcome = Welcome::read(&welcome, &invitation)?;
        let college = match (college, &welcome.invited_college) {
            (Some(asked), _) => asked.to_owned(),
            (None, Some(invited)) => invited.clone(),
            (None, None) if welcome.colleges.len() == 1 => welcome.colleges[0].id.clone(),
            (None, None) => {
                return Err(JoinError::ChooseCollege(
                    welcome.colleges.iter().map(|c| c.id.clone()).collect(),
                )
                .into());
            }
        };
        if let Some(invited) = &welcome.invited_college
            && *invited != college
        {
            return Err(JoinError::InvitedCollege(invited.clone()).into());
        }
        if !welcome.colleges.iter().any(|c| c.id == college) {
            return Err(JoinError::NoCollege {
                college,
                valid: welcome.colleges.iter().map(|c| c.id.clone()).collect(),
            }
            .into());
        }
        let application = self.sign_record(Unsigned {
            community: invitation.community,
            timestamp: self.now_ms().max(welcome.invitation.timestamp()),
            parents: vec![invitation.record],
            payload: Payload::Apply(Apply {
                name: name.trim().to_owned(),
                college: college.clone(),
                motivation: motivation.to_owned(),
                invitation: Some(Invited {
                    id: invitation.record,
                    proof,
                }),
            }),
        })?;
        let kept = crate::sync::block_on(url.join_apply(
            &self.token_for(&relay_key)?,
            application.bytes(),
            TIMEOUT,
        ))?
        .map_err(nous_net::session::SessionError::from)?
        .map_err(|refused| refusal(&refused))?;
        // A join run again: the relay keeps the application this device
        // made before with the invitation, and gives it back.
        let application = if kept == application.bytes() {
            application
        } else {
            let earlier = Record::decode(&kept).map_err(|e| JoinError::Welcome(e.to_string()))?;
            let ours = earlier.author() == device
                && earlier.community() == invitation.community
                && earlier.verify_signature().is_ok()
                && matches!(earlier.payload(), Payload::Apply(Apply { invitation: Some(used), .. }) if used.id == invitation.record);
            if !ours {
                return Err(JoinError::Welcome("not this device's application".into()).into());
            }
            earlier
        };
        let college = match application.payload() {
            Payload::Apply(apply) => apply.college.clone(),
            _ => college,
        };
        // Kept here: the community (as far as an applicant sees it) and
        // the charter, read like a bundle, through every check.
        let mut documents = Vec::new();
        if !welcome.document.is_empty() {
            documents.push((welcome.charter, welcome.document.clone()));
        }
        self.import_decoded(nous_core::bundle::Bundle {
            documents,
            records: vec![
                welcome.genesis.bytes().to_vec(),
                welcome.invitation.bytes().to_vec(),
                application.bytes().to_vec(),
            ],
        })?;
        let title = self
            .charter_at(&welcome.charter, Some(&welcome.heads))
            .map(|c| c.title)
            .unwrap_or_default();
        Ok(Joined {
            community: invitation.community.to_string(),
            name: welcome.name,
            colleges: welcome.colleges,
            rules: welcome.rules,
            charter: welcome.charter.to_string(),
            title,
            version: welcome.version,
            application: application.id().to_string(),
            college,
        })
    }

    /// What became of this device's application to `community` made
    /// through the relay at `relay`: the home's records say it once the
    /// applicant may read them (admitted); until then, the relay does
    /// (pending, or declined with the reason). `None`: no application.
    pub fn application_status(
        &mut self,
        relay: &str,
        community: &str,
        application: &str,
    ) -> Result<Option<ApplicationState>> {
        let id: RecordId = application
            .parse()
            .map_err(|_| Invalid::RecordId(application.chars().take(80).collect()))?;
        let local = self
            .governance()
            .show(Some(community))?
            .applications
            .get(&id)
            .map(|a| a.state.clone());
        if local
            .as_ref()
            .is_some_and(|s| *s != ApplicationState::Pending)
        {
            return Ok(local);
        }
        let url: RelayUrl = relay
            .parse()
            .map_err(nous_net::session::SessionError::from)?;
        let relay_key = crate::sync::block_on(crate::sync::relay_key(self.path(), &url))??;
        let asked = crate::sync::block_on(url.join_status(
            &self.token_for(&relay_key)?,
            community,
            TIMEOUT,
        ))?
        .map_err(nous_net::session::SessionError::from)?;
        Ok(asked
            .and_then(|value| serde_json::from_value(value).ok())
            .or(local))
    }

    /// A one-use token of this device for the relay `relay`.
    pub(crate) fn token_for(&self, relay: &nous_core::PublicKey) -> Result<String> {
        let mut nonce = [0u8; 16];
        self.env().fill(&mut nonce);
        let key = crate::sync::device_key(self.path())?;
        Ok(nous_core::token::Token::issue(
            &key,
            relay,
            nous_net::now_ms() + 60_000,
            nonce,
        ))
    }
}

/// The relay's welcome, checked against the link.
struct Welcome {
    name: String,
    rules: record::Rules,
    colleges: Vec<record::College>,
    charter: nous_core::ids::DocId,
    heads: Vec<automerge::ChangeHash>,
    version: usize,
    genesis: Record,
    invitation: Record,
    invited_college: Option<String>,
    document: Vec<u8>,
}

impl Welcome {
    fn read(value: &serde_json::Value, link: &Invitation) -> Result<Welcome> {
        let bad = |what: &str| Error::from(JoinError::Welcome(what.to_owned()));
        let records: Vec<Record> = value["records"]
            .as_array()
            .ok_or_else(|| bad("no records"))?
            .iter()
            .map(|v| {
                let bytes =
                    hex::decode(v.as_str().unwrap_or_default()).map_err(|_| bad("records"))?;
                let record = Record::decode(&bytes).map_err(|e| bad(&e.to_string()))?;
                record.verify_signature().map_err(|e| bad(&e.to_string()))?;
                Ok(record)
            })
            .collect::<Result<_>>()?;
        // The genesis is the community (its id is the genesis's), and the
        // invitation a record of it whose key is the link's.
        let genesis = records
            .iter()
            .find(|r| r.id() == link.community)
            .cloned()
            .ok_or_else(|| bad("not the community the invitation names"))?;
        let Payload::Genesis(founded) = genesis.payload() else {
            return Err(bad("not the community the invitation names"));
        };
        let invitation = records
            .iter()
            .find(|r| r.id() == link.record && r.community() == link.community)
            .cloned()
            .ok_or_else(|| bad("not the invitation of the link"))?;
        let Payload::Invite(invite) = invitation.payload() else {
            return Err(bad("not the invitation of the link"));
        };
        if invite.key != link.key().public() {
            return Err(bad("the invitation's key is not the link's"));
        }
        let colleges: Vec<record::College> =
            serde_json::from_value(value["colleges"].clone()).map_err(|_| bad("colleges"))?;
        let charter: nous_core::ids::DocId = value["charter"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("charter"))?;
        if charter != founded.charter.doc {
            return Err(bad("the charter is not the community's"));
        }
        let heads = value["version"]["heads"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str()?.parse().ok())
            .collect();
        let rules: record::Rules =
            serde_json::from_value(value["rules"].clone()).map_err(|_| bad("rules"))?;
        Ok(Welcome {
            rules,
            name: value["name"].as_str().unwrap_or(&founded.name).to_owned(),
            colleges,
            charter,
            heads,
            version: value["version"]["number"].as_u64().unwrap_or(1) as usize,
            genesis,
            invited_college: invite.college.clone(),
            invitation,
            document: hex::decode(value["document"].as_str().unwrap_or_default())
                .map_err(|_| bad("document"))?,
        })
    }
}

/// Take in the applications a relay handed over (`/status`): each through
/// the import path's checks (signature, community, governance), one at a
/// time, so one the home refuses does not keep out the others. What was
/// taken in is written into the ledger replica, which the next exchange
/// carries to the relay and every member. How many were new.
pub(crate) fn take_pending(home: &mut Home, pending: &[Vec<u8>]) -> usize {
    let mut taken = 0;
    for bytes in pending {
        let bundle = nous_core::bundle::Bundle {
            documents: Vec::new(),
            records: vec![bytes.clone()],
        };
        // One refused here (a relay's mistake, or a record this home
        // judges otherwise) is not taken in, and the sync goes on.
        if let Ok(report) = home.import_decoded(bundle) {
            taken += report.new_records;
        }
    }
    taken
}

/// A relay's refusal of `/join` or `/join/apply`:
/// `{"refused": "unknown" | "closed" | "proof" | "application", "reason"}`.
fn refusal(body: &str) -> Error {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let reason = value["reason"].as_str().unwrap_or(body).to_owned();
    match value["refused"].as_str() {
        Some("unknown") => JoinError::Unknown,
        Some("closed") => JoinError::Closed,
        Some("proof") => JoinError::Proof,
        _ => JoinError::Application(reason),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use nous_core::ids::DocId;
    use nous_core::record::{College, Founder, Genesis, Heads, Method, Rule, Rules, Version};

    use super::*;

    fn sign(
        key: &DeviceKey,
        community: RecordId,
        parents: Vec<RecordId>,
        payload: Payload,
    ) -> Record {
        Record::sign(
            key,
            Unsigned {
                community,
                timestamp: 1,
                parents,
                payload,
            },
        )
        .expect("sign")
    }

    fn genesis(founder: &DeviceKey, name: &str) -> Record {
        sign(
            founder,
            RecordId::ZERO,
            Vec::new(),
            Payload::Genesis(Genesis {
                name: name.into(),
                charter: Version {
                    doc: DocId::from_bytes([3; 16]),
                    heads: Heads::new(Vec::new()),
                },
                colleges: vec![College {
                    id: "m".into(),
                    name: "M".into(),
                    weight: 1,
                }],
                founders: vec![Founder {
                    member: founder.public(),
                    name: "F".into(),
                    college: "m".into(),
                }],
                rules: Rules::all(Rule::new(Method::Consent)),
                facilitators: Vec::new(),
            }),
        )
    }

    fn invite(founder: &DeviceKey, genesis: &Record, secret: &DeviceKey) -> Record {
        sign(
            founder,
            genesis.id(),
            vec![genesis.id()],
            Payload::Invite(Invite {
                key: secret.public(),
                college: None,
                expires: 10,
                uses: Some(1),
            }),
        )
    }

    fn welcome(records: &[&Record], charter: DocId) -> serde_json::Value {
        serde_json::json!({
            "name": "Coop",
            "colleges": [{"id": "m", "name": "M", "weight": 1}],
            "rules": Rules::all(Rule::new(Method::Consent)),
            "charter": charter.to_string(),
            "version": {"number": 1, "heads": []},
            "records": records.iter().map(|r| hex::encode(r.bytes())).collect::<Vec<_>>(),
            "document": "",
        })
    }

    /// What a relay sends is checked against the link: a relay (or a
    /// stranger posing as one) cannot pass off another community, another
    /// invitation, a record signed by someone else, or another charter.
    #[test]
    fn a_welcome_that_does_not_match_the_link_is_refused() {
        let founder = DeviceKey::from_seed(&[1; 32]);
        let secret = DeviceKey::from_seed(&[2; 32]);
        let coop = genesis(&founder, "Coop");
        let invitation = invite(&founder, &coop, &secret);
        let link = Invitation {
            community: coop.id(),
            record: invitation.id(),
            secret: [2; 32],
            relay_key: DeviceKey::from_seed(&[9; 32]).public(),
            expires: 10,
            relay_url: "ws://127.0.0.1:1/".into(),
        };
        let charter = DocId::from_bytes([3; 16]);
        let read = |value: serde_json::Value| Welcome::read(&value, &link).map(|w| w.name);
        assert_eq!(
            read(welcome(&[&coop, &invitation], charter)).ok(),
            Some("Coop".into())
        );

        let refused = |value: serde_json::Value| {
            let error = read(value).expect_err("refused");
            assert!(
                matches!(error, Error::Join(JoinError::Welcome(_))),
                "{error:?}"
            );
        };
        // Another community under the same name.
        let other = genesis(&DeviceKey::from_seed(&[5; 32]), "Coop");
        refused(welcome(&[&other, &invitation], charter));
        // Another invitation of the community (another key).
        let another = invite(&founder, &coop, &DeviceKey::from_seed(&[6; 32]));
        refused(welcome(&[&coop, &another], charter));
        // The right invitation id is not forgeable: a record with altered
        // bytes does not verify.
        let mut bytes = invitation.bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let mut tampered = welcome(&[&coop], charter);
        tampered["records"]
            .as_array_mut()
            .expect("records")
            .push(hex::encode(&bytes).into());
        refused(tampered);
        // Another charter than the community's.
        refused(welcome(&[&coop, &invitation], DocId::from_bytes([4; 16])));
        // Nothing at all.
        refused(serde_json::json!({}));
    }
}
