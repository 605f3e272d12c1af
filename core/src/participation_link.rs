//! The link a participation's organiser hands out: what a citizen's device
//! needs to reach a participation through a relay and contribute to it,
//! without being a member of the organising community.
//!
//! ```text
//! nous:participate/1/<base58 of the bytes below>
//! [32] community id
//! [32] participation record id (`participation.open`)
//! [32] relay key
//! u8   1 if an invitation follows, else 0
//!      [32] invitation record id (`invitation.issue`)
//!      [32] invitation secret (ed25519 seed; the record holds its key)
//! u16 BE len, relay URL (UTF-8, `http://`, `https://`, `ws://` or `wss://`)
//! ```
//!
//! Without an invitation the link is public: anyone may hold it, and the
//! phase's `contributors` says whether their records count. With one it is
//! a bearer secret, for phases open to invited contributors.

use std::fmt;
use std::str::FromStr;

use crate::identity::{DeviceKey, PublicKey};
use crate::record::{CommunityId, RecordId};

/// What every participation link starts with.
pub const PREFIX: &str = "nous:participate/1/";
/// Longest relay URL a link carries.
pub const MAX_URL: usize = 512;

/// An invitation a participation link carries.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkInvitation {
    /// The `invitation.issue` record.
    pub record: RecordId,
    /// Its secret key.
    pub secret: [u8; 32],
}

impl LinkInvitation {
    /// The invitation's key (from its secret).
    pub fn key(&self) -> DeviceKey {
        DeviceKey::from_seed(&self.secret)
    }
}

impl fmt::Debug for LinkInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret is never printed by accident.
        f.debug_struct("LinkInvitation")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// A participation, as its link carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipationLink {
    /// The organising community.
    pub community: CommunityId,
    /// The `participation.open` record.
    pub participation: RecordId,
    /// The relay's key.
    pub relay_key: PublicKey,
    /// The relay's URL.
    pub relay_url: String,
    /// An invitation, for phases open to invited contributors.
    pub invitation: Option<LinkInvitation>,
}

/// Why a text is not a participation link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// It does not start with `nous:participate/1/`.
    #[error("not a Nous participation link (it starts with `{PREFIX}`)")]
    NotALink,
    /// Not base58, or the wrong length, or a bad field.
    #[error("damaged participation link: {0}")]
    Damaged(String),
}

impl ParticipationLink {
    /// The link.
    pub fn to_link(&self) -> String {
        let url = self.relay_url.as_bytes();
        let mut bytes = Vec::with_capacity(32 * 5 + 3 + url.len());
        bytes.extend_from_slice(&self.community.0);
        bytes.extend_from_slice(&self.participation.0);
        bytes.extend_from_slice(self.relay_key.as_bytes());
        match &self.invitation {
            Some(invitation) => {
                bytes.push(1);
                bytes.extend_from_slice(&invitation.record.0);
                bytes.extend_from_slice(&invitation.secret);
            }
            None => bytes.push(0),
        }
        let len = u16::try_from(url.len().min(MAX_URL)).unwrap_or(0);
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(&url[..usize::from(len)]);
        format!("{PREFIX}{}", bs58::encode(bytes).into_string())
    }
}

impl fmt::Display for ParticipationLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_link())
    }
}

