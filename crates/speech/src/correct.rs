//! A person's correction of one line of a transcript: the segment keeps its start and end, and
//! its words follow the new text. Words the correction left as they were (the same letters and
//! digits, in any case, with any punctuation) keep their own times; each run of new words takes
//! the time of the words it replaced (or, where it only adds words, the gap between its
//! neighbours) and shares it out evenly. So tighten, which cuts by word times, still cuts where
//! the voice is, and captions show the corrected words when they are said.

use crate::{Segment, Transcript, Word};

/// Longest segment (in words, old times new) aligned word by word; a longer correction is
/// shared out evenly over the whole segment.
const MAX_ALIGN_CELLS: usize = 1 << 20;

/// How sure we are of a word a person typed.
const TYPED_PROBABILITY: f32 = 1.0;

/// Replaces segment `index`'s text with `text` (trimmed). An empty `text` removes the line:
/// nothing is said there. Returns whether anything changed (an index past the end or the
/// same text changes nothing).
pub fn correct_line(transcript: &mut Transcript, index: usize, text: &str) -> bool {
    let text = text.trim();
    let Some(segment) = transcript.segments.get_mut(index) else {
        return false;
    };
    if segment.text.trim() == text {
        return false;
    }
    if text.is_empty() {
        transcript.segments.remove(index);
        return true;
    }
    correct_segment(segment, text);
    true
}

/// The segment with `text` as its words, its own times kept.
fn correct_segment(segment: &mut Segment, text: &str) {
    segment.text = text.to_owned();
    if segment.words.is_empty() {
        return;
    }
    let new: Vec<&str> = text.split_whitespace().collect();
    let old = std::mem::take(&mut segment.words);
    let pairs = if old.len().saturating_mul(new.len()) <= MAX_ALIGN_CELLS {
        matching_words(&old, &new)
    } else {
        Vec::new()
    };
    let mut words = Vec::with_capacity(new.len());
    // The previous anchor: (old index, new index) of the last word kept.
    let mut prev: Option<(usize, usize)> = None;
    for &(i, j) in pairs.iter().chain(std::iter::once(&(old.len(), new.len()))) {
        let (oi, nj) = prev.map_or((0, 0), |(pi, pj)| (pi + 1, pj + 1));
        let start = if oi < i {
            old[oi].start_secs
        } else {
            prev.map_or(segment.start_secs, |(pi, _)| old[pi].end_secs)
        };
        let end = if oi < i {
            old[i - 1].end_secs
        } else {
            old.get(i).map_or(segment.end_secs, |w| w.start_secs)
        };
        share_out(&new[nj..j], start, end.max(start), &mut words);
        if let (Some(kept), Some(typed)) = (old.get(i), new.get(j)) {
            words.push(Word {
                text: (*typed).to_owned(),
                ..kept.clone()
            });
        }
        prev = Some((i, j));
    }
    segment.words = words;
}

/// `texts` as words sharing `start..end` evenly, in order.
fn share_out(texts: &[&str], start: f64, end: f64, out: &mut Vec<Word>) {
    let each = (end - start) / texts.len().max(1) as f64;
    for (k, text) in texts.iter().enumerate() {
        let last = k + 1 == texts.len();
        out.push(Word {
            start_secs: start + each * k as f64,
            end_secs: if last {
                end
            } else {
                start + each * (k + 1) as f64
            },
            text: (*text).to_owned(),
            probability: TYPED_PROBABILITY,
        });
    }
}

/// The word's letters and digits, lowercased: "Americans," and "americans" are the same word.
fn key(text: &str) -> String {
    let k: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if k.is_empty() { text.to_owned() } else { k }
}

