//! The open-data export of a public participation: one ZIP archive that
//! anyone can open in a spreadsheet, check against its own description and
//! verify against the signed records (`docs/participation.md`, « Open data
//! and personal data »).
//!
//! What is in it:
//!
//! - a CSV per entity (`process`, `phases`, `commitments`, `contributions`,
//!   `answers`, `moderation`, `sections`, `synthesis`), each with a JSON
//!   twin holding the same rows (the synthesis's twin is the report itself);
//! - `datapackage.json`, a Frictionless Data Package describing every file,
//!   with a Table Schema per CSV;
//! - `phases.ics`, the phases as an iCalendar file;
//! - `contributions.geojson`, the visible contributions that have a
//!   location;
//! - `bundle.nous`, the community's signed records and documents, for
//!   `nous verify`;
//! - `README.md`, in French and English.
//!
//! Contributors appear under their stable pseudonym; a name only where its
//! bearer consented (the `names` given, kept outside the signed records).
//! A hidden contribution keeps its row, ids and the reason it was hidden,
//! never its words (title, text, location, name).
//!
//! Pure: the same input gives the same bytes (fixed order, fixed
//! timestamps in the archive).

use std::collections::BTreeMap;
use std::io::Write as _;

use serde_json::{Value, json};

use crate::governance::State;
use crate::governance::Verdict;
use crate::governance::participation::{
    ContributionState, ContributionStatus, Event, ParticipationState, PhaseEntry, Visibility,
};
use crate::record::{AuthorType, PhaseKind, RecordId};

mod validate;
pub use validate::{Validated, validate};

#[cfg(test)]
mod tests;

/// The licence the data is published under, as written in
/// `datapackage.json` and `process.csv` (Licence Ouverte / Open Licence
/// 2.0, compatible with CC BY 4.0 and ODC-BY).
pub const LICENCE: &str = "etalab-2.0";
/// Where the licence is.
pub const LICENCE_URL: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";
/// Its title.
pub const LICENCE_TITLE: &str = "Licence Ouverte / Open Licence 2.0";

/// How a list is written in one CSV cell.
pub const LIST_SEPARATOR: &str = ";";

/// A section of the final text, as the caller read it from the text
/// document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionInfo {
    /// Its stable id.
    pub id: String,
    /// Its heading.
    pub heading: String,
    /// The words in it, in the final text.
    pub words: u64,
}

/// What the export is made of.
#[derive(Debug)]
pub struct ExportInput<'a> {
    /// The community's resolved state.
    pub state: &'a State,
    /// The participation (its `participation.open` record).
    pub participation: RecordId,
    /// The sections of the final text, in order.
    pub sections: Vec<SectionInfo>,
    /// The synthesis report's JSON, if one was computed.
    pub synthesis: Option<&'a Value>,
    /// Pseudonym → name, for those who consented only.
    pub names: &'a BTreeMap<String, String>,
    /// The bundle of the community (written as `bundle.nous`).
    pub bundle: &'a [u8],
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The record named is no participation of this community.
    #[error("record {} is not a participation of this community", .0.short())]
    NoParticipation(RecordId),
    /// The archive could not be written.
    #[error("the export archive could not be written: {0}")]
    Archive(String),
}

/// The files of an export, in the order they are written.
pub const FILES: [&str; 21] = [
    "README.md",
    "datapackage.json",
    "process.csv",
    "process.json",
    "phases.csv",
    "phases.json",
    "commitments.csv",
    "commitments.json",
    "contributions.csv",
    "contributions.json",
    "answers.csv",
    "answers.json",
    "moderation.csv",
    "moderation.json",
    "sections.csv",
    "sections.json",
    "synthesis.csv",
    "synthesis.json",
    "phases.ics",
    "contributions.geojson",
    "bundle.nous",
];

/// The export of a participation: a ZIP archive (see the module's doc).
pub fn export(input: &ExportInput<'_>) -> Result<Vec<u8>, ExportError> {
    let state = input.state;
    let p = state
        .participations
        .get(&input.participation)
        .ok_or(ExportError::NoParticipation(input.participation))?;
    let as_of = as_of(state, p, input.synthesis);
    let tables = vec![
        process_table(state, p, as_of),
        phases_table(p),
        commitments_table(state, p, as_of),
        contributions_table(state, p, input.names),
        answers_table(state, p),
        moderation_table(state, p),
        sections_table(state, p, &input.sections, input.synthesis),
        synthesis_table(input.synthesis),
    ];
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push(("README.md".into(), readme(state, p).into_bytes()));
    files.push((
        "datapackage.json".into(),
        datapackage(state, p, &tables, as_of),
    ));
    for table in &tables {
        files.push((format!("{}.csv", table.name), table.csv()));
        let twin = match (table.name, input.synthesis) {
            ("synthesis", synthesis) => pretty(synthesis.unwrap_or(&Value::Null)),
            _ => table.json(),
        };
        files.push((format!("{}.json", table.name), twin));
    }
    files.push(("phases.ics".into(), calendar(state, p, as_of).into_bytes()));
    files.push(("contributions.geojson".into(), geojson(state, p)));
    files.push(("bundle.nous".into(), input.bundle.to_vec()));
    zip(&files)
}

/// The time the statuses are read at: the synthesis's `as_of` (ms, or a
/// date), else the latest accepted record's.
fn as_of(state: &State, p: &ParticipationState, synthesis: Option<&Value>) -> u64 {
    let given = synthesis
        .and_then(|s| s.get("as_of"))
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => crate::time::parse(s),
            _ => None,
        });
    given.unwrap_or_else(|| {
        state
            .records
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Accepted))
            .map(|r| r.at)
            .max()
            .unwrap_or(p.opened_at)
    })
}

// ---------------------------------------------------------------------
// Tables

/// The type of a column (Frictionless Table Schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    String,
    Integer,
    Boolean,
    Datetime,
    Number,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Integer => "integer",
            Type::Boolean => "boolean",
            Type::Datetime => "datetime",
            Type::Number => "number",
        }
    }
}

