//! Bundles: one file that carries documents and signed records between homes
//! without a network, the way a git bundle carries commits.
//!
//! The format (`docs/formats.md` has it byte for byte):
//!
//! ```text
//! magic    "NOUSBNDL"               8 bytes
//! version  1                        u8
//! count    number of entries        u32 little-endian
//! entries  count × { kind u8, id_len u16 LE, id, payload_len u64 LE, payload }
//! digest   SHA-256 of all bytes above, 32 bytes
//! ```
//!
//! Entry kind 1 is an Automerge document (`id` = the 16 bytes of its
//! [`DocId`], `payload` = the saved document). Entry kind 2 is one signed
//! record (`id` = its 32-byte [`RecordId`], the SHA-256 of `payload`;
//! `payload` = the record's exact bytes, at most [`MAX_RECORD`]). Decoding
//! checks the digest first, so a truncated or altered file is refused before
//! anything in it is looked at; the document payloads then go through the
//! guard like any untrusted bytes, and the records are decoded and their
//! signatures verified by the importer. A bundle without records is encoded
//! exactly as before records existed.
//!
//! A document entry is only an id and bytes: nothing in the format says that
//! the bytes are that document. [`Claims`] checks it, from the actor ids of
//! the changes and what the communities' signed records say (the charter, the
//! amendment drafts, the versions signed as ratified); the importer and
//! `verify` both ask it (`docs/formats.md`, "Which document a payload is").

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::{ActorId, Automerge, ChangeHash, ChangeMetadata};
use sha2::{Digest, Sha256};

use crate::governance::State;
use crate::ids::DocId;
use crate::record::{CommunityId, MAX_RECORD, Payload, Record, RecordId};

const MAGIC: &[u8; 8] = b"NOUSBNDL";
const VERSION: u8 = 1;
const KIND_DOCUMENT: u8 = 1;
const KIND_RECORD: u8 = 2;
const DIGEST_LEN: usize = 32;
/// The most entries a bundle may hold.
pub const MAX_ENTRIES: u32 = 100_000;

/// What a bundle carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bundle {
    /// Saved Automerge documents.
    pub documents: Vec<(DocId, Vec<u8>)>,
    /// Signed records, each its exact bytes (its id is their SHA-256).
    pub records: Vec<Vec<u8>>,
}

/// Why bytes are not a usable bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Does not start with the bundle magic.
    #[error("not a Nous bundle")]
    NotABundle,
    /// A format version this build does not read.
    #[error("bundle format version {0} is not supported (this build reads version {VERSION})")]
    UnsupportedVersion(u8),
    /// The digest does not match: truncated or altered.
    #[error("the bundle is damaged or truncated (checksum mismatch)")]
    Damaged,
    /// The structure inside is inconsistent.
    #[error("malformed bundle: {0}")]
    Malformed(&'static str),
    /// An entry kind this build does not know.
    #[error("the bundle holds an entry of unknown kind {0} (made by a newer Nous?)")]
    UnknownEntry(u8),
    /// The same document appears twice.
    #[error("the bundle holds document {0} twice")]
    Duplicate(DocId),
    /// The same record appears twice.
    #[error("the bundle holds record {} twice", .0.short())]
    DuplicateRecord(RecordId),
    /// A record entry's id is not the SHA-256 of its bytes.
    #[error("record entry {} of the bundle does not hold the record its id names", .0.short())]
    RecordMismatch(RecordId),
    /// Import: a record belongs to a community whose genesis record is
    /// neither in this home nor in the bundle (nothing was imported).
    #[error(
        "record {} belongs to community {}, whose genesis record is neither in this home nor in the bundle; nothing was imported",
        .record.short(),
        .community.short()
    )]
    UnknownCommunity {
        /// The record (the smallest id of that community's new records).
        record: RecordId,
        /// The community it names.
        community: CommunityId,
    },
    /// Import: a community's records, with the bundle's, cannot be resolved
    /// at all, e.g. its genesis record is invalid (nothing was imported).
    #[error(
        "community {} in the bundle cannot be resolved ({reason}); nothing was imported",
        .community.short()
    )]
    Unresolvable {
        /// The community.
        community: CommunityId,
        /// Why.
        reason: String,
    },
    /// Import: a document entry does not hold the document its id names
    /// (see [`Claims`]; nothing was imported).
    #[error("document {doc} in the bundle was refused ({reason}); nothing was imported")]
    NotThatDocument {
        /// The id the entry gives.
        doc: DocId,
        /// Why its bytes are not that document.
        reason: String,
    },
}

