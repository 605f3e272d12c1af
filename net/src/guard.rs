//! The guard: every frame a client sends is checked here before a document and
//! Automerge see it.
//!
//! In order: the frame's size; its envelope (a bounded CBOR read, see
//! [`crate::wire`]); for sync messages, the Automerge sync message itself
//! (decoded inside the containment, bloom filters and counts capped, see
//! `nous_core::guard::sync_message`); then what the changes it carries may
//! do, which depends on the document and on who sends them:
//!
//! - **no access at all** (an outsider, or a document nobody hosts): the
//!   guard answers `doc-unavailable` itself and no document sees the frame,
//!   so asking costs the relay nothing and a denied document looks exactly
//!   like a missing one;
//! - **read access only** (a public document): the changes are stripped
//!   and the rest of the message goes on; nothing is stored;
//! - **write access**: the message goes on to the document's task, which
//!   has the guard [`Guard::admit`] its changes before anything else: they
//!   are applied to a *scratch copy* of the document (a clone the task
//!   keeps ready) through the caps and the containment of
//!   `nous_core::guard`, and then
//!   - in a **community document**, every change that enters the history
//!     must be written by a device certified in the community (or, for
//!     stock clients, under an actor bound to the sending device, see
//!     [`Registry::may_author`]);
//!   - in a **ledger**, the changes must only add valid records of that
//!     community (`nous_core::ledger::admit_for`); the new records are
//!     verified, stored and the community re-resolved before the message
//!     goes on, so access follows at once.
//!
//!   The scratch copy, checked, becomes the document: Automerge applies a
//!   change in time proportional to the document, so it is applied once.
//! - a new community comes in through [`Guard::register`]
//!   (`POST /register`), by the device that founded it, before its ledger
//!   is synced.
//!
//! Any violation closes that connection with a logged reason and stores
//! nothing: the scratch copy, which may hold part of the refused input, is
//! dropped, and the document is as it was. A change that would panic
//! Automerge, even one waiting for a dependency, panics in the containment
//! on the scratch copy and never reaches the document.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use automerge::{Automerge, ReadDoc as _};
use nous_core::guard::sequence::Advance;
use nous_core::guard::{self, Limits, SequenceError, Sequences};
use nous_core::ids::DocId;
use nous_core::ledger;
use nous_core::record::Payload;

use crate::access::{Access, DocKind, Registry};
use crate::chunks::ChunkStore;
use crate::metrics::Metrics;
use crate::peer::Peer;
use crate::wire::{self, MessageType};

/// Caps on what one client may send, and on what the relay holds for it.
/// Each is a setting (`docs/formats.md`, "Relay limits"); each refusal is
/// counted in `/metrics` under its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardLimits {
    /// One WebSocket frame.
    pub max_frame_bytes: usize,
    /// The changes of one sync message (inflated size, counts, depth).
    pub changes: Limits,
    /// What the relay holds for its clients: the `[limits]` table.
    pub relay: RelayLimits,
}

impl Default for GuardLimits {
    fn default() -> Self {
        GuardLimits {
            max_frame_bytes: 16 << 20,
            changes: Limits {
                max_input_bytes: 16 << 20,
                max_inflated_bytes: 64 << 20,
                // A member's long history reaches the relay whole when the
                // relay lacks a third of it (Automerge's choice, not the
                // client's): bounded by bytes (16 MiB in, 64 MiB inflated)
                // and operations, as a home bounds what it takes in.
                max_chunks: 1_000_000,
                max_changes: 1_000_000,
                max_ops: 20_000_000,
                max_depth: 64,
            },
            relay: RelayLimits::default(),
        }
    }
}

