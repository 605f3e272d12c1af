//! W5: fan-out. One typist at 10 characters per second, K subscribers to
//! its document and 1,000 idle connections: latency from the edit to every
//! subscriber, and the server's CPU per change — the Nous relay against the
//! reference JavaScript automerge-repo sync server (`tests/js/js-server.mjs`)
//! on the same workload, with the same driver and the same seed, in the
//! same run. Two drivers, each run against both servers:
//!
//! - `stock` (`tests/js/load.mjs`): every client a stock automerge-repo Repo,
//!   all in one Node process — what real clients cost, and at K = 100 mostly
//!   a measure of that process's event loop;
//! - `light` (`common/light.rs`): bare automerge-repo peers in Rust (a
//!   WebSocket, the CBOR envelope, an Automerge document and its sync state
//!   each), which still take every message and answer it (peers in the same
//!   state share the work of the same message), timing an edit when its
//!   frame is read — closer to the server's own delivery.
//!
//! Run with: `cargo bench -p nous-sync-server --bench w5_fanout` (`-- --json`
//! for one JSON line; `--k 1,10,100 --idle 1000 --edits 200 --rate 10` are the
//! defaults; `--driver stock|light` and `--only js|relay` narrow it;
//! `--prior 0,1000,10000,50000` first fills the typist's text with that
//! many changes of one character, the growth of issue 14). Under
//! `cargo test` it runs a small smoke version. Needs `node` and
//! `tests/js/node_modules`: ignored unless asked for (`cargo test --
//! --ignored`), then a missing tool is a failure.
//!
//! For the relay, a community is founded in memory and the typist's document
//! shared in it (`document.share`); the community is registered with
//! `POST /register`, and every connection (typist, subscribers, idle) gets a
//! token of the founder's device with its own session. The CPU is the
//! server process's utime + stime (`/proc/<pid>/stat`) across the typing
//! phase (from the first edit until every subscriber saw the last one),
//! divided by the number of edits.

mod common;

use std::time::Duration;

use common::{Founder, Kind, Load, Server, light, num};
use serde_json::{Value, json};

struct Setup {
    k: Vec<usize>,
    idle: usize,
    edits: usize,
    rate: f64,
    seed: u64,
    quiet_ms: u64,
    /// Changes the document holds before the first edit (issue 14's
    /// growth: `--prior 0,1000,10000,50000`).
    prior: Vec<usize>,
}

