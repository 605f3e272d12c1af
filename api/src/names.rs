//! Names given with consent: who a pseudonym of a participation is, for
//! those who agreed to be named in its open data, kept in this home only
//! (`names.json`, private to its owner), never in a signed record and
//! never logged, so that a name can be erased (`docs/participation.md`,
//! « Open data and personal data »).
//!
//! Erasing a name removes it from this table, so no later export of this
//! home carries it. What stays: the signed records (the device key, the
//! pseudonym computed from it, the contribution's words) and any export
//! already published.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use nous_core::record::{CommunityId, RecordId};
use serde::{Deserialize, Serialize};

use crate::{Error, Home, Invalid, Result};

/// The file of names given with consent, in a home.
pub const NAMES_FILE: &str = "names.json";

/// The longest name kept (characters).
pub const MAX_NAME: usize = 200;

/// The file as written.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    version: u32,
    names: Vec<Entry>,
}

/// One name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    community: String,
    participation: String,
    pseudonym: String,
    name: String,
}

impl Entry {
    fn is(&self, community: &CommunityId, participation: &RecordId, pseudonym: &str) -> bool {
        self.community == community.to_string()
            && self.participation == participation.to_string()
            && self.pseudonym == pseudonym
    }
}

/// A pseudonym as `nous_core::governance::participation::pseudonym`
/// makes them: `p-` and 10 lowercase hex digits.
fn check_pseudonym(pseudonym: &str) -> Result<()> {
    let ok = pseudonym.strip_prefix("p-").is_some_and(|hex| {
        hex.len() == 10
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(Invalid::NotAPseudonym(pseudonym.to_owned()).into())
    }
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Invalid::BadName { max: MAX_NAME }.into());
    }
    Ok(name.to_owned())
}

fn read(home: &Path) -> Result<Table> {
    let path = home.join(NAMES_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Invalid::NamesDamaged {
                path: path.display().to_string(),
                detail: e.to_string(),
            }
            .into()
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Table {
            version: 1,
            names: Vec::new(),
        }),
        Err(reason) => Err(Error::Io {
            path: path.display().to_string(),
            reason,
        }),
    }
}

/// Replace the file whole: a fresh file private to its owner, synced,
/// then renamed over the old one, so a crash leaves the old table or the
/// new, never half of one.
fn write(home: &Path, table: &mut Table) -> Result<()> {
    let path = home.join(NAMES_FILE);
    let fresh = home.join(format!("{NAMES_FILE}.new"));
    let io = |reason| Error::Io {
        path: path.display().to_string(),
        reason,
    };
    table.names.sort();
    table.names.dedup();
    let text = serde_json::to_vec_pretty(table).map_err(|e| Invalid::Json(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&fresh).map_err(io)?;
    #[cfg(unix)]
    {
        // A leftover file from a crash may have been made otherwise.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    file.write_all(&text).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&fresh, &path).map_err(io)?;
    // The rename itself durable (best effort: not every system can).
    if let Ok(dir) = std::fs::File::open(home) {
        let _ = dir.sync_all();
    }
    Ok(())
}

impl Home {
    /// Keep `name` for `pseudonym` in a participation, as its bearer
    /// consented: exports of this home then show it. Replaces a name kept
    /// before. Never signed, never synced, never logged.
    pub fn record_name(
        &self,
        community: &CommunityId,
        participation: &RecordId,
        pseudonym: &str,
        name: &str,
    ) -> Result<()> {
        check_pseudonym(pseudonym)?;
        let name = check_name(name)?;
        let mut table = read(self.path())?;
        table
            .names
            .retain(|e| !e.is(community, participation, pseudonym));
        table.names.push(Entry {
            community: community.to_string(),
            participation: participation.to_string(),
            pseudonym: pseudonym.to_owned(),
            name,
        });
        table.version = 1;
        write(self.path(), &mut table)
    }

    /// Erase the name kept for `pseudonym` in a participation: whether
    /// there was one. Later exports show the pseudonym only; the signed
    /// records and exports already published are as they were.
    pub fn erase_name(
        &self,
        community: &CommunityId,
        participation: &RecordId,
        pseudonym: &str,
    ) -> Result<bool> {
        let mut table = read(self.path())?;
        let before = table.names.len();
        table
            .names
            .retain(|e| !e.is(community, participation, pseudonym));
        if table.names.len() == before {
            return Ok(false);
        }
        table.version = 1;
        write(self.path(), &mut table)?;
        Ok(true)
    }

    /// The names kept for a participation: pseudonym → name.
    pub fn names(
        &self,
        community: &CommunityId,
        participation: &RecordId,
    ) -> Result<BTreeMap<String, String>> {
        let community = community.to_string();
        let participation = participation.to_string();
        Ok(read(self.path())?
            .names
            .into_iter()
            .filter(|e| e.community == community && e.participation == participation)
            .map(|e| (e.pseudonym, e.name))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Env, ErrorKind};

    fn home(dir: &Path) -> Home {
        Home::init_with_seed(dir, &[7; 32]).expect("init");
        Home::open(dir, Env::fixed(1_765_000_000_000)).expect("open")
    }

    #[test]
    fn a_name_is_recorded_listed_replaced_and_erased_in_a_private_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = home(dir.path());
        let (c, p, other) = (RecordId([1; 32]), RecordId([2; 32]), RecordId([3; 32]));
        assert!(home.names(&c, &p).expect("none yet").is_empty());
        home.record_name(&c, &p, "p-0123456789", "Zoé Martin")
            .expect("record");
        home.record_name(&c, &p, "p-abcdefabcd", " Yan ")
            .expect("record");
        home.record_name(&c, &other, "p-0123456789", "Elsewhere")
            .expect("record");
        home.record_name(&c, &p, "p-0123456789", "Zoé M.")
            .expect("replace");
        assert_eq!(
            home.names(&c, &p).expect("names"),
            BTreeMap::from([
                ("p-0123456789".to_owned(), "Zoé M.".to_owned()),
                ("p-abcdefabcd".to_owned(), "Yan".to_owned()),
            ])
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let meta = std::fs::metadata(dir.path().join(NAMES_FILE)).expect("meta");
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
        assert!(!dir.path().join(format!("{NAMES_FILE}.new")).exists());
        assert!(home.erase_name(&c, &p, "p-0123456789").expect("erase"));
        assert!(!home.erase_name(&c, &p, "p-0123456789").expect("twice"));
        assert_eq!(home.names(&c, &p).expect("names").len(), 1);
        assert_eq!(home.names(&c, &other).expect("other").len(), 1);
        let text = std::fs::read_to_string(dir.path().join(NAMES_FILE)).expect("read");
        assert!(!text.contains("Zoé"), "{text}");
    }

    #[test]
    fn a_bad_pseudonym_or_name_and_a_damaged_file_are_clear_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = home(dir.path());
        let (c, p) = (RecordId([1; 32]), RecordId([2; 32]));
        for (pseudonym, name) in [
            ("zoe", "Zoé"),
            ("p-0123", "Zoé"),
            ("p-0123456789", "  "),
            ("p-0123456789", "Zoé\nMartin"),
        ] {
            let error = home
                .record_name(&c, &p, pseudonym, name)
                .expect_err("refused");
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
        }
        let long = "x".repeat(MAX_NAME + 1);
        assert!(home.record_name(&c, &p, "p-0123456789", &long).is_err());
        std::fs::write(dir.path().join(NAMES_FILE), b"{not json").expect("damage");
        let error = home.names(&c, &p).expect_err("damaged");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.to_string().contains(NAMES_FILE), "{error}");
    }
}
