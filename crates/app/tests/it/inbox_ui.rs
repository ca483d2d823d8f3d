//! The app's Inbox and Watch screens as a person uses them, clicked by label (`egui_kittest`):
//! teammates post real clips — Carol to the library, Bob on a Notion page of the contract fake
//! with his own token — and Ada follows the page, filters, watches (the real player, to 90%),
//! meets a broken file's error in words, and replies with a real recording that lands on the
//! page once.

use std::path::Path;
use std::time::Duration;

use app::ui::review::PostState;
use app::ui::{App, Screen};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fakes::NotionFake;
use publish::inbox::Handle;
use publish::{
    Follow, FollowList, Inbox, InboxConfig, NewPost, Progress, Settings, TaskRef, Token,
};
use testkit::clip::Synth;
use testkit::world::screen_lock;

use crate::ui::{
    Home, NOTION_TOKEN, choose_test_mic, elapsed, harness, posted, quick_retry, step_until,
    step_until_shown,
};

const PAGE: &str = "7a1b2c3d4e5f40718293a4b5c6d7e8f9";
const BOB_NOTION: &str = "ntn_BOB_inbox_ui_secret_77";
const BOB_TITLE: &str = "Release 2.4 walkthrough";
const CAROL_TITLE: &str = "Onboarding tour";

/// Posts `clip` through a teammate's own outbox, as they would with Clipnote (or with another
/// client: publish itself does not check that the clip plays).
pub(crate) fn post_as(
    settings: &Settings,
    outbox: &Path,
    to: TaskRef,
    clip: &Path,
    title: &str,
    author: &str,
) {
    post(
        settings,
        outbox,
        NewPost {
            to,
            clip: clip.to_path_buf(),
            title: title.into(),
            summary: format!("- what {author} changed\n- **next**: your review"),
            author: author.into(),
            duration_secs: publish::mp4::duration_secs(clip),
            reply_to: None,
            transcript: None,
        },
    );
}

/// Posts `post` through the outbox at `outbox` with `settings`, to the end.
pub(crate) fn post(settings: &Settings, outbox: &Path, post: NewPost) {
    let outbox = publish::Outbox::open(outbox).unwrap();
    let job = outbox.enqueue(post).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let done = rt
        .block_on(outbox.run_job(&job.id, settings, &Progress::default()))
        .unwrap();
    assert_eq!(
        done.status,
        publish::JobStatus::Done,
        "{:?}",
        done.last_error
    );
}

/// A small real clip (H.264 + AAC).
fn clip(home: &Home, name: &str) -> std::path::PathBuf {
    let path = home.path(name);
    Synth {
        width: 320,
        height: 240,
        secs: 3,
        ..Synth::default()
    }
    .make(&path);
    path
}

/// The Notion fake with Ada's page, and Bob (his own token) posting a clip on it.
fn bob_posts(home: &Home) -> NotionFake {
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.add_page(PAGE, "Release notes");
    notion.add_user(BOB_NOTION, "Bob Builder");
    let mut bob = Settings::new(home.path("bob"), home.path("bob-library"));
    bob.notion_base_url = notion.base_url();
    bob.notion_token = Some(Token::new(BOB_NOTION));
    let clip = clip(home, "bob.mp4");
    let to = TaskRef::parse(PAGE).unwrap();
    post_as(
        &bob,
        &home.path("bob-outbox"),
        to,
        &clip,
        BOB_TITLE,
        "Bob Builder",
    );
    notion
}

/// Carol posts `clip` to the (shared) library.
fn carol_posts(home: &Home, clip: &Path, title: &str) {
    let settings = Settings::new(home.path("carol"), home.path("library"));
    let outbox = home.path("carol-outbox");
    post_as(
        &settings,
        &outbox,
        TaskRef::Library,
        clip,
        title,
        "Carol Chen",
    );
}

fn inbox_config(home: &Home) -> InboxConfig {
    InboxConfig::new(home.path("inbox"), home.path("cache"))
}

pub(crate) fn entry<'a>(app: &'a App, title: &str) -> Option<&'a publish::Entry> {
    app.inbox().entries.iter().find(|e| e.title == title)
}

pub(crate) fn refreshed(app: &App) -> bool {
    app.inbox().working.is_none() && app.inbox().problem.is_none()
}

/// Clicks a clip's title and steps until its first picture shows.
pub(crate) fn watch(h: &mut Harness<'_, App>, title: &str) {
    h.get_by_label(title).click();
    step_until(h, "the Watch screen", |app| app.screen() == Screen::Watch);
    step_until(h, "the clip's first picture (or an error)", |app| {
        app.watch_player()
            .is_some_and(|(_, picture, error)| picture || error.is_some())
    });
}

