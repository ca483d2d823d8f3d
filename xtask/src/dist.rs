//! `cargo xtask dist [--debug] [--verify]`: the Debian package, `target/dist/clipnote_<version>_amd64.deb`,
//! built with `dpkg-deb` from a release build of `clipnote`:
//!
//! - `/usr/bin/clipnote` (the small front program) and `/usr/bin/clipnote-app` (the full one it
//!   runs), stripped;
//! - `Depends`: what `dpkg-shlibdeps` finds for the binary's shared libraries, plus what it
//!   loads or talks to at run time ([`run_depends`]);
//! - `clipnote.desktop` (checked with `desktop-file-validate`), the icon in the hicolor theme
//!   (the SVG and PNGs made from it with `rsvg-convert`), AppStream metainfo (checked with
//!   `appstreamcli validate`), man pages and bash/zsh/fish completions that the binary itself
//!   generates from its clap definitions (`clipnote manpage DIR`, `clipnote completions SHELL`).
//!
//! `--debug` packages the debug build instead (fast, for working on the layout) as
//! `target/dist/debug/…deb`. `--verify` then installs the package in a clean Debian 12 root
//! and runs it there (`verify.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cargo, deps, fail, output_checked, root, run_checked, target_dir};

/// What packaging needs: dpkg-shlibdeps, the validators, an SVG renderer, strip.
const PACKAGING: &[&str] = &[
    "dpkg-dev",
    "desktop-file-utils",
    "appstream",
    "librsvg2-bin",
    "binutils",
];

/// What the binary needs at run time beyond the libraries it links (which `dpkg-shlibdeps`
/// finds): what `cargo xtask run` installs for it ([`deps::RUN`]: the GL, EGL, X11 and Wayland
/// libraries winit and glutin load with dlopen, Mesa's software drivers, `pactl`) less the
/// font (recommended here), plus the desktop portal (screen capture and the hotkey on Wayland)
/// and a sound server's pulse interface (the microphone).
const RUN_EXTRA: &[&str] = &["xdg-desktop-portal", "pipewire-pulse | pulseaudio"];

fn run_depends() -> impl Iterator<Item = &'static str> {
    deps::RUN
        .iter()
        .copied()
        .filter(|p| !p.starts_with("fonts-"))
        .chain(RUN_EXTRA.iter().copied())
}

const RECOMMENDS: &[&str] = &[
    "xdg-desktop-portal-gtk | xdg-desktop-portal-backend",
    "fonts-wqy-microhei | fonts-noto-cjk",
];

/// The PNG sizes of the icon, beside the SVG.
const ICON_SIZES: &[u32] = &[16, 24, 32, 48, 64, 128, 256, 512];

/// The AppStream component id (reverse DNS, as AppStream asks; the desktop entry keeps the
/// plain name `clipnote.desktop`, which the window's app id matches).
const APPSTREAM_ID: &str = "dev.clipnote.clipnote";

const MAINTAINER: &str = "Clipnote developers <clipnote@localhost>";

/// A built package.
pub struct Package {
    pub deb: PathBuf,
    pub version: String,
}

pub fn main(args: &[String]) -> Result<i32> {
    let mut debug = false;
    let mut verify = false;
    for a in args {
        match a.as_str() {
            "--debug" => debug = true,
            "--verify" => verify = true,
            other => {
                return Err(fail(format!(
                    "unknown option `{other}`: `cargo xtask dist [--debug] [--verify]`"
                )));
            }
        }
    }
    let package = build(debug)?;
    if verify {
        return crate::verify::main(&package);
    }
    Ok(0)
}

