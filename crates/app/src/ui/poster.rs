//! The posting worker: one named thread with the network runtime. It trims and fits clips,
//! queues posts in the outbox and works them, checks destinations and tokens, and lists the
//! outbox — all off the UI thread. Commands come in on a bounded channel; events go back on
//! another, each followed by a repaint.

use crate::{mib, team_storage};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender};

use publish::{Job, NewPost, Outbox, Service, TaskRef, Token};

/// Where the worker reads its settings from.
#[derive(Debug, Clone)]
pub struct Setup {
    pub settings: publish::Settings,
    pub outbox_dir: PathBuf,
    pub author: String,
    /// Posts carry the transcript beside the clip unless Review says otherwise
    /// (`[transcript] post`): where Review's choice starts.
    pub post_transcript: bool,
    /// Where a clip over a task's limit is kept whole when Review says "full quality"
    /// (`[s3] team`; `None`: it is always re-encoded to fit).
    pub team: Option<TaskRef>,
}

/// A clip to post, with the part to keep.
#[derive(Debug, Clone)]
pub struct Request {
    pub to: TaskRef,
    pub clip: PathBuf,
    /// Keep `start..end` seconds; `None` posts the whole clip.
    pub trim: Option<(f64, f64)>,
    pub title: String,
    pub summary: String,
    /// The teammate's clip this one answers.
    pub reply_to: Option<publish::ReplyTo>,
    /// Carry the transcript beside the clip (Review's "Post it with the clip").
    pub with_transcript: bool,
    /// Over the destination's limit: keep the clip whole in team storage and link to it, rather
    /// than re-encode it to fit (only with [`Setup::team`]).
    pub full_quality: bool,
}

#[derive(Debug)]
pub enum Command {
    /// Learn the destination's per-file limit (this also checks the token).
    Check(TaskRef),
    Post(Request),
    Retry(String),
    Cancel(String),
    ListOutbox,
    /// Check a token against its service without storing it (`None`: the stored token).
    TestToken(Service, Option<Token>),
    /// Store a token (keyring, or a private file) for later posts.
    SaveToken(Service, Token),
    /// Posts to `library` go to this folder from now on.
    SetLibrary(std::path::PathBuf),
}

/// "Connected to Acme as Ada: files up to 5.0 MiB each".
fn connected(account: &publish::account::Account) -> String {
    let mut said = format!("Connected to {}", account.workspace);
    if let Some(user) = account.user.as_deref().filter(|u| !u.is_empty()) {
        said.push_str(&format!(" as {user}"));
    }
    if let Some(limit) = account.max_file_bytes {
        said.push_str(&format!(": files up to {} each", mib(limit)));
    }
    said
}

/// What checking a destination found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The page's or task's title as its service shows it.
    pub title: String,
    /// The largest file it takes (`None`: no known cap).
    pub limit: Option<u64>,
    /// Team storage a clip over the limit can be kept whole in (`[s3] team`).
    pub team: Option<TaskRef>,
}

#[derive(Debug)]
pub enum Event {
    /// The destination's real name and its per-file limit, or why it cannot be reached.
    Checked {
        to: TaskRef,
        found: Result<Found, String>,
    },
    /// What the post is doing now, in words, and the upload's progress.
    Working {
        what: String,
        fraction: Option<f32>,
    },
    Posted {
        job_id: String,
        task_url: String,
    },
    /// The post failed. `queued`: it stays in the outbox and is retried.
    Failed {
        job_id: Option<String>,
        message: String,
        queued: bool,
    },
    Outbox(Result<Vec<Job>, String>),
    TokenChecked {
        service: Service,
        result: Result<String, String>,
    },
    TokenSaved {
        service: Service,
        result: Result<String, String>,
    },
    /// No token is stored for the service (not an error: nothing is connected yet).
    TokenMissing(Service),
}

pub type Handle = super::worker::Handle<Command, Event>;

impl Handle {
    pub fn spawn(setup: Setup, wake: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        Self::start("ui-poster", 16, 128, move |commands, tx| {
            Worker::new(setup, tx, wake).run(&commands);
        })
    }
}

