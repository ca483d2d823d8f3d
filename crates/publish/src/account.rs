//! Which account a token opens, for Settings to show: the connected workspace's name, the
//! user where the service says, and the per-file limit. Notion `GET /v1/users/me` (the bot:
//! `workspace_name`, its owner, `workspace_limits`); ClickUp `GET /v2/team` (the authorised
//! workspaces) and `GET /v2/user`. A refused token is [`Error::Unauthorized`], whose message
//! says to log in again.

use reqwest::Method;
use serde::Serialize;

use crate::clickup::{self, ClickUp};
use crate::error::{Error, Result, Service};
use crate::notion::{self, Notion};
use crate::retry;
use crate::settings::Settings;

/// The account behind a service's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The workspace's name; several ClickUp workspaces are joined with ", ".
    pub workspace: String,
    /// The person: the ClickUp user, or the Notion integration's owner when a user owns it.
    pub user: Option<String>,
    /// The largest file the workspace accepts (Notion reports it; ClickUp's is fixed).
    pub max_file_bytes: Option<u64>,
}

/// Asks `service` whose token is configured in `settings`. Reads only; safe to repeat.
pub async fn check(settings: &Settings, service: Service) -> Result<Account> {
    match service {
        Service::Notion => {
            let n = Notion::new(settings.notion_config()?, String::new());
            let me = retry::repeatable(&settings.retry, "notion.users_me", || {
                n.call(Method::GET, "/users/me", None)
            })
            .await?;
            let bot = &me["bot"];
            let owner = &bot["owner"];
            Ok(Account {
                workspace: bot["workspace_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                user: (owner["type"] == "user")
                    .then(|| owner["user"]["name"].as_str().map(str::to_string))
                    .flatten(),
                max_file_bytes: notion::file_limit(&me),
            })
        }
        Service::ClickUp => {
            let c = ClickUp::new(settings.clickup_config()?, String::new(), None);
            let c = &c;
            let get = |path: &'static str| {
                retry::repeatable(&settings.retry, "clickup.account", move || {
                    c.get_path(path, "")
                })
            };
            let teams = get("/team").await?;
            let user = get("/user").await?;
            let names: Vec<&str> = teams["teams"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["name"].as_str())
                .collect();
            Ok(Account {
                workspace: names.join(", "),
                user: user["user"]["username"].as_str().map(str::to_string),
                max_file_bytes: Some(clickup::MAX_FILE_BYTES),
            })
        }
        Service::Library | Service::Folder | Service::S3 => Err(Error::BadReference(format!(
            "{service} has no account to check: only Notion and ClickUp have one"
        ))),
    }
}
