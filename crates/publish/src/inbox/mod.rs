//! The inbox: clips teammates posted on the pages, tasks, lists, databases and folders you
//! follow, read back into plain [`Entry`]s, downloaded on demand into a size-capped cache.
//!
//! ```text
//! follow list ─▶ units (a Notion page, a ClickUp task, a folder) ─▶ entries ─▶ index.json
//!                 └ read again only when last_edited_time / date_updated moved
//! watch ID ─▶ handle (block id, attachment id, path) ─▶ fresh signed URL ─▶ cache/<id>.mp4
//! ```
//!
//! **Invariants:** a signed URL is never written to disk: entries hold a [`Handle`] (a block or
//! attachment id) and the URL is read again before a download (a URL seen during the same
//! session is tried first, and an expired one is replaced by reading the block or task again).
//! Downloads carry no `Authorization` header. Watched state, resume position and a duration
//! learned from the file live in `local.json`, apart from what the services say.

mod cache;
mod clickup;
pub mod follow;
mod notion;
mod posters;
mod s3;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub use cache::Cache;
pub use follow::{Follow, FollowList};
pub use posters::PosterFetch;

use crate::destination::ReplyTo;
use crate::error::{Error, Result, Service};
use crate::settings::Settings;
use crate::taskref::TaskRef;

/// One clip in the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable across refreshes (derived from the block, attachment or file).
    pub id: String,
    pub title: String,
    /// Who posted it ("" when unknown).
    pub author: String,
    /// The page or task it is on: its id (a folder's path for local clips), name and link.
    pub task_id: String,
    pub task_name: String,
    pub task_url: String,
    /// When it was posted, RFC 3339 (UTC), and the same in Unix seconds.
    pub date: String,
    pub date_unix: i64,
    /// From Clipnote's footer line, or learned from the downloaded file.
    pub duration_secs: Option<f64>,
    /// The written summary (Clipnote's), or a caption / comment by whoever attached it.
    pub summary: String,
    pub source: Service,
    /// Posted by Clipnote (its heading, summary and footer were found around it).
    pub by_clipnote: bool,
    pub file_name: Option<String>,
    /// How to get the bytes: never a signed URL.
    pub handle: Handle,
    #[serde(default)]
    pub watched: bool,
    /// Where to resume, seconds.
    #[serde(default)]
    pub position_secs: f64,
}

impl Entry {
    /// Whether the clip is on the task `to` names (for `clipnote inbox --task REF`).
    pub fn is_on(&self, to: &TaskRef) -> bool {
        let flat = |id: &str| id.replace('-', "").to_ascii_lowercase();
        match to {
            TaskRef::Notion { page_id } => {
                self.source == Service::Notion && flat(&self.task_id) == flat(page_id)
            }
            TaskRef::ClickUp { task_id } => {
                self.source == Service::ClickUp && self.task_id == *task_id
            }
            TaskRef::ClickUpCustom { custom_id, .. } => {
                self.source == Service::ClickUp && self.task_id.eq_ignore_ascii_case(custom_id)
            }
            TaskRef::Library => self.source == Service::Library,
            TaskRef::Folder { path } => {
                self.source == Service::Folder && Path::new(&self.task_id) == path.as_path()
            }
            TaskRef::S3 { .. } => self.source == Service::S3 && self.task_id == to.to_string(),
        }
    }
}

