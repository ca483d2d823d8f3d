//! The speech crate with real parts: Whisper tiny.en as `cargo xtask test` converts it, and a
//! real human voice (`jfk.wav`).

mod models;
mod transcribe;

use std::sync::OnceLock;

use speech::{Model, ModelDir};

/// tiny.en from the folder xtask prepared, checked and loaded once for the whole binary.
pub fn tiny_en() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = ModelDir::new(testkit::speech::speech().models_dir);
        let path = dir.resolve("tiny.en").expect("xtask installed tiny.en");
        Model::load(&path).expect("tiny.en loads")
    })
}
