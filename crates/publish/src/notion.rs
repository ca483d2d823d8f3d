//! Notion: the File Upload API, then blocks appended to the page (heading, video, summary,
//! footer line, and the transcript's toggle under it: `notion/transcript.rs`). A reply goes right after the section of the clip it answers (its video and
//! the blocks under it up to the next heading or video), with a line saying whom it answers.
//! See `crates/fakes/contracts/CONTRACTS.md` §1.

use std::path::Path;

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::destination::{BoxFuture, Destination, Post, PostedClip, ReplyTo, StepDone};
use crate::error::{Applied, Error, Failure, Result, Service};
use crate::http;
use crate::markdown;
use crate::progress::{Progress, Step};
use crate::retry::{self, RetryPolicy};
use crate::secrets::Token;

mod transcript;

/// Single-part sends go up to 20 MiB; above, 10 MiB parts.
pub const SINGLE_PART_MAX_BYTES: u64 = 20 * 1024 * 1024;
pub const PART_BYTES: u64 = 10 * 1024 * 1024;
/// Parts in flight at once.
pub const PARTS_IN_FLIGHT: usize = 3;
/// An unattached upload expires an hour after creation; we re-create it after 55 minutes.
pub const UPLOAD_USABLE_SECS: u64 = 55 * 60;
pub const DEFAULT_VERSION: &str = "2025-09-03";
/// From this version an append names its place with `position`; before it, with `after`.
pub const POSITION_VERSION: &str = "2026-03-11";
pub const DEFAULT_BASE_URL: &str = "https://api.notion.com";

/// How to reach Notion.
#[derive(Debug, Clone)]
pub struct NotionConfig {
    pub base_url: String,
    pub token: Token,
    pub version: String,
    pub retry: RetryPolicy,
}

/// A Notion page as a destination.
pub struct Notion {
    cfg: NotionConfig,
    page_id: String,
    http: reqwest::Client,
    limit: OnceCell<Option<u64>>,
}

impl Notion {
    pub fn new(cfg: NotionConfig, page_id: String) -> Self {
        Notion {
            cfg,
            page_id,
            http: http::client(),
            limit: OnceCell::new(),
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", self.cfg.token.expose())) {
            v.set_sensitive(true);
            h.insert(reqwest::header::AUTHORIZATION, v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.cfg.version) {
            h.insert("Notion-Version", v);
        }
        h
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{}", self.cfg.base_url.trim_end_matches('/'), path)
    }

    /// One JSON request, with 4xx mapped to typed errors.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .headers(self.headers());
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = http::send(Service::Notion, req).await?;
        let status = resp.status();
        tracing::debug!(%method, path, status = status.as_u16(), "notion");
        let value = http::json(Service::Notion, resp).await?;
        if status.is_success() {
            Ok(value)
        } else {
            Err(self.error(status, &value))
        }
    }

    /// Maps Notion's documented error codes to messages that name the fix.
    fn error(&self, status: StatusCode, body: &Value) -> Failure {
        let code = body["code"].as_str().unwrap_or_default();
        let message = http::short(body["message"].as_str().unwrap_or_default());
        let page = &self.page_id;
        let error = match (status.as_u16(), code) {
            (401, _) => Error::Unauthorized {
                service: Service::Notion,
                detail: format!("{code}: {message}"),
            },
            (404, _) => Error::NotFound(format!(
                "Notion cannot see page {page} (object_not_found): share it with the integration — open the page, ••• → Connections → add the integration — or check the link"
            )),
            (403, _) => Error::Forbidden(format!(
                "the Notion integration lacks a capability (restricted_resource: {message}): enable Read content and Insert content in the integration's settings"
            )),
            (409, _) => {
                return Failure {
                    error: Error::Transient {
                        service: Service::Notion,
                        detail: format!("conflict_error: {message}"),
                    },
                    applied: Applied::No,
                    wait: None,
                };
            }
            (400, "validation_error") if message.contains("expired") => Error::UploadExpired,
            (400, _) if message.contains("limit") || message.contains("size") => Error::Rejected {
                service: Service::Notion,
                detail: format!(
                    "{code}: {message} — the file is over the workspace's per-file limit: re-encode it smaller, post a shorter clip, or upgrade the Notion plan"
                ),
            },
            _ => Error::Rejected {
                service: Service::Notion,
                detail: format!("HTTP {} {code}: {message}", status.as_u16()),
            },
        };
        Failure::fatal(error)
    }

