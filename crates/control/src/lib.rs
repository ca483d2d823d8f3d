//! The control socket: how `clipnote toggle` reaches the running app.
//!
//! A Unix socket at `$XDG_RUNTIME_DIR/clipnote/control.sock`, in a folder only its owner can
//! enter (0700; the socket itself is 0600). Both ends also check who is on the other side
//! (`SO_PEERCRED`): the app answers only its own user, and the client talks only to an app of its
//! own user. One request line, one reply line, then the connection closes:
//!
//! ```text
//! toggle  →  started | stopped | busy <why> | failed <why> | refused <why>
//! status  →  idle [<last problem>] | countdown | starting | recording | stopping
//! show    →  shown          (a second `clipnote` launch brings the window forward, then exits)
//! ```
//!
//! The app's end is `app::ui::control` (a `ui-control` thread); the client is [`toggle`], which
//! both the small `clipnote` front program and the full one run.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod exit;
pub mod toggle;

/// The full program, beside the small `clipnote` front that runs it for everything but a toggle.
pub const FULL_PROGRAM: &str = "clipnote-app";

/// The folder inside `$XDG_RUNTIME_DIR`, and the socket in it.
const DIR: &str = "clipnote";
const SOCKET: &str = "control.sock";
/// The longest line either side reads: the protocol's lines are short.
const MAX_LINE: u64 = 1024;
/// How long the app waits for a request line once a client connected.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the app's window may take to answer (a recording's devices are opening meanwhile).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the client waits for the reply: the app's own limit plus a margin.
const REPLY_TIMEOUT: Duration = Duration::from_secs(25);

/// What went wrong reaching the app. Each message names the cause and the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "XDG_RUNTIME_DIR is not set, so there is no private folder where `clipnote toggle` can reach Clipnote: run it from your desktop session (which sets XDG_RUNTIME_DIR, usually /run/user/$UID), or set XDG_RUNTIME_DIR to a folder only you can open"
    )]
    NoRuntimeDir,
    #[error(
        "{path} is not private ({why}): Clipnote will not use it. Remove it, or set XDG_RUNTIME_DIR to a folder only you can open"
    )]
    NotPrivate { path: PathBuf, why: String },
    #[error("cannot {what} {path}: {source}. Check that XDG_RUNTIME_DIR is a folder you can write")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// Nothing listens on the socket (no file, or a file left by an app that is gone).
    #[error("Clipnote is not running (nothing answers on {0})")]
    NotRunning(PathBuf),
    #[error(
        "{path} is served by another user (uid {uid}): refusing to talk to it. Remove the file, or check XDG_RUNTIME_DIR"
    )]
    OtherUser { path: PathBuf, uid: u32 },
    #[error(
        "Clipnote answered on {path} with {line:?}, which this clipnote does not understand: are two versions installed? Quit Clipnote and start it again"
    )]
    Protocol { path: PathBuf, line: String },
}

impl Error {
    /// The exit code `clipnote toggle` ends with.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Io { .. } => exit::IO,
            _ => exit::APP,
        }
    }
}

/// What a client asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Start a recording, or stop the one under way (as the hotkey does).
    Toggle,
    /// Where the recording stands.
    Status,
    /// Bring the window forward: what a second launch of the app asks before it exits, so
    /// one Clipnote per user owns the hotkey and the socket.
    Show,
}

impl Request {
    pub fn word(self) -> &'static str {
        match self {
            Request::Toggle => "toggle",
            Request::Status => "status",
            Request::Show => "show",
        }
    }

    pub fn parse(line: &str) -> Option<Request> {
        [Request::Toggle, Request::Status, Request::Show]
            .into_iter()
            .find(|r| r.word() == line.trim())
    }
}

/// Where the app's recording stands (the answer to `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Countdown,
    Starting,
    Recording,
    Stopping,
}

impl Phase {
    const ALL: [Phase; 5] = [
        Phase::Idle,
        Phase::Countdown,
        Phase::Starting,
        Phase::Recording,
        Phase::Stopping,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Countdown => "countdown",
            Phase::Starting => "starting",
            Phase::Recording => "recording",
            Phase::Stopping => "stopping",
        }
    }
}

/// What the app answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A recording (or its countdown) began.
    Started,
    /// The recording is being saved; Review opens with it.
    Stopped,
    /// The window was brought forward.
    Shown,
    /// Nothing was done now: a recording is starting or being saved.
    Busy(String),
    /// A recording could not start (the message the window shows).
    Failed(String),
    /// The request was not accepted (another user, an unknown request).
    Refused(String),
    /// The answer to `status`, with the last problem the window shows, if any.
    Status(Phase, Option<String>),
}

impl Reply {
    /// The reply as one line, without its newline.
    pub fn line(&self) -> String {
        let with = |word: &str, why: &str| format!("{word} {}", one_line(why));
        match self {
            Reply::Started => "started".into(),
            Reply::Stopped => "stopped".into(),
            Reply::Shown => "shown".into(),
            Reply::Busy(why) => with("busy", why),
            Reply::Failed(why) => with("failed", why),
            Reply::Refused(why) => with("refused", why),
            Reply::Status(phase, None) => phase.word().into(),
            Reply::Status(phase, Some(problem)) => with(phase.word(), problem),
        }
    }

