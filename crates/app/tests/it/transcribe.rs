//! `clipnote transcribe` end to end: real speech in a real clip, the real model, the captions
//! file beside the clip, and the errors a person meets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testkit::speech::{JFK_TEXT, speech, wer};

/// Where the voice in jfk.wav starts and ends, in seconds (read off its waveform).
const JFK_SPEECH_STARTS: f64 = 0.33;
const JFK_SPEECH_ENDS: f64 = 10.35;

/// Runs `clipnote` with the model folder xtask prepared (or `models_dir`) and a config folder
/// of its own.
pub(crate) fn clipnote(models_dir: &Path, config_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .args(args)
        .env("CLIPNOTE_MODELS_DIR", models_dir)
        .env("CLIPNOTE_CONFIG_DIR", config_dir)
        .env_remove("CLIPNOTE_MODELS_URL")
        .output()
        .expect("clipnote runs")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn transcribe(clip: &Path, extra: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    let mut args = vec!["transcribe", clip.to_str().unwrap()];
    args.extend_from_slice(extra);
    clipnote(&speech().models_dir, config.path(), &args)
}

/// A clip as a recording would be: H.264 pictures and AAC sound (`sound`: a file, or a lavfi
/// source such as `anullsrc`), or pictures alone.
pub(crate) fn make_clip(dir: &Path, name: &str, sound: Option<&str>, secs: u32) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size=320x240:rate=15:duration={secs}"));
    match sound {
        Some(s) if Path::new(s).exists() => {
            cmd.args(["-i", s]);
        }
        Some(lavfi) => {
            cmd.args(["-f", "lavfi", "-t", &secs.to_string(), "-i", lavfi]);
        }
        None => {}
    }
    cmd.args(testkit::clip::H264_FAST);
    if sound.is_some() {
        cmd.args(["-c:a", "aac", "-b:a", "64k", "-shortest"]);
    }
    let o = cmd.arg(&path).output().expect("ffmpeg runs");
    assert!(o.status.success(), "ffmpeg: {}", text(&o.stderr));
    path
}

/// `hh:mm:ss.mmm` or `hh:mm:ss,mmm` in seconds.
fn secs(stamp: &str) -> f64 {
    let parts: Vec<f64> = stamp
        .replace(',', ".")
        .split(':')
        .map(|p| p.parse().unwrap())
        .collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

/// The (start, end) of every cue in a WebVTT or SRT file.
fn cue_times(captions: &str) -> Vec<(f64, f64)> {
    captions
        .lines()
        .filter_map(|l| l.split_once(" --> "))
        .map(|(a, b)| (secs(a.trim()), secs(b.trim())))
        .collect()
}

fn assert_cues_follow_the_voice(captions: &str) {
    let cues = cue_times(captions);
    assert!(!cues.is_empty(), "{captions}");
    assert!(cues.iter().all(|(a, b)| a < b), "{captions}");
    assert!(
        cues.windows(2).all(|w| w[0].1 <= w[1].0 + 0.01),
        "in order: {captions}"
    );
    let (first, last) = (cues[0], cues[cues.len() - 1]);
    assert!(
        (first.0 - JFK_SPEECH_STARTS).abs() <= 0.5,
        "first cue {first:?}: {captions}"
    );
    assert!(
        (last.1 - JFK_SPEECH_ENDS).abs() <= 0.5,
        "last cue {last:?}: {captions}"
    );
}

#[test]
fn a_clip_of_real_speech_is_transcribed_with_webvtt_captions_beside_it() {
    // Three transcriptions keep a core busy: not while another test records.
    let _busy = testkit::world::screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let jfk = speech().jfk;
    let clip = make_clip(dir.path(), "inaugural.mp4", jfk.to_str(), 11);

    let started = std::time::Instant::now();
    let o = transcribe(&clip, &[]);
    eprintln!("transcribe took {:.1} s", started.elapsed().as_secs_f64());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let said = text(&o.stdout);
    let rate = wer(JFK_TEXT, &said);
    eprintln!("WER {rate:.3}: {said}");
    assert!(rate <= 0.10, "WER {rate:.3}: {said}");

    let vtt = std::fs::read_to_string(dir.path().join("inaugural.vtt"))
        .expect("captions beside the clip");
    assert!(vtt.starts_with("WEBVTT\n\n"), "{vtt}");
    assert_cues_follow_the_voice(&vtt);
    let caption_words: String = vtt
        .lines()
        .filter(|l| !l.contains("-->") && *l != "WEBVTT")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(wer(JFK_TEXT, &caption_words) <= 0.10, "{vtt}");

    let o = transcribe(&clip, &["--format", "srt"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let srt = text(&o.stdout);
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    assert_cues_follow_the_voice(&srt);
    assert_eq!(
        cue_times(&srt),
        cue_times(&vtt),
        "the same cues in both forms"
    );

    let o = transcribe(&clip, &["--format", "json", "--language", "en"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["language"], "en");
    assert_eq!(json["model"], "tiny.en");
    assert!(
        (json["duration_secs"].as_f64().unwrap() - 11.0).abs() < 0.2,
        "{json}"
    );
    let words = json["segments"][0]["words"].as_array().unwrap();
    assert!(words.len() > 5, "{json}");
    assert!(
        words[0]["start_secs"].is_f64() && words[0]["text"].is_string(),
        "{json}"
    );
}

#[test]
fn a_silent_clip_gives_an_empty_transcript_and_empty_captions() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(
        dir.path(),
        "quiet.mp4",
        Some("anullsrc=channel_layout=mono:sample_rate=48000"),
        10,
    );
    let o = transcribe(&clip, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "", "no invented words");
    assert!(
        text(&o.stderr).contains("No speech found in"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("quiet.vtt")).unwrap(),
        "WEBVTT\n"
    );
}

#[test]
fn a_clip_without_a_sound_track_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path(), "mute.mp4", None, 2);
    let o = transcribe(&clip, &[]);
    assert_eq!(o.status.code(), Some(12), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("has no sound track"), "{err}");
    assert!(
        err.contains("nothing to transcribe") || err.contains("no speech to transcribe"),
        "{err}"
    );
    assert!(!dir.path().join("mute.vtt").exists());
}

#[test]
fn transcribe_errors_name_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path(), "c.mp4", Some("sine=frequency=300"), 1);

    // No model installed.
    let empty = tempfile::tempdir().unwrap();
    let o = clipnote(
        empty.path(),
        config.path(),
        &["transcribe", clip.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(11), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("`clipnote models install tiny.en`"),
        "{}",
        text(&o.stderr)
    );

    // A broken model file given by path.
    let broken = dir.path().join("ggml-broken.bin");
    std::fs::write(&broken, b"ggml but not really a model").unwrap();
    let o = transcribe(&clip, &["--model", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(11), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is not a usable whisper.cpp model"),
        "{}",
        text(&o.stderr)
    );

    // A language the model does not have, or that does not exist: one line, no log noise.
    for language in ["de", "xx"] {
        let o = transcribe(&clip, &["--language", language]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
        let err = text(&o.stderr);
        let expected = format!("cannot transcribe the language {language:?}; it knows: auto, en.");
        assert!(err.contains(&expected), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }

    // No such clip.
    let o = transcribe(&dir.path().join("nope.mp4"), &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("there is no clip at"),
        "{}",
        text(&o.stderr)
    );

    // A file that is not a clip.
    let notes = dir.path().join("notes.mp4");
    std::fs::write(&notes, "hello").unwrap();
    let o = transcribe(&notes, &[]);
    assert_eq!(o.status.code(), Some(12), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is not a playable video"),
        "{}",
        text(&o.stderr)
    );
}
