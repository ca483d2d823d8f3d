//! Watching a teammate's clip: [`Watcher`] — play/pause (Space), seek on the timeline and with
//! ←/→ (5 s), speeds 1×–2× with the pitch kept, resume where you left off, marked watched at
//! 90%, captions (C) and, beside the picture, the summary and the transcript
//! ([`super::transcript_pane`]) — drawn in its own window by `clipnote watch` ([`run`]) and on
//! the app's Watch screen. Pictures and sound come from [`super::player::Playback`], which
//! Review shares.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui;

use super::hud::clock;
use super::player::{Playback, SPEEDS};
use super::transcript_pane::{ClipText, SIDE_WIDTH};
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
    /// The written summary (Markdown), shown beside the picture.
    pub summary: String,
    pub resume_secs: f64,
    /// Called on the UI thread; keep it quick (it saves a small state file).
    pub on_progress: Box<dyn FnMut(Watching)>,
}

/// A teammate's clip being watched: the picture, its controls and the bookkeeping (resume,
/// save the position now and then, watched at 90%). The `clipnote watch` window and the app's
/// Watch screen both draw one.
pub struct Watcher {
    pub playback: Playback,
    /// The summary, the transcript and the captions.
    pub text: ClipText,
    resume_secs: f64,
    resumed: bool,
    watched: bool,
    last_saved: Instant,
}

impl Watcher {
    /// Plays `playback` from `resume_secs` once its first picture is there; `watched` says
    /// whether it already counts as watched (it is then not reported again).
    pub fn new(playback: Playback, text: ClipText, resume_secs: f64, watched: bool) -> Self {
        Self {
            playback,
            text,
            resume_secs,
            resumed: false,
            watched,
            last_saved: Instant::now(),
        }
    }

    pub fn position(&self) -> f64 {
        self.playback.position
    }

    pub fn is_watched(&self) -> bool {
        self.watched
    }

    /// Pauses (to record a reply, or when the viewer leaves) and says where to resume.
    pub fn pause(&mut self) -> Watching {
        if self.playback.is_playing() {
            self.playback.toggle([0.0, f64::INFINITY]);
        }
        Watching::Position(self.position())
    }

    /// Runs from `logic`: advances the player, starts it at the resume point once it shows a
    /// picture, and returns what to save.
    pub fn tick(&mut self, ctx: &egui::Context) -> Vec<Watching> {
        self.text.tick();
        let playback = &mut self.playback;
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
            let resume = self.resume_secs;
            // The first picture can come before the clip's length is known: then the resume
            // point is trusted (an unknown length is not a length of 0, which started over).
            let end = if duration > 0.0 {
                duration
            } else {
                f64::INFINITY
            };
            let from = if resume > 1.0 && resume < end - 1.0 {
                playback.seek(resume);
                resume
            } else {
                0.0
            };
            // From `from`, not 0: right after a seek the player may still say it reached the
            // end of the pass before (its decoder had not taken the seek yet), which makes
            // `toggle` start over from the start of the range it is given.
            playback.toggle([from, end]);
        }
        let mut out = Vec::new();
        let position = playback.position;
        if !self.watched && duration > 0.0 && position >= WATCHED_AT * duration {
            self.watched = true;
            out.push(Watching::Watched);
        }
        if self.last_saved.elapsed() >= SAVE_EVERY {
            self.last_saved = Instant::now();
            out.push(Watching::Position(position));
        }
        out
    }

    /// The picture with its controls and, beside them (under them in a narrow window), the
    /// summary and the transcript; a click on a transcript line seeks there.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let width = ui.available_width();
        let height = ui.available_height();
        let position = self.playback.position;
        let seek = if width >= 2.2 * SIDE_WIDTH {
            let side = SIDE_WIDTH.min(width * 0.38);
            ui.horizontal_top(|ui| {
                ui.allocate_ui_with_layout(
                    egui::vec2(width - side - 16.0, height),
                    egui::Layout::top_down(egui::Align::LEFT),
                    |ui| self.player_ui(ui),
                );
                ui.separator();
                ui.allocate_ui_with_layout(
                    egui::vec2(side, height),
                    egui::Layout::top_down(egui::Align::LEFT),
                    |ui| self.text.ui(ui, position),
                )
                .inner
            })
            .inner
        } else {
            ui.allocate_ui_with_layout(
                egui::vec2(width, height * 0.6),
                egui::Layout::top_down(egui::Align::LEFT),
                |ui| self.player_ui(ui),
            );
            self.text.ui(ui, position)
        };
        if let Some(at) = seek {
            self.playback.seek(at);
        }
    }

    /// The picture (as large as fits above the controls, in the clip's shape) with its
    /// captions, the player's error in words, and the controls.
    fn player_ui(&mut self, ui: &mut egui::Ui) {
        let duration = self.playback.duration().unwrap_or(0.0);
        let avail = ui.available_size() - egui::vec2(0.0, 80.0);
        let aspect = self.playback.aspect().unwrap_or(9.0 / 16.0);
        let mut size = egui::vec2(avail.x, avail.x * aspect);
        if size.y > avail.y.max(90.0) {
            size = egui::vec2(avail.y.max(90.0) / aspect, avail.y.max(90.0));
        }
        let picture = ui
            .horizontal(|ui| {
                ui.add_space(((avail.x - size.x) / 2.0).max(0.0));
                self.playback.show(ui, size, "")
            })
            .inner;
        self.text.captions_ui(ui, picture, self.playback.position);
        if let Some(e) = &self.playback.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        self.controls(ui, duration);
    }

    fn controls(&mut self, ui: &mut egui::Ui, duration: f64) {
        let playback = &mut self.playback;
        let captions = &mut self.text.captions;
        // Taken before the buttons see them: Space on a focused button plays or pauses rather
        // than pressing it twice. Not while a text field is being typed into.
        let keys = if ui.ctx().text_edit_focused() {
            (false, false, false, false)
        } else {
            ui.input_mut(|i| {
                (
                    i.consume_key(egui::Modifiers::NONE, egui::Key::Space),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowLeft),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowRight),
                    i.consume_key(egui::Modifiers::NONE, egui::Key::C),
                )
            })
        };
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
            if ui
                .selectable_label(*captions, "Captions")
                .on_hover_text("C")
                .clicked()
                || keys.3
            {
                *captions = !*captions;
            }
            ui.separator();
            ui.monospace(format!(
                "{} / {}",
                clock(playback.position),
                clock(duration)
            ));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak("Space play/pause · ←/→ 5 s · C captions");
            });
        });
        let mut at = playback.position;
        let slider = egui::Slider::new(&mut at, 0.0..=duration.max(0.1))
            .show_value(false)
            .trailing_fill(true)
            .text("Position");
        ui.spacing_mut().slider_width = (ui.available_width() - 80.0).max(80.0);
        if ui.add(slider).changed() {
            playback.seek(at);
        }
    }
}

/// The `clipnote watch` window: one [`Watcher`] under the clip's title.
struct WatchApp {
    watcher: Watcher,
    title: String,
    on_progress: Box<dyn FnMut(Watching)>,
}

impl eframe::App for WatchApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        for w in self.watcher.tick(ctx) {
            (self.on_progress)(w);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(&self.title);
            self.watcher.ui(ui);
        });
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let position = self.watcher.position();
        (self.on_progress)(Watching::Position(position));
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
            let text = ClipText::open(Some(request.clip), request.summary, &cc.egui_ctx);
            Ok(Box::new(WatchApp {
                watcher: Watcher::new(playback, text, request.resume_secs, false),
                title: request.title,
                on_progress: request.on_progress,
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
