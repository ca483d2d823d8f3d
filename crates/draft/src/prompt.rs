//! What the language model is asked: the template's sections (headings alone on their lines,
//! what each holds said apart from them, since a small model copies a heading line's words
//! into its headings) and the transcript.

use crate::{Heading, Kind};

/// The line the model starts its answer with, before the title.
pub const TITLE: &str = "Title:";
/// What the model writes under a section nothing was said for.
pub const NOTHING: &str = "- (none)";

/// What a section of this kind holds, in the model's instructions.
fn holds(kind: Kind) -> &'static str {
    match kind {
        Kind::Context => {
            "what the update is about: the problem or situation and its cause, in one or two bullets"
        }
        Kind::Changed => {
            "only work the speaker says is already done (fixed, added, changed, shipped), with the cause of a bug that was fixed; plans and open questions never go here"
        }
        Kind::Decisions => {
            "questions the speaker asks the team to decide, with every option and trade-off they gave"
        }
        Kind::Next => "what will happen next, who does it, and when (keep the dates)",
        Kind::Other => "what the speaker said that fits this heading",
    }
}

/// The instructions.
pub fn system(headings: &[Heading]) -> String {
    let mut s = format!(
        "You write a short written update for teammates from the transcript of a screen recording.\n\
         Rules:\n\
         - Use only what the transcript says. Never add a name, number, date, product or reason that is not in it.\n\
         - Keep every cause, date, option and trade-off the speaker gave, with its numbers.\n\
         - Never decide or conclude anything the speaker did not say.\n\
         - One short bullet per point, starting with \"- \". Put each point under one section only.\n\
         - If the transcript says nothing for a section, write \"{NOTHING}\" under it.\n\
         - Leave out greetings and thanks.\n\n\
         What each section holds:\n",
    );
    for h in headings {
        s.push_str(&format!("- {}: {}.\n", h.text, holds(h.kind)));
    }
    s.push_str(&format!(
        "\nAnswer in exactly this shape: a line \"{TITLE} \" with a title of a few words in sentence case, then each heading line exactly as written below (not as a bullet), in this order, each followed by its bullets:\n\n"
    ));
    for h in headings {
        s.push_str(&h.line);
        s.push_str("\n- \n");
    }
    s
}

/// The user's message: the transcript.
pub fn user(transcript: &str) -> String {
    format!(
        "Transcript:\n\"\"\"\n{}\n\"\"\"\n\nWrite the update.",
        transcript.trim()
    )
}
