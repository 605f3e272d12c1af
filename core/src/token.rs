//! Relay tokens: a device proves to a relay which device it is.
//!
//! A token is short-lived and small enough for a URL query parameter, so a
//! browser can present it when it opens a WebSocket. It names the relay it
//! is for (so a token shown to one relay is useless at another), the device,
//! an expiry time and a random nonce, and is signed by the device. The relay
//! checks it with [`Token::verify`] and pins the connection to the peer id
//! [`Token::peer_id`]; refusing a nonce seen before (replay) is the relay's
//! job, not this module's.
//!
//! # Layout (version 1)
//! ```text
//! "NTOK" 0x01                      magic and format version
//! [32] relay                        the relay's public key
//! [32] device                       the device's public key
//! u64 BE expires_at                 milliseconds since the Unix epoch
//! [16] nonce                        random
//! [64] signature                    by the device, over
//!                                   "nous/relay-token/v1\0" ‖ every byte above
//! ```
//!
//! 157 bytes in all, written in base58 (the Bitcoin alphabet) as text.
//! `docs/formats.md` ("Relay tokens") has the layout byte for byte and a
//! test vector, which the tests below read back.

use crate::identity::{DeviceKey, PublicKey, Signature};

/// First bytes of every token: magic and format version.
pub const MAGIC: &[u8; 5] = b"NTOK\x01";
/// Prefix of the signed message (the signature domain).
pub const DOMAIN: &[u8] = b"nous/relay-token/v1\0";
/// Bytes of a token before its signature.
pub const BODY_LEN: usize = MAGIC.len() + 32 + 32 + 8 + 16;
/// Bytes of a whole token.
pub const TOKEN_LEN: usize = BODY_LEN + 64;
/// Longest text [`Token::verify`] decodes: base58 of [`TOKEN_LEN`] bytes
/// takes at most 215 characters.
pub const MAX_TEXT_LEN: usize = 256;

/// How long a token `nous token` issues stays valid.
pub const DEFAULT_LIFETIME_MS: u64 = 5 * 60 * 1000;
/// The longest lifetime a relay accepts by default.
pub const MAX_LIFETIME_MS: u64 = 15 * 60 * 1000;

/// Prefix of the peer ids tokens pin connections to.
const PEER_PREFIX: &str = "nous-";

/// A relay token, decoded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The relay it is for.
    pub relay: PublicKey,
    /// The device it names (and that signed it).
    pub device: PublicKey,
    /// When it expires (ms since the Unix epoch); valid strictly before.
    pub expires_ms: u64,
    /// Random bytes, which the relay refuses to see twice.
    pub nonce: [u8; 16],
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not base58, the wrong length, or not a token (magic, version).
    #[error("malformed token: {0}")]
    Malformed(String),
    /// Made for another relay.
    #[error("token is for another relay")]
    WrongRelay,
    /// Its expiry time has passed.
    #[error("token expired")]
    Expired,
    /// It expires further ahead than the relay accepts.
    #[error("token lives too long")]
    TooLongLived,
    /// The device's signature does not verify.
    #[error("token signature does not verify")]
    BadSignature,
    /// A key in it is not a sound ed25519 key.
    #[error("token names an unsound key")]
    UnsoundKey,
}

impl TokenError {
    /// A stable snake_case label, e.g. for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            TokenError::Malformed(_) => "malformed",
            TokenError::WrongRelay => "wrong_relay",
            TokenError::Expired => "expired",
            TokenError::TooLongLived => "too_long_lived",
            TokenError::BadSignature => "bad_signature",
            TokenError::UnsoundKey => "unsound_key",
        }
    }
}

