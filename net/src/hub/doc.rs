//! One document's sync with the clients that have it open, sans-IO: the
//! async shell (`super`) calls in with what arrived and carries out the
//! [`Effect`]s that come back (frames to send, chunks to write).
//!
//! The relay holds one Automerge document and one [`sync::State`] per client
//! connection. What it costs per message is the point of this type:
//!
//! - a message that brings **new changes** is answered to every client of
//!   the document (one `generate_sync_message` each: K per edit);
//! - a message that brings **nothing new** (an acknowledgement, a bloom
//!   filter round) only moves its sender's state, so only its sender may be
//!   owed an answer (one call);
//! - and clients whose sync states are equal are treated alike once
//!   (`Memo`): the subscribers of a live document all are after each
//!   round, so an edit costs one generation per distinct state, not per
//!   client, and their K acknowledgements one `receive` between them.
//!
//! samod 0.16's document actor answers every peer after every message, so
//! an edit and its K acknowledgements cost K × K calls; that, and samod
//! joining every connection to every open document, is why the relay has
//! its own (see ARCHITECTURE.md, "Choices worth knowing").

use std::borrow::Cow;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use automerge::sync::{self, SyncDoc as _};
use automerge::{Automerge, ChangeHash, ReadDoc as _};
use nous_core::guard::sequence::Advance;
use nous_core::guard::{self, Limits, Sequences, Typed, Typing};

use super::fast::{Recent, sorted};
use crate::guard::Queued;
use nous_core::ids::{DocId, heads_digest};

use crate::wire;

/// How much of a document one message carries to a peer. Automerge 0.12
/// sends a peer that lacks more than a third of a document (or has
/// nothing) the whole document in one compact message, which is also what
/// a samod client takes in fastest (one store write; pieces cost it a
/// write and an answer per change, minutes for 50,000). A client's guard
/// accepts up to 2,000,000 changes in one message; a document of more than
/// `whole_doc_max_changes` changes is never sent whole all the same: a
/// peer gets exactly the changes it lacks, split into messages of at most
/// `changes` changes and `bytes` bytes (a single larger change goes
/// alone), so no document is too long to be caught up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pieces {
    /// Largest document sent whole.
    pub whole_doc_max_changes: u64,
    /// Most changes in one message.
    pub changes: usize,
    /// Most bytes of changes in one message.
    pub bytes: usize,
}

impl Default for Pieces {
    fn default() -> Self {
        Pieces {
            whole_doc_max_changes: 500_000,
            changes: 10_000,
            bytes: 4 << 20,
        }
    }
}

impl Pieces {
    /// `message` as one or more messages within these bounds: the same
    /// heads, need and have, its changes in order, split. With `as_v2`
    /// (a peer that reads the v2 format), each piece of a v1 message is
    /// sent as a v2 message whose one chunk is its changes one after the
    /// other, as Automerge itself writes changes in v2: a peer then stores
    /// and answers once per piece, not once per change (samod 0.16 did the
    /// latter: 50,000 changes took minutes).
    fn split(&self, message: sync::Message, as_v2: bool) -> Vec<sync::Message> {
        let total: usize = message.changes.iter().map(<[u8]>::len).sum();
        let pieces = if message.changes.len() <= self.changes && total <= self.bytes {
            vec![message]
        } else {
            self.pieces(&message)
        };
        if !as_v2 {
            return pieces;
        }
        pieces
            .into_iter()
            .map(|piece| {
                if piece.version != sync::MessageVersion::V1 || piece.changes.is_empty() {
                    return piece;
                }
                let joined: Vec<u8> = piece.changes.iter().flatten().copied().collect();
                sync::Message {
                    changes: joined.into(),
                    version: sync::MessageVersion::V2,
                    ..piece
                }
            })
            .collect()
    }

    fn pieces(&self, message: &sync::Message) -> Vec<sync::Message> {
        let mut pieces: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
        let mut bytes = 0;
        for change in message.changes.iter() {
            let last = pieces.last_mut().filter(|piece| {
                piece.is_empty()
                    || (piece.len() < self.changes && bytes + change.len() <= self.bytes)
            });
            match last {
                Some(piece) => {
                    bytes += change.len();
                    piece.push(change.to_vec());
                }
                None => {
                    bytes = change.len();
                    pieces.push(vec![change.to_vec()]);
                }
            }
        }
        pieces
            .into_iter()
            .map(|changes| sync::Message {
                changes: changes.into(),
                ..message.clone()
            })
            .collect()
    }
}

/// One client connection (unique for the relay's lifetime).
pub type ConnId = u64;

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send this frame to that connection.
    Send(ConnId, Vec<u8>),
    /// Write this chunk, and record `heads` as the document's in the heads
    /// index, together (without waiting: the change is already relayed).
    Put {
        /// `<doc>/incremental/<digest>` or `<doc>/snapshot/<digest>`.
        key: String,
        /// The chunk.
        value: Vec<u8>,
        /// The document's heads once this chunk is written.
        heads: Vec<ChangeHash>,
    },
    /// Delete this chunk (it is in a newer snapshot).
    Delete(String),
}

/// Where effects go as they are produced. A `Vec` collects them; the relay
/// carries each out at once, so the first clients of a fan-out have their
/// frame while the others' are still being generated.
pub trait Effects {
    /// One more effect.
    fn push(&mut self, effect: Effect);
}

impl Effects for Vec<Effect> {
    fn push(&mut self, effect: Effect) {
        Vec::push(self, effect);
    }
}

/// How a client asked: `request` (it does not have the document) or `sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// The client has no copy.
    Request,
    /// Any other sync message.
    Sync,
}

/// Why a message could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// The stored chunks do not load.
    #[error("the stored document is damaged: {0}")]
    Damaged(String),
    /// Automerge refused or panicked on a message the guard had let through.
    /// The document may hold part of it: reload it from the store.
    #[error("the sync message broke the document: {0}")]
    Broken(String),
}

/// Changes kept unapplied (vouched for by the guard's typing check) before
/// they are applied, in one batch: Automerge 0.12 walks every op of a text
/// to apply changes to it, once per batch (issue 14). At least; a long
/// document waits for more (see [`DocSync::spacing`]).
const FLUSH_CHANGES: usize = 256;
/// Bytes of changes kept unapplied before they are applied.
const FLUSH_BYTES: usize = 1 << 20;

/// Incremental chunks written before they may be folded into a snapshot.
/// At least; a long document waits for more (see [`DocSync::spacing`]).
const MAX_INCREMENTALS: usize = 64;
/// Incremental chunks written before they are folded into a snapshot
/// whatever their size.
const MAX_INCREMENTALS_EVER: usize = 4_096;
/// A batch or a snapshot is proportional to the document: they come once
/// per this many of its ops, so that each edit's share stays flat.
const OPS_PER_BATCH: u64 = 64;

struct Peer {
    peer_id: String,
    state: sync::State,
}

/// How many distinct cases [`Memo`] remembers of each kind.
const MEMO_CASES: usize = 8;

/// What the document did for sync states, remembered while it does not
/// change: clients whose states are equal are treated alike once.
///
/// Automerge's two sync calls read nothing but the document, the state and
/// (for `receive_sync_message`) the message: no clock, no randomness, no
/// interior mutability. `sync::State` and `sync::Message` compare every one
/// of their fields (`PartialEq` is derived). So while the document is the
/// same, two clients in equal states are owed the same messages and end in
/// the same state, and two equal messages without changes from clients in
/// equal states leave equal states. The subscribers of a live document are
/// all in one state after each round: an edit costs one generation between
/// them instead of K, and their K acknowledgements one `receive` instead of
/// K (automerge walks the document's whole history on each: its cost grows
/// with the document). The memo is dropped whenever a message brings
/// changes (even ones that only wait in the queue for their dependencies).
/// The test `remembered_answers_are_the_answers` holds it to the answers
/// automerge gives one by one.
struct Memo {
    capacity: usize,
    heard: Vec<Heard>,
    owed: Vec<Owed>,
    /// Calls into automerge saved.
    recalled: u64,
    /// Calls into automerge answered from the document's recent past
    /// instead (`fast::Recent`).
    emulated: u64,
    /// Calls made into automerge.
    asked: u64,
}

/// A message without changes, and the state it leaves.
struct Heard {
    before: sync::State,
    message: sync::Message,
    after: sync::State,
}

/// What a state was owed, and the state it leaves.
struct Owed {
    before: sync::State,
    after: sync::State,
    /// Encoded sync messages, in order.
    messages: Vec<Vec<u8>>,
}

impl Memo {
    fn new() -> Memo {
        Memo {
            capacity: MEMO_CASES,
            heard: Vec::new(),
            owed: Vec::new(),
            recalled: 0,
            emulated: 0,
            asked: 0,
        }
    }

    fn forget(&mut self) {
        self.heard.clear();
        self.owed.clear();
    }

    /// Moves `state` on as receiving `message` (without changes) would.
    fn hear(&mut self, state: &mut sync::State, message: &sync::Message) -> bool {
        let Some(case) = self
            .heard
            .iter()
            .find(|c| c.before == *state && c.message == *message)
        else {
            return false;
        };
        state.clone_from(&case.after);
        self.recalled += 1;
        true
    }

    fn heard(&mut self, before: sync::State, message: sync::Message, after: &sync::State) {
        keep(
            &mut self.heard,
            self.capacity,
            Heard {
                before,
                message,
                after: after.clone(),
            },
        );
    }

    /// The messages owed to `state` (moved on as generating them would).
    fn recall(&mut self, state: &mut sync::State) -> Option<&[Vec<u8>]> {
        let case = self.owed.iter().find(|c| c.before == *state)?;
        state.clone_from(&case.after);
        self.recalled += 1;
        Some(&case.messages)
    }

    fn owed(&mut self, before: sync::State, after: &sync::State, messages: &[Vec<u8>]) {
        keep(
            &mut self.owed,
            self.capacity,
            Owed {
                before,
                after: after.clone(),
                messages: messages.to_vec(),
            },
        );
    }
}

/// Add `case` to `cases`, the oldest going first past `capacity` (none kept
/// at capacity 0).
fn keep<T>(cases: &mut Vec<T>, capacity: usize, case: T) {
    if capacity == 0 {
        return;
    }
    if cases.len() == capacity {
        cases.remove(0);
    }
    cases.push(case);
}

