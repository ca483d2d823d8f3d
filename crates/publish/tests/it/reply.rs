//! "Reply with a clip" (issue 5): a teammate's clip read from the inbox is answered through
//! the outbox. On Notion the reply lands right after the answered clip's section (not at the
//! page's end), with a line saying whom it answers; on ClickUp it is a threaded reply under
//! the comment that links to the answered clip, or a task comment naming whom it answers
//! when no comment links to it. Each lands exactly once, even when the reply to the request
//! that placed it is lost.

use fakes::{ClickUpFake, Fault, NotionFake};
use publish::{Entry, Follow, JobStatus, NewPost, Progress, ReplyTo, Settings, TaskRef, Token};
use serde_json::json;

use crate::inbox::{inbox, post_as};
use crate::{CLICKUP_TOKEN, NOTION_TOKEN, PAGE, TASK, TEAM, World, clip_bytes};

const BOB_NOTION: &str = "ntn_bob_reply_secret_11";
const DANA_CLICKUP: &str = "pk_52_DANA_REPLY_SECRET";

/// Ada's inbox entry for the clip titled `title`, read from `follow` through the fake.
async fn entry(world: &World, follow: &str, title: &str) -> Entry {
    let inbox = inbox(world, u64::MAX);
    let report = inbox
        .refresh(&world.settings, &[Follow::parse(follow).unwrap()])
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let entries = inbox.entries().unwrap();
    entries
        .into_iter()
        .find(|e| e.title == title)
        .unwrap_or_else(|| panic!("no entry {title:?}"))
}

/// Ada replies to `reply` on `to` through the outbox; returns the job's marker.
async fn reply_as_ada(world: &World, to: TaskRef, reply: ReplyTo, summary: &str) -> String {
    let outbox = world.outbox();
    let title = format!("Re: {}", reply.title);
    let job = outbox
        .enqueue(NewPost {
            to,
            clip: world.clip("answer.mp4", 30_000),
            title,
            summary: summary.into(),
            author: "Ada".into(),
            duration_secs: Some(21.0),
            reply_to: Some(reply),
            transcript: None,
        })
        .unwrap();
    let done = outbox
        .run_job(&job.id, &world.settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Done, "{:?}", done.last_error);
    format!("clipnote {}", job.id)
}

/// The page as (type, text) pairs, in order.
fn page(fake: &NotionFake) -> Vec<(String, String)> {
    fake.state()
        .blocks(PAGE)
        .into_iter()
        .map(|b| (b.kind, b.text))
        .collect()
}

fn position(blocks: &[(String, String)], what: impl Fn(&(String, String)) -> bool) -> usize {
    let found: Vec<usize> = (0..blocks.len()).filter(|&i| what(&blocks[i])).collect();
    assert_eq!(found.len(), 1, "exactly one such block in {blocks:#?}");
    found[0]
}

