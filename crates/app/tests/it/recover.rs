//! `clipnote recover`: a recording cut off by `kill -9` becomes a clip that plays, with every
//! packet the crash left (record.rs shows that is all but the last second); one still being
//! written is left alone.

use std::process::Command;
use std::time::Duration;

use testkit::clip::{self, Probe};
use testkit::world::{screen_lock, world};

use crate::record::spawn_recording;

fn clipnote(library: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clipnote"));
    cmd.env("CLIPNOTE_LIBRARY_DIR", library);
    cmd
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
    let partial = std::fs::read_dir(library)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".recording.mp4"))
        .expect("the crash left the unfinished recording");
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
