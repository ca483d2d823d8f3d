//! Team storage in the desktop app, clicked by label (`egui_kittest`) against the real S3
//! server: Review posts a clip straight to `s3://BUCKET/PREFIX` with its poster frame, and the
//! Inbox, following that prefix, lists it with that poster and plays it through a freshly
//! signed link.

use app::ui::Screen;
use app::ui::review::PostState;
use egui_kittest::kittest::Queryable;
use fakes::NotionFake;
use testkit::s3::Weed;

use crate::inbox_ui::{entry, refreshed, watch};
use crate::post::{NOTION_TOKEN, PAGE};
use crate::s3::{bucket, get, keys};
use crate::ui::{Home, harness, posted, step_until, step_until_shown};

const TITLE: &str = "Team update";

#[test]
fn review_posts_to_team_storage_and_the_inbox_following_it_plays_the_clip() {
    let _busy = testkit::world::screen_lock();
    let weed = Weed::start(&["team"]);
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let home = Home::new();
    let clip = home.path("library").join("standup.mp4");
    testkit::clip::Synth::default().make(&clip);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.publish.as_mut().unwrap().settings.s3_keys = Some(publish::s3::S3Keys {
        access_key_id: testkit::s3::ACCESS_KEY.into(),
        secret_access_key: testkit::s3::SECRET_KEY.into(),
        session_token: None,
        endpoint: Some(weed.endpoint()),
        region: Some(testkit::s3::REGION.into()),
    });
    options.review_clip = Some(clip.clone());
    let mut h = harness(options);
    step_until(&mut h, "the clip opened for review", |app| {
        app.review_clip().is_some_and(|c| c.path == clip)
    });

    // Review: the bucket as the destination, understood as team storage with no size limit.
    h.get_by_label("Title").set_text_value_accesskit(TITLE);
    h.get_by_label("Post to")
        .set_text_value_accesskit("s3://team/updates");
    step_until_shown(&mut h, "✔ s3://team/updates:");
    assert!(h.query_by_label_contains("(no size limit)").is_some());
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to team storage", posted);
    match h.state().post_state() {
        PostState::Posted { url } => assert_eq!(url, "s3://team/updates"),
        other => panic!("the post to team storage failed: {other:?}"),
    }
    let store = bucket(&weed, "team");
    let stored = keys(&store);
    let clips: Vec<&String> = stored.iter().filter(|k| k.ends_with(".mp4")).collect();
    assert_eq!(clips.len(), 1, "{stored:?}");
    assert!(clips[0].starts_with("updates/"), "{stored:?}");
    assert_eq!(get(&store, clips[0]), std::fs::read(&clip).unwrap());
    // Its poster frame beside it, for the team's inbox, as `clipnote post` gives.
    let poster = clips[0].replace(".mp4", ".poster.png");
    assert!(
        get(&store, &poster).starts_with(b"\x89PNG"),
        "{poster} in {stored:?}"
    );
    let sidecar = stored
        .iter()
        .find(|k| k.ends_with(".json"))
        .expect("a sidecar");
    let side: serde_json::Value = serde_json::from_slice(&get(&store, sidecar)).unwrap();
    assert_eq!(
        (side["title"].as_str(), side["author"].as_str()),
        (Some(TITLE), Some("Ada"))
    );

    // Inbox: follow the prefix as a person types it; the clip is listed and plays.
    h.get_by_label("Inbox").click();
    // Follow is taken once the inbox has read what it follows (the library, at first).
    step_until(&mut h, "the Inbox read", |app| {
        app.screen() == Screen::Inbox && refreshed(app) && !app.inbox().follows.is_empty()
    });
    h.get_by_label("Follow a page, task or list")
        .set_text_value_accesskit("s3://team/updates");
    h.run_steps(2);
    h.get_by_label("Follow").click();
    step_until(&mut h, "the team's clip in the inbox", |app| {
        refreshed(app) && entry(app, TITLE).is_some_and(|e| e.author == "Ada")
    });
    // Its poster comes from beside the clip in the bucket, before anything is downloaded.
    let id = entry(h.state(), TITLE).unwrap().id.clone();
    step_until(&mut h, "the team clip's poster in the list", |app| {
        app.inbox().has_poster(&id)
    });
    assert!(
        !std::fs::read_dir(home.path("cache"))
            .map(|d| d
                .flatten()
                .any(|f| f.path().extension().is_some_and(|x| x == "mp4")))
            .unwrap_or(false),
        "the poster came without downloading the clip"
    );
    watch(&mut h, TITLE);
    let (_, picture, error) = h.state().watch_player().expect("a player");
    assert!(picture && error.is_none(), "{error:?}");
}
