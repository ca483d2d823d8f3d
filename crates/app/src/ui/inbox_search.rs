//! The Inbox's search field: clips whose title, summary or transcript holds the words typed
//! (matched as [`crate::search`] says), each with its matching lines and when they are said;
//! a click on a line opens the clip on the Watch screen at that moment. The search itself runs
//! on the inbox worker (it reads transcripts from disk), one at a time: while one runs, what is
//! typed next waits for its answer.

use eframe::egui;

use super::app::App;
use super::hud::clock;
use super::inbox_worker::Command;
use super::record::truncate;
use crate::search::{Found, Place};

/// The search as the Inbox holds it.
#[derive(Default)]
pub struct SearchView {
    /// What is typed in the field.
    pub query: String,
    /// The query the worker is searching for.
    asked: Option<String>,
    /// The last answer: the query it was for, and the clips found.
    pub found: Option<(String, Vec<Found>)>,
    /// The inbox changed since: the answer is shown until a new search replaces it.
    stale: bool,
}

impl SearchView {
    /// The entries were read again (a refresh, a follow, a download): search again.
    pub fn entries_changed(&mut self) {
        self.stale = true;
    }
}

impl App {
    /// The search field. Sends what is typed to the inbox worker when it changed and no search
    /// is running.
    pub(super) fn search_field_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Search");
            ui.add(
                egui::TextEdit::singleline(&mut self.inbox.search.query)
                    .hint_text("Words in a title, a summary, or anything said")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        });
        let search = &mut self.inbox.search;
        let query = search.query.trim().to_owned();
        if query.is_empty() {
            search.found = None;
            return;
        }
        let answered = !search.stale && search.found.as_ref().is_some_and(|(q, _)| *q == query);
        if search.asked.is_none() && !answered && self.inbox_send(Command::Search(query.clone())) {
            self.inbox.search.asked = Some(query);
            self.inbox.search.stale = false;
        }
    }

    /// The worker's answer to a search.
    pub(super) fn search_found(&mut self, query: String, found: Vec<Found>) {
        let search = &mut self.inbox.search;
        search.asked = None;
        search.found = Some((query, found));
    }

    /// The clips found, while something is typed in the field (instead of the list): true when
    /// shown.
    pub(super) fn search_results_ui(&mut self, ui: &mut egui::Ui) -> bool {
        let query = self.inbox.search.query.trim();
        if query.is_empty() {
            return false;
        }
        let Some((asked, found)) = &self.inbox.search.found else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Searching…");
            });
            return true;
        };
        if found.is_empty() {
            ui.label(format!(
                "No clip's title, summary or transcript holds “{asked}”."
            ));
            ui.weak("Clips are searched by what is said in them once they have a transcript beside them (`clipnote transcribe`).");
            return true;
        }
        ui.weak(format!(
            "{} clip{} with “{asked}”",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        ));
        let mut open = None;
        egui::ScrollArea::vertical()
            .id_salt("inbox-search")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for f in found {
                    let title = egui::RichText::new(truncate(&f.entry.title, 80))
                        .strong()
                        .size(16.0);
                    if ui
                        .add(egui::Button::new(title).frame(false))
                        .on_hover_text("Watch it here")
                        .clicked()
                    {
                        open = Some((f.entry.id.clone(), None));
                    }
                    ui.label(super::inbox::meta_line(&f.entry));
                    for hit in f.hits.iter().filter(|h| h.place != Place::Title) {
                        let line = match hit.at_secs {
                            Some(at) => format!("{}  {}", clock(at), hit.line),
                            None => format!("Summary: {}", hit.line),
                        };
                        let button = egui::Button::new(truncate(&line, 200)).wrap();
                        if ui.add(button).on_hover_text("Watch from here").clicked() {
                            open = Some((f.entry.id.clone(), hit.at_secs));
                        }
                    }
                    ui.separator();
                }
            });
        if let Some((id, at)) = open {
            self.open_found(&id, at);
        }
        true
    }

    /// Opens a clip found (as the inbox now has it) at `at_secs`, or where it was left.
    fn open_found(&mut self, id: &str, at_secs: Option<f64>) {
        let Some(mut entry) = self.inbox.entries.iter().find(|e| e.id == id).cloned() else {
            return;
        };
        if let Some(at) = at_secs {
            entry.position_secs = at;
        }
        self.open_entry(entry);
    }
}
