//! The one error type of the capture crate: what went wrong, in words that name the fix.

use std::path::PathBuf;

/// Everything that can stop a recording from starting or finishing.
///
/// Each message names the cause and what the user can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// No X server answered (or none is configured).
    #[error(
        "cannot open the display {display:?}: {reason}. Run Clipnote inside a graphical session, or set DISPLAY to a running X server (e.g. DISPLAY=:0)"
    )]
    NoDisplay { display: String, reason: String },

    /// `--screen N` named a monitor that does not exist.
    #[error(
        "there is no screen {index}; this display has {available} screen(s), numbered 0 to {last}. Run `clipnote devices` to list them",
        last = available.saturating_sub(1)
    )]
    UnknownScreen { index: usize, available: usize },

    /// `--window` named no window, or several.
    #[error("{0}. Run `clipnote devices` to list windows with their ids and titles")]
    UnknownWindow(String),

    /// `--region` does not fit on the screen or is malformed.
    #[error("{0}")]
    BadRegion(String),

    /// The microphone named with `--mic` does not exist.
    #[error(
        "there is no microphone named {name:?}. Available: {available}. Run `clipnote devices` to list them, or pass `--mic none` to record without sound"
    )]
    UnknownMicrophone { name: String, available: String },

    /// The audio server could not be reached or the device could not be opened.
    #[error(
        "cannot open the microphone {name:?}: {reason}. Check that PulseAudio or PipeWire is running (`pactl info`), or pass `--mic none`"
    )]
    MicrophoneUnavailable { name: String, reason: String },

    /// The output folder or file cannot be written.
    #[error(
        "cannot write the recording to {path}: {reason}. Choose a folder you can write to with `--out`",
        path = path.display()
    )]
    OutputNotWritable { path: PathBuf, reason: String },

    /// The disk filled up while recording: what was written is kept.
    #[error(
        "the disk is full: recording stopped after {recorded_secs:.1} s. What was recorded is kept and playable at {kept}. Free some space and record again",
        kept = kept.display()
    )]
    DiskFull { kept: PathBuf, recorded_secs: f64 },

    /// A clip given to us (to fit or to read) is not a playable video.
    #[error("{path} is not a playable video: {reason}", path = path.display())]
    BadClip { path: PathBuf, reason: String },

    /// A clip has no sound track (asked for its sound, e.g. to transcribe it).
    #[error("{path} has no sound track (it was recorded without a microphone)", path = path.display())]
    NoAudio { path: PathBuf },

    /// A clip cannot be made small enough while keeping text legible.
    #[error("{0}")]
    CannotFit(String),

    /// No desktop portal offers screen capture (Wayland).
    #[error(
        "cannot record the screen on this Wayland desktop: {reason}. Install xdg-desktop-portal and your desktop's backend (e.g. xdg-desktop-portal-gnome on GNOME, xdg-desktop-portal-kde on KDE, xdg-desktop-portal-wlr on sway), log in again, and retry; or record an X11 session with `--backend x11`"
    )]
    NoPortal { reason: String },

    /// The person cancelled the desktop's screen-sharing dialog.
    #[error("screen sharing was cancelled in the desktop's dialog: nothing was recorded")]
    Cancelled,

    /// PipeWire, which carries the screen's pictures on Wayland, cannot be reached.
    #[error(
        "cannot read the screen from PipeWire: {reason}. PipeWire carries the screen on Wayland: start it (`systemctl --user start pipewire wireplumber`; `systemctl --user status pipewire` shows why it stopped), then try again"
    )]
    NoPipeWire { reason: String },

    /// The portal or its stream failed in a way not listed above.
    #[error(
        "the desktop's screen sharing failed: {0}. Try again; if it keeps failing, restart your session's portal (`systemctl --user restart xdg-desktop-portal`)"
    )]
    Portal(String),

    /// This build cannot capture this kind of desktop.
    #[error("{0}")]
    Unsupported(String),

    /// An FFmpeg call failed where no user action applies.
    #[error("{context}: {source}")]
    Ffmpeg {
        context: &'static str,
        #[source]
        source: ffmpeg_next::Error,
    },

    /// A worker thread died unexpectedly.
    #[error("the {0} thread stopped unexpectedly; the recording so far is kept")]
    WorkerDied(&'static str),
}

impl CaptureError {
    /// Wraps an FFmpeg error with what we were doing.
    pub(crate) fn ffmpeg(context: &'static str) -> impl FnOnce(ffmpeg_next::Error) -> Self {
        move |source| Self::Ffmpeg { context, source }
    }
}

/// The result type of this crate.
pub type Result<T, E = CaptureError> = std::result::Result<T, E>;
