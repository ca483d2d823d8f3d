//! The inbox against the contract fakes: teammates post through the fakes' own API (with their
//! own tokens), and the reader finds their clips with title, author, task, date and summary,
//! across pages of results; refresh reads only what changed; expired signed links are read
//! again; the cache keeps to its cap; follows, watched state and resume positions persist.

use fakes::{ClickUpFake, NotionFake};
use publish::inbox::{Handle, InboxConfig};
use publish::{Follow, FollowList, Inbox, NewPost, Progress, Settings, TaskRef, Token};
use serde_json::json;

use crate::{CLICKUP_TOKEN, NOTION_TOKEN, PAGE, TASK, TEAM, World, clip_bytes};

const BOB_NOTION: &str = "ntn_bob_secret_0001";
const CAROL_NOTION: &str = "ntn_carol_secret_0002";
const BOB_CLICKUP: &str = "pk_31_BOB_SECRET";
const DANA_CLICKUP: &str = "pk_32_DANA_SECRET";
const LIST: &str = "901";

/// Posts a clip through the outbox as someone else (their token, their name in the footer).
pub(crate) async fn post_as(
    settings: &Settings,
    to: &str,
    name: &str,
    title: &str,
    summary: &str,
    author: &str,
    len: usize,
) {
    // The world's folder holds the config folder, the outbox and the clips.
    let root = settings.config_dir.parent().unwrap();
    let clip = root.join(name);
    std::fs::write(&clip, clip_bytes(len, name.len() as u64 + len as u64)).unwrap();
    let outbox = publish::Outbox::open(root.join("outbox")).unwrap();
    let job = outbox
        .enqueue(NewPost {
            to: TaskRef::parse(to).unwrap(),
            clip,
            title: title.into(),
            summary: summary.into(),
            author: author.into(),
            duration_secs: Some(83.0),
            reply_to: None,
            transcript: None,
        })
        .unwrap();
    let done = outbox
        .run_job(&job.id, settings, &Progress::default())
        .await
        .unwrap();
    assert_eq!(
        done.status,
        publish::JobStatus::Done,
        "{:?}",
        done.last_error
    );
}

pub(crate) fn inbox(world: &World, max_bytes: u64) -> Inbox {
    let mut cfg = InboxConfig::new(
        world.dir.path().join("inbox"),
        world.dir.path().join("cache"),
    );
    cfg.cache_max_bytes = max_bytes;
    Inbox::open(cfg).unwrap()
}

fn notion_follow() -> Vec<Follow> {
    vec![Follow::parse(&format!("https://www.notion.so/acme/Login-bug-{PAGE}")).unwrap()]
}

/// A world reading with the main token, and Bob's settings (his own token) for posting.
fn with_bob(fake: &NotionFake) -> (World, Settings) {
    fake.add_user(BOB_NOTION, "Bob Builder");
    let world = World::with_notion(fake);
    let mut bob = world.settings.clone();
    bob.notion_token = Some(Token::new(BOB_NOTION));
    (world, bob)
}

fn requests(fake_log: &[fakes::Logged], route: &str) -> usize {
    fake_log.iter().filter(|l| l.route == route).count()
}

