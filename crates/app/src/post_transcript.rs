//! The transcript a post carries: read from beside the clip (`<clip>.transcript.json`) when the
//! post is queued — so a correction made in Review before posting is what goes — cut to the
//! part of the clip that is posted when it is trimmed, and handed to `publish` as plain data
//! (timed lines and the captions' WebVTT), which the outbox keeps in the job.

use std::path::Path;

use speech::{Segment, Transcript};

/// Whether posts carry the transcript: `[transcript] post` in the config (default true).
pub fn enabled(file: &crate::config::File) -> bool {
    file.transcript.post.unwrap_or(true)
}

/// The transcript beside `clip`, as posted: `Ok(None)` when there is none (or no words in it).
/// `trim` keeps `start..end` seconds, moved to start at 0, as the trimmed clip does. A file that
/// is there but unreadable is an error naming the fix.
pub fn snapshot(
    clip: &Path,
    trim: Option<(f64, f64)>,
) -> Result<Option<publish::Transcript>, String> {
    let found = speech::beside::read_beside(clip).map_err(|e| {
        format!(
            "cannot read the transcript beside the clip ({e}); post without it (`--no-transcript`, or Settings → Transcripts) or run `clipnote transcribe {}` to write it again",
            clip.display()
        )
    })?;
    let Some(mut transcript) = found else {
        return Ok(None);
    };
    if let Some((start, end)) = trim {
        transcript = cut(&transcript, start, end);
    }
    let posted = publish::Transcript {
        lines: transcript
            .segments
            .iter()
            .map(|s| publish::transcript::Line {
                start_secs: s.start_secs,
                end_secs: s.end_secs,
                text: s.text.trim().to_owned(),
            })
            .collect(),
        captions_vtt: transcript.to_vtt(),
    };
    Ok((!posted.is_empty()).then_some(posted))
}

/// The part of `t` said between `start` and `end` seconds, on the trimmed clip's time.
fn cut(t: &Transcript, start: f64, end: f64) -> Transcript {
    let len = (end - start).max(0.0);
    let on_clip = |secs: f64| (secs - start).clamp(0.0, len);
    let segments = t
        .segments
        .iter()
        .filter(|s| s.end_secs > start && s.start_secs < end)
        .map(|s| Segment {
            start_secs: on_clip(s.start_secs),
            end_secs: on_clip(s.end_secs),
            text: s.text.clone(),
            words: s
                .words
                .iter()
                .filter(|w| w.end_secs > start && w.start_secs < end)
                .map(|w| speech::Word {
                    start_secs: on_clip(w.start_secs),
                    end_secs: on_clip(w.end_secs),
                    ..w.clone()
                })
                .collect(),
            ..s.clone()
        })
        .collect();
    Transcript {
        language: t.language.clone(),
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start: f64, end: f64, text: &str) -> Segment {
        Segment {
            start_secs: start,
            end_secs: end,
            text: text.into(),
            words: Vec::new(),
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn a_trimmed_post_carries_the_lines_of_the_kept_part_on_its_own_time() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("update.mp4");
        assert_eq!(snapshot(&clip, None).unwrap(), None, "no transcript: none");
        let t = Transcript {
            language: "en".into(),
            segments: vec![
                segment(0.5, 2.0, " Hello."),
                segment(3.0, 6.0, " We fixed the login bug."),
                segment(9.0, 11.0, " Bye."),
            ],
        };
        speech::beside::write_beside(&clip, &t).unwrap();
        let whole = snapshot(&clip, None).unwrap().unwrap();
        assert_eq!(whole.lines.len(), 3);
        assert_eq!(whole.lines[1].text, "We fixed the login bug.");
        assert!(whole.captions_vtt.starts_with("WEBVTT"));
        let trimmed = snapshot(&clip, Some((2.5, 8.0))).unwrap().unwrap();
        assert_eq!(trimmed.lines.len(), 1);
        assert_eq!(
            (trimmed.lines[0].start_secs, trimmed.lines[0].end_secs),
            (0.5, 3.5)
        );
        assert!(
            trimmed
                .captions_vtt
                .contains("00:00:00.500 --> 00:00:03.500"),
            "{}",
            trimmed.captions_vtt
        );
        std::fs::write(speech::beside::transcript_path(&clip), b"{oops").unwrap();
        let e = snapshot(&clip, None).unwrap_err();
        assert!(
            e.contains("--no-transcript") && e.contains("clipnote transcribe"),
            "{e}"
        );
    }
}