/// A column.
#[derive(Debug, Clone, Copy)]
struct Field {
    name: &'static str,
    ty: Type,
    description: &'static str,
}

const fn f(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        description,
    }
}

/// A cell. Empty text is a missing value: an empty CSV cell, `null` in
/// JSON.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    Time(u64),
    /// Millionths of a degree.
    Degrees(i32),
}

impl Cell {
    fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    fn opt(text: Option<impl Into<String>>) -> Cell {
        text.map_or(Cell::Null, |t| Cell::Text(t.into()))
    }

    fn time(at: Option<u64>) -> Cell {
        at.map_or(Cell::Null, Cell::Time)
    }

    fn count(n: usize) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    fn json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Text(t) if t.is_empty() => Value::Null,
            Cell::Text(t) => Value::String(t.clone()),
            Cell::Int(n) => json!(n),
            Cell::Bool(b) => json!(b),
            Cell::Time(ms) => Value::String(iso(*ms)),
            Cell::Degrees(e6) => degrees(*e6),
        }
    }

    fn csv(&self) -> String {
        match self.json() {
            Value::Null => String::new(),
            Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

/// A coordinate in degrees, as a JSON number.
fn degrees(e6: i32) -> Value {
    serde_json::Number::from_f64(f64::from(e6) / 1e6).map_or(Value::Null, Value::Number)
}

/// A record time as ISO 8601 in UTC, to the second.
pub fn iso(ms: u64) -> String {
    let text = crate::time::format_seconds(i64::try_from(ms).unwrap_or(i64::MAX));
    format!("{}Z", text.replacen(' ', "T", 1))
}

/// A table: its columns, keys and rows.
#[derive(Debug)]
struct Table {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    fields: &'static [Field],
    primary_key: &'static [&'static str],
    /// (field, resource, field).
    foreign_keys: &'static [(&'static str, &'static str, &'static str)],
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// RFC 4180: comma, CRLF, quoted where needed, a header row; UTF-8
    /// with a byte-order mark so that spreadsheets read accents right.
    fn csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        let header: Vec<String> = self.fields.iter().map(|f| quote(f.name)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| quote(&c.csv())).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// The rows as a JSON array of objects, fields in column order.
    fn json(&self) -> Vec<u8> {
        let mut out = String::from("[");
        for (n, row) in self.rows.iter().enumerate() {
            out.push_str(if n == 0 { "\n  {" } else { ",\n  {" });
            for (i, (field, cell)) in self.fields.iter().zip(row).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(field.name.to_owned()).to_string());
                out.push_str(": ");
                out.push_str(&cell.json().to_string());
            }
            out.push('}');
        }
        out.push_str(if self.rows.is_empty() { "]\n" } else { "\n]\n" });
        out.into_bytes()
    }

    fn schema(&self) -> Value {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut field = json!({
                    "name": f.name,
                    "type": f.ty.name(),
                    "description": f.description,
                });
                match f.ty {
                    Type::Datetime => field["format"] = json!("%Y-%m-%dT%H:%M:%SZ"),
                    Type::Boolean => {
                        field["trueValues"] = json!(["true"]);
                        field["falseValues"] = json!(["false"]);
                    }
                    _ => {}
                }
                if self.primary_key.contains(&f.name) {
                    field["constraints"] = json!({ "required": true });
                }
                field
            })
            .collect();
        let mut schema = json!({
            "fields": fields,
            "missingValues": [""],
            "primaryKey": self.primary_key,
        });
        if !self.foreign_keys.is_empty() {
            schema["foreignKeys"] = self
                .foreign_keys
                .iter()
                .map(|(field, resource, other)| {
                    json!({
                        "fields": field,
                        "reference": { "resource": resource, "fields": other },
                    })
                })
                .collect();
        }
        schema
    }
}

/// A CSV cell, quoted if it holds a comma, a quote or a line break (or
/// starts or ends with a space, which some readers trim).
fn quote(cell: &str) -> String {
    let needs =
        cell.contains([',', '"', '\r', '\n']) || cell.starts_with(' ') || cell.ends_with(' ');
    if needs {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

fn pretty(value: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).unwrap_or_else(|_| b"null".to_vec());
    out.push(b'\n');
    out
}

fn join<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(LIST_SEPARATOR)
}

fn heads_hex(heads: &crate::record::Heads) -> String {
    let mut hashes: Vec<String> = heads.0.iter().map(|h| hex::encode(h.as_ref())).collect();
    hashes.sort();
    hashes.dedup();
    hashes.join(" ")
}

fn phase_fr(phase: PhaseKind) -> &'static str {
    match phase {
        PhaseKind::Contract => "Contrat participatif",
        PhaseKind::Strategy => "Stratégie participative",
        PhaseKind::Instruction => "Instruction",
        PhaseKind::Answer => "Avis argumenté",
    }
}

fn phase_en(phase: PhaseKind) -> &'static str {
    match phase {
        PhaseKind::Contract => "Participation contract",
        PhaseKind::Strategy => "Participative strategy",
        PhaseKind::Instruction => "Instruction",
        PhaseKind::Answer => "Argued answers",
    }
}

fn contributors_name(c: crate::record::Contributors) -> &'static str {
    match c {
        crate::record::Contributors::Anyone => "anyone",
        crate::record::Contributors::Invited => "invited",
        crate::record::Contributors::Members => "members",
    }
}

fn status_name(status: ContributionStatus) -> &'static str {
    match status {
        ContributionStatus::Submitted => "submitted",
        ContributionStatus::Withdrawn => "withdrawn",
        ContributionStatus::Hidden => "hidden",
        ContributionStatus::Answered => "answered",
    }
}

fn visibility_name(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Visible => "visible",
        Visibility::HiddenPendingReview => "hidden-pending-review",
        Visibility::Hidden => "hidden",
    }
}

/// The contributions of a participation, in the order they came.
fn contributions<'s>(
    state: &'s State,
    p: &'s ParticipationState,
) -> impl Iterator<Item = &'s std::sync::Arc<ContributionState>> + 's {
    p.contributions
        .iter()
        .filter_map(|id| state.contributions.get(id))
}

