//! Live edit: how long an edit made with `nous charter edit` in one home
//! takes to reach a member whose `nous sync --watch` runs through the
//! relay, both homes watching (`nous serve` on loopback). Measured from the
//! edit command's exit to the line in which the other member's watch says
//! it received the change (it is then in that member's home).
//!
//! Two ways, alternated in one run: the watch woken when another process
//! writes to its home's store (the default), and the anchor, the watch
//! looking at its home every 250 ms only (`NOUS_WATCH_STORE=0`). Reports
//! the median and p99 of each and their ratio.
//!
//! Run with: `cargo bench -p nous-cli --bench live_edit` (`-- --edits N`,
//! `-- --json`). Under `cargo test` it runs a few edits as a smoke test.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{Watch, relay, run, two_members};
use serde_json::json;

const CHARTER: &str = "# Coop\n\n## Adhésion\n\nOn adhère en écrivant.\n";

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if std::env::args().any(|a| a == "--ignored") {
        return; // needs nothing from outside
    }
    let json_out = std::env::args().any(|a| a == "--json");
    let edits: usize = std::env::args()
        .skip_while(|a| a != "--edits")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 100 } else { 4 });
    let dir = tempfile::tempdir().expect("tempdir");
    let (alice, bob): (PathBuf, PathBuf) = (dir.path().join("alice"), dir.path().join("bob"));

    let (mut relay, url) = relay(&dir.path().join("relay"));
    // Alice founds a community with Bob; both sync once.
    let doc = two_members(dir.path(), &alice, &bob, CHARTER);
    run(&alice, &["sync", &url]);
    run(&bob, &["sync", &url]);

    let mut results = serde_json::Map::new();
    let mut samples: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut n = 0;
    // Alternate the two ways in rounds, so that both see the same machine.
    let rounds = 2;
    for _ in 0..rounds {
        for (way, notify) in [(0, true), (1, false)] {
            let _alice_watch = Watch::start(&alice, &url, notify);
            let mut bob_watch = Watch::start(&bob, &url, notify);
            for _ in 0..edits.div_ceil(rounds) {
                n += 1;
                // Let both watches settle between edits.
                std::thread::sleep(Duration::from_millis(300));
                let text = format!("On adhère en écrivant ({n}).");
                run(
                    &alice,
                    &["charter", "edit", &doc, "Adhésion", "--text", &text],
                );
                let done = Instant::now();
                let at = bob_watch.received();
                samples[way].push(at.duration_since(done).as_secs_f64() * 1e3);
            }
        }
    }
    let _ = relay.kill();
    let _ = relay.wait();
    let mut medians = [0.0; 2];
    for (way, name) in [(0, "notified"), (1, "polled_250ms")] {
        let mut sorted = samples[way].clone();
        sorted.sort_by(f64::total_cmp);
        medians[way] = quantile(&sorted, 0.5);
        results.insert(
            name.into(),
            json!({
                "edits": sorted.len(),
                "median_ms": (quantile(&sorted, 0.5) * 10.0).round() / 10.0,
                "p99_ms": (quantile(&sorted, 0.99) * 10.0).round() / 10.0,
                "max_ms": (sorted[sorted.len() - 1] * 10.0).round() / 10.0,
            }),
        );
    }
    let ratio = medians[1] / medians[0].max(0.001);
    let report = json!({ "workload": "live edit through the relay", "results": results, "median_ratio_polled_over_notified": (ratio * 100.0).round() / 100.0 });
    if json_out {
        println!("{report}");
    } else {
        println!(
            "live edit: notified {} / polled every 250 ms {} (median ratio {:.2})",
            report["results"]["notified"], report["results"]["polled_250ms"], ratio
        );
    }
}
