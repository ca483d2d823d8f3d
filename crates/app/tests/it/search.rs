//! `clipnote inbox --search` as a user runs it: a clip of real speech (jfk.wav) posted to the
//! library with `clipnote post`, transcribed with `clipnote transcribe` and the real model,
//! then found by words spoken in it — in any case, with accents, with the line and its time.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use testkit::speech::speech;

use crate::real_app::files_ending;
use crate::transcribe::{make_clip, text};

/// Runs `clipnote` with folders of its own under `home` and the model xtask prepared.
pub(crate) fn clipnote(home: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clipnote"));
    for (var, dir) in [
        ("CLIPNOTE_CONFIG_DIR", "config"),
        ("CLIPNOTE_LIBRARY_DIR", "library"),
        ("CLIPNOTE_OUTBOX_DIR", "outbox"),
        ("CLIPNOTE_INBOX_DIR", "inbox"),
        ("CLIPNOTE_CACHE_DIR", "cache"),
    ] {
        cmd.env(var, home.join(dir));
    }
    cmd.args(args)
        .env("CLIPNOTE_NO_KEYRING", "1")
        .env("CLIPNOTE_MODELS_DIR", &speech().models_dir)
        .env_remove("CLIPNOTE_MODELS_URL")
        .stdin(Stdio::null())
        .output()
        .expect("clipnote runs")
}

pub(crate) fn ok(home: &Path, args: &[&str]) -> String {
    let o = clipnote(home, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn inbox_search_finds_a_clip_by_a_phrase_spoken_in_it() {
    // Transcribing keeps a core busy: not while another test records.
    let _busy = testkit::world::screen_lock();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(home.join("config/config.toml"), "author = \"Ada\"\n").unwrap();
    let jfk = speech().jfk;
    let speech_clip = make_clip(home, "inaugural.mp4", jfk.to_str(), 11);
    let silent_clip = make_clip(home, "demo.mp4", Some("anullsrc=r=48000:cl=mono"), 2);

    let post = |clip: &Path, title: &str| {
        let clip = clip.to_str().unwrap();
        let summary = "**Context**\n- a clip for the search test";
        ok(
            home,
            &[
                "post",
                clip,
                "--to",
                "library",
                "--title",
                title,
                "--summary",
                summary,
            ],
        );
    };
    post(&speech_clip, "Inaugural address");
    let library = home.join("library");
    let posted = files_ending(&library, ".mp4");
    assert_eq!(posted.len(), 1, "{posted:?}");
    ok(home, &["transcribe", posted[0].to_str().unwrap()]);
    let transcript = speech::beside::read_beside(&posted[0]).unwrap().unwrap();
    post(&silent_clip, "Silent demo");

    // Found by a phrase said in it, with the line and the time it is said.
    let out = ok(home, &["inbox", "--search", "ask not what your country"]);
    eprintln!("{out}");
    assert!(out.contains("Inaugural address"), "{out}");
    assert!(!out.contains("Silent demo"), "{out}");
    let hit = out
        .lines()
        .find(|l| l.to_lowercase().contains("ask not what your country"))
        .unwrap_or_else(|| panic!("no line said: {out}"));
    let stamp = hit.split_whitespace().next().unwrap();
    let (m, s) = stamp.split_once(':').expect("a m:ss time");
    let at = m.parse::<u64>().unwrap() * 60 + s.parse::<u64>().unwrap();
    let segment = transcript
        .segments
        .iter()
        .find(|s| s.text.to_lowercase().contains("ask not"))
        .expect("the transcript has the phrase");
    assert_eq!(at, segment.start_secs as u64, "{hit}");

    // As JSON: each hit says where it is and when, in seconds; any case, accents ignored.
    let json: Value =
        serde_json::from_str(&ok(home, &["inbox", "--search", "AMÉRICANS", "--json"])).unwrap();
    let found = json.as_array().unwrap();
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["title"], "Inaugural address");
    let said: Vec<&Value> = found[0]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["in"] == "said")
        .collect();
    assert!(!said.is_empty(), "{json}");
    let starts: Vec<f64> = transcript.segments.iter().map(|s| s.start_secs).collect();
    for h in said {
        let at = h["at_secs"].as_f64().unwrap();
        assert!(starts.contains(&at), "{h} at none of {starts:?}");
        assert!(
            h["line"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("americans")
        );
    }

    // The title and the summary are searched too; words found nowhere say so.
    let out = ok(home, &["inbox", "--search", "silent"]);
    assert!(
        out.contains("Silent demo") && !out.contains("Inaugural"),
        "{out}"
    );
    let out = ok(home, &["inbox", "--search", "moon landing"]);
    assert!(
        out.contains("No clip's title, summary or transcript holds"),
        "{out}"
    );
    // Posted on to a shared folder, the clip goes without a transcript file but with its
    // timed lines in the sidecar: a teammate following the folder finds it by what is said.
    let team = home.join("team");
    let to = format!("folder:{}", team.display());
    ok(
        home,
        &[
            "post",
            posted[0].to_str().unwrap(),
            "--to",
            &to,
            "--title",
            "Shared inaugural",
        ],
    );
    assert!(files_ending(&team, ".transcript.json").is_empty());
    let teammate = home.join("teammate");
    std::fs::create_dir_all(teammate.join("config")).unwrap();
    ok(&teammate, &["follow", &to]);
    let out = ok(
        &teammate,
        &["inbox", "--search", "ask not what your country"],
    );
    assert!(out.contains("Shared inaugural"), "{out}");
    assert!(
        !out.contains("Inaugural address"),
        "the teammate's own inbox: {out}"
    );

    let o = clipnote(home, &["inbox", "--search", " ,. "]);
    assert_eq!(o.status.code(), Some(i32::from(app::exit::USAGE)));
    assert!(
        text(&o.stderr).contains("no word to look for"),
        "{}",
        text(&o.stderr)
    );
}
