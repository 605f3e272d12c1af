//! Signed records: the governance acts of a community, as exact bytes.
//!
//! A record is a kind, the community it belongs to, the device that signed
//! it, the records it builds on (its parents, which make the records of a
//! community a DAG), an informational timestamp, a JSON payload and an
//! ed25519 signature. Its id is the SHA-256 of its bytes. The layout is
//! specified byte for byte in `docs/records.md`; in short:
//!
//! ```text
//! "NREC" 0x01                    magic and format version
//! u8 len, kind                    ASCII, e.g. "amendment.submit"
//! [32] community                  genesis id (all zero in the genesis itself)
//! [32] author                     device public key
//! u64 BE timestamp                milliseconds since the Unix epoch
//! u16 BE n, n × [32] parents      strictly ascending record ids
//! u32 BE len, payload             UTF-8 JSON object
//! [64] signature                  over "nous/record/v1/" kind 0x00 community body
//! ```
//!
//! where `body` is every byte before the signature. The kind and the community
//! are both in the signed domain, so a signature cannot be replayed as
//! another kind of act or in another community. Records are verified from
//! their exact bytes and never re-serialised: decoding keeps the bytes, and
//! the id and signature are computed over them.

mod names;
mod participation;
mod payload;
mod rule_text;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha256, Sha512};

pub use names::UnknownName;
pub use payload::*;
pub use rule_text::{ActRule, RuleSyntaxError};

use crate::identity::{DeviceKey, PublicKey, Signature};

/// First bytes of every record: magic and format version.
pub const MAGIC: &[u8; 5] = b"NREC\x01";
/// Prefix of the signed message (the signature domain).
pub const DOMAIN: &[u8] = b"nous/record/v1/";
/// Largest payload accepted, in bytes.
pub const MAX_PAYLOAD: usize = 64 * 1024;
/// Most parents a record may cite.
pub const MAX_PARENTS: usize = 256;
/// Longest kind name.
pub const MAX_KIND: usize = 32;
/// Largest record accepted, in bytes.
pub const MAX_RECORD: usize =
    MAGIC.len() + 1 + MAX_KIND + 32 + 32 + 8 + 2 + 32 * MAX_PARENTS + 4 + MAX_PAYLOAD + 64;

/// Prefix of what an invitation's key signs to prove an application holds it.
pub const INVITATION_DOMAIN: &[u8] = b"nous/invitation/v1\0";

/// What an invitation's key signs for an applicant: the domain, the
/// community, the invitation record and the applicant's device key, so a
/// proof is good for one applicant, one invitation, one community.
pub fn invitation_proof_message(
    community: &CommunityId,
    invitation: &RecordId,
    applicant: &PublicKey,
) -> Vec<u8> {
    let mut message = Vec::with_capacity(INVITATION_DOMAIN.len() + 96);
    message.extend_from_slice(INVITATION_DOMAIN);
    message.extend_from_slice(&community.0);
    message.extend_from_slice(&invitation.0);
    message.extend_from_slice(applicant.as_bytes());
    message
}

/// The proof an applicant's record carries: the invitation `key`'s
/// signature for `applicant` (hex).
pub fn invitation_proof(
    key: &DeviceKey,
    community: &CommunityId,
    invitation: &RecordId,
    applicant: &PublicKey,
) -> String {
    hex::encode(
        key.sign(&invitation_proof_message(community, invitation, applicant))
            .0,
    )
}

/// Whether `proof` is the invitation `key`'s signature for `applicant`.
pub fn invitation_proof_holds(
    key: &PublicKey,
    community: &CommunityId,
    invitation: &RecordId,
    applicant: &PublicKey,
    proof: &str,
) -> bool {
    let Ok(bytes) = hex::decode(proof) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    key.is_sound()
        && key.verify(
            &invitation_proof_message(community, invitation, applicant),
            &Signature(bytes),
        )
}

/// The id of a record: SHA-256 of its bytes. Written as 64 hex characters,
/// abbreviated to 12 in tables.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub [u8; 32]);

