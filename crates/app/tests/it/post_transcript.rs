//! `clipnote post` carries the transcript beside the clip (issue 11), as a user runs it: a clip of
//! real speech (jfk.wav) transcribed by `clipnote transcribe` with the real model, then posted
//! by the real binary to the Notion and ClickUp fakes (with replies lost after they were applied,
//! and a `kill -9` mid-step), to the library, and with `--no-transcript` or
//! `[transcript] post = false`. Read back through the fakes and the files.

use std::path::Path;
use std::process::Stdio;

use fakes::{ClickUpFake, Fault, NotionFake};
use testkit::speech::speech;

use crate::post::{CLICKUP_TOKEN, Home, NOTION_TOKEN, PAGE, TASK, TEAM, text};
use crate::transcribe::make_clip;

fn post(home: &Home, clip: &Path, to: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "post",
        clip.to_str().unwrap(),
        "--to",
        to,
        "--title",
        "Inaugural",
        "--summary",
        "- asked what we can do",
    ];
    args.extend_from_slice(extra);
    let o = home.run(&args);
    assert!(o.status.success(), "{to} {extra:?}: {}", text(&o.stderr));
    o
}

/// The toggle under the footer on the fake's page, as its lines; `None` when there is none.
fn notion_transcript(fake: &NotionFake) -> Option<(String, Vec<String>)> {
    let blocks = fake.state().blocks(PAGE);
    let toggles: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].kind == "toggle")
        .collect();
    assert!(toggles.len() <= 1, "one toggle at most");
    let i = *toggles.first()?;
    assert!(
        blocks[i - 1].text.contains("· clipnote "),
        "right under the summary's footer"
    );
    let lines = blocks[i]
        .children
        .iter()
        .flat_map(|p| p.text.lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    Some((blocks[i].text.clone(), lines))
}

#[test]
fn a_post_carries_the_transcript_beside_the_clip_once() {
    // Transcribing keeps a core busy: not while another test records.
    let _busy = testkit::world::screen_lock();
    let mut home = Home::new();
    home.set("CLIPNOTE_MODELS_DIR", speech().models_dir.to_str().unwrap());
    let clip = make_clip(home.dir.path(), "inaugural.mp4", speech().jfk.to_str(), 11);
    let o = home.run(&["transcribe", clip.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let beside = speech::beside::read_beside(&clip).unwrap().unwrap();
    let vtt = std::fs::read(speech::beside::captions_path(&clip)).unwrap();
    let said = beside.segments.len();
    assert!(said > 0);

    // Notion: the toggle once, under the summary, with the words and their times, though the
    // reply to the request that made it was lost.
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.inject("append_transcript", Fault::UnavailableAfterEffect, 1);
    home.set("CLIPNOTE_NOTION_BASE_URL", &notion.base_url());
    post(&home, &clip, PAGE, &[]);
    assert_eq!(notion.pending_faults(), 0);
    let (title, lines) = notion_transcript(&notion).expect("a transcript toggle");
    assert!(title.starts_with("Transcript (0:1"), "{title}");
    assert_eq!(lines.len(), said, "{lines:?}");
    for (line, segment) in lines.iter().zip(&beside.segments) {
        let secs = segment.start_secs as u64;
        let time = format!("{}:{:02} ", secs / 60, secs % 60);
        assert!(line.starts_with(&time), "{line:?} starts at {time:?}");
    }
    let all = lines.join(" ").to_lowercase();
    assert!(all.contains("ask not what your country"), "{all}");

    // ClickUp: one threaded reply under the summary comment, the captions attached once.
    let clickup = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    clickup.inject("reply", Fault::UnavailableAfterEffect, 1);
    clickup.inject("attachment_captions", Fault::UnavailableAfterEffect, 1);
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &clickup.base_url());
    let o = post(&home, &clip, TASK, &["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["transcript_lines"], said);
    assert_eq!(clickup.pending_faults(), 0);
    let task = clickup.state().task(TASK);
    assert_eq!(task.comments.len(), 1);
    let replies = &task.replies[&task.comments[0].id];
    assert_eq!(replies.len(), 1, "one reply under the summary");
    assert!(
        replies[0].text.starts_with("Transcript (0:1"),
        "{}",
        replies[0].text
    );
    assert!(
        replies[0]
            .text
            .to_lowercase()
            .contains("ask not what your country")
    );
    let captions: Vec<_> = task
        .attachments
        .iter()
        .filter(|a| a.title.ends_with(".vtt"))
        .collect();
    assert_eq!(captions.len(), 1);
    assert_eq!(captions[0].bytes, vtt, "the captions beside the clip");
    home.assert_no_token(&[&o.stdout, &o.stderr]);

    // Left out: for one post, and for every post by the setting.
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    home.set("CLIPNOTE_NOTION_BASE_URL", &notion.base_url());
    post(&home, &clip, PAGE, &["--no-transcript"]);
    assert!(notion_transcript(&notion).is_none());
    let clickup = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &clickup.base_url());
    home.config("[transcript]\npost = false\n");
    post(&home, &clip, TASK, &[]);
    let task = clickup.state().task(TASK);
    assert_eq!(task.attachments.len(), 1, "the clip alone");
    assert!(task.replies.is_empty());
    home.config("");

    // The library: the captions beside the posted clip, the segments in its sidecar.
    post(&home, &clip, "library", &[]);
    let library = home.dir.path().join("library");
    let posted = crate::real_app::files_ending(&library, ".mp4");
    assert_eq!(posted.len(), 1);
    assert_eq!(std::fs::read(posted[0].with_extension("vtt")).unwrap(), vtt);
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(posted[0].with_extension("json")).unwrap()).unwrap();
    let segments = side["transcript"].as_array().unwrap();
    assert_eq!(segments.len(), said);
    assert_eq!(segments[0]["start_secs"], beside.segments[0].start_secs);

    // Killed (-9) while the toggle was being made: `outbox run` finishes it, once.
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.inject("append_transcript", Fault::HangAfterEffect, 1);
    home.set("CLIPNOTE_NOTION_BASE_URL", &notion.base_url());
    let mut child = home
        .cmd(&["post", clip.to_str().unwrap(), "--to", PAGE])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(notion.hung());
    child.kill().unwrap();
    child.wait().unwrap();
    let o = home.run(&["outbox", "run"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (_, lines) = notion_transcript(&notion).expect("a transcript toggle");
    assert_eq!(lines.len(), said, "each line once");
}

#[test]
fn settings_turns_the_transcript_off_for_every_post() {
    use egui_kittest::kittest::Queryable;
    let home = crate::ui::Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(app::ui::Screen::Settings);
    let mut h = crate::ui::harness(options);
    h.run_steps(2);
    h.get_by_label("Post the transcript with each clip").click();
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("posts leave the transcript out")
            .is_some()
    );
    let config = home.path("config").join("config.toml");
    let file = app::config::load_from(&config).unwrap();
    assert_eq!(
        file.transcript.post,
        Some(false),
        "kept for `clipnote post` too"
    );
    h.get_by_label("Post the transcript with each clip").click();
    h.run_steps(2);
    let file = app::config::load_from(&config).unwrap();
    assert_eq!(file.transcript.post, Some(true));
}
