//! Transcribing while a recording runs. Sound arrives in pieces as it is recorded; a
//! [`Windower`] cuts it at pauses into windows of at most [`MAX_WINDOW_SECS`] (whisper hears
//! 30 s at a time), dropping stretches with no voice, and a [`LiveTranscript`] transcribes each
//! window as soon as it is cut. When the recording stops only the tail is left to do.
//!
//! ```text
//! pieces ─▶ Windower ─ Window (a pause after ≥ MIN_WINDOW_SECS, or MAX_WINDOW_SECS) ─▶ Model::transcribe
//!                                                          └─ segments shifted to the clip's time ─▶ Transcript
//! ```

use crate::SAMPLE_RATE;
use crate::error::Result;
use crate::model::{Model, Options};
use crate::transcript::Transcript;
use crate::vad::{Activity, FRAME_LEN};

/// The longest window: whisper hears 30 s at a time.
pub const MAX_WINDOW_SECS: f64 = 28.0;
/// A window is cut at a pause once it holds this much from its first voice: fewer, longer
/// windows cost less (whisper pays for 30 s whatever the length) and are heard better (a short
/// phrase alone was misheard), shorter ones leave less for the end.
pub const MIN_WINDOW_SECS: f64 = 8.0;
/// A quiet stretch this long (by [`Activity`]) is a pause a window can end in.
pub const PAUSE_SECS: f64 = 0.5;
/// Kept before a window's first voice ([`Activity::onset`]): the onset of its first word.
pub const LEAD_SECS: f64 = 0.3;
/// Kept when a stretch with no voice is dropped, in case a word starts right at its end.
/// Shorter than [`crate::vad::MIN_SPEECH_SECS`], so what was background before (a tone that
/// then stops) can never pass for speech on its own.
pub const KEEP_SECS: f64 = 0.2;

/// A stretch of sound to transcribe: 16 kHz mono samples from `start_secs` into the clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub start_secs: f64,
    pub samples: Vec<f32>,
}

/// Cuts a running stream of sound into windows at pauses.
#[derive(Debug, Default)]
pub struct Windower {
    buf: Vec<f32>,
    /// Where `buf[0]` sits, in samples into the clip.
    start: usize,
}

fn secs_of(samples: usize) -> f64 {
    samples as f64 / f64::from(SAMPLE_RATE)
}

fn samples_of(secs: f64) -> usize {
    (secs * f64::from(SAMPLE_RATE)).round().max(0.0) as usize
}

