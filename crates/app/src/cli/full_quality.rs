//! `--full-quality`: a clip over a task's file limit (Notion Free's 5 MiB, ClickUp's) goes whole to
//! team storage (`[s3] team`), and the post to the task links to it (Notion: a video block of the
//! link; ClickUp: the link in the comment) instead of carrying a re-encoded copy.

use std::path::Path;

use publish::{ExternalClip, Service, Settings, TaskRef};

use super::UserError;
use super::post::{enqueue_and_run, link_expiry, user_error};
use crate::{config, exit, mib, team_storage};

/// The clip that does not fit, and where it was going.
pub(crate) struct Whole<'a> {
    pub clip: &'a Path,
    pub title: &'a str,
    pub summary: &'a str,
    pub size: u64,
    pub limit: u64,
    pub service: Service,
}

/// Posts the clip to team storage and returns the link the task's post carries instead.
pub(crate) fn keep_whole(
    file: &config::File,
    settings: &Settings,
    rt: &tokio::runtime::Runtime,
    outbox: &publish::Outbox,
    whole: &Whole<'_>,
    json: bool,
) -> Result<ExternalClip, UserError> {
    let team = team_storage(file)?;
    eprintln!(
        "The clip is {} but {} accepts at most {} per file: keeping it whole in team storage ({}) and linking it from the task…",
        mib(whole.size),
        whole.service,
        mib(whole.limit),
        team
    );
    let new = team_storage::post(
        team,
        whole.clip,
        whole.title,
        whole.summary,
        config::author(file),
    );
    let (job, result) = enqueue_and_run(outbox, rt, settings, new, None, None, !json)?;
    let stored = result.map_err(|e| {
        let u = user_error(&e);
        let then = if e.is_retryable() {
            format!(
                "it waits in the outbox as job {} (`clipnote outbox run` sends it); post again with --full-quality once it is up",
                job.id
            )
        } else {
            "fix that, or leave out --full-quality to re-encode the clip to fit".into()
        };
        UserError::new(
            u.code,
            format!(
                "the clip could not be kept in team storage, so nothing was posted to the task: {}; {then}",
                u.message
            ),
        )
    })?;
    let external = team_storage::link_of(&stored, whole.service)?;
    if let Some(when) = link_expiry(&stored) {
        eprintln!("The task links to the clip in team storage. {when}");
    }
    Ok(external)
}

/// Team storage for full-quality clips: `[s3] team`, which must be set.
fn team_storage(file: &config::File) -> Result<TaskRef, UserError> {
    config::team_storage(file)?.ok_or_else(|| {
        UserError::new(
            exit::CONFIG,
            "--full-quality keeps the clip whole in team storage, and none is set: add `team = \"s3://BUCKET/PREFIX\"` under [s3] in the config file (keys: `clipnote login s3`), or leave out --full-quality to re-encode the clip to fit",
        )
    })
}
