//! The Wayland test world, started beside the X11 one ([`crate::world`]): a headless sway with
//! moving content, PipeWire with a pulse server whose null sink, fed a 440 Hz tone, is the
//! microphone, and the desktop portal with its wlr backend, on a private session bus.
//!
//! ```text
//! dbus-daemon (private bus, no D-Bus activation: every service below is started by hand)
//! pipewire ── wireplumber
//!          └─ pipewire-pulse ── null sink clipnote_test_sink ◀── ffmpeg sine 440 Hz
//! sway (headless, pixman, HEADLESS-1 1920×1080) ── foot: a clock, every 50 ms
//!                                                └─ ffplay testsrc2 full screen (full motion)
//! xdg-permission-store, xdg-desktop-portal-wlr (patched, see xdpw.rs), xdg-desktop-portal
//!   (its source chooser: `cat portal-chooser-answer`, the output's name or nothing = cancelled)
//! a second bus with the same three, the portal unable to reach PipeWire (see faults.rs)
//! ```
//!
//! Everything lives in the run directory of the X11 world (`<target>/testworld/<pid>`): logs as
//! `wl-*.log`, the runtime dir `wl-xdg` (0700) with the Wayland, PipeWire, pulse, sway and bus
//! sockets. Dropping [`WaylandWorld`] stops everything it started.
//!
//! sway refuses to run as root. It runs as root inside a new user namespace with no uid mapping
//! (`unshare --user`): there `setuid(0)` fails, so sway starts, while its processes still own
//! root's files outside, so a command a key binding starts (`clipnote toggle`) reaches sockets
//! in the 0700 runtime dir. Those processes see themselves as uid 65534, which D-Bus's EXTERNAL
//! authentication refuses; the bus also accepts ANONYMOUS for them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod faults;

use crate::proc::Bg;
use crate::world::{self, MIC, SINK, WorldEnv, set_mode_700, wait_for};
use crate::{Result, fail};

/// sway's headless output.
pub const OUTPUT: &str = "HEADLESS-1";
const PORTAL: &str = "org.freedesktop.portal.Desktop";
const XDPW_NAME: &str = "org.freedesktop.impl.portal.desktop.wlr";
const PERMISSION_STORE: &str = "org.freedesktop.impl.portal.PermissionStore";
/// The Access backend x-d-p 1.16 needs before it offers the Screenshot portal: no process owns
/// this name, so an access dialog would fail; none is asked for, because the permission store
/// holds "yes" for screenshots by host apps (see [`WaylandWorld::start`]).
const NO_ACCESS_DIALOG: &str = "org.clipnote.test.NoAccessDialog";
/// The key binding the start-up check presses: proves that commands sway runs can write into
/// the 0700 runtime dir (as `clipnote toggle` must reach the app's socket there).
const CHECK_KEYS: &[&str] = &["-M", "ctrl", "-M", "alt", "-M", "shift", "-k", "F12"];
const CHECK_FILE: &str = "sway-exec-check";
/// foot showing the time to the hundredth of a second, redrawn every 50 ms, in one line.
const CLOCK: [&str; 8] = [
    "--app-id",
    CLOCK_APP_ID,
    "--window-size-chars=11x1",
    "--override",
    "font=monospace:size=40",
    "sh",
    "-c",
    r#"printf '\033[?25l'; while :; do printf '\r%s' "$(date +%H:%M:%S.%2N)"; sleep 0.05; done"#,
];
const CLOCK_APP_ID: &str = "clipnote-clock";

