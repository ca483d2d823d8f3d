//! A stateful fake of the Notion API parts Clipnote uses (CONTRACTS.md §1 and §3): auth and
//! version headers, File Uploads (single and multi-part, limits, 1 h expiry), block children
//! (append with validation, placed after a named block by `after` or `position`, toggles with
//! children appended and listed under them, paginated listing, videos read back as signed,
//! expiring URLs), `users/me` with the workspace's
//! per-file limit, error bodies, 429/529 and faults.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::notion_append::{Parent, append, parent};
use crate::notion_read::{bad_cursor, block_json, page_window};
use crate::notion_uploads::{complete, create_upload, send, upload_json};
use crate::server::{self, BoxFuture, Common, ConnKill, Fault, Resp};

pub const FREE_LIMIT_BYTES: u64 = 5 * 1024 * 1024;
pub const PAID_LIMIT_BYTES: u64 = 5 * 1024 * 1024 * 1024;
const VERSIONS: [&str; 3] = ["2022-06-28", "2025-09-03", "2026-03-11"];

/// A file upload as the fake keeps it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub status: String,
    pub multi_part: bool,
    pub parts_total: u32,
    pub parts: BTreeMap<u32, Vec<u8>>,
    pub bytes: Vec<u8>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub created: i64,
    pub attached: bool,
}

/// A block on a page. Videos keep the id of the upload they show.
#[derive(Debug, Clone)]
pub struct Block {
    pub id: String,
    pub kind: String,
    /// The block's text (or a video's caption), for assertions.
    pub text: String,
    /// The stored JSON body under the type key (text blocks), echoed back on reads.
    pub body: Value,
    pub video_upload: Option<String>,
    /// The blocks under it (a toggle's), in order.
    pub children: Vec<Block>,
}

/// A page the integration may see.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub shared: bool,
    pub blocks: Vec<Block>,
    /// The page's title (its `title` property).
    pub title: String,
    /// Unix seconds of the last change (an append moves it), as `last_edited_time`.
    pub last_edited: i64,
    /// Who appended each block and when, by block id (blocks pushed by a test have none).
    pub meta: HashMap<String, BlockMeta>,
    /// The data source (database) the page is a row of.
    pub data_source: Option<String>,
}

/// Who made a block, and when.
#[derive(Debug, Clone)]
pub struct BlockMeta {
    pub created: i64,
    pub created_by: String,
}

/// A workspace member with their own connection token, so a test can post "as" them.
#[derive(Debug, Clone)]
pub struct NotionUser {
    pub id: String,
    pub name: String,
    pub token: String,
}

/// A database with one data source whose rows are pages.
#[derive(Debug, Clone, Default)]
pub struct Database {
    pub title: String,
    pub data_source_id: String,
    /// Row page ids (normalised), in order.
    pub pages: Vec<String>,
}

/// The bot behind the main token.
pub const BOT_USER_ID: &str = "bot-user-1";

/// Everything the fake knows; tests read it through [`NotionFake::state`].
#[derive(Debug, Default)]
pub struct NotionState {
    pub token: String,
    pub max_file_bytes: u64,
    pub insert_capability: bool,
    pub pages: HashMap<String, Page>,
    pub uploads: HashMap<String, Upload>,
    /// (upload id, bytes served) per signed download.
    pub downloads: Vec<(String, usize)>,
    /// Seconds in a 429's Retry-After.
    pub retry_after_secs: u64,
    /// Request bodies are read no faster than this (an uplink's speed); `None`: as fast as sent.
    pub upload_bytes_per_sec: Option<u64>,
    /// The per-connection rate limit: a bucket of `rate_burst` requests refilled at
    /// `rate_per_sec` (Notion averages 3 requests/s with bursts); over it, 429 `rate_limited`.
    pub rate_burst: f64,
    pub rate_per_sec: f64,
    bucket: Option<(f64, std::time::Instant)>,
    /// Other members, each with a token of their own.
    pub users: Vec<NotionUser>,
    /// Databases by normalised id.
    pub databases: HashMap<String, Database>,
    /// Signed downloads that carried an `Authorization` header (the file host needs none).
    pub downloads_with_auth: usize,
}

