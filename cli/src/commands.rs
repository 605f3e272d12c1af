//! One function per command: parse what the user typed, call the engine,
//! print the result.

use std::collections::HashMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use serde_json::json;

use nous_api::documents::{ExportFormat, NewSection, Part, Reading};
use nous_api::{self as api, Documents, Env, Home};
use nous_core::ImportOutcome;
use nous_core::charter::{CharterDraft, SectionId};
use nous_core::diff::{CharterDiff, SectionDiff, TextChange};
use nous_core::history::{HistoryEntry, Touched};
use nous_core::markdown::{self, RenderOptions};

use crate::args::{
    AddSectionArgs, AmendmentCommand, BundleCommand, CharterCommand, Cli, Command,
    CommunityCommand, DeviceCommand, DiffArgs, EditArgs, ExportArgs, Format, HistoryArgs,
    HistoryFormat, MemberCommand, MoveSectionArgs, NewArgs, ObjectionCommand, Placement,
    RulesCommand, SectionArgs, SectionsArgs, ShowArgs, TagArgs, TensionCommand,
};
use crate::governance as gov;
use crate::output::{self, clip, pad};

/// The largest text file `nous` reads (Markdown, section text).
const MAX_TEXT_FILE: u64 = 16 << 20;
/// The largest bundle file `nous` reads.
const MAX_BUNDLE_FILE: u64 = 1 << 30;

/// What a command needs from the command line besides its own arguments.
pub struct Context {
    pub home: PathBuf,
    pub json: bool,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let home = nous_api::default_home(cli.home, dirs::data_dir())
        .ok_or_else(|| anyhow!("no home directory: give --home DIR or set NOUS_HOME"))?;
    let cx = Context {
        home,
        json: cli.json,
    };
    match cli.command {
        Command::Init => init(&cx),
        Command::Id => id(&cx),
        Command::Charter(command) => match command {
            CharterCommand::New(args) => charter_new(&cx, args),
            CharterCommand::List => charter_list(&cx),
            CharterCommand::Show(args) => charter_show(&cx, args),
            CharterCommand::Sections(args) => charter_sections(&cx, args),
            CharterCommand::Edit(args) => charter_edit(&cx, args),
            CharterCommand::AddSection(args) => add_section(&cx, args),
            CharterCommand::MoveSection(args) => move_section(&cx, args),
            CharterCommand::RemoveSection(args) => remove_section(&cx, args),
            CharterCommand::Tag(args) => tag(&cx, args),
            CharterCommand::Lint(args) => gov::charter_lint(&cx, args),
        },
        Command::History(args) => history(&cx, args),
        Command::Diff(args) => diff(&cx, args),
        Command::Conflicts(args) => crate::conflicts::run(&cx, args),
        Command::Export(args) => export(&cx, args),
        Command::Bundle(BundleCommand::Export(args)) => {
            bundle_export(&cx, &args.docs, &args.communities, &args.output)
        }
        Command::Bundle(BundleCommand::Import(args)) => bundle_import(&cx, &args.file),
        Command::Demo(args) => {
            crate::demo::run(args.keep.as_deref(), args.bundle.as_deref(), cx.json)
        }
        Command::Community(command) => match command {
            CommunityCommand::Create(args) => gov::community_create(&cx, args),
            CommunityCommand::Show(args) => gov::community_show(&cx, args),
            CommunityCommand::Rules(args) => gov::community_rules(&cx, args),
            CommunityCommand::List => gov::community_list(&cx),
        },
        Command::Member(command) => match command {
            MemberCommand::Apply(args) => gov::member_apply(&cx, args),
            MemberCommand::Admit(args) => gov::member_admit(&cx, args),
            MemberCommand::Decline(args) => gov::member_decline(&cx, args),
            MemberCommand::Sign(args) => gov::member_sign(&cx, args),
            MemberCommand::Leave(args) => gov::member_leave(&cx, args),
            MemberCommand::Sanction(args) => gov::member_sanction(&cx, args),
            MemberCommand::Exclude(args) => gov::member_exclude(&cx, args),
            MemberCommand::List(args) => gov::member_list(&cx, args),
            MemberCommand::Device(DeviceCommand::Add(args)) => gov::device_add(&cx, args),
            MemberCommand::Device(DeviceCommand::Revoke(args)) => gov::device_revoke(&cx, args),
        },
        Command::Challenge(args) => gov::challenge(&cx, args),
        Command::Amendment(command) => match command {
            AmendmentCommand::Propose(args) => gov::amendment_propose(&cx, args),
            AmendmentCommand::Edit(args) => gov::amendment_edit(&cx, args),
            AmendmentCommand::Submit(args) => gov::amendment_submit(&cx, args),
            AmendmentCommand::Round(args) => gov::amendment_round(&cx, args),
            AmendmentCommand::Integrate(args) => gov::amendment_integrate(&cx, args),
            AmendmentCommand::Withdraw(args) => gov::amendment_withdraw(&cx, args),
            AmendmentCommand::Promote(args) => gov::amendment_promote(&cx, args),
            AmendmentCommand::Show(args) => gov::amendment_show(&cx, args),
            AmendmentCommand::List(args) => gov::amendment_list(&cx, args),
        },
        Command::React(args) => gov::react(&cx, args),
        Command::Objection(ObjectionCommand::Test(args)) => gov::objection_test(&cx, args),
        Command::Decide(args) => gov::decide(&cx, args),
        Command::Ratify(args) => gov::ratify(&cx, args),
        Command::Tension(command) => match command {
            TensionCommand::Open(args) => gov::tension_open(&cx, args),
            TensionCommand::Start(args) => gov::tension_start(&cx, args),
            TensionCommand::Resolve(args) => gov::tension_resolve(&cx, args),
            TensionCommand::Escalate(args) => gov::tension_escalate(&cx, args),
            TensionCommand::List(args) => gov::tension_list(&cx, args),
        },
        Command::Rules(RulesCommand::Propose(args)) => gov::rules_propose(&cx, args),
        Command::Verify(args) => gov::verify(&cx, args),
        Command::Serve(args) => crate::relay::serve(&cx, &args),
        Command::Sync(args) => crate::relay::sync(&cx, &args),
        Command::Token(args) => crate::relay::issue_token(&cx, &args),
    }
}

