//! The global hotkey on Wayland, where no program may watch keys pressed in other windows: the
//! desktop portal's GlobalShortcuts interface (`ashpd`) binds a "start or stop recording"
//! shortcut, which the desktop lets the person confirm or change, and tells us when it fires.
//! It runs on its own thread (`ui-portal`, a small tokio runtime), forwards each activation over a
//! bounded channel with a repaint, and says in words when the desktop has no such portal.
//!
//! Not run by our tests beyond the "no portal" path: Xvfb has no portal (see the README).

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use eframe::egui;

/// The shortcut's id with the portal.
const SHORTCUT_ID: &str = "toggle-recording";

/// What the portal thread reports.
#[derive(Debug)]
enum Report {
    /// Bound: the trigger as the desktop describes it ("Ctrl+Alt+R"), maybe empty.
    Bound(String),
    /// The shortcut fired.
    Pressed,
    /// No global shortcut is possible; why, in words.
    Unavailable(String),
}

/// Where the portal shortcut stands, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Connecting,
    Bound(String),
    Unavailable(String),
}

/// The UI's end of the portal shortcut.
pub struct PortalHotkey {
    rx: Receiver<Report>,
    pub state: State,
}

impl PortalHotkey {
    /// Asks the desktop for a global shortcut whose preferred trigger is `combo` ("Ctrl+Alt+R").
    pub fn start(ctx: &egui::Context, combo: &str) -> Self {
        let (tx, rx) = sync_channel(16);
        let trigger = portal_trigger(combo);
        let wake = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-portal".into())
            .spawn(move || run(&trigger, &tx, &wake));
        let state = match spawned {
            Ok(_) => State::Connecting,
            Err(e) => State::Unavailable(format!("cannot start the portal thread: {e}")),
        };
        Self { rx, state }
    }

    /// True once for each press since the last call; updates [`Self::state`].
    pub fn pressed(&mut self) -> bool {
        let mut any = false;
        loop {
            match self.rx.try_recv() {
                Ok(Report::Pressed) => any = true,
                Ok(Report::Bound(trigger)) => self.state = State::Bound(trigger),
                Ok(Report::Unavailable(why)) => self.state = State::Unavailable(why),
                Err(TryRecvError::Empty) => return any,
                Err(TryRecvError::Disconnected) => {
                    if self.state == State::Connecting {
                        self.state = State::Unavailable("the portal thread stopped".into());
                    }
                    return any;
                }
            }
        }
    }
}

/// "Ctrl+Alt+R" → "CTRL+ALT+r", the XDG shortcuts notation the portal takes.
pub fn portal_trigger(combo: &str) -> String {
    combo
        .split('+')
        .map(|part| {
            let part = part.trim();
            match part.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => "CTRL".to_owned(),
                "alt" => "ALT".to_owned(),
                "shift" => "SHIFT".to_owned(),
                "super" | "meta" | "logo" => "LOGO".to_owned(),
                key if key.len() == 1 => key.to_owned(),
                _ => part.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("+")
}

fn run(trigger: &str, tx: &SyncSender<Report>, wake: &egui::Context) {
    let send = |report: Report| {
        let ok = tx.try_send(report).is_ok();
        wake.request_repaint();
        ok
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            send(Report::Unavailable(format!(
                "cannot start the portal runtime: {e}"
            )));
            return;
        }
    };
    let result = rt.block_on(async {
        use ashpd::desktop::global_shortcuts::{GlobalShortcuts, NewShortcut};
        use futures_util::StreamExt;
        let portal = GlobalShortcuts::new().await?;
        let session = portal.create_session().await?;
        let shortcut = NewShortcut::new(SHORTCUT_ID, "Start or stop a Clipnote recording")
            .preferred_trigger(trigger);
        let bound = portal
            .bind_shortcuts(&session, &[shortcut], None)
            .await?
            .response()?;
        let described = bound
            .shortcuts()
            .iter()
            .find(|s| s.id() == SHORTCUT_ID)
            .map(|s| s.trigger_description().to_owned())
            .unwrap_or_default();
        tracing::info!(trigger = %described, "hotkey: bound through the GlobalShortcuts portal");
        if !send(Report::Bound(described)) {
            return Ok(());
        }
        let mut activated = portal.receive_activated().await?;
        while let Some(event) = activated.next().await {
            if event.shortcut_id() == SHORTCUT_ID && !send(Report::Pressed) {
                break;
            }
        }
        Ok::<(), ashpd::Error>(())
    });
    if let Err(e) = result {
        tracing::info!("hotkey: no GlobalShortcuts portal: {e}");
        send(Report::Unavailable(format!(
            "the desktop offers no global shortcut to programs ({e}): use the Record button, or a shortcut in your desktop's settings that runs `clipnote toggle` (see Settings)"
        )));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn combinations_become_the_portals_notation() {
        assert_eq!(super::portal_trigger("Ctrl+Alt+R"), "CTRL+ALT+r");
        assert_eq!(super::portal_trigger("ctrl + shift + F9"), "CTRL+SHIFT+F9");
    }
}
