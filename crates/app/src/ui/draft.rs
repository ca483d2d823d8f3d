//! Review's draft: when the clip has a transcript beside it and the summary box is blank (empty
//! or the template), a `ui-draft` worker (lowest priority) drafts the update — with the local
//! language model when it is installed, else extractively (`crate::drafting`) — and the box
//! fills as the model writes, marked as a draft that names its method. Typing stops it at once
//! and keeps what was typed; a recording starting stops it (it drafts again afterwards). Typing
//! into a finished draft accepts it (the mark goes); Redraft and Clear are beside it. Posting
//! sends what is in the box, so nothing is posted the user has not seen. Each draft is a
//! process of its own (`draft_process`), so stopping it is immediate and its memory is
//! released when it ends.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use eframe::egui;

use super::app::App;
use super::draft_process::{self, Stopper};
use super::review::TEMPLATE;
use crate::drafting::Finished;

/// How often Review looks for a transcript that is not there yet (it may still be being made).
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Drafts in progress the worker may have waiting for the UI (newer ones replace older).
const PROGRESS_QUEUE: usize = 4;

/// What the worker sends.
pub enum Msg {
    /// The model's draft so far, as markdown.
    Progress(String),
    /// The finished draft, or why there is none.
    Done(Result<Finished, String>),
}

/// The draft's state for the clip under review.
#[derive(Default)]
pub enum Drafting {
    /// Nothing drafted for this clip yet.
    #[default]
    Idle,
    /// The worker drafts; the box is filled while it holds `expected` (what was last put
    /// there); anything else in it was typed, which stops the worker.
    Working {
        rx: Receiver<Msg>,
        stop: Stopper,
        expected: String,
        streaming: bool,
    },
    /// The box holds `markdown` as drafted by `method`, not yet edited.
    Shown {
        markdown: String,
        method: &'static str,
        /// Why the language model did not draft, when it did not.
        fallback: Option<String>,
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
    /// The model folder, when not the user's (tests).
    pub models_dir: Option<PathBuf>,
    /// The program that drafts (`clipnote-app draft --progress`), when not this one (tests).
    pub program: Option<PathBuf>,
}

impl DraftBox {
    /// A new box for `clip`, drafting as this one did (the same model folder and program);
    /// this one's draft, if any, stops.
    pub fn renewed(&mut self, clip: Option<PathBuf>) -> Self {
        Self {
            state: Drafting::Idle,
            clip,
            looked: None,
            models_dir: self.models_dir.take(),
            program: self.program.take(),
        }
    }
}

impl Drop for DraftBox {
    fn drop(&mut self) {
        if let Drafting::Working { stop, .. } = &self.state {
            stop.stop();
        }
    }
}

/// Whether the box holds nothing a person wrote: empty, or the blank template.
fn is_blank(summary: &str) -> bool {
    summary.trim().is_empty() || summary.trim_end() == TEMPLATE.trim_end()
}

/// Hands the UI the draft so far; a full queue drops it (a newer one follows).
pub(super) fn send_progress(tx: &SyncSender<Msg>, markdown: &str, last: &mut String) {
    if markdown == last {
        return;
    }
    match tx.try_send(Msg::Progress(markdown.to_owned())) {
        Ok(()) => markdown.clone_into(last),
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
    }
}

/// Drafts `clip`'s transcript in a drafting process (`program`, else this app's own binary;
/// the drafting model looked for in `models`, else the model folder).
fn start(
    clip: &Path,
    (models, program): (Option<&Path>, Option<&Path>),
    ctx: &egui::Context,
    expected: String,
) -> Result<Drafting, String> {
    let (tx, rx) = sync_channel(PROGRESS_QUEUE);
    let own = match program {
        Some(p) => p.to_owned(),
        None => own_program()?,
    };
    let stop = draft_process::start(&own, clip, models, tx, ctx.clone())?;
    tracing::info!(pid = ?stop.pid(), "review: drafting");
    Ok(Drafting::Working {
        rx,
        stop,
        expected,
        streaming: false,
    })
}

/// This app's own binary. On Linux `/proc/self/exe`, which still runs this very build after a
/// package upgrade has replaced (or removed) the file it was started from.
fn own_program() -> Result<PathBuf, String> {
    let proc_exe = Path::new("/proc/self/exe");
    if proc_exe.exists() {
        return Ok(proc_exe.to_owned());
    }
    std::env::current_exe().map_err(|e| format!("cannot start drafting: {e}"))
}

impl App {
    /// The summary box's text (what Post sends).
    pub fn review_summary(&self) -> &str {
        &self.review.summary
    }

    /// The drafting process's id while a draft runs.
    pub fn draft_process_id(&self) -> Option<u32> {
        match &self.review.draft.state {
            Drafting::Working { stop, .. } => stop.pid(),
            _ => None,
        }
    }

