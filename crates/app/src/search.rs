//! Finding clips by what is written or said in them, for `clipnote inbox --search WORDS` and the
//! Inbox's search field: the title, each line of the summary, and each line of the transcript
//! beside the clip (`speech::beside`: a library or shared-folder clip where it is, a teammate's
//! clip once it is in the download cache).
//!
//! **Matching:** a line matches when every word of the query is one of its words, in any order,
//! ignoring case and accents ("Café" finds "cafe", "CAFÉ" and "café"). The last word of the
//! query may be the start of a word ("countr" finds "country"), so the field finds as one
//! types. There is no stemming ("ship" does not find "shipped" unless it is the last word). A
//! phrase that runs from one transcript line into the next is found at the first of the two.

use std::path::Path;

use publish::{Entry, Inbox};
use speech::Transcript;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// At most this many matching lines are kept for one clip.
pub const MAX_HITS_PER_CLIP: usize = 10;

/// Where in a clip the words were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Title,
    Summary,
    /// Said in the clip (its transcript).
    Said,
}

/// One matching line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    #[serde(rename = "in")]
    pub place: Place,
    pub line: String,
    /// When it is said (transcript lines only).
    pub at_secs: Option<f64>,
}

/// A clip with the lines that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub entry: Entry,
    pub hits: Vec<Hit>,
}

/// The words searched for, folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    words: Vec<String>,
}

impl Query {
    /// `None` when `text` has no word to look for.
    pub fn new(text: &str) -> Option<Query> {
        let words = words(text);
        (!words.is_empty()).then_some(Query { words })
    }

    /// Whether `line` holds every word (the last one may begin a word of the line).
    pub fn matches(&self, line: &str) -> bool {
        let have = words(line);
        let last = self.words.len() - 1;
        self.words.iter().enumerate().all(|(i, w)| {
            have.iter()
                .any(|h| h == w || (i == last && h.starts_with(w.as_str())))
        })
    }
}

/// Lowercase, without accents (canonical decomposition, combining marks dropped).
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded words of `text`: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The lines of one clip that match, in order: title, summary lines, then what is said.
pub fn hits(entry: &Entry, transcript: Option<&Transcript>, query: &Query) -> Vec<Hit> {
    let mut out = Vec::new();
    if query.matches(&entry.title) {
        out.push(Hit {
            place: Place::Title,
            line: entry.title.clone(),
            at_secs: None,
        });
    }
    for line in entry.summary.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•', '#']).trim();
        if !line.is_empty() && query.matches(line) {
            out.push(Hit {
                place: Place::Summary,
                line: line.replace('*', ""),
                at_secs: None,
            });
        }
    }
    let segments = transcript.map_or(&[][..], |t| t.segments.as_slice());
    for (i, segment) in segments.iter().enumerate() {
        let text = segment.text.trim();
        let line = if query.matches(text) {
            text.to_owned()
        } else {
            // A phrase that runs on into the next line, found at its start.
            let Some(next) = segments.get(i + 1).map(|s| s.text.trim()) else {
                continue;
            };
            let both = format!("{text} {next}");
            if !query.matches(&both) || query.matches(next) {
                continue;
            }
            both
        };
        out.push(Hit {
            place: Place::Said,
            line,
            at_secs: Some(segment.start_secs),
        });
    }
    out.truncate(MAX_HITS_PER_CLIP);
    out
}

/// The transcript beside the clip's file on this machine, if there is one. An unreadable one
/// is skipped (and logged): search goes on with the other clips.
pub fn transcript_of(inbox: &Inbox, entry: &Entry) -> Option<Transcript> {
    let clip = inbox.local_clip(entry)?;
    read(&clip)
}

fn read(clip: &Path) -> Option<Transcript> {
    match speech::beside::read_beside(clip) {
        Ok(Some(transcript)) => Some(transcript),
        Ok(None) => from_sidecar(clip),
        Err(e) => {
            tracing::warn!(clip = %clip.display(), "search skips a transcript: {e}");
            None
        }
    }
}

/// The timed lines a post wrote into the clip's sidecar (a teammate's clip in a shared folder
/// comes with those, not with a transcript file).
fn from_sidecar(clip: &Path) -> Option<Transcript> {
    let side = publish::local::sidecar_of(clip)?;
    (!side.transcript.is_empty()).then(|| Transcript {
        language: String::new(),
        segments: side
            .transcript
            .into_iter()
            .map(|line| speech::Segment {
                start_secs: line.start_secs,
                end_secs: line.end_secs,
                text: line.text,
                words: Vec::new(),
                no_speech_prob: 0.0,
            })
            .collect(),
    })
}

/// Every clip of `entries` (in their order) with a line that matches `query`.
pub fn search(inbox: &Inbox, entries: &[Entry], query: &Query) -> Vec<Found> {
    entries
        .iter()
        .filter_map(|entry| {
            let transcript = transcript_of(inbox, entry);
            let hits = hits(entry, transcript.as_ref(), query);
            (!hits.is_empty()).then(|| Found {
                entry: entry.clone(),
                hits,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use speech::Segment;

    fn said(start_secs: f64, text: &str) -> Segment {
        Segment {
            start_secs,
            end_secs: start_secs + 2.0,
            text: text.into(),
            words: Vec::new(),
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn words_match_in_any_case_and_without_accents_the_last_one_as_a_prefix() {
        let q = |s: &str| Query::new(s).unwrap();
        assert!(q("cafe").matches("Le Café, déjà"));
        assert!(q("CAFÉ DEJA").matches("le cafe, deja vu"));
        assert!(q("country ask").matches("ask not what your country can do"));
        assert!(q("ask countr").matches("ask not what your country can do"));
        assert!(!q("countr ask").matches("ask not what your country can do"));
        assert!(!q("ask nothing").matches("ask not what your country can do"));
        assert!(!q("as").matches("fast"), "words, not parts of words");
        assert_eq!(Query::new(" ,. "), None);
    }

    #[test]
    fn hits_name_the_line_and_when_it_is_said_even_across_two_lines() {
        let entry: Entry = serde_json::from_value(serde_json::json!({
            "id": "l1", "title": "Release notes", "author": "Ada", "task_id": "lib",
            "task_name": "Library", "task_url": "", "date": "2026-11-25", "date_unix": 0,
            "duration_secs": null, "summary": "**Context**\n- the **release** is *late*\n",
            "source": "library", "by_clipnote": true, "file_name": null,
            "handle": { "kind": "file", "path": "/nowhere.mp4" }
        }))
        .unwrap();
        let t = Transcript {
            language: "en".into(),
            segments: vec![
                said(0.5, "And so, my fellow Americans,"),
                said(3.0, "ask not what your country can do for you."),
            ],
        };
        let found = |s: &str| hits(&entry, Some(&t), &Query::new(s).unwrap());
        assert_eq!(
            found("release"),
            vec![
                Hit {
                    place: Place::Title,
                    line: "Release notes".into(),
                    at_secs: None
                },
                Hit {
                    place: Place::Summary,
                    line: "the release is late".into(),
                    at_secs: None
                }
            ]
        );
        let country = found("Country");
        assert_eq!(country.len(), 1, "{country:?}");
        assert_eq!(country[0].at_secs, Some(3.0));
        let across = found("americans ask");
        assert_eq!(across.len(), 1, "{across:?}");
        assert_eq!(across[0].at_secs, Some(0.5));
        assert!(across[0].line.ends_with("can do for you."), "{across:?}");
        assert!(found("moon").is_empty());
    }
}
