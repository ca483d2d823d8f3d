//! The Inbox and Watch screens: teammates' clips from the pages, tasks, lists and folders you
//! follow (newest and unwatched first, with poster, title, author, task, date, duration,
//! summary), filters by task and person, Refresh, Follow / Unfollow; a clip opens on the Watch
//! screen (downloaded and checked by the inbox worker, played by the shared
//! [`Watcher`]), whose Reply button records an answer that Review posts to the same task.
//! Everything slow runs on [`super::inbox_worker`]; this module only keeps state and draws.

use std::collections::{BTreeMap, HashMap};

use eframe::egui;
use publish::{Entry, Follow, InboxConfig, ReplyTo, Settings, TaskRef};

use super::app::{App, Screen};
use super::hud::{clock, date};
use super::inbox_worker::{self, Command, Event};
use super::player::Playback;
use super::record::truncate;
use super::transcript_pane::ClipText;
use super::watch::Watcher;

/// The poster in the list.
const POSTER: egui::Vec2 = egui::vec2(160.0, 90.0);
/// The follow column's width.
const SIDE_WIDTH: f32 = 300.0;

/// The inbox as the app holds it.
#[derive(Default)]
pub struct InboxView {
    worker: Option<inbox_worker::Handle>,
    /// Where the worker reads from (none when the config could not be read).
    pub(super) settings: Option<Settings>,
    pub(super) config: Option<InboxConfig>,
    /// Why the inbox cannot work, in words.
    pub problem: Option<String>,
    started: bool,
    /// The first entries have arrived.
    loaded: bool,
    pub entries: Vec<Entry>,
    pub follows: Vec<Follow>,
    posters: HashMap<String, egui::TextureHandle>,
    /// What a refresh or follow is doing, while it works.
    pub working: Option<String>,
    /// Sources the last refresh could not read, in words.
    pub failures: Vec<String>,
    pending: usize,
    follow_draft: String,
    /// What the last Follow / Unfollow came to.
    follow_note: Option<Result<String, String>>,
    /// Show only clips on this task (its id) / by this person.
    pub task_filter: Option<String>,
    pub person_filter: Option<String>,
    /// The clip on the Watch screen.
    pub watch: Option<WatchView>,
    /// A clip to open once the entries are read (`CLIPNOTE_WATCH`).
    pub(super) open_id: Option<String>,
    /// What the recording being made answers (set by Reply, taken by Review).
    pub(super) reply: Option<(TaskRef, ReplyTo)>,
    pub search: super::inbox_search::SearchView,
}

/// The clip on the Watch screen.
pub struct WatchView {
    pub entry: Entry,
    pub stage: Stage,
}

pub enum Stage {
    /// Being downloaded and checked; what is happening, in words.
    Fetching(String),
    /// Playing, or showing why it cannot.
    Playing(Box<Watcher>),
}

impl InboxView {
    /// An inbox reading with `settings` from `config` (default: where `clipnote inbox` keeps
    /// it); `open_id` is played once the entries are read.
    pub(super) fn new(
        settings: Option<Settings>,
        config: Option<InboxConfig>,
        open_id: Option<String>,
    ) -> Self {
        Self {
            settings,
            config,
            open_id,
            ..Self::default()
        }
    }

    /// Whether the list has the clip's poster frame (else it shows a placeholder).
    pub fn has_poster(&self, id: &str) -> bool {
        self.posters.contains_key(id)
    }

    /// The entries the filters let through.
    pub fn shown(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| {
            self.task_filter.as_ref().is_none_or(|t| e.task_id == *t)
                && self.person_filter.as_ref().is_none_or(|p| e.author == *p)
        })
    }

    /// Only the library is followed: teammates' clips need a follow.
    fn follows_only_library(&self) -> bool {
        self.follows.iter().all(|f| {
            matches!(
                f,
                Follow::Task {
                    to: TaskRef::Library
                }
            )
        })
    }
}

