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
//! 0,1000,10000,50000`, `-- --edits N`, `-- --json`). Under `cargo test`
//! it runs a small smoke (N = 0 and 300, 3 edits).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nous_api::{Env, Home};
use nous_core::DocId;
use serde_json::{Value, json};

const CHARTER: &str =
    "# Coop\n\n## Adhésion\n\nOn adhère en écrivant.\n\n## Sortie\n\nOn part librement.\n";

/// How long a watch may take to start or to report an edit before the
/// benchmark fails (rather than hang).
const DEADLINE: Duration = Duration::from_secs(120);

fn nous(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nous"));
    command
        .arg("--home")
        .arg(home)
        .env_remove("NOUS_HOME")
        .env_remove("NOUS_NOW")
        .env("NOUS_LOG", "error")
        .stdin(Stdio::null());
    command
}

fn run(home: &Path, args: &[&str]) -> Value {
    let out = nous(home)
        .arg("--json")
        .args(args)
        .output()
        .expect("run nous");
    assert!(
        out.status.success(),
        "nous {:?}: {}",
        args.iter()
            .map(|a| a.chars().take(40).collect::<String>())
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(home: &Path, relay: &str) -> Watch {
        let mut child = nous(home)
            .args(["--json", "sync", relay, "--watch"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the watch");
        let stdout: ChildStdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(DEADLINE).expect("the watch started");
        assert!(first.contains("watching"), "{first}");
        Watch { child, lines }
    }

    /// Wait for the line that says a document was received.
    fn received(&mut self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("the edit reached the other member in time");
            if line.contains("\"received\"") {
                return;
            }
        }
    }

    /// The process's CPU time so far (user and system), in ms.
    fn cpu_ms(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("the watch runs");
        // Fields after the command name (which may hold spaces).
        let rest = &stat[stat.rfind(')').expect("stat") + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        let ticks: f64 =
            fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
        // The kernel's USER_HZ is 100 on Linux.
        ticks * 10.0
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One configuration: N prior one-character changes in the section, then
/// `edits` edits received by Bob's watch. Returns Bob's CPU ms per edit,
/// his idle CPU ms per second, and how long his first sync took (ms).
fn measure(prior: usize, edits: usize) -> (f64, f64, f64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (alice, bob) = (dir.path().join("alice"), dir.path().join("bob"));
    let mut relay = Command::new(env!("CARGO_BIN_EXE_nous"))
        .args(["--json", "serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("relay"))
        .env("NOUS_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nous serve");
    let mut line = String::new();
    BufReader::new(relay.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the start-up line");
    let started: Value = serde_json::from_str(&line).expect("start-up JSON");
    let url = started["listening"].as_str().expect("listening").to_owned();

    run(&alice, &["init"]);
    run(&bob, &["init"]);
    let bob_key = run(&bob, &["id"])["device"]
        .as_str()
        .expect("key")
        .to_owned();
    let md = dir.path().join("charter.md");
    std::fs::write(&md, CHARTER).expect("write");
    let doc = run(
        &alice,
        &["charter", "new", "--from", md.to_str().expect("utf-8")],
    )["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let founder = format!("{bob_key}:Bob:members");
    run(
        &alice,
        &[
            "community",
            "create",
            "Coop",
            "--charter",
            &doc,
            "--name-as",
            "Alice",
            "--founder",
            &founder,
        ],
    );
    let bundle = dir.path().join("coop.bundle");
    run(
        &alice,
        &[
            "bundle",
            "export",
            "--community",
            "Coop",
            "-o",
            bundle.to_str().expect("utf-8"),
        ],
    );
    run(&bob, &["bundle", "import", bundle.to_str().expect("utf-8")]);

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
        adhesion(&mut engine).text.trim_end().to_owned()
    };
    run(&alice, &["sync", &url]);
    let start = Instant::now();
    run(&bob, &["sync", &url]);
    let first_sync_ms = start.elapsed().as_secs_f64() * 1e3;

    let _alice_watch = Watch::start(&alice, &url);
    let mut bob_watch = Watch::start(&bob, &url);
    // Let both settle, then measure Bob's idle CPU.
    std::thread::sleep(Duration::from_millis(1500));
    let idle_from = bob_watch.cpu_ms();
    let idle_start = Instant::now();
    std::thread::sleep(Duration::from_secs(3));
    let idle_per_s = (bob_watch.cpu_ms() - idle_from) / idle_start.elapsed().as_secs_f64();
    let from = bob_watch.cpu_ms();
    let started = Instant::now();
    for n in 0..edits {
        let text = format!("{body} ({n})");
        run(
            &alice,
            &["charter", "edit", &doc, "Adhésion", "--text", &text],
        );
        bob_watch.received();
    }
    let busy = bob_watch.cpu_ms() - from;
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
    let edits: usize = arg("--edits")
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 40 } else { 3 });
    if !json_out {
        println!(
            "watch growth: Bob's `nous sync --watch`, CPU per received edit ({edits} edits each)"
        );
        println!("| prior changes | CPU ms per edit | / fresh | idle CPU ms/s | first sync ms |");
        println!("| --- | --- | --- | --- | --- |");
    }
    let mut fresh = None;
    for prior in priors {
        let (per_edit, idle, first_sync) = measure(prior, edits);
        let base = *fresh.get_or_insert(per_edit);
        let ratio = per_edit / base.max(0.01);
        if json_out {
            println!(
                "{}",
                json!({
                    "workload": "watch growth", "prior": prior, "edits": edits,
                    "cpu_ms_per_edit": per_edit, "ratio_to_fresh": ratio,
                    "idle_cpu_ms_per_s": idle, "first_sync_ms": first_sync,
                })
            );
        } else {
            println!("| {prior} | {per_edit:.2} | {ratio:.2}× | {idle:.2} | {first_sync:.0} |");
        }
    }
}
