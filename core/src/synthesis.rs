//! The synthesis of a public participation: a computed report of what
//! became of the contributions and which share of the final text came from
//! whom, reproducible by `nous verify` from a bundle alone
//! (`docs/participation.md`, "The synthesis").
//!
//! The method ([`crate::record::SYNTHESIS_METHOD`], `nous/synthesis/v1`):
//!
//! - **Inputs.** A community's resolved state, one of its participations,
//!   the text document and the final heads measured. The baseline is the
//!   text as submitted for consultation (the participation's `text`). The
//!   report a `synthesis.publish` record publishes is computed from the
//!   records that record builds on (its ancestors: not itself, nothing
//!   concurrent), resolved as `nous verify` resolves them ([`compute_on`],
//!   [`recompute`]); `as_of` is the latest timestamp among the accepted
//!   records of that state, so everything is a function of the log.
//! - **Contributions.** Every contribution of the participation is
//!   counted (`total`), by its declared author type. Withdrawn ones are
//!   counted as withdrawn, hidden ones (by a moderator or pending review)
//!   as hidden — never their text; a contribution both withdrawn and hidden
//!   counts as withdrawn. The others are *counted*: `by_state` gives the
//!   state of their answer in force, or `unanswered`. *Retained* means
//!   retained or partially retained.
//! - **Characters.** Every character of every text part of the final text
//!   (title, preamble, headings, section prose, articles) is either *kept*
//!   (its Automerge element was in the baseline text) or *added*. An added
//!   element was inserted by the change of its actor whose operation range
//!   holds its counter (among the changes the final heads build on). If
//!   that change is named in the `landed_in` of the answer in force of a
//!   counted contribution, the character is credited to that contribution
//!   and its author type (to the first such contribution in the
//!   participation's order, if several name it); otherwise it is
//!   `unattributed` (the organiser's own editing). `removed_chars` are the
//!   baseline characters no longer in the final text.
//! - **Words.** Words are maximal runs of alphanumeric characters (Unicode)
//!   within one text part of the final text. A word is added if any of its
//!   characters is added, and credited to whoever is credited with its
//!   first added character.
//! - **Sections.** In document order, the title and preamble under section
//!   `""`; each section's heading, prose and articles under its id. A
//!   section lists the counted contributions anchored on it or whose answer
//!   in force landed in it.
//! - **Shares** are permille, integers, rounded half up (0 when there is
//!   nothing to share): citizens among all contributions, among retained
//!   contributions, among added characters and among added words.
//! - **Commitments**: each commitment of the contract in force, with its
//!   status at `as_of`.
//!
//! The report holds no float; it is serialised as JSON with fields in
//! declaration order and maps sorted, and [`SynthesisReport::hash`] is the
//! SHA-256 of those bytes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use automerge::{ActorId, Automerge, ChangeHash, ObjId, ReadDoc, ScalarValueRef, ValueRef};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::charter::{TextPart, text_parts};
use crate::governance::participation::{ContributionState, ContributionStatus};
use crate::governance::{self, ResolveOptions, State, Verdict};
use crate::ids::{DocId, hash_hex};
use crate::record::{
    AnswerState, AuthorType, CommitmentCheck, CommunityId, Payload, Record, RecordId,
    SYNTHESIS_METHOD, SynthesisPublish,
};

/// Credited to no contribution.
pub const UNATTRIBUTED: &str = "unattributed";

/// The synthesis of a participation. See the module documentation for the
/// method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthesisReport {
    /// The method's version ([`SYNTHESIS_METHOD`]).
    pub method: String,
    /// The participation (its `participation.open` record, hex).
    pub participation: String,
    /// The text as submitted for consultation.
    pub baseline: TextVersion,
    /// The final text measured.
    pub text: TextVersion,
    /// The latest timestamp among the accepted records (ms).
    pub as_of: u64,
    /// Counts of contributions.
    pub contributions: ContributionCounts,
    /// Citizens' shares, permille.
    pub shares_permille: Shares,
    /// The text, kept and added.
    pub text_figures: TextFigures,
    /// Per section, in document order.
    pub sections: Vec<SectionFigures>,
    /// Per contribution, in the participation's order.
    pub per_contribution: Vec<ContributionFigures>,
    /// The commitments of the contract, and where they stand at `as_of`.
    pub commitments: Vec<CommitmentFigure>,
}

