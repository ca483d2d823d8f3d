//! The desktop app as a person uses it: clicked by label through AccessKit (`egui_kittest`),
//! recording for real in the test world, posting to the library and to the Notion contract
//! fake. The real binary under Xvfb is in `real_app.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use app::ui::review::PostState;
use app::ui::{App, Options, RecState, Screen, poster};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use fakes::NotionFake;
use testkit::world::{screen_lock, world};

pub(crate) const NOTION_TOKEN: &str = "ntn_UI_IT_secret_4f1a";
pub(crate) const PAGE: &str = "5e3b1c2d4a6f48e19b7c0d2e3f4a5b6c";

/// Folders for one test: library, outbox, config.
pub(crate) struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for d in ["library", "outbox", "config"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        Self { dir }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A 2-second synthetic clip in the library.
    pub(crate) fn library_clip(&self, name: &str) -> PathBuf {
        let clip = self.path("library").join(name);
        testkit::clip::Synth {
            secs: 2,
            ..Default::default()
        }
        .make(&clip);
        clip
    }

    /// App options: no global hotkey (the hotkey test owns it), posting to `notion`.
    pub(crate) fn options(&self, notion: &NotionFake, token: &str) -> Options {
        let mut settings = publish::Settings::new(self.path("config"), self.path("library"));
        settings.notion_base_url = notion.base_url();
        settings.notion_token = Some(publish::Token::new(token));
        Options {
            hotkey: false,
            screen: None,
            library_dir: Some(self.path("library")),
            publish: Some(poster::Setup {
                settings,
                outbox_dir: self.path("outbox"),
                author: "Ada".into(),
                post_transcript: true,
                team: None,
            }),
            countdown: Some(true),
            // The control socket belongs to the real app (see toggle.rs).
            control: false,
            inbox: Some(publish::InboxConfig::new(
                self.path("inbox"),
                self.path("cache"),
            )),
            // Review drafts in a process of its own: the app's binary, not this test's.
            draft_program: Some(env!("CARGO_BIN_EXE_clipnote-app").into()),
            ..Options::default()
        }
    }
}

/// Posts retry twice within about a second, so a test of failing posts does not wait long.
pub(crate) fn quick_retry(options: &mut Options) {
    if let Some(setup) = &mut options.publish {
        setup.settings.retry = publish::RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(20),
            max_attempts: 2,
            max_total: Duration::from_secs(2),
            max_server_wait: Duration::from_secs(1),
        };
    }
}

pub(crate) fn harness(options: Options) -> Harness<'static, App> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| App::new(cc, options))
}

/// The app with `clip` open in Review (posting to a Notion fake, returned to keep it running).
pub(crate) fn review_harness(home: &Home, clip: &Path) -> (NotionFake, Harness<'static, App>) {
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.review_clip = Some(clip.to_owned());
    let mut h = harness(options);
    step_until(&mut h, "the clip opened for review", |app| {
        app.review_clip().is_some_and(|c| c.path == clip)
    });
    (notion, h)
}

/// Steps the app while its real workers run, until `done` holds. Gives up (and says what it was
/// waiting for, and where the app was) after 6000 steps.
pub(crate) fn step_until(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    step_until_within(h, 6000, what, done);
}

/// [`step_until`] for work whose pace is the machine's (a language model reading a prompt on 2
/// cores shared with other tests): only a guard against a hang, at 60,000 steps (10 minutes
/// and more), never a time limit on the work.
pub(crate) fn step_until_slow(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    step_until_within(h, 60_000, what, done);
}

