//! `cargo xtask bench record`: what recording costs, measured against a peer recorder: the
//! `ffmpeg` CLI on X11, `wf-recorder` on Wayland (`--backend wayland`).
//!
//! Inside the test world it records `--seconds` (20) of 1920×1080 @ 30 twice per tool:
//! full motion (the world's scrolling `testsrc2`, every pixel changes every frame) and a still
//! editor (vim in a full-screen terminal, cursor blinking, one line scrolled every 4 s). Each
//! recorder runs as our child and is reaped with `wait4`, which gives its CPU time
//! (user + system, all threads) and peak RSS. Then it records a `--walkthrough-seconds` (60)
//! code walkthrough and prints MiB per minute and how close a frame of the clip is to a
//! lossless screenshot of the same screen.
//!
//! What differs between the backends (the world, the peer's command, the editor's terminal, how
//! keys are pressed) is a [`Stage`] (x11.rs, wayland.rs); the scenes, the measuring, the table
//! and the targets are shared.
//!
//! A benchmark, not a test: it prints figures and the product's targets beside them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::proc::{self, Bg, Usage};
use crate::world;
use crate::{Result, fail};

mod app;
mod app_draft;
mod app_wayland;
mod draft;
mod player;
mod post;
mod recover;
mod storage;
mod table;
mod transcribe;
mod walkthrough;
mod wayland;
mod x11;
use table::{check_targets, print_services, print_table};

const BENCHES: &str =
    "the benches are: record, post, app, player, recover, transcribe, storage, draft";
