//! A post's poster frame, for destinations that keep one beside the clip (team storage). The
//! app makes it ([`PosterMaker`]: publish reads no media) on a blocking thread while the clip
//! goes up; the attach step, which uploads it, waits for it. Made before the upload instead, it
//! held up every post by the time it takes to decode a second of video.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinHandle;

use super::{Job, Outbox};
use crate::destination::Destination;
use crate::error::Result;

/// Makes the poster frame of the clip at the first path as a PNG at the second, written whole
/// or not at all. `Err(reason)`: the post goes without one.
pub type PosterMaker = Arc<dyn Fn(&Path, &Path) -> std::result::Result<(), String> + Send + Sync>;

/// A poster frame being made: where it goes, and the work.
pub(super) struct Making {
    out: PathBuf,
    work: JoinHandle<std::result::Result<(), String>>,
}

impl Outbox {
    /// Has each job's poster frame made by `make` while its clip goes up, where the destination
    /// keeps one ([`Destination::keeps_poster`]).
    pub fn with_poster_maker(mut self, make: PosterMaker) -> Self {
        self.poster = Some(make);
        self
    }

    /// Starts making `job`'s poster frame when `dest` keeps one and the job has none yet.
    pub(super) fn start_poster(&self, job: &Job, dest: &dyn Destination) -> Option<Making> {
        let make = self.poster.clone()?;
        if !dest.keeps_poster() || job.post.poster.is_some() || job.attach.is_some() {
            return None;
        }
        let out = self.poster_path(&job.id);
        let (clip, path) = (job.post.clip.clone(), out.clone());
        // A run cut off after making it left it whole: it is written whole or not at all.
        let work = tokio::task::spawn_blocking(move || {
            if path.is_file() {
                Ok(())
            } else {
                make(&clip, &path)
            }
        });
        Some(Making { out, work })
    }

    /// Waits for the poster frame and records it in the job. A clip it could not be made from
    /// is posted without one.
    pub(super) async fn finish_poster(&self, job: &mut Job, making: Making) -> Result<()> {
        let made = making
            .work
            .await
            .unwrap_or_else(|e| Err(format!("making it stopped: {e}")));
        match made {
            Ok(()) => {
                job.post.poster = Some(making.out);
                self.save(job)
            }
            Err(why) => {
                tracing::info!(%why, "no poster frame for the clip");
                Ok(())
            }
        }
    }

    /// Removes the poster frame the outbox made for a job that is done.
    pub(super) fn drop_poster(&self, job: &Job) {
        let own = self.poster_path(&job.id);
        if job.post.poster.as_deref() == Some(own.as_path()) {
            let _ = std::fs::remove_file(own);
        }
    }

    fn poster_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.poster.png"))
    }
}
