//! ClickUp: the clip as a task attachment (multipart field `attachment`), then a rich
//! `comment` with the title in bold, the summary and a link to the attachment. A reply's
//! comment starts with a line naming whom it answers and goes as a threaded reply under the
//! comment that links to the answered clip (`POST /comment/{id}/reply`), or on the task when
//! there is no such comment. The transcript follows in that comment's thread, with the
//! captions file attached to the task (`clickup/transcript.rs`). See
//! `crates/fakes/contracts/CONTRACTS.md` §2.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::destination::{BoxFuture, Destination, Post, PostedClip, ReplyTo, StepDone};
use crate::error::{Error, Failure, Result, Service};
use crate::http;
use crate::markdown;
use crate::progress::{Progress, Step};
use crate::retry::{self, RetryPolicy};
use crate::secrets::Token;

mod transcript;

pub const DEFAULT_BASE_URL: &str = "https://api.clickup.com/api";
/// ClickUp's per-file cap (the workspace's storage may be smaller; that shows as `GBUSED_005`).
pub const MAX_FILE_BYTES: u64 = 1_000_000_000;
/// Comment pages read back when looking for our own comment (25 each, newest first).
const COMMENT_PAGES_CHECKED: usize = 4;

/// Comment pages read for a post: a reply reads them all, since the comment it answers may be
/// old, and posting and looking again must see the same comments (or a lost reply is repeated).
fn comment_pages(post: &Post) -> usize {
    if post.reply_to.is_some() {
        usize::MAX
    } else {
        COMMENT_PAGES_CHECKED
    }
}

/// How to reach ClickUp.
#[derive(Debug, Clone)]
pub struct ClickUpConfig {
    pub base_url: String,
    pub token: Token,
    pub retry: RetryPolicy,
}

/// A ClickUp task as a destination.
pub struct ClickUp {
    cfg: ClickUpConfig,
    task_id: String,
    /// `Some(team)` when `task_id` is a custom id.
    custom_team: Option<String>,
    http: reqwest::Client,
}

impl ClickUp {
    pub fn new(cfg: ClickUpConfig, task_id: String, custom_team: Option<String>) -> Self {
        ClickUp {
            cfg,
            task_id,
            custom_team,
            http: http::client(),
        }
    }

    fn headers(&self) -> HeaderMap {
        let token = self.cfg.token.expose();
        // Personal tokens go raw; OAuth tokens as Bearer.
        let value = if token.starts_with("pk_") {
            token.to_string()
        } else {
            format!("Bearer {token}")
        };
        let mut h = HeaderMap::new();
        if let Ok(mut v) = HeaderValue::from_str(&value) {
            v.set_sensitive(true);
            h.insert(reqwest::header::AUTHORIZATION, v);
        }
        h
    }

    fn url(&self, tail: &str, extra_query: &str) -> String {
        let mut url = format!(
            "{}/v2/task/{}{tail}",
            self.cfg.base_url.trim_end_matches('/'),
            self.task_id
        );
        let mut q: Vec<String> = Vec::new();
        if let Some(team) = &self.custom_team {
            q.push(format!("custom_task_ids=true&team_id={team}"));
        }
        if !extra_query.is_empty() {
            q.push(extra_query.to_string());
        }
        if !q.is_empty() {
            url.push('?');
            url.push_str(&q.join("&"));
        }
        url
    }

    async fn finish(&self, what: &str, resp: reqwest::Response) -> Result<Value, Failure> {
        let status = resp.status();
        tracing::debug!(what, status = status.as_u16(), "clickup");
        let value = http::json(Service::ClickUp, resp).await?;
        if status.is_success() {
            Ok(value)
        } else {
            Err(self.error(status, &value))
        }
    }

    async fn call(
        &self,
        method: Method,
        tail: &str,
        query: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let mut req = self
            .http
            .request(method, self.url(tail, query))
            .headers(self.headers());
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = http::send(Service::ClickUp, req).await?;
        self.finish(tail, resp).await
    }