/// How much the relay holds for each client and in all, in bytes, counts
/// and time: the `[limits]` table of the relay's TOML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelayLimits {
    /// Bytes queued for one client's socket: a client that lets more pile
    /// up is disconnected (`too_slow`). One frame always fits.
    pub max_queued_bytes: usize,
    /// Bytes queued for all clients together: past this, a client whose
    /// queue is not empty is disconnected rather than given more.
    pub max_relay_queued_bytes: usize,
    /// Bytes read from one client and not yet handled by its documents:
    /// past this the relay stops reading that client's socket until they
    /// are handled (at least one frame).
    pub max_inflight_bytes: usize,
    /// The same, for all clients together.
    pub max_relay_inflight_bytes: usize,
    /// One ephemeral message (`ephemeral_too_large`, the connection closes).
    pub max_ephemeral_bytes: usize,
    /// Ephemeral messages one client may send per second (a burst of twice
    /// as many); more are dropped (`ephemeral_rate`).
    pub ephemeral_per_sec: u32,
    /// Bytes of changes one client may leave waiting for a dependency in
    /// the documents it writes (`waiting_too_much`, the connection closes).
    pub max_waiting_bytes: usize,
    /// Changes one client may leave waiting.
    pub max_waiting_changes: usize,
    /// Bytes of changes waiting in all documents together.
    pub max_relay_waiting_bytes: usize,
    /// How long a change may wait for its dependency, in seconds; a
    /// document whose changes waited longer drops them (`waiting_expired`),
    /// as it does when their sender disconnects.
    pub max_waiting_secs: u64,
    /// Large messages (over 64 KiB of changes) checked at once, relay-wide:
    /// each may inflate up to `changes.max_inflated_bytes`.
    pub max_large_checks: usize,
}

impl Default for RelayLimits {
    fn default() -> Self {
        RelayLimits {
            max_queued_bytes: 64 << 20,
            max_relay_queued_bytes: 512 << 20,
            max_inflight_bytes: 32 << 20,
            max_relay_inflight_bytes: 256 << 20,
            max_ephemeral_bytes: 64 << 10,
            ephemeral_per_sec: 50,
            // What one message may carry: Automerge's sync leaves the
            // descendants of a change its bloom filter wrongly says the
            // relay has waiting for one more round trip, and a long push
            // (an offline session's typing) has thousands of them.
            max_waiting_bytes: 16 << 20,
            max_waiting_changes: 100_000,
            max_relay_waiting_bytes: 64 << 20,
            max_waiting_secs: 60,
            max_large_checks: 2,
        }
    }
}

/// What to do with a frame that passed.
#[derive(Debug, Clone)]
pub enum Inspected {
    /// Hand it on: the frame, its type, the document it is about and, for
    /// `request` and `sync`, the Automerge sync message (all read once,
    /// here, so the caller need not decode anything again).
    Forward {
        /// The frame as it came.
        frame: Vec<u8>,
        /// Its type.
        kind: MessageType,
        /// Its document, if it names one.
        doc: Option<DocId>,
        /// The sync message (its changes taken out if the sender may not
        /// write; otherwise not yet checked: see [`Guard::admit`]).
        sync: Option<automerge::sync::Message>,
    },
    /// Send this answer back to the client; no document sees the frame.
    Answer(Vec<u8>),
    /// Nothing to do (an ephemeral message about a document the sender may
    /// not see).
    Drop,
}

/// Why a frame closed its connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Refusal {
    /// A stable label (metrics, logs).
    pub reason: &'static str,
    /// What exactly.
    pub detail: String,
    /// For an equivocation: the two changes, kept as evidence.
    pub evidence: Option<Box<Evidence>>,
}

/// Two different changes under one actor and sequence number: the one the
/// document holds and the one a device sent over its authenticated
/// connection. The relay keeps them (`docs/security.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The document.
    pub doc: DocId,
    /// The device whose connection delivered the second change.
    pub sender: nous_core::PublicKey,
    /// The actor both changes claim.
    pub actor: automerge::ActorId,
    /// The sequence number both claim.
    pub seq: u64,
    /// The change the document holds (its bytes as the document gives them
    /// out), if it could be read back.
    pub held: Option<Vec<u8>>,
    /// The second change, as it came.
    pub second: Vec<u8>,
}

