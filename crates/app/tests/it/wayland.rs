//! Recording on Wayland as a user does: the real `clipnote` binary in the headless sway world,
//! through the desktop's ScreenCast portal (xdg-desktop-portal + the wlr backend) and PipeWire,
//! with the microphone on PipeWire's pulse server. Every clip is read back as the X11 ones are.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use testkit::clip::{self, Probe};
use testkit::world::{WaylandWorld, screen_lock, wayland_world, world};

/// The real binary living in the Wayland world, with its own home (state, config, library).
pub(crate) fn clipnote(w: &WaylandWorld, home: &Path) -> Command {
    let mut cmd = w.command(env!("CARGO_BIN_EXE_clipnote"));
    cmd.env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("CLIPNOTE_CONFIG_DIR")
        .env_remove("CLIPNOTE_LIBRARY_DIR");
    cmd
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn record(w: &WaylandWorld, home: &Path, out: &Path, seconds: &str) -> Output {
    clipnote(w, home)
        .args(["record", "--seconds", seconds, "--json", "--out"])
        .arg(out)
        .args(["--mic", &world().mic])
        .output()
        .expect("clipnote runs")
}

/// Starts `clipnote record` on Wayland and returns once its "Recording to" line is out.
fn start_recording(w: &WaylandWorld, home: &Path, out: &Path) -> Child {
    let mut cmd = clipnote(w, home);
    cmd.args(["record", "--mic", &world().mic, "--out"])
        .arg(out);
    crate::record::spawn_recording(cmd).0
}

/// Luma SSIM of each of the clip's frames against `png` (both scaled to the clip's size and
/// made 4:2:0, so a colour mix-up shows in the "All" figure too), of the part `crop` keeps
/// (an FFmpeg filter, e.g. `crop=600:120:0:0,`; `""` for all): (Y, All) per frame.
fn ssim_against(clip: &Path, png: &Path, crop: &str) -> Vec<(f64, f64)> {
    let dir = tempfile::tempdir().unwrap();
    let stats = dir.path().join("ssim.log");
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(clip)
        .args(["-loop", "1", "-i"])
        .arg(png)
        .args([
            "-lavfi",
            &format!(
                "[0:v]{crop}format=yuv420p[a];[1:v]scale=1920:1080,{crop}format=yuv420p[b];[a][b]ssim=stats_file={}:shortest=1",
                stats.display()
            ),
            "-f",
            "null",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "ffmpeg ssim: {}", text(&out.stderr));
    let log = std::fs::read_to_string(&stats).unwrap();
    log.lines()
        .filter_map(|line| {
            let field = |name: &str| {
                line.split_whitespace()
                    .find_map(|f| f.strip_prefix(name))
                    .and_then(|v| v.parse::<f64>().ok())
            };
            Some((field("Y:")?, field("All:")?))
        })
        .collect()
}

/// The grey pixels of a strip at the top left (where the clock is) of the frame at `secs`.
fn clock_strip(clip: &Path, secs: f64) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-ss", &secs.to_string(), "-i"])
        .arg(clip)
        .args([
            "-frames:v",
            "1",
            "-vf",
            "crop=600:120:0:0,format=gray",
            "-f",
            "rawvideo",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

/// The frame that matches best: (Y, All).
fn best_ssim(ssim: &[(f64, f64)]) -> (f64, f64) {
    ssim.iter()
        .copied()
        .fold((0.0, 0.0), |b, s| if s.0 > b.0 { s } else { b })
}

/// `clipnote record` for `seconds`, without sound, logging what capture does (`RUST_LOG`) to
/// its piped stderr.
fn record_logging_capture(w: &WaylandWorld, home: &Path, out: &Path, seconds: &str) -> Child {
    clipnote(w, home)
        .args(["record", "--seconds", seconds, "--mic", "none", "--out"])
        .arg(out)
        .env("RUST_LOG", "capture=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Tells sway to do something (`swaymsg ARGS`), which must succeed.
fn swaymsg(w: &WaylandWorld, args: &[&str]) {
    let done = w
        .command("swaymsg")
        .args(args)
        .output()
        .expect("swaymsg runs");
    assert!(
        done.status.success(),
        "swaymsg {args:?}: {}",
        text(&done.stderr)
    );
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

fn token_file(home: &Path) -> PathBuf {
    home.join("state/clipnote/portal-restore-tokens")
}

#[test]
fn a_wayland_recording_through_the_portal_holds_the_live_screen_and_the_tone() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("wayland.mp4");

    let child = {
        let mut cmd = clipnote(&w, home.path());
        cmd.args([
            "record",
            "--seconds",
            "5",
            "--json",
            "--mic",
            &world().mic,
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd.spawn().expect("clipnote starts")
    };
    // Screenshots of the same moments, taken by another program, mid-recording. Several, so
    // that a frame the loaded machine dropped right then doesn't decide the test.
    let shots: Vec<PathBuf> = (0..3)
        .map(|i| {
            std::thread::sleep(Duration::from_millis(if i == 0 { 1800 } else { 700 }));
            let shot = home.path().join(format!("grim-{i}.png"));
            w.grim_png(&shot);
            shot
        })
        .collect();
    let done = child.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "clipnote record on Wayland: {}",
        text(&done.stderr)
    );

    let probe = Probe::of(&out).unwrap();
    let video = probe.stream("video").expect("a video stream");
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(video["pix_fmt"], "yuv420p");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    assert_eq!(
        probe.stream("audio").expect("a sound track")["codec_name"],
        "aac"
    );
    let secs = probe.duration_secs();
    assert!((secs - 5.0).abs() <= 0.5, "{secs} s long");

    // The screen moved while it was recorded: the clock differs from one second to the next.
    assert_ne!(clock_strip(&out, 1.0), clock_strip(&out, 2.5));
    // And it is the screen the desktop showed: for one of grim's pictures, one frame matches it
    // closely, and far better than the clip's frames do on the whole.
    let (best, median) = shots
        .iter()
        .map(|shot| {
            let ssim = ssim_against(&out, shot, "");
            let mut sorted: Vec<f64> = ssim.iter().map(|s| s.0).collect();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let best = best_ssim(&ssim);
            eprintln!(
                "SSIM against {}: best Y {:.4} All {:.4}, median Y {median:.4}",
                shot.display(),
                best.0,
                best.1
            );
            (best, median)
        })
        .fold(((0.0, 0.0), 0.0), |b, s| if s.0.0 > b.0.0 { s } else { b });
    assert!(best.0 >= 0.9 && best.1 >= 0.9, "best SSIM {best:?}");
    assert!(
        best.0 > median + 0.02,
        "the match is of that moment: best {best:?}, median {median}"
    );

    // The microphone, through PipeWire's pulse server, heard the world's 440 Hz tone.
    let samples = clip::audio_samples(&out);
    let tail = &samples[samples.len() / 4..];
    let tone = clip::tone_amplitude(tail, 440.0, 48_000.0);
    let off = clip::tone_amplitude(tail, 1000.0, 48_000.0);
    assert!(
        tone > 10.0 * off && tone > 0.005,
        "tone {tone} vs off-frequency {off}"
    );
}

#[test]
fn the_second_wayland_recording_reuses_the_choice_without_asking_again() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();

    let start = w.portal_log();
    let first = record(&w, home.path(), &home.path().join("one.mp4"), "1");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let asked = &w.portal_log()[start.len()..];
    assert_eq!(count(asked, "output chooser called"), 1, "{asked}");
    let token = std::fs::read_to_string(token_file(home.path()))
        .expect("the portal's restore token is kept after the first recording");
    assert!(token.lines().any(|l| l.starts_with("monitor ")), "{token}");
    // The stream's size is kept beside it, for the next recording to open its encoder while the
    // portal works. A size that proved wrong (the monitor changed) costs only that head start.
    assert!(
        token.lines().any(|l| l == "monitor-size 1920x1080"),
        "{token}"
    );
    let wrong = token.replace("monitor-size 1920x1080", "monitor-size 640x480");
    std::fs::write(token_file(home.path()), wrong).unwrap();
    let before = w.portal_log();

    let second = record(&w, home.path(), &home.path().join("two.mp4"), "1");
    assert!(second.status.success(), "{}", text(&second.stderr));
    let after = w.portal_log();
    let new = &after[before.len()..];
    assert_eq!(
        count(new, "output chooser called"),
        0,
        "the second recording asked for a source again:\n{new}"
    );
    assert_eq!(count(new, "restore data available"), 1, "{new}");
    // The token the start answered with is kept for the next time (xdg-desktop-portal 1.16
    // hands the same one back; newer ones may rotate it).
    let kept = std::fs::read_to_string(token_file(home.path())).unwrap();
    assert!(
        kept.lines()
            .any(|l| l.starts_with("monitor ") && l.trim().len() > "monitor ".len()),
        "{kept}"
    );
    assert!(
        kept.lines().any(|l| l == "monitor-size 1920x1080"),
        "{kept}"
    );
    let two = Probe::of(&home.path().join("two.mp4")).unwrap();
    assert!(two.duration_secs() > 0.5);
    let video = two.stream("video").expect("a video stream");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(1920), Some(1080)),
        "the encoder opened for the screen, not for the size expected"
    );
}

#[test]
fn killing_a_wayland_recording_leaves_a_clip_a_browser_plays() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("killed.mp4");
    let mut child = start_recording(&w, home.path(), &out);
    std::thread::sleep(Duration::from_secs(4));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let partial = home.path().join("killed.recording.mp4");
    assert!(!out.exists(), "a killed recording is never finalised");
    clip::decode_all(&partial).expect("the unfinished file decodes");
    let secs = Probe::of(&partial).unwrap().duration_secs();
    assert!(secs >= 2.5, "{secs} s kept of about 4");
    let played = clip::play_in_browser(&world().chromium, &partial);
    assert!(played.contains("ended"), "Chromium: {played}");
}

#[test]
fn devices_on_wayland_name_the_portal_backend() {
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = clipnote(&w, home.path())
        .args(["devices", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["backend"], "wayland");
    let wayland = json["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "wayland")
        .expect("wayland listed");
    assert_eq!(wayland["available"], true, "{wayland}");
    assert!(
        json["microphones"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == world().mic.as_str()),
        "the PipeWire microphone is listed: {json}"
    );
}

/// `clipnote record` on the session bus at `bus`, which must fail: its exit code and error
/// output, once it is seen that it left no clip, not even half a one.
fn failed_record_on_bus(w: &WaylandWorld, home: &Path, bus: &str) -> (Option<i32>, String) {
    let out = clipnote(w, home)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .args(["record", "--seconds", "1", "--mic", "none", "--out"])
        .arg(home.join("never.mp4"))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(clips_in(home), Vec::<PathBuf>::new(), "{err}");
    (out.status.code(), err)
}

#[test]
fn wayland_errors_name_the_fix() {
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out_path = home.path().join("never.mp4");

    // No portal: a session bus where nothing answers.
    let empty = home.path().join("no-bus");
    let (code, err) =
        failed_record_on_bus(&w, home.path(), &format!("unix:path={}", empty.display()));
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("xdg-desktop-portal") && err.contains("xdg-desktop-portal-gnome"),
        "{err}"
    );

    // PipeWire not running: the portal answers, but cannot connect to PipeWire for us.
    let (code, err) = failed_record_on_bus(&w, home.path(), &w.no_pipewire_dbus);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("PipeWire") && err.contains("systemctl --user start pipewire"),
        "{err}"
    );

    // A backend that does not exist.
    let out = clipnote(&w, home.path())
        .args(["record", "--backend", "mir", "--out"])
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("x11 or wayland"),
        "{}",
        text(&out.stderr)
    );

    // X11 forced where there is no X server.
    let out = clipnote(&w, home.path())
        .args(["record", "--backend", "x11", "--seconds", "1", "--out"])
        .arg(&out_path)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("DISPLAY"), "{err}");
}

#[test]
fn a_region_on_wayland_is_cut_from_the_shared_monitor() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("region.mp4");
    let done = clipnote(&w, home.path())
        .args([
            "record",
            "--region",
            "100,80,400,300",
            "--seconds",
            "1",
            "--mic",
            "none",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(done.status.success(), "{}", text(&done.stderr));
    let probe = Probe::of(&out).unwrap();
    let video = probe.stream("video").unwrap();
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(400), Some(300))
    );
    // Not black: the world's test pattern is there.
    let bright = clip::frame_brightness(&out);
    assert!(bright.iter().any(|(_, luma)| *luma > 30.0), "{bright:?}");

    let off = clipnote(&w, home.path())
        .args([
            "record",
            "--region",
            "1800,1000,400,300",
            "--seconds",
            "1",
            "--mic",
            "none",
        ])
        .arg("--out")
        .arg(home.path().join("off.mp4"))
        .output()
        .unwrap();
    let err = text(&off.stderr);
    assert_eq!(off.status.code(), Some(2), "{err}");
    assert!(
        err.contains("does not fit") && err.contains("1920x1080"),
        "{err}"
    );
}

