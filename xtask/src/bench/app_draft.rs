//! `cargo xtask bench app`'s last scene: a recording started while Review drafts. The app opens
//! a clip whose transcript (a 3-minute spoken update) is beside it, with the drafting model
//! installed, so Review starts drafting; a few seconds in — the model still reading the
//! transcript — the hotkey starts a recording of the world's full-motion 1080p content, which
//! stops the draft (its process is killed), and the frames the recording dropped are read from
//! the app's log, beside those of the recordings made with nothing else running.

use std::path::Path;
use std::time::Duration;

use super::app::{Keys, launch, wait_line};
use crate::world::World;
use crate::{Result, fail};

/// Seconds of drafting before the hotkey: the model has loaded and is reading the transcript.
const DRAFTING_SECS: u64 = 4;

/// What the scene measured.
pub(super) struct DuringDraft {
    /// Frames the recording dropped.
    pub dropped: u64,
    /// The app said the draft stopped for the recording.
    pub draft_stopped: bool,
}

/// Runs the scene with `clipnote`, the drafting model in `models_dir`, a copy of `clip` and
/// `said` (the words of the update) as its transcript, under `home`.
pub(super) fn measure(
    world: &World,
    clipnote: &Path,
    models_dir: &Path,
    home: &Path,
    (clip, said): (&Path, &str),
) -> Result<DuringDraft> {
    std::fs::create_dir_all(home).map_err(|e| fail(format!("{}: {e}", home.display())))?;
    let review = home.join("update.mp4");
    std::fs::copy(clip, &review).map_err(|e| fail(format!("cannot copy the clip: {e}")))?;
    std::fs::write(
        review.with_extension("transcript.json"),
        transcript_json(said),
    )
    .map_err(|e| fail(format!("cannot write the transcript: {e}")))?;
    let env = vec![
        ("CLIPNOTE_REVIEW_CLIP".into(), review.display().to_string()),
        (
            "CLIPNOTE_MODELS_DIR".into(),
            models_dir.display().to_string(),
        ),
    ];
    let app = world.command(&clipnote.display().to_string());
    let (mut child, lines, _) = launch(app, home, &env)?;
    let result = (|| {
        // (The hotkey is registered before the first frame; the draft starts after it.)
        wait_line(&lines, "review: drafting")?;
        let mut keys = Keys::start(world)?;
        std::thread::sleep(Duration::from_secs(DRAFTING_SECS));
        keys.send("key ctrl+alt+r")?;
        // The draft stops as the recording starts (before or after its first frame).
        let mut draft_stopped = false;
        loop {
            let (_, line) = wait_line(&lines, "")?;
            draft_stopped |= line.contains("a recording started, the draft stops");
            if line.contains("recording: first frame") {
                break;
            }
        }
        std::thread::sleep(Duration::from_secs(super::app::RECORD_SECS));
        keys.send("key ctrl+alt+r")?;
        let finished = loop {
            let (_, line) = wait_line(&lines, "")?;
            draft_stopped |= line.contains("a recording started, the draft stops");
            if line.contains("recording: finished") {
                break line;
            }
        };
        let dropped = super::last_number_after(&finished, "dropped_frames=")
            .ok_or_else(|| fail(format!("no dropped_frames in {finished:?}")))?;
        Ok(DuringDraft {
            dropped,
            draft_stopped,
        })
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// `said` as a transcript beside a clip (`speech::Transcript`'s JSON): a sentence a segment,
/// three seconds each.
fn transcript_json(said: &str) -> String {
    let segments: Vec<String> = said
        .split_inclusive(['.', '?', '!'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, text)| {
            let text = text.replace('\\', "\\\\").replace('"', "\\\"");
            format!(
                r#"{{"start_secs":{start},"end_secs":{end},"text":"{text}","words":[],"no_speech_prob":0.02}}"#,
                start = i * 3,
                end = i * 3 + 3
            )
        })
        .collect();
    format!(r#"{{"language":"en","segments":[{}]}}"#, segments.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_become_segments_and_quotes_are_escaped() {
        let json = transcript_json("It said \"go\". Next?");
        assert_eq!(
            json,
            r#"{"language":"en","segments":[{"start_secs":0,"end_secs":3,"text":"It said \"go\".","words":[],"no_speech_prob":0.02},{"start_secs":3,"end_secs":6,"text":"Next?","words":[],"no_speech_prob":0.02}]}"#
        );
    }
}
