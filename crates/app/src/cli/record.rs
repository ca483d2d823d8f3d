//! `clipnote record`: record the screen and microphone to an MP4 clip.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use capture::{Backend, CaptureError, Mic, RecordSettings, Recording, Source};

use crate::cli::UserError;
use crate::{disk, exit, library, live_transcript, recording_watch};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "While recording: Ctrl-C or SIGTERM stops and saves; SIGUSR1 pauses and resumes."
)]
pub struct RecordArgs {
    /// Record one monitor, by the number `clipnote devices` lists.
    #[arg(long, value_name = "N", group = "what")]
    pub screen: Option<usize>,
    /// Record one window, by id (decimal or 0x-hex) or a part of its title.
    #[arg(long, value_name = "ID|TITLE", group = "what")]
    pub window: Option<String>,
    /// Record a rectangle of the display.
    #[arg(long, value_name = "X,Y,W,H", group = "what")]
    pub region: Option<String>,
    /// The microphone, by the name `clipnote devices` lists, or `none`. Default: the system's.
    #[arg(long, value_name = "NAME|none")]
    pub mic: Option<String>,
    /// Also record what the computer plays.
    #[arg(long)]
    pub system_audio: bool,
    /// Frames a second.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub fps: u32,
    /// Stop after this many seconds (pauses not counted).
    #[arg(long, value_name = "N")]
    pub seconds: Option<f64>,
    /// Where to write the clip. Default: a new file in the local library.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Scale wider sources down to this width.
    #[arg(long, default_value_t = 1920, value_parser = clap::value_parser!(u32).range(64..=7680))]
    pub max_width: u32,
    /// Read the screen through X11 or the Wayland portal. Default: what this session is
    /// (`clipnote devices` says which).
    #[arg(long, value_name = "x11|wayland")]
    pub backend: Option<Backend>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Make no transcript while recording (`[transcript] enabled = false` in the config file
    /// turns it off for good).
    #[arg(long)]
    pub no_transcript: bool,
    /// Print the encoder settings as `ffmpeg` output options and exit.
    #[arg(long)]
    pub print_encoder_settings: bool,
}

impl RecordArgs {
    fn settings(self) -> Result<(RecordSettings, Option<f64>, bool, bool), UserError> {
        if let Some(s) = self.seconds
            && !(s > 0.0 && s.is_finite())
        {
            return Err(UserError::new(
                exit::USAGE,
                format!("--seconds {s} is not a positive number of seconds"),
            ));
        }
        let out = match self.out {
            Some(p) => p,
            None => library::new_clip_path()?,
        };
        let mut settings = RecordSettings::new(out);
        settings.source = if let Some(n) = self.screen {
            Source::Screen(n)
        } else if let Some(w) = self.window {
            Source::Window(w)
        } else if let Some(r) = self.region {
            r.parse()
                .map_err(|e: String| UserError::new(exit::USAGE, e))?
        } else {
            Source::WholeDisplay
        };
        settings.mic = match self.mic.as_deref() {
            None | Some("default") => Mic::Default,
            Some("none") => Mic::None,
            Some(name) => Mic::Named(name.into()),
        };
        settings.system_audio = self.system_audio;
        settings.fps = self.fps;
        settings.max_width = self.max_width;
        settings.backend = self.backend;
        settings.portal_tokens = crate::config::portal_tokens_path();
        Ok((settings, self.seconds, self.json, !self.no_transcript))
    }
}

/// The live transcriber for this recording, if transcripts are on and a model is installed;
/// otherwise says once why there will be none (a malformed config file only warns: the
/// recording matters more).
fn start_transcriber(
    settings: &mut RecordSettings,
    wanted: bool,
) -> Option<live_transcript::LiveTranscriber> {
    if !wanted {
        return None;
    }
    let file = crate::config::load().unwrap_or_else(|e| {
        eprintln!("clipnote: warning: {}", e.message);
        crate::config::File::default()
    });
    live_transcript::start(settings, &live_transcript::Plan::from_config(&file))
        .inspect_err(|off| {
            if let Some(message) = off.message() {
                eprintln!("clipnote: {message}");
            }
        })
        .ok()
}

/// Maps a capture error to the exit code scripts see.
pub fn user_error(e: CaptureError) -> UserError {
    let code = match &e {
        CaptureError::NoDisplay { .. }
        | CaptureError::UnknownScreen { .. }
        | CaptureError::UnknownWindow(_)
        | CaptureError::UnknownMicrophone { .. }
        | CaptureError::MicrophoneUnavailable { .. }
        | CaptureError::NoPortal { .. }
        | CaptureError::NoPipeWire { .. }
        | CaptureError::Portal(_)
        | CaptureError::Unsupported(_) => exit::DEVICE,
        CaptureError::Cancelled => exit::CANCELLED,
        CaptureError::BadRegion(_) => exit::USAGE,
        CaptureError::OutputNotWritable { .. } | CaptureError::DiskFull { .. } => exit::IO,
        _ => exit::FAILURE,
    };
    UserError::new(code, e.to_string())
}

struct Signals {
    stop: Arc<AtomicBool>,
    toggle_pause: Arc<AtomicBool>,
}

impl Signals {
    fn install() -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let toggle_pause = Arc::new(AtomicBool::new(false));
        for sig in [
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ] {
            signal_hook::flag::register(sig, stop.clone())?;
        }
        signal_hook::flag::register(signal_hook::consts::SIGUSR1, toggle_pause.clone())?;
        Ok(Self { stop, toggle_pause })
    }
}