    pub fn parse(line: &str) -> Option<Reply> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim().to_owned();
        let some = |rest: String| (!rest.is_empty()).then_some(rest);
        Some(match word {
            "started" => Reply::Started,
            "stopped" => Reply::Stopped,
            "shown" => Reply::Shown,
            "busy" => Reply::Busy(rest),
            "failed" => Reply::Failed(rest),
            "refused" => Reply::Refused(rest),
            _ => {
                let phase = Phase::ALL.into_iter().find(|p| p.word() == word)?;
                Reply::Status(phase, some(rest))
            }
        })
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `clipnote` when `clipnote` on PATH is this program; otherwise its full path (what a
/// desktop shortcut or an autostart entry runs).
pub fn program() -> String {
    let Some(me) = front() else {
        return "clipnote".into();
    };
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|dir| std::fs::canonicalize(dir.join("clipnote")).is_ok_and(|p| p == me))
    });
    if on_path {
        "clipnote".into()
    } else {
        me.display().to_string()
    }
}

/// The `clipnote` front program: this one, or the one beside it when this is the full program.
fn front() -> Option<PathBuf> {
    let me = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .ok()?;
    let beside = me.with_file_name("clipnote");
    let full = me.file_name().is_some_and(|n| n == FULL_PROGRAM);
    Some(if full && beside.exists() { beside } else { me })
}

/// `$XDG_RUNTIME_DIR/clipnote/control.sock` (the folder is not made or checked here).
pub fn socket_path() -> Result<PathBuf, Error> {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .ok_or(Error::NoRuntimeDir)?;
    Ok(runtime.join(DIR).join(SOCKET))
}

/// Makes the socket's folder (0700) if it is missing, and checks that it is ours and private:
/// a folder of ours that others may open is closed (0700); one of another user is refused.
pub fn private_dir(socket: &Path) -> Result<PathBuf, Error> {
    let dir = socket.parent().unwrap_or(Path::new("/")).to_path_buf();
    let io = |what, source| Error::Io {
        what,
        path: dir.clone(),
        source,
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io("create", e)),
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| io("read", e))?;
    let not_private = |why: String| Error::NotPrivate {
        path: dir.clone(),
        why,
    };
    if !meta.is_dir() {
        return Err(not_private("it is not a folder".into()));
    }
    if meta.uid() != my_uid() {
        return Err(not_private(format!("it belongs to uid {}", meta.uid())));
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{:o}", meta.mode() & 0o777), "control: closing the socket's folder to others");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io("make private", e))?;
    }
    Ok(dir)
}

/// Our effective user id.
pub fn my_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The user id of the process at the other end of a connected socket.
pub fn peer_uid(stream: &UnixStream) -> std::io::Result<u32> {
    use std::os::fd::AsRawFd;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut cred = libc::ucred {
            pid: 0,
            uid: 0,
            gid: 0,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: SO_PEERCRED fills a `ucred` we own, of the length we pass, on a socket we hold.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&raw mut cred).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(cred.uid)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let (mut uid, mut gid) = (0, 0);
        // SAFETY: getpeereid writes two ids we own, on a socket we hold.
        if unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(uid)
    }
}

/// Reads one line of at most [`MAX_LINE`] bytes (the read timeout is the caller's).
pub fn read_line(stream: &UnixStream) -> std::io::Result<String> {
    let mut line = String::new();
    BufReader::new(stream.take(MAX_LINE)).read_line(&mut line)?;
    Ok(line)
}

/// Writes one line.
pub fn write_line(mut stream: &UnixStream, line: &str) -> std::io::Result<()> {
    stream.write_all(format!("{line}\n").as_bytes())?;
    stream.flush()
}

/// Asks the app at `socket` and returns its reply. [`Error::NotRunning`] when nothing answers:
/// no socket file, or one left behind by an app that is gone (connection refused).
pub fn ask(socket: &Path, request: Request) -> Result<Reply, Error> {
    let io = |what, source| Error::Io {
        what,
        path: socket.to_path_buf(),
        source,
    };
    let stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(Error::NotRunning(socket.to_path_buf()));
        }
        Err(e) => return Err(io("connect to", e)),
    };
    let uid = peer_uid(&stream).map_err(|e| io("identify the app on", e))?;
    if uid != my_uid() {
        return Err(Error::OtherUser {
            path: socket.to_path_buf(),
            uid,
        });
    }
    stream
        .set_read_timeout(Some(REPLY_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(REQUEST_TIMEOUT)))
        .map_err(|e| io("set a timeout on", e))?;
    write_line(&stream, request.word()).map_err(|e| io("write to", e))?;
    let line = read_line(&stream).map_err(|e| io("read the answer from", e))?;
    Reply::parse(&line).ok_or_else(|| Error::Protocol {
        path: socket.to_path_buf(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_survive_their_line() {
        for reply in [
            Reply::Started,
            Reply::Stopped,
            Reply::Shown,
            Reply::Busy("a recording is still starting".into()),
            Reply::Failed("no display".into()),
            Reply::Refused("uid 65534 is not the app's user".into()),
            Reply::Status(Phase::Idle, None),
            Reply::Status(Phase::Idle, Some("the microphone is gone".into())),
            Reply::Status(Phase::Recording, None),
        ] {
            assert_eq!(Reply::parse(&format!("{}\n", reply.line())), Some(reply));
        }
        assert_eq!(
            Reply::Failed("two\nlines".into()).line(),
            "failed two lines",
            "a reason never breaks the one-line protocol"
        );
        assert_eq!(Reply::parse("launched\n"), None);
        assert_eq!(Request::parse("toggle\n"), Some(Request::Toggle));
        assert_eq!(Request::parse("show\n"), Some(Request::Show));
        assert_eq!(Request::parse("quit\n"), None);
    }
}
