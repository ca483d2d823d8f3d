//! The test world: what `cargo xtask test` starts and exports. Two worlds run side by side:
//! the X11 one ([`world`]: Xvfb and PulseAudio, in the tests' own environment) and the Wayland
//! one ([`wayland_world`]: headless sway, PipeWire, the desktop portal, reached through the
//! `CLIPNOTE_TEST_WAYLAND_*` variables, so a test opts in per child process).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// The devices of the test world.
#[derive(Debug, Clone)]
pub struct World {
    pub display: String,
    /// The "microphone": the monitor of a null sink fed a 440 Hz tone.
    pub mic: String,
    /// The null sink: play sounds here and they reach the microphone.
    pub sink: String,
    pub chromium: String,
}

/// The test world, or a panic that says how to get one.
pub fn world() -> World {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run the tests inside the test world with `cargo xtask test`")
        })
    };
    World {
        display: var("DISPLAY"),
        mic: var("CLIPNOTE_TEST_MIC"),
        sink: var("CLIPNOTE_TEST_SINK"),
        chromium: std::env::var("CLIPNOTE_CHROMIUM").unwrap_or_else(|_| "chromium".into()),
    }
}

/// The Wayland test world (xtask/src/wayland.rs): sway headless with one 1920×1080 output
/// `HEADLESS-1` showing full motion (FFmpeg's `testsrc2`) under a clock, PipeWire with
/// pipewire-pulse (the null sink `clipnote_test_sink` fed a 440 Hz tone; its monitor is the
/// microphone), xdg-desktop-portal with the wlr backend (ScreenCast, Screenshot; no dialog) on a
/// private session bus. Nothing in it is activated behind the test's back: no other D-Bus
/// service exists there (no GlobalShortcuts portal either).
#[derive(Debug, Clone)]
pub struct WaylandWorld {
    /// `XDG_RUNTIME_DIR`: the Wayland, PipeWire, pulse, sway IPC and bus sockets.
    pub runtime_dir: PathBuf,
    /// `WAYLAND_DISPLAY`, e.g. `wayland-1`.
    pub display: String,
    /// `DBUS_SESSION_BUS_ADDRESS` of the world's private bus.
    pub dbus: String,
    /// `PULSE_SERVER` of pipewire-pulse.
    pub pulse: String,
    /// `SWAYSOCK`: sway's IPC (`swaymsg`).
    pub swaysock: PathBuf,
    /// The log of xdg-desktop-portal-wlr (`-l DEBUG`): what the portal backend did.
    pub portal_log: PathBuf,
    /// What the portal's source chooser answers: the output's name (or nothing: cancelled).
    pub chooser_answer: PathBuf,
    /// `DBUS_SESSION_BUS_ADDRESS` of a second portal that cannot reach PipeWire (as when
    /// PipeWire is not running), beside the world's.
    pub no_pipewire_dbus: String,
}

/// The Wayland test world, or a panic that says how to get one.
pub fn wayland_world() -> WaylandWorld {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: run the tests inside the test world with `cargo xtask test` \
                 (which starts the Wayland world too)"
            )
        })
    };
    WaylandWorld {
        runtime_dir: var("CLIPNOTE_TEST_WAYLAND_RUNTIME_DIR").into(),
        display: var("CLIPNOTE_TEST_WAYLAND_DISPLAY"),
        dbus: var("CLIPNOTE_TEST_WAYLAND_DBUS"),
        pulse: var("CLIPNOTE_TEST_WAYLAND_PULSE"),
        swaysock: var("CLIPNOTE_TEST_WAYLAND_SWAYSOCK").into(),
        portal_log: var("CLIPNOTE_TEST_WAYLAND_PORTAL_LOG").into(),
        chooser_answer: var("CLIPNOTE_TEST_WAYLAND_CHOOSER_ANSWER").into(),
        no_pipewire_dbus: var("CLIPNOTE_TEST_WAYLAND_NO_PIPEWIRE_DBUS"),
    }
}

