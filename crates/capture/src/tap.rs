//! A tap on a recording's sound: the clip's audio track, as it is encoded, handed to a listener
//! beside the recording (the app's live transcriber) as 16 kHz mono blocks placed on the clip's
//! timeline. Capture does not know what listens.
//!
//! ```text
//! audio-encode: Mixer ─ 48 kHz blocks ─┬─ AAC encoder ─▶ mux
//!                                      └─ low-pass, ÷3 ─ SoundBlock (16 kHz, ½ s) ─ try_send ─▶ listener
//! ```
//!
//! The tap never holds the recording up: when the listener's channel is full the block is
//! dropped and counted ([`crate::Stats::tap_dropped_blocks`]), never waited for.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use crate::mic::SAMPLE_RATE;
use crate::stats::Stats;

/// The tap's sample rate.
pub const TAP_RATE: u32 = 16_000;
/// Samples per [`SoundBlock`]: half a second.
pub const BLOCK_SAMPLES: usize = TAP_RATE as usize / 2;
const FACTOR: usize = (SAMPLE_RATE / TAP_RATE) as usize;
/// Low-pass filter length (odd: linear phase, a delay of 0.5 ms).
const TAPS: usize = 49;
/// The low-pass filter's cut-off, Hz: below the 8 kHz the 16 kHz rate can hold.
const CUTOFF_HZ: f64 = 7_000.0;

/// A stretch of the clip's sound: 16 kHz mono samples from `start_secs` into the clip.
#[derive(Debug, Clone, PartialEq)]
pub struct SoundBlock {
    pub start_secs: f64,
    pub samples: Vec<f32>,
}

/// The sending end of a tap; give it to [`crate::RecordSettings::sound_tap`]. The receiver
/// sees the channel close when the recording's sound has ended (stop, discard or failure).
#[derive(Debug, Clone)]
pub struct SoundTap {
    tx: SyncSender<SoundBlock>,
}

impl SoundTap {
    /// A tap and its receiving end, holding at most `blocks` blocks (½ s each) not yet taken.
    pub fn channel(blocks: usize) -> (Self, Receiver<SoundBlock>) {
        let (tx, rx) = sync_channel(blocks.max(1));
        (Self { tx }, rx)
    }
}

/// The audio-encode thread's side: filters, decimates, gathers and sends.
pub(crate) struct TapFeed {
    tap: SoundTap,
    stats: Arc<Stats>,
    decimator: Decimator,
    block: Vec<f32>,
    /// Where the block being gathered starts (16 kHz samples into the clip).
    block_start: i64,
    /// Where the next decimated sample sits, once known.
    next: Option<i64>,
}

impl TapFeed {
    pub(crate) fn new(tap: SoundTap, stats: Arc<Stats>) -> Self {
        Self {
            tap,
            stats,
            decimator: Decimator::new(),
            block: Vec::with_capacity(BLOCK_SAMPLES),
            block_start: 0,
            next: None,
        }
    }

    /// Takes mixed 48 kHz samples starting at sample position `at` (contiguous from call to
    /// call, as the mixer hands them out).
    pub(crate) fn push(&mut self, at: i64, samples: &[f32]) {
        let next = *self.next.get_or_insert(at / FACTOR as i64);
        if self.block.is_empty() {
            self.block_start = next;
        }
        let before = self.block.len();
        self.decimator.push(samples, &mut self.block);
        self.next = Some(next + (self.block.len() - before) as i64);
        if self.block.len() >= BLOCK_SAMPLES {
            self.send();
        }
    }

    /// Sends what is gathered; a full channel drops it (counted).
    pub(crate) fn send(&mut self) {
        if self.block.is_empty() {
            return;
        }
        let block = SoundBlock {
            start_secs: self.block_start as f64 / f64::from(TAP_RATE),
            samples: std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK_SAMPLES)),
        };
        self.block_start = self.next.unwrap_or(0);
        match self.tap.tx.try_send(block) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.stats
                    .tap_dropped_blocks
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A windowed-sinc low-pass filter that keeps every third sample: 48 kHz in, 16 kHz out.
struct Decimator {
    taps: [f32; TAPS],
    /// The last `TAPS - 1` inputs before `buf[next]`, then what has not been used yet.
    buf: Vec<f32>,
    /// The input that makes the next output.
    next: usize,
}

