//! Tightening a clip, as plain data: which spans to cut (long silences and filler words, from the
//! transcript's word times) and the transcript of the clip once they are cut. Cutting the media
//! itself is capture's job (`capture::cut`); this module only decides and follows.

use crate::vad::Activity;
use crate::{Segment, Transcript, Word};

/// Silences longer than this are cut by default (seconds).
pub const DEFAULT_SILENCE_SECS: f64 = 1.5;
/// Kept on each side of speech when a silence is cut, so words are not clipped and a short,
/// natural pause stays (seconds): a cut silence becomes a pause of twice this.
pub const PAD_SECS: f64 = 0.2;
/// The shortest threshold that still leaves a pause after the padding (seconds).
pub const MIN_SILENCE_SECS: f64 = 0.5;
/// A word whose start is this far before the voice that follows it is moved to the voice.
const ALIGN_SECS: f64 = 0.1;
/// Cuts closer than this are joined into one, and cuts shorter than it are not made (seconds).
const MERGE_SECS: f64 = 0.05;

/// Filler words by language (ISO 639-1), lowercase and without punctuation. Only whole words
/// are matched, and only in the transcript's own language: "er" is a filler in English and
/// "he" in German.
pub const FILLERS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "um", "umm", "uh", "uhh", "uhm", "erm", "er", "hmm", "hm", "mm", "mmm",
        ],
    ),
    ("de", &["äh", "ähm", "öh", "öhm", "hm", "hmm", "mhm"]),
    ("fr", &["euh", "heu", "hum", "bah"]),
    ("es", &["eh", "ehm", "em", "mmm"]),
    ("it", &["ehm", "eh", "uhm", "mmm"]),
    ("pt", &["hum", "hã", "ahn", "éh"]),
    ("nl", &["uh", "uhm", "eh", "ehm", "hmm"]),
    ("sv", &["öh", "öhm", "eh", "hmm"]),
    ("pl", &["yyy", "eee", "hmm", "yy"]),
    ("ja", &["えー", "えっと", "えーと", "ええと", "あのー"]),
];

/// How to tighten.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanOptions {
    /// Silences longer than this are cut (seconds, at least [`MIN_SILENCE_SECS`]).
    pub silence_secs: f64,
    /// Keep filler words ("um", "uh") instead of cutting them.
    pub keep_fillers: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            silence_secs: DEFAULT_SILENCE_SECS,
            keep_fillers: false,
        }
    }
}

/// Why a span is cut.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Silence,
    /// The filler word as transcribed.
    Filler(String),
}

/// A span of the clip to cut.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cut {
    pub start_secs: f64,
    pub end_secs: f64,
    /// What it holds; a cut made of several (a filler inside a silence) names the first.
    pub reason: Reason,
}

impl Cut {
    pub fn secs(&self) -> f64 {
        self.end_secs - self.start_secs
    }
}

/// The filler words of `language`; none for a language without a list.
pub fn fillers(language: &str) -> &'static [&'static str] {
    FILLERS
        .iter()
        .find(|(code, _)| *code == language)
        .map_or(&[], |(_, words)| words)
}

/// Whether `word` (as transcribed, with punctuation and capitals) is a filler in `language`.
pub fn is_filler(word: &str, language: &str) -> bool {
    let bare: String = word
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == 'ー')
        .flat_map(char::to_lowercase)
        .collect();
    !bare.is_empty() && fillers(language).contains(&bare.as_str())
}

/// The transcript with its word times checked against the voice: after a long pause whisper
/// often starts a word too early, even wholly inside the silence before it. Such a word (and
/// any that would then start before it ends) is moved to where the voice resumes, and ended
/// where that voice stops; words that start on voice are kept as they are. Plan and shift by
/// the aligned transcript, or the pause is measured short and its first word cut with it.
pub fn align(transcript: &Transcript, activity: &Activity) -> Transcript {
    let mut out = transcript.clone();
    let mut prev_end = 0.0f64;
    for word in out.segments.iter_mut().flat_map(|s| s.words.iter_mut()) {
        let from = word.start_secs.max(prev_end);
        let on_voice = activity.voiced_secs_in(from, from + ALIGN_SECS) > 0.0;
        if let Some(voice) = activity.next_voice(from).filter(|_| !on_voice) {
            let len = (word.end_secs - word.start_secs).max(ALIGN_SECS);
            word.start_secs = voice;
            word.end_secs = activity
                .voice_end(voice, voice + len)
                .max(voice + ALIGN_SECS / 2.0);
        } else if from > word.start_secs {
            let len = word.end_secs - word.start_secs;
            word.start_secs = from;
            word.end_secs = activity.voice_end(from, from + len).max(from);
        }
        prev_end = prev_end.max(word.end_secs);
    }
    out
}

