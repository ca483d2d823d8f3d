//! `cargo xtask bench recover`: how long `clipnote recover` takes to make a 10-minute recording
//! a crash cut off into a clip that plays (target ≤ 2 s), beside the `ffmpeg` CLI doing the
//! least the same job needs (a stream copy into an index-first MP4, no check that it plays).
//!
//! The unfinished recording is made once and cached (`<target>/bench/recover/`): 10 minutes of
//! 1920×1080 30 fps H.264 + AAC, fragmented every half second as `clipnote record` writes it,
//! then cut mid-fragment as a power cut leaves it. Each run recovers a fresh copy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{Result, fail, output_checked, target_dir};

const RUNS: usize = 3;
const MINUTES: u32 = 10;
const TARGET_SECS: f64 = 2.0;

pub fn run(args: &[String]) -> Result<i32> {
    if !args.is_empty() {
        return Err(fail(format!(
            "bench recover takes no options, not `{}`",
            args.join(" ")
        )));
    }
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::RUN])?;
    let clipnote = super::app::build_debug_app()?;
    let dir = target_dir().join("bench").join("recover");
    let source = unfinished_recording(&dir)?;
    let mib = std::fs::metadata(&source).map_or(0, |m| m.len()) as f64 / (1024.0 * 1024.0);

    let mut ours = Vec::new();
    let mut peer = Vec::new();
    for run in 0..RUNS {
        let library = dir.join(format!("run-{run}"));
        let _ = std::fs::remove_dir_all(&library);
        std::fs::create_dir_all(&library)
            .map_err(|e| fail(format!("cannot create {}: {e}", library.display())))?;
        let partial = library.join("clip-bench.recording.mp4");
        copy(&source, &partial)?;
        let t = Instant::now();
        let out = output_checked(
            Command::new(&clipnote)
                .args(["recover", "--json"])
                .env("CLIPNOTE_LIBRARY_DIR", &library),
        )?;
        ours.push(t.elapsed().as_secs_f64());
        let secs = duration_secs(&String::from_utf8_lossy(&out));
        if secs < f64::from(MINUTES) * 60.0 - 5.0 {
            return Err(fail(format!(
                "clipnote recover kept only {secs:.1} s of the {MINUTES}-minute recording"
            )));
        }

        let copied = library.join("peer.recording.mp4");
        copy(&source, &copied)?;
        let t = Instant::now();
        // The peer stops at the cut with an error, as a crash leaves the file: its output is
        // what counts, so its exit status is not.
        let _ = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "quiet", "-y", "-i"])
            .arg(&copied)
            .args(["-c", "copy", "-movflags", "+faststart"])
            .arg(library.join("peer.mp4"))
            .status()
            .map_err(|e| fail(format!("cannot run ffmpeg: {e}")))?;
        peer.push(t.elapsed().as_secs_f64());
        eprintln!(
            "xtask: run {}: clipnote recover {:.2} s ({secs:.1} s kept), ffmpeg -c copy {:.2} s",
            run + 1,
            ours[run],
            peer[run]
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, peer) = (median(&mut ours), median(&mut peer));
    let met = ours <= TARGET_SECS;
    println!(
        "recover a {MINUTES}-minute unfinished recording (1920x1080 30 fps + AAC, {mib:.0} MiB, cut mid-fragment; debug build, deps optimised; {RUNS} runs, medians)"
    );
    println!(
        "  clipnote recover (finalise + check it plays)  {ours:>6.2} s   target ≤ {TARGET_SECS} s   {}",
        if met { "MET" } else { "MISS" }
    );
    println!(
        "  ffmpeg -c copy -movflags +faststart           {peer:>6.2} s   ratio {:.2}x",
        ours / peer.max(1e-9)
    );
    Ok(if met { 0 } else { 1 })
}

/// The first `"duration_secs": N` in `clipnote recover --json`'s answer (0 when there is none).
fn duration_secs(json: &str) -> f64 {
    json.split("\"duration_secs\":")
        .nth(1)
        .and_then(|rest| {
            rest.trim_start()
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .next()
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0)
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| {
        fail(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

/// The cached unfinished recording: made with the `ffmpeg` CLI the first time.
fn unfinished_recording(dir: &Path) -> Result<PathBuf> {
    let path = dir.join(format!("{MINUTES}min.recording.mp4"));
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    eprintln!("xtask: making a {MINUTES}-minute fragmented recording once (a few minutes)");
    let whole = dir.join("whole.part.mp4");
    let secs = (MINUTES * 60).to_string();
    output_checked(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc=size=1920x1080:rate=30:duration={secs}"))
            .args(["-f", "lavfi", "-i"])
            .arg(format!(
                "sine=frequency=440:sample_rate=48000:duration={secs}"
            ))
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "28"])
            .args([
                "-pix_fmt", "yuv420p", "-g", "30", "-c:a", "aac", "-b:a", "96k",
            ])
            .args(["-movflags", "frag_keyframe+empty_moov+default_base_moof"])
            .args(["-frag_duration", "500000"])
            .arg(&whole),
    )?;
    // Cut mid-fragment, as a power cut leaves it.
    let len = std::fs::metadata(&whole)
        .map_err(|e| fail(format!("cannot read {}: {e}", whole.display())))?
        .len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&whole)
        .map_err(|e| fail(format!("cannot open {}: {e}", whole.display())))?;
    file.set_len(len - 40_000)
        .map_err(|e| fail(format!("cannot cut {}: {e}", whole.display())))?;
    std::fs::rename(&whole, &path)
        .map_err(|e| fail(format!("cannot rename {}: {e}", whole.display())))?;
    Ok(path)
}
