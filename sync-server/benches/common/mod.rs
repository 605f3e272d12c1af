//! Helpers shared by the relay benchmarks: the relay and the JS reference
//! server as child processes (CPU and memory read from `/proc`), a community
//! founded in memory with documents shared in it, relay tokens, `load.mjs`.

#![allow(dead_code, reason = "each benchmark uses a different subset")]

pub mod light;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nous_core::engine::EngineOptions;
use nous_core::ids::DocId;
use nous_core::record::{
    Access, College, CommunityId, DocumentShare, Founder as FounderEntry, Method, Payload, Record,
    RecordId, Rule, Rules, Unsigned,
};
use nous_core::store::MemoryStorage;
use nous_core::token::{self, Token};
use nous_core::{DeviceKey, Engine, PublicKey, ledger, markdown};

/// Whether this is a real benchmark run (`cargo bench`) rather than the
/// smoke run `cargo test` makes.
/// The W5 typist's document: a text (and `seq`, the last edit's number,
/// -1 before any) holding `prior` changes of one character each, typed at
/// its end.
pub fn typist_doc(prior: usize) -> (automerge::Automerge, automerge::ObjId) {
    use automerge::transaction::Transactable as _;
    let mut doc = automerge::Automerge::new();
    let text = doc
        .transact(|tx| {
            let text = tx.put_object(automerge::ROOT, "text", automerge::ObjType::Text)?;
            tx.put(automerge::ROOT, "seq", -1i64)?;
            Ok::<_, automerge::AutomergeError>(text)
        })
        .expect("create")
        .result;
    for i in 0..prior {
        doc.transact(|tx| tx.splice_text(&text, i, 0, "p"))
            .expect("prior");
    }
    (doc, text)
}

/// The runtime the benchmarks' clients run on: two workers, and stacks
/// deep enough for Automerge on long documents.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
        .expect("runtime")
}

pub fn is_bench_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The value after `--name` on the command line.
pub fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

pub fn has_flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// `tests/js` of the workspace.
pub fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/js")
}

/// Why the JS side cannot run here (`None` when it can).
pub fn js_problem() -> Option<String> {
    let dir = js_dir();
    match Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Err(e) => Some(format!("`node` cannot be run ({e})")),
        Ok(out) if !out.status.success() => Some("`node --version` failed".into()),
        Ok(_) if !dir.join("node_modules/@automerge/automerge-repo").is_dir() => Some(format!(
            "{} has no node_modules (run `cd tests/js && npm ci`)",
            dir.display()
        )),
        Ok(_) => None,
    }
}

/// Whether the smoke run was asked for what needs tools from outside the
/// repository: libtest's `--ignored` or `--include-ignored`, which `cargo
/// test -- …` passes to these harness-less benchmarks too.
pub fn externals_wanted() -> bool {
    has_flag("--ignored") || has_flag("--include-ignored")
}

/// `cargo test -- --ignored` runs only what needs tools from outside.
pub fn only_externals() -> bool {
    has_flag("--ignored")
}

/// Whether a benchmark (`bench`) that needs node runs, by the rule the
/// integration tests follow: under `cargo test` it is ignored unless asked
/// for (`--ignored`, `--include-ignored`), and says so; asked for (or
/// under `cargo bench`), a missing tool is a failure.
pub fn require_js(bench: &str) -> bool {
    if !is_bench_run() && !externals_wanted() {
        println!(
            "{bench} ignored: needs node and tests/js/node_modules (run `cargo test -- --ignored`)"
        );
        return false;
    }
    if let Some(problem) = js_problem() {
        eprintln!("{bench} cannot run: {problem}");
        std::process::exit(1);
    }
    true
}

/// The wall clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A deterministic generator (splitmix64) for ids and nonces.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// `n` distinct document ids from `seed`.
pub fn doc_ids(n: usize, seed: u64) -> Vec<DocId> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut bytes = [0u8; 16];
            rng.fill(&mut bytes);
            DocId::from_bytes(bytes)
        })
        .collect()
}

