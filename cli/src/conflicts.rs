//! `nous conflicts`: concurrent rewrites of the same words, shown and
//! resolved; and the lines other commands print when a merge creates one.

use std::collections::{BTreeSet, HashMap};

use anyhow::bail;
use serde_json::json;

use nous_core::charter::TextPart;
use nous_core::conflicts::Conflict;
use nous_core::identity::PublicKey;
use nous_core::{ChangeHash, DocId, Engine};

use crate::args::{ConflictsArgs, ConflictsCommand, ResolveArgs, SideArg};
use crate::commands::{Context, edit_in_editor, open, save_and_close};
use crate::output;

pub fn run(cx: &Context, args: ConflictsArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ConflictsCommand::Resolve(resolve_args)) => resolve(cx, resolve_args),
        None => list(cx, args.doc.as_deref(), args.all),
    }
}

/// The charters to look in: the one named, or every charter of the home.
fn documents(engine: &Engine, doc: Option<&str>) -> anyhow::Result<Vec<(DocId, String)>> {
    let listed = engine.list()?;
    match doc {
        Some(name) => {
            let id = engine.resolve(name)?;
            let title = listed
                .iter()
                .find(|d| d.id == id)
                .map(|d| d.meta.title.clone())
                .unwrap_or_default();
            Ok(vec![(id, title)])
        }
        None => Ok(listed
            .into_iter()
            .filter(|d| d.meta.kind == "charter")
            .map(|d| (d.id, d.meta.title))
            .collect()),
    }
}

/// Members' names by device, over every community of the home.
pub fn names(engine: &Engine) -> anyhow::Result<HashMap<PublicKey, String>> {
    let mut names = HashMap::new();
    for community in engine.resolved_communities()?.0 {
        for (device, _) in community.state.devices.iter() {
            if let Some(member) = community.state.member_of(device) {
                names.entry(*device).or_insert_with(|| member.name.clone());
            }
        }
    }
    Ok(names)
}

fn who(names: &HashMap<PublicKey, String>, conflict: &Conflict, side: usize) -> String {
    let authors: BTreeSet<String> = conflict.sides[side]
        .changes
        .iter()
        .map(|c| match &c.device {
            Some(device) => names
                .get(device)
                .cloned()
                .unwrap_or_else(|| format!("device {}", device.short())),
            None => "another peer".to_owned(),
        })
        .collect();
    authors.into_iter().collect::<Vec<_>>().join(", ")
}

/// Where a conflict is, for people.
pub fn place(conflict: &Conflict, headings: &HashMap<String, String>) -> String {
    let heading = |section: &nous_core::charter::SectionId| {
        headings
            .get(section.as_str())
            .cloned()
            .unwrap_or_else(|| section.to_string())
    };
    match &conflict.part {
        TextPart::Title => "the title".to_owned(),
        TextPart::Preamble => "the preamble".to_owned(),
        TextPart::Heading { section } => format!("the heading of § {}", heading(section)),
        TextPart::SectionText { section } => format!("§ {}", heading(section)),
        TextPart::Article { section, number } => {
            format!("article {number} of § {}", heading(section))
        }
    }
}

fn headings(engine: &mut Engine, doc: &DocId) -> HashMap<String, String> {
    engine
        .charter(doc, None)
        .map(|c| {
            c.sections
                .into_iter()
                .map(|s| (s.id.to_string(), s.heading))
                .collect()
        })
        .unwrap_or_default()
}

/// A conflict as JSON: the core's fields, with the document and names.
fn conflict_json(
    doc: &DocId,
    conflict: &Conflict,
    names: &HashMap<PublicKey, String>,
) -> anyhow::Result<serde_json::Value> {
    let mut value = serde_json::to_value(conflict)?;
    value["doc"] = json!(doc.to_string());
    for (side, entry) in ["a", "b"].iter().zip(0..2) {
        value["sides"][entry]["side"] = json!(side);
        value["sides"][entry]["authors"] = json!(who(names, conflict, entry));
    }
    Ok(value)
}

/// A conflict for people, several lines.
pub fn conflict_lines(
    conflict: &Conflict,
    names: &HashMap<PublicKey, String>,
    headings: &HashMap<String, String>,
) -> Vec<String> {
    let quote = |s: &str| format!("“{s}”");
    let mut lines = vec![format!(
        "conflict {} in {} ({})",
        conflict.id,
        place(conflict, headings),
        if conflict.open { "open" } else { "resolved" }
    )];
    lines.push(format!("  before:  {}", quote(&conflict.ancestor)));
    for (side, entry) in ["a", "b"].iter().zip(0..2) {
        let when = conflict.sides[entry]
            .changes
            .last()
            .map(|c| output::time(c.time_ms))
            .unwrap_or_default();
        lines.push(format!(
            "  {side}: {} ({when}) wrote {}",
            who(names, conflict, entry),
            quote(&conflict.sides[entry].text)
        ));
    }
    lines.push(format!("  merged:  {}", quote(&conflict.merged)));
    if conflict.open {
        lines.push(format!(
            "  resolve: nous conflicts resolve {} --take a|b  (or --text …, --editor)",
            conflict.id
        ));
    }
    lines
}

