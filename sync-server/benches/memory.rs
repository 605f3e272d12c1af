//! Memory: 1,000 concurrent connections across 300 documents, each
//! connection a stock automerge-repo client that synced one of the
//! documents and holds it open. The server's resident memory (VmRSS of its
//! process) — the Nous relay against the reference JavaScript sync server
//! (`tests/js/js-server.mjs`), same documents, same clients, same run.
//!
//! Run with: `cargo bench -p nous-sync-server --bench memory` (`-- --json`
//! for one JSON line; `--clients 1000 --docs 300 --processes 2` are the
//! defaults). Under `cargo test` it runs a small smoke version. Needs `node`
//! and `tests/js/node_modules`: ignored unless asked for (`cargo test --
//! --ignored`), then a missing tool is a failure.
//!
//! The clients are `load.mjs` in hold mode: one process seeds the documents
//! (about 2,000 characters of text typed in 20 changes each) and leaves;
//! then the clients, split over `--processes` Node processes, each open a
//! `Repo`, find their document (client i takes document i mod 300) and wait.
//! The server's memory is read once every client holds its document, and
//! again 2 s later (the larger is reported). For the relay, the documents
//! are shared in a community founded in memory and every connection has a
//! token of the founder's device with its own session.

mod common;

use std::time::Duration;

use common::{Founder, Kind, Load, Server, num};
use serde_json::{Value, json};

struct Setup {
    clients: usize,
    docs: usize,
    processes: usize,
    /// How long the clients may take to connect and find their documents.
    deadline_ms: u64,
    full: bool,
}

fn main() {
    let full = common::is_bench_run();
    let json_out = common::has_flag("--json");
    if !common::require_js("memory") {
        return;
    }
    let setup = Setup {
        clients: common::flag("--clients").map_or(if full { 1000 } else { 20 }, |v| {
            v.parse().expect("--clients N")
        }),
        docs: common::flag("--docs")
            .map_or(if full { 300 } else { 6 }, |v| v.parse().expect("--docs N")),
        processes: common::flag("--processes")
            .map_or(2, |v| v.parse().expect("--processes N"))
            .max(1),
        deadline_ms: common::flag("--deadline-secs")
            .map_or(60, |v| v.parse::<u64>().expect("--deadline-secs S"))
            * 1000,
        full,
    };
    let only = common::flag("--only");
    let ids = common::doc_ids(setup.docs, 21);
    let mut founder = Founder::new(11);
    founder.share(&ids);
    let ledger = founder.ledger();
    let doc_ids: Vec<String> = ids.iter().map(ToString::to_string).collect();

    let mut runs = Vec::new();
    for kind in [Kind::Js, Kind::Relay] {
        if only.as_deref().is_some_and(|o| o != kind.name()) {
            continue;
        }
        let run = run(kind, &setup, &founder, &ledger, &doc_ids);
        if !json_out {
            println!("{run}");
        }
        // The smoke run must succeed; a full run reports what it reached.
        if !setup.full {
            assert_eq!(
                run["found"].as_u64(),
                Some(setup.clients as u64),
                "every client found its document: {run}"
            );
        }
        runs.push(run);
    }
    let ratio = match (
        runs.iter().find(|r| r["server"] == "js"),
        runs.iter().find(|r| r["server"] == "relay"),
    ) {
        (Some(js), Some(relay)) => Some(num(js, "server_rss_mib") / num(relay, "server_rss_mib")),
        _ => None,
    };
    if json_out {
        println!(
            "{}",
            json!({
                "workload": "memory",
                "clients": setup.clients,
                "docs": setup.docs,
                "processes": setup.processes,
                "runs": runs,
                "ratio_rss_js_over_relay": ratio.map(|r| (r * 100.0).round() / 100.0),
            })
        );
        return;
    }
    println!();
    println!(
        "Memory: {} connections (stock Repos in {} Node processes) holding {} documents",
        setup.clients, setup.processes, setup.docs
    );
    println!(
        "{:>6} {:>7} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10} {:>10}",
        "server", "held", "fresh", "seeded", "holding", "peak", "KiB/conn", "drivers", "connect s"
    );
    for run in &runs {
        println!(
            "{:>6} {:>7} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>12.0} {:>10.0} {:>10.1}",
            run["server"].as_str().unwrap_or_default(),
            run["found"].as_u64().unwrap_or(0),
            num(run, "server_rss_fresh_mib"),
            num(run, "server_rss_seeded_mib"),
            num(run, "server_rss_mib"),
            num(run, "server_peak_rss_mib"),
            num(run, "kib_per_connection"),
            num(run, "drivers_rss_mib"),
            num(run, "connect_ms") / 1000.0,
        );
    }
    if let Some(ratio) = ratio {
        println!("ratio RSS js / relay while holding: {ratio:.2}");
    }
    for run in &runs {
        if run["found"].as_u64() != Some(setup.clients as u64) {
            println!(
                "{}: only {} of {} clients held their document within {} s (failed {}, not opened {}); first errors: {}",
                run["server"].as_str().unwrap_or_default(),
                run["found"],
                setup.clients,
                setup.deadline_ms / 1000,
                run["failed"],
                run["skipped"],
                run["errors"]
            );
        }
    }
}

