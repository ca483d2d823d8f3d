//! `cargo xtask bench app`: how quick the desktop app is, measured from outside.
//!
//! In the test world, `RUNS` times: launch `clipnote` (debug build; dependencies are optimised)
//! and time spawn → its "app: first frame" log line; press the real hotkey with `xdotool` (the
//! countdown off) and time the press → "recording: first frame" (the first picture captured);
//! record `RECORD_SECS` of the world's full-motion 1080p content, press again, and read the
//! frame times the app measured while recording (eframe's CPU time per frame: p50, p99, max).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

use crate::world::{self, World};
use crate::{Result, cargo, fail, run_checked, target_dir};

const RUNS: usize = 3;
const RECORD_SECS: u64 = 10;
const WAIT: Duration = Duration::from_secs(30);

pub fn run() -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::WORLD, crate::deps::RUN])?;
    eprintln!("xtask: building clipnote (debug): cargo build -p app --bin clipnote");
    run_checked(cargo().args(["build", "--quiet", "--package", "app", "--bin", "clipnote"]))?;
    let clipnote = target_dir().join("debug").join("clipnote");
    let base = target_dir()
        .join("bench")
        .join(format!("app-{}", std::process::id()));
    let world = World::start(&target_dir())?;

    let mut launch_ms = Vec::new();
    let mut hotkey_ms = Vec::new();
    let mut frames = Vec::new();
    for run in 0..RUNS {
        let home = base.join(format!("run-{run}"));
        let (mut child, lines, spawned) = launch(&world, &clipnote, &home)?;
        let result = measure(&world, &lines, spawned);
        let _ = child.kill();
        let _ = child.wait();
        let (launch, hotkey, frame) = result?;
        eprintln!(
            "xtask: run {}: first frame {launch:.0} ms, hotkey → first captured frame {hotkey:.0} ms, frames while recording: {frame}",
            run + 1
        );
        launch_ms.push(launch);
        hotkey_ms.push(hotkey);
        frames.push(frame);
    }
    drop(world);

    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let launch = median(&mut launch_ms);
    let hotkey = median(&mut hotkey_ms);
    let worst_p99 = frames.iter().map(|f| f.p99_ms).fold(0.0, f64::max);
    let met = |ok: bool| if ok { "MET" } else { "MISS" };
    println!(
        "clipnote app (debug build, {RUNS} runs, medians; 1920x1080 full motion while recording)"
    );
    println!(
        "  launch → first frame drawn        {launch:>7.0} ms   target ≤ 500 ms   {}",
        met(launch <= 500.0)
    );
    println!(
        "  hotkey → first captured frame     {hotkey:>7.0} ms   target ≤ 150 ms   {}",
        met(hotkey <= 150.0)
    );
    for (i, f) in frames.iter().enumerate() {
        println!("  UI frames while recording, run {}: {f}", i + 1);
    }
    println!(
        "  UI frame p99 (worst run)          {worst_p99:>7.1} ms   target ≤ 16 ms    {}",
        met(worst_p99 <= 16.0)
    );
    println!("  (uploading: not measured yet)");
    let all = launch <= 500.0 && hotkey <= 150.0 && worst_p99 <= 16.0;
    Ok(if all { 0 } else { 1 })
}

/// Frame times the app logged.
#[derive(Debug, Clone, Copy)]
struct Frames {
    count: u64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl std::fmt::Display for Frames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} frames, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.count, self.p50_ms, self.p99_ms, self.max_ms
        )
    }
}

type Lines = Receiver<(Instant, String)>;

fn launch(world: &World, clipnote: &Path, home: &Path) -> Result<(Child, Lines, Instant)> {
    let dir = |name: &str| -> Result<PathBuf> {
        let d = home.join(name);
        std::fs::create_dir_all(&d)
            .map_err(|e| fail(format!("cannot create {}: {e}", d.display())))?;
        Ok(d)
    };
    let mut cmd = world.command(&clipnote.display().to_string());
    cmd.env("CLIPNOTE_LIBRARY_DIR", dir("library")?)
        .env("CLIPNOTE_CONFIG_DIR", dir("config")?)
        .env("CLIPNOTE_OUTBOX_DIR", dir("outbox")?)
        .env("CLIPNOTE_NO_KEYRING", "1")
        .env("CLIPNOTE_WINDOW_SIZE", "1280x800")
        .env("CLIPNOTE_COUNTDOWN", "off")
        .env("PULSE_SOURCE", world::MIC)
        .env("RUST_LOG", "warn,app=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let spawned = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| fail(format!("cannot start {}: {e}", clipnote.display())))?;
    let stderr = child.stderr.take().ok_or_else(|| fail("no stderr pipe"))?;
    let (tx, rx) = sync_channel(1024);
    std::thread::Builder::new()
        .name("bench-app-log".into())
        .spawn(move || {
            for line in BufReader::new(stderr)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if tx.send((Instant::now(), plain(&line))).is_err() {
                    return;
                }
            }
        })
        .map_err(|e| fail(format!("cannot start a thread: {e}")))?;
    Ok((child, rx, spawned))
}

/// Waits for a log line containing `needle`; returns when it was read, and the line.
fn wait_line(lines: &Lines, needle: &str) -> Result<(Instant, String)> {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok((at, line)) if line.contains(needle) => return Ok((at, line)),
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => {
                return Err(fail(format!(
                    "clipnote did not log {needle:?} within {} s",
                    WAIT.as_secs()
                )));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(fail(format!("clipnote exited before logging {needle:?}")));
            }
        }
    }
}

fn press_hotkey(world: &World) -> Result<Instant> {
    let mut cmd = world.command("xdotool");
    cmd.args(["key", "ctrl+alt+r"]);
    let pressed = Instant::now();
    run_checked(&mut cmd)?;
    Ok(pressed)
}

fn measure(world: &World, lines: &Lines, spawned: Instant) -> Result<(f64, f64, Frames)> {
    let ms = |from: Instant, to: Instant| to.duration_since(from).as_secs_f64() * 1000.0;
    wait_line(lines, "hotkey registered")?;
    let (drawn, _) = wait_line(lines, "app: first frame")?;
    let launch = ms(spawned, drawn);
    std::thread::sleep(Duration::from_secs(1));
    let pressed = press_hotkey(world)?;
    let (captured, _) = wait_line(lines, "recording: first frame")?;
    let hotkey = ms(pressed, captured);
    std::thread::sleep(Duration::from_secs(RECORD_SECS));
    press_hotkey(world)?;
    let (_, line) = wait_line(lines, "app: frame times while recording")?;
    let field = |name: &str| -> Result<f64> {
        let at = line
            .find(&format!("{name}="))
            .ok_or_else(|| fail(format!("no {name} in {line:?}")))?;
        let rest = &line[at + name.len() + 1..];
        let number: String = rest
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        number
            .parse()
            .map_err(|_| fail(format!("cannot read {name} in {line:?}")))
    };
    let frames = Frames {
        count: field("frames")? as u64,
        p50_ms: field("p50_ms")?,
        p99_ms: field("p99_ms")?,
        max_ms: field("max_ms")?,
    };
    Ok((launch, hotkey, frames))
}

/// The line without terminal colour codes (`ESC [ … letter`).
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_codes_are_stripped() {
        let line = "\u{1b}[3mframes\u{1b}[0m\u{1b}[2m=\u{1b}[0m12 \u{1b}[3mp50_ms\u{1b}[0m=1.5";
        assert_eq!(super::plain(line), "frames=12 p50_ms=1.5");
    }
}
