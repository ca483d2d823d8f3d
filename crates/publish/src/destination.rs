//! The one seam every destination implements, and the plain data that crosses it.
//!
//! A post is three steps, each recorded in the outbox with its remote id as soon as it
//! completes: **upload** the clip, **attach** it to the task, write the **summary** — and a
//! fourth when the post carries one, the **transcript** under the summary. A
//! destination where two steps are one request (ClickUp uploads straight onto the task)
//! does the work in the first and confirms it in the second. Every non-idempotent request
//! is checked against the task before it is repeated, so after any fault the task holds
//! exactly one clip and one summary.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::error::{Result, Service};
use crate::progress::{Progress, Step};
use crate::transcript::Transcript;

/// A boxed future, so destinations can live behind `Box<dyn Destination>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Everything a destination needs to post one clip.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    /// The outbox job id; also the marker that finds our own blocks and comments again.
    pub job_id: String,
    /// The file to upload (may be a re-encoded copy of the recording).
    pub clip: PathBuf,
    /// The file name the destination shows (unique per job: it ends in the job id).
    pub file_name: String,
    pub title: String,
    /// The summary in light markdown.
    pub summary: String,
    pub author: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub duration_secs: Option<f64>,
    /// Set when this post answers a teammate's clip ("Reply with a clip").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyTo>,
    /// What is said in the clip, carried under the summary (`None`: left out, or none made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<Transcript>,
    /// The clip's poster frame (a PNG the app made), uploaded beside the clip where the
    /// destination keeps files (team storage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<PathBuf>,
    /// Where the clip already is, whole, when it is over the destination's limit and the person
    /// kept full quality (team storage): the task links to it instead of receiving the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalClip>,
}

/// A clip posted elsewhere first (team storage), that a task links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalClip {
    pub url: String,
    /// Unix seconds when the link stops working (a presigned link); `None`: it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_unix: Option<u64>,
}

/// The clip a post answers. A destination places the reply with it: Notion right after the
/// answered clip's blocks, ClickUp as a threaded reply to the comment that links to it (a new
/// comment naming whom it answers when there is none); local destinations only record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTo {
    /// The answered clip: a Notion video block id, a ClickUp attachment id, or a file path.
    pub clip_id: String,
    /// Its file name where known (ClickUp finds the comment that links to it by this name).
    #[serde(default)]
    pub file_name: Option<String>,
    pub title: String,
    /// Who posted it ("" when unknown).
    #[serde(default)]
    pub author: String,
}

impl ReplyTo {
    const LINE_START: &'static str = "↩ Reply to ";

    /// "↩ Reply to Ada's clip “Login bug”": the line a reply carries on the task.
    pub fn line(&self) -> String {
        if self.author.is_empty() {
            format!("{}the clip “{}”", Self::LINE_START, self.title)
        } else {
            format!(
                "{}{}'s clip “{}”",
                Self::LINE_START,
                self.author,
                self.title
            )
        }
    }

    /// Whether `text` is such a line (read back between a reply's heading and its video).
    pub fn is_line(text: &str) -> bool {
        text.starts_with(Self::LINE_START)
    }
}

impl Post {
    /// The text that identifies this job's blocks and comments on the task.
    pub fn marker(&self) -> String {
        format!("clipnote {}", self.job_id)
    }

    /// "1:02 · 2026-11-25 · Ada · clipnote <job>": the line under the summary.
    pub fn footer(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.duration_secs {
            let secs = d.round() as u64;
            parts.push(format!("{}:{:02}", secs / 60, secs % 60));
        }
        parts.push(self.date.clone());
        if !self.author.is_empty() {
            parts.push(self.author.clone());
        }
        parts.push(self.marker());
        parts.join(" · ")
    }
}

/// The remote result of one step, recorded in the job file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    /// The remote id: Notion file upload or block id, ClickUp attachment or comment id, a path.
    pub remote_id: String,
    /// A link, when the step produced one (ClickUp attachment URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Unix seconds when the step completed (Notion uploads expire an hour after creation).
    #[serde(default)]
    pub at_unix: u64,
    /// Unix seconds when `url` stops working (a presigned link); `None`: it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_unix: Option<u64>,
}

impl StepDone {
    pub fn new(remote_id: impl Into<String>, url: Option<String>) -> Self {
        StepDone {
            remote_id: remote_id.into(),
            url,
            at_unix: crate::now_unix(),
            expires_unix: None,
        }
    }
}

/// A clip read back from a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedClip {
    /// Where the bytes are: a signed URL (expires; re-read before downloading) or a local path.
    pub url: String,
    pub file_name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
}

/// How far a multipart upload got: saved in the job as each part completes, so a run after a
/// crash, a `kill -9` or a dropped network sends only the parts that are missing (S3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartsDone {
    /// The object the parts belong to.
    pub key: String,
    /// The server's id for the upload (not a secret: useless without the keys).
    pub upload_id: String,
    /// Every part but the last is this long.
    pub part_bytes: u64,
    /// The id (ETag) of each finished part, in order.
    pub etags: Vec<String>,
}

/// Where a resumable upload keeps its [`PartsDone`]: the outbox gives one to each upload step,
/// holding what an earlier run saved, and writes the job file on every [`Checkpoint::save`].
pub struct Checkpoint<'a> {
    parts: std::sync::Mutex<Option<PartsDone>>,
    save: SaveParts<'a>,
}

