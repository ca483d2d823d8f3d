//! Transcribing while recording: capture's sound tap wired to speech's live transcript, for
//! `clipnote record` and the app's Record → stop → Review alike.
//!
//! ```text
//! audio-encode ─ SoundBlock (16 kHz, ½ s; bounded, try_send) ─▶ transcribe-live (SCHED_IDLE)
//!                                      LiveTranscript: windows cut at pauses, each transcribed
//!                          tap closes (recording stopped) ─▶ the tail ─▶ <clip>.vtt + <clip>.transcript.json
//! ```
//!
//! The worker runs at the lowest priority the system has (`SCHED_IDLE`, else nice 19), so the
//! recording never waits for it; when it falls behind, the tap drops sound and counts it, and
//! the report says the transcript may be incomplete. Once the sound has ended it asks for
//! normal priority back (the recording is over) to finish the tail sooner.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Instant;

use capture::{RecordSettings, SoundBlock, SoundTap};
use speech::{LiveTranscript, Model, Options};

use crate::config;

/// Sound the worker may fall behind by before the tap drops some: ½-s blocks, two minutes.
const TAP_BLOCKS: usize = 240;

/// What to say when transcripts are on but no model is installed.
pub const NO_MODEL: &str = "No speech model is installed, so clips get no transcript. To get \
                            transcripts: clipnote models install tiny.en";

/// How transcripts are made while recording (`[transcript]` in the config file).
#[derive(Debug, Clone)]
pub struct Plan {
    pub enabled: bool,
    /// A model name or the path of a model file.
    pub model: String,
    pub language: String,
}

impl Plan {
    /// The config file's choice: on, with tiny.en and the language detected, unless it says
    /// otherwise.
    pub fn from_config(file: &config::File) -> Self {
        let t = &file.transcript;
        Self {
            enabled: t.enabled.unwrap_or(true),
            model: t
                .model
                .clone()
                .unwrap_or_else(|| speech::catalog::DEFAULT.name.to_owned()),
            language: t.language.clone().unwrap_or_else(|| "auto".into()),
        }
    }
}

/// Why a recording goes without a live transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Off {
    /// Turned off in the config (or `--no-transcript`): nothing to say.
    Disabled,
    /// The model is not installed: [`NO_MODEL`].
    NoModel,
    /// The model cannot be used; the message names the fix.
    Unusable(String),
}

impl Off {
    /// What to tell the user once, if anything.
    pub fn message(&self) -> Option<String> {
        match self {
            Off::Disabled => None,
            Off::NoModel => Some(NO_MODEL.to_owned()),
            Off::Unusable(why) => Some(format!("No transcript for this clip: {why}")),
        }
    }
}

/// How the live transcript ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Where the captions were written (`<clip>.vtt`), with `<clip>.transcript.json` beside.
    pub captions: PathBuf,
    pub words: usize,
    /// Windows transcribed, the tail included.
    pub windows: usize,
    /// When the files were written.
    pub ready_at: Instant,
    /// Windows whisper failed on (their words are missing).
    pub failed_windows: usize,
}

/// The worker under way.
pub struct LiveTranscriber {
    thread: JoinHandle<Result<Option<Outcome>, String>>,
}

/// Starts a live transcript for the recording `settings` describe (setting its sound tap), or
/// says why there is none. A model that is missing or damaged is found here, before recording.
pub fn start(settings: &mut RecordSettings, plan: &Plan) -> Result<LiveTranscriber, Off> {
    if !plan.enabled {
        return Err(Off::Disabled);
    }
    let models = config::models_dir().map_err(|e| Off::Unusable(e.message))?;
    let model_path = match speech::ModelDir::new(models).resolve(&plan.model) {
        Ok(p) => p,
        Err(speech::SpeechError::NotInstalled { .. }) => return Err(Off::NoModel),
        Err(e) => return Err(Off::Unusable(e.to_string())),
    };
    let (tap, sound) = SoundTap::channel(TAP_BLOCKS);
    let clip = settings.out.clone();
    let options = Options {
        language: plan.language.clone(),
        ..Options::default()
    };
    let thread = std::thread::Builder::new()
        .name("transcribe-live".into())
        .spawn(move || run(&model_path, &options, &sound, &clip))
        .map_err(|e| Off::Unusable(format!("cannot start the transcriber ({e})")))?;
    settings.sound_tap = Some(tap);
    Ok(LiveTranscriber { thread })
}

impl LiveTranscriber {
    /// Waits for the tail (call after the recording has stopped: the tap is closed then).
    /// `Ok(None)`: the clip has no sound, so no transcript was written.
    pub fn finish(self) -> Result<Option<Outcome>, String> {
        match self.thread.join() {
            Ok(result) => result,
            Err(_) => Err(
                "the transcriber stopped unexpectedly; run `clipnote transcribe` on \
                           the clip to make its transcript"
                    .into(),
            ),
        }
    }
}

