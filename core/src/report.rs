//! A community's governance history, told section by section: how each
//! section of the charter was challenged, which amendments answered, how the
//! community reacted and decided, and what each ratified version changed.
//!
//! [`governance_history`] is pure: it reads a resolved [`State`] and the
//! charter document and returns text, as Markdown or as one self-contained
//! HTML page (inline CSS, no script, no external resource, every piece of
//! user text escaped) with an SVG timeline at the top. The same state and
//! document always give the same bytes.
//!
//! Both formats are rendered from one small document model (headings,
//! paragraphs, nested lists, diffs) whose text is always data: the renderers
//! escape it, so nothing a member writes can become markup.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use automerge::{Automerge, ChangeHash};

use crate::charter::{self, Charter};
use crate::diff::{self, SectionDiff};
use crate::governance::{
    Admissibility, AmendmentState, ApplicationState, ChallengeState, DAY_MS, DecisionEntry,
    MemberStatus, ObjectionState, ProposalKind, ReactionEntry, RecordOutcome, State, Submission,
    Verdict, VersionEntry, method_name, phase_name,
};
use crate::identity::PublicKey;
use crate::record::{
    Act, Kind, Method, Outcome, RecordId, Rule, Stance, TensionPath, TensionStatus,
};

/// The output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CommonMark: headings, lists and fenced `diff` blocks.
    Markdown,
    /// One self-contained HTML page with an SVG timeline.
    Html,
}

/// The governance history of a community: a header (community, charter,
/// version in force, members by college), then each section of the charter
/// in force in order, followed by the sections removed along the way, with
/// the challenges of each section, the amendments that answered them and
/// the diff of every ratified version that changed it; then membership,
/// tensions, rules and the records that did not hold.
///
/// `charter` is the charter document; versions whose changes it lacks are
/// reported as missing, not as an error. Times are UTC.
pub fn governance_history(state: &State, charter: &Automerge, format: Format) -> String {
    let cx = Context::new(state, charter);
    let report = cx.report();
    match format {
        Format::Markdown => render_markdown(&report),
        Format::Html => render_html(&report),
    }
}

// ---------------------------------------------------------------------------
// The document model

/// A run of text. All of it is data; the renderers escape it.
#[derive(Debug, Clone)]
enum Span {
    Text(String),
    Strong(String),
    Code(String),
}

type Line = Vec<Span>;

#[derive(Debug, Clone)]
enum Block {
    Heading(u8, Line),
    Para(Line),
    List(Vec<Item>),
    /// A unified diff.
    Diff(String),
}

#[derive(Debug, Clone)]
struct Item {
    line: Line,
    children: Vec<Block>,
}

impl Item {
    fn new(line: Line) -> Self {
        Item {
            line,
            children: Vec::new(),
        }
    }

    fn with(line: Line, children: Vec<Item>) -> Self {
        let children = if children.is_empty() {
            Vec::new()
        } else {
            vec![Block::List(children)]
        };
        Item { line, children }
    }
}

fn t(text: impl Into<String>) -> Span {
    Span::Text(text.into())
}

fn b(text: impl Into<String>) -> Span {
    Span::Strong(text.into())
}

fn c(text: impl Into<String>) -> Span {
    Span::Code(text.into())
}

/// The lanes of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Lane {
    Challenges,
    Amendments,
    Decisions,
    Versions,
    Membership,
    Tensions,
}

impl Lane {
    const ALL: [Lane; 6] = [
        Lane::Challenges,
        Lane::Amendments,
        Lane::Decisions,
        Lane::Versions,
        Lane::Membership,
        Lane::Tensions,
    ];

    fn label(self) -> &'static str {
        match self {
            Lane::Challenges => "Challenges",
            Lane::Amendments => "Amendments",
            Lane::Decisions => "Decisions",
            Lane::Versions => "Versions",
            Lane::Membership => "Membership",
            Lane::Tensions => "Tensions",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Lane::Challenges => "challenge",
            Lane::Amendments => "amendment",
            Lane::Decisions => "decision",
            Lane::Versions => "version",
            Lane::Membership => "membership",
            Lane::Tensions => "tension",
        }
    }
}

/// One marker of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    lane: Lane,
    at: u64,
    /// The tooltip.
    label: String,
    /// A label drawn next to the marker (versions: `v2`).
    tick: Option<String>,
}

#[derive(Debug)]
struct Report {
    title: String,
    header: Vec<Block>,
    body: Vec<Block>,
    events: Vec<Event>,
    /// First and last instant of the timeline (ms).
    span: (u64, u64),
}

// ---------------------------------------------------------------------------
// Building the report

/// Where a section of the report stands in the charter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// In the charter in force.
    InForce,
    /// In an earlier version (the index of the last one), not in force.
    Removed(usize),
    /// In an earlier version, but the version in force cannot be read.
    Earlier(usize),
    /// Named by a challenge or a wording, found in no readable version.
    Unknown,
}

#[derive(Debug, Clone)]
struct SectionEntry {
    id: String,
    heading: String,
    standing: Standing,
}

struct Context<'a> {
    state: &'a State,
    records: BTreeMap<RecordId, &'a RecordOutcome>,
    /// The charter at each version, or why it cannot be read.
    contents: Vec<Result<Charter, String>>,
    /// For each version, its changes by section id (empty for the first),
    /// or why they cannot be computed.
    changes: Vec<Result<BTreeMap<String, SectionDiff>, String>>,
    sections: Vec<SectionEntry>,
}

impl<'a> Context<'a> {
    fn new(state: &'a State, doc: &Automerge) -> Self {
        let records = state.records.iter().map(|r| (r.id, r)).collect();
        let contents: Vec<Result<Charter, String>> = state
            .versions
            .iter()
            .map(|v| read_version(doc, v))
            .collect();
        let mut changes = Vec::with_capacity(contents.len());
        for (i, content) in contents.iter().enumerate() {
            let Some(previous) = i.checked_sub(1).and_then(|p| contents.get(p)) else {
                changes.push(Ok(BTreeMap::new()));
                continue;
            };
            changes.push(match (previous, content) {
                (Ok(before), Ok(after)) => Ok(diff::diff(before, after)
                    .sections
                    .into_iter()
                    .map(|change| (section_id_of(&change), change))
                    .collect()),
                (Err(why), _) => Err(format!(
                    "v{} cannot be read: {why}",
                    state.versions[i - 1].number
                )),
                (_, Err(why)) => Err(format!(
                    "v{} cannot be read: {why}",
                    state.versions[i].number
                )),
            });
        }
        let mut cx = Context {
            state,
            records,
            contents,
            changes,
            sections: Vec::new(),
        };
        cx.sections = cx.catalogue();
        cx
    }

    /// Every section the report tells about, in order: the sections in
    /// force, those of earlier versions, then ids found only in records.
    fn catalogue(&self) -> Vec<SectionEntry> {
        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        let last = self.contents.len().saturating_sub(1);
        let in_force_readable = matches!(self.contents.get(last), Some(Ok(_)));
        if let Some(Ok(charter)) = self.contents.get(last) {
            for section in &charter.sections {
                if seen.insert(section.id.to_string()) {
                    entries.push(SectionEntry {
                        id: section.id.to_string(),
                        heading: section.heading.clone(),
                        standing: Standing::InForce,
                    });
                }
            }
        }
        // Newest version first, so each section gets its last heading.
        let mut earlier = Vec::new();
        for (i, content) in self.contents.iter().enumerate().rev() {
            let Ok(charter) = content else { continue };
            for (position, section) in charter.sections.iter().enumerate() {
                if seen.insert(section.id.to_string()) {
                    let standing = if in_force_readable {
                        Standing::Removed(i)
                    } else {
                        Standing::Earlier(i)
                    };
                    earlier.push((
                        i,
                        position,
                        SectionEntry {
                            id: section.id.to_string(),
                            heading: section.heading.clone(),
                            standing,
                        },
                    ));
                }
            }
        }
        earlier.sort_by_key(|(i, position, _)| (*i, *position));
        entries.extend(earlier.into_iter().map(|(_, _, entry)| entry));
        let mut unknown = BTreeSet::new();
        for challenge in self.state.challenges.values() {
            unknown.insert(challenge.section.clone());
        }
        for version in &self.state.versions {
            unknown.extend(version.sections.iter().cloned());
        }
        for id in unknown {
            if !seen.contains(&id) {
                entries.push(SectionEntry {
                    heading: id.clone(),
                    id,
                    standing: Standing::Unknown,
                });
            }
        }
        entries
    }

    fn report(&self) -> Report {
        let state = self.state;
        let mut body = Vec::new();
        body.push(Block::Heading(2, vec![t("Sections")]));
        if let Some(Err(why)) = self.contents.last() {
            body.push(Block::Para(vec![t(format!(
                "The charter in force cannot be read ({why}): sections are listed as earlier versions and records name them."
            ))]));
        }
        if self.sections.is_empty() {
            body.push(Block::Para(vec![t("No section is known.")]));
        }
        for entry in &self.sections {
            self.section(entry, &mut body);
        }
        self.membership(&mut body);
        self.tensions(&mut body);
        self.rules(&mut body);
        self.records_section(&mut body);
        let events = self.events();
        let genesis = state.versions.first().map_or(0, |v| v.at);
        let first = events
            .iter()
            .map(|e| e.at)
            .min()
            .unwrap_or(genesis)
            .min(genesis);
        let last = state
            .records
            .iter()
            .filter(|r| r.verdict == Verdict::Accepted)
            .map(|r| r.at)
            .chain(events.iter().map(|e| e.at))
            .max()
            .unwrap_or(first)
            .max(first);
        Report {
            title: format!("Governance history of {}", state.name),
            header: self.header(),
            body,
            events,
            span: (first, last),
        }
    }