impl App {
    /// The library moved: the inbox worker starts again with it on its next command.
    pub(super) fn inbox_library_moved(&mut self, dir: &std::path::Path) {
        if let Some(settings) = &mut self.inbox.settings {
            settings.library_dir = dir.to_path_buf();
        }
        self.inbox.worker = None;
    }

    /// Sends a command to the inbox worker, starting it first if need be.
    pub(super) fn inbox_send(&mut self, command: Command) -> bool {
        if self.inbox.worker.is_none() {
            let Some(settings) = self.inbox.settings.clone() else {
                self.inbox.problem.get_or_insert_with(|| {
                    self.publish_problem
                        .clone()
                        .unwrap_or_else(|| "the inbox has no settings".into())
                });
                return false;
            };
            let wake = self.ctx.clone();
            match inbox_worker::Handle::spawn(settings, self.inbox.config.clone(), move || {
                wake.request_repaint()
            }) {
                Ok(h) => self.inbox.worker = Some(h),
                Err(e) => {
                    self.inbox.problem = Some(format!(
                        "cannot start the inbox thread: {e}. Restart Clipnote"
                    ));
                    return false;
                }
            }
        }
        let sent = self.inbox.worker.as_ref().is_some_and(|w| w.send(command));
        if !sent && self.inbox.problem.is_none() {
            self.inbox.working = None;
            self.inbox.problem = Some(
                "the inbox worker is busy or has stopped; wait a moment, or restart Clipnote"
                    .into(),
            );
        }
        sent
    }

    fn inbox_refresh(&mut self) {
        if self.inbox_send(Command::Refresh) {
            self.inbox.working = Some("Refreshing…".into());
        }
    }

    /// Runs from `logic`: reads the entries when the inbox is first shown, takes the worker's
    /// events, and advances the clip being watched.
    pub(super) fn inbox_tick(&mut self, ctx: &egui::Context) {
        let wanted =
            matches!(self.screen, Screen::Inbox | Screen::Watch) || self.inbox.open_id.is_some();
        if wanted && !self.inbox.started {
            self.inbox.started = true;
            if self.inbox_send(Command::Load) {
                self.inbox_refresh();
            }
        }
        let events: Vec<Event> = self
            .inbox
            .worker
            .as_ref()
            .map(|w| w.rx.try_iter().collect())
            .unwrap_or_default();
        for event in events {
            self.on_inbox(ctx, event);
        }
        if self.inbox.loaded
            && let Some(id) = self.inbox.open_id.take()
        {
            match self.inbox.entries.iter().find(|e| e.id == id).cloned() {
                Some(entry) => self.open_entry(entry),
                None => {
                    self.inbox.follow_note = Some(Err(format!(
                        "there is no clip {id:?} in the inbox; pick one from the list"
                    )));
                }
            }
        }
        let mut save = Vec::new();
        if let Some(WatchView {
            entry,
            stage: Stage::Playing(watcher),
        }) = &mut self.inbox.watch
        {
            for w in watcher.tick(ctx) {
                if w == super::watch::Watching::Watched {
                    entry.watched = true;
                    if let Some(e) = self.inbox.entries.iter_mut().find(|e| e.id == entry.id) {
                        e.watched = true;
                    }
                }
                save.push(Command::Watching(entry.id.clone(), w));
            }
        }
        for command in save {
            self.inbox_send(command);
        }
    }

