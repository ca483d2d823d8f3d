//! `clipnote follow`, `inbox`, `watch` and `unfollow` as a user runs them, against the contract
//! fakes: teammates post with the real binary under their own tokens (and by hand through the
//! fakes' API with curl), then Ada follows their page and task and watches.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fakes::{ClickUpFake, NotionFake};
use serde_json::Value;
use testkit::clip::Synth;

const ADA_NOTION: &str = "ntn_ADA_inbox_secret_71";
const ADA_CLICKUP: &str = "pk_70_ADA_INBOX_SECRET";
const BOB_NOTION: &str = "ntn_BOB_inbox_secret_72";
const DANA_CLICKUP: &str = "pk_73_DANA_INBOX_SECRET";
const PAGE: &str = "5c6b1d0e2f3a4b5c8d9e0f1a2b3c4d5e";
const TEAM: &str = "9013";
const TASK: &str = "86c1inbox";

/// One person's clipnote: their own config, inbox, cache and tokens.
struct Person {
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Person {
    fn new(
        root: &Path,
        name: &str,
        notion: &str,
        clickup: &str,
        fakes: (&NotionFake, &ClickUpFake),
    ) -> Person {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(
            dir.join("config/config.toml"),
            format!("author = \"{name}\"\n"),
        )
        .unwrap();
        let p = |s: &str| dir.join(s).display().to_string();
        let env = vec![
            ("CLIPNOTE_CONFIG_DIR", p("config")),
            ("CLIPNOTE_OUTBOX_DIR", p("outbox")),
            ("CLIPNOTE_LIBRARY_DIR", p("library")),
            ("CLIPNOTE_INBOX_DIR", p("inbox")),
            ("CLIPNOTE_CACHE_DIR", p("cache")),
            ("CLIPNOTE_NO_KEYRING", "1".into()),
            ("CLIPNOTE_NOTION_TOKEN", notion.into()),
            ("CLIPNOTE_CLICKUP_TOKEN", clickup.into()),
            ("CLIPNOTE_NOTION_BASE_URL", fakes.0.base_url()),
            ("CLIPNOTE_CLICKUP_BASE_URL", fakes.1.base_url()),
            ("RUST_LOG", "debug".into()),
        ];
        Person { dir, env }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_clipnote"));
        c.args(args).stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.output().expect("clipnote runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    }

    fn inbox(&self, extra: &[&str]) -> Vec<Value> {
        let mut args = vec!["inbox", "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn curl(args: &[&str]) -> Value {
    let o = Command::new("curl")
        .arg("-sS")
        .args(args)
        .output()
        .expect("curl runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Ada's Notion page and ClickUp task, where Bob (Notion) and Dana (ClickUp) post too.
fn team_fakes() -> (NotionFake, ClickUpFake) {
    let notion = NotionFake::start(ADA_NOTION, PAGE);
    notion.add_page(PAGE, "Release notes");
    notion.add_user(BOB_NOTION, "Bob Builder");
    let clickup = ClickUpFake::start(ADA_CLICKUP, TEAM, TASK);
    clickup.add_task(TEAM, TASK, "Search filters", None);
    clickup.add_user(DANA_CLICKUP, 73, "Dana Diaz");
    (notion, clickup)
}

/// Ada, Bob (on Notion) and Dana (on ClickUp), each with a home of their own under `root`.
fn team(root: &std::path::Path, fakes: (&NotionFake, &ClickUpFake)) -> [Person; 3] {
    [
        Person::new(root, "Ada", ADA_NOTION, ADA_CLICKUP, fakes),
        Person::new(root, "Bob Builder", BOB_NOTION, "pk_none", fakes),
        Person::new(root, "Dana Diaz", "ntn_none", DANA_CLICKUP, fakes),
    ]
}

/// A small synthetic clip at `path`.
fn small_clip(path: &std::path::Path, width: u32, height: u32, secs: u32) -> std::path::PathBuf {
    Synth {
        width,
        height,
        secs,
        ..Synth::default()
    }
    .make(path);
    path.to_path_buf()
}

#[test]
fn follow_inbox_and_watch_teammates_clips_from_notion_and_clickup() {
    let (notion, clickup) = team_fakes();
    let root = tempfile::tempdir().unwrap();
    let fakes = (&notion, &clickup);
    let [ada, bob, dana] = team(root.path(), fakes);
    let clip = small_clip(&root.path().join("walkthrough.mp4"), 320, 240, 3);
    let clip_arg = clip.to_str().unwrap();

    // 100 notes come first, so Bob's clip is on the second page of blocks.
    let notes: Vec<Value> = (0..100)
        .map(|i| serde_json::json!({ "paragraph": { "rich_text": [{ "text": { "content": format!("note {i}") } }] } }))
        .collect();
    curl(&[
        "-X",
        "PATCH",
        &format!("{}/v1/blocks/{PAGE}/children", notion.base_url()),
        "-H",
        &format!("Authorization: Bearer {BOB_NOTION}"),
        "-H",
        "Notion-Version: 2025-09-03",
        "-H",
        "Content-Type: application/json",
        "-d",
        &serde_json::json!({ "children": notes }).to_string(),
    ]);
    // Then Bob posts on the Notion page.
    bob.ok(&[
        "post",
        clip_arg,
        "--to",
        PAGE,
        "--title",
        "Release 2.4 walkthrough",
        "--summary",
        "- new search\n- **breaking**: v1 API gone",
    ]);
    notion.advance_clock(120);
    clickup.advance_clock(120);
    // Dana posts on the ClickUp task, then 30 replies push her comment to the second page.
    dana.ok(&[
        "post",
        clip_arg,
        "--to",
        &format!("https://app.clickup.com/t/{TASK}"),
        "--title",
        "Filters demo",
        "--summary",
        "Try the date filter",
    ]);
    for i in 0..30 {
        curl(&[
            "-X",
            "POST",
            &format!("{}/v2/task/{TASK}/comment", clickup.base_url()),
            "-H",
            &format!("Authorization: {DANA_CLICKUP}"),
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!("{{\"comment_text\":\"reply {i}\",\"notify_all\":false}}"),
        ]);
    }
    clickup.advance_clock(61);

    assert!(
        ada.ok(&[
            "follow",
            &format!("https://www.notion.so/acme/Release-notes-{PAGE}")
        ])
        .contains("Following Notion page")
    );
    ada.ok(&["follow", &format!("https://app.clickup.com/t/{TASK}")]);
    let entries = ada.inbox(&[]);
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Filters demo", "Release 2.4 walkthrough"],
        "newest first"
    );
    let (demo, walk) = (&entries[0], &entries[1]);
    assert_eq!(
        (demo["author"].as_str(), demo["task_name"].as_str()),
        (Some("Dana Diaz"), Some("Search filters"))
    );
    assert_eq!(demo["summary"], "Try the date filter");
    assert_eq!(walk["author"], "Bob Builder");
    assert_eq!(walk["task_name"], "Release notes");
    assert_eq!(walk["summary"], "- new search\n- breaking: v1 API gone");
    assert_eq!(
        walk["task_url"].as_str().unwrap(),
        format!("https://www.notion.so/Release-notes-{PAGE}")
    );
    let posted_at = walk["date_unix"].as_i64().unwrap();
    assert!(
        (posted_at - publish::now_unix() as i64).abs() < 600,
        "{}",
        walk["date"]
    );
    assert_eq!(walk["watched"], false);
    let duration = walk["duration_secs"].as_f64().unwrap();
    assert!((duration - 3.0).abs() < 1.0, "{duration}");

    // Filters.
    let by_dana = ada.inbox(&["--author", "dana"]);
    assert_eq!(by_dana.len(), 1);
    let on_page = ada.inbox(&["--task", PAGE, "--offline"]);
    assert_eq!(on_page.len(), 1);
    assert_eq!(on_page[0]["title"], "Release 2.4 walkthrough");
    let listing = ada.ok(&["inbox", "--offline"]);
    assert!(
        listing.contains("Filters demo — Dana Diaz · Search filters")
            && listing.contains("      - new search"),
        "{listing}"
    );

    // Two hours later (Notion's links live one): watch downloads through a fresh link.
    notion.advance_clock(2 * 3600);
    let id = walk["id"].as_str().unwrap();
    let path = PathBuf::from(ada.ok(&["watch", id, "--print-path"]).trim());
    assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&clip).unwrap());
    assert!(path.starts_with(ada.dir.join("cache")));
    assert_eq!(notion.state().downloads_with_auth, 0);
    let after = ada.inbox(&["--offline", "--task", PAGE]);
    let poster = PathBuf::from(
        after[0]["poster"]
            .as_str()
            .expect("a poster after the first watch"),
    );
    let probe = testkit::clip::Probe::of(&poster).unwrap();
    let video = probe.stream("video").unwrap();
    assert_eq!(
        (
            video["codec_name"].as_str(),
            video["width"].as_u64(),
            video["height"].as_u64()
        ),
        (Some("png"), Some(320), Some(240))
    );

    // Without --print-path the player window opens on the test world's screen, plays the
    // 3-second clip through, and marks it watched at 90%.
    let mut c = Command::new(env!("CARGO_BIN_EXE_clipnote"));
    c.args(["watch", id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &ada.env {
        c.env(k, v);
    }
    let mut player = c.spawn().expect("clipnote watch starts");
    let watched = |ada: &Person| {
        ada.inbox(&["--offline", "--task", PAGE])
            .iter()
            .any(|e| e["id"] == id && e["watched"] == true)
    };
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !watched(&ada)
        && std::time::Instant::now() < until
        && player.try_wait().unwrap().is_none()
    {
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let still_open = player.try_wait().unwrap().is_none();
    let _ = player.kill();
    let _ = player.wait();
    assert!(still_open, "the player window closed by itself");
    assert!(watched(&ada), "playing the clip through marks it watched");

    // Unfollow persists; the ClickUp clip leaves the inbox.
    ada.ok(&["unfollow", &format!("https://app.clickup.com/t/{TASK}")]);
    let follow = std::fs::read_to_string(ada.dir.join("config/follow.json")).unwrap();
    assert!(
        !follow.contains(TASK) && follow.contains(&PAGE[..8]),
        "{follow}"
    );
    assert_eq!(ada.inbox(&["--offline"]).len(), 1, "gone at once");
    assert_eq!(ada.inbox(&[]).len(), 1);

    // No token anywhere in Ada's files.
    for (p, bytes) in crate::post::files(&ada.dir) {
        for token in [ADA_NOTION, ADA_CLICKUP] {
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "token in {}",
                p.display()
            );
        }
        assert!(
            !bytes.windows(4).any(|w| w == b"sig="),
            "a signed URL stored in {}",
            p.display()
        );
    }
}

#[test]
fn bad_references_unshared_pages_and_the_cache_cap_get_clear_answers() {
    let notion = NotionFake::start(ADA_NOTION, PAGE);
    notion.add_user(BOB_NOTION, "Bob Builder");
    let clickup = ClickUpFake::start(ADA_CLICKUP, TEAM, TASK);
    let root = tempfile::tempdir().unwrap();
    let fakes = (&notion, &clickup);
    let ada = Person::new(root.path(), "Ada", ADA_NOTION, ADA_CLICKUP, fakes);
    std::fs::write(
        ada.dir.join("config/config.toml"),
        "author = \"Ada\"\n[inbox]\ncache_max_mib = 0\n",
    )
    .unwrap();
    let bob = Person::new(root.path(), "Bob", BOB_NOTION, "pk_none", fakes);

    let o = ada.run(&["follow", "not a task"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("cannot follow") && text(&o.stderr).contains("clickup-list:"),
        "{}",
        text(&o.stderr)
    );
    let o = ada.run(&[
        "follow",
        "https://www.notion.so/Secret-0123456789abcdef0123456789abcdef",
    ]);
    assert_eq!(code(&o), 6, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("share it with the integration"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        !ada.dir.join("config/follow.json").exists(),
        "an unreadable page is not followed"
    );
    let o = ada.run(&["unfollow", TASK]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("not followed") && text(&o.stderr).contains("the local library"),
        "{}",
        text(&o.stderr)
    );
    let o = ada.run(&["watch", "n0123456789", "--print-path"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("run `clipnote inbox`"),
        "{}",
        text(&o.stderr)
    );

    // With a cap of 0 MiB the cache keeps only the clip being watched.
    for (i, secs) in [(1, 2), (2, 3)] {
        let clip = root.path().join(format!("c{i}.mp4"));
        Synth {
            width: 160,
            height: 120,
            secs,
            ..Synth::default()
        }
        .make(&clip);
        bob.ok(&[
            "post",
            clip.to_str().unwrap(),
            "--to",
            PAGE,
            "--title",
            &format!("Clip {i}"),
        ]);
        notion.advance_clock(60);
    }
    ada.ok(&["follow", PAGE]);
    let ids: Vec<String> = ada
        .inbox(&[])
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let first = PathBuf::from(ada.ok(&["watch", &ids[0], "--print-path"]).trim());
    let second = PathBuf::from(ada.ok(&["watch", &ids[1], "--print-path"]).trim());
    assert!(second.is_file());
    assert!(!first.exists(), "the least recently used clip was evicted");

    // A teammate's broken file: an error that says so, never a crash. Clipnote refuses to
    // post it; another client (publish alone, which reads no media) does not.
    let junk = crate::bad_clip::noise(&root.path().join("junk.mp4"));
    let o = bob.run(&["post", junk.to_str().unwrap(), "--to", PAGE]);
    assert_eq!(code(&o), 12, "{}", text(&o.stderr));
    let mut settings = publish::Settings::new(bob.dir.join("config"), bob.dir.join("library"));
    settings.notion_base_url = notion.base_url();
    settings.notion_token = Some(publish::Token::new(BOB_NOTION));
    crate::inbox_ui::post_as(
        &settings,
        &bob.dir.join("other-client-outbox"),
        publish::TaskRef::parse(PAGE).unwrap(),
        &junk,
        "Junk",
        "Bob",
    );
    let entries = ada.inbox(&[]);
    let junk_id = entries.iter().find(|e| e["title"] == "Junk").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = ada.run(&["watch", &junk_id, "--print-path"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("the clip cannot be played"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        PathBuf::from(text(&o.stdout).trim()).is_file(),
        "the download itself is kept"
    );
}

#[test]
fn reply_answers_a_clip_from_the_inbox_on_the_same_task_exactly_once() {
    let (notion, clickup) = team_fakes();
    let root = tempfile::tempdir().unwrap();
    let fakes = (&notion, &clickup);
    let [ada, bob, dana] = team(root.path(), fakes);
    let clip = small_clip(&root.path().join("short.mp4"), 160, 120, 1);
    let clip_arg = clip.to_str().unwrap();
    for title in ["Login bug", "Search is slow"] {
        bob.ok(&[
            "post",
            clip_arg,
            "--to",
            PAGE,
            "--title",
            title,
            "--summary",
            "- see the clip",
        ]);
        notion.advance_clock(60);
    }
    let task_url = format!("https://app.clickup.com/t/{TASK}");
    dana.ok(&[
        "post",
        clip_arg,
        "--to",
        &task_url,
        "--title",
        "Filters demo",
    ]);
    clickup.advance_clock(61);
    ada.ok(&["follow", PAGE]);
    ada.ok(&["follow", &task_url]);
    let entries = ada.inbox(&[]);
    let id_of = |title: &str| {
        entries.iter().find(|e| e["title"] == title).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // A reply with a file that is not a playable clip is refused before anything is sent.
    let uploads = notion.state().uploads.len();
    let noise = crate::bad_clip::noise(&root.path().join("noise.mp4"));
    let o = ada.run(&["reply", &id_of("Login bug"), noise.to_str().unwrap()]);
    assert_eq!(code(&o), 12, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is not a playable video: no video stream")
            && text(&o.stderr).contains("Record it again, or pass the clip file itself"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        notion.state().uploads.len(),
        uploads,
        "nothing was uploaded"
    );

    // Notion: the answer to "Login bug" lands before "Search is slow", once, although the
    // append's answer is lost.
    notion.inject("append_video", fakes::Fault::UnavailableAfterEffect, 1);
    let out = ada.ok(&[
        "reply",
        &id_of("Login bug"),
        clip_arg,
        "--summary",
        "Fixed in 2.4.1",
        "--json",
    ]);
    let done: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["status"], "done", "{out}");
    assert_eq!(done["reply_to"]["title"], "Login bug");
    assert_eq!(notion.pending_faults(), 0);
    let texts: Vec<(String, String)> = notion
        .state()
        .blocks(PAGE)
        .into_iter()
        .map(|b| (b.kind, b.text))
        .collect();
    let at = |kind: &str, text: &str| {
        let found: Vec<usize> = (0..texts.len())
            .filter(|&i| texts[i].0 == kind && texts[i].1 == text)
            .collect();
        assert_eq!(found.len(), 1, "one {kind} {text:?} in {texts:#?}");
        found[0]
    };
    let reply_heading = at("heading_2", "Re: Login bug");
    assert_eq!(
        reply_heading,
        at("heading_2", "Login bug") + 4,
        "after its footer"
    );
    at("paragraph", "↩ Reply to Bob Builder's clip “Login bug”");
    assert_eq!(
        at("heading_2", "Search is slow"),
        reply_heading + 5,
        "{texts:#?}"
    );
    assert_eq!(texts.iter().filter(|t| t.0 == "video").count(), 3);

    // ClickUp: a threaded reply under Dana's comment, with a title of Ada's own.
    ada.ok(&[
        "reply",
        &id_of("Filters demo"),
        clip_arg,
        "--title",
        "Filters: works here",
    ]);
    let task = clickup.state().task(TASK);
    assert_eq!((task.attachments.len(), task.comments.len()), (2, 1));
    let thread = &task.replies[&task.comments[0].id];
    assert_eq!(thread.len(), 1);
    assert!(
        thread[0]
            .text
            .starts_with("↩ Reply to Dana Diaz's clip “Filters demo”")
            && thread[0].text.contains("Filters: works here"),
        "{}",
        thread[0].text
    );

    // An id that is not in the inbox: a usage error that says where the ids are.
    let o = ada.run(&["reply", "n0123456789", clip_arg]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("run `clipnote inbox`"),
        "{}",
        text(&o.stderr)
    );
}
