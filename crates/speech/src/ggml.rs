//! Reading a whisper.cpp model file's layout before whisper.cpp does: a file that is not a
//! model, or is cut short, gets an error in words instead of a failure deep inside the C++.
//!
//! ```text
//! u32 magic "ggml" · i32 x 11 hyper-parameters · i32 n_mels, i32 n_bins, f32 filters[..]
//! · i32 n_tokens, (i32 len, bytes) x n_tokens · tensors until the end of the file:
//!   i32 n_dims, i32 name_len, i32 type, i32 dims[n_dims], name, data
//! ```

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Result, SpeechError};

const MAGIC: u32 = 0x6767_6d6c;

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Tokens in the vocabulary; 51865 and more means the model is multilingual.
    pub n_vocab: u32,
    pub n_audio_layer: u32,
    pub n_text_layer: u32,
    pub n_audio_state: u32,
    /// Tensors in the file.
    pub tensors: usize,
}

impl ModelInfo {
    /// Whether the model transcribes languages other than English.
    pub fn multilingual(&self) -> bool {
        self.n_vocab >= 51_865
    }

    /// The size, as whisper.cpp names it from the encoder's depth ("tiny", "base", ...).
    pub fn size_name(&self) -> &'static str {
        match self.n_audio_layer {
            4 => "tiny",
            6 => "base",
            12 => "small",
            24 => "medium",
            32 => "large",
            _ => "unknown size",
        }
    }
}

/// Bytes per block and elements per block of the ggml tensor types whisper models use.
fn type_layout(ggml_type: i32) -> Option<(u64, u64)> {
    Some(match ggml_type {
        0 => (4, 1),     // f32
        1 => (2, 1),     // f16
        2 => (18, 32),   // q4_0
        3 => (20, 32),   // q4_1
        6 => (22, 32),   // q5_0
        7 => (24, 32),   // q5_1
        8 => (34, 32),   // q8_0
        10 => (84, 256), // q2_K
        11 => (110, 256),
        12 => (144, 256),
        13 => (176, 256),
        14 => (210, 256), // q6_K
        _ => return None,
    })
}

struct Reader<'a> {
    path: &'a Path,
    inner: BufReader<File>,
    len: u64,
}

impl Reader<'_> {
    fn bad(&self, reason: impl Into<String>) -> SpeechError {
        SpeechError::NotAModel {
            path: self.path.to_owned(),
            reason: reason.into(),
        }
    }

    fn i32(&mut self, what: &str) -> Result<i32> {
        let mut b = [0u8; 4];
        self.inner.read_exact(&mut b).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                self.bad(format!("the file ends inside {what} (cut short?)"))
            } else {
                SpeechError::io("read", self.path)(e)
            }
        })?;
        Ok(i32::from_le_bytes(b))
    }

    /// A count that must lie in `range`.
    fn count(&mut self, what: &str, range: std::ops::RangeInclusive<i32>) -> Result<u32> {
        let n = self.i32(what)?;
        if !range.contains(&n) {
            return Err(self.bad(format!("{what} is {n}, which no whisper model has")));
        }
        Ok(n as u32)
    }

    fn position(&mut self) -> Result<u64> {
        self.inner
            .stream_position()
            .map_err(SpeechError::io("read", self.path))
    }

    fn skip(&mut self, bytes: u64, what: &str) -> Result<()> {
        let end = self.position()? + bytes;
        if end > self.len {
            return Err(self.bad(format!(
                "{what} needs {end} bytes but the file has {} (cut short?)",
                self.len
            )));
        }
        self.inner
            .seek(SeekFrom::Start(end))
            .map_err(SpeechError::io("read", self.path))?;
        Ok(())
    }
}

/// Reads the layout of the model file at `path`: its header, vocabulary and every tensor's
/// header, seeking over the data. Cheap (about two hundred small reads) and it never allocates
/// by what the file claims.
pub fn inspect(path: &Path) -> Result<ModelInfo> {
    let unreadable = |e: std::io::Error| SpeechError::Unreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut r = Reader {
        path,
        inner: BufReader::new(file),
        len,
    };
    if r.i32("the header")? as u32 != MAGIC {
        return Err(r.bad("it does not start with whisper.cpp's \"ggml\" mark"));
    }
    let n_vocab = r.count("the vocabulary size", 1..=1_000_000)?;
    let _n_audio_ctx = r.count("the audio context", 1..=100_000)?;
    let n_audio_state = r.count("the audio width", 1..=100_000)?;
    let _n_audio_head = r.count("the audio heads", 1..=1_000)?;
    let n_audio_layer = r.count("the audio layers", 1..=1_000)?;
    let _n_text_ctx = r.count("the text context", 1..=100_000)?;
    let _n_text_state = r.count("the text width", 1..=100_000)?;
    let _n_text_head = r.count("the text heads", 1..=1_000)?;
    let n_text_layer = r.count("the text layers", 1..=1_000)?;
    let _n_mels = r.count("the mel bands", 1..=1_000)?;
    let _ftype = r.i32("the weight type")?;
    let rows = r.count("the filter bank's rows", 1..=1_000)?;
    let cols = r.count("the filter bank's columns", 1..=100_000)?;
    r.skip(u64::from(rows) * u64::from(cols) * 4, "the filter bank")?;
    let words = r.count("the vocabulary", 0..=1_000_000)?;
    for _ in 0..words {
        let word_len = r.count("a token's length", 0..=1_024)?;
        r.skip(u64::from(word_len), "a token")?;
    }
    let mut tensors = 0;
    while r.position()? < len {
        let n_dims = r.count("a tensor's rank", 1..=4)?;
        let name_len = r.count("a tensor's name length", 1..=1_024)?;
        let ggml_type = r.i32("a tensor's type")?;
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            elements =
                elements.saturating_mul(u64::from(r.count("a tensor's size", 1..=i32::MAX)?));
        }
        r.skip(u64::from(name_len), "a tensor's name")?;
        let Some((block_bytes, block_len)) = type_layout(ggml_type) else {
            // A newer quantisation this reader does not know: whisper.cpp judges the rest.
            tracing::debug!(
                ggml_type,
                "unknown tensor type; the layout check stops here"
            );
            tensors += 1;
            break;
        };
        r.skip(
            elements.div_ceil(block_len) * block_bytes,
            "a tensor's data",
        )?;
        tensors += 1;
    }
    if tensors == 0 {
        return Err(r.bad("it holds no weights (a vocabulary-only test file?)"));
    }
    Ok(ModelInfo {
        n_vocab,
        n_audio_layer,
        n_text_layer,
        n_audio_state,
        tensors,
    })
}
