//! The command line: one module per subcommand, all dispatched from [`run`].

mod devices;
mod doctor;
mod draft;
mod full_quality;
mod generate;
pub(crate) mod inbox;
mod login;
pub(crate) mod models;
mod outbox;
mod pick_region;
pub(crate) mod post;
mod record;
mod recover;
mod reply;
mod search;
mod tighten;
mod toggle;
pub(crate) mod transcribe;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit;

/// Clipnote: record your screen, write a summary, post it where the work lives.
/// `clipnote` with no command opens the desktop app; the commands below work from a terminal.
#[derive(Debug, Parser)]
#[command(name = "clipnote", version, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record the screen and microphone to an MP4 clip.
    Record(record::RecordArgs),
    /// List screens, windows and microphones.
    Devices(devices::DevicesArgs),
    /// Post a clip with its summary to a Notion page, a ClickUp task, the library or a folder.
    Post(post::PostArgs),
    /// Show and work the queue of posts: list, run, retry ID, cancel ID.
    Outbox(outbox::OutboxArgs),
    /// Store a Notion or ClickUp token in the OS keyring.
    Login(login::LoginArgs),
    /// List teammates' clips from what you follow, newest and unwatched first.
    Inbox(inbox::InboxArgs),
    /// Follow a Notion page or database, a ClickUp task or list, the library or a folder.
    Follow(inbox::FollowArgs),
    /// Stop following something (as given to `follow`).
    Unfollow(inbox::FollowArgs),
    /// Download a clip from the inbox and open it (`--print-path`: print where it is).
    Watch(inbox::WatchArgs),
    /// Answer a clip from the inbox with a clip of your own, posted with it on the same task.
    Reply(reply::ReplyArgs),
    /// Drag a rectangle on the screen and print it as X,Y,W,H (for `record --region`).
    PickRegion(pick_region::PickRegionArgs),
    /// Start a recording in the running app (starting it if needed), or stop the one under way:
    /// bind this to a key in your desktop's settings (on Wayland apps cannot grab global keys).
    Toggle(toggle::ToggleArgs),
    /// Transcribe a clip on this machine: text, WebVTT, SRT or JSON, and `<clip>.vtt` beside it.
    Transcribe(transcribe::TranscribeArgs),
    /// Draft the written update from a transcribed clip, in the summary template's sections:
    /// `clipnote post CLIP --summary-file <(clipnote draft CLIP)`.
    Draft(draft::DraftArgs),
    /// Cut a clip's long silences and filler words ("um", "uh") into a new clip, its captions
    /// following the cuts: `clipnote tighten CLIP --out FILE`.
    Tighten(tighten::TightenArgs),
    /// List, install or remove speech models (whisper.cpp): list, install NAME, remove NAME.
    Models(models::ModelsArgs),
    /// Make the recordings a crash cut off in the library into clips that play.
    Recover(recover::RecoverArgs),
    /// Check that recording and posting will work here, and name the fix for what will not.
    Doctor(doctor::DoctorArgs),
    /// Print the completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(generate::CompletionsArgs),
    /// Write the man pages (roff) into a folder (for packaging).
    #[command(hide = true)]
    Manpage(generate::ManpageArgs),
}

/// An error a user can act on: the message names the cause and the fix; the code tells scripts.
#[derive(Debug)]
pub struct UserError {
    pub message: String,
    pub code: u8,
}

impl UserError {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// A progress bar on stderr (hidden when stderr is not a terminal): `template` in indicatif's
/// notation, drawn with `=> `.
pub(crate) fn terminal_bar(len: u64, template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// What [`terminal_bar`] shows for bytes moving.
pub(crate) const BYTES_TEMPLATE: &str =
    "{msg:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}";

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // The app logs its state changes (recording, review, posts) at info level. egui_commonmark
    // installs egui_extras' image loaders, of which we build none on purpose (no image in a
    // summary is fetched): its warning about that is not for users.
    init_tracing(if cli.command.is_none() {
        "warn,app=info,egui_extras::loaders=error"
    } else {
        "warn,egui_extras::loaders=error"
    });
    let result = match cli.command {
        Some(Command::Record(args)) => record::run(args),
        Some(Command::Devices(args)) => devices::run(args),
        Some(Command::Post(args)) => post::run(args),
        Some(Command::Outbox(args)) => outbox::run(args),
        Some(Command::Login(args)) => login::run(args),
        Some(Command::Inbox(args)) => inbox::run_inbox(args),
        Some(Command::Follow(args)) => inbox::run_follow(args),
        Some(Command::Unfollow(args)) => inbox::run_unfollow(args),
        Some(Command::Watch(args)) => inbox::run_watch(args),
        Some(Command::Reply(args)) => reply::run(args),
        Some(Command::PickRegion(args)) => pick_region::run(args),
        Some(Command::Toggle(args)) => toggle::run(args),
        Some(Command::Transcribe(args)) => transcribe::run(args),
        Some(Command::Draft(args)) => draft::run(args),
        Some(Command::Tighten(args)) => tighten::run(args),
        Some(Command::Models(args)) => models::run(args),
        Some(Command::Doctor(args)) => doctor::run(args),
        Some(Command::Recover(args)) => recover::run(args),
        Some(Command::Completions(args)) => generate::completions(args),
        Some(Command::Manpage(args)) => generate::manpages(args),
        None => crate::ui::run(),
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) => {
            let code = err
                .downcast_ref::<UserError>()
                .map_or(exit::FAILURE, |e| e.code);
            eprintln!("clipnote: error: {err:#}");
            ExitCode::from(code)
        }
    }
}

/// What the log file keeps, whatever stderr shows: the app's, the recorder's and the posts'
/// story, for support (`clipnote doctor --bundle`).
const LOG_FILE_FILTER: &str =
    "warn,app=info,capture=info,publish=info,speech=info,egui_extras::loaders=error";

fn init_tracing(default: &str) {
    use std::io::IsTerminal;
    use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let stderr = tracing_subscriber::fmt::layer()
        // Colour codes only for a person at a terminal, not in log files and pipes.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let file = crate::logs::open().map(|f| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
            .with_filter(EnvFilter::new(LOG_FILE_FILTER))
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
}
