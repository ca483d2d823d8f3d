//! `cargo xtask bench record`: what recording costs, measured against the `ffmpeg` CLI.
//!
//! Inside the test world it records `--seconds` (20) of 1920×1080 @ 30 twice per tool:
//! full motion (the world's scrolling `testsrc2`, every pixel changes every frame) and a still
//! editor (vim in a full-screen xterm, cursor blinking, one line scrolled every 4 s). Each
//! recorder runs as our child and is reaped with `wait4`, which gives its CPU time
//! (user + system, all threads) and peak RSS. Then it records a `--walkthrough-seconds` (60)
//! code walkthrough and prints MiB per minute and how close a frame of the clip is to a
//! lossless screenshot of the same screen.
//!
//! A benchmark, not a test: it prints figures and the product's targets beside them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::proc::{self, Bg, Usage};
use crate::world::{self, World};
use crate::{Result, fail};

mod app;
mod player;
mod post;
mod table;
use table::{check_targets, mib, print_table};

const BENCHES: &str = "the benches are: record, post, app, player";
const HELP: &str = "\
usage: cargo xtask bench record [--seconds N] [--walkthrough-seconds N] [--clipnote PATH]
       cargo xtask bench post   [--clip PATH] [--runs N]  (posting to the fakes on loopback)
       cargo xtask bench app    (the desktop app: launch, hotkey latency, frame times)
       cargo xtask bench player (1080p30 at 2x for 30 s, beside ffmpeg's decode floor)

  --seconds N               length of each full-motion / still recording (default 20; 0 skips)
  --walkthrough-seconds N   length of the code walkthrough (default 60; 0 skips it)
  --clipnote PATH           benchmark this binary instead of building `clipnote` (release)
";
/// What the `ffmpeg` CLI encodes with when `clipnote` cannot say what it uses: a copy of
/// capture's `EncoderProfile::default()` (veryfast, CRF 28, tune stillimage, a keyframe every
/// 10 s, no B-frames, FAST_BILINEAR colour conversion, mono AAC 64 kb/s at 48 kHz). A copy can go
/// stale; `clipnote record --print-encoder-settings` would end that.
#[rustfmt::skip]
const PROFILE_COPY: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-tune", "stillimage", "-g", "300",
    "-bf", "0", "-sws_flags", "fast_bilinear", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a",
    "64k", "-ac", "1", "-ar", "48000",
];
/// The `ffmpeg` CLI's usual settings for a screen recording, for the walkthrough's reference.
#[rustfmt::skip]
const FFMPEG_USUAL_ARGS: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac",
    "-b:a", "128k", "-ac", "2",
];
const EDITOR_TITLE: &str = "clipnote-bench-editor";
/// The part of the screen compared for legibility: all but the bottom-right corner, where the
/// mouse pointer rests (the clip draws it, a screenshot does not).
const COMPARE_CROP: &str = "crop=1888:1048:0:0";

pub fn main(args: &[String]) -> Result<i32> {
    match args.first().map(String::as_str) {
        Some("record") => record(&Options::parse(&args[1..])?),
        Some("app") => app::run(),
        Some("post") => post::run(&args[1..]),
        Some("player") => player::run(),
        Some("-h" | "--help") | None => {
            print!("{HELP}");
            Ok(0)
        }
        Some(other) => Err(fail(format!("unknown bench `{other}`; {BENCHES}"))),
    }
}

#[derive(Debug)]
struct Options {
    seconds: u32,
    walkthrough_secs: u32,
    clipnote: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            seconds: 20,
            walkthrough_secs: 60,
            clipnote: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next().ok_or_else(|| {
                    fail(format!(
                        "{arg} needs a value; see `cargo xtask bench --help`"
                    ))
                })
            };
            let number = |v: &String| {
                v.parse::<u32>()
                    .map_err(|_| fail(format!("{arg} takes whole seconds, not `{v}`")))
            };
            match arg.as_str() {
                "--seconds" => options.seconds = number(value()?)?,
                "--walkthrough-seconds" => options.walkthrough_secs = number(value()?)?,
                "--clipnote" => options.clipnote = Some(PathBuf::from(value()?)),
                other => {
                    return Err(fail(format!(
                        "unknown option `{other}`; see `cargo xtask bench --help`"
                    )));
                }
            }
        }
        Ok(options)
    }
}

