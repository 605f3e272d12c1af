//! A live document's sync answers without Automerge's walks over the whole
//! history.
//!
//! Automerge 0.12's `receive_sync_message` walks every ancestor of the
//! heads a peer sends (to drop from the peer's state what it now has),
//! whatever the state holds, and `generate_sync_message` computes vector
//! clocks and collects changes out of the document: at 50,000 changes,
//! 1.5 ms and 0.5 ms a call (measured), on every edit and every
//! acknowledgement. Yet a live document's conversation only ever names its
//! recent past: the heads it had a few edits ago, and the changes since.
//!
//! [`Recent`] keeps that past: the heads the document had after each
//! change of heads (marks) and, since the oldest mark kept, every change in
//! the order Automerge holds them, with its dependencies and its bytes as
//! Automerge gives them out. [`Recent::receive`] and [`Recent::generate`]
//! then do what Automerge's two calls do, field for field and byte for
//! byte, whenever all they need is in it, and say so (`None`, the state
//! untouched) otherwise: the caller asks Automerge. Tests hold every answer
//! to Automerge's (`DocSync::verify_fast`).
//!
//! Why a mark is enough: the heads a document had at some moment cover
//! every change it held then, so the changes "since" them (Automerge counts
//! by vector clock) are exactly those applied after, in the order applied.
//! That holds because no change admitted later takes a sequence number its
//! actor had already used (the guard's `Sequences`).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use automerge::sync::{self, BloomFilter, Capability, Have, Message, MessageFlags, MessageVersion};
use automerge::{Automerge, ChangeHash, ReadDoc as _};

/// The most changes kept.
const MAX_CHANGES: usize = 2_048;
/// The most bytes of changes kept (a copy: bounded per open document).
const MAX_BYTES: usize = 2 << 20;
/// The most marks kept.
const MAX_MARKS: usize = 512;

/// The document's recent past (see the module's documentation).
pub(super) struct Recent {
    /// Oldest first; the last is the document's heads now.
    marks: VecDeque<Mark>,
    /// Every change applied since the first mark, in Automerge's order.
    log: VecDeque<Logged>,
    /// The position of `log[0]` in the document (changes before it).
    first: usize,
    /// Each logged change's position.
    at: HashMap<ChangeHash, usize>,
    /// Bytes of the logged changes.
    bytes: usize,
}

struct Mark {
    /// Sorted.
    heads: Vec<ChangeHash>,
    /// How many changes the document held then.
    at: usize,
}

struct Logged {
    hash: ChangeHash,
    deps: Vec<ChangeHash>,
    bytes: Vec<u8>,
}

/// `heads` sorted, without repeats.
pub(super) fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut heads = heads.to_vec();
    heads.sort_unstable();
    heads.dedup();
    heads
}

