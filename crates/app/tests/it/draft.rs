//! `clipnote draft` end to end: a real clip transcribed by the real model, drafted in the
//! template's sections, and the errors a person meets.

use std::path::Path;

use testkit::speech::speech;

use crate::transcribe::{clipnote, make_clip, text, transcribe};

fn draft(clip: &Path, extra: &[&str]) -> std::process::Output {
    draft_with(&speech().models_dir, clip, extra)
}

/// `clipnote draft CLIP EXTRA` with the models in `models_dir`.
fn draft_with(models_dir: &Path, clip: &Path, extra: &[&str]) -> std::process::Output {
    let config = tempfile::tempdir().unwrap();
    let mut args = vec!["draft", clip.to_str().unwrap()];
    args.extend_from_slice(extra);
    clipnote(models_dir, config.path(), &args)
}

/// A clip (not looked at) with `said` as the transcript beside it.
fn clip_saying(dir: &Path, said: &str) -> std::path::PathBuf {
    let clip = dir.join("update.mp4");
    std::fs::write(&clip, b"not looked at: the transcript is what is read").unwrap();
    let transcript = speech::Transcript {
        language: "en".into(),
        segments: vec![speech::Segment {
            start_secs: 0.0,
            end_secs: 40.0,
            text: said.into(),
            words: Vec::new(),
            no_speech_prob: 0.01,
        }],
    };
    speech::beside::write_beside(&clip, &transcript).unwrap();
    clip
}

