//! `nous serve`, `nous token` and `nous sync`: arguments and printing over
//! the relay (`nous_sync_server::cli`) and the facade's sync
//! (`nous_api::sync`: `Home::sync` once, `Session` for `--watch`).

use std::time::Duration;

use anyhow::bail;
use clap::Args;
use nous_api::sync::{
    KeptReason, Session, SyncEvent, SyncOutcome, SyncReport, SyncedDoc, WatchOptions,
};
use nous_core::token;
use nous_sync_server::cli::ServeArgs;
use serde_json::json;

use crate::commands::{Context, env, open, save_and_close};
use crate::lang::tr;
use crate::output;

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
            println!(
                "{}",
                tr!(
                    "commands-relay-listening",
                    relay = relay.to_string(),
                    url = &url
                )
            );
        }
    })
}

/// `nous token`.
pub fn issue_token(cx: &Context, args: &TokenArgs) -> anyhow::Result<()> {
    if args.lifetime == 0 {
        bail!(tr!("commands-token-lifetime-zero"));
    }
    let issued = nous_api::sync::issue_token(
        &cx.home,
        &env()?,
        &args.relay,
        Duration::from_secs(args.lifetime),
    )?;
    if cx.json {
        output::json(&issued)
    } else {
        output::text(&tr!(
            "commands-token-issued",
            url = issued.url.to_string(),
            peer_id = issued.peer_id.to_string(),
            lifetime = args.lifetime
        ))
    }
}

/// Sync the home once with `relay`, showing progress on a terminal unless
/// `cx.json`.
pub(crate) fn sync_once(cx: &Context, relay: &str, docs: &[String]) -> anyhow::Result<SyncReport> {
    let mut home = open(cx)?;
    let bar = crate::progress::Bar::new(crate::progress::shown(cx.json), &tr!("commands-syncing"));
    let report = home.sync(relay, docs, &mut |done, total| bar.update(done, total))?;
    drop(bar);
    save_and_close(home)?;
    Ok(report)
}

/// What awaits this device's member (`nous todo`), an entry per item.
fn awaiting(cx: &Context) -> anyhow::Result<std::collections::BTreeSet<String>> {
    if cx.json {
        return Ok(Default::default());
    }
    let mut home = open(cx)?;
    let items = home.governance().todo(None)?;
    Ok(items
        .iter()
        .map(|i| format!("{} {:?} {}", i.community, i.todo.kind, i.todo.subject))
        .collect())
}

/// `nous sync`.
pub fn sync(cx: &Context, args: &SyncArgs) -> anyhow::Result<()> {
    if !args.watch {
        let before = awaiting(cx)?;
        let report = sync_once(cx, &args.relay, &args.docs)?;
        print_report(cx, &report)?;
        // What the sync brought that awaits this member, in one line.
        new_todo(cx, &before)?;
        // What did sync is kept and shown; what did not makes the command
        // fail, with the reasons.
        return match unfinished(&report) {
            Some(reason) => Err(anyhow::anyhow!(reason)),
            None => Ok(()),
        };
    }
    let options = WatchOptions {
        interval: Duration::from_millis(args.interval),
        // `NOUS_WATCH_STORE=0`: the interval alone (the live_edit
        // benchmark's anchor).
        watch_store: std::env::var("NOUS_WATCH_STORE").as_deref() != Ok("0"),
        stop_on_interrupt: true,
    };
    let session = Session::start(&cx.home, env()?, &args.relay, args.docs.clone(), options)?;
    let stop_at = args
        .for_secs
        .map(|s| std::time::Instant::now() + Duration::from_secs(s));
    // What already awaits this member; each round that brings something
    // ends with one line saying what is new (as `nous sync` once does).
    let mut seen = awaiting(cx)?;
    loop {
        if let Some(event) = session.next_event(Duration::from_millis(50)) {
            print_event(cx, &event)?;
            if matches!(
                event,
                SyncEvent::Received { new_records, .. } if new_records > 0
            ) {
                seen = new_todo(cx, &seen)?;
            }
            continue;
        }
        if !session.is_running() || stop_at.is_some_and(|at| std::time::Instant::now() >= at) {
            break;
        }
    }
    Ok(session.stop()?)
}

/// Print one line saying how many to-do items are new since `before`
/// (nothing with `--json`, nor when none is); returns what awaits now.
fn new_todo(
    cx: &Context,
    before: &std::collections::BTreeSet<String>,
) -> anyhow::Result<std::collections::BTreeSet<String>> {
    let now = awaiting(cx)?;
    let new = now.difference(before).count();
    if new > 0 {
        output::text(&tr!("todo-new-after-sync", count = new))?;
    }
    Ok(now)
}

