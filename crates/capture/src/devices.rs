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

/// Everything `clipnote devices` lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Devices {
    pub display: String,
    pub screens: Vec<Screen>,
    pub windows: Vec<Window>,
    pub microphones: Vec<Microphone>,
    /// Why a part of the list is empty, when it is because something failed.
    pub problems: Vec<String>,
}

/// Lists screens, windows and microphones. Parts that fail are reported in `problems`.
pub fn list() -> Devices {
    let mut devices = Devices::default();
    match crate::x11::Display::open() {
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
        Err(e) => devices.problems.push(e.to_string()),
    }
    match crate::mic::list() {
        Ok(mics) => devices.microphones = mics,
        Err(e) => devices.problems.push(e.to_string()),
    }
    devices
}
