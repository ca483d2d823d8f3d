//! Reading finished clips: what is in them, their pictures for a player, and trimming.
//!
//! A clip may come from a teammate: it is untrusted. Absurd sizes and broken data end in a
//! [`CaptureError::BadClip`], never a crash or a runaway allocation.

use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::format::Pixel;
use ffmpeg_next::software::scaling;

use crate::cut::Keep;
use crate::error::{CaptureError, Result};
use crate::ff;
use crate::mux;
use crate::transcode::reencode;
use crate::video;

/// Pictures larger than this on either side are refused as hostile or broken.
pub const MAX_SIDE: u32 = 16_384;

/// What a clip holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClipInfo {
    pub duration_secs: f64,
    pub width: u32,
    pub height: u32,
    pub has_audio: bool,
    /// Times (seconds) of the video keyframes: where a trim can cut without re-encoding.
    #[serde(skip)]
    pub keyframes: Vec<f64>,
}

fn bad(path: &Path) -> impl Fn(String) -> CaptureError + '_ {
    move |reason| CaptureError::BadClip {
        path: path.to_owned(),
        reason,
    }
}

fn open_input(path: &Path) -> Result<ffmpeg::format::context::Input> {
    ff::init();
    ffmpeg::format::input(path)
        .map_err(|e| bad(path)(format!("no video stream can be read from it ({e})")))
}

/// The video stream's index, time base and size, checked for sanity.
fn video_stream(
    path: &Path,
    input: &ffmpeg::format::context::Input,
) -> Result<(usize, ffmpeg::Rational, u32, u32)> {
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| bad(path)("no video stream".into()))?;
    let params = stream.parameters();
    // SAFETY: reading two plain fields of the stream's codec parameters.
    let (w, h) = unsafe { ((*params.as_ptr()).width, (*params.as_ptr()).height) };
    if w <= 0 || h <= 0 || w as u32 > MAX_SIDE || h as u32 > MAX_SIDE {
        return Err(bad(path)(format!(
            "its picture size {w}x{h} is not a real video's"
        )));
    }
    Ok((stream.index(), stream.time_base(), w as u32, h as u32))
}

/// What one pass over a clip's packets found.
struct Scan {
    info: ClipInfo,
    /// Where the packets of any stream start and end, in seconds: a copy cut off early ends
    /// before the length its index promises.
    first_secs: f64,
    end_secs: f64,
}

/// Reads a clip's header, then every packet (not decoded): reading stops at the end of the
/// file or at the first error, so a damaged file cannot keep it going.
fn scan(path: &Path) -> Result<Scan> {
    let mut input = open_input(path)?;
    let (index, _, width, height) = video_stream(path, &input)?;
    let has_audio = input.streams().best(ffmpeg::media::Type::Audio).is_some();
    let duration_secs =
        (input.duration().max(0) as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE)).max(0.0);
    let time_bases: Vec<f64> = input.streams().map(|s| f64::from(s.time_base())).collect();
    let mut keyframes = Vec::new();
    let (mut first_secs, mut end_secs) = (f64::INFINITY, 0.0f64);
    loop {
        // A fresh packet each time: FFmpeg's read does not free what a reused packet held, so
        // one packet kept across the loop held the whole file in memory by the end.
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut input) {
            Ok(()) => {
                let unit = time_bases.get(packet.stream()).copied().unwrap_or(0.0);
                let start = packet.pts().or(packet.dts()).unwrap_or(0) as f64 * unit;
                first_secs = first_secs.min(start);
                end_secs = end_secs.max(start + packet.duration().max(0) as f64 * unit);
                if packet.stream() == index && packet.is_key() {
                    keyframes.push(start);
                }
            }
            Err(ffmpeg::Error::Eof) => break,
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "reading the packets stopped");
                break;
            }
        }
    }
    Ok(Scan {
        info: ClipInfo {
            duration_secs,
            width,
            height,
            has_audio,
            keyframes,
        },
        first_secs: if first_secs.is_finite() {
            first_secs
        } else {
            0.0
        },
        end_secs,
    })
}