#[tokio::test]
async fn a_notion_reply_lands_after_the_answered_clip_once_in_both_versions() {
    for version in ["2025-09-03", "2026-03-11"] {
        let fake = NotionFake::start(NOTION_TOKEN, PAGE);
        fake.add_page(PAGE, "Login bug");
        fake.add_user(BOB_NOTION, "Bob Builder");
        let mut world = World::with_notion(&fake);
        world.settings.notion_version = version.into();
        let mut bob = world.settings.clone();
        bob.notion_token = Some(Token::new(BOB_NOTION));
        post_as(
            &bob,
            PAGE,
            "a.mp4",
            "Login bug",
            "- repro: idle 5 min",
            "Bob Builder",
            20_000,
        )
        .await;
        post_as(
            &bob,
            PAGE,
            "b.mp4",
            "Search is slow",
            "Profiled it",
            "Bob Builder",
            20_000,
        )
        .await;

        let answered = entry(&world, PAGE, "Login bug").await;
        let (to, reply) = answered.reply_target();
        assert_eq!(to, TaskRef::parse(PAGE).unwrap());
        // A minute passes, so the page's last_edited_time moves with the reply.
        fake.advance_clock(60);
        assert_eq!(reply.line(), "↩ Reply to Bob Builder's clip “Login bug”");
        // Both appends apply, but their answers are lost; the first chunk of the summary
        // (150 bullets and the footer make two appends) lands mid-page, so finding it again
        // needs the blocks after its anchor, not the page's tail.
        fake.inject("append_video", Fault::UnavailableAfterEffect, 1);
        fake.inject("append_text", Fault::UnavailableAfterEffect, 1);
        let bullets: Vec<String> = (0..150).map(|i| format!("- point {i}")).collect();
        let marker = reply_as_ada(&world, to, reply.clone(), &bullets.join("\n")).await;
        assert_eq!(fake.pending_faults(), 0, "{version}: both faults fired");

        let blocks = page(&fake);
        let answered_at = position(&blocks, |(k, t)| k == "heading_2" && t == "Login bug");
        // The answered clip's section: heading, video, one bullet, footer.
        let footer_a = answered_at + 3;
        assert!(
            blocks[footer_a].1.contains("Bob Builder · clipnote "),
            "{version}: {blocks:#?}"
        );
        let heading = position(&blocks, |(k, t)| k == "heading_2" && t == "Re: Login bug");
        assert_eq!(
            heading,
            footer_a + 1,
            "{version}: right after the answered clip's footer"
        );
        assert_eq!(
            blocks[heading + 1],
            ("paragraph".into(), reply.line()),
            "{version}"
        );
        let video = position(&blocks, |(k, t)| k == "video" && t.contains(&marker));
        assert_eq!(video, heading + 2, "{version}");
        for i in 0..150 {
            assert_eq!(
                blocks[video + 1 + i],
                ("bulleted_list_item".into(), format!("point {i}")),
                "{version}: the summary follows the video once, in order"
            );
        }
        let footer = position(&blocks, |(k, t)| k == "paragraph" && t.contains(&marker));
        assert_eq!(footer, video + 151, "{version}");
        assert_eq!(
            blocks[footer + 1],
            ("heading_2".into(), "Search is slow".into()),
            "{version}: the clip that followed the answered one comes after the reply"
        );
        assert_eq!(
            blocks.iter().filter(|b| b.0 == "video").count(),
            3,
            "{version}"
        );

        // The inbox reads the reply back with its own title (the line sits above its video).
        let back = entry(&world, PAGE, "Re: Login bug").await;
        assert_eq!(back.author, "Ada", "{version}");
        assert_eq!(back.summary.lines().count(), 150, "{version}");
    }
}

#[tokio::test]
async fn a_notion_reply_to_a_clip_no_longer_on_the_page_goes_at_the_end_with_its_line() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let world = World::with_notion(&fake);
    post_as(
        &world.settings,
        PAGE,
        "a.mp4",
        "Kept",
        "Still here",
        "Bob",
        20_000,
    )
    .await;
    let gone = ReplyTo {
        clip_id: "0000000000000000000000000000dead".into(),
        file_name: None,
        title: "Deleted demo".into(),
        author: String::new(),
    };
    let marker = reply_as_ada(
        &world,
        TaskRef::parse(PAGE).unwrap(),
        gone.clone(),
        "Answer",
    )
    .await;
    let blocks = page(&fake);
    let n = blocks.len();
    assert_eq!(
        blocks[n - 5],
        ("heading_2".into(), "Re: Deleted demo".into())
    );
    assert_eq!(
        blocks[n - 4],
        (
            "paragraph".into(),
            "↩ Reply to the clip “Deleted demo”".into()
        )
    );
    assert!(blocks[n - 3].0 == "video" && blocks[n - 3].1.contains(&marker));
    assert!(blocks[n - 1].1.contains(&marker), "{blocks:#?}");
}

