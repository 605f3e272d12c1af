//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Nous: charters that communities write together.
///
/// Charters are Automerge documents: members edit them concurrently, online
/// or offline, and every copy merges without loss. Documents are named by
/// their id, an unambiguous prefix of it, or their title.
#[derive(Debug, Parser)]
#[command(name = "nous", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The Nous home (device key and store). Default: $NOUS_HOME, else the
    /// platform's data directory (~/.local/share/nous on Linux).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Print machine-readable JSON on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a home: this device's key (mode 0600) and an empty store.
    Init,
    /// Show this device's public key (its id on every change it makes).
    Id,
    /// Create, read and edit charters.
    #[command(subcommand)]
    Charter(CharterCommand),
    /// List the changes of a document: device, time, sections touched.
    History(HistoryArgs),
    /// Show what changed, section by section, between two points.
    Diff(DiffArgs),
    /// Write a charter out as Markdown or JSON.
    Export(ExportArgs),
    /// Carry documents between homes in one file.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Run a demonstration in a throw-away home: two members edit one
    /// charter concurrently, exchange bundles, and converge.
    Demo(DemoArgs),
}

#[derive(Debug, Subcommand)]
pub enum CharterCommand {
    /// Create a charter, empty or from a Markdown file.
    New(NewArgs),
    /// List the documents in this home.
    List,
    /// Print a charter (now, or at an earlier point).
    Show(ShowArgs),
    /// List a charter's sections with their ids.
    Sections(SectionsArgs),
    /// Replace the text of a section (or of the title or preamble).
    Edit(EditArgs),
    /// Add a section.
    AddSection(AddSectionArgs),
    /// Move a section.
    MoveSection(MoveSectionArgs),
    /// Remove a section (its text stays in the history).
    RemoveSection(SectionArgs),
    /// Add or remove a section's tags.
    Tag(TagArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The title. Optional with --from when the file starts with a `# Title`.
    pub title: Option<String>,
    /// Import this Markdown file: headings become sections, numbered
    /// paragraphs articles. `-` reads stdin.
    #[arg(long, value_name = "FILE.md")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Markdown.
    Md,
    /// JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The document.
    pub doc: String,
    /// Show it as it was at this point: one or more change hashes (or
    /// unambiguous prefixes, at least 4 characters), comma-separated.
    #[arg(long, value_name = "REF")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SectionsArgs {
    /// The document.
    pub doc: String,
    /// As it was at this point (change hashes or prefixes).
    #[arg(long, value_name = "REF")]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").args(["text", "file", "editor"]).required(true).multiple(false))]
pub struct EditArgs {
    /// The document.
    pub doc: String,
    /// The section: its id, number, id prefix or heading; or `@title`, `@preamble`.
    pub section: String,
    /// The new text.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the new text from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Edit the current text in $VISUAL or $EDITOR.
    #[arg(long)]
    pub editor: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("place").multiple(false))]
pub struct Placement {
    /// Put it right after this section.
    #[arg(long, value_name = "SECTION", group = "place")]
    pub after: Option<String>,
    /// Put it right before this section.
    #[arg(long, value_name = "SECTION", group = "place")]
    pub before: Option<String>,
    /// Put it first.
    #[arg(long, group = "place")]
    pub start: bool,
    /// Put it last (the default).
    #[arg(long, group = "place")]
    pub end: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("body").args(["text", "file"]).multiple(false))]
pub struct AddSectionArgs {
    /// The document.
    pub doc: String,
    /// The heading.
    pub heading: String,
    #[command(flatten)]
    pub placement: Placement,
    /// Heading level, 1 to 6.
    #[arg(long, default_value_t = 2)]
    pub level: u8,
    /// The section's text.
    #[arg(long)]
    pub text: Option<String>,
    /// Read the section's text from a file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A tag (repeatable), e.g. membership.entry, membership.exit, tensions, amendment.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MoveSectionArgs {
    /// The document.
    pub doc: String,
    /// The section to move.
    pub section: String,
    #[command(flatten)]
    pub placement: Placement,
}

#[derive(Debug, Args)]
pub struct SectionArgs {
    /// The document.
    pub doc: String,
    /// The section.
    pub section: String,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// The document.
    pub doc: String,
    /// The section.
    pub section: String,
    /// Tags to add (repeatable).
    #[arg(long, value_name = "TAG")]
    pub add: Vec<String>,
    /// Tags to remove (repeatable).
    #[arg(long, value_name = "TAG")]
    pub remove: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The document.
    pub doc: String,
    /// Only changes that touched this section.
    #[arg(long)]
    pub section: Option<String>,
    /// Only the last N changes.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The document.
    pub doc: String,
    /// From this point (change hashes or prefixes, comma-separated).
    pub from: String,
    /// To this point (default: now).
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The document.
    pub doc: String,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Markdown without the `<!-- nous:section … -->` lines that carry
    /// section ids and tags.
    #[arg(long)]
    pub plain: bool,
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Write documents into a bundle file.
    Export(BundleExportArgs),
    /// Merge a bundle file into this home (importing twice changes nothing).
    Import(BundleImportArgs),
}

#[derive(Debug, Args)]
pub struct BundleExportArgs {
    /// The documents (default: all).
    pub docs: Vec<String>,
    /// The bundle file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct BundleImportArgs {
    /// The bundle file.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the two demo homes in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}
