//! Team storage: a prefix in an S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2,
//! SeaweedFS, MinIO) through `object_store`'s S3 client — the one storage module, with no HTTP
//! of its own.
//!
//! A post lays its files out by date, so listings come newest-day last and a reader can start
//! where it stopped:
//!
//! ```text
//! <prefix>/<YYYY-MM-DD>/<job id>-<title slug>.mp4         the clip          (upload)
//! <prefix>/<YYYY-MM-DD>/<job id>-<title slug>.poster.png  its poster frame  (attach)
//! <prefix>/<YYYY-MM-DD>/<job id>-<title slug>.json        the sidecar       (summary)
//! <prefix>/<YYYY-MM-DD>/<job id>-<title slug>.vtt         the captions      (transcript)
//! ```
//!
//! The sidecar has the library's fields ([`crate::local::Sidecar`]). Every small file is written
//! with `PutMode::Create`, so a retried step never writes twice; the clip goes up in parts that
//! the job file remembers ([`upload`]). The link printed for a post is permanent under the
//! bucket's `public_base_url`, otherwise a presigned GET that works for `link_expires`.

mod fault;
mod store;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3;
use object_store::path::Path as Key;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt};

pub use store::{MAX_LINK_EXPIRY, S3Keys, S3Settings};

use crate::destination::{
    BoxFuture, Checkpoint, Destination, PartsDone, Post, PostedClip, StepDone,
};
use crate::error::{Error, Result, Service};
use crate::local::Sidecar;
use crate::progress::{Progress, Step};

/// A prefix in a bucket.
pub struct S3 {
    store: Arc<AmazonS3>,
    bucket: String,
    prefix: String,
    endpoint: String,
    settings: S3Settings,
}

impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// A link to a posted clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    pub url: String,
    /// Unix seconds when it stops working; `None`: permanent (a public base URL).
    pub expires_unix: Option<u64>,
}

impl S3 {
    /// Opens `s3://bucket/prefix` with `keys`.
    pub fn open(bucket: &str, prefix: &str, keys: &S3Keys, settings: S3Settings) -> Result<S3> {
        let opened = store::open(bucket, keys, &settings)?;
        Ok(S3 {
            store: opened.store,
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: opened.endpoint,
            settings,
        })
    }

    fn fault(&self, e: &object_store::Error, key: &Key) -> Error {
        let location = format!("s3://{}/{}", self.bucket, key);
        fault::classify(
            e,
            fault::Ctx {
                bucket: &self.bucket,
                endpoint: &self.endpoint,
                location: &location,
            },
        )
    }

    /// `<prefix>/<date>/<job id>-<slug>` plus `suffix`.
    fn key(&self, post: &Post, suffix: &str) -> Key {
        let slug = post
            .file_name
            .strip_suffix(&format!("-{}.mp4", post.job_id))
            .unwrap_or("clip");
        let name = format!("{}/{}-{slug}{suffix}", post.date, post.job_id);
        if self.prefix.is_empty() {
            Key::from(name)
        } else {
            Key::from(format!("{}/{name}", self.prefix))
        }
    }

    /// The link for `key`: permanent under a public base URL, else presigned for
    /// `link_expires` (at most 7 days).
    pub async fn share_link(&self, key: &Key) -> Result<ShareLink> {
        if let Some(base) = self.settings.public_base_urls.get(&self.bucket) {
            return Ok(ShareLink {
                url: format!("{}/{key}", base.trim_end_matches('/')),
                expires_unix: None,
            });
        }
        let expires = self
            .settings
            .link_expires
            .clamp(Duration::from_secs(1), MAX_LINK_EXPIRY);
        let url = self
            .store
            .signed_url(http_get(), key, expires)
            .await
            .map_err(|e| self.fault(&e, key))?;
        Ok(ShareLink {
            url: url.to_string(),
            expires_unix: Some(crate::now_unix() + expires.as_secs()),
        })
    }

