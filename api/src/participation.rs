//! Public participation, the organiser's, the team's and the members' side
//! (more methods of [`Governance`]): open a participation on a text under
//! consultation with its contrat participatif, move it through its phases
//! (contract, strategy, instruction, answer), contribute, amend, withdraw,
//! support, link, report, moderate, answer with arguments, settle
//! commitments and close; and the views (a participation with its phase in
//! force, commitments and counts; contributions with their timeline).
//!
//! Every act is a signed record judged by governance (a refusal is an error
//! of kind `Refused` with its reason, nothing stored). Participations and
//! contributions are named by record id or an unambiguous hex prefix.
//! Views never carry a hidden contribution's words (its title, text and
//! wordings): only that it exists, why it is hidden and the moderation —
//! unless a moderator asks for them explicitly.

use std::collections::BTreeMap;
use std::sync::Arc;

use nous_core::community::Community;
use nous_core::governance::State;
use nous_core::governance::participation::{
    AnswerEntry, CommitmentStatus, ContributionState, ContributionStatus, Link, ModerationAct,
    ParticipationState, PhaseEntry, Report, TimelineEvent, Visibility,
};
use nous_core::record::{
    Access, AmendContribution, Anchor, AnswerState, AuthorType, Category, Channel,
    CloseParticipation, Commitment, Contributors, Heads, Landing, LinkContribution, Location,
    Moderate, OpenParticipation, OpenPhase, Payload, PhaseKind, PublishAnswer, RecordId, Relation,
    ReportContribution, ReportReason, ReviseContract, SettleCommitment, SubmitContribution,
    SupportContribution, Version, WithdrawContribution,
};
use nous_core::{DocId, HeadsRef, PublicKey};
use serde::Serialize;

use crate::documents::Documents;
use crate::governance::{Governance, Nothing, Recorded};
use crate::{Invalid, Result};

/// What opening a participation needs.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions<'a> {
    /// Its title.
    pub title: &'a str,
    /// The text under consultation, as Markdown (imported as a document).
    pub text_markdown: &'a str,
    /// The contrat participatif, as Markdown (imported as a document).
    pub contract_markdown: &'a str,
    /// The contract's commitments, itemised.
    pub commitments: Vec<Commitment>,
    /// Contribution categories.
    pub categories: Vec<Category>,
    /// When every contribution must have its answer (ms).
    pub answer_due: u64,
    /// Moderators (member keys, key prefixes or names); none: the
    /// facilitators.
    pub moderators: Vec<String>,
    /// Answerers (member keys, key prefixes or names); none: the
    /// facilitators.
    pub answerers: Vec<String>,
    /// Reports from distinct devices that hide a contribution pending
    /// review; 0: never by itself.
    pub report_threshold: u32,
}

/// A participation opened.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    /// The text under consultation, as pinned.
    pub text: Version,
    /// The contrat participatif, as pinned.
    pub contract: Version,
}

/// A phase to open. `None` fields take the phase's defaults: it opens now;
/// the strategy takes every channel from anyone; the other phases take no
/// contribution.
#[derive(Debug, Clone)]
pub struct PhaseOptions {
    /// Which phase.
    pub phase: PhaseKind,
    /// When it opens (ms); none: now.
    pub opens_at: Option<u64>,
    /// When it ends at the latest (ms); none: when the next opens.
    pub closes_at: Option<u64>,
    /// Who may contribute.
    pub contributors: Option<Contributors>,
    /// The channels it takes.
    pub channels: Option<Vec<Channel>>,
    /// The categories it takes (empty: all).
    pub categories: Vec<String>,
}

impl PhaseOptions {
    /// A phase with its defaults.
    pub fn new(phase: PhaseKind) -> Self {
        PhaseOptions {
            phase,
            opens_at: None,
            closes_at: None,
            contributors: None,
            channels: None,
            categories: Vec::new(),
        }
    }
}

/// A phase opened.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseOpened {
    /// The phase as signed.
    pub phase: PhaseKind,
    /// When it opens (ms).
    pub opens_at: u64,
    /// When it ends at the latest (ms).
    pub closes_at: Option<u64>,
    /// Who may contribute.
    pub contributors: Contributors,
    /// The channels it takes.
    pub channels: Vec<Channel>,
}