pub(crate) fn step_until_within(
    h: &mut Harness<'_, App>,
    steps: usize,
    what: &str,
    done: impl Fn(&App) -> bool,
) {
    for _ in 0..steps {
        h.step();
        if done(h.state()) {
            h.step(); // draw what the new state shows
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let app = h.state();
    panic!(
        "the app never got to: {what}. It is on {:?}, recording state {:?}, post {:?}, notice {:?}",
        app.screen(),
        app.rec_state(),
        app.post_state(),
        app.notice()
    );
}

pub(crate) fn elapsed(app: &App) -> f64 {
    match app.rec_state() {
        RecState::Recording { elapsed_secs, .. } => *elapsed_secs,
        _ => 0.0,
    }
}

pub(crate) fn posted(app: &App) -> bool {
    matches!(
        app.post_state(),
        PostState::Posted { .. } | PostState::Failed { .. }
    )
}

/// Steps until a widget whose label contains `text` shows (see [`step_until`] for the bound).
pub(crate) fn step_until_shown(h: &mut Harness<'_, App>, text: &str) {
    for _ in 0..6000 {
        h.step();
        if h.query_all_by_label_contains(text).next().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "nothing labelled {text:?} showed up; post state {:?}",
        h.state().post_state()
    );
}

/// Chooses the test world's microphone in the Microphone list, as a person would.
pub(crate) fn choose_test_mic(h: &mut Harness<'_, App>) {
    choose_mic(h, &world().mic);
}

/// Chooses the microphone named `name` (as `clipnote devices` lists it) by its description.
pub(crate) fn choose_mic(h: &mut Harness<'_, App>, name: &str) {
    let description = capture::devices::list()
        .microphones
        .into_iter()
        .find(|m| m.name == name)
        .map(|m| m.description)
        .unwrap_or_else(|| panic!("the microphone {name} is listed"));
    step_until(h, "the device list", App::has_devices);
    h.get_by_label("Microphone").click();
    h.run_steps(2);
    h.get_by_label(&description).click();
    h.run_steps(2);
}

#[test]
fn record_review_trim_and_post_to_the_library_and_to_notion_by_clicking() {
    let _screen = screen_lock();
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut h = harness(home.options(&notion, NOTION_TOKEN));
    assert_eq!(h.state().screen(), Screen::Record);
    choose_test_mic(&mut h);

    // Record: the countdown starts, "Start now" skips it, the HUD shows time and controls.
    h.get_by_label_contains("Start recording").click();
    h.run_steps(2);
    assert!(
        matches!(h.state().rec_state(), RecState::Countdown { .. }),
        "{:?}",
        h.state().rec_state()
    );
    h.get_by_label("Start now").click();
    step_until(&mut h, "recording for 2.5 s", |app| elapsed(app) >= 2.5);
    h.get_by_label("Pause").click();
    step_until(&mut h, "paused", |app| {
        matches!(app.rec_state(), RecState::Recording { paused: true, .. })
    });
    h.get_by_label("Resume").click();
    step_until(&mut h, "resumed", |app| {
        matches!(app.rec_state(), RecState::Recording { paused: false, .. })
    });
    h.get_by_label("Stop").click();

    // Review opens with the clip, which plays.
    step_until(&mut h, "the review of the new clip", |app| {
        app.screen() == Screen::Review && app.review_clip().is_some()
    });
    let clip = h.state().review_clip().cloned().unwrap();
    assert!(
        clip.path.starts_with(home.path("library")),
        "{}",
        clip.path.display()
    );
    let probe = testkit::clip::Probe::of(&clip.path).unwrap();
    assert!(probe.duration_secs() > 2.0, "{}", probe.duration_secs());
    assert!(clip.has_audio);
    step_until(&mut h, "the first picture", |app| app.review_player().1);
    h.get_by_label("Play").click();
    step_until(&mut h, "playing past 1 s", |app| {
        app.review_player().0 > 1.0
    });
    h.get_by_label("Pause").click();

    // Trim the first second off, give it a title (in Chinese, Greek and Russian: the fonts must
    // cover them, or the harness panics on a missing glyph) and a summary.
    h.get_by_label("Start").set_value_accesskit(1.0);
    h.run_steps(2);
    assert_eq!(h.state().review_trim()[0], 1.0);
    let title = "Standup 周报 · Ενημέρωση · Обзор";
    h.get_by_label("Title").set_text_value_accesskit(title);
    let summary = "**Context**\n- login bug\n\n**Next**\n- ship the fix";
    h.get_by_label("Summary").set_text_value_accesskit(summary);
    h.run_steps(2);

    // Post to the library (the default destination).
    assert_eq!(
        h.get_by_label("Post to").value().as_deref(),
        Some("library")
    );
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to the library", posted);
    assert!(
        matches!(h.state().post_state(), PostState::Posted { .. }),
        "{:?}",
        h.state().post_state()
    );
    let sidecars: Vec<serde_json::Value> = std::fs::read_dir(home.path("library"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect();
    assert_eq!(sidecars.len(), 1, "{sidecars:?}");
    assert_eq!(sidecars[0]["title"], title);
    assert_eq!(sidecars[0]["summary"], summary);
    let posted_secs = sidecars[0]["duration_secs"].as_f64().unwrap();
    assert!(
        posted_secs < clip.duration_secs - 0.5,
        "trimmed {posted_secs} vs {}",
        clip.duration_secs
    );

    // Then the same clip to a Notion page: the link is validated as typed.
    h.get_by_label("Post elsewhere").click();
    h.run_steps(1);
    h.get_by_label("Post to")
        .set_text_value_accesskit("not a task");
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("cannot use \"not a task\" as a destination")
            .is_some()
    );
    h.get_by_label("Post to")
        .set_text_value_accesskit(&format!("https://www.notion.so/acme/Standup-{PAGE}"));
    // The page's real title, read from Notion, shows under the link.
    step_until_shown(&mut h, "Notion page “Task”");
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to Notion", posted);
    match h.state().post_state() {
        PostState::Posted { url } => assert!(url.contains(PAGE), "{url}"),
        other => panic!("the Notion post failed: {other:?}"),
    }
    let blocks = notion.state().blocks(PAGE);
    assert_eq!(
        blocks.iter().filter(|b| b.kind == "video").count(),
        1,
        "{blocks:?}"
    );
    let text: String = blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("周报") && text.contains("login bug") && text.contains("ship the fix"),
        "{text}"
    );
    // The page is now a recent destination, offered by its real title.
    assert!(
        h.query_by_label("Task").is_some(),
        "a recent-destination button named after the page"
    );

    // The Outbox lists both as posted, nothing waiting.
    h.get_by_label("Outbox").click();
    step_until_shown(&mut h, "Nothing is waiting");
    assert_eq!(h.query_all_by_label_contains("Standup").count(), 2);
}

#[test]
fn a_bad_notion_token_shows_its_message_and_a_good_one_names_its_workspace() {
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, "ntn_wrong");
    options.screen = Some(Screen::Settings);
    let mut h = harness(options);

    // Opening Settings checks the stored token on its own: the wrong one is refused.
    step_until_shown(&mut h, "Notion refused the token");

    // Paste another wrong token and test it: still refused.
    h.get_by_label("Notion token")
        .set_text_value_accesskit("ntn_also_wrong");
    h.run_steps(2);
    h.get_by_label("Test Notion").click();
    step_until_shown(&mut h, "Notion refused the token");

    // The right one connects, and names the workspace it reaches.
    h.get_by_label("Notion token")
        .set_text_value_accesskit(NOTION_TOKEN);
    h.run_steps(2);
    h.get_by_label("Test Notion").click();
    step_until_shown(&mut h, "✔ Connected to Acme");
    assert!(h.query_by_label_contains("Notion refused").is_none());
}

#[test]
fn a_post_that_cannot_go_out_waits_in_the_outbox_and_retry_posts_it_once() {
    let home = Home::new();
    let clip = home.library_clip("standup.mp4");
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    quick_retry(&mut options);
    options.review_clip = Some(clip);
    let mut h = harness(options);
    step_until(&mut h, "the clip opened for review", |app| {
        app.review_clip().is_some()
    });

    // Notion's upload endpoint fails as long as this post retries: the post waits.
    notion.inject("create_upload", fakes::Fault::ServerError, 2);
    h.get_by_label("Title")
        .set_text_value_accesskit("Offline update");
    h.get_by_label("Post to").set_text_value_accesskit(PAGE);
    // The page's real title, read from Notion, shows under the link.
    step_until_shown(&mut h, "Notion page “Task”");
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to give up for now", posted);
    match h.state().post_state() {
        PostState::Failed {
            queued: true,
            message,
            ..
        } => {
            assert!(message.contains("waits in the outbox"), "{message}");
        }
        other => panic!("expected a queued post, got {other:?}"),
    }
    assert!(notion.state().blocks(PAGE).is_empty());

    // The Outbox lists it as waiting; Retry posts it, once.
    h.get_by_label("Open the outbox").click();
    step_until_shown(&mut h, "waiting (attempt");
    assert!(h.query_by_label("Offline update").is_some());
    h.get_by_label("Retry").click();
    step_until_shown(&mut h, "Nothing is waiting");
    let blocks = notion.state().blocks(PAGE);
    assert_eq!(
        blocks.iter().filter(|b| b.kind == "video").count(),
        1,
        "{blocks:?}"
    );
}

#[test]
fn a_region_that_is_not_on_the_screen_says_how_to_fix_it() {
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.countdown = Some(false);
    let mut h = harness(options);
    h.get_by_label("Region").click();
    h.run_steps(2);
    h.get_by_label("Width").set_text_value_accesskit("wide");
    h.run_steps(2);
    h.get_by_label_contains("Start recording").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("is not X,Y,W,H").is_some());
    assert!(h.state().rec_state().is_idle());

    // Well-formed but far off the display: the recorder refuses it, the words say why.
    h.get_by_label("Width").set_text_value_accesskit("640");
    h.get_by_label("X").set_text_value_accesskit("90000");
    h.run_steps(2);
    h.get_by_label_contains("Start recording").click();
    step_until(&mut h, "the recorder's answer", |app| {
        app.rec_state().is_idle() && app.notice().is_some()
    });
    let notice = h.state().notice().unwrap().to_owned();
    assert!(notice.contains("region"), "{notice}");
    assert!(
        std::fs::read_dir(home.path("library"))
            .unwrap()
            .next()
            .is_none(),
        "nothing was written"
    );
}

