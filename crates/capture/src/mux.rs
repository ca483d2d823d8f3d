//! MP4 writing: fragmented while recording (a crash leaves a playable file), then rewritten
//! with the index first so browsers start playing at once.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use ffmpeg_next as ffmpeg;

use crate::error::{CaptureError, Result};
use crate::ff;
use crate::stats::Stats;

/// Fragment length while recording: at most this much is lost to a crash (plus encoder delay).
pub const FRAGMENT_MICROS: u32 = 500_000;

/// Which stream a packet belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    Video,
    Audio,
}

/// An encoded packet on its way to the file, with the time base of its timestamps.
pub struct MuxPacket {
    pub track: Track,
    pub packet: ffmpeg::Packet,
    pub time_base: ffmpeg::Rational,
}

/// Where encoders put their packets: a channel to the mux thread, or a muxer directly.
pub trait PacketSink {
    fn put(&mut self, packet: MuxPacket) -> Result<()>;
}

impl PacketSink for std::sync::mpsc::SyncSender<MuxPacket> {
    fn put(&mut self, packet: MuxPacket) -> Result<()> {
        self.send(packet)
            .map_err(|_| CaptureError::WorkerDied("mux"))
    }
}

impl PacketSink for Muxer {
    fn put(&mut self, packet: MuxPacket) -> Result<()> {
        let path = self.path.clone();
        self.write(packet).map_err(|e| not_writable(&path, e))
    }
}

/// Hands every packet an encoder has ready to `sink`.
pub fn drain(
    encoder: &mut ffmpeg::encoder::Encoder,
    track: Track,
    time_base: ffmpeg::Rational,
    sink: &mut impl PacketSink,
) -> Result<()> {
    let mut packet = ffmpeg::Packet::empty();
    while encoder.receive_packet(&mut packet).is_ok() {
        let packet = std::mem::replace(&mut packet, ffmpeg::Packet::empty());
        sink.put(MuxPacket {
            track,
            packet,
            time_base,
        })?;
    }
    Ok(())
}

/// The file being recorded.
pub struct Muxer {
    output: ffmpeg::format::context::Output,
    path: std::path::PathBuf,
    video: usize,
    audio: Option<usize>,
    /// Where the file ended after the last write that reached it whole: a fragment boundary.
    whole_bytes: u64,
}