/// A contribution to submit.
#[derive(Debug, Clone)]
pub struct NewContribution<'a> {
    /// A short title.
    pub title: &'a str,
    /// What is said.
    pub body: &'a str,
    /// A category of the participation.
    pub category: &'a str,
    /// Who the author is.
    pub author_type: AuthorType,
    /// The section (id or heading of the text under consultation) it bears
    /// on, and an article of it.
    pub anchor: Option<(&'a str, Option<&'a str>)>,
    /// Where on a map.
    pub location: Option<Location>,
    /// How it came in (`Device`: one's own; otherwise a transcription).
    pub channel: Channel,
    /// For a transcription: whom it speaks for, by a reference.
    pub on_behalf_of: Option<&'a str>,
}

/// An answer to publish.
#[derive(Debug, Clone)]
pub struct NewAnswer<'a> {
    /// What became of the contribution.
    pub state: AnswerState,
    /// Why (required by governance, whatever the state).
    pub argument: &'a str,
    /// Where it landed: a section (id or heading of the text) and the
    /// changes that carry it (hash prefixes, comma-separated; none: none
    /// named).
    pub landed_in: Vec<(&'a str, Option<&'a str>)>,
}

/// What a contribution act concerns.
#[derive(Debug, Clone, Serialize)]
pub struct OnContribution {
    /// The contribution.
    pub contribution: RecordId,
}

/// An answer published.
#[derive(Debug, Clone, Serialize)]
pub struct Answered {
    /// The contribution.
    pub contribution: RecordId,
    /// The state.
    pub state: AnswerState,
    /// The answer it revises, if any.
    pub revises: Option<RecordId>,
    /// Published after the answer deadline.
    pub late: bool,
}

/// A commitment and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct CommitmentView {
    /// The commitment.
    #[serde(flatten)]
    pub commitment: Commitment,
    /// Where it stands at `now`.
    pub status: CommitmentStatus,
}

/// Contributions counted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Every contribution.
    pub contributions: usize,
    /// By status (`submitted`, `withdrawn`, `hidden`, `answered`).
    pub by_status: BTreeMap<String, usize>,
    /// Answered, by the state of the answer in force.
    pub by_answer: BTreeMap<String, usize>,
    /// Needing an answer and without one.
    pub unanswered: usize,
    /// Of those, past the answer deadline.
    pub overdue: usize,
    /// Hidden pending a moderator's review.
    pub pending_review: usize,
}

/// A participation as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipationView {
    /// Its id.
    pub id: RecordId,
    /// Its title.
    pub title: String,
    /// Who opened it (member).
    pub opened_by: PublicKey,
    /// When (ms).
    pub opened_at: u64,
    /// The text under consultation, as submitted to it.
    pub text: Version,
    /// The contrat participatif in force.
    pub contract: Version,
    /// How many times the contract was revised.
    pub contract_revisions: usize,
    /// Categories.
    pub categories: Vec<Category>,
    /// The answer deadline (ms).
    pub answer_due: u64,
    /// Moderators (empty: the facilitators).
    pub moderators: Vec<PublicKey>,
    /// Answerers (empty: the facilitators).
    pub answerers: Vec<PublicKey>,
    /// The report threshold.
    pub report_threshold: u32,
    /// The time the view was taken at (ms).
    pub now: u64,
    /// The phase in force at `now`.
    pub phase: Option<PhaseKind>,
    /// Whether it takes contributions at `now`.
    pub open_to_contributions: bool,
    /// Its phases, as opened.
    pub phases: Vec<PhaseEntry>,
    /// Its commitments, with where each stands at `now`.
    pub commitments: Vec<CommitmentView>,
    /// Contributions counted.
    pub counts: Counts,
    /// Contributions needing an answer, without one, past the deadline.
    pub overdue: Vec<RecordId>,
    /// Closed: when and the closing word.
    pub closed: Option<nous_core::governance::participation::Closed>,
    /// Published syntheses.
    pub syntheses: usize,
}

