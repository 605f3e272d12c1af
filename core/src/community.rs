//! Communities on the engine: founding one, acting in one (every act a
//! signed record, judged before it is stored), and attesting this device's
//! content changes.
//!
//! An act is signed, then resolved together with every record already
//! known; if governance rejects it, the engine refuses it with the reason and
//! stores nothing. Records cite the current heads of the record DAG as
//! parents, and carry the later of the clock's time and their parents' time,
//! so timestamps never decrease along the DAG.

use std::collections::HashSet;
use std::sync::Arc;

use automerge::ChangeHash;

use automerge::ReadDoc as _;

use crate::engine::Edited;
use crate::governance::{self, AmendmentState, ResolveOptions, State, Verdict};
use crate::history::ChangeMessage;
use crate::ids::DocId;
use crate::record::Kind;
use crate::record::{
    Attest, College, CommunityId, Founder, Genesis, Heads, Payload, Propose, Ratify, Record,
    RecordId, Rules, Submit, Unsigned, Version,
};
use crate::{Engine, Error, Result, Section};

/// A community as this home knows it: its records and resolved state.
#[derive(Debug, Clone)]
pub struct Community {
    /// The community id.
    pub id: CommunityId,
    /// Every record stored for it (shared: the community after an act
    /// shares its records with the one before).
    pub records: imbl::Vector<Record>,
    /// The resolved state (shared by the community's copies: a community
    /// is handed out and kept by value, and its state grows with its
    /// records).
    pub state: Arc<State>,
    /// The fold behind `state`, which judges the next act without folding
    /// every record again ([`governance::Folded::extend`]).
    folded: Option<Arc<governance::Folded>>,
}

/// What founding a community needs.
#[derive(Debug, Clone)]
pub struct Founding {
    /// Its name.
    pub name: String,
    /// The charter (already created in this home).
    pub charter: DocId,
    /// Stakeholder categories.
    pub colleges: Vec<College>,
    /// Founders; this device must be one of them.
    pub founders: Vec<Founder>,
    /// Decision rules.
    pub rules: Rules,
    /// Facilitators (may be empty).
    pub facilitators: Vec<crate::PublicKey>,
}

/// A community this home has records of but cannot resolve at all: its
/// genesis record is missing or invalid (records that came without their
/// community, e.g. from a bundle imported by an older version, which did not
/// check). Commands that go through every community skip or report it;
/// nothing else fails because of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The community id the records name.
    pub id: CommunityId,
    /// Why it cannot be resolved (`Display`: in English).
    pub reason: governance::ResolveError,
}

/// Why no one community is the one meant ([`Error::UnknownCommunity`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoCommunity {
    /// None named, and this home belongs to none.
    #[error("this home belongs to no community yet")]
    NoneYet,
    /// None named, and this home knows several.
    #[error("this home knows several communities: give --community")]
    Several,
    /// None matches the name or id given.
    #[error("no community matches `{0}`")]
    NoMatch(String),
    /// Several match the name or id given.
    #[error("`{0}` matches several communities")]
    Ambiguous(String),
}

impl Community {
    /// A record named by its id or an unambiguous prefix (at least 4 hex
    /// characters).
    pub fn record_by_ref(&self, text: &str) -> Result<RecordId> {
        let text = text.trim().to_lowercase();
        if text.len() < 4 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::BadRef(text));
        }
        let matches: Vec<RecordId> = self
            .records
            .iter()
            .map(|r| r.id())
            .filter(|id| id.to_string().starts_with(&text))
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::NoMatch {
                what: "record of this community",
                query: text,
            }),
            several => Err(Error::AmbiguousRef {
                what: "records",
                query: text,
                candidates: several.iter().map(|id| id.short()).collect(),
            }),
        }
    }

    /// An amendment named by its record id or a prefix.
    pub fn amendment_by_ref(&self, text: &str) -> Result<&AmendmentState> {
        let id = self.record_by_ref(text)?;
        self.state.amendments.get(&id).ok_or(Error::WrongKind {
            id,
            what: "an amendment",
        })
    }

    /// An invitation named by its record id or a prefix.
    pub fn invitation_by_ref(&self, text: &str) -> Result<RecordId> {
        let id = self.record_by_ref(text)?;
        if !self.state.invitations.contains_key(&id) {
            return Err(Error::WrongKind {
                id,
                what: "an invitation",
            });
        }
        Ok(id)
    }

    /// An application named by its record id or a prefix.
    pub fn application_by_ref(&self, text: &str) -> Result<RecordId> {
        let id = self.record_by_ref(text)?;
        if !self.state.applications.contains_key(&id) {
            return Err(Error::WrongKind {
                id,
                what: "an application",
            });
        }
        Ok(id)
    }
}

