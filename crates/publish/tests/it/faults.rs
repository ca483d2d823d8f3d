//! Faults while posting: for each destination and each fault, the end state is exactly one
//! clip and one summary on the task, and the bytes read back through the signed URL match.

use std::time::{Duration, Instant};

use fakes::{ClickUpFake, Fault, NotionFake};
use publish::{Error, JobStatus, Outbox, Progress, Step, TaskRef};

use crate::World;

fn notion_ref() -> String {
    format!("https://www.notion.so/acme/Login-{}", crate::PAGE)
}

fn clickup_ref() -> String {
    format!("https://app.clickup.com/t/{}", crate::TASK)
}

fn notion_counts(fake: &NotionFake) -> (usize, usize, usize) {
    let blocks = fake.state().blocks(crate::PAGE);
    (
        blocks.iter().filter(|b| b.kind == "heading_2").count(),
        blocks.iter().filter(|b| b.kind == "video").count(),
        blocks
            .iter()
            .filter(|b| b.kind == "paragraph" && b.text.contains("· clipnote "))
            .count(),
    )
}

fn clickup_counts(fake: &ClickUpFake) -> (usize, usize) {
    let t = fake.state().task(crate::TASK);
    (t.attachments.len(), t.comments.len())
}

/// Reads the clip back through the destination and compares it with the file.
async fn assert_bytes_round_trip(world: &World, to: &str, clip: &std::path::Path) {
    let dest = world.settings.open(&TaskRef::parse(to).unwrap()).unwrap();
    let clips = dest.clips().await.unwrap();
    assert_eq!(clips.len(), 1);
    assert_eq!(
        dest.download(&clips[0]).await.unwrap(),
        std::fs::read(clip).unwrap()
    );
}

#[tokio::test]
async fn notion_every_fault_ends_with_exactly_one_clip_and_summary() {
    let cases: &[&[(&str, Fault, u32)]] = &[
        &[("send", Fault::DropMidRequest, 1)],
        &[("send", Fault::ServerError, 2)],
        &[("send", Fault::UnavailableAfterEffect, 1)],
        &[("create_upload", Fault::ServerError, 1)],
        &[("users_me", Fault::UnavailableAfterEffect, 1)],
        &[("append_video", Fault::UnavailableAfterEffect, 1)],
        &[("append_video", Fault::DropMidRequest, 1)],
        &[("append_video", Fault::ServerError, 1)],
        &[("append_text", Fault::UnavailableAfterEffect, 1)],
        &[("append_text", Fault::ServerError, 2)],
        &[("*", Fault::RateLimited, 6)],
        &[("*", Fault::Overloaded, 3)],
        &[
            ("append_video", Fault::UnavailableAfterEffect, 1),
            ("children", Fault::ServerError, 1),
        ],
    ];
    for faults in cases {
        let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
        for (route, fault, n) in *faults {
            fake.inject(route, *fault, *n);
        }
        let world = World::with_notion(&fake);
        let clip = world.clip("clip.mp4", 200_000);
        let job = world.enqueue(&notion_ref(), &clip, "Fault case");
        let done = world
            .outbox()
            .run_job(&job.id, &world.settings, &Progress::default())
            .await;
        let done = done.unwrap_or_else(|e| panic!("{faults:?}: {e}"));
        assert_eq!(done.status, JobStatus::Done, "{faults:?}");
        assert_eq!(
            fake.pending_faults(),
            0,
            "{faults:?}: every injected fault fired"
        );
        assert_eq!(
            notion_counts(&fake),
            (1, 1, 1),
            "{faults:?}: one heading, one video, one summary"
        );
        assert_bytes_round_trip(&world, &notion_ref(), &clip).await;
    }
}

#[tokio::test]
async fn clickup_every_fault_ends_with_exactly_one_clip_and_summary() {
    let cases: &[&[(&str, Fault, u32)]] = &[
        &[("attachment", Fault::DropMidRequest, 1)],
        &[("attachment", Fault::ServerError, 1)],
        &[("attachment", Fault::UnavailableAfterEffect, 1)],
        &[
            ("attachment", Fault::UnavailableAfterEffect, 1),
            ("get_task", Fault::ServerError, 1),
        ],
        &[("comment", Fault::UnavailableAfterEffect, 1)],
        &[("comment", Fault::DropMidRequest, 1)],
        &[("comment", Fault::ServerError, 2)],
        &[("*", Fault::RateLimited, 6)],
    ];
    for faults in cases {
        let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
        for (route, fault, n) in *faults {
            fake.inject(route, *fault, *n);
        }
        let world = World::with_clickup(&fake);
        let clip = world.clip("clip.mp4", 200_000);
        let job = world.enqueue(&clickup_ref(), &clip, "Fault case");
        let done = world
            .outbox()
            .run_job(&job.id, &world.settings, &Progress::default())
            .await;
        let done = done.unwrap_or_else(|e| panic!("{faults:?}: {e}"));
        assert_eq!(done.status, JobStatus::Done, "{faults:?}");
        assert_eq!(
            fake.pending_faults(),
            0,
            "{faults:?}: every injected fault fired"
        );
        assert_eq!(
            clickup_counts(&fake),
            (1, 1),
            "{faults:?}: one attachment, one comment"
        );
        assert_bytes_round_trip(&world, &clickup_ref(), &clip).await;
        assert!(
            fake.requests().iter().all(|r| r.status != 401),
            "auth was right throughout"
        );
    }
}

