//! A clip's transcript lives beside it, under the clip's stem: `<clip>.vtt` (captions any player
//! reads) and `<clip>.transcript.json` (the [`Transcript`] with segment and word times, which
//! captions, search, tighten and drafting read back). Both are written to a temporary file and
//! renamed over the old one, so a reader never sees half a transcript.

use std::path::{Path, PathBuf};

use crate::Transcript;

/// `<clip>.vtt`: WebVTT captions, beside the clip.
pub fn captions_path(clip: &Path) -> PathBuf {
    clip.with_extension("vtt")
}

/// `<clip>.transcript.json`: the timed transcript, beside the clip.
pub fn transcript_path(clip: &Path) -> PathBuf {
    clip.with_extension("transcript.json")
}

/// Writes the captions and the timed transcript beside `clip`.
pub fn write_beside(clip: &Path, transcript: &Transcript) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(transcript).map_err(std::io::Error::other)?;
    replace(&transcript_path(clip), &json)?;
    replace(&captions_path(clip), transcript.to_vtt().as_bytes())
}

/// The timed transcript beside `clip`: `Ok(None)` when there is none; an error when the file
/// is there but unreadable or not a transcript.
pub fn read_beside(clip: &Path) -> std::io::Result<Option<Transcript>> {
    let path = transcript_path(clip);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not a transcript ({e}); run `clipnote transcribe` on the clip to write it again", path.display()),
        )
    })
}

fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Segment, Word};

    #[test]
    fn a_transcript_written_beside_a_clip_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("update.mp4");
        assert_eq!(read_beside(&clip).unwrap(), None);
        let t = Transcript {
            language: "en".into(),
            segments: vec![Segment {
                start_secs: 0.5,
                end_secs: 1.75,
                text: "Shipped the fix.".into(),
                words: vec![Word {
                    start_secs: 0.5,
                    end_secs: 0.9,
                    text: "Shipped".into(),
                    probability: 0.9,
                }],
                no_speech_prob: 0.01,
            }],
        };
        write_beside(&clip, &t).unwrap();
        assert_eq!(read_beside(&clip).unwrap(), Some(t.clone()));
        let vtt = std::fs::read_to_string(dir.path().join("update.vtt")).unwrap();
        assert!(
            vtt.starts_with("WEBVTT") && vtt.contains("00:00:00.500 --> 00:00:00.900\nShipped"),
            "{vtt}"
        );
        std::fs::write(transcript_path(&clip), b"{not json").unwrap();
        let err = read_beside(&clip).unwrap_err().to_string();
        assert!(err.contains("clipnote transcribe"), "{err}");
    }
}
