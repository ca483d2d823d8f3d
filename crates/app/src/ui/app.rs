//! The app's state and its `eframe::App`: `logic` drains the workers' channels and advances
//! the recording state; `ui` only draws the current screen (and the HUD while recording).

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};

use capture::devices::Devices;
use eframe::egui;

use super::hotkey::Hotkey;
use super::inbox::InboxView;
use super::outbox::OutboxView;
use super::poster;
use super::prefs::{self, Prefs};
use super::recorder::{self, Command};
use super::review::{PostState, Review};
use super::settings::SettingsView;

/// The app's screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Record,
    Review,
    Inbox,
    /// One clip from the inbox, playing (reached from the Inbox; not in the nav).
    Watch,
    Outbox,
    Settings,
}

impl Screen {
    pub const ALL: [Screen; 6] = [
        Screen::Record,
        Screen::Review,
        Screen::Inbox,
        Screen::Watch,
        Screen::Outbox,
        Screen::Settings,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Record => "Record",
            Screen::Review => "Review",
            Screen::Inbox => "Inbox",
            Screen::Watch => "Watch",
            Screen::Outbox => "Outbox",
            Screen::Settings => "Settings",
        }
    }
}

impl std::str::FromStr for Screen {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Screen::ALL
            .into_iter()
            .find(|screen| screen.title().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "there is no screen {s:?}; use record, review, inbox, watch, outbox or settings"
                )
            })
    }
}

/// Where a recording is. One explicit state, as the HUD and the Record screen show it.
#[derive(Debug, Clone, PartialEq)]
pub enum RecState {
    Idle,
    /// Counting 3-2-1; recording starts at `ends_at` (egui time, seconds).
    Countdown {
        ends_at: f64,
    },
    /// Asked the recorder to start; the devices are opening.
    Starting,
    Recording {
        elapsed_secs: f64,
        mic_level: f32,
        paused: bool,
        bytes: u64,
        /// What the HUD warns of (a silent microphone, a disk about to fill).
        warnings: Vec<String>,
    },
    /// Finalising the file.
    Stopping,
}

impl RecState {
    pub fn is_idle(&self) -> bool {
        matches!(self, RecState::Idle)
    }
}

/// How the app is started: the real binary takes the defaults; tests turn the hotkey off
/// (a second grab of the same keys would fail) and open a given screen.
#[derive(Debug, Clone)]
pub struct Options {
    /// Register the global hotkey.
    pub hotkey: bool,
    /// The screen to open on (default: Record).
    pub screen: Option<Screen>,
    /// Where new clips go (default: the library folder).
    pub library_dir: Option<PathBuf>,
    /// Posting settings, outbox and author (default: from the config file and environment).
    pub publish: Option<poster::Setup>,
    /// A clip to open on the Review screen.
    pub review_clip: Option<PathBuf>,
    /// The destination to fill in on the Review screen (default: the last one used).
    pub review_to: Option<String>,
    /// Count 3-2-1 before recording (default: as the user last chose).
    pub countdown: Option<bool>,
    /// Where the inbox keeps its state and downloaded clips (default: as `clipnote inbox`
    /// finds them).
    pub inbox: Option<publish::InboxConfig>,
    /// An inbox clip (its id) to open on the Watch screen.
    pub watch: Option<String>,
    /// Answer `clipnote toggle` on the control socket (`ui::control`).
    pub control: bool,
    /// Begin recording as soon as the app is up (countdown as set).
    pub start_recording: bool,
    /// The folder of the autostart entry (default: `~/.config/autostart`).
    pub autostart_dir: Option<PathBuf>,
    /// Where Review's draft looks for the drafting model (default: the model folder).
    pub models_dir: Option<PathBuf>,
    /// The program Review's draft runs as `PROGRAM draft --progress` (default: this one).
    pub draft_program: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            hotkey: true,
            screen: None,
            library_dir: None,
            publish: None,
            review_clip: None,
            review_to: None,
            countdown: None,
            inbox: None,
            watch: None,
            control: true,
            start_recording: false,
            autostart_dir: None,
            models_dir: None,
            draft_program: None,
        }
    }
}

