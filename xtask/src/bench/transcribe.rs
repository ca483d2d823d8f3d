//! `cargo xtask bench transcribe`: Clipnote's on-device transcription beside faster-whisper
//! (PyPI, the fastest common CPU Whisper), in the same run, and the live transcript of a
//! recording.
//!
//! 1. Real speech whose words are known: `jfk.wav` (11 s), `beckett.wav` (10 s) and a long file
//!    (`--long-seconds`, ~180 s: the two again and again with pauses between). Each is
//!    transcribed by `clipnote transcribe FILE --model tiny.en --format json --threads 1` and by
//!    faster-whisper (`scripts/fw_transcribe.py`, in a venv under `<target>/bench/`) with the
//!    same tiny.en weights — the CTranslate2 folder our ggml file is converted from — int8,
//!    one CPU thread, decoding as Clipnote does (greedy, one candidate, no earlier text as
//!    context, word times). Each runs as our child, reaped with `wait4`: CPU seconds (all
//!    threads, model loading included, as a person runs it), peak RSS, wall time; the word
//!    error rate against the known text; and the ratios.
//! 2. A recording: `clipnote record --seconds N --json` of 1080p30 full motion in the X11 test
//!    world with the long file looped into the microphone, once transcribing live and once with
//!    `--no-transcript`: dropped frames and "transcript ready N s after stop".
//!
//! A benchmark, not a test: it prints figures and the targets beside them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{last_float_after, last_number_after};
use crate::proc::{self, Usage};
use crate::{Result, fail, world};

/// What is said in the speech files, and the word error rate (shared with testkit).
#[path = "../../../crates/testkit/src/said.rs"]
mod said;

/// faster-whisper's release, installed with its dependencies from PyPI into a venv.
const FASTER_WHISPER: &str = "faster-whisper==1.2.1";
/// Clipnote's default (`transcribe --threads`), and so faster-whisper's `cpu_threads`.
const THREADS: &str = "1";
/// The pauses after jfk.wav and after beckett.wav in the long file, seconds.
const PAUSES: (f64, f64) = (1.5, 2.5);

pub const HELP: &str = "
usage: cargo xtask bench transcribe [--quick] [--seconds N] [--long-seconds N] [--clipnote PATH]
         clipnote transcribe beside faster-whisper (PyPI, same tiny.en weights, int8, 1 thread)
         on real speech: CPU s, peak RSS, WER and the ratios; then a recording of 1080p30 full
         motion with speech into the mic: transcript ready after stop, dropped frames
  --seconds N               length of each recording (default 180; 0 skips them)
  --long-seconds N          length of the long speech file (default 180)
  --quick                   --seconds 30 --long-seconds 60
";

#[derive(Debug)]
struct Options {
    record_secs: u32,
    long_secs: u32,
    clipnote: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            record_secs: 180,
            long_secs: 180,
            clipnote: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || super::option_value(&mut args, arg);
            let number = |v: &String| super::whole_seconds(arg, v);
            match arg.as_str() {
                "--quick" => (options.record_secs, options.long_secs) = (30, 60),
                "--seconds" => options.record_secs = number(value()?)?,
                "--long-seconds" => options.long_secs = number(value()?)?.max(1),
                "--clipnote" => options.clipnote = Some(PathBuf::from(value()?)),
                other => {
                    return Err(fail(format!(
                        "unknown option `{other}`; see `cargo xtask bench --help`"
                    )));
                }
            }
        }
        Ok(options)
    }
}

/// Real speech and what is said in it.
struct SpeechFile {
    name: String,
    path: PathBuf,
    text: String,
    secs: f64,
}

/// One transcription, measured.
struct Transcribed {
    usage: Usage,
    wer: f64,
}