/// Where each phase ends: its own end, else when the next opens, else
/// the closing (the answer phase: else the answer deadline).
fn phase_end(p: &ParticipationState, n: usize, phase: &PhaseEntry) -> Option<u64> {
    phase
        .closes_at
        .or_else(|| p.phases.get(n + 1).map(|next| next.opens_at))
        .or_else(|| p.closed.as_ref().map(|c| c.at))
        .or_else(|| (phase.phase == PhaseKind::Answer).then_some(p.answer_due))
        .filter(|end| *end > phase.opens_at)
}

const PROCESS: &[Field] = &[
    f(
        "id",
        Type::String,
        "The participation: its participation.open record (SHA-256, hex).",
    ),
    f(
        "community",
        Type::String,
        "The organising community (its genesis record).",
    ),
    f(
        "organiser",
        Type::String,
        "The organising community's name.",
    ),
    f("title", Type::String, "The participation's title."),
    f("opened_at", Type::Datetime, "When it was opened (UTC)."),
    f(
        "text_doc",
        Type::String,
        "The text under consultation (Automerge document id).",
    ),
    f(
        "text_heads",
        Type::String,
        "Its version as submitted to consultation: change hashes, space-separated.",
    ),
    f(
        "contract_doc",
        Type::String,
        "The contrat participatif (Automerge document id).",
    ),
    f(
        "contract_heads",
        Type::String,
        "The contract's version in force: change hashes, space-separated.",
    ),
    f(
        "contract_revisions",
        Type::Integer,
        "How many times the contract was revised.",
    ),
    f(
        "categories",
        Type::String,
        "Contribution categories, `id=label`, separated by `;`.",
    ),
    f(
        "answer_due",
        Type::Datetime,
        "When every contribution must have its answer (UTC).",
    ),
    f(
        "report_threshold",
        Type::Integer,
        "Reports that hide a contribution pending review (0: never).",
    ),
    f(
        "contributions",
        Type::Integer,
        "How many contributions, hidden and withdrawn included.",
    ),
    f(
        "closed_at",
        Type::Datetime,
        "When it was closed, if closed.",
    ),
    f("closing_summary", Type::String, "The closing word."),
    f(
        "synthesis_record",
        Type::String,
        "The latest published synthesis (its synthesis.publish record).",
    ),
    f(
        "synthesis_method",
        Type::String,
        "The method of the latest published synthesis.",
    ),
    f(
        "synthesis_hash",
        Type::String,
        "The SHA-256 of the latest published synthesis report.",
    ),
    f(
        "as_of",
        Type::Datetime,
        "The time the statuses in this export are read at (UTC).",
    ),
    f("licence", Type::String, "The licence of this data."),
];

fn process_table(state: &State, p: &ParticipationState, as_of: u64) -> Table {
    let synthesis = p.syntheses.last();
    let row = vec![
        Cell::text(p.id.to_string()),
        Cell::text(state.community.to_string()),
        Cell::text(state.name.clone()),
        Cell::text(p.title.clone()),
        Cell::Time(p.opened_at),
        Cell::text(p.text.doc.to_string()),
        Cell::text(heads_hex(&p.text.heads)),
        Cell::text(p.contract.doc.to_string()),
        Cell::text(heads_hex(&p.contract.heads)),
        Cell::count(p.contract_revisions.len()),
        Cell::text(join(
            p.categories.iter().map(|c| format!("{}={}", c.id, c.label)),
        )),
        Cell::Time(p.answer_due),
        Cell::Int(i64::from(p.report_threshold)),
        Cell::count(p.contributions.len()),
        Cell::time(p.closed.as_ref().map(|c| c.at)),
        Cell::opt(p.closed.as_ref().map(|c| c.summary.clone())),
        Cell::opt(synthesis.map(|s| s.record.to_string())),
        Cell::opt(synthesis.map(|s| s.method.clone())),
        Cell::opt(synthesis.map(|s| s.hash.clone())),
        Cell::Time(as_of),
        Cell::text(LICENCE),
    ];
    Table {
        name: "process",
        title: "Process / Processus",
        description: "The participation: one row.",
        fields: PROCESS,
        primary_key: &["id"],
        foreign_keys: &[],
        rows: vec![row],
    }
}

const PHASES: &[Field] = &[
    f(
        "id",
        Type::String,
        "The participation.phase record that opened it.",
    ),
    f(
        "phase",
        Type::String,
        "contract, strategy, instruction or answer.",
    ),
    f("name_fr", Type::String, "Its name in French."),
    f("name_en", Type::String, "Its name in English."),
    f("opens_at", Type::Datetime, "When it opens (UTC)."),
    f(
        "closes_at",
        Type::Datetime,
        "When it ends at the latest, if said (UTC).",
    ),
    f(
        "ends_at",
        Type::Datetime,
        "When it ends: its own end, else when the next phase opens, else the closing.",
    ),
    f(
        "contributors",
        Type::String,
        "Who may contribute: anyone, invited or members.",
    ),
    f(
        "channels",
        Type::String,
        "The channels it takes contributions from (device, meeting, paper, mail), `;`-separated; empty: contributions are frozen.",
    ),
    f(
        "categories",
        Type::String,
        "The categories it takes, `;`-separated; empty: all.",
    ),
];

fn phases_table(p: &ParticipationState) -> Table {
    let rows = p
        .phases
        .iter()
        .enumerate()
        .map(|(n, phase)| {
            vec![
                Cell::text(phase.record.to_string()),
                Cell::text(phase.phase.name()),
                Cell::text(phase_fr(phase.phase)),
                Cell::text(phase_en(phase.phase)),
                Cell::Time(phase.opens_at),
                Cell::time(phase.closes_at),
                Cell::time(phase_end(p, n, phase)),
                Cell::text(contributors_name(phase.contributors)),
                Cell::text(join(phase.channels.iter().map(|c| c.name()))),
                Cell::text(join(&phase.categories)),
            ]
        })
        .collect();
    Table {
        name: "phases",
        title: "Phases",
        description: "The phases, in the order they opened.",
        fields: PHASES,
        primary_key: &["id"],
        foreign_keys: &[],
        rows,
    }
}