#[derive(Debug)]
pub struct WaylandWorld {
    /// The runtime dir of the world: Wayland, PipeWire, pulse, sway IPC and bus sockets.
    pub runtime_dir: PathBuf,
    /// The Wayland socket's name in `runtime_dir`, e.g. `wayland-1`.
    pub display: String,
    /// The private session bus's address.
    pub bus: String,
    /// `PULSE_SERVER` for pipewire-pulse.
    pub pulse: String,
    pub swaysock: PathBuf,
    /// xdg-desktop-portal-wlr's log (`-l DEBUG`).
    pub portal_log: PathBuf,
    /// What the portal's source chooser answers (see [`WaylandWorld::start`]).
    pub chooser_answer: PathBuf,
    /// A second portal, on its own bus, that cannot reach PipeWire.
    no_pipewire: Option<faults::NoPipeWirePortal>,
    /// The run dir's `wl-home`: HOME and XDG_*_HOME of the world's helpers.
    home: PathBuf,
    log_dir: PathBuf,
    /// The runtime dir is a short path of ours under /tmp (the run dir was too deep for socket
    /// paths): removed on drop.
    own_short_runtime_dir: bool,
    content: Option<Bg>,
    /// In start order, stopped in reverse.
    helpers: Vec<Bg>,
}