/// The document's history without the changes that wait for a dependency.
pub fn save_applied(doc: &Automerge) -> Vec<u8> {
    doc.save_with_options(automerge::SaveOptions {
        retain_orphans: false,
        ..automerge::SaveOptions::default()
    })
}

/// A document and its clients.
pub struct DocSync {
    id: String,
    relay: String,
    doc: Automerge,
    /// While the document is lent to the guard (see `lend`): its heads.
    lent: Option<Vec<ChangeHash>>,
    /// An empty document that stands in for the lent one, kept between
    /// loans: making a new one draws a random actor id every keystroke.
    stand_in: Option<Automerge>,
    peers: HashMap<ConnId, Peer>,
    memo: Memo,
    saved_heads: Vec<ChangeHash>,
    snapshots: Vec<String>,
    incrementals: Vec<String>,
    /// Bytes of the snapshot chunks, and of the incremental ones since: a
    /// snapshot (proportional to the document) is written once the
    /// incrementals weigh half as much, so what it costs per edit does not
    /// grow with the document.
    snapshot_bytes: usize,
    incremental_bytes: usize,
    /// The last sequence number of each actor, read off the document when
    /// first needed and kept up to date with every change admitted.
    seqs: Option<Sequences>,
    /// Changes the document holds while they wait for a dependency: who
    /// sent each, its size, since when.
    waiting: HashMap<ChangeHash, Waiting>,
    /// How much one message to a peer carries.
    pieces: Pieces,
    /// The document's recent past, to answer without automerge's walks
    /// over the history (started when first needed).
    recent: Option<Recent>,
    /// Tests: every answer from `recent` is checked against automerge's.
    verify_fast: bool,
    /// Whether `recent` answers at all (off only to compare, in benchmarks).
    fast: bool,
    /// What the guard's typing check knows of the document: learnt from
    /// every change that enters it, reset whenever it is rebuilt.
    typing: Typing,
    /// Changes vouched for by `typing`: kept, saved and forwarded (from
    /// `recent`), not yet applied. They are applied in one batch (`flush`)
    /// before anything asks Automerge about the document.
    pending: Vec<automerge::Change>,
    /// Their bytes.
    pending_bytes: usize,
    /// The document's heads with them (when there are some).
    pending_heads: Vec<ChangeHash>,
    /// The chunks that hold them (deleted if they ever fail to apply).
    pending_keys: Vec<String>,
    /// Their bytes not yet in a chunk.
    unsaved: Vec<u8>,
    /// Changes kept unapplied, and batches applied, since the load.
    typed: (u64, u64),
    /// Whether changes are saved ([`Effect::Put`]): not for a client's
    /// copy, which lives in memory for a session (`in_memory`).
    store: bool,
}

/// Bytes waiting in a document before and after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingNow {
    /// Before.
    pub before: usize,
    /// After.
    pub after: usize,
}

/// A change waiting in the document for a dependency.
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    /// Who sent it.
    pub conn: ConnId,
    /// Its size.
    pub bytes: usize,
    /// Since when it waits.
    pub since: std::time::Instant,
}

impl std::fmt::Debug for DocSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocSync")
            .field("id", &self.id)
            .field("peers", &self.peers.len())
            .finish_non_exhaustive()
    }
}

impl DocSync {
    /// The document `id` from its stored chunks (`<id>/snapshot/…` and
    /// `<id>/incremental/…`, as [`crate::chunks::ChunkStore::scan`] gives
    /// them), for a relay whose peer id is `relay`.
    pub fn load(
        id: &DocId,
        relay: &str,
        chunks: Vec<(String, Vec<u8>)>,
    ) -> Result<DocSync, DocError> {
        let id = id.to_string();
        let mut snapshots = Vec::new();
        let mut incrementals = Vec::new();
        let (mut snapshot_bytes, mut incremental_bytes) = (0, 0);
        let mut bytes = Vec::new();
        let mut later = Vec::new();
        for (key, value) in chunks {
            if key.starts_with(&format!("{id}/snapshot/")) {
                bytes.extend_from_slice(&value);
                snapshot_bytes += value.len();
                snapshots.push(key);
            } else {
                later.extend_from_slice(&value);
                incremental_bytes += value.len();
                incrementals.push(key);
            }
        }
        bytes.extend_from_slice(&later);
        let mut doc = Automerge::new();
        if !bytes.is_empty() {
            guard::apply_in_place(&mut doc, &bytes, &Limits::local_store())
                .map_err(|e| DocError::Damaged(e.to_string()))?;
        }
        Ok(DocSync {
            id,
            relay: relay.to_owned(),
            saved_heads: doc.get_heads(),
            doc,
            lent: None,
            stand_in: None,
            peers: HashMap::new(),
            memo: Memo::new(),
            snapshots,
            incrementals,
            snapshot_bytes,
            incremental_bytes,
            seqs: None,
            waiting: HashMap::new(),
            pieces: Pieces::default(),
            recent: None,
            // Every unit test of this crate checks the fast path.
            verify_fast: cfg!(test),
            fast: true,
            typing: Typing::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            pending_heads: Vec::new(),
            pending_keys: Vec::new(),
            unsaved: Vec::new(),
            typed: (0, 0),
            store: true,
        })
    }

    /// The same document, never saved: a client's copy for a session
    /// (`crate::client`), whose peer is the relay. Nothing is written, and
    /// no snapshot is made (the whole document, at every few edits).
    pub fn in_memory(mut self) -> Self {
        self.store = false;
        self
    }

    /// What `conn` is owed now, sent unasked: how a client opens its sync
    /// of a document with the relay.
    pub fn open(&mut self, conn: ConnId, out: &mut impl Effects) -> Result<(), DocError> {
        if self.recent.is_none() && self.pending.is_empty() {
            self.recent = Some(Recent::start(&self.doc));
        }
        let heads = self.heads();
        self.answer_only(&[conn], &heads, out)
    }

