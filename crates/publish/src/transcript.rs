//! The transcript that goes with a clip, and how it is written on each destination: timed lines
//! ("0:12 text") packed into Notion paragraphs under a "Transcript (m:ss)" toggle, within
//! Notion's limits (≤ 2,000 characters a text run, ≤ 100 children an array, a bounded request
//! body), and the same lines as a ClickUp comment. Plain data: the app reads the transcript
//! beside the clip when the post is queued and hands it over; publish reads no speech files.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Notion's cap on one text run's content (CONTRACTS.md §1.5).
pub const NOTION_RUN_CHARS: usize = 2000;
/// Notion's cap on any array, `children` included (CONTRACTS.md §1.5).
pub const NOTION_CHILDREN: usize = 100;
/// The JSON bytes of paragraphs sent in one request. Notion refuses bodies over 500 KB (and
/// very large ones have drawn 413, CONTRACTS.md §1.5); this leaves room for the rest.
pub const NOTION_BATCH_BYTES: usize = 400_000;

/// What was said in the clip, as queued with the post (a snapshot: what the user reviewed is
/// what posts, even if the files beside the clip change before the job runs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Timed lines, in order (whisper's segments).
    pub lines: Vec<Line>,
    /// The WebVTT captions of the posted clip (`<clip>.vtt`).
    #[serde(default)]
    pub captions_vtt: String,
}

/// One timed line: the same fields as a segment in `<clip>.transcript.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
}

impl Transcript {
    /// Whether there is nothing to post (no line with words).
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.text.trim().is_empty())
    }

    /// "Transcript (1:02)": the clip's length, or the last line's end when it is not known.
    pub fn title(&self, duration_secs: Option<f64>) -> String {
        let len = duration_secs
            .or_else(|| self.lines.last().map(|l| l.end_secs))
            .unwrap_or(0.0);
        format!("Transcript ({})", clock(len))
    }

    /// "0:12 text" for every line with words.
    pub fn timed_lines(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| !l.text.trim().is_empty())
            .map(|l| format!("{} {}", clock(l.start_secs), l.text.trim()))
            .collect()
    }
}

/// `m:ss` (minutes run past 59: "75:03"), rounded down to the second a line starts in.
pub fn clock(secs: f64) -> String {
    let s = if secs.is_finite() && secs > 0.0 {
        secs as u64
    } else {
        0
    };
    format!("{}:{:02}", s / 60, s % 60)
}