    // -- names and lookups ---------------------------------------------------

    /// A member's name, from a member id or a device key; an applicant's
    /// name; or the short key.
    fn name(&self, key: &PublicKey) -> String {
        let member = self
            .state
            .members
            .get(key)
            .or_else(|| self.state.member_of(key));
        if let Some(member) = member
            && !member.name.trim().is_empty()
        {
            return member.name.clone();
        }
        if let Some(application) = self
            .state
            .applications
            .values()
            .find(|a| a.applicant == *key && !a.name.trim().is_empty())
        {
            return application.name.clone();
        }
        key.short()
    }

    fn names(&self, keys: &[PublicKey]) -> String {
        keys.iter()
            .map(|k| self.name(k))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn at(&self, id: &RecordId) -> Option<u64> {
        self.records.get(id).map(|r| r.at)
    }

    fn when(&self, id: &RecordId) -> String {
        self.at(id)
            .map_or_else(|| "at an unknown time".to_owned(), date)
    }

    fn author(&self, id: &RecordId) -> Option<String> {
        self.records.get(id).map(|r| self.name(&r.author))
    }

    fn heading(&self, id: &str) -> String {
        self.sections
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_owned(), |s| s.heading.clone())
    }

    fn college(&self, id: &str) -> String {
        self.state
            .colleges
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    }

    /// The version whose heads are these, by number.
    fn version_with_heads(&self, heads: &[String]) -> Option<usize> {
        let mut wanted = heads.to_vec();
        wanted.sort();
        self.state.versions.iter().find_map(|v| {
            let mut have = v.heads.clone();
            have.sort();
            (have == wanted).then_some(v.number)
        })
    }

    fn first_seen(&self, id: &str) -> Option<usize> {
        self.contents.iter().position(|content| {
            content
                .as_ref()
                .is_ok_and(|c| c.sections.iter().any(|s| s.id.as_str() == id))
        })
    }

    // -- header ----------------------------------------------------------------

