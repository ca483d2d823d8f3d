//! Playing a clip: decoding on its own thread, pictures handed to whoever draws them, sound to
//! an output, speeds 1×–2× with the pitch kept (FFmpeg's `atempo`), video slaved to the audio
//! clock. Knows nothing of how pictures are drawn.
//!
//! ```text
//! player-decode ─ VideoFrame (bounded) ─▶ frame_to_show()  (the UI's thread)
//!               └ samples (bounded ring) ─▶ player-audio (a device, or real-time silence)
//!                                             └ the clock: samples played × speed
//! ```

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ffmpeg_next as ffmpeg;

use crate::clip::{self, Decoder, VideoFrame};
use crate::error::{CaptureError, Result};
use crate::ff;

/// The speeds a viewer can choose.
pub const SPEEDS: [f32; 4] = [1.0, 1.25, 1.5, 2.0];
/// Output sample rate and channels.
pub const OUT_RATE: u32 = 48_000;
const OUT_CHANNELS: usize = 2;
/// Sound decoded ahead of the output: a quarter of a second.
const RING_FRAMES: usize = OUT_RATE as usize / 4;
/// Pictures decoded ahead.
const FRAME_QUEUE: usize = 6;
/// Pictures decoded ahead before the sound (and so the clock) starts after opening or a seek:
/// the first pictures of a clip decode slower than the sound, and a clock already running
/// would pass them by.
const PREROLL_FRAMES: usize = 3;

/// Start again from `at` seconds at `speed`.
struct Restart {
    at: f64,
    speed: f32,
}

/// The playback clock: where in the clip we are, advanced by the sound actually played.
#[derive(Debug)]
struct Clock {
    /// Media position (µs) when the current run of samples began.
    base_micros: AtomicU64,
    /// Output frames played since then.
    played: AtomicU64,
    speed_bits: AtomicU64,
    paused: AtomicBool,
    /// The last chunk handed to the output (frames) and when (µs since `epoch`): a device
    /// plays in chunks of tens of milliseconds, and the clock moves through each chunk
    /// smoothly instead of jumping by a whole chunk at a time.
    chunk: AtomicU64,
    chunk_at_micros: AtomicU64,
    /// When the first chunk since the last rebase is heard (µs since `epoch`; 0: not yet). A
    /// device takes its first chunks in a burst to fill its buffer; the clock never runs ahead
    /// of the time since this moment.
    started_at_micros: AtomicU64,
    epoch: Instant,
}

impl Clock {
    fn position(&self) -> f64 {
        let speed = f64::from_bits(self.speed_bits.load(Ordering::Relaxed));
        let played = self.played.load(Ordering::Relaxed);
        let chunk = self.chunk.load(Ordering::Relaxed).min(played);
        let chunk_secs = chunk as f64 / f64::from(OUT_RATE);
        let into_chunk = if self.paused.load(Ordering::Relaxed) {
            chunk_secs
        } else {
            // Negative until the chunk is heard: what was handed to the device before it is
            // still in the device's buffer (its latency), not yet in anyone's ears.
            let heard_at = self.chunk_at_micros.load(Ordering::Relaxed) as f64 / 1e6;
            (self.epoch.elapsed().as_secs_f64() - heard_at).min(chunk_secs)
        };
        let mut heard = ((played - chunk) as f64 / f64::from(OUT_RATE) + into_chunk).max(0.0);
        let started = self.started_at_micros.load(Ordering::Relaxed);
        if started > 0 && !self.paused.load(Ordering::Relaxed) {
            let since = self.epoch.elapsed().as_secs_f64() - started as f64 / 1e6;
            heard = heard.min(since.max(0.0));
        }
        self.base_micros.load(Ordering::Relaxed) as f64 / 1e6 + heard * speed
    }