/// The spans to cut from a clip of `duration_secs` whose speech is `transcript` and whose voice
/// is heard in `voiced` (`vad::Activity::voiced_spans`, `(start, end)` seconds), in order and
/// not overlapping: every silence — no word and no voice — between words (and before the
/// first and after the last) longer than `options.silence_secs`, less [`PAD_SECS`] on each
/// side of speech; and, unless kept, every filler word, with the silence around it when that
/// is long (the voice under a filler is no speech). Whisper's word times alone can miss the
/// end of a word by half a second; the voice keeps such a tail from being cut. A transcript
/// without words gives no cuts: there is no speech to cut around.
pub fn plan(
    transcript: &Transcript,
    voiced: &[(f64, f64)],
    duration_secs: f64,
    options: &PlanOptions,
) -> Vec<Cut> {
    let language = transcript.language.as_str();
    let mut words: Vec<&Word> = transcript.segments.iter().flat_map(|s| &s.words).collect();
    words.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    let (speech, filler): (Vec<&Word>, Vec<&Word>) = words
        .into_iter()
        .partition(|w| options.keep_fillers || !is_filler(&w.text, language));
    let mut cuts = Vec::new();
    if speech.is_empty() {
        return cuts;
    }
    let threshold = options.silence_secs.max(MIN_SILENCE_SECS);
    let mut sounds: Vec<(f64, f64)> = speech.iter().map(|w| (w.start_secs, w.end_secs)).collect();
    for &(a, b) in voiced {
        let mut from = a;
        for f in filler.iter().filter(|f| f.end_secs > a && f.start_secs < b) {
            if f.start_secs > from {
                sounds.push((from, f.start_secs));
            }
            from = from.max(f.end_secs);
        }
        if b > from {
            sounds.push((from, b));
        }
    }
    sounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Silence before, between and after the words and voice that are kept: (end of speech,
    // start of speech), with the clip's ends standing in for speech at its edges.
    let mut edges = vec![(f64::NEG_INFINITY, sounds[0].0)];
    let mut end = sounds[0].1;
    for &(a, b) in &sounds[1..] {
        if a > end {
            edges.push((end, a));
        }
        end = end.max(b);
    }
    edges.push((end, f64::INFINITY));
    for (after, before) in edges {
        let from = if after.is_finite() { after } else { 0.0 };
        let to = if before.is_finite() {
            before
        } else {
            duration_secs
        };
        if to - from > threshold {
            let start = if after.is_finite() {
                from + PAD_SECS
            } else {
                0.0
            };
            let end = if before.is_finite() {
                to - PAD_SECS
            } else {
                duration_secs
            };
            cuts.push(Cut {
                start_secs: start,
                end_secs: end,
                reason: Reason::Silence,
            });
        }
    }
    for w in filler {
        cuts.push(Cut {
            start_secs: w.start_secs.max(0.0),
            end_secs: w.end_secs.min(duration_secs),
            reason: Reason::Filler(w.text.clone()),
        });
    }
    merge(cuts)
}

/// Sorts cuts and joins those that overlap or nearly touch; drops slivers.
fn merge(mut cuts: Vec<Cut>) -> Vec<Cut> {
    cuts.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    let mut out: Vec<Cut> = Vec::with_capacity(cuts.len());
    for cut in cuts {
        match out.last_mut() {
            Some(last) if cut.start_secs <= last.end_secs + MERGE_SECS => {
                last.end_secs = last.end_secs.max(cut.end_secs);
            }
            _ => out.push(cut),
        }
    }
    out.retain(|c| c.secs() >= MERGE_SECS);
    out
}

/// Where time `t` of the original lands once `cuts` (sorted, not overlapping) are removed; a
/// time inside a cut lands where the cut was.
pub fn shift_time(t: f64, cuts: &[Cut]) -> f64 {
    let mut removed = 0.0;
    for c in cuts {
        if t >= c.end_secs {
            removed += c.secs();
        } else if t > c.start_secs {
            removed += t - c.start_secs;
        }
    }
    (t - removed).max(0.0)
}

/// Whether a word is cut: most of it lies inside a cut.
fn is_cut(word: &Word, cuts: &[Cut]) -> bool {
    let len = (word.end_secs - word.start_secs).max(1e-6);
    let inside: f64 = cuts
        .iter()
        .map(|c| (word.end_secs.min(c.end_secs) - word.start_secs.max(c.start_secs)).max(0.0))
        .sum();
    inside / len > 0.5
}

/// The transcript of the clip once `cuts` are removed: words in cut spans dropped, every later
/// time moved earlier by what was cut before it, and a segment whose words are all cut gone.
pub fn shift(transcript: &Transcript, cuts: &[Cut]) -> Transcript {
    Transcript {
        language: transcript.language.clone(),
        segments: shift_kept(transcript, cuts)
            .into_iter()
            .map(|(_, s)| s)
            .collect(),
    }
}

/// [`shift`]'s segments, each with its index in `transcript`.
pub fn shift_kept(transcript: &Transcript, cuts: &[Cut]) -> Vec<(usize, Segment)> {
    let kept = transcript.segments.iter().enumerate();
    kept.filter_map(|(i, s)| Some((i, shift_segment(s, cuts)?)))
        .collect()
}

fn shift_segment(segment: &Segment, cuts: &[Cut]) -> Option<Segment> {
    let moved = |w: &Word| Word {
        start_secs: shift_time(w.start_secs, cuts),
        end_secs: shift_time(w.end_secs, cuts),
        ..w.clone()
    };
    if segment.words.is_empty() {
        let (start, end) = (
            shift_time(segment.start_secs, cuts),
            shift_time(segment.end_secs, cuts),
        );
        return (end - start > MERGE_SECS).then(|| Segment {
            start_secs: start,
            end_secs: end,
            ..segment.clone()
        });
    }
    let words: Vec<Word> = segment
        .words
        .iter()
        .filter(|w| !is_cut(w, cuts))
        .map(moved)
        .collect();
    let (first, last) = (words.first()?, words.last()?);
    let text = if words.len() == segment.words.len() {
        segment.text.clone()
    } else {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        texts.join(" ")
    };
    Some(Segment {
        start_secs: shift_time(segment.start_secs, cuts).min(first.start_secs),
        end_secs: shift_time(segment.end_secs, cuts).max(last.end_secs),
        text,
        words,
        no_speech_prob: segment.no_speech_prob,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::tests::word;

    fn transcript(language: &str, words: Vec<Word>) -> Transcript {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        Transcript {
            language: language.into(),
            segments: vec![Segment {
                start_secs: words[0].start_secs,
                end_secs: words[words.len() - 1].end_secs,
                text: texts.join(" "),
                words,
                no_speech_prob: 0.01,
            }],
        }
    }

    fn spans(cuts: &[Cut]) -> Vec<(f64, f64)> {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        cuts.iter()
            .map(|c| (round(c.start_secs), round(c.end_secs)))
            .collect()
    }

    /// "So, um, we shipped it. <3 s> Next week: uh docs."
    fn update() -> Transcript {
        transcript(
            "en",
            vec![
                word(2.0, 2.3, "So,"),
                word(2.4, 2.7, "um,"),
                word(2.8, 3.1, "we"),
                word(3.1, 3.5, "shipped"),
                word(3.5, 3.9, "it."),
                word(6.9, 7.3, "Next"),
                word(7.3, 7.8, "week:"),
                word(8.0, 8.3, "uh"),
                word(8.4, 8.8, "docs."),
            ],
        )
    }

    #[test]
    fn long_silences_are_cut_leaving_a_short_pause_and_fillers_go_too() {
        let cuts = plan(&update(), &[], 10.0, &PlanOptions::default());
        assert_eq!(
            spans(&cuts),
            [
                (0.0, 1.8), // the lead silence, up to PAD_SECS before "So,"
                (2.4, 2.7), // "um,"
                (4.1, 6.7), // 3 s between "it." and "Next", less PAD_SECS on each side
                (8.0, 8.3), // "uh"; the 1.2 s after "docs." is under the threshold
            ]
        );
        assert_eq!(cuts[1].reason, Reason::Filler("um,".into()));
        assert_eq!(cuts[2].reason, Reason::Silence);
    }

    #[test]
    fn the_threshold_and_keep_fillers_change_the_plan() {
        let keep = PlanOptions {
            silence_secs: 1.5,
            keep_fillers: true,
        };
        assert_eq!(
            spans(&plan(&update(), &[], 10.0, &keep)),
            [(0.0, 1.8), (4.1, 6.7)]
        );
        let long = PlanOptions {
            silence_secs: 3.5,
            keep_fillers: true,
        };
        assert_eq!(spans(&plan(&update(), &[], 10.0, &long)), []);
        // A trailing silence over the threshold goes, to the clip's end.
        assert_eq!(
            spans(&plan(&update(), &[], 12.0, &keep)),
            [(0.0, 1.8), (4.1, 6.7), (9.0, 12.0)]
        );
    }

    #[test]
    fn a_filler_inside_a_long_silence_is_one_cut() {
        let t = transcript(
            "en",
            vec![
                word(0.0, 0.5, "Done."),
                word(2.0, 2.3, "Hmm."),
                word(4.0, 4.5, "Next."),
            ],
        );
        let cuts = plan(&t, &[], 4.5, &PlanOptions::default());
        assert_eq!(spans(&cuts), [(0.7, 3.8)]);
    }

    #[test]
    fn fillers_are_matched_in_the_transcripts_own_language() {
        assert!(is_filler("Um,", "en") && is_filler("UH...", "en") && is_filler("erm", "en"));
        assert!(!is_filler("umbrella", "en") && !is_filler("Er", "de"));
        assert!(is_filler("Ähm,", "de") && is_filler("euh", "fr"));
        assert!(is_filler("えーと", "ja"));
        assert!(!is_filler("um", "xx"), "no list, no fillers");
        let german = transcript(
            "de",
            vec![
                word(0.0, 0.3, "Er"),
                word(0.4, 0.6, "äh"),
                word(0.7, 1.0, "kommt."),
            ],
        );
        assert_eq!(
            spans(&plan(&german, &[], 1.0, &PlanOptions::default())),
            [(0.4, 0.6)]
        );
    }

    #[test]
    fn words_whisper_put_in_a_silence_move_to_the_voice() {
        // 2 s of silence, 1 s of voice, 3 s of silence, 1 s of voice (16 kHz).
        let rate = f64::from(crate::SAMPLE_RATE);
        let mut samples = Vec::new();
        for (secs, voiced) in [(2.0, false), (1.0, true), (3.0, false), (1.0, true)] {
            let n = (secs * rate) as usize;
            samples.extend((0..n).map(|i| {
                let t = i as f64 / rate;
                if voiced {
                    (0.3 * (t * 1500.0).sin()) as f32
                } else {
                    0.0
                }
            }));
        }
        let activity = Activity::of(&samples);
        let t = transcript(
            "en",
            vec![
                word(0.0, 0.5, "And"), // whisper's start; the voice starts at 2.0
                word(2.5, 3.0, "so"),  // on the voice: kept
                word(4.0, 5.5, "ask"), // inside the silence; the voice resumes at 6.0
            ],
        );
        let aligned = align(&t, &activity);
        let times: Vec<(f64, f64)> = aligned.segments[0]
            .words
            .iter()
            .map(|w| {
                (
                    (w.start_secs * 100.0).round() / 100.0,
                    (w.end_secs * 100.0).round() / 100.0,
                )
            })
            .collect();
        // To the 30 ms frame the voice is judged by (and its tail, END_PAD_SECS).
        let near = |a: f64, b: f64| (a - b).abs() <= 0.03;
        assert!(near(times[0].0, 2.0), "{times:?}");
        assert!(times[0].1 > 2.0 && times[0].1 <= 2.5, "{times:?}");
        assert_eq!(times[1], (2.5, 3.0));
        assert!(near(times[2].0, 6.0), "{times:?}");
        assert!(times[2].1 > 6.0 && times[2].1 <= 7.1, "{times:?}");
        // The 3 s pause is now seen whole, and cut.
        let cuts = plan(
            &aligned,
            &activity.voiced_spans(),
            7.0,
            &PlanOptions::default(),
        );
        let got = spans(&cuts);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            near(got[0].1, 1.8) && near(got[1].0, 3.2) && near(got[1].1, 5.8),
            "{got:?}"
        );
    }

    #[test]
    fn the_voice_keeps_a_word_whisper_ended_early_and_a_fillers_voice_is_no_speech() {
        let t = transcript(
            "en",
            vec![
                word(0.0, 0.5, "Americans"), // whisper's end; the voice goes on to 1.2
                word(1.4, 1.6, "um"),
                word(3.0, 3.5, "ask"),
            ],
        );
        let voiced = [(0.0, 1.2), (1.4, 1.6), (3.0, 3.5)];
        let cuts = plan(&t, &voiced, 3.5, &PlanOptions::default());
        assert_eq!(
            spans(&cuts),
            [(1.4, 2.8)],
            "the cut starts after the voice, not the word"
        );
        let kept = PlanOptions {
            keep_fillers: true,
            ..PlanOptions::default()
        };
        assert_eq!(spans(&plan(&t, &voiced, 3.5, &kept)), []);
    }

    #[test]
    fn no_words_no_cuts() {
        assert!(
            plan(
                &Transcript::default(),
                &[(1.0, 2.0)],
                30.0,
                &PlanOptions::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn the_transcript_follows_the_cuts() {
        let t = update();
        let cuts = plan(&t, &[], 10.0, &PlanOptions::default());
        let shifted = shift(&t, &cuts);
        let words: Vec<(String, f64, f64)> = shifted.segments[0]
            .words
            .iter()
            .map(|w| {
                let r = |x: f64| (x * 1000.0).round() / 1000.0;
                (w.text.clone(), r(w.start_secs), r(w.end_secs))
            })
            .collect();
        let expect = |text: &str, s: f64, e: f64| (text.to_owned(), s, e);
        assert_eq!(
            words,
            [
                expect("So,", 0.2, 0.5),
                expect("we", 0.7, 1.0),
                expect("shipped", 1.0, 1.4),
                expect("it.", 1.4, 1.8),
                expect("Next", 2.2, 2.6),
                expect("week:", 2.6, 3.1),
                expect("docs.", 3.4, 3.8),
            ]
        );
        assert_eq!(
            shifted.segments[0].text,
            "So, we shipped it. Next week: docs."
        );
        let segment = &shifted.segments[0];
        assert!((segment.start_secs - 0.2).abs() < 1e-9 && (segment.end_secs - 3.8).abs() < 1e-9);
        let vtt = shifted.to_vtt();
        assert!(vtt.contains("00:00:00.200 --> 00:00:03.800"), "{vtt}");

        // A segment without word times moves as a whole; one inside a cut is gone.
        let cut = |s, e| Cut {
            start_secs: s,
            end_secs: e,
            reason: Reason::Silence,
        };
        let mut plain = Transcript::default();
        for (s, e) in [(0.0, 1.0), (2.0, 3.0), (5.0, 6.0)] {
            plain.segments.push(Segment {
                start_secs: s,
                end_secs: e,
                text: "x".into(),
                words: vec![],
                no_speech_prob: 0.0,
            });
        }
        let moved = shift(&plain, &[cut(1.5, 3.5)]);
        let times: Vec<(f64, f64)> = moved
            .segments
            .iter()
            .map(|s| (s.start_secs, s.end_secs))
            .collect();
        assert_eq!(times, [(0.0, 1.0), (3.0, 4.0)]);
        assert_eq!(shift_time(2.0, &[cut(1.5, 3.5)]), 1.5);
    }
}