    fn header(&self) -> Vec<Block> {
        let state = self.state;
        let version = state.in_force();
        let mut items = vec![
            Item::new(vec![t("Community: "), c(state.community.short())]),
            Item::new(vec![t("Charter document: "), c(state.charter.to_string())]),
        ];
        if let Some(Ok(charter)) = self.contents.last()
            && !charter.title.trim().is_empty()
        {
            items.push(Item::new(vec![
                t("Charter title: "),
                t(charter.title.clone()),
            ]));
        }
        items.push(Item::new(vec![
            t("Version in force: "),
            b(format!("v{}", version.number)),
            t(" ("),
            c(short_hex(&version.hash)),
            t(format!("), ratified {}", date(version.at))),
        ]));
        let mut by_college: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut active, mut left, mut excluded) = (0usize, 0usize, 0usize);
        for member in state.members.values() {
            match member.status {
                MemberStatus::Active | MemberStatus::Suspended { .. } => {
                    active += 1;
                    *by_college.entry(member.college.as_str()).or_default() += 1;
                }
                MemberStatus::Left => left += 1,
                MemberStatus::Excluded => excluded += 1,
            }
        }
        let mut counts: Vec<String> = state
            .colleges
            .iter()
            .map(|college| {
                let n = by_college.remove(college.id.as_str()).unwrap_or(0);
                format!("{} {n}", college.name)
            })
            .collect();
        counts.extend(by_college.iter().map(|(id, n)| format!("{id} {n}")));
        let mut line = format!("Members: {active}");
        if !counts.is_empty() {
            line.push_str(&format!(" ({})", counts.join(", ")));
        }
        if left > 0 || excluded > 0 {
            line.push_str(&format!("; {left} left, {excluded} excluded"));
        }
        items.push(Item::new(vec![t(line)]));
        vec![
            Block::Heading(1, vec![t(format!("Governance history of {}", state.name))]),
            Block::List(items),
            Block::Para(vec![t("Times are UTC.")]),
        ]
    }

    // -- sections ----------------------------------------------------------------

    fn section(&self, entry: &SectionEntry, out: &mut Vec<Block>) {
        let state = self.state;
        let mut heading = vec![
            t(entry.heading.clone()),
            t(" ("),
            c(entry.id.clone()),
            t(")"),
        ];
        let standing = match entry.standing {
            Standing::InForce => match self.first_seen(&entry.id) {
                Some(0) => "In the charter since the founding version, v1.".to_owned(),
                Some(i) => format!(
                    "Added in v{}, {}.",
                    state.versions[i].number,
                    date(state.versions[i].at)
                ),
                None => "In the charter in force.".to_owned(),
            },
            Standing::Removed(i) => {
                heading.push(t(" — removed"));
                match state.versions.get(i + 1) {
                    Some(next) => format!(
                        "Removed in v{}, {}; last in v{}.",
                        next.number,
                        date(next.at),
                        state.versions[i].number
                    ),
                    None => format!("Last in v{}.", state.versions[i].number),
                }
            }
            Standing::Earlier(i) => format!("Last seen in v{}.", state.versions[i].number),
            Standing::Unknown => {
                heading.push(t(" — not found"));
                "Named by records, but found in no readable version of the charter.".to_owned()
            }
        };
        out.push(Block::Heading(3, heading));
        out.push(Block::Para(vec![t(standing)]));

        // The section's story: its challenges (with their amendments) and
        // the versions that changed it, in time order.
        let mut story: Vec<(u64, u8, String, StoryItem<'_>)> = Vec::new();
        for challenge in state.challenges.values() {
            if challenge.section == entry.id {
                story.push((
                    challenge.at,
                    0,
                    challenge.record.to_string(),
                    StoryItem::Challenge(challenge),
                ));
            }
        }
        for (i, version) in state.versions.iter().enumerate().skip(1) {
            let declared = version.sections.contains(&entry.id);
            let found = self
                .changes
                .get(i)
                .is_some_and(|c| c.as_ref().is_ok_and(|c| c.contains_key(&entry.id)));
            if declared || found {
                story.push((
                    version.at,
                    1,
                    format!("{:020}", version.number),
                    StoryItem::Version(i),
                ));
            }
        }
        story.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        if story.is_empty() {
            out.push(Block::Para(vec![t("Never challenged or changed.")]));
        }
        for (_, _, _, item) in story {
            match item {
                StoryItem::Challenge(challenge) => self.challenge(challenge, out),
                StoryItem::Version(i) => self.version_change(i, &entry.id, out),
            }
        }
    }

    fn challenge(&self, challenge: &ChallengeState, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            4,
            vec![t(format!(
                "Challenge by {}, {}",
                self.name(&challenge.author),
                date(challenge.at)
            ))],
        ));
        let mut items = vec![
            Item::new(vec![b("Tension:"), t(" "), t(challenge.tension.clone())]),
            Item::new(vec![b("Example:"), t(" "), t(challenge.example.clone())]),
        ];
        items.push(match &challenge.admissibility {
            Admissibility::Admissible => Item::new(vec![b("Admissible")]),
            Admissibility::Inadmissible { reason } => {
                Item::new(vec![b("Inadmissible:"), t(" "), t(reason.clone())])
            }
        });
        if let Some(tension) = &challenge.from_tension {
            let line = match state.tensions.get(tension) {
                Some(found) => vec![
                    t("Escalates the tension “"),
                    t(found.summary.clone()),
                    t(format!(
                        "” raised by {}, {}",
                        self.name(&found.author),
                        self.when(tension)
                    )),
                ],
                None => vec![t("Escalates the tension "), c(tension.short())],
            };
            items.push(Item::new(line));
        }
        if let Some(promoted) = &challenge.promoted_from {
            let line = match state.amendments.get(promoted) {
                Some(found) => vec![
                    t("Promotes the rejected amendment “"),
                    t(found.title.clone()),
                    t("”"),
                ],
                None => vec![t("Promotes the rejected amendment "), c(promoted.short())],
            };
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t("Record "), c(challenge.record.short())]));
        if challenge.amendments.is_empty() {
            items.push(Item::new(vec![t("No amendment answers it yet.")]));
        }
        out.push(Block::List(items));
        for id in &challenge.amendments {
            if let Some(amendment) = state.amendments.get(id) {
                self.amendment(amendment, out);
            }
        }
    }

    fn amendment(&self, amendment: &AmendmentState, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(
            5,
            vec![
                t("Amendment “"),
                t(amendment.title.clone()),
                t(format!("” — {}", phase_name(amendment.phase))),
            ],
        ));
        let mut items = Vec::new();
        let coauthors = if amendment.coauthors.is_empty() {
            "no co-author".to_owned()
        } else {
            format!("co-authors: {}", self.names(&amendment.coauthors))
        };
        items.push(Item::new(vec![t(format!(
            "Proposed by {}, {}; {coauthors}",
            self.name(&amendment.proposer),
            date(amendment.at)
        ))]));
        items.push(Item::new(vec![
            b("Rationale:"),
            t(" "),
            t(amendment.rationale.clone()),
        ]));
        items.push(Item::new(match self.version_with_heads(&amendment.base) {
            Some(n) => vec![t(format!("Forked from v{n}"))],
            None => vec![t("Forked from heads that are no ratified version")],
        }));

        let wordings: Vec<Item> = amendment
            .submissions
            .iter()
            .enumerate()
            .map(|(k, s)| self.wording(amendment, k, s))
            .collect();
        if wordings.is_empty() {
            items.push(Item::new(vec![t("No wording submitted yet.")]));
        } else {
            items.push(Item::with(vec![b("Wordings")], wordings));
        }
        if amendment.round_open {
            items.push(Item::new(vec![t("The objection round was opened.")]));
        }
        let reactions = self.reactions(&amendment.reactions, &amendment.submissions);
        if !reactions.is_empty() {
            items.push(Item::with(vec![b("Reactions")], reactions));
        }
        let objections = self.objections(&amendment.objections, &amendment.submissions);
        if !objections.is_empty() {
            items.push(Item::with(vec![b("Objections")], objections));
        }
        items.push(match &amendment.decision {
            Some(decision) => self.decision(decision),
            None => Item::new(vec![b("Decision:"), t(" none yet")]),
        });
        if !amendment.ratifications.is_empty() {
            let signers: Vec<String> = amendment
                .ratifications
                .iter()
                .map(|r| self.author(r).unwrap_or_else(|| r.short()))
                .collect();
            let mut line = vec![
                b("Ratification:"),
                t(format!(" signed by {}", signers.join(", "))),
            ];
            match amendment.version.and_then(|v| state.versions.get(v)) {
                Some(version) => {
                    line.push(t("; became "));
                    line.push(b(format!("v{}", version.number)));
                    line.push(t(" ("));
                    line.push(c(short_hex(&version.hash)));
                    line.push(t(format!("), {}", date(version.at))));
                }
                None => line.push(t(format!(
                    "; {} of {} signature(s) needed so far",
                    signers.len(),
                    state.rules.amend.signers.max(1)
                ))),
            }
            items.push(Item::new(line));
        }
        if !amendment.rebased_onto.is_empty() {
            let versions: Vec<String> = amendment
                .rebased_onto
                .iter()
                .filter_map(|v| state.versions.get(*v))
                .map(|v| format!("v{}", v.number))
                .collect();
            items.push(Item::new(vec![t(format!(
                "Rebased onto {}, which changed other sections",
                versions.join(", ")
            ))]));
        }
        if let Some(version) = amendment.stale_because.and_then(|v| state.versions.get(v)) {
            items.push(Item::new(vec![t(format!(
                "Stale: v{} changed the same sections; consents are void until a new wording",
                version.number
            ))]));
        }
        if let Some(reason) = &amendment.withdrawn {
            items.push(Item::new(vec![b("Withdrawn:"), t(" "), t(reason.clone())]));
        }
        out.push(Block::List(items));
    }

    fn wording(&self, amendment: &AmendmentState, k: usize, submission: &Submission) -> Item {
        let by = self
            .author(&submission.record)
            .unwrap_or_else(|| "an unknown author".to_owned());
        let mut line = vec![t(format!(
            "Wording {}, {}, by {by}",
            k + 1,
            date(submission.at)
        ))];
        if !submission.note.trim().is_empty() {
            line.push(t(": "));
            line.push(t(submission.note.clone()));
        }
        let mut children = Vec::new();
        let sections: Vec<String> = submission
            .sections
            .iter()
            .map(|s| format!("“{}”", self.heading(s)))
            .collect();
        children.push(Item::new(vec![t(format!(
            "Changes {}",
            sections.join(", ")
        ))]));
        for integrated in &submission.integrates {
            let whose = amendment
                .objections
                .iter()
                .find(|o| o.record == *integrated)
                .map(|o| self.name(&o.member));
            children.push(Item::new(match whose {
                Some(name) => vec![t(format!(
                    "Integrates the objection of {name} ({})",
                    self.when(integrated)
                ))],
                None => vec![t("Integrates the objection "), c(integrated.short())],
            }));
        }
        Item::with(line, children)
    }

    fn reactions(&self, reactions: &[ReactionEntry], submissions: &[Submission]) -> Vec<Item> {
        reactions
            .iter()
            .map(|reaction| {
                let mut line = vec![t(format!(
                    "{} — {}: ",
                    date(reaction.at),
                    self.name(&reaction.member)
                ))];
                line.push(b(stance_name(reaction.stance)));
                if let Some(n) = wording_number(submissions, reaction.submission) {
                    line.push(t(format!(" on wording {n}")));
                }
                if !reaction.criteria.is_empty() {
                    line.push(t(format!(", criteria {}", criteria(&reaction.criteria))));
                }
                if let Some(objection) = &reaction.objection {
                    line.push(t(format!(
                        ", confirming the objection of {} resolved",
                        self.when(objection)
                    )));
                }
                if !reaction.argument.trim().is_empty() {
                    line.push(t(": "));
                    line.push(t(reaction.argument.clone()));
                }
                Item::new(line)
            })
            .collect()
    }

    fn objections(&self, objections: &[ObjectionState], submissions: &[Submission]) -> Vec<Item> {
        objections
            .iter()
            .map(|objection| {
                let status = if objection.test.as_ref().is_some_and(|t| !t.valid) {
                    "found invalid"
                } else if objection.integrated_by.is_some() && objection.confirmed_by.is_some() {
                    "resolved"
                } else if objection.withdrawn_by.is_some() {
                    "withdrawn"
                } else {
                    "open"
                };
                let line = vec![
                    t(format!(
                        "{} objected, {}, claiming criteria {}: ",
                        self.name(&objection.member),
                        self.when(&objection.record),
                        criteria(&objection.criteria)
                    )),
                    t(objection.argument.clone()),
                    t(" — "),
                    b(status),
                ];
                let mut children = Vec::new();
                if let Some(test) = &objection.test {
                    let passed = if test.passed.is_empty() {
                        "none".to_owned()
                    } else {
                        criteria(&test.passed)
                    };
                    let mut line = vec![
                        t(format!(
                            "Tested by {}, {}: passes {passed}, ",
                            self.name(&test.by),
                            self.when(&test.record)
                        )),
                        b(if test.valid { "valid" } else { "invalid" }),
                    ];
                    if !test.note.trim().is_empty() {
                        line.push(t(": "));
                        line.push(t(test.note.clone()));
                    }
                    children.push(Item::new(line));
                }
                if let Some(by) = &objection.integrated_by {
                    let which = wording_number(submissions, Some(*by))
                        .map_or_else(|| by.short(), |n| format!("wording {n}"));
                    children.push(Item::new(vec![t(format!(
                        "Integrated by {which}, {}",
                        self.when(by)
                    ))]));
                }
                if let Some(by) = &objection.confirmed_by {
                    children.push(Item::new(vec![t(format!(
                        "Confirmed resolved by {}, {}",
                        self.name(&objection.member),
                        self.when(by)
                    ))]));
                }
                if let Some(by) = &objection.withdrawn_by {
                    children.push(Item::new(vec![t(format!(
                        "Withdrawn by a later reaction, {}",
                        self.when(by)
                    ))]));
                }
                Item::with(line, children)
            })
            .collect()
    }

    fn decision(&self, decision: &DecisionEntry) -> Item {
        let mut line = vec![
            b("Decision:"),
            t(" "),
            b(outcome_name(decision.outcome)),
            t(format!(
                " by {}, {}",
                self.name(&decision.by),
                date(decision.at)
            )),
        ];
        if !decision.reason.trim().is_empty() {
            line.push(t(": "));
            line.push(t(decision.reason.clone()));
        }
        Item::with(
            line,
            vec![Item::new(vec![t(format!(
                "Count: {}",
                decision.tally.explanation
            ))])],
        )
    }

    fn version_change(&self, i: usize, section: &str, out: &mut Vec<Block>) {
        let state = self.state;
        let version = &state.versions[i];
        out.push(Block::Heading(
            4,
            vec![t(format!(
                "Version v{} ratified, {}",
                version.number,
                date(version.at)
            ))],
        ));
        let mut items = Vec::new();
        if let Some(amendment) = version.amendment.and_then(|a| state.amendments.get(&a)) {
            let mut line = vec![
                t("Ratifies the amendment “"),
                t(amendment.title.clone()),
                t(format!("” by {}", self.name(&amendment.proposer))),
            ];
            if let Some(challenge) = state.challenges.get(&amendment.challenge)
                && challenge.section != section
            {
                line.push(t(format!(
                    ", answering a challenge of “{}”",
                    self.heading(&challenge.section)
                )));
            }
            items.push(Item::new(line));
        }
        items.push(Item::new(vec![t(format!(
            "Signed by {}",
            self.names(&version.signers)
        ))]));
        items.push(Item::new(vec![
            t("Version hash "),
            c(short_hex(&version.hash)),
        ]));
        let mut unified = None;
        match self.changes.get(i) {
            Some(Ok(changes)) => match changes.get(section) {
                Some(change) => {
                    let (lines, text) = describe_change(change);
                    items.extend(lines.into_iter().map(|l| Item::new(vec![t(l)])));
                    unified = text;
                }
                None => items.push(Item::new(vec![t(
                    "Declared as changed, but this section is the same in both versions",
                )])),
            },
            Some(Err(why)) => items.push(Item::new(vec![t(format!(
                "The change cannot be shown: the content is missing ({why})"
            ))])),
            None => {}
        }
        out.push(Block::List(items));
        if let Some(text) = unified {
            out.push(Block::Diff(text));
        }
    }

    // -- membership ----------------------------------------------------------------

    fn membership(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Membership")]));
        let mut events: Vec<(u64, RecordId, Item)> = Vec::new();
        for member in state.members.values() {
            let how = if member.joined == state.community {
                "as a founder".to_owned()
            } else {
                "by signing the charter".to_owned()
            };
            let at = self.at(&member.joined).unwrap_or(0);
            events.push((
                at,
                member.joined,
                Item::new(vec![t(format!(
                    "{} — {} joined {} ({how})",
                    date(at),
                    member.name,
                    self.college(&member.college)
                ))]),
            ));
            for sanction in &member.sanctions {
                if sanction.level == "exclusion" {
                    continue;
                }
                let at = self.at(&sanction.record).unwrap_or(0);
                let by = self
                    .author(&sanction.record)
                    .unwrap_or_else(|| "someone".to_owned());
                events.push((
                    at,
                    sanction.record,
                    Item::new(vec![
                        t(format!("{} — {}: ", date(at), member.name)),
                        b(sanction.level.clone()),
                        t(format!(" by {by}: ")),
                        t(sanction.reasons.clone()),
                    ]),
                ));
            }
        }
        for application in state.applications.values() {
            let standing = match &application.state {
                ApplicationState::Pending => "pending".to_owned(),
                ApplicationState::Admitted => "admitted, waiting for their signature".to_owned(),
                ApplicationState::Joined => "admitted and joined".to_owned(),
                ApplicationState::Declined { reason } => format!("declined: {reason}"),
            };
            let mut line = vec![t(format!(
                "{} — {} applied to join {}",
                date(application.at),
                application.name,
                self.college(&application.college)
            ))];
            if !application.motivation.trim().is_empty() {
                line.push(t(": "));
                line.push(t(application.motivation.clone()));
            }
            line.push(t(" — "));
            line.push(b(standing));
            let mut children = Vec::new();
            if let Some(proposal) = state.proposals.get(&application.record) {
                children.extend(self.reactions(&proposal.reactions, &[]));
                if let Some(decision) = &proposal.decision {
                    children.push(self.decision(decision));
                }
            }
            events.push((
                application.at,
                application.record,
                Item::with(line, children),
            ));
        }
        for record in &state.records {
            if record.kind == Kind::Leave && record.verdict == Verdict::Accepted {
                events.push((
                    record.at,
                    record.id,
                    Item::new(vec![t(format!(
                        "{} — {} left",
                        date(record.at),
                        self.name(&record.author)
                    ))]),
                ));
            }
        }
        for proposal in state.proposals.values() {
            let ProposalKind::Exclusion {
                member,
                reasons,
                notice_at,
                hearing_at,
            } = &proposal.kind
            else {
                continue;
            };
            let line = vec![
                t(format!(
                    "{} — exclusion of {} proposed by {}: ",
                    date(proposal.at),
                    self.name(member),
                    self.name(&proposal.by)
                )),
                t(reasons.clone()),
            ];
            let mut children = vec![Item::new(vec![t(format!(
                "Notice {}, hearing {}",
                date(*notice_at),
                date(*hearing_at)
            ))])];
            children.extend(self.reactions(&proposal.reactions, &[]));
            children.extend(self.objections(&proposal.objections, &[]));
            children.push(match &proposal.decision {
                Some(decision) => self.decision(decision),
                None => Item::new(vec![b("Decision:"), t(" none yet")]),
            });
            events.push((proposal.at, proposal.record, Item::with(line, children)));
        }
        events.sort_by_key(|a| (a.0, a.1));
        out.push(Block::List(
            events.into_iter().map(|(_, _, item)| item).collect(),
        ));

        out.push(Block::Heading(3, vec![t("Members now")]));
        let mut members: Vec<_> = state.members.values().collect();
        members.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        let items = members
            .into_iter()
            .map(|member| {
                let status = match member.status {
                    MemberStatus::Active => "active".to_owned(),
                    MemberStatus::Suspended { until } => format!("suspended until {}", date(until)),
                    MemberStatus::Left => "left".to_owned(),
                    MemberStatus::Excluded => "excluded".to_owned(),
                };
                Item::new(vec![
                    t(format!("{} (", member.name)),
                    c(member.id.short()),
                    t(format!("), {}: {status}", self.college(&member.college))),
                ])
            })
            .collect();
        out.push(Block::List(items));
    }

    // -- tensions ----------------------------------------------------------------

    fn tensions(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Tensions")]));
        let mut tensions: Vec<_> = state.tensions.values().collect();
        tensions.sort_by_key(|tension| (self.at(&tension.record).unwrap_or(0), tension.record));
        if tensions.is_empty() {
            out.push(Block::Para(vec![t("No tension was raised.")]));
        }
        for tension in tensions {
            out.push(Block::Heading(
                3,
                vec![
                    t("“"),
                    t(tension.summary.clone()),
                    t(format!("” — {}", tension_status_name(tension.status))),
                ],
            ));
            let mut raised = format!(
                "Raised by {}, {}, on the {} path",
                self.name(&tension.author),
                self.when(&tension.record),
                path_name(tension.path)
            );
            if let Some(section) = &tension.section {
                raised.push_str(&format!(", about “{}”", self.heading(section)));
            }
            let mut items = vec![Item::new(vec![t(raised)])];
            let history = tension
                .history
                .iter()
                .map(|(record, status, note)| {
                    let mut line = vec![
                        t(format!("{} — ", self.when(record))),
                        b(tension_status_name(*status)),
                    ];
                    if let Some(by) = self.author(record) {
                        line.push(t(format!(" ({by})")));
                    }
                    if !note.trim().is_empty() {
                        line.push(t(": "));
                        line.push(t(note.clone()));
                    }
                    Item::new(line)
                })
                .collect();
            items.push(Item::with(vec![b("History")], history));
            if tension.challenges.is_empty() {
                items.push(Item::new(vec![t("Became no challenge")]));
            } else {
                let challenges = tension
                    .challenges
                    .iter()
                    .map(|id| match state.challenges.get(id) {
                        Some(challenge) => Item::new(vec![t(format!(
                            "Challenge by {}, {}, of “{}”",
                            self.name(&challenge.author),
                            date(challenge.at),
                            self.heading(&challenge.section)
                        ))]),
                        None => Item::new(vec![t("Challenge "), c(id.short())]),
                    })
                    .collect();
                items.push(Item::with(vec![b("Became")], challenges));
            }
            out.push(Block::List(items));
        }
    }

    // -- rules ----------------------------------------------------------------

    fn rules(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Rules")]));
        let mut items: Vec<Item> = Act::ALL
            .iter()
            .map(|act| {
                Item::new(vec![
                    b(format!("{}:", act_label(*act))),
                    t(format!(" {}", self.rule_text(state.rules.get(*act), *act))),
                ])
            })
            .collect();
        items.push(Item::new(vec![
            b("Facilitators:"),
            t(if state.facilitators.is_empty() {
                " none; any member other than the one concerned tests objections and issues sanctions".to_owned()
            } else {
                format!(" {}", self.names(&state.facilitators))
            }),
        ]));
        let colleges: Vec<String> = state
            .colleges
            .iter()
            .map(|c| format!("{} ({}, weight {})", c.name, c.id, c.weight))
            .collect();
        items.push(Item::new(vec![
            b("Colleges:"),
            t(format!(" {}", colleges.join(", "))),
        ]));
        out.push(Block::List(items));

        out.push(Block::Heading(3, vec![t("Rule changes")]));
        let mut proposals: Vec<_> = state
            .proposals
            .values()
            .filter(|p| matches!(p.kind, ProposalKind::RuleChange { .. }))
            .collect();
        proposals.sort_by_key(|p| (p.at, p.record));
        if proposals.is_empty() {
            out.push(Block::Para(vec![t("No rule change was proposed.")]));
            return;
        }
        let items = proposals
            .into_iter()
            .filter_map(|proposal| {
                let ProposalKind::RuleChange {
                    act,
                    rule,
                    rationale,
                } = &proposal.kind
                else {
                    return None;
                };
                let line = vec![t(format!(
                    "{} — {} proposed for {}: {}",
                    date(proposal.at),
                    self.name(&proposal.by),
                    act_label(*act).to_lowercase(),
                    self.rule_text(rule, *act)
                ))];
                let mut children = vec![Item::new(vec![
                    b("Rationale:"),
                    t(" "),
                    t(rationale.clone()),
                ])];
                children.extend(self.reactions(&proposal.reactions, &[]));
                children.extend(self.objections(&proposal.objections, &[]));
                children.push(match &proposal.decision {
                    Some(decision) => self.decision(decision),
                    None => Item::new(vec![b("Decision:"), t(" none yet")]),
                });
                Some(Item::with(line, children))
            })
            .collect();
        out.push(Block::List(items));
    }

    fn rule_text(&self, rule: &Rule, act: Act) -> String {
        let mut parts = vec![method_name(rule.method).to_owned()];
        parts.push(if rule.quorum > 0 {
            format!("quorum {}%", rule.quorum)
        } else {
            "no quorum".to_owned()
        });
        if matches!(rule.method, Method::Qualified | Method::Weighted) {
            parts.push(format!("{}% needed", rule.threshold));
        }
        parts.push(if rule.electorate.is_empty() {
            "every member decides".to_owned()
        } else {
            let colleges: Vec<String> = rule.electorate.iter().map(|c| self.college(c)).collect();
            format!("decided by {}", colleges.join(", "))
        });
        if rule.min_days > 0 {
            parts.push(format!(
                "at least {} day(s) after the proposal",
                rule.min_days
            ));
        }
        if act == Act::Amend {
            parts.push(format!("{} signature(s) to ratify", rule.signers.max(1)));
        }
        parts.push(
            if rule.block {
                "blocks allowed"
            } else {
                "no block"
            }
            .to_owned(),
        );
        parts.join(", ")
    }

    // -- records ----------------------------------------------------------------

    fn records_section(&self, out: &mut Vec<Block>) {
        let state = self.state;
        out.push(Block::Heading(2, vec![t("Records")]));
        let (mut accepted, mut rejected, mut pending) = (0usize, 0usize, 0usize);
        for record in &state.records {
            match record.verdict {
                Verdict::Accepted => accepted += 1,
                Verdict::Rejected(_) => rejected += 1,
                Verdict::Pending(_) => pending += 1,
            }
        }
        out.push(Block::Para(vec![t(format!(
            "{} record(s): {accepted} accepted, {rejected} rejected, {pending} pending.",
            state.records.len()
        ))]));
        let items: Vec<Item> = state
            .problems()
            .map(|record| {
                let (verdict, reason) = match &record.verdict {
                    Verdict::Rejected(reason) => ("rejected", reason.as_str()),
                    Verdict::Pending(reason) => ("pending", reason.as_str()),
                    Verdict::Accepted => ("accepted", ""),
                };
                Item::new(vec![
                    c(record.id.short()),
                    t(format!(
                        " {} by {}, {} — ",
                        record.kind.name(),
                        self.name(&record.author),
                        date(record.at)
                    )),
                    b(verdict),
                    t(": "),
                    t(reason.to_owned()),
                ])
            })
            .collect();
        if !items.is_empty() {
            out.push(Block::Heading(3, vec![t("Rejected and pending records")]));
            out.push(Block::List(items));
        }
    }

    // -- timeline ----------------------------------------------------------------

    fn events(&self) -> Vec<Event> {
        let state = self.state;
        let mut events = Vec::new();
        let mut push = |lane: Lane, at: u64, label: String, tick: Option<String>| {
            events.push(Event {
                lane,
                at,
                label: format!("{} — {}", date(at), clip(&label)),
                tick,
            });
        };
        for challenge in state.challenges.values() {
            push(
                Lane::Challenges,
                challenge.at,
                format!(
                    "Challenge by {} of “{}”: {}",
                    self.name(&challenge.author),
                    self.heading(&challenge.section),
                    challenge.tension
                ),
                None,
            );
        }
        for amendment in state.amendments.values() {
            let title = clip(&amendment.title);
            push(
                Lane::Amendments,
                amendment.at,
                format!("“{title}” proposed by {}", self.name(&amendment.proposer)),
                None,
            );
            for (k, submission) in amendment.submissions.iter().enumerate() {
                push(
                    Lane::Amendments,
                    submission.at,
                    format!("Wording {} of “{title}”", k + 1),
                    None,
                );
            }
            for reaction in &amendment.reactions {
                push(
                    Lane::Amendments,
                    reaction.at,
                    format!(
                        "{}: {} on “{title}”",
                        self.name(&reaction.member),
                        stance_name(reaction.stance)
                    ),
                    None,
                );
            }
            for objection in &amendment.objections {
                if let Some(test) = &objection.test
                    && let Some(at) = self.at(&test.record)
                {
                    push(
                        Lane::Amendments,
                        at,
                        format!(
                            "Objection of {} to “{title}” tested by {}: {}",
                            self.name(&objection.member),
                            self.name(&test.by),
                            if test.valid { "valid" } else { "invalid" }
                        ),
                        None,
                    );
                }
            }
            if let Some(decision) = &amendment.decision {
                push(
                    Lane::Decisions,
                    decision.at,
                    format!(
                        "“{title}” {}: {}",
                        outcome_name(decision.outcome),
                        decision.reason
                    ),
                    None,
                );
            }
        }
        for proposal in state.proposals.values() {
            if let Some(decision) = &proposal.decision {
                let what = match &proposal.kind {
                    ProposalKind::Admission { applicant } => {
                        format!("admission of {}", self.name(applicant))
                    }
                    ProposalKind::Exclusion { member, .. } => {
                        format!("exclusion of {}", self.name(member))
                    }
                    ProposalKind::RuleChange { act, .. } => {
                        format!("rule for {}", act_label(*act).to_lowercase())
                    }
                };
                push(
                    Lane::Decisions,
                    decision.at,
                    format!(
                        "{what} {}: {}",
                        outcome_name(decision.outcome),
                        decision.reason
                    ),
                    None,
                );
            }
        }
        for version in &state.versions {
            let what = match version.amendment.and_then(|a| state.amendments.get(&a)) {
                Some(amendment) => format!("ratifies “{}”", amendment.title),
                None => "the founding version".to_owned(),
            };
            push(
                Lane::Versions,
                version.at,
                format!("v{}: {what}", version.number),
                Some(format!("v{}", version.number)),
            );
        }
        for member in state.members.values() {
            if let Some(at) = self.at(&member.joined) {
                push(
                    Lane::Membership,
                    at,
                    format!("{} joined", member.name),
                    None,
                );
            }
            for sanction in &member.sanctions {
                if sanction.level != "exclusion"
                    && let Some(at) = self.at(&sanction.record)
                {
                    push(
                        Lane::Membership,
                        at,
                        format!("{}: {}", member.name, sanction.level),
                        None,
                    );
                }
            }
        }
        for application in state.applications.values() {
            push(
                Lane::Membership,
                application.at,
                format!("{} applied", application.name),
                None,
            );
        }
        for record in &state.records {
            if record.kind == Kind::Leave && record.verdict == Verdict::Accepted {
                push(
                    Lane::Membership,
                    record.at,
                    format!("{} left", self.name(&record.author)),
                    None,
                );
            }
        }
        for proposal in state.proposals.values() {
            if let ProposalKind::Exclusion { member, .. } = &proposal.kind {
                push(
                    Lane::Membership,
                    proposal.at,
                    format!("exclusion of {} proposed", self.name(member)),
                    None,
                );
            }
        }
        for tension in state.tensions.values() {
            for (record, status, _) in &tension.history {
                if let Some(at) = self.at(record) {
                    push(
                        Lane::Tensions,
                        at,
                        format!(
                            "“{}”: {}",
                            clip(&tension.summary),
                            tension_status_name(*status)
                        ),
                        None,
                    );
                }
            }
        }
        events.sort();
        events
    }
}

