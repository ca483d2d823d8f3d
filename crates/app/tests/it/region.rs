//! `clipnote pick-region`: the full-screen overlay, dragged with real pointer events.

use std::process::{Command, Stdio};
use std::time::Duration;

use testkit::world::screen_lock;

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Starts `clipnote pick-region` and waits until its overlay window is on the screen.
fn open_overlay() -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .arg("pick-region")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clipnote starts");
    for _ in 0..300 {
        if !xdotool(&["search", "--onlyvisible", "--name", "choose a region"])
            .trim()
            .is_empty()
        {
            // Let it draw its first frames before the pointer moves.
            std::thread::sleep(Duration::from_millis(500));
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the region overlay never appeared");
}

#[test]
fn a_region_dragged_on_the_overlay_is_printed_and_records_at_that_size() {
    let _screen = screen_lock();
    let child = open_overlay();
    xdotool(&["mousemove", "200", "150", "mousedown", "1"]);
    std::thread::sleep(Duration::from_millis(200));
    xdotool(&["mousemove", "400", "300"]);
    std::thread::sleep(Duration::from_millis(200));
    xdotool(&["mousemove", "601", "451"]);
    std::thread::sleep(Duration::from_millis(200));
    xdotool(&["mouseup", "1"]);
    let out = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        printed, "200,150,400,300",
        "an even-sized region where it was dragged"
    );

    // What it prints is what `record --region` takes.
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("region.mp4");
    let status = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .args([
            "record",
            "--mic",
            "none",
            "--seconds",
            "1",
            "--region",
            &printed,
            "--out",
        ])
        .arg(&clip)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let probe = testkit::clip::Probe::of(&clip).unwrap();
    let v = probe.stream("video").unwrap();
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(400), Some(300))
    );
}

#[test]
fn escape_on_the_overlay_chooses_nothing_and_says_so() {
    let _screen = screen_lock();
    let child = open_overlay();
    xdotool(&[
        "search",
        "--onlyvisible",
        "--name",
        "choose a region",
        "windowfocus",
        "--sync",
        "%1",
        "key",
        "Escape",
    ]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("no region was chosen"), "{said}");
}
