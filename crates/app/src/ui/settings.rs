//! The Settings screen: accounts (paste a token, test the connection, save), the global
//! hotkey (press a new combination), whether posts carry the transcript, and where things
//! are kept.

use eframe::egui;
use publish::{Service, Token};

use super::app::App;
use super::poster;

/// What the Settings screen holds while open.
#[derive(Default)]
pub struct SettingsView {
    pub notion_token: String,
    pub clickup_token: String,
    /// The last test or save of each service's token: the words to show, good or bad.
    pub notion_status: Option<Result<String, String>>,
    pub clickup_status: Option<Result<String, String>>,
    /// Waiting for the next key press to become the hotkey.
    pub capturing: bool,
    pub hotkey_status: Option<Result<String, String>>,
    /// The stored tokens were checked once this run (on first opening Settings).
    pub checked_stored: bool,
    /// The library folder as typed, and what choosing it said.
    pub library_draft: Option<String>,
    pub library_status: Option<Result<String, String>>,
    /// The autostart entry (none with no home folder) and what turning it on or off said.
    pub autostart: Option<crate::autostart::Autostart>,
    pub autostart_status: Option<Result<String, String>>,
    /// Posts carry the transcript beside the clip (`[transcript] post`), and what changing it said.
    pub post_transcript: bool,
    pub post_transcript_status: Option<Result<String, String>>,
}

impl SettingsView {
    pub fn status_mut(&mut self, service: Service) -> &mut Option<Result<String, String>> {
        match service {
            Service::Notion => &mut self.notion_status,
            _ => &mut self.clickup_status,
        }
    }
}

