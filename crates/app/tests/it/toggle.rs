//! `clipnote toggle`: the real binary reaching the real app (under Xvfb) over the control
//! socket. Each test has an XDG_RUNTIME_DIR of its own, so no two tests meet on a socket.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use testkit::world::{screen_lock, world};

use app::ui::Screen;
use egui_kittest::kittest::Queryable;
use fakes::NotionFake;

use crate::real_app::{files_ending, launch_app, wait_for_line};
use crate::ui::{Home, NOTION_TOKEN, harness, step_until_shown};

/// A private XDG_RUNTIME_DIR (0700, as a session's is). Every process started with it — the
/// apps `clipnote toggle` starts, detached, included — is killed when it is dropped.
struct Runtime(tempfile::TempDir);

impl Runtime {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn socket(&self) -> PathBuf {
        self.path().join("clipnote").join("control.sock")
    }

    /// The live processes whose environment names this folder.
    fn apps(&self) -> Vec<i32> {
        let needle = format!("XDG_RUNTIME_DIR={}", self.path().display()).into_bytes();
        let me = std::process::id() as i32;
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| *pid != me)
            .filter(|pid| {
                // A zombie's environment reads empty.
                std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == needle.as_slice()))
            })
            .collect()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let apps = self.apps();
            if apps.is_empty() || Instant::now() > deadline {
                return;
            }
            for pid in apps {
                // SAFETY: kill(2) on a process this test started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `clipnote toggle` as a desktop shortcut would run it, with the home's folders, the test
/// world's microphone and no countdown (XDG_RUNTIME_DIR is the caller's).
fn toggle_command(home: &Home) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clipnote"));
    command
        .arg("toggle")
        .env("CLIPNOTE_LIBRARY_DIR", home.path("library"))
        .env("CLIPNOTE_CONFIG_DIR", home.path("config"))
        .env("CLIPNOTE_OUTBOX_DIR", home.path("outbox"))
        .env("CLIPNOTE_COUNTDOWN", "off")
        .env("PULSE_SOURCE", world().mic);
    command
}

fn toggle(home: &Home, runtime: &Runtime) -> Output {
    toggle_command(home)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .expect("clipnote toggle runs")
}

