//! A recording: opens the sources, runs the pipeline threads, pauses, stops and finalises.
//!
//! ```text
//! mic-capture ──┐                          ┌─ audio-encode ─┐
//! sys-capture ──┴─ AudioChunk (bounded) ───┘                ├─ MuxPacket (bounded) ─ mux ─ file
//! screen-capture ─ SlottedFrame (bounded) ─── video-encode ─┘
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::audio::AudioEncoder;
use crate::error::{CaptureError, Result};
use crate::ff;
use crate::mic::{self, AudioInput};
use crate::mux::{self, Muxer};
use crate::screen::{self, PixelFormat, ScreenSource};
use crate::settings::{Mic, RecordSettings};
use crate::stats::Stats;
use crate::tap::TapFeed;
use crate::timeline::Timeline;
use crate::video::{self, VideoEncoder};

/// Frames waiting for the encoder: few, since each 1080p frame is 8 MB (3 MB from Wayland).
const FRAME_QUEUE: usize = 2;
/// Audio chunks (20 ms each) waiting for the encoder: 2 s.
const AUDIO_QUEUE: usize = 100;
/// Encoded packets waiting for the muxer.
const PACKET_QUEUE: usize = 256;

/// What a finished recording produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finished {
    /// The playable clip.
    pub path: PathBuf,
    pub duration_secs: f64,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    /// Frames the screen delivered.
    pub frames_captured: u64,
    /// Frames given to the encoder (changed ones, and still ones kept alive).
    pub frames_encoded: u64,
    /// Frames identical to the one before: never converted, mostly not encoded.
    pub frames_unchanged: u64,
    pub dropped_frames: u64,
    pub audio_dropouts: u64,
    /// Seconds of sound the tap's listener was too busy to take (see `RecordSettings::sound_tap`).
    pub tap_dropped_secs: f64,
    pub has_audio: bool,
}

/// A recording under way. Dropping it without [`Recording::stop`] discards nothing: the
/// fragmented file stays on disk, playable.
pub struct Recording {
    settings: RecordSettings,
    timeline: Arc<Timeline>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    /// The microphone is replaced by silence while set.
    mic_muted: Arc<AtomicBool>,
    failed: Arc<std::sync::Mutex<Option<CaptureError>>>,
    capture_threads: Vec<JoinHandle<()>>,
    encode_threads: Vec<JoinHandle<()>>,
    mux_thread: Option<JoinHandle<()>>,
    size: (u32, u32),
    has_audio: bool,
}

