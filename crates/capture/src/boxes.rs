//! The top-level boxes of an MP4 file, read from their 8- or 16-byte headers only: where a file
//! that a crash or a full disk cut off stops being whole.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Where the whole part of a fragmented MP4 ends, when its last top-level box is cut off: the
/// start of that box, or of the fragment header (`moof`) before a cut-off `mdat`. `None` when
/// every box is whole or the file cannot be read as boxes at all.
pub fn whole_end(path: &Path) -> Option<u64> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let (mut pos, mut previous): (u64, Option<(u64, [u8; 4])>) = (0, None);
    while pos < len {
        let (size, kind) = header(&mut f, pos, len)?;
        let end = match size {
            Some(size) => pos.checked_add(size)?,
            None => len, // size 0: the box runs to the end of the file
        };
        if end > len {
            return Some(match previous {
                Some((start, kind_before)) if &kind == b"mdat" && &kind_before == b"moof" => start,
                _ => pos,
            });
        }
        previous = Some((pos, kind));
        pos = end;
    }
    None
}

/// The box header at `pos`: its size (`None`: to the end of the file) and type. `None` when
/// the bytes there cannot be a box.
fn header(f: &mut std::fs::File, pos: u64, len: u64) -> Option<(Option<u64>, [u8; 4])> {
    let mut h = [0u8; 8];
    f.seek(SeekFrom::Start(pos)).ok()?;
    if len - pos < 8 {
        // A header cut in two: the box starts here and is not whole.
        return Some((Some(u64::MAX - pos), *b"????"));
    }
    f.read_exact(&mut h).ok()?;
    let kind = [h[4], h[5], h[6], h[7]];
    let size = match u32::from_be_bytes([h[0], h[1], h[2], h[3]]) {
        0 => None,
        1 => {
            let mut big = [0u8; 8];
            if f.read_exact(&mut big).is_err() {
                return Some((Some(u64::MAX - pos), kind));
            }
            let s = u64::from_be_bytes(big);
            if s < 16 {
                return None;
            }
            Some(s)
        }
        s if s >= 8 => Some(u64::from(s)),
        _ => return None,
    };
    Some((size, kind))
}

#[cfg(test)]
mod tests {
    use super::whole_end;

    fn mp4_box(kind: &[u8; 4], payload: usize) -> Vec<u8> {
        let mut b = ((8 + payload) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.resize(8 + payload, 0);
        b
    }

    fn file_of(parts: &[Vec<u8>], cut: usize) -> tempfile::NamedTempFile {
        let mut bytes: Vec<u8> = parts.concat();
        bytes.truncate(bytes.len() - cut);
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), bytes).unwrap();
        f
    }

    #[test]
    fn the_whole_part_ends_before_a_cut_off_fragment() {
        let parts = [
            mp4_box(b"ftyp", 16),
            mp4_box(b"moov", 100),
            mp4_box(b"moof", 40),
            mp4_box(b"mdat", 1000),
            mp4_box(b"moof", 40),
            mp4_box(b"mdat", 1000),
        ];
        let second_moof = (24 + 108 + 48 + 1008) as u64;
        assert_eq!(whole_end(file_of(&parts, 0).path()), None, "all whole");
        // Cut inside the last fragment's data, inside its header, and in its header's header.
        assert_eq!(whole_end(file_of(&parts, 500).path()), Some(second_moof));
        assert_eq!(
            whole_end(file_of(&parts, 1008 + 20).path()),
            Some(second_moof)
        );
        assert_eq!(
            whole_end(file_of(&parts, 1008 + 45).path()),
            Some(second_moof)
        );
        assert_eq!(whole_end(file_of(&[b"junk".to_vec()], 0).path()), Some(0));
    }
}
