//! Records for real in the test world and reads the result back.

mod cut;
mod fit;
mod player;
mod reading;
mod stimulus;

use std::path::PathBuf;
use std::time::Duration;

use capture::{Mic, RecordSettings, Recording, Source};
use testkit::clip::{self, Probe};
use testkit::world::{NullSink, screen_lock, world};

fn settings(dir: &tempfile::TempDir, name: &str) -> RecordSettings {
    let w = world();
    let mut s = RecordSettings::new(dir.path().join(name));
    s.mic = Mic::Named(w.mic);
    s
}

fn record_for(settings: RecordSettings, secs: f64) -> capture::Finished {
    let rec = Recording::start(settings).expect("recording starts");
    std::thread::sleep(Duration::from_secs_f64(secs));
    rec.stop().expect("recording stops cleanly")
}

#[test]
fn records_h264_and_aac_of_the_asked_length_with_the_tone() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let done = record_for(settings(&dir, "a.mp4"), 3.0);
    let probe = Probe::of(&done.path).expect("ffprobe reads the clip");
    let v = probe.stream("video").expect("a video stream");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    let a = probe.stream("audio").expect("an audio stream");
    assert_eq!(a["codec_name"], "aac");
    assert_eq!(a["profile"], "LC");
    assert_eq!(a["sample_rate"], "48000");
    let duration = probe.duration_secs();
    assert!((duration - 3.0).abs() <= 0.3, "asked 3 s, got {duration} s");
    assert!(
        clip::index_first(&done.path),
        "moov must come before mdat for instant start"
    );
    assert!(
        !settings(&dir, "a.mp4").partial_path().exists(),
        "the fragmented file is removed"
    );

    let samples = clip::audio_samples(&done.path);
    let body = &samples[samples.len() / 4..samples.len() * 3 / 4];
    let rms = clip::rms(body);
    assert!(rms > 0.01, "the audio is silent (rms {rms})");
    let tone = clip::tone_amplitude(body, 440.0, 48_000.0);
    let off = clip::tone_amplitude(body, 1000.0, 48_000.0);
    assert!(
        tone > 0.01 && tone > 10.0 * off,
        "440 Hz amplitude {tone}, 1 kHz {off}"
    );
    clip::decode_all(&done.path).expect("every frame decodes");
}

#[test]
fn pause_cuts_out_the_paused_span() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let rec = Recording::start(settings(&dir, "p.mp4")).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(rec.pause());
    std::thread::sleep(Duration::from_millis(2500));
    assert!(rec.resume());
    std::thread::sleep(Duration::from_millis(1500));
    let done = rec.stop().unwrap();
    let duration = Probe::of(&done.path).unwrap().duration_secs();
    assert!(
        (duration - 3.0).abs() <= 0.3,
        "5.5 s with 2.5 s paused should give 3 s, got {duration}"
    );
    let samples = clip::audio_samples(&done.path);
    let audio_secs = samples.len() as f64 / 48_000.0;
    assert!(
        (audio_secs - 3.0).abs() <= 0.3,
        "audio lasts {audio_secs} s"
    );
}

#[test]
fn a_muted_microphone_records_silence_until_unmuted() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&dir, "m.mp4");
    s.mic_muted = true;
    let rec = Recording::start(s).unwrap();
    assert!(rec.is_mic_muted());
    std::thread::sleep(Duration::from_millis(2000));
    rec.set_mic_muted(false);
    std::thread::sleep(Duration::from_millis(2000));
    let done = rec.stop().unwrap();
    let samples = clip::audio_samples(&done.path);
    let n = samples.len();
    assert!(n > 48_000 * 3, "about 4 s of sound, got {n} samples");
    // The muted first second and a half against the unmuted last one and a half.
    let muted = clip::rms(&samples[n / 20..n * 7 / 20]);
    let live = clip::rms(&samples[n * 13 / 20..n * 19 / 20]);
    assert!(muted < 0.001, "muted part is not silent (rms {muted})");
    assert!(live > 0.01, "unmuted part is silent (rms {live})");
    let tone = clip::tone_amplitude(&samples[n * 13 / 20..n * 19 / 20], 440.0, 48_000.0);
    assert!(
        tone > 0.01,
        "the tone is back after unmuting (440 Hz amplitude {tone})"
    );
}

