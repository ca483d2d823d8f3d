//! The durable outbox: every post is a job file on disk (JSON, written to a temporary name,
//! synced and renamed over the old one), with its steps (upload, attach, summary, and the
//! transcript when the post carries one) and the remote id of each
//! recorded the moment the step completes. A job survives crashes, restarts and offline
//! spells; a run resumes at the first step not recorded, and a step whose reply was lost is
//! looked for on the task before it is repeated (inside each destination).
//!
//! ```text
//! outbox/
//!   <job id>.json   the job: destination, post, status, steps done, last error
//!   <job id>.lock   present while a process posts it (holds that pid)
//!   <job id>.poster.png  its poster frame, until it is done (team storage; see `poster`)
//! ```

mod poster;
pub use poster::PosterMaker;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::destination::{Checkpoint, ExternalClip, PartsDone, Post, ReplyTo, StepDone};
use crate::error::{Error, Result};
use crate::progress::{Event, Progress, Step};
use crate::settings::Settings;
use crate::taskref::TaskRef;
use crate::transcript::Transcript;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting to be posted (new, or after a failure that a retry can fix).
    Queued,
    /// On the task.
    Done,
    /// Stopped for a reason a retry cannot fix; `last_error` says what to do.
    Failed,
    /// Cancelled by the user.
    Cancelled,
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JobStatus::Queued => "queued",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        })
    }
}

/// One post, as stored on disk. Holds no token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub created_unix: u64,
    pub to: TaskRef,
    pub post: Post,
    pub status: JobStatus,
    pub upload: Option<StepDone>,
    pub attach: Option<StepDone>,
    pub summary: Option<StepDone>,
    /// The transcript under the summary (jobs that carry none never have it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<StepDone>,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The task's link, once known.
    pub task_url: Option<String>,
    /// The step that was being sent when the job was last saved: if the process died there,
    /// the next run looks at the task before repeating it.
    #[serde(default)]
    pub in_flight: Option<Step>,
    /// A file the outbox made (a re-encoded clip) and removes when the job is done.
    #[serde(default)]
    pub owned_clip: Option<PathBuf>,
    /// The parts of an unfinished multipart upload (team storage), saved as each completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<PartsDone>,
}

impl Job {
    /// The next step to do, if any.
    pub fn next_step(&self) -> Option<Step> {
        if self.upload.is_none() {
            Some(Step::Upload)
        } else if self.attach.is_none() {
            Some(Step::Attach)
        } else if self.summary.is_none() {
            Some(Step::Summary)
        } else if self.transcript.is_none()
            && self.post.transcript.as_ref().is_some_and(|t| !t.is_empty())
        {
            Some(Step::Transcript)
        } else {
            None
        }
    }

    /// Whether no step, nor any part of an upload, was recorded as sent.
    fn nothing_recorded(&self) -> bool {
        self.upload.is_none()
            && self.attach.is_none()
            && self.summary.is_none()
            && self.parts.is_none()
    }
}

/// What a new post needs.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub to: TaskRef,
    pub clip: PathBuf,
    pub title: String,
    pub summary: String,
    pub author: String,
    pub duration_secs: Option<f64>,
    /// The teammate's clip this post answers, if it is a reply.
    pub reply_to: Option<ReplyTo>,
    /// What is said in the clip, as it is when the post is queued (`None`: leave it out). It is
    /// kept in the job, so what posts is what the user reviewed, even after a crash.
    pub transcript: Option<Transcript>,
}

/// A check of a job's clip, run right before its upload step (also when a queued job runs
/// later, so a file replaced or damaged since it was queued is caught): `Err(reason)` stops the
/// job, marked failed with that reason, and nothing is sent. Publish reads no media, so the
/// caller supplies it (the app: `capture::clip::check_playable`). It runs on a blocking thread.
pub type ClipCheck = std::sync::Arc<dyn Fn(&Path) -> std::result::Result<(), String> + Send + Sync>;

/// The folder of jobs.
#[derive(Clone)]
pub struct Outbox {
    dir: PathBuf,
    check: Option<ClipCheck>,
    poster: Option<PosterMaker>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("dir", &self.dir)
            .field("checks_clips", &self.check.is_some())
            .field("makes_posters", &self.poster.is_some())
            .finish()
    }
}

