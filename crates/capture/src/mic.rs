//! Audio inputs through PulseAudio (or PipeWire's Pulse server): listing and capture.
//!
//! The capture thread reads 16-bit mono at 48 kHz in 20 ms packets and hands the samples on,
//! stamped on the recording's [`Timeline`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::{Duration, Instant};

use ffmpeg_next as ffmpeg;

use crate::devices::Microphone;
use crate::error::{CaptureError, Result};
use crate::ff;
use crate::settings::Mic;
use crate::stats::Stats;
use crate::timeline::Timeline;

/// The sample rate of everything audio in Clipnote.
pub const SAMPLE_RATE: u32 = 48_000;
const PACKET_MS: u32 = 20;
const OPEN_ATTEMPTS: u32 = 3;

/// Lists the audio inputs the audio server offers.
pub fn list() -> Result<Vec<Microphone>> {
    let entries =
        ff::list_device_sources("pulse").map_err(|e| CaptureError::MicrophoneUnavailable {
            name: "default".into(),
            reason: format!("the audio server cannot be reached ({e})"),
        })?;
    Ok(entries
        .into_iter()
        .map(|e| Microphone {
            is_monitor: e.name.ends_with(".monitor"),
            name: e.name,
            description: e.description,
            is_default: e.is_default,
        })
        .collect())
}

/// A run of mono samples starting at `at` in the recording.
#[derive(Debug)]
pub struct AudioChunk {
    /// Which input this came from (0: microphone, 1: system audio).
    pub input: usize,
    pub at: Duration,
    pub samples: Vec<f32>,
}

/// An opened audio input, ready to be drained by a capture thread.
pub struct AudioInput {
    input: ffmpeg::format::context::Input,
    pub index: usize,
    pub name: String,
}

/// The `pulse` device name for a choice of microphone, checked against the list.
pub fn device_name(mic: &Mic) -> Result<Option<String>> {
    match mic {
        Mic::None => Ok(None),
        Mic::Default => Ok(Some("default".into())),
        Mic::Named(name) => match list() {
            Ok(mics) if !mics.iter().any(|m| &m.name == name) => {
                Err(CaptureError::UnknownMicrophone {
                    name: name.clone(),
                    available: if mics.is_empty() {
                        "none".into()
                    } else {
                        mics.iter()
                            .map(|m| m.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                })
            }
            // Listing can fail on a busy audio server while opening still works: let the
            // open say what is wrong, if anything.
            _ => Ok(Some(name.clone())),
        },
    }
}

impl AudioInput {
    /// Opens a source by its `pulse` name (`default`, `@DEFAULT_MONITOR@`, or a listed name).
    pub fn open(name: &str, index: usize) -> Result<Self> {
        let bytes_per_packet = SAMPLE_RATE * 2 * PACKET_MS / 1000;
        let open = || {
            ff::open_device(
                "pulse",
                name,
                &[
                    ("sample_rate", SAMPLE_RATE.to_string()),
                    ("channels", "1".into()),
                    ("fragment_size", bytes_per_packet.to_string()),
                    ("frame_size", bytes_per_packet.to_string()),
                    ("stream_name", "Clipnote recording".into()),
                    ("name", "Clipnote".into()),
                ],
                true,
            )
        };
        // A busy audio server sometimes refuses a stream it accepts a moment later.
        let mut result = open();
        for _ in 1..OPEN_ATTEMPTS {
            if result.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            result = open();
        }
        let input = result.map_err(|e| CaptureError::MicrophoneUnavailable {
            name: name.into(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            input,
            index,
            name: name.into(),
        })
    }

    /// Reads one packet: when its first sample was captured (monotonic clock) and its samples.
    /// `None` when nothing is ready yet. A fresh packet each time: FFmpeg's read does not free
    /// what a reused packet held, so one packet kept across reads leaked every buffer.
    fn read(&mut self) -> Result<Option<(Instant, Vec<f32>)>> {
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut self.input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Other { errno }) if errno == libc::EAGAIN => {
                std::thread::sleep(Duration::from_millis(2));
                return Ok(None);
            }
            Err(e) => {
                return Err(CaptureError::MicrophoneUnavailable {
                    name: self.name.clone(),
                    reason: format!("reading stopped ({e})"),
                });
            }
        }
        let Some(data) = packet.data() else {
            return Ok(None);
        };
        // Pulse stamps the first sample's capture time (latency removed) on the wall clock;
        // move it onto the monotonic clock by reading both clocks now.
        let captured = packet.pts().map_or_else(Instant::now, ff::instant_of_stamp);
        let samples = data
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        Ok(Some((captured, samples)))
    }

    /// Reads until `stop`, sending samples that fall inside the recording. While `muted` (the
    /// microphone only), silence is sent in their place, so the sound track stays continuous.
    pub fn run(
        mut self,
        timeline: Arc<Timeline>,
        tx: SyncSender<AudioChunk>,
        stop: Arc<AtomicBool>,
        stats: Arc<Stats>,
        muted: Arc<AtomicBool>,
    ) -> Result<()> {
        let mut silence = SilentRun::default();
        while !stop.load(Ordering::Relaxed) {
            let Some((captured, mut samples)) = self.read()? else {
                continue;
            };
            let Some(at) = timeline.map(captured) else {
                continue;
            };
            if self.index == 0 {
                let muted = muted.load(Ordering::Relaxed);
                if muted {
                    samples.iter_mut().for_each(|s| *s = 0.0);
                }
                let level = peak(&samples);
                stats.set_mic_level(level);
                // Silence the user asked for (mute) is not a dead microphone.
                stats.set_mic_silent(silence.next(at, !muted && level < SILENCE_FLOOR));
            }
            let chunk = AudioChunk {
                input: self.index,
                at,
                samples,
            };
            match tx.try_send(chunk) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    stats.audio_dropouts.fetch_add(1, Ordering::Relaxed);
                }
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
        Ok(())
    }
}

/// Below this peak (−60 dBFS) a microphone is as good as silent: a room's noise alone reaches
/// higher on any working input.
pub const SILENCE_FLOOR: f32 = 0.001;

/// How long the input has been silent, from the times of its packets.
#[derive(Debug, Default)]
struct SilentRun {
    since: Option<Duration>,
}

impl SilentRun {
    /// The packet at `at` was (or was not) silent: how long the silence has lasted.
    fn next(&mut self, at: Duration, silent: bool) -> Duration {
        if !silent {
            self.since = None;
            return Duration::ZERO;
        }
        let since = *self.since.get_or_insert(at);
        at.saturating_sub(since)
    }
}

/// The peak level (0.0–1.0) of some samples.
pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))
}