    /// Counts `frames` handed to the output now, to be heard after `latency`.
    fn advance(&self, frames: u64, latency: Duration) {
        let heard_at = (self.epoch.elapsed() + latency).as_micros().max(1) as u64;
        self.chunk_at_micros.store(heard_at, Ordering::Relaxed);
        let _ = self.started_at_micros.compare_exchange(
            0,
            heard_at,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        self.chunk.store(frames, Ordering::Relaxed);
        self.played.fetch_add(frames, Ordering::Relaxed);
    }

    fn rebase(&self, at_secs: f64, speed: f32) {
        self.base_micros
            .store((at_secs.max(0.0) * 1e6) as u64, Ordering::Relaxed);
        self.played.store(0, Ordering::Relaxed);
        self.chunk.store(0, Ordering::Relaxed);
        self.started_at_micros.store(0, Ordering::Relaxed);
        self.speed_bits
            .store(f64::from(speed).to_bits(), Ordering::Relaxed);
    }
}

/// Decoded sound waiting for the output, interleaved stereo f32.
#[derive(Debug, Default)]
struct Ring {
    samples: Mutex<VecDeque<f32>>,
    room: Condvar,
}

impl Ring {
    /// Takes up to `n` frames; fewer when the decoder is behind.
    fn take(&self, out: &mut [f32]) -> usize {
        let mut q = self.samples.lock().unwrap();
        let n = out.len().min(q.len());
        for (o, s) in out.iter_mut().zip(q.drain(..n)) {
            *o = s;
        }
        self.room.notify_one();
        n
    }
}

struct Shared {
    clock: Clock,
    ring: Ring,
    stop: AtomicBool,
    eof: AtomicBool,
    /// Enough pictures are decoded ahead (`PREROLL_FRAMES`) for the sound to start.
    video_ready: AtomicBool,
    has_audio: bool,
    error: Mutex<Option<String>>,
    /// Everything the output played, when asked for (tests and measurements).
    tap: Mutex<Option<Vec<f32>>>,
    /// Why there is no sound, when there is none.
    no_sound: Mutex<Option<String>>,
}

/// Counts of what was shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlayerStats {
    pub frames_shown: u64,
    /// Pictures whose time passed before they could be shown.
    pub frames_dropped: u64,
}

/// A clip being played.
pub struct Player {
    shared: Arc<Shared>,
    frames: Receiver<VideoFrame>,
    control: SyncSender<Restart>,
    current: Option<VideoFrame>,
    next: Option<VideoFrame>,
    duration_secs: f64,
    size: (u32, u32),
    speed: f32,
    wall_anchor: Option<(Instant, f64)>,
    stats: PlayerStats,
    threads: Vec<JoinHandle<()>>,
}

impl Player {
    /// Opens a clip, paused at `start_secs`. Untrusted files end in an error here or later in
    /// [`Player::error`], never in a crash.
    pub fn open(path: &Path, max_width: u32, start_secs: f64) -> Result<Self> {
        ff::init();
        let info = clip::info(path)?;
        let decoder = Decoder::open(path, max_width)?;
        let size = decoder.size();
        let shared = Arc::new(Shared {
            clock: Clock {
                base_micros: AtomicU64::new(0),
                played: AtomicU64::new(0),
                speed_bits: AtomicU64::new(1f64.to_bits()),
                paused: AtomicBool::new(true),
                chunk: AtomicU64::new(0),
                chunk_at_micros: AtomicU64::new(0),
                started_at_micros: AtomicU64::new(0),
                epoch: Instant::now(),
            },
            ring: Ring::default(),
            stop: AtomicBool::new(false),
            eof: AtomicBool::new(false),
            video_ready: AtomicBool::new(false),
            has_audio: info.has_audio,
            error: Mutex::new(None),
            tap: Mutex::new(None),
            no_sound: Mutex::new(None),
        });
        shared.clock.rebase(start_secs, 1.0);
        let (frame_tx, frames) = sync_channel(FRAME_QUEUE);
        let (control, control_rx) = sync_channel(8);
        let mut threads = Vec::new();
        {
            let (shared, path, duration) = (shared.clone(), path.to_owned(), info.duration_secs);
            threads.push(
                std::thread::Builder::new()
                    .name("player-decode".into())
                    .spawn(move || {
                        decode_loop(
                            path, duration, decoder, start_secs, shared, frame_tx, control_rx,
                        )
                    })
                    .map_err(|_| CaptureError::WorkerDied("player-decode"))?,
            );
        }
        if info.has_audio {
            let shared = shared.clone();
            threads.push(
                std::thread::Builder::new()
                    .name("player-audio".into())
                    .spawn(move || output_loop(shared))
                    .map_err(|_| CaptureError::WorkerDied("player-audio"))?,
            );
        }
        Ok(Self {
            shared,
            frames,
            control,
            current: None,
            next: None,
            duration_secs: info.duration_secs,
            size,
            speed: 1.0,
            wall_anchor: None,
            stats: PlayerStats::default(),
            threads,
        })
    }