/// The desktop app.
pub struct App {
    pub(super) ctx: egui::Context,
    pub(super) screen: Screen,
    pub(super) prefs: Prefs,
    pub(super) library_dir: Result<PathBuf, String>,
    pub(super) devices: Option<Devices>,
    devices_rx: Option<Receiver<Devices>>,
    pub(super) rec: RecState,
    recorder: Option<recorder::Handle>,
    /// The Record screen's live microphone level, and which choice of microphone it reads.
    pub(super) mic_meter: Option<(Option<String>, capture::mic::MicMeter)>,
    /// Choosing a region by dragging on the screen.
    pub(super) region_pick: super::region::RegionPick,
    pub(super) hotkey: Option<Hotkey>,
    /// Why there is no global hotkey, in words.
    pub(super) hotkey_problem: Option<String>,
    /// On Wayland: the desktop portal's global shortcut.
    portal: Option<super::portal::PortalHotkey>,
    /// `clipnote toggle`'s way in.
    pub(super) control: super::control::Control,
    /// Recordings a crash cut off, recovered at launch and offered for Review.
    pub(super) recovery: super::recovery::Recovery,
    pub(super) sound_check: super::silence::SoundCheck,
    /// The last recording problem, shown on the Record screen until the next attempt.
    pub(super) notice: Option<String>,
    pub(super) review: Review,
    /// The combination typed on the Settings screen.
    pub(super) hotkey_draft: String,
    pub(super) poster: Option<poster::Handle>,
    /// Why posting is not possible (a malformed config file, no home folder), in words.
    pub(super) publish_problem: Option<String>,
    pub(super) outbox: OutboxView,
    pub(super) settings: SettingsView,
    pub(super) inbox: InboxView,
    pub(super) folders: Folders,
    /// How long frames took while recording and while posting, for the log.
    frames: super::frame_times::FrameTimes,
    first_frame_drawn: bool,
}

/// Where things are kept, for the Settings screen.
#[derive(Default)]
pub(super) struct Folders {
    pub outbox: String,
    pub config: String,
}

/// The posting setup from the config file and the environment.
fn publish_setup() -> Result<poster::Setup, String> {
    let file = crate::config::load().map_err(|e| e.message)?;
    Ok(poster::Setup {
        settings: crate::config::publish_settings(&file).map_err(|e| e.message)?,
        outbox_dir: crate::config::outbox_dir().map_err(|e| e.message)?,
        author: crate::config::author(&file),
        post_transcript: crate::post_transcript::enabled(&file),
        team: crate::config::team_storage(&file).map_err(|e| e.message)?,
    })
}