impl Token {
    /// Sign a new token; the nonce comes from the caller (the engine's
    /// entropy, or getrandom).
    pub fn issue(
        device: &DeviceKey,
        relay: &PublicKey,
        expires_ms: u64,
        nonce: [u8; 16],
    ) -> String {
        let token = Token {
            relay: *relay,
            device: device.public(),
            expires_ms,
            nonce,
        };
        let body = token.body();
        let signature = device.sign(&signed_message(&body));
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&signature.0);
        bs58::encode(bytes).into_string()
    }

    /// Decode and check a token: its layout, that it is for `relay`, that
    /// its keys are sound, its signature (strict verification), that
    /// `now_ms` is before its expiry, and that it expires no more than
    /// `max_lifetime_ms` after `now_ms`.
    pub fn verify(
        text: &str,
        relay: &PublicKey,
        now_ms: u64,
        max_lifetime_ms: u64,
    ) -> Result<Token, TokenError> {
        let (token, signature) = decode(text)?;
        if token.relay != *relay {
            return Err(TokenError::WrongRelay);
        }
        if !token.device.is_sound() || !token.relay.is_sound() {
            return Err(TokenError::UnsoundKey);
        }
        if !token
            .device
            .verify(&signed_message(&token.body()), &signature)
        {
            return Err(TokenError::BadSignature);
        }
        if now_ms >= token.expires_ms {
            return Err(TokenError::Expired);
        }
        if token.expires_ms - now_ms > max_lifetime_ms {
            return Err(TokenError::TooLongLived);
        }
        Ok(token)
    }

    /// The automerge-repo peer id this token pins the connection to:
    /// `nous-` ‖ base58(device key) ‖ `-` ‖ base58(session), where the
    /// session is the first 8 bytes of the nonce. A client keeps its session
    /// bytes across the tokens of its reconnections (the other 8 are fresh
    /// each time, so every token is still used once), and so keeps its peer
    /// id, as automerge-repo expects of a peer that comes back.
    pub fn peer_id(&self) -> String {
        format!(
            "{PEER_PREFIX}{}-{}",
            bs58::encode(self.device.as_bytes()).into_string(),
            bs58::encode(self.session()).into_string()
        )
    }

    /// The session part of the nonce (its first 8 bytes).
    pub fn session(&self) -> [u8; 8] {
        let mut session = [0u8; 8];
        session.copy_from_slice(&self.nonce[..8]);
        session
    }

    /// The bytes before the signature.
    fn body(&self) -> [u8; BODY_LEN] {
        let mut body = [0u8; BODY_LEN];
        let mut at = 0;
        for part in [
            &MAGIC[..],
            self.relay.as_bytes(),
            self.device.as_bytes(),
            &self.expires_ms.to_be_bytes(),
            &self.nonce,
        ] {
            body[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        body
    }
}

/// The device named by a peer id made by [`Token::peer_id`] (`None` for
/// anything else).
pub fn peer_device(peer_id: &str) -> Option<PublicKey> {
    if peer_id.len() > 128 {
        return None;
    }
    let rest = peer_id.strip_prefix(PEER_PREFIX)?;
    let (device, nonce) = rest.split_once('-')?;
    let key: [u8; 32] = decode_exact(device)?;
    let _: [u8; 8] = decode_exact(nonce)?;
    Some(PublicKey::from_bytes(key))
}

/// Base58 text of exactly `N` bytes, written the one way `bs58` writes it.
fn decode_exact<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes: [u8; N] = bs58::decode(text).into_vec().ok()?.try_into().ok()?;
    (bs58::encode(bytes).into_string() == text).then_some(bytes)
}

