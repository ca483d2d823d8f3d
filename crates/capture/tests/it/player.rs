//! The player: real decoding of real files, at speed, with pitch kept.

use std::path::Path;
use std::time::{Duration, Instant};

use capture::player::Player;
use testkit::clip::{Synth, tone_amplitude};
use testkit::world::screen_lock;

/// An 8-second 1280x720 clip at 30 fps with a 440 Hz tone.
fn make_clip(path: &Path) {
    Synth {
        secs: 8,
        keyint: 60,
        ..Synth::default()
    }
    .make(path);
}

/// Draws like a 60 Hz UI for `wall`.
fn watch(player: &mut Player, wall: Duration) {
    let until = Instant::now() + wall;
    while Instant::now() < until {
        player.frame_to_show();
        std::thread::sleep(Duration::from_millis(16));
    }
}

#[test]
fn at_2x_the_clock_runs_twice_as_fast_and_the_pitch_is_kept() {
    let _busy = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.mp4");
    make_clip(&path);
    let mut p = Player::open(&path, 640, 0.0).unwrap();
    assert_eq!(p.size(), (640, 360));
    p.set_speed(2.0);
    p.tap_audio();
    p.play();
    watch(&mut p, Duration::from_millis(300)); // let decoding get ahead
    let (t0, pos0) = (Instant::now(), p.position_secs());
    watch(&mut p, Duration::from_secs(2));
    let (wall, media) = (t0.elapsed().as_secs_f64(), p.position_secs() - pos0);
    let ratio = media / wall;
    eprintln!(
        "2x: {media:.2} s of clip in {wall:.2} s; {:?}; sound: {:?}",
        p.stats(),
        p.no_sound().unwrap_or_else(|| "device".into())
    );
    assert!(
        (ratio - 2.0).abs() < 0.15,
        "clip time ran {ratio:.2}x wall time"
    );
    assert!(p.error().is_none(), "{:?}", p.error());
    let stats = p.stats();
    assert!(stats.frames_shown > 60, "{stats:?}");
    let frame = p.frame_to_show().expect("a picture");
    assert_eq!((frame.width, frame.height), (640, 360));

    let stereo = p.tapped_audio();
    let mono: Vec<f32> = stereo.chunks_exact(2).map(|s| s[0]).collect();
    assert!(mono.len() > 48_000, "{} samples played", mono.len());
    let body = &mono[mono.len() / 4..mono.len() * 3 / 4];
    let (kept, doubled) = (
        tone_amplitude(body, 440.0, 48_000.0),
        tone_amplitude(body, 880.0, 48_000.0),
    );
    assert!(
        kept > 0.05 && kept > 5.0 * doubled,
        "440 Hz {kept}, 880 Hz {doubled}: the pitch must not rise"
    );
}

#[test]
fn pause_seek_and_play_to_the_end() {
    let _busy = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.mp4");
    make_clip(&path);
    let mut p = Player::open(&path, 640, 0.0).unwrap();
    assert!(p.is_paused());
    watch(&mut p, Duration::from_millis(300));
    assert!(
        p.position_secs() < 0.01,
        "paused at the start: {}",
        p.position_secs()
    );
    p.seek(6.0);
    watch(&mut p, Duration::from_millis(200));
    let shown = p
        .frame_to_show()
        .expect("a picture after the seek")
        .pts_secs;
    assert!((shown - 6.0).abs() < 0.05, "seek to 6 s shows {shown}");
    p.set_speed(2.0);
    p.play();
    let until = Instant::now() + Duration::from_secs(20);
    while !p.finished() && Instant::now() < until {
        watch(&mut p, Duration::from_millis(50));
    }
    assert!(
        p.finished(),
        "played to the end: at {} of {}",
        p.position_secs(),
        p.duration_secs()
    );
    p.pause();
    let at = p.position_secs();
    watch(&mut p, Duration::from_millis(200));
    assert_eq!(p.position_secs(), at, "paused means still");
}

#[test]
fn a_hostile_or_broken_file_is_an_error_not_a_crash() {
    let _busy = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, vec![0x42u8; 100_000]).unwrap();
    let err = Player::open(&junk, 640, 0.0)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("is not a playable video"), "{err}");

    let good = dir.path().join("c.mp4");
    make_clip(&good);
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let mut p = Player::open(&cut, 640, 0.0).unwrap();
    p.set_speed(2.0);
    p.play();
    let until = Instant::now() + Duration::from_secs(20);
    while !p.finished() && p.error().is_none() && Instant::now() < until {
        watch(&mut p, Duration::from_millis(50));
    }
    let err = p.error().expect("a truncated file is reported");
    assert!(err.contains("the file is incomplete"), "{err}");
}