/// A version of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextVersion {
    /// The document id.
    pub doc: String,
    /// Its heads (hex, sorted).
    pub heads: Vec<String>,
}

/// Counts of contributions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionCounts {
    /// Every contribution.
    pub total: u64,
    /// Hidden (and not withdrawn).
    pub hidden: u64,
    /// Withdrawn.
    pub withdrawn: u64,
    /// Every contribution, by declared author type (all six always there).
    pub by_author_type: BTreeMap<String, u64>,
    /// Counted contributions by the state of their answer in force, or
    /// `unanswered`.
    pub by_state: BTreeMap<String, u64>,
    /// Counted contributions retained (in whole or part), by author type.
    pub retained_by_author_type: BTreeMap<String, u64>,
}

/// Citizens' shares, permille (rounded half up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shares {
    /// Among all contributions.
    pub contributions_citizen: u64,
    /// Among retained contributions.
    pub retained_citizen: u64,
    /// Among added characters.
    pub added_chars_citizen: u64,
    /// Among added words.
    pub added_words_citizen: u64,
}

/// Characters and words added, credited to someone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Added {
    /// Characters.
    pub chars: u64,
    /// Words.
    pub words: u64,
}

/// The text, kept and added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextFigures {
    /// Characters of the baseline text.
    pub baseline_chars: u64,
    /// Characters of the final text.
    pub final_chars: u64,
    /// Words of the final text.
    pub final_words: u64,
    /// Baseline characters still in the final text.
    pub kept_chars: u64,
    /// Baseline characters no longer in it.
    pub removed_chars: u64,
    /// Characters of the final text not in the baseline.
    pub added_chars: u64,
    /// Words of the final text with an added character.
    pub added_words: u64,
    /// Added characters and words by author type (and `unattributed`).
    pub added_by: BTreeMap<String, Added>,
}

/// One section's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionFigures {
    /// Its id (`""`: the title and preamble).
    pub section: String,
    /// Its heading in the final text.
    pub heading: String,
    /// Characters in the final text.
    pub final_chars: u64,
    /// Words in the final text.
    pub final_words: u64,
    /// Characters added.
    pub added_chars: u64,
    /// Words added.
    pub added_words: u64,
    /// Added by author type (and `unattributed`).
    pub added_by: BTreeMap<String, Added>,
    /// Counted contributions anchored on it or landed in it (hex ids).
    pub contributions: Vec<String>,
    /// Of those, answered.
    pub answered: u64,
    /// Of those, retained (in whole or part).
    pub retained: u64,
    /// Of those retained, from citizens.
    pub retained_citizen: u64,
}

/// One contribution's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionFigures {
    /// Its `contribution.submit` record (hex).
    pub id: String,
    /// Its author's pseudonym.
    pub pseudonym: String,
    /// Its declared author type.
    pub author_type: AuthorType,
    /// `submitted`, `withdrawn`, `hidden` or `answered`.
    pub status: String,
    /// Its answer's state, when answered (and counted).
    pub state: Option<AnswerState>,
    /// Characters of the final text credited to it.
    pub added_chars: u64,
    /// Words of the final text credited to it.
    pub added_words: u64,
}

/// A commitment and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentFigure {
    /// Its id.
    pub id: String,
    /// How it is checked.
    pub check: CommitmentCheck,
    /// `kept`, `pending` or `broken`.
    pub status: String,
}