/// The token's fields and signature, from its text; no check beyond the
/// layout.
fn decode(text: &str) -> Result<(Token, Signature), TokenError> {
    if text.len() > MAX_TEXT_LEN {
        return Err(TokenError::Malformed("too long".into()));
    }
    let bytes = bs58::decode(text)
        .into_vec()
        .map_err(|_| TokenError::Malformed("not base58".into()))?;
    if bytes.len() != TOKEN_LEN {
        return Err(TokenError::Malformed(format!(
            "{} bytes, not {TOKEN_LEN}",
            bytes.len()
        )));
    }
    if !bytes.starts_with(MAGIC) {
        return Err(TokenError::Malformed(
            "not a Nous relay token (bad magic or unsupported version)".into(),
        ));
    }
    let array = |from: usize| {
        let mut out = [0u8; 32];
        out.copy_from_slice(&bytes[from..from + 32]);
        out
    };
    let at = MAGIC.len();
    let relay = PublicKey::from_bytes(array(at));
    let device = PublicKey::from_bytes(array(at + 32));
    let mut expires = [0u8; 8];
    expires.copy_from_slice(&bytes[at + 64..at + 72]);
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&bytes[at + 72..BODY_LEN]);
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&bytes[BODY_LEN..]);
    let token = Token {
        relay,
        device,
        expires_ms: u64::from_be_bytes(expires),
        nonce,
    };
    Ok((token, Signature(signature)))
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(DOMAIN.len() + body.len());
    message.extend_from_slice(DOMAIN);
    message.extend_from_slice(body);
    message
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use sha2::{Digest as _, Sha256};

    use super::*;

    const NOW: u64 = 1_767_225_600_000;

    fn device() -> DeviceKey {
        DeviceKey::from_seed(&[1; 32])
    }

    fn relay() -> PublicKey {
        DeviceKey::from_seed(&[2; 32]).public()
    }

    fn nonce() -> [u8; 16] {
        std::array::from_fn(|i| i as u8)
    }

    fn issue(expires_ms: u64) -> String {
        Token::issue(&device(), &relay(), expires_ms, nonce())
    }

    fn check(text: &str) -> Result<Token, TokenError> {
        Token::verify(text, &relay(), NOW, MAX_LIFETIME_MS)
    }

    fn bytes(text: &str) -> Vec<u8> {
        bs58::decode(text).into_vec().expect("base58")
    }

    fn text(bytes: &[u8]) -> String {
        bs58::encode(bytes).into_string()
    }

    #[test]
    fn an_issued_token_verifies_and_round_trips() {
        let text = issue(NOW + DEFAULT_LIFETIME_MS);
        assert_eq!(bytes(&text).len(), TOKEN_LEN);
        assert!(text.len() <= MAX_TEXT_LEN);
        let token = check(&text).expect("valid");
        assert_eq!(
            token,
            Token {
                relay: relay(),
                device: device().public(),
                expires_ms: NOW + DEFAULT_LIFETIME_MS,
                nonce: nonce(),
            }
        );
        // URL-safe as it is: base58 has no `+`, `/`, `=` or `%`.
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn the_peer_id_names_the_device_and_nothing_else_does() {
        let token = check(&issue(NOW + 1)).expect("valid");
        let peer = token.peer_id();
        assert!(peer.starts_with("nous-"), "{peer}");
        assert_eq!(peer_device(&peer), Some(device().public()));
        let other = Token {
            nonce: [0; 16],
            ..token.clone()
        };
        assert_ne!(other.peer_id(), peer, "the session is part of it");
        let same_session = Token {
            nonce: {
                let mut n = token.nonce;
                n[15] ^= 1;
                n
            },
            ..token.clone()
        };
        assert_eq!(same_session.peer_id(), peer, "only the session is");
        assert_eq!(peer_device(&other.peer_id()), Some(device().public()));
        let device_part = bs58::encode(device().public().as_bytes()).into_string();
        for bad in [
            String::new(),
            "nous-".to_owned(),
            format!("nous-{device_part}"),
            format!("nous-{device_part}-"),
            format!("peer-{device_part}-{}", text(&nonce())),
            format!("nous-{}-{}", text(&[1; 31]), text(&nonce())),
            format!("nous-{device_part}-{}", text(&[1; 15])),
            format!("nous-{device_part}-{}-x", text(&nonce())),
            format!("nous-{device_part}-0OIl"),
            "nous-".to_owned() + &"1".repeat(200),
        ] {
            assert_eq!(peer_device(&bad), None, "{bad}");
        }
    }

    #[test]
    fn every_refusal_has_its_reason() {
        let cases: Vec<(Result<Token, TokenError>, TokenError)> = vec![
            (
                check("not base58: 0OIl"),
                TokenError::Malformed(String::new()),
            ),
            (check(&text(&[1; 10])), TokenError::Malformed(String::new())),
            (
                check(&"2".repeat(300)),
                TokenError::Malformed(String::new()),
            ),
            (
                Token::verify(&issue(NOW + 1), &device().public(), NOW, MAX_LIFETIME_MS),
                TokenError::WrongRelay,
            ),
            (check(&issue(NOW)), TokenError::Expired),
            (check(&issue(NOW - 1)), TokenError::Expired),
            (
                check(&issue(NOW + MAX_LIFETIME_MS + 1)),
                TokenError::TooLongLived,
            ),
        ];
        for (got, expected) in cases {
            let error = got.expect_err("refused");
            assert_eq!(
                std::mem::discriminant(&error),
                std::mem::discriminant(&expected),
                "{error}"
            );
        }
        // Exactly the longest lifetime is accepted.
        assert!(check(&issue(NOW + MAX_LIFETIME_MS)).is_ok());

        // Another magic or version.
        let mut wrong = bytes(&issue(NOW + 1));
        wrong[4] = 2;
        assert!(matches!(
            check(&text(&wrong)),
            Err(TokenError::Malformed(_))
        ));

        // A signature by another key than the device's.
        let mut forged = bytes(&issue(NOW + 1));
        let other = DeviceKey::from_seed(&[3; 32]);
        let signature = other.sign(&signed_message(&forged[..BODY_LEN]));
        forged[BODY_LEN..].copy_from_slice(&signature.0);
        assert_eq!(check(&text(&forged)), Err(TokenError::BadSignature));

        // A device key with a small-order component.
        let point = curve25519_dalek::edwards::CompressedEdwardsY(*device().public().as_bytes())
            .decompress()
            .expect("point");
        let mixed = (point + curve25519_dalek::constants::EIGHT_TORSION[1])
            .compress()
            .0;
        let mut unsound = bytes(&issue(NOW + 1));
        unsound[MAGIC.len() + 32..MAGIC.len() + 64].copy_from_slice(&mixed);
        assert_eq!(check(&text(&unsound)), Err(TokenError::UnsoundKey));
    }

    #[test]
    fn each_error_has_a_short_line_and_a_stable_label() {
        let all = [
            (TokenError::Malformed("not base58".into()), "malformed"),
            (TokenError::WrongRelay, "wrong_relay"),
            (TokenError::Expired, "expired"),
            (TokenError::TooLongLived, "too_long_lived"),
            (TokenError::BadSignature, "bad_signature"),
            (TokenError::UnsoundKey, "unsound_key"),
        ];
        for (error, label) in all {
            assert_eq!(error.reason(), label);
            let line = error.to_string();
            assert!(line.starts_with("token") || line.starts_with("malformed token"));
            assert!(!line.contains('\n') && line.len() < 80, "{line}");
        }
        assert_eq!(
            TokenError::WrongRelay.to_string(),
            "token is for another relay"
        );
        assert_eq!(TokenError::Expired.to_string(), "token expired");
    }

    #[test]
    fn a_flipped_bit_anywhere_is_refused() {
        let good = bytes(&issue(NOW + 1));
        for at in 0..good.len() {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[at] ^= 1 << bit;
                assert!(check(&text(&bad)).is_err(), "bit {bit} of byte {at}");
            }
        }
    }

    #[test]
    fn a_token_for_relay_a_is_refused_by_relay_b() {
        let relay_a = DeviceKey::from_seed(&[10; 32]).public();
        let relay_b = DeviceKey::from_seed(&[11; 32]).public();
        let text = Token::issue(&device(), &relay_a, NOW + 1, nonce());
        assert!(Token::verify(&text, &relay_a, NOW, MAX_LIFETIME_MS).is_ok());
        assert_eq!(
            Token::verify(&text, &relay_b, NOW, MAX_LIFETIME_MS),
            Err(TokenError::WrongRelay)
        );
        // Relabelled for B, the signature no longer holds.
        let mut relabelled = bytes(&text);
        relabelled[MAGIC.len()..MAGIC.len() + 32].copy_from_slice(relay_b.as_bytes());
        assert_eq!(
            Token::verify(&self::text(&relabelled), &relay_b, NOW, MAX_LIFETIME_MS),
            Err(TokenError::BadSignature)
        );
    }

    // -- the test vector of docs/formats.md --------------------------------

    const FORMATS_MD: &str = include_str!("../../docs/formats.md");

    /// The `name: value` fields of the ```token-vector block; indented lines
    /// continue the field before.
    fn vector() -> BTreeMap<String, String> {
        let block = FORMATS_MD
            .split("```token-vector\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/formats.md has a token-vector block");
        let mut fields = BTreeMap::new();
        let mut last = String::new();
        for line in block.lines() {
            if line.starts_with(' ') {
                let value: &mut String = fields.get_mut(&last).expect("a field to continue");
                value.push_str(line.trim());
            } else {
                let (name, value) = line.split_once(':').expect("`name: value`");
                last = name.trim().to_owned();
                fields.insert(last.clone(), value.trim().to_owned());
            }
        }
        fields
    }

    #[test]
    fn the_test_vector_in_docs_formats_md_is_what_issue_produces() {
        let v = vector();
        let field = |name: &str| v.get(name).unwrap_or_else(|| panic!("field `{name}`"));
        let mut seed = [0u8; 32];
        hex::decode_to_slice(field("device seed"), &mut seed).expect("seed");
        let key = DeviceKey::from_seed(&seed);
        assert_eq!(&key.public().to_string(), field("device"));
        let relay: PublicKey = field("relay").parse().expect("relay");
        let expires: u64 = field("expires_at").parse().expect("expires_at");
        let mut nonce = [0u8; 16];
        hex::decode_to_slice(field("nonce"), &mut nonce).expect("nonce");
        let text = Token::issue(&key, &relay, expires, nonce);
        let raw = bytes(&text);
        assert_eq!(&hex::encode(&raw), field("token"));
        assert_eq!(&text, field("text"));
        assert_eq!(&raw.len().to_string(), field("token length"));
        assert_eq!(&text.len().to_string(), field("text length"));
        assert_eq!(
            &hex::encode(Sha256::digest(signed_message(&raw[..BODY_LEN]))),
            field("message sha256")
        );
        assert_eq!(&hex::encode(&raw[BODY_LEN..]), field("signature"));
        let token = Token::verify(&text, &relay, expires - 60_000, MAX_LIFETIME_MS).expect("ok");
        assert_eq!(&token.peer_id(), field("peer id"));

        // The annotated layout is the same token, field by field.
        let layout: String = FORMATS_MD
            .split("```token-layout\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("a token-layout block")
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default())
            .flat_map(|hex| hex.split_whitespace())
            .collect();
        assert_eq!(layout, hex::encode(&raw));
    }
}
