//! Review's warning before a silent clip is posted: a `ui-sound-check` worker reads the sound
//! of the clip under review once, and when it never rises above the noise floor (the
//! microphone gave only silence: unplugged, muted on the device, the wrong input) Review says
//! so beside Post. A clip recorded with no microphone on purpose has no sound track and is not
//! warned about (its info line already says "no sound").

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use eframe::egui;

use super::app::App;

/// The rate the sound is read at: enough to find any sound above the floor.
const RATE: u32 = 8000;

/// What the worker found for one clip.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    Pending,
    Sound,
    Silent,
    /// The sound could not be read (the clip's own checks report why elsewhere).
    Unknown,
}

/// The check of the clip under review.
#[derive(Default)]
pub(super) struct SoundCheck {
    clip: Option<PathBuf>,
    verdict: Option<Verdict>,
    rx: Option<Receiver<Verdict>>,
}

impl SoundCheck {
    /// The verdict for `clip`, starting a check when it is a clip not checked yet.
    fn of(&mut self, clip: &Path, ctx: &egui::Context) -> Verdict {
        if self.clip.as_deref() != Some(clip) {
            self.start(clip, ctx);
        }
        if let Some(rx) = &self.rx
            && let Ok(verdict) = rx.try_recv()
        {
            self.verdict = Some(verdict);
            self.rx = None;
        }
        self.verdict.unwrap_or(Verdict::Pending)
    }

    fn start(&mut self, clip: &Path, ctx: &egui::Context) {
        let (tx, rx) = sync_channel(1);
        let path = clip.to_path_buf();
        let wake = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-sound-check".into())
            .spawn(move || {
                let verdict = match capture::clip::audio_mono(&path, RATE) {
                    Ok(samples) if capture::mic::peak(&samples) < capture::mic::SILENCE_FLOOR => {
                        tracing::info!(clip = %path.display(), "review: the clip's sound is silent");
                        Verdict::Silent
                    }
                    Ok(_) => Verdict::Sound,
                    Err(e) => {
                        tracing::info!(clip = %path.display(), "review: cannot read the sound: {e}");
                        Verdict::Unknown
                    }
                };
                let _ = tx.send(verdict);
                wake.request_repaint();
            });
        self.clip = Some(clip.to_path_buf());
        self.verdict = None;
        self.rx = spawned.is_ok().then_some(rx);
        if spawned.is_err() {
            self.verdict = Some(Verdict::Unknown);
        }
    }
}

impl App {
    /// Whether the clip under review is silent, once its sound was read (`None` before, or
    /// when it cannot be read).
    pub fn review_sound_is_silent(&self) -> Option<bool> {
        let clip = self.review.clip.as_ref()?;
        if self.sound_check.clip.as_deref() != Some(clip.path.as_path()) {
            return None;
        }
        match self.sound_check.verdict? {
            Verdict::Silent => Some(true),
            Verdict::Sound => Some(false),
            Verdict::Pending | Verdict::Unknown => None,
        }
    }

    /// Beside Post: a warning when the clip under review has a sound track with no sound in it.
    pub(super) fn silence_ui(&mut self, ui: &mut egui::Ui) {
        let Some(clip) = self.review.clip.as_ref().filter(|c| c.has_audio) else {
            return;
        };
        let path = clip.path.clone();
        if self.sound_check.of(&path, ui.ctx()) == Verdict::Silent {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "This clip has no sound: the microphone gave only silence. Check the input (plugged in, turned up, not muted on the device) and record again, or post it as it is.",
            );
        }
    }
}
