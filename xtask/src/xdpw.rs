//! xdg-desktop-portal-wlr (xdpw), built from Debian's source package with the project's patches.
//!
//! Debian 12's xdpw 0.7.0 refuses `ScreenCast.Start` under sway's pixman renderer (no GPU): it
//! demands a DMA-BUF format. `xtask/patches/*.patch` make it fall back to wl_shm buffers and keep
//! its screenshots out of a shared /tmp path. The build (`apt-get source`, the patches, meson and
//! ninja; ~5–25 s) runs once into `<target>/xdpw/<version>-<hash of the patches>/` and is
//! reused until Debian's version or a patch changes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Result, deps, fail};

const PACKAGE: &str = "xdg-desktop-portal-wlr";

/// The patches, in the order they are applied (`patch -p1` in the unpacked source).
const PATCHES: &[(&str, &str)] = &[
    (
        "xdpw-shm-fallback.patch",
        include_str!("../patches/xdpw-shm-fallback.patch"),
    ),
    (
        "xdpw-screenshot-runtime-dir.patch",
        include_str!("../patches/xdpw-screenshot-runtime-dir.patch"),
    ),
];

/// Where `cargo xtask` writes the `deb-src` entries it adds when apt has none.
const DEB_SRC_LIST: &str = "/etc/apt/sources.list.d/clipnote-deb-src.list";

/// The patched xdpw binary, built first if this version with these patches was not built yet.
pub fn ensure_built(target_dir: &Path) -> Result<PathBuf> {
    let version = source_version()?;
    let key = format!("{}-{:016x}", version.replace(':', "_"), patches_hash());
    let cache = target_dir.join("xdpw");
    let dir = cache.join(&key);
    let binary = dir.join("build").join(PACKAGE);
    if binary.is_file() {
        return Ok(binary);
    }
    eprintln!(
        "xtask: building {PACKAGE} {version} from Debian's source with the project's patches \
         (once; kept in {})",
        dir.display()
    );
    deps::ensure(&[deps::XDPW_BUILD])?;
    // Built aside and renamed into place, so a half-built or concurrent build is never used.
    let work = cache.join(format!("{key}.building-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work)
        .map_err(|e| fail(format!("cannot create {}: {e}", work.display())))?;
    let log = work.join("build.log");
    let src = build(&work, &version, &log).map_err(|e| {
        fail(format!(
            "building {PACKAGE} failed: {e}\n(the whole build log: {}; the source is kept in {})",
            log.display(),
            work.display()
        ))
    })?;
    match fs::rename(&src, &dir) {
        Ok(()) => {}
        Err(_) if binary.is_file() => {} // another run finished the same build first
        Err(e) => {
            return Err(fail(format!(
                "cannot move {} to {}: {e}",
                src.display(),
                dir.display()
            )));
        }
    }
    let _ = fs::remove_dir_all(&work);
    eprintln!("xtask: built {}", binary.display());
    Ok(binary)
}

/// Fetches, unpacks, patches and builds the source in `work`; returns the source directory,
/// which holds `build/xdg-desktop-portal-wlr`.
fn build(work: &Path, version: &str, log: &Path) -> Result<PathBuf> {
    let source = || {
        let mut cmd = Command::new("apt-get");
        cmd.args(["source", "-q", "--only-source"])
            .arg(format!("{PACKAGE}={version}"))
            .current_dir(work);
        cmd
    };
    if let Err(first) = logged(&mut source(), log) {
        // Debian 12 images often have no deb-src entries: add them (once) and try again.
        if !first.contains("deb-src") {
            return Err(first);
        }
        add_deb_src()?;
        eprintln!("xtask: apt-get update (for the deb-src entries in {DEB_SRC_LIST})");
        logged(Command::new("apt-get").args(["update", "-q"]), log)?;
        logged(&mut source(), log)?;
    }
    let src = fs::read_dir(work)
        .map_err(|e| fail(format!("cannot read {}: {e}", work.display())))?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(PACKAGE))
        })
        .ok_or_else(|| {
            fail(format!(
                "`apt-get source` unpacked no {PACKAGE}-* directory"
            ))
        })?;
    for (name, text) in PATCHES {
        let path = work.join(name);
        fs::write(&path, text)
            .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
        logged(
            Command::new("patch")
                .args(["-p1", "--forward", "--batch", "-i"])
                .arg(&path)
                .current_dir(&src),
            log,
        )
        .map_err(|e| fail(format!("{name} does not apply to Debian's {version}: {e}")))?;
    }
    logged(
        Command::new("nice")
            .args(["meson", "setup", "build", "--buildtype=debugoptimized"])
            .args(["-Dman-pages=disabled", "-Dsystemd=disabled"])
            .arg("-Dsd-bus-provider=libsystemd")
            .current_dir(&src),
        log,
    )?;
    logged(
        Command::new("nice")
            .args(["ninja", "-C", "build"])
            .current_dir(&src),
        log,
    )?;
    Ok(src)
}

/// Runs `cmd` with its output appended to `log`; on failure the error quotes the log's end.
fn logged(cmd: &mut Command, log: &Path) -> Result<()> {
    let file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| fail(format!("cannot open {}: {e}", log.display())))?;
    let err = file.try_clone().map_err(|e| fail(e.to_string()))?;
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(err))
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| fail(format!("cannot run {:?}: {e}", cmd.get_program())))?;
    if status.success() {
        return Ok(());
    }
    let text = fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(fail(format!(
        "{cmd:?} failed ({status}); the end of {}:\n{}",
        log.display(),
        tail.join("\n")
    )))
}

