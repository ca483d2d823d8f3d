//! Records the screen and microphone into a crash-safe MP4 (H.264 yuv420p + AAC-LC).
//!
//! ```no_run
//! use capture::{Recording, RecordSettings};
//! let recording = Recording::start(RecordSettings::new("standup.mp4".into()))?;
//! std::thread::sleep(std::time::Duration::from_secs(5));
//! let clip = recording.stop()?;
//! println!("{} ({:.1} s, {} bytes)", clip.path.display(), clip.duration_secs, clip.bytes);
//! # Ok::<(), capture::CaptureError>(())
//! ```
//!
//! X11 and Wayland (the ScreenCast portal and PipeWire) are both in every Linux build; the
//! session picks one at run time ([`Backend`]). This crate knows nothing of user interfaces or
//! HTTP.

mod audio;
mod backend;
mod boxes;
pub mod clip;
pub mod cut;
pub mod devices;
mod error;
mod ff;
pub mod fit;
pub mod mic;
mod mux;
pub mod player;
mod recorder;
#[cfg(all(feature = "scap", not(target_os = "linux")))]
mod scap_source;
mod screen;
pub mod selftest;
mod settings;
mod stats;
pub mod tap;
mod timeline;
mod transcode;
mod video;
mod wayland;
mod x11;

pub use backend::Backend;
pub use error::{CaptureError, Result};
pub use mux::finalize;
pub use recorder::{Finished, Recording, SILENT_MIC_WARNING};
pub use screen::{Screenshot, screenshot};
pub use settings::{EncoderProfile, Mic, RecordSettings, Source};
pub use stats::Stats;
pub use tap::{SoundBlock, SoundTap};
