//! The local language model's draft: the template's sections asked of a model run with
//! llama.cpp ([`llm`]), its answer streamed as it comes, read back into the sections and
//! checked line by line against the transcript ([`crate::parse`]).

use std::ops::ControlFlow;
use std::path::Path;

use speech::Transcript;

use crate::facts::Said;
use crate::parse::{Parsed, parse};
use crate::{Draft, DraftError, Drafter, Extractive, Heading, Method, prompt};

/// Drafts with a language model; a model that fails or writes nothing usable gives the
/// extractive draft instead (its [`Draft::fallback`] says why).
#[derive(Debug)]
pub struct LocalModel {
    model: llm::Model,
    settings: llm::Settings,
}

/// A finished model draft and what it took.
#[derive(Debug, Clone)]
pub struct Drafted {
    pub draft: Draft,
    pub stats: llm::Stats,
    /// Lines the check dropped, with the facts in each that were not said.
    pub dropped: Vec<(String, Vec<String>)>,
}

impl LocalModel {
    /// Loads the model file (a GGUF; the caller checks it is the pinned one).
    pub fn load(path: &Path) -> Result<Self, DraftError> {
        let model = llm::Model::load(path).map_err(|source| DraftError::Model { source })?;
        Ok(Self {
            model,
            settings: llm::Settings::default(),
        })
    }

    /// The same model run with other settings (threads, answer length).
    pub fn with_settings(mut self, settings: llm::Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Drafts `transcript` into `headings`, handing `on_progress` the draft's markdown so far
    /// after each piece the model writes (checked lines only; often the same as the last
    /// time); `Break` stops it at once ([`DraftError::Stopped`]).
    pub fn draft_streaming(
        &self,
        transcript: &Transcript,
        headings: &[Heading],
        mut on_progress: impl FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Drafted, DraftError> {
        let text = transcript.text();
        if text.trim().is_empty() {
            // Nothing was said: the blank template, with no model run.
            let draft = Extractive.draft(transcript, headings);
            return Ok(Drafted {
                draft,
                stats: llm::Stats::default(),
                dropped: Vec::new(),
            });
        }
        let said = Said::new(&text);
        let system = prompt::system(headings);
        let user = prompt::user(&text);
        let chat = llm::Chat {
            system: &system,
            user: &user,
        };
        let mut answer = String::new();
        let stats = self
            .model
            .chat(&chat, &self.settings, |piece| {
                answer.push_str(piece);
                on_progress(&markdown(&parse(&answer, headings, &said, false)))
            })
            .map_err(|source| DraftError::Model { source })?;
        if stats.stopped {
            return Err(DraftError::Stopped);
        }
        tracing::debug!(%answer, "the language model's answer");
        let mut parsed = parse(&answer, headings, &said, true);
        crate::ground::ground(&mut parsed, transcript, headings);
        if parsed.headings_found == 0 {
            let start: String = answer.chars().take(160).collect();
            return Err(DraftError::Unusable {
                reason: format!("it has none of the template's headings: {start:?}…"),
            });
        }
        if parsed.sections.iter().all(|s| s.sentences.is_empty()) {
            return Err(DraftError::Unusable {
                reason: format!(
                    "no line survived the check against the transcript ({} dropped)",
                    parsed.dropped.len()
                ),
            });
        }
        let title = parsed
            .title
            .clone()
            .unwrap_or_else(|| crate::extractive::title(&parsed.sections, headings));
        Ok(Drafted {
            draft: Draft {
                title,
                sections: parsed.sections,
                method: Method::Model,
                fallback: None,
            },
            stats,
            dropped: parsed.dropped,
        })
    }
}

/// The sections read so far, as the box shows them.
fn markdown(parsed: &Parsed) -> String {
    Draft {
        title: String::new(),
        sections: parsed.sections.clone(),
        method: Method::Model,
        fallback: None,
    }
    .to_markdown()
}

impl Drafter for LocalModel {
    fn draft(&self, transcript: &Transcript, headings: &[Heading]) -> Draft {
        match self.draft_streaming(transcript, headings, |_| ControlFlow::Continue(())) {
            Ok(drafted) => drafted.draft,
            Err(e) => Extractive.draft_instead(transcript, headings, &e),
        }
    }
}
