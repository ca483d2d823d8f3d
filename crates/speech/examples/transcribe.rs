//! Transcribes a sound file and prints each segment and word with its times, and the speed.
//!
//! `cargo run -p speech --example transcribe -- MODEL.bin FILE [LANGUAGE] [THREADS]`
//! (FILE is decoded by the `ffmpeg` CLI). `RUST_LOG=speech=debug` shows dropped segments.
//! With `LIVE=1` the sound is fed in half-second pieces, as while recording (`speech::live`).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, file, rest @ ..] = args.as_slice() else {
        return Err("usage: transcribe MODEL.bin FILE [LANGUAGE] [THREADS]".into());
    };
    let started = Instant::now();
    let model = speech::Model::load(model.as_ref())?;
    eprintln!(
        "loaded {} in {:.2} s",
        model.name(),
        started.elapsed().as_secs_f64()
    );
    let samples = testkit::speech::samples_16k(file.as_ref());
    let options = speech::Options {
        language: rest.first().cloned().unwrap_or_else(|| "auto".into()),
        threads: rest.get(1).map_or(Ok(1), |t| t.parse())?,
        word_times: true,
    };
    let started = Instant::now();
    let transcript = if std::env::var_os("LIVE").is_some() {
        let mut live = speech::LiveTranscript::new(&model, options)?;
        for (i, piece) in samples.chunks(8_000).enumerate() {
            live.push(i as f64 * 0.5, piece)?;
        }
        live.finish()?
    } else {
        model.transcribe(&samples, &options, |_| {})?
    };
    let secs = started.elapsed().as_secs_f64();
    for s in &transcript.segments {
        println!(
            "[{:.2} → {:.2}] ({:.3}) {}",
            s.start_secs, s.end_secs, s.no_speech_prob, s.text
        );
        for w in &s.words {
            println!(
                "    {:.2} → {:.2} {:.2} {}",
                w.start_secs, w.end_secs, w.probability, w.text
            );
        }
    }
    let audio_secs = samples.len() as f64 / f64::from(speech::SAMPLE_RATE);
    eprintln!(
        "{audio_secs:.1} s of sound in {secs:.2} s ({:.1}x real time), language {}",
        audio_secs / secs,
        transcript.language
    );
    Ok(())
}
