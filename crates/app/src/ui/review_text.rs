//! Review's Transcript: the lines said in the clip under review, each with its time. A click on
//! a time plays from there; a click on a line's text edits it (Enter or clicking away saves,
//! Esc cancels). A correction keeps the line's times — words left as they were keep theirs,
//! new words share the time of those they replace (`speech::correct`) — and is written over
//! `<clip>.transcript.json` and `<clip>.vtt` on a `ui-transcript-save` worker, marked as
//! corrected (`speech::beside::write_corrected`), so a machine-made transcript written later
//! (the live one, `clipnote transcribe`) does not replace it. Tighten cuts by the corrected
//! words, and posting, search and drafting read them from beside the clip.
//!
//! The transcript may be written after Review opened (the live transcript finishes after the
//! stop): until it is there, Review looks for it each second.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::{Duration, Instant};

use eframe::egui;
use speech::Transcript;

use super::app::App;
use super::hud::clock;
use super::tighten::tightened_path;
use super::transcript_pane::{Found, line_at, read_on_worker};

/// How often Review looks for a transcript that is not there yet.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The most the list takes of Review's height.
const MAX_HEIGHT: f32 = 220.0;

#[derive(Default)]
enum State {
    /// No transcript beside the clip yet.
    #[default]
    Waiting,
    Reading(Receiver<Found>),
    Ready(Transcript),
    Failed(String),
}

/// The line being corrected.
struct Editing {
    index: usize,
    text: String,
    /// Focus was asked for (once, as editing starts).
    focused: bool,
}

/// How an edit ended this frame.
enum Finish {
    Save,
    Cancel,
}

/// Review's transcript of the clip it shows.
#[derive(Default)]
pub struct ReviewText {
    /// The clip this state is for.
    clip: Option<PathBuf>,
    state: State,
    looked: Option<Instant>,
    editing: Option<Editing>,
    /// The save under way, and whether another is due when it ends (saves go one at a time,
    /// so the last correction is the one on disk).
    saving: Option<Receiver<Result<(), String>>>,
    save_again: bool,
    /// What the last save came to: `Ok` "Saved", or why it failed.
    saved: Option<Result<(), String>>,
    /// "Post it with the clip", as the user set it for this clip (and its tightened copy);
    /// `None` follows Settings → Transcripts.
    post: Option<bool>,
}

impl ReviewText {
    /// The transcript, once read (with any corrections made here).
    pub fn transcript(&self) -> Option<&Transcript> {
        match &self.state {
            State::Ready(t) => Some(t),
            _ => None,
        }
    }

    /// The transcript, once read, if it is `clip`'s.
    pub fn transcript_of(&self, clip: &Path) -> Option<&Transcript> {
        self.transcript()
            .filter(|_| self.clip.as_deref() == Some(clip))
    }

    fn start_save(&mut self, ctx: &egui::Context) {
        let (Some(clip), State::Ready(transcript)) = (&self.clip, &self.state) else {
            return;
        };
        if self.saving.is_some() {
            self.save_again = true;
            return;
        }
        self.saved = None;
        match save_on_worker(clip, transcript.clone(), ctx) {
            Ok(rx) => self.saving = Some(rx),
            Err(e) => self.saved = Some(Err(e)),
        }
    }

    /// Applies the edit under way to the transcript and saves it if it changed.
    fn commit(&mut self, ctx: &egui::Context) {
        let Some(edit) = self.editing.take() else {
            return;
        };
        if let State::Ready(transcript) = &mut self.state
            && speech::correct::correct_line(transcript, edit.index, &edit.text)
        {
            self.start_save(ctx);
        }
    }
}

/// Writes `transcript` beside `clip` as corrected, on a worker.
fn save_on_worker(
    clip: &Path,
    transcript: Transcript,
    ctx: &egui::Context,
) -> Result<Receiver<Result<(), String>>, String> {
    let (tx, rx) = sync_channel(1);
    let (clip, wake) = (clip.to_owned(), ctx.clone());
    std::thread::Builder::new()
        .name("ui-transcript-save".into())
        .spawn(move || {
            let result = speech::beside::write_corrected(&clip, &transcript).map_err(|e| {
                format!(
                    "cannot save the correction beside {}: {e}. Check the folder's permissions and free space, then Save again",
                    clip.display()
                )
            });
            tracing::info!(clip = %clip.display(), ok = result.is_ok(), "app: transcript corrected");
            let _ = tx.send(result);
            wake.request_repaint();
        })
        .map(|_| rx)
        .map_err(|e| format!("cannot save the correction: {e}"))
}

impl App {
    /// The transcript Review shows (with any corrections), once read.
    pub fn review_transcript(&self) -> Option<&Transcript> {
        self.review.text.transcript()
    }

    /// Runs from Review's tick: follows the clip Review shows, reads its transcript once it is
    /// there, and takes the outcome of a save.
    pub(super) fn review_text_tick(&mut self) {
        let Some(clip) = self.review.clip.as_ref().map(|c| c.path.clone()) else {
            return;
        };
        let t = &mut self.review.text;
        if t.clip.as_ref() != Some(&clip) {
            // Tighten and Undo swap the clip for its other form: the same post, the same choice.
            let same_post = t
                .clip
                .as_ref()
                .is_some_and(|was| tightened_path(was) == clip || tightened_path(&clip) == *was);
            *t = ReviewText {
                clip: Some(clip.clone()),
                post: if same_post { t.post } else { None },
                ..ReviewText::default()
            };
        }
        if let Some(rx) = &t.saving
            && let Ok(result) = rx.try_recv()
        {
            t.saving = None;
            t.saved = Some(result);
            if std::mem::take(&mut t.save_again) {
                t.start_save(&self.ctx);
            }
        }
        match &t.state {
            State::Waiting if t.looked.is_none_or(|at| at.elapsed() >= LOOK_EVERY) => {
                t.looked = Some(Instant::now());
                if speech::beside::transcript_path(&clip).is_file() {
                    t.state = match read_on_worker(clip, &self.ctx) {
                        Ok(rx) => State::Reading(rx),
                        Err(e) => State::Failed(e),
                    };
                }
            }
            State::Reading(rx) => {
                if let Ok(found) = rx.try_recv() {
                    t.state = match found {
                        Found::Ready(transcript) => State::Ready(transcript),
                        Found::Missing => State::Waiting,
                        Found::Failed(e) => State::Failed(e),
                    };
                }
            }
            _ => {}
        }
    }

