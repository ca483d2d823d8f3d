//! The encoder's self-test, for `clipnote doctor`: a short clip encoded the way recordings are
//! (libx264 with the recording profile, AAC, fragmented MP4 then index-first), then read back:
//! checked as playable and its first picture decoded and compared with what was drawn.

use std::path::Path;

use ffmpeg_next as ffmpeg;
use serde::Serialize;

use crate::audio::AudioEncoder;
use crate::error::{CaptureError, Result};
use crate::mic::SAMPLE_RATE;
use crate::mux::{self, Muxer};
use crate::settings::EncoderProfile;
use crate::video::{Rate, VideoEncoder};

const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;
const FPS: u32 = 30;
const FRAMES: i64 = 15;
/// The grey every pixel of the drawn picture has (BGRX), and how far the decoded one may be.
const GREY: u8 = 180;
const TOLERANCE: f64 = 24.0;

/// What the self-test encoded and read back.
#[derive(Debug, Clone, Serialize)]
pub struct SelfTest {
    pub width: u32,
    pub height: u32,
    /// Seconds of video in the finished clip.
    pub duration_secs: f64,
    pub bytes: u64,
    /// The mean brightness (0–255) of the first decoded picture; the drawn one is [`GREY`].
    pub decoded_mean: f64,
}

/// Encodes half a second of a grey picture and a tone into `dir` (removed afterwards) and reads
/// it back. An error names what failed: the encoder missing, the file unwritable, or a clip
/// that decodes to the wrong picture (black or garbled).
pub fn encode_and_read_back(dir: &Path) -> Result<SelfTest> {
    let stem = format!(".clipnote-selftest-{}", std::process::id());
    let partial = dir.join(format!("{stem}.recording.mp4"));
    let finished = dir.join(format!("{stem}.mp4"));
    let result = run(&partial, &finished);
    let _ = std::fs::remove_file(&partial);
    let _ = std::fs::remove_file(&finished);
    result
}

fn run(partial: &Path, finished: &Path) -> Result<SelfTest> {
    let profile = EncoderProfile::default();
    let mut video = VideoEncoder::open(
        (ffmpeg::format::Pixel::BGRZ, (WIDTH, HEIGHT)),
        (WIDTH, HEIGHT),
        ffmpeg::Rational::new(1, FPS as i32),
        FPS,
        Rate::Quality(&profile),
    )?;
    let mut audio = AudioEncoder::open(profile.audio_kbps)?;
    let mut muxer = Muxer::create(partial, video.parameters(), Some(audio.parameters()))?;
    let picture = vec![GREY; (WIDTH * HEIGHT * 4) as usize];
    for pts in 0..FRAMES {
        video.encode_packed(&picture, (WIDTH * 4) as usize, HEIGHT, pts, &mut muxer)?;
    }
    video.finish(&mut muxer)?;
    let n = audio.frame_size();
    let samples = (SAMPLE_RATE as i64 * FRAMES / FPS as i64) as usize;
    for (i, start) in (0..samples).step_by(n).enumerate() {
        let block: Vec<f32> = (start..start + n)
            .map(|s| 0.3 * (s as f32 * 440.0 * std::f32::consts::TAU / SAMPLE_RATE as f32).sin())
            .collect();
        audio.encode((i * n) as i64, &block, &mut muxer)?;
    }
    audio.finish(&mut muxer)?;
    muxer
        .finish()
        .map_err(CaptureError::ffmpeg("writing the self-test clip"))?;
    mux::finalize(partial, finished)?;
    let info = crate::clip::check_playable(finished)?;
    if !info.has_audio {
        return Err(CaptureError::Unsupported(
            "the self-test clip lost its sound track: this FFmpeg's AAC encoder is broken; reinstall Debian's libavcodec".into(),
        ));
    }
    let mut decoder = crate::clip::Decoder::open(finished, WIDTH)?;
    let frame = decoder.next_frame()?.ok_or_else(|| {
        CaptureError::Unsupported("the self-test clip decoded to no picture".into())
    })?;
    let mut sum = 0u64;
    for px in frame.rgba.chunks_exact(4) {
        sum += u64::from(px[0]) + u64::from(px[1]) + u64::from(px[2]);
    }
    let mean = sum as f64 / (frame.rgba.len() / 4 * 3).max(1) as f64;
    if (mean - f64::from(GREY)).abs() > TOLERANCE {
        return Err(CaptureError::Unsupported(format!(
            "the self-test clip decodes to a wrong picture (mean brightness {mean:.0}, drawn {GREY}): \
             this FFmpeg's H.264 encoder or decoder is broken; reinstall Debian's libavcodec"
        )));
    }
    Ok(SelfTest {
        width: frame.width,
        height: frame.height,
        duration_secs: info.duration_secs,
        bytes: std::fs::metadata(finished).map(|m| m.len()).unwrap_or(0),
        decoded_mean: mean,
    })
}
