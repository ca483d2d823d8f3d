//! The test world: a private X server showing moving content and a private PulseAudio server
//! whose null sink, fed a 440 Hz tone, is the microphone.
//!
//! ```text
//! Xvfb :N ── ffplay testsrc2, scrolling sideways (full motion, 1920×1080 @ 30)
//! pulseaudio (socket in the run dir) ── null sink clipnote_test_sink ◀── ffmpeg sine 440 Hz
//!                                        └─ clipnote_test_sink.monitor = the "microphone"
//! ```
//!
//! Every path lives in a per-run directory (`<target>/testworld/<pid>`) and the display number
//! is one no other server holds, so two runs on one machine never meet. Dropping [`World`]
//! stops everything it started.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::proc::Bg;
use crate::{Result, fail};

pub const SINK: &str = "clipnote_test_sink";
pub const MIC: &str = "clipnote_test_sink.monitor";
pub const WIDTH: u32 = 1920;
pub const HEIGHT: u32 = 1080;
const CHROMIUM: &str = "/usr/bin/chromium";

#[derive(Debug)]
pub struct World {
    pub display: u32,
    pub dir: PathBuf,
    pub pulse_socket: PathBuf,
    content: Option<Bg>,
    /// Xvfb, PulseAudio, the tone: in start order, stopped in reverse.
    helpers: Vec<Bg>,
    keep_dir: bool,
}

impl World {
    /// Starts Xvfb, PulseAudio, the tone and full-motion content, each checked before going on.
    pub fn start(target_dir: &Path) -> Result<World> {
        let dir = target_dir
            .join("testworld")
            .join(std::process::id().to_string());
        let _ = fs::remove_dir_all(&dir); // a previous process with our pid
        for sub in ["xdg", "home", "pulse-state"] {
            fs::create_dir_all(dir.join(sub))
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.join(sub).display())))?;
        }
        set_mode_700(&dir.join("xdg"))?;
        set_mode_700(&dir.join("home"))?;
        eprintln!("xtask: test world in {}", dir.display());

        let (display, xvfb) = start_xvfb(&dir)?;
        eprintln!("xtask: Xvfb is up on :{display} ({WIDTH}x{HEIGHT}x24, MIT-SHM)");

        let pulse_socket = pulse_socket_path(&dir)?;
        let world_env = x11_env(&dir, display, &pulse_socket);
        let pulse = start_pulse(&world_env, &pulse_socket)?;
        let tone = start_tone(&world_env)?;
        eprintln!(
            "xtask: PulseAudio is up at {}; a 440 Hz tone plays into {SINK}",
            pulse_socket.display()
        );
        let mut world = World {
            display,
            dir,
            pulse_socket,
            content: None,
            helpers: vec![xvfb, pulse, tone],
            keep_dir: false,
        };
        world.content = Some(start_motion(&world)?);
        eprintln!("xtask: ffplay shows testsrc2 full screen, scrolling (1920x1080 @ 30 fps)");
        Ok(world)
    }

    /// The variables every process inside the world gets; the capture tests rely on them.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DISPLAY".into(), format!(":{}", self.display)),
            (
                "PULSE_SERVER".into(),
                format!("unix:{}", self.pulse_socket.display()),
            ),
            ("CLIPNOTE_TEST_MIC".into(), MIC.into()),
            ("CLIPNOTE_TEST_SINK".into(), SINK.into()),
            ("CLIPNOTE_TEST_WORLD".into(), "1".into()),
            (
                "XDG_RUNTIME_DIR".into(),
                self.dir.join("xdg").display().to_string(),
            ),
            ("CLIPNOTE_CHROMIUM".into(), CHROMIUM.into()),
        ]
    }

    /// A command for `program` with the world's environment.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.envs(self.env());
        cmd
    }

    /// Stops the full-motion content (benches that want a still screen call this).
    pub fn stop_content(&mut self) {
        self.content = None;
    }

    fn helper_env(&self) -> WorldEnv {
        x11_env(&self.dir, self.display, &self.pulse_socket)
    }

    /// Starts a helper program (a window, a player) inside the world, with a private HOME and
    /// its output in `<run dir>/<name>.log`; it stops when the returned guard drops.
    pub fn spawn(&self, name: &str, program: &str, args: &[&str]) -> Result<Bg> {
        Bg::spawn(name, self.helper_env().helper(program, name)?.args(args))
    }

    /// Waits up to 15 s for a visible window whose title contains `title`.
    pub fn wait_window(&self, title: &str, helper: &mut Bg) -> Result<()> {
        let env = self.helper_env();
        wait_for(&format!("a window titled {title:?}"), &env, helper, || {
            has_window(self.display, title)
        })
    }

    /// Keeps the run directory (logs) after the world stops, e.g. when tests failed.
    pub fn keep_dir(&mut self) {
        self.keep_dir = true;
    }
}

