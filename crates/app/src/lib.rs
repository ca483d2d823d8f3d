//! The `clipnote` binary's library: the command line ([`cli`]) and the desktop app ([`ui`]).
//!
//! `main.rs` only calls [`main`], so tests can drive every command in-process.

pub mod autostart;
pub mod cli;
pub mod config;
pub mod disk;
pub mod doctor;
pub mod drafting;
pub mod inbox;
pub mod library;
pub mod live_transcript;
pub mod logs;
mod playable;
pub mod post_transcript;
pub mod recording_watch;
pub mod recover;
pub mod search;
pub mod team_storage;
pub mod tighten;
pub mod ui;

pub use ::control;
pub use control::exit;

use std::process::ExitCode;

/// Parses the command line, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    cli::run()
}

/// A file size for people: "3.0 MiB", "5.0 GiB".
pub(crate) fn mib(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
    }
}