/// The lines packed into paragraph texts of at most [`NOTION_RUN_CHARS`] characters, lines
/// joined by newlines; a line longer than that is cut at a space (or anywhere, if it has none).
pub fn paragraph_texts(t: &Transcript) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_chars = 0;
    for line in t.timed_lines() {
        for piece in split_chars(&line, NOTION_RUN_CHARS) {
            let n = piece.chars().count();
            let joined = if current.is_empty() {
                n
            } else {
                current_chars + 1 + n
            };
            if joined > NOTION_RUN_CHARS {
                out.push(std::mem::take(&mut current));
                current_chars = 0;
            }
            if !current.is_empty() {
                current.push('\n');
                current_chars += 1;
            }
            current.push_str(piece);
            current_chars += n;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `text` in pieces of at most `max` characters, cut after a space where there is one.
fn split_chars(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        let hard = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let cut = rest[..hard]
            .rfind(' ')
            .filter(|&i| i > 0)
            .map_or(hard, |i| i + 1);
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

/// The paragraphs of the toggle, one text run each.
pub fn notion_paragraphs(t: &Transcript) -> Vec<Value> {
    paragraph_texts(t)
        .into_iter()
        .map(|text| {
            json!({ "object": "block", "type": "paragraph",
                "paragraph": { "rich_text": [{ "type": "text", "text": { "content": text } }] } })
        })
        .collect()
}

/// The toggle block titled `title` holding `children` (at most [`NOTION_CHILDREN`]).
pub fn notion_toggle(title: &str, children: &[Value]) -> Value {
    json!({ "object": "block", "type": "toggle", "toggle": {
        "rich_text": [{ "type": "text", "text": { "content": title } }],
        "children": children } })
}

/// How many of `blocks` (from the first) go in one request: at most [`NOTION_CHILDREN`], and
/// at most [`NOTION_BATCH_BYTES`] of JSON (at least one, so a batch always moves on).
pub fn batch_len(blocks: &[Value]) -> usize {
    let mut bytes = 0;
    let mut n = 0;
    for b in blocks.iter().take(NOTION_CHILDREN) {
        bytes += b.to_string().len();
        if n > 0 && bytes > NOTION_BATCH_BYTES {
            break;
        }
        n += 1;
    }
    n
}

/// Whether a comment's text is the transcript of the post whose marker is `marker`: it opens
/// with the title and its last line is the marker alone (a summary's footer line says more).
pub fn is_clickup_reply(text: &str, marker: &str) -> bool {
    text.starts_with("Transcript (")
        && text.trim_end().lines().last().map(str::trim) == Some(marker)
}

/// The ClickUp threaded reply: the title in bold, a line per segment with its time, and the
/// post's marker in italics (so a retry finds it in the thread instead of posting it again).
pub fn clickup_ops(t: &Transcript, duration_secs: Option<f64>, marker: &str) -> Vec<Value> {
    let mut ops = vec![
        json!({ "text": t.title(duration_secs), "attributes": { "bold": true } }),
        json!({ "text": "\n" }),
    ];
    for line in t.timed_lines() {
        let (time, words) = line.split_once(' ').unwrap_or((&line, ""));
        ops.push(json!({ "text": time, "attributes": { "code": true } }));
        ops.push(json!({ "text": format!(" {words}\n") }));
    }
    ops.push(json!({ "text": marker, "attributes": { "italic": true } }));
    ops.push(json!({ "text": "\n" }));
    ops
}

/// The captions file's name on a task: the clip's unique name with `.vtt`.
pub fn captions_name(clip_file_name: &str) -> String {
    let stem = clip_file_name
        .rsplit_once('.')
        .map_or(clip_file_name, |(s, _)| s);
    format!("{stem}.vtt")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize, words: &str) -> Transcript {
        Transcript {
            lines: (0..n)
                .map(|i| Line {
                    start_secs: i as f64 * 4.0,
                    end_secs: i as f64 * 4.0 + 3.5,
                    text: format!(" {words} {i}."),
                })
                .collect(),
            captions_vtt: String::new(),
        }
    }

    #[test]
    fn times_are_minutes_and_seconds() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(12.9), "0:12");
        assert_eq!(clock(62.0), "1:02");
        assert_eq!(clock(4503.0), "75:03");
        assert_eq!(clock(f64::NAN), "0:00");
        let t = lines(2, "hello");
        assert_eq!(t.title(Some(62.4)), "Transcript (1:02)");
        assert_eq!(t.title(None), "Transcript (0:07)");
        assert_eq!(t.timed_lines(), ["0:00 hello 0.", "0:04 hello 1."]);
    }

    #[test]
    fn paragraphs_keep_every_line_within_notions_run_limit() {
        let t = lines(
            3000,
            "we went through the plan for the release and the risks",
        );
        let texts = paragraph_texts(&t);
        assert!(texts.iter().all(|p| p.chars().count() <= NOTION_RUN_CHARS));
        let rejoined: Vec<String> = texts
            .iter()
            .flat_map(|p| p.lines().map(str::to_string))
            .collect();
        assert_eq!(rejoined, t.timed_lines(), "nothing lost, nothing reordered");
        assert!(
            texts.len() > NOTION_CHILDREN,
            "a long one needs more than one append"
        );
        // Batches: ≤ 100 children and a bounded body each; together every paragraph once.
        let paragraphs = notion_paragraphs(&t);
        let mut at = 0;
        while at < paragraphs.len() {
            let n = batch_len(&paragraphs[at..]);
            assert!((1..=NOTION_CHILDREN).contains(&n));
            let bytes: usize = paragraphs[at..at + n]
                .iter()
                .map(|p| p.to_string().len())
                .sum();
            assert!(bytes <= NOTION_BATCH_BYTES, "{bytes}");
            at += n;
        }
        assert_eq!(at, paragraphs.len());
    }

    #[test]
    fn a_line_longer_than_a_run_is_cut_at_spaces() {
        let long = "word ".repeat(900);
        let t = Transcript {
            lines: vec![Line {
                start_secs: 1.0,
                end_secs: 2.0,
                text: long.clone(),
            }],
            captions_vtt: String::new(),
        };
        let texts = paragraph_texts(&t);
        assert!(texts.len() >= 3, "{}", texts.len());
        assert!(texts.iter().all(|p| p.chars().count() <= NOTION_RUN_CHARS));
        assert_eq!(texts.concat(), format!("0:01 {}", long.trim()));
        // Multi-byte text is cut at characters, never inside one.
        let wide = "設計".repeat(1500);
        let pieces = split_chars(&wide, NOTION_RUN_CHARS);
        assert!(pieces.iter().all(|p| p.chars().count() <= NOTION_RUN_CHARS));
        assert_eq!(pieces.concat(), wide);
    }

    #[test]
    fn an_empty_transcript_renders_nothing() {
        let t = Transcript {
            lines: vec![Line {
                start_secs: 0.0,
                end_secs: 1.0,
                text: "  ".into(),
            }],
            captions_vtt: String::new(),
        };
        assert!(t.is_empty());
        assert!(notion_paragraphs(&t).is_empty());
        assert_eq!(captions_name("standup-0193ab.mp4"), "standup-0193ab.vtt");
    }

    #[test]
    fn the_clickup_reply_carries_times_text_and_marker() {
        let ops = clickup_ops(&lines(2, "hi"), Some(9.0), "clipnote job1");
        let text: String = ops.iter().filter_map(|o| o["text"].as_str()).collect();
        assert_eq!(
            text,
            "Transcript (0:09)\n0:00 hi 0.\n0:04 hi 1.\nclipnote job1\n"
        );
        assert!(is_clickup_reply(&text, "clipnote job1"));
        assert!(!is_clickup_reply(&text, "clipnote job2"));
        assert!(!is_clickup_reply(
            "Transcript (draft)\nsummary\n0:09 · 2026-12-07 · Ada · clipnote job1\n",
            "clipnote job1"
        ));
    }
}