fn run(
    model_path: &Path,
    options: &Options,
    sound: &Receiver<SoundBlock>,
    clip: &Path,
) -> Result<Option<Outcome>, String> {
    lowest_priority();
    let model = Model::load(model_path).map_err(|e| e.to_string())?;
    let mut live = LiveTranscript::new(&model, options.clone()).map_err(|e| e.to_string())?;
    let mut heard = false;
    let mut failed_windows = 0;
    for block in sound {
        heard = true;
        if let Err(e) = live.push(block.start_secs, &block.samples) {
            failed_windows += 1;
            tracing::warn!(error = %e, "a stretch of the recording could not be transcribed");
        }
    }
    if !heard {
        return Ok(None);
    }
    normal_priority();
    let pending_secs = live.pending_secs();
    let transcript = live.finish().map_err(|e| e.to_string())?;
    let windows = live.windows;
    let written = speech::beside::write_beside(clip, &transcript).map_err(|e| {
        format!(
            "cannot write the transcript beside {}: {e}; run `clipnote transcribe` on the clip once the folder is writable",
            clip.display()
        )
    })?;
    if written == speech::beside::Written::KeptCorrection {
        return Err(format!(
            "kept the transcript beside {}: it was corrected by hand, so this recording's did not replace it. To replace it, remove {} and run `clipnote transcribe {}`",
            clip.display(),
            speech::beside::transcript_path(clip).display(),
            clip.display()
        ));
    }
    let words = transcript.text().split_whitespace().count();
    tracing::info!(words, pending_secs, "live transcript written");
    Ok(Some(Outcome {
        captions: speech::beside::captions_path(clip),
        words,
        windows,
        ready_at: Instant::now(),
        failed_windows,
    }))
}

/// `SCHED_IDLE` for the calling thread (it runs only when nothing else wants the CPU), else
/// nice 19. A refusal is logged: the worker then only competes at normal priority.
pub(crate) fn lowest_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain syscalls; on Linux pid 0 is the calling thread.
        let idle = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } == 0;
        // SAFETY: as above; `who == 0` with PRIO_PROCESS is the calling thread on Linux.
        let nice = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } == 0;
        if !idle && !nice {
            tracing::warn!(
                "cannot lower the transcriber's priority: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Back to normal scheduling once the recording is over (allowed when the system's limits
/// let an unprivileged thread raise itself; otherwise the tail runs at the low priority).
fn normal_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain syscalls on the calling thread (pid 0).
        let done = unsafe { libc::sched_setscheduler(0, libc::SCHED_OTHER, &param) } == 0
            && unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 0) } == 0;
        if !done {
            tracing::debug!(
                "the transcriber keeps its low priority: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// What a recording's live transcript came to, for people (one line) and scripts (JSON).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// `<clip>.vtt`, when one was written.
    pub captions: Option<PathBuf>,
    pub words: usize,
    /// Seconds from the stop to the transcript being written beside the clip.
    pub ready_after_stop_secs: Option<f64>,
    /// Why the transcript is missing or may be incomplete, in words; `None` when it is whole.
    pub problem: Option<String>,
}

impl Report {
    /// The report of a finished transcriber, for a recording `finished` that was asked to stop
    /// at `stopped`.
    pub fn of(
        result: Result<Option<Outcome>, String>,
        finished: &capture::Finished,
        stopped: Instant,
    ) -> Self {
        let outcome = match result {
            Ok(Some(o)) => o,
            Ok(None) => {
                return Self {
                    captions: None,
                    words: 0,
                    ready_after_stop_secs: None,
                    problem: None,
                };
            }
            Err(e) => {
                return Self {
                    captions: None,
                    words: 0,
                    ready_after_stop_secs: None,
                    problem: Some(e),
                };
            }
        };
        let mut problems = Vec::new();
        if finished.tap_dropped_secs > 0.0 {
            problems.push(format!(
                "{:.1} s of sound went untranscribed while the computer was busy",
                finished.tap_dropped_secs
            ));
        }
        if outcome.failed_windows > 0 {
            problems.push(format!(
                "whisper failed on {} stretch(es) of it",
                outcome.failed_windows
            ));
        }
        Self {
            captions: Some(outcome.captions),
            words: outcome.words,
            ready_after_stop_secs: Some(
                outcome
                    .ready_at
                    .saturating_duration_since(stopped)
                    .as_secs_f64(),
            ),
            problem: (!problems.is_empty()).then(|| {
                format!(
                    "the transcript may be incomplete: {}. `clipnote transcribe` on the clip makes it whole",
                    problems.join("; ")
                )
            }),
        }
    }

    /// One line for the terminal, or nothing when there is nothing to say.
    pub fn line(&self) -> Option<String> {
        let ready = match (&self.captions, self.ready_after_stop_secs) {
            (Some(captions), Some(secs)) => Some(format!(
                "Transcript ready {secs:.1} s after stop ({} words): {}",
                self.words,
                captions.display()
            )),
            _ => None,
        };
        let problem = self
            .problem
            .as_ref()
            .map(|p| format!("clipnote: warning: {p}"));
        match (ready, problem) {
            (Some(r), Some(p)) => Some(format!("{r}\n{p}")),
            (r, p) => r.or(p),
        }
    }
}
