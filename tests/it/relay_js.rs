//! JS interop: stock automerge-repo 2.5.6 clients (`tests/js/client.mjs`)
//! against `nous serve`, next to `nous sync`.
//!
//! These tests need `node` and `tests/js/node_modules` (`cd tests/js && npm
//! ci`): they are `#[ignore]`d, so `cargo test` lists them as ignored, and
//! run with `cargo test -- --ignored` (`.ci/run` does), where a missing
//! tool fails them.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::relay_support::{Member, RelayProcess, found, js_dir, require_tools};

/// The global timeout given to every JS client (`timeoutMs`), in ms.
const JS_TIMEOUT_MS: u64 = 30_000;

/// How long to wait for a JS client beyond its own global timeout before
/// killing it (it should always exit by itself).
const JS_GRACE: Duration = Duration::from_secs(10);

/// A child's stdout, line by line (each mapped by `map`) on a channel, and
/// its stderr, whole, once it exits: read on threads, so the child never
/// blocks on a full pipe.
fn read_output<T: Send + 'static>(
    child: &mut std::process::Child,
    map: impl Fn(String) -> T + Send + 'static,
) -> (mpsc::Receiver<T>, std::thread::JoinHandle<String>) {
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(map(line)).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    (lines, stderr)
}

/// The JS client must run here: these tests are `#[ignore]`d by default
/// and run only when asked for (`--ignored`), so a missing tool fails them.
fn require_js() {
    require_tools(
        "JS interop test",
        &[
            "@automerge/automerge-repo",
            "@automerge/automerge-repo-network-websocket",
        ],
        &[],
    );
}

/// A fresh, valid automerge-repo document id (base58check of 16 random
/// bytes) that no one has used.
fn random_doc_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random bytes");
    nous_core::DocId::from_bytes(bytes).to_string()
}

/// A token for `member`'s device on `relay`: (WebSocket URL with the
/// token, the peer id the client must use).
fn token(member: &Member, relay: &RelayProcess) -> (String, String) {
    let out = member.json(&["token", relay.url.as_str()]);
    let url = out["url"].as_str().expect("token url").to_owned();
    let peer = out["peer_id"].as_str().expect("token peer_id").to_owned();
    assert!(
        url.contains("?token="),
        "the token URL carries the token: {out}"
    );
    (url, peer)
}

/// A client.mjs script for `member` (a fresh token): the script and the
/// peer id it connects as.
fn script(member: &Member, relay: &RelayProcess, steps: Value) -> (Value, String) {
    let (url, peer) = token(member, relay);
    let script = json!({
        "url": url,
        "peerId": peer,
        "timeoutMs": JS_TIMEOUT_MS,
        "connectTimeoutMs": 10_000,
        // A token opens one connection only: a retry would be refused.
        "retryIntervalMs": 60_000,
        "steps": steps,
    });
    (script, peer)
}

/// What a finished client did.
struct JsOutcome {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
}

impl JsOutcome {
    fn describe(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(Value::to_string).collect();
        format!(
            "client.mjs exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            lines.join("\n"),
            self.stderr
        )
    }

    /// Assert the script ran to the end.
    #[track_caller]
    fn ok(&self) -> &Self {
        assert!(
            self.code == 0 && self.lines.last().is_some_and(|l| l["done"] == true),
            "the JS client failed\n{}",
            self.describe()
        );
        self
    }

    /// The first line that has `key` and whose `key` is `value` (any value
    /// when `None`).
    #[track_caller]
    fn line(&self, key: &str, value: Option<&str>) -> &Value {
        self.lines
            .iter()
            .find(|l| {
                l.get(key)
                    .is_some_and(|v| value.is_none_or(|want| v == want))
            })
            .unwrap_or_else(|| {
                panic!(
                    "no `{key}`{} line\n{}",
                    value.map(|v| format!(" = {v}")).unwrap_or_default(),
                    self.describe()
                )
            })
    }
}

/// A running client.mjs: stdout read line by line as it comes, killed on
/// drop if still running.
struct JsClient {
    child: Option<Child>,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
    stderr: Option<JoinHandle<String>>,
    started: Instant,
}