    /// Changes of this side's own (a saved document or change chunks from
    /// its store, trusted) merged in, and every peer told. Returns whether
    /// the document changed.
    pub fn take_local(&mut self, bytes: &[u8], out: &mut impl Effects) -> Result<bool, DocError> {
        self.flush(out)?;
        let before = self.doc.get_heads();
        let doc = &mut self.doc;
        match std::panic::catch_unwind(AssertUnwindSafe(|| doc.load_incremental(bytes))) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(DocError::Broken(e.to_string())),
            Err(_) => return Err(DocError::Broken("automerge panicked".into())),
        }
        if self.doc.get_heads() == before {
            return Ok(false);
        }
        self.memo.forget();
        self.track(&before);
        let heads = self.heads();
        self.spread(&heads, out)?;
        Ok(true)
    }

    /// `conn`'s sync state, if it has the document open.
    pub fn peer_state(&self, conn: ConnId) -> Option<&sync::State> {
        self.peers.get(&conn).map(|peer| &peer.state)
    }

    /// Whether the document holds the change `hash` (applied or kept
    /// unapplied).
    pub fn knows(&self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
            || self.pending.iter().any(|change| change.hash() == *hash)
    }

    /// The changes after `since` (heads the caller holds, all known here),
    /// as change chunks: those kept unapplied are given as they are, not
    /// applied first (a home that took in the last edit names it: it is
    /// still unapplied here). `None` when some of `since` is not known.
    pub fn changes_after(&self, since: &[ChangeHash]) -> Option<Vec<u8>> {
        if !since.iter().all(|h| self.knows(h)) {
            return None;
        }
        // The unapplied changes `since` covers, and the applied ones it
        // reaches through them.
        let (covered, applied) = guard::typing::split_at(&self.pending, since);
        let mut bytes = if applied == sorted(&self.doc.get_heads()) {
            Vec::new()
        } else {
            self.doc.save_after(&applied)
        };
        for change in &self.pending {
            if !covered.contains(&change.hash()) {
                bytes.extend_from_slice(change.raw_bytes());
            }
        }
        Some(bytes)
    }

    /// The changes kept unapplied (none once flushed).
    pub fn pending(&self) -> &[automerge::Change] {
        &self.pending
    }

    /// The document saved whole, its unapplied changes applied first.
    pub fn save_all(&mut self, out: &mut impl Effects) -> Result<Vec<u8>, DocError> {
        self.flush(out)?;
        Ok(self.doc.save())
    }

    /// The same document, its messages to peers bounded by `pieces`.
    pub fn with_pieces(mut self, pieces: Pieces) -> Self {
        self.pieces = pieces;
        self
    }

    /// The same document answering every peer through automerge's own
    /// calls, as before the fast path (`fast::Recent`): for benchmarks
    /// that compare the two in one run.
    pub fn without_fast_path(mut self) -> Self {
        self.fast = false;
        self
    }

    /// Calls into automerge made, and answered by the fast path instead
    /// (`fast::Recent`), since the document was loaded.
    pub fn sync_calls(&self) -> (u64, u64) {
        (self.memo.asked, self.memo.emulated)
    }

    /// A client opens the document. A reader's changes are not asked for
    /// (the guard strips any it sends).
    pub fn attach(&mut self, conn: ConnId, peer_id: String, read_only: bool) {
        let state = if read_only {
            sync::State::new_read_only()
        } else {
            sync::State::new()
        };
        self.peers.insert(conn, Peer { peer_id, state });
    }

    /// A client may now write (or only read).
    pub fn set_read_only(&mut self, conn: ConnId, read_only: bool) {
        if let Some(peer) = self.peers.get_mut(&conn)
            && peer.state.read_only != read_only
        {
            peer.state.set_read_only(read_only);
        }
    }

    /// Changes kept unapplied, and batches of them applied, since the
    /// document was loaded.
    pub fn typed_calls(&self) -> (u64, u64) {
        self.typed
    }

    /// The document went from heads `before` to its heads now (applied):
    /// remembered in its recent past (started afresh if that did not end at
    /// `before`) and learnt by the typing check.
    fn track(&mut self, before: &[ChangeHash]) {
        debug_assert!(
            self.pending.is_empty(),
            "changes applied past unapplied ones"
        );
        let recorded = match self.recent.as_mut() {
            Some(recent) if recent.within_reach(&self.doc) => {
                let changes = self.doc.get_changes(before);
                self.typing.learn(&self.doc, &changes);
                if let Some(seqs) = &mut self.seqs {
                    seqs.advance(Advance::of(&changes));
                }
                recent.record(before, &self.doc, &changes)
            }
            _ => {
                self.typing.reset();
                // Read off the document again when next needed.
                self.seqs = None;
                false
            }
        };
        if !recorded {
            self.recent = Some(Recent::start(&self.doc));
        }
    }

    /// Vouch for `entries`, a message's changes, as typing (see
    /// `nous_core::guard::typing`): `Some` if they may be kept without
    /// being applied first. Who sent them is the caller's to check.
    pub fn vouch(&mut self, entries: &[Vec<u8>], limits: &Limits) -> Option<Vec<Typed>> {
        // Nothing waits for a dependency: a change kept unapplied cannot
        // be one that a waiting change needs.
        if !self.fast || !self.waiting.is_empty() || !self.doc.get_missing_deps(&[]).is_empty() {
            return None;
        }
        let doc = &self.doc;
        let seqs = self.seqs.get_or_insert_with(|| Sequences::of(doc));
        self.typing.check(doc, seqs, entries, limits)
    }

    /// Apply the changes kept unapplied, in one batch. Should Automerge
    /// refuse them after all, their chunks are deleted and the document is
    /// reported broken (the caller loads it again from the store).
    pub fn flush(&mut self, out: &mut impl Effects) -> Result<(), DocError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let expected = std::mem::take(&mut self.pending_heads);
        let keys = std::mem::take(&mut self.pending_keys);
        self.pending_bytes = 0;
        let count = pending.len();
        let doc = &mut self.doc;
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| doc.apply_changes(pending)));
        let failure = match applied {
            Ok(Ok(())) if sorted(&self.doc.get_heads()) == sorted(&expected) => None,
            Ok(Ok(())) => Some("other heads than the changes named".to_owned()),
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some("automerge panicked".to_owned()),
        };
        if let Some(why) = failure {
            tracing::error!(doc = %self.id, changes = count, error = %why, "relay: changes vouched for as typing did not apply; their chunks are deleted");
            for key in keys {
                out.push(Effect::Delete(key));
            }
            return Err(DocError::Broken(format!(
                "{count} change(s) vouched for as typing did not apply: {why}"
            )));
        }
        self.typed.1 += 1;
        Ok(())
    }

    /// A message from `conn` whose changes were vouched for as typing
    /// ([`DocSync::vouch`]) and whose sender may write them: they are kept
    /// unapplied, forwarded to every client and saved; the message is then
    /// taken as if they had been applied.
    pub fn receive_typed(
        &mut self,
        conn: ConnId,
        ask: Ask,
        message: sync::Message,
        typed: Vec<Typed>,
        out: &mut impl Effects,
    ) -> Result<(), DocError> {
        if self.recent.is_none() {
            self.recent = Some(Recent::start(&self.doc));
        }
        let before = self.heads();
        self.typing.keep(&typed);
        let changes: Vec<automerge::Change> = typed.into_iter().map(|t| t.change).collect();
        if let Some(seqs) = &mut self.seqs {
            seqs.advance(Advance::of(&changes));
        }
        let mut heads = before.clone();
        let mut recorded = true;
        for change in changes {
            let after = heads_after(&heads, &change);
            recorded = recorded
                && self
                    .recent
                    .as_mut()
                    .is_some_and(|recent| recent.record_unapplied(&heads, &change, &after));
            self.pending_bytes += change.raw_bytes().len();
            self.unsaved.extend_from_slice(change.raw_bytes());
            self.pending.push(change);
            self.typed.0 += 1;
            heads = after;
        }
        self.pending_heads = heads;
        self.memo.forget();
        if !recorded {
            // Never seen: the recent past did not end where the document
            // did. Apply now and start it afresh.
            self.flush(out)?;
            self.recent = Some(Recent::start(&self.doc));
        }
        self.take_in(conn, ask, message, &before, true, out)?;
        if self.pending.len() >= FLUSH_CHANGES.max(self.spacing())
            || self.pending_bytes >= FLUSH_BYTES
        {
            self.flush(out)?;
        }
        Ok(())
    }

    /// The document as Automerge would answer for it, its unapplied
    /// changes applied (tests check the fast path against it).
    fn full(&self) -> Cow<'_, Automerge> {
        full(&self.doc, &self.pending)
    }

    /// A client is gone (or lost access).
    pub fn detach(&mut self, conn: ConnId) {
        self.peers.remove(&conn);
    }

    /// The clients that have the document open.
    pub fn conns(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.peers.keys().copied()
    }

    /// Whether no client has it open.
    pub fn is_idle(&self) -> bool {
        self.peers.is_empty()
    }

    /// The document's heads (its changes not yet applied included).
    pub fn heads(&self) -> Vec<ChangeHash> {
        if self.pending.is_empty() {
            self.doc.get_heads()
        } else {
            self.pending_heads.clone()
        }
    }

    /// The document as it stands, read only (for `Guard::precheck`): none
    /// of its changes may wait unapplied ([`DocSync::flush`] first).
    pub fn doc(&self) -> &Automerge {
        debug_assert!(self.pending.is_empty(), "flush before reading the document");
        &self.doc
    }

    /// The document itself, for a message's changes to be checked and
    /// applied on by the guard (`crate::guard::Guard::admit`); `receive`
    /// takes it back with them. A copy would cost as much as applying the
    /// change, every edit, and freeing the old one as much again: the
    /// guard refuses what it can before applying anything
    /// (`Guard::precheck`), and a document whose changes it refuses after
    /// applying them is not given back: the relay loads it again from the
    /// store, as after any break (`crate::hub`).
    pub fn lend(&mut self) -> Automerge {
        debug_assert!(self.pending.is_empty(), "flush before lending the document");
        self.lent = Some(self.doc.get_heads());
        let stand_in = self.stand_in.take().unwrap_or_default();
        std::mem::replace(&mut self.doc, stand_in)
    }

    /// The last sequence number of each of the document's actors.
    pub fn sequences(&mut self) -> &Sequences {
        let doc = &self.doc;
        self.seqs.get_or_insert_with(|| Sequences::of(doc))
    }

    /// Keep the sequence numbers reached by changes about to be adopted
    /// (with the `checked` document of the next `receive`).
    pub fn advance(&mut self, advance: Advance) {
        if let Some(seqs) = &mut self.seqs {
            seqs.advance(advance);
        }
    }

    /// The changes waiting in the document for a dependency.
    pub fn waiting(&self) -> &HashMap<ChangeHash, Waiting> {
        &self.waiting
    }

    /// What waits in the document after `conn`'s changes were adopted:
    /// changes that were already waiting keep their sender and age, the
    /// others are `conn`'s; those no longer in `queue` were applied.
    pub fn set_waiting(
        &mut self,
        conn: ConnId,
        queue: &[Queued],
        now: std::time::Instant,
    ) -> WaitingNow {
        let mut next = HashMap::with_capacity(queue.len());
        for queued in queue {
            let kept = self.waiting.get(&queued.hash).copied().unwrap_or(Waiting {
                conn,
                bytes: queued.bytes,
                since: now,
            });
            next.insert(queued.hash, kept);
        }
        let before: usize = self.waiting.values().map(|w| w.bytes).sum();
        self.waiting = next;
        let after: usize = self.waiting.values().map(|w| w.bytes).sum();
        WaitingNow { before, after }
    }

    /// Forget every change that waits for a dependency: the document is
    /// rebuilt from its applied history (proportional to the document; done
    /// when a client that left changes waiting goes, or they waited too
    /// long). Returns how many bytes were freed.
    pub fn drop_waiting(&mut self) -> Result<usize, DocError> {
        if self.waiting.is_empty() && self.doc.get_missing_deps(&[]).is_empty() {
            return Ok(0);
        }
        // Changes are kept unapplied only while nothing waits.
        debug_assert!(self.pending.is_empty());
        let freed = self.waiting.values().map(|w| w.bytes).sum();
        let saved = save_applied(&self.doc);
        let mut fresh = Automerge::new();
        if !saved.is_empty() {
            guard::apply_in_place(&mut fresh, &saved, &Limits::local_store())
                .map_err(|e| DocError::Damaged(e.to_string()))?;
        }
        self.doc = fresh;
        self.memo.forget();
        // The same changes, but maybe not in the same order.
        self.recent = None;
        self.typing.reset();
        self.waiting.clear();
        Ok(freed)
    }

    /// A sync message from `conn` (already through the guard). `checked`
    /// is, for a message with changes, the document (`lend`) with them
    /// applied and checked (`crate::guard::Guard::admit`): it becomes the
    /// document again, and Automerge, finding the changes already there,
    /// does not apply them again. Without it the changes are applied here.
    pub fn receive(
        &mut self,
        conn: ConnId,
        ask: Ask,
        message: sync::Message,
        checked: Option<Automerge>,
        out: &mut impl Effects,
    ) -> Result<(), DocError> {
        let lent = self.lent.take();
        // Changes the guard applied are in the document already.
        let applied = checked.is_some();
        if let Some(checked) = checked {
            let stand_in = std::mem::replace(&mut self.doc, checked);
            if stand_in.get_heads().is_empty() {
                self.stand_in = Some(stand_in);
            }
        } else if !message.changes.is_empty() {
            // Automerge applies them below: after those kept unapplied.
            self.flush(out)?;
        }
        let before = lent.unwrap_or_else(|| self.heads());
        let now = self.heads();
        if now != before {
            self.track(&before);
        } else if self.recent.is_none() {
            self.recent = Some(Recent::start(&self.doc));
        }
        self.take_in(conn, ask, message, &before, applied, out)
    }

    /// The rest of a message from `conn` once its changes (if any) are in
    /// the document (`applied`: applied or kept unapplied), which had heads
    /// `before` them: the sender's state moves on, and whoever is owed an
    /// answer gets it.
    fn take_in(
        &mut self,
        conn: ConnId,
        ask: Ask,
        message: sync::Message,
        before: &[ChangeHash],
        applied: bool,
        out: &mut impl Effects,
    ) -> Result<(), DocError> {
        let now = self.heads();
        if !self.peers.contains_key(&conn) {
            // The sender left meanwhile: what the guard applied still goes
            // out and is kept.
            if now != before {
                self.spread(&now, out)?;
            }
            return Ok(());
        }
        let plain = message.changes.is_empty();
        if !plain {
            self.memo.forget();
        }
        let peer = self.peers.get_mut(&conn).expect("attached");
        if !(plain && self.memo.hear(&mut peer.state, &message)) {
            let kept = plain.then(|| (peer.state.clone(), message.clone()));
            // The fast path answers for changes already in the document,
            // none waiting for a dependency.
            let fast = self.fast && (plain || applied) && self.doc.get_missing_deps(&[]).is_empty();
            let was = self.verify_fast.then(|| peer.state.clone());
            let mut emulated = false;
            if let Some(recent) = self.recent.as_ref().filter(|_| fast) {
                let doc = &self.doc;
                let state = &mut peer.state;
                match std::panic::catch_unwind(AssertUnwindSafe(|| {
                    recent.receive(doc, &now, state, &message).is_some()
                })) {
                    Ok(answered) => emulated = answered,
                    Err(_) => return Err(DocError::Broken("the fast path panicked".into())),
                }
            }
            if emulated {
                self.memo.emulated += 1;
                if let Some(mut was) = was {
                    let mut full = self.full().into_owned();
                    full.receive_sync_message(&mut was, message)
                        .expect("automerge receives what the fast path did");
                    assert_eq!(was, self.peers[&conn].state, "the fast path's receive");
                }
            } else {
                // Automerge answers for the document with every change it
                // holds applied.
                self.flush(out)?;
                let peer = self.peers.get_mut(&conn).expect("attached");
                let doc = &mut self.doc;
                // Changes have been applied inside the guard's containment
                // first; this one is the second line.
                let received = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    doc.receive_sync_message(&mut peer.state, message)
                }));
                match received {
                    Ok(Ok(())) => self.memo.asked += 1,
                    Ok(Err(e)) => return Err(DocError::Broken(e.to_string())),
                    Err(_) => return Err(DocError::Broken("automerge panicked".into())),
                }
            }
            if let Some((before, message)) = kept {
                self.memo.heard(before, message, &self.peers[&conn].state);
            }
        }
        if self.heads() != now {
            // Automerge applied them.
            self.track(&now);
        }
        let heads = self.heads();
        if heads.is_empty() && ask == Ask::Request {
            // Nobody brought it: say so, as automerge-repo peers do. The
            // client stays attached and gets the document if it arrives.
            let peer = &self.peers[&conn];
            out.push(Effect::Send(
                conn,
                wire::doc_unavailable(&self.relay, &peer.peer_id, &self.id),
            ));
            return Ok(());
        }
        if heads == before {
            self.answer_only(&[conn], &heads, out)?;
        } else {
            self.spread(&heads, out)?;
        }
        Ok(())
    }

    /// Answer `conns` (the document's heads being `heads`): from the
    /// recent past where it can, applying the changes kept unapplied first
    /// where Automerge must answer.
    fn answer_only(
        &mut self,
        conns: &[ConnId],
        heads: &[ChangeHash],
        out: &mut impl Effects,
    ) -> Result<(), DocError> {
        let mut again = Vec::new();
        for stale in [true, false] {
            if !stale {
                if again.is_empty() {
                    break;
                }
                self.flush(out)?;
            }
            let whole = sent_whole(&mut self.seqs, &self.doc, self.pieces);
            let queue_empty = self.doc.get_missing_deps(&[]).is_empty();
            let full = self.verify_fast.then(|| full(&self.doc, &self.pending));
            let to = Answer {
                doc: &self.doc,
                heads,
                relay: &self.relay,
                id: &self.id,
                pieces: self.pieces,
                whole,
                recent: self.recent.as_ref().filter(|_| self.fast && queue_empty),
                stale: !self.pending.is_empty(),
                check: full.as_deref(),
                any_order: self.typed.0 > 0,
            };
            let targets: Vec<ConnId> = if stale {
                conns.to_vec()
            } else {
                std::mem::take(&mut again)
            };
            for conn in targets {
                if let Some(peer) = self.peers.get_mut(&conn)
                    && !to.answer(conn, peer, &mut self.memo, out)
                {
                    again.push(conn);
                }
            }
        }
        Ok(())
    }

    /// The document changed to `heads`: tell every client, then keep it.
    fn spread(&mut self, heads: &[ChangeHash], out: &mut impl Effects) -> Result<(), DocError> {
        let conns: Vec<ConnId> = self.peers.keys().copied().collect();
        self.answer_only(&conns, heads, out)?;
        // After the fan-out: nobody waits for the write, and every 64th is
        // a whole snapshot.
        self.save(heads, out)
    }

    /// An ephemeral message from `conn`: passed on to every other client of
    /// the document, unchanged but for its recipient.
    pub fn ephemeral(&self, from: ConnId, frame: &[u8], out: &mut impl Effects) {
        for (&conn, peer) in &self.peers {
            if conn != from
                && let Ok(frame) = wire::retarget(frame, &peer.peer_id)
            {
                out.push(Effect::Send(conn, frame));
            }
        }
    }

    /// Fold the incremental chunks into one snapshot (before unloading),
    /// the changes kept unapplied applied first.
    pub fn compact(&mut self, out: &mut impl Effects) -> Result<(), DocError> {
        self.flush(out)?;
        if self.store && self.incrementals.len() + self.snapshots.len() > 1 {
            self.snapshot(out)?;
        }
        Ok(())
    }

    fn save(&mut self, heads: &[ChangeHash], out: &mut impl Effects) -> Result<(), DocError> {
        if !self.store {
            self.unsaved.clear();
            return Ok(());
        }
        if (self.incrementals.len() >= MAX_INCREMENTALS.max(self.spacing())
            && self.incremental_bytes >= self.snapshot_bytes / 2)
            || self.incrementals.len() >= MAX_INCREMENTALS_EVER
        {
            return self.snapshot(out);
        }
        let key = format!("{}/incremental/{}", self.id, heads_digest(heads));
        let value = if self.pending.is_empty() {
            self.unsaved.clear();
            self.doc.save_after(&self.saved_heads)
        } else {
            // Only changes kept unapplied came since the last chunk (every
            // change of heads is saved): their own bytes are the chunk.
            self.pending_keys.push(key.clone());
            std::mem::take(&mut self.unsaved)
        };
        self.incremental_bytes += value.len();
        out.push(Effect::Put {
            key: key.clone(),
            value,
            heads: heads.to_vec(),
        });
        self.incrementals.push(key);
        self.saved_heads = heads.to_vec();
        Ok(())
    }

    /// How many edits apart the work proportional to the document comes
    /// (a batch applied, a snapshot written): one per [`OPS_PER_BATCH`] of
    /// its ops, so that at 50,000 ops a batch or a snapshot comes once in
    /// about 780 edits rather than every 64 (each a pause of the
    /// document's task: the p99 of issue 14), at most
    /// [`MAX_INCREMENTALS_EVER`].
    fn spacing(&mut self) -> usize {
        let ops = self.sequences().max_op() / OPS_PER_BATCH;
        usize::try_from(ops).map_or(MAX_INCREMENTALS_EVER, |n| n.min(MAX_INCREMENTALS_EVER))
    }

    fn snapshot(&mut self, out: &mut impl Effects) -> Result<(), DocError> {
        self.flush(out)?;
        self.unsaved.clear();
        let heads = self.doc.get_heads();
        let key = format!("{}/snapshot/{}", self.id, heads_digest(&heads));
        // Without the changes still waiting for a dependency: they are
        // not part of the document until it comes, and a snapshot that
        // held them would not load (Automerge's default keeps them).
        let value = save_applied(&self.doc);
        self.snapshot_bytes = value.len();
        self.incremental_bytes = 0;
        out.push(Effect::Put {
            key: key.clone(),
            value,
            heads: heads.clone(),
        });
        // The writes are applied in order: the old chunks go after the
        // snapshot that holds them is written.
        for old in self.snapshots.drain(..).chain(self.incrementals.drain(..)) {
            if old != key {
                out.push(Effect::Delete(old));
            }
        }
        self.snapshots.push(key);
        self.saved_heads = heads;
        Ok(())
    }
}

