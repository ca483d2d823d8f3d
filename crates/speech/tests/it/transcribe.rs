//! Transcribing real speech, silence and sounds that are not speech.

use std::time::Instant;

use speech::{Options, SpeechError, Transcript};
use testkit::speech::{BECKETT_TEXT, JFK_TEXT, samples_16k, speech, wer};

use crate::tiny_en;

/// Where the voice in jfk.wav starts ("And") and ends ("country"), in seconds: read off its
/// waveform (30 ms frame levels and ffmpeg's silencedetect at -30 dB).
const JFK_SPEECH_STARTS: f64 = 0.33;
const JFK_SPEECH_ENDS: f64 = 10.35;

fn transcribe(samples: &[f32]) -> Transcript {
    let started = Instant::now();
    let t = tiny_en()
        .transcribe(samples, &Options::default(), |_| {})
        .expect("transcribes");
    eprintln!(
        "{:.1} s of sound in {:.2} s: {:?}",
        samples.len() as f64 / 16_000.0,
        started.elapsed().as_secs_f64(),
        t.text()
    );
    t
}

#[test]
fn jfk_is_transcribed_word_for_word_with_times_where_the_words_are() {
    let t = transcribe(&samples_16k(&speech().jfk));
    let rate = wer(JFK_TEXT, &t.text());
    eprintln!("WER {:.3}", rate);
    assert!(rate <= 0.10, "WER {rate:.3}: {:?}", t.text());
    assert_eq!(t.language, "en");
    let words: Vec<_> = t.segments.iter().flat_map(|s| &s.words).collect();
    assert!(words.len() >= 20, "{words:?}");
    assert!(
        words.windows(2).all(|w| w[0].start_secs <= w[1].start_secs),
        "in order: {words:?}"
    );
    let (first, last) = (words[0], words[words.len() - 1]);
    eprintln!("first word {first:?}\nlast word {last:?}");
    assert!(
        (first.start_secs - JFK_SPEECH_STARTS).abs() <= 0.5,
        "{first:?}"
    );
    assert!((last.end_secs - JFK_SPEECH_ENDS).abs() <= 0.5, "{last:?}");
    let cues = t.cues();
    assert!(
        (cues[0].start_secs - JFK_SPEECH_STARTS).abs() <= 0.5,
        "{cues:?}"
    );
    let last_cue = &cues[cues.len() - 1];
    assert!(
        (last_cue.end_secs - JFK_SPEECH_ENDS).abs() <= 0.5,
        "{cues:?}"
    );
}

/// Two speeches with pauses, twice (50 s): tiny.en, greedy, ends its second window after the
/// second JFK and seeks past the last Beckett as if it were silent. The voice it left without
/// words is transcribed again on its own, so the clip's last sentences are in the transcript.
#[test]
fn speech_whisper_skips_at_the_end_of_a_window_is_transcribed_again() {
    let pause = |secs: f64| vec![0.0f32; (secs * 16_000.0) as usize];
    let (jfk, beckett) = (samples_16k(&speech().jfk), samples_16k(&speech().beckett));
    let once = [jfk, pause(1.5), beckett, pause(2.5)].concat();
    let t = transcribe(&once.repeat(2));
    let said = format!("{JFK_TEXT} {BECKETT_TEXT} {JFK_TEXT} {BECKETT_TEXT}");
    let rate = wer(&said, &t.text());
    assert!(rate <= 0.10, "WER {rate:.3}: {:?}", t.text());
    let last = t.segments.last().expect("segments");
    assert!(
        last.start_secs > 36.0 && last.text.to_lowercase().contains("better"),
        "the last Beckett is there: {last:?}"
    );
    assert!(
        t.segments
            .windows(2)
            .all(|w| w[0].start_secs <= w[1].start_secs),
        "in order"
    );
}