// ---------------------------------------------------------------------------
// Plumbing

/// The time and randomness commands run on: the system clock and the
/// operating system's random number generator, or the time `NOUS_NOW` fixes
/// (a date `YYYY-MM-DD[THH:MM]` in UTC, or milliseconds), for rehearsing a
/// process with deadlines and for tests. A value that is not a time is
/// refused. Record timestamps are informational and never grant authority.
pub fn env() -> anyhow::Result<Env> {
    Ok(Env::from_environment()?)
}

/// Open the home. If another `nous` process holds the store, wait for it a
/// little (commands are short) before giving up.
pub fn open(cx: &Context) -> anyhow::Result<Home> {
    Ok(Home::open(&cx.home, env()?)?)
}

/// Close the home: this device signs its new changes to community
/// documents (one attestation per document for the whole command), then
/// the edit, the index update and any compaction commit together, so the
/// edit is durable (and may be reported saved) once this returns.
pub fn save_and_close(home: Home) -> anyhow::Result<()> {
    Ok(home.close()?)
}

/// Read a bundle file (at most 1 GiB).
pub fn read_bundle_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > MAX_BUNDLE_FILE {
        bail!(
            "{} is larger than {} MiB",
            path.display(),
            MAX_BUNDLE_FILE >> 20
        );
    }
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Read a text file (or stdin for `-`): at most 16 MiB, valid UTF-8.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let shown = path.display();
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .context("reading stdin")?;
    } else {
        let file = fs::File::open(path).with_context(|| format!("cannot read {shown}"))?;
        file.take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {shown}"))?;
    }
    if bytes.len() as u64 > MAX_TEXT_FILE {
        bail!("{shown} is larger than {} MiB", MAX_TEXT_FILE >> 20);
    }
    String::from_utf8(bytes).map_err(|error| {
        anyhow!(
            "{shown} is not valid UTF-8 (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        )
    })
}

