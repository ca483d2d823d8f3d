//! Transcribing while recording: real speech (jfk.wav) played into the test world's
//! microphone while `clipnote record` runs, the real model, and the transcript beside the clip
//! when the recording stops.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use testkit::speech::{JFK_TEXT, samples_16k, speech, wer};
use testkit::world::{screen_lock, world};

/// Where the voice in jfk.wav starts and ends, in seconds (read off its waveform).
const JFK_SPEECH_STARTS: f64 = 0.33;
const JFK_SPEECH_ENDS: f64 = 10.35;

struct Recorded {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// `clipnote record --mic <the world's> --out <clip> [extra]` with the models in `models_dir`
/// and a config folder holding `config` (TOML); `during` runs once recording is under way,
/// then the recording is stopped with Ctrl-C (SIGINT).
fn record(
    clip: &Path,
    models_dir: &Path,
    config: &str,
    extra: &[&str],
    during: impl FnOnce(),
) -> Recorded {
    let config_dir = tempfile::tempdir().unwrap();
    std::fs::write(config_dir.path().join("config.toml"), config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .args(["record", "--mic", &world().mic, "--out"])
        .arg(clip)
        .args(extra)
        .env("CLIPNOTE_MODELS_DIR", models_dir)
        .env("CLIPNOTE_CONFIG_DIR", config_dir.path())
        .env("RUST_LOG", "speech=debug") // each window transcribed, shown when a test fails
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clipnote starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "clipnote record did not start: {said}"
        );
        said.push_str(&line);
        if line.contains("Recording to") {
            break;
        }
    }
    let rest = std::thread::Builder::new()
        .name("record-stderr".into())
        .spawn(move || {
            let mut rest = String::new();
            stderr.read_to_string(&mut rest).unwrap();
            rest
        })
        .unwrap();
    during();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    said.push_str(&rest.join().unwrap());
    Recorded {
        status,
        stdout,
        stderr: said,
    }
}

