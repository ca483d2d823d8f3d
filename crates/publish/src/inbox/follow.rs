//! What the inbox reads: the follow list, persisted as `follow.json` in the config folder.
//!
//! A follow is a task reference as `post --to` takes it (a Notion page, a ClickUp task, the
//! library, `folder:PATH`), or a collection whose every item is followed: a Notion database
//! (`notion-db:<id>`, or a database link with `?v=`) or a ClickUp list (`clickup-list:<id>`, or
//! a list link `https://app.clickup.com/<team>/v/li/<id>`). With no file yet, the library is
//! followed, so the inbox works out of the box.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::taskref::TaskRef;

/// One thing followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "follow", rename_all = "snake_case")]
pub enum Follow {
    /// One page, task, the library or a shared folder.
    Task { to: TaskRef },
    /// Every page of a Notion database (its data source).
    NotionDatabase { database_id: String },
    /// Every task of a ClickUp list.
    ClickUpList { list_id: String },
}

impl Follow {
    /// Parses what a person typed; the error lists every accepted form.
    pub fn parse(input: &str) -> Result<Follow> {
        let s = input.trim();
        if let Some(id) = s.strip_prefix("notion-db:") {
            return notion_id(id)
                .map(|database_id| Follow::NotionDatabase { database_id })
                .ok_or_else(|| bad(input, "`notion-db:` needs the database's 32-character id"));
        }
        if let Some(id) = s.strip_prefix("clickup-list:") {
            return clickup_list_id(id)
                .map(|list_id| Follow::ClickUpList { list_id })
                .ok_or_else(|| bad(input, "`clickup-list:` needs the list's number"));
        }
        let lower = s.to_ascii_lowercase();
        if lower.contains("clickup.com/") && lower.contains("/v/li/") {
            let id = s
                .split("/v/li/")
                .nth(1)
                .and_then(|rest| rest.split(['/', '?', '#']).next())
                .and_then(clickup_list_id);
            return id
                .map(|list_id| Follow::ClickUpList { list_id })
                .ok_or_else(|| bad(input, "the ClickUp list link does not end in a list id"));
        }
        if (lower.contains("notion.so/") || lower.contains("notion.site/"))
            && (lower.contains("?v=") || lower.contains("&v="))
        {
            // A database opened in a view: the path's last segment is the database id.
            let path = s.split(['?', '#']).next().unwrap_or_default();
            let last = path.rsplit('/').next().unwrap_or_default();
            let tail = last.rsplit('-').next().unwrap_or(last);
            return notion_id(tail)
                .map(|database_id| Follow::NotionDatabase { database_id })
                .ok_or_else(|| bad(input, "the Notion database link has no 32-character id"));
        }
        match TaskRef::parse(s) {
            Ok(to) => Ok(Follow::Task { to }),
            Err(_) => Err(bad(
                input,
                "it is not a task, page, list, database or folder",
            )),
        }
    }
}

impl std::fmt::Display for Follow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Follow::Task { to } => write!(f, "{to}"),
            Follow::NotionDatabase { database_id } => write!(f, "Notion database {database_id}"),
            Follow::ClickUpList { list_id } => write!(f, "ClickUp list {list_id}"),
        }
    }
}

fn bad(input: &str, why: &str) -> Error {
    Error::BadReference(format!(
        "cannot follow {input:?} ({why}): give a Notion page URL or id, a Notion database (`notion-db:<id>` or its link with ?v=), a ClickUp task URL or id, a ClickUp list (`clickup-list:<id>` or https://app.clickup.com/<team>/v/li/<id>), `library`, `folder:<path>`, or team storage `s3://<bucket>/<prefix>`"
    ))
}

fn notion_id(s: &str) -> Option<String> {
    match TaskRef::parse(s).ok()? {
        TaskRef::Notion { page_id } => Some(page_id),
        _ => None,
    }
}

fn clickup_list_id(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 20 && s.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| s.to_string())
}

/// The follow list on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowList {
    pub follows: Vec<Follow>,
}

impl FollowList {
    /// `follow.json` in `config_dir`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("follow.json")
    }

    /// Reads the list; with no file yet, the library alone is followed.
    pub fn load(config_dir: &Path) -> Result<FollowList> {
        let path = Self::path(config_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::BadReference(format!(
                    "the follow list {} is malformed ({e}): fix it or delete it (the library is followed again)",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FollowList {
                follows: vec![Follow::Task {
                    to: TaskRef::Library,
                }],
            }),
            Err(e) => Err(Error::io("read", path, e)),
        }
    }

    /// Writes the list (temporary name, synced, renamed).
    pub fn save(&self, config_dir: &Path) -> Result<()> {
        std::fs::create_dir_all(config_dir)
            .map_err(|e| Error::io("create the config folder", config_dir, e))?;
        let path = Self::path(config_dir);
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        crate::local::write_atomic(&path, &bytes).map_err(|e| Error::io("write", &path, e))
    }

    /// Adds `follow`; false when it was already followed.
    pub fn add(&mut self, follow: Follow) -> bool {
        if self.follows.contains(&follow) {
            return false;
        }
        self.follows.push(follow);
        true
    }

    /// Removes `follow`; the error lists what is followed.
    pub fn remove(&mut self, follow: &Follow) -> Result<()> {
        let before = self.follows.len();
        self.follows.retain(|f| f != follow);
        if self.follows.len() == before {
            let list = self
                .follows
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(Error::NotFound(format!(
                "{follow} is not followed, so there is nothing to unfollow (followed: {})",
                if list.is_empty() { "nothing" } else { &list }
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accepted_forms_parse() {
        let db = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let dashed = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        for input in [
            format!("notion-db:{db}"),
            format!("https://www.notion.so/acme/{db}?v=11112222333344445555666677778888"),
        ] {
            assert_eq!(
                Follow::parse(&input).unwrap(),
                Follow::NotionDatabase {
                    database_id: dashed.into()
                },
                "{input}"
            );
        }
        for input in [
            "clickup-list:901234",
            "https://app.clickup.com/9012/v/li/901234",
        ] {
            assert_eq!(
                Follow::parse(input).unwrap(),
                Follow::ClickUpList {
                    list_id: "901234".into()
                }
            );
        }
        assert_eq!(
            Follow::parse("https://app.clickup.com/t/86b0x2k7q").unwrap(),
            Follow::Task {
                to: TaskRef::ClickUp {
                    task_id: "86b0x2k7q".into()
                }
            }
        );
        assert_eq!(
            Follow::parse("library").unwrap(),
            Follow::Task {
                to: TaskRef::Library
            }
        );
        let err = Follow::parse("notion-db:xyz").unwrap_err().to_string();
        assert!(
            err.contains("32-character") && err.contains("clickup-list:"),
            "{err}"
        );
        let err = Follow::parse("what is this").unwrap_err().to_string();
        assert!(err.contains("cannot follow"), "{err}");
    }
}
