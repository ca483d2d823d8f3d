//! Task references: what people paste into `--to`, parsed into where the clip goes.
//!
//! Accepted forms (the table test in this file covers each):
//! - Notion: `https://www.notion.so/<ws>/<Title>-<32 hex>`, the same with `?pvs=`/`?p=<id>`
//!   (the `p` page wins: it is the page open in peek), `https://<ws>.notion.site/<Title>-<32 hex>`,
//!   a page id with or without dashes.
//! - ClickUp: `https://app.clickup.com/t/<id>`, `https://app.clickup.com/t/<team>/<CUSTOM-ID>`,
//!   a bare task id (`86b0x2k7q`) or a custom id (`ENG-142`).
//! - `library` (the default, no account) and `folder:<path>` (a shared folder).
//! - `s3://<bucket>/<prefix>`: team storage on an S3-compatible bucket (the prefix may be empty).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Where a clip is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskRef {
    /// A Notion page, by its dashed, lower-case id.
    Notion { page_id: String },
    /// A ClickUp task by its own id.
    ClickUp { task_id: String },
    /// A ClickUp task by a custom id; needs the workspace (team) id.
    ClickUpCustom {
        custom_id: String,
        team_id: Option<String>,
    },
    /// The local library.
    Library,
    /// A shared folder (synced by the team).
    Folder { path: PathBuf },
    /// Team storage: a prefix in an S3-compatible bucket (no leading or trailing `/`).
    S3 { bucket: String, prefix: String },
}

impl TaskRef {
    /// Parses what a person pasted. The error says which forms are accepted.
    pub fn parse(input: &str) -> Result<TaskRef, Error> {
        let s = input.trim();
        if s.is_empty() {
            return Err(bad(input, "it is empty"));
        }
        if s.eq_ignore_ascii_case("library") || s.eq_ignore_ascii_case("local") {
            return Ok(TaskRef::Library);
        }
        if let Some(path) = s.strip_prefix("folder:") {
            if path.is_empty() {
                return Err(bad(
                    input,
                    "`folder:` needs a path, e.g. folder:/srv/team-clips",
                ));
            }
            return Ok(TaskRef::Folder {
                path: PathBuf::from(path),
            });
        }
        if let Some(rest) = s.strip_prefix("s3://") {
            return parse_s3(input, rest);
        }
        if let Some(rest) = strip_scheme(s) {
            return parse_url(input, rest);
        }
        if let Some(id) = notion_id(s) {
            return Ok(TaskRef::Notion { page_id: id });
        }
        if is_custom_id(s) {
            return Ok(TaskRef::ClickUpCustom {
                custom_id: s.to_string(),
                team_id: None,
            });
        }
        if is_clickup_id(s) {
            return Ok(TaskRef::ClickUp {
                task_id: s.to_string(),
            });
        }
        Err(bad(
            input,
            "it is neither a Notion page id nor a ClickUp task id",
        ))
    }

    /// The URL a person opens to see the task (empty for local destinations).
    pub fn web_url(&self) -> String {
        match self {
            TaskRef::Notion { page_id } => {
                format!("https://www.notion.so/{}", page_id.replace('-', ""))
            }
            TaskRef::ClickUp { task_id } => format!("https://app.clickup.com/t/{task_id}"),
            TaskRef::ClickUpCustom { custom_id, team_id } => match team_id {
                Some(team) => format!("https://app.clickup.com/t/{team}/{custom_id}"),
                None => format!("https://app.clickup.com/t/{custom_id}"),
            },
            TaskRef::Library | TaskRef::Folder { .. } => String::new(),
            TaskRef::S3 { .. } => self.to_string(),
        }
    }
}

impl std::fmt::Display for TaskRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskRef::Notion { page_id } => write!(f, "Notion page {page_id}"),
            TaskRef::ClickUp { task_id } => write!(f, "ClickUp task {task_id}"),
            TaskRef::ClickUpCustom { custom_id, .. } => write!(f, "ClickUp task {custom_id}"),
            TaskRef::Library => f.write_str("the local library"),
            TaskRef::Folder { path } => write!(f, "the shared folder {}", path.display()),
            TaskRef::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            TaskRef::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

fn bad(input: &str, why: &str) -> Error {
    Error::BadReference(format!(
        "cannot use {input:?} as a destination ({why}): paste a Notion page URL (https://www.notion.so/…-<32 hex>) or page id, a ClickUp task URL (https://app.clickup.com/t/<id>) or task id, `library`, `folder:<path>`, or `s3://<bucket>/<prefix>`"
    ))
}