pub fn run(args: &[String]) -> Result<i32> {
    let options = Options::parse(args)?;
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::WORLD])?;
    let target = crate::target_dir();
    let speech = crate::speech::ensure(&target)?;
    let beckett = crate::speech::ensure_beckett(&target)?;
    let ct2 = crate::speech::ensure_ct2_tiny_en(&target)?;
    let python = faster_whisper(&target)?;
    let clipnote = match &options.clipnote {
        Some(path) => path.clone(),
        None => super::release_clipnote()?,
    };
    let out_dir = target
        .join("bench")
        .join(format!("transcribe-{}", std::process::id()));
    let config_dir = out_dir.join("config");
    fs::create_dir_all(&config_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", config_dir.display())))?;
    let files = speech_files(&out_dir, &speech.jfk, &beckett, options.long_secs)?;

    let mut rows = Vec::new();
    for file in &files {
        eprintln!("xtask: transcribing {} ({:.0} s)", file.name, file.secs);
        let mut ours = Command::new(&clipnote);
        ours.arg("transcribe")
            .arg(&file.path)
            .args([
                "--model",
                "tiny.en",
                "--format",
                "json",
                "--threads",
                THREADS,
            ])
            .env("CLIPNOTE_MODELS_DIR", &speech.models_dir)
            .env("CLIPNOTE_CONFIG_DIR", &config_dir);
        let ours = transcribed(
            &mut ours,
            file,
            &out_dir.join(format!("{}.clipnote", file.name)),
        )
        .map(|(usage, json)| (usage, json_string_after(&json, "\n  \"text\": \"")));
        let mut theirs = Command::new(&python);
        theirs
            .arg(crate::root().join("xtask/scripts/fw_transcribe.py"))
            .arg(&ct2)
            .arg(THREADS)
            .arg(&file.path)
            .env("OMP_NUM_THREADS", THREADS);
        let theirs = transcribed(
            &mut theirs,
            file,
            &out_dir.join(format!("{}.fw", file.name)),
        )
        .map(|(usage, text)| (usage, Some(text)));
        let score = |r: Result<(Usage, Option<String>)>| {
            r.and_then(|(usage, text)| {
                let text = text.ok_or_else(|| fail("no text in clipnote's JSON"))?;
                Ok(Transcribed {
                    usage,
                    wer: said::wer(&file.text, &text),
                })
            })
        };
        rows.push((file, score(ours), score(theirs)));
    }
    let mut ok = print_transcribed(&rows);
    if options.record_secs > 0 {
        let long = files.last().map(|f| f.path.clone()).unwrap_or_default();
        ok &= record(
            &clipnote,
            &speech.models_dir,
            &config_dir,
            &long,
            options.record_secs,
            &out_dir,
        )?;
    }
    println!("\nfiles and logs are in {}", out_dir.display());
    Ok(if ok { 0 } else { 1 })
}

