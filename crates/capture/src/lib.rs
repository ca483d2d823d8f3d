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
//! This crate knows nothing of user interfaces or HTTP.

mod audio;
pub mod clip;
pub mod devices;
mod error;
mod ff;
pub mod fit;
pub mod mic;
mod mux;
pub mod player;
mod recorder;
#[cfg(feature = "scap")]
mod scap_source;
mod screen;
mod settings;
mod stats;
mod timeline;
mod transcode;
mod video;
mod x11;

pub use error::{CaptureError, Result};
pub use mux::finalize;
pub use recorder::{Finished, Recording};
pub use screen::{Screenshot, screenshot};
pub use settings::{EncoderProfile, Mic, RecordSettings, Source};
pub use stats::Stats;