impl WaylandWorld {
    /// Starts every part in `run_dir` (the X11 world's), each checked before it is relied on;
    /// `xdpw_binary` is the patched portal backend ([`crate::xdpw::ensure_built`]).
    /// `bins` holds the `clipnote` that sway's key binding runs ([`bin_dir`]).
    pub fn start(run_dir: &Path, bins: &Path, xdpw_binary: &Path) -> Result<WaylandWorld> {
        let started = Instant::now();
        let (runtime_dir, own_short_runtime_dir) = runtime_dir_path(run_dir)?;
        let home = run_dir.join("wl-home");
        let services = run_dir.join("wl-dbus-services");
        let portals = run_dir.join("wl-portals");
        for dir in [&runtime_dir, &home, &services, &portals] {
            fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        }
        set_mode_700(&runtime_dir)?;
        set_mode_700(&home)?;
        let bus_socket = runtime_dir.join("bus");
        let mut wl = WaylandWorld {
            bus: format!("unix:path={}", bus_socket.display()),
            pulse: format!(
                "unix:{}",
                runtime_dir.join("pulse").join("native").display()
            ),
            swaysock: runtime_dir.join("sway-ipc.sock"),
            portal_log: run_dir.join("wl-xdpw.log"),
            chooser_answer: runtime_dir.join("portal-chooser-answer"),
            no_pipewire: None,
            display: String::new(),
            runtime_dir,
            home,
            log_dir: run_dir.to_path_buf(),
            own_short_runtime_dir,
            content: None,
            helpers: Vec::new(),
        };

        // The bus first: PipeWire, the portal and its backend all connect to it.
        let bus_conf = run_dir.join("wl-bus.conf");
        write(&bus_conf, &bus_config(&bus_socket, &services))?;
        let mut dbus = wl.spawn(
            "dbus",
            "dbus-daemon",
            &[&format!("--config-file={}", bus_conf.display()), "--nofork"],
        )?;
        wl.wait(&mut dbus, "the private session bus", || {
            bus_socket.exists() && list_names(&wl.bus).is_some()
        })?;
        wl.helpers.push(dbus);

        // PipeWire and sway start side by side; each is waited for before its clients start.
        let mut pipewire = wl.spawn("pipewire", "pipewire", &[])?;
        let sway_conf = run_dir.join("wl-sway.conf");
        write(&sway_conf, &sway_config(&wl.runtime_dir, bins))?;
        let mut sway = Bg::spawn(
            "sway",
            wl.helper("unshare", "sway")?
                .env("WLR_BACKENDS", "headless")
                .env("WLR_LIBINPUT_NO_DEVICES", "1")
                .env("WLR_RENDERER", "pixman")
                .env("WLR_HEADLESS_OUTPUTS", "1")
                .env("SWAYSOCK", &wl.swaysock)
                .args(["--user", "--", "sway", "--config"])
                .arg(&sway_conf),
        )?;
        let pipewire_socket = wl.runtime_dir.join("pipewire-0");
        wl.wait(&mut pipewire, "PipeWire's socket", || {
            pipewire_socket.exists()
        })?;
        wl.helpers.push(pipewire);
        let mut wireplumber = wl.spawn("wireplumber", "wireplumber", &[])?;
        let mut pulse = wl.spawn("pipewire-pulse", "pipewire-pulse", &[])?;
        wl.wait(&mut sway, "sway's Wayland socket and IPC", || {
            wayland_socket(&wl.runtime_dir).is_some()
                && wl
                    .swaymsg(&["-t", "get_outputs"])
                    .is_some_and(|o| o.contains(OUTPUT))
        })?;
        wl.display = wayland_socket(&wl.runtime_dir).unwrap_or_default();

        // What shows on the output: full motion filling it (the only tiled window), under a
        // clock in a small floating window (sway's config floats it top left). Not ffplay's
        // `-fs`, which works too, but sway shows nothing over a full-screen window.
        let mut clock = wl.spawn("foot", "foot", &CLOCK)?;
        let empty = wl.grim_row();
        let mut motion = Bg::spawn(
            "ffplay",
            wl.helper("ffplay", "ffplay")?
                .env("SDL_VIDEODRIVER", "wayland")
                .env("SDL_AUDIODRIVER", "dummy")
                .args(["-loglevel", "error", "-an", "-window_title", "testsrc2"])
                .args(["-f", "lavfi", "-i", &world::motion_source()]),
        )?;

        // The portal's parts: the permission store, the wlr backend, the portal itself.
        write(
            &portals.join("wlr.portal"),
            &portal_file(
                XDPW_NAME,
                &[
                    "org.freedesktop.impl.portal.Screenshot",
                    "org.freedesktop.impl.portal.ScreenCast",
                ],
            ),
        )?;
        write(
            &portals.join("no-access-dialog.portal"),
            &portal_file(NO_ACCESS_DIALOG, &["org.freedesktop.impl.portal.Access"]),
        )?;
        // The source chooser is a person scripted by a file: it answers the output's name, or
        // nothing (the person closed the dialog) when a test empties the file.
        write(&wl.chooser_answer, &format!("{OUTPUT}\n"))?;
        let xdpw_conf = run_dir.join("wl-xdpw.conf");
        write(
            &xdpw_conf,
            &format!(
                "[screencast]\noutput_name={OUTPUT}\nchooser_type=simple\n\
                 chooser_cmd=cat '{}'\nmax_fps=30\n",
                wl.chooser_answer.display()
            ),
        )?;
        let mut permissions =
            wl.spawn("permission-store", "/usr/libexec/xdg-permission-store", &[])?;
        // xdpw remembers a choice (answers with a restore token) only when told to: without
        // XDPW_PERSIST_MODE it drops every persist mode an app asks for. Real sway users set it
        // too; the README says so.
        let mut backend = Bg::spawn(
            "xdpw",
            wl.helper(&xdpw_binary.to_string_lossy(), "xdpw")?
                .args(["-l", "DEBUG", "-c", &xdpw_conf.to_string_lossy()])
                .env("XDPW_PERSIST_MODE", "permanent"),
        )?;

        // Sound: the null sink and the tone, through pipewire-pulse.
        let env = wl.helper_env();
        wl.wait(&mut pulse, "pipewire-pulse to answer", || {
            world::pactl(&env, &["info"]).is_some()
        })?;
        let sink_name = format!("sink_name={SINK}");
        let sink = ["load-module", "module-null-sink", &sink_name];
        world::pactl(&env, &[&sink[..], &["rate=48000", "channels=2"]].concat()).ok_or_else(
            || {
                fail(format!(
                    "pipewire-pulse would not load a null sink; see {}",
                    env.log_path("pipewire-pulse").display()
                ))
            },
        )?;
        wl.wait(&mut pulse, "the null sink", || {
            world::pactl(&env, &["list", "short", "sinks"]).is_some_and(|o| o.contains(SINK))
        })?;
        world::pactl(&env, &["set-default-sink", SINK]);
        world::pactl(&env, &["set-default-source", MIC]);
        wl.wait(
            &mut wireplumber,
            "WirePlumber to connect to PipeWire",
            || pw_clients(&wl.runtime_dir).is_some_and(|c| c.contains("\"WirePlumber")),
        )?;
        let tone = world::start_tone(&env)?;

        wl.wait(&mut backend, "the portal backend on the bus", || {
            has_owner(&wl.bus, XDPW_NAME)
        })?;
        wl.wait(&mut permissions, "the permission store on the bus", || {
            has_owner(&wl.bus, PERMISSION_STORE)
        })?;
        // As if the user had once allowed host apps' screenshots: no dialog will be asked for.
        let allow = [
            "string:screenshot",
            "boolean:true",
            "string:screenshot",
            "string:",
            "array:string:yes",
        ];
        dbus_send(
            &wl.bus,
            PERMISSION_STORE,
            "/org/freedesktop/impl/portal/PermissionStore",
            "org.freedesktop.impl.portal.PermissionStore.SetPermission",
            &allow,
        )
        .ok_or_else(|| {
            fail(format!(
                "could not allow screenshots in the permission store; see {}",
                env.log_path("permission-store").display()
            ))
        })?;
        let mut portal = Bg::spawn(
            "xdg-desktop-portal",
            wl.helper("/usr/libexec/xdg-desktop-portal", "xdg-desktop-portal")?
                .env("XDG_DESKTOP_PORTAL_DIR", &portals)
                .arg("--verbose"),
        )?;
        wl.wait(
            &mut portal,
            "org.freedesktop.portal.Desktop on the bus",
            || has_owner(&wl.bus, PORTAL),
        )?;
        let portal_log = env.log_path("xdg-desktop-portal");
        let said = fs::read_to_string(&portal_log).unwrap_or_default();
        for interface in ["ScreenCast", "Screenshot"] {
            if !said.contains(&format!(
                "providing portal org.freedesktop.portal.{interface}"
            )) {
                return Err(fail(format!(
                    "xdg-desktop-portal does not offer {interface} (no wlr backend?); its log \
                     ({}):\n{said}",
                    portal_log.display()
                )));
            }
        }

        wl.no_pipewire = Some(faults::NoPipeWirePortal::start(
            &wl,
            run_dir,
            xdpw_binary,
            &xdpw_conf,
            &portals,
        )?);

        // The content is up, and key bindings run commands that can write into the runtime dir.
        wl.wait(&mut clock, "the clock's window", || {
            wl.has_app(CLOCK_APP_ID)
        })?;
        // ffplay's window maps before its first frame shows: wait until the middle row changed.
        wl.wait(&mut motion, "ffplay's frames on the output", || {
            wl.has_app("ffplay") && wl.grim_row().is_some_and(|row| Some(row) != empty)
        })?;
        wl.check_key_bindings(&mut sway)?;
        wl.helpers.extend([
            wireplumber,
            pulse,
            sway,
            clock,
            permissions,
            backend,
            tone,
            portal,
        ]);
        wl.content = Some(motion);
        eprintln!(
            "xtask: Wayland world up in {:.1} s: sway on {} ({OUTPUT} {}x{}, testsrc2 filling \
             it under a clock), PipeWire with a 440 Hz tone into {SINK}, the portal (wlr) \
             on {}",
            started.elapsed().as_secs_f64(),
            wl.display,
            world::WIDTH,
            world::HEIGHT,
            wl.bus
        );
        Ok(wl)
    }

