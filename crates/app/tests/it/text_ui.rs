//! The clip as text in the app, clicked by label (`egui_kittest`): on the Watch screen the
//! summary rendered, captions over the picture at the right moments (`C` and the Captions
//! button), the transcript pane (a click seeks the real player; the line being said is
//! highlighted, also at 2×); Review's summary preview; and the Inbox's search, which finds a
//! clip by a line said in it and opens it there.

use app::ui::inbox::Stage;
use app::ui::watch::Watcher;
use app::ui::{App, Screen};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use fakes::NotionFake;
use publish::{NewPost, Settings, TaskRef};
use speech::{Segment, Transcript};
use testkit::clip::Synth;

use crate::inbox_ui::post;
use crate::real_app::files_ending;
use crate::ui::{Home, NOTION_TOKEN, harness, step_until, step_until_shown};

const TITLE: &str = "Upload fix and faster search";
const SUMMARY: &str = "**Context**\n- uploads failed on **slow** links\n\n## What changed\n- retries with backoff\n- search is faster\n";
/// What is said, and when (seconds).
const SAID: [(f64, f64, &str); 3] = [
    (0.5, 2.5, "First we fixed the upload."),
    (3.0, 5.0, "Then the search got faster."),
    (6.0, 7.5, "Questions are welcome."),
];

fn line(i: usize) -> String {
    let (start, _, text) = SAID[i];
    format!("00:0{}  {text}", start as u64)
}

/// An 8-second clip Carol posted to the library, with its transcript beside it.
fn carol_posts_a_clip_with_a_transcript(home: &Home) {
    posts_with_transcript(home, TITLE);
}

/// An 8-second clip posted to the library as `title`, with [`SAID`] beside it.
fn posts_with_transcript(home: &Home, title: &str) {
    let before = files_ending(&home.path("library"), ".mp4");
    let source = home.path(&format!("{title}.mp4"));
    Synth {
        width: 640,
        height: 360,
        secs: 8,
        ..Synth::default()
    }
    .make(&source);
    post(
        &Settings::new(home.path("carol"), home.path("library")),
        &home.path("carol-outbox"),
        NewPost {
            to: TaskRef::Library,
            clip: source.clone(),
            title: title.into(),
            summary: SUMMARY.into(),
            author: "Carol Chen".into(),
            duration_secs: publish::mp4::duration_secs(&source),
            reply_to: None,
            transcript: None,
        },
    );
    let mut clips = files_ending(&home.path("library"), ".mp4");
    clips.retain(|c| !before.contains(c));
    assert_eq!(clips.len(), 1, "{clips:?}");
    let transcript = Transcript {
        language: "en".into(),
        segments: SAID
            .iter()
            .map(|&(start_secs, end_secs, text)| Segment {
                start_secs,
                end_secs,
                text: format!(" {text}"),
                words: Vec::new(),
                no_speech_prob: 0.01,
            })
            .collect(),
    };
    speech::beside::write_beside(&clips[0], &transcript).unwrap();
}

/// The Notion fake (unused, but the app's settings point at it).
fn notion() -> NotionFake {
    NotionFake::start(NOTION_TOKEN, "5e3b1c2d4a6f48e19b7c0d2e3f4a5b6c")
}

/// The app on the Inbox, once the clip Carol posted with its transcript is listed.
fn inbox_with_carols_clip(home: &Home, notion: &NotionFake) -> Harness<'static, App> {
    carol_posts_a_clip_with_a_transcript(home);
    let mut options = home.options(notion, NOTION_TOKEN);
    options.screen = Some(Screen::Inbox);
    let mut h = harness(options);
    step_until(&mut h, "Carol's clip listed", |app| {
        app.inbox().working.is_none() && app.inbox().entries.iter().any(|e| e.title == TITLE)
    });
    h
}

fn watcher(app: &App) -> Option<&Watcher> {
    match &app.inbox().watch.as_ref()?.stage {
        Stage::Playing(w) => Some(w),
        Stage::Fetching(_) => None,
    }
}

fn position(app: &App) -> f64 {
    watcher(app).map_or(-1.0, Watcher::position)
}

