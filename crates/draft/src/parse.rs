//! A language model's answer read back into the template's sections, each line checked
//! against the transcript ([`crate::facts`]): a line with a number, date or name that was not
//! said is dropped.

use crate::facts::Said;
use crate::prompt::TITLE;
use crate::{Heading, Section};

/// The answer, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The model's title, when it gave one that passed the check.
    pub title: Option<String>,
    /// The template's sections with the lines kept.
    pub sections: Vec<Section>,
    /// How many of the template's headings the answer had.
    pub headings_found: usize,
    /// Lines dropped, each with the facts in it that were not said.
    pub dropped: Vec<(String, Vec<String>)>,
}

/// A heading's words, compared: lower-case, no markup (a bullet mark, `#`, `**`), no colon.
fn key(line: &str) -> String {
    let t = line.trim();
    let t = bullet(t).unwrap_or(t);
    t.trim_start_matches('#')
        .replace("**", "")
        .trim()
        .trim_end_matches(':')
        .trim()
        .to_lowercase()
}

/// The title on a `Title: …` line (`**Title:** …` and other markup too).
fn title_of(line: &str) -> Option<String> {
    let plain = line.replace("**", "");
    let plain = plain.trim().trim_start_matches('#').trim();
    let rest = plain
        .get(..TITLE.len())
        .filter(|head| head.eq_ignore_ascii_case(TITLE))
        .map(|_| &plain[TITLE.len()..])?;
    Some(
        rest.trim()
            .trim_matches('"')
            .trim_end_matches('.')
            .trim()
            .to_owned(),
    )
}

/// A bullet's text without its mark; `None` for a line that is not a bullet.
fn bullet(line: &str) -> Option<&str> {
    let t = line.trim();
    for mark in ["- ", "* ", "• ", "– "] {
        if let Some(rest) = t.strip_prefix(mark) {
            return Some(rest.trim());
        }
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0
        && let Some(rest) = t[digits..].strip_prefix(". ")
    {
        return Some(rest.trim());
    }
    None
}

/// A label opening a line, `Label: rest` or `**Label:** rest` (a few words before the colon):
/// the label, the rest, and whether the label was bold.
fn label(text: &str) -> Option<(&str, &str, bool)> {
    let (label, rest, bold) = if let Some(inner) = text.strip_prefix("**") {
        let end = inner.find("**")?;
        let rest = inner[end + 2..].trim_start_matches(':');
        (inner[..end].trim_end_matches(':'), rest, true)
    } else {
        let (label, rest) = text.split_once(':')?;
        (label, rest, false)
    };
    let words = label.split_whitespace().count();
    (words > 0 && words <= 4).then(|| (label.trim(), rest.trim(), bold))
}

/// A bullet that says nothing was said.
fn is_nothing(text: &str) -> bool {
    let t = text
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    t.is_empty() || matches!(t.as_str(), "none" | "n/a" | "nothing" | "no" | "-")
}

/// Reads `answer` into `headings`' sections. With `complete` false the answer is still
/// coming: its last line may be half a line, shown unchecked when it is a bullet.
pub fn parse(answer: &str, headings: &[Heading], said: &Said, complete: bool) -> Parsed {
    let mut out = Parsed {
        sections: headings
            .iter()
            .map(|h| Section {
                heading: h.text.clone(),
                line: h.line.clone(),
                sentences: Vec::new(),
            })
            .collect(),
        ..Parsed::default()
    };
    let keys: Vec<String> = headings.iter().map(|h| key(&h.text)).collect();
    let mut lines: Vec<&str> = answer.lines().collect();
    let partial = if !complete && !answer.ends_with('\n') {
        lines.pop()
    } else {
        None
    };
    let mut current: Option<usize> = None;
    let mut seen = vec![false; headings.len()];
    for line in lines {
        let t = line.trim();
        if t.is_empty() || t.starts_with("```") {
            continue;
        }
        if let Some(title) = title_of(t) {
            if current.is_none() && !title.is_empty() && said.unfounded(&title).is_empty() {
                out.title = Some(title);
            }
            continue;
        }
        if let Some(i) = keys.iter().position(|k| *k == key(t)) {
            current = Some(i);
            if !seen[i] {
                seen[i] = true;
                out.headings_found += 1;
            }
            continue;
        }
        let mut text = bullet(t).unwrap_or(t);
        if let Some((label, rest, bold)) = label(text) {
            if let Some(i) = keys.iter().position(|k| *k == key(label)) {
                // "Context: …" — a heading with its first point on the same line.
                current = Some(i);
                if !seen[i] {
                    seen[i] = true;
                    out.headings_found += 1;
                }
                text = rest;
            } else if bold {
                // "**Option 1:** keep the chunks" — the model's own label goes.
                text = rest;
            }
        }
        let Some(i) = current else { continue };
        if is_nothing(text) {
            continue;
        }
        let unfounded = said.unfounded(text);
        if !unfounded.is_empty() {
            out.dropped.push((text.to_owned(), unfounded));
            continue;
        }
        let sentences = &mut out.sections[i].sentences;
        if !sentences.iter().any(|s| s == text) {
            sentences.push(text.to_owned());
        }
    }
    // The line being written shows as it grows (so the box fills word by word); it is checked
    // once it is whole.
    if let (Some(line), Some(i)) = (partial, current)
        && let Some(text) = bullet(line).filter(|t| !t.is_empty() && !t.starts_with('('))
    {
        out.sections[i].sentences.push(text.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../../assets/summary-template.md");

    #[test]
    fn an_answer_is_read_into_the_sections_and_invented_facts_are_dropped() {
        let said = Said::new(
            "I fixed the crash in the chunker. On March 14 we ship. Should we use 5 MB chunks?",
        );
        let answer = "**Title: ** Chunker crash fixed\n- **Context**\n  - (none)\n\n**What changed:**\n\
                      - Fixed the crash in the chunker.\n- Fixed it for Acme on 12 May.\n\
                      ## Decisions needed\n1. Should we use 5 MB chunks?\n- **Option 2:** Wait.\n\
                      - Next: Ship on March 14.\n- Ship";
        let p = parse(answer, &crate::headings(TEMPLATE), &said, false);
        assert_eq!(p.title.as_deref(), Some("Chunker crash fixed"));
        assert_eq!(p.headings_found, 4);
        let got: Vec<&[String]> = p.sections.iter().map(|s| s.sentences.as_slice()).collect();
        assert!(got[0].is_empty());
        assert_eq!(got[1], ["Fixed the crash in the chunker."]);
        assert_eq!(got[2], ["Should we use 5 MB chunks?", "Wait."], "labels go");
        assert_eq!(
            got[3],
            ["Ship on March 14.", "Ship"],
            "the line being written shows"
        );
        assert_eq!(
            p.dropped,
            [(
                "Fixed it for Acme on 12 May.".to_owned(),
                vec!["12".to_owned(), "Acme".to_owned(), "May".to_owned()]
            )]
        );
    }
}