/// Builds the binary and the package; checks the desktop entry and the metainfo.
pub fn build(debug: bool) -> Result<Package> {
    deps::ensure(&[deps::BUILD, PACKAGING])?;
    let profile = if debug { "debug" } else { "release" };
    let mut cmd = cargo();
    cmd.args(["build", "--package", "app", "--bins"]);
    if !debug {
        cmd.arg("--release");
    }
    eprintln!("xtask: building clipnote ({profile}): {cmd:?}");
    run_checked(&mut cmd)?;
    let binaries = target_dir().join(profile);
    let version = workspace_version()?;
    let out_dir = if debug {
        target_dir().join("dist").join("debug")
    } else {
        target_dir().join("dist")
    };
    let name = format!("clipnote_{version}_amd64");
    let stage = out_dir.join(&name);
    let _ = fs::remove_dir_all(&stage);
    stage_tree(&binaries, &stage, &version)?;
    // The front program needs only libc, which the full one needs too.
    let depends = depends(&stage.join("usr/bin/clipnote-app"))?;
    write_control(&stage, &version, &depends)?;
    let deb = out_dir.join(format!("{name}.deb"));
    run_checked(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&stage)
            .arg(&deb),
    )?;
    eprintln!(
        "xtask: built {} ({:.1} MiB)\nxtask: Depends: {depends}",
        deb.display(),
        fs::metadata(&deb).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0
    );
    Ok(Package { deb, version })
}