#[test]
fn the_installed_model_drafts_and_a_damaged_one_gives_the_extractive_draft_naming_the_fix() {
    use testkit::draft::{UPLOADS, draft_model, invented};
    // The model takes both cores for ~25 s: not beside a recording.
    let _busy = testkit::world::screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let clip = clip_saying(dir.path(), UPLOADS);

    // A damaged model where the drafting model goes: refused, said, and drafted without it.
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(
        models.join(speech::catalog::DRAFT.file_name),
        b"GGUF and then nothing",
    )
    .unwrap();
    let out = draft_with(&models, &clip, &["--json"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("Drafted with the extractive method")
            && err.contains("clipnote models install draft"),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "extractive");
    assert!(
        json["fallback"]
            .as_str()
            .unwrap()
            .contains("clipnote models install draft"),
        "{json:#}"
    );
    let only_model = draft_with(&models, &clip, &["--method", "model"]);
    assert_eq!(only_model.status.code(), Some(11));
    assert!(text(&only_model.stderr).contains("clipnote models install draft"));

    // None installed: extractive, saying how to get the model.
    let none = draft_with(&dir.path().join("empty"), &clip, &["--json"]);
    let json: serde_json::Value = serde_json::from_slice(&none.stdout).unwrap();
    assert_eq!(json["method"], "extractive");
    assert!(text(&none.stderr).contains("clipnote models install draft"));

    // The real model: its draft, checked.
    let out = draft_with(&draft_model().models_dir, &clip, &["--json"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Drafted by the local language model"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "model", "{json:#}");
    assert!(json.get("fallback").is_none());
    let markdown = json["markdown"].as_str().unwrap();
    assert!(markdown.starts_with("**Context**\n"), "{markdown}");
    assert!(markdown.contains("March 14"), "{markdown}");
    let made_up = invented(
        &format!("{}\n{markdown}", json["title"].as_str().unwrap()),
        UPLOADS,
    );
    assert!(made_up.is_empty(), "not said: {made_up:?} in {markdown}");
}

#[test]
fn a_transcribed_clip_is_drafted_in_the_templates_sections() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path(), "inaugural.mp4", speech().jfk.to_str(), 11);
    let t = transcribe(&clip, &[]);
    assert!(t.status.success(), "{}", text(&t.stderr));
    let said = speech::beside::read_beside(&clip).unwrap().unwrap().text();

    let out = draft(&clip, &["--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "extractive");
    let sections = json["sections"].as_array().unwrap();
    let names: Vec<&str> = sections
        .iter()
        .map(|s| s["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Context", "What changed", "Decisions needed", "Next"]
    );
    // One sentence with no cue of change, choice or plan: it opens, so it is the context.
    let context = sections[0]["sentences"].as_array().unwrap();
    assert_eq!(context.len(), 1, "{json:#}");
    let sentence = context[0].as_str().unwrap();
    assert!(sentence.contains("ask not what your country"), "{sentence}");
    assert!(
        said.contains(sentence),
        "not verbatim: {sentence:?} in {said:?}"
    );
    for empty in &sections[1..] {
        assert_eq!(empty["sentences"], serde_json::json!([]), "{json:#}");
    }
    let title = json["title"].as_str().unwrap().trim_end_matches('…');
    assert!(!title.is_empty() && said.contains(title), "{title:?}");

    let plain = text(&draft(&clip, &[]).stdout);
    assert!(
        plain.contains(&format!(
            "**Context**\n- {sentence}\n\n**What changed**\n- \n"
        )),
        "{plain}"
    );
    assert_eq!(
        plain,
        format!(
            "{}\n\n{}",
            json["title"].as_str().unwrap(),
            json["markdown"].as_str().unwrap()
        )
    );

    let template = dir.path().join("team.md");
    std::fs::write(&template, "## Background\n- \n\n## Plan\n- \n").unwrap();
    let own = text(&draft(&clip, &["--template", template.to_str().unwrap()]).stdout);
    assert!(
        own.contains(&format!("## Background\n- {sentence}\n\n## Plan\n- \n")),
        "{own}"
    );
}

#[test]
fn draft_errors_name_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("standup.mp4");
    std::fs::write(&clip, b"not looked at: the transcript is what is read").unwrap();

    let out = draft(&clip, &[]);
    assert_eq!(out.status.code(), Some(12), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("has no transcript yet") && err.contains("clipnote transcribe"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    std::fs::write(speech::beside::transcript_path(&clip), b"{ cut off").unwrap();
    let err = text(&draft(&clip, &[]).stderr);
    assert!(
        err.contains("is not a transcript") && err.contains("clipnote transcribe"),
        "{err}"
    );

    let missing = draft(&dir.path().join("gone.mp4"), &[]);
    assert_eq!(missing.status.code(), Some(4));
    assert!(text(&missing.stderr).contains("there is no clip at"));

    speech::beside::write_beside(&clip, &speech::Transcript::default()).unwrap();
    let flat = dir.path().join("flat.md");
    std::fs::write(&flat, "Just write something.\n").unwrap();
    let out = draft(&clip, &["--template", flat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("has no section headings"),
        "{}",
        text(&out.stderr)
    );

    let out = draft(&clip, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("No speech to draft from"));
    assert_eq!(
        text(&out.stdout).trim_end(),
        include_str!("../../../../assets/summary-template.md").trim_end()
    );
}

/// An update with a fix and its cause, a decision and a next step, as a transcript beside a
/// clip (Review drafts from the file; how it was made does not matter to it).
fn standup_transcript() -> speech::Transcript {
    let said = [
        "Quick update on the upload service.",
        "I fixed the upload crash in the chunker. It was caused by a 32-bit offset.",
        "We need to decide whether to keep 5 MB chunks or move to 20 MB.",
        "Tomorrow I'll roll the fix out to the EU customers.",
    ];
    speech::Transcript {
        language: "en".into(),
        segments: said
            .iter()
            .enumerate()
            .map(|(i, text)| speech::Segment {
                start_secs: i as f64 * 3.0,
                end_secs: i as f64 * 3.0 + 2.5,
                text: (*text).into(),
                words: Vec::new(),
                no_speech_prob: 0.02,
            })
            .collect(),
    }
}

/// Review fills the blank summary with the draft and marks it; Clear empties it; Redraft
/// fills it again; typing accepts it (the mark goes) and Post sends what the box holds.
#[test]
fn review_fills_the_summary_with_a_marked_draft_that_typing_accepts() {
    use crate::ui::{Home, posted, review_harness, step_until, step_until_shown};
    use egui_kittest::kittest::Queryable;

    const MARK: &str = "Draft — from the transcript (extractive)";
    let _busy = testkit::world::screen_lock();
    let home = Home::new();
    std::fs::create_dir_all(home.path("clips")).unwrap();
    let clip = make_clip(&home.path("clips"), "standup.mp4", None, 2);
    speech::beside::write_beside(&clip, &standup_transcript()).unwrap();

    let (_notion, mut h) = review_harness(&home, &clip);
    step_until_shown(&mut h, MARK);
    let drafted = h.state().review_summary().to_owned();
    assert!(
        drafted.starts_with(
            "**Context**\n- Quick update on the upload service.\n\n**What changed**\n\
             - I fixed the upload crash in the chunker.\n- It was caused by a 32-bit offset.\n"
        ),
        "{drafted}"
    );
    assert!(drafted.contains("**Next**\n- Tomorrow I'll roll the fix out to the EU customers.\n"));

    h.get_by_label("Clear").click();
    h.run_steps(2);
    assert_eq!(h.state().review_summary(), app::ui::review::TEMPLATE);
    assert!(h.query_by_label(MARK).is_none());
    // Over a second of frames (Review looks for a transcript each second): a cleared box is
    // not refilled on its own.
    for _ in 0..120 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(h.state().review_summary(), app::ui::review::TEMPLATE);

    h.get_by_label("Redraft").click();
    step_until_shown(&mut h, MARK);
    assert_eq!(h.state().review_summary(), drafted);

    let accepted = format!("{drafted}- Ada checks the EU rollout with support.\n");
    h.get_by_label("Summary")
        .set_text_value_accesskit(&accepted);
    h.run_steps(2);
    assert!(h.query_by_label(MARK).is_none(), "typing accepts the draft");
    assert_eq!(h.state().review_summary(), accepted);

    h.get_by_label("Post to")
        .set_text_value_accesskit("library");
    h.run_steps(2);
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to the library", posted);
    let sidecar = std::fs::read_dir(home.path("library"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("the library post's sidecar");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sidecar).unwrap()).unwrap();
    assert_eq!(
        json["summary"], accepted,
        "what was accepted is what was posted"
    );
    assert_eq!(
        json["title"], "I fixed the upload crash in the chunker",
        "the default title gave way to the suggested one"
    );
}

/// The app on Review of a 2-s clip whose transcript is the standup's, the drafting model
/// installed (the Notion fake is the destination's).
fn review_with_the_model(
    home: &crate::ui::Home,
) -> (fakes::NotionFake, std::path::PathBuf, app::ui::Options) {
    use crate::ui::NOTION_TOKEN;
    std::fs::create_dir_all(home.path("clips")).unwrap();
    let clip = make_clip(&home.path("clips"), "standup.mp4", None, 2);
    speech::beside::write_beside(&clip, &standup_transcript()).unwrap();
    let notion = fakes::NotionFake::start(NOTION_TOKEN, "5e3b1c2d4a6f48e19b7c0d2e3f4a5b6c");
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.review_clip = Some(clip.clone());
    options.models_dir = Some(testkit::draft::draft_model().models_dir);
    (notion, clip, options)
}

/// With the drafting model, Review's box fills as the model writes, said to be the local
/// model's; typing into the box stops the draft at once and keeps what was typed.
#[test]
fn review_fills_the_box_as_the_model_writes_and_typing_stops_it() {
    use crate::ui::{harness, step_until_shown, step_until_slow};
    use egui_kittest::kittest::Queryable;

    let _busy = testkit::world::screen_lock();
    let home = crate::ui::Home::new();
    let (_notion, _clip, options) = review_with_the_model(&home);
    let mut h = harness(options);

    let written = |app: &app::ui::App| {
        app.review_summary()
            .lines()
            .any(|l| l.starts_with("- ") && l.len() > 3)
    };
    step_until_slow(&mut h, "the model's first words in the box", written);
    let fallback = h
        .query_all_by_label_contains("Not drafted by the local model")
        .next()
        .is_some();
    assert!(
        !fallback,
        "the extractive draft came: {}",
        h.state().review_summary()
    );
    step_until_shown(&mut h, "Drafting with the local model");
    let typed = "My own words.\n";
    h.get_by_label("Summary").set_text_value_accesskit(typed);
    h.run_steps(2);
    assert!(
        h.query_all_by_label_contains("Drafting").next().is_none(),
        "typing stops the draft"
    );
    for _ in 0..100 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(h.state().review_summary(), typed, "what was typed stays");
    assert!(h.query_all_by_label_contains("Draft —").next().is_none());
}

/// A recording that starts while the model is still reading the transcript — seconds in which
/// llama.cpp checks for nothing — stops the draft at once: its process is killed, not left to
/// finish the batch beside the recording (which, measured, cost a 1080p30 recording 46 frames
/// in 30 s even at the lowest priority).
#[test]
fn a_recording_started_while_the_model_reads_the_transcript_ends_the_drafting_process() {
    use crate::ui::{choose_test_mic, harness, step_until, step_until_within};
    use app::ui::{RecState, Screen};
    use egui_kittest::kittest::Queryable;

    let _busy = testkit::world::screen_lock();
    let home = crate::ui::Home::new();
    let (_notion, clip, mut options) = review_with_the_model(&home);
    options.countdown = Some(false);
    let mut h = harness(options);

    step_until(&mut h, "the drafting process", |app| {
        app.draft_process_id().is_some()
    });
    let pid = h.state().draft_process_id().unwrap();
    // It is the app's own binary drafting with the model: the model file is mapped into it.
    let model = speech::catalog::DRAFT.file_name;
    step_until(&mut h, "the model loaded by the drafting process", |_| {
        std::fs::read_to_string(format!("/proc/{pid}/maps")).is_ok_and(|m| m.contains(model))
    });
    let reading = h
        .state()
        .review_summary()
        .lines()
        .all(|l| !l.starts_with("- ") || l.len() <= 3);
    assert!(reading, "the model had not written yet");
    assert!(running(pid), "the drafting process {pid} runs");

    h.get_by_label("Record").click();
    h.run_steps(2);
    choose_test_mic(&mut h);
    h.get_by_label_contains("Start recording").click();
    step_until(&mut h, "recording", |app| {
        matches!(app.rec_state(), RecState::Recording { .. })
    });
    assert_eq!(h.state().draft_process_id(), None, "the draft stopped");
    // Killed, not left to read on: gone within 500 steps (≥ 5 s), where the model, still
    // reading the transcript, would take far longer to finish on its own.
    step_until_within(&mut h, 500, "the drafting process gone", |_| !running(pid));

    h.get_by_label("Stop").click();
    step_until(&mut h, "the review of the new clip", |app| {
        app.screen() == Screen::Review && app.review_clip().is_some_and(|c| c.path != clip)
    });
}

/// Whether process `pid` exists and has not exited (a zombie has).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(") ")?.1.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}
