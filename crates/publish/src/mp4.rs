//! Just enough MP4 reading to learn a clip's duration (`moov/mvhd`), without any media library.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The clip's duration in seconds, from the movie header; `None` when it is not recorded
/// there (a fragmented file still being written) or the file is not an MP4.
pub fn duration_secs(path: &Path) -> Option<f64> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let moov = find_box(&mut f, 0, len, b"moov")?;
    let mvhd = find_box(&mut f, moov.0, moov.1, b"mvhd")?;
    f.seek(SeekFrom::Start(mvhd.0)).ok()?;
    let mut head = [0u8; 4];
    f.read_exact(&mut head).ok()?;
    let (timescale, duration) = if head[0] == 1 {
        let mut b = [0u8; 28];
        f.read_exact(&mut b).ok()?;
        (
            u32::from_be_bytes(b[16..20].try_into().ok()?),
            u64::from_be_bytes(b[20..28].try_into().ok()?),
        )
    } else {
        let mut b = [0u8; 16];
        f.read_exact(&mut b).ok()?;
        (
            u32::from_be_bytes(b[8..12].try_into().ok()?),
            u64::from(u32::from_be_bytes(b[12..16].try_into().ok()?)),
        )
    };
    (timescale > 0 && duration > 0 && duration != u64::from(u32::MAX))
        .then(|| duration as f64 / f64::from(timescale))
}

/// Finds a child box of `kind` in `[start, end)`; returns its payload's (start, end).
fn find_box(f: &mut std::fs::File, start: u64, end: u64, kind: &[u8; 4]) -> Option<(u64, u64)> {
    let mut pos = start;
    while pos + 8 <= end {
        f.seek(SeekFrom::Start(pos)).ok()?;
        let mut h = [0u8; 8];
        f.read_exact(&mut h).ok()?;
        let mut size = u64::from(u32::from_be_bytes(h[..4].try_into().ok()?));
        let mut header = 8;
        if size == 1 {
            let mut big = [0u8; 8];
            f.read_exact(&mut big).ok()?;
            size = u64::from_be_bytes(big);
            header = 16;
        } else if size == 0 {
            size = end - pos;
        }
        if size < header {
            return None;
        }
        if &h[4..8] == kind {
            return Some((pos + header, (pos + size).min(end)));
        }
        pos += size;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mvhd_duration_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.mp4");
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&[0, 0, 0, 16]);
        bytes.extend_from_slice(b"ftypisom\0\0\0\0");
        let mut mvhd = vec![0u8; 4 + 16];
        mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
        mvhd[16..20].copy_from_slice(&62_500u32.to_be_bytes());
        let moov_len = 8 + 8 + mvhd.len() as u32;
        bytes.extend_from_slice(&moov_len.to_be_bytes());
        bytes.extend_from_slice(b"moov");
        bytes.extend_from_slice(&(8 + mvhd.len() as u32).to_be_bytes());
        bytes.extend_from_slice(b"mvhd");
        bytes.extend_from_slice(&mvhd);
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(duration_secs(&p), Some(62.5));
        std::fs::write(&p, b"not an mp4 at all").unwrap();
        assert_eq!(duration_secs(&p), None);
    }
}
