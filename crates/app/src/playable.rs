//! Only a clip a person can play is posted: `post`, `reply`, Review's Post and every outbox run
//! refuse a folder, an empty or cut-off file, or one with no decodable video
//! (`capture::clip::check_playable`) before anything leaves the machine, with the cause and the
//! fix. Publish reads no media, so the outbox gets the check from here ([`outbox`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use publish::Outbox;

/// The fix, on the command line.
pub(crate) const FIX_CLI: &str = "Record it again, or pass the clip file itself";
/// The fix, in the app.
pub(crate) const FIX_APP: &str = "Record it again, or open the clip file itself";

/// Checks a clip that is about to be posted; the error names the cause and then `fix`.
pub(crate) fn check(path: &Path, fix: &str) -> Result<capture::clip::ClipInfo, String> {
    let info = capture::clip::check_playable(path).map_err(|e| format!("{e}. {fix}"))?;
    *LAST_PASSED.lock().unwrap_or_else(|p| p.into_inner()) = stamp(path);
    Ok(info)
}

/// The file this process last found playable, as it was then: the outbox's check right after
/// `post`'s need not read a large clip's every packet a second time.
static LAST_PASSED: Mutex<Option<Stamp>> = Mutex::new(None);

/// A file's path, size and modification time: a file replaced or written since differs.
type Stamp = (PathBuf, u64, SystemTime);

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((path.to_owned(), meta.len(), meta.modified().ok()?))
}

/// The check the outbox runs right before a job's upload: the file may have been replaced or
/// damaged since the job was queued.
fn check_queued(path: &Path) -> Result<(), String> {
    let now = stamp(path);
    if now.is_some() && *LAST_PASSED.lock().unwrap_or_else(|p| p.into_inner()) == now {
        return Ok(());
    }
    capture::clip::check_playable(path).map(drop).map_err(|e| {
        format!(
            "{e}. The file changed after the post was queued: put the clip back and retry the job, or record it again"
        )
    })
}

/// The outbox at `dir`, checking each job's clip before it is uploaded and making the poster
/// frame team storage keeps beside it (from the picture at 1 s) while it goes up.
pub(crate) fn outbox(dir: impl Into<PathBuf>) -> Result<Outbox, publish::Error> {
    Ok(Outbox::open(dir)?
        .with_clip_check(Arc::new(check_queued))
        .with_poster_maker(Arc::new(|clip, out| {
            crate::inbox::make_poster(clip, 1.0, out)
        })))
}