/// The Watch screen with the clip's first picture and its transcript read.
fn watch_carols_clip(h: &mut Harness<'_, App>) {
    h.get_by_label(TITLE).click();
    step_until(h, "the picture and the transcript", |app| {
        watcher(app).is_some_and(|w| w.playback.has_picture() && w.text.transcript().is_some())
    });
}

fn pause(h: &mut Harness<'_, App>) {
    step_until(h, "playing", |app| {
        watcher(app).is_some_and(|w| w.playback.is_playing())
    });
    h.get_by_label("Pause").click();
    step_until(h, "paused", |app| {
        watcher(app).is_some_and(|w| !w.playback.is_playing())
    });
}

/// Whether the line shows as the one being said (egui tells AccessKit a selected button is
/// toggled on).
fn is_selected(h: &Harness<'_, App>, label: &str) -> bool {
    h.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

#[test]
fn watch_shows_the_summary_formatted_captions_in_time_and_a_transcript_that_seeks() {
    let (home, notion) = (Home::new(), notion());
    let mut h = inbox_with_carols_clip(&home, &notion);
    watch_carols_clip(&mut h);
    pause(&mut h);

    // The summary reads as written: its headings and bold words without their marks.
    for shown in ["Context", "What changed", "slow", "retries with backoff"] {
        assert!(h.query_by_label(shown).is_some(), "{shown:?} is not shown");
    }
    assert!(h.query_by_label_contains("**").is_none());
    assert!(h.query_by_label_contains("## ").is_none());

    // Every line of the transcript, with its time.
    for i in 0..SAID.len() {
        assert!(h.query_by_label(&line(i)).is_some(), "{}", line(i));
    }

    // A click on a line seeks the real player there; the line is highlighted and its words
    // are the caption over the picture.
    h.get_by_label(&line(1)).click();
    step_until(&mut h, "the player at the second line", |app| {
        (position(app) - SAID[1].0).abs() < 0.05
    });
    h.run_steps(2);
    assert!(is_selected(&h, &line(1)));
    assert!(!is_selected(&h, &line(0)));
    assert_eq!(
        watcher(h.state())
            .unwrap()
            .text
            .line_at(position(h.state())),
        Some(1)
    );
    assert!(h.query_by_label(SAID[1].2).is_some(), "the caption");
    assert!(h.query_by_label(SAID[0].2).is_none());

    // C hides the captions and shows them again; so does the button.
    h.key_press(egui::Key::C);
    h.run_steps(2);
    assert!(h.query_by_label(SAID[1].2).is_none(), "captions off");
    h.key_press(egui::Key::C);
    h.run_steps(2);
    assert!(h.query_by_label(SAID[1].2).is_some(), "captions on");
    h.get_by_label("Captions").click();
    h.run_steps(2);
    assert!(
        h.query_by_label(SAID[1].2).is_none(),
        "captions off by the button"
    );
    h.get_by_label("Captions").click();
    h.run_steps(2);

    // Between lines no caption shows; at 2× the caption and the highlight follow the sound:
    // every frame drawn while playing shows the cue of the player's position.
    h.get_by_label("2×").click();
    h.get_by_label(&line(0)).click();
    step_until(&mut h, "back at the first line", |app| {
        (position(app) - SAID[0].0).abs() < 0.05
    });
    h.key_press(egui::Key::Space);
    let mut seen = Vec::new();
    for _ in 0..6000 {
        h.step();
        let app = h.state();
        let w = watcher(app).unwrap();
        let at = w.position();
        if !w.playback.is_playing() || at > 7.9 {
            break;
        }
        let due = SAID.iter().position(|&(a, b, _)| a <= at && at < b);
        for (i, (_, _, text)) in SAID.iter().enumerate() {
            // A frame at a cue's very edge may be drawn before the clock moved past it.
            let near_edge = SAID
                .iter()
                .any(|&(a, b, _)| (at - a).abs() < 0.1 || (at - b).abs() < 0.1);
            if !near_edge {
                assert_eq!(
                    h.query_by_label(text).is_some(),
                    due == Some(i),
                    "at {at:.2} s the caption {text:?}"
                );
            }
        }
        if let Some(i) = due
            && seen.last() != Some(&i)
        {
            seen.push(i);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(seen, vec![0, 1, 2], "every caption showed, in order");
    assert!(
        is_selected(&h, &line(2)),
        "the last line said is highlighted"
    );
}

#[test]
fn review_previews_the_summary_as_it_will_read() {
    let home = Home::new();
    let clip = home.library_clip("review.mp4");
    let fake = notion();
    let mut options = home.options(&fake, NOTION_TOKEN);
    options.review_clip = Some(clip);
    let mut h = harness(options);
    step_until(&mut h, "the clip opened for review", |app| {
        app.review_clip().is_some()
    });
    h.get_by_label("Summary")
        .set_text_value_accesskit("## Plan\n- **ship** the fix\n- tell support");
    h.run_steps(2);
    assert!(h.query_by_label("Plan").is_none(), "not before Preview");
    h.get_by_label("Preview").click();
    h.run_steps(3);
    for shown in ["Plan", "ship", "tell support"] {
        assert!(h.query_by_label(shown).is_some(), "{shown:?} is not shown");
    }
    assert!(h.query_by_label_contains("## Plan").is_none());
    assert!(h.query_by_label_contains("**").is_none());

    // Back to the editor: the text is as typed.
    h.get_by_label("Edit").click();
    h.run_steps(2);
    assert_eq!(
        h.get_by_label("Summary").value().as_deref(),
        Some("## Plan\n- **ship** the fix\n- tell support")
    );
    assert!(h.query_by_label("Plan").is_none());
}

#[test]
fn inbox_search_finds_a_clip_by_a_line_said_in_it_and_opens_it_there() {
    let (home, notion) = (Home::new(), notion());
    let mut h = inbox_with_carols_clip(&home, &notion);

    // Any case, any accents; the last word may be cut short.
    h.get_by_label("Search")
        .set_text_value_accesskit("SÉARCH fast");
    h.run_steps(1);
    step_until_shown(&mut h, "1 clip with");
    assert!(
        h.query_by_label(&line(1)).is_some(),
        "the line said, with its time"
    );
    assert!(h.query_by_label(&line(0)).is_none());
    assert!(
        h.query_by_label("Summary: search is faster").is_some(),
        "the summary's line"
    );

    // Nothing else holds these words.
    h.get_by_label("Search")
        .set_text_value_accesskit("moon landing");
    h.run_steps(1);
    step_until_shown(&mut h, "No clip's title, summary or transcript holds");

    // A clip posted since is found once the inbox is read again.
    h.get_by_label("Search")
        .set_text_value_accesskit("questions");
    h.run_steps(1);
    step_until_shown(&mut h, "1 clip with");
    posts_with_transcript(&home, "Q&A follow-up");
    h.get_by_label("Refresh").click();
    step_until_shown(&mut h, "2 clips with");
    assert!(h.query_by_label("Q&A follow-up").is_some());

    // The line opens the clip at that moment.
    // The first picture may be the clip's start until the seek is taken; the clip must get to
    // the line without playing through what comes before it.
    h.get_all_by_label(&line(2)).next().unwrap().click();
    let mut before_the_line = Vec::new();
    let mut steps = 0;
    let at = loop {
        h.step();
        steps += 1;
        let app = h.state();
        let at = watcher(app)
            .filter(|w| app.screen() == Screen::Watch && w.playback.has_picture())
            .map(|w| w.position());
        match at {
            Some(at) if at >= SAID[2].0 - 0.1 => break at,
            Some(at) => before_the_line.push(at),
            None => {}
        }
        assert!(
            steps < 6000,
            "the clip never got to the line: {before_the_line:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(
        (SAID[2].0 - 0.1..SAID[2].1).contains(&at),
        "starts from {at:.2} s"
    );
    assert!(
        before_the_line.iter().all(|&t| t < SAID[0].0),
        "it played on from the start before getting to the line: {before_the_line:?}"
    );
    step_until(&mut h, "the clip playing on from the line", |app| {
        watcher(app).is_some_and(|w| w.playback.is_playing() && w.position() > at)
    });
}
