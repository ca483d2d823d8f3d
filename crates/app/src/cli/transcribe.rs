//! `clipnote transcribe CLIP`: the clip's speech as text, WebVTT, SRT or JSON on stdout, and
//! its captions written beside it as `<clip>.vtt`. Everything runs on this machine.

use std::path::{Path, PathBuf};

use capture::CaptureError;
use clap::{Args, ValueEnum};
use speech::{Model, Options, Transcript};

use crate::cli::UserError;
use crate::cli::models::{model_dir, user_error};
use crate::exit;

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// The clip (any video or sound file FFmpeg reads).
    pub clip: PathBuf,
    /// A model name (`clipnote models list`) or the path of a whisper.cpp model file.
    #[arg(long, default_value = speech::catalog::DEFAULT.name)]
    pub model: String,
    /// The spoken language: auto (detect it), or a code such as en or de.
    #[arg(long, default_value = "auto")]
    pub language: String,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Txt)]
    pub format: Format,
    /// Threads for whisper.cpp (one is fastest while anything else runs).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Txt,
    Vtt,
    Srt,
    Json,
}

pub use speech::beside::captions_path;

fn clip_error(e: CaptureError) -> UserError {
    let code = match &e {
        CaptureError::NoAudio { .. } | CaptureError::BadClip { .. } => exit::CLIP,
        _ => exit::FAILURE,
    };
    let fix = match &e {
        CaptureError::NoAudio { .. } => {
            ": there is no speech to transcribe. Record with a microphone (`clipnote record --mic default`)"
        }
        _ => "",
    };
    UserError::new(code, format!("{e}{fix}"))
}

/// Refuses a clip path where there is no file.
pub(crate) fn check_clip_exists(clip: &Path) -> Result<(), UserError> {
    if clip.is_file() {
        return Ok(());
    }
    Err(UserError::new(
        exit::IO,
        format!(
            "there is no clip at {}: pass the path of a video or sound file",
            clip.display()
        ),
    ))
}

/// Loads a model (a name or a path), checked for `language`: a mistake there is reported
/// before any decoding.
pub(crate) fn load_model(name: &str, language: &str) -> Result<Model, UserError> {
    let model_path = model_dir()?.resolve(name).map_err(user_error)?;
    let model = Model::load(&model_path).map_err(user_error)?;
    model.check_language(language).map_err(user_error)?;
    Ok(model)
}

/// The clip's sound as whisper hears it (16 kHz mono).
pub(crate) fn clip_sound(clip: &Path) -> Result<Vec<f32>, UserError> {
    capture::clip::audio_mono(clip, speech::SAMPLE_RATE).map_err(clip_error)
}

pub fn run(args: TranscribeArgs) -> anyhow::Result<()> {
    check_clip_exists(&args.clip)?;
    let model = load_model(&args.model, &args.language)?;

    let bar = crate::cli::terminal_bar(100, "{msg} [{bar:30}] {percent}% {elapsed}");
    bar.set_message("Reading the sound");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let samples = clip_sound(&args.clip)?;
    bar.set_message(format!("Transcribing with {}", model.name()));
    let options = Options {
        language: args.language.clone(),
        threads: args.threads,
        word_times: true,
    };
    let progress = bar.clone();
    let transcript = model
        .transcribe(&samples, &options, move |percent| {
            progress.set_position(u64::from(percent))
        })
        .map_err(user_error);
    bar.finish_and_clear();
    let transcript = transcript?;

    write_captions(&args.clip, &transcript);
    if transcript.is_empty() {
        eprintln!("No speech found in {}", args.clip.display());
    }
    let duration_secs = samples.len() as f64 / f64::from(speech::SAMPLE_RATE);
    print!(
        "{}",
        render(
            &transcript,
            args.format,
            &args.clip,
            model.name(),
            duration_secs
        )
    );
    Ok(())
}

/// Writes `<clip>.vtt` and `<clip>.transcript.json` beside the clip. A folder that cannot be
/// written costs only the files: the transcript is still printed.
/// A transcript corrected by hand (in Review) is kept: this one is printed only.
fn write_captions(clip: &Path, transcript: &Transcript) {
    match speech::beside::write_beside(clip, transcript) {
        Ok(speech::beside::Written::Written) => {}
        Ok(speech::beside::Written::KeptCorrection) => eprintln!(
            "clipnote: warning: kept the transcript beside {}: it was corrected by hand, so this one is printed only. To replace it, remove {} and run this again",
            clip.display(),
            speech::beside::transcript_path(clip).display()
        ),
        Err(e) => eprintln!(
            "clipnote: warning: cannot write the captions beside {}: {e}; the transcript is printed only",
            clip.display()
        ),
    }
}

fn render(t: &Transcript, format: Format, clip: &Path, model: &str, duration_secs: f64) -> String {
    match format {
        Format::Txt if t.is_empty() => String::new(),
        Format::Txt => format!("{}\n", t.text()),
        Format::Vtt => t.to_vtt(),
        Format::Srt => t.to_srt(),
        Format::Json => {
            let json = serde_json::json!({
                "clip": clip,
                "captions": captions_path(clip),
                "model": model,
                "duration_secs": duration_secs,
                "language": t.language,
                "text": t.text(),
                "segments": t.segments,
            });
            format!("{json:#}\n")
        }
    }
}