    fn sidecar(&self, post: &Post) -> Sidecar {
        Sidecar {
            clip: self
                .key(post, ".mp4")
                .filename()
                .unwrap_or_default()
                .to_string(),
            title: post.title.clone(),
            summary: match &post.reply_to {
                Some(r) => format!("{}\n\n{}", r.line(), post.summary),
                None => post.summary.clone(),
            },
            author: post.author.clone(),
            date: post.date.clone(),
            duration_secs: post.duration_secs,
            job_id: post.job_id.clone(),
            reply_to: post.reply_to.clone(),
            transcript: post
                .transcript
                .as_ref()
                .map(|t| t.lines.clone())
                .unwrap_or_default(),
        }
    }
}

fn http_get() -> object_store::signer::Method {
    object_store::signer::Method::GET
}

impl Destination for S3 {
    fn service(&self) -> Service {
        Service::S3
    }

    fn keeps_poster(&self) -> bool {
        true
    }

    fn task_url(&self) -> String {
        crate::taskref::TaskRef::S3 {
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
        }
        .to_string()
    }

    fn title(&self) -> BoxFuture<'_, Result<String>> {
        let t = self.task_url();
        Box::pin(async move { Ok(t) })
    }

    fn max_file_bytes(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        Box::pin(async { Ok(None) })
    }

    fn upload<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let memory = Checkpoint::in_memory();
            let key = self.key(post, ".mp4");
            self.send_clip(&post.clip, &key, progress, &memory).await?;
            Ok(StepDone::new(key.to_string(), None))
        })
    }

    fn upload_resumable<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
        checkpoint: &'a Checkpoint<'a>,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let key = self.key(post, ".mp4");
            self.send_clip(&post.clip, &key, progress, checkpoint)
                .await?;
            Ok(StepDone::new(key.to_string(), None))
        })
    }

    fn abandon<'a>(&'a self, parts: &'a PartsDone) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.abort(parts))
    }

    /// The poster frame beside the clip (when the app made one), and the clip's share link.
    fn attach<'a>(
        &'a self,
        post: &'a Post,
        upload: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            if let Some(poster) = &post.poster
                && let Ok(png) = tokio::fs::read(poster).await
            {
                self.put_new(&self.key(post, ".poster.png"), png).await?;
            }
            let link = self
                .share_link(&Key::from(upload.remote_id.as_str()))
                .await?;
            let mut done = StepDone::new(upload.remote_id.clone(), Some(link.url));
            done.expires_unix = link.expires_unix;
            Ok(done)
        })
    }

    fn summary<'a>(
        &'a self,
        post: &'a Post,
        attached: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let key = self.key(post, ".json");
            let bytes = serde_json::to_vec_pretty(&self.sidecar(post)).unwrap_or_default();
            self.put_new(&key, bytes).await?;
            let mut done = StepDone::new(key.to_string(), attached.url.clone());
            done.expires_unix = attached.expires_unix;
            Ok(done)
        })
    }

    fn transcript<'a>(
        &'a self,
        post: &'a Post,
        _summary: &'a StepDone,
        _resume: bool,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let key = self.key(post, ".vtt");
            let captions = post
                .transcript
                .as_ref()
                .map_or("", |t| t.captions_vtt.as_str());
            if !captions.is_empty() {
                self.put_new(&key, captions.as_bytes().to_vec()).await?;
            }
            Ok(StepDone::new(key.to_string(), None))
        })
    }

    /// Every step is safe to repeat (conditional writes; the upload looks at the object first),
    /// so an interrupted step is simply run again.
    fn find_done<'a>(
        &'a self,
        _post: &'a Post,
        _step: Step,
        _prior: Option<&'a StepDone>,
    ) -> BoxFuture<'a, Result<Option<StepDone>>> {
        Box::pin(async { Ok(None) })
    }

    fn holds_dated_clip<'a>(&'a self, post: &'a Post) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { Ok(self.size_of(&self.key(post, ".mp4")).await?.is_some()) })
    }

    fn clips(&self) -> BoxFuture<'_, Result<Vec<PostedClip>>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for (key, side) in self.sidecars(None).await? {
                let clip = clip_of(&key);
                out.push(PostedClip {
                    url: clip,
                    file_name: Some(side.clip),
                    title: Some(side.title),
                    summary: Some(side.summary),
                });
            }
            Ok(out)
        })
    }

    fn download<'a>(&'a self, clip: &'a PostedClip) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(async move {
            let key = Key::from(clip.url.as_str());
            let got = self
                .store
                .get(&key)
                .await
                .map_err(|e| self.fault(&e, &key))?;
            let bytes = got.bytes().await.map_err(|e| self.fault(&e, &key))?;
            Ok(bytes.to_vec())
        })
    }
}