/// The version of the source package apt would fetch: `Source: name (version)` when the binary
/// package's version differs (a binNMU), else `Version:`.
fn source_version() -> Result<String> {
    let show = || {
        Command::new("apt-cache")
            .args(["show", "--no-all-versions", PACKAGE])
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .filter(|text| text.contains("Version:"))
    };
    let text = match show() {
        Some(text) => text,
        None => {
            // A fresh machine may not have apt's package lists yet.
            crate::run_checked(Command::new("apt-get").args(["update", "-q"]))?;
            show().ok_or_else(|| {
                fail(format!(
                    "apt knows no package {PACKAGE} (`apt-cache show {PACKAGE}`): this needs \
                     Debian 12's main archive in apt's sources"
                ))
            })?
        }
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
    };
    if let Some(source) = field("Source:")
        && let Some((_, rest)) = source.split_once('(')
    {
        return Ok(rest.trim_end_matches(')').trim().to_owned());
    }
    field("Version:").ok_or_else(|| fail(format!("`apt-cache show {PACKAGE}` has no Version")))
}

/// FNV-1a over the patches: the cache key changes whenever a patch does.
fn patches_hash() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in PATCHES {
        for byte in name.bytes().chain([0]).chain(text.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Adds `deb-src` twins of apt's `deb` entries for this release (Debian 12 images often have
/// none, and `apt-get source` needs them), in [`DEB_SRC_LIST`].
fn add_deb_src() -> Result<()> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err(fail(
            "apt has no deb-src entries, which `apt-get source` needs; add `deb-src` twins of \
             your `deb` entries (or run this command as root, which adds them)",
        ));
    }
    let codename = fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| fail("no VERSION_CODENAME in /etc/os-release"))?;
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(entries) = fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        more.sort();
        files.extend(more);
    }
    let mut lines = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.as_path() != Path::new(DEB_SRC_LIST))
    {
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        let name = file.to_string_lossy();
        if name.ends_with(".sources") {
            lines.extend(deb822_to_deb_src(&text, &codename));
        } else if name.ends_with(".list") {
            lines.extend(one_line_to_deb_src(&text, &codename));
        }
    }
    if lines.is_empty() {
        return Err(fail(format!(
            "apt has no deb-src entries and no `deb` entries for {codename} to copy them from; \
             add a deb-src entry for Debian's main archive"
        )));
    }
    let text = format!(
        "# Added by `cargo xtask` (xtask/src/xdpw.rs): `apt-get source {PACKAGE}` needs deb-src.\n{}\n",
        lines.join("\n")
    );
    fs::write(DEB_SRC_LIST, text).map_err(|e| fail(format!("cannot write {DEB_SRC_LIST}: {e}")))?;
    eprintln!("xtask: added deb-src entries in {DEB_SRC_LIST}");
    Ok(())
}

/// `deb-src` lines for the enabled `deb` stanzas of a deb822 `.sources` file whose suites are
/// this release's (`bookworm`, `bookworm-updates`, `bookworm-security`...).
fn deb822_to_deb_src(text: &str, codename: &str) -> Vec<String> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
        };
        let types = field("Types").unwrap_or_default();
        let enabled = field("Enabled").is_none_or(|v| !v.eq_ignore_ascii_case("no"));
        if !enabled || !types.split_whitespace().any(|t| t == "deb") {
            continue;
        }
        let (Some(uris), Some(suites)) = (field("URIs"), field("Suites")) else {
            continue;
        };
        let components = field("Components").unwrap_or_default();
        // An inline key (a multi-line Signed-By) cannot go on one line: leave those out.
        let options = match field("Signed-By") {
            Some(key) if key.starts_with('/') => format!("[signed-by={key}] "),
            Some(_) => continue,
            None => String::new(),
        };
        for uri in uris.split_whitespace() {
            for suite in suites
                .split_whitespace()
                .filter(|s| of_release(s, codename))
            {
                out.push(format!("deb-src {options}{uri} {suite} {components}"));
            }
        }
    }
    out
}

/// `deb-src` twins of the `deb` lines of a one-line `.list` file for this release.
fn one_line_to_deb_src(text: &str, codename: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("deb "))
        .filter(|rest| {
            // deb [options] uri suite components...
            let words: Vec<&str> = rest.split_whitespace().collect();
            let skip = if rest.trim_start().starts_with('[') {
                words
                    .iter()
                    .position(|w| w.ends_with(']'))
                    .map_or(words.len(), |i| i + 1)
            } else {
                0
            };
            words
                .get(skip + 1)
                .is_some_and(|suite| of_release(suite, codename))
        })
        .map(|rest| format!("deb-src {}", rest.trim()))
        .collect()
}

fn of_release(suite: &str, codename: &str) -> bool {
    suite == codename || suite.starts_with(&format!("{codename}-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb_src_twins_of_this_releases_deb_entries() {
        let deb822 = "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm \
                      bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/k.gpg\n\n\
                      Types: deb\nURIs: https://other.example/node\nSuites: nodistro\nComponents: main\n";
        assert_eq!(
            deb822_to_deb_src(deb822, "bookworm"),
            [
                "deb-src [signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm main",
                "deb-src [signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm-updates main",
            ]
        );
        let list = "deb http://mirror.example/debian bookworm main\n# deb x y\n\
                    deb [arch=amd64] http://other.example/x stable main\n\
                    deb-src http://mirror.example/debian bookworm main\n";
        assert_eq!(
            one_line_to_deb_src(list, "bookworm"),
            ["deb-src http://mirror.example/debian bookworm main"]
        );
    }
}