/// An edit that will not count in a community ([`Engine::edit_not_counted`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCounted {
    /// The community's name.
    pub community: String,
    /// Why, for people.
    pub reason: &'static str,
}

impl std::fmt::Display for NotCounted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "this edit is kept here only: {}, so the members of \"{}\" will not accept it",
            self.reason, self.community
        )
    }
}

/// A record this device made and stored.
#[derive(Debug, Clone)]
pub struct Acted {
    /// The record.
    pub record: Record,
    /// The community after it.
    pub community: Community,
    /// Wait on this before reporting the act saved.
    pub ticket: crate::store::Ticket,
}

/// What governance made of an act ([`Engine::try_act`]).
#[derive(Debug, Clone)]
pub enum ActOutcome {
    /// Accepted: signed and stored.
    Accepted(Box<Acted>),
    /// Refused: nothing was stored.
    Refused {
        /// The kind of record refused.
        kind: Kind,
        /// Why, as governance says it.
        reason: crate::governance::Reason,
    },
}

impl ActOutcome {
    /// The act, or its refusal as [`Error::ActRefused`].
    pub fn accepted(self) -> Result<Acted> {
        match self {
            ActOutcome::Accepted(acted) => Ok(*acted),
            ActOutcome::Refused { kind, reason } => Err(Error::ActRefused {
                kind: kind.name(),
                reason,
            }),
        }
    }
}

impl Engine {
    /// Found a community around a charter of this home. The charter's
    /// current heads become its founding version, and this device attests
    /// the charter's changes it made.
    pub fn found_community(&mut self, founding: Founding) -> Result<Acted> {
        let heads = self.heads(&founding.charter)?;
        let genesis = Payload::Genesis(Genesis {
            name: founding.name,
            charter: Version {
                doc: founding.charter,
                heads: Heads::new(heads),
            },
            colleges: founding.colleges,
            founders: founding.founders,
            rules: founding.rules,
            facilitators: founding.facilitators,
        });
        let record = self.sign_record(Unsigned {
            community: RecordId::ZERO,
            timestamp: self.now_ms(),
            parents: Vec::new(),
            payload: genesis,
        })?;
        let id = record.id();
        let state =
            governance::resolve(id, std::slice::from_ref(&record), ResolveOptions::default())
                .map_err(Error::Governance)?;
        let staged = self.add_records(std::slice::from_ref(&record))?;
        let community = Community {
            id,
            records: imbl::Vector::unit(record.clone()),
            state: Arc::new(state),
            folded: None,
        };
        let mut acted = Acted {
            record,
            community,
            ticket: staged.ticket,
        };
        if let Some(attested) = self.attest(&acted.community, &founding.charter)? {
            acted.community = attested.community;
            acted.ticket = attested.ticket;
        }
        Ok(acted)
    }

    /// A community this home knows, resolved. Kept until records reach
    /// the store again, so asking twice resolves once.
    pub fn community(&self, id: &CommunityId) -> Result<Community> {
        let staged = self.records_staged();
        if let Some(known) = self.resolved_community(staged, id) {
            return Ok(known);
        }
        let records = self.records(id)?;
        let community = self.fold_community(*id, records)?;
        self.remember_community(staged, staged, &community);
        Ok(community)
    }

    /// Why an edit this device makes to `doc` now will not count: for each
    /// community sharing `doc` in which this device may not write (its
    /// member left, was excluded or is suspended, or the device was
    /// revoked or belongs to no member). Such an edit stays in this home;
    /// the members will not accept it.
    pub fn edit_not_counted(&self, doc: &DocId) -> Result<Vec<NotCounted>> {
        let device = self.device();
        let now = self.now_ms();
        let (communities, _unresolved) = self.resolved_communities()?;
        Ok(communities
            .iter()
            .filter(|c| c.state.document_access(doc).is_some())
            .filter(|c| !c.state.writer_devices_at(now).contains(&device))
            .map(|c| NotCounted {
                community: c.state.name.clone(),
                reason: match c.state.member_of(&device).map(|m| &m.status) {
                    Some(governance::MemberStatus::Excluded) => "you were excluded from it",
                    Some(governance::MemberStatus::Left) => "you left it",
                    Some(governance::MemberStatus::Suspended { .. }) => "you are suspended",
                    Some(governance::MemberStatus::Active) => "this device was revoked",
                    None => "this device is not a member's",
                },
            })
            .collect())
    }

