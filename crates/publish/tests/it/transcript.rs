//! The transcript carried with a clip (issue 11): on Notion a "Transcript (m:ss)" toggle right
//! under the summary, holding every timed line once and within Notion's limits; on ClickUp a
//! threaded reply under the summary comment and the captions file attached; in a folder the
//! captions beside the clip and the segments in the sidecar. Each exactly once through the
//! injected faults and a process killed mid-step; a post without a transcript has none of it.

use fakes::{ClickUpFake, Fault, NotionFake};
use publish::transcript::{Line, NOTION_CHILDREN, NOTION_RUN_CHARS};
use publish::{Job, JobStatus, NewPost, Outbox, Progress, ReplyTo, Step, TaskRef, Transcript};

use crate::World;

/// Faults to inject: route, fault, how many times.
type Faults = &'static [(&'static str, Fault, u32)];

fn notion_ref() -> String {
    format!("https://www.notion.so/acme/Login-{}", crate::PAGE)
}

fn clickup_ref() -> String {
    format!("https://app.clickup.com/t/{}", crate::TASK)
}

/// `n` lines four seconds apart, each saying `words` and its number, with captions.
fn transcript(n: usize, words: &str) -> Transcript {
    let lines: Vec<Line> = (0..n)
        .map(|i| Line {
            start_secs: i as f64 * 4.0,
            end_secs: i as f64 * 4.0 + 3.5,
            text: format!("{words} {i}."),
        })
        .collect();
    let mut vtt = String::from("WEBVTT\n\n");
    for l in &lines {
        vtt.push_str(&format!(
            "00:00:{:02}.000 --> 00:00:{:02}.500\n{}\n\n",
            l.start_secs as u64 % 60,
            l.end_secs as u64 % 60,
            l.text
        ));
    }
    Transcript {
        lines,
        captions_vtt: vtt,
    }
}

/// Queues a post of a fresh clip with `transcript` (62 s long).
fn enqueue(world: &World, to: &str, transcript: Option<Transcript>) -> Job {
    world
        .outbox()
        .enqueue(NewPost {
            to: TaskRef::parse(to).unwrap(),
            clip: world.clip("clip.mp4", 40_000),
            title: "Standup".into(),
            summary: crate::SUMMARY.into(),
            author: "Ada".into(),
            duration_secs: Some(62.0),
            reply_to: None,
            transcript,
        })
        .unwrap()
}

async fn run(world: &World, job: &Job) -> Job {
    let done = world
        .outbox()
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done, "{:?}", done.last_error);
    done
}

/// Every timed line of `t`, as the task must show them.
fn timed(t: &Transcript) -> Vec<String> {
    t.timed_lines()
}

/// The page's transcript toggles, and checks that the one there sits right under the footer.
fn notion_toggle(fake: &NotionFake) -> Option<fakes::notion::Block> {
    let blocks = fake.state().blocks(crate::PAGE);
    let toggles: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].kind == "toggle")
        .collect();
    assert!(toggles.len() <= 1, "one toggle at most: {}", toggles.len());
    let i = *toggles.first()?;
    assert!(
        blocks[i - 1].kind == "paragraph" && blocks[i - 1].text.contains("· clipnote "),
        "the toggle is right under the summary's footer, not {:?}",
        blocks[i - 1].text
    );
    Some(blocks[i].clone())
}