    /// What `cargo xtask test` exports to tests (beside the X11 world's variables).
    pub fn env(&self) -> Vec<(String, String)> {
        let path = |p: &Path| p.display().to_string();
        vec![
            (
                "CLIPNOTE_TEST_WAYLAND_RUNTIME_DIR".into(),
                path(&self.runtime_dir),
            ),
            ("CLIPNOTE_TEST_WAYLAND_DISPLAY".into(), self.display.clone()),
            ("CLIPNOTE_TEST_WAYLAND_DBUS".into(), self.bus.clone()),
            ("CLIPNOTE_TEST_WAYLAND_PULSE".into(), self.pulse.clone()),
            (
                "CLIPNOTE_TEST_WAYLAND_SWAYSOCK".into(),
                path(&self.swaysock),
            ),
            (
                "CLIPNOTE_TEST_WAYLAND_PORTAL_LOG".into(),
                path(&self.portal_log),
            ),
            (
                "CLIPNOTE_TEST_WAYLAND_CHOOSER_ANSWER".into(),
                path(&self.chooser_answer),
            ),
            (
                "CLIPNOTE_TEST_WAYLAND_NO_PIPEWIRE_DBUS".into(),
                self.no_pipewire
                    .as_ref()
                    .map(|p| p.bus.clone())
                    .unwrap_or_default(),
            ),
        ]
    }