impl Drop for World {
    fn drop(&mut self) {
        eprintln!("xtask: stopping the test world on :{}", self.display);
        self.content = None;
        while let Some(helper) = self.helpers.pop() {
            drop(helper);
        }
        if let Some(socket_dir) = self.pulse_socket.parent()
            && !socket_dir.starts_with(&self.dir)
        {
            let _ = fs::remove_dir_all(socket_dir);
        }
        if !self.keep_dir {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// What a helper of a world needs: its sound server, a private HOME, the world's variables, and
/// where its log goes. The X11 world and the Wayland world ([`crate::wayland`]) each have one.
pub(crate) struct WorldEnv {
    /// Logs go to `<dir>/<log_prefix><name>.log`.
    pub dir: PathBuf,
    pub log_prefix: &'static str,
    /// `PULSE_SERVER` for helpers and `pactl`, e.g. `unix:/path/to/socket`.
    pub pulse_server: String,
    pub home: PathBuf,
    /// Set for every helper, after the defaults (display, runtime dir, session bus...).
    pub vars: Vec<(String, String)>,
    /// Removed from every helper's environment (variables of the other world or of the desktop
    /// xtask runs in).
    pub unset: Vec<&'static str>,
}

impl WorldEnv {
    pub fn log_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{}{name}.log", self.log_prefix))
    }

    fn log(&self, name: &str) -> Result<Stdio> {
        let path = self.log_path(name);
        let file = fs::File::create(&path)
            .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
        Ok(Stdio::from(file))
    }

    /// A helper command: the world's display and sound server, a private HOME, no stdin, its
    /// output in its log.
    pub fn helper(&self, program: &str, log: &str) -> Result<Command> {
        let mut cmd = Command::new(program);
        cmd.env("PULSE_SERVER", &self.pulse_server)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.home);
        for name in &self.unset {
            cmd.env_remove(name);
        }
        cmd.envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(self.log(log)?)
            .stderr(self.log(log)?);
        Ok(cmd)
    }
}

/// The X11 world's helpers: its display, its PulseAudio, no session bus, no Wayland.
fn x11_env(dir: &Path, display: u32, pulse_socket: &Path) -> WorldEnv {
    WorldEnv {
        dir: dir.to_path_buf(),
        log_prefix: "",
        pulse_server: format!("unix:{}", pulse_socket.display()),
        home: dir.join("home"),
        vars: vec![
            ("DISPLAY".into(), format!(":{display}")),
            (
                "XDG_RUNTIME_DIR".into(),
                dir.join("xdg").display().to_string(),
            ),
        ],
        unset: vec!["DBUS_SESSION_BUS_ADDRESS", "WAYLAND_DISPLAY"],
    }
}

/// `<run dir>/xdg/pulse-native`, or a short path under /tmp when that one is too long for a
/// Unix socket (108 bytes) because the target dir is deep.
fn pulse_socket_path(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("xdg").join("pulse-native");
    if path.as_os_str().len() < 100 {
        return Ok(path);
    }
    let short = std::env::temp_dir().join(format!("clipnote-testworld-{}", std::process::id()));
    fs::create_dir_all(&short)
        .map_err(|e| fail(format!("cannot create {}: {e}", short.display())))?;
    set_mode_700(&short)?;
    Ok(short.join("pulse-native"))
}

pub(crate) fn set_mode_700(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))
        .map_err(|e| fail(format!("cannot chmod 700 {}: {e}", path.display())))
}