impl RecordId {
    /// The id of these record bytes.
    pub fn of(bytes: &[u8]) -> Self {
        RecordId(Sha256::digest(bytes).into())
    }

    /// The first 12 hex characters.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..6])
    }

    /// The zero id (the community field of a genesis record).
    pub const ZERO: RecordId = RecordId([0; 32]);
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", self.short())
    }
}

impl FromStr for RecordId {
    type Err = RecordError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        hex32(s)
            .map(RecordId)
            .ok_or_else(|| RecordError::BadId(s.chars().take(80).collect()))
    }
}

/// 32 bytes from exactly 64 hex digits (either case, as `hex` reads them),
/// by table: a community's first act reads every record, and an
/// attestation names ten change hashes.
pub(crate) fn hex32(text: &str) -> Option<[u8; 32]> {
    const BAD: u8 = 0xff;
    const DIGITS: [u8; 256] = {
        let mut table = [BAD; 256];
        let mut i = 0;
        while i < 10 {
            table[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            table[b'a' as usize + i] = 10 + i as u8;
            table[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        table
    };
    let digits: &[u8; 64] = text.as_bytes().try_into().ok()?;
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = (DIGITS[usize::from(pair[0])], DIGITS[usize::from(pair[1])]);
        if high == BAD || low == BAD {
            return None;
        }
        *byte = high << 4 | low;
    }
    Some(out)
}

impl serde::Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The id of a community: the id of its genesis record.
pub type CommunityId = RecordId;

/// Why bytes are not a valid record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Shorter than its fields say, or longer.
    #[error("record is truncated or has trailing bytes")]
    Length,
    /// Wrong magic or version.
    #[error("not a Nous record (bad magic or unsupported version)")]
    Magic,
    /// The kind is not one this version knows.
    #[error("unknown record kind `{0}`")]
    UnknownKind(String),
    /// Parents not strictly ascending, or too many.
    #[error("record parents must be strictly ascending and at most {MAX_PARENTS}")]
    Parents,
    /// Over a size cap.
    #[error("record is too large ({0} bytes)")]
    TooLarge(usize),
    /// The payload does not parse for this kind.
    #[error("payload of a `{kind}` record is invalid: {detail}")]
    Payload {
        /// The record kind.
        kind: &'static str,
        /// What serde said.
        detail: String,
    },
    /// A genesis record names a community, or another record does not.
    #[error("community field is inconsistent with the record kind")]
    Community,
    /// The payload parses but is not written the canonical way (compact
    /// JSON, fields in order, lowercase hex, sorted sets).
    #[error("payload of a `{0}` record is not in canonical form")]
    NotCanonical(&'static str),
    /// The signature does not verify (strictly) against the author key.
    #[error("signature does not verify")]
    Signature,
    /// Not a record id.
    #[error("`{0}` is not a record id (64 hex characters)")]
    BadId(String),
}

/// A decoded record. Cheap to clone: everything is shared (a community's
/// records are copied whole by every resolve and every cached community).
#[derive(Clone)]
pub struct Record(Arc<Fields>);

/// What a [`Record`] shares among its copies.
struct Fields {
    bytes: Box<[u8]>,
    id: RecordId,
    community: CommunityId,
    author: PublicKey,
    timestamp: u64,
    parents: Vec<RecordId>,
    payload: Payload,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Record({} {} by {})",
            self.kind().name(),
            self.0.id.short(),
            self.0.author.short()
        )
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}
impl Eq for Record {}

/// The fields of a record before it is signed.
#[derive(Debug, Clone)]
pub struct Unsigned {
    /// The community (ignored for a genesis record, which founds one).
    pub community: CommunityId,
    /// Milliseconds since the Unix epoch, as the author's clock says.
    pub timestamp: u64,
    /// The records this one builds on (sorted and deduplicated on signing).
    pub parents: Vec<RecordId>,
    /// The act.
    pub payload: Payload,
}

impl Record {
    /// Encode and sign a record with a device key.
    pub fn sign(key: &DeviceKey, unsigned: Unsigned) -> Result<Record, RecordError> {
        let kind = unsigned.payload.kind();
        let community = if kind == Kind::Genesis {
            RecordId::ZERO
        } else {
            unsigned.community
        };
        let mut parents = unsigned.parents;
        parents.sort_unstable();
        parents.dedup();
        if parents.len() > MAX_PARENTS {
            return Err(RecordError::Parents);
        }
        let payload = unsigned.payload.to_json();
        if payload.len() > MAX_PAYLOAD {
            return Err(RecordError::TooLarge(payload.len()));
        }
        let name = kind.name().as_bytes();
        // Exactly the record's length: no growing, no shrinking into its box.
        let mut body = Vec::with_capacity(
            MAGIC.len()
                + 1
                + name.len()
                + 32
                + 32
                + 8
                + 2
                + 32 * parents.len()
                + 4
                + payload.len()
                + 64,
        );
        body.extend_from_slice(MAGIC);
        body.push(name.len() as u8);
        body.extend_from_slice(name);
        body.extend_from_slice(&community.0);
        body.extend_from_slice(key.public().as_bytes());
        body.extend_from_slice(&unsigned.timestamp.to_be_bytes());
        body.extend_from_slice(&(parents.len() as u16).to_be_bytes());
        for parent in &parents {
            body.extend_from_slice(&parent.0);
        }
        body.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        body.extend_from_slice(&payload);
        let signature = key.sign(&signed_message(kind, &community, &body));
        body.extend_from_slice(&signature.0);
        if body.len() > MAX_RECORD {
            return Err(RecordError::TooLarge(body.len()));
        }
        // Built from canonical parts: what `decode` would return.
        Ok(Record(Arc::new(Fields {
            id: RecordId::of(&body),
            bytes: body.into(),
            community,
            author: key.public(),
            timestamp: unsigned.timestamp,
            parents,
            payload: unsigned.payload,
        })))
    }

    /// Decode a record from its bytes, checking its structure and that its
    /// payload is canonical, but not its signature (see
    /// [`Record::verify_signature`], and [`verify_signatures`] for many).
    pub fn decode(bytes: &[u8]) -> Result<Record, RecordError> {
        Record::decode_as(bytes, RecordId::of(bytes), true)
    }

    /// A record read back from a store of this home, whose key `id` the
    /// caller checked is the SHA-256 of `bytes`: the same bytes as when
    /// they were stored, after [`Record::decode`] or signing accepted them,
    /// so they are hashed once and their payload is not encoded again to
    /// check it is canonical (a community of 10,000 records is read at a
    /// command's first act).
    pub(crate) fn decode_stored(bytes: &[u8], id: RecordId) -> Result<Record, RecordError> {
        Record::decode_as(bytes, id, false)
    }

    fn decode_as(bytes: &[u8], id: RecordId, canonical: bool) -> Result<Record, RecordError> {
        if bytes.len() > MAX_RECORD {
            return Err(RecordError::TooLarge(bytes.len()));
        }
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(RecordError::Magic);
        }
        let kind_len = usize::from(r.u8()?);
        let kind_bytes = r.take(kind_len)?;
        let kind_name = std::str::from_utf8(kind_bytes).unwrap_or("");
        let kind = Kind::from_name(kind_name).ok_or_else(|| {
            RecordError::UnknownKind(
                String::from_utf8_lossy(kind_bytes)
                    .chars()
                    .take(40)
                    .collect(),
            )
        })?;
        let community = RecordId(r.array()?);
        let author = PublicKey::from_bytes(r.array()?);
        let timestamp = u64::from_be_bytes(r.array()?);
        let count = usize::from(u16::from_be_bytes(r.array()?));
        if count > MAX_PARENTS {
            return Err(RecordError::Parents);
        }
        let mut parents = Vec::with_capacity(count);
        for _ in 0..count {
            let parent = RecordId(r.array()?);
            if parents.last().is_some_and(|last| *last >= parent) {
                return Err(RecordError::Parents);
            }
            parents.push(parent);
        }
        let payload_len = u32::from_be_bytes(r.array()?) as usize;
        if payload_len > MAX_PAYLOAD {
            return Err(RecordError::TooLarge(payload_len));
        }
        let payload_bytes = r.take(payload_len)?;
        let payload = Payload::from_json(kind, payload_bytes)?;
        // One act, one encoding (so one id): the payload must be exactly what
        // this version writes for it.
        if canonical && payload.to_json() != payload_bytes {
            return Err(RecordError::NotCanonical(kind.name()));
        }
        r.take(64)?;
        if r.at != bytes.len() {
            return Err(RecordError::Length);
        }
        if (kind == Kind::Genesis) != (community == RecordId::ZERO)
            || (kind == Kind::Genesis && count > 0)
        {
            return Err(RecordError::Community);
        }
        Ok(Record(Arc::new(Fields {
            id,
            bytes: bytes.into(),
            community,
            author,
            timestamp,
            parents,
            payload,
        })))
    }

    /// Check the signature (strict verification).
    pub fn verify_signature(&self) -> Result<(), RecordError> {
        let (message, signature) = self.message_and_signature();
        if self.0.author.verify(&message, &signature) {
            Ok(())
        } else {
            Err(RecordError::Signature)
        }
    }

    fn message_and_signature(&self) -> (Vec<u8>, Signature) {
        let split = self.0.bytes.len() - 64;
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&self.0.bytes[split..]);
        (
            signed_message(self.kind(), &self.0.community, &self.0.bytes[..split]),
            Signature(signature),
        )
    }

    /// The exact bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0.bytes
    }
    /// SHA-256 of the bytes.
    pub fn id(&self) -> RecordId {
        self.0.id
    }
    /// The kind of act.
    pub fn kind(&self) -> Kind {
        self.0.payload.kind()
    }
    /// The community: for a genesis record, its own id.
    pub fn community(&self) -> CommunityId {
        if self.kind() == Kind::Genesis {
            self.0.id
        } else {
            self.0.community
        }
    }
    /// The device that signed.
    pub fn author(&self) -> PublicKey {
        self.0.author
    }
    /// Milliseconds since the Unix epoch, as the author's clock said.
    pub fn timestamp(&self) -> u64 {
        self.0.timestamp
    }
    /// The records this one builds on.
    pub fn parents(&self) -> &[RecordId] {
        &self.0.parents
    }
    /// The act itself.
    pub fn payload(&self) -> &Payload {
        &self.0.payload
    }
}

