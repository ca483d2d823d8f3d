//! Choosing a region by dragging on a full-screen overlay: a still picture of the screen,
//! dimmed, with the dragged rectangle bright and its size beside it. Letting go (or Enter)
//! confirms, Esc cancels. The Record screen opens it in a viewport of its own, and
//! `clipnote pick-region` runs it as a program of its own that prints `X,Y,W,H`.

use eframe::egui;

/// Smaller drags are taken for clicks, not regions.
const MIN_SIDE: u32 = 16;

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picked {
    /// X, Y, W, H in screen pixels (W and H even, as the encoder needs).
    Region([u32; 4]),
    Cancelled,
}

/// The overlay's state: the screen's picture and the drag so far (in screen pixels).
pub struct RegionPicker {
    shot: Option<capture::Screenshot>,
    texture: Option<egui::TextureHandle>,
    size: [u32; 2],
    drag: Option<[egui::Pos2; 2]>,
}

impl RegionPicker {
    pub fn new(shot: capture::Screenshot) -> Self {
        Self {
            size: [shot.width, shot.height],
            shot: Some(shot),
            texture: None,
            drag: None,
        }
    }

    /// The screen's size in pixels (the overlay's window should cover it).
    pub fn screen_size(&self) -> [u32; 2] {
        self.size
    }

    /// Draws the overlay over the whole of `ui`; returns the outcome once there is one.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<Picked> {
        if let Some(shot) = self.shot.take() {
            let image = egui::ColorImage::from_rgba_unmultiplied(
                [shot.width as usize, shot.height as usize],
                &shot.rgba,
            );
            self.texture = Some(ui.ctx().load_texture(
                "region-picker-screen",
                image,
                egui::TextureOptions::LINEAR,
            ));
        }
        let area = ui.max_rect();
        let response = ui.interact(area, ui.scope_id().with("region-drag"), egui::Sense::drag());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Canvas,
                true,
                "Drag to choose the area to record",
            )
        });
        let painter = ui.painter_at(area);
        if let Some(texture) = &self.texture {
            let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
            painter.image(texture.id(), area, uv, egui::Color32::from_gray(110));
        }
        let scale = egui::vec2(
            self.size[0] as f32 / area.width().max(1.0),
            self.size[1] as f32 / area.height().max(1.0),
        );
        let to_screen = |p: egui::Pos2| {
            let v = (p - area.min) * scale;
            egui::pos2(
                v.x.clamp(0.0, self.size[0] as f32),
                v.y.clamp(0.0, self.size[1] as f32),
            )
        };
        let to_area = |p: egui::Pos2| area.min + egui::vec2(p.x / scale.x, p.y / scale.y);
        if response.drag_started()
            && let Some(p) = response.interact_pointer_pos()
        {
            self.drag = Some([to_screen(p); 2]);
        }
        if response.dragged()
            && let (Some(p), Some(drag)) = (response.interact_pointer_pos(), &mut self.drag)
        {
            drag[1] = to_screen(p);
        }
        let chosen = self.drag.map(region_of);
        if let (Some(texture), Some([x, y, w, h])) = (&self.texture, chosen) {
            let sel = egui::Rect::from_min_size(
                to_area(egui::pos2(x as f32, y as f32)),
                egui::vec2(w as f32 / scale.x, h as f32 / scale.y),
            );
            let uv = egui::Rect::from_min_max(
                egui::pos2(
                    x as f32 / self.size[0] as f32,
                    y as f32 / self.size[1] as f32,
                ),
                egui::pos2(
                    (x + w) as f32 / self.size[0] as f32,
                    (y + h) as f32 / self.size[1] as f32,
                ),
            );
            painter.image(texture.id(), sel, uv, egui::Color32::WHITE);
            painter.rect_stroke(
                sel,
                0.0,
                egui::Stroke::new(2.0, egui::Color32::from_rgb(220, 60, 50)),
                egui::StrokeKind::Outside,
            );
            painter.text(
                sel.left_bottom() + egui::vec2(0.0, 6.0),
                egui::Align2::LEFT_TOP,
                format!("{w} × {h} at {x}, {y}"),
                egui::FontId::proportional(16.0),
                egui::Color32::WHITE,
            );
        }
        painter.text(
            area.center_top() + egui::vec2(0.0, 24.0),
            egui::Align2::CENTER_TOP,
            "Drag to choose the area to record · let go or press Enter to use it · Esc to cancel",
            egui::FontId::proportional(20.0),
            egui::Color32::WHITE,
        );
        let (enter, escape) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Escape),
            )
        });
        let big_enough = chosen.filter(|r| r[2] >= MIN_SIDE && r[3] >= MIN_SIDE);
        if escape || ui.input(|i| i.viewport().close_requested()) {
            return Some(Picked::Cancelled);
        }
        if (response.drag_stopped() || enter)
            && let Some(region) = big_enough
        {
            return Some(Picked::Region(region));
        }
        None
    }
}

