//! Governance: communities and their members (`home.governance()`).
//!
//! Every act is a signed record: the facade builds it from plain values,
//! the engine signs it, judges it under the community's rules (a refusal
//! is an error of kind `Refused` with the reason, and nothing is stored)
//! and stores it; it is durable when the method returns. Communities are
//! named by id, id prefix or name (`None`: the home's only community);
//! members by key, key prefix or name; records by id prefix.

use std::sync::Arc;

use nous_core::community::{Acted, Community, Founding, Unresolved};
use nous_core::governance::{self, Application, Device, Member, State};
use nous_core::record::{
    self, Access, ActRule, College, CommunityId, DocumentShare, Exclude, Founder, Kind, Outcome,
    Payload, RecordId, Rules, Sanction, SanctionLevel,
};
use nous_core::{DocId, PublicKey};
use serde::Serialize;

use crate::{Event, Home, Invalid, Result};

/// The governance of a home's communities ([`Home::governance`]).
#[derive(Debug)]
pub struct Governance<'h> {
    home: &'h mut Home,
}

/// A record stored by an act: `{record, kind, community, …details}`.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded<T> {
    /// The record (the SHA-256 of its bytes).
    pub record: RecordId,
    /// Its kind.
    pub kind: Kind,
    /// Its community.
    pub community: CommunityId,
    /// What this act adds.
    #[serde(flatten)]
    pub details: T,
    /// The community's state after it.
    #[serde(skip)]
    pub state: Box<State>,
}

/// No details.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Nothing {}

/// A community founded.
#[derive(Debug, Clone, Serialize)]
pub struct Founded {
    /// Its id.
    pub id: CommunityId,
    /// Its charter.
    pub charter: DocId,
}

/// A document shared with a community.
#[derive(Debug, Clone, Serialize)]
pub struct Shared {
    /// The document.
    pub doc: DocId,
    /// Its title as the community lists it.
    pub title: String,
    /// Who may read it.
    pub access: Access,
}

/// An applicant admitted.
#[derive(Debug, Clone, Serialize)]
pub struct Admitted {
    /// Their name (for people; not in JSON).
    #[serde(skip)]
    pub name: String,
}

/// A charter signed by a newcomer.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    /// The hash of the version signed.
    pub version: String,
}

/// An exclusion proposed.
#[derive(Debug, Clone, Serialize)]
pub struct ExclusionProposed {
    /// When the member was told (ms).
    pub notice_at: u64,
    /// When they are heard (ms); the decision comes after.
    pub hearing_at: u64,
}

/// A device certified or revoked.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceChanged {
    /// The device.
    pub device: PublicKey,
}

/// A community in the list of a home.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Listed {
    /// One that resolves.
    Usable {
        /// Its id.
        id: CommunityId,
        /// Its name.
        name: String,
        /// How many members it has (every status).
        members: usize,
    },
    /// One whose records cannot be resolved.
    Unusable {
        /// Its id.
        id: CommunityId,
        /// Why (in JSON: in English; [`crate::resolve_localized`] says
        /// it in another language).
        #[serde(serialize_with = "in_english")]
        unusable: nous_core::governance::ResolveError,
    },
}

/// An error as its English text.
fn in_english<S: serde::Serializer>(
    error: &nous_core::governance::ResolveError,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_str(error)
}

/// Something that awaits this device's member, and in which community.
#[derive(Debug, Clone, Serialize)]
pub struct TodoItem {
    /// The community.
    pub community: CommunityId,
    /// Its name.
    pub community_name: String,
    /// What awaits (its fields flattened: `kind`, `subject`, `title`,
    /// `since`, `due`).
    #[serde(flatten)]
    pub todo: nous_core::governance::Todo,
}

/// The members, applications and devices of a community.
#[derive(Debug, Clone, Serialize)]
pub struct Roster {
    /// Members, every status.
    pub members: Vec<Member>,
    /// Applications, every state.
    pub applications: Vec<Application>,
    /// Devices, by key.
    pub devices: std::collections::BTreeMap<PublicKey, Device>,
}