/// The recorder under test and what it can tell us about itself.
struct Clipnote {
    path: PathBuf,
    json: bool,
    encoder_args: Vec<String>,
}

impl Clipnote {
    fn find(options: &Options) -> Result<Clipnote> {
        let path = match &options.clipnote {
            Some(path) => path.clone(),
            None => {
                eprintln!("xtask: building clipnote (release): cargo build --release -p app");
                crate::run_checked(crate::cargo().args(["build", "--release", "-p", "app"]))?;
                crate::target_dir().join("release").join("clipnote")
            }
        };
        let help = Command::new(&path)
            .args(["record", "--help"])
            .output()
            .map_err(|e| fail(format!("cannot run {}: {e}", path.display())))?;
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        let mut encoder_args: Vec<String> = PROFILE_COPY.iter().map(|s| s.to_string()).collect();
        if !help.contains("--print-encoder-settings") {
            eprintln!(
                "xtask: clipnote has no `record --print-encoder-settings`; the ffmpeg CLI uses \
                 xtask's copy of clipnote's encoder profile (bench.rs PROFILE_COPY), which may \
                 be stale"
            );
        } else {
            // Expected: the equivalent `ffmpeg` output options on stdout, e.g.
            // `-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p -c:a aac -b:a 64k -ac 1`.
            let out = Command::new(&path)
                .args(["record", "--print-encoder-settings"])
                .output()
                .map_err(|e| fail(format!("cannot run {}: {e}", path.display())))?;
            let text = String::from_utf8_lossy(&out.stdout);
            if out.status.success() && text.trim_start().starts_with('-') {
                encoder_args = text.split_whitespace().map(str::to_owned).collect();
            } else {
                eprintln!(
                    "xtask: `clipnote record --print-encoder-settings` gave no ffmpeg options; \
                     using xtask's copy of clipnote's encoder profile"
                );
            }
        }
        Ok(Clipnote {
            path,
            json: help.contains("--json"),
            encoder_args,
        })
    }
}

/// Something to do at an offset from the start of a recording.
#[derive(Debug, Clone)]
enum Action {
    Key(&'static str),
    Screenshot(PathBuf),
}

/// One measured recording.
#[derive(Debug)]
struct Run {
    usage: Usage,
    size_bytes: u64,
    dropped_frames: Option<u64>,
    /// Frames clipnote found unchanged and did not convert (it reports them; ffmpeg does not).
    unchanged_frames: Option<u64>,
    frames_in_file: Option<u64>,
    /// Frames that differ from the one before (FFmpeg's `mpdecimate`, default thresholds): how
    /// much the screen really moved, e.g. when the content player could not keep 30 fps.
    changed_frames: Option<u64>,
    duration_secs: Option<f64>,
}

fn record(options: &Options) -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::WORLD, &["vim"]])?;
    let clipnote = Clipnote::find(options)?;
    let out_dir = crate::target_dir()
        .join("bench")
        .join(format!("record-{}", std::process::id()));
    fs::create_dir_all(&out_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", out_dir.display())))?;
    let mut world = World::start(&crate::target_dir())?;
    eprintln!(
        "xtask: ffmpeg CLI encodes with: {}",
        clipnote.encoder_args.join(" ")
    );
    let secs = options.seconds;
    let mut ok = true;
    if secs > 0 {
        ok &= motion_and_still(&mut world, &clipnote, secs, &out_dir)?;
    }
    if options.walkthrough_secs > 0 {
        world.stop_content(); // the editor covers the screen; ffplay would only cost CPU
        ok &= walkthrough(&world, &clipnote, options.walkthrough_secs, &out_dir)?;
    }
    println!("\nclips, logs and frames are in {}", out_dir.display());
    Ok(if ok { 0 } else { 1 })
}

