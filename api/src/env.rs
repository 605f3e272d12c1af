//! The time and randomness a home runs on.

use std::fmt;
use std::sync::Arc;

use nous_core::engine::EngineOptions;

use crate::{Invalid, Result};

/// Where a home gets the time and random bytes: records and changes are
/// timestamped by `clock`, and document ids, section ids and keys come from
/// `entropy`. Tests and rehearsals fix the clock ([`Env::fixed`]); a
/// binding may bring its own of both.
#[derive(Clone)]
pub struct Env {
    clock: SharedClock,
    entropy: SharedEntropy,
}

/// Reads the time (ms since the Unix epoch); shared by every clone.
type SharedClock = Arc<dyn Fn() -> i64 + Send + Sync>;
/// Fills a buffer with random bytes; shared by every clone.
type SharedEntropy = Arc<dyn Fn(&mut [u8]) + Send + Sync>;

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("now_ms", &(self.clock)())
            .finish_non_exhaustive()
    }
}

impl Env {
    /// The system clock and the operating system's random number generator.
    pub fn system() -> Env {
        Env {
            clock: Arc::new(system_now_ms),
            entropy: Arc::new(os_random),
        }
    }

    /// A clock that always reads `ms` (milliseconds since the Unix epoch),
    /// with the operating system's randomness: for rehearsing a process
    /// with deadlines, and for tests.
    pub fn fixed(ms: i64) -> Env {
        Env {
            clock: Arc::new(move || ms),
            entropy: Arc::new(os_random),
        }
    }

    /// A clock of one's own (`clock` reads ms since the Unix epoch), with
    /// the operating system's randomness: for a rehearsal whose time moves
    /// on when its story says so (`nous demo participation`).
    pub fn with_clock(clock: impl Fn() -> i64 + Send + Sync + 'static) -> Env {
        Env {
            clock: Arc::new(clock),
            entropy: Arc::new(os_random),
        }
    }

    /// The environment of a command: `NOUS_NOW` (a date `YYYY-MM-DD`,
    /// `YYYY-MM-DDTHH:MM` in UTC, or milliseconds) fixes the clock; unset
    /// or empty, the system's. A value that is not a time is refused:
    /// records must not silently get the system date instead.
    pub fn from_environment() -> Result<Env> {
        match std::env::var("NOUS_NOW") {
            Ok(text) if text.trim().is_empty() => Ok(Env::system()),
            Ok(text) => nous_core::time::parse(&text)
                .and_then(|ms| i64::try_from(ms).ok())
                .map(Env::fixed)
                .ok_or_else(|| Invalid::NotATime(Some(text)).into()),
            Err(std::env::VarError::NotPresent) => Ok(Env::system()),
            Err(std::env::VarError::NotUnicode(_)) => Err(Invalid::NotATime(None).into()),
        }
    }

    /// The same clock, with `entropy` for random bytes (a deterministic
    /// generator in tests).
    pub fn with_entropy(self, entropy: impl Fn(&mut [u8]) + Send + Sync + 'static) -> Env {
        Env {
            entropy: Arc::new(entropy),
            ..self
        }
    }

    /// The time now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// Fill `buffer` with random bytes.
    pub fn fill(&self, buffer: &mut [u8]) {
        (self.entropy)(buffer)
    }

    /// The engine's options on this clock and randomness.
    pub fn engine_options(&self) -> EngineOptions {
        let clock = Arc::clone(&self.clock);
        let entropy = Arc::clone(&self.entropy);
        EngineOptions::new(
            Box::new(move || clock()),
            Box::new(move |buffer: &mut [u8]| entropy(buffer)),
        )
    }
}

fn system_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The operating system's random bytes. Keys and ids must never come from
/// a weaker source, so a failing generator (which Linux, macOS and Windows
/// do not have in practice) stops the program rather than go on without.
fn os_random(buffer: &mut [u8]) {
    if let Err(error) = getrandom::fill(buffer) {
        panic!("the operating system's random number generator failed: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_reads_its_time_through_the_engine_options() {
        let env = Env::fixed(1_700_000_000_000).with_entropy(|b: &mut [u8]| b.fill(7));
        assert_eq!(env.now_ms(), 1_700_000_000_000);
        let mut options = env.engine_options();
        assert_eq!((options.clock)(), 1_700_000_000_000);
        let mut bytes = [0u8; 4];
        (options.entropy)(&mut bytes);
        assert_eq!(bytes, [7; 4]);
    }

    #[test]
    fn a_clock_of_ones_own_moves_when_it_is_moved() {
        let now = Arc::new(std::sync::atomic::AtomicI64::new(1_700_000_000_000));
        let read = Arc::clone(&now);
        let env = Env::with_clock(move || read.load(std::sync::atomic::Ordering::Relaxed));
        let options = env.engine_options();
        assert_eq!((options.clock)(), 1_700_000_000_000);
        now.store(1_700_086_400_000, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(env.now_ms(), 1_700_086_400_000);
        assert_eq!((options.clock)(), 1_700_086_400_000);
    }

    #[test]
    fn the_system_randomness_is_not_constant() {
        let env = Env::system();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        env.fill(&mut a);
        env.fill(&mut b);
        assert_ne!(a, b);
    }
}