impl Evidence {
    /// The stored form (`docs/formats.md`, the relay's `evidence` table):
    /// the sender's key (32 bytes), the held change's length (u32,
    /// big-endian), the held change, then the second change.
    pub fn to_bytes(&self) -> Vec<u8> {
        let held = self.held.as_deref().unwrap_or_default();
        let mut value = Vec::with_capacity(36 + held.len() + self.second.len());
        value.extend_from_slice(self.sender.as_bytes());
        value.extend_from_slice(&u32::try_from(held.len()).unwrap_or(u32::MAX).to_be_bytes());
        value.extend_from_slice(held);
        value.extend_from_slice(&self.second);
        value
    }

    /// Its key: `<doc>/<actor hex>/<seq>`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.doc, self.actor.to_hex_string(), self.seq)
    }
}

fn refuse(reason: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal {
        reason,
        detail: detail.into(),
        evidence: None,
    }
}

/// The guard, shared by every connection.
pub struct Guard {
    registry: Arc<Registry>,
    chunks: Arc<dyn ChunkStore>,
    metrics: Arc<Metrics>,
    limits: GuardLimits,
    open_registration: bool,
    relay_peer: String,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What the changes of one message did.
struct Checked {
    doc: Automerge,
    admitted: usize,
    records: usize,
    advance: Advance,
    queue: Vec<Queued>,
}

/// A change the document holds while it waits for a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    /// The change.
    pub hash: automerge::ChangeHash,
    /// Its size in bytes.
    pub bytes: usize,
}

/// The changes of a message, checked and applied on a scratch copy.
#[derive(Debug)]
pub struct Adopted {
    /// The document with the changes applied, to be taken as the document.
    pub doc: Automerge,
    /// The sequence numbers its actors reached.
    pub advance: Advance,
    /// Every change the document now holds waiting for a dependency (empty:
    /// none waits).
    pub queue: Vec<Queued>,
}

/// What [`Guard::admit`] made of a message's changes.
#[derive(Debug)]
pub enum Admission {
    /// The changes, checked and applied.
    Admitted(Box<Adopted>),
    /// The sender may no longer write (its access changed since
    /// [`Guard::inspect`]): the changes are to be dropped.
    ReadOnly,
}

impl Guard {
    /// A guard over the relay's registry and document store.
    pub fn new(
        registry: Arc<Registry>,
        chunks: Arc<dyn ChunkStore>,
        metrics: Arc<Metrics>,
        limits: GuardLimits,
        open_registration: bool,
        relay_peer: String,
    ) -> Self {
        Guard {
            registry,
            chunks,
            metrics,
            limits,
            open_registration,
            relay_peer,
        }
    }

    /// The caps in force.
    pub fn limits(&self) -> &GuardLimits {
        &self.limits
    }

