//! The written update, drafted from a clip's transcript in the summary template's sections.
//!
//! Invariant: every number, date and name in a draft was said in the transcript (the
//! extractive method's sentences are the transcript's, verbatim; each line a language model
//! writes is checked and dropped when it has one that was not said); a section nothing was
//! said for stays empty. This crate knows no UI, no network and no model folder: it takes a
//! [`speech::Transcript`], the template's text and (for [`LocalModel`]) a model file's path,
//! and returns a [`Draft`].
//!
//! [`Drafter`] is the seam for the methods: [`Extractive`] (sentences sorted by what they say)
//! and [`LocalModel`] (a local language model through llama.cpp, which falls back to the
//! extractive method when it cannot draft); a [`Draft`] says which [`Method`] made it.

mod error;
mod extractive;
pub mod facts;
mod ground;
mod local;
mod parse;
mod prompt;
mod sentences;
mod template;

pub use error::DraftError;
pub use extractive::Extractive;
pub use local::{Drafted, LocalModel};
pub use template::{Heading, Kind, headings};

use serde::{Deserialize, Serialize};
use speech::Transcript;

/// What made a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Sentences of the transcript, sorted into the sections by what they say.
    Extractive,
    /// Written by the local language model, each line checked against the transcript.
    Model,
}

impl Method {
    /// How the UI and the CLI name it.
    pub fn label(self) -> &'static str {
        match self {
            Method::Extractive => "extractive",
            Method::Model => "local model",
        }
    }
}

/// One of the template's sections with what was said for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The heading's words ("What changed").
    pub heading: String,
    /// The heading line as the template writes it ("**What changed**").
    #[serde(skip)]
    pub line: String,
    /// Sentences of the transcript, verbatim (or a model's lines, checked); empty when nothing
    /// was said for this section.
    pub sentences: Vec<String>,
}

/// A drafted update: a suggested title and the template's sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// Words of the transcript (empty when nothing was said).
    pub title: String,
    pub sections: Vec<Section>,
    pub method: Method,
    /// Why the language model's draft was not used, when this one is the extractive method's
    /// in its place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

impl Draft {
    /// The sections in the template's shape: each heading line, then a `- ` bullet per
    /// sentence (a blank `- ` where nothing was said, as in the template).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for (i, section) in self.sections.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&section.line);
            out.push('\n');
            if section.sentences.is_empty() {
                out.push_str("- \n");
            }
            for sentence in &section.sentences {
                out.push_str("- ");
                out.push_str(sentence);
                out.push('\n');
            }
        }
        out
    }

    /// Whether nothing was said for any section.
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.sentences.is_empty())
    }
}

/// A way of drafting the update.
pub trait Drafter {
    /// Drafts `transcript` into `headings` (from [`headings`]).
    fn draft(&self, transcript: &Transcript, headings: &[Heading]) -> Draft;
}