/// Reads a clip's length, size, sound and keyframes.
pub fn info(path: &Path) -> Result<ClipInfo> {
    Ok(scan(path)?.info)
}

/// Checks that `path` is a clip a person can play, before it is sent anywhere: a file, not a
/// folder; not empty; a video stream whose first picture decodes; a length that can be read,
/// with packets all the way to it (a copy cut off early ends short of it: "the file is
/// incomplete"); and a picture that decodes at its last keyframe. One pass over the packets and
/// two small pictures: cheap next to an upload. Returns what [`info`] returns.
pub fn check_playable(path: &Path) -> Result<ClipInfo> {
    let refuse = bad(path);
    let meta = std::fs::metadata(path).map_err(|e| refuse(format!("it cannot be read ({e})")))?;
    if meta.is_dir() {
        return Err(refuse("it is a folder".into()));
    }
    if !meta.is_file() {
        return Err(refuse("it is not a regular file".into()));
    }
    if meta.len() == 0 {
        return Err(refuse("it is empty (0 bytes)".into()));
    }
    let scan = scan(path)?;
    let duration = scan.info.duration_secs;
    if duration <= 0.0 {
        return Err(refuse(
            "its length cannot be read: the file is incomplete".into(),
        ));
    }
    let played = (scan.end_secs - scan.first_secs).max(0.0);
    if played + 1.0 < duration {
        return Err(refuse(format!(
            "it ends at {played:.1} s of its {duration:.1} s: the file is incomplete"
        )));
    }
    let mut decoder = Decoder::open(path, 64)?;
    if decoder.next_frame()?.is_none() {
        return Err(refuse("none of its pictures can be decoded".into()));
    }
    if let Some(&last) = scan.info.keyframes.last().filter(|k| **k > 0.0) {
        decoder.seek(last)?;
        if decoder.next_frame()?.is_none() {
            return Err(refuse(format!(
                "its pictures from {last:.1} s on cannot be decoded: the file is damaged"
            )));
        }
    }
    Ok(scan.info)
}

/// One decoded picture, RGBA, ready for a texture.
#[derive(Debug, Clone)]
pub struct VideoFrame {
    pub pts_secs: f64,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// Decodes a clip's pictures in order, scaled to at most a given width.
pub struct Decoder {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    index: usize,
    time_base: ffmpeg::Rational,
    decoder: ffmpeg::decoder::Video,
    scaler: Option<(ff::Scaler, (Pixel, u32, u32))>,
    out_size: (u32, u32),
    skip_before: f64,
    draining: bool,
    last_pts: f64,
}

impl Decoder {
    pub fn open(path: &Path, max_width: u32) -> Result<Self> {
        let input = open_input(path)?;
        let (index, time_base, width, height) = video_stream(path, &input)?;
        let params = input
            .stream(index)
            .map(|s| s.parameters())
            .ok_or_else(|| bad(path)("its video vanished".into()))?;
        let decoder = ffmpeg::codec::context::Context::from_parameters(params)
            .and_then(|c| c.decoder().video())
            .map_err(|e| bad(path)(e.to_string()))?;
        Ok(Self {
            path: path.to_owned(),
            input,
            index,
            time_base,
            decoder,
            scaler: None,
            out_size: video::output_size(width, height, max_width.max(2)),
            skip_before: 0.0,
            draining: false,
            last_pts: 0.0,
        })
    }

    /// The time of the last picture decoded.
    pub fn last_pts(&self) -> f64 {
        self.last_pts
    }

    /// The size pictures come out at.
    pub fn size(&self) -> (u32, u32) {
        self.out_size
    }