/// What a successful toggle printed.
fn said(out: &Output) -> String {
    assert!(
        out.status.success(),
        "clipnote toggle failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// One request on the socket, as the protocol has it; the reply line.
fn ask(socket: &Path, request: &str) -> String {
    let mut stream = UnixStream::connect(socket).expect("the app answers on its socket");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.write_all(format!("{request}\n").as_bytes());
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    line
}

/// The one finished clip in `library`, once the recording is saved (the app may still be
/// rewriting it index-first when the toggle answers).
fn finished_clip(library: &Path) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let clips = files_ending(library, ".mp4");
        if files_ending(library, ".recording.mp4").is_empty() && clips.len() == 1 {
            return clips[0].clone();
        }
        assert!(Instant::now() < deadline, "no finished clip: {clips:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assert_longer_than_a_second(clip: &Path) {
    let probe = testkit::clip::Probe::of(clip).unwrap();
    assert!(probe.duration_secs() > 1.0, "{}", probe.duration_secs());
}

/// The socket and its folder are for their user alone.
fn assert_private(socket: &Path) {
    let meta = std::fs::symlink_metadata(socket).unwrap();
    assert!(meta.file_type().is_socket(), "{meta:?}");
    assert_eq!(meta.mode() & 0o777, 0o600, "the socket is 0600");
    let dir = std::fs::metadata(socket.parent().unwrap()).unwrap();
    assert_eq!(dir.mode() & 0o777, 0o700, "its folder is 0700");
}

#[test]
fn toggle_starts_and_stops_a_recording_in_the_running_app() {
    let _screen = screen_lock();
    let w = world();
    let home = Home::new();
    let runtime = Runtime::new();
    let library = home.path("library");
    let (_app, log) = launch_app(
        &home,
        &[
            ("PULSE_SOURCE", w.mic.as_ref()),
            ("XDG_RUNTIME_DIR", runtime.path().as_os_str()),
            ("CLIPNOTE_COUNTDOWN", "off".as_ref()),
        ],
    );
    wait_for_line(&log, "control: listening");
    assert_private(&runtime.socket());

    let out = toggle(&home, &runtime);
    assert_eq!(said(&out), "started a recording in the running Clipnote\n");
    // It answered once the recording was under way, not when it was asked for.
    assert_eq!(files_ending(&library, ".recording.mp4").len(), 1);
    wait_for_line(&log, "control: toggle");
    wait_for_line(&log, "recording: started");
    std::thread::sleep(Duration::from_secs(2));

    let out = toggle(&home, &runtime);
    assert_eq!(said(&out), "stopped the recording; Review is open\n");
    wait_for_line(&log, "control: toggle");
    wait_for_line(&log, "recording: finished");
    wait_for_line(&log, "app: review opened");
    assert_longer_than_a_second(&finished_clip(&library));
}

#[test]
fn with_no_app_running_toggle_starts_one_that_records_and_the_next_toggle_stops_it() {
    let _screen = screen_lock();
    let home = Home::new();
    let runtime = Runtime::new();
    let library = home.path("library");

    let out = toggle(&home, &runtime);
    assert_eq!(
        said(&out),
        "Clipnote was not running: started it, recording\n"
    );
    assert_eq!(
        files_ending(&library, ".recording.mp4").len(),
        1,
        "it answered only once the new app was recording"
    );
    let apps = runtime.apps();
    assert_eq!(apps.len(), 1, "one app was started: {apps:?}");
    // Detached: a session of its own, so closing the terminal that ran toggle does not end it.
    // SAFETY: getsid(2) reads a process's session id.
    assert_eq!(unsafe { libc::getsid(apps[0]) }, apps[0]);
    assert_private(&runtime.socket());
    std::thread::sleep(Duration::from_secs(2));

    let out = toggle(&home, &runtime);
    assert_eq!(said(&out), "stopped the recording; Review is open\n");
    assert_longer_than_a_second(&finished_clip(&library));
    assert_eq!(runtime.apps(), apps, "the same app goes on running");
}

#[test]
fn launching_clipnote_again_brings_the_running_window_forward_instead_of_a_second_app() {
    let _screen = screen_lock();
    let home = Home::new();
    let runtime = Runtime::new();
    let (_app, log) = launch_app(&home, &[("XDG_RUNTIME_DIR", runtime.path().as_os_str())]);
    wait_for_line(&log, "control: listening");
    let first = runtime.apps();
    assert_eq!(first.len(), 1, "{first:?}");
    let again = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .env("CLIPNOTE_LIBRARY_DIR", home.path("library"))
        .env("CLIPNOTE_CONFIG_DIR", home.path("config"))
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .expect("clipnote runs");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{}: {stderr}", again.status);
    assert!(
        stderr.contains("Clipnote is already running: its window was brought forward"),
        "{stderr}"
    );
    wait_for_line(&log, "control: show");
    // The raise itself is the window manager's to do (the test world has none to watch); what
    // is ours: one window, one app, still answering.
    assert_eq!(clipnote_windows().len(), 1, "one window, not two");
    assert_eq!(runtime.apps(), first, "the first app goes on, alone");
    assert_eq!(ask(&runtime.socket(), "status"), "idle\n");
}

/// The X windows named Clipnote.
fn clipnote_windows() -> Vec<String> {
    let out = Command::new("xdotool")
        .args(["search", "--name", "^Clipnote$"])
        .output()
        .expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// A socket file that nothing listens on, as a crashed app leaves it. (Whether it was replaced
/// shows in its answering: a new socket may well get the old one's inode number.)
fn leave_stale_socket(runtime: &Runtime) {
    let socket = runtime.socket();
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(socket.parent().unwrap())
        .unwrap();
    drop(UnixListener::bind(&socket).unwrap());
    let refused = UnixStream::connect(&socket).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn after_a_crash_toggle_replaces_the_stale_socket_with_a_new_app() {
    let _screen = screen_lock();
    let home = Home::new();
    let runtime = Runtime::new();
    leave_stale_socket(&runtime);

    let out = toggle(&home, &runtime);
    assert_eq!(
        said(&out),
        "Clipnote was not running: started it, recording\n"
    );
    let socket = runtime.socket();
    assert_private(&socket);
    // The phase, then whatever the window shows (here: no speech model installed).
    let status = ask(&socket, "status");
    assert!(status.starts_with("recording"), "{status}");
}

#[test]
fn an_app_starting_after_a_crash_replaces_the_stale_socket() {
    let _screen = screen_lock();
    let home = Home::new();
    let runtime = Runtime::new();
    leave_stale_socket(&runtime);
    let (_app, log) = launch_app(&home, &[("XDG_RUNTIME_DIR", runtime.path().as_os_str())]);
    wait_for_line(&log, "replacing a socket left by a Clipnote that is gone");
    wait_for_line(&log, "control: listening");
    let socket = runtime.socket();
    assert_private(&socket);
    assert_eq!(ask(&socket, "status"), "idle\n");
    assert!(
        ask(&socket, "quit").starts_with("refused unknown request"),
        "only toggle, status and show are understood"
    );
}

#[test]
fn another_user_is_refused_by_the_app_and_by_toggle() {
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: acting as another user needs root");
        return;
    }
    let _screen = screen_lock();
    let home = Home::new();
    let runtime = Runtime::new();
    let library = home.path("library");
    let (_app, log) = launch_app(&home, &[("XDG_RUNTIME_DIR", runtime.path().as_os_str())]);
    wait_for_line(&log, "control: listening");
    let socket = runtime.socket();

    // Suppose a mistake opened the folders and the socket to everyone: the app still asks the
    // kernel who is calling (SO_PEERCRED).
    for (path, mode) in [
        (runtime.path(), 0o711),
        (socket.parent().unwrap(), 0o711),
        (socket.as_path(), 0o666),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let nobody_socket = socket.clone();
    let reply = std::thread::Builder::new()
        .name("as-nobody".into())
        .spawn(move || {
            // The raw system call changes this thread's user only (libc's wrapper would change
            // every thread of the test process).
            // SAFETY: setresuid(2) on the calling thread, which ends right after.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_setresuid,
                    65534 as libc::c_long,
                    65534 as libc::c_long,
                    65534 as libc::c_long,
                )
            };
            assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
            ask(&nobody_socket, "toggle")
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(reply.starts_with("refused uid 65534"), "{reply}");
    let said = wait_for_line(&log, "refused a connection from another user");
    assert!(said.contains("65534"), "{said}");
    assert_eq!(ask(&socket, "status"), "idle\n", "nothing started");
    assert!(files_ending(&library, ".mp4").is_empty());

    // And `clipnote toggle` run by another user does not use a folder that is not its own.
    let out = toggle_command(&home)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .uid(65534)
        .gid(65534)
        .output()
        .expect("clipnote toggle runs as nobody");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(stderr.contains("belongs to uid 0"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn without_xdg_runtime_dir_toggle_says_what_to_do() {
    let home = Home::new();
    let out = toggle_command(&home)
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("clipnote toggle runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(stderr.contains("XDG_RUNTIME_DIR is not set"), "{stderr}");
    assert!(
        stderr.contains("desktop session"),
        "it names the fix: {stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn settings_say_where_to_bind_toggle_in_the_desktop() {
    let home = Home::new();
    let notion = NotionFake::start(NOTION_TOKEN, "5e3b1c2d4a6f48e19b7c0d2e3f4a5b6c");
    let mut options = home.options(&notion, NOTION_TOKEN);
    options.screen = Some(Screen::Settings);
    let mut h = harness(options);
    step_until_shown(&mut h, "Hotkey on Wayland");
    if std::env::var_os("XDG_CURRENT_DESKTOP").is_none() {
        // The test world names no desktop: the steps for any desktop.
        assert!(
            h.query_by_label_contains("add a custom shortcut that runs")
                .is_some(),
            "the generic steps are shown"
        );
    }
    assert!(
        h.query_by_label_contains("cannot reach this window: it is off in this session")
            .is_some(),
        "an app that does not listen says so"
    );
}

/// `clipnote` is a small program that toggles by itself and runs `clipnote-app` for the rest: a
/// hotkey's toggle does not load FFmpeg's libraries (~85 ms of dynamic linking here).
#[test]
fn the_clipnote_program_toggles_without_loading_ffmpeg_and_runs_the_full_one_for_the_rest() {
    let libs = |exe: &str| {
        let out = Command::new("ldd").arg(exe).output().expect("ldd runs");
        assert!(out.status.success(), "ldd {exe}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let front = libs(env!("CARGO_BIN_EXE_clipnote"));
    assert!(front.contains("libc.so"), "{front}");
    assert!(
        !front.contains("libav"),
        "the front program loads FFmpeg: {front}"
    );
    let full = libs(env!("CARGO_BIN_EXE_clipnote-app"));
    assert!(full.contains("libavcodec"), "{full}");

    // Everything else is the full program's, under the name people know.
    let version = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("clipnote "),
        "{version:?}"
    );
    let usage = Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .args(["toggle", "--nonsense"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2), "clap's usage error");
    assert!(
        String::from_utf8_lossy(&usage.stderr).contains("Usage: clipnote toggle"),
        "{usage:?}"
    );
}
