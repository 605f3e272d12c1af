//! The invitation a member hands out: what an applicant needs to reach a
//! community through a relay and apply to it, as one link.
//!
//! ```text
//! nous:invite/1/<base58 of the bytes below>
//! [32] community id
//! [32] invitation record id (`invitation.issue`)
//! [32] invitation secret (ed25519 seed; the record holds its public key)
//! [32] relay key
//! u64 BE expiry (ms since the Unix epoch)
//! u16 BE len, relay URL (UTF-8, `http://`, `https://`, `ws://` or `wss://`)
//! ```
//!
//! The link is a bearer secret: whoever holds it may apply (once per use
//! the invitation allows) and read what an applicant may read. It is not
//! signed itself: what makes it trustworthy is the `invitation.issue`
//! record a member signed, which the relay hands to the applicant and the
//! applicant checks (signature, community, key) before applying.

use std::fmt;
use std::str::FromStr;

use crate::identity::{DeviceKey, PublicKey};
use crate::record::{CommunityId, RecordId};

/// What every invitation link starts with.
pub const PREFIX: &str = "nous:invite/1/";
/// Longest relay URL a link carries.
pub const MAX_URL: usize = 512;

/// An invitation, as its link carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The community.
    pub community: CommunityId,
    /// The `invitation.issue` record.
    pub record: RecordId,
    /// The invitation's secret key.
    pub secret: [u8; 32],
    /// The relay's key.
    pub relay_key: PublicKey,
    /// When it expires (ms).
    pub expires: u64,
    /// The relay's URL.
    pub relay_url: String,
}

impl fmt::Debug for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret is never printed by accident.
        f.debug_struct("Invitation")
            .field("community", &self.community)
            .field("record", &self.record)
            .field("relay_url", &self.relay_url)
            .finish_non_exhaustive()
    }
}

/// Why a text is not an invitation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    /// It does not start with `nous:invite/1/`.
    #[error("not a Nous invitation (it starts with `{PREFIX}`)")]
    NotAnInvitation,
    /// Not base58, or the wrong length.
    #[error("damaged invitation: {0}")]
    Damaged(String),
}

impl Invitation {
    /// The invitation's key (from its secret).
    pub fn key(&self) -> DeviceKey {
        DeviceKey::from_seed(&self.secret)
    }

    /// The link.
    pub fn to_link(&self) -> String {
        let url = self.relay_url.as_bytes();
        let mut bytes = Vec::with_capacity(32 * 4 + 10 + url.len());
        bytes.extend_from_slice(&self.community.0);
        bytes.extend_from_slice(&self.record.0);
        bytes.extend_from_slice(&self.secret);
        bytes.extend_from_slice(self.relay_key.as_bytes());
        bytes.extend_from_slice(&self.expires.to_be_bytes());
        let len = u16::try_from(url.len()).unwrap_or(u16::MAX);
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(&url[..usize::from(len)]);
        format!("{PREFIX}{}", bs58::encode(bytes).into_string())
    }
}

impl fmt::Display for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_link())
    }
}

impl FromStr for Invitation {
    type Err = InvitationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let body = text
            .strip_prefix(PREFIX)
            .ok_or(InvitationError::NotAnInvitation)?;
        // Base58 grows a byte by about 1.37 characters.
        if body.len() > (32 * 4 + 10 + MAX_URL) * 14 / 10 + 2 {
            return Err(InvitationError::Damaged("too long".into()));
        }
        let bytes = bs58::decode(body)
            .into_vec()
            .map_err(|e| InvitationError::Damaged(e.to_string()))?;
        let damaged = |what: &str| InvitationError::Damaged(what.into());
        let fixed = 32 * 4 + 8 + 2;
        if bytes.len() < fixed {
            return Err(damaged("too short"));
        }
        let take32 = |at: usize| -> [u8; 32] {
            let mut out = [0; 32];
            out.copy_from_slice(&bytes[at..at + 32]);
            out
        };
        let mut expires = [0; 8];
        expires.copy_from_slice(&bytes[128..136]);
        let len = usize::from(u16::from_be_bytes([bytes[136], bytes[137]]));
        if len > MAX_URL || bytes.len() != fixed + len {
            return Err(damaged("wrong length"));
        }
        let relay_url = std::str::from_utf8(&bytes[fixed..])
            .map_err(|_| damaged("the relay URL is not UTF-8"))?
            .to_owned();
        if !["http://", "https://", "ws://", "wss://"]
            .iter()
            .any(|scheme| relay_url.starts_with(scheme))
        {
            return Err(damaged("the relay URL is not http(s) or ws(s)"));
        }
        let relay_key = PublicKey::from_bytes(take32(96));
        if !relay_key.is_sound() {
            return Err(damaged("the relay key is not a sound key"));
        }
        Ok(Invitation {
            community: RecordId(take32(0)),
            record: RecordId(take32(32)),
            secret: take32(64),
            relay_key,
            expires: u64::from_be_bytes(expires),
            relay_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(url: &str) -> Invitation {
        Invitation {
            community: RecordId([1; 32]),
            record: RecordId([2; 32]),
            secret: [3; 32],
            relay_key: DeviceKey::from_seed(&[4; 32]).public(),
            expires: 1_800_000_000_000,
            relay_url: url.into(),
        }
    }

    #[test]
    fn a_link_reads_back_and_hides_its_secret() {
        let invitation = sample("http://127.0.0.1:8080");
        let link = invitation.to_link();
        assert!(link.starts_with(PREFIX));
        assert_eq!(link.parse::<Invitation>(), Ok(invitation.clone()));
        assert_eq!(
            format!(" {link}\n").parse::<Invitation>(),
            Ok(invitation.clone())
        );
        let debug = format!("{invitation:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }

    #[test]
    fn damaged_links_are_refused() {
        let link = sample("https://relay.example").to_link();
        assert_eq!(
            "https://relay.example".parse::<Invitation>(),
            Err(InvitationError::NotAnInvitation)
        );
        assert!(matches!(
            link[..link.len() - 3].parse::<Invitation>(),
            Err(InvitationError::Damaged(_))
        ));
        assert!(matches!(
            format!("{link}0").parse::<Invitation>(),
            Err(InvitationError::Damaged(_))
        ));
        assert!(matches!(
            sample("file:///etc/passwd").to_link().parse::<Invitation>(),
            Err(InvitationError::Damaged(_))
        ));
    }

    proptest! {
        #[test]
        fn any_link_reads_back(
            community in any::<[u8; 32]>(),
            record in any::<[u8; 32]>(),
            secret in any::<[u8; 32]>(),
            expires in any::<u64>(),
            host in "[a-z0-9.-]{1,60}",
            port in any::<u16>(),
        ) {
            let invitation = Invitation {
                community: RecordId(community),
                record: RecordId(record),
                secret,
                relay_key: DeviceKey::from_seed(&[9; 32]).public(),
                expires,
                relay_url: format!("wss://{host}:{port}/"),
            };
            prop_assert_eq!(invitation.to_link().parse::<Invitation>(), Ok(invitation));
        }

        #[test]
        fn any_text_is_read_without_panic(text in "nous:invite/1/[1-9A-HJ-NP-Za-km-z]{0,400}") {
            let _ = text.parse::<Invitation>();
        }
    }
}
