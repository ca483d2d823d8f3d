//! Fitting a clip into a destination's size limit: re-encode at a bitrate computed from the
//! limit and the duration, scaling the picture down only as far as text stays legible.

use std::path::Path;

use ffmpeg_next as ffmpeg;

use crate::cut::Keep;
use crate::error::{CaptureError, Result};
use crate::ff;
use crate::transcode::{Transcode, transcode};
use crate::video::{self, Rate};

/// Share of the limit given to the streams; the rest absorbs container overhead and the
/// encoder's rate error.
const MARGIN: f64 = 0.92;
/// The least video bitrate that keeps screen text readable at 1280x720 (kbit/s); scaled with
/// the pixel count for other sizes. A judgement from our own walkthrough clips, not a standard.
const LEGIBLE_KBPS_720P: f64 = 60.0;
/// Widths tried, largest first, when the bitrate is too low for the source's own size.
const WIDTHS: [u32; 4] = [1920, 1600, 1280, 960];
const ATTEMPTS: u32 = 3;

/// What fitting will do: the bitrates and size of the new encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FitPlan {
    pub video_kbps: u32,
    pub audio_kbps: u32,
    pub width: u32,
    pub height: u32,
}

/// What fitting did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FitReport {
    pub bytes: u64,
    pub video_kbps: u32,
    pub audio_kbps: u32,
    pub width: u32,
    pub height: u32,
    pub duration_secs: f64,
    /// Encodes it took to get under the limit.
    pub attempts: u32,
}

fn legible_kbps(width: u32, height: u32) -> f64 {
    LEGIBLE_KBPS_720P * f64::from(width) * f64::from(height) / (1280.0 * 720.0)
}

fn minutes(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Chooses bitrates and size so a clip of `duration_secs` fits in `max_bytes`.
pub fn plan(
    duration_secs: f64,
    source: (u32, u32),
    has_audio: bool,
    max_bytes: u64,
) -> Result<FitPlan> {
    let budget_kbps = max_bytes as f64 * 8.0 * MARGIN / duration_secs.max(0.1) / 1000.0;
    let audio_kbps = match (has_audio, budget_kbps >= 200.0) {
        (false, _) => 0,
        (true, true) => 48,
        (true, false) => 32,
    };
    let video_kbps = budget_kbps - f64::from(audio_kbps);
    let sizes = WIDTHS
        .iter()
        .filter(|&&w| w < source.0)
        .map(|&w| video::output_size(source.0, source.1, w));
    let candidates = std::iter::once(video::output_size(source.0, source.1, source.0)).chain(sizes);
    let mut smallest = source;
    for (width, height) in candidates {
        smallest = (width, height);
        if video_kbps >= legible_kbps(width, height) {
            return Ok(FitPlan {
                video_kbps: video_kbps.floor() as u32,
                audio_kbps,
                width,
                height,
            });
        }
    }
    let need_kbps = legible_kbps(smallest.0, smallest.1) + f64::from(audio_kbps);
    let longest = max_bytes as f64 * 8.0 * MARGIN / need_kbps / 1000.0;
    Err(CaptureError::CannotFit(format!(
        "this {} clip cannot fit in {:.1} MiB with its text legible: that leaves {:.0} kbit/s for the picture, and even at {}x{} text needs {:.0}. Trim it to at most {}, record a smaller region, or post to a plan with a larger file limit",
        minutes(duration_secs),
        max_bytes as f64 / (1024.0 * 1024.0),
        video_kbps.max(0.0),
        smallest.0,
        smallest.1,
        legible_kbps(smallest.0, smallest.1),
        minutes(longest),
    )))
}

/// Re-encodes `input` into `output` so that it is at most `max_bytes`.
pub fn fit_to_size(input: &Path, output: &Path, max_bytes: u64) -> Result<FitReport> {
    ff::init();
    let bad = |reason: String| CaptureError::BadClip {
        path: input.to_owned(),
        reason,
    };
    let source = ffmpeg::format::input(input).map_err(|e| bad(e.to_string()))?;
    let duration_secs = source.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE);
    let video = source
        .streams()
        .best(ffmpeg::media::Type::Video)
        .ok_or_else(|| bad("no video stream".into()))?;
    let params = video.parameters();
    // SAFETY: reading two plain fields of the stream's codec parameters.
    let size = unsafe {
        (
            (*params.as_ptr()).width as u32,
            (*params.as_ptr()).height as u32,
        )
    };
    let has_audio = source.streams().best(ffmpeg::media::Type::Audio).is_some();
    drop(source);
    let mut plan = plan(duration_secs, size, has_audio, max_bytes)?;
    for attempt in 1..=ATTEMPTS {
        let job = Transcode {
            video: Rate::Bitrate {
                kbps: plan.video_kbps,
                keyframe_secs: 10,
            },
            audio_kbps: plan.audio_kbps,
            size: (plan.width, plan.height),
            keep: &Keep::all(),
        };
        let bytes = transcode(input, output, &job)?;
        tracing::info!(
            attempt,
            bytes,
            max_bytes,
            video_kbps = plan.video_kbps,
            "fit encode"
        );
        if bytes <= max_bytes {
            return Ok(FitReport {
                bytes,
                video_kbps: plan.video_kbps,
                audio_kbps: plan.audio_kbps,
                width: plan.width,
                height: plan.height,
                duration_secs,
                attempts: attempt,
            });
        }
        let total =
            f64::from(plan.video_kbps + plan.audio_kbps) * max_bytes as f64 / bytes as f64 * 0.95;
        plan.video_kbps = (total - f64::from(plan.audio_kbps)).max(1.0) as u32;
    }
    let _ = std::fs::remove_file(output);
    Err(CaptureError::CannotFit(format!(
        "after {ATTEMPTS} tries the clip is still over {:.1} MiB; trim it or record a smaller region",
        max_bytes as f64 / (1024.0 * 1024.0)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn a_three_minute_clip_fits_notion_free_at_full_size() {
        let p = plan(180.0, (1920, 1080), true, 5 * MIB).unwrap();
        assert_eq!((p.width, p.height, p.audio_kbps), (1920, 1080, 48));
        assert!(p.video_kbps >= 150 && p.video_kbps <= 175, "{p:?}");
    }

    #[test]
    fn longer_clips_are_scaled_down_before_text_blurs() {
        let p = plan(420.0, (1920, 1080), true, 5 * MIB).unwrap();
        assert!(p.width < 1920, "{p:?}");
        assert!(f64::from(p.video_kbps) >= legible_kbps(p.width, p.height));
    }

    #[test]
    fn a_clip_that_cannot_fit_legibly_says_what_would() {
        let err = plan(3600.0, (1920, 1080), true, 5 * MIB)
            .unwrap_err()
            .to_string();
        assert!(err.contains("60:00 clip cannot fit in 5.0 MiB"), "{err}");
        assert!(
            err.contains("Trim it to at most") && err.contains("larger file limit"),
            "{err}"
        );
    }
}
