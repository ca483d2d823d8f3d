//! The `clipnote` binary as a user runs it, in the test world.

mod autostart;
mod bad_clip;
mod doctor;
mod draft;
mod inbox;
mod inbox_ui;
mod live_transcript;
mod models;
mod post;
mod post_transcript;
mod real_app;
mod record;
mod recover;
mod region;
mod review_text;
mod s3;
mod s3_follow;
mod s3_resume;
mod search;
mod text_ui;
mod tighten;
mod toggle;
mod transcribe;
mod ui;
mod wayland;
mod wayland_sync;