    /// Moves to `secs`: the next frame is the first at or after it.
    pub fn seek(&mut self, secs: f64) -> Result<()> {
        let ts = (secs.max(0.0) * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        self.input
            .seek(ts, ..ts + 1)
            .map_err(|e| bad(&self.path)(format!("cannot seek ({e})")))?;
        self.decoder.flush();
        self.skip_before = secs;
        self.draining = false;
        Ok(())
    }

    fn convert(&mut self, frame: &ffmpeg::frame::Video) -> Result<VideoFrame> {
        let key = (frame.format(), frame.width(), frame.height());
        if key.1 == 0 || key.2 == 0 || key.1 > MAX_SIDE || key.2 > MAX_SIDE {
            return Err(bad(&self.path)(format!(
                "a picture of {}x{} is not a real video's",
                key.1, key.2
            )));
        }
        if self.scaler.as_ref().is_none_or(|(_, k)| *k != key) {
            let s = scaling::Context::get(
                key.0,
                key.1,
                key.2,
                Pixel::RGBA,
                self.out_size.0,
                self.out_size.1,
                scaling::Flags::BILINEAR,
            )
            .map_err(|e| bad(&self.path)(format!("its pictures cannot be converted ({e})")))?;
            self.scaler = Some((ff::Scaler(s), key));
        }
        let mut rgba = ffmpeg::frame::Video::empty();
        let (scaler, _) = self.scaler.as_mut().expect("set above");
        scaler
            .0
            .run(frame, &mut rgba)
            .map_err(|e| bad(&self.path)(e.to_string()))?;
        let (w, h) = self.out_size;
        let stride = rgba.stride(0);
        let mut out = Vec::with_capacity(w as usize * h as usize * 4);
        for row in rgba.data(0).chunks(stride).take(h as usize) {
            out.extend_from_slice(&row[..w as usize * 4]);
        }
        let pts = frame.timestamp().or(frame.pts()).unwrap_or(0);
        Ok(VideoFrame {
            pts_secs: pts as f64 * f64::from(self.time_base),
            width: w,
            height: h,
            rgba: out,
        })
    }

    /// The next picture, or `None` at the end.
    pub fn next_frame(&mut self) -> Result<Option<VideoFrame>> {
        let mut decoded = ffmpeg::frame::Video::empty();
        loop {
            if self.decoder.receive_frame(&mut decoded).is_ok() {
                let frame = self.convert(&decoded)?;
                self.last_pts = frame.pts_secs;
                if frame.pts_secs + 1e-3 < self.skip_before {
                    continue;
                }
                return Ok(Some(frame));
            }
            if self.draining {
                return Ok(None);
            }
            let mut packet = ffmpeg::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() == self.index => {
                    // A broken packet is skipped, as players do; a broken file ends in an error.
                    if let Err(e) = self.decoder.send_packet(&packet) {
                        tracing::debug!(error = %e, "undecodable packet skipped");
                    }
                }
                Ok(()) => {}
                Err(ffmpeg::Error::Eof) => {
                    self.draining = true;
                    let _ = self.decoder.send_eof();
                }
                Err(e) => return Err(bad(&self.path)(format!("reading stopped ({e})"))),
            }
        }
    }
}

/// How a trim was made.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trimmed {
    pub path: PathBuf,
    pub duration_secs: f64,
    /// False when packets were copied (instant, no quality loss).
    pub reencoded: bool,
}

/// Keeps `start_secs..end_secs` of `input` in `output`: copied as is when the start is a
/// keyframe (or the very beginning), otherwise decoded and encoded again at recording quality.
pub fn trim(input: &Path, output: &Path, start_secs: f64, end_secs: f64) -> Result<Trimmed> {
    let clip = info(input)?;
    let end = end_secs.min(clip.duration_secs);
    let start = start_secs.max(0.0);
    if end - start < 0.1 {
        return Err(CaptureError::BadClip {
            path: input.to_owned(),
            reason: format!(
                "the trim {start:.2}–{end:.2} s leaves nothing; keep at least a tenth of a second"
            ),
        });
    }
    let keyframe = clip
        .keyframes
        .iter()
        .copied()
        .find(|k| (k - start).abs() < 0.02);
    let reencoded = match (start < 0.02, keyframe) {
        (true, _) => {
            mux::remux(input, output, Some((0.0, end)))?;
            false
        }
        (false, Some(k)) => {
            mux::remux(input, output, Some((k, end)))?;
            false
        }
        (false, None) => {
            reencode(input, output, &clip, &Keep::range(start, end))?;
            true
        }
    };
    Ok(Trimmed {
        path: output.to_owned(),
        duration_secs: info(output)?.duration_secs,
        reencoded,
    })
}

