//! The guarded path: the only way untrusted bytes reach Automerge.
//!
//! Automerge 0.12 is not a security boundary: some malformed chunks with a
//! valid checksum panic inside it, compressed data inflates without bound, and
//! a few of its functions recurse once per level of object nesting (see
//! `shared/research/security-anchors.md` §0). Every byte that comes from disk,
//! a bundle or the network therefore goes through [`load`] or [`apply`]:
//!
//! 1. **Caps before decoding.** A small scanner of our own walks the chunks
//!    and checks their checksums, the input size, the inflated size (inflating
//!    with a bounded reader), the number of chunks, changes and ops (counting
//!    the rows of the run-length-encoded columns without materialising them)
//!    and the nesting depth of the objects the input creates.
//! 2. **Decoding on a scratch document inside `catch_unwind`.** A panic in
//!    Automerge becomes [`GuardError::Panicked`]; the document the caller holds
//!    is never touched, so nothing is half-applied.
//! 3. **Depth after decoding** for objects created under an object that was
//!    already in the document: the full chain to the root is measured on the
//!    scratch document before it is handed back.
//!
//! Two functions of Automerge are never called, on any data: `hydrate()`
//! (unbounded recursion) and `diff()` (explodes on deep documents). Clippy
//! enforces this through `clippy.toml`.
//!
//! Binaries should call [`install_panic_hook`] once at start-up, so a contained
//! panic is logged through `tracing` instead of being printed as a crash.

#[cfg(test)]
mod bend;
mod elements;
mod scan;
pub mod sequence;
pub mod typing;

use std::sync::Once;

use automerge::{ActorId, Automerge, ChangeHash, LoadOptions, OnPartialLoad, ReadDoc as _};

pub use sequence::{SequenceError, Sequences};
pub use typing::{Typed, Typing};

/// Caps on untrusted input, checked before Automerge decodes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Length of the input.
    pub max_input_bytes: usize,
    /// Total size once compressed chunks and columns are inflated.
    pub max_inflated_bytes: u64,
    /// Number of chunks (a saved document is one; each incremental save adds one).
    pub max_chunks: usize,
    /// Number of changes the input declares.
    pub max_changes: u64,
    /// Number of operations the input declares.
    pub max_ops: u64,
    /// Object nesting depth; the root's children are at depth 1.
    pub max_depth: u32,
}

impl Default for Limits {
    /// Caps for input from other people: bundles and, later, the network.
    fn default() -> Self {
        Limits {
            max_input_bytes: 64 << 20,
            max_inflated_bytes: 256 << 20,
            max_chunks: 100_000,
            max_changes: 2_000_000,
            max_ops: 20_000_000,
            max_depth: 64,
        }
    }
}

impl Limits {
    /// Caps for this device's own store: much larger sizes (a long-lived
    /// document must always reopen), the same depth.
    pub fn local_store() -> Self {
        Limits {
            max_input_bytes: 4 << 30,
            max_inflated_bytes: 16 << 30,
            max_chunks: 10_000_000,
            max_changes: 200_000_000,
            max_ops: 2_000_000_000,
            max_depth: 64,
        }
    }

    fn scan_limits(&self) -> scan::ScanLimits {
        scan::ScanLimits {
            max_input_bytes: self.max_input_bytes,
            max_inflated_bytes: self.max_inflated_bytes,
            max_chunks: self.max_chunks,
            max_changes: self.max_changes,
            max_ops: self.max_ops,
            max_depth: self.max_depth,
        }
    }
}

/// Why untrusted bytes were refused. Whatever the reason, nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// The scanner refused the bytes before Automerge saw them.
    #[error("rejected before decoding: {0}")]
    Rejected(String),
    /// Automerge refused the bytes with an error.
    #[error("not a valid Automerge document or change: {0}")]
    Decode(String),
    /// Automerge panicked on the bytes; the panic was contained.
    #[error("malformed Automerge data (decoder panicked: {0}); nothing was changed")]
    Panicked(String),
    /// Objects nest deeper than [`Limits::max_depth`].
    #[error("objects nest {depth} deep, more than the limit of {max}")]
    TooDeep {
        /// The depth found.
        depth: u32,
        /// The limit.
        max: u32,
    },
    /// The changes depend on changes that are neither in the input nor in
    /// the document.
    #[error("incomplete history: {0} change(s) depend on changes that were not supplied")]
    MissingDependencies(usize),
}