    /// Check one frame from `who`: pass it on to its document (possibly with
    /// its changes stripped), answer it here, drop it, or (`Err`) close the
    /// connection.
    pub fn inspect(&self, who: &Peer, frame: Vec<u8>) -> Result<Inspected, Refusal> {
        if frame.len() > self.limits.max_frame_bytes {
            return Err(refuse(
                "frame_too_large",
                format!(
                    "{} bytes, limit {}",
                    frame.len(),
                    self.limits.max_frame_bytes
                ),
            ));
        }
        if !self.chunks.healthy() {
            return Err(refuse(
                "store_failed",
                "the relay's store failed; try later",
            ));
        }
        let envelope =
            wire::decode(&frame).map_err(|e| refuse("malformed_message", e.to_string()))?;
        if let Some(sender) = envelope.sender
            && sender != who.peer_id
        {
            // Stock clients pass every ephemeral message they receive on to
            // their other peers unchanged, the original sender included: an
            // echo of what the relay already gossiped. Drop it.
            if envelope.kind == MessageType::Ephemeral {
                return Ok(Inspected::Drop);
            }
            return Err(refuse(
                "wrong_sender",
                format!("senderId {sender} is not this connection's"),
            ));
        }
        if envelope.kind == MessageType::Ephemeral
            && frame.len() > self.limits.relay.max_ephemeral_bytes
        {
            return Err(refuse(
                "ephemeral_too_large",
                format!(
                    "an ephemeral message of {} bytes, limit {}",
                    frame.len(),
                    self.limits.relay.max_ephemeral_bytes
                ),
            ));
        }
        let message_kind = envelope.kind;
        let Some(document) = envelope.document.as_deref() else {
            return Ok(Inspected::Forward {
                frame,
                kind: message_kind,
                doc: None,
                sync: None,
            });
        };
        let doc = DocId::from_bytes(
            document
                .try_into()
                .map_err(|_| refuse("malformed_message", "documentId is not 16 bytes"))?,
        );
        let forward = |frame: Vec<u8>, sync: Option<automerge::sync::Message>| Inspected::Forward {
            frame,
            kind: message_kind,
            doc: Some(doc),
            sync,
        };
        // A document this device may not see is answered here, exactly as
        // one nobody brought is: no document is opened for a peer that may
        // not have it (so asking costs the relay no memory), and nothing
        // tells a denied document from a missing one.
        if self.registry.access(&doc, Some(&who.device)) == Access::Denied {
            return Ok(match envelope.kind {
                MessageType::Request | MessageType::Sync => Inspected::Answer(
                    wire::doc_unavailable(&self.relay_peer, &who.peer_id, &doc.to_string()),
                ),
                _ => Inspected::Drop,
            });
        }
        if !envelope.kind.carries_sync() {
            return Ok(forward(frame, None));
        }
        let data = envelope
            .data
            .ok_or_else(|| refuse("bad_sync_message", "a sync message without data"))?;
        let mut message = guard::sync_message(data, &self.limits.changes)
            .map_err(|e| refuse("bad_sync_message", e.to_string()))?;
        if !message.changes.is_empty() {
            let access = self.registry.access(&doc, Some(&who.device));
            if access != Access::Write {
                if access == Access::Read {
                    self.metrics.reject("write_to_read_only");
                }
                // The rest of the message (heads, needs, bloom filters) goes
                // on, so sync goes on in the other direction.
                message.changes = Vec::<Vec<u8>>::new().into();
            }
        }
        Ok(forward(frame, Some(message)))
    }

    /// Check the changes `device` sent for `doc` on `scratch`, a copy of the
    /// document as it stands (the document itself is not touched): the caps
    /// and containment, then who wrote them (a community document) or what
    /// they add (a ledger). Synchronous and proportional to the document:
    /// the caller runs large inputs on the blocking pool.
    ///
    /// `seqs` are the sequence numbers of the document's actors: the
    /// changes must leave the document one that any fresh peer can load and
    /// sync (see `nous_core::guard::sequence`), and a second change for a
    /// number already taken is refused with the two changes as evidence.
    pub fn admit(
        &self,
        doc: DocId,
        device: &nous_core::PublicKey,
        scratch: Automerge,
        seqs: &Sequences,
        queued: &std::collections::HashSet<automerge::ChangeHash>,
        entries: &[Vec<u8>],
    ) -> Result<Admission, Refusal> {
        if !self.precheck(doc, device, &scratch, seqs, entries)? {
            return Ok(Admission::ReadOnly);
        }
        self.admit_prechecked(doc, device, scratch, seqs, queued, entries)
    }

