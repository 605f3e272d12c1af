//! The synthesis and the open data of a participation on the command
//! line: `nous synthesis`, `nous participation export`, and the names
//! given with consent (`nous participation name|erase|names`), through the
//! facade (`nous_api::synthesis`, `nous_api::open_data`,
//! `nous_api::names`); and the lines `nous verify` prints for the
//! syntheses it recomputed.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};

use nous_api::Home;
use nous_core::record::{AnswerState, AuthorType, RecordId};
use nous_core::synthesis::SynthesisReport;

use crate::args::CommunityArg;
use crate::commands::{Context, open, save_and_close};
use crate::lang::tr;
use crate::output;

// ---------------------------------------------------------------------------
// Arguments

/// `nous synthesis`.
#[derive(Debug, Args)]
pub struct SynthesisArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    pub participation: Option<String>,
    /// Sign it as a synthesis.publish record, which `nous verify`
    /// recomputes from a bundle.
    #[arg(long)]
    pub publish: bool,
}

/// `nous participation export|name|erase|names`.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Write the participation's open data as one ZIP archive: a CSV per
    /// entity with its JSON twin, datapackage.json describing them, the
    /// phases as iCalendar, located contributions as GeoJSON, the
    /// synthesis (the latest published, else computed now) and the bundle
    /// to verify it all. Contributors appear under pseudonyms, or under
    /// the names given with consent.
    Export(ExportArgs),
    /// Record the name a contributor consented to be shown under in this
    /// home's exports. It stays in this home only, outside every signed
    /// record, and can be erased with `participation erase`.
    Name(NameArgs),
    /// Erase a name given with consent: later exports show the pseudonym
    /// only. Signed records and archives already published are unchanged.
    Erase(EraseArgs),
    /// List the names given with consent for a participation (kept in this
    /// home only).
    Names(NamesArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    pub participation: Option<String>,
    /// The archive to write (a .zip file).
    #[arg(long, short = 'o', value_name = "FILE.zip")]
    pub out: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    #[arg(long, value_name = "PARTICIPATION")]
    pub participation: Option<String>,
    /// The contributor's pseudonym (p-…), as the contributions show it.
    pub pseudonym: String,
    /// The name they consented to be shown under.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct EraseArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    #[arg(long, value_name = "PARTICIPATION")]
    pub participation: Option<String>,
    /// The contributor's pseudonym (p-…).
    pub pseudonym: String,
}

#[derive(Debug, Args)]
pub struct NamesArgs {
    #[command(flatten)]
    pub community: CommunityArg,
    /// The participation (record id or unambiguous prefix). Default: the
    /// community's only one.
    pub participation: Option<String>,
}

// ---------------------------------------------------------------------------
// Words

/// A permille as a percentage with one decimal, in the language spoken.
fn percent(permille: u64) -> String {
    tr!(
        "opendata-percent",
        whole = (permille / 10).to_string(),
        tenth = (permille % 10).to_string()
    )
}

fn author_word(key: &str) -> String {
    if key == nous_core::synthesis::UNATTRIBUTED {
        tr!("opendata-unattributed")
    } else {
        tr!("participation-author", author = key)
    }
}

fn state_word(key: &str) -> String {
    if AnswerState::ALL.iter().any(|s| s.name() == key) {
        tr!("participation-answer-state", state = key)
    } else {
        tr!("opendata-unanswered")
    }
}

fn counted(words: impl Iterator<Item = (String, u64)>) -> String {
    let parts: Vec<String> = words
        .filter(|(_, n)| *n > 0)
        .map(|(word, n)| tr!("participation-count", what = word, count = n))
        .collect();
    if parts.is_empty() {
        tr!("opendata-nothing")
    } else {
        parts.join(", ")
    }
}

fn size(bytes: usize) -> String {
    if bytes < 10_000 {
        tr!("opendata-bytes", count = bytes)
    } else {
        let kib = bytes.div_ceil(1024);
        tr!("opendata-kib", count = kib)
    }
}

// ---------------------------------------------------------------------------
// Resolving

/// The community's id and the participation named, or its only one.
fn resolve(
    home: &mut Home,
    community: Option<&str>,
    named: Option<&str>,
) -> anyhow::Result<(nous_core::record::CommunityId, RecordId)> {
    let id = crate::participation::participation_ref(home, community, named)?;
    let community = home.governance().community(community)?;
    let participation = community.record_by_ref(&id)?;
    if !community.state.participations.contains_key(&participation) {
        return Err(nous_api::Error::from(nous_core::Error::WrongKind {
            id: participation,
            what: "a participation",
        })
        .into());
    }
    Ok((community.id, participation))
}

