//! A timed transcript and the forms it is written in: plain text, WebVTT, SRT.

use std::fmt::Write as _;

/// What was said in a clip, in order.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    /// The language transcribed (ISO 639-1, e.g. "en"): as asked, or as detected; empty when
    /// it was to be detected and nothing was said.
    pub language: String,
    pub segments: Vec<Segment>,
}

/// A stretch of speech, as whisper splits it (a phrase or a sentence).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
    /// The words with their own times; empty when word times were not asked for.
    pub words: Vec<Word>,
    /// Whisper's probability that this stretch holds no speech at all (0..1).
    pub no_speech_prob: f32,
}

/// One word and when it is said (from whisper's token timestamps: good to about a tenth of a
/// second, enough to cut around).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Word {
    pub start_secs: f64,
    pub end_secs: f64,
    /// The word with its punctuation, without surrounding spaces.
    pub text: String,
    /// How sure whisper was of it (0..1; the lowest of its tokens).
    pub probability: f32,
}

/// A caption cue: text on screen from `start_secs` to `end_secs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub start_secs: f64,
    pub end_secs: f64,
    pub text: String,
}

/// The longest cue, in characters: two lines of a caption.
pub const MAX_CUE_CHARS: usize = 84;
/// A pause between words this long starts a new cue: no caption stays up through silence.
pub const CUE_PAUSE_SECS: f64 = 1.0;

impl Transcript {
    /// Whether nothing was said.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Adds the segments of a transcript of a later stretch of the clip, which starts
    /// `offset_secs` into it, moved to the clip's time.
    pub fn append_shifted(&mut self, later: Transcript, offset_secs: f64) {
        self.segments
            .extend(later.segments.into_iter().map(|mut s| {
                s.start_secs += offset_secs;
                s.end_secs += offset_secs;
                for w in &mut s.words {
                    w.start_secs += offset_secs;
                    w.end_secs += offset_secs;
                }
                s
            }));
    }

    /// The words alone: segments joined by spaces.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self.segments.iter().map(|s| s.text.as_str()).collect();
        texts.join(" ")
    }

    /// Caption cues: a segment each, split at word boundaries where it is longer than
    /// [`MAX_CUE_CHARS`] and, with word times, at pauses of [`CUE_PAUSE_SECS`]. With word times
    /// a cue spans from its first word's start to its last word's end; without them, a long
    /// segment's time is shared out by length.
    pub fn cues(&self) -> Vec<Cue> {
        self.segments.iter().flat_map(segment_cues).collect()
    }

    /// WebVTT, as players and browsers show captions beside a video.
    pub fn to_vtt(&self) -> String {
        let mut out = String::from("WEBVTT\n");
        for cue in self.cues() {
            let _ = write!(
                out,
                "\n{} --> {}\n{}\n",
                timestamp(cue.start_secs, '.'),
                timestamp(cue.end_secs, '.'),
                cue.text
            );
        }
        out
    }

    /// SubRip (.srt).
    pub fn to_srt(&self) -> String {
        let mut out = String::new();
        for (i, cue) in self.cues().iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = write!(
                out,
                "{}\n{} --> {}\n{}\n",
                i + 1,
                timestamp(cue.start_secs, ','),
                timestamp(cue.end_secs, ','),
                cue.text
            );
        }
        out
    }
}

/// `hh:mm:ss.mmm` (WebVTT, `sep` '.') or `hh:mm:ss,mmm` (SRT, `sep` ',').
pub fn timestamp(secs: f64, sep: char) -> String {
    let ms = (secs.max(0.0) * 1000.0).round() as u64;
    let (h, m, s, ms) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{ms:03}")
}

fn segment_cues(segment: &Segment) -> Vec<Cue> {
    if segment.words.is_empty() {
        return split_by_length(segment);
    }
    let mut cues = Vec::new();
    let mut words: Vec<&Word> = Vec::new();
    let mut len = 0;
    for word in &segment.words {
        let long = len + 1 + word.text.len() > MAX_CUE_CHARS;
        let pause = words
            .last()
            .is_some_and(|w| word.start_secs - w.end_secs >= CUE_PAUSE_SECS);
        if !words.is_empty() && (long || pause) {
            cues.push(cue_of(&words));
            words.clear();
            len = 0;
        }
        len += word.text.len() + usize::from(!words.is_empty());
        words.push(word);
    }
    if !words.is_empty() {
        cues.push(cue_of(&words));
    }
    cues
}

fn cue_of(words: &[&Word]) -> Cue {
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    Cue {
        start_secs: words.first().map_or(0.0, |w| w.start_secs),
        end_secs: words.last().map_or(0.0, |w| w.end_secs),
        text: texts.join(" "),
    }
}