fn placement(placement: &Placement) -> api::documents::Placement<'_> {
    use api::documents::Placement as P;
    if let Some(after) = &placement.after {
        P::After(after)
    } else if let Some(before) = &placement.before {
        P::Before(before)
    } else if placement.start {
        P::Start
    } else {
        P::End
    }
}

fn saved_line(what: &str, change: Option<&str>) -> String {
    match change {
        Some(hash) => format!("{what} (change {})", &hash[..hash.len().min(12)]),
        None => "Nothing to change.".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Commands

fn init(cx: &Context) -> anyhow::Result<()> {
    let device = Home::init(&cx.home, &env()?)?;
    if cx.json {
        output::json(&json!({ "home": cx.home, "device": device }))
    } else {
        output::text(&format!(
            "Created a Nous home in {}\nThis device: {device}",
            cx.home.display()
        ))
    }
}

fn id(cx: &Context) -> anyhow::Result<()> {
    let engine = open(cx)?;
    let device = engine.device();
    if cx.json {
        output::json(&json!({ "home": cx.home, "device": device }))
    } else {
        output::text(&device.to_string())
    }
}

fn charter_new(cx: &Context, args: NewArgs) -> anyhow::Result<()> {
    let draft = match &args.from {
        Some(path) => Documents::import_markdown(&read_text(path)?)
            .with_context(|| format!("cannot import {}", path.display()))?,
        None => CharterDraft::default(),
    };
    let title = match (&args.title, &draft.title, &args.from) {
        (Some(title), _, _) => title.clone(),
        (None, Some(title), _) => title.clone(),
        (None, None, Some(path)) => bail!(
            "give a TITLE: {} does not start with a `# Title` line",
            path.display()
        ),
        (None, None, None) => bail!("give a TITLE, or --from FILE.md"),
    };
    let mut home = open(cx)?;
    let created = home.documents().create(&title, &draft)?;
    save_and_close(home)?;
    if cx.json {
        output::json(&created)
    } else {
        output::text(&format!(
            "Created charter {} \"{}\" ({} sections)",
            created.id, created.title, created.sections
        ))
    }
}

fn charter_list(cx: &Context) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let docs = home.documents().list()?;
    if cx.json {
        return output::json(&docs);
    }
    if docs.is_empty() {
        return output::text("No documents yet. Create one with `nous charter new TITLE`.");
    }
    let width = docs
        .iter()
        .map(|d| d.id.to_string().len())
        .max()
        .unwrap_or(2);
    let mut lines = vec![format!(
        "{}  {}  {:>7}  UPDATED",
        pad("ID", width),
        pad("TITLE", 36),
        "CHANGES"
    )];
    for doc in &docs {
        lines.push(format!(
            "{}  {}  {:>7}  {}",
            pad(&doc.id.to_string(), width),
            pad(&clip(&doc.meta.title, 36), 36),
            doc.meta.changes,
            output::time(doc.meta.updated_ms)
        ));
    }
    output::text(&lines.join("\n"))
}

fn charter_show(cx: &Context, args: ShowArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let reading = match (&args.at, args.latest) {
        (Some(at), _) => Reading::At(at),
        (None, true) => Reading::Latest,
        (None, false) => Reading::InForce,
    };
    let shown = home.documents().show(&args.doc, reading)?;
    if cx.json || args.format == Format::Json {
        return output::json(&shown);
    }
    if let Some(number) = shown.version {
        let unratified = shown.unratified_changes;
        eprintln!(
            "Version {number} in force{}",
            if unratified > 0 {
                format!("; {unratified} change(s) not ratified (see them with --latest)")
            } else {
                String::new()
            }
        );
    }
    // Open conflicts are in the latest text: marked when it is the one
    // shown, counted otherwise.
    let conflict_lines = crate::conflicts::open_lines(&shown.conflicts);
    if shown.latest {
        for line in &conflict_lines {
            eprintln!("! {line}");
        }
    } else if !conflict_lines.is_empty() {
        eprintln!(
            "! {} open conflict(s) in the latest text: see `nous conflicts {}`",
            conflict_lines.len(),
            &shown.id.to_string()[..8]
        );
    }
    output::text(&markdown::render(
        &shown.charter,
        RenderOptions { annotations: false },
    ))
}

fn charter_sections(cx: &Context, args: SectionsArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let sections = home.documents().sections(&args.doc, args.at.as_deref())?;
    if cx.json {
        return output::json(&sections);
    }
    let mut lines = vec![format!(
        "{:>3}  {}  LVL  {}  {}  ARTICLES",
        "#",
        pad("ID", 8),
        pad("HEADING", 32),
        pad("TAGS", 24)
    )];
    for (index, section) in sections.iter().enumerate() {
        lines.push(format!(
            "{:>3}  {}  {:>3}  {}  {}  {:>8}",
            index + 1,
            pad(section.id.as_str(), 8),
            section.level,
            pad(&clip(&section.heading, 32), 32),
            pad(&clip(&section.tags.join(","), 24), 24),
            section.articles.len()
        ));
    }
    output::text(&lines.join("\n"))
}

fn charter_edit(cx: &Context, args: EditArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let doc = home.documents().resolve(&args.doc)?;
    let target = home.documents().target(&doc, &args.section)?;
    let label = match &target.part {
        Part::Title => "the title".to_owned(),
        Part::Preamble => "the preamble".to_owned(),
        Part::Section { heading, .. } => format!("section \"{heading}\""),
    };
    let new_text = if let Some(text) = args.text {
        text
    } else if let Some(path) = &args.file {
        read_text(path)?
    } else {
        // Close the home while the editor is open, so other commands can use
        // it; then check nobody changed the text meanwhile.
        home.into_engine().close()?;
        let edited = edit_in_editor(&target.text)?;
        home = open(cx)?;
        let now = home.documents().target(&doc, &args.section)?;
        if now != target {
            let saved = cx.home.join("unsaved-edit.md");
            fs::write(&saved, &edited)
                .with_context(|| format!("cannot write {}", saved.display()))?;
            bail!(
                "{label} changed while you were editing; your text is in {}",
                saved.display()
            );
        }
        edited
    };
    let edited = home.documents().edit(&doc, &target.part, &new_text)?;
    save_and_close(home)?;
    if cx.json {
        output::json(&edited)
    } else {
        for warning in &edited.warnings {
            eprintln!("warning: {warning}");
        }
        output::text(&saved_line(
            &format!("Saved {label}"),
            edited.change.as_deref(),
        ))
    }
}

/// Open `text` in the user's editor and return what they saved.
pub fn edit_in_editor(text: &str) -> anyhow::Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_owned());
    let file = tempfile::Builder::new()
        .prefix("nous-section-")
        .suffix(".md")
        .tempfile()
        .context("cannot create a temporary file for the editor")?;
    fs::write(file.path(), format!("{text}\n")).context("cannot write the temporary file")?;
    // Through the shell, so an editor given with arguments ("code -w") works.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("nous-editor")
        .arg(file.path())
        .status()
        .with_context(|| format!("cannot start the editor `{editor}`"))?;
    if !status.success() {
        bail!("the editor exited with {status}; nothing was changed");
    }
    read_text(file.path())
}