/// The rectangle between two corners, in whole pixels, with an even width and height.
pub fn region_of([a, b]: [egui::Pos2; 2]) -> [u32; 4] {
    let (x0, x1) = (a.x.min(b.x).round() as u32, a.x.max(b.x).round() as u32);
    let (y0, y1) = (a.y.min(b.y).round() as u32, a.y.max(b.y).round() as u32);
    [x0, y0, (x1 - x0) & !1, (y1 - y0) & !1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_in_any_order_give_one_even_rectangle() {
        let r = region_of([egui::pos2(600.4, 451.0), egui::pos2(200.0, 150.0)]);
        assert_eq!(r, [200, 150, 400, 300]);
        assert_eq!(
            region_of([egui::pos2(10.0, 10.0), egui::pos2(21.0, 31.0)]),
            [10, 10, 10, 20]
        );
    }
}

/// `clipnote pick-region`: the overlay as a window of its own over the whole screen. Returns
/// the region, or `None` when the person cancelled.
pub fn pick_alone() -> anyhow::Result<Option<[u32; 4]>> {
    use crate::cli::UserError;
    use crate::exit;
    let shot = capture::screenshot(
        capture::Backend::detect(),
        crate::config::portal_tokens_path().as_deref(),
    )
    .map_err(|e| UserError::new(exit::DEVICE, e.to_string()))?;
    let picker = RegionPicker::new(shot);
    let [w, h] = picker.screen_size();
    let outcome = std::rc::Rc::new(std::cell::Cell::new(None));
    let native = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: overlay_viewport(w, h, 1.0).with_title("Clipnote — choose a region"),
        ..Default::default()
    };
    let seen = outcome.clone();
    eframe::run_native(
        "clipnote-region",
        native,
        Box::new(move |_cc| {
            Ok(Box::new(Alone {
                picker,
                outcome: seen,
            }))
        }),
    )
    .map_err(|e| {
        UserError::new(
            exit::DEVICE,
            format!("cannot open the region overlay: {e}. Run it inside a graphical session"),
        )
    })?;
    Ok(match outcome.get() {
        Some(Picked::Region(r)) => Some(r),
        Some(Picked::Cancelled) | None => None,
    })
}

/// A borderless, always-on-top window over the whole screen (`w`×`h` pixels).
pub fn overlay_viewport(w: u32, h: u32, pixels_per_point: f32) -> egui::ViewportBuilder {
    let size = [w as f32 / pixels_per_point, h as f32 / pixels_per_point];
    egui::ViewportBuilder::default()
        .with_app_id("clipnote-region")
        .with_decorations(false)
        .with_always_on_top()
        .with_position([0.0, 0.0])
        .with_inner_size(size)
        .with_fullscreen(true)
}

struct Alone {
    picker: RegionPicker,
    outcome: std::rc::Rc<std::cell::Cell<Option<Picked>>>,
}

impl eframe::App for Alone {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                // The first outcome counts (closing asks once more, as a cancel).
                if let Some(picked) = self.picker.ui(ui)
                    && self.outcome.get().is_none()
                {
                    self.outcome.set(Some(picked));
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
    }
}

/// Where choosing a region on the Record screen is.
#[derive(Default)]
pub enum RegionPick {
    #[default]
    Idle,
    /// Taking the screen's picture on a worker thread.
    Grabbing(std::sync::mpsc::Receiver<Result<capture::Screenshot, String>>),
    Picking(Box<RegionPicker>),
}

impl super::app::App {
    /// "Drag on screen…": takes the screen's picture off the UI thread, then shows the overlay.
    pub(super) fn start_region_pick(&mut self) {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let wake = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("ui-screenshot".into())
            .spawn(move || {
                let _ = tx.send(
                    capture::screenshot(
                        capture::Backend::detect(),
                        crate::config::portal_tokens_path().as_deref(),
                    )
                    .map_err(|e| e.to_string()),
                );
                wake.request_repaint();
            });
        match spawned {
            Ok(_) => self.region_pick = RegionPick::Grabbing(rx),
            Err(e) => self.notice = Some(format!("cannot take the screen's picture: {e}")),
        }
    }

    /// Shows the overlay while a region is being chosen; a choice fills the region fields.
    pub(super) fn region_overlay(&mut self, ctx: &egui::Context) {
        if let RegionPick::Grabbing(rx) = &self.region_pick {
            match rx.try_recv() {
                Ok(Ok(shot)) => {
                    self.region_pick = RegionPick::Picking(Box::new(RegionPicker::new(shot)))
                }
                Ok(Err(e)) => {
                    self.notice = Some(format!("cannot show the screen to choose from: {e}"));
                    self.region_pick = RegionPick::Idle;
                }
                Err(_) => {}
            }
        }
        let RegionPick::Picking(picker) = &mut self.region_pick else {
            return;
        };
        let [w, h] = picker.screen_size();
        let builder =
            overlay_viewport(w, h, ctx.pixels_per_point()).with_title("Clipnote — choose a region");
        let mut outcome = None;
        ctx.show_viewport_immediate(
            egui::ViewportId::from_hash_of("clipnote-region"),
            builder,
            |ui, _class| {
                egui::CentralPanel::default()
                    .frame(egui::Frame::NONE)
                    .show(ui, |ui| outcome = picker.ui(ui));
            },
        );
        match outcome {
            Some(Picked::Region(r)) => {
                self.prefs.region = r.map(|v| v.to_string());
                self.region_pick = RegionPick::Idle;
            }
            Some(Picked::Cancelled) => self.region_pick = RegionPick::Idle,
            None => {}
        }
    }
}
