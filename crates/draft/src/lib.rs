//! The written update, drafted from a clip's transcript in the summary template's sections.
//!
//! Invariant: every sentence in a draft is a sentence of the transcript, verbatim; a section
//! nothing was said for stays empty. This crate knows no UI and no network: it takes a
//! [`speech::Transcript`] and the template's text and returns a [`Draft`].
//!
//! [`Drafter`] is the seam for the methods: [`Extractive`] (sentences sorted by what they say)
//! now, a local language model later; a [`Draft`] says which [`Method`] made it.

mod extractive;
mod sentences;
mod template;

pub use extractive::Extractive;
pub use template::{Heading, Kind, headings};

use serde::Serialize;
use speech::Transcript;

/// What made a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Sentences of the transcript, sorted into the sections by what they say.
    Extractive,
}

impl Method {
    /// How the UI and the CLI name it.
    pub fn label(self) -> &'static str {
        match self {
            Method::Extractive => "extractive",
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
    /// Sentences of the transcript, verbatim; empty when nothing was said for this section.
    pub sentences: Vec<String>,
}

/// A drafted update: a suggested title and the template's sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// Words of the transcript (empty when nothing was said).
    pub title: String,
    pub sections: Vec<Section>,
    pub method: Method,
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
