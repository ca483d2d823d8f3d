//! `clipnote inbox --search WORDS`: the clips whose title, summary or transcript holds the
//! words ([`crate::search`] says how they match), each with its matching lines and when they
//! are said.

use publish::{Entry, Inbox};

use crate::cli::UserError;
use crate::exit;
use crate::search::{Place, Query, search};

/// Prints the clips of `entries` that match `words`: as `clipnote inbox` lists them, each
/// followed by its matching lines, or (`json`) as an array of entries with their `hits`.
pub fn print(inbox: &Inbox, entries: &[Entry], words: &str, json: bool) -> Result<(), UserError> {
    let query = Query::new(words).ok_or_else(|| {
        UserError::new(
            exit::USAGE,
            format!("--search {words:?} has no word to look for: give one or more words"),
        )
    })?;
    let found = search(inbox, entries, &query);
    if json {
        let list: Vec<serde_json::Value> = found
            .iter()
            .map(|f| {
                let mut v = serde_json::to_value(&f.entry).unwrap_or_default();
                v["hits"] = serde_json::to_value(&f.hits).unwrap_or_default();
                v
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
        return Ok(());
    }
    if found.is_empty() {
        println!(
            "No clip's title, summary or transcript holds {words:?}. Transcripts are searched where they lie beside the clip: `clipnote transcribe CLIP` writes one."
        );
        return Ok(());
    }
    for f in &found {
        println!("{}", super::inbox::entry_line(&f.entry));
        for hit in &f.hits {
            let place = match (hit.place, hit.at_secs) {
                (Place::Said, Some(at)) => minutes(at),
                (Place::Said, None) => "said".into(),
                (Place::Title, _) => "title".into(),
                (Place::Summary, _) => "summary".into(),
            };
            println!("      {place:>7}  {}", hit.line);
        }
    }
    Ok(())
}

/// "m:ss".
fn minutes(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}