/// Scenes 1 and 2: full motion, then a still editor, each with clipnote and the ffmpeg CLI.
fn motion_and_still(
    world: &mut World,
    clipnote: &Clipnote,
    secs: u32,
    out_dir: &Path,
) -> Result<bool> {
    let mut rows: Vec<(String, &str, Result<Run>)> = Vec::new();
    let motion = format!("full motion {secs} s");
    std::thread::sleep(Duration::from_secs(1));
    for tool in ["clipnote", "ffmpeg"] {
        let out = out_dir.join(format!("motion-{tool}.mp4"));
        let run = measure(
            world,
            clipnote,
            tool,
            &clipnote.encoder_args,
            secs,
            &out,
            &[],
        );
        rows.push((motion.clone(), tool, run));
    }

    world.stop_content();
    let still = format!("still editor {secs} s");
    let scrolls: Vec<(f64, Action)> = (1..)
        .map(|i| f64::from(i) * 4.0)
        .take_while(|t| *t < f64::from(secs))
        .map(|t| (t, Action::Key("ctrl+e")))
        .collect();
    for tool in ["clipnote", "ffmpeg"] {
        let _editor = start_editor(world, true)?;
        let out = out_dir.join(format!("still-{tool}.mp4"));
        let run = measure(
            world,
            clipnote,
            tool,
            &clipnote.encoder_args,
            secs,
            &out,
            &scrolls,
        );
        rows.push((still.clone(), tool, run));
    }
    print_table(&rows);
    Ok(check_targets(&rows, &motion, &still))
}

/// Records `secs` with `tool` while `actions` happen, and measures the recorder.
fn measure(
    world: &World,
    clipnote: &Clipnote,
    tool: &str,
    encoder_args: &[String],
    secs: u32,
    out: &Path,
    actions: &[(f64, Action)],
) -> Result<Run> {
    let _ = fs::remove_file(out);
    let mut cmd = if tool == "clipnote" {
        let mut cmd = world.command(&clipnote.path.display().to_string());
        cmd.args([
            "record",
            "--seconds",
            &secs.to_string(),
            "--mic",
            world::MIC,
        ])
        .arg("--out")
        .arg(out);
        if clipnote.json {
            cmd.arg("--json");
        }
        cmd
    } else {
        let mut cmd = world.command("ffmpeg");
        cmd.args(["-nostdin", "-y", "-hide_banner", "-loglevel", "info"])
            .args([
                "-thread_queue_size",
                "1024",
                "-f",
                "pulse",
                "-i",
                world::MIC,
            ])
            .args([
                "-thread_queue_size",
                "1024",
                "-f",
                "x11grab",
                "-framerate",
                "30",
            ])
            .args([
                "-video_size",
                &format!("{}x{}", world::WIDTH, world::HEIGHT),
            ])
            .args([
                "-draw_mouse",
                "1",
                "-i",
                &format!(":{}.0+0,0", world.display),
            ])
            .args(["-map", "1:v", "-map", "0:a"])
            .args(encoder_args)
            .args(["-t", &secs.to_string(), "-movflags", "+faststart"])
            .arg(out);
        cmd
    };
    let stdout_path = out.with_extension("stdout.log");
    let stderr_path = out.with_extension("stderr.log");
    let file = |p: &Path| {
        fs::File::create(p).map_err(|e| fail(format!("cannot create {}: {e}", p.display())))
    };
    cmd.stdin(Stdio::null())
        .stdout(file(&stdout_path)?)
        .stderr(file(&stderr_path)?);
    eprintln!("xtask: recording {secs} s with {tool} -> {}", out.display());

    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| fail(format!("cannot start {tool}: {e}")))?;
    let done = AtomicBool::new(false);
    let usage = std::thread::scope(|scope| {
        let actor = std::thread::Builder::new()
            .name("bench-actions".into())
            .spawn_scoped(scope, || perform(world.env(), actions, started, &done))
            .map_err(|e| fail(format!("cannot start the action thread: {e}")))?;
        let usage = proc::wait_measured(child, started);
        done.store(true, Ordering::SeqCst);
        let _ = actor.join();
        usage
    })?;

    let stdout = fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    if !usage.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(fail(format!(
            "{tool} failed ({}):\n      {}",
            usage.status,
            tail.join("\n      ")
        )));
    }
    let dropped_frames = if tool == "clipnote" {
        last_number_after(&stdout, "\"dropped_frames\":")
    } else {
        // ffmpeg prints `drop=N` in its progress line only once a frame was dropped.
        last_number_after(&stderr, "drop=").or(Some(0))
    };
    let (frames_in_file, duration_secs) = probe(out);
    Ok(Run {
        usage,
        size_bytes: fs::metadata(out).map(|m| m.len()).unwrap_or(0),
        dropped_frames,
        unchanged_frames: last_number_after(&stdout, "\"frames_unchanged\":"),
        changed_frames: changed_frames(out),
        frames_in_file,
        duration_secs,
    })
}

