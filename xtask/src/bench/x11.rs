//! The X11 side of `bench record`: the test world's Xvfb, the `ffmpeg` CLI (`x11grab` + `pulse`)
//! as the peer, vim in a full-screen xterm, keys pressed with `xdotool`, screenshots taken with
//! `import`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{Action, Peer, Recorder, Stage, Stops, last_number_after};
use crate::Result;
use crate::proc::Bg;
use crate::world::{self, World};

const EDITOR_TITLE: &str = "clipnote-bench-editor";

pub(super) struct X11 {
    world: World,
}

impl X11 {
    pub(super) fn start() -> Result<X11> {
        Ok(X11 {
            world: World::start(&crate::target_dir())?,
        })
    }
}

impl Stage for X11 {
    fn peer(&self) -> Peer {
        Peer {
            name: "ffmpeg",
            label: "the ffmpeg CLI",
        }
    }

    fn peer_settings(&self, encoder_args: &[String]) -> String {
        encoder_args.join(" ")
    }

    fn clipnote_record(&self, clipnote: &Path) -> Command {
        let mut cmd = self.world.command(&clipnote.display().to_string());
        cmd.arg("record");
        cmd
    }

    fn peer_recorder(&self, encoder_args: &[String], secs: u32, out: &Path) -> Result<Recorder> {
        let mut cmd = self.world.command("ffmpeg");
        cmd.args(["-nostdin", "-y", "-hide_banner", "-loglevel", "info"])
            .args([
                "-thread_queue_size",
                "1024",
                "-f",
                "pulse",
                "-i",
                world::MIC,
            ])
            .args(["-thread_queue_size", "1024", "-f", "x11grab"])
            .args(["-framerate", "30"])
            .args([
                "-video_size",
                &format!("{}x{}", world::WIDTH, world::HEIGHT),
            ])
            .args([
                "-draw_mouse",
                "1",
                "-i",
                &format!(":{}.0+0,0", self.world.display),
            ])
            .args(["-map", "1:v", "-map", "0:a"])
            .args(encoder_args)
            .args(["-t", &secs.to_string(), "-movflags", "+faststart"])
            .arg(out);
        Ok(Recorder {
            cmd,
            stops: Stops::ByItself,
            // ffmpeg prints `drop=N` in its progress line only once a frame was dropped.
            dropped: |left| last_number_after(left.stderr, "drop=").or(Some(0)),
        })
    }

    fn stop_content(&mut self) {
        self.world.stop_content();
    }

    /// vim showing this crate's world.rs in a full-screen xterm with a dark theme, focused, the
    /// pointer parked in the bottom-right corner.
    fn start_editor(&self, blink: bool) -> Result<Bg> {
        let source = super::editor_source();
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
        args.extend(["-T", EDITOR_TITLE, "-e"]);
        args.extend(super::VIM.iter().copied());
        args.push(&source);
        let world = &self.world;
        let mut editor = world.spawn("editor", "xterm", &args)?;
        world.wait_window(EDITOR_TITLE, &mut editor)?;
        let xdotool = |args: &[&str]| crate::run_checked(world.command("xdotool").args(args));
        xdotool(&["search", "--name", EDITOR_TITLE, "windowfocus", "--sync"])?;
        xdotool(&["mousemove", "1919", "1079"])?;
        std::thread::sleep(Duration::from_millis(800)); // vim draws
        Ok(editor)
    }

    fn editor_name(&self) -> &'static str {
        "vim in xterm"
    }

    fn action(&self, action: &Action) -> Command {
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
        cmd.envs(self.world.env());
        cmd
    }
}
