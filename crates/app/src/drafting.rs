//! The written update drafted for a clip, shared by `clipnote draft` and Review: with the
//! installed language model (`clipnote models install draft`) when it is there and sound, else
//! with the extractive method — the draft says which made it, and why the model did not.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use draft::{Draft, DraftError, Drafter, Extractive, Heading, LocalModel};
use serde::{Deserialize, Serialize};
use speech::{SpeechError, Transcript, catalog};

/// Which method to draft with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Choice {
    /// The language model when it is installed and sound, else the extractive method.
    #[default]
    Auto,
    /// The language model only: an error when it cannot draft.
    Model,
    /// Sentences of the transcript sorted into the sections (no model).
    Extractive,
}

/// A line of `clipnote draft --progress` (JSON, one a line): how the app's drafting process
/// (`ui/draft_process.rs`) tells Review what it writes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Line {
    /// The model's draft so far, as markdown.
    Progress(String),
    /// The finished draft.
    Draft(Finished),
    /// Why there is none, naming the fix.
    Failed(String),
}

/// A finished draft as Review shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finished {
    /// The suggested title (empty when nothing was said).
    pub title: String,
    pub markdown: String,
    pub method: draft::Method,
    /// Why the language model's draft was not used, when this one is the extractive method's.
    pub fallback: Option<String>,
}

impl From<&Draft> for Finished {
    fn from(d: &Draft) -> Self {
        Finished {
            title: d.title.clone(),
            markdown: d.to_markdown(),
            method: d.method,
            fallback: d.fallback.clone(),
        }
    }
}

/// What drafting came to.
#[derive(Debug)]
pub enum Outcome {
    /// A draft (see [`Draft::method`] and [`Draft::fallback`]), with the model's figures when
    /// it drafted.
    Drafted {
        draft: Draft,
        stats: Option<llm::Stats>,
    },
    /// `on_progress` stopped it.
    Stopped,
    /// [`Choice::Model`] and the model could not draft: why, in words naming the fix.
    Failed(String),
}

/// Said when no drafting model is installed.
pub fn not_installed() -> String {
    format!(
        "no drafting model is installed: the draft is extractive. `clipnote models install draft` adds \
         the local language model ({} MiB; it runs on this machine and nothing leaves it)",
        catalog::DRAFT.bytes >> 20
    )
}

/// The installed drafting model in `models` (else the model folder), checked against its pin.
pub fn model_path(models: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match models {
        Some(dir) => speech::ModelDir::new(dir),
        None => crate::cli::models::model_dir().map_err(|e| e.message)?,
    };
    match dir.checked_path(catalog::DRAFT) {
        Ok(path) => Ok(path),
        Err(SpeechError::NotInstalled { .. }) => Err(not_installed()),
        Err(e) => Err(e.to_string()),
    }
}

/// Drafts `transcript` into `headings` by `choice`, the drafting model looked for in `models`
/// (else the model folder); `on_progress` gets the model's draft so far (markdown) as it
/// writes, and stops it with `Break`.
pub fn draft(
    transcript: &Transcript,
    headings: &[Heading],
    (choice, models): (Choice, Option<&Path>),
    on_progress: impl FnMut(&str) -> ControlFlow<()>,
) -> Outcome {
    let extractive = |why: &str| Outcome::Drafted {
        draft: Extractive.draft_instead(transcript, headings, &why),
        stats: None,
    };
    if choice == Choice::Extractive {
        return Outcome::Drafted {
            draft: Extractive.draft(transcript, headings),
            stats: None,
        };
    }
    let result = model_path(models)
        .and_then(|path| LocalModel::load(&path).map_err(|e| e.to_string()))
        .map(|model| model.draft_streaming(transcript, headings, on_progress));
    match result {
        Ok(Ok(drafted)) => {
            for (line, facts) in &drafted.dropped {
                tracing::info!(
                    line,
                    ?facts,
                    "dropped a drafted line: not said in the transcript"
                );
            }
            Outcome::Drafted {
                draft: drafted.draft,
                stats: Some(drafted.stats),
            }
        }
        Ok(Err(DraftError::Stopped)) => Outcome::Stopped,
        Ok(Err(e)) if choice == Choice::Model => Outcome::Failed(e.to_string()),
        Ok(Err(e)) => extractive(&e.to_string()),
        Err(why) if choice == Choice::Model => Outcome::Failed(why),
        Err(why) => extractive(&why),
    }
}