/// The windows sway shows whose app id is `app_id`, with their shell (`xdg_shell` is a native
/// Wayland window, `xwayland` an X11 one).
fn sway_windows(w: &WaylandWorld, app_id: &str) -> Vec<(String, String)> {
    let out = w
        .command("swaymsg")
        .args(["-r", "-t", "get_tree"])
        .output()
        .expect("swaymsg runs");
    assert!(out.status.success(), "swaymsg: {}", text(&out.stderr));
    let tree: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found = Vec::new();
    let mut stack = vec![&tree];
    while let Some(node) = stack.pop() {
        if node["app_id"] == app_id {
            found.push((
                node["name"].as_str().unwrap_or_default().to_owned(),
                node["shell"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        for key in ["nodes", "floating_nodes"] {
            if let Some(children) = node[key].as_array() {
                stack.extend(children);
            }
        }
    }
    found
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..300 {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} never happened");
}

#[test]
fn the_app_runs_natively_on_wayland_and_a_sway_shortcut_to_toggle_records() {
    use crate::real_app::{launch, wait_for_line};
    let _screen = screen_lock();
    let w = wayland_world();
    let home = crate::ui::Home::new();
    let (_app, log) = launch(
        w.command(env!("CARGO_BIN_EXE_clipnote")),
        &home,
        &[
            ("CLIPNOTE_COUNTDOWN", "off".as_ref()),
            ("CLIPNOTE_WINDOW_SIZE", "1280x800".as_ref()),
            ("XDG_STATE_HOME", home.path("state").as_os_str()),
        ],
    );
    wait_for_line(&log, "app: first frame");
    wait_until("the Clipnote window shows in sway", || {
        !sway_windows(&w, "clipnote").is_empty()
    });
    let windows = sway_windows(&w, "clipnote");
    assert!(
        windows.iter().all(|(_, shell)| shell == "xdg_shell"),
        "a native Wayland window, not XWayland: {windows:?}"
    );
    // For a person to look at: the app as the Wayland desktop shows it (once it has drawn).
    std::thread::sleep(Duration::from_millis(700));
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wayland-app.png");
    w.grim_png(&shot);

    // sway's config binds Ctrl+Alt+R to `clipnote toggle`, as the README tells sway users to.
    let press = || w.wtype(&["-M", "ctrl", "-M", "alt", "r", "-m", "alt", "-m", "ctrl"]);
    press();
    wait_for_line(&log, "recording: started");
    wait_until("the HUD shows beside the main window", || {
        sway_windows(&w, "clipnote-hud")
            .iter()
            .any(|(name, shell)| name.contains("recording") && shell == "xdg_shell")
    });
    std::thread::sleep(Duration::from_millis(700));
    let hud = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wayland-hud.png");
    w.grim_png(&hud);
    std::thread::sleep(Duration::from_secs(2));
    press();
    wait_for_line(&log, "app: review opened");
    let clips = crate::real_app::files_ending(&home.path("library"), ".mp4");
    let finished: Vec<_> = clips
        .iter()
        .filter(|p| !p.to_string_lossy().ends_with(".recording.mp4"))
        .collect();
    assert_eq!(finished.len(), 1, "{clips:?}");
    let secs = Probe::of(finished[0]).unwrap().duration_secs();
    assert!(secs > 1.0, "{secs} s");
}

#[test]
fn a_wayland_recording_survives_the_monitor_changing_its_mode() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("resized.mp4");
    let output_mode = |mode: &str| swaymsg(&w, &["output", "HEADLESS-1", "mode", mode]);
    let child = record_logging_capture(&w, home.path(), &out, "5");
    std::thread::sleep(Duration::from_millis(1500));
    output_mode("1280x720");
    std::thread::sleep(Duration::from_millis(1500));
    output_mode("1920x1080");
    let done = child.wait_with_output().unwrap();
    let log = text(&done.stderr);
    assert!(done.status.success(), "{log}");
    // The stream really changed size on the way (and back).
    let formats: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("the screen stream's format"))
        .collect();
    assert!(
        formats.iter().any(|l| l.contains("width=1280")),
        "the stream never came at 1280x720: {formats:?}"
    );
    let probe = Probe::of(&out).unwrap();
    let video = probe.stream("video").unwrap();
    // The clip keeps the size it opened with; the smaller pictures are scaled into it.
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    let secs = probe.duration_secs();
    assert!((secs - 5.0).abs() <= 0.5, "{secs} s");
    clip::decode_all(&out).expect("every frame decodes");
    // The picture goes on after the change: the clock still moves near the end.
    assert_ne!(clock_strip(&out, 3.5), clock_strip(&out, 4.5));
}

/// The files a recording may have left in `dir`.
fn clips_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect()
}

#[test]
fn cancelling_the_portal_dialog_records_nothing_and_exits_130() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("cancelled.mp4");
    let before = w.portal_log();
    let done = {
        let _cancel = w.cancel_the_portal_dialog();
        clipnote(&w, home.path())
            .args(["record", "--seconds", "2", "--mic", &world().mic, "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let err = text(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{err}");
    assert!(
        err.contains("cancelled") && err.contains("nothing was recorded"),
        "{err}"
    );
    assert_eq!(
        clips_in(home.path()),
        Vec::<PathBuf>::new(),
        "no clip, not even half a one"
    );
    assert!(
        !token_file(home.path()).exists(),
        "nothing was chosen, so nothing is remembered"
    );
    // The desktop did ask, and the person said no.
    let new = &w.portal_log()[before.len()..];
    assert_eq!(count(new, "output chooser canceled"), 1, "{new}");
}

#[test]
fn a_revoked_restore_token_makes_the_desktop_ask_once_more_and_is_replaced() {
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    let tokens = token_file(home.path());
    std::fs::create_dir_all(tokens.parent().unwrap()).unwrap();
    // A choice the desktop no longer knows (revoked in its settings, or its store was reset),
    // and a token file damaged on the way (which the portal refuses outright).
    for stale in [
        "5e1f0c1e-2b6d-4c1a-9f3e-0123456789ab",
        "not-a-token-any-more",
    ] {
        std::fs::write(&tokens, format!("monitor {stale}\n")).unwrap();
        let before = w.portal_log();
        let out = home.path().join(format!("asked-again-{}.mp4", &stale[..3]));
        let done = record(&w, home.path(), &out, "1");
        assert!(done.status.success(), "{stale}: {}", text(&done.stderr));
        assert!(Probe::of(&out).unwrap().duration_secs() > 0.5);
        let new = &w.portal_log()[before.len()..];
        assert_eq!(count(new, "restore data available"), 0, "{stale}: {new}");
        assert_eq!(
            count(new, "output chooser called"),
            1,
            "{stale}: asked once: {new}"
        );
        let kept = std::fs::read_to_string(&tokens).unwrap();
        let kept_tokens: Vec<&str> = kept.lines().filter(|l| l.starts_with("monitor ")).collect();
        assert!(
            kept_tokens.len() == 1 && !kept.contains(stale),
            "the new token replaces {stale}: {kept}"
        );
    }

    // And the new one is remembered: the next recording is not asked about.
    let before = w.portal_log();
    let again = record(&w, home.path(), &home.path().join("remembered.mp4"), "1");
    assert!(again.status.success(), "{}", text(&again.stderr));
    let new = &w.portal_log()[before.len()..];
    assert_eq!(count(new, "output chooser called"), 0, "{new}");
}

/// foot showing a clock that changes every 50 ms, as the world's clock does.
const CLOCK_LOOP: &str =
    r#"printf '\033[?25l'; while :; do printf '\r%s' "$(date +%H:%M:%S.%2N)"; sleep 0.05; done"#;

#[test]
fn on_a_still_screen_only_what_changed_is_copied_and_the_clip_matches_the_screen() {
    use crate::real_app::AppProcess;
    let _screen = screen_lock();
    let w = wayland_world();
    let home = tempfile::tempdir().unwrap();
    // A still screen but for a clock: a terminal filling the output over the world's motion.
    let _still = AppProcess(
        w.command("foot")
            .args([
                "--app-id",
                "clipnote-still",
                "--override",
                "font=monospace:size=40",
            ])
            .args(["sh", "-c", CLOCK_LOOP])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("foot runs"),
    );
    wait_until("the still terminal shows in sway", || {
        !sway_windows(&w, "clipnote-still").is_empty()
    });
    swaymsg(&w, &["[app_id=clipnote-still]", "fullscreen", "enable"]);
    std::thread::sleep(Duration::from_millis(700));

    let out = home.path().join("still.mp4");
    let grim = home.path().join("still.png");
    let child = record_logging_capture(&w, home.path(), &out, "4");
    std::thread::sleep(Duration::from_millis(2000));
    w.grim_png(&grim);
    let done = child.wait_with_output().unwrap();
    let log = text(&done.stderr);
    assert!(done.status.success(), "{log}");

    // The desktop listed what changed, and only that was copied for most pictures.
    let copied = log
        .lines()
        .find(|l| l.contains("pictures copied from the stream"))
        .unwrap_or_else(|| panic!("no count of copied pictures in the log:\n{log}"));
    let field = |name: &str| {
        copied
            .split_whitespace()
            .find_map(|f| f.strip_prefix(name))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} in {copied}"))
    };
    let (whole, damaged) = (field("whole="), field("damaged="));
    eprintln!("pictures copied whole: {whole}, only their damage: {damaged}");
    assert!(damaged > 0, "no picture was copied by its damage: {copied}");

    // The clock moved in the clip (its damage was copied), and the clip is the screen grim saw.
    assert_ne!(clock_strip(&out, 1.0), clock_strip(&out, 3.0));
    let screen = best_ssim(&ssim_against(&out, &grim, ""));
    let clock = best_ssim(&ssim_against(&out, &grim, "crop=600:120:0:0,"));
    eprintln!("SSIM against grim: screen {screen:?}, clock {clock:?}");
    assert!(screen.0 >= 0.95 && screen.1 >= 0.95, "screen {screen:?}");
    assert!(clock.0 >= 0.9 && clock.1 >= 0.9, "clock {clock:?}");
}