fn display_taken(n: u32) -> bool {
    Path::new(&format!("/tmp/.X{n}-lock")).exists()
        || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
}

/// Starts Xvfb on a display nobody holds. Xvfb creates `/tmp/.X<N>-lock` exclusively, so if
/// two runs pick the same number one of them fails, sees so, and tries the next one.
fn start_xvfb(dir: &Path) -> Result<(u32, Bg)> {
    let first = 100 + std::process::id() % 400;
    for display in (first..first + 100).filter(|n| !display_taken(*n)).take(10) {
        let log = dir.join("xvfb.log");
        let file = fs::File::create(&log)
            .map_err(|e| fail(format!("cannot create {}: {e}", log.display())))?;
        let mut xvfb = Bg::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .arg(format!(":{display}"))
                .args(["-screen", "0", &format!("{WIDTH}x{HEIGHT}x24")])
                .args(["-nolisten", "tcp", "-noreset"])
                .stdin(Stdio::null())
                .stdout(Stdio::from(
                    file.try_clone().map_err(|e| fail(e.to_string()))?,
                ))
                .stderr(Stdio::from(file)),
        )?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if xvfb.exited().is_some() {
                break; // lost a race for this display, or cannot start at all
            }
            let ours = fs::read_to_string(format!("/tmp/.X{display}-lock"))
                .is_ok_and(|pid| pid.trim() == xvfb.pid().to_string());
            if ours && answers(display) {
                return Ok((display, xvfb));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("xtask: Xvfb did not come up on :{display}; trying another display");
    }
    let log = fs::read_to_string(dir.join("xvfb.log")).unwrap_or_default();
    Err(fail(format!(
        "Xvfb did not start on any free display; its last log:\n{log}\n\
         (is the `xvfb` package installed? see `cargo xtask test` which installs it)"
    )))
}