/// Lowers the calling thread's priority by `nice` (Linux: per thread, inherited by the threads
/// it starts). A refusal only costs smoothness, so it is logged, not fatal.
fn lower_priority(nice: i32) {
    if nice <= 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a plain syscall; on Linux `PRIO_PROCESS` with `who == 0` is the calling thread.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) } != 0 {
            tracing::debug!(
                "cannot lower the encoder's priority: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Opens the microphone and, when asked, the system audio monitor.
fn open_audio_inputs(settings: &RecordSettings) -> Result<Vec<AudioInput>> {
    let mut inputs = Vec::new();
    if let Some(name) = mic::device_name(&settings.mic)? {
        inputs.push(AudioInput::open(&name, 0)?);
    }
    if settings.system_audio {
        let source = settings
            .system_audio_source
            .as_deref()
            .unwrap_or("@DEFAULT_MONITOR@");
        inputs.push(AudioInput::open(source, inputs.len())?);
    }
    Ok(inputs)
}

/// The screen source and an encoder for it.
struct OpenVideo {
    source: Box<dyn ScreenSource>,
    encoder: VideoEncoder,
    /// The encoded picture's size (the source's, scaled down to `max_width`).
    size: (u32, u32),
}

/// Opens the screen source and an encoder for its size.
///
/// Where the size is known before the source opens (a Wayland region, or the monitor the portal
/// shared last time), the encoder opens meanwhile: libx264 takes 30–45 ms at 1080p, time the
/// portal spends waiting on the desktop anyway. A guess that proves wrong is thrown away.
fn open_video(settings: &RecordSettings) -> Result<OpenVideo> {
    let tokens = settings.portal_tokens.as_deref();
    let expected = screen::expected(&settings.source, settings.backend(), tokens);
    std::thread::scope(|scope| {
        let early = match expected {
            Some(guess) => Some((guess, spawn_encoder_open(scope, settings, guess)?)),
            None => None,
        };
        let source = screen::open(&settings.source, settings.fps, settings.backend(), tokens)?;
        let actual = (source.format(), source.size());
        let opened = |h: std::thread::ScopedJoinHandle<'_, Result<VideoEncoder>>| {
            h.join()
                .unwrap_or(Err(CaptureError::WorkerDied("video-open")))
        };
        let encoder = match early {
            Some((guess, h)) if guess == actual => opened(h)?,
            Some((guess, h)) => {
                tracing::debug!(?guess, ?actual, "the screen is not the size expected");
                drop(opened(h));
                opened(spawn_encoder_open(scope, settings, actual)?)?
            }
            None => opened(spawn_encoder_open(scope, settings, actual)?)?,
        };
        let size = video::output_size(actual.1.0, actual.1.1, settings.max_width);
        Ok(OpenVideo {
            source,
            encoder,
            size,
        })
    })
}

/// Opens an encoder for pictures of `format` and size on its own thread (`video-open`), which
/// first lowers its priority so that x264's workers inherit it.
fn spawn_encoder_open<'s, 'e>(
    scope: &'s std::thread::Scope<'s, 'e>,
    settings: &'e RecordSettings,
    (format, src): (PixelFormat, (u32, u32)),
) -> Result<std::thread::ScopedJoinHandle<'s, Result<VideoEncoder>>> {
    std::thread::Builder::new()
        .name("video-open".into())
        .spawn_scoped(scope, move || {
            lower_priority(settings.encoder_nice);
            VideoEncoder::open(
                (format.ffmpeg(), src),
                video::output_size(src.0, src.1, settings.max_width),
                ffmpeg_next::Rational::new(1, settings.fps as i32),
                settings.fps,
                video::Rate::Quality(&settings.profile),
            )
        })
        .map_err(|_| CaptureError::WorkerDied("video-open"))
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|_| CaptureError::WorkerDied("starting"))
}

fn check_writable(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(CaptureError::OutputNotWritable {
            path: path.to_owned(),
            reason: format!("the folder {} does not exist", dir.display()),
        });
    }
    Ok(())
}

/// How long an unmuted microphone may give only silence before the user is told.
pub const SILENT_MIC_WARNING: Duration = Duration::from_secs(5);

