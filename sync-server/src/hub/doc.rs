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
//!   owed an answer (one call).
//!
//! samod 0.16's document actor answers every peer after every message, so
//! an edit and its K acknowledgements cost K × K calls; that, and samod
//! joining every connection to every open document, is why the relay has
//! its own (see ARCHITECTURE.md, "Choices worth knowing").

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use automerge::sync::{self, SyncDoc as _};
use automerge::{Automerge, ChangeHash};
use nous_core::guard::{self, Limits};
use nous_core::ids::{DocId, heads_digest};

use crate::wire;

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

/// Incremental chunks written before they are folded into a snapshot.
const MAX_INCREMENTALS: usize = 64;

struct Peer {
    peer_id: String,
    state: sync::State,
}

/// A document and its clients.
pub struct DocSync {
    id: String,
    relay: String,
    doc: Automerge,
    peers: HashMap<ConnId, Peer>,
    saved_heads: Vec<ChangeHash>,
    snapshots: Vec<String>,
    incrementals: Vec<String>,
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
    /// `<id>/incremental/…`, as [`crate::store::RedbChunks::scan`] gives
    /// them), for a relay whose peer id is `relay`.
    pub fn load(
        id: &DocId,
        relay: &str,
        chunks: Vec<(String, Vec<u8>)>,
    ) -> Result<DocSync, DocError> {
        let id = id.to_string();
        let mut snapshots = Vec::new();
        let mut incrementals = Vec::new();
        let mut bytes = Vec::new();
        let mut later = Vec::new();
        for (key, value) in chunks {
            if key.starts_with(&format!("{id}/snapshot/")) {
                bytes.extend_from_slice(&value);
                snapshots.push(key);
            } else {
                later.extend_from_slice(&value);
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
            peers: HashMap::new(),
            snapshots,
            incrementals,
        })
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

    /// The document's heads.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// A sync message from `conn` (already through the guard).
    pub fn receive(
        &mut self,
        conn: ConnId,
        ask: Ask,
        message: sync::Message,
        out: &mut impl Effects,
    ) -> Result<(), DocError> {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return Ok(());
        };
        let before = self.doc.get_heads();
        let doc = &mut self.doc;
        // The guard applied these changes to its own replica inside its
        // containment first; this one is the second line.
        match std::panic::catch_unwind(AssertUnwindSafe(|| {
            doc.receive_sync_message(&mut peer.state, message)
        })) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(DocError::Broken(e.to_string())),
            Err(_) => return Err(DocError::Broken("automerge panicked".into())),
        }
        let heads = self.doc.get_heads();
        if heads.is_empty() && ask == Ask::Request {
            // Nobody brought it: say so, as automerge-repo peers do. The
            // client stays attached and gets the document if it arrives.
            out.push(Effect::Send(
                conn,
                wire::doc_unavailable(&self.relay, &peer.peer_id, &self.id),
            ));
            return Ok(());
        }
        if heads == before {
            answer(&self.doc, &heads, &self.relay, &self.id, conn, peer, out);
        } else {
            self.save(&heads, out);
            for (&conn, peer) in &mut self.peers {
                answer(&self.doc, &heads, &self.relay, &self.id, conn, peer, out);
            }
        }
        Ok(())
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

    /// Fold the incremental chunks into one snapshot (before unloading).
    pub fn compact(&mut self, out: &mut impl Effects) {
        if self.incrementals.len() + self.snapshots.len() > 1 {
            self.snapshot(out);
        }
    }

    fn save(&mut self, heads: &[ChangeHash], out: &mut impl Effects) {
        if self.incrementals.len() >= MAX_INCREMENTALS {
            self.snapshot(out);
            return;
        }
        let key = format!("{}/incremental/{}", self.id, heads_digest(heads));
        out.push(Effect::Put {
            key: key.clone(),
            value: self.doc.save_after(&self.saved_heads),
            heads: heads.to_vec(),
        });
        self.incrementals.push(key);
        self.saved_heads = heads.to_vec();
    }

    fn snapshot(&mut self, out: &mut impl Effects) {
        let heads = self.doc.get_heads();
        let key = format!("{}/snapshot/{}", self.id, heads_digest(&heads));
        out.push(Effect::Put {
            key: key.clone(),
            value: self.doc.save(),
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
    }
}

/// Whatever `peer` is owed now, as frames (automerge 0.12 may need two
/// messages: after a reset it advertises empty heads, then the real ones).
fn answer(
    doc: &Automerge,
    heads: &[ChangeHash],
    relay: &str,
    id: &str,
    conn: ConnId,
    peer: &mut Peer,
    out: &mut impl Effects,
) {
    while let Some(message) = doc.generate_sync_message(&mut peer.state) {
        let reset = message.heads != heads;
        if reset {
            // The state recorded our real heads as sent although the message
            // advertised none; record what was sent, so the follow-up with
            // the real heads is generated at once.
            peer.state.last_sent_heads.clone_from(&message.heads);
        }
        out.push(Effect::Send(
            conn,
            wire::sync(relay, &peer.peer_id, id, &message.encode()),
        ));
        if !reset {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable as _;
    use automerge::{ROOT, ReadDoc as _};

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
        let mut received = 0;
        for _ in 0..50 {
            let mut quiet = true;
            for (conn, client) in clients.iter_mut().enumerate() {
                let conn = conn as ConnId;
                for frame in sends_to(out, conn) {
                    client.hear(&frame);
                }
            }
            out.retain(|e| !matches!(e, Effect::Send(..)));
            for (conn, client) in clients.iter_mut().enumerate() {
                if let Some(message) = client.say() {
                    quiet = false;
                    received += 1;
                    relay
                        .receive(conn as ConnId, Ask::Sync, message, out)
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
        relay.receive(0, Ask::Sync, edit, &mut out).expect("edit");
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
        relay.receive(2, Ask::Sync, ack, &mut out).expect("ack");
        assert!(
            out.iter().all(|e| matches!(e, Effect::Send(2, _))),
            "{out:?}"
        );
    }

    #[test]
    fn a_request_for_an_empty_document_is_unavailable_until_someone_brings_it() {
        let mut relay = DocSync::load(&id(), "relay", Vec::new()).expect("empty");
        relay.attach(1, "asker".into(), false);
        let mut asker = Client::new();
        let mut out = Vec::new();
        let request = asker.say().expect("request");
        relay
            .receive(1, Ask::Request, request, &mut out)
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
        relay.compact(&mut out);
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

    #[test]
    fn damaged_chunks_are_refused() {
        let chunks = vec![(format!("{}/snapshot/x", id()), b"not automerge".to_vec())];
        assert!(matches!(
            DocSync::load(&id(), "relay", chunks),
            Err(DocError::Damaged(_))
        ));
    }
}