#[test]
fn the_inbox_lists_teammates_clips_filters_by_task_and_person_and_plays_one_until_watched() {
    let home = Home::new();
    let carol = clip(&home, "carol.mp4");
    carol_posts(&home, &carol, CAROL_TITLE);
    let notion = bob_posts(&home);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(Screen::Inbox);
    quick_retry(&mut options);
    let mut h = harness(options);

    // At first only the library is followed: Carol's clip, and how to follow a task.
    step_until(&mut h, "the library's clips", |app| {
        refreshed(app) && entry(app, CAROL_TITLE).is_some()
    });
    assert!(
        h.query_by_label_contains("You follow only your library")
            .is_some()
    );
    assert!(h.query_by_label(BOB_TITLE).is_none());

    // Something that is not a reference is refused in words; the page as a person pastes it
    // is followed.
    h.get_by_label("Follow a page, task or list")
        .set_text_value_accesskit("not a task");
    h.run_steps(2);
    h.get_by_label("Follow").click();
    step_until_shown(&mut h, "cannot follow \"not a task\"");
    h.get_by_label("Follow a page, task or list")
        .set_text_value_accesskit(&format!("https://www.notion.so/acme/Release-notes-{PAGE}"));
    h.run_steps(2);
    h.get_by_label("Follow").click();
    step_until(&mut h, "Bob's clip in the inbox", |app| {
        refreshed(app) && entry(app, BOB_TITLE).is_some()
    });
    h.run_steps(2);
    assert!(h.query_by_label_contains("Following Notion page").is_some());
    assert!(
        h.query_by_label_contains("You follow only your library")
            .is_none()
    );
    let follows = FollowList::load(&home.path("config")).unwrap();
    assert_eq!(follows.follows.len(), 2, "{follows:?}");

    let app = h.state();
    let bob = entry(app, BOB_TITLE).unwrap();
    assert_eq!(
        (bob.author.as_str(), bob.task_name.as_str(), bob.watched),
        ("Bob Builder", "Release notes", false)
    );
    assert!(matches!(bob.handle, Handle::NotionBlock { .. }));
    let carol_entry = entry(app, CAROL_TITLE).unwrap();
    assert_eq!(
        (carol_entry.author.as_str(), carol_entry.task_name.as_str()),
        ("Carol Chen", "Library")
    );
    let bob_id = bob.id.clone();
    // What the list shows for each.
    assert!(h.query_by_label(BOB_TITLE).is_some());
    assert!(h.query_by_label(CAROL_TITLE).is_some());
    assert!(
        h.query_by_label_contains("Bob Builder · Release notes · ")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("Carol Chen · Library · ")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("what Bob Builder changed · next: your review")
            .is_some()
    );
    assert_eq!(h.query_all_by_label("● New").count(), 2);

    // Notion fails while refreshing: the source's error in words, the clips stay listed.
    notion.inject("get_page", fakes::Fault::ServerError, 20);
    h.get_by_label("Refresh").click();
    step_until(&mut h, "the failed refresh", |app| {
        app.inbox().working.is_none() && !app.inbox().failures.is_empty()
    });
    h.run_steps(1);
    let failure = h.state().inbox().failures[0].clone();
    assert!(
        failure.starts_with("Could not read Notion page") && failure.contains("500"),
        "{failure}"
    );
    assert!(h.query_by_label(&failure).is_some());
    assert_eq!(h.state().inbox().entries.len(), 2);
    assert!(h.query_by_label(BOB_TITLE).is_some());

    // Filter by task: the library's clip alone, then all again.
    h.get_by_label("Task").click();
    h.run_steps(2);
    h.get_by_label("Library (1)").click();
    h.run_steps(2);
    assert_eq!(h.state().inbox().shown().count(), 1);
    assert!(h.query_by_label(BOB_TITLE).is_none());
    assert!(h.query_by_label(CAROL_TITLE).is_some());
    h.get_by_label("Task").click();
    h.run_steps(2);
    h.get_by_label("All tasks").click();
    h.run_steps(2);
    assert_eq!(h.state().inbox().shown().count(), 2);

    // Filter by person: only Bob's clip stays.
    h.get_by_label("Person").click();
    h.run_steps(2);
    h.get_by_label("Bob Builder (1)").click();
    h.run_steps(2);
    assert_eq!(h.state().inbox().shown().count(), 1);
    assert!(h.query_by_label(CAROL_TITLE).is_none());
    assert!(h.query_by_label(BOB_TITLE).is_some());

    // Click it: it is downloaded, plays (the position advances over real pictures), and at
    // 90% it counts as watched — on screen and on disk.
    watch(&mut h, BOB_TITLE);
    let (start, picture, error) = h.state().watch_player().unwrap();
    assert!(picture, "no picture; error {error:?}");
    step_until(&mut h, "the clip to play on", |app| {
        app.watch_player()
            .is_some_and(|(at, _, _)| at > start + 1.0)
    });
    step_until(&mut h, "the clip to count as watched", |app| {
        app.inbox()
            .entries
            .iter()
            .any(|e| e.id == bob_id && e.watched)
    });
    let on_disk = Inbox::open(inbox_config(&home)).unwrap();
    step_until(&mut h, "the watched mark saved", |_| {
        on_disk.entry(&bob_id).is_ok_and(|e| e.watched)
    });
    assert!(
        on_disk.poster_path(&bob_id).is_file(),
        "the first download makes the poster frame"
    );

    // At its end it stops (the button says Play again); Space plays it from the start.
    for _ in 0..6000 {
        h.step();
        if h.query_by_label("Play").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let (at, _, _) = h.state().watch_player().unwrap();
    assert!(at > 2.5, "stopped at {at} s of 3");
    h.key_press(egui::Key::Space);
    step_until(&mut h, "playing from the start again", |app| {
        app.watch_player()
            .is_some_and(|(at, _, _)| at > 0.2 && at < 2.0)
    });

    // Back in the inbox: the poster is shown and the clip is marked watched.
    h.get_by_label("← Inbox").click();
    step_until(&mut h, "the poster in the list", |app| {
        app.inbox().has_poster(&bob_id)
    });
    assert!(h.query_by_label("✓ Watched").is_some());
}

#[test]
fn a_broken_clip_shows_the_players_error_in_words() {
    let home = Home::new();
    // Random bytes, and a download cut off inside a real clip's index (it comes first).
    let junk = home.path("junk.mp4");
    std::fs::write(
        &junk,
        (0..60_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    carol_posts(&home, &junk, "Random bytes");
    let whole = std::fs::read(clip(&home, "whole.mp4")).unwrap();
    let cut = home.path("cut.mp4");
    std::fs::write(&cut, &whole[..600]).unwrap();
    carol_posts(&home, &cut, "Cut short");
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(Screen::Inbox);
    let mut h = harness(options);
    step_until(&mut h, "both clips listed", |app| {
        refreshed(app) && app.inbox().entries.len() == 2
    });

    for title in ["Random bytes", "Cut short"] {
        watch(&mut h, title);
        let (_, picture, error) = h.state().watch_player().unwrap();
        assert!(!picture, "{title}: a broken clip shows no picture");
        let error = error.expect("an error in words").to_owned();
        assert!(
            error.contains("cannot be played") && error.contains("post it again"),
            "{title}: {error}"
        );
        assert!(h.query_by_label_contains("cannot be played").is_some());
        h.get_by_label("← Inbox").click();
        step_until(&mut h, "the inbox again", |app| {
            app.screen() == Screen::Inbox
        });
    }
}

#[test]
fn reply_records_a_clip_and_posts_it_on_the_answered_clips_page_once() {
    let _screen = screen_lock();
    let home = Home::new();
    let notion = bob_posts(&home);
    FollowList {
        follows: vec![Follow::parse(PAGE).unwrap()],
    }
    .save(&home.path("config"))
    .unwrap();
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.countdown = Some(false);
    let mut h = harness(options);
    choose_test_mic(&mut h);
    h.get_by_label("Inbox").click();
    step_until(&mut h, "Bob's clip in the inbox", |app| {
        refreshed(app) && entry(app, BOB_TITLE).is_some()
    });
    let Handle::NotionBlock { block_id } = entry(h.state(), BOB_TITLE).unwrap().handle.clone()
    else {
        panic!("Bob's clip is a Notion video block");
    };
    watch(&mut h, BOB_TITLE);

    // Reply: a real recording of the test world's screen and microphone (no countdown).
    h.get_by_label("↩ Reply with a clip").click();
    step_until(&mut h, "recording the reply for 1.5 s", |app| {
        elapsed(app) >= 1.5
    });
    h.get_by_label("Stop").click();
    step_until(&mut h, "the review of the reply", |app| {
        app.screen() == Screen::Review && app.review_clip().is_some()
    });
    h.run_steps(2);
    assert!(
        h.query_by_label(&format!("↩ Reply to Bob Builder's clip “{BOB_TITLE}”"))
            .is_some(),
        "Review says what the clip answers"
    );
    assert_eq!(
        h.get_by_label("Title").value().as_deref(),
        Some(format!("Re: {BOB_TITLE}").as_str())
    );
    step_until_shown(&mut h, "Notion page “");
    h.get_by_label("Summary")
        .set_text_value_accesskit("Looks good; one question about search.");
    h.run_steps(2);
    h.get_by_label("Post").click();
    step_until(&mut h, "the reply posted", posted);
    match h.state().post_state() {
        PostState::Posted { url } => assert!(url.contains(PAGE), "{url}"),
        other => panic!("the reply was not posted: {other:?}"),
    }

    // The job carried what it answers; the page holds the reply once, with its line.
    let jobs = publish::Outbox::open(home.path("outbox"))
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let reply_to = jobs[0].post.reply_to.clone().expect("the post is a reply");
    assert_eq!(reply_to.clip_id, block_id);
    assert_eq!(
        (reply_to.title.as_str(), reply_to.author.as_str()),
        (BOB_TITLE, "Bob Builder")
    );
    let blocks = notion.state().blocks(PAGE);
    assert_eq!(
        blocks.iter().filter(|b| b.kind == "video").count(),
        2,
        "Bob's clip and the reply: {blocks:?}"
    );
    let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
    let count = |needle: &str| texts.iter().filter(|t| t.contains(needle)).count();
    assert_eq!(count(&format!("Re: {BOB_TITLE}")), 1, "{texts:?}");
    assert_eq!(count("one question about search"), 1, "{texts:?}");
    assert_eq!(
        count(&reply_to.line()),
        1,
        "the Notion destination writes the reply line once: {texts:?}"
    );
}
