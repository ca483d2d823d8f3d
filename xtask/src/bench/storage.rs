//! `cargo xtask bench storage`: team storage against a local SeaweedFS (`weed mini`, the one the
//! tests use), beside boto3's managed transfer.
//!
//! - a ~200 MiB clip uploaded with `clipnote post --to s3://…` and with boto3's `upload_file`
//!   (default settings) in the same run, after a small write that wakes the server, three times
//!   each side taking turns at going first: the median throughput of each (whole process, start
//!   to exit) and the ratio (target ≥ 1.0× boto3), and clipnote's peak RSS (target ≤ 150 MB: the file is
//!   streamed a part at a time);
//! - the bytes sent again when the server is killed (`kill -9`) mid-upload and the job resumed
//!   with `clipnote outbox run` (through the tests' counting proxy);
//! - a prefix of 10,000 sidecars (seeded by boto3): the time of the first read (`clipnote
//!   follow`) and of a second refresh (`clipnote inbox --json`) to the newest 50 clips.
//!
//! It runs the `clipnote` binary it is given (`--clipnote PATH`), else the debug build, which it
//! builds; a benchmark, not a test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::proc::{self, Usage};
use crate::{Result, cargo, fail, run_checked};

#[path = "../../../crates/testkit/src/proxy.rs"]
#[allow(dead_code)]
mod proxy;
/// The S3 server and the counting proxy, shared with the tests (plain std).
#[path = "../../../crates/testkit/src/s3.rs"]
#[allow(dead_code)]
mod weed;

const BOTO3: &str = "boto3==1.44.5";
const BUCKET: &str = "bench";
const CLIP_MIB: u64 = 200;
/// Upload rounds per side.
const ROUNDS: usize = 3;

