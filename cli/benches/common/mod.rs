//! What the CLI's benchmarks share: `nous` run as a user would, a relay on
//! loopback, two members of one community, a member's `nous sync --watch`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a watch may take to start or to report an edit before the
/// benchmark fails (rather than hang).
pub const DEADLINE: Duration = Duration::from_secs(120);

/// `nous --home HOME`, quiet, with nothing from the caller's environment.
pub fn nous(home: &Path) -> Command {
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

/// Run `nous --json ARGS` in `home`; it must succeed. Its JSON output.
pub fn run(home: &Path, args: &[&str]) -> Value {
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

/// `nous serve` on loopback with its data in `data`: the process and its
/// URL.
pub fn relay(data: &Path) -> (Child, String) {
    let mut relay = Command::new(env!("CARGO_BIN_EXE_nous"))
        .args(["--json", "serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
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
    (relay, url)
}

/// Alice founds a community "Coop" with Bob on a charter of `markdown`
/// (written to `dir`), and Bob imports its bundle. The charter's id.
pub fn two_members(dir: &Path, alice: &Path, bob: &Path, markdown: &str) -> String {
    run(alice, &["init"]);
    run(bob, &["init"]);
    let bob_key = run(bob, &["id"])["device"]
        .as_str()
        .expect("key")
        .to_owned();
    let md = dir.join("charter.md");
    std::fs::write(&md, markdown).expect("write");
    let doc = run(
        alice,
        &["charter", "new", "--from", md.to_str().expect("utf-8")],
    )["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let founder = format!("{bob_key}:Bob:members");
    run(
        alice,
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
    let bundle = dir.join("coop.bundle");
    run(
        alice,
        &[
            "bundle",
            "export",
            "--community",
            "Coop",
            "-o",
            bundle.to_str().expect("utf-8"),
        ],
    );
    run(bob, &["bundle", "import", bundle.to_str().expect("utf-8")]);
    doc
}

/// A member's `nous sync --watch`, its output read line by line.
pub struct Watch {
    /// The process.
    pub child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    /// Start it, and wait for it to say it watches. `notify`: woken by
    /// writes to the home's store (the default), else looking every 250 ms
    /// only.
    pub fn start(home: &Path, relay: &str, notify: bool) -> Watch {
        let mut command = nous(home);
        command
            .args(["--json", "sync", relay, "--watch"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if !notify {
            command.env("NOUS_WATCH_STORE", "0");
        }
        let mut child = command.spawn().expect("start the watch");
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

    /// Wait for the line that says a document was received: when it came.
    pub fn received(&mut self) -> Instant {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("the edit reached the other member in time");
            if line.contains("\"received\"") {
                return Instant::now();
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