/// Starts a run, waits until the fake has applied the hung request, then drops the run
/// mid-step (as a killed process would) and starts a fresh outbox on the same folder.
async fn kill_mid_step_then_resume(
    world: &World,
    to: &str,
    hung: impl std::future::Future<Output = ()>,
) -> publish::Job {
    let clip = world.clip("clip.mp4", 150_000);
    let job = world.enqueue(to, &clip, "Killed run");
    let settings = world.settings.clone();
    let outbox = world.outbox();
    let id = job.id.clone();
    let run =
        tokio::spawn(async move { outbox.run_job(&id, &settings, &Progress::default()).await });
    hung.await;
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    let on_disk = world.outbox().get(&job.id).unwrap();
    assert_eq!(on_disk.status, JobStatus::Queued);
    assert!(
        on_disk.in_flight.is_some(),
        "the job file says a step was in flight"
    );

    let fresh = Outbox::open(world.dir.path().join("outbox")).unwrap();
    let done = fresh
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_bytes_round_trip(world, to, &clip).await;
    done
}

#[tokio::test]
async fn notion_killed_after_the_video_was_appended_resumes_without_a_duplicate() {
    for route in ["append_video", "append_text"] {
        let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
        fake.inject(route, Fault::HangAfterEffect, 1);
        let world = World::with_notion(&fake);
        kill_mid_step_then_resume(&world, &notion_ref(), fake.hung()).await;
        assert_eq!(notion_counts(&fake), (1, 1, 1), "{route}");
    }
}

#[tokio::test]
async fn clickup_killed_after_the_attachment_or_comment_resumes_without_a_duplicate() {
    for route in ["attachment", "comment"] {
        let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
        fake.inject(route, Fault::HangAfterEffect, 1);
        let world = World::with_clickup(&fake);
        kill_mid_step_then_resume(&world, &clickup_ref(), fake.hung()).await;
        assert_eq!(clickup_counts(&fake), (1, 1), "{route}");
    }
}

#[tokio::test]
async fn notion_multi_part_upload_survives_a_dropped_part() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    fake.inject("send", Fault::DropMidRequest, 1);
    let world = World::with_notion(&fake);
    let clip = world.clip("big.mp4", 25 * 1024 * 1024 + 123);
    let job = world.enqueue(&notion_ref(), &clip, "Big clip");
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    let sends = fake
        .requests()
        .iter()
        .filter(|r| r.route == "send" && r.status == 200)
        .count();
    assert_eq!(sends, 3, "25 MiB in 10 MiB parts");
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.route == "complete" && r.status == 200)
    );
    assert_eq!(notion_counts(&fake), (1, 1, 1));
    assert_bytes_round_trip(&world, &notion_ref(), &clip).await;
}

#[tokio::test]
async fn notion_upload_that_expired_before_attaching_is_uploaded_again() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let world = World::with_notion(&fake);
    let clip = world.clip("clip.mp4", 80_000);
    let mut job = world.enqueue(&notion_ref(), &clip, "Expired");
    // The upload happened, then the machine slept for two hours.
    let dest = world.settings.open(&job.to).unwrap();
    job.upload = Some(dest.upload(&job.post, &Progress::default()).await.unwrap());
    world.outbox().save(&job).unwrap();
    fake.advance_clock(2 * 3600);
    let done = world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(
        fake.state().uploads.len(),
        2,
        "a fresh upload replaced the expired one"
    );
    assert_eq!(notion_counts(&fake), (1, 1, 1));
}

#[tokio::test]
async fn signed_urls_expire_and_a_fresh_read_gets_a_new_one() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let world = World::with_notion(&fake);
    let clip = world.clip("clip.mp4", 50_000);
    let job = world.enqueue(&notion_ref(), &clip, "Expiring link");
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    let dest = world.settings.open(&job.to).unwrap();
    let old = dest.clips().await.unwrap().remove(0);
    fake.advance_clock(3601);
    let err = dest.download(&old).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    let fresh = dest.clips().await.unwrap().remove(0);
    assert_eq!(
        dest.download(&fresh).await.unwrap(),
        std::fs::read(&clip).unwrap()
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    fake.state().retry_after_secs = 1;
    fake.inject("users_me", Fault::RateLimited, 1);
    let world = World::with_notion(&fake);
    let dest = world
        .settings
        .open(&TaskRef::parse(crate::PAGE).unwrap())
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        dest.max_file_bytes().await.unwrap(),
        Some(fakes::notion::PAID_LIMIT_BYTES)
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
}

