//! The screen seam: a [`ScreenSource`] delivers pictures, one a frame: packed 32-bit BGR from
//! X11, YUV 4:2:0 from Wayland ([`PixelFormat`]).
//!
//! On X11 the source is FFmpeg's `x11grab` (XCB with MIT-SHM, ~1000 fps at 1080p here), which
//! also paces frames at the requested rate and draws the cursor. On Wayland it is the desktop's
//! ScreenCast portal and its PipeWire stream ([`crate::wayland`]); which one is decided at run
//! time ([`Backend`]).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Instant;

use ffmpeg_next as ffmpeg;

use crate::backend::Backend;
use crate::error::{CaptureError, Result};
use crate::ff;
use crate::settings::Source;
use crate::stats::Stats;
use crate::timeline::Timeline;
use crate::x11::GrabArea;

/// How a frame's bytes hold its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Packed B, G, R, X bytes, `stride` bytes a row (x11grab's own).
    Bgrx,
    /// YUV 4:2:0, the encoder's own: the Y plane (`stride` bytes a row, the picture's width),
    /// then U and V, each half as wide and half as high (the Wayland stream, converted as it
    /// arrives: 3 MB a 1080p picture instead of 8).
    Yuv420,
}

impl PixelFormat {
    pub fn ffmpeg(self) -> ffmpeg::format::Pixel {
        match self {
            PixelFormat::Bgrx => ffmpeg::format::Pixel::BGRZ,
            PixelFormat::Yuv420 => ffmpeg::format::Pixel::YUV420P,
        }
    }
}

/// One captured picture, in its source's [`PixelFormat`].
pub struct RawFrame {
    data: FrameData,
    pub format: PixelFormat,
    pub stride: usize,
    pub height: u32,
    pub captured: Instant,
    /// The source handed on every picture it had since the frame before, and it sends one only
    /// when the screen changes (a Wayland stream): slots between the two showed that frame, so
    /// none of them was lost.
    pub follows: bool,
}

enum FrameData {
    /// Zero-copy: the device's own buffer (x11grab's shared-memory segment).
    Packet(ffmpeg::Packet),
    /// Owned pixels, for sources that hand over a copy.
    #[cfg_attr(not(feature = "scap"), allow(dead_code))]
    Owned(Vec<u8>),
    /// A picture the source may hand out again (Wayland: the newest one, until a newer comes).
    Shared(Arc<crate::wayland::picture::Picture>),
}

impl RawFrame {
    /// A frame from pixels a source owns.
    #[cfg_attr(not(feature = "scap"), allow(dead_code))]
    pub fn owned(data: Vec<u8>, stride: usize, height: u32, captured: Instant) -> Self {
        Self {
            data: FrameData::Owned(data),
            format: PixelFormat::Bgrx,
            stride,
            height,
            captured,
            follows: false,
        }
    }

    /// A frame from a YUV 4:2:0 picture the source keeps sharing.
    pub(crate) fn shared(
        picture: Arc<crate::wayland::picture::Picture>,
        captured: Instant,
        follows: bool,
    ) -> Self {
        Self {
            stride: picture.width as usize,
            height: picture.height,
            data: FrameData::Shared(picture),
            format: PixelFormat::Yuv420,
            captured,
            follows,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            FrameData::Packet(p) => p.data().unwrap_or_default(),
            FrameData::Owned(v) => v,
            FrameData::Shared(p) => &p.data,
        }
    }

    /// Each plane of the picture: its bytes, bytes a row, and rows; `None` if the bytes are
    /// fewer than the format and size need.
    pub fn planes(&self) -> Option<Vec<ff::Plane<'_>>> {
        let (stride, rows) = (self.stride, self.height as usize);
        let bytes = self.bytes();
        let sizes = match self.format {
            PixelFormat::Bgrx => vec![(stride, rows)],
            PixelFormat::Yuv420 => vec![
                (stride, rows),
                (stride / 2, rows / 2),
                (stride / 2, rows / 2),
            ],
        };
        let mut at = 0;
        let mut planes = Vec::with_capacity(sizes.len());
        for (stride, rows) in sizes {
            let len = stride * rows;
            planes.push(ff::Plane {
                bytes: bytes.get(at..at + len)?,
                stride,
                rows,
            });
            at += len;
        }
        Some(planes)
    }
}

/// Where frames come from.
pub trait ScreenSource: Send {
    /// Blocks until the next frame is due and returns it.
    fn next_frame(&mut self) -> Result<RawFrame>;
    fn size(&self) -> (u32, u32);
    /// The format its frames come in.
    fn format(&self) -> PixelFormat {
        PixelFormat::Bgrx
    }
}

