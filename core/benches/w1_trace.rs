//! W1: replay a real editing trace through the engine's edit API — one
//! change per keystroke, every change persisted in redb by group commit —
//! against raw Automerge doing the same edits (one transaction per
//! keystroke, nothing persisted), in the same run.
//!
//! Run with: `cargo bench -p nous-core --bench w1_trace` (add `-- --json`
//! for a JSON line, `-- --rounds N` to alternate N times and keep the best).
//! Under `cargo test --benches` it replays the first 2,000 edits as a smoke
//! test, when asked for (`cargo test -- --ignored`): it needs
//! `../shared/data` (`NOUS_SHARED_DATA`).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::{CommitOptions, Transactable as _};
use automerge::{Automerge, ObjType, ROOT, ReadDoc as _};
use nous_core::engine::EngineOptions;
use nous_core::store::{RedbOptions, RedbStorage, Ticket};
use nous_core::{DeviceKey, Engine};

const TRACE: &str = "editing-traces/sequential_traces/automerge-paper.json.gz";

fn main() {
    let full = common::is_bench_run();
    let json = std::env::args().any(|a| a == "--json");
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let Some(trace) = common::require_trace("W1", TRACE) else {
        return;
    };
    let edits = if full {
        &trace.edits[..]
    } else {
        &trace.edits[..2_000]
    };
    let expected = full.then_some(trace.end_content.as_str());

    let mut best_raw = Duration::MAX;
    let mut best_plain = Duration::MAX;
    let mut best_engine: Option<EngineRun> = None;
    for _ in 0..rounds.max(1) {
        let (plain, plain_text) = raw_automerge(edits, false);
        let (raw, raw_text) = raw_automerge(edits, true);
        if let Some(expected) = expected {
            assert_eq!(
                plain_text, expected,
                "raw automerge must reproduce endContent"
            );
            assert_eq!(
                raw_text, expected,
                "raw automerge must reproduce endContent"
            );
        }
        best_plain = best_plain.min(plain);
        best_raw = best_raw.min(raw);
        let run = engine(edits);
        if let Some(expected) = expected {
            assert_eq!(run.text, expected, "the engine must reproduce endContent");
        }
        if best_engine.as_ref().is_none_or(|b| run.elapsed < b.elapsed) {
            best_engine = Some(run);
        }
    }
    let Some(run) = best_engine else { return };
    let ratio = run.elapsed.as_secs_f64() / best_raw.as_secs_f64();
    let ratio_plain = run.elapsed.as_secs_f64() / best_plain.as_secs_f64();
    let per_edit = |d: Duration| d.as_secs_f64() * 1e6 / edits.len() as f64;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "workload": "W1", "edits": edits.len(),
                "raw_automerge_s": best_raw.as_secs_f64(),
                "raw_automerge_plain_s": best_plain.as_secs_f64(),
                "ratio_vs_plain": ratio_plain,
                "engine_s": run.elapsed.as_secs_f64(),
                "ratio": ratio,
                "commits": run.commits,
                "durable_latency_p50_ms": run.p50.as_secs_f64() * 1e3,
                "durable_latency_p99_ms": run.p99.as_secs_f64() * 1e3,
                "text_matches_end_content": expected.is_some(),
            })
        );
    } else {
        println!(
            "W1 trace replay: {} edits{}",
            edits.len(),
            if full { "" } else { " (smoke run)" }
        );
        println!(
            "  raw automerge 0.12, same operations, not persisted: {:>8.3} s  ({:.2} µs/edit)",
            best_raw.as_secs_f64(),
            per_edit(best_raw)
        );
        println!(
            "  raw automerge 0.12, plainest form:                  {:>8.3} s  ({:.2} µs/edit)",
            best_plain.as_secs_f64(),
            per_edit(best_plain)
        );
        println!(
            "  nous engine, one change per edit, persisted:        {:>8.3} s  ({:.2} µs/edit)",
            run.elapsed.as_secs_f64(),
            per_edit(run.elapsed)
        );
        println!(
            "  ratio engine / raw: {ratio:.3}  (target ≤ 1.2); against the plainest form: {ratio_plain:.3}"
        );
        println!(
            "  group commits: {} (avg {:.0} edits each); edit → durable p50 {:.2} ms, p99 {:.2} ms",
            run.commits,
            edits.len() as f64 / run.commits.max(1) as f64,
            run.p50.as_secs_f64() * 1e3,
            run.p99.as_secs_f64() * 1e3
        );
        if expected.is_some() {
            println!(
                "  final text matches endContent ({} chars)",
                run.text.chars().count()
            );
        }
    }
}

