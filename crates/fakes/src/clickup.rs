//! A stateful fake of the ClickUp API v2 parts Clipnote uses (CONTRACTS.md §2 and §3):
//! raw `pk_` or `Bearer` auth, task attachments (multipart field `attachment`, 1 GB and a
//! storage quota), rich comments (validated) and threaded replies to them, tasks with signed
//! attachment URLs, comment paging (25, newest first, `start`+`start_id`), the authorised
//! workspaces (`GET /team`) and user (`GET /user`), the 100/min token bucket with its
//! `X-RateLimit-*` headers on every response, `{err, ECODE}` bodies and faults.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::clickup_comments::{comment, comments_page, threaded};
use crate::multipart;
use crate::server::{self, BoxFuture, Common, ConnKill, Fault, Resp};

pub const MAX_FILE_BYTES: usize = 1_000_000_000;
const RATE_PER_MINUTE: u32 = 100;

/// An attachment on a task.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub id: String,
    pub title: String,
    pub bytes: Vec<u8>,
    pub date_ms: i64,
}

/// A comment on a task.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    /// The rich `comment` array as sent (or one run made from `comment_text`).
    pub ops: Vec<Value>,
    pub text: String,
    pub date_ms: i64,
}

/// A task.
#[derive(Debug, Clone, Default)]
pub struct Task {
    pub team_id: String,
    pub custom_id: Option<String>,
    pub attachments: Vec<Attachment>,
    pub comments: Vec<Comment>,
    /// The task's name (`"Task"` when empty).
    pub name: String,
    /// The list the task lives in.
    pub list_id: Option<String>,
    /// Milliseconds of the last change (an attachment or comment moves it), as `date_updated`.
    pub date_updated_ms: i64,
    /// Who added each attachment and comment (by attachment id / comment id); absent means
    /// the main token's user.
    pub attachment_users: HashMap<String, u64>,
    pub comment_users: HashMap<u64, u64>,
    /// Threaded replies by parent comment id, oldest first (`POST /comment/{id}/reply`).
    /// They are not among the task's comments; the parent's `reply_count` counts them.
    pub replies: HashMap<u64, Vec<Comment>>,
}

/// A workspace member: the user behind a token.
#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub username: String,
}

/// Everything the fake knows.
#[derive(Debug, Default)]
pub struct ClickUpState {
    /// Tokens exactly as they must appear in `Authorization` (`pk_…`, or `Bearer …`).
    pub auth_values: Vec<String>,
    /// Workspaces the token is authorised for.
    pub teams: Vec<String>,
    /// Workspace names by id (`GET /team`); a workspace without one is "Workspace <id>".
    pub team_names: HashMap<String, String>,
    pub tasks: HashMap<String, Task>,
    /// Workspace storage left, bytes.
    pub storage_left: u64,
    pub downloads: Vec<(String, usize)>,
    /// Seconds from now in `X-RateLimit-Reset` when an injected 429 fires.
    pub storm_reset_secs: i64,
    window_start: i64,
    window_used: u32,
    pub(crate) next_comment_id: u64,
    /// The user behind each `Authorization` value; the main token's is "Fake User" (id 1).
    pub users: HashMap<String, User>,
    /// Signed downloads that carried an `Authorization` header (the file host needs none).
    pub downloads_with_auth: usize,
    /// Seconds a signed attachment URL stays valid.
    pub url_ttl_secs: i64,
}

impl ClickUpState {
    pub fn task(&self, id: &str) -> Task {
        self.tasks.get(id).cloned().unwrap_or_default()
    }
}

/// A running ClickUp fake on 127.0.0.1.
pub struct ClickUpFake {
    inner: Arc<Inner>,
    running: server::Running,
}

struct Inner {
    common: Common,
    state: Mutex<ClickUpState>,
}

