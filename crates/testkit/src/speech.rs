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
}

/// What is said in `jfk.wav`.
pub const JFK_TEXT: &str = "And so my fellow Americans, ask not what your country can do for \
                            you, ask what you can do for your country.";

/// The speech parts, or a panic that says how to get them.
pub fn speech() -> Speech {
    let var = |name: &str| {
        std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
            panic!("{name} is not set: run the tests with `cargo xtask test`, which prepares the speech model and jfk.wav")
        })
    };
    Speech {
        models_dir: var("CLIPNOTE_TEST_MODELS_DIR"),
        jfk: var("CLIPNOTE_TEST_JFK"),
    }
}

/// A sound file's audio as whisper hears it: mono f32 at 16 kHz, decoded by the `ffmpeg` CLI.
pub fn samples_16k(path: &std::path::Path) -> Vec<f32> {
    crate::clip::audio_mono_at(path, 16_000)
}

/// Lowercase words without punctuation: "Americans," and "americans" are the same word.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word error rate: (substitutions + deletions + insertions) / words in the reference, by the
/// edit distance between the two word sequences. 0 is perfect; an empty hypothesis is 1.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let (r, h) = (words(reference), words(hypothesis));
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    // One row of the edit-distance table at a time.
    let mut row: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, hw) in h.iter().enumerate() {
            let substitution = diagonal + usize::from(rw != hw);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[h.len()] as f64 / r.len() as f64
}

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