    /// The version of `doc` in force, if a community has it as its
    /// charter: its number and heads.
    pub fn version_in_force(&self, doc: &DocId) -> Result<Option<(usize, Vec<ChangeHash>)>> {
        for community in self.resolved_communities()?.0 {
            if community.state.charter == *doc {
                let version = community.state.in_force();
                return Ok(Some((version.number, version.change_hashes())));
            }
        }
        Ok(None)
    }

    /// What a bundle of `docs` and the communities named in `communities`
    /// (ids, prefixes or names) holds: every community named or owning one
    /// of the documents, with its charter, amendment drafts and
    /// participations' texts and contracts this home has, and the
    /// documents themselves. A named community that cannot
    /// be resolved is an error; others that cannot are left out.
    pub fn bundle_selection(
        &mut self,
        docs: &[DocId],
        communities: &[String],
    ) -> Result<(Vec<DocId>, Vec<CommunityId>)> {
        let mut out_docs: Vec<DocId> = docs.to_vec();
        let mut out_communities = Vec::new();
        let named: Vec<CommunityId> = communities
            .iter()
            .map(|c| self.resolve_community(Some(c)))
            .collect::<Result<_>>()?;
        let known: HashSet<DocId> = self.list()?.into_iter().map(|d| d.id).collect();
        let (resolved, unresolved) = self.resolved_communities()?;
        if let Some(broken) = unresolved.iter().find(|u| named.contains(&u.id)) {
            return Err(Error::NotExportable {
                community: broken.id,
                reason: broken.reason.clone(),
            });
        }
        for community in resolved {
            let id = community.id;
            let mut own = vec![community.state.charter];
            own.extend(community.state.amendments.values().map(|a| a.draft));
            // A participation's text and contract: `verify` recomputes its
            // syntheses from them.
            for p in community.state.participations.values() {
                own.extend([p.text.doc, p.contract.doc]);
            }
            if named.contains(&id) || own.iter().any(|d| docs.contains(d)) {
                out_communities.push(id);
                out_docs.extend(own.into_iter().filter(|d| known.contains(d)));
            }
        }
        out_docs.sort();
        out_docs.dedup();
        Ok((out_docs, out_communities))
    }

    /// Every community this home knows, resolved, in id order; and apart,
    /// those it cannot resolve ([`Unresolved`]). Commands that go through
    /// every community use this, so that one community whose genesis record
    /// is missing never makes them fail.
    pub fn resolved_communities(&self) -> Result<(Vec<Community>, Vec<Unresolved>)> {
        let mut resolved = Vec::new();
        let mut unresolved = Vec::new();
        for id in self.communities()? {
            match self.community(&id) {
                Ok(community) => resolved.push(community),
                Err(Error::Governance(reason)) => unresolved.push(Unresolved { id, reason }),
                Err(error) => return Err(error),
            }
        }
        Ok((resolved, unresolved))
    }

