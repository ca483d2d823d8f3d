//! The local language model's draft, with the real model (`cargo xtask test` prepares it):
//! each known fact of a transcript lands in its section, nothing is invented (checked
//! mechanically, apart from the crate's own check), a section nothing was said for stays
//! empty, the draft arrives piece by piece, and a damaged model file names the fix.

use std::ops::ControlFlow;

mod common;

use common::transcript;
use draft::{Draft, DraftError, Drafted, LocalModel, Method, headings};
use testkit::draft::{EMAILS, UPLOADS, draft_model, invented};

const TEMPLATE: &str = include_str!("../../../assets/summary-template.md");

/// Drafts `text` with the real model; also the markdown it showed on the way.
fn drafted(text: &str) -> (Drafted, Vec<String>) {
    let model = LocalModel::load(&draft_model().path).unwrap();
    let mut shown: Vec<String> = Vec::new();
    let d = model
        .draft_streaming(&transcript(text), &headings(TEMPLATE), |markdown| {
            if shown.last().is_none_or(|m| m != markdown) {
                shown.push(markdown.to_owned());
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    eprintln!(
        "{}\n{}\n(dropped: {:?}; {:?})",
        d.draft.title,
        d.draft.to_markdown(),
        d.dropped,
        d.stats
    );
    (d, shown)
}

fn section(draft: &Draft, heading: &str) -> String {
    draft
        .sections
        .iter()
        .find(|s| s.heading == heading)
        .unwrap_or_else(|| panic!("no section {heading}"))
        .sentences
        .join("\n")
}

fn assert_nothing_invented(draft: &Draft, said: &str) {
    let mut written = vec![draft.title.clone()];
    written.extend(draft.sections.iter().flat_map(|s| s.sentences.clone()));
    let made_up = invented(&written.join("\n"), said);
    assert!(made_up.is_empty(), "not in the transcript: {made_up:?}");
}

#[test]
fn the_model_puts_each_fact_of_a_bug_fix_update_in_its_section_and_invents_nothing() {
    let (d, shown) = drafted(UPLOADS);
    let draft = &d.draft;
    assert_eq!(draft.method, Method::Model);
    assert_eq!(draft.fallback, None);
    let (changed, decisions, next) = (
        section(draft, "What changed").to_lowercase(),
        section(draft, "Decisions needed").to_lowercase(),
        section(draft, "Next").to_lowercase(),
    );
    assert!(changed.contains("chunker"), "the fix: {changed}");
    let cause = format!("{}\n{changed}", section(draft, "Context")).to_lowercase();
    assert!(cause.contains("32-bit"), "the bug's cause: {cause}");
    assert!(
        decisions.contains("5 mb") && decisions.contains("20 mb"),
        "the decision and both options: {decisions}"
    );
    assert!(next.contains("march 14"), "the date: {next}");
    assert!(next.contains("eu"), "the next step: {next}");
    assert_nothing_invented(draft, UPLOADS);
    assert!(!draft.title.is_empty());
    assert!(
        shown.len() >= 3,
        "the draft arrives piece by piece: {shown:?}"
    );
    assert_eq!(shown.last(), Some(&draft.to_markdown()));
}

#[test]
fn a_section_nothing_was_said_for_stays_empty() {
    let (d, _) = drafted(EMAILS);
    let draft = &d.draft;
    assert_eq!(draft.method, Method::Model);
    assert_eq!(section(draft, "What changed"), "", "nothing was done yet");
    let decisions = section(draft, "Decisions needed").to_lowercase();
    assert!(
        decisions.contains("postmark") && decisions.contains("ses"),
        "{decisions}"
    );
    assert!(section(draft, "Next").to_lowercase().contains("template"));
    assert_nothing_invented(draft, EMAILS);
}

#[test]
fn a_damaged_model_file_names_the_install_command() {
    let dir = tempfile::tempdir().unwrap();
    // The real model cut short: a GGUF header with its tensors missing.
    let cut = dir.path().join("cut.gguf");
    let mut head = vec![0u8; 4 << 20];
    use std::io::Read;
    std::fs::File::open(draft_model().path)
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    std::fs::write(&cut, &head).unwrap();
    let garbage = dir.path().join("garbage.gguf");
    std::fs::write(&garbage, b"not a model at all").unwrap();
    for path in [cut, garbage] {
        let err = LocalModel::load(&path).unwrap_err();
        assert!(matches!(err, DraftError::Model { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("clipnote models install draft") && message.contains("GGUF"),
            "{message}"
        );
    }
}