fn add_section(cx: &Context, args: AddSectionArgs) -> anyhow::Result<()> {
    let body = match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => read_text(path)?,
        (None, None) => String::new(),
    };
    let mut home = open(cx)?;
    let added = home.documents().add_section(
        &args.doc,
        &NewSection {
            heading: &args.heading,
            level: args.level,
            body: &body,
            tags: &args.tags,
        },
        placement(&args.placement),
    )?;
    save_and_close(home)?;
    if cx.json {
        output::json(&added)
    } else {
        output::text(&saved_line(
            &format!("Added section {} \"{}\"", added.section, added.heading),
            added.change.as_deref(),
        ))
    }
}

fn move_section(cx: &Context, args: MoveSectionArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let moved =
        home.documents()
            .move_section(&args.doc, &args.section, placement(&args.placement))?;
    save_and_close(home)?;
    if cx.json {
        output::json(&moved)
    } else {
        output::text(&saved_line(
            &format!("Moved section {}", moved.section),
            moved.change.as_deref(),
        ))
    }
}

fn remove_section(cx: &Context, args: SectionArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let removed = home.documents().remove_section(&args.doc, &args.section)?;
    save_and_close(home)?;
    if cx.json {
        output::json(&removed)
    } else {
        output::text(&saved_line(
            &format!(
                "Removed section {} \"{}\" (it stays in the history)",
                removed.section, removed.heading
            ),
            removed.change.as_deref(),
        ))
    }
}