#[test]
fn the_mic_meter_shows_the_level_before_recording() {
    let w = world();
    let (tx, rx) = std::sync::mpsc::sync_channel(256);
    let meter = capture::mic::MicMeter::start(&Mic::Named(w.mic), move |level| {
        let _ = tx.try_send(level);
    })
    .expect("the meter opens the test microphone")
    .expect("a meter for a named microphone");
    let mut loudest = 0.0f32;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while loudest < 0.05 && std::time::Instant::now() < deadline {
        if let Ok(level) = rx.recv_timeout(Duration::from_millis(200)) {
            loudest = loudest.max(level);
        }
    }
    assert!(
        loudest >= 0.05,
        "the tone never showed on the meter (peak {loudest})"
    );
    assert!(meter.level() > 0.0);
    drop(meter);
    assert!(
        capture::mic::MicMeter::start(&Mic::None, |_| {})
            .unwrap()
            .is_none(),
        "no meter without a microphone"
    );
    // A microphone that is not there says so, without blocking the caller.
    let (tx, rx) = std::sync::mpsc::sync_channel(4);
    let missing = capture::mic::MicMeter::start(&Mic::Named("no-such-mic".into()), move |l| {
        let _ = tx.try_send(l);
    })
    .unwrap()
    .unwrap();
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the meter reports its failure");
    let problem = missing.problem().expect("a problem in words");
    assert!(problem.contains("no-such-mic"), "{problem}");
}

/// A second output for one test: a null sink with a 1 kHz tone playing into it, removed
/// (module unloaded, player stopped) when dropped.
struct SecondOutput {
    player: std::process::Child,
    monitor: String,
    _sink: NullSink,
}

impl SecondOutput {
    fn start(name: &str) -> SecondOutput {
        let sink = NullSink::load(name);
        let player = std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i"])
            .arg("sine=frequency=1000:sample_rate=48000")
            .args(["-f", "pulse", "-device", name, "clipnote-second-output"])
            .spawn()
            .expect("ffmpeg plays into the second output");
        // Let the tone reach the sink before anything records it.
        std::thread::sleep(Duration::from_millis(700));
        SecondOutput {
            player,
            monitor: sink.monitor(),
            _sink: sink,
        }
    }
}

impl Drop for SecondOutput {
    fn drop(&mut self) {
        // The player stops first; the sink is unloaded after this, with the field.
        let _ = self.player.kill();
        let _ = self.player.wait();
    }
}

#[test]
fn system_audio_is_recorded_and_mixed_with_the_microphone() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    // The microphone hears the world's 440 Hz tone; the computer plays 1 kHz on another output.
    let output = SecondOutput::start("clipnote_test_output");
    let mut s = settings(&dir, "sys.mp4");
    s.mic = Mic::None;
    s.system_audio = true;
    s.system_audio_source = Some(output.monitor.clone());
    let only_system = record_for(s, 2.0);
    let mut s = settings(&dir, "both.mp4");
    s.system_audio = true;
    s.system_audio_source = Some(output.monitor.clone());
    let both = record_for(s, 2.0);
    drop(output);
    let tones = |path: &std::path::Path| {
        let samples = clip::audio_samples(path);
        let body = &samples[samples.len() / 4..samples.len() * 3 / 4];
        (
            clip::tone_amplitude(body, 440.0, 48_000.0),
            clip::tone_amplitude(body, 1000.0, 48_000.0),
        )
    };
    let (mic_alone, sys_alone) = tones(&only_system.path);
    assert!(
        sys_alone > 0.01,
        "system audio alone carries its 1 kHz tone: {sys_alone}"
    );
    assert!(
        mic_alone < sys_alone / 10.0,
        "no microphone in the system-only clip: 440 Hz {mic_alone} vs 1 kHz {sys_alone}"
    );
    let (mic, sys) = tones(&both.path);
    assert!(
        mic > 0.01 && sys > 0.01,
        "the mix carries both the microphone (440 Hz: {mic}) and the computer (1 kHz: {sys})"
    );
}

