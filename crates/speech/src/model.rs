//! A loaded whisper.cpp model and transcription with it.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

use crate::SAMPLE_RATE;
use crate::catalog;
use crate::error::{Result, SpeechError};
use crate::ggml::{self, ModelInfo};
use crate::missed::missed;
use crate::transcript::{Segment, Transcript, Word};
use crate::vad::Activity;

/// A segment whisper itself gives this probability of holding no speech is dropped, whatever
/// its words (whisper.cpp already drops windows over 0.6 whose words it is unsure of).
pub const MAX_NO_SPEECH_PROB: f32 = 0.8;
/// A segment with less voice than this under it (by [`Activity`]) is dropped.
pub const MIN_SEGMENT_VOICE_SECS: f64 = 0.1;

/// A caller's progress report, in percent.
type ProgressFn = Box<dyn FnMut(u32)>;

/// How to transcribe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// "auto" (detect it) or a language code ("en", "de") or name ("german").
    pub language: String,
    /// whisper.cpp's threads. One by default: with the other core busy (recording, the UI),
    /// two threads were slower than one (ggml's workers spin while they wait).
    pub threads: u16,
    /// Time each word too (whisper's token timestamps; cheap).
    pub word_times: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            language: "auto".into(),
            threads: 1,
            word_times: true,
        }
    }
}

