//! Governance, continued: how a charter is challenged, amended, decided
//! and ratified, tensions, and rule changes (more methods of
//! [`Governance`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use nous_core::charter::Charter;
use nous_core::community::Community;
use nous_core::diff::CharterDiff;
use nous_core::governance::{self, AmendmentState, State, TensionState};
use nous_core::record::{
    self, ActRule, Challenge, ChallengeClose, ChallengeOutcome, ChangeRule, Outcome, Payload,
    React, RecordId, Stance, TensionPath, TensionStatus,
};
use nous_core::{DocId, SectionId, ids};
use serde::Serialize;

use crate::governance::{Governance, Nothing, Recorded};
use crate::{Invalid, Result};

/// A challenge made.
#[derive(Debug, Clone, Serialize)]
pub struct Challenged {
    /// The section challenged.
    pub section: SectionId,
    /// Its heading (for people; not in JSON).
    #[serde(skip)]
    pub heading: String,
    /// Why it is inadmissible, if it is (for people; in the state too).
    #[serde(skip)]
    pub inadmissible: Option<governance::Reason>,
}

/// A challenge closed (`challenge.close`).
#[derive(Debug, Clone, Serialize)]
pub struct ChallengeClosedDetails {
    /// The challenge.
    pub challenge: RecordId,
    /// Withdrawn or declined.
    pub outcome: ChallengeOutcome,
}

/// An amendment proposed: its draft forked from the version in force.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    /// The draft document.
    pub draft: DocId,
}

/// A section of an amendment's draft written.
#[derive(Debug, Clone, Serialize)]
pub struct DraftWritten {
    /// The amendment.
    pub amendment: RecordId,
    /// Its draft.
    pub draft: DocId,
    /// The section written.
    pub section: SectionId,
    /// Its heading (for people; not in JSON).
    #[serde(skip)]
    pub heading: String,
    /// The change (hex), or none when the text was already that.
    pub change: Option<String>,
}

/// A wording submitted.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    /// The sections it changes.
    pub sections: Vec<String>,
}

/// An objection tested.
#[derive(Debug, Clone, Serialize)]
pub struct Tested {
    /// Whether it meets the criteria it claims.
    pub valid: bool,
}

/// A decision recorded.
///
/// JSON: `tally`, how the count went in English words (empty if the state
/// does not say), with `tally_code` and `tally_args` beside it (see
/// [`governance::Reason`]).
#[derive(Debug, Clone)]
pub struct Decided {
    /// How the count went (`Display`: English;
    /// [`governance::Reason::render`] in another language).
    pub tally: Option<governance::Reason>,
}

impl Serialize for Decided {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        match &self.tally {
            Some(tally) => tally.serialize_as(&mut map, ["tally", "tally_code", "tally_args"])?,
            None => map.serialize_entry("tally", "")?,
        }
        map.end()
    }
}

/// A ratification signed.
#[derive(Debug, Clone, Serialize)]
pub struct Ratified {
    /// The version it completed, if it did (for people; in the state).
    #[serde(skip)]
    pub version: Option<usize>,
    /// Signatures counting toward the next version so far.
    #[serde(skip)]
    pub signatures: usize,
}

/// A tension escalated into a challenge.
#[derive(Debug, Clone, Serialize)]
pub struct Escalated {
    /// The escalation record (the challenge is the record returned).
    pub escalation: RecordId,
    /// The section challenged (for people; not in JSON).
    #[serde(skip)]
    pub heading: String,
}

/// An amendment with the changes its latest wording makes.
#[derive(Debug, Clone, Serialize)]
pub struct AmendmentView {
    /// The amendment as governance resolved it.
    pub amendment: AmendmentState,
    /// What its latest wording changes, against the version it was made on
    /// (none without a wording, or when the draft is not in this home).
    pub diff: Option<CharterDiff>,
    /// The community's state (for names; not in JSON).
    #[serde(skip)]
    pub state: Box<State>,
}

