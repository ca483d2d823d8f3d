//! The Review screen: play the clip, trim its start and end, give it a title and a summary,
//! choose where it goes (validated as typed), see its size against the destination's limit,
//! and post it — with progress, then the link or the error in words with Retry.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};

use eframe::egui;
use publish::{ReplyTo, TaskRef};

use super::app::App;
use super::hud::clock;
use super::player::Playback;
use super::poster;
use super::prefs::Prefs;
use super::record::truncate;
use crate::mib;

/// The summary a new clip starts with.
pub const TEMPLATE: &str = include_str!("../../../../assets/summary-template.md");

/// The clip under review.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    pub path: PathBuf,
    pub duration_secs: f64,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub has_audio: bool,
}

impl From<capture::Finished> for Clip {
    fn from(f: capture::Finished) -> Self {
        Self {
            path: f.path,
            duration_secs: f.duration_secs,
            width: f.width,
            height: f.height,
            bytes: f.bytes,
            has_audio: f.has_audio,
        }
    }
}

/// Where a post stands.
#[derive(Debug, Clone, PartialEq)]
pub enum PostState {
    Idle,
    Working {
        what: String,
        fraction: Option<f32>,
    },
    Posted {
        url: String,
    },
    Failed {
        message: String,
        job_id: Option<String>,
        queued: bool,
    },
}

pub struct Review {
    pub clip: Option<Clip>,
    pub title: String,
    pub summary: String,
    pub destination: String,
    /// The destination as parsed, for the text it was parsed from.
    parsed: (String, Result<TaskRef, String>),
    /// The destination's per-file limit, once the poster has asked.
    pub found: Option<(TaskRef, Result<poster::Found, String>)>,
    /// The destination the poster is checking now.
    pub checking: Option<TaskRef>,
    /// Keep `trim[0]..trim[1]` seconds.
    pub trim: [f64; 2],
    /// The player, once a clip is open.
    pub playback: Option<Playback>,
    /// Why the clip could not be opened.
    pub open_error: Option<String>,
    pub post: PostState,
    /// The teammate's clip this one answers: the destination is fixed to its task.
    pub reply: Option<(TaskRef, ReplyTo)>,
    /// Clips in the library, for the empty state (newest first).
    library: Option<Vec<(PathBuf, u64)>>,
    info_rx: Option<Receiver<Result<Clip, String>>>,
    /// Tighten's state for this clip (`tighten.rs`).
    pub(super) tighten: super::tighten::Tighten,
    /// The summary drafted from the transcript (`draft.rs`).
    pub(super) draft: super::draft::DraftBox,
    /// The transcript, corrected here (`review_text.rs`).
    pub(super) text: super::review_text::ReviewText,
    /// Over the destination's limit: keep the clip whole in team storage and link to it.
    pub(super) full_quality: bool,
}

impl Review {
    pub fn new(prefs: &Prefs) -> Self {
        let destination = prefs.destination.clone();
        Self {
            clip: None,
            title: String::new(),
            summary: TEMPLATE.to_owned(),
            parsed: (destination.clone(), parse(&destination)),
            destination,
            found: None,
            checking: None,
            trim: [0.0, 0.0],
            playback: None,
            open_error: None,
            post: PostState::Idle,
            reply: None,
            library: None,
            info_rx: None,
            tighten: super::tighten::Tighten::Idle,
            draft: super::draft::DraftBox::default(),
            text: super::review_text::ReviewText::default(),
            full_quality: false,
        }
    }

    /// Opens a finished recording for review.
    pub fn open(&mut self, finished: capture::Finished, prefs: &Prefs, ctx: &egui::Context) {
        self.load(Clip::from(finished), prefs, ctx);
    }

    fn load(&mut self, clip: Clip, prefs: &Prefs, ctx: &egui::Context) {
        self.trim = [0.0, clip.duration_secs];
        self.playback = Some(Playback::open(clip.path.clone(), ctx));
        self.open_error = None;
        // A title to start from, as Loom and Cap name new clips; typing replaces it.
        self.title = format!("Update {}", publish::today());
        self.summary = TEMPLATE.to_owned();
        self.destination.clone_from(&prefs.destination);
        self.post = PostState::Idle;
        self.reply = None;
        self.clip = Some(clip);
        self.library = None;
        self.tighten = super::tighten::Tighten::Idle;
        self.draft = self.draft.renewed(None);
    }

    /// Keeps what should outlive the app in the preferences.
    pub fn store_into(&self, prefs: &mut Prefs) {
        prefs.destination.clone_from(&self.destination);
    }

