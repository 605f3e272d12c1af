//! `charter edit` against the size of the text it changes (issue 14): a
//! short section's body replaced by a text of n characters, then one word
//! changed in the middle of that long body, each through `Engine::edit`
//! and `CharterTx::set_body` (what `nous charter edit` does, over
//! in-memory storage, the change made durable). Anchors in the same run:
//! raw Automerge `splice_text` of the same replacement (the floor: no diff
//! at all) and raw Automerge `update_text` (its own whole-text diff).
//! Linear means the time per character is the same at every size.
//!
//! Run with: `cargo bench -p nous-core --bench edit_sweep` (`-- --json`
//! for one JSON line, `-- --sizes 1000,10000` to choose the sizes, `--
//! --rounds N` to keep the best of N). Under `cargo test --benches` it runs
//! a small smoke version.

mod common;

use std::time::{Duration, Instant};

use automerge::transaction::Transactable as _;
use automerge::{Automerge, ObjType, ROOT};
use nous_core::markdown::{self, Limits};
use nous_core::store::MemoryStorage;
use nous_core::{DeviceKey, Engine};

const SHORT: &str = "On part quand on veut.";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().skip_while(|a| *a != name).nth(1).cloned();
    if common::only_externals() {
        return;
    }
    let full = common::is_bench_run();
    let json = args.iter().any(|a| a == "--json");
    let sizes: Vec<usize> = value("--sizes")
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| {
            if full {
                vec![1_000, 10_000, 30_000, 60_000, 120_000]
            } else {
                vec![1_000, 4_000]
            }
        });
    let rounds = value("--rounds")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(if full { 3 } else { 1 })
        .max(1);
    let runs: Vec<Run> = sizes.iter().map(|&n| best_of(rounds, n)).collect();
    if json {
        let rows: Vec<serde_json::Value> = runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "chars": r.chars,
                    "replace_ms": ms(r.replace), "small_change_ms": ms(r.small),
                    "raw_splice_ms": ms(r.raw_splice), "raw_update_text_ms": ms(r.raw_update),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"workload": "edit_sweep", "rounds": rounds, "runs": rows})
        );
        return;
    }
    println!(
        "charter edit against the text's size, best of {rounds} (ms; µs per 1,000 characters in brackets)"
    );
    println!(
        "{:>8} {:>20} {:>20} {:>20} {:>20}",
        "chars", "replace (engine)", "one word (engine)", "raw splice_text", "raw update_text"
    );
    for r in &runs {
        let cell = |d: Duration| format!("{:.1} ({:.0})", ms(d), ms(d) * 1e6 / r.chars as f64);
        println!(
            "{:>8} {:>20} {:>20} {:>20} {:>20}",
            r.chars,
            cell(r.replace),
            cell(r.small),
            cell(r.raw_splice),
            cell(r.raw_update)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Run {
    chars: usize,
    /// The short body replaced by the long one.
    replace: Duration,
    /// One word changed in the middle of the long body.
    small: Duration,
    /// Anchor: raw `splice_text` of the same replacement.
    raw_splice: Duration,
    /// Anchor: raw `update_text` of the same replacement.
    raw_update: Duration,
}

/// About `n` characters of prose in paragraphs of lines, accented, like a
/// charter's section (no headings, no numbered articles).
fn long_body(n: usize) -> String {
    let words = [
        "la",
        "coopérative",
        "réunit",
        "ses",
        "membres",
        "en",
        "assemblée",
        "chaque",
        "année",
        "et",
        "décide",
        "ensemble",
        "des",
        "règles",
        "communes",
        "qui",
        "s'appliquent",
        "à",
        "tous",
    ];
    let mut body = String::with_capacity(n + 80);
    let mut i = 0usize;
    let mut line = 0usize;
    let mut chars = 0usize;
    while chars < n {
        let word = words[(i * 7 + i / 19) % words.len()];
        body.push_str(word);
        chars += word.chars().count() + 1;
        i += 1;
        line += 1;
        if line.is_multiple_of(12) {
            let end = if line.is_multiple_of(60) {
                ".\n\n"
            } else {
                "\n"
            };
            body.push_str(end);
            chars += end.len() - 1;
        } else {
            body.push(' ');
        }
    }
    body.trim_end().to_owned()
}

/// `body` with the word nearest its middle replaced.
fn one_word_changed(body: &str) -> String {
    let mut middle = body.len() / 2;
    while !body.is_char_boundary(middle) {
        middle += 1;
    }
    let start = body[..middle].rfind(' ').map_or(0, |i| i + 1);
    let end = body[middle..].find(' ').map_or(body.len(), |i| middle + i);
    format!("{}{}{}", &body[..start], "Changé", &body[end..])
}

fn best_of(rounds: usize, n: usize) -> Run {
    let body = long_body(n);
    let changed = one_word_changed(&body);
    let mut best: Option<Run> = None;
    for _ in 0..rounds {
        let run = once(&body, &changed);
        best = Some(match best {
            None => run,
            Some(b) => Run {
                replace: b.replace.min(run.replace),
                small: b.small.min(run.small),
                raw_splice: b.raw_splice.min(run.raw_splice),
                raw_update: b.raw_update.min(run.raw_update),
                ..b
            },
        });
    }
    best.expect("at least one round")
}

fn once(body: &str, changed: &str) -> Run {
    let draft = markdown::import(
        &format!("# Charte\n\n## Départ\n\n{SHORT}\n"),
        &Limits::default(),
    )
    .expect("a charter");
    let mut engine = Engine::with_storage(
        DeviceKey::from_seed(&[7; 32]),
        Box::new(MemoryStorage::default()),
        common::engine_options(),
    );
    let created = engine.create_charter("Charte", &draft).expect("create");
    engine.wait(created.ticket).expect("durable");
    let doc = created.value;
    let section = engine.charter(&doc, None).expect("read").sections[0]
        .id
        .clone();

    let start = Instant::now();
    let edited = engine
        .edit(&doc, "long", |c| c.set_body(&section, body))
        .expect("edit");
    engine.wait(edited.ticket).expect("durable");
    let replace = start.elapsed();
    let read = engine.charter(&doc, None).expect("read");
    assert_eq!(
        read.sections[0].text, body,
        "the long body reads back exactly"
    );

    let start = Instant::now();
    let edited = engine
        .edit(&doc, "word", |c| c.set_body(&section, changed))
        .expect("edit");
    engine.wait(edited.ticket).expect("durable");
    let small = start.elapsed();
    let read = engine.charter(&doc, None).expect("read");
    assert_eq!(
        read.sections[0].text, changed,
        "the changed body reads back exactly"
    );

    let raw = |update: bool| {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "text", ObjType::Text).expect("put");
        tx.splice_text(&text, 0, 0, SHORT).expect("splice");
        tx.commit();
        let start = Instant::now();
        let mut tx = doc.transaction();
        if update {
            tx.update_text(&text, body).expect("update");
        } else {
            let len = SHORT.chars().count();
            tx.splice_text(&text, 0, len as isize, body)
                .expect("splice");
        }
        tx.commit();
        let elapsed = start.elapsed();
        assert_eq!(automerge::ReadDoc::text(&doc, &text).expect("text"), body);
        elapsed
    };
    let raw_splice = raw(false);
    let raw_update = raw(true);
    Run {
        chars: body.chars().count(),
        replace,
        small,
        raw_splice,
        raw_update,
    }
}
