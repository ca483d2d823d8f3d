//! `cargo xtask bench draft`: the written update drafted from a 1-, 3- and 10-minute spoken
//! update (paragraphs of `xtask/bench-data/draft-update.txt`, each listing the facts a good
//! draft keeps), by the local language model and by the extractive method: time to the first
//! drafted line, time to the whole draft, tokens per second (prompt and generation), peak RSS
//! (`wait4`; model loading included), facts found, and facts invented (numbers and names in
//! the draft that the transcript does not have — with the model, also how many lines its own
//! check dropped). Each draft runs `draft`'s `draft_once` example (debug build: llama.cpp is
//! built optimised either way) as our child, one at a time; it prints its figures as
//! `key=value` words (xtask parses no JSON).
//!
//! A benchmark, not a test: it prints figures, and the targets beside them (first
//! words ≤ 5 s after the transcript is ready, the whole draft ≤ 30 s for 3 minutes, 2 cores).

use std::fs;
use std::process::Command;

use crate::{Result, fail};

/// One paragraph of the spoken update and the facts it holds.
struct Paragraph {
    text: String,
    facts: Vec<String>,
}

/// Reads the paragraphs: blank-line separated, `fact:` lines listing facts, `#` comments.
fn paragraphs(source: &str) -> Vec<Paragraph> {
    source
        .split("\n\n")
        .filter_map(|block| {
            let mut text = Vec::new();
            let mut facts = Vec::new();
            for line in block.lines().filter(|l| !l.starts_with('#')) {
                match line.strip_prefix("fact:") {
                    Some(fact) => facts.push(fact.trim().to_owned()),
                    None if !line.trim().is_empty() => text.push(line.trim()),
                    None => {}
                }
            }
            (!text.is_empty()).then(|| Paragraph {
                text: text.join(" "),
                facts,
            })
        })
        .collect()
}

/// The transcripts: (name, paragraphs used).
const SIZES: &[(&str, usize)] = &[("1 min", 1), ("3 min", 3), ("10 min", 10)];

/// One draft's figures.
struct Row {
    transcript: &'static str,
    words: usize,
    method: &'static str,
    first_word_secs: f64,
    whole_secs: f64,
    prompt_tps: Option<f64>,
    tps: Option<f64>,
    rss_mib: f64,
    found: String,
    facts: String,
    invented: Vec<String>,
    dropped: String,
}

pub fn run(_args: &[String]) -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::SPEECH])?;
    let target = crate::target_dir();
    let model = crate::draft_model::ensure(&target)?;
    eprintln!("xtask: building the draft_once example: cargo build -p draft --example draft_once");
    crate::run_checked(crate::cargo().args(["build", "-p", "draft", "--example", "draft_once"]))?;
    let exe = target.join("debug/examples/draft_once");
    let out_dir = target
        .join("bench")
        .join(format!("draft-{}", std::process::id()));
    fs::create_dir_all(&out_dir)
        .map_err(|e| fail(format!("cannot create {}: {e}", out_dir.display())))?;
    let all = update_paragraphs()?;
    let mut rows = Vec::new();
    for &(name, count) in SIZES {
        let used = &all[..count.min(all.len())];
        let text: Vec<&str> = used.iter().map(|p| p.text.as_str()).collect();
        let text = text.join(" ");
        let facts: Vec<&str> = used
            .iter()
            .flat_map(|p| &p.facts)
            .map(String::as_str)
            .collect();
        let file = out_dir.join(format!("{}.txt", name.replace(' ', "")));
        let facts_file = out_dir.join(format!("{}.facts.txt", name.replace(' ', "")));
        for (path, content) in [(&file, text.clone()), (&facts_file, facts.join("\n"))] {
            fs::write(path, content)
                .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
        }
        for method in ["local model", "extractive"] {
            eprintln!("xtask: drafting the {name} update ({method})");
            let mut cmd = Command::new(&exe);
            match method {
                "extractive" => cmd.arg("--extractive"),
                _ => cmd.arg("--model").arg(model.path()),
            };
            cmd.arg(&file).arg(&facts_file);
            let log = out_dir.join(format!(
                "{}-{}",
                name.replace(' ', ""),
                method.replace(' ', "-")
            ));
            let (usage, figures) = super::transcribe::measured(&mut cmd, &log)?;
            rows.push(row(name, &text, method, &usage, &figures));
        }
    }
    print(&rows);
    println!("\nfiles and logs are in {}", out_dir.display());
    Ok(0)
}