/// The toggle's lines, in order, checking each paragraph is within Notion's limits.
fn toggle_lines(toggle: &fakes::notion::Block) -> Vec<String> {
    toggle
        .children
        .iter()
        .inspect(|p| {
            assert_eq!(p.kind, "paragraph");
            assert!(p.text.chars().count() <= NOTION_RUN_CHARS);
        })
        .flat_map(|p| p.text.lines().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

#[tokio::test]
async fn notion_transcript_is_one_toggle_under_the_summary_through_every_fault() {
    let t = transcript(12, "We checked the release plan");
    let cases: &[(&str, Faults)] = &[
        ("2025-09-03", &[]),
        ("2026-03-11", &[]),
        (
            "2025-09-03",
            &[("append_transcript", Fault::UnavailableAfterEffect, 1)],
        ),
        (
            "2026-03-11",
            &[("append_transcript", Fault::UnavailableAfterEffect, 1)],
        ),
        (
            "2025-09-03",
            &[("append_transcript", Fault::DropMidRequest, 1)],
        ),
        (
            "2025-09-03",
            &[("append_transcript", Fault::ServerError, 2)],
        ),
        ("2025-09-03", &[("*", Fault::RateLimited, 6)]),
        (
            "2025-09-03",
            &[
                ("append_transcript", Fault::UnavailableAfterEffect, 1),
                ("children", Fault::ServerError, 1),
            ],
        ),
    ];
    for (version, faults) in cases {
        let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
        for (route, fault, n) in *faults {
            fake.inject(route, *fault, *n);
        }
        let mut world = World::with_notion(&fake);
        world.settings.notion_version = version.to_string();
        let job = enqueue(&world, &notion_ref(), Some(t.clone()));
        let done = run(&world, &job).await;
        assert_eq!(fake.pending_faults(), 0, "{faults:?}: every fault fired");
        assert!(done.transcript.is_some(), "the step is recorded");
        let toggle = notion_toggle(&fake).unwrap_or_else(|| panic!("{faults:?}: no toggle"));
        assert_eq!(toggle.text, "Transcript (1:02)");
        assert_eq!(toggle_lines(&toggle), timed(&t), "{version} {faults:?}");
        assert_eq!(
            toggle_lines(&toggle)[1],
            "0:04 We checked the release plan 1."
        );
        let videos = fake
            .state()
            .blocks(crate::PAGE)
            .iter()
            .filter(|b| b.kind == "video")
            .count();
        assert_eq!(videos, 1);
    }
}

#[tokio::test]
async fn notion_long_transcript_stays_within_limits_in_several_appends() {
    // About three and a half hours of talk: more paragraphs than one append may carry.
    let t = transcript(
        3200,
        "and then we walked through the migration of the billing tables",
    );
    let expected = publish::transcript::notion_paragraphs(&t).len();
    assert!(expected > NOTION_CHILDREN, "{expected}");
    let cases: &[&[(&str, Fault, u32)]] = &[
        &[],
        // The toggle's reply, then the first further append's reply, are lost.
        &[("append_transcript", Fault::UnavailableAfterEffect, 2)],
        &[("append_transcript", Fault::DropMidRequest, 2)],
    ];
    for faults in cases {
        let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
        for (route, fault, n) in *faults {
            fake.inject(route, *fault, *n);
        }
        let world = World::with_notion(&fake);
        let job = enqueue(&world, &notion_ref(), Some(t.clone()));
        run(&world, &job).await;
        assert_eq!(fake.pending_faults(), 0);
        let toggle = notion_toggle(&fake).expect("a toggle");
        assert_eq!(toggle.children.len(), expected, "{faults:?}");
        assert_eq!(
            toggle_lines(&toggle),
            timed(&t),
            "{faults:?}: every line once, in order"
        );
        let refused: Vec<_> = fake
            .requests()
            .into_iter()
            .filter(|r| r.status == 400 || r.status == 413)
            .collect();
        assert!(refused.is_empty(), "within Notion's limits: {refused:?}");
        let appends = fake
            .requests()
            .iter()
            .filter(|r| r.route == "append" && r.path.contains(&toggle.id))
            .count();
        assert!(appends >= 1, "the rest went under the toggle");
    }
}

/// Starts a run, waits until the fake has applied the hung request, drops the run there (as a
/// killed process would) and runs the job again from its file with a fresh outbox.
async fn kill_mid_step_then_resume(
    world: &World,
    job: &Job,
    hung: impl std::future::Future<Output = ()>,
) -> Job {
    let settings = world.settings.clone();
    let outbox = world.outbox();
    let id = job.id.clone();
    let running =
        tokio::spawn(async move { outbox.run_job(&id, &settings, &Progress::default()).await });
    hung.await;
    running.abort();
    assert!(running.await.unwrap_err().is_cancelled());
    let on_disk = world.outbox().get(&job.id).unwrap();
    assert_eq!(on_disk.in_flight, Some(Step::Transcript));
    let fresh = Outbox::open(world.dir.path().join("outbox")).unwrap();
    let done = fresh
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
    done
}

#[tokio::test]
async fn notion_killed_mid_transcript_resumes_without_a_duplicate() {
    // A short transcript (one request) and a long one (the rest is appended on resuming).
    for n in [5, 3200] {
        let t = transcript(
            n,
            "and then we walked through the migration of the billing tables",
        );
        let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
        fake.inject("append_transcript", Fault::HangAfterEffect, 1);
        let world = World::with_notion(&fake);
        let job = enqueue(&world, &notion_ref(), Some(t.clone()));
        kill_mid_step_then_resume(&world, &job, fake.hung()).await;
        let toggle = notion_toggle(&fake).expect("a toggle");
        assert_eq!(toggle_lines(&toggle), timed(&t), "{n} lines: each once");
    }
}

/// The task's attachments, its comments and the replies under its first comment.
fn clickup_state(fake: &ClickUpFake) -> (Vec<fakes::clickup::Attachment>, usize, Vec<String>) {
    let task = fake.state().task(crate::TASK);
    let replies = task
        .comments
        .first()
        .and_then(|c| task.replies.get(&c.id))
        .map(|r| r.iter().map(|c| c.text.clone()).collect())
        .unwrap_or_default();
    (task.attachments, task.comments.len(), replies)
}

#[tokio::test]
async fn clickup_transcript_is_one_reply_and_one_captions_file_through_every_fault() {
    let t = transcript(12, "We checked the release plan");
    let cases: &[&[(&str, Fault, u32)]] = &[
        &[],
        &[("reply", Fault::UnavailableAfterEffect, 1)],
        &[("reply", Fault::DropMidRequest, 1)],
        &[("reply", Fault::ServerError, 2)],
        &[("attachment_captions", Fault::UnavailableAfterEffect, 1)],
        &[("attachment_captions", Fault::DropMidRequest, 1)],
        &[("*", Fault::RateLimited, 6)],
        &[
            ("reply", Fault::UnavailableAfterEffect, 1),
            ("get_replies", Fault::ServerError, 1),
        ],
    ];
    for faults in cases {
        let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
        for (route, fault, n) in *faults {
            fake.inject(route, *fault, *n);
        }
        let world = World::with_clickup(&fake);
        let job = enqueue(&world, &clickup_ref(), Some(t.clone()));
        let done = run(&world, &job).await;
        assert_eq!(fake.pending_faults(), 0, "{faults:?}: every fault fired");
        let (attachments, comments, replies) = clickup_state(&fake);
        assert_eq!(comments, 1, "{faults:?}: one summary comment");
        assert_eq!(
            replies.len(),
            1,
            "{faults:?}: one reply under it: {replies:?}"
        );
        let reply = &replies[0];
        assert!(reply.starts_with("Transcript (1:02)\n0:00 We checked the release plan 0.\n"));
        assert!(
            reply.contains("0:44 We checked the release plan 11.\n"),
            "{reply}"
        );
        let vtt: Vec<_> = attachments
            .iter()
            .filter(|a| a.title.ends_with(".vtt"))
            .collect();
        assert_eq!(
            attachments.len(),
            2,
            "{faults:?}: the clip and its captions"
        );
        assert_eq!(vtt.len(), 1);
        assert_eq!(vtt[0].bytes, t.captions_vtt.as_bytes());
        assert_eq!(vtt[0].title, done.post.file_name.replace(".mp4", ".vtt"));
        assert!(
            done.transcript.unwrap().url.is_some(),
            "the captions' link is kept"
        );
    }
}

#[tokio::test]
async fn clickup_killed_mid_transcript_resumes_without_a_duplicate() {
    let t = transcript(8, "We checked the release plan");
    for route in ["attachment_captions", "reply"] {
        let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
        fake.inject(route, Fault::HangAfterEffect, 1);
        let world = World::with_clickup(&fake);
        let job = enqueue(&world, &clickup_ref(), Some(t.clone()));
        kill_mid_step_then_resume(&world, &job, fake.hung()).await;
        let (attachments, comments, replies) = clickup_state(&fake);
        assert_eq!(
            (attachments.len(), comments, replies.len()),
            (2, 1, 1),
            "{route}"
        );
    }
}

#[tokio::test]
async fn clickup_a_replys_transcript_joins_the_thread_of_its_summary() {
    // Dana's clip is on the task with its comment; Ada answers it with a clip of her own.
    let fake = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
    let dana = "Dana's clip\n▶ Watch the clip (dana.mp4)\n";
    fake.state()
        .tasks
        .get_mut(crate::TASK)
        .unwrap()
        .comments
        .push(fakes::clickup::Comment {
            id: 555,
            ops: vec![serde_json::json!({ "text": dana })],
            text: dana.into(),
            date_ms: 1_000,
        });
    // The replies to both threaded posts (the summary's, the transcript's) are lost.
    fake.inject("reply", Fault::UnavailableAfterEffect, 2);
    let world = World::with_clickup(&fake);
    let job = world
        .outbox()
        .enqueue(NewPost {
            to: TaskRef::parse(&clickup_ref()).unwrap(),
            clip: world.clip("answer.mp4", 30_000),
            title: "Re: Dana's clip".into(),
            summary: "- agreed".into(),
            author: "Ada".into(),
            duration_secs: Some(21.0),
            reply_to: Some(ReplyTo {
                clip_id: "0d9e.mp4".into(),
                file_name: Some("dana.mp4".into()),
                title: "Dana's clip".into(),
                author: "Dana".into(),
            }),
            transcript: Some(transcript(3, "Agreed on the plan")),
        })
        .unwrap();
    run(&world, &job).await;
    assert_eq!(fake.pending_faults(), 0);
    let task = fake.state().task(crate::TASK);
    assert_eq!(task.comments.len(), 1, "nothing new on the task itself");
    let thread: Vec<&str> = task.replies[&555].iter().map(|c| c.text.as_str()).collect();
    assert_eq!(thread.len(), 2, "{thread:?}");
    assert!(
        thread[0].starts_with("↩ Reply to Dana's clip"),
        "{}",
        thread[0]
    );
    assert!(
        thread[1].starts_with("Transcript (0:21)\n0:00 Agreed on the plan 0."),
        "{}",
        thread[1]
    );
}

#[tokio::test]
async fn a_post_without_a_transcript_has_none_anywhere() {
    let blank = Transcript {
        lines: vec![Line {
            start_secs: 0.0,
            end_secs: 1.0,
            text: " ".into(),
        }],
        captions_vtt: "WEBVTT\n\n".into(),
    };
    for t in [None, Some(blank)] {
        let notion = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
        let world = World::with_notion(&notion);
        let done = run(&world, &enqueue(&world, &notion_ref(), t.clone())).await;
        assert!(done.post.transcript.is_none() && done.transcript.is_none());
        assert!(notion_toggle(&notion).is_none(), "no empty toggle");

        let clickup = ClickUpFake::start(crate::CLICKUP_TOKEN, crate::TEAM, crate::TASK);
        let world = World::with_clickup(&clickup);
        run(&world, &enqueue(&world, &clickup_ref(), t.clone())).await;
        let (attachments, comments, replies) = clickup_state(&clickup);
        assert_eq!((attachments.len(), comments, replies.len()), (1, 1, 0));

        let world = World::new();
        run(&world, &enqueue(&world, "library", t)).await;
        let library = world.dir.path().join("library");
        let names: Vec<String> = std::fs::read_dir(&library)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".vtt")), "{names:?}");
        let sidecar = names.iter().find(|n| n.ends_with(".json")).unwrap();
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(library.join(sidecar)).unwrap()).unwrap();
        assert!(side.get("transcript").is_none(), "{side}");
    }
}