    /// Find a community by id, id prefix or name. Without a name, the only
    /// community whose genesis record is here.
    pub fn resolve_community(&self, name: Option<&str>) -> Result<CommunityId> {
        let all = self.communities()?;
        let Some(name) = name else {
            let mut founded = Vec::with_capacity(all.len());
            for id in all {
                if self.has_genesis(&id)? {
                    founded.push(id);
                }
            }
            return match founded.as_slice() {
                [one] => Ok(*one),
                [] => Err(Error::UnknownCommunity(NoCommunity::NoneYet)),
                _ => Err(Error::UnknownCommunity(NoCommunity::Several)),
            };
        };
        let lower = name.to_lowercase();
        let mut matches: Vec<CommunityId> = all
            .iter()
            .copied()
            .filter(|id| id.to_string().starts_with(&lower) && lower.len() >= 4)
            .collect();
        if matches.is_empty() {
            for id in &all {
                if self
                    .community(id)
                    .is_ok_and(|c| c.state.name.eq_ignore_ascii_case(name))
                {
                    matches.push(*id);
                }
            }
        }
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::UnknownCommunity(NoCommunity::NoMatch(
                name.to_owned(),
            ))),
            _ => Err(Error::UnknownCommunity(NoCommunity::Ambiguous(
                name.to_owned(),
            ))),
        }
    }

    /// Sign and store an act in a community, unless governance rejects it:
    /// then nothing is stored and the error ([`Error::ActRefused`]) says
    /// why. [`Engine::try_act`] gives the refusal as a value.
    pub fn act(&mut self, community: &Community, payload: Payload) -> Result<Acted> {
        self.try_act(community, payload)?.accepted()
    }

    /// Sign an act in a community and ask governance: accepted, it is
    /// stored ([`ActOutcome::Accepted`]); refused, nothing is stored and
    /// the outcome says why ([`ActOutcome::Refused`]). Errors are failures
    /// only (the store, a community that does not resolve).
    pub fn try_act(&mut self, community: &Community, payload: Payload) -> Result<ActOutcome> {
        let parents = community.state.heads.clone();
        let parent_time = match community.folded.as_deref() {
            Some(folded) => folded.latest_of(&parents),
            None => community
                .records
                .iter()
                .filter(|r| parents.contains(&r.id()))
                .map(Record::timestamp)
                .max()
                .unwrap_or(0),
        };
        let kind = payload.kind();
        let record = self.sign_record(Unsigned {
            community: community.id,
            timestamp: self.now_ms().max(parent_time),
            parents,
            payload,
        })?;
        let mut records = community.records.clone();
        records.push_back(record.clone());
        // Built on every head, the act is usually judged from the fold of
        // the community alone; else every record is folded again.
        let next = match community.folded.as_deref() {
            Some(folded) => folded.extend(&record, false),
            None => None,
        };
        let judged = match next {
            Some(next) => {
                let judged = Community {
                    id: community.id,
                    state: Arc::new(next.state()),
                    folded: Some(Arc::new(next)),
                    records,
                };
                if cfg!(debug_assertions) {
                    let again = self
                        .fold_community(community.id, judged.records.iter().cloned().collect())?;
                    assert_eq!(
                        serde_json::to_string(&judged.state).ok(),
                        serde_json::to_string(&again.state).ok(),
                        "an act judged alone is judged as folding everything judges it"
                    );
                }
                judged
            }
            None => self.fold_community(community.id, records.into_iter().collect())?,
        };
        // Found by id in the fold (the state lists every record).
        let verdict = judged
            .folded
            .as_deref()
            .and_then(|folded| folded.verdict(&record.id()))
            .or_else(|| judged.state.verdict(&record.id()));
        match verdict {
            Some(Verdict::Accepted) => {}
            Some(Verdict::Rejected(reason) | Verdict::Pending(reason)) => {
                return Ok(ActOutcome::Refused {
                    kind,
                    reason: reason.clone(),
                });
            }
            None => {
                return Ok(ActOutcome::Refused {
                    kind,
                    reason: crate::governance::reason!(NotResolved),
                });
            }
        }
        // What the caller resolved is what the store holds: the community
        // with this act is, too.
        let before = self.records_staged();
        let current = self.is_current(before, &community.id, &community.state.heads);
        let staged =
            self.add_records_judged(std::slice::from_ref(&record), current.then_some(&judged))?;
        Ok(ActOutcome::Accepted(Box::new(Acted {
            record,
            community: judged,
            ticket: staged.ticket,
        })))
    }

    /// Attest the changes this device made to `doc` that no attestation of
    /// this device covers yet: one signature for all of them. `None` when
    /// there is nothing to attest.
    pub fn attest(&mut self, community: &Community, doc: &DocId) -> Result<Option<Acted>> {
        let me = self.device();
        let attested: HashSet<ChangeHash> = community
            .state
            .attestations
            .iter()
            .filter(|a| a.device == self.device())
            .flat_map(|a| a.changes.iter().cloned())
            .collect();
        let changes: Vec<ChangeHash> = self
            .document(doc)?
            .get_changes_meta(&[])
            .into_iter()
            .filter(|c| {
                crate::PublicKey::from_actor(&c.actor) == Some(me) && !attested.contains(&c.hash)
            })
            .map(|c| c.hash)
            .collect();
        if changes.is_empty() {
            return Ok(None);
        }
        let payload = Payload::Attest(Attest {
            doc: *doc,
            changes: Heads::new(changes),
        });
        self.act(community, payload).map(Some)
    }
}

