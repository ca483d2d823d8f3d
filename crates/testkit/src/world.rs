//! The test world: what `cargo xtask test` starts and exports.

use std::sync::{Mutex, MutexGuard};

/// The devices of the test world.
#[derive(Debug, Clone)]
pub struct World {
    pub display: String,
    /// The "microphone": the monitor of a null sink fed a 440 Hz tone.
    pub mic: String,
    /// The null sink: play sounds here and they reach the microphone.
    pub sink: String,
    pub chromium: String,
}

/// The test world, or a panic that says how to get one.
pub fn world() -> World {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run the tests inside the test world with `cargo xtask test`")
        })
    };
    World {
        display: var("DISPLAY"),
        mic: var("CLIPNOTE_TEST_MIC"),
        sink: var("CLIPNOTE_TEST_SINK"),
        chromium: std::env::var("CLIPNOTE_CHROMIUM").unwrap_or_else(|_| "chromium".into()),
    }
}

/// Serialises tests that record the screen or encode heavily: one at a time on 2 cores, so a
/// recording is never starved by another test.
pub fn screen_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