    /// The variables a client living in this world gets (and those it must not have: `DISPLAY`).
    pub fn client_env(&self) -> (Vec<(String, String)>, &'static [&'static str]) {
        let mut vars = vec![
            ("WAYLAND_DISPLAY".to_owned(), self.display.clone()),
            (
                "XDG_RUNTIME_DIR".to_owned(),
                self.runtime_dir.display().to_string(),
            ),
            ("DBUS_SESSION_BUS_ADDRESS".to_owned(), self.bus.clone()),
            ("PULSE_SERVER".to_owned(), self.pulse.clone()),
            ("XDG_SESSION_TYPE".to_owned(), "wayland".to_owned()),
            ("XDG_CURRENT_DESKTOP".to_owned(), "sway".to_owned()),
            ("SWAYSOCK".to_owned(), self.swaysock.display().to_string()),
        ];
        vars.retain(|(_, v)| !v.is_empty()); // WAYLAND_DISPLAY before sway is up
        (
            vars,
            &[
                "DISPLAY",
                "WAYLAND_SOCKET",
                "PIPEWIRE_REMOTE",
                "PIPEWIRE_RUNTIME_DIR",
                "PULSE_RUNTIME_PATH",
            ],
        )
    }

    /// A command for `program` living in this world (for benches: `wf-recorder`, a client).
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        let (vars, unset) = self.client_env();
        for name in unset {
            cmd.env_remove(name);
        }
        cmd.envs(vars);
        cmd
    }

    /// Starts a helper (a window, a player) in this world with its output in
    /// `<run dir>/wl-<name>.log`; it stops when the returned guard drops.
    pub fn spawn(&self, name: &str, program: &str, args: &[&str]) -> Result<Bg> {
        Bg::spawn(name, self.helper(program, name)?.args(args))
    }

    /// Stops the full-motion content: the clock alone is left (benches wanting a still screen).
    pub fn stop_content(&mut self) {
        self.content = None;
    }

    /// Waits up to 15 s for a window with this Wayland app id (e.g. foot's `--app-id`).
    pub fn wait_app(&self, app_id: &str, helper: &mut Bg) -> Result<()> {
        self.wait(helper, &format!("a window with app id {app_id:?}"), || {
            self.has_app(app_id)
        })
    }

    /// The world's long-running helpers (sway, xdpw, pipewire...) by name, with their pids.
    pub fn helper_pids(&self) -> Vec<(String, u32)> {
        self.helpers
            .iter()
            .map(|h| (h.name.clone(), h.pid()))
            .collect()
    }

    fn helper_env(&self) -> WorldEnv {
        let (mut vars, unset) = self.client_env();
        let home = |sub: &str| self.home.join(sub).display().to_string();
        vars.extend([
            ("XDG_DATA_HOME".to_owned(), home(".local/share")),
            ("XDG_STATE_HOME".to_owned(), home(".local/state")),
            ("XDG_CACHE_HOME".to_owned(), home(".cache")),
        ]);
        WorldEnv {
            dir: self.log_dir.clone(),
            log_prefix: "wl-",
            pulse_server: self.pulse.clone(),
            home: self.home.clone(),
            vars,
            unset: unset.to_vec(),
        }
    }

    fn helper(&self, program: &str, log: &str) -> Result<Command> {
        self.helper_env().helper(program, log)
    }

    fn wait(&self, helper: &mut Bg, what: &str, ready: impl Fn() -> bool) -> Result<()> {
        wait_for(what, &self.helper_env(), helper, ready)
    }

    fn swaymsg(&self, args: &[&str]) -> Option<String> {
        output(self.command("swaymsg").args(args))
    }

    /// Whether a window with this Wayland app id is mapped.
    fn has_app(&self, app_id: &str) -> bool {
        self.swaymsg(&["-t", "get_tree"])
            .is_some_and(|tree| tree.contains(&format!("\"app_id\": \"{app_id}\"")))
    }

    /// The output's middle row of pixels (`grim`, PPM), to see when it changes.
    fn grim_row(&self) -> Option<Vec<u8>> {
        let geometry = format!("0,{} {}x1", world::HEIGHT / 2, world::WIDTH);
        output_bytes(
            self.command("grim")
                .args(["-g", &geometry, "-t", "ppm", "-"]),
        )
    }

    /// Presses [`CHECK_KEYS`] with wtype; sway's binding for it touches a file in the runtime
    /// dir. Fails when sway's commands cannot write there (then `clipnote toggle` could not reach
    /// the app's socket either).
    fn check_key_bindings(&self, sway: &mut Bg) -> Result<()> {
        let file = self.runtime_dir.join(CHECK_FILE);
        let _ = fs::remove_file(&file);
        let mut release: Vec<&str> = Vec::new();
        for pair in CHECK_KEYS.chunks(2).filter(|p| p[0] == "-M") {
            release.extend(["-m", pair[1]]);
        }
        let pressed = self
            .command("wtype")
            .args(CHECK_KEYS)
            .args(&release)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !pressed {
            return Err(fail(
                "`wtype` could not press keys in sway (is the `wtype` package installed?)",
            ));
        }
        self.wait(
            sway,
            "a key binding's command to write into the runtime dir",
            || file.exists(),
        )
        .map_err(|e| {
            fail(format!(
                "{e}\n(sway runs in a user namespace, `unshare --user`: the commands its key \
                 bindings start must be able to write into {})",
                self.runtime_dir.display()
            ))
        })
    }
}

