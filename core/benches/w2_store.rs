//! W2: saving and cold-opening a large document from the store, and the cold
//! start of a store holding 10,000 small documents — each against raw
//! Automerge (and raw redb) doing the same in the same run.
//!
//! Run with: `cargo bench -p nous-core --bench w2_store` (`-- --json` for a
//! JSON line). Under `cargo test --benches` it runs a small smoke version.
//! Cold measurements run in fresh child processes (this binary re-run), so
//! their memory readings start clean. Part A needs `../shared/data`: under
//! `cargo test` it runs only when asked for (`-- --ignored`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use automerge::Automerge;
use nous_core::store::RedbStorage;
use nous_core::{DeviceKey, DocId, Engine, markdown};

const TRACE: &str = "editing-traces/sequential_traces/automerge-paper.json.gz";

/// The store file of a bench home (as in a `nous` home).
const STORE_FILE: &str = "nous.redb";

/// A home for the bench: a redb store in `home`, written by the device of
/// `seed` (the bench measures the store; the key is not read from a file).
fn open_home(home: &Path, seed: u8) -> Engine {
    std::fs::create_dir_all(home).expect("home");
    let options = common::engine_options();
    let storage = RedbStorage::open(&home.join(STORE_FILE), options.redb).expect("open");
    Engine::with_storage(
        DeviceKey::from_seed(&[seed; 32]),
        Box::new(storage),
        options,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child processes.
    match args.get(1).map(String::as_str) {
        Some("--child-open-doc") => return child_open_doc(Path::new(&args[2]), &args[3]),
        Some("--child-raw-load") => return child_raw_load(Path::new(&args[2])),
        Some("--child-open-store") => return child_open_store(Path::new(&args[2])),
        Some("--child-eager-store") => return child_eager_store(Path::new(&args[2])),
        _ => {}
    }
    let full = common::is_bench_run();
    let json = args.iter().any(|a| a == "--json");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut report = serde_json::json!({ "workload": "W2" });

    match common::require_trace("W2 part A", TRACE) {
        None => {}
        Some(trace) => {
            let edits = if full {
                &trace.edits[..]
            } else {
                &trace.edits[..2_000]
            };
            report["document"] = large_document(
                dir.path(),
                edits,
                full.then_some(trace.end_content.as_str()),
                json,
            );
        }
    }
    // Part B needs nothing from outside: `cargo test -- --ignored` (only
    // what does) skips it.
    if !common::only_externals() {
        let count = if full { 10_000 } else { 200 };
        report["store"] = many_documents(dir.path(), count, json);
    }
    if json {
        println!("{report}");
    }
}

/// Part A: the automerge-paper document, typed through the engine, saved
/// (compacted into a snapshot) and opened cold.
fn large_document(
    root: &Path,
    edits: &[common::Edit],
    expected: Option<&str>,
    json: bool,
) -> serde_json::Value {
    let home = root.join("large");
    let mut engine = open_home(&home, 1);
    let draft = common::one_section("Paper");
    let doc = engine
        .create_charter("Paper", &draft)
        .expect("create")
        .value;
    let section = engine.charter(&doc, None).expect("read").sections[0]
        .id
        .clone();
    for edit in edits {
        engine
            .type_text(&doc, &section, edit.pos, edit.del, &edit.ins)
            .expect("type");
    }
    engine.flush().expect("flush");

    // Save: the engine compacts into one snapshot in a durable commit; raw
    // Automerge saves to bytes.
    let raw_doc: Automerge = engine.document(&doc).expect("doc").clone();
    let start = Instant::now();
    let saved = raw_doc.save();
    let raw_save = start.elapsed();
    let start = Instant::now();
    engine.close().expect("close");
    let engine_save = start.elapsed();
    let raw_file = root.join("paper.automerge");
    std::fs::write(&raw_file, &saved).expect("write");

    let open = child(&[
        "--child-open-doc",
        home.to_str().expect("path"),
        &doc.to_string(),
    ]);
    let raw = child(&["--child-raw-load", raw_file.to_str().expect("path")]);
    if let Some(expected) = expected {
        assert_eq!(
            open["text"].as_str(),
            Some(expected),
            "the reopened text is the trace's endContent"
        );
    }
    let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
    let value = serde_json::json!({
        "edits": edits.len(),
        "saved_bytes": saved.len(),
        "raw_save_ms": raw_save.as_secs_f64() * 1e3,
        "engine_save_ms": engine_save.as_secs_f64() * 1e3,
        "raw_load_ms": raw["load_ms"], "raw_load_peak_rss_mib": raw["peak_rss_mib"],
        "engine_open_ms": open["open_ms"], "engine_first_read_ms": open["read_ms"],
        "engine_peak_rss_mib": open["peak_rss_mib"],
        "open_ratio": (ms(&open["open_ms"]) + ms(&open["read_ms"])) / ms(&raw["load_ms"]).max(1e-9),
    });
    if !json {
        println!(
            "W2a save and cold open of the automerge-paper document ({} edits, {} bytes saved)",
            edits.len(),
            saved.len()
        );
        println!(
            "  save:  raw Automerge::save {:>8.1} ms | engine compaction (save + durable commit) {:>8.1} ms",
            raw_save.as_secs_f64() * 1e3,
            engine_save.as_secs_f64() * 1e3
        );
        println!(
            "  cold:  raw Automerge::load {:>8.1} ms, peak {:>6.1} MiB | engine open {:.1} ms + first read (guarded load) {:.1} ms, peak {:.1} MiB",
            ms(&raw["load_ms"]),
            ms(&raw["peak_rss_mib"]),
            ms(&open["open_ms"]),
            ms(&open["read_ms"]),
            ms(&open["peak_rss_mib"])
        );
        println!(
            "  ratio engine cold open / raw load: {:.3}",
            ms(&value["open_ratio"])
        );
        if expected.is_some() {
            println!("  reopened text matches endContent");
        }
    }
    value
}

fn child_open_doc(home: &Path, doc: &str) {
    let start = Instant::now();
    let mut engine = open_home(home, 1);
    let open = start.elapsed();
    let doc: DocId = doc.parse().expect("doc id");
    let start = Instant::now();
    let charter = engine.charter(&doc, None).expect("read");
    let read = start.elapsed();
    let (_, peak) = common::rss();
    println!(
        "{}",
        serde_json::json!({
            "open_ms": open.as_secs_f64() * 1e3,
            "read_ms": read.as_secs_f64() * 1e3,
            "peak_rss_mib": common::mib(peak),
            "text": charter.sections[0].text,
        })
    );
}

fn child_raw_load(file: &Path) {
    let bytes = std::fs::read(file).expect("read");
    let start = Instant::now();
    let doc = Automerge::load(&bytes).expect("load");
    let load = start.elapsed();
    let (_, peak) = common::rss();
    assert!(!doc.get_heads().is_empty());
    println!(
        "{}",
        serde_json::json!({ "load_ms": load.as_secs_f64() * 1e3, "peak_rss_mib": common::mib(peak) })
    );
}

/// Part B: a store with many small charters, each created and edited a
/// few times, then closed.
fn many_documents(root: &Path, count: usize, json: bool) -> serde_json::Value {
    let home = root.join("many");
    let mut engine = open_home(&home, 2);
    let draft = markdown::parse(
        "# Charte\n\n## Adhésion\n\nToute personne peut adhérer.\n\n1. Sur demande.\n\n## Sortie\n\nOn part quand on veut.\n",
    );
    let start = Instant::now();
    for n in 0..count {
        let doc = engine
            .create_charter(&format!("Charte {n}"), &draft)
            .expect("create")
            .value;
        let section = engine.charter(&doc, None).expect("read").sections[1]
            .id
            .clone();
        for word in ["Chacun ", "part ", "librement. "] {
            engine.type_text(&doc, &section, 0, 0, word).expect("type");
        }
        engine
            .edit(&doc, "tag", |c| {
                c.tag(&section, &["membership.exit".to_owned()], &[])
            })
            .expect("tag");
        if n % 500 == 499 {
            engine.flush().expect("flush");
        }
    }
    engine.close().expect("close");
    let build = start.elapsed();
    let bytes = std::fs::metadata(home.join(STORE_FILE)).map_or(0, |m| m.len());

    let lazy = child(&["--child-open-store", home.to_str().expect("path")]);
    let eager = child(&["--child-eager-store", home.to_str().expect("path")]);
    assert_eq!(lazy["documents"].as_u64(), Some(count as u64));
    assert_eq!(eager["documents"].as_u64(), Some(count as u64));
    let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
    let value = serde_json::json!({
        "documents": count, "store_bytes": bytes, "build_s": build.as_secs_f64(),
        "open_ms": lazy["open_ms"], "open_rss_mib": lazy["open_rss_mib"],
        "list_ms": lazy["list_ms"], "first_doc_ms": lazy["first_doc_ms"], "rss_after_mib": lazy["rss_after_mib"],
        "eager_ms": eager["eager_ms"], "eager_rss_mib": eager["rss_mib"],
        "open_ratio": ms(&lazy["open_ms"]) / ms(&eager["eager_ms"]).max(1e-9),
    });
    if !json {
        println!(
            "W2b cold start of a store with {count} charters ({:.1} MiB on disk, built in {:.1} s)",
            bytes as f64 / 1048576.0,
            build.as_secs_f64()
        );
        println!(
            "  engine open: {:>7.2} ms, RSS {:.1} MiB (targets < 100 ms, < 50 MiB); list all: {:.1} ms; first document: {:.2} ms; RSS then {:.1} MiB",
            ms(&lazy["open_ms"]),
            ms(&lazy["open_rss_mib"]),
            ms(&lazy["list_ms"]),
            ms(&lazy["first_doc_ms"]),
            ms(&lazy["rss_after_mib"])
        );
        println!(
            "  anchor, redb + Automerge::load of every document (eager): {:>8.1} ms, RSS {:.1} MiB",
            ms(&eager["eager_ms"]),
            ms(&eager["rss_mib"])
        );
        println!(
            "  ratio engine open / eager load: {:.4}",
            ms(&value["open_ratio"])
        );
    }
    value
}

fn child_open_store(home: &Path) {
    let start = Instant::now();
    let mut engine = open_home(home, 2);
    let open = start.elapsed();
    let (open_rss, _) = common::rss();
    let start = Instant::now();
    let docs = engine.list().expect("list");
    let list = start.elapsed();
    let start = Instant::now();
    let charter = engine
        .charter(&docs[docs.len() / 2].id, None)
        .expect("read");
    let first = start.elapsed();
    assert!(charter.sections[1].text.starts_with("librement."));
    let (rss, _) = common::rss();
    println!(
        "{}",
        serde_json::json!({
            "documents": docs.len(),
            "open_ms": open.as_secs_f64() * 1e3, "open_rss_mib": common::mib(open_rss),
            "list_ms": list.as_secs_f64() * 1e3, "first_doc_ms": first.as_secs_f64() * 1e3,
            "rss_after_mib": common::mib(rss),
        })
    );
}

/// The anchor: what opening costs when every document is loaded up front.
fn child_eager_store(home: &Path) {
    use redb::{ReadableDatabase as _, ReadableTable as _, TableDefinition};
    let start = Instant::now();
    let db = redb::Database::open(home.join(STORE_FILE)).expect("open");
    let read = db.begin_read().expect("read");
    let chunks: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("chunks");
    let table = read.open_table(chunks).expect("table");
    // Per document: snapshots first, then incremental changes, as the
    // engine loads them.
    let mut docs: Vec<Automerge> = Vec::new();
    let mut current: Option<(String, Vec<u8>, Vec<u8>)> = None;
    let flush = |current: &mut Option<(String, Vec<u8>, Vec<u8>)>, docs: &mut Vec<Automerge>| {
        if let Some((_, mut snapshot, incremental)) = current.take() {
            snapshot.extend_from_slice(&incremental);
            docs.push(Automerge::load(&snapshot).expect("load"));
        }
    };
    for entry in table.iter().expect("iter") {
        let (key, value) = entry.expect("entry");
        let mut parts = key.value().split('/');
        let doc = parts.next().unwrap_or_default().to_owned();
        let kind = parts.next().unwrap_or_default();
        if current.as_ref().is_none_or(|(d, _, _)| *d != doc) {
            flush(&mut current, &mut docs);
            current = Some((doc, Vec::new(), Vec::new()));
        }
        if let Some((_, snapshot, incremental)) = current.as_mut() {
            if kind == "snapshot" {
                snapshot
            } else {
                incremental
            }
            .extend_from_slice(value.value());
        }
    }
    flush(&mut current, &mut docs);
    let eager = start.elapsed();
    let (rss, _) = common::rss();
    println!(
        "{}",
        serde_json::json!({
            "documents": docs.len(), "eager_ms": eager.as_secs_f64() * 1e3, "rss_mib": common::mib(rss),
        })
    );
}

fn child(args: &[&str]) -> serde_json::Value {
    let exe: PathBuf = std::env::current_exe().expect("exe");
    let out = Command::new(exe).args(args).output().expect("child");
    assert!(
        out.status.success(),
        "child {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .expect("a JSON line");
    serde_json::from_str(line).expect("json")
}
