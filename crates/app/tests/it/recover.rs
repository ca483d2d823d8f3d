//! `clipnote recover`: a recording cut off by `kill -9` becomes a clip that plays, with every
//! packet the crash left (record.rs shows that is all but the last second); one still being
//! written is left alone.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::Duration;

use testkit::clip::{self, Probe};
use testkit::world::{screen_lock, world};

use crate::real_app::{launch_app, wait_for_line};
use crate::record::spawn_recording;
use crate::ui::{Home, NOTION_TOKEN, harness, posted, step_until, step_until_shown};
use app::ui::review::PostState;
use egui_kittest::kittest::Queryable;

fn clipnote(library: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clipnote"));
    cmd.env("CLIPNOTE_LIBRARY_DIR", library);
    cmd
}

/// The unfinished recording a crash left in `library`.
fn leftover(library: &std::path::Path) -> Option<std::path::PathBuf> {
    std::fs::read_dir(library)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".recording.mp4"))
}

fn recover_json(library: &std::path::Path) -> (std::process::Output, serde_json::Value) {
    let o = clipnote(library)
        .args(["recover", "--json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    (o, v)
}

/// (video, audio) packets in a file, as `ffprobe` counts them.
fn packets(path: &std::path::Path) -> (u64, u64) {
    let count = |stream: &str| {
        let o = Command::new("ffprobe")
            .args(["-v", "error", "-count_packets", "-select_streams", stream])
            .args(["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0"])
            .arg(path)
            .output()
            .expect("ffprobe runs");
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    };
    (count("v"), count("a"))
}

#[test]
fn a_recording_killed_mid_way_is_recovered_into_a_clip_that_plays() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path();
    let mut cmd = clipnote(library);
    cmd.args(["record", "--mic", &world().mic]);
    let (mut live, _) = spawn_recording(cmd);
    std::thread::sleep(Duration::from_secs(2));

    // While it records, its file is not touched.
    let (o, v) = recover_json(library);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(v, serde_json::json!([]));

    std::thread::sleep(Duration::from_secs(3));
    live.kill().unwrap(); // SIGKILL: a crash
    live.wait().unwrap();
    let partial = leftover(library).expect("the crash left the unfinished recording");
    let before = packets(&partial);
    assert!(before.0 > 0 && before.1 > 0, "{before:?}");

    let (o, v) = recover_json(library);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1, "{v:#}");
    let path = std::path::PathBuf::from(list[0]["path"].as_str().unwrap());
    assert!(path.starts_with(library) && path.extension().unwrap() == "mp4");
    assert!(!path.to_str().unwrap().ends_with(".recording.mp4"));
    // Every picture and sound packet the crash left is in the clip.
    assert_eq!(packets(&path), before);
    let probe = Probe::of(&path).unwrap();
    assert!(probe.stream("video").is_some() && probe.stream("audio").is_some());
    assert!(probe.duration_secs() > 1.0, "{}", probe.duration_secs());
    clip::decode_all(&path).expect("the recovered clip decodes");
    assert!(clip::index_first(&path), "recovered with the index first");
    let leftovers: Vec<_> = std::fs::read_dir(library)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".recording.mp4"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Nothing more to do; people read one line.
    let o = clipnote(library).arg("recover").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("No unfinished recordings"));
}

#[test]
fn a_leftover_that_is_not_a_clip_is_kept_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("clip-x.recording.mp4");
    std::fs::write(&partial, vec![7u8; 4096]).unwrap();
    let o = clipnote(dir.path()).arg("recover").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(12), "{err}");
    assert!(
        err.contains("cannot recover") && err.contains("kept"),
        "{err}"
    );
    assert!(partial.exists(), "never lose a recording");
}

#[test]
fn the_app_killed_mid_recording_offers_the_recording_at_its_next_start_and_it_posts_like_any_other()
{
    let _screen = screen_lock();
    let home = Home::new();
    let library = home.path("library");
    // The real app records (started over its control socket, as the hotkey's `clipnote toggle`
    // does), then is killed.
    let runtime = tempfile::tempdir().unwrap();
    std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let (mut app, log) = launch_app(
        &home,
        &[
            ("XDG_RUNTIME_DIR", runtime.path().as_os_str()),
            ("PULSE_SOURCE", world().mic.as_ref()),
            ("CLIPNOTE_COUNTDOWN", "off".as_ref()),
        ],
    );
    wait_for_line(&log, "control: listening");
    let socket = runtime.path().join("clipnote").join("control.sock");
    let mut stream = UnixStream::connect(&socket).unwrap();
    stream.write_all(b"toggle\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).unwrap();
    assert_eq!(reply, "started\n");
    wait_for_line(&log, "recording: started");
    let started = std::time::Instant::now();
    std::thread::sleep(Duration::from_secs(4));
    app.0.kill().unwrap(); // SIGKILL: a crash
    let recorded = started.elapsed().as_secs_f64();
    app.0.wait().unwrap();
    let partial = leftover(&library).expect("the crash left the unfinished recording");

    // The next launch finds it, makes it whole and offers it.
    let notion = fakes::NotionFake::start(NOTION_TOKEN, "5e3b1c2d4a6f48e19b7c0d2e3f4a5b6c");
    let mut h = harness(home.options(&notion, NOTION_TOKEN));
    step_until_shown(&mut h, "Recovered a recording from");
    assert!(!partial.exists(), "the leftover is replaced by the clip");
    h.get_by_label("Review it").click();
    step_until(&mut h, "the recovered clip in Review", |app| {
        app.review_clip().is_some()
    });
    let clip = h.state().review_clip().unwrap().clone();
    assert!(clip.path.starts_with(&library), "{}", clip.path.display());
    assert!(!clip.path.to_string_lossy().ends_with(".recording.mp4"));
    assert!(
        clip.duration_secs >= recorded - 1.0,
        "{} s recovered of {recorded:.1} s recorded",
        clip.duration_secs
    );
    assert!(clip.has_audio, "the sound is kept too");

    // Ready to post, as any clip: to the library (the default destination).
    h.get_by_label("Post").click();
    step_until(&mut h, "the post of the recovered clip", posted);
    assert!(
        matches!(h.state().post_state(), PostState::Posted { .. }),
        "{:?}",
        h.state().post_state()
    );
    let sidecars = std::fs::read_dir(&library)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(sidecars, 1, "posted once, with its sidecar");
    assert!(leftover(&library).is_none());
}
