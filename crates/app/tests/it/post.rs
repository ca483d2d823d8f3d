//! `clipnote post`, `outbox` and `login` as a user runs them, against the contract fakes on
//! loopback: the real binary, real HTTP, real files — and `kill -9` between steps.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fakes::{ClickUpFake, Fault, NotionFake};

pub(crate) const NOTION_TOKEN: &str = "ntn_APP_IT_secret_9d2c";
pub(crate) const CLICKUP_TOKEN: &str = "pk_77_APP_IT_SECRET_e51a";
pub(crate) const PAGE: &str = "21ad8e4e98ab814e8d9600b2ded97d6c";
pub(crate) const TEAM: &str = "9012";
pub(crate) const TASK: &str = "86b0x2k7q";

/// A home for one test: config, outbox and library folders, and the fakes' URLs.
pub(crate) struct Home {
    pub(crate) dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Home {
    pub(crate) fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let p = |s: &str| dir.path().join(s).display().to_string();
        let env = vec![
            ("CLIPNOTE_CONFIG_DIR".into(), p("config")),
            ("CLIPNOTE_OUTBOX_DIR".into(), p("outbox")),
            ("CLIPNOTE_LIBRARY_DIR".into(), p("library")),
            ("CLIPNOTE_NO_KEYRING".into(), "1".into()),
            ("CLIPNOTE_NOTION_TOKEN".into(), NOTION_TOKEN.into()),
            ("CLIPNOTE_CLICKUP_TOKEN".into(), CLICKUP_TOKEN.into()),
            ("RUST_LOG".into(), "trace".into()),
        ];
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        Home { dir, env }
    }

    pub(crate) fn set(&mut self, k: &str, v: &str) {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
    }

    pub(crate) fn unset(&mut self, k: &str) {
        self.env.retain(|(key, _)| key != k);
    }

    pub(crate) fn config(&self, text: &str) {
        std::fs::write(self.dir.path().join("config/config.toml"), text).unwrap();
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_clipnote"));
        c.args(args)
            .env_remove("CLIPNOTE_NOTION_BASE_URL")
            .env_remove("CLIPNOTE_CLICKUP_BASE_URL");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd(args)
            .stdin(Stdio::null())
            .output()
            .expect("clipnote runs")
    }

    /// A small real clip (2 s, 320x240, H.264 + AAC): only a playable clip is posted.
    pub(crate) fn clip(&self) -> PathBuf {
        let path = self.dir.path().join("standup.mp4");
        testkit::clip::Synth {
            width: 320,
            height: 240,
            secs: 2,
            ..Default::default()
        }
        .make(&path);
        path
    }

    /// Fails if any token appears in a file under the home folder or in `texts`.
    pub(crate) fn assert_no_token(&self, texts: &[&[u8]]) {
        for token in [NOTION_TOKEN, CLICKUP_TOKEN] {
            for t in texts {
                assert!(!contains(t, token), "token in output");
            }
            for (path, bytes) in files(self.dir.path()) {
                assert!(!contains(&bytes, token), "token in {}", path.display());
            }
        }
    }
}

/// Every file under `dir`, recursively, with its bytes (for the token grep).
pub(crate) fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn post_to_notion_prints_the_page_link_and_never_logs_the_token() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    fake.inject("append_video", Fault::UnavailableAfterEffect, 1);
    let mut home = Home::new();
    home.set("CLIPNOTE_NOTION_BASE_URL", &fake.base_url());
    let clip = home.clip();
    let url = format!("https://www.notion.so/acme/Standup-{PAGE}?pvs=4");
    let o = home.run(&[
        "post",
        clip.to_str().unwrap(),
        "--to",
        &url,
        "--title",
        "Standup",
        "--summary",
        "- **done**: login fix",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout).trim(),
        format!("https://www.notion.so/{PAGE}")
    );
    let blocks = fake.state().blocks(PAGE);
    assert_eq!(blocks.iter().filter(|b| b.kind == "video").count(), 1);
    assert!(
        blocks
            .iter()
            .any(|b| b.kind == "bulleted_list_item" && b.text == "done: login fix")
    );
    assert!(
        contains(&o.stderr, "retrying"),
        "trace logging was on: {}",
        text(&o.stderr)
    );
    home.assert_no_token(&[&o.stdout, &o.stderr]);
}