impl Outbox {
    /// Opens (and creates) the outbox at `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io("create the outbox folder", &dir, e))?;
        Ok(Outbox {
            dir,
            check: None,
            poster: None,
        })
    }

    /// Runs `check` on each job's clip before it is uploaded ([`ClipCheck`]).
    pub fn with_clip_check(mut self, check: ClipCheck) -> Self {
        self.check = Some(check);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn job_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// A new job id: time-ordered, unique per process and call.
    pub fn new_id() -> String {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mix = (nanos as u32)
            ^ std::process::id().rotate_left(16)
            ^ COUNTER
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(0x9e37_79b9);
        format!("{:010x}{:04x}", (nanos / 1_000_000) as u64, mix & 0xffff)
    }

    /// Records a new post as a queued job; nothing is sent yet.
    pub fn enqueue(&self, new: NewPost) -> Result<Job> {
        std::fs::metadata(&new.clip).map_err(|e| Error::io("read the clip", &new.clip, e))?;
        let id = Outbox::new_id();
        let date = crate::today();
        let file_name = format!("{}-{}.mp4", slug(&new.title), &id);
        let job = Job {
            id: id.clone(),
            created_unix: crate::now_unix(),
            to: new.to,
            post: Post {
                job_id: id,
                clip: new.clip,
                file_name,
                title: new.title,
                summary: new.summary,
                author: new.author,
                date,
                duration_secs: new.duration_secs,
                reply_to: new.reply_to,
                transcript: new.transcript.filter(|t| !t.is_empty()),
                poster: None,
                external: None,
            },
            status: JobStatus::Queued,
            upload: None,
            attach: None,
            summary: None,
            transcript: None,
            attempts: 0,
            last_error: None,
            task_url: None,
            in_flight: None,
            owned_clip: None,
            parts: None,
        };
        self.save(&job)?;
        Ok(job)
    }

    /// Writes the job atomically: temporary file, fsync, rename.
    pub fn save(&self, job: &Job) -> Result<()> {
        let path = self.job_path(&job.id);
        let tmp = self.dir.join(format!(".{}.json.tmp", job.id));
        let bytes = serde_json::to_vec_pretty(job).unwrap_or_default();
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| Error::io("write the job file", &path, e))
    }

    /// Reads one job.
    pub fn get(&self, id: &str) -> Result<Job> {
        let path = self.job_path(id);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoSuchJob(id.to_string()));
            }
            Err(e) => return Err(Error::io("read the job file", &path, e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::io(
                "parse the job file (move it away to drop the job)",
                &path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })
    }

    /// Every job, oldest first. Unreadable files are reported in the log and skipped.
    pub fn list(&self) -> Result<Vec<Job>> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::io("read the outbox folder", &self.dir, e))?;
        let mut jobs = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if id.starts_with('.') {
                continue;
            }
            match self.get(id) {
                Ok(j) => jobs.push(j),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable job file"),
            }
        }
        jobs.sort_by(|a, b| {
            a.created_unix
                .cmp(&b.created_unix)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(jobs)
    }

    /// Cancels a job that is not done. Steps already on the task stay there.
    pub fn cancel(&self, id: &str) -> Result<Job> {
        let _lock = self.lock(id)?;
        let mut job = self.get(id)?;
        if job.status != JobStatus::Done {
            job.status = JobStatus::Cancelled;
            self.save(&job)?;
        }
        Ok(job)
    }

    /// Cancels a job that is not done, as [`Outbox::cancel`], and gives up the upload it had
    /// begun to team storage, so the parts already sent do not stay in the bucket (a retry
    /// starts that upload over). The job is cancelled either way; when the parts could not be
    /// removed (offline, no keys) they stay recorded and the error says why.
    pub async fn cancel_and_clean(
        &self,
        id: &str,
        settings: &Settings,
    ) -> Result<(Job, Option<Error>)> {
        let job = self.cancel(id)?;
        let Some(parts) = job
            .parts
            .clone()
            .filter(|_| job.status == JobStatus::Cancelled)
        else {
            return Ok((job, None));
        };
        let abandoned = match settings.open(&job.to) {
            Ok(dest) => dest.abandon(&parts).await,
            Err(e) => Err(e),
        };
        if let Err(e) = abandoned {
            return Ok((job, Some(e)));
        }
        let _lock = self.lock(id)?;
        let mut job = self.get(id)?;
        if job
            .parts
            .as_ref()
            .is_some_and(|p| p.upload_id == parts.upload_id)
        {
            job.parts = None;
            self.save(&job)?;
        }
        Ok((job, None))
    }

    /// Puts a failed or cancelled job back in the queue.
    pub fn requeue(&self, id: &str) -> Result<Job> {
        let _lock = self.lock(id)?;
        let mut job = self.get(id)?;
        if job.status != JobStatus::Done {
            job.status = JobStatus::Queued;
            self.save(&job)?;
        }
        Ok(job)
    }

    /// Records that the job's clip is already whole elsewhere (team storage): the job links to
    /// it instead of uploading the file.
    pub fn use_external(&self, id: &str, external: ExternalClip) -> Result<Job> {
        let mut job = self.get(id)?;
        job.post.external = Some(external);
        self.save(&job)?;
        Ok(job)
    }

    /// Records a re-encoded clip that the job posts instead of the original.
    pub fn use_clip(&self, id: &str, clip: PathBuf) -> Result<Job> {
        let mut job = self.get(id)?;
        job.post.clip = clip.clone();
        job.owned_clip = Some(clip);
        self.save(&job)?;
        Ok(job)
    }

    /// Takes the job's lock: a file holding our pid. A lock left by a dead process is taken over.
    pub fn lock(&self, id: &str) -> Result<JobLock> {
        let path = self.dir.join(format!("{id}.lock"));
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(JobLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid: u32 = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(0);
                    if pid != 0 && pid != std::process::id() && process_alive(pid) {
                        return Err(Error::Busy(id.to_string(), pid));
                    }
                    if pid == std::process::id() {
                        return Err(Error::Busy(id.to_string(), pid));
                    }
                    tracing::info!(
                        job = id,
                        stale_pid = pid,
                        "taking over a lock left by a process that is gone"
                    );
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(Error::io("lock the job", &path, e)),
            }
        }
        Err(Error::Busy(id.to_string(), 0))
    }

    /// Posts one job: resumes at its first unrecorded step and records each step as it completes.
    /// On failure the job stays queued when a retry can help, or is marked failed with the reason.
    pub async fn run_job(&self, id: &str, settings: &Settings, progress: &Progress) -> Result<Job> {
        let _lock = self.lock(id)?;
        let mut job = self.get(id)?;
        if job.status != JobStatus::Queued {
            return Ok(job);
        }
        let span = tracing::info_span!("job", id = %job.id, to = %job.to);
        job.attempts += 1;
        let outcome =
            tracing::Instrument::instrument(self.drive(&mut job, settings, progress), span).await;
        match outcome {
            Ok(()) => {
                job.status = JobStatus::Done;
                job.last_error = None;
                self.save(&job)?;
                if let Some(owned) = job.owned_clip.take() {
                    let _ = std::fs::remove_file(owned);
                }
                self.drop_poster(&job);
                progress.emit(Event::Done {
                    job_id: job.id.clone(),
                    task_url: job.task_url.clone().unwrap_or_default(),
                });
                Ok(job)
            }
            Err(e) => {
                job.status = if e.is_retryable() {
                    JobStatus::Queued
                } else {
                    JobStatus::Failed
                };
                job.last_error = Some(e.to_string());
                self.save(&job)?;
                Err(e)
            }
        }
    }

    async fn drive(&self, job: &mut Job, settings: &Settings, progress: &Progress) -> Result<()> {
        let dest = settings.open(&job.to)?;
        // A post is dated the day it is sent, not the day it was queued (maybe offline, days
        // before): team storage files it under that day, and a teammate's inbox, which reads
        // on from the newest day it has seen, finds it there.
        let today = crate::today();
        if job.nothing_recorded() && job.post.date != today {
            // An attempt cut off mid-step may have left the clip under the old date.
            let left = job.in_flight.is_some() && dest.holds_dated_clip(&job.post).await?;
            if !left {
                tracing::info!(queued = %job.post.date, %today, "queued on an earlier day: dated today");
                job.post.date = today;
                self.save(job)?;
            }
        }
        job.task_url = Some(dest.task_url());
        let mut poster = self.start_poster(job, dest.as_ref());
        let mut uploads_left = 2;
        loop {
            if let (Some(up), None) = (&job.upload, &job.attach)
                && !dest.upload_still_usable(up)
            {
                tracing::info!("the recorded upload is too old to attach; uploading again");
                job.upload = None;
            }
            let Some(step) = job.next_step() else {
                return Ok(());
            };
            if step != Step::Upload
                && let Some(making) = poster.take()
            {
                self.finish_poster(job, making).await?;
            }
            if step == Step::Upload {
                // Before any request, even a look for an upload an interrupted run made.
                self.check_clip(&job.post.clip).await?;
            }
            let prior = match step {
                Step::Upload => None,
                Step::Attach => job.upload.clone(),
                Step::Summary => job.attach.clone(),
                Step::Transcript => job.summary.clone(),
            };
            let resume = job.in_flight == Some(step);
            if resume && let Some(done) = dest.find_done(&job.post, step, prior.as_ref()).await? {
                tracing::info!(%step, "found on the task from an interrupted run; not repeating it");
                progress.emit(Event::AlreadyDone {
                    job_id: job.id.clone(),
                    step,
                });
                self.record(job, step, done)?;
                continue;
            }
            job.in_flight = Some(step);
            self.save(job)?;
            progress.emit(Event::Step {
                job_id: job.id.clone(),
                step,
            });
            tracing::info!(%step, "step");
            match step {
                Step::Upload => {
                    let done = self.upload(job, dest.as_ref(), progress).await?;
                    self.record(job, step, done)?;
                }
                Step::Attach => {
                    let up = job
                        .upload
                        .clone()
                        .unwrap_or_else(|| StepDone::new("", None));
                    match dest.attach(&job.post, &up).await {
                        Ok(done) => self.record(job, step, done)?,
                        Err(Error::UploadExpired) if uploads_left > 0 => {
                            uploads_left -= 1;
                            job.upload = None;
                            job.in_flight = None;
                            self.save(job)?;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Step::Summary => {
                    let at = job
                        .attach
                        .clone()
                        .unwrap_or_else(|| StepDone::new("", None));
                    let done = dest.summary(&job.post, &at).await?;
                    self.record(job, step, done)?;
                }
                Step::Transcript => {
                    let summary = job
                        .summary
                        .clone()
                        .unwrap_or_else(|| StepDone::new("", None));
                    let done = dest.transcript(&job.post, &summary, resume).await?;
                    self.record(job, step, done)?;
                }
            }
        }
    }

    /// The upload step, resumable: the destination saves each finished part in the job file.
    async fn upload(
        &self,
        job: &mut Job,
        dest: &dyn crate::destination::Destination,
        progress: &Progress,
    ) -> Result<StepDone> {
        if let Some(external) = &job.post.external {
            // Already whole in team storage: the task gets its link, not the file.
            let mut done = StepDone::new(external.url.clone(), Some(external.url.clone()));
            done.expires_unix = external.expires_unix;
            return Ok(done);
        }
        let snapshot = std::sync::Mutex::new(job.clone());
        let checkpoint = Checkpoint::new(job.parts.clone(), |parts| {
            let mut saved = snapshot.lock().unwrap_or_else(|p| p.into_inner());
            saved.parts = parts.cloned();
            self.save(&saved)
        });
        let done = dest
            .upload_resumable(&job.post, progress, &checkpoint)
            .await;
        job.parts = checkpoint.get();
        let done = done?;
        job.parts = None;
        Ok(done)
    }

    /// Runs the [`ClipCheck`], if any, off the async threads.
    async fn check_clip(&self, clip: &Path) -> Result<()> {
        let Some(check) = self.check.clone() else {
            return Ok(());
        };
        let clip = clip.to_owned();
        tokio::task::spawn_blocking(move || check(&clip))
            .await
            .unwrap_or_else(|e| Err(format!("the clip check stopped: {e}")))
            .map_err(Error::UnplayableClip)
    }

    /// Records a completed step and saves the job at once.
    fn record(&self, job: &mut Job, step: Step, done: StepDone) -> Result<()> {
        match step {
            Step::Upload => job.upload = Some(done),
            Step::Attach => job.attach = Some(done),
            Step::Summary => job.summary = Some(done),
            Step::Transcript => job.transcript = Some(done),
        }
        job.in_flight = None;
        self.save(job)
    }

    /// Posts every queued job, oldest first. Returns the jobs it touched, in order.
    pub async fn run_all(
        &self,
        settings: &Settings,
        progress: &Progress,
    ) -> Result<Vec<(String, Result<Job>)>> {
        let mut out = Vec::new();
        for job in self.list()? {
            if job.status == JobStatus::Queued {
                let r = self.run_job(&job.id, settings, progress).await;
                out.push((job.id, r));
            }
        }
        Ok(out)
    }
}

/// Held while a process posts a job; removes the lock file when dropped.
#[derive(Debug)]
pub struct JobLock {
    path: PathBuf,
}

impl Drop for JobLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        // Without /proc we cannot tell: assume alive, the user can remove the lock file.
        true
    }
}

/// A file-name-safe version of the title.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 48 {
            break;
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "clip".into() } else { s }
}