/// A live level of a microphone before anything is recorded, for the Record screen's meter.
/// Opening and reading happen on its own thread (`mic-meter`), so starting never blocks; the
/// thread stops soon after the meter is dropped.
pub struct MicMeter {
    shared: Arc<MeterShared>,
}

#[derive(Default)]
struct MeterShared {
    level_bits: std::sync::atomic::AtomicU32,
    stop: AtomicBool,
    problem: std::sync::Mutex<Option<String>>,
}

impl MicMeter {
    /// Starts opening `mic` and reading it; `on_level` is called after each packet (every
    /// 20 ms) and once if it fails. `Ok(None)` for [`Mic::None`].
    pub fn start(mic: &Mic, on_level: impl Fn(f32) + Send + 'static) -> Result<Option<Self>> {
        if *mic == Mic::None {
            return Ok(None);
        }
        let mic = mic.clone();
        let shared = Arc::new(MeterShared::default());
        let sh = shared.clone();
        std::thread::Builder::new()
            .name("mic-meter".into())
            .spawn(move || {
                let opened = device_name(&mic)
                    .and_then(|name| AudioInput::open(name.as_deref().unwrap_or("default"), 0));
                let mut input = match opened {
                    Ok(input) => input,
                    Err(e) => {
                        *sh.problem.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                        on_level(0.0);
                        return;
                    }
                };
                while !sh.stop.load(Ordering::Relaxed) {
                    match input.read() {
                        Ok(Some((_, samples))) => {
                            let p = peak(&samples);
                            sh.level_bits.store(p.to_bits(), Ordering::Relaxed);
                            on_level(p);
                        }
                        Ok(None) => {}
                        Err(e) => {
                            *sh.problem.lock().unwrap_or_else(|p| p.into_inner()) =
                                Some(e.to_string());
                            on_level(0.0);
                            return;
                        }
                    }
                }
            })
            .map_err(|_| CaptureError::WorkerDied("mic-meter"))?;
        Ok(Some(Self { shared }))
    }

    /// The peak level (0.0–1.0) of the latest packet.
    pub fn level(&self) -> f32 {
        f32::from_bits(self.shared.level_bits.load(Ordering::Relaxed))
    }

    /// Why the microphone cannot be read, if it cannot.
    pub fn problem(&self) -> Option<String> {
        self.shared
            .problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for MicMeter {
    fn drop(&mut self) {
        // The thread sees this within a packet (20 ms) and closes the device itself.
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_run_lasts_from_its_first_silent_packet_and_any_sound_ends_it() {
        let ms = Duration::from_millis;
        let mut run = SilentRun::default();
        assert_eq!(run.next(ms(0), false), Duration::ZERO);
        assert_eq!(run.next(ms(20), true), Duration::ZERO);
        assert_eq!(run.next(ms(40), true), ms(20));
        assert_eq!(run.next(ms(5020), true), ms(5000));
        assert_eq!(run.next(ms(5040), false), Duration::ZERO, "sound ends it");
        assert_eq!(run.next(ms(5060), true), Duration::ZERO, "a new run");
        assert_eq!(run.next(ms(5080), true), ms(20));
    }
}
