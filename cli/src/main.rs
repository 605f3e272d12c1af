//! `nous`: the command-line front end of the Nous engine.
//!
//! Parsing, printing and mapping errors live here; everything else is a call
//! into `nous_core::Engine`.

mod args;
mod commands;
mod conflicts;
mod demo;
mod demo_participation;
mod governance;
mod invite;
mod kept;
mod lang;
mod open_data;
mod output;
mod participate;
mod participation;
mod progress;
mod relay;
mod todo;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

/// The relay's allocator (`nous serve` runs the same relay as
/// `nous-sync-server`; see its `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    nous_core::guard::install_panic_hook();
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The language first: clap's help and errors speak it.
    match nous_core::i18n::Lang::from_env(lang::asked(&argv).as_deref()) {
        // What a script reads is the same in every language, usage errors
        // included.
        Ok(_) if lang::wants_json(&argv) => lang::set(nous_core::i18n::Lang::En),
        Ok(chosen) => lang::set(chosen),
        Err(unknown) => {
            let line = |l: nous_core::i18n::Lang| {
                let message = l.tr(
                    "usage-unknown-language",
                    &[("language", unknown.0.as_str().into())],
                );
                l.tr("error-line", &[("message", message.into())])
            };
            eprintln!(
                "{} / {}",
                line(nous_core::i18n::Lang::En),
                line(nous_core::i18n::Lang::Fr)
            );
            return ExitCode::from(2);
        }
    }
    let parsed = lang::localize(args::Cli::command(), lang::current())
        .try_get_matches_from(&argv)
        .and_then(|matches| args::Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            init_tracing("error");
            return usage_error(&error);
        }
    };
    // A relay is a service: its operator wants to see it start, refuse and
    // stop. Every other command reports its own failure in one line.
    init_tracing(match cli.command {
        args::Command::Serve(_) => "info",
        _ => "error",
    });
    let json = cli.json;
    if json {
        // What a script reads is the same in every language.
        lang::set(nous_core::i18n::Lang::En);
    }
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            output::report_error(&error, json);
            ExitCode::FAILURE
        }
    }
}

/// Help and version go to stdout with success; a usage error is one line on
/// stderr (with clap's suggestions, in the chosen language) and exit code 2.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            eprintln!("{}", lang::usage_line(error, lang::current()));
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr, filtered by `NOUS_LOG` (default: errors only, since
/// every failure is already reported as one line; `info` for `nous serve`;
/// Automerge's own logs off, as every error it returns reaches the user
/// through ours). They never contain secrets (tokens are never logged).
fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NOUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{default},automerge=off")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