    /// [`Guard::admit`] for changes [`Guard::precheck`] has already let
    /// through (on the document `scratch` is, before anything was applied).
    pub fn admit_prechecked(
        &self,
        doc: DocId,
        device: &nous_core::PublicKey,
        scratch: Automerge,
        seqs: &Sequences,
        queued: &std::collections::HashSet<automerge::ChangeHash>,
        entries: &[Vec<u8>],
    ) -> Result<Admission, Refusal> {
        if self.registry.access(&doc, Some(device)) != Access::Write {
            return Ok(Admission::ReadOnly);
        }
        let kind = self.registry.kind(&doc);
        let checked = check_changes(
            &Check {
                registry: &self.registry,
                kind,
                id: doc,
                seqs,
                queued,
                limits: &self.limits.changes,
                device,
            },
            scratch,
            entries,
        )
        .map_err(|refused| self.kept(refused))?;
        self.metrics
            .changes_admitted
            .fetch_add(checked.admitted as u64, Ordering::Relaxed);
        self.metrics
            .records_admitted
            .fetch_add(checked.records as u64, Ordering::Relaxed);
        Ok(Admission::Admitted(Box::new(Adopted {
            doc: checked.doc,
            advance: checked.advance,
            queue: checked.queue,
        })))
    }

    /// Whether `device` may write `changes`, vouched for as typing by the
    /// document (`DocSync::vouch`), to `doc`: a community document it may
    /// write, every change under its own actor. Counted as admitted.
    pub fn may_type(
        &self,
        doc: DocId,
        device: &nous_core::PublicKey,
        changes: &[nous_core::guard::Typed],
    ) -> bool {
        if self.registry.access(&doc, Some(device)) != Access::Write {
            return false;
        }
        let DocKind::Content(community) = self.registry.kind(&doc) else {
            return false;
        };
        let authored = changes.iter().all(|typed| {
            self.registry
                .may_author(
                    &community,
                    false,
                    typed.change.actor_id(),
                    &typed.change.hash(),
                    device,
                )
                .is_ok()
        });
        if authored {
            let n = changes.len() as u64;
            self.metrics
                .changes_admitted
                .fetch_add(n, Ordering::Relaxed);
            self.metrics.changes_typed.fetch_add(n, Ordering::Relaxed);
        }
        authored
    }

    /// What [`Guard::admit`] can tell of `entries` without applying them,
    /// `current` being the document as it stands (read, never changed):
    /// whether `device` may write it (false: the changes are to be dropped),
    /// whether a change takes a number its actor already used (refused,
    /// both changes kept as evidence), and whether a change is written under
    /// another device's actor (refused as `forged_actor`). The relay asks this first and then
    /// lends `admit` the document itself rather than a copy, so the
    /// refusals an honest-looking sender meets most leave it untouched.
    pub fn precheck(
        &self,
        doc: DocId,
        device: &nous_core::PublicKey,
        current: &Automerge,
        seqs: &Sequences,
        entries: &[Vec<u8>],
    ) -> Result<bool, Refusal> {
        if self.registry.access(&doc, Some(device)) != Access::Write {
            return Ok(false);
        }
        let limits = &self.limits.changes;
        let kind = self.registry.kind(&doc);
        for entry in entries {
            // The scanner reads who wrote the change and its number; what
            // it cannot read goes on to be refused by the full check.
            let Some(header) = guard::change_header(entry, limits) else {
                continue;
            };
            if current.get_change_meta_by_hash(&header.hash).is_some() {
                continue;
            }
            // A second change for a number already taken: Automerge would
            // refuse it too, but say nothing of what it is; keep both as
            // evidence, once Automerge has decoded it to the same header.
            if seqs.is_taken(&header.actor, header.seq) {
                let Ok(change) = guard::decode_change(entry, limits) else {
                    continue;
                };
                if change.hash() != header.hash {
                    continue;
                }
                let check = Check {
                    registry: &self.registry,
                    kind,
                    id: doc,
                    seqs,
                    queued: &std::collections::HashSet::new(),
                    limits,
                    device,
                };
                return Err(self.kept(equivocation(
                    &check,
                    current,
                    change.actor_id(),
                    change.seq(),
                    entry.clone(),
                )));
            }
            let (community, ledger) = match kind {
                DocKind::Content(community) => (community, false),
                DocKind::Ledger(community) => (community, true),
                DocKind::Unknown => continue,
            };
            if let Err(why) = self.registry.may_author_unbound(
                &community,
                ledger,
                &header.actor,
                &header.hash,
                device,
            ) {
                return Err(refuse(
                    "forged_actor",
                    format!("change {}: {why}", hex::encode(&header.hash.0[..4])),
                ));
            }
        }
        Ok(true)
    }

