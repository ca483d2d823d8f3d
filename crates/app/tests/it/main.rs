//! The `clipnote` binary as a user runs it, in the test world.

mod bad_clip;
mod inbox;
mod inbox_ui;
mod live_transcript;
mod models;
mod post;
mod real_app;
mod record;
mod region;
mod toggle;
mod transcribe;
mod ui;
mod wayland;