/// The amendment workflow: a draft forked from the charter in force, written
/// by its co-authors, put forward as wordings, and merged back when ratified.
impl Engine {
    /// Fork a draft from the charter in force and propose it as an
    /// amendment answering `challenge`.
    pub fn propose_amendment(
        &mut self,
        community: &Community,
        challenge: RecordId,
        title: &str,
        rationale: &str,
        coauthors: Vec<crate::PublicKey>,
    ) -> Result<Acted> {
        let heads = parse_heads(&community.state.in_force().heads);
        // Judge the act first; the draft exists only once it is accepted.
        let draft = self.new_doc_id();
        let acted = self.act(
            community,
            Payload::Propose(Propose {
                challenge,
                title: title.to_owned(),
                rationale: rationale.to_owned(),
                draft,
                base: Heads::new(heads.clone()),
                coauthors,
            }),
        )?;
        let forked = self.fork_document(
            draft,
            &community.state.charter,
            &heads,
            &format!("Amendment: {title}"),
        )?;
        Ok(Acted {
            ticket: forked.ticket.max(acted.ticket),
            ..acted
        })
    }

    /// Bring the version in force into an amendment's draft, so the draft is
    /// written and submitted against it: an amendment whose sections nobody
    /// else changed is rebased for free; a stale one shows both texts to
    /// reconcile. Returns how many changes came in.
    pub fn rebase_draft(&mut self, state: &State, amendment: &AmendmentState) -> Result<usize> {
        let heads = parse_heads(&state.in_force().heads);
        let draft = self.document(&amendment.draft)?;
        if heads.iter().all(|h| draft.get_change_by_hash(h).is_some()) {
            return Ok(0);
        }
        let merged = self.merge_document(&amendment.draft, &state.charter, Some(&heads))?;
        self.wait(merged.ticket)?;
        Ok(merged.value)
    }

    /// Replace a section's text in an amendment's draft (rebased first).
    pub fn write_amendment(
        &mut self,
        community: &Community,
        amendment: &AmendmentState,
        section: &str,
        text: &str,
    ) -> Result<Edited<Section>> {
        self.rebase_draft(&community.state, amendment)?;
        let draft = self.charter(&amendment.draft, None)?;
        let section = draft.find_section(section)?.clone();
        let edited = self.edit(&amendment.draft, &ChangeMessage::Amend.to_string(), |c| {
            c.set_body(&section.id, text)
        })?;
        Ok(Edited {
            value: section,
            change: edited.change,
            ticket: edited.ticket,
        })
    }

    /// The draft's current wording: its heads, and the sections it changes
    /// relative to the version in force.
    pub fn amendment_wording(
        &mut self,
        state: &State,
        amendment: &AmendmentState,
    ) -> Result<(Vec<ChangeHash>, Vec<String>)> {
        self.rebase_draft(state, amendment)?;
        let heads = self.heads(&amendment.draft)?;
        let base = parse_heads(&state.in_force().heads);
        let before = self.charter_at(&amendment.draft, Some(&base))?;
        let after = self.charter_at(&amendment.draft, Some(&heads))?;
        Ok((heads, crate::diff::diff(&before, &after).section_ids()))
    }

    /// Put the draft's current wording forward, integrating `integrates`
    /// (objections) if any. This device's draft changes are attested first.
    pub fn submit_amendment(
        &mut self,
        community: &Community,
        amendment: &AmendmentState,
        note: &str,
        integrates: Vec<RecordId>,
    ) -> Result<Acted> {
        let (heads, sections) = self.amendment_wording(&community.state, amendment)?;
        if sections.is_empty() {
            return Err(Error::ActRefused {
                kind: crate::record::Kind::Submit.name(),
                reason: crate::governance::reason!(DraftChangesNothing),
            });
        }
        self.attest_all()?;
        let community = self.community(&community.id)?;
        self.act(
            &community,
            Payload::Submit(Submit {
                amendment: amendment.record,
                heads: Heads::new(heads),
                note: note.to_owned(),
                sections,
                integrates,
                tension_addressed: true,
            }),
        )
    }

