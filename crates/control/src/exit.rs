//! Exit codes: scripts rely on these, so they never change meaning. `clipnote doctor` exits with
//! the code of its first failing check (3 a device, 4 the disk, 5 a token, 8 the config, 1 the
//! encoder), 0 when nothing blocks recording or posting.

/// Success.
pub const OK: u8 = 0;
/// Something failed that is not covered by a more specific code.
pub const FAILURE: u8 = 1;
/// The command line was wrong (clap's own code).
pub const USAGE: u8 = 2;
/// A device (display, window, monitor, microphone) is missing or unusable.
pub const DEVICE: u8 = 3;
/// A file or folder could not be read or written (permissions, full disk).
pub const IO: u8 = 4;
/// Authentication failed or no token is configured.
pub const AUTH: u8 = 5;
/// The destination refused the post (not found, not shared, over a limit).
pub const DESTINATION: u8 = 6;
/// The post was queued in the outbox and will be retried later.
pub const QUEUED: u8 = 7;
/// The configuration file is malformed.
pub const CONFIG: u8 = 8;
/// The desktop app could not be reached or started, or refused the request (`clipnote toggle`).
pub const APP: u8 = 9;
/// The desktop app is busy (a recording is starting or being saved): try again in a moment.
pub const BUSY: u8 = 10;
/// A speech model is missing, damaged or not the one asked for.
pub const MODEL: u8 = 11;
/// A clip is not usable for what was asked: not a playable video (a folder, an empty or
/// cut-off file, no video stream: nothing was sent), or no sound to transcribe.
pub const CLIP: u8 = 12;
/// The person cancelled (the desktop's screen-sharing dialog): nothing was done. 128 + SIGINT,
/// as a shell reports a command stopped with Ctrl-C.
pub const CANCELLED: u8 = 130;
