//! `nous conflicts`: concurrent rewrites of the same words, shown and
//! resolved (`nous_api::conflicts`); and the lines other commands print
//! when a merge creates one.

use nous_api::conflicts::{ConflictView, Resolution};
use nous_core::charter::TextPart;

use crate::args::{ConflictsArgs, ConflictsCommand, ResolveArgs, SideArg};
use crate::commands::{Context, edit_in_editor, open, save_and_close};
use crate::lang::tr;
use crate::output;

pub fn run(cx: &Context, args: ConflictsArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ConflictsCommand::Resolve(resolve_args)) => resolve(cx, resolve_args),
        None => list(cx, args.doc.as_deref(), args.all),
    }
}

/// Where a conflict is, for people.
fn place(conflict: &ConflictView) -> String {
    let heading = conflict.heading.as_deref().unwrap_or_default();
    match &conflict.part {
        TextPart::Title => tr!("commands-conflict-in-title"),
        TextPart::Preamble => tr!("commands-conflict-in-preamble"),
        TextPart::Heading { .. } => tr!("commands-conflict-in-heading", heading = heading),
        TextPart::SectionText { .. } => tr!("commands-conflict-in-section", heading = heading),
        TextPart::Article { number, .. } => tr!(
            "commands-conflict-in-article",
            number = number.to_string(),
            heading = heading
        ),
    }
}

/// A conflict for people, several lines.
fn conflict_lines(conflict: &ConflictView) -> Vec<String> {
    let mut lines = vec![tr!(
        "commands-conflict-heading",
        id = conflict.id.to_string(),
        place = place(conflict),
        state = if conflict.open { "open" } else { "resolved" }
    )];
    lines.push(format!(
        "  {}",
        tr!("commands-conflict-before", text = &conflict.ancestor)
    ));
    for side in &conflict.sides {
        let when = side
            .changes
            .last()
            .map(|c| output::time(c.time_ms))
            .unwrap_or_default();
        lines.push(format!(
            "  {}",
            tr!(
                "commands-conflict-side",
                side = side.side.to_string(),
                authors = side.authors.to_string(),
                when = when,
                text = &side.text
            )
        ));
    }
    lines.push(format!(
        "  {}",
        tr!("commands-conflict-merged", text = &conflict.merged)
    ));
    if conflict.open {
        lines.push(format!(
            "  {}",
            tr!(
                "commands-conflict-resolve-hint",
                id = conflict.id.to_string()
            )
        ));
    }
    lines
}

fn list(cx: &Context, doc: Option<&str>, all: bool) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let found = home.documents().conflicts(doc, all)?;
    home.into_engine().close()?;
    if cx.json {
        return output::json(&found);
    }
    if found.conflicts.is_empty() {
        return output::text(&if all {
            tr!("commands-no-conflicts")
        } else {
            tr!("commands-no-open-conflicts")
        });
    }
    let mut lines = Vec::new();
    for conflict in &found.conflicts {
        lines.push(tr!(
            "commands-conflict-document",
            title = &conflict.title,
            doc = &conflict.doc.to_string()[..8]
        ));
        lines.extend(conflict_lines(conflict));
        lines.push(String::new());
    }
    lines.pop();
    output::text(&lines.join("\n"))
}

fn resolve(cx: &Context, args: ResolveArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let resolution = match (&args.take, &args.text) {
        (Some(SideArg::A), _) => Resolution::A,
        (Some(SideArg::B), _) => Resolution::B,
        (None, Some(text)) => Resolution::Text(text.clone()),
        (None, None) => {
            let conflict = home.documents().conflict(args.doc.as_deref(), &args.id)?;
            if !conflict.open {
                // Refused with its reason below.
                Resolution::Text(conflict.merged)
            } else {
                // Close the home while the editor is open; check again after.
                home.into_engine().close()?;
                let edited = edit_in_editor(&conflict.merged)?;
                home = open(cx)?;
                let still = home.documents().conflict(args.doc.as_deref(), &args.id)?;
                if !still.open {
                    anyhow::bail!(tr!(
                        "commands-conflict-resolved-meanwhile",
                        id = conflict.id.to_string()
                    ));
                }
                Resolution::Text(edited.trim_end_matches(['\n', '\r']).to_owned())
            }
        }
    };
    let resolved = home
        .documents()
        .resolve_conflict(args.doc.as_deref(), &args.id, resolution)?;
    save_and_close(home)?;
    if cx.json {
        return output::json(&resolved);
    }
    output::text(&tr!(
        "commands-conflict-resolved",
        id = resolved.id.to_string(),
        text = &resolved.text
    ))
}

/// One line for each conflict a merge created.
pub fn merged_lines(created: &[ConflictView]) -> Vec<String> {
    created
        .iter()
        .map(|conflict| {
            format!(
                "  {}",
                tr!(
                    "commands-conflict-created",
                    id = conflict.id.to_string(),
                    place = place(conflict),
                    authors_a = conflict.sides[0].authors.to_string(),
                    text_a = &conflict.sides[0].text,
                    authors_b = conflict.sides[1].authors.to_string(),
                    text_b = &conflict.sides[1].text,
                    doc = &conflict.doc.to_string()[..8],
                )
            )
        })
        .collect()
}

/// One short line for each open conflict (for `charter show`).
pub fn open_lines(conflicts: &[ConflictView]) -> Vec<String> {
    conflicts
        .iter()
        .map(|c| {
            tr!(
                "commands-conflict-open",
                id = c.id.to_string(),
                place = place(c),
                text_a = &c.sides[0].text,
                authors_a = c.sides[0].authors.to_string(),
                text_b = &c.sides[1].text,
                authors_b = c.sides[1].authors.to_string(),
                merged = &c.merged
            )
        })
        .collect()
}
