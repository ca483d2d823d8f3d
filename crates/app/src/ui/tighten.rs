//! Review's Tighten: cuts the clip's long silences and filler words (`crate::tighten`, on a
//! `ui-tighten` worker) into `<clip>.tight.mp4`, shows the new length ("3:12 → 2:31") and
//! plays the tightened clip in Review's player; Undo goes back to the original. Review posts
//! whichever clip it shows.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TrySendError, sync_channel};

use eframe::egui;
use speech::tighten::{DEFAULT_SILENCE_SECS, PlanOptions};

use super::app::App;
use super::player::Playback;
use super::review::Clip;
use crate::tighten::{Stage, Tightened, tighten};

/// What the worker sends.
pub(super) enum Msg {
    Stage(Stage),
    Done(Box<Result<(Clip, Tightened), String>>),
}

/// Where Tighten is, for the clip under review.
#[derive(Default)]
pub enum Tighten {
    #[default]
    Idle,
    Working {
        stage: Option<Stage>,
        rx: Receiver<Msg>,
    },
    /// Review shows `tightened`; Undo shows `original` again.
    Done {
        original: Clip,
        /// The tightened clip's transcript as written, and the original line of each of its
        /// lines: what Undo compares Review's transcript with, to keep its corrections.
        as_cut: Box<speech::Transcript>,
        origin: Vec<usize>,
        /// "3:12 → 2:31" and what was cut.
        lengths: String,
        what: String,
    },
    Failed(String),
}

/// Where the tightened copy of `clip` goes: `<clip>.tight.mp4` beside it.
pub fn tightened_path(clip: &Path) -> PathBuf {
    clip.with_extension("tight.mp4")
}

/// Cuts `clip` on a worker thread; the receiver gets stages, then the outcome.
fn start(clip: Clip, ctx: &egui::Context) -> Result<Receiver<Msg>, String> {
    let (tx, rx) = sync_channel(8);
    let wake = ctx.clone();
    std::thread::Builder::new()
        .name("ui-tighten".into())
        .spawn(move || {
            let out = tightened_path(&clip.path);
            let (progress, woken) = (tx.clone(), wake.clone());
            let on_stage = move |stage| {
                // Progress may be dropped when the UI is behind; the outcome never is.
                if let Err(TrySendError::Full(_)) = progress.try_send(Msg::Stage(stage)) {
                    tracing::debug!("tighten progress dropped");
                }
                woken.request_repaint();
            };
            let result = tighten(&clip.path, &out, &PlanOptions::default(), on_stage)
                .map_err(|e| e.message)
                .and_then(|done| {
                    let info = capture::clip::info(&done.path).map_err(|e| e.to_string())?;
                    let clip = Clip {
                        path: done.path.clone(),
                        duration_secs: info.duration_secs,
                        width: info.width,
                        height: info.height,
                        bytes: std::fs::metadata(&done.path).map_or(0, |m| m.len()),
                        has_audio: info.has_audio,
                    };
                    Ok((clip, done))
                });
            let _ = tx.send(Msg::Done(Box::new(result)));
            wake.request_repaint();
        })
        .map(|_| rx)
        .map_err(|e| format!("cannot start tightening: {e}"))
}

impl App {
    /// Shows `clip` in Review's player, from its start, untrimmed.
    fn show_in_review(&mut self, clip: Clip) {
        self.review.trim = [0.0, clip.duration_secs];
        self.review.playback = Some(Playback::open(clip.path.clone(), &self.ctx));
        self.review.clip = Some(clip);
    }