const COMMITMENTS: &[Field] = &[
    f(
        "id",
        Type::String,
        "The commitment's id in the contrat participatif.",
    ),
    f("text", Type::String, "What is promised."),
    f(
        "check",
        Type::String,
        "How it is seen kept: answers (every contribution answered by the deadline), synthesis (published by the deadline) or manual.",
    ),
    f(
        "status",
        Type::String,
        "kept, pending or broken, at the time in process.as_of.",
    ),
    f(
        "settled_by",
        Type::String,
        "For a manual check: the participation.commitment record that settled it.",
    ),
    f(
        "evidence",
        Type::String,
        "For a manual check: what shows it.",
    ),
    f("settled_at", Type::Datetime, "When it was settled."),
];

fn commitments_table(state: &State, p: &ParticipationState, as_of: u64) -> Table {
    let lookup = |id: &RecordId| state.contributions.get(id).cloned();
    let rows = p
        .commitments
        .iter()
        .map(|c| {
            let settled = p.settled.get(&c.id);
            let check = match c.check {
                crate::record::CommitmentCheck::Answers => "answers",
                crate::record::CommitmentCheck::Synthesis => "synthesis",
                crate::record::CommitmentCheck::Manual => "manual",
            };
            vec![
                Cell::text(c.id.clone()),
                Cell::text(c.text.clone()),
                Cell::text(check),
                Cell::text(p.commitment_status(c, &lookup, as_of).name()),
                Cell::opt(settled.map(|s| s.record.to_string())),
                Cell::opt(settled.map(|s| s.evidence.clone())),
                Cell::time(settled.map(|s| s.at)),
            ]
        })
        .collect();
    Table {
        name: "commitments",
        title: "Commitments / Engagements",
        description: "The commitments of the contrat participatif in force, and where they stand.",
        fields: COMMITMENTS,
        primary_key: &["id"],
        foreign_keys: &[],
        rows,
    }
}

const CONTRIBUTIONS: &[Field] = &[
    f(
        "id",
        Type::String,
        "The contribution: its contribution.submit record (SHA-256, hex).",
    ),
    f(
        "submitted_at",
        Type::Datetime,
        "When it was submitted (UTC).",
    ),
    f("phase", Type::String, "The phase it was submitted in."),
    f("category", Type::String, "Its category (id)."),
    f(
        "author_type",
        Type::String,
        "Who the author is: citizen, association, expert, elected, agent or other.",
    ),
    f(
        "author_pseudonym",
        Type::String,
        "A stable pseudonym of its author in this participation (p- and 10 hex digits).",
    ),
    f(
        "author_name",
        Type::String,
        "The author's name, only if they consented to it being published (kept outside the signed records).",
    ),
    f(
        "channel",
        Type::String,
        "How it came in: device, meeting, paper or mail.",
    ),
    f(
        "transcribed",
        Type::Boolean,
        "Transcribed by the organiser's team from a meeting, paper or mail.",
    ),
    f(
        "on_behalf_of",
        Type::String,
        "For a transcription: whom it speaks for, by a reference (not a name).",
    ),
    f("title", Type::String, "Its title now (empty when hidden)."),
    f("body", Type::String, "Its text now (empty when hidden)."),
    f(
        "anchor_section",
        Type::String,
        "The section of the text it bears on.",
    ),
    f("anchor_article", Type::String, "The article it bears on."),
    f(
        "latitude",
        Type::Number,
        "Where on a map: latitude, WGS 84 (empty when hidden).",
    ),
    f(
        "longitude",
        Type::Number,
        "Where on a map: longitude, WGS 84 (empty when hidden).",
    ),
    f(
        "supports",
        Type::Integer,
        "Supports (one per device counts).",
    ),
    f(
        "status",
        Type::String,
        "submitted, withdrawn, hidden or answered.",
    ),
    f(
        "visibility",
        Type::String,
        "visible, hidden (by a moderator) or hidden-pending-review (by reports).",
    ),
    f(
        "amended",
        Type::Integer,
        "How many times its author rewrote it.",
    ),
    f("withdrawn_at", Type::Datetime, "When it was withdrawn."),
    f(
        "hidden",
        Type::Boolean,
        "Hidden (its text is not published).",
    ),
    f(
        "hidden_reason",
        Type::String,
        "Why it is hidden: the moderator's reason, or that reports hid it pending review.",
    ),
    f(
        "linked_to",
        Type::String,
        "Links to other contributions, `relation:id`, `;`-separated (duplicate-of, merged-into, split-from).",
    ),
    f(
        "answer_state",
        Type::String,
        "The answer in force: retained, partially-retained, not-retained, out-of-scope, already-covered or deferred.",
    ),
    f(
        "answered_at",
        Type::Datetime,
        "When it was first answered (UTC).",
    ),
    f(
        "answer_argument",
        Type::String,
        "The argument of the answer in force.",
    ),
    f(
        "answer_late",
        Type::Boolean,
        "Its first answer came after the answer deadline.",
    ),
    f(
        "landed_in",
        Type::String,
        "The sections of the final text the answer in force says it landed in, `;`-separated.",
    ),
    f(
        "answer_revisions",
        Type::Integer,
        "How many times its answer was revised.",
    ),
    f(
        "answer_revised_at",
        Type::Datetime,
        "When the answer in force was published, if it revises another.",
    ),
];