impl Bundle {
    /// Encode the bundle.
    pub fn encode(&self) -> Vec<u8> {
        let payloads: usize = self
            .documents
            .iter()
            .map(|(_, p)| p.len() + 27)
            .sum::<usize>()
            + self.records.iter().map(|r| r.len() + 43).sum::<usize>();
        let mut out = Vec::with_capacity(MAGIC.len() + 5 + payloads + DIGEST_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let count = u32::try_from(self.documents.len() + self.records.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_le_bytes());
        for (id, payload) in &self.documents {
            entry(&mut out, KIND_DOCUMENT, id.as_bytes(), payload);
        }
        for record in &self.records {
            entry(&mut out, KIND_RECORD, &RecordId::of(record).0, record);
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Decode and check a bundle. Payloads are not decoded: documents are
    /// untrusted and go through the guard; records are only checked against
    /// their ids and size cap here, and decoded and verified by the importer.
    pub fn decode(bytes: &[u8]) -> Result<Self, BundleError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(BundleError::NotABundle);
        }
        let mut reader = Reader {
            bytes: &bytes[MAGIC.len()..],
        };
        let version = reader.u8()?;
        if version != VERSION {
            return Err(BundleError::UnsupportedVersion(version));
        }
        let body_len = bytes
            .len()
            .checked_sub(DIGEST_LEN)
            .filter(|len| *len >= MAGIC.len() + 5)
            .ok_or(BundleError::Damaged)?;
        let (body, digest) = bytes.split_at(body_len);
        if Sha256::digest(body).as_slice() != digest {
            return Err(BundleError::Damaged);
        }
        let mut reader = Reader {
            bytes: &body[MAGIC.len() + 1..],
        };
        let count = reader.u32()?;
        if count > MAX_ENTRIES {
            return Err(BundleError::Malformed("too many entries"));
        }
        let mut bundle = Bundle::default();
        let mut seen = std::collections::HashSet::new();
        let mut seen_records = std::collections::HashSet::new();
        for _ in 0..count {
            match reader.u8()? {
                KIND_DOCUMENT => {
                    let id: [u8; 16] = reader
                        .id()?
                        .try_into()
                        .map_err(|_| BundleError::Malformed("document id is not 16 bytes"))?;
                    let id = DocId::from_bytes(id);
                    let len = usize::try_from(reader.u64()?)
                        .map_err(|_| BundleError::Malformed("entry too large"))?;
                    let payload = reader.take(len)?.to_vec();
                    if !seen.insert(id) {
                        return Err(BundleError::Duplicate(id));
                    }
                    bundle.documents.push((id, payload));
                }
                KIND_RECORD => {
                    let id: [u8; 32] = reader
                        .id()?
                        .try_into()
                        .map_err(|_| BundleError::Malformed("record id is not 32 bytes"))?;
                    let id = RecordId(id);
                    let len = usize::try_from(reader.u64()?)
                        .ok()
                        .filter(|len| *len <= MAX_RECORD)
                        .ok_or(BundleError::Malformed("record larger than a record may be"))?;
                    let payload = reader.take(len)?;
                    if RecordId::of(payload) != id {
                        return Err(BundleError::RecordMismatch(id));
                    }
                    if !seen_records.insert(id) {
                        return Err(BundleError::DuplicateRecord(id));
                    }
                    bundle.records.push(payload.to_vec());
                }
                kind => return Err(BundleError::UnknownEntry(kind)),
            }
        }
        if !reader.bytes.is_empty() {
            return Err(BundleError::Malformed("bytes after the last entry"));
        }
        Ok(bundle)
    }
}

fn entry(out: &mut Vec<u8>, kind: u8, id: &[u8], payload: &[u8]) {
    out.push(kind);
    out.extend_from_slice(&(id.len() as u16).to_le_bytes());
    out.extend_from_slice(id);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
}

// ---------------------------------------------------------------------------
// Which document a payload is

/// The document a Nous actor id names. A device writes each document under
/// its key followed by the document's 16-byte id
/// ([`crate::PublicKey::actor_for`]), so every such change says in which
/// document it was written. `None` for any other actor: a bare key (changes
/// written before that rule) or an automerge-repo client's random actor,
/// which name no document.
pub fn actor_document(actor: &ActorId) -> Option<DocId> {
    let bytes = actor.to_bytes();
    if bytes.len() != 48 {
        return None;
    }
    let id: [u8; 16] = bytes[32..].try_into().ok()?;
    Some(DocId::from_bytes(id))
}

/// What communities' signed records say about documents, to tell whether a
/// payload is the document its id names.
///
/// A change whose actor names document `Y` was written in `Y`. It may be
/// found in another document `D` only when `D` shares `Y`'s history by
/// design: `D` is a community's charter or one of its amendment drafts
/// (drafts are forked from the charter and ratified wordings merged back),
/// and the change is part of a version of that history signed as ratified
/// (an ancestor of, or one of, the heads of the founding version or of a
/// `amendment.ratify` record). Everything else — shared documents, attested
/// documents, documents no record names — holds only changes written in it
/// (or by actors that name no document). So a draft's payload put under the
/// charter's id is refused (its own changes name the draft and no signed
/// version holds them), and so is any other document's.
///
/// Only records signed by a device the community let in at some time count
/// (a `amendment.propose` naming the draft, a ratification), whatever their
/// verdict: homes may judge a record differently (concurrent removals), and
/// a draft or a version another member's home accepted must still be
/// importable; a key the community never certified claims nothing.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    /// Charters and drafts, with the communities that name them.
    lineage: BTreeMap<DocId, BTreeSet<CommunityId>>,
    /// Per community: the heads of every signed version.
    versions: BTreeMap<CommunityId, BTreeSet<ChangeHash>>,
}