/// `s3://BUCKET/PREFIX`: a bucket name as S3 allows it (3–63 of `a-z0-9.-`), any prefix.
fn parse_s3(input: &str, rest: &str) -> Result<TaskRef, Error> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if !valid {
        return Err(bad(
            input,
            "an S3 bucket name is 3 to 63 lower-case letters, digits, dots or dashes, e.g. s3://team-clips/updates",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if prefix.split('/').any(|p| p == "." || p == "..") || prefix.contains("//") {
        return Err(bad(input, "the prefix has an empty, `.` or `..` part"));
    }
    Ok(TaskRef::S3 {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
    })
}

fn strip_scheme(s: &str) -> Option<&str> {
    let lower = s.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("https://") {
        Some(&s[8..])
    } else if lower.starts_with("http://") {
        Some(&s[7..])
    } else if s.contains(".notion.so/")
        || s.starts_with("notion.so/")
        || s.contains("notion.site/")
        || s.starts_with("app.clickup.com/")
    {
        Some(s)
    } else {
        None
    }
}

fn parse_url(input: &str, rest: &str) -> Result<TaskRef, Error> {
    let rest = rest.split('#').next().unwrap_or_default();
    let (path_part, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let (host, path) = path_part.split_once('/').unwrap_or((path_part, ""));
    let host = host.to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if host == "notion.so" || host.ends_with(".notion.so") || host.ends_with(".notion.site") {
        // A peeked page (`?p=<id>`) is the page the person is looking at.
        if let Some(q) = query {
            for pair in q.split('&') {
                if let Some(value) = pair.strip_prefix("p=") {
                    return notion_id(value)
                        .map(|page_id| TaskRef::Notion { page_id })
                        .ok_or_else(|| bad(input, "its `p=` parameter is not a Notion page id"));
                }
            }
        }
        let last = segments
            .last()
            .ok_or_else(|| bad(input, "the Notion link has no page in it"))?;
        let tail = last.rsplit('-').next().unwrap_or(last);
        return notion_id(tail)
            .or_else(|| notion_id(last))
            .map(|page_id| TaskRef::Notion { page_id })
            .ok_or_else(|| {
                bad(
                    input,
                    "the Notion link does not end in a 32-character page id",
                )
            });
    }
    if host == "app.clickup.com" || host == "clickup.com" || host == "www.clickup.com" {
        return match segments.as_slice() {
            ["t", id] if is_clickup_id(id) => Ok(TaskRef::ClickUp {
                task_id: id.to_string(),
            }),
            ["t", id] if is_custom_id(id) => Ok(TaskRef::ClickUpCustom {
                custom_id: id.to_string(),
                team_id: None,
            }),
            ["t", team, id]
                if team.chars().all(|c| c.is_ascii_digit())
                    && (is_custom_id(id) || is_clickup_id(id)) =>
            {
                Ok(TaskRef::ClickUpCustom {
                    custom_id: id.to_string(),
                    team_id: Some(team.to_string()),
                })
            }
            _ => Err(bad(
                input,
                "a ClickUp task link looks like https://app.clickup.com/t/<id>",
            )),
        };
    }
    Err(bad(
        input,
        "the link is neither notion.so, notion.site nor app.clickup.com",
    ))
}

/// A 32-hex id, with or without the UUID dashes, normalised to the dashed lower-case form.
fn notion_id(s: &str) -> Option<String> {
    let hex: String = if s.len() == 36 {
        let b = s.as_bytes();
        if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return None;
        }
        s.chars().filter(|c| *c != '-').collect()
    } else {
        s.to_string()
    };
    if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let h = hex.to_ascii_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// ClickUp's own ids: short, lower-case alphanumerics with at least one digit (e.g. `86b0x2k7q`).
fn is_clickup_id(s: &str) -> bool {
    (4..=16).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_digit())
}

/// Custom ids: a prefix of letters, a dash, a number (e.g. `ENG-142`).
fn is_custom_id(s: &str) -> bool {
    let Some((prefix, number)) = s.rsplit_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.len() <= 16
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && !number.is_empty()
        && number.len() <= 10
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "21ad8e4e-98ab-814e-8d96-00b2ded97d6c";

    fn notion() -> Option<TaskRef> {
        Some(TaskRef::Notion { page_id: ID.into() })
    }

    #[test]
    fn every_pasted_form_parses_and_malformed_ones_explain() {
        let custom = |id: &str, team: Option<&str>| {
            Some(TaskRef::ClickUpCustom {
                custom_id: id.into(),
                team_id: team.map(str::to_string),
            })
        };
        let task = |id: &str| Some(TaskRef::ClickUp { task_id: id.into() });
        let table: &[(&str, Option<TaskRef>)] = &[
            (
                "https://www.notion.so/acme/Login-bug-21ad8e4e98ab814e8d9600b2ded97d6c",
                notion(),
            ),
            (
                "https://www.notion.so/Login-bug-21ad8e4e98ab814e8d9600b2ded97d6c",
                notion(),
            ),
            (
                "https://www.notion.so/acme/Login-bug-21ad8e4e98ab814e8d9600b2ded97d6c?pvs=4",
                notion(),
            ),
            (
                "https://www.notion.so/acme/21ad8e4e98ab814e8d9600b2ded97d6c",
                notion(),
            ),
            (
                "https://www.notion.so/acme/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?v=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&p=21ad8e4e98ab814e8d9600b2ded97d6c&pm=s",
                notion(),
            ),
            (
                "https://acme.notion.site/Login-bug-21ad8e4e98ab814e8d9600b2ded97d6c",
                notion(),
            ),
            (
                "notion.so/acme/Login-bug-21AD8E4E98AB814E8D9600B2DED97D6C#heading",
                notion(),
            ),
            ("21ad8e4e98ab814e8d9600b2ded97d6c", notion()),
            ("21ad8e4e-98ab-814e-8d96-00b2ded97d6c", notion()),
            ("  21ad8e4e98ab814e8d9600b2ded97d6c\n", notion()),
            ("https://app.clickup.com/t/86b0x2k7q", task("86b0x2k7q")),
            (
                "https://app.clickup.com/t/86b0x2k7q?comment=90130269140791",
                task("86b0x2k7q"),
            ),
            (
                "https://app.clickup.com/t/9012345678/ENG-142",
                custom("ENG-142", Some("9012345678")),
            ),
            ("86b0x2k7q", task("86b0x2k7q")),
            ("ENG-142", custom("ENG-142", None)),
            ("library", Some(TaskRef::Library)),
            (
                "folder:/srv/clips",
                Some(TaskRef::Folder {
                    path: "/srv/clips".into(),
                }),
            ),
            (
                "s3://team-clips/updates/eng/",
                Some(TaskRef::S3 {
                    bucket: "team-clips".into(),
                    prefix: "updates/eng".into(),
                }),
            ),
            (
                "s3://team-clips",
                Some(TaskRef::S3 {
                    bucket: "team-clips".into(),
                    prefix: String::new(),
                }),
            ),
            // Malformed:
            ("s3://Team_Clips/x", None),
            ("s3://clips/a/../b", None),
            ("", None),
            ("https://www.notion.so/acme/Login-bug", None),
            (
                "https://www.notion.so/acme/Login-bug-21ad8e4e98ab814e8d9600b2ded97d6",
                None,
            ),
            ("https://www.notion.so/x?p=nothex", None),
            ("21ad8e4e98ab814e8d9600b2ded97d6z", None),
            ("21ad8e4e-98ab814e-8d96-00b2ded97d6c0", None),
            ("https://app.clickup.com/t/", None),
            ("https://app.clickup.com/9012/v/li/123", None),
            ("https://example.com/t/86b0x2k7q", None),
            ("hello world", None),
            ("ENG-", None),
            ("folder:", None),
        ];
        for (input, want) in table {
            let got = TaskRef::parse(input);
            match (want, got) {
                (Some(want), Ok(got)) => assert_eq!(&got, want, "input {input:?}"),
                (None, Err(Error::BadReference(msg))) => {
                    assert!(msg.contains("paste a Notion page URL"), "{input:?}: {msg}");
                }
                (want, got) => panic!("input {input:?}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn web_urls_open_the_task() {
        assert_eq!(
            TaskRef::parse("86b0x2k7q").unwrap().web_url(),
            "https://app.clickup.com/t/86b0x2k7q"
        );
        assert_eq!(
            TaskRef::parse(ID).unwrap().web_url(),
            "https://www.notion.so/21ad8e4e98ab814e8d9600b2ded97d6c"
        );
    }
}
