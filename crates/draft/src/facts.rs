//! The facts a language model could invent — numbers, dates and names — and whether the
//! transcript says them. This is how a model's line is checked before it goes in a draft.

/// Month and day names (capitalised): dates even at the start of a line.
const CALENDAR: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// What a text says, for checking lines against it.
#[derive(Debug, Clone, Default)]
pub struct Said {
    /// Its words, lower-case.
    words: std::collections::HashSet<String>,
    /// Its runs of digits ("2", "32", "3.2", "14").
    numbers: std::collections::HashSet<String>,
}

impl Said {
    pub fn new(text: &str) -> Self {
        Self {
            words: words(text).map(|w| w.to_lowercase()).collect(),
            numbers: numbers(text).collect(),
        }
    }

    /// The numbers, dates and names in `line` that this text does not say: every run of
    /// digits, every month or day name, and every capitalised word but the one that starts
    /// the line or a sentence ("I" aside). Names are compared without case.
    pub fn unfounded(&self, line: &str) -> Vec<String> {
        let mut out: Vec<String> = numbers(line)
            .filter(|n| !self.numbers.contains(n))
            .collect();
        let mut starts_sentence = true;
        for word in line.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
            let lower = bare.to_lowercase();
            let capital = bare.chars().next().is_some_and(char::is_uppercase);
            let named = capital
                && !starts_sentence
                && bare != "I"
                && !bare.starts_with("I'")
                && !bare.starts_with("I’");
            let dated = capital && CALENDAR.contains(&lower.as_str());
            if (named || dated)
                && !bare.chars().any(|c| c.is_ascii_digit())
                && !lower.is_empty()
                && !self.words.contains(&lower)
                && !out.contains(&bare.to_owned())
            {
                out.push(bare.to_owned());
            }
            starts_sentence = word
                .trim_end_matches(['*', '"', ')'])
                .ends_with(['.', '?', '!', ':']);
        }
        out
    }
}

/// The words of a text (letters, digits, apostrophes and hyphens inside).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .flat_map(|w| w.split('-'))
        .map(|w| w.trim_matches(|c: char| c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}

/// Runs of digits, with a decimal point inside kept ("3.2"; "v1.4" gives "1.4").
fn numbers(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let inner_point = (c == '.' || c == ',')
            && !current.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || (inner_point && c == '.') {
            current.push(c);
        } else if inner_point {
            // 1,000 is one number.
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_names_not_said_are_found() {
        let said = Said::new(
            "I fixed the crash after 2 GB. On March 14 Dana ships v1.4, about 1,000 users.",
        );
        assert!(said.unfounded("Fixed the crash after 2GB.").is_empty());
        assert!(
            said.unfounded("Dana ships v1.4 on March 14 to 1000 users")
                .is_empty()
        );
        assert_eq!(said.unfounded("Ships on March 15 with Bob"), ["15", "Bob"]);
        assert_eq!(said.unfounded("Friday: ship it"), ["Friday"]);
        assert!(said.unfounded("We will ship. Then I'll rest").is_empty());
    }
}