#[tokio::test]
async fn library_and_shared_folder_get_the_captions_and_the_segments() {
    let t = transcript(3, "We checked the release plan");
    let world = World::new();
    let shared = world.dir.path().join("team share");
    for to in [
        "library".to_string(),
        format!("folder:{}", shared.display()),
    ] {
        let done = run(&world, &enqueue(&world, &to, Some(t.clone()))).await;
        let clip = std::path::PathBuf::from(&done.attach.unwrap().remote_id);
        let vtt = clip.with_extension("vtt");
        assert_eq!(
            std::fs::read_to_string(&vtt).unwrap(),
            t.captions_vtt,
            "{to}"
        );
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(clip.with_extension("json")).unwrap()).unwrap();
        assert_eq!(side["transcript"].as_array().unwrap().len(), 3, "{side}");
        assert_eq!(side["transcript"][1]["start_secs"], 4.0);
        assert_eq!(side["transcript"][1]["end_secs"], 7.5);
        assert_eq!(
            side["transcript"][1]["text"],
            "We checked the release plan 1."
        );
    }

    // A clip recorded in the library keeps the captions it has (Review may have corrected them).
    let library = world.dir.path().join("library");
    let own = library.join("recorded.mp4");
    std::fs::write(&own, crate::clip_bytes(20_000, 7)).unwrap();
    std::fs::write(own.with_extension("vtt"), "WEBVTT\n\ncorrected\n").unwrap();
    let job = world
        .outbox()
        .enqueue(NewPost {
            to: TaskRef::Library,
            clip: own.clone(),
            title: "Recorded here".into(),
            summary: String::new(),
            author: "Ada".into(),
            duration_secs: None,
            reply_to: None,
            transcript: Some(t),
        })
        .unwrap();
    run(&world, &job).await;
    assert_eq!(
        std::fs::read_to_string(own.with_extension("vtt")).unwrap(),
        "WEBVTT\n\ncorrected\n"
    );
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(own.with_extension("json")).unwrap()).unwrap();
    assert_eq!(side["transcript"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_transcript_is_kept_in_the_job_as_queued() {
    // What the user reviewed is what posts: the job file holds it, so a later run (after a
    // restart) posts the same lines even if nothing is beside the clip any more.
    let t = transcript(4, "We checked the release plan");
    let fake = NotionFake::start(crate::NOTION_TOKEN, crate::PAGE);
    let world = World::with_notion(&fake);
    let job = enqueue(&world, &notion_ref(), Some(t.clone()));
    let on_disk: serde_json::Value = serde_json::from_slice(
        &std::fs::read(world.dir.path().join(format!("outbox/{}.json", job.id))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        on_disk["post"]["transcript"]["lines"][3]["text"],
        "We checked the release plan 3."
    );
    let fresh = Outbox::open(world.dir.path().join("outbox")).unwrap();
    fresh
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(toggle_lines(&notion_toggle(&fake).unwrap()), timed(&t));
}
