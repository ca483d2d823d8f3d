//! For the drafting tests: the language model `cargo xtask test` prepares, and transcripts
//! with known facts and the mechanical check that a draft invents none.

use std::path::PathBuf;

/// What `cargo xtask test` prepares under `<target>/draft/`.
#[derive(Debug, Clone)]
pub struct DraftModel {
    /// A model folder holding only the drafting model (usable as `CLIPNOTE_MODELS_DIR`).
    pub models_dir: PathBuf,
    /// The model file (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF).
    pub path: PathBuf,
}

/// The drafting model, or a panic that says how to get it.
pub fn draft_model() -> DraftModel {
    let var = |name: &str| {
        std::env::var_os(name).map(PathBuf::from).unwrap_or_else(|| {
            panic!("{name} is not set: run the tests with `cargo xtask test`, which prepares the drafting model")
        })
    };
    DraftModel {
        models_dir: var("CLIPNOTE_TEST_DRAFT_MODELS_DIR"),
        path: var("CLIPNOTE_TEST_DRAFT_MODEL"),
    }
}

/// A bug and its cause, a date, a decision with two options and its trade-off, a next step.
pub const UPLOADS: &str = "Hi team, quick update on the upload service. Last week some \
customers saw uploads fail for files over 2 GB. I fixed the upload crash in the chunker. The \
crash was caused by a 32-bit offset that overflowed after 2 GB. I also added a retry for \
timeouts in the Frankfurt region. We need to decide whether to keep the 5 MB chunks or move to \
20 MB chunks. Bigger chunks are faster on good networks, but a failed chunk costs more to \
resend. Tomorrow I'll roll the fix out to the EU customers, and on March 14 we'll turn it on \
for everyone. Thanks, bye.";

/// A choice put as "which … or …", its options' costs, and nothing done yet.
pub const EMAILS: &str = "This is about the onboarding emails for Acme. Which provider should \
we use, Postmark or SES? Postmark costs 50 dollars a month, SES is cheaper but needs more \
setup. Next I'm going to write the three templates with Dana.";

/// The numbers and names in `written` that `said` does not have: every run of digits, and
/// every capitalised word that does not start a line or a sentence ("I" aside), compared
/// without case. Independent of the draft crate's own check, on purpose.
pub fn invented(written: &str, said: &str) -> Vec<String> {
    let said_lower = said.to_lowercase();
    let said_words: Vec<&str> = said_lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let digit_runs = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_ascii_digit())
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let said_digits = digit_runs(said);
    let mut out: Vec<String> = digit_runs(written)
        .into_iter()
        .filter(|d| !said_digits.contains(d))
        .collect();
    for line in written.lines() {
        let line = line.trim_start_matches(['-', '*', '#', ' ']);
        let mut first = true;
        for word in line.split_whitespace() {
            let stem = word.split(['\'', '’']).next().unwrap_or(word);
            let bare: String = stem.chars().filter(|c| c.is_alphanumeric()).collect();
            let capital = bare.chars().next().is_some_and(char::is_uppercase);
            if capital
                && !first
                && bare != "I"
                && !said_words.contains(&bare.to_lowercase().as_str())
            {
                out.push(bare.clone());
            }
            first = word.ends_with(['.', '?', '!', ':']);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn invented_finds_numbers_and_names_not_said() {
        let said = "We ship on March 14 with Dana.";
        assert!(super::invented("- Ship on March 14. Dana helps", said).is_empty());
        assert_eq!(
            super::invented("Ship on March 15 with Bob", said),
            ["15", "Bob"]
        );
    }
}