/// Why the sync did not finish, if it did not (`SyncReport::unfinished_reason`,
/// in the user's language).
fn unfinished(report: &SyncReport) -> Option<String> {
    if report.finished() {
        return None;
    }
    let mut parts: Vec<String> = report
        .failed
        .iter()
        .map(|f| {
            tr!(
                "commands-sync-failed-part",
                id = f.id.to_string(),
                reason = &f.reason
            )
        })
        .collect();
    if !report.incomplete.is_empty() {
        parts.push(tr!(
            "commands-sync-timed-out-part",
            count = report.incomplete.len()
        ));
    }
    Some(tr!(
        "commands-sync-unfinished",
        parts = parts.join(&tr!("commands-sync-separator"))
    ))
}

/// What a synced document took in and sent, in the user's language.
fn outcome(doc: &SyncedDoc) -> String {
    let received = match doc.outcome {
        SyncOutcome::Added => Some(tr!("commands-sync-added")),
        SyncOutcome::Merged => Some(tr!("commands-sync-merged", count = doc.received)),
        SyncOutcome::Unchanged => None,
    };
    let sent = (doc.sent > 0).then(|| tr!("commands-sync-sent-changes", count = doc.sent));
    match (received, sent) {
        (Some(r), Some(s)) => format!("{r}, {s}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => tr!("commands-sync-unchanged"),
    }
}

/// The lines telling of the conflicts a synced document brought.
fn conflict_lines(doc: &SyncedDoc) -> Vec<String> {
    crate::conflicts::merged_lines(&doc.conflicts)
}

fn print_report(cx: &Context, report: &SyncReport) -> anyhow::Result<()> {
    if cx.json {
        return output::json(report);
    }
    let mut lines = vec![tr!(
        "commands-synced-with",
        relay = report.relay.to_string()
    )];
    for registered in &report.registered {
        lines.push(format!(
            "  {}",
            tr!(
                "commands-sync-registered",
                name = registered.name.as_str(),
                count = registered.records
            )
        ));
    }
    let counts = |c: &nous_api::sync::Counts| {
        tr!(
            "commands-sync-counts",
            documents = c.documents,
            changes = c.changes,
            records = c.records
        )
    };
    lines.push(format!(
        "  {}",
        tr!("commands-sync-sent", counts = counts(&report.sent))
    ));
    lines.push(format!(
        "  {}",
        tr!("commands-sync-received", counts = counts(&report.received))
    ));
    if report.unchanged > 0 {
        lines.push(format!(
            "  {}",
            tr!("commands-sync-up-to-date", count = report.unchanged)
        ));
    }
    for doc in &report.documents {
        lines.push(format!("  {}  {}  {}", doc.id, outcome(doc), doc.title));
        lines.extend(conflict_lines(doc));
    }
    // What stays here, once per reason, in one line each.
    for reason in [KeptReason::NoCommunity, KeptReason::ReadOnly] {
        let kept: Vec<String> = report
            .kept
            .iter()
            .filter(|k| k.reason == reason)
            .map(|k| {
                if k.title.is_empty() {
                    k.id.to_string()
                } else {
                    output::clip(&k.title, 40)
                }
            })
            .collect();
        if kept.is_empty() {
            continue;
        }
        let (count, docs) = (kept.len(), kept.join(", "));
        lines.push(format!(
            "  {}",
            match reason {
                KeptReason::ReadOnly =>
                    tr!("commands-sync-kept-read-only", count = count, docs = docs),
                _ => tr!(
                    "commands-sync-kept-no-community",
                    count = count,
                    docs = docs
                ),
            }
        ));
    }
    for id in &report.unavailable {
        lines.push(format!("  {id}  {}", tr!("commands-sync-unavailable")));
    }
    for id in &report.incomplete {
        lines.push(format!("  {id}  {}", tr!("commands-sync-incomplete")));
    }
    for failed in &report.failed {
        lines.push(format!(
            "  {}  {}",
            failed.id,
            tr!("commands-sync-not-synced", reason = &failed.reason)
        ));
    }
    output::text(&lines.join("\n"))
}

fn print_event(cx: &Context, event: &SyncEvent) -> anyhow::Result<()> {
    match event {
        SyncEvent::Watching {
            relay,
            documents,
            new_records,
        } => {
            if cx.json {
                println!(
                    "{}",
                    json!({ "watching": relay, "documents": documents, "new_records": new_records })
                );
                Ok(())
            } else {
                output::text(&tr!(
                    "commands-sync-watching",
                    relay = relay.to_string(),
                    count = *documents
                ))
            }
        }
        SyncEvent::Received {
            documents,
            new_records,
        } => {
            if cx.json {
                println!(
                    "{}",
                    json!({ "received": documents, "new_records": new_records })
                );
            } else {
                for doc in documents {
                    println!("{}  {}", doc.id, outcome(doc));
                    for line in conflict_lines(doc) {
                        println!("{line}");
                    }
                }
            }
            Ok(())
        }
        SyncEvent::Failed { documents } => {
            if cx.json {
                println!("{}", json!({ "failed": documents }));
            } else {
                for failed in documents {
                    eprintln!(
                        "{}  {}",
                        failed.id,
                        tr!("commands-sync-not-synced", reason = &failed.reason)
                    );
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