fn tag(cx: &Context, args: TagArgs) -> anyhow::Result<()> {
    if args.add.is_empty() && args.remove.is_empty() {
        bail!("give --add TAG or --remove TAG");
    }
    let mut home = open(cx)?;
    let tagged = home
        .documents()
        .tag(&args.doc, &args.section, &args.add, &args.remove)?;
    save_and_close(home)?;
    if cx.json {
        output::json(&tagged)
    } else {
        output::text(&saved_line(
            &format!(
                "Section {} tags: {}",
                tagged.section,
                if tagged.tags.is_empty() {
                    "(none)".to_owned()
                } else {
                    tagged.tags.join(", ")
                }
            ),
            tagged.change.as_deref(),
        ))
    }
}

fn history(cx: &Context, args: HistoryArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    if args.format != HistoryFormat::Changes {
        let html = args.format == HistoryFormat::Html;
        let text = home
            .documents()
            .governance_history(&args.doc, html, crate::lang::current())?;
        return match &args.output {
            Some(path) => {
                write_atomically(path, text.as_bytes())?;
                let id = home.documents().resolve(&args.doc)?;
                if cx.json {
                    output::json(&json!({ "id": id, "output": path, "bytes": text.len() }))
                } else {
                    output::text(&format!("Wrote {} ({} bytes)", path.display(), text.len()))
                }
            }
            None => output::text(&text),
        };
    }
    let history = home
        .documents()
        .history(&args.doc, args.section.as_deref(), args.limit)?;
    if cx.json {
        return output::json(&history);
    }
    let lines: Vec<String> = history
        .changes
        .iter()
        .map(|e| history_line(e, &history.sections))
        .collect();
    if lines.is_empty() {
        return output::text("No changes.");
    }
    output::text(&lines.join("\n"))
}

pub fn history_line(entry: &HistoryEntry, headings: &HashMap<SectionId, String>) -> String {
    let who = match &entry.device {
        Some(device) => format!("device {}", device.short()),
        None => format!("actor {}", clip(&entry.actor, 10)),
    };
    let touched: Vec<String> = entry
        .touched
        .iter()
        .map(|t| match t {
            Touched::Title => "title".to_owned(),
            Touched::Preamble => "preamble".to_owned(),
            Touched::Section { id } => match headings.get(id) {
                Some(heading) => format!("§ {heading}"),
                None => format!("§ {id}"),
            },
            Touched::Order => "section order".to_owned(),
            Touched::Document => "document".to_owned(),
        })
        .collect();
    format!(
        "{}  {}  {}  {}  [{}]",
        &entry.hash[..12.min(entry.hash.len())],
        output::time(entry.time_ms),
        who,
        entry.message.as_deref().unwrap_or("(no message)"),
        touched.join(", ")
    )
}

fn diff(cx: &Context, args: DiffArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let diff = home
        .documents()
        .diff(&args.doc, &args.from, args.to.as_deref())?;
    if cx.json {
        return output::json(&diff);
    }
    output::text(&render_diff(&diff.diff))
}

