//! Markdown import: a synthetic charter of n sections and one of 4n, read
//! by `markdown::import` and built into a charter by the engine (what
//! `nous charter new --from FILE.md` does, over in-memory storage), against
//! raw Automerge making the same document in the same run. Linear means the
//! time per section is the same at both sizes: a ratio 4n / n near 1.
//!
//! Run with: `cargo bench -p nous-core --bench md_import` (`-- --json` for a
//! JSON line, `-- --n N` for the smaller size, `-- --rounds N` to keep the
//! best of N). Under `cargo test --benches` it runs a small smoke version.

mod common;

use std::time::{Duration, Instant};

use automerge::transaction::{CommitOptions, Transactable as _};
use automerge::{Automerge, ObjType, ROOT};
use nous_core::markdown::{self, Limits};
use nous_core::store::MemoryStorage;
use nous_core::{CharterDraft, DeviceKey, Engine};

const ANCHOR: &str = "raw Automerge 0.12: the same operations in one transaction, then save";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .skip_while(|a| *a != name)
            .nth(1)
            .and_then(|n| n.parse::<usize>().ok())
    };
    // Nothing from outside: `cargo test -- --ignored` (only what needs
    // something) skips it.
    if common::only_externals() {
        return;
    }
    let full = common::is_bench_run();
    let json = args.iter().any(|a| a == "--json");
    let n = value("--n").unwrap_or(if full { 2_500 } else { 50 });
    let rounds = value("--rounds").unwrap_or(if full { 3 } else { 1 }).max(1);

    let small = best_of(rounds, n);
    let large = best_of(rounds, 4 * n);
    let ratio = |pick: fn(&Run) -> Duration| per_section(&large, pick) / per_section(&small, pick);
    let (parse, engine, raw) = (ratio(|r| r.parse), ratio(|r| r.engine), ratio(|r| r.raw));
    if json {
        let run = |run: &Run| {
            serde_json::json!({
                "sections": run.sections, "bytes": run.bytes,
                "parse_us_per_section": per_section(run, |r| r.parse),
                "engine_us_per_section": per_section(run, |r| r.engine),
                "raw_us_per_section": per_section(run, |r| r.raw),
            })
        };
        println!(
            "{}",
            serde_json::json!({
                "workload": "md_import", "anchor": ANCHOR,
                "small": run(&small), "large": run(&large),
                "ratio_4n_over_n": { "parse": parse, "engine": engine, "raw": raw },
                "engine_over_raw": { "small": engine_over_raw(&small), "large": engine_over_raw(&large) },
            })
        );
        return;
    }
    println!("Markdown import, best of {rounds}; anchor: {ANCHOR}");
    println!(
        "{:>9} {:>10} {:>16} {:>16} {:>16} {:>12}",
        "sections",
        "bytes",
        "parse µs/sect.",
        "engine µs/sect.",
        "anchor µs/sect.",
        "engine/anchor"
    );
    for run in [&small, &large] {
        println!(
            "{:>9} {:>10} {:>16.2} {:>16.1} {:>16.1} {:>12.2}",
            run.sections,
            run.bytes,
            per_section(run, |r| r.parse),
            per_section(run, |r| r.engine),
            per_section(run, |r| r.raw),
            engine_over_raw(run),
        );
    }
    println!(
        "ratio 4n / n of the time per section (1 is linear): parse {parse:.2}, engine {engine:.2}, anchor {raw:.2}"
    );
}

struct Run {
    sections: usize,
    bytes: usize,
    /// `markdown::import`.
    parse: Duration,
    /// `Engine::create_charter`, the change durable, the charter read back.
    engine: Duration,
    /// The anchor: raw Automerge.
    raw: Duration,
}

fn per_section(run: &Run, pick: fn(&Run) -> Duration) -> f64 {
    pick(run).as_secs_f64() * 1e6 / run.sections as f64
}

fn engine_over_raw(run: &Run) -> f64 {
    run.engine.as_secs_f64() / run.raw.as_secs_f64()
}

