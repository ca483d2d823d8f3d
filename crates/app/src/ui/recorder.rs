//! The recorder worker: owns the [`capture::Recording`] on its own named thread, so starting
//! (opening the microphone can take a second) and stopping (finalising the file) never block
//! the UI. Commands come in on a bounded channel; events go back on another, and every event
//! wakes the UI with `request_repaint`.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::Duration;

use capture::{Finished, RecordSettings, Recording};

use crate::live_transcript::{self, LiveTranscriber};

/// What the UI asks the recorder to do.
#[derive(Debug)]
pub enum Command {
    Start(Box<RecordSettings>),
    Pause,
    Resume,
    /// Record the microphone as silence (`true`) or as it is.
    Mute(bool),
    /// Stop and keep the clip.
    Stop,
    /// Stop and delete everything recorded.
    Discard,
}

/// What the recorder reports.
#[derive(Debug)]
pub enum Event {
    /// The devices are open and frames are flowing into the fragmented file.
    Started,
    /// A few times a second while recording.
    Tick {
        elapsed_secs: f64,
        mic_level: f32,
        paused: bool,
        bytes: u64,
        /// What the user should know before the recording is wasted (a silent microphone, a
        /// disk about to fill).
        warnings: Vec<String>,
    },
    /// Stopping (finalising the file) has begun.
    Stopping,
    Finished(Finished),
    /// Something to tell the user once that does not stop anything (no speech model, a
    /// transcript that may be incomplete).
    Notice(String),
    Discarded,
    /// Starting or recording failed; the message names the fix.
    Failed(String),
}

/// The UI's end of the worker.
pub type Handle = super::worker::Handle<Command, Event>;

impl Handle {
    /// Starts the worker thread. `wake` is called after every event (the UI's `request_repaint`).
    pub fn spawn(wake: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        Self::start("ui-recorder", 8, 64, move |commands, tx| {
            run(&commands, &Sink { tx, wake });
        })
    }

    /// At exit: stops a recording under way and waits (at most `limit`) until its clip is
    /// finalised, so closing the window never loses a recording.
    pub fn stop_and_wait(&self, limit: Duration) {
        if !self.send(Command::Stop) {
            return;
        }
        let deadline = std::time::Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(Event::Finished(_) | Event::Failed(_) | Event::Discarded) | Err(_) => return,
                Ok(_) => {}
            }
        }
    }
}

struct Sink<W> {
    tx: SyncSender<Event>,
    wake: W,
}

impl<W: Fn()> Sink<W> {
    /// Sends an event that must arrive (blocks while the UI's queue is full).
    fn send(&self, event: Event) -> bool {
        let ok = self.tx.send(event).is_ok();
        (self.wake)();
        ok
    }