#[test]
fn silence_faint_noise_and_a_steady_tone_give_no_words() {
    let secs = 10;
    let n = 16_000 * secs;
    let silence = vec![0.0f32; n];
    let mut x: u32 = 7;
    let hiss: Vec<f32> = (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            0.003 * ((x >> 8) as f32 / (1 << 24) as f32 * 2.0 - 1.0)
        })
        .collect();
    // The test world's microphone: a 440 Hz tone.
    let tone: Vec<f32> = (0..n)
        .map(|i| 0.25 * (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin())
        .collect();
    for (what, samples) in [("silence", silence), ("hiss", hiss), ("a tone", tone)] {
        let t = transcribe(&samples);
        assert!(t.is_empty(), "{what} gave {:?}", t.text());
        assert_eq!(t.to_vtt(), "WEBVTT\n");
    }
}

#[test]
fn a_long_silence_after_speech_gets_no_invented_words() {
    let mut samples = samples_16k(&speech().jfk);
    samples.extend(vec![0.0f32; 16_000 * 20]);
    let t = transcribe(&samples);
    assert!(wer(JFK_TEXT, &t.text()) <= 0.10, "{:?}", t.text());
    let late: Vec<_> = t.segments.iter().filter(|s| s.end_secs > 12.0).collect();
    assert!(late.is_empty(), "words in the silence: {late:?}");
}

#[test]
fn progress_reaches_one_hundred_percent() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let samples = samples_16k(&speech().jfk);
    tiny_en()
        .transcribe(&samples, &Options::default(), move |p| {
            sink.lock().unwrap().push(p)
        })
        .unwrap();
    assert_eq!(
        std::sync::Arc::strong_count(&seen),
        1,
        "the progress closure is dropped once transcribing is done"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.last(), Some(&100), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}

#[test]
fn a_language_the_model_lacks_is_refused_naming_the_ones_it_has() {
    let model = tiny_en();
    assert_eq!(model.languages(), ["en"]);
    assert_eq!(model.check_language("auto").unwrap(), "en");
    assert_eq!(model.check_language("EN").unwrap(), "en");
    assert_eq!(model.check_language("english").unwrap(), "en");
    for language in ["de", "xx", "", "e\u{301}n"] {
        let err = model.check_language(language).unwrap_err();
        assert!(
            matches!(err, SpeechError::UnsupportedLanguage { .. }),
            "{language}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("it knows: auto, en."), "{message}");
        assert!(message.contains("--language"), "{message}");
    }
    let samples = vec![0.0f32; 16_000];
    let options = Options {
        language: "fr".into(),
        ..Options::default()
    };
    assert!(model.transcribe(&samples, &options, |_| {}).is_err());
}

/// A sound made by the `ffmpeg` CLI from a lavfi source and filter, as 16 kHz samples.
fn synthesized(source: &str, filter: &str) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("sound.wav");
    let o = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-af", filter,
        ])
        .args(["-ac", "1", "-ar", "16000"])
        .arg(&wav)
        .output()
        .expect("ffmpeg runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    samples_16k(&wav)
}

#[test]
fn sounds_that_pass_the_energy_check_but_are_not_speech_give_no_words() {
    // Keyboard-like clicks and the rise and fall of surf: loud enough, and uneven enough, for
    // the energy check to let whisper listen; whisper's no-speech probability keeps them out.
    let sounds = [
        (
            "clicks",
            "anoisesrc=d=10:c=white:a=0.3:r=16000",
            "volume='if(lt(mod(t,0.4),0.08),1,0.01)':eval=frame",
        ),
        (
            "surf",
            "anoisesrc=d=10:c=pink:a=0.2:r=16000",
            "volume='0.5+0.5*sin(2*PI*0.7*t)':eval=frame",
        ),
    ];
    for (what, source, filter) in sounds {
        let samples = synthesized(source, filter);
        assert!(
            speech::vad::Activity::of(&samples).has_speech(),
            "{what} must reach whisper for this test to mean anything"
        );
        let t = transcribe(&samples);
        assert!(t.is_empty(), "{what} gave {:?}", t.text());
    }
}
