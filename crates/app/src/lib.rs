//! The `clipnote` binary's library: the command line (and, later, the desktop app).
//!
//! `main.rs` only calls [`main`], so tests can drive every command in-process.

pub mod cli;
pub mod config;
pub mod exit;
pub mod library;

use std::process::ExitCode;

/// Parses the command line, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    cli::run()
}
