//! Sync with a relay: once ([`Home::sync`]), or live ([`Session`], which
//! owns its runtime and delivers [`SyncEvent`]s).
//!
//! The relay's key is fetched and checked against the one this home pinned
//! ([`crate::relays::pin`]); every connection and request carries a fresh
//! token of this device's. What comes back is taken in through the guard
//! (`nous_net::session`): records through their checks, documents as a
//! bundle import would take them, all or nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use nous_core::{DeviceKey, DocId, ImportOutcome, PublicKey};
use nous_net::discover::RelayUrl;
use nous_net::session::{self, CONNECT_TIMEOUT, DOC_TIMEOUT, Exchanged, RelayTransport, Transport};
use serde::Serialize;

pub use nous_net::session::SyncPlan;

use crate::conflicts::{ConflictView, new_conflicts};
use crate::{Env, Error, Event, Home, Invalid, Result};

/// What a sync did (the JSON of `nous sync --json`).
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    /// The relay's WebSocket URL.
    pub relay: String,
    /// The communities this sync brought to the relay (the founder's first
    /// sync): it hosts them from now on.
    pub registered: Vec<Registered>,
    /// What the relay did not have and now has from this home.
    pub sent: Counts,
    /// What this home did not have and now has from the relay.
    pub received: Counts,
    /// Records this home did not have (`received.records`).
    pub new_records: usize,
    /// Documents the relay already had exactly as this home has them.
    pub unchanged: usize,
    /// Documents synced: each with what it sent and took in.
    pub documents: Vec<SyncedDoc>,
    /// Documents of this home that stayed here, and why (not failures).
    pub kept: Vec<KeptDoc>,
    /// Documents the relay does not have, or will not show this device.
    pub unavailable: Vec<DocId>,
    /// Documents that did not finish syncing in time (run again).
    pub incomplete: Vec<DocId>,
    /// Documents whose sync did not happen, and why.
    pub failed: Vec<FailedDoc>,
}

/// A community a sync brought to the relay.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    /// The community.
    pub community: String,
    /// Its name.
    pub name: String,
    /// The records its ledger carried there.
    pub records: usize,
}

/// What went one way in a sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Documents that carried changes.
    pub documents: usize,
    /// Their changes.
    pub changes: usize,
    /// Signed records (the communities' ledgers).
    pub records: usize,
}

/// A document of this home that a sync left here, and why.
#[derive(Debug, Clone, Serialize)]
pub struct KeptDoc {
    /// The document.
    pub id: DocId,
    /// Its title, if it is a charter.
    pub title: String,
    /// Why it stayed here.
    pub reason: KeptReason,
}

/// Why a document stayed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeptReason {
    /// It belongs to none of this home's communities (a local draft): the
    /// relay hosts only communities' documents.
    NoCommunity,
    /// The relay lets this device read it only: this home's own changes to
    /// it stay here (the relay's came in).
    ReadOnly,
}

impl SyncReport {
    /// Whether every document synced: nothing incomplete, nothing failed.
    /// A report that is not finished is not a success (`nous sync` exits
    /// non-zero with the reasons).
    pub fn finished(&self) -> bool {
        self.incomplete.is_empty() && self.failed.is_empty()
    }

    /// Why it did not finish, in one line (`None` when it did).
    pub fn unfinished_reason(&self) -> Option<String> {
        if self.finished() {
            return None;
        }
        let mut parts: Vec<String> = self
            .failed
            .iter()
            .map(|f| format!("{}: {}", f.id, f.reason))
            .collect();
        match self.incomplete.len() {
            0 => {}
            1 => parts.push("1 document timed out (run again)".into()),
            n => parts.push(format!("{n} documents timed out (run again)")),
        }
        Some(format!("the sync did not finish: {}", parts.join("; ")))
    }
}

/// A document whose sync did not happen.
#[derive(Debug, Clone, Serialize)]
pub struct FailedDoc {
    /// The document (a community's ledger has its own id).
    pub id: DocId,
    /// Why: what the relay sent was refused, or the connection ended.
    pub reason: String,
}

fn failed_docs(exchanged: &Exchanged) -> Vec<FailedDoc> {
    exchanged
        .failed
        .iter()
        .map(|(id, reason)| FailedDoc {
            id: *id,
            reason: reason.clone(),
        })
        .collect()
}

