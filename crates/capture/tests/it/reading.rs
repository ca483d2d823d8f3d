//! Reading clips back: info, decoding for a player, trimming, and untrusted files.

use std::path::Path;

use capture::clip::{self, Decoder};
use testkit::clip::Synth;
use testkit::world::screen_lock;

/// A 4-second 1280x720 clip with a keyframe every second and a tone.
fn make_clip(path: &Path) {
    Synth::default().make(path);
}

#[test]
fn info_reads_length_size_sound_and_keyframes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.mp4");
    make_clip(&path);
    let info = clip::info(&path).unwrap();
    assert!((info.duration_secs - 4.0).abs() < 0.1, "{info:?}");
    assert_eq!((info.width, info.height, info.has_audio), (1280, 720, true));
    let keys: Vec<i64> = info.keyframes.iter().map(|k| k.round() as i64).collect();
    assert_eq!(keys, vec![0, 1, 2, 3]);
}

#[test]
fn the_decoder_gives_scaled_pictures_in_order_and_seeks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.mp4");
    make_clip(&path);
    let mut d = Decoder::open(&path, 640).unwrap();
    assert_eq!(d.size(), (640, 360));
    let mut times = Vec::new();
    while let Some(f) = d.next_frame().unwrap() {
        assert_eq!((f.width, f.height, f.rgba.len()), (640, 360, 640 * 360 * 4));
        times.push(f.pts_secs);
    }
    assert_eq!(times.len(), 120, "30 fps for 4 s");
    assert!(times.windows(2).all(|w| w[1] > w[0]), "in order");
    d.seek(2.5).unwrap();
    let f = d.next_frame().unwrap().expect("a frame after the seek");
    assert!(
        (f.pts_secs - 2.5).abs() < 0.04,
        "seek to 2.5 gave {}",
        f.pts_secs
    );
    // testsrc2 is colourful: the picture is not blank.
    let distinct: std::collections::HashSet<&[u8]> = f.rgba.chunks(4).collect();
    assert!(distinct.len() > 50, "{} colours", distinct.len());
}

#[test]
fn trims_copy_at_keyframes_and_re_encode_otherwise() {
    let _busy = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.mp4");
    make_clip(&path);
    let copied = clip::trim(&path, &dir.path().join("copy.mp4"), 1.0, 3.0).unwrap();
    assert!(!copied.reencoded);
    assert!((copied.duration_secs - 2.0).abs() < 0.1, "{copied:?}");
    let cut = clip::trim(&path, &dir.path().join("cut.mp4"), 1.5, 3.0).unwrap();
    assert!(cut.reencoded);
    assert!((cut.duration_secs - 1.5).abs() < 0.1, "{cut:?}");
    for t in [&copied, &cut] {
        testkit::clip::decode_all(&t.path).expect("the trimmed clip decodes");
        assert!(testkit::clip::index_first(&t.path));
        let first = Decoder::open(&t.path, 320)
            .unwrap()
            .next_frame()
            .unwrap()
            .unwrap();
        assert!(
            first.pts_secs.abs() < 0.04,
            "a trim starts at zero, not {}",
            first.pts_secs
        );
    }
    let err = clip::trim(&path, &dir.path().join("none.mp4"), 3.0, 3.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("leaves nothing"), "{err}");
}

#[test]
fn untrusted_files_end_in_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mp4");
    let bytes: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&junk, &bytes).unwrap();
    let err = Decoder::open(&junk, 640)
        .err()
        .expect("random bytes are refused")
        .to_string();
    assert!(err.contains("is not a playable video"), "{err}");
    assert!(clip::info(&junk).is_err());

    let good = dir.path().join("c.mp4");
    make_clip(&good);
    let all = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.mp4");
    std::fs::write(&truncated, &all[..all.len() / 2]).unwrap();
    // Index first, data cut in half: the first half plays, then it ends or errs, never panics.
    let mut d = Decoder::open(&truncated, 320).unwrap();
    let mut frames = 0;
    while let Ok(Some(_)) = d.next_frame() {
        frames += 1;
        assert!(frames <= 120);
    }
    assert!(
        frames > 0 && frames < 120,
        "{frames} frames from half a file"
    );
}

#[test]
fn check_playable_passes_a_clip_and_names_what_is_wrong_with_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("c.mp4");
    make_clip(&good);
    let info = clip::check_playable(&good).expect("a real clip is playable");
    assert!((info.duration_secs - 4.0).abs() < 0.1, "{info:?}");

    let reason = |path: &Path| {
        let err = clip::check_playable(path)
            .err()
            .unwrap_or_else(|| panic!("{} was let through", path.display()))
            .to_string();
        assert!(err.contains("is not a playable video"), "{err}");
        err
    };
    let noise = dir.path().join("noise.mp4");
    let bytes: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&noise, &bytes).unwrap();
    let err = reason(&noise);
    assert!(err.contains("no video stream"), "{err}");

    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    assert!(reason(&empty).contains("it is empty"));

    let folder = dir.path().join("folder.mp4");
    std::fs::create_dir(&folder).unwrap();
    assert!(reason(&folder).contains("it is a folder"));

    // Index first, then the data cut in half: its header promises 4 s, its packets stop at 2.
    let all = std::fs::read(&good).unwrap();
    let half = dir.path().join("half.mp4");
    std::fs::write(&half, &all[..all.len() / 2]).unwrap();
    let err = reason(&half);
    assert!(
        err.contains("of its 4.0 s: the file is incomplete"),
        "{err}"
    );

    // Sound only: no video stream.
    let sound = dir.path().join("sound.m4a");
    let o = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("sine=frequency=440:duration=2")
        .args(["-c:a", "aac"])
        .arg(&sound)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(reason(&sound).contains("no video stream"));
}

/// The top-level boxes of an MP4 file: (start, type, size).
fn top_level_boxes(bytes: &[u8]) -> Vec<(usize, [u8; 4], usize)> {
    let mut boxes = Vec::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        boxes.push((pos, bytes[pos + 4..pos + 8].try_into().unwrap(), size));
        pos += size.max(8);
    }
    boxes
}

#[test]
fn a_recording_cut_off_inside_a_fragment_header_is_made_whole_up_to_that_fragment() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("c.recording.mp4");
    // Fragmented as the recorder writes it (an empty index, then half-second fragments).
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=640x360:rate=30:duration=4")
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=4",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
        ])
        .args([
            "-movflags",
            "empty_moov+default_base_moof",
            "-frag_duration",
            "500000",
        ])
        .args(["-f", "mp4"])
        .arg(&recording)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let bytes = std::fs::read(&recording).unwrap();
    let boxes = top_level_boxes(&bytes);
    let (last_moof, _, moof_size) = *boxes
        .iter()
        .rev()
        .find(|b| &b.1 == b"moof")
        .expect("a fragment");
    // A full disk or a crash stopped the write inside the last fragment's header.
    std::fs::write(&recording, &bytes[..last_moof + moof_size - 10]).unwrap();

    let out = dir.path().join("c.mp4");
    capture::finalize(&recording, &out).expect("the whole fragments are kept");
    let info = clip::check_playable(&out).unwrap();
    assert!(
        info.duration_secs > 3.0 && info.duration_secs < 4.1,
        "kept {} s of 4",
        info.duration_secs
    );
    assert!(info.has_audio);
}
