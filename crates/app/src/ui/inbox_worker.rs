//! The inbox worker: one named thread (`ui-inbox`) with the network runtime. It reads the
//! entries and the follow list, refreshes the followed sources, follows and unfollows,
//! downloads a clip (checking it and making its poster frame with `capture::clip`), brings the
//! poster frames team storage keeps beside its clips, decodes poster PNGs into pictures, saves
//! watched state and resume positions, and searches clips by what is written or said in them —
//! all off the UI thread. Commands come in on a bounded channel; events go back on another,
//! each followed by a repaint.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;
use publish::inbox::PosterFetch;
use publish::{Entry, Follow, FollowList, Inbox, InboxConfig, Settings};

use super::watch::Watching;
use crate::cli::UserError;
use crate::cli::inbox as shared;
use crate::cli::post::{runtime, user_error};
use crate::mib;

/// At most this many poster frames are decoded for the list.
const MAX_POSTERS: usize = 200;
/// A poster PNG may take at most this much memory to decode.
const POSTER_MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug)]
pub enum Command {
    /// Read the entries and the follow list as last stored (no network), then the posters.
    Load,
    /// Read every followed source again (only what changed).
    Refresh,
    /// Follow what the person typed (validated like `clipnote follow`).
    Follow(String),
    Unfollow(Follow),
    /// Bring a clip into the cache and check it.
    Download(String),
    /// Save what the viewer did with a clip.
    Watching(String, Watching),
    /// Find clips by words in their title, summary or transcript.
    Search(String),
}

#[derive(Debug)]
pub enum Event {
    Entries {
        entries: Vec<Entry>,
        follows: Vec<Follow>,
    },
    /// An entry's poster frame, decoded.
    Poster { id: String, image: egui::ColorImage },
    /// What a refresh or a follow is doing, in words.
    Working(String),
    /// A refresh ended: each source that could not be read, in words, and how many ClickUp
    /// tasks wait for the next refresh.
    Refreshed {
        failures: Vec<String>,
        pending: usize,
    },
    /// Following or unfollowing ended, in words.
    Followed(Result<String, String>),
    /// How far a download is, in words.
    Downloading { id: String, what: String },
    /// The clip is in the cache and plays (`Ok`), or why not.
    Downloaded {
        id: String,
        result: Result<PathBuf, String>,
    },
    /// What a search found, and for which words.
    Found {
        query: String,
        found: Vec<crate::search::Found>,
    },
    /// The inbox cannot be opened at all (a malformed follow list, an unwritable folder).
    Broken(String),
}

pub type Handle = super::worker::Handle<Command, Event>;

impl Handle {
    /// Starts the worker. `config`: where the inbox keeps its state and cache (default: from
    /// the config file and the environment, as `clipnote inbox` finds them).
    pub fn spawn(
        settings: Settings,
        config: Option<InboxConfig>,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        Self::start("ui-inbox", 32, 64, move |cmd_rx, ev_tx| {
            let emit = |event: Event| {
                let ok = ev_tx.send(event).is_ok();
                wake();
                ok
            };
            match Worker::open(settings, config) {
                Ok(mut worker) => {
                    while let Ok(command) = cmd_rx.recv() {
                        if !worker.handle(command, &emit) {
                            return;
                        }
                    }
                }
                Err(e) => {
                    emit(Event::Broken(e.message));
                }
            }
        })
    }
}

struct Worker {
    settings: Settings,
    inbox: Inbox,
    follows: FollowList,
    rt: tokio::runtime::Runtime,
    /// Entries whose poster was already sent.
    posters: HashSet<String>,
    /// Entries whose source keeps no poster (asked once per run).
    no_poster: HashSet<String>,
}

