//! The `clipnote` binary's library: the command line ([`cli`]) and the desktop app ([`ui`]).
//!
//! `main.rs` only calls [`main`], so tests can drive every command in-process.

pub mod cli;
pub mod config;
pub mod exit;
pub mod inbox;
pub mod library;
pub mod ui;

use std::process::ExitCode;

/// Parses the command line, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    cli::run()
}