    /// Maps ClickUp's `{err, ECODE}` bodies to messages that name the fix.
    fn error(&self, status: StatusCode, body: &Value) -> Failure {
        let code = body["ECODE"].as_str().unwrap_or_default();
        let err = http::short(body["err"].as_str().unwrap_or_default());
        let task = &self.task_id;
        let error = match code {
            "GBUSED_005" => Error::StorageFull,
            "OAUTH_017" | "OAUTH_018" | "OAUTH_019" | "OAUTH_021" | "OAUTH_025" | "OAUTH_077" => {
                Error::Unauthorized {
                    service: Service::ClickUp,
                    detail: format!("{code}: {err}"),
                }
            }
            c if c.starts_with("OAUTH_0") && status == StatusCode::UNAUTHORIZED => {
                Error::NotFound(format!(
                    "ClickUp says the workspace is not authorised for this token, or the task id {task} is mistyped ({code}: {err}): check the task link, authorise the workspace for the token, or for a custom id give its workspace (https://app.clickup.com/t/<team>/<ID>)"
                ))
            }
            "ITEM_015" | "ITEM_013" => Error::NotFound(format!(
                "ClickUp task {task} was not found ({code}): check the task link or id"
            )),
            _ if status == StatusCode::UNAUTHORIZED => Error::Unauthorized {
                service: Service::ClickUp,
                detail: format!("{code}: {err}"),
            },
            _ if status == StatusCode::NOT_FOUND => Error::NotFound(format!(
                "ClickUp task {task} was not found ({code} {err}): check the task link or id"
            )),
            _ => Error::Rejected {
                service: Service::ClickUp,
                detail: format!("HTTP {} {code}: {err}", status.as_u16()),
            },
        };
        Failure::fatal(error)
    }

    /// A GET outside the task (`/v2{path}?{query}`), e.g. a list's tasks.
    pub(crate) async fn get_path(&self, path: &str, query: &str) -> Result<Value, Failure> {
        self.call_path(Method::GET, path, query, None).await
    }

    /// A request outside the task (`/v2{path}?{query}`): a list, a comment's thread, the user.
    async fn call_path(
        &self,
        method: Method,
        path: &str,
        query: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let mut url = format!("{}/v2{path}", self.cfg.base_url.trim_end_matches('/'));
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        let mut req = self.http.request(method, url).headers(self.headers());
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = http::send(Service::ClickUp, req).await?;
        self.finish(path, resp).await
    }

    pub(crate) async fn task(&self) -> Result<Value, Failure> {
        self.call(Method::GET, "", "", None).await
    }

