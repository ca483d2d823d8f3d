//! The written summary as it reads: its Markdown (the template's bold headings and bullets,
//! `#` headings, emphasis, lists, links) rendered with `egui_commonmark`, on the Watch screen
//! and in Review's preview. Built without image loading: a summary never makes the app fetch
//! anything.

use std::sync::{Arc, Mutex};

use eframe::egui;
use egui_commonmark::{CommonMarkCache, CommonMarkViewer};

/// The renderer's layout cache, kept in egui's memory (one for the whole app).
type Cache = Arc<Mutex<CommonMarkCache>>;

/// Draws `text` as Markdown, or `empty` (weak) when there is nothing to show.
pub fn show(ui: &mut egui::Ui, text: &str, empty: &str) {
    if text.trim().is_empty() {
        ui.weak(empty);
        return;
    }
    let cache: Cache = ui.data_mut(|d| {
        d.get_temp_mut_or_default::<Cache>(egui::Id::unique("markdown-cache"))
            .clone()
    });
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    CommonMarkViewer::new().show(ui, &mut cache, text);
}

/// The Summary field: the Markdown being written (labelled "Summary"), or — with Preview — how
/// it will read. Which one shows is kept per field in egui's memory.
pub fn summary_field(ui: &mut egui::Ui, summary: &mut String, rows: usize) {
    let id = ui.scope_id().with("summary-preview");
    let mut preview = ui.data(|d| d.get_temp::<bool>(id)).unwrap_or(false);
    let label = ui
        .horizontal(|ui| {
            let label = ui.label(egui::RichText::new("Summary").strong());
            ui.add_space(8.0);
            ui.selectable_value(&mut preview, false, "Edit");
            ui.selectable_value(&mut preview, true, "Preview")
                .on_hover_text("How the summary reads once posted");
            label
        })
        .inner;
    ui.data_mut(|d| d.insert_temp(id, preview));
    if preview {
        let height = rows as f32 * ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            egui::ScrollArea::vertical()
                .id_salt("summary-preview")
                .min_scrolled_height(height)
                .max_height(height)
                .show(ui, |ui| show(ui, summary, "Nothing written yet."));
        });
    } else {
        ui.add(
            egui::TextEdit::multiline(summary)
                .desired_rows(rows)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    }
}
