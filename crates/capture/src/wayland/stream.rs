//! The PipeWire video stream the portal opened, read on its own thread (`pipewire-capture`).
//!
//! ```text
//! compositor ── shared-memory buffer ──▶ process(): copy (crop, BGRx) ──▶ Latest (newest only)
//!                                                                          ▲
//!                              PortalSource::next_frame at fps ticks ──────┘
//! ```
//!
//! Only memory-mappable buffers are asked for (no DMA-BUF modifiers are offered), so every
//! desktop hands over pixels we can read: never a black or green clip from a buffer we could not
//! map. The stream asks for at most `fps` pictures a second, and a picture whose chunk is empty
//! or flagged corrupted (the compositor had nothing new) is skipped. A stream resized on the way
//! (a monitor mode change) is scaled back to the size the recording opened with.

use std::os::fd::OwnedFd;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pipewire as pw;
use pw::spa;
use spa::param::video::{VideoFormat, VideoInfoRaw};
use spa::pod::Pod;

use crate::error::{CaptureError, Result};

/// One picture: packed B, G, R, X bytes, `width * 4` bytes a row.
pub struct Picture {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The newest picture, shared between the PipeWire thread and the recorder's capture thread.
#[derive(Default)]
pub struct Latest {
    slot: Mutex<Slot>,
    ready: Condvar,
}

#[derive(Default)]
struct Slot {
    picture: Option<Arc<Picture>>,
    /// Pictures the stream delivered so far.
    count: u64,
    /// Why the stream ended, if it did.
    ended: Option<String>,
}

impl Latest {
    fn publish(&self, picture: Picture) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.picture = Some(Arc::new(picture));
        slot.count += 1;
        self.ready.notify_all();
    }