    /// Whether Post carries the transcript: the user's choice for this clip, else Settings'.
    pub(super) fn review_posts_transcript(&self) -> bool {
        self.review
            .text
            .post
            .unwrap_or(self.settings.post_transcript)
    }

    /// The Transcript section under Review's player.
    pub(super) fn review_text_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(6.0);
        let has_words = self.review.text.transcript().is_some_and(|t| !t.is_empty());
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("Transcript").strong());
            if has_words {
                let mut on = self.review_posts_transcript();
                if ui
                    .checkbox(&mut on, "Post it with the clip")
                    .on_hover_text(
                        "Notion: a Transcript toggle under the summary. ClickUp: a reply under the summary comment and the captions file. Library and shared folders: the captions beside the clip. (The default for every clip is in Settings → Transcripts.)",
                    )
                    .changed()
                {
                    self.review.text.post = Some(on);
                }
            }
            self.save_status_ui(ui);
        });
        let position = self.review.position();
        let t = &mut self.review.text;
        let transcript = match &t.state {
            State::Ready(transcript) if !transcript.is_empty() => transcript,
            State::Ready(_) => {
                ui.weak("Nothing is said in this clip.");
                return;
            }
            State::Failed(e) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
                return;
            }
            State::Waiting | State::Reading(_) => {
                ui.weak("No transcript yet: it appears here once it is written beside the clip.");
                return;
            }
        };
        let current = line_at(&transcript.segments, position);
        let (mut seek, mut clicked, mut finish) = (None, None, None);
        egui::ScrollArea::vertical()
            .id_salt("review-transcript")
            .max_height(MAX_HEIGHT)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for (i, segment) in transcript.segments.iter().enumerate() {
                    ui.horizontal(|ui| {
                        let time = ui
                            .add(egui::Button::selectable(
                                current == Some(i),
                                clock(segment.start_secs),
                            ))
                            .on_hover_text("Play from here");
                        if time.clicked() {
                            seek = Some(segment.start_secs);
                        }
                        match &mut t.editing {
                            Some(edit) if edit.index == i => {
                                finish = edit_ui(ui, edit, time.id);
                            }
                            _ => {
                                let line =
                                    egui::Button::new(segment.text.trim()).frame(false).wrap();
                                if ui
                                    .add(line)
                                    .on_hover_text("Click to correct this line")
                                    .clicked()
                                {
                                    clicked = Some(i);
                                }
                            }
                        }
                    });
                }
            });
        let lines = transcript.segments.len();
        match finish {
            Some(Finish::Cancel) => t.editing = None,
            // Clicking another line ends this edit too: it is kept, as clicking away would.
            Some(Finish::Save) => t.commit(&self.ctx),
            None if clicked.is_some() => t.commit(&self.ctx),
            None => {}
        }
        // An emptied line is gone: the one clicked may have moved up.
        if t.transcript().is_none_or(|t| t.segments.len() != lines) {
            clicked = None;
        }
        if let Some(index) = clicked
            && let State::Ready(transcript) = &t.state
            && let Some(segment) = transcript.segments.get(index)
        {
            t.editing = Some(Editing {
                index,
                text: segment.text.trim().to_owned(),
                focused: false,
            });
        }
        if let Some(secs) = seek
            && let Some(p) = &mut self.review.playback
        {
            p.seek(secs);
        }
    }

    /// "Saving…", "Saved", or why saving failed with Save again.
    fn save_status_ui(&mut self, ui: &mut egui::Ui) {
        let t = &mut self.review.text;
        if t.saving.is_some() {
            ui.spinner();
            ui.weak("Saving…");
            return;
        }
        match &t.saved {
            Some(Ok(())) => {
                ui.weak("Saved (corrected)")
                    .on_hover_text("Written beside the clip; posting and search use it");
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e.as_str());
                if ui.small_button("Save again").clicked() {
                    t.start_save(&self.ctx);
                }
            }
            None => {}
        }
    }
}

/// The line being corrected, named by its time (`label`) for screen readers. Enter or
/// clicking away saves; Esc cancels.
fn edit_ui(ui: &mut egui::Ui, edit: &mut Editing, label: egui::Id) -> Option<Finish> {
    let response = ui
        .add(
            egui::TextEdit::multiline(&mut edit.text)
                .desired_rows(1)
                .desired_width(f32::INFINITY)
                // A line is one line: Enter ends the edit instead of starting a new line.
                .return_key(None::<egui::KeyboardShortcut>)
                .hint_text("Enter saves, Esc cancels"),
        )
        .labelled_by(label);
    if !edit.focused {
        edit.focused = true;
        response.request_focus();
        return None;
    }
    let (enter, escape) = ui.input(|i| {
        (
            i.key_pressed(egui::Key::Enter),
            i.key_pressed(egui::Key::Escape),
        )
    });
    if escape {
        Some(Finish::Cancel)
    } else if (enter && response.has_focus()) || response.lost_focus() {
        Some(Finish::Save)
    } else {
        None
    }
}