/// Why a payload is not the document its id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The smallest offending change.
    pub change: ChangeHash,
    /// The document its actor names.
    pub written_in: DocId,
    /// How many changes offend.
    pub count: usize,
    /// Whether the payload was given as a charter or draft.
    pub lineage: bool,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let more = match self.count {
            0 | 1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let hash = crate::ids::hash_hex(&self.change);
        write!(
            f,
            "its change {}{more} was written in document {}",
            &hash[..12],
            self.written_in
        )?;
        if self.lineage {
            write!(f, " and is in no signed version of the charter")?;
        }
        write!(f, ": these bytes are another document")
    }
}

impl Claims {
    /// Take in what a community's records say: its charter (from its
    /// resolved `state`), the drafts proposed and the versions ratified by
    /// its devices in `records` (the community's records, any verdict).
    pub fn add<'a>(&mut self, state: &State, records: impl IntoIterator<Item = &'a Record>) {
        let community = state.community;
        let devices = state.known_devices();
        self.lineage
            .entry(state.charter)
            .or_default()
            .insert(community);
        let versions = self.versions.entry(community).or_default();
        for version in &state.versions {
            versions.extend(
                version
                    .heads
                    .iter()
                    .filter_map(|h| h.parse::<ChangeHash>().ok()),
            );
        }
        for record in records {
            if record.community() != community || !devices.contains(&record.author()) {
                continue;
            }
            match record.payload() {
                Payload::Propose(propose) => {
                    self.lineage
                        .entry(propose.draft)
                        .or_default()
                        .insert(community);
                }
                Payload::Ratify(ratify) => versions.extend(ratify.heads.0.iter().copied()),
                _ => {}
            }
        }
    }

    /// Whether each of the changes `only` of `doc` was written in `id`
    /// (each looked up alone): then [`Claims::check`] passes whatever the
    /// claims, and a caller need not gather them.
    pub fn written_in(id: &DocId, doc: &Automerge, only: &[ChangeHash]) -> bool {
        only.iter().all(|hash| {
            automerge::ReadDoc::get_change_by_hash(doc, hash)
                .and_then(|c| actor_document(c.actor_id()))
                .is_none_or(|written_in| written_in == *id)
        })
    }

    /// Whether `doc` is a charter or a draft of a community known here.
    pub fn is_lineage(&self, doc: &DocId) -> bool {
        self.lineage.contains_key(doc)
    }

    /// Check that `doc` (loaded) is the document `id`: every change of it
    /// (or, with `only`, those changes) was written in `id`, or is part of a
    /// signed version of the charter `id` belongs to.
    pub fn check(
        &self,
        id: &DocId,
        doc: &Automerge,
        only: Option<&[ChangeHash]>,
    ) -> Result<(), Mismatch> {
        // The changes named, each looked up alone (a live sync names one or
        // a few: the whole history is read only if one is foreign).
        if only.is_some_and(|only| Claims::written_in(id, doc, only)) {
            return Ok(());
        }
        let changes = doc.get_changes_meta(&[]);
        let only: Option<HashSet<ChangeHash>> = only.map(|o| o.iter().copied().collect());
        let mut foreign: Vec<(ChangeHash, DocId)> = changes
            .iter()
            .filter(|c| only.as_ref().is_none_or(|o| o.contains(&c.hash)))
            .filter_map(|c| {
                let written_in = actor_document(&c.actor)?;
                (written_in != *id).then_some((c.hash, written_in))
            })
            .collect();
        if foreign.is_empty() {
            return Ok(());
        }
        let communities = self.lineage.get(id);
        if let Some(communities) = communities {
            let heads: Vec<ChangeHash> = communities
                .iter()
                .filter_map(|c| self.versions.get(c))
                .flatten()
                .copied()
                .collect();
            let signed = ancestry(&changes, &heads);
            foreign.retain(|(hash, _)| !signed.contains(hash));
        }
        foreign.sort();
        match foreign.first() {
            None => Ok(()),
            Some(&(change, written_in)) => Err(Mismatch {
                change,
                written_in,
                count: foreign.len(),
                lineage: communities.is_some(),
            }),
        }
    }
}