/// The percentage the Record screen's mic meter shows.
fn meter_percent(h: &Harness<'_, App>) -> f32 {
    use egui_kittest::kittest::NodeT;
    let label = h
        .get_by_label_contains("Mic level ")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    label
        .trim_start_matches("Mic level ")
        .trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("cannot read the meter from {label:?}"))
}

#[test]
fn the_mic_meter_moves_before_recording_and_a_muted_mic_records_silence() {
    let _screen = screen_lock();
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.countdown = Some(false);
    let mut h = harness(options);
    choose_test_mic(&mut h);

    // Before anything records, the meter follows the test world's tone.
    let mut loudest = 0.0f32;
    for _ in 0..1000 {
        h.step();
        loudest = loudest.max(meter_percent(&h));
        if loudest >= 5.0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(loudest >= 5.0, "the meter never moved (peak {loudest}%)");

    // Mute: the meter drops to zero, and the recording's sound is silent.
    h.get_by_label("Mute microphone").click();
    h.run_steps(2);
    assert_eq!(meter_percent(&h), 0.0);
    h.get_by_label_contains("Start recording").click();
    step_until(&mut h, "recording for 2 s", |app| elapsed(app) >= 2.0);
    assert!(
        h.query_by_label("Unmute mic").is_some(),
        "the HUD offers to unmute"
    );
    h.get_by_label("Stop").click();
    step_until(&mut h, "the review of the muted clip", |app| {
        app.screen() == Screen::Review && app.review_clip().is_some()
    });
    let clip = h.state().review_clip().cloned().unwrap();
    let samples = testkit::clip::audio_samples(&clip.path);
    assert!(samples.len() > 48_000, "{} samples", samples.len());
    let rms = testkit::clip::rms(&samples);
    assert!(rms < 0.001, "a muted recording has sound (rms {rms})");
}

#[test]
fn the_quality_setting_changes_what_the_next_recording_encodes() {
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(Screen::Settings);
    let mut h = harness(options);
    h.run_steps(2);
    let balanced = h.state().next_recording().unwrap();
    assert_eq!((balanced.max_width, balanced.profile.crf), (1920, 28));
    h.get_by_label("Smaller files").click();
    h.run_steps(2);
    let smaller = h.state().next_recording().unwrap();
    assert_eq!((smaller.max_width, smaller.profile.crf), (1280, 31));
    h.get_by_label("Sharper text").click();
    h.run_steps(2);
    let sharper = h.state().next_recording().unwrap();
    assert_eq!((sharper.max_width, sharper.profile.crf), (3840, 23));
}

#[test]
fn a_library_folder_chosen_in_settings_is_where_the_app_and_the_cli_record() {
    let _screen = screen_lock();
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(Screen::Settings);
    // As the real app starts: no folder given, so it comes from the environment and config.
    options.library_dir = Some(home.path("library"));
    let mut h = harness(options);
    h.run_steps(2);

    // A relative path is refused in words; nothing is written.
    h.get_by_label("Clip library")
        .set_text_value_accesskit("clips");
    h.run_steps(2);
    h.get_by_label("Use this folder").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("not a full path").is_some());
    assert!(!home.path("config").join("config.toml").exists());

    let chosen = home.path("Videos").join("Clipnote");
    h.get_by_label("Clip library")
        .set_text_value_accesskit(chosen.to_str().unwrap());
    h.run_steps(2);
    h.get_by_label("Use this folder").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("new clips go here").is_some());
    let next = h.state().next_recording().unwrap();
    assert!(next.out.starts_with(&chosen), "{}", next.out.display());
    let config = std::fs::read_to_string(home.path("config").join("config.toml")).unwrap();
    assert!(config.contains("[library]"), "{config}");

    // The command line reads the same choice from the config file.
    let out = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .args(["record", "--seconds", "1", "--mic", "none"])
        .env("CLIPNOTE_CONFIG_DIR", home.path("config"))
        .env_remove("CLIPNOTE_LIBRARY_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let clip = printed.lines().last().unwrap_or_default().trim();
    assert!(
        std::path::Path::new(clip).starts_with(&chosen),
        "the CLI recorded to {clip}"
    );
}