fn answers(display: u32) -> bool {
    Command::new("xdpyinfo")
        .args(["-display", &format!(":{display}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start_pulse(env: &WorldEnv, socket: &Path) -> Result<Bg> {
    let socket = socket.display().to_string();
    let mut pulse = Bg::spawn(
        "PulseAudio",
        env.helper("pulseaudio", "pulseaudio")?
            .env("PULSE_RUNTIME_PATH", env.dir.join("xdg"))
            .env("PULSE_STATE_PATH", env.dir.join("pulse-state"))
            .args([
                "--daemonize=no",
                "--system=false",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "-n",
                "--log-target=stderr",
            ])
            .arg(format!(
                "--load=module-native-protocol-unix socket={socket} auth-anonymous=1"
            ))
            .arg(format!(
                "--load=module-null-sink sink_name={SINK} rate=48000 channels=2"
            )),
    )?;
    wait_for("PulseAudio's null sink", env, &mut pulse, || {
        pactl(env, &["list", "short", "sinks"]).is_some_and(|out| out.contains(SINK))
    })?;
    Ok(pulse)
}

/// `pactl ARGS` against the world's sound server; its output when it succeeded.
pub(crate) fn pactl(env: &WorldEnv, args: &[&str]) -> Option<String> {
    let out = Command::new("pactl")
        .args(args)
        .env("PULSE_SERVER", &env.pulse_server)
        .env("HOME", &env.home)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Plays a 440 Hz tone into the world's null sink [`SINK`], and waits until the sound server
/// has the stream playing into that sink. The tone must play at low latency: at the default the
/// null sink works in ~2 s blocks and the monitor (our microphone) delivers audio in bursts.
pub(crate) fn start_tone(env: &WorldEnv) -> Result<Bg> {
    let mut tone = Bg::spawn(
        "tone",
        env.helper("ffmpeg", "tone")?
            .env("PULSE_LATENCY_MSEC", "20")
            .args(["-nostdin", "-loglevel", "error", "-re", "-f", "lavfi"])
            .args(["-i", "sine=frequency=440:sample_rate=48000", "-ac", "2"])
            .args([
                "-f",
                "pulse",
                "-buffer_duration",
                "20",
                "-device",
                SINK,
                "tone",
            ]),
    )?;
    wait_for("the tone to play into the sink", env, &mut tone, || {
        plays_into_sink(env)
    })?;
    Ok(tone)
}

/// Whether a stream plays into [`SINK`]: `pactl list short sink-inputs` lines are
/// `index sink client driver spec`, and the sink's index is in `pactl list short sinks`.
fn plays_into_sink(env: &WorldEnv) -> bool {
    let Some(sinks) = pactl(env, &["list", "short", "sinks"]) else {
        return false;
    };
    let Some(sink) = sinks
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|f| f.get(1) == Some(&SINK))
        .and_then(|f| f.first().map(|i| i.to_string()))
    else {
        return false;
    };
    pactl(env, &["list", "short", "sink-inputs"]).is_some_and(|inputs| {
        inputs
            .lines()
            .any(|l| l.split('\t').nth(1) == Some(sink.as_str()))
    })
}

/// `testsrc2` scrolled sideways: every pixel changes every frame, so nothing can be skipped.
/// Delivered as BGRA, which SDL shows without a colour conversion (~47% of a core, not ~56%).
/// On a loaded machine ffplay still falls below 30 fps; `bench record` reports how many frames
/// really changed.
fn start_motion(world: &World) -> Result<Bg> {
    let env = world.helper_env();
    let mut ffplay = Bg::spawn(
        "ffplay",
        env.helper("ffplay", "ffplay")?
            .env("SDL_AUDIODRIVER", "dummy")
            .args(["-f", "lavfi", "-i", &motion_source()])
            .args([
                "-an",
                "-noborder",
                "-left",
                "0",
                "-top",
                "0",
                "-loglevel",
                "error",
            ]),
    )?;
    wait_for("ffplay's window", &env, &mut ffplay, || {
        has_window(world.display, "testsrc2")
    })?;
    Ok(ffplay)
}

/// FFmpeg's `testsrc2` scrolled sideways, as BGRA: the full-motion content of both worlds.
pub(crate) fn motion_source() -> String {
    format!("testsrc2=size={WIDTH}x{HEIGHT}:rate=30,scroll=horizontal=0.002,format=bgra")
}

fn has_window(display: u32, title: &str) -> bool {
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", title])
        .env("DISPLAY", format!(":{display}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Polls `ready` for up to 15 s while `helper` stays alive; on failure quotes its log (the
/// helper's name in lower case, in the world's log directory) and names the file.
pub(crate) fn wait_for(
    what: &str,
    env: &WorldEnv,
    helper: &mut Bg,
    ready: impl Fn() -> bool,
) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if ready() {
            return Ok(());
        }
        let path = env.log_path(&helper.name.to_lowercase());
        let log = || fs::read_to_string(&path).unwrap_or_default();
        if let Some(status) = helper.exited() {
            return Err(fail(format!(
                "{} exited ({status}) while waiting for {what}; its log ({}):\n{}",
                helper.name,
                path.display(),
                log()
            )));
        }
        if Instant::now() > deadline {
            return Err(fail(format!(
                "timed out after 15 s waiting for {what}; {}'s log ({}):\n{}",
                helper.name,
                path.display(),
                log()
            )));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}
