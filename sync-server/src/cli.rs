//! `nous serve` and `nous-sync-server`: the same flags, the same run.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;

use crate::config::Config;
use crate::server::Relay;

/// Flags of the relay. Each may also come from the environment
/// (`NOUS_RELAY_*`) or a TOML file (`--config`); flags win, then the
/// environment, then the file, then the embedded defaults.
#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:3030; loopback unless you
    /// say otherwise).
    #[arg(long, value_name = "ADDR", env = "NOUS_RELAY_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// The relay's directory: its key, records and documents (default: the
    /// `relay` folder of the Nous home).
    #[arg(long, value_name = "DIR", env = "NOUS_RELAY_DATA")]
    pub data: Option<PathBuf>,
    /// A TOML file of settings (listen, data, open_registration,
    /// token_max_lifetime_secs, max_frame_bytes, unload_interval_secs,
    /// durable_within_ms, workers).
    #[arg(long, value_name = "FILE", env = "NOUS_RELAY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Refuse new communities: host only those already in the directory.
    #[arg(long, env = "NOUS_RELAY_CLOSED")]
    pub closed: bool,
}

impl ServeArgs {
    /// The settings these flags describe; `default_data` when neither a flag
    /// nor the file names a directory.
    pub fn config(&self, default_data: Option<PathBuf>) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => read_file(path)?,
            None => Config::default(),
        };
        let file_named_data = self.config.is_some() && config.data != Config::default().data;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        match (&self.data, default_data) {
            (Some(data), _) => config.data = data.clone(),
            (None, Some(default)) if !file_named_data => config.data = default,
            _ => {}
        }
        if self.closed {
            config.open_registration = false;
        }
        Ok(config)
    }
}

/// Why the settings file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct ConfigError {
    path: String,
    detail: String,
}

/// The defaults overridden by the TOML file at `path`.
pub fn read_file(path: &Path) -> Result<Config, ConfigError> {
    let fail = |detail: String| ConfigError {
        path: path.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    from_toml(&text).map_err(|e| fail(e.to_string()))
}

/// The defaults overridden by `text` (TOML).
pub fn from_toml(text: &str) -> Result<Config, toml::de::Error> {
    toml::from_str(text)
}

/// Run a relay until Ctrl-C or SIGTERM, then shut it down cleanly.
/// `announce` is called once it listens (address, relay id).
pub fn serve(config: Config, announce: impl FnOnce(SocketAddr, String)) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads(cores))
        .enable_all()
        // The guard caps nesting before Automerge decodes anything; a
        // larger stack is a second line of defence.
        .thread_stack_size(8 << 20)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let relay = Relay::start(config).await?;
        announce(relay.local_addr(), relay.id().to_string());
        shutdown_signal().await;
        tracing::info!("relay: shutting down");
        relay.shutdown().await?;
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_defaults_and_refuses_unknown_keys() {
        let config =
            from_toml("listen = \"127.0.0.1:4000\"\nopen_registration = false\n").expect("parses");
        assert_eq!(config.listen.port(), 4000);
        assert!(!config.open_registration);
        assert_eq!(config.max_frame_bytes, Config::default().max_frame_bytes);
        assert!(from_toml("lisen = \"127.0.0.1:4000\"").is_err());
        let limits = from_toml("[limits]\nmax_waiting_bytes = 1000\n").expect("parses");
        assert_eq!(limits.guard_limits().relay.max_waiting_bytes, 1000);
        assert_eq!(
            limits.guard_limits().relay.max_queued_bytes,
            Config::default().guard_limits().relay.max_queued_bytes
        );
        assert!(from_toml("[limits]\nmax_waitin_bytes = 1\n").is_err());
    }
}
