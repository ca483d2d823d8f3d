//! The model folder: installing, checking, listing and removing models by name.
//!
//! A model is checked in full (size, SHA-256 and SHA-1 against [`catalog`]'s pins) when it is
//! installed, and again on load. On load the full hash runs only when the file changed since
//! it was last checked: the check leaves a stamp beside the model (`.ggml-tiny.en.bin.checked`:
//! size, modification time in nanoseconds and both hashes), and a stamp that still matches the
//! file's size and modification time stands for the hash. Any write to the file moves its
//! modification time, so a changed file is hashed again (about 0.3 s for tiny.en).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::catalog::{self, KnownModel};
use crate::error::{Result, SpeechError};

/// A folder of models (`~/.local/share/clipnote/models` for the app).
#[derive(Debug, Clone)]
pub struct ModelDir {
    dir: PathBuf,
}

/// One line of [`ModelDir::list`].
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// A known model's name, or a file's name for one Clipnote does not know.
    pub name: String,
    /// The known model, when it is one.
    pub known: Option<&'static KnownModel>,
    /// Where it is (or would be) in the folder.
    pub path: PathBuf,
    /// Its size on disk; `None` when it is not installed.
    pub installed_bytes: Option<u64>,
}

/// A file's two hashes, lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    pub sha256: String,
    pub sha1: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a file with SHA-256 and SHA-1 in one pass.
pub fn hash_file(path: &Path) -> Result<Hashes> {
    let mut file = File::open(path).map_err(SpeechError::io("read", path))?;
    let mut sha256 = Sha256::new();
    let mut sha1 = Sha1::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(SpeechError::io("read", path))?;
        if n == 0 {
            break;
        }
        sha256.update(&buf[..n]);
        sha1.update(&buf[..n]);
    }
    Ok(Hashes {
        sha256: hex(&sha256.finalize()),
        sha1: hex(&sha1.finalize()),
    })
}

/// Checks that the file at `path` (of `bytes` bytes) is `model`: its size, then its hashes.
fn check(model: &KnownModel, path: &Path, bytes: u64, hashes: Option<&Hashes>) -> Result<Hashes> {
    let mismatch = |reason: String| SpeechError::Mismatch {
        name: model.name.to_owned(),
        path: path.to_owned(),
        reason,
    };
    if bytes != model.bytes {
        return Err(mismatch(format!(
            "it has {bytes} bytes, {} has {}",
            model.name, model.bytes
        )));
    }
    let hashes = match hashes {
        Some(h) => h.clone(),
        None => hash_file(path)?,
    };
    let published = !model.published_sha1.is_empty() && hashes.sha1 == model.published_sha1;
    if hashes.sha256 != model.sha256 && !published {
        let or_sha1 = if model.published_sha1.is_empty() {
            String::new()
        } else {
            format!(
                " (or whisper.cpp's published SHA-1 {})",
                model.published_sha1
            )
        };
        return Err(mismatch(format!(
            "its SHA-256 is {}, {} is pinned to {}{or_sha1}",
            hashes.sha256, model.name, model.sha256
        )));
    }
    Ok(hashes)
}

/// Size and modification time (ns since the epoch): what a stamp is keyed by.
fn size_and_mtime(path: &Path) -> std::io::Result<(u64, u128)> {
    let meta = std::fs::metadata(path)?;
    let mtime = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Ok((meta.len(), mtime))
}