fn list(cx: &Context, doc: Option<&str>, all: bool) -> anyhow::Result<()> {
    let mut engine = open(cx)?;
    let docs = documents(&engine, doc)?;
    let names = names(&engine)?;
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let mut open_count = 0;
    for (id, title) in &docs {
        let found = engine.conflicts(id)?;
        let headings = headings(&mut engine, id);
        for conflict in found.iter().filter(|c| all || c.open) {
            open_count += usize::from(conflict.open);
            out.push(conflict_json(id, conflict, &names)?);
            lines.push(format!("“{title}” ({})", &id.to_string()[..8]));
            lines.extend(conflict_lines(conflict, &names, &headings));
            lines.push(String::new());
        }
    }
    engine.close()?;
    if cx.json {
        return output::json(&json!({ "conflicts": out, "open": open_count }));
    }
    if out.is_empty() {
        return output::text(if all {
            "No conflicts."
        } else {
            "No open conflicts."
        });
    }
    lines.pop();
    output::text(&lines.join("\n"))
}

fn resolve(cx: &Context, args: ResolveArgs) -> anyhow::Result<()> {
    let mut engine = open(cx)?;
    let docs = documents(&engine, args.doc.as_deref())?;
    let wanted = args.id.trim().to_lowercase();
    if wanted.is_empty() {
        bail!("give the id of a conflict (see `nous conflicts`)");
    }
    let mut matches: Vec<(DocId, Conflict)> = Vec::new();
    for (id, _) in &docs {
        for conflict in engine.conflicts(id)? {
            if conflict.id.starts_with(&wanted) {
                matches.push((*id, conflict));
            }
        }
    }
    let (doc, conflict) = match matches.len() {
        0 => bail!("no conflict `{}` (see `nous conflicts --all`)", args.id),
        1 => matches.remove(0),
        _ => bail!(
            "`{}` matches several conflicts ({}); give more of the id",
            args.id,
            matches
                .iter()
                .map(|(_, c)| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if !conflict.open {
        bail!(
            "conflict {} is already resolved: its words were edited since the merge",
            conflict.id
        );
    }
    let text = match (&args.take, &args.text) {
        (Some(SideArg::A), _) => conflict.sides[0].text.clone(),
        (Some(SideArg::B), _) => conflict.sides[1].text.clone(),
        (None, Some(text)) => text.clone(),
        (None, None) => {
            // Close the home while the editor is open; check again after.
            engine.close()?;
            let edited = edit_in_editor(&conflict.merged)?;
            engine = open(cx)?;
            let still = engine
                .conflicts(&doc)?
                .into_iter()
                .any(|c| c.id == conflict.id && c.open);
            if !still {
                bail!(
                    "conflict {} was resolved while you were editing; nothing was changed",
                    conflict.id
                );
            }
            edited.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    let message = format!("resolve conflict {}", conflict.id);
    let edited = engine.edit(&doc, &message, |c| c.resolve_conflict(&conflict, &text))?;
    save_and_close(engine)?;
    let change = edited.change.as_ref().map(nous_core::ids::hash_hex);
    if cx.json {
        return output::json(&json!({
            "id": conflict.id, "doc": doc.to_string(), "text": text, "change": change,
        }));
    }
    output::text(&format!(
        "Resolved conflict {}: now reads “{text}”",
        conflict.id
    ))
}

/// The heads of these documents, before an import or a sync, for
/// [`merged_conflicts`].
pub fn heads_before(
    engine: &mut Engine,
    docs: impl IntoIterator<Item = DocId>,
) -> HashMap<DocId, Vec<ChangeHash>> {
    docs.into_iter()
        .filter_map(|id| engine.heads(&id).ok().map(|heads| (id, heads)))
        .collect()
}

/// The open conflicts a merge into `doc` just created (`before`: its heads
/// before, if it was here), as JSON, with one line each for people.
pub fn merged_conflicts(
    engine: &mut Engine,
    doc: &DocId,
    before: Option<&[ChangeHash]>,
) -> anyhow::Result<(Vec<serde_json::Value>, Vec<String>)> {
    let created = engine.new_conflicts(doc, before.unwrap_or(&[]))?;
    if created.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let names = names(engine)?;
    let headings = headings(engine, doc);
    let mut values = Vec::new();
    let mut lines = Vec::new();
    for conflict in &created {
        values.push(conflict_json(doc, conflict, &names)?);
        lines.push(format!(
            "  conflict {} in {}: {} wrote “{}”, {} wrote “{}”; see `nous conflicts {}`",
            conflict.id,
            place(conflict, &headings),
            who(&names, conflict, 0),
            conflict.sides[0].text,
            who(&names, conflict, 1),
            conflict.sides[1].text,
            &doc.to_string()[..8],
        ));
    }
    Ok((values, lines))
}

/// The open conflicts of a document, one short line each (for `charter
/// show`).
pub fn open_conflicts(
    engine: &mut Engine,
    doc: &DocId,
) -> anyhow::Result<(Vec<serde_json::Value>, Vec<String>)> {
    let open: Vec<Conflict> = engine
        .conflicts(doc)?
        .into_iter()
        .filter(|c| c.open)
        .collect();
    if open.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let names = names(engine)?;
    let headings = headings(engine, doc);
    let values = open
        .iter()
        .map(|c| conflict_json(doc, c, &names))
        .collect::<anyhow::Result<_>>()?;
    let lines = open
        .iter()
        .map(|c| {
            format!(
                "conflict {} in {}: “{}” ({}) / “{}” ({}); merged as “{}”",
                c.id,
                place(c, &headings),
                c.sides[0].text,
                who(&names, c, 0),
                c.sides[1].text,
                who(&names, c, 1),
                c.merged
            )
        })
        .collect();
    Ok((values, lines))
}
