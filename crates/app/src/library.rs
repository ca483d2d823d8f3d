//! The local library: where clips go when no destination is given.

use std::path::PathBuf;

use crate::cli::UserError;
use crate::exit;

/// The library folder: `CLIPNOTE_LIBRARY_DIR`, else `[library] dir` in the config file, else
/// the platform data dir (`~/.local/share/clipnote` on Linux). Created if missing.
pub fn dir() -> Result<PathBuf, UserError> {
    let configured = || crate::config::load().ok().and_then(|file| file.library.dir);
    let dir = match std::env::var_os("CLIPNOTE_LIBRARY_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => match configured() {
            Some(d) => d,
            None => directories::ProjectDirs::from("", "", "clipnote")
                .map(|p| p.data_dir().to_owned())
                .ok_or_else(|| {
                    UserError::new(
                        exit::IO,
                        "cannot find a home folder for the clip library; set HOME, or CLIPNOTE_LIBRARY_DIR, or pass --out",
                    )
                })?,
        },
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        UserError::new(
            exit::IO,
            format!(
                "cannot create the clip library folder {}: {e}. Set CLIPNOTE_LIBRARY_DIR to a folder you can write to, or pass --out",
                dir.display()
            ),
        )
    })?;
    Ok(dir)
}

/// A new clip's path in the library, named by the local time: `clip-2026-11-25_14-03-09.mp4`.
pub fn new_clip_path() -> Result<PathBuf, UserError> {
    Ok(new_clip_path_in(&dir()?))
}

/// A new clip's path in `dir`, named by the local time (numbered when the name is taken).
pub fn new_clip_path_in(dir: &std::path::Path) -> PathBuf {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let stamp = now
        .format(time::macros::format_description!(
            "[year]-[month]-[day]_[hour]-[minute]-[second]"
        ))
        .unwrap_or_else(|_| now.unix_timestamp().to_string());
    let mut path = dir.join(format!("clip-{stamp}.mp4"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("clip-{stamp}-{n}.mp4"));
        n += 1;
    }
    path
}

/// MP4 clips in `dir`, newest first (at most `max`), skipping unfinished ones, with their sizes.
pub fn clips(dir: &std::path::Path, max: usize) -> Vec<(PathBuf, u64)> {
    let mut clips: Vec<(PathBuf, u64, std::time::SystemTime)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let name = path.file_name()?.to_str()?.to_owned();
            if !name.ends_with(".mp4") || name.ends_with(".recording.mp4") {
                return None;
            }
            let meta = e.metadata().ok()?;
            Some((path, meta.len(), meta.modified().ok()?))
        })
        .collect();
    clips.sort_by_key(|c| std::cmp::Reverse(c.2));
    clips
        .into_iter()
        .take(max)
        .map(|(p, b, _)| (p, b))
        .collect()
}

/// Makes `dir` the library: it must be creatable and writable (checked by writing a file), and
/// is then kept as `[library] dir` in the config file in `config_dir`.
pub fn choose(config_dir: &std::path::Path, dir: &std::path::Path) -> Result<PathBuf, UserError> {
    if !dir.is_absolute() {
        return Err(UserError::new(
            exit::USAGE,
            format!(
                "{} is not a full path: give the whole path, starting with /",
                dir.display()
            ),
        ));
    }
    let unusable = |e: std::io::Error| {
        UserError::new(
            exit::IO,
            format!(
                "cannot use {} for clips: {e}. Choose a folder you can write to",
                dir.display()
            ),
        )
    };
    std::fs::create_dir_all(dir).map_err(unusable)?;
    let probe = dir.join(".clipnote-write-test");
    std::fs::write(&probe, b"").map_err(unusable)?;
    let _ = std::fs::remove_file(&probe);
    crate::config::set_library_dir(config_dir, dir)?;
    Ok(dir.to_path_buf())
}
