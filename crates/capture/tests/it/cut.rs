//! Cutting spans out of a clip (what `clipnote tighten` does with its plan), read back as a
//! person's tools would: the flash-and-beep pairs stay together after every cut, the removed
//! time is the cut time, and no cut clicks.

use std::path::Path;
use std::process::Command;

use capture::cut::{Keep, cut};
use testkit::clip::{self, Probe};
use testkit::world::screen_lock;

const SECS: f64 = 12.0;
/// A white flash and a 1 kHz beep start together at every k + 0.5 s, for 0.1 s; under them a
/// quiet 440 Hz tone runs throughout (amplitude 0.1), so a cut without a fade would click.
const FLASH_AT: f64 = 0.5;

/// A clip of flashes and beeps that start at the same instants (30 fps, 48 kHz).
fn flash_and_beep(path: &Path) {
    let on = format!("lt(mod(t+1-{FLASH_AT},1),0.1)");
    let o = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!(
            "color=c=black:s=320x240:r=30:d={SECS},drawbox=c=white:t=fill:enable='{on}'"
        ))
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "aevalsrc='0.1*sin(2*PI*440*t)+0.8*sin(2*PI*1000*t)*{on}':s=48000:d={SECS}"
        ))
        .args(testkit::clip::H264_FAST)
        .args(["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"])
        .arg(path)
        .output()
        .expect("ffmpeg runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The times the picture turns white.
fn flashes(path: &Path) -> Vec<f64> {
    let frames = clip::frame_brightness(path);
    frames
        .windows(2)
        .filter(|w| w[0].1 <= 128.0 && w[1].1 > 128.0)
        .map(|w| w[1].0)
        .chain(frames.first().filter(|f| f.1 > 128.0).map(|f| f.0))
        .collect()
}

/// The times a beep starts (the sound jumps over 0.4 after 20 ms under it).
fn beeps(samples: &[f32]) -> Vec<f64> {
    let quiet = 960;
    let mut onsets = Vec::new();
    let mut last_loud: Option<usize> = None;
    for (i, s) in samples.iter().enumerate() {
        if s.abs() > 0.4 {
            if last_loud.is_none_or(|l| i - l > quiet) {
                onsets.push(i as f64 / 48_000.0);
            }
            last_loud = Some(i);
        }
    }
    onsets
}

#[test]
fn cut_spans_are_gone_and_sound_and_pictures_stay_together_without_clicks() {
    let _busy = screen_lock(); // encoding: not beside a recording
    let dir = tempfile::tempdir().unwrap();
    let (original, tight) = (dir.path().join("beeps.mp4"), dir.path().join("tight.mp4"));
    flash_and_beep(&original);
    // Cuts that fall between frames and swallow flashes 1.5, 2.5, 5.5 and 6.5.
    let cuts = [(1.23, 2.71), (5.05, 7.4)];
    let made = cut(&original, &tight, &cuts).expect("cut");
    let removed: f64 = cuts.iter().map(|(a, b)| b - a).sum();
    let probe = Probe::of(&tight).unwrap();
    eprintln!(
        "{:.3} s → {:.3} s (ffprobe {:.3} s), {removed:.2} s cut",
        made.before_secs,
        made.after_secs,
        probe.duration_secs()
    );
    assert!(
        (probe.duration_secs() - (SECS - removed)).abs() <= 0.1,
        "{} s long after cutting {removed} s of {SECS} s",
        probe.duration_secs()
    );
    clip::decode_all(&tight).expect("the new clip decodes");

    let keep = Keep::without(&cuts, SECS);
    let expected: Vec<f64> = (0..12)
        .map(|k| f64::from(k) + FLASH_AT)
        .filter_map(|t| keep.map(t))
        .collect();
    let seen = flashes(&tight);
    let samples = clip::audio_samples(&tight);
    let heard = beeps(&samples);
    eprintln!("flashes {seen:.3?}\nbeeps   {heard:.3?}\nexpected {expected:.3?}");
    assert_eq!(seen.len(), expected.len(), "flashes {seen:?}");
    assert_eq!(heard.len(), expected.len(), "beeps {heard:?}");
    // The encoder's start (AAC's priming, 1024 samples) may delay everything alike.
    let lead = seen[0] - expected[0];
    assert!(
        (0.0..=0.04).contains(&lead),
        "everything is {lead:.3} s late"
    );
    for ((flash, beep), want) in seen.iter().zip(&heard).zip(&expected) {
        let offset_ms = (beep - flash) * 1000.0;
        assert!(
            offset_ms.abs() <= 40.0,
            "at {want:.2} s the beep is {offset_ms:+.1} ms from the flash"
        );
        assert!(
            (flash - lead - want).abs() <= 0.02,
            "the flash due at {want:.3} s is at {flash:.3} s"
        );
    }

    // At each join the sound fades to silence: the quietest millisecond near it is near silent
    // (the tone cut without a fade stays at full strength across the join, and clicks);
    // elsewhere the tone plays on.
    let rms_at = |t: f64| {
        let at = (t * 48_000.0) as usize;
        clip::rms(&samples[at - 24..at + 24])
    };
    for (a, _) in cuts {
        let join = keep.map(a - 1e-3).unwrap() + 1e-3 + lead;
        let quietest = (-40..=40)
            .map(|q| rms_at(join + f64::from(q) * 0.00025))
            .fold(f64::INFINITY, f64::min);
        let beside = rms_at(join - 0.1);
        eprintln!("join at {join:.3} s: quietest RMS {quietest:.4} (0.1 s before: {beside:.4})");
        assert!(
            quietest < 0.01,
            "a click at {join:.3} s: RMS never under {quietest:.4}"
        );
        assert!(beside > 0.05, "the tone is missing before {join:.3} s");
    }
}

#[test]
fn a_cut_that_leaves_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("beeps.mp4");
    flash_and_beep(&original);
    let err = cut(&original, &dir.path().join("none.mp4"), &[(0.0, SECS)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("leaves nothing"), "{err}");
    assert!(!dir.path().join("none.mp4").exists());
}
