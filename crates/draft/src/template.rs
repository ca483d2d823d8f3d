//! The summary template's section headings, and what each section is for.

/// What a section holds, judged from its heading's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The opening: what this is about.
    Context,
    /// What was done: fixed, added, shipped.
    Changed,
    /// Questions for the team: which option, should we.
    Decisions,
    /// What comes next: tomorrow, I'll.
    Next,
    /// A team's own section the extractive method has no rule for: left empty.
    Other,
}

/// A heading of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// Its words ("What changed").
    pub text: String,
    /// The line as the template writes it ("**What changed**", "## What changed").
    pub line: String,
    pub kind: Kind,
}

/// The headings of a template: lines that are wholly bold (`**Context**`) or markdown
/// headings (`## Context`), in order.
pub fn headings(template: &str) -> Vec<Heading> {
    template
        .lines()
        .filter_map(|line| {
            let trimmed = line.trim();
            let text = heading_text(trimmed)?;
            Some(Heading {
                kind: kind_of(&text),
                text,
                line: trimmed.to_owned(),
            })
        })
        .collect()
}

fn heading_text(line: &str) -> Option<String> {
    let inner = if let Some(rest) = line.strip_prefix('#') {
        rest.trim_start_matches('#').trim()
    } else {
        let inner = line.strip_prefix("**")?.strip_suffix("**")?;
        if inner.contains("**") {
            return None;
        }
        inner.trim()
    };
    let inner = inner.trim_end_matches(':').trim();
    (!inner.is_empty()).then(|| inner.to_owned())
}

fn kind_of(heading: &str) -> Kind {
    let h = heading.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if has(&["decision", "decide", "question", "input needed", "open"]) {
        Kind::Decisions
    } else if has(&["next", "plan", "todo", "to do", "coming"]) {
        Kind::Next
    } else if has(&[
        "changed",
        "change",
        "done",
        "progress",
        "shipped",
        "update",
        "what's new",
    ]) {
        Kind::Changed
    } else if has(&["context", "background", "why", "about", "summary"]) {
        Kind::Context
    } else {
        Kind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_template_has_the_four_sections() {
        let template = include_str!("../../../assets/summary-template.md");
        let found: Vec<(String, Kind)> = headings(template)
            .into_iter()
            .map(|h| (h.text, h.kind))
            .collect();
        assert_eq!(
            found,
            [
                ("Context".to_owned(), Kind::Context),
                ("What changed".to_owned(), Kind::Changed),
                ("Decisions needed".to_owned(), Kind::Decisions),
                ("Next".to_owned(), Kind::Next),
            ]
        );
    }

    #[test]
    fn a_teams_own_headings_are_read_in_either_form() {
        let found = headings("## Background\n- \n\n**Blockers:**\n- \n**Plan for next week**\n");
        let kinds: Vec<(&str, Kind)> = found.iter().map(|h| (h.text.as_str(), h.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("Background", Kind::Context),
                ("Blockers", Kind::Other),
                ("Plan for next week", Kind::Next),
            ]
        );
        assert_eq!(found[1].line, "**Blockers:**");
    }

    #[test]
    fn bold_words_inside_a_line_are_not_headings() {
        assert!(headings("- **fixed** the crash\n**a** and **b**\n").is_empty());
    }
}
