//! Where the hub keeps documents: a [`ChunkStore`].
//!
//! The hub and the frame guard never name a database. A relay gives them
//! its redb store (`nous-sync-server`'s `RedbChunks`); tests, the
//! multi-peer harness and a peer that keeps nothing give them
//! [`MemoryChunks`]; a peer that serves its own home gives them
//! [`HomeChunks`], the home's [`Store`] itself, so what the hub admits is
//! in the engine's documents. Keys are `<doc>/…` in automerge-repo's joined
//! form (the layout of a home's `chunks` table too); a relay also keeps
//! each document's heads (the hashes, concatenated) in an index, so a
//! status request never loads a document.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
use nous_core::store::{Store, Table, WriteOp};
use tokio::sync::oneshot;

use crate::access::Backing;
use crate::guard::Evidence;

/// A document store the hub writes through. Writes are queued and made
/// durable in groups; [`ChunkStore::flush`] waits for everything queued.
pub trait ChunkStore: Backing + std::fmt::Debug + Send + Sync {
    /// False once a write has failed: the guard then refuses every message
    /// (nothing would be kept).
    fn healthy(&self) -> bool;
    /// Every chunk whose key starts with `prefix`, in key order.
    fn scan(&self, prefix: &str) -> Vec<(String, Vec<u8>)>;
    /// Put a chunk and wait until it is durable.
    fn put(&self, key: String, value: Vec<u8>) -> BoxFuture<'_, ()>;
    /// Put a document's chunk and its heads together, without waiting.
    fn put_chunk_later(&self, key: String, value: Vec<u8>, heads: Vec<u8>);
    /// [`ChunkStore::put_chunk_later`], told when the write is durable: the
    /// receiver resolves then, or is dropped if the write failed.
    fn put_chunk_durable(
        &self,
        key: String,
        value: Vec<u8>,
        heads: Vec<u8>,
    ) -> oneshot::Receiver<()>;
    /// Delete a chunk, without waiting.
    fn delete_later(&self, key: String);
    /// Record a document's heads and wait until it is durable.
    fn put_heads(&self, doc: String, heads: Vec<u8>) -> BoxFuture<'_, ()>;
    /// The recorded heads of each of `docs` (None when unknown).
    fn heads(&self, docs: &[String]) -> Vec<Option<Vec<u8>>>;
    /// Keep an equivocation, without waiting.
    fn keep_evidence(&self, evidence: &Evidence);
    /// Wait until every write queued so far is durable.
    fn flush(&self) -> BoxFuture<'_, ()>;
}

/// A store in memory: nothing survives the process. Cheap to clone (the
/// clones share one map).
#[derive(Debug, Clone, Default)]
pub struct MemoryChunks {
    inner: Arc<Mutex<Memory>>,
}

#[derive(Debug, Default)]
struct Memory {
    chunks: BTreeMap<String, Vec<u8>>,
    heads: BTreeMap<String, Vec<u8>>,
    evidence: Vec<Evidence>,
    bindings: Vec<(automerge::ActorId, nous_core::PublicKey)>,
    owners: Vec<(nous_core::ids::DocId, nous_core::record::CommunityId)>,
}

impl MemoryChunks {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Memory) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Every equivocation kept so far.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.with(|m| m.evidence.clone())
    }
}

impl Backing for MemoryChunks {
    fn keep_binding(&self, actor: &automerge::ActorId, device: &nous_core::PublicKey) {
        self.with(|m| m.bindings.push((actor.clone(), *device)));
    }

    fn keep_owner(&self, doc: &nous_core::ids::DocId, community: &nous_core::record::CommunityId) {
        self.with(|m| m.owners.push((*doc, *community)));
    }

    fn held(&self, doc: &nous_core::ids::DocId) -> crate::access::Held {
        crate::access::held(self.scan(&format!("{doc}/")))
    }

    fn ledger_records(
        &self,
        ledger: &nous_core::ids::DocId,
    ) -> Option<Vec<nous_core::record::RecordId>> {
        crate::access::ledger_records(self.scan(&format!("{ledger}/")))
    }
}

impl ChunkStore for MemoryChunks {
    fn healthy(&self) -> bool {
        true
    }

