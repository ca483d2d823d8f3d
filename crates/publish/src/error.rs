//! What went wrong while posting, as a closed set of kinds a caller can act on.
//!
//! Every message names the cause and the fix. No message ever carries a token: the
//! constructors only take service names, ids, paths and server messages (which the
//! servers never echo tokens into).

use std::path::PathBuf;
use std::time::Duration;

/// The service a failure came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Notion,
    ClickUp,
    Library,
    Folder,
    /// Team storage: an S3-compatible bucket.
    S3,
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Service::Notion => "Notion",
            Service::ClickUp => "ClickUp",
            Service::Library => "the local library",
            Service::Folder => "the shared folder",
            Service::S3 => "S3 storage",
        })
    }
}

impl Service {
    /// The `clipnote login` argument for this service, when it has one.
    pub fn login_name(self) -> &'static str {
        match self {
            Service::Notion => "notion",
            Service::ClickUp => "clickup",
            Service::S3 => "s3",
            Service::Library | Service::Folder => "",
        }
    }
}

/// Everything that can go wrong while posting or reading back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The task reference could not be understood.
    #[error("{0}")]
    BadReference(String),
    /// No token is configured for the service.
    #[error(
        "no {service} token is configured: run `clipnote login {}` or set {env}",
        service.login_name()
    )]
    NoToken { service: Service, env: &'static str },
    /// The token was refused (401).
    #[error(
        "{service} refused the token ({detail}): run `clipnote login {}` with a valid token",
        service.login_name()
    )]
    Unauthorized { service: Service, detail: String },
    /// The page or task does not exist or is not shared with the integration.
    #[error("{0}")]
    NotFound(String),
    /// The integration lacks a capability (Notion 403 `restricted_resource`).
    #[error("{0}")]
    Forbidden(String),
    /// The clip is larger than the destination accepts.
    #[error(
        "the clip is {size_bytes} bytes but {service} accepts at most {limit_bytes} bytes per file: re-encode it smaller, post a shorter clip, or upgrade the plan"
    )]
    TooLarge {
        service: Service,
        size_bytes: u64,
        limit_bytes: u64,
    },
    /// The workspace storage is full (ClickUp `GBUSED_005`).
    #[error(
        "the ClickUp workspace storage is full (GBUSED_005): free space in ClickUp or upgrade the plan, then run `clipnote outbox retry`"
    )]
    StorageFull,
    /// The destination rate-limited us and asked to wait longer than we retry for.
    #[error("{service} is rate limiting requests; the post stays queued and is retried after {}s", retry_after.as_secs())]
    RateLimited {
        service: Service,
        retry_after: Duration,
    },
    /// A failure that can heal by itself: a 5xx, a timeout, a dropped connection.
    #[error(
        "{service} could not be reached or failed temporarily ({detail}); the post stays queued: run `clipnote outbox run` when the network is back"
    )]
    Transient { service: Service, detail: String },
    /// The destination refused the request for a reason a retry cannot fix.
    #[error("{service} rejected the request: {detail}")]
    Rejected { service: Service, detail: String },
    /// A Notion upload expired (1 h) before it was attached; the outbox uploads again.
    #[error("the Notion upload expired before it was attached; it is uploaded again")]
    UploadExpired,
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The credential store failed.
    #[error("{0}")]
    Secrets(String),
    /// A job with that id is not in the outbox.
    #[error("no job {0} in the outbox: list jobs with `clipnote outbox list`")]
    NoSuchJob(String),
    /// The clip is not one a person could play: the check the app gave the outbox
    /// ([`crate::outbox::ClipCheck`]) refused it before the upload. The reason names the cause
    /// and the fix.
    #[error("{0}")]
    UnplayableClip(String),
    /// The storage server refused the access key id or the secret (S3 `InvalidAccessKeyId`,
    /// `SignatureDoesNotMatch`).
    #[error(
        "the S3 storage refused the access key or secret ({detail}): run `clipnote login s3` with the right access key id and secret (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY override the stored ones)"
    )]
    BadKeys { detail: String },
    /// The bucket does not exist at the endpoint (S3 `NoSuchBucket`).
    #[error(
        "the bucket `{bucket}` does not exist at {endpoint}: check the name in s3://BUCKET/PREFIX and the endpoint (`clipnote login s3`, AWS_ENDPOINT_URL), or create the bucket"
    )]
    NoSuchBucket { bucket: String, endpoint: String },
    /// The keys are valid but may not do this on the bucket or prefix (S3 `AccessDenied`).
    #[error(
        "access denied to {location} (AccessDenied): ask the bucket's owner to let these keys read and write under that prefix, or run `clipnote login s3` with keys that may"
    )]
    AccessDenied { location: String },
    /// The server refused the request's time (S3 `RequestTimeTooSkewed`): the clock is off.
    #[error(
        "the storage server refused the request because this machine's clock is off (RequestTimeTooSkewed): set the clock right (e.g. turn on network time: `timedatectl set-ntp true`), then run `clipnote outbox retry JOB`"
    )]
    ClockSkew,
    /// Another process is working on this job right now.
    #[error("job {0} is being posted by another clipnote process (pid {1}); wait for it to finish")]
    Busy(String, u32),
}

impl Error {
    /// True when trying again later can help: the job stays in the outbox.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::RateLimited { .. } | Error::Transient { .. })
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// How a failed request relates to the server's state, for deciding what a retry must check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The server certainly did not apply it (connect failed, 429, 4xx).
    No,
    /// The server may have applied it (timeout, 5xx, connection lost mid-way).
    Maybe,
}

/// A failed HTTP exchange, classified for the retry loop.
#[derive(Debug)]
pub(crate) struct Failure {
    pub error: Error,
    pub applied: Applied,
    /// The server's requested wait (Retry-After, X-RateLimit-Reset), if any.
    pub wait: Option<Duration>,
}

impl Failure {
    pub fn fatal(error: Error) -> Self {
        Failure {
            error,
            applied: Applied::No,
            wait: None,
        }
    }
}

/// Short alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