/// Runs `actions` (key presses, screenshots) at their offsets from `started` until `done`.
fn perform(
    env: Vec<(String, String)>,
    actions: &[(f64, Action)],
    started: Instant,
    done: &AtomicBool,
) {
    for (at_secs, action) in actions {
        while started.elapsed().as_secs_f64() < *at_secs {
            if done.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut cmd = match action {
            Action::Key(key) => {
                let mut cmd = Command::new("xdotool");
                cmd.args(["key", key]);
                cmd
            }
            Action::Screenshot(png) => {
                let mut cmd = Command::new("import");
                cmd.args(["-window", "root"]).arg(png);
                cmd
            }
        };
        let status = cmd
            .envs(env.iter().cloned())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("xtask: warning: {action:?} at {at_secs} s failed");
        }
    }
}

/// vim showing this crate's world.rs in a full-screen xterm with a dark theme, focused, the
/// pointer parked in the bottom-right corner.
fn start_editor(world: &World, blink: bool) -> Result<Bg> {
    let source = crate::root().join("xtask").join("src").join("world.rs");
    let source = source.display().to_string();
    let mut args = vec![
        "-maximized",
        "-fa",
        "DejaVu Sans Mono",
        "-fs",
        "11",
        "-bg",
        "#1e1e1e",
        "-fg",
        "#d4d4d4",
    ];
    if blink {
        args.push("-bc");
    }
    args.extend([
        "-T",
        EDITOR_TITLE,
        "-e",
        "vim",
        "-R",
        "-n",
        "-i",
        "NONE",
        "-u",
        "NONE",
    ]);
    args.extend(["-c", "set background=dark", "-c", "syntax on"]);
    args.extend(["-c", "set number laststatus=2 ruler", &source]);
    let mut editor = world.spawn("editor", "xterm", &args)?;
    world.wait_window(EDITOR_TITLE, &mut editor)?;
    let xdotool = |args: &[&str]| crate::run_checked(world.command("xdotool").args(args));
    xdotool(&["search", "--name", EDITOR_TITLE, "windowfocus", "--sync"])?;
    xdotool(&["mousemove", "1919", "1079"])?;
    std::thread::sleep(Duration::from_millis(800)); // vim draws
    Ok(editor)
}

/// The walkthrough: a code editor scrolled one line every 3 s, held still around the middle
/// where a lossless screenshot is taken; the clip's frame at that moment is compared with it.
fn walkthrough(world: &World, clipnote: &Clipnote, secs: u32, out_dir: &Path) -> Result<bool> {
    let total = f64::from(secs);
    let shot_at = (total / 2.0).floor();
    // Still from 4 s before the screenshot to 6 s after it: the clip's clock starts when capture
    // opens, up to ~2 s after launch, so its frame at `shot_at` falls inside the still span.
    let (hold_from, hold_to) = (shot_at - 4.0, shot_at + 6.0);
    let mut rows = Vec::new();
    let mut ok = true;
    for (tool, args) in [
        ("clipnote", clipnote.encoder_args.clone()),
        (
            "ffmpeg",
            FFMPEG_USUAL_ARGS.iter().map(|s| s.to_string()).collect(),
        ),
    ] {
        let shot = out_dir.join(format!("walkthrough-{tool}-screenshot.png"));
        let mut actions: Vec<(f64, Action)> = (1..)
            .map(|i| f64::from(i) * 3.0)
            .take_while(|t| *t < total)
            .filter(|t| *t < hold_from || *t > hold_to)
            .map(|t| (t, Action::Key("ctrl+e")))
            .collect();
        actions.push((shot_at, Action::Screenshot(shot.clone())));
        actions.sort_by(|a, b| a.0.total_cmp(&b.0));
        let _editor = start_editor(world, false)?;
        let out = out_dir.join(format!("walkthrough-{tool}.mp4"));
        let run = measure(world, clipnote, tool, &args, secs, &out, &actions);
        let legibility = match &run {
            Ok(_) => compare(&out, &shot, shot_at, out_dir, tool),
            Err(e) => Err(e.clone()),
        };
        rows.push((tool, args.join(" "), run, legibility));
    }

    println!(
        "\ncode walkthrough, {secs} s at 1920x1080 (vim in xterm, one line scrolled every 3 s, tone on the mic)"
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
                println!("  {tool:<9} {mib_per_min:>5.2} MiB/min   {legibility}   ({args})");
                if *tool == "clipnote" && mib_per_min > 1.7 {
                    println!("  MISS  clipnote spends {mib_per_min:.2} MiB/min; target <= 1.7");
                    ok = false;
                }
            }
            Err(e) => {
                println!("  {tool:<9} failed: {e}");
                ok = false;
            }
        }
    }
    Ok(ok)
}