    /// Sends a tick; a full queue drops it (the next one replaces it).
    fn tick(&self, event: Event) -> bool {
        match self.tx.try_send(event) {
            Ok(()) | Err(TrySendError::Full(_)) => {
                (self.wake)();
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

const TICK: Duration = Duration::from_millis(100);

/// The live transcriber for a recording, per the config file; says once per session when
/// there is none for a reason the user can fix.
fn start_transcriber<W: Fn()>(
    settings: &mut RecordSettings,
    told: &mut bool,
    sink: &Sink<W>,
) -> Option<LiveTranscriber> {
    let file = crate::config::load().unwrap_or_default();
    let plan = live_transcript::Plan::from_config(&file);
    match live_transcript::start(settings, &plan) {
        Ok(t) => Some(t),
        Err(off) => {
            tracing::info!(?off, "recording: no live transcript");
            if let Some(message) = off.message().filter(|_| !*told) {
                *told = true;
                sink.send(Event::Notice(message));
            }
            None
        }
    }
}

fn run<W: Fn()>(commands: &Receiver<Command>, sink: &Sink<W>) {
    let mut told_no_transcript = false;
    while let Ok(command) = commands.recv() {
        let Command::Start(settings) = command else {
            continue; // nothing is recording: pause/stop/discard mean nothing
        };
        let mut settings = *settings;
        tracing::info!(out = %settings.out.display(), "recording: starting");
        if let Err(e) = crate::disk::room_to_record(crate::disk::folder_of(&settings.out)) {
            tracing::info!("recording: refused: {}", e.message);
            if !sink.send(Event::Failed(e.message)) {
                return;
            }
            continue;
        }
        let transcriber = start_transcriber(&mut settings, &mut told_no_transcript, sink);
        let recording = match Recording::start(settings) {
            Ok(r) => r,
            Err(e) => {
                tracing::info!("recording: failed to start: {e}");
                if !sink.send(Event::Failed(e.to_string())) {
                    return;
                }
                continue;
            }
        };
        tracing::info!(partial = %recording.partial_path().display(), "recording: started");
        // For `cargo xtask bench app` (hotkey → first captured frame): say when one arrived.
        let started = std::time::Instant::now();
        while recording
            .stats()
            .frames_captured
            .load(std::sync::atomic::Ordering::Relaxed)
            == 0
            && started.elapsed() < Duration::from_secs(2)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        tracing::info!(
            waited_ms = started.elapsed().as_millis() as u64,
            "recording: first frame"
        );
        if !sink.send(Event::Started) {
            recording.discard();
            return;
        }
        if !record(recording, transcriber, commands, sink) {
            return;
        }
    }
}

/// Runs one recording until stop or discard; `false` when the UI has gone away.
fn record<W: Fn()>(
    recording: Recording,
    transcriber: Option<LiveTranscriber>,
    commands: &Receiver<Command>,
    sink: &Sink<W>,
) -> bool {
    let mut watch = crate::recording_watch::Watch::new(&recording);
    loop {
        match commands.recv_timeout(TICK) {
            Ok(Command::Pause) => {
                recording.pause();
                tracing::info!("recording: paused");
            }
            Ok(Command::Resume) => {
                recording.resume();
                tracing::info!("recording: resumed");
            }
            Ok(Command::Mute(muted)) => {
                recording.set_mic_muted(muted);
                tracing::info!(muted, "recording: microphone");
            }
            Ok(Command::Start(_)) => {} // already recording
            Ok(Command::Discard) => {
                recording.discard();
                tracing::info!("recording: discarded");
                return sink.send(Event::Discarded);
            }
            // The app went away: keep what was recorded.
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => {
                return finish(recording, transcriber, sink);
            }
            Err(RecvTimeoutError::Timeout) => {
                if recording.has_failed() {
                    return finish(recording, transcriber, sink);
                }
                let alive = sink.tick(Event::Tick {
                    elapsed_secs: recording.elapsed().as_secs_f64(),
                    mic_level: recording.stats().mic_level(),
                    paused: recording.is_paused(),
                    bytes: recording.stats().bytes(),
                    warnings: watch
                        .warnings(&recording)
                        .into_iter()
                        .map(|w| w.text)
                        .collect(),
                });
                if !alive {
                    finish(recording, transcriber, sink);
                    return false;
                }
            }
        }
    }
}

/// Stops, waits for the transcript's tail (so Review opens with it beside the clip), and
/// reports the clip.
fn finish<W: Fn()>(
    recording: Recording,
    transcriber: Option<LiveTranscriber>,
    sink: &Sink<W>,
) -> bool {
    tracing::info!("recording: stopping");
    sink.tick(Event::Stopping);
    let stopped = std::time::Instant::now();
    match recording.stop() {
        Ok(finished) => {
            if let Some(t) = transcriber {
                let report = live_transcript::Report::of(t.finish(), &finished, stopped);
                tracing::info!(
                    ready_after_stop_secs = report.ready_after_stop_secs,
                    words = report.words,
                    "recording: transcript"
                );
                if let Some(problem) = report.problem {
                    sink.send(Event::Notice(problem));
                }
            }
            tracing::info!(
                clip = %finished.path.display(),
                duration_secs = finished.duration_secs,
                bytes = finished.bytes,
                dropped_frames = finished.dropped_frames,
                "recording: finished"
            );
            sink.send(Event::Finished(finished))
        }
        Err(e) => {
            tracing::info!("recording: failed: {e}");
            sink.send(Event::Failed(e.to_string()))
        }
    }
}
