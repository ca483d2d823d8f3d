//! A file that is not a playable clip is refused before anything leaves the machine: by `post`
//! (random bytes, an empty file, a folder, a clip cut in half), and by `outbox run` when a
//! queued job's file was replaced after it was queued — the job failed with the reason, kept.

use std::path::{Path, PathBuf};

use fakes::{ClickUpFake, Fault, NotionFake};

use crate::post::{CLICKUP_TOKEN, Home, NOTION_TOKEN, PAGE, TASK, TEAM, text};

/// `clipnote`'s exit code for a clip that is not a playable video.
const BAD_CLIP: i32 = 12;

/// 300 KB of random bytes named like a clip.
pub(crate) fn noise(path: &Path) -> PathBuf {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let bytes: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    std::fs::write(path, bytes).unwrap();
    path.to_owned()
}

/// A real 8-second clip (index first), cut in half with std: its header promises 8 s.
pub(crate) fn half_a_clip(path: &Path) -> PathBuf {
    let whole = path.with_extension("whole.mp4");
    testkit::clip::Synth {
        width: 320,
        height: 240,
        secs: 8,
        ..Default::default()
    }
    .make(&whole);
    let bytes = std::fs::read(&whole).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    path.to_owned()
}

#[test]
fn post_refuses_what_is_not_a_playable_clip_and_sends_nothing() {
    let clickup = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut home = Home::new();
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &clickup.base_url());
    home.set("CLIPNOTE_NOTION_BASE_URL", &notion.base_url());
    let dir = home.dir.path().to_owned();
    let empty = dir.join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let folder = dir.join("folder.mp4");
    std::fs::create_dir(&folder).unwrap();
    let cases = [
        (noise(&dir.join("noise.mp4")), "no video stream".to_owned()),
        (empty, "it is empty".to_owned()),
        (folder, "it is a folder".to_owned()),
        (
            half_a_clip(&dir.join("half.mp4")),
            "of its 8.0 s: the file is incomplete".to_owned(),
        ),
    ];
    for (clip, cause) in &cases {
        let clip = clip.to_str().unwrap();
        for to in [TASK, PAGE] {
            let o = home.run(&["post", clip, "--to", to, "--title", "Bad"]);
            let err = text(&o.stderr);
            eprintln!("{err}");
            assert_eq!(o.status.code(), Some(BAD_CLIP), "{clip} to {to}: {err}");
            assert!(
                err.contains(&format!("{clip} is not a playable video"))
                    && err.contains(cause.as_str())
                    && err.contains("Record it again, or pass the clip file itself"),
                "{clip}: {err}"
            );
            assert!(o.stdout.is_empty(), "no job id: nothing was queued");
        }
    }
    // Nothing left the machine: not an upload, not even a question.
    assert!(clickup.requests().is_empty(), "{:?}", clickup.requests());
    assert!(notion.requests().is_empty(), "{:?}", notion.requests());
    let o = home.run(&["outbox", "list", "--json"]);
    assert_eq!(text(&o.stdout).trim(), "[]", "no job was queued");
}

#[test]
fn a_queued_clip_replaced_by_random_bytes_is_refused_by_outbox_run_and_the_job_fails() {
    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    // The upload fails for as long as the post retries: the job is queued.
    fake.inject("attachment", Fault::ServerError, 1000);
    let mut home = Home::new();
    home.config("[outbox]\nretry_for_secs = 1\n");
    home.set("CLIPNOTE_CLICKUP_BASE_URL", &fake.base_url());
    let clip = home.clip();
    let o = home.run(&["post", clip.to_str().unwrap(), "--to", TASK]);
    assert_eq!(o.status.code(), Some(7), "QUEUED: {}", text(&o.stderr));
    let job_id = text(&o.stdout).trim().to_owned();
    let requests = fake.requests();
    assert!(
        requests.iter().any(|r| r.route == "attachment"),
        "the upload was tried while the service failed: {requests:?}"
    );

    // The file is replaced after the job was queued.
    noise(&clip);
    let o = home.run(&["outbox", "run"]);
    let err = text(&o.stderr);
    eprintln!("{err}");
    assert_eq!(o.status.code(), Some(BAD_CLIP), "{err}");
    assert!(
        err.contains(&format!(
            "{job_id}: {} is not a playable video",
            clip.display()
        )) && err.contains("no video stream")
            && err.contains("put the clip back and retry the job"),
        "{err}"
    );
    assert_eq!(
        fake.requests().len(),
        requests.len(),
        "nothing more was sent, not even a look at the task"
    );
    assert!(fake.state().task(TASK).attachments.is_empty());

    // Not dropped: the job is kept, failed, with the reason.
    let o = home.run(&["outbox", "list", "--json"]);
    let jobs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(jobs[0]["id"], job_id.as_str());
    assert_eq!(jobs[0]["status"], "failed");
    assert!(
        jobs[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("is not a playable video: no video stream")),
        "{jobs}"
    );
}

/// Review: a clip cut in half is refused when it opens, with the cause and the fix; a clip
/// replaced by random bytes after it opened is refused when Post is clicked, and Notion gets
/// nothing.
#[test]
fn review_refuses_a_clip_that_does_not_play_and_posts_nothing() {
    use crate::ui::{self as ui_it, harness, posted, step_until, step_until_shown};
    use app::ui::review::PostState;
    use egui_kittest::kittest::Queryable;

    let home = ui_it::Home::new();
    let notion = NotionFake::start(ui_it::NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, ui_it::NOTION_TOKEN);
    options.review_clip = Some(half_a_clip(&home.path("half.mp4")));
    let mut h = harness(options);
    step_until_shown(&mut h, "of its 8.0 s: the file is incomplete");
    assert!(h.state().review_clip().is_none(), "it did not open");
    assert!(
        h.query_by_label_contains("Record it again, or open the clip file itself")
            .is_some()
    );

    drop(h);

    let clip = home.library_clip("standup.mp4");
    let mut options = home.options(&notion, ui_it::NOTION_TOKEN);
    options.review_clip = Some(clip.clone());
    let mut h = harness(options);
    step_until(&mut h, "the clip opened for review", |app| {
        app.review_clip().is_some()
    });
    h.get_by_label("Post to").set_text_value_accesskit(PAGE);
    step_until_shown(&mut h, "Notion page “Task”");
    // Replaced on disk (a new file renamed over it) after Review opened it.
    let replacement = home.path("replacement.mp4");
    noise(&replacement);
    std::fs::rename(&replacement, &clip).unwrap();
    let requests = notion.requests().len();
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to be refused", posted);
    match h.state().post_state() {
        PostState::Failed {
            message, queued, ..
        } => {
            assert!(
                message.contains("is not a playable video: no video stream")
                    && message.contains("Record it again, or open the clip file itself"),
                "{message}"
            );
            assert!(!queued, "nothing waits in the outbox");
        }
        other => panic!("expected a refused post, got {other:?}"),
    }
    step_until_shown(&mut h, "is not a playable video");
    assert_eq!(notion.requests().len(), requests, "nothing was sent");
    assert!(notion.state().uploads.is_empty());
    assert!(notion.state().blocks(PAGE).is_empty());
    assert!(
        std::fs::read_dir(home.path("outbox"))
            .unwrap()
            .next()
            .is_none(),
        "no job was queued"
    );
}