    fn scan(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        self.with(|m| {
            m.chunks
                .range(prefix.to_owned()..)
                .take_while(|(key, _)| key.starts_with(prefix))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect()
        })
    }

    fn put(&self, key: String, value: Vec<u8>) -> BoxFuture<'_, ()> {
        self.with(|m| m.chunks.insert(key, value));
        Box::pin(std::future::ready(()))
    }

    fn put_chunk_later(&self, key: String, value: Vec<u8>, heads: Vec<u8>) {
        self.with(|m| {
            if let Some(doc) = key.split('/').next() {
                m.heads.insert(doc.to_owned(), heads);
            }
            m.chunks.insert(key, value);
        });
    }

    fn put_chunk_durable(
        &self,
        key: String,
        value: Vec<u8>,
        heads: Vec<u8>,
    ) -> oneshot::Receiver<()> {
        self.put_chunk_later(key, value, heads);
        let (done, durable) = oneshot::channel();
        let _ = done.send(());
        durable
    }

    fn delete_later(&self, key: String) {
        self.with(|m| m.chunks.remove(&key));
    }

    fn put_heads(&self, doc: String, heads: Vec<u8>) -> BoxFuture<'_, ()> {
        self.with(|m| m.heads.insert(doc, heads));
        Box::pin(std::future::ready(()))
    }

    fn heads(&self, docs: &[String]) -> Vec<Option<Vec<u8>>> {
        self.with(|m| docs.iter().map(|doc| m.heads.get(doc).cloned()).collect())
    }

    fn keep_evidence(&self, evidence: &Evidence) {
        self.with(|m| m.evidence.push(evidence.clone()));
    }

    fn flush(&self) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
}

/// Where a [`HomeChunks`] keeps what is not a document, in the home's
/// `meta` table: `hub/binding/<actor hex>` → the device's key (32 bytes),
/// `hub/owner/<doc>` → the community id (32 bytes),
/// `hub/evidence/<doc>/<actor hex>/<seq>` → the relay's evidence layout
/// (sender key, held length as u32 BE, held change, second change).
const BINDING_PREFIX: &str = "hub/binding/";
const OWNER_PREFIX: &str = "hub/owner/";
const EVIDENCE_PREFIX: &str = "hub/evidence/";

/// A home's [`Store`] as the hub's document store: the hub of a peer that
/// serves its own home writes its documents' chunks into the same `chunks`
/// table the engine reads, under the same keys, so a change the hub admits
/// is in the home's document the next time the engine loads it. Both may
/// write one document: each writes change chunks and snapshots of what it
/// holds and deletes only chunks its own snapshot covers, so the union of
/// what is stored always holds every change (automerge-repo's storage
/// rule). An engine that already holds the document loaded sees the hub's
/// changes when it loads it again or takes them in through `apply_remote`.
///
/// Writes are staged in the store and committed by its group commit on the
/// runtime's blocking threads (on the caller's thread outside a runtime);
/// reads commit what is staged first. Heads are not indexed: a peer has no
/// status endpoint, and an index beside the engine's own writes would go
/// stale, so [`ChunkStore::heads`] says "unknown" (a client then syncs).
#[derive(Debug, Clone)]
pub struct HomeChunks {
    store: Arc<Store>,
    failed: Arc<AtomicBool>,
    inline: bool,
}

impl HomeChunks {
    /// The hub's store over a home's `store` (`Engine::store`).
    pub fn new(store: Arc<Store>) -> Self {
        HomeChunks {
            store,
            failed: Arc::new(AtomicBool::new(false)),
            inline: false,
        }
    }

    /// The same store, committing every write on the caller's thread before
    /// returning: for a single-threaded caller (the multi-peer harness,
    /// whose schedule must not depend on when a blocking thread runs).
    pub fn committing_inline(mut self) -> Self {
        self.inline = true;
        self
    }

    /// The actor bindings and document owners kept so far, to load the
    /// registry with when the hub starts again. Entries that do not parse
    /// are skipped.
    pub fn kept(&self) -> crate::access::Kept {
        let read = |prefix: &str| -> Vec<(String, [u8; 32])> {
            self.meta(prefix)
                .into_iter()
                .filter_map(|(key, value)| Some((key, <[u8; 32]>::try_from(value).ok()?)))
                .collect()
        };
        crate::access::Kept {
            bindings: read(BINDING_PREFIX)
                .into_iter()
                .filter_map(|(actor, device)| {
                    let actor = automerge::ActorId::from(hex::decode(actor).ok()?);
                    Some((actor, nous_core::PublicKey::from_bytes(device)))
                })
                .collect(),
            owners: read(OWNER_PREFIX)
                .into_iter()
                .filter_map(|(doc, community)| {
                    Some((doc.parse().ok()?, nous_core::record::RecordId(community)))
                })
                .collect(),
        }
    }

