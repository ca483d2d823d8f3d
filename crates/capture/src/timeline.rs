//! One monotonic clock for audio and video, with paused spans cut out.
//!
//! Every captured sample is stamped with an [`Instant`]; [`Timeline::map`] turns it into a
//! position in the recording, or `None` when it falls in a paused span.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The recording's clock: its start and the spans during which it was paused.
#[derive(Debug)]
pub struct Timeline {
    start: Instant,
    pauses: Mutex<Vec<(Instant, Option<Instant>)>>,
}

impl Timeline {
    pub fn new(start: Instant) -> Self {
        Self {
            start,
            pauses: Mutex::new(Vec::new()),
        }
    }

    pub fn start(&self) -> Instant {
        self.start
    }

    /// Starts a paused span now. Returns false if already paused.
    pub fn pause(&self, at: Instant) -> bool {
        let mut pauses = self.pauses.lock().unwrap();
        if pauses.last().is_some_and(|(_, end)| end.is_none()) {
            return false;
        }
        pauses.push((at, None));
        true
    }

    /// Ends the current paused span. Returns false if not paused.
    pub fn resume(&self, at: Instant) -> bool {
        let mut pauses = self.pauses.lock().unwrap();
        match pauses.last_mut() {
            Some((_, end @ None)) => {
                *end = Some(at);
                true
            }
            _ => false,
        }
    }

    pub fn is_paused(&self) -> bool {
        self.pauses
            .lock()
            .unwrap()
            .last()
            .is_some_and(|(_, end)| end.is_none())
    }

    /// Where `t` falls in the recording, or `None` if it is before the start or while paused.
    pub fn map(&self, t: Instant) -> Option<Duration> {
        let since_start = t.checked_duration_since(self.start)?;
        let mut cut = Duration::ZERO;
        for &(begin, end) in self.pauses.lock().unwrap().iter() {
            if t < begin {
                break;
            }
            match end {
                Some(end) if t >= end => cut += end - begin,
                _ => return None,
            }
        }
        Some(since_start - cut)
    }

    /// The recorded length up to `now` (paused spans excluded).
    pub fn elapsed(&self, now: Instant) -> Duration {
        let since_start = now.saturating_duration_since(self.start);
        let paused: Duration = self
            .pauses
            .lock()
            .unwrap()
            .iter()
            .map(|&(begin, end)| end.unwrap_or(now).saturating_duration_since(begin))
            .sum();
        since_start.saturating_sub(paused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paused_spans_are_cut_out() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let tl = Timeline::new(t0);
        assert_eq!(tl.map(s(1)), Some(Duration::from_secs(1)));
        assert!(tl.pause(s(2)));
        assert!(!tl.pause(s(3)), "pausing twice is refused");
        assert_eq!(tl.map(s(3)), None);
        assert!(tl.resume(s(5)));
        assert_eq!(tl.map(s(6)), Some(Duration::from_secs(3)));
        assert_eq!(tl.elapsed(s(7)), Duration::from_secs(4));
        assert!(tl.pause(s(8)));
        assert_eq!(tl.elapsed(s(10)), Duration::from_secs(5));
        assert!(tl.is_paused());
        assert_eq!(tl.map(t0 - Duration::from_millis(1)), None);
    }
}
