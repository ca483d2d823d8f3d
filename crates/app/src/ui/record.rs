//! The Record screen: what to record (monitor, window, region), which microphone, and the big
//! Record button with its hotkey.

use capture::{Mic, RecordSettings, Source};
use eframe::egui;

use super::app::{App, RecState};
use super::prefs::SourceChoice;

/// How far below the UI the video encoder runs while the app records
/// (`CLIPNOTE_ENCODER_NICE=0` turns it off).
const ENCODER_NICE: i32 = 10;

fn encoder_nice() -> i32 {
    std::env::var("CLIPNOTE_ENCODER_NICE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .map_or(ENCODER_NICE, |n: i32| n.clamp(0, 19))
}

impl App {
    /// The settings for a new recording, from the choices on this screen.
    pub(super) fn record_settings(&self) -> Result<RecordSettings, String> {
        let dir = self.library_dir.clone()?;
        let out = crate::library::new_clip_path_in(&dir);
        let mut settings = RecordSettings::new(out);
        settings.source = match &self.prefs.source {
            SourceChoice::WholeDisplay => Source::WholeDisplay,
            SourceChoice::Screen(n) => Source::Screen(*n),
            SourceChoice::Window { id, .. } => Source::Window(id.to_string()),
            SourceChoice::Region => self
                .prefs
                .region
                .join(",")
                .parse()
                .map_err(|e: String| format!("{e}: fix the region fields"))?,
        };
        settings.mic = match self.prefs.mic.as_deref() {
            None => Mic::Default,
            Some("") => Mic::None,
            Some(name) => Mic::Named(name.into()),
        };
        settings.system_audio = self.prefs.system_audio;
        settings.mic_muted = self.prefs.mic_muted;
        let (max_width, crf) = self.prefs.quality.encoding();
        settings.max_width = max_width;
        settings.profile.crf = crf;
        // The encoder yields to this window's drawing (see `RecordSettings::encoder_nice`).
        settings.encoder_nice = encoder_nice();
        settings.portal_tokens = crate::config::portal_tokens_path();
        Ok(settings)
    }

    pub(super) fn record_ui(&mut self, ui: &mut egui::Ui) {
        let now = ui.input(|i| i.time);
        ui.add_space(8.0);
        ui.heading("New recording");
        ui.add_space(8.0);
        self.recovery_ui(ui);
        let idle = self.rec.is_idle();
        ui.add_enabled_ui(idle, |ui| {
            egui::Grid::new("record-grid")
                .num_columns(2)
                .spacing([16.0, 10.0])
                .show(ui, |ui| {
                    ui.label("What to record");
                    self.source_ui(ui);
                    ui.end_row();
                    if self.prefs.source == SourceChoice::Region {
                        ui.label("Region");
                        self.region_ui(ui);
                        ui.end_row();
                    }
                    let mic_label = ui.label("Microphone");
                    self.mic_ui(ui, mic_label.id);
                    ui.end_row();
                    ui.label("Sound");
                    ui.horizontal(|ui| {
                        ui.checkbox(
                            &mut self.prefs.system_audio,
                            "Also record what the computer plays",
                        );
                    });
                    ui.end_row();
                    ui.label("Start");
                    ui.checkbox(&mut self.prefs.countdown, "Count down 3-2-1 first");
                    ui.end_row();
                });
        });
        ui.add_space(8.0);
        self.keep_mic_meter();
        ui.horizontal(|ui| {
            ui.label("Mic level");
            let level = match (&self.rec, &self.mic_meter) {
                (RecState::Recording { mic_level, .. }, _) => Some(*mic_level),
                (_, Some((_, meter))) => Some(meter.level()),
                _ => None,
            };
            let muted = self.prefs.mic_muted;
            level_meter(ui, if muted { 0.0 } else { level.unwrap_or(0.0) }, 240.0);
            if ui
                .checkbox(&mut self.prefs.mic_muted, "Mute microphone")
                .on_hover_text(
                    "Records silence instead of the microphone; also on the recording bar",
                )
                .changed()
            {
                self.set_mic_muted(self.prefs.mic_muted);
            }
            let problem = self.mic_meter.as_ref().and_then(|(_, m)| m.problem());
            if let Some(problem) = problem {
                ui.colored_label(ui.visuals().warn_fg_color, problem);
            } else if level.is_none() && self.prefs.mic.as_deref() == Some("") {
                ui.weak("no microphone chosen");
            }
        });
        if let Some(devices) = &self.devices {
            for problem in &devices.problems {
                ui.colored_label(ui.visuals().warn_fg_color, problem);
            }
        }
        ui.add_space(20.0);
        let hotkey = self.hotkey_label().map(str::to_owned);
        let (text, enabled) = match &self.rec {
            RecState::Idle => ("●  Start recording", true),
            RecState::Countdown { .. } => ("Starting…", false),
            RecState::Starting => ("Opening the screen and microphone…", false),
            RecState::Recording { .. } => ("■  Stop recording", true),
            RecState::Stopping => ("Saving the clip…", false),
        };
        let button = egui::Button::new(egui::RichText::new(text).size(22.0).strong())
            .min_size(egui::vec2(320.0, 64.0));
        if ui.add_enabled(enabled, button).clicked() {
            self.toggle_recording(now);
        }
        match hotkey {
            Some(h) => ui.label(format!(
                "or press {h} from anywhere, also while this window is hidden"
            )),
            None => ui.weak(format!(
                "No global hotkey: {}",
                self.hotkey_problem.as_deref().unwrap_or("not registered")
            )),
        };
        if let Ok(dir) = &self.library_dir {
            ui.weak(format!("Clips are saved in {}", dir.display()));
        }
        if let Some(notice) = &self.notice {
            ui.add_space(12.0);
            ui.colored_label(ui.visuals().error_fg_color, notice);
        }
    }

    fn source_ui(&mut self, ui: &mut egui::Ui) {
        let screens = self
            .devices
            .as_ref()
            .map(|d| d.screens.clone())
            .unwrap_or_default();
        let windows = self
            .devices
            .as_ref()
            .map(|d| d.windows.clone())
            .unwrap_or_default();
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.radio_value(
                    &mut self.prefs.source,
                    SourceChoice::WholeDisplay,
                    "Whole display",
                );
                if ui
                    .radio(
                        matches!(self.prefs.source, SourceChoice::Screen(_)),
                        "One monitor",
                    )
                    .clicked()
                {
                    self.prefs.source = SourceChoice::Screen(0);
                }
                if ui
                    .radio(
                        matches!(self.prefs.source, SourceChoice::Window { .. }),
                        "One window",
                    )
                    .clicked()
                {
                    self.prefs.source = match windows.first() {
                        Some(w) => SourceChoice::Window {
                            id: w.id,
                            title: w.title.clone(),
                        },
                        None => SourceChoice::Window {
                            id: 0,
                            title: String::new(),
                        },
                    };
                }
                ui.radio_value(&mut self.prefs.source, SourceChoice::Region, "Region");
                if ui
                    .button("Refresh")
                    .on_hover_text("List monitors, windows and microphones again")
                    .clicked()
                {
                    self.refresh_devices();
                }
            });
            match &mut self.prefs.source {
                SourceChoice::Screen(index) => {
                    let current = screens
                        .iter()
                        .find(|s| s.index == *index)
                        .map_or_else(|| format!("Monitor {index}"), screen_label);
                    egui::ComboBox::from_id_salt("monitor")
                        .selected_text(current)
                        .width(360.0)
                        .show_ui(ui, |ui| {
                            for s in &screens {
                                ui.selectable_value(index, s.index, screen_label(s));
                            }
                        });
                }
                SourceChoice::Window { id, title } => {
                    let current = if title.is_empty() {
                        "No window chosen".to_owned()
                    } else {
                        title.clone()
                    };
                    egui::ComboBox::from_id_salt("window")
                        .selected_text(truncate(&current, 60))
                        .width(360.0)
                        .show_ui(ui, |ui| {
                            if windows.is_empty() {
                                ui.weak("No windows with a title");
                            }
                            for w in &windows {
                                let label = format!(
                                    "{} ({}×{})",
                                    truncate(&w.title, 50),
                                    w.width,
                                    w.height
                                );
                                if ui.selectable_label(*id == w.id, label).clicked() {
                                    *id = w.id;
                                    title.clone_from(&w.title);
                                }
                            }
                        });
                }
                SourceChoice::WholeDisplay | SourceChoice::Region => {}
            }
        });
    }

    fn region_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for (name, value) in ["X", "Y", "Width", "Height"]
                .iter()
                .zip(self.prefs.region.iter_mut())
            {
                let label = ui.label(*name);
                ui.add(
                    egui::TextEdit::singleline(value)
                        .desired_width(56.0)
                        .min_size(egui::vec2(56.0, 0.0)),
                )
                .labelled_by(label.id);
            }
            let choosing = !matches!(self.region_pick, super::region::RegionPick::Idle);
            if ui
                .add_enabled(!choosing, egui::Button::new("Drag on screen…"))
                .on_hover_text("Choose the area by dragging over a picture of the whole screen")
                .clicked()
            {
                self.start_region_pick();
            }
        });
    }

    /// Keeps a live meter on the chosen microphone while the Record screen shows and nothing
    /// records (the recording reports its own level); a new choice reopens it.
    fn keep_mic_meter(&mut self) {
        let wanted = self.rec.is_idle() && self.screen == super::app::Screen::Record;
        let choice = self.prefs.mic.clone();
        match &self.mic_meter {
            Some((for_mic, _)) if wanted && *for_mic == choice => return,
            None if !wanted => return,
            _ => {}
        }
        self.mic_meter = None;
        if !wanted {
            return;
        }
        let mic = match choice.as_deref() {
            None => Mic::Default,
            Some("") => Mic::None,
            Some(name) => Mic::Named(name.into()),
        };
        let wake = self.ctx.clone();
        // At most 20 redraws a second for the meter, however often packets come.
        let last = std::sync::Mutex::new(std::time::Instant::now());
        let on_level = move |_level: f32| {
            let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
            if last.elapsed() >= std::time::Duration::from_millis(50) {
                *last = std::time::Instant::now();
                wake.request_repaint();
            }
        };
        match capture::mic::MicMeter::start(&mic, on_level) {
            Ok(Some(meter)) => self.mic_meter = Some((choice, meter)),
            Ok(None) => {}
            Err(e) => tracing::info!("mic meter: {e}"),
        }
    }

    fn mic_ui(&mut self, ui: &mut egui::Ui, label: egui::Id) {
        let mics: Vec<_> = self
            .devices
            .as_ref()
            .map(|d| {
                d.microphones
                    .iter()
                    .filter(|m| !m.is_monitor || is_test_mic(&m.name))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let current = match self.prefs.mic.as_deref() {
            None => "System default".to_owned(),
            Some("") => "No microphone".to_owned(),
            Some(name) => mics
                .iter()
                .find(|m| m.name == name)
                .map_or_else(|| name.to_owned(), |m| m.description.clone()),
        };
        egui::ComboBox::from_id_salt("mic")
            .selected_text(truncate(&current, 60))
            .width(360.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.prefs.mic, None, "System default");
                ui.selectable_value(&mut self.prefs.mic, Some(String::new()), "No microphone");
                for m in &mics {
                    ui.selectable_value(
                        &mut self.prefs.mic,
                        Some(m.name.clone()),
                        truncate(&m.description, 60),
                    );
                }
            })
            .response
            .labelled_by(label);
    }
}