/// A charter of `n` sections, each with a line of text and an article.
fn synthetic(n: usize) -> String {
    let mut markdown = String::from("# Charte\n\nPréambule de la charte.\n");
    for i in 0..n {
        markdown.push_str(&format!(
            "\n## Section {i}\n\nTexte {i}, accentué.\n\n1. Article {i}.\n"
        ));
    }
    markdown
}

fn best_of(rounds: usize, n: usize) -> Run {
    let markdown = synthetic(n);
    let mut best: Option<Run> = None;
    for _ in 0..rounds {
        let run = once(&markdown, n);
        best = Some(match best {
            None => run,
            Some(best) => Run {
                parse: best.parse.min(run.parse),
                engine: best.engine.min(run.engine),
                raw: best.raw.min(run.raw),
                ..best
            },
        });
    }
    best.expect("at least one round")
}

fn once(markdown: &str, n: usize) -> Run {
    let start = Instant::now();
    let draft = markdown::import(markdown, &Limits::default()).expect("within the caps");
    let parse = start.elapsed();
    assert_eq!(draft.sections.len(), n);

    let mut engine = Engine::with_storage(
        DeviceKey::from_seed(&[7; 32]),
        Box::new(MemoryStorage::default()),
        common::engine_options(),
    );
    let start = Instant::now();
    let created = engine.create_charter("Charte", &draft).expect("create");
    engine.wait(created.ticket).expect("durable");
    let charter = engine.charter(&created.value, None).expect("read");
    let engine_time = start.elapsed();
    assert_eq!(charter.sections.len(), n);
    assert_eq!(charter.sections[n - 1].text, draft.sections[n - 1].text);

    let start = Instant::now();
    let bytes = raw_automerge(&draft);
    let raw = start.elapsed();
    assert!(!bytes.is_empty());
    Run {
        sections: n,
        bytes: markdown.len(),
        parse,
        engine: engine_time,
        raw,
    }
}

/// The anchor: the charter schema's operations, written straight, with the
/// sections' positions known (no reads), one commit, then the bytes the
/// store would get.
fn raw_automerge(draft: &CharterDraft) -> Vec<u8> {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "schema", 1u64).expect("put");
    let title = tx.put_object(ROOT, "title", ObjType::Text).expect("put");
    tx.splice_text(&title, 0, 0, "Charte").expect("splice");
    let preamble = tx.put_object(ROOT, "preamble", ObjType::Text).expect("put");
    tx.splice_text(&preamble, 0, 0, &draft.preamble)
        .expect("splice");
    let sections = tx.put_object(ROOT, "sections", ObjType::Map).expect("put");
    let order = tx.put_object(ROOT, "order", ObjType::List).expect("put");
    for (index, section) in draft.sections.iter().enumerate() {
        let id = format!("s{index:07}");
        let obj = tx
            .put_object(&sections, id.as_str(), ObjType::Map)
            .expect("put");
        let heading = tx.put_object(&obj, "heading", ObjType::Text).expect("put");
        tx.splice_text(&heading, 0, 0, &section.heading)
            .expect("splice");
        tx.put(&obj, "level", u64::from(section.level))
            .expect("put");
        tx.put_object(&obj, "tags", ObjType::Map).expect("put");
        let articles = tx.put_object(&obj, "articles", ObjType::List).expect("put");
        for (at, article) in section.articles.iter().enumerate() {
            let item = tx
                .insert_object(&articles, at, ObjType::Map)
                .expect("insert");
            tx.put(&item, "number", article.number.as_str())
                .expect("put");
            let text = tx.put_object(&item, "text", ObjType::Text).expect("put");
            tx.splice_text(&text, 0, 0, &article.text).expect("splice");
        }
        tx.insert(&order, index, id.as_str()).expect("insert");
        let text = tx.put_object(&obj, "text", ObjType::Text).expect("put");
        tx.splice_text(&text, 0, 0, &section.text).expect("splice");
    }
    tx.commit_with(CommitOptions::default().with_time(0));
    doc.save_after(&[])
}