fn signed_message(kind: Kind, community: &CommunityId, body: &[u8]) -> Vec<u8> {
    let name = kind.name().as_bytes();
    let mut message = Vec::with_capacity(DOMAIN.len() + name.len() + 33 + body.len());
    message.extend_from_slice(DOMAIN);
    message.extend_from_slice(name);
    message.push(0);
    message.extend_from_slice(&community.0);
    message.extend_from_slice(body);
    message
}

/// Check many signatures at once. Returns, for each record, whether its
/// signature is valid: exactly what [`Record::verify_signature`] (ed25519-dalek
/// `verify_strict`) says, on every input, adversarial ones included — the
/// rule every peer applies, so that no two peers can disagree about a record.
///
/// Why not `ed25519_dalek::verify_batch`: its equation is cofactorless with
/// weights derived from the inputs, so a torsion component in R or in the key
/// survives into the sum. A signer can make a signature whose R carries a
/// small-order point (or use a mixed-order key) that `verify_strict` refuses
/// but a batch accepts whenever the weights happen to cancel it (one chance
/// in two for a point of order 2, and the signer can re-roll the weights at
/// will by changing a timestamp). Screening R for torsion closes the hole but
/// costs a scalar multiplication per signature, more than batching saves (see
/// `docs/benchmarks.md`, W3).
///
/// So each signature is checked on its own, with the very computation
/// `verify_strict` makes, minus the parts that can be shared: each distinct
/// key is decoded and screened once per call, R is not decoded (comparing
/// the encoding of `[s]B - [k]A` with the R bytes is equivalent), and the
/// encodings are computed with one shared field inversion. Large calls are
/// split over two threads ([`verify_signatures_on`] to choose).
pub fn verify_signatures(records: &[&Record]) -> Vec<bool> {
    // Asking for the parallelism reads cgroup files: only when it can matter.
    let threads = if records.len() >= 2 * PARALLEL_MIN {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        1
    };
    verify_signatures_on(records, threads.min(2))
}