impl ModelDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where `model` lives in this folder.
    pub fn model_path(&self, model: &KnownModel) -> PathBuf {
        self.dir.join(model.file_name)
    }

    fn stamp_path(&self, model: &KnownModel) -> PathBuf {
        self.dir.join(format!(".{}.checked", model.file_name))
    }

    /// The stamp's hashes, when it was made for the file as it is now.
    fn read_stamp(&self, model: &KnownModel, size: u64, mtime: u128) -> Option<Hashes> {
        let text = std::fs::read_to_string(self.stamp_path(model)).ok()?;
        let mut words = text.split_whitespace();
        let fresh = words.next()?.parse::<u64>().ok()? == size
            && words.next()?.parse::<u128>().ok()? == mtime;
        let hashes = Hashes {
            sha256: words.next()?.to_owned(),
            sha1: words.next()?.to_owned(),
        };
        fresh.then_some(hashes)
    }

    fn write_stamp(&self, model: &KnownModel, hashes: &Hashes) {
        let path = self.model_path(model);
        let Ok((size, mtime)) = size_and_mtime(&path) else {
            return;
        };
        let text = format!("{size} {mtime} {} {}\n", hashes.sha256, hashes.sha1);
        // A stamp that cannot be written only costs a hash on the next load.
        if let Err(e) = std::fs::write(self.stamp_path(model), text) {
            tracing::debug!(error = %e, "cannot write the model's check stamp");
        }
    }

    /// The path of the installed `model`, checked: its size always, its hashes when the file
    /// changed since the last check (see the module's doc).
    pub fn checked_path(&self, model: &KnownModel) -> Result<PathBuf> {
        let path = self.model_path(model);
        let (size, mtime) = match size_and_mtime(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SpeechError::NotInstalled {
                    name: model.name.to_owned(),
                    path,
                });
            }
            Err(e) => return Err(SpeechError::io("read", &path)(e)),
        };
        let stamp = self.read_stamp(model, size, mtime);
        let hashes = check(model, &path, size, stamp.as_ref())?;
        if stamp.is_none() {
            self.write_stamp(model, &hashes);
        }
        Ok(path)
    }

    /// A model to load: a known name (installed and checked) or the path of a model file
    /// (anything with a `/`, or an existing file; not checked against pins).
    pub fn resolve(&self, name_or_path: &str) -> Result<PathBuf> {
        if let Some(model) = catalog::find_speech(name_or_path) {
            return self.checked_path(model);
        }
        let path = Path::new(name_or_path);
        if name_or_path.contains(std::path::MAIN_SEPARATOR) || path.exists() {
            return Ok(path.to_owned());
        }
        Err(SpeechError::UnknownModel {
            name: name_or_path.to_owned(),
            known: catalog::speech_names(),
        })
    }

    /// Installs `model` from the file at `source`, which is checked first; a file that is not
    /// the model is refused and nothing in the folder changes. A sound copy already installed
    /// is kept. With `consume`, `source` (which must be on the same file system, e.g. a
    /// download beside the folder) is moved, not copied.
    pub fn install_file(
        &self,
        model: &KnownModel,
        source: &Path,
        consume: bool,
    ) -> Result<PathBuf> {
        let bytes = std::fs::metadata(source)
            .map_err(|e| SpeechError::Unreadable {
                path: source.to_owned(),
                reason: e.to_string(),
            })?
            .len();
        let hashes = check(model, source, bytes, None)?;
        std::fs::create_dir_all(&self.dir).map_err(SpeechError::io("create", &self.dir))?;
        let target = self.model_path(model);
        if self.checked_path(model).is_ok() {
            // Already there and sound: nothing to copy.
            if consume {
                let _ = std::fs::remove_file(source);
            }
            return Ok(target);
        }
        if consume {
            std::fs::rename(source, &target)
                .map_err(SpeechError::io("move the model into", &target))?;
        } else {
            let part = self.dir.join(format!(".{}.part", model.file_name));
            let copied = (|| {
                let mut from = File::open(source)?;
                let mut to = File::create(&part)?;
                std::io::copy(&mut from, &mut to)?;
                to.flush()?;
                to.sync_all()
            })();
            if let Err(e) = copied.and_then(|()| std::fs::rename(&part, &target)) {
                let _ = std::fs::remove_file(&part);
                return Err(SpeechError::io("write", &target)(e));
            }
        }
        self.write_stamp(model, &hashes);
        Ok(target)
    }

    /// Whether `model` is installed with the right size (cheap; no hash).
    pub fn is_installed(&self, model: &KnownModel) -> bool {
        size_and_mtime(&self.model_path(model)).is_ok_and(|(size, _)| size == model.bytes)
    }

    /// Removes `model` and its stamp; `false` when it was not installed.
    pub fn remove(&self, model: &KnownModel) -> Result<bool> {
        let path = self.model_path(model);
        let _ = std::fs::remove_file(self.stamp_path(model));
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(SpeechError::io("remove", &path)(e)),
        }
    }

    /// Every known model (installed or not) and every other `.bin` file in the folder.
    pub fn list(&self) -> Result<Vec<Listed>> {
        let size = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
        let mut out: Vec<Listed> = catalog::KNOWN
            .iter()
            .map(|m| {
                let path = self.model_path(m);
                Listed {
                    name: m.name.to_owned(),
                    known: Some(m),
                    installed_bytes: size(&path),
                    path,
                }
            })
            .collect();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(SpeechError::io("list", &self.dir)(e)),
        };
        let mut others = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let known = catalog::KNOWN.iter().any(|m| m.file_name == name);
            if !known && !name.starts_with('.') && name.ends_with(".bin") {
                others.push(Listed {
                    name,
                    known: None,
                    installed_bytes: size(&path),
                    path,
                });
            }
        }
        others.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(others);
        Ok(out)
    }
}
