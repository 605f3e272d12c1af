//! W4: catch-up. A client holds 10,000 documents of a community; 100 of them
//! changed on the relay while it was offline; it reconnects. How long, and
//! how many bytes, until it is up to date — the relay's way (`POST /status`
//! answers every document's heads from an index, then only the changed ones
//! are synced) against the same client syncing all 10,000 through the
//! session (no `/status`), in the same run, on the same relay data.
//!
//! Run with: `cargo bench -p nous-sync-server --bench w4_catchup` (`-- --json`
//! for one JSON line; `--docs 10000 --changed 100` are the defaults). Under
//! `cargo test` it runs a small smoke version.
//!
//! Setup (not measured): a community founded in memory shares the documents
//! (one `document.share` record each) and is registered on a relay process;
//! a first client pushes every document once. Then a second session of the
//! same device changes 100 of them while the first is away. Before each
//! measured catch-up the relay is restarted over the same directory, so it
//! starts with no document in memory (as after an unload, or a restart).
//!
//! The client is the library path `nous sync` uses (`RelayUrl::status`,
//! `Client::connect`, `Client::sync` one document after the other). Bytes
//! are the relay's own counters (`nous_relay_bytes_in_total` and
//! `_out_total`, WebSocket frames) plus the `/status` request and answer
//! bodies; documents loaded are `nous_relay_documents_loaded` after the
//! catch-up.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable as _;
use automerge::{Automerge, ObjType, ROOT, ReadDoc as _};
use common::{Founder, Server};
use futures::StreamExt as _;
use nous_core::PublicKey;
use nous_core::ids::DocId;
use nous_net::client::Client;
use nous_sync_server::discover::RelayUrl;
use serde_json::{Value, json};

const DOC_TIMEOUT: Duration = Duration::from_secs(30);

/// A small document as a device writes it: a title and a body of about
/// 300 characters, in three changes, under the device's actor for it.
fn make_doc(device: &PublicKey, id: &DocId, i: usize) -> Vec<u8> {
    let mut doc = Automerge::new().with_actor(device.actor_for(id));
    let mut tx = doc.transaction();
    tx.put(ROOT, "title", format!("Document {i}"))
        .expect("title");
    let body = tx.put_object(ROOT, "body", ObjType::Text).expect("body");
    tx.splice_text(&body, 0, 0, "Compte rendu de la réunion du conseil. ")
        .expect("text");
    tx.commit();
    for part in [
        "Présents : Alice, Bruno, Chloé, David. Ordre du jour : budget, adhésions, calendrier. ",
        &format!(
            "Décision {i} : la coopérative adopte le budget et ouvre deux postes. Prochaine réunion le mois prochain, même lieu, même heure. "
        ),
    ] {
        let mut tx = doc.transaction();
        let len = tx.length(&body);
        tx.splice_text(&body, len, 0, part).expect("text");
        tx.commit();
    }
    doc.save()
}

/// The document with one more change (an edit made elsewhere).
fn edit_doc(bytes: &[u8], device: &PublicKey, id: &DocId) -> Vec<u8> {
    let mut doc = Automerge::load(bytes).expect("load");
    doc.set_actor(device.actor_for(id));
    let (_, body) = doc.get(ROOT, "body").expect("get").expect("a body");
    let mut tx = doc.transaction();
    tx.splice_text(&body, 0, 0, "[modifié hors ligne] ")
        .expect("edit");
    tx.commit();
    doc.save()
}

