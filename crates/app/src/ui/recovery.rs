//! Recordings a crash cut off, offered again when the app starts: a `ui-recover` worker
//! finalises the library's unfinished recordings once (`crate::recover`, the engine behind
//! `clipnote recover`), and the Record screen offers each recovered clip for Review — "Recovered
//! a recording from 2026-12-07 14:02, 3:12 long" → Review, ready to post.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use eframe::egui;

use super::app::{App, Screen};
use crate::recover::{self, Recovered};

/// What the worker found, one message a recording.
enum Found {
    Recovered(Recovered),
    /// A recording that could not be made whole (it is kept as it is), in words.
    Failed(String),
}

/// The app's end of the worker, and what it offers.
#[derive(Default)]
pub(super) struct Recovery {
    rx: Option<Receiver<Found>>,
    /// Recovered clips not yet opened or dismissed.
    offered: Vec<Recovered>,
    /// Recordings that could not be recovered, in words.
    failed: Vec<String>,
}

/// The most recordings one launch recovers (more wait for the next launch or the CLI).
const MAX: usize = 16;

impl Recovery {
    /// Starts the worker on `library` (nothing to do when there is no library folder).
    pub(super) fn start(ctx: &egui::Context, library: Option<&Path>) -> Self {
        let Some(library) = library.map(Path::to_path_buf) else {
            return Self::default();
        };
        let (tx, rx) = sync_channel(MAX);
        let wake = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-recover".into())
            .spawn(move || {
                let found = match recover::find(&library) {
                    Ok(found) => found,
                    Err(e) => {
                        let _ = tx.send(Found::Failed(e.message));
                        wake.request_repaint();
                        return;
                    }
                };
                for partial in found.into_iter().take(MAX) {
                    let message = match recover::recover(&partial) {
                        Ok(r) => {
                            tracing::info!(clip = %r.path.display(), secs = r.duration_secs, "recovery: recovered");
                            Found::Recovered(r)
                        }
                        Err(e) => {
                            tracing::warn!("recovery: {}", e.message);
                            Found::Failed(e.message)
                        }
                    };
                    if tx.send(message).is_err() {
                        return;
                    }
                    wake.request_repaint();
                }
            });
        match spawned {
            Ok(_) => Self {
                rx: Some(rx),
                ..Self::default()
            },
            Err(e) => Self {
                failed: vec![format!(
                    "cannot look for recordings a crash cut off: {e}. Run `clipnote recover`"
                )],
                ..Self::default()
            },
        }
    }

    fn drain(&mut self) {
        let Some(rx) = &self.rx else { return };
        for found in rx.try_iter() {
            match found {
                Found::Recovered(r) => self.offered.push(r),
                Found::Failed(why) => self.failed.push(why),
            }
        }
    }
}

impl App {
    /// Takes what the worker found (each pass; the worker wakes the UI).
    pub(super) fn recovery_tick(&mut self) {
        self.recovery.drain();
    }

    /// The Record screen's offer of recovered recordings, if there are any.
    pub(super) fn recovery_ui(&mut self, ui: &mut egui::Ui) {
        if self.recovery.offered.is_empty() && self.recovery.failed.is_empty() {
            return;
        }
        let mut open: Option<PathBuf> = None;
        let mut dismiss: Option<usize> = None;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            for (i, r) in self.recovery.offered.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.label(format!(
                        "Recovered {} that was cut off (Clipnote or the computer stopped while it recorded).",
                        r.describe()
                    ))
                    .on_hover_text(r.path.display().to_string());
                    if ui.button("Review it").clicked() {
                        open = Some(r.path.clone());
                        dismiss = Some(i);
                    }
                    if ui.button("Later").clicked() {
                        dismiss = Some(i);
                    }
                });
            }
            for why in &self.recovery.failed {
                ui.colored_label(ui.visuals().warn_fg_color, why);
            }
        });
        ui.add_space(8.0);
        if let Some(i) = dismiss {
            self.recovery.offered.remove(i);
        }
        if let Some(clip) = open {
            tracing::info!(clip = %clip.display(), "recovery: reviewing");
            self.open_clip(clip);
            self.go(Screen::Review);
        }
    }
}