fn contributions_table(
    state: &State,
    p: &ParticipationState,
    names: &BTreeMap<String, String>,
) -> Table {
    let threshold = p.report_threshold;
    let rows = contributions(state, p)
        .map(|c| {
            let visibility = c.visibility(threshold);
            let hidden = visibility != Visibility::Visible;
            let shown = |text: &str| {
                if hidden { Cell::Null } else { Cell::text(text) }
            };
            let answer = c.answer();
            let first = c.answers.first();
            let location = c.location.filter(|_| !hidden);
            let hidden_reason = match visibility {
                Visibility::Visible => Cell::Null,
                Visibility::Hidden => Cell::opt(c.moderation.last().map(|m| m.reason.clone())),
                Visibility::HiddenPendingReview => Cell::text(format!(
                    "hidden by {} reports, pending a moderator's review",
                    c.reporters()
                )),
            };
            vec![
                Cell::text(c.id.to_string()),
                Cell::Time(c.submitted_at),
                Cell::opt(p.phase_at(c.submitted_at).map(|ph| ph.phase.name())),
                Cell::text(c.category.clone()),
                Cell::text(c.author_type.name()),
                Cell::text(c.pseudonym.clone()),
                if hidden {
                    Cell::Null
                } else {
                    Cell::opt(names.get(&c.pseudonym).cloned())
                },
                Cell::text(c.channel.name()),
                Cell::Bool(c.channel != crate::record::Channel::Device),
                Cell::opt(c.on_behalf_of.clone()),
                shown(&c.title),
                shown(&c.body),
                Cell::opt(c.anchor.as_ref().map(|a| a.section.clone())),
                Cell::opt(c.anchor.as_ref().and_then(|a| a.article.clone())),
                location.map_or(Cell::Null, |l| Cell::Degrees(l.lat_e6)),
                location.map_or(Cell::Null, |l| Cell::Degrees(l.lon_e6)),
                Cell::count(c.supporters()),
                Cell::text(status_name(c.status(threshold))),
                Cell::text(visibility_name(visibility)),
                Cell::count(c.wordings.len().saturating_sub(1)),
                Cell::time(c.withdrawn.as_ref().map(|w| w.at)),
                Cell::Bool(hidden),
                hidden_reason,
                Cell::text(join(
                    c.links
                        .iter()
                        .map(|l| format!("{}:{}", l.relation.name(), l.target)),
                )),
                Cell::opt(answer.map(|a| a.state.name())),
                Cell::time(first.map(|a| a.at)),
                Cell::opt(answer.map(|a| a.argument.clone())),
                first.map_or(Cell::Null, |a| Cell::Bool(a.late)),
                Cell::text(join(
                    answer
                        .into_iter()
                        .flat_map(|a| a.landed_in.iter().map(|l| l.section.clone())),
                )),
                Cell::count(c.answers.len().saturating_sub(1)),
                Cell::time(answer.filter(|a| a.revises.is_some()).map(|a| a.at)),
            ]
        })
        .collect();
    Table {
        name: "contributions",
        title: "Contributions",
        description: "Every contribution, in the order they came. A hidden contribution keeps its row, never its words.",
        fields: CONTRIBUTIONS,
        primary_key: &["id"],
        foreign_keys: &[],
        rows,
    }
}

const ANSWERS: &[Field] = &[
    f("id", Type::String, "The answer: its answer.publish record."),
    f(
        "contribution_id",
        Type::String,
        "The contribution it answers.",
    ),
    f(
        "state",
        Type::String,
        "retained, partially-retained, not-retained, out-of-scope, already-covered or deferred.",
    ),
    f("argument", Type::String, "Why."),
    f(
        "answered_at",
        Type::Datetime,
        "When it was published (UTC).",
    ),
    f(
        "answered_by",
        Type::String,
        "The role that answered: answerer (named in the participation) or organiser (a facilitator).",
    ),
    f("revises", Type::String, "The answer it revises, if any."),
    f(
        "in_force",
        Type::Boolean,
        "The answer in force (the others were revised).",
    ),
    f(
        "late",
        Type::Boolean,
        "Published after the answer deadline.",
    ),
    f(
        "landed_in",
        Type::String,
        "The sections of the final text it landed in, `;`-separated.",
    ),
    f(
        "landed_in_changes",
        Type::String,
        "The changes of the text that carry it: `section:hash hash…`, `;`-separated.",
    ),
];

fn answers_table(state: &State, p: &ParticipationState) -> Table {
    let mut rows = Vec::new();
    for c in contributions(state, p) {
        for (n, a) in c.answers.iter().enumerate() {
            let role = if p.answerers.contains(&a.by) {
                "answerer"
            } else {
                "organiser"
            };
            rows.push(vec![
                Cell::text(a.record.to_string()),
                Cell::text(c.id.to_string()),
                Cell::text(a.state.name()),
                Cell::text(a.argument.clone()),
                Cell::Time(a.at),
                Cell::text(role),
                Cell::opt(a.revises.map(|r| r.to_string())),
                Cell::Bool(n + 1 == c.answers.len()),
                Cell::Bool(a.late),
                Cell::text(join(a.landed_in.iter().map(|l| l.section.clone()))),
                Cell::text(join(
                    a.landed_in
                        .iter()
                        .map(|l| format!("{}:{}", l.section, heads_hex(&l.changes))),
                )),
            ]);
        }
    }
    Table {
        name: "answers",
        title: "Answers / Avis argumentés",
        description: "Every answer, revised ones included, contribution by contribution, oldest first.",
        fields: ANSWERS,
        primary_key: &["id"],
        foreign_keys: &[("contribution_id", "contributions", "id")],
        rows,
    }
}

const MODERATION: &[Field] = &[
    f(
        "record",
        Type::String,
        "The record of the act (for hidden-by-reports: the report that reached the threshold).",
    ),
    f("contribution", Type::String, "The contribution."),
    f(
        "action",
        Type::String,
        "report, hidden-by-reports, hide or restore.",
    ),
    f(
        "by_role",
        Type::String,
        "participant (a report), moderator (hide, restore) or threshold (hidden by reports).",
    ),
    f(
        "reason",
        Type::String,
        "Why: the report's reason (spam, offensive, off-topic, personal-data, other) or the moderator's.",
    ),
    f(
        "clause",
        Type::String,
        "The clause of the contract a moderator applied.",
    ),
    f("at", Type::Datetime, "When (UTC)."),
];