impl Entry {
    /// Where a reply to this clip is posted, and what it answers ("Reply with a clip").
    pub fn reply_target(&self) -> (TaskRef, ReplyTo) {
        let (to, clip_id) = match &self.handle {
            Handle::NotionBlock { block_id } => (
                TaskRef::Notion {
                    page_id: self.task_id.clone(),
                },
                block_id.clone(),
            ),
            Handle::Link { .. } => (
                TaskRef::Notion {
                    page_id: self.task_id.clone(),
                },
                self.id.clone(),
            ),
            Handle::ClickUpAttachment {
                task_id,
                team_id,
                attachment_id,
            } => (
                match team_id {
                    Some(team) => TaskRef::ClickUpCustom {
                        custom_id: task_id.clone(),
                        team_id: Some(team.clone()),
                    },
                    None => TaskRef::ClickUp {
                        task_id: task_id.clone(),
                    },
                },
                attachment_id.clone(),
            ),
            Handle::S3Object { key, .. } => (
                TaskRef::parse(&self.task_id).unwrap_or(TaskRef::Library),
                key.clone(),
            ),
            Handle::File { path } => (
                match self.source {
                    Service::Folder => TaskRef::Folder {
                        path: PathBuf::from(&self.task_id),
                    },
                    _ => TaskRef::Library,
                },
                path.display().to_string(),
            ),
        };
        let reply = ReplyTo {
            clip_id,
            file_name: self.file_name.clone(),
            title: self.title.clone(),
            author: self.author.clone(),
        };
        (to, reply)
    }
}

/// Where a clip's bytes are, without any expiring link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Handle {
    /// A Notion video block: read it again for a fresh signed URL.
    NotionBlock { block_id: String },
    /// A video linked by a public URL (a Notion `external` video).
    Link { url: String },
    /// A ClickUp attachment: read the task again for a fresh signed URL.
    ClickUpAttachment {
        task_id: String,
        /// Set when `task_id` is a custom id.
        team_id: Option<String>,
        attachment_id: String,
    },
    /// A clip in the library or a shared folder.
    File { path: PathBuf },
    /// A clip in team storage: a fresh presigned link is signed for each download.
    S3Object { bucket: String, key: String },
}

/// Where the inbox keeps its state and cache, and how much it may read and keep.
#[derive(Debug, Clone)]
pub struct InboxConfig {
    /// `index.json` (entries by source) and `local.json` (watched, position, duration).
    pub state_dir: PathBuf,
    /// Downloaded clips and their poster frames.
    pub cache_dir: PathBuf,
    /// The cache's size cap; the least recently used clips are evicted past it.
    pub cache_max_bytes: u64,
    /// ClickUp tasks read per refresh (two requests each, against 100 requests a minute);
    /// the rest are read by the next refresh, most recently changed first.
    pub clickup_task_reads_per_refresh: usize,
}

impl InboxConfig {
    pub fn new(state_dir: PathBuf, cache_dir: PathBuf) -> Self {
        InboxConfig {
            state_dir,
            cache_dir,
            cache_max_bytes: 2 * 1024 * 1024 * 1024,
            clickup_task_reads_per_refresh: 40,
        }
    }
}

/// What one refresh did.
#[derive(Debug, Default)]
pub struct Report {
    /// Pages, tasks and folders read again because they changed (or were new).
    pub units_read: usize,
    /// Pages and tasks skipped because nothing changed since the last refresh.
    pub units_unchanged: usize,
    /// ClickUp tasks left for the next refresh (the per-refresh budget was spent).
    pub pending: usize,
    /// Sources that could not be read; their earlier entries are kept.
    pub failures: Vec<(String, Error)>,
}

/// Entries read from one page, task or folder, with the marker that says when it changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Unit {
    pub marker: Option<String>,
    pub entries: Vec<Entry>,
    /// The follow it was read for (a database's pages, a list's tasks share one).
    #[serde(default)]
    pub group: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    units: BTreeMap<String, Unit>,
}

/// What the user did with an entry, kept apart from what the services say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalState {
    pub watched: bool,
    pub position_secs: f64,
    pub duration_secs: Option<f64>,
}

/// Being filled during one refresh.
pub(crate) struct Refresh<'a> {
    old: &'a Index,
    new: Index,
    pub report: Report,
    /// Signed URLs seen while reading, kept in memory only.
    pub hints: Vec<(String, String)>,
    /// Notion user names looked up during this refresh.
    pub names: HashMap<String, String>,
    /// The follow being read.
    group: String,
}

