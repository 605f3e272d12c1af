//! The workspace's one integration-test binary: the `nous` command driven
//! as a user would, and the engine's invariants under concurrency, crashes
//! and hostile input.

mod archive;
mod bundle_identity;
mod bundle_progress;
mod cli;
mod convergence;
mod crash;
mod demo_participation;
mod editing;
mod facade_sync;
mod governance;
mod invitations;
mod language;
mod language_commands;
mod language_governance;
mod language_leftovers;
mod language_reasons;
mod language_report;
mod language_story;
mod malformed;
mod markdown_import;
mod names;
mod parity;
mod participation;
mod participation_data;
mod participation_relay;
mod participation_story;
mod relay;
mod relay_attacks;
mod relay_browser;
mod relay_guard;
mod relay_js;
mod relay_support;
mod support;
mod sync_report;
mod synthesis;
