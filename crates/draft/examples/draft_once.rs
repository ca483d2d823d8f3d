//! One draft of a plain-text transcript, timed, for `cargo xtask bench draft` (which measures
//! its peak memory from outside): the draft on standard error, then one line of `key=value`
//! figures on standard output — times, tokens per second, the facts of FACTS.txt (one a line)
//! found in the draft (case-insensitive), and the numbers and names in it the transcript does
//! not have (`testkit::draft::invented`).
//!
//! ```text
//! cargo run -p draft --example draft_once -- (--model FILE.gguf | --extractive) TRANSCRIPT.txt FACTS.txt
//! ```

use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::Instant;

use draft::{Drafter, Extractive, LocalModel, headings};

const TEMPLATE: &str = include_str!("../../../assets/summary-template.md");

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model, file, facts) = match args.as_slice() {
        [flag, path, file, facts] if flag == "--model" => (Some(path.clone()), file, facts),
        [flag, file, facts] if flag == "--extractive" => (None, file, facts),
        _ => {
            eprintln!(
                "usage: draft_once (--model FILE.gguf | --extractive) TRANSCRIPT.txt FACTS.txt"
            );
            return ExitCode::from(2);
        }
    };
    let read = |path: &str| {
        std::fs::read_to_string(path).inspect_err(|e| eprintln!("cannot read {path}: {e}"))
    };
    let (Ok(text), Ok(facts)) = (read(file), read(facts)) else {
        return ExitCode::from(4);
    };
    let said = text.clone();
    let transcript = speech::Transcript {
        language: "en".into(),
        segments: vec![speech::Segment {
            start_secs: 0.0,
            end_secs: 1.0,
            text,
            words: Vec::new(),
            no_speech_prob: 0.0,
        }],
    };
    let headings = headings(TEMPLATE);
    let started = Instant::now();
    let (draft, figures) = match model {
        None => {
            let d = Extractive.draft(&transcript, &headings);
            let secs = started.elapsed().as_secs_f64();
            (
                d,
                format!("first_word_secs={secs:.3} whole_secs={secs:.3} dropped=0"),
            )
        }
        Some(path) => {
            let model = match LocalModel::load(std::path::Path::new(&path)) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(11);
                }
            };
            let loaded = started.elapsed().as_secs_f64();
            let mut first_word = None;
            let drafted = model.draft_streaming(&transcript, &headings, |markdown| {
                if first_word.is_none()
                    && markdown.lines().any(|l| l.len() > 2 && l.starts_with("- "))
                {
                    first_word = Some(started.elapsed().as_secs_f64());
                }
                ControlFlow::Continue(())
            });
            let whole = started.elapsed().as_secs_f64();
            match drafted {
                Ok(d) => {
                    let s = d.stats;
                    let figures = format!(
                        "load_secs={loaded:.3} first_word_secs={:.3} whole_secs={whole:.3} \
                         prompt_tokens={} prompt_tokens_per_sec={:.2} generated_tokens={} \
                         tokens_per_sec={:.2} cut_short={} dropped={}",
                        first_word.unwrap_or(whole),
                        s.prompt_tokens,
                        s.prompt_tokens_per_sec(),
                        s.generated_tokens,
                        s.tokens_per_sec(),
                        s.cut_short,
                        d.dropped.len()
                    );
                    for (line, facts) in &d.dropped {
                        eprintln!("dropped {line:?}: {facts:?} not said");
                    }
                    (d.draft, figures)
                }
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let written = format!("{}\n{}", draft.title, draft.to_markdown());
    eprintln!("{written}");
    let lower = written.to_lowercase();
    let facts: Vec<&str> = facts.lines().filter(|l| !l.trim().is_empty()).collect();
    let found = facts
        .iter()
        .filter(|f| lower.contains(&f.trim().to_lowercase()))
        .count();
    let invented = testkit::draft::invented(&written, &said);
    println!(
        "method={} {figures} found={found} facts={} invented={}",
        draft.method.label().replace(' ', "-"),
        facts.len(),
        invented.join(",")
    );
    ExitCode::SUCCESS
}