/// Why a synthesis cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SynthesisError {
    /// The record named is no participation of the community (as far as
    /// the records go).
    #[error("record {} is not a participation of this community", .0.short())]
    NotAParticipation(RecordId),
    /// The record is not a `synthesis.publish`.
    #[error("record {} is not a synthesis", .0.short())]
    NotASynthesis(RecordId),
    /// No heads were given for the final text.
    #[error("no version of the text to measure (no heads)")]
    NoHeads,
    /// A version of the text is not in the document.
    #[error(
        "the {which} version of the text is not in document {doc}: change {missing} is missing"
    )]
    MissingHeads {
        /// `baseline` or `final`.
        which: &'static str,
        /// The document.
        doc: DocId,
        /// A missing change (hex).
        missing: String,
    },
    /// The records the synthesis builds on cannot be resolved.
    #[error("the records it builds on cannot be resolved: {0}")]
    Resolve(governance::ResolveError),
}

impl SynthesisReport {
    /// Its canonical bytes: JSON, fields in declaration order, maps sorted.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// SHA-256 of [`SynthesisReport::canonical`], in hex.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical()))
    }

    /// The headline figures a `synthesis.publish` record carries.
    pub fn figures(&self) -> BTreeMap<String, u64> {
        let c = &self.contributions;
        let t = &self.text_figures;
        let by = |key: &str| t.added_by.get(key).copied().unwrap_or_default();
        let answered: u64 = AnswerState::ALL
            .iter()
            .map(|s| c.by_state.get(s.name()).copied().unwrap_or(0))
            .sum();
        let commitments = |status: &str| {
            self.commitments
                .iter()
                .filter(|f| f.status == status)
                .count() as u64
        };
        [
            ("contributions", c.total),
            ("hidden", c.hidden),
            ("withdrawn", c.withdrawn),
            ("answered", answered),
            (
                "unanswered",
                c.by_state.get("unanswered").copied().unwrap_or(0),
            ),
            (
                "citizen",
                c.by_author_type
                    .get(AuthorType::Citizen.name())
                    .copied()
                    .unwrap_or(0),
            ),
            (
                "citizen_permille",
                self.shares_permille.contributions_citizen,
            ),
            ("retained", c.retained_by_author_type.values().sum()),
            (
                "retained_citizen",
                c.retained_by_author_type
                    .get(AuthorType::Citizen.name())
                    .copied()
                    .unwrap_or(0),
            ),
            (
                "retained_citizen_permille",
                self.shares_permille.retained_citizen,
            ),
            ("baseline_chars", t.baseline_chars),
            ("final_chars", t.final_chars),
            ("final_words", t.final_words),
            ("kept_chars", t.kept_chars),
            ("removed_chars", t.removed_chars),
            ("added_chars", t.added_chars),
            ("added_chars_citizen", by(AuthorType::Citizen.name()).chars),
            (
                "added_chars_citizen_permille",
                self.shares_permille.added_chars_citizen,
            ),
            ("added_words", t.added_words),
            ("added_words_citizen", by(AuthorType::Citizen.name()).words),
            (
                "added_words_citizen_permille",
                self.shares_permille.added_words_citizen,
            ),
            ("commitments_kept", commitments("kept")),
            ("commitments_broken", commitments("broken")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Whether `published` publishes exactly this report: its method, its
    /// text, its hash and its figures. `Err`: what differs, in words.
    pub fn matches(&self, published: &SynthesisPublish) -> Result<(), String> {
        if published.method != self.method {
            return Err(format!(
                "it names method {}, the report is computed by {}",
                published.method, self.method
            ));
        }
        if published.hash != self.hash() {
            return Err(format!(
                "it publishes hash {}, the records it builds on and the text give {}",
                published.hash,
                self.hash()
            ));
        }
        let figures = self.figures();
        if published.figures != figures {
            let differ: Vec<&str> = figures
                .keys()
                .chain(published.figures.keys())
                .filter(|k| figures.get(*k) != published.figures.get(*k))
                .map(String::as_str)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(format!(
                "its figures differ from those recomputed ({})",
                differ.join(", ")
            ));
        }
        Ok(())
    }
}

/// A text element: the counter and actor of the operation that inserted
/// it.
type Elem = (u64, ActorId);

/// Who a character of the final text is credited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credit {
    /// In the baseline.
    Kept,
    /// Added, by the contribution at this index (in the participation's
    /// order), or unattributed.
    Added(Option<usize>),
}

/// Compute the synthesis of `participation` in `state`, measuring the text
/// in `doc` (the participation's text document) at `final_heads` against
/// the baseline the participation names.
pub fn compute(
    state: &State,
    participation: &RecordId,
    doc: &Automerge,
    final_heads: &[ChangeHash],
) -> Result<SynthesisReport, SynthesisError> {
    let p = state
        .participations
        .get(participation)
        .ok_or(SynthesisError::NotAParticipation(*participation))?;
    let mut finals = final_heads.to_vec();
    finals.sort_unstable();
    finals.dedup();
    if finals.is_empty() {
        return Err(SynthesisError::NoHeads);
    }
    let mut baseline = p.text.heads.0.clone();
    baseline.sort_unstable();
    baseline.dedup();
    for (which, heads) in [("baseline", &baseline), ("final", &finals)] {
        if let Some(missing) = heads
            .iter()
            .find(|h| doc.get_change_meta_by_hash(h).is_none())
        {
            return Err(SynthesisError::MissingHeads {
                which,
                doc: p.text.doc,
                missing: hash_hex(missing),
            });
        }
    }
    let as_of = state
        .records
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Accepted))
        .map(|r| r.at)
        .max()
        .unwrap_or(0);

    // Contributions, in the participation's order.
    let threshold = p.report_threshold;
    let contributions: Vec<Arc<ContributionState>> = p
        .contributions
        .iter()
        .filter_map(|id| state.contributions.get(id).cloned())
        .collect();
    let statuses: Vec<ContributionStatus> =
        contributions.iter().map(|c| c.status(threshold)).collect();
    let counted = |i: usize| {
        matches!(
            statuses[i],
            ContributionStatus::Submitted | ContributionStatus::Answered
        )
    };
    let answer_state = |i: usize| -> Option<AnswerState> {
        (statuses[i] == ContributionStatus::Answered)
            .then(|| contributions[i].answer().map(|a| a.state))
            .flatten()
    };
    let zeroes = |extra: &[&str]| -> BTreeMap<String, u64> {
        AuthorType::ALL
            .iter()
            .map(|t| t.name())
            .chain(extra.iter().copied())
            .map(|k| (k.to_owned(), 0))
            .collect()
    };
    let mut by_author_type = zeroes(&[]);
    let mut by_state: BTreeMap<String, u64> = AnswerState::ALL
        .iter()
        .map(|s| s.name())
        .chain(["unanswered"])
        .map(|k| (k.to_owned(), 0))
        .collect();
    let mut retained_by_author_type = zeroes(&[]);
    let (mut hidden, mut withdrawn) = (0u64, 0u64);
    for (i, c) in contributions.iter().enumerate() {
        *by_author_type
            .entry(c.author_type.name().to_owned())
            .or_default() += 1;
        match statuses[i] {
            ContributionStatus::Withdrawn => withdrawn += 1,
            ContributionStatus::Hidden => hidden += 1,
            ContributionStatus::Submitted | ContributionStatus::Answered => {
                let state = answer_state(i);
                let key = state.map_or("unanswered", AnswerState::name);
                *by_state.entry(key.to_owned()).or_default() += 1;
                if state.is_some_and(AnswerState::retained) {
                    *retained_by_author_type
                        .entry(c.author_type.name().to_owned())
                        .or_default() += 1;
                }
            }
        }
    }

    // Which changes carry which contribution: the first in order wins.
    let mut credited: HashMap<ChangeHash, usize> = HashMap::new();
    for (i, c) in contributions.iter().enumerate() {
        if statuses[i] != ContributionStatus::Answered {
            continue;
        }
        for landing in c.answer().map(|a| a.landed_in.as_slice()).unwrap_or(&[]) {
            for hash in &landing.changes.0 {
                credited.entry(*hash).or_insert(i);
            }
        }
    }
    let changes = Changes::of(doc, &finals);

    // The baseline's elements.
    let mut baseline_elems: HashSet<Elem> = HashSet::new();
    let mut baseline_chars = 0u64;
    for (_, obj) in text_parts(doc, Some(&baseline)) {
        for (elem, text) in elements(doc, &obj, &baseline) {
            baseline_chars += text.chars().count() as u64;
            baseline_elems.insert(elem);
        }
    }

    // The final text, character by character.
    let who = |credit: Option<usize>| -> &'static str {
        credit.map_or(UNATTRIBUTED, |i| contributions[i].author_type.name())
    };
    let added_zeroes = || -> BTreeMap<String, Added> {
        AuthorType::ALL
            .iter()
            .map(|t| t.name())
            .chain([UNATTRIBUTED])
            .map(|k| (k.to_owned(), Added::default()))
            .collect()
    };
    let mut text = TextFigures {
        baseline_chars,
        final_chars: 0,
        final_words: 0,
        kept_chars: 0,
        removed_chars: 0,
        added_chars: 0,
        added_words: 0,
        added_by: added_zeroes(),
    };
    let mut per_contribution_added = vec![Added::default(); contributions.len()];
    let mut sections: Vec<SectionFigures> = Vec::new();
    for (part, obj) in text_parts(doc, Some(&finals)) {
        let (section, is_heading) = match &part {
            TextPart::Title | TextPart::Preamble => (String::new(), false),
            TextPart::Heading { section } => (section.as_str().to_owned(), true),
            TextPart::SectionText { section } | TextPart::Article { section, .. } => {
                (section.as_str().to_owned(), false)
            }
        };
        let at = match sections.iter().position(|s| s.section == section) {
            Some(at) => at,
            None => {
                sections.push(SectionFigures {
                    section: section.clone(),
                    heading: String::new(),
                    final_chars: 0,
                    final_words: 0,
                    added_chars: 0,
                    added_words: 0,
                    added_by: added_zeroes(),
                    contributions: Vec::new(),
                    answered: 0,
                    retained: 0,
                    retained_citizen: 0,
                });
                sections.len() - 1
            }
        };
        let figures = &mut sections[at];
        let mut chars: Vec<(char, Credit)> = Vec::new();
        for (elem, content) in elements(doc, &obj, &finals) {
            let credit = if baseline_elems.contains(&elem) {
                Credit::Kept
            } else {
                Credit::Added(
                    changes
                        .inserted_by(&elem)
                        .and_then(|h| credited.get(&h).copied()),
                )
            };
            chars.extend(content.chars().map(|c| (c, credit)));
        }
        if is_heading {
            figures.heading = chars.iter().map(|(c, _)| c).collect();
        }
        for &(_, credit) in &chars {
            figures.final_chars += 1;
            text.final_chars += 1;
            match credit {
                Credit::Kept => text.kept_chars += 1,
                Credit::Added(to) => {
                    text.added_chars += 1;
                    figures.added_chars += 1;
                    bump(&mut text.added_by, who(to), 1, 0);
                    bump(&mut figures.added_by, who(to), 1, 0);
                    if let Some(i) = to {
                        per_contribution_added[i].chars += 1;
                    }
                }
            }
        }
        // Words: maximal runs of alphanumeric characters.
        let mut n = 0;
        while n < chars.len() {
            if !chars[n].0.is_alphanumeric() {
                n += 1;
                continue;
            }
            let start = n;
            while n < chars.len() && chars[n].0.is_alphanumeric() {
                n += 1;
            }
            text.final_words += 1;
            figures.final_words += 1;
            let first_added = chars[start..n].iter().find_map(|(_, credit)| match credit {
                Credit::Added(to) => Some(*to),
                Credit::Kept => None,
            });
            if let Some(to) = first_added {
                text.added_words += 1;
                figures.added_words += 1;
                bump(&mut text.added_by, who(to), 0, 1);
                bump(&mut figures.added_by, who(to), 0, 1);
                if let Some(i) = to {
                    per_contribution_added[i].words += 1;
                }
            }
        }
    }
    text.removed_chars = baseline_chars.saturating_sub(text.kept_chars);

    // Which contributions each section holds.
    for figures in &mut sections {
        for (i, c) in contributions.iter().enumerate() {
            if !counted(i) {
                continue;
            }
            let anchored = c
                .anchor
                .as_ref()
                .is_some_and(|a| a.section == figures.section);
            let landed = statuses[i] == ContributionStatus::Answered
                && c.answer()
                    .is_some_and(|a| a.landed_in.iter().any(|l| l.section == figures.section));
            if !(anchored || landed) {
                continue;
            }
            figures.contributions.push(c.id.to_string());
            if let Some(state) = answer_state(i) {
                figures.answered += 1;
                if state.retained() {
                    figures.retained += 1;
                    if c.author_type == AuthorType::Citizen {
                        figures.retained_citizen += 1;
                    }
                }
            }
        }
    }

    let citizen = AuthorType::Citizen.name();
    let total = contributions.len() as u64;
    let retained: u64 = retained_by_author_type.values().sum();
    let citizen_added = text.added_by.get(citizen).copied().unwrap_or_default();
    let shares = Shares {
        contributions_citizen: permille(by_author_type[citizen], total),
        retained_citizen: permille(retained_by_author_type[citizen], retained),
        added_chars_citizen: permille(citizen_added.chars, text.added_chars),
        added_words_citizen: permille(citizen_added.words, text.added_words),
    };
    let per_contribution = contributions
        .iter()
        .enumerate()
        .map(|(i, c)| ContributionFigures {
            id: c.id.to_string(),
            pseudonym: c.pseudonym.clone(),
            author_type: c.author_type,
            status: status_name(statuses[i]).to_owned(),
            state: answer_state(i),
            added_chars: per_contribution_added[i].chars,
            added_words: per_contribution_added[i].words,
        })
        .collect();
    let lookup = |id: &RecordId| state.contributions.get(id).cloned();
    let commitments = p
        .commitments
        .iter()
        .map(|c| CommitmentFigure {
            id: c.id.clone(),
            check: c.check,
            status: p.commitment_status(c, &lookup, as_of).name().to_owned(),
        })
        .collect();
    let version = |heads: &[ChangeHash]| TextVersion {
        doc: p.text.doc.to_string(),
        heads: heads.iter().map(hash_hex).collect(),
    };
    Ok(SynthesisReport {
        method: SYNTHESIS_METHOD.to_owned(),
        participation: participation.to_string(),
        baseline: version(&baseline),
        text: version(&finals),
        as_of,
        contributions: ContributionCounts {
            total,
            hidden,
            withdrawn,
            by_author_type,
            by_state,
            retained_by_author_type,
        },
        shares_permille: shares,
        text_figures: text,
        sections,
        per_contribution,
        commitments,
    })
}

