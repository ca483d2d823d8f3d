//! The app's end of `clipnote toggle` (see [`crate::control`] for the socket and its protocol).
//!
//! A `ui-control` thread accepts connections one at a time, refuses any other user
//! (`SO_PEERCRED`), and forwards each request as a [`ControlCommand`] over a bounded channel
//! with a repaint; [`App::control_tick`] answers them all in one match, through the same
//! `toggle_recording` the hotkey uses (so the countdown setting applies). A toggle that starts a
//! recording is answered once the devices opened (or failed), so `started` means it records.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};

use eframe::egui;

use super::app::{App, RecState};
use crate::control::{self, Phase, Reply, Request};

/// What `clipnote toggle` asks of the app; each carries where the answer goes.
#[derive(Debug)]
pub enum ControlCommand {
    Toggle { reply: SyncSender<Reply> },
    Status { reply: SyncSender<Reply> },
    Show { reply: SyncSender<Reply> },
}

/// Whether `clipnote toggle` reaches this app, in words for Settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Listening(PathBuf),
    Off(String),
}

/// The UI's end of the control socket.
pub struct Control {
    rx: Option<Receiver<ControlCommand>>,
    pub reach: Reach,
    /// Start recording on the first tick (`CLIPNOTE_START_RECORDING=1`, which `clipnote toggle`
    /// sets when it starts the app).
    start_when_up: bool,
    /// Toggles that began a recording whose devices are still opening.
    awaiting_start: Vec<SyncSender<Reply>>,
    /// The socket we bound and its identity: removed on exit if it is still ours.
    bound: Option<(PathBuf, Identity)>,
    /// What to put in a desktop shortcut: `clipnote toggle`, or the full path when `clipnote`
    /// on PATH is not this program.
    pub command: String,
}