impl NotionState {
    /// Takes one request from the bucket; false when the caller must wait.
    fn take_request(&mut self) -> bool {
        let now = std::time::Instant::now();
        let (tokens, at) = self.bucket.unwrap_or((self.rate_burst, now));
        let tokens = (tokens + now.duration_since(at).as_secs_f64() * self.rate_per_sec)
            .min(self.rate_burst);
        if tokens >= 1.0 {
            self.bucket = Some((tokens - 1.0, now));
            true
        } else {
            self.bucket = Some((tokens, now));
            false
        }
    }
}

impl NotionState {
    /// The blocks on a page (empty if unknown).
    pub fn blocks(&self, page_id: &str) -> Vec<Block> {
        self.pages
            .get(&norm(page_id))
            .map(|p| p.blocks.clone())
            .unwrap_or_default()
    }
}

/// A running Notion fake on 127.0.0.1.
pub struct NotionFake {
    inner: Arc<Inner>,
    running: server::Running,
}

struct Inner {
    common: Common,
    state: Mutex<NotionState>,
}

impl NotionFake {
    /// Starts a fake that accepts `token` and knows one shared page, `page_id`.
    pub fn start(token: &str, page_id: &str) -> NotionFake {
        let mut state = NotionState {
            token: token.to_string(),
            max_file_bytes: PAID_LIMIT_BYTES,
            insert_capability: true,
            retry_after_secs: 0,
            upload_bytes_per_sec: None,
            rate_burst: 30.0,
            rate_per_sec: 3.0,
            ..NotionState::default()
        };
        state.pages.insert(
            norm(page_id),
            Page {
                shared: true,
                title: "Task".into(),
                ..Page::default()
            },
        );
        let inner = Arc::new(Inner {
            common: Common::default(),
            state: Mutex::new(state),
        });
        let running = server::start("notion", inner.clone());
        let _ = inner.common.base.set(format!("http://{}", running.addr));
        NotionFake { inner, running }
    }

    /// The base URL to give the client (`CLIPNOTE_NOTION_BASE_URL`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Locks and returns the state for assertions or setup.
    pub fn state(&self) -> std::sync::MutexGuard<'_, NotionState> {
        self.inner.state.lock().unwrap()
    }

    /// Makes the next `times` requests on `route` fail with `fault`. Routes: `users_me`,
    /// `create_upload`, `send`, `complete`, `get_upload`, `append` (or `append_video`, `append_text`),
    /// `children`, `download`, and for reading `get_page`, `get_block`, `get_user`,
    /// `get_database`, `query`, `*`.
    pub fn inject(&self, route: &'static str, fault: Fault, times: u32) {
        self.inner.common.inject(route, fault, times);
    }

    pub fn pending_faults(&self) -> usize {
        self.inner.common.pending_faults()
    }

    /// Adds a member who posts with their own `token`; returns their user id.
    pub fn add_user(&self, token: &str, name: &str) -> String {
        let mut st = self.state();
        let id = format!("user-{}", st.users.len() + 2);
        st.users.push(NotionUser {
            id: id.clone(),
            name: name.to_string(),
            token: token.to_string(),
        });
        id
    }

    /// Adds (or renames) a page shared with the integration.
    pub fn add_page(&self, page_id: &str, title: &str) {
        let now = self.inner.common.now();
        let mut st = self.state();
        let page = st.pages.entry(norm(page_id)).or_default();
        page.shared = true;
        page.title = title.to_string();
        page.last_edited = page.last_edited.max(now);
    }

    /// Adds a database shared with the integration, with one data source whose rows are
    /// `pages` (id, title). Returns the data source id.
    pub fn add_database(&self, database_id: &str, title: &str, pages: &[(&str, &str)]) -> String {
        for (id, t) in pages {
            self.add_page(id, t);
        }
        let mut st = self.state();
        let ds = format!("ds{}", norm(database_id));
        for (id, _) in pages {
            if let Some(p) = st.pages.get_mut(&norm(id)) {
                p.data_source = Some(ds.clone());
            }
        }
        st.databases.insert(
            norm(database_id),
            Database {
                title: title.to_string(),
                data_source_id: ds.clone(),
                pages: pages.iter().map(|(id, _)| norm(id)).collect(),
            },
        );
        ds
    }

    /// Moves the fake's clock forward (upload expiry, signed URL expiry).
    pub fn advance_clock(&self, secs: i64) {
        self.inner.common.advance(secs);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<server::Logged> {
        self.inner.common.log.lock().unwrap().clone()
    }

    /// Waits until a request hung by [`Fault::HangAfterEffect`] has applied its effect.
    pub async fn hung(&self) {
        self.inner.common.hung.notified().await;
    }
}

