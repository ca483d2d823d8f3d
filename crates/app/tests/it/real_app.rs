//! The real `clipnote` app under Xvfb, driven as a person would from outside: key presses
//! with `xdotool`, a private D-Bus session bus watched with `dbus-monitor`, its log lines.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Duration;

use testkit::world::{screen_lock, world};

use crate::ui::Home;

/// A running `clipnote`, stopped when dropped — also when the test fails half-way, so a
/// stray window never takes the next test's key presses.
pub(crate) struct AppProcess(pub(crate) Child);

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn launch_app(
    home: &Home,
    env: &[(&str, &std::ffi::OsStr)],
) -> (AppProcess, Receiver<String>) {
    launch(Command::new(env!("CARGO_BIN_EXE_clipnote")), home, env)
}

/// Starts the app from `cmd` (the binary in some world's environment) with `home`'s folders.
pub(crate) fn launch(
    mut cmd: Command,
    home: &Home,
    env: &[(&str, &std::ffi::OsStr)],
) -> (AppProcess, Receiver<String>) {
    let mut child = cmd
        .env("CLIPNOTE_LIBRARY_DIR", home.path("library"))
        .env("CLIPNOTE_CONFIG_DIR", home.path("config"))
        .env("CLIPNOTE_OUTBOX_DIR", home.path("outbox"))
        .env("RUST_LOG", "warn,app=info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clipnote starts");
    let log = log_lines(&mut child);
    (AppProcess(child), log)
}

fn log_lines(child: &mut Child) -> Receiver<String> {
    log_lines_of(child.stderr.take().unwrap())
}

/// The lines a process writes, as they come (echoed to the test's output).
fn log_lines_of(out: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = sync_channel(256);
    std::thread::Builder::new()
        .name("clipnote-log".into())
        .spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                eprintln!("clipnote: {line}");
                if tx.send(line).is_err() {
                    return;
                }
            }
        })
        .unwrap();
    rx
}

pub(crate) fn wait_for_line(rx: &Receiver<String>, needle: &str) -> String {
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) if line.contains(needle) => return line,
            Ok(_) => {}
            Err(e) => panic!("clipnote never logged {needle:?} ({e})"),
        }
    }
}

pub(crate) fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect()
}

fn xdotool_key(combo: &str) {
    let status = Command::new("xdotool")
        .args(["key", combo])
        .status()
        .expect("xdotool runs");
    assert!(status.success());
}

#[test]
fn the_global_hotkey_starts_and_stops_a_recording_in_the_real_app() {
    let _screen = screen_lock();
    let w = world();
    let home = Home::new();
    let library = home.path("library");
    let (_app, log) = launch_app(&home, &[("PULSE_SOURCE", w.mic.as_ref())]);
    wait_for_line(&log, "hotkey registered");
    wait_for_line(&log, "app: ready");

    xdotool_key("ctrl+alt+r");
    wait_for_line(&log, "hotkey: pressed");
    wait_for_line(&log, "recording: started");
    assert_eq!(
        files_ending(&library, ".recording.mp4").len(),
        1,
        "a recording is being written"
    );
    std::thread::sleep(Duration::from_secs(2));

    xdotool_key("ctrl+alt+r");
    wait_for_line(&log, "recording: finished");
    wait_for_line(&log, "app: review opened");
    assert!(files_ending(&library, ".recording.mp4").is_empty());
    let clips = files_ending(&library, ".mp4");
    assert_eq!(clips.len(), 1, "{clips:?}");
    let probe = testkit::clip::Probe::of(&clips[0]).unwrap();
    assert!(probe.duration_secs() > 1.0, "{}", probe.duration_secs());
}

/// A private D-Bus session bus for one test, and a `dbus-monitor` on it that reports every
/// message matching a rule (e.g. calls to the desktop's notification service). Nothing can be
/// D-Bus-activated on it: its only service dir is an empty one of its own, so a service installed
/// on the machine (the desktop portal, a notification daemon) never answers behind the test's
/// back.
struct PrivateBus {
    address: String,
    daemon: Child,
    monitor: Child,
    calls: Receiver<String>,
    _dir: tempfile::TempDir,
}