enum StoryItem<'s> {
    Challenge(&'s ChallengeState),
    Version(usize),
}

/// The charter at a version, or why it cannot be read.
fn read_version(doc: &Automerge, version: &VersionEntry) -> Result<Charter, String> {
    let mut heads = Vec::with_capacity(version.heads.len());
    for text in &version.heads {
        let hash: ChangeHash = text
            .parse()
            .map_err(|_| format!("`{}` is not a change hash", clip(text)))?;
        // Automerge ignores heads it does not have: check first.
        if doc.get_change_meta_by_hash(&hash).is_none() {
            return Err(format!(
                "change {} is not in the charter document",
                short_hex(text)
            ));
        }
        heads.push(hash);
    }
    charter::read(doc, Some(&heads)).map_err(|e| e.to_string())
}

fn section_id_of(change: &SectionDiff) -> String {
    match change {
        SectionDiff::Added { section } | SectionDiff::Removed { section } => section.id.to_string(),
        SectionDiff::Changed { id, .. } => id.to_string(),
    }
}

/// What changed in a section, in words, and its unified diff.
fn describe_change(change: &SectionDiff) -> (Vec<String>, Option<String>) {
    match change {
        SectionDiff::Added { section } => (
            vec![format!("Added as “{}”", section.heading)],
            whole(&section.body(), '+'),
        ),
        SectionDiff::Removed { section } => (
            vec![format!("Removed (it was “{}”)", section.heading)],
            whole(&section.body(), '-'),
        ),
        SectionDiff::Changed {
            heading,
            renamed_from,
            moved,
            level_from,
            tags_added,
            tags_removed,
            body,
            ..
        } => {
            let mut lines = Vec::new();
            if let Some(old) = renamed_from {
                lines.push(format!("Renamed from “{old}” to “{heading}”"));
            }
            if *moved {
                lines.push("Moved".to_owned());
            }
            if let Some(level) = level_from {
                lines.push(format!("Heading level changed from {level}"));
            }
            if !tags_added.is_empty() {
                lines.push(format!("Tags added: {}", tags_added.join(", ")));
            }
            if !tags_removed.is_empty() {
                lines.push(format!("Tags removed: {}", tags_removed.join(", ")));
            }
            if body.is_some() {
                lines.push("Text changed:".to_owned());
            }
            (lines, body.as_ref().map(|b| b.unified.clone()))
        }
    }
}