/// `message` with its changes one per entry, sorted (tests).
fn in_any_order(mut message: sync::Message) -> sync::Message {
    let mut changes: Vec<Vec<u8>> = message
        .changes
        .iter()
        .flat_map(|entry| guard::chunks(entry).expect("whole chunks"))
        .map(<[u8]>::to_vec)
        .collect();
    changes.sort();
    message.changes = changes.into();
    message.version = sync::MessageVersion::V1;
    message
}

/// `doc` with `pending` applied (tests: what Automerge would answer).
fn full<'a>(doc: &'a Automerge, pending: &[automerge::Change]) -> Cow<'a, Automerge> {
    if pending.is_empty() {
        return Cow::Borrowed(doc);
    }
    let mut full = doc.clone();
    full.apply_changes(pending.to_vec())
        .expect("changes vouched for apply");
    Cow::Owned(full)
}

/// Heads after `change` is added to a document whose heads were `heads`.
fn heads_after(heads: &[ChangeHash], change: &automerge::Change) -> Vec<ChangeHash> {
    let mut next: Vec<ChangeHash> = heads
        .iter()
        .filter(|h| !change.deps().contains(h))
        .copied()
        .collect();
    next.push(change.hash());
    next.sort_unstable();
    next
}

/// The document as it answers its clients.
/// Whether the document is small enough to be sent whole (`seqs`: the
/// document's sequence numbers, read off it when first needed).
fn sent_whole(seqs: &mut Option<Sequences>, doc: &Automerge, pieces: Pieces) -> bool {
    seqs.get_or_insert_with(|| Sequences::of(doc)).total() <= pieces.whole_doc_max_changes
}

struct Answer<'a> {
    doc: &'a Automerge,
    heads: &'a [ChangeHash],
    relay: &'a str,
    id: &'a str,
    pieces: Pieces,
    /// False: never send the whole document (see [`Pieces`]).
    whole: bool,
    /// The document's recent past, if it may answer.
    recent: Option<&'a Recent>,
    /// Whether changes wait unapplied: Automerge may not be asked.
    stale: bool,
    /// The document to check the recent past's answers against (tests).
    check: Option<&'a Automerge>,
    /// Whether changes were ever kept unapplied: checked answers may list
    /// changes in another order.
    any_order: bool,
}

