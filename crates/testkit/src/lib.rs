//! Test support shared by the crates' integration tests. Real parts only: the test world that
//! `cargo xtask test` starts (Xvfb, a PulseAudio null sink fed a tone; beside it the Wayland
//! world: headless sway, PipeWire, the desktop portal), Debian's `ffprobe` and `ffmpeg` to read
//! clips back, headless Chromium to play them, and real speech with a word error rate to judge
//! transcripts by; for the storage tests a real S3 server (SeaweedFS, [`s3::Weed`]) and a proxy
//! that counts what reaches it ([`proxy::Proxy`]).

pub mod clip;
pub mod draft;
pub mod proxy;
pub mod s3;
pub mod said;
pub mod speech;
pub mod stimulus;
pub mod wayland_panel;
pub mod world;