/// A whole text as one hunk of additions or removals.
fn whole(text: &str, sign: char) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let header = if sign == '+' {
        format!("@@ -0,0 +1,{} @@\n", lines.len())
    } else {
        format!("@@ -1,{} +0,0 @@\n", lines.len())
    };
    let mut out = header;
    for line in lines {
        out.push(sign);
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

fn wording_number(submissions: &[Submission], record: Option<RecordId>) -> Option<usize> {
    let record = record?;
    submissions
        .iter()
        .position(|s| s.record == record)
        .map(|k| k + 1)
}

fn criteria(set: &BTreeSet<char>) -> String {
    set.iter()
        .map(char::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn stance_name(stance: Stance) -> &'static str {
    match stance {
        Stance::Question => "question",
        Stance::Consent => "consent",
        Stance::Concern => "concern",
        Stance::Objection => "objection",
        Stance::Abstain => "abstain",
        Stance::StandAside => "stand aside",
        Stance::Block => "block",
        Stance::Yes => "yes",
        Stance::No => "no",
        Stance::Resolved => "resolved",
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Adopted => "adopted",
        Outcome::Rejected => "rejected",
    }
}

fn tension_status_name(status: TensionStatus) -> &'static str {
    match status {
        TensionStatus::Open => "open",
        TensionStatus::InProcess => "in process",
        TensionStatus::Resolved => "resolved",
        TensionStatus::Escalated => "escalated",
    }
}

fn path_name(path: TensionPath) -> &'static str {
    match path {
        TensionPath::Request => "request",
        TensionPath::Mediation => "mediation",
        TensionPath::Governance => "governance",
        TensionPath::Conduct => "conduct",
    }
}