impl Answer<'_> {
    /// Whatever `peer` is owed now, as frames (automerge 0.12 may need two
    /// messages: after a reset it advertises empty heads, then the real
    /// ones). False, nothing sent and `peer` untouched, if only Automerge
    /// can answer and changes wait unapplied.
    fn answer(
        &self,
        conn: ConnId,
        peer: &mut Peer,
        memo: &mut Memo,
        out: &mut impl Effects,
    ) -> bool {
        if !self.whole {
            // Automerge sends the whole document only to a peer that says
            // it reads the v2 format: forget that it does, for this
            // document, so the peer gets the changes it lacks, in pieces.
            // `MessageV1`, which Automerge never records itself, marks the
            // peer as one that reads v2 all the same (the pieces go as v2;
            // and states of peers that differ in this are not equal, so
            // `Memo` never hands one's answer to the other).
            if let Some(caps) = &mut peer.state.their_capabilities
                && let Some(v2) = caps.iter_mut().find(|c| **c == sync::Capability::MessageV2)
            {
                *v2 = sync::Capability::MessageV1;
            }
        }
        let as_v2 = !self.whole
            && peer
                .state
                .their_capabilities
                .as_ref()
                .is_some_and(|caps| caps.contains(&sync::Capability::MessageV1));
        if let Some(messages) = memo.recall(&mut peer.state) {
            for message in messages {
                out.push(self.frame(conn, peer, message));
            }
            return true;
        }
        let before = peer.state.clone();
        let mut messages = Vec::new();
        loop {
            // The guard refuses every message known to make Automerge panic
            // here; should another get past it, this peer's sync state is
            // started afresh and nothing is sent, rather than the task lost.
            let was = self.check.map(|_| peer.state.clone());
            let mut emulated = false;
            let mut waits = false;
            let generated = std::panic::catch_unwind(AssertUnwindSafe(|| {
                if let Some(message) = self
                    .recent
                    .and_then(|recent| recent.generate(self.doc, self.heads, &mut peer.state))
                {
                    emulated = true;
                    return message;
                }
                if self.stale {
                    waits = true;
                    return None;
                }
                self.doc.generate_sync_message(&mut peer.state)
            }));
            if waits {
                debug_assert!(messages.is_empty());
                return false;
            }
            if emulated {
                memo.emulated += 1;
            } else {
                memo.asked += 1;
            }
            if let (Some(mut was), Some(check), true, Ok(message)) =
                (was, self.check, emulated, &generated)
            {
                let expected = check.generate_sync_message(&mut was);
                if self.any_order {
                    // Changes kept unapplied are applied in batches, which
                    // Automerge sorts its own way, while the recent past
                    // keeps them as they came (both orders respect their
                    // dependencies): the same message but maybe for the
                    // order of its changes.
                    assert_eq!(
                        expected.clone().map(in_any_order),
                        message.clone().map(in_any_order),
                        "the fast path's message"
                    );
                } else {
                    assert_eq!(
                        expected.clone().map(sync::Message::encode),
                        message.clone().map(sync::Message::encode),
                        "the fast path's message"
                    );
                    assert_eq!(&expected, message, "the fast path's message");
                }
                assert_eq!(was, peer.state, "the fast path's state");
            }
            let message = match generated {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(_) => {
                    tracing::error!(doc = %self.id, peer = %peer.peer_id, "relay: automerge panicked answering a peer; its sync state starts afresh");
                    peer.state = sync::State::new();
                    return true;
                }
            };
            let reset = message.heads != self.heads;
            if reset {
                // The state recorded our real heads as sent although the
                // message advertised none; record what was sent, so the
                // follow-up with the real heads is generated at once.
                peer.state.last_sent_heads.clone_from(&message.heads);
            }
            for piece in self.pieces.split(message, as_v2) {
                let piece = piece.encode();
                out.push(self.frame(conn, peer, &piece));
                messages.push(piece);
            }
            if !reset {
                break;
            }
        }
        memo.owed(before, &peer.state, &messages);
        true
    }

    fn frame(&self, conn: ConnId, peer: &Peer, message: &[u8]) -> Effect {
        Effect::Send(
            conn,
            wire::sync(self.relay, &peer.peer_id, self.id, message),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ROOT;
    use automerge::transaction::Transactable as _;

    fn id() -> DocId {
        DocId::from_bytes([9; 16])
    }

    /// A client: its document and its state towards the relay.
    struct Client {
        doc: Automerge,
        state: sync::State,
    }

    impl Client {
        fn new() -> Client {
            Client {
                doc: Automerge::new(),
                state: sync::State::new(),
            }
        }

        /// A client with a fixed actor id: its changes (whose time is 0
        /// without automerge's clock feature) are the same in every run.
        fn with_actor(n: u8) -> Client {
            Client {
                doc: Automerge::new().with_actor(automerge::ActorId::from([n; 16])),
                state: sync::State::new(),
            }
        }

        fn say(&mut self) -> Option<sync::Message> {
            self.doc.generate_sync_message(&mut self.state)
        }

        fn hear(&mut self, frame: &[u8]) {
            let env = wire::decode(frame).expect("frame");
            if env.kind == wire::MessageType::Sync {
                let message = sync::Message::decode(env.data.expect("data")).expect("message");
                self.doc
                    .receive_sync_message(&mut self.state, message)
                    .expect("receive");
            }
        }
    }

    fn sends_to(out: &[Effect], conn: ConnId) -> Vec<Vec<u8>> {
        out.iter()
            .filter_map(|e| match e {
                Effect::Send(c, frame) if *c == conn => Some(frame.clone()),
                _ => None,
            })
            .collect()
    }

    /// Run the conversation between `clients` and the relay until nobody
    /// has anything to say; returns how many messages the relay received.
    fn converge(relay: &mut DocSync, clients: &mut [Client], out: &mut Vec<Effect>) -> usize {
        converge_logged(relay, clients, out, &mut Vec::new(), false)
    }

    /// [`converge`], keeping every frame the relay sent in `log`; with
    /// `precheck`, changes are applied on the lent document first and
    /// handed back in, as the relay does.
    fn converge_logged(
        relay: &mut DocSync,
        clients: &mut [Client],
        out: &mut Vec<Effect>,
        log: &mut Vec<Effect>,
        precheck: bool,
    ) -> usize {
        let mut received = 0;
        for _ in 0..50 {
            let mut quiet = true;
            for (conn, client) in clients.iter_mut().enumerate() {
                let conn = conn as ConnId;
                for frame in sends_to(out, conn) {
                    client.hear(&frame);
                }
            }
            log.extend(
                out.iter()
                    .filter(|e| matches!(e, Effect::Send(..)))
                    .cloned(),
            );
            out.retain(|e| !matches!(e, Effect::Send(..)));
            for (conn, client) in clients.iter_mut().enumerate() {
                if let Some(message) = client.say() {
                    quiet = false;
                    received += 1;
                    // Some changes through the lent document, the others
                    // applied by `receive` (by their length); as in the
                    // relay, only an attached client's reach the guard.
                    let scratched = relay.peers.contains_key(&(conn as ConnId))
                        && message
                            .changes
                            .iter()
                            .next()
                            .is_some_and(|c| c.len() % 2 == 0);
                    let checked = (precheck && scratched).then(|| {
                        let mut scratch = relay.lend();
                        for change in message.changes.iter() {
                            scratch.load_incremental(change).expect("scratch");
                        }
                        scratch
                    });
                    relay
                        .receive(conn as ConnId, Ask::Sync, message, checked, out)
                        .expect("receive");
                }
            }
            if quiet && !out.iter().any(|e| matches!(e, Effect::Send(..))) {
                return received;
            }
        }
        panic!("no convergence");
    }

    #[test]
    fn an_edit_reaches_every_client_and_is_saved() {
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        let mut clients: Vec<Client> = (0..3).map(|_| Client::new()).collect();
        for conn in 0..3 {
            relay.attach(conn, format!("peer-{conn}"), false);
        }
        let mut out = Vec::new();
        clients[0]
            .doc
            .transact(|tx| tx.put(ROOT, "title", "Charte"))
            .expect("edit");
        converge(&mut relay, &mut clients, &mut out);
        for client in &clients {
            assert_eq!(client.doc.get_heads(), clients[0].doc.get_heads());
        }
        let puts: Vec<&String> = out
            .iter()
            .filter_map(|e| match e {
                Effect::Put { key, .. } => Some(key),
                _ => None,
            })
            .collect();
        assert_eq!(puts.len(), 1, "{puts:?}");
        assert!(puts[0].starts_with(&format!("{}/incremental/", id())));

        // What was written loads back as the same document.
        let chunks: Vec<(String, Vec<u8>)> = out
            .iter()
            .filter_map(|e| match e {
                Effect::Put { key, value, .. } => Some((key.clone(), value.clone())),
                _ => None,
            })
            .collect();
        let again = DocSync::load(&id(), "relay", chunks).expect("loads");
        assert_eq!(again.heads(), clients[0].doc.get_heads());
        assert_eq!(
            again
                .doc
                .get(ROOT, "title")
                .expect("read")
                .map(|(v, _)| v.to_string()),
            Some("\"Charte\"".to_owned())
        );
    }

    #[test]
    fn an_acknowledgement_is_answered_to_its_sender_only() {
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        let mut clients: Vec<Client> = (0..4).map(|_| Client::new()).collect();
        for conn in 0..4 {
            relay.attach(conn, format!("peer-{conn}"), false);
        }
        let mut out = Vec::new();
        converge(&mut relay, &mut clients, &mut out);
        clients[0]
            .doc
            .transact(|tx| tx.put(ROOT, "x", 1))
            .expect("edit");
        let edit = clients[0].say().expect("edit message");
        out.clear();
        relay
            .receive(0, Ask::Sync, edit, None, &mut out)
            .expect("edit");
        let sent: Vec<ConnId> = out
            .iter()
            .filter_map(|e| match e {
                Effect::Send(c, _) => Some(*c),
                _ => None,
            })
            .collect();
        assert_eq!(
            sent.len(),
            4,
            "the new change goes to every client: {sent:?}"
        );
        // Client 2 takes it and acknowledges: only client 2 may be owed
        // anything, the others are not looked at.
        for frame in sends_to(&out, 2) {
            clients[2].hear(&frame);
        }
        let ack = clients[2].say().expect("ack");
        out.clear();
        relay
            .receive(2, Ask::Sync, ack, None, &mut out)
            .expect("ack");
        assert!(
            out.iter().all(|e| matches!(e, Effect::Send(2, _))),
            "{out:?}"
        );
    }

    /// One conversation: six clients (the last a reader), edits by turns,
    /// sometimes two at once, one client away for a while and back with a
    /// new session.
    fn conversation(remember: bool, precheck: bool) -> Conversation {
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        if !remember {
            relay.memo.capacity = 0;
        }
        let mut clients: Vec<Client> = (0..6).map(Client::with_actor).collect();
        for conn in 0..6 {
            relay.attach(conn, format!("peer-{conn}"), conn == 5);
        }
        let mut log = Vec::new();
        let mut out = Vec::new();
        for round in 0..24_u8 {
            let typist = usize::from(round % 5);
            let mut typing = vec![typist];
            if round % 6 == 3 {
                typing.push((typist + 2) % 5);
            }
            for &t in &typing {
                clients[t]
                    .doc
                    .transact(|tx| tx.put(ROOT, format!("k{}", round % 3), i64::from(round)))
                    .expect("edit");
            }
            if round == 8 {
                relay.detach(4);
            }
            if round == 14 {
                relay.attach(4, "peer-4".into(), false);
                let kept = clients[4].state.encode();
                clients[4].state = sync::State::decode(&kept).expect("state");
            }
            converge_logged(&mut relay, &mut clients, &mut out, &mut log, precheck);
        }
        log.extend(out);
        let heads = clients.iter().map(|c| c.doc.get_heads()).collect();
        let states = (0..6).map(|c| relay.peers[&c].state.clone()).collect();
        Conversation {
            log,
            heads,
            states,
            recalled: relay.memo.recalled,
            emulated: relay.memo.emulated,
            asked: relay.memo.asked,
        }
    }

    /// What a [`conversation`] left.
    struct Conversation {
        /// Every effect.
        log: Vec<Effect>,
        /// The clients' heads at the end.
        heads: Vec<Vec<ChangeHash>>,
        /// The relay's sync states at the end.
        states: Vec<sync::State>,
        /// Calls into automerge the memo saved.
        recalled: u64,
        /// Calls into automerge the fast path answered instead.
        emulated: u64,
        /// Calls made into automerge.
        asked: u64,
    }

    /// The same frames to each client, in the same order (the order across
    /// clients follows a hash map's), the same writes, the same ending.
    fn assert_same(a: &Conversation, b: &Conversation) {
        assert_eq!(a.log.len(), b.log.len());
        for conn in 0..6 {
            assert_eq!(
                sends_to(&a.log, conn),
                sends_to(&b.log, conn),
                "frames to {conn}"
            );
        }
        let writes = |log: &[Effect]| -> Vec<Effect> {
            log.iter()
                .filter(|e| !matches!(e, Effect::Send(..)))
                .cloned()
                .collect()
        };
        assert_eq!(writes(&a.log), writes(&b.log));
        assert_eq!(a.heads, b.heads);
        assert_eq!(a.states, b.states);
    }

    #[test]
    fn remembered_answers_are_the_answers() {
        let generated = conversation(false, false);
        let remembered = conversation(true, false);
        assert_eq!(generated.recalled, 0);
        assert!(
            remembered.recalled > generated.log.len() as u64 / 3,
            "{} of {} answers from memory",
            remembered.recalled,
            generated.log.len()
        );
        assert_same(&generated, &remembered);
        let heads = &generated.heads;
        assert!(heads.iter().all(|h| *h == heads[0]), "{heads:?}");
    }

    #[test]
    fn the_fast_path_answers_most_of_a_conversation() {
        for precheck in [false, true] {
            let c = conversation(true, precheck);
            assert!(
                c.emulated >= 3 * c.asked,
                "{} calls answered by the fast path, {} by automerge",
                c.emulated,
                c.asked
            );
        }
    }

    /// The fast path over a long life: more edits than its past keeps (its
    /// marks are trimmed), a catch-up larger than it keeps (it starts
    /// afresh), a client away for all of it that comes back with its old
    /// state (its last sync is no longer known here: automerge answers),
    /// and a peer naming heads, needs and a last sync nobody has. Every
    /// fast answer is checked against automerge's on the spot.
    #[test]
    fn the_fast_path_stays_exact_as_its_past_is_trimmed_and_restarted() {
        let mut room = Room::new();
        let edit = |room: &mut Room, client: usize, i: usize| {
            room.clients[client]
                .doc
                .transact(|tx| tx.put(ROOT, format!("k{}", i % 7), i as i64))
                .expect("edit");
        };
        edit(&mut room, 0, 0);
        room.settle();

        // Client 2 leaves; 600 edits go by, more than the marks kept.
        room.relay.detach(2);
        let (asked, emulated) = room.relay.sync_calls();
        for i in 1..=600 {
            edit(&mut room, 0, i);
            room.settle_only(&[0, 1, 3]);
        }
        let (marks, _) = room.relay.recent.as_ref().expect("started").kept();
        assert!(marks < 600, "the marks were trimmed: {marks}");
        let asked = room.relay.sync_calls().0 - asked;
        let emulated = room.relay.sync_calls().1 - emulated;
        assert!(
            emulated > 100 * asked.max(1),
            "{emulated} fast, {asked} from automerge"
        );

        // Client 1 comes back from 2,500 changes made offline: more than
        // the past keeps.
        for i in 0..2_500 {
            edit(&mut room, 1, i);
        }
        room.settle_only(&[0, 1, 3]);
        let (_, changes) = room.relay.recent.as_ref().expect("started").kept();
        assert!(changes < 2_500, "the past started afresh: {changes}");

        // Client 2 comes back with the state it kept.
        room.inbox[2].clear();
        room.relay.attach(2, "peer-2".into(), false);
        let kept = room.clients[2].state.encode();
        room.clients[2].state = sync::State::decode(&kept).expect("state");
        room.settle();

        // A peer names what nobody has.
        let unknown = |n: u8| ChangeHash([n; 32]);
        let mut state = sync::State::new();
        let mut hostile = room.clients[0]
            .doc
            .generate_sync_message(&mut state)
            .expect("a message");
        hostile.heads = vec![unknown(7)];
        hostile.need = vec![unknown(8)];
        hostile.have = vec![sync::Have {
            last_sync: vec![unknown(9)],
            bloom: sync::BloomFilter::default(),
        }];
        let mut out = Vec::new();
        room.relay
            .receive(0, Ask::Sync, hostile, None, &mut out)
            .expect("answered, not broken");
        room.post(out);
        room.settle();
        let heads = room.relay.heads();
        for client in &room.clients {
            assert_eq!(client.doc.get_heads(), heads);
        }
    }

    /// One step of a random conversation.
    #[derive(Debug, Clone)]
    enum Step {
        /// A client writes `n` changes (types into the shared text at `at`,
        /// or puts a key while there is no text yet).
        Write { client: usize, n: usize, at: usize },
        /// A client reads the first `k` frames waiting for it.
        Read { client: usize, k: usize },
        /// A client says what it has to say (its changes checked on the
        /// lent document, as the guard does).
        Say { client: usize },
        /// A client leaves and comes back, keeping its sync state or not.
        Rejoin { client: usize, keep: bool },
        /// Everyone, until nobody has anything to say.
        Settle,
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            3 => (0..3usize, 1..4usize, 0..40usize).prop_map(|(client, n, at)| Step::Write { client, n, at }),
            4 => (0..4usize, 0..4usize).prop_map(|(client, k)| Step::Read { client, k }),
            4 => (0..4usize).prop_map(|client| Step::Say { client }),
            1 => (0..4usize, proptest::bool::ANY).prop_map(|(client, keep)| Step::Rejoin { client, keep }),
            1 => Just(Step::Settle),
        ]
    }

    /// Four clients (the last a reader) and the relay, every frame queued
    /// to its client; the relay checks each fast answer against automerge's
    /// (`verify_fast`, on in tests).
    struct Room {
        relay: DocSync,
        clients: Vec<Client>,
        inbox: Vec<std::collections::VecDeque<Vec<u8>>>,
        /// The chunks written, as the store would hold them.
        store: std::collections::BTreeMap<String, Vec<u8>>,
    }

    impl Room {
        fn new() -> Room {
            let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
            for conn in 0..4 {
                relay.attach(conn, format!("peer-{conn}"), conn == 3);
            }
            Room {
                relay,
                clients: (0..4u8).map(|n| Client::with_actor(n + 1)).collect(),
                inbox: vec![Default::default(); 4],
                store: std::collections::BTreeMap::new(),
            }
        }

        fn post(&mut self, out: Vec<Effect>) {
            for effect in out {
                match effect {
                    Effect::Send(conn, frame) => self.inbox[conn as usize].push_back(frame),
                    Effect::Put { key, value, .. } => {
                        self.store.insert(key, value);
                    }
                    Effect::Delete(key) => {
                        self.store.remove(&key);
                    }
                }
            }
        }

        fn say(&mut self, client: usize) -> bool {
            let Some(mut message) = self.clients[client].say() else {
                return false;
            };
            let conn = client as ConnId;
            let mut checked = None;
            let mut out = Vec::new();
            if !message.changes.is_empty() {
                if client == 3 {
                    // A reader's changes are stripped by the guard.
                    message.changes = Vec::<Vec<u8>>::new().into();
                } else {
                    // As the relay does: keystrokes kept unapplied, the
                    // rest applied on the lent document.
                    let entries: Vec<Vec<u8>> =
                        message.changes.iter().map(|c| c.to_vec()).collect();
                    if let Some(typed) = self.relay.vouch(&entries, &Limits::default()) {
                        self.relay
                            .receive_typed(conn, Ask::Sync, message, typed, &mut out)
                            .expect("receive");
                        self.post(out);
                        return true;
                    }
                    self.relay.flush(&mut out).expect("flush");
                    let mut scratch = self.relay.lend();
                    for change in message.changes.iter() {
                        scratch.load_incremental(change).expect("scratch");
                    }
                    checked = Some(scratch);
                }
            }
            self.relay
                .receive(conn, Ask::Sync, message, checked, &mut out)
                .expect("receive");
            self.post(out);
            true
        }

        fn read(&mut self, client: usize, k: usize) {
            for _ in 0..k {
                let Some(frame) = self.inbox[client].pop_front() else {
                    return;
                };
                self.clients[client].hear(&frame);
            }
        }

        fn settle(&mut self) {
            self.settle_only(&[0, 1, 2, 3]);
        }

        /// `who` until none of them has anything to say (the others are
        /// away: what is sent to them waits).
        fn settle_only(&mut self, who: &[usize]) {
            for _ in 0..200 {
                let mut quiet = true;
                for &client in who {
                    let waiting = self.inbox[client].len();
                    self.read(client, waiting);
                    quiet &= !self.say(client);
                }
                if quiet && who.iter().all(|&c| self.inbox[c].is_empty()) {
                    return;
                }
            }
            panic!("no convergence");
        }

        fn run(&mut self, step: &Step) {
            match *step {
                Step::Write { client, n, at } => {
                    let doc = &mut self.clients[client].doc;
                    for i in 0..n {
                        doc.transact(|tx| {
                            match tx.get(ROOT, "text")? {
                                Some((_, text)) => {
                                    let at = at.min(tx.length(&text));
                                    tx.splice_text(&text, at, 0, "x")?;
                                }
                                None if client == 0 => {
                                    tx.put_object(ROOT, "text", automerge::ObjType::Text)?;
                                }
                                None => tx.put(ROOT, format!("k{client}"), i as i64)?,
                            }
                            Ok::<_, automerge::AutomergeError>(())
                        })
                        .expect("edit");
                    }
                }
                Step::Read { client, k } => self.read(client, k),
                Step::Say { client } => {
                    self.say(client);
                }
                Step::Rejoin { client, keep } => {
                    let conn = client as ConnId;
                    self.relay.detach(conn);
                    self.inbox[client].clear();
                    self.relay.attach(conn, format!("peer-{conn}"), client == 3);
                    let state = &mut self.clients[client].state;
                    *state = if keep {
                        sync::State::decode(&state.encode()).expect("state")
                    } else {
                        sync::State::new()
                    };
                }
                Step::Settle => self.settle(),
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        /// Whatever the clients do, in whatever order their frames arrive,
        /// every answer the fast path gives is automerge's (checked as it
        /// goes), and everyone ends with the same document.
        #[test]
        fn the_fast_path_answers_as_automerge_in_any_conversation(
            steps in proptest::collection::vec(step(), 1..80)
        ) {
            let mut room = Room::new();
            for step in &steps {
                room.run(step);
                // What a client's session hands its home: the changes after
                // the heads the home holds, some of them maybe unapplied
                // here. With them, each client's copy is the relay's.
                for client in &room.clients {
                    let since = client.doc.get_heads();
                    let Some(bytes) = room.relay.changes_after(&since) else {
                        continue;
                    };
                    let sent = if bytes.is_empty() {
                        0
                    } else {
                        guard::chunks(&bytes).expect("whole chunks").len()
                    };
                    let mut copy = client.doc.clone();
                    copy.load_incremental(&bytes).expect("the changes load");
                    proptest::prop_assert_eq!(sorted(&copy.get_heads()), sorted(&room.relay.heads()));
                    proptest::prop_assert_eq!(
                        copy.get_changes(&[]).len(),
                        client.doc.get_changes(&[]).len() + sent,
                        "only what the client lacks"
                    );
                }
            }
            room.settle();
            let heads = room.relay.heads();
            for client in &room.clients {
                proptest::prop_assert_eq!(client.doc.get_heads(), heads.clone());
            }
        }
    }

    /// A typist's keystrokes are kept without being applied first, applied
    /// in batches, and what the store holds loads into the same document.
    #[test]
    fn keystrokes_are_kept_unapplied_and_applied_in_batches() {
        let mut room = Room::new();
        for _ in 0..(FLUSH_CHANGES + 100) {
            room.run(&Step::Write {
                client: 0,
                n: 1,
                at: usize::MAX,
            });
            room.settle();
        }
        // Another writer types into the same text now and then.
        for _ in 0..20 {
            room.run(&Step::Write {
                client: 1,
                n: 1,
                at: 3,
            });
            room.run(&Step::Write {
                client: 0,
                n: 2,
                at: usize::MAX,
            });
            room.settle();
        }
        let (typed, batches) = room.relay.typed_calls();
        assert!(
            typed >= FLUSH_CHANGES as u64 + 100,
            "{typed} kept unapplied"
        );
        assert!(batches >= 1, "{batches} batches");
        let heads = room.relay.heads();
        for client in &room.clients {
            assert_eq!(client.doc.get_heads(), heads);
        }
        let chunks: Vec<(String, Vec<u8>)> = room.store.clone().into_iter().collect();
        let stored = DocSync::load(&id(), "relay", chunks).expect("the store loads");
        assert_eq!(sorted(&stored.heads()), sorted(&heads));
        // Applied, the relay's own copy is the same.
        let mut out = Vec::new();
        room.relay.flush(&mut out).expect("flush");
        assert_eq!(sorted(&room.relay.doc().get_heads()), sorted(&heads));
    }

    /// Should a batch ever fail to apply, its chunks are deleted and the
    /// document is reported broken (the relay loads it again).
    #[test]
    fn a_batch_that_does_not_apply_is_deleted_from_the_store() {
        let mut room = Room::new();
        room.run(&Step::Write {
            client: 0,
            n: 1,
            at: 0,
        });
        room.settle();
        // A change whose dependency the relay never had: Automerge only
        // queues it, the heads do not move as promised.
        let mut elsewhere = Automerge::new();
        elsewhere.transact(|tx| tx.put(ROOT, "a", 1)).expect("edit");
        elsewhere.transact(|tx| tx.put(ROOT, "b", 2)).expect("edit");
        let orphan = elsewhere.get_last_local_change().expect("change").clone();
        room.relay.pending_heads = vec![orphan.hash()];
        room.relay.pending = vec![orphan];
        room.relay.pending_keys = vec!["doc/incremental/x".into()];
        let mut out = Vec::new();
        let result = room.relay.flush(&mut out);
        assert!(matches!(result, Err(DocError::Broken(_))), "{result:?}");
        assert!(
            out.iter()
                .any(|e| matches!(e, Effect::Delete(key) if key == "doc/incremental/x"))
        );
    }

    #[test]
    fn changes_checked_on_the_lent_document_make_the_same_conversation() {
        assert_same(&conversation(true, false), &conversation(true, true));
    }

    #[test]
    fn a_request_for_an_empty_document_is_unavailable_until_someone_brings_it() {
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        relay.attach(1, "asker".into(), false);
        let mut asker = Client::new();
        let mut out = Vec::new();
        let request = asker.say().expect("request");
        relay
            .receive(1, Ask::Request, request, None, &mut out)
            .expect("request");
        let frames = sends_to(&out, 1);
        assert_eq!(frames.len(), 1);
        let env = wire::decode(&frames[0]).expect("frame");
        assert_eq!(env.kind, wire::MessageType::DocUnavailable);

        // Someone brings it: the asker, still attached, gets it.
        relay.attach(2, "bringer".into(), false);
        let mut clients = vec![Client::new(), asker, Client::new()];
        clients[2]
            .doc
            .transact(|tx| tx.put(ROOT, "title", "Charte"))
            .expect("edit");
        out.clear();
        converge(&mut relay, &mut clients, &mut out);
        assert_eq!(clients[1].doc.get_heads(), clients[2].doc.get_heads());
    }

    #[test]
    fn incrementals_fold_into_a_snapshot() {
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        relay.attach(0, "typist".into(), false);
        let mut clients = vec![Client::new()];
        let mut out = Vec::new();
        for i in 0..(MAX_INCREMENTALS + 3) {
            clients[0]
                .doc
                .transact(|tx| tx.put(ROOT, "n", i as i64))
                .expect("edit");
            converge(&mut relay, &mut clients, &mut out);
        }
        relay.compact(&mut out).expect("compact");
        // Replay the writes as the store would: the survivors are one
        // snapshot, and it loads as the typist's document.
        let mut store = std::collections::BTreeMap::new();
        for effect in &out {
            match effect {
                Effect::Put { key, value, .. } => {
                    store.insert(key.clone(), value.clone());
                }
                Effect::Delete(k) => {
                    store.remove(k);
                }
                Effect::Send(..) => {}
            }
        }
        assert_eq!(store.len(), 1, "{:?}", store.keys().collect::<Vec<_>>());
        let again = DocSync::load(&id(), "relay", store.into_iter().collect()).expect("loads");
        assert_eq!(again.heads(), clients[0].doc.get_heads());
    }

    /// A long document is not saved whole every 64 edits (that would cost
    /// each edit in proportion to the document): only once the edits'
    /// chunks weigh half as much as its snapshot, and number one per 64 of
    /// its ops.
    #[test]
    fn a_long_document_is_snapshot_once_its_edits_weigh_half_as_much() {
        let mut typist = Client::with_actor(1);
        // 40,000 characters that compress badly, in one change: its
        // snapshot weighs more than 64 edits twice over.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let long: String = (0..40_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'a' + (x % 26) as u8)
            })
            .collect();
        let text = typist
            .doc
            .transact(|tx| {
                let text = tx.put_object(ROOT, "text", automerge::ObjType::Text)?;
                tx.splice_text(&text, 0, 0, &long)?;
                Ok::<_, automerge::AutomergeError>(text)
            })
            .expect("seed")
            .result;
        let seed = typist.doc.save();
        let snapshot = seed.len();
        let mut relay = DocSync::load(
            &id(),
            "relay",
            vec![(format!("{}/snapshot/seed", id()), seed)],
        )
        .expect("load");
        relay.attach(0, "typist".into(), false);
        let mut clients = vec![typist];
        let mut out = Vec::new();
        converge(&mut relay, &mut clients, &mut out);
        let mut written = 0;
        for edit in 1..=2_000 {
            out.clear();
            clients[0]
                .doc
                .transact(|tx| tx.splice_text(&text, edit, 0, "z"))
                .expect("edit");
            converge(&mut relay, &mut clients, &mut out);
            // One batch or snapshot per 64 of the document's ops: here
            // about 625 edits apart.
            let spacing = (40_000 + edit) / 64;
            for effect in &out {
                if let Effect::Put { key, value, .. } = effect {
                    if key.contains("/snapshot/") {
                        assert!(edit >= spacing, "a snapshot at edit {edit}");
                        assert!(
                            written >= snapshot / 2,
                            "a snapshot after {written} bytes of edits (snapshot: {snapshot})"
                        );
                        return;
                    }
                    written += value.len();
                }
            }
            assert!(
                edit < spacing + 2 || written < snapshot / 2 + 500,
                "{edit} edits, {written} bytes of edits and no snapshot (snapshot: {snapshot})"
            );
        }
        panic!("no snapshot");
    }

    /// The guard checks every change on the lent document first; should a
    /// message get past it anyway, applying it here is contained too: the
    /// caller hears the document is broken (and reloads it), nothing is
    /// sent, and no panic escapes.
    #[test]
    fn a_message_that_breaks_automerge_is_reported_not_raised() {
        // The 240-byte crasher of security-anchors.md §0 (the relay tests
        // send it over the wire, where the guard refuses it).
        const CRASHER: &str = "856f4a83d45f802e01b40100104a7143ae65df36676b81d0df08a5e95901010000000c010802081108131015133405420a560a57287004710273020001140000010b000001141100010b160002130000020a0000017e0002120100017e6c1708017f7a7f047465787400147f07636c6175736573000b0114010a017f0414017f020a017f037f0014167f000a267f00576520746865206d656d62657273206167726565633063316332633363346335633663376338633920007f017f007f19";
        nous_core::guard::install_panic_hook();
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        let mut clients = vec![Client::new(), Client::new()];
        relay.attach(0, "writer".into(), false);
        relay.attach(1, "reader".into(), false);
        clients[0]
            .doc
            .transact(|tx| {
                let text = tx.put_object(ROOT, "text", automerge::ObjType::Text)?;
                tx.splice_text(&text, 0, 0, "Nous écrivons")
            })
            .expect("edit");
        let mut out = Vec::new();
        converge(&mut relay, &mut clients, &mut out);
        out.clear();

        let mut message = clients[0].say().unwrap_or_else(|| {
            let mut state = sync::State::new();
            clients[0]
                .doc
                .generate_sync_message(&mut state)
                .expect("a message")
        });
        message.changes = vec![hex::decode(CRASHER).expect("hex")].into();
        let broken = relay.receive(0, Ask::Sync, message, None, &mut out);
        assert!(matches!(broken, Err(DocError::Broken(_))), "{broken:?}");
        assert!(
            !out.iter()
                .any(|e| matches!(e, Effect::Send(..) | Effect::Put { .. })),
            "nothing is sent or written: {out:?}"
        );
    }

    #[test]
    fn damaged_chunks_are_refused() {
        let chunks = vec![(format!("{}/snapshot/x", id()), b"not automerge".to_vec())];
        assert!(matches!(
            DocSync::load(&id(), "relay", chunks),
            Err(DocError::Damaged(_))
        ));
    }
}

