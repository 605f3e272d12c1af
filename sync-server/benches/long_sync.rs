//! A long document through the relay (issue 14): a text of N changes of one
//! character each (N = 250,000 by default) reaches a peer from scratch and
//! incrementally. Time, bytes on the wire and peak memory on both sides.
//!
//! Run with: `cargo bench -p nous-sync-server --bench long_sync` (`-- --json`
//! for one JSON line; `--changes 250000 --step 20000` are the defaults).
//! Under `cargo test` it runs a small smoke version.
//!
//! Setup (not measured): a community founded in memory shares the
//! document and is registered on a relay process; its writer types the
//! text and pushes it `--step` changes at a time (the relay takes at most
//! 100,000 changes in one message, and Automerge sends a peer that lacks a
//! third of a document the whole of it: steps of 20,000 stay under both).
//! Measured: a reader syncs from scratch at N / 2 changes; the writer
//! pushes the rest; the reader syncs incrementally (N / 2 missing); a
//! second reader syncs from scratch at N. The readers are the library
//! `nous sync` uses (`nous_net::client::Client`), in this process.
//!
//! Bytes are the relay's own counters (`nous_relay_bytes_out_total`,
//! WebSocket frames). Peak memory: the relay's `VmHWM` and this process's,
//! each reset (`/proc/<pid>/clear_refs`) before a measured sync, reported
//! with the resident memory before it (what the sync added is the
//! difference). Nothing is compared: the anchors are the numbers
//! and the earlier manual run in docs/benchmarks.md.

mod common;

use std::time::{Duration, Instant};

use automerge::transaction::Transactable as _;
use automerge::{Automerge, ObjType, ROOT, ReadDoc as _};
use common::{Founder, Server};
use nous_core::PublicKey;
use nous_core::ids::DocId;
use nous_net::client::Client;
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(600);

fn reset_peak(pid: u32) {
    // 5: reset the peak resident set size (Linux 4.0 and later).
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

struct Writer {
    doc: Automerge,
    text: automerge::ObjId,
    /// Changes typed (the text's creation is one more).
    typed: usize,
}

impl Writer {
    fn new(device: &PublicKey, id: &DocId) -> Writer {
        let mut doc = Automerge::new().with_actor(device.actor_for(id));
        let text = doc
            .transact(|tx| tx.put_object(ROOT, "text", ObjType::Text))
            .expect("text")
            .result;
        Writer {
            doc,
            text,
            typed: 0,
        }
    }

    fn type_chars(&mut self, n: usize) {
        for i in 0..n {
            let at = self.doc.length(&self.text);
            self.doc
                .transact(|tx| {
                    tx.splice_text(&self.text, at, 0, if i % 7 == 0 { " " } else { "a" })
                })
                .expect("type");
        }
        self.typed += n;
    }
}

struct Relay<'a> {
    server: &'a Server,
    founder: &'a Founder,
    relay: PublicKey,
    runtime: &'a tokio::runtime::Runtime,
}

impl Relay<'_> {
    /// One sync of `id` from `bytes` in a session of its own; the
    /// document as it came out.
    fn sync(&self, session: u8, id: DocId, bytes: Vec<u8>) -> Vec<u8> {
        let session = [0x30, session, 0, 0, 0, 0, 0, 1];
        let tokens = self.founder.token_source(self.relay, session, 3);
        let peer = self.founder.peer_id(&self.relay, session);
        let url = self.server.url.clone();
        let docs = if bytes.is_empty() {
            Vec::new()
        } else {
            vec![(id, bytes)]
        };
        self.runtime.block_on(async move {
            let client = Client::connect(&url, peer, tokens, docs, TIMEOUT)
                .await
                .expect("connect");
            let synced = client
                .sync(&id, TIMEOUT)
                .await
                .expect("sync")
                .expect("the relay has the document");
            assert!(synced.complete, "the sync finished");
            client.close().await;
            synced.bytes
        })
    }

    fn bytes_out(&self) -> f64 {
        self.server
            .metrics()
            .get("nous_relay_bytes_out_total")
            .copied()
            .unwrap_or(0.0)
    }
}

