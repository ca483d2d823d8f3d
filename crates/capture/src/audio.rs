//! Audio encoding: place each input's samples on the recording's clock, mix, encode AAC-LC.
//!
//! Each input's samples run on continuously from where the last chunk ended; a chunk that
//! arrives more than [`RESYNC_MS`] away from that (a dropout, clock drift, a pause) is placed at
//! its own timestamp instead, so audio never drifts from the video by more than that.
//!
//! Where a run of samples sits is learnt from many chunks, not the first: each chunk's
//! timestamp carries the audio server's latency estimate, which jitters by several ms (most at
//! the start of a stream), and anchoring on one chunk kept its error for the whole recording.
//! Every [`SETTLE_CHUNKS`] chunks the mean gap between where the samples run and where their
//! timestamps say they belong is measured; a mean beyond [`NUDGE_MS`] moves the run by it.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, SyncSender};

use ffmpeg_next as ffmpeg;

use crate::error::{CaptureError, Result};
use crate::ff;
use crate::mic::{AudioChunk, SAMPLE_RATE};
use crate::mux::{self, MuxPacket, PacketSink, Track};
use crate::tap::TapFeed;

/// How far an input may wander from its timestamps before it is re-placed.
pub const RESYNC_MS: i64 = 20;
/// How many chunks (20 ms each from the microphone) one estimate of the placement error averages.
pub const SETTLE_CHUNKS: i64 = 8;

/// A mean placement error larger than this (ms) moves the run of samples.
pub const NUDGE_MS: i64 = 2;

/// How far one input may fall behind the others before it is treated as silent.
const STALL_MS: i64 = 250;

/// Sums inputs sample by sample on one grid of sample positions.
#[derive(Debug)]
pub struct Mixer {
    /// Samples from `start` on, not yet handed out.
    pending: VecDeque<f32>,
    start: i64,
    /// Per input: the position right after its last sample.
    next: Vec<Option<i64>>,
    /// Per input: the summed gap (timestamp − running position, in samples) and how many chunks.
    error: Vec<(i64, i64)>,
}

impl Mixer {
    pub fn new(inputs: usize) -> Self {
        Self {
            pending: VecDeque::new(),
            start: 0,
            next: vec![None; inputs],
            error: vec![(0, 0); inputs],
        }
    }

