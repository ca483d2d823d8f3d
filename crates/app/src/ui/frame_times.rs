//! Frame times while recording and while posting, logged for `cargo xtask bench app`.

/// How long frames took while recording and while posting (eframe's measure: the frame's wall
/// time apart from the buffer swap), logged when each ends for `cargo xtask bench app`.
#[derive(Default)]
pub(super) struct FrameTimes {
    pub recording: FrameLog,
    pub posting: FrameLog,
}

#[derive(Default)]
pub(super) struct FrameLog(Vec<f32>);

impl FrameLog {
    pub fn push(&mut self, secs: f32) {
        if self.0.len() < 1_000_000 {
            self.0.push(secs);
        }
    }

    /// Logs p50, p99 and max, then forgets them.
    pub fn log(&mut self, what: &str) {
        let mut ms: Vec<f32> = self.0.drain(..).map(|s| s * 1000.0).collect();
        if ms.is_empty() {
            return;
        }
        ms.sort_by(f32::total_cmp);
        let at = |q: f32| ms[((ms.len() - 1) as f32 * q).round() as usize];
        tracing::info!(
            frames = ms.len(),
            p50_ms = at(0.5),
            p99_ms = at(0.99),
            max_ms = at(1.0),
            "app: frame times while {what}"
        );
    }
}