    /// Our attachment from an earlier attempt, found by its unique file name.
    async fn find_attachment(&self, file_name: &str) -> Result<Option<StepDone>, Failure> {
        let task = self.task().await?;
        Ok(task["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| {
                a["title"].as_str() == Some(file_name) && a["deleted"].as_bool() != Some(true)
            })
            .map(attachment_step))
    }

    /// Comments, newest first, following `start`/`start_id` for up to `pages` pages.
    pub(crate) async fn comments(&self, pages: usize) -> Result<Vec<Value>, Failure> {
        let mut out: Vec<Value> = Vec::new();
        let mut query = String::new();
        for _ in 0..pages {
            let v = self.call(Method::GET, "/comment", &query, None).await?;
            let page = v["comments"].as_array().cloned().unwrap_or_default();
            let Some(last) = page.last() else { break };
            let (date, id) = (json_str(&last["date"]), json_str(&last["id"]));
            let full = page.len() >= 25;
            out.extend(page);
            if !full {
                break;
            }
            query = format!("start={date}&start_id={id}");
        }
        Ok(out)
    }

    /// The post's summary from an earlier attempt: a task comment carrying its marker or, for
    /// a reply, a threaded reply carrying it under the answered clip's comment.
    async fn find_summary(&self, post: &Post) -> Result<Option<StepDone>, Failure> {
        let marker = post.marker();
        let comments = self.comments(comment_pages(post)).await?;
        if let Some(c) = comments.iter().find(|c| comment_text(c).contains(&marker)) {
            return Ok(Some(StepDone::new(json_str(&c["id"]), None)));
        }
        let Some(parent) = post
            .reply_to
            .as_ref()
            .and_then(|r| answered_comment(&comments, r))
        else {
            return Ok(None);
        };
        let thread = self
            .get_path(&format!("/comment/{parent}/reply"), "")
            .await?;
        Ok(thread["comments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| comment_text(c).contains(&marker))
            .map(|c| StepDone::new(json_str(&c["id"]), None)))
    }

    /// Posts a reply's summary as a threaded reply under `parent`. `Ok(None)` when that comment
    /// is gone (404): the caller posts on the task instead.
    async fn post_threaded(
        &self,
        post: &Post,
        parent: &str,
        body: &Value,
    ) -> Result<Option<StepDone>> {
        let path = format!("/comment/{parent}/reply");
        let posted = retry::run(
            &self.cfg.retry,
            "clickup.reply",
            || async {
                let v = self.call_path(Method::POST, &path, "", Some(body)).await?;
                // The documented answer is `{}`: the thread stands for the reply without an id.
                let id = Some(json_str(&v["id"]))
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| parent.to_string());
                Ok(StepDone::new(id, None))
            },
            || self.find_summary(post),
        )
        .await;
        match posted {
            Ok(done) => Ok(Some(done)),
            Err(Error::NotFound(_)) => {
                tracing::info!(
                    comment = parent,
                    "the answered comment is gone; replying on the task"
                );
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// Whether a comment links to the attachment: by its id in a link, or by its file name
/// `(<name>)` in the text, the way [`Destination::clips`] pairs them.
pub(crate) fn links_to(c: &Value, attachment_id: &str, file_name: &str) -> bool {
    let linked = !attachment_id.is_empty()
        && c["comment"].as_array().into_iter().flatten().any(|op| {
            op["attributes"]["link"]
                .as_str()
                .is_some_and(|l| l.contains(attachment_id))
        });
    linked || (!file_name.is_empty() && comment_text(c).contains(&format!("({file_name})")))
}

/// The task comment that links to the answered clip (the oldest, when several do).
fn answered_comment(comments: &[Value], reply: &ReplyTo) -> Option<String> {
    let file_name = reply.file_name.as_deref().unwrap_or_default();
    comments
        .iter()
        .rev()
        .find(|c| links_to(c, &reply.clip_id, file_name))
        .map(|c| json_str(&c["id"]))
}

pub(crate) fn json_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A task attachment as ClickUp takes it: one multipart part named `attachment`, carrying its
/// file name and type, with the name again as `filename`.
fn attachment_form(
    part: reqwest::multipart::Part,
    name: &str,
    mime: &str,
) -> std::result::Result<reqwest::multipart::Form, Failure> {
    let part = part
        .file_name(name.to_owned())
        .mime_str(mime)
        .map_err(|e| {
            Failure::fatal(Error::Rejected {
                service: Service::ClickUp,
                detail: e.to_string(),
            })
        })?;
    Ok(reqwest::multipart::Form::new()
        .text("filename", name.to_owned())
        .part("attachment", part))
}

fn attachment_step(a: &Value) -> StepDone {
    StepDone::new(json_str(&a["id"]), a["url"].as_str().map(str::to_string))
}

/// A comment's text: `comment_text`, or the runs of the rich `comment` array.
pub(crate) fn comment_text(c: &Value) -> String {
    if let Some(t) = c["comment_text"].as_str()
        && !t.is_empty()
    {
        return t.to_string();
    }
    c["comment"]
        .as_array()
        .map(|ops| ops.iter().filter_map(|o| o["text"].as_str()).collect())
        .unwrap_or_default()
}

/// The rich comment: for a reply the line naming whom it answers, then the bold title, the
/// summary, a link to the clip, the footer line.
pub fn comment_ops(post: &Post, attachment_url: Option<&str>) -> Vec<Value> {
    let mut ops = Vec::new();
    if let Some(reply) = &post.reply_to {
        ops.push(json!({ "text": reply.line(), "attributes": { "italic": true } }));
        ops.push(json!({ "text": "\n" }));
    }
    ops.push(json!({ "text": post.title, "attributes": { "bold": true } }));
    ops.push(json!({ "text": "\n" }));
    ops.extend(markdown::to_clickup_ops(&markdown::parse(&post.summary)));
    if let Some(url) = attachment_url {
        ops.push(json!({ "text": format!("▶ Watch the clip ({})", post.file_name), "attributes": { "link": url } }));
        ops.push(json!({ "text": "\n" }));
    }
    ops.push(json!({ "text": post.footer(), "attributes": { "italic": true } }));
    ops.push(json!({ "text": "\n" }));
    ops
}

impl Destination for ClickUp {
    fn service(&self) -> Service {
        Service::ClickUp
    }

    fn task_url(&self) -> String {
        match &self.custom_team {
            Some(team) => format!("https://app.clickup.com/t/{team}/{}", self.task_id),
            None => format!("https://app.clickup.com/t/{}", self.task_id),
        }
    }

    fn title(&self) -> BoxFuture<'_, Result<String>> {
        Box::pin(async move {
            let task = retry::repeatable(&self.cfg.retry, "clickup.task", || self.task()).await?;
            Ok(task["name"].as_str().unwrap_or_default().to_string())
        })
    }

    fn max_file_bytes(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        Box::pin(async { Ok(Some(MAX_FILE_BYTES)) })
    }

    fn upload<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let total = std::fs::metadata(&post.clip)
                .map_err(|e| Error::io("read", &post.clip, e))?
                .len();
            if total > MAX_FILE_BYTES {
                return Err(Error::TooLarge {
                    service: Service::ClickUp,
                    size_bytes: total,
                    limit_bytes: MAX_FILE_BYTES,
                });
            }
            progress.start_bytes();
            retry::run(
                &self.cfg.retry,
                "clickup.attachment",
                || async {
                    let body = http::file_body(&post.clip, 0, total, total, progress);
                    let part = reqwest::multipart::Part::stream_with_length(body, total);
                    let form = attachment_form(part, &post.file_name, "video/mp4")?;
                    let req = self
                        .http
                        .post(self.url("/attachment", ""))
                        .headers(self.headers())
                        .multipart(form);
                    let result = async {
                        let resp = http::send(Service::ClickUp, req).await?;
                        self.finish("/attachment", resp).await
                    }
                    .await;
                    if result.is_err() {
                        progress.sub_bytes(total);
                    }
                    Ok(attachment_step(&result?))
                },
                || self.find_attachment(&post.file_name),
            )
            .await
        })
    }

    fn find_done<'a>(
        &'a self,
        post: &'a Post,
        step: Step,
        prior: Option<&'a StepDone>,
    ) -> BoxFuture<'a, Result<Option<StepDone>>> {
        Box::pin(async move {
            match step {
                Step::Upload => {
                    retry::repeatable(&self.cfg.retry, "clickup.find_attachment", || {
                        self.find_attachment(&post.file_name)
                    })
                    .await
                }
                Step::Attach => Ok(prior.cloned()),
                Step::Summary => {
                    retry::repeatable(&self.cfg.retry, "clickup.find_comment", || {
                        self.find_summary(post)
                    })
                    .await
                }
                // The transcript step looks for its reply and captions itself when it resumes.
                Step::Transcript => Ok(None),
            }
        })
    }

    fn summary<'a>(
        &'a self,
        post: &'a Post,
        attached: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let body = json!({ "comment": comment_ops(post, attached.url.as_deref()), "notify_all": false });
            if let Some(reply) = &post.reply_to {
                let comments = retry::repeatable(&self.cfg.retry, "clickup.comments", || {
                    self.comments(comment_pages(post))
                })
                .await?;
                if let Some(parent) = answered_comment(&comments, reply)
                    && let Some(done) = self.post_threaded(post, &parent, &body).await?
                {
                    return Ok(done);
                }
            }
            retry::run(
                &self.cfg.retry,
                "clickup.comment",
                || async {
                    let v = self.call(Method::POST, "/comment", "", Some(&body)).await?;
                    Ok(StepDone::new(json_str(&v["id"]), None))
                },
                || self.find_summary(post),
            )
            .await
        })
    }

    fn transcript<'a>(
        &'a self,
        post: &'a Post,
        summary: &'a StepDone,
        resume: bool,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(self.transcript_inner(post, summary, resume))
    }

    fn clips(&self) -> BoxFuture<'_, Result<Vec<PostedClip>>> {
        Box::pin(async move {
            let task = retry::repeatable(&self.cfg.retry, "clickup.task", || self.task()).await?;
            let comments = retry::repeatable(&self.cfg.retry, "clickup.comments", || {
                self.comments(COMMENT_PAGES_CHECKED)
            })
            .await?;
            let mut out = Vec::new();
            for a in task["attachments"].as_array().into_iter().flatten() {
                let is_video = a["mimetype"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("video/"))
                    || a["extension"].as_str() == Some("mp4");
                let (Some(url), true) = (a["url"].as_str(), is_video) else {
                    continue;
                };
                let title = a["title"].as_str().map(str::to_string);
                let summary = title.as_deref().and_then(|t| {
                    comments
                        .iter()
                        .map(comment_text)
                        .find(|text| text.contains(&format!("({t})")))
                });
                out.push(PostedClip {
                    url: url.to_string(),
                    file_name: title.clone(),
                    title: summary
                        .as_deref()
                        .and_then(|s| s.lines().find(|l| !ReplyTo::is_line(l)))
                        .map(str::to_string)
                        .or(title),
                    summary,
                });
            }
            Ok(out)
        })
    }

    fn download<'a>(&'a self, clip: &'a PostedClip) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(http::download(Service::ClickUp, &self.http, &clip.url))
    }
}