/// The venv's python with faster-whisper, made under `<target>/bench/` unless it is there.
fn faster_whisper(target: &Path) -> Result<PathBuf> {
    let venv = target.join("bench").join("faster-whisper-venv");
    let python = venv.join("bin").join("python");
    let has = |python: &Path| {
        Command::new(python)
            .args(["-c", "import faster_whisper"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has(&python) {
        return Ok(python);
    }
    eprintln!(
        "xtask: installing {FASTER_WHISPER} (PyPI) into {}",
        venv.display()
    );
    crate::run_checked(
        Command::new("/usr/bin/python3")
            .args(["-m", "venv"])
            .arg(&venv),
    )?;
    crate::run_checked(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--only-binary=:all:"])
            .arg(FASTER_WHISPER),
    )?;
    if !has(&python) {
        return Err(fail(format!(
            "faster-whisper does not import in {}; remove that folder and run again",
            venv.display()
        )));
    }
    Ok(python)
}

/// jfk.wav and beckett.wav (copied here, so the captions `clipnote transcribe` writes beside
/// them land here too), and `long.wav`: the two with pauses, repeated to about `long_secs`.
fn speech_files(
    out_dir: &Path,
    jfk: &Path,
    beckett: &Path,
    long_secs: u32,
) -> Result<Vec<SpeechFile>> {
    let mut files = Vec::new();
    for (source, text) in [(jfk, said::JFK_TEXT), (beckett, said::BECKETT_TEXT)] {
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = out_dir.join(&name);
        fs::copy(source, &path)
            .map_err(|e| fail(format!("cannot copy {}: {e}", source.display())))?;
        files.push(SpeechFile {
            secs: audio_secs(&path)?,
            name,
            path,
            text: text.to_owned(),
        });
    }
    let cycle = out_dir.join("cycle.wav");
    let graph = format!(
        "[0:a]apad=pad_dur={}[a];[1:a]apad=pad_dur={}[b];[a][b]concat=n=2:v=0:a=1[c]",
        PAUSES.0, PAUSES.1
    );
    crate::run_checked(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-i"])
            .arg(jfk)
            .arg("-i")
            .arg(beckett)
            .args([
                "-filter_complex",
                &graph,
                "-map",
                "[c]",
                "-ac",
                "1",
                "-ar",
                "16000",
            ])
            .arg(&cycle),
    )?;
    let times = (f64::from(long_secs) / audio_secs(&cycle)?)
        .round()
        .max(1.0) as usize;
    let path = out_dir.join("long.wav");
    crate::run_checked(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-stream_loop"])
            .arg((times - 1).to_string())
            .arg("-i")
            .arg(&cycle)
            .args(["-c", "copy"])
            .arg(&path),
    )?;
    let once = format!("{} {}", said::JFK_TEXT, said::BECKETT_TEXT);
    files.push(SpeechFile {
        name: "long.wav".into(),
        secs: audio_secs(&path)?,
        path,
        text: vec![once; times].join(" "),
    });
    Ok(files)
}

/// A sound file's length, by ffprobe.
fn audio_secs(path: &Path) -> Result<f64> {
    let out = crate::output_checked(
        Command::new("ffprobe")
            .args(["-v", "error", "-show_entries", "format=duration"])
            .args(["-of", "default=noprint_wrappers=1"])
            .arg(path),
    )?;
    last_float_after(&String::from_utf8_lossy(&out), "duration=")
        .ok_or_else(|| fail(format!("ffprobe gave no length for {}", path.display())))
}

/// Runs `cmd` as our child with its output in `<log>.stdout` and `<log>.stderr` (`log` is a
/// path without them), and returns
/// what it cost and printed; a failure names the command and the end of what it said.
fn transcribed(cmd: &mut Command, file: &SpeechFile, log: &Path) -> Result<(Usage, String)> {
    measured(cmd, log).map_err(|e| fail(format!("{}: {e}", file.name)))
}

pub(super) fn measured(cmd: &mut Command, log: &Path) -> Result<(Usage, String)> {
    let named = |ext: &str| {
        let mut name = log.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    let (out, err) = (named(".stdout"), named(".stderr"));
    let file = |p: &Path| {
        fs::File::create(p).map_err(|e| fail(format!("cannot create {}: {e}", p.display())))
    };
    cmd.stdin(Stdio::null())
        .stdout(file(&out)?)
        .stderr(file(&err)?);
    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| fail(format!("cannot start {:?}: {e}", cmd.get_program())))?;
    let usage = proc::wait_measured(child, started)?;
    let stdout = fs::read_to_string(&out).unwrap_or_default();
    if !usage.status.success() {
        let stderr = fs::read_to_string(&err).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(fail(format!(
            "{:?} failed ({}):\n      {}",
            cmd.get_program(),
            usage.status,
            tail.join("\n      ")
        )));
    }
    Ok((usage, stdout))
}

/// The JSON string that follows `key` (which ends with its opening quote), unescaped.
fn json_string_after(json: &str, key: &str) -> Option<String> {
    let at = json.find(key)? + key.len();
    let mut out = String::new();
    let mut chars = json[at..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Prints the files' table and the targets; returns whether every target was met.
fn print_transcribed(rows: &[(&SpeechFile, Result<Transcribed>, Result<Transcribed>)]) -> bool {
    println!(
        "\ntranscribing real speech: tiny.en, {THREADS} thread, each tool a process of its own \
         (CPU and peak RSS from wait4; model loading included)"
    );
    println!(
        "{:<11} {:>7}  {:<15} {:>7} {:>7} {:>10} {:>9} {:>7}",
        "file", "length", "tool", "CPU s", "wall s", "CPU/len", "peak RSS", "WER"
    );
    let mut ok = true;
    for (file, ours, theirs) in rows {
        for (i, (tool, run)) in [("clipnote", ours), ("faster-whisper", theirs)]
            .into_iter()
            .enumerate()
        {
            let (name, length) = if i == 0 {
                (file.name.clone(), format!("{:.1} s", file.secs))
            } else {
                (String::new(), String::new())
            };
            match run {
                Ok(t) => println!(
                    "{name:<11} {length:>7}  {tool:<15} {:>7.2} {:>7.2} {:>10.3} {:>9} {:>6.1}%",
                    t.usage.cpu_secs,
                    t.usage.wall_secs,
                    t.usage.cpu_secs / file.secs,
                    mib(t.usage.max_rss_bytes),
                    t.wer * 100.0
                ),
                Err(e) => println!("{name:<11} {length:>7}  {tool:<15} failed: {e}"),
            }
        }
        let (Ok(a), Ok(b)) = (ours, theirs) else {
            ok = false;
            continue;
        };
        let cpu = a.usage.cpu_secs / b.usage.cpu_secs.max(1e-9);
        let rss = a.usage.max_rss_bytes as f64 / b.usage.max_rss_bytes.max(1) as f64;
        let cpu_ok = cpu <= 1.0;
        let wer_ok = a.wer <= b.wer;
        ok &= cpu_ok && wer_ok;
        println!(
            "{:<21}{:<15} {:>6.2}× {:>7.2}× {:>10} {:>8.2}×   CPU ≤ 1.0× {}, WER no worse {}",
            "",
            "clipnote / fw",
            cpu,
            a.usage.wall_secs / b.usage.wall_secs.max(1e-9),
            "",
            rss,
            mark(cpu_ok),
            mark(wer_ok)
        );
    }
    ok
}

fn mark(ok: bool) -> &'static str {
    if ok { "✔" } else { "✘" }
}

/// One recording, measured.
struct Recorded {
    label: &'static str,
    usage: Usage,
    dropped: Option<u64>,
    ready_after_stop: Option<f64>,
    words: Option<u64>,
    untranscribed_secs: Option<f64>,
}

/// Records `secs` of full motion in the X11 world with `speech` looped into the microphone,
/// transcribing live and then with `--no-transcript`; prints the table and the targets.
fn record(
    clipnote: &Path,
    models_dir: &Path,
    config_dir: &Path,
    speech: &Path,
    secs: u32,
    out_dir: &Path,
) -> Result<bool> {
    let world = world::World::start(&crate::target_dir())?;
    let speech = speech.display().to_string();
    #[rustfmt::skip]
    let voice = world.spawn("speech-into-mic", "ffmpeg", &[
        "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", &speech, "-ac", "2",
        "-ar", "48000", "-f", "pulse", "-buffer_duration", "20", "-device", world::SINK,
        "clipnote-bench-speech",
    ])?;
    std::thread::sleep(std::time::Duration::from_secs(1));
    let mut runs = Vec::new();
    for (label, extra) in [
        ("transcribing live", None),
        ("--no-transcript", Some("--no-transcript")),
    ] {
        let out = out_dir.join(format!(
            "record-{}.mp4",
            if extra.is_some() { "plain" } else { "live" }
        ));
        let mut cmd = world.command(&clipnote.display().to_string());
        cmd.args([
            "record",
            "--seconds",
            &secs.to_string(),
            "--mic",
            world::MIC,
            "--json",
        ])
        .arg("--out")
        .arg(&out)
        .args(extra)
        .env("CLIPNOTE_MODELS_DIR", models_dir)
        .env("CLIPNOTE_CONFIG_DIR", config_dir);
        eprintln!("xtask: recording {secs} s ({label}) -> {}", out.display());
        let (usage, json) = measured(&mut cmd, &out.with_extension(""))?;
        runs.push(Recorded {
            label,
            usage,
            dropped: last_number_after(&json, "\"dropped_frames\":"),
            ready_after_stop: last_float_after(&json, "\"ready_after_stop_secs\":"),
            words: extra
                .is_none()
                .then(|| last_number_after(&json, "\"words\":"))
                .flatten(),
            untranscribed_secs: extra
                .is_none()
                .then(|| last_float_after(&json, "\"tap_dropped_secs\":"))
                .flatten(),
        });
    }
    drop(voice);
    drop(world);
    println!(
        "\nrecording {secs} s of 1920x1080 @ 30 full motion (X11 test world), real speech looped \
         into the microphone"
    );
    println!(
        "{:<18} {:>14} {:>22} {:>7} {:>13} {:>7} {:>9}",
        "run",
        "dropped frames",
        "transcript after stop",
        "words",
        "untranscribed",
        "CPU s",
        "peak RSS"
    );
    let show = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    for r in &runs {
        println!(
            "{:<18} {:>14} {:>22} {:>7} {:>13} {:>7.1} {:>9}",
            r.label,
            show(r.dropped.map(|d| d.to_string())),
            show(r.ready_after_stop.map(|s| format!("{s:.2} s"))),
            show(r.words.map(|w| w.to_string())),
            show(r.untranscribed_secs.map(|s| format!("{s:.1} s"))),
            r.usage.cpu_secs,
            mib(r.usage.max_rss_bytes)
        );
    }
    let live = &runs[0];
    let ready_ok = live.ready_after_stop.is_some_and(|s| s <= 3.0);
    let dropped_ok = live.dropped == Some(0);
    println!(
        "targets: transcript ready ≤ 3 s after stop {}; 0 dropped frames while recording and \
         transcribing {}",
        mark(ready_ok),
        mark(dropped_ok)
    );
    Ok(ready_ok && dropped_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_top_level_text_of_clipnotes_json() {
        let json = "{\n  \"segments\": [\n    {\n      \"text\": \"inner\"\n    }\n  ],\n  \
                    \"text\": \"Ask \\\"not\\\" \\u00e9t\\\\é\"\n}\n";
        assert_eq!(
            json_string_after(json, "\n  \"text\": \"").as_deref(),
            Some("Ask \"not\" ét\\é")
        );
        assert_eq!(json_string_after("{\"text\": \"cut", "\"text\": \""), None);
    }

    #[test]
    fn options_have_defaults_and_a_quick_form() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let o = Options::parse(&args(&[])).unwrap();
        assert_eq!((o.record_secs, o.long_secs), (180, 180));
        let o = Options::parse(&args(&["--quick"])).unwrap();
        assert_eq!((o.record_secs, o.long_secs), (30, 60));
        let o = Options::parse(&args(&["--seconds", "0", "--long-seconds", "90"])).unwrap();
        assert_eq!((o.record_secs, o.long_secs), (0, 90));
        assert!(Options::parse(&args(&["--seconds"])).is_err());
        assert!(Options::parse(&args(&["--fast"])).is_err());
    }

    #[test]
    fn the_word_error_rate_is_the_tests_own() {
        assert_eq!(said::wer(said::JFK_TEXT, said::JFK_TEXT), 0.0);
        assert_eq!(
            said::wer("ever tried ever failed", "Ever tried, never failed."),
            0.25
        );
    }
}
