//! Test support shared by the crates' integration tests. Real parts only: the test world that
//! `cargo xtask test` starts (Xvfb, a PulseAudio null sink fed a tone; beside it the Wayland
//! world: headless sway, PipeWire, the desktop portal), Debian's `ffprobe` and `ffmpeg` to read
//! clips back, headless Chromium to play them, and real speech with a word error rate to judge
//! transcripts by.

pub mod clip;
pub mod draft;
pub mod said;
pub mod speech;
pub mod world;
