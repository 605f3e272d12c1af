//! One function per command: parse what the user typed, call the engine,
//! print the result.

use std::collections::HashMap;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use serde_json::json;

use nous_api::documents::{ExportFormat, NewSection, Part, Reading, RoleKind};
use nous_api::{self as api, Documents, Env, Home};
use nous_core::ImportOutcome;
use nous_core::charter::{CharterDraft, SectionId};
use nous_core::diff::{CharterDiff, SectionDiff, TextChange};
use nous_core::history::{HistoryEntry, Touched};
use nous_core::markdown::{self, RenderOptions};

use crate::args::{
    AddSectionArgs, AmendmentCommand, BundleCommand, CharterCommand, Cli, Command,
    CommunityCommand, DeviceCommand, DiffArgs, EditArgs, ExportArgs, Format, HistoryArgs,
    HistoryFormat, ListArgs, MemberCommand, MoveSectionArgs, NewArgs, ObjectionCommand, Placement,
    RulesCommand, SectionArgs, SectionsArgs, ShowArgs, TagArgs, TensionCommand,
};
use crate::governance as gov;
use crate::lang::tr;
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
        .ok_or_else(|| anyhow!(tr!("commands-no-home")))?;
    let cx = Context {
        home,
        json: cli.json,
    };
    match cli.command {
        Command::Init => init(&cx),
        Command::Id => id(&cx),
        Command::Charter(command) => match command {
            CharterCommand::New(args) => charter_new(&cx, args),
            CharterCommand::List(args) => charter_list(&cx, &args),
            CharterCommand::Archive(args) => charter_archive(&cx, &args.doc, true),
            CharterCommand::Restore(args) => charter_archive(&cx, &args.doc, false),
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
        Command::Bundle(BundleCommand::Import(args)) => bundle_import(&cx, &args.files),
        Command::Demo(args) => match args.story {
            None => crate::demo::run(args.keep.as_deref(), args.bundle.as_deref(), cx.json),
            Some(crate::args::DemoStory::Participation) => crate::demo_participation::run(
                args.keep.as_deref(),
                args.bundle.as_deref(),
                cx.json,
            ),
        },
        Command::Community(command) => match command {
            CommunityCommand::Create(args) => gov::community_create(&cx, args),
            CommunityCommand::Show(args) => gov::community_show(&cx, args),
            CommunityCommand::Rules(args) => gov::community_rules(&cx, args),
            CommunityCommand::List => gov::community_list(&cx),
            CommunityCommand::Invite(args) => crate::invite::invite(&cx, &args),
            CommunityCommand::Uninvite(args) => crate::invite::uninvite(&cx, &args),
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
            TensionCommand::Show(args) => gov::tension_show(&cx, args),
        },
        Command::Rules(RulesCommand::Propose(args)) => gov::rules_propose(&cx, args),
        Command::Verify(args) => gov::verify(&cx, args),
        Command::Synthesis(args) => crate::open_data::synthesis(&cx, args),
        Command::Todo(arg) => crate::todo::todo(&cx, &arg),
        Command::Serve(args) => crate::relay::serve(&cx, &args),
        Command::Join(args) => crate::invite::join(&cx, &args),
        Command::Sync(args) => crate::relay::sync(&cx, &args),
        Command::Token(args) => crate::relay::issue_token(&cx, &args),
        Command::Participation(command) => crate::participation::participation(&cx, command),
        Command::Contribute(args) => crate::participation::contribute(&cx, args),
        Command::Contribution(command) => crate::participation::contribution(&cx, command),
        Command::Moderate(command) => crate::participation::moderate(&cx, command),
        Command::Answer(args) => crate::participation::answer(&cx, args),
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
    let size = fs::metadata(path).with_context(|| cannot_read(path))?.len();
    if size > MAX_BUNDLE_FILE {
        bail!(tr!(
            "commands-too-large",
            path = path.display().to_string(),
            mib = MAX_BUNDLE_FILE >> 20
        ));
    }
    fs::read(path).with_context(|| cannot_read(path))
}

/// Read a text file (or stdin for `-`): at most 16 MiB, valid UTF-8.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let shown = path.display();
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .with_context(|| tr!("commands-reading-stdin"))?;
    } else {
        let file = fs::File::open(path).with_context(|| cannot_read(path))?;
        file.take(MAX_TEXT_FILE + 1)
            .read_to_end(&mut bytes)
            .with_context(|| cannot_read(path))?;
    }
    if bytes.len() as u64 > MAX_TEXT_FILE {
        bail!(tr!(
            "commands-too-large",
            path = shown.to_string(),
            mib = MAX_TEXT_FILE >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|error| {
        anyhow!(tr!(
            "commands-not-utf8",
            path = shown.to_string(),
            offset = error.utf8_error().valid_up_to()
        ))
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
        Some(hash) => tr!(
            "commands-saved-change",
            what = what,
            change = &hash[..hash.len().min(12)]
        ),
        None => tr!("commands-nothing-to-change"),
    }
}

/// "cannot read PATH", for errors.
pub fn cannot_read(path: &Path) -> String {
    tr!("commands-cannot-read", path = path.display().to_string())
}

/// "cannot write PATH", for errors.
pub fn cannot_write(path: &Path) -> String {
    tr!("commands-cannot-write", path = path.display().to_string())
}

/// The width of a table column: its usual width, or its heading's if the
/// heading is longer (a translated one may be).
fn column(heading: &str, width: usize) -> usize {
    width.max(heading.chars().count())
}

// ---------------------------------------------------------------------------
// Commands

fn init(cx: &Context) -> anyhow::Result<()> {
    let device = Home::init(&cx.home, &env()?)?;
    if cx.json {
        output::json(&json!({ "home": cx.home, "device": device }))
    } else {
        output::text(&tr!(
            "commands-init-created",
            home = cx.home.display().to_string(),
            device = device.to_string()
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
            .with_context(|| tr!("commands-cannot-import", path = path.display().to_string()))?,
        None => CharterDraft::default(),
    };
    let title = match (&args.title, &draft.title, &args.from) {
        (Some(title), _, _) => title.clone(),
        (None, Some(title), _) => title.clone(),
        (None, None, Some(path)) => bail!(tr!(
            "commands-new-no-title-line",
            path = path.display().to_string()
        )),
        (None, None, None) => bail!(tr!("commands-new-no-title")),
    };
    let mut home = open(cx)?;
    let created = home.documents().create(&title, &draft)?;
    save_and_close(home)?;
    if cx.json {
        output::json(&created)
    } else {
        output::text(&tr!(
            "commands-charter-created",
            id = created.id.to_string(),
            title = &created.title,
            count = created.sections
        ))
    }
}

/// `charter archive` / `charter restore`: a mark in this home's store.
fn charter_archive(cx: &Context, doc: &str, archive: bool) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let done = if archive {
        home.documents().archive(doc)?
    } else {
        home.documents().restore(doc)?
    };
    save_and_close(home)?;
    if cx.json {
        return output::json(&done);
    }
    let id = done.id.to_string();
    output::text(&tr!(
        "commands-archived",
        archived = if done.archived { "yes" } else { "no" },
        changed = if done.changed { "yes" } else { "no" },
        title = &done.title,
        id = id
    ))
}

fn charter_list(cx: &Context, args: &ListArgs) -> anyhow::Result<()> {
    let mut home = open(cx)?;
    let mut docs = home.documents().list_with_roles()?;
    let hidden = docs.iter().filter(|d| d.archived).count();
    if !args.all {
        docs.retain(|d| d.archived == args.archived);
    }
    if cx.json {
        return output::json(&docs);
    }
    if docs.is_empty() {
        return output::text(&if args.archived {
            tr!("commands-no-archived-documents")
        } else if hidden > 0 && !args.all {
            tr!("commands-only-archived-documents", count = hidden)
        } else {
            tr!("commands-no-documents")
        });
    }
    if hidden > 0 && !args.all && !args.archived {
        eprintln!("{}", tr!("commands-archived-hidden", count = hidden));
    }
    let width = docs
        .iter()
        .map(|d| d.summary.id.to_string().len())
        .max()
        .unwrap_or(2);
    let changes = tr!("commands-column-changes");
    let changes_width = column(&changes, 7);
    // What each document is to a community: `charter · Coop`.
    let roles: Vec<String> = docs
        .iter()
        .map(|d| match &d.role {
            Some(role) => {
                let kind = match role.kind {
                    RoleKind::Charter => tr!("commands-role-charter"),
                    RoleKind::Draft => tr!("commands-role-draft"),
                    RoleKind::Shared => tr!("commands-role-shared"),
                };
                clip(&format!("{kind} · {}", role.community_name), 28)
            }
            None => "—".to_owned(),
        })
        .collect();
    let role_heading = tr!("commands-column-role");
    let role_width = roles
        .iter()
        .chain([&role_heading])
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(4);
    let mut lines = vec![format!(
        "{}  {}  {}  {changes:>changes_width$}  {}",
        pad(&tr!("commands-column-id"), width),
        pad(&tr!("commands-column-title"), 36),
        pad(&role_heading, role_width),
        tr!("commands-column-updated")
    )];
    for (doc, role) in docs.iter().zip(&roles) {
        let mut line = format!(
            "{}  {}  {}  {:>changes_width$}  {}",
            pad(&doc.summary.id.to_string(), width),
            pad(&clip(&doc.summary.meta.title, 36), 36),
            pad(role, role_width),
            doc.summary.meta.changes,
            output::time(doc.summary.meta.updated_ms)
        );
        if doc.archived && args.all {
            line = format!("{line}  {}", tr!("commands-archived-mark"));
        }
        lines.push(line);
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
        if unratified > 0 {
            eprintln!(
                "{}",
                tr!(
                    "commands-version-in-force-unratified",
                    number = number,
                    count = unratified
                )
            );
        } else {
            eprintln!("{}", tr!("commands-version-in-force", number = number));
        }
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
            "! {}",
            tr!(
                "commands-open-conflicts-in-latest",
                count = conflict_lines.len(),
                doc = &shown.id.to_string()[..8]
            )
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
    let level = tr!("commands-column-level");
    let level_width = column(&level, 3);
    let articles = tr!("commands-column-articles");
    let articles_width = column(&articles, 8);
    // The id column as wide as the longest id (ids may be named by hand).
    let id_header = tr!("commands-column-id");
    let id_width = sections
        .iter()
        .map(|s| s.id.as_str().chars().count())
        .chain([id_header.chars().count(), 8])
        .max()
        .unwrap_or(8);
    let mut lines = vec![format!(
        "{:>3}  {}  {}  {}  {}  {articles}",
        "#",
        pad(&id_header, id_width),
        pad(&level, level_width),
        pad(&tr!("commands-column-heading"), 32),
        pad(&tr!("commands-column-tags"), 24)
    )];
    for (index, section) in sections.iter().enumerate() {
        lines.push(format!(
            "{:>3}  {}  {:>level_width$}  {}  {}  {:>articles_width$}",
            index + 1,
            pad(section.id.as_str(), id_width),
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
    // What is edited, for the messages: `part` picks the wording.
    let (part, heading, key) = match &target.part {
        Part::Title => ("title", String::new(), "title".to_owned()),
        Part::Preamble => ("preamble", String::new(), "preamble".to_owned()),
        Part::Section { heading, id } => ("section", heading.clone(), id.to_string()),
    };
    let kept = crate::kept::path(cx, &doc, &key);
    if args.discard_kept {
        crate::kept::discard(cx, &kept, !args.editor)?;
        if !args.editor {
            return Ok(());
        }
    }
    let edited = if let Some(text) = &args.text {
        crate::kept::mention(&kept);
        let edited = home.documents().edit(&doc, &target.part, text)?;
        save_and_close(home)?;
        edited
    } else if let Some(path) = &args.file {
        let text = read_text(path)?;
        crate::kept::mention(&kept);
        let edited = home.documents().edit(&doc, &target.part, &text)?;
        save_and_close(home)?;
        edited
    } else {
        // Saved only if nobody changed the text while the editor was open;
        // refused, the text is kept.
        crate::kept::edit(cx, home, &kept, &target.text, |mut home, new_text| {
            let now = home.documents().target(&doc, &args.section)?;
            if now != target {
                bail!(tr!(
                    "commands-edit-changed-meanwhile",
                    part = part,
                    heading = &heading
                ));
            }
            let edited = home.documents().edit(&doc, &target.part, new_text)?;
            save_and_close(home)?;
            Ok(edited)
        })?
    };
    if cx.json {
        output::json(&edited)
    } else {
        for warning in &edited.warnings {
            eprintln!("{}", tr!("commands-warning", warning = warning.to_string()));
        }
        output::text(&saved_line(
            &tr!("commands-edit-saved", part = part, heading = &heading),
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
        .with_context(|| tr!("commands-editor-no-temporary-file"))?;
    fs::write(file.path(), format!("{text}\n"))
        .with_context(|| tr!("commands-editor-cannot-write-temporary-file"))?;
    // Through the shell, so an editor given with arguments ("code -w") works.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("nous-editor")
        .arg(file.path())
        .status()
        .with_context(|| tr!("commands-editor-cannot-start", editor = &editor))?;
    if !status.success() {
        bail!(tr!("commands-editor-failed", status = status.to_string()));
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
            &tr!(
                "commands-section-added",
                section = added.section.to_string(),
                heading = &added.heading
            ),
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
            &tr!(
                "commands-section-moved",
                section = moved.section.to_string()
            ),
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
            &tr!(
                "commands-section-removed",
                section = removed.section.to_string(),
                heading = &removed.heading
            ),
            removed.change.as_deref(),
        ))
    }
}

fn tag(cx: &Context, args: TagArgs) -> anyhow::Result<()> {
    if args.add.is_empty() && args.remove.is_empty() {
        bail!(tr!("commands-tag-nothing"));
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
            &tr!(
                "commands-section-tags",
                section = tagged.section.to_string(),
                tags = if tagged.tags.is_empty() {
                    tr!("commands-no-tags")
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
                    output::text(&wrote(path, text.len()))
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
        .map(|e| history_line(e, &history.sections, &history.authors))
        .collect();
    if lines.is_empty() {
        return output::text(&tr!("commands-no-changes"));
    }
    output::text(&lines.join("\n"))
}

pub fn history_line(
    entry: &HistoryEntry,
    headings: &HashMap<SectionId, String>,
    authors: &HashMap<nous_core::PublicKey, String>,
) -> String {
    let who = match &entry.device {
        // The member's name where a community knows the device.
        Some(device) if authors.contains_key(device) => authors[device].clone(),
        Some(device) => tr!(
            "commands-history-device",
            device = device.short().to_string()
        ),
        None => tr!("commands-history-actor", actor = clip(&entry.actor, 10)),
    };
    let touched: Vec<String> = entry
        .touched
        .iter()
        .map(|t| match t {
            Touched::Title => tr!("commands-touched-title"),
            Touched::Preamble => tr!("commands-touched-preamble"),
            Touched::Section { id } => match headings.get(id) {
                Some(heading) => format!("§ {heading}"),
                None => format!("§ {id}"),
            },
            Touched::Order => tr!("commands-touched-order"),
            Touched::Document => tr!("commands-touched-document"),
        })
        .collect();
    format!(
        "{}  {}  {}  {}  [{}]",
        &entry.hash[..12.min(entry.hash.len())],
        output::time(entry.time_ms),
        who,
        entry.message.as_deref().map_or_else(
            || tr!("commands-history-no-message"),
            |m| nous_core::history::say_message(m, crate::lang::current())
        ),
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
        return tr!("commands-no-differences");
    }
    let mut out = Vec::new();
    if let Some(title) = &diff.title {
        out.push(tr!(
            "commands-diff-title",
            before = &title.before,
            after = &title.after
        ));
    }
    if let Some(preamble) = &diff.preamble {
        out.push(tr!("commands-diff-preamble"));
        out.push(indent(preamble));
    }
    for change in &diff.sections {
        match change {
            SectionDiff::Added { section } => {
                out.push(format!(
                    "+ {}",
                    tr!(
                        "commands-diff-section-added",
                        heading = &section.heading,
                        id = section.id.to_string()
                    )
                ));
                out.extend(section.body().lines().map(|l| format!("    +{l}")));
            }
            SectionDiff::Removed { section } => {
                out.push(format!(
                    "- {}",
                    tr!(
                        "commands-diff-section-removed",
                        heading = &section.heading,
                        id = section.id.to_string()
                    )
                ));
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
                    notes.push(tr!("commands-diff-renamed", old = old));
                }
                if *moved {
                    notes.push(tr!("commands-diff-moved"));
                }
                if let Some(level) = level_from {
                    notes.push(tr!("commands-diff-level-was", level = *level));
                }
                if !tags_added.is_empty() {
                    notes.push(tr!("commands-diff-tagged", tags = tags_added.join(", ")));
                }
                if !tags_removed.is_empty() {
                    notes.push(tr!(
                        "commands-diff-untagged",
                        tags = tags_removed.join(", ")
                    ));
                }
                if body.is_some() {
                    notes.push(tr!("commands-diff-text-changed"));
                }
                out.push(format!(
                    "~ {}",
                    tr!(
                        "commands-diff-section-changed",
                        heading = heading,
                        id = id.to_string(),
                        notes = notes.join(&tr!("commands-diff-separator"))
                    )
                ));
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
            fs::write(path, &rendered).with_context(|| cannot_write(path))?;
            let id = home.documents().resolve(&args.doc)?;
            if cx.json {
                output::json(&json!({ "id": id, "output": path, "bytes": rendered.len() }))
            } else {
                output::text(&wrote(path, rendered.len()))
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
    let bar = crate::progress::Bar::new(crate::progress::shown(cx.json), &tr!("commands-bundling"));
    let exported =
        home.bundles()
            .export_with_progress(names, communities, &mut |done, total| {
                bar.update(done, total)
            })?;
    drop(bar);
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
    let path = path.display().to_string();
    let bytes = exported.bytes.len();
    output::text(&if records > 0 {
        tr!(
            "commands-bundle-written-with-records",
            docs = docs,
            records = records,
            path = path,
            bytes = bytes
        )
    } else {
        tr!(
            "commands-bundle-written",
            docs = docs,
            path = path,
            bytes = bytes
        )
    })
}

/// "Wrote PATH (N bytes)".
fn wrote(path: &Path, bytes: usize) -> String {
    tr!(
        "commands-wrote",
        path = path.display().to_string(),
        bytes = bytes
    )
}

/// Write to a temporary file beside `path`, then rename, so a crash never
/// leaves half a bundle under the final name.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| tr!("commands-cannot-write-in", dir = dir.display().to_string()))?;
    std::io::Write::write_all(&mut file, bytes).with_context(|| cannot_write(path))?;
    file.as_file()
        .sync_all()
        .with_context(|| cannot_write(path))?;
    file.persist(path).with_context(|| cannot_write(path))?;
    Ok(())
}

fn bundle_import(cx: &Context, paths: &[PathBuf]) -> anyhow::Result<()> {
    let several = paths.len() > 1;
    let mut reports = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for path in paths {
        // Each file whole or not at all; one that fails stops the command,
        // and those before it stay imported.
        let bytes = read_bundle_file(path)?;
        let mut home = open(cx)?;
        // A bar per file, named after it: each file is imported on its own.
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bar = crate::progress::Bar::new(
            crate::progress::shown(cx.json),
            &tr!("progress-importing", file = name),
        );
        let report = home
            .bundles()
            .import_with_progress(&bytes, &mut |done, total| bar.update(done, total))
            .with_context(|| tr!("commands-cannot-import", path = path.display().to_string()))?;
        drop(bar);
        home.into_engine().close()?;
        if several {
            lines.push(tr!(
                "commands-import-file",
                path = path.display().to_string()
            ));
        }
        lines.extend(import_lines(&report));
        reports.push((path, report));
    }
    if cx.json {
        return match reports.as_slice() {
            [(_, report)] => output::json(report),
            _ => output::json(
                &reports
                    .iter()
                    .map(|(path, report)| serde_json::json!({ "file": path, "report": report }))
                    .collect::<Vec<_>>(),
            ),
        };
    }
    output::text(&lines.join("\n"))
}

/// What one import did, for people.
fn import_lines(report: &nous_api::bundles::BundleImported) -> Vec<String> {
    let mut lines: Vec<String> = report
        .imported
        .iter()
        .map(|imported| {
            let what = match imported.outcome {
                ImportOutcome::Added => tr!("commands-import-added"),
                ImportOutcome::Merged(n) => tr!("commands-import-merged", count = n),
                ImportOutcome::Unchanged => tr!("commands-import-unchanged"),
            };
            tr!(
                "commands-import-line",
                id = imported.id.to_string(),
                title = &imported.title,
                what = what
            )
        })
        .collect();
    if report.records > 0 {
        lines.push(tr!(
            "commands-import-records",
            count = report.records,
            new = report.new_records
        ));
    }
    lines.extend(crate::conflicts::merged_lines(&report.conflicts));
    lines
}
