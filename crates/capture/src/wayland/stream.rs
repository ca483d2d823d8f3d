//! The PipeWire video stream the portal opened, read on its own thread (`pipewire-capture`).
//!
//! ```text
//! compositor ── shared-memory buffer + damage ──▶ process(): into the previous picture, only
//!                                                  the damaged rectangles (else the whole one;
//!                                                  crop; YUV 4:2:0) ──▶ Latest (newest only)
//!                              PortalSource::next_frame at fps ticks ──────┘
//! ```
//!
//! Only memory-mappable buffers are asked for (no DMA-BUF modifiers are offered), so every
//! desktop hands over pixels we can read: never a black or green clip from a buffer we could not
//! map. The stream asks for at most `fps` pictures a second, and a picture whose chunk is empty
//! or flagged corrupted (the compositor had nothing new) is skipped. A stream resized on the way
//! (a monitor mode change) is scaled back to the size the recording opened with.
//!
//! With each picture the desktop may list what changed (`SPA_META_VideoDamage`, which we ask
//! for with the picture's number, `SPA_META_Header`): when the picture follows ours with no
//! number missed, and the previous picture is free again (the recorder let go of it) and was
//! made the same way, only those rectangles are copied into it. Otherwise — no damage listed,
//! a list that says everything or ran out of room, a missed number, a resize, a skipped
//! buffer — the whole picture is copied, into a buffer from a small pool
//! ([`super::picture`]).

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pipewire as pw;
use pw::spa;
use spa::param::video::{VideoFormat, VideoInfoRaw};
use spa::pod::Pod;

use super::buffer::{Dequeued, meta_pods};
use super::copy::{ChannelOrder, Crop, Damage, clamp, copy_damage, copy_picture, same_size};
use super::picture::{Latest, Reused};
use crate::error::{CaptureError, Result};

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
    /// The size pictures are delivered at: fixed by the first format (or picture).
    out: Option<(u32, u32)>,
    /// How the previous picture was made: damage applies to it only when nothing else changed.
    layout: Option<Layout>,
    /// The producer's number of the previous buffer.
    last_seq: Option<u64>,
    counts: Counts,
    latest: Arc<Latest>,
}

/// What a picture was copied from and into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    area: Crop,
    order: ChannelOrder,
    stride: usize,
    out: (u32, u32),
}

/// Pictures copied whole, copied in part (damage), and buffers skipped.
#[derive(Debug, Default)]
struct Counts {
    whole: u64,
    damaged: u64,
    skipped: u64,
}