    fn on_inbox(&mut self, ctx: &egui::Context, event: Event) {
        let v = &mut self.inbox;
        match event {
            Event::Entries { entries, follows } => {
                v.entries = entries;
                v.follows = follows;
                v.loaded = true;
                v.search.entries_changed();
                // A filter whose clips are gone (unfollowed) would hide everything.
                if let Some(t) = &v.task_filter
                    && !v.entries.iter().any(|e| e.task_id == *t)
                {
                    v.task_filter = None;
                }
                if let Some(p) = &v.person_filter
                    && !v.entries.iter().any(|e| e.author == *p)
                {
                    v.person_filter = None;
                }
            }
            Event::Poster { id, image } => {
                let texture =
                    ctx.load_texture(format!("poster-{id}"), image, egui::TextureOptions::LINEAR);
                v.posters.insert(id, texture);
            }
            Event::Working(what) => v.working = Some(what),
            Event::Refreshed { failures, pending } => {
                v.working = None;
                v.failures = failures;
                v.pending = pending;
            }
            Event::Followed(result) => {
                v.working = None;
                if result.is_ok() {
                    v.follow_draft.clear();
                }
                v.follow_note = Some(result);
            }
            Event::Downloading { id, what } => {
                if let Some(WatchView {
                    entry,
                    stage: Stage::Fetching(now),
                }) = &mut v.watch
                    && entry.id == id
                {
                    *now = what;
                }
            }
            Event::Downloaded { id, result } => {
                if let Some(view) = &mut v.watch
                    && view.entry.id == id
                    && matches!(view.stage, Stage::Fetching(_))
                {
                    let (playback, clip) = match result {
                        Ok(path) => (Playback::open(path.clone(), ctx), Some(path)),
                        Err(e) => (Playback::failed(e), None),
                    };
                    let text = ClipText::open(clip, view.entry.summary.clone(), ctx);
                    view.stage = Stage::Playing(Box::new(Watcher::new(
                        playback,
                        text,
                        view.entry.position_secs,
                        view.entry.watched,
                    )));
                }
            }
            Event::Found { query, found } => self.search_found(query, found),
            Event::Broken(message) => {
                v.working = None;
                v.problem = Some(message);
            }
        }
    }

    /// Opens a clip on the Watch screen and has the worker bring it into the cache.
    pub(super) fn open_entry(&mut self, entry: Entry) {
        self.leave_watch();
        let id = entry.id.clone();
        tracing::info!(id = %id, "inbox: watch");
        self.inbox.watch = Some(WatchView {
            entry,
            stage: Stage::Fetching("Starting the download…".into()),
        });
        if !self.inbox_send(Command::Download(id)) {
            let message = self
                .inbox
                .problem
                .clone()
                .unwrap_or_else(|| "the inbox worker is not running; restart Clipnote".into());
            if let Some(view) = &mut self.inbox.watch {
                let text = ClipText::open(None, view.entry.summary.clone(), &self.ctx);
                let failed = Watcher::new(Playback::failed(message), text, 0.0, true);
                view.stage = Stage::Playing(Box::new(failed));
            }
        }
        self.go(Screen::Watch);
    }

    /// Pauses the clip being watched and saves where to resume.
    pub(super) fn leave_watch(&mut self) {
        let mut save = None;
        if let Some(WatchView {
            entry,
            stage: Stage::Playing(watcher),
        }) = &mut self.inbox.watch
        {
            let w = watcher.pause();
            entry.position_secs = watcher.position();
            save = Some(Command::Watching(entry.id.clone(), w));
        }
        if let Some(command) = save {
            self.inbox_send(command);
        }
    }

    /// "Reply with a clip": pauses the clip and starts the normal recording flow; when it
    /// finishes, Review opens with the destination fixed to this clip's task.
    fn reply(&mut self, now: f64) {
        let Some(view) = &self.inbox.watch else {
            return;
        };
        let target = view.entry.reply_target();
        self.leave_watch();
        tracing::info!(clip = %target.1.clip_id, "inbox: reply");
        self.inbox.reply = Some(target);
        self.begin(now);
        if self.rec.is_idle() {
            // It could not start (the notice says why).
            self.inbox.reply = None;
        }
    }