    fn end(&self, why: String) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.ended.get_or_insert(why);
        self.ready.notify_all();
    }

    /// A buffer to fill again: the previous picture's, when nobody else holds it.
    fn recycle(&self) -> Vec<u8> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        match slot.picture.take().map(Arc::try_unwrap) {
            Some(Ok(p)) => p.data,
            Some(Err(shared)) => {
                slot.picture = Some(shared);
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// The newest picture; waits up to `wait` for the first one.
    pub fn get(&self, wait: Duration) -> Result<Arc<Picture>> {
        let deadline = Instant::now() + wait;
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(why) = &slot.ended {
                return Err(CaptureError::Portal(format!(
                    "the desktop's screen stream ended: {why}"
                )));
            }
            if let Some(p) = &slot.picture {
                return Ok(p.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CaptureError::Portal(format!(
                    "the desktop's screen stream sent no picture in {:.0} s",
                    wait.as_secs_f64()
                )));
            }
            slot = self
                .ready
                .wait_timeout(slot, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Where in the stream's picture to cut the recorded area from (region recordings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The running stream; dropping it stops the thread.
pub struct PipeWireStream {
    pub latest: Arc<Latest>,
    quit: pw::channel::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for PipeWireStream {
    fn drop(&mut self) {
        let _ = self.quit.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the process callback needs.
struct State {
    format: VideoInfoRaw,
    negotiated: bool,
    crop: Option<Crop>,
    /// The size pictures are delivered at: fixed by the first picture.
    out: Option<(u32, u32)>,
    latest: Arc<Latest>,
}

impl PipeWireStream {
    /// Connects to `node` over the portal's `remote` (or the default PipeWire socket when
    /// `None`) and starts delivering pictures into [`Self::latest`].
    pub fn open(remote: Option<OwnedFd>, node: u32, fps: u32, crop: Option<Crop>) -> Result<Self> {
        let latest = Arc::new(Latest::default());
        let (quit, quit_rx) = pw::channel::channel::<()>();
        let (ready_tx, ready_rx) = sync_channel::<Result<()>>(1);
        let shared = latest.clone();
        let thread = std::thread::Builder::new()
            .name("pipewire-capture".into())
            .spawn(move || {
                let ended = shared.clone();
                if let Err(e) = run(remote, node, fps, crop, shared, quit_rx, &ready_tx) {
                    let why = e.to_string();
                    let _ = ready_tx.try_send(Err(e));
                    ended.end(why);
                } else {
                    ended.end("the stream was stopped".into());
                }
            })
            .map_err(|_| CaptureError::WorkerDied("pipewire-capture"))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                latest,
                quit,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(CaptureError::WorkerDied("pipewire-capture"))
            }
        }
    }
}

fn no_pipewire(e: impl std::fmt::Display) -> CaptureError {
    CaptureError::NoPipeWire {
        reason: e.to_string(),
    }
}

fn run(
    remote: Option<OwnedFd>,
    node: u32,
    fps: u32,
    crop: Option<Crop>,
    latest: Arc<Latest>,
    quit: pw::channel::Receiver<()>,
    ready: &std::sync::mpsc::SyncSender<Result<()>>,
) -> Result<()> {
    pw::init();
    let mainloop = pw::main_loop::MainLoop::new(None).map_err(no_pipewire)?;
    let context = pw::context::Context::new(&mainloop).map_err(no_pipewire)?;
    let core = match remote {
        Some(fd) => context.connect_fd(fd, None),
        None => context.connect(None),
    }
    .map_err(no_pipewire)?;
    // WirePlumber destroys a video stream node that does not say what it carries.
    let stream = pw::stream::Stream::new(
        &core,
        "clipnote-screen",
        pw::properties::properties! {
            *pw::keys::MEDIA_TYPE => "Video",
            *pw::keys::MEDIA_CATEGORY => "Capture",
            *pw::keys::MEDIA_ROLE => "Screen",
        },
    )
    .map_err(no_pipewire)?;
    let state = State {
        format: VideoInfoRaw::default(),
        negotiated: false,
        crop,
        out: None,
        latest: latest.clone(),
    };
    let failed = latest.clone();
    let _listener = stream
        .add_local_listener_with_user_data(state)
        .state_changed(move |_, _, _, new| {
            if let pw::stream::StreamState::Error(why) = new {
                failed.end(why);
            }
        })
        .param_changed(|_, state, id, param| on_param(state, id, param))
        .process(|stream, state| {
            if let Some(mut buffer) = stream.dequeue_buffer() {
                on_buffer(state, &mut buffer);
            }
        })
        .register()
        .map_err(no_pipewire)?;
    let format = format_pod(fps)?;
    let mut params = [Pod::from_bytes(&format).ok_or_else(|| no_pipewire("bad format pod"))?];
    stream
        .connect(
            spa::utils::Direction::Input,
            Some(node),
            pw::stream::StreamFlags::AUTOCONNECT | pw::stream::StreamFlags::MAP_BUFFERS,
            &mut params,
        )
        .map_err(no_pipewire)?;
    let weak = mainloop.downgrade();
    let _quit = quit.attach(mainloop.loop_(), move |()| {
        if let Some(l) = weak.upgrade() {
            l.quit();
        }
    });
    let _ = ready.try_send(Ok(()));
    mainloop.run();
    let _ = stream.disconnect();
    Ok(())
}

/// The formats we read: 32-bit RGB in either order, any size, at most `fps` a second.
fn format_pod(fps: u32) -> Result<Vec<u8>> {
    use spa::param::format::{FormatProperties, MediaSubtype, MediaType};
    let obj = spa::pod::object!(
        spa::utils::SpaTypes::ObjectParamFormat,
        spa::param::ParamType::EnumFormat,
        spa::pod::property!(FormatProperties::MediaType, Id, MediaType::Video),
        spa::pod::property!(FormatProperties::MediaSubtype, Id, MediaSubtype::Raw),
        spa::pod::property!(
            FormatProperties::VideoFormat,
            Choice,
            Enum,
            Id,
            VideoFormat::BGRx,
            VideoFormat::BGRx,
            VideoFormat::BGRA,
            VideoFormat::RGBx,
            VideoFormat::RGBA,
            VideoFormat::xRGB,
            VideoFormat::xBGR
        ),
        spa::pod::property!(
            FormatProperties::VideoSize,
            Choice,
            Range,
            Rectangle,
            spa::utils::Rectangle {
                width: 1920,
                height: 1080
            },
            spa::utils::Rectangle {
                width: 1,
                height: 1
            },
            spa::utils::Rectangle {
                width: 16384,
                height: 16384
            }
        ),
        spa::pod::property!(
            FormatProperties::VideoFramerate,
            Choice,
            Range,
            Fraction,
            spa::utils::Fraction { num: fps, denom: 1 },
            spa::utils::Fraction { num: 0, denom: 1 },
            spa::utils::Fraction { num: fps, denom: 1 }
        ),
    );
    Ok(spa::pod::serialize::PodSerializer::serialize(
        std::io::Cursor::new(Vec::new()),
        &spa::pod::Value::Object(obj),
    )
    .map_err(|e| no_pipewire(format!("building the format request: {e:?}")))?
    .0
    .into_inner())
}

fn on_param(state: &mut State, id: u32, param: Option<&Pod>) {
    let Some(param) = param else { return };
    if id != spa::param::ParamType::Format.as_raw() {
        return;
    }
    if state.format.parse(param).is_err() {
        return;
    }
    state.negotiated = true;
    let size = state.format.size();
    tracing::info!(
        format = ?state.format.format(),
        width = size.width,
        height = size.height,
        "wayland: the screen stream's format"
    );
}

fn on_buffer(state: &mut State, buffer: &mut pw::buffer::Buffer<'_>) {
    if !state.negotiated {
        return;
    }
    let size = state.format.size();
    let format = state.format.format();
    let datas = buffer.datas_mut();
    let Some(data) = datas.first_mut() else {
        return;
    };
    let chunk = data.chunk();
    let (offset, len, stride) = (
        chunk.offset() as usize,
        chunk.size() as usize,
        chunk.stride(),
    );
    let corrupted = chunk.flags().contains(spa::buffer::ChunkFlags::CORRUPTED);
    if len == 0 || corrupted {
        return; // nothing new this time (e.g. only the pointer moved, with no cursor drawn)
    }
    let stride = if stride > 0 {
        stride as usize
    } else {
        size.width as usize * 4
    };
    let Some(bytes) = data.data() else {
        state.latest.end(
            "the desktop sent picture buffers Clipnote cannot read (GPU memory); please report your desktop and version".into(),
        );
        return;
    };
    let Some(bytes) = bytes.get(offset..) else {
        return;
    };
    let area = state.crop.unwrap_or(Crop {
        x: 0,
        y: 0,
        width: size.width,
        height: size.height,
    });
    let area = clamp(area, size.width, size.height);
    let out = *state.out.get_or_insert((area.width & !1, area.height & !1));
    let mut pixels = state.latest.recycle();
    let order = ChannelOrder::of(format);
    copy_picture(bytes, stride, area, order, out, &mut pixels);
    state.latest.publish(Picture {
        data: pixels,
        width: out.0,
        height: out.1,
    });
}

/// Keeps a crop inside the picture (after a resize it may not fit any more).
fn clamp(c: Crop, width: u32, height: u32) -> Crop {
    let x = c.x.min(width.saturating_sub(2));
    let y = c.y.min(height.saturating_sub(2));
    Crop {
        x,
        y,
        width: c.width.min(width - x).max(2),
        height: c.height.min(height - y).max(2),
    }
}

/// Where blue, green and red sit in a 4-byte pixel of the stream's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// B, G, R, X: what the encoder takes; copied as it is.
    Bgrx,
    /// R, G, B, X.
    Rgbx,
    /// X, R, G, B.
    Xrgb,
    /// X, B, G, R.
    Xbgr,
}

impl ChannelOrder {
    fn of(format: VideoFormat) -> Self {
        match format {
            VideoFormat::RGBx | VideoFormat::RGBA => ChannelOrder::Rgbx,
            VideoFormat::xRGB => ChannelOrder::Xrgb,
            VideoFormat::xBGR => ChannelOrder::Xbgr,
            _ => ChannelOrder::Bgrx,
        }
    }
}

/// Copies `area` of a picture into `out` (width, height) as B, G, R, X, scaling (nearest
/// pixel) only when the area is not the output's size — after the stream was resized.
pub fn copy_picture(
    src: &[u8],
    stride: usize,
    area: Crop,
    order: ChannelOrder,
    out: (u32, u32),
    dst: &mut Vec<u8>,
) {
    let (ow, oh) = (out.0 as usize, out.1 as usize);
    dst.clear();
    dst.resize(ow * oh * 4, 0);
    // The area's size but for an odd last row or column, which the encoder drops anyway.
    let same_size = (area.width & !1) as usize == ow && (area.height & !1) as usize == oh;
    for y in 0..oh {
        let sy = if same_size {
            y
        } else {
            y * area.height as usize / oh
        };
        let row_start = (area.y as usize + sy) * stride + area.x as usize * 4;
        let Some(row) = src.get(row_start..) else {
            return; // a short buffer: leave the rest black rather than read past it
        };
        let line = &mut dst[y * ow * 4..(y + 1) * ow * 4];
        if same_size && order == ChannelOrder::Bgrx {
            if let Some(s) = row.get(..ow * 4) {
                line.copy_from_slice(s);
            }
            continue;
        }
        for (x, px) in line.chunks_exact_mut(4).enumerate() {
            let sx = if same_size {
                x
            } else {
                x * area.width as usize / ow
            };
            let Some(p) = row.get(sx * 4..sx * 4 + 4) else {
                break;
            };
            let [b, g, r] = match order {
                ChannelOrder::Bgrx => [p[0], p[1], p[2]],
                ChannelOrder::Rgbx => [p[2], p[1], p[0]],
                ChannelOrder::Xrgb => [p[3], p[2], p[1]],
                ChannelOrder::Xbgr => [p[1], p[2], p[3]],
            };
            px.copy_from_slice(&[b, g, r, 255]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ChannelOrder, Crop, copy_picture};

    /// A 4×2 picture whose pixel (x, y) is R = x, G = y, B = 9, in the given byte order.
    fn picture(order: ChannelOrder, stride: usize) -> Vec<u8> {
        let mut v = vec![0xEE; stride * 2];
        for y in 0..2u8 {
            for x in 0..4u8 {
                let p = match order {
                    ChannelOrder::Bgrx => [9, y, x, 0],
                    ChannelOrder::Rgbx => [x, y, 9, 0],
                    ChannelOrder::Xrgb => [0, x, y, 9],
                    ChannelOrder::Xbgr => [0, 9, y, x],
                };
                let at = usize::from(y) * stride + usize::from(x) * 4;
                v[at..at + 4].copy_from_slice(&p);
            }
        }
        v
    }

    #[test]
    fn every_channel_order_becomes_bgrx_and_padding_is_skipped() {
        let whole = Crop {
            x: 0,
            y: 0,
            width: 4,
            height: 2,
        };
        for order in [
            ChannelOrder::Bgrx,
            ChannelOrder::Rgbx,
            ChannelOrder::Xrgb,
            ChannelOrder::Xbgr,
        ] {
            let mut out = Vec::new();
            copy_picture(&picture(order, 20), 20, whole, order, (4, 2), &mut out);
            assert_eq!(out.len(), 4 * 2 * 4, "{order:?}");
            // pixel (3, 1): B 9, G 1, R 3
            assert_eq!(&out[(4 + 3) * 4..(4 + 3) * 4 + 3], &[9, 1, 3], "{order:?}");
        }
    }

    #[test]
    fn a_region_is_cut_out_and_a_resized_stream_is_scaled_back() {
        let src = picture(ChannelOrder::Bgrx, 16);
        let mut out = Vec::new();
        let right_half = Crop {
            x: 2,
            y: 0,
            width: 2,
            height: 2,
        };
        copy_picture(&src, 16, right_half, ChannelOrder::Bgrx, (2, 2), &mut out);
        assert_eq!(out[2], 2, "first pixel is x = 2");
        // The stream grew to 4×2 while the recording is 2×1: every other pixel is kept.
        let whole = Crop {
            x: 0,
            y: 0,
            width: 4,
            height: 2,
        };
        copy_picture(&src, 16, whole, ChannelOrder::Bgrx, (2, 1), &mut out);
        assert_eq!(out.len(), 2 * 4);
        assert_eq!((out[2], out[6]), (0, 2));
    }

    #[test]
    fn a_short_buffer_leaves_black_instead_of_reading_past_it() {
        let whole = Crop {
            x: 0,
            y: 0,
            width: 4,
            height: 2,
        };
        let mut out = Vec::new();
        copy_picture(&[1; 20], 16, whole, ChannelOrder::Bgrx, (4, 2), &mut out);
        assert_eq!(out.len(), 32);
        assert!(out[16..].iter().all(|b| *b == 0));
    }
}
