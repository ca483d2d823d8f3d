//! Warnings while a recording runs, before it is wasted: a microphone that gives only silence
//! (`capture::Recording::silent_mic`) and a disk about to fill (the room left at this
//! recording's own rate). `clipnote record` says each once, as it begins; the app's HUD shows
//! those that hold.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use capture::Recording;

use crate::disk;

/// How often the disk's free space is read.
const DISK_EVERY: Duration = Duration::from_secs(2);

/// What a warning is about: each is said once while it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SilentMic,
    LowDisk,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub kind: Kind,
    pub text: String,
}

/// Watches one recording.
pub struct Watch {
    dir: PathBuf,
    low_disk: Option<Warning>,
    next_disk_read: Instant,
}

impl Watch {
    pub fn new(recording: &Recording) -> Self {
        let partial = recording.partial_path();
        Self {
            dir: disk::folder_of(&partial).to_path_buf(),
            low_disk: None,
            next_disk_read: Instant::now(),
        }
    }

    /// The warnings that hold now.
    pub fn warnings(&mut self, recording: &Recording) -> Vec<Warning> {
        if Instant::now() >= self.next_disk_read {
            self.next_disk_read = Instant::now() + DISK_EVERY;
            self.low_disk = self.read_disk(recording);
        }
        let silent = recording.silent_mic().map(|text| Warning {
            kind: Kind::SilentMic,
            text,
        });
        silent.into_iter().chain(self.low_disk.clone()).collect()
    }

    fn read_disk(&self, recording: &Recording) -> Option<Warning> {
        let free = disk::free_bytes(&self.dir).ok()?;
        let written = recording.stats().bytes();
        let minutes = recording.elapsed().as_secs_f64() / 60.0;
        // The rate so far, once there is enough of it to go by (else the default estimate).
        let rate = if minutes > 0.1 {
            written as f64 / (1024.0 * 1024.0) / minutes
        } else {
            0.0
        };
        let left = disk::minutes_of_room(free, written, rate);
        (left < disk::WARN_RECORDING_MINUTES).then(|| Warning {
            kind: Kind::LowDisk,
            text: format!(
                "the disk is almost full: room for about {} more of this recording in {} — stop soon (what is recorded is kept), or {}",
                disk::duration_words(left),
                self.dir.display(),
                disk::FIX
            ),
        })
    }
}

/// Says each warning once, when it begins (again if it ends and comes back).
#[derive(Debug, Default)]
pub struct Announcer {
    holding: Vec<Kind>,
    /// Everything said, in order.
    pub said: Vec<String>,
}

impl Announcer {
    /// The warnings in `now` that were not holding before.
    pub fn news(&mut self, now: &[Warning]) -> Vec<String> {
        let new: Vec<String> = now
            .iter()
            .filter(|w| !self.holding.contains(&w.kind))
            .map(|w| w.text.clone())
            .collect();
        self.holding = now.iter().map(|w| w.kind).collect();
        self.said.extend(new.iter().cloned());
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(kind: Kind, text: &str) -> Warning {
        Warning {
            kind,
            text: text.into(),
        }
    }

    #[test]
    fn each_warning_is_said_once_while_it_holds_and_again_when_it_comes_back() {
        let mut a = Announcer::default();
        let mic = warning(Kind::SilentMic, "no sound from mic for 5 s");
        let mic_later = warning(Kind::SilentMic, "no sound from mic for 6 s");
        let disk = warning(Kind::LowDisk, "the disk is almost full");
        assert_eq!(a.news(&[]), Vec::<String>::new());
        assert_eq!(a.news(std::slice::from_ref(&mic)), vec![mic.text.clone()]);
        assert!(a.news(std::slice::from_ref(&mic_later)).is_empty());
        assert_eq!(
            a.news(&[mic_later.clone(), disk.clone()]),
            vec![disk.text.clone()]
        );
        assert!(a.news(std::slice::from_ref(&disk)).is_empty());
        assert_eq!(a.news(&[mic.clone(), disk]), vec![mic.text.clone()]);
        assert_eq!(a.said.len(), 3);
    }
}
