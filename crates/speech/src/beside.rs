//! A clip's transcript lives beside it, under the clip's stem: `<clip>.vtt` (captions any player
//! reads) and `<clip>.transcript.json` (the [`Transcript`] with segment and word times, which
//! captions, search, tighten and drafting read back). Both are written to a temporary file and
//! renamed over the old one, so a reader never sees half a transcript.
//!
//! A transcript a person corrected (in Review) is marked so — `"corrected": true` in the JSON —
//! and a machine-made one ([`write_beside`]: the live transcript at stop, `clipnote
//! transcribe`) never replaces it: the correction is kept and the caller told
//! ([`Written::KeptCorrection`]), to say how to replace it on purpose.

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

/// What writing a machine-made transcript beside a clip did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The files beside the clip hold the transcript now.
    Written,
    /// A transcript a person corrected is beside the clip: it was kept, and this one not
    /// written.
    KeptCorrection,
}

/// Writes a machine-made transcript (captions and timed transcript) beside `clip`, unless a
/// corrected one is there: that is kept ([`Written::KeptCorrection`]).
pub fn write_beside(clip: &Path, transcript: &Transcript) -> std::io::Result<Written> {
    if is_corrected(clip) {
        return Ok(Written::KeptCorrection);
    }
    write_marked(clip, transcript, false)?;
    Ok(Written::Written)
}

/// Writes a transcript a person corrected beside `clip`, marked so.
pub fn write_corrected(clip: &Path, transcript: &Transcript) -> std::io::Result<()> {
    write_marked(clip, transcript, true)
}

/// Writes `transcript` beside `clip` whatever is there, marked `corrected` or not (tighten's
/// new clip, whose transcript is the shifted one of the clip it was cut from).
pub fn write_marked(clip: &Path, transcript: &Transcript, corrected: bool) -> std::io::Result<()> {
    let mut json = serde_json::to_value(transcript).map_err(std::io::Error::other)?;
    if corrected && let Some(fields) = json.as_object_mut() {
        fields.insert("corrected".into(), true.into());
    }
    let json = serde_json::to_vec_pretty(&json).map_err(std::io::Error::other)?;
    replace(&transcript_path(clip), &json)?;
    replace(&captions_path(clip), transcript.to_vtt().as_bytes())
}

/// Whether the transcript beside `clip` was corrected by a person (false when there is none,
/// or it cannot be read).
pub fn is_corrected(clip: &Path) -> bool {
    #[derive(serde::Deserialize)]
    struct Mark {
        #[serde(default)]
        corrected: bool,
    }
    std::fs::read(transcript_path(clip))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Mark>(&bytes).ok())
        .is_some_and(|m| m.corrected)
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
        assert_eq!(write_beside(&clip, &t).unwrap(), Written::Written);
        assert_eq!(read_beside(&clip).unwrap(), Some(t.clone()));
        assert!(!is_corrected(&clip));
        let vtt = std::fs::read_to_string(dir.path().join("update.vtt")).unwrap();
        assert!(
            vtt.starts_with("WEBVTT") && vtt.contains("00:00:00.500 --> 00:00:00.900\nShipped"),
            "{vtt}"
        );

        // A correction is marked, and a machine-made transcript does not replace it.
        let mut corrected = t.clone();
        corrected.segments[0].text = "Shipped the fixes.".into();
        write_corrected(&clip, &corrected).unwrap();
        assert!(is_corrected(&clip));
        assert_eq!(read_beside(&clip).unwrap(), Some(corrected.clone()));
        assert_eq!(write_beside(&clip, &t).unwrap(), Written::KeptCorrection);
        assert_eq!(read_beside(&clip).unwrap(), Some(corrected.clone()));
        // On purpose, it can be (tighten's new clip carries the mark on or off).
        write_marked(&clip, &t, false).unwrap();
        assert!(!is_corrected(&clip));
        assert_eq!(read_beside(&clip).unwrap(), Some(t.clone()));

        std::fs::write(transcript_path(&clip), b"{not json").unwrap();
        assert!(!is_corrected(&clip), "an unreadable one is no correction");
        let err = read_beside(&clip).unwrap_err().to_string();
        assert!(err.contains("clipnote transcribe"), "{err}");
    }
}