fn moderation_table(state: &State, p: &ParticipationState) -> Table {
    let mut rows = Vec::new();
    for c in contributions(state, p) {
        for event in c.timeline(p.report_threshold) {
            let (action, role, reason, clause) = match event.event {
                Event::Reported => {
                    let reason = c
                        .reports
                        .iter()
                        .find(|r| r.record == event.record)
                        .map(|r| r.reason.name().to_owned());
                    ("report", "participant", reason, None)
                }
                Event::HiddenByReports => ("hidden-by-reports", "threshold", None, None),
                Event::Hidden | Event::Restored => {
                    let act = c.moderation.iter().find(|m| m.record == event.record);
                    (
                        if event.event == Event::Hidden {
                            "hide"
                        } else {
                            "restore"
                        },
                        "moderator",
                        act.map(|m| m.reason.clone()),
                        act.map(|m| m.clause.clone()),
                    )
                }
                _ => continue,
            };
            rows.push(vec![
                Cell::text(event.record.to_string()),
                Cell::text(c.id.to_string()),
                Cell::text(action),
                Cell::text(role),
                Cell::opt(reason),
                Cell::opt(clause),
                Cell::Time(event.at),
            ]);
        }
    }
    Table {
        name: "moderation",
        title: "Moderation / Modération",
        description: "Reports and moderators' acts, contribution by contribution, oldest first; no content.",
        fields: MODERATION,
        primary_key: &["record", "action"],
        foreign_keys: &[("contribution", "contributions", "id")],
        rows,
    }
}

const SECTIONS: &[Field] = &[
    f("section_id", Type::String, "The section's stable id."),
    f(
        "position",
        Type::Integer,
        "Its place in the final text (1: first).",
    ),
    f("heading", Type::String, "Its heading."),
    f(
        "words_final",
        Type::Integer,
        "Words in it, in the final text.",
    ),
    f(
        "words_added",
        Type::Integer,
        "Words added since the text submitted to consultation (from the synthesis).",
    ),
    f(
        "words_citizen",
        Type::Integer,
        "Of those, credited to inhabitants, users and citizens (from the synthesis).",
    ),
    f(
        "words_association",
        Type::Integer,
        "Of those, credited to associations.",
    ),
    f(
        "words_expert",
        Type::Integer,
        "Of those, credited to experts.",
    ),
    f(
        "words_elected",
        Type::Integer,
        "Of those, credited to elected members.",
    ),
    f(
        "words_agent",
        Type::Integer,
        "Of those, credited to agents of the organiser.",
    ),
    f(
        "words_other",
        Type::Integer,
        "Of those, credited to others.",
    ),
    f(
        "contributions_anchored",
        Type::Integer,
        "Contributions that bear on it.",
    ),
    f(
        "contributions_landed",
        Type::Integer,
        "Contributions whose answer in force says they landed in it.",
    ),
    f(
        "contributions",
        Type::String,
        "The contributions the synthesis credits to it, `;`-separated.",
    ),
    f(
        "retained",
        Type::Integer,
        "Of them, retained in whole or part (from the synthesis).",
    ),
    f(
        "answered",
        Type::Integer,
        "Of them, answered (from the synthesis).",
    ),
];

/// A count in the synthesis: a number, or the length of a list.
fn count_of(value: Option<&Value>) -> Cell {
    match value {
        Some(Value::Number(n)) => n.as_i64().map_or(Cell::Null, Cell::Int),
        Some(Value::Array(items)) => Cell::count(items.len()),
        _ => Cell::Null,
    }
}

fn sections_table(
    state: &State,
    p: &ParticipationState,
    sections: &[SectionInfo],
    synthesis: Option<&Value>,
) -> Table {
    let reported: Vec<&Value> = synthesis
        .and_then(|s| s.get("sections"))
        .and_then(Value::as_array)
        .map(|list| list.iter().collect())
        .unwrap_or_default();
    let rows = sections
        .iter()
        .enumerate()
        .map(|(n, section)| {
            let figures = reported
                .iter()
                .find(|s| s.get("section").and_then(Value::as_str) == Some(section.id.as_str()));
            let figure = |key: &str| count_of(figures.and_then(|s| s.get(key)));
            let by_type = |t: AuthorType| {
                count_of(
                    figures
                        .and_then(|s| s.get("added_by"))
                        .and_then(|b| b.get(t.name()))
                        .and_then(|w| w.get("words")),
                )
            };
            let anchored = contributions(state, p)
                .filter(|c| c.anchor.as_ref().is_some_and(|a| a.section == section.id))
                .count();
            let landed = contributions(state, p)
                .filter(|c| {
                    c.answer()
                        .is_some_and(|a| a.landed_in.iter().any(|l| l.section == section.id))
                })
                .count();
            let credited = figures
                .and_then(|s| s.get("contributions"))
                .and_then(Value::as_array)
                .map(|ids| join(ids.iter().filter_map(Value::as_str)))
                .unwrap_or_default();
            vec![
                Cell::text(section.id.clone()),
                Cell::count(n + 1),
                Cell::text(section.heading.clone()),
                Cell::Int(i64::try_from(section.words).unwrap_or(i64::MAX)),
                figure("added_words"),
                by_type(AuthorType::Citizen),
                by_type(AuthorType::Association),
                by_type(AuthorType::Expert),
                by_type(AuthorType::Elected),
                by_type(AuthorType::Agent),
                by_type(AuthorType::Other),
                Cell::count(anchored),
                Cell::count(landed),
                Cell::text(credited),
                figure("retained"),
                figure("answered"),
            ]
        })
        .collect();
    Table {
        name: "sections",
        title: "Sections",
        description: "The sections of the final text, with the synthesis's figures for each.",
        fields: SECTIONS,
        primary_key: &["section_id"],
        foreign_keys: &[],
        rows,
    }
}