    /// Sign the ratification of an adopted amendment: its wording joins the
    /// charter document, and the new version is the version in force merged
    /// with it.
    pub fn ratify_amendment(
        &mut self,
        community: &Community,
        amendment: &AmendmentState,
    ) -> Result<Acted> {
        let Some(wording) = amendment.submissions.last().map(|s| parse_heads(&s.heads)) else {
            return Err(Error::ActRefused {
                kind: crate::record::Kind::Ratify.name(),
                reason: crate::governance::reason!(NoWording),
            });
        };
        // The new version is computed on a copy; the wording joins the
        // charter document only once governance accepted the ratification.
        let charter = community.state.charter;
        let wording_view = self
            .document(&amendment.draft)?
            .fork_at(&wording)
            .map_err(|error| Error::Damaged {
                doc: amendment.draft,
                detail: format!("cannot read the wording: {error}"),
            })?;
        let mut scratch = self.document(&charter)?.clone();
        let missing = scratch.get_changes_added(&wording_view);
        scratch
            .apply_changes(missing)
            .map_err(|error| Error::Damaged {
                doc: charter,
                detail: format!("cannot merge the wording: {error}"),
            })?;
        let mut union = parse_heads(&community.state.in_force().heads);
        union.extend(wording.iter().copied());
        let heads = scratch
            .fork_at(&union)
            .map_err(|error| Error::Damaged {
                doc: charter,
                detail: format!("cannot merge the versions: {error}"),
            })?
            .get_heads();
        let acted = self.act(
            community,
            Payload::Ratify(Ratify {
                amendment: amendment.record,
                heads: Heads::new(heads),
            }),
        )?;
        let merged = self.merge_document(&charter, &amendment.draft, Some(&wording))?;
        Ok(Acted {
            ticket: merged.ticket.max(acted.ticket),
            ..acted
        })
    }

    /// Attest this device's unattested changes in every document of the
    /// communities it belongs to (one attestation per document). Governance
    /// refuses attestations from a device that is not a member's; those
    /// changes stay unattested and `nous verify` reports them.
    pub fn attest_all(&mut self) -> Result<()> {
        let known: HashSet<DocId> = self.list()?.into_iter().map(|d| d.id).collect();
        self.attest_in(&known)
    }

    /// [`Engine::attest_all`], in the documents this engine changed only
    /// (edited, typed into, created, merged an amendment into): what a
    /// home signs when it closes. Documents it did not change cost
    /// nothing, not even resolving a community.
    pub fn attest_edited(&mut self) -> Result<()> {
        let edited = self.edited_documents();
        if edited.is_empty() {
            return Ok(());
        }
        self.attest_in(&edited)
    }