fn act_label(act: Act) -> &'static str {
    match act {
        Act::Amend => "Amendments",
        Act::Admit => "Admissions",
        Act::Exclude => "Exclusions",
        Act::Rules => "Rule changes",
    }
}

/// The first 12 characters of a hex string.
fn short_hex(text: &str) -> String {
    text.chars().take(12).collect()
}

/// At most 120 characters of one line, for tooltips.
fn clip(text: &str) -> String {
    const MAX: usize = 120;
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX {
        line
    } else {
        let mut clipped: String = line.chars().take(MAX - 1).collect();
        clipped.push('…');
        clipped
    }
}

/// Milliseconds since the Unix epoch as UTC `YYYY-MM-DD HH:MM`.
fn date(ms: u64) -> String {
    let days = i64::try_from(ms / DAY_MS).unwrap_or(0);
    let minutes = (ms % DAY_MS) / 60_000;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are small and positive by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Text as it may be shown: line ends normalised, other control characters
/// replaced.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|ch| match ch {
            '\r' => '\n',
            '\n' | '\t' => ch,
            ch if ch.is_control() => '\u{FFFD}',
            ch => ch,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Markdown

fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    md_blocks(&mut out, &report.header, 0);
    md_blocks(&mut out, &report.body, 0);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn md_blocks(out: &mut String, blocks: &[Block], indent: usize) {
    let pad = " ".repeat(indent);
    for block in blocks {
        match block {
            Block::Heading(level, line) => {
                out.push_str(&pad);
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                md_line(out, line, indent, true);
                out.push_str("\n\n");
            }
            Block::Para(line) => {
                out.push_str(&pad);
                md_line(out, line, indent, false);
                out.push_str("\n\n");
            }
            Block::List(items) => {
                md_list(out, items, indent);
                out.push('\n');
            }
            Block::Diff(text) => {
                md_diff(out, text, indent);
                out.push('\n');
            }
        }
    }
}

fn md_list(out: &mut String, items: &[Item], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        out.push_str(&pad);
        out.push_str("- ");
        md_line(out, &item.line, indent + 2, false);
        out.push('\n');
        for child in &item.children {
            match child {
                Block::List(children) => md_list(out, children, indent + 2),
                other => {
                    out.push('\n');
                    md_blocks(out, std::slice::from_ref(other), indent + 2);
                }
            }
        }
    }
}

fn md_line(out: &mut String, line: &[Span], indent: usize, single_line: bool) {
    for (index, span) in line.iter().enumerate() {
        match span {
            Span::Text(text) => md_text(out, text, indent, single_line, index == 0),
            Span::Strong(text) => {
                out.push_str("**");
                md_text(out, text, indent, true, false);
                out.push_str("**");
            }
            Span::Code(text) => md_code(out, text),
        }
    }
}

/// User text in Markdown: punctuation that could start markup escaped,
/// blank lines dropped (they would end the block), each further line a
/// hard break indented to stay in its list item. `at_start`: the text
/// begins a line of the output.
fn md_text(out: &mut String, text: &str, indent: usize, single_line: bool, at_start: bool) {
    let text = clean(text);
    let mut first = true;
    for line in text.split('\n') {
        let line = if first { line } else { line.trim() };
        if line.trim().is_empty() && !first {
            continue;
        }
        if !first {
            if single_line {
                out.push(' ');
            } else {
                out.push_str("\\\n");
                out.push_str(&" ".repeat(indent));
            }
        }
        md_escape_line(out, line, at_start || !first);
        first = false;
    }
}