impl Recent {
    /// Starting from the document as it stands.
    pub(super) fn start(doc: &Automerge) -> Recent {
        let held = usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX);
        Recent {
            marks: VecDeque::from([Mark {
                heads: sorted(&doc.get_heads()),
                at: held,
            }]),
            log: VecDeque::new(),
            first: held,
            at: HashMap::new(),
            bytes: 0,
        }
    }

    /// Whether what `doc` took in since this past's last mark is few enough
    /// to be recorded (more is a catch-up: start afresh after it rather
    /// than copy it all).
    pub(super) fn within_reach(&self, doc: &Automerge) -> bool {
        let held = usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX);
        held.saturating_sub(self.held()) <= MAX_CHANGES
    }

    /// How many marks and changes are kept (tests).
    #[cfg(test)]
    pub(super) fn kept(&self) -> (usize, usize) {
        (self.marks.len(), self.log.len())
    }

    /// How many changes the document holds (those not applied yet
    /// included).
    pub(super) fn held(&self) -> usize {
        self.first + self.log.len()
    }

    /// The document went from heads `before` to its heads now, taking in
    /// `changes` (`doc.get_changes(before)`, which the caller asks only when
    /// [`Recent::within_reach`]). False if `before` was not the last mark
    /// (the caller starts afresh).
    #[must_use]
    pub(super) fn record(
        &mut self,
        before: &[ChangeHash],
        doc: &Automerge,
        changes: &[automerge::Change],
    ) -> bool {
        if self.marks.back().is_none_or(|m| m.heads != sorted(before)) {
            return false;
        }
        let held = usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX);
        for change in changes {
            self.log(change);
        }
        if self.held() != held {
            // Not what the document counts: never seen, but the answers
            // would be wrong; start afresh.
            return false;
        }
        self.marks.push_back(Mark {
            heads: sorted(&doc.get_heads()),
            at: self.held(),
        });
        self.trim();
        true
    }

    /// The document went from heads `before` to `after` by one change it
    /// holds without having applied it yet (vouched for by the guard's
    /// `Typing`, applied later in a batch, in the order recorded). False if
    /// `before` was not the last mark (the caller starts afresh once the
    /// change is applied).
    #[must_use]
    pub(super) fn record_unapplied(
        &mut self,
        before: &[ChangeHash],
        change: &automerge::Change,
        after: &[ChangeHash],
    ) -> bool {
        if self.marks.back().is_none_or(|m| m.heads != sorted(before)) {
            return false;
        }
        self.log(change);
        self.marks.push_back(Mark {
            heads: sorted(after),
            at: self.held(),
        });
        self.trim();
        true
    }

    /// One more change, after those logged.
    fn log(&mut self, change: &automerge::Change) {
        let hash = change.hash();
        self.at.insert(hash, self.held());
        self.bytes += change.raw_bytes().len();
        self.log.push_back(Logged {
            hash,
            deps: change.deps().to_vec(),
            bytes: change.raw_bytes().to_vec(),
        });
    }

    /// Drop the oldest marks and changes past the bounds.
    fn trim(&mut self) {
        while self.marks.len() > 1
            && (self.log.len() > MAX_CHANGES
                || self.bytes > MAX_BYTES
                || self.marks.len() > MAX_MARKS)
        {
            self.marks.pop_front();
            let from = self.marks.front().map_or(self.held(), |m| m.at);
            while self.first < from {
                let Some(gone) = self.log.pop_front() else {
                    break;
                };
                self.bytes -= gone.bytes.len();
                self.at.remove(&gone.hash);
                self.first += 1;
            }
        }
    }

    /// Whether the document holds `hash` (applied).
    fn has(&self, doc: &Automerge, hash: &ChangeHash) -> bool {
        self.at.contains_key(hash) || doc.get_change_meta_by_hash(hash).is_some()
    }

    /// The changes Automerge counts as not covered by `heads`, in its
    /// order, if `heads` is a mark (`None` otherwise).
    fn since(&self, heads: &[ChangeHash]) -> Option<std::collections::vec_deque::Iter<'_, Logged>> {
        let heads = sorted(heads);
        if heads.is_empty() {
            // Everything: known if the log holds everything.
            return (self.first == 0).then(|| self.log.range(..));
        }
        let mark = self.marks.iter().rev().find(|m| m.heads == heads)?;
        Some(self.log.range(mark.at - self.first..))
    }

    fn logged(&self, hash: &ChangeHash) -> Option<&Logged> {
        let at = self.at.get(hash)?;
        self.log.get(at - self.first)
    }

    /// Whether the document's heads (`heads`, its changes not yet applied
    /// included) are the last mark.
    fn current(&self, heads: &[ChangeHash]) -> Option<Vec<ChangeHash>> {
        (self.marks.back()?.heads == sorted(heads)).then(|| heads.to_vec())
    }

    /// What `receive_sync_message` does to `state` for `message`, whose
    /// changes (if any) the document already holds, applied, its queue of
    /// changes waiting for a dependency empty. `None`, the state untouched,
    /// when it needs more than this knows.
    pub(super) fn receive(
        &self,
        doc: &Automerge,
        heads: &[ChangeHash],
        state: &mut sync::State,
        message: &Message,
    ) -> Option<()> {
        let before = self.current(heads)?;
        let reset = message
            .flags
            .is_some_and(|f| f.contains(MessageFlags::SYNC_RESET));
        // The hashes sent that the peer's heads now cover: found among the
        // changes since the oldest of them (a change's ancestors come
        // before it in the document's order).
        let mut covered = Vec::new();
        if !reset && !state.sent_hashes.is_empty() {
            let mut oldest = usize::MAX;
            for hash in &state.sent_hashes {
                oldest = oldest.min(*self.at.get(hash)?);
            }
            let mut seen = HashSet::new();
            let mut stack: Vec<ChangeHash> = message
                .heads
                .iter()
                .filter(|h| self.at.get(h).is_some_and(|&at| at >= oldest))
                .copied()
                .collect();
            while let Some(hash) = stack.pop() {
                if !seen.insert(hash) {
                    continue;
                }
                if state.sent_hashes.contains(&hash) {
                    covered.push(hash);
                }
                if let Some(logged) = self.logged(&hash) {
                    stack.extend(
                        logged
                            .deps
                            .iter()
                            .filter(|d| self.at.get(d).is_some_and(|&at| at >= oldest)),
                    );
                }
            }
        }
        let known: Vec<ChangeHash> = message
            .heads
            .iter()
            .filter(|h| self.has(doc, h))
            .copied()
            .collect();

        state.in_flight = false;
        if let Some(flags) = message.flags {
            let mut caps = vec![Capability::MessageV2];
            if flags.contains(MessageFlags::SUPPORTS_SYNC_RESET) {
                caps.push(Capability::SyncReset);
            }
            state.their_capabilities = Some(caps);
            if reset {
                state.sent_hashes.clear();
            }
            state.peer_read_only = flags.contains(MessageFlags::READ_ONLY);
        }
        let changes_empty = message.changes.is_empty();
        if !changes_empty && !state.read_only {
            // Already applied: Automerge's heads before and after are the
            // same, and the shared heads keep those that are still heads.
            let heads: HashSet<&ChangeHash> = before.iter().collect();
            let kept: BTreeSet<ChangeHash> = state
                .shared_heads
                .iter()
                .filter(|h| heads.contains(h))
                .copied()
                .collect();
            state.shared_heads = kept.into_iter().collect();
        }
        for hash in covered {
            state.sent_hashes.remove(&hash);
        }
        if changes_empty && message.heads == before {
            state.last_sent_heads.clone_from(&message.heads);
        }
        if known.len() == message.heads.len() {
            state.shared_heads.clone_from(&message.heads);
            if message.heads.is_empty() {
                state.last_sent_heads = Vec::new();
                state.sent_hashes = BTreeSet::new();
            }
        } else {
            let shared: BTreeSet<ChangeHash> =
                state.shared_heads.iter().chain(&known).copied().collect();
            state.shared_heads = shared.into_iter().collect();
        }
        state.their_have = Some(message.have.clone());
        state.their_heads = Some(message.heads.clone());
        state.their_need = Some(message.need.clone());
        Some(())
    }

    /// What `generate_sync_message` says to `state` (and does to it), the
    /// document's queue of changes waiting for a dependency empty. `None`,
    /// the state untouched, when it needs more than this knows.
    pub(super) fn generate(
        &self,
        doc: &Automerge,
        heads: &[ChangeHash],
        state: &mut sync::State,
    ) -> Option<Option<Message>> {
        let ours = self.current(heads)?;
        if state.needs_reset {
            return None;
        }
        let need: Vec<ChangeHash> = if state.read_only {
            Vec::new()
        } else {
            let missing: BTreeSet<ChangeHash> = state
                .their_heads
                .iter()
                .flatten()
                .filter(|h| !self.has(doc, h))
                .copied()
                .collect();
            missing.into_iter().collect()
        };
        // What we need is among their heads (it is what of them we lack),
        // so we always say what we have since our last sync.
        let have = vec![Have {
            last_sync: state.shared_heads.clone(),
            bloom: BloomFilter::from_hashes(self.since(&state.shared_heads)?.map(|l| l.hash)),
        }];
        if let Some(first) = state.their_have.as_ref().and_then(|h| h.first())
            && !first.last_sync.iter().all(|h| self.has(doc, h))
        {
            // Automerge answers with a reset.
            return None;
        }
        let v2 = state
            .their_capabilities
            .as_ref()
            .is_some_and(|caps| caps.contains(&Capability::MessageV2));
        let mut send: Vec<&Logged> = Vec::new();
        if !state.peer_read_only
            && let (Some(their_have), Some(their_need)) = (&state.their_have, &state.their_need)
        {
            if v2 && state.their_heads.as_deref() == Some(&[]) {
                // Automerge sends the whole document.
                return None;
            }
            for hash in self.to_send(doc, their_have, their_need)? {
                if !state.sent_hashes.contains(&hash) {
                    send.push(self.logged(&hash)?);
                }
            }
            if v2 && send.len() > self.held() / 3 {
                // Automerge sends the whole document.
                return None;
            }
        }
        if state.last_sent_heads == ours && state.have_responded {
            let equal = state.their_heads.as_ref() == Some(&ours);
            if (equal || state.read_only) && send.is_empty() {
                return Some(None);
            }
            if state.in_flight {
                return Some(None);
            }
        }
        state.have_responded = true;
        state.last_sent_heads.clone_from(&ours);
        state.sent_hashes.extend(send.iter().map(|l| l.hash));
        let mut flags = MessageFlags::new();
        flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
        if state.read_only {
            flags.set(MessageFlags::READ_ONLY);
        }
        let (changes, version) = if v2 {
            let joined: Vec<u8> = send.iter().flat_map(|l| l.bytes.iter().copied()).collect();
            let chunks = if joined.is_empty() {
                Vec::new()
            } else {
                vec![joined]
            };
            (chunks, MessageVersion::V2)
        } else {
            let chunks = send.iter().map(|l| l.bytes.clone()).collect();
            (chunks, MessageVersion::V1)
        };
        state.in_flight = true;
        Some(Some(Message {
            heads: ours,
            need,
            have,
            changes: changes.into(),
            flags: Some(flags),
            version,
        }))
    }

    /// The hashes Automerge sends a peer that has `have` and needs `need`
    /// (`get_hashes_to_send`), if every one is known here.
    fn to_send(
        &self,
        doc: &Automerge,
        have: &[Have],
        need: &[ChangeHash],
    ) -> Option<Vec<ChangeHash>> {
        let need: Vec<ChangeHash> = need.iter().filter(|h| self.has(doc, h)).copied().collect();
        if have.is_empty() {
            return Some(need);
        }
        let last_sync: HashSet<ChangeHash> = have
            .iter()
            .flat_map(|h| h.last_sync.iter().copied())
            .collect();
        let last_sync: Vec<ChangeHash> = last_sync.into_iter().collect();
        let since = self.since(&last_sync)?;
        let mut dependents: HashMap<ChangeHash, Vec<ChangeHash>> = HashMap::new();
        let mut to_send = HashSet::new();
        for logged in since.clone() {
            for dep in &logged.deps {
                dependents.entry(*dep).or_default().push(logged.hash);
            }
            if have.iter().all(|h| !h.bloom.contains_hash(&logged.hash)) {
                to_send.insert(logged.hash);
            }
        }
        let mut stack: Vec<ChangeHash> = to_send.iter().copied().collect();
        while let Some(hash) = stack.pop() {
            for dependent in dependents.get(&hash).into_iter().flatten() {
                if to_send.insert(*dependent) {
                    stack.push(*dependent);
                }
            }
        }
        let mut hashes: Vec<ChangeHash> =
            need.into_iter().filter(|h| !to_send.contains(h)).collect();
        hashes.extend(since.filter(|l| to_send.contains(&l.hash)).map(|l| l.hash));
        Some(hashes)
    }
}
