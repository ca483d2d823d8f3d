//! Video encoding: skip unchanged frames, convert to YUV420P, encode H.264 with libx264.
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
use crate::mux::{MuxPacket, Track};
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

/// An opened H.264 encoder plus the converter that feeds it.
pub struct VideoEncoder {
    encoder: ffmpeg::encoder::Video,
    scaler: ff::Scaler,
    picture: ffmpeg::frame::Video,
    time_base: ffmpeg::Rational,
    fps: u32,
}

impl VideoEncoder {
    pub fn open(
        src: (u32, u32),
        out: (u32, u32),
        fps: u32,
        profile: &EncoderProfile,
    ) -> Result<Self> {
        ff::init();
        let codec = ffmpeg::encoder::find_by_name("libx264").ok_or_else(|| {
            CaptureError::Unsupported(
                "this FFmpeg has no libx264 encoder; install an FFmpeg built with libx264 (Debian: libavcodec59 from the main archive)".into(),
            )
        })?;
        let mut enc = ffmpeg::codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(CaptureError::ffmpeg("creating the video encoder"))?;
        let time_base = ffmpeg::Rational::new(1, fps as i32);
        enc.set_width(out.0);
        enc.set_height(out.1);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base(time_base);
        enc.set_frame_rate(Some(ffmpeg::Rational::new(fps as i32, 1)));
        enc.set_gop(fps * profile.keyframe_secs);
        // No B-frames: with still frames skipped, the reorder delay would be measured in
        // seconds (shifting every timestamp) and would hold frames back from the file.
        enc.set_max_b_frames(0);
        enc.set_colorspace(ffmpeg::color::Space::SMPTE170M);
        enc.set_color_range(ffmpeg::color::Range::MPEG);
        // MP4 keeps codec headers in the container, not in the stream.
        enc.set_flags(ffmpeg::codec::Flags::GLOBAL_HEADER);
        let mut opts = ffmpeg::Dictionary::new();
        opts.set("preset", &profile.preset);
        opts.set("crf", &profile.crf.to_string());
        if let Some(tune) = &profile.tune {
            opts.set("tune", tune);
        }
        let encoder = enc
            .open_with(opts)
            .map_err(CaptureError::ffmpeg("opening libx264"))?;
        let scaler = ff::Scaler(
            scaling::Context::get(
                Pixel::BGRZ,
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
            fps,
        })
    }

    /// What the muxer needs to describe the stream.
    pub fn parameters(&self) -> (ffmpeg::codec::Parameters, ffmpeg::Rational) {
        (
            ffmpeg::codec::Parameters::from(&*self.encoder),
            self.time_base,
        )
    }

    fn encode(&mut self, slot: Option<i64>, tx: &SyncSender<MuxPacket>) -> Result<()> {
        match slot {
            Some(slot) => {
                self.picture.set_pts(Some(slot));
                self.encoder
                    .send_frame(&self.picture)
                    .map_err(CaptureError::ffmpeg("encoding video"))?;
            }
            None => self
                .encoder
                .send_eof()
                .map_err(CaptureError::ffmpeg("finishing the video"))?,
        }
        let mut packet = ffmpeg::Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            let out = MuxPacket {
                track: Track::Video,
                packet: std::mem::replace(&mut packet, ffmpeg::Packet::empty()),
                time_base: self.time_base,
            };
            if tx.send(out).is_err() {
                return Err(CaptureError::WorkerDied("mux"));
            }
        }
        Ok(())
    }

    /// Encodes frames until the capture side hangs up, then flushes.
    pub fn run(
        mut self,
        rx: Receiver<SlottedFrame>,
        tx: SyncSender<MuxPacket>,
        stats: Arc<Stats>,
    ) -> Result<()> {
        let keepalive = (KEEPALIVE_SECS * f64::from(self.fps)).round().max(1.0) as i64;
        let mut previous: Option<SlottedFrame> = None;
        let mut last_encoded: Option<i64> = None;
        for current in rx {
            let unchanged = previous
                .as_ref()
                .is_some_and(|p| p.frame.bytes() == current.frame.bytes());
            let due = last_encoded.is_none_or(|l| current.slot - l >= keepalive);
            if unchanged && !due {
                stats.frames_unchanged.fetch_add(1, Ordering::Relaxed);
            } else {
                if !unchanged {
                    let f = &current.frame;
                    ff::scale_packed(
                        &mut self.scaler,
                        f.bytes(),
                        f.stride,
                        f.height,
                        &mut self.picture,
                    )
                    .map_err(CaptureError::ffmpeg("converting colours"))?;
                } else {
                    stats.frames_unchanged.fetch_add(1, Ordering::Relaxed);
                }
                self.encode(Some(current.slot), &tx)?;
                stats.frames_encoded.fetch_add(1, Ordering::Relaxed);
                last_encoded = Some(current.slot);
            }
            previous = Some(current);
        }
        // The last picture lasts until the end: encode it at its own slot if it was skipped.
        if let Some(p) = &previous {
            if last_encoded.is_some_and(|l| l < p.slot) {
                self.encode(Some(p.slot), &tx)?;
                stats.frames_encoded.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.encode(None, &tx)
    }
}

#[cfg(test)]
mod tests {
    use super::output_size;

    #[test]
    fn wide_sources_are_scaled_down_to_even_sizes() {
        assert_eq!(output_size(1920, 1080, 1920), (1920, 1080));
        assert_eq!(output_size(3840, 2160, 1920), (1920, 1080));
        assert_eq!(output_size(2561, 1441, 1920), (1920, 1080));
        assert_eq!(output_size(641, 481, 1920), (640, 480));
    }
}
