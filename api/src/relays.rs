//! The relays this home knows: each relay's key, pinned the first time the
//! home meets it (trust on first use, as SSH does), in `relays.json`.
//! A relay that comes back with another key is refused until the pin is
//! removed by hand.

use std::collections::BTreeMap;
use std::path::Path;

use nous_core::PublicKey;

use crate::{Error, Invalid, Result};

/// The file of pinned relay keys in a home.
pub const RELAYS_FILE: &str = "relays.json";

/// Check `key`, the key the relay named `relay` (its `ws://` URL) just
/// gave, against the one this home pinned for it; pin it if there is none.
/// A different key is refused with the file to edit if the relay was
/// reinstalled on purpose. The file is replaced whole (write, then rename),
/// so a crash never leaves half of it.
pub fn pin(home: &Path, relay: &str, key: PublicKey) -> Result<PublicKey> {
    let path = home.join(RELAYS_FILE);
    let io = |reason| Error::Io {
        path: path.display().to_string(),
        reason,
    };
    let mut known: BTreeMap<String, String> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| damaged(&path, &e))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(error) => return Err(io(error)),
    };
    match known.get(relay) {
        Some(pinned) if *pinned == key.to_string() => Ok(key),
        Some(pinned) => Err(Invalid::RelayKeyChanged {
            relay: relay.to_owned(),
            key: key.to_string(),
            pinned: pinned.clone(),
            path: path.display().to_string(),
        }
        .into()),
        None => {
            known.insert(relay.to_owned(), key.to_string());
            let text =
                serde_json::to_vec_pretty(&known).map_err(|e| Invalid::Json(e.to_string()))?;
            let fresh = home.join(format!("{RELAYS_FILE}.new"));
            std::fs::write(&fresh, text).map_err(io)?;
            std::fs::rename(&fresh, &path).map_err(io)?;
            Ok(key)
        }
    }
}

/// The file of pinned keys at `path` does not parse.
fn damaged(path: &Path, error: &serde_json::Error) -> Invalid {
    Invalid::RelaysDamaged {
        path: path.display().to_string(),
        detail: error.to_string(),
    }
}

/// The relays this home has pinned (their `ws://` URLs), in order.
pub fn known(home: &Path) -> Result<Vec<String>> {
    let path = home.join(RELAYS_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let known: BTreeMap<String, String> =
                serde_json::from_slice(&bytes).map_err(|e| damaged(&path, &e))?;
            Ok(known.into_keys().collect())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(reason) => Err(Error::Io {
            path: path.display().to_string(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use nous_core::DeviceKey;

    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_relay_key_is_pinned_on_first_use_and_a_new_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = DeviceKey::from_seed(&[1; 32]).public();
        let other = DeviceKey::from_seed(&[2; 32]).public();
        let relay = "ws://127.0.0.1:7000/";
        assert_eq!(pin(dir.path(), relay, first).expect("pin"), first);
        assert_eq!(pin(dir.path(), relay, first).expect("same"), first);
        let refused = pin(dir.path(), relay, other)
            .map(|_| ())
            .expect_err("changed");
        assert_eq!(refused.kind(), ErrorKind::InvalidInput);
        assert!(refused.to_string().contains("now has key"), "{refused}");
        // Another relay is pinned on its own.
        assert_eq!(
            pin(dir.path(), "ws://127.0.0.1:7001/", other).expect("pin"),
            other
        );
        assert_eq!(pin(dir.path(), relay, first).expect("still"), first);
        std::fs::write(dir.path().join(RELAYS_FILE), b"{not json").expect("damage");
        let damaged = pin(dir.path(), relay, first)
            .map(|_| ())
            .expect_err("damaged");
        assert!(damaged.to_string().contains("is damaged"), "{damaged}");
    }
}
