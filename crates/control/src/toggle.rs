//! `clipnote toggle`: start a recording in the running app, or stop the one under way; with no
//! app running, start one that records at once. Meant for a desktop keyboard shortcut (on
//! Wayland no program can grab a global key). Talks over [`crate`]'s socket.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{self as control, Phase, Reply, Request, exit};

/// How long a started app may take to come up and begin recording.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a toggle did not happen: what to tell the person, and the exit code.
#[derive(Debug)]
pub struct UserError {
    pub code: u8,
    pub message: String,
}

impl UserError {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<control::Error> for UserError {
    fn from(e: control::Error) -> Self {
        UserError::new(e.exit_code(), e.to_string())
    }
}

/// Toggles the recording in the running app, or starts `app` (the full program) recording when
/// none runs; says what it did.
pub fn run(app: &Path) -> Result<&'static str, UserError> {
    let socket = control::socket_path()?;
    control::private_dir(&socket)?;
    // Two presses at once must not start two apps: one toggle at a time.
    let _turn = take_turn(&socket)?;
    Ok(match control::ask(&socket, Request::Toggle) {
        Ok(Reply::Started) => "started a recording in the running Clipnote",
        Ok(Reply::Stopped) => "stopped the recording; Review is open",
        Ok(other) => return Err(refusal(other)),
        Err(control::Error::NotRunning(_)) => {
            start_app(&socket, app)?;
            "Clipnote was not running: started it, recording"
        }
        Err(e) => return Err(e.into()),
    })
}

/// A reply that is not what toggling should give, as an error naming the fix.
fn refusal(reply: Reply) -> UserError {
    match reply {
        Reply::Busy(why) => UserError::new(
            exit::BUSY,
            format!("Clipnote is busy ({why}): try again in a moment"),
        ),
        Reply::Failed(why) => UserError::new(
            exit::APP,
            format!("Clipnote could not toggle the recording: {why}"),
        ),
        Reply::Refused(why) => {
            UserError::new(exit::APP, format!("Clipnote refused the request: {why}"))
        }
        other => UserError::new(
            exit::APP,
            format!(
                "Clipnote answered {:?} to toggle: are two versions installed? Quit Clipnote and start it again",
                other.line()
            ),
        ),
    }
}

/// Holds `toggle.lock` beside the socket until dropped.
fn take_turn(socket: &Path) -> Result<std::fs::File, UserError> {
    let path = socket.with_file_name("toggle.lock");
    let io = |e: std::io::Error| {
        UserError::new(
            exit::IO,
            format!(
                "cannot lock {}: {e}. Check that XDG_RUNTIME_DIR is a folder you can write",
                path.display()
            ),
        )
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.lock().map_err(io)?;
    Ok(file)
}

/// Starts `app` (detached, same environment, recording at once) and waits until it answers
/// that it records — or says why it cannot.
fn start_app(socket: &Path, app: &Path) -> Result<(), UserError> {
    // A socket file left by an app that is gone: the new app listens afresh.
    match std::fs::remove_file(socket) {
        Ok(()) => tracing::info!(socket = %socket.display(), "toggle: removed a stale socket"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(UserError::new(
                exit::IO,
                format!(
                    "cannot remove the stale socket {}: {e}; remove it by hand",
                    socket.display()
                ),
            ));
        }
    }
    let mut child = spawn_app(app)?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(UserError::new(
                exit::APP,
                format!(
                    "Clipnote exited right after starting ({status}): run `clipnote` in a terminal to see why"
                ),
            ));
        }
        match control::ask(socket, Request::Status) {
            Ok(Reply::Status(Phase::Countdown | Phase::Recording | Phase::Stopping, _)) => {
                return Ok(());
            }
            Ok(Reply::Status(Phase::Idle, problem)) => {
                return Err(UserError::new(
                    exit::APP,
                    format!(
                        "started Clipnote, but it could not start recording: {}",
                        problem.as_deref().unwrap_or("look at its window")
                    ),
                ));
            }
            Ok(Reply::Status(Phase::Starting, _)) | Err(control::Error::NotRunning(_)) => {}
            Ok(other) => return Err(refusal(other)),
            Err(e) => return Err(e.into()),
        }
        if Instant::now() >= deadline {
            return Err(UserError::new(
                exit::APP,
                format!(
                    "started Clipnote, but it was not recording within {} s: look at its window, or run `clipnote` in a terminal to see why",
                    START_TIMEOUT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `exe` with no arguments, in a session of its own, stdio to /dev/null.
fn spawn_app(exe: &Path) -> Result<Child, UserError> {
    let mut command = Command::new(exe);
    // Named as the person knows it (`ps`, the desktop's task list).
    command.arg0("clipnote");
    command
        .env("CLIPNOTE_START_RECORDING", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory of ours; it detaches the app
    // from this terminal and process group, so it outlives both.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn().map_err(|e| {
        UserError::new(
            exit::APP,
            format!(
                "cannot start {}: {e}; start `clipnote` yourself",
                exe.display()
            ),
        )
    })
}
