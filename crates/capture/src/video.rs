//! Video encoding: skip unchanged frames, convert to YUV420P (when the source did not already),
//! encode H.264 with libx264.
//!
//! Screen content is mostly still. A frame identical to the one before is neither converted nor
//! encoded; the previous picture simply lasts longer (the MP4 keeps each frame's timestamp). At
//! least one frame is encoded every [`KEEPALIVE_SECS`] so fragments keep flowing to disk.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::software::scaling;

use crate::error::{CaptureError, Result};
use crate::ff;
use crate::mux::{self, MuxPacket, PacketSink, Track};
use crate::screen::SlottedFrame;
use crate::settings::EncoderProfile;
use crate::stats::Stats;

/// The longest a still picture goes without a new encoded frame, in seconds.
pub const KEEPALIVE_SECS: f64 = 0.5;

/// The output size for a source: at most `max_width` wide, aspect kept, even dimensions.
pub fn output_size(width: u32, height: u32, max_width: u32) -> (u32, u32) {
    if width <= max_width {
        return (width & !1, height & !1);
    }
    let h = (u64::from(height) * u64::from(max_width) / u64::from(width)) as u32;
    (max_width & !1, h.max(2) & !1)
}

/// How the encoder spends bits.
#[derive(Debug, Clone, Copy)]
pub enum Rate<'a> {
    /// Constant quality, for recording.
    Quality(&'a EncoderProfile),
    /// An average bitrate, for fitting a clip into a size.
    Bitrate { kbps: u32, keyframe_secs: u32 },
}

/// An opened H.264 encoder plus the converter that feeds it.
pub struct VideoEncoder {
    encoder: ffmpeg::encoder::Video,
    scaler: ff::Scaler,
    picture: ffmpeg::frame::Video,
    time_base: ffmpeg::Rational,
}

impl VideoEncoder {
    /// `src_format` at `src` size is converted to YUV420P at `out`; timestamps count in
    /// `time_base`; `fps` is the nominal frame rate.
    pub fn open(
        (src_format, src): (Pixel, (u32, u32)),
        out: (u32, u32),
        time_base: ffmpeg::Rational,
        fps: u32,
        rate: Rate<'_>,
    ) -> Result<Self> {
        ff::init();
        let codec = ffmpeg::encoder::find_by_name("libx264").ok_or_else(|| {
            CaptureError::Unsupported(
                "this FFmpeg has no libx264 encoder; install an FFmpeg built with libx264 (on Debian, the libavcodec package from the main archive)".into(),
            )
        })?;
        let mut enc = ffmpeg::codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(CaptureError::ffmpeg("creating the video encoder"))?;
        enc.set_width(out.0);
        enc.set_height(out.1);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base(time_base);
        enc.set_frame_rate(Some(ffmpeg::Rational::new(fps as i32, 1)));
        // No B-frames: with still frames skipped, the reorder delay would be measured in
        // seconds (shifting every timestamp) and would hold frames back from the file.
        enc.set_max_b_frames(0);
        enc.set_colorspace(ffmpeg::color::Space::SMPTE170M);
        enc.set_color_range(ffmpeg::color::Range::MPEG);
        // MP4 keeps codec headers in the container, not in the stream.
        enc.set_flags(ffmpeg::codec::Flags::GLOBAL_HEADER);
        let mut opts = ffmpeg::Dictionary::new();
        match rate {
            Rate::Quality(profile) => {
                enc.set_gop(fps * profile.keyframe_secs);
                opts.set("preset", &profile.preset);
                opts.set("crf", &profile.crf.to_string());
                if let Some(tune) = &profile.tune {
                    opts.set("tune", tune);
                }
            }
            Rate::Bitrate {
                kbps,
                keyframe_secs,
            } => {
                enc.set_gop(fps * keyframe_secs);
                enc.set_bit_rate(kbps as usize * 1000);
                opts.set("preset", "medium");
                opts.set("tune", "stillimage");
            }
        }
        let encoder = enc
            .open_with(opts)
            .map_err(CaptureError::ffmpeg("opening libx264"))?;
        let scaler = ff::Scaler(
            scaling::Context::get(
                src_format,
                src.0,
                src.1,
                Pixel::YUV420P,
                out.0,
                out.1,
                scaling::Flags::FAST_BILINEAR,
            )
            .map_err(CaptureError::ffmpeg("creating the colour converter"))?,
        );
        Ok(Self {
            encoder,
            scaler,
            picture: ffmpeg::frame::Video::new(Pixel::YUV420P, out.0, out.1),
            time_base,
        })
    }

    /// What the muxer needs to describe the stream.
    pub fn parameters(&self) -> (ffmpeg::codec::Parameters, ffmpeg::Rational) {
        (
            ffmpeg::codec::Parameters::from(&*self.encoder),
            self.time_base,
        )
    }

    /// Encodes the current picture again at `pts` (it lasts until then).
    pub fn repeat(&mut self, pts: i64, sink: &mut impl PacketSink) -> Result<()> {
        self.picture.set_pts(Some(pts));
        self.encoder
            .send_frame(&self.picture)
            .map_err(CaptureError::ffmpeg("encoding video"))?;
        mux::drain(&mut self.encoder, Track::Video, self.time_base, sink)
    }

    /// Converts a packed 32-bit BGR picture and encodes it at `pts`.
    pub fn encode_packed(
        &mut self,
        bytes: &[u8],
        stride: usize,
        height: u32,
        pts: i64,
        sink: &mut impl PacketSink,
    ) -> Result<()> {
        let rows = height as usize;
        self.encode_planes(
            &[ff::Plane {
                bytes,
                stride,
                rows,
            }],
            height,
            pts,
            sink,
        )
    }

