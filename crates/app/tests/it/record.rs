//! `clipnote record` and `clipnote devices` end to end: real screen, real microphone, real files.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use testkit::clip::{self, Probe};
use testkit::world::{screen_lock, world};

fn clipnote() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clipnote"))
}

fn run(args: &[&str]) -> Output {
    clipnote().args(args).output().expect("clipnote runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts a recording and returns once it is under way (its "Recording to" line is out).
fn start_recording(args: &[&str]) -> (Child, Instant) {
    let mut cmd = clipnote();
    cmd.arg("record").args(args);
    spawn_recording(cmd)
}

/// Spawns `cmd` (a `clipnote record …` in some world) and returns once its "Recording to" line
/// is out.
pub(crate) fn spawn_recording(cmd: Command) -> (Child, Instant) {
    let (child, rest, started) = spawn_until_recording(cmd);
    drop(rest); // read to its end (the recording must never block on a full pipe), unused
    (child, started)
}

/// [`spawn_recording`], with a thread reading the rest of what it says on stderr.
fn spawn_until_recording(mut cmd: Command) -> (Child, std::thread::JoinHandle<String>, Instant) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clipnote starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).expect("stderr readable") > 0 {
        if line.contains("Recording to") {
            let started = Instant::now();
            let rest = std::thread::Builder::new()
                .name("read-stderr".into())
                .spawn(move || {
                    let mut rest = String::new();
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
                    rest
                })
                .unwrap();
            return (child, rest, started);
        }
        line.clear();
    }
    let _ = child.kill();
    let status = child.wait();
    panic!("clipnote record did not start ({status:?}): {line}");
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

#[test]
fn a_recording_plays_to_the_end_in_a_browser() {
    let _screen = screen_lock();
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("standup.mp4");
    let o = run(&[
        "record",
        "--seconds",
        "3",
        "--mic",
        &w.mic,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout).trim(),
        out.to_str().unwrap(),
        "prints the clip's path"
    );
    let result = clip::play_in_browser(&w.chromium, &out);
    assert!(result.starts_with("ended"), "Chromium: {result}");
    let played: f64 = result.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!((played - 3.0).abs() <= 0.3, "Chromium played {played} s");
    assert!(result.ends_with("1920x1080"), "{result}");
}

#[test]
fn without_out_the_clip_goes_to_the_library_and_json_reports_it() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let o = clipnote()
        .args(["record", "--seconds", "1", "--mic", "none", "--json"])
        .env("CLIPNOTE_LIBRARY_DIR", dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let path = PathBuf::from(report["path"].as_str().unwrap());
    assert_eq!(path.parent(), Some(dir.path()));
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("clip-") && name.ends_with(".mp4"),
        "{name}"
    );
    assert!(path.exists());
    assert_eq!(report["dropped_frames"].as_u64().map(|_| ()), Some(()));
    assert_eq!(report["has_audio"], false);
}

#[test]
fn sigterm_stops_and_finishes_the_clip() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.mp4");
    let (child, _) = start_recording(&["--mic", &world().mic, "--out", out.to_str().unwrap()]);
    std::thread::sleep(Duration::from_secs(2));
    signal(&child, libc::SIGTERM);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "exit {:?}", o.status);
    assert!(clip::index_first(&out), "finished with the index first");
    assert!(Probe::of(&out).unwrap().duration_secs() >= 1.7);
}

#[test]
fn kill_9_leaves_a_playable_file_missing_at_most_the_last_second() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k.mp4");
    let (mut child, started) =
        start_recording(&["--mic", &world().mic, "--out", out.to_str().unwrap()]);
    std::thread::sleep(Duration::from_secs(5));
    child.kill().unwrap(); // SIGKILL
    let recorded = started.elapsed().as_secs_f64();
    child.wait().unwrap();
    assert!(!out.exists(), "no finished clip after a crash");
    let partial = dir.path().join("k.recording.mp4");
    clip::decode_all(&partial).expect("the partial file decodes");
    let probe = Probe::of(&partial).unwrap();
    assert!(probe.stream("video").is_some() && probe.stream("audio").is_some());
    let kept = probe.duration_secs();
    eprintln!("killed after {recorded:.2} s; the file holds {kept:.2} s");
    assert!(kept >= recorded - 1.0, "lost {:.2} s", recorded - kept);
}