impl ClickUpFake {
    /// Starts a fake where `token` (a `pk_…` personal token or an OAuth token) may post to
    /// `task_id` in workspace `team_id`.
    pub fn start(token: &str, team_id: &str, task_id: &str) -> ClickUpFake {
        let auth = if token.starts_with("pk_") {
            token.to_string()
        } else {
            format!("Bearer {token}")
        };
        let mut state = ClickUpState {
            auth_values: vec![auth],
            teams: vec![team_id.to_string()],
            storage_left: 100 * 1024 * 1024 * 1024,
            next_comment_id: 90_130_269_140_000,
            url_ttl_secs: 3600,
            ..ClickUpState::default()
        };
        state.tasks.insert(
            task_id.to_string(),
            Task {
                team_id: team_id.to_string(),
                ..Task::default()
            },
        );
        let inner = Arc::new(Inner {
            common: Common::default(),
            state: Mutex::new(state),
        });
        let running = server::start("clickup", inner.clone());
        let _ = inner.common.base.set(format!("http://{}", running.addr));
        ClickUpFake { inner, running }
    }

    /// The base URL to give the client (`CLIPNOTE_CLICKUP_BASE_URL`), ending in `/api`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.running.addr)
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, ClickUpState> {
        self.inner.state.lock().unwrap()
    }

    /// Routes: `attachment`, `attachment_captions` (an attachment whose file name ends in `.vtt`:
    /// a clip's captions), `comment`, `reply` (a threaded reply), `get_task`, `get_comments`,
    /// `get_replies`, `list_tasks`, `get_teams`, `get_user`, `download`, `*`.
    pub fn inject(&self, route: &'static str, fault: Fault, times: u32) {
        self.inner.common.inject(route, fault, times);
    }

    pub fn pending_faults(&self) -> usize {
        self.inner.common.pending_faults()
    }

    /// Adds a member who posts with their own `token` (raw `pk_…` or OAuth).
    pub fn add_user(&self, token: &str, id: u64, username: &str) {
        let auth = if token.starts_with("pk_") {
            token.to_string()
        } else {
            format!("Bearer {token}")
        };
        let mut st = self.state();
        st.auth_values.push(auth.clone());
        st.users.insert(
            auth,
            User {
                id,
                username: username.to_string(),
            },
        );
    }

    /// Adds a task named `name` in workspace `team_id`, in list `list_id` when given.
    pub fn add_task(&self, team_id: &str, task_id: &str, name: &str, list_id: Option<&str>) {
        let now_ms = self.inner.common.now() * 1000;
        self.state().tasks.insert(
            task_id.to_string(),
            Task {
                team_id: team_id.to_string(),
                name: name.to_string(),
                list_id: list_id.map(str::to_string),
                date_updated_ms: now_ms,
                ..Task::default()
            },
        );
    }

    /// Authorises the token for workspace `team_id` (if it was not) and names it `name`.
    pub fn name_team(&self, team_id: &str, name: &str) {
        let mut st = self.state();
        if !st.teams.iter().any(|t| t == team_id) {
            st.teams.push(team_id.to_string());
        }
        st.team_names.insert(team_id.to_string(), name.to_string());
    }

    pub fn advance_clock(&self, secs: i64) {
        self.inner.common.advance(secs);
    }

    pub fn requests(&self) -> Vec<server::Logged> {
        self.inner.common.log.lock().unwrap().clone()
    }

    pub async fn hung(&self) {
        self.inner.common.hung.notified().await;
    }
}