/// Sound longer than this is refused as hostile or broken (4 hours: ~920 MB of samples at
/// 16 kHz).
pub const MAX_AUDIO_SECS: u32 = 4 * 3600;

/// The clip's sound (its best audio stream) as mono `f32` samples at `rate` Hz, channels mixed
/// down: what speech recognition listens to (16 kHz). A late first sound is padded with
/// silence, so sample times are clip times. A clip without sound is [`CaptureError::NoAudio`].
pub fn audio_mono(path: &Path, rate: u32) -> Result<Vec<f32>> {
    let mut input = open_input(path)?;
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Audio)
        .ok_or_else(|| CaptureError::NoAudio {
            path: path.to_owned(),
        })?;
    let (index, time_base) = (stream.index(), stream.time_base());
    let mut decoder = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .and_then(|c| c.decoder().audio())
        .map_err(|e| bad(path)(format!("its sound cannot be decoded ({e})")))?;
    let max_samples = MAX_AUDIO_SECS as usize * rate as usize;
    let mut out: Vec<f32> = Vec::new();
    let mut resampler: Option<ffmpeg::software::resampling::Context> = None;
    let mut frame = ffmpeg::frame::Audio::empty();
    let mono = ffmpeg::format::Sample::F32(ffmpeg::format::sample::Type::Packed);
    let resample_error =
        |e: ffmpeg::Error| bad(path)(format!("its sound cannot be resampled ({e})"));

    let mut pump = |decoder: &mut ffmpeg::decoder::Audio, out: &mut Vec<f32>| -> Result<()> {
        while decoder.receive_frame(&mut frame).is_ok() {
            if frame.channel_layout().is_empty() {
                frame.set_channel_layout(ffmpeg::ChannelLayout::default(i32::from(
                    frame.channels(),
                )));
            }
            if frame.rate() == 0 || frame.rate() > 768_000 {
                return Err(bad(path)(format!("its sound claims {} Hz", frame.rate())));
            }
            if out.is_empty() {
                // A first sound after the start: silence up to it (at most a minute).
                let pts = frame.timestamp().or(frame.pts()).unwrap_or(0).max(0);
                let lead_secs = (pts as f64 * f64::from(time_base)).min(60.0);
                out.resize((lead_secs * f64::from(rate)) as usize, 0.0);
            }
            let rs = match &mut resampler {
                Some(r) => r,
                None => resampler.insert(
                    ffmpeg::software::resampling::Context::get(
                        frame.format(),
                        frame.channel_layout(),
                        frame.rate(),
                        mono,
                        ffmpeg::ChannelLayout::MONO,
                        rate,
                    )
                    .map_err(resample_error)?,
                ),
            };
            // Room for every sample this frame makes, also when upsampling.
            let room = frame.samples() * rate as usize / frame.rate() as usize + 256;
            let mut converted = ffmpeg::frame::Audio::new(mono, room, ffmpeg::ChannelLayout::MONO);
            rs.run(&frame, &mut converted).map_err(resample_error)?;
            out.extend_from_slice(&converted.plane::<f32>(0)[..converted.samples()]);
            if out.len() > max_samples {
                return Err(bad(path)(format!(
                    "its sound is longer than {} hours",
                    MAX_AUDIO_SECS / 3600
                )));
            }
        }
        Ok(())
    };
    for (stream, packet) in input.packets() {
        if stream.index() == index {
            // A broken packet is skipped, as players do.
            if let Err(e) = decoder.send_packet(&packet) {
                tracing::debug!(error = %e, "undecodable audio packet skipped");
            }
            pump(&mut decoder, &mut out)?;
        }
    }
    let _ = decoder.send_eof();
    pump(&mut decoder, &mut out)?;
    if let Some(rs) = resampler.as_mut() {
        // What the resampler still holds.
        loop {
            let mut rest = ffmpeg::frame::Audio::new(mono, 4096, ffmpeg::ChannelLayout::MONO);
            if rs.flush(&mut rest).is_err() || rest.samples() == 0 {
                break;
            }
            out.extend_from_slice(&rest.plane::<f32>(0)[..rest.samples()]);
        }
    }
    Ok(out)
}