    /// Runs from Review's tick: takes the worker's news.
    pub(super) fn tighten_tick(&mut self) {
        let Tighten::Working { stage, rx } = &mut self.review.tighten else {
            return;
        };
        let mut outcome = None;
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::Stage(s) => *stage = Some(s),
                Msg::Done(result) => outcome = Some(*result),
            }
        }
        match outcome {
            None => {}
            Some(Err(message)) => self.review.tighten = Tighten::Failed(message),
            Some(Ok((tightened, done))) => {
                let Some(original) = self.review.clip.clone() else {
                    return;
                };
                tracing::info!(clip = %tightened.path.display(), lengths = %done.lengths(), "app: clip tightened");
                self.review.tighten = Tighten::Done {
                    original,
                    lengths: done.lengths(),
                    what: done.what_was_cut(),
                    as_cut: Box::new(done.transcript),
                    origin: done.origin,
                };
                self.show_in_review(tightened);
            }
        }
    }

    /// The Tighten button, its progress, the new length and Undo (under Review's player).
    pub(super) fn tighten_ui(&mut self, ui: &mut egui::Ui) {
        let has_audio = self.review.clip.as_ref().is_some_and(|c| c.has_audio);
        let mut undo = None;
        ui.horizontal_wrapped(|ui| match &self.review.tighten {
            Tighten::Idle | Tighten::Failed(_) => {
                let hint = if has_audio {
                    format!(
                        "Cut silences over {DEFAULT_SILENCE_SECS} s and filler words (um, uh, erm) using the transcript; Undo brings the original back"
                    )
                } else {
                    "This clip has no sound: there is nothing said to tighten around".to_owned()
                };
                let button = ui
                    .add_enabled(has_audio, egui::Button::new("Tighten"))
                    .on_hover_text(hint)
                    .on_disabled_hover_text("This clip has no sound to tighten around");
                if button.clicked()
                    && let Some(clip) = self.review.clip.clone()
                {
                    self.review.tighten = match start(clip, &self.ctx) {
                        Ok(rx) => Tighten::Working { stage: None, rx },
                        Err(e) => Tighten::Failed(e),
                    };
                }
            }
            Tighten::Working { stage, .. } => {
                ui.spinner();
                ui.label(match stage {
                    Some(Stage::Transcribing(p)) => format!("Tightening: transcribing… {p}%"),
                    Some(Stage::Cutting) => "Tightening: cutting…".to_owned(),
                    None => "Tightening…".to_owned(),
                });
            }
            Tighten::Done {
                original,
                lengths,
                what,
                ..
            } => {
                ui.label(egui::RichText::new(format!("Tightened {lengths}")).strong())
                    .on_hover_text(what);
                if ui
                    .button("Undo")
                    .on_hover_text("Show and post the original clip again")
                    .clicked()
                {
                    undo = Some(original.clone());
                }
            }
        });
        if let Tighten::Failed(message) = &self.review.tighten {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        if let Some(original) = undo {
            let done = std::mem::take(&mut self.review.tighten);
            if let Err(message) = self.keep_corrections(&original.path, &done) {
                self.review.tighten = Tighten::Failed(message);
            }
            self.show_in_review(original);
        }
    }

    /// Before Undo: the corrections made to the tightened clip's transcript, written into the
    /// original clip's (beside it), so going back does not lose them.
    fn keep_corrections(&self, original: &Path, done: &Tighten) -> Result<(), String> {
        let tightened = tightened_path(original);
        let now = self.review.text.transcript_of(&tightened);
        let (Tighten::Done { as_cut, origin, .. }, Some(now)) = (done, now) else {
            return Ok(());
        };
        let cannot = |e: std::io::Error| {
            format!(
                "the corrections made to the tightened clip's transcript cannot be kept beside {}: {e}. They are still beside {}",
                original.display(),
                tightened.display()
            )
        };
        let Some(mut transcript) = speech::beside::read_beside(original).map_err(cannot)? else {
            return Ok(());
        };
        if speech::correct::carry_back(&mut transcript, as_cut, origin, now) {
            speech::beside::write_corrected(original, &transcript).map_err(cannot)?;
            tracing::info!(clip = %original.display(), "app: corrections kept through Undo");
        }
        Ok(())
    }
}