/// The longest run of words old and new share, in order, as (old index, new index) pairs.
fn matching_words(old: &[Word], new: &[&str]) -> Vec<(usize, usize)> {
    let a: Vec<String> = old.iter().map(|w| key(&w.text)).collect();
    let b: Vec<String> = new.iter().map(|t| key(t)).collect();
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common run of a[i..] and b[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if a[i] == b[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[at(i + 1, j)] >= lcs[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// Brings the corrections made to a tightened clip's transcript back to the original's.
/// `as_cut` is the tightened transcript as tighten wrote it, its line `k` being the original's
/// line `origin[k]`; `now` is that transcript as corrected since (corrections keep a line's
/// times, which is how its lines are found). A line written anew there is written so here (its
/// whole text, filler words and all); a line removed there is removed here. Returns whether
/// anything changed.
pub fn carry_back(
    original: &mut Transcript,
    as_cut: &Transcript,
    origin: &[usize],
    now: &Transcript,
) -> bool {
    let same_times = |a: &Segment, b: &Segment| {
        (a.start_secs - b.start_secs).abs() < 1e-6 && (a.end_secs - b.end_secs).abs() < 1e-6
    };
    let mut changed = false;
    // From the last line, so that removing one leaves the earlier ones where they were.
    for (was, &index) in as_cut.segments.iter().zip(origin).rev() {
        let text = now
            .segments
            .iter()
            .find(|s| same_times(s, was))
            .map_or("", |s| s.text.as_str());
        if text.trim() != was.text.trim() {
            changed |= correct_line(original, index, text);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::tests::word;

    fn said() -> Transcript {
        let words = vec![
            word(1.0, 1.4, "Ask"),
            word(1.5, 1.8, "not"),
            word(1.9, 2.2, "what"),
            word(2.3, 2.6, "your"),
            word(2.7, 3.4, "county"),
            word(3.5, 3.9, "can"),
            word(4.0, 4.2, "do."),
        ];
        Transcript {
            language: "en".into(),
            segments: vec![
                Segment {
                    start_secs: 0.8,
                    end_secs: 4.5,
                    text: " Ask not what your county can do.".into(),
                    words,
                    no_speech_prob: 0.01,
                },
                Segment {
                    start_secs: 5.0,
                    end_secs: 6.0,
                    text: "Thank you.".into(),
                    words: vec![],
                    no_speech_prob: 0.01,
                },
            ],
        }
    }

    fn times(s: &Segment) -> Vec<(String, f64, f64)> {
        s.words
            .iter()
            .map(|w| (w.text.clone(), w.start_secs, w.end_secs))
            .collect()
    }

    #[test]
    fn corrections_to_the_tightened_transcript_come_back_to_the_original() {
        use crate::tighten::{Cut, Reason, shift_kept};
        let original = said();
        let cuts = [Cut {
            start_secs: 4.5,
            end_secs: 4.9,
            reason: Reason::Silence,
        }];
        let (origin, segments): (Vec<usize>, Vec<Segment>) =
            shift_kept(&original, &cuts).into_iter().unzip();
        let as_cut = Transcript {
            language: "en".into(),
            segments,
        };
        let mut back = original.clone();
        assert!(
            !carry_back(&mut back, &as_cut, &origin, &as_cut),
            "nothing corrected, nothing changes"
        );
        assert_eq!(back, original);

        // The first line corrected, the second removed, on the tightened clip.
        let mut now = as_cut.clone();
        assert!(correct_line(
            &mut now,
            0,
            "Ask not what your country can do."
        ));
        assert!(correct_line(&mut now, 1, ""));
        assert!(carry_back(&mut back, &as_cut, &origin, &now));
        assert_eq!(back.segments.len(), 1);
        let line = &back.segments[0];
        assert_eq!(line.text, "Ask not what your country can do.");
        assert_eq!(
            (line.start_secs, line.end_secs),
            (0.8, 4.5),
            "the original's times"
        );
        assert_eq!(line.words[4].text, "country");
        assert_eq!(
            (line.words[4].start_secs, line.words[4].end_secs),
            (2.7, 3.4)
        );
    }

    #[test]
    fn a_replaced_word_takes_the_time_of_the_word_it_replaces_and_the_rest_keep_theirs() {
        let mut t = said();
        let before = times(&t.segments[0]);
        assert!(correct_line(
            &mut t,
            0,
            "  Ask not what your country can do. "
        ));
        let s = &t.segments[0];
        assert_eq!(s.text, "Ask not what your country can do.");
        assert_eq!((s.start_secs, s.end_secs), (0.8, 4.5));
        let after = times(s);
        assert_eq!(after[4], ("country".into(), 2.7, 3.4));
        for k in [0, 1, 2, 3, 5, 6] {
            assert_eq!(after[k], before[k]);
        }
        assert_eq!(s.words[4].probability, TYPED_PROBABILITY);
        assert_eq!(t.to_vtt().matches("country").count(), 1, "{}", t.to_vtt());
    }

    #[test]
    fn new_words_share_the_time_they_take_evenly_and_case_or_punctuation_keeps_times() {
        let mut t = said();
        assert!(correct_line(
            &mut t,
            0,
            "ask NOT what my fellow country can do!"
        ));
        let after = times(&t.segments[0]);
        let texts: Vec<&str> = after.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(
            texts,
            [
                "ask", "NOT", "what", "my", "fellow", "country", "can", "do!"
            ]
        );
        assert_eq!((after[0].1, after[1].1), (1.0, 1.5), "case kept the times");
        // "your county" (2.3–3.4) became "my fellow country": a third each.
        let third = 1.1 / 3.0;
        for (k, w) in after[3..6].iter().enumerate() {
            assert!((w.1 - (2.3 + third * k as f64)).abs() < 1e-9, "{after:?}");
            assert!(
                (w.2 - (2.3 + third * (k + 1) as f64)).abs() < 1e-9,
                "{after:?}"
            );
        }
        assert_eq!(after[7], ("do!".into(), 4.0, 4.2));

        // Words only added at the start go in the gap before the first kept word.
        let mut t = said();
        correct_line(&mut t, 0, "So ask not what your county can do.");
        assert_eq!(times(&t.segments[0])[0], ("So".into(), 0.8, 1.0));
    }

    #[test]
    fn a_wholly_new_line_is_shared_out_over_the_segment_and_an_empty_one_is_removed() {
        let mut t = said();
        correct_line(&mut t, 0, "Ship it today");
        let after = times(&t.segments[0]);
        assert_eq!(after.len(), 3);
        assert_eq!((after[0].1, after[2].2), (1.0, 4.2), "{after:?}");
        assert!(
            after.windows(2).all(|p| (p[0].2 - p[1].1).abs() < 1e-9),
            "{after:?}"
        );

        // A segment without word times keeps having none.
        assert!(correct_line(&mut t, 1, "Thanks, all."));
        assert_eq!(t.segments[1].text, "Thanks, all.");
        assert!(t.segments[1].words.is_empty());

        assert!(
            !correct_line(&mut t, 1, " Thanks, all. "),
            "nothing changed"
        );
        assert!(!correct_line(&mut t, 9, "no such line"));
        assert!(correct_line(&mut t, 0, "   "));
        assert_eq!(t.segments.len(), 1);
        assert_eq!(t.segments[0].text, "Thanks, all.");
    }
}