/// What [`apply`] produced.
#[derive(Debug)]
pub struct Applied {
    /// The base document with the new changes applied.
    pub doc: Automerge,
    /// The hashes of the changes that were new to the base document.
    pub new_changes: Vec<ChangeHash>,
    /// The same changes, as the document gives them out.
    pub changes: Vec<automerge::Change>,
}

/// What a scan found, for logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct InputStats {
    /// Chunks in the input.
    pub chunks: usize,
    /// Change chunks (compressed or not) in the input: one change each.
    pub change_chunks: u64,
    /// Changes the input declares.
    pub changes: u64,
    /// Operations the input declares.
    pub ops: u64,
    /// Size after inflation.
    pub inflated_bytes: u64,
}

/// Load a whole document (a saved document, optionally followed by change
/// chunks) from untrusted bytes. The loaded document writes as `actor`.
pub fn load(bytes: &[u8], limits: &Limits, actor: ActorId) -> Result<Automerge, GuardError> {
    load_with_stats(bytes, limits, actor).map(|(doc, _)| doc)
}

/// [`load`], also returning what the scan counted (changes, ops, sizes).
pub fn load_with_stats(
    bytes: &[u8],
    limits: &Limits,
    actor: ActorId,
) -> Result<(Automerge, InputStats), GuardError> {
    let report = pre_scan(bytes, limits)?;
    let mut doc = contained(|| {
        Automerge::load_with_options(
            bytes,
            LoadOptions::new().on_partial_load(OnPartialLoad::Error),
        )
    })?
    .map_err(|error| GuardError::Decode(error.to_string()))?;
    let missing = doc.get_missing_deps(&[]);
    if !missing.is_empty() {
        return Err(GuardError::MissingDependencies(missing.len()));
    }
    check_dangling(&doc, &report, limits)?;
    doc.set_actor(actor);
    Ok((doc, stats(&report)))
}

/// Apply untrusted bytes (a saved document or change chunks) on top of
/// `base`, returning a new document. `base` itself is never modified: on
/// any error the caller still holds exactly what it had.
pub fn apply(base: &Automerge, bytes: &[u8], limits: &Limits) -> Result<Applied, GuardError> {
    let report = pre_scan(bytes, limits)?;
    let before = base.get_heads();
    let (doc, outcome) = contained(|| {
        let mut scratch = base.clone();
        let outcome = scratch.load_incremental(bytes);
        (scratch, outcome)
    })?;
    outcome.map_err(|error| GuardError::Decode(error.to_string()))?;
    let missing = doc.get_missing_deps(&[]);
    if !missing.is_empty() {
        return Err(GuardError::MissingDependencies(missing.len()));
    }
    check_dangling(&doc, &report, limits)?;
    let changes: Vec<automerge::Change> = if doc.get_heads() == before {
        Vec::new()
    } else {
        contained(|| doc.get_changes(&before))?
            .into_iter()
            .map(|change| change.to_owned())
            .collect()
    };
    let new_changes = changes.iter().map(|change| change.hash()).collect();
    Ok(Applied {
        doc,
        new_changes,
        changes,
    })
}

/// [`apply`], given a **witness**: a document that already holds `base`
/// with `bytes` applied, as a live session's own copy does after taking in
/// a peer's sync message (Automerge applied the same changes there, on the
/// same code path). When the witness is exactly that — it holds every one
/// of `base`'s heads, waits for nothing, and the changes it holds beyond
/// them are exactly the change chunks of `bytes`, hash for hash — it is
/// taken as the scratch document instead of applying `bytes` to a copy of
/// `base` again, a walk of the whole document per received edit. The caps,
/// the depth of what the bytes create, and what the caller checks
/// afterwards are the same; the witness takes `base`'s actor. A witness
/// that is not exactly that (it lacks something of `base`'s, holds a
/// change the bytes do not, or the bytes hold a saved document) is
/// dropped and the bytes are applied as [`apply`] does: a witness can
/// spare work, never bring in a change.
pub fn apply_witnessed(
    base: &Automerge,
    bytes: &[u8],
    witness: Automerge,
    limits: &Limits,
) -> Result<Applied, GuardError> {
    let report = pre_scan(bytes, limits)?;
    match witnessed(base, &report, witness)? {
        Some(applied) => {
            check_dangling(&applied.doc, &report, limits)?;
            Ok(applied)
        }
        None => apply(base, bytes, limits),
    }
}

