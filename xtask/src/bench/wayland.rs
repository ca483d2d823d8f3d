//! The Wayland side of `bench record` (`--backend wayland`): the Wayland test world (headless
//! sway, PipeWire, the ScreenCast portal with the wlr backend; no X11 world), clipnote recording
//! through the portal (`--backend wayland`), `wf-recorder` (wlr-screencopy, Debian 12's 0.3) as
//! the peer, vim in a full-screen foot, keys pressed with `wtype`, screenshots taken with `grim`.
//!
//! wf-recorder 0.3 has no frame-rate or duration option, and fixed audio: it gets `-F fps=30`
//! (what later versions' `-r 30` adds to its filter graph: a constant 30 fps, like clipnote's
//! paced frames), SIGINT once its clip has existed for the seconds (it opens the file at its
//! first frame), and encodes AAC at 128 kb/s, stereo, 44.1 kHz whatever it is told. It does not
//! count dropped frames: its `dropped` is 30 × the seconds − the frames in its clip (at SIGINT it
//! also drops the frames still queued for its encoder), and the `changed` column says how many
//! different pictures reached the file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{Action, Peer, Recorder, Stage, Stops};
use crate::proc::Bg;
use crate::wayland::{OUTPUT, WaylandWorld};
use crate::world::{self, set_mode_700};
use crate::{Result, fail};

/// What the Wayland bench needs beyond the Wayland world: the editor, `convert` for the
/// walkthrough's side-by-side image.
pub(super) const PACKAGES: &[&str] = &["vim", "imagemagick"];
const EDITOR_APP_ID: &str = "clipnote-bench-editor";
/// The editor's shell: waits for the file `$0`, then runs its arguments.
const EDITOR_GATE: &str = r#"while [ ! -e "$0" ]; do sleep 0.05; done; exec "$@""#;
/// The world's processes that do part of a recorder's work: sway copies the output for
/// wlr-screencopy (both recorders), the portal and its backend set up the cast and xdpw copies
/// frames into PipeWire (clipnote), PipeWire carries them and pipewire-pulse the mic (both).
const SERVICES: &[&str] = &[
    "sway",
    "xdpw",
    "xdg-desktop-portal",
    "pipewire",
    "wireplumber",
    "pipewire-pulse",
];

pub(super) struct Wayland {
    world: WaylandWorld,
    /// HOME and XDG_*_HOME of both recorders: clipnote keeps its portal restore token there, not
    /// in the home of whoever runs the bench.
    home: PathBuf,
}

impl Wayland {
    /// Starts the Wayland world with its run dir in `out_dir/world` (its logs stay there);
    /// sway's key binding runs the `clipnote` in `bins`.
    pub(super) fn start(out_dir: &Path, bins: &Path) -> Result<Wayland> {
        let xdpw = crate::xdpw::ensure_built(&crate::target_dir())?;
        let run_dir = out_dir.join("world");
        let home = out_dir.join("home");
        for dir in [&run_dir, &home] {
            fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        }
        set_mode_700(&home)?;
        let world = WaylandWorld::start(&run_dir, bins, &xdpw).map_err(|e| {
            fail(format!(
                "{e}\n(the Wayland world's logs are in {})",
                run_dir.display()
            ))
        })?;
        Ok(Wayland { world, home })
    }

    /// A command living in the world, with the bench's private home.
    pub(super) fn command(&self, program: &str) -> Command {
        let mut cmd = self.world.command(program);
        let home = |sub: &str| self.home.join(sub);
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", home(".config"))
            .env("XDG_STATE_HOME", home(".local/state"))
            .env("XDG_DATA_HOME", home(".local/share"))
            .env("XDG_CACHE_HOME", home(".cache"));
        cmd
    }
}

impl Stage for Wayland {
    fn peer(&self) -> Peer {
        Peer {
            name: "wf-recorder",
            label: "wf-recorder",
        }
    }