impl Drop for WaylandWorld {
    fn drop(&mut self) {
        match self.display.as_str() {
            "" => eprintln!("xtask: stopping the Wayland world"),
            display => eprintln!("xtask: stopping the Wayland world on {display}"),
        }
        self.content = None;
        self.no_pipewire = None;
        while let Some(helper) = self.helpers.pop() {
            drop(helper);
        }
        if self.own_short_runtime_dir {
            let _ = fs::remove_dir_all(&self.runtime_dir);
        }
    }
}

/// Where `clipnote toggle` is for sway's key binding: `$CLIPNOTE_BIN_DIR`, or the workspace's
/// debug build (`<target>/debug`).
pub fn bin_dir(target_dir: &Path) -> PathBuf {
    match std::env::var_os("CLIPNOTE_BIN_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => target_dir.join("debug"),
    }
}

/// `<run dir>/wl-xdg`, or a short dir of ours under /tmp when socket paths in it would pass the
/// 108-byte limit of a Unix socket path (a deep target dir). `true` when it is the short one.
fn runtime_dir_path(run_dir: &Path) -> Result<(PathBuf, bool)> {
    let dir = run_dir.join("wl-xdg");
    // The longest socket path inside: `pipewire-0-manager`, `sway-ipc.sock`, `pulse/native`.
    if dir.as_os_str().len() + "/pipewire-0-manager.lock".len() < 100 {
        return Ok((dir, false));
    }
    let short = std::env::temp_dir().join(format!("clipnote-wl-{}", std::process::id()));
    let _ = fs::remove_dir_all(&short); // a previous process with our pid
    Ok((short, true))
}

