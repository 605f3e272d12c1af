//! A home: a directory holding this device's key file and its store.

use std::fs;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nous_core::store::{RedbOptions, RedbStorage, StoreError};
use nous_core::{DeviceKey, Engine, PublicKey};
use zeroize::Zeroizing;

use crate::{Env, Error, Result, keyfile};

/// The key file in a home.
pub const KEY_FILE: &str = "device.key";
/// The store file in a home.
pub const STORE_FILE: &str = "nous.redb";

/// How long [`Home::open`] waits for another process that holds the store
/// (commands are short).
const LOCK_WAIT: Duration = Duration::from_secs(5);
/// How soon it looks again at first (a command about to close: a live
/// sync woken by its write), doubling up to [`LOCK_POLL_MAX`].
const LOCK_POLL_MIN: Duration = Duration::from_millis(1);
/// How often it looks again at most.
const LOCK_POLL_MAX: Duration = Duration::from_millis(25);

/// The home directory to use: `explicit` (`--home`), else `NOUS_HOME`, else
/// the platform's data directory (`$XDG_DATA_HOME/nous` on Linux).
pub fn default_home(explicit: Option<PathBuf>, data_dir: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| std::env::var_os("NOUS_HOME").map(PathBuf::from))
        .or_else(|| data_dir.map(|d| d.join("nous")))
}

/// A home, open: this device's key, its store and the documents loaded so
/// far, under an [`Env`].
///
/// While the facade's operations grow, a `Home` also lends the
/// [`Engine`] underneath (it dereferences to it); a front end that needs
/// only what the facade offers never touches it.
#[derive(Debug)]
pub struct Home {
    path: PathBuf,
    env: Env,
    engine: Engine,
    /// Receivers of [`crate::events::Event`]s.
    pub(crate) subscribers: Vec<std::sync::mpsc::Sender<crate::events::Event>>,
}

impl Home {
    /// Create a home at `path`: the directory (private to its owner), a new
    /// device key from `env`'s randomness, and an empty store. Refuses a
    /// directory that already has a key.
    pub fn init(path: &Path, env: &Env) -> Result<PublicKey> {
        let mut seed = Zeroizing::new([0u8; 32]);
        env.fill(&mut seed[..]);
        Home::init_with_seed(path, &seed)
    }

    /// [`Home::init`] with the device key's secret seed given (tests, demos
    /// that must be reproducible).
    pub fn init_with_seed(path: &Path, seed: &[u8; 32]) -> Result<PublicKey> {
        let key_path = path.join(KEY_FILE);
        if key_path.exists() {
            return Err(Error::AlreadyInitialised(path.display().to_string()));
        }
        create_private_dir(path)?;
        let key = DeviceKey::from_seed(seed);
        keyfile::create(&key_path, &key)?;
        RedbStorage::open(&path.join(STORE_FILE), RedbOptions::default())
            .map_err(nous_core::Error::from)?;
        Ok(key.public())
    }

    /// Open the home at `path`. If another process holds its store, wait a
    /// little (up to 5 s) for it to finish.
    pub fn open(path: &Path, env: Env) -> Result<Home> {
        let deadline = Instant::now() + LOCK_WAIT;
        let mut poll = LOCK_POLL_MIN;
        loop {
            match Home::try_open(path, env.clone()) {
                Err(Error::Engine(nous_core::Error::Store(StoreError::Locked(_))))
                    if Instant::now() < deadline =>
                {
                    std::thread::sleep(poll);
                    poll = (poll * 2).min(LOCK_POLL_MAX);
                }
                other => return other,
            }
        }
    }

    /// Open the home at `path` now, or fail (a store another process holds
    /// is [`crate::ErrorKind::Store`]).
    pub fn try_open(path: &Path, env: Env) -> Result<Home> {
        let key_path = path.join(KEY_FILE);
        let store_path = path.join(STORE_FILE);
        if !key_path.exists() && !store_path.exists() {
            return Err(Error::NotInitialised(path.display().to_string()));
        }
        let key = keyfile::read(&key_path)?;
        if !store_path.exists() {
            return Err(Error::NotInitialised(path.display().to_string()));
        }
        let options = env.engine_options();
        let storage =
            RedbStorage::open(&store_path, options.redb).map_err(nous_core::Error::from)?;
        Ok(Home {
            path: path.to_path_buf(),
            engine: Engine::with_storage(key, Box::new(storage), options),
            env,
            subscribers: Vec::new(),
        })
    }