/// Opens the screen source of `backend`: `x11grab` on X11; on Wayland the desktop's ScreenCast
/// portal, remembering the chosen source in `portal_tokens` so later recordings start without a
/// dialog.
pub fn open(
    source: &Source,
    fps: u32,
    backend: Backend,
    portal_tokens: Option<&Path>,
) -> Result<Box<dyn ScreenSource>> {
    #[cfg(all(feature = "scap", not(target_os = "linux")))]
    {
        let _ = (backend, portal_tokens);
        return Ok(Box::new(crate::scap_source::ScapSource::open(source, fps)?));
    }
    #[cfg(any(not(feature = "scap"), target_os = "linux"))]
    match backend {
        Backend::Wayland => Ok(Box::new(crate::wayland::PortalSource::open(
            source,
            fps,
            portal_tokens,
        )?)),
        Backend::X11 => {
            let display = crate::x11::Display::open()?;
            let area = display.resolve(source)?;
            Ok(Box::new(X11Grab::open(display.name(), area, fps)?))
        }
    }
}

/// The format and size frames of `source` will come at, when that is known before the source
/// opens (so the encoder can open meanwhile): on Wayland a region's own size, or the size the
/// portal's stream had last time for the same kind of source.
pub fn expected(
    source: &Source,
    backend: Backend,
    portal_tokens: Option<&Path>,
) -> Option<(PixelFormat, (u32, u32))> {
    #[cfg(all(feature = "scap", not(target_os = "linux")))]
    {
        let _ = (source, backend, portal_tokens);
        return None;
    }
    #[cfg(any(not(feature = "scap"), target_os = "linux"))]
    match backend {
        Backend::Wayland => crate::wayland::expected_size(source, portal_tokens)
            .map(|size| (PixelFormat::Yuv420, size)),
        // x11grab opens in a few milliseconds: nothing to win.
        Backend::X11 => None,
    }
}

/// One still picture of the whole display, RGBA, for a region picker to draw under its overlay.
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    /// `width * height * 4` bytes, row after row.
    pub rgba: Vec<u8>,
}

/// Takes one picture of the whole display (all monitors; on Wayland, the monitor the portal
/// shares, remembered in `portal_tokens` like a recording's).
pub fn screenshot(backend: Backend, portal_tokens: Option<&Path>) -> Result<Screenshot> {
    let mut source = open(&Source::WholeDisplay, 30, backend, portal_tokens)?;
    let (width, height) = source.size();
    let frame = source.next_frame()?;
    let short =
        || CaptureError::Unsupported("the screen sent a picture shorter than its size".into());
    let planes = frame.planes().ok_or_else(short)?;
    let rgba = ff::to_rgba(frame.format.ffmpeg(), &planes, (width, height))
        .map_err(CaptureError::ffmpeg("converting the screenshot's colours"))?;
    Ok(Screenshot {
        width,
        height,
        rgba,
    })
}

/// X11 capture through FFmpeg's `x11grab`.
pub struct X11Grab {
    input: ffmpeg::format::context::Input,
    width: u32,
    height: u32,
}

impl X11Grab {
    pub fn open(display: &str, area: GrabArea, fps: u32) -> Result<Self> {
        let mut options = vec![
            ("framerate", fps.to_string()),
            ("video_size", format!("{}x{}", area.width, area.height)),
            ("draw_mouse", "1".into()),
        ];
        if let Some(window) = area.window {
            options.push(("window_id", window.to_string()));
        } else {
            options.push(("grab_x", area.x.to_string()));
            options.push(("grab_y", area.y.to_string()));
        }
        let input = ff::open_device("x11grab", display, &options, false).map_err(|e| {
            CaptureError::NoDisplay {
                display: display.into(),
                reason: format!("x11grab could not start ({e})"),
            }
        })?;
        Ok(Self {
            input,
            width: area.width,
            height: area.height,
        })
    }
}