    /// `refused`, its evidence kept and counted if it has any.
    fn kept(&self, refused: Refusal) -> Refusal {
        if let Some(evidence) = &refused.evidence {
            self.metrics.equivocations.fetch_add(1, Ordering::Relaxed);
            self.chunks.keep_evidence(evidence);
        }
        refused
    }
}

/// What a device may know of one document: its access and the heads the
/// relay holds (None when the relay has never recorded them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocStatus {
    /// The document.
    pub doc: DocId,
    /// Read or write.
    pub access: Access,
    /// The relay's heads.
    pub heads: Option<Vec<automerge::ChangeHash>>,
}

impl Guard {
    /// For each of `docs` the device may read: its access and the relay's
    /// heads, from an index; no document is loaded. Documents the device
    /// may not read are left out, exactly like documents that do not exist.
    pub fn status(&self, device: &nous_core::PublicKey, docs: &[DocId]) -> Vec<DocStatus> {
        let visible: Vec<(DocId, Access)> = docs
            .iter()
            .map(|doc| (*doc, self.registry.access(doc, Some(device))))
            .filter(|(_, access)| *access != Access::Denied)
            .collect();
        let names: Vec<String> = visible.iter().map(|(doc, _)| doc.to_string()).collect();
        let heads = self.chunks.heads(&names);
        visible
            .into_iter()
            .zip(heads)
            .map(|((doc, access), heads)| DocStatus {
                doc,
                access,
                heads: heads.map(|bytes| {
                    bytes
                        .chunks_exact(32)
                        .filter_map(|h| automerge::ChangeHash::try_from(h).ok())
                        .collect()
                }),
            })
            .collect()
    }
}

/// Why a community could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The relay takes no new communities.
    #[error("this relay takes no new communities")]
    Closed,
    /// Not a ledger with a genesis record, or refused by the ledger checks.
    #[error("not a community ledger: {0}")]
    NotALedger(String),
    /// The device is not the one that founded the community.
    #[error("only the device that founded the community may bring it")]
    NotFounder,
    /// The records or the store refused it.
    #[error("{0}")]
    Refused(String),
}

/// What a registration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The community.
    pub community: nous_core::record::CommunityId,
    /// Its ledger document.
    pub ledger: DocId,
    /// False when it was already hosted (nothing changed).
    pub new: bool,
}

impl Guard {
    /// Host a new community: `bytes` is its ledger (a saved document), sent
    /// by the device that signed its genesis record. The records are
    /// verified and stored, and the ledger written to the document store
    /// before any sync of it begins. Asking again is harmless.
    pub async fn register(
        &self,
        device: &nous_core::PublicKey,
        bytes: Vec<u8>,
    ) -> Result<Registered, RegisterError> {
        if !self.open_registration {
            return Err(RegisterError::Closed);
        }
        let registry = self.registry.clone();
        let limits = self.limits.changes;
        let device = *device;
        let checked = tokio::task::spawn_blocking(move || {
            let admitted = ledger::admit(&Automerge::new(), &bytes, &limits)
                .map_err(|e| RegisterError::NotALedger(e.to_string()))?;
            let genesis = admitted
                .new_records
                .iter()
                .find(|r| matches!(r.payload(), Payload::Genesis(_)))
                .ok_or_else(|| RegisterError::NotALedger("no genesis record".into()))?;
            let community = genesis.community();
            if genesis.author() != device {
                return Err(RegisterError::NotFounder);
            }
            let id = ledger::doc_id(&community);
            if registry.hosts(&community) {
                return Ok((community, id, None));
            }
            let admitted = ledger::admit_for(&community, &Automerge::new(), &bytes, &limits)
                .map_err(|e| RegisterError::NotALedger(e.to_string()))?;
            registry
                .add_records(&community, &admitted.new_records)
                .map_err(|e| RegisterError::Refused(e.to_string()))?;
            let heads: Vec<u8> = admitted.doc.get_heads().iter().flat_map(|h| h.0).collect();
            let saved = crate::hub::doc::save_applied(&admitted.doc);
            Ok((community, id, Some((saved, heads))))
        })
        .await
        .map_err(|e| RegisterError::Refused(e.to_string()))??;
        let (community, ledger, saved) = checked;
        let new = saved.is_some();
        if let Some((saved, heads)) = saved {
            self.chunks
                .put(format!("{ledger}/snapshot/registered"), saved)
                .await;
            self.chunks.put_heads(ledger.to_string(), heads).await;
            tracing::info!(community = %community.short(), "relay: now hosting a new community");
        }
        Ok(Registered {
            community,
            ledger,
            new,
        })
    }
}

