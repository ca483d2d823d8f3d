//! A second check on a model's draft, for the two sections a small model fills with what was
//! not said: a line in a "what changed" or "decisions" section stays only when the speaker said
//! something of that kind about the same thing — it shares a word of four letters or more with
//! a sentence the extractive method sorts into that kind of section. So a section nothing was
//! said for stays empty even when the model writes a plan or a cost as work done.

use speech::Transcript;

use crate::parse::Parsed;
use crate::sentences;
use crate::{Drafter, Extractive, Heading, Kind};

/// The kinds of section checked.
const CHECKED: &[Kind] = &[Kind::Changed, Kind::Decisions];

/// Words that say little about what a line is about.
const COMMON: &[&str] = &[
    "that", "this", "with", "have", "will", "from", "they", "them", "their", "there", "then",
    "than", "what", "when", "which", "should", "would", "could", "need", "needs", "about", "team",
    "also", "into", "more", "less", "some", "were", "been", "being", "whether",
];

fn content_words(text: &str) -> Vec<String> {
    sentences::words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 4 && !COMMON.contains(&w.as_str()))
        .collect()
}

/// Drops from `parsed` the checked sections' lines the transcript does not back, noting each
/// in `parsed.dropped`.
pub fn ground(parsed: &mut Parsed, transcript: &Transcript, headings: &[Heading]) {
    let sorted = Extractive.draft(transcript, headings);
    for (i, heading) in headings.iter().enumerate() {
        if !CHECKED.contains(&heading.kind) {
            continue;
        }
        let backing: Vec<String> = sorted.sections[i]
            .sentences
            .iter()
            .flat_map(|s| content_words(s))
            .collect();
        let lines = std::mem::take(&mut parsed.sections[i].sentences);
        for line in lines {
            if content_words(&line).iter().any(|w| backing.contains(w)) {
                parsed.sections[i].sentences.push(line);
            } else {
                let why = format!("nothing said under {} backs it", heading.text);
                parsed.dropped.push((line, vec![why]));
            }
        }
    }
}