const SYNTHESIS: &[Field] = &[
    f(
        "metric",
        Type::String,
        "A figure of the synthesis report, by its dotted path in synthesis.json (`shares_permille.contributions_citizen`, `sections.0.final_words`).",
    ),
    f(
        "value",
        Type::String,
        "Its value as written in synthesis.json.",
    ),
];

/// A JSON value flattened into (dotted path, value) pairs, in the order
/// of the document (objects by key).
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        let key = |k: &str| {
            if prefix.is_empty() {
                k.to_owned()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(&key(k), v, out);
                }
            }
            Value::Array(items) => {
                for (n, v) in items.iter().enumerate() {
                    walk(&key(&n.to_string()), v, out);
                }
            }
            Value::Null => out.push((prefix.to_owned(), String::new())),
            Value::String(s) => out.push((prefix.to_owned(), s.clone())),
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    if !value.is_null() {
        walk("", value, &mut out);
    }
    out
}

fn synthesis_table(synthesis: Option<&Value>) -> Table {
    let rows = synthesis
        .map(flatten)
        .unwrap_or_default()
        .into_iter()
        .map(|(metric, value)| vec![Cell::Text(metric), Cell::Text(value)])
        .collect();
    Table {
        name: "synthesis",
        title: "Synthesis / Synthèse",
        description: "The synthesis report's figures, one per row; synthesis.json is the report itself (null: none computed).",
        fields: SYNTHESIS,
        primary_key: &["metric"],
        foreign_keys: &[],
        rows,
    }
}

// ---------------------------------------------------------------------
// The other files

fn slug(p: &ParticipationState) -> String {
    format!("nous-participation-{}", p.id.short())
}

fn datapackage(state: &State, p: &ParticipationState, tables: &[Table], as_of: u64) -> Vec<u8> {
    let mut resources: Vec<Value> = Vec::new();
    for table in tables {
        resources.push(json!({
            "name": table.name,
            "path": format!("{}.csv", table.name),
            "profile": "tabular-data-resource",
            "title": table.title,
            "description": table.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {
                "delimiter": ",",
                "lineTerminator": "\r\n",
                "quoteChar": "\"",
                "doubleQuote": true,
                "header": true,
            },
            "schema": table.schema(),
        }));
    }
    for table in tables {
        resources.push(json!({
            "name": format!("{}-json", table.name),
            "path": format!("{}.json", table.name),
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "description": if table.name == "synthesis" {
                "The synthesis report as computed (null: none).".to_owned()
            } else {
                format!("The rows of {}.csv as a JSON array of objects, typed.", table.name)
            },
        }));
    }
    for (name, path, format, mediatype, description) in [
        (
            "phases-ics",
            "phases.ics",
            "ics",
            "text/calendar",
            "The phases as an iCalendar file (RFC 5545), one event per phase.",
        ),
        (
            "contributions-geojson",
            "contributions.geojson",
            "geojson",
            "application/geo+json",
            "The visible contributions that have a location (RFC 7946), [longitude, latitude].",
        ),
        (
            "bundle",
            "bundle.nous",
            "nous",
            "application/octet-stream",
            "The community's signed records and documents: `nous verify bundle.nous` checks every signature and recomputes the figures.",
        ),
        (
            "readme",
            "README.md",
            "md",
            "text/markdown",
            "What each file is, in French and English.",
        ),
    ] {
        resources.push(json!({
            "name": name,
            "path": path,
            "format": format,
            "mediatype": mediatype,
            "description": description,
        }));
    }
    let package = json!({
        "profile": "data-package",
        "name": slug(p),
        "id": p.id.to_string(),
        "title": p.title,
        "description": format!(
            "Open data of the public participation « {} » organised by {}: process, phases, commitments, contributions, answers, moderation, sections and synthesis. Contributors appear under stable pseudonyms; names only with consent.",
            p.title, state.name
        ),
        "created": iso(as_of),
        "version": "1",
        "licenses": [{ "name": LICENCE, "path": LICENCE_URL, "title": LICENCE_TITLE }],
        "sources": [{ "title": "Nous signed records (bundle.nous)", "path": "bundle.nous" }],
        "resources": resources,
    });
    pretty(&package)
}

/// iCalendar text: `\`, `;`, `,` and line breaks escaped.
fn ics_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (RFC 5545 §3.1), never inside a
/// character, ending in CRLF.
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += len;
    }
    out.push_str("\r\n");
}

fn ics_time(ms: u64) -> String {
    iso(ms).replace(['-', ':'], "")
}

fn calendar(state: &State, p: &ParticipationState, as_of: u64) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Nous//Participation open data//FR".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("X-WR-CALNAME:{}", ics_text(&p.title)),
    ];
    for (n, phase) in p.phases.iter().enumerate() {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}@nous", phase.record));
        lines.push(format!("DTSTAMP:{}", ics_time(as_of)));
        lines.push(format!("DTSTART:{}", ics_time(phase.opens_at)));
        if let Some(end) = phase_end(p, n, phase) {
            lines.push(format!("DTEND:{}", ics_time(end)));
        }
        lines.push(format!(
            "SUMMARY:{}",
            ics_text(&format!(
                "{} — {} / {}",
                p.title,
                phase_fr(phase.phase),
                phase_en(phase.phase)
            ))
        ));
        let channels: Vec<&str> = phase.channels.iter().map(|c| c.name()).collect();
        lines.push(format!(
            "DESCRIPTION:{}",
            ics_text(&format!(
                "{} ({}). Contributors: {}. Channels: {}.",
                state.name,
                phase.phase.name(),
                contributors_name(phase.contributors),
                if channels.is_empty() {
                    "none".to_owned()
                } else {
                    channels.join(", ")
                }
            ))
        ));
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

