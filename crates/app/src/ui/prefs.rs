//! What the app remembers between runs (beside the window placement, which eframe keeps):
//! the last source and microphone, the hotkey, the last destination and recent tasks.
//! Stored by eframe's persistence in `app.ron` in the config folder.

use serde::{Deserialize, Serialize};

/// How many recent destinations the Review screen offers.
pub const RECENT_MAX: usize = 6;

/// The storage key.
pub const KEY: &str = "clipnote";

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