/// What [`check_changes`] checks against.
struct Check<'a> {
    registry: &'a Registry,
    kind: DocKind,
    id: DocId,
    seqs: &'a Sequences,
    /// The changes already waiting in the document (checked when they came).
    queued: &'a std::collections::HashSet<automerge::ChangeHash>,
    limits: &'a Limits,
    device: &'a nous_core::PublicKey,
}

fn check_changes(
    check: &Check<'_>,
    mut scratch: Automerge,
    entries: &[Vec<u8>],
) -> Result<Checked, Refusal> {
    // A second change for a number already taken was refused by
    // `Guard::precheck`, with its evidence, before this.
    let bytes: Vec<u8> = entries.iter().flatten().copied().collect();
    let (doc, changes, records) = match check.kind {
        DocKind::Content(_) => {
            // Changes may wait for their dependencies (they came out of
            // order): `apply_in_place` keeps them queued in the scratch copy.
            let incoming = guard::apply_in_place(&mut scratch, &bytes, check.limits)
                .map_err(|e| refuse("changes_refused", e.to_string()))?;
            (scratch, incoming.changes, 0)
        }
        DocKind::Ledger(community) => {
            let admitted = ledger::admit_for(&community, &scratch, &bytes, check.limits)
                .map_err(|e| refuse("ledger_refused", e.to_string()))?;
            let changes = admitted
                .new_changes
                .iter()
                .map(|hash| {
                    guard::change_by_hash(&admitted.doc, hash)
                        .ok_or_else(|| refuse("ledger_refused", "a change vanished"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // Who wrote them is checked here, before the records count.
            authors(check, &changes, true)?;
            let advance = sequence(check, &admitted.doc, &changes)?;
            let queue = waiting(check, &admitted.doc, &advance, true)?;
            if !admitted.new_records.is_empty() {
                check
                    .registry
                    .add_records(&community, &admitted.new_records)
                    .map_err(|e| refuse("ledger_refused", e.to_string()))?;
            }
            return Ok(Checked {
                admitted: changes.len(),
                records: admitted.new_records.len(),
                doc: admitted.doc,
                advance,
                queue,
            });
        }
        // Unreachable: an unknown document is denied to everyone, and the
        // guard answers those before any change is looked at.
        DocKind::Unknown => {
            return Err(refuse(
                "unknown_document",
                format!("{} is not a document of a community hosted here", check.id),
            ));
        }
    };
    authors(check, &changes, false)?;
    let advance = sequence(check, &doc, &changes)?;
    let queue = waiting(check, &doc, &advance, false)?;
    Ok(Checked {
        admitted: changes.len(),
        records,
        doc,
        advance,
        queue,
    })
}

/// Every change is written by the device that sent it, or under its
/// signature (see [`Registry::may_author`]).
fn authors(check: &Check<'_>, changes: &[automerge::Change], ledger: bool) -> Result<(), Refusal> {
    let community = match check.kind {
        DocKind::Content(community) | DocKind::Ledger(community) => community,
        DocKind::Unknown => return Ok(()),
    };
    for change in changes {
        if let Err(why) = check.registry.may_author(
            &community,
            ledger,
            change.actor_id(),
            &change.hash(),
            check.device,
        ) {
            return Err(refuse(
                "forged_actor",
                format!("change {}: {why}", hex::encode(&change.hash().0[..4])),
            ));
        }
    }
    Ok(())
}

/// The changes `doc` holds while they wait for a dependency: those that
/// came with this message are held to the same rules as applied ones (their
/// author sent them, their number is not taken), so that nothing waits in a
/// document that would lock out an actor's real change when it comes.
fn waiting(
    check: &Check<'_>,
    doc: &Automerge,
    advance: &Advance,
    ledger: bool,
) -> Result<Vec<Queued>, Refusal> {
    if doc.get_missing_deps(&[]).is_empty() {
        return Ok(Vec::new());
    }
    let queue = guard::queued_changes(doc, check.limits)
        .map_err(|e| refuse("changes_refused", e.to_string()))?;
    let community = match check.kind {
        DocKind::Content(community) | DocKind::Ledger(community) => community,
        DocKind::Unknown => return Ok(Vec::new()),
    };
    let mut seqs = check.seqs.clone();
    seqs.advance(advance.clone());
    let mut taken = std::collections::HashSet::new();
    for change in &queue {
        let hash = change.hash();
        let key = (change.actor_id().clone(), change.seq());
        if !taken.insert(key) {
            return Err(refuse(
                "equivocation",
                format!(
                    "two waiting changes numbered {} for actor {}",
                    change.seq(),
                    change.actor_id()
                ),
            ));
        }
        if check.queued.contains(&hash) {
            continue;
        }
        if let Err(why) =
            check
                .registry
                .may_author(&community, ledger, change.actor_id(), &hash, check.device)
        {
            return Err(refuse(
                "forged_actor",
                format!("waiting change {}: {why}", hex::encode(&hash.0[..4])),
            ));
        }
        if seqs.is_taken(change.actor_id(), change.seq()) {
            return Err(equivocation(
                check,
                doc,
                change.actor_id(),
                change.seq(),
                change.raw_bytes().to_vec(),
            ));
        }
    }
    Ok(queue
        .iter()
        .map(|change| Queued {
            hash: change.hash(),
            bytes: change.raw_bytes().len(),
        })
        .collect())
}

/// The post-conditions of `nous_core::guard::sequence` on the changes `doc`
/// just took in.
fn sequence(
    check: &Check<'_>,
    doc: &Automerge,
    changes: &[automerge::Change],
) -> Result<Advance, Refusal> {
    check.seqs.check(doc, changes).map_err(|error| match error {
        SequenceError::Equivocation { actor, seq, new } => {
            let second = changes
                .iter()
                .find(|c| c.hash() == new)
                .map(|c| c.raw_bytes().to_vec())
                .unwrap_or_default();
            equivocation(check, doc, &actor, seq, second)
        }
        SequenceError::NotCanonical { .. } => refuse("not_canonical", error.to_string()),
        SequenceError::Gap { .. } => refuse("out_of_sequence", error.to_string()),
        SequenceError::Lineage { .. } => refuse("out_of_lineage", error.to_string()),
        SequenceError::Unloadable { .. } => refuse("unloadable", error.to_string()),
    })
}

fn equivocation(
    check: &Check<'_>,
    doc: &Automerge,
    actor: &automerge::ActorId,
    seq: u64,
    second: Vec<u8>,
) -> Refusal {
    let held = Sequences::held(doc, actor, seq).map(|c| c.raw_bytes().to_vec());
    Refusal {
        reason: "equivocation",
        detail: format!("a second change numbered {seq} for actor {actor}; both kept as evidence"),
        evidence: Some(Box::new(Evidence {
            doc: check.id,
            sender: *check.device,
            actor: actor.clone(),
            seq,
            held,
            second,
        })),
    }
}