/// A session bus that activates nothing: its only service dir is an empty one of ours, so no
/// portal or other service installed on the machine starts behind our back.
fn bus_config(socket: &Path, service_dir: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Written by cargo xtask (xtask/src/wayland.rs) for one test run. -->
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path={}</listen>
  <!-- Processes sway starts live in a user namespace where they look like uid 65534, which
       EXTERNAL refuses: ANONYMOUS lets them on. Everything else authenticates as root. -->
  <auth>EXTERNAL</auth>
  <auth>ANONYMOUS</auth>
  <allow_anonymous/>
  <servicedir>{}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        socket.display(),
        service_dir.display()
    )
}

fn sway_config(runtime_dir: &Path, bin_dir: &Path) -> String {
    format!(
        "# Written by cargo xtask (xtask/src/wayland.rs) for one test run.\n\
         xwayland disable\n\
         output {OUTPUT} mode {w}x{h} position 0 0\n\
         default_border none\n\
         default_floating_border none\n\
         focus_follows_mouse no\n\
         for_window [app_id=\"{CLOCK_APP_ID}\"] floating enable, move absolute position 24 24\n\
         # The app's global shortcut, as a user would bind it in sway.\n\
         bindsym ctrl+alt+r exec '{toggle}' toggle\n\
         # The start-up check that key bindings' commands can write into the runtime dir.\n\
         bindsym ctrl+alt+shift+F12 exec touch '{check}'\n",
        w = world::WIDTH,
        h = world::HEIGHT,
        toggle = bin_dir.join("clipnote").display(),
        check = runtime_dir.join(CHECK_FILE).display(),
    )
}

/// A `.portal` file as x-d-p 1.16 reads them from `XDG_DESKTOP_PORTAL_DIR`: used in sway.
fn portal_file(bus_name: &str, interfaces: &[&str]) -> String {
    format!(
        "[portal]\nDBusName={bus_name}\nInterfaces={};\nUseIn=sway;\n",
        interfaces.join(";")
    )
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| fail(format!("cannot write {}: {e}", path.display())))
}

/// The `wayland-N` socket sway made in the runtime dir.
fn wayland_socket(runtime_dir: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    fs::read_dir(runtime_dir).ok()?.flatten().find_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_socket = e.file_type().is_ok_and(|t| t.is_socket());
        (is_socket && name.starts_with("wayland-")).then_some(name)
    })
}

/// stdout of a command that succeeded.
fn output(cmd: &mut Command) -> Option<String> {
    output_bytes(cmd).map(|out| String::from_utf8_lossy(&out).into_owned())
}

fn output_bytes(cmd: &mut Command) -> Option<Vec<u8>> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

fn dbus_send(bus: &str, dest: &str, path: &str, method: &str, args: &[&str]) -> Option<String> {
    output(
        Command::new("dbus-send")
            .arg(format!("--bus={bus}"))
            .args(["--print-reply", "--reply-timeout=2000"])
            .arg(format!("--dest={dest}"))
            .args([path, method])
            .args(args),
    )
}

fn list_names(bus: &str) -> Option<String> {
    dbus_send(
        bus,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.ListNames",
        &[],
    )
}

fn has_owner(bus: &str, name: &str) -> bool {
    list_names(bus).is_some_and(|names| names.contains(&format!("\"{name}\"")))
}

/// PipeWire's clients (`pw-cli ls Client`), with their `application.name`s.
fn pw_clients(runtime_dir: &Path) -> Option<String> {
    output(
        Command::new("pw-cli")
            .args(["ls", "Client"])
            .env("XDG_RUNTIME_DIR", runtime_dir)
            .env_remove("PIPEWIRE_REMOTE")
            .env_remove("PIPEWIRE_RUNTIME_DIR"),
    )
}