// ---- /proc --------------------------------------------------------------------

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User + system CPU time of process `pid` so far, in milliseconds.
pub fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) * 1000.0 / clock_ticks()
}

/// Resident and peak resident memory of process `pid`, in MiB.
pub fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ---- servers --------------------------------------------------------------------

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `js-server.mjs`, the reference automerge-repo sync server.
    Js,
    /// `nous-sync-server`.
    Relay,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Js => "js",
            Kind::Relay => "relay",
        }
    }
}

/// A server process, stopped with SIGTERM on drop.
pub struct Server {
    child: Option<Child>,
    pub kind: Kind,
    pub pid: u32,
    /// `host:port`.
    pub authority: String,
    /// `ws://host:port/`.
    pub url: String,
    /// The relay's key (the relay only).
    pub relay: Option<PublicKey>,
    pub data: PathBuf,
}

impl Server {
    /// `nous-sync-server` over `data` on a free loopback port.
    pub fn relay(data: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nous-sync-server"))
            .args(["--listen", "127.0.0.1:0", "--json", "--data"])
            .arg(data)
            .env(
                "NOUS_LOG",
                std::env::var("NOUS_BENCH_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nous-sync-server");
        let line = first_line(&mut child);
        let started: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("relay start-up line `{line}`: {e}"));
        let url = started["listening"].as_str().expect("listening").to_owned();
        let authority = url
            .trim_start_matches("ws://")
            .trim_end_matches('/')
            .to_owned();
        let relay = started["relay"]
            .as_str()
            .and_then(|k| k.parse().ok())
            .expect("relay key");
        Server {
            pid: child.id(),
            child: Some(child),
            kind: Kind::Relay,
            authority,
            url,
            relay: Some(relay),
            data: data.to_path_buf(),
        }
    }

    /// `node js-server.mjs` over `data` on a free loopback port.
    pub fn js(data: &Path) -> Server {
        let mut child = Command::new("node")
            .arg(js_dir().join("js-server.mjs"))
            .current_dir(js_dir())
            .env("PORT", "0")
            .env("DATA_DIR", data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node js-server.mjs");
        let line = first_line(&mut child);
        let started: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("js-server start-up line `{line}`: {e}"));
        let port = started["listening"].as_u64().expect("listening port");
        let authority = format!("127.0.0.1:{port}");
        Server {
            pid: child.id(),
            child: Some(child),
            kind: Kind::Js,
            url: format!("ws://{authority}/"),
            authority,
            relay: None,
            data: data.to_path_buf(),
        }
    }

    pub fn start(kind: Kind, data: &Path) -> Server {
        match kind {
            Kind::Js => Server::js(data),
            Kind::Relay => Server::relay(data),
        }
    }

    pub fn cpu_ms(&self) -> f64 {
        cpu_ms(self.pid)
    }

    pub fn rss_mib(&self) -> (f64, f64) {
        rss_mib(self.pid)
    }

    /// Every unlabelled sample of `/metrics` (the relay only).
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let (_, body) = http(&self.authority, "GET", "/metrics", &[], b"");
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                Some((k.to_owned(), v.parse().ok()?))
            })
            .collect()
    }

    /// SIGTERM, then wait (killed after 20 s).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!(
                    "warning: the {} server ignored SIGTERM for 20 s",
                    self.kind.name()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("read the start-up line");
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    line
}