impl Windower {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds 16 kHz samples that start `start_secs` into the clip (a gap before them is
    /// silence; an overlap is cut off), and gives back a window when one is complete.
    pub fn push(&mut self, start_secs: f64, samples: &[f32]) -> Option<Window> {
        let at = samples_of(start_secs);
        let end = self.start + self.buf.len();
        if at > end {
            self.buf.resize(self.buf.len() + (at - end), 0.0);
        }
        let skip = end.saturating_sub(at).min(samples.len());
        self.buf.extend_from_slice(&samples[skip..]);
        self.cut(false)
    }

    /// What is left once the sound has ended: a last window, if it holds voice.
    pub fn finish(&mut self) -> Option<Window> {
        self.cut(true)
    }

    /// Seconds of sound not yet given out in a window.
    pub fn pending_secs(&self) -> f64 {
        secs_of(self.buf.len())
    }

    fn cut(&mut self, at_end: bool) -> Option<Window> {
        let len_secs = secs_of(self.buf.len());
        if !at_end && len_secs < MIN_WINDOW_SECS {
            return None;
        }
        let activity = Activity::of(&self.buf);
        let frames = activity.frames();
        // A click is no voice to start a window on.
        let Some(first_voice) = activity
            .onset(0, frames.len())
            .filter(|_| activity.has_speech())
        else {
            // No voice: drop it, but for the onset of a word that may start right there.
            self.advance(self.buf.len().saturating_sub(samples_of(KEEP_SECS)));
            return None;
        };
        let from = (first_voice * FRAME_LEN).saturating_sub(samples_of(LEAD_SECS));
        // Long enough from its first voice (whisper hears a phrase better with what surrounds it).
        let shortest = (from + samples_of(MIN_WINDOW_SECS)).div_ceil(FRAME_LEN);
        let cut_frame = if at_end {
            Some(frames.len())
        } else {
            last_pause(frames, first_voice)
                .filter(|f| *f >= shortest)
                .or_else(|| {
                    (secs_of(self.buf.len() - from) >= MAX_WINDOW_SECS).then_some(frames.len())
                })
        }?;
        let cut = (cut_frame * FRAME_LEN).min(self.buf.len());
        let window = Window {
            start_secs: secs_of(self.start + from),
            samples: self.buf[from..cut].to_vec(),
        };
        self.advance(cut);
        Some(window)
    }

    fn advance(&mut self, n: usize) {
        self.buf.drain(..n);
        self.start += n;
    }
}

/// The frame in the middle of the last pause of [`PAUSE_SECS`] after `first_voice`.
fn last_pause(frames: &[bool], first_voice: usize) -> Option<usize> {
    let pause_frames = samples_of(PAUSE_SECS).div_ceil(FRAME_LEN);
    let mut best = None;
    let mut quiet_from = None;
    for (i, voiced) in frames.iter().enumerate().skip(first_voice) {
        match (voiced, quiet_from) {
            (false, None) => quiet_from = Some(i),
            (true, Some(q)) => {
                if i - q >= pause_frames {
                    best = Some((q + i) / 2);
                }
                quiet_from = None;
            }
            _ => {}
        }
    }
    if let Some(q) = quiet_from
        && frames.len() - q >= pause_frames
    {
        best = Some((q + frames.len()) / 2);
    }
    best
}

/// A transcript built window by window while the sound comes in.
pub struct LiveTranscript<'m> {
    model: &'m Model,
    options: Options,
    windower: Windower,
    transcript: Transcript,
    /// Windows transcribed so far.
    pub windows: usize,
}

impl<'m> LiveTranscript<'m> {
    /// Checks the language (an unsupported one is an error now, not at the end).
    pub fn new(model: &'m Model, options: Options) -> Result<Self> {
        let language = model.check_language(&options.language)?;
        Ok(Self {
            model,
            options,
            windower: Windower::new(),
            transcript: Transcript {
                language: if language == "auto" {
                    String::new()
                } else {
                    language.into()
                },
                segments: Vec::new(),
            },
            windows: 0,
        })
    }

    /// Adds sound that starts `start_secs` into the clip; transcribes a window when one is cut.
    pub fn push(&mut self, start_secs: f64, samples: &[f32]) -> Result<()> {
        match self.windower.push(start_secs, samples) {
            Some(window) => self.transcribe(&window),
            None => Ok(()),
        }
    }

    /// Seconds of sound not yet transcribed.
    pub fn pending_secs(&self) -> f64 {
        self.windower.pending_secs()
    }

    /// Transcribes the tail and gives the whole transcript, timed on the clip (what follows
    /// starts a new one).
    pub fn finish(&mut self) -> Result<Transcript> {
        if let Some(window) = self.windower.finish() {
            self.transcribe(&window)?;
        }
        Ok(std::mem::take(&mut self.transcript))
    }