/// The witness as [`apply`]'s result, if it is exactly `base` with the
/// scanned change chunks.
fn witnessed(
    base: &Automerge,
    report: &scan::ScanReport,
    mut witness: Automerge,
) -> Result<Option<Applied>, GuardError> {
    if report.document_chunks != 0 || report.headers.len() != report.change_chunks {
        return Ok(None);
    }
    let before = base.get_heads();
    if before
        .iter()
        .any(|head| witness.get_change_by_hash(head).is_none())
        || !witness.get_missing_deps(&[]).is_empty()
    {
        return Ok(None);
    }
    let changes: Vec<automerge::Change> = contained(|| witness.get_changes(&before))?
        .into_iter()
        .map(|change| change.to_owned())
        .collect();
    let declared: std::collections::BTreeSet<[u8; 32]> =
        report.headers.iter().map(|header| header.hash).collect();
    let held: std::collections::BTreeSet<[u8; 32]> =
        changes.iter().map(|change| change.hash().0).collect();
    // The bytes may repeat a change the base holds already (a peer resends
    // what it is unsure of): those are not new, and the witness holds them
    // among the base's.
    let new_declared: std::collections::BTreeSet<[u8; 32]> = declared
        .iter()
        .filter(|hash| base.get_change_by_hash(&ChangeHash(**hash)).is_none())
        .copied()
        .collect();
    if held != new_declared {
        return Ok(None);
    }
    witness.set_actor(base.get_actor().clone());
    let new_changes = changes.iter().map(|change| change.hash()).collect();
    Ok(Some(Applied {
        doc: witness,
        new_changes,
        changes,
    }))
}

/// What [`apply_in_place`] did.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// Changes that entered the document's history, in causal order. Besides
    /// the input's own, this includes changes that were waiting for a
    /// dependency the input supplied.
    pub new_changes: Vec<ChangeHash>,
    /// The same changes as the document now gives them out to its peers
    /// (Automerge re-encodes a change from its operations).
    pub changes: Vec<automerge::Change>,
    /// Whether changes are waiting for dependencies nobody has supplied yet.
    pub waiting: bool,
}

/// Apply untrusted bytes to `doc` itself, without the copy [`apply`] makes:
/// for a caller that keeps a disposable replica and can rebuild it (the
/// relay's guard). The same caps and containment apply. Changes whose
/// dependencies are missing wait inside `doc`, as they would in any
/// Automerge document, and are checked when they are applied.
///
/// **After an error, `doc` may hold part of the input or be inconsistent:
/// the caller must drop it.**
pub fn apply_in_place(
    doc: &mut Automerge,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Incoming, GuardError> {
    let report = pre_scan(bytes, limits)?;
    let before = doc.get_heads();
    let outcome = contained(|| doc.load_incremental(bytes))?;
    outcome.map_err(|error| GuardError::Decode(error.to_string()))?;
    check_dangling(doc, &report, limits)?;
    let waiting = !doc.get_missing_deps(&[]).is_empty();
    let changes = if doc.get_heads() == before {
        Vec::new()
    } else {
        contained(|| doc.get_changes(&before))?
    };
    Ok(Incoming {
        new_changes: changes.iter().map(automerge::Change::hash).collect(),
        changes,
        waiting,
    })
}

/// Decode one change chunk from untrusted bytes: the caps and scan first,
/// then Automerge's decoder inside the containment. Nothing is applied.
pub fn decode_change(bytes: &[u8], limits: &Limits) -> Result<automerge::Change, GuardError> {
    pre_scan(bytes, limits)?;
    contained(|| automerge::Change::from_bytes(bytes.to_vec()))?
        .map_err(|error| GuardError::Decode(error.to_string()))
}

/// What the header of one change chunk says: enough to tell who wrote it
/// and which number it takes, without Automerge decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeHeader {
    /// The change's hash, as Automerge names it.
    pub hash: ChangeHash,
    /// Its actor.
    pub actor: ActorId,
    /// Its sequence number.
    pub seq: u64,
}

