//! Device identity: the ed25519 key of this device and its public half.
//!
//! Every device has one [`DeviceKey`]. Its 32-byte [`PublicKey`], followed
//! by the document's id, is the Automerge actor id of every change the device
//! makes ([`PublicKey::actor_for`]), so each change is attributable to a
//! device. Public keys are written everywhere in one format: 64 lowercase hex
//! characters, abbreviated to the first 10 characters in tables
//! ([`PublicKey::short`]).
//!
//! The secret key lives in a key file readable only by its owner (mode 0600),
//! is zeroized when dropped, and prints as `DeviceKey(<redacted>)`.

use std::fmt;
use std::str::FromStr;

use automerge::ActorId;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

/// The public key of a device, also its Automerge actor id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A public key from raw bytes (not checked to be a curve point).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PublicKey(bytes)
    }

    /// The key alone as an Automerge actor id.
    pub fn actor_id(&self) -> ActorId {
        ActorId::from(&self.0[..])
    }

    /// The actor id this device writes a document with: its key followed by
    /// the document's 16-byte id. Automerge numbers an actor's changes per
    /// document; documents forked from one another (a charter and its
    /// amendment drafts) share history, so one actor writing in two of them
    /// would number two different changes alike, and the copies could no
    /// longer merge. One actor per (device, document) rules that out.
    pub fn actor_for(&self, doc: &crate::ids::DocId) -> ActorId {
        let mut bytes = [0u8; 48];
        bytes[..32].copy_from_slice(&self.0);
        bytes[32..].copy_from_slice(doc.as_bytes());
        ActorId::from(&bytes[..])
    }

    /// The device that wrote with this actor id: the key alone (32 bytes) or
    /// the key followed by a document id (48 bytes).
    pub fn from_actor(actor: &ActorId) -> Option<Self> {
        let bytes = actor.to_bytes();
        if bytes.len() != 32 && bytes.len() != 48 {
            return None;
        }
        let key: [u8; 32] = bytes[..32].try_into().ok()?;
        Some(PublicKey(key))
    }

    /// Whether this is a key an honest device has: a canonical encoding of
    /// a curve point in the prime-order subgroup. Strict verification accepts
    /// signatures from keys with a small-order component, which no key
    /// generator produces; communities refuse them as devices.
    pub fn is_sound(&self) -> bool {
        let compressed = curve25519_dalek::edwards::CompressedEdwardsY(self.0);
        match compressed.decompress() {
            Some(point) => {
                point.compress().0 == self.0 && !point.is_small_order() && point.is_torsion_free()
            }
            None => false,
        }
    }

    /// The first 10 hex characters, for tables and logs.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..5])
    }

    /// Verify a signature made by this key over `message` (strict: rejects
    /// small-order keys and malleable signatures).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.0) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        key.verify_strict(message, &signature).is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.short())
    }
}

impl FromStr for PublicKey {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut bytes)
            .map_err(|_| IdentityError::BadPublicKey(s.chars().take(80).collect()))?;
        Ok(PublicKey(bytes))
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}…)", hex::encode(&self.0[..8]))
    }
}

/// The secret key of this device.
pub struct DeviceKey {
    signing: SigningKey,
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceKey(<redacted>)")
    }
}

const KEY_FILE_HEADER: &str = "nous device key v1";

/// Why a key could not be created, read or parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The key file is not in the expected format.
    #[error("device key {0} is not a Nous key file")]
    Malformed(String),
    /// Text that should be a public key is not 64 hex characters.
    #[error("`{0}` is not a public key (64 hex characters)")]
    BadPublicKey(String),
}

impl DeviceKey {
    /// A key from 32 secret bytes (the caller brings the randomness).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        DeviceKey {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// The public half: this device's id and actor id.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key().to_bytes())
    }

    /// Sign `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.signing.sign(message).to_bytes())
    }

    /// The text of this device's key file: a header line, then the secret
    /// seed in hex. It is the secret itself: write it only where its owner
    /// alone can read it (`nous-api` keeps it in a file of mode 0600).
    pub fn to_key_file_text(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(hex::encode(self.signing.to_bytes()));
        Zeroizing::new(format!("{KEY_FILE_HEADER}\n{}\n", seed.as_str()))
    }

    /// The key in the text of a key file; `source` names the file in errors.
    pub fn from_key_file_text(text: &str, source: &str) -> Result<Self, IdentityError> {
        let malformed = || IdentityError::Malformed(source.to_string());
        let mut lines = text.lines();
        if lines.next() != Some(KEY_FILE_HEADER) {
            return Err(malformed());
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        let hex_seed = lines.next().unwrap_or_default().trim();
        hex::decode_to_slice(hex_seed, &mut seed[..]).map_err(|_| malformed())?;
        Ok(DeviceKey::from_seed(&seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let key = DeviceKey::from_seed(&[42; 32]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "DeviceKey(<redacted>)");
        assert!(!shown.contains(&hex::encode([42u8; 32])));
    }

    #[test]
    fn public_key_display_is_hex_and_matches_the_actor_id() {
        let key = DeviceKey::from_seed(&[1; 32]).public();
        let text = key.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text, key.actor_id().to_hex_string());
        assert_eq!(text.parse::<PublicKey>().expect("parse"), key);
        assert_eq!(PublicKey::from_actor(&key.actor_id()), Some(key));
        assert!(text.starts_with(&key.short()));
        assert!("nothex".parse::<PublicKey>().is_err());
    }

    #[test]
    fn signatures_verify_only_for_the_signed_message() {
        let key = DeviceKey::from_seed(&[9; 32]);
        let signature = key.sign(b"hello");
        assert!(key.public().verify(b"hello", &signature));
        assert!(!key.public().verify(b"hellp", &signature));
    }

    #[test]
    fn key_file_text_round_trips_and_refuses_other_text() {
        let key = DeviceKey::from_seed(&[3; 32]);
        let text = key.to_key_file_text();
        let read = DeviceKey::from_key_file_text(&text, "k").expect("read");
        assert_eq!(read.public(), key.public());
        for bad in ["", "nous device key v1\nzz", "other header\n00"] {
            assert!(matches!(
                DeviceKey::from_key_file_text(bad, "k"),
                Err(IdentityError::Malformed(_))
            ));
        }
    }
}