    pub fn duration_secs(&self) -> f64 {
        self.duration_secs
    }

    /// The size pictures come out at.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    pub fn speed(&self) -> f32 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.shared.clock.paused.load(Ordering::Relaxed)
    }

    /// Where playback is, in seconds of the clip.
    pub fn position_secs(&self) -> f64 {
        let p = match (self.shared.has_audio, self.wall_anchor) {
            (true, _) => self.shared.clock.position(),
            (false, Some((at, pos))) => pos + at.elapsed().as_secs_f64() * f64::from(self.speed),
            (false, None) => self.shared.clock.position(),
        };
        p.min(self.duration_secs)
    }

    /// True once everything that could be decoded has been played.
    pub fn finished(&mut self) -> bool {
        if self.next.is_none() {
            self.next = self.frames.try_recv().ok();
        }
        self.shared.eof.load(Ordering::Relaxed)
            && self.next.is_none()
            && self.shared.ring.samples.lock().unwrap().is_empty()
    }

    /// What went wrong while playing, in words (a broken file, a lost device).
    pub fn error(&self) -> Option<String> {
        self.shared.error.lock().unwrap().clone()
    }

    pub fn play(&mut self) {
        if self.is_paused() {
            self.wall_anchor = Some((Instant::now(), self.position_secs()));
            self.shared.clock.paused.store(false, Ordering::Relaxed);
        }
    }

    pub fn pause(&mut self) {
        let pos = self.position_secs();
        self.shared.clock.paused.store(true, Ordering::Relaxed);
        if !self.shared.has_audio {
            self.shared.clock.rebase(pos, self.speed);
            self.wall_anchor = None;
        }
    }

    pub fn toggle(&mut self) {
        if self.is_paused() {
            self.play()
        } else {
            self.pause()
        }
    }

    /// Jumps to `secs` (clamped to the clip).
    pub fn seek(&mut self, secs: f64) {
        let secs = secs.clamp(0.0, self.duration_secs.max(0.0));
        self.restart_at(secs);
    }

    /// Plays at `speed` (1×–2×) with the pitch kept.
    pub fn set_speed(&mut self, speed: f32) {
        let speed = speed.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]);
        self.speed = speed;
        let pos = self.position_secs();
        self.restart_at(pos);
    }

    fn restart_at(&mut self, secs: f64) {
        let paused = self.is_paused();
        self.shared.clock.paused.store(true, Ordering::Relaxed);
        self.shared.eof.store(false, Ordering::Relaxed);
        let _ = self.control.send(Restart {
            at: secs,
            speed: self.speed,
        });
        // Pictures decoded for the old position are no longer wanted.
        while self.frames.try_recv().is_ok() {}
        self.next = None;
        self.shared.clock.rebase(secs, self.speed);
        self.wall_anchor = (!paused).then(|| (Instant::now(), secs));
        self.shared.clock.paused.store(paused, Ordering::Relaxed);
    }

    /// The picture for now: advances past pictures whose time has come (those passed over
    /// without being shown count as dropped). Call it every time the UI draws.
    pub fn frame_to_show(&mut self) -> Option<&VideoFrame> {
        let now = self.position_secs();
        let mut advanced = 0u64;
        loop {
            if self.next.is_none() {
                self.next = self.frames.try_recv().ok();
            }
            let due = self
                .next
                .as_ref()
                .is_some_and(|f| f.pts_secs <= now + 0.005 || self.current.is_none());
            if !due {
                break;
            }
            self.current = self.next.take();
            advanced += 1;
        }
        if advanced > 0 {
            self.stats.frames_shown += 1;
            self.stats.frames_dropped += advanced - 1;
        }
        self.current.as_ref()
    }

    pub fn stats(&self) -> PlayerStats {
        self.stats
    }

    /// Why the clip plays without sound (no device, or sound switched off), if it does.
    pub fn no_sound(&self) -> Option<String> {
        self.shared.no_sound.lock().unwrap().clone()
    }

    /// Starts keeping a copy of every sample the output plays (stereo, 48 kHz).
    pub fn tap_audio(&self) {
        *self.shared.tap.lock().unwrap() = Some(Vec::new());
    }

    /// The samples played since [`Player::tap_audio`].
    pub fn tapped_audio(&self) -> Vec<f32> {
        self.shared.tap.lock().unwrap().clone().unwrap_or_default()
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.ring.room.notify_all();
        while self.frames.try_recv().is_ok() {}
        for t in self.threads.drain(..) {
            // The decoder may be blocked on a full queue: keep emptying it until it notices.
            while !t.is_finished() {
                while self.frames.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_millis(2));
            }
            let _ = t.join();
        }
    }
}