#[cfg(test)]
mod pieces_tests {
    use super::*;
    use automerge::ROOT;
    use automerge::transaction::Transactable as _;
    use proptest::prelude::*;

    /// A document of `n` changes by one actor.
    fn long_doc(n: usize) -> Automerge {
        let mut doc = Automerge::new().with_actor(automerge::ActorId::from([1u8; 16]));
        for i in 0..n {
            doc.transact(|tx| tx.put(ROOT, format!("k{}", i % 50), i as i64))
                .expect("edit");
        }
        doc
    }

    /// A peer holding the first `k` changes of `full`.
    fn behind(full: &Automerge, k: usize) -> Automerge {
        let mut doc = Automerge::new();
        let first: Vec<automerge::Change> = full.get_changes(&[])[..k]
            .iter()
            .map(|c| (*c).clone())
            .collect();
        doc.apply_changes(first).expect("apply");
        doc
    }

    /// What the relay sent a peer until they agree: per message, its
    /// version, the number of chunks and their bytes.
    fn catch_up(
        relay: &mut DocSync,
        peer: &mut Automerge,
    ) -> Vec<(sync::MessageVersion, usize, usize)> {
        catch_up_as(relay, peer, true)
    }

    /// [`catch_up`]; a peer that is not `v2` sends no flags, as peers that
    /// read only the v1 format.
    fn catch_up_as(
        relay: &mut DocSync,
        peer: &mut Automerge,
        v2: bool,
    ) -> Vec<(sync::MessageVersion, usize, usize)> {
        relay.attach(0, "peer-0".into(), false);
        let mut state = sync::State::new();
        let mut sent = Vec::new();
        for _ in 0..100 {
            let Some(mut message) = peer.generate_sync_message(&mut state) else {
                return sent;
            };
            if !v2 {
                message.flags = None;
            }
            let mut out = Vec::new();
            relay
                .receive(0, Ask::Sync, message, None, &mut out)
                .expect("receive");
            for effect in out {
                if let Effect::Send(_, frame) = effect {
                    let env = wire::decode(&frame).expect("frame");
                    let m = sync::Message::decode(env.data.expect("data")).expect("message");
                    let bytes = m.changes.iter().map(<[u8]>::len).sum();
                    let limits = nous_core::guard::Limits::local_store();
                    let changes: usize = m
                        .changes
                        .iter()
                        .map(|c| {
                            let stats = nous_core::guard::check_caps(c, &limits).expect("chunk");
                            usize::try_from(stats.changes).expect("small")
                        })
                        .sum();
                    sent.push((m.version.clone(), changes, bytes));
                    peer.receive_sync_message(&mut state, m).expect("receive");
                }
            }
        }
        panic!("no end to the catch-up");
    }