/// The changes among `changes` that are `heads` or their ancestors (heads
/// not among them are ignored).
fn ancestry(changes: &[ChangeMetadata<'_>], heads: &[ChangeHash]) -> HashSet<ChangeHash> {
    let deps: HashMap<ChangeHash, &[ChangeHash]> = changes
        .iter()
        .map(|c| (c.hash, c.deps.as_slice()))
        .collect();
    let mut stack: Vec<ChangeHash> = heads
        .iter()
        .filter(|h| deps.contains_key(h))
        .copied()
        .collect();
    let mut seen = HashSet::new();
    while let Some(hash) = stack.pop() {
        if seen.insert(hash)
            && let Some(parents) = deps.get(&hash)
        {
            stack.extend(parents.iter().copied());
        }
    }
    seen
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BundleError> {
        if n > self.bytes.len() {
            return Err(BundleError::Malformed("an entry runs past the end"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BundleError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    /// An entry's id: its length (u16), then its bytes.
    fn id(&mut self) -> Result<&'a [u8], BundleError> {
        let len = usize::from(self.u16()?);
        self.take(len)
    }

    fn u8(&mut self) -> Result<u8, BundleError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, BundleError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, BundleError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, BundleError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        Bundle {
            documents: vec![
                (DocId::from_bytes([1; 16]), b"first".to_vec()),
                (DocId::from_bytes([2; 16]), Vec::new()),
            ],
            records: vec![b"a record".to_vec(), b"another".to_vec()],
        }
    }

    #[test]
    fn bundles_round_trip() {
        let bundle = sample();
        assert_eq!(Bundle::decode(&bundle.encode()), Ok(bundle));
        assert_eq!(
            Bundle::decode(&Bundle::default().encode()),
            Ok(Bundle::default())
        );
    }

    #[test]
    fn the_encoding_is_stable() {
        let bytes = Bundle {
            documents: vec![(DocId::from_bytes([0xab; 16]), b"xy".to_vec())],
            records: vec![],
        }
        .encode();
        let expected_body = [
            b"NOUSBNDL".as_slice(),
            &[1],
            &1u32.to_le_bytes(),
            &[1],
            &16u16.to_le_bytes(),
            &[0xab; 16],
            &2u64.to_le_bytes(),
            b"xy",
        ]
        .concat();
        assert_eq!(&bytes[..expected_body.len()], expected_body.as_slice());
        assert_eq!(
            &bytes[expected_body.len()..],
            Sha256::digest(&expected_body).as_slice()
        );
    }

    #[test]
    fn the_encoding_of_a_record_entry_is_stable() {
        let bytes = Bundle {
            documents: vec![],
            records: vec![b"xy".to_vec()],
        }
        .encode();
        let expected_body = [
            b"NOUSBNDL".as_slice(),
            &[1],
            &1u32.to_le_bytes(),
            &[2],
            &32u16.to_le_bytes(),
            // SHA-256("xy"), the record's id.
            &hex::decode("769a4e6d0003189c7e96c5d9b7e810a0d11c3a12832527ec94b0f86d277f51ca")
                .expect("hex"),
            &2u64.to_le_bytes(),
            b"xy",
        ]
        .concat();
        assert_eq!(&bytes[..expected_body.len()], expected_body.as_slice());
        assert_eq!(
            &bytes[expected_body.len()..],
            Sha256::digest(&expected_body).as_slice()
        );
    }

    #[test]
    fn records_must_match_their_ids_and_fit_in_a_record() {
        let header = [b"NOUSBNDL".as_slice(), &[1], &1u32.to_le_bytes()].concat();
        let mismatch = with_digest(
            [
                header.as_slice(),
                &[2],
                &32u16.to_le_bytes(),
                &[7; 32],
                &2u64.to_le_bytes(),
                b"xy",
            ]
            .concat(),
        );
        assert_eq!(
            Bundle::decode(&mismatch),
            Err(BundleError::RecordMismatch(RecordId([7; 32])))
        );
        let huge = (MAX_RECORD as u64 + 1).to_le_bytes();
        let oversized = with_digest(
            [
                header.as_slice(),
                &[2],
                &32u16.to_le_bytes(),
                &[7; 32],
                &huge,
            ]
            .concat(),
        );
        assert!(matches!(
            Bundle::decode(&oversized),
            Err(BundleError::Malformed(_))
        ));
        let short_id = with_digest(
            [
                header.as_slice(),
                &[2],
                &16u16.to_le_bytes(),
                &[7; 16],
                &0u64.to_le_bytes(),
            ]
            .concat(),
        );
        assert!(matches!(
            Bundle::decode(&short_id),
            Err(BundleError::Malformed(_))
        ));
        let twice = Bundle {
            documents: vec![],
            records: vec![b"same".to_vec(), b"same".to_vec()],
        };
        assert_eq!(
            Bundle::decode(&twice.encode()),
            Err(BundleError::DuplicateRecord(RecordId::of(b"same")))
        );
    }

    #[test]
    fn every_truncation_and_bit_flip_is_refused() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            assert!(Bundle::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[index] ^= 1 << bit;
                assert!(Bundle::decode(&flipped).is_err(), "flip {index}:{bit}");
            }
        }
    }

    fn with_digest(mut body: Vec<u8>) -> Vec<u8> {
        let digest = Sha256::digest(&body);
        body.extend_from_slice(&digest);
        body
    }

    #[test]
    fn unknown_entry_kinds_duplicates_and_versions_are_refused() {
        let header = [b"NOUSBNDL".as_slice(), &[1], &1u32.to_le_bytes()].concat();
        let unknown = with_digest([header.as_slice(), &[3]].concat());
        assert_eq!(Bundle::decode(&unknown), Err(BundleError::UnknownEntry(3)));
        let id = DocId::from_bytes([4; 16]);
        let twice = Bundle {
            documents: vec![(id, vec![1]), (id, vec![2])],
            records: vec![],
        };
        assert_eq!(
            Bundle::decode(&twice.encode()),
            Err(BundleError::Duplicate(id))
        );
        let mut future = Bundle::default().encode();
        future[8] = 2;
        assert_eq!(
            Bundle::decode(&future),
            Err(BundleError::UnsupportedVersion(2))
        );
    }

    /// A document written by `actor` (one change).
    fn written_by(actor: ActorId) -> Automerge {
        use automerge::transaction::Transactable as _;
        let mut doc = Automerge::new().with_actor(actor);
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "title", "x").expect("put");
        tx.commit();
        doc
    }

    #[test]
    fn a_payload_holds_only_changes_written_in_the_document_it_claims_to_be() {
        let key = crate::DeviceKey::from_seed(&[5; 32]).public();
        let mine = DocId::from_bytes([1; 16]);
        let other = DocId::from_bytes([2; 16]);
        assert_eq!(actor_document(&key.actor_for(&mine)), Some(mine));
        assert_eq!(actor_document(&key.actor_id()), None);
        assert_eq!(actor_document(&ActorId::from(&[3u8; 16][..])), None);

        let claims = Claims::default();
        let doc = written_by(key.actor_for(&mine));
        assert_eq!(claims.check(&mine, &doc, None), Ok(()));
        let error = claims.check(&other, &doc, None).expect_err("another's");
        assert_eq!(
            (error.written_in, error.count, error.lineage),
            (mine, 1, false)
        );
        assert!(
            error
                .to_string()
                .contains(&format!("written in document {mine}"))
        );
        // Only the changes asked about are checked.
        assert_eq!(claims.check(&other, &doc, Some(&[])), Ok(()));
        // Actors that name no document are not this rule's to judge.
        for actor in [key.actor_id(), ActorId::from(&[3u8; 16][..])] {
            assert_eq!(claims.check(&other, &written_by(actor), None), Ok(()));
        }
    }

    #[test]
    fn other_files_are_not_bundles() {
        assert_eq!(
            Bundle::decode(b"# A charter\n"),
            Err(BundleError::NotABundle)
        );
        assert_eq!(Bundle::decode(b""), Err(BundleError::NotABundle));
    }
}
