//! Tighten, as `clipnote tighten` and Review's Tighten button both do it: the clip's transcript
//! (read from beside it, or made now with the default model), the cuts `speech::tighten::plan`
//! chooses from its word times, the clip without them (`capture::cut`), and the transcript
//! shifted to match, written beside the new clip. The original is never written to.

use std::path::{Path, PathBuf};

use capture::CaptureError;
use speech::tighten::{Cut, PlanOptions, Reason};
use speech::{Options, Transcript};

use crate::cli::UserError;
use crate::cli::models::user_error;
use crate::cli::transcribe::{check_clip_exists, clip_sound, load_model};
use crate::exit;

/// Where tightening is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Transcribing the clip (no transcript was beside it), this far (percent).
    Transcribing(u32),
    /// Cutting the clip.
    Cutting,
}

/// What tightening made.
#[derive(Debug, Clone, PartialEq)]
pub struct Tightened {
    pub path: PathBuf,
    pub before_secs: f64,
    pub after_secs: f64,
    pub cuts: Vec<Cut>,
    /// The new clip's transcript (also beside it).
    pub transcript: Transcript,
    /// For each of its lines, the index of the clip's transcript line it was cut from.
    pub origin: Vec<usize>,
    /// The model that transcribed the clip now; `None` when its transcript was beside it.
    pub transcribed_with: Option<String>,
}

impl Tightened {
    /// "3:12 → 2:31".
    pub fn lengths(&self) -> String {
        format!("{} → {}", length(self.before_secs), length(self.after_secs))
    }

    /// "2 silences (5.1 s) and 1 filler word (0.3 s) cut".
    pub fn what_was_cut(&self) -> String {
        if self.cuts.is_empty() {
            return "nothing to cut: no silence over the threshold and no filler words".into();
        }
        let (fillers, silences): (Vec<&Cut>, Vec<&Cut>) = self
            .cuts
            .iter()
            .partition(|c| matches!(c.reason, Reason::Filler(_)));
        let count = |cuts: &[&Cut], one: &str, many: &str| {
            let secs: f64 = cuts.iter().map(|c| c.secs()).sum();
            let noun = if cuts.len() == 1 { one } else { many };
            format!("{} {noun} ({secs:.1} s)", cuts.len())
        };
        let mut parts = Vec::new();
        if !silences.is_empty() {
            parts.push(count(&silences, "silence", "silences"));
        }
        if !fillers.is_empty() {
            parts.push(count(&fillers, "filler word", "filler words"));
        }
        format!("{} cut", parts.join(" and "))
    }
}

/// `m:ss`, rounded to the second.
pub fn length(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn clip_error(e: CaptureError) -> UserError {
    let code = match &e {
        CaptureError::OutputNotWritable { .. } | CaptureError::DiskFull { .. } => exit::IO,
        CaptureError::BadClip { .. } | CaptureError::NoAudio { .. } => exit::CLIP,
        _ => exit::FAILURE,
    };
    UserError::new(code, e.to_string())
}

/// Refuses an output that would replace the clip, is not an MP4, or has no folder.
fn check_out(clip: &Path, out: &Path) -> Result<(), UserError> {
    let usage = |m: String| Err(UserError::new(exit::USAGE, m));
    let same = match (std::fs::canonicalize(clip), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return usage(format!(
            "--out {} is the clip itself; tighten never overwrites the original: pass another file, e.g. --out {}",
            out.display(),
            clip.with_extension("tight.mp4").display()
        ));
    }
    let mp4 = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mp4"));
    if !mp4 {
        return usage(format!(
            "--out {} must end in .mp4 (the tightened clip is an MP4): e.g. --out {}",
            out.display(),
            out.with_extension("mp4").display()
        ));
    }
    let folder = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(UserError::new(
            exit::IO,
            format!(
                "there is no folder {} to write {} in: create it first, or pass another --out",
                folder.display(),
                out.display()
            ),
        ));
    }
    Ok(())
}

