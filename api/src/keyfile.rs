//! The device key file: the secret seed of this device, in a file only its
//! owner can read (mode 0600 on Unix), never overwritten.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use nous_core::DeviceKey;
use nous_core::identity::IdentityError;
use zeroize::Zeroizing;

/// Why a key file could not be created or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// There is no key file: this home has no identity yet.
    #[error("no device key at {0} (run `nous init`)")]
    Missing(String),
    /// A key file already exists where a new one was to be created.
    #[error("a device key already exists at {0}")]
    AlreadyExists(String),
    /// The key file can be read by other users.
    #[error("device key {path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")]
    TooOpen {
        /// The key file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file is not in the expected format.
    #[error(transparent)]
    Malformed(#[from] IdentityError),
    /// The file system refused.
    #[error("device key {path}: {reason}")]
    Io {
        /// The key file.
        path: String,
        /// What the system said.
        reason: std::io::Error,
    },
}

/// The largest key file read (a real one is about 90 bytes).
const MAX_KEY_FILE: u64 = 4096;

/// Write a new key file for `key` at `path`, readable and writable by its
/// owner only. Refuses to overwrite an existing file.
pub fn create(path: &Path, key: &DeviceKey) -> Result<(), KeyFileError> {
    let io = |reason| KeyFileError::Io {
        path: path.display().to_string(),
        reason,
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            KeyFileError::AlreadyExists(path.display().to_string())
        } else {
            io(error)
        }
    })?;
    file.write_all(key.to_key_file_text().as_bytes())
        .map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}

/// Read the key file at `path`. Refuses a file that others can read.
pub fn read(path: &Path) -> Result<DeviceKey, KeyFileError> {
    let shown = || path.display().to_string();
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyFileError::Missing(shown()));
        }
        Err(reason) => {
            return Err(KeyFileError::Io {
                path: shown(),
                reason,
            });
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::TooOpen {
                path: shown(),
                mode,
            });
        }
    }
    if metadata.len() > MAX_KEY_FILE {
        return Err(IdentityError::Malformed(shown()).into());
    }
    let text =
        Zeroizing::new(fs::read_to_string(path).map_err(|_| IdentityError::Malformed(shown()))?);
    Ok(DeviceKey::from_key_file_text(&text, &shown())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_round_trips_and_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.key");
        let key = DeviceKey::from_seed(&[3; 32]);
        create(&path, &key).expect("create");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(read(&path).expect("read").public(), key.public());
        let other = DeviceKey::from_seed(&[4; 32]);
        assert!(matches!(
            create(&path, &other),
            Err(KeyFileError::AlreadyExists(_))
        ));
        assert_eq!(read(&path).expect("read").public(), key.public());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.key");
        create(&path, &DeviceKey::from_seed(&[3; 32])).expect("create");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(
            read(&path),
            Err(KeyFileError::TooOpen { mode: 0o644, .. })
        ));
    }

    #[test]
    fn missing_and_malformed_key_files_are_clear_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.key");
        assert!(matches!(read(&path), Err(KeyFileError::Missing(_))));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        options
            .open(&path)
            .and_then(|mut f| f.write_all(b"nous device key v1\nzz\n"))
            .expect("write");
        let error = read(&path).map(|_| ()).expect_err("malformed");
        assert!(matches!(error, KeyFileError::Malformed(_)), "{error}");
        assert!(error.to_string().contains("is not a Nous key file"));
    }
}