pub(crate) fn err(status: StatusCode, code: &str, message: &str) -> Resp {
    server::json(status, &json!({ "err": message, "ECODE": code }), &[])
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
                (&Method::POST, ["api", "v2", "task", _, "attachment"]) => "attachment",
                (&Method::POST, ["api", "v2", "task", _, "comment"]) => "comment",
                (&Method::GET, ["api", "v2", "task", _, "comment"]) => "get_comments",
                (&Method::POST, ["api", "v2", "comment", _, "reply"]) => "reply",
                (&Method::GET, ["api", "v2", "comment", _, "reply"]) => "get_replies",
                (&Method::GET, ["api", "v2", "team"]) => "get_teams",
                (&Method::GET, ["api", "v2", "user"]) => "get_user",
                (&Method::GET, ["api", "v2", "task", _]) => "get_task",
                (&Method::GET, ["api", "v2", "list", _, "task"]) => "list_tasks",
                _ => "unknown",
            };
            let mut fault = self.common.take_fault(route);
            let drop_after = (fault == Some(Fault::DropMidRequest)).then(|| {
                let len: usize = req
                    .headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(2);
                (len / 2).max(1)
            });
            let headers = req.headers().clone();
            let body = server::read_body(req.into_body(), drop_after, &kill, None).await;
            let body_len = body.len();
            // A captions file is told apart from the clip by its name, once the body is read.
            if route == "attachment" && fault.is_none() && body.windows(5).any(|w| w == b".vtt\"") {
                fault = self.common.take_fault("attachment_captions");
                if fault == Some(Fault::DropMidRequest) {
                    self.common
                        .record(method.as_str(), &path, route, 0, body_len);
                    kill.kill();
                    std::future::pending::<()>().await;
                }
            }
            let mut resp = match fault {
                Some(Fault::ServerError) => err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "",
                    "Internal Server Error",
                ),
                Some(Fault::RateLimited) | Some(Fault::Overloaded) => {
                    let reset = self.common.now() + self.state.lock().unwrap().storm_reset_secs;
                    let mut r = err(
                        StatusCode::TOO_MANY_REQUESTS,
                        "APP_002",
                        "Rate limit reached",
                    );
                    let h = r.headers_mut();
                    h.insert(
                        "x-ratelimit-limit",
                        RATE_PER_MINUTE.to_string().parse().expect("header"),
                    );
                    h.insert("x-ratelimit-remaining", "0".parse().expect("header"));
                    h.insert(
                        "x-ratelimit-reset",
                        reset.to_string().parse().expect("header"),
                    );
                    r
                }
                _ => {
                    let r = self.route(route, &seg, &query, &headers, body);
                    match fault {
                        Some(Fault::UnavailableAfterEffect) => {
                            err(StatusCode::SERVICE_UNAVAILABLE, "", "Service Unavailable")
                        }
                        Some(Fault::HangAfterEffect) => {
                            self.common.hung.notify_one();
                            std::future::pending::<()>().await;
                            r
                        }
                        _ => r,
                    }
                }
            };
            if route != "download" && !resp.headers().contains_key("x-ratelimit-limit") {
                let (remaining, reset) = self.rate_window();
                let h = resp.headers_mut();
                h.insert(
                    "x-ratelimit-limit",
                    RATE_PER_MINUTE.to_string().parse().expect("header"),
                );
                h.insert(
                    "x-ratelimit-remaining",
                    remaining.to_string().parse().expect("header"),
                );
                h.insert(
                    "x-ratelimit-reset",
                    reset.to_string().parse().expect("header"),
                );
            }
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
    fn rate_window(&self) -> (u32, i64) {
        let st = self.state.lock().unwrap();
        (
            RATE_PER_MINUTE.saturating_sub(st.window_used),
            st.window_start + 60,
        )
    }

    /// Counts a request in the 100-per-minute window; false when over the limit.
    fn take_token(&self, st: &mut ClickUpState) -> bool {
        let now = self.common.now();
        if now >= st.window_start + 60 {
            st.window_start = now;
            st.window_used = 0;
        }
        st.window_used += 1;
        st.window_used <= RATE_PER_MINUTE
    }

    fn route(
        &self,
        route: &str,
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
        let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
            return err(
                StatusCode::UNAUTHORIZED,
                "OAUTH_017",
                "Authorization header required",
            );
        };
        if !st.auth_values.iter().any(|a| a == auth) {
            return err(StatusCode::UNAUTHORIZED, "OAUTH_025", "Token invalid");
        }
        if !self.take_token(&mut st) {
            let mut r = err(
                StatusCode::TOO_MANY_REQUESTS,
                "APP_002",
                "Rate limit reached",
            );
            r.headers_mut().insert(
                "x-ratelimit-reset",
                (st.window_start + 60).to_string().parse().expect("header"),
            );
            return r;
        }
        if route == "unknown" {
            return err(StatusCode::NOT_FOUND, "", "Route not found");
        }
        let user = st.users.get(auth).map_or(1, |u| u.id);
        let now_ms = self.common.now() * 1000;
        match route {
            "list_tasks" => return crate::clickup_lists::list_tasks(&st, seg[3], query),
            "get_teams" => return teams_json(&st),
            "get_user" => {
                return server::json(
                    StatusCode::OK,
                    &json!({ "user": user_json(&st, user) }),
                    &[],
                );
            }
            "reply" | "get_replies" => {
                return threaded(&mut st, route == "reply", seg[3], &body, now_ms, user);
            }
            _ => {}
        }
        // Resolve the task: own id, or a custom id with custom_task_ids=true&team_id=.
        let raw = seg[3];
        let task_id = if query.get("custom_task_ids").map(String::as_str) == Some("true") {
            let Some(team) = query.get("team_id") else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "ITEM_156",
                    "Team id required with custom task ids",
                );
            };
            if !st.teams.contains(team) {
                return err(StatusCode::UNAUTHORIZED, "OAUTH_027", "Team not authorized");
            }
            match st
                .tasks
                .iter()
                .find(|(_, t)| t.custom_id.as_deref() == Some(raw) && &t.team_id == team)
            {
                Some((id, _)) => id.clone(),
                None => return err(StatusCode::UNAUTHORIZED, "OAUTH_027", "Team not authorized"),
            }
        } else {
            raw.to_string()
        };
        let Some(team) = st.tasks.get(&task_id).map(|t| t.team_id.clone()) else {
            return err(StatusCode::NOT_FOUND, "ITEM_015", "Task not found");
        };
        if !st.teams.contains(&team) {
            return err(StatusCode::UNAUTHORIZED, "OAUTH_027", "Team not authorized");
        }
        match route {
            "attachment" => self.attach(&mut st, &task_id, headers, &body, now_ms, user),
            "comment" => comment(&mut st, &task_id, &body, now_ms, user),
            "get_task" => self.task_json(&st, &task_id),
            "get_comments" => comments_page(&st, &task_id, query),
            _ => err(StatusCode::NOT_FOUND, "", "Route not found"),
        }
    }

    fn attach(
        &self,
        st: &mut ClickUpState,
        task_id: &str,
        headers: &hyper::HeaderMap,
        body: &[u8],
        now_ms: i64,
        user: u64,
    ) -> Resp {
        let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
        let Some(boundary) = multipart::boundary(ct) else {
            return err(
                StatusCode::BAD_REQUEST,
                "UPLOAD_002",
                "Content-Type must be multipart/form-data",
            );
        };
        let parts = match multipart::parse(body, &boundary) {
            Ok(p) => p,
            Err(e) => {
                return err(
                    StatusCode::BAD_REQUEST,
                    "UPLOAD_002",
                    &format!("Malformed multipart body: {e}"),
                );
            }
        };
        let Some(file) = parts.iter().find(|p| {
            matches!(
                p.name.as_str(),
                "attachment" | "attachment[]" | "attachment[0]"
            ) && p.filename.is_some()
        }) else {
            return err(
                StatusCode::BAD_REQUEST,
                "UPLOAD_002",
                "No attachment supplied",
            );
        };
        if file.data.len() > MAX_FILE_BYTES {
            return err(StatusCode::BAD_REQUEST, "UPLOAD_003", "File too large");
        }
        if file.data.len() as u64 > st.storage_left {
            return err(
                StatusCode::BAD_REQUEST,
                "GBUSED_005",
                "Over allocated storage",
            );
        }
        st.storage_left -= file.data.len() as u64;
        let title = parts
            .iter()
            .find(|p| p.name == "filename")
            .map(|p| String::from_utf8_lossy(&p.data).into_owned())
            .or_else(|| file.filename.clone())
            .unwrap_or_else(|| "file".into());
        let ext = title.rsplit_once('.').map_or("bin", |x| x.1).to_string();
        let a = Attachment {
            id: format!("{}.{ext}", server::uuid()),
            title: title.clone(),
            bytes: file.data.clone(),
            date_ms: now_ms,
        };
        let url = self.signed(&a.id, st.url_ttl_secs);
        let v = json!({ "id": a.id, "version": "0", "date": now_ms, "title": title, "extension": ext,
            "thumbnail_small": url, "thumbnail_large": url, "url": url, "name": a.title, "source": 1 });
        let task = st.tasks.get_mut(task_id).expect("resolved");
        task.attachment_users.insert(a.id.clone(), user);
        task.date_updated_ms = now_ms;
        task.attachments.push(a);
        server::json(StatusCode::OK, &v, &[])
    }

    fn signed(&self, id: &str, ttl_secs: i64) -> String {
        let (path, _) = self.common.signed_path(id, ttl_secs);
        format!(
            "{}{path}",
            self.common.base.get().cloned().unwrap_or_default()
        )
    }

    fn task_json(&self, st: &ClickUpState, task_id: &str) -> Resp {
        let t = &st.tasks[task_id];
        let attachments: Vec<Value> = t
            .attachments
            .iter()
            .map(|a| {
                let url = self.signed(&a.id, st.url_ttl_secs);
                let uid = t.attachment_users.get(&a.id).copied().unwrap_or(1);
                let ext = a.id.rsplit_once('.').map_or("", |x| x.1);
                json!({ "id": a.id, "date": a.date_ms.to_string(), "title": a.title, "type": 1, "source": 1,
                    "version": 0, "extension": ext, "mimetype": mimetype(ext),
                    "size": a.bytes.len(), "thumbnail_small": null, "thumbnail_medium": null, "thumbnail_large": null,
                    "is_folder": null, "hidden": false, "deleted": false, "parent_id": task_id,
                    "total_comments": 0, "resolved_comments": 0, "user": user_json(st, uid), "url": url, "url_w_query": format!("{url}&view=open"), "url_w_host": url })
            })
            .collect();
        server::json(
            StatusCode::OK,
            &json!({ "id": task_id, "custom_id": t.custom_id, "name": task_name(t), "team_id": t.team_id,
                "date_updated": t.date_updated_ms.to_string(), "list": { "id": t.list_id },
                "url": format!("https://app.clickup.com/t/{task_id}"), "attachments": attachments }),
            &[],
        )
    }

    fn download(&self, id: &str, query: &HashMap<String, String>) -> Resp {
        if let Err(why) = self.common.check_signature(id, query) {
            return server::bytes(
                StatusCode::FORBIDDEN,
                "application/xml",
                format!("<Error><Code>AccessDenied</Code><Message>{why}</Message></Error>")
                    .into_bytes(),
            );
        }
        let mut st = self.state.lock().unwrap();
        let found = st
            .tasks
            .values()
            .flat_map(|t| &t.attachments)
            .find(|a| a.id == id)
            .map(|a| a.bytes.clone());
        match found {
            Some(bytes) => {
                st.downloads.push((id.to_string(), bytes.len()));
                server::bytes(StatusCode::OK, "video/mp4", bytes)
            }
            None => server::bytes(
                StatusCode::NOT_FOUND,
                "application/xml",
                b"<Error><Code>NoSuchKey</Code></Error>".to_vec(),
            ),
        }
    }
}