/// The records among `records` that `of` names and their ancestors (each
/// once), in no particular order.
pub fn ancestors(records: &[Record], of: &[RecordId]) -> Vec<Record> {
    let by_id: HashMap<RecordId, &Record> = records.iter().map(|r| (r.id(), r)).collect();
    let mut seen: HashSet<RecordId> = HashSet::new();
    let mut stack: Vec<RecordId> = of.to_vec();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Some(record) = by_id.get(&id) {
            stack.extend(record.parents().iter().copied());
            out.push((*record).clone());
        }
    }
    out
}

/// The synthesis a record citing `parents` would publish: computed from
/// the state of the records it builds on (`parents` and their ancestors
/// among `records`, resolved with `options`), on `doc` at `final_heads`.
/// A home computes with the community's heads before signing on them;
/// `nous verify` recomputes from the record's parents ([`recompute`]).
#[allow(clippy::too_many_arguments)]
pub fn compute_on(
    community: CommunityId,
    records: &[Record],
    parents: &[RecordId],
    participation: &RecordId,
    doc: &Automerge,
    final_heads: &[ChangeHash],
    options: ResolveOptions,
) -> Result<SynthesisReport, SynthesisError> {
    let subset = ancestors(records, parents);
    let state =
        governance::resolve(community, &subset, options).map_err(SynthesisError::Resolve)?;
    compute(&state, participation, doc, final_heads)
}