fn main() {
    let full = common::is_bench_run();
    let json_out = common::has_flag("--json");
    if !common::require_js("W5") {
        return;
    }
    let setup = Setup {
        k: common::flag("--k").map_or_else(
            || if full { vec![1, 10, 100] } else { vec![1, 3] },
            |list| {
                list.split(',')
                    .map(|k| k.trim().parse().expect("--k 1,10,100"))
                    .collect()
            },
        ),
        idle: common::flag("--idle").map_or(if full { 1000 } else { 10 }, |v| {
            v.parse().expect("--idle N")
        }),
        edits: common::flag("--edits").map_or(if full { 200 } else { 10 }, |v| {
            v.parse().expect("--edits N")
        }),
        rate: common::flag("--rate").map_or(if full { 10.0 } else { 20.0 }, |v| {
            v.parse().expect("--rate R")
        }),
        seed: common::flag("--seed").map_or(1, |v| v.parse().expect("--seed N")),
        prior: common::flag("--prior").map_or_else(
            || vec![0],
            |list| {
                list.split(',')
                    .map(|n| n.trim().parse().expect("--prior 0,1000"))
                    .collect()
            },
        ),
        quiet_ms: if full { 2000 } else { 200 },
    };

    let mut founder = Founder::new(7);
    let doc = common::doc_ids(1, 5)[0];
    founder.share(&[doc]);
    let ledger = founder.ledger();

    // `--only js` or `--only relay`: one server (no ratio).
    let only = common::flag("--only");
    let kinds: Vec<Kind> = [Kind::Js, Kind::Relay]
        .into_iter()
        .filter(|k| only.as_deref().is_none_or(|o| o == k.name()))
        .collect();
    // `--driver stock` (load.mjs: stock automerge-repo Repos in Node) or
    // `--driver light` (bare peers in Rust, common/light.rs); both by default.
    let driver = common::flag("--driver");
    let drivers: Vec<&str> = ["stock", "light"]
        .into_iter()
        .filter(|d| driver.as_deref().is_none_or(|o| o == *d))
        .collect();
    let mut runs = Vec::new();
    for &prior in &setup.prior {
        for &driver in &drivers {
            for &k in &setup.k {
                for &kind in &kinds {
                    let doc = doc.to_string();
                    let mut run = match driver {
                        "light" => run_light(kind, k, prior, &setup, &founder, &ledger, &doc),
                        _ => run(kind, k, prior, &setup, &founder, &ledger, &doc),
                    };
                    run["prior"] = json!(prior);
                    if !json_out {
                        print_run(&run);
                    }
                    runs.push(run);
                }
            }
        }
    }
    let mut ratios = Vec::new();
    for (prior, (&driver, &k)) in setup
        .prior
        .iter()
        .flat_map(|p| {
            drivers
                .iter()
                .flat_map(|d| setup.k.iter().map(move |k| (d, k)))
                .map(move |dk| (*p, dk))
        })
        .filter(|_| kinds.len() == 2)
    {
        let find = |kind: &str| {
            runs.iter()
                .find(|r| {
                    r["k"] == k
                        && r["server"] == kind
                        && r["driver"] == driver
                        && r["prior"] == prior
                })
                .expect("both servers ran")
        };
        let (js, relay) = (find("js"), find("relay"));
        let ratio = |key: &str| num(js, key) / num(relay, key);
        ratios.push(json!({
            "driver": driver,
            "k": k,
            "prior": prior,
            "cpu_per_change_js_over_relay": round(ratio("cpu_ms_per_change"), 1),
            "p50_js_over_relay": round(ratio("p50_ms"), 2),
            "p99_js_over_relay": round(ratio("p99_ms"), 2),
        }));
        // Smoke runs check correctness only: everything arrived, and the
        // relay timed its fan-out (a frame may carry several edits).
        for run in [js, relay] {
            assert_eq!(run["lost"], 0, "W5: edits lost: {run}");
        }
        assert!(
            num(relay, "relay_fanout_count") > 0.0 && relay["relay_fanout_p99_ms"].is_number(),
            "W5: the relay did not time its fan-out: {relay}"
        );
    }
    if json_out {
        println!(
            "{}",
            json!({
                "workload": "W5",
                "idle": setup.idle,
                "edits": setup.edits,
                "rate": setup.rate,
                "seed": setup.seed,
                "runs": runs,
                "ratios": ratios,
            })
        );
    } else {
        println!();
        println!(
            "W5 fan-out: {} edits at {}/s (Poisson, seed {}), {} idle connections",
            setup.edits, setup.rate, setup.seed, setup.idle
        );
        println!(
            "{:>6} {:>6} {:>4} {:>6} {:>9} {:>9} {:>9} {:>5} {:>12} {:>9} {:>9} {:>5} {:>8} {:>9}",
            "prior",
            "driver",
            "K",
            "server",
            "p50 ms",
            "p99 ms",
            "max ms",
            "lost",
            "CPU ms/chg",
            "1st p50",
            "1st p99",
            "ELU",
            "RSS MiB",
            "relay p99"
        );
        for run in &runs {
            println!(
                "{:>6} {:>6} {:>4.0} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>5.0} {:>12.3} {:>9.2} {:>9.2} {:>5.2} {:>8.0} {:>9.2}",
                run["prior"],
                run["driver"].as_str().unwrap_or_default(),
                num(run, "k"),
                run["server"].as_str().unwrap_or_default(),
                num(run, "p50_ms"),
                num(run, "p99_ms"),
                num(run, "max_ms"),
                num(run, "lost"),
                num(run, "cpu_ms_per_change"),
                num(run, "first_p50_ms"),
                num(run, "first_p99_ms"),
                run["event_loop_utilization"].as_f64().unwrap_or(f64::NAN),
                num(run, "server_rss_mib"),
                run["relay_fanout_p99_ms"].as_f64().unwrap_or(f64::NAN),
            );
        }
        for r in &ratios {
            println!(
                "prior {:>6}, {} driver, K = {:>3}: CPU per change js/relay {}x, p50 js/relay {}, p99 js/relay {}",
                r["prior"],
                r["driver"].as_str().unwrap_or_default(),
                r["k"],
                r["cpu_per_change_js_over_relay"],
                r["p50_js_over_relay"],
                r["p99_js_over_relay"]
            );
        }
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// One run on a fresh server.
fn run(
    kind: Kind,
    k: usize,
    prior: usize,
    setup: &Setup,
    founder: &Founder,
    ledger: &[u8],
    doc: &str,
) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(kind, &dir.path().join(kind.name()));
    // The typist's document as it stands before the first edit.
    let seed = dir.path().join("seed.automerge");
    std::fs::write(&seed, common::typist_doc(prior).0.save()).expect("seed");
    let mut options = json!({
        "url": server.url,
        "subscribers": k,
        "idle": setup.idle,
        "edits": setup.edits,
        "rate": setup.rate,
        "seed": setup.seed,
        "docId": doc,
        "seedFile": seed,
        "prior": prior,
        "control": true,
        // A relay token opens one connection: no reconnection attempts.
        "connectTimeoutMs": 30_000,
        "retryIntervalMs": 600_000,
    });
    if kind == Kind::Relay {
        founder.register(&server, ledger).expect("register");
        let relay = server.relay.expect("relay key");
        options["tokens"] = founder.tokens(&relay, 1 + k + setup.idle, k as u64);
    }
    let mut load = Load::spawn(&options);
    let ready = load.expect("ready", Duration::from_secs(180));
    assert_eq!(ready["phase"], "ready", "{ready}");
    // Everyone is connected: how much CPU does the server burn doing nothing?
    let quiet0 = server.cpu_ms();
    std::thread::sleep(Duration::from_millis(setup.quiet_ms));
    let quiet_cpu_ms_per_s = (server.cpu_ms() - quiet0) * 1000.0 / setup.quiet_ms as f64;
    let before = (kind == Kind::Relay).then(|| server.metrics());
    let (rss_ready, _) = server.rss_mib();
    let cpu0 = server.cpu_ms();
    load.go();
    let typing = Duration::from_secs_f64(setup.edits as f64 / setup.rate * 3.0 + 60.0);
    let settled = load.expect("settled", typing);
    let cpu1 = server.cpu_ms();
    assert_eq!(settled["phase"], "settled", "{settled}");
    let after = (kind == Kind::Relay).then(|| server.metrics());
    load.go();
    let mut result = load.expect("result", Duration::from_secs(30));
    load.wait(Duration::from_secs(15));
    let (rss, hwm) = server.rss_mib();
    server.stop();
    result["driver"] = json!("stock");
    add_server_figures(
        &mut result,
        kind,
        setup,
        Figures {
            cpu: cpu1 - cpu0,
            quiet_cpu_ms_per_s,
            rss,
            rss_ready,
            hwm,
            before,
            after,
        },
    );
    result
}

/// One run on a fresh server with the light driver (`common/light.rs`).
#[allow(clippy::too_many_arguments, reason = "a benchmark's plumbing")]
fn run_light(
    kind: Kind,
    k: usize,
    prior: usize,
    setup: &Setup,
    founder: &Founder,
    ledger: &[u8],
    doc: &str,
) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(kind, &dir.path().join(kind.name()));
    let n = 1 + k + setup.idle;
    let identities: Vec<light::Identity> = if kind == Kind::Relay {
        founder.register(&server, ledger).expect("register");
        let relay = server.relay.expect("relay key");
        founder
            .tokens(&relay, n, k as u64)
            .as_array()
            .expect("tokens")
            .iter()
            .map(|t| light::Identity {
                token: t["token"].as_str().map(str::to_owned),
                peer: t["peerId"].as_str().expect("peer id").to_owned(),
            })
            .collect()
    } else {
        (0..n)
            .map(|i| light::Identity {
                token: None,
                peer: format!("light-{k}-{i}"),
            })
            .collect()
    };
    let mut ready = light::prepare(light::Options {
        url: server.url.clone(),
        doc: doc.to_owned(),
        identities,
        subscribers: k,
        idle: setup.idle,
        edits: setup.edits,
        rate: setup.rate,
        seed: setup.seed,
        prior,
    });
    let quiet0 = server.cpu_ms();
    std::thread::sleep(Duration::from_millis(setup.quiet_ms));
    let quiet_cpu_ms_per_s = (server.cpu_ms() - quiet0) * 1000.0 / setup.quiet_ms as f64;
    let before = (kind == Kind::Relay).then(|| server.metrics());
    let (rss_ready, _) = server.rss_mib();
    let cpu0 = server.cpu_ms();
    let driver0 = common::cpu_ms(std::process::id());
    let sent = ready.type_all(Duration::from_secs(5));
    let cpu1 = server.cpu_ms();
    let driver_cpu = common::cpu_ms(std::process::id()) - driver0;
    let after = (kind == Kind::Relay).then(|| server.metrics());
    let mut result = ready.finish(&sent);
    let (rss, hwm) = server.rss_mib();
    server.stop();
    result["driver_cpu_ms_per_change"] = json!(round(driver_cpu / setup.edits as f64, 3));
    add_server_figures(
        &mut result,
        kind,
        setup,
        Figures {
            cpu: cpu1 - cpu0,
            quiet_cpu_ms_per_s,
            rss,
            rss_ready,
            hwm,
            before,
            after,
        },
    );
    result
}