/// Page ids are compared without dashes, lower case.
pub fn norm(id: &str) -> String {
    id.replace('-', "").to_ascii_lowercase()
}

/// 400 `validation_error`, worded as Notion words it: "body failed validation: …".
pub(crate) fn invalid(detail: impl std::fmt::Display) -> Resp {
    err(
        StatusCode::BAD_REQUEST,
        "validation_error",
        &format!("body failed validation: {detail}"),
    )
}

pub(crate) fn err(status: StatusCode, code: &str, message: &str) -> Resp {
    server::json(
        status,
        &json!({ "object": "error", "status": status.as_u16(), "code": code, "message": message, "request_id": server::uuid() }),
        &[("x-notion-request-id", server::uuid())],
    )
}

impl server::Handler for Inner {
    fn handle(self: Arc<Self>, req: Request<Incoming>, kill: ConnKill) -> BoxFuture<Resp> {
        Box::pin(async move {
            let method = req.method().clone();
            let path = req.uri().path().to_string();
            let query = server::query_map(req.uri().query());
            let segs: Vec<String> = path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let seg: Vec<&str> = segs.iter().map(String::as_str).collect();
            let route: &'static str = match (&method, seg.as_slice()) {
                (&Method::GET, ["_files", _]) => "download",
                (&Method::GET, ["v1", "users", "me"]) => "users_me",
                (&Method::GET, ["v1", "users", _]) => "get_user",
                (&Method::GET, ["v1", "pages", _]) => "get_page",
                (&Method::GET, ["v1", "blocks", _]) => "get_block",
                (&Method::GET, ["v1", "databases", _]) => "get_database",
                (&Method::POST, ["v1", "data_sources", _, "query"]) => "query",
                (&Method::POST, ["v1", "databases", _, "query"]) => "query",
                (&Method::POST, ["v1", "file_uploads"]) => "create_upload",
                (&Method::POST, ["v1", "file_uploads", _, "send"]) => "send",
                (&Method::POST, ["v1", "file_uploads", _, "complete"]) => "complete",
                (&Method::GET, ["v1", "file_uploads", _]) => "get_upload",
                (&Method::PATCH, ["v1", "blocks", _, "children"]) => "append",
                (&Method::GET, ["v1", "blocks", _, "children"]) => "children",
                _ => "unknown",
            };
            // Appends are told apart by their body (video or text), so they are classified after reading it.
            let mut fault = if route == "append" {
                None
            } else {
                self.common.take_fault(route)
            };
            let drop_after = (fault == Some(Fault::DropMidRequest)).then(|| {
                let len: usize = req
                    .headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(2);
                (len / 2).max(1)
            });
            let headers = req.headers().clone();
            let pace = self.state.lock().unwrap().upload_bytes_per_sec;
            let body = server::read_body(req.into_body(), drop_after, &kill, pace).await;
            let body_len = body.len();
            if route == "append" {
                let is_video = body.windows(7).any(|w| w == b"\"video\"");
                // The transcript: a toggle, or more paragraphs under one (not the page).
                let is_transcript = body.windows(8).any(|w| w == b"\"toggle\"")
                    || !self.state.lock().unwrap().pages.contains_key(&norm(seg[2]));
                fault = self
                    .common
                    .take_fault(if is_video {
                        "append_video"
                    } else if is_transcript {
                        "append_transcript"
                    } else {
                        "append_text"
                    })
                    .or_else(|| self.common.take_fault("append"));
                if fault == Some(Fault::DropMidRequest) {
                    self.common
                        .record(method.as_str(), &path, route, 0, body_len);
                    kill.kill();
                    std::future::pending::<()>().await;
                }
            }
            let resp = match fault {
                Some(Fault::ServerError) => err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_server_error",
                    "Unexpected error.",
                ),
                Some(Fault::RateLimited) => {
                    let secs = self.state.lock().unwrap().retry_after_secs;
                    let mut r = err(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate_limited",
                        "You have been rate limited. Please try again in a few minutes.",
                    );
                    r.headers_mut()
                        .insert("retry-after", secs.to_string().parse().expect("header"));
                    r
                }
                Some(Fault::Overloaded) => {
                    let mut r = err(
                        StatusCode::from_u16(529).expect("529"),
                        "service_overload",
                        "Notion is overloaded. Please try again later.",
                    );
                    r.headers_mut()
                        .insert("retry-after", "0".parse().expect("header"));
                    r
                }
                _ => {
                    let r = self.route(route, &method, &seg, &query, &headers, body);
                    match fault {
                        Some(Fault::UnavailableAfterEffect) => err(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "service_unavailable",
                            "Notion is unavailable.",
                        ),
                        Some(Fault::HangAfterEffect) => {
                            self.common.hung.notify_one();
                            std::future::pending::<()>().await;
                            r
                        }
                        _ => r,
                    }
                }
            };
            self.common.record(
                method.as_str(),
                &path,
                route,
                resp.status().as_u16(),
                body_len,
            );
            resp
        })
    }
}

