//! `clipnote tighten` end to end: real speech with long pauses put in by ffmpeg, transcribed by
//! the real model, cut by the real engine; the pauses measured in the sound before and after,
//! the captions beside the new clip checked against a fresh transcription of it; and the
//! errors a person meets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testkit::clip::Probe;
use testkit::speech::{JFK_TEXT, speech, wer};

use crate::transcribe::{clipnote, text};

/// Silence put before the speech, and (where in jfk.wav, how long) inside its natural pauses.
const LEAD_SECS: f64 = 2.0;
const PAUSES: [(f64, f64); 2] = [(2.75, 2.5), (5.0, 3.5)];
/// `speech::tighten`'s defaults: silences over 1.5 s are cut, leaving 0.2 s beside speech.
const THRESHOLD_SECS: f64 = 1.5;
const PAD_SECS: f64 = 0.2;

/// jfk.wav with [`LEAD_SECS`] of silence before it and [`PAUSES`] inside it, under moving
/// pictures (H.264 + AAC, as a recording).
pub(crate) fn paused_speech_clip(dir: &Path) -> PathBuf {
    let path = dir.join("update.mp4");
    let jfk_secs = 11.0;
    let total = LEAD_SECS + jfk_secs + PAUSES.iter().map(|p| p.1).sum::<f64>();
    let silence = |label: &str, secs: f64| {
        format!("anullsrc=r=16000:cl=mono,atrim=0:{secs},asetpts=PTS-STARTPTS[{label}]")
    };
    let piece = |label: &str, from: f64, to: Option<f64>| {
        let end = to.map(|t| format!(":{t}")).unwrap_or_default();
        format!("[1:a]atrim={from}{end},asetpts=PTS-STARTPTS[{label}]")
    };
    let graph = [
        silence("s0", LEAD_SECS),
        piece("a1", 0.0, Some(PAUSES[0].0)),
        silence("s1", PAUSES[0].1),
        piece("a2", PAUSES[0].0, Some(PAUSES[1].0)),
        silence("s2", PAUSES[1].1),
        piece("a3", PAUSES[1].0, None),
        "[s0][a1][s1][a2][s2][a3]concat=n=6:v=0:a=1[a]".to_owned(),
    ]
    .join(";");
    let o = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=320x240:rate=15:duration={total}"))
        .arg("-i")
        .arg(speech().jfk)
        .args(["-filter_complex", &graph, "-map", "0:v", "-map", "[a]"])
        .args(testkit::clip::H264_FAST)
        .args(["-c:a", "aac", "-ar", "48000", "-b:a", "64k", "-shortest"])
        .arg(&path)
        .output()
        .expect("ffmpeg runs");
    assert!(o.status.success(), "ffmpeg: {}", text(&o.stderr));
    path
}

