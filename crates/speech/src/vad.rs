//! A simple voice-activity check by energy: which 30 ms frames stand out from the clip's own
//! background. Whisper invents words ("Thank you.") when given silence; the transcriber runs
//! it only when there is voice, and keeps only the segments that overlap voice.
//!
//! A frame is voiced when its level is at least [`ABOVE_FLOOR_DB`] over the clip's noise floor
//! (the level 10 % of frames stay under) and over [`MIN_LEVEL_DBFS`]. A steady sound (hum, fan,
//! a test tone) is its own floor, so it never counts as voice; speech rises and falls. Levels
//! are measured after pre-emphasis, which keeps speech and weakens low steady sounds.

use crate::SAMPLE_RATE;

/// Frame length: 30 ms at 16 kHz.
pub const FRAME_LEN: usize = 480;
/// How far above the noise floor a voiced frame is.
pub const ABOVE_FLOOR_DB: f32 = 12.0;
/// Quieter than this is never voice (digital silence, a muted microphone, faint hiss).
pub const MIN_LEVEL_DBFS: f32 = -50.0;
/// Less voice than this in a whole clip is no speech.
pub const MIN_SPEECH_SECS: f64 = 0.25;
/// A quiet stretch this long ends a word (the stops inside words are shorter).
pub const MAX_WORD_GAP_SECS: f64 = 0.25;
/// A word's voice begins with at least this much of it without a break.
pub const MIN_ONSET_SECS: f64 = 0.09;
/// Kept after a word's last voiced frame: its fading tail.
pub const END_PAD_SECS: f64 = 0.06;

/// The voiced frames of a clip.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Judged after pre-emphasis: where there is voice at all.
    voiced: Vec<bool>,
    /// Judged on the plain level: where a word ends (pre-emphasis lifts breath and hiss after
    /// a word over the floor, which would stretch its end).
    plain: Vec<bool>,
}

/// Frame by frame: over the floor by [`ABOVE_FLOOR_DB`] (and over [`MIN_LEVEL_DBFS`]).
fn over_floor(samples: &[f32]) -> Vec<bool> {
    let levels: Vec<f32> = samples.chunks(FRAME_LEN).map(level_dbfs).collect();
    let mut sorted = levels.clone();
    sorted.sort_by(f32::total_cmp);
    let Some(floor) = sorted.get(sorted.len() / 10) else {
        return Vec::new();
    };
    let threshold = (floor + ABOVE_FLOOR_DB).max(MIN_LEVEL_DBFS);
    levels.iter().map(|l| *l > threshold).collect()
}

/// A frame's level in dB relative to full scale.
fn level_dbfs(frame: &[f32]) -> f32 {
    let mean_square = frame.iter().map(|s| s * s).sum::<f32>() / frame.len().max(1) as f32;
    10.0 * (mean_square + 1e-12).log10()
}

/// How much of each sample the pre-emphasis takes off the next one.
const PRE_EMPHASIS: f32 = 0.97;

/// The samples through pre-emphasis twice (`y[n] = x[n] − 0.97·x[n−1]`), as speech front ends
/// do: voice's formants and consonants keep most of their level, while a low hum or tone under
/// the voice loses 30 dB at 440 Hz (15 dB a pass), so speech over a steady background stands
/// clear of it. Without it, a recording's 440 Hz tone 6 dB under the voice hid nearly every
/// frame of it.
fn emphasise(samples: &[f32]) -> Vec<f32> {
    let mut out = samples.to_vec();
    for _ in 0..2 {
        let mut before = 0.0;
        for s in &mut out {
            let x = *s;
            *s = x - PRE_EMPHASIS * before;
            before = x;
        }
    }
    out
}

impl Activity {
    /// Judges 16 kHz mono samples frame by frame.
    pub fn of(samples: &[f32]) -> Self {
        Self {
            voiced: over_floor(&emphasise(samples)),
            plain: over_floor(samples),
        }
    }

    fn frame_secs() -> f64 {
        FRAME_LEN as f64 / f64::from(SAMPLE_RATE)
    }

    /// Each 30-ms frame ([`FRAME_LEN`]): voiced or not.
    pub fn frames(&self) -> &[bool] {
        &self.voiced
    }

    /// Seconds of voice in the whole clip.
    pub fn voiced_secs(&self) -> f64 {
        self.voiced.iter().filter(|v| **v).count() as f64 * Self::frame_secs()
    }

    /// Seconds of voice between `start_secs` and `end_secs`.
    pub fn voiced_secs_in(&self, start_secs: f64, end_secs: f64) -> f64 {
        let frame = Self::frame_secs();
        let first = (start_secs.max(0.0) / frame).floor() as usize;
        let last = ((end_secs.max(0.0) / frame).ceil() as usize).min(self.voiced.len());
        self.voiced
            .get(first..last)
            .map_or(0, |f| f.iter().filter(|v| **v).count()) as f64
            * frame
    }