    /// Makes the clip under review a reply: titled "Re: <their title>", posted on the task of
    /// the clip it answers.
    pub fn set_reply(&mut self, (to, reply): (TaskRef, ReplyTo)) {
        self.title = format!("Re: {}", reply.title);
        self.destination = reference(&to);
        self.parsed = (self.destination.clone(), Ok(to.clone()));
        self.reply = Some((to, reply));
    }

    /// The destination as typed, parsed (re-parsed only when the text changed); a reply's is
    /// fixed.
    pub fn target(&mut self) -> &Result<TaskRef, String> {
        if let Some((to, _)) = &self.reply {
            if self.parsed.1.as_ref() != Ok(to) {
                self.parsed = (self.destination.clone(), Ok(to.clone()));
            }
            return &self.parsed.1;
        }
        if self.parsed.0 != self.destination {
            self.parsed = (self.destination.clone(), parse(&self.destination));
        }
        &self.parsed.1
    }

    pub fn has_picture(&self) -> bool {
        self.playback.as_ref().is_some_and(Playback::has_picture)
    }

    pub fn position(&self) -> f64 {
        self.playback.as_ref().map_or(0.0, |p| p.position)
    }

    fn is_playing(&self) -> bool {
        self.playback.as_ref().is_some_and(Playback::is_playing)
    }

    fn trimmed(&self) -> Option<(f64, f64)> {
        let clip = self.clip.as_ref()?;
        let [start, end] = self.trim;
        (start > 0.05 || end < clip.duration_secs - 0.05).then_some((start, end))
    }
}

fn parse(text: &str) -> Result<TaskRef, String> {
    TaskRef::parse(text).map_err(|e| e.to_string())
}

/// What a person would paste for `to` (it parses back to `to`).
fn reference(to: &TaskRef) -> String {
    match to {
        TaskRef::Notion { page_id } => page_id.clone(),
        TaskRef::ClickUp { task_id } => format!("https://app.clickup.com/t/{task_id}"),
        TaskRef::ClickUpCustom {
            custom_id,
            team_id: Some(team),
        } => format!("https://app.clickup.com/t/{team}/{custom_id}"),
        TaskRef::ClickUpCustom { custom_id, .. } => custom_id.clone(),
        TaskRef::Library => "library".into(),
        TaskRef::Folder { path } => format!("folder:{}", path.display()),
        TaskRef::S3 { .. } => to.to_string(),
    }
}

impl App {
    /// Runs from `logic`: takes the clip's facts and the player's pictures from the workers.
    pub(super) fn review_tick(&mut self, ctx: &egui::Context) {
        let r = &mut self.review;
        if let Some(rx) = &r.info_rx
            && let Ok(result) = rx.try_recv()
        {
            r.info_rx = None;
            match result {
                Ok(clip) => r.load(clip, &self.prefs, ctx),
                Err(e) => r.open_error = Some(e),
            }
        }
        let trim_end = r.trim[1];
        if let Some(p) = &mut r.playback {
            p.tick(ctx, trim_end);
        }
        self.tighten_tick();
        self.draft_tick();
        self.review_text_tick();
    }

    /// Opens a clip file for review (its facts are read, and that it plays checked, on a worker
    /// thread).
    pub(super) fn open_clip(&mut self, path: PathBuf) {
        let (tx, rx) = sync_channel(1);
        let wake = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-clip-info".into())
            .spawn(move || {
                let result =
                    crate::playable::check(&path, crate::playable::FIX_APP).map(|info| Clip {
                        bytes: std::fs::metadata(&path).map_or(0, |m| m.len()),
                        path,
                        duration_secs: info.duration_secs,
                        width: info.width,
                        height: info.height,
                        has_audio: info.has_audio,
                    });
                let _ = tx.send(result);
                wake.request_repaint();
            });
        if spawned.is_ok() {
            self.review.info_rx = Some(rx);
        }
    }

    pub(super) fn review_ui(&mut self, ui: &mut egui::Ui) {
        if self.review.clip.is_none() {
            self.review_empty_ui(ui);
            return;
        }
        ui.add_space(4.0);
        ui.columns(2, |cols| {
            self.player_ui(&mut cols[0]);
            self.post_form_ui(&mut cols[1]);
        });
    }