#[tokio::test]
async fn notion_inbox_lists_teammates_clips_across_pages_and_rereads_only_changes() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    fake.add_page(PAGE, "Login bug");
    fake.add_user(CAROL_NOTION, "Carol Chen");
    let (world, bob) = with_bob(&fake);

    post_as(
        &bob,
        PAGE,
        "first.mp4",
        "Login bug: repro",
        crate::SUMMARY,
        "Bob Builder",
        40_000,
    )
    .await;
    fake.advance_clock(600);
    // Carol writes 100 notes and links a video in the Notion editor (through the API).
    let notes: Vec<_> = (0..99)
        .map(|i| json!({ "type": "paragraph", "paragraph": { "rich_text": [{ "type": "text", "text": { "content": format!("note {i}") } }] } }))
        .chain([json!({ "type": "video", "video": { "type": "external",
            "external": { "url": "https://videos.example.test/design-walkthrough.mp4" },
            "caption": [{ "type": "text", "text": { "content": "Design walkthrough" } }] } })])
        .collect();
    let resp = reqwest::Client::new()
        .patch(format!("{}/v1/blocks/{PAGE}/children", fake.base_url()))
        .bearer_auth(CAROL_NOTION)
        .header("Notion-Version", "2025-09-03")
        .json(&json!({ "children": notes }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    fake.advance_clock(600);
    post_as(
        &bob,
        PAGE,
        "second.mp4",
        "Login bug: fixed",
        "- root cause: **clock skew**\n- fix merged",
        "Bob Builder",
        30_000,
    )
    .await;
    // When the fake made a video block (its clock is wall time plus what the test advanced,
    // so a post may straddle a second: read it, do not compute it).
    let created = |handle: &Handle| {
        let Handle::NotionBlock { block_id } = handle else {
            panic!("not a block: {handle:?}")
        };
        let st = fake.state();
        let page = &st.pages[&fakes::notion::norm(PAGE)];
        page.meta
            .iter()
            .find(|(id, _)| fakes::notion::norm(id) == fakes::notion::norm(block_id))
            .map(|(_, m)| m.created)
            .expect("the fake knows the block")
    };
    assert!(
        fake.state().blocks(PAGE).len() > 100,
        "the page needs two pages of children"
    );

    let inbox = inbox(&world, u64::MAX);
    let before = fake.requests().len();
    let report = inbox
        .refresh(&world.settings, &notion_follow())
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.units_read, 1);
    let log = &fake.requests()[before..];
    assert_eq!(
        requests(log, "children"),
        2,
        "children read to the last cursor"
    );

    let entries = inbox.entries().unwrap();
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Login bug: fixed", "Design walkthrough", "Login bug: repro"],
        "newest first"
    );
    let fixed = &entries[0];
    assert_eq!(fixed.author, "Bob Builder");
    assert_eq!(fixed.task_name, "Login bug");
    assert!(fixed.is_on(&TaskRef::parse(PAGE).unwrap()));
    assert!(!fixed.is_on(&TaskRef::parse(TASK).unwrap()));
    assert!(fixed.task_url.ends_with(PAGE), "{}", fixed.task_url);
    assert_eq!(fixed.summary, "- root cause: clock skew\n- fix merged");
    assert_eq!(fixed.duration_secs, Some(83.0));
    assert!(fixed.by_clipnote);
    assert_eq!(fixed.date_unix, created(&fixed.handle), "{}", fixed.date);
    let walkthrough = &entries[1];
    assert_eq!(
        walkthrough.author, "Carol Chen",
        "named through GET /users/{{id}}"
    );
    assert!(!walkthrough.by_clipnote);
    assert_eq!(
        walkthrough.handle,
        Handle::Link {
            url: "https://videos.example.test/design-walkthrough.mp4".into()
        }
    );
    let repro = &entries[2];
    assert!(
        repro.summary.contains("- token refresh raced logout")
            && repro.summary.contains("[ ] tell QA"),
        "{}",
        repro.summary
    );
    assert_eq!(repro.date_unix, created(&repro.handle));
    assert!(
        fixed.date_unix - repro.date_unix >= 1200,
        "posted 20 minutes apart on the fake clock"
    );

    // Nothing changed: the page's last_edited_time says so, and no block is read.
    let before = fake.requests().len();
    let report = inbox
        .refresh(&world.settings, &notion_follow())
        .await
        .unwrap();
    assert_eq!((report.units_read, report.units_unchanged), (0, 1));
    assert_eq!(requests(&fake.requests()[before..], "children"), 0);
    let ids: Vec<String> = inbox
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.id.clone())
        .collect();

    // A new clip moves last_edited_time: read again, ids of the old entries unchanged.
    fake.advance_clock(60);
    post_as(
        &bob,
        PAGE,
        "third.mp4",
        "Follow-up",
        "done",
        "Bob Builder",
        20_000,
    )
    .await;
    let report = inbox
        .refresh(&world.settings, &notion_follow())
        .await
        .unwrap();
    assert_eq!(report.units_read, 1);
    let after: Vec<String> = inbox
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(after.len(), 4);
    assert_eq!(&after[1..], &ids[..], "stable ids");
}