/// What founding a community needs besides this device, its first founder.
#[derive(Debug, Clone, Default)]
pub struct NewCommunity<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its charter (id, prefix or title of a charter of this home).
    pub charter: &'a str,
    /// Stakeholder categories; one "members" college when empty.
    pub colleges: Vec<College>,
    /// This device's founder name ("founder" when none).
    pub name_as: Option<&'a str>,
    /// This device's college (the first when none).
    pub college: Option<&'a str>,
    /// Other founders.
    pub founders: Vec<Founder>,
    /// Rules other than the defaults (`Rules::default`).
    pub rules: Vec<ActRule>,
    /// Facilitators.
    pub facilitators: Vec<PublicKey>,
}

/// How long a suspension lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Until this time (ms).
    Time(u64),
    /// This many days from now.
    Days(u32),
}

impl Home {
    /// The governance of this home's communities.
    pub fn governance(&mut self) -> Governance<'_> {
        Governance { home: self }
    }
}

impl Governance<'_> {
    /// The community named (id, prefix or name; `None`: the only one).
    pub fn community(&self, name: Option<&str>) -> Result<Community> {
        let id = self.home.resolve_community(name)?;
        Ok(self.home.community(&id)?)
    }

    /// Every community of the home, and those that cannot be resolved
    /// (with the reason).
    pub fn list(&self) -> Result<Vec<Listed>> {
        let (communities, unresolved) = self.home.resolved_communities()?;
        let mut list: Vec<Listed> = communities
            .into_iter()
            .map(|c| Listed::Usable {
                id: c.id,
                name: c.state.name.clone(),
                members: c.state.members.len(),
            })
            .collect();
        list.extend(
            unresolved
                .into_iter()
                .map(|Unresolved { id, reason }| Listed::Unusable {
                    id,
                    unusable: reason,
                }),
        );
        Ok(list)
    }

    /// The resolved state of a community.
    pub fn show(&self, community: Option<&str>) -> Result<State> {
        Ok(Arc::unwrap_or_clone(self.community(community)?.state))
    }

    /// What awaits this device's member in every community of the home
    /// (or in `community` only), most urgent first
    /// ([`nous_core::governance::todo`]; an applicant's device is asked to
    /// sign once admitted). Communities the home cannot resolve are
    /// skipped: `list` says why.
    pub fn todo(&self, community: Option<&str>) -> Result<Vec<TodoItem>> {
        let device = self.home.device();
        let now = u64::try_from(self.home.env().now_ms()).unwrap_or(0);
        let communities = match community {
            Some(_) => vec![self.community(community)?],
            None => self.home.resolved_communities()?.0,
        };
        let mut items = Vec::new();
        for c in communities {
            items.extend(
                nous_core::governance::todo_of_device(&c.state, &device, now)
                    .into_iter()
                    .map(|todo| TodoItem {
                        community: c.id,
                        community_name: c.state.name.clone(),
                        todo,
                    }),
            );
        }
        items.sort_by_key(|i| (i.todo.due.is_none(), i.todo.due, i.todo.since));
        Ok(items)
    }

    /// The rules of a community.
    pub fn rules(&self, community: Option<&str>) -> Result<Rules> {
        Ok(self.community(community)?.state.rules.clone())
    }

    /// The members, applications and devices of a community.
    pub fn roster(&self, community: Option<&str>) -> Result<Roster> {
        let state = Arc::unwrap_or_clone(self.community(community)?.state);
        Ok(Roster {
            members: state.members.into_iter().map(|(_, m)| m).collect(),
            applications: state.applications.into_iter().map(|(_, a)| a).collect(),
            devices: state.devices.into_iter().collect(),
        })
    }

    /// Found a community with this device as its first founder.
    pub fn found(&mut self, new: NewCommunity<'_>) -> Result<Recorded<Founded>> {
        let charter = self.home.resolve(new.charter)?;
        self.home.charter(&charter, None)?; // it must be a charter
        let mut colleges = new.colleges;
        if colleges.is_empty() {
            colleges.push(College {
                id: "members".into(),
                name: "Members".into(),
                weight: 1,
            });
        }
        let college = new
            .college
            .map(str::to_owned)
            .unwrap_or_else(|| colleges[0].id.clone());
        let mut founders = vec![Founder {
            member: self.home.device(),
            name: new.name_as.unwrap_or("founder").to_owned(),
            college,
        }];
        founders.extend(new.founders);
        let mut rules = Rules::default();
        for ActRule { act, rule } in new.rules {
            rules.set(act, rule);
        }
        let acted = self.home.found_community(Founding {
            name: new.name.to_owned(),
            charter,
            colleges,
            founders,
            rules,
            facilitators: new.facilitators,
        })?;
        let id = acted.community.id;
        self.recorded(acted, Founded { id, charter })
    }

    /// Share a document with a community (`doc`: one of this home, or any
    /// document id, e.g. one that lives on a relay; `title`: its title here
    /// when none).
    pub fn share(
        &mut self,
        community: Option<&str>,
        doc: &str,
        title: Option<&str>,
        access: Access,
    ) -> Result<Recorded<Shared>> {
        let community = self.community(community)?;
        let doc = match self.home.resolve(doc) {
            Ok(doc) => doc,
            Err(error) => doc.trim().parse::<DocId>().map_err(|_| error)?,
        };
        let title = match title {
            Some(title) => title.to_owned(),
            None => self
                .home
                .list()?
                .into_iter()
                .find(|d| d.id == doc)
                .map(|d| d.meta.title)
                .filter(|title| !title.trim().is_empty())
                .ok_or(Invalid::NoTitle(doc))?,
        };
        let payload = Payload::DocumentShare(DocumentShare {
            doc,
            title: title.clone(),
            access,
        });
        self.act(&community, payload, Shared { doc, title, access })
    }

    /// Apply to join a community (this device, under `name`, in `college`).
    pub fn apply(
        &mut self,
        community: Option<&str>,
        name: &str,
        college: &str,
        motivation: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let payload = Payload::Apply(record::Apply {
            name: name.to_owned(),
            college: college.to_owned(),
            motivation: motivation.to_owned(),
            invitation: None,
        });
        self.act(&community, payload, Nothing {})
    }

    /// Admit an applicant (their application by id prefix): they join once
    /// they sign the charter in force.
    pub fn admit(
        &mut self,
        community: Option<&str>,
        application: &str,
    ) -> Result<Recorded<Admitted>> {
        let community = self.community(community)?;
        let subject = community.application_by_ref(application)?;
        let name = community
            .state
            .applications
            .get(&subject)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        let payload = Payload::Decide(record::Decide {
            subject,
            outcome: Outcome::Adopted,
            reason: String::new(),
        });
        self.act(&community, payload, Admitted { name })
    }

    /// Decline an application, with a reason.
    pub fn decline(
        &mut self,
        community: Option<&str>,
        application: &str,
        reason: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let subject = community.application_by_ref(application)?;
        if reason.trim().is_empty() {
            return Err(Invalid::DeclineNeedsReason.into());
        }
        let payload = Payload::Decide(record::Decide {
            subject,
            outcome: Outcome::Rejected,
            reason: reason.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }

    /// Sign the charter in force, after being admitted (this device's
    /// application by id prefix).
    pub fn sign(&mut self, community: Option<&str>, application: &str) -> Result<Recorded<Signed>> {
        let community = self.community(community)?;
        let application = community.application_by_ref(application)?;
        let version = community.state.in_force().hash.clone();
        let payload = Payload::SignCharter(record::SignCharter {
            application,
            version: version.clone(),
        });
        self.act(&community, payload, Signed { version })
    }

    /// Leave a community.
    pub fn leave(&mut self, community: Option<&str>, reason: &str) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let payload = Payload::Leave(record::Leave {
            reason: reason.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }

    /// Sanction a member; a suspension needs `until`.
    pub fn sanction(
        &mut self,
        community: Option<&str>,
        member: &str,
        level: SanctionLevel,
        reasons: &str,
        until: Option<Until>,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let member = community.state.member_by_ref(member)?;
        let until = match (level, until) {
            (SanctionLevel::Suspension, Some(Until::Time(ms))) => ms,
            (SanctionLevel::Suspension, Some(Until::Days(days))) => {
                self.home.now_ms() + u64::from(days) * governance::DAY_MS
            }
            (SanctionLevel::Suspension, None) => {
                return Err(Invalid::SuspensionNeedsEnd.into());
            }
            _ => 0,
        };
        let payload = Payload::Sanction(Sanction {
            member,
            level,
            reasons: reasons.to_owned(),
            until,
        });
        self.act(&community, payload, Nothing {})
    }

    /// Propose to exclude a member. Notice is now unless given; the
    /// hearing comes the rule's delay after the notice unless given.
    pub fn exclude(
        &mut self,
        community: Option<&str>,
        member: &str,
        reasons: &str,
        notice_at: Option<u64>,
        hearing_at: Option<u64>,
    ) -> Result<Recorded<ExclusionProposed>> {
        let community = self.community(community)?;
        let member = community.state.member_by_ref(member)?;
        let notice_at = notice_at.unwrap_or_else(|| self.home.now_ms());
        let delay = u64::from(community.state.rules.exclude.min_days) * governance::DAY_MS;
        let hearing_at = hearing_at.unwrap_or(notice_at + delay);
        let payload = Payload::Exclude(Exclude {
            member,
            reasons: reasons.to_owned(),
            notice_at,
            hearing_at,
        });
        self.act(
            &community,
            payload,
            ExclusionProposed {
                notice_at,
                hearing_at,
            },
        )
    }

    /// Certify another device of this device's member.
    pub fn certify_device(
        &mut self,
        community: Option<&str>,
        device: PublicKey,
        label: &str,
    ) -> Result<Recorded<DeviceChanged>> {
        let community = self.community(community)?;
        let payload = Payload::CertifyDevice(record::CertifyDevice {
            device,
            label: label.to_owned(),
        });
        self.act(&community, payload, DeviceChanged { device })
    }

    /// Revoke a device of the community (by key or key prefix of at least
    /// 4 hex characters).
    pub fn revoke_device(
        &mut self,
        community: Option<&str>,
        device: &str,
        reason: &str,
    ) -> Result<Recorded<DeviceChanged>> {
        let community = self.community(community)?;
        let lower = device.trim().to_lowercase();
        let matches: Vec<PublicKey> = community
            .state
            .devices
            .keys()
            .filter(|k| lower.len() >= 4 && k.to_string().starts_with(&lower))
            .copied()
            .collect();
        let [device] = matches.as_slice() else {
            return Err(nous_core::Error::NoMatch {
                what: "single device of this community",
                query: device.trim().to_owned(),
            }
            .into());
        };
        let device = *device;
        let payload = Payload::RevokeDevice(record::RevokeDevice {
            device,
            reason: reason.to_owned(),
        });
        self.act(&community, payload, DeviceChanged { device })
    }

    /// Sign, judge and store `payload` in `community`; durable on return.
    pub(crate) fn act<T>(
        &mut self,
        community: &Community,
        payload: Payload,
        details: T,
    ) -> Result<Recorded<T>> {
        let acted = self.home.act(community, payload)?;
        self.recorded(acted, details)
    }

    /// The home underneath.
    pub(crate) fn home(&mut self) -> &mut Home {
        self.home
    }

    /// The home underneath, to read.
    pub(crate) fn home_ref(&self) -> &Home {
        self.home
    }

    /// What an act the engine made recorded; durable on return.
    pub(crate) fn recorded<T>(&mut self, acted: Acted, details: T) -> Result<Recorded<T>> {
        self.home.wait(acted.ticket)?;
        self.home.emit(Event::Recorded {
            community: acted.community.id,
            record: acted.record.id(),
            kind: acted.record.kind(),
        });
        Ok(Recorded {
            record: acted.record.id(),
            kind: acted.record.kind(),
            community: acted.community.id,
            details,
            state: Box::new(Arc::unwrap_or_clone(acted.community.state)),
        })
    }
}

#[cfg(test)]
mod tests {
    use nous_core::charter::CharterDraft;

    use super::*;
    use crate::{Env, ErrorKind};

    fn home(dir: &std::path::Path, seed: u8) -> Home {
        let counter = std::sync::atomic::AtomicU8::new(seed);
        let env = Env::fixed(1_765_000_000_000).with_entropy(move |buffer: &mut [u8]| {
            for b in buffer.iter_mut() {
                *b = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        Home::init_with_seed(dir, &[seed; 32]).expect("init");
        Home::open(dir, env).expect("open")
    }

    /// Alice founds a community, Bob applies from his own home, Alice
    /// admits him, he signs: every step through the facade, the homes
    /// exchanging bundles. Bob cannot admit himself: governance refuses,
    /// with the reason, and nothing is stored.
    #[test]
    fn a_newcomer_joins_through_the_facade() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut alice = home(&dir.path().join("alice"), 1);
        let mut bob = home(&dir.path().join("bob"), 100);
        let charter = alice
            .documents()
            .create("Charte", &CharterDraft::default())
            .expect("charter");
        let founded = alice
            .governance()
            .found(NewCommunity {
                name: "Les Communs",
                charter: &charter.id.to_string(),
                name_as: Some("Alice"),
                rules: vec!["admit=consent".parse().expect("rule")],
                ..NewCommunity::default()
            })
            .expect("found");
        let community = founded.details.id.to_string();
        let carry = |from: &mut Home, to: &mut Home| {
            let bundle = from
                .bundles()
                .export(&[], std::slice::from_ref(&community))
                .expect("export");
            to.bundles().import(&bundle.bytes).expect("import");
        };
        carry(&mut alice, &mut bob);
        let applied = bob
            .governance()
            .apply(Some(&community), "Bob", "members", "je cultive")
            .expect("apply");
        assert_eq!(applied.kind, Kind::Apply);
        let application = applied.record.to_string();

        let refused = bob
            .governance()
            .admit(Some(&community), &application)
            .map(|_| ())
            .expect_err("Bob admits himself");
        assert_eq!(refused.kind(), ErrorKind::Refused);
        let (kind, reason) = refused.refusal().expect("a refusal");
        assert_eq!(kind, "decide");
        assert!(!reason.to_string().is_empty());
        let roster = bob.governance().roster(Some(&community)).expect("roster");
        assert_eq!(roster.applications.len(), 1, "nothing more was stored");

        carry(&mut bob, &mut alice);
        let admitted = alice
            .governance()
            .admit(Some(&community), &application)
            .expect("admit");
        assert_eq!(admitted.details.name, "Bob");
        carry(&mut alice, &mut bob);
        let signed = bob
            .governance()
            .sign(Some(&community), &application)
            .expect("sign");
        assert_eq!(signed.details.version, signed.state.in_force().hash);
        let names: Vec<String> = signed
            .state
            .members
            .values()
            .map(|m| m.name.clone())
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"Bob".to_owned()) && names.contains(&"Alice".to_owned()));
        let json = serde_json::to_value(&signed).expect("json");
        for key in ["record", "kind", "community", "version"] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        let listed = bob.governance().list().expect("list");
        assert!(matches!(&listed[..], [Listed::Usable { members: 2, .. }]));
    }
}
