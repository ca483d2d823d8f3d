//! `cargo xtask bench app --backend wayland`: hotkey → first captured frame on Wayland, measured
//! from outside, in the Wayland test world (headless sway, PipeWire, the ScreenCast portal).
//!
//! On Wayland the hotkey is the desktop's: sway's config binds Ctrl+Alt+R to `clipnote toggle`
//! (as the README tells sway users to), so a press runs that command, which asks the running
//! app over its control socket to start. The figure is press (`wtype`) → the app's
//! "recording: first frame" log line, and so includes sway starting `clipnote toggle` (a debug
//! build unless `--clipnote` names another) and the portal opening a PipeWire stream.
//!
//! The first recording has no restore token: the portal asks which screen (the world's chooser
//! answers at once). Each later recording is a fresh launch of the app with the same home, so it
//! starts from the saved token without a dialog — the case the issue's target is for.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::app::{Lines, build_debug_app, launch, wait_line};
use super::wayland::Wayland;
use crate::{Result, fail, target_dir};

/// Recordings started from a saved restore token (after the first, which asks).
const RUNS: usize = 5;
const RECORD_SECS: u64 = 3;
/// sway's binding for `clipnote toggle` (xtask/src/wayland.rs writes it).
const TOGGLE_KEYS: &[&str] = &["-M", "ctrl", "-M", "alt", "r", "-m", "alt", "-m", "ctrl"];

/// Benchmarks `given` (an installed or release `clipnote`), or else a debug build.
pub fn run(given: Option<PathBuf>) -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::WAYLAND, crate::deps::RUN])?;
    let build = if given.is_some() {
        "the given binary"
    } else {
        "debug build"
    };
    let clipnote = match given {
        Some(path) => path,
        None => build_debug_app()?,
    };
    let base = target_dir()
        .join("bench")
        .join(format!("app-wayland-{}", std::process::id()));
    let bins = clipnote.parent().unwrap_or(Path::new(".")).to_path_buf();
    let world = Wayland::start(&base, &bins)?;
    let home = base.join("app");
    let mut asked = None;
    let mut restored = Vec::new();
    for run in 0..=RUNS {
        let ms = record_once(&world, &clipnote, &home)?;
        if run == 0 {
            eprintln!("xtask: first recording (the portal asks): {ms:.0} ms");
            asked = Some(ms);
        } else {
            eprintln!("xtask: recording {run} from the restore token: {ms:.0} ms");
            restored.push(ms);
        }
    }
    drop(world);
    restored.sort_by(f64::total_cmp);
    let median = restored[restored.len() / 2];
    let met = median <= 150.0;
    println!("clipnote app on Wayland ({build}; sway binding → `clipnote toggle` → portal)");
    println!(
        "  hotkey → first captured frame, portal asks   {:>7.0} ms",
        asked.unwrap_or(f64::NAN)
    );
    println!(
        "  hotkey → first captured frame, restore token {median:>7.0} ms   target ≤ 150 ms   {}  \
         (median of {RUNS}: {})",
        if met { "MET" } else { "MISS" },
        restored
            .iter()
            .map(|ms| format!("{ms:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(if met { 0 } else { 1 })
}

/// Launches the app, presses the hotkey, times the press → the first captured frame, records
/// [`RECORD_SECS`], presses again and waits for Review; the app is then closed.
fn record_once(world: &Wayland, clipnote: &Path, home: &Path) -> Result<f64> {
    let app = world.command(&clipnote.display().to_string());
    let (mut child, lines, _) = launch(app, home, &[])?;
    let result = (|| {
        wait_line(&lines, "app: first frame")?;
        std::thread::sleep(Duration::from_secs(1));
        let pressed = press(world)?;
        let (captured, _) = wait_line(&lines, "recording: first frame")?;
        std::thread::sleep(Duration::from_secs(RECORD_SECS));
        press(world)?;
        wait_line(&lines, "app: review opened")?;
        Ok(captured.duration_since(pressed).as_secs_f64() * 1000.0)
    })();
    let _ = child.kill();
    let _ = child.wait();
    drain(&lines);
    result
}

/// Presses sway's toggle binding with `wtype`; returns when the press began.
fn press(world: &Wayland) -> Result<std::time::Instant> {
    let mut cmd = world.command("wtype");
    cmd.args(TOGGLE_KEYS);
    let at = std::time::Instant::now();
    let status = cmd
        .status()
        .map_err(|e| fail(format!("cannot run wtype: {e}")))?;
    if !status.success() {
        return Err(fail(format!("wtype could not press the keys ({status})")));
    }
    Ok(at)
}

/// Reads what is left of a closed app's log, so the next run's lines start fresh.
fn drain(lines: &Lines) {
    while lines.try_recv().is_ok() {}
}
