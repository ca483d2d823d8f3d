//! Downloading a public file to disk with progress: what the app installs from the web (speech
//! models). No credentials are sent, and a download longer than the caller's limit is cut off.
//!
//! ```no_run
//! # async fn demo() -> Result<(), publish::fetch::FetchError> {
//! let url = "https://example.org/ggml-tiny.en.bin";
//! let dest = std::path::Path::new("/tmp/ggml-tiny.en.bin.download");
//! let bytes = publish::fetch::to_file(url, dest, Some(80_000_000), |got, total| {
//!     eprintln!("{got} of {total:?} bytes");
//! })
//! .await?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

/// How a download failed; each message names the URL and what to check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server could not be reached (DNS, refused connection, TLS, timeout).
    #[error("cannot reach {url}: {reason}. Check the address and your network connection")]
    Unreachable { url: String, reason: String },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}: check the address")]
    Status { url: String, status: u16 },
    /// The body stopped before its end.
    #[error("the download from {url} broke off after {bytes} bytes ({reason}): try again")]
    BrokenOff {
        url: String,
        bytes: u64,
        reason: String,
    },
    /// The body is longer than the caller allows.
    #[error(
        "{url} sends more than {max_bytes} bytes, more than the file can be: check the address"
    )]
    TooLarge { url: String, max_bytes: u64 },
    /// The file could not be written.
    #[error("cannot write {path}: {source}. Check the folder's permissions and free space", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn reason(e: &reqwest::Error) -> String {
    // reqwest's Display repeats the URL; the kind and its source say more.
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_string(),
    }
}

/// Streams `url` into `dest` (created or truncated), calling `progress(bytes so far, total if
/// the server said)` after each chunk. Stops with [`FetchError::TooLarge`] past `max_bytes`.
/// On any error `dest` is removed. Returns the bytes written.
pub async fn to_file(
    url: &str,
    dest: &Path,
    max_bytes: Option<u64>,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, FetchError> {
    let result =
        async {
            let resp = crate::http::client().get(url).send().await.map_err(|e| {
                FetchError::Unreachable {
                    url: url.to_owned(),
                    reason: reason(&e),
                }
            })?;
            let status = resp.status();
            if !status.is_success() {
                return Err(FetchError::Status {
                    url: url.to_owned(),
                    status: status.as_u16(),
                });
            }
            let total = resp.content_length();
            let too_large = || FetchError::TooLarge {
                url: url.to_owned(),
                max_bytes: max_bytes.unwrap_or_default(),
            };
            if let (Some(total), Some(max)) = (total, max_bytes)
                && total > max
            {
                return Err(too_large());
            }
            let io = |source| FetchError::Io {
                path: dest.to_owned(),
                source,
            };
            let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
            let mut stream = resp.bytes_stream();
            let mut written = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| FetchError::BrokenOff {
                    url: url.to_owned(),
                    bytes: written,
                    reason: reason(&e),
                })?;
                written += chunk.len() as u64;
                if max_bytes.is_some_and(|max| written > max) {
                    return Err(too_large());
                }
                file.write_all(&chunk).await.map_err(io)?;
                progress(written, total);
            }
            file.sync_all().await.map_err(io)?;
            Ok(written)
        }
        .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(dest).await;
    }
    result
}
