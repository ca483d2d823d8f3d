//! Poster frames for the list from where the clips are kept. Team storage keeps one beside each
//! clip (`<stem>.poster.png`, written by the outbox's attach step), so a teammate's list shows
//! it before the clip is downloaded. Other sources keep none: the app makes theirs from the clip
//! on its first download.

use std::collections::HashMap;

use futures_util::StreamExt;

use super::{Entry, Handle, Inbox};
use crate::s3::S3;
use crate::settings::Settings;

/// Poster fetches in flight.
const FETCHES_IN_FLIGHT: usize = 8;
/// A poster larger than this is not taken (the app writes them at a few hundred KB at most).
const POSTER_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// How fetching one entry's poster ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterFetch {
    /// In the cache now, at [`Inbox::poster_path`].
    Got,
    /// The source keeps none for it (not team storage, no poster beside the clip, or not a
    /// PNG): asking again will not help.
    NotThere,
    /// It could not be read now (offline, no keys): a later refresh may.
    Failed,
}

impl Inbox {
    /// Brings the posters team storage keeps for `entries` into the cache, several at a time.
    pub async fn fetch_posters(
        &self,
        settings: &Settings,
        entries: &[&Entry],
    ) -> Vec<(String, PosterFetch)> {
        // One client per bucket, not per poster.
        let mut stores: HashMap<&str, Option<S3>> = HashMap::new();
        for e in entries {
            if let Handle::S3Object { bucket, .. } = &e.handle {
                stores
                    .entry(bucket)
                    .or_insert_with(|| settings.s3(bucket, "").ok());
            }
        }
        let stores = &stores;
        futures_util::stream::iter(entries.iter().copied())
            .map(|e| async move {
                let got = match &e.handle {
                    Handle::S3Object { bucket, key } => match stores.get(bucket.as_str()) {
                        Some(Some(store)) => self.fetch_poster(store, &e.id, key).await,
                        _ => PosterFetch::Failed,
                    },
                    _ => PosterFetch::NotThere,
                };
                (e.id.clone(), got)
            })
            .buffer_unordered(FETCHES_IN_FLIGHT)
            .collect()
            .await
    }

    async fn fetch_poster(&self, store: &S3, id: &str, clip_key: &str) -> PosterFetch {
        let png = match store.poster_beside(clip_key, POSTER_MAX_BYTES).await {
            Ok(Some(png)) => png,
            Ok(None) => return PosterFetch::NotThere,
            Err(e) => {
                tracing::debug!(error = %e, clip_key, "no poster from team storage now");
                return PosterFetch::Failed;
            }
        };
        let path = self.poster_path(id);
        let partial = path.with_extension("png.partial");
        let written = std::fs::create_dir_all(&self.config().cache_dir)
            .and_then(|()| std::fs::write(&partial, png))
            .and_then(|()| std::fs::rename(&partial, &path));
        match written {
            Ok(()) => PosterFetch::Got,
            Err(e) => {
                tracing::warn!(poster = %path.display(), "cannot keep the poster: {e}");
                let _ = std::fs::remove_file(&partial);
                PosterFetch::Failed
            }
        }
    }
}
