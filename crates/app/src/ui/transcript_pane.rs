//! The clip being watched as text ([`ClipText`]): its written summary, rendered, and what is
//! said in it — the transcript beside the clip (`speech::beside::read_beside`), read on a
//! named worker thread. The transcript is drawn twice: as captions over the picture (the cue at
//! the playback position; `C` or the Captions button turns them off and on), and as a pane of
//! timed lines (click one to seek there; the line being said is highlighted and kept in view).
//! Both follow the player's position, which follows its sound clock, so they stay in step at
//! every speed.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};

use eframe::egui;
use speech::{Cue, Segment, Transcript};

/// The side column's width on the Watch screen (less in a narrow window).
pub const SIDE_WIDTH: f32 = 380.0;

/// What reading the transcript beside a clip found.
pub(super) enum Found {
    /// None beside the clip (yet).
    Missing,
    Failed(String),
    Ready(Transcript),
}

/// Reads the transcript beside `clip` on a `ui-transcript-read` worker (Watch's pane and
/// Review's both), waking the UI when it is read.
pub(super) fn read_on_worker(
    clip: PathBuf,
    ctx: &egui::Context,
) -> Result<Receiver<Found>, String> {
    let (tx, rx) = sync_channel(1);
    let wake = ctx.clone();
    std::thread::Builder::new()
        .name("ui-transcript-read".into())
        .spawn(move || {
            let found = match speech::beside::read_beside(&clip) {
                Ok(Some(transcript)) => Found::Ready(transcript),
                Ok(None) => Found::Missing,
                Err(e) => Found::Failed(format!("cannot read the transcript: {e}")),
            };
            let _ = tx.send(found);
            wake.request_repaint();
        })
        .map(|_| rx)
        .map_err(|e| format!("cannot read the transcript: {e}"))
}

/// The line being said at `secs`: the last one that has started.
pub(super) fn line_at(segments: &[Segment], secs: f64) -> Option<usize> {
    segments
        .partition_point(|s| s.start_secs <= secs + 0.01)
        .checked_sub(1)
}

enum State {
    Reading(PathBuf, Receiver<Found>),
    /// No clip on this machine (it could not be downloaded).
    NoClip,
    /// No transcript beside the clip.
    Missing(PathBuf),
    Failed(String),
    Ready {
        transcript: Transcript,
        cues: Vec<Cue>,
    },
}

/// The summary and transcript of the clip on the Watch screen, and whether captions show.
pub struct ClipText {
    pub summary: String,
    state: State,
    /// Captions are drawn over the picture.
    pub captions: bool,
    /// The line last scrolled into view.
    scrolled_to: Option<usize>,
}

impl ClipText {
    /// Starts reading the transcript beside `clip` (none when the clip could not be had).
    pub fn open(clip: Option<PathBuf>, summary: String, ctx: &egui::Context) -> Self {
        let state = match clip {
            None => State::NoClip,
            Some(clip) => match read_on_worker(clip.clone(), ctx) {
                Ok(rx) => State::Reading(clip, rx),
                Err(e) => State::Failed(e),
            },
        };
        Self {
            summary,
            state,
            captions: true,
            scrolled_to: None,
        }
    }

    /// Runs from `logic`: takes the transcript once it is read.
    pub fn tick(&mut self) {
        if let State::Reading(clip, rx) = &self.state
            && let Ok(found) = rx.try_recv()
        {
            self.state = match found {
                Found::Ready(transcript) => State::Ready {
                    cues: transcript.cues(),
                    transcript,
                },
                Found::Missing => State::Missing(clip.clone()),
                Found::Failed(e) => State::Failed(e),
            };
        }
    }

    /// The transcript, once read.
    pub fn transcript(&self) -> Option<&Transcript> {
        match &self.state {
            State::Ready { transcript, .. } => Some(transcript),
            _ => None,
        }
    }

    /// The caption on screen at `secs`, if any.
    pub fn caption_at(&self, secs: f64) -> Option<&str> {
        let State::Ready { cues, .. } = &self.state else {
            return None;
        };
        cues.iter()
            .find(|c| c.start_secs <= secs && secs < c.end_secs)
            .map(|c| c.text.as_str())
    }

