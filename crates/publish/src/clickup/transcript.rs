//! ClickUp's transcript step: the captions file attached to the task (`<clip name>.vtt`, unique
//! per job, so it is found again by name) and the timed lines as a threaded reply under the
//! summary comment (`POST /comment/{id}/reply`; found again in the thread by its title and the
//! post's marker). ClickUp threads are one level deep: a reply's summary is itself a threaded
//! reply, so its transcript goes in the same thread. Exactly once: each write whose reply was
//! lost is looked for before it is repeated, and a step resumed after a crash looks for both
//! first and does only what is missing.

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    ClickUp, answered_comment, attachment_form, attachment_step, comment_pages, comment_text,
    json_str,
};
use crate::destination::{Post, StepDone};
use crate::error::{Error, Failure, Result, Service};
use crate::http;
use crate::retry;
use crate::transcript;

impl ClickUp {
    pub(super) async fn transcript_inner(
        &self,
        post: &Post,
        summary: &StepDone,
        resume: bool,
    ) -> Result<StepDone> {
        let Some(t) = post.transcript.as_ref().filter(|t| !t.is_empty()) else {
            return Ok(StepDone::new("", None));
        };
        let captions = if t.captions_vtt.is_empty() {
            None
        } else {
            Some(self.attach_captions(post, &t.captions_vtt, resume).await?)
        };
        let ops = transcript::clickup_ops(t, post.duration_secs, &post.marker());
        let body = json!({ "comment": ops, "notify_all": false });
        let parent = self.transcript_parent(post, summary).await?;
        let reply = match self.transcript_reply(post, &parent, &body, resume).await {
            Err(Error::NotFound(_)) => {
                tracing::info!(
                    comment = %parent,
                    "the summary comment is gone; the transcript goes on the task"
                );
                self.transcript_comment(post, &body).await?
            }
            other => other?,
        };
        Ok(StepDone::new(reply, captions.and_then(|c| c.url)))
    }

    /// Attaches the captions to the task (or finds them there, when resuming).
    async fn attach_captions(&self, post: &Post, vtt: &str, resume: bool) -> Result<StepDone> {
        let name = transcript::captions_name(&post.file_name);
        if resume
            && let Some(found) = retry::repeatable(&self.cfg.retry, "clickup.find_captions", || {
                self.find_attachment(&name)
            })
            .await?
        {
            return Ok(found);
        }
        retry::run(
            &self.cfg.retry,
            "clickup.captions",
            || async {
                let part = reqwest::multipart::Part::bytes(vtt.as_bytes().to_vec());
                let form = attachment_form(part, &name, "text/vtt")?;
                let req = self
                    .http
                    .post(self.url("/attachment", ""))
                    .headers(self.headers())
                    .multipart(form);
                let resp = http::send(Service::ClickUp, req).await?;
                Ok(attachment_step(&self.finish("/attachment", resp).await?))
            },
            || self.find_attachment(&name),
        )
        .await
    }

    /// The comment whose thread the transcript joins: the summary comment; for a reply whose
    /// summary is a threaded reply, the comment that thread hangs under.
    async fn transcript_parent(&self, post: &Post, summary: &StepDone) -> Result<String> {
        if let Some(reply) = &post.reply_to {
            let comments = retry::repeatable(&self.cfg.retry, "clickup.comments", || {
                self.comments(comment_pages(post))
            })
            .await?;
            let on_task = comments
                .iter()
                .any(|c| json_str(&c["id"]) == summary.remote_id);
            if !on_task && let Some(parent) = answered_comment(&comments, reply) {
                return Ok(parent);
            }
        }
        Ok(summary.remote_id.clone())
    }

    /// Posts the transcript as a threaded reply under `parent` (or finds it there).
    async fn transcript_reply(
        &self,
        post: &Post,
        parent: &str,
        body: &Value,
        resume: bool,
    ) -> Result<String> {
        let marker = post.marker();
        let path = format!("/comment/{parent}/reply");
        let find = || async {
            let thread = self.get_path(&path, "").await?;
            Ok::<_, Failure>(find_transcript(
                thread["comments"].as_array().map_or(&[][..], Vec::as_slice),
                &marker,
            ))
        };
        if resume
            && let Some(id) =
                retry::repeatable(&self.cfg.retry, "clickup.find_transcript", &find).await?
        {
            return Ok(id);
        }
        retry::run(
            &self.cfg.retry,
            "clickup.transcript_reply",
            || async {
                let v = self.call_path(Method::POST, &path, "", Some(body)).await?;
                // The documented answer is `{}`: the thread stands for the reply without an id.
                Ok(Some(json_str(&v["id"]))
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| parent.to_string()))
            },
            &find,
        )
        .await
    }

    /// Posts the transcript as a task comment (its summary comment was deleted meanwhile).
    async fn transcript_comment(&self, post: &Post, body: &Value) -> Result<String> {
        let marker = post.marker();
        let find = || async {
            let comments = self.comments(comment_pages(post)).await?;
            Ok::<_, Failure>(find_transcript(&comments, &marker))
        };
        if let Some(id) =
            retry::repeatable(&self.cfg.retry, "clickup.find_transcript", &find).await?
        {
            return Ok(id);
        }
        retry::run(
            &self.cfg.retry,
            "clickup.transcript_comment",
            || async {
                let v = self.call(Method::POST, "/comment", "", Some(body)).await?;
                Ok(json_str(&v["id"]))
            },
            &find,
        )
        .await
    }
}

/// The id of the post's transcript among `comments`.
fn find_transcript(comments: &[Value], marker: &str) -> Option<String> {
    comments
        .iter()
        .find(|c| transcript::is_clickup_reply(&comment_text(c), marker))
        .map(|c| json_str(&c["id"]))
}