#[tokio::test]
async fn a_long_outage_leaves_the_job_queued_then_it_completes() {
    let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    fake.inject("attachment", Fault::ServerError, 1000);
    let world = World::with_clickup(&fake);
    let clip = world.clip("clip.mp4", 10_000);
    let job = world.enqueue(&clickup_ref(), &clip, "Offline");
    let err = world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transient { .. }), "{err}");
    let queued = world.outbox().get(&job.id).unwrap();
    assert_eq!(queued.status, JobStatus::Queued);
    assert!(queued.last_error.unwrap().contains("clipnote outbox run"));
    assert_eq!(queued.in_flight, Some(Step::Upload));

    // The network comes back.
    let fake_ok = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    let mut settings = world.settings.clone();
    settings.clickup_base_url = fake_ok.base_url();
    let ran = world
        .outbox()
        .run_all(&settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].1.as_ref().unwrap().status, JobStatus::Done);
    let t = fake_ok.state().task(crate::TASK);
    assert_eq!((t.attachments.len(), t.comments.len()), (1, 1));
}

#[tokio::test]
async fn notion_looks_through_every_page_of_a_long_page_before_repeating() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    {
        let mut st = fake.state();
        let page = st.pages.get_mut(&fakes::notion::norm(crate::PAGE)).unwrap();
        for i in 0..230 {
            page.blocks.push(fakes::notion::Block {
                id: format!("old-{i:04}"),
                kind: "paragraph".into(),
                text: format!("older note {i}"),
                body: serde_json::json!({ "rich_text": [] }),
                video_upload: None,
                children: Vec::new(),
            });
        }
    }
    fake.inject("append_video", Fault::UnavailableAfterEffect, 1);
    fake.inject("append_text", Fault::UnavailableAfterEffect, 1);
    let world = World::with_notion(&fake);
    let clip = world.clip("clip.mp4", 20_000);
    let job = world.enqueue(&notion_ref(), &clip, "Long page");
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(notion_counts(&fake), (1, 1, 1));
    let children_reads: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.route == "children")
        .collect();
    assert!(
        children_reads.len() >= 6,
        "3 pages of 100, read twice: {}",
        children_reads.len()
    );
    assert_bytes_round_trip(&world, &notion_ref(), &clip).await;
}

#[tokio::test]
async fn notion_rate_limit_is_waited_out_not_failed() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    {
        let mut st = fake.state();
        st.rate_burst = 3.0;
        st.rate_per_sec = 3.0;
    }
    let world = World::with_notion(&fake);
    let clip = world.clip("clip.mp4", 10_000);
    let job = world.enqueue(&notion_ref(), &clip, "Busy workspace");
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert!(
        fake.requests().iter().any(|r| r.status == 429),
        "the bucket ran dry"
    );
    assert_eq!(notion_counts(&fake), (1, 1, 1));
}

#[tokio::test]
async fn clickup_summary_is_found_past_the_first_page_of_comments() {
    let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    let world = World::with_clickup(&fake);
    let clip = world.clip("clip.mp4", 10_000);
    let job = world.enqueue(&clickup_ref(), &clip, "Paged");
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    // Teammates reply 40 times after the post: the summary is now on the second page.
    {
        let mut st = fake.state();
        let task = st.tasks.get_mut(crate::TASK).unwrap();
        let base = task.comments[0].date_ms;
        for i in 0..40u64 {
            task.comments.push(fakes::clickup::Comment {
                id: 1_000 + i,
                ops: vec![serde_json::json!({ "text": format!("reply {i}") })],
                text: format!("reply {i}"),
                date_ms: base + 1 + i as i64,
            });
        }
    }
    let dest = world
        .settings
        .open(&TaskRef::parse(crate::TASK).unwrap())
        .unwrap();
    let clips = dest.clips().await.unwrap();
    assert_eq!(clips[0].title.as_deref(), Some("Paged"));
    assert!(
        clips[0]
            .summary
            .as_deref()
            .unwrap_or_default()
            .contains("token refresh raced logout")
    );
    let paged = fake
        .requests()
        .iter()
        .filter(|r| r.route == "get_comments")
        .count();
    assert!(paged >= 2, "read more than one page of comments");
}

#[tokio::test]
async fn notion_long_summary_in_several_appends_survives_lost_replies() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    // The first summary append's reply is lost after it was applied; so is the last one's.
    fake.inject("append_text", Fault::UnavailableAfterEffect, 1);
    let world = World::with_notion(&fake);
    let clip = world.clip("clip.mp4", 10_000);
    let summary: String = (0..150).map(|i| format!("- point {i}\n")).collect();
    let job = world
        .outbox()
        .enqueue(publish::NewPost {
            to: TaskRef::parse(crate::PAGE).unwrap(),
            clip: clip.clone(),
            title: "Long summary".into(),
            summary,
            author: "Ada".into(),
            duration_secs: None,
            reply_to: None,
            transcript: None,
        })
        .unwrap();
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    let blocks = fake.state().blocks(crate::PAGE);
    let bullets: Vec<&str> = blocks
        .iter()
        .filter(|b| b.kind == "bulleted_list_item")
        .map(|b| b.text.as_str())
        .collect();
    assert_eq!(bullets.len(), 150, "each point once");
    assert_eq!(bullets[0], "point 0");
    assert_eq!(bullets[149], "point 149");
    assert_eq!(notion_counts(&fake), (1, 1, 1));
}