impl Drop for State {
    fn drop(&mut self) {
        let c = &self.counts;
        tracing::info!(
            whole = c.whole,
            damaged = c.damaged,
            skipped = c.skipped,
            buffers = self.latest.pool().made(),
            "wayland: pictures copied from the stream (whole, only the damaged rectangles)"
        );
    }
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
        layout: None,
        last_seq: None,
        counts: Counts::default(),
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
        .param_changed(on_param)
        .process(|stream, state| {
            if let Some(buffer) = Dequeued::take(stream) {
                on_buffer(state, buffer);
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

fn on_param(stream: &pw::stream::StreamRef, state: &mut State, id: u32, param: Option<&Pod>) {
    let Some(param) = param else { return };
    if id != spa::param::ParamType::Format.as_raw() {
        return;
    }
    if state.format.parse(param).is_err() {
        return;
    }
    state.negotiated = true;
    state.layout = None;
    // Ask for each picture's number and damage, so only what changed is copied.
    let metas = meta_pods();
    let mut pods: Vec<&Pod> = metas.iter().filter_map(|m| Pod::from_bytes(m)).collect();
    let asked = pods.len() == 2 && stream.update_params(&mut pods).is_ok();
    if !asked {
        tracing::debug!("wayland: could not ask for damage metadata; whole pictures are copied");
    }
    let size = state.format.size();
    // The size pictures will come at is known now: say it, so the encoder can open while the
    // first picture is still on its way.
    if state.out.is_none() && size.width > 0 && size.height > 0 {
        let out = out_size(visible_area(state.crop, size));
        state.out = Some(out);
        state.latest.announce(out);
    }
    tracing::info!(
        format = ?state.format.format(),
        width = size.width,
        height = size.height,
        "wayland: the screen stream's format"
    );
}

/// What is read of a `size` picture: the crop (kept inside the picture), or all of it.
fn visible_area(crop: Option<Crop>, size: spa::utils::Rectangle) -> Crop {
    let area = crop.unwrap_or(Crop {
        x: 0,
        y: 0,
        width: size.width,
        height: size.height,
    });
    clamp(area, size.width, size.height)
}

/// The size pictures are delivered at for `area`: even, as the encoder's 4:2:0 needs.
fn out_size(area: Crop) -> (u32, u32) {
    (area.width & !1, area.height & !1)
}

fn on_buffer(state: &mut State, mut buffer: Dequeued<'_>) {
    if !state.negotiated {
        return;
    }
    let size = state.format.size();
    let format = state.format.format();
    // The damage is what changed since the producer's previous picture: of use only when that
    // one was ours too (numbered one less).
    let seq = buffer.seq();
    let delay = delay_since(buffer.drawn_ns());
    let drawn = Instant::now()
        .checked_sub(delay)
        .unwrap_or_else(Instant::now);
    let follows = matches!((state.last_seq, seq), (Some(a), Some(b)) if b == a.wrapping_add(1));
    tracing::trace!(?seq, last = ?state.last_seq, ?delay, "wayland: picture");
    state.last_seq = seq;
    let damage = if follows { buffer.damage() } else { None };
    let Some(data) = buffer.plane() else {
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
        // Nothing new this time (e.g. only the pointer moved, with no cursor drawn); what this
        // buffer's damage covered may be missing from the next one's, so copy that one whole.
        state.counts.skipped += 1;
        state.layout = None;
        return;
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
    let area = visible_area(state.crop, size);
    let out = *state.out.get_or_insert(out_size(area));
    let layout = Layout {
        area,
        order: ChannelOrder::of(format),
        stride,
        out,
    };
    let unchanged_layout = state.layout.replace(layout) == Some(layout);
    let damage = Damage::of(damage, area);
    match (state.latest.take(), damage) {
        // The previous picture, from the same layout: only the damaged rectangles change.
        (Reused::Previous(mut previous), Damage::Rects(rects))
            if unchanged_layout && same_size(area, out) =>
        {
            copy_damage(
                bytes,
                stride,
                area,
                layout.order,
                &rects,
                out,
                &mut previous.data,
            );
            state.counts.damaged += 1;
            (previous.drawn, previous.delay) = (drawn, delay);
            state.latest.publish(previous);
        }
        (reused, _) => {
            let mut pixels = match reused {
                Reused::Previous(mut previous) => std::mem::take(&mut previous.data),
                Reused::Blank(pixels) => pixels,
            };
            copy_picture(bytes, stride, area, layout.order, out, &mut pixels);
            state.counts.whole += 1;
            let mut picture = state.latest.picture(pixels, out.0, out.1);
            (picture.drawn, picture.delay) = (drawn, delay);
            state.latest.publish(picture);
        }
    }
}

/// The longest delay believed: a stamp further back is of another clock or a stale picture.
const MAX_DELAY: Duration = Duration::from_millis(500);

/// How long ago the desktop drew a picture stamped `drawn_ns` (CLOCK_MONOTONIC), if it says
/// and the stamp is believable; else zero.
fn delay_since(drawn_ns: Option<i64>) -> Duration {
    let Some(drawn) = drawn_ns else {
        return Duration::ZERO;
    };
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    // `time_t` and `c_long` are 32 bits on some targets: widen before multiplying.
    #[allow(clippy::useless_conversion)]
    let now_ns = i64::from(now.tv_sec) * 1_000_000_000 + i64::from(now.tv_nsec);
    u64::try_from(now_ns - drawn)
        .map(Duration::from_nanos)
        .ok()
        .filter(|d| *d <= MAX_DELAY)
        .unwrap_or(Duration::ZERO)
}