    /// Adds a chunk at its place on the grid.
    pub fn push(&mut self, chunk: &AudioChunk) {
        let stamped = (chunk.at.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as i64;
        let resync = i64::from(SAMPLE_RATE) * RESYNC_MS / 1000;
        let nudge = i64::from(SAMPLE_RATE) * NUDGE_MS / 1000;
        let error = &mut self.error[chunk.input];
        let pos = match self.next[chunk.input] {
            Some(next) if (stamped - next).abs() <= resync => {
                error.0 += stamped - next;
                error.1 += 1;
                if error.1 < SETTLE_CHUNKS {
                    next
                } else {
                    let mean = error.0 / error.1;
                    *error = (0, 0);
                    if mean.abs() > nudge {
                        next + mean
                    } else {
                        next
                    }
                }
            }
            _ => {
                *error = (0, 0);
                stamped
            }
        };
        self.next[chunk.input] = Some(pos + chunk.samples.len() as i64);
        for (i, s) in chunk.samples.iter().enumerate() {
            let at = pos + i as i64 - self.start;
            if at < 0 {
                continue; // already handed out: late samples are dropped
            }
            let at = at as usize;
            if self.pending.len() <= at {
                self.pending.resize(at + 1, 0.0);
            }
            self.pending[at] = (self.pending[at] + s).clamp(-1.0, 1.0);
        }
    }

    /// How many samples every live input has delivered (an input stalled far behind the
    /// leader counts as silent).
    fn ready(&self) -> i64 {
        let positions = || self.next.iter().map(|n| n.unwrap_or(self.start));
        let lead = positions().max().unwrap_or(self.start);
        let stall = i64::from(SAMPLE_RATE) * STALL_MS / 1000;
        let ready_to = positions()
            .filter(|&n| lead - n <= stall)
            .min()
            .unwrap_or(self.start);
        ready_to - self.start
    }

    /// Takes `n` samples if every input has reached that far (or all of them with `flush`).
    pub fn take(&mut self, n: usize, flush: bool) -> Option<(i64, Vec<f32>)> {
        let available = if flush {
            self.pending.len() as i64
        } else {
            self.ready()
        };
        if available < n as i64 || (flush && self.pending.is_empty()) {
            return None;
        }
        let at = self.start;
        let mut out: Vec<f32> = self.pending.drain(..n.min(self.pending.len())).collect();
        out.resize(n, 0.0);
        self.start += n as i64;
        Some((at, out))
    }
}

/// An opened AAC-LC encoder (mono, 48 kHz).
pub struct AudioEncoder {
    encoder: ffmpeg::encoder::Audio,
    time_base: ffmpeg::Rational,
}

impl AudioEncoder {
    pub fn open(kbps: u32) -> Result<Self> {
        ff::init();
        let codec = ffmpeg::encoder::find(ffmpeg::codec::Id::AAC)
            .ok_or_else(|| CaptureError::Unsupported("this FFmpeg has no AAC encoder".into()))?;
        let mut enc = ffmpeg::codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(CaptureError::ffmpeg("creating the audio encoder"))?;
        let time_base = ffmpeg::Rational::new(1, SAMPLE_RATE as i32);
        enc.set_rate(SAMPLE_RATE as i32);
        enc.set_format(ffmpeg::format::Sample::F32(
            ffmpeg::format::sample::Type::Planar,
        ));
        ff::set_mono(&mut enc);
        enc.set_bit_rate(kbps as usize * 1000);
        enc.set_time_base(time_base);
        enc.set_flags(ffmpeg::codec::Flags::GLOBAL_HEADER);
        let encoder = enc
            .open()
            .map_err(CaptureError::ffmpeg("opening the AAC encoder"))?;
        Ok(Self { encoder, time_base })
    }

    pub fn parameters(&self) -> (ffmpeg::codec::Parameters, ffmpeg::Rational) {
        (
            ffmpeg::codec::Parameters::from(&*self.encoder),
            self.time_base,
        )
    }

    /// Samples per encoded frame (1024 for AAC-LC).
    pub fn frame_size(&self) -> usize {
        (self.encoder.frame_size() as usize).max(1)
    }

    /// Encodes one frame of samples starting at sample position `at`.
    pub fn encode(&mut self, at: i64, samples: &[f32], sink: &mut impl PacketSink) -> Result<()> {
        let mut frame = ffmpeg::frame::Audio::new(
            ffmpeg::format::Sample::F32(ffmpeg::format::sample::Type::Planar),
            samples.len(),
            ffmpeg::ChannelLayout::MONO,
        );
        frame.set_rate(SAMPLE_RATE);
        frame.plane_mut::<f32>(0).copy_from_slice(samples);
        frame.set_pts(Some(at));
        self.encoder
            .send_frame(&frame)
            .map_err(CaptureError::ffmpeg("encoding audio"))?;
        mux::drain(&mut self.encoder, Track::Audio, self.time_base, sink)
    }

    /// Encodes what the mixer holds (all of it with `flush`) in encoder-sized frames, and
    /// hands the same samples to the `tap` when there is one.
    pub(crate) fn encode_mixed(
        &mut self,
        mixer: &mut Mixer,
        flush: bool,
        sink: &mut impl PacketSink,
        mut tap: Option<&mut TapFeed>,
    ) -> Result<()> {
        let n = self.frame_size();
        while let Some((at, block)) = mixer.take(n, flush) {
            if let Some(tap) = tap.as_deref_mut() {
                tap.push(at, &block);
            }
            self.encode(at, &block, sink)?;
        }
        Ok(())
    }

    /// Flushes what the encoder still holds.
    pub fn finish(&mut self, sink: &mut impl PacketSink) -> Result<()> {
        self.encoder
            .send_eof()
            .map_err(CaptureError::ffmpeg("finishing the audio"))?;
        mux::drain(&mut self.encoder, Track::Audio, self.time_base, sink)
    }

