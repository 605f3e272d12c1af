//! Helpers for the relay tests: a `nous serve` process on a loopback port,
//! and a community of homes around it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{Home, Run, nous_bin, path_str};

/// A `nous serve` process, stopped (SIGTERM, then waited for) on drop.
pub struct RelayProcess {
    child: Option<Child>,
    pub url: String,
    pub authority: String,
    pub id: String,
    pub data: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl RelayProcess {
    /// A relay with a fresh directory.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("relay");
        let mut relay = Self::start_in(&data, &[]);
        relay._dir = Some(dir);
        relay
    }

    /// A relay over `data`, with extra flags.
    pub fn start_in(data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(nous_bin())
            .args(["--json", "serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env_remove("NOUS_HOME")
            .env("NOUS_LOG", "nous_sync_server=debug,warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nous serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the start-up line");
        let started: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("start-up line `{line}`: {e}"));
        let url = started["listening"].as_str().expect("listening").to_owned();
        let authority = url
            .trim_start_matches("ws://")
            .trim_end_matches('/')
            .to_owned();
        RelayProcess {
            child: Some(child),
            id: started["relay"].as_str().expect("relay").to_owned(),
            url,
            authority,
            data: data.to_path_buf(),
            _dir: None,
        }
    }

    /// Stop it as an operator would (SIGTERM) and wait for a clean exit.
    pub fn stop(&mut self) -> i32 {
        let Some(mut child) = self.child.take() else {
            return 0;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the relay did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kill it (SIGKILL: no shutdown, no flush) and start it again over the
    /// same directory with `extra` flags.
    pub fn crash_and_restart(mut self, extra: &[&str]) -> Self {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let dir = self._dir.take();
        let mut again = Self::start_in(&self.data, extra);
        again._dir = dir;
        again
    }

    /// The process's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let pid = self.child.as_ref().map(Child::id).expect("running");
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// Restart over the same directory (a new port).
    pub fn restart(mut self) -> Self {
        assert_eq!(self.stop(), 0, "clean shutdown");
        let dir = self._dir.take();
        let mut again = Self::start_in(&self.data, &[]);
        again._dir = dir;
        again
    }

    /// `GET path`: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        http(&self.authority, "GET", path, &[], b"")
    }

    /// A counter from `/metrics` (0 when absent).
    pub fn metric(&self, name: &str) -> u64 {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find_map(|line| {
                let (key, value) = line.rsplit_once(' ')?;
                (key == name).then(|| value.parse().ok()).flatten()
            })
            .unwrap_or(0)
    }

    /// How many connections or messages were refused for `reason`.
    pub fn rejections(&self, reason: &str) -> u64 {
        self.metric(&format!(
            "nous_relay_rejections_total{{reason=\"{reason}\"}}"
        ))
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
    }
}

/// One HTTP/1.1 request over a fresh connection: status and body.
pub fn http(
    authority: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(authority).expect("connect to the relay");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("connection"))
    {
        request.push_str("Connection: close\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    stream.write_all(body).expect("send body");
    // Read the head, then as much body as it announces (an upgraded or
    // kept-alive connection does not close by itself).
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break response.len(),
            Ok(n) => response.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&response[..head_end.min(response.len())]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while status != 101 && response.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&response[head_end.min(response.len())..]).into_owned();
    (status, body)
}

/// A WebSocket upgrade request with `token`: the status and body the relay
/// answers (101 when accepted).
pub fn upgrade(authority: &str, token: Option<&str>) -> (u16, String) {
    let path = match token {
        Some(token) => format!("/?token={token}"),
        None => "/".to_owned(),
    };
    http(
        authority,
        "GET",
        &path,
        &[
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
        ],
        b"",
    )
}

/// A member's home, for the relay tests.
pub struct Member {
    pub name: &'static str,
    pub home: Home,
    pub key: String,
}

impl Member {
    pub fn new(name: &'static str) -> Self {
        let home = Home::new();
        let key = home.run(&["id"]).ok().trim().to_owned();
        Member { name, home, key }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.home.run(args)
    }

    #[track_caller]
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        self.run(&all).json()
    }

    /// `nous sync URL [DOC…]`, which must succeed; its JSON report.
    #[track_caller]
    pub fn sync(&self, relay: &RelayProcess, docs: &[&str]) -> serde_json::Value {
        let mut args = vec!["sync", relay.url.as_str()];
        args.extend_from_slice(docs);
        self.json(&args)
    }

    /// The device key file (for minting tokens in tests).
    pub fn key_file(&self) -> PathBuf {
        self.home.path().join("device.key")
    }

    /// A section's text (by heading) as this home has it, latest changes
    /// included.
    #[track_caller]
    pub fn section(&self, doc: &str, heading: &str) -> String {
        let out = self.json(&["charter", "show", doc, "--latest"]);
        out["charter"]["sections"]
            .as_array()
            .and_then(|sections| sections.iter().find(|s| s["heading"] == heading))
            .and_then(|s| s["text"].as_str())
            .unwrap_or_else(|| panic!("no section {heading} in {out}"))
            .trim()
            .to_owned()
    }

    /// Set a section's text (by heading).
    #[track_caller]
    pub fn edit(&self, doc: &str, heading: &str, text: &str) {
        self.run(&["charter", "edit", doc, heading, "--text", text])
            .ok();
    }
}

/// `founder` founds "Coop" on a new charter with `others` as co-founders,
/// and hands them the community (a bundle). Returns the charter id.
pub fn found(founder: &Member, others: &[&Member]) -> String {
    let md =
        "# Coop\n\n## Adhésion\n\nOn adhère en écrivant.\n\n## Départ\n\nOn part quand on veut.\n";
    let doc = founder.home.charter(md);
    let specs: Vec<String> = others
        .iter()
        .map(|m| format!("{}:{}:members", m.key, m.name))
        .collect();
    let mut args = vec![
        "community",
        "create",
        "Coop",
        "--charter",
        doc.as_str(),
        "--name-as",
        founder.name,
    ];
    for spec in &specs {
        args.extend(["--founder", spec.as_str()]);
    }
    founder.json(&args);
    let bundle = founder.home.file("community.bundle");
    founder
        .run(&[
            "bundle",
            "export",
            "--community",
            "Coop",
            "-o",
            path_str(&bundle),
        ])
        .ok();
    for other in others {
        other.run(&["bundle", "import", path_str(&bundle)]).ok();
    }
    doc
}

/// `tests/js`, where the stock automerge-repo peers live.
pub fn js_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/js"))
}

/// `node`, the npm `packages` (under `tests/js/node_modules`) and the
/// `extra` files must be there: the tests that call this are `#[ignore]`d
/// and run only when asked for, so a missing tool is a failure, with what
/// is missing.
pub fn require_tools(what: &str, packages: &[&str], extra: &[&Path]) {
    let dir = js_dir();
    let modules = dir.join("node_modules");
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output();
    let problem = match node {
        Err(e) => Some(format!("`node` cannot be run ({e})")),
        Ok(out) if !out.status.success() => Some(format!(
            "`node --version` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => packages
            .iter()
            .find(|package| !modules.join(package).is_dir())
            .map(|package| {
                format!(
                    "{} has no {package} (run `cd tests/js && npm ci`)",
                    modules.display()
                )
            })
            .or_else(|| {
                extra
                    .iter()
                    .find(|path| !path.exists())
                    .map(|path| format!("{} is missing", path.display()))
            }),
    };
    if let Some(problem) = problem {
        panic!("the {what} cannot run: {problem}");
    }
}
