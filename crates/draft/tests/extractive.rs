//! The extractive draft on realistic transcripts with known facts: each fact lands in its
//! section, verbatim, and nothing appears that was not said.

mod common;

use common::transcript;
use draft::{Draft, Drafter, Extractive, Method, headings};
use speech::Transcript;
use testkit::draft::{EMAILS, UPLOADS};

const TEMPLATE: &str = include_str!("../../../assets/summary-template.md");

fn draft(text: &str, template: &str) -> Draft {
    Extractive.draft(&transcript(text), &headings(template))
}

fn section<'a>(draft: &'a Draft, heading: &str) -> &'a [String] {
    &draft
        .sections
        .iter()
        .find(|s| s.heading == heading)
        .unwrap_or_else(|| panic!("no section {heading} in {draft:?}"))
        .sentences
}

/// Numbers, dates and capitalised names: the facts a model could invent.
fn facts(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| w.chars().any(|c| c.is_ascii_digit() || c.is_uppercase()))
        .map(str::to_owned)
        .collect()
}

/// Every sentence is the transcript's, and every number, date and name in the draft (title
/// included) was said.
fn assert_faithful(draft: &Draft, text: &str) {
    let said = facts(text);
    let mut written = facts(&draft.title);
    for s in draft.sections.iter().flat_map(|s| &s.sentences) {
        assert!(text.contains(s.as_str()), "not verbatim: {s:?}");
        written.extend(facts(s));
    }
    assert!(!written.is_empty(), "the draft has no facts to check");
    for fact in written {
        assert!(
            said.contains(&fact),
            "{fact:?} is in the draft but was not said"
        );
    }
}

#[test]
fn each_fact_of_a_bug_fix_update_lands_in_its_section() {
    let d = draft(UPLOADS, TEMPLATE);
    assert_eq!(d.method, Method::Extractive);
    assert_eq!(
        section(&d, "Context"),
        [
            "Hi team, quick update on the upload service.",
            "Last week some customers saw uploads fail for files over 2 GB.",
        ]
    );
    assert_eq!(
        section(&d, "What changed"),
        [
            "I fixed the upload crash in the chunker.",
            "The crash was caused by a 32-bit offset that overflowed after 2 GB.",
            "I also added a retry for timeouts in the Frankfurt region.",
        ],
        "the fix keeps its cause"
    );
    assert_eq!(
        section(&d, "Decisions needed"),
        [
            "We need to decide whether to keep the 5 MB chunks or move to 20 MB chunks.",
            "Bigger chunks are faster on good networks, but a failed chunk costs more to resend.",
        ],
        "the decision keeps its trade-off"
    );
    assert_eq!(
        section(&d, "Next"),
        [
            "Tomorrow I'll roll the fix out to the EU customers, and on March 14 we'll turn it on for everyone."
        ],
        "the date stays; the goodbye goes"
    );
    assert_eq!(d.title, "I fixed the upload crash in the chunker");
    assert_faithful(&d, UPLOADS);
}

#[test]
fn a_which_or_question_is_a_decision_and_nothing_done_leaves_what_changed_empty() {
    let d = draft(EMAILS, TEMPLATE);
    assert_eq!(
        section(&d, "Context"),
        ["This is about the onboarding emails for Acme."]
    );
    assert!(section(&d, "What changed").is_empty(), "{d:?}");
    assert_eq!(
        section(&d, "Decisions needed"),
        [
            "Which provider should we use, Postmark or SES?",
            "Postmark costs 50 dollars a month, SES is cheaper but needs more setup.",
        ]
    );
    assert_eq!(
        section(&d, "Next"),
        ["Next I'm going to write the three templates with Dana."]
    );
    assert_eq!(d.title, "This is about the onboarding emails for Acme");
    assert_faithful(&d, EMAILS);
    assert!(
        d.to_markdown()
            .contains("**What changed**\n- \n\n**Decisions needed**\n"),
        "an empty section is the template's blank bullet:\n{}",
        d.to_markdown()
    );
}

#[test]
fn the_markdown_is_in_the_templates_shape() {
    let md = draft(EMAILS, TEMPLATE).to_markdown();
    assert_eq!(
        md,
        "**Context**\n- This is about the onboarding emails for Acme.\n\n\
         **What changed**\n- \n\n\
         **Decisions needed**\n- Which provider should we use, Postmark or SES?\n\
         - Postmark costs 50 dollars a month, SES is cheaper but needs more setup.\n\n\
         **Next**\n- Next I'm going to write the three templates with Dana.\n"
    );
}

#[test]
fn an_empty_transcript_drafts_the_blank_template() {
    let d = Extractive.draft(&Transcript::default(), &headings(TEMPLATE));
    assert!(d.is_empty());
    assert_eq!(d.title, "");
    assert_eq!(d.sections.len(), 4);
    assert_eq!(d.to_markdown().trim_end(), TEMPLATE.trim_end());
}

#[test]
fn a_teams_own_sections_are_used_and_one_without_a_rule_stays_empty() {
    let template = "## Background\n\n## Risks\n\n## Shipped\n\n## Plan\n";
    let d = draft(UPLOADS, template);
    let names: Vec<&str> = d.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(names, ["Background", "Risks", "Shipped", "Plan"]);
    assert_eq!(section(&d, "Background").len(), 2);
    assert!(section(&d, "Risks").is_empty());
    assert_eq!(section(&d, "Shipped").len(), 3);
    assert_eq!(section(&d, "Plan").len(), 1);
    assert!(d.to_markdown().starts_with("## Background\n- Hi team"));
    assert_faithful(&d, UPLOADS);
}

#[test]
fn the_json_names_the_method_and_the_sections() {
    let json = serde_json::to_value(draft(EMAILS, TEMPLATE)).unwrap();
    assert_eq!(json["method"], "extractive");
    assert_eq!(json["sections"][2]["heading"], "Decisions needed");
    assert_eq!(json["sections"][1]["sentences"], serde_json::json!([]));
    assert_eq!(
        json["title"],
        "This is about the onboarding emails for Acme"
    );
}
