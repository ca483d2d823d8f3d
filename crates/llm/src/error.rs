//! The one error type of the llm crate.

use std::path::PathBuf;

/// What stopped a model from loading or answering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// The file cannot be read.
    #[error("cannot read the language model {path}: {source}", path = path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a GGUF model llama.cpp can load (damaged, cut short, or another kind).
    #[error("{path} is not a usable GGUF language model: {reason}", path = path.display())]
    NotAModel { path: PathBuf, reason: String },
    /// The prompt does not fit the context the model is run with.
    #[error("the prompt has {tokens} tokens; the model is run with room for {limit}")]
    TooLong { tokens: usize, limit: usize },
    /// llama.cpp failed where no user action applies.
    #[error("llama.cpp failed while {context}: {reason}")]
    Llama {
        context: &'static str,
        reason: String,
    },
}

impl LlmError {
    pub(crate) fn llama(context: &'static str) -> impl FnOnce(&dyn std::fmt::Display) -> Self {
        move |e| Self::Llama {
            context,
            reason: e.to_string(),
        }
    }
}