impl Inner {
    fn route(
        &self,
        route: &str,
        method: &Method,
        seg: &[&str],
        query: &HashMap<String, String>,
        headers: &hyper::HeaderMap,
        body: Vec<u8>,
    ) -> Resp {
        if route == "download" {
            if headers.contains_key("authorization") {
                self.state.lock().unwrap().downloads_with_auth += 1;
            }
            return self.download(seg[1], query);
        }
        let mut st = self.state.lock().unwrap();
        // Auth first, then the version header, as the real API does.
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let caller = if auth == format!("Bearer {}", st.token) {
            Some(BOT_USER_ID.to_string())
        } else {
            st.users
                .iter()
                .find(|u| auth == format!("Bearer {}", u.token))
                .map(|u| u.id.clone())
        };
        let Some(caller) = caller else {
            return err(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "API token is invalid.",
            );
        };
        if !st.take_request() {
            let mut r = err(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "You have been rate limited. Please try again in a few minutes.",
            );
            r.headers_mut()
                .insert("retry-after", "1".parse().expect("header"));
            return r;
        }
        let Some(version) = headers.get("notion-version").and_then(|v| v.to_str().ok()) else {
            return err(
                StatusCode::BAD_REQUEST,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
            );
        };
        if !VERSIONS.contains(&version) {
            return err(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Notion-Version header failed validation.",
            );
        }
        let new_version = version >= "2026-03-11";
        let now = self.common.now();
        match route {
            "users_me" => server::json(
                StatusCode::OK,
                &json!({ "object": "user", "id": "bot-user-1", "type": "bot", "name": "Clipnote",
                    "bot": { "owner": { "type": "workspace", "workspace": true }, "workspace_name": "Acme",
                        "workspace_limits": { "max_file_upload_size_in_bytes": st.max_file_bytes } },
                    "request_id": server::uuid() }),
                &[],
            ),
            "create_upload" => create_upload(&mut st, &body, now, new_version),
            "send" => send(&mut st, seg[2], headers, &body, now, new_version),
            "complete" => complete(&mut st, seg[2], now, new_version),
            "get_upload" => match st.uploads.get(seg[2]) {
                Some(u) => server::json(StatusCode::OK, &upload_json(u, now, new_version), &[]),
                None => err(
                    StatusCode::NOT_FOUND,
                    "object_not_found",
                    &format!("Could not find file_upload with ID: {}.", seg[2]),
                ),
            },
            "append" | "children" => {
                let target = match parent(&st, seg[2]) {
                    Ok(t) => t,
                    Err(resp) => return *resp,
                };
                if route == "append" {
                    if !st.insert_capability {
                        return err(
                            StatusCode::FORBIDDEN,
                            "restricted_resource",
                            "Insufficient permissions for this endpoint.",
                        );
                    }
                    append(&mut st, &target, &body, now, new_version, &caller)
                } else {
                    self.children(&st, &target, query, new_version)
                }
            }
            "get_user" | "get_page" | "get_block" | "get_database" | "query" => {
                crate::notion_read::route(&self.common, &st, route, seg, &body, new_version)
            }
            _ => err(
                StatusCode::BAD_REQUEST,
                "invalid_request_url",
                &format!("Invalid request URL: {method} /{}", seg.join("/")),
            ),
        }
    }