/// One document a sync took in or sent.
#[derive(Debug, Clone, Serialize)]
pub struct SyncedDoc {
    /// The document.
    pub id: DocId,
    /// Its title, if it is a charter.
    pub title: String,
    /// What came in: `added` (new here), `merged` (`received` changes) or
    /// `unchanged`.
    pub outcome: SyncOutcome,
    /// The changes taken in (all of them for an added document).
    pub received: usize,
    /// The changes the relay did not have and now has from this home.
    pub sent: usize,
    /// The conflicts this merge created.
    pub conflicts: Vec<ConflictView>,
}

/// What a sync took in of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncOutcome {
    /// It was new here.
    Added,
    /// It was here; the relay's changes were merged.
    Merged,
    /// Nothing came in.
    Unchanged,
}

impl SyncedDoc {
    /// Whether it took in anything.
    pub fn changed(&self) -> bool {
        self.outcome != SyncOutcome::Unchanged
    }
}

/// A progress callback: `(done, total)` after each document.
pub type Progress<'a> = &'a mut (dyn FnMut(usize, usize) + Send);

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        // The guard caps nesting before Automerge decodes anything; a
        // larger stack is a second line of defence.
        .thread_stack_size(8 << 20)
        .build()
        .map_err(|e| Error::Io {
            path: "async runtime".into(),
            reason: e,
        })
}

pub(crate) fn device_key(home: &Path) -> Result<DeviceKey> {
    let path = home.join(crate::KEY_FILE);
    if !path.exists() {
        return Err(Error::NotInitialised(home.display().to_string()));
    }
    Ok(crate::keyfile::read(&path)?)
}

/// Run `future` on a runtime of its own (the facade's calls block).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    Ok(runtime()?.block_on(future))
}

/// The relay's key, fetched and checked against (or pinned as) the one
/// this home knows.
pub(crate) async fn relay_key(home: &Path, url: &RelayUrl) -> Result<PublicKey> {
    let key = url
        .fetch_id(CONNECT_TIMEOUT)
        .await
        .map_err(session::SessionError::from)?;
    crate::relays::pin(home, &url.websocket(), key)
}

/// A transport to `relay` for the device of the home at `home`.
async fn transport(home: &Path, env: &Env, relay: &str) -> Result<RelayTransport> {
    let url: RelayUrl = relay.parse().map_err(session::SessionError::from)?;
    let key = device_key(home)?;
    let relay = relay_key(home, &url).await?;
    let mut session = [0u8; 8];
    env.fill(&mut session);
    Ok(RelayTransport::new(url, key, relay, session)?)
}

/// The report's documents from an exchange, with the conflicts each merge
/// created; each document that took in something is announced. Documents
/// that only sent are listed too (outcome `unchanged`).
fn taken_in(home: &mut Home, exchanged: &Exchanged) -> Result<Vec<SyncedDoc>> {
    let mut documents = Vec::new();
    for doc in &exchanged.documents {
        let conflicts = if doc.outcome == ImportOutcome::Unchanged {
            Vec::new()
        } else {
            home.emit(Event::Merged {
                doc: doc.id,
                outcome: doc.outcome,
            });
            new_conflicts(
                home,
                &doc.id,
                exchanged.before.get(&doc.id).map(Vec::as_slice),
            )?
        };
        let (outcome, received) = match doc.outcome {
            ImportOutcome::Added => (SyncOutcome::Added, home.changes_count(&doc.id)?),
            ImportOutcome::Merged(n) => (SyncOutcome::Merged, n),
            ImportOutcome::Unchanged => (SyncOutcome::Unchanged, 0),
        };
        documents.push(SyncedDoc {
            id: doc.id,
            title: doc.title.clone(),
            outcome,
            received,
            sent: exchanged.sent.get(&doc.id).copied().unwrap_or(0),
            conflicts,
        });
    }
    Ok(documents)
}

impl Home {
    /// How many changes a document of this home holds.
    fn changes_count(&mut self, id: &DocId) -> Result<usize> {
        Ok(self.document(id)?.get_changes_meta(&[]).len())
    }

