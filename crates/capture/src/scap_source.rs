//! Screen capture through the `scap` crate: Wayland (ScreenCast portal + PipeWire), macOS and
//! Windows. Compiled with the `scap` feature; not exercised by our tests (Xvfb has no portal).
//!
//! scap's capturer lives on its own named thread and hands frames over a bounded channel, so
//! this source is `Send` whatever scap's types are.

use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use scap::capturer::{Area, Capturer, Options, Point, Size};
use scap::frame::{Frame, FrameType};

use crate::error::{CaptureError, Result};
use crate::screen::{RawFrame, ScreenSource};
use crate::settings::Source;

/// Frames waiting between scap's thread and ours.
const QUEUE: usize = 2;

pub struct ScapSource {
    frames: Receiver<RawFrame>,
    size: (u32, u32),
}

/// Packs a scap frame into 32-bit B, G, R, X order (what the converter expects).
fn to_bgrx(frame: Frame) -> Option<(Vec<u8>, u32, u32)> {
    let size = |w: i32, h: i32| (w.max(0) as u32, h.max(0) as u32);
    match frame {
        Frame::BGRx(f) => Some((f.data, size(f.width, f.height).0, size(f.width, f.height).1)),
        Frame::BGRA(f) => Some((f.data, size(f.width, f.height).0, size(f.width, f.height).1)),
        Frame::BGR0(f) => Some((f.data, size(f.width, f.height).0, size(f.width, f.height).1)),
        Frame::RGBx(mut f) => {
            f.data.chunks_exact_mut(4).for_each(|p| p.swap(0, 2));
            Some((f.data, size(f.width, f.height).0, size(f.width, f.height).1))
        }
        Frame::XBGR(mut f) => {
            f.data.chunks_exact_mut(4).for_each(|p| p.rotate_left(1));
            Some((f.data, size(f.width, f.height).0, size(f.width, f.height).1))
        }
        Frame::RGB(_) | Frame::YUVFrame(_) => None,
    }
}

fn target(source: &Source) -> Result<(Option<scap::Target>, Option<Area>)> {
    let targets = scap::get_all_targets();
    Ok(match source {
        Source::WholeDisplay => (None, None),
        Source::Screen(n) => {
            let displays: Vec<_> = targets
                .into_iter()
                .filter(|t| matches!(t, scap::Target::Display(_)))
                .collect();
            let available = displays.len();
            let t = displays
                .into_iter()
                .nth(*n)
                .ok_or(CaptureError::UnknownScreen {
                    index: *n,
                    available,
                })?;
            (Some(t), None)
        }
        Source::Window(query) => {
            let needle = query.to_lowercase();
            let t = targets
                .into_iter()
                .find(|t| matches!(t, scap::Target::Window(w) if w.title.to_lowercase().contains(&needle) || w.id.to_string() == *query))
                .ok_or_else(|| CaptureError::UnknownWindow(format!("no window's title contains {query:?}")))?;
            (Some(t), None)
        }
        Source::Region {
            x,
            y,
            width,
            height,
        } => (
            None,
            Some(Area {
                origin: Point {
                    x: f64::from(*x),
                    y: f64::from(*y),
                },
                size: Size {
                    width: f64::from(*width),
                    height: f64::from(*height),
                },
            }),
        ),
    })
}

impl ScapSource {
    pub fn open(source: &Source, fps: u32) -> Result<Self> {
        if !scap::is_supported() {
            return Err(CaptureError::Unsupported(
                "this desktop offers no screen capture Clipnote can use (on Linux: the xdg-desktop-portal ScreenCast interface, or an X11 session)".into(),
            ));
        }
        if !scap::has_permission() && !scap::request_permission() {
            return Err(CaptureError::Unsupported(
                "Clipnote may not record the screen: allow it under System Settings → Privacy & Security → Screen Recording, then try again".into(),
            ));
        }
        let (target, crop_area) = target(source)?;
        let options = Options {
            fps,
            show_cursor: true,
            show_highlight: false,
            target,
            crop_area,
            output_type: FrameType::BGRAFrame,
            ..Default::default()
        };
        let (tx, frames) = sync_channel::<RawFrame>(QUEUE);
        let (size_tx, size_rx) = sync_channel::<Result<(u32, u32)>>(1);
        std::thread::Builder::new()
            .name("scap-capture".into())
            .spawn(move || {
                let mut capturer = match Capturer::build(options) {
                    Ok(c) => c,
                    Err(e) => {
                        let reason = format!("screen capture could not start: {e}");
                        let _ = size_tx.send(Err(CaptureError::Unsupported(reason)));
                        return;
                    }
                };
                let [w, h] = capturer.get_output_frame_size();
                let _ = size_tx.send(Ok((w & !1, h & !1)));
                capturer.start_capture();
                while let Ok(frame) = capturer.get_next_frame() {
                    let Some((data, width, height)) = to_bgrx(frame) else {
                        continue;
                    };
                    let raw = RawFrame::owned(data, width as usize * 4, height, Instant::now());
                    if tx.send(raw).is_err() {
                        break;
                    }
                }
                capturer.stop_capture();
            })
            .map_err(|_| CaptureError::WorkerDied("scap-capture"))?;
        let size = size_rx
            .recv()
            .map_err(|_| CaptureError::WorkerDied("scap-capture"))??;
        Ok(Self { frames, size })
    }
}

impl ScreenSource for ScapSource {
    fn next_frame(&mut self) -> Result<RawFrame> {
        self.frames
            .recv()
            .map_err(|_| CaptureError::WorkerDied("scap-capture"))
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }
}
