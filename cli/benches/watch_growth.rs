//! Watch growth: the CPU a member's `nous sync --watch` spends per edit
//! it receives, against the length of the edited text's history (issue 14).
//!
//! Alice's home types N one-character changes into a section (through the
//! engine, in process), syncs once through `nous serve` on loopback, and
//! Bob's home syncs once; then both run `nous sync --watch` and Alice
//! changes the end of that section with `nous charter edit`, one command
//! per edit, waiting each time for Bob's watch to say it received it. Bob's
//! watch process's CPU time (`/proc`, utime + stime) over the edits, less
//! its idle CPU over as long before them, divided by the edits, is the
//! cost per received edit. The anchor is the same on a fresh section
//! (N = 0) in the same run: the ratio says how it grows.
//!
//! Run with: `cargo bench -p nous-cli --bench watch_growth` (`-- --prior
//! 0,1000,10000,50000`, `-- --edits N`, `-- --records R` for R signed
//! records in the community's ledger, `-- --json`). Under `cargo test`
//! it runs a small smoke (N = 0 and 300, 3 edits).

mod common;

use std::time::{Duration, Instant};

use common::{Watch, relay, run, two_members};
use nous_api::{Env, Home};
use nous_core::DocId;
use nous_core::record::{Payload, Tension, TensionPath};
use serde_json::json;

const CHARTER: &str =
    "# Coop\n\n## Adhésion\n\nOn adhère en écrivant.\n\n## Sortie\n\nOn part librement.\n";

/// A process's CPU time so far (user and system), in ms.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the watch runs");
    // Fields after the command name (which may hold spaces).
    let rest = &stat[stat.rfind(')').expect("stat") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    // The kernel's USER_HZ is 100 on Linux.
    ticks * 10.0
}

/// One configuration: N prior one-character changes in the section and
/// `records` signed records (tensions) in the community's ledger, then
/// `edits` edits received by Bob's watch. Returns Bob's CPU ms per edit,
/// his idle CPU ms per second, and how long his first sync took (ms).
fn measure(prior: usize, records: usize, edits: usize) -> (f64, f64, f64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (alice, bob) = (dir.path().join("alice"), dir.path().join("bob"));
    let (mut relay, url) = relay(&dir.path().join("relay"));
    let doc = two_members(dir.path(), &alice, &bob, CHARTER);

    // Alice types the history: one character per change at the end of the
    // section, as a typist does.
    let id: DocId = doc.parse().expect("doc id");
    let body = {
        let env = Env::from_environment().expect("env");
        let mut engine = Home::open(&alice, env).expect("open").into_engine();
        let adhesion = |engine: &mut nous_core::Engine| {
            engine
                .charter(&id, None)
                .expect("charter")
                .sections
                .into_iter()
                .find(|s| s.heading == "Adhésion")
                .expect("the section")
        };
        let section = adhesion(&mut engine);
        let start = section.text.chars().count();
        for n in 0..prior {
            let c = if n % 60 == 59 { " " } else { "x" };
            engine
                .type_text(&id, &section.id, start + n, 0, c)
                .expect("typed");
        }
        engine.flush().expect("flush");
        // The community's history: tensions raised, one act each.
        let community = *engine
            .communities()
            .expect("communities")
            .first()
            .expect("the community");
        let mut held = engine.community(&community).expect("the community");
        for n in 0..records {
            held = engine
                .act(
                    &held,
                    Payload::Tension(Tension {
                        path: TensionPath::Governance,
                        summary: format!("Tension {n}"),
                        section: None,
                    }),
                )
                .expect("acted")
                .community;
        }
        let body = adhesion(&mut engine).text.trim_end().to_owned();
        engine.flush().expect("flush");
        body
    };
    run(&alice, &["sync", &url]);
    let start = Instant::now();
    run(&bob, &["sync", &url]);
    let first_sync_ms = start.elapsed().as_secs_f64() * 1e3;

    let _alice_watch = Watch::start(&alice, &url, true);
    let mut bob_watch = Watch::start(&bob, &url, true);
    // Let both settle, then measure Bob's idle CPU.
    std::thread::sleep(Duration::from_millis(1500));
    let idle_from = cpu_ms(bob_watch.child.id());
    let idle_start = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let idle_per_s =
        (cpu_ms(bob_watch.child.id()) - idle_from) / idle_start.elapsed().as_secs_f64();
    let from = cpu_ms(bob_watch.child.id());
    let started = Instant::now();
    for n in 0..edits {
        let text = format!("{body} ({n})");
        run(
            &alice,
            &["charter", "edit", &doc, "Adhésion", "--text", &text],
        );
        bob_watch.received();
    }
    let busy = cpu_ms(bob_watch.child.id()) - from;
    let elapsed = started.elapsed().as_secs_f64();
    let per_edit = ((busy - idle_per_s * elapsed) / edits as f64).max(0.0);
    let _ = relay.kill();
    let _ = relay.wait();
    (per_edit, idle_per_s, first_sync_ms)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if std::env::args().any(|a| a == "--ignored") {
        return; // needs nothing from outside
    }
    let json_out = std::env::args().any(|a| a == "--json");
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let priors: Vec<usize> = arg("--prior")
        .map(|list| {
            list.split(',')
                .map(|n| n.parse().expect("a number"))
                .collect()
        })
        .unwrap_or_else(|| {
            if full {
                vec![0, 1_000, 10_000, 50_000]
            } else {
                vec![0, 300]
            }
        });
    let records: usize = arg("--records").and_then(|n| n.parse().ok()).unwrap_or(0);
    let edits: usize = arg("--edits")
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 40 } else { 3 });
    if !json_out {
        println!(
            "watch growth: Bob's `nous sync --watch`, CPU per received edit ({edits} edits each, {records} records in the ledger)"
        );
        println!("| prior changes | CPU ms per edit | / fresh | idle CPU ms/s | first sync ms |");
        println!("| --- | --- | --- | --- | --- |");
    }
    let mut fresh = None;
    for prior in priors {
        let (per_edit, idle, first_sync) = measure(prior, records, edits);
        let base = *fresh.get_or_insert(per_edit);
        let ratio = per_edit / base.max(0.01);
        if json_out {
            println!(
                "{}",
                json!({
                    "workload": "watch growth", "prior": prior, "records": records, "edits": edits,
                    "cpu_ms_per_edit": per_edit, "ratio_to_fresh": ratio,
                    "idle_cpu_ms_per_s": idle, "first_sync_ms": first_sync,
                })
            );
        } else {
            println!("| {prior} | {per_edit:.2} | {ratio:.2}× | {idle:.2} | {first_sync:.0} |");
        }
    }
}
