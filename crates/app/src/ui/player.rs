//! The review player: decodes the clip on a named worker thread (`capture::clip::Decoder`,
//! scaled for the window) and hands RGBA frames to the UI on a bounded channel of two, paced
//! by their timestamps. The UI uploads each into one texture. No sound yet.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use capture::clip::{Decoder, VideoFrame};

/// Frames are decoded at most this wide (the review window shows them smaller).
const MAX_WIDTH: u32 = 960;

#[derive(Debug)]
pub enum Command {
    /// Play from `from` until `until` (seconds).
    Play {
        from: f64,
        until: f64,
    },
    Pause,
    /// Show the frame at `secs` (and keep playing from there if playing).
    Seek(f64),
}

#[derive(Debug)]
pub enum Event {
    Frame(VideoFrame),
    /// Playing reached the end (or the trim's end).
    Ended,
    Failed(String),
}

pub struct Handle {
    tx: SyncSender<Command>,
    pub rx: Receiver<Event>,
}

impl Handle {
    pub fn spawn(path: PathBuf, wake: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let (tx, cmd_rx) = sync_channel(8);
        let (ev_tx, rx) = sync_channel(2);
        std::thread::Builder::new()
            .name("ui-player".into())
            .spawn(move || run(&path, &cmd_rx, &ev_tx, &wake))?;
        Ok(Self { tx, rx })
    }

    pub fn send(&self, command: Command) -> bool {
        self.tx.try_send(command).is_ok()
    }
}

/// The playing clock: which clip time is shown at which instant.
struct Clock {
    started: Instant,
    from: f64,
    until: f64,
}

fn run(
    path: &std::path::Path,
    commands: &Receiver<Command>,
    tx: &SyncSender<Event>,
    wake: &dyn Fn(),
) {
    let send = |event: Event| {
        let ok = tx.send(event).is_ok();
        wake();
        ok
    };
    let mut decoder = match Decoder::open(path, MAX_WIDTH) {
        Ok(d) => d,
        Err(e) => {
            send(Event::Failed(e.to_string()));
            return;
        }
    };
    // The first picture, so the player is not blank before Play.
    match decoder.next_frame() {
        Ok(Some(frame)) => {
            if !send(Event::Frame(frame)) {
                return;
            }
        }
        Ok(None) => {}
        Err(e) => {
            send(Event::Failed(e.to_string()));
            return;
        }
    }
    let mut clock: Option<Clock> = None;
    loop {
        let command = if clock.is_some() {
            match commands.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            }
        } else {
            match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        };
        if let Some(command) = command {
            if !apply(command, &mut decoder, &mut clock, &send) {
                return;
            }
            continue;
        }
        let Some(c) = &clock else { continue };
        let frame = match decoder.next_frame() {
            Ok(Some(f)) if f.pts_secs <= c.until => f,
            Ok(_) => {
                clock = None;
                if !send(Event::Ended) {
                    return;
                }
                continue;
            }
            Err(e) => {
                clock = None;
                if !send(Event::Failed(e.to_string())) {
                    return;
                }
                continue;
            }
        };
        // Wait for the frame's moment, still listening: a command supersedes this frame.
        let due = c.started + Duration::from_secs_f64((frame.pts_secs - c.from).max(0.0));
        let wait = due.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            match commands.recv_timeout(wait) {
                Ok(command) => {
                    if !apply(command, &mut decoder, &mut clock, &send) {
                        return;
                    }
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if !send(Event::Frame(frame)) {
            return;
        }
    }
}

/// Carries out one command; `false` when the UI has gone away.
fn apply(
    command: Command,
    decoder: &mut Decoder,
    clock: &mut Option<Clock>,
    send: &dyn Fn(Event) -> bool,
) -> bool {
    let result = match command {
        Command::Play { from, until } => {
            *clock = Some(Clock {
                started: Instant::now(),
                from,
                until,
            });
            decoder.seek(from)
        }
        Command::Pause => {
            *clock = None;
            Ok(())
        }
        Command::Seek(secs) => {
            if let Some(c) = clock.as_mut() {
                c.started = Instant::now();
                c.from = secs;
            }
            decoder
                .seek(secs)
                .and_then(|()| match clock {
                    // Paused: show the picture at the new place at once.
                    None => decoder.next_frame(),
                    Some(_) => Ok(None),
                })
                .map(|frame| {
                    if let Some(frame) = frame {
                        send(Event::Frame(frame));
                    }
                })
        }
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            *clock = None;
            send(Event::Failed(e.to_string()))
        }
    }
}
