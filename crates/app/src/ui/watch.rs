//! The watch window: a teammate's clip in its own window — play/pause (Space), seek on the
//! timeline and with ←/→ (5 s), speeds 1×–2× with the pitch kept, resume where you left off,
//! marked watched at 90%. Pictures and sound come from [`super::player::Playback`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui;

use super::player::{Playback, SPEEDS};
use crate::cli::UserError;
use crate::exit;

/// Played this share of a clip, it counts as watched.
pub const WATCHED_AT: f64 = 0.9;
const SEEK_STEP_SECS: f64 = 5.0;
const SAVE_EVERY: Duration = Duration::from_secs(5);

/// What the window tells its owner as the viewer watches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Watching {
    /// Where to resume next time.
    Position(f64),
    /// 90% has been played.
    Watched,
}

/// What to play and where to start.
pub struct WatchRequest {
    pub clip: PathBuf,
    pub title: String,
    pub resume_secs: f64,
    /// Called on the UI thread; keep it quick (it saves a small state file).
    pub on_progress: Box<dyn FnMut(Watching)>,
}

struct WatchApp {
    playback: Option<Playback>,
    request: WatchRequest,
    resumed: bool,
    watched: bool,
    last_saved: Instant,
}

impl WatchApp {
    fn report(&mut self, what: Watching) {
        (self.request.on_progress)(what);
    }

    fn controls(&mut self, ui: &mut egui::Ui, duration: f64) {
        let Some(playback) = &mut self.playback else {
            return;
        };
        let keys = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Space),
                i.key_pressed(egui::Key::ArrowLeft),
                i.key_pressed(egui::Key::ArrowRight),
            )
        });
        ui.horizontal(|ui| {
            let label = if playback.is_playing() {
                "Pause"
            } else {
                "Play"
            };
            if ui.button(label).on_hover_text("Space").clicked() || keys.0 {
                playback.toggle([0.0, duration]);
            }
            if ui.button("−5 s").on_hover_text("←").clicked() || keys.1 {
                playback.seek((playback.position - SEEK_STEP_SECS).max(0.0));
            }
            if ui.button("+5 s").on_hover_text("→").clicked() || keys.2 {
                playback.seek((playback.position + SEEK_STEP_SECS).min(duration));
            }
            ui.separator();
            for speed in SPEEDS {
                let selected = (playback.speed() - speed).abs() < 0.01;
                if ui.selectable_label(selected, format!("{speed}×")).clicked() {
                    playback.set_speed(speed);
                }
            }
            ui.separator();
            ui.label(format!(
                "{} / {}",
                clock(playback.position),
                clock(duration)
            ));
        });
        let mut at = playback.position;
        let slider = egui::Slider::new(&mut at, 0.0..=duration.max(0.1))
            .show_value(false)
            .text("Position");
        ui.spacing_mut().slider_width = ui.available_width() - 80.0;
        if ui.add(slider).changed() {
            playback.seek(at);
        }
    }
}

fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

impl eframe::App for WatchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let Some(playback) = &mut self.playback else {
            return;
        };
        let duration = playback.duration().unwrap_or(0.0);
        playback.tick(
            ctx,
            if duration > 0.0 {
                duration
            } else {
                f64::INFINITY
            },
        );
        if !self.resumed && playback.has_picture() {
            self.resumed = true;
            let resume = self.request.resume_secs;
            if resume > 1.0 && resume < duration - 1.0 {
                playback.seek(resume);
            }
            playback.toggle([0.0, duration]);
        }
        let position = playback.position;
        if !self.watched && duration > 0.0 && position >= WATCHED_AT * duration {
            self.watched = true;
            self.report(Watching::Watched);
        }
        if self.last_saved.elapsed() >= SAVE_EVERY {
            self.last_saved = Instant::now();
            self.report(Watching::Position(position));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(&self.request.title);
            let duration = self
                .playback
                .as_ref()
                .and_then(Playback::duration)
                .unwrap_or(0.0);
            let avail = ui.available_size() - egui::vec2(0.0, 70.0);
            let size = egui::vec2(avail.x, (avail.x * 9.0 / 16.0).min(avail.y.max(90.0)));
            if let Some(playback) = &self.playback {
                playback.show(ui, size, "Space: play/pause · ←/→: 5 s");
                if let Some(e) = &playback.error {
                    ui.colored_label(egui::Color32::LIGHT_RED, e);
                }
            }
            self.controls(ui, duration);
        });
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(p) = &self.playback {
            let position = p.position;
            self.report(Watching::Position(position));
        }
    }
}

/// Opens the watch window and runs it until it is closed.
pub fn run(request: WatchRequest) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title(format!("{} — Clipnote", request.title))
            .with_app_id("clipnote-watch")
            .with_inner_size([960.0, 640.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Clipnote watch",
        native,
        Box::new(move |cc| {
            super::fonts::install(&cc.egui_ctx);
            let playback = Playback::open(request.clip.clone(), &cc.egui_ctx);
            Ok(Box::new(WatchApp {
                playback: Some(playback),
                request,
                resumed: false,
                watched: false,
                last_saved: Instant::now(),
            }))
        }),
    )
    .map_err(|e| {
        UserError::new(
            exit::FAILURE,
            format!("cannot open the player window: {e}. Run it inside a graphical session, or use `clipnote watch ID --print-path` and any video player"),
        )
        .into()
    })
}
