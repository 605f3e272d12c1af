//! A stock automerge-repo client in a real browser: headless Debian
//! Chromium opens `tests/js/browser/` (bundled by esbuild), connects to
//! `nous serve` with a member's token, reads the charter and writes a
//! change that a co-founder's `nous sync` then brings home.
//!
//! It needs `node`, `tests/js/node_modules` (`cd tests/js && npm ci`) and
//! `/usr/bin/chromium` (`apt-get install chromium`): it is `#[ignore]`d, so
//! `cargo test` lists it as ignored, and runs with `cargo test --
//! --ignored` (`.ci/run` does), where a missing tool fails it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::relay_support::{Member, RelayProcess, found, js_dir, require_tools};

/// Debian's Chromium: the only browser the driver may use (no tool
/// downloads its own here).
const CHROMIUM: &str = "/usr/bin/chromium";

/// The driver's global timeout (`timeoutMs`), in ms: bundle, launch, page.
const DRIVER_TIMEOUT_MS: u64 = 90_000;

/// The page's own timeout (`pageTimeoutMs`), in ms.
const PAGE_TIMEOUT_MS: u64 = 30_000;

/// How long to wait beyond the driver's own timeout before stopping it (it
/// should always exit by itself).
const GRACE: Duration = Duration::from_secs(15);

/// The browser test must run here: it is `#[ignore]`d by default and runs
/// only when asked for (`--ignored`), so a missing tool fails it.
fn require_browser() {
    require_tools(
        "browser test",
        &[
            "@automerge/automerge-repo",
            "@automerge/automerge-repo-network-websocket",
            "esbuild",
            "playwright-core",
        ],
        &[Path::new(CHROMIUM)],
    );
}

/// What the driver did.
struct Driven {
    code: Option<i32>,
    lines: Vec<Value>,
    stderr: String,
    took: Duration,
}

impl Driven {
    fn describe(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(Value::to_string).collect();
        format!(
            "run.mjs exit {:?} after {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.took,
            lines.join("\n"),
            self.stderr
        )
    }

    /// The first line that has `key`.
    #[track_caller]
    fn line(&self, key: &str) -> &Value {
        self.lines
            .iter()
            .find(|l| l.get(key).is_some())
            .unwrap_or_else(|| panic!("no `{key}` line\n{}", self.describe()))
    }
}

/// Run `tests/js/browser/run.mjs` with `options` until it exits by itself
/// (past its global timeout and a grace period: SIGTERM, then SIGKILL).
fn drive(options: &Value) -> Driven {
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg(js_dir().join("browser/run.mjs"))
        .arg(serde_json::to_string(options).expect("options JSON"))
        .current_dir(js_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node browser/run.mjs");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let stdout = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .map(|line| serde_json::from_str(&line).unwrap_or_else(|_| json!({ "raw": line })))
            .collect::<Vec<Value>>()
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = started + Duration::from_millis(DRIVER_TIMEOUT_MS) + GRACE;
    let mut terminated = false;
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        let now = Instant::now();
        if now > deadline && !terminated {
            // SIGTERM first: the driver then closes Chromium.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            terminated = true;
        } else if now > deadline + Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Driven {
        code,
        lines: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        took: started.elapsed(),
    }
}

/// `nous --json history DOC` in `member`'s home: the changes.
fn changes(member: &Member, doc: &str) -> Vec<Value> {
    member.json(&["history", doc])["changes"]
        .as_array()
        .expect("changes")
        .clone()
}

/// `nous --json charter show DOC --latest` in `member`'s home: the heads.
fn heads(member: &Member, doc: &str) -> Vec<String> {
    let out = member.json(&["charter", "show", doc, "--latest"]);
    out["heads"]
        .as_array()
        .unwrap_or_else(|| panic!("no heads in {out}"))
        .iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect()
}

/// Alice's token opens the relay to a stock client in Chromium; it reads
/// the charter and sets a root key; Bob, a co-founder, syncs the change
/// home with `nous sync`.
#[test]
#[ignore = "needs node, tests/js/node_modules and /usr/bin/chromium"]
fn a_stock_client_in_chromium_reads_the_charter_and_its_change_reaches_a_member() {
    require_browser();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    let heads_before = heads(&bob, &doc);
    let changes_before = changes(&bob, &doc);

    let token = alice.json(&["token", relay.url.as_str()]);
    let url = token["url"].as_str().expect("token url");
    let peer = token["peer_id"].as_str().expect("token peer_id");
    assert!(
        url.contains("?token="),
        "the token URL carries the token: {token}"
    );
    let doc_url = format!("automerge:{doc}");
    let value = "écrit depuis Chromium";
    let out = drive(&json!({
        "url": url,
        "peerId": peer,
        "doc": doc_url,
        "value": value,
        "timeoutMs": DRIVER_TIMEOUT_MS,
        "pageTimeoutMs": PAGE_TIMEOUT_MS,
    }));
    eprintln!("browser driver: {}", out.describe());
    assert!(
        out.code == Some(0) && out.lines.last().is_some_and(|l| l["done"] == true),
        "the browser driver failed\n{}",
        out.describe()
    );

    // The page connected with Alice's token, as her peer id, to this relay.
    let connected = out.line("connected");
    assert_eq!(connected["peerId"], peer, "{}", out.describe());
    assert_eq!(
        connected["connected"],
        format!("nous-relay-{}", relay.id),
        "{}",
        out.describe()
    );
    // It read the charter as Alice synced it.
    let found = out.line("found");
    assert_eq!(found["found"], doc_url.as_str(), "{}", out.describe());
    assert_eq!(found["title"], "Coop", "{}", out.describe());
    assert_eq!(found["schema"], "nous/charter/1", "{}", out.describe());
    assert_eq!(found["heads"], json!(heads_before), "{}", out.describe());
    // Its change, which the relay acknowledged.
    let changed: Vec<String> = out.line("changed")["heads"]
        .as_array()
        .expect("changed heads")
        .iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect();
    assert_eq!(changed.len(), 1, "{}", out.describe());
    assert_ne!(changed, heads_before, "{}", out.describe());
    assert_eq!(out.line("flushed")["flushed"], true, "{}", out.describe());

    // Bob's `nous sync` brings it home: one more change, the browser's,
    // on top of what he had; the charter still reads the same.
    let report = bob.sync(&relay, &[]);
    let entry = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["id"] == doc.as_str())
        .unwrap_or_else(|| panic!("{doc} not in the report: {report}"))
        .clone();
    assert!(
        entry["outcome"]
            .as_str()
            .is_some_and(|o| o.starts_with("merged")),
        "{report}"
    );
    assert_eq!(heads(&bob, &doc), changed, "Bob has the browser's change");
    let after = changes(&bob, &doc);
    assert_eq!(after.len(), changes_before.len() + 1, "{after:?}");
    let change = after
        .iter()
        .find(|c| c["hash"] == changed[0].as_str())
        .unwrap_or_else(|| panic!("no change {} in {after:?}", changed[0]));
    assert_eq!(change["deps"], json!(heads_before), "{change}");
    // Not a Nous device's change, and it touched no part of the charter.
    assert_eq!(change["device"], Value::Null, "{change}");
    assert_eq!(
        change["touched"],
        json!([{ "part": "document" }]),
        "{change}"
    );
    assert_eq!(bob.section(&doc, "Adhésion"), "On adhère en écrivant.");
}