impl WaylandWorld {
    /// What a child process needs to live in this world: set these (`Command::envs`) and remove
    /// [`WaylandWorld::env_remove`]'s.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("WAYLAND_DISPLAY", self.display.clone()),
            ("XDG_RUNTIME_DIR", self.runtime_dir.display().to_string()),
            ("DBUS_SESSION_BUS_ADDRESS", self.dbus.clone()),
            ("PULSE_SERVER", self.pulse.clone()),
            ("XDG_SESSION_TYPE", "wayland".into()),
            ("XDG_CURRENT_DESKTOP", "sway".into()),
            ("SWAYSOCK", self.swaysock.display().to_string()),
        ]
    }

    /// What a child process in this world must not have: with `DISPLAY` it could pick the X11
    /// world instead.
    pub fn env_remove(&self) -> &'static [&'static str] {
        &["DISPLAY"]
    }

    /// A command for `program` living in this world.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for name in self.env_remove() {
            cmd.env_remove(name);
        }
        cmd.envs(self.env());
        cmd
    }

    /// A screenshot of the whole output with `grim`, as a PNG file at `path`.
    pub fn grim_png(&self, path: &Path) {
        let out = self.command("grim").arg(path).output();
        check("grim", out);
    }

    /// Presses keys with `wtype` (a virtual keyboard), e.g. `["-M", "ctrl", "-M", "alt", "r",
    /// "-m", "alt", "-m", "ctrl"]` for Ctrl+Alt+R; sway's key bindings see them too.
    pub fn wtype(&self, args: &[&str]) {
        let out = self.command("wtype").args(args).output();
        check("wtype", out);
    }

    /// What xdg-desktop-portal-wlr has logged so far (e.g. "dbus: create session method
    /// invoked", "pipewire: stream state changed to \"streaming\"").
    pub fn portal_log(&self) -> String {
        std::fs::read_to_string(&self.portal_log)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.portal_log.display()))
    }
}

impl WaylandWorld {
    /// Until the guard drops, the portal's source chooser answers as a person who closes the
    /// dialog does: with nothing chosen. Hold [`screen_lock`] meanwhile: every recording in the
    /// world asks the same chooser.
    pub fn cancel_the_portal_dialog(&self) -> ChooserCancelled {
        let answer = std::fs::read_to_string(&self.chooser_answer)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.chooser_answer.display()));
        std::fs::write(&self.chooser_answer, "").unwrap();
        ChooserCancelled {
            path: self.chooser_answer.clone(),
            answer,
        }
    }
}

/// See [`WaylandWorld::cancel_the_portal_dialog`]: puts the chooser's answer back when dropped.
pub struct ChooserCancelled {
    path: PathBuf,
    answer: String,
}

impl Drop for ChooserCancelled {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.answer);
    }
}

fn check(what: &str, out: std::io::Result<Output>) {
    let out = out.unwrap_or_else(|e| panic!("cannot run {what}: {e} (xtask installs it)"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Serialises tests that record the screen or encode heavily: one at a time on 2 cores, so a
/// recording is never starved by another test.
pub fn screen_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A module loaded into the X11 world's sound server for one test (`pactl load-module`),
/// unloaded when dropped.
#[derive(Debug)]
struct PulseModule(String);

impl PulseModule {
    fn load(module: &str, args: &[String]) -> PulseModule {
        let out = Command::new("pactl")
            .args(["load-module", module])
            .args(args)
            .output();
        let out = out.unwrap_or_else(|e| panic!("cannot run pactl: {e} (xtask installs it)"));
        assert!(
            out.status.success(),
            "pactl load-module {module} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PulseModule(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

impl Drop for PulseModule {
    fn drop(&mut self) {
        let _ = Command::new("pactl")
            .args(["unload-module", &self.0])
            .status();
    }
}

/// A null sink of a test's own (`module-null-sink`), described as its name. With nothing
/// playing into it, its monitor is an input that delivers digital silence.
#[derive(Debug)]
pub struct NullSink {
    _module: PulseModule,
    /// The sink's name; its monitor is `<name>.monitor`.
    pub name: String,
}

impl NullSink {
    pub fn load(name: &str) -> NullSink {
        NullSink {
            _module: PulseModule::load(
                "module-null-sink",
                &[
                    format!("sink_name={name}"),
                    format!("sink_properties=device.description={name}"),
                ],
            ),
            name: name.to_owned(),
        }
    }

    /// The microphone that hears what plays into the sink.
    pub fn monitor(&self) -> String {
        format!("{}.monitor", self.name)
    }
}

/// A microphone of a test's own that gives only digital silence (`module-null-source`): a
/// dead or unplugged input as the app lists it (a real source, not a monitor).
#[derive(Debug)]
pub struct NullSource {
    _module: PulseModule,
    /// The source's name, as `clipnote devices` lists it; also its description.
    pub name: String,
}

impl NullSource {
    pub fn load(name: &str) -> NullSource {
        NullSource {
            _module: PulseModule::load(
                "module-null-source",
                &[format!("source_name={name}"), format!("description={name}")],
            ),
            name: name.to_owned(),
        }
    }
}
