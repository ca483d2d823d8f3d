//! Scene 3 of `bench record`: a code walkthrough's size per minute and its legibility beside a
//! lossless screenshot of the same screen.

use std::path::Path;
use std::process::Command;

use super::table::mib;
use super::{Action, Clipnote, Stage, Tool, last_float_after, measure};
use crate::{Result, fail};

/// The `ffmpeg` CLI's usual settings for a screen recording, for the walkthrough's reference
/// (on Wayland, wf-recorder gets their equivalent).
#[rustfmt::skip]
const FFMPEG_USUAL_ARGS: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac",
    "-b:a", "128k", "-ac", "2",
];
/// The part of the screen compared for legibility: all but the bottom-right corner, where the
/// mouse pointer rests (the clip draws it, a screenshot does not).
const COMPARE_CROP: &str = "crop=1888:1048:0:0";

/// The walkthrough: a code editor scrolled one line every 3 s, held still around the middle
/// where a lossless screenshot is taken; the clip's frame at that moment is compared with it.
pub(super) fn run(
    stage: &dyn Stage,
    clipnote: &Clipnote,
    secs: u32,
    out_dir: &Path,
) -> Result<bool> {
    let total = f64::from(secs);
    let shot_at = (total / 2.0).floor();
    // Still from 4 s before the screenshot to 6 s after it: the clip's clock starts when capture
    // opens, up to ~2 s after launch, so its frame at `shot_at` falls inside the still span.
    let (hold_from, hold_to) = (shot_at - 4.0, shot_at + 6.0);
    let usual: Vec<String> = FFMPEG_USUAL_ARGS.iter().map(|s| s.to_string()).collect();
    let mut rows = Vec::new();
    let mut ok = true;
    for (tool, args) in [
        (Tool::Clipnote, clipnote.encoder_args.clone()),
        (Tool::Peer, usual),
    ] {
        let name = tool.name(stage);
        let shot = out_dir.join(format!("walkthrough-{name}-screenshot.png"));
        let mut actions: Vec<(f64, Action)> = (1..)
            .map(|i| f64::from(i) * 3.0)
            .take_while(|t| *t < total)
            .filter(|t| *t < hold_from || *t > hold_to)
            .map(|t| (t, Action::Key("ctrl+e")))
            .collect();
        actions.push((shot_at, Action::Screenshot(shot.clone())));
        actions.sort_by(|a, b| a.0.total_cmp(&b.0));
        let _editor = stage.start_editor(false)?;
        let out = out_dir.join(format!("walkthrough-{name}.mp4"));
        let run = measure(stage, clipnote, tool, &args, secs, &out, &actions);
        let legibility = match &run {
            Ok(_) => compare(&out, &shot, shot_at, out_dir, name),
            Err(e) => Err(e.clone()),
        };
        let settings = match tool {
            Tool::Clipnote => args.join(" "),
            Tool::Peer => stage.peer_settings(&args),
        };
        rows.push((name, settings, run, legibility));
    }

    println!(
        "\ncode walkthrough, {secs} s at 1920x1080 ({}, one line scrolled every 3 s, tone on the \
         mic)",
        stage.editor_name()
    );
    println!(
        "  legibility: the clip's frame at {shot_at:.0} s against a lossless screenshot taken at \
         that moment (screen unchanged from {hold_from:.0} to {hold_to:.0} s), luma only, \
         pointer corner excluded; SSIM 1 = identical"
    );
    for (tool, args, run, legibility) in &rows {
        match run {
            Ok(run) => {
                let mib_per_min = mib(run.size_bytes) * 60.0 / total;
                let legibility = match legibility {
                    Ok((ssim, psnr)) => format!("SSIM {ssim:.4}, PSNR {psnr:.1} dB"),
                    Err(e) => format!("not measured: {e}"),
                };
                println!("  {tool:<11} {mib_per_min:>5.2} MiB/min   {legibility}   ({args})");
                if *tool == "clipnote" && mib_per_min > 1.7 {
                    println!("  MISS  clipnote spends {mib_per_min:.2} MiB/min; target <= 1.7");
                    ok = false;
                }
            }
            Err(e) => {
                println!("  {tool:<11} failed: {e}");
                ok = false;
            }
        }
    }
    Ok(ok)
}

/// Extracts the frame the clip shows at `at_secs` and compares its luma with the screenshot's;
/// saves a side-by-side crop of both for a person to look at.
fn compare(
    clip: &Path,
    shot: &Path,
    at_secs: f64,
    out_dir: &Path,
    tool: &str,
) -> Result<(f64, f64)> {
    let frame = out_dir.join(format!("walkthrough-{tool}-frame.png"));
    let _ = std::fs::remove_file(&frame);
    // The last frame that starts at or before `at_secs`, each decoded frame written over the
    // last: a recorder that takes frames only when the screen changes (wf-recorder) may have
    // none at `at_secs` itself while the screen was still.
    crate::run_checked(
        Command::new("ffmpeg")
            .args(["-nostdin", "-y", "-v", "error"])
            .args(["-t", &format!("{}", at_secs + 1.0), "-i"])
            .arg(clip)
            .args(["-an", "-vf", &format!("trim=end={}", at_secs + 0.001)])
            .args(["-update", "1"])
            .arg(&frame),
    )?;
    if !frame.exists() {
        return Err(fail(format!(
            "{} has no video frame at or before {at_secs} s",
            clip.display()
        )));
    }
    let metric = |filter: &str, key: &str| -> Result<f64> {
        let graph = format!(
            "[0:v]{COMPARE_CROP},format=gray[a];[1:v]{COMPARE_CROP},format=gray[b];[a][b]{filter}"
        );
        let out = Command::new("ffmpeg")
            .args(["-nostdin", "-hide_banner", "-i"])
            .arg(shot)
            .arg("-i")
            .arg(&frame)
            .args(["-lavfi", &graph, "-f", "null", "-"])
            .output()
            .map_err(|e| fail(format!("cannot run ffmpeg: {e}")))?;
        let text = String::from_utf8_lossy(&out.stderr);
        last_float_after(&text, key)
            .ok_or_else(|| fail(format!("ffmpeg printed no {filter} figure: {text}")))
    };
    let ssim = metric("ssim", "All:")?;
    let psnr = metric("psnr", "average:")?;
    let side_by_side = out_dir.join(format!("walkthrough-{tool}-zoom.png"));
    let _ = Command::new("convert")
        .arg(shot)
        .arg(&frame)
        .args(["-crop", "640x240+0+0", "+repage", "-append"])
        .arg(&side_by_side)
        .status();
    Ok((ssim, psnr))
}