/// Which contributions to list.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Only these statuses (empty: all).
    pub status: Vec<ContributionStatus>,
    /// Only this category.
    pub category: Option<&'a str>,
    /// Only this author type.
    pub author_type: Option<AuthorType>,
    /// Only those made from this device.
    pub mine: bool,
    /// Show hidden contributions' words (moderators only).
    pub include_hidden: bool,
}

/// A contribution as shown: a hidden one without its words.
#[derive(Debug, Clone, Serialize)]
pub struct ContributionView {
    /// Its id.
    pub id: RecordId,
    /// The participation.
    pub participation: RecordId,
    /// Its author's pseudonym in this participation.
    pub pseudonym: String,
    /// Who the author is.
    pub author_type: AuthorType,
    /// Its category.
    pub category: String,
    /// How it came in.
    pub channel: Channel,
    /// For a transcription: whom it speaks for (a reference).
    pub on_behalf_of: Option<String>,
    /// The device that signed it.
    pub device: PublicKey,
    /// When it was submitted (ms).
    pub submitted_at: u64,
    /// Where in the text it bears.
    pub anchor: Option<Anchor>,
    /// Where on a map.
    pub location: Option<Location>,
    /// Whether it shows.
    pub visibility: Visibility,
    /// Where it stands.
    pub status: ContributionStatus,
    /// Its title now (none when hidden).
    pub title: Option<String>,
    /// Its text now (none when hidden).
    pub body: Option<String>,
    /// How many wordings it had (the submission and its amendments).
    pub wordings: usize,
    /// Distinct supporting devices.
    pub supporters: usize,
    /// Reports, in order (their reasons, not who made them).
    pub reports: Vec<ReportView>,
    /// Moderators' acts, in order.
    pub moderation: Vec<ModerationAct>,
    /// Links made from it.
    pub links: Vec<Link>,
    /// The answer in force.
    pub answer: Option<AnswerEntry>,
    /// Every answer, the one in force last.
    pub answers: Vec<AnswerEntry>,
    /// Its path (filled by [`Governance::contribution`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEvent>,
    /// Its earlier wordings (filled by [`Governance::contribution`], never
    /// for a hidden one unless a moderator asks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<WordingView>,
}

/// A report as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// The record.
    pub record: RecordId,
    /// Why.
    pub reason: ReportReason,
    /// When (ms).
    pub at: u64,
}

/// An earlier wording.
#[derive(Debug, Clone, Serialize)]
pub struct WordingView {
    /// The record that wrote it.
    pub record: RecordId,
    /// When (ms).
    pub at: u64,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
}

