//! The global hotkey (default Ctrl+Alt+R): registered with `global-hotkey` on the main thread,
//! its events forwarded to a bounded channel with a repaint, so a press is seen at once even
//! while the window is hidden.
//!
//! `global-hotkey` takes one event handler per process, so the handler forwards to whatever
//! [`Hotkey`] was made last (tests build several apps in one process).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, Once};

use eframe::egui;
use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};

/// The default combination.
pub const DEFAULT: &str = "Ctrl+Alt+R";

type SinkSlot = Mutex<Option<(SyncSender<u32>, egui::Context)>>;
static SINK: SinkSlot = Mutex::new(None);
static HANDLER: Once = Once::new();

/// A registered global hotkey and the channel its presses arrive on.
pub struct Hotkey {
    manager: GlobalHotKeyManager,
    key: Option<HotKey>,
    /// What the user sees: "Ctrl+Alt+R".
    pub label: String,
    rx: Receiver<u32>,
}

/// Parses "Ctrl+Alt+R" (or "control+alt+KeyR") into a hotkey.
pub fn parse(text: &str) -> Result<HotKey, String> {
    let normalised: Vec<String> = text
        .split('+')
        .map(|t| {
            let t = t.trim();
            if t.len() == 1 && t.chars().all(|c| c.is_ascii_alphabetic()) {
                format!("Key{}", t.to_ascii_uppercase())
            } else if t.len() == 1 && t.chars().all(|c| c.is_ascii_digit()) {
                format!("Digit{t}")
            } else {
                t.to_owned()
            }
        })
        .collect();
    normalised.join("+").parse::<HotKey>().map_err(|e| {
        format!(
            "{text:?} is not a key combination ({e}); write it like Ctrl+Alt+R or Ctrl+Shift+F9"
        )
    })
}

impl Hotkey {
    /// Creates the manager and registers `combo`. Must run on the main thread.
    ///
    /// The manager is kept even when registering fails, so the user can pick another
    /// combination; the error says why, in words.
    pub fn new(ctx: &egui::Context, combo: &str) -> Result<Self, String> {
        let manager = GlobalHotKeyManager::new().map_err(|e| {
            format!("global hotkeys are not available here ({e}); use the Record button")
        })?;
        let (tx, rx) = sync_channel(16);
        *SINK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((tx, ctx.clone()));
        HANDLER.call_once(|| {
            GlobalHotKeyEvent::set_event_handler(Some(|event: GlobalHotKeyEvent| {
                if event.state != HotKeyState::Pressed {
                    return;
                }
                let sink = SINK
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((tx, ctx)) = sink.as_ref() {
                    let _ = tx.try_send(event.id);
                    ctx.request_repaint();
                }
            }));
        });
        let mut hotkey = Self {
            manager,
            key: None,
            label: combo.to_owned(),
            rx,
        };
        hotkey.rebind(combo)?;
        Ok(hotkey)
    }

    /// Replaces the combination. On failure no hotkey is registered and the error names a fix.
    pub fn rebind(&mut self, combo: &str) -> Result<(), String> {
        let key = parse(combo)?;
        if let Some(old) = self.key.take() {
            let _ = self.manager.unregister(old);
        }
        self.label = combo.to_owned();
        match self.manager.register(key) {
            Ok(()) => {
                self.key = Some(key);
                tracing::info!(hotkey = combo, "hotkey registered");
                Ok(())
            }
            Err(global_hotkey::Error::AlreadyRegistered(_)) => Err(format!(
                "{combo} is already taken by another program: choose another combination in Settings"
            )),
            Err(e) => Err(format!(
                "cannot register {combo} as the global hotkey ({e}): choose another combination in Settings"
            )),
        }
    }

    /// True once for each press since the last call.
    pub fn pressed(&self) -> bool {
        let mut any = false;
        while let Ok(id) = self.rx.try_recv() {
            any |= self.key.is_some_and(|k| k.id() == id);
        }
        any
    }

    pub fn is_registered(&self) -> bool {
        self.key.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_parse_as_people_write_them() {
        let k = parse("Ctrl+Alt+R").unwrap();
        assert_eq!(k, "control+alt+KeyR".parse::<HotKey>().unwrap());
        assert_eq!(
            parse("ctrl + shift + 5").unwrap(),
            "control+shift+Digit5".parse::<HotKey>().unwrap()
        );
        assert!(parse("Ctrl+Alt+F9").is_ok());
        let err = parse("Ctrl+Alt+").unwrap_err();
        assert!(err.contains("Ctrl+Alt+R"), "{err}");
        assert!(parse("Ctrl+Nonsense").is_err());
    }
}