pub fn run(args: &[String]) -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::S3])?;
    let target = crate::target_dir();
    let weed_bin = crate::s3::ensure(&target)?;
    let python = boto3_venv(&target)?;
    let clipnote = match args.iter().position(|a| a == "--clipnote") {
        Some(i) => PathBuf::from(args.get(i + 1).ok_or("--clipnote needs a path")?),
        None => {
            eprintln!("xtask: cargo build -p app --bins (debug)");
            run_checked(cargo().args(["build", "--quiet", "-p", "app", "--bins"]))?;
            target.join("debug").join("clipnote")
        }
    };
    // SAFETY: no other thread runs yet (the proxy's start later); `Weed` reads it.
    unsafe { std::env::set_var("CLIPNOTE_TEST_WEED", &weed_bin) };
    let dir = target.join("bench").join("storage");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    let clip = dir.join("big.mp4");
    make_clip(&clip)?;
    let size = std::fs::metadata(&clip)
        .map_err(|e| fail(e.to_string()))?
        .len();
    let mut server = weed::Weed::start(&[BUCKET]);

    // 1. Upload. The server makes a bucket's first volumes on its first write (~0.2 s), which
    // neither side should pay: a small object goes first. Then three rounds, taking turns at
    // going first; the medians are compared (one boto3 start-up alone varies by ~0.3 s).
    let warm = dir.join("warm.bin");
    std::fs::write(&warm, vec![7u8; 1 << 20]).map_err(|e| fail(e.to_string()))?;
    boto3_upload(&python, &server, "warm/warm.bin", &warm)?;
    let home = Home::new(&dir.join("home-post"), &server.endpoint())?;
    let (mut ours, mut boto) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let post = || {
            home.measured(
                &clipnote,
                &["post", path(&clip), "--to", "s3://bench/clipnote"],
            )
        };
        let key = format!("boto3/big-{round}.mp4");
        if round % 2 == 0 {
            ours.push(post()?);
            boto.push(boto3_upload(&python, &server, &key, &clip)?);
        } else {
            boto.push(boto3_upload(&python, &server, &key, &clip)?);
            ours.push(post()?);
        }
    }
    let ours_walls: Vec<f64> = ours.iter().map(|u| u.wall_secs).collect();
    let ours_wall = median(&ours_walls);
    let ours_rss = ours.iter().map(|u| u.max_rss_bytes).max().unwrap_or(0);
    let boto_walls: Vec<f64> = boto.iter().map(|b| b.0).collect();
    let boto_wall = median(&boto_walls);
    let boto_inner = median(&boto.iter().map(|b| b.1).collect::<Vec<_>>());
    let mib = size as f64 / (1024.0 * 1024.0);

    // 2. Resume after kill -9 of the server, two parts in.
    let upstream = server
        .endpoint()
        .trim_start_matches("http://")
        .parse()
        .map_err(|_| "endpoint")?;
    let counting = proxy::Proxy::start(upstream);
    let home = Home::new(&dir.join("home-resume"), &counting.endpoint())?;
    counting.hold_parts_after(2);
    let child = home
        .cmd(
            &clipnote,
            &["post", path(&clip), "--to", "s3://bench/resume"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    counting.wait_held();
    server.kill9();
    counting.release();
    let _ = child.wait_with_output();
    server.restart();
    let resumed = home.measured(&clipnote, &["outbox", "run"])?;
    let part_bytes: u64 = counting
        .seen()
        .iter()
        .filter(|s| s.part_number().is_some())
        .map(|s| s.body_bytes)
        .sum();
    let resent = part_bytes.saturating_sub(size);

    // 3. The team's library: 10,000 sidecars, first read and second refresh.
    let seeded = Instant::now();
    run_checked(
        Command::new(&python)
            .arg(script())
            .args(["seed", &server.endpoint(), BUCKET, "team", "10000"])
            .envs(server.env()),
    )?;
    let seed_secs = seeded.elapsed().as_secs_f64();
    let home = Home::new(&dir.join("home-inbox"), &server.endpoint())?;
    let first = home.measured(&clipnote, &["follow", "s3://bench/team"])?;
    let second = home.measured(&clipnote, &["inbox", "--json"])?;
    let listed = home.output(&clipnote, &["inbox", "--json"])?;
    let newest_ok = listed.contains("\"title\":\"Clip 9999\"");

    println!("\nteam storage, local SeaweedFS 4.48 (weed mini), clip {mib:.0} MiB");
    println!("{:<44} {:>10} {:>12}", "", "seconds", "MiB/s");
    println!(
        "{:<44} {:>10.2} {:>12.1}",
        "clipnote post (whole process)",
        ours_wall,
        mib / ours_wall
    );
    println!(
        "{:<44} {:>10.2} {:>12.1}",
        "boto3 upload_file (whole process)",
        boto_wall,
        mib / boto_wall
    );
    println!(
        "{:<44} {:>10.2} {:>12.1}",
        "boto3 upload_file (inside python)",
        boto_inner,
        mib / boto_inner
    );
    println!(
        "(medians of {ROUNDS} rounds, each side going first in turn; clipnote {}, boto3 {} s)",
        listed_secs(&ours_walls),
        listed_secs(&boto_walls)
    );
    println!(
        "ratio clipnote/boto3 (whole process): {:.2}x (target >= 1.0x)",
        boto_wall / ours_wall
    );
    println!(
        "clipnote post peak RSS: {:.0} MB (target <= 150 MB)",
        ours_rss as f64 / 1e6
    );
    println!(
        "kill -9 of the server after 2 parts: {:.1} MiB sent again ({:.1} MiB of parts for a {mib:.0} MiB clip); outbox run {:.2} s",
        resent as f64 / 1048576.0,
        part_bytes as f64 / 1048576.0,
        resumed.wall_secs
    );
    println!("10,000 sidecars seeded by boto3 in {seed_secs:.1} s");
    println!(
        "inbox, 10,000 clips: first read (follow) {:.2} s, second refresh {:.2} s; newest first: {}",
        first.wall_secs,
        second.wall_secs,
        if newest_ok { "yes" } else { "NO" }
    );
    println!("(clipnote: {})", clipnote.display());
    Ok(0)
}

/// Uploads `file` to `key` with boto3's `upload_file`: (whole process, inside Python) seconds.
fn boto3_upload(python: &Path, server: &weed::Weed, key: &str, file: &Path) -> Result<(f64, f64)> {
    let started = Instant::now();
    let out = Command::new(python)
        .arg(script())
        .args(["upload", &server.endpoint(), BUCKET, key, path(file)])
        .envs(server.env())
        .output()
        .map_err(|e| fail(format!("cannot run boto3: {e}")))?;
    let wall = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(fail(format!(
            "boto3 upload failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let inner = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);
    Ok((wall, inner))
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn listed_secs(values: &[f64]) -> String {
    let each: Vec<String> = values.iter().map(|v| format!("{v:.2}")).collect();
    each.join(" / ")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn script() -> PathBuf {
    crate::root()
        .join("xtask")
        .join("scripts")
        .join("s3_bench.py")
}

/// ~200 MiB of incompressible H.264 (noise, lossless) that plays.
fn make_clip(out: &Path) -> Result<()> {
    let secs = (CLIP_MIB as f64 / 18.0).ceil();
    run_checked(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!(
                "testsrc2=size=640x480:rate=30:duration={secs},noise=alls=100:allf=t"
            ))
            .args([
                "-f",
                "lavfi",
                "-i",
                &format!("sine=frequency=440:duration={secs}"),
            ])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "0",
                "-pix_fmt",
                "yuv420p",
            ])
            .args(["-c:a", "aac", "-movflags", "+faststart"])
            .arg(out),
    )
}

/// boto3 in a venv under `<target>/bench/`.
fn boto3_venv(target: &Path) -> Result<PathBuf> {
    let venv = target.join("bench").join("boto3-venv");
    let python = venv.join("bin").join("python");
    let has = || {
        Command::new(&python)
            .args(["-c", "import boto3"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has() {
        return Ok(python);
    }
    eprintln!("xtask: installing {BOTO3} (PyPI) into {}", venv.display());
    run_checked(
        Command::new("/usr/bin/python3")
            .args(["-m", "venv"])
            .arg(&venv),
    )?;
    run_checked(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--only-binary=:all:"])
            .arg(BOTO3),
    )?;
    if has() {
        Ok(python)
    } else {
        Err(fail("boto3 does not import in its venv"))
    }
}

/// A private config, outbox and inbox for one `clipnote` run, pointed at `endpoint`.
struct Home {
    env: Vec<(String, String)>,
    /// Where the measured runs' stderr is kept, one after the other (`RUST_LOG=debug` shows where
    /// their time went).
    stderr: PathBuf,
}

impl Home {
    fn new(dir: &Path, endpoint: &str) -> Result<Home> {
        std::fs::create_dir_all(dir.join("config")).map_err(|e| fail(e.to_string()))?;
        let p = |s: &str| dir.join(s).display().to_string();
        let env = vec![
            ("CLIPNOTE_CONFIG_DIR".to_string(), p("config")),
            ("CLIPNOTE_OUTBOX_DIR".into(), p("outbox")),
            ("CLIPNOTE_LIBRARY_DIR".into(), p("library")),
            ("CLIPNOTE_INBOX_DIR".into(), p("inbox")),
            ("CLIPNOTE_CACHE_DIR".into(), p("cache")),
            ("CLIPNOTE_LOG_DIR".into(), p("logs")),
            ("CLIPNOTE_NO_KEYRING".into(), "1".into()),
            ("AWS_ACCESS_KEY_ID".into(), weed::ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), weed::SECRET_KEY.into()),
            ("AWS_REGION".into(), weed::REGION.into()),
            ("AWS_ENDPOINT_URL".into(), endpoint.into()),
        ];
        Ok(Home {
            env,
            stderr: dir.join("stderr.log"),
        })
    }

    fn cmd(&self, clipnote: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(clipnote);
        c.args(args)
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null());
        c
    }

    fn measured(&self, clipnote: &Path, args: &[&str]) -> Result<Usage> {
        let stderr = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&self.stderr)
            .map_err(|e| fail(format!("cannot create {}: {e}", self.stderr.display())))?;
        let started = Instant::now();
        let child = self
            .cmd(clipnote, args)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| fail(format!("cannot run {}: {e}", clipnote.display())))?;
        let usage = proc::wait_measured(child, started)?;
        if !usage.status.success() {
            return Err(fail(format!(
                "clipnote {} failed ({})",
                args.join(" "),
                usage.status
            )));
        }
        Ok(usage)
    }

    fn output(&self, clipnote: &Path, args: &[&str]) -> Result<String> {
        let out = self
            .cmd(clipnote, args)
            .output()
            .map_err(|e| fail(e.to_string()))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}
