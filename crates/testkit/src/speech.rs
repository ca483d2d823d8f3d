//! Speech for the speech tests: the model folder and the real recording `cargo xtask test`
//! prepares, and the word error rate to judge a transcript by.

use std::path::PathBuf;

/// What `cargo xtask test` prepares under `<target>/speech/`.
#[derive(Debug, Clone)]
pub struct Speech {
    /// A model folder holding tiny.en (usable as `CLIPNOTE_MODELS_DIR`).
    pub models_dir: PathBuf,
    /// John F. Kennedy's inaugural address, 11 s, 16 kHz mono: [`JFK_TEXT`].
    pub jfk: PathBuf,
    /// Samuel Beckett read aloud, 10 s, 16 kHz mono: [`BECKETT_TEXT`].
    pub beckett: PathBuf,
}

/// The speech parts, or a panic that says how to get them.
pub fn speech() -> Speech {
    let var = |name: &str| {
        std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
            panic!("{name} is not set: run the tests with `cargo xtask test`, which prepares the speech model, jfk.wav and beckett.wav")
        })
    };
    Speech {
        models_dir: var("CLIPNOTE_TEST_MODELS_DIR"),
        jfk: var("CLIPNOTE_TEST_JFK"),
        beckett: var("CLIPNOTE_TEST_BECKETT"),
    }
}

/// A sound file's audio as whisper hears it: mono f32 at 16 kHz, decoded by the `ffmpeg` CLI.
pub fn samples_16k(path: &std::path::Path) -> Vec<f32> {
    crate::clip::audio_mono_at(path, 16_000)
}

pub use crate::said::{BECKETT_TEXT, JFK_TEXT, wer, words};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_error_rate_counts_substitutions_deletions_and_insertions() {
        assert_eq!(wer(JFK_TEXT, JFK_TEXT), 0.0);
        assert_eq!(
            wer("ask not what", "Ask not, what!"),
            0.0,
            "case and punctuation"
        );
        assert_eq!(wer("a b c d", "a x c d"), 0.25, "one substitution");
        assert_eq!(wer("a b c d", "a c d"), 0.25, "one deletion");
        assert_eq!(wer("a b c d", "a b c d e"), 0.25, "one insertion");
        assert_eq!(wer("a b c d", ""), 1.0);
        assert_eq!(wer("", ""), 0.0);
    }
}