    /// Sync this home once with the relay at `relay` (`ws://HOST:PORT`):
    /// ask it to host the communities this device founded, ask which of
    /// `docs` (default: everything, see [`SyncPlan::new`]) changed, sync
    /// the communities' ledgers first, then the documents — those the
    /// ledgers just made the relay host included (a document shared since
    /// the last sync goes with the record that shares it) — and take in
    /// what came back. Merged documents are announced to
    /// [`Home::subscribe`]rs. `progress(done, total)` after each document.
    pub fn sync(
        &mut self,
        relay: &str,
        docs: &[String],
        progress: Progress<'_>,
    ) -> Result<SyncReport> {
        let path = self.path().to_owned();
        let env = self.env().clone();
        runtime()?.block_on(async {
            let transport = transport(&path, &env, relay).await?;
            let mut plan = SyncPlan::new(self, docs)?;
            let mut local: Vec<(DocId, Vec<u8>)> = plan.initial.clone();
            let hosted = session::host_founded(&transport, &plan).await?;
            let asked: BTreeSet<DocId> = plan.docs.iter().copied().collect();
            let mut narrowed = session::narrow(&transport, &mut plan, true).await?;
            let applications = crate::invitations::take_pending(self, &narrowed.pending);
            if applications > 0 {
                // What the relay handed over (applications, citizens'
                // records) is in the ledger replicas now: plan again, so
                // this sync carries it to the relay and every member.
                plan = SyncPlan::new(self, docs)?;
                local = plan.initial.clone();
                narrowed = session::narrow(&transport, &mut plan, true).await?;
            }
            // The documents the relay did not host, asked again once the
            // ledgers went: the records that share them may be among
            // what they carried.
            let mut waiting: Vec<DocId> = narrowed
                .unavailable
                .iter()
                .chain(&narrowed.local_only)
                .copied()
                .collect();
            let mut exchanged = Exchanged::default();
            let mut total = plan.ledgers.len() + plan.docs.len();
            if !plan.docs.is_empty() || !plan.ledgers.is_empty() || !waiting.is_empty() {
                // The documents that may be asked again go into the
                // session too (opened only if they are synced).
                let mut initial = plan.initial.clone();
                let held: BTreeSet<DocId> = initial.iter().map(|(id, _)| *id).collect();
                initial.extend(
                    local
                        .iter()
                        .filter(|(id, _)| waiting.contains(id) && !held.contains(id))
                        .cloned(),
                );
                let client = transport.connect(initial).await?;
                let result = async {
                    session::exchange_ledgers(&client, self, &plan, &mut exchanged, &mut |d| {
                        progress(d, total)
                    })
                    .await?;
                    let ledgers_done = plan.ledgers.len();
                    if exchanged.new_records > 0 {
                        // Records came in: documents shared since may be
                        // new to this home (asked for the first time).
                        let targets = plan.clone().refresh(self, docs)?;
                        waiting.extend(targets.docs.iter().filter(|d| !asked.contains(d)));
                    }
                    if (exchanged.sent_records > 0 || exchanged.new_records > 0)
                        && !waiting.is_empty()
                    {
                        let mut again = SyncPlan {
                            docs: std::mem::take(&mut waiting),
                            local_heads: plan.local_heads.clone(),
                            local_only: plan.local_only.clone(),
                            ..SyncPlan::default()
                        };
                        let more = session::narrow(&transport, &mut again, true).await?;
                        let now_hosted: BTreeSet<DocId> = again.docs.iter().copied().collect();
                        narrowed.unavailable.retain(|d| !now_hosted.contains(d));
                        narrowed.local_only.retain(|d| !now_hosted.contains(d));
                        narrowed.read_only.extend(more.read_only);
                        plan.docs.extend(again.docs);
                        plan.remote.extend(again.remote);
                        total = plan.ledgers.len() + plan.docs.len();
                    }
                    session::exchange_docs(&client, self, &plan, &mut exchanged, &mut |d| {
                        progress(ledgers_done + d, total)
                    })
                    .await?;
                    Ok::<_, Error>(())
                }
                .await;
                client.close().await;
                result?;
            }
            let documents = with_sent(taken_in(self, &exchanged)?, self, &exchanged)?;
            let registered = self.registered(&hosted)?;
            let kept = self.kept(&narrowed)?;
            let failed = failed_docs(&exchanged);
            let mut unavailable = exchanged.unavailable.clone();
            unavailable.extend(narrowed.unavailable);
            let sent_records =
                exchanged.sent_records + hosted.iter().map(|h| h.records).sum::<usize>();
            Ok(SyncReport {
                relay: transport.describe(),
                registered,
                sent: Counts {
                    documents: exchanged.sent.len(),
                    changes: exchanged.sent.values().sum(),
                    records: sent_records,
                },
                received: Counts {
                    documents: documents.iter().filter(|d| d.changed()).count(),
                    changes: documents.iter().map(|d| d.received).sum(),
                    records: exchanged.new_records + applications,
                },
                new_records: exchanged.new_records + applications,
                unchanged: narrowed.unchanged,
                documents,
                kept,
                unavailable,
                failed,
                incomplete: exchanged.incomplete,
            })
        })
    }