fn geojson(state: &State, p: &ParticipationState) -> Vec<u8> {
    let features: Vec<Value> = contributions(state, p)
        .filter(|c| !c.hidden(p.report_threshold))
        .filter_map(|c| {
            let location = c.location?;
            Some(json!({
                "type": "Feature",
                "id": c.id.to_string(),
                "geometry": {
                    "type": "Point",
                    "coordinates": [degrees(location.lon_e6), degrees(location.lat_e6)],
                },
                "properties": {
                    "title": c.title,
                    "category": c.category,
                    "author_type": c.author_type.name(),
                    "status": status_name(c.status(p.report_threshold)),
                    "answer_state": c.answer().map(|a| a.state.name()),
                    "supports": c.supporters(),
                    "submitted_at": iso(c.submitted_at),
                },
            }))
        })
        .collect();
    pretty(&json!({ "type": "FeatureCollection", "features": features }))
}

fn readme(state: &State, p: &ParticipationState) -> String {
    format!(
        "# {title}\n\n\
Participation {id}, organised by {organiser} (community {community}).\n\n\
## Français\n\n\
Ces données ouvertes sont l'export de la participation publique « {title} ». \
Chaque fichier CSV (virgule, RFC 4180, UTF-8 avec BOM pour que les tableurs lisent bien les accents, \
une ligne d'en-tête) a un jumeau JSON aux mêmes lignes ; `datapackage.json` (Frictionless Data Package) \
décrit chaque colonne et son type. Une cellule vide est une valeur absente (`null` en JSON) ; une liste \
dans une cellule est séparée par `;` ; les dates sont en ISO 8601, UTC, à la seconde.\n\n\
| Fichier | Contenu |\n|---|---|\n\
| `process.csv` | la participation : titre, texte soumis, contrat, échéance des réponses, licence |\n\
| `phases.csv`, `phases.ics` | les phases (contrat, stratégie, instruction, avis), aussi en agenda iCalendar |\n\
| `commitments.csv` | les engagements du contrat participatif : tenu, en attente ou rompu |\n\
| `contributions.csv` | chaque contribution, son parcours et sa réponse |\n\
| `answers.csv` | chaque avis argumenté, révisions comprises |\n\
| `moderation.csv` | signalements, masquages et rétablissements, sans contenu |\n\
| `sections.csv` | les sections du texte final et leurs chiffres |\n\
| `synthesis.csv`, `synthesis.json` | la synthèse (une ligne par chiffre ; le JSON est le rapport lui-même) |\n\
| `contributions.geojson` | les contributions visibles localisées |\n\
| `bundle.nous` | les actes signés et les documents de la communauté |\n\n\
**Vérifier.** `nous verify bundle.nous` vérifie chaque signature et recalcule la synthèse à partir \
des seuls actes signés ; les fichiers de cet export se recalculent à partir du même paquet.\n\n\
**Données personnelles.** Les contributeurs apparaissent sous un pseudonyme stable (`p-` suivi de \
10 chiffres hexadécimaux). Un nom n'apparaît que si la personne y a consenti ; il est gardé hors des \
actes signés et peut être effacé, mais un export déjà publié le garde. Une contribution masquée garde sa \
ligne, ses identifiants et la raison du masquage, jamais son texte ; le paquet `bundle.nous`, lui, \
contient le journal signé tel quel, contributions masquées comprises.\n\n\
**Licence.** Le champ `licenses` de `datapackage.json` dit sous quelle licence ces données sont \
publiées ({licence_title}, `{licence}`) ; l'organisateur peut le changer avant publication.\n\n\
## English\n\n\
This open data is the export of the public participation “{title}”. Each CSV file (comma, RFC 4180, \
UTF-8 with a byte-order mark so that spreadsheets read accents right, a header row) has a JSON twin \
holding the same rows; `datapackage.json` (a Frictionless Data Package) describes every column and \
its type. An empty cell is a missing value (`null` in JSON); a list in a cell is separated by `;`; \
times are ISO 8601, UTC, to the second.\n\n\
| File | What it holds |\n|---|---|\n\
| `process.csv` | the participation: title, text submitted, contract, answer deadline, licence |\n\
| `phases.csv`, `phases.ics` | the phases (contract, strategy, instruction, answer), also as an iCalendar file |\n\
| `commitments.csv` | the commitments of the contrat participatif: kept, pending or broken |\n\
| `contributions.csv` | every contribution, its path and its answer |\n\
| `answers.csv` | every argued answer, revisions included |\n\
| `moderation.csv` | reports, hidings and restorings, without content |\n\
| `sections.csv` | the sections of the final text and their figures |\n\
| `synthesis.csv`, `synthesis.json` | the synthesis (one row per figure; the JSON is the report itself) |\n\
| `contributions.geojson` | the visible contributions that have a location |\n\
| `bundle.nous` | the community's signed records and documents |\n\n\
**Verify.** `nous verify bundle.nous` checks every signature and recomputes the synthesis from the \
signed records alone; the files of this export are recomputed from the same bundle.\n\n\
**Personal data.** Contributors appear under a stable pseudonym (`p-` and 10 hex digits). A name \
appears only where its bearer consented; it is kept outside the signed records and can be erased, \
but an export already published keeps it. A hidden contribution keeps its row, its ids and why it \
was hidden, never its text; `bundle.nous` holds the signed log as it is, hidden contributions \
included.\n\n\
**Licence.** The `licenses` field of `datapackage.json` says under which licence this data is \
published ({licence_title}, `{licence}`); the organiser may change it before publishing.\n",
        title = p.title,
        id = p.id,
        organiser = state.name,
        community = state.community,
        licence = LICENCE,
        licence_title = LICENCE_TITLE,
    )
}

/// The files in one ZIP archive: deflated, dated 1980-01-01 (the ZIP
/// epoch), mode 0644, in the order given.
fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ExportError> {
    let fail = |e: &dyn std::fmt::Display| ExportError::Archive(e.to_string());
    let mut writer = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated)
        .last_modified_time(::zip::DateTime::DEFAULT)
        .unix_permissions(0o644);
    for (name, bytes) in files {
        writer
            .start_file(name.as_str(), options)
            .map_err(|e| fail(&e))?;
        writer.write_all(bytes).map_err(|e| fail(&e))?;
    }
    let cursor = writer.finish().map_err(|e| fail(&e))?;
    Ok(cursor.into_inner())
}
