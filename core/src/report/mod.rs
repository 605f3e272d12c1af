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
    TensionState, Verdict, VersionEntry,
};
use crate::i18n::{Arg, Lang};
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
/// reported as missing, not as an error. Times are UTC. In English: see
/// [`governance_history_in`] for the other languages.
pub fn governance_history(state: &State, charter: &Automerge, format: Format) -> String {
    governance_history_in(state, charter, format, Lang::En)
}

/// [`governance_history`] in `lang`: every word the report writes comes
/// from the `report-…` messages of the catalogues, and dates are said the
/// language's way. What members wrote (names, tensions, arguments, the
/// charter's text) is shown as they wrote it.
pub fn governance_history_in(
    state: &State,
    charter: &Automerge,
    format: Format,
    lang: Lang,
) -> String {
    let cx = Context::new(state, charter, lang);
    let report = cx.report();
    match format {
        Format::Markdown => render_markdown(&report),
        Format::Html => render_html(&report),
    }
}

mod build;
mod html;
mod markdown;
#[cfg(test)]
mod participation_tests;

use build::Context;
use html::render_html;
use markdown::render_markdown;

// ---------------------------------------------------------------------------
// The document model

/// A run of text. All of it is data; the renderers escape it.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A value given to a message that becomes a [`Line`].
#[derive(Debug, Clone)]
enum Piece {
    /// Text that joins the message's own words (user text is fine: it is
    /// inserted after the message is read, never parsed).
    Text(String),
    /// A span of its own (a code, a strong word, or user text kept apart).
    Span(Span),
    /// Given to Fluent as it is: a number (it picks the plural form) or a
    /// keyword a selector reads. Never user text.
    Raw(Arg<'static>),
}

fn txt(text: impl Into<String>) -> Piece {
    Piece::Text(text.into())
}

fn sp(span: Span) -> Piece {
    Piece::Span(span)
}

fn num(n: usize) -> Piece {
    Piece::Raw(n.into())
}

fn key(word: &'static str) -> Piece {
    Piece::Raw(word.into())
}

/// The first character standing for a value while a message is read.
const SLOT: u32 = 0xE000;

/// Message `id` of `lang` as a line: `**…**` in the message makes strong
/// text; each value comes in where the message names it, text values
/// joining the words around them, spans as spans of their own.
fn message_line(lang: Lang, id: &str, args: &[(&str, Piece)]) -> Line {
    let fluent: Vec<(&str, Arg<'_>)> = args
        .iter()
        .enumerate()
        .map(|(i, (name, piece))| {
            let value = match piece {
                Piece::Raw(arg) => arg.clone(),
                Piece::Text(_) | Piece::Span(_) => char::from_u32(SLOT + i as u32)
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
                    .to_string()
                    .into(),
            };
            (*name, value)
        })
        .collect();
    let template = lang.tr(id, &fluent);
    let mut line = Vec::new();
    for (k, part) in template.split("**").enumerate() {
        let strong = k % 2 == 1;
        let mut text = String::new();
        let mut any = false;
        let flush = |line: &mut Line, text: &mut String, any: &mut bool| {
            if *any {
                let text = std::mem::take(text);
                line.push(if strong {
                    Span::Strong(text)
                } else {
                    Span::Text(text)
                });
            }
            *any = false;
        };
        for ch in part.chars() {
            let slot = (ch as u32)
                .checked_sub(SLOT)
                .and_then(|i| args.get(i as usize));
            match slot {
                Some((_, Piece::Text(value))) => {
                    text.push_str(value);
                    any = true;
                }
                Some((_, Piece::Span(span))) => {
                    flush(&mut line, &mut text, &mut any);
                    line.push(span.clone());
                }
                Some((_, Piece::Raw(_))) | None => {
                    text.push(ch);
                    any = true;
                }
            }
        }
        flush(&mut line, &mut text, &mut any);
    }
    line
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
    Participation,
}

impl Lane {
    const ALL: [Lane; 7] = [
        Lane::Challenges,
        Lane::Amendments,
        Lane::Decisions,
        Lane::Versions,
        Lane::Membership,
        Lane::Tensions,
        Lane::Participation,
    ];

    fn label(self, lang: Lang) -> String {
        lang.tr(&format!("report-lane-{}", self.class()), &[])
    }

    fn class(self) -> &'static str {
        match self {
            Lane::Challenges => "challenge",
            Lane::Amendments => "amendment",
            Lane::Decisions => "decision",
            Lane::Versions => "version",
            Lane::Membership => "membership",
            Lane::Tensions => "tension",
            Lane::Participation => "participation",
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
    lang: Lang,
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
fn read_version(doc: &Automerge, version: &VersionEntry, lang: Lang) -> Result<Charter, String> {
    let mut heads = Vec::with_capacity(version.heads.len());
    for text in &version.heads {
        let hash: ChangeHash = text
            .parse()
            .map_err(|_| lang.tr("report-error-not-a-hash", &[("text", clip(text).into())]))?;
        // Automerge ignores heads it does not have: check first.
        if doc.get_change_meta_by_hash(&hash).is_none() {
            return Err(lang.tr(
                "report-error-change-missing",
                &[("hash", short_hex(text).into())],
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
fn describe_change(change: &SectionDiff, lang: Lang) -> (Vec<String>, Option<String>) {
    let tr = |id: &str, args: &[(&str, Arg<'_>)]| lang.tr(id, args);
    match change {
        SectionDiff::Added { section } => (
            vec![tr(
                "report-change-added",
                &[("heading", section.heading.as_str().into())],
            )],
            whole(&section.body(), '+'),
        ),
        SectionDiff::Removed { section } => (
            vec![tr(
                "report-change-removed",
                &[("heading", section.heading.as_str().into())],
            )],
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
                lines.push(tr(
                    "report-change-renamed",
                    &[
                        ("old", old.as_str().into()),
                        ("new", heading.as_str().into()),
                    ],
                ));
            }
            if *moved {
                lines.push(tr("report-change-moved", &[]));
            }
            if let Some(level) = level_from {
                lines.push(tr(
                    "report-change-level",
                    &[("level", level.to_string().into())],
                ));
            }
            if !tags_added.is_empty() {
                lines.push(tr(
                    "report-change-tags-added",
                    &[("tags", tags_added.join(", ").into())],
                ));
            }
            if !tags_removed.is_empty() {
                lines.push(tr(
                    "report-change-tags-removed",
                    &[("tags", tags_removed.join(", ").into())],
                ));
            }
            if body.is_some() {
                lines.push(tr("report-change-text", &[]));
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

/// A stance, as a word.
fn stance_name(stance: Stance, lang: Lang) -> String {
    lang.tr(&format!("report-stance-{}", stance.name()), &[])
}

/// An outcome, as a word (of an amendment: French agrees in gender).
fn outcome_name(outcome: Outcome, lang: Lang) -> String {
    lang.tr(&format!("report-outcome-{}", outcome.name()), &[])
}

fn tension_status_name(status: TensionStatus, lang: Lang) -> String {
    lang.tr(&format!("report-tension-status-{}", status.name()), &[])
}

fn path_name(path: TensionPath, lang: Lang) -> String {
    lang.tr(&format!("report-path-{}", path.name()), &[])
}

fn phase_word(phase: crate::governance::Phase, lang: Lang) -> String {
    lang.tr(&format!("report-phase-{}", phase.name()), &[])
}

fn method_word(method: Method, lang: Lang) -> String {
    lang.tr(&format!("report-method-{}", method.name()), &[])
}

/// The kinds of acts, as a heading: "Amendments".
fn act_label(act: Act, lang: Lang) -> String {
    lang.tr(&format!("report-act-{}", act.name()), &[])
}

/// The kinds of acts, in a sentence: "amendments", "les amendements".
fn act_in_sentence(act: Act, lang: Lang) -> String {
    lang.tr(&format!("report-act-{}-in-sentence", act.name()), &[])
}

/// A sanction's level, as a word; a level Nous does not know as it is.
fn sanction_word(level: &str, lang: Lang) -> String {
    match level {
        "correction" | "warning" | "suspension" | "exclusion" => {
            lang.tr(&format!("report-sanction-{level}"), &[])
        }
        other => other.to_owned(),
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

/// Milliseconds since the Unix epoch, UTC, to the minute, as `lang` says
/// it: `YYYY-MM-DD HH:MM`; `16 déc. 2026 à 10 h 05`.
fn date(lang: Lang, ms: u64) -> String {
    lang.minute(i64::try_from(ms).unwrap_or(i64::MAX))
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
        Access, Apply, CertifyDevice, Challenge, ChallengeOutcome, ChangeRule, College, Decide,
        DocumentShare, Founder, Genesis, Heads, Leave, Payload, Propose, Ratify, React, Record,
        Round, Rules, Sanction, SanctionLevel, Submit, Tension, TensionUpdate, TestObjection,
        Unsigned, Version,
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
                invitation: None,
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
                date(Lang::En, ROUND_AT)
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                "**suspension** by Alice, until {}: Spam again",
                date(Lang::En, SUSPENDED_UNTIL)
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!(
                ", Users: suspended until {}",
                date(Lang::En, SUSPENDED_UNTIL)
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
    fn closed_challenges_are_told_withdrawn_or_declined() {
        let alice = DeviceKey::from_seed(&[1; 32]);
        let bob = DeviceKey::from_seed(&[2; 32]);
        let mut doc = Automerge::new().with_actor(alice.public().actor_id());
        let draft = CharterDraft {
            title: None,
            preamble: String::new(),
            sections: vec![section("assemblee", "Assemblée", "Chaque année.")],
        };
        let mut tx = doc.transaction();
        CharterTx::create(&mut tx, "Charte", &draft, || SectionId::from_random([9; 5]))
            .expect("create");
        tx.commit();
        let founders = [(&alice, "Alice"), (&bob, "Bob")]
            .into_iter()
            .map(|(key, name)| Founder {
                member: key.public(),
                name: name.into(),
                college: "staff".into(),
            })
            .collect();
        let mut chain = Chain::new(genesis(&alice, founders, doc.get_heads()));
        let challenge = |tension: &str| {
            Payload::Challenge(Challenge {
                section: "assemblee".into(),
                tension: tension.into(),
                example: "Nothing decided for a year".into(),
                tension_record: None,
                promoted_from: None,
            })
        };
        let close = |challenge, outcome, reason: &str| {
            Payload::ChallengeClose(crate::record::ChallengeClose {
                challenge,
                outcome,
                reason: reason.into(),
            })
        };
        let first = chain.add(&alice, challenge("Too rare"));
        chain.add(&alice, close(first, ChallengeOutcome::Withdrawn, ""));
        let second = chain.add(&bob, challenge("Too often"));
        chain.add(
            &alice,
            close(second, ChallengeOutcome::Declined, "Already settled"),
        );
        let state = chain.state();
        assert_eq!(state.problems().count(), 0);
        let en = governance_history_in(&state, &doc, Format::Markdown, Lang::En);
        assert!(
            en.contains("- **Withdrawn** by Alice, 2023-11-15 00:13\n"),
            "{en}"
        );
        assert!(
            en.contains("- **Declined** by Alice, 2023-11-15 02:13: Already settled\n"),
            "{en}"
        );
        assert!(!en.contains("No amendment answers it yet."), "{en}");
        let fr = governance_history_in(&state, &doc, Format::Markdown, Lang::Fr);
        assert!(fr.contains("- **Retirée** par Alice, le "), "{fr}");
        assert!(fr.contains("- **Déclinée** par Alice, le "), "{fr}");
        let html = governance_history_in(&state, &doc, Format::Html, Lang::En);
        assert!(
            html.contains("Challenge of “Assemblée” withdrawn by Alice"),
            "{html}"
        );
        assert!(
            html.contains("Challenge of “Assemblée” declined by Alice"),
            "{html}"
        );
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

    /// English is what it always was: a few whole lines of the scenario.
    #[test]
    fn english_says_what_it_always_said() {
        let (state, doc) = scenario();
        let md = governance_history(&state, &doc, Format::Markdown);
        assert_eq!(
            md,
            governance_history_in(&state, &doc, Format::Markdown, Lang::En)
        );
        for line in [
            "# Governance history of Coop \\& \"Les Lilas\"\n",
            "- Version in force: **v2** (`596aa32cfa6d`), ratified 2023-11-15 11:13\n",
            "- Members: 2 (Staff 1, Users 1); 1 left, 0 excluded\n",
            "\nTimes are UTC.\n",
            "#### Challenge by Bob, 2023-11-15 01:13\n",
            "##### Amendment “Open membership to minors” — merged\n",
            "- Proposed by Alice, 2023-11-15 02:13; co-authors: Bob\n",
            "  - Wording 2, 2023-11-15 08:13, by Alice: Asks for a guardian's consent\n",
            "    - Changes “Adhésion”, “Cotisation”\n",
            "  - 2023-11-15 04:13 — Bob: **consent** on wording 1\n",
            "  - 2023-11-15 09:13 — \\<img src=x onerror=alert(1)\\>: **resolved** on wording 2, confirming the objection of 2023-11-15 06:13 resolved: Thank you\n",
            "    - Tested by Bob, 2023-11-15 07:13: passes a, b, c, d, **valid**: It holds\n",
            "- **Ratification:** signed by Alice; became **v2** (`596aa32cfa6d`), 2023-11-15 11:13\n",
            "### Cotisation (`cotisation`) — removed\n",
            "Removed in v2, 2023-11-15 11:13; last in v1.\n",
            "- Removed (it was “Cotisation”)\n",
            "- 2023-11-14 22:13 — Alice joined Staff (as a founder)\n",
            "- 2023-11-15 18:13 — Bob left: Moving away\n",
            "- Bob (`8139770ea8`), Staff: left\n",
            "### “Minors are turned away” — escalated\n",
            "- Raised by Bob, 2023-11-14 23:13, on the governance path, about “Adhésion”\n",
            "- **Exclusions:** qualified majority, no quorum, 50% needed, every member decides, no block\n",
            "- **Amendments:** consent, no quorum, every member decides, 1 signature to ratify, no block\n",
            "- 2023-11-15 15:13 — Bob proposed for amendments: majority, no quorum, every member decides, 1 signature to ratify, no block\n",
            "\n23 records: 22 accepted, 1 rejected, 0 pending.\n",
            "\nNo two members rewrote the same words at the same time.",
        ] {
            assert!(md.contains(line), "{line:?} in\n{md}");
        }
        let html = governance_history(&state, &doc, Format::Html);
        for part in [
            "<!DOCTYPE html>\n<html lang=\"en\">\n",
            "<title>Governance history of Coop &amp; &quot;Les Lilas&quot;</title>",
            "<title id=\"timeline-title\">Timeline from 2023-11-14 22:13 to 2023-11-15 20:13</title>",
            ">Challenges</text>",
            ">Membership</text>",
            "<figcaption>21 events from 2023-11-14 22:13 to 2023-11-15 20:13; hover a marker for details.</figcaption>",
            "<title>2023-11-15 10:13 — “Open membership to minors” adopted: No valid objection remains</title>",
            "<title>2023-11-15 13:13 — admission of Dora rejected: Applications are closed this season</title>",
            "<title>2023-11-15 11:13 — v2: ratifies “Open membership to minors”</title>",
        ] {
            assert!(html.contains(part), "{part:?} in\n{html}");
        }
    }

    /// The scenario in French: French words and dates, nothing of the
    /// English catalogue.
    #[test]
    fn french_says_it_in_french() {
        let (state, doc) = scenario();
        let fr = |ms: u64| Lang::Fr.minute(i64::try_from(ms).expect("ms"));
        let md = governance_history_in(&state, &doc, Format::Markdown, Lang::Fr);
        for line in [
            "# Historique de la gouvernance — Coop \\& \"Les Lilas\"\n".to_owned(),
            "- Membres : 2 (Staff 1, Users 1) ; 1 départ, 0 exclusion\n".to_owned(),
            "\nLes heures sont données en UTC.\n".to_owned(),
            "- Version en vigueur : **v2** (`596aa32cfa6d`), ratifiée le 15 nov. 2023 à 11 h 13\n"
                .to_owned(),
            "#### Interpellation par Bob, le 15 nov. 2023 à 1 h 13\n".to_owned(),
            "- **Tension :** The charter excludes minors\n".to_owned(),
            "##### Amendement « Open membership to minors » — fusionné\n".to_owned(),
            "- Proposé par Alice le 15 nov. 2023 à 2 h 13 ; coauteur : Bob\n".to_owned(),
            "    - Modifie les sections « Adhésion », « Cotisation »\n".to_owned(),
            format!(
                "- Le tour d'objections a été ouvert par Alice ({}).\n",
                fr(ROUND_AT)
            ),
            "  - 15 nov. 2023 à 4 h 13 — Bob : **consentement** sur la rédaction 1\n".to_owned(),
            "en invoquant les critères a, b : Minors need a guardian's consent — **levée**\n"
                .to_owned(),
            "- **Décision :** **adoptée** par Alice le 15 nov. 2023 à 10 h 13 : No valid objection remains\n"
                .to_owned(),
            "### Cotisation (`cotisation`) — supprimée\n".to_owned(),
            "- Supprimée (c'était « Cotisation »)\n".to_owned(),
            format!(
                "**suspension** (par Alice, jusqu'au {}) : Spam again\n",
                fr(SUSPENDED_UNTIL)
            ),
            "Bob a certifié l'appareil « phone »".to_owned(),
            "- 15 nov. 2023 à 18 h 13 — Bob a quitté la communauté : Moving away\n".to_owned(),
            "**refusée : Applications are closed this season**".to_owned(),
            "### « Minors are turned away » — remontée\n".to_owned(),
            "(voie : gouvernance), au sujet de « Adhésion »\n".to_owned(),
            "- **Exclusions :** majorité qualifiée, sans quorum, seuil de 50 %, tous les membres décident, sans blocage\n"
                .to_owned(),
            "Bob a proposé pour les amendements : majorité, sans quorum".to_owned(),
            "\n23 actes : 22 acceptés, 1 rejeté, 0 en attente.\n".to_owned(),
            "Document « Minutes \\<img src=x onerror=alert(1)\\> » partagé (**public**)".to_owned(),
        ] {
            assert!(md.contains(&line), "{line:?} in\n{md}");
        }
        for english in [
            "Governance history",
            "Times are UTC",
            "Challenge by",
            "Decision:",
            "Rationale:",
            "The objection round",
            "Wording 1",
            "Members now",
            "## Membership",
            "## Rules",
            " records:",
            "Shared document",
            "certified the device",
            " left",
            "2023-11-15",
            "“",
        ] {
            assert!(!md.contains(english), "{english:?} leaks into\n{md}");
        }
        // What members wrote is theirs, and still escaped.
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
        assert!(!md.replace("\\<img", "").contains("<img"), "{md}");

        let html = governance_history_in(&state, &doc, Format::Html, Lang::Fr);
        for part in [
            "<!DOCTYPE html>\n<html lang=\"fr\">\n",
            "<title>Historique de la gouvernance — Coop &amp; &quot;Les Lilas&quot;</title>",
            "<title id=\"timeline-title\">Chronologie du 14 nov. 2023 à 22 h 13 au 15 nov. 2023 à 20 h 13</title>",
            ">Interpellations</text>",
            ">Membres</text>",
            "<figcaption>21 événements du 14 nov. 2023 à 22 h 13 au 15 nov. 2023 à 20 h 13 ; survolez un repère pour le détail.</figcaption>",
            "<title>15 nov. 2023 à 10 h 13 — « Open membership to minors » adopté : No valid objection remains</title>",
            "<title>15 nov. 2023 à 13 h 13 — candidature soumise par Dora refusée : Applications are closed this season</title>",
            "<strong>Décision :</strong> <strong>adoptée</strong>",
            "<title>15 nov. 2023 à 0 h 13 — « Minors are turned away » : remontée</title>",
        ] {
            assert!(html.contains(part), "{part:?} in\n{html}");
        }
        for english in [
            "lang=\"en\"",
            "Timeline from",
            " events from",
            "hover a marker",
            ">Challenges</text>",
            " proposed by ",
        ] {
            assert!(!html.contains(english), "{english:?} leaks into\n{html}");
        }
        assert!(!html.contains("<img"), "{html}");
        assert_eq!(html.matches("<g class=\"ev ").count(), 21);
    }

    /// Every message the report names, literally or by a kind of word,
    /// exists in both languages.
    #[test]
    fn every_message_the_report_names_exists() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("html.rs"),
            include_str!("markdown.rs"),
            include_str!("build/mod.rs"),
            include_str!("build/documents.rs"),
            include_str!("build/membership.rs"),
            include_str!("build/rules.rs"),
            include_str!("build/sections.rs"),
            include_str!("build/tensions.rs"),
            include_str!("build/timeline.rs"),
            include_str!("build/participation.rs"),
        ];
        let mut ids: Vec<String> = Vec::new();
        for source in sources {
            for (at, _) in source.match_indices("\"report-") {
                let id: String = source[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                // `format!("report-stance-{}")`: the words, below.
                if !id.ends_with('-') {
                    ids.push(id);
                }
            }
        }
        let words = [
            Stance::ALL
                .iter()
                .map(|s| format!("report-stance-{}", s.name()))
                .collect::<Vec<_>>(),
            Outcome::ALL
                .iter()
                .map(|o| format!("report-outcome-{}", o.name()))
                .collect(),
            TensionStatus::ALL
                .iter()
                .map(|s| format!("report-tension-status-{}", s.name()))
                .collect(),
            TensionPath::ALL
                .iter()
                .map(|p| format!("report-path-{}", p.name()))
                .collect(),
            crate::governance::Phase::ALL
                .iter()
                .map(|p| format!("report-phase-{}", p.name()))
                .collect(),
            Method::ALL
                .iter()
                .map(|m| format!("report-method-{}", m.name()))
                .collect(),
            Act::ALL
                .iter()
                .map(|a| format!("report-act-{}", a.name()))
                .collect(),
            Act::ALL
                .iter()
                .map(|a| format!("report-act-{}-in-sentence", a.name()))
                .collect(),
            Lane::ALL
                .iter()
                .map(|l| format!("report-lane-{}", l.class()))
                .collect(),
            ["correction", "warning", "suspension", "exclusion"]
                .iter()
                .map(|l| format!("report-sanction-{l}"))
                .collect(),
            crate::record::PhaseKind::ALL
                .iter()
                .map(|p| format!("report-pphase-{}", p.name()))
                .collect(),
            crate::record::AuthorType::ALL
                .iter()
                .map(|a| format!("report-author-{}", a.name()))
                .collect(),
            crate::record::AnswerState::ALL
                .iter()
                .map(|a| format!("report-answer-{}", a.name()))
                .collect(),
            crate::record::Channel::ALL
                .iter()
                .map(|c| format!("report-channel-{}", c.name()))
                .collect(),
            ["duplicate-of", "merged-into", "split-from"]
                .iter()
                .map(|r| format!("report-relation-{r}"))
                .collect(),
            ["spam", "offensive", "off-topic", "personal-data", "other"]
                .iter()
                .map(|r| format!("report-reason-{r}"))
                .collect(),
            ["kept", "pending", "broken"]
                .iter()
                .map(|s| format!("report-commitment-{s}"))
                .collect(),
            ["submitted", "withdrawn", "hidden", "answered"]
                .iter()
                .map(|s| format!("report-contribution-status-{s}"))
                .collect(),
        ];
        ids.extend(words.into_iter().flatten());
        assert!(ids.len() > 150, "{}", ids.len());
        for lang in Lang::ALL {
            for id in &ids {
                assert!(lang.catalog().has(id, None), "{id} is missing in {lang:?}");
            }
        }
    }

    /// Markup in what members write (or in a message's values) stays text.
    #[test]
    fn message_values_are_never_read_as_markup() {
        let sneaky = format!("**x** {}", char::from_u32(SLOT).expect("char"));
        assert_eq!(
            message_line(
                Lang::En,
                "report-decision",
                &[
                    ("outcome", sp(b("adopted"))),
                    ("name", txt(sneaky.clone())),
                    ("date", txt("2026-12-16 10:05")),
                ],
            ),
            vec![
                b("Decision:"),
                t(" "),
                b("adopted"),
                t(format!(" by {sneaky}, 2026-12-16 10:05")),
            ]
        );
        assert_eq!(
            message_line(
                Lang::Fr,
                "report-then-text",
                &[("text", sp(t(sneaky.clone())))]
            ),
            vec![t(" : "), t(sneaky)]
        );
    }

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(date(Lang::Fr, T0), "14 nov. 2023 à 22 h 13");
        assert_eq!(date(Lang::En, 0), "1970-01-01 00:00");
        assert_eq!(date(Lang::En, T0), "2023-11-14 22:13");
        assert_eq!(date(Lang::En, 951_782_400_000), "2000-02-29 00:00");
        assert_eq!(date(Lang::En, 951_868_799_999), "2000-02-29 23:59");
        assert_eq!(date(Lang::En, 978_307_200_000), "2001-01-01 00:00");
    }
}
