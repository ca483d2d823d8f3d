//! `cargo xtask dist --verify`: the package on a clean Debian 12, not on the build machine.
//!
//! A minimal root (`debootstrap --variant=minbase bookworm`, made once and cached as
//! `<target>/dist/bookworm-minbase`) is copied afresh for each run; inside it, `apt-get install
//! --no-install-recommends ./clipnote_….deb` must resolve every `Depends` from Debian's
//! archive alone. Then, in that root, with the test world's X server and sound server
//! bind-mounted at the same paths: `clipnote --version`, `clipnote doctor --json` (exit 0) and a
//! 3-second `clipnote record`, whose clip is read back with `ffprobe` from outside.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::dist::Package;
use crate::{Result, deps, fail, run_checked, target_dir, world};

/// Where Debian's packages come from (`CLIPNOTE_DEBIAN_MIRROR` overrides it).
const MIRROR: &str = "http://deb.debian.org/debian";

pub fn main(package: &Package) -> Result<i32> {
    deps::ensure(&[&["debootstrap", "util-linux", "ffmpeg"], deps::WORLD])?;
    let dist = target_dir().join("dist");
    let base = dist.join("bookworm-minbase");
    ensure_base(&base)?;
    let root = dist.join("verify-root");
    remove_root(&root)?;
    eprintln!("xtask: copying the clean root to {}", root.display());
    run_checked(Command::new("cp").arg("-a").arg(&base).arg(&root))?;
    let deb_name = package
        .deb
        .file_name()
        .ok_or_else(|| fail("the package has no file name"))?
        .to_string_lossy()
        .into_owned();
    run_checked(
        Command::new("cp")
            .arg(&package.deb)
            .arg(root.join("tmp").join(&deb_name)),
    )?;

    let world = world::World::start(&target_dir())?;
    let pulse_dir = world
        .pulse_socket
        .parent()
        .ok_or_else(|| fail("the sound server's socket has no folder"))?
        .to_owned();
    let script = script(&root, &deb_name, &world, &pulse_dir, &package.version);
    eprintln!(
        "xtask: installing and running the package inside {}",
        root.display()
    );
    let status = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "bash",
            "-euo",
            "pipefail",
            "-c",
        ])
        .arg(&script)
        .status()
        .map_err(|e| fail(format!("cannot run unshare: {e}")))?;
    drop(world);
    if !status.success() {
        return Err(fail(format!(
            "the package failed on a clean Debian 12 ({status}); the root is kept in {}",
            root.display()
        )));
    }
    let clip = root.join("tmp/verify.mp4");
    check_clip(&clip)?;
    remove_root(&root)?;
    eprintln!(
        "xtask: verified: {} installs on a clean Debian 12 and records",
        package.deb.display()
    );
    Ok(0)
}

/// Makes the minimal Debian 12 root once; a marker file says it is complete.
fn ensure_base(base: &Path) -> Result<()> {
    let done = base.join(".clipnote-complete");
    if done.exists() {
        eprintln!(
            "xtask: reusing the clean Debian 12 root in {}",
            base.display()
        );
        return Ok(());
    }
    let _ = fs::remove_dir_all(base);
    let mirror = std::env::var("CLIPNOTE_DEBIAN_MIRROR").unwrap_or_else(|_| MIRROR.into());
    eprintln!(
        "xtask: making a minimal Debian 12 root in {} (debootstrap, a few minutes, once)",
        base.display()
    );
    run_checked(
        Command::new("debootstrap")
            .args(["--variant=minbase", "bookworm"])
            .arg(base)
            .arg(&mirror),
    )?;
    fs::write(&done, b"").map_err(|e| fail(format!("cannot write {}: {e}", done.display())))
}

fn remove_root(root: &Path) -> Result<()> {
    if root.exists() {
        fs::remove_dir_all(root)
            .map_err(|e| fail(format!("cannot remove {}: {e}", root.display())))?;
    }
    Ok(())
}

/// The steps inside a private mount namespace (its mounts vanish with it).
fn script(root: &Path, deb: &str, world: &world::World, pulse_dir: &Path, version: &str) -> String {
    let r = root.display();
    let p = pulse_dir.display();
    let display = world.display;
    let pulse = world.pulse_socket.display();
    format!(
        r#"
R="{r}"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mkdir -p "$R/tmp/.X11-unix" "$R{p}" "$R/run/user/0"
chmod 700 "$R/run/user/0"
mount --bind /tmp/.X11-unix "$R/tmp/.X11-unix"
mount --bind "{p}" "$R{p}"
cp /etc/resolv.conf "$R/etc/resolv.conf"
export DEBIAN_FRONTEND=noninteractive
echo "xtask: [root] apt-get install --no-install-recommends ./{deb}"
chroot "$R" apt-get update -q
chroot "$R" apt-get install -y -q --no-install-recommends "/tmp/{deb}"
in_root() {{
  chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root USER=root \
    DISPLAY=:{display} PULSE_SERVER=unix:{pulse} XDG_RUNTIME_DIR=/run/user/0 \
    CLIPNOTE_NO_KEYRING=1 "$@"
}}
echo "xtask: [root] clipnote --version"
got=$(in_root clipnote --version)
echo "$got"
[ "$got" = "clipnote {version}" ] || {{ echo "xtask: expected clipnote {version}"; exit 1; }}
echo "xtask: [root] clipnote doctor --json"
in_root clipnote doctor --json --mic clipnote_test_sink.monitor > "$R/tmp/doctor.json" || {{
  cat "$R/tmp/doctor.json"; echo "xtask: clipnote doctor failed inside the clean root"; exit 1; }}
in_root clipnote doctor --mic clipnote_test_sink.monitor
echo "xtask: [root] clipnote record --seconds 3"
in_root clipnote record --seconds 3 --mic clipnote_test_sink.monitor --out /tmp/verify.mp4
"#
    )
}

/// The clip recorded inside the root: at least 2.5 s with a video and an audio stream.
fn check_clip(clip: &Path) -> Result<()> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_name",
            "-of",
            "default=noprint_wrappers=1",
        ])
        .arg(clip)
        .output()
        .map_err(|e| fail(format!("cannot run ffprobe: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let duration: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("duration="))
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    eprintln!(
        "xtask: the clip recorded in the root: {}",
        text.replace('\n', " ")
    );
    if !(out.status.success()
        && duration >= 2.5
        && text.contains("codec_name=h264")
        && text.contains("codec_name=aac"))
    {
        return Err(fail(format!(
            "the clip recorded in the clean root is not a 3 s H.264 + AAC clip: {text}"
        )));
    }
    Ok(())
}