    /// The communities the relay took in, with their names.
    fn registered(&mut self, hosted: &[session::Hosted]) -> Result<Vec<Registered>> {
        hosted
            .iter()
            .map(|h| {
                let name = self.community(&h.community)?.state.name.clone();
                Ok(Registered {
                    community: h.community.to_string(),
                    name,
                    records: h.records,
                })
            })
            .collect()
    }

    /// The documents a sync left here, with their titles.
    fn kept(&mut self, narrowed: &session::Narrowed) -> Result<Vec<KeptDoc>> {
        let reasons = narrowed
            .local_only
            .iter()
            .map(|id| (*id, KeptReason::NoCommunity))
            .chain(
                narrowed
                    .read_only
                    .iter()
                    .map(|id| (*id, KeptReason::ReadOnly)),
            );
        let titles: std::collections::HashMap<DocId, String> = self
            .list()?
            .into_iter()
            .map(|s| (s.id, s.meta.title))
            .collect();
        Ok(reasons
            .map(|(id, reason)| KeptDoc {
                id,
                title: titles.get(&id).cloned().unwrap_or_default(),
                reason,
            })
            .collect())
    }
}

/// The documents that sent changes and took nothing in, added to the
/// report's list (`outcome: unchanged`, `sent` > 0).
fn with_sent(
    mut documents: Vec<SyncedDoc>,
    home: &mut Home,
    exchanged: &Exchanged,
) -> Result<Vec<SyncedDoc>> {
    let listed: BTreeSet<DocId> = documents.iter().map(|d| d.id).collect();
    let missing: Vec<(DocId, usize)> = exchanged
        .sent
        .iter()
        .filter(|(id, _)| !listed.contains(id))
        .map(|(id, n)| (*id, *n))
        .collect();
    if missing.is_empty() {
        return Ok(documents);
    }
    let titles: std::collections::HashMap<DocId, String> = home
        .list()?
        .into_iter()
        .map(|s| (s.id, s.meta.title))
        .collect();
    for (id, sent) in missing {
        documents.push(SyncedDoc {
            id,
            title: titles.get(&id).cloned().unwrap_or_default(),
            outcome: SyncOutcome::Unchanged,
            received: 0,
            sent,
            conflicts: Vec::new(),
        });
    }
    Ok(documents)
}

/// How a live [`Session`] runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// How often the home is looked at for local edits, besides the moment
    /// another process writes to its store (where the system tells:
    /// inotify on Linux). At least 20 ms.
    pub interval: Duration,
    /// Be woken by writes to the home's store (default true; false leaves
    /// the interval alone, the benchmark's anchor).
    pub watch_store: bool,
    /// End the session on Ctrl-C (for a command line; a library embedding
    /// the session stops it with [`Session::stop`]).
    pub stop_on_interrupt: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            interval: Duration::from_millis(250),
            watch_store: true,
            stop_on_interrupt: false,
        }
    }
}

/// What a live session says.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SyncEvent {
    /// Connected, the first exchange made: watching from now on.
    Watching {
        /// The relay's WebSocket URL.
        relay: String,
        /// How many documents the session holds.
        documents: usize,
        /// Records the first exchange brought.
        new_records: usize,
    },
    /// Something came in (or local edits went out and the relay answered
    /// with something new).
    Received {
        /// The documents that took in something.
        documents: Vec<SyncedDoc>,
        /// Records this home did not have.
        new_records: usize,
    },
    /// An exchange could not sync these documents (the session goes on
    /// and tries again at the next one).
    Failed {
        /// The documents, and why.
        documents: Vec<FailedDoc>,
    },
}