/// Read the header of one change chunk from untrusted bytes with the
/// guard's own scanner (the caps and the checksum checked, the hash
/// computed), without handing anything to Automerge: much cheaper than
/// [`decode_change`], for checks made before applying. `None` when `bytes`
/// is not exactly one change chunk (a document chunk, say) or does not pass
/// the scan. Automerge may still refuse a change whose header reads well.
pub fn change_header(bytes: &[u8], limits: &Limits) -> Option<ChangeHeader> {
    let report = pre_scan(bytes, limits).ok()?;
    let [header] = <[scan::Header; 1]>::try_from(report.headers).ok()?;
    (report.chunks == 1).then(|| ChangeHeader {
        hash: ChangeHash(header.hash),
        actor: ActorId::from(header.actor),
        seq: header.seq,
    })
}

/// Whether `doc`, which took in untrusted bytes, saves and loads again with
/// the same heads: Automerge 0.12 accepts some mutated documents and
/// changes whose own save does not load ("mismatching heads", "missing
/// ops"; `docs/security.md`, F1), and a home that kept one could never open
/// that document again. Proportional to the document: for imports, not for
/// every keystroke.
pub fn saves_and_loads(doc: &Automerge) -> Result<(), GuardError> {
    let saved = contained(|| doc.save())?;
    let loaded = contained(|| Automerge::load(&saved))?.map_err(|error| {
        GuardError::Rejected(format!("it does not load again once saved: {error}"))
    })?;
    if loaded.get_heads() != doc.get_heads() {
        return Err(GuardError::Rejected(
            "it loads again with other heads once saved".into(),
        ));
    }
    Ok(())
}

/// The changes `doc` holds while they wait for a dependency, decoded. Automerge
/// keeps no public list of them, but appends them to a full save as change
/// chunks after the document chunk; this reads them back from there, through
/// the caps. Proportional to the document: for when something waits
/// (`doc.get_missing_deps(&[])` is not empty).
pub fn queued_changes(
    doc: &Automerge,
    limits: &Limits,
) -> Result<Vec<automerge::Change>, GuardError> {
    let saved = contained(|| doc.save())?;
    let mut at = 0;
    let mut out = Vec::new();
    while at < saved.len() {
        let rest = &saved[at..];
        let (kind, len) = scan::chunk_header(rest)
            .ok_or_else(|| GuardError::Decode("a saved document does not read back".into()))?;
        let chunk = &rest[..len];
        at += len;
        // 0: the document itself; 1, 2: a change, plain or compressed.
        if kind != 0 {
            out.push(decode_change(chunk, limits)?);
        }
    }
    Ok(out)
}

/// The chunks `bytes` holds, one after the other, read from their headers
/// alone (`None` if the bytes are not whole chunks): a v2 sync message
/// carries its changes joined in one entry.
pub fn chunks(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut rest = bytes;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (_, len) = scan::chunk_header(rest)?;
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    Some(out)
}

/// A change of a document that passed the guard, as the document gives it
/// out (re-encoded from its operations, inside the containment).
pub fn change_by_hash(doc: &Automerge, hash: &ChangeHash) -> Option<automerge::Change> {
    contained(|| doc.get_change_by_hash(hash)).ok().flatten()
}

/// Decode an Automerge sync message from untrusted bytes, inside the
/// containment, and refuse what would hurt whoever answers it: more than
/// [`Limits::max_input_bytes`], more than [`MAX_SYNC_HASHES`] heads or needs,
/// or a bloom filter with parameters no honest peer sends (zero bits or
/// probes, which divide by zero when the filter is queried, or billions of
/// probes, which allocate gigabytes). The changes it carries are not decoded
/// here: they go through [`apply`] or [`apply_in_place`].
pub fn sync_message(data: &[u8], limits: &Limits) -> Result<automerge::sync::Message, GuardError> {
    if data.len() > limits.max_input_bytes {
        return Err(GuardError::Rejected(format!(
            "sync message of {} bytes, more than the limit of {}",
            data.len(),
            limits.max_input_bytes
        )));
    }
    let message = contained(|| automerge::sync::Message::decode(data))?
        .map_err(|error| GuardError::Decode(error.to_string()))?;
    if message.heads.len() > MAX_SYNC_HASHES || message.need.len() > MAX_SYNC_HASHES {
        return Err(GuardError::Rejected("too many heads or needs".into()));
    }
    if message.have.len() > MAX_SYNC_HASHES {
        return Err(GuardError::Rejected("too many bloom filters".into()));
    }
    // A hash named twice in one list is no honest peer's, and a repeated
    // need makes Automerge 0.12 panic when it next answers (found by the
    // long fuzz run: `docs/security.md`, F2).
    let repeated = |hashes: &[ChangeHash]| {
        let mut seen = std::collections::HashSet::with_capacity(hashes.len());
        !hashes.iter().all(|h| seen.insert(*h))
    };
    if repeated(&message.heads)
        || repeated(&message.need)
        || message.have.iter().any(|have| repeated(&have.last_sync))
    {
        return Err(GuardError::Rejected(
            "a change hash named twice in one list".into(),
        ));
    }
    for have in &message.have {
        if have.last_sync.len() > MAX_SYNC_HASHES {
            return Err(GuardError::Rejected(
                "too many heads in a bloom filter".into(),
            ));
        }
        check_bloom(&have.bloom.to_bytes())?;
    }
    let declared: usize = message.changes.iter().map(<[u8]>::len).sum();
    if declared > limits.max_input_bytes {
        return Err(GuardError::Rejected(
            "changes larger than the input limit".into(),
        ));
    }
    Ok(message)
}