impl Control {
    /// Listens on the control socket (when `listen`; tests of the UI alone do not).
    pub fn start(ctx: &egui::Context, listen: bool, start_recording: bool) -> Self {
        let mut control = Self {
            rx: None,
            reach: Reach::Off("it is off in this session".into()),
            start_when_up: start_recording,
            awaiting_start: Vec::new(),
            bound: None,
            command: shortcut_command(),
        };
        if !listen {
            return control;
        }
        match bind() {
            Ok((listener, path, id)) => {
                let (tx, rx) = sync_channel(4);
                let wake = ctx.clone();
                let spawned = std::thread::Builder::new()
                    .name("ui-control".into())
                    .spawn(move || serve(&listener, &tx, &wake));
                match spawned {
                    Ok(_) => {
                        tracing::info!(socket = %path.display(), "control: listening");
                        control.rx = Some(rx);
                        control.reach = Reach::Listening(path.clone());
                    }
                    Err(e) => {
                        control.reach = Reach::Off(format!(
                            "cannot start the control thread: {e}. Restart Clipnote"
                        ))
                    }
                }
                control.bound = Some((path, id));
            }
            Err(why) => {
                tracing::warn!("control: {why}");
                control.reach = Reach::Off(why);
            }
        }
        control
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        if let Some((path, id)) = &self.bound
            && std::fs::metadata(path).is_ok_and(|m| identity(&m) == *id)
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A file's inode and change time: tmpfs hands a freed inode number to the next file.
type Identity = (u64, i64, i64);

fn identity(meta: &std::fs::Metadata) -> Identity {
    (meta.ino(), meta.ctime(), meta.ctime_nsec())
}

/// Binds the socket (0600 in its 0700 folder), replacing a file left by an app that is gone.
fn bind() -> Result<(UnixListener, PathBuf, Identity), String> {
    let path = control::socket_path().map_err(|e| e.to_string())?;
    control::private_dir(&path).map_err(|e| e.to_string())?;
    let shown = path.display();
    match UnixStream::connect(&path) {
        Ok(_) => {
            return Err(format!(
                "another Clipnote already answers on {shown}, so `clipnote toggle` goes to that one: quit it to use this one"
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            tracing::info!(socket = %shown, "control: replacing a socket left by a Clipnote that is gone");
            std::fs::remove_file(&path).map_err(|e| {
                format!("cannot remove the stale socket {shown}: {e}; remove it by hand")
            })?;
        }
        Err(_) => {}
    }
    let listener = UnixListener::bind(&path).map_err(|e| {
        format!(
            "cannot listen on {shown}: {e}; check that XDG_RUNTIME_DIR is a folder you can write"
        )
    })?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot make {shown} private: {e}"))?;
    let meta = std::fs::metadata(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    Ok((listener, path, identity(&meta)))
}

/// The `ui-control` thread: one connection at a time, until the app is gone.
fn serve(listener: &UnixListener, tx: &SyncSender<ControlCommand>, wake: &egui::Context) {
    let me = control::my_uid();
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if !answer(&stream, me, tx, wake) {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!("control: cannot accept a connection: {e}");
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    }
}

/// Answers one connection. False once the app is gone.
fn answer(
    stream: &UnixStream,
    me: u32,
    tx: &SyncSender<ControlCommand>,
    wake: &egui::Context,
) -> bool {
    let timeouts = stream
        .set_read_timeout(Some(control::REQUEST_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(control::REQUEST_TIMEOUT)));
    if let Err(e) = timeouts {
        tracing::warn!("control: cannot set timeouts: {e}");
        return true;
    }
    let mut open = true;
    let reply = match control::peer_uid(stream) {
        Err(e) => Reply::Refused(format!("cannot tell who is asking: {e}")),
        Ok(uid) if uid != me => {
            tracing::warn!(uid, "control: refused a connection from another user");
            Reply::Refused(format!("uid {uid} is not the user this Clipnote runs as"))
        }
        Ok(_) => match control::read_line(stream) {
            Err(e) => {
                tracing::info!("control: no request arrived ({e})");
                return true;
            }
            Ok(line) => match Request::parse(&line) {
                None => Reply::Refused(format!(
                    "unknown request {:?}: this Clipnote understands toggle, status and show",
                    line.trim()
                )),
                Some(request) => {
                    let (reply, still_open) = forward(request, tx, wake);
                    open = still_open;
                    reply
                }
            },
        },
    };
    if let Err(e) = control::write_line(stream, &reply.line()) {
        tracing::info!("control: the client left before the answer ({e})");
    }
    open
}

/// Hands a request to the UI thread and waits (bounded) for its answer.
fn forward(
    request: Request,
    tx: &SyncSender<ControlCommand>,
    wake: &egui::Context,
) -> (Reply, bool) {
    let (reply, answered) = sync_channel(1);
    let command = match request {
        Request::Toggle => ControlCommand::Toggle { reply },
        Request::Status => ControlCommand::Status { reply },
        Request::Show => ControlCommand::Show { reply },
    };
    let closing = || Reply::Busy("Clipnote is closing".into());
    match tx.try_send(command) {
        Ok(()) => {
            wake.request_repaint();
            match answered.recv_timeout(control::ANSWER_TIMEOUT) {
                Ok(reply) => (reply, true),
                Err(RecvTimeoutError::Timeout) => (
                    Reply::Busy(format!(
                        "the window did not answer within {} s; look at the Clipnote window",
                        control::ANSWER_TIMEOUT.as_secs()
                    )),
                    true,
                ),
                Err(RecvTimeoutError::Disconnected) => (closing(), true),
            }
        }
        Err(TrySendError::Full(_)) => (
            Reply::Busy("Clipnote is still answering an earlier request".into()),
            true,
        ),
        Err(TrySendError::Disconnected(_)) => (closing(), false),
    }
}

fn phase(rec: &RecState) -> Phase {
    match rec {
        RecState::Idle => Phase::Idle,
        RecState::Countdown { .. } => Phase::Countdown,
        RecState::Starting => Phase::Starting,
        RecState::Recording { .. } => Phase::Recording,
        RecState::Stopping => Phase::Stopping,
    }
}

impl App {
    /// Everything `clipnote toggle` asked since the last pass, answered in one place.
    pub(super) fn control_tick(&mut self, now: f64) {
        if std::mem::take(&mut self.control.start_when_up) {
            tracing::info!("control: recording right away (CLIPNOTE_START_RECORDING)");
            self.begin(now);
        }
        let commands: Vec<_> = self
            .control
            .rx
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default();
        for command in commands {
            match command {
                ControlCommand::Toggle { reply } => {
                    let before = phase(&self.rec);
                    tracing::info!(state = before.word(), "control: toggle");
                    self.toggle_recording(now);
                    self.answer_toggle(before, reply);
                }
                ControlCommand::Status { reply } => {
                    let _ = reply.try_send(Reply::Status(phase(&self.rec), self.notice.clone()));
                }
                ControlCommand::Show { reply } => {
                    tracing::info!("control: show (Clipnote was launched again)");
                    self.bring_forward();
                    let _ = reply.try_send(Reply::Shown);
                }
            }
        }
        if !self.control.awaiting_start.is_empty() && !matches!(self.rec, RecState::Starting) {
            let outcome = self.start_outcome();
            for reply in self.control.awaiting_start.drain(..) {
                let _ = reply.try_send(outcome.clone());
            }
        }
    }

    /// Un-hides, un-minimises and raises the main window, and asks the desktop for attention
    /// where it does not let a program take the focus (Wayland without an activation token).
    fn bring_forward(&self) {
        use egui::{UserAttentionType, ViewportCommand};
        for command in [
            ViewportCommand::Visible(true),
            ViewportCommand::Minimized(false),
            ViewportCommand::Focus,
            ViewportCommand::RequestUserAttention(UserAttentionType::Informational),
        ] {
            self.ctx.send_viewport_cmd(command);
        }
    }

    fn answer_toggle(&mut self, before: Phase, reply: SyncSender<Reply>) {
        let answer = match (before, phase(&self.rec)) {
            (Phase::Starting, _) => Reply::Busy("a recording is still starting".into()),
            (Phase::Stopping, _) => Reply::Busy("the last recording is still being saved".into()),
            (Phase::Recording, Phase::Stopping) => Reply::Stopped,
            (Phase::Recording, _) => Reply::Failed(self.notice.clone().unwrap_or_else(|| {
                "the recording did not stop; use Stop in the Clipnote window".into()
            })),
            (_, Phase::Starting) => {
                self.control.awaiting_start.push(reply);
                return;
            }
            _ => self.start_outcome(),
        };
        let _ = reply.try_send(answer);
    }

    /// What became of a start, once the devices opened (or did not).
    fn start_outcome(&self) -> Reply {
        match phase(&self.rec) {
            Phase::Countdown | Phase::Recording | Phase::Stopping => Reply::Started,
            Phase::Idle | Phase::Starting => {
                Reply::Failed(self.notice.clone().unwrap_or_else(|| {
                    "the recording did not start; look at the Clipnote window".into()
                }))
            }
        }
    }

    /// Settings: how to bind the hotkey in the desktop's own settings, for the desktop in use.
    pub(super) fn wayland_hotkey_ui(&self, ui: &mut egui::Ui) {
        ui.label(egui::RichText::new("Hotkey on Wayland").strong());
        ui.label(
            "Wayland lets no program see keys pressed in other windows. Give the desktop a shortcut that runs Clipnote's toggle instead: it starts a recording in this window (or starts Clipnote), and stops it the next time.",
        );
        let desktop = std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default();
        ui.label(shortcut_steps(
            &desktop,
            &self.control.command,
            &self.prefs.hotkey,
        ));
        match &self.control.reach {
            Reach::Listening(path) => ui.weak(format!("Listening on {}", path.display())),
            Reach::Off(why) => ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("`clipnote toggle` cannot reach this window: {why}"),
            ),
        };
    }
}

/// One Clipnote per user: when an app already answers on the control socket, asks it to
/// bring its window forward and returns what to tell the user; `None` when this launch should
/// open the app (nothing answers, or the socket cannot be used — Settings then says why).
pub fn already_running() -> Option<Result<String, String>> {
    let socket = control::socket_path().ok()?;
    match control::ask(&socket, Request::Show) {
        Ok(Reply::Shown) => Some(Ok(
            "Clipnote is already running: its window was brought forward (one Clipnote runs per user, so the hotkey has one owner)".into(),
        )),
        Ok(other) => Some(Err(format!(
            "another Clipnote already runs (it answered {:?} on {}) and could not bring its window forward: quit it, then start Clipnote again",
            other.line(),
            socket.display()
        ))),
        Err(control::Error::NotRunning(_)) => None,
        Err(e) => {
            tracing::info!("control: not checking for a running Clipnote: {e}");
            None
        }
    }
}

/// Where to add a shortcut that runs `command` on `combo`, for `XDG_CURRENT_DESKTOP`.
pub fn shortcut_steps(desktop: &str, command: &str, combo: &str) -> String {
    let is = |name: &str| desktop.split(':').any(|d| d.eq_ignore_ascii_case(name));
    if is("GNOME") {
        format!(
            "GNOME: Settings → Keyboard → View and Customize Shortcuts → Custom Shortcuts → Add Shortcut (+). Name: Clipnote, Command: {command}, Shortcut: {combo}."
        )
    } else if is("KDE") {
        format!(
            "KDE Plasma: System Settings → Shortcuts → Add New → Command or Script → {command}, then set {combo} as its shortcut."
        )
    } else if is("sway") {
        format!(
            "sway: add the line  bindsym {} exec {command}  to ~/.config/sway/config, then reload sway.",
            combo.to_ascii_lowercase().replace(' ', "")
        )
    } else {
        format!(
            "In your desktop's keyboard settings, add a custom shortcut that runs  {command}  and give it {combo}."
        )
    }
}

/// `clipnote toggle` when `clipnote` on PATH is this program; otherwise its full path.
fn shortcut_command() -> String {
    format!("{} toggle", control::program())
}

#[cfg(test)]
mod tests {
    use super::shortcut_steps;

    #[test]
    fn each_desktop_gets_its_own_steps() {
        let gnome = shortcut_steps("ubuntu:GNOME", "clipnote toggle", "Ctrl+Alt+R");
        assert!(gnome.contains("Custom Shortcuts"), "{gnome}");
        assert!(gnome.contains("clipnote toggle") && gnome.contains("Ctrl+Alt+R"));
        let kde = shortcut_steps("KDE", "clipnote toggle", "Ctrl+Alt+R");
        assert!(kde.contains("System Settings → Shortcuts"), "{kde}");
        let sway = shortcut_steps("sway", "clipnote toggle", "Ctrl+Alt+R");
        assert!(
            sway.contains("bindsym ctrl+alt+r exec clipnote toggle")
                && sway.contains("~/.config/sway/config"),
            "{sway}"
        );
        let other = shortcut_steps("", "/opt/clipnote toggle", "Ctrl+Alt+R");
        assert!(
            other.contains("custom shortcut that runs  /opt/clipnote toggle"),
            "{other}"
        );
    }
}
