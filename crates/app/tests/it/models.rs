//! `clipnote models` end to end: install from a file and over HTTP (a server on loopback in
//! the test), the checks that refuse a damaged file, list and remove.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use testkit::speech::speech;

use crate::transcribe::{clipnote, text};

const TINY_EN_BYTES: u64 = 77_704_715;

/// Serves files over HTTP/1.1 on 127.0.0.1 from a named thread: `GET /<name>` answers with the
/// file `routes` maps the name to, anything else with 404. It stops by itself after
/// `max_requests` requests or a minute.
fn serve(routes: Vec<(&'static str, PathBuf)>, max_requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::Builder::new()
        .name("model-server".into())
        .spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while served < max_requests && Instant::now() < deadline {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                served += 1;
                stream.set_nonblocking(false).unwrap();
                let mut reader = BufReader::new(stream);
                let mut request = String::new();
                reader.read_line(&mut request).unwrap();
                let mut header = String::new();
                while reader.read_line(&mut header).unwrap_or(0) > 2 {
                    header.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let mut stream = reader.into_inner();
                match routes.iter().find(|(name, _)| path == format!("/{name}")) {
                    Some((_, file)) => {
                        let len = std::fs::metadata(file).unwrap().len();
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                        );
                        let _ = stream.write_all(head.as_bytes());
                        let _ = std::io::copy(&mut std::fs::File::open(file).unwrap(), &mut stream);
                    }
                    None => {
                        let _ = stream.write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    }
                }
            }
        })
        .unwrap();
    address
}

fn models(models_dir: &Path, args: &[&str]) -> std::process::Output {
    let config = tempfile::tempdir().unwrap();
    let mut all = vec!["models"];
    all.extend_from_slice(args);
    clipnote(models_dir, config.path(), &all)
}

fn damaged_copy(dir: &Path) -> PathBuf {
    let path = dir.join("ggml-tiny.en.bin");
    let mut bytes = std::fs::read(speech().models_dir.join("ggml-tiny.en.bin")).unwrap();
    bytes[60_000_000] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    path
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn models_install_downloads_checks_lists_and_removes() {
    let served = tempfile::tempdir().unwrap();
    let bad = served.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    let url = serve(
        vec![
            (
                "ggml-tiny.en.bin",
                speech().models_dir.join("ggml-tiny.en.bin"),
            ),
            ("bad/ggml-tiny.en.bin", damaged_copy(&bad)),
        ],
        4,
    );
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("models");

    let o = models(&dir, &["list"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let listed = text(&o.stdout);
    assert!(
        listed.contains("tiny.en") && listed.contains("not installed, 74.1 MiB"),
        "{listed}"
    );
    assert!(
        listed.contains("clipnote models install tiny.en"),
        "{listed}"
    );

    // A damaged download is refused with the cause, and nothing is left behind.
    let o = models(
        &dir,
        &[
            "install",
            "tiny.en",
            "--from",
            &format!("{url}/bad/ggml-tiny.en.bin"),
        ],
    );
    assert_eq!(o.status.code(), Some(11), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("is not the published tiny.en model: its SHA-256 is"),
        "{err}"
    );
    assert!(err.contains("Nothing was installed"), "{err}");
    assert_eq!(files_in(&dir), Vec::<String>::new());

    // A missing file on the server.
    let o = models(
        &dir,
        &["install", "tiny.en", "--from", &format!("{url}/gone.bin")],
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("answered HTTP 404"),
        "{}",
        text(&o.stderr)
    );

    // The configured address (CLIPNOTE_MODELS_URL with {file}) serves the real model.
    let config = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_clipnote"))
        .args(["models", "install", "tiny.en", "--json"])
        .env("CLIPNOTE_MODELS_DIR", &dir)
        .env("CLIPNOTE_CONFIG_DIR", config.path())
        .env("CLIPNOTE_MODELS_URL", format!("{url}/{{file}}"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["bytes"], TINY_EN_BYTES);
    assert_eq!(
        files_in(&dir),
        [".ggml-tiny.en.bin.checked", "ggml-tiny.en.bin"],
        "the model and its check stamp, no partial download"
    );

    let o = models(&dir, &["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tiny = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "tiny.en")
        .unwrap();
    assert_eq!(
        (tiny["installed"].as_bool(), tiny["bytes"].as_u64()),
        (Some(true), Some(TINY_EN_BYTES))
    );

    let o = models(&dir, &["remove", "tiny.en"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("Removed tiny.en"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(files_in(&dir), Vec::<String>::new());
    let o = models(&dir, &["list"]);
    assert!(
        text(&o.stdout).contains("not installed"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn models_install_from_a_file_refuses_a_damaged_one() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("models");
    let o = models(
        &dir,
        &[
            "install",
            "tiny.en",
            "--from",
            damaged_copy(home.path()).to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(11), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is not the published tiny.en model"),
        "{}",
        text(&o.stderr)
    );
    assert!(!dir.join("ggml-tiny.en.bin").exists());

    let real = speech().models_dir.join("ggml-tiny.en.bin");
    let o = models(
        &dir,
        &["install", "tiny.en", "--from", real.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout).trim(),
        dir.join("ggml-tiny.en.bin").to_str().unwrap()
    );

    let o = models(&dir, &["install", "huge"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("known models: tiny.en, base"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn the_drafting_model_is_listed_installed_from_a_file_with_its_licence_and_refused_when_damaged() {
    // Copying and hashing 1 GiB: not beside a recording.
    let _busy = testkit::world::screen_lock();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("models");
    let o = models(&dir, &["list"]);
    let listed = text(&o.stdout);
    assert!(
        listed.contains("draft") && listed.contains("not installed, 1.0 GiB"),
        "{listed}"
    );
    assert!(
        listed.contains("nothing you record or write leaves it")
            && listed.contains("drafts the written update"),
        "{listed}"
    );

    let damaged = home.path().join("damaged.gguf");
    std::fs::write(&damaged, b"GGUF, cut short").unwrap();
    let o = models(
        &dir,
        &["install", "draft", "--from", damaged.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(11), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("clipnote models install draft"),
        "{}",
        text(&o.stderr)
    );

    let real = testkit::draft::draft_model().path;
    let o = models(
        &dir,
        &["install", "draft", "--from", real.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let file = speech::catalog::DRAFT.file_name;
    assert_eq!(text(&o.stdout).trim(), dir.join(file).to_str().unwrap());
    let licence = std::fs::read_to_string(dir.join(format!("{file}.LICENSE.txt"))).unwrap();
    assert!(licence.contains("Apache License") && licence.contains("Version 2.0"));
    let o = models(&dir, &["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "draft")
        .unwrap();
    assert_eq!(row["installed"], true);
    assert_eq!(row["licence"], "Apache-2.0");
    assert_eq!(row["purpose"], "draft");

    let o = models(&dir, &["remove", "draft"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!dir.join(format!("{file}.LICENSE.txt")).exists());
}