/// A reaction to a proposal or an amendment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction<'a> {
    /// The stance.
    pub stance: Stance,
    /// Objection criteria claimed (`a` to `e`).
    pub criteria: BTreeSet<char>,
    /// The argument.
    pub argument: &'a str,
    /// For `resolved`: the objection confirmed resolved (id prefix).
    pub objection: Option<&'a str>,
}

impl Governance<'_> {
    /// The charter in force in a community, as this home has it.
    pub fn charter_in_force(&mut self, state: &State) -> Result<Charter> {
        let heads = state.in_force().change_hashes();
        self.home()
            .charter_at(&state.charter, Some(&heads))
            .map_err(|_| Invalid::CharterNotHere.into())
    }

    /// Challenge a section of the charter in force (`tension`: what does
    /// not work; `example`: a concrete case; `from_tension`: the escalated
    /// tension it comes from).
    pub fn challenge(
        &mut self,
        community: Option<&str>,
        section: &str,
        tension: &str,
        example: &str,
        from_tension: Option<&str>,
    ) -> Result<Recorded<Challenged>> {
        let community = self.community(community)?;
        let charter = self.charter_in_force(&community.state)?;
        let section = charter
            .find_section(section)
            .map_err(nous_core::Error::from)?
            .clone();
        let tension_record = from_tension
            .map(|t| community.record_by_ref(t))
            .transpose()?;
        self.challenge_section(
            &community,
            &section.id,
            &section.heading,
            tension,
            example,
            tension_record,
        )
    }

    fn challenge_section(
        &mut self,
        community: &Community,
        section: &SectionId,
        heading: &str,
        tension: &str,
        example: &str,
        tension_record: Option<RecordId>,
    ) -> Result<Recorded<Challenged>> {
        let payload = Payload::Challenge(Challenge {
            section: section.to_string(),
            tension: tension.to_owned(),
            example: example.to_owned(),
            tension_record,
            promoted_from: None,
        });
        let mut recorded = self.act(
            community,
            payload,
            Challenged {
                section: section.clone(),
                heading: heading.to_owned(),
                inadmissible: None,
            },
        )?;
        if let Some(governance::Admissibility::Inadmissible { reason }) = recorded
            .state
            .challenges
            .get(&recorded.record)
            .map(|c| &c.admissibility)
        {
            recorded.details.inadmissible = Some(reason.clone());
        }
        Ok(recorded)
    }

    /// Close a challenge (`challenge`: its id or an id prefix): withdrawn
    /// by its author, or declined with a reason — by a facilitator, or,
    /// in a community without one, by a member other than its author. A
    /// challenge answered by a ratified amendment is closed already.
    pub fn close_challenge(
        &mut self,
        community: Option<&str>,
        challenge: &str,
        outcome: ChallengeOutcome,
        reason: &str,
    ) -> Result<Recorded<ChallengeClosedDetails>> {
        let community = self.community(community)?;
        let challenge = community.record_by_ref(challenge)?;
        let payload = Payload::ChallengeClose(ChallengeClose {
            challenge,
            outcome,
            reason: reason.to_owned(),
        });
        self.act(
            &community,
            payload,
            ChallengeClosedDetails { challenge, outcome },
        )
    }

    /// The community's challenges, in the records' canonical order (a
    /// challenge after those its author had seen).
    pub fn challenges(&self, community: Option<&str>) -> Result<Vec<governance::ChallengeState>> {
        let state = self.show(community)?;
        Ok(state
            .records
            .iter()
            .filter_map(|outcome| state.challenges.get(&outcome.id).cloned())
            .collect())
    }

    /// Propose an amendment answering a challenge: its draft is forked
    /// from the version in force.
    pub fn propose(
        &mut self,
        community: Option<&str>,
        challenge: &str,
        title: &str,
        rationale: &str,
        coauthors: &[String],
    ) -> Result<Recorded<Proposed>> {
        let community = self.community(community)?;
        let challenge = community.record_by_ref(challenge)?;
        let coauthors = coauthors
            .iter()
            .map(|c| community.state.member_by_ref(c))
            .collect::<nous_core::Result<Vec<_>>>()?;
        let acted = self
            .home()
            .propose_amendment(&community, challenge, title, rationale, coauthors)?;
        let draft = match acted.record.payload() {
            Payload::Propose(p) => p.draft,
            _ => return Err(Invalid::UnexpectedRecord.into()),
        };
        self.recorded(acted, Proposed { draft })
    }

    /// Write a section of an amendment's draft (rebased on the version in
    /// force first).
    pub fn write(
        &mut self,
        community: Option<&str>,
        amendment: &str,
        section: &str,
        text: &str,
    ) -> Result<DraftWritten> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.clone();
        let edited = self
            .home()
            .write_amendment(&community, &amendment, section, text)?;
        self.home().wait(edited.ticket)?;
        let change = edited.change.as_ref().map(ids::hash_hex);
        self.home().edited(amendment.draft, change.as_deref());
        Ok(DraftWritten {
            amendment: amendment.record,
            draft: amendment.draft,
            section: edited.value.id.clone(),
            heading: edited.value.heading.clone(),
            change,
        })
    }

    /// The draft document of an amendment (id or id prefix).
    pub fn draft_of(&self, community: Option<&str>, amendment: &str) -> Result<DocId> {
        let community = self.community(community)?;
        Ok(community.amendment_by_ref(amendment)?.draft)
    }

    /// Submit the draft as the amendment's wording (`integrates`: the
    /// objections, by id prefix, this wording integrates).
    pub fn submit(
        &mut self,
        community: Option<&str>,
        amendment: &str,
        note: &str,
        integrates: &[String],
    ) -> Result<Recorded<Submitted>> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.clone();
        let integrates = integrates
            .iter()
            .map(|o| community.record_by_ref(o))
            .collect::<nous_core::Result<Vec<_>>>()?;
        let acted = self
            .home()
            .submit_amendment(&community, &amendment, note, integrates)?;
        let sections = match acted.record.payload() {
            Payload::Submit(s) => s.sections.clone(),
            _ => Vec::new(),
        };
        self.recorded(acted, Submitted { sections })
    }

    /// Open the objection round of an amendment (its proposer).
    pub fn round(&mut self, community: Option<&str>, amendment: &str) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.record;
        self.act(
            &community,
            Payload::Round(record::Round { amendment }),
            Nothing {},
        )
    }

    /// Withdraw an amendment (its proposer, before adoption).
    pub fn withdraw(
        &mut self,
        community: Option<&str>,
        amendment: &str,
        reason: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.record;
        let payload = Payload::Withdraw(record::Withdraw {
            amendment,
            reason: reason.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }

    /// Make a rejected amendment a new challenge of the same section (its
    /// proposer).
    pub fn promote(
        &mut self,
        community: Option<&str>,
        amendment: &str,
        tension: &str,
        example: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.clone();
        let section = community
            .state
            .challenges
            .get(&amendment.challenge)
            .map(|c| c.section.clone())
            .unwrap_or_default();
        let payload = Payload::Challenge(Challenge {
            section,
            tension: tension.to_owned(),
            example: example.to_owned(),
            tension_record: None,
            promoted_from: Some(amendment.record),
        });
        self.act(&community, payload, Nothing {})
    }

    /// An amendment, with what its latest wording changes.
    pub fn amendment(&mut self, community: Option<&str>, amendment: &str) -> Result<AmendmentView> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.clone();
        let state = Arc::unwrap_or_clone(community.state);
        let version = amendment.submissions.last().and_then(|s| {
            state
                .versions
                .iter()
                .find(|v| v.number == s.version)
                .map(|v| (s, v))
        });
        let diff = match version {
            Some((submission, version)) => {
                let home = self.home();
                let before = home.charter_at(&amendment.draft, Some(&version.change_hashes()));
                let after = home.charter_at(&amendment.draft, Some(&submission.change_hashes()));
                match (before, after) {
                    (Ok(before), Ok(after)) => Some(nous_core::diff::diff(&before, &after)),
                    _ => None,
                }
            }
            None => None,
        };
        Ok(AmendmentView {
            amendment,
            diff,
            state: Box::new(state),
        })
    }

    /// React to a proposal or an amendment (its latest wording).
    pub fn react(
        &mut self,
        community: Option<&str>,
        subject: &str,
        reaction: Reaction<'_>,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let subject = community.record_by_ref(subject)?;
        let submission = community
            .state
            .amendments
            .get(&subject)
            .and_then(|a| a.submissions.last())
            .map(|s| s.record);
        let objection = reaction
            .objection
            .map(|o| community.record_by_ref(o))
            .transpose()?;
        let payload = Payload::React(React {
            subject,
            submission,
            stance: reaction.stance,
            criteria: reaction.criteria,
            argument: reaction.argument.to_owned(),
            objection,
        });
        self.act(&community, payload, Nothing {})
    }

    /// Test an objection: the criteria (`a` to `e`) it meets.
    pub fn test_objection(
        &mut self,
        community: Option<&str>,
        objection: &str,
        passed: BTreeSet<char>,
        note: &str,
    ) -> Result<Recorded<Tested>> {
        let community = self.community(community)?;
        let objection = community.record_by_ref(objection)?;
        let test = record::TestObjection {
            objection,
            passed,
            note: note.to_owned(),
        };
        let valid = test.valid();
        self.act(&community, Payload::TestObjection(test), Tested { valid })
    }

    /// Decide a proposal or an amendment: the count under the rule must
    /// agree with the outcome.
    pub fn decide(
        &mut self,
        community: Option<&str>,
        subject: &str,
        outcome: Outcome,
        reason: &str,
    ) -> Result<Recorded<Decided>> {
        let community = self.community(community)?;
        let subject = community.record_by_ref(subject)?;
        let payload = Payload::Decide(record::Decide {
            subject,
            outcome,
            reason: reason.to_owned(),
        });
        let mut recorded = self.act(&community, payload, Decided { tally: None })?;
        let state = &recorded.state;
        recorded.details.tally = state
            .amendments
            .get(&subject)
            .and_then(|a| a.decision.as_ref())
            .or_else(|| {
                state
                    .proposals
                    .get(&subject)
                    .and_then(|p| p.decision.as_ref())
            })
            .map(|d| d.tally.explanation.clone());
        Ok(recorded)
    }

    /// Sign the ratification of an adopted amendment: with enough
    /// signatures, its wording merged into the charter is the new version.
    pub fn ratify(
        &mut self,
        community: Option<&str>,
        amendment: &str,
    ) -> Result<Recorded<Ratified>> {
        let community = self.community(community)?;
        let amendment = community.amendment_by_ref(amendment)?.clone();
        let acted = self.home().ratify_amendment(&community, &amendment)?;
        let after = acted.community.state.amendments.get(&amendment.record);
        let details = Ratified {
            version: after
                .and_then(|a| a.version)
                .map(|v| acted.community.state.versions[v].number),
            signatures: after.map_or(0, |a| a.signatures_in_force.len()),
        };
        self.recorded(acted, details)
    }

    /// Open a tension (`section`: of the charter in force, by id or
    /// heading).
    pub fn open_tension(
        &mut self,
        community: Option<&str>,
        path: TensionPath,
        summary: &str,
        section: Option<&str>,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let section = match section {
            Some(name) => Some(
                self.charter_in_force(&community.state)?
                    .find_section(name)
                    .map_err(nous_core::Error::from)?
                    .id
                    .to_string(),
            ),
            None => None,
        };
        let payload = Payload::Tension(record::Tension {
            path,
            summary: summary.to_owned(),
            section,
        });
        self.act(&community, payload, Nothing {})
    }

    /// Move a tension on (in process, resolved, escalated).
    pub fn update_tension(
        &mut self,
        community: Option<&str>,
        tension: &str,
        status: TensionStatus,
        note: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let tension = community.record_by_ref(tension)?;
        let payload = Payload::TensionUpdate(record::TensionUpdate {
            tension,
            status,
            note: note.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }

    /// Escalate a tension into a challenge of a section of the charter in
    /// force: two records, the escalation and the challenge (returned).
    pub fn escalate_tension(
        &mut self,
        community: Option<&str>,
        tension: &str,
        note: &str,
        section: &str,
        example: &str,
    ) -> Result<Recorded<Escalated>> {
        // The section is checked before anything is stored: a section that
        // is not there must not leave the tension escalated without its
        // challenge.
        let before = self.community(community)?;
        let section = self
            .charter_in_force(&before.state)?
            .find_section(section)
            .map_err(nous_core::Error::from)?
            .clone();
        let escalation = self.update_tension(community, tension, TensionStatus::Escalated, note)?;
        let community = self.home().community(&escalation.community)?;
        let tension = community.record_by_ref(tension)?;
        let summary = community
            .state
            .tensions
            .get(&tension)
            .map(|t| t.summary.clone())
            .unwrap_or_default();
        let challenge = self.challenge_section(
            &community,
            &section.id,
            &section.heading,
            &summary,
            example,
            Some(tension),
        )?;
        Ok(Recorded {
            record: challenge.record,
            kind: challenge.kind,
            community: challenge.community,
            details: Escalated {
                escalation: escalation.record,
                heading: section.heading,
            },
            state: challenge.state,
        })
    }

    /// The tensions of a community.
    pub fn tensions(&self, community: Option<&str>) -> Result<Vec<TensionState>> {
        Ok(Arc::unwrap_or_clone(self.community(community)?.state)
            .tensions
            .into_iter()
            .map(|(_, tension)| tension)
            .map(Arc::unwrap_or_clone)
            .collect())
    }

    /// The amendments of a community.
    pub fn amendments(&self, community: Option<&str>) -> Result<Vec<AmendmentState>> {
        Ok(Arc::unwrap_or_clone(self.community(community)?.state)
            .amendments
            .into_values()
            .collect())
    }

    /// Propose to change the rule for an act; it must pass under the rule
    /// for rule changes, the old rule and the new one.
    pub fn propose_rule(
        &mut self,
        community: Option<&str>,
        rule: ActRule,
        rationale: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let payload = Payload::ChangeRule(ChangeRule {
            act: rule.act,
            rule: rule.rule,
            rationale: rationale.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::governance::NewCommunity;
    use crate::{Env, ErrorKind, Home};

    /// A challenge becomes the charter's version 2, through the facade
    /// alone: challenge, propose, write the draft, submit, react, open the
    /// round, decide, ratify. Deciding before the round is open is refused
    /// with the reason.
    #[test]
    fn a_challenge_becomes_a_version_through_the_facade() {
        let dir = tempfile::tempdir().expect("tempdir");
        let counter = std::sync::atomic::AtomicU8::new(1);
        let env = Env::fixed(1_765_000_000_000).with_entropy(move |buffer: &mut [u8]| {
            for b in buffer.iter_mut() {
                *b = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        Home::init_with_seed(dir.path(), &[1; 32]).expect("init");
        let mut home = Home::open(dir.path(), env).expect("open");
        let draft =
            crate::Documents::import_markdown("# Charte\n\n## Tensions\n\n1. On en parle.\n")
                .expect("markdown");
        let charter = home.documents().create("Charte", &draft).expect("charter");
        let mut gov = home.governance();
        let founded = gov
            .found(NewCommunity {
                name: "Les Communs",
                charter: &charter.id.to_string(),
                name_as: Some("Alice"),
                rules: vec!["amend=consent".parse().expect("rule")],
                ..NewCommunity::default()
            })
            .expect("found");
        let community = founded.details.id.to_string();
        let c = Some(community.as_str());

        let challenged = gov
            .challenge(
                c,
                "Tensions",
                "personne ne tranche",
                "la dispute du planning",
                None,
            )
            .expect("challenge");
        assert_eq!(challenged.details.inadmissible, None);
        let proposed = gov
            .propose(
                c,
                &challenged.record.to_string(),
                "Qui tranche",
                "pour savoir",
                &[],
            )
            .expect("propose");
        let amendment = proposed.record.to_string();
        let written = gov
            .write(
                c,
                &amendment,
                "Tensions",
                "1. On en parle.\n\n2. Le cercle tranche.",
            )
            .expect("write");
        assert!(written.change.is_some());
        let submitted = gov.submit(c, &amendment, "", &[]).expect("submit");
        assert_eq!(submitted.details.sections.len(), 1);
        gov.react(
            c,
            &amendment,
            Reaction {
                stance: Stance::Consent,
                criteria: BTreeSet::new(),
                argument: "",
                objection: None,
            },
        )
        .expect("react");
        let early = gov
            .decide(c, &amendment, Outcome::Adopted, "")
            .map(|_| ())
            .expect_err("no round yet");
        assert_eq!(early.kind(), ErrorKind::Refused);
        assert!(
            early
                .refusal()
                .is_some_and(|(_, why)| why.to_string().contains("reactions")),
            "{early}"
        );
        gov.round(c, &amendment).expect("round");
        let decided = gov
            .decide(c, &amendment, Outcome::Adopted, "")
            .expect("decide");
        assert!(decided.details.tally.is_some());
        let ratified = gov.ratify(c, &amendment).expect("ratify");
        assert_eq!(ratified.details.version, Some(2));

        let view = gov.amendment(c, &amendment).expect("show");
        assert_eq!(view.amendment.phase, governance::Phase::Merged);
        assert!(view.diff.is_some());
        let state = gov.show(c).expect("state");
        let in_force = gov.charter_in_force(&state).expect("in force");
        assert_eq!(
            in_force.find_section("Tensions").expect("section").body(),
            "1. On en parle.\n\n2. Le cercle tranche."
        );
        assert_eq!(gov.amendments(c).expect("amendments").len(), 1);
    }

    /// A tension moved on, then escalated into a challenge in one call.
    #[test]
    fn a_tension_escalates_into_a_challenge() {
        let dir = tempfile::tempdir().expect("tempdir");
        Home::init_with_seed(dir.path(), &[2; 32]).expect("init");
        let mut home = Home::open(dir.path(), Env::fixed(1_765_000_000_000)).expect("open");
        let draft = crate::Documents::import_markdown("# Charte\n\n## Tensions\n\nOn en parle.\n")
            .expect("markdown");
        let charter = home.documents().create("Charte", &draft).expect("charter");
        let mut gov = home.governance();
        let founded = gov
            .found(NewCommunity {
                name: "Jardin",
                charter: &charter.id.to_string(),
                ..NewCommunity::default()
            })
            .expect("found");
        let community = founded.details.id.to_string();
        let c = Some(community.as_str());
        let opened = gov
            .open_tension(c, TensionPath::Governance, "le planning", Some("Tensions"))
            .expect("open");
        let tension = opened.record.to_string();
        gov.update_tension(c, &tension, TensionStatus::InProcess, "on s'en occupe")
            .expect("in process");
        // A section that is not there stores nothing: the tension stays in
        // process, with no challenge.
        let missing = gov
            .escalate_tension(c, &tension, "ça bloque", "Nulle part", "la réunion du 3")
            .map(|_| ())
            .expect_err("no such section");
        assert_eq!(missing.kind(), ErrorKind::InvalidInput);
        let tensions = gov.tensions(c).expect("tensions");
        assert_eq!(tensions[0].status, TensionStatus::InProcess);
        assert!(tensions[0].challenges.is_empty());
        let escalated = gov
            .escalate_tension(c, &tension, "ça bloque", "Tensions", "la réunion du 3")
            .expect("escalate");
        assert_eq!(escalated.kind, record::Kind::Challenge);
        let tensions = gov.tensions(c).expect("tensions");
        assert_eq!(tensions[0].status, TensionStatus::Escalated);
        assert_eq!(tensions[0].challenges, vec![escalated.record]);
        let again = gov
            .update_tension(c, &tension, TensionStatus::Resolved, "")
            .map(|_| ())
            .expect_err("escalated is final");
        assert_eq!(again.kind(), ErrorKind::Refused);
    }
}
