//! A buffer taken from the PipeWire stream: its first plane, and the damage the desktop listed
//! with it (`SPA_META_VideoDamage`). pipewire-rs 0.8 does not expose a buffer's metadata, so the
//! raw `pw_buffer` is read here — the only `unsafe` of the Wayland source — and queued back to
//! the stream when [`Dequeued`] drops.

use std::ptr::NonNull;

use pipewire as pw;
use pw::spa;
use pw::stream::StreamRef;

use super::copy::Rect;

/// A buffer the stream handed over; given back when dropped.
pub struct Dequeued<'s> {
    stream: &'s StreamRef,
    raw: NonNull<pw::sys::pw_buffer>,
}

impl<'s> Dequeued<'s> {
    /// The next buffer with a picture, if the stream has one.
    pub fn take(stream: &'s StreamRef) -> Option<Self> {
        // SAFETY: the buffer is queued back exactly once, when this drops, and not used after.
        let raw = unsafe { stream.dequeue_raw_buffer() };
        NonNull::new(raw).map(|raw| Self { stream, raw })
    }

    fn spa(&self) -> Option<&spa::sys::spa_buffer> {
        // SAFETY: `raw` is a live pw_buffer of this stream until we queue it back; its `buffer`
        // is null or points to the spa_buffer PipeWire allocated for it.
        unsafe { self.raw.as_ref().buffer.as_ref() }
    }

    /// The first plane: packed pixels for the video formats we ask for.
    pub fn plane(&mut self) -> Option<&mut spa::buffer::Data> {
        let buffer = self.spa()?;
        if buffer.n_datas == 0 || buffer.datas.is_null() {
            return None;
        }
        // SAFETY: `datas` points to `n_datas` spa_data (at least one), which `Data` wraps
        // transparently, as pipewire-rs's own `Buffer::datas_mut` reads them; `&mut self`
        // keeps it exclusive.
        Some(unsafe { &mut *buffer.datas.cast::<spa::buffer::Data>() })
    }

    /// The metadata of `kind` the buffer carries, if any.
    fn meta(&self, kind: u32) -> Option<&spa::sys::spa_meta> {
        let buffer = self.spa()?;
        if buffer.metas.is_null() {
            return None;
        }
        // SAFETY: `metas` points to `n_metas` spa_meta entries.
        let metas = unsafe { std::slice::from_raw_parts(buffer.metas, buffer.n_metas as usize) };
        metas.iter().find(|m| m.type_ == kind && !m.data.is_null())
    }

    /// The producer's header for this picture (`SPA_META_Header`), when it gives one.
    fn header(&self) -> Option<spa::sys::spa_meta_header> {
        let meta = self.meta(spa::sys::SPA_META_Header)?;
        if (meta.size as usize) < std::mem::size_of::<spa::sys::spa_meta_header>() {
            return None;
        }
        // SAFETY: the header meta's data is a spa_meta_header of `size` bytes (checked above).
        Some(unsafe {
            meta.data
                .cast::<spa::sys::spa_meta_header>()
                .read_unaligned()
        })
    }

    /// The producer's number for this picture, when it gives one.
    pub fn seq(&self) -> Option<u64> {
        self.header().map(|h| h.seq)
    }

    /// When the desktop drew this picture (ns on CLOCK_MONOTONIC, which wlroots, GNOME and KDE
    /// stamp pictures with), when it says.
    pub fn drawn_ns(&self) -> Option<i64> {
        self.header().map(|h| h.pts).filter(|&pts| pts > 0)
    }

    /// The rectangles the desktop says changed since its previous picture: `None` when the
    /// buffer carries no damage metadata.
    pub fn damage(&self) -> Option<Vec<Rect>> {
        let meta = self.meta(spa::sys::SPA_META_VideoDamage)?;
        let count = meta.size as usize / std::mem::size_of::<spa::sys::spa_meta_region>();
        // SAFETY: the damage meta's data is an array of spa_meta_region filling `size` bytes.
        let regions = unsafe {
            std::slice::from_raw_parts(meta.data.cast::<spa::sys::spa_meta_region>(), count)
        };
        // The list ends at the first empty rectangle, or with the array.
        let rects: Vec<Rect> = regions
            .iter()
            .map(|r| r.region)
            .take_while(|r| r.size.width > 0 && r.size.height > 0)
            .map(|r| Rect {
                x: r.position.x,
                y: r.position.y,
                width: r.size.width,
                height: r.size.height,
            })
            .collect();
        // A full list may end with the producer's merge of what did not fit (xdpw 0.7 merges
        // wrongly): then the damage is not trusted and the whole picture is copied.
        (rects.len() < count).then_some(rects)
    }
}

impl Drop for Dequeued<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` came from this stream's dequeue and is queued back once.
        unsafe { self.stream.queue_raw_buffer(self.raw.as_ptr()) };
    }
}

/// The buffer metadata we ask for: each picture's number (to see that none was missed) and its
/// damage (up to 16 rectangles), so only what changed is copied; the producer may give fewer,
/// or none.
pub fn meta_pods() -> Vec<Vec<u8>> {
    use spa::pod::{ChoiceValue, Object, Property, Value};
    use spa::utils::{Choice, ChoiceEnum, ChoiceFlags, Id};
    let region = std::mem::size_of::<spa::sys::spa_meta_region>() as i32;
    let header = std::mem::size_of::<spa::sys::spa_meta_header>() as i32;
    let damage_size = Value::Choice(ChoiceValue::Int(Choice(
        ChoiceFlags::empty(),
        ChoiceEnum::Range {
            default: region * 16,
            min: region,
            max: region * 16,
        },
    )));
    [
        (spa::sys::SPA_META_Header, Value::Int(header)),
        (spa::sys::SPA_META_VideoDamage, damage_size),
    ]
    .into_iter()
    .filter_map(|(kind, size)| {
        let object = Object {
            type_: spa::sys::SPA_TYPE_OBJECT_ParamMeta,
            id: spa::sys::SPA_PARAM_Meta,
            properties: vec![
                Property::new(spa::sys::SPA_PARAM_META_type, Value::Id(Id(kind))),
                Property::new(spa::sys::SPA_PARAM_META_size, size),
            ],
        };
        spa::pod::serialize::PodSerializer::serialize(
            std::io::Cursor::new(Vec::new()),
            &Value::Object(object),
        )
        .ok()
        .map(|(bytes, _)| bytes.into_inner())
    })
    .collect()
}
