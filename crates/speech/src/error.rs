//! The one error type of the speech crate: what went wrong, in words that name the fix.

use std::path::PathBuf;

/// Everything that can stop a model from installing or loading, or a transcript from being made.
///
/// Each message names the cause and what the user can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpeechError {
    /// A known model is not in the model folder.
    #[error(
        "the speech model {name} is not installed (there is no {path}). Install it with `clipnote models install {name}`",
        path = path.display()
    )]
    NotInstalled { name: String, path: PathBuf },

    /// A model file given by path does not exist or cannot be read.
    #[error(
        "cannot read the speech model {path}: {reason}. Pass the path of a whisper.cpp model file, or a model name such as tiny.en (`clipnote models list`)",
        path = path.display()
    )]
    Unreadable { path: PathBuf, reason: String },

    /// The file is not a whisper.cpp (ggml) model, or it is cut short or damaged.
    #[error(
        "{path} is not a usable whisper.cpp model: {reason}. Download it again (`clipnote models install NAME`), or convert the model to ggml form",
        path = path.display()
    )]
    NotAModel { path: PathBuf, reason: String },

    /// The file's contents differ from the published model of that name.
    #[error(
        "{path} is not the published {name} model: {reason}. The file is damaged or another model; remove it and install it again with `clipnote models install {name}`",
        path = path.display()
    )]
    Mismatch {
        name: String,
        path: PathBuf,
        reason: String,
    },

    /// No model of that name is known.
    #[error(
        "there is no speech model called {name:?}; known models: {known}. Or pass the path of a whisper.cpp model file"
    )]
    UnknownModel { name: String, known: String },

    /// The model cannot transcribe the language asked for.
    #[error(
        "the speech model {model} cannot transcribe the language {language:?}; it knows: {supported}. Pass one of those with --language, or install a multilingual model (`clipnote models list`)"
    )]
    UnsupportedLanguage {
        model: String,
        language: String,
        supported: String,
    },

    /// A file in the model folder could not be read or written.
    #[error("cannot {action} {path}: {source}. Check the folder's permissions and free space", path = path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// whisper.cpp failed where no user action applies.
    #[error("whisper.cpp failed while {context}: {source}")]
    Whisper {
        context: &'static str,
        #[source]
        source: whisper_rs::WhisperError,
    },
}

impl SpeechError {
    /// Wraps an I/O error with what we were doing, and on which file.
    pub(crate) fn io<'a>(
        action: &'static str,
        path: &'a std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self + 'a {
        move |source| Self::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }

    /// Wraps a whisper.cpp error with what we were doing.
    pub(crate) fn whisper(context: &'static str) -> impl FnOnce(whisper_rs::WhisperError) -> Self {
        move |source| Self::Whisper { context, source }
    }
}

/// The result type of this crate.
pub type Result<T, E = SpeechError> = std::result::Result<T, E>;
