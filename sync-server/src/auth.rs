//! Who is connecting: a device proves itself with a relay token.
//!
//! A token (see `nous_core::token` and docs/formats.md) is signed by the
//! device key and bound to this relay's key, an expiry and a nonce. It
//! travels as the `token` query parameter of the WebSocket URL (a browser
//! cannot set headers on a WebSocket) or as an `Authorization: Bearer`
//! header. The relay refuses it before anything else happens when the
//! signature is wrong, the token is expired or lives too long, names another
//! relay, or was already used: each nonce is remembered until its token
//! expires, so a token opens one connection only.
//!
//! The connection is then pinned to the token's peer id: the guard refuses
//! any message whose `senderId` is another (the handshake included).

use std::collections::HashMap;
use std::sync::Mutex;

use nous_core::PublicKey;
use nous_core::token::{Token, TokenError};

/// Why a connection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token at all.
    #[error("no token: connect with ?token=... (see `nous token`)")]
    Missing,
    /// The token does not check.
    #[error("{0}")]
    Token(#[from] TokenError),
    /// The token was used before.
    #[error("token already used")]
    Replayed,
    /// The device key is not allowed to connect at all.
    #[error("device is not admitted on this relay")]
    Banned,
}

impl AuthError {
    /// A stable label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "token_missing",
            AuthError::Token(e) => match e.reason() {
                "malformed" => "token_malformed",
                "wrong_relay" => "token_wrong_relay",
                "expired" => "token_expired",
                "too_long_lived" => "token_too_long_lived",
                "bad_signature" => "token_bad_signature",
                _ => "token_unsound_key",
            },
            AuthError::Replayed => "token_replayed",
            AuthError::Banned => "device_banned",
        }
    }
}

/// Checks tokens and remembers the nonces it has seen.
#[derive(Debug)]
pub struct Authenticator {
    relay: PublicKey,
    max_lifetime_ms: u64,
    seen: Mutex<HashMap<[u8; 16], u64>>,
}

/// An authenticated connection: the peer identity the network edge knows.
pub type Authenticated = nous_net::Peer;

impl Authenticator {
    /// An authenticator for the relay whose key is `relay`.
    pub fn new(relay: PublicKey, max_lifetime_ms: u64) -> Self {
        Authenticator {
            relay,
            max_lifetime_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Check `token` at `now_ms` and use up its nonce.
    pub fn check(&self, token: Option<&str>, now_ms: u64) -> Result<Authenticated, AuthError> {
        let text = token.ok_or(AuthError::Missing)?;
        let token = Token::verify(text, &self.relay, now_ms, self.max_lifetime_ms)?;
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.retain(|_, expires| *expires > now_ms);
        if seen.insert(token.nonce, token.expires_ms).is_some() {
            return Err(AuthError::Replayed);
        }
        Ok(Authenticated {
            device: token.device,
            peer_id: token.peer_id(),
        })
    }
}