impl Refresh<'_> {
    /// The stored unit when its marker is still `marker` (nothing changed).
    pub fn unchanged(&mut self, key: &str, marker: &str) -> bool {
        match self.old.units.get(key) {
            Some(u) if u.marker.as_deref() == Some(marker) => {
                let mut u = u.clone();
                u.group = self.group.clone();
                self.new.units.insert(key.to_string(), u);
                self.report.units_unchanged += 1;
                true
            }
            _ => false,
        }
    }

    /// Keeps the earlier entries of a unit that could not be read now.
    pub fn keep_old(&mut self, key: &str) {
        if let Some(u) = self.old.units.get(key) {
            let mut u = u.clone();
            // Read it again next time.
            u.marker = None;
            u.group = self.group.clone();
            self.new.units.insert(key.to_string(), u);
        }
    }

    /// Keeps every earlier unit of the follow being read that this refresh did not reach.
    fn keep_group(&mut self) {
        let old: Vec<String> = self
            .old
            .units
            .iter()
            .filter(|(k, u)| u.group == self.group && !self.new.units.contains_key(*k))
            .map(|(k, _)| k.clone())
            .collect();
        for k in old {
            self.keep_old(&k);
        }
    }

    pub fn store(&mut self, key: String, mut unit: Unit) {
        self.report.units_read += 1;
        unit.group = self.group.clone();
        self.new.units.insert(key, unit);
    }
}

/// The inbox on disk.
pub struct Inbox {
    cfg: InboxConfig,
    hints: Mutex<HashMap<String, String>>,
}

