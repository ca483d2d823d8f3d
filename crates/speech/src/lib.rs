//! On-device speech to text with whisper.cpp: models installed and checked by name, and
//! transcripts timed to the segment and the word, written as text, WebVTT or SRT.
//!
//! ```no_run
//! use speech::{Model, ModelDir, Options};
//! let models = ModelDir::new("/home/ada/.local/share/clipnote/models");
//! let model = Model::load(&models.resolve("tiny.en")?)?;
//! let samples: Vec<f32> = vec![0.0; 16_000 * 5]; // 16 kHz mono, -1..1
//! let transcript = model.transcribe(&samples, &Options::default(), |_percent| {})?;
//! assert!(transcript.is_empty(), "silence gives no words");
//! print!("{}", transcript.to_vtt());
//! # Ok::<(), speech::SpeechError>(())
//! ```
//!
//! This crate knows nothing of user interfaces, HTTP or destinations: it reads files and
//! samples and gives back typed results and [`SpeechError`]s whose messages name the fix.

pub mod beside;
pub mod catalog;
pub mod correct;
mod error;
pub mod ggml;
pub mod live;
mod missed;
mod model;
pub mod store;
pub mod tighten;
mod transcript;
pub mod vad;

pub use catalog::KnownModel;
pub use error::{Result, SpeechError};
pub use live::LiveTranscript;
pub use model::{MAX_NO_SPEECH_PROB, MIN_SEGMENT_VOICE_SECS, Model, Options};
pub use store::ModelDir;
pub use transcript::{CUE_PAUSE_SECS, Cue, MAX_CUE_CHARS, Segment, Transcript, Word, timestamp};

/// The sample rate whisper listens at: samples given to [`Model::transcribe`] are 16 kHz mono.
pub const SAMPLE_RATE: u32 = 16_000;