    fn peer_settings(&self, encoder_args: &[String]) -> String {
        let (args, unmapped) = wf_recorder_args(encoder_args);
        let mut text = args.join(" ");
        if !unmapped.is_empty() {
            text.push_str(&format!(
                " (wf-recorder 0.3 cannot take `{}`: its audio is always AAC 128 kb/s stereo \
                 44.1 kHz)",
                unmapped.join(" ")
            ));
        }
        text
    }

    fn clipnote_record(&self, clipnote: &Path) -> Command {
        let mut cmd = self.command(&clipnote.display().to_string());
        cmd.args(["record", "--backend", "wayland"]);
        cmd
    }

    fn peer_recorder(&self, encoder_args: &[String], _secs: u32, out: &Path) -> Result<Recorder> {
        let (args, _) = wf_recorder_args(encoder_args);
        let mut cmd = self.command("wf-recorder");
        cmd.args(["-o", OUTPUT])
            .arg(format!("--audio={}", world::MIC))
            .args(args)
            .arg("-f")
            .arg(out);
        Ok(Recorder {
            cmd,
            stops: Stops::OnSigint,
            // It counts none. At 30 fps a clip of the seconds holds 30 a second; what is missing
            // was never captured or still queued for the encoder at SIGINT (it drops those).
            dropped: |left| Some(u64::from(left.secs * 30).saturating_sub(left.frames_in_file?)),
        })
    }

    fn stop_content(&mut self) {
        self.world.stop_content();
    }

    /// vim showing this crate's world.rs in a full-screen foot with a dark theme (full screen:
    /// sway shows nothing over it, so the world's clock is hidden), focused.
    ///
    /// vim starts only once the window is mapped: started at once, it could draw before foot
    /// had its full-screen size and the screen kept rows of that first draw.
    fn start_editor(&self, blink: bool) -> Result<Bg> {
        let source = super::editor_source();
        let gate = self.home.join("editor-may-start");
        let _ = fs::remove_file(&gate);
        let gate_arg = gate.display().to_string();
        let mut args = vec![
            "--app-id",
            EDITOR_APP_ID,
            "--fullscreen",
            "--font",
            "DejaVu Sans Mono:size=11",
            "--override",
            "colors.background=1e1e1e",
            "--override",
            "colors.foreground=d4d4d4",
        ];
        if blink {
            args.extend(["--override", "cursor.blink=yes"]);
        }
        args.extend(["sh", "-c", EDITOR_GATE, &gate_arg]);
        args.extend(super::VIM.iter().copied());
        args.push(&source);
        let mut editor = self.world.spawn("editor", "foot", &args)?;
        self.world.wait_app(EDITOR_APP_ID, &mut editor)?;
        fs::write(&gate, "").map_err(|e| fail(format!("cannot create {}: {e}", gate.display())))?;
        let focus = format!("[app_id=\"{EDITOR_APP_ID}\"] focus");
        crate::run_checked(self.command("swaymsg").arg(focus).stdout(Stdio::null()))?;
        std::thread::sleep(Duration::from_millis(800)); // vim draws
        Ok(editor)
    }

    fn editor_name(&self) -> &'static str {
        "vim in foot"
    }

    fn action(&self, action: &Action) -> Command {
        match action {
            Action::Key(key) => {
                let mut cmd = self.command("wtype");
                cmd.args(wtype_args(key));
                cmd
            }
            Action::Screenshot(png) => {
                let mut cmd = self.command("grim");
                cmd.args(["-o", OUTPUT]).arg(png);
                cmd
            }
        }
    }

    /// A line scrolled: wf-recorder sees SIGINT only at its next frame, and asks for a frame
    /// only once the screen changed. It ends without encoding that frame.
    fn wake(&self) -> Option<Command> {
        Some(self.action(&Action::Key("ctrl+e")))
    }

    fn services(&self) -> Vec<(String, u32)> {
        let pids = self.world.helper_pids();
        SERVICES
            .iter()
            .filter_map(|name| pids.iter().find(|(n, _)| n == name).cloned())
            .collect()
    }
}