/// The caps alone, without decoding: what [`apply`] checks before it lets
/// Automerge see the bytes (sizes, counts, the nesting the input declares).
/// For a receiver that cannot apply the bytes itself and hands them on.
pub fn check_caps(bytes: &[u8], limits: &Limits) -> Result<InputStats, GuardError> {
    pre_scan(bytes, limits).map(|report| stats(&report))
}

/// Heads, needs or bloom filters one sync message may carry.
pub const MAX_SYNC_HASHES: usize = 10_000;

/// A bloom filter's header: entries, bits per entry, probes (LEB128 each).
fn check_bloom(bytes: &[u8]) -> Result<(), GuardError> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut rest = bytes;
    let mut fields = [0u64; 3];
    for field in &mut fields {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let (&byte, tail) = rest
                .split_first()
                .ok_or_else(|| GuardError::Rejected("truncated bloom filter".into()))?;
            rest = tail;
            if shift > 56 {
                return Err(GuardError::Rejected("bloom filter field too long".into()));
            }
            value |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        *field = value;
    }
    let [entries, bits_per_entry, probes] = fields;
    let sane = entries > 0
        && (1..=64).contains(&bits_per_entry)
        && (1..=64).contains(&probes)
        && !rest.is_empty();
    if sane {
        Ok(())
    } else {
        Err(GuardError::Rejected(format!(
            "bloom filter with {entries} entries, {bits_per_entry} bits each and {probes} probes"
        )))
    }
}

fn stats(report: &scan::ScanReport) -> InputStats {
    InputStats {
        chunks: report.chunks,
        change_chunks: report.change_chunks as u64,
        changes: report.changes,
        ops: report.ops,
        inflated_bytes: report.inflated_bytes,
    }
}

fn pre_scan(bytes: &[u8], limits: &Limits) -> Result<scan::ScanReport, GuardError> {
    scan::scan(bytes, &limits.scan_limits()).map_err(|error| match error {
        scan::ScanError::TooDeep { depth, max } => GuardError::TooDeep { depth, max },
        other => GuardError::Rejected(other.to_string()),
    })
}

/// Objects created under an object the input did not create: measure the
/// whole chain to the root on the decoded scratch document.
fn check_dangling(
    doc: &Automerge,
    report: &scan::ScanReport,
    limits: &Limits,
) -> Result<(), GuardError> {
    for (parent, below) in &report.dangling {
        let text = format!("{}@{}", parent.counter, hex::encode(&parent.actor));
        let Ok(parent_id) = doc.import_obj(&text) else {
            continue;
        };
        // `parents` yields one entry per level above the object, root
        // included, so its count is the parent's own depth.
        let above = match doc.parents(&parent_id) {
            Ok(parents) => parents.take(limits.max_depth as usize + 1).count(),
            Err(_) => continue,
        };
        let depth = u32::try_from(above)
            .unwrap_or(u32::MAX)
            .saturating_add(*below);
        if depth > limits.max_depth {
            return Err(GuardError::TooDeep {
                depth,
                max: limits.max_depth,
            });
        }
    }
    Ok(())
}

