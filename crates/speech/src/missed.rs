//! Voice a transcript missed. Whisper (greedy, each window on its own) sometimes ends a window
//! early: it judges the rest silent and seeks past it, and the clip's last sentences never reach
//! the transcript. Measured with tiny.en: a 50-s file of two speeches lost its last 10 s ("Ever
//! tried, ever failed…") though the same stretch alone came out word for word. So the stretches
//! where the voice detector hears speech and no segment lies are transcribed again, on their own.

use crate::transcript::Segment;

/// At least this much voice with no segment over it is transcribed again.
pub const MIN_MISSED_VOICE_SECS: f64 = 0.5;
/// Voice this close to a segment is that segment's (its times are good to a few tenths).
const NEAR_SECS: f64 = 1.0;
/// Missed voice with pauses shorter than this between is one stretch.
const JOIN_SECS: f64 = 3.0;
/// Sound kept either side of a stretch, so its first and last words are whole.
const PAD_SECS: f64 = 0.3;

/// The stretches `(start, end)`, in seconds within `duration`, of `voice` (the detector's
/// voiced spans) that no segment covers and that hold enough voice to be speech.
pub fn missed(segments: &[Segment], voice: &[(f64, f64)], duration: f64) -> Vec<(f64, f64)> {
    let covered = |start: f64, end: f64| {
        segments
            .iter()
            .any(|s| start < s.end_secs + NEAR_SECS && end > s.start_secs - NEAR_SECS)
    };
    // (start, end, seconds of voice)
    let mut stretches: Vec<(f64, f64, f64)> = Vec::new();
    for &(start, end) in voice.iter().filter(|(s, e)| !covered(*s, *e)) {
        match stretches.last_mut() {
            Some(last) if start - last.1 < JOIN_SECS && !covered(last.1, start) => {
                last.1 = end;
                last.2 += end - start;
            }
            _ => stretches.push((start, end, end - start)),
        }
    }
    stretches
        .into_iter()
        .filter(|(_, _, voiced)| *voiced >= MIN_MISSED_VOICE_SECS)
        .map(|(start, end, _)| ((start - PAD_SECS).max(0.0), (end + PAD_SECS).min(duration)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start_secs: f64, end_secs: f64) -> Segment {
        Segment {
            start_secs,
            end_secs,
            text: "words".into(),
            words: Vec::new(),
            no_speech_prob: 0.0,
        }
    }

    /// The stretches rounded to hundredths of a second.
    fn found(segments: &[Segment], voice: &[(f64, f64)], duration: f64) -> Vec<(f64, f64)> {
        let r = |x: f64| (x * 100.0).round() / 100.0;
        missed(segments, voice, duration)
            .into_iter()
            .map(|(s, e)| (r(s), r(e)))
            .collect()
    }

    #[test]
    fn voice_after_the_last_segment_is_found_and_joined_across_short_pauses() {
        let segments = [seg(0.3, 7.7), seg(8.3, 11.0)];
        let voice = [
            (0.3, 7.6),
            (8.4, 10.9),
            (38.1, 39.5),
            (40.2, 41.0),
            (43.5, 44.9),
        ];
        assert_eq!(found(&segments, &voice, 49.9), vec![(37.8, 45.2)]);
    }

    #[test]
    fn voice_under_or_beside_a_segment_and_short_blips_are_not_missed() {
        let segments = [seg(2.0, 5.0)];
        // Under it, just past its end (its times are a little off), and a 0.3-s blip.
        let voice = [(2.1, 4.8), (5.2, 5.9), (20.0, 20.3)];
        assert!(found(&segments, &voice, 30.0).is_empty());
    }

    #[test]
    fn a_stretch_stops_at_a_segment_between_two_missed_spans() {
        let segments = [seg(10.0, 10.5)];
        let voice = [(7.5, 8.9), (11.6, 12.5)];
        assert_eq!(
            found(&segments, &voice, 20.0),
            vec![(7.2, 9.2), (11.3, 12.8)]
        );
    }

    #[test]
    fn a_stretch_is_kept_within_the_clip() {
        let voice = [(0.1, 1.0), (19.2, 19.95)];
        assert_eq!(found(&[], &voice, 20.0), vec![(0.0, 1.3), (18.9, 20.0)]);
    }
}
