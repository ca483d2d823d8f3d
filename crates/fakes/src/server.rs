//! The loopback server both fakes run on: its own named thread and runtime (so sync tests,
//! async tests and tests that run the real binary can all use it), a connection "kill switch"
//! for dropping a connection mid-request, the fake clock, fault plans and signed URLs.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use tokio::sync::Notify;

pub(crate) type Resp = Response<Full<Bytes>>;
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A fault to inject into the next matching request(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Read part of the request body, then close the connection; nothing is applied.
    DropMidRequest,
    /// Answer 500 without applying anything.
    ServerError,
    /// Answer 429 with the service's rate-limit headers, without applying anything.
    RateLimited,
    /// Notion only: answer 529 `service_overload`.
    Overloaded,
    /// Apply the request, then answer 503 (the reply is lost, the effect is not).
    UnavailableAfterEffect,
    /// Apply the request, then never answer (the client is killed while it waits).
    HangAfterEffect,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub route: &'static str,
    pub status: u16,
    pub body_bytes: usize,
    /// Milliseconds since the fake started, when the request arrived.
    pub at_ms: u64,
}

/// State shared by both fakes: faults, the clock, the request log, signed-URL secret.
#[derive(Debug, Default)]
pub(crate) struct Common {
    faults: Mutex<Vec<(&'static str, Fault, u32)>>,
    clock_offset_secs: AtomicI64,
    pub log: Mutex<Vec<Logged>>,
    pub hung: Notify,
    pub started: std::sync::OnceLock<std::time::Instant>,
    /// `http://127.0.0.1:<port>`, for absolute signed URLs.
    pub base: std::sync::OnceLock<String>,
}

impl Common {
    pub fn inject(&self, route: &'static str, fault: Fault, times: u32) {
        self.faults.lock().unwrap().push((route, fault, times));
    }

    /// Takes one fault planned for `route`, if any.
    pub fn take_fault(&self, route: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap();
        let idx = faults
            .iter()
            .position(|(r, _, n)| (*r == route || *r == "*") && *n > 0)?;
        let fault = faults[idx].1;
        faults[idx].2 -= 1;
        if faults[idx].2 == 0 {
            faults.remove(idx);
        }
        Some(fault)
    }

    pub fn pending_faults(&self) -> usize {
        self.faults
            .lock()
            .unwrap()
            .iter()
            .map(|f| f.2 as usize)
            .sum()
    }

    /// The fake's "now" in Unix seconds (real time plus the test's advances).
    pub fn now(&self) -> i64 {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        real + self.clock_offset_secs.load(Ordering::Relaxed)
    }

    pub fn advance(&self, secs: i64) {
        self.clock_offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn record(
        &self,
        method: &str,
        path: &str,
        route: &'static str,
        status: u16,
        body_bytes: usize,
    ) {
        let at_ms = self
            .started
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_millis() as u64;
        self.log.lock().unwrap().push(Logged {
            method: method.to_string(),
            path: path.to_string(),
            route,
            status,
            body_bytes,
            at_ms,
        });
    }

    /// A signed download path for `file_id`, valid for `secs`.
    pub fn signed_path(&self, file_id: &str, secs: i64) -> (String, i64) {
        let expires = self.now() + secs;
        let sig = signature(file_id, expires);
        (
            format!("/_files/{file_id}?expires={expires}&sig={sig:016x}"),
            expires,
        )
    }

    /// Checks a signed download request; `Err` carries the S3-style refusal.
    pub fn check_signature(
        &self,
        file_id: &str,
        query: &HashMap<String, String>,
    ) -> Result<(), &'static str> {
        let expires: i64 = query
            .get("expires")
            .and_then(|v| v.parse().ok())
            .ok_or("missing expires")?;
        let sig = query.get("sig").ok_or("missing signature")?;
        if *sig != format!("{:016x}", signature(file_id, expires)) {
            return Err("SignatureDoesNotMatch");
        }
        if self.now() > expires {
            return Err("Request has expired");
        }
        Ok(())
    }
}

fn signature(file_id: &str, expires: i64) -> u64 {
    // FNV-1a over a fixed secret, the id and the expiry: enough to make tampering fail.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "fake-signing-secret"
        .bytes()
        .chain(file_id.bytes())
        .chain(expires.to_string().bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Lets a handler close its own connection (the "drop mid-upload" fault).
#[derive(Clone)]
pub(crate) struct ConnKill(Arc<Notify>);

impl ConnKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

/// A fake's request handler.
pub(crate) trait Handler: Send + Sync + 'static {
    fn handle(self: Arc<Self>, req: Request<Incoming>, kill: ConnKill) -> BoxFuture<Resp>;
}

/// A running server; stops when dropped.
pub(crate) struct Running {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts `handler` on 127.0.0.1 with an OS-chosen port, on a named thread.
pub(crate) fn start<H: Handler>(name: &str, handler: Arc<H>) -> Running {
    let (addr_tx, addr_rx) = std::sync::mpsc::sync_channel(1);
    let (shutdown_tx, mut shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("fake-{name}"))
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("fake-worker")
                .enable_all()
                .build()
                .expect("a tokio runtime for the fake");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                let _ = addr_tx.send(listener.local_addr().expect("local addr"));
                loop {
                    tokio::select! {
                        _ = &mut shutdown_rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let handler = handler.clone();
                            tokio::spawn(serve_connection(stream, handler));
                        }
                    }
                }
            });
            rt.shutdown_background();
        })
        .expect("spawn the fake's thread");
    let addr = addr_rx.recv().expect("the fake reports its address");
    Running {
        addr,
        shutdown: Some(shutdown_tx),
        thread: Some(thread),
    }
}

