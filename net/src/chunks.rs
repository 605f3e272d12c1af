//! Where the hub keeps documents: a [`ChunkStore`].
//!
//! The hub and the frame guard never name a database. A relay gives them
//! its redb store (`nous-sync-server`'s `RedbChunks`); tests, the
//! multi-peer harness and a peer that keeps nothing give them
//! [`MemoryChunks`]. Keys are `<doc>/…` in automerge-repo's joined form;
//! each document also has its heads (the hashes, concatenated) in an index,
//! so a status request never loads a document.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
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