#[test]
fn review_warns_before_posting_a_clip_whose_microphone_gave_only_silence() {
    let home = Home::new();
    let silent = home.path("library").join("silent.mp4");
    testkit::clip::Synth {
        secs: 2,
        silent: true,
        ..Default::default()
    }
    .make(&silent);
    let (_notion, mut h) = review_harness(&home, &silent);
    step_until_shown(&mut h, "This clip has no sound");
    assert_eq!(h.state().review_sound_is_silent(), Some(true));
    assert!(
        h.query_by_label("Post").is_some(),
        "posting it is still the user's call"
    );

    // A clip with sound in it (a tone) is read the same way and not warned about.
    let loud = home.library_clip("tone.mp4");
    let (_notion, mut h) = review_harness(&home, &loud);
    step_until(&mut h, "the tone clip's sound read", |app| {
        app.review_sound_is_silent().is_some()
    });
    assert_eq!(h.state().review_sound_is_silent(), Some(false));
    assert!(
        h.query_by_label_contains("This clip has no sound")
            .is_none()
    );
}

#[test]
fn a_microphone_giving_only_silence_is_named_in_the_hud_and_review_warns_before_posting() {
    let _screen = screen_lock();
    let silent = testkit::world::NullSource::load("clipnote_ui_silent");
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.countdown = Some(false);
    let mut h = harness(options);
    choose_mic(&mut h, &silent.name);
    h.get_by_label_contains("Start recording").click();
    step_until(
        &mut h,
        "the HUD's warning",
        |app| matches!(app.rec_state(), RecState::Recording { warnings, .. } if !warnings.is_empty()),
    );
    assert!(
        h.query_by_label_contains(&format!("no sound from {}", silent.name))
            .is_some(),
        "the HUD names the microphone"
    );
    h.get_by_label("Stop").click();
    step_until(&mut h, "the review of the silent clip", |app| {
        app.screen() == Screen::Review && app.review_clip().is_some()
    });
    step_until_shown(&mut h, "This clip has no sound");
}

#[test]
fn the_app_refuses_to_record_onto_a_disk_with_no_room_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let disk = crate::record::SmallDisk::mount(&dir.path().join("small"), "4m");
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, PAGE);
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.library_dir = Some(disk.0.clone());
    options.countdown = Some(false);
    let mut h = harness(options);
    h.get_by_label_contains("Start recording").click();
    step_until(&mut h, "the refusal", |app| {
        app.notice()
            .is_some_and(|n| n.contains("only 4.0 MiB free"))
    });
    assert!(h.state().rec_state().is_idle());
    assert!(
        h.query_by_label_contains("Nothing was recorded").is_some(),
        "the Record screen says why, with the fix"
    );
    let written: Vec<_> = std::fs::read_dir(&disk.0).unwrap().flatten().collect();
    assert!(written.is_empty(), "{written:?}");
}