impl Governance<'_> {
    fn now(&self) -> u64 {
        self.home_ref().now_ms()
    }

    /// A participation of `community` named by id or prefix.
    fn participation_of(community: &Community, text: &str) -> Result<ParticipationState> {
        let id = community.record_by_ref(text)?;
        community
            .state
            .participations
            .get(&id)
            .cloned()
            .ok_or_else(|| {
                nous_core::Error::WrongKind {
                    id,
                    what: "a participation",
                }
                .into()
            })
    }

    /// A contribution of `community` named by id or prefix.
    fn contribution_of(community: &Community, text: &str) -> Result<Arc<ContributionState>> {
        let id = community.record_by_ref(text)?;
        community
            .state
            .contributions
            .get(&id)
            .cloned()
            .ok_or_else(|| {
                nous_core::Error::WrongKind {
                    id,
                    what: "a contribution",
                }
                .into()
            })
    }

    /// A document's version now, as this home has it.
    fn version_now(&mut self, doc: DocId) -> Result<Version> {
        let heads = self.home().heads(&doc)?;
        Ok(Version {
            doc,
            heads: Heads::new(heads),
        })
    }

    /// Import `markdown` as a document titled from it (or `fallback`), and
    /// share it with the community.
    fn import_and_share(
        &mut self,
        community: &Community,
        markdown: &str,
        fallback: &str,
    ) -> Result<DocId> {
        let draft = Documents::import_markdown(markdown)?;
        let title = draft
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| fallback.to_owned());
        let created = self.home().documents().create(&title, &draft)?;
        let community_ref = community.id.to_string();
        self.share(
            Some(&community_ref),
            &created.id.to_string(),
            Some(&title),
            Access::Members,
        )?;
        Ok(created.id)
    }

    /// Open a participation: the text under consultation and the contrat
    /// participatif are imported as documents and shared with the
    /// community, then `participation.open` pins both at their heads.
    pub fn open_participation(
        &mut self,
        community: Option<&str>,
        options: OpenOptions<'_>,
    ) -> Result<Recorded<Opened>> {
        let community = self.community(community)?;
        let moderators = options
            .moderators
            .iter()
            .map(|m| community.state.member_by_ref(m))
            .collect::<nous_core::Result<Vec<_>>>()?;
        let answerers = options
            .answerers
            .iter()
            .map(|m| community.state.member_by_ref(m))
            .collect::<nous_core::Result<Vec<_>>>()?;
        // Refuse what governance would refuse before any document is made.
        Documents::import_markdown(options.text_markdown)?;
        Documents::import_markdown(options.contract_markdown)?;
        let text = self.import_and_share(&community, options.text_markdown, options.title)?;
        let contract =
            self.import_and_share(&community, options.contract_markdown, options.title)?;
        let text = self.version_now(text)?;
        let contract = self.version_now(contract)?;
        // The shares changed the community: act on its state now.
        let community = self.community(Some(&community.id.to_string()))?;
        let payload = Payload::OpenParticipation(OpenParticipation {
            title: options.title.to_owned(),
            text: text.clone(),
            contract: contract.clone(),
            commitments: options.commitments,
            categories: options.categories,
            answer_due: options.answer_due,
            moderators,
            answerers,
            report_threshold: options.report_threshold,
        });
        self.act(&community, payload, Opened { text, contract })
    }

    /// Open a phase of a participation (and end the one before).
    pub fn open_phase(
        &mut self,
        community: Option<&str>,
        participation: &str,
        options: PhaseOptions,
    ) -> Result<Recorded<PhaseOpened>> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        let takes = options.phase == PhaseKind::Strategy;
        let opens_at = options.opens_at.unwrap_or_else(|| self.now());
        let contributors = options.contributors.unwrap_or(if takes {
            Contributors::Anyone
        } else {
            Contributors::Members
        });
        let channels = options.channels.unwrap_or_else(|| {
            if takes {
                Channel::ALL.to_vec()
            } else {
                Vec::new()
            }
        });
        let payload = Payload::OpenPhase(OpenPhase {
            participation: p.id,
            phase: options.phase,
            opens_at,
            closes_at: options.closes_at,
            contributors,
            channels: channels.clone(),
            categories: options.categories,
        });
        self.act(
            &community,
            payload,
            PhaseOpened {
                phase: options.phase,
                opens_at,
                closes_at: options.closes_at,
                contributors,
                channels,
            },
        )
    }

    /// Revise the contrat participatif: pin its document at its heads now
    /// (edit it first with the charter commands), with `commitments` (none:
    /// those in force).
    pub fn revise_contract(
        &mut self,
        community: Option<&str>,
        participation: &str,
        commitments: Option<Vec<Commitment>>,
    ) -> Result<Recorded<Opened>> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        let contract = self.version_now(p.contract.doc)?;
        let payload = Payload::ReviseContract(ReviseContract {
            participation: p.id,
            contract: contract.clone(),
            commitments: commitments.unwrap_or_else(|| p.commitments.clone()),
        });
        self.act(
            &community,
            payload,
            Opened {
                text: p.text.clone(),
                contract,
            },
        )
    }

    /// Say a commitment checked by hand was kept or broken, with evidence.
    pub fn settle_commitment(
        &mut self,
        community: Option<&str>,
        participation: &str,
        commitment: &str,
        kept: bool,
        evidence: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        let payload = Payload::SettleCommitment(SettleCommitment {
            participation: p.id,
            commitment: commitment.to_owned(),
            kept,
            evidence: evidence.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }

    /// Close a participation (refused while a contribution lacks its
    /// answer).
    pub fn close_participation(
        &mut self,
        community: Option<&str>,
        participation: &str,
        summary: &str,
    ) -> Result<Recorded<Nothing>> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        let payload = Payload::CloseParticipation(CloseParticipation {
            participation: p.id,
            summary: summary.to_owned(),
        });
        self.act(&community, payload, Nothing {})
    }

    /// A section of the text under consultation: its id, from an id or a
    /// heading (as given when the text is not in this home).
    fn section_of(&mut self, text: &Version, name: &str) -> String {
        self.home()
            .charter(&text.doc, None)
            .ok()
            .and_then(|c| c.find_section(name).ok().map(|s| s.id.to_string()))
            .unwrap_or_else(|| name.trim().to_owned())
    }

    /// Contribute: one's own contribution (`Channel::Device`), or a
    /// transcription from a meeting, paper or mail on someone's behalf.
    pub fn contribute(
        &mut self,
        community: Option<&str>,
        participation: &str,
        new: NewContribution<'_>,
    ) -> Result<Recorded<OnContribution>> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        let anchor = new.anchor.map(|(section, article)| Anchor {
            section: self.section_of(&p.text, section),
            article: article.map(str::to_owned),
        });
        let payload = Payload::SubmitContribution(SubmitContribution {
            participation: p.id,
            title: new.title.to_owned(),
            body: new.body.to_owned(),
            category: new.category.to_owned(),
            author_type: new.author_type,
            anchor,
            location: new.location,
            channel: new.channel,
            on_behalf_of: new.on_behalf_of.map(str::to_owned),
            invitation: None,
        });
        let mut recorded = self.act(
            &community,
            payload,
            OnContribution {
                contribution: RecordId([0; 32]),
            },
        )?;
        recorded.details.contribution = recorded.record;
        Ok(recorded)
    }

    /// Sign an act on one contribution (named by id or prefix): `payload`
    /// makes it from the contribution (and the community, for a second
    /// contribution named in it).
    fn on_contribution(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        payload: impl FnOnce(&Community, &ContributionState) -> Result<Payload>,
    ) -> Result<Recorded<OnContribution>> {
        let community = self.community(community)?;
        let c = Self::contribution_of(&community, contribution)?;
        let payload = payload(&community, &c)?;
        self.act(&community, payload, OnContribution { contribution: c.id })
    }

    /// Amend one's contribution before it is answered (`title`: none keeps
    /// it).
    pub fn amend_contribution(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        title: Option<&str>,
        body: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.on_contribution(community, contribution, |_, c| {
            Ok(Payload::AmendContribution(AmendContribution {
                contribution: c.id,
                title: title.map_or_else(|| c.title.clone(), str::to_owned),
                body: body.to_owned(),
            }))
        })
    }

    /// Withdraw one's contribution before it is answered.
    pub fn withdraw_contribution(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        reason: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.on_contribution(community, contribution, |_, c| {
            Ok(Payload::WithdrawContribution(WithdrawContribution {
                contribution: c.id,
                reason: reason.to_owned(),
            }))
        })
    }

    /// Support a contribution.
    pub fn support(
        &mut self,
        community: Option<&str>,
        contribution: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.on_contribution(community, contribution, |_, c| {
            Ok(Payload::SupportContribution(SupportContribution {
                contribution: c.id,
                invitation: None,
            }))
        })
    }

    /// Link a contribution to another (the team).
    pub fn link_contributions(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        relation: Relation,
        target: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.on_contribution(community, contribution, |community, c| {
            Ok(Payload::LinkContribution(LinkContribution {
                contribution: c.id,
                relation,
                target: Self::contribution_of(community, target)?.id,
            }))
        })
    }

    /// Report a contribution.
    pub fn report(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        reason: ReportReason,
        details: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.on_contribution(community, contribution, |_, c| {
            Ok(Payload::ReportContribution(ReportContribution {
                contribution: c.id,
                reason,
                details: details.to_owned(),
                invitation: None,
            }))
        })
    }

    /// Hide a contribution (or confirm a hiding by reports), with the
    /// reason and the clause of the contract applied (a moderator).
    pub fn hide(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        reason: &str,
        clause: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.moderate(community, contribution, reason, clause, true)
    }

    /// Restore a hidden contribution (a moderator).
    pub fn restore(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        reason: &str,
        clause: &str,
    ) -> Result<Recorded<OnContribution>> {
        self.moderate(community, contribution, reason, clause, false)
    }

    fn moderate(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        reason: &str,
        clause: &str,
        hide: bool,
    ) -> Result<Recorded<OnContribution>> {
        self.on_contribution(community, contribution, |_, c| {
            let act = Moderate {
                contribution: c.id,
                reason: reason.to_owned(),
                clause: clause.to_owned(),
            };
            Ok(if hide {
                Payload::Hide(act)
            } else {
                Payload::Restore(act)
            })
        })
    }

    /// Answer a contribution with an argument; where one is in force
    /// already, this answer revises it.
    pub fn answer(
        &mut self,
        community: Option<&str>,
        contribution: &str,
        answer: NewAnswer<'_>,
    ) -> Result<Recorded<Answered>> {
        let community = self.community(community)?;
        let c = Self::contribution_of(&community, contribution)?;
        let p = Self::participation_of(&community, &c.participation.to_string())?;
        let mut landed_in = Vec::new();
        for (section, changes) in answer.landed_in {
            let section = self.section_of(&p.text, section);
            let changes = match changes {
                Some(text) if !text.trim().is_empty() => {
                    let at: HeadsRef = text.parse().map_err(nous_core::Error::from)?;
                    Heads::new(self.home().resolve_heads(&p.text.doc, &at)?)
                }
                _ => Heads::new(Vec::new()),
            };
            landed_in.push(Landing { section, changes });
        }
        let revises = c.answer().map(|a| a.record);
        let late = self.now() > p.answer_due;
        let payload = Payload::PublishAnswer(PublishAnswer {
            contribution: c.id,
            state: answer.state,
            argument: answer.argument.to_owned(),
            landed_in,
            revises,
        });
        self.act(
            &community,
            payload,
            Answered {
                contribution: c.id,
                state: answer.state,
                revises,
                late,
            },
        )
    }

    /// The participations of a community, oldest first.
    pub fn participations(&self, community: Option<&str>) -> Result<Vec<ParticipationView>> {
        let community = self.community(community)?;
        let now = self.now();
        let mut all: Vec<ParticipationView> = community
            .state
            .participations
            .values()
            .map(|p| view(&community.state, p, now))
            .collect();
        all.sort_by_key(|p| (p.opened_at, p.id));
        Ok(all)
    }

    /// A participation: its phase in force now, its commitments with their
    /// status now, its counts.
    pub fn participation(
        &self,
        community: Option<&str>,
        participation: &str,
    ) -> Result<ParticipationView> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        Ok(view(&community.state, &p, self.now()))
    }

    /// Whether this device's member moderates `p`.
    fn moderates(&self, state: &State, p: &ParticipationState) -> bool {
        let device = self.home_ref().device();
        let Some(member) = state.member_of(&device).map(|m| m.id) else {
            return false;
        };
        if p.moderators.is_empty() {
            state.facilitators.is_empty() || state.facilitators.contains(&member)
        } else {
            p.moderators.contains(&member)
        }
    }

    /// The contributions of a participation, in the order they came.
    /// Hidden ones keep their place without their words, unless
    /// `filter.include_hidden` (moderators only).
    pub fn contributions(
        &self,
        community: Option<&str>,
        participation: &str,
        filter: &Filter<'_>,
    ) -> Result<Vec<ContributionView>> {
        let community = self.community(community)?;
        let p = Self::participation_of(&community, participation)?;
        if filter.include_hidden && !self.moderates(&community.state, &p) {
            return Err(Invalid::ModeratorsOnly.into());
        }
        let device = self.home_ref().device();
        Ok(p.contributions
            .iter()
            .filter_map(|id| community.state.contributions.get(id))
            .map(|c| contribution_view(c, &p, filter.include_hidden))
            .filter(|v| filter.status.is_empty() || filter.status.contains(&v.status))
            .filter(|v| filter.category.is_none_or(|c| c == v.category))
            .filter(|v| filter.author_type.is_none_or(|t| t == v.author_type))
            .filter(|v| !filter.mine || v.device == device)
            .collect())
    }

    /// A contribution with its timeline (its words withheld when hidden,
    /// unless `include_hidden`, for moderators only).
    pub fn contribution(
        &self,
        community: Option<&str>,
        contribution: &str,
        include_hidden: bool,
    ) -> Result<ContributionView> {
        let community = self.community(community)?;
        let c = Self::contribution_of(&community, contribution)?;
        let p = Self::participation_of(&community, &c.participation.to_string())?;
        if include_hidden && !self.moderates(&community.state, &p) {
            return Err(Invalid::ModeratorsOnly.into());
        }
        let mut v = contribution_view(&c, &p, include_hidden);
        v.timeline = c.timeline(p.report_threshold);
        if v.title.is_some() {
            v.history = c
                .wordings
                .iter()
                .map(|w| WordingView {
                    record: w.record,
                    at: w.at,
                    title: w.title.clone(),
                    body: w.body.clone(),
                })
                .collect();
        }
        Ok(v)
    }
}