    fn relay_of(full: &Automerge, pieces: Pieces) -> DocSync {
        let id = DocId::from_bytes([9; 16]);
        DocSync::load(
            &id,
            "relay",
            vec![(format!("{id}/snapshot/x"), full.save())],
        )
        .expect("load")
        .with_pieces(pieces)
    }

    const SMALL: Pieces = Pieces {
        whole_doc_max_changes: 1_000,
        changes: 200,
        bytes: 4 << 20,
    };

    #[test]
    fn a_peer_behind_a_long_document_gets_what_it_lacks_in_pieces() {
        let full = long_doc(3_000);
        let mut peer = behind(&full, 1_500);
        let sent = catch_up(&mut relay_of(&full, SMALL), &mut peer);
        assert_eq!(peer.get_heads(), full.get_heads());
        // Only what it lacked, never the whole document, each piece
        // within the bound.
        let changes: usize = sent.iter().map(|(_, n, _)| n).sum();
        assert_eq!(changes, 1_500, "{sent:?}");
        assert!(sent.iter().all(|(_, n, _)| *n <= 200), "{sent:?}");
        assert!(
            sent.iter().filter(|(_, n, _)| *n > 0).count() >= 8,
            "{sent:?}"
        );
        // A peer that reads v2 gets each piece as one v2 chunk.
        assert!(
            sent.iter()
                .filter(|(_, n, _)| *n > 0)
                .all(|(v, _, _)| *v == sync::MessageVersion::V2),
            "{sent:?}"
        );
    }

