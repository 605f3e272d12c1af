//! Crash safety: a child process writes edits and reports each one saved
//! once it is durable; it is killed (SIGKILL) at random points. After every
//! kill the store must open, and every edit reported saved must be there.
//!
//! The child is this test binary itself, re-run on the `child_writer` test
//! with `NOUS_CRASH_HOME` set; without it, `child_writer` does nothing.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use automerge::ReadDoc as _;
use nous_api::Env;
use nous_core::{ChangeHash, DocId, markdown};

const HOME_VAR: &str = "NOUS_CRASH_HOME";
const SEED_VAR: &str = "NOUS_CRASH_SEED";

/// The system clock, and random bytes from a xorshift generator seeded
/// with `seed` (so a run can be repeated).
fn env(seed: u64) -> Env {
    let state = std::sync::Mutex::new(seed | 1);
    Env::system().with_entropy(move |buf: &mut [u8]| {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        for b in buf {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            *b = *state as u8;
        }
    })
}

/// The child: edit forever, printing `saved <doc> <hash>` after each edit
/// is durable. Not a test by itself: `edits_reported_saved_survive_kill_9`
/// runs it (with `--ignored`) in a process it kills.
#[test]
#[ignore = "the child process of crash::edits_reported_saved_survive_kill_9, which runs it"]
fn child_writer() {
    let Some(home) = std::env::var_os(HOME_VAR) else {
        panic!(
            "crash::child_writer is run by crash::edits_reported_saved_survive_kill_9, not alone"
        );
    };
    let seed: u64 = std::env::var(SEED_VAR)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut engine = nous_api::Home::open(Path::new(&home), env(seed)).expect("open");
    let doc = match engine.list().expect("list").first() {
        Some(summary) => summary.id,
        None => {
            let draft = markdown::parse("# Crash\n\n## Log\n\nstart\n");
            let created = engine.create_charter("Crash", &draft).expect("create");
            engine.wait(created.ticket).expect("durable");
            println!("saved {} {}", created.value, hex(created.change));
            created.value
        }
    };
    let section = engine.charter(&doc, None).expect("read").sections[0]
        .id
        .clone();
    let mut n = seed;
    loop {
        n += 1;
        if n.is_multiple_of(3) {
            // A structural edit, staged at once.
            let edited = engine
                .edit(&doc, "log", |c| {
                    c.tag(&section, &[format!("t{}", n % 7)], &[])
                })
                .expect("edit");
            engine.wait(edited.ticket).expect("durable");
            if edited.change.is_some() {
                println!("saved {doc} {}", hex(edited.change));
            }
        } else {
            // A burst of keystrokes, then a flush.
            let mut changes = Vec::new();
            for ch in format!(" {n}").chars() {
                let typed = engine
                    .type_text(&doc, &section, 0, 0, &ch.to_string())
                    .expect("type");
                changes.extend(typed.change);
            }
            engine.flush().expect("flush");
            for change in changes {
                println!("saved {doc} {}", hex(Some(change)));
            }
        }
    }
}

fn hex(change: Option<ChangeHash>) -> String {
    change.map(|c| c.to_string()).unwrap_or_default()
}

#[test]
fn edits_reported_saved_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    nous_api::Home::init_with_seed(&home, &[42; 32]).expect("init");
    let mut saved: Vec<(DocId, ChangeHash)> = Vec::new();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..8u64 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "crash::child_writer",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOME_VAR, &home)
            .env(SEED_VAR, (round * 1000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        // Kill after a random number of reported edits, or a random time.
        let wanted = 1 + (rng % 120) as usize;
        let deadline = Instant::now() + Duration::from_millis(200 + rng % 800);
        let mut lines = BufReader::new(stdout).lines();
        let mut reported = 0;
        while reported < wanted && Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.strip_prefix("saved ") {
                let mut parts = rest.split(' ');
                let doc: DocId = parts.next().expect("doc").parse().expect("doc id");
                let hash: ChangeHash = parts.next().expect("hash").parse().expect("hash");
                saved.push((doc, hash));
                reported += 1;
            }
        }
        child.kill().expect("kill -9");
        // Lines the child printed before dying also count as reported.
        for line in lines.map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("saved ") {
                let mut parts = rest.split(' ');
                if let (Some(doc), Some(hash)) = (parts.next(), parts.next())
                    && let (Ok(doc), Ok(hash)) = (doc.parse(), hash.parse())
                {
                    saved.push((doc, hash));
                }
            }
        }
        child.wait().expect("reap");

        let mut engine = nous_api::Home::open(&home, env(7)).expect("the store opens after a kill");
        for (doc, hash) in &saved {
            let document = engine.document(doc).expect("document loads");
            assert!(
                document.get_change_by_hash(hash).is_some(),
                "round {round}: change {hash} was reported saved but is missing"
            );
        }
        engine.close().expect("close");
    }
    assert!(
        saved.len() > 8,
        "the child reported {} saved edits",
        saved.len()
    );
}