fn status_line(recording: &Recording) -> String {
    let secs = recording.elapsed().as_secs();
    let state = if recording.is_paused() {
        "PAUSED"
    } else {
        "REC"
    };
    let level = (recording.stats().mic_level() * 10.0).round() as usize;
    let silent = if recording.silent_mic().is_some() {
        "  NO SOUND FROM THE MIC"
    } else {
        ""
    };
    format!(
        "● {state} {:02}:{:02}  {:.1} MiB  dropped {}  mic [{:<10}]{silent}",
        secs / 60,
        secs % 60,
        recording.stats().bytes() as f64 / (1024.0 * 1024.0),
        recording.stats().dropped(),
        "|".repeat(level.min(10)),
    )
}

pub fn run(args: RecordArgs) -> anyhow::Result<()> {
    if args.print_encoder_settings {
        println!(
            "{}",
            capture::EncoderProfile::default()
                .ffmpeg_cli_args(args.fps)
                .join(" ")
        );
        return Ok(());
    }
    let (mut settings, seconds, json, transcribe) = args.settings()?;
    let signals = Signals::install()?;
    disk::room_to_record(disk::folder_of(&settings.out))?;
    let transcriber = start_transcriber(&mut settings, transcribe);
    let recording = Recording::start(settings).map_err(user_error)?;
    let live = std::io::stderr().is_terminal();
    if !json {
        eprintln!(
            "Recording to {} — Ctrl-C to stop.",
            recording.partial_path().display()
        );
    }
    let mut last_status = Instant::now();
    let mut watch = recording_watch::Watch::new(&recording);
    let mut warned = recording_watch::Announcer::default();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        for warning in warned.news(&watch.warnings(&recording)) {
            // Over the status line, which its next update redraws below.
            let start = if live { "\r\x1b[2K" } else { "" };
            eprintln!("{start}clipnote: warning: {warning}");
            tracing::info!("record: warned: {warning}");
        }
        if signals.stop.load(Ordering::Relaxed) || recording.has_failed() {
            break;
        }
        if seconds.is_some_and(|s| recording.elapsed().as_secs_f64() >= s) {
            break;
        }
        if signals.toggle_pause.swap(false, Ordering::Relaxed) {
            let _ = if recording.is_paused() {
                recording.resume()
            } else {
                recording.pause()
            };
            tracing::info!(paused = recording.is_paused(), "pause toggled");
        }
        if live && last_status.elapsed() >= Duration::from_millis(250) {
            last_status = Instant::now();
            eprint!("\r{}", status_line(&recording));
            let _ = std::io::stderr().flush();
        }
    }
    if live {
        eprintln!("\r{}", status_line(&recording));
    }
    let stopped = Instant::now();
    let finished = recording.stop().map_err(user_error)?;
    tracing::info!(
        clip = %finished.path.display(),
        secs = finished.duration_secs,
        dropped = finished.dropped_frames,
        "record: saved"
    );
    let transcript =
        transcriber.map(|t| live_transcript::Report::of(t.finish(), &finished, stopped));
    if let Some(line) = transcript.as_ref().and_then(live_transcript::Report::line) {
        eprintln!("{line}");
    }
    if json {
        let mut report = serde_json::to_value(&finished)?;
        report["transcript"] = serde_json::to_value(&transcript)?;
        report["warnings"] = serde_json::to_value(&warned.said)?;
        println!("{report}");
    } else {
        eprintln!(
            "Saved {:.1} s, {:.2} MiB, {}x{}, {} dropped frame(s).",
            finished.duration_secs,
            finished.bytes as f64 / (1024.0 * 1024.0),
            finished.width,
            finished.height,
            finished.dropped_frames
        );
        println!("{}", finished.path.display());
    }
    Ok(())
}