struct Worker<W> {
    setup: Setup,
    tx: SyncSender<Event>,
    wake: std::sync::Arc<W>,
}

impl<W: Fn() + Send + Sync + 'static> Worker<W> {
    fn new(setup: Setup, tx: SyncSender<Event>, wake: W) -> Self {
        Self {
            setup,
            tx,
            wake: std::sync::Arc::new(wake),
        }
    }

    fn emit(&self, event: Event) -> bool {
        let ok = self.tx.send(event).is_ok();
        (self.wake)();
        ok
    }

    fn working(&self, what: impl Into<String>, fraction: Option<f32>) {
        let _ = self.tx.try_send(Event::Working {
            what: what.into(),
            fraction,
        });
        (self.wake)();
    }

    fn run(mut self, commands: &Receiver<Command>) {
        let rt = match crate::cli::post::runtime() {
            Ok(rt) => rt,
            Err(e) => {
                self.emit(Event::Failed {
                    job_id: None,
                    message: e.message,
                    queued: false,
                });
                return;
            }
        };
        while let Ok(command) = commands.recv() {
            let alive = match command {
                Command::Check(to) => {
                    let found = rt.block_on(self.check(&to));
                    self.emit(Event::Checked { to, found })
                }
                Command::Post(request) => {
                    let event = self.post(&rt, request);
                    self.emit(event)
                }
                Command::Retry(id) => {
                    let event = self.retry(&rt, &id);
                    self.emit(event) && self.emit(Event::Outbox(self.list()))
                }
                Command::Cancel(id) => {
                    let cancelled = self.outbox().and_then(|o| {
                        rt.block_on(o.cancel_and_clean(&id, &self.setup.settings))
                            .map_err(|e| e.to_string())
                    });
                    match cancelled {
                        Err(e) => tracing::warn!("cancel {id}: {e}"),
                        Ok((_, Some(e))) => {
                            tracing::warn!(error = %e, "cancel {id}: its uploaded parts stay in the bucket");
                        }
                        Ok((_, None)) => {}
                    }
                    self.emit(Event::Outbox(self.list()))
                }
                Command::ListOutbox => self.emit(Event::Outbox(self.list())),
                Command::SetLibrary(dir) => {
                    self.setup.settings.library_dir = dir;
                    true
                }
                Command::TestToken(service, token) => {
                    let stored = token.is_none();
                    match rt.block_on(self.account(service, token)) {
                        Err(publish::Error::NoToken { .. }) if stored => {
                            self.emit(Event::TokenMissing(service))
                        }
                        result => self.emit(Event::TokenChecked {
                            service,
                            result: result.map(|a| connected(&a)).map_err(|e| e.to_string()),
                        }),
                    }
                }
                Command::SaveToken(service, token) => {
                    let result =
                        publish::secrets::store(service, &token, &self.setup.settings.config_dir)
                            .map(|source| format!("Saved in {source}"))
                            .map_err(|e| e.to_string());
                    let result = match result {
                        Ok(saved) => {
                            match service {
                                Service::Notion => self.setup.settings.notion_token = Some(token),
                                _ => self.setup.settings.clickup_token = Some(token),
                            }
                            // Saved is not yet connected: say which workspace it reaches.
                            match rt.block_on(self.account(service, None)) {
                                Ok(account) => Ok(format!("{saved}. {}", connected(&account))),
                                Err(e) => Err(format!("{saved}, but: {e}")),
                            }
                        }
                        Err(e) => Err(e),
                    };
                    self.emit(Event::TokenSaved { service, result })
                }
            };
            if !alive {
                return;
            }
        }
    }

    fn outbox(&self) -> Result<Outbox, String> {
        crate::playable::outbox(&self.setup.outbox_dir).map_err(|e| e.to_string())
    }

    fn list(&self) -> Result<Vec<Job>, String> {
        self.outbox()?.list().map_err(|e| e.to_string())
    }

    /// Reads the destination's title (which also proves the token can see it) and its limit.
    async fn check(&self, to: &TaskRef) -> Result<Found, String> {
        let dest = self.setup.settings.open(to).map_err(|e| e.to_string())?;
        let title = dest.title().await.map_err(|e| e.to_string())?;
        let limit = dest.max_file_bytes().await.map_err(|e| e.to_string())?;
        let team = self.setup.team.clone();
        Ok(Found { title, limit, team })
    }

    async fn limit(&self, to: &TaskRef) -> Result<Option<u64>, String> {
        let dest = self.setup.settings.open(to).map_err(|e| e.to_string())?;
        dest.max_file_bytes().await.map_err(|e| e.to_string())
    }

    /// Checks a token (`None`: the stored one) with its service.
    async fn account(
        &self,
        service: Service,
        token: Option<Token>,
    ) -> Result<publish::account::Account, publish::Error> {
        let mut settings = self.setup.settings.clone();
        match (service, token) {
            (_, None) => {}
            (Service::Notion, token) => settings.notion_token = token,
            (_, token) => settings.clickup_token = token,
        }
        publish::account::check(&settings, service).await
    }

    /// Check → trim → fit → queue → post. Returns the final event.
    fn post(&self, rt: &tokio::runtime::Runtime, request: Request) -> Event {
        let failed = |message: String| Event::Failed {
            job_id: None,
            message,
            queued: false,
        };
        let outbox = match self.outbox() {
            Ok(o) => o,
            Err(e) => return failed(e),
        };
        self.working("Checking the clip…", None);
        if let Err(e) = crate::playable::check(&request.clip, crate::playable::FIX_APP) {
            return failed(e);
        }
        // As it is beside the clip now (Review may have corrected it), cut as the clip is.
        let transcript = if request.with_transcript {
            match crate::post_transcript::snapshot(&request.clip, request.trim) {
                Ok(t) => t,
                Err(e) => return failed(e),
            }
        } else {
            None
        };
        let stamp = format!("{}-{}", std::process::id(), publish::now_unix());
        let mut clip = request.clip.clone();
        if let Some((start, end)) = request.trim {
            self.working("Trimming the clip…", None);
            let out = outbox.dir().join(format!("trim-{stamp}.mp4"));
            match capture::clip::trim(&clip, &out, start, end) {
                Ok(t) => clip = t.path,
                Err(e) => return failed(format!("cannot trim the clip: {e}")),
            }
        }
        self.working("Checking the destination…", None);
        let limit = match rt.block_on(self.limit(&request.to)) {
            Ok(l) => l,
            Err(e) => return failed(e),
        };
        let bytes = std::fs::metadata(&clip).map_or(0, |m| m.len());
        let mut external = None;
        let over = limit.filter(|l| bytes > *l);
        if let (Some(_), true, Some(team)) = (over, request.full_quality, &self.setup.team) {
            self.working(
                format!("Keeping the {} clip whole in {team}…", mib(bytes)),
                None,
            );
            match self.store_whole(rt, &outbox, team, &clip, &request) {
                Ok(link) => external = Some(link),
                Err(message) => return failed(message),
            }
        } else if let Some(limit) = over {
            self.working(
                format!(
                    "Re-encoding {} to fit the {} limit…",
                    mib(bytes),
                    mib(limit)
                ),
                None,
            );
            let out = outbox.dir().join(format!("fit-{stamp}.mp4"));
            match capture::fit::fit_to_size(&clip, &out, limit) {
                Ok(_) => clip = out,
                Err(e) => return failed(e.to_string()),
            }
        }
        let job = match outbox.enqueue(NewPost {
            to: request.to,
            clip: clip.clone(),
            title: request.title,
            summary: request.summary,
            author: self.setup.author.clone(),
            duration_secs: publish::mp4::duration_secs(&clip),
            reply_to: request.reply_to,
            transcript,
        }) {
            Ok(job) => job,
            Err(e) => return failed(e.to_string()),
        };
        if let Some(external) = external
            && let Err(e) = outbox.use_external(&job.id, external)
        {
            return failed(e.to_string());
        }
        tracing::info!(job = %job.id, "post: queued");
        self.run_job(rt, &outbox, &job.id)
    }

    /// Posts `clip` whole to `team` (with its poster frame) and returns the link the post to
    /// the task carries instead of the clip.
    fn store_whole(
        &self,
        rt: &tokio::runtime::Runtime,
        outbox: &Outbox,
        team: &TaskRef,
        clip: &std::path::Path,
        request: &Request,
    ) -> Result<publish::ExternalClip, String> {
        let new = team_storage::post(
            team.clone(),
            clip,
            &request.title,
            &request.summary,
            self.setup.author.clone(),
        );
        let job = outbox.enqueue(new).map_err(|e| e.to_string())?;
        if let Event::Failed { message, .. } = self.run_job(rt, outbox, &job.id) {
            return Err(format!(
                "the clip could not be kept whole in {team}, so nothing was posted to the task: {message}"
            ));
        }
        let stored = outbox.get(&job.id).map_err(|e| e.to_string())?;
        let service = match request.to {
            TaskRef::Notion { .. } => Service::Notion,
            _ => Service::ClickUp,
        };
        let link = team_storage::link_of(&stored, service).map_err(|e| e.message)?;
        tracing::info!(job = %job.id, expires = ?link.expires_unix, "post: clip kept whole in team storage");
        Ok(link)
    }

    fn retry(&self, rt: &tokio::runtime::Runtime, id: &str) -> Event {
        let outbox = match self.outbox() {
            Ok(o) => o,
            Err(message) => {
                return Event::Failed {
                    job_id: Some(id.into()),
                    message,
                    queued: false,
                };
            }
        };
        if let Err(e) = outbox.requeue(id) {
            return Event::Failed {
                job_id: Some(id.into()),
                message: e.to_string(),
                queued: false,
            };
        }
        self.run_job(rt, &outbox, id)
    }

    fn run_job(&self, rt: &tokio::runtime::Runtime, outbox: &Outbox, id: &str) -> Event {
        let (progress, mut rx) = publish::Progress::channel(64);
        let tx = self.tx.clone();
        let wake = self.wake.clone();
        let forward = rt.spawn(async move {
            while let Some(event) = rx.recv().await {
                let (what, fraction) = match event {
                    publish::Event::Step { step, .. } => (step_words(step).to_owned(), None),
                    publish::Event::Bytes { sent, total, .. } => (
                        format!("Uploading… {} of {}", mib(sent), mib(total)),
                        Some(if total == 0 {
                            1.0
                        } else {
                            sent as f32 / total as f32
                        }),
                    ),
                    publish::Event::AlreadyDone { step, .. } => (
                        format!("{}: already on the task, not repeated", step_words(step)),
                        None,
                    ),
                    publish::Event::Done { .. } => break,
                };
                let _ = tx.try_send(Event::Working { what, fraction });
                wake();
            }
        });
        let result = rt.block_on(outbox.run_job(id, &self.setup.settings, &progress));
        drop(progress);
        forward.abort();
        match result {
            Ok(job) => {
                let task_url = job.task_url.clone().unwrap_or_default();
                tracing::info!(job = %job.id, url = %task_url, "post: done");
                Event::Posted {
                    job_id: job.id,
                    task_url,
                }
            }
            Err(e) => {
                let queued = e.is_retryable();
                tracing::info!(job = id, queued, "post: failed: {e}");
                Event::Failed {
                    job_id: Some(id.into()),
                    message: if queued {
                        format!("{e}. The post waits in the outbox and can be retried there")
                    } else {
                        e.to_string()
                    },
                    queued,
                }
            }
        }
    }
}

fn step_words(step: publish::Step) -> &'static str {
    match step {
        publish::Step::Upload => "Uploading the clip…",
        publish::Step::Attach => "Attaching it to the task…",
        publish::Step::Summary => "Writing the summary…",
        publish::Step::Transcript => "Adding the transcript…",
    }
}