    /// Converts a picture in the format the encoder was opened for, given as planes, and
    /// encodes it at `pts`.
    pub fn encode_planes(
        &mut self,
        planes: &[ff::Plane<'_>],
        height: u32,
        pts: i64,
        sink: &mut impl PacketSink,
    ) -> Result<()> {
        ff::scale_planes(&mut self.scaler, planes, height, &mut self.picture)
            .map_err(CaptureError::ffmpeg("converting colours"))?;
        self.repeat(pts, sink)
    }

    /// Converts a decoded frame and encodes it at `pts`.
    pub fn encode_frame(
        &mut self,
        frame: &ffmpeg::frame::Video,
        pts: i64,
        sink: &mut impl PacketSink,
    ) -> Result<()> {
        self.scaler
            .0
            .run(frame, &mut self.picture)
            .map_err(CaptureError::ffmpeg("scaling"))?;
        self.repeat(pts, sink)
    }

    /// Flushes what the encoder still holds.
    pub fn finish(&mut self, sink: &mut impl PacketSink) -> Result<()> {
        self.encoder
            .send_eof()
            .map_err(CaptureError::ffmpeg("finishing the video"))?;
        mux::drain(&mut self.encoder, Track::Video, self.time_base, sink)
    }

    /// Encodes captured frames until the capture side hangs up, then flushes.
    pub fn run(
        mut self,
        fps: u32,
        rx: Receiver<SlottedFrame>,
        mut tx: SyncSender<MuxPacket>,
        stats: Arc<Stats>,
    ) -> Result<()> {
        let keepalive = (KEEPALIVE_SECS * f64::from(fps)).round().max(1.0) as i64;
        // The previous picture is remembered by a fingerprint, not kept: each one holds a
        // buffer of 3 to 8 MB at 1080p.
        let mut previous: Option<(u64, i64)> = None;
        let mut last_encoded: Option<i64> = None;
        for current in rx {
            let print = fingerprint(current.frame.bytes());
            let unchanged = previous.is_some_and(|(p, _)| p == print);
            let due = last_encoded.is_none_or(|l| current.slot - l >= keepalive);
            if unchanged {
                stats.frames_unchanged.fetch_add(1, Ordering::Relaxed);
            }
            if unchanged && due {
                self.repeat(current.slot, &mut tx)?;
            } else if !unchanged {
                let f = &current.frame;
                let planes = f.planes().ok_or_else(|| {
                    CaptureError::Unsupported(
                        "the screen sent a picture shorter than its size".into(),
                    )
                })?;
                self.encode_planes(&planes, f.height, current.slot, &mut tx)?;
            }
            if !unchanged || due {
                stats.frames_encoded.fetch_add(1, Ordering::Relaxed);
                last_encoded = Some(current.slot);
            }
            previous = Some((print, current.slot));
        }
        // The last picture lasts until the end: encode it at its own slot if it was skipped.
        if let (Some((_, slot)), Some(l)) = (previous, last_encoded)
            && l < slot
        {
            self.repeat(slot, &mut tx)?;
            stats.frames_encoded.fetch_add(1, Ordering::Relaxed);
        }
        self.finish(&mut tx)
    }
}

/// A 64-bit fingerprint of a picture: four independent multiply-rotate lanes over 8-byte
/// words (several GB/s), so an unchanged screen is recognised without keeping its pixels.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    const K: [u64; 4] = [
        0x9E37_79B9_7F4A_7C15,
        0xC2B2_AE3D_27D4_EB4F,
        0x1656_67B1_9E37_79F9,
        0x85EB_CA77_C2B2_AE63,
    ];
    let mut lanes = K;
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (i, lane) in lanes.iter_mut().enumerate() {
            let word = u64::from_le_bytes(block[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
            *lane = (*lane ^ word).wrapping_mul(K[i]).rotate_left(29);
        }
    }
    let mut h = bytes.len() as u64;
    for (i, b) in blocks.remainder().iter().enumerate() {
        h ^= u64::from(*b) << ((i % 8) * 8);
    }
    for lane in lanes {
        h = (h ^ lane).wrapping_mul(K[0]).rotate_left(31);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::{fingerprint, output_size};

    #[test]
    fn a_one_pixel_change_changes_the_fingerprint() {
        let mut frame = vec![7u8; 1920 * 1080 * 4];
        let before = fingerprint(&frame);
        assert_eq!(before, fingerprint(&frame.clone()));
        for at in [0, 4, 1920 * 4 * 540 + 1234, frame.len() - 1] {
            frame[at] ^= 1;
            assert_ne!(fingerprint(&frame), before, "byte {at}");
            frame[at] ^= 1;
        }
        let moved: Vec<u8> = frame
            .iter()
            .cycle()
            .skip(4)
            .take(frame.len())
            .copied()
            .collect();
        frame[8] = 9;
        assert_ne!(fingerprint(&moved), fingerprint(&frame));
    }

    #[test]
    fn wide_sources_are_scaled_down_to_even_sizes() {
        assert_eq!(output_size(1920, 1080, 1920), (1920, 1080));
        assert_eq!(output_size(3840, 2160, 1920), (1920, 1080));
        assert_eq!(output_size(2561, 1441, 1920), (1920, 1080));
        assert_eq!(output_size(641, 481, 1920), (640, 480));
    }
}
