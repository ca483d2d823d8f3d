//! What an S3 failure means for the user: `object_store`'s error (with the server's XML error
//! code in its text) turned into an [`Error`] whose message names the fix. Messages keep the
//! error code and drop URLs (a presigned URL's query carries a signature).

use std::error::Error as _;

use object_store::client::{HttpError, HttpErrorKind};

use crate::error::{Error, Service};

/// Where a request went, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub bucket: &'a str,
    pub endpoint: &'a str,
    /// `s3://bucket/key` (or the prefix) the request was about.
    pub location: &'a str,
}

/// The server's error codes we name, checked in this order.
const CODES: &[&str] = &[
    "RequestTimeTooSkewed",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "NoSuchBucket",
    "AccessDenied",
    "NoSuchUpload",
];

/// Classifies `e`.
pub(crate) fn classify(e: &object_store::Error, ctx: Ctx<'_>) -> Error {
    let text = chain(e);
    let code = CODES.iter().find(|c| text.contains(*c)).copied();
    let transient = |detail: String| Error::Transient {
        service: Service::S3,
        detail,
    };
    match code {
        Some("RequestTimeTooSkewed") => return Error::ClockSkew,
        Some(c @ ("InvalidAccessKeyId" | "SignatureDoesNotMatch")) => {
            return Error::BadKeys { detail: c.into() };
        }
        Some("NoSuchBucket") => {
            return Error::NoSuchBucket {
                bucket: ctx.bucket.into(),
                endpoint: ctx.endpoint.into(),
            };
        }
        Some("AccessDenied") => {
            return Error::AccessDenied {
                location: ctx.location.into(),
            };
        }
        _ => {}
    }
    if let Some(kind) = http_kind(e) {
        let what = match kind {
            HttpErrorKind::Connect => "cannot connect",
            HttpErrorKind::Timeout => "timed out",
            _ => "connection lost",
        };
        return transient(format!("{what} to {}", ctx.endpoint));
    }
    match e {
        object_store::Error::Unauthenticated { .. } => Error::BadKeys {
            detail: "unauthenticated".into(),
        },
        object_store::Error::PermissionDenied { .. } => Error::AccessDenied {
            location: ctx.location.into(),
        },
        object_store::Error::NotFound { .. } => Error::NotFound(format!(
            "{} is not in the bucket (deleted, or never finished uploading)",
            ctx.location
        )),
        _ if server_error(&text) => transient(format!("the server failed: {}", short(&text))),
        _ => Error::Rejected {
            service: Service::S3,
            detail: short(&text),
        },
    }
}

/// Whether the failure was the server saying the upload id is gone (aborted or completed).
pub(crate) fn is_no_such_upload(e: &object_store::Error) -> bool {
    chain(e).contains("NoSuchUpload")
}

/// The HTTP transport's kind of failure, when the request never got an answer.
fn http_kind(e: &object_store::Error) -> Option<HttpErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<HttpError>() {
            return Some(h.kind());
        }
        source = s.source();
    }
    None
}

fn server_error(text: &str) -> bool {
    [
        "status code: 5",
        "InternalError",
        "SlowDown",
        "ServiceUnavailable",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// The error and its sources, URLs dropped.
fn chain(e: &object_store::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    without_urls(&text)
}

/// `text` with every `http(s)://…` word replaced by `<url>`.
pub(crate) fn without_urls(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            if w.contains("http://") || w.contains("https://") {
                "<url>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn short(text: &str) -> String {
    let t: String = text.chars().take(300).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_dropped_from_messages() {
        assert_eq!(
            without_urls("Error performing PUT http://127.0.0.1:9/b/k?X-Amz-Signature=ab in 2ms"),
            "Error performing PUT <url> in 2ms"
        );
    }
}
