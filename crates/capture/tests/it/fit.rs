//! Fitting a clip into a size limit, checked by reading the result back.

use std::path::Path;

use capture::fit::fit_to_size;
use testkit::clip::{self, Probe, Synth};
use testkit::world::screen_lock;

/// A detailed, moving 1080p clip with a tone: large at high quality.
fn make_clip(path: &Path, secs: u32) {
    Synth {
        width: 1920,
        height: 1080,
        secs,
        keyint: 250,
        crf: 12,
        ..Synth::default()
    }
    .make(path);
}

#[test]
fn a_clip_over_the_limit_is_re_encoded_to_fit() {
    let _busy = screen_lock(); // heavy encoding: not beside a recording
    let dir = tempfile::tempdir().unwrap();
    let (big, small) = (dir.path().join("big.mp4"), dir.path().join("small.mp4"));
    make_clip(&big, 8);
    let limit = 1024 * 1024;
    let before = std::fs::metadata(&big).unwrap().len();
    assert!(before > 3 * limit, "the test clip is only {before} bytes");
    let report = fit_to_size(&big, &small, limit).expect("fits");
    let after = std::fs::metadata(&small).unwrap().len();
    assert_eq!(report.bytes, after);
    assert!(
        after <= limit,
        "{after} bytes is over the {limit}-byte limit"
    );
    assert!(after >= limit / 2, "{after} bytes wastes the budget");
    let probe = Probe::of(&small).unwrap();
    assert!(
        (probe.duration_secs() - 8.0).abs() <= 0.3,
        "{}",
        probe.duration_secs()
    );
    assert_eq!(probe.stream("video").unwrap()["codec_name"], "h264");
    assert_eq!(probe.stream("audio").unwrap()["codec_name"], "aac");
    assert!(clip::index_first(&small));
    clip::decode_all(&small).expect("the fitted clip decodes");
    let tone = clip::tone_amplitude(&clip::audio_samples(&small), 440.0, 48_000.0);
    assert!(tone > 0.05, "the sound survives: {tone}");
}

#[test]
fn a_clip_that_cannot_fit_legibly_is_refused_and_nothing_is_written() {
    let _busy = screen_lock(); // heavy encoding: not beside a recording
    let dir = tempfile::tempdir().unwrap();
    let (big, small) = (dir.path().join("big.mp4"), dir.path().join("small.mp4"));
    make_clip(&big, 4);
    let err = fit_to_size(&big, &small, 10 * 1024)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot fit") && err.contains("Trim it to at most"),
        "{err}"
    );
    assert!(!small.exists());
}

#[test]
fn a_corrupt_clip_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, b"this is not a video at all").unwrap();
    let err = fit_to_size(&junk, &dir.path().join("o.mp4"), 1024 * 1024)
        .unwrap_err()
        .to_string();
    assert!(err.contains("junk.mp4 is not a playable video"), "{err}");
}