impl Recording {
    /// Checks every input, opens the devices and starts recording.
    pub fn start(mut settings: RecordSettings) -> Result<Self> {
        ff::init();
        // Only the audio-encode thread holds the tap, so its listener sees it close at the end.
        let sound_tap = settings.sound_tap.take();
        check_writable(&settings.out)?;
        let t0 = Instant::now();

        // The sound inputs open on their own thread while the screen and the video encoder
        // open here: the hotkey press waits for the slower of the two, not both.
        let (audio_inputs, video) = std::thread::scope(|scope| {
            let audio = std::thread::Builder::new()
                .name("audio-open".into())
                .spawn_scoped(scope, || open_audio_inputs(&settings))
                .map_err(|_| CaptureError::WorkerDied("audio-open"))?;
            let video = open_video(&settings);
            let audio = audio
                .join()
                .unwrap_or(Err(CaptureError::WorkerDied("audio-open")));
            Ok::<_, CaptureError>((audio?, video?))
        })?;
        let OpenVideo {
            source,
            encoder: video_encoder,
            size,
        } = video;
        tracing::debug!(elapsed = ?t0.elapsed(), "recording: devices and encoders open");
        let audio_encoder = if audio_inputs.is_empty() {
            None
        } else {
            Some(AudioEncoder::open(settings.profile.audio_kbps)?)
        };
        let muxer = Muxer::create(
            &settings.partial_path(),
            video_encoder.parameters(),
            audio_encoder.as_ref().map(AudioEncoder::parameters),
        )?;

        let timeline = Arc::new(Timeline::new(Instant::now()));
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mic_muted = Arc::new(AtomicBool::new(settings.mic_muted));
        let failed = Arc::new(std::sync::Mutex::new(None));
        let fail = {
            let failed = failed.clone();
            let stop = stop.clone();
            move |e: CaptureError| {
                tracing::error!(error = %e, "recording pipeline failed");
                failed.lock().unwrap().get_or_insert(e);
                stop.store(true, Ordering::Relaxed);
            }
        };

        let (packet_tx, packet_rx) = sync_channel(PACKET_QUEUE);
        let (frame_tx, frame_rx) = sync_channel(FRAME_QUEUE);
        let mut capture_threads = Vec::new();
        let mut encode_threads = Vec::new();

        let has_audio = audio_encoder.is_some();
        if let Some(encoder) = audio_encoder {
            let (chunk_tx, chunk_rx) = sync_channel(AUDIO_QUEUE);
            let inputs = audio_inputs.len();
            for input in audio_inputs {
                let name = if input.index == 0 {
                    "mic-capture"
                } else {
                    "system-audio-capture"
                };
                let (tl, tx, st, stats, fail, muted) = (
                    timeline.clone(),
                    chunk_tx.clone(),
                    stop.clone(),
                    stats.clone(),
                    fail.clone(),
                    mic_muted.clone(),
                );
                capture_threads.push(spawn(name, move || {
                    if let Err(e) = input.run(tl, tx, st, stats, muted) {
                        fail(e);
                    }
                })?);
            }
            drop(chunk_tx);
            let (tx, fail) = (packet_tx.clone(), fail.clone());
            let tap = sound_tap.map(|t| TapFeed::new(t, stats.clone()));
            encode_threads.push(spawn("audio-encode", move || {
                if let Err(e) = encoder.run(inputs, chunk_rx, tx, tap) {
                    fail(e);
                }
            })?);
        }
        {
            let (tl, st, stats, fail, fps) = (
                timeline.clone(),
                stop.clone(),
                stats.clone(),
                fail.clone(),
                settings.fps,
            );
            capture_threads.push(spawn("screen-capture", move || {
                if let Err(e) = screen::run_capture(source, fps, tl, frame_tx, st, stats) {
                    fail(e);
                }
            })?);
        }
        {
            let (tx, stats, fail, fps) = (packet_tx, stats.clone(), fail.clone(), settings.fps);
            let nice = settings.encoder_nice;
            encode_threads.push(spawn("video-encode", move || {
                lower_priority(nice);
                if let Err(e) = video_encoder.run(fps, frame_rx, tx, stats) {
                    fail(e);
                }
            })?);
        }
        let mux_thread = {
            let (stats, tl, partial) = (stats.clone(), timeline.clone(), settings.partial_path());
            spawn("mux", move || {
                if let Err(e) = muxer.run(packet_rx, stats) {
                    let kept = partial.clone();
                    let recorded_secs = tl.elapsed(Instant::now()).as_secs_f64();
                    fail(if ff::is_disk_full(&e) {
                        CaptureError::DiskFull {
                            kept,
                            recorded_secs,
                        }
                    } else {
                        CaptureError::OutputNotWritable {
                            path: kept,
                            reason: e.to_string(),
                        }
                    });
                }
            })?
        };
        tracing::info!(
            width = size.0,
            height = size.1,
            fps = settings.fps,
            audio = has_audio,
            "recording started"
        );
        Ok(Self {
            settings,
            timeline,
            stats,
            stop,
            mic_muted,
            failed,
            capture_threads,
            encode_threads,
            mux_thread: Some(mux_thread),
            size,
            has_audio,
        })
    }

