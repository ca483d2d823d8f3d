//! Why the local language model did not draft (the caller then drafts with the extractive
//! method and says so).

/// What stopped the local model's draft.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DraftError {
    /// The model file cannot be loaded or run.
    #[error("{source}. Install the drafting model again with `clipnote models install draft`")]
    Model {
        #[source]
        source: llm::LlmError,
    },
    /// The model ran, but what it wrote could not be read into the template's sections.
    #[error("the language model's answer was unusable ({reason})")]
    Unusable { reason: String },
    /// The caller stopped it (typing into the box, a recording starting).
    #[error("the draft was stopped")]
    Stopped,
}
