//! The download cache: one file per clip (`<entry id>.<ext>`) plus its poster frame
//! (`<entry id>.poster.png`), under a size cap. A file's modification time is its last use
//! (set on every download and every hit), so eviction removes the least recently used clips
//! first. Posters are small and stay, so the inbox keeps its pictures.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};

/// A cache folder with a size cap.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    max_bytes: u64,
}

impl Cache {
    pub fn new(dir: PathBuf, max_bytes: u64) -> Self {
        Cache { dir, max_bytes }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the clip of entry `id` is kept.
    pub fn clip_path(&self, id: &str, ext: &str) -> PathBuf {
        self.dir.join(format!("{id}.{ext}"))
    }

    /// Marks a file as just used.
    pub fn touch(&self, path: &Path) {
        if let Ok(f) = std::fs::File::options().append(true).open(path) {
            let _ = f.set_modified(SystemTime::now());
        }
    }

    /// The clips in the cache with their size and last use, least recently used first.
    pub fn clips(&self) -> Result<Vec<(PathBuf, u64, SystemTime)>> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read", &self.dir, e)),
        };
        let mut out = Vec::new();
        for e in rd.flatten() {
            let path = e.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.ends_with(".png") || name.ends_with(".partial") {
                continue;
            }
            if let Ok(meta) = e.metadata()
                && meta.is_file()
            {
                out.push((
                    path,
                    meta.len(),
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                ));
            }
        }
        out.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Bytes the clips take.
    pub fn used_bytes(&self) -> Result<u64> {
        Ok(self.clips()?.iter().map(|c| c.1).sum())
    }

    /// Removes the least recently used clips until the cache fits its cap, never `keep` (the
    /// clip about to be watched, kept even when it alone is over the cap). Returns what went.
    pub fn evict(&self, keep: &Path) -> Result<Vec<PathBuf>> {
        let clips = self.clips()?;
        let mut used: u64 = clips.iter().map(|c| c.1).sum();
        let mut gone = Vec::new();
        for (path, len, _) in clips {
            if used <= self.max_bytes {
                break;
            }
            if path == keep {
                continue;
            }
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
            tracing::debug!(path = %path.display(), bytes = len, "evicted from the clip cache");
            used -= len;
            gone.push(path);
        }
        Ok(gone)
    }
}