/// Run `f`, turning a panic into [`GuardError::Panicked`].
fn contained<T>(f: impl FnOnce() -> T) -> Result<T, GuardError> {
    crate::contain::contain(f).map_err(|message| {
        tracing::warn!(%message, "automerge panicked on untrusted input; contained");
        GuardError::Panicked(message)
    })
}

/// Install a panic hook that keeps contained panics (Automerge on hostile
/// input, redb on a damaged file) off stderr: they are reported as errors
/// and logged through `tracing`. Every other panic goes to the hook that was
/// installed before. Idempotent.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !crate::contain::is_containing() {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{ObjType, ROOT, transaction::Transactable as _};

    /// A change chunk with a valid checksum that panics `apply_changes` in
    /// Automerge 0.12.0 ("Missing from Index"); from security-anchors.md.
    pub(crate) const CRASHER: &str = "856f4a83d45f802e01b40100104a7143ae65df36676b81d0df08a5e95901010000000c010802081108131015133405420a560a57287004710273020001140000010b000001141100010b160002130000020a0000017e0002120100017e6c1708017f7a7f047465787400147f07636c6175736573000b0114010a017f0414017f020a017f037f0014167f000a267f00576520746865206d656d62657273206167726565633063316332633363346335633663376338633920007f017f007f19";

    fn actor() -> ActorId {
        ActorId::from(&[1u8; 32][..])
    }

    #[test]
    fn a_hash_named_twice_in_a_sync_message_is_refused_before_automerge_answers_it() {
        use automerge::sync::{Message, MessageVersion, SyncDoc as _};
        let mut doc = sample();
        let held = doc.get_heads()[0];
        let message = Message {
            heads: vec![held],
            need: vec![held, held],
            have: Vec::new(),
            changes: Vec::<Vec<u8>>::new().into(),
            flags: None,
            version: MessageVersion::V1,
        };
        let bytes = message.encode();
        assert!(matches!(
            sync_message(&bytes, &Limits::default()),
            Err(GuardError::Rejected(_))
        ));
        // Unguarded, Automerge 0.12 takes it and panics when it answers.
        let decoded = Message::decode(&bytes).expect("it decodes");
        let mut state = automerge::sync::State::new();
        let answered = crate::contain::contain(|| {
            let _ = doc.receive_sync_message(&mut state, decoded);
            doc.generate_sync_message(&mut state).map(|m| m.encode())
        });
        assert!(answered.is_err(), "Automerge answered: {answered:?}");
    }

    fn sample() -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from(&[2u8; 32][..]));
        doc.transact(|tx| {
            let text = tx.put_object(ROOT, "text", ObjType::Text)?;
            tx.splice_text(&text, 0, 0, "Nous écrivons 🌍")?;
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("edit");
        doc
    }

    #[test]
    fn crasher_fixture_is_an_error_not_a_panic() {
        install_panic_hook();
        let bytes = hex::decode(CRASHER).expect("hex");
        let base = sample();
        let heads = base.get_heads();
        let error = apply(&base, &bytes, &Limits::default()).expect_err("must be refused");
        assert!(
            matches!(
                error,
                GuardError::Panicked(_) | GuardError::Decode(_) | GuardError::Rejected(_)
            ),
            "{error}"
        );
        assert_eq!(base.get_heads(), heads, "the base document is untouched");
        assert!(load(&bytes, &Limits::default(), actor()).is_err());
    }

    #[test]
    fn a_saved_document_loads_and_keeps_its_content() {
        let doc = sample();
        let loaded = load(&doc.save(), &Limits::default(), actor()).expect("load");
        assert_eq!(loaded.get_heads(), doc.get_heads());
        assert_eq!(loaded.get_actor(), &actor());
    }

    #[test]
    fn apply_reports_only_new_changes_and_is_idempotent() {
        let base = sample();
        let mut other = base.fork();
        other
            .transact(|tx| {
                tx.put(ROOT, "k", "v")?;
                Ok::<_, automerge::AutomergeError>(())
            })
            .expect("edit");
        let applied = apply(&base, &other.save(), &Limits::default()).expect("apply");
        assert_eq!(applied.new_changes.len(), 1);
        let again = apply(&applied.doc, &other.save(), &Limits::default()).expect("apply");
        assert!(again.new_changes.is_empty());
        assert_eq!(again.doc.get_heads(), applied.doc.get_heads());
    }

    #[test]
    fn truncated_and_flipped_documents_are_errors() {
        install_panic_hook();
        let bytes = sample().save();
        for cut in 0..bytes.len() {
            assert!(load(&bytes[..cut], &Limits::default(), actor()).is_err());
        }
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[index] ^= 1 << bit;
                let _ = load(&flipped, &Limits::default(), actor());
            }
        }
    }

    #[test]
    fn oversized_input_is_refused_before_decoding() {
        let bytes = sample().save();
        let limits = Limits {
            max_input_bytes: bytes.len() - 1,
            ..Limits::default()
        };
        assert!(matches!(
            load(&bytes, &limits, actor()),
            Err(GuardError::Rejected(_))
        ));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut doc = Automerge::new();
        doc.transact(|tx| {
            let mut obj = ROOT;
            for _ in 0..100 {
                obj = tx.put_object(&obj, "m", ObjType::Map)?;
            }
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("edit");
        assert!(matches!(
            load(&doc.save(), &Limits::default(), actor()),
            Err(GuardError::TooDeep { .. })
        ));
    }

    #[test]
    fn deep_nesting_added_on_top_of_an_existing_object_is_refused() {
        let mut doc = Automerge::new();
        let mut obj = ROOT;
        doc.transact(|tx| {
            for _ in 0..40 {
                obj = tx.put_object(&obj, "m", ObjType::Map)?;
            }
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("edit");
        let base = load(&doc.save(), &Limits::default(), actor()).expect("40 deep is fine");
        let heads = doc.get_heads();
        doc.transact(|tx| {
            for _ in 0..40 {
                obj = tx.put_object(&obj, "m", ObjType::Map)?;
            }
            Ok::<_, automerge::AutomergeError>(())
        })
        .expect("edit");
        let increment = doc.save_after(&heads);
        assert!(matches!(
            apply(&base, &increment, &Limits::default()),
            Err(GuardError::TooDeep { .. })
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The scanner reads a change's header exactly as Automerge decodes
        /// it, compressed (large) or not, and reads nothing from what is not
        /// one change chunk.
        #[test]
        fn a_change_header_is_what_automerge_decodes(
            edits in proptest::collection::vec((0usize..3, proptest::string::string_regex("[a-zé€ ]{0,400}").expect("regex")), 1..8),
            actor_byte in 1u8..255,
        ) {
            let mut doc = Automerge::new().with_actor(ActorId::from(&[actor_byte; 16][..]));
            let limits = Limits::default();
            for (key, text) in &edits {
                doc.transact(|tx| {
                    let field = tx.put_object(ROOT, ["a", "b", "c"][*key], ObjType::Text)?;
                    tx.splice_text(&field, 0, 0, text)
                })
                .expect("edit");
            }
            let changes = doc.get_changes(&[]);
            for change in &changes {
                let mut change = change.clone();
                for bytes in [change.raw_bytes().to_vec(), change.bytes().to_vec()] {
                    let decoded = decode_change(&bytes, &limits).expect("decodes");
                    let header = change_header(&bytes, &limits).expect("a header");
                    proptest::prop_assert_eq!(header.hash, decoded.hash());
                    proptest::prop_assert_eq!(&header.actor, decoded.actor_id());
                    proptest::prop_assert_eq!(header.seq, decoded.seq());
                }
            }
            proptest::prop_assert_eq!(change_header(&doc.save(), &limits), None);
            let two: Vec<u8> = changes.iter().take(2).flat_map(|c| c.raw_bytes().to_vec()).collect();
            proptest::prop_assert_eq!(change_header(&two, &limits).is_some(), changes.len() == 1);
            let mut mangled = changes[0].raw_bytes().to_vec();
            let last = mangled.len() - 1;
            mangled[last] ^= 1;
            proptest::prop_assert_eq!(change_header(&mangled, &limits), None);
        }
    }

    /// Every change of a history three writers made, syncing now and then,
    /// in an order Automerge can apply.
    fn history(edits: &[(u8, usize, String, bool)]) -> Vec<automerge::Change> {
        let mut writers: Vec<Automerge> = (1..=3u8)
            .map(|n| Automerge::new().with_actor(ActorId::from(&[n; 16][..])))
            .collect();
        for (writer, field, text_typed, sync) in edits {
            let writer = usize::from(*writer);
            if *sync {
                for other in 0..writers.len() {
                    if other != writer {
                        let theirs = writers[other].get_changes(&[]);
                        writers[writer].apply_changes(theirs).expect("merge");
                    }
                }
            }
            writers[writer]
                .transact(|tx| {
                    let field = ["a", "b", "c"][*field];
                    let text = match tx.get(ROOT, field)? {
                        Some((_, id)) => id,
                        None => tx.put_object(ROOT, field, ObjType::Text)?,
                    };
                    tx.splice_text(&text, 0, 0, text_typed)
                })
                .expect("edit");
        }
        let mut all = Automerge::new();
        for writer in &writers {
            all.apply_changes(writer.get_changes(&[])).expect("merge");
        }
        all.get_changes(&[])
    }

    fn doc_of(changes: &[automerge::Change]) -> Automerge {
        let mut doc = Automerge::new().with_actor(actor());
        doc.apply_changes(changes.iter().cloned()).expect("apply");
        doc
    }

    fn texts(doc: &Automerge) -> Vec<Option<String>> {
        ["a", "b", "c"]
            .iter()
            .map(|field| {
                doc.get(ROOT, *field)
                    .expect("get")
                    .map(|(_, id)| doc.text(&id).expect("text"))
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::engine::tests::case_count(64)))]

        /// A witness is taken only when it is exactly the base with the
        /// bytes' changes; exact or not, the result is what applying the
        /// bytes to the base gives, and nothing the bytes do not hold gets
        /// in.
        #[test]
        fn a_witness_gives_what_applying_the_bytes_gives(
            edits in proptest::collection::vec(
                (0u8..3, 0usize..3, proptest::string::string_regex("[a-z]{1,4}").expect("regex"), proptest::bool::weighted(0.4)),
                1..14,
            ),
            cut in 0.0f64..1.0,
            span in 0.0f64..1.0,
            resend in proptest::bool::ANY,
            kind in 0u8..4,
        ) {
            let changes = history(&edits);
            let shared = ((changes.len() as f64) * cut) as usize;
            let sent = shared + (((changes.len() - shared) as f64) * span).ceil() as usize;
            proptest::prop_assume!(sent > shared && sent <= changes.len());
            let base = doc_of(&changes[..shared]);
            let mut bytes: Vec<u8> = Vec::new();
            if resend && shared > 0 {
                bytes.extend_from_slice(changes[shared - 1].raw_bytes());
            }
            for change in &changes[shared..sent] {
                bytes.extend_from_slice(change.raw_bytes());
            }
            let witness = match kind {
                // Exactly the base with the bytes.
                0 => doc_of(&changes[..sent]),
                // One change more than the bytes hold.
                1 if sent < changes.len() => doc_of(&changes[..=sent]),
                // One of the bytes' changes missing.
                2 => doc_of(&changes[..sent - 1]),
                // The base's last change missing (others may wait for it).
                3 if shared > 0 => {
                    let mut doc = Automerge::new();
                    let _ = doc.apply_changes(
                        changes[..sent].iter().enumerate().filter(|(i, _)| *i != shared - 1).map(|(_, c)| c.clone()),
                    );
                    doc
                }
                _ => doc_of(&changes[..sent]),
            };
            let exact = witness.get_heads() == doc_of(&changes[..sent]).get_heads()
                && witness.get_missing_deps(&[]).is_empty();
            let limits = Limits::default();
            let report = pre_scan(&bytes, &limits).expect("scan");
            let taken = witnessed(&base, &report, witness.clone()).expect("no panic");
            proptest::prop_assert_eq!(taken.is_some(), exact);

            let applied = apply(&base, &bytes, &limits).expect("apply");
            let given = apply_witnessed(&base, &bytes, witness, &limits).expect("apply with a witness");
            proptest::prop_assert_eq!(given.doc.get_heads(), applied.doc.get_heads());
            proptest::prop_assert_eq!(texts(&given.doc), texts(&applied.doc));
            proptest::prop_assert_eq!(given.doc.get_actor(), base.get_actor());
            let set = |hashes: &[ChangeHash]| hashes.iter().copied().collect::<std::collections::BTreeSet<_>>();
            proptest::prop_assert_eq!(set(&given.new_changes), set(&applied.new_changes));
            let given_changes: Vec<ChangeHash> = given.changes.iter().map(automerge::Change::hash).collect();
            proptest::prop_assert_eq!(set(&given_changes), set(&applied.new_changes));
        }
    }
}
