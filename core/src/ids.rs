//! Identifiers shown to people and scripts: document ids and change references.
//!
//! A [`DocId`] is an automerge-repo document id (16 random bytes, written in
//! base58check), so a charter can later be found by a stock automerge-repo
//! client as `automerge:<id>`. Change hashes are written in lowercase hex, as
//! Automerge writes them, and may be abbreviated to any unambiguous prefix of
//! at least [`MIN_HASH_PREFIX`] characters.

use std::fmt;
use std::str::FromStr;

use automerge::ChangeHash;
use sha2::{Digest, Sha256};

/// Shortest change-hash prefix accepted in a reference.
pub const MIN_HASH_PREFIX: usize = 4;

/// A short digest of a set of heads (16 hex characters: the first 8 bytes
/// of the SHA-256 of the sorted hashes): how a client and a relay compare
/// what they hold of a document without sending the heads themselves.
pub fn heads_digest(heads: &[ChangeHash]) -> String {
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort_unstable();
    let mut hasher = Sha256::new();
    for head in sorted {
        hasher.update(head.0);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// The id of a document, as automerge-repo writes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId([u8; 16]);

impl DocId {
    /// A document id from 16 random bytes (the caller brings the randomness).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        DocId(bytes)
    }

    /// The raw 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The automerge-repo URL of this document: `automerge:<id>`.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58check_encode(&self.0))
    }
}

impl fmt::Debug for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocId({self})")
    }
}

/// Why a string is not a document id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseDocIdError {
    /// Not base58, or the checksum does not match.
    #[error("`{0}` is not a document id (base58check)")]
    NotBase58Check(String),
    /// Decodes, but not to 16 bytes.
    #[error("`{0}` is not a document id (wrong length)")]
    WrongLength(String),
}

impl FromStr for DocId {
    type Err = ParseDocIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.strip_prefix("automerge:").unwrap_or(s);
        let s = s.split('#').next().unwrap_or(s);
        let bytes =
            bs58check_decode(s).ok_or_else(|| ParseDocIdError::NotBase58Check(s.to_owned()))?;
        let array: [u8; 16] = bytes
            .try_into()
            .map_err(|_| ParseDocIdError::WrongLength(s.to_owned()))?;
        Ok(DocId(array))
    }
}

impl serde::Serialize for DocId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DocId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn checksum(payload: &[u8]) -> [u8; 4] {
    let once = Sha256::digest(payload);
    let twice = Sha256::digest(once);
    [twice[0], twice[1], twice[2], twice[3]]
}

fn bs58check_encode(payload: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(payload.len() + 4);
    bytes.extend_from_slice(payload);
    bytes.extend_from_slice(&checksum(payload));
    bs58::encode(bytes).into_string()
}

fn bs58check_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() > 64 {
        return None;
    }
    let mut bytes = bs58::decode(text).into_vec().ok()?;
    if bytes.len() < 4 {
        return None;
    }
    let check = bytes.split_off(bytes.len() - 4);
    (check == checksum(&bytes)).then_some(bytes)
}

/// Lowercase hex of a change hash.
pub fn hash_hex(hash: &ChangeHash) -> String {
    hex::encode(hash.as_ref())
}

/// The first `len` hex characters of a change hash, for tables.
pub fn hash_short(hash: &ChangeHash) -> String {
    let mut text = hash_hex(hash);
    text.truncate(12);
    text
}

/// A point in a document's history, as a user writes it: one or more change
/// hashes (or unambiguous prefixes), separated by commas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadsRef {
    prefixes: Vec<String>,
}

/// Why a history reference does not name a point in a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefError {
    /// Empty, or not lowercase hex.
    #[error("`{0}` is not a change hash or hash prefix")]
    Syntax(String),
    /// Shorter than [`MIN_HASH_PREFIX`].
    #[error("`{0}` is too short: give at least {MIN_HASH_PREFIX} hex characters")]
    TooShort(String),
    /// No change in the document starts with this prefix.
    #[error("no change in this document matches `{0}`")]
    Unknown(String),
    /// Several changes start with this prefix.
    #[error("`{prefix}` is ambiguous: it matches {count} changes; give more characters")]
    Ambiguous {
        /// The prefix given.
        prefix: String,
        /// How many changes it matches.
        count: usize,
    },
}