fn assert_refused(args: &[&str], env: &[(&str, Option<&str>)], code: i32, says: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let mut cmd = clipnote();
    cmd.args(args).arg("--out").arg(&out);
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let o = cmd.output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    for s in says {
        assert!(err.contains(s), "{args:?}: {err:?} should say {s:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "{args:?} left files behind"
    );
}

#[test]
fn bad_input_gets_an_error_that_names_the_fix() {
    let _screen = screen_lock();
    let mic = world().mic;
    let rec = |extra: &[&'static str]| -> Vec<&'static str> { [&["record"], extra].concat() };
    assert_refused(
        &rec(&[]),
        &[("DISPLAY", None)],
        3,
        &["DISPLAY is not set", "graphical session"],
    );
    assert_refused(
        &rec(&[]),
        &[("DISPLAY", Some(":9876"))],
        3,
        &["cannot open the display", ":9876"],
    );
    assert_refused(
        &rec(&["--screen", "9"]),
        &[],
        3,
        &["no screen 9", "clipnote devices"],
    );
    assert_refused(
        &rec(&["--window", "no window is called this"]),
        &[],
        3,
        &["no window", "clipnote devices"],
    );
    assert_refused(
        &["record", "--mic", "nope"],
        &[],
        3,
        &["\"nope\"", &mic, "--mic none"],
    );
    assert_refused(
        &rec(&["--region", "0,0,99999,10"]),
        &[],
        2,
        &["does not fit"],
    );
    assert_refused(&rec(&["--region", "a,b"]), &[], 2, &["X,Y,W,H"]);
    assert_refused(&rec(&["--fps", "0"]), &[], 2, &["--fps"]);
    assert_refused(
        &rec(&["--seconds", "0"]),
        &[],
        2,
        &["--seconds 0 is not a positive"],
    );
    assert_refused(
        &rec(&["--screen", "0", "--window", "x"]),
        &[],
        2,
        &["cannot be used with"],
    );
    let o = run(&[
        "record",
        "--out",
        "/nonexistent-folder/x.mp4",
        "--mic",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("does not exist") && text(&o.stderr).contains("--out"));
}

/// A small tmpfs that fills up a few seconds into a recording (we run as root in the rig).
pub(crate) struct SmallDisk(pub(crate) PathBuf);

impl SmallDisk {
    pub(crate) fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "mounting a small disk needs root: {}",
            text(&o.stderr)
        );
        Self(at.to_owned())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

impl SmallDisk {
    /// Fills the disk with a ballast file until only `leave` bytes are free (0: until it is
    /// full).
    pub(crate) fn fill_leaving(&self, leave: u64) {
        use std::io::Write;
        let mut ballast = std::fs::File::create(self.0.join("ballast")).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            let free = app::disk::free_bytes(&self.0).unwrap();
            if free <= leave {
                return;
            }
            let n = usize::try_from(free - leave).unwrap().min(block.len());
            if ballast.write_all(&block[..n]).is_err() {
                return; // full
            }
            let _ = ballast.flush();
        }
    }
}

#[test]
fn a_recording_is_refused_with_the_fix_when_the_disk_has_no_room_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("small"), "4m");
    let out = disk.0.join("clip.mp4");
    let o = run(&[
        "record",
        "--seconds",
        "3",
        "--mic",
        "none",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains("only 4.0 MiB free in")
            && err.contains("Nothing was recorded")
            && err.contains("free some space"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&disk.0).unwrap().flatten().collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}

#[test]
fn a_disk_about_to_fill_is_named_while_recording() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("small"), "48m");
    // Room to start (14 minutes at the estimate) — then something else fills the disk.
    let out = disk.0.join("clip.mp4");
    let mut cmd = clipnote();
    cmd.args(["record", "--seconds", "5", "--mic", "none", "--out"])
        .arg(&out);
    let (mut child, said, _) = spawn_until_recording(cmd);
    disk.fill_leaving(8 * 1024 * 1024);
    let status = child.wait().unwrap();
    let said = said.join().unwrap();
    assert!(status.success(), "{status}: {said}");
    let warning = said
        .lines()
        .find(|l| l.contains("clipnote: warning: the disk is almost full"))
        .unwrap_or_else(|| panic!("no warning in: {said}"));
    assert!(
        warning.contains("what is recorded is kept") && warning.contains("free some space"),
        "{warning}"
    );
    assert_eq!(said.matches("the disk is almost full").count(), 1, "{said}");
    assert!(Probe::of(&out).unwrap().duration_secs() > 4.0);
}