/// One server, fresh: seed the documents, connect every client, read the
/// memory, let go.
fn run(kind: Kind, setup: &Setup, founder: &Founder, ledger: &[u8], doc_ids: &[String]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(kind, &dir.path().join(kind.name()));
    let tokens: Option<Vec<Value>> = (kind == Kind::Relay).then(|| {
        founder.register(&server, ledger).expect("register");
        let relay = server.relay.expect("relay key");
        match founder.tokens(&relay, 1 + setup.clients, 77) {
            Value::Array(list) => list,
            _ => unreachable!("a list"),
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    let (fresh, _) = server.rss_mib();

    // Seed.
    // A relay token opens one connection: the adapter must not retry
    // with it while a busy server has not answered yet.
    let common_options = json!({
        "mode": "hold",
        "url": server.url,
        "docIds": doc_ids,
        "connectTimeoutMs": setup.deadline_ms,
        "retryIntervalMs": setup.deadline_ms * 10,
        "timeoutMs": setup.deadline_ms * 3 + 120_000,
    });
    let mut seed = common_options.clone();
    seed["seedDocs"] = json!(true);
    seed["clients"] = json!(0);
    if let Some(tokens) = &tokens {
        seed["tokens"] = json!(tokens[..1]);
    }
    let mut seeder = Load::spawn(&seed);
    let seeded = seeder.expect("seed result", Duration::from_secs(300));
    assert_eq!(
        seeded["seeded"].as_u64(),
        Some(doc_ids.len() as u64),
        "{seeded}"
    );
    seeder.wait(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(500));
    let (after_seed, _) = server.rss_mib();

    // Hold.
    let per = setup.clients.div_ceil(setup.processes);
    let mut holders = Vec::new();
    let mut start = 0;
    while start < setup.clients {
        let n = per.min(setup.clients - start);
        let mut options = common_options.clone();
        options["clients"] = json!(n);
        options["offset"] = json!(start);
        options["control"] = json!(true);
        options["deadlineMs"] = json!(setup.deadline_ms);
        if let Some(tokens) = &tokens {
            options["tokens"] = json!(tokens[1 + start..1 + start + n]);
        }
        holders.push(Load::spawn(&options));
        start += n;
    }
    let mut found = 0;
    let mut failed = 0;
    let mut skipped = 0;
    let mut errors = Vec::new();
    let mut connect_ms: f64 = 0.0;
    let wait = Duration::from_millis(setup.deadline_ms * 2 + 60_000);
    for holder in &mut holders {
        let line = holder.expect("holding", wait);
        assert_eq!(line["phase"], "holding", "{line}");
        found += line["found"].as_u64().unwrap_or(0);
        failed += line["failed"].as_u64().unwrap_or(0);
        skipped += line["skipped"].as_u64().unwrap_or(0);
        connect_ms = connect_ms.max(num(&line, "connect_ms"));
        if let Some(list) = line["errors"].as_array() {
            errors.extend(list.iter().cloned());
        }
    }
    let cpu_holding = server.cpu_ms();
    let (mut rss, _) = server.rss_mib();
    std::thread::sleep(Duration::from_secs(2));
    let (later, hwm) = server.rss_mib();
    rss = rss.max(later);
    // Is the server still busy two seconds after the last client settled?
    let busy = (server.cpu_ms() - cpu_holding) / 2000.0;
    let drivers: f64 = holders.iter().map(|h| common::rss_mib(h.pid()).0).sum();
    let metrics = (kind == Kind::Relay).then(|| server.metrics());
    for holder in &mut holders {
        holder.go();
    }
    for mut holder in holders {
        let _ = holder.next(Duration::from_secs(30));
        holder.wait(Duration::from_secs(10));
    }
    server.stop();
    // Connections the server held: the relay counts them; every JS client
    // that got this far is connected.
    let connected = metrics
        .as_ref()
        .and_then(|m| m.get("nous_relay_connections").copied())
        .unwrap_or(found as f64);
    let mut out = json!({
        "server": kind.name(),
        "clients": setup.clients,
        "docs": doc_ids.len(),
        "found": found,
        "failed": failed,
        "skipped": skipped,
        "errors": errors,
        "server_cpu_busy_after": (busy * 100.0).round() / 100.0,
        "server_rss_fresh_mib": round1(fresh),
        "server_rss_seeded_mib": round1(after_seed),
        "server_rss_mib": round1(rss),
        "server_peak_rss_mib": round1(hwm),
        "kib_per_connection": ((rss - after_seed) * 1024.0 / connected.max(1.0)).round(),
        "drivers_rss_mib": round1(drivers),
        "connect_ms": connect_ms,
        "seed_ms": num(&seeded, "seed_ms"),
    });
    if let Some(m) = metrics {
        out["relay_connections"] = json!(m.get("nous_relay_connections"));
        out["relay_documents_loaded"] = json!(m.get("nous_relay_documents_loaded"));
    }
    out
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