/// A whisper.cpp model, loaded and ready to transcribe (thread-safe; one transcription at a
/// time per call, each with its own state).
pub struct Model {
    ctx: WhisperContext,
    name: String,
    path: PathBuf,
    info: ModelInfo,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Loads the model file at `path`. Its layout is read first ([`ggml::inspect`]), so a
    /// missing, foreign, truncated or damaged file is a [`SpeechError`] naming the cause.
    /// Pins are not checked here: [`crate::ModelDir::resolve`] does that for known models.
    pub fn load(path: &Path) -> Result<Self> {
        let info = ggml::inspect(path)?;
        whisper_rs::install_logging_hooks();
        let mut params = WhisperContextParameters::default();
        params.use_gpu(false);
        let ctx =
            WhisperContext::new_with_params(path, params).map_err(|e| SpeechError::NotAModel {
                path: path.to_owned(),
                reason: format!("whisper.cpp could not load it ({e})"),
            })?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = match catalog::KNOWN
            .iter()
            .find(|m| Some(m.file_name) == file_name.as_deref())
        {
            Some(m) => m.name.to_owned(),
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().trim_start_matches("ggml-").to_owned())
                .unwrap_or_default(),
        };
        Ok(Self {
            ctx,
            name,
            path: path.to_owned(),
            info,
        })
    }

    /// The model's name: a known model's, else the file's stem without `ggml-`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The language codes the model transcribes: "en" alone, or whisper's 99.
    pub fn languages(&self) -> Vec<&'static str> {
        if !self.info.multilingual() {
            return vec!["en"];
        }
        (0..=whisper_rs::get_lang_max_id())
            .filter_map(whisper_rs::get_lang_str)
            .collect()
    }

    /// The language code to ask whisper for ("auto" to detect), or why it cannot be.
    pub fn check_language(&self, language: &str) -> Result<&'static str> {
        let wanted = language.trim().to_ascii_lowercase();
        let unsupported = || SpeechError::UnsupportedLanguage {
            model: self.name.clone(),
            language: language.to_owned(),
            supported: format!("auto, {}", self.languages().join(", ")),
        };
        if wanted == "auto" {
            return Ok(if self.info.multilingual() {
                "auto"
            } else {
                "en"
            });
        }
        // Codes ("de") and names ("german"), looked up here: whisper_lang_id logs an error
        // for a language it does not know.
        let code = (0..=whisper_rs::get_lang_max_id())
            .find(|id| {
                whisper_rs::get_lang_str(*id) == Some(wanted.as_str())
                    || whisper_rs::get_lang_str_full(*id) == Some(wanted.as_str())
            })
            .and_then(whisper_rs::get_lang_str)
            .ok_or_else(unsupported)?;
        if code != "en" && !self.info.multilingual() {
            return Err(unsupported());
        }
        Ok(code)
    }

    /// Transcribes 16 kHz mono samples. Silence (no voice by [`Activity`]) gives an empty
    /// transcript without running whisper; segments whisper finds where there is no voice, or
    /// that it judges to hold no speech ([`MAX_NO_SPEECH_PROB`]), are dropped; voice it left
    /// without words is transcribed again on its own ([`crate::missed`]). `progress` gets the
    /// percentage done of the first pass, from whisper.cpp's thread.
    pub fn transcribe(
        &self,
        samples: &[f32],
        options: &Options,
        mut progress: impl FnMut(u32) + 'static,
    ) -> Result<Transcript> {
        let language = self.check_language(&options.language)?;
        let activity = Activity::of(samples);
        if !activity.has_speech() {
            tracing::debug!(
                voiced_secs = activity.voiced_secs(),
                "no voice: nothing to transcribe"
            );
            progress(100);
            return Ok(Transcript {
                language: if language == "auto" {
                    String::new()
                } else {
                    language.into()
                },
                segments: Vec::new(),
            });
        }
        let duration_secs = samples.len() as f64 / f64::from(SAMPLE_RATE);
        let whole = Pass {
            samples,
            offset_secs: 0.0,
            language,
            options,
            activity: &activity,
            duration_secs,
        };
        let (mut segments, detected) = self.pass(&whole, Some(Box::new(progress)))?;
        for (start, end) in missed(&segments, &activity.voiced_spans(), duration_secs) {
            let at = |secs: f64| ((secs * f64::from(SAMPLE_RATE)) as usize).min(samples.len());
            tracing::debug!(
                start,
                end,
                "voice with no words: transcribed again on its own"
            );
            let again = Pass {
                samples: &samples[at(start)..at(end)],
                offset_secs: start,
                ..whole
            };
            segments.extend(self.pass(&again, None)?.0);
        }
        segments.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
        Ok(Transcript {
            language: detected.to_owned(),
            segments,
        })
    }

    /// Runs whisper over `pass.samples` and returns the segments it found where there is voice
    /// (times in the whole clip's seconds), and the language it detected.
    fn pass<'a>(
        &self,
        pass: &Pass<'a>,
        progress: Option<ProgressFn>,
    ) -> Result<(Vec<Segment>, &'a str)> {
        let mut state = self
            .ctx
            .create_state()
            .map_err(SpeechError::whisper("preparing to transcribe"))?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(i32::from(pass.options.threads.max(1)));
        params.set_language(Some(pass.language));
        params.set_token_timestamps(pass.options.word_times);
        params.set_suppress_nst(true);
        // Each window on its own: no earlier text to repeat in a loop.
        params.set_no_context(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        // whisper-rs 0.16 never frees a progress callback: hand it a cell, and take the
        // caller's closure (and what it holds) back out once whisper is done.
        let callback: Rc<RefCell<Option<ProgressFn>>> = Rc::new(RefCell::new(progress));
        let for_whisper = Rc::clone(&callback);
        params.set_progress_callback_safe(move |p: i32| {
            if let Some(report) = for_whisper.borrow_mut().as_mut() {
                report(p.clamp(0, 100) as u32);
            }
        });
        let done = state.full(params, pass.samples);
        callback.borrow_mut().take();
        done.map_err(SpeechError::whisper("transcribing"))?;

        let (activity, duration_secs) = (pass.activity, pass.duration_secs);
        // Whisper's times are the pass's, in centiseconds; the clip's are `offset` later.
        let offset_cs = (pass.offset_secs * 100.0).round() as i64;
        let end_of_text = self.ctx.token_eot();
        let mut segments = Vec::new();
        for seg in state.as_iter() {
            let secs = |cs: i64| ((cs + offset_cs) as f64 / 100.0).min(duration_secs);
            let start_secs = secs(seg.start_timestamp());
            let end_secs = secs(seg.end_timestamp());
            let text = seg
                .to_str_lossy()
                .map_err(SpeechError::whisper("reading the text"))?
                .trim()
                .to_owned();
            let no_speech_prob = seg.no_speech_probability();
            let voice = activity.voiced_secs_in(start_secs, end_secs);
            if text.is_empty()
                || no_speech_prob > MAX_NO_SPEECH_PROB
                || voice < MIN_SEGMENT_VOICE_SECS
            {
                tracing::debug!(text, no_speech_prob, voice, "segment dropped as no speech");
                continue;
            }
            let mut words = Vec::new();
            if pass.options.word_times {
                let tokens = (0..seg.n_tokens())
                    .filter_map(|i| seg.get_token(i))
                    .filter_map(|t| {
                        let data = t.token_data();
                        (t.token_id() < end_of_text).then(|| {
                            let bytes = t.to_bytes().unwrap_or_default().to_vec();
                            (bytes, data.t0 + offset_cs, data.t1 + offset_cs, data.p)
                        })
                    });
                words = words_of(tokens, duration_secs);
                // Whisper puts a window's first word at its start and stretches a word before
                // a pause over the pause: a word begins and ends with its voice.
                for word in &mut words {
                    word.start_secs = activity.voice_start(word.start_secs, word.end_secs);
                    word.end_secs = activity.voice_end(word.start_secs, word.end_secs);
                }
            }
            // With word times, the segment spans its words' voice too.
            let (start_secs, end_secs) = match (words.first(), words.last()) {
                (Some(first), Some(last)) => {
                    (first.start_secs, last.end_secs.max(first.start_secs))
                }
                _ => (start_secs, end_secs),
            };
            segments.push(Segment {
                start_secs,
                end_secs,
                text,
                words,
                no_speech_prob,
            });
        }
        let detected = whisper_rs::get_lang_str(state.full_lang_id_from_state());
        Ok((segments, detected.unwrap_or(pass.language)))
    }
}

