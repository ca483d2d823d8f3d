//! Resolved settings: base URLs, API version, where the library is, retry pacing, and how a
//! task reference becomes a [`Destination`]. The app fills it from its config file and the
//! environment; tests point it at the fakes.

use std::path::PathBuf;

use crate::clickup::{self, ClickUp, ClickUpConfig};
use crate::destination::Destination;
use crate::error::{Error, Result, Service};
use crate::local::Folder;
use crate::notion::{self, Notion, NotionConfig};
use crate::retry::RetryPolicy;
use crate::s3::{S3, S3Keys, S3Settings};
use crate::secrets::{self, Token};
use crate::taskref::TaskRef;

/// Everything needed to open any destination.
#[derive(Debug, Clone)]
pub struct Settings {
    pub notion_base_url: String,
    pub notion_version: String,
    pub clickup_base_url: String,
    /// The ClickUp workspace for custom task ids given without one.
    pub clickup_team_id: Option<String>,
    /// The local library folder.
    pub library_dir: PathBuf,
    /// Where the token fallback file lives.
    pub config_dir: PathBuf,
    pub retry: RetryPolicy,
    /// Tokens given directly (tests); otherwise they are resolved from env/keyring/file.
    pub notion_token: Option<Token>,
    pub clickup_token: Option<Token>,
    /// Team storage: endpoint, region, addressing, public base URLs, link lifetime.
    pub s3: S3Settings,
    /// Keys given directly (tests); otherwise keyring/file with the AWS variables over them.
    pub s3_keys: Option<S3Keys>,
}

impl Settings {
    /// Defaults plus the `CLIPNOTE_*_BASE_URL` environment overrides.
    pub fn new(config_dir: PathBuf, library_dir: PathBuf) -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Settings {
            notion_base_url: env("CLIPNOTE_NOTION_BASE_URL")
                .unwrap_or_else(|| notion::DEFAULT_BASE_URL.into()),
            notion_version: notion::DEFAULT_VERSION.into(),
            clickup_base_url: env("CLIPNOTE_CLICKUP_BASE_URL")
                .unwrap_or_else(|| clickup::DEFAULT_BASE_URL.into()),
            clickup_team_id: None,
            library_dir,
            config_dir,
            retry: RetryPolicy::default(),
            notion_token: None,
            clickup_token: None,
            s3: S3Settings::default(),
            s3_keys: None,
        }
    }

    fn token(&self, service: Service) -> Result<Token> {
        let given = match service {
            Service::Notion => &self.notion_token,
            _ => &self.clickup_token,
        };
        match given {
            Some(t) => Ok(t.clone()),
            None => secrets::resolve(service, &self.config_dir).map(|(t, _)| t),
        }
    }

    /// Opens the destination a task reference names (resolving its token).
    pub fn open(&self, to: &TaskRef) -> Result<Box<dyn Destination>> {
        Ok(match to {
            TaskRef::Notion { page_id } => {
                Box::new(Notion::new(self.notion_config()?, page_id.clone()))
            }
            TaskRef::ClickUp { task_id } => {
                Box::new(ClickUp::new(self.clickup_config()?, task_id.clone(), None))
            }
            TaskRef::ClickUpCustom { custom_id, team_id } => {
                let team = team_id.clone().or_else(|| self.clickup_team_id.clone()).ok_or_else(|| {
                    Error::BadReference(format!(
                        "{custom_id} is a ClickUp custom task id, which needs its workspace: paste the task URL (https://app.clickup.com/t/<team>/{custom_id}) or set `team_id` under [clickup] in the config file"
                    ))
                })?;
                Box::new(ClickUp::new(
                    self.clickup_config()?,
                    custom_id.clone(),
                    Some(team),
                ))
            }
            TaskRef::Library => Box::new(Folder::library(self.library_dir.clone())),
            TaskRef::Folder { path } => Box::new(Folder::shared(path.clone())),
            TaskRef::S3 { bucket, prefix } => Box::new(self.s3(bucket, prefix)?),
        })
    }

    /// Opens team storage at `s3://bucket/prefix` (resolving its keys).
    pub fn s3(&self, bucket: &str, prefix: &str) -> Result<S3> {
        let keys = match &self.s3_keys {
            Some(k) => k.clone(),
            None => S3Keys::resolve(&self.config_dir)?,
        };
        S3::open(bucket, prefix, &keys, self.s3.clone())
    }

    pub(crate) fn notion_config(&self) -> Result<NotionConfig> {
        Ok(NotionConfig {
            base_url: self.notion_base_url.clone(),
            token: self.token(Service::Notion)?,
            version: self.notion_version.clone(),
            retry: self.retry.clone(),
        })
    }

    pub(crate) fn clickup_config(&self) -> Result<ClickUpConfig> {
        Ok(ClickUpConfig {
            base_url: self.clickup_base_url.clone(),
            token: self.token(Service::ClickUp)?,
            retry: self.retry.clone(),
        })
    }
}