// ---------------------------------------------------------------------------
// Commands

pub fn synthesis(cx: &Context, args: SynthesisArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let (_, participation) = resolve(&mut home, community, args.participation.as_deref())?;
    let id = participation.to_string();
    let title = home.governance().participation(community, &id)?.title;
    let (record, report) = if args.publish {
        let (record, report) = home.publish_synthesis(community, &id)?;
        save_and_close(home)?;
        (Some(record), report)
    } else {
        (None, home.synthesis(community, &id, None)?)
    };
    if cx.json {
        return output::json(&serde_json::json!({
            "participation": id,
            "hash": report.hash(),
            "record": record.map(|r| r.to_string()),
            "report": report,
        }));
    }
    let mut text = synthesis_text(&title, &report);
    if let Some(record) = record {
        text.push('\n');
        text.push_str(&tr!(
            "opendata-synthesis-published",
            record = record.short()
        ));
    }
    output::text(&text)
}

/// The synthesis, readably.
fn synthesis_text(title: &str, r: &SynthesisReport) -> String {
    let c = &r.contributions;
    let t = &r.text_figures;
    let s = &r.shares_permille;
    let mut lines = vec![tr!(
        "opendata-synthesis-head",
        title = title,
        id = r.participation.chars().take(12).collect::<String>()
    )];
    lines.push(tr!(
        "opendata-synthesis-contributions",
        count = c.total,
        hidden = c.hidden,
        withdrawn = c.withdrawn
    ));
    let by_type = counted(
        [
            AuthorType::Citizen,
            AuthorType::Association,
            AuthorType::Expert,
            AuthorType::Elected,
            AuthorType::Agent,
            AuthorType::Other,
        ]
        .iter()
        .map(|a| {
            let n = c.by_author_type.get(a.name()).copied().unwrap_or(0);
            (author_word(a.name()), n)
        }),
    );
    lines.push(tr!(
        "opendata-synthesis-by-author",
        detail = by_type,
        share = percent(s.contributions_citizen)
    ));
    lines.push(tr!(
        "opendata-synthesis-by-state",
        detail = counted(c.by_state.iter().map(|(k, n)| (state_word(k), *n)))
    ));
    let retained: u64 = c.retained_by_author_type.values().sum();
    lines.push(tr!(
        "opendata-synthesis-retained",
        count = retained,
        share = percent(s.retained_citizen)
    ));
    lines.push(tr!(
        "opendata-synthesis-text",
        words = t.final_words,
        added = t.added_words,
        chars = t.added_chars,
        kept = t.kept_chars,
        removed = t.removed_chars
    ));
    lines.push(tr!(
        "opendata-synthesis-added-by",
        detail = counted(t.added_by.iter().map(|(k, a)| (author_word(k), a.words))),
        share = percent(s.added_words_citizen)
    ));
    lines.push(tr!("opendata-synthesis-sections"));
    for section in &r.sections {
        let heading = if section.section.is_empty() {
            tr!("opendata-synthesis-title-part")
        } else {
            section.heading.clone()
        };
        lines.push(tr!(
            "opendata-synthesis-section",
            heading = heading,
            words = section.final_words,
            added = section.added_words,
            contributions = section.contributions.len(),
            retained = section.retained
        ));
    }
    let status = |name: &str| r.commitments.iter().filter(|f| f.status == name).count();
    lines.push(tr!(
        "opendata-synthesis-commitments",
        kept = status("kept"),
        pending = status("pending"),
        broken = status("broken")
    ));
    lines.push(tr!(
        "opendata-synthesis-hash",
        hash = r.hash(),
        method = &r.method
    ));
    lines.join("\n")
}

pub fn data(cx: &Context, command: DataCommand) -> anyhow::Result<()> {
    match command {
        DataCommand::Export(args) => export(cx, args),
        DataCommand::Name(args) => name(cx, args),
        DataCommand::Erase(args) => erase(cx, args),
        DataCommand::Names(args) => names(cx, args),
    }
}