impl JsClient {
    fn spawn(script: &Value) -> Self {
        let mut child = Command::new("node")
            .arg(js_dir().join("client.mjs"))
            .arg(serde_json::to_string(script).expect("script JSON"))
            .current_dir(js_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start node client.mjs");
        let (lines, stderr) = read_output(&mut child, |line| {
            serde_json::from_str(&line).unwrap_or_else(|_| json!({ "raw": line }))
        });
        JsClient {
            child: Some(child),
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
            started: Instant::now(),
        }
    }

    /// Wait for a line with `key` (the client keeps running).
    #[track_caller]
    fn wait_for(&mut self, key: &str, timeout: Duration) -> Value {
        if let Some(line) = self.seen.iter().find(|l| l.get(key).is_some()) {
            return line.clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.get(key).is_some() {
                        return line;
                    }
                }
                Err(_) => {
                    let lines: Vec<String> = self.seen.iter().map(Value::to_string).collect();
                    panic!(
                        "no `{key}` line from the JS client within {timeout:?}; so far:\n{}",
                        lines.join("\n")
                    );
                }
            }
        }
    }

    /// Wait for the client to exit by itself (killed past its global
    /// timeout plus a grace period) and collect everything it printed.
    fn finish(mut self) -> JsOutcome {
        let mut child = self.child.take().expect("a running client");
        let deadline = self.started + Duration::from_millis(JS_TIMEOUT_MS) + JS_GRACE;
        let code = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break -9;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread ends when stdout closes.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        JsOutcome {
            code,
            lines: std::mem::take(&mut self.seen),
            stderr,
        }
    }
}