/// The transcript beside `clip`, or one made now with the default model (and written beside
/// it, so the next tighten or search reads it); its word times aligned to the voice in
/// `samples` (the clip's sound at 16 kHz).
fn transcript_of(
    clip: &Path,
    samples: &[f32],
    activity: &speech::vad::Activity,
    mut stage: impl FnMut(Stage) + Send + 'static,
) -> Result<(Transcript, Option<String>), UserError> {
    let beside =
        speech::beside::read_beside(clip).map_err(|e| UserError::new(exit::CLIP, e.to_string()))?;
    if let Some(transcript) = beside {
        return Ok((speech::tighten::align(&transcript, activity), None));
    }
    let model = load_model(speech::catalog::DEFAULT.name, "auto")?;
    stage(Stage::Transcribing(0));
    let options = Options {
        word_times: true,
        ..Options::default()
    };
    let transcript = model
        .transcribe(samples, &options, move |percent| {
            stage(Stage::Transcribing(percent));
        })
        .map_err(user_error)?;
    if let Err(e) = speech::beside::write_beside(clip, &transcript) {
        tracing::warn!(clip = %clip.display(), error = %e, "the transcript could not be kept beside the clip");
    }
    let aligned = speech::tighten::align(&transcript, activity);
    Ok((aligned, Some(model.name().to_owned())))
}

/// Writes `clip` without its long silences and filler words to `out`, with its transcript
/// shifted to match beside it (`<out>.vtt`, `<out>.transcript.json`).
pub fn tighten(
    clip: &Path,
    out: &Path,
    options: &PlanOptions,
    mut stage: impl FnMut(Stage) + Clone + Send + 'static,
) -> Result<Tightened, UserError> {
    check_clip_exists(clip)?;
    check_out(clip, out)?;
    let info = capture::clip::check_playable(clip).map_err(clip_error)?;
    if !info.has_audio {
        return Err(UserError::new(
            exit::CLIP,
            format!(
                "{} has no sound track: tighten cuts around what is said, and nothing is. Record with a microphone (`clipnote record --mic default`)",
                clip.display()
            ),
        ));
    }
    let samples = clip_sound(clip)?;
    let activity = speech::vad::Activity::of(&samples);
    let (transcript, transcribed_with) = transcript_of(clip, &samples, &activity, stage.clone())?;
    if transcript.is_empty() {
        return Err(UserError::new(
            exit::CLIP,
            format!(
                "no speech was found in {}: tighten cuts around what is said, and nothing is (trim it instead)",
                clip.display()
            ),
        ));
    }
    if transcript.segments.iter().all(|s| s.words.is_empty()) {
        return Err(UserError::new(
            exit::CLIP,
            format!(
                "the transcript beside {} has no word times, which tighten cuts by: write it again with `clipnote transcribe {}`",
                clip.display(),
                clip.display()
            ),
        ));
    }
    let voiced = activity.voiced_spans();
    let cuts = speech::tighten::plan(&transcript, &voiced, info.duration_secs, options);
    stage(Stage::Cutting);
    let after_secs = if cuts.is_empty() {
        std::fs::copy(clip, out).map_err(|e| {
            UserError::new(
                exit::IO,
                format!("cannot write {}: {e}. Pass another --out", out.display()),
            )
        })?;
        info.duration_secs
    } else {
        let spans: Vec<(f64, f64)> = cuts.iter().map(|c| (c.start_secs, c.end_secs)).collect();
        capture::cut::cut(clip, out, &spans)
            .map_err(clip_error)?
            .after_secs
    };
    let (origin, segments) = speech::tighten::shift_kept(&transcript, &cuts)
        .into_iter()
        .unzip();
    let shifted = Transcript {
        language: transcript.language.clone(),
        segments,
    };
    // A person's corrections carry over to the new clip, still marked as such.
    let corrected = speech::beside::is_corrected(clip);
    speech::beside::write_marked(out, &shifted, corrected).map_err(|e| {
        UserError::new(
            exit::IO,
            format!(
                "the tightened clip is at {} but its captions cannot be written beside it: {e}. Check the folder's permissions and free space",
                out.display()
            ),
        )
    })?;
    Ok(Tightened {
        path: out.to_owned(),
        before_secs: info.duration_secs,
        after_secs,
        cuts,
        transcript: shifted,
        origin,
        transcribed_with,
    })
}