    /// The transcript line being said at `secs`: the last one that has started.
    pub fn line_at(&self, secs: f64) -> Option<usize> {
        line_at(&self.transcript()?.segments, secs)
    }

    /// The caption at `secs` over the bottom of `picture`, when captions are on.
    pub fn captions_ui(&self, ui: &mut egui::Ui, picture: egui::Rect, secs: f64) {
        let Some(text) = self.caption_at(secs).filter(|_| self.captions) else {
            return;
        };
        let size = (picture.height() / 18.0).clamp(13.0, 26.0);
        let margin = egui::vec2(10.0, 4.0);
        let wrap_width = (picture.width() * 0.9 - 2.0 * margin.x).max(40.0);
        let galley = ui.painter().layout(
            text.to_owned(),
            egui::FontId::proportional(size),
            egui::Color32::WHITE,
            wrap_width,
        );
        // A pixel to spare, so the label wraps where the galley did.
        let boxed = galley.size() + 2.0 * margin + egui::vec2(1.0, 0.0);
        let bottom = picture.bottom() - size * 0.6;
        let rect = egui::Rect::from_min_size(
            egui::pos2(picture.center().x - boxed.x / 2.0, bottom - boxed.y),
            boxed,
        );
        ui.painter()
            .rect_filled(rect, 4.0, egui::Color32::from_black_alpha(180));
        let caption = egui::RichText::new(text)
            .size(size)
            .color(egui::Color32::WHITE);
        // A child that takes no room: the controls stay under the picture.
        ui.new_child(
            egui::UiBuilder::new()
                .max_rect(rect.shrink2(margin))
                .layout(egui::Layout::top_down(egui::Align::Center)),
        )
        .add(egui::Label::new(caption).wrap());
    }

    /// The summary, then the transcript's lines. Returns where to seek when a line is clicked.
    pub fn ui(&mut self, ui: &mut egui::Ui, secs: f64) -> Option<f64> {
        let height = ui.available_height();
        ui.label(egui::RichText::new("Summary").strong().size(16.0));
        egui::ScrollArea::vertical()
            .id_salt("watch-summary")
            .max_height(if self.transcript().is_some() {
                height * 0.4
            } else {
                height * 0.7
            })
            .auto_shrink([false, true])
            .show(ui, |ui| {
                super::markdown::show(ui, &self.summary, "No written summary.")
            });
        ui.separator();
        ui.label(egui::RichText::new("Transcript").strong().size(16.0));
        let current = self.line_at(secs);
        let State::Ready { transcript, .. } = &self.state else {
            let why = match &self.state {
                State::Reading(..) => "Reading the transcript…".to_owned(),
                State::NoClip => "No transcript: the clip is not on this machine.".to_owned(),
                State::Missing(clip) => format!(
                    "No transcript beside this clip yet. `clipnote transcribe {}` writes one.",
                    clip.display()
                ),
                State::Failed(e) => e.clone(),
                State::Ready { .. } => String::new(),
            };
            ui.weak(why);
            return None;
        };
        if transcript.is_empty() {
            ui.weak("Nothing is said in this clip.");
            return None;
        }
        let mut seek = None;
        let follow = current != self.scrolled_to;
        egui::ScrollArea::vertical()
            .id_salt("watch-transcript")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (i, segment) in transcript.segments.iter().enumerate() {
                    let line = format!(
                        "{}  {}",
                        super::hud::clock(segment.start_secs),
                        segment.text.trim()
                    );
                    let here = current == Some(i);
                    let response = ui
                        .add(egui::Button::selectable(here, line).wrap())
                        .on_hover_text("Play from here");
                    if response.clicked() {
                        seek = Some(segment.start_secs);
                    }
                    if here && follow {
                        response.scroll_to_me(Some(egui::Align::Center));
                    }
                }
            });
        self.scrolled_to = current;
        seek
    }
}
