//! Review's draft runs in a process of its own: `clipnote-app draft CLIP --progress`, at the
//! lowest priority, read line by line (`drafting::Line`) on a `ui-draft` thread.
//!
//! Why a process and not a thread: a recording that starts must take the machine back at once.
//! The model cannot be interrupted while it reads the transcript (llama.cpp's abort callback is
//! out of `llama-cpp-2`'s reach, and one 512-token batch takes 8–17 s on 2 cores), and even at
//! `SCHED_IDLE` it slows a recording beside it: a 30-s 1080p30 full-motion recording dropped 46
//! frames while the model drafted in another process at `SCHED_IDLE`, and 0–4 alone. A process
//! is stopped at once ([`Stopper::stop`] kills it), dies with the app (`PR_SET_PDEATHSIG`), and
//! gives its ~1.8 GiB back the moment it ends.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::draft::{Msg, send_progress};
use crate::drafting::Line;

/// Stops a draft: marks it stopped (nothing more reaches Review) and kills its process.
#[derive(Clone)]
pub struct Stopper {
    child: Arc<Mutex<Option<Child>>>,
    stopped: Arc<AtomicBool>,
}

impl Stopper {
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        // Not reaped yet (the reader takes it out before waiting), so its pid is still ours.
        if let Some(child) = self
            .child
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            let _ = child.kill();
        }
    }

    /// The drafting process's id while it runs.
    pub fn pid(&self) -> Option<u32> {
        let child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        child.as_ref().map(Child::id)
    }
}

/// Starts drafting `clip` with `program` (this app's own binary), the drafting model looked
/// for in `models` (else the model folder); what it writes goes to `tx`, each with a repaint.
/// Called from the UI thread, which outlives the process (`PR_SET_PDEATHSIG` follows the
/// thread that started it).
pub fn start(
    program: &Path,
    clip: &Path,
    models: Option<&Path>,
    tx: SyncSender<Msg>,
    wake: egui::Context,
) -> Result<Stopper, String> {
    let mut cmd = Command::new(program);
    cmd.arg("draft")
        .arg(clip)
        .arg("--progress")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(dir) = models {
        cmd.env("CLIPNOTE_MODELS_DIR", dir);
    }
    lowest_priority_and_tied_to_us(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start drafting ({}): {e}", program.display()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("cannot read the drafting process")?;
    let stopper = Stopper {
        child: Arc::new(Mutex::new(Some(child))),
        stopped: Arc::new(AtomicBool::new(false)),
    };
    let reader = stopper.clone();
    std::thread::Builder::new()
        .name("ui-draft".into())
        .spawn(move || {
            let mut last = String::new();
            let mut result = None;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<Line>(&line) {
                    Ok(Line::Progress(markdown)) => {
                        send_progress(&tx, &markdown, &mut last);
                        wake.request_repaint();
                    }
                    Ok(Line::Draft(finished)) => result = Some(Ok(finished)),
                    Ok(Line::Failed(why)) => result = Some(Err(why)),
                    Err(e) => tracing::debug!("review: not a draft line ({e}): {line}"),
                }
            }
            let child = reader
                .child
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            let status = child.map(|mut c| c.wait());
            if reader.stopped.load(Ordering::Relaxed) {
                return;
            }
            let result = result.unwrap_or_else(|| {
                Err(format!(
                    "drafting ended without a draft ({}); the clip is unchanged: try Redraft",
                    match status {
                        Some(Ok(s)) => s.to_string(),
                        Some(Err(e)) => e.to_string(),
                        None => "it was gone".into(),
                    }
                ))
            });
            let _ = tx.send(Msg::Done(result));
            wake.request_repaint();
        })
        .map_err(|e| {
            stopper.stop();
            format!("cannot start drafting: {e}")
        })?;
    Ok(stopper)
}

/// The child runs at the lowest priority (`SCHED_IDLE`, else nice 19) and is killed if the
/// thread that started it ends (the app quits or crashes).
fn lowest_priority_and_tied_to_us(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only async-signal-safe syscalls run, on the child's
        // own thread; their failures are ignored (the draft then runs at normal priority).
        unsafe {
            cmd.pre_exec(|| {
                let param = libc::sched_param { sched_priority: 0 };
                if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
                    libc::setpriority(libc::PRIO_PROCESS, 0, 19);
                }
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
}