async fn serve_connection<H: Handler>(stream: tokio::net::TcpStream, handler: Arc<H>) {
    let kill = Arc::new(Notify::new());
    let kill_for_svc = kill.clone();
    let svc = hyper::service::service_fn(move |req| {
        let h = handler.clone();
        let k = ConnKill(kill_for_svc.clone());
        async move { Ok::<_, std::convert::Infallible>(h.handle(req, k).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {} // dropping the connection closes the socket mid-request
    }
}

/// Reads the whole body; with `drop_after`, reads about that many bytes, then kills the
/// connection and never returns. With `bytes_per_sec`, reads no faster than that (an uplink).
pub(crate) async fn read_body(
    body: Incoming,
    drop_after: Option<usize>,
    kill: &ConnKill,
    bytes_per_sec: Option<u64>,
) -> Vec<u8> {
    let mut body = body;
    let mut out = Vec::new();
    let started = tokio::time::Instant::now();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Some(data) = frame.data_ref() {
            out.extend_from_slice(data);
        }
        if let Some(rate) = bytes_per_sec.filter(|r| *r > 0) {
            let due = std::time::Duration::from_secs_f64(out.len() as f64 / rate as f64);
            tokio::time::sleep_until(started + due).await;
        }
        if drop_after.is_some_and(|n| out.len() >= n) {
            break;
        }
    }
    if drop_after.is_some() {
        kill.kill();
        std::future::pending::<()>().await;
    }
    out
}

/// A JSON response with extra headers.
pub(crate) fn json(
    status: StatusCode,
    value: &serde_json::Value,
    headers: &[(&str, String)],
) -> Resp {
    let mut b = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    b.body(Full::new(Bytes::from(value.to_string())))
        .expect("a valid response")
}

pub(crate) fn bytes(status: StatusCode, content_type: &str, body: Vec<u8>) -> Resp {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}

/// Splits `a=b&c=d` into a map (no percent-decoding needed for the ids we use).
pub(crate) fn query_map(q: Option<&str>) -> HashMap<String, String> {
    q.unwrap_or_default()
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An RFC 3339 timestamp for Unix seconds (UTC), as the APIs print them.
pub(crate) fn iso(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A fresh UUID-shaped id (not random-quality, just unique within the process).
pub(crate) fn uuid() -> String {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let a = t ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        n & 0xfff,
        (a >> 4) & 0xfff,
        (n << 20 | (a & 0xfffff)) & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_750_000_000), "2025-06-15T15:06:40.000Z");
    }

    #[test]
    fn signatures_expire_and_resist_tampering() {
        let c = Common::default();
        let (path, _) = c.signed_path("f1", 3600);
        let q = query_map(path.split_once('?').map(|x| x.1));
        assert!(c.check_signature("f1", &q).is_ok());
        assert!(c.check_signature("f2", &q).is_err());
        c.advance(3601);
        assert_eq!(c.check_signature("f1", &q), Err("Request has expired"));
    }
}
