//! Review's draft: when the clip has a transcript beside it and the summary box is blank (empty
//! or the template), a `ui-draft` worker drafts the update (`draft::Extractive`) and the box
//! fills with it, marked as a draft. Typing accepts it (the mark goes); Redraft and Clear are
//! beside it. Posting sends what is in the box, so nothing is posted the user has not seen.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::{Duration, Instant};

use draft::{Draft, Drafter, Extractive};
use eframe::egui;

use super::app::App;
use super::review::TEMPLATE;

/// How often Review looks for a transcript that is not there yet (it may still be being made).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The draft's state for the clip under review.
#[derive(Default)]
pub enum Drafting {
    /// Nothing drafted for this clip yet.
    #[default]
    Idle,
    /// The worker drafts; `forced` (Redraft) replaces whatever the box holds.
    Working {
        rx: Receiver<Result<Draft, String>>,
        forced: bool,
    },
    /// The box holds `markdown` as drafted by `method`, not yet edited.
    Shown {
        markdown: String,
        method: &'static str,
    },
    /// Drafted and then edited, cleared, or not wanted: never filled again on its own.
    Settled,
    Failed(String),
}

/// Review's draft for one clip.
#[derive(Default)]
pub struct DraftBox {
    pub state: Drafting,
    /// The clip this state is for, and when its transcript was last looked for.
    clip: Option<PathBuf>,
    looked: Option<Instant>,
}

/// Whether the box holds nothing a person wrote: empty, or the blank template.
fn is_blank(summary: &str) -> bool {
    summary.trim().is_empty() || summary.trim_end() == TEMPLATE.trim_end()
}

/// Drafts `clip`'s transcript on a worker thread.
fn start(clip: &Path, ctx: &egui::Context) -> Result<Receiver<Result<Draft, String>>, String> {
    let (tx, rx) = sync_channel(1);
    let (clip, wake) = (clip.to_owned(), ctx.clone());
    std::thread::Builder::new()
        .name("ui-draft".into())
        .spawn(move || {
            let result = match speech::beside::read_beside(&clip) {
                Ok(Some(t)) => Ok(Extractive.draft(&t, &draft::headings(TEMPLATE))),
                Ok(None) => Err(format!(
                    "This clip has no transcript: run `clipnote transcribe {}` to draft from it",
                    clip.display()
                )),
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(result);
            wake.request_repaint();
        })
        .map(|_| rx)
        .map_err(|e| format!("cannot start drafting: {e}"))
}

impl App {
    /// The summary box's text (what Post sends).
    pub fn review_summary(&self) -> &str {
        &self.review.summary
    }

    /// Runs from Review's tick: starts a draft for a blank box once the transcript is there,
    /// and takes the worker's draft.
    pub(super) fn draft_tick(&mut self) {
        let Some(clip) = self.review.clip.as_ref().map(|c| c.path.clone()) else {
            return;
        };
        let d = &mut self.review.draft;
        if d.clip.as_ref() != Some(&clip) {
            *d = DraftBox {
                clip: Some(clip.clone()),
                ..DraftBox::default()
            };
        }
        match &d.state {
            Drafting::Idle if !is_blank(&self.review.summary) => d.state = Drafting::Settled,
            Drafting::Idle if d.looked.is_none_or(|t| t.elapsed() >= LOOK_EVERY) => {
                d.looked = Some(Instant::now());
                if speech::beside::transcript_path(&clip).is_file() {
                    d.state = match start(&clip, &self.ctx) {
                        Ok(rx) => Drafting::Working { rx, forced: false },
                        Err(e) => Drafting::Failed(e),
                    };
                }
            }
            Drafting::Working { rx, forced } => {
                let Ok(result) = rx.try_recv() else { return };
                let forced = *forced;
                d.state = match result {
                    Err(e) => Drafting::Failed(e),
                    // Typing while it drafted: what was typed wins.
                    Ok(_) if !forced && !is_blank(&self.review.summary) => Drafting::Settled,
                    Ok(draft) => {
                        let markdown = draft.to_markdown();
                        self.review.summary.clone_from(&markdown);
                        if !draft.title.is_empty()
                            && self.review.title == format!("Update {}", publish::today())
                        {
                            self.review.title = draft.title;
                        }
                        Drafting::Shown {
                            markdown,
                            method: draft.method.label(),
                        }
                    }
                };
            }
            Drafting::Shown { markdown, .. } if *markdown != self.review.summary => {
                d.state = Drafting::Settled;
            }
            _ => {}
        }
    }

    /// The draft's mark, Redraft and Clear (under the summary box).
    pub(super) fn draft_ui(&mut self, ui: &mut egui::Ui) {
        let Some(clip) = self.review.clip.as_ref().map(|c| c.path.clone()) else {
            return;
        };
        let has_transcript = speech::beside::transcript_path(&clip).is_file();
        let d = &mut self.review.draft;
        ui.horizontal_wrapped(|ui| {
            match &d.state {
                Drafting::Working { .. } => {
                    ui.spinner();
                    ui.label("Drafting from the transcript…");
                }
                Drafting::Shown { method, .. } => {
                    ui.label(
                        egui::RichText::new(format!("Draft — from the transcript ({method})"))
                            .italics(),
                    )
                    .on_hover_text(
                        "Sentences of the transcript sorted into the sections. Edit it before posting: typing accepts it",
                    );
                }
                _ => {}
            }
            if !has_transcript || matches!(d.state, Drafting::Working { .. }) {
                return;
            }
            if ui
                .small_button("Redraft")
                .on_hover_text("Draft the summary again from the transcript, replacing the box")
                .clicked()
            {
                d.state = match start(&clip, &self.ctx) {
                    Ok(rx) => Drafting::Working { rx, forced: true },
                    Err(e) => Drafting::Failed(e),
                };
            }
            if ui
                .small_button("Clear")
                .on_hover_text("Empty the summary back to the blank template")
                .clicked()
            {
                self.review.summary = TEMPLATE.to_owned();
                d.state = Drafting::Settled;
            }
        });
        if let Drafting::Failed(message) = &d.state {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
    }
}