    /// Runs from Review's tick: starts a draft for a blank box once the transcript is there,
    /// fills the box as the worker writes, and stops the worker when the user types or a
    /// recording starts.
    pub(super) fn draft_tick(&mut self) {
        let Some(clip) = self.review.clip.as_ref().map(|c| c.path.clone()) else {
            return;
        };
        let recording = !self.rec.is_idle();
        let d = &mut self.review.draft;
        if d.clip.as_ref() != Some(&clip) {
            // The old box (and any draft it had) goes.
            *d = d.renewed(Some(clip.clone()));
        }
        match &mut d.state {
            Drafting::Idle if !is_blank(&self.review.summary) => d.state = Drafting::Settled,
            // A recording takes the machine: no draft starts while it runs.
            Drafting::Idle if recording => {}
            Drafting::Idle if d.looked.is_none_or(|t| t.elapsed() >= LOOK_EVERY) => {
                d.looked = Some(Instant::now());
                if speech::beside::transcript_path(&clip).is_file() {
                    let summary = self.review.summary.clone();
                    let how = (d.models_dir.as_deref(), d.program.as_deref());
                    d.state =
                        start(&clip, how, &self.ctx, summary).unwrap_or_else(Drafting::Failed);
                }
            }
            Drafting::Working { stop, .. } if recording => {
                // Stopped for the recording; drafted again once it is over.
                stop.stop();
                tracing::info!("review: a recording started, the draft stops");
                d.state = Drafting::Idle;
            }
            Drafting::Working { expected, stop, .. } if self.review.summary != *expected => {
                // Typed into the box while it drafted: what was typed wins, at once.
                stop.stop();
                tracing::info!("review: typing stopped the draft");
                d.state = Drafting::Settled;
            }
            Drafting::Working {
                rx,
                expected,
                streaming,
                ..
            } => {
                let mut done = None;
                for msg in rx.try_iter() {
                    match msg {
                        Msg::Progress(markdown) => {
                            self.review.summary.clone_from(&markdown);
                            *expected = markdown;
                            *streaming = true;
                        }
                        Msg::Done(result) => done = Some(result),
                    }
                }
                let Some(result) = done else { return };
                d.state = match result {
                    Err(e) => Drafting::Failed(e),
                    Ok(draft) => {
                        self.review.summary.clone_from(&draft.markdown);
                        if !draft.title.is_empty()
                            && self.review.title == format!("Update {}", publish::today())
                        {
                            self.review.title = draft.title;
                        }
                        Drafting::Shown {
                            markdown: draft.markdown,
                            method: draft.method.label(),
                            fallback: draft.fallback,
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
                Drafting::Working { streaming, .. } => {
                    ui.spinner();
                    ui.label(if *streaming {
                        "Drafting with the local model… (type to stop it and write your own)"
                    } else {
                        "Drafting from the transcript…"
                    });
                }
                Drafting::Shown {
                    method, fallback, ..
                } => {
                    let about = match fallback {
                        Some(why) => format!(
                            "Sentences of the transcript sorted into the sections, because {why}. \
                             Edit it before posting: typing accepts it"
                        ),
                        None if *method == draft::Method::Model.label() => {
                            "Written by the local language model on this machine (nothing left it); \
                             every number, date and name in it was said in the transcript. Edit it \
                             before posting: typing accepts it"
                                .to_owned()
                        }
                        None => "Sentences of the transcript sorted into the sections. Edit it \
                                 before posting: typing accepts it"
                            .to_owned(),
                    };
                    ui.label(
                        egui::RichText::new(format!("Draft — from the transcript ({method})"))
                            .italics(),
                    )
                    .on_hover_text(about);
                }
                _ => {}
            }
            if !has_transcript {
                return;
            }
            if let Drafting::Working { stop, .. } = &d.state {
                if ui
                    .small_button("Stop")
                    .on_hover_text("Stop drafting and keep what is in the box")
                    .clicked()
                {
                    stop.stop();
                    d.state = Drafting::Settled;
                }
                return;
            }
            if ui
                .small_button("Redraft")
                .on_hover_text("Draft the summary again from the transcript, replacing the box")
                .clicked()
            {
                let summary = self.review.summary.clone();
                let how = (d.models_dir.as_deref(), d.program.as_deref());
                d.state = start(&clip, how, &self.ctx, summary).unwrap_or_else(Drafting::Failed);
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
        match &d.state {
            Drafting::Failed(message) => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            Drafting::Shown {
                fallback: Some(why),
                ..
            } => {
                ui.small(format!("Not drafted by the local model: {why}"));
            }
            _ => {}
        }
    }
}
