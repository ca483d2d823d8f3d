//! `cargo xtask screenshots`: renders each screen of the desktop app under the test world's
//! Xvfb into `<target>/screenshots/*.png` at 1280×800, for a person to look at.
//!
//! Each shot is a fresh `clipnote` with its own empty folders, opened on one screen with
//! `CLIPNOTE_SCREEN`; `import -window` takes the window. The review shot first records a
//! 3-second clip with `clipnote record` and opens it with `CLIPNOTE_REVIEW_CLIP`; the HUD shot
//! presses the real hotkey with `xdotool`. The inbox shots post a recorded clip to the library
//! as two people (`clipnote post`), play one with `CLIPNOTE_WATCH=<id>` (which makes its
//! poster frame), then list both. The transcript shot posts a clip of real speech (jfk.wav),
//! transcribes it with `clipnote transcribe` and plays it: captions over the picture, the
//! transcript pane and the summary beside it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::proc::Bg;
use crate::world::{self, World};
use crate::{Result, cargo, deps, fail, run_checked, target_dir};

const SIZE: &str = "1280x800";
const SETTLE: Duration = Duration::from_millis(2500);

pub fn main() -> Result<i32> {
    deps::ensure(&[deps::BUILD, deps::WORLD, deps::RUN])?;
    eprintln!("xtask: building clipnote (debug)");
    run_checked(cargo().args(["build", "--quiet", "--package", "app", "--bins"]))?;
    let clipnote = target_dir().join("debug").join("clipnote");
    let out = target_dir().join("screenshots");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)
        .map_err(|e| fail(format!("cannot create {}: {e}", out.display())))?;

    // The moving content stays: its window holds the X input focus, without which (no window
    // manager here) key events, and so the global hotkey, go nowhere.
    let world = World::start(&target_dir())?;

    for screen in ["record", "review", "inbox", "outbox", "settings"] {
        let home = Home::new(&out, screen)?;
        shot(
            &world,
            &clipnote,
            &home,
            &[("CLIPNOTE_SCREEN", screen)],
            "Clipnote",
            &out.join(format!("{screen}-empty.png")),
        )?;
    }

    // Review with a real clip.
    let home = Home::new(&out, "review-clip")?;
    let clip = home.library.join("clip-demo.mp4");
    let mut record = world.command(&clipnote.display().to_string());
    record
        .args(["record", "--seconds", "3", "--mic", world::MIC, "--out"])
        .arg(&clip);
    run_checked(&mut record)?;
    let clip_env = clip.display().to_string();
    shot(
        &world,
        &clipnote,
        &home,
        &[("CLIPNOTE_REVIEW_CLIP", &clip_env)],
        "Clipnote",
        &out.join("review.png"),
    )?;

    inbox_shots(&world, &clipnote, &out)?;
    transcript_shot(&world, &clipnote, &out)?;

    // The HUD while recording: the real hotkey starts it.
    let home = Home::new(&out, "hud")?;
    let mut app = launch(&world, &clipnote, &home, &[("CLIPNOTE_SCREEN", "record")])?;
    world.wait_window("Clipnote", &mut app)?;
    std::thread::sleep(SETTLE);
    run_checked(world.command("xdotool").args(["key", "ctrl+alt+r"]))?;
    std::thread::sleep(Duration::from_millis(1200));
    capture(&world, "recording$", &out.join("hud-countdown.png"))?;
    std::thread::sleep(Duration::from_secs(4));
    capture(&world, "recording$", &out.join("hud.png"))?;
    capture(&world, "^Clipnote$", &out.join("record-recording.png"))?;
    run_checked(world.command("xdotool").args(["key", "ctrl+alt+r"]))?;
    std::thread::sleep(Duration::from_secs(4));
    capture(&world, "^Clipnote$", &out.join("review-after-hotkey.png"))?;
    drop(app);

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .map_err(|e| fail(e.to_string()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    eprintln!("xtask: screenshots in {}:", out.display());
    for n in names {
        eprintln!("  {n}");
    }
    Ok(0)
}

/// The Watch screen playing a clip from the library, then the Inbox listing it (with the poster
/// frame the first watch made) beside a clip by someone else (a placeholder poster).
fn inbox_shots(world: &World, clipnote: &Path, out: &Path) -> Result<()> {
    let home = Home::new(out, "inbox")?;
    let clip = home.config.with_file_name("walkthrough.mp4");
    let mut record = world.command(&clipnote.display().to_string());
    record
        .args(["record", "--seconds", "8", "--mic", world::MIC, "--out"])
        .arg(&clip);
    run_checked(&mut record)?;
    let clip_arg = clip.display().to_string();
    for (author, title, summary) in [
        (
            "Bob Builder",
            "Sprint review 周报: search filters",
            "- **Context**: filters were slow on large lists\n- **What changed**: the date filter uses the index\n- **Next**: your review",
        ),
        (
            "Ada Lovelace",
            "Login bug: the fix, walkthrough",
            "- root cause: clock skew between the servers\n- fix merged; please watch before standup",
        ),
    ] {
        std::fs::write(
            home.config.join("config.toml"),
            format!("author = \"{author}\"\n"),
        )
        .map_err(|e| fail(format!("cannot write the config file: {e}")))?;
        let args = ["post", &clip_arg, "--to", "library", "--title", title];
        cli(
            world,
            clipnote,
            &home,
            &[&args[..], &["--summary", summary]].concat(),
        )?;
        std::thread::sleep(Duration::from_millis(1100)); // distinct dates, a stable order
    }
    // The newest (Ada's) is listed first; watch it.
    let listing = cli(world, clipnote, &home, &["inbox"])?;
    let id = listing
        .lines()
        .find(|l| l.contains("Login bug"))
        .and_then(|l| l.split_whitespace().next())
        .ok_or_else(|| fail(format!("clipnote inbox listed no clip:\n{listing}")))?
        .to_owned();
    shot(
        world,
        clipnote,
        &home,
        &[("CLIPNOTE_WATCH", &id)],
        "Clipnote",
        &out.join("watch.png"),
    )?;
    reply_shot(world, clipnote, &home, &id, &out.join("review-reply.png"))?;
    shot(
        world,
        clipnote,
        &home,
        &[("CLIPNOTE_SCREEN", "inbox")],
        "Clipnote",
        &out.join("inbox.png"),
    )
}

/// The Watch screen of a clip of real speech with its transcript: captions, the pane, the
/// summary rendered.
fn transcript_shot(world: &World, clipnote: &Path, out: &Path) -> Result<()> {
    let speech = crate::speech_parts()?;
    let home = Home::new(out, "transcript")?;
    let clip = home.config.with_file_name("inaugural.mp4");
    run_checked(
        std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=1280x720:rate=30:duration=11")
            .arg("-i")
            .arg(&speech.jfk)
            .args([
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-shortest",
            ])
            .arg(&clip),
    )?;
    let summary = "**Context**\n- the inaugural address, 1961\n\n**What changed**\n- a call to *serve*, not to ask\n\n**Next**\n- read the **whole** speech";
    let clip_arg = clip.display().to_string();
    std::fs::write(
        home.config.join("config.toml"),
        "author = \"Ada Lovelace\"\n",
    )
    .map_err(|e| fail(format!("cannot write the config file: {e}")))?;
    cli(
        world,
        clipnote,
        &home,
        &[
            "post",
            &clip_arg,
            "--to",
            "library",
            "--title",
            "Ask not",
            "--summary",
            summary,
        ],
    )?;
    let posted = std::fs::read_dir(&home.library)
        .map_err(|e| fail(e.to_string()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "mp4"))
        .ok_or_else(|| fail("the post left no clip in the library"))?;
    let mut transcribe = world.command(&clipnote.display().to_string());
    home.env(&mut transcribe)
        .env("CLIPNOTE_MODELS_DIR", &speech.models_dir)
        .arg("transcribe")
        .arg(&posted);
    run_checked(&mut transcribe)?;
    let listing = cli(world, clipnote, &home, &["inbox"])?;
    let id = listing
        .split_whitespace()
        .next()
        .ok_or_else(|| fail(format!("clipnote inbox listed no clip:\n{listing}")))?
        .to_owned();
    // Seconds into the clip, where a caption is on screen (also on a busy machine).
    let mut app = launch(world, clipnote, &home, &[("CLIPNOTE_WATCH", &id)])?;
    world.wait_window("Clipnote", &mut app)?;
    std::thread::sleep(Duration::from_secs(6));
    capture(world, "^Clipnote$", &out.join("watch-transcript.png"))
}

/// Review in reply mode: the Watch screen's "Reply with a clip" (clicked where it sits at
/// 1280×800), two seconds recorded, the hotkey to stop.
fn reply_shot(world: &World, clipnote: &Path, home: &Home, id: &str, png: &Path) -> Result<()> {
    let mut app = launch(
        world,
        clipnote,
        home,
        &[("CLIPNOTE_WATCH", id), ("CLIPNOTE_COUNTDOWN", "off")],
    )?;
    world.wait_window("Clipnote", &mut app)?;
    std::thread::sleep(SETTLE);
    run_checked(
        world
            .command("xdotool")
            .args(["mousemove", "1208", "71", "click", "1"]),
    )?;
    std::thread::sleep(Duration::from_secs(3));
    run_checked(world.command("xdotool").args(["key", "ctrl+alt+r"]))?;
    std::thread::sleep(Duration::from_secs(4));
    capture(world, "^Clipnote$", png)
}

/// Runs a `clipnote` subcommand with `home`'s folders and returns what it printed.
fn cli(world: &World, clipnote: &Path, home: &Home, args: &[&str]) -> Result<String> {
    let mut cmd = world.command(&clipnote.display().to_string());
    home.env(&mut cmd).args(args);
    let out = crate::output_checked(&mut cmd)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Empty folders for one run of the app.
struct Home {
    library: PathBuf,
    config: PathBuf,
    outbox: PathBuf,
    inbox: PathBuf,
    cache: PathBuf,
}

impl Home {
    fn new(out: &Path, name: &str) -> Result<Home> {
        let base = out.join("home").join(name);
        let home = Home {
            library: base.join("library"),
            config: base.join("config"),
            outbox: base.join("outbox"),
            inbox: base.join("inbox"),
            cache: base.join("cache"),
        };
        for d in [
            &home.library,
            &home.config,
            &home.outbox,
            &home.inbox,
            &home.cache,
        ] {
            std::fs::create_dir_all(d)
                .map_err(|e| fail(format!("cannot create {}: {e}", d.display())))?;
        }
        Ok(home)
    }

    /// Points `cmd` at these folders (and no keyring).
    fn env<'a>(&self, cmd: &'a mut std::process::Command) -> &'a mut std::process::Command {
        cmd.env("CLIPNOTE_LIBRARY_DIR", &self.library)
            .env("CLIPNOTE_CONFIG_DIR", &self.config)
            .env("CLIPNOTE_OUTBOX_DIR", &self.outbox)
            .env("CLIPNOTE_INBOX_DIR", &self.inbox)
            .env("CLIPNOTE_CACHE_DIR", &self.cache)
            .env("CLIPNOTE_NO_KEYRING", "1")
    }
}

