//! Reading ClickUp for the inbox (CONTRACTS.md §2.2, §2.5): a list's tasks 100 a page
//! (`page` from 0 until `last_page`, most recently updated first), and for a task whose
//! `date_updated` moved, `GET /task/{id}` (its attachments) and, when it has videos, every
//! comment page (25 each, `start` + `start_id`). A video attachment becomes an entry with the
//! comment that links to it (Clipnote's: bold title, summary, link, footer line). When a video
//! has no such comment, the threads of comments with replies are read too
//! (`GET /comment/{id}/reply`): a reply with a clip is summarised in a threaded reply.

use serde_json::Value;

use super::{Entry, Handle, Refresh, Unit, entry_id, format_date, parse_footer};
use crate::clickup::{ClickUp, comment_text, json_str, links_to};
use crate::destination::ReplyTo;
use crate::error::{Error, Result, Service};
use crate::retry;
use crate::settings::Settings;

const VIDEO_EXTENSIONS: [&str; 7] = ["mp4", "m4v", "mov", "webm", "mkv", "avi", "qt"];

fn client(settings: &Settings, task_id: &str, team: Option<String>) -> Result<ClickUp> {
    Ok(ClickUp::new(
        settings.clickup_config()?,
        task_id.to_string(),
        team,
    ))
}

async fn task(settings: &Settings, c: &ClickUp) -> Result<Value> {
    retry::repeatable(&settings.retry, "clickup.task", || c.task()).await
}

/// One followed task.
pub(super) async fn read_task(
    settings: &Settings,
    task_id: &str,
    team: Option<String>,
    r: &mut Refresh<'_>,
) -> Result<()> {
    let key = format!("clickup:{task_id}");
    let result = async {
        let c = client(settings, task_id, team.clone())?;
        let t = task(settings, &c).await?;
        let marker = json_str(&t["date_updated"]);
        if !marker.is_empty() && r.unchanged(&key, &marker) {
            return Ok(());
        }
        let videos: Vec<&Value> = t["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| is_video(a))
            .collect();
        let mut comments = if videos.is_empty() {
            Vec::new()
        } else {
            retry::repeatable(&settings.retry, "clickup.comments", || {
                c.comments(usize::MAX)
            })
            .await?
        };
        let unlinked = videos.iter().any(|a| {
            let name = a["title"].as_str().unwrap_or_default();
            !comments
                .iter()
                .any(|c| links_to(c, &json_str(&a["id"]), name))
        });
        if unlinked {
            let threads = thread_replies(settings, &c, &comments).await?;
            comments.extend(threads);
        }
        let task_name = t["name"].as_str().unwrap_or("Task").to_string();
        let task_url = t["url"].as_str().map_or_else(
            || format!("https://app.clickup.com/t/{task_id}"),
            str::to_string,
        );
        let mut entries = Vec::new();
        for a in videos {
            let entry = entry_for(a, &comments, task_id, team.clone(), &task_name, &task_url);
            if let Some(url) = a["url"].as_str() {
                r.hints.push((entry.id.clone(), url.to_string()));
            }
            entries.push(entry);
        }
        r.store(
            key.clone(),
            Unit {
                marker: (!marker.is_empty()).then_some(marker),
                entries,
                group: String::new(),
            },
        );
        Ok(())
    }
    .await;
    if result.is_err() {
        r.keep_old(&key);
    }
    result
}

/// Every task of a followed list; at most `budget` changed tasks are read now, most recently
/// updated first, the rest by the next refresh (ClickUp allows 100 requests a minute).
pub(super) async fn read_list(
    settings: &Settings,
    list_id: &str,
    budget: usize,
    r: &mut Refresh<'_>,
) -> Result<()> {
    let c = client(settings, "", None)?;
    let path = format!("/list/{list_id}/task");
    let mut tasks: Vec<Value> = Vec::new();
    for page in 0.. {
        let query = format!("page={page}&order_by=updated&include_closed=true");
        let v = retry::repeatable(&settings.retry, "clickup.list_tasks", || c.get_path(&path, &query))
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(format!(
                "ClickUp list {list_id} was not found or its workspace is not authorised for the token: check the list link"
            )),
            other => other,
        })?;
        let page_tasks = v["tasks"].as_array().cloned().unwrap_or_default();
        let last = v["last_page"].as_bool().unwrap_or(true) || page_tasks.is_empty();
        tasks.extend(page_tasks);
        if last {
            break;
        }
    }
    let mut left = budget;
    for t in tasks {
        let id = json_str(&t["id"]);
        let key = format!("clickup:{id}");
        let marker = json_str(&t["date_updated"]);
        if !marker.is_empty() && r.unchanged(&key, &marker) {
            continue;
        }
        if left == 0 {
            r.report.pending += 1;
            r.keep_old(&key);
            continue;
        }
        left -= 1;
        if let Err(e) = read_task(settings, &id, None, r).await {
            let name = t["name"].as_str().unwrap_or(&id).to_string();
            r.report.failures.push((format!("ClickUp task {name}"), e));
        }
    }
    Ok(())
}