/// Dana attaches `name` to the task with her own token; returns the attachment JSON.
async fn dana_attaches(fake: &ClickUpFake, name: &str) -> serde_json::Value {
    // reqwest needs the process-wide crypto provider that publish's own client installs.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let form = reqwest::multipart::Form::new().part(
        "attachment",
        reqwest::multipart::Part::bytes(clip_bytes(20_000, 9)).file_name(name.to_string()),
    );
    reqwest::Client::new()
        .post(format!("{}/v2/task/{TASK}/attachment", fake.base_url()))
        .header("Authorization", DANA_CLICKUP)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn clickup_world(fake: &ClickUpFake) -> (World, Settings) {
    fake.add_task(TEAM, TASK, "Search filters", None);
    fake.add_user(DANA_CLICKUP, 52, "Dana Diaz");
    let world = World::with_clickup(fake);
    let mut dana = world.settings.clone();
    dana.clickup_token = Some(Token::new(DANA_CLICKUP));
    (world, dana)
}

#[tokio::test]
async fn a_clickup_reply_is_threaded_under_the_answered_clips_comment_once() {
    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    let (world, dana) = clickup_world(&fake);
    post_as(
        &dana,
        TASK,
        "demo.mp4",
        "Filters demo",
        "Try the date filter",
        "Dana Diaz",
        20_000,
    )
    .await;
    // A later comment links nothing: the reply must find the one that links the clip.
    let r = reqwest::Client::new()
        .post(format!("{}/v2/task/{TASK}/comment", fake.base_url()))
        .header("Authorization", DANA_CLICKUP)
        .json(&json!({ "comment_text": "unrelated note", "notify_all": false }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // 110 more comments follow: the one to answer is now past the fourth page of 25.
    {
        let mut st = fake.state();
        let task = st.tasks.get_mut(TASK).unwrap();
        let last = task.comments.last().unwrap().date_ms;
        for i in 0..110u64 {
            task.comments.push(fakes::clickup::Comment {
                id: 5_000 + i,
                ops: vec![json!({ "text": format!("note {i}") })],
                text: format!("note {i}"),
                date_ms: last + 1 + i as i64,
            });
        }
    }
    fake.advance_clock(61);

    let answered = entry(&world, TASK, "Filters demo").await;
    let (to, reply) = answered.reply_target();
    assert_eq!(to, TaskRef::parse(TASK).unwrap());
    fake.inject("reply", Fault::UnavailableAfterEffect, 1);
    let marker = reply_as_ada(&world, to, reply.clone(), "Works **for me**").await;
    assert_eq!(fake.pending_faults(), 0, "the lost reply fired");

    let task = fake.state().task(TASK);
    assert_eq!(task.attachments.len(), 2, "the answer is a task attachment");
    assert_eq!(task.comments.len(), 112, "no new task comment");
    let parent = task
        .comments
        .iter()
        .find(|c| {
            c.text
                .contains(&format!("({})", reply.file_name.clone().unwrap()))
        })
        .expect("Dana's comment links her clip");
    let thread = &task.replies[&parent.id];
    assert_eq!(thread.len(), 1, "exactly one threaded reply: {thread:#?}");
    assert!(
        thread[0].text.starts_with(&reply.line()),
        "{}",
        thread[0].text
    );
    assert!(thread[0].text.contains("Re: Filters demo") && thread[0].text.contains(&marker));
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.route == "reply" && r.method == "POST")
        .count();
    assert_eq!(
        posts, 1,
        "the lost reply was found in the thread, not sent again"
    );
    let ours = task
        .attachments
        .iter()
        .find(|a| a.title != reply.file_name.clone().unwrap())
        .unwrap();
    assert!(
        thread[0].text.contains(&format!("({})", ours.title)),
        "it links the answer"
    );

    // The inbox reads the answer back with its title and summary from the thread.
    let back = entry(&world, TASK, "Re: Filters demo").await;
    assert_eq!(
        (back.author.as_str(), back.summary.as_str()),
        ("Ada", "Works for me")
    );
}

#[tokio::test]
async fn a_clickup_clip_without_a_comment_gets_a_task_comment_naming_whom_it_answers() {
    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    let (world, _) = clickup_world(&fake);
    let att = dana_attaches(&fake, "screen-capture.mp4").await;
    fake.advance_clock(61);
    let answered = entry(&world, TASK, "screen-capture.mp4").await;
    let (to, reply) = answered.reply_target();
    assert_eq!(reply.clip_id, att["id"].as_str().unwrap());
    fake.inject("comment", Fault::UnavailableAfterEffect, 1);
    let marker = reply_as_ada(&world, to, reply, "Seen it").await;

    let task = fake.state().task(TASK);
    assert_eq!(
        task.comments.len(),
        1,
        "exactly one comment: {:#?}",
        task.comments
    );
    let text = &task.comments[0].text;
    assert!(
        text.starts_with("↩ Reply to Dana Diaz's clip “screen-capture.mp4”"),
        "{text}"
    );
    assert!(text.contains(&marker));
    assert!(task.replies.is_empty(), "nothing threaded");
}

#[tokio::test]
async fn the_notion_fake_refuses_a_place_that_is_not_on_the_page() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let other = "0123456789abcdef0123456789abcdef";
    fake.add_page(other, "Elsewhere");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let append = |page: &str, version: &str, place: serde_json::Value| {
        let mut body = json!({ "children": [{ "paragraph": { "rich_text": [{ "text": { "content": "x" } }] } }] });
        body.as_object_mut()
            .unwrap()
            .extend(place.as_object().unwrap().clone());
        http.patch(format!("{}/v1/blocks/{page}/children", fake.base_url()))
            .bearer_auth(NOTION_TOKEN)
            .header("Notion-Version", version)
            .json(&body)
            .send()
    };
    let r: serde_json::Value = append(other, "2025-09-03", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let elsewhere = r["results"][0]["id"].as_str().unwrap().to_string();
    let cases = [
        (
            "2025-09-03",
            json!({ "after": "feedfeedfeedfeedfeedfeedfeedfeed" }),
            404,
            "object_not_found",
        ),
        (
            "2025-09-03",
            json!({ "after": elsewhere }),
            400,
            "validation_error",
        ),
        (
            "2026-03-11",
            json!({ "position": { "type": "after_block", "after_block": { "id": elsewhere } } }),
            400,
            "validation_error",
        ),
        (
            "2026-03-11",
            json!({ "after": elsewhere }),
            400,
            "validation_error",
        ),
        (
            "2025-09-03",
            json!({ "position": { "type": "end" } }),
            400,
            "validation_error",
        ),
    ];
    for (version, place, status, code) in cases {
        let r = append(PAGE, version, place.clone()).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{version} {place}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{version} {place}: {body}");
    }
    assert!(fake.state().blocks(PAGE).is_empty(), "nothing was appended");
    // `start` puts the block first.
    append(PAGE, "2026-03-11", json!({})).await.unwrap();
    let r = append(
        PAGE,
        "2026-03-11",
        json!({ "position": { "type": "start" } }),
    )
    .await
    .unwrap();
    assert!(r.status().is_success());
    let first = r.json::<serde_json::Value>().await.unwrap()["results"][0]["id"].clone();
    assert_eq!(fake.state().blocks(PAGE)[0].id, first.as_str().unwrap());
}

#[tokio::test]
async fn a_library_reply_records_what_it_answers_in_the_sidecar() {
    let world = World::new();
    let answered = ReplyTo {
        clip_id: "/clips/login.mp4".into(),
        file_name: Some("login.mp4".into()),
        title: "Login bug".into(),
        author: "Bob".into(),
    };
    reply_as_ada(&world, TaskRef::Library, answered.clone(), "Fixed it").await;
    let (_, side) = publish::local::Folder::library(world.settings.library_dir.clone())
        .sidecars()
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(side.reply_to, Some(answered.clone()));
    assert_eq!(side.summary, format!("{}\n\nFixed it", answered.line()));
}
