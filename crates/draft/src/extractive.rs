//! The extractive method: each sentence of the transcript sorted into a section by what it
//! says, verbatim.

use speech::Transcript;

use crate::sentences::{self, has_phrase};
use crate::{Draft, Drafter, Heading, Kind, Method, Section};

/// Sentences sorted by cue words: questions and choices → decisions, plans → next, done work →
/// what changed, the opening → context. A sentence with no cue of its own (a cause, a
/// trade-off) stays with the sentence before it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extractive;

/// How many opening sentences can be context.
const MAX_CONTEXT: usize = 3;
/// The suggested title's length at most, in characters.
const MAX_TITLE_CHARS: usize = 60;

const DECISION: &[&str] = &[
    "decide",
    "decision",
    "should we",
    "whether",
    "do we want",
    "need your input",
    "not sure if",
    "thoughts on",
];
const NEXT: &[&str] = &[
    "next",
    "tomorrow",
    "i'll",
    "we'll",
    "going to",
    "plan to",
    "planning to",
    "after that",
    "follow up",
    "todo",
    "to do",
    "later today",
    "this week",
];
const CHANGED: &[&str] = &[
    "fixed",
    "added",
    "changed",
    "shipped",
    "merged",
    "released",
    "removed",
    "updated",
    "deployed",
    "landed",
    "finished",
    "completed",
    "implemented",
    "refactored",
    "rewrote",
    "moved",
    "upgraded",
    "renamed",
    "resolved",
    "replaced",
    "improved",
    "switched",
    "introduced",
    "built",
];
/// Sentences that carry nothing for a reader.
const SMALL_TALK: &[&str] = &[
    "thanks",
    "thank you",
    "bye",
    "cheers",
    "that's it",
    "that's all",
    "hi",
    "hello",
    "hey",
];

impl Drafter for Extractive {
    fn draft(&self, transcript: &Transcript, headings: &[Heading]) -> Draft {
        let mut sections: Vec<Section> = headings
            .iter()
            .map(|h| Section {
                heading: h.text.clone(),
                line: h.line.clone(),
                sentences: Vec::new(),
            })
            .collect();
        let slot = |kind: Kind| headings.iter().position(|h| h.kind == kind);

        let mut previous: Option<Kind> = None;
        let mut opening = true;
        let mut context_taken = 0;
        for sentence in sentences::split(&transcript.text()) {
            let words = sentences::words(&sentence);
            if is_small_talk(&words) {
                continue;
            }
            let kind = match cue(&sentence, &words) {
                Some(kind) => {
                    opening = false;
                    Some(kind)
                }
                None if opening && context_taken < MAX_CONTEXT => {
                    context_taken += 1;
                    Some(Kind::Context)
                }
                None => previous,
            };
            let Some(kind) = kind else { continue };
            previous = Some(kind);
            if let Some(i) = slot(kind) {
                sections[i].sentences.push(sentence);
            }
        }

        let title = title(&sections, headings);
        Draft {
            title,
            sections,
            method: Method::Extractive,
            fallback: None,
        }
    }
}

impl Extractive {
    /// The extractive draft in place of a language model's, saying why.
    pub fn draft_instead(
        &self,
        transcript: &Transcript,
        headings: &[Heading],
        why: &dyn std::fmt::Display,
    ) -> Draft {
        Draft {
            fallback: Some(why.to_string()),
            ..self.draft(transcript, headings)
        }
    }
}

/// The section a sentence's own words point to.
fn cue(sentence: &str, words: &[String]) -> Option<Kind> {
    let any = |list: &[&str]| list.iter().any(|p| has_phrase(words, p));
    let choice =
        (has_phrase(words, "which") || has_phrase(words, "either")) && has_phrase(words, "or");
    if any(DECISION) || choice || sentence.ends_with('?') {
        Some(Kind::Decisions)
    } else if any(NEXT) {
        Some(Kind::Next)
    } else if any(CHANGED) {
        Some(Kind::Changed)
    } else if has_phrase(words, "will") {
        Some(Kind::Next)
    } else {
        None
    }
}

fn is_small_talk(words: &[String]) -> bool {
    words.len() <= 4 && SMALL_TALK.iter().any(|p| has_phrase(words, p))
}

/// The first thing that changed (else the first thing said), cut at a word to
/// [`MAX_TITLE_CHARS`], without its closing stop.
pub(crate) fn title(sections: &[Section], headings: &[Heading]) -> String {
    let changed = headings
        .iter()
        .position(|h| h.kind == Kind::Changed)
        .and_then(|i| sections[i].sentences.first());
    let Some(source) = changed.or_else(|| sections.iter().find_map(|s| s.sentences.first())) else {
        return String::new();
    };
    let source = source.trim_end_matches(['.', '!', '?']);
    if source.chars().count() <= MAX_TITLE_CHARS {
        return source.to_owned();
    }
    let mut title = String::new();
    for word in source.split(' ') {
        if title.chars().count() + word.chars().count() + 1 > MAX_TITLE_CHARS {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    title.trim_end_matches([',', ';', ':']).to_owned() + "…"
}
