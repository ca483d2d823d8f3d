//! Cutting spans out of a clip: the pictures and the sound of each cut span are dropped, later
//! ones moved earlier by the same time, so sound and pictures stay together at every cut; the
//! sound fades out and in over [`FADE_SECS`] at each cut, so a cut never clicks.
//!
//! ```text
//! original  |--keep--|xxcutxx|----keep----|xcutx|--keep--|
//! new       |--keep--|----keep----|--keep--|       (a fade at each join)
//! ```

use std::path::{Path, PathBuf};

use crate::clip::info;
use crate::error::{CaptureError, Result};
use crate::transcode::reencode;

/// How long the sound takes to fade out before a cut and in after it (seconds).
pub const FADE_SECS: f64 = 0.015;
/// A time this close to a span's start still belongs to it (a timestamp's rounding).
const EPSILON_SECS: f64 = 1e-6;

/// The spans of a clip to keep, in order and not overlapping: what a trim or a cut leaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Keep {
    /// `(start, end)` in the original's seconds; the last may end at infinity (the clip's end).
    spans: Vec<(f64, f64)>,
}

impl Keep {
    /// The whole clip.
    pub fn all() -> Self {
        Self {
            spans: vec![(0.0, f64::INFINITY)],
        }
    }

    /// Only `start..end`, which becomes the new start.
    pub fn range(start: f64, end: f64) -> Self {
        Self {
            spans: vec![(start.max(0.0), end)],
        }
    }

    /// Everything but `cuts` (in any order; overlapping ones count once) of a clip of
    /// `duration_secs`.
    pub fn without(cuts: &[(f64, f64)], duration_secs: f64) -> Self {
        let mut cuts: Vec<(f64, f64)> = cuts.iter().copied().filter(|(a, b)| b > a).collect();
        cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut spans = Vec::new();
        let mut from = 0.0f64;
        for (a, b) in cuts {
            if a > from {
                spans.push((from, a));
            }
            from = from.max(b);
        }
        if from < duration_secs - 0.01 {
            spans.push((from, f64::INFINITY));
        }
        Self { spans }
    }

    /// Seconds kept of a clip of `duration_secs`.
    pub fn secs(&self, duration_secs: f64) -> f64 {
        self.spans
            .iter()
            .map(|(a, b)| (b.min(duration_secs) - a).max(0.0))
            .sum()
    }

    /// Where time `t` of the original is in the new clip; `None` when it is cut.
    pub fn map(&self, t: f64) -> Option<f64> {
        let mut offset = 0.0;
        for &(a, b) in &self.spans {
            if t >= a - EPSILON_SECS && t < b {
                return Some(offset + (t - a).max(0.0));
            }
            offset += b - a;
        }
        None
    }

    /// The sound's gain at time `t` of the original: 1, falling to 0 over [`FADE_SECS`] towards
    /// each cut (and each trimmed end).
    pub fn gain(&self, t: f64) -> f32 {
        let Some(&(a, b)) = self
            .spans
            .iter()
            .find(|(a, b)| t >= a - EPSILON_SECS && t < *b)
        else {
            return 0.0;
        };
        let fade_in = if a > 0.0 { (t - a) / FADE_SECS } else { 1.0 };
        let fade_out = if b.is_finite() {
            (b - t) / FADE_SECS
        } else {
            1.0
        };
        fade_in.min(fade_out).clamp(0.0, 1.0) as f32
    }

    /// The runs of `n` samples at `rate` Hz starting at `at_secs` that are kept: for each, the
    /// index of its first sample, how many, and its time in the new clip.
    pub fn runs(&self, at_secs: f64, n: usize, rate: u32) -> Vec<(usize, usize, f64)> {
        let rate = f64::from(rate);
        let index = |t: f64| (((t - at_secs) * rate).ceil().max(0.0) as usize).min(n);
        let mut offset = 0.0;
        let mut out = Vec::new();
        for &(a, b) in &self.spans {
            let (first, end) = (index(a), if b.is_finite() { index(b) } else { n });
            if end > first {
                let t = at_secs + first as f64 / rate;
                out.push((first, end - first, offset + (t - a).max(0.0)));
            }
            offset += b - a;
        }
        out
    }
}

/// What a cut made.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cutted {
    pub path: PathBuf,
    /// The original's length and the new one's (seconds).
    pub before_secs: f64,
    pub after_secs: f64,
}

/// Writes `input` without the spans `cuts` (seconds, `(start, end)`) to `output`, decoded and
/// encoded again at recording quality. At least a tenth of a second must be left.
pub fn cut(input: &Path, output: &Path, cuts: &[(f64, f64)]) -> Result<Cutted> {
    let clip = info(input)?;
    let keep = Keep::without(cuts, clip.duration_secs);
    if keep.secs(clip.duration_secs) < 0.1 {
        return Err(CaptureError::BadClip {
            path: input.to_owned(),
            reason: "cutting those spans leaves nothing; keep at least a tenth of a second".into(),
        });
    }
    reencode(input, output, &clip, &keep)?;
    Ok(Cutted {
        path: output.to_owned(),
        before_secs: clip.duration_secs,
        after_secs: info(output)?.duration_secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_after_a_cut_move_earlier_by_what_was_cut() {
        let keep = Keep::without(&[(4.0, 5.0), (1.0, 2.5), (4.5, 6.0)], 10.0);
        assert_eq!(keep.spans, [(0.0, 1.0), (2.5, 4.0), (6.0, f64::INFINITY)]);
        assert_eq!(keep.secs(10.0), 6.5);
        assert_eq!(keep.map(0.5), Some(0.5));
        assert_eq!(keep.map(1.5), None);
        assert_eq!(keep.map(2.5), Some(1.0));
        assert_eq!(keep.map(7.0), Some(3.5));
        // A cut to the end leaves no empty span behind.
        assert_eq!(Keep::without(&[(8.0, 10.0)], 10.0).spans, [(0.0, 8.0)]);
        assert_eq!(Keep::range(2.0, 3.0).map(2.5), Some(0.5));
        assert_eq!(Keep::all().map(99.0), Some(99.0));
    }

    #[test]
    fn the_sound_fades_at_each_cut_and_nowhere_else() {
        let keep = Keep::without(&[(1.0, 2.0)], 10.0);
        assert_eq!(keep.gain(0.0), 1.0, "no fade at the clip's start");
        assert_eq!(keep.gain(0.5), 1.0);
        assert!((keep.gain(1.0 - FADE_SECS / 2.0) - 0.5).abs() < 1e-3);
        assert!(keep.gain(1.0 - 1e-5) < 0.01);
        assert!(keep.gain(2.0) < 0.01);
        assert!((keep.gain(2.0 + FADE_SECS / 2.0) - 0.5).abs() < 1e-3);
        assert_eq!(keep.gain(2.5), 1.0);
        assert_eq!(keep.gain(1.5), 0.0);
        assert_eq!(keep.gain(9.99), 1.0, "no fade at the clip's end");
    }

    #[test]
    fn a_block_of_samples_is_split_at_the_cuts() {
        let keep = Keep::without(&[(0.01, 0.02)], 10.0);
        // 1,000 samples at 48 kHz from 0: 0..480 kept, 480..960 cut, 960..1000 kept.
        let runs = keep.runs(0.0, 1000, 48_000);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!((runs[0].0, runs[0].1), (0, 480));
        assert_eq!((runs[1].0, runs[1].1), (960, 40));
        assert!((runs[1].2 - 0.01).abs() < 1e-9, "{runs:?}");
        assert!(keep.runs(0.012, 100, 48_000).is_empty());
    }
}