impl Inbox {
    pub fn open(cfg: InboxConfig) -> Result<Inbox> {
        for dir in [&cfg.state_dir, &cfg.cache_dir] {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io("create the inbox folder", dir.clone(), e))?;
        }
        Ok(Inbox {
            cfg,
            hints: Mutex::new(HashMap::new()),
        })
    }

    pub fn config(&self) -> &InboxConfig {
        &self.cfg
    }

    pub fn cache(&self) -> Cache {
        Cache::new(self.cfg.cache_dir.clone(), self.cfg.cache_max_bytes)
    }

    fn index_path(&self) -> PathBuf {
        self.cfg.state_dir.join("index.json")
    }

    fn local_path(&self) -> PathBuf {
        self.cfg.state_dir.join("local.json")
    }

    fn load_index(&self) -> Result<Index> {
        read_json(&self.index_path())
    }

    fn load_local(&self) -> Result<BTreeMap<String, LocalState>> {
        read_json(&self.local_path())
    }

    /// Every entry, unwatched first, then newest first.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let index = self.load_index()?;
        let local = self.load_local()?;
        let mut out: Vec<Entry> = Vec::new();
        for unit in index.units.into_values() {
            for mut e in unit.entries {
                if out.iter().any(|o| o.id == e.id) {
                    continue;
                }
                if let Some(l) = local.get(&e.id) {
                    e.watched = l.watched;
                    e.position_secs = l.position_secs;
                    e.duration_secs = e.duration_secs.or(l.duration_secs);
                }
                out.push(e);
            }
        }
        out.sort_by(|a, b| {
            a.watched
                .cmp(&b.watched)
                .then(b.date_unix.cmp(&a.date_unix))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// One entry by id (as `clipnote inbox` prints it).
    pub fn entry(&self, id: &str) -> Result<Entry> {
        self.entries()?
            .into_iter()
            .find(|e| e.id == id.trim())
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no clip {id:?} in the inbox: run `clipnote inbox` to refresh it and see the ids"
                ))
            })
    }

    /// Reads every followed source again, skipping what did not change.
    pub async fn refresh(&self, settings: &Settings, follows: &[Follow]) -> Result<Report> {
        let old = self.load_index()?;
        let mut r = Refresh {
            old: &old,
            new: Index::default(),
            report: Report::default(),
            hints: Vec::new(),
            names: HashMap::new(),
            group: String::new(),
        };
        for follow in follows {
            r.group = follow.to_string();
            let result = match follow {
                Follow::Task {
                    to: TaskRef::Notion { page_id },
                } => notion::read_page(settings, page_id, &mut r).await,
                Follow::NotionDatabase { database_id } => {
                    notion::read_database(settings, database_id, &mut r).await
                }
                Follow::Task {
                    to: TaskRef::ClickUp { task_id },
                } => clickup::read_task(settings, task_id, None, &mut r).await,
                Follow::Task {
                    to: TaskRef::ClickUpCustom { custom_id, team_id },
                } => match team_id.clone().or_else(|| settings.clickup_team_id.clone()) {
                    Some(team) => clickup::read_task(settings, custom_id, Some(team), &mut r).await,
                    None => Err(Error::BadReference(format!(
                        "{custom_id} is a ClickUp custom task id, which needs its workspace: follow the task URL (https://app.clickup.com/t/<team>/{custom_id}) or set `team_id` under [clickup] in the config file"
                    ))),
                },
                Follow::ClickUpList { list_id } => {
                    clickup::read_list(
                        settings,
                        list_id,
                        self.cfg.clickup_task_reads_per_refresh,
                        &mut r,
                    )
                    .await
                }
                Follow::Task {
                    to: TaskRef::Library,
                } => read_folder(&settings.library_dir, Service::Library, &mut r),
                Follow::Task {
                    to: TaskRef::Folder { path },
                } => read_folder(path, Service::Folder, &mut r),
                Follow::Task {
                    to: TaskRef::S3 { bucket, prefix },
                } => s3::read_prefix(settings, bucket, prefix, &mut r).await,
            };
            if let Err(e) = result {
                r.keep_group();
                tracing::debug!(source = %follow, error = %e, "inbox source not read");
                r.report.failures.push((follow.to_string(), e));
            }
        }
        self.hints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(r.hints.drain(..));
        let bytes = serde_json::to_vec_pretty(&r.new).unwrap_or_default();
        crate::local::write_atomic(&self.index_path(), &bytes)
            .map_err(|e| Error::io("write", self.index_path(), e))?;
        Ok(r.report)
    }

    /// Drops what was read for `follow` (after unfollowing it), so the inbox stops listing it
    /// before the next refresh. Returns how many entries went.
    pub fn forget(&self, follow: &Follow) -> Result<usize> {
        let mut index = self.load_index()?;
        let group = follow.to_string();
        let mut gone = 0;
        index.units.retain(|_, u| {
            let keep = u.group != group;
            if !keep {
                gone += u.entries.len();
            }
            keep
        });
        let bytes = serde_json::to_vec_pretty(&index).unwrap_or_default();
        crate::local::write_atomic(&self.index_path(), &bytes)
            .map_err(|e| Error::io("write", self.index_path(), e))?;
        Ok(gone)
    }

    /// Changes what the user did with an entry (watched, resume position, duration).
    pub fn update_local(&self, id: &str, f: impl FnOnce(&mut LocalState)) -> Result<LocalState> {
        let mut local = self.load_local()?;
        let state = local.entry(id.to_string()).or_default();
        f(state);
        let out = state.clone();
        let bytes = serde_json::to_vec_pretty(&local).unwrap_or_default();
        crate::local::write_atomic(&self.local_path(), &bytes)
            .map_err(|e| Error::io("write", self.local_path(), e))?;
        Ok(out)
    }

    pub fn set_position(&self, id: &str, secs: f64) -> Result<LocalState> {
        self.update_local(id, |s| s.position_secs = secs.max(0.0))
    }

    pub fn set_watched(&self, id: &str, watched: bool) -> Result<LocalState> {
        self.update_local(id, |s| s.watched = watched)
    }

    pub fn set_duration(&self, id: &str, secs: f64) -> Result<LocalState> {
        self.update_local(id, |s| s.duration_secs = Some(secs))
    }

    /// Where an entry's poster frame goes (the app makes it on first download).
    pub fn poster_path(&self, id: &str) -> PathBuf {
        self.cfg.cache_dir.join(format!("{id}.poster.png"))
    }

    /// Where a downloaded clip of `entry` is kept in the cache (`<id>.<its extension>`).
    fn cached_path(&self, entry: &Entry) -> PathBuf {
        let ext = entry
            .file_name
            .as_deref()
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .filter(|e| e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_else(|| "mp4".into());
        self.cache().clip_path(&entry.id, &ext)
    }

    /// The clip's file on this machine without downloading anything: a library or folder
    /// clip where it is, a teammate's clip once it is in the cache; `None` otherwise.
    pub fn local_clip(&self, entry: &Entry) -> Option<PathBuf> {
        let path = match &entry.handle {
            Handle::File { path } => path.clone(),
            _ => self.cached_path(entry),
        };
        path.is_file().then_some(path)
    }

    /// Brings the clip's bytes into the cache (a local clip is used where it is) and returns
    /// the file. An expired signed link is replaced by reading the block or task again.
    pub async fn download(&self, settings: &Settings, id: &str) -> Result<PathBuf> {
        let entry = self.entry(id)?;
        if let Handle::File { path } = &entry.handle {
            return if path.is_file() {
                Ok(path.clone())
            } else {
                Err(Error::NotFound(format!(
                    "the clip {} is gone from its folder: run `clipnote inbox` to refresh",
                    path.display()
                )))
            };
        }
        let cache = self.cache();
        let dest = self.cached_path(&entry);
        if dest.is_file() {
            cache.touch(&dest);
            return Ok(dest);
        }
        let tmp = dest.with_extension("partial");
        let hint = self
            .hints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&entry.id);
        let http = crate::http::client();
        let mut url = match hint {
            Some(u) => u,
            None => fresh_url(settings, &entry).await?,
        };
        let mut refreshed = false;
        loop {
            match crate::http::download_to(entry.source, &http, &url, &tmp).await {
                Ok(_) => break,
                Err(crate::http::DownloadFailure::LinkRefused(status)) if !refreshed => {
                    tracing::info!(id = %entry.id, status, "the file link was refused; reading a fresh one");
                    refreshed = true;
                    url = fresh_url(settings, &entry).await?;
                }
                Err(failure) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(match failure {
                        crate::http::DownloadFailure::LinkRefused(status) => Error::Rejected {
                            service: entry.source,
                            detail: format!(
                                "the file host refused a fresh link too (HTTP {status}): the clip may have been deleted; run `clipnote inbox` to refresh"
                            ),
                        },
                        crate::http::DownloadFailure::Other(e) => e,
                    });
                }
            }
        }
        std::fs::rename(&tmp, &dest).map_err(|e| Error::io("write", &dest, e))?;
        cache.touch(&dest);
        cache.evict(&dest)?;
        Ok(dest)
    }
}