impl FromStr for ParticipationLink {
    type Err = LinkError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let body = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(LinkError::NotALink)?;
        // Base58 grows a byte by about 1.37 characters.
        if body.len() > (32 * 5 + 3 + MAX_URL) * 14 / 10 + 2 {
            return Err(LinkError::Damaged("too long".into()));
        }
        let bytes = bs58::decode(body)
            .into_vec()
            .map_err(|e| LinkError::Damaged(e.to_string()))?;
        let damaged = |what: &str| LinkError::Damaged(what.into());
        let take32 = |at: usize| -> Result<[u8; 32], LinkError> {
            bytes
                .get(at..at + 32)
                .and_then(|s| <[u8; 32]>::try_from(s).ok())
                .ok_or_else(|| damaged("too short"))
        };
        let community = RecordId(take32(0)?);
        let participation = RecordId(take32(32)?);
        let relay_key = PublicKey::from_bytes(take32(64)?);
        if !relay_key.is_sound() {
            return Err(damaged("the relay key is not a sound key"));
        }
        let mut at = 96;
        let invitation = match bytes.get(at) {
            Some(0) => {
                at += 1;
                None
            }
            Some(1) => {
                let record = RecordId(take32(at + 1)?);
                let secret = take32(at + 33)?;
                at += 65;
                Some(LinkInvitation { record, secret })
            }
            Some(_) => return Err(damaged("unknown invitation flag")),
            None => return Err(damaged("too short")),
        };
        let len = bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| damaged("too short"))?;
        at += 2;
        if len > MAX_URL || bytes.len() != at + len {
            return Err(damaged("wrong length"));
        }
        let relay_url = std::str::from_utf8(&bytes[at..])
            .map_err(|_| damaged("the relay URL is not UTF-8"))?
            .to_owned();
        if !["http://", "https://", "ws://", "wss://"]
            .iter()
            .any(|scheme| relay_url.starts_with(scheme))
        {
            return Err(damaged("the relay URL is not http(s) or ws(s)"));
        }
        Ok(ParticipationLink {
            community,
            participation,
            relay_key,
            relay_url,
            invitation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(url: &str, invited: bool) -> ParticipationLink {
        ParticipationLink {
            community: RecordId([1; 32]),
            participation: RecordId([2; 32]),
            relay_key: DeviceKey::from_seed(&[4; 32]).public(),
            relay_url: url.into(),
            invitation: invited.then_some(LinkInvitation {
                record: RecordId([5; 32]),
                secret: [3; 32],
            }),
        }
    }

    #[test]
    fn a_link_reads_back_and_hides_its_secret() {
        for invited in [false, true] {
            let link = sample("http://127.0.0.1:8080", invited);
            let text = link.to_link();
            assert!(text.starts_with(PREFIX));
            assert_eq!(text.parse::<ParticipationLink>(), Ok(link.clone()));
            assert_eq!(
                format!(" {text}\n").parse::<ParticipationLink>(),
                Ok(link.clone())
            );
            let debug = format!("{link:?}");
            assert!(!debug.contains("secret"), "{debug}");
            assert!(!debug.contains("[3, 3"), "{debug}");
        }
    }

    #[test]
    fn damaged_links_are_refused() {
        let text = sample("https://relay.example", true).to_link();
        assert_eq!(
            "https://relay.example".parse::<ParticipationLink>(),
            Err(LinkError::NotALink)
        );
        assert_eq!(
            "nous:invite/1/abc".parse::<ParticipationLink>(),
            Err(LinkError::NotALink)
        );
        for damaged in [
            text[..text.len() - 3].to_owned(),
            format!("{text}0"),
            format!("{PREFIX}0OIl"),
            PREFIX.to_owned(),
            sample("file:///etc/passwd", false).to_link(),
        ] {
            assert!(
                matches!(
                    damaged.parse::<ParticipationLink>(),
                    Err(LinkError::Damaged(_))
                ),
                "{damaged}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_link_reads_back(
            community in any::<[u8; 32]>(),
            participation in any::<[u8; 32]>(),
            invitation in proptest::option::of((any::<[u8; 32]>(), any::<[u8; 32]>())),
            host in "[a-z0-9.-]{1,60}",
            port in any::<u16>(),
        ) {
            let link = ParticipationLink {
                community: RecordId(community),
                participation: RecordId(participation),
                relay_key: DeviceKey::from_seed(&[9; 32]).public(),
                relay_url: format!("ws://{host}:{port}/"),
                invitation: invitation.map(|(record, secret)| LinkInvitation {
                    record: RecordId(record),
                    secret,
                }),
            };
            prop_assert_eq!(link.to_link().parse::<ParticipationLink>(), Ok(link));
        }

        #[test]
        fn any_text_is_read_without_panic(text in "nous:participate/1/[1-9A-HJ-NP-Za-km-z]{0,400}") {
            let _ = text.parse::<ParticipationLink>();
        }

        /// A link damaged by one changed byte is refused or reads as
        /// another link, never panics.
        #[test]
        fn a_flipped_byte_never_panics(at in 0usize..300, byte in any::<u8>()) {
            let text = sample("ws://127.0.0.1:1", true).to_link();
            let mut bytes = bs58::decode(&text[PREFIX.len()..]).into_vec().unwrap_or_default();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = byte;
            }
            let _ = format!("{PREFIX}{}", bs58::encode(bytes).into_string()).parse::<ParticipationLink>();
        }
    }
}