/// [`verify_signatures`] on at most `threads` threads (scoped, joined before
/// returning). Calls with fewer than [`PARALLEL_MIN`] records per thread use
/// fewer threads.
pub fn verify_signatures_on(records: &[&Record], threads: usize) -> Vec<bool> {
    let keys = author_keys(records);
    let threads = threads.min(records.len() / PARALLEL_MIN).max(1);
    if threads == 1 {
        return verify_strict_each(records, &keys);
    }
    let chunk = records.len().div_ceil(threads);
    let keys = &keys;
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(chunk)
            .map(|part| {
                let worker = std::thread::Builder::new()
                    .spawn_scoped(scope, move || verify_strict_each(part, keys));
                (part, worker)
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|(part, worker)| match worker {
                Ok(worker) => worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had: do this part here.
                Err(_) => verify_strict_each(part, keys),
            })
            .collect()
    })
}

/// Fewest records per thread worth a thread of its own.
pub const PARALLEL_MIN: usize = 64;

/// Each distinct author key, decoded once: `-A`, or `None` where
/// `verify_strict` refuses the key whatever the signature (it is not a point,
/// or it has small order).
fn author_keys(records: &[&Record]) -> HashMap<PublicKey, Option<EdwardsPoint>> {
    let mut keys = HashMap::new();
    for record in records {
        keys.entry(record.0.author).or_insert_with(|| {
            CompressedEdwardsY(*record.0.author.as_bytes())
                .decompress()
                .filter(|point| !point.is_small_order())
                .map(|point| -point)
        });
    }
    keys
}

