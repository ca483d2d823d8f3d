//! Shared HTTP plumbing: one client setup, the classification of failures for the retry
//! loop, streaming a file (or a range of it) as a request body with progress, and downloads.

use std::path::Path;
use std::time::Duration;

use reqwest::{Response, StatusCode};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::error::{Applied, Error, Failure, Service};
use crate::progress::Progress;
use crate::retry;

const CHUNK_BYTES: usize = 256 * 1024;

/// The HTTP client every destination uses: rustls, connect and idle timeouts, no proxy magic.
pub fn client() -> reqwest::Client {
    // rustls needs a process-wide crypto provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("clipnote/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends a request, turning transport errors and 429/5xx into a classified [`Failure`].
/// Other statuses come back as the response for the destination to interpret.
pub(crate) async fn send(
    service: Service,
    req: reqwest::RequestBuilder,
) -> Result<Response, Failure> {
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return Err(transport_failure(service, &e)),
    };
    let status = resp.status();
    if status == StatusCode::TOO_MANY_REQUESTS || status.as_u16() == 529 {
        let wait =
            retry::server_wait(service, resp.headers(), true).or(Some(Duration::from_secs(1)));
        return Err(Failure {
            error: Error::RateLimited {
                service,
                retry_after: wait.unwrap_or_default(),
            },
            applied: Applied::No,
            wait,
        });
    }
    if status.is_server_error() {
        let wait = retry::server_wait(service, resp.headers(), false);
        let body = resp.text().await.unwrap_or_default();
        return Err(Failure {
            error: Error::Transient {
                service,
                detail: format!("HTTP {} {}", status.as_u16(), short(&body)),
            },
            applied: Applied::Maybe,
            wait,
        });
    }
    Ok(resp)
}

fn transport_failure(service: Service, e: &reqwest::Error) -> Failure {
    // Only a failed connect proves the server saw nothing.
    let applied = if e.is_connect() {
        Applied::No
    } else {
        Applied::Maybe
    };
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "connection lost"
    };
    // reqwest's Display carries the URL (never a token): keep only the kind.
    Failure {
        error: Error::Transient {
            service,
            detail: what.to_string(),
        },
        applied,
        wait: None,
    }
}

/// Reads a response body as JSON, mapping a broken body to a transient failure.
pub(crate) async fn json(service: Service, resp: Response) -> Result<serde_json::Value, Failure> {
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| transport_failure(service, &e))?;
    serde_json::from_slice(&bytes).map_err(|_| {
        Failure::fatal(Error::Rejected {
            service,
            detail: format!(
                "the response was not JSON: {}",
                short(&String::from_utf8_lossy(&bytes))
            ),
        })
    })
}

/// The first 300 characters of a server message, for error details.
pub(crate) fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A request body that streams `len` bytes of `path` from `offset`, counting progress.
pub(crate) fn file_body(
    path: &Path,
    offset: u64,
    len: u64,
    total: u64,
    progress: &Progress,
) -> reqwest::Body {
    struct State {
        file: Option<tokio::fs::File>,
        path: std::path::PathBuf,
        offset: u64,
        left: u64,
        total: u64,
        progress: Progress,
    }
    let state = State {
        file: None,
        path: path.to_path_buf(),
        offset,
        left: len,
        total,
        progress: progress.clone(),
    };
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        if st.left == 0 {
            return None;
        }
        if st.file.is_none() {
            let opened = async {
                let mut f = tokio::fs::File::open(&st.path).await?;
                f.seek(std::io::SeekFrom::Start(st.offset)).await?;
                Ok::<_, std::io::Error>(f)
            }
            .await;
            match opened {
                Ok(f) => st.file = Some(f),
                Err(e) => {
                    st.left = 0;
                    return Some((Err(e), st));
                }
            }
        }
        let want = st.left.min(CHUNK_BYTES as u64) as usize;
        let mut buf = vec![0u8; want];
        let file = st.file.as_mut()?;
        match file.read_exact(&mut buf).await {
            Ok(_) => {
                st.left -= want as u64;
                st.progress.add_bytes(want as u64, st.total);
                Some((Ok(buf), st))
            }
            Err(e) => {
                st.left = 0;
                Some((Err(e), st))
            }
        }
    });
    reqwest::Body::wrap_stream(stream)
}

/// Downloads a URL without credentials (signed URLs carry their own authorisation).
pub(crate) async fn download(
    service: Service,
    http: &reqwest::Client,
    url: &str,
) -> Result<Vec<u8>, Error> {
    let resp = send(service, http.get(url)).await.map_err(|f| f.error)?;
    if !resp.status().is_success() {
        return Err(Error::Rejected {
            service,
            detail: format!(
                "downloading the clip failed with HTTP {} (the signed link may have expired: read the task again)",
                resp.status().as_u16()
            ),
        });
    }
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| transport_failure(service, &e).error)?;
    Ok(bytes.to_vec())
}

/// How a download to a file failed.
#[derive(Debug)]
pub(crate) enum DownloadFailure {
    /// The file host refused the link (401/403/400/404: a signed link that expired or was
    /// revoked): read the block or task again for a fresh one.
    LinkRefused(u16),
    Other(Error),
}

/// Streams a URL into `dest` without credentials (signed URLs carry their own authorisation;
/// the file host must never see our token). Returns the bytes written.
pub(crate) async fn download_to(
    service: Service,
    http: &reqwest::Client,
    url: &str,
    dest: &Path,
) -> Result<u64, DownloadFailure> {
    use tokio::io::AsyncWriteExt;
    let resp = send(service, http.get(url))
        .await
        .map_err(|f| DownloadFailure::Other(f.error))?;
    let status = resp.status();
    if matches!(status.as_u16(), 400 | 401 | 403 | 404 | 410) {
        return Err(DownloadFailure::LinkRefused(status.as_u16()));
    }
    if !status.is_success() {
        return Err(DownloadFailure::Other(Error::Rejected {
            service,
            detail: format!("downloading the clip failed with HTTP {}", status.as_u16()),
        }));
    }
    let mut file = tokio::fs::File::create(dest)
        .await
        .map_err(|e| DownloadFailure::Other(Error::io("create", dest, e)))?;
    let mut stream = resp.bytes_stream();
    let mut written = 0u64;
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| DownloadFailure::Other(transport_failure(service, &e).error))?;
        file.write_all(&chunk)
            .await
            .map_err(|e| DownloadFailure::Other(Error::io("write", dest, e)))?;
        written += chunk.len() as u64;
    }
    file.sync_all()
        .await
        .map_err(|e| DownloadFailure::Other(Error::io("write", dest, e)))?;
    Ok(written)
}