#[tokio::test]
async fn an_expired_signed_link_is_read_again_and_the_bytes_match() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let (world, bob) = with_bob(&fake);
    post_as(
        &bob,
        PAGE,
        "clip.mp4",
        "Clip",
        "summary",
        "Bob Builder",
        250_000,
    )
    .await;
    let posted = std::fs::read(world.dir.path().join("clip.mp4")).unwrap();

    let inbox = inbox(&world, u64::MAX);
    inbox
        .refresh(&world.settings, &notion_follow())
        .await
        .unwrap();
    let id = inbox.entries().unwrap()[0].id.clone();
    // Two hours pass: the link read during the refresh has expired.
    fake.advance_clock(2 * 3600);
    let before = fake.requests().len();
    let path = inbox.download(&world.settings, &id).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), posted);
    let log = &fake.requests()[before..];
    let routes: Vec<(&str, u16)> = log.iter().map(|l| (l.route, l.status)).collect();
    assert_eq!(
        routes,
        [("download", 403), ("get_block", 200), ("download", 200)]
    );
    assert_eq!(
        fake.state().downloads_with_auth,
        0,
        "no Authorization to the file host"
    );
    for (p, bytes) in crate::all_files(&world.dir.path().join("inbox")) {
        assert!(
            !crate::contains(&bytes, "sig="),
            "a signed URL was stored in {}",
            p.display()
        );
        assert!(!crate::contains(&bytes, NOTION_TOKEN) && !crate::contains(&bytes, BOB_NOTION));
    }
    // Cached: watching again sends nothing.
    let before = fake.requests().len();
    assert_eq!(inbox.download(&world.settings, &id).await.unwrap(), path);
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn clickup_lists_are_read_page_by_page_within_a_budget_and_comments_to_the_end() {
    let fake = ClickUpFake::start(CLICKUP_TOKEN, TEAM, TASK);
    fake.add_user(BOB_CLICKUP, 31, "Bob Builder");
    fake.add_user(DANA_CLICKUP, 32, "Dana Diaz");
    for i in 0..105 {
        fake.add_task(
            TEAM,
            &format!("t{i:03}x"),
            &format!("Task {i:03}"),
            Some(LIST),
        );
    }
    let world = World::with_clickup(&fake);
    let mut bob = world.settings.clone();
    bob.clickup_token = Some(Token::new(BOB_CLICKUP));
    fake.advance_clock(5);
    post_as(
        &bob,
        "t050x",
        "standup.mp4",
        "Standup: search",
        crate::SUMMARY,
        "Bob Builder",
        50_000,
    )
    .await;
    // Dana attaches a video by hand and links it in a comment, then 30 replies follow.
    let http = reqwest::Client::new();
    let base = fake.base_url();
    let form = reqwest::multipart::Form::new().part(
        "attachment",
        reqwest::multipart::Part::bytes(clip_bytes(20_000, 7)).file_name("demo.mp4"),
    );
    fake.advance_clock(5);
    let att: serde_json::Value = http
        .post(format!("{base}/v2/task/t050x/attachment"))
        .header("Authorization", DANA_CLICKUP)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let comment = json!({ "notify_all": false, "comment": [
        { "text": "Filter demo" }, { "text": "\n" },
        { "text": "watch", "attributes": { "link": att["url"] } }, { "text": "\n" } ] });
    for body in std::iter::once(comment).chain(
        (0..30).map(|i| json!({ "comment_text": format!("reply {i}"), "notify_all": false })),
    ) {
        let r = http
            .post(format!("{base}/v2/task/t050x/comment"))
            .header("Authorization", DANA_CLICKUP)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    // A minute passes: the rate-limit window is fresh for the reader.
    fake.advance_clock(61);

    let mut cfg = InboxConfig::new(
        world.dir.path().join("inbox"),
        world.dir.path().join("cache"),
    );
    cfg.clickup_task_reads_per_refresh = 40;
    let inbox = Inbox::open(cfg).unwrap();
    let follows =
        vec![Follow::parse(&format!("https://app.clickup.com/{TEAM}/v/li/{LIST}")).unwrap()];
    let before = fake.requests().len();
    let report = inbox.refresh(&world.settings, &follows).await.unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!((report.units_read, report.pending), (40, 65));
    let log = &fake.requests()[before..];
    assert_eq!(
        requests(log, "list_tasks"),
        2,
        "100 tasks a page: two pages"
    );
    assert_eq!(
        requests(log, "get_comments"),
        2,
        "31 comments on the task with videos: two pages"
    );
    assert!(
        log.iter().all(|l| l.status != 429),
        "stayed inside the rate limit"
    );

    let entries = inbox.entries().unwrap();
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let (demo, standup) = (&entries[0], &entries[1]);
    assert_eq!(standup.title, "Standup: search");
    assert_eq!(standup.author, "Bob Builder");
    assert_eq!(standup.task_name, "Task 050");
    assert!(standup.is_on(&TaskRef::parse("https://app.clickup.com/t/t050x").unwrap()));
    assert_eq!(standup.task_url, "https://app.clickup.com/t/t050x");
    assert!(
        standup.summary.contains("- token refresh raced logout"),
        "{}",
        standup.summary
    );
    assert!(
        !standup.summary.contains("Watch the clip") && !standup.summary.contains("clipnote "),
        "{}",
        standup.summary
    );
    assert_eq!(standup.duration_secs, Some(83.0));
    assert_eq!(
        (demo.title.as_str(), demo.author.as_str()),
        ("Filter demo", "Dana Diaz")
    );
    assert!(demo.date_unix > standup.date_unix);
    assert!(!demo.by_clipnote);

    let r2 = inbox.refresh(&world.settings, &follows).await.unwrap();
    assert_eq!(
        (r2.units_unchanged, r2.units_read, r2.pending),
        (40, 40, 25)
    );
    fake.advance_clock(61);
    let r3 = inbox.refresh(&world.settings, &follows).await.unwrap();
    assert_eq!((r3.units_unchanged, r3.units_read, r3.pending), (80, 25, 0));
    let before = fake.requests().len();
    let r4 = inbox.refresh(&world.settings, &follows).await.unwrap();
    assert_eq!((r4.units_unchanged, r4.units_read), (105, 0));
    let routes: Vec<&str> = fake.requests()[before..].iter().map(|l| l.route).collect();
    assert_eq!(
        routes,
        ["list_tasks", "list_tasks"],
        "nothing changed: only the list is read"
    );
    assert_eq!(inbox.entries().unwrap().len(), 2);

    // ClickUp's links live minutes: one read during the refresh has expired by now.
    fake.state().url_ttl_secs = 300;
    inbox
        .refresh(&world.settings, &[Follow::parse("t050x").unwrap()])
        .await
        .unwrap();
    fake.advance_clock(600);
    let path = inbox.download(&world.settings, &standup.id).await.unwrap();
    assert_eq!(
        std::fs::read(path).unwrap(),
        std::fs::read(world.dir.path().join("standup.mp4")).unwrap()
    );
    assert_eq!(fake.state().downloads_with_auth, 0);
}

#[tokio::test]
async fn the_cache_evicts_the_least_recently_used_clip_past_its_cap() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let world = World::with_notion(&fake);
    for name in ["a.mp4", "b.mp4", "c.mp4"] {
        post_as(&world.settings, PAGE, name, name, "", "Ada", 300_000).await;
        fake.advance_clock(60);
    }
    let inbox = inbox(&world, 700_000);
    inbox
        .refresh(&world.settings, &notion_follow())
        .await
        .unwrap();
    let by_title = |t: &str| {
        inbox
            .entries()
            .unwrap()
            .into_iter()
            .find(|e| e.title == t)
            .unwrap()
            .id
    };
    let (a, b, c) = (by_title("a.mp4"), by_title("b.mp4"), by_title("c.mp4"));
    let pa = inbox.download(&world.settings, &a).await.unwrap();
    let pb = inbox.download(&world.settings, &b).await.unwrap();
    inbox.download(&world.settings, &a).await.unwrap(); // a is used again: b is now the oldest
    let pc = inbox.download(&world.settings, &c).await.unwrap();
    assert!(pa.is_file() && pc.is_file());
    assert!(!pb.exists(), "the least recently used clip was evicted");
    assert_eq!(inbox.cache().used_bytes().unwrap(), 600_000);
    // Evicted is not lost: it downloads again.
    assert!(inbox.download(&world.settings, &b).await.unwrap().is_file());
}