/// A participation as shown at `now`.
fn view(state: &State, p: &ParticipationState, now: u64) -> ParticipationView {
    let lookup = |id: &RecordId| state.contributions.get(id).cloned();
    let commitments = p
        .commitments
        .iter()
        .map(|c| CommitmentView {
            commitment: c.clone(),
            status: p.commitment_status(c, &lookup, now),
        })
        .collect();
    let mut counts = Counts::default();
    let mut overdue = Vec::new();
    for id in &p.contributions {
        let Some(c) = state.contributions.get(id) else {
            continue;
        };
        counts.contributions += 1;
        let status = c.status(p.report_threshold);
        *counts
            .by_status
            .entry(status_name(status).into())
            .or_default() += 1;
        if let Some(answer) = c.answer() {
            *counts
                .by_answer
                .entry(answer.state.name().into())
                .or_default() += 1;
        }
        if c.visibility(p.report_threshold) == Visibility::HiddenPendingReview {
            counts.pending_review += 1;
        }
        if c.needs_answer(p.report_threshold) && c.answers.is_empty() {
            counts.unanswered += 1;
            if now >= p.answer_due {
                counts.overdue += 1;
                overdue.push(c.id);
            }
        }
    }
    ParticipationView {
        id: p.id,
        title: p.title.clone(),
        opened_by: p.opened_by,
        opened_at: p.opened_at,
        text: p.text.clone(),
        contract: p.contract.clone(),
        contract_revisions: p.contract_revisions.len(),
        categories: p.categories.clone(),
        answer_due: p.answer_due,
        moderators: p.moderators.clone(),
        answerers: p.answerers.clone(),
        report_threshold: p.report_threshold,
        now,
        phase: if p.closed.is_some() {
            None
        } else {
            p.phase_at(now).map(|e| e.phase)
        },
        open_to_contributions: p.open_to_contributions(now),
        phases: p.phases.clone(),
        commitments,
        counts,
        overdue,
        closed: p.closed.clone(),
        syntheses: p.syntheses.len(),
    }
}

