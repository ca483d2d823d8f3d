//! Room for recordings where clips go: free space in minutes of recording, checked before a
//! recording starts (refused when it would be cut short at once) and watched while it runs.

use std::path::Path;

use crate::cli::UserError;
use crate::exit;

/// What a minute of recording takes at the default quality (the bench's target for a talk over
/// a code editor; full motion takes more), MiB. While recording, the recording's own rate is
/// used when it is higher.
pub const MIB_PER_MINUTE: f64 = 1.7;
/// Below this many minutes of room a recording would be cut short: refuse to start.
pub const REFUSE_MINUTES: f64 = 5.0;
/// While recording, warn when fewer minutes than this are left.
pub const WARN_RECORDING_MINUTES: f64 = 5.0;

const MIB: f64 = 1024.0 * 1024.0;

/// The folder a clip goes to (`.` for a bare file name).
pub fn folder_of(clip: &Path) -> &Path {
    match clip.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Free bytes for an unprivileged writer on the disk holding `dir`.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: statvfs(3) fills the zeroed struct we own from a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Minutes of recording that fit in `free` bytes when `written` are already recorded at
/// `mib_per_minute`: stopping rewrites the clip index-first beside itself, so every minute
/// needs room twice, and so does what is written.
pub fn minutes_of_room(free: u64, written: u64, mib_per_minute: f64) -> f64 {
    let left = free.saturating_sub(written) as f64;
    left / (2.0 * mib_per_minute.max(MIB_PER_MINUTE) * MIB)
}

/// "less than a minute", "1 minute", "12 minutes", "3 hours".
pub fn duration_words(minutes: f64) -> String {
    match minutes.floor() as u64 {
        0 => "less than a minute".into(),
        1 => "1 minute".into(),
        m if m < 120 => format!("{m} minutes"),
        m => format!("{} hours", m / 60),
    }
}

/// What to do about too little room, in words.
pub const FIX: &str = "free some space, or move the library to a larger disk (Settings → Folders, or CLIPNOTE_LIBRARY_DIR)";

/// Refuses to start a recording into `dir` when less than [`REFUSE_MINUTES`] would fit.
/// A disk whose free space cannot be read is let through (the recording's own writes report
/// a real problem, and a full disk mid-recording keeps what was written).
pub fn room_to_record(dir: &Path) -> Result<(), UserError> {
    let Ok(free) = free_bytes(dir) else {
        return Ok(());
    };
    let minutes = minutes_of_room(free, 0, MIB_PER_MINUTE);
    if minutes >= REFUSE_MINUTES {
        return Ok(());
    }
    Err(UserError::new(
        exit::IO,
        format!(
            "only {} free in {}: about {} of recording, and a recording needs room for at least {REFUSE_MINUTES:.0} minutes. Nothing was recorded: {FIX}",
            crate::mib(free),
            dir.display(),
            duration_words(minutes)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_counts_every_minute_twice_and_what_is_written() {
        let mib = |m: f64| (m * MIB) as u64;
        // 34 MiB free at 1.7 MiB a minute: 10 minutes, as each needs room twice.
        assert!((minutes_of_room(mib(34.0), 0, 1.7) - 10.0).abs() < 1e-9);
        // A faster recording fills it sooner; a slower one is not trusted below the estimate.
        assert!((minutes_of_room(mib(34.0), 0, 3.4) - 5.0).abs() < 1e-9);
        assert!((minutes_of_room(mib(34.0), 0, 0.1) - 10.0).abs() < 1e-9);
        // What is written must be copied once more at stop.
        assert!((minutes_of_room(mib(34.0), mib(17.0), 1.7) - 5.0).abs() < 1e-9);
        assert_eq!(minutes_of_room(mib(1.0), mib(2.0), 1.7), 0.0);
        assert_eq!(duration_words(0.5), "less than a minute");
        assert_eq!(duration_words(12.9), "12 minutes");
        assert_eq!(duration_words(200.0), "3 hours");
    }
}
