//! Progress events for the CLI's progress bar and the app: sent with `try_send` on a bounded
//! channel, so a slow reader never slows the upload (a missed byte count is replaced by the next).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;

/// A step of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Upload,
    Attach,
    Summary,
    /// The transcript under the summary (only for a post that carries one).
    Transcript,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Upload => "upload",
            Step::Attach => "attach",
            Step::Summary => "summary",
            Step::Transcript => "transcript",
        })
    }
}

/// What happened, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A job started (or resumed) a step.
    Step { job_id: String, step: Step },
    /// Bytes of the clip sent so far.
    Bytes {
        sent: u64,
        total: u64,
        bytes_per_sec: f64,
    },
    /// A step was already done remotely (found on the task) and was not repeated.
    AlreadyDone { job_id: String, step: Step },
    /// The post is on the task.
    Done { job_id: String, task_url: String },
}

/// Where events go. Cheap to clone; a default `Progress` drops every event.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    tx: Option<mpsc::Sender<Event>>,
    sent: Arc<AtomicU64>,
    started: Arc<std::sync::OnceLock<Instant>>,
}

impl Progress {
    /// A progress sink and the receiving end (bounded; events past `capacity` are dropped).
    pub fn channel(capacity: usize) -> (Progress, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(capacity);
        (
            Progress {
                tx: Some(tx),
                ..Progress::default()
            },
            rx,
        )
    }

    pub fn emit(&self, event: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.try_send(event);
        }
    }

    /// Resets the byte counter for a new upload attempt.
    pub fn start_bytes(&self) {
        self.sent.store(0, Ordering::Relaxed);
        let _ = self.started.set(Instant::now());
    }

    /// Counts `n` more bytes sent out of `total`.
    pub fn add_bytes(&self, n: u64, total: u64) {
        let sent = self.sent.fetch_add(n, Ordering::Relaxed) + n;
        let elapsed = self
            .started
            .get_or_init(Instant::now)
            .elapsed()
            .as_secs_f64();
        let bytes_per_sec = if elapsed > 0.0 {
            sent as f64 / elapsed
        } else {
            0.0
        };
        self.emit(Event::Bytes {
            sent: sent.min(total),
            total,
            bytes_per_sec,
        });
    }

    /// Takes `n` bytes back (a part failed and will be sent again).
    pub fn sub_bytes(&self, n: u64) {
        self.sent
            .fetch_sub(n.min(self.sent.load(Ordering::Relaxed)), Ordering::Relaxed);
    }
}