    pub(super) fn inbox_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(4.0);
        let side = SIDE_WIDTH.min(ui.available_width() * 0.4);
        let list_width = ui.available_width() - side - 16.0;
        let height = ui.available_height();
        ui.horizontal_top(|ui| {
            ui.allocate_ui_with_layout(
                egui::vec2(list_width, height),
                egui::Layout::top_down(egui::Align::LEFT),
                |ui| {
                    ui.set_width(list_width);
                    self.inbox_list_ui(ui);
                },
            );
            ui.separator();
            ui.allocate_ui_with_layout(
                egui::vec2(side, height),
                egui::Layout::top_down(egui::Align::LEFT),
                |ui| {
                    ui.set_width(side);
                    self.follows_ui(ui);
                },
            );
        });
    }

    fn inbox_list_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Inbox");
            ui.add_space(8.0);
            let working = self.inbox.working.is_some();
            if ui
                .add_enabled(!working, egui::Button::new("Refresh"))
                .on_hover_text("Read the followed pages, tasks and folders again")
                .clicked()
            {
                self.inbox_refresh();
            }
            if let Some(what) = &self.inbox.working {
                ui.spinner();
                ui.label(what);
            } else if self.inbox.loaded {
                let new = self.inbox.entries.iter().filter(|e| !e.watched).count();
                ui.weak(format!(
                    "{} clip{} · {new} new",
                    self.inbox.entries.len(),
                    if self.inbox.entries.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ));
            }
        });
        if let Some(problem) = &self.inbox.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
        for failure in &self.inbox.failures {
            ui.colored_label(ui.visuals().error_fg_color, failure);
        }
        if self.inbox.pending > 0 {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} ClickUp tasks are not read yet (ClickUp allows 100 requests a minute): refresh again in a minute",
                    self.inbox.pending
                ),
            );
        }
        if !self.inbox.loaded {
            if self.inbox.problem.is_none() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Reading the inbox…");
                });
            }
            return;
        }
        if self.inbox.entries.is_empty() {
            ui.add_space(24.0);
            ui.label(egui::RichText::new("No clips yet").strong().size(18.0));
            ui.add_space(4.0);
            ui.label(
                "Clips posted on the pages and tasks you follow show up here, newest and unwatched first — and so do the clips you post to your library.",
            );
            return;
        }
        self.filters_ui(ui);
        self.search_field_ui(ui);
        if self.search_results_ui(ui) {
            return;
        }
        ui.add_space(4.0);
        let shown: Vec<Entry> = self.inbox.shown().cloned().collect();
        if shown.is_empty() {
            ui.label("No clips match these filters.");
            if ui.button("Show all clips").clicked() {
                self.inbox.task_filter = None;
                self.inbox.person_filter = None;
            }
            return;
        }
        let mut open = None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for entry in &shown {
                    if self.entry_row_ui(ui, entry) {
                        open = Some(entry.clone());
                    }
                    ui.separator();
                }
            });
        if let Some(entry) = open {
            self.open_entry(entry);
        }
    }

    /// The Task and Person pick lists, each choice with its number of clips.
    fn filters_ui(&mut self, ui: &mut egui::Ui) {
        let mut tasks: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut people: BTreeMap<String, usize> = BTreeMap::new();
        for e in &self.inbox.entries {
            *tasks
                .entry((task_name(e).to_owned(), e.task_id.clone()))
                .or_default() += 1;
            *people.entry(e.author.clone()).or_default() += 1;
        }
        let v = &mut self.inbox;
        ui.horizontal(|ui| {
            let label = ui.label("Task");
            let current = v
                .task_filter
                .as_ref()
                .and_then(|t| tasks.keys().find(|(_, id)| id == t))
                .map_or_else(|| "All tasks".to_owned(), |(name, _)| name.clone());
            egui::ComboBox::from_id_salt("inbox-task")
                .selected_text(truncate(&current, 32))
                .width(220.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut v.task_filter, None, "All tasks");
                    for ((name, id), n) in &tasks {
                        ui.selectable_value(
                            &mut v.task_filter,
                            Some(id.clone()),
                            format!("{} ({n})", truncate(name, 40)),
                        );
                    }
                })
                .response
                .labelled_by(label.id);
            ui.add_space(12.0);
            let label = ui.label("Person");
            let current = v
                .person_filter
                .as_deref()
                .map_or_else(|| "Everyone".to_owned(), |p| person(p).to_owned());
            egui::ComboBox::from_id_salt("inbox-person")
                .selected_text(truncate(&current, 28))
                .width(180.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut v.person_filter, None, "Everyone");
                    for (name, n) in &people {
                        ui.selectable_value(
                            &mut v.person_filter,
                            Some(name.clone()),
                            format!("{} ({n})", truncate(person(name), 40)),
                        );
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }

    /// One clip: poster, title (click to watch), who · where · when · how long, the summary's
    /// start, new or watched. True when it was clicked.
    fn entry_row_ui(&self, ui: &mut egui::Ui, entry: &Entry) -> bool {
        let mut clicked = false;
        ui.horizontal_top(|ui| {
            let (rect, response) = ui.allocate_exact_size(POSTER, egui::Sense::click());
            response.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Button,
                    true,
                    format!("Watch “{}”", entry.title),
                )
            });
            clicked |= response.clicked();
            paint_poster(ui, rect, self.inbox.posters.get(&entry.id));
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    let title = egui::RichText::new(truncate(&entry.title, 80))
                        .strong()
                        .size(16.0);
                    clicked |= ui
                        .add(egui::Button::new(title).frame(false))
                        .on_hover_text("Watch it here")
                        .clicked();
                    if entry.watched {
                        ui.weak("✓ Watched");
                    } else {
                        ui.colored_label(ui.visuals().hyperlink_color, "● New");
                    }
                });
                ui.label(meta_line(entry));
                let excerpt = excerpt(&entry.summary, 160);
                if !excerpt.is_empty() {
                    ui.weak(excerpt);
                }
            });
        });
        clicked
    }

    /// The follow list: a field to follow a page, task, list, database or folder, and each
    /// followed source with Unfollow.
    fn follows_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(egui::RichText::new("Following").strong().size(16.0));
        ui.add_space(4.0);
        let working = self.inbox.working.is_some();
        let label = ui.label("Follow a page, task or list");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut self.inbox.follow_draft)
                    .hint_text("Notion or ClickUp link, or folder:PATH")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let can = !working && !self.inbox.follow_draft.trim().is_empty();
        if (ui.add_enabled(can, egui::Button::new("Follow")).clicked() || (enter && can))
            && self.inbox_send(Command::Follow(self.inbox.follow_draft.clone()))
        {
            self.inbox.follow_note = None;
            self.inbox.working = Some("Following…".into());
        }
        match &self.inbox.follow_note {
            Some(Ok(note)) => {
                ui.label(format!("✔ {note}"));
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            None => {}
        }
        ui.add_space(8.0);
        if self.inbox.loaded && self.inbox.follows_only_library() {
            let what = if self.inbox.follows.is_empty() {
                "You follow nothing yet"
            } else {
                "You follow only your library"
            };
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(egui::RichText::new(what).strong());
                ui.label(
                    "To see your teammates' clips, paste the link of a Notion page (https://www.notion.so/…) or a ClickUp task (https://app.clickup.com/t/…) above and press Follow. A Notion database (notion-db:ID) or a ClickUp list (clickup-list:ID) follows every page or task in it.",
                );
            });
            ui.add_space(8.0);
        }
        let mut unfollow = None;
        for follow in &self.inbox.follows {
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!working, egui::Button::new("Unfollow").small())
                    .on_hover_text(format!("Stop following {follow}"))
                    .clicked()
                {
                    unfollow = Some(follow.clone());
                }
                ui.label(truncate(&follow.to_string(), 40))
                    .on_hover_text(follow.to_string());
            });
        }
        if let Some(follow) = unfollow
            && self.inbox_send(Command::Unfollow(follow))
        {
            self.inbox.working = Some("Unfollowing…".into());
        }
    }

    pub(super) fn watch_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(4.0);
        if ui.button("← Inbox").clicked() {
            self.go(Screen::Inbox);
            return;
        }
        let idle = self.rec.is_idle();
        let now = ui.input(|i| i.time);
        let Some(view) = &mut self.inbox.watch else {
            ui.add_space(24.0);
            ui.heading("No clip open");
            ui.label("Pick a clip in the Inbox to watch it here.");
            return;
        };
        let mut reply = false;
        ui.horizontal(|ui| {
            ui.heading(truncate(&view.entry.title, 90));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                reply = ui
                    .add_enabled(idle, egui::Button::new("↩ Reply with a clip"))
                    .on_hover_text(format!(
                        "Record an answer; it is posted on {}",
                        task_name(&view.entry)
                    ))
                    .clicked();
            });
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(meta_line(&view.entry));
            let url = &view.entry.task_url;
            if url.starts_with("https://") {
                ui.hyperlink_to("Open the task", url);
            }
        });
        if let Some(notice) = &self.notice {
            ui.colored_label(ui.visuals().error_fg_color, notice);
        }
        ui.add_space(4.0);
        match &mut view.stage {
            Stage::Fetching(what) => {
                let (rect, _) = ui.allocate_exact_size(
                    egui::vec2(
                        ui.available_width(),
                        (ui.available_height() - 80.0).max(90.0),
                    ),
                    egui::Sense::hover(),
                );
                ui.painter()
                    .rect_filled(rect, 4.0, egui::Color32::from_gray(20));
                ui.put(
                    egui::Rect::from_center_size(rect.center(), egui::vec2(360.0, 40.0)),
                    |ui: &mut egui::Ui| {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.colored_label(egui::Color32::from_gray(220), what.as_str());
                        })
                        .response
                    },
                );
            }
            Stage::Playing(watcher) => watcher.ui(ui),
        }
        if reply {
            self.reply(now);
        }
    }
}