/// A fresh signed URL for an attachment: the task read again.
pub(super) async fn attachment_url(
    settings: &Settings,
    task_id: &str,
    team: Option<String>,
    attachment_id: &str,
) -> Result<String> {
    let c = client(settings, task_id, team)?;
    let t = task(settings, &c).await?;
    t["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| json_str(&a["id"]) == attachment_id && a["deleted"] != true)
        .and_then(|a| a["url"].as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "the clip is no longer attached to ClickUp task {task_id}: run `clipnote inbox` to refresh"
            ))
        })
}

/// The threaded replies under every comment that has some, in order (task comments first is
/// the caller's business: these go after them).
async fn thread_replies(
    settings: &Settings,
    c: &ClickUp,
    comments: &[Value],
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for parent in comments {
        // `reply_count` is a string in the spec and a number in real data (CONTRACTS.md §2.5).
        let count = json_str(&parent["reply_count"]).parse::<u64>().unwrap_or(0);
        if count == 0 {
            continue;
        }
        let path = format!("/comment/{}/reply", json_str(&parent["id"]));
        let thread =
            retry::repeatable(&settings.retry, "clickup.replies", || c.get_path(&path, "")).await?;
        out.extend(thread["comments"].as_array().cloned().unwrap_or_default());
    }
    Ok(out)
}

fn is_video(a: &Value) -> bool {
    if a["deleted"] == true || a["is_folder"] == true {
        return false;
    }
    let mime = a["mimetype"].as_str().unwrap_or_default();
    let ext = a["extension"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    mime.starts_with("video/") || VIDEO_EXTENSIONS.contains(&ext.as_str())
}

/// A rich comment as light-markdown lines (bullets and numbered items keep their markers).
fn comment_lines(c: &Value) -> Vec<String> {
    let Some(ops) = c["comment"].as_array().filter(|o| !o.is_empty()) else {
        return comment_text(c).lines().map(str::to_string).collect();
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    for op in ops {
        let text = op["text"].as_str().unwrap_or_default();
        let mut parts = text.split('\n').peekable();
        while let Some(part) = parts.next() {
            line.push_str(part);
            if parts.peek().is_some() {
                let marker = match op["attributes"]["list"]["list"].as_str() {
                    Some("bullet") => "- ",
                    Some("ordered") => "1. ",
                    Some("unchecked") => "[ ] ",
                    Some("checked") => "[x] ",
                    _ => "",
                };
                lines.push(format!("{marker}{}", std::mem::take(&mut line)));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn entry_for(
    a: &Value,
    comments: &[Value],
    task_id: &str,
    team: Option<String>,
    task_name: &str,
    task_url: &str,
) -> Entry {
    let attachment_id = json_str(&a["id"]);
    let file_name = a["title"].as_str().unwrap_or_default().to_string();
    let comment = comments
        .iter()
        .find(|c| links_to(c, &attachment_id, &file_name));
    let lines = comment.map(comment_lines).unwrap_or_default();
    let footer = lines.iter().find_map(|l| parse_footer(l));
    // A reply's comment opens with the line naming whom it answers; the title follows it.
    let mut body = lines
        .iter()
        .map(|l| l.trim())
        .skip_while(|l| l.is_empty() || ReplyTo::is_line(l));
    let title = body
        .next()
        .map(str::to_string)
        .filter(|_| comment.is_some())
        .unwrap_or_else(|| file_name.clone());
    let summary = body
        .filter(|l| !l.starts_with("▶ Watch the clip") && parse_footer(l).is_none())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    let footer = footer.unwrap_or_default();
    let by_clipnote = comment.is_some_and(|c| comment_text(c).contains(" · clipnote "));
    let author = footer
        .author
        .or_else(|| comment.and_then(|c| c["user"]["username"].as_str().map(str::to_string)))
        .or_else(|| a["user"]["username"].as_str().map(str::to_string))
        .unwrap_or_default();
    let date_ms = json_str(&a["date"]).parse::<i64>().unwrap_or(0);
    Entry {
        id: entry_id(Service::ClickUp, &format!("{task_id} {attachment_id}")),
        title,
        author,
        task_id: task_id.to_string(),
        task_name: task_name.to_string(),
        task_url: task_url.to_string(),
        date: format_date(date_ms / 1000),
        date_unix: date_ms / 1000,
        duration_secs: footer.duration_secs,
        summary,
        source: Service::ClickUp,
        by_clipnote,
        file_name: (!file_name.is_empty()).then_some(file_name),
        handle: Handle::ClickUpAttachment {
            task_id: task_id.to_string(),
            team_id: team,
            attachment_id,
        },
        watched: false,
        position_secs: 0.0,
    }
}