    /// Pauses: nothing is recorded until [`Recording::resume`]; the span is cut out.
    /// Mutes or unmutes the microphone: while muted it records silence (the sound track and
    /// system audio go on).
    pub fn set_mic_muted(&self, muted: bool) {
        self.mic_muted.store(muted, Ordering::Relaxed);
    }

    pub fn is_mic_muted(&self) -> bool {
        self.mic_muted.load(Ordering::Relaxed)
    }

    pub fn pause(&self) -> bool {
        self.timeline.pause(Instant::now())
    }

    pub fn resume(&self) -> bool {
        self.timeline.resume(Instant::now())
    }

    pub fn is_paused(&self) -> bool {
        self.timeline.is_paused()
    }

    /// Recorded length so far (pauses excluded).
    pub fn elapsed(&self) -> Duration {
        self.timeline.elapsed(Instant::now())
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// After [`SILENT_MIC_WARNING`] of nothing but silence from an unmuted microphone: what
    /// to tell the user ("no sound from … — check the input or choose another"). `None` while
    /// the microphone gives sound, is muted, or there is none.
    pub fn silent_mic(&self) -> Option<String> {
        let mic = match &self.settings.mic {
            Mic::None => return None,
            Mic::Default => "the default microphone".to_owned(),
            Mic::Named(name) => name.clone(),
        };
        let secs = self.stats.mic_silent_secs();
        (self.has_audio && secs >= SILENT_MIC_WARNING.as_secs_f64()).then(|| {
            format!(
                "no sound from {mic} for {secs:.0} s — check the input (is it plugged in, turned up, not muted on the device?) or choose another microphone"
            )
        })
    }

    /// The file being written now (fragmented, playable even after a crash).
    pub fn partial_path(&self) -> PathBuf {
        self.settings.partial_path()
    }

    /// True once the pipeline has stopped by itself (a full disk, a lost device).
    pub fn has_failed(&self) -> bool {
        self.failed.lock().unwrap().is_some()
    }

    fn shut_down(&mut self) -> Duration {
        let elapsed = self.elapsed();
        self.stop.store(true, Ordering::Relaxed);
        for t in self
            .capture_threads
            .drain(..)
            .chain(self.encode_threads.drain(..))
        {
            let _ = t.join();
        }
        if let Some(t) = self.mux_thread.take() {
            let _ = t.join();
        }
        elapsed
    }

    /// Stops, writes the finished clip (index first) and removes the fragmented file.
    ///
    /// If the pipeline failed, the fragmented file is kept and the error says where it is.
    pub fn stop(mut self) -> Result<Finished> {
        let elapsed = self.shut_down();
        if let Some(e) = self.failed.lock().unwrap().take() {
            return Err(e);
        }
        let partial = self.settings.partial_path();
        let out = self.settings.out.clone();
        mux::finalize(&partial, &out)?;
        let _ = std::fs::remove_file(&partial);
        let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        let s = &self.stats;
        Ok(Finished {
            path: out,
            duration_secs: elapsed.as_secs_f64(),
            bytes,
            width: self.size.0,
            height: self.size.1,
            frames_captured: s.frames_captured.load(Ordering::Relaxed),
            frames_encoded: s.frames_encoded.load(Ordering::Relaxed),
            frames_unchanged: s.frames_unchanged.load(Ordering::Relaxed),
            dropped_frames: s.frames_dropped.load(Ordering::Relaxed),
            audio_dropouts: s.audio_dropouts.load(Ordering::Relaxed),
            tap_dropped_secs: s.tap_dropped_blocks.load(Ordering::Relaxed) as f64
                * crate::tap::BLOCK_SAMPLES as f64
                / f64::from(crate::tap::TAP_RATE),
            has_audio: self.has_audio,
        })
    }

    /// Stops and deletes everything recorded.
    pub fn discard(mut self) {
        self.shut_down();
        let _ = std::fs::remove_file(self.settings.partial_path());
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.shut_down();
    }
}