    /// Where the voice that starts at `start_secs` stops, at the latest `end_secs`: the end of
    /// its last voiced frame (plus [`END_PAD_SECS`]) before a pause of [`MAX_WORD_GAP_SECS`],
    /// by the plain level, or, where the voice does not rise over a louder background at its
    /// plain level, after pre-emphasis. `end_secs` when there is no voice in between at all.
    pub fn voice_end(&self, start_secs: f64, end_secs: f64) -> f64 {
        let frame = Self::frame_secs();
        let first = (start_secs.max(0.0) / frame).floor() as usize;
        let last_voiced = |frames: &[bool]| {
            let last = ((end_secs.max(0.0) / frame).ceil() as usize).min(frames.len());
            let max_gap = (MAX_WORD_GAP_SECS / frame).ceil() as usize;
            let mut last_voiced = None;
            for (i, voiced) in frames.iter().enumerate().take(last).skip(first) {
                if *voiced {
                    last_voiced = Some(i);
                } else if last_voiced.is_some_and(|v| i - v >= max_gap) {
                    break;
                }
            }
            last_voiced
        };
        last_voiced(&self.plain)
            .or_else(|| last_voiced(&self.voiced))
            .map_or(end_secs, |i| {
                ((i + 1) as f64 * frame + END_PAD_SECS).min(end_secs)
            })
    }

    /// Where the voice of a word whisper places from `start_secs` to `end_secs` begins: the
    /// start of the first run of at least [`MIN_ONSET_SECS`] of voice in between (a click or a
    /// breath before it is not the word). `start_secs` when there is none (nothing to go by).
    /// Whisper puts a window's first word at the window's start, however long before the
    /// voice that is.
    pub fn voice_start(&self, start_secs: f64, end_secs: f64) -> f64 {
        let frame = Self::frame_secs();
        let first = (start_secs.max(0.0) / frame).floor() as usize;
        let last = ((end_secs.max(0.0) / frame).ceil() as usize).min(self.voiced.len());
        self.onset(first, last)
            .map_or(start_secs, |i| (i as f64 * frame).max(start_secs))
    }

    /// The first frame from `first` that starts a run of voice of at least [`MIN_ONSET_SECS`]
    /// (a run going on past `last` counts whatever its length before it).
    pub fn onset(&self, first: usize, last: usize) -> Option<usize> {
        let min_run = (MIN_ONSET_SECS / Self::frame_secs()).ceil() as usize;
        let last = last.min(self.voiced.len());
        let mut run = 0;
        for i in first..last {
            run = if self.voiced[i] { run + 1 } else { 0 };
            let goes_on = i + 1 == last && self.voiced.get(last).copied().unwrap_or(false);
            if run >= min_run || (run > 0 && goes_on) {
                return Some(i + 1 - run);
            }
        }
        None
    }

    /// Whether frame `i` holds voice by either measure (after pre-emphasis, or at its plain
    /// level): what must not be cut as silence. Pre-emphasis finds speech over a steady low tone;
    /// the plain level keeps the quiet, low-pitched ends of words that pre-emphasis weakens.
    fn heard(&self) -> Vec<bool> {
        let plain = self.plain.iter().copied().chain(std::iter::repeat(false));
        self.voiced
            .iter()
            .zip(plain)
            .map(|(v, p)| *v || p)
            .collect()
    }

    /// The runs of frames holding voice by either measure, `(start, end)` in seconds.
    pub fn voiced_spans(&self) -> Vec<(f64, f64)> {
        let frame = Self::frame_secs();
        let mut spans: Vec<(f64, f64)> = Vec::new();
        for (i, _) in self.heard().iter().enumerate().filter(|(_, v)| **v) {
            let (start, end) = (i as f64 * frame, (i + 1) as f64 * frame);
            match spans.last_mut() {
                Some(last) if (last.1 - start).abs() < frame / 2.0 => last.1 = end,
                _ => spans.push((start, end)),
            }
        }
        spans
    }

    /// Where the first frame holding voice (by either measure) at or after `secs` starts;
    /// `None` when no voice follows.
    pub fn next_voice(&self, secs: f64) -> Option<f64> {
        let frame = Self::frame_secs();
        let first = (secs.max(0.0) / frame).floor() as usize;
        let i = first + self.heard().get(first..)?.iter().position(|v| *v)?;
        Some((i as f64 * frame).max(secs))
    }

    /// Whether the clip holds enough voice to transcribe.
    pub fn has_speech(&self) -> bool {
        self.voiced_secs() >= MIN_SPEECH_SECS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f64, freq: f32, amplitude: f32) -> Vec<f32> {
        let n = (secs * f64::from(SAMPLE_RATE)) as usize;
        (0..n)
            .map(|i| {
                amplitude * (i as f32 * freq * std::f32::consts::TAU / SAMPLE_RATE as f32).sin()
            })
            .collect()
    }

