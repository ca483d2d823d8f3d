//! `clipnote outbox [list | run | retry ID | cancel ID]`: the queue of posts. Each job's clip is
//! checked right before its upload: one replaced or damaged since it was queued fails the job,
//! with the reason, and is not sent.

use std::io::IsTerminal;

use clap::{Args, Subcommand};
use publish::{Job, JobStatus};

use crate::cli::UserError;
use crate::cli::post::{progress_bar, runtime, user_error, where_it_is};
use crate::{config, exit};

#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Print as JSON.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List the jobs (the default).
    List,
    /// Post every queued job now.
    Run,
    /// Put a failed or cancelled job back in the queue and post it.
    Retry { id: String },
    /// Cancel a job (steps already on the task stay there).
    Cancel { id: String },
}

pub fn run(args: OutboxArgs) -> anyhow::Result<()> {
    let outbox = crate::playable::outbox(config::outbox_dir()?).map_err(|e| user_error(&e))?;
    match args.action.unwrap_or(Action::List) {
        Action::List => {
            let jobs = outbox.list().map_err(|e| user_error(&e))?;
            if args.json {
                let v: Vec<_> = jobs.iter().map(job_json).collect();
                println!("{}", serde_json::Value::Array(v));
            } else if jobs.is_empty() {
                println!("The outbox is empty.");
            } else {
                println!(
                    "{:<16} {:<9} {:<10} {:<28} TITLE",
                    "ID", "STATUS", "NEXT", "TO"
                );
                for j in &jobs {
                    let next = j.next_step().map_or("-".to_string(), |s| s.to_string());
                    println!(
                        "{:<16} {:<9} {:<10} {:<28} {}",
                        j.id,
                        j.status.to_string(),
                        next,
                        j.to.to_string(),
                        j.post.title
                    );
                    if let (Some(e), true) = (&j.last_error, j.status != JobStatus::Done) {
                        println!("{:<16} └ {e}", "");
                    }
                }
            }
            Ok(())
        }
        Action::Run => {
            let file = config::load()?;
            let settings = config::publish_settings(&file)?;
            let rt = runtime()?;
            let (progress, drawer) = progress_bar(!args.json && std::io::stderr().is_terminal());
            let results = rt
                .block_on(outbox.run_all(&settings, &progress))
                .map_err(|e| user_error(&e))?;
            drop(progress);
            if let Some(d) = drawer {
                let _ = d.join();
            }
            let mut worst: Option<UserError> = None;
            let mut out = Vec::new();
            for (id, r) in &results {
                match r {
                    Ok(job) => {
                        if !args.json {
                            println!("{id} done: {}", where_it_is(job));
                            if let Some(when) = crate::cli::post::link_expiry(job) {
                                eprintln!("{when}");
                            }
                        }
                    }
                    Err(e) => {
                        if !args.json {
                            eprintln!("{id}: {e}");
                        }
                        let ue = user_error(e);
                        if worst.as_ref().is_none_or(|w| w.code == exit::QUEUED) {
                            worst = Some(ue);
                        }
                    }
                }
                if let Ok(j) = outbox.get(id) {
                    out.push(job_json(&j));
                }
            }
            if args.json {
                println!("{}", serde_json::Value::Array(out));
            } else if results.is_empty() {
                println!("No queued jobs.");
            }
            match worst {
                Some(e) => Err(UserError::new(
                    e.code,
                    format!(
                        "not every job was posted; see `clipnote outbox list` ({})",
                        e.message
                    ),
                )
                .into()),
                None => Ok(()),
            }
        }
        Action::Retry { id } => {
            outbox.requeue(&id).map_err(|e| user_error(&e))?;
            let file = config::load()?;
            let settings = config::publish_settings(&file)?;
            let rt = runtime()?;
            let (progress, drawer) = progress_bar(!args.json && std::io::stderr().is_terminal());
            let r = rt.block_on(outbox.run_job(&id, &settings, &progress));
            drop(progress);
            if let Some(d) = drawer {
                let _ = d.join();
            }
            let job = outbox.get(&id).map_err(|e| user_error(&e))?;
            if args.json {
                println!("{}", job_json(&job));
            }
            match r {
                Ok(done) => {
                    if !args.json {
                        println!("{}", where_it_is(&done));
                    }
                    Ok(())
                }
                Err(e) => Err(user_error(&e).into()),
            }
        }
        Action::Cancel { id } => {
            let (job, left_behind) = cancel(&outbox, &id)?;
            if args.json {
                println!("{}", job_json(&job));
            } else if job.status == JobStatus::Done {
                println!("Job {id} was already posted; nothing to cancel.");
            } else {
                println!("Cancelled job {id}.");
            }
            if let Some(e) = left_behind {
                eprintln!(
                    "clipnote: the part of the clip already uploaded stays in the bucket: {e}. Run `clipnote outbox cancel {id}` again to remove it, or let the bucket's lifecycle rule for incomplete multipart uploads do so."
                );
            }
            Ok(())
        }
    }
}

/// Cancels job `id` and removes what its upload left in team storage; with no usable settings
/// (a broken config file) it is only cancelled.
fn cancel(outbox: &publish::Outbox, id: &str) -> anyhow::Result<(Job, Option<publish::Error>)> {
    let Ok(settings) = config::load().and_then(|f| config::publish_settings(&f)) else {
        return Ok((outbox.cancel(id).map_err(|e| user_error(&e))?, None));
    };
    let cancelled = runtime()?.block_on(outbox.cancel_and_clean(id, &settings));
    Ok(cancelled.map_err(|e| user_error(&e))?)
}

fn job_json(j: &Job) -> serde_json::Value {
    serde_json::json!({
        "id": j.id, "status": j.status.to_string(), "to": j.to.to_string(), "title": j.post.title,
        "next_step": j.next_step().map(|s| s.to_string()), "attempts": j.attempts,
        "last_error": j.last_error, "task_url": j.task_url,
    })
}