/// A measured sync of a reader holding `bytes` (nothing: from scratch).
fn measured(
    relay: &Relay<'_>,
    session: u8,
    id: DocId,
    bytes: Vec<u8>,
    expect: usize,
) -> (Value, Vec<u8>) {
    let held = if bytes.is_empty() {
        0
    } else {
        Automerge::load(&bytes).expect("load").stats().num_changes
    };
    let (relay_pid, me) = (relay.server.pid, std::process::id());
    let (relay_before, _) = common::rss_mib(relay_pid);
    let (me_before, _) = common::rss_mib(me);
    reset_peak(relay_pid);
    reset_peak(me);
    let out0 = relay.bytes_out();
    let start = Instant::now();
    let got = relay.sync(session, id, bytes);
    let took = start.elapsed();
    let (_, relay_peak) = common::rss_mib(relay_pid);
    let (_, me_peak) = common::rss_mib(me);
    let doc = Automerge::load(&got).expect("the reader's document loads");
    let changes = doc.stats().num_changes;
    assert_eq!(changes, expect as u64, "the reader has every change");
    (
        json!({
            "held_before": held,
            "changes_after": changes,
            "seconds": (took.as_secs_f64() * 100.0).round() / 100.0,
            "bytes_out": relay.bytes_out() - out0,
            "relay_rss_before_mib": relay_before.round(),
            "relay_peak_mib": relay_peak.round(),
            "reader_rss_before_mib": me_before.round(),
            "reader_peak_mib": me_peak.round(),
        }),
        got,
    )
}

fn main() {
    if common::only_externals() {
        return;
    }
    let full = common::is_bench_run();
    let json_out = common::has_flag("--json");
    let n: usize = common::flag("--changes").map_or(if full { 250_000 } else { 3_000 }, |v| {
        v.parse().expect("--changes N")
    });
    let step: usize = common::flag("--step").map_or(if full { 20_000 } else { 500 }, |v| {
        v.parse().expect("--step N")
    });
    let say = |text: String| {
        if !json_out {
            println!("{text}");
        }
    };
    let runtime = common::runtime();

    let mut founder = Founder::new(21);
    let device = founder.key.public();
    let id = common::doc_ids(1, 21)[0];
    founder.share(&[id]);
    let ledger = founder.ledger();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::relay(&dir.path().join("relay"));
    founder.register(&server, &ledger).expect("register");
    let relay = Relay {
        server: &server,
        founder: &founder,
        relay: server.relay.expect("relay key"),
        runtime: &runtime,
    };

    // The writer types half, pushing as it goes (not measured).
    let mut writer = Writer::new(&device, &id);
    let push = |writer: &mut Writer, to: usize| {
        let start = Instant::now();
        while writer.typed < to {
            writer.type_chars(step.min(to - writer.typed));
            relay.sync(1, id, writer.doc.save());
        }
        say(format!(
            "setup: the writer at {} changes, pushed in {:.1} s",
            to + 1,
            start.elapsed().as_secs_f64()
        ));
    };
    push(&mut writer, n / 2);
    let half = n / 2 + 1;
    let (scratch_half, reader) = measured(&relay, 2, id, Vec::new(), half);
    say(format!("reader from scratch at {half}: {scratch_half}"));
    push(&mut writer, n);
    let (incremental, _) = measured(&relay, 2, id, reader, n + 1);
    say(format!("reader incremental to {}: {incremental}", n + 1));
    drop(writer);
    let (scratch, _) = measured(&relay, 3, id, Vec::new(), n + 1);
    say(format!(
        "second reader from scratch at {}: {scratch}",
        n + 1
    ));
    let report = json!({
        "bench": "long_sync",
        "changes": n + 1,
        "step": step,
        "from_scratch_half": scratch_half,
        "incremental": incremental,
        "from_scratch": scratch,
    });
    if json_out {
        println!("{report}");
    }
}