/// Extracts the clip's frame at `at_secs` and compares its luma with the screenshot's;
/// saves a side-by-side crop of both for a person to look at.
fn compare(
    clip: &Path,
    shot: &Path,
    at_secs: f64,
    out_dir: &Path,
    tool: &str,
) -> Result<(f64, f64)> {
    let frame = out_dir.join(format!("walkthrough-{tool}-frame.png"));
    crate::run_checked(
        Command::new("ffmpeg")
            .args([
                "-nostdin",
                "-y",
                "-v",
                "error",
                "-ss",
                &format!("{at_secs}"),
                "-i",
            ])
            .arg(clip)
            .args(["-frames:v", "1"])
            .arg(&frame),
    )?;
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

/// Frames of `clip` that differ from the one before, by FFmpeg's `mpdecimate` filter.
fn changed_frames(clip: &Path) -> Option<u64> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-nostats", "-i"])
        .arg(clip)
        .args(["-an", "-vf", "mpdecimate", "-f", "framecrc", "-"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let frames = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .count();
    Some(frames as u64)
}

/// Frames and duration of the clip's video stream, read back with ffprobe.
fn probe(clip: &Path) -> (Option<u64>, Option<f64>) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_packets"])
        .args(["-show_entries", "stream=nb_read_packets:format=duration"])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(clip)
        .output();
    let Ok(out) = out else { return (None, None) };
    let text = String::from_utf8_lossy(&out.stdout);
    (
        last_number_after(&text, "nb_read_packets="),
        last_float_after(&text, "duration="),
    )
}

fn last_number_after(text: &str, key: &str) -> Option<u64> {
    let at = text.rfind(key)? + key.len();
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn last_float_after(text: &str, key: &str) -> Option<f64> {
    let at = text.rfind(key)? + key.len();
    let number: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_figure_a_tool_printed() {
        let ffmpeg = "frame=  60 dup=0 drop=2 speed=1x\rframe= 600 dup=1 drop=7 speed=1x\n";
        assert_eq!(last_number_after(ffmpeg, "drop="), Some(7));
        let clipnote = "{\"path\":\"a.mp4\",\"dropped_frames\": 3,\"secs\":20}";
        assert_eq!(last_number_after(clipnote, "\"dropped_frames\":"), Some(3));
        assert_eq!(last_number_after("no figure", "drop="), None);
        let ssim = "[Parsed_ssim_4 @ 0x1] SSIM Y:0.991 (20.4) All:0.991234 (20.5)";
        assert_eq!(last_float_after(ssim, "All:"), Some(0.991234));
    }

    #[test]
    fn options_have_defaults_and_reject_what_they_do_not_know() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let o = Options::parse(&args(&[])).unwrap();
        assert_eq!((o.seconds, o.walkthrough_secs), (20, 60));
        let o = Options::parse(&args(&["--seconds", "5", "--walkthrough-seconds", "0"])).unwrap();
        assert_eq!((o.seconds, o.walkthrough_secs), (5, 0));
        assert!(Options::parse(&args(&["--seconds"])).is_err());
        assert!(Options::parse(&args(&["--seconds", "five"])).is_err());
        assert!(Options::parse(&args(&["--fast"])).is_err());
    }
}