fn md_escape_line(out: &mut String, line: &str, at_line_start: bool) {
    let mut chars = line.chars().peekable();
    if at_line_start {
        // Block markers only matter at the start of a line.
        if let Some(&ch) = chars.peek()
            && matches!(ch, '-' | '+' | '=')
        {
            out.push('\\');
        }
        let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && matches!(line[digits.len()..].chars().next(), Some('.' | ')')) {
            out.push_str(&digits);
            out.push('\\');
            for _ in 0..digits.len() {
                chars.next();
            }
        }
    }
    for ch in chars {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '&' | '~' | '|'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
}

/// A code span that no backtick in the text can close.
fn md_code(out: &mut String, text: &str) {
    let text = clean(text).replace(['\n', '\t'], " ");
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = text.starts_with('`') || text.ends_with('`');
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    out.push_str(&text);
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

fn md_diff(out: &mut String, text: &str, indent: usize) {
    let pad = " ".repeat(indent);
    let text = clean(text);
    let fence = "`".repeat(longest_run(&text, '`').max(2) + 1);
    out.push_str(&pad);
    out.push_str(&fence);
    out.push_str("diff\n");
    for line in text.lines() {
        out.push_str(&pad);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str(&fence);
    out.push('\n');
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        if c == ch {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

// ---------------------------------------------------------------------------
// HTML

/// Text safe in HTML content and in quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in clean(text).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ch => out.push(ch),
        }
    }
    out
}

const STYLE: &str = "\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1f;background:#fafafa;margin:0}
main{max-width:60rem;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.7rem;margin-top:0}
h2{font-size:1.35rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.15rem;margin-top:1.8rem}
h4{font-size:1rem;margin:1.2rem 0 .4rem}
h5{font-size:.95rem;margin:1rem 0 .4rem;color:#444}
ul{padding-left:1.3rem}
li{margin:.15rem 0}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace;background:#f2f2f2;padding:0 .2em;border-radius:3px}
pre.diff{font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#f7f7f7;border:1px solid #e3e3e3;padding:.6rem;overflow-x:auto;white-space:pre-wrap}
pre.diff .add{background:#e6ffec;color:#0a5c1f}
pre.diff .del{background:#ffebe9;color:#8a1c12}
pre.diff .hunk{color:#6a737d}
figure.timeline{margin:1.5rem 0}
figure.timeline svg{width:100%;height:auto;font:11px system-ui,sans-serif}
svg .band{fill:#f6f6f6}
svg .lane{fill:#555}
svg .axis{stroke:#999}
svg .guide{stroke:#bbb;stroke-dasharray:3 3}
svg .ev circle{stroke:#fff;stroke-width:1}
svg .ev-challenge circle{fill:#c0392b}
svg .ev-amendment circle{fill:#2c7be5}
svg .ev-decision circle{fill:#8e44ad}
svg .ev-membership circle{fill:#16a085}
svg .ev-tension circle{fill:#e67e22}
svg .ev-version line{stroke:#1d1d1f;stroke-width:2}
svg .ev-version text{fill:#1d1d1f;font-weight:600}
";

fn render_html(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    out.push_str(&escape(&report.title));
    out.push_str("</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    html_blocks(&mut out, &report.header);
    timeline(&mut out, &report.events, report.span);
    html_blocks(&mut out, &report.body);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn html_blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Heading(level, line) => {
                let level = (*level).clamp(1, 6);
                let _ = write!(out, "<h{level}>");
                html_line(out, line);
                let _ = writeln!(out, "</h{level}>");
            }
            Block::Para(line) => {
                out.push_str("<p>");
                html_line(out, line);
                out.push_str("</p>\n");
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str("<li>");
                    html_line(out, &item.line);
                    if !item.children.is_empty() {
                        out.push('\n');
                        html_blocks(out, &item.children);
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            Block::Diff(text) => {
                out.push_str("<pre class=\"diff\"><code>");
                for line in text.lines() {
                    let class = if line.starts_with("@@") {
                        "hunk"
                    } else if line.starts_with('+') {
                        "add"
                    } else if line.starts_with('-') {
                        "del"
                    } else {
                        "ctx"
                    };
                    let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
                }
                out.push_str("</code></pre>\n");
            }
        }
    }
}

fn html_line(out: &mut String, line: &[Span]) {
    for span in line {
        match span {
            Span::Text(text) => out.push_str(&escape(text).replace('\n', "<br>\n")),
            Span::Strong(text) => {
                out.push_str("<strong>");
                out.push_str(&escape(text));
                out.push_str("</strong>");
            }
            Span::Code(text) => {
                out.push_str("<code>");
                out.push_str(&escape(text));
                out.push_str("</code>");
            }
        }
    }
}

/// Geometry of the timeline, in SVG user units.
const WIDTH: u64 = 960;
const LEFT: u64 = 110;
const RIGHT: u64 = 30;
const TOP: u64 = 10;
const LANE: u64 = 30;

/// The SVG timeline: one lane per kind of event, a marker per event with
/// its tooltip, versions as labelled ticks, dates along the axis.
fn timeline(out: &mut String, events: &[Event], (first, last): (u64, u64)) {
    let lanes = Lane::ALL.len() as u64;
    let axis = TOP + lanes * LANE;
    let height = axis + 34;
    let plot = WIDTH - LEFT - RIGHT;
    // A single instant has no width: everything sits in the middle.
    let x = |at: u64| -> u64 {
        let at = at.max(first).min(last);
        if last == first {
            LEFT + plot / 2
        } else {
            let offset = u128::from(at - first) * u128::from(plot) / u128::from(last - first);
            LEFT + u64::try_from(offset).unwrap_or(plot)
        }
    };
    let lane_y = |lane: Lane| -> u64 {
        let index = Lane::ALL.iter().position(|l| *l == lane).unwrap_or(0) as u64;
        TOP + index * LANE + LANE / 2
    };
    out.push_str("<figure class=\"timeline\">\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"timeline-title\">"
    );
    let _ = writeln!(
        out,
        "<title id=\"timeline-title\">Timeline from {} to {}</title>",
        date(first),
        date(last)
    );
    for (index, lane) in Lane::ALL.iter().enumerate() {
        let top = TOP + index as u64 * LANE;
        if index % 2 == 0 {
            let _ = writeln!(
                out,
                "<rect class=\"band\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{LANE}\"/>"
            );
        }
        let _ = writeln!(
            out,
            "<text class=\"lane\" x=\"8\" y=\"{}\">{}</text>",
            lane_y(*lane) + 4,
            lane.label()
        );
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{axis}\" x2=\"{}\" y2=\"{axis}\"/>",
        LEFT + plot
    );
    let ticks: Vec<(u64, &str)> = if last == first {
        vec![(first, "middle")]
    } else {
        vec![
            (first, "start"),
            (first + (last - first) / 2, "middle"),
            (last, "end"),
        ]
    };
    for (at, anchor) in ticks {
        let tx = x(at);
        let _ = writeln!(
            out,
            "<line class=\"axis\" x1=\"{tx}\" y1=\"{axis}\" x2=\"{tx}\" y2=\"{}\"/>",
            axis + 5
        );
        let _ = writeln!(
            out,
            "<text x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            axis + 18,
            date(at)
        );
    }
    for event in events {
        let ex = x(event.at);
        let ey = lane_y(event.lane);
        let _ = write!(
            out,
            "<g class=\"ev ev-{}\"><title>{}</title>",
            event.lane.class(),
            escape(&event.label)
        );
        match &event.tick {
            Some(tick) => {
                let _ = write!(
                    out,
                    "<line class=\"guide\" x1=\"{ex}\" y1=\"{TOP}\" x2=\"{ex}\" y2=\"{axis}\"/><line x1=\"{ex}\" y1=\"{}\" x2=\"{ex}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
                    ey - 9,
                    ey + 9,
                    ex + 3,
                    ey - 2,
                    escape(tick)
                );
            }
            None => {
                let _ = write!(out, "<circle cx=\"{ex}\" cy=\"{ey}\" r=\"5\"/>");
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    let _ = writeln!(
        out,
        "<figcaption>{} event(s) from {} to {}; hover a marker for details.</figcaption>",
        events.len(),
        date(first),
        date(last)
    );
    out.push_str("</figure>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::{CharterDraft, CharterTx, SectionDraft, SectionId};
    use crate::governance::{self, ResolveOptions};
    use crate::identity::DeviceKey;
    use crate::ids::DocId;
    use crate::record::{
        Apply, Challenge, ChangeRule, College, Decide, Founder, Genesis, Heads, Payload, Propose,
        Ratify, React, Record, Round, Rules, Sanction, SanctionLevel, Submit, Tension,
        TensionUpdate, TestObjection, Unsigned, Version,
    };

    const T0: u64 = 1_700_000_000_000;
    const HOUR: u64 = 3_600_000;
    const HOSTILE: &str = "<img src=x onerror=alert(1)>";

    /// Records signed one after the other, each building on the last.
    struct Chain {
        community: RecordId,
        records: Vec<Record>,
        last: RecordId,
        time: u64,
    }

    impl Chain {
        fn new(genesis: Record) -> Self {
            Chain {
                community: genesis.id(),
                last: genesis.id(),
                time: genesis.timestamp(),
                records: vec![genesis],
            }
        }

        fn sign(&mut self, key: &DeviceKey, payload: Payload) -> Record {
            self.time += HOUR;
            Record::sign(
                key,
                Unsigned {
                    community: self.community,
                    timestamp: self.time,
                    parents: vec![self.last],
                    payload,
                },
            )
            .expect("sign")
        }

        fn add(&mut self, key: &DeviceKey, payload: Payload) -> RecordId {
            let record = self.sign(key, payload);
            self.last = record.id();
            self.records.push(record);
            self.last
        }

        /// A record nothing builds on (e.g. one that will be rejected).
        fn aside(&mut self, key: &DeviceKey, payload: Payload) {
            let record = self.sign(key, payload);
            self.records.push(record);
        }

        fn state(&self) -> State {
            governance::resolve(self.community, &self.records, ResolveOptions::default())
                .expect("resolve")
        }
    }

    fn section(id: &str, heading: &str, text: &str) -> SectionDraft {
        SectionDraft {
            id: Some(id.parse().expect("section id")),
            heading: heading.into(),
            level: 2,
            text: text.into(),
            articles: Vec::new(),
            tags: Vec::new(),
        }
    }

    fn edit(doc: &mut Automerge, f: impl FnOnce(&mut CharterTx<'_, '_>)) -> Vec<ChangeHash> {
        let mut tx = doc.transaction();
        let mut charter = CharterTx::new(&mut tx).expect("charter");
        f(&mut charter);
        tx.commit();
        doc.get_heads()
    }

    fn genesis(key: &DeviceKey, founders: Vec<Founder>, heads: Vec<ChangeHash>) -> Record {
        Record::sign(
            key,
            Unsigned {
                community: RecordId::ZERO,
                timestamp: T0,
                parents: Vec::new(),
                payload: Payload::Genesis(Genesis {
                    name: "Coop & \"Les Lilas\"".into(),
                    charter: Version {
                        doc: DocId::from_bytes([7; 16]),
                        heads: Heads::new(heads),
                    },
                    colleges: vec![
                        College {
                            id: "staff".into(),
                            name: "Staff".into(),
                            weight: 1,
                        },
                        College {
                            id: "users".into(),
                            name: "Users".into(),
                            weight: 1,
                        },
                    ],
                    founders,
                    rules: Rules {
                        amend: Rule::new(Method::Consent),
                        admit: Rule::new(Method::Majority),
                        exclude: Rule::new(Method::Qualified),
                        rules: Rule::new(Method::Consensus),
                    },
                    facilitators: Vec::new(),
                }),
            },
        )
        .expect("sign genesis")
    }

    fn react(subject: RecordId, submission: RecordId, stance: Stance, argument: &str) -> React {
        React {
            subject,
            submission: Some(submission),
            stance,
            criteria: BTreeSet::new(),
            argument: argument.into(),
            objection: None,
        }
    }

    /// A community whose amendment to "Adhésion" was challenged, objected
    /// to, integrated, adopted and ratified (removing "Cotisation" on the
    /// way), with an application declined, a warning, a tension, a pending
    /// rule change and one rejected record.
    fn scenario() -> (State, Automerge) {
        let alice = DeviceKey::from_seed(&[1; 32]);
        let bob = DeviceKey::from_seed(&[2; 32]);
        let eve = DeviceKey::from_seed(&[3; 32]);
        let dora = DeviceKey::from_seed(&[4; 32]);

        let mut doc = Automerge::new().with_actor(alice.public().actor_id());
        let draft = CharterDraft {
            title: None,
            preamble: String::new(),
            sections: vec![
                section(
                    "adhesion",
                    "Adhésion",
                    "Toute personne majeure peut adhérer.",
                ),
                section("cotisation", "Cotisation", "La cotisation est annuelle."),
                section(
                    "assemblee",
                    "Assemblée",
                    "L'assemblée se réunit chaque année.",
                ),
            ],
        };
        let mut tx = doc.transaction();
        CharterTx::create(&mut tx, "Charte", &draft, || SectionId::from_random([9; 5]))
            .expect("create");
        tx.commit();
        let v1 = doc.get_heads();
        let mut fork = doc
            .fork_at(&v1)
            .expect("fork")
            .with_actor(bob.public().actor_id());
        let adhesion: SectionId = "adhesion".parse().expect("id");
        let w1 = edit(&mut fork, |c| {
            c.set_body(&adhesion, "Toute personne peut adhérer.")
                .expect("edit");
        });
        let w2 = edit(&mut fork, |c| {
            c.set_body(
                &adhesion,
                "Toute personne peut adhérer.\n\nUne personne mineure adhère avec l'accord d'un tuteur.",
            )
            .expect("edit");
            c.remove_section(&"cotisation".parse().expect("id"))
                .expect("remove");
        });
        doc.merge(&mut fork).expect("merge");
        let v2 = doc.get_heads();

        let founders = vec![
            Founder {
                member: alice.public(),
                name: "Alice".into(),
                college: "staff".into(),
            },
            Founder {
                member: bob.public(),
                name: "Bob".into(),
                college: "staff".into(),
            },
            Founder {
                member: eve.public(),
                name: HOSTILE.into(),
                college: "users".into(),
            },
        ];
        let mut chain = Chain::new(genesis(&alice, founders, v1.clone()));
        let tension = chain.add(
            &bob,
            Payload::Tension(Tension {
                path: TensionPath::Governance,
                summary: "Minors are turned away".into(),
                section: Some("adhesion".into()),
            }),
        );
        chain.add(
            &alice,
            Payload::TensionUpdate(TensionUpdate {
                tension,
                status: TensionStatus::Escalated,
                note: "needs a charter change".into(),
            }),
        );
        let challenge = chain.add(
            &bob,
            Payload::Challenge(Challenge {
                section: "adhesion".into(),
                tension: "The charter excludes minors".into(),
                example: "My niece (16) was refused".into(),
                tension_record: Some(tension),
                promoted_from: None,
            }),
        );
        let amendment = chain.add(
            &alice,
            Payload::Propose(Propose {
                challenge,
                title: "Open membership to minors".into(),
                rationale: "Young people use the shop too".into(),
                draft: DocId::from_bytes([8; 16]),
                base: Heads::new(v1),
                coauthors: vec![bob.public()],
            }),
        );
        let s1 = chain.add(
            &alice,
            Payload::Submit(Submit {
                amendment,
                heads: Heads::new(w1),
                note: "First wording".into(),
                sections: vec!["adhesion".into(), "cotisation".into()],
                integrates: Vec::new(),
                tension_addressed: true,
            }),
        );
        chain.add(
            &bob,
            Payload::React(react(amendment, s1, Stance::Consent, "")),
        );
        chain.add(&alice, Payload::Round(Round { amendment }));
        let mut objection = react(
            amendment,
            s1,
            Stance::Objection,
            "Minors need a guardian's consent",
        );
        objection.criteria = ['a', 'b'].into_iter().collect();
        let objection = chain.add(&eve, Payload::React(objection));
        chain.add(
            &bob,
            Payload::TestObjection(TestObjection {
                objection,
                passed: ['a', 'b', 'c', 'd'].into_iter().collect(),
                note: "It holds".into(),
            }),
        );
        let s2 = chain.add(
            &alice,
            Payload::Submit(Submit {
                amendment,
                heads: Heads::new(w2),
                note: "Asks for a guardian's consent".into(),
                sections: vec!["adhesion".into(), "cotisation".into()],
                integrates: vec![objection],
                tension_addressed: true,
            }),
        );
        let mut resolved = react(amendment, s2, Stance::Resolved, "Thank you");
        resolved.objection = Some(objection);
        chain.add(&eve, Payload::React(resolved));
        chain.add(
            &alice,
            Payload::Decide(Decide {
                subject: amendment,
                outcome: Outcome::Adopted,
                reason: "No valid objection remains".into(),
            }),
        );
        chain.add(
            &alice,
            Payload::Ratify(Ratify {
                amendment,
                heads: Heads::new(v2),
            }),
        );
        let application = chain.add(
            &dora,
            Payload::Apply(Apply {
                name: "Dora".into(),
                college: "users".into(),
                motivation: "I shop here".into(),
            }),
        );
        chain.add(
            &alice,
            Payload::Decide(Decide {
                subject: application,
                outcome: Outcome::Rejected,
                reason: "Applications are closed this season".into(),
            }),
        );
        chain.add(
            &alice,
            Payload::Sanction(Sanction {
                member: eve.public(),
                level: SanctionLevel::Warning,
                reasons: "Spam in the forum".into(),
                until: 0,
            }),
        );
        chain.add(
            &bob,
            Payload::ChangeRule(ChangeRule {
                act: Act::Amend,
                rule: Rule::new(Method::Majority),
                rationale: "Faster decisions".into(),
            }),
        );
        // Dora is no member: her challenge is rejected.
        chain.aside(
            &dora,
            Payload::Challenge(Challenge {
                section: "assemblee".into(),
                tension: "Too rare".into(),
                example: "Nothing decided for a year".into(),
                tension_record: None,
                promoted_from: None,
            }),
        );
        let state = chain.state();
        assert_eq!(state.versions.len(), 2, "the amendment was ratified");
        assert_eq!(
            state.problems().count(),
            1,
            "{:?}",
            state.problems().collect::<Vec<_>>()
        );
        (state, doc)
    }

    #[test]
    fn markdown_tells_the_challenge_the_objection_the_decision_and_the_diff() {
        let (state, doc) = scenario();
        let md = governance_history(&state, &doc, Format::Markdown);
        assert!(md.contains("The charter excludes minors"), "{md}");
        assert!(md.contains("Minors need a guardian's consent"), "{md}");
        assert!(md.contains("**Decision:** **adopted** by Alice"), "{md}");
        assert!(md.contains("No valid objection remains"), "{md}");
        assert!(md.contains("Tested by Bob"), "{md}");
        assert!(md.contains("```diff\n"), "{md}");
        assert!(
            md.contains("\n-Toute personne majeure peut adhérer.\n"),
            "{md}"
        );
        assert!(
            md.contains("\n+Une personne mineure adhère avec l'accord d'un tuteur.\n"),
            "{md}"
        );
        // The removed section comes after the sections in force.
        let removed = md.find("### Cotisation").expect("removed section");
        assert!(md.find("### Assemblée").expect("assemblée") < removed);
        assert!(md.contains("\n-La cotisation est annuelle.\n"), "{md}");
        // Membership, tensions, rules and records.
        assert!(
            md.contains("declined: Applications are closed this season"),
            "{md}"
        );
        assert!(md.contains("**warning** by Alice"), "{md}");
        assert!(md.contains("Minors are turned away"), "{md}");
        assert!(md.contains("Faster decisions"), "{md}");
        assert!(md.contains("1 rejected, 0 pending"), "{md}");
        // The hostile name is escaped for Markdown too.
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
        assert!(!md.replace("\\<img", "").contains("<img"), "{md}");
    }

    #[test]
    fn html_escapes_user_text_and_draws_one_marker_per_event() {
        let (state, doc) = scenario();
        let html = governance_history(&state, &doc, Format::Html);
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("Coop &amp; &quot;Les Lilas&quot;"));
        assert!(!html.contains("<script"));
        assert_eq!(html.matches("<svg").count(), 1);
        // Membership: 3 founders, 1 application, 1 warning. Challenges: 1.
        // Amendments: 1 proposal, 2 wordings, 3 reactions, 1 test.
        // Decisions: 2. Versions: 2. Tensions: opened and escalated.
        let by_lane = |class: &str| {
            html.matches(&format!("<g class=\"ev ev-{class}\">"))
                .count()
        };
        assert_eq!(by_lane("membership"), 5);
        assert_eq!(by_lane("challenge"), 1);
        assert_eq!(by_lane("amendment"), 7);
        assert_eq!(by_lane("decision"), 2);
        assert_eq!(by_lane("version"), 2);
        assert_eq!(by_lane("tension"), 2);
        assert_eq!(html.matches("<g class=\"ev ").count(), 19);
        assert_eq!(
            html.matches("<title>").count(),
            19 + 1,
            "a tooltip per marker"
        );
        assert!(html.contains(">v1</text>") && html.contains(">v2</text>"));
        assert!(html.contains("<span class=\"del\">-Toute personne majeure peut adhérer.</span>"));
    }

    #[test]
    fn output_is_deterministic() {
        let (state, doc) = scenario();
        for format in [Format::Markdown, Format::Html] {
            let first = governance_history(&state, &doc, format);
            let again = governance_history(&state.clone(), &doc.clone(), format);
            assert_eq!(first, again);
        }
    }

    #[test]
    fn missing_content_is_reported_not_fatal() {
        let (state, _) = scenario();
        let md = governance_history(&state, &Automerge::new(), Format::Markdown);
        assert!(md.contains("The charter in force cannot be read"), "{md}");
        assert!(md.contains("the content is missing"), "{md}");
        assert!(md.contains("The charter excludes minors"), "{md}");
    }

    #[test]
    fn a_single_instant_timeline_does_not_divide_by_zero() {
        let alice = DeviceKey::from_seed(&[1; 32]);
        let record = genesis(
            &alice,
            vec![Founder {
                member: alice.public(),
                name: "Alice".into(),
                college: "staff".into(),
            }],
            Vec::new(),
        );
        let state = governance::resolve(
            record.id(),
            std::slice::from_ref(&record),
            ResolveOptions::default(),
        )
        .expect("resolve");
        let html = governance_history(&state, &Automerge::new(), Format::Html);
        assert_eq!(html.matches("<svg").count(), 1);
        assert_eq!(html.matches("<g class=\"ev ").count(), 2, "a join and v1");
        let middle = LEFT + (WIDTH - LEFT - RIGHT) / 2;
        assert!(html.contains(&format!("<circle cx=\"{middle}\"")), "{html}");
    }

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("a\u{0}b\r\nc"), "a\u{FFFD}b\nc");
    }

    #[test]
    fn markdown_text_cannot_open_blocks_or_close_code() {
        let mut out = String::new();
        md_text(
            &mut out,
            "# title\n- item\n2. two\n\n<b>*x*</b>",
            2,
            false,
            false,
        );
        assert_eq!(
            out,
            "\\# title\\\n  \\- item\\\n  2\\. two\\\n  \\<b\\>\\*x\\*\\</b\\>"
        );
        let mut start = String::new();
        md_text(&mut start, "- not a list", 0, false, true);
        assert_eq!(start, "\\- not a list");
        let mut code = String::new();
        md_code(&mut code, "a`b");
        assert_eq!(code, "``a`b``");
        let mut diff = String::new();
        md_diff(&mut diff, " ```\n+x\n", 0);
        assert!(diff.starts_with("````diff\n"));
    }

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(date(0), "1970-01-01 00:00");
        assert_eq!(date(T0), "2023-11-14 22:13");
        assert_eq!(date(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(date(951_868_799_999), "2000-02-29 23:59");
        assert_eq!(date(978_307_200_000), "2001-01-01 00:00");
    }
}
