//! `clipnote post CLIP --to REF`: posts a clip with its summary through the outbox, re-encoding
//! it first when it is larger than the destination accepts; a file that is not a playable clip is
//! refused before anything is sent. The transcript beside the clip goes with it (under the
//! summary), unless `--no-transcript` or `[transcript] post = false`. Prints the task's link; a post
//! that has to wait (offline, rate limited) stays queued and its job id is printed.
//! [`send`] is the posting itself, shared with `clipnote reply`.

use crate::mib;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use publish::{Error, Event, Job, NewPost, Progress, ReplyTo, Settings, TaskRef};

use crate::cli::UserError;
use crate::{config, exit};

#[derive(Debug, Args)]
pub struct PostArgs {
    #[command(flatten)]
    pub clip: ClipArgs,
    /// Where: a Notion page URL or id, a ClickUp task URL, id or custom id, `library`,
    /// `folder:PATH`, or team storage `s3://BUCKET/PREFIX`.
    #[arg(long)]
    pub to: String,
    /// For `s3://`: how long the share link works (`90s`, `30m`, `12h`, `7d`; at most 7 days,
    /// S3's limit). Default: `[s3] link_expires`, else 7 days. A bucket with a
    /// `public_base_url` gets permanent links instead.
    #[arg(long, value_parser = crate::config::link_expires)]
    pub link_expires: Option<std::time::Duration>,
}

/// What `post` and `reply` share: the clip, its title and summary, and the output's form.
#[derive(Debug, Args)]
pub struct ClipArgs {
    /// The MP4 clip to post.
    pub clip: PathBuf,
    /// The title (default: the clip's file name; for a reply, "Re: " and the answered title).
    #[arg(long)]
    pub title: Option<String>,
    /// The summary, in light markdown (paragraphs, `-` bullets, `1.` lists, `[ ]` to-dos, **bold**, *italic*, `code`, links).
    #[arg(long, conflicts_with = "summary_file", allow_hyphen_values = true)]
    pub summary: Option<String>,
    /// Read the summary from a file (`-` for standard input).
    #[arg(long)]
    pub summary_file: Option<PathBuf>,
    /// Leave the transcript beside the clip out of this post (`[transcript] post = false` in
    /// the config leaves it out of every post).
    #[arg(long)]
    pub no_transcript: bool,
    /// A clip over the destination's file limit (Notion, ClickUp) is kept whole in team
    /// storage (`[s3] team` in the config) and the task links to it, instead of being
    /// re-encoded to fit.
    #[arg(long)]
    pub full_quality: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The exit code and message for a publishing error.
pub(crate) fn user_error(e: &Error) -> UserError {
    let code = match e {
        Error::NoToken { .. } | Error::Unauthorized { .. } | Error::BadKeys { .. } => exit::AUTH,
        Error::ClockSkew => exit::CONFIG,
        Error::RateLimited { .. } | Error::Transient { .. } => exit::QUEUED,
        Error::Io { .. } => exit::IO,
        Error::BadReference(_) => exit::USAGE,
        Error::UnplayableClip(_) => exit::CLIP,
        _ => exit::DESTINATION,
    };
    UserError::new(code, e.to_string())
}

/// A runtime for the network work: two named worker threads.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, UserError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("clipnote-net")
        .enable_all()
        .build()
        .map_err(|e| {
            UserError::new(
                exit::FAILURE,
                format!("cannot start the network runtime: {e}"),
            )
        })
}

/// Draws a progress bar on a terminal from the outbox's events.
pub(crate) fn progress_bar(show: bool) -> (Progress, Option<std::thread::JoinHandle<()>>) {
    let (progress, mut rx) = Progress::channel(64);
    if !show {
        return (progress, None);
    }
    let drawer = std::thread::Builder::new()
        .name("progress-bar".into())
        .spawn(move || {
            let bar = crate::cli::terminal_bar(0, crate::cli::BYTES_TEMPLATE);
            while let Some(ev) = rx.blocking_recv() {
                match ev {
                    Event::Step { step, .. } => bar.set_message(step.to_string()),
                    Event::Bytes { sent, total, .. } => {
                        bar.set_length(total);
                        bar.set_position(sent);
                    }
                    Event::AlreadyDone { step, .. } => {
                        bar.println(format!("{step}: already on the task, not repeated"))
                    }
                    Event::Done { .. } => break,
                }
            }
            bar.finish_and_clear();
        })
        .ok();
    (progress, drawer)
}

