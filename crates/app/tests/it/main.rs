//! The `clipnote` binary as a user runs it, in the test world.

mod bad_clip;
mod draft;
mod inbox;
mod inbox_ui;
mod models;
mod post;
mod real_app;
mod record;
mod region;
mod tighten;
mod toggle;
mod transcribe;
mod ui;
mod wayland;
