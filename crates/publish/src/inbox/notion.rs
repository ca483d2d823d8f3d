//! Reading Notion for the inbox (CONTRACTS.md §1.3, §1.6): a page's title and
//! `last_edited_time` (`GET /pages/{id}`), a database's rows (`GET /databases/{id}`, then
//! `POST /data_sources/{id}/query`, or `/databases/{id}/query` before 2025-09-03), and a
//! changed page's blocks to the last `next_cursor`. A `video` block (`file` with a signed URL,
//! or `external`) becomes an entry with the heading above it, and — when Clipnote posted it —
//! the summary blocks and footer line below it.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{Value, json};

use super::{Entry, Handle, Refresh, Unit, entry_id, parse_date, parse_footer};
use crate::destination::ReplyTo;
use crate::error::{Error, Result, Service};
use crate::notion::{Notion, block_text, is_heading, page_title};
use crate::retry;
use crate::settings::Settings;

/// A page as a task: its id, title, link and change marker.
struct PageMeta {
    id: String,
    title: String,
    url: String,
    last_edited: String,
}

fn client(settings: &Settings, id: &str) -> Result<Notion> {
    Ok(Notion::new(settings.notion_config()?, id.to_string()))
}

async fn call(
    settings: &Settings,
    n: &Notion,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<Value> {
    // Reads change nothing: safe to repeat, and 429s are waited out by the retry loop.
    retry::repeatable(&settings.retry, "notion.read", || {
        n.call(method.clone(), path, body)
    })
    .await
}

fn page_meta(v: &Value) -> PageMeta {
    let title = page_title(v);
    let id = v["id"].as_str().unwrap_or_default().to_string();
    PageMeta {
        url: v["url"].as_str().map_or_else(
            || format!("https://www.notion.so/{}", id.replace('-', "")),
            str::to_string,
        ),
        title: if title.is_empty() {
            "Untitled".into()
        } else {
            title
        },
        last_edited: v["last_edited_time"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        id,
    }
}

fn unit_key(page_id: &str) -> String {
    format!("notion:{}", page_id.replace('-', "").to_ascii_lowercase())
}

/// One followed page.
pub(super) async fn read_page(
    settings: &Settings,
    page_id: &str,
    r: &mut Refresh<'_>,
) -> Result<()> {
    let key = unit_key(page_id);
    let result = async {
        let n = client(settings, page_id)?;
        let v = call(
            settings,
            &n,
            Method::GET,
            &format!("/pages/{page_id}"),
            None,
        )
        .await?;
        read_blocks(settings, &n, page_meta(&v), r).await
    }
    .await;
    if result.is_err() {
        r.keep_old(&key);
    }
    result
}

/// Every row page of a followed database.
pub(super) async fn read_database(
    settings: &Settings,
    database_id: &str,
    r: &mut Refresh<'_>,
) -> Result<()> {
    let n = client(settings, database_id)?;
    let db = call(
        settings,
        &n,
        Method::GET,
        &format!("/databases/{database_id}"),
        None,
    )
    .await?;
    let path = match db["data_sources"][0]["id"].as_str() {
        Some(ds) => format!("/data_sources/{ds}/query"),
        None => format!("/databases/{database_id}/query"),
    };
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({ "page_size": 100 });
        if let Some(c) = &cursor {
            body["start_cursor"] = json!(c);
        }
        let v = call(settings, &n, Method::POST, &path, Some(&body)).await?;
        pages.extend(
            v["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["object"] == "page")
                .map(page_meta),
        );
        match (v["has_more"].as_bool(), v["next_cursor"].as_str()) {
            (Some(true), Some(next)) => cursor = Some(next.to_string()),
            _ => break,
        }
    }
    for meta in pages {
        let key = unit_key(&meta.id);
        let title = meta.title.clone();
        let page = client(settings, &meta.id)?;
        if let Err(e) = read_blocks(settings, &page, meta, r).await {
            r.keep_old(&key);
            r.report.failures.push((format!("Notion page {title}"), e));
        }
    }
    Ok(())
}

/// Reads a page's blocks when it changed since the last refresh.
async fn read_blocks(
    settings: &Settings,
    n: &Notion,
    meta: PageMeta,
    r: &mut Refresh<'_>,
) -> Result<()> {
    let key = unit_key(&meta.id);
    if !meta.last_edited.is_empty() && r.unchanged(&key, &meta.last_edited) {
        return Ok(());
    }
    let blocks = retry::repeatable(&settings.retry, "notion.children", || n.children()).await?;
    let mut entries = Vec::new();
    for found in parse_blocks(&blocks, &meta) {
        let mut entry = found.entry;
        if entry.author.is_empty()
            && let Some(user) = found.creator
        {
            entry.author = user_name(settings, n, &user, &mut r.names).await;
        }
        if let Some(url) = found.hint {
            r.hints.push((entry.id.clone(), url));
        }
        entries.push(entry);
    }
    r.store(
        key,
        Unit {
            marker: Some(meta.last_edited),
            entries,
            group: String::new(),
        },
    );
    Ok(())
}

/// A user's name (`GET /users/{id}`), remembered for the refresh. Without the "read user
/// information" capability Notion refuses it: the author is then left blank, not fatal.
async fn user_name(
    settings: &Settings,
    n: &Notion,
    id: &str,
    names: &mut HashMap<String, String>,
) -> String {
    if let Some(name) = names.get(id) {
        return name.clone();
    }
    let name = match call(settings, n, Method::GET, &format!("/users/{id}"), None).await {
        Ok(v) => v["name"].as_str().unwrap_or_default().to_string(),
        Err(e) => {
            tracing::debug!(user = id, error = %e, "no name for a Notion user");
            String::new()
        }
    };
    names.insert(id.to_string(), name.clone());
    name
}

/// A fresh signed URL for a video block (`GET /blocks/{id}`).
pub(super) async fn block_url(settings: &Settings, block_id: &str) -> Result<String> {
    let n = client(settings, block_id)?;
    let v = call(
        settings,
        &n,
        Method::GET,
        &format!("/blocks/{block_id}"),
        None,
    )
    .await?;
    v["video"]["file"]["url"]
        .as_str()
        .or_else(|| v["video"]["external"]["url"].as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "Notion block {block_id} is no longer a video: run `clipnote inbox` to refresh"
            ))
        })
}

