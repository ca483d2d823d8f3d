//! What the app remembers between runs (beside the window placement, which eframe keeps):
//! the last source and microphone, the hotkey, the last destination and recent tasks.
//! Stored by eframe's persistence in `app.ron` in the config folder.

use serde::{Deserialize, Serialize};

/// How many recent destinations the Review screen offers.
pub const RECENT_MAX: usize = 6;

/// The storage key.
pub const KEY: &str = "clipnote";

/// How clips are encoded: the Settings screen's Quality choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quality {
    /// Smaller files: at most 1280 px wide, CRF 31.
    Smaller,
    /// The measured default: at most 1920 px wide, CRF 28 (legible code at about 0.7 MiB a
    /// minute in `cargo xtask bench record`).
    #[default]
    Balanced,
    /// Sharper text: the screen's own width (up to 3840 px), CRF 23; files about twice as large.
    Sharper,
}

impl Quality {
    pub const ALL: [Quality; 3] = [Quality::Smaller, Quality::Balanced, Quality::Sharper];

    /// The name on the Settings screen, and what it means.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Quality::Smaller => (
                "Smaller files",
                "up to 1280 px wide; fits more minutes under Notion Free's 5 MiB",
            ),
            Quality::Balanced => (
                "Balanced",
                "up to 1920 px wide; code stays legible (the default)",
            ),
            Quality::Sharper => (
                "Sharper text",
                "the screen's full width; about twice the size",
            ),
        }
    }

    /// Widest picture and x264 CRF.
    pub fn encoding(self) -> (u32, u32) {
        match self {
            Quality::Smaller => (1280, 31),
            Quality::Balanced => (1920, 28),
            Quality::Sharper => (3840, 23),
        }
    }
}

/// The part of the screen the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceChoice {
    WholeDisplay,
    Screen(usize),
    Window { id: u32, title: String },
    Region,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub source: SourceChoice,
    /// The region's fields as typed: X, Y, W, H.
    pub region: [String; 4],
    /// A microphone name, or `None` for the system's default; `Some("")` means no microphone.
    pub mic: Option<String>,
    pub system_audio: bool,
    /// Record the microphone as silence (toggled on the Record screen and the HUD).
    pub mic_muted: bool,
    pub quality: Quality,
    /// Count 3-2-1 before recording.
    pub countdown: bool,
    pub hotkey: String,
    /// The destination as last typed: a task URL, an id, or "library".
    pub destination: String,
    /// Destinations posted to, newest first.
    pub recent: Vec<String>,
    /// The real titles of recent destinations (as their services named them), by destination.
    pub titles: std::collections::BTreeMap<String, String>,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            source: SourceChoice::WholeDisplay,
            region: ["0".into(), "0".into(), "1280".into(), "720".into()],
            mic: None,
            system_audio: false,
            mic_muted: false,
            quality: Quality::default(),
            countdown: true,
            hotkey: super::hotkey::DEFAULT.into(),
            destination: "library".into(),
            recent: Vec::new(),
            titles: std::collections::BTreeMap::new(),
        }
    }
}

impl Prefs {
    /// Puts `destination` first in the recent list (once).
    pub fn remember(&mut self, destination: &str) {
        let destination = destination.trim();
        if destination.is_empty() {
            return;
        }
        self.recent.retain(|d| d != destination);
        self.recent.insert(0, destination.to_owned());
        self.recent.truncate(RECENT_MAX);
        let recent = &self.recent;
        self.titles.retain(|d, _| recent.contains(d));
        self.destination = destination.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_destinations_are_unique_newest_first_and_capped() {
        let mut p = Prefs::default();
        for d in ["a", "b", "a", " c ", ""] {
            p.remember(d);
        }
        assert_eq!(p.recent, ["c", "a", "b"]);
        for i in 0..10 {
            p.remember(&i.to_string());
        }
        assert_eq!(p.recent.len(), RECENT_MAX);
        assert_eq!(p.recent[0], "9");
        assert_eq!(p.destination, "9");
    }

    #[test]
    fn an_old_or_partial_file_still_loads() {
        let p: Prefs = serde_json::from_str(r#"{"hotkey":"Ctrl+Alt+F9"}"#).unwrap();
        assert_eq!(p.hotkey, "Ctrl+Alt+F9");
        assert!(p.countdown);
    }
}