impl Drop for JsClient {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Run a client to the end.
fn run_js(script: &Value) -> JsOutcome {
    JsClient::spawn(script).finish()
}

/// A section's id, by heading, as `member`'s home has it.
fn section_id(member: &Member, doc: &str, heading: &str) -> String {
    let out = member.json(&["charter", "show", doc, "--latest"]);
    out["charter"]["sections"]
        .as_array()
        .and_then(|sections| sections.iter().find(|s| s["heading"] == heading))
        .and_then(|s| s["id"].as_str())
        .unwrap_or_else(|| panic!("no section {heading} in {out}"))
        .to_owned()
}

/// `nous charter show DOC --latest` as `member`'s home has it.
fn charter_json(member: &Member, doc: &str) -> Value {
    member.json(&["charter", "show", doc, "--latest"])
}

/// Poll `member`'s home until section `heading` of `doc` reads `want`
/// (trimmed), for up to `timeout`. Failures to open the home (a concurrent
/// `nous sync --watch` may hold it) are retried. Returns the last text seen
/// (or error) on timeout.
fn poll_section(
    member: &Member,
    doc: &str,
    heading: &str,
    want: &str,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let run = member.run(&["--json", "charter", "show", doc, "--latest"]);
        let last;
        if run.code == 0 {
            match serde_json::from_str::<Value>(&run.stdout) {
                Ok(out) => {
                    let text = out["charter"]["sections"]
                        .as_array()
                        .and_then(|sections| sections.iter().find(|s| s["heading"] == heading))
                        .and_then(|s| s["text"].as_str())
                        .map(|t| t.trim().to_owned());
                    match text {
                        Some(text) if text == want => return Ok(()),
                        Some(text) => last = format!("text {text:?}"),
                        None => last = format!("no section {heading} in {out}"),
                    }
                }
                Err(e) => last = format!("not JSON ({e}): {}", run.stdout),
            }
        } else {
            last = format!("exit {}: {}", run.code, run.stderr.trim());
        }
        if Instant::now() > deadline {
            return Err(last);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A background `nous sync --watch`, killed on drop if still running.
struct Watch {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Watch {
    fn start(member: &Member, relay: &RelayProcess, secs: u64) -> Self {
        let secs = secs.to_string();
        let mut child = member
            .home
            .command(&[
                "--json",
                "sync",
                relay.url.as_str(),
                "--watch",
                "--for-secs",
                &secs,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nous sync --watch");
        let (lines, stderr) = read_output(&mut child, |line| line);
        Watch {
            child: Some(child),
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Wait for its "watching" line (the first exchange is done).
    #[track_caller]
    fn wait_watching(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let watching = line.contains("\"watching\"");
                    self.seen.push(line);
                    if watching {
                        return;
                    }
                }
                Err(_) => {
                    let (code, stderr) = self.stop();
                    panic!(
                        "`nous sync --watch` did not start within {timeout:?} (exit {code:?})\nstdout:\n{}\nstderr:\n{stderr}",
                        self.seen.join("\n")
                    );
                }
            }
        }
    }

    /// Wait for it to end by itself (up to `timeout`, then kill it): its
    /// exit code (None when killed) and stderr.
    fn wait(&mut self, timeout: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + timeout;
        let code = match self.child.as_mut() {
            None => None,
            Some(child) => loop {
                if let Ok(Some(status)) = child.try_wait() {
                    break status.code();
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                std::thread::sleep(Duration::from_millis(50));
            },
        };
        self.child = None;
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        (code, stderr)
    }

    fn stop(&mut self) -> (Option<i32>, String) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        self.wait(Duration::from_secs(5))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// 1. Rust → JS: a stock client with a member's token finds the charter
///    Alice synced, and reads it as the charter schema says.
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn stock_client_reads_the_charter_a_member_synced() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let doc = found(&alice, &[]);
    alice.sync(&relay, &[]);

    let url = format!("automerge:{doc}");
    let (script, _) = script(
        &alice,
        &relay,
        json!([{ "op": "find", "url": url, "as": "charter", "timeoutMs": 10_000 }]),
    );
    let out = run_js(&script);
    out.ok();
    let found = out.line("found", Some(&url));
    let charter = &found["doc"];
    assert_eq!(charter["schema"], "nous/charter/1", "{}", out.describe());
    assert_eq!(charter["title"], "Coop", "{}", out.describe());
    let sections = charter["sections"].as_object().expect("sections is a map");
    let adhesion = sections
        .values()
        .find(|s| s["heading"] == "Adhésion")
        .unwrap_or_else(|| panic!("no Adhésion section in {charter}"));
    assert_eq!(
        adhesion["text"].as_str().map(str::trim),
        Some("On adhère en écrivant."),
        "{charter}"
    );
    // The reading order lists the sections as Alice's home has them.
    let order: Vec<&str> = charter["order"]
        .as_array()
        .expect("order is a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        order,
        [
            section_id(&alice, &doc, "Adhésion").as_str(),
            section_id(&alice, &doc, "Départ").as_str()
        ]
    );
}

/// 2. JS → Rust: a stock client (Alice's token) writes a document the
///    community shared under a new id; Bob, who never had it, syncs it by
///    id and gets exactly the client's change.
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn stock_client_writes_a_shared_document_and_a_member_syncs_it_by_id() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    found(&alice, &[&bob]);
    let notes = random_doc_id();
    let shared = alice.json(&["community", "share", &notes, "--title", "Notes"]);
    assert_eq!(shared["doc"], notes.as_str(), "{shared}");
    alice.sync(&relay, &[]);

    let (script, _) = script(
        &alice,
        &relay,
        json!([
            { "op": "import", "docId": notes, "content": { "title": "Notes", "body": "écrit depuis JS" }, "as": "notes" },
            { "op": "heads", "doc": "notes" },
            { "op": "flush", "doc": "notes", "timeoutMs": 10_000 },
        ]),
    );
    let out = run_js(&script);
    out.ok();
    assert_eq!(
        out.line("flushed", None)["flushed"],
        true,
        "{}",
        out.describe()
    );
    let js_heads: Vec<String> = out.line("hex", None)["hex"]
        .as_array()
        .expect("hex heads")
        .iter()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect();
    assert_eq!(js_heads.len(), 1, "{}", out.describe());

    let report = bob.sync(&relay, &[&notes]);
    let documents = report["documents"].as_array().expect("documents");
    let entry = documents
        .iter()
        .find(|d| d["id"] == notes.as_str())
        .unwrap_or_else(|| panic!("{notes} not in the report: {report}"));
    assert_eq!(entry["outcome"], "added", "{report}");
    assert_eq!(report["unavailable"], json!([]), "{report}");

    // Bob's home holds the client's change, and nothing else.
    let history = bob.json(&["history", &notes]);
    let hashes: Vec<&str> = history["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["hash"].as_str())
        .collect();
    assert_eq!(hashes, [js_heads[0].as_str()], "{history}");
}

/// 3. Live edits both ways: a stock client's edit reaches Bob's running
///    `nous sync --watch`; Alice's CLI edit reaches a stock client waiting
///    for it.
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn live_edits_flow_between_stock_clients_and_a_watching_home() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    bob.sync(&relay, &[]);
    assert_eq!(bob.section(&doc, "Adhésion"), "On adhère en écrivant.");
    let adhesion = section_id(&alice, &doc, "Adhésion");
    let depart = section_id(&alice, &doc, "Départ");

    let mut watch = Watch::start(&bob, &relay, 20);
    watch.wait_watching(Duration::from_secs(15));

    // JS → Bob's watching home.
    let url = format!("automerge:{doc}");
    let (script1, _) = script(
        &alice,
        &relay,
        json!([
            { "op": "find", "url": url, "as": "charter" },
            { "op": "splice", "doc": "charter", "path": ["sections", adhesion, "text"], "index": 0, "delete": 0, "insert": "Depuis JS : " },
            { "op": "flush", "doc": "charter", "timeoutMs": 10_000 },
        ]),
    );
    let out = run_js(&script1);
    out.ok();
    let want = "Depuis JS : On adhère en écrivant.";
    assert_eq!(
        out.line("spliced", None)["value"],
        want,
        "{}",
        out.describe()
    );
    if let Err(last) = poll_section(&bob, &doc, "Adhésion", want, Duration::from_secs(10)) {
        let (code, stderr) = watch.stop();
        panic!(
            "Bob's watching home did not get the JS edit within 10 s: {last}\nwatch exit {code:?}\nstdout:\n{}\nstderr:\n{stderr}",
            watch.seen.join("\n")
        );
    }

    // Alice's CLI → a stock client waiting for it (and Bob's watch).
    let new_depart = "On part quand on veut, en prévenant.";
    alice.edit(&doc, "Départ", new_depart);
    let stored = charter_json(&alice, &doc)["charter"]["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["heading"] == "Départ"))
        .and_then(|s| s["text"].as_str())
        .expect("Départ text")
        .to_owned();
    assert_eq!(stored.trim(), new_depart);
    let (script2, _) = script(
        &alice,
        &relay,
        json!([
            { "op": "find", "url": url, "as": "charter" },
            { "op": "waitFor", "doc": "charter", "path": ["sections", depart, "text"], "equals": stored, "timeoutMs": 15_000 },
            { "op": "print", "doc": "charter" },
        ]),
    );
    let mut waiting = JsClient::spawn(&script2);
    waiting.wait_for("found", Duration::from_secs(15));
    let report = alice.sync(&relay, &[]);
    assert_eq!(report["unavailable"], json!([]), "{report}");
    let out = waiting.finish();
    out.ok();
    assert_eq!(
        out.line("saw", None)["saw"],
        stored.as_str(),
        "{}",
        out.describe()
    );
    // Alice's home merged the JS edit on the way.
    assert_eq!(
        out.line("print", None)["doc"]["sections"][&adhesion]["text"],
        want
    );
    assert_eq!(alice.section(&doc, "Adhésion"), want);

    if let Err(last) = poll_section(&bob, &doc, "Départ", new_depart, Duration::from_secs(10)) {
        let (code, stderr) = watch.stop();
        panic!(
            "Bob's watching home did not get Alice's edit within 10 s: {last}\nwatch exit {code:?}\nstdout:\n{}\nstderr:\n{stderr}",
            watch.seen.join("\n")
        );
    }
    let (code, stderr) = watch.wait(Duration::from_secs(30));
    assert_eq!(
        code,
        Some(0),
        "`nous sync --watch --for-secs 20` ends by itself\nstdout:\n{}\nstderr:\n{stderr}",
        watch.seen.join("\n")
    );
    assert!(
        watch.seen.iter().any(|l| l.contains("\"received\"")),
        "the watch reported what it received:\n{}",
        watch.seen.join("\n")
    );
}

/// 4. Ephemeral messages pass through the relay between two members'
///    stock clients on the same document, both ways. FAILS at present: the
///    guard closes the receiving client's connection (`wrong_sender`) when
///    its Repo forwards the message it received, as stock Repos do, with the
///    original sender's id; see the assertion below.
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn ephemeral_messages_pass_between_members_stock_clients() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let bob = Member::new("bob");
    let doc = found(&alice, &[&bob]);
    alice.sync(&relay, &[]);
    let url = format!("automerge:{doc}");

    let (script_a, alice_peer) = script(
        &alice,
        &relay,
        json!([
            { "op": "find", "url": url, "as": "d" },
            { "op": "waitEphemeral", "doc": "d", "equals": { "cursor": 3, "from": "bob" }, "timeoutMs": 15_000 },
            { "op": "broadcast", "doc": "d", "message": { "cursor": 7, "from": "alice" } },
            { "op": "sleep", "ms": 1_500 },
        ]),
    );
    let (script_b, bob_peer) = script(
        &bob,
        &relay,
        json!([
            { "op": "find", "url": url, "as": "d" },
            { "op": "broadcast", "doc": "d", "message": { "cursor": 3, "from": "bob" } },
            { "op": "sleep", "ms": 300 },
            { "op": "broadcast", "doc": "d", "message": { "cursor": 3, "from": "bob" } },
            { "op": "sleep", "ms": 300 },
            { "op": "broadcast", "doc": "d", "message": { "cursor": 3, "from": "bob" } },
            { "op": "waitEphemeral", "doc": "d", "equals": { "cursor": 7, "from": "alice" }, "timeoutMs": 15_000 },
        ]),
    );
    let mut a = JsClient::spawn(&script_a);
    a.wait_for("found", Duration::from_secs(15));
    let b = JsClient::spawn(&script_b);
    let out_b = b.finish();
    let out_a = a.finish();
    let both = format!(
        "Alice's client:\n{}\nBob's client:\n{}",
        out_a.describe(),
        out_b.describe()
    );
    // Bob → Alice.
    let got_a = out_a.line("ephemeral", None);
    assert_eq!(
        got_a["ephemeral"],
        json!({ "cursor": 3, "from": "bob" }),
        "{both}"
    );
    assert_eq!(got_a["senderId"], bob_peer.as_str(), "{both}");
    // Receiving must not cost Alice her connection. A stock Repo passes an
    // ephemeral message on to its other peers unchanged, original senderId
    // included (automerge-repo 2.5.6 `DocSynchronizer.receiveEphemeralMessage`
    // and `NetworkSubsystem.send`): here it echoes Bob's message back to
    // the relay, whose guard refuses the foreign senderId (`wrong_sender`)
    // and closes the connection.
    assert!(
        !out_a.lines.iter().any(|l| l.get("wsClose").is_some()),
        "the relay closed Alice's connection after she received Bob's ephemeral message \
         (relay log: `connection closed by the guard ... reason=\"wrong_sender\"`; \
         {} wrong_sender rejections)\n{both}",
        relay.rejections("wrong_sender")
    );
    assert!(
        out_a.code == 0 && out_b.code == 0,
        "both clients run to the end\n{both}"
    );
    // Alice → Bob.
    let got_b = out_b.line("ephemeral", None);
    assert_eq!(
        got_b["ephemeral"],
        json!({ "cursor": 7, "from": "alice" }),
        "{both}"
    );
    assert_eq!(got_b["senderId"], alice_peer.as_str(), "{both}");
}

/// 5. Denied: an outsider's stock client is answered `unavailable` for the
///    community's charter, exactly as for a document that does not exist;
///    asking for the charter loads nothing on the relay.
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn outsider_is_answered_unavailable_as_for_a_missing_document() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let doc = found(&alice, &[]);
    alice.sync(&relay, &[]);
    let eve = Member::new("eve");
    let charter = format!("automerge:{doc}");
    let missing = format!("automerge:{}", random_doc_id());
    let loaded = "nous_relay_documents_loaded";
    let admitted = "nous_relay_changes_admitted_total";

    let before = (relay.metric(loaded), relay.metric(admitted));
    let (script1, _) = script(
        &eve,
        &relay,
        json!([{ "op": "find", "url": charter, "as": "c", "timeoutMs": 10_000 }]),
    );
    let out = run_js(&script1);
    out.ok();
    assert_eq!(
        out.line("unavailable", None)["unavailable"],
        charter.as_str(),
        "{}",
        out.describe()
    );
    assert!(
        !out.lines.iter().any(|l| l.get("found").is_some()),
        "{}",
        out.describe()
    );
    let after = (relay.metric(loaded), relay.metric(admitted));
    assert_eq!(
        before, after,
        "(documents loaded, changes admitted) around the outsider's find of the charter"
    );

    let (script2, _) = script(
        &eve,
        &relay,
        json!([{ "op": "find", "url": missing, "as": "m", "timeoutMs": 10_000 }]),
    );
    let out2 = run_js(&script2);
    out2.ok();
    assert_eq!(
        out2.line("unavailable", None)["unavailable"],
        missing.as_str(),
        "{}",
        out2.describe()
    );
    // The same answer, line for line, but for the URL.
    let shape = |out: &JsOutcome| -> Vec<Vec<String>> {
        out.lines
            .iter()
            .map(|l| {
                l.as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(
        shape(&out),
        shape(&out2),
        "\n{}\n{}",
        out.describe(),
        out2.describe()
    );

    // The member still reads her charter.
    let report = alice.sync(&relay, &[]);
    assert_eq!(report["unavailable"], json!([]), "{report}");
}

/// 5b. An outsider asking for document ids that do not exist makes the
///     relay load nothing: `/metrics` (unauthenticated) shows the same
///     document count. (Failed before 50cc6b7: samod opened a document actor
///     for every id asked for, never released.)
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn outsider_find_of_a_missing_document_loads_nothing_on_the_relay() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    found(&alice, &[]);
    alice.sync(&relay, &[]);
    let eve = Member::new("eve");
    let missing: Vec<String> = (0..3)
        .map(|_| format!("automerge:{}", random_doc_id()))
        .collect();
    let steps: Vec<Value> = missing
        .iter()
        .enumerate()
        .map(|(i, url)| json!({ "op": "find", "url": url, "as": format!("m{i}"), "timeoutMs": 10_000 }))
        .collect();
    let loaded = "nous_relay_documents_loaded";
    let before = relay.metric(loaded);
    let (script, _) = script(&eve, &relay, Value::Array(steps));
    let out = run_js(&script);
    out.ok();
    for url in &missing {
        out.line("unavailable", Some(url));
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = relay.metric(loaded);
    assert_eq!(
        after,
        before,
        "{loaded} before and after an outsider asked for {} document ids that do not exist",
        missing.len()
    );
}

/// 6. Read-only public: an outsider's stock client reads a charter shared
///    `--public`; its change never reaches the relay nor Alice's home.
#[test]
#[ignore = "needs node and tests/js/node_modules (cd tests/js && npm ci)"]
fn outsider_reads_a_public_charter_but_cannot_change_it() {
    require_js();
    let relay = RelayProcess::start();
    let alice = Member::new("alice");
    let doc = found(&alice, &[]);
    let shared = alice.json(&["community", "share", &doc, "--public"]);
    assert_eq!(shared["access"], "public", "{shared}");
    alice.sync(&relay, &[]);
    let adhesion = section_id(&alice, &doc, "Adhésion");
    let heads_before = charter_json(&alice, &doc)["heads"].clone();
    let eve = Member::new("eve");
    let url = format!("automerge:{doc}");
    let admitted = "nous_relay_changes_admitted_total";
    let admitted_before = relay.metric(admitted);
    let read_only_before = relay.rejections("write_to_read_only");

    let (script, _) = script(
        &eve,
        &relay,
        json!([
            { "op": "find", "url": url, "as": "c" },
            { "op": "change", "doc": "c", "path": ["title"], "value": "Piratée" },
            { "op": "splice", "doc": "c", "path": ["sections", adhesion, "text"], "index": 0, "delete": 0, "insert": "Eve : " },
            { "op": "flush", "doc": "c", "timeoutMs": 3_000, "allowPending": true },
        ]),
    );
    let out = run_js(&script);
    out.ok();
    let found = out.line("found", Some(&url));
    assert_eq!(found["doc"]["title"], "Coop", "{}", out.describe());
    assert_eq!(
        found["doc"]["sections"][&adhesion]["text"],
        "On adhère en écrivant.",
        "{}",
        out.describe()
    );
    let flushed = out.line("flushed", None);
    assert_eq!(
        flushed["flushed"],
        false,
        "the relay never acknowledges the outsider's change\n{}",
        out.describe()
    );
    assert_eq!(flushed["pending"], json!(["c"]), "{}", out.describe());

    let report = alice.sync(&relay, &[]);
    // Nothing came in for the charter (it is either listed as unchanged or
    // skipped as unchanged).
    let received: Vec<&Value> = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter(|d| d["id"] == doc.as_str() && d["outcome"] != "unchanged")
        .collect();
    assert!(received.is_empty(), "{report}");
    assert_eq!(report["unavailable"], json!([]), "{report}");
    let after = charter_json(&alice, &doc);
    assert_eq!(after["charter"]["title"], "Coop", "{after}");
    assert_eq!(alice.section(&doc, "Adhésion"), "On adhère en écrivant.");
    assert_eq!(after["heads"], heads_before, "{after}");
    assert_eq!(
        relay.metric(admitted),
        admitted_before,
        "the guard admitted none of the outsider's changes"
    );
    // The stock client is told the relay is read-only for it (samod's
    // read-only sync state) and so never sends its change: the guard has
    // nothing to strip, and `write_to_read_only` counts only clients that
    // ignore that flag. See the report: the brief expected it above 0.
    eprintln!(
        "write_to_read_only rejections: {} before, {} after",
        read_only_before,
        relay.rejections("write_to_read_only")
    );
}