/// Recompute the report a `synthesis.publish` record publishes, from the
/// records it builds on and the text document.
pub fn recompute(
    community: CommunityId,
    records: &[Record],
    synthesis: &Record,
    doc: &Automerge,
    options: ResolveOptions,
) -> Result<SynthesisReport, SynthesisError> {
    let Payload::SynthesisPublish(published) = synthesis.payload() else {
        return Err(SynthesisError::NotASynthesis(synthesis.id()));
    };
    compute_on(
        community,
        records,
        synthesis.parents(),
        &published.participation,
        doc,
        &published.text.heads.0,
        options,
    )
}

fn bump(map: &mut BTreeMap<String, Added>, who: &str, chars: u64, words: u64) {
    let entry = map.entry(who.to_owned()).or_default();
    entry.chars += chars;
    entry.words += words;
}

/// The words of `text` as the synthesis counts them: maximal runs of
/// alphanumeric characters (Unicode). Count each text part of a charter
/// on its own (a word never spans two parts).
pub fn count_words(text: &str) -> u64 {
    let mut words = 0;
    let mut inside = false;
    for c in text.chars() {
        let alnum = c.is_alphanumeric();
        if alnum && !inside {
            words += 1;
        }
        inside = alnum;
    }
    words
}

/// `part` of `whole`, permille, rounded half up; 0 when `whole` is 0.
pub fn permille(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (u128::from(part), u128::from(whole));
    u64::try_from((part * 2000 + whole) / (2 * whole)).unwrap_or(u64::MAX)
}

