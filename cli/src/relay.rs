//! `nous serve`, `nous token` and `nous sync`: the relay and its clients.
//!
//! `nous sync` keeps the home's store as the truth. For a session it builds
//! the documents and the communities' ledgers into an in-memory automerge-repo
//! (`nous_net::client`), syncs them with the relay, then takes
//! back what came in: records through signature checks, documents through
//! the guard (as a bundle import: all or nothing). `--watch` stays connected
//! and repeats that exchange whenever the relay's copy or the home changes;
//! it opens the home only for each exchange, so other `nous` commands can
//! edit in between.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use nous_core::engine::Engine;
use nous_core::ids::DocId;
use nous_core::token::{self, Token};
use nous_core::{DeviceKey, PublicKey, ledger};
use nous_net::client::{Client, TokenSource};
use nous_sync_server::cli::ServeArgs;
use nous_sync_server::discover::RelayUrl;
use serde_json::json;

use nous_api::sync::SyncPlan;

use crate::commands::{Context, open, save_and_close};
use crate::output;

/// How long one document may take to sync before it is reported incomplete.
const DOC_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the relay to answer at all.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The relay (ws://HOST:PORT). Its key is fetched and pinned.
    pub relay: String,
    /// How long the token stays valid, in seconds (at most the relay's
    /// limit, 15 minutes by default).
    #[arg(long, value_name = "SECS", default_value_t = token::DEFAULT_LIFETIME_MS / 1000)]
    pub lifetime: u64,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The relay (ws://HOST:PORT).
    pub relay: String,
    /// Documents to sync (id, prefix or title). Default: every document of
    /// the home and of its communities, and the communities' records.
    pub docs: Vec<String>,
    /// Stay connected and sync live until interrupted.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: how often the home is checked for local edits, in
    /// milliseconds, besides the moment another process writes to it (where
    /// the system tells; inotify on Linux).
    #[arg(long, value_name = "MS", default_value_t = 250, requires = "watch")]
    pub interval: u64,
    /// With --watch: stop after this many seconds (for scripts and tests).
    #[arg(long, value_name = "SECS", requires = "watch")]
    pub for_secs: Option<u64>,
}

/// `nous serve`.
pub fn serve(cx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    let config = args.config(Some(cx.home.join("relay")))?;
    let json = cx.json;
    nous_sync_server::cli::serve(config, |addr, relay| {
        let url = format!("ws://{addr}/");
        if json {
            println!("{}", json!({ "listening": url, "relay": relay }));
        } else {
            println!("relay {relay} listening on {url} (Ctrl-C to stop)");
        }
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
        .context("cannot start the async runtime")
}

fn device_key(home: &Path) -> anyhow::Result<DeviceKey> {
    let path = home.join(nous_api::KEY_FILE);
    if !path.exists() {
        bail!("{} is not a Nous home (run `nous init`)", home.display());
    }
    Ok(nous_api::keyfile::read(&path)?)
}

fn random<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("random number generator: {e}"))?;
    Ok(bytes)
}

/// The relay's key: fetched, and checked against the one pinned in the home.
/// The relay's key, checked against (or pinned as) the one this home knows
/// (`nous_api::relays`).
async fn relay_key(home: &Path, url: &RelayUrl) -> anyhow::Result<PublicKey> {
    let key = url.fetch_id(CONNECT_TIMEOUT).await?;
    Ok(nous_api::relays::pin(home, &url.websocket(), key)?)
}

/// A token source for one session: every token has a fresh nonce, all
/// share the session's peer id.
fn token_source(key: DeviceKey, relay: PublicKey, session: [u8; 8]) -> TokenSource {
    Arc::new(move || {
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&session);
        if getrandom::fill(&mut nonce[8..]).is_err() {
            tracing::error!("random number generator failed");
        }
        Token::issue(
            &key,
            &relay,
            nous_sync_server::now_ms() + token::DEFAULT_LIFETIME_MS,
            nonce,
        )
    })
}