/// Raw Automerge, one transaction per edit, nothing persisted. With
/// `same_shape`, it does exactly the Automerge work the engine's keystroke
/// must do — the text nested where a charter section keeps it, a 32-byte
/// actor id (a device key), a timestamp on every change; without, the
/// plainest form: text at the root, a 16-byte random actor, no timestamps.
fn raw_automerge(edits: &[common::Edit], same_shape: bool) -> (Duration, String) {
    let mut doc = Automerge::new();
    if same_shape {
        doc.set_actor(automerge::ActorId::from(&[7u8; 32][..]));
    }
    let text = doc
        .transact(|tx| {
            if same_shape {
                let sections = tx.put_object(ROOT, "sections", ObjType::Map)?;
                let section = tx.put_object(&sections, "paper", ObjType::Map)?;
                tx.put_object(&section, "text", ObjType::Text)
            } else {
                tx.put_object(ROOT, "text", ObjType::Text)
            }
        })
        .expect("text")
        .result;
    let start = Instant::now();
    for edit in edits {
        let mut tx = doc.transaction();
        tx.splice_text(&text, edit.pos, edit.del as isize, &edit.ins)
            .expect("splice");
        if same_shape {
            tx.commit_with(CommitOptions::default().with_time(common::now_ms()));
        } else {
            tx.commit();
        }
    }
    let elapsed = start.elapsed();
    (elapsed, doc.text(&text).expect("text"))
}

struct EngineRun {
    elapsed: Duration,
    text: String,
    commits: usize,
    p50: Duration,
    p99: Duration,
}

fn engine(edits: &[common::Edit]) -> EngineRun {
    let dir = tempfile::tempdir().expect("tempdir");
    // `--memory`: the same engine over in-memory storage, to tell the cost
    // of encoding from the cost of writing to disk.
    let storage: Box<dyn nous_core::store::Storage> = if std::env::args().any(|a| a == "--memory") {
        Box::new(nous_core::store::MemoryStorage::default())
    } else {
        Box::new(
            RedbStorage::open(&dir.path().join("nous.redb"), RedbOptions::default())
                .expect("store"),
        )
    };
    let mut counter = 0u8;
    let options = EngineOptions::new(
        Box::new(common::now_ms),
        Box::new(move |buf: &mut [u8]| {
            counter = counter.wrapping_add(1);
            buf.fill(counter);
        }),
    );
    let mut engine = Engine::with_storage(DeviceKey::from_seed(&[7; 32]), storage, options);
    let draft = common::one_section("Paper");
    let created = engine.create_charter("Trace", &draft).expect("create");
    engine.wait(created.ticket).expect("durable");
    let doc = created.value;
    let section = engine.charter(&doc, None).expect("read").sections[0]
        .id
        .clone();

    // The group-commit thread: each commit takes whatever was staged while
    // the previous one ran.
    let store = engine.store();
    let stop = Arc::new(AtomicBool::new(false));
    let commits: Arc<Mutex<Vec<(Instant, Ticket)>>> = Arc::default();
    let flusher = {
        let (store, stop, commits) = (Arc::clone(&store), Arc::clone(&stop), Arc::clone(&commits));
        std::thread::spawn(move || {
            store
                .run_flusher(&stop, |ticket| {
                    commits.lock().expect("lock").push((Instant::now(), ticket));
                })
                .expect("flusher");
        })
    };

    // Each keystroke is staged (encoded, handed to the store) when the
    // store is idle; record which ticket covers which keystrokes.
    let mut staged: Vec<(Instant, Ticket)> = Vec::with_capacity(edits.len());
    let mut waiting: Vec<Instant> = Vec::new();
    let start = Instant::now();
    for edit in edits {
        let typed = engine
            .type_text(&doc, &section, edit.pos, edit.del, &edit.ins)
            .expect("keystroke");
        waiting.push(Instant::now());
        if let Some(ticket) = typed.staged {
            staged.extend(waiting.drain(..).map(|at| (at, ticket)));
        }
    }
    let last = engine.stage();
    staged.extend(waiting.drain(..).map(|at| (at, last)));
    engine.wait(last).expect("durable");
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Release);
    flusher.join().expect("flusher");

    // Edit → durable latency: the first commit covering each ticket.
    let commits = commits.lock().expect("lock").clone();
    let mut latencies: Vec<Duration> = Vec::with_capacity(staged.len());
    let mut next = 0;
    for (at, ticket) in &staged {
        while next < commits.len() && commits[next].1 < *ticket {
            next += 1;
        }
        if let Some((done, _)) = commits.get(next) {
            latencies.push(done.saturating_duration_since(*at));
        }
    }
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let text = engine.charter(&doc, None).expect("read").sections[0]
        .text
        .clone();
    EngineRun {
        elapsed,
        text,
        commits: commits.len(),
        p50: percentile(0.5),
        p99: percentile(0.99),
    }
}
