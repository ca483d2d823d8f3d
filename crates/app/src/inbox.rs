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

/// An RGBA picture as a PNG file's bytes. The image data is zlib with stored (uncompressed)
/// blocks: a valid PNG every viewer reads, without a compression dependency (a 480 px poster
/// is a few hundred KiB; the cache's cap counts clips, not posters).
pub fn png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, String> {
    let row = width as usize * 4;
    if width == 0 || height == 0 || rgba.len() != row * height as usize {
        return Err(format!(
            "a {width}x{height} picture needs {} bytes, not {}",
            row * height as usize,
            rgba.len()
        ));
    }
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for line in rgba.chunks_exact(row) {
        raw.push(0); // filter: none
        raw.extend_from_slice(line);
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(0xffff).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &z[..]), (b"IEND", &[][..])] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    Ok(out)
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_reference_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn a_png_has_its_signature_header_and_size() {
        let bytes = png(2, 1, &[255, 0, 0, 255, 0, 255, 0, 255]).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&bytes[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 2);
        assert!(bytes.ends_with(&[0xae, 0x42, 0x60, 0x82]), "IEND's CRC");
        assert!(png(2, 2, &[0; 8]).is_err());
    }
}