#[test]
fn a_still_screen_is_not_converted_or_encoded_again() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let _panel = stimulus::Panel::show(100, 100, 640, 360);
    let mut s = settings(&dir, "still.mp4");
    s.source = Source::Region {
        x: 100,
        y: 100,
        width: 640,
        height: 360,
    };
    s.mic = Mic::None;
    let done = record_for(s, 3.0);
    let total = done.frames_captured;
    assert!(total > 45, "the source delivered {total} frames in 3 s");
    assert!(
        done.frames_unchanged * 10 >= total * 8,
        "only {} of {total} still frames were skipped",
        done.frames_unchanged
    );
    let probe = Probe::of(&done.path).unwrap();
    assert!(
        probe.stream("audio").is_none(),
        "--mic none records no audio"
    );
    let duration = probe.duration_secs();
    assert!(
        (duration - 3.0).abs() <= 0.3,
        "a still clip keeps its length: {duration} s"
    );
}

/// The screen turns white at the instant a beep starts on the microphone; in the clip the
/// flash and the beep's onset must be at most 40 ms apart. The flash comes a few ms after the
/// onset (the stimulus polls the sink's play position); that lateness, measured by the sink's
/// clock, is the stimulus's and is taken out of the offset.
#[test]
fn audio_and_video_stay_in_sync() {
    let _screen = screen_lock();
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let panel = stimulus::Panel::show(0, 0, 320, 240);
    let mut s = settings(&dir, "sync.mp4");
    s.source = Source::Region {
        x: 0,
        y: 0,
        width: 320,
        height: 240,
    };
    s.fps = 60;
    let rec = Recording::start(s).unwrap();
    let flash_late = testkit::stimulus::beep(
        None,
        &w.sink,
        Duration::from_millis(1500),
        Duration::from_millis(400),
        || {
            // The X server draws it somewhere in the round trip: count half of it.
            let asked = std::time::Instant::now();
            panel.flash();
            asked.elapsed() / 2
        },
    );
    let done = rec.stop().unwrap();

    let offset_ms = testkit::stimulus::av_offset_ms(&done.path, flash_late);
    assert!(
        offset_ms.abs() <= 40.0,
        "audio is {offset_ms:+.1} ms from video"
    );
}

#[test]
fn a_bad_microphone_or_screen_is_refused_with_the_fix() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&dir, "x.mp4");
    s.mic = Mic::Named("no-such-mic".into());
    let err = Recording::start(s)
        .err()
        .expect("unknown mic refused")
        .to_string();
    assert!(
        err.contains("no-such-mic") && err.contains(&world().mic) && err.contains("--mic none"),
        "{err}"
    );

    let mut s = settings(&dir, "x.mp4");
    s.source = Source::Screen(7);
    let err = Recording::start(s)
        .err()
        .expect("unknown screen refused")
        .to_string();
    assert!(
        err.contains("no screen 7") && err.contains("clipnote devices"),
        "{err}"
    );

    let mut s = settings(&dir, "x.mp4");
    s.source = Source::Region {
        x: 1800,
        y: 0,
        width: 640,
        height: 480,
    };
    let err = Recording::start(s)
        .err()
        .expect("region off screen refused")
        .to_string();
    assert!(err.contains("does not fit"), "{err}");

    let s = RecordSettings::new(PathBuf::from("/nonexistent-folder/x.mp4"));
    let err = Recording::start(s)
        .err()
        .expect("missing folder refused")
        .to_string();
    assert!(
        err.contains("does not exist") && err.contains("--out"),
        "{err}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing left behind"
    );
}