impl App {
    pub(super) fn settings_ui(&mut self, ui: &mut egui::Ui) {
        if !std::mem::replace(&mut self.settings.checked_stored, true) {
            // Say which workspace each stored token reaches (or that none is stored).
            for service in [Service::Notion, Service::ClickUp] {
                self.send_token(
                    service,
                    poster::Command::TestToken(service, None),
                    "Checking…",
                );
            }
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(8.0);
            ui.heading("Accounts");
            ui.label("Tokens are kept in the system keyring (or a file only you can read), never in logs. CLIPNOTE_NOTION_TOKEN and CLIPNOTE_CLICKUP_TOKEN override them.");
            ui.add_space(4.0);
            egui::Grid::new("accounts").num_columns(3).spacing([12.0, 8.0]).show(ui, |ui| {
                self.token_row(ui, Service::Notion);
                self.token_row(ui, Service::ClickUp);
            });
            if let Some(problem) = &self.publish_problem {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
            ui.add_space(16.0);
            ui.heading("Global hotkey");
            self.hotkey_settings_ui(ui);
            self.autostart_ui(ui);
            ui.add_space(16.0);
            ui.heading("Quality");
            for quality in super::prefs::Quality::ALL {
                let (name, means) = quality.describe();
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.prefs.quality, quality, name);
                    ui.weak(means);
                });
            }
            ui.add_space(16.0);
            ui.heading("Transcripts");
            self.post_transcript_ui(ui);
            ui.add_space(16.0);
            ui.heading("Folders");
            egui::Grid::new("folders").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                let label = ui.label("Clip library");
                self.library_ui(ui, label.id);
                ui.end_row();
                ui.label("Outbox");
                ui.monospace(self.folders.outbox.clone());
                ui.end_row();
                ui.label("Settings");
                ui.monospace(self.folders.config.clone());
                ui.end_row();
            });
            ui.weak("CLIPNOTE_LIBRARY_DIR overrides the library chosen here; set CLIPNOTE_OUTBOX_DIR or CLIPNOTE_CONFIG_DIR to move the others.");
        });
    }

    /// "Start Clipnote when I log in": writes or removes the XDG autostart entry.
    fn autostart_ui(&mut self, ui: &mut egui::Ui) {
        let Some(entry) = &self.settings.autostart else {
            return;
        };
        let mut on = entry.is_on();
        let toggled = ui
            .checkbox(&mut on, "Start Clipnote when I log in")
            .on_hover_text(format!("An autostart entry: {}", entry.file().display()))
            .changed();
        if toggled {
            self.settings.autostart_status = Some(match entry.set(on) {
                Ok(()) if on => Ok(format!(
                    "Clipnote starts at login, so the hotkey works after a reboot ({})",
                    entry.file().display()
                )),
                Ok(()) => Ok("Clipnote no longer starts at login".into()),
                Err(e) => Err(e),
            });
        }
        match &self.settings.autostart_status {
            Some(Ok(said)) => {
                ui.weak(said.as_str());
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e.as_str());
            }
            None => {}
        }
    }

    /// "Post the transcript with each clip": kept as `[transcript] post` in the config file
    /// (which `clipnote post` reads too); Review's choice for each clip starts from it.
    fn post_transcript_ui(&mut self, ui: &mut egui::Ui) {
        let mut on = self.settings.post_transcript;
        let toggled = ui
            .checkbox(&mut on, "Post the transcript with each clip")
            .on_hover_text("Notion: a Transcript toggle under the summary. ClickUp: a reply under the summary comment and the captions file. Library and shared folders: the captions beside the clip.")
            .changed();
        if toggled {
            let config = std::path::PathBuf::from(&self.folders.config);
            let saved = if self.folders.config.is_empty() {
                Err(self
                    .publish_problem
                    .clone()
                    .unwrap_or_else(|| "there is no config folder to keep the choice in".into()))
            } else {
                crate::config::set_post_transcript(&config, on).map_err(|e| e.message)
            };
            if saved.is_ok() {
                self.settings.post_transcript = on;
            }
            self.settings.post_transcript_status = Some(saved.map(|()| {
                if on {
                    "posts carry the transcript".into()
                } else {
                    "posts leave the transcript out".into()
                }
            }));
        }
        match &self.settings.post_transcript_status {
            Some(Ok(said)) => {
                ui.weak(said.as_str());
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e.as_str());
            }
            None => {}
        }
    }

    /// The library folder: type another and "Use this folder" makes new clips go there (kept in
    /// the config file, so `clipnote record` agrees).
    fn library_ui(&mut self, ui: &mut egui::Ui, label: egui::Id) {
        let current = self
            .library_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        self.settings.library_draft.get_or_insert(current);
        ui.horizontal(|ui| {
            let draft = self.settings.library_draft.as_mut().expect("just set");
            ui.add(
                egui::TextEdit::singleline(draft)
                    .desired_width(420.0)
                    .min_size(egui::vec2(420.0, 0.0)),
            )
            .labelled_by(label);
            if ui.button("Use this folder").clicked() {
                let chosen = std::path::PathBuf::from(draft.trim());
                self.choose_library(&chosen);
            }
            match &self.settings.library_status {
                Some(Ok(words)) => {
                    ui.colored_label(egui::Color32::from_rgb(70, 180, 90), format!("✔ {words}"));
                }
                Some(Err(e)) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                None => {
                    if let Err(e) = &self.library_dir {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                }
            }
        });
    }

    fn choose_library(&mut self, dir: &std::path::Path) {
        if self.folders.config.is_empty() {
            self.settings.library_status = Some(Err(self
                .publish_problem
                .clone()
                .unwrap_or_else(|| "there is no config folder to keep the choice in".into())));
            return;
        }
        let config = std::path::PathBuf::from(&self.folders.config);
        match crate::library::choose(&config, dir) {
            Ok(dir) => {
                let overridden = std::env::var_os("CLIPNOTE_LIBRARY_DIR").is_some();
                self.settings.library_status = Some(Ok(if overridden {
                    "kept; CLIPNOTE_LIBRARY_DIR still wins outside this window".into()
                } else {
                    "new clips go here".into()
                }));
                if let Some(poster) = &self.poster {
                    poster.send(poster::Command::SetLibrary(dir.clone()));
                }
                self.inbox_library_moved(&dir);
                self.library_dir = Ok(dir);
            }
            Err(e) => self.settings.library_status = Some(Err(e.message)),
        }
    }

    fn token_row(&mut self, ui: &mut egui::Ui, service: Service) {
        let (name, hint) = match service {
            Service::Notion => ("Notion token", "ntn_… from notion.so/profile/integrations"),
            _ => ("ClickUp token", "pk_… from ClickUp Settings → Apps"),
        };
        let label = ui.label(name);
        let text = match service {
            Service::Notion => &mut self.settings.notion_token,
            _ => &mut self.settings.clickup_token,
        };
        ui.add(
            egui::TextEdit::singleline(text)
                .password(true)
                .hint_text(hint)
                .desired_width(340.0)
                .min_size(egui::vec2(340.0, 0.0)),
        )
        .labelled_by(label.id);
        let token = text.trim().to_owned();
        ui.horizontal(|ui| {
            let has = !token.is_empty();
            let test = ui
                .button(format!("Test {}", service))
                .on_hover_text("Tests the pasted token, or the stored one when the field is empty");
            if test.clicked() {
                let pasted = has.then(|| Token::new(token.clone()));
                self.send_token(
                    service,
                    poster::Command::TestToken(service, pasted),
                    "Testing…",
                );
            }
            if ui
                .add_enabled(has, egui::Button::new(format!("Save {}", service)))
                .clicked()
            {
                self.send_token(
                    service,
                    poster::Command::SaveToken(service, Token::new(token.clone())),
                    "Saving…",
                );
            }
            match self.settings.status_mut(service).clone() {
                Some(Ok(words)) => {
                    ui.colored_label(egui::Color32::from_rgb(70, 180, 90), format!("✔ {words}"));
                }
                Some(Err(e)) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                None => {
                    ui.weak("Not connected: paste a token, then Save");
                }
            }
        });
        ui.end_row();
    }

    fn send_token(&mut self, service: Service, command: poster::Command, doing: &str) {
        let sent = self.poster.as_ref().is_some_and(|p| p.send(command));
        *self.settings.status_mut(service) = Some(if sent {
            Ok(doing.to_owned())
        } else {
            Err("the posting worker is busy; try again in a moment".into())
        });
    }

    fn hotkey_settings_ui(&mut self, ui: &mut egui::Ui) {
        match self.hotkey_label() {
            Some(h) => ui.label(format!("{h} starts and stops a recording from anywhere.")),
            None => ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "No global hotkey: {}",
                    self.hotkey_problem.as_deref().unwrap_or("none registered")
                ),
            ),
        };
        ui.horizontal(|ui| {
            let label = ui.label("Combination");
            ui.add(egui::TextEdit::singleline(&mut self.hotkey_draft).desired_width(160.0))
                .labelled_by(label.id);
            let capture_text = if self.settings.capturing {
                "Press the keys now…"
            } else {
                "Press a new combination"
            };
            if ui.button(capture_text).clicked() {
                self.settings.capturing = !self.settings.capturing;
            }
            if ui.button("Apply").clicked() {
                self.apply_hotkey();
            }
        });
        if self.settings.capturing
            && let Some(combo) = ui.input(|i| pressed_combination(&i.events))
        {
            self.hotkey_draft = combo;
            self.settings.capturing = false;
        }
        match &self.settings.hotkey_status {
            Some(Ok(words)) => {
                ui.colored_label(egui::Color32::from_rgb(70, 180, 90), format!("✔ {words}"));
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            None => {}
        }
        ui.add_space(8.0);
        self.wayland_hotkey_ui(ui);
    }

    fn apply_hotkey(&mut self) {
        let combo = self.hotkey_draft.trim().to_owned();
        let result = match &mut self.hotkey {
            Some(h) => h.rebind(&combo),
            None => super::hotkey::Hotkey::new(&self.ctx, &combo).map(|h| {
                self.hotkey = Some(h);
            }),
        };
        self.settings.hotkey_status = Some(match result {
            Ok(()) => {
                self.prefs.hotkey = combo.clone();
                self.hotkey_problem = None;
                Ok(format!("{combo} is the hotkey now"))
            }
            Err(e) => {
                self.hotkey_problem = Some(e.clone());
                Err(e)
            }
        });
    }
}

/// The first key pressed with at least one modifier, written like "Ctrl+Alt+R".
fn pressed_combination(events: &[egui::Event]) -> Option<String> {
    events.iter().find_map(|e| match e {
        egui::Event::Key {
            key,
            pressed: true,
            modifiers,
            ..
        } if modifiers.ctrl || modifiers.alt || modifiers.command => {
            let mut parts = Vec::new();
            if modifiers.ctrl || modifiers.command {
                parts.push("Ctrl");
            }
            if modifiers.alt {
                parts.push("Alt");
            }
            if modifiers.shift {
                parts.push("Shift");
            }
            let name = key.name();
            Some(format!("{}+{name}", parts.join("+")))
        }
        _ => None,
    })
}