pub fn run(args: PostArgs) -> anyhow::Result<()> {
    let file = config::load()?;
    let mut settings = config::publish_settings(&file)?;
    if let Some(d) = args.link_expires {
        settings.s3.link_expires = d;
    }
    let to = TaskRef::parse(&args.to).map_err(|e| user_error(&e))?;
    let title = args.clip.title.clone().unwrap_or_else(|| {
        args.clip
            .clip
            .file_stem()
            .map_or_else(|| "Clip".into(), |s| s.to_string_lossy().into_owned())
    });
    send(&file, &settings, &args.clip, to, title, None)
}

/// Posts `args.clip` titled `title` to `to` through the outbox (fitting it to the destination's
/// limit first), answering `reply_to` when set; prints the result and maps errors to exit codes.
pub(crate) fn send(
    file: &config::File,
    settings: &Settings,
    args: &ClipArgs,
    to: TaskRef,
    title: String,
    reply_to: Option<ReplyTo>,
) -> anyhow::Result<()> {
    let meta = std::fs::metadata(&args.clip).map_err(|e| {
        UserError::new(
            exit::IO,
            format!(
                "cannot read the clip {}: {e}. Check the path",
                args.clip.display()
            ),
        )
    })?;
    // Before anything is sent, even the question of the destination's limit.
    crate::playable::check(&args.clip, crate::playable::FIX_CLI)
        .map_err(|m| UserError::new(exit::CLIP, m))?;
    let summary = match (&args.summary, &args.summary_file) {
        (Some(s), _) => s.clone(),
        (None, Some(p)) if p.as_os_str() == "-" => std::io::read_to_string(std::io::stdin())
            .map_err(|e| {
                UserError::new(
                    exit::IO,
                    format!("cannot read the summary from standard input: {e}"),
                )
            })?,
        (None, Some(p)) => std::fs::read_to_string(p).map_err(|e| {
            UserError::new(
                exit::IO,
                format!(
                    "cannot read the summary file {}: {e}. Check the path",
                    p.display()
                ),
            )
        })?,
        (None, None) => String::new(),
    };
    // Read now, as it is beside the clip when the user posts; the job keeps it from here on.
    let transcript = if args.no_transcript || !crate::post_transcript::enabled(file) {
        None
    } else {
        crate::post_transcript::snapshot(&args.clip, None)
            .map_err(|m| UserError::new(exit::IO, m))?
    };
    let outbox = crate::playable::outbox(config::outbox_dir()?).map_err(|e| user_error(&e))?;
    let rt = runtime()?;
    let dest = settings.open(&to).map_err(|e| user_error(&e))?;

    // Learn the destination's per-file limit first, so an oversized clip is fitted before
    // anything is sent. Offline, we cannot know: the job is queued as it is.
    let limit = match rt.block_on(dest.max_file_bytes()) {
        Ok(limit) => limit,
        Err(e) if e.is_retryable() => None,
        Err(e) => return Err(user_error(&e).into()),
    };
    let mut clip = args.clip.clone();
    let mut fitted: Option<(PathBuf, capture::fit::FitReport)> = None;
    let mut external = None;
    let over = limit.filter(|l| meta.len() > *l);
    if let (Some(limit), true) = (over, args.full_quality) {
        let whole = super::full_quality::Whole {
            clip: &args.clip,
            title: &title,
            summary: &summary,
            size: meta.len(),
            limit,
            service: dest.service(),
        };
        external = Some(super::full_quality::keep_whole(
            file, settings, &rt, &outbox, &whole, args.json,
        )?);
    } else if let Some(limit) = over {
        eprintln!(
            "The clip is {} but {} accepts at most {} per file: re-encoding it to fit…",
            mib(meta.len()),
            dest.service(),
            mib(limit)
        );
        let out = outbox.dir().join(format!(
            "fit-{}-{}.mp4",
            std::process::id(),
            publish::now_unix()
        ));
        let report = capture::fit::fit_to_size(&args.clip, &out, limit).map_err(|e| {
            let _ = std::fs::remove_file(&out);
            UserError::new(exit::DESTINATION, format!("{e}"))
        })?;
        eprintln!(
            "Re-encoded to {} ({}x{}, {} kbit/s video, {} kbit/s audio; was {}): smaller picture and bitrate, text kept legible.",
            mib(report.bytes),
            report.width,
            report.height,
            report.video_kbps,
            report.audio_kbps,
            mib(meta.len())
        );
        clip = out.clone();
        fitted = Some((out, report));
    }

    let new = NewPost {
        to,
        clip: clip.clone(),
        title,
        summary,
        author: config::author(file),
        duration_secs: publish::mp4::duration_secs(&clip),
        reply_to,
        transcript,
    };
    let fitted_clip = fitted.as_ref().map(|(out, _)| out.clone());
    let (job, result) = enqueue_and_run(
        &outbox,
        &rt,
        settings,
        new,
        fitted_clip,
        external,
        !args.json,
    )?;
    let fit_json = fitted
        .as_ref()
        .map(|(_, r)| serde_json::to_value(r).unwrap_or_default());
    match result {
        Ok(done) => {
            print_result(&done, args.json, fit_json);
            Ok(())
        }
        Err(e) => {
            let current = outbox.get(&job.id).unwrap_or(job);
            if args.json {
                print_result(&current, true, fit_json);
            }
            if e.is_retryable() {
                if !args.json {
                    // Scripts read the job id from standard output.
                    println!("{}", current.id);
                }
                Err(UserError::new(
                    exit::QUEUED,
                    format!("{e}. Job {}: see `clipnote outbox list`", current.id),
                )
                .into())
            } else {
                Err(user_error(&e).into())
            }
        }
    }
}