#[test]
fn a_full_disk_stops_the_recording_and_keeps_what_was_written() {
    let _screen = screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("small"), "48m");
    let out = disk.0.join("full.mp4");
    let mut cmd = clipnote();
    cmd.args(["record", "--seconds", "60", "--mic", &world().mic, "--out"])
        .arg(&out);
    let (mut child, said, _) = spawn_until_recording(cmd);
    // Once some of it is on disk (a loaded machine may take a while to write the first
    // fragments), something else fills the disk.
    let partial = disk.0.join("full.recording.mp4");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Probe::of(&partial).map_or(true, |p| p.duration_secs() < 1.0) {
        assert!(Instant::now() < deadline, "nothing was written");
        std::thread::sleep(Duration::from_millis(100));
    }
    disk.fill_leaving(0);
    let status = child.wait().unwrap();
    let err = said.join().unwrap();
    assert_eq!(status.code(), Some(4), "{err}");
    assert!(
        err.contains("disk is full") && err.contains("kept"),
        "{err}"
    );
    let kept = Probe::of(&partial)
        .expect("what was written is playable")
        .duration_secs();
    assert!(kept > 0.5, "kept {kept} s");
}

#[test]
fn devices_lists_the_screen_and_the_microphone() {
    let w = world();
    let o = run(&["devices", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(d["display"], w.display.as_str());
    assert_eq!(d["screens"][0]["width"], 1920);
    let mics = d["microphones"].as_array().unwrap();
    assert!(mics.iter().any(|m| m["name"] == w.mic.as_str()), "{mics:?}");
    let table = text(&run(&["devices"]).stdout);
    assert!(
        table.contains("Microphones") && table.contains(&w.mic),
        "{table}"
    );
}

/// `record --json` into a temporary folder with `mic`: its report and what it said on stderr.
fn record_json(secs: &str, mic: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip.mp4");
    let o = run(&[
        "record",
        "--seconds",
        secs,
        "--mic",
        mic,
        "--no-transcript",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let report = serde_json::from_slice(&o.stdout).expect("one JSON object");
    (report, stderr)
}

#[test]
fn a_microphone_that_gives_only_silence_is_named_while_recording() {
    let _screen = screen_lock();
    // A null sink's monitor with nothing playing: a microphone that gives digital silence.
    let silent = testkit::world::NullSink::load("clipnote_record_silent");
    let (report, stderr) = record_json("7", &silent.monitor());
    let warning = format!(
        "clipnote: warning: no sound from {} for 5 s — check the input",
        silent.monitor()
    );
    assert_eq!(stderr.matches(&warning).count(), 1, "said once: {stderr}");
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{report}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("choose another microphone"),
        "{report}"
    );
    assert_eq!(
        report["has_audio"], true,
        "the (silent) sound track is kept"
    );

    // The test world's microphone, fed a tone, gives sound: no warning.
    let (report, stderr) = record_json("7", &world().mic);
    assert!(!stderr.contains("no sound from"), "{stderr}");
    assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
}
