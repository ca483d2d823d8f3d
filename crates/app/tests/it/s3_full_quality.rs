//! `post --full-quality`: a clip over Notion's file limit is kept whole in team storage (`[s3]
//! team`) and the page links to it, instead of carrying a re-encoded copy.

use fakes::NotionFake;
use testkit::s3::Weed;

use crate::post::{NOTION_TOKEN, PAGE, text};
use crate::s3::{bucket, get, home, keys};

#[test]
fn a_clip_over_the_plans_limit_is_kept_whole_in_team_storage_and_the_page_links_to_it() {
    let weed = Weed::start(&["team"]);
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.state().max_file_bytes = fakes::notion::FREE_LIMIT_BYTES;
    let mut h = home(&weed);
    h.set("CLIPNOTE_NOTION_BASE_URL", &notion.base_url());
    let clip = h.dir.path().join("big.mp4");
    testkit::clip::Synth::over_notion_free().make(&clip);
    let bytes = std::fs::read(&clip).unwrap();
    assert!(bytes.len() as u64 > fakes::notion::FREE_LIMIT_BYTES);
    let c = clip.to_str().unwrap();

    // Refused with `code`, saying `why`, and nothing on the page.
    let refused = |code: i32, why: &str| {
        let o = h.run(&["post", c, "--to", PAGE, "--full-quality"]);
        assert_eq!(o.status.code(), Some(code), "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains(why), "{}", text(&o.stderr));
        assert!(notion.state().blocks(PAGE).is_empty());
    };
    // No team storage set: the error says where to set it.
    refused(8, "team = \"s3://BUCKET/PREFIX\"");
    // Team storage over http: Notion would refuse the link, and the error says so first.
    h.config("[s3]\nteam = \"s3://team/big\"\n");
    refused(6, "Notion embeds only https links");

    // With the bucket served over https: the clip goes whole, the page embeds its link.
    h.config(
        "[s3]\nteam = \"s3://team/big\"\n[s3.buckets.team]\npublic_base_url = \"https://clips.example.com\"\n",
    );
    let o = h.run(&["post", c, "--to", PAGE, "--full-quality", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("keeping it whole in team storage"),
        "{}",
        text(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let link = v["full_quality_link"]
        .as_str()
        .expect("the link")
        .to_string();
    let key = link
        .strip_prefix("https://clips.example.com/")
        .unwrap_or_else(|| panic!("a link under the public base URL: {link}"));
    assert!(key.starts_with("big/") && key.ends_with(".mp4"), "{key}");
    assert!(v["fit"].is_null(), "not re-encoded: {v}");

    let store = bucket(&weed, "team");
    assert!(keys(&store).iter().any(|k| k == key), "{:?}", keys(&store));
    assert!(
        get(&store, key) == bytes,
        "the stored clip is the whole file"
    );

    let st = notion.state();
    let blocks = st.blocks(PAGE);
    let videos: Vec<_> = blocks.iter().filter(|b| b.kind == "video").collect();
    assert_eq!(videos.len(), 1, "{blocks:?}");
    assert_eq!(
        videos[0].body["external"]["url"],
        link.as_str(),
        "{:?}",
        videos[0]
    );
    assert!(
        videos[0].video_upload.is_none(),
        "no file was uploaded to Notion"
    );
    assert!(
        st.uploads.values().all(|u| !u.attached),
        "no upload attached to the page"
    );
}

/// Review offers the same choice when team storage is set: ticked, the clip goes whole to the
/// bucket and the Notion page embeds its link.
#[test]
fn review_offers_to_keep_a_clip_over_the_limit_whole_in_team_storage() {
    use crate::ui::{Home, PAGE, harness, posted, step_until, step_until_shown};
    use egui_kittest::kittest::Queryable;

    let _busy = testkit::world::screen_lock();
    let weed = Weed::start(&["team"]);
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    notion.state().max_file_bytes = fakes::notion::FREE_LIMIT_BYTES;
    let home = Home::new();
    let clip = home.path("library").join("big.mp4");
    testkit::clip::Synth::over_notion_free().make(&clip);
    let mut options = home.options(&notion, NOTION_TOKEN);
    let setup = options.publish.as_mut().unwrap();
    setup.settings.s3_keys = Some(publish::s3::S3Keys {
        access_key_id: testkit::s3::ACCESS_KEY.into(),
        secret_access_key: testkit::s3::SECRET_KEY.into(),
        session_token: None,
        endpoint: Some(weed.endpoint()),
        region: Some(testkit::s3::REGION.into()),
    });
    setup
        .settings
        .s3
        .public_base_urls
        .insert("team".into(), "https://clips.example.com".into());
    setup.team = Some(publish::TaskRef::S3 {
        bucket: "team".into(),
        prefix: "big".into(),
    });
    options.review_clip = Some(clip.clone());
    let mut h = harness(options);
    step_until(&mut h, "the clip opened for review", |app| {
        app.review_clip().is_some_and(|c| c.path == clip)
    });
    h.get_by_label("Title")
        .set_text_value_accesskit("Big update");
    h.get_by_label("Post to").set_text_value_accesskit(PAGE);
    step_until_shown(&mut h, "it will be re-encoded to fit");
    h.get_by_label("Keep full quality: store it in s3://team/big and link it")
        .click();
    step_until_shown(&mut h, "it will be kept whole in s3://team/big");
    h.get_by_label("Post").click();
    step_until(&mut h, "the post", posted);

    let store = bucket(&weed, "team");
    let stored: Vec<String> = keys(&store)
        .into_iter()
        .filter(|k| k.ends_with(".mp4"))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(get(&store, &stored[0]) == std::fs::read(&clip).unwrap());
    let st = notion.state();
    let blocks = st.blocks(PAGE);
    let video = blocks
        .iter()
        .find(|b| b.kind == "video")
        .expect("a video block");
    assert_eq!(
        video.body["external"]["url"],
        format!("https://clips.example.com/{}", stored[0]).as_str(),
        "{video:?}"
    );
}
