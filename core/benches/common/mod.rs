//! Helpers shared by the benchmarks: finding and reading the editing traces,
//! memory readings, and the test-mode smoke run.

#![allow(dead_code, reason = "each benchmark uses a different subset")]

use std::io::Read as _;
use std::path::PathBuf;

/// One edit of a sequential trace: at `pos` (Unicode scalar values), delete
/// `del` characters, insert `ins`.
pub struct Edit {
    pub pos: usize,
    pub del: usize,
    pub ins: String,
}

pub struct Trace {
    pub edits: Vec<Edit>,
    pub end_content: String,
}

/// `../shared/data` from the workspace root, or `$NOUS_SHARED_DATA`.
pub fn shared_data() -> PathBuf {
    std::env::var_os("NOUS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// Load a sequential trace, or `None` when the data is not there.
pub fn load_trace(relative: &str) -> Option<Trace> {
    let path = shared_data().join(relative);
    let file = std::fs::File::open(&path).ok()?;
    let mut json = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut json)
        .expect("the trace is gzipped UTF-8");
    let value: serde_json::Value = serde_json::from_str(&json).expect("the trace is JSON");
    let mut edits = Vec::new();
    for txn in value["txns"].as_array().expect("txns") {
        for patch in txn["patches"].as_array().expect("patches") {
            edits.push(Edit {
                pos: patch[0].as_u64().expect("pos") as usize,
                del: patch[1].as_u64().expect("del") as usize,
                ins: patch[2].as_str().expect("ins").to_owned(),
            });
        }
    }
    Some(Trace {
        edits,
        end_content: value["endContent"].as_str().expect("endContent").to_owned(),
    })
}

/// Whether this is a real benchmark run (`cargo bench`) rather than the
/// smoke run `cargo test --benches` makes.
pub fn is_bench_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Whether the smoke run was asked for what needs data from outside the
/// repository: libtest's `--ignored` or `--include-ignored`, which
/// `cargo test -- …` passes to these harness-less benchmarks too.
pub fn externals_wanted() -> bool {
    std::env::args().any(|a| a == "--ignored" || a == "--include-ignored")
}

/// `cargo test -- --ignored` runs only what needs data from outside.
pub fn only_externals() -> bool {
    std::env::args().any(|a| a == "--ignored")
}

/// The editing trace a benchmark (`bench`) needs, by the rule the
/// integration tests follow for their tools: under `cargo test` it is
/// ignored unless asked for (`--ignored`, `--include-ignored`), and says
/// so; asked for (or under `cargo bench`), missing data is a failure,
/// unless `NOUS_SHARED_DATA=none` says this machine has none (`.ci/run`
/// sets it when the data is not beside the clone).
pub fn require_trace(bench: &str, relative: &str) -> Option<Trace> {
    if !is_bench_run() && !externals_wanted() {
        println!("{bench} ignored: needs ../shared/data (run `cargo test -- --ignored`)");
        return None;
    }
    if std::env::var_os("NOUS_SHARED_DATA").is_some_and(|v| v == "none") {
        println!("{bench} not run: NOUS_SHARED_DATA=none (no editing traces on this machine)");
        return None;
    }
    match load_trace(relative) {
        Some(trace) => Some(trace),
        None => {
            eprintln!(
                "{bench} cannot run: {} not found (set NOUS_SHARED_DATA)",
                shared_data().join(relative).display()
            );
            std::process::exit(1);
        }
    }
}

/// Resident and peak resident memory of this process, in bytes (Linux).
pub fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A charter with one empty section, where the benchmarks type.
pub fn one_section(heading: &str) -> nous_core::CharterDraft {
    nous_core::CharterDraft {
        title: None,
        preamble: String::new(),
        sections: vec![nous_core::SectionDraft {
            heading: heading.into(),
            level: 2,
            ..nous_core::SectionDraft::default()
        }],
    }
}

/// The wall clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Engine options for a benchmark: the system clock and a fixed sequence
/// of entropy (an LCG), so ids are the same in every run.
pub fn engine_options() -> nous_core::engine::EngineOptions {
    let mut counter = 0u64;
    nous_core::engine::EngineOptions::new(
        Box::new(now_ms),
        Box::new(move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                counter = counter
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (counter >> 33) as u8;
            }
        }),
    )
}