fn not_writable(path: &Path, e: impl std::fmt::Display) -> CaptureError {
    CaptureError::OutputNotWritable {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

impl Muxer {
    /// Creates the fragmented file with a video stream and optionally an audio stream.
    pub fn create(
        path: &Path,
        video: (ffmpeg::codec::Parameters, ffmpeg::Rational),
        audio: Option<(ffmpeg::codec::Parameters, ffmpeg::Rational)>,
    ) -> Result<Self> {
        ff::init();
        let mut output =
            ffmpeg::format::output_as(path, "mp4").map_err(|e| not_writable(path, e))?;
        let mut add = |params: ffmpeg::codec::Parameters, tb: ffmpeg::Rational| -> Result<usize> {
            let mut stream = output
                .add_stream(ffmpeg::encoder::find(ffmpeg::codec::Id::None))
                .map_err(CaptureError::ffmpeg("adding a stream"))?;
            stream.set_parameters(params);
            stream.set_time_base(tb);
            // SAFETY: plain field write on a stream we just created; lets MP4 choose its tag.
            unsafe { (*(*stream.as_mut_ptr()).codecpar).codec_tag = 0 };
            Ok(stream.index())
        };
        let video_index = add(video.0, video.1)?;
        let audio_index = audio.map(|(p, tb)| add(p, tb)).transpose()?;
        let mut opts = ffmpeg::Dictionary::new();
        opts.set("movflags", "empty_moov+default_base_moof");
        opts.set("frag_duration", &FRAGMENT_MICROS.to_string());
        output
            .write_header_with(opts)
            .map_err(|e| not_writable(path, e))?;
        ff::flush_output(&mut output).map_err(|e| not_writable(path, e))?;
        let whole_bytes = ff::output_position(&mut output);
        Ok(Self {
            output,
            path: path.to_owned(),
            video: video_index,
            audio: audio_index,
            whole_bytes,
        })
    }

    fn write(&mut self, mut p: MuxPacket) -> std::result::Result<(), ffmpeg::Error> {
        let index = match p.track {
            Track::Video => self.video,
            Track::Audio => match self.audio {
                Some(i) => i,
                None => return Ok(()),
            },
        };
        let stream_tb = self
            .output
            .stream(index)
            .map(|s| s.time_base())
            .unwrap_or(p.time_base);
        p.packet.set_stream(index);
        p.packet.rescale_ts(p.time_base, stream_tb);
        p.packet.write_interleaved(&mut self.output)?;
        ff::flush_output(&mut self.output)?;
        self.whole_bytes = ff::output_position(&mut self.output);
        Ok(())
    }

    /// Writes packets until both encoders hang up, then closes the file.
    ///
    /// A write error (a full disk) stops writing; the fragments already on disk stay playable:
    /// a fragment the disk took only part of is cut off the end.
    pub fn run(
        mut self,
        rx: Receiver<MuxPacket>,
        stats: Arc<Stats>,
    ) -> std::result::Result<(), ffmpeg::Error> {
        for packet in rx {
            if let Err(e) = self.write(packet) {
                self.cut_back_to_whole();
                return Err(e);
            }
            stats
                .bytes_written
                .store(self.whole_bytes, Ordering::Relaxed);
        }
        let (path, whole) = (self.path.clone(), self.whole_bytes);
        match self.finish() {
            Ok(bytes) => {
                stats.bytes_written.store(bytes, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                cut_back(&path, whole);
                Err(e)
            }
        }
    }

    /// Closes the file and cuts off whatever a failed write left after the last whole fragment
    /// (a half-written fragment header makes the whole file unreadable to players).
    fn cut_back_to_whole(self) {
        let (path, whole) = (self.path.clone(), self.whole_bytes);
        drop(self);
        cut_back(&path, whole);
    }

    /// Writes the end of the file; returns its size.
    pub fn finish(mut self) -> std::result::Result<u64, ffmpeg::Error> {
        self.output.write_trailer()?;
        ff::flush_output(&mut self.output)?;
        Ok(ff::output_position(&mut self.output))
    }
}

/// Shortens the file at `path` to `len` bytes (shortening needs no free space).
fn cut_back(path: &Path, len: u64) {
    let cut = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| {
            if f.metadata()?.len() > len {
                f.set_len(len)?;
            }
            Ok(())
        });
    match cut {
        Ok(()) => tracing::info!(path = %path.display(), bytes = len, "kept the whole fragments"),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not cut off a half-written fragment")
        }
    }
}

/// Rewrites a (fragmented) MP4 into a plain one with its index first (`faststart`).
///
/// Streams are copied, not re-encoded. The new file is written beside `to` and renamed into
/// place, so `to` is either complete or absent. A file whose last fragment was cut off inside its
/// header (a crash or a full disk mid-write), which FFmpeg refuses whole, is read up to that
/// fragment instead.
pub fn finalize(from: &Path, to: &Path) -> Result<()> {
    match remux(from, to, None) {
        Err(CaptureError::BadClip { path, reason }) => {
            let Some(end) = crate::boxes::whole_end(from).filter(|end| *end > 0) else {
                return Err(CaptureError::BadClip { path, reason });
            };
            tracing::info!(path = %from.display(), whole_bytes = end, %reason, "reading the clip up to its cut-off fragment");
            let whole = format!("subfile,,start,0,end,{end},,:file:{}", from.display());
            remux(Path::new(&whole), to, None).map_err(|_| CaptureError::BadClip { path, reason })
        }
        other => other,
    }
}

/// Copies the packets of `from` from `range.0` (seconds; it must be a video keyframe) up to
/// `range.1` into a faststart MP4 `to`, which then starts at zero. `None` copies everything.
pub fn remux(from: &Path, to: &Path, range: Option<(f64, f64)>) -> Result<()> {
    ff::init();
    let bad = |e: ffmpeg::Error| CaptureError::BadClip {
        path: from.to_owned(),
        reason: e.to_string(),
    };
    let mut input = ffmpeg::format::input(from).map_err(bad)?;
    let tmp = to.with_extension("mp4.tmp");
    let mut output = ffmpeg::format::output_as(&tmp, "mp4").map_err(|e| not_writable(&tmp, e))?;
    let mut map = Vec::new();
    for stream in input.streams() {
        let medium = stream.parameters().medium();
        if medium != ffmpeg::media::Type::Video && medium != ffmpeg::media::Type::Audio {
            map.push(None);
            continue;
        }
        let mut out = output
            .add_stream(ffmpeg::encoder::find(ffmpeg::codec::Id::None))
            .map_err(CaptureError::ffmpeg("adding a stream"))?;
        out.set_parameters(stream.parameters());
        // SAFETY: as in Muxer::create.
        unsafe { (*(*out.as_mut_ptr()).codecpar).codec_tag = 0 };
        map.push(Some(out.index()));
    }
    let mut opts = ffmpeg::Dictionary::new();
    opts.set("movflags", "faststart");
    output
        .write_header_with(opts)
        .map_err(|e| not_writable(&tmp, e))?;
    let out_tbs: Vec<ffmpeg::Rational> = output.streams().map(|s| s.time_base()).collect();
    let in_tbs: Vec<ffmpeg::Rational> = input.streams().map(|s| s.time_base()).collect();
    // Up to the end, or to the first read error: a file cut off by a crash keeps everything
    // before the damage (ffmpeg's packet iterator would retry a failing read for ever).
    loop {
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => break,
            Err(e) => {
                tracing::debug!(path = %from.display(), error = %e, "remux: reading stopped");
                break;
            }
        }
        let Some(Some(out_index)) = map.get(packet.stream()).copied() else {
            continue;
        };
        let tb = in_tbs[packet.stream()];
        if let Some((start, end)) = range {
            let secs = packet.pts().or(packet.dts()).unwrap_or(0) as f64 * f64::from(tb);
            if secs < start - 1e-3 || secs >= end {
                continue;
            }
            let shift = (start / f64::from(tb)).round() as i64;
            packet.set_pts(packet.pts().map(|p| p - shift));
            packet.set_dts(packet.dts().map(|d| d - shift));
        }
        packet.set_stream(out_index);
        packet.set_position(-1);
        packet.rescale_ts(tb, out_tbs[out_index]);
        packet.write_interleaved(&mut output).map_err(|e| {
            if ff::is_disk_full(&e) {
                not_writable(&tmp, "the disk is full")
            } else {
                not_writable(&tmp, e)
            }
        })?;
    }
    output.write_trailer().map_err(|e| not_writable(&tmp, e))?;
    drop(output);
    std::fs::rename(&tmp, to).map_err(|e| not_writable(to, e))?;
    Ok(())
}