fn status_name(status: ContributionStatus) -> &'static str {
    match status {
        ContributionStatus::Submitted => "submitted",
        ContributionStatus::Withdrawn => "withdrawn",
        ContributionStatus::Hidden => "hidden",
        ContributionStatus::Answered => "answered",
    }
}

/// The changes the final heads build on, per actor, by their first
/// operation's counter.
struct Changes {
    by_actor: HashMap<ActorId, Vec<(u64, ChangeHash, u64)>>,
}

impl Changes {
    fn of(doc: &Automerge, heads: &[ChangeHash]) -> Changes {
        let metas = doc.get_changes_meta(&[]);
        let index: HashMap<ChangeHash, usize> =
            metas.iter().enumerate().map(|(i, m)| (m.hash, i)).collect();
        let mut past = vec![false; metas.len()];
        let mut stack: Vec<usize> = heads.iter().filter_map(|h| index.get(h).copied()).collect();
        while let Some(i) = stack.pop() {
            if !past[i] {
                past[i] = true;
                stack.extend(metas[i].deps.iter().filter_map(|d| index.get(d).copied()));
            }
        }
        let mut by_actor: HashMap<ActorId, Vec<(u64, ChangeHash, u64)>> = HashMap::new();
        for (i, meta) in metas.iter().enumerate() {
            if past[i] {
                by_actor
                    .entry(meta.actor.clone().into_owned())
                    .or_default()
                    .push((meta.start_op, meta.hash, meta.max_op));
            }
        }
        for list in by_actor.values_mut() {
            list.sort_unstable();
        }
        Changes { by_actor }
    }

    /// The change that inserted `elem`.
    fn inserted_by(&self, elem: &Elem) -> Option<ChangeHash> {
        let list = self.by_actor.get(&elem.1)?;
        let at = list.partition_point(|(start, _, _)| *start <= elem.0);
        let (_, hash, max_op) = list.get(at.checked_sub(1)?)?;
        (elem.0 <= *max_op).then_some(*hash)
    }
}

/// The elements of a text object at `heads`, each with its content.
fn elements(doc: &Automerge, obj: &ObjId, heads: &[ChangeHash]) -> Vec<(Elem, String)> {
    doc.list_range_at(obj, .., heads)
        .filter_map(|item| {
            let text = match &item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => s.to_string(),
                _ => String::new(),
            };
            match item.id() {
                ObjId::Id(counter, actor, _) => Some(((counter, actor), text)),
                ObjId::Root => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