/// A status's spelling.
pub fn status_name(status: ContributionStatus) -> &'static str {
    match status {
        ContributionStatus::Submitted => "submitted",
        ContributionStatus::Withdrawn => "withdrawn",
        ContributionStatus::Hidden => "hidden",
        ContributionStatus::Answered => "answered",
    }
}

/// A contribution as shown: its words withheld when hidden and not asked
/// for.
fn contribution_view(
    c: &ContributionState,
    p: &ParticipationState,
    include_hidden: bool,
) -> ContributionView {
    let visibility = c.visibility(p.report_threshold);
    let words = visibility == Visibility::Visible || include_hidden;
    ContributionView {
        id: c.id,
        participation: c.participation,
        pseudonym: c.pseudonym.clone(),
        author_type: c.author_type,
        category: c.category.clone(),
        channel: c.channel,
        on_behalf_of: c.on_behalf_of.clone(),
        device: c.device,
        submitted_at: c.submitted_at,
        anchor: c.anchor.clone(),
        location: c.location,
        visibility,
        status: c.status(p.report_threshold),
        title: words.then(|| c.title.clone()),
        body: words.then(|| c.body.clone()),
        wordings: c.wordings.len(),
        supporters: c.supporters(),
        reports: c
            .reports
            .iter()
            .map(|r: &Report| ReportView {
                record: r.record,
                reason: r.reason,
                at: r.at,
            })
            .collect(),
        moderation: c.moderation.clone(),
        links: c.links.clone(),
        answer: c.answer().cloned(),
        answers: c.answers.clone(),
        timeline: Vec::new(),
        history: Vec::new(),
    }
}