pub fn render_diff(diff: &CharterDiff) -> String {
    if diff.is_empty() {
        return "No differences.".to_owned();
    }
    let mut out = Vec::new();
    if let Some(title) = &diff.title {
        out.push(format!("Title: \"{}\" → \"{}\"", title.before, title.after));
    }
    if let Some(preamble) = &diff.preamble {
        out.push("Preamble:".to_owned());
        out.push(indent(preamble));
    }
    for change in &diff.sections {
        match change {
            SectionDiff::Added { section } => {
                out.push(format!("+ § {} ({}) added", section.heading, section.id));
                out.extend(section.body().lines().map(|l| format!("    +{l}")));
            }
            SectionDiff::Removed { section } => {
                out.push(format!("- § {} ({}) removed", section.heading, section.id));
                out.extend(section.body().lines().map(|l| format!("    -{l}")));
            }
            SectionDiff::Changed {
                id,
                heading,
                renamed_from,
                moved,
                level_from,
                tags_added,
                tags_removed,
                body,
            } => {
                let mut notes = Vec::new();
                if let Some(old) = renamed_from {
                    notes.push(format!("renamed from \"{old}\""));
                }
                if *moved {
                    notes.push("moved".to_owned());
                }
                if let Some(level) = level_from {
                    notes.push(format!("level was {level}"));
                }
                if !tags_added.is_empty() {
                    notes.push(format!("tagged {}", tags_added.join(", ")));
                }
                if !tags_removed.is_empty() {
                    notes.push(format!("untagged {}", tags_removed.join(", ")));
                }
                if body.is_some() {
                    notes.push("text changed".to_owned());
                }
                out.push(format!("~ § {heading} ({id}): {}", notes.join("; ")));
                if let Some(body) = body {
                    out.push(indent(body));
                }
            }
        }
    }
    out.join("\n")
}

fn indent(change: &TextChange) -> String {
    change
        .unified
        .lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn export(cx: &Context, args: ExportArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let format = match args.format {
        Format::Md => ExportFormat::Markdown {
            annotations: !args.plain,
        },
        Format::Json => ExportFormat::Json,
    };
    let rendered = home.documents().export(&args.doc, format)?;
    match &args.output {
        Some(path) => {
            fs::write(path, &rendered)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let id = home.documents().resolve(&args.doc)?;
            if cx.json {
                output::json(&json!({ "id": id, "output": path, "bytes": rendered.len() }))
            } else {
                output::text(&format!(
                    "Wrote {} ({} bytes)",
                    path.display(),
                    rendered.len()
                ))
            }
        }
        None => output::text(&rendered),
    }
}

fn bundle_export(
    cx: &Context,
    names: &[String],
    communities: &[String],
    path: &Path,
) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    output::progress(0, 1, "Bundling");
    let exported = home.bundles().export(names, communities)?;
    output::progress(1, 1, "Bundling");
    write_atomically(path, &exported.bytes)?;
    if cx.json {
        #[derive(serde::Serialize)]
        struct Written<'a> {
            output: &'a Path,
            #[serde(flatten)]
            exported: &'a api::bundles::BundleExported,
        }
        return output::json(&Written {
            output: path,
            exported: &exported,
        });
    }
    let (docs, records) = (exported.documents.len(), exported.records);
    let records = if records > 0 {
        format!(
            " and {records} signed record{}",
            if records == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    output::text(&format!(
        "Wrote {docs} document{}{records} to {} ({} bytes)",
        if docs == 1 { "" } else { "s" },
        path.display(),
        exported.bytes.len()
    ))
}

/// Write to a temporary file beside `path`, then rename, so a crash never
/// leaves half a bundle under the final name.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut file, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn bundle_import(cx: &Context, path: &Path) -> anyhow::Result<()> {
    let bytes = read_bundle_file(path)?;
    let mut home = open(cx)?;
    let report = home
        .bundles()
        .import(&bytes)
        .with_context(|| format!("cannot import {}", path.display()))?;
    home.into_engine().close()?;
    if cx.json {
        return output::json(&report);
    }
    let mut lines: Vec<String> = report
        .imported
        .iter()
        .map(|imported| {
            let what = match imported.outcome {
                ImportOutcome::Added => "added".to_owned(),
                ImportOutcome::Merged(n) => {
                    format!("merged {n} new change{}", if n == 1 { "" } else { "s" })
                }
                ImportOutcome::Unchanged => "unchanged".to_owned(),
            };
            format!("{}  \"{}\"  {what}", imported.id, imported.title)
        })
        .collect();
    if report.records > 0 {
        lines.push(format!(
            "{} signed record{}, {} new",
            report.records,
            if report.records == 1 { "" } else { "s" },
            report.new_records
        ));
    }
    lines.extend(crate::conflicts::merged_lines(&report.conflicts));
    output::text(&lines.join("\n"))
}