    fn review_empty_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(24.0);
        ui.heading("No clip to review yet");
        ui.add_space(6.0);
        if let Some(e) = &self.review.open_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
            ui.add_space(6.0);
        }
        let how = match self.hotkey_label() {
            Some(h) => format!("Record one on the Record screen, or press {h} from anywhere."),
            None => "Record one on the Record screen.".to_owned(),
        };
        ui.label(how);
        if ui.button("Go to Record").clicked() {
            self.go(super::app::Screen::Record);
        }
        ui.add_space(16.0);
        let Ok(dir) = self.library_dir.clone() else {
            return;
        };
        let clips = self
            .review
            .library
            .get_or_insert_with(|| crate::library::clips(&dir, 20))
            .clone();
        if clips.is_empty() {
            return;
        }
        ui.label(egui::RichText::new("Or review a clip from your library").strong());
        egui::ScrollArea::vertical()
            .max_height(360.0)
            .show(ui, |ui| {
                for (path, bytes) in clips {
                    ui.horizontal(|ui| {
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        if ui
                            .button("Open")
                            .on_hover_text(path.display().to_string())
                            .clicked()
                        {
                            self.open_clip(path.clone());
                        }
                        ui.label(format!("{name}  ·  {}", mib(bytes)));
                    });
                }
            });
    }

    fn player_ui(&mut self, ui: &mut egui::Ui) {
        let Some(clip) = self.review.clip.clone() else {
            return;
        };
        let width = ui.available_width();
        let aspect = if clip.width > 0 {
            clip.height as f32 / clip.width as f32
        } else {
            9.0 / 16.0
        };
        let size = egui::vec2(width, (width * aspect).min(400.0));
        if let Some(p) = &self.review.playback {
            p.show(ui, size, &clip.path.display().to_string());
        }
        let duration = clip.duration_secs.max(0.1);
        ui.horizontal(|ui| {
            let play = if self.review.is_playing() {
                "Pause"
            } else {
                "Play"
            };
            if ui.button(play).clicked() {
                let trim = self.review.trim;
                if let Some(p) = &mut self.review.playback {
                    p.toggle(trim);
                }
            }
            let mut pos = self.review.position();
            // Named (for AccessKit and screen readers) like the Watch screen's timeline.
            let slider = egui::Slider::new(&mut pos, 0.0..=duration)
                .show_value(false)
                .trailing_fill(true)
                .text("Position");
            ui.spacing_mut().slider_width = (ui.available_width() - 320.0).max(80.0);
            let response = ui.add(slider);
            if response.changed()
                && let Some(p) = &mut self.review.playback
            {
                p.seek(pos);
            }
            ui.monospace(format!(
                "{} / {}",
                clock(self.review.position()),
                clock(duration)
            ));
            if let Some(p) = &mut self.review.playback {
                let speed = p.speed();
                egui::ComboBox::from_label("Speed")
                    .selected_text(format!("{speed}×"))
                    .width(56.0)
                    .show_ui(ui, |ui| {
                        for s in super::player::SPEEDS {
                            if ui.selectable_label(speed == s, format!("{s}×")).clicked() {
                                p.set_speed(s);
                            }
                        }
                    });
            }
        });
        ui.add_space(6.0);
        ui.label(egui::RichText::new("Trim").strong());
        egui::Grid::new("trim")
            .num_columns(3)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                let position = self.review.position();
                for (i, name) in ["Start", "End"].into_iter().enumerate() {
                    let label = ui.label(name);
                    let (lo, hi) = if i == 0 {
                        (0.0, self.review.trim[1] - 0.1)
                    } else {
                        (self.review.trim[0] + 0.1, duration)
                    };
                    let value = &mut self.review.trim[i];
                    ui.add(
                        egui::DragValue::new(value)
                            .range(lo.max(0.0)..=hi)
                            .speed(0.1)
                            .suffix(" s")
                            .max_decimals(1),
                    )
                    .labelled_by(label.id);
                    if ui
                        .button(format!("Set {} here", name.to_lowercase()))
                        .clicked()
                    {
                        *value = position.clamp(lo.max(0.0), hi);
                    }
                    ui.end_row();
                }
            });
        let [start, end] = self.review.trim;
        ui.weak(format!(
            "Keeps {} of {} · {}×{} · {} · {}",
            clock(end - start),
            clock(duration),
            clip.width,
            clip.height,
            mib(clip.bytes),
            if clip.has_audio {
                "with sound"
            } else {
                "no sound"
            }
        ));
        self.tighten_ui(ui);
        self.review_text_ui(ui);
    }

    fn post_form_ui(&mut self, ui: &mut egui::Ui) {
        let working = matches!(self.review.post, PostState::Working { .. });
        ui.add_enabled_ui(!working, |ui| {
            let label = ui.label(egui::RichText::new("Title").strong());
            ui.add(
                egui::TextEdit::singleline(&mut self.review.title)
                    .hint_text("What is this update about?")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            ui.add_space(4.0);
            super::markdown::summary_field(ui, &mut self.review.summary, 11);
            self.draft_ui(ui);
            ui.add_space(4.0);
            let replying = self.review.reply.as_ref().map(|(_, r)| r.line());
            if let Some(line) = &replying {
                ui.label(egui::RichText::new(line).strong());
            }
            let label = ui.label(egui::RichText::new("Post to").strong());
            ui.add_enabled(
                replying.is_none(),
                egui::TextEdit::singleline(&mut self.review.destination)
                    .hint_text("Paste a Notion page or ClickUp task link, or type library")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            if replying.is_some() {
                let undo = ui.horizontal(|ui| {
                    ui.small_button("Post as a new clip instead")
                        .on_hover_text("Not a reply: choose any destination")
                        .clicked()
                });
                if undo.inner {
                    self.review.reply = None;
                }
                return;
            }
            ui.horizontal_wrapped(|ui| {
                if ui.small_button("Library").clicked() {
                    self.review.destination = "library".into();
                }
                for recent in self.prefs.recent.clone() {
                    let name = self.prefs.titles.get(&recent).unwrap_or(&recent);
                    if recent != "library"
                        && ui
                            .small_button(truncate(name, 40))
                            .on_hover_text(&recent)
                            .clicked()
                    {
                        self.review.destination = recent;
                    }
                }
            });
        });
        self.destination_status_ui(ui);
        ui.add_space(8.0);
        self.post_status_ui(ui);
    }

    /// Says whether the destination is understood and whether the clip fits there.
    fn destination_status_ui(&mut self, ui: &mut egui::Ui) {
        let bytes = self.review.clip.as_ref().map_or(0, |c| c.bytes);
        let target = self.review.target().clone();
        match target {
            Err(e) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            Ok(to @ (TaskRef::Library | TaskRef::Folder { .. } | TaskRef::S3 { .. })) => {
                ui.label(format!("✔ {to}: {} (no size limit)", mib(bytes)));
            }
            Ok(to) => {
                let known = self
                    .review
                    .found
                    .as_ref()
                    .filter(|(t, _)| *t == to)
                    .map(|(_, f)| f.clone());
                match known {
                    None => {
                        if self.review.checking.as_ref() != Some(&to) {
                            let asked = self
                                .poster
                                .as_ref()
                                .is_some_and(|p| p.send(poster::Command::Check(to.clone())));
                            if asked {
                                self.review.checking = Some(to.clone());
                            }
                        }
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(format!("Checking {to}…"));
                        });
                    }
                    Some(Ok(found)) => {
                        ui.label(
                            egui::RichText::new(format!("{} “{}”", service_name(&to), found.title))
                                .strong(),
                        );
                        match found.limit {
                            Some(limit) if bytes > limit => {
                                let what = match &found.team {
                                    Some(team) if self.review.full_quality => format!(
                                        "it will be kept whole in {team} and the task will link to it"
                                    ),
                                    _ => "it will be re-encoded to fit (smaller picture, text kept legible)".into(),
                                };
                                ui.colored_label(
                                    ui.visuals().warn_fg_color,
                                    format!(
                                        "The clip is {} but files there can be at most {}; {what}",
                                        mib(bytes),
                                        mib(limit)
                                    ),
                                );
                                if let Some(team) = &found.team {
                                    ui.checkbox(
                                        &mut self.review.full_quality,
                                        format!(
                                            "Keep full quality: store it in {team} and link it"
                                        ),
                                    );
                                }
                            }
                            Some(limit) => {
                                ui.label(format!(
                                    "✔ {} of at most {} per file",
                                    mib(bytes),
                                    mib(limit)
                                ));
                            }
                            None => {
                                ui.label(format!("✔ {}", mib(bytes)));
                            }
                        }
                    }
                    Some(Err(e)) => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("{e}{}", settings_hint(&e)),
                        );
                    }
                }
            }
        }
    }

    fn post_status_ui(&mut self, ui: &mut egui::Ui) {
        let ready = self.review.target().is_ok();
        match self.review.post.clone() {
            PostState::Idle => {
                self.silence_ui(ui);
                let post = egui::Button::new(egui::RichText::new("Post").size(18.0).strong())
                    .min_size(egui::vec2(140.0, 36.0));
                let shortcut =
                    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Enter);
                let pressed = ready && ui.input_mut(|i| i.consume_shortcut(&shortcut));
                let button = ui
                    .add_enabled(ready, post)
                    .on_hover_text(format!("Post ({})", ui.ctx().format_shortcut(&shortcut)));
                if button.clicked() || pressed {
                    self.post();
                }
            }
            PostState::Working { what, fraction } => {
                // The spinner keeps moving while the service confirms (the bar can read 100%
                // while the last bytes still sit in the network's buffers).
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(what);
                });
                let bar = match fraction {
                    Some(f) => egui::ProgressBar::new(f).show_percentage(),
                    None => egui::ProgressBar::new(0.0).animate(true),
                };
                ui.add(bar);
            }
            PostState::Posted { url } => {
                ui.label(
                    egui::RichText::new("✔ Posted")
                        .strong()
                        .color(egui::Color32::from_rgb(70, 180, 90)),
                );
                ui.horizontal(|ui| {
                    ui.hyperlink_to(truncate(&url, 70), &url);
                });
                ui.horizontal(|ui| {
                    if ui.button("Copy link").clicked() {
                        ui.ctx().copy_text(url.clone());
                    }
                    if !url.is_empty() && ui.button("Open").clicked() {
                        // A library or folder post's "link" is its path.
                        let target = if url.starts_with('/') {
                            format!("file://{url}")
                        } else {
                            url.clone()
                        };
                        ui.ctx().open_url(egui::OpenUrl::new_tab(target));
                    }
                    if ui.button("Post elsewhere").clicked() {
                        self.review.post = PostState::Idle;
                    }
                    if ui.button("Record another").clicked() {
                        self.go(super::app::Screen::Record);
                    }
                });
                ui.weak("The link was copied to the clipboard.");
            }
            PostState::Failed {
                message,
                job_id,
                queued,
            } => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("{message}{}", settings_hint(&message)),
                );
                ui.horizontal(|ui| {
                    if ui.button("Retry").clicked() {
                        match job_id {
                            Some(id) => self.send_post(poster::Command::Retry(id)),
                            None => self.post(),
                        }
                    }
                    if ui.button("Edit").clicked() {
                        self.review.post = PostState::Idle;
                    }
                    if queued && ui.button("Open the outbox").clicked() {
                        self.go(super::app::Screen::Outbox);
                    }
                });
            }
        }
    }

    /// Sends the clip to the poster.
    fn post(&mut self) {
        let Ok(to) = self.review.target().clone() else {
            return;
        };
        let Some(clip) = &self.review.clip else {
            return;
        };
        if self.review.title.trim().is_empty() {
            self.review.post = PostState::Failed {
                message: "Give the clip a title first: it is the heading on the task".into(),
                job_id: None,
                queued: false,
            };
            return;
        }
        let request = poster::Request {
            to,
            clip: clip.path.clone(),
            trim: self.review.trimmed(),
            title: self.review.title.trim().to_owned(),
            summary: self.review.summary.clone(),
            reply_to: self.review.reply.as_ref().map(|(_, r)| r.clone()),
            with_transcript: self.review_posts_transcript(),
            full_quality: self.review.full_quality,
        };
        let destination = self.review.destination.trim().to_owned();
        self.prefs.remember(&destination);
        if self.review.is_playing()
            && let Some(p) = &mut self.review.playback
        {
            p.toggle(self.review.trim);
        }
        self.send_post(poster::Command::Post(request));
    }

    fn send_post(&mut self, command: poster::Command) {
        let sent = self.poster.as_ref().is_some_and(|p| p.send(command));
        self.review.post = if sent {
            PostState::Working {
                what: "Starting…".into(),
                fraction: None,
            }
        } else {
            PostState::Failed {
                message: "the posting worker is busy or not running; wait a moment and retry, or restart Clipnote".into(),
                job_id: None,
                queued: false,
            }
        };
    }
}

/// Points token problems at the Settings screen.
fn settings_hint(message: &str) -> &'static str {
    if message.contains("token") {
        " — or paste a token in Settings"
    } else {
        ""
    }
}

/// "Notion page" / "ClickUp task": what the destination's title names.
fn service_name(to: &TaskRef) -> &'static str {
    match to {
        TaskRef::Notion { .. } => "Notion page",
        TaskRef::ClickUp { .. } | TaskRef::ClickUpCustom { .. } => "ClickUp task",
        TaskRef::Library => "Library",
        TaskRef::Folder { .. } => "Folder",
        TaskRef::S3 { .. } => "Team storage",
    }
}
