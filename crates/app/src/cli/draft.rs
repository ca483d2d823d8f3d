//! `clipnote draft CLIP [--template FILE] [--json]`: the written update drafted from the clip's
//! transcript (beside it, from `clipnote transcribe`) in the summary template's sections.

use std::path::{Path, PathBuf};

use clap::Args;
use draft::{Drafter, Extractive, Heading};

use crate::cli::UserError;
use crate::cli::transcribe::check_clip_exists;
use crate::exit;

#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The clip (its transcript is read from `<clip>.transcript.json`).
    pub clip: PathBuf,
    /// A summary template whose `**Heading**` or `## Heading` lines are the sections
    /// (default: Clipnote's Context / What changed / Decisions needed / Next).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Print the title, the method and the sections as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DraftArgs) -> anyhow::Result<()> {
    check_clip_exists(&args.clip)?;
    let headings = template_headings(args.template.as_deref())?;
    let transcript = read_transcript(&args.clip)?;
    let draft = Extractive.draft(&transcript, &headings);
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