#[tokio::test]
async fn follows_watched_state_and_positions_persist_and_bad_refs_are_explained() {
    let world = World::new();
    let config = world.dir.path().join("config");
    let list = FollowList::load(&config).unwrap();
    assert_eq!(
        list.follows,
        [Follow::Task {
            to: TaskRef::Library
        }],
        "the library by default"
    );
    let mut list = list;
    assert!(list.add(Follow::parse("clickup-list:901").unwrap()));
    assert!(
        !list.add(Follow::parse("clickup-list:901").unwrap()),
        "no duplicates"
    );
    list.save(&config).unwrap();
    let mut again = FollowList::load(&config).unwrap();
    assert_eq!(again, list);
    again.remove(&Follow::parse("library").unwrap()).unwrap();
    let err = again
        .remove(&Follow::parse("86b0x2k7q").unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not followed") && err.contains("ClickUp list 901"),
        "{err}"
    );
    let err = Follow::parse("https://example.com/x")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot follow") && err.contains("folder:<path>"),
        "{err}"
    );

    // Two clips in the library: watched state and resume position survive a reopen.
    for (name, title) in [("one.mp4", "One"), ("two.mp4", "Two")] {
        post_as(
            &world.settings,
            "library",
            name,
            title,
            "notes",
            "Ada",
            10_000,
        )
        .await;
    }
    let inbox = inbox(&world, u64::MAX);
    let follows = [Follow::parse("library").unwrap()];
    inbox.refresh(&world.settings, &follows).await.unwrap();
    let entries = inbox.entries().unwrap();
    assert_eq!(entries.len(), 2);
    let first = entries[0].id.clone();
    inbox.set_position(&first, 12.5).unwrap();
    inbox.set_watched(&first, true).unwrap();
    let reopened = self::inbox(&world, u64::MAX);
    let entries = reopened.entries().unwrap();
    assert_eq!(entries[1].id, first, "watched goes after unwatched");
    assert!(entries[1].watched && entries[1].position_secs == 12.5);
    let path = reopened.download(&world.settings, &first).await.unwrap();
    assert!(matches!(&entries[1].handle, Handle::File { path: p } if *p == path));
    assert!(
        path.starts_with(&world.settings.library_dir),
        "a library clip is used in place"
    );
    let err = reopened
        .download(&world.settings, "n0000000000")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("clipnote inbox"), "{err}");
}