impl PrivateBus {
    fn start(rule: &str) -> PrivateBus {
        let dir = tempfile::tempdir().unwrap();
        let services = dir.path().join("services");
        std::fs::create_dir(&services).unwrap();
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                dir.path().display(),
                services.display()
            ),
        )
        .unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon starts (xtask installs dbus-daemon)");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        let mut monitor = Command::new("dbus-monitor")
            .args(["--address", &address, rule])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-monitor starts (xtask installs dbus-bin)");
        let lines = log_lines_of(monitor.stdout.take().unwrap());
        // The monitor is listening once the bus has named it.
        wait_for_line(&lines, "NameAcquired");
        PrivateBus {
            address,
            daemon,
            monitor,
            calls: lines,
            _dir: dir,
        }
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        for child in [&mut self.monitor, &mut self.daemon] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_post_from_the_real_app_raises_a_desktop_notification_with_its_link() {
    let _screen = screen_lock();
    let home = Home::new();
    let clip = home.library_clip("standup.mp4");
    let bus = PrivateBus::start("interface='org.freedesktop.Notifications'");
    let (_app, log) = launch_app(
        &home,
        &[
            ("CLIPNOTE_REVIEW_CLIP", clip.as_os_str()),
            ("CLIPNOTE_REVIEW_TO", "library".as_ref()),
            ("DBUS_SESSION_BUS_ADDRESS", bus.address.as_ref()),
        ],
    );
    wait_for_line(&log, "app: first frame");
    std::thread::sleep(Duration::from_millis(500));
    // Ctrl+Enter posts from the Review screen.
    let status = Command::new("xdotool")
        .args([
            "search",
            "--name",
            "^Clipnote$",
            "windowfocus",
            "--sync",
            "%1",
            "key",
            "ctrl+Return",
        ])
        .status()
        .expect("xdotool runs");
    assert!(status.success());
    wait_for_line(&log, "app: posted");
    wait_for_line(&bus.calls, "member=Notify");
    let summary = wait_for_line(&bus.calls, "string \"Posted: ");
    assert!(summary.contains("Posted: Update "), "{summary}");
    let body = wait_for_line(&bus.calls, "string \"");
    let library = home.path("library").display().to_string();
    assert!(
        body.contains(&library),
        "the body names where it went: {body}"
    );
}

/// Focuses the app's window and presses `keys` there (there is no window manager to do it).
fn press_in_app(keys: &str) {
    let status = Command::new("xdotool")
        .args([
            "search",
            "--name",
            "^Clipnote$",
            "windowfocus",
            "--sync",
            "%1",
            "key",
            keys,
        ])
        .status()
        .expect("xdotool runs");
    assert!(status.success());
}

#[test]
fn the_last_destination_recent_tasks_and_window_placement_outlive_the_app() {
    let _screen = screen_lock();
    let home = Home::new();
    let clip = home.library_clip("standup.mp4");
    let shared = home.path("shared");
    std::fs::create_dir_all(&shared).unwrap();
    let to = format!("folder:{}", shared.display());

    // First run: post to a shared folder, then quit with Ctrl+Q.
    let (mut first, log) = launch_app(
        &home,
        &[
            ("CLIPNOTE_REVIEW_CLIP", clip.as_os_str()),
            ("CLIPNOTE_REVIEW_TO", to.as_ref()),
        ],
    );
    wait_for_line(&log, "app: first frame");
    std::thread::sleep(Duration::from_millis(500));
    press_in_app("ctrl+Return");
    wait_for_line(&log, "app: posted");
    press_in_app("ctrl+q");
    let status = first.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let saved = std::fs::read_to_string(home.path("config").join("app.ron"))
        .expect("the app saved its state on quitting");
    assert!(saved.contains(&to), "the destination is kept: {saved}");
    assert!(
        saved.contains("window"),
        "the window placement is kept: {saved}"
    );

    // Second run: it starts where the first left off.
    let (_app, log) = launch_app(&home, &[]);
    let ready = wait_for_line(&log, "app: ready");
    assert!(ready.contains(&to), "{ready}");
    assert!(ready.contains("recent=1"), "{ready}");
}

#[test]
fn on_wayland_the_app_asks_the_desktop_portal_for_its_shortcut_and_says_when_there_is_none() {
    let _screen = screen_lock();
    let home = Home::new();
    // A session bus with no portal on it (and none to activate, though one is installed for the
    // Wayland world): the app must ask, fail, and say so in words.
    let bus = PrivateBus::start("interface='org.freedesktop.portal.GlobalShortcuts'");
    let (_app, log) = launch_app(
        &home,
        &[
            ("XDG_SESSION_TYPE", "wayland".as_ref()),
            ("DBUS_SESSION_BUS_ADDRESS", bus.address.as_ref()),
        ],
    );
    wait_for_line(&bus.calls, "member=CreateSession");
    let said = wait_for_line(&log, "hotkey: no GlobalShortcuts portal");
    assert!(said.contains("org.freedesktop.portal.Desktop"), "{said}");
}

#[test]
fn a_stale_wayland_display_in_an_x11_session_still_opens_the_window() {
    // Every launched app grabs the global hotkey: one at a time, as the hotkey test needs.
    let _screen = screen_lock();
    let home = Home::new();
    let (_app, log) = launch_app(
        &home,
        &[("WAYLAND_DISPLAY", "clipnote-no-such-compositor".as_ref())],
    );
    wait_for_line(&log, "using X11");
    wait_for_line(&log, "app: first frame");
}