fn workspace_version() -> Result<String> {
    let text = fs::read_to_string(root().join("Cargo.toml"))
        .map_err(|e| fail(format!("cannot read Cargo.toml: {e}")))?;
    let in_package = text
        .split("[workspace.package]")
        .nth(1)
        .ok_or_else(|| fail("Cargo.toml has no [workspace.package]"))?;
    in_package
        .lines()
        .find_map(|l| {
            let v = l.trim().strip_prefix("version")?.trim().strip_prefix('=')?;
            Some(v.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| fail("[workspace.package] in Cargo.toml has no version"))
}

fn mkdir(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|e| fail(format!("cannot create {}: {e}", path.display())))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    if let Some(dir) = path.parent() {
        mkdir(dir)?;
    }
    fs::write(path, bytes).map_err(|e| fail(format!("cannot write {}: {e}", path.display())))
}

/// Lays out the package's files under `stage` (the root of the installed system).
fn stage_tree(binaries: &Path, stage: &Path, version: &str) -> Result<()> {
    let usr = stage.join("usr");
    let bin = usr.join("bin/clipnote");
    mkdir(&usr.join("bin"))?;
    for name in ["clipnote", "clipnote-app"] {
        run_checked(
            Command::new("strip")
                .args(["--strip-unneeded", "-o"])
                .arg(usr.join("bin").join(name))
                .arg(binaries.join(name)),
        )?;
    }
    let share = usr.join("share");
    let assets = root().join("assets");
    let desktop = share.join("applications/clipnote.desktop");
    copy(&assets.join("linux/clipnote.desktop"), &desktop)?;
    run_checked(Command::new("desktop-file-validate").arg(&desktop))?;

    let metainfo = share.join(format!("metainfo/{APPSTREAM_ID}.metainfo.xml"));
    let template = fs::read_to_string(assets.join(format!("linux/{APPSTREAM_ID}.metainfo.xml")))
        .map_err(|e| fail(format!("cannot read the metainfo: {e}")))?;
    write(
        &metainfo,
        template
            .replace("@VERSION@", version)
            .replace("@DATE@", &today()?),
    )?;
    run_checked(
        Command::new("appstreamcli")
            .args(["validate", "--no-net", "--pedantic"])
            .arg(&metainfo),
    )?;

    let icons = share.join("icons/hicolor");
    let svg = assets.join("clipnote.svg");
    copy(&svg, &icons.join("scalable/apps/clipnote.svg"))?;
    for size in ICON_SIZES {
        let png = icons.join(format!("{size}x{size}/apps/clipnote.png"));
        mkdir(png.parent().unwrap_or(&icons))?;
        let s = size.to_string();
        run_checked(
            Command::new("rsvg-convert")
                .args(["-w", &s, "-h", &s, "-o"])
                .arg(&png)
                .arg(&svg),
        )?;
    }

    let man = share.join("man/man1");
    mkdir(&man)?;
    run_checked(Command::new(&bin).arg("manpage").arg(&man))?;
    for page in fs::read_dir(&man).map_err(|e| fail(format!("{}: {e}", man.display())))? {
        let page = page.map_err(|e| fail(e.to_string()))?.path();
        run_checked(Command::new("gzip").args(["-9nf"]).arg(&page))?;
    }

    for (shell, path) in [
        ("bash", "bash-completion/completions/clipnote"),
        ("zsh", "zsh/vendor-completions/_clipnote"),
        ("fish", "fish/vendor_completions.d/clipnote.fish"),
    ] {
        write(
            &share.join(path),
            output_checked(Command::new(&bin).args(["completions", shell]))?,
        )?;
    }

    let doc = share.join("doc/clipnote");
    write(&doc.join("copyright"), copyright())?;
    copy(&root().join("README.md"), &doc.join("README.md"))?;
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        mkdir(dir)?;
    }
    fs::copy(from, to).map(|_| ()).map_err(|e| {
        fail(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

fn today() -> Result<String> {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map_err(|e| fail(format!("cannot run date: {e}")))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn copyright() -> String {
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
     Upstream-Name: clipnote\n\n\
     Files: *\n\
     Copyright: Clipnote developers\n\
     License: MIT or Apache-2.0\n\
     \x20The Rust crates Clipnote is built from are under their own licenses (MIT, Apache-2.0\n\
     \x20and compatible ones), as stated in each crate's Cargo.toml.\n"
        .to_owned()
}

/// `Depends`: `dpkg-shlibdeps` on the binary (it needs a `debian/control` in its working
/// folder), then [`run_depends`] not already named.
fn depends(binary: &Path) -> Result<String> {
    let work = target_dir().join("dist").join("shlibdeps");
    write(
        &work.join("debian/control"),
        "Source: clipnote\n\nPackage: clipnote\nArchitecture: amd64\n",
    )?;
    let out = output_checked(
        Command::new("dpkg-shlibdeps")
            .arg("-O")
            .arg(format!("-e{}", binary.display()))
            .current_dir(&work),
    )?;
    let stdout = String::from_utf8_lossy(&out);
    let shlibs = stdout
        .lines()
        .find_map(|l| l.strip_prefix("shlibs:Depends="))
        .ok_or_else(|| {
            fail(format!(
                "dpkg-shlibdeps printed no shlibs:Depends: {stdout}"
            ))
        })?;
    let mut all: Vec<String> = shlibs.split(", ").map(str::to_owned).collect();
    let named = |p: &str| {
        all.iter()
            .any(|d| d == p || d.starts_with(&format!("{p} ")))
    };
    let extra: Vec<String> = run_depends()
        .filter(|p| !named(p))
        .map(str::to_owned)
        .collect();
    all.extend(extra);
    Ok(all.join(", "))
}

fn write_control(stage: &Path, version: &str, depends: &str) -> Result<()> {
    let installed_kib = du_kib(stage)?;
    let control = format!(
        "Package: clipnote\n\
         Version: {version}\n\
         Architecture: amd64\n\
         Maintainer: {MAINTAINER}\n\
         Installed-Size: {installed_kib}\n\
         Depends: {depends}\n\
         Recommends: {}\n\
         Section: video\n\
         Priority: optional\n\
         Description: screen recordings with a summary, posted where the work lives\n\
         \x20Press a hotkey, talk through your screen, stop, write a few lines of summary, and\n\
         \x20the clip and the summary land on the Notion page or ClickUp task in one step.\n\
         \x20Records a monitor, a window or a region with the microphone on X11 and Wayland\n\
         \x20to MP4 (H.264 + AAC), transcribes speech on the device, and keeps clips in a\n\
         \x20local library when no account is configured.\n",
        RECOMMENDS.join(", ")
    );
    write(&stage.join("DEBIAN/control"), control)
}

fn du_kib(dir: &Path) -> Result<u64> {
    let out = Command::new("du")
        .args(["-s", "-k"])
        .arg(dir)
        .output()
        .map_err(|e| fail(format!("cannot run du: {e}")))?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| fail("du printed no size"))
}