/// The sound side of a clip: decoded, sped up with the pitch kept, as 48 kHz stereo f32.
struct AudioReader {
    input: ffmpeg::format::context::Input,
    index: usize,
    time_base: ffmpeg::Rational,
    decoder: ffmpeg::decoder::Audio,
    graph: Option<ffmpeg::filter::Graph>,
    speed: f32,
    skip_before: f64,
    draining: bool,
}

impl AudioReader {
    fn open(path: &Path) -> std::result::Result<Option<Self>, ffmpeg::Error> {
        let input = ffmpeg::format::input(path)?;
        let Some(stream) = input.streams().best(ffmpeg::media::Type::Audio) else {
            return Ok(None);
        };
        let (index, time_base) = (stream.index(), stream.time_base());
        let decoder = ffmpeg::codec::context::Context::from_parameters(stream.parameters())?
            .decoder()
            .audio()?;
        Ok(Some(Self {
            input,
            index,
            time_base,
            decoder,
            graph: None,
            speed: 1.0,
            skip_before: 0.0,
            draining: false,
        }))
    }

    fn restart(&mut self, at: f64, speed: f32) -> std::result::Result<(), ffmpeg::Error> {
        let ts = (at.max(0.0) * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        self.input.seek(ts, ..ts + 1)?;
        self.decoder.flush();
        self.graph = None;
        self.speed = speed;
        self.skip_before = at;
        self.draining = false;
        Ok(())
    }

    fn graph_for(
        &mut self,
        frame: &ffmpeg::frame::Audio,
    ) -> std::result::Result<&mut ffmpeg::filter::Graph, ffmpeg::Error> {
        if self.graph.is_none() {
            let mut g = ffmpeg::filter::Graph::new();
            let abuffer = ffmpeg::filter::find("abuffer").ok_or(ffmpeg::Error::FilterNotFound)?;
            let sink = ffmpeg::filter::find("abuffersink").ok_or(ffmpeg::Error::FilterNotFound)?;
            g.add(&abuffer, "in", &ff::abuffer_args(frame, self.time_base))?;
            g.add(&sink, "out", "")?;
            g.output("in", 0)?.input("out", 0)?.parse(&format!(
                "atempo={},aresample={OUT_RATE},aformat=sample_fmts=flt:channel_layouts=stereo",
                self.speed
            ))?;
            g.validate()?;
            self.graph = Some(g);
        }
        Ok(self.graph.as_mut().expect("built above"))
    }

    fn drain_graph(&mut self, ring: &Ring) {
        let Some(g) = self.graph.as_mut() else { return };
        let Some(mut out) = g.get("out") else { return };
        let mut filtered = ffmpeg::frame::Audio::empty();
        while out.sink().frame(&mut filtered).is_ok() {
            let n = filtered.samples() * OUT_CHANNELS;
            let data: &[f32] = &filtered.plane::<f32>(0)[..n.min(filtered.plane::<f32>(0).len())];
            ring.samples.lock().unwrap().extend(data.iter().copied());
        }
    }

    /// Decodes some sound into the ring; true at the end of the clip.
    fn produce(&mut self, ring: &Ring) -> std::result::Result<bool, ffmpeg::Error> {
        let mut frame = ffmpeg::frame::Audio::empty();
        loop {
            if self.decoder.receive_frame(&mut frame).is_ok() {
                let pts = frame.timestamp().or(frame.pts()).unwrap_or(0);
                let secs = pts as f64 * f64::from(self.time_base);
                let len = frame.samples() as f64 / f64::from(frame.rate().max(1));
                if secs + len <= self.skip_before {
                    continue; // before the seek target
                }
                let g = self.graph_for(&frame)?;
                if let Some(mut src) = g.get("in") {
                    src.source().add(&frame)?;
                }
                self.drain_graph(ring);
                return Ok(false);
            }
            if self.draining {
                if let Some(mut src) = self.graph.as_mut().and_then(|g| g.get("in")) {
                    let _ = src.source().flush();
                }
                self.drain_graph(ring);
                return Ok(true);
            }
            let mut packet = ffmpeg::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.index => {
                    let _ = self.decoder.send_packet(&packet);
                }
                Ok(()) => {}
                Err(ffmpeg::Error::Eof) => {
                    self.draining = true;
                    let _ = self.decoder.send_eof();
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn fail(shared: &Shared, what: String) {
    tracing::warn!(error = %what, "playback stopped");
    shared.error.lock().unwrap().get_or_insert(what);
    shared.eof.store(true, Ordering::Relaxed);
}

/// Decodes pictures and sound ahead of the clock until told to stop.
fn decode_loop(
    path: PathBuf,
    duration: f64,
    mut video: Decoder,
    start: f64,
    shared: Arc<Shared>,
    frames: SyncSender<VideoFrame>,
    control: Receiver<Restart>,
) {
    let mut audio = match AudioReader::open(&path) {
        Ok(a) => a,
        Err(e) => {
            fail(
                &shared,
                format!("{} has sound that cannot be read ({e})", path.display()),
            );
            None
        }
    };
    let mut restart = Some(Restart {
        at: start,
        speed: 1.0,
    });
    let mut pending: Option<VideoFrame> = None;
    let mut sent_since_restart = 0usize;
    let (mut video_done, mut audio_done) = (false, audio.is_none());
    while !shared.stop.load(Ordering::Relaxed) {
        if let Ok(r) = control.try_recv() {
            restart = Some(r);
            while let Ok(r) = control.try_recv() {
                restart = Some(r);
            }
        }
        if let Some(r) = restart.take() {
            shared.video_ready.store(false, Ordering::Relaxed);
            sent_since_restart = 0;
            shared.ring.samples.lock().unwrap().clear();
            pending = None;
            if let Err(e) = video.seek(r.at) {
                fail(&shared, e.to_string());
            }
            if let Some(a) = audio.as_mut()
                && let Err(e) = a.restart(r.at, r.speed)
            {
                fail(&shared, format!("cannot seek in the sound ({e})"));
            }
            video_done = false;
            audio_done = audio.is_none();
            shared.eof.store(false, Ordering::Relaxed);
        }
        let mut worked = false;
        if pending.is_none() && !video_done {
            match video.next_frame() {
                Ok(Some(f)) => pending = Some(f),
                Ok(None) => video_done = true,
                Err(e) => {
                    fail(&shared, e.to_string());
                    video_done = true;
                }
            }
            worked = true;
        }
        if let Some(f) = pending.take() {
            match frames.try_send(f) {
                Ok(()) => {
                    worked = true;
                    sent_since_restart += 1;
                }
                Err(TrySendError::Full(f)) => pending = Some(f),
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
        if (sent_since_restart >= PREROLL_FRAMES || video_done)
            && !shared.video_ready.swap(true, Ordering::Relaxed)
        {
            tracing::trace!(sent_since_restart, "player: pictures ready, sound starts");
        }
        let room = shared.ring.samples.lock().unwrap().len() < RING_FRAMES * OUT_CHANNELS;
        if let (Some(a), false, true) = (audio.as_mut(), audio_done, room) {
            match a.produce(&shared.ring) {
                Ok(done) => audio_done = done,
                Err(e) => {
                    fail(&shared, format!("the sound stopped decoding ({e})"));
                    audio_done = true;
                }
            }
            worked = true;
        }
        if video_done
            && audio_done
            && pending.is_none()
            && !shared.eof.swap(true, Ordering::Relaxed)
        {
            let end = video.last_pts();
            if end + 1.0 < duration {
                fail(
                    &shared,
                    format!(
                        "{} ends at {end:.1} s of its {duration:.1} s: the file is incomplete (an interrupted download or copy?)",
                        path.display()
                    ),
                );
            }
        }
        if !worked {
            std::thread::sleep(Duration::from_millis(3));
        }
    }
}

/// Moves played sound from the ring to `out` (silence for what is missing) and advances the
/// clock by what was really played: an underrun (decoder behind, or the end) stops the clock.
/// `latency`: how long until the device plays what it is handed now.
fn play_into(shared: &Shared, out: &mut [f32], latency: Duration) {
    if shared.clock.paused.load(Ordering::Relaxed) || !shared.video_ready.load(Ordering::Relaxed) {
        out.fill(0.0);
        return;
    }
    let got = shared.ring.take(out);
    out[got..].fill(0.0);
    shared.clock.advance((got / OUT_CHANNELS) as u64, latency);
    if let Some(tap) = shared.tap.lock().unwrap().as_mut() {
        tap.extend_from_slice(&out[..got]);
    }
}

/// Opens the default sound output at 48 kHz stereo.
fn open_device(shared: &Arc<Shared>) -> std::result::Result<cpal::Stream, String> {
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    if std::env::var_os("CLIPNOTE_NO_SOUND").is_some() {
        return Err("sound is off (CLIPNOTE_NO_SOUND)".into());
    }
    let device = cpal::default_host()
        .default_output_device()
        .ok_or("no sound output device")?;
    let config = cpal::StreamConfig {
        channels: OUT_CHANNELS as u16,
        sample_rate: cpal::SampleRate(OUT_RATE),
        buffer_size: cpal::BufferSize::Default,
    };
    let for_callback = shared.clone();
    let stream = device
        .build_output_stream(
            &config,
            move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
                let when = info.timestamp();
                let latency = when
                    .playback
                    .duration_since(&when.callback)
                    .unwrap_or_default();
                play_into(&for_callback, data, latency);
            },
            |e| tracing::warn!(error = %e, "sound output failed"),
            None,
        )
        .map_err(|e| e.to_string())?;
    stream.play().map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Plays the ring on the sound device; with no device, plays it into silence at the device's
/// pace so the clock (and the pictures) behave the same.
fn output_loop(shared: Arc<Shared>) {
    let device = open_device(&shared);
    if let Err(reason) = &device {
        tracing::info!(%reason, "playing without sound");
        *shared.no_sound.lock().unwrap() = Some(reason.clone());
    }
    let tick = Duration::from_millis(10);
    let mut last = Instant::now();
    let mut owed = 0.0f64;
    let mut buf = vec![0f32; OUT_RATE as usize / 10 * OUT_CHANNELS];
    while !shared.stop.load(Ordering::Relaxed) {
        std::thread::sleep(tick);
        if device.is_ok() {
            continue; // the device's callback plays and keeps time
        }
        let now = Instant::now();
        owed += (now - last).as_secs_f64() * f64::from(OUT_RATE);
        last = now;
        let frames = (owed.floor() as usize).min(buf.len() / OUT_CHANNELS);
        let before = shared.clock.played.load(Ordering::Relaxed);
        play_into(&shared, &mut buf[..frames * OUT_CHANNELS], Duration::ZERO);
        let played = shared.clock.played.load(Ordering::Relaxed) - before;
        owed = (owed - played as f64).min(f64::from(OUT_RATE) / 50.0);
        if shared.clock.paused.load(Ordering::Relaxed) {
            owed = 0.0;
        }
    }
}