/// A fresh download URL for an entry, read from the service now.
async fn fresh_url(settings: &Settings, entry: &Entry) -> Result<String> {
    match &entry.handle {
        Handle::NotionBlock { block_id } => notion::block_url(settings, block_id).await,
        Handle::ClickUpAttachment {
            task_id,
            team_id,
            attachment_id,
        } => clickup::attachment_url(settings, task_id, team_id.clone(), attachment_id).await,
        Handle::Link { url } => Ok(url.clone()),
        Handle::File { path } => Ok(path.display().to_string()),
        Handle::S3Object { bucket, key } => s3::fresh_url(settings, bucket, key).await,
    }
}

/// The library or a shared folder: every clip with a sidecar (always read: it is local).
fn read_folder(root: &Path, service: Service, r: &mut Refresh<'_>) -> Result<()> {
    let folder = match service {
        Service::Folder => crate::local::Folder::shared(root.to_path_buf()),
        _ => crate::local::Folder::library(root.to_path_buf()),
    };
    let mut entries = Vec::new();
    for (clip, side) in folder.sidecars()? {
        let date_unix = parse_date(&side.date).unwrap_or(0);
        entries.push(Entry {
            id: entry_id(service, &clip.display().to_string()),
            title: side.title,
            author: side.author,
            task_id: root.display().to_string(),
            task_name: match service {
                Service::Folder => format!("Shared folder {}", root.display()),
                _ => "Library".into(),
            },
            task_url: root.display().to_string(),
            date: side.date,
            date_unix,
            duration_secs: side.duration_secs,
            summary: side.summary,
            source: service,
            by_clipnote: true,
            file_name: Some(side.clip),
            handle: Handle::File { path: clip },
            watched: false,
            position_secs: 0.0,
        });
    }
    r.store(
        format!("{service:?}:{}", root.display()).to_ascii_lowercase(),
        Unit {
            marker: None,
            entries,
            group: String::new(),
        },
    );
    Ok(())
}

