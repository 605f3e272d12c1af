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
//! escape it, so nothing a member writes can become markup. `build` makes
//! the model from the state and the charter; `markdown` and `html` render it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use automerge::{Automerge, ChangeHash};

use crate::charter::{self, Charter};
use crate::diff::{self, SectionDiff};
use crate::governance::{
    Admissibility, AmendmentState, ApplicationState, ChallengeState, DecisionEntry, Member,
    MemberStatus, ObjectionState, ProposalKind, ReactionEntry, RecordOutcome, State, Submission,
    TensionState, Verdict, VersionEntry, method_name, phase_name,
};
use crate::identity::PublicKey;
use crate::record::{Act, Method, Outcome, RecordId, Rule, Stance, TensionPath, TensionStatus};

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

mod build;
mod html;
mod markdown;

use build::Context;
use html::render_html;
use markdown::render_markdown;

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
    crate::time::format_minutes(ms)
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

#[cfg(test)]
mod tests {
    use super::html::{LEFT, RIGHT, WIDTH, escape};
    use super::markdown::{md_code, md_diff, md_text};
    use super::*;
    use crate::charter::{CharterDraft, CharterTx, SectionDraft, SectionId};
    use crate::governance::{self, ResolveOptions};
    use crate::identity::DeviceKey;
    use crate::ids::DocId;
    use crate::record::{
        Access, Apply, CertifyDevice, Challenge, ChangeRule, College, Decide, DocumentShare,
        Founder, Genesis, Heads, Leave, Payload, Propose, Ratify, React, Record, Round, Rules,
        Sanction, SanctionLevel, Submit, Tension, TensionUpdate, TestObjection, Unsigned, Version,
    };
    use crate::time::DAY_MS;

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

    /// When the objection round of the scenario was opened: the seventh
    /// record after the genesis.
    const ROUND_AT: u64 = T0 + 7 * HOUR;
    /// When Eve's suspension in the scenario ends.
    const SUSPENDED_UNTIL: u64 = T0 + 30 * DAY_MS;

    /// A community whose amendment to "Adhésion" was challenged, objected
    /// to, integrated, adopted and ratified (removing "Cotisation" on the
    /// way), with an application declined, a warning then a suspension, a
    /// tension, a pending rule change, a second device, a departure, one
    /// rejected record and a document shared publicly.
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
        assert_eq!(chain.time, ROUND_AT);
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
        chain.add(
            &bob,
            Payload::CertifyDevice(CertifyDevice {
                device: DeviceKey::from_seed(&[5; 32]).public(),
                label: "phone".into(),
            }),
        );
        chain.add(
            &alice,
            Payload::Sanction(Sanction {
                member: eve.public(),
                level: SanctionLevel::Suspension,
                reasons: "Spam again".into(),
                until: SUSPENDED_UNTIL,
            }),
        );
        chain.add(
            &bob,
            Payload::Leave(Leave {
                reason: "Moving away".into(),
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
        // Alice shares the minutes, under a hostile title, for anyone to read.
        chain.add(
            &alice,
            Payload::DocumentShare(DocumentShare {
                doc: DocId::from_bytes([9; 16]),
                title: format!("Minutes {HOSTILE}"),
                access: Access::Public,
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
    fn the_report_tells_of_conflicts_and_their_resolution() {
        let (state, mut doc) = scenario();
        let assemblee: SectionId = "assemblee".parse().expect("id");
        let base = doc.get_heads();
        let mut bob = doc
            .fork_at(&base)
            .expect("fork")
            .with_actor(DeviceKey::from_seed(&[2; 32]).public().actor_id());
        edit(&mut doc, |c| {
            c.set_body(&assemblee, "L'assemblée se réunit chaque mois.")
                .expect("edit")
        });
        edit(&mut bob, |c| {
            c.set_body(&assemblee, "L'assemblée se réunit chaque semaine.")
                .expect("edit")
        });
        doc.merge(&mut bob).expect("merge");
        let md = governance_history(&state, &doc, Format::Markdown);
        let part = md.split("## Conflicts").nth(1).expect("a conflicts part");
        assert!(part.contains("in “Assemblée” — **open**"), "{part}");
        assert!(part.contains("Before: “année”"), "{part}");
        assert!(part.contains("Alice (") && part.contains("Bob ("), "{part}");
        assert!(
            part.contains("wrote “mois”") && part.contains("wrote “semaine”"),
            "{part}"
        );
        let conflict = crate::conflicts::conflicts(&doc).remove(0);
        let mut tx = doc.transaction();
        CharterTx::new(&mut tx)
            .expect("charter")
            .resolve_conflict(&conflict, "trimestre")
            .expect("resolve");
        tx.commit();
        let md = governance_history(&state, &doc, Format::Markdown);
        assert!(md.contains("in “Assemblée” — **resolved**"), "{md}");
        let html = governance_history(&state, &doc, Format::Html);
        assert!(html.contains("Conflicts"), "{html}");
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
        // The new facts of the state: who submitted, when the round opened,
        // sanction authors and ends, devices, departures.
        assert!(md.contains(", by Alice: First wording"), "{md}");
        assert!(
            md.contains(&format!(
                "The objection round was opened by Alice, {}.",
                date(ROUND_AT)
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "**suspension** by Alice, until {}: Spam again",
                date(SUSPENDED_UNTIL)
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                ", Users: suspended until {}",
                date(SUSPENDED_UNTIL)
            )),
            "{md}"
        );
        assert!(md.contains("Bob certified the device “phone”"), "{md}");
        assert!(md.contains("Bob left: Moving away"), "{md}");
        assert!(md.contains("; 1 left, 0 excluded"), "{md}");
        assert!(md.contains("Minors are turned away"), "{md}");
        assert!(md.contains("Faster decisions"), "{md}");
        assert!(md.contains("1 rejected, 0 pending"), "{md}");
        assert!(
            md.contains(&format!(
                "Shared document “Minutes \\<img src=x onerror=alert(1)\\>” (**public**) `{}`, by Alice",
                DocId::from_bytes([9; 16])
            )),
            "{md}"
        );
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
        // Membership: 3 founders, 1 application, 1 warning, 1 suspension,
        // 1 departure. Challenges: 1. Amendments: 1 proposal, 2 wordings,
        // 3 reactions, 1 test. Decisions: 2. Versions: 2. Tensions: opened
        // and escalated.
        let by_lane = |class: &str| {
            html.matches(&format!("<g class=\"ev ev-{class}\">"))
                .count()
        };
        assert_eq!(by_lane("membership"), 7);
        assert_eq!(by_lane("challenge"), 1);
        assert_eq!(by_lane("amendment"), 7);
        assert_eq!(by_lane("decision"), 2);
        assert_eq!(by_lane("version"), 2);
        assert_eq!(by_lane("tension"), 2);
        assert_eq!(html.matches("<g class=\"ev ").count(), 21);
        assert_eq!(
            html.matches("<title>").count(),
            21 + 1,
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