    /// A cheap noise: a linear congruential generator, scaled to `amplitude`.
    fn noise(secs: f64, amplitude: f32) -> Vec<f32> {
        let mut x: u32 = 12345;
        let n = (secs * f64::from(SAMPLE_RATE)) as usize;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                amplitude * ((x >> 8) as f32 / (1 << 24) as f32 * 2.0 - 1.0)
            })
            .collect()
    }

    #[test]
    fn silence_faint_hiss_and_a_steady_tone_are_not_voice() {
        assert!(!Activity::of(&vec![0.0; 16_000 * 10]).has_speech());
        assert!(
            !Activity::of(&noise(10.0, 0.002)).has_speech(),
            "-54 dBFS hiss"
        );
        assert!(
            !Activity::of(&tone(10.0, 440.0, 0.3)).has_speech(),
            "a steady tone"
        );
        assert!(!Activity::of(&[]).has_speech());
    }

    #[test]
    fn bursts_over_a_quiet_background_are_voice_where_they_are() {
        // 2 s of hiss, 1 s of loud "syllables" (a 1 kHz tone, where voice has formants,
        // switched on and off every 150 ms), 2 s hiss.
        let mut samples = noise(2.0, 0.003);
        let burst: Vec<f32> = tone(1.0, 1000.0, 0.3)
            .into_iter()
            .enumerate()
            .map(|(i, s)| if (i / 2400) % 2 == 0 { s } else { s * 0.005 })
            .collect();
        samples.extend(burst);
        samples.extend(noise(2.0, 0.003));
        let activity = Activity::of(&samples);
        assert!(activity.has_speech());
        let inside = activity.voiced_secs_in(2.0, 3.0);
        assert!(
            (0.4..=0.7).contains(&inside),
            "{inside} s voiced in the burst"
        );
        assert!(activity.voiced_secs_in(0.0, 1.9) < 0.01);
        assert!(activity.voiced_secs_in(3.1, 5.0) < 0.01);

        // A "word" from the last burst (2.9 s) said to last to 4.5 s ends with the burst; one
        // spanning the 150 ms stops between bursts is not cut at them.
        let end = activity.voice_end(2.9, 4.5);
        assert!((3.0..=3.1).contains(&end), "{end}");
        let end = activity.voice_end(2.0, 2.8);
        assert!((2.75..=2.8).contains(&end), "{end}");
        assert_eq!(
            activity.voice_end(0.5, 1.5),
            1.5,
            "no voice: nothing to go by"
        );

        // A word said to start in the hiss begins with the first burst.
        let start = activity.voice_start(1.5, 2.4);
        assert!((1.98..=2.02).contains(&start), "{start}");
        assert_eq!(activity.voice_start(0.5, 1.5), 0.5, "nothing to go by");
    }

    #[test]
    fn a_click_before_a_word_is_not_its_start() {
        // Hiss, a 10-ms click at 1 s, hiss, a 300-ms "syllable" from 1.6 s.
        let mut samples = noise(3.0, 0.003);
        for s in &mut samples[16_000..16_160] {
            *s = 0.5;
        }
        for (i, s) in samples[25_600..30_400].iter_mut().enumerate() {
            *s += 0.3 * (i as f32 * 1000.0 * std::f32::consts::TAU / 16_000.0).sin();
        }
        let activity = Activity::of(&samples);
        assert!(
            activity.voiced_secs_in(0.95, 1.1) > 0.0,
            "the click is loud"
        );
        let start = activity.voice_start(0.8, 2.0);
        assert!((1.58..=1.62).contains(&start), "{start}");
    }

    #[test]
    fn syllables_over_a_louder_steady_tone_are_voice() {
        // The test world's microphone: a 440 Hz tone at -21 dBFS, and a voice barely over it
        // (1 kHz "syllables" at -19.5 dBFS, 150 ms on and off).
        let hum = tone(4.0, 440.0, 0.125);
        let syllables = tone(4.0, 1000.0, 0.15);
        let samples: Vec<f32> = hum
            .iter()
            .zip(&syllables)
            .enumerate()
            .map(|(i, (h, v))| {
                if i >= 32_000 && (i / 2400) % 2 == 0 {
                    h + v
                } else {
                    *h
                }
            })
            .collect();
        let activity = Activity::of(&samples);
        assert!(activity.has_speech());
        assert!(activity.voiced_secs_in(0.0, 1.95) < 0.01, "the tone alone");
        let inside = activity.voiced_secs_in(2.0, 4.0);
        assert!(
            (0.8..=1.2).contains(&inside),
            "{inside} s of 1 s of syllables"
        );
    }
}
