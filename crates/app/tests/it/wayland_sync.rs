//! A/V sync on Wayland with PipeWire (issue 10), measured as on X11: a rectangle in the corner
//! of the Wayland world's screen turns white (a layer-shell overlay, timed by the compositor's
//! presentation feedback) at the instant a beep starts playing into PipeWire's null sink (timed
//! by the sink's own clock), while `clipnote record` records that corner through the portal and
//! the sink's monitor through pipewire-pulse. In the clip, the flash and the beep line up.
//!
//! One recording's offset carries the portal's frame timing (xdpw copies the screen when it is
//! damaged, and a picture now and then comes a frame or two late: −33 and −60 ms were seen
//! between runs of −4 to −23 ms), so the offset is the median of three recordings, each printed.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use testkit::wayland_panel::Panel;
use testkit::world::{screen_lock, wayland_world, world};

use crate::wayland::{clipnote, text};

#[test]
fn on_wayland_with_pipewire_sound_and_pictures_stay_together() {
    let _screen = screen_lock();
    let mut offsets: Vec<f64> = (0..3).map(|_| one_offset_ms()).collect();
    eprintln!("A/V offsets of three recordings: {offsets:.1?} ms");
    offsets.sort_by(f64::total_cmp);
    let median = offsets[1];
    assert!(
        median.abs() <= 40.0,
        "audio is {median:+.1} ms from video (the median of {offsets:.1?})"
    );
}

/// Records the flash and the beep once; their offset in the clip.
fn one_offset_ms() -> f64 {
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("sync.mp4");
    let mut panel = Panel::show(&w, 320, 240);
    let mut child = clipnote(&w, home.path())
        .args([
            "record",
            "--region",
            "0,0,320,240",
            "--fps",
            "60",
            "--seconds",
            "5",
            "--mic",
            &world().mic,
            "--no-transcript",
            "--out",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("clipnote starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("Recording to") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "clipnote record did not start: {said}"
        );
        said.push_str(&line);
    }
    let flash_late = testkit::stimulus::beep(
        Some(&w.pulse),
        &world().sink,
        Duration::from_millis(1500),
        Duration::from_millis(400),
        || panel.flash(),
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "clipnote record: {said}{rest}");
    eprintln!("{}", text(rest.as_bytes()));

    testkit::stimulus::av_offset_ms(&out, flash_late)
}
