//! Correcting the transcript in Review, clicked by label (`egui_kittest`): a clip of real
//! speech (jfk.wav with pauses) posted to the library and transcribed by the real model; one
//! line corrected in Review's Transcript. The files beside the clip hold the correction with
//! the line's times; `clipnote inbox --search` finds the corrected word; a time seeks the real
//! player; a new transcript (`clipnote transcribe`, the live one at a recording's stop) does
//! not replace the correction; Tighten keeps the corrected words; and the transcript goes with
//! the post to the Notion fake as the user ticks "Post it with the clip" for this clip.

use std::path::Path;

use app::ui::App;
use app::ui::review::PostState;
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::real_app::files_ending;
use crate::search::ok;
use crate::tighten::paused_speech_clip;
use crate::ui::{Home, PAGE, posted, review_harness, step_until, step_until_shown};

/// What Review shows as a line's time.
pub(crate) fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// `text` with its word "Americans" (any case, any punctuation) as "Clipnoters".
fn corrected(text: &str) -> Option<String> {
    let mut found = false;
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            let bare: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
            if bare.eq_ignore_ascii_case("americans") {
                found = true;
                w.replacen(&bare, "Clipnoters", 1)
            } else {
                w.to_owned()
            }
        })
        .collect();
    found.then(|| words.join(" "))
}

fn beside(clip: &Path) -> speech::Transcript {
    speech::beside::read_beside(clip)
        .unwrap()
        .expect("a transcript beside the clip")
}

