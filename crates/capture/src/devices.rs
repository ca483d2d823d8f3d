//! What can be recorded: screens, windows and microphones, as plain data.

use serde::Serialize;

/// A monitor (or the whole X screen when RandR reports none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Screen {
    /// The number `--screen` takes.
    pub index: usize,
    pub name: String,
    pub primary: bool,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// A top-level window with a title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The X window id `--window` takes (decimal or 0x-hex).
    pub id: u32,
    pub title: String,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// An audio input: a microphone, or the monitor of an output (system audio).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Microphone {
    /// The name `--mic` takes.
    pub name: String,
    pub description: String,
    /// True for the monitor of an output device: what the computer plays.
    pub is_monitor: bool,
    /// True for the input the audio server uses by default.
    pub is_default: bool,
}

/// A screen backend and whether this session can use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendInfo {
    /// What `--backend` takes.
    pub name: crate::Backend,
    pub available: bool,
    /// What it would record from, or why it cannot be used.
    pub detail: String,
}

/// Everything `clipnote devices` lists.
#[derive(Debug, Clone, Serialize)]
pub struct Devices {
    /// The backend a recording uses unless `--backend` says otherwise.
    pub backend: crate::Backend,
    pub backends: Vec<BackendInfo>,
    pub display: String,
    pub screens: Vec<Screen>,
    pub windows: Vec<Window>,
    pub microphones: Vec<Microphone>,
    /// Why a part of the list is empty, when it is because something failed.
    pub problems: Vec<String>,
}

/// Lists backends, screens, windows and microphones. Parts that fail are reported in `problems`.
pub fn list() -> Devices {
    let mut devices = Devices {
        backend: crate::Backend::detect(),
        backends: Vec::new(),
        display: String::new(),
        screens: Vec::new(),
        windows: Vec::new(),
        microphones: Vec::new(),
        problems: Vec::new(),
    };
    let wayland = if std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty()) {
        crate::wayland::portal::probe()
    } else {
        Err(crate::CaptureError::Unsupported(
            "not a Wayland session (WAYLAND_DISPLAY is not set)".into(),
        ))
    };
    devices.backends.push(BackendInfo {
        name: crate::Backend::Wayland,
        available: wayland.is_ok(),
        detail: wayland.unwrap_or_else(|e| e.to_string()),
    });
    let x11 = crate::x11::Display::open();
    devices.backends.insert(
        0,
        BackendInfo {
            name: crate::Backend::X11,
            available: x11.is_ok(),
            detail: match &x11 {
                Ok(d) => format!("the X server at {}", d.name()),
                Err(e) => e.to_string(),
            },
        },
    );
    match x11 {
        Ok(display) => {
            devices.display = display.name().to_owned();
            match display.screens() {
                Ok(screens) => devices.screens = screens,
                Err(e) => devices.problems.push(e.to_string()),
            }
            match display.windows() {
                Ok(windows) => devices.windows = windows,
                Err(e) => devices.problems.push(e.to_string()),
            }
        }
        Err(e) if devices.backend == crate::Backend::X11 => devices.problems.push(e.to_string()),
        Err(_) => {}
    }
    match crate::mic::list() {
        Ok(mics) => devices.microphones = mics,
        Err(e) => devices.problems.push(e.to_string()),
    }
    devices
}