    fn download(&self, file_id: &str, query: &HashMap<String, String>) -> Resp {
        if let Err(why) = self.common.check_signature(file_id, query) {
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>{why}</Message></Error>"
            );
            return server::bytes(StatusCode::FORBIDDEN, "application/xml", xml.into_bytes());
        }
        let mut st = self.state.lock().unwrap();
        let Some(bytes) = st.uploads.get(file_id).map(|u| u.bytes.clone()) else {
            return server::bytes(
                StatusCode::NOT_FOUND,
                "application/xml",
                b"<Error><Code>NoSuchKey</Code></Error>".to_vec(),
            );
        };
        st.downloads.push((file_id.to_string(), bytes.len()));
        server::bytes(StatusCode::OK, "video/mp4", bytes)
    }

    fn children(
        &self,
        st: &NotionState,
        target: &Parent,
        query: &HashMap<String, String>,
        new_version: bool,
    ) -> Resp {
        let page_size: usize = query
            .get("page_size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(100);
        if page_size == 0 || page_size > 100 {
            return err(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "body failed validation: page_size should be ≤ `100`.",
            );
        }
        let (page, page_data, blocks, under) = match target {
            Parent::Page(page) => (page, &st.pages[page], &st.pages[page].blocks, None),
            Parent::Block { page, index } => {
                let toggle = &st.pages[page].blocks[*index];
                (page, &st.pages[page], &toggle.children, Some(&toggle.id))
            }
        };
        let Some((start, end)) = page_window(
            blocks,
            query.get("start_cursor").map(String::as_str),
            page_size,
            |b| norm(&b.id),
        ) else {
            return bad_cursor();
        };
        let results: Vec<Value> = blocks[start..end]
            .iter()
            .map(|b| {
                let mut v = block_json(&self.common, page, page_data, b, new_version);
                if let Some(id) = under {
                    v["parent"] = json!({ "type": "block_id", "block_id": id });
                }
                v
            })
            .collect();
        let next = blocks.get(end).map(|b| b.id.clone());
        server::json(
            StatusCode::OK,
            &json!({ "object": "list", "results": results, "next_cursor": next, "has_more": next.is_some(),
                "type": "block", "block": {}, "request_id": server::uuid() }),
            &[],
        )
    }
}