    async fn create_upload(&self, post: &Post, parts: Option<u64>) -> Result<String> {
        let mut body = json!({ "filename": post.file_name, "content_type": "video/mp4" });
        if let Some(n) = parts {
            body["mode"] = json!("multi_part");
            body["number_of_parts"] = json!(n);
        }
        // Creating twice only leaves an unused upload behind: safe to repeat.
        let v = retry::repeatable(&self.cfg.retry, "notion.create_upload", || {
            self.call(Method::POST, "/file_uploads", Some(&body))
        })
        .await?;
        id_of(&v)
    }

    async fn upload_status(&self, id: &str) -> Result<Option<String>, Failure> {
        let v = self
            .call(Method::GET, &format!("/file_uploads/{id}"), None)
            .await?;
        Ok(v["status"].as_str().map(str::to_string))
    }

    async fn send_part(
        &self,
        id: &str,
        clip: &Path,
        part: Option<(u64, u64, u64)>,
        total: u64,
        progress: &Progress,
    ) -> Result<(), Failure> {
        let (offset, len) = match part {
            Some((_, off, len)) => (off, len),
            None => (0, total),
        };
        let body = http::file_body(clip, offset, len, total, progress);
        let file = reqwest::multipart::Part::stream_with_length(body, len)
            .file_name(clip_name(clip))
            .mime_str("video/mp4")
            .map_err(|e| {
                Failure::fatal(Error::Rejected {
                    service: Service::Notion,
                    detail: e.to_string(),
                })
            })?;
        let mut form = reqwest::multipart::Form::new().part("file", file);
        if let Some((n, _, _)) = part {
            form = form.text("part_number", n.to_string());
        }
        let req = self
            .http
            .post(self.url(&format!("/file_uploads/{id}/send")))
            .headers(self.headers())
            .multipart(form);
        let result = async {
            let resp = http::send(Service::Notion, req).await?;
            let status = resp.status();
            let value = http::json(Service::Notion, resp).await?;
            if status.is_success() {
                Ok(())
            } else {
                Err(self.error(status, &value))
            }
        }
        .await;
        if result.is_err() {
            progress.sub_bytes(len);
        }
        result
    }