impl Worker {
    fn open(settings: Settings, config: Option<InboxConfig>) -> Result<Self, UserError> {
        let inbox = match config {
            Some(cfg) => Inbox::open(cfg).map_err(|e| user_error(&e))?,
            None => crate::inbox::open(&crate::config::load()?)?,
        };
        let follows = FollowList::load(&settings.config_dir).map_err(|e| user_error(&e))?;
        Ok(Self {
            settings,
            inbox,
            follows,
            rt: runtime()?,
            posters: HashSet::new(),
            no_poster: HashSet::new(),
        })
    }

    /// Works one command; false once the UI has gone.
    fn handle(&mut self, command: Command, emit: &impl Fn(Event) -> bool) -> bool {
        match command {
            Command::Load => self.send_entries(emit),
            Command::Refresh => {
                let n = self.follows.follows.len();
                emit(Event::Working(format!(
                    "Reading {n} followed source{}…",
                    if n == 1 { "" } else { "s" }
                )));
                let event = match self
                    .rt
                    .block_on(self.inbox.refresh(&self.settings, &self.follows.follows))
                {
                    Ok(report) => Event::Refreshed {
                        failures: report
                            .failures
                            .iter()
                            .map(|(source, e)| {
                                format!("Could not read {source}: {}", user_error(e).message)
                            })
                            .collect(),
                        pending: report.pending,
                    },
                    Err(e) => Event::Refreshed {
                        failures: vec![user_error(&e).message],
                        pending: 0,
                    },
                };
                self.send_list(emit)
                    .is_some_and(|newest| self.fetch_posters(&newest, emit))
                    && emit(event)
            }
            Command::Follow(text) => {
                let result = shared::parse_follow(&text).and_then(|follow| {
                    emit(Event::Working(format!("Reading {follow}…")));
                    self.rt
                        .block_on(shared::follow(
                            &self.inbox,
                            &self.settings,
                            &mut self.follows,
                            &follow,
                        ))
                        .map(|followed| followed.words(&follow))
                });
                self.send_list(emit)
                    .is_some_and(|newest| self.fetch_posters(&newest, emit))
                    && emit(Event::Followed(result.map_err(|e| e.message)))
            }
            Command::Unfollow(follow) => {
                let result =
                    shared::unfollow(&self.inbox, &self.settings, &mut self.follows, &follow)
                        .map(|()| format!("No longer following {follow}."))
                        .map_err(|e| e.message);
                self.send_entries(emit) && emit(Event::Followed(result))
            }
            Command::Download(id) => {
                let result = self.download(&id, emit);
                let alive = emit(Event::Downloaded {
                    id: id.clone(),
                    result,
                });
                // The clip's duration and poster may be new.
                alive && self.send_entries(emit)
            }
            Command::Watching(id, w) => {
                let saved = match w {
                    Watching::Position(secs) => self.inbox.set_position(&id, secs),
                    Watching::Watched => self.inbox.set_watched(&id, true),
                };
                if let Err(e) = saved {
                    tracing::warn!(error = %e, "could not save the watch state");
                }
                true
            }
            Command::Search(query) => {
                let found = match (crate::search::Query::new(&query), self.inbox.entries()) {
                    (Some(q), Ok(entries)) => crate::search::search(&self.inbox, &entries, &q),
                    (_, Err(e)) => return emit(Event::Broken(user_error(&e).message)),
                    (None, _) => Vec::new(),
                };
                emit(Event::Found { query, found })
            }
        }
    }

    /// Downloads (saying how many bytes have come), then checks the clip and makes its poster.
    fn download(&self, id: &str, emit: &impl Fn(Event) -> bool) -> Result<PathBuf, String> {
        let partial = self.inbox.config().cache_dir.join(format!("{id}.partial"));
        let path = self.rt.block_on(async {
            let download = self.inbox.download(&self.settings, id);
            tokio::pin!(download);
            loop {
                tokio::select! {
                    result = &mut download => break result,
                    () = tokio::time::sleep(Duration::from_millis(250)) => {
                        let bytes = std::fs::metadata(&partial).map_or(0, |m| m.len());
                        emit(Event::Downloading {
                            id: id.to_owned(),
                            what: format!("Downloading… {}", mib(bytes)),
                        });
                    }
                }
            }
        });
        let path = path.map_err(|e| user_error(&e).message)?;
        emit(Event::Downloading {
            id: id.to_owned(),
            what: "Checking the clip…".into(),
        });
        crate::inbox::look_at(&self.inbox, id, &path).map_err(|e| e.message)?;
        Ok(path)
    }

