//! Wayland capture: the desktop's ScreenCast portal chooses (or remembers) the source and opens a
//! PipeWire stream of it; we read that stream and pace pictures at the recording's rate.
//!
//! ```text
//! portal::PortalSession ── fd + node ──▶ stream::PipeWireStream ── Latest ──▶ PortalSource
//!  (asked once, then a restore token)        (pipewire-capture thread)  (each new picture)
//! ```
//!
//! A region is a crop of the monitor's stream. The pointer is drawn by the desktop (cursor mode
//! "embedded") where it offers that.

pub mod buffer;
pub mod copy;
pub mod picture;
pub mod portal;
pub mod stream;
pub mod yuv;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{CaptureError, Result};
use crate::screen::{PixelFormat, RawFrame, ScreenSource};
use crate::settings::Source;
use copy::Crop;
use picture::Picture;
use portal::{Kind, PortalSession};
use stream::PipeWireStream;

/// How long the first picture may take after the portal started the stream.
const FIRST_PICTURE: Duration = Duration::from_secs(5);

/// A screen source on a Wayland desktop.
pub struct PortalSource {
    // Field order is drop order: the stream stops before the portal session closes.
    stream: PipeWireStream,
    _session: PortalSession,
    size: (u32, u32),
    interval: Duration,
    /// The picture handed out last.
    shown: Option<Shown>,
}

/// What is remembered of the picture handed out last (not the picture: its buffer is reused).
#[derive(Clone, Copy)]
struct Shown {
    seq: u64,
    delay: Duration,
}

impl PortalSource {
    /// Asks the portal for `source` (remembering the choice in `tokens`) and starts its stream.
    pub fn open(source: &Source, fps: u32, tokens: Option<&Path>) -> Result<Self> {
        let kind = Kind::of(source);
        let mut session = PortalSession::open(kind, tokens)?;
        let crop = match source {
            Source::Region {
                x,
                y,
                width,
                height,
            } => Some(region_crop(
                (*x, *y, *width, *height),
                session.stream.position,
                session.stream.size,
            )?),
            _ => None,
        };
        let stream =
            PipeWireStream::open(session.remote.take(), session.stream.node_id, fps, crop)?;
        // The size comes with the stream's format: the encoder opens for it while the first
        // picture is on its way (the first tick waits for that picture).
        let size = stream.latest.size(FIRST_PICTURE)?;
        tracing::info!(
            width = size.0,
            height = size.1,
            asked = session.asked_afresh,
            "wayland: recording the portal's stream"
        );
        if let Some(path) = tokens
            && crop.is_none()
        {
            portal::remember_size(path, kind, size);
        }
        Ok(Self {
            stream,
            _session: session,
            size,
            interval: Duration::from_secs_f64(1.0 / f64::from(fps.max(1))),
            shown: None,
        })
    }

    /// `picture` as a frame of the screen at `at`, remembered as the one shown.
    fn frame(&mut self, picture: Arc<Picture>, at: Instant, follows: bool) -> RawFrame {
        self.shown = Some(Shown {
            seq: picture.seq(),
            delay: picture.delay,
        });
        RawFrame::shared(picture, at, follows)
    }
}

/// The size pictures of `source` are expected at before the portal opens its stream: a region's
/// own (even) size, or what the same kind of source measured last time (kept with the tokens).
pub fn expected_size(source: &Source, tokens: Option<&Path>) -> Option<(u32, u32)> {
    match source {
        Source::Region { width, height, .. } => Some((width & !1, height & !1)),
        _ => portal::remembered_size(tokens?, Kind::of(source)),
    }
}

/// The part of a monitor's stream a region (in desktop coordinates) covers.
fn region_crop(
    (x, y, width, height): (i32, i32, u32, u32),
    position: Option<(i32, i32)>,
    size: Option<(i32, i32)>,
) -> Result<Crop> {
    let (px, py) = position.unwrap_or((0, 0));
    let (sx, sy) = (x - px, y - py);
    let fits_size = size.is_none_or(|(w, h)| {
        sx.saturating_add(width as i32) <= w && sy.saturating_add(height as i32) <= h
    });
    if sx < 0 || sy < 0 || width < 2 || height < 2 || !fits_size {
        let on = size.map_or(String::new(), |(w, h)| {
            format!(" the shared {w}x{h} monitor at {px},{py}")
        });
        return Err(CaptureError::BadRegion(format!(
            "the region {x},{y},{width},{height} does not fit on{on}; give X,Y,W,H inside it, at least 2x2"
        )));
    }
    Ok(Crop {
        x: sx as u32,
        y: sy as u32,
        width,
        height,
    })
}

impl ScreenSource for PortalSource {
    /// Each new picture, placed when the desktop drew it; while the desktop sends nothing new (a
    /// still screen) the previous picture again each frame interval, which the encoder
    /// recognises as unchanged.
    fn next_frame(&mut self) -> Result<RawFrame> {
        let latest = &self.stream.latest;
        let Some(shown) = self.shown else {
            // The first frame: what the screen shows as the recording starts.
            let picture = latest.get(FIRST_PICTURE)?;
            return Ok(self.frame(picture, Instant::now(), false));
        };
        // Holding no picture while waiting lets the stream draw the next one into the buffer
        // of the last (only what changed is copied).
        let picture = match latest.newer(shown.seq, self.interval)? {
            Some(picture) => picture,
            None => latest.get(FIRST_PICTURE)?,
        };
        if picture.seq() > shown.seq {
            // Pictures replaced before this thread saw them may each have been a frame's only
            // one. (Whether the desktop drew others it never sent cannot be known: its own
            // numbering skips even between pictures sent one after the other.)
            let follows = picture.seq() == shown.seq + 1;
            // The recorder shows a frame from the start of the slot its moment falls in. This
            // picture is the screen exactly as drawn: half a slot later puts it in the slot
            // nearest to that moment, early or late by at most half a frame.
            let at = picture.drawn + self.interval / 2;
            return Ok(self.frame(picture, at, follows));
        }
        // The screen still shows the same picture. Placed far enough back that a picture drawn
        // just now, which reaches us after its own delay, still lands after it.
        let now = Instant::now();
        let at = now
            .checked_sub(self.interval * 2 + shown.delay)
            .unwrap_or(now);
        Ok(self.frame(picture, at, true))
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn format(&self) -> PixelFormat {
        PixelFormat::Yuv420
    }
}

#[cfg(test)]
mod tests {
    use super::region_crop;

    #[test]
    fn regions_are_cut_from_the_monitor_they_are_on() {
        let c = region_crop((2020, 100, 400, 300), Some((1920, 0)), Some((1920, 1080))).unwrap();
        assert_eq!((c.x, c.y, c.width, c.height), (100, 100, 400, 300));
        let c = region_crop((10, 20, 640, 480), None, None).unwrap();
        assert_eq!((c.x, c.y), (10, 20));
        let off = region_crop((1800, 0, 400, 300), Some((0, 0)), Some((1920, 1080)))
            .unwrap_err()
            .to_string();
        assert!(
            off.contains("1920x1080") && off.contains("X,Y,W,H"),
            "{off}"
        );
        assert!(region_crop((5, 5, 1, 1), None, None).is_err());
    }
}
