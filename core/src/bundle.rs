//! Bundles: one file that carries documents between homes without a network,
//! the way a git bundle carries commits.
//!
//! The format (`docs/bundle.md` has it byte for byte):
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
//! [`DocId`], `payload` = the saved document). Decoding checks the digest
//! first, so a truncated or altered file is refused before anything in it is
//! looked at; the payloads then go through the guard like any untrusted
//! bytes.

use sha2::{Digest, Sha256};

use crate::ids::DocId;

const MAGIC: &[u8; 8] = b"NOUSBNDL";
const VERSION: u8 = 1;
const KIND_DOCUMENT: u8 = 1;
const DIGEST_LEN: usize = 32;
/// The most entries a bundle may hold.
pub const MAX_ENTRIES: u32 = 100_000;

/// What a bundle carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bundle {
    /// Saved Automerge documents.
    pub documents: Vec<(DocId, Vec<u8>)>,
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
}

impl Bundle {
    /// Encode the bundle.
    pub fn encode(&self) -> Vec<u8> {
        let payloads: usize = self.documents.iter().map(|(_, p)| p.len() + 27).sum();
        let mut out = Vec::with_capacity(MAGIC.len() + 5 + payloads + DIGEST_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let count = u32::try_from(self.documents.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_le_bytes());
        for (id, payload) in &self.documents {
            out.push(KIND_DOCUMENT);
            out.extend_from_slice(&16u16.to_le_bytes());
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            out.extend_from_slice(payload);
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Decode and check a bundle. Payloads are not decoded: they are
    /// untrusted and go through the guard.
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
        for _ in 0..count {
            let kind = reader.u8()?;
            if kind != KIND_DOCUMENT {
                return Err(BundleError::UnknownEntry(kind));
            }
            let id_len = usize::from(reader.u16()?);
            let id: [u8; 16] = reader
                .take(id_len)?
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
        if !reader.bytes.is_empty() {
            return Err(BundleError::Malformed("bytes after the last entry"));
        }
        Ok(bundle)
    }
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
        let unknown = with_digest([header.as_slice(), &[2]].concat());
        assert_eq!(Bundle::decode(&unknown), Err(BundleError::UnknownEntry(2)));
        let id = DocId::from_bytes([4; 16]);
        let twice = Bundle {
            documents: vec![(id, vec![1]), (id, vec![2])],
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

    #[test]
    fn other_files_are_not_bundles() {
        assert_eq!(
            Bundle::decode(b"# A charter\n"),
            Err(BundleError::NotABundle)
        );
        assert_eq!(Bundle::decode(b""), Err(BundleError::NotABundle));
    }
}