/// `nous token`.
pub fn issue_token(cx: &Context, args: &TokenArgs) -> anyhow::Result<()> {
    let url: RelayUrl = args.relay.parse()?;
    let key = device_key(&cx.home)?;
    let relay = runtime()?.block_on(relay_key(&cx.home, &url))?;
    let lifetime_ms = args.lifetime.saturating_mul(1000);
    if lifetime_ms == 0 {
        bail!("--lifetime must be at least one second");
    }
    let expires_ms = nous_sync_server::now_ms() + lifetime_ms;
    let text = Token::issue(&key, &relay, expires_ms, random()?);
    let token = Token::verify(&text, &relay, nous_sync_server::now_ms(), lifetime_ms)?;
    if cx.json {
        output::json(&json!({
            "token": text,
            "peer_id": token.peer_id(),
            "relay": relay.to_string(),
            "device": key.public().to_string(),
            "expires_ms": expires_ms,
            "url": url.websocket_with_token(&text),
        }))
    } else {
        output::text(&format!(
            "{}\npeer id: {}\nexpires in {} s; usable once",
            url.websocket_with_token(&text),
            token.peer_id(),
            args.lifetime
        ))
    }
}

/// What one exchange did, for the report.
#[derive(Default)]
pub(crate) struct Exchange {
    /// Records this home did not have.
    pub new_records: usize,
    /// Documents the relay already had exactly as this home has them.
    pub unchanged: usize,
    /// Documents taken in: id, title, outcome.
    pub documents: Vec<serde_json::Value>,
    /// Documents the relay does not have, or will not show this device.
    pub unavailable: Vec<DocId>,
    /// Documents that did not finish syncing in time.
    pub incomplete: Vec<DocId>,
}

/// Sync the ledgers, then the documents, then take in what came back.
async fn exchange(
    client: &Client,
    engine: &mut Engine,
    plan: &SyncPlan,
    quiet: bool,
) -> anyhow::Result<Exchange> {
    let mut report = Exchange::default();
    let total = plan.ledgers.len() + plan.docs.len();
    let mut done = 0;
    for community in &plan.ledgers {
        let id = ledger::doc_id(community);
        if let Some(synced) = client.sync(&id, DOC_TIMEOUT).await? {
            // The relay's bytes: through the guard (caps, a scan, the
            // decoder contained), never straight into Automerge.
            let actor = engine.device().actor_for(&id);
            let doc =
                nous_core::guard::load(&synced.bytes, &nous_core::guard::Limits::default(), actor)
                    .map_err(|e| {
                        anyhow!(
                            "the relay's ledger of {} was refused: {e}",
                            community.short()
                        )
                    })?;
            let records = ledger::records(&doc)?;
            let staged = engine.add_records(&records)?;
            engine.wait(staged.ticket)?;
            report.new_records += staged.value;
            engine.set_ledger_replica(community, synced.bytes)?;
            if !synced.complete {
                report.incomplete.push(id);
            }
        } else {
            report.unavailable.push(id);
        }
        done += 1;
        if !quiet {
            output::progress(done, total, "syncing");
        }
    }
    let mut documents = Vec::new();
    for id in &plan.docs {
        match client.sync(id, DOC_TIMEOUT).await? {
            Some(synced) => {
                if !synced.complete {
                    report.incomplete.push(*id);
                }
                documents.push((*id, synced.bytes));
            }
            None => report.unavailable.push(*id),
        }
        done += 1;
        if !quiet {
            output::progress(done, total, "syncing");
        }
    }
    if !documents.is_empty() {
        let known: std::collections::HashSet<DocId> =
            engine.list()?.into_iter().map(|d| d.id).collect();
        let before = crate::conflicts::heads_before(
            engine,
            documents
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| known.contains(id)),
        );
        let imported = engine.apply_remote(documents)?;
        for doc in imported.documents {
            // The conflicts this merge created, if it merged anything.
            let (conflicts, lines) = if doc.outcome == nous_core::ImportOutcome::Unchanged {
                (Vec::new(), Vec::new())
            } else {
                crate::conflicts::merged_conflicts(
                    engine,
                    &doc.id,
                    before.get(&doc.id).map(Vec::as_slice),
                )?
            };
            report.documents.push(json!({
                "id": doc.id.to_string(),
                "title": doc.title,
                "outcome": outcome_text(&doc.outcome),
                "conflicts": conflicts,
                "conflict_lines": lines,
            }));
        }
    }
    Ok(report)
}

