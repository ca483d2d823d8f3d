//! A token never appears in anything written: logs at trace level, job files, sidecars,
//! error messages.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use fakes::{ClickUpFake, Fault, NotionFake};
use publish::{Progress, TaskRef};

use crate::{World, all_files, contains};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The whole test binary logs at TRACE into one buffer (the subscriber is process-wide).
fn trace_log() -> Buffer {
    static LOG: OnceLock<Buffer> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Buffer::default();
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
    .clone()
}

#[tokio::test]
async fn tokens_never_reach_logs_job_files_or_errors() {
    let log = trace_log();
    let notion = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let clickup = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    notion.inject("append_video", Fault::UnavailableAfterEffect, 1);
    clickup.inject("attachment", Fault::DropMidRequest, 1);
    let mut world = World::with_notion(&notion);
    world.settings.clickup_base_url = clickup.base_url();
    let clip = world.clip("clip.mp4", 40_000);
    let outbox = world.outbox();
    let mut messages = Vec::new();
    for to in [crate::PAGE, crate::TASK, "library"] {
        let job = world.enqueue(to, &clip, "Secrets");
        outbox
            .run_job(&job.id, &world.settings, &Progress::default())
            .await
            .unwrap();
    }
    // Failures that talk about tokens.
    let mut bad = world.settings.clone();
    bad.notion_token = Some(publish::Token::new(format!("{}x", crate::NOTION_TOKEN)));
    bad.clickup_token = Some(publish::Token::new(format!("{}x", crate::CLICKUP_TOKEN)));
    for to in [crate::PAGE, crate::TASK] {
        let job = world.enqueue(to, &clip, "Bad token");
        let err = outbox
            .run_job(&job.id, &bad, &Progress::default())
            .await
            .unwrap_err();
        messages.push(format!("{err} {err:?}"));
    }
    messages.push(format!("{:?}", world.settings));
    let dest = world
        .settings
        .open(&TaskRef::parse(crate::TASK).unwrap())
        .unwrap();
    messages.push(format!("{:?}", dest.clips().await.unwrap()));

    let logged = log.0.lock().unwrap().clone();
    assert!(!logged.is_empty(), "trace logging was on");
    assert!(contains(&logged, "retrying"), "the retries were logged");
    for token in [crate::NOTION_TOKEN, crate::CLICKUP_TOKEN] {
        assert!(!contains(&logged, token), "token in the trace log");
        for (path, bytes) in all_files(world.dir.path()) {
            assert!(!contains(&bytes, token), "token in {}", path.display());
        }
        for m in &messages {
            assert!(!m.contains(token), "token in a message: {m}");
        }
    }
}