#[test]
fn review_corrects_a_line_keeping_its_times_and_search_tighten_and_new_transcripts_follow() {
    let _busy = testkit::world::screen_lock();
    let home = Home::new();
    std::fs::write(home.path("config/config.toml"), "author = \"Ada\"\n").unwrap();
    std::fs::create_dir_all(home.path("clips")).unwrap();
    let source = paused_speech_clip(&home.path("clips"));
    let root = home.path("");
    let summary = "**Context**\n- a clip for the transcript test";
    let source_arg = source.to_str().unwrap();
    ok(
        &root,
        &[
            "post",
            source_arg,
            "--to",
            "library",
            "--title",
            "Inaugural address",
            "--summary",
            summary,
        ],
    );
    let clips = files_ending(&home.path("library"), ".mp4");
    assert_eq!(clips.len(), 1, "{clips:?}");
    let clip = clips[0].clone();
    ok(&root, &["transcribe", clip.to_str().unwrap()]);
    let original = beside(&clip);
    assert!(!speech::beside::is_corrected(&clip));
    let (index, line) = original
        .segments
        .iter()
        .enumerate()
        .find_map(|(i, s)| corrected(&s.text).map(|c| (i, c)))
        .unwrap_or_else(|| panic!("no line says Americans: {original:?}"));
    let said = &original.segments[index];
    assert!(!said.words.is_empty(), "transcribe gives word times");

    let (notion, mut h) = review_harness(&home, &clip);
    step_until(&mut h, "the transcript and the first picture", |app| {
        app.review_transcript().is_some() && app.review_player().1
    });

    // Click the line's text, type the correction, Enter. (Lines are clicked through AccessKit:
    // at 1280×800 the list scrolls under the player, and a line may be out of view.)
    h.get_by_label(said.text.trim()).click_accesskit();
    h.run_steps(3);
    h.get_by_label(&clock(said.start_secs))
        .set_text_value_accesskit(&line);
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    step_until_shown(&mut h, "Saved (corrected)");
    assert!(
        h.query_by_label(&line).is_some(),
        "the line shows corrected"
    );

    // Beside the clip: the corrected line at its own times, marked; the other lines as they
    // were; unchanged words keep their times and the new one takes the old one's.
    assert!(speech::beside::is_corrected(&clip));
    let fixed = beside(&clip);
    assert_eq!(fixed.segments.len(), original.segments.len());
    for (i, (before, after)) in original.segments.iter().zip(&fixed.segments).enumerate() {
        assert_eq!(
            (before.start_secs, before.end_secs),
            (after.start_secs, after.end_secs)
        );
        if i != index {
            assert_eq!(before, after);
        }
    }
    let fixed_line = &fixed.segments[index];
    assert_eq!(fixed_line.text, line);
    let texts: Vec<&str> = fixed_line.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts.join(" "), line);
    assert_eq!(fixed_line.words.len(), said.words.len());
    for (before, after) in said.words.iter().zip(&fixed_line.words) {
        assert_eq!(
            (before.start_secs, before.end_secs),
            (after.start_secs, after.end_secs)
        );
    }
    let vtt = std::fs::read_to_string(speech::beside::captions_path(&clip)).unwrap();
    assert!(
        vtt.contains("Clipnoters") && !vtt.to_lowercase().contains("americans"),
        "{vtt}"
    );

    // Search finds the clip by the corrected word, at the line's time.
    let found = ok(&root, &["inbox", "--search", "clipnoters"]);
    assert!(found.contains("Inaugural address"), "{found}");
    let hit = found
        .lines()
        .find(|l| l.contains("Clipnoters"))
        .unwrap_or_else(|| panic!("no line with the correction: {found}"));
    let (m, s) = hit
        .split_whitespace()
        .next()
        .unwrap()
        .split_once(':')
        .unwrap();
    let at = m.parse::<u64>().unwrap() * 60 + s.parse::<u64>().unwrap();
    assert_eq!(at, said.start_secs as u64, "{hit}");

    // A line's time plays from there: play on past 3 s, pause, click the first line's time,
    // play again — from the line, not from where it was.
    h.get_by_label("Play").click();
    step_until(&mut h, "playing past 3 s", |app| {
        app.review_player().0 > 3.0
    });
    h.get_by_label("Pause").click();
    h.run_steps(2);
    let first = fixed.segments[0].start_secs;
    h.get_by_label(&clock(first)).click_accesskit();
    h.run_steps(2);
    h.get_by_label("Play").click();
    step_until(&mut h, "playing on from the line", |app| {
        app.review_player().0 > first + 0.3
    });
    let position = h.state().review_player().0;
    assert!(position < 3.0, "{position:.2} s, the line at {first:.2} s");
    h.get_by_label("Pause").click();
    h.run_steps(2);

    // Transcribing the clip again prints the new transcript and keeps the correction.
    let o = crate::transcribe::transcribe(&clip, &[]);
    assert!(o.status.success());
    let err = crate::transcribe::text(&o.stderr);
    assert!(
        err.contains("corrected by hand") && err.contains("remove"),
        "{err}"
    );
    assert!(crate::transcribe::text(&o.stdout).contains("Americans"));
    assert_eq!(beside(&clip), fixed);

    // The transcript goes with the post unless the user unticks it for this clip (Settings'
    // default is on); the choice holds for the tightened clip, the same post.
    assert!(
        posts_the_transcript(&h),
        "Settings' default: posts carry it"
    );
    h.get_by_label(POST_IT).click();
    h.run_steps(2);
    assert!(!posts_the_transcript(&h));

    // Tighten cuts by the corrected transcript, and its captions keep the correction.
    h.get_by_label("Tighten").click();
    step_until_shown(&mut h, "Tightened ");
    let tight = clip.with_extension("tight.mp4");
    let cut = beside(&tight);
    assert!(speech::beside::is_corrected(&tight));
    assert!(cut.text().contains(&line), "{}", cut.text());
    step_until(&mut h, "Review's transcript of the tightened clip", |app| {
        app.review_transcript()
            .is_some_and(|t| t.segments.len() == cut.segments.len() && t.text() == cut.text())
    });
    let (before, after) = (
        fixed.segments.last().unwrap().end_secs,
        cut.segments.last().unwrap().end_secs,
    );
    assert!(
        after < before - 3.0,
        "the pauses were cut: {before:.2} s → {after:.2} s"
    );

    // Posted to Notion unticked: no transcript. Ticked again for a second post: the toggle,
    // once, with the corrected line.
    assert!(!posts_the_transcript(&h), "the choice held through Tighten");
    h.get_by_label("Title")
        .set_text_value_accesskit("Inaugural address, tightened");
    h.get_by_label("Post to").set_text_value_accesskit(PAGE);
    h.run_steps(2);
    let toggles = || -> Vec<String> {
        notion
            .state()
            .blocks(PAGE)
            .iter()
            .filter(|b| b.kind == "toggle")
            .map(|b| b.children.iter().map(|c| c.text.clone()).collect())
            .collect()
    };
    h.get_by_label("Post").click();
    step_until(&mut h, "posted without the transcript", posted);
    assert!(
        matches!(h.state().post_state(), PostState::Posted { .. }),
        "{:?}",
        h.state().post_state()
    );
    assert_eq!(toggles(), Vec::<String>::new(), "left out");
    h.get_by_label("Post elsewhere").click();
    h.run_steps(2);
    h.get_by_label(POST_IT).click();
    h.run_steps(2);
    assert!(posts_the_transcript(&h));
    h.get_by_label("Post").click();
    step_until(&mut h, "posted with the transcript", posted);
    let toggles = toggles();
    assert_eq!(toggles.len(), 1, "{toggles:?}");
    assert!(toggles[0].contains("Clipnoters"), "{toggles:?}");
}

/// Review's "post the transcript with the clip" box.
const POST_IT: &str = "Post it with the clip";

fn posts_the_transcript(h: &Harness<'_, App>) -> bool {
    h.get_by_label(POST_IT).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}
