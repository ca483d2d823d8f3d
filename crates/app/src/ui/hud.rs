//! The recording HUD: a small always-on-top window with the countdown, then elapsed time, mic
//! level, pause/resume, stop and discard. Under a test harness (no second native window) egui
//! shows it as a window inside the main one.

use eframe::egui;

use super::app::{App, RecState};
use super::record::level_meter;

const HUD_SIZE: [f32; 2] = [420.0, 96.0];
/// How much taller each warning makes it.
const WARNING_HEIGHT: f32 = 64.0;

impl App {
    pub(super) fn hud(&mut self, ctx: &egui::Context) {
        // Top right of the monitor, out of the way of what is being shown.
        let monitor = ctx.input(|i| i.viewport().monitor_size);
        let warnings = match &self.rec {
            RecState::Recording { warnings, .. } => warnings.len(),
            _ => 0,
        };
        let size = [HUD_SIZE[0], HUD_SIZE[1] + WARNING_HEIGHT * warnings as f32];
        let mut builder = egui::ViewportBuilder::default()
            .with_title("Clipnote — recording")
            .with_app_id("clipnote-hud")
            .with_inner_size(size)
            .with_min_inner_size(size)
            .with_resizable(false)
            .with_always_on_top();
        if let Some(m) = monitor {
            builder = builder.with_position([(m.x - size[0] - 24.0).max(0.0), 24.0]);
        }
        ctx.show_viewport_immediate(
            egui::ViewportId::from_hash_of("clipnote-hud"),
            builder,
            |ui, _class| {
                if ui.input(|i| i.viewport().close_requested()) {
                    // Closing the HUD stops the recording (and keeps it), like Stop.
                    self.stop();
                    self.cancel_countdown();
                }
                egui::CentralPanel::default().show(ui, |ui| self.hud_ui(ui));
            },
        );
    }

    fn hud_ui(&mut self, ui: &mut egui::Ui) {
        let now = ui.input(|i| i.time);
        match self.rec.clone() {
            RecState::Countdown { ends_at } => {
                let left = (ends_at - now).ceil().max(1.0) as u32;
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new(format!("Recording in {left}"))
                            .size(24.0)
                            .strong(),
                    );
                    ui.add_space(12.0);
                    if ui.button("Start now").clicked() {
                        self.start_now();
                    }
                    if ui.button("Cancel").clicked() {
                        self.cancel_countdown();
                    }
                });
            }
            RecState::Starting => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Opening the screen and microphone…");
                });
            }
            RecState::Recording {
                elapsed_secs,
                mic_level,
                paused,
                bytes,
                warnings,
            } => {
                ui.horizontal(|ui| {
                    let (dot, color) = if paused {
                        ("PAUSED", ui.visuals().warn_fg_color)
                    } else {
                        ("● REC", egui::Color32::from_rgb(220, 60, 50))
                    };
                    ui.label(egui::RichText::new(dot).color(color).strong());
                    ui.label(
                        egui::RichText::new(clock(elapsed_secs))
                            .size(20.0)
                            .monospace(),
                    );
                    ui.label(format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0)));
                    level_meter(ui, mic_level, 110.0);
                });
                ui.horizontal(|ui| {
                    let pause = if paused { "Resume" } else { "Pause" };
                    if ui.button(pause).clicked() {
                        self.set_paused(!paused);
                    }
                    if ui.button("Stop").clicked() {
                        self.stop();
                    }
                    if ui.button("Discard").clicked() {
                        self.discard();
                    }
                    let mute = if self.prefs.mic_muted {
                        "Unmute mic"
                    } else {
                        "Mute mic"
                    };
                    if ui.button(mute).clicked() {
                        self.set_mic_muted(!self.prefs.mic_muted);
                    }
                    if let Some(h) = self.hotkey_label() {
                        ui.weak(format!("{h} stops"));
                    }
                });
                for warning in warnings {
                    ui.colored_label(ui.visuals().warn_fg_color, warning);
                }
            }
            RecState::Stopping => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Saving the clip…");
                });
            }
            RecState::Idle => {}
        }
    }
}

/// 75.4 → "01:15".
pub(super) fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// Unix seconds → "2026-11-25 14:03" (UTC).
pub(super) fn date(unix: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix).unwrap_or(0))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .ok()
        })
        .unwrap_or_default()
}