    /// Attest this device's unattested changes in those of `known` that
    /// belong to a community it is a member of.
    fn attest_in(&mut self, known: &HashSet<DocId>) -> Result<()> {
        // A community that cannot be resolved has nothing this device could
        // attest in it.
        let (communities, _unresolved) = self.resolved_communities()?;
        for mut community in communities {
            if community.state.member_of(&self.device()).is_none() {
                continue;
            }
            let mut docs = vec![community.state.charter];
            docs.extend(community.state.amendments.values().map(|a| a.draft));
            docs.sort();
            docs.dedup();
            for doc in docs.into_iter().filter(|d| known.contains(d)) {
                match self.attest(&community, &doc) {
                    Ok(Some(acted)) => community = acted.community,
                    Ok(None) | Err(Error::ActRefused { .. }) => {}
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(())
    }
}

fn parse_heads(texts: &[String]) -> Vec<ChangeHash> {
    texts.iter().filter_map(|t| t.parse().ok()).collect()
}

impl Community {
    /// This community with `record` (signature checked, of this community)
    /// judged as the fold's next step, if it builds on every head and the
    /// fold can judge it alone ([`governance::Folded::extend`]).
    pub(crate) fn extend(&self, record: &Record) -> Option<Community> {
        let next = self.folded.as_deref()?.extend(record, false)?;
        let mut records = self.records.clone();
        records.push_back(record.clone());
        Some(Community {
            id: self.id,
            state: Arc::new(next.state()),
            folded: Some(Arc::new(next)),
            records,
        })
    }
}

impl Engine {
    /// [`Engine::fold_community`], for the engine's other modules.
    pub(crate) fn fold_records(&self, id: CommunityId, records: Vec<Record>) -> Result<Community> {
        self.fold_community(id, records)
    }

    /// A community's records folded, with the fold kept for the next act.
    fn fold_community(&self, id: CommunityId, records: Vec<Record>) -> Result<Community> {
        self.count_fold();
        // The store only holds records whose signatures were checked.
        let folded = governance::fold(
            id,
            &records,
            ResolveOptions {
                check_signatures: false,
                ..ResolveOptions::default()
            },
        )
        .map_err(Error::Governance)?;
        Ok(Community {
            id,
            records: records.into(),
            state: Arc::new(folded.state()),
            folded: Some(Arc::new(folded)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineOptions;
    use crate::store::MemoryStorage;
    use crate::{DeviceKey, markdown};

    fn tension(summary: String) -> Payload {
        Payload::Tension(crate::record::Tension {
            path: crate::record::TensionPath::Governance,
            summary,
            section: None,
        })
    }

    /// Acts one after the other are judged from the fold kept with the
    /// community, not by folding every record again; a record that reaches
    /// the store another way is seen at once.
    #[test]
    fn acts_are_judged_from_the_kept_fold_and_other_records_are_seen() {
        let (mut engine, founded) = founded_alone();
        let id = founded.community.id;
        let folds = engine.folds();
        let mut community = engine.community(&id).expect("resolves");
        assert_eq!(engine.folds(), folds + 1, "resolved once");
        let again = engine.community(&id).expect("resolves");
        assert_eq!(engine.folds(), folds + 1, "and kept");
        assert_eq!(again.state.heads, community.state.heads);
        // (Debug builds check each act judged alone against a full fold:
        // one fold per act here.)
        let check = usize::from(cfg!(debug_assertions));
        for n in 0..20 {
            community = engine
                .act(&community, tension(format!("tension {n}")))
                .expect("accepted")
                .community;
        }
        assert_eq!(
            engine.folds(),
            folds + 1 + 20 * check,
            "no act folded again"
        );
        let kept = engine.community(&id).expect("resolves");
        assert_eq!(
            engine.folds(),
            folds + 1 + 20 * check,
            "the last act's community is kept"
        );
        assert_eq!(kept.state.tensions.len(), 20);
        assert_eq!(kept.state.heads, community.state.heads);

        // A record signed elsewhere (this member's other session) reaches
        // the store: the kept community is no longer current.
        let elsewhere = Record::sign(
            &DeviceKey::from_seed(&[4; 32]),
            Unsigned {
                community: id,
                timestamp: 1_780_000_000_001,
                parents: kept.state.heads.clone(),
                payload: tension("from elsewhere".into()),
            },
        )
        .expect("signed");
        engine
            .add_records(std::slice::from_ref(&elsewhere))
            .expect("added");
        let seen = engine.community(&id).expect("resolves");
        assert_eq!(
            seen.state.verdict(&elsewhere.id()),
            Some(&Verdict::Accepted)
        );
        assert_eq!(seen.state.tensions.len(), 21);
        // An act on the stale community is judged on what it saw, stored,
        // and not taken for the current community.
        let stale = engine
            .act(&community, tension("on a stale view".into()))
            .expect("accepted")
            .community;
        assert_eq!(stale.state.tensions.len(), 21);
        let now = engine.community(&id).expect("resolves");
        assert_eq!(now.state.tensions.len(), 22);
        assert_eq!(now.state.heads.len(), 2, "two branches");
    }

    /// Records from elsewhere that build on the kept heads, in whatever
    /// order they arrive, are judged from the kept fold, as folding every
    /// record judges them; one that does not is folded with all. The next
    /// engine over the store takes the communities back when nothing was
    /// written since, and folds again when something was.
    #[test]
    fn records_from_elsewhere_extend_the_kept_fold_and_it_outlives_the_engine() {
        let storage = MemoryStorage::default();
        let (mut engine, founded) = founded_on(&storage);
        let id = founded.community.id;
        let check = usize::from(cfg!(debug_assertions));
        let sign = |parents: Vec<RecordId>, summary: &str, at: u64| {
            Record::sign(
                &DeviceKey::from_seed(&[4; 32]),
                Unsigned {
                    community: id,
                    timestamp: 1_780_000_000_000 + at,
                    parents,
                    payload: tension(summary.into()),
                },
            )
            .expect("signed")
        };
        let kept = engine.community(&id).expect("resolves");
        let folds = engine.folds();
        let one = sign(kept.state.heads.clone(), "un", 1);
        let two = sign(vec![one.id()], "deux", 2);
        engine
            .add_records(&[two.clone(), one.clone()])
            .expect("added");
        let seen = engine.community(&id).expect("resolves");
        assert_eq!(engine.folds(), folds + check, "judged from the kept fold");
        assert_eq!(seen.state.heads, vec![two.id()]);
        let whole = engine
            .fold_records(id, engine.records(&id).expect("records"))
            .expect("folds");
        assert_eq!(
            serde_json::to_string(&seen.state).ok(),
            serde_json::to_string(&whole.state).ok()
        );

        // On heads that are no longer the heads: folded with all.
        let three = sign(kept.state.heads.clone(), "trois", 3);
        engine
            .add_records(std::slice::from_ref(&three))
            .expect("added");
        let folds = engine.folds();
        let seen = engine.community(&id).expect("resolves");
        assert_eq!(engine.folds(), folds + 1);
        assert_eq!(seen.state.heads.len(), 2);

        // The next engine over the unmoved store folds nothing.
        let options = || {
            EngineOptions::new(
                Box::new(|| 1_780_000_000_000),
                Box::new(|b: &mut [u8]| b.fill(4)),
            )
        };
        let open = || {
            Engine::with_storage(
                DeviceKey::from_seed(&[4; 32]),
                Box::new(storage.clone()),
                options(),
            )
        };
        let left = engine.close_keeping().expect("closed");
        let mut next = open();
        next.adopt(left).expect("adopted");
        let again = next.community(&id).expect("resolves");
        assert_eq!(next.folds(), 0, "taken back, not folded");
        assert_eq!(again.state.heads, seen.state.heads);

        // Another engine writes a record meanwhile: folded again, with it.
        let left = next.close_keeping().expect("closed");
        let four = sign(seen.state.heads.clone(), "quatre", 4);
        let mut other = open();
        other
            .add_records(std::slice::from_ref(&four))
            .expect("added");
        other.flush().expect("durable");
        drop(other);
        let mut last = open();
        last.adopt(left).expect("adopted");
        let now = last.community(&id).expect("resolves");
        assert_eq!(last.folds(), 1);
        assert_eq!(now.state.heads, vec![four.id()]);
        assert_eq!(now.state.tensions.len(), seen.state.tensions.len() + 1);
    }

    fn founded_alone() -> (Engine, Acted) {
        founded_on(&MemoryStorage::default())
    }

    fn founded_on(storage: &MemoryStorage) -> (Engine, Acted) {
        let mut engine = Engine::with_storage(
            DeviceKey::from_seed(&[4; 32]),
            Box::new(storage.clone()),
            EngineOptions::new(
                Box::new(|| 1_780_000_000_000),
                Box::new(|b: &mut [u8]| b.fill(4)),
            ),
        );
        let charter = engine
            .create_charter("Charte", &markdown::parse("# Charte\n\n## Un\n\nTexte.\n"))
            .expect("charter")
            .value;
        let me = engine.device();
        let founded = engine
            .found_community(Founding {
                name: "Coop".into(),
                charter,
                colleges: vec![College {
                    id: "members".into(),
                    name: "Members".into(),
                    weight: 1,
                }],
                founders: vec![Founder {
                    member: me,
                    name: "Alice".into(),
                    college: "members".into(),
                }],
                rules: Rules::default(),
                facilitators: Vec::new(),
            })
            .expect("founded");
        (engine, founded)
    }

    #[test]
    fn a_refused_act_is_an_outcome_and_stores_nothing() {
        let (mut engine, founded) = founded_alone();
        let community = engine.community(&founded.community.id).expect("resolves");
        let before = engine.records(&community.id).expect("records").len();
        let ratify = Payload::Ratify(Ratify {
            amendment: RecordId([9; 32]),
            heads: Heads::new(Vec::new()),
        });
        match engine
            .try_act(&community, ratify.clone())
            .expect("no failure")
        {
            ActOutcome::Refused { kind, reason } => {
                assert_eq!(kind, Kind::Ratify);
                assert!(!reason.to_string().is_empty());
            }
            ActOutcome::Accepted(_) => panic!("an unknown amendment was ratified"),
        }
        assert_eq!(
            engine.records(&community.id).expect("records").len(),
            before
        );
        // `act` says the same as an error.
        let error = engine
            .act(&community, ratify)
            .map(|_| ())
            .expect_err("refused");
        assert!(
            matches!(error, Error::ActRefused { kind: "ratify", .. }),
            "{error}"
        );
        // An act governance accepts is stored.
        let left = engine
            .try_act(
                &community,
                Payload::Leave(crate::record::Leave {
                    reason: "au revoir".into(),
                }),
            )
            .expect("no failure");
        assert!(matches!(left, ActOutcome::Accepted(_)), "{left:?}");
        assert_eq!(
            engine.records(&community.id).expect("records").len(),
            before + 1
        );
    }
}