    /// Where the home is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The clock and randomness it runs on.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// This device's public key.
    pub fn device(&self) -> PublicKey {
        self.engine.device()
    }

    /// Make every edit so far durable (the changes and the index; this
    /// device's attestations are made by [`Home::close`]).
    pub fn flush(&mut self) -> Result<()> {
        self.engine.flush()?;
        Ok(())
    }

    /// Sign now this device's new changes to community documents, one
    /// attestation per document ([`Home::close`] does it too): what a
    /// bundle or a sync then carries is what members accept.
    pub fn attest(&mut self) -> Result<()> {
        self.engine.attest_all()?;
        Ok(())
    }

    /// Close the home: this device first signs its new changes to the
    /// community documents it changed while open (one attestation per
    /// document; [`Home::attest`] looks at every document), then every
    /// edit, index update and compaction is committed together. Once this
    /// returns, the edits are durable.
    pub fn close(mut self) -> Result<()> {
        self.engine.attest_edited()?;
        self.engine.close()?;
        Ok(())
    }

    /// [`Home::close`], keeping the documents it loaded for the next
    /// [`Home::open_keeping`] of the same home (`nous_core::Engine::close_keeping`):
    /// a watch that opens its home at every look loads each document once.
    pub fn close_keeping(mut self) -> Result<nous_core::Kept> {
        self.engine.attest_edited()?;
        Ok(self.engine.close_keeping()?)
    }

    /// [`Home::open`], taking back the documents a previous
    /// [`Home::close_keeping`] kept, those the store still holds as they
    /// were left (another process may have written to them meanwhile).
    pub fn open_keeping(path: &Path, env: Env, kept: Option<nous_core::Kept>) -> Result<Home> {
        let mut home = Home::open(path, env)?;
        if let Some(kept) = kept {
            home.engine.adopt(kept)?;
        }
        Ok(home)
    }

    /// The engine, for an owner that keeps it past the home (a relay, a
    /// sync session). Nothing is attested or flushed.
    pub fn into_engine(self) -> Engine {
        self.engine
    }
}

impl Deref for Home {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}

impl DerefMut for Home {
    fn deref_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }
}

fn create_private_dir(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|reason| Error::Io {
        path: path.display().to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use nous_core::CharterDraft;

    use super::*;
    use crate::ErrorKind;

    fn env() -> Env {
        let counter = std::sync::atomic::AtomicU8::new(0);
        Env::fixed(1_765_000_000_000).with_entropy(move |buffer: &mut [u8]| {
            for b in buffer.iter_mut() {
                *b = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    }

    #[test]
    fn a_home_is_created_private_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("home");
        let device = Home::init(&path, &env()).expect("init");
        let again = Home::init(&path, &env()).map(|_| ()).expect_err("twice");
        assert_eq!(again.kind(), ErrorKind::AlreadyInitialised);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
            let key = fs::metadata(path.join(KEY_FILE)).expect("key");
            assert_eq!(key.permissions().mode() & 0o777, 0o600);
        }
        let mut home = Home::open(&path, env()).expect("open");
        assert_eq!(home.device(), device);
        let doc = home
            .create_charter("Charte", &CharterDraft::default())
            .expect("create")
            .value;
        home.close().expect("close");
        let mut home = Home::open(&path, env()).expect("reopen");
        assert_eq!(home.charter(&doc, None).expect("read").title, "Charte");
        let elsewhere = Home::open(&dir.path().join("elsewhere"), env())
            .map(|_| ())
            .expect_err("not a home");
        assert_eq!(elsewhere.kind(), ErrorKind::NotInitialised);
    }

    #[test]
    fn a_home_held_by_another_opener_is_a_store_error_at_once_with_try_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        Home::init(dir.path(), &env()).expect("init");
        let _held = Home::open(dir.path(), env()).expect("open");
        let error = Home::try_open(dir.path(), env())
            .map(|_| ())
            .expect_err("locked");
        assert_eq!(error.kind(), ErrorKind::Store);
    }

    #[test]
    fn default_home_prefers_the_explicit_directory() {
        let explicit = PathBuf::from("/tmp/x");
        assert_eq!(
            default_home(Some(explicit.clone()), Some(PathBuf::from("/data"))),
            Some(explicit)
        );
    }
}
