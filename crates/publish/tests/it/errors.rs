//! Documented errors map to messages that name the fix; the job is failed (with the reason)
//! when a retry cannot help.

use fakes::{ClickUpFake, NotionFake};
use publish::{Error, JobStatus, Progress, TaskRef};

use crate::World;

async fn post(world: &World, to: &str, len: usize) -> (publish::Job, Error) {
    let clip = world.clip("clip.mp4", len);
    let job = world.enqueue(to, &clip, "Errors");
    let err = world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap_err();
    (world.outbox().get(&job.id).unwrap(), err)
}

#[tokio::test]
async fn notion_errors_name_the_fix() {
    // Not shared: 404 object_not_found.
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let world = World::with_notion(&fake);
    let (job, err) = post(&world, "0123456789abcdef0123456789abcdef", 1000).await;
    assert!(matches!(err, Error::NotFound(_)));
    assert!(
        err.to_string()
            .contains("Connections → add the integration"),
        "{err}"
    );
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.last_error.as_deref(), Some(err.to_string().as_str()));

    // Bad token: 401.
    let mut world = World::with_notion(&fake);
    world.settings.notion_token = Some(publish::Token::new("ntn_wrong"));
    let (_, err) = post(&world, crate::PAGE, 1000).await;
    assert!(matches!(err, Error::Unauthorized { .. }));
    assert!(err.to_string().contains("clipnote login notion"), "{err}");

    // Missing capability: 403 restricted_resource.
    fake.state().insert_capability = false;
    let world = World::with_notion(&fake);
    let (_, err) = post(&world, crate::PAGE, 1000).await;
    assert!(matches!(err, Error::Forbidden(_)));
    assert!(err.to_string().contains("Insert content"), "{err}");
}

#[tokio::test]
async fn notion_over_the_plan_limit_is_refused_before_any_byte_is_sent() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    fake.state().max_file_bytes = fakes::notion::FREE_LIMIT_BYTES;
    let world = World::with_notion(&fake);
    let dest = world
        .settings
        .open(&TaskRef::parse(crate::PAGE).unwrap())
        .unwrap();
    assert_eq!(dest.max_file_bytes().await.unwrap(), Some(5 * 1024 * 1024));
    let (job, err) = post(&world, crate::PAGE, 6 * 1024 * 1024).await;
    assert!(
        matches!(
            err,
            Error::TooLarge {
                limit_bytes: 5_242_880,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("re-encode it smaller"), "{err}");
    assert_eq!(job.status, JobStatus::Failed);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.route != "send" && r.route != "create_upload")
    );
}

#[tokio::test]
async fn notion_newest_version_posts_too() {
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let mut world = World::with_notion(&fake);
    world.settings.notion_version = "2026-03-11".into();
    let clip = world.clip("clip.mp4", 5000);
    let job = world.enqueue(crate::PAGE, &clip, "New version");
    let done = world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
}

#[tokio::test]
async fn clickup_errors_name_the_fix() {
    let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    // Unknown task: ITEM_015.
    let world = World::with_clickup(&fake);
    let (job, err) = post(&world, "zz99zz99z", 1000).await;
    assert!(matches!(err, Error::NotFound(_)));
    assert!(
        err.to_string().contains("ITEM_015") && err.to_string().contains("check the task"),
        "{err}"
    );
    assert_eq!(job.status, JobStatus::Failed);

    // A task in a workspace the token is not authorised for: OAUTH_027.
    fake.state().tasks.insert(
        "77other77".into(),
        fakes::clickup::Task {
            team_id: "555".into(),
            ..Default::default()
        },
    );
    let (_, err) = post(&world, "77other77", 1000).await;
    assert!(
        err.to_string().contains("OAUTH_027")
            && err.to_string().contains("authorise the workspace"),
        "{err}"
    );

    // Storage full: GBUSED_005.
    fake.state().storage_left = 500;
    let (job, err) = post(&world, crate::TASK, 1000).await;
    assert!(matches!(err, Error::StorageFull));
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.last_error.unwrap().contains("storage is full"));

    // Bad token: OAUTH_025; OAuth tokens go as Bearer, so a `pk_` sent as Bearer would fail too.
    let mut world = World::with_clickup(&fake);
    world.settings.clickup_token = Some(publish::Token::new("pk_wrong"));
    let (_, err) = post(&world, crate::TASK, 10).await;
    assert!(matches!(err, Error::Unauthorized { .. }));
    assert!(err.to_string().contains("clipnote login clickup"), "{err}");
}

#[tokio::test]
async fn clickup_oauth_tokens_are_sent_as_bearer() {
    let fake = ClickUpFake::start("oauth_abc123", crate::TEAM, crate::TASK);
    let mut world = World::with_clickup(&fake);
    world.settings.clickup_token = Some(publish::Token::new("oauth_abc123"));
    let clip = world.clip("clip.mp4", 1000);
    let job = world.enqueue(crate::TASK, &clip, "OAuth");
    let done = world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
}

#[tokio::test]
async fn custom_id_without_a_workspace_says_how_to_give_one() {
    let world = World::new();
    let err = world
        .settings
        .open(&TaskRef::parse("ENG-142").unwrap())
        .err()
        .unwrap();
    assert!(err.to_string().contains("team_id"), "{err}");
}

/// The app's clip check runs right before the upload: a clip it refuses is never sent, the job
/// fails with its reason (kept, not dropped), and once the file is right again a retry posts it.
#[tokio::test]
async fn a_clip_the_check_refuses_is_not_uploaded_and_the_job_fails_with_the_reason() {
    let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    let world = World::with_clickup(&fake);
    let check: publish::ClipCheck =
        std::sync::Arc::new(|path: &std::path::Path| match std::fs::read(path) {
            Ok(bytes) if bytes.starts_with(b"noise") => Err(format!(
                "{} is not a playable video: no video stream",
                path.display()
            )),
            _ => Ok(()),
        });
    let outbox = world.outbox().with_clip_check(check);
    let clip = world.clip("clip.mp4", 5000);
    let job = world.enqueue(crate::TASK, &clip, "Checked");
    std::fs::write(&clip, b"noise, not the clip that was queued").unwrap();

    let err = outbox
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnplayableClip(_)), "{err:?}");
    assert!(!err.is_retryable());
    let failed = outbox.get(&job.id).unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.last_error.as_deref(), Some(err.to_string().as_str()));
    assert!(failed.upload.is_none() && failed.in_flight.is_none());
    let t = fake.state().task(crate::TASK);
    assert_eq!((t.attachments.len(), t.comments.len()), (0, 0));

    std::fs::write(&clip, crate::clip_bytes(5000, 7)).unwrap();
    outbox.requeue(&job.id).unwrap();
    let done = outbox
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
    let t = fake.state().task(crate::TASK);
    assert_eq!((t.attachments.len(), t.comments.len()), (1, 1));
}
