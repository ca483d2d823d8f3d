//! The inbox as the app wires it: where its state and cache live, and what only the app may
//! do with a downloaded clip — learn its duration and make its poster frame with
//! `capture::clip` (publish never links FFmpeg). The CLI (`clipnote inbox`, `watch`) and,
//! later, the in-app inbox share these.

use std::path::{Path, PathBuf};

use publish::{Inbox, InboxConfig};

use crate::cli::UserError;
use crate::{config, exit};

/// Posters are decoded at most this wide.
pub const POSTER_MAX_WIDTH: u32 = 480;
/// The poster is the frame at about this time (earlier in a shorter clip).
pub const POSTER_AT_SECS: f64 = 1.0;

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "clipnote")
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The inbox's index and watched state: `CLIPNOTE_INBOX_DIR`, else `inbox` in the platform's
/// state (or data) dir.
pub fn state_dir() -> Result<PathBuf, UserError> {
    env_dir("CLIPNOTE_INBOX_DIR")
        .or_else(|| {
            project_dirs().map(|p| {
                p.state_dir()
                    .unwrap_or_else(|| p.data_local_dir())
                    .join("inbox")
            })
        })
        .ok_or_else(|| {
            UserError::new(
                exit::IO,
                "cannot find a home folder for the inbox; set HOME or CLIPNOTE_INBOX_DIR",
            )
        })
}

/// Downloaded clips and posters: `CLIPNOTE_CACHE_DIR`, else `clips` in the platform's cache dir.
pub fn cache_dir() -> Result<PathBuf, UserError> {
    env_dir("CLIPNOTE_CACHE_DIR")
        .or_else(|| project_dirs().map(|p| p.cache_dir().join("clips")))
        .ok_or_else(|| {
            UserError::new(
                exit::IO,
                "cannot find a home folder for the clip cache; set HOME or CLIPNOTE_CACHE_DIR",
            )
        })
}

/// Opens the inbox with the config file's cache cap and ClickUp read budget.
pub fn open(file: &config::File) -> Result<Inbox, UserError> {
    let mut cfg = InboxConfig::new(state_dir()?, cache_dir()?);
    if let Some(mib) = file.inbox.cache_max_mib {
        cfg.cache_max_bytes = mib.saturating_mul(1024 * 1024);
    }
    if let Some(n) = file.inbox.clickup_task_reads {
        cfg.clickup_task_reads_per_refresh = n.max(1);
    }
    Inbox::open(cfg).map_err(|e| crate::cli::post::user_error(&e))
}

/// What the app learned from a downloaded clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Looked {
    pub duration_secs: f64,
    /// The poster frame, when one could be made.
    pub poster: Option<PathBuf>,
}

/// Checks a downloaded clip (a teammate's file is untrusted: a broken one is an error, never
/// a crash), records its duration, and makes its poster frame once.
pub fn look_at(inbox: &Inbox, id: &str, clip: &Path) -> Result<Looked, UserError> {
    let info = capture::clip::info(clip).map_err(|e| {
        UserError::new(
            exit::FAILURE,
            format!("the clip cannot be played: {e}. Ask its author to post it again"),
        )
    })?;
    inbox
        .set_duration(id, info.duration_secs)
        .map_err(|e| crate::cli::post::user_error(&e))?;
    let poster = inbox.poster_path(id);
    if !poster.is_file() {
        let at = POSTER_AT_SECS.min(info.duration_secs / 2.0);
        if let Err(e) = make_poster(clip, at, &poster) {
            // A clip that plays but yields no picture at 1 s still plays: say so, go on.
            tracing::warn!(clip = %clip.display(), error = %e, "no poster frame");
            return Ok(Looked {
                duration_secs: info.duration_secs,
                poster: None,
            });
        }
    }
    Ok(Looked {
        duration_secs: info.duration_secs,
        poster: Some(poster),
    })
}

/// Decodes the first frame at or after `at_secs` and writes it as a PNG.
pub fn make_poster(clip: &Path, at_secs: f64, out: &Path) -> Result<(), String> {
    let mut decoder =
        capture::clip::Decoder::open(clip, POSTER_MAX_WIDTH).map_err(|e| e.to_string())?;
    decoder.seek(at_secs.max(0.0)).map_err(|e| e.to_string())?;
    let mut frame = None;
    while let Some(f) = decoder.next_frame().map_err(|e| e.to_string())? {
        let reached = f.pts_secs + 0.001 >= at_secs;
        frame = Some(f);
        if reached {
            break;
        }
    }
    let f = frame.ok_or("the clip has no picture")?;
    let tmp = out.with_extension("partial");
    std::fs::write(&tmp, png(f.width, f.height, &f.rgba)?).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, out).map_err(|e| e.to_string())
}

/// An RGBA picture as a PNG file's bytes.
pub fn png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, String> {
    let expected = width as usize * 4 * height as usize;
    if width == 0 || height == 0 || rgba.len() != expected {
        return Err(format!(
            "a {width}x{height} picture needs {expected} bytes, not {}",
            rgba.len()
        ));
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgba).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_has_its_signature_header_and_size() {
        let bytes = png(2, 1, &[255, 0, 0, 255, 0, 255, 0, 255]).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&bytes[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 2);
        assert!(bytes.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND's CRC");
        let decoded = png::Decoder::new(std::io::Cursor::new(&bytes))
            .read_info()
            .unwrap();
        assert_eq!((decoded.info().width, decoded.info().height), (2, 1));
        assert!(png(2, 2, &[0; 8]).is_err());
    }
}