/// One run of whisper over part of a clip: its sound, where it starts in the clip, and what
/// every run shares.
#[derive(Clone, Copy)]
struct Pass<'a> {
    samples: &'a [f32],
    offset_secs: f64,
    language: &'a str,
    options: &'a Options,
    /// The whole clip's voice, and its length.
    activity: &'a Activity,
    duration_secs: f64,
}

/// Words from tokens (their bytes, start and end in centiseconds, probability): a token
/// starting with a space starts a word. Bytes are joined before decoding, as one character may
/// span tokens.
fn words_of(
    tokens: impl Iterator<Item = (Vec<u8>, i64, i64, f32)>,
    duration_secs: f64,
) -> Vec<Word> {
    let secs = |cs: i64| (cs as f64 / 100.0).clamp(0.0, duration_secs);
    let mut words: Vec<(Vec<u8>, i64, i64, f32)> = Vec::new();
    for (bytes, t0, t1, p) in tokens {
        match words.last_mut() {
            Some(word) if !bytes.starts_with(b" ") => {
                word.0.extend_from_slice(&bytes);
                word.2 = t1;
                word.3 = word.3.min(p);
            }
            _ => words.push((bytes, t0, t1, p)),
        }
    }
    words
        .into_iter()
        .filter_map(|(bytes, t0, t1, p)| {
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            (!text.is_empty()).then(|| Word {
                start_secs: secs(t0),
                end_secs: secs(t1.max(t0)),
                text,
                probability: p,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_join_into_words_at_spaces_and_characters_across_tokens() {
        let tokens = vec![
            (b" And".to_vec(), 30, 50, 0.9),
            (b" Am".to_vec(), 60, 70, 0.8),
            (b"ericans".to_vec(), 70, 110, 0.6),
            (b",".to_vec(), 110, 112, 0.9),
            // "é" split over two tokens.
            (b" caf\xc3".to_vec(), 200, 220, 0.7),
            (b"\xa9".to_vec(), 220, 240, 0.7),
            (b" ".to_vec(), 240, 240, 0.5),
        ];
        let words = words_of(tokens.into_iter(), 2.3);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["And", "Americans,", "café"]);
        assert_eq!((words[1].start_secs, words[1].end_secs), (0.6, 1.12));
        assert_eq!(words[1].probability, 0.6);
        assert_eq!(words[2].end_secs, 2.3, "clamped to the clip's end");
    }
}