impl Decimator {
    fn new() -> Self {
        let mut taps = [0f32; TAPS];
        let fc = CUTOFF_HZ / f64::from(SAMPLE_RATE);
        let mid = (TAPS / 2) as f64;
        for (i, tap) in taps.iter_mut().enumerate() {
            let x = i as f64 - mid;
            let sinc = if x == 0.0 {
                2.0 * fc
            } else {
                (std::f64::consts::TAU * fc * x).sin() / (std::f64::consts::PI * x)
            };
            let phase = std::f64::consts::TAU * i as f64 / (TAPS - 1) as f64;
            let blackman = 0.42 - 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos();
            *tap = (sinc * blackman) as f32;
        }
        let sum: f32 = taps.iter().sum();
        taps.iter_mut().for_each(|t| *t /= sum);
        Self {
            taps,
            buf: vec![0.0; TAPS - 1],
            next: TAPS - 1,
        }
    }

    fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.buf.extend_from_slice(input);
        while self.next < self.buf.len() {
            let window = &self.buf[self.next + 1 - TAPS..=self.next];
            out.push(window.iter().zip(&self.taps).map(|(s, t)| s * t).sum());
            self.next += FACTOR;
        }
        let used = (self.next + 1 - TAPS).min(self.buf.len());
        self.buf.drain(..used);
        self.next -= used;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (std::f64::consts::TAU * freq * i as f64 / f64::from(SAMPLE_RATE)).sin() as f32
            })
            .collect()
    }

    fn rms(s: &[f32]) -> f32 {
        (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
    }

    /// Decimates `input` in pieces of `piece` samples.
    fn decimate(input: &[f32], piece: usize) -> Vec<f32> {
        let mut d = Decimator::new();
        let mut out = Vec::new();
        for p in input.chunks(piece) {
            d.push(p, &mut out);
        }
        out
    }

    #[test]
    fn speech_frequencies_pass_and_what_16_khz_cannot_hold_is_stopped() {
        let n = 48_000;
        let voice = decimate(&sine(1_000.0, n), 1024);
        assert_eq!(voice.len(), n / 3);
        let level = rms(&voice[100..]);
        assert!((level - 0.707).abs() < 0.02, "1 kHz at {level}");
        let high = rms(&decimate(&sine(12_000.0, n), 1024)[100..]);
        assert!(high < 0.01, "12 kHz folds back at {high}");
    }

    #[test]
    fn pieces_of_any_size_give_the_same_samples() {
        let input = sine(440.0, 10_000);
        let whole = decimate(&input, input.len());
        assert_eq!(decimate(&input, 1024), whole);
        assert_eq!(decimate(&input, 7), whole);
    }

    #[test]
    fn blocks_are_placed_on_the_clip_and_a_full_channel_drops_and_counts() {
        let stats = Arc::new(Stats::default());
        let (tap, rx) = SoundTap::channel(2);
        let mut feed = TapFeed::new(tap, stats.clone());
        // Sound from 1 s into the clip, 4 s of it in encoder-sized pieces.
        let input = sine(440.0, 4 * 48_000);
        for (i, piece) in input.chunks(1024).enumerate() {
            feed.push(48_000 + (i * 1024) as i64, piece);
        }
        feed.send();
        let first = rx.try_recv().unwrap();
        assert_eq!(first.start_secs, 1.0);
        // Whole encoder frames (341 or 342 samples at 16 kHz) go into a block: about ½ s.
        assert!((BLOCK_SAMPLES..BLOCK_SAMPLES + 342).contains(&first.samples.len()));
        let second = rx.try_recv().unwrap();
        let expected = 1.0 + first.samples.len() as f64 / 16_000.0;
        assert_eq!(second.start_secs, expected, "the blocks follow on");
        assert!(rx.try_recv().is_err(), "only two fit");
        // 4 s make 8 blocks (the last one short): the 6 that did not fit are counted.
        assert_eq!(stats.tap_dropped_blocks.load(Ordering::Relaxed), 6);
    }
}