/// A live sync session with a relay, on its own thread and runtime. It
/// opens the home only for each exchange, so other processes (`nous`
/// commands) can edit in between; their writes wake it at once.
#[derive(Debug)]
pub struct Session {
    events: mpsc::Receiver<SyncEvent>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<Result<()>>>,
}

impl Session {
    /// Connect the home at `home` to `relay`, make the first exchange,
    /// and keep syncing `docs` (default: everything) live. Returns once
    /// watching (the first event is [`SyncEvent::Watching`]), or with why
    /// it could not start.
    pub fn start(
        home: &Path,
        env: Env,
        relay: &str,
        docs: Vec<String>,
        options: WatchOptions,
    ) -> Result<Session> {
        let (events_tx, events) = mpsc::channel();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let (started_tx, started) = mpsc::channel::<()>();
        let runtime = runtime()?;
        let live = Live {
            home: home.to_owned(),
            env,
            relay: relay.to_owned(),
            docs,
            options,
            events: events_tx,
        };
        let thread = std::thread::Builder::new()
            .name("nous-sync".into())
            .spawn(move || runtime.block_on(live.run(started_tx, stopped)))
            .map_err(|e| Error::Io {
                path: "sync thread".into(),
                reason: e,
            })?;
        let session = Session {
            events,
            stop,
            thread: Some(thread),
        };
        match started.recv() {
            Ok(()) => Ok(session),
            // Failed before watching (the thread ended without a word):
            // its result says why.
            Err(_) => match session.stop() {
                Err(error) => Err(error),
                Ok(()) => Err(Invalid::SessionEnded.into()),
            },
        }
    }