#[test]
fn post_json_to_clickup_and_list_the_outbox() {
    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    let mut home = Home::new();
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &fake.base_url());
    let clip = home.clip();
    let summary = home.dir.path().join("summary.md");
    std::fs::write(&summary, "Context: *flaky* test\n\n1. rerun\n[ ] fix").unwrap();
    let o = home.run(&[
        "post",
        clip.to_str().unwrap(),
        "--to",
        TASK,
        "--summary-file",
        summary.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "done");
    assert_eq!(v["task_url"], format!("https://app.clickup.com/t/{TASK}"));
    let t = fake.state().task(TASK);
    assert_eq!((t.attachments.len(), t.comments.len()), (1, 1));
    assert_eq!(t.attachments[0].bytes, std::fs::read(&clip).unwrap());

    let o = home.run(&["outbox", "list", "--json"]);
    let jobs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(jobs[0]["status"], "done");
    home.assert_no_token(&[&o.stdout, &o.stderr]);
}

#[test]
fn killed_between_steps_then_outbox_run_posts_exactly_once() {
    for route in ["attachment", "comment"] {
        let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
        fake.inject(route, Fault::HangAfterEffect, 1);
        let mut home = Home::new();
        home.set("CLIPNOTE_CLICKUP_BASE_URL", &fake.base_url());
        let clip = home.clip();
        let mut child = home
            .cmd(&[
                "post",
                clip.to_str().unwrap(),
                "--to",
                TASK,
                "--title",
                "Killed",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(fake.hung());
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let o = home.run(&["outbox", "list", "--json"]);
        let jobs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(jobs[0]["status"], "queued", "{route}");

        let o = home.run(&["outbox", "run"]);
        assert!(o.status.success(), "{route}: {}", text(&o.stderr));
        let t = fake.state().task(TASK);
        assert_eq!(
            (t.attachments.len(), t.comments.len()),
            (1, 1),
            "{route}: exactly one clip and one summary"
        );
        home.assert_no_token(&[&o.stdout, &o.stderr]);
    }
}

#[test]
fn offline_posts_stay_queued_then_go_out_with_outbox_run() {
    let mut home = Home::new();
    home.config("[outbox]\nretry_for_secs = 1\n");
    home.set("CLIPNOTE_CLICKUP_BASE_URL", "http://127.0.0.1:9/api");
    let clip = home.clip();
    let o = home.run(&["post", clip.to_str().unwrap(), "--to", TASK]);
    assert_eq!(o.status.code(), Some(7), "QUEUED: {}", text(&o.stderr));
    let job_id = text(&o.stdout).trim().to_string();
    assert!(!job_id.is_empty(), "the job id is printed");
    assert!(
        text(&o.stderr).contains(&format!("Job {job_id}: see `clipnote outbox list`")),
        "{}",
        text(&o.stderr)
    );
    let o = home.run(&["outbox", "list"]);
    assert!(text(&o.stdout).contains(&job_id) && text(&o.stdout).contains("queued"));

    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &fake.base_url());
    let o = home.run(&["outbox", "run"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("done: https://app.clickup.com/t/86b0x2k7q"));
    assert_eq!(fake.state().task(TASK).attachments.len(), 1);
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_code() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut home = Home::new();
    home.set("CLIPNOTE_NOTION_BASE_URL", &fake.base_url());
    let clip = home.clip();
    let c = clip.to_str().unwrap();

    let o = home.run(&["post", c, "--to", "https://example.com/nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("paste a Notion page URL"));

    let o = home.run(&["post", c, "--to", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("Connections → add the integration"));

    home.set("CLIPNOTE_NOTION_TOKEN", "ntn_wrong");
    let o = home.run(&["post", c, "--to", PAGE]);
    assert_eq!(o.status.code(), Some(5), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("clipnote login notion"));

    home.unset("CLIPNOTE_NOTION_TOKEN");
    let o = home.run(&["post", c, "--to", PAGE]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        text(&o.stderr).contains("CLIPNOTE_NOTION_TOKEN"),
        "{}",
        text(&o.stderr)
    );

    home.config("author = \"Ada\"\n[notion]\nversoin = \"2025-09-03\"\n");
    let o = home.run(&["post", c, "--to", PAGE]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("line 3"), "{}", text(&o.stderr));
}

#[test]
fn login_from_stdin_stores_a_private_token_that_post_uses() {
    use std::io::Write;
    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    let mut home = Home::new();
    home.unset("CLIPNOTE_CLICKUP_TOKEN");
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &fake.base_url());
    let mut child = home
        .cmd(&["login", "clickup"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{CLICKUP_TOKEN}\n").as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("No keyring service"),
        "{}",
        text(&o.stderr)
    );
    assert!(!contains(&o.stderr, CLICKUP_TOKEN));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let file = home.dir.path().join("config/tokens/clickup");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let clip = home.clip();
    let o = home.run(&["post", clip.to_str().unwrap(), "--to", TASK]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(fake.state().task(TASK).comments.len(), 1);
}

#[test]
fn a_clip_over_the_notion_free_limit_is_re_encoded_to_fit() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    fake.state().max_file_bytes = fakes::notion::FREE_LIMIT_BYTES;
    let mut home = Home::new();
    home.set("CLIPNOTE_NOTION_BASE_URL", &fake.base_url());
    let clip = home.dir.path().join("big.mp4");
    testkit::clip::Synth::over_notion_free().make(&clip);
    let original = std::fs::metadata(&clip).unwrap().len();
    assert!(
        original > fakes::notion::FREE_LIMIT_BYTES,
        "the test clip must be over 5 MiB"
    );
    let o = home.run(&["post", clip.to_str().unwrap(), "--to", PAGE, "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("re-encoding it to fit"),
        "{}",
        text(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fitted = v["fit"]["bytes"].as_u64().unwrap();
    assert!(fitted <= fakes::notion::FREE_LIMIT_BYTES, "{v}");
    {
        let st = fake.state();
        let upload = st
            .uploads
            .values()
            .find(|u| u.attached)
            .expect("an attached upload");
        assert_eq!(upload.bytes.len() as u64, fitted);
    }

    // A limit no legible encode can meet is refused up front, saying what would fit.
    fake.state().max_file_bytes = 40_000;
    let o = home.run(&["post", clip.to_str().unwrap(), "--to", PAGE]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("cannot fit"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        std::fs::metadata(&clip).unwrap().len(),
        original,
        "the clip is untouched"
    );
    let st = fake.state();
    assert_eq!(
        st.blocks(PAGE).iter().filter(|b| b.kind == "video").count(),
        1,
        "nothing more was posted"
    );
}

#[test]
fn post_to_the_library_prints_where_the_clip_is() {
    let home = Home::new();
    let clip = home.clip();
    let o = home.run(&[
        "post",
        clip.to_str().unwrap(),
        "--to",
        "library",
        "--title",
        "Notes",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let printed = PathBuf::from(text(&o.stdout).trim());
    assert!(
        printed.starts_with(home.dir.path().join("library")),
        "{}",
        printed.display()
    );
    assert_eq!(
        std::fs::read(&printed).unwrap(),
        std::fs::read(&clip).unwrap()
    );
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(printed.with_extension("json")).unwrap()).unwrap();
    assert_eq!(sidecar["title"], "Notes");
}

/// Runs `cmd` to its end and returns its exit status's success and its peak resident memory
/// (`wait4`'s `ru_maxrss`), in bytes.
fn peak_rss(mut cmd: Command) -> (bool, u64) {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: waits for our own child, which `child` (never waited on by std) does not reap.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    std::mem::forget(child); // reaped by wait4: std must not wait for it again
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (ok, u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024)
}

#[test]
fn posting_a_large_clip_never_holds_the_file_in_memory() {
    let home = Home::new();
    let post = |clip: &Path| {
        let mut c = home.cmd(&["post", clip.to_str().unwrap(), "--to", "library"]);
        c.env("RUST_LOG", "info");
        peak_rss(c)
    };
    let small = home.clip();
    // ~75 MiB of noise: the checks before a post read every packet of it.
    let large = home.dir.path().join("large.mp4");
    testkit::clip::Synth::large().make(&large);
    let large_bytes = std::fs::metadata(&large).unwrap().len();
    assert!(large_bytes >= 60 << 20, "the clip is {large_bytes} bytes");

    let (ok, small_rss) = post(&small);
    assert!(ok, "posting the small clip failed");
    let (ok, large_rss) = post(&large);
    assert!(ok, "posting the large clip failed");
    let grew = large_rss.saturating_sub(small_rss);
    assert!(
        grew < large_bytes / 4,
        "posting a {} MiB clip peaked {} MiB above posting a small one ({} vs {} MiB): the file is held in memory",
        large_bytes >> 20,
        grew >> 20,
        large_rss >> 20,
        small_rss >> 20
    );
}