    /// Every equivocation kept, as (`<doc>/<actor hex>/<seq>`, the stored
    /// bytes), in key order.
    pub fn evidence(&self) -> Vec<(String, Vec<u8>)> {
        self.meta(EVIDENCE_PREFIX)
    }

    /// Committed `meta` entries under `prefix`, the prefix taken off.
    fn meta(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        self.commit_staged();
        self.store
            .scan_prefix(Table::Meta, prefix)
            .unwrap_or_else(|error| {
                tracing::error!(%error, "home store: read failed");
                Vec::new()
            })
            .into_iter()
            .map(|(key, value)| (key.strip_prefix(prefix).unwrap_or(&key).to_owned(), value))
            .collect()
    }

    /// Commit whatever is staged, so that a read sees it.
    fn commit_staged(&self) {
        if let Err(error) = self.store.flush() {
            self.fail(&error);
        }
    }

    fn fail(&self, error: &nous_core::store::StoreError) {
        if !self.failed.swap(true, Ordering::AcqRel) {
            tracing::error!(%error, "home store: a write failed; the hub refuses what it cannot keep");
        }
    }

    /// Stage `ops` and return at once; they are committed in the
    /// background (a blocking task), and `done` hears when they are
    /// durable (dropped if they are not).
    fn stage(&self, ops: Vec<WriteOp>, done: Option<oneshot::Sender<()>>) {
        let ticket = self.store.stage(ops, None);
        let this = self.clone();
        let commit = move || match this.store.wait(ticket) {
            Ok(()) => {
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
            Err(error) => this.fail(&error),
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if !self.inline => drop(runtime.spawn_blocking(commit)),
            _ => commit(),
        }
    }

    /// Stage `ops` and wait until they are durable.
    fn stage_and_wait(&self, ops: Vec<WriteOp>) -> BoxFuture<'_, ()> {
        let (done, durable) = oneshot::channel();
        self.stage(ops, Some(done));
        Box::pin(async move {
            let _ = durable.await;
        })
    }

    fn put_meta(&self, key: String, value: Vec<u8>) {
        self.stage(
            vec![WriteOp::Put {
                table: Table::Meta,
                key,
                value,
            }],
            None,
        );
    }
}

fn put_chunk(key: String, value: Vec<u8>) -> WriteOp {
    WriteOp::Put {
        table: Table::Chunks,
        key,
        value,
    }
}

impl Backing for HomeChunks {
    fn keep_binding(&self, actor: &automerge::ActorId, device: &nous_core::PublicKey) {
        self.put_meta(
            format!("{BINDING_PREFIX}{}", actor.to_hex_string()),
            device.as_bytes().to_vec(),
        );
    }

    fn keep_owner(&self, doc: &nous_core::ids::DocId, community: &nous_core::record::CommunityId) {
        self.put_meta(format!("{OWNER_PREFIX}{doc}"), community.0.to_vec());
    }

    fn held(&self, doc: &nous_core::ids::DocId) -> crate::access::Held {
        crate::access::held(self.scan(&format!("{doc}/")))
    }
}

impl ChunkStore for HomeChunks {
    fn healthy(&self) -> bool {
        !self.failed.load(Ordering::Acquire)
    }

    fn scan(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        self.commit_staged();
        self.store
            .scan_prefix(Table::Chunks, prefix)
            .unwrap_or_else(|error| {
                tracing::error!(%error, "home store: read failed");
                Vec::new()
            })
    }