impl FromStr for HeadsRef {
    type Err = RefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut prefixes = Vec::new();
        for part in s.split(',').map(str::trim) {
            let lower = part.to_ascii_lowercase();
            if lower.is_empty() || lower.len() > 64 || !lower.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(RefError::Syntax(part.to_owned()));
            }
            if lower.len() < MIN_HASH_PREFIX {
                return Err(RefError::TooShort(part.to_owned()));
            }
            prefixes.push(lower);
        }
        Ok(HeadsRef { prefixes })
    }
}

impl HeadsRef {
    /// Resolve every prefix against the hashes of a document's changes.
    pub fn resolve<'a>(
        &self,
        known: impl Iterator<Item = &'a ChangeHash> + Clone,
    ) -> Result<Vec<ChangeHash>, RefError> {
        let mut heads = Vec::with_capacity(self.prefixes.len());
        for prefix in &self.prefixes {
            let mut matches = known
                .clone()
                .filter(|hash| hash_hex(hash).starts_with(prefix.as_str()));
            let first = matches
                .next()
                .ok_or_else(|| RefError::Unknown(prefix.clone()))?;
            let others = matches.count();
            if others > 0 {
                return Err(RefError::Ambiguous {
                    prefix: prefix.clone(),
                    count: others + 1,
                });
            }
            if !heads.contains(first) {
                heads.push(*first);
            }
        }
        Ok(heads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_id_round_trips_through_base58check_and_url() {
        let id = DocId::from_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(text.parse::<DocId>(), Ok(id));
        assert_eq!(id.url().parse::<DocId>(), Ok(id));
        assert_eq!(format!("{}#abc", id.url()).parse::<DocId>(), Ok(id));
    }

    #[test]
    fn doc_id_rejects_a_wrong_checksum() {
        let mut text = DocId::from_bytes([1; 16]).to_string();
        let last = text.pop().map(|c| if c == '2' { '3' } else { '2' });
        text.extend(last);
        assert!(matches!(
            text.parse::<DocId>(),
            Err(ParseDocIdError::NotBase58Check(_))
        ));
        assert!("0OIl".parse::<DocId>().is_err());
        assert!("".parse::<DocId>().is_err());
    }

    #[test]
    fn doc_id_matches_automerge_repo_encoding() {
        // automerge-repo writes the 16 bytes of a UUID followed by the first
        // four bytes of a double SHA-256, in base58 (the `bs58check` package).
        let id = DocId::from_bytes([0; 16]);
        let text = id.to_string();
        let decoded = bs58::decode(&text).into_vec().expect("base58");
        assert_eq!(decoded.len(), 20);
        assert_eq!(&decoded[..16], &[0; 16]);
        assert_eq!(&decoded[16..], &checksum(&[0; 16]));
    }

    #[test]
    fn heads_ref_resolves_unique_prefixes() {
        let a = ChangeHash([0xab; 32]);
        let b = ChangeHash([0xac; 32]);
        let known = [a, b];
        let r: HeadsRef = "abab".parse().expect("parse");
        assert_eq!(r.resolve(known.iter()), Ok(vec![a]));
        let r: HeadsRef = "ABAB,acac".parse().expect("parse");
        assert_eq!(r.resolve(known.iter()), Ok(vec![a, b]));
        let r: HeadsRef = "aaaa".parse().expect("parse");
        assert!(matches!(r.resolve(known.iter()), Err(RefError::Unknown(_))));
        let c = ChangeHash([0xab; 32]);
        let mut d = c;
        d.0[31] = 0;
        let r: HeadsRef = "abab".parse().expect("parse");
        assert!(matches!(
            r.resolve([c, d].iter()),
            Err(RefError::Ambiguous { count: 2, .. })
        ));
        assert!(matches!(
            "ab".parse::<HeadsRef>(),
            Err(RefError::TooShort(_))
        ));
        assert!(matches!(
            "xyz!".parse::<HeadsRef>(),
            Err(RefError::Syntax(_))
        ));
    }
}