    fn transcribe(&mut self, window: &Window) -> Result<()> {
        let part = self
            .model
            .transcribe(&window.samples, &self.options, |_| {})?;
        self.windows += 1;
        tracing::debug!(
            start_secs = window.start_secs,
            secs = secs_of(window.samples.len()),
            segments = part.segments.len(),
            "live window transcribed"
        );
        if self.transcript.language.is_empty() && !part.is_empty() {
            self.transcript.language = part.language.clone();
        }
        self.transcript.append_shifted(part, window.start_secs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Speech": 150-ms bursts of a 1 kHz tone, on and off, over faint hiss.
    fn talk(secs: f64) -> Vec<f32> {
        (0..samples_of(secs))
            .map(|i| {
                let on = (i / 2400) % 2 == 0;
                let s = (i as f32 * 1000.0 * std::f32::consts::TAU / 16_000.0).sin();
                if on { 0.3 * s } else { 0.001 * s }
            })
            .collect()
    }

    fn quiet(secs: f64) -> Vec<f32> {
        (0..samples_of(secs))
            .map(|i| 0.001 * ((i % 7) as f32 - 3.0) / 3.0)
            .collect()
    }

    /// Feeds `sound` in half-second pieces from `start_secs`; the windows that come out.
    fn feed(w: &mut Windower, start_secs: f64, sound: &[f32]) -> Vec<Window> {
        let piece = 8_000;
        sound
            .chunks(piece)
            .enumerate()
            .filter_map(|(i, p)| w.push(start_secs + secs_of(i * piece), p))
            .collect()
    }

    #[test]
    fn a_window_ends_in_a_pause_once_it_is_long_enough_and_starts_just_before_the_voice() {
        // From 10 s into the clip: quiet, 2 s of talk, a pause (too soon to cut), 6 s of talk,
        // a pause (cut here), 4 s of talk, quiet.
        let mut sound = quiet(2.0);
        for (talk_secs, quiet_secs) in [(2.0, 1.0), (6.0, 1.0), (4.0, 1.0)] {
            sound.extend(talk(talk_secs));
            sound.extend(quiet(quiet_secs));
        }
        let mut w = Windower::new();
        let windows = feed(&mut w, 10.0, &sound);
        assert_eq!(windows.len(), 1, "{windows:?}");
        let first = &windows[0];
        // Voice starts 12 s into the clip: the window 0.3 s before; it ends inside the pause.
        assert!(
            (first.start_secs - 11.7).abs() < 0.04,
            "{}",
            first.start_secs
        );
        let end = first.start_secs + secs_of(first.samples.len());
        assert!((21.0..22.0).contains(&end), "ends at {end}");
        let tail = w.finish().expect("the last stretch of talk");
        assert!((tail.start_secs - 21.7).abs() < 0.35, "{}", tail.start_secs);
        assert!(w.finish().is_none(), "nothing left");
    }

    #[test]
    fn talk_without_a_pause_is_cut_at_the_longest_window() {
        let mut w = Windower::new();
        let windows = feed(&mut w, 0.0, &talk(60.0));
        assert_eq!(windows.len(), 2, "two full windows");
        for win in &windows {
            assert!(secs_of(win.samples.len()) <= MAX_WINDOW_SECS + 0.5);
        }
        assert!(w.pending_secs() < MAX_WINDOW_SECS);
    }

    #[test]
    fn silence_and_a_steady_tone_give_no_window_and_are_not_kept() {
        let mut w = Windower::new();
        let tone: Vec<f32> = (0..samples_of(40.0))
            .map(|i| 0.1 * (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin())
            .collect();
        assert!(feed(&mut w, 0.0, &tone).is_empty());
        assert!(w.pending_secs() < MIN_WINDOW_SECS, "{}", w.pending_secs());
        assert!(feed(&mut w, 40.0, &quiet(20.0)).is_empty());
        assert!(w.finish().is_none());
    }

    #[test]
    fn a_click_before_the_talk_does_not_start_the_window() {
        let mut sound = quiet(2.0);
        sound[16_000..16_160].fill(0.5);
        sound.extend(talk(2.0));
        sound.extend(quiet(1.0));
        let mut w = Windower::new();
        assert!(feed(&mut w, 0.0, &sound).is_empty());
        let window = w.finish().unwrap();
        assert!(
            (window.start_secs - 1.7).abs() < 0.04,
            "{}",
            window.start_secs
        );
    }

    #[test]
    fn a_gap_in_the_pieces_is_silence_in_its_place() {
        let mut w = Windower::new();
        assert!(w.push(0.0, &quiet(1.0)).is_none());
        // One second lost: the talk that follows is placed at 2 s, not 1 s.
        assert!(w.push(2.0, &talk(2.0)).is_none());
        let window = w.finish().unwrap();
        assert!(
            (window.start_secs - 1.7).abs() < 0.04,
            "{}",
            window.start_secs
        );
    }
}