/// Runs of silence in a clip's sound (30 ms frames under -50 dBFS, the level under which
/// nothing counts as voice): (start, length) in seconds, the ones at least `min_secs` long.
fn silences(clip: &Path, min_secs: f64) -> Vec<(f64, f64)> {
    let voiced = voice_frames(clip);
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    for (i, voice) in voiced.iter().chain([&true]).enumerate() {
        match (start, !voice) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let secs = (i - s) as f64 * 0.03;
                if secs >= min_secs {
                    runs.push((s as f64 * 0.03, secs));
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

fn tighten(models_dir: &Path, args: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    let mut all = vec!["tighten"];
    all.extend_from_slice(args);
    clipnote(models_dir, config.path(), &all)
}

fn transcript(path: &Path) -> speech::Transcript {
    speech::beside::read_beside(path)
        .unwrap()
        .expect("a transcript beside the clip")
}

fn words(t: &speech::Transcript) -> Vec<(String, f64)> {
    t.segments
        .iter()
        .flat_map(|s| &s.words)
        .map(|w| (testkit::speech::words(&w.text).join(" "), w.start_secs))
        .filter(|(w, _)| !w.is_empty())
        .collect()
}

#[test]
fn tighten_cuts_the_long_pauses_out_of_real_speech_and_the_captions_follow() {
    // Transcriptions and an encode keep a core busy: not while another test records.
    let _busy = testkit::world::screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let clip = paused_speech_clip(dir.path());
    let original = std::fs::read(&clip).unwrap();
    let long = silences(&clip, THRESHOLD_SECS);
    eprintln!("pauses over {THRESHOLD_SECS} s in the clip: {long:.2?}");
    assert_eq!(long.len(), 1 + PAUSES.len(), "{long:?}");
    // The lead loses all but PAD_SECS, each pause inside the speech all but PAD_SECS each side.
    let expected: f64 =
        long[0].1 - PAD_SECS + long[1..].iter().map(|p| p.1 - 2.0 * PAD_SECS).sum::<f64>();

    let out = dir.path().join("tight.mp4");
    let o = tighten(
        &speech().models_dir,
        &[clip.to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    eprintln!("{stdout}{stderr}");
    assert!(o.status.success(), "{stderr}");
    assert_eq!(
        std::fs::read(&clip).unwrap(),
        original,
        "the clip is untouched"
    );
    assert!(stderr.contains("Transcribed with tiny.en"), "{stderr}");
    assert!(
        speech::beside::transcript_path(&clip).exists(),
        "kept beside the clip"
    );

    let before = Probe::of(&clip).unwrap().duration_secs();
    let after = Probe::of(&out).unwrap().duration_secs();
    let removed = before - after;
    eprintln!("{before:.2} s → {after:.2} s: {removed:.2} s removed, {expected:.2} s expected");
    assert!(
        (removed - expected).abs() <= 0.2,
        "removed {removed:.2} s, the pauses call for {expected:.2} s"
    );
    let lengths = format!(
        "{} → {}",
        app::tighten::length(before),
        app::tighten::length(after)
    );
    assert_eq!(stdout.trim(), lengths);
    let left = silences(&out, THRESHOLD_SECS);
    assert!(left.is_empty(), "pauses left over the threshold: {left:?}");

    // The captions beside the new clip: the words said, at the times a fresh transcription of
    // the new clip hears them.
    let vtt = std::fs::read_to_string(speech::beside::captions_path(&out)).unwrap();
    let said: Vec<&str> = vtt
        .lines()
        .filter(|l| !l.contains("-->") && *l != "WEBVTT")
        .collect();
    let rate = wer(JFK_TEXT, &said.join(" "));
    assert!(rate <= 0.10, "WER {rate:.2}: {vtt}");
    // Each captioned word starts on voice in the new clip (a word left at its old time would
    // fall in a pause or past the end), and the captions span the voice.
    let voiced = voice_frames(&out);
    let on_voice = |t: f64| {
        let i = (t / 0.03) as usize;
        voiced[i.saturating_sub(4)..(i + 5).min(voiced.len())]
            .iter()
            .any(|v| *v)
    };
    let shifted = words(&transcript(&out));
    let off: Vec<&(String, f64)> = shifted.iter().filter(|(_, t)| !on_voice(*t)).collect();
    assert!(
        off.is_empty(),
        "captioned where no voice is: {off:?} of {shifted:?}"
    );
    let first_voice = voiced.iter().position(|v| *v).unwrap() as f64 * 0.03;
    let last_voice = (voiced.iter().rposition(|v| *v).unwrap() + 1) as f64 * 0.03;
    let cues: Vec<(f64, f64)> = vtt
        .lines()
        .filter_map(|l| l.split_once(" --> "))
        .map(|(a, b)| (stamp_secs(a), stamp_secs(b)))
        .collect();
    eprintln!("voice {first_voice:.2}..{last_voice:.2} s, cues {cues:.2?}");
    assert!((cues[0].0 - first_voice).abs() <= 0.5, "{cues:?}");
    assert!(
        (cues[cues.len() - 1].1 - last_voice).abs() <= 0.5,
        "{cues:?}"
    );
    assert!(
        cues.iter().all(|c| c.0 < c.1 && c.1 <= after + 0.05),
        "{cues:?}"
    );
}

/// Which 30 ms frames of a clip's sound are over -50 dBFS.
fn voice_frames(clip: &Path) -> Vec<bool> {
    let quiet = 10f64.powf(-50.0 / 20.0);
    testkit::clip::audio_mono_at(clip, 16_000)
        .chunks(480)
        .map(|c| testkit::clip::rms(c) >= quiet)
        .collect()
}

/// `hh:mm:ss.mmm` in seconds.
fn stamp_secs(stamp: &str) -> f64 {
    stamp
        .trim()
        .split(':')
        .map(|p| p.parse::<f64>().unwrap())
        .fold(0.0, |acc, p| acc * 60.0 + p)
}

#[test]
fn tighten_refuses_what_it_cannot_do_and_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("update.mp4");
    testkit::clip::Synth {
        width: 320,
        height: 240,
        secs: 2,
        ..Default::default()
    }
    .make(&clip);
    let original = std::fs::read(&clip).unwrap();
    let c = clip.to_str().unwrap();
    let models = speech().models_dir;
    let out = dir.path().join("tight.mp4");
    let o_ = out.to_str().unwrap();
    let check = |args: &[&str], models: &Path, code: i32, says: &[&str]| {
        let o = tighten(models, args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        for s in says {
            assert!(err.contains(s), "{args:?} should say {s:?}: {err}");
        }
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    };
    check(
        &[c, "--out", c],
        &models,
        2,
        &["never overwrites", "tight.mp4"],
    );
    check(
        &[c, "--out", "tight.mov"],
        &models,
        2,
        &["must end in .mp4"],
    );
    check(
        &[c, "--silence", "0.1", "--out", o_],
        &models,
        2,
        &["at least 0.5", "--silence 1.5"],
    );
    check(
        &[c, "--silence", "soon", "--out", o_],
        &models,
        2,
        &["not a number of seconds"],
    );
    check(&[c], &models, 2, &["--out"]);
    let missing = dir.path().join("nothing.mp4");
    check(
        &[missing.to_str().unwrap(), "--out", o_],
        &models,
        4,
        &["there is no clip"],
    );
    let no_folder = dir.path().join("no/such/tight.mp4");
    check(
        &[c, "--out", no_folder.to_str().unwrap()],
        &models,
        4,
        &["there is no folder"],
    );
    // No transcript beside the clip and no model: the fix names the install command.
    let empty = tempfile::tempdir().unwrap();
    check(
        &[c, "--out", o_],
        empty.path(),
        11,
        &["clipnote models install tiny.en"],
    );
    // A clip whose sound is a tone: no speech to cut around.
    check(&[c, "--out", o_], &models, 12, &["no speech was found"]);
    assert_eq!(
        std::fs::read(&clip).unwrap(),
        original,
        "the clip is untouched"
    );
}

/// Review's Tighten, clicked: the new length shows, the player plays the tightened clip, Undo
/// brings the original back, and Post posts what is shown.
#[test]
fn review_tightens_previews_undoes_and_posts_what_it_shows() {
    use crate::ui::{Home, posted, review_harness, step_until, step_until_shown};
    use egui_kittest::kittest::Queryable;

    let _busy = testkit::world::screen_lock();
    let home = Home::new();
    std::fs::create_dir_all(home.path("clips")).unwrap();
    let clip = paused_speech_clip(&home.path("clips"));
    // The transcript is made beside the clip first, as the recording's live transcript would
    // be (the app finds the model folder from the environment, which a test cannot set).
    let config = tempfile::tempdir().unwrap();
    let o = clipnote(
        &speech().models_dir,
        config.path(),
        &["transcribe", clip.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let before = Probe::of(&clip).unwrap().duration_secs();

    let (_notion, mut h) = review_harness(&home, &clip);
    step_until(&mut h, "the first picture", |app| app.review_player().1);

    h.get_by_label("Tighten").click();
    step_until_shown(&mut h, "Tightened ");
    let shown = h.state().review_clip().cloned().unwrap();
    let tightened = clip.with_extension("tight.mp4");
    assert_eq!(shown.path, tightened, "Review shows the tightened clip");
    let after = Probe::of(&tightened).unwrap().duration_secs();
    assert!(after < before - 5.0, "{before:.2} s → {after:.2} s");
    assert!((shown.duration_secs - after).abs() < 0.1);
    assert_eq!(h.state().review_trim(), [0.0, shown.duration_secs]);
    let lengths = format!(
        "Tightened {} → {}",
        app::tighten::length(before),
        app::tighten::length(after)
    );
    assert!(h.query_by_label(&lengths).is_some(), "{lengths} is shown");
    step_until(&mut h, "the tightened clip's picture", |app| {
        app.review_player().1
    });

    // A line of the tightened clip's transcript corrected (as in review_text's test).
    let original_lines = speech::beside::read_beside(&clip).unwrap().unwrap();
    let cut = speech::beside::read_beside(&tightened).unwrap().unwrap();
    step_until(&mut h, "the tightened clip's transcript", |app| {
        app.review_transcript().is_some_and(|t| *t == cut)
    });
    let said = cut.segments[0].clone();
    let fixed = "Clipnote keeps this corrected line";
    h.get_by_label(said.text.trim()).click_accesskit();
    h.run_steps(3);
    h.get_by_label(&crate::review_text::clock(said.start_secs))
        .set_text_value_accesskit(fixed);
    h.run_steps(1);
    h.key_press(eframe::egui::Key::Enter);
    step_until_shown(&mut h, "Saved (corrected)");

    // Undo: the original again, whole, with the correction on the line it was cut from.
    h.get_by_label("Undo").click();
    h.run_steps(2);
    let shown = h.state().review_clip().cloned().unwrap();
    assert_eq!(shown.path, clip);
    assert_eq!(h.state().review_trim(), [0.0, shown.duration_secs]);
    assert!(h.query_by_label("Tighten").is_some());
    let kept = speech::beside::read_beside(&clip).unwrap().unwrap();
    assert!(speech::beside::is_corrected(&clip));
    assert_eq!(kept.segments.len(), original_lines.segments.len());
    let changed: Vec<(usize, &str)> = (original_lines.segments.iter().zip(&kept.segments))
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, (_, b))| (i, b.text.as_str()))
        .collect();
    assert_eq!(changed.len(), 1, "one line changed: {changed:?}");
    let (index, text) = changed[0];
    assert_eq!(text, fixed);
    let (was, now) = (&original_lines.segments[index], &kept.segments[index]);
    assert_eq!(
        (was.start_secs, was.end_secs),
        (now.start_secs, now.end_secs),
        "the original line's own times"
    );
    step_until(
        &mut h,
        "Review's transcript of the original, corrected",
        |app| app.review_transcript().is_some_and(|t| *t == kept),
    );

    // Tighten again and post to the library: the tightened clip is what goes.
    h.get_by_label("Tighten").click();
    step_until_shown(&mut h, "Tightened ");
    h.get_by_label("Title")
        .set_text_value_accesskit("Tight update");
    h.get_by_label("Post to")
        .set_text_value_accesskit("library");
    h.run_steps(2);
    h.get_by_label("Post").click();
    step_until(&mut h, "the post to the library", posted);
    assert!(
        matches!(
            h.state().post_state(),
            app::ui::review::PostState::Posted { .. }
        ),
        "{:?}",
        h.state().post_state()
    );
    let posted: Vec<PathBuf> = std::fs::read_dir(home.path("library"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "mp4"))
        .collect();
    assert_eq!(posted.len(), 1, "{posted:?}");
    let posted_secs = Probe::of(&posted[0]).unwrap().duration_secs();
    assert!(
        (posted_secs - after).abs() < 0.1,
        "posted {posted_secs:.2} s, the tightened clip is {after:.2} s"
    );
}
