//! Loading a GGUF model and answering a chat with it, piece by piece.

use std::io::Read;
use std::num::NonZeroU32;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;

use crate::LlmError;

/// Tokens decoded at once while reading the prompt.
const BATCH: usize = 512;
/// Recent tokens the repetition penalty looks back over.
const PENALTY_WINDOW: i32 = 64;

/// llama.cpp's backend, set up once per process (it refuses a second time).
fn backend() -> Result<&'static LlamaBackend, LlmError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlmError::Llama {
            context: "starting",
            reason: e.clone(),
        })
}

/// How a chat is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Threads for reading the prompt and generating (their priority is the caller's thread's:
    /// ggml's workers are created by it and inherit it).
    pub threads: i32,
    /// The answer's length at most, in tokens.
    pub max_tokens: usize,
}

impl Default for Settings {
    /// Every core (two threads on a 2-core laptop), 600 tokens.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            threads: i32::try_from(cores.min(8)).unwrap_or(2),
            max_tokens: 600,
        }
    }
}

/// A conversation of one turn: the instructions and the user's message.
#[derive(Debug, Clone, Copy)]
pub struct Chat<'a> {
    pub system: &'a str,
    pub user: &'a str,
}

/// What a chat took.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    /// From the call to the first piece of the answer (reading the prompt, mostly).
    pub first_piece: Duration,
    /// From the first piece to the last.
    pub generating: Duration,
    /// The caller stopped it before the model finished.
    pub stopped: bool,
    /// It reached [`Settings::max_tokens`].
    pub cut_short: bool,
}

impl Stats {
    /// Generation speed after the first piece.
    pub fn tokens_per_sec(&self) -> f64 {
        let secs = self.generating.as_secs_f64();
        if secs <= 0.0 || self.generated_tokens < 2 {
            return 0.0;
        }
        (self.generated_tokens - 1) as f64 / secs
    }

    /// Reading speed of the prompt (up to the first piece).
    pub fn prompt_tokens_per_sec(&self) -> f64 {
        let secs = self.first_piece.as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        self.prompt_tokens as f64 / secs
    }
}

/// A loaded model (memory-mapped; released when dropped).
pub struct Model {
    model: LlamaModel,
    path: PathBuf,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("path", &self.path).finish()
    }
}

/// GGUF files start with these four bytes.
const GGUF_MAGIC: &[u8; 4] = b"GGUF";

impl Model {
    /// Loads the GGUF model at `path`.
    pub fn load(path: &Path) -> Result<Self, LlmError> {
        let mut magic = [0u8; 4];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .map_err(|source| LlmError::Unreadable {
                path: path.to_owned(),
                source,
            })?;
        if &magic != GGUF_MAGIC {
            return Err(LlmError::NotAModel {
                path: path.to_owned(),
                reason: "it does not start with GGUF's signature".into(),
            });
        }
        let backend = backend()?;
        let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
            .map_err(|e| LlmError::NotAModel {
                path: path.to_owned(),
                reason: format!("llama.cpp cannot load it ({e}); it may be cut short or damaged"),
            })?;
        Ok(Self {
            model,
            path: path.to_owned(),
        })
    }

    /// The chat laid out as the model was trained to read it (its own template, else ChatML).
    fn prompt(&self, chat: &Chat<'_>) -> Result<String, LlmError> {
        let message = |role: &str, content: &str| {
            LlamaChatMessage::new(role.to_owned(), content.to_owned())
                .map_err(|e| LlmError::llama("laying out the prompt")(&e))
        };
        let messages = [message("system", chat.system)?, message("user", chat.user)?];
        let template = match self.model.chat_template(None) {
            Ok(t) => t,
            Err(_) => LlamaChatTemplate::new("chatml")
                .map_err(|e| LlmError::llama("laying out the prompt")(&e))?,
        };
        self.model
            .apply_chat_template(&template, &messages, true)
            .map_err(|e| LlmError::llama("laying out the prompt")(&e))
    }

    /// Answers `chat`, handing each piece of text to `on_piece` as it comes (whole UTF-8
    /// characters); `on_piece` returning `Break` stops it at once. Greedy, so the same chat
    /// gives the same answer.
    pub fn chat(
        &self,
        chat: &Chat<'_>,
        settings: &Settings,
        mut on_piece: impl FnMut(&str) -> ControlFlow<()>,
    ) -> Result<Stats, LlmError> {
        let started = Instant::now();
        let backend = backend()?;
        let prompt = self.prompt(chat)?;
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(prompt.as_bytes(), false, true);
        let limit = usize::try_from(self.model.n_ctx_train()).unwrap_or(usize::MAX);
        let needed = tokens.len() + settings.max_tokens + 8;
        if needed > limit {
            return Err(LlmError::TooLong {
                tokens: tokens.len(),
                limit: limit.saturating_sub(settings.max_tokens + 8),
            });
        }
        let n_ctx = u32::try_from(needed).ok().and_then(NonZeroU32::new);
        let params = LlamaContextParams::default()
            .with_n_ctx(n_ctx)
            .with_n_batch(BATCH as u32)
            .with_n_threads(settings.threads)
            .with_n_threads_batch(settings.threads);
        let mut ctx = self
            .model
            .new_context(backend, params)
            .map_err(|e| LlmError::llama("making a context")(&e))?;

        let mut batch = LlamaBatch::new(BATCH, 1);
        let last = tokens.len().saturating_sub(1);
        for (chunk_start, chunk) in (0..).step_by(BATCH).zip(tokens.chunks(BATCH)) {
            batch.clear();
            for (i, token) in chunk.iter().enumerate() {
                let pos = chunk_start + i;
                batch
                    .add(*token, pos as i32, &[0], pos == last)
                    .map_err(|e| LlmError::llama("reading the prompt")(&e))?;
            }
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::llama("reading the prompt")(&e))?;
        }

        let mut sampler = LlamaSampler::chain_simple([
            LlamaSampler::penalties(self.model.n_vocab(), PENALTY_WINDOW, 1.05, 0.0, 0.0),
            LlamaSampler::greedy(),
        ]);
        let mut stats = Stats {
            prompt_tokens: tokens.len(),
            ..Stats::default()
        };
        let mut pending: Vec<u8> = Vec::new();
        let mut first: Option<Instant> = None;
        let mut pos = tokens.len() as i32;
        loop {
            if stats.generated_tokens >= settings.max_tokens {
                stats.cut_short = true;
                break;
            }
            let token = sampler.sample(&ctx, batch.n_tokens() - 1);
            if vocab.is_eog(token) {
                break;
            }
            stats.generated_tokens += 1;
            pending.extend(vocab.token_to_piece(token, false, None));
            let whole = match std::str::from_utf8(&pending) {
                Ok(s) => s.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                // Bytes that never make a character: pass them on replaced.
                Err(_) => pending.len(),
            };
            if whole > 0 {
                let text = String::from_utf8_lossy(&pending[..whole]).into_owned();
                pending.drain(..whole);
                first.get_or_insert_with(|| {
                    stats.first_piece = started.elapsed();
                    Instant::now()
                });
                if on_piece(&text).is_break() {
                    stats.stopped = true;
                    break;
                }
            }
            batch.clear();
            batch
                .add(token, pos, &[0], true)
                .map_err(|e| LlmError::llama("generating")(&e))?;
            pos += 1;
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::llama("generating")(&e))?;
        }
        if let Some(first) = first {
            stats.generating = first.elapsed();
        } else {
            stats.first_piece = started.elapsed();
        }
        Ok(stats)
    }
}