/// `wtype` arguments pressing `key` in xdotool's notation: `ctrl+e` is `-M ctrl e -m ctrl`.
fn wtype_args(key: &str) -> Vec<String> {
    let mut parts: Vec<&str> = key.split('+').collect();
    let key = parts.pop().unwrap_or_default();
    let mut args = Vec::new();
    for modifier in &parts {
        args.extend(["-M".to_owned(), (*modifier).to_owned()]);
    }
    args.push(key.to_owned());
    for modifier in parts.iter().rev() {
        args.extend(["-m".to_owned(), (*modifier).to_owned()]);
    }
    args
}

/// wf-recorder 0.3's options for the encode that `ffmpeg` output options describe, and the
/// options it cannot take. Video: the codec (`-c`), its options (`-p name=value`), B-frames
/// (`-b`), yuv420p (`-t`) and a constant 30 fps (`-F fps=30`, converted to yuv420p after that
/// filter, as `-r 30 -x yuv420p` of later versions do). It always converts with
/// `fast_bilinear` and always encodes audio as AAC (128 kb/s, stereo, 44.1 kHz).
fn wf_recorder_args(encoder_args: &[String]) -> (Vec<String>, Vec<String>) {
    let mut args: Vec<String> = Vec::new();
    let mut unmapped = Vec::new();
    let mut options = encoder_args.iter();
    while let Some(option) = options.next() {
        let Some(value) = options.next() else {
            unmapped.push(option.clone());
            break;
        };
        let mut push = |flag: &str, value: String| args.extend([flag.to_owned(), value]);
        match (option.as_str(), value.as_str()) {
            ("-c:v" | "-vcodec", _) => push("-c", value.clone()),
            ("-preset" | "-crf" | "-tune" | "-g" | "-qp" | "-x264-params" | "-profile:v", _) => {
                let name = option.trim_start_matches('-').trim_end_matches(":v");
                push("-p", format!("{name}={value}"));
            }
            ("-bf", _) => push("-b", value.clone()),
            // 0.3 ignores `-x`: its encoder takes any format libx264 has, so BGR0 becomes
            // yuv444p. `-t` limits it to yuv420p, as later versions' `-x yuv420p` does.
            ("-pix_fmt", "yuv420p") => args.push("-t".to_owned()),
            ("-sws_flags", "fast_bilinear") | ("-c:a", "aac") => {} // what it always does
            _ => unmapped.push(format!("{option} {value}")),
        }
    }
    args.extend(["-F".to_owned(), "fps=30".to_owned()]);
    (args, unmapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipnotes_encode_reads_as_wf_recorder_options() {
        let profile = "-c:v libx264 -preset veryfast -crf 28 -tune stillimage,zerolatency -g 300 \
                       -bf 0 -sws_flags fast_bilinear -pix_fmt yuv420p -c:a aac -b:a 64k -ac 1 \
                       -ar 48000";
        let profile: Vec<String> = profile.split_whitespace().map(str::to_owned).collect();
        let (args, unmapped) = wf_recorder_args(&profile);
        assert_eq!(
            args.join(" "),
            "-c libx264 -p preset=veryfast -p crf=28 -p tune=stillimage,zerolatency -p g=300 \
             -b 0 -t -F fps=30"
        );
        assert_eq!(unmapped, ["-b:a 64k", "-ac 1", "-ar 48000"]);
    }

    #[test]
    fn keys_read_as_wtype_presses() {
        assert_eq!(wtype_args("ctrl+e"), ["-M", "ctrl", "e", "-m", "ctrl"]);
        assert_eq!(wtype_args("j"), ["j"]);
        assert_eq!(
            wtype_args("ctrl+shift+x"),
            [
                "-M", "ctrl", "-M", "shift", "x", "-m", "shift", "-m", "ctrl"
            ]
        );
    }
}