/// The task's name, or what it is when the service gave none.
fn task_name(e: &Entry) -> &str {
    if e.task_name.is_empty() {
        &e.task_id
    } else {
        &e.task_name
    }
}

fn person(name: &str) -> &str {
    if name.is_empty() { "Unknown" } else { name }
}

/// "Bob Builder · Release notes · 2026-11-26 14:02 · 00:03".
pub(super) fn meta_line(e: &Entry) -> String {
    // A library clip's sidecar holds only the day: no made-up "00:00".
    let when = match u64::try_from(e.date_unix) {
        Ok(unix) if e.date.len() > 10 => date(unix),
        _ => e.date.clone(),
    };
    let mut parts = vec![
        person(&e.author).to_owned(),
        truncate(task_name(e), 48),
        when,
    ];
    if let Some(d) = e.duration_secs {
        // "▶ 00:08", so a length is not read as a time of day after the date.
        parts.push(format!("▶ {}", clock(d)));
    }
    parts.join(" · ")
}

/// The summary's lines run together (list marks and bold marks dropped), cut to `max`
/// characters.
fn excerpt(summary: &str, max: usize) -> String {
    let text = summary
        .lines()
        .map(|l| {
            let l = l.trim();
            let l = ["- ", "* ", "• "]
                .iter()
                .find_map(|m| l.strip_prefix(m))
                .unwrap_or(l);
            l.trim_start_matches('#').trim().replace("**", "")
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    truncate(&text, max)
}

/// The poster frame fitted into `rect` (its shape kept), or a neutral placeholder.
fn paint_poster(ui: &egui::Ui, rect: egui::Rect, poster: Option<&egui::TextureHandle>) {
    let painter = ui.painter();
    painter.rect_filled(rect, 4.0, egui::Color32::from_gray(48));
    match poster {
        Some(texture) => {
            let [w, h] = texture.size();
            let scale = (rect.width() / w.max(1) as f32).min(rect.height() / h.max(1) as f32);
            let size = egui::vec2(w as f32 * scale, h as f32 * scale);
            let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(
                texture.id(),
                egui::Rect::from_center_size(rect.center(), size),
                uv,
                egui::Color32::WHITE,
            );
        }
        None => {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "▶",
                egui::FontId::proportional(28.0),
                egui::Color32::from_gray(170),
            );
        }
    }
}