    async fn upload_inner(&self, post: &Post, progress: &Progress) -> Result<StepDone> {
        let total = std::fs::metadata(&post.clip)
            .map_err(|e| Error::io("read", &post.clip, e))?
            .len();
        if let Some(limit) = self.max_file_bytes_inner().await?
            && total > limit
        {
            return Err(Error::TooLarge {
                service: Service::Notion,
                size_bytes: total,
                limit_bytes: limit,
            });
        }
        progress.start_bytes();
        if total <= SINGLE_PART_MAX_BYTES {
            let id = self.create_upload(post, None).await?;
            retry::run(
                &self.cfg.retry,
                "notion.send",
                || self.send_part(&id, &post.clip, None, total, progress),
                || async {
                    Ok(match self.upload_status(&id).await?.as_deref() {
                        Some("uploaded") => Some(()),
                        _ => None,
                    })
                },
            )
            .await?;
            return Ok(StepDone::new(id, None));
        }
        let parts = total.div_ceil(PART_BYTES);
        let id = self.create_upload(post, Some(parts)).await?;
        let id_ref = &id;
        let sends = futures_util::stream::iter(1..=parts)
            .map(|n| async move {
                let off = (n - 1) * PART_BYTES;
                let len = PART_BYTES.min(total - off);
                // Re-sending a part replaces it: safe to repeat.
                retry::repeatable(&self.cfg.retry, "notion.send_part", || {
                    self.send_part(id_ref, &post.clip, Some((n, off, len)), total, progress)
                })
                .await
            })
            .buffer_unordered(PARTS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        for r in sends {
            r?;
        }
        let complete_path = format!("/file_uploads/{id}/complete");
        retry::run(
            &self.cfg.retry,
            "notion.complete",
            || self.call(Method::POST, &complete_path, None),
            || async {
                Ok(match self.upload_status(&id).await?.as_deref() {
                    Some("uploaded") => Some(Value::Null),
                    _ => None,
                })
            },
        )
        .await?;
        Ok(StepDone::new(id, None))
    }

    async fn max_file_bytes_inner(&self) -> Result<Option<u64>> {
        let limit = self
            .limit
            .get_or_try_init(|| async {
                let v = retry::repeatable(&self.cfg.retry, "notion.users_me", || {
                    self.call(Method::GET, "/users/me", None)
                })
                .await?;
                Ok::<_, Error>(file_limit(&v))
            })
            .await?;
        Ok(*limit)
    }

    /// Every first-level block on the page, in order (follows `next_cursor`).
    pub(crate) async fn children(&self) -> Result<Vec<Value>, Failure> {
        self.children_of(&self.page_id).await
    }

    /// The children of a page or block, in order (follows `next_cursor`).
    async fn children_of(&self, parent: &str) -> Result<Vec<Value>, Failure> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/blocks/{parent}/children?page_size=100");
            if let Some(c) = &cursor {
                path.push_str(&format!("&start_cursor={c}"));
            }
            let v = self.call(Method::GET, &path, None).await?;
            out.extend(v["results"].as_array().cloned().unwrap_or_default());
            match (v["has_more"].as_bool(), v["next_cursor"].as_str()) {
                (Some(true), Some(next)) => cursor = Some(next.to_string()),
                _ => return Ok(out),
            }
        }
    }

    /// Finds a block of `kind` whose text contains `marker` (ours, from an earlier attempt).
    async fn find_marked(&self, kind: &str, marker: &str) -> Result<Option<StepDone>, Failure> {
        let blocks = self.children().await?;
        Ok(blocks
            .iter()
            .filter(|b| b["type"] == kind)
            .find(|b| block_text(b).contains(marker))
            .and_then(|b| b["id"].as_str())
            .map(|id| StepDone::new(id, None)))
    }

    /// The blocks right after `anchor` (or, without one, the page's last blocks), when they are
    /// exactly `chunk` (same types and texts, in order): a chunk appended by an earlier attempt.
    async fn find_run(
        &self,
        chunk: &[Value],
        anchor: Option<&str>,
    ) -> Result<Option<StepDone>, Failure> {
        let blocks = self.children().await?;
        let start = match anchor {
            Some(a) => match blocks.iter().position(|b| same_id(b, a)) {
                Some(i) => i + 1,
                None => return Ok(None),
            },
            None => match blocks.len().checked_sub(chunk.len()) {
                Some(i) => i,
                None => return Ok(None),
            },
        };
        let Some(run) = blocks.get(start..start + chunk.len()) else {
            return Ok(None);
        };
        let same = run.iter().zip(chunk).all(|(have, want)| {
            have["type"] == want["type"] && block_text(have) == block_text(want)
        });
        Ok(same.then(|| {
            StepDone::new(
                run.last()
                    .and_then(|b| b["id"].as_str())
                    .unwrap_or_default(),
                None,
            )
        }))
    }

    /// Where a reply goes: after the last block of the answered clip's section, or at the end
    /// of the page (`None`) when that clip is no longer on it.
    async fn reply_anchor(&self, reply: &ReplyTo) -> Result<Option<String>> {
        let blocks =
            retry::repeatable(&self.cfg.retry, "notion.children", || self.children()).await?;
        let end = section_end(&blocks, &reply.clip_id);
        if end.is_none() {
            tracing::info!(
                clip = %reply.clip_id,
                "the answered clip is not on the page any more; the reply goes at the end"
            );
        }
        Ok(end)
    }

    /// Appends `children` to the page: after the block `after`, or at the end. The place is
    /// `after` up to 2025-09-03 and `position` from 2026-03-11 (CONTRACTS.md §1.1).
    async fn append(
        &self,
        children: &[Value],
        after: Option<&str>,
    ) -> Result<Vec<String>, Failure> {
        self.append_to(&self.page_id, children, after).await
    }

    /// Appends `children` under the page or block `parent`, after the block `after` or at the end.
    async fn append_to(
        &self,
        parent: &str,
        children: &[Value],
        after: Option<&str>,
    ) -> Result<Vec<String>, Failure> {
        let mut body = json!({ "children": children });
        if let Some(id) = after {
            if self.cfg.version.as_str() >= POSITION_VERSION {
                body["position"] = json!({ "type": "after_block", "after_block": { "id": id } });
            } else {
                body["after"] = json!(id);
            }
        }
        let v = self
            .call(
                Method::PATCH,
                &format!("/blocks/{parent}/children"),
                Some(&body),
            )
            .await?;
        Ok(v["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }
}

fn id_of(v: &Value) -> Result<String> {
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Error::Rejected {
            service: Service::Notion,
            detail: "the response had no id".into(),
        })
}

/// The per-file limit in a `GET /users/me` answer (the bot's `workspace_limits`).
pub(crate) fn file_limit(me: &Value) -> Option<u64> {
    me["bot"]["workspace_limits"]["max_file_upload_size_in_bytes"].as_u64()
}

/// Whether block `b` has the id `id` (Notion ids are compared without dashes).
fn same_id(b: &Value, id: &str) -> bool {
    let flat = |s: &str| s.replace('-', "").to_ascii_lowercase();
    b["id"].as_str().is_some_and(|have| flat(have) == flat(id))
}

/// Whether `b` is a heading (which starts a clip's section: Clipnote puts the title there).
pub(crate) fn is_heading(b: &Value) -> bool {
    matches!(
        b["type"].as_str(),
        Some("heading_1" | "heading_2" | "heading_3")
    )
}

/// The id of the last block of the section of the video `clip_id`: the video and the blocks
/// under it (summary, footer) up to the next heading or video. `None` when it is not there.
pub(crate) fn section_end(blocks: &[Value], clip_id: &str) -> Option<String> {
    let start = blocks
        .iter()
        .position(|b| b["type"] == "video" && same_id(b, clip_id))?;
    let len = blocks[start + 1..]
        .iter()
        .take_while(|b| !is_heading(b) && b["type"] != "video")
        .count();
    blocks[start + len]["id"].as_str().map(str::to_string)
}

/// The plain text of a page's `title` property (`GET /pages/{id}`).
pub(crate) fn page_title(page: &Value) -> String {
    page["properties"]
        .as_object()
        .and_then(|props| props.values().find(|p| p["type"] == "title"))
        .and_then(|p| p["title"].as_array())
        .map(|runs| {
            runs.iter()
                .filter_map(|r| r["plain_text"].as_str())
                .collect::<String>()
        })
        .unwrap_or_default()
}

fn clip_name(clip: &Path) -> String {
    clip.file_name()
        .map_or_else(|| "clip.mp4".into(), |n| n.to_string_lossy().into_owned())
}

/// The plain text of a block's rich text (or a video's caption).
pub(crate) fn block_text(b: &Value) -> String {
    let Some(kind) = b["type"].as_str() else {
        return String::new();
    };
    let body = &b[kind];
    let runs = body["rich_text"]
        .as_array()
        .or_else(|| body["caption"].as_array());
    runs.map(|r| {
        r.iter()
            .filter_map(|t| {
                t["plain_text"]
                    .as_str()
                    .or_else(|| t["text"]["content"].as_str())
            })
            .collect()
    })
    .unwrap_or_default()
}

fn text_run(content: &str, italic: bool) -> Value {
    json!([{ "type": "text", "text": { "content": content },
        "annotations": { "bold": false, "italic": italic, "strikethrough": false, "underline": false, "code": false, "color": "gray" } }])
}

impl Destination for Notion {
    fn service(&self) -> Service {
        Service::Notion
    }

    fn task_url(&self) -> String {
        format!("https://www.notion.so/{}", self.page_id.replace('-', ""))
    }

    fn title(&self) -> BoxFuture<'_, Result<String>> {
        Box::pin(async move {
            let path = format!("/pages/{}", self.page_id);
            let page = retry::repeatable(&self.cfg.retry, "notion.page", || {
                self.call(Method::GET, &path, None)
            })
            .await?;
            let title = page_title(&page);
            Ok(if title.is_empty() {
                "Untitled".into()
            } else {
                title
            })
        })
    }

    fn max_file_bytes(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        Box::pin(self.max_file_bytes_inner())
    }

    fn upload<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(self.upload_inner(post, progress))
    }

    fn find_done<'a>(
        &'a self,
        post: &'a Post,
        step: Step,
        _prior: Option<&'a StepDone>,
    ) -> BoxFuture<'a, Result<Option<StepDone>>> {
        Box::pin(async move {
            let kind = match step {
                // An upload that was never attached is invisible and harmless: upload again.
                Step::Upload => return Ok(None),
                Step::Attach => "video",
                Step::Summary => "paragraph",
                // The transcript step looks for its toggle itself when it resumes.
                Step::Transcript => return Ok(None),
            };
            let marker = post.marker();
            retry::repeatable(&self.cfg.retry, "notion.find_done", || {
                self.find_marked(kind, &marker)
            })
            .await
        })
    }

    fn upload_still_usable(&self, upload: &StepDone) -> bool {
        crate::now_unix().saturating_sub(upload.at_unix) < UPLOAD_USABLE_SECS
    }

    fn attach<'a>(
        &'a self,
        post: &'a Post,
        upload: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let caption = format!("Screen recording · {}", post.marker());
            let mut children = vec![
                markdown::notion_text_blocks("heading_2", &markdown::inline(&post.title), None)
                    .into_iter()
                    .next()
                    .unwrap_or(Value::Null),
            ];
            let mut anchor = None;
            if let Some(reply) = &post.reply_to {
                children.push(json!({ "object": "block", "type": "paragraph",
                    "paragraph": { "rich_text": text_run(&reply.line(), false) } }));
                anchor = self.reply_anchor(reply).await?;
            }
            let video = match &post.external {
                Some(external) => json!({ "type": "external", "external": { "url": external.url },
                    "caption": text_run(&caption, false) }),
                None => json!({ "type": "file_upload", "file_upload": { "id": upload.remote_id },
                    "caption": text_run(&caption, false) }),
            };
            children.push(json!({ "object": "block", "type": "video", "video": video }));
            let marker = post.marker();
            retry::run(
                &self.cfg.retry,
                "notion.append_video",
                || async {
                    let ids = self.append(&children, anchor.as_deref()).await?;
                    let id = ids.last().cloned().unwrap_or_default();
                    Ok(StepDone::new(id, None))
                },
                || self.find_marked("video", &marker),
            )
            .await
        })
    }

    fn summary<'a>(
        &'a self,
        post: &'a Post,
        attached: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let mut blocks = markdown::to_notion_blocks(&markdown::parse(&post.summary));
            blocks.push(json!({ "object": "block", "type": "paragraph",
                "paragraph": { "rich_text": text_run(&post.footer(), true) } }));
            let marker = post.marker();
            let chunks: Vec<&[Value]> = blocks.chunks(100).collect();
            let last = chunks.len() - 1;
            // A reply's summary follows its video mid-page: each chunk goes right after the
            // block before it. Otherwise the summary is appended at the end, as it always was.
            let mut anchor = post
                .reply_to
                .is_some()
                .then(|| attached.remote_id.clone())
                .filter(|id| !id.is_empty());
            let mut footer_id = String::new();
            for (i, chunk) in chunks.into_iter().enumerate() {
                let done = retry::run(
                    &self.cfg.retry,
                    "notion.append_summary",
                    || async {
                        let ids = self.append(chunk, anchor.as_deref()).await?;
                        Ok(StepDone::new(ids.last().cloned().unwrap_or_default(), None))
                    },
                    || async {
                        // The last chunk carries the marker; an earlier one is found by the
                        // blocks after its anchor (or the page's end) being exactly it.
                        if i == last {
                            self.find_marked("paragraph", &marker).await
                        } else {
                            self.find_run(chunk, anchor.as_deref()).await
                        }
                    },
                )
                .await?;
                if post.reply_to.is_some() {
                    anchor = Some(done.remote_id.clone());
                }
                footer_id = done.remote_id;
            }
            Ok(StepDone::new(footer_id, None))
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
            let blocks =
                retry::repeatable(&self.cfg.retry, "notion.children", || self.children()).await?;
            let mut out: Vec<PostedClip> = Vec::new();
            let mut heading: Option<String> = None;
            let mut summary: Option<String> = None;
            for b in &blocks {
                match b["type"].as_str().unwrap_or_default() {
                    "heading_1" | "heading_2" | "heading_3" => {
                        heading = Some(block_text(b));
                        summary = None;
                    }
                    "video" => {
                        let url = b["video"]["file"]["url"]
                            .as_str()
                            .or_else(|| b["video"]["external"]["url"].as_str());
                        if let Some(url) = url {
                            out.push(PostedClip {
                                url: url.to_string(),
                                file_name: None,
                                title: heading.clone(),
                                summary: None,
                            });
                            summary = Some(String::new());
                        }
                    }
                    // The transcript's toggle is not part of the summary.
                    "toggle" => {}
                    _ => {
                        if let (Some(s), Some(last)) = (summary.as_mut(), out.last_mut()) {
                            s.push_str(&block_text(b));
                            s.push('\n');
                            last.summary = Some(s.clone());
                        }
                    }
                }
            }
            Ok(out)
        })
    }

    fn download<'a>(&'a self, clip: &'a PostedClip) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(http::download(Service::Notion, &self.http, &clip.url))
    }
}