struct Found {
    entry: Entry,
    /// The block's creator, when no footer named the author.
    creator: Option<String>,
    /// The signed URL just read (memory only).
    hint: Option<String>,
}

/// A summary block as a line of light markdown.
fn summary_line(b: &Value) -> String {
    let text = block_text(b);
    match b["type"].as_str().unwrap_or_default() {
        "bulleted_list_item" => format!("- {text}"),
        "numbered_list_item" => format!("1. {text}"),
        "to_do" if b["to_do"]["checked"] == true => format!("[x] {text}"),
        "to_do" => format!("[ ] {text}"),
        _ => text,
    }
}

/// The file name at the end of a URL's path.
fn url_file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty() && name.contains('.')).then(|| name.to_string())
}

fn parse_blocks(blocks: &[Value], page: &PageMeta) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if b["type"] != "video" {
            continue;
        }
        let block_id = b["id"].as_str().unwrap_or_default().to_string();
        let video = &b["video"];
        let (handle, url, hint) = match video["type"].as_str() {
            Some("file") => {
                let url = video["file"]["url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                (
                    Handle::NotionBlock {
                        block_id: block_id.clone(),
                    },
                    url.clone(),
                    Some(url),
                )
            }
            Some("external") => {
                let url = video["external"]["url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                (Handle::Link { url: url.clone() }, url, None)
            }
            _ => continue,
        };
        let caption = block_text(b);
        let by_clipnote = caption.contains("clipnote ");
        // A reply has its "↩ Reply to …" line between the heading and the video.
        let above = |n: usize| i.checked_sub(n).map(|j| &blocks[j]);
        let heading = above(1)
            .filter(|p| p["type"] == "paragraph" && ReplyTo::is_line(&block_text(p)))
            .and_then(|_| above(2))
            .or_else(|| above(1))
            .filter(|p| is_heading(p))
            .map(block_text)
            .filter(|t| !t.is_empty());
        let mut lines = Vec::new();
        let mut footer = None;
        if by_clipnote {
            for next in &blocks[i + 1..] {
                if is_heading(next) || next["type"] == "video" {
                    break;
                }
                if let Some(f) = parse_footer(&block_text(next)) {
                    footer = Some(f);
                    break;
                }
                lines.push(summary_line(next));
            }
        }
        let file_name = url_file_name(&url);
        let caption_is_title = heading.is_none() && !by_clipnote && !caption.is_empty();
        let title = heading
            .or_else(|| caption_is_title.then(|| caption.clone()))
            .or_else(|| file_name.clone())
            .unwrap_or_else(|| "Video".into());
        let summary = if by_clipnote {
            lines.join("\n").trim().to_string()
        } else if caption_is_title {
            String::new()
        } else {
            caption
        };
        let footer = footer.unwrap_or_default();
        let created = b["created_time"].as_str().unwrap_or_default();
        let key = match &handle {
            Handle::Link { url } => format!("{block_id} {url}"),
            _ => block_id.clone(),
        };
        out.push(Found {
            creator: footer
                .author
                .is_none()
                .then(|| b["created_by"]["id"].as_str().map(str::to_string))
                .flatten(),
            hint,
            entry: Entry {
                id: entry_id(Service::Notion, &key),
                title,
                author: footer.author.unwrap_or_default(),
                task_id: page.id.clone(),
                task_name: page.title.clone(),
                task_url: page.url.clone(),
                date: created.to_string(),
                date_unix: parse_date(created).unwrap_or(0),
                duration_secs: footer.duration_secs,
                summary,
                source: Service::Notion,
                by_clipnote,
                file_name,
                handle,
                watched: false,
                position_secs: 0.0,
            },
        });
    }
    out
}