/// A short id that stays the same across refreshes: a letter for the service and 10 hex
/// digits of a hash of where the clip is.
pub(crate) fn entry_id(service: Service, key: &str) -> String {
    let letter = match service {
        Service::Notion => 'n',
        Service::ClickUp => 'c',
        Service::Library => 'l',
        Service::Folder => 'f',
        Service::S3 => 's',
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{letter}{:010x}", h >> 24)
}

/// What Clipnote's footer line says: "1:02 · 2026-11-25 · Ada · clipnote <job>".
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Footer {
    pub duration_secs: Option<f64>,
    pub date: Option<String>,
    pub author: Option<String>,
}

pub(crate) fn parse_footer(line: &str) -> Option<Footer> {
    let parts: Vec<&str> = line.trim().split(" · ").map(str::trim).collect();
    let (last, rest) = parts.split_last()?;
    if !last.starts_with("clipnote ") {
        return None;
    }
    let mut f = Footer::default();
    for p in rest {
        if let Some((m, s)) = p.split_once(':')
            && let (Ok(m), Ok(s)) = (m.parse::<u64>(), s.parse::<u64>())
            && s < 60
        {
            f.duration_secs = Some((m * 60 + s) as f64);
        } else if parse_date(p).is_some() && p.len() == 10 {
            f.date = Some(p.to_string());
        } else if !p.is_empty() {
            f.author = Some(p.to_string());
        }
    }
    Some(f)
}

/// Unix seconds of an RFC 3339 time or a `YYYY-MM-DD` date (midnight UTC).
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let mut it = s.splitn(3, '-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    let date = time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

/// RFC 3339 (UTC) for Unix seconds.
pub(crate) fn format_date(unix: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn read_json<T: Default + serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::io(
                "read (it is malformed; delete it and run `clipnote inbox` to rebuild it)",
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(Error::io("read", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers_are_read_and_other_lines_are_not() {
        assert_eq!(
            parse_footer("1:02 · 2026-11-25 · Ada Lovelace · clipnote j-42"),
            Some(Footer {
                duration_secs: Some(62.0),
                date: Some("2026-11-25".into()),
                author: Some("Ada Lovelace".into()),
            })
        );
        assert_eq!(
            parse_footer("2026-11-25 · clipnote j-1"),
            Some(Footer {
                date: Some("2026-11-25".into()),
                ..Footer::default()
            })
        );
        assert_eq!(parse_footer("we talked about clipnote · later"), None);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = entry_id(Service::Notion, "block-1");
        assert_eq!(a, entry_id(Service::Notion, "block-1"));
        assert_ne!(a, entry_id(Service::Notion, "block-2"));
        assert!(a.starts_with('n') && a.len() == 11, "{a}");
        assert_eq!(parse_date("2026-11-25"), Some(1_795_564_800));
        assert_eq!(format_date(1_795_564_800), "2026-11-25T00:00:00Z");
    }
}
