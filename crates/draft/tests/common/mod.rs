//! What the draft tests share.

use speech::{Segment, Transcript};

/// Whisper's way: segments of about a dozen words that cut sentences anywhere.
pub fn transcript(text: &str) -> Transcript {
    let words: Vec<&str> = text.split_whitespace().collect();
    let segments = words
        .chunks(12)
        .enumerate()
        .map(|(i, chunk)| Segment {
            start_secs: i as f64 * 4.0,
            end_secs: i as f64 * 4.0 + 3.9,
            text: chunk.join(" "),
            words: Vec::new(),
            no_speech_prob: 0.01,
        })
        .collect();
    Transcript {
        language: "en".into(),
        segments,
    }
}
