//! `clipnote draft CLIP [--template FILE] [--method auto|model|extractive] [--json]`: the
//! written update drafted from the clip's transcript (beside it, from `clipnote transcribe`) in
//! the summary template's sections, by the local language model when it is installed.

use std::path::{Path, PathBuf};

use clap::Args;
use draft::Heading;

use crate::cli::UserError;
use crate::cli::transcribe::check_clip_exists;
use crate::drafting::{self, Choice, Outcome};
use crate::exit;

#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The clip (its transcript is read from `<clip>.transcript.json`).
    pub clip: PathBuf,
    /// A summary template whose `**Heading**` or `## Heading` lines are the sections
    /// (default: Clipnote's Context / What changed / Decisions needed / Next).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Which method drafts: the local language model when it is installed and sound, else
    /// the extractive method (auto); the model or an error (model); no model (extractive).
    #[arg(long, value_enum, default_value_t = Choice::Auto)]
    pub method: Choice,
    /// Print the title, the method (and why not the model) and the sections as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the draft as it is written, as JSON lines (`{"progress": markdown}` …, then
    /// `{"draft": …}` or `{"failed": why}`): how the app drafts, in a process of its own.
    #[arg(long, hide = true, conflicts_with = "json")]
    pub progress: bool,
}

/// Prints one line of `--progress` and flushes it, so the app sees it at once.
fn say(line: &drafting::Line) {
    use std::io::Write;
    if let Ok(json) = serde_json::to_string(line) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{json}").and_then(|()| out.flush());
    }
}

pub fn run(args: DraftArgs) -> anyhow::Result<()> {
    let progress = args.progress;
    let prepared = check_clip_exists(&args.clip).and_then(|()| {
        Ok((
            template_headings(args.template.as_deref())?,
            read_transcript(&args.clip)?,
        ))
    });
    let (headings, transcript) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            if progress {
                say(&drafting::Line::Failed(e.message.clone()));
            }
            return Err(e.into());
        }
    };
    let draft = match drafting::draft(&transcript, &headings, (args.method, None), |markdown| {
        if progress {
            say(&drafting::Line::Progress(markdown.to_owned()));
        }
        std::ops::ControlFlow::Continue(())
    }) {
        Outcome::Drafted { draft, stats } => {
            if let Some(s) = stats.filter(|s| s.generated_tokens > 0) {
                tracing::info!(
                    prompt_tokens = s.prompt_tokens,
                    generated = s.generated_tokens,
                    first_word_secs = s.first_piece.as_secs_f64(),
                    tokens_per_sec = s.tokens_per_sec(),
                    "drafted with the local model"
                );
            }
            draft
        }
        Outcome::Failed(why) => {
            if progress {
                say(&drafting::Line::Failed(why.clone()));
            }
            return Err(UserError::new(exit::MODEL, why).into());
        }
        Outcome::Stopped => {
            return Err(UserError::new(exit::FAILURE, "the draft was stopped").into());
        }
    };
    if progress {
        say(&drafting::Line::Draft(drafting::Finished::from(&draft)));
        return Ok(());
    }
    match (&draft.fallback, draft.method) {
        (Some(why), _) => eprintln!("Drafted with the extractive method: {why}"),
        (None, draft::Method::Model) => eprintln!(
            "Drafted by the local language model, each line checked against the transcript"
        ),
        (None, draft::Method::Extractive) => eprintln!("Drafted with the extractive method"),
    }
    if draft.is_empty() {
        eprintln!(
            "No speech to draft from in {}: the sections are left empty",
            args.clip.display()
        );
    }
    if args.json {
        let mut json = serde_json::to_value(&draft)?;
        json["markdown"] = draft.to_markdown().into();
        println!("{json:#}");
    } else {
        if !draft.title.is_empty() {
            println!("{}\n", draft.title);
        }
        print!("{}", draft.to_markdown());
    }
    Ok(())
}

fn template_headings(path: Option<&Path>) -> Result<Vec<Heading>, UserError> {
    let Some(path) = path else {
        return Ok(draft::headings(crate::ui::review::TEMPLATE));
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        UserError::new(
            exit::IO,
            format!(
                "cannot read the template {}: {e}. Check the path",
                path.display()
            ),
        )
    })?;
    let headings = draft::headings(&text);
    if headings.is_empty() {
        return Err(UserError::new(
            exit::USAGE,
            format!(
                "the template {} has no section headings: write each on its own line, as **Context** or ## Context",
                path.display()
            ),
        ));
    }
    Ok(headings)
}

fn read_transcript(clip: &Path) -> Result<speech::Transcript, UserError> {
    let found = speech::beside::read_beside(clip).map_err(|e| {
        let message = if e.kind() == std::io::ErrorKind::InvalidData {
            e.to_string()
        } else {
            format!(
                "cannot read the transcript {}: {e}. Check its permissions",
                speech::beside::transcript_path(clip).display()
            )
        };
        UserError::new(exit::IO, message)
    })?;
    found.ok_or_else(|| {
        UserError::new(
            exit::CLIP,
            format!(
                "{} has no transcript yet: run `clipnote transcribe {}` first, then draft again",
                clip.display(),
                clip.display()
            ),
        )
    })
}
