//! The review player: `capture::player::Player` decodes on its own threads and plays the sound
//! (1×–2×, pitch kept); it is opened on a named worker thread (reading the clip's index and
//! opening the audio output take a moment) and its pictures go into one egui texture.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Duration;

use capture::player::Player;
use eframe::egui;

/// Pictures are decoded at most this wide (the review shows them smaller).
const MAX_WIDTH: u32 = 960;

/// Speeds offered under the picture.
pub const SPEEDS: [f32; 4] = [1.0, 1.25, 1.5, 2.0];

pub struct Playback {
    player: Option<Player>,
    opening: Option<Receiver<Result<Player, String>>>,
    texture: Option<egui::TextureHandle>,
    shown_pts: f64,
    /// Where playback is, in seconds of the clip.
    pub position: f64,
    pub error: Option<String>,
}

impl Playback {
    /// Starts opening `path` on a worker thread; `tick` picks the player up.
    pub fn open(path: PathBuf, ctx: &egui::Context) -> Self {
        let (tx, rx) = sync_channel(1);
        let wake = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-player-open".into())
            .spawn(move || {
                let _ = tx.send(Player::open(&path, MAX_WIDTH, 0.0).map_err(|e| e.to_string()));
                wake.request_repaint();
            });
        Self {
            player: None,
            opening: spawned.is_ok().then_some(rx),
            texture: None,
            shown_pts: f64::NAN,
            position: 0.0,
            error: spawned
                .err()
                .map(|e| format!("cannot start the player: {e}")),
        }
    }

    /// A player that cannot play, saying why (a clip that could not be downloaded or read).
    pub fn failed(error: String) -> Self {
        Self {
            player: None,
            opening: None,
            texture: None,
            shown_pts: f64::NAN,
            position: 0.0,
            error: Some(error),
        }
    }

    /// Height over width of the picture, once there is one.
    pub fn aspect(&self) -> Option<f32> {
        self.texture.as_ref().map(|t| {
            let [w, h] = t.size();
            h as f32 / w.max(1) as f32
        })
    }

    pub fn has_picture(&self) -> bool {
        self.texture.is_some()
    }

    pub fn is_playing(&self) -> bool {
        self.player.as_ref().is_some_and(|p| !p.is_paused())
    }

    pub fn speed(&self) -> f32 {
        self.player.as_ref().map_or(1.0, Player::speed)
    }

    /// The clip's length, once it is open.
    pub fn duration(&self) -> Option<f64> {
        self.player.as_ref().map(Player::duration_secs)
    }

    /// Runs from `App::logic`: takes the opened player, stops at the trim's end, uploads the
    /// picture that is due, and asks for the next repaint while playing.
    pub fn tick(&mut self, ctx: &egui::Context, trim_end: f64) {
        if let Some(rx) = &self.opening
            && let Ok(result) = rx.try_recv()
        {
            self.opening = None;
            match result {
                Ok(p) => self.player = Some(p),
                Err(e) => self.error = Some(e),
            }
        }
        let Some(player) = &mut self.player else {
            return;
        };
        if let Some(e) = player.error() {
            self.error = Some(e);
        }
        if !player.is_paused() {
            self.position = player.position_secs();
            if self.position >= trim_end || player.finished() {
                player.pause();
            }
        }
        if let Some(frame) = player.frame_to_show()
            && frame.pts_secs.to_bits() != self.shown_pts.to_bits()
        {
            self.shown_pts = frame.pts_secs;
            let image = egui::ColorImage::from_rgba_unmultiplied(
                [frame.width as usize, frame.height as usize],
                &frame.rgba,
            );
            match &mut self.texture {
                Some(t) => t.set(image, egui::TextureOptions::LINEAR),
                None => {
                    self.texture =
                        Some(ctx.load_texture("review-frame", image, egui::TextureOptions::LINEAR));
                }
            }
        }
        if !player.is_paused() || self.texture.is_none() {
            ctx.request_repaint_after(Duration::from_millis(15));
        }
    }

    /// Plays the kept part (from its start when outside it), or pauses.
    pub fn toggle(&mut self, trim: [f64; 2]) {
        let Some(player) = &mut self.player else {
            return;
        };
        if !player.is_paused() {
            player.pause();
            return;
        }
        // Played to the end (of the kept part, or of what could be decoded): start over.
        if self.position < trim[0] || self.position >= trim[1] - 0.05 || player.finished() {
            player.seek(trim[0]);
            self.position = trim[0];
        }
        player.play();
    }

    pub fn seek(&mut self, secs: f64) {
        if let Some(player) = &mut self.player {
            player.seek(secs);
            self.position = secs;
        }
    }

    pub fn set_speed(&mut self, speed: f32) {
        if let Some(player) = &mut self.player {
            player.set_speed(speed);
        }
    }

    /// The picture (with `hover` as its tooltip, if any), or a dark box saying why there is
    /// none yet. Returns where it was drawn.
    pub fn show(&self, ui: &mut egui::Ui, size: egui::Vec2, hover: &str) -> egui::Rect {
        match &self.texture {
            Some(texture) => {
                let picture =
                    ui.add(egui::Image::new((texture.id(), size)).fit_to_exact_size(size));
                let rect = picture.rect;
                if !hover.is_empty() {
                    picture.on_hover_text(hover);
                }
                rect
            }
            None => {
                let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                ui.painter()
                    .rect_filled(rect, 4.0, egui::Color32::from_gray(20));
                let text = self.error.as_deref().unwrap_or("Loading the clip…");
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    super::record::truncate(text, 80),
                    egui::FontId::proportional(14.0),
                    egui::Color32::from_gray(200),
                );
                rect
            }
        }
    }
}