fn launch(world: &World, clipnote: &Path, home: &Home, env: &[(&str, &str)]) -> Result<Bg> {
    let mut cmd = world.command(&clipnote.display().to_string());
    home.env(&mut cmd)
        .env("CLIPNOTE_WINDOW_SIZE", SIZE)
        .env("PULSE_SOURCE", world::MIC)
        .env("RUST_LOG", "warn,app=info")
        .envs(env.iter().copied());
    Bg::spawn("clipnote", &mut cmd)
}

/// Launches the app, waits for its window to settle, takes it, stops the app.
fn shot(
    world: &World,
    clipnote: &Path,
    home: &Home,
    env: &[(&str, &str)],
    title: &str,
    png: &Path,
) -> Result<()> {
    let mut app = launch(world, clipnote, home, env)?;
    world.wait_window(title, &mut app)?;
    std::thread::sleep(SETTLE);
    capture(world, &format!("^{title}$"), png)
}

/// `import -window` the first window whose name matches `name_regex`.
fn capture(world: &World, name_regex: &str, png: &Path) -> Result<()> {
    let found = world
        .command("xdotool")
        .args(["search", "--onlyvisible", "--name", name_regex])
        .output()
        .map_err(|e| fail(format!("cannot run xdotool: {e}")))?;
    let text = String::from_utf8_lossy(&found.stdout);
    let id = text.lines().next().ok_or_else(|| {
        fail(format!(
            "no window named {name_regex:?} to take a screenshot of"
        ))
    })?;
    run_checked(world.command("import").args(["-window", id]).arg(png))?;
    eprintln!("xtask: took {}", png.display());
    Ok(())
}