/// One HTTP/1.1 request (`Connection: close`): status and body.
pub fn http(
    authority: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(authority) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    if stream.write_all(request.as_bytes()).is_err() || stream.write_all(body).is_err() {
        return (0, String::new());
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return (0, String::new());
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

// ---- a community ----------------------------------------------------------------

fn options(seed: u64) -> EngineOptions {
    let mut rng = Rng::new(seed);
    EngineOptions::new(
        Box::new(|| now_ms() as i64),
        Box::new(move |buf: &mut [u8]| rng.fill(buf)),
    )
}

/// A community founded in memory by one device, and the records to put in
/// its ledger.
pub struct Founder {
    pub key: DeviceKey,
    seed: u8,
    pub engine: Engine,
    pub community: CommunityId,
    pub charter: DocId,
    /// Every record: the genesis, the charter's attestation, the shares.
    pub records: Vec<Record>,
    heads: Vec<RecordId>,
}

impl Founder {
    /// Found a community around a small charter.
    pub fn new(seed: u8) -> Founder {
        let key = DeviceKey::from_seed(&[seed; 32]);
        let mut engine = Engine::with_storage(
            DeviceKey::from_seed(&[seed; 32]),
            Box::new(MemoryStorage::default()),
            options(u64::from(seed)),
        );
        let draft = markdown::parse("# Charte\n\n## Adhésion\n\nToute personne peut adhérer.\n");
        let charter = engine
            .create_charter("Charte", &draft)
            .expect("charter")
            .value;
        let me = engine.device();
        let founded = engine
            .found_community(nous_core::community::Founding {
                name: "Bench".into(),
                charter,
                colleges: vec![College {
                    id: "staff".into(),
                    name: "Staff".into(),
                    weight: 1,
                }],
                founders: vec![FounderEntry {
                    member: me,
                    name: "Alice".into(),
                    college: "staff".into(),
                }],
                rules: Rules::all(Rule::new(Method::Consent)),
                facilitators: Vec::new(),
            })
            .expect("found");
        engine.wait(founded.ticket).expect("stored");
        Founder {
            key,
            seed,
            community: founded.community.id,
            charter,
            records: founded.community.records.iter().cloned().collect(),
            heads: founded.community.state.heads.clone(),
            engine,
        }
    }

    /// Share `docs` with the members: one `document.share` record each,
    /// signed in a chain (each cites the one before), all at the same time. Signed directly, not
    /// through `Engine::act`, which resolves the whole community for every
    /// act (quadratic over 10,000 records); the relay resolves them when
    /// they arrive, and would refuse any it does not accept.
    pub fn share(&mut self, docs: &[DocId]) {
        let time = now_ms().max(
            self.records
                .iter()
                .map(Record::timestamp)
                .max()
                .unwrap_or(0),
        );
        for (i, doc) in docs.iter().enumerate() {
            let record = self
                .engine
                .sign_record(Unsigned {
                    community: self.community,
                    timestamp: time,
                    parents: self.heads.clone(),
                    payload: Payload::DocumentShare(DocumentShare {
                        doc: *doc,
                        title: format!("document {i}"),
                        access: Access::Members,
                    }),
                })
                .expect("sign");
            self.heads = vec![record.id()];
            self.records.push(record);
        }
    }

    /// The ledger holding every record, saved.
    pub fn ledger(&self) -> Vec<u8> {
        let id = ledger::doc_id(&self.community);
        let mut doc = ledger::new_ledger(self.key.public().actor_for(&id));
        ledger::insert(&mut doc, &self.records).expect("insert records");
        doc.save()
    }

    /// The ledger with the first `n` records only.
    pub fn ledger_prefix(&self, n: usize) -> Vec<u8> {
        let id = ledger::doc_id(&self.community);
        let mut doc = ledger::new_ledger(self.key.public().actor_for(&id));
        ledger::insert(&mut doc, &self.records[..n.min(self.records.len())])
            .expect("insert records");
        doc.save()
    }

    /// A token for this device on `relay`, for session `session` (the first
    /// 8 bytes of the nonce make the peer id): the token and the peer id.
    pub fn token(&self, relay: &PublicKey, session: [u8; 8], rng: &mut Rng) -> (String, String) {
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&session);
        rng.fill(&mut nonce[8..]);
        let expires_ms = now_ms() + token::MAX_LIFETIME_MS - 60_000;
        let text = Token::issue(&self.key, relay, expires_ms, nonce);
        let peer = Token {
            relay: *relay,
            device: self.key.public(),
            expires_ms,
            nonce,
        }
        .peer_id();
        (text, peer)
    }

    /// `n` tokens of distinct sessions, as `load.mjs` takes them.
    pub fn tokens(&self, relay: &PublicKey, n: usize, seed: u64) -> serde_json::Value {
        let mut rng = Rng::new(seed ^ now_ms());
        (0..n)
            .map(|_| {
                let mut session = [0u8; 8];
                rng.fill(&mut session);
                let (token, peer) = self.token(relay, session, &mut rng);
                serde_json::json!({ "token": token, "peerId": peer })
            })
            .collect()
    }

    /// A token source for one session (a fresh nonce per connection).
    pub fn token_source(
        &self,
        relay: PublicKey,
        session: [u8; 8],
        seed: u64,
    ) -> nous_net::client::TokenSource {
        let key = DeviceKey::from_seed(&[self.seed; 32]);
        let rng = std::sync::Mutex::new(Rng::new(seed ^ now_ms()));
        std::sync::Arc::new(move || {
            let mut nonce = [0u8; 16];
            nonce[..8].copy_from_slice(&session);
            rng.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .fill(&mut nonce[8..]);
            Token::issue(&key, &relay, now_ms() + token::DEFAULT_LIFETIME_MS, nonce)
        })
    }

    /// The peer id of `session`'s connections.
    pub fn peer_id(&self, relay: &PublicKey, session: [u8; 8]) -> String {
        Token {
            relay: *relay,
            device: self.key.public(),
            expires_ms: 0,
            nonce: {
                let mut n = [0u8; 16];
                n[..8].copy_from_slice(&session);
                n
            },
        }
        .peer_id()
    }

    /// `POST /register` with the ledger `bytes` on `server` (the relay).
    pub fn register(&self, server: &Server, bytes: &[u8]) -> Result<bool, String> {
        let relay = server.relay.expect("a relay");
        let mut rng = Rng::new(now_ms());
        let mut session = [0u8; 8];
        rng.fill(&mut session);
        let (token, _) = self.token(&relay, session, &mut rng);
        let url: nous_sync_server::discover::RelayUrl =
            server.authority.parse().expect("relay url");
        block_on(url.register(&token, bytes, Duration::from_secs(60))).map_err(|e| e.to_string())
    }
}

/// Run a future on a small runtime of its own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

// ---- load.mjs ---------------------------------------------------------------------

/// A running `node load.mjs @options`, its stdout read line by line.
pub struct Load {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<serde_json::Value>,
    _options: tempfile::NamedTempFile,
}

impl Load {
    pub fn spawn(options: &serde_json::Value) -> Load {
        let mut file = tempfile::NamedTempFile::new().expect("options file");
        file.write_all(options.to_string().as_bytes())
            .expect("write options");
        let mut child = Command::new("node")
            .arg(js_dir().join("load.mjs"))
            .arg(format!("@{}", file.path().display()))
            .current_dir(js_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node load.mjs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|_| serde_json::json!({ "raw": line }));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Load {
            stdin: child.stdin.take(),
            child,
            lines,
            _options: file,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line (`None` when the process ended or after `timeout`).
    pub fn next(&mut self, timeout: Duration) -> Option<serde_json::Value> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// The next line; panics on an `error` line, an end or a timeout.
    pub fn expect(&mut self, what: &str, timeout: Duration) -> serde_json::Value {
        match self.next(timeout) {
            Some(line) if line.get("error").is_some() => panic!("load.mjs failed: {line}"),
            Some(line) => line,
            None => panic!("load.mjs: no {what} line within {timeout:?}"),
        }
    }

    /// Let it go on past a `control` phase.
    pub fn go(&mut self) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(b"go\n");
            let _ = stdin.flush();
        }
    }

    /// Wait for it to exit (killed after `timeout`).
    pub fn wait(mut self, timeout: Duration) {
        drop(self.stdin.take());
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A JSON number as f64 (NaN when absent).
pub fn num(value: &serde_json::Value, key: &str) -> f64 {
    value
        .get(key)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(f64::NAN)
}