/// `verify_strict` for each record, given its decoded key.
///
/// ed25519-dalek 3.0 `verify_strict(A, M, (R, s))` accepts exactly when
/// (1) A decodes and has not small order, (2) s is canonical (`s < ℓ`),
/// (3) R decodes and has not small order, and (4) the encoding of
/// `P = [k](-A) + [s]B`, with `k = SHA-512(R ‖ A ‖ M) mod ℓ` over the bytes
/// as given, equals the R bytes. Here (1) comes from [`author_keys`], (2)
/// and (4) are checked as is, with the same function computing P, and (3)
/// becomes "P has not small order" once (4) holds: then R is the encoding of
/// P, so it decodes, to P itself. If (4) fails, `verify_strict` fails too,
/// whatever (3) says. Nothing is probabilistic: the answer is the same as
/// `verify_strict`'s for every input.
fn verify_strict_each(
    records: &[&Record],
    keys: &HashMap<PublicKey, Option<EdwardsPoint>>,
) -> Vec<bool> {
    let mut valid = vec![false; records.len()];
    let mut points = Vec::with_capacity(records.len());
    let mut checked = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let Some(Some(minus_a)) = keys.get(&record.0.author) else {
            continue;
        };
        let (message, signature) = record.message_and_signature();
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&signature.0[..32]);
        s.copy_from_slice(&signature.0[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            continue;
        };
        let mut hash = Sha512::new();
        hash.update(r);
        hash.update(record.0.author.as_bytes());
        hash.update(&message);
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        points.push(EdwardsPoint::vartime_double_scalar_mul_basepoint(
            &k, minus_a, &s,
        ));
        checked.push((index, r));
    }
    let encodings = EdwardsPoint::compress_batch_alloc(&points);
    for ((point, encoding), (index, r)) in points.iter().zip(&encodings).zip(checked) {
        valid[index] = encoding.0 == r && !point.is_small_order();
    }
    valid
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], RecordError> {
        let end = self.at.checked_add(len).ok_or(RecordError::Length)?;
        let slice = self.bytes.get(self.at..end).ok_or(RecordError::Length)?;
        self.at = end;
        Ok(slice)
    }
    fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(self.take(1)?[0])
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], RecordError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
