//! A local language model run with llama.cpp (the `llama-cpp-2` crate): a GGUF file loaded,
//! a chat (system + user message) answered piece by piece, stoppable between pieces.
//!
//! ```no_run
//! use std::ops::ControlFlow;
//! let model = llm::Model::load(std::path::Path::new("model.gguf"))?;
//! let chat = llm::Chat { system: "Answer briefly.", user: "Say hello." };
//! let stats = model.chat(&chat, &llm::Settings::default(), |piece| {
//!     print!("{piece}");
//!     ControlFlow::Continue(())
//! })?;
//! eprintln!("{:.1} tokens/s", stats.tokens_per_sec());
//! # Ok::<(), llm::LlmError>(())
//! ```
//!
//! This crate knows nothing of drafts, templates, user interfaces, HTTP, media or where models
//! are kept: it takes a model file's path and text, and gives back text, timings and typed
//! errors ([`LlmError`]). The memory a model holds is released when its [`Model`] is dropped.
//!
//! llama.cpp is built without OpenMP: ggml's own thread pool sleeps when idle, where OpenMP's
//! default spinning workers cut generation about tenfold on a busy 2-core machine.

mod error;
mod model;

pub use error::LlmError;
pub use model::{Chat, Model, Settings, Stats};