/// Plays a sound file into the world's null sink (whose monitor is the microphone), in real
/// time, to its end.
fn play_into_microphone(sound: &Path) {
    let o = Command::new("ffmpeg")
        .env("PULSE_LATENCY_MSEC", "20")
        .args(["-nostdin", "-v", "error", "-re", "-i"])
        .arg(sound)
        .args([
            "-ac",
            "2",
            "-ar",
            "48000",
            "-f",
            "pulse",
            "-buffer_duration",
            "20",
        ])
        .args(["-device", &world().sink, "clipnote-test-speech"])
        .output()
        .expect("ffmpeg runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Loudness every 10 ms (160 samples at 16 kHz), less its mean.
fn envelope(samples: &[f32]) -> Vec<f64> {
    let env: Vec<f64> = samples
        .chunks(160)
        .map(|c| (c.iter().map(|s| f64::from(s * s)).sum::<f64>() / c.len() as f64).sqrt())
        .collect();
    let mean = env.iter().sum::<f64>() / env.len().max(1) as f64;
    env.into_iter().map(|e| e - mean).collect()
}

/// Where `inner` is heard in `outer`, in seconds: the offset where their loudness envelopes
/// match best (to 10 ms). The steady tone under the speech only shifts the mean.
fn heard_at(outer: &[f32], inner: &[f32]) -> f64 {
    let (o, i) = (envelope(outer), envelope(inner));
    assert!(o.len() > i.len(), "the clip is shorter than the speech");
    let score = |at: usize| i.iter().zip(&o[at..]).map(|(a, b)| a * b).sum::<f64>();
    let best = (0..=o.len() - i.len())
        .max_by(|a, b| score(*a).total_cmp(&score(*b)))
        .unwrap();
    best as f64 * 0.01
}

/// `hh:mm:ss.mmm` in seconds.
fn secs(stamp: &str) -> f64 {
    let parts: Vec<f64> = stamp.split(':').map(|p| p.parse().unwrap()).collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

fn cue_times(vtt: &str) -> Vec<(f64, f64)> {
    vtt.lines()
        .filter_map(|l| l.split_once(" --> "))
        .map(|(a, b)| (secs(a.trim()), secs(b.trim())))
        .collect()
}

/// The "Transcript ready N s after stop" figure.
fn ready_after_stop(stderr: &str) -> f64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("Transcript ready "))
        .unwrap_or_else(|| panic!("no transcript line: {stderr}"));
    line["Transcript ready ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn transcript_text(clip: &Path) -> String {
    let path = clip.with_extension("transcript.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the transcript beside"))
            .unwrap();
    json["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn speech_into_the_microphone_is_transcribed_while_recording_and_ready_at_stop() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("standup.mp4");
    let jfk = speech().jfk;
    let r = record(&clip, &speech().models_dir, "", &[], || {
        std::thread::sleep(Duration::from_secs(1));
        play_into_microphone(&jfk);
        std::thread::sleep(Duration::from_millis(1500));
    });
    assert!(r.status.success(), "{}", r.stderr);
    assert_eq!(r.stdout.trim(), clip.to_str().unwrap());
    let ready = ready_after_stop(&r.stderr);
    eprintln!("transcript ready {ready:.2} s after stop; {}", r.stderr);
    assert!(!r.stderr.contains("incomplete"), "{}", r.stderr);

    let said = transcript_text(&clip);
    let rate = wer(JFK_TEXT, &said);
    eprintln!("WER {rate:.3}: {said}");
    assert!(rate <= 0.10, "WER {rate:.3}: {said}");

    // The captions sit where the words are heard in the clip.
    let vtt = std::fs::read_to_string(dir.path().join("standup.vtt")).expect("captions beside");
    let at = heard_at(
        &testkit::clip::audio_mono_at(&clip, 16_000),
        &samples_16k(&jfk),
    );
    let cues = cue_times(&vtt);
    assert!(!cues.is_empty(), "{vtt}");
    let (first, last) = (cues[0], cues[cues.len() - 1]);
    eprintln!("speech heard from {at:.2} s; cues {first:?} … {last:?}");
    assert!(
        (first.0 - (at + JFK_SPEECH_STARTS)).abs() <= 0.5,
        "first cue {first:?}, speech from {:.2} s:\n{vtt}",
        at + JFK_SPEECH_STARTS
    );
    assert!(
        (last.1 - (at + JFK_SPEECH_ENDS)).abs() <= 0.5,
        "last cue {last:?}, speech to {:.2} s:\n{vtt}",
        at + JFK_SPEECH_ENDS
    );
}

#[test]
fn a_recording_of_only_the_tone_gets_an_empty_transcript() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("quiet.mp4");
    let r = record(&clip, &speech().models_dir, "", &[], || {
        std::thread::sleep(Duration::from_secs(12));
    });
    assert!(r.status.success(), "{}", r.stderr);
    assert!(r.stderr.contains("(0 words)"), "{}", r.stderr);
    assert_eq!(transcript_text(&clip), "", "no invented words");
    let vtt = std::fs::read_to_string(dir.path().join("quiet.vtt")).unwrap();
    assert_eq!(vtt, "WEBVTT\n");
}

#[test]
fn with_no_model_or_transcripts_off_recording_works_as_before() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let no_models = tempfile::tempdir().unwrap();
    let pause = || std::thread::sleep(Duration::from_secs(1));

    let clip = dir.path().join("a.mp4");
    let r = record(&clip, no_models.path(), "", &[], pause);
    assert!(r.status.success(), "{}", r.stderr);
    assert!(clip.exists());
    assert_eq!(
        r.stderr.matches("clipnote models install tiny.en").count(),
        1,
        "says once how to get transcripts: {}",
        r.stderr
    );
    assert!(!dir.path().join("a.vtt").exists());

    let clip = dir.path().join("b.mp4");
    let off = "[transcript]\nenabled = false\n";
    let r = record(&clip, &speech().models_dir, off, &[], pause);
    assert!(r.status.success(), "{}", r.stderr);
    assert!(clip.exists());
    assert!(!r.stderr.contains("ranscript"), "{}", r.stderr);
    assert!(!dir.path().join("b.vtt").exists());

    let clip = dir.path().join("c.mp4");
    let r = record(&clip, &speech().models_dir, "", &["--no-transcript"], pause);
    assert!(r.status.success(), "{}", r.stderr);
    assert!(!dir.path().join("c.vtt").exists());
}

/// A transcript corrected by hand (in Review) beside the clip: the live transcript written at
/// the stop does not replace it, and the recording says how to replace it on purpose.
#[test]
fn a_transcript_corrected_by_hand_is_not_replaced_by_the_live_one() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("fixed.mp4");
    let correction = speech::Transcript {
        language: "en".into(),
        segments: vec![speech::Segment {
            start_secs: 0.5,
            end_secs: 1.5,
            text: "Corrected by hand.".into(),
            words: Vec::new(),
            no_speech_prob: 0.0,
        }],
    };
    speech::beside::write_corrected(&clip, &correction).unwrap();
    // The tone alone: the live transcript is written at stop (empty) unless something is kept.
    let r = record(&clip, &speech().models_dir, "", &[], || {
        std::thread::sleep(Duration::from_secs(2));
    });
    assert!(r.status.success(), "{}", r.stderr);
    assert!(clip.exists());
    assert!(
        r.stderr.contains("corrected by hand") && r.stderr.contains("clipnote transcribe"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("Transcript ready"), "{}", r.stderr);
    assert_eq!(
        speech::beside::read_beside(&clip).unwrap(),
        Some(correction)
    );
    assert!(speech::beside::is_corrected(&clip));
    let vtt = std::fs::read_to_string(dir.path().join("fixed.vtt")).unwrap();
    assert!(vtt.contains("Corrected by hand."), "{vtt}");
}
