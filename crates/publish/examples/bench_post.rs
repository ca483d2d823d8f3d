//! Benchmark: post a 1-minute clip to each contract fake on loopback and print the time from
//! the start to the task showing the clip, split into the upload itself (first to last byte
//! handed to the socket) and everything else (API calls, waits), plus the number of requests.
//!
//! ```text
//! cargo run -p publish --example bench_post [-- --clip PATH] [--runs N]
//! ```
//! Without `--clip`, a 1-minute 1280x720 H.264 clip is made with the `ffmpeg` CLI (or, when
//! that is missing, 4 MiB of stand-in bytes). `cargo xtask bench post` wraps this.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use publish::{Event, NewPost, Outbox, Progress, RetryPolicy, Settings, Step, TaskRef, Token};

const NOTION_TOKEN: &str = "ntn_bench_token";
const CLICKUP_TOKEN: &str = "pk_1_bench_token";
const PAGE: &str = "21ad8e4e98ab814e8d9600b2ded97d6c";
const TASK: &str = "86b0x2k7q";

#[derive(Debug, Default)]
struct Timing {
    total: Duration,
    clip_visible: Duration,
    /// First to last byte of the clip handed to the connection.
    bytes: Duration,
    /// The whole upload step: limit check, upload requests, the server taking the bytes.
    upload_step: Duration,
    requests: usize,
}

fn make_clip(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("bench-1min.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
        ])
        .args([
            "-t",
            "60",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-movflags",
            "+faststart",
        ])
        .arg(&path)
        .status();
    if status.is_ok_and(|s| s.success()) {
        return path;
    }
    eprintln!("ffmpeg not available: using 4 MiB of stand-in bytes");
    let bytes: Vec<u8> = (0..4 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&path, bytes).expect("write the stand-in clip");
    path
}

async fn post_once(
    settings: &Settings,
    outbox: &Outbox,
    to: &str,
    clip: &std::path::Path,
) -> Timing {
    let (progress, mut rx) = Progress::channel(65_536);
    let started = Instant::now();
    let collector = tokio::spawn(async move {
        let (mut first_byte, mut last_byte, mut summary_at) = (None, None, None);
        let (mut upload_at, mut attach_at) = (None, None);
        while let Some(ev) = rx.recv().await {
            let now = started.elapsed();
            match ev {
                Event::Bytes { sent, total, .. } => {
                    first_byte.get_or_insert(now);
                    if sent == total {
                        last_byte = Some(now);
                    }
                }
                Event::Step {
                    step: Step::Upload, ..
                } => upload_at = Some(now),
                Event::Step {
                    step: Step::Attach, ..
                } => attach_at = Some(now),
                Event::Step {
                    step: Step::Summary,
                    ..
                } => summary_at = Some(now),
                Event::Done { .. } => break,
                _ => {}
            }
        }
        (first_byte, last_byte, summary_at, upload_at, attach_at)
    });
    let job = outbox
        .enqueue(NewPost {
            to: TaskRef::parse(to).expect("a valid reference"),
            clip: clip.to_path_buf(),
            title: "Bench: one minute".into(),
            summary: "- what changed\n- **decision** needed\n1. next step".into(),
            author: "bench".into(),
            duration_secs: publish::mp4::duration_secs(clip),
            reply_to: None,
            transcript: None,
        })
        .expect("enqueue");
    outbox
        .run_job(&job.id, settings, &progress)
        .await
        .expect("the post succeeds");
    let total = started.elapsed();
    drop(progress);
    let (first, last, summary_at, upload_at, attach_at) = collector.await.expect("collector");
    Timing {
        total,
        // The clip shows on the task once the attach step is done, i.e. when the summary starts.
        clip_visible: summary_at.unwrap_or(total),
        bytes: last
            .zip(first)
            .map(|(l, f)| l.saturating_sub(f))
            .unwrap_or_default(),
        upload_step: attach_at
            .zip(upload_at)
            .map(|(a, u)| a.saturating_sub(u))
            .unwrap_or_default(),
        requests: 0,
    }
}

fn print(name: &str, runs: &[Timing], clip_bytes: u64) {
    let med = |f: &dyn Fn(&Timing) -> Duration| {
        let mut v: Vec<Duration> = runs.iter().map(f).collect();
        v.sort();
        v[v.len() / 2]
    };
    let total = med(&|t| t.total);
    let upload = med(&|t| t.upload_step);
    let bytes = med(&|t| t.bytes);
    let visible = med(&|t| t.clip_visible);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<8} {:>5.2} MiB | start→clip on task {:>6.1} ms | total {:>6.1} ms | upload step {:>6.1} ms (bytes on the wire {:>5.1} ms) | beyond the upload {:>6.1} ms | requests {}",
        clip_bytes as f64 / 1048576.0,
        ms(visible),
        ms(total),
        ms(upload),
        ms(bytes),
        ms(total.saturating_sub(upload)),
        runs[0].requests,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = arg("--runs")
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    let dir = tempfile::tempdir().expect("a temp dir");
    let clip = arg("--clip")
        .map(PathBuf::from)
        .unwrap_or_else(|| make_clip(dir.path()));
    let clip_bytes = std::fs::metadata(&clip).expect("the clip").len();
    println!(
        "bench post: {} ({} bytes, {:.1} s), {runs} runs each, median shown; loopback fakes, debug build",
        clip.display(),
        clip_bytes,
        publish::mp4::duration_secs(&clip).unwrap_or(0.0)
    );

    let mut settings = Settings::new(dir.path().join("config"), dir.path().join("library"));
    settings.retry = RetryPolicy::default();
    settings.notion_token = Some(Token::new(NOTION_TOKEN));
    settings.clickup_token = Some(Token::new(CLICKUP_TOKEN));

    let mut results = Vec::new();
    for _ in 0..runs {
        let fake = fakes::NotionFake::start(NOTION_TOKEN, PAGE);
        let mut s = settings.clone();
        s.notion_base_url = fake.base_url();
        let outbox = Outbox::open(dir.path().join("outbox-notion")).expect("outbox");
        let mut t = post_once(&s, &outbox, PAGE, &clip).await;
        t.requests = fake.requests().len();
        results.push(t);
    }
    print("notion", &results, clip_bytes);

    let mut results = Vec::new();
    for _ in 0..runs {
        let fake = fakes::ClickUpFake::start(CLICKUP_TOKEN, "9012", TASK);
        let mut s = settings.clone();
        s.clickup_base_url = fake.base_url();
        let outbox = Outbox::open(dir.path().join("outbox-clickup")).expect("outbox");
        let mut t = post_once(&s, &outbox, TASK, &clip).await;
        t.requests = fake.requests().len();
        results.push(t);
    }
    print("clickup", &results, clip_bytes);

    let mut results = Vec::new();
    for _ in 0..runs {
        let outbox = Outbox::open(dir.path().join("outbox-library")).expect("outbox");
        results.push(post_once(&settings, &outbox, "library", &clip).await);
    }
    print("library", &results, clip_bytes);
}
