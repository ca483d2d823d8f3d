//! Decoding a clip and encoding it again: for fitting it into a size, for trims that cannot be
//! cut at a keyframe, and for cutting spans out (`cut`).

use std::path::Path;

use ffmpeg_next as ffmpeg;

use crate::audio::{AudioEncoder, Mixer};
use crate::clip::ClipInfo;
use crate::cut::Keep;
use crate::error::{CaptureError, Result};
use crate::mic::{AudioChunk, SAMPLE_RATE};
use crate::mux::{self, Muxer};
use crate::settings::EncoderProfile;
use crate::video::{Rate, VideoEncoder};

/// What a transcode produces.
#[derive(Debug, Clone, Copy)]
pub struct Transcode<'a> {
    pub video: Rate<'a>,
    /// 0 drops the audio.
    pub audio_kbps: u32,
    /// Output picture size.
    pub size: (u32, u32),
    /// What to keep of the input; each kept span follows the one before it.
    pub keep: &'a Keep,
}

/// Decodes `input` and encodes it into `output` as `job` says; returns the new file's size.
pub fn transcode(input: &Path, output: &Path, job: &Transcode<'_>) -> Result<u64> {
    let bad = |e: ffmpeg::Error| CaptureError::BadClip {
        path: input.to_owned(),
        reason: e.to_string(),
    };
    let mut source = ffmpeg::format::input(input).map_err(bad)?;
    let vstream = source
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or(ffmpeg::Error::StreamNotFound)
        .map_err(bad)?;
    let (v_index, v_tb) = (vstream.index(), vstream.time_base());
    let fps = vstream.avg_frame_rate();
    let fps = if fps.numerator() > 0 && fps.denominator() > 0 {
        (f64::from(fps).round() as u32).clamp(1, 120)
    } else {
        30
    };
    let mut vdec = ffmpeg::codec::context::Context::from_parameters(vstream.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(bad)?;
    let astream = source
        .streams()
        .best(ffmpeg::media::Type::Audio)
        .map(|s| (s.index(), s.time_base(), s.parameters()));
    let mut adec = match (&astream, job.audio_kbps > 0) {
        (Some((_, _, p)), true) => Some(
            ffmpeg::codec::context::Context::from_parameters(p.clone())
                .and_then(|c| c.decoder().audio())
                .map_err(bad)?,
        ),
        _ => None,
    };
    let mut venc = VideoEncoder::open(
        (vdec.format(), (vdec.width(), vdec.height())),
        job.size,
        v_tb,
        fps,
        job.video,
    )?;
    let mut aenc = adec
        .as_ref()
        .map(|_| AudioEncoder::open(job.audio_kbps))
        .transpose()?;
    let partial = output.with_extension("transcoding.mp4");
    let mut muxer = Muxer::create(
        &partial,
        venc.parameters(),
        aenc.as_ref().map(AudioEncoder::parameters),
    )?;
    let mut mixer = Mixer::new(1);
    let mut resampler: Option<ffmpeg::software::resampling::Context> = None;
    let a_index = astream.as_ref().map(|(i, _, _)| *i);
    let a_tb = astream.as_ref().map(|(_, tb, _)| *tb);

    let mut vframe = ffmpeg::frame::Video::empty();
    let mut aframe = ffmpeg::frame::Audio::empty();
    let mut pump_video = |vdec: &mut ffmpeg::decoder::Video,
                          venc: &mut VideoEncoder,
                          muxer: &mut Muxer|
     -> Result<()> {
        while vdec.receive_frame(&mut vframe).is_ok() {
            let pts = vframe.timestamp().or(vframe.pts()).unwrap_or(0);
            let Some(at_secs) = job.keep.map(pts as f64 * f64::from(v_tb)) else {
                continue;
            };
            let at = (at_secs / f64::from(v_tb)).round() as i64;
            venc.encode_frame(&vframe, at, muxer)?;
        }
        Ok(())
    };
    let mut pump_audio = |adec: &mut ffmpeg::decoder::Audio,
                          aenc: &mut AudioEncoder,
                          muxer: &mut Muxer,
                          mixer: &mut Mixer|
     -> Result<()> {
        while adec.receive_frame(&mut aframe).is_ok() {
            if aframe.channel_layout().is_empty() {
                aframe.set_channel_layout(ffmpeg::ChannelLayout::default(i32::from(
                    aframe.channels(),
                )));
            }
            let rs = match &mut resampler {
                Some(r) => r,
                None => resampler.insert(
                    ffmpeg::software::resampling::Context::get(
                        aframe.format(),
                        aframe.channel_layout(),
                        aframe.rate(),
                        ffmpeg::format::Sample::F32(ffmpeg::format::sample::Type::Packed),
                        ffmpeg::ChannelLayout::MONO,
                        SAMPLE_RATE,
                    )
                    .map_err(CaptureError::ffmpeg("resampling audio"))?,
                ),
            };
            let mut mono = ffmpeg::frame::Audio::empty();
            rs.run(&aframe, &mut mono)
                .map_err(CaptureError::ffmpeg("resampling audio"))?;
            let pts = aframe.timestamp().or(aframe.pts()).unwrap_or(0);
            let tb = a_tb.unwrap_or(ffmpeg::Rational::new(1, SAMPLE_RATE as i32));
            let secs = pts as f64 * f64::from(tb);
            let samples = &mono.plane::<f32>(0)[..mono.samples()];
            for (first, len, at_secs) in job.keep.runs(secs, samples.len(), SAMPLE_RATE) {
                let run = samples[first..first + len].iter().enumerate();
                let faded = run.map(|(i, s)| {
                    let t = secs + (first + i) as f64 / f64::from(SAMPLE_RATE);
                    s * job.keep.gain(t)
                });
                mixer.push(&AudioChunk {
                    input: 0,
                    at: std::time::Duration::from_secs_f64(at_secs),
                    samples: faded.collect(),
                });
            }
            aenc.encode_mixed(mixer, false, muxer, None)?;
        }
        Ok(())
    };

    for (stream, packet) in source.packets() {
        if stream.index() == v_index {
            vdec.send_packet(&packet).map_err(bad)?;
            pump_video(&mut vdec, &mut venc, &mut muxer)?;
        } else if Some(stream.index()) == a_index
            && let (Some(adec), Some(aenc)) = (adec.as_mut(), aenc.as_mut())
        {
            adec.send_packet(&packet).map_err(bad)?;
            pump_audio(adec, aenc, &mut muxer, &mut mixer)?;
        }
    }
    vdec.send_eof().map_err(bad)?;
    pump_video(&mut vdec, &mut venc, &mut muxer)?;
    venc.finish(&mut muxer)?;
    if let (Some(adec), Some(aenc)) = (adec.as_mut(), aenc.as_mut()) {
        adec.send_eof().map_err(bad)?;
        pump_audio(adec, aenc, &mut muxer, &mut mixer)?;
        aenc.encode_mixed(&mut mixer, true, &mut muxer, None)?;
        aenc.finish(&mut muxer)?;
    }
    muxer
        .finish()
        .map_err(|e| CaptureError::OutputNotWritable {
            path: partial.clone(),
            reason: e.to_string(),
        })?;
    mux::finalize(&partial, output)?;
    let _ = std::fs::remove_file(&partial);
    Ok(std::fs::metadata(output).map(|m| m.len()).unwrap_or(0))
}

/// Decodes `input` (whose facts are `clip`) and encodes what `keep` keeps into `output` at
/// recording quality, at the same size and with its sound (if any).
pub fn reencode(input: &Path, output: &Path, clip: &ClipInfo, keep: &Keep) -> Result<u64> {
    let profile = EncoderProfile::default();
    let job = Transcode {
        video: Rate::Quality(&profile),
        audio_kbps: if clip.has_audio {
            profile.audio_kbps
        } else {
            0
        },
        size: (clip.width & !1, clip.height & !1),
        keep,
    };
    transcode(input, output, &job)
}
