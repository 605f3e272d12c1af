//! `nous conflicts`: concurrent rewrites of the same words, shown and
//! resolved (`nous_api::conflicts`); and the lines other commands print
//! when a merge creates one.

use nous_api::conflicts::{ConflictView, Resolution};
use nous_core::charter::TextPart;

use crate::args::{ConflictsArgs, ConflictsCommand, ResolveArgs, SideArg};
use crate::commands::{Context, edit_in_editor, open, save_and_close};
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
        TextPart::Title => "the title".to_owned(),
        TextPart::Preamble => "the preamble".to_owned(),
        TextPart::Heading { .. } => format!("the heading of § {heading}"),
        TextPart::SectionText { .. } => format!("§ {heading}"),
        TextPart::Article { number, .. } => format!("article {number} of § {heading}"),
    }
}

/// A conflict for people, several lines.
fn conflict_lines(conflict: &ConflictView) -> Vec<String> {
    let quote = |s: &str| format!("“{s}”");
    let mut lines = vec![format!(
        "conflict {} in {} ({})",
        conflict.id,
        place(conflict),
        if conflict.open { "open" } else { "resolved" }
    )];
    lines.push(format!("  before:  {}", quote(&conflict.ancestor)));
    for side in &conflict.sides {
        let when = side
            .changes
            .last()
            .map(|c| output::time(c.time_ms))
            .unwrap_or_default();
        lines.push(format!(
            "  {}: {} ({when}) wrote {}",
            side.side,
            side.authors,
            quote(&side.text)
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
    let mut home = open(cx)?;
    let found = home.documents().conflicts(doc, all)?;
    home.into_engine().close()?;
    if cx.json {
        return output::json(&found);
    }
    if found.conflicts.is_empty() {
        return output::text(if all {
            "No conflicts."
        } else {
            "No open conflicts."
        });
    }
    let mut lines = Vec::new();
    for conflict in &found.conflicts {
        lines.push(format!(
            "“{}” ({})",
            conflict.title,
            &conflict.doc.to_string()[..8]
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
                    anyhow::bail!(
                        "conflict {} was resolved while you were editing; nothing was changed",
                        conflict.id
                    );
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
    output::text(&format!(
        "Resolved conflict {}: now reads “{}”",
        resolved.id, resolved.text
    ))
}

/// One line for each conflict a merge created.
pub fn merged_lines(created: &[ConflictView]) -> Vec<String> {
    created
        .iter()
        .map(|conflict| {
            format!(
                "  conflict {} in {}: {} wrote “{}”, {} wrote “{}”; see `nous conflicts {}`",
                conflict.id,
                place(conflict),
                conflict.sides[0].authors,
                conflict.sides[0].text,
                conflict.sides[1].authors,
                conflict.sides[1].text,
                &conflict.doc.to_string()[..8],
            )
        })
        .collect()
}

/// One short line for each open conflict (for `charter show`).
pub fn open_lines(conflicts: &[ConflictView]) -> Vec<String> {
    conflicts
        .iter()
        .map(|c| {
            format!(
                "conflict {} in {}: “{}” ({}) / “{}” ({}); merged as “{}”",
                c.id,
                place(c),
                c.sides[0].text,
                c.sides[0].authors,
                c.sides[1].text,
                c.sides[1].authors,
                c.merged
            )
        })
        .collect()
}