#[tokio::test]
async fn a_database_follows_every_row_and_unshared_pages_are_reported_not_fatal() {
    let fake = NotionFake::start(NOTION_TOKEN, PAGE);
    let rows = [
        ("11111111111111111111111111111111", "Row one"),
        ("22222222222222222222222222222222", "Row two"),
    ];
    fake.add_database("dddddddddddddddddddddddddddddddd", "Sprint board", &rows);
    let world = World::with_notion(&fake);
    for (id, _) in rows {
        post_as(
            &world.settings,
            id,
            "c.mp4",
            &format!("On {id}"),
            "s",
            "Ada",
            5_000,
        )
        .await;
    }
    let inbox = inbox(&world, u64::MAX);
    let follows = vec![
        Follow::parse("notion-db:dddddddddddddddddddddddddddddddd").unwrap(),
        Follow::parse("https://www.notion.so/Secret-99999999999999999999999999999999").unwrap(),
    ];
    let report = inbox.refresh(&world.settings, &follows).await.unwrap();
    let mut tasks: Vec<String> = inbox
        .entries()
        .unwrap()
        .iter()
        .map(|e| e.task_name.clone())
        .collect();
    tasks.sort();
    assert_eq!(tasks, ["Row one", "Row two"]);
    assert_eq!(report.failures.len(), 1);
    let msg = report.failures[0].1.to_string();
    assert!(msg.contains("share it with the integration"), "{msg}");
}
