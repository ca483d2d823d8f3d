//! `clipnote tighten CLIP [--silence SECS] [--keep-fillers] --out FILE`: the clip without its
//! long silences and filler words, its captions following the cuts; the original is kept.

use std::path::PathBuf;

use clap::Args;
use speech::tighten::{DEFAULT_SILENCE_SECS, MIN_SILENCE_SECS, PlanOptions};

use crate::tighten::{Stage, tighten};

#[derive(Debug, Args)]
pub struct TightenArgs {
    /// The clip (it is never written to).
    pub clip: PathBuf,
    /// Cut silences longer than this many seconds (a short pause is left in their place).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_SILENCE_SECS, value_parser = silence_secs)]
    pub silence: f64,
    /// Keep filler words ("um", "uh", "erm"); by default they are cut.
    #[arg(long)]
    pub keep_fillers: bool,
    /// Where to write the tightened clip (an .mp4; its captions go beside it).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

fn silence_secs(text: &str) -> Result<f64, String> {
    let fix = format!(
        "pass a number of seconds of at least {MIN_SILENCE_SECS}, e.g. --silence {DEFAULT_SILENCE_SECS}"
    );
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds: {fix}"))?;
    if !secs.is_finite() || secs < MIN_SILENCE_SECS {
        return Err(format!(
            "{text} s is too short to leave a pause where a silence is cut: {fix}"
        ));
    }
    Ok(secs)
}

pub fn run(args: TightenArgs) -> anyhow::Result<()> {
    let options = PlanOptions {
        silence_secs: args.silence,
        keep_fillers: args.keep_fillers,
    };
    let bar = crate::cli::terminal_bar(100, "{msg} [{bar:30}] {percent}% {elapsed}");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let shown = bar.clone();
    let result = tighten(&args.clip, &args.out, &options, move |stage| match stage {
        Stage::Transcribing(percent) => {
            shown.set_message("Transcribing (no transcript beside the clip)");
            shown.set_position(u64::from(percent));
        }
        Stage::Cutting => {
            shown.set_message("Cutting");
            shown.set_position(0);
        }
    });
    bar.finish_and_clear();
    let done = result?;
    if let Some(model) = &done.transcribed_with {
        eprintln!(
            "Transcribed with {model}; the transcript is kept beside {}",
            args.clip.display()
        );
    }
    println!("{}", done.lengths());
    eprintln!(
        "{}. Wrote {} and its captions {}",
        done.what_was_cut(),
        done.path.display(),
        speech::beside::captions_path(&done.path).display()
    );
    Ok(())
}