fn export(cx: &Context, args: ExportArgs) -> anyhow::Result<()> {
    let file = args.out.display().to_string();
    if args.out.exists() && !args.force {
        bail!(tr!("opendata-exists", file = &file));
    }
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let (_, participation) = resolve(&mut home, community, args.participation.as_deref())?;
    let id = participation.to_string();
    if crate::progress::shown(cx.json) {
        output::note(&tr!("opendata-exporting", file = &file));
    }
    // The latest published synthesis, else one computed now.
    let (record, report) = match home.published_synthesis(community, &id)? {
        Some((record, report)) => (Some(record), report),
        None => (None, home.synthesis(community, &id, None)?),
    };
    let contributions = report.contributions.total;
    let hash = report.hash();
    let json = serde_json::to_value(&report)?;
    let archive = home.export_participation(community, &id, Some(json))?;
    save_and_close(home)?;
    let files = nous_core::open_data::validate(&archive)
        .map(|v| v.files.keys().cloned().collect::<Vec<_>>())
        .map_err(|problems| anyhow::anyhow!("{problems:?}"))?;
    write_file(&args.out, &archive).with_context(|| tr!("opendata-cannot-write", file = &file))?;
    if cx.json {
        return output::json(&serde_json::json!({
            "file": file,
            "bytes": archive.len(),
            "files": files,
            "contributions": contributions,
            "synthesis": {"record": record.map(|r| r.to_string()), "hash": hash},
        }));
    }
    let mut lines = vec![tr!(
        "opendata-exported",
        file = &file,
        files = files.len(),
        contributions = contributions,
        size = size(archive.len())
    )];
    lines.push(format!("  {}", files.join(", ")));
    lines.push(match record {
        Some(record) => tr!("opendata-exported-published", record = record.short()),
        None => tr!("opendata-exported-computed"),
    });
    output::text(&lines.join("\n"))
}

/// Write `bytes` to `path` whole: a fresh file beside it, renamed over.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut fresh = path.as_os_str().to_owned();
    fresh.push(".part");
    let fresh = PathBuf::from(fresh);
    std::fs::write(&fresh, bytes)?;
    std::fs::rename(&fresh, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&fresh);
    })
}

fn name(cx: &Context, args: NameArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let (id, participation) = resolve(&mut home, community, args.participation.as_deref())?;
    let known = home
        .governance()
        .community(community)?
        .state
        .contributions
        .values()
        .any(|c| c.participation == participation && c.pseudonym == args.pseudonym);
    if !known {
        bail!(tr!(
            "opendata-unknown-pseudonym",
            pseudonym = &args.pseudonym
        ));
    }
    home.record_name(&id, &participation, &args.pseudonym, &args.name)?;
    if cx.json {
        return output::json(&serde_json::json!({
            "participation": participation.to_string(),
            "pseudonym": args.pseudonym,
            "name": args.name.trim(),
        }));
    }
    output::text(&tr!(
        "opendata-named",
        pseudonym = &args.pseudonym,
        name = args.name.trim()
    ))
}

fn erase(cx: &Context, args: EraseArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let (id, participation) = resolve(&mut home, community, args.participation.as_deref())?;
    let erased = home.erase_name(&id, &participation, &args.pseudonym)?;
    if cx.json {
        return output::json(&serde_json::json!({
            "participation": participation.to_string(),
            "pseudonym": args.pseudonym,
            "erased": erased,
        }));
    }
    output::text(&if erased {
        tr!("opendata-erased", pseudonym = &args.pseudonym)
    } else {
        tr!("opendata-no-name", pseudonym = &args.pseudonym)
    })
}

fn names(cx: &Context, args: NamesArgs) -> anyhow::Result<()> {
    let community = args.community.community.as_deref();
    let mut home = open(cx)?;
    let (id, participation) = resolve(&mut home, community, args.participation.as_deref())?;
    let names = home.names(&id, &participation)?;
    if cx.json {
        let list: Vec<_> = names
            .iter()
            .map(|(pseudonym, name)| serde_json::json!({"pseudonym": pseudonym, "name": name}))
            .collect();
        return output::json(&list);
    }
    if names.is_empty() {
        return output::text(&tr!("opendata-no-names"));
    }
    let mut lines = vec![tr!("opendata-names-head", count = names.len())];
    lines.extend(
        names
            .iter()
            .map(|(pseudonym, name)| format!("  {pseudonym}  {name}")),
    );
    output::text(&lines.join("\n"))
}

// ---------------------------------------------------------------------------
// `nous verify`

/// The lines `nous verify` prints for the syntheses of a community it
/// recomputed.
pub fn verify_lines(community: &nous_core::verify::CommunityReport) -> Vec<String> {
    community
        .syntheses
        .iter()
        .map(|s| {
            let line = tr!(
                "opendata-verify-synthesis",
                record = s.record.short(),
                participation = s.participation.short(),
                reproduced = if s.reproduced { "yes" } else { "no" },
                hash = s.hash.chars().take(16).collect::<String>()
            );
            format!("  {line}")
        })
        .collect()
}
