//! The relay's settings: embedded defaults, then an optional TOML file,
//! then environment variables and flags (the `cli` feature reads those
//! three: [`crate::cli`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::guard::{GuardLimits, RelayLimits};

/// Everything a relay needs to start.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on. Loopback by default: exposing a relay is a
    /// decision.
    pub listen: SocketAddr,
    /// The relay's directory: its key (`device.key`), its records
    /// (`nous.redb`) and its documents (`sync.redb`).
    pub data: PathBuf,
    /// Whether a device may bring a new community (its ledger, founded by
    /// that device) to this relay.
    pub open_registration: bool,
    /// Longest token lifetime accepted, in seconds.
    pub token_max_lifetime_secs: u64,
    /// Largest WebSocket frame accepted, in bytes.
    pub max_frame_bytes: usize,
    /// How often idle documents are unloaded, in seconds.
    pub unload_interval_secs: u64,
    /// How long a document change the relay has passed on may stay
    /// non-durable, in milliseconds (0: an fsync per change). A crash loses
    /// at most that much of the relay's copy; the clients still hold theirs
    /// and send it again on their next sync. Registrations, records and
    /// shutdown are always durable at once.
    pub durable_within_ms: u64,
    /// Threads that serve connections and documents; 0 (the default): one
    /// per core. On 2 cores, one thread costs the same CPU per change as
    /// two but delivers an edit to 100 subscribers about 0.4 ms later (the
    /// document's task and the sockets' share it; docs/benchmarks.md).
    pub workers: usize,
    /// How much the relay holds for each client and in all (the `[limits]`
    /// table; `docs/formats.md`, "Relay limits").
    pub limits: RelayLimits,
    /// What citizens (devices of no member) may send to a participation
    /// (the `[participation]` table).
    pub participation: ParticipationLimits,
}

/// Bounds on citizens' records sent through `/participate/submit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParticipationLimits {
    /// Records one device may send per minute (a token bucket: that many
    /// at once, then one every 60/n seconds).
    pub device_per_minute: u32,
    /// Records one client address may send per minute (all its devices).
    pub address_per_minute: u32,
    /// The largest record taken, in bytes.
    pub max_record_bytes: usize,
}

impl Default for ParticipationLimits {
    fn default() -> Self {
        ParticipationLimits {
            device_per_minute: 10,
            address_per_minute: 60,
            max_record_bytes: 32 << 10,
        }
    }
}

impl Config {
    /// The guard's caps as these settings say (each bound at least 1, and
    /// the bytes in flight at least one frame).
    pub fn guard_limits(&self) -> GuardLimits {
        let l = self.limits;
        GuardLimits {
            max_frame_bytes: self.max_frame_bytes,
            relay: RelayLimits {
                max_queued_bytes: l.max_queued_bytes.max(1),
                max_relay_queued_bytes: l.max_relay_queued_bytes.max(1),
                max_inflight_bytes: l.max_inflight_bytes.max(self.max_frame_bytes),
                max_relay_inflight_bytes: l.max_relay_inflight_bytes.max(self.max_frame_bytes),
                max_large_checks: l.max_large_checks.max(1),
                ..l
            },
            ..GuardLimits::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 3030)),
            data: PathBuf::from("nous-relay"),
            open_registration: true,
            token_max_lifetime_secs: nous_core::token::MAX_LIFETIME_MS / 1000,
            max_frame_bytes: GuardLimits::default().max_frame_bytes,
            unload_interval_secs: 30,
            durable_within_ms: 1000,
            workers: 0,
            limits: RelayLimits::default(),
            participation: ParticipationLimits::default(),
        }
    }
}

impl Config {
    /// The runtime threads to start (`workers`, or its automatic value on a
    /// machine with `cores` cores).
    pub fn worker_threads(&self, cores: usize) -> usize {
        match self.workers {
            0 => cores.max(1),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "cli")]
    #[test]
    fn participation_limits_read_from_toml() {
        let config: Config =
            toml::from_str("[participation]\ndevice_per_minute = 3\nmax_record_bytes = 1000\n")
                .expect("parses");
        assert_eq!(
            config.participation,
            ParticipationLimits {
                device_per_minute: 3,
                address_per_minute: 60,
                max_record_bytes: 1000,
            }
        );
        assert!(toml::from_str::<Config>("[participation]\nper_hour = 3\n").is_err());
    }

    #[test]
    fn workers_default_to_one_per_core() {
        let auto = Config::default();
        assert_eq!(auto.worker_threads(0), 1);
        assert_eq!(auto.worker_threads(2), 2);
        assert_eq!(auto.worker_threads(8), 8);
        let four = Config {
            workers: 4,
            ..Config::default()
        };
        assert_eq!(four.worker_threads(2), 4);
    }
}