    /// Sends the entries and the follow list, then each poster not sent yet.
    fn send_entries(&mut self, emit: &impl Fn(Event) -> bool) -> bool {
        self.send_list(emit).is_some()
    }

    /// As [`Self::send_entries`], and returns the newest entries (those the list shows posters
    /// for); `None` once the UI has gone.
    fn send_list(&mut self, emit: &impl Fn(Event) -> bool) -> Option<Vec<Entry>> {
        let entries = match self.inbox.entries() {
            Ok(entries) => entries,
            Err(e) => return emit(Event::Broken(user_error(&e).message)).then(Vec::new),
        };
        let newest: Vec<Entry> = entries.iter().take(MAX_POSTERS).cloned().collect();
        let ids: Vec<String> = newest.iter().map(|e| e.id.clone()).collect();
        let alive = emit(Event::Entries {
            entries,
            follows: self.follows.follows.clone(),
        }) && self.send_posters(&ids, emit);
        alive.then_some(newest)
    }

    /// Brings the posters team storage keeps for `newest` into the cache, so the list shows
    /// them before a clip is downloaded, and sends them.
    fn fetch_posters(&mut self, newest: &[Entry], emit: &impl Fn(Event) -> bool) -> bool {
        let wanted: Vec<&Entry> = newest
            .iter()
            .filter(|e| {
                matches!(e.handle, publish::inbox::Handle::S3Object { .. })
                    && !self.posters.contains(&e.id)
                    && !self.no_poster.contains(&e.id)
                    && !self.inbox.poster_path(&e.id).is_file()
            })
            .collect();
        if wanted.is_empty() {
            return true;
        }
        let fetched = self
            .rt
            .block_on(self.inbox.fetch_posters(&self.settings, &wanted));
        let mut got = Vec::new();
        for (id, how) in fetched {
            match how {
                PosterFetch::Got => got.push(id),
                PosterFetch::NotThere => {
                    self.no_poster.insert(id);
                }
                PosterFetch::Failed => {}
            }
        }
        tracing::debug!(
            wanted = wanted.len(),
            got = got.len(),
            "inbox: posters from team storage"
        );
        self.send_posters(&got, emit)
    }

    /// Sends the poster of each of `ids` that is in the cache and not sent yet.
    fn send_posters(&mut self, ids: &[String], emit: &impl Fn(Event) -> bool) -> bool {
        for id in ids {
            if self.posters.contains(id) {
                continue;
            }
            let path = self.inbox.poster_path(id);
            if !path.is_file() {
                continue;
            }
            match decode_png(&path) {
                Ok(image) => {
                    self.posters.insert(id.clone());
                    if !emit(Event::Poster {
                        id: id.clone(),
                        image,
                    }) {
                        return false;
                    }
                }
                Err(e) => tracing::warn!(poster = %path.display(), "cannot read the poster: {e}"),
            }
        }
        true
    }
}

/// Reads a poster frame (8-bit RGB or RGBA, as the app writes them) into a picture, within a
/// memory limit: the cache folder is the user's, and a file there is not trusted.
fn decode_png(path: &std::path::Path) -> Result<egui::ColorImage, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: POSTER_MAX_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or("the picture is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let dims = [info.width as usize, info.height as usize];
    let data = &buf[..info.buffer_size()];
    match info.color_type {
        png::ColorType::Rgba => Ok(egui::ColorImage::from_rgba_unmultiplied(dims, data)),
        png::ColorType::Rgb => Ok(egui::ColorImage::from_rgb(dims, data)),
        other => Err(format!("a {other:?} picture is not a poster frame")),
    }
}