    /// Mixes and encodes until every input hangs up, then flushes; the tap gets the same sound.
    pub fn run(
        mut self,
        inputs: usize,
        rx: Receiver<AudioChunk>,
        mut tx: SyncSender<MuxPacket>,
        mut tap: Option<TapFeed>,
    ) -> Result<()> {
        let mut mixer = Mixer::new(inputs);
        for chunk in rx {
            mixer.push(&chunk);
            self.encode_mixed(&mut mixer, false, &mut tx, tap.as_mut())?;
        }
        self.encode_mixed(&mut mixer, true, &mut tx, tap.as_mut())?;
        if let Some(tap) = &mut tap {
            tap.send();
        }
        self.finish(&mut tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn chunk(input: usize, at_ms: u64, len: usize, value: f32) -> AudioChunk {
        AudioChunk {
            input,
            at: Duration::from_millis(at_ms),
            samples: vec![value; len],
        }
    }

    #[test]
    fn one_input_runs_on_and_leading_silence_keeps_sync() {
        let mut m = Mixer::new(1);
        m.push(&chunk(0, 10, 960, 0.5)); // starts 10 ms (480 samples) in
        let (at, block) = m.take(1024, false).unwrap();
        assert_eq!(at, 0);
        assert!(block[..480].iter().all(|&s| s == 0.0));
        assert!(block[480..].iter().all(|&s| s == 0.5));
        // 3 ms of jitter is absorbed: the next chunk follows on exactly.
        m.push(&chunk(0, 33, 960, 0.25));
        let (at, block) = m.take(1024, false).unwrap();
        assert_eq!(at, 1024);
        assert_eq!(block[1440 - 1024 - 1], 0.5);
        assert_eq!(block[1440 - 1024], 0.25);
    }

    #[test]
    fn a_first_chunk_stamped_late_does_not_set_the_place_of_the_rest() {
        let mut m = Mixer::new(1);
        // The first chunk's latency estimate is 15 ms off; the next ones are right (20 ms each).
        m.push(&chunk(0, 15, 960, 0.5));
        for i in 1..=SETTLE_CHUNKS as u64 {
            m.push(&chunk(0, i * 20, 960, 0.5));
        }
        let first_after = SETTLE_CHUNKS as u64 * 20 + 20;
        let mut ends = Vec::new();
        m.push(&chunk(0, first_after, 960, 0.25));
        while let Some((at, b)) = m.take(1024, true) {
            ends.extend(
                b.iter()
                    .enumerate()
                    .filter(|(_, s)| **s == 0.25)
                    .map(|(i, _)| at + i as i64),
            );
        }
        let placed_ms = ends[0] as f64 / 48.0;
        // Anchored on the first chunk it would sit at first_after + 15 ms; learnt, within 2 ms.
        assert!(
            (placed_ms - first_after as f64).abs() <= 2.0,
            "placed at {placed_ms} ms"
        );
    }

    #[test]
    fn a_gap_beyond_the_resync_window_is_placed_at_its_time() {
        let mut m = Mixer::new(1);
        m.push(&chunk(0, 0, 960, 0.5));
        m.push(&chunk(0, 100, 960, 0.5)); // 80 ms hole
        let mut all = Vec::new();
        while let Some((_, b)) = m.take(1024, true) {
            all.extend(b);
        }
        assert_eq!(all[960], 0.0, "the hole is silence");
        assert_eq!(all[4800], 0.5, "the late chunk sits at 100 ms");
    }

    #[test]
    fn two_inputs_are_summed_and_wait_for_each_other() {
        let mut m = Mixer::new(2);
        m.push(&chunk(0, 0, 2048, 0.25));
        assert!(
            m.take(1024, false).is_none(),
            "the second input has not arrived"
        );
        m.push(&chunk(1, 0, 2048, 0.5));
        let (_, b) = m.take(1024, false).unwrap();
        assert!(b.iter().all(|&s| (s - 0.75).abs() < 1e-6));
    }
}
