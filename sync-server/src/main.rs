//! `nous-sync-server`: the Nous relay on its own (`nous serve` runs the same).

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;
use nous_sync_server::cli::{ServeArgs, serve};

/// mimalloc rather than the system allocator: an edit makes and frees many
/// small buffers, and glibc's malloc was a sixth of the relay's CPU per
/// change (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Nous relay: automerge-repo sync over WebSocket for the communities it
/// hosts, with device authentication and access from their signed records.
#[derive(Debug, Parser)]
#[command(name = "nous-sync-server", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
    /// Print the start-up line as JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    nous_core::guard::install_panic_hook();
    let filter = tracing_subscriber::EnvFilter::try_from_env("NOUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    let cli = Cli::parse();
    let json = cli.json;
    let run = cli
        .serve
        .config(None)
        .and_then(|config| serve(config, |addr, relay| announce(json, addr, &relay)));
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn announce(json: bool, addr: std::net::SocketAddr, relay: &str) {
    if json {
        println!(
            "{}",
            serde_json::json!({ "listening": format!("ws://{addr}/"), "relay": relay })
        );
    } else {
        println!("relay {relay} listening on ws://{addr}/");
    }
}