/// The paragraphs of the spoken update (`xtask/bench-data/draft-update.txt`).
fn update_paragraphs() -> Result<Vec<Paragraph>> {
    let source = crate::root().join("xtask/bench-data/draft-update.txt");
    Ok(paragraphs(&fs::read_to_string(&source).map_err(|e| {
        fail(format!("cannot read {}: {e}", source.display()))
    })?))
}

/// The words of the first `count` paragraphs of the spoken update (3: about 3 minutes).
pub(super) fn spoken_update(count: usize) -> Result<String> {
    let all = update_paragraphs()?;
    let text: Vec<&str> = all.iter().take(count).map(|p| p.text.as_str()).collect();
    Ok(text.join(" "))
}

/// The value of `key=` among `figures`' words.
fn value<'a>(figures: &'a str, key: &str) -> Option<&'a str> {
    figures
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

fn row(
    transcript: &'static str,
    said: &str,
    method: &'static str,
    usage: &crate::proc::Usage,
    figures: &str,
) -> Row {
    let num = |k: &str| value(figures, k).and_then(|v| v.parse::<f64>().ok());
    let word = |k: &str| value(figures, k).unwrap_or("?").to_owned();
    Row {
        transcript,
        words: said.split_whitespace().count(),
        method,
        first_word_secs: num("first_word_secs").unwrap_or(0.0),
        whole_secs: num("whole_secs").unwrap_or(0.0),
        prompt_tps: num("prompt_tokens_per_sec"),
        tps: num("tokens_per_sec"),
        rss_mib: usage.max_rss_bytes as f64 / f64::from(1 << 20),
        found: word("found"),
        facts: word("facts"),
        invented: value(figures, "invented")
            .unwrap_or_default()
            .split(',')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
        dropped: word("dropped"),
    }
}

fn print(rows: &[Row]) {
    println!(
        "\ndraft: the written update from a spoken one (2 cores; peak RSS from wait4, model loading included)\n"
    );
    println!(
        "{:<7} {:>5}  {:<11} {:>8} {:>8} {:>9} {:>8} {:>9} {:>7} {:>9} {:>7}",
        "update",
        "words",
        "method",
        "1st line",
        "whole",
        "prompt/s",
        "gen/s",
        "peak RSS",
        "facts",
        "invented",
        "dropped"
    );
    for r in rows {
        let tps = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        println!(
            "{:<7} {:>5}  {:<11} {:>7.1}s {:>7.1}s {:>9} {:>8} {:>6.0} MiB {:>3}/{:<3} {:>9} {:>7}",
            r.transcript,
            r.words,
            r.method,
            r.first_word_secs,
            r.whole_secs,
            tps(r.prompt_tps),
            tps(r.tps),
            r.rss_mib,
            r.found,
            r.facts,
            r.invented.len(),
            r.dropped
        );
        if !r.invented.is_empty() {
            println!("        invented: {:?}", r.invented);
        }
    }
    println!(
        "\ntargets (issue 14): first words <= 5 s after the transcript is ready; the whole draft <= 30 s \
         for a 3-minute update; nothing invented"
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bench_update_has_ten_paragraphs_each_with_facts() {
        let text = std::fs::read_to_string(crate::root().join("xtask/bench-data/draft-update.txt"))
            .unwrap();
        let p = super::paragraphs(&text);
        assert_eq!(p.len(), 10);
        assert!(
            p.iter()
                .all(|p| !p.facts.is_empty() && !p.text.contains("fact:"))
        );
    }
}