    fn put(&self, key: String, value: Vec<u8>) -> BoxFuture<'_, ()> {
        self.stage_and_wait(vec![put_chunk(key, value)])
    }

    fn put_chunk_later(&self, key: String, value: Vec<u8>, _heads: Vec<u8>) {
        self.stage(vec![put_chunk(key, value)], None);
    }

    fn put_chunk_durable(
        &self,
        key: String,
        value: Vec<u8>,
        _heads: Vec<u8>,
    ) -> oneshot::Receiver<()> {
        let (done, durable) = oneshot::channel();
        self.stage(vec![put_chunk(key, value)], Some(done));
        durable
    }

    fn delete_later(&self, key: String) {
        self.stage(
            vec![WriteOp::Delete {
                table: Table::Chunks,
                key,
            }],
            None,
        );
    }

    fn put_heads(&self, _doc: String, _heads: Vec<u8>) -> BoxFuture<'_, ()> {
        // Not indexed (see the type's documentation): make what came
        // before durable, as the caller expects of a write it waits on.
        self.flush()
    }

    fn heads(&self, docs: &[String]) -> Vec<Option<Vec<u8>>> {
        vec![None; docs.len()]
    }

    fn keep_evidence(&self, evidence: &Evidence) {
        self.put_meta(
            format!("{EVIDENCE_PREFIX}{}", evidence.key()),
            evidence.to_bytes(),
        );
    }

    fn flush(&self) -> BoxFuture<'_, ()> {
        self.stage_and_wait(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use nous_core::store::MemoryStorage;
    use proptest::prelude::*;

    use super::*;
    use crate::access::Kept;

    const DOCS: [&str; 2] = ["docA", "docB"];

    /// One write a hub makes, over a small key space so writes collide.
    #[derive(Debug, Clone)]
    enum Op {
        Put(usize, u8, u8),
        Later(usize, u8, u8),
        Durable(usize, u8, u8),
        Delete(usize, u8),
        Owner(u8, u8),
        Binding(u8, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..2usize, 0..4u8, any::<u8>()).prop_map(|(d, k, v)| Op::Put(d, k, v)),
            (0..2usize, 0..4u8, any::<u8>()).prop_map(|(d, k, v)| Op::Later(d, k, v)),
            (0..2usize, 0..4u8, any::<u8>()).prop_map(|(d, k, v)| Op::Durable(d, k, v)),
            (0..2usize, 0..4u8).prop_map(|(d, k)| Op::Delete(d, k)),
            (0..3u8, any::<u8>()).prop_map(|(d, c)| Op::Owner(d, c)),
            (0..3u8, any::<u8>()).prop_map(|(a, k)| Op::Binding(a, k)),
        ]
    }

    fn key(doc: usize, k: u8) -> String {
        let kind = if k.is_multiple_of(2) {
            "incremental"
        } else {
            "snapshot"
        };
        format!("{}/{kind}/{k}", DOCS[doc])
    }

    fn doc_id(n: u8) -> nous_core::ids::DocId {
        nous_core::ids::DocId::from_bytes([n + 1; 16])
    }

    /// Apply `ops` to `chunks` inside a runtime (the writes then commit on
    /// its blocking threads), checking every read against a model.
    fn play(chunks: &HomeChunks, ops: &[Op]) -> (BTreeMap<String, Vec<u8>>, Kept) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("a runtime");
        let mut model = BTreeMap::new();
        let mut owners = BTreeMap::new();
        let mut bindings = BTreeMap::new();
        runtime.block_on(async {
            for op in ops {
                match op.clone() {
                    Op::Put(d, k, v) => {
                        chunks.put(key(d, k), vec![v]).await;
                        model.insert(key(d, k), vec![v]);
                    }
                    Op::Later(d, k, v) => {
                        chunks.put_chunk_later(key(d, k), vec![v], Vec::new());
                        model.insert(key(d, k), vec![v]);
                    }
                    Op::Durable(d, k, v) => {
                        let durable = chunks.put_chunk_durable(key(d, k), vec![v, v], Vec::new());
                        durable.await.expect("the write became durable");
                        model.insert(key(d, k), vec![v, v]);
                    }
                    Op::Delete(d, k) => {
                        chunks.delete_later(key(d, k));
                        model.remove(&key(d, k));
                    }
                    Op::Owner(d, c) => {
                        chunks.keep_owner(&doc_id(d), &nous_core::record::RecordId([c; 32]));
                        owners.insert(doc_id(d), [c; 32]);
                    }
                    Op::Binding(a, k) => {
                        let actor = automerge::ActorId::from(vec![a; 16]);
                        let device = nous_core::PublicKey::from_bytes([k; 32]);
                        chunks.keep_binding(&actor, &device);
                        bindings.insert(actor.to_hex_string(), device);
                    }
                }
                // Read after write: a scan sees every write made so far.
                for doc in DOCS {
                    let prefix = format!("{doc}/");
                    let expected: Vec<(String, Vec<u8>)> = model
                        .iter()
                        .filter(|(k, _)| k.starts_with(&prefix))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    assert_eq!(chunks.scan(&prefix), expected, "after {op:?}");
                }
            }
            chunks.flush().await;
        });
        let kept = Kept {
            bindings: bindings
                .into_iter()
                .map(|(actor, device)| {
                    (
                        automerge::ActorId::from(hex::decode(actor).expect("hex")),
                        device,
                    )
                })
                .collect(),
            owners: owners
                .into_iter()
                .map(|(doc, c)| (doc, nous_core::record::RecordId(c)))
                .collect(),
        };
        (model, kept)
    }

    fn sorted(mut kept: Kept) -> Kept {
        kept.bindings.sort_by_key(|(a, _)| a.to_hex_string());
        kept.owners.sort_by_key(|(d, _)| d.to_string());
        kept
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A home's store as the hub's store: every read sees every write
        /// before it, in any order of puts, durable puts and deletes; and
        /// the store opened again (a restart) holds exactly the same,
        /// bindings and owners included.
        #[test]
        fn a_home_store_reads_back_what_the_hub_wrote_and_keeps_it(
            ops in proptest::collection::vec(op(), 1..40)
        ) {
            let storage = MemoryStorage::default();
            let chunks = HomeChunks::new(Arc::new(Store::new(Box::new(storage.clone()))));
            let (model, kept) = play(&chunks, &ops);
            prop_assert!(chunks.healthy());
            let reopened = HomeChunks::new(Arc::new(Store::new(Box::new(storage))));
            let all: Vec<(String, Vec<u8>)> = model.into_iter().collect();
            let mut held = reopened.scan(DOCS[0]);
            held.extend(reopened.scan(DOCS[1]));
            prop_assert_eq!(held, all);
            let got = sorted(reopened.kept());
            let want = sorted(kept);
            prop_assert_eq!(got.bindings, want.bindings);
            prop_assert_eq!(got.owners, want.owners);
            // Heads are never indexed on a home: always "unknown".
            prop_assert_eq!(reopened.heads(&["docA".into()]), vec![None]);
        }
    }

    #[test]
    fn a_home_store_that_cannot_write_says_so_and_promises_nothing() {
        let storage = MemoryStorage::default();
        let chunks = HomeChunks::new(Arc::new(Store::new(Box::new(storage.clone()))));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            chunks.put("docA/incremental/1".into(), vec![1]).await;
            assert!(chunks.healthy());
            storage.fail_commits_after(0);
            let durable =
                chunks.put_chunk_durable("docA/incremental/2".into(), vec![2], Vec::new());
            assert!(
                durable.await.is_err(),
                "a write that failed is never said durable"
            );
        });
        assert!(!chunks.healthy());
        let reopened = HomeChunks::new(Arc::new(Store::new(Box::new(storage))));
        assert_eq!(
            reopened.scan("docA/"),
            vec![("docA/incremental/1".to_owned(), vec![1])]
        );
    }

    #[test]
    fn evidence_is_kept_in_the_relays_layout() {
        let storage = MemoryStorage::default();
        let chunks = HomeChunks::new(Arc::new(Store::new(Box::new(storage.clone()))));
        let evidence = Evidence {
            doc: doc_id(0),
            sender: nous_core::PublicKey::from_bytes([7; 32]),
            actor: automerge::ActorId::from(vec![3; 16]),
            seq: 4,
            held: Some(vec![1, 2]),
            second: vec![9],
        };
        chunks.keep_evidence(&evidence);
        let reopened = HomeChunks::new(Arc::new(Store::new(Box::new(storage))));
        let mut value = vec![7; 32];
        value.extend_from_slice(&[0, 0, 0, 2, 1, 2, 9]);
        assert_eq!(
            reopened.evidence(),
            vec![(format!("{}/{}/4", doc_id(0), "03".repeat(16)), value)]
        );
    }
}