/// What was read from the server around a run.
struct Figures {
    cpu: f64,
    quiet_cpu_ms_per_s: f64,
    rss: f64,
    rss_ready: f64,
    hwm: f64,
    before: Option<std::collections::BTreeMap<String, f64>>,
    after: Option<std::collections::BTreeMap<String, f64>>,
}

fn add_server_figures(result: &mut Value, kind: Kind, setup: &Setup, figures: Figures) {
    let Figures {
        cpu,
        quiet_cpu_ms_per_s,
        rss,
        rss_ready,
        hwm,
        before,
        after,
    } = figures;

    let obj = result.as_object_mut().expect("a JSON object");
    obj.insert("server".into(), json!(kind.name()));
    obj.insert("server_cpu_ms".into(), json!(round(cpu, 1)));
    obj.insert(
        "cpu_ms_per_change".into(),
        json!(round(cpu / setup.edits as f64, 4)),
    );
    obj.insert(
        "quiet_cpu_ms_per_s".into(),
        json!(round(quiet_cpu_ms_per_s, 2)),
    );
    obj.insert("server_rss_mib".into(), json!(round(rss, 1)));
    obj.insert("server_rss_ready_mib".into(), json!(round(rss_ready, 1)));
    obj.insert("server_peak_rss_mib".into(), json!(round(hwm, 1)));
    if let (Some(before), Some(after)) = (before, after) {
        let delta = |name: &str| after.get(name).unwrap_or(&0.0) - before.get(name).unwrap_or(&0.0);
        for (field, metric) in [
            (
                "relay_changes_admitted",
                "nous_relay_changes_admitted_total",
            ),
            ("relay_changes_typed", "nous_relay_changes_typed_total"),
            ("relay_typing_batches", "nous_relay_typing_batches_total"),
            ("relay_messages_in", "nous_relay_messages_in_total"),
            ("relay_messages_out", "nous_relay_messages_out_total"),
        ] {
            obj.insert(field.into(), json!(delta(metric)));
        }
        obj.insert(
            "relay_connections".into(),
            json!(after.get("nous_relay_connections")),
        );
        // The relay's share of each (edit, reader) latency: from the
        // writer's frame read to the reader's written, as the relay counts
        // it (`nous_relay_fanout_seconds`).
        let fanout = fanout_buckets(&before, &after);
        let count = fanout.last().map_or(0.0, |&(_, n)| n);
        obj.insert("relay_fanout_count".into(), json!(count));
        for (field, q) in [("relay_fanout_p50_ms", 0.5), ("relay_fanout_p99_ms", 0.99)] {
            obj.insert(
                field.into(),
                json!(quantile(&fanout, q).map(|s| round(s * 1e3, 2))),
            );
        }
    }
}

/// The fan-out histogram's cumulative buckets over the run: (upper bound
/// in seconds, count), by bound; `+Inf` last.
fn fanout_buckets(
    before: &std::collections::BTreeMap<String, f64>,
    after: &std::collections::BTreeMap<String, f64>,
) -> Vec<(f64, f64)> {
    let prefix = "nous_relay_fanout_seconds_bucket{le=\"";
    let mut buckets: Vec<(f64, f64)> = after
        .iter()
        .filter_map(|(key, n)| {
            let le = key.strip_prefix(prefix)?.strip_suffix("\"}")?;
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((bound, n - before.get(key).unwrap_or(&0.0)))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    buckets
}

/// The `q` quantile of cumulative buckets, interpolated linearly inside
/// its bucket (the usual estimate from a histogram); None when empty or
/// past the last finite bound.
fn quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut below = (0.0, 0.0);
    for &(bound, cumulative) in buckets {
        if cumulative >= rank {
            if !bound.is_finite() {
                return None;
            }
            let (lower, under) = below;
            let inside = cumulative - under;
            return Some(lower + (bound - lower) * (rank - under) / inside.max(1.0));
        }
        below = (bound, cumulative);
    }
    None
}

fn print_run(run: &Value) {
    println!("{run}");
}
