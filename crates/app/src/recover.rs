//! Recordings cut off by a crash: a killed app or a power cut leaves `<clip>.recording.mp4`
//! (fragmented, so playable up to its last fragment) in the library. [`find`] lists them (not
//! one another process is still writing) and [`recover`] finalises one into a normal clip
//! beside it — index first, every packet up to the damage kept — and removes the leftover only
//! once the clip plays.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::UserError;
use crate::exit;

const PARTIAL: &str = ".recording.mp4";

/// A recording made whole again.
#[derive(Debug, Clone, Serialize)]
pub struct Recovered {
    pub path: PathBuf,
    pub duration_secs: f64,
    /// When it was last written (seconds since 1970): about when it was cut off.
    pub modified_unix: u64,
}

impl Recovered {
    /// "a recording from 2026-12-07 14:02, 3:12 long" (local time).
    pub fn describe(&self) -> String {
        format!(
            "a recording from {}, {} long",
            local_time(self.modified_unix),
            length(self.duration_secs)
        )
    }
}

fn length(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn local_time(unix: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let t = time::UtcOffset::current_local_offset().map_or(t, |o| t.to_offset(o));
    t.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]"
    ))
    .unwrap_or_default()
}

/// The unfinished recordings in `dir` that no process has open, oldest first.
pub fn find(dir: &Path) -> Result<Vec<PathBuf>, UserError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(UserError::new(
                exit::IO,
                format!("cannot list {}: {e}", dir.display()),
            ));
        }
    };
    let open = open_files();
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(PARTIAL))
        })
        .filter(|p| !open.iter().any(|o| same_file(o, p)))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Every file some process of ours has open (`/proc/*/fd`): a recording under way is one.
fn open_files() -> Vec<PathBuf> {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter(|p| {
            p.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|p| std::fs::read_dir(p.path().join("fd")).ok())
        .flat_map(|fds| {
            fds.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        })
        .filter(|t| t.to_str().is_some_and(|t| t.ends_with(PARTIAL)))
        .collect()
}

/// Finalises `partial` into `<clip>.mp4` beside it (numbered if that name is taken), checks
/// that it plays, then removes `partial`. On any failure `partial` stays where it is.
pub fn recover(partial: &Path) -> Result<Recovered, UserError> {
    let name = partial
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(PARTIAL))
        .ok_or_else(|| {
            UserError::new(
                exit::USAGE,
                format!("{} is not an unfinished recording", partial.display()),
            )
        })?;
    let mut out = partial.with_file_name(format!("{name}.mp4"));
    let mut n = 2;
    while out.exists() {
        out = partial.with_file_name(format!("{name}-recovered-{n}.mp4"));
        n += 1;
    }
    let modified_unix = std::fs::metadata(partial)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let kept = |e: String| {
        UserError::new(
            exit::CLIP,
            format!(
                "cannot recover {}: {e}. It is kept as it is; `ffmpeg -i` may still read part of it",
                partial.display()
            ),
        )
    };
    capture::finalize(partial, &out).map_err(|e| kept(e.to_string()))?;
    match capture::clip::check_playable(&out) {
        Ok(info) => {
            std::fs::remove_file(partial).map_err(|e| {
                UserError::new(
                    exit::IO,
                    format!(
                        "recovered {} but cannot remove {}: {e}; remove it by hand",
                        out.display(),
                        partial.display()
                    ),
                )
            })?;
            Ok(Recovered {
                path: out,
                duration_secs: info.duration_secs,
                modified_unix,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&out);
            Err(kept(e.to_string()))
        }
    }
}