/// Queues `new` (posting `fitted` instead of its clip, or linking to `external`) and runs the
/// job, with a progress bar when `bar` and stderr is a terminal (a post to team storage gets
/// its poster frame from the outbox). Returns the job as queued and how its run ended.
pub(crate) fn enqueue_and_run(
    outbox: &publish::Outbox,
    rt: &tokio::runtime::Runtime,
    settings: &Settings,
    new: NewPost,
    fitted: Option<PathBuf>,
    external: Option<publish::ExternalClip>,
    bar: bool,
) -> Result<(Job, Result<Job, Error>), UserError> {
    let mut job = outbox.enqueue(new).map_err(|e| user_error(&e))?;
    if let Some(out) = fitted {
        job = outbox.use_clip(&job.id, out).map_err(|e| user_error(&e))?;
    }
    if let Some(external) = external {
        job = outbox
            .use_external(&job.id, external)
            .map_err(|e| user_error(&e))?;
    }
    let (progress, drawer) = progress_bar(bar && std::io::stderr().is_terminal());
    let result = rt.block_on(outbox.run_job(&job.id, settings, &progress));
    progress.emit(Event::Done {
        job_id: job.id.clone(),
        task_url: String::new(),
    });
    drop(progress);
    if let Some(d) = drawer {
        let _ = d.join();
    }
    Ok((job, result))
}

fn print_result(job: &Job, json: bool, fit: Option<serde_json::Value>) {
    if json {
        let v = serde_json::json!({
            "job_id": job.id, "status": job.status.to_string(), "task_url": job.task_url,
            "error": job.last_error, "fit": fit, "reply_to": job.post.reply_to,
            "transcript_lines": job.post.transcript.as_ref().map_or(0, |t| t.lines.len()),
            "link": job.attach.as_ref().and_then(|a| a.url.clone()),
            "link_expires_unix": job.attach.as_ref().and_then(|a| a.expires_unix),
            "full_quality_link": job.post.external.as_ref().map(|e| e.url.clone()),
        });
        println!("{v}");
    } else if job.status == publish::JobStatus::Done {
        println!("{}", where_it_is(job));
        if let Some(when) = link_expiry(job) {
            eprintln!("{when}");
        }
    }
}

/// For a presigned share link: when it stops working, in words.
pub(crate) fn link_expiry(job: &Job) -> Option<String> {
    let expires = job.attach.as_ref()?.expires_unix?;
    let left = expires.saturating_sub(publish::now_unix());
    let at = time::OffsetDateTime::from_unix_timestamp(expires as i64).ok()?;
    let left_words = if left >= 86_400 {
        format!("{} days", (left as f64 / 86_400.0).round())
    } else if left >= 3600 {
        format!("{} hours", (left as f64 / 3600.0).round())
    } else {
        format!("{} minutes", left.div_ceil(60))
    };
    Some(format!(
        "The link works until {:04}-{:02}-{:02} {:02}:{:02} UTC (in {left_words}), then it is refused; a bucket with `public_base_url` under [s3.buckets.NAME] in the config gets permanent links.",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    ))
}

/// What to print for a posted job: the task's link, or the clip's path in a folder.
pub(crate) fn where_it_is(job: &Job) -> String {
    match (&job.to, &job.attach) {
        (TaskRef::Library | TaskRef::Folder { .. }, Some(done)) => done.remote_id.clone(),
        (TaskRef::S3 { .. }, Some(done)) => done.url.clone().unwrap_or_default(),
        _ => job.task_url.clone().unwrap_or_default(),
    }
}