impl App {
    /// Builds the app inside eframe (or a test harness).
    pub fn new(cc: &eframe::CreationContext<'_>, options: Options) -> Self {
        let ctx = cc.egui_ctx.clone();
        super::fonts::install(&ctx);
        let mut prefs: Prefs = cc
            .storage
            .and_then(|s| eframe::get_value(s, prefs::KEY))
            .unwrap_or_default();
        if let Some(countdown) = options.countdown {
            prefs.countdown = countdown;
        }
        if let Some(to) = &options.review_to {
            prefs.destination.clone_from(to);
        }
        let library_dir = match options.library_dir {
            Some(dir) => Ok(dir),
            None => crate::library::dir().map_err(|e| e.message),
        };
        let wake = ctx.clone();
        let recorder = recorder::Handle::spawn(move || wake.request_repaint());
        let (hotkey, hotkey_problem) = if options.hotkey {
            match Hotkey::new(&ctx, &prefs.hotkey) {
                Ok(h) => (Some(h), None),
                Err(e) => {
                    tracing::warn!("{e}");
                    (None, Some(e))
                }
            }
        } else {
            (
                None,
                Some("the global hotkey is off in this session".into()),
            )
        };
        let control =
            super::control::Control::start(&ctx, options.control, options.start_recording);
        let portal = (options.hotkey && on_wayland())
            .then(|| super::portal::PortalHotkey::start(&ctx, &prefs.hotkey));
        let (setup, publish_problem) = match options.publish.map_or_else(publish_setup, Ok) {
            Ok(setup) => (Some(setup), None),
            Err(e) => (None, Some(e)),
        };
        let folders = setup.as_ref().map_or_else(Folders::default, |s| Folders {
            outbox: s.outbox_dir.display().to_string(),
            config: s.settings.config_dir.display().to_string(),
        });
        let inbox = InboxView::new(
            setup.as_ref().map(|s| s.settings.clone()),
            options.inbox,
            options.watch,
        );
        let recovery = super::recovery::Recovery::start(&ctx, library_dir.as_deref().ok());
        let post_transcript = setup.as_ref().is_none_or(|s| s.post_transcript);
        let wake = ctx.clone();
        let poster =
            setup.map(|setup| poster::Handle::spawn(setup, move || wake.request_repaint()));
        let mut app = Self {
            poster: None,
            publish_problem,
            outbox: OutboxView::default(),
            settings: SettingsView {
                autostart: crate::autostart::Autostart::new(options.autostart_dir.clone()),
                post_transcript,
                ..SettingsView::default()
            },
            inbox,
            folders,
            frames: Default::default(),
            first_frame_drawn: false,
            screen: options.screen.unwrap_or(Screen::Record),
            hotkey_draft: prefs.hotkey.clone(),
            review: Review::new(&prefs),
            prefs,
            library_dir,
            devices: None,
            devices_rx: None,
            rec: RecState::Idle,
            recorder: None,
            mic_meter: None,
            region_pick: super::region::RegionPick::default(),
            portal,
            control,
            recovery,
            sound_check: Default::default(),
            hotkey,
            hotkey_problem,
            notice: None,
            ctx,
        };
        match poster {
            Some(Ok(p)) => app.poster = Some(p),
            Some(Err(e)) => {
                app.publish_problem = Some(format!(
                    "cannot start the posting thread: {e}. Restart Clipnote"
                ))
            }
            None => {}
        }
        match recorder {
            Ok(r) => app.recorder = Some(r),
            Err(e) => {
                app.notice = Some(format!(
                    "cannot start the recorder thread: {e}. Restart Clipnote"
                ))
            }
        }
        app.refresh_devices();
        app.review.draft.models_dir = options.models_dir;
        app.review.draft.program = options.draft_program;
        if let Some(clip) = options.review_clip {
            app.open_clip(clip);
            app.screen = Screen::Review;
        }
        tracing::info!(
            screen = app.screen.title(),
            destination = %app.prefs.destination,
            recent = app.prefs.recent.len(),
            "app: ready"
        );
        app
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The device list has arrived.
    pub fn has_devices(&self) -> bool {
        self.devices.is_some()
    }

    pub fn rec_state(&self) -> &RecState {
        &self.rec
    }

    /// The clip on the Review screen, if any.
    pub fn review_clip(&self) -> Option<&super::review::Clip> {
        self.review.clip.as_ref()
    }

    /// The Review screen's player: where it is (seconds) and whether it shows a picture.
    pub fn review_player(&self) -> (f64, bool) {
        (self.review.position(), self.review.has_picture())
    }

    /// The part of the clip that will be posted.
    pub fn review_trim(&self) -> [f64; 2] {
        self.review.trim
    }

    /// What the next recording will use, as the Record and Settings screens stand.
    pub fn next_recording(&self) -> Result<capture::RecordSettings, String> {
        self.record_settings()
    }

    /// The message on the Record screen, if any.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// What the Review screen's post is doing.
    pub fn post_state(&self) -> &PostState {
        &self.review.post
    }

    /// The inbox: its entries, filters, refresh state and the clip being watched.
    pub fn inbox(&self) -> &super::inbox::InboxView {
        &self.inbox
    }

    /// The Watch screen's player: where it is (seconds), whether it shows a picture, and its
    /// error, if any.
    pub fn watch_player(&self) -> Option<(f64, bool, Option<&str>)> {
        match &self.inbox.watch.as_ref()?.stage {
            super::inbox::Stage::Playing(w) => Some((
                w.position(),
                w.playback.has_picture(),
                w.playback.error.as_deref(),
            )),
            super::inbox::Stage::Fetching(_) => None,
        }
    }

    pub(super) fn go(&mut self, screen: Screen) {
        if self.screen != screen {
            if self.screen == Screen::Watch {
                self.leave_watch();
            }
            if screen == Screen::Outbox {
                self.outbox.asked = false;
            }
            tracing::info!(screen = screen.title(), "app: screen");
            self.screen = screen;
        }
    }

    /// Lists screens, windows and microphones on a worker thread.
    pub(super) fn refresh_devices(&mut self) {
        let (tx, rx) = sync_channel(1);
        let wake = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-devices".into())
            .spawn(move || {
                let _ = tx.send(capture::devices::list());
                wake.request_repaint();
            });
        match spawned {
            Ok(_) => self.devices_rx = Some(rx),
            Err(e) => self.notice = Some(format!("cannot list devices: {e}")),
        }
    }

    pub(super) fn hotkey_label(&self) -> Option<&str> {
        self.hotkey
            .as_ref()
            .filter(|h| h.is_registered())
            .map(|h| h.label.as_str())
    }

    /// The hotkey, the Record button and the HUD's Stop all come here.
    pub(super) fn toggle_recording(&mut self, now: f64) {
        match self.rec {
            RecState::Idle => self.begin(now),
            RecState::Countdown { .. } => self.start_now(),
            RecState::Recording { .. } => self.stop(),
            RecState::Starting | RecState::Stopping => {}
        }
    }

    /// Starts the countdown (or the recording, when the countdown is off).
    pub(super) fn begin(&mut self, now: f64) {
        if !self.rec.is_idle() {
            return;
        }
        self.notice = None;
        if self.prefs.countdown {
            tracing::info!("recording: countdown");
            self.rec = RecState::Countdown { ends_at: now + 3.0 };
        } else {
            self.start_now();
        }
    }

    pub(super) fn cancel_countdown(&mut self) {
        if matches!(self.rec, RecState::Countdown { .. }) {
            tracing::info!("recording: countdown cancelled");
            self.rec = RecState::Idle;
            self.inbox.reply = None;
        }
    }

    /// Skips what is left of the countdown.
    pub(super) fn start_now(&mut self) {
        if !matches!(self.rec, RecState::Idle | RecState::Countdown { .. }) {
            return;
        }
        let settings = match self.record_settings() {
            Ok(s) => s,
            Err(e) => {
                self.notice = Some(e);
                self.rec = RecState::Idle;
                return;
            }
        };
        if self.send(Command::Start(Box::new(settings))) {
            self.rec = RecState::Starting;
        } else {
            self.rec = RecState::Idle;
        }
    }

    pub(super) fn stop(&mut self) {
        if matches!(self.rec, RecState::Recording { .. }) && self.send(Command::Stop) {
            self.rec = RecState::Stopping;
        }
    }

    pub(super) fn discard(&mut self) {
        if matches!(self.rec, RecState::Recording { .. }) && self.send(Command::Discard) {
            self.rec = RecState::Stopping;
        }
    }

    /// Mutes or unmutes the microphone, now if recording and for the next recording.
    pub(super) fn set_mic_muted(&mut self, muted: bool) {
        self.prefs.mic_muted = muted;
        if matches!(self.rec, RecState::Recording { .. }) {
            self.send(Command::Mute(muted));
        }
    }

    pub(super) fn set_paused(&mut self, paused: bool) {
        if let RecState::Recording { paused: p, .. } = &mut self.rec {
            let command = if paused {
                Command::Pause
            } else {
                Command::Resume
            };
            if self.recorder.as_ref().is_some_and(|r| r.send(command)) {
                *p = paused;
            }
        }
    }

    fn send(&mut self, command: Command) -> bool {
        let sent = self.recorder.as_ref().is_some_and(|r| r.send(command));
        if !sent {
            self.notice = Some("the recorder is not responding; restart Clipnote".into());
        }
        sent
    }

    fn on_recorder(&mut self, event: recorder::Event) {
        use recorder::Event;
        match event {
            Event::Started => {
                self.rec = RecState::Recording {
                    elapsed_secs: 0.0,
                    mic_level: 0.0,
                    paused: false,
                    bytes: 0,
                    warnings: Vec::new(),
                };
            }
            Event::Tick {
                elapsed_secs,
                mic_level,
                paused,
                bytes,
                warnings,
            } => {
                if matches!(self.rec, RecState::Recording { .. }) {
                    self.rec = RecState::Recording {
                        elapsed_secs,
                        mic_level,
                        paused,
                        bytes,
                        warnings,
                    };
                }
            }
            Event::Stopping => self.rec = RecState::Stopping,
            Event::Finished(finished) => {
                self.rec = RecState::Idle;
                self.frames.recording.log("recording");
                self.review.open(finished, &self.prefs, &self.ctx);
                if let Some(reply) = self.inbox.reply.take() {
                    self.review.set_reply(reply);
                }
                self.go(Screen::Review);
                tracing::info!("app: review opened");
            }
            Event::Notice(message) => self.notice = Some(message),
            Event::Discarded => {
                self.rec = RecState::Idle;
                self.inbox.reply = None;
            }
            Event::Failed(message) => {
                self.rec = RecState::Idle;
                self.inbox.reply = None;
                self.notice = Some(message);
                self.go(Screen::Record);
            }
        }
    }

    /// One pass of everything that is not drawing: runs even while the window is hidden.
    fn tick(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        if let Some(rx) = &self.devices_rx
            && let Ok(devices) = rx.try_recv()
        {
            self.devices = Some(devices);
            self.devices_rx = None;
        }
        let events: Vec<_> = self
            .recorder
            .as_ref()
            .map(|r| r.rx.try_iter().collect())
            .unwrap_or_default();
        for event in events {
            self.on_recorder(event);
        }
        let portal_pressed = self
            .portal
            .as_mut()
            .is_some_and(super::portal::PortalHotkey::pressed);
        if self.hotkey.as_ref().is_some_and(Hotkey::pressed) || portal_pressed {
            tracing::info!("hotkey: pressed");
            self.toggle_recording(now);
        }
        self.control_tick(now);
        self.recovery_tick();
        if let RecState::Countdown { ends_at } = self.rec {
            if now >= ends_at {
                self.start_now();
            } else {
                ctx.request_repaint_after(std::time::Duration::from_millis(100));
            }
        }
        let events: Vec<_> = self
            .poster
            .as_ref()
            .map(|p| p.rx.try_iter().collect())
            .unwrap_or_default();
        for event in events {
            self.on_poster(ctx, event);
        }
        self.review_tick(ctx);
        self.inbox_tick(ctx);
    }

    fn on_poster(&mut self, ctx: &egui::Context, event: poster::Event) {
        use poster::Event;
        let posting = matches!(self.review.post, PostState::Working { .. });
        match event {
            Event::Checked { to, found } => {
                // Recent destinations are offered by their real names.
                if let Ok(f) = &found
                    && self.review.target().as_ref().ok() == Some(&to)
                {
                    let typed = self.review.destination.trim().to_owned();
                    self.prefs.titles.insert(typed, f.title.clone());
                }
                if self.review.checking.as_ref() == Some(&to) {
                    self.review.checking = None;
                }
                self.review.found = Some((to, found));
            }
            Event::Working { what, fraction } => {
                if posting {
                    self.review.post = PostState::Working { what, fraction };
                } else {
                    self.outbox.working = Some(what);
                }
            }
            Event::Posted { job_id, task_url } => {
                tracing::info!(job = %job_id, url = %task_url, "app: posted");
                if posting {
                    self.frames.posting.log("posting");
                    ctx.copy_text(task_url.clone());
                    super::notify::posted(&self.review.title, &task_url);
                    self.review.post = PostState::Posted { url: task_url };
                }
                self.outbox.working = None;
                self.outbox.asked = false;
            }
            Event::Failed {
                job_id,
                message,
                queued,
            } => {
                tracing::info!(queued, "app: post failed: {message}");
                if posting {
                    self.frames.posting.log("posting");
                    self.review.post = PostState::Failed {
                        message,
                        job_id,
                        queued,
                    };
                } else {
                    self.outbox.working = None;
                }
                self.outbox.asked = false;
            }
            Event::Outbox(jobs) => self.outbox.jobs = Some(jobs),
            Event::TokenChecked { service, result } | Event::TokenSaved { service, result } => {
                *self.settings.status_mut(service) = Some(result);
            }
            Event::TokenMissing(service) => *self.settings.status_mut(service) = None,
        }
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.tick(ctx);
        // Ctrl+Q quits as the window's close button does (a recording is saved first).
        let quit = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Q);
        if ctx.input_mut(|i| i.consume_shortcut(&quit)) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if !self.first_frame_drawn {
            self.first_frame_drawn = true;
            tracing::info!("app: first frame");
        }
        if let Some(secs) = frame.info().cpu_usage {
            if matches!(self.rec, RecState::Recording { .. }) {
                self.frames.recording.push(secs);
            }
            if matches!(self.review.post, PostState::Working { .. }) {
                self.frames.posting.push(secs);
            }
        }
        egui::Panel::top("nav").show(ui, |ui| self.nav_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| match self.screen {
            Screen::Record => self.record_ui(ui),
            Screen::Review => self.review_ui(ui),
            Screen::Inbox => self.inbox_ui(ui),
            Screen::Watch => self.watch_ui(ui),
            Screen::Outbox => self.outbox_ui(ui),
            Screen::Settings => self.settings_ui(ui),
        });
        if !self.rec.is_idle() {
            self.hud(ui.ctx());
        }
        self.region_overlay(ui.ctx());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Where the viewer stopped (the inbox worker saves it; the position is also saved
        // every few seconds while playing).
        self.leave_watch();
        if matches!(
            self.rec,
            RecState::Starting | RecState::Recording { .. } | RecState::Stopping
        ) && let Some(recorder) = &self.recorder
        {
            tracing::info!("app: closing while recording; saving the clip first");
            recorder.stop_and_wait(std::time::Duration::from_secs(20));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.review.store_into(&mut self.prefs);
        eframe::set_value(storage, prefs::KEY, &self.prefs);
    }
}

impl App {
    fn nav_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.add_space(4.0);
            ui.label(egui::RichText::new("Clipnote").strong().size(16.0));
            ui.add_space(12.0);
            for screen in Screen::ALL {
                if screen == Screen::Watch {
                    continue;
                }
                let selected = self.screen == screen
                    || (screen == Screen::Inbox && self.screen == Screen::Watch);
                let text = egui::RichText::new(screen.title()).size(15.0);
                if ui.selectable_label(selected, text).clicked() {
                    self.go(screen);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                use super::portal::State;
                match (self.hotkey_label(), self.portal.as_ref().map(|p| &p.state)) {
                    (_, Some(State::Bound(trigger))) => {
                        let shown = if trigger.is_empty() { &self.prefs.hotkey } else { trigger };
                        ui.label(format!("Hotkey {shown}: start / stop (desktop shortcut)"))
                    }
                    (_, Some(State::Connecting)) => ui.label("Hotkey: asking the desktop…"),
                    (_, Some(State::Unavailable(why))) => ui
                        .label(
                            egui::RichText::new("No global hotkey")
                                .color(ui.visuals().warn_fg_color),
                        )
                        .on_hover_text(why.clone()),
                    (Some(label), None) if on_wayland() => ui
                        .label(format!("Hotkey {label}: only while Clipnote has focus (Wayland)"))
                        .on_hover_text("Wayland lets no program see keys pressed in other windows; use the Record button, or a shortcut in your desktop's settings that runs `clipnote toggle` (see Settings)"),
                    (Some(label), None) => ui.label(format!("Hotkey {label}: start / stop")),
                    (None, None) => ui
                        .label(
                            egui::RichText::new("No global hotkey")
                                .color(ui.visuals().warn_fg_color),
                        )
                        .on_hover_text(self.hotkey_problem.clone().unwrap_or_default()),
                };
            });
        });
    }
}

/// A Wayland session, where X11 global hotkeys only see keys sent to our own (XWayland) windows.
pub(super) fn on_wayland() -> bool {
    (std::env::var_os("WAYLAND_DISPLAY").is_some() && !super::stale_wayland_display())
        || std::env::var("XDG_SESSION_TYPE").is_ok_and(|t| t == "wayland")
}