    /// The next event, waiting at most `timeout`; `None` when nothing came
    /// (or the session ended: see [`Session::is_running`]).
    pub fn next_event(&self, timeout: Duration) -> Option<SyncEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// False once the session ended (stopped, interrupted, or failed:
    /// [`Session::stop`] then says why).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stop the session (after the exchange under way, if any) and say how
    /// it ended.
    pub fn stop(mut self) -> Result<()> {
        let _ = self.stop.send(true);
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(Invalid::SessionPanicked.into()),
            None => Ok(()),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The session's side of the thread.
struct Live {
    home: PathBuf,
    env: Env,
    relay: String,
    docs: Vec<String>,
    options: WatchOptions,
    events: mpsc::Sender<SyncEvent>,
}

/// How long after this session closed the home a notification of a write
/// to its store is taken for its own.
const OWN_WRITES: Duration = Duration::from_millis(15);

impl Live {
    fn open(&self) -> Result<Home> {
        Home::open(&self.home, self.env.clone())
    }

    async fn run(
        self,
        started: mpsc::Sender<()>,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) -> Result<()> {
        let first = async {
            let transport = transport(&self.home, &self.env, &self.relay).await?;
            let mut home = self.open()?;
            let mut plan = SyncPlan::new(&mut home, &self.docs)?;
            session::host_founded(&transport, &plan).await?;
            let narrowed = session::narrow(&transport, &mut plan, false).await?;
            crate::invitations::take_pending(&mut home, &narrowed.pending);
            let client = transport.connect(plan.initial.clone()).await?;
            let exchanged = session::exchange(&client, &mut home, &plan, &mut |_, _| {}).await?;
            taken_in(&mut home, &exchanged)?;
            let (seen, kept) = Seen::close(home, &plan)?;
            let _ = self.events.send(SyncEvent::Watching {
                relay: transport.describe(),
                documents: plan.docs.len(),
                new_records: exchanged.new_records,
            });
            if !exchanged.failed.is_empty() {
                let _ = self.events.send(SyncEvent::Failed {
                    documents: failed_docs(&exchanged),
                });
            }
            Ok::<_, Error>((transport, client, plan, seen, kept))
        };
        let (transport, client, plan, seen, kept) = first.await?;
        let _ = started.send(());
        let result = self
            .watch(&transport, &client, plan, (seen, kept), &mut stopped)
            .await;
        client.close().await;
        result
    }

    /// Exchange whenever the relay's copy changes or the home's heads move.
    async fn watch(
        &self,
        transport: &RelayTransport,
        client: &nous_net::client::Client,
        mut plan: SyncPlan,
        (mut seen, kept): (Seen, nous_core::Kept),
        stopped: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<()> {
        let (remote_tx, mut remote_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        // Another process writing to this home's store wakes the loop at
        // once; the interval stays as the fallback look.
        let (local_tx, mut local_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let _store_watch = if self.options.watch_store {
            watch_store(&self.home, local_tx)
        } else {
            None
        };
        let (interrupt_tx, mut interrupted) = tokio::sync::watch::channel(false);
        if self.options.stop_on_interrupt {
            // Listen all along: a signal that comes during an exchange,
            // when the loop is not waiting, must still stop it.
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    let _ = interrupt_tx.send(true);
                }
            });
        }
        let mut quiet_until = tokio::time::Instant::now();
        // The documents loaded at the last look, for the next.
        let mut kept = Some(kept);
        let mut watched = BTreeSet::new();
        let interval = self.options.interval.max(Duration::from_millis(20));
        loop {
            if *stopped.borrow() || *interrupted.borrow() {
                return Ok(());
            }
            for id in plan.all_docs() {
                if watched.insert(id)
                    && let Some(mut changes) = client
                        .watch(&id, DOC_TIMEOUT)
                        .await
                        .map_err(session::SessionError::from)?
                {
                    // What reached the session between the last exchange
                    // and this subscription told no one: look once now.
                    let _ = remote_tx.send(());
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
            let remote = tokio::select! {
                _ = stopped.changed() => return Ok(()),
                _ = interrupted.changed() => return Ok(()),
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
            let mut home = Home::open_keeping(&self.home, self.env.clone(), kept.take())?;
            let local = seen.moved(&mut home, &plan)?;
            if remote || local {
                // Push local edits into the session, then take in the relay's.
                // Records reach the store from another process only.
                session::push_local(client, &mut home, &plan, local).await?;
                let exchanged = session::exchange(client, &mut home, &plan, &mut |_, _| {}).await?;
                let documents: Vec<SyncedDoc> = taken_in(&mut home, &exchanged)?
                    .into_iter()
                    .filter(SyncedDoc::changed)
                    .collect();
                if !documents.is_empty() || exchanged.new_records > 0 {
                    let _ = self.events.send(SyncEvent::Received {
                        documents,
                        new_records: exchanged.new_records,
                    });
                }
                if !exchanged.failed.is_empty() {
                    let _ = self.events.send(SyncEvent::Failed {
                        documents: failed_docs(&exchanged),
                    });
                }
                // Records came in, or went out (a document shared here):
                // the documents to sync may have changed.
                if exchanged.new_records > 0 || exchanged.sent_records > 0 {
                    plan = plan.refresh(&mut home, &self.docs)?;
                    session::narrow(transport, &mut plan, false).await?;
                }
                // What the relay's ledgers hold now, for the next count.
                for community in plan.ledgers.clone() {
                    let heads = home.ledger_replica_heads(&community)?;
                    plan.remote.insert(
                        nous_core::ledger::doc_id(&community),
                        session::Remote {
                            heads: Some(heads),
                            write: true,
                        },
                    );
                }
            }
            let (now, left) = Seen::close(home, &plan)?;
            seen = now;
            kept = Some(left);
            quiet_until = tokio::time::Instant::now() + OWN_WRITES;
            while local_rx.try_recv().is_ok() {}
        }
    }
}

/// What a watch compares at each look to tell whether another process wrote
/// to the home since the last: the store's generation when the home closed
/// (nothing read to find it), or, for a store that keeps none, the chunks
/// and record counts of what it syncs (a scan of the chunks).
enum Seen {
    Generation(u64),
    Fingerprint(String),
}

impl Seen {
    /// Close the home, keeping its documents, and say what it left.
    fn close(mut home: Home, plan: &SyncPlan) -> Result<(Seen, nous_core::Kept)> {
        let print = match home.store_generation()? {
            Some(_) => None,
            None => Some(plan.fingerprint(&mut home)?),
        };
        let kept = home.close_keeping()?;
        let seen = match kept.generation() {
            Some(generation) => Seen::Generation(generation),
            // Read before closing (an empty print matches none: the next
            // look exchanges).
            None => Seen::Fingerprint(print.unwrap_or_default()),
        };
        Ok((seen, kept))
    }

    /// Whether the home moved since.
    fn moved(&self, home: &mut Home, plan: &SyncPlan) -> Result<bool> {
        Ok(match self {
            Seen::Generation(generation) => home.store_generation()? != Some(*generation),
            Seen::Fingerprint(print) => plan.fingerprint(home)? != *print,
        })
    }
}

/// Watch the home's store file: `tx` gets a message for each write another
/// process (or this one) makes to it. `None` when the system cannot watch
/// files; the loop's interval is then the only look.
fn watch_store(
    home: &Path,
    tx: tokio::sync::mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let store = home.join(crate::STORE_FILE);
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

/// A relay token made by [`issue_token`] (the JSON of `nous token --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    /// The token.
    pub token: String,
    /// The peer id a connection with it is pinned to.
    pub peer_id: String,
    /// The relay's key.
    pub relay: String,
    /// This device.
    pub device: String,
    /// When it expires (milliseconds since the Unix epoch).
    pub expires_ms: u64,
    /// The relay's WebSocket URL with the token in it.
    pub url: String,
}

/// A token of the home at `home`'s device for `relay` (its key fetched and
/// pinned), valid for `lifetime` (at least a second; the relay refuses
/// tokens that live longer than its limit) and usable once.
pub fn issue_token(home: &Path, env: &Env, relay: &str, lifetime: Duration) -> Result<IssuedToken> {
    let lifetime_ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
    if lifetime_ms < 1000 {
        return Err(Invalid::TokenTooShort.into());
    }
    let url: RelayUrl = relay.parse().map_err(session::SessionError::from)?;
    let key = device_key(home)?;
    let relay = runtime()?.block_on(relay_key(home, &url))?;
    let now = nous_net::now_ms();
    let expires_ms = now.saturating_add(lifetime_ms);
    let mut nonce = [0u8; 16];
    env.fill(&mut nonce);
    let text = nous_core::token::Token::issue(&key, &relay, expires_ms, nonce);
    let token = nous_core::token::Token::verify(&text, &relay, now, lifetime_ms)
        .map_err(session::SessionError::from)?;
    Ok(IssuedToken {
        url: url.websocket_with_token(&text),
        peer_id: token.peer_id(),
        relay: relay.to_string(),
        device: key.public().to_string(),
        expires_ms,
        token: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(incomplete: usize, failed: usize) -> SyncReport {
        SyncReport {
            relay: "ws://127.0.0.1:1/".into(),
            registered: Vec::new(),
            sent: Counts::default(),
            received: Counts::default(),
            new_records: 0,
            unchanged: 0,
            documents: Vec::new(),
            kept: Vec::new(),
            unavailable: Vec::new(),
            incomplete: (0..incomplete)
                .map(|i| DocId::from_bytes([u8::try_from(i).unwrap_or(0); 16]))
                .collect(),
            failed: (0..failed)
                .map(|i| FailedDoc {
                    id: DocId::from_bytes([9 + u8::try_from(i).unwrap_or(0); 16]),
                    reason: "the relay's answer was refused: a frame too long".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_sync_with_anything_incomplete_or_failed_is_not_finished_and_says_why() {
        assert!(report(0, 0).finished());
        assert_eq!(report(0, 0).unfinished_reason(), None);
        let failed = report(0, 1).unfinished_reason().expect("not finished");
        assert!(failed.contains("refused: a frame too long"), "{failed}");
        assert!(
            failed.contains(&DocId::from_bytes([9; 16]).to_string()),
            "{failed}"
        );
        let timed_out = report(2, 0).unfinished_reason().expect("not finished");
        assert!(timed_out.contains("2 documents timed out"), "{timed_out}");
        let one = report(1, 0).unfinished_reason().expect("not finished");
        assert!(one.contains("1 document timed out"), "{one}");
        assert!(!failed.contains('\n') && !timed_out.contains('\n'));
        let json = serde_json::to_value(report(0, 1)).expect("json");
        assert_eq!(
            json["failed"][0]["reason"],
            "the relay's answer was refused: a frame too long"
        );
    }
}