/// The documents as JSON output gives them: without the lines for people.
fn without_lines(docs: &[serde_json::Value]) -> Vec<serde_json::Value> {
    docs.iter()
        .cloned()
        .map(|mut doc| {
            if let Some(map) = doc.as_object_mut() {
                map.remove("conflict_lines");
            }
            doc
        })
        .collect()
}

/// The lines telling of the conflicts a synced document brought.
fn conflict_lines(doc: &serde_json::Value) -> Vec<String> {
    doc["conflict_lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn outcome_text(outcome: &nous_core::ImportOutcome) -> String {
    match outcome {
        nous_core::ImportOutcome::Added => "added".into(),
        nous_core::ImportOutcome::Merged(n) => format!("merged {n} change(s)"),
        nous_core::ImportOutcome::Unchanged => "unchanged".into(),
    }
}

/// Ask the relay which documents of the plan this device may have and
/// what heads it holds; keep those it may have, and with `only_changed`
/// only those whose heads differ from ours (catch-up without touching the
/// unchanged). Returns the unavailable and the unchanged.
async fn narrow(
    url: &RelayUrl,
    tokens: &TokenSource,
    plan: &mut SyncPlan,
    only_changed: bool,
) -> anyhow::Result<(Vec<DocId>, usize)> {
    let asked: Vec<DocId> = plan
        .docs
        .iter()
        .copied()
        .chain(plan.ledgers.iter().map(ledger::doc_id))
        .collect();
    let query: Vec<(String, String)> = asked
        .iter()
        .map(|doc| {
            let digest = plan
                .local_heads
                .get(doc)
                .map(|heads| nous_core::ids::heads_digest(heads))
                .unwrap_or_default();
            (doc.to_string(), digest)
        })
        .collect();
    let status = url.status(&(tokens)(), &query, CONNECT_TIMEOUT).await?;
    let mut unavailable = Vec::new();
    let mut unchanged = 0;
    let mut wanted = BTreeSet::new();
    for (i, doc) in asked.iter().enumerate() {
        let same = status.same.get(i).copied().unwrap_or(false);
        if same {
            unchanged += 1;
            if !only_changed {
                wanted.insert(*doc);
            }
        } else if status.differ.contains_key(&doc.to_string()) {
            wanted.insert(*doc);
        } else {
            unavailable.push(*doc);
        }
    }
    plan.docs.retain(|d| wanted.contains(d));
    plan.ledgers.retain(|c| wanted.contains(&ledger::doc_id(c)));
    plan.initial.retain(|(id, _)| wanted.contains(id));
    Ok((unavailable, unchanged))
}

/// Ask the relay to host the communities this device founded.
async fn register_founded(
    url: &RelayUrl,
    tokens: &TokenSource,
    plan: &SyncPlan,
) -> anyhow::Result<()> {
    for ledger in &plan.founded {
        url.register(&(tokens)(), ledger, CONNECT_TIMEOUT).await?;
    }
    Ok(())
}

/// `nous sync`.
pub fn sync(cx: &Context, args: &SyncArgs) -> anyhow::Result<()> {
    if !args.watch {
        let report = sync_once(cx, &args.relay, &args.docs)?;
        let url: RelayUrl = args.relay.parse()?;
        return print_report(cx, &url, &report);
    }
    let url: RelayUrl = args.relay.parse()?;
    let key = device_key(&cx.home)?;
    let session: [u8; 8] = random()?;
    runtime()?.block_on(async {
        let relay = relay_key(&cx.home, &url).await?;
        let tokens = token_source(key, relay, session);
        let peer_id = peer_id_of(&tokens, &relay)?;
        watch(cx, args, &url, peer_id, tokens).await
    })
}

fn peer_id_of(tokens: &TokenSource, relay: &PublicKey) -> anyhow::Result<String> {
    let probe = (tokens)();
    Ok(Token::verify(
        &probe,
        relay,
        nous_sync_server::now_ms(),
        token::MAX_LIFETIME_MS,
    )?
    .peer_id())
}

/// Sync the home once with the relay at `relay`: register the communities
/// this device founded, ask which documents changed, sync those, take in
/// what came back. Shows progress on a terminal unless `cx.json`.
pub(crate) fn sync_once(cx: &Context, relay: &str, docs: &[String]) -> anyhow::Result<Exchange> {
    let url: RelayUrl = relay.parse()?;
    let key = device_key(&cx.home)?;
    let session: [u8; 8] = random()?;
    runtime()?.block_on(async {
        let relay = relay_key(&cx.home, &url).await?;
        let tokens = token_source(key, relay, session);
        let peer_id = peer_id_of(&tokens, &relay)?;
        let mut engine = open(cx)?;
        let mut plan = SyncPlan::new(&mut engine, docs)?;
        register_founded(&url, &tokens, &plan).await?;
        let (unavailable, unchanged) = narrow(&url, &tokens, &mut plan, true).await?;
        let mut report = if plan.docs.is_empty() && plan.ledgers.is_empty() {
            Exchange::default()
        } else {
            let client = Client::connect(
                &url.websocket(),
                peer_id,
                tokens,
                plan.initial.clone(),
                CONNECT_TIMEOUT,
            )
            .await?;
            let report = exchange(&client, &mut engine, &plan, cx.json).await;
            client.close().await;
            report?
        };
        report.unavailable.extend(unavailable);
        report.unchanged = unchanged;
        save_and_close(engine)?;
        Ok(report)
    })
}

fn print_report(cx: &Context, url: &RelayUrl, report: &Exchange) -> anyhow::Result<()> {
    if cx.json {
        return output::json(&json!({
            "relay": url.websocket(),
            "new_records": report.new_records,
            "unchanged": report.unchanged,
            "documents": without_lines(&report.documents),
            "unavailable": report.unavailable.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "incomplete": report.incomplete.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    }
    let mut lines = vec![format!("synced with {}", url.websocket())];
    if report.new_records > 0 {
        lines.push(format!("  {} new record(s)", report.new_records));
    }
    if report.unchanged > 0 {
        lines.push(format!(
            "  {} document(s) already up to date",
            report.unchanged
        ));
    }
    for doc in &report.documents {
        lines.push(format!(
            "  {}  {}  {}",
            doc["id"].as_str().unwrap_or_default(),
            doc["outcome"].as_str().unwrap_or_default(),
            doc["title"].as_str().unwrap_or_default()
        ));
        lines.extend(conflict_lines(doc));
    }
    for id in &report.unavailable {
        lines.push(format!(
            "  {id}  unavailable (not on the relay, or not shared with you)"
        ));
    }
    for id in &report.incomplete {
        lines.push(format!("  {id}  incomplete (timed out; run again)"));
    }
    output::text(&lines.join("\n"))
}

/// `nous sync --watch`: exchange whenever the relay's copy changes or the
/// home's heads move, opening the home only for the exchange.
async fn watch(
    cx: &Context,
    args: &SyncArgs,
    url: &RelayUrl,
    peer_id: String,
    tokens: TokenSource,
) -> anyhow::Result<()> {
    let mut engine = open(cx)?;
    let mut plan = SyncPlan::new(&mut engine, &args.docs)?;
    register_founded(url, &tokens, &plan).await?;
    narrow(url, &tokens, &mut plan, false).await?;
    let client = Client::connect(
        &url.websocket(),
        peer_id,
        tokens.clone(),
        plan.initial.clone(),
        CONNECT_TIMEOUT,
    )
    .await?;
    let first = exchange(&client, &mut engine, &plan, true).await?;
    let mut seen = plan.fingerprint(&mut engine)?;
    save_and_close(engine)?;
    if cx.json {
        println!(
            "{}",
            json!({ "watching": url.websocket(), "documents": plan.docs.len(), "new_records": first.new_records })
        );
    } else {
        output::text(&format!(
            "watching {} ({} document(s)); Ctrl-C to stop",
            url.websocket(),
            plan.docs.len()
        ))?;
    }
    let (remote_tx, mut remote_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    // Another process writing to this home's store (`nous charter edit`)
    // wakes the loop at once; the interval stays as the fallback look.
    let (local_tx, mut local_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    // `NOUS_WATCH_STORE=0` turns this off (the live_edit benchmark's
    // anchor: the interval alone).
    let _store_watch = match std::env::var("NOUS_WATCH_STORE").as_deref() {
        Ok("0") => None,
        _ => watch_store(&cx.home, local_tx),
    };
    let mut quiet_until = tokio::time::Instant::now();
    let mut watched = BTreeSet::new();
    let interval = Duration::from_millis(args.interval.max(20));
    let stop_at = args
        .for_secs
        .map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
    // Listen for Ctrl-C all along: a signal that comes during an exchange,
    // when the loop is not waiting, must still stop it.
    let (interrupt_tx, mut interrupted) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = interrupt_tx.send(true);
        }
    });
    loop {
        if *interrupted.borrow() {
            break;
        }
        for id in plan.docs.iter().chain(
            plan.ledgers
                .iter()
                .map(ledger::doc_id)
                .collect::<Vec<_>>()
                .iter(),
        ) {
            if watched.insert(*id)
                && let Some(mut changes) = client.watch(id, DOC_TIMEOUT).await?
            {
                let tx = remote_tx.clone();
                tokio::spawn(async move {
                    use futures::StreamExt as _;
                    while changes.next().await.is_some() {
                        if tx.send(()).is_err() {
                            break;
                        }
                    }
                });
            }
        }
        let stop = async {
            match stop_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending::<()>().await,
            }
        };
        let remote = tokio::select! {
            _ = interrupted.changed() => break,
            () = stop => break,
            _ = remote_rx.recv() => {
                // Let a burst of keystrokes arrive before taking the home.
                tokio::time::sleep(Duration::from_millis(5)).await;
                while remote_rx.try_recv().is_ok() {}
                true
            }
            Some(()) = local_rx.recv() => {
                // Our own writes to the store notify us too: those are
                // ignored (they come right after we close the home).
                if tokio::time::Instant::now() < quiet_until {
                    continue;
                }
                while local_rx.try_recv().is_ok() {}
                false
            }
            () = tokio::time::sleep(interval) => false,
        };
        let mut engine = open(cx)?;
        let local = plan.fingerprint(&mut engine)? != seen;
        if remote || local {
            // Push local edits into the session, then take in the relay's.
            for id in &plan.docs {
                if engine.list()?.iter().any(|s| s.id == *id) {
                    let local = engine.document(id)?.save();
                    client.push(id, &local, DOC_TIMEOUT).await?;
                }
            }
            for community in &plan.ledgers {
                let local = engine.local_ledger(community)?.save();
                client
                    .push(&ledger::doc_id(community), &local, DOC_TIMEOUT)
                    .await?;
            }
            let report = exchange(&client, &mut engine, &plan, true).await?;
            let changed: Vec<_> = report
                .documents
                .iter()
                .filter(|d| d["outcome"].as_str().is_some_and(|o| o != "unchanged"))
                .cloned()
                .collect();
            if !changed.is_empty() || report.new_records > 0 {
                if cx.json {
                    println!(
                        "{}",
                        json!({ "received": without_lines(&changed), "new_records": report.new_records })
                    );
                } else {
                    for doc in &changed {
                        println!(
                            "{}  {}",
                            doc["id"].as_str().unwrap_or_default(),
                            doc["outcome"].as_str().unwrap_or_default()
                        );
                        for line in conflict_lines(doc) {
                            println!("{line}");
                        }
                    }
                }
            }
            if report.new_records > 0 {
                plan = plan.refresh(&mut engine, &args.docs)?;
                narrow(url, &tokens, &mut plan, false).await?;
            }
        }
        seen = plan.fingerprint(&mut engine)?;
        save_and_close(engine)?;
        quiet_until = tokio::time::Instant::now() + OWN_WRITES;
        while local_rx.try_recv().is_ok() {}
    }
    client.close().await;
    Ok(())
}

/// How long after this process closed the home a notification of a write
/// to its store is taken for this process's own.
const OWN_WRITES: Duration = Duration::from_millis(15);

/// Watch the home's store file: `tx` gets a message for each write another
/// process (or this one) makes to it. `None` when the system cannot watch
/// files; the loop's interval is then the only look.
fn watch_store(
    home: &Path,
    tx: tokio::sync::mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let store = home.join(nous_api::STORE_FILE);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && matches!(
                event.kind,
                notify::EventKind::Modify(_) | notify::EventKind::Create(_)
            )
        {
            let _ = tx.send(());
        }
    })
    .ok()?;
    watcher
        .watch(&store, notify::RecursiveMode::NonRecursive)
        .ok()?;
    Some(watcher)
}