const HELP: &str = "\
usage: cargo xtask bench record [--backend x11|wayland] [--seconds N] [--walkthrough-seconds N]
                                [--clipnote PATH]
       cargo xtask bench post   [--clip PATH] [--runs N]  (posting to the fakes on loopback)
       cargo xtask bench app [--backend x11|wayland] [--clipnote PATH]
                                (the desktop app: launch, hotkey latency, frame times)
       cargo xtask bench player (1080p30 at 2x for 30 s, beside ffmpeg's decode floor)
       cargo xtask bench recover (a 10-minute recording a crash cut off, made whole, beside
                                `ffmpeg -c copy`)
       cargo xtask bench storage [--clipnote PATH] (a 200 MiB clip to a local SeaweedFS beside
                                boto3, a resume after kill -9, an inbox of 10,000 clips)
       cargo xtask bench draft  (the written update from a 1-, 3- and 10-minute spoken one, by
                                the local language model and by the extractive method)

  --backend x11|wayland     record in the X11 world beside the ffmpeg CLI (default), or in the
                            Wayland world (sway, the ScreenCast portal) beside wf-recorder
  --seconds N               length of each full-motion / still recording (default 20; 0 skips)
  --walkthrough-seconds N   length of the code walkthrough (default 60; 0 skips it)
  --clipnote PATH           benchmark this binary instead of building `clipnote` (release)
";
/// What the peer encodes with when `clipnote` cannot say what it uses: a copy of
/// capture's `EncoderProfile::default()` (veryfast, CRF 28, tune stillimage, a keyframe every
/// 10 s, no B-frames, FAST_BILINEAR colour conversion, mono AAC 64 kb/s at 48 kHz). A copy can go
/// stale; `clipnote record --print-encoder-settings` would end that.
#[rustfmt::skip]
const PROFILE_COPY: &[&str] = &[
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-tune", "stillimage", "-g", "300",
    "-bf", "0", "-sws_flags", "fast_bilinear", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a",
    "64k", "-ac", "1", "-ar", "48000",
];
/// vim read-only with a dark theme, syntax colours, line numbers and a ruler; the file to show
/// follows ([`editor_source`]).
#[rustfmt::skip]
const VIM: &[&str] = &[
    "vim", "-R", "-n", "-i", "NONE", "-u", "NONE", "-c", "set background=dark", "-c",
    "syntax on", "-c", "set number laststatus=2 ruler",
];
/// The longest a recording may take beyond its seconds before it is killed: a hung recorder
/// must not hang the bench.
const OVERTIME: Duration = Duration::from_secs(90);

pub fn main(args: &[String]) -> Result<i32> {
    match args.first().map(String::as_str) {
        Some("record") => record(&Options::parse(&args[1..])?),
        Some("app") => app::run(&args[1..]),
        Some("post") => post::run(&args[1..]),
        Some("player") => player::run(),
        Some("recover") => recover::run(&args[1..]),
        Some("transcribe") => transcribe::run(&args[1..]),
        Some("storage") => storage::run(&args[1..]),
        Some("draft") => draft::run(&args[1..]),
        Some("-h" | "--help") | None => {
            print!("{HELP}{}", transcribe::HELP);
            Ok(0)
        }
        Some(other) => Err(fail(format!("unknown bench `{other}`; {BENCHES}"))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    X11,
    Wayland,
}

#[derive(Debug)]
struct Options {
    backend: Backend,
    seconds: u32,
    walkthrough_secs: u32,
    clipnote: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            backend: Backend::X11,
            seconds: 20,
            walkthrough_secs: 60,
            clipnote: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || option_value(&mut args, arg);
            let number = |v: &String| whole_seconds(arg, v);
            match arg.as_str() {
                "--backend" => {
                    options.backend = match value()?.as_str() {
                        "x11" => Backend::X11,
                        "wayland" => Backend::Wayland,
                        other => {
                            return Err(fail(format!(
                                "--backend takes x11 or wayland, not `{other}`"
                            )));
                        }
                    }
                }
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

/// The value after an option (`--seconds 20`).
fn option_value<'a>(args: &mut std::slice::Iter<'a, String>, option: &str) -> Result<&'a String> {
    args.next().ok_or_else(|| {
        fail(format!(
            "{option} needs a value; see `cargo xtask bench --help`"
        ))
    })
}

/// An option's value as whole seconds.
fn whole_seconds(option: &str, value: &str) -> Result<u32> {
    value
        .parse::<u32>()
        .map_err(|_| fail(format!("{option} takes whole seconds, not `{value}`")))
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
            None => release_clipnote()?,
        };
        let help = Command::new(&path)
            .args(["record", "--help"])
            .output()
            .map_err(|e| fail(format!("cannot run {}: {e}", path.display())))?;
        let help = String::from_utf8_lossy(&help.stdout).into_owned();
        if options.backend == Backend::Wayland && !help.contains("--backend") {
            return Err(fail(format!(
                "{} has no `record --backend`, so it cannot be told to record through the \
                 Wayland portal; benchmark a build with the Wayland backend",
                path.display()
            )));
        }
        let mut encoder_args: Vec<String> = PROFILE_COPY.iter().map(|s| s.to_string()).collect();
        if !help.contains("--print-encoder-settings") {
            eprintln!(
                "xtask: clipnote has no `record --print-encoder-settings`; the peer uses xtask's \
                 copy of clipnote's encoder profile (bench/mod.rs PROFILE_COPY), which may be \
                 stale"
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

/// `clipnote`, built for release.
fn release_clipnote() -> Result<PathBuf> {
    eprintln!("xtask: building clipnote (release): cargo build --release -p app");
    crate::run_checked(crate::cargo().args(["build", "--release", "-p", "app"]))?;
    Ok(crate::target_dir().join("release").join("clipnote"))
}

/// The recorder a stage compares clipnote with.
#[derive(Debug, Clone, Copy)]
struct Peer {
    /// Its name in the table and in file names: `ffmpeg`, `wf-recorder`.
    name: &'static str,
    /// Its name in sentences: `the ffmpeg CLI`.
    label: &'static str,
}

/// One of the two recorders of a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Clipnote,
    Peer,
}

impl Tool {
    fn name(self, stage: &dyn Stage) -> &'static str {
        match self {
            Tool::Clipnote => "clipnote",
            Tool::Peer => stage.peer().name,
        }
    }
}

/// A recorder's command, how its run ends and where it says how many frames it dropped.
struct Recorder {
    cmd: Command,
    stops: Stops,
    /// Its dropped frames, from what it printed or left; `None` when it cannot tell.
    dropped: fn(&Left) -> Option<u64>,
}

/// What a finished recording left: the recorder's output and the frames in its clip.
struct Left<'a> {
    stdout: &'a str,
    stderr: &'a str,
    frames_in_file: Option<u64>,
    /// The seconds it was asked to record.
    secs: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stops {
    /// After the seconds it was given.
    ByItself,
    /// On SIGINT, which it gets once its clip has existed for the seconds (a recorder without a
    /// duration option, which opens its file at its first frame: wf-recorder).
    OnSigint,
}

/// What the X11 and the Wayland benches differ in.
trait Stage {
    fn peer(&self) -> Peer;
    /// What the peer encodes with, given clipnote's settings as `ffmpeg` output options.
    fn peer_settings(&self, encoder_args: &[String]) -> String;
    /// `clipnote record` living in the stage's world (and told which backend to use, if
    /// needed); the shared code adds the rest.
    fn clipnote_record(&self, clipnote: &Path) -> Command;
    /// The peer recording `secs` of the screen and the world's mic into `out`, encoding as
    /// `encoder_args` (`ffmpeg` output options) say.
    fn peer_recorder(&self, encoder_args: &[String], secs: u32, out: &Path) -> Result<Recorder>;
    /// Stops the full-motion content.
    fn stop_content(&mut self);
    /// vim showing [`editor_source`] full screen, focused; it closes when the guard drops.
    fn start_editor(&self, blink: bool) -> Result<Bg>;
    /// The editor in words, e.g. `vim in xterm`.
    fn editor_name(&self) -> &'static str;
    /// The command that performs `action` in the world.
    fn action(&self, action: &Action) -> Command;
    /// A command that changes the screen, for a peer that only notices SIGINT at its next
    /// frame; run when it has not ended a second after SIGINT, and every 2 s after that.
    fn wake(&self) -> Option<Command> {
        None
    }
    /// The world's processes that work for a recorder (the compositor, the portal, the sound
    /// server), by name: their CPU time during each run is reported beside the recorder's.
    fn services(&self) -> Vec<(String, u32)> {
        Vec::new()
    }
}

/// The source file the editor shows.
fn editor_source() -> String {
    let source = crate::root().join("xtask").join("src").join("world.rs");
    source.display().to_string()
}

/// Something to do at an offset from the start of a recording.
#[derive(Debug, Clone)]
enum Action {
    /// A key press in xdotool's notation, e.g. `ctrl+e`.
    Key(&'static str),
    Screenshot(PathBuf),
}

/// One measured recording.
#[derive(Debug)]
struct Run {
    usage: Usage,
    size_bytes: u64,
    dropped_frames: Option<u64>,
    /// Frames clipnote found unchanged and did not convert (it reports them; the peers do not).
    unchanged_frames: Option<u64>,
    frames_in_file: Option<u64>,
    /// Frames that differ from the one before (FFmpeg's `mpdecimate`, default thresholds): how
    /// much the screen really moved, e.g. when the content player could not keep 30 fps.
    changed_frames: Option<u64>,
    duration_secs: Option<f64>,
    /// CPU seconds of the stage's [`Stage::services`] during the run, by name.
    services: Vec<(String, f64)>,
}

fn record(options: &Options) -> Result<i32> {
    let packages: &[&[&str]] = match options.backend {
        Backend::X11 => &[crate::deps::BUILD, crate::deps::WORLD, &["vim"]],
        Backend::Wayland => &[crate::deps::BUILD, crate::deps::WAYLAND, wayland::PACKAGES],
    };
    crate::deps::ensure(packages)?;
    let clipnote = Clipnote::find(options)?;
    let out_dir = crate::target_dir()
        .join("bench")
        .join(format!("record-{}", std::process::id()));
    fs::create_dir_all(&out_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", out_dir.display())))?;
    let mut stage: Box<dyn Stage> = match options.backend {
        Backend::X11 => Box::new(x11::X11::start()?),
        Backend::Wayland => Box::new(wayland::Wayland::start(
            &out_dir,
            &crate::wayland::bin_dir(&crate::target_dir()),
        )?),
    };
    let peer = stage.peer();
    eprintln!(
        "xtask: {} encodes with: {}",
        peer.label,
        stage.peer_settings(&clipnote.encoder_args)
    );
    let secs = options.seconds;
    let mut ok = true;
    if secs > 0 {
        ok &= motion_and_still(stage.as_mut(), &clipnote, secs, &out_dir)?;
    }
    if options.walkthrough_secs > 0 {
        stage.stop_content(); // the editor covers the screen; the player would only cost CPU
        ok &= walkthrough::run(
            stage.as_ref(),
            &clipnote,
            options.walkthrough_secs,
            &out_dir,
        )?;
    }
    drop(stage);
    println!("\nclips, logs and frames are in {}", out_dir.display());
    Ok(if ok { 0 } else { 1 })
}

/// Scenes 1 and 2: full motion, then a still editor, each with clipnote and the peer.
fn motion_and_still(
    stage: &mut dyn Stage,
    clipnote: &Clipnote,
    secs: u32,
    out_dir: &Path,
) -> Result<bool> {
    let mut rows: Vec<(String, &str, Result<Run>)> = Vec::new();
    let motion = format!("full motion {secs} s");
    std::thread::sleep(Duration::from_secs(1));
    for tool in [Tool::Clipnote, Tool::Peer] {
        let name = tool.name(stage);
        let out = out_dir.join(format!("motion-{name}.mp4"));
        let run = measure(
            stage,
            clipnote,
            tool,
            &clipnote.encoder_args,
            secs,
            &out,
            &[],
        );
        rows.push((motion.clone(), name, run));
    }

    stage.stop_content();
    let still = format!("still editor {secs} s");
    let scrolls: Vec<(f64, Action)> = (1..)
        .map(|i| f64::from(i) * 4.0)
        .take_while(|t| *t < f64::from(secs))
        .map(|t| (t, Action::Key("ctrl+e")))
        .collect();
    for tool in [Tool::Clipnote, Tool::Peer] {
        let _editor = stage.start_editor(true)?;
        let name = tool.name(stage);
        let out = out_dir.join(format!("still-{name}.mp4"));
        let run = measure(
            stage,
            clipnote,
            tool,
            &clipnote.encoder_args,
            secs,
            &out,
            &scrolls,
        );
        rows.push((still.clone(), name, run));
    }
    print_table(&rows);
    print_services(&rows);
    Ok(check_targets(&rows, &motion, &still, stage.peer().label))
}

/// Records `secs` with `tool` while `actions` happen, and measures the recorder.
fn measure(
    stage: &dyn Stage,
    clipnote: &Clipnote,
    tool: Tool,
    encoder_args: &[String],
    secs: u32,
    out: &Path,
    actions: &[(f64, Action)],
) -> Result<Run> {
    let _ = fs::remove_file(out);
    let name = tool.name(stage);
    let Recorder {
        mut cmd,
        stops,
        dropped,
    } = match tool {
        Tool::Clipnote => {
            let mut cmd = stage.clipnote_record(&clipnote.path);
            cmd.args(["--seconds", &secs.to_string(), "--mic", world::MIC])
                .arg("--out")
                .arg(out);
            if clipnote.json {
                cmd.arg("--json");
            }
            Recorder {
                cmd,
                stops: Stops::ByItself,
                dropped: |left| last_number_after(left.stdout, "\"dropped_frames\":"),
            }
        }
        Tool::Peer => stage.peer_recorder(encoder_args, secs, out)?,
    };
    let stdout_path = out.with_extension("stdout.log");
    let stderr_path = out.with_extension("stderr.log");
    let file = |p: &Path| {
        fs::File::create(p).map_err(|e| fail(format!("cannot create {}: {e}", p.display())))
    };
    cmd.stdin(Stdio::null())
        .stdout(file(&stdout_path)?)
        .stderr(file(&stderr_path)?);
    let steps: Vec<(f64, Action, Command)> = actions
        .iter()
        .map(|(at, action)| (*at, action.clone(), stage.action(action)))
        .collect();
    eprintln!("xtask: recording {secs} s with {name} -> {}", out.display());

    let services = stage.services();
    let services_before: Vec<Option<f64>> =
        services.iter().map(|(_, pid)| cpu_secs_of(*pid)).collect();
    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| fail(format!("cannot start {name}: {e}")))?;
    let ending = Ending {
        pid: child.id(),
        clip: (stops == Stops::OnSigint).then(|| out.to_path_buf()),
        secs: f64::from(secs),
        wake: stage.wake(),
    };
    let done = AtomicBool::new(false);
    let usage = std::thread::scope(|scope| {
        let actor = std::thread::Builder::new()
            .name("bench-actions".into())
            .spawn_scoped(scope, || perform(steps, ending, started, &done))
            .map_err(|e| fail(format!("cannot start the action thread: {e}")))?;
        let usage = proc::wait_measured(child, started);
        done.store(true, Ordering::SeqCst);
        let _ = actor.join();
        usage
    })?;
    let services = services
        .into_iter()
        .zip(services_before)
        .filter_map(|((name, pid), before)| Some((name, cpu_secs_of(pid)? - before?)))
        .collect();

    let stdout = fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    if !usage.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(fail(format!(
            "{name} failed ({}):\n      {}",
            usage.status,
            tail.join("\n      ")
        )));
    }
    let (frames_in_file, duration_secs) = probe(out);
    let left = Left {
        stdout: &stdout,
        stderr: &stderr,
        frames_in_file,
        secs,
    };
    Ok(Run {
        usage,
        size_bytes: fs::metadata(out).map(|m| m.len()).unwrap_or(0),
        dropped_frames: dropped(&left),
        unchanged_frames: last_number_after(&stdout, "\"frames_unchanged\":"),
        changed_frames: changed_frames(out),
        frames_in_file,
        duration_secs,
        services,
    })
}

/// How a recording ends: by itself, or (`clip` set) by SIGINT once `clip` has existed for
/// `secs`, with `wake` run while it waits for its next frame; either way it is killed
/// [`OVERTIME`] after `secs` if it has not ended.
struct Ending {
    pid: u32,
    clip: Option<PathBuf>,
    secs: f64,
    wake: Option<Command>,
}

/// Runs `steps` (key presses, screenshots) at their offsets from `started`, and ends the
/// recording as `ending` says, until `done`.
fn perform(
    steps: Vec<(f64, Action, Command)>,
    mut ending: Ending,
    started: Instant,
    done: &AtomicBool,
) {
    let signal = |signal: libc::c_int| {
        if !done.load(Ordering::SeqCst) {
            // SAFETY: kill has no memory-safety preconditions; the pid is our unreaped child
            // (`done` is set only after it was reaped).
            unsafe { libc::kill(ending.pid as libc::pid_t, signal) };
        }
    };
    let mut steps = steps.into_iter().peekable();
    let mut clip_seen: Option<Instant> = None;
    let mut interrupted = ending.clip.is_none();
    let mut next_wake: Option<Instant> = None;
    let mut killed = false;
    while !done.load(Ordering::SeqCst) {
        let now = started.elapsed().as_secs_f64();
        if let Some(clip) = &ending.clip
            && clip_seen.is_none()
            && clip.exists()
        {
            clip_seen = Some(Instant::now());
        }
        let recorded = clip_seen.map(|at| at.elapsed().as_secs_f64());
        if !interrupted && (recorded.is_some_and(|r| r >= ending.secs) || now > ending.secs + 30.0)
        {
            if recorded.is_none() {
                eprintln!("xtask: warning: no clip after {now:.0} s; interrupting the recorder");
            }
            signal(libc::SIGINT);
            interrupted = true;
            next_wake = Some(Instant::now() + Duration::from_secs(1));
        }
        if let (Some(at), Some(wake)) = (next_wake, &mut ending.wake)
            && Instant::now() >= at
        {
            let _ = wake.stdout(Stdio::null()).stderr(Stdio::null()).status();
            next_wake = Some(Instant::now() + Duration::from_secs(2));
        }
        if !killed && now > ending.secs + OVERTIME.as_secs_f64() {
            eprintln!("xtask: warning: the recorder still runs after {now:.0} s; killing it");
            signal(libc::SIGKILL);
            killed = true;
        }
        if let Some((at, action, mut cmd)) = steps.next_if(|(at, _, _)| *at <= now) {
            let status = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("xtask: warning: {action:?} at {at} s failed");
            }
            continue;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// User + system CPU seconds of a running process, all its threads (`/proc/PID/stat`).
fn cpu_secs_of(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command's name, which is in parentheses and may hold spaces:
    // state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<u64>().ok();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = if hz > 0 { hz as f64 } else { 100.0 };
    Some((ticks(14)? + ticks(15)?) as f64 / hz)
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
    fn reads_cpu_time_of_a_process() {
        let secs = cpu_secs_of(std::process::id()).unwrap();
        assert!(secs >= 0.0);
        assert_eq!(cpu_secs_of(u32::MAX), None);
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
        assert_eq!(Options::parse(&args(&[])).unwrap().backend, Backend::X11);
        let o = Options::parse(&args(&["--backend", "wayland"])).unwrap();
        assert_eq!(o.backend, Backend::Wayland);
        assert!(Options::parse(&args(&["--backend", "mir"])).is_err());
    }
}