impl S3 {
    /// The keys of the sidecars under the prefix, in key order (oldest first): all of them, or
    /// those after `after` (a key or the start of one, e.g. `<prefix>/<date>`).
    pub async fn sidecar_keys(&self, after: Option<&str>) -> Result<Vec<String>> {
        use futures_util::StreamExt;
        let prefix = (!self.prefix.is_empty()).then(|| Key::from(self.prefix.as_str()));
        let mut listing = match after {
            Some(offset) => self
                .store
                .list_with_offset(prefix.as_ref(), &Key::from(offset)),
            None => self.store.list(prefix.as_ref()),
        };
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(|e| self.fault(&e, &prefix.clone().unwrap_or_default()))?;
            if meta.location.as_ref().ends_with(".json") {
                keys.push(meta.location.to_string());
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// The sidecar at `key`; `None` when it is not one (another program's JSON).
    pub async fn sidecar_at(&self, key: &str) -> Result<Option<Sidecar>> {
        let key = Key::from(key);
        let got = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.fault(&e, &key))?;
        let bytes = got.bytes().await.map_err(|e| self.fault(&e, &key))?;
        Ok(serde_json::from_slice::<Sidecar>(&bytes).ok())
    }

    /// The sidecars under the prefix, oldest first, read `READS_IN_FLIGHT` at a time.
    pub async fn sidecars(&self, after: Option<&str>) -> Result<Vec<(String, Sidecar)>> {
        let keys = self.sidecar_keys(after).await?;
        self.read_sidecars(keys).await
    }

    /// Reads the sidecars at `keys` (in that order), several at a time; unparsable ones are left
    /// out.
    pub async fn read_sidecars(&self, keys: Vec<String>) -> Result<Vec<(String, Sidecar)>> {
        use futures_util::StreamExt;
        let read: Vec<(String, Result<Option<Sidecar>>)> = futures_util::stream::iter(keys)
            .map(|k| async move {
                let side = self.sidecar_at(&k).await;
                (k, side)
            })
            .buffered(READS_IN_FLIGHT)
            .collect()
            .await;
        let mut out = Vec::with_capacity(read.len());
        for (k, side) in read {
            if let Some(side) = side? {
                out.push((k, side));
            }
        }
        Ok(out)
    }

    /// The poster frame kept beside the clip at `clip_key` (`<stem>.poster.png`): `None` when
    /// there is none, it is over `max_bytes`, or it is not a PNG.
    pub async fn poster_beside(&self, clip_key: &str, max_bytes: u64) -> Result<Option<Vec<u8>>> {
        let Some(stem) = clip_key.strip_suffix(".mp4") else {
            return Ok(None);
        };
        let key = Key::from(format!("{stem}.poster.png"));
        let got = match self.store.get(&key).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.fault(&e, &key)),
        };
        if got.meta.size > max_bytes {
            return Ok(None);
        }
        let bytes = got.bytes().await.map_err(|e| self.fault(&e, &key))?;
        Ok(bytes.starts_with(b"\x89PNG").then(|| bytes.to_vec()))
    }

    /// The clip a sidecar at `sidecar_key` describes.
    pub fn clip_key(sidecar_key: &str) -> String {
        clip_of(sidecar_key)
    }

    /// The share link of the object at `key` (a fresh signature each call).
    pub async fn link_to(&self, key: &str) -> Result<ShareLink> {
        self.share_link(&Key::from(key)).await
    }
}

/// Sidecar reads in flight while following a prefix.
const READS_IN_FLIGHT: usize = 16;

/// `key` with its `.json` ending replaced by `.mp4`: the clip a sidecar describes.
fn clip_of(sidecar_key: &str) -> String {
    match sidecar_key.strip_suffix(".json") {
        Some(stem) => format!("{stem}.mp4"),
        None => sidecar_key.to_string(),
    }
}