impl ScreenSource for X11Grab {
    fn next_frame(&mut self) -> Result<RawFrame> {
        let mut packet = ffmpeg::Packet::empty();
        packet
            .read(&mut self.input)
            .map_err(CaptureError::ffmpeg("reading the screen"))?;
        // When the picture was grabbed (x11grab stamps it on the wall clock), not when this
        // thread got it: under load the two are milliseconds apart, and that was A/V offset.
        let captured = packet.pts().map_or_else(Instant::now, ff::instant_of_stamp);
        let stride = packet.size() / self.height as usize;
        Ok(RawFrame {
            data: FrameData::Packet(packet),
            format: PixelFormat::Bgrx,
            stride,
            height: self.height,
            captured,
            follows: false,
        })
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// A frame placed on the recording's frame grid: `slot` = position × fps.
pub struct SlottedFrame {
    pub slot: i64,
    pub frame: RawFrame,
}

/// Reads frames until `stop`, places each on the frame grid and hands it on.
///
/// A slot skipped because the source was late, or a frame the encoder had no room for, counts
/// as dropped: never silent.
pub fn run_capture(
    mut source: Box<dyn ScreenSource>,
    fps: u32,
    timeline: Arc<Timeline>,
    tx: SyncSender<SlottedFrame>,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
) -> Result<()> {
    let mut last_slot: Option<i64> = None;
    let mut was_paused = false;
    while !stop.load(Ordering::Relaxed) {
        let frame = source.next_frame()?;
        stats.frames_captured.fetch_add(1, Ordering::Relaxed);
        let Some(at) = timeline.map(frame.captured) else {
            was_paused = true;
            continue;
        };
        // The slot the grab falls in, not the nearest one: a grab shows what changed since
        // the one before, at some moment in the frame interval before it; showing it from the
        // start of its slot centres that moment instead of always showing it late (which put
        // sound about half a frame ahead of the picture).
        let slot = (at.as_secs_f64() * f64::from(fps)).floor() as i64;
        if last_slot.is_none() {
            tracing::debug!(slot, at_ms = at.as_millis() as u64, "first frame");
        }
        if let Some(last) = last_slot {
            if slot <= last {
                tracing::trace!(
                    slot,
                    at_ms = at.as_millis() as u64,
                    "two frames in one slot"
                );
                continue; // two frames in one slot: keep the first
            }
            if slot > last + 1 && !was_paused && !frame.follows {
                tracing::debug!(slot, last, at_ms = at.as_millis() as u64, "slots skipped");
                stats
                    .frames_dropped
                    .fetch_add((slot - last - 1) as u64, Ordering::Relaxed);
            }
        }
        was_paused = false;
        last_slot = Some(slot);
        match tx.try_send(SlottedFrame { slot, frame }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::debug!(slot, "the encoder had no room: frame dropped");
                stats.frames_dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::mpsc::sync_channel;
    use std::time::Duration;

    /// Frames at given milliseconds from the start, each saying whether the source handed on
    /// every picture since the one before; stops the capture after the last.
    struct Script {
        start: Instant,
        frames: VecDeque<(u64, bool)>,
        stop: Arc<AtomicBool>,
    }

    impl ScreenSource for Script {
        fn next_frame(&mut self) -> Result<RawFrame> {
            let (ms, follows) = self.frames.pop_front().expect("a frame left");
            if self.frames.is_empty() {
                self.stop.store(true, Ordering::Relaxed);
            }
            let at = self.start + Duration::from_millis(ms);
            let mut frame = RawFrame::owned(vec![0; 8], 8, 1, at);
            frame.follows = follows;
            Ok(frame)
        }

        fn size(&self) -> (u32, u32) {
            (2, 1)
        }
    }

    /// Slots given frames, and frames counted as dropped, at 10 fps.
    fn capture(frames: &[(u64, bool)]) -> (Vec<i64>, u64) {
        let start = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let source = Script {
            start,
            frames: frames.iter().copied().collect(),
            stop: stop.clone(),
        };
        let (tx, rx) = sync_channel(frames.len());
        let stats = Arc::new(Stats::default());
        let timeline = Arc::new(Timeline::new(start));
        run_capture(Box::new(source), 10, timeline, tx, stop, stats.clone()).unwrap();
        (rx.try_iter().map(|f| f.slot).collect(), stats.dropped())
    }

    #[test]
    fn skipped_slots_are_dropped_frames_unless_the_screen_showed_the_frame_before() {
        // A grabber late by two slots lost them.
        assert_eq!(capture(&[(0, false), (130, false)]), (vec![0, 1], 0));
        assert_eq!(capture(&[(0, false), (350, false)]), (vec![0, 3], 2));
        // A stream that sends a picture only when the screen changes lost nothing in between.
        assert_eq!(capture(&[(0, false), (350, true)]), (vec![0, 3], 0));
        // Two in one slot: the first is kept, and that is no drop.
        assert_eq!(
            capture(&[(0, false), (120, true), (150, true), (210, true)]),
            (vec![0, 1, 2], 0)
        );
    }
}