fn heads_hex(bytes: &[u8]) -> BTreeSet<String> {
    Automerge::load(bytes)
        .expect("load")
        .get_heads()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn delta(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>, name: &str) -> f64 {
    after.get(name).unwrap_or(&0.0) - before.get(name).unwrap_or(&0.0)
}

fn gauge(m: &BTreeMap<String, f64>, name: &str) -> f64 {
    m.get(name).copied().unwrap_or(0.0)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

fn main() {
    // Nothing from outside: `cargo test -- --ignored` (only what needs
    // something) skips it.
    if common::only_externals() {
        return;
    }
    let full = common::is_bench_run();
    let json_out = common::has_flag("--json");
    let n: usize = common::flag("--docs").map_or(if full { 10_000 } else { 200 }, |v| {
        v.parse().expect("--docs N")
    });
    let changed_n: usize = common::flag("--changed").map_or(if full { 100 } else { 10 }, |v| {
        v.parse().expect("--changed N")
    });
    assert!(changed_n <= n && changed_n > 0);
    let batch: usize = common::flag("--batch").map_or(1000, |v| v.parse().expect("--batch N"));
    // The anchor stops after this long (0: never) and its time is then
    // extrapolated linearly, which underestimates it (see below).
    let anchor_secs: u64 = common::flag("--anchor-secs").map_or(if full { 60 } else { 0 }, |v| {
        v.parse().expect("--anchor-secs S")
    });
    let say = |text: String| {
        if !json_out {
            println!("{text}");
        }
    };
    let runtime = common::runtime();

    // ---- setup ---------------------------------------------------------------
    let t = Instant::now();
    let mut founder = Founder::new(9);
    let device = founder.key.public();
    let ids = common::doc_ids(n, 11);
    founder.share(&ids);
    let share_time = t.elapsed();
    let t = Instant::now();
    let ledger = founder.ledger();
    let ledger_time = t.elapsed();
    say(format!(
        "setup: {} records signed in {:.0} ms, ledger {:.1} MiB built in {:.0} ms",
        founder.records.len(),
        ms(share_time),
        ledger.len() as f64 / 1048576.0,
        ms(ledger_time)
    ));
    let t = Instant::now();
    let old: Vec<Vec<u8>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| make_doc(&device, id, i))
        .collect();
    let old_heads: Vec<BTreeSet<String>> = old.iter().map(|b| heads_hex(b)).collect();
    say(format!(
        "setup: {n} documents of {} bytes on average made in {:.0} ms",
        old.iter().map(Vec::len).sum::<usize>() / n,
        ms(t.elapsed())
    ));

    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("relay");
    let mut server = Server::relay(&data);
    let relay = server.relay.expect("relay key");
    let mut report = json!({ "workload": "W4", "docs": n, "changed": changed_n });

    // Register: the whole ledger at once, as `nous sync` does; if the relay
    // refuses it, the genesis and attestation only, then the rest through
    // the sync session.
    let t = Instant::now();
    match founder.register(&server, &ledger) {
        Ok(_) => {
            report["register"] = json!({ "whole_ledger": true, "ms": ms(t.elapsed()) });
        }
        Err(error) => {
            say(format!(
                "note: POST /register refused the {:.1} MiB ledger: {error}",
                ledger.len() as f64 / 1048576.0
            ));
            let small = founder.ledger_prefix(2);
            founder
                .register(&server, &small)
                .expect("register a small ledger");
            let ledger_id = nous_core::ledger::doc_id(&founder.community);
            let tokens = founder.token_source(relay, [1; 8], 1);
            let peer = founder.peer_id(&relay, [1; 8]);
            let url = server.url.clone();
            let whole = ledger.clone();
            runtime.block_on(async move {
                let client =
                    Client::connect(&url, peer, tokens, vec![(ledger_id, whole)], DOC_TIMEOUT)
                        .await
                        .expect("connect");
                let synced = client
                    .sync(&ledger_id, Duration::from_secs(120))
                    .await
                    .expect("sync the ledger")
                    .expect("the relay has the ledger");
                assert!(synced.complete, "the ledger reached the relay");
                client.close().await;
            });
            report["register"] = json!({
                "whole_ledger": false,
                "refused": error,
                "ledger_bytes": ledger.len(),
                "ms": ms(t.elapsed()),
            });
        }
    }
    say(format!(
        "setup: community registered in {:.0} ms",
        ms(t.elapsed())
    ));

    // Push every document once, in sessions of `batch` documents with the
    // relay restarted between them (samod's client, which the benchmark
    // used first, walked every open document on every event: one session
    // of 10,000 documents took minutes; see docs/benchmarks.md). This is
    // setup, not measured.
    server.stop();
    let t = Instant::now();
    for (b, chunk) in ids.chunks(batch).enumerate() {
        let server = Server::relay(&data);
        let session = [0x20, (b >> 8) as u8, b as u8, 0, 0, 0, 0, 1];
        let tokens = founder.token_source(relay, session, 2);
        let peer = founder.peer_id(&relay, session);
        let url = server.url.clone();
        let start = b * batch;
        let docs: Vec<(DocId, Vec<u8>)> = chunk
            .iter()
            .copied()
            .zip(old[start..start + chunk.len()].iter().cloned())
            .collect();
        let incomplete = runtime.block_on(async move {
            let client = Client::connect(&url, peer, tokens, docs, DOC_TIMEOUT)
                .await
                .expect("connect");
            let results: Vec<bool> = futures::stream::iter(chunk.iter())
                .map(|id| {
                    let client = &client;
                    async move {
                        client
                            .sync(id, DOC_TIMEOUT)
                            .await
                            .expect("sync")
                            .is_some_and(|s| s.complete)
                    }
                })
                .buffer_unordered(32)
                .collect()
                .await;
            client.close().await;
            results.iter().filter(|ok| !**ok).count()
        });
        assert_eq!(incomplete, 0, "every document reached the relay");
        drop(server);
    }
    say(format!(
        "setup: {n} documents pushed to the relay in {:.0} ms (sessions of {batch})",
        ms(t.elapsed())
    ));

    // While the first client is away, a second session changes some.
    let step = n / changed_n;
    let changed: Vec<usize> = (0..changed_n).map(|i| i * step).collect();
    let new: BTreeMap<usize, Vec<u8>> = changed
        .iter()
        .map(|&i| (i, edit_doc(&old[i], &device, &ids[i])))
        .collect();
    let mut server = Server::relay(&data);
    {
        let tokens = founder.token_source(relay, [3; 8], 3);
        let peer = founder.peer_id(&relay, [3; 8]);
        let url = server.url.clone();
        let docs: Vec<(DocId, Vec<u8>)> = new.iter().map(|(&i, b)| (ids[i], b.clone())).collect();
        runtime.block_on(async move {
            let client = Client::connect(&url, peer, tokens, docs.clone(), DOC_TIMEOUT)
                .await
                .expect("connect");
            for (id, _) in &docs {
                let synced = client
                    .sync(id, DOC_TIMEOUT)
                    .await
                    .expect("sync")
                    .expect("known");
                assert!(synced.complete, "the change reached the relay");
            }
            client.close().await;
        });
    }
    server.stop();
    say(format!(
        "setup: {changed_n} documents changed by a second session"
    ));

    // ---- measured: the relay's way ---------------------------------------------
    let mut server = Server::relay(&data);
    let url: RelayUrl = server.authority.parse().expect("url");
    let before = server.metrics();
    let rss_before = server.rss_mib().0;
    let tokens = founder.token_source(relay, [4; 8], 4);
    let peer = founder.peer_id(&relay, [4; 8]);
    let ask: Vec<(String, String)> = ids
        .iter()
        .zip(&old_heads)
        .map(|(id, heads)| {
            let heads: Vec<automerge::ChangeHash> =
                heads.iter().filter_map(|h| h.parse().ok()).collect();
            (id.to_string(), nous_core::ids::heads_digest(&heads))
        })
        .collect();
    let status_request = json!({
        "docs": ask.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        "digests": ask.iter().map(|(_, d)| d).collect::<Vec<_>>(),
    })
    .to_string()
    .len();
    let (status_answer, status_time, found, total, synced) = {
        let tokens = tokens.clone();
        let old = &old;
        let old_heads = &old_heads;
        let ids = &ids;
        runtime.block_on(async move {
            let t0 = Instant::now();
            let status = url
                .status(&(tokens)(), &ask, DOC_TIMEOUT)
                .await
                .expect("POST /status");
            let status_time = t0.elapsed();
            let status_answer =
                json!({ "docs": status.differ, "same": "x".repeat(ids.len().div_ceil(8) * 2) })
                    .to_string()
                    .len();
            let differ: Vec<usize> = (0..ids.len())
                .filter(|&i| {
                    !status.same.get(i).copied().unwrap_or(false)
                        && status.differ.contains_key(&ids[i].to_string())
                })
                .collect();
            let _ = old_heads;
            let initial: Vec<(DocId, Vec<u8>)> =
                differ.iter().map(|&i| (ids[i], old[i].clone())).collect();
            let t1 = Instant::now();
            let client = Client::connect(&url.websocket(), peer, tokens, initial, DOC_TIMEOUT)
                .await
                .expect("connect");
            let connect_time = t1.elapsed();
            let mut synced = Vec::new();
            for &i in &differ {
                let s = client
                    .sync(&ids[i], DOC_TIMEOUT)
                    .await
                    .expect("sync")
                    .expect("known");
                assert!(s.complete, "complete");
                synced.push((i, s.bytes));
            }
            client.close().await;
            (
                status_answer,
                (status_time, connect_time),
                differ,
                t0.elapsed(),
                synced,
            )
        })
    };
    let (status_time, connect_time) = status_time;
    let after = server.metrics();
    let rss_after = server.rss_mib().0;
    server.stop();
    assert_eq!(
        found, changed,
        "/status finds exactly the changed documents"
    );
    for (i, bytes) in &synced {
        assert_eq!(
            heads_hex(bytes),
            heads_hex(&new[i]),
            "document {i} is up to date"
        );
    }
    let smart = json!({
        "ms": ms(total),
        "status_ms": ms(status_time),
        "connect_ms": ms(connect_time),
        "synced": synced.len(),
        "bytes_ws_in": delta(&before, &after, "nous_relay_bytes_in_total"),
        "bytes_ws_out": delta(&before, &after, "nous_relay_bytes_out_total"),
        "bytes_status": status_request + status_answer,
        "messages": delta(&before, &after, "nous_relay_messages_in_total") + delta(&before, &after, "nous_relay_messages_out_total"),
        "documents_loaded": gauge(&after, "nous_relay_documents_loaded"),
        "relay_rss_mib": [rss_before, rss_after],
    });
    say(format!("status path: {smart}"));

    // ---- measured: the anchor, every document through the session -----------------
    let mut server = Server::relay(&data);
    let before = server.metrics();
    let rss_before = server.rss_mib().0;
    let (total, synced) = {
        let initial: Vec<(DocId, Vec<u8>)> = ids.iter().copied().zip(old.iter().cloned()).collect();
        let url = server.url.clone();
        let peer = founder.peer_id(&relay, [5; 8]);
        let tokens = founder.token_source(relay, [5; 8], 5);
        let ids = &ids;
        let new = &new;
        runtime.block_on(async move {
            let t0 = Instant::now();
            let client = Client::connect(&url, peer, tokens, initial, DOC_TIMEOUT)
                .await
                .expect("connect");
            let connect_time = t0.elapsed();
            let mut synced = Vec::new();
            let mut done = 0;
            for (i, id) in ids.iter().enumerate() {
                if anchor_secs > 0 && t0.elapsed() > Duration::from_secs(anchor_secs) {
                    break;
                }
                let s = client
                    .sync(id, DOC_TIMEOUT)
                    .await
                    .expect("sync")
                    .expect("known");
                assert!(s.complete, "complete");
                if new.contains_key(&i) {
                    synced.push((i, s.bytes));
                }
                done += 1;
            }
            client.close().await;
            ((t0.elapsed(), connect_time), (synced, done))
        })
    };
    let (total, connect_time) = total;
    let (synced, done) = synced;
    let after = server.metrics();
    let rss_after = server.rss_mib().0;
    server.stop();
    for (i, bytes) in &synced {
        assert_eq!(
            heads_hex(bytes),
            heads_hex(&new[i]),
            "document {i} is up to date"
        );
    }
    // Stopped early: scale time and bytes to every document (with samod's
    // client each document cost more than the one before, so this was a
    // lower bound; the client of our own syncs all 10,000 within the
    // deadline).
    let scale = n as f64 / done as f64;
    let naive = json!({
        "ms": ms(total) * scale,
        "measured_ms": ms(total),
        "extrapolated": done < n,
        "connect_ms": ms(connect_time),
        "synced": done,
        "bytes_ws_in": delta(&before, &after, "nous_relay_bytes_in_total") * scale,
        "bytes_ws_out": delta(&before, &after, "nous_relay_bytes_out_total") * scale,
        "messages": (delta(&before, &after, "nous_relay_messages_in_total") + delta(&before, &after, "nous_relay_messages_out_total")) * scale,
        "documents_loaded": gauge(&after, "nous_relay_documents_loaded"),
        "relay_rss_mib": [rss_before, rss_after],
    });
    say(format!("every document: {naive}"));

    // What `nous sync` pays on the client before it asks: it reads every
    // local document's heads by loading it (and saves it for the session).
    let t = Instant::now();
    let mut check = 0usize;
    for bytes in &old {
        let doc = Automerge::load(bytes).expect("load");
        check += doc.get_heads().len() + doc.save().len();
    }
    let client_scan = t.elapsed();
    assert!(check > 0);

    let bytes = |v: &Value| {
        v["bytes_ws_in"].as_f64().unwrap_or(0.0)
            + v["bytes_ws_out"].as_f64().unwrap_or(0.0)
            + v["bytes_status"].as_f64().unwrap_or(0.0)
    };
    let ratio_time = naive["ms"].as_f64().unwrap_or(0.0) / smart["ms"].as_f64().unwrap_or(1.0);
    let ratio_bytes = bytes(&naive) / bytes(&smart);
    report["status_path"] = smart.clone();
    report["every_document"] = naive.clone();
    report["client_load_save_all_ms"] = json!(ms(client_scan));
    report["ratio_time"] = json!((ratio_time * 10.0).round() / 10.0);
    report["ratio_bytes"] = json!((ratio_bytes * 10.0).round() / 10.0);
    if json_out {
        println!("{report}");
    } else {
        println!();
        println!(
            "W4 catch-up: {n} documents, {changed_n} changed while offline (relay restarted cold before each)"
        );
        println!(
            "{:<34} {:>10} {:>12} {:>10} {:>9}",
            "", "time ms", "bytes", "messages", "docs ld"
        );
        for (name, v) in [
            ("/status + sync the changed", &smart),
            ("anchor: sync every document", &naive),
        ] {
            println!(
                "{:<34} {:>10.1} {:>12.0} {:>10.0} {:>9.0}",
                name,
                v["ms"].as_f64().unwrap_or(0.0),
                bytes(v),
                v["messages"].as_f64().unwrap_or(0.0),
                v["documents_loaded"].as_f64().unwrap_or(0.0),
            );
        }
        println!(
            "of which /status: {:.1} ms, {} bytes (request {status_request}, answer {status_answer}); connecting {:.1} ms (anchor {:.1} ms)",
            smart["status_ms"].as_f64().unwrap_or(0.0),
            smart["bytes_status"],
            smart["connect_ms"].as_f64().unwrap_or(0.0),
            naive["connect_ms"].as_f64().unwrap_or(0.0),
        );
        if naive["extrapolated"] == true {
            println!(
                "the anchor was stopped after {} of {n} documents ({:.1} s): its time and bytes are scaled to {n}; the time is a lower bound",
                naive["synced"],
                naive["measured_ms"].as_f64().unwrap_or(0.0) / 1000.0
            );
        }
        println!("ratio anchor / status path: time {ratio_time:.1}x, bytes {ratio_bytes:.1}x");
        println!(
            "client side, not in the times above: loading and saving all {n} documents (what `nous sync` plans with) {:.0} ms",
            ms(client_scan)
        );
    }
}
