//! Live counters a recording shares between its threads and with whoever shows its status.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Counters updated by the pipeline threads, read by the status line and the HUD.
#[derive(Debug, Default)]
pub struct Stats {
    /// Frames the screen source delivered.
    pub frames_captured: AtomicU64,
    /// Frame slots lost: the source was late or the encoder could not keep up.
    pub frames_dropped: AtomicU64,
    /// Frames given to the encoder.
    pub frames_encoded: AtomicU64,
    /// Frames identical to the one before, for which conversion and encoding were skipped.
    pub frames_unchanged: AtomicU64,
    /// Audio packets lost because the encoder could not keep up.
    pub audio_dropouts: AtomicU64,
    /// Half-second blocks of sound the tap's listener was too busy to take (`tap`).
    pub tap_dropped_blocks: AtomicU64,
    /// Bytes written to the file.
    pub bytes_written: AtomicU64,
    mic_level_bits: AtomicU32,
    /// How long the microphone has given only silence, unmuted (µs; 0 while it has sound).
    mic_silent_micros: AtomicU64,
}

impl Stats {
    /// The peak level (0.0–1.0) of the latest microphone packet.
    pub fn mic_level(&self) -> f32 {
        f32::from_bits(self.mic_level_bits.load(Ordering::Relaxed))
    }

    pub(crate) fn set_mic_level(&self, level: f32) {
        self.mic_level_bits
            .store(level.to_bits(), Ordering::Relaxed);
    }

    /// How long the microphone, while not muted, has given nothing above
    /// [`crate::mic::SILENCE_FLOOR`] — digital zero or a dead input (0 once any sound comes).
    pub fn mic_silent_secs(&self) -> f64 {
        self.mic_silent_micros.load(Ordering::Relaxed) as f64 / 1e6
    }

    pub(crate) fn set_mic_silent(&self, silent: std::time::Duration) {
        let micros = u64::try_from(silent.as_micros()).unwrap_or(u64::MAX);
        self.mic_silent_micros.store(micros, Ordering::Relaxed);
    }

    pub fn dropped(&self) -> u64 {
        self.frames_dropped.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes_written.load(Ordering::Relaxed)
    }
}
