//! A transcript's words as sentences, and the words of a sentence for matching.

/// The transcript's text split after `.`, `?` and `!` that end a word (so "3.2" and "v1.4"
/// stay whole), each sentence trimmed and kept verbatim.
pub fn split(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let ends = matches!(c, '.' | '?' | '!') && chars.peek().is_none_or(|n| n.is_whitespace());
        if ends {
            push_trimmed(&mut out, &current);
            current.clear();
        }
    }
    push_trimmed(&mut out, &current);
    out
}

fn push_trimmed(out: &mut Vec<String>, sentence: &str) {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    if words.iter().any(|w| w.chars().any(char::is_alphanumeric)) {
        out.push(words.join(" "));
    }
}

/// A sentence's words, lower-case, apostrophes made plain (whisper writes ’ or ').
pub fn words(sentence: &str) -> Vec<String> {
    sentence
        .to_lowercase()
        .replace('’', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `phrase` (space-separated words) occurs in `words` as consecutive words.
pub fn has_phrase(words: &[String], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(wanted.len())
        .any(|w| w.iter().zip(&wanted).all(|(a, b)| a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_stops_that_end_a_word() {
        assert_eq!(
            split(" We shipped v1.4 on 3.2 seconds.  Should we   wait? Yes!  ok"),
            [
                "We shipped v1.4 on 3.2 seconds.",
                "Should we wait?",
                "Yes!",
                "ok"
            ]
        );
        assert!(split(" ... ").is_empty());
    }

    #[test]
    fn phrases_match_whole_words() {
        let w = words("I’ll fix the unfixed thing tomorrow.");
        assert!(has_phrase(&w, "i'll"));
        assert!(has_phrase(&w, "fix the"));
        assert!(!has_phrase(&w, "fixed"));
    }
}