/// The test world's microphone is the monitor of a null sink: offer it although it is a monitor.
fn is_test_mic(name: &str) -> bool {
    std::env::var("CLIPNOTE_TEST_MIC").is_ok_and(|m| m == name)
}

fn screen_label(s: &capture::devices::Screen) -> String {
    format!(
        "{} {} ({}×{}){}",
        s.index,
        s.name,
        s.width,
        s.height,
        if s.primary { ", primary" } else { "" }
    )
}

/// Cuts `text` to `max` characters (not bytes: titles come in every script).
pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A horizontal level bar: green, amber near the top, red when clipping.
pub(super) fn level_meter(ui: &mut egui::Ui, level: f32, width: f32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 12.0), egui::Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 3.0, ui.visuals().extreme_bg_color);
    let level = level.clamp(0.0, 1.0);
    let color = if level > 0.95 {
        egui::Color32::from_rgb(220, 60, 50)
    } else if level > 0.7 {
        egui::Color32::from_rgb(230, 170, 40)
    } else {
        egui::Color32::from_rgb(70, 180, 90)
    };
    let mut fill = rect;
    fill.set_width(rect.width() * level);
    painter.rect_filled(fill, 3.0, color);
    response.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::ProgressIndicator,
            true,
            format!("Mic level {:.0}%", level * 100.0),
        )
    });
    response
}
