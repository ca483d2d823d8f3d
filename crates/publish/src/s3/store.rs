//! Team storage's settings and keys, and the `object_store` client built from them.
//!
//! The keys (access key id, secret, endpoint URL, region) are stored together by `clipnote
//! login s3` in the OS keyring (or the 0600 fallback file), as one JSON secret; each standard AWS
//! variable overrides its part: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{BackoffConfig, ClientOptions, RetryConfig};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, Service};
use crate::secrets::{self, Token, TokenSource};

/// SigV4's longest presigned link: 7 days.
pub const MAX_LINK_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// What `config.toml`'s `[s3]` says (and tests set).
#[derive(Debug, Clone)]
pub struct S3Settings {
    /// The endpoint when neither the environment nor the stored keys name one (`None`: AWS).
    pub endpoint: Option<String>,
    /// The region when neither the environment nor the stored keys name one.
    pub region: Option<String>,
    /// `https://BUCKET.host/key` instead of `https://host/BUCKET/key` (path style, the default,
    /// which every S3-compatible server answers).
    pub virtual_hosted: bool,
    /// Per bucket, a public address its objects are served at (a CDN, an R2 public domain):
    /// links are then permanent, `<base>/<key>`.
    pub public_base_urls: BTreeMap<String, String>,
    /// How long a presigned share link works (at most [`MAX_LINK_EXPIRY`]).
    pub link_expires: Duration,
    /// Clips larger than this go up as a multipart upload in parts of this size (8–16 MiB).
    pub part_bytes: u64,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: None,
            region: None,
            virtual_hosted: false,
            public_base_urls: BTreeMap::new(),
            link_expires: MAX_LINK_EXPIRY,
            part_bytes: 16 * 1024 * 1024,
        }
    }
}

/// The keys to a bucket. `Debug` shows no secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl std::fmt::Debug for S3Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Keys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish()
    }
}

impl S3Keys {
    /// The keys as one secret, for the keyring.
    pub fn to_token(&self) -> Token {
        Token::new(serde_json::to_string(self).unwrap_or_default())
    }

    /// The stored keys with the AWS variables laid over them.
    pub fn resolve(config_dir: &Path) -> Result<S3Keys> {
        let mut keys = match secrets::resolve_stored(Service::S3, config_dir) {
            Ok((token, source)) => serde_json::from_str(token.expose()).map_err(|_| {
                Error::Secrets(format!(
                    "the S3 keys stored in {} cannot be read: run `clipnote login s3` again",
                    shown(&source)
                ))
            })?,
            Err(Error::NoToken { .. }) => S3Keys::default(),
            Err(e) => return Err(e),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let Some(v) = env("AWS_ACCESS_KEY_ID") {
            keys.access_key_id = v;
        }
        if let Some(v) = env("AWS_SECRET_ACCESS_KEY") {
            keys.secret_access_key = v;
        }
        if let Some(v) = env("AWS_SESSION_TOKEN") {
            keys.session_token = Some(v);
        }
        if let Some(v) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
            keys.region = Some(v);
        }
        if let Some(v) = env("AWS_ENDPOINT_URL") {
            keys.endpoint = Some(v);
        }
        if keys.access_key_id.trim().is_empty() || keys.secret_access_key.trim().is_empty() {
            return Err(Error::NoToken {
                service: Service::S3,
                env: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            });
        }
        Ok(keys)
    }
}

fn shown(source: &TokenSource) -> String {
    source.to_string()
}

/// An `object_store` client for one bucket, and where it points.
pub(crate) struct Opened {
    pub store: Arc<AmazonS3>,
    /// The endpoint requests go to, for messages (`https://s3.<region>.amazonaws.com` for AWS).
    pub endpoint: String,
}

/// Builds the client: SigV4 with `keys`, path-style unless configured otherwise, conditional
/// writes by `If-None-Match`, and object_store's own retries kept short (the outbox's retry
/// loop and the job file carry a post through longer outages).
pub(crate) fn open(bucket: &str, keys: &S3Keys, settings: &S3Settings) -> Result<Opened> {
    // rustls needs a process-wide crypto provider: the ring one the rest of publish uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let region = keys
        .region
        .clone()
        .or_else(|| settings.region.clone())
        .unwrap_or_else(|| "us-east-1".into());
    let endpoint = keys.endpoint.clone().or_else(|| settings.endpoint.clone());
    let shown_endpoint = endpoint
        .clone()
        .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&region)
        .with_access_key_id(&keys.access_key_id)
        .with_secret_access_key(&keys.secret_access_key)
        .with_virtual_hosted_style_request(settings.virtual_hosted)
        .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 2,
            retry_timeout: Duration::from_secs(20),
        })
        .with_client_options(
            ClientOptions::new()
                .with_allow_http(true)
                .with_connect_timeout(Duration::from_secs(10))
                .with_timeout(Duration::from_secs(120))
                .with_user_agent(http_header(concat!("clipnote/", env!("CARGO_PKG_VERSION")))),
        );
    if let Some(token) = &keys.session_token {
        builder = builder.with_token(token);
    }
    if let Some(url) = &endpoint {
        builder = builder.with_endpoint(url.trim_end_matches('/'));
    }
    let store = builder.build().map_err(|e| {
        Error::BadReference(format!(
            "cannot use the S3 settings ({}): check the endpoint URL and region (`clipnote login s3`, AWS_ENDPOINT_URL, AWS_REGION)",
            super::fault::without_urls(&e.to_string())
        ))
    })?;
    Ok(Opened {
        store: Arc::new(store),
        endpoint: shown_endpoint,
    })
}

fn http_header(v: &'static str) -> object_store::HeaderValue {
    object_store::HeaderValue::from_static(v)
}