/// A task's name as the API shows it.
/// The type a stored file is served as, by its extension.
fn mimetype(ext: &str) -> &'static str {
    match ext {
        "mp4" => "video/mp4",
        "vtt" => "text/vtt",
        _ => "application/octet-stream",
    }
}

pub(crate) fn task_name(t: &Task) -> &str {
    if t.name.is_empty() { "Task" } else { &t.name }
}

/// The `user` object of an attachment or comment.
pub(crate) fn user_json(st: &ClickUpState, id: u64) -> Value {
    let name = st
        .users
        .values()
        .find(|u| u.id == id)
        .map_or("Fake User", |u| u.username.as_str());
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect();
    json!({ "id": id, "username": name, "email": format!("user{id}@example.test"),
        "initials": initials, "color": "#000", "profilePicture": null })
}

/// A comment body (task comment or threaded reply, the same schema in the OpenAPI document)
/// as its ops and plain text; `Err` is the 400 to answer.
/// `GET /team`: the workspaces the token is authorised for, with their members.
fn teams_json(st: &ClickUpState) -> Resp {
    let mut members: Vec<Value> = vec![json!({ "user": user_json(st, 1) })];
    let mut ids: Vec<u64> = st.users.values().map(|u| u.id).collect();
    ids.sort_unstable();
    members.extend(
        ids.into_iter()
            .map(|id| json!({ "user": user_json(st, id) })),
    );
    let teams: Vec<Value> = st
        .teams
        .iter()
        .map(|id| {
            let name = st
                .team_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("Workspace {id}"));
            json!({ "id": id, "name": name, "color": "#7b68ee", "avatar": null, "members": members })
        })
        .collect();
    server::json(StatusCode::OK, &json!({ "teams": teams }), &[])
}