/// What writes a [`Checkpoint`]'s state (the outbox: into the job file).
type SaveParts<'a> = Box<dyn Fn(Option<&PartsDone>) -> Result<()> + Send + Sync + 'a>;

impl std::fmt::Debug for Checkpoint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoint")
            .field("parts", &self.get())
            .finish()
    }
}

impl<'a> Checkpoint<'a> {
    /// Starts from `parts` and calls `save` with each new state.
    pub fn new(
        parts: Option<PartsDone>,
        save: impl Fn(Option<&PartsDone>) -> Result<()> + Send + Sync + 'a,
    ) -> Self {
        Checkpoint {
            parts: std::sync::Mutex::new(parts),
            save: Box::new(save),
        }
    }

    /// One that keeps the state in memory only (a destination used outside the outbox).
    pub fn in_memory() -> Checkpoint<'static> {
        Checkpoint::new(None, |_| Ok(()))
    }

    pub fn get(&self) -> Option<PartsDone> {
        self.parts.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Records `parts` (or that there is no upload in progress) and saves it at once.
    pub fn save(&self, parts: Option<PartsDone>) -> Result<()> {
        (self.save)(parts.as_ref())?;
        if let Ok(mut held) = self.parts.lock() {
            *held = parts;
        }
        Ok(())
    }
}

/// A place clips are posted to. One conformance suite runs against every implementation.
pub trait Destination: Send + Sync {
    /// Which service this is, for messages.
    fn service(&self) -> Service;

    /// The link a person opens to see the task (or the folder's path).
    fn task_url(&self) -> String;

    /// The task's name as the service shows it: the Notion page's title, the ClickUp task's
    /// name, "Library", or the shared folder's name. Errors as for posting (an unshared page
    /// says to share it with the integration).
    fn title(&self) -> BoxFuture<'_, Result<String>>;

    /// The largest file the destination accepts, learned before uploading (`None`: no known cap).
    fn max_file_bytes(&self) -> BoxFuture<'_, Result<Option<u64>>>;

    /// Step 1: send the clip's bytes.
    fn upload<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<StepDone>>;

    /// Step 1 for an upload of many requests that can resume: the outbox calls this, with the
    /// job's [`Checkpoint`]. By default it is [`Destination::upload`].
    fn upload_resumable<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
        checkpoint: &'a Checkpoint<'a>,
    ) -> BoxFuture<'a, Result<StepDone>> {
        let _ = checkpoint;
        self.upload(post, progress)
    }

    /// Step 2: put the uploaded clip on the task.
    ///
    /// By default the upload already put the clip where it belongs (ClickUp's attachment
    /// request, a file copied into a folder), and this step only records that.
    fn attach<'a>(
        &'a self,
        _post: &'a Post,
        upload: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move { Ok(upload.clone()) })
    }

    /// Step 3: write the summary (and a link to the clip) on the task.
    fn summary<'a>(
        &'a self,
        post: &'a Post,
        attached: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>>;

    /// Step 4, for a post with a transcript: put it under the summary (and the captions file
    /// beside the clip where the destination keeps files). `resume` says the step was in flight
    /// when an earlier run stopped: it then looks at the task first and finishes what is missing,
    /// so nothing is written twice.
    fn transcript<'a>(
        &'a self,
        post: &'a Post,
        summary: &'a StepDone,
        resume: bool,
    ) -> BoxFuture<'a, Result<StepDone>>;

    /// Looks at the task for `step` done by an earlier attempt whose reply was lost (or whose
    /// process died before recording it). `Some` means done: it is recorded, not repeated.
    fn find_done<'a>(
        &'a self,
        post: &'a Post,
        step: Step,
        prior: Option<&'a StepDone>,
    ) -> BoxFuture<'a, Result<Option<StepDone>>>;

    /// Whether an attempt cut off before it was recorded already left the clip of `post` where
    /// its date files it (team storage); then the post keeps that date.
    fn holds_dated_clip<'a>(&'a self, post: &'a Post) -> BoxFuture<'a, Result<bool>> {
        let _ = post;
        Box::pin(async { Ok(false) })
    }

    /// Whether the destination keeps a poster frame beside the clip (team storage): the outbox
    /// then has one made while the clip goes up ([`crate::outbox::PosterMaker`]).
    fn keeps_poster(&self) -> bool {
        false
    }

    /// Whether an upload recorded earlier can still be attached (Notion uploads expire after 1 h).
    fn upload_still_usable(&self, upload: &StepDone) -> bool {
        let _ = upload;
        true
    }

    /// Gives up a resumable upload that will not be finished (a cancelled post), so what was
    /// sent of it does not stay behind. Destinations with nothing to clean up do nothing.
    fn abandon<'a>(&'a self, parts: &'a PartsDone) -> BoxFuture<'a, Result<()>> {
        let _ = parts;
        Box::pin(async { Ok(()) })
    }

    /// Reads back the clips on the task, oldest first.
    fn clips(&self) -> BoxFuture<'_, Result<Vec<PostedClip>>>;

    /// Downloads a clip's bytes (signed URLs take no token).
    fn download<'a>(&'a self, clip: &'a PostedClip) -> BoxFuture<'a, Result<Vec<u8>>>;
}