    #[test]
    fn a_peer_that_reads_only_v1_gets_v1_pieces() {
        let full = long_doc(3_000);
        let mut peer = behind(&full, 1_500);
        let sent = catch_up_as(&mut relay_of(&full, SMALL), &mut peer, false);
        assert_eq!(peer.get_heads(), full.get_heads());
        assert_eq!(
            sent.iter().map(|(_, n, _)| n).sum::<usize>(),
            1_500,
            "{sent:?}"
        );
        assert!(
            sent.iter()
                .all(|(v, n, _)| *v == sync::MessageVersion::V1 && *n <= 200),
            "{sent:?}"
        );
    }

    #[test]
    fn a_new_peer_of_a_long_document_gets_it_in_pieces() {
        let full = long_doc(3_000);
        let mut peer = Automerge::new();
        let sent = catch_up(&mut relay_of(&full, SMALL), &mut peer);
        assert_eq!(peer.get_heads(), full.get_heads());
        let changes: usize = sent.iter().map(|(_, n, _)| n).sum();
        assert_eq!(changes, 3_000, "{sent:?}");
        assert!(sent.iter().all(|(_, n, _)| *n <= 200), "{sent:?}");
    }

    #[test]
    fn pieces_are_bounded_in_bytes_too() {
        let full = long_doc(600);
        let mut peer = behind(&full, 100);
        let pieces = Pieces {
            whole_doc_max_changes: 100,
            changes: 10_000,
            bytes: 2_000,
        };
        let sent = catch_up(&mut relay_of(&full, pieces), &mut peer);
        assert_eq!(peer.get_heads(), full.get_heads());
        assert!(sent.iter().all(|(_, _, b)| *b <= 2_000), "{sent:?}");
        assert_eq!(sent.iter().map(|(_, n, _)| n).sum::<usize>(), 500);
    }

    #[test]
    fn a_small_document_is_still_sent_whole() {
        // Automerge's own choice for a short document: a peer that lacks
        // most of it gets it whole, in one compact message.
        let full = long_doc(300);
        let mut peer = behind(&full, 10);
        let sent = catch_up(&mut relay_of(&full, Pieces::default()), &mut peer);
        assert_eq!(peer.get_heads(), full.get_heads());
        assert!(
            sent.iter()
                .any(|(v, n, _)| *v == sync::MessageVersion::V2 && *n == 300),
            "{sent:?}"
        );
    }

    proptest! {
        /// Splitting keeps every change, in order, within both bounds (a
        /// change larger than the byte bound alone in its piece).
        #[test]
        fn split_keeps_the_changes_in_order_within_the_bounds(
            sizes in proptest::collection::vec(1usize..300, 0..60),
            max_changes in 1usize..10,
            max_bytes in 1usize..600,
        ) {
            let changes: Vec<Vec<u8>> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| vec![u8::try_from(i % 251).unwrap_or(0); n])
                .collect();
            let message = sync::Message {
                heads: Vec::new(),
                need: Vec::new(),
                have: Vec::new(),
                changes: changes.clone().into(),
                flags: None,
                version: sync::MessageVersion::V1,
            };
            let pieces = Pieces { whole_doc_max_changes: 0, changes: max_changes, bytes: max_bytes };
            let split = pieces.split(message, false);
            let again: Vec<Vec<u8>> = split
                .iter()
                .flat_map(|m| m.changes.iter().map(<[u8]>::to_vec).collect::<Vec<_>>())
                .collect();
            prop_assert_eq!(again, changes);
            for m in &split {
                prop_assert!(m.changes.len() <= max_changes);
                let bytes: usize = m.changes.iter().map(<[u8]>::len).sum();
                prop_assert!(bytes <= max_bytes || m.changes.len() == 1);
            }
        }
    }
}
