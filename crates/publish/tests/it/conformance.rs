//! One conformance suite, run against every destination: post, read back, download, no
//! duplicates on a re-run, order kept.

use publish::{JobStatus, Progress, TaskRef};

use crate::World;

/// Posts two clips to `to` and checks what a person would: each clip once, with its title and
/// summary, bytes identical through the read-back URL. `counts` reports (clips, summaries)
/// straight from the destination's own state.
async fn suite(world: &World, to: &str, counts: &dyn Fn() -> (usize, usize)) {
    let a = world.clip("a.mp4", 300_000);
    let b = world.clip("b.mp4", 120_000);
    let outbox = world.outbox();
    let (progress, mut events) = Progress::channel(1024);

    let job = world.enqueue(to, &a, "Login bug: root cause");
    let done = outbox
        .run_job(&job.id, &world.settings, &progress)
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert!(done.upload.is_some() && done.attach.is_some() && done.summary.is_some());
    assert_eq!(counts(), (1, 1));

    // Progress reached the full size.
    let mut last_bytes = None;
    while let Ok(ev) = events.try_recv() {
        if let publish::Event::Bytes { sent, total, .. } = ev {
            last_bytes = Some((sent, total));
        }
    }
    assert_eq!(last_bytes, Some((300_000, 300_000)));

    // Running a finished job again changes nothing.
    let again = outbox
        .run_job(&job.id, &world.settings, &progress)
        .await
        .unwrap();
    assert_eq!(again.status, JobStatus::Done);
    assert_eq!(counts(), (1, 1));

    let job_b = world.enqueue(to, &b, "Follow-up");
    outbox
        .run_job(&job_b.id, &world.settings, &progress)
        .await
        .unwrap();
    assert_eq!(counts(), (2, 2));

    let dest = world.settings.open(&TaskRef::parse(to).unwrap()).unwrap();
    let clips = dest.clips().await.unwrap();
    assert_eq!(clips.len(), 2, "{clips:#?}");
    assert_eq!(clips[0].title.as_deref(), Some("Login bug: root cause"));
    let summary = clips[0].summary.clone().unwrap_or_default();
    assert!(
        summary.contains("token refresh raced logout"),
        "summary read back: {summary}"
    );
    assert_eq!(
        dest.download(&clips[0]).await.unwrap(),
        std::fs::read(&a).unwrap()
    );
    assert_eq!(
        dest.download(&clips[1]).await.unwrap(),
        std::fs::read(&b).unwrap()
    );
}

#[tokio::test]
async fn notion_conforms() {
    let fake = fakes::NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let world = World::with_notion(&fake);
    let counts = || {
        let blocks = fake.state().blocks(crate::PAGE);
        let videos = blocks.iter().filter(|b| b.kind == "video").count();
        let footers = blocks
            .iter()
            .filter(|b| b.kind == "paragraph" && b.text.contains("· clipnote "))
            .count();
        (videos, footers)
    };
    suite(
        &world,
        &format!("https://www.notion.so/acme/Login-{}", crate::PAGE),
        &counts,
    )
    .await;
    // The page reads: heading, video, summary blocks, footer — in that order.
    let kinds: Vec<String> = fake
        .state()
        .blocks(crate::PAGE)
        .iter()
        .take(8)
        .map(|b| b.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            "heading_2",
            "video",
            "paragraph",
            "bulleted_list_item",
            "bulleted_list_item",
            "numbered_list_item",
            "to_do",
            "paragraph"
        ]
    );
    assert_eq!(
        fake.state().downloads.len(),
        2,
        "both clips were downloaded through signed URLs"
    );
}

#[tokio::test]
async fn clickup_conforms() {
    let fake = fakes::ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    let world = World::with_clickup(&fake);
    let counts = || {
        let t = fake.state().task(crate::TASK);
        (t.attachments.len(), t.comments.len())
    };
    suite(
        &world,
        &format!("https://app.clickup.com/t/{}", crate::TASK),
        &counts,
    )
    .await;
    let t = fake.state().task(crate::TASK);
    // The comment is rich: bold title first, a link to the attachment.
    let ops = &t.comments[0].ops;
    assert_eq!(ops[0]["text"], "Login bug: root cause");
    assert_eq!(ops[0]["attributes"]["bold"], true);
    assert!(ops.iter().any(|o| {
        o["attributes"]["link"]
            .as_str()
            .is_some_and(|l| l.contains("/_files/"))
    }));
}

#[tokio::test]
async fn clickup_custom_ids_use_the_workspace() {
    let fake = fakes::ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    fake.state().tasks.get_mut(crate::TASK).unwrap().custom_id = Some("ENG-142".into());
    let world = World::with_clickup(&fake);
    let counts = || {
        let t = fake.state().task(crate::TASK);
        (t.attachments.len(), t.comments.len())
    };
    suite(
        &world,
        &format!("https://app.clickup.com/t/{}/ENG-142", crate::TEAM),
        &counts,
    )
    .await;
}

#[tokio::test]
async fn library_conforms() {
    let world = World::new();
    let lib = world.settings.library_dir.clone();
    let counts = || count_folder(&lib);
    suite(&world, "library", &counts).await;
}

#[tokio::test]
async fn shared_folder_conforms() {
    let world = World::new();
    let shared = world.dir.path().join("team-share");
    let counts = || count_folder(&shared);
    suite(&world, &format!("folder:{}", shared.display()), &counts).await;
}

fn count_folder(dir: &std::path::Path) -> (usize, usize) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    (
        names.iter().filter(|n| n.ends_with(".mp4")).count(),
        names.iter().filter(|n| n.ends_with(".json")).count(),
    )
}

#[tokio::test]
async fn a_clip_recorded_into_the_library_gets_a_sidecar_not_a_second_copy() {
    let world = World::new();
    let lib = world.settings.library_dir.clone();
    std::fs::create_dir_all(&lib).unwrap();
    let clip = lib.join("clip-2026-11-25_14-03-09.mp4");
    std::fs::write(&clip, crate::clip_bytes(5000, 7)).unwrap();
    let job = world.enqueue("library", &clip, "Recorded here");
    world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(count_folder(&lib), (1, 1));
    assert!(lib.join("clip-2026-11-25_14-03-09.json").is_file());
    let dest = world.settings.open(&TaskRef::Library).unwrap();
    let clips = dest.clips().await.unwrap();
    assert_eq!(clips[0].title.as_deref(), Some("Recorded here"));
    assert_eq!(clips[0].url, clip.display().to_string());
}