/// A segment without word times, cut into cues of at most [`MAX_CUE_CHARS`] at spaces, each
/// given a share of the segment's time by its length.
fn split_by_length(segment: &Segment) -> Vec<Cue> {
    let mut pieces: Vec<String> = Vec::new();
    for word in segment.text.split_whitespace() {
        match pieces.last_mut() {
            Some(p) if p.len() + 1 + word.len() <= MAX_CUE_CHARS => {
                p.push(' ');
                p.push_str(word);
            }
            _ => pieces.push(word.to_owned()),
        }
    }
    let total: usize = pieces.iter().map(String::len).sum::<usize>().max(1);
    let span = segment.end_secs - segment.start_secs;
    let mut start = segment.start_secs;
    pieces
        .into_iter()
        .map(|text| {
            let end = start + span * text.len() as f64 / total as f64;
            let cue = Cue {
                start_secs: start,
                end_secs: end,
                text,
            };
            start = end;
            cue
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn word(start_secs: f64, end_secs: f64, text: &str) -> Word {
        Word {
            start_secs,
            end_secs,
            text: text.into(),
            probability: 0.9,
        }
    }

    fn two_segments() -> Transcript {
        Transcript {
            language: "en".into(),
            segments: vec![
                Segment {
                    start_secs: 0.0,
                    end_secs: 2.5,
                    text: "Hello there.".into(),
                    words: vec![word(0.32, 0.9, "Hello"), word(1.0, 2.41, "there.")],
                    no_speech_prob: 0.01,
                },
                Segment {
                    start_secs: 3661.0,
                    end_secs: 3662.0055,
                    text: "Bye.".into(),
                    words: vec![],
                    no_speech_prob: 0.02,
                },
            ],
        }
    }

    #[test]
    fn a_later_stretch_is_appended_on_the_clip_s_time() {
        let mut whole = Transcript::default();
        whole.append_shifted(two_segments(), 0.0);
        let mut later = two_segments();
        later.segments.truncate(1);
        whole.append_shifted(later, 10.0);
        assert_eq!(whole.segments.len(), 3);
        let moved = &whole.segments[2];
        assert_eq!((moved.start_secs, moved.end_secs), (10.0, 12.5));
        assert_eq!(moved.words[1].start_secs, 11.0);
        assert_eq!(moved.words[1].end_secs, 12.41);
        assert_eq!(whole.segments[0], two_segments().segments[0]);
    }

    #[test]
    fn timestamps_have_hours_and_milliseconds() {
        assert_eq!(timestamp(0.0, '.'), "00:00:00.000");
        assert_eq!(timestamp(3661.0055, ','), "01:01:01,006");
        assert_eq!(timestamp(59.9996, '.'), "00:01:00.000");
        assert_eq!(timestamp(-1.0, '.'), "00:00:00.000");
    }

    #[test]
    fn webvtt_and_srt_cues_follow_the_words() {
        let t = two_segments();
        assert_eq!(
            t.to_vtt(),
            "WEBVTT\n\n00:00:00.320 --> 00:00:02.410\nHello there.\n\n\
             01:01:01.000 --> 01:01:02.006\nBye.\n"
        );
        assert_eq!(
            t.to_srt(),
            "1\n00:00:00,320 --> 00:00:02,410\nHello there.\n\n\
             2\n01:01:01,000 --> 01:01:02,006\nBye.\n"
        );
        assert_eq!(t.text(), "Hello there. Bye.");
        assert_eq!(Transcript::default().to_vtt(), "WEBVTT\n");
    }

    #[test]
    fn long_segments_are_cut_into_cues_at_word_boundaries() {
        let words: Vec<Word> = (0..30)
            .map(|i| word(f64::from(i), f64::from(i) + 0.5, "word"))
            .collect();
        let text = vec!["word"; 30].join(" ");
        let mut segment = Segment {
            start_secs: 0.0,
            end_secs: 30.0,
            text,
            words,
            no_speech_prob: 0.0,
        };
        let cues = segment_cues(&segment);
        assert!(
            cues.iter().all(|c| c.text.len() <= MAX_CUE_CHARS),
            "{cues:?}"
        );
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_secs, cues[1].end_secs), (0.0, 29.5));
        assert_eq!(cues[1].start_secs, 17.0, "17 words fit in the first cue");

        // A pause of a second or more ends a cue, however short.
        segment.words[5].start_secs = segment.words[4].end_secs + 1.0;
        let cues = segment_cues(&segment);
        assert_eq!(cues[0].text, "word word word word word", "{cues:?}");
        assert_eq!((cues[0].end_secs, cues[1].start_secs), (4.5, 5.5));

        segment.words.clear();
        let cues = segment_cues(&segment);
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].end_secs, cues[1].start_secs);
        assert_eq!(cues[1].end_secs, 30.0);
    }
}
