//! Installing, checking, loading and removing models; broken and foreign files.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use speech::{Model, ModelDir, SpeechError, catalog, ggml};
use testkit::speech::speech;

fn tiny_en_file() -> PathBuf {
    speech().models_dir.join("ggml-tiny.en.bin")
}

/// A copy of the real model with one byte changed, `at` bytes in.
fn damaged_copy(dir: &Path, at: u64) -> PathBuf {
    let path = dir.join("damaged.bin");
    std::fs::copy(tiny_en_file(), &path).unwrap();
    flip_byte(&path, at);
    path
}

fn flip_byte(path: &Path, at: u64) {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut byte = [0u8; 1];
    f.seek(SeekFrom::Start(at)).unwrap();
    std::io::Read::read_exact(&mut f, &mut byte).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[byte[0] ^ 0xff]).unwrap();
    // A write moves the modification time; make sure it differs from the stamp's even on a
    // file system with coarse times.
    f.set_modified(SystemTime::now() + Duration::from_secs(2))
        .unwrap();
}

#[test]
fn the_converted_model_is_the_pinned_one_and_reads_as_tiny_english() {
    let tiny = catalog::find("tiny.en").unwrap();
    let hashes = speech::store::hash_file(&tiny_en_file()).unwrap();
    assert_eq!(hashes.sha256, tiny.sha256);
    let info = ggml::inspect(&tiny_en_file()).unwrap();
    assert_eq!((info.size_name(), info.multilingual()), ("tiny", false));
    assert_eq!(
        (info.n_audio_layer, info.n_text_layer, info.n_vocab),
        (4, 4, 51_864)
    );
    assert_eq!(info.tensors, 167, "every tensor whisper.cpp loads, no more");
}

#[test]
fn install_checks_the_file_and_loading_checks_it_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = ModelDir::new(tmp.path().join("models"));
    let tiny = catalog::find("tiny.en").unwrap();

    let err = dir.resolve("tiny.en").unwrap_err();
    assert!(
        err.to_string().contains("is not installed (there is no "),
        "{err}"
    );
    assert!(
        err.to_string().contains("clipnote models install tiny.en"),
        "{err}"
    );

    // A damaged file is refused, and nothing lands in the folder.
    let damaged = damaged_copy(tmp.path(), 40_000_000);
    let err = dir.install_file(tiny, &damaged, false).unwrap_err();
    assert!(matches!(err, SpeechError::Mismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("its SHA-256 is "), "{err}");
    assert!(!dir.is_installed(tiny));

    // A file of the wrong size is refused before it is hashed.
    let short = tmp.path().join("short.bin");
    std::fs::write(&short, b"ggml").unwrap();
    let err = dir.install_file(tiny, &short, false).unwrap_err();
    assert!(
        err.to_string()
            .contains("it has 4 bytes, tiny.en has 77704715"),
        "{err}"
    );

    let installed = dir.install_file(tiny, &tiny_en_file(), false).unwrap();
    assert_eq!(installed, dir.model_path(tiny));
    assert_eq!(dir.resolve("tiny.en").unwrap(), installed);
    Model::load(&installed).unwrap();

    // Damaged where it lies (same size, new modification time): loading refuses it.
    flip_byte(&installed, 50_000_000);
    let err = dir.resolve("tiny.en").unwrap_err();
    assert!(matches!(err, SpeechError::Mismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("install it again"), "{err}");

    let listed = dir.list().unwrap();
    assert_eq!(listed[0].name, "tiny.en");
    assert_eq!(listed[0].installed_bytes, Some(tiny.bytes));
    assert_eq!(
        listed[1].installed_bytes, None,
        "base is known, not installed"
    );

    assert!(dir.remove(tiny).unwrap());
    assert!(!dir.remove(tiny).unwrap(), "removing twice is no error");
    assert!(!dir.is_installed(tiny));
}

#[test]
fn broken_foreign_and_missing_model_files_are_refused_with_the_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let load_err = |path: &Path| Model::load(path).unwrap_err().to_string();

    let missing = tmp.path().join("nothing-here.bin");
    let message = load_err(&missing);
    assert!(
        message.contains("cannot read the speech model"),
        "{message}"
    );

    let text = tmp.path().join("notes.bin");
    std::fs::write(&text, "these are not weights\n".repeat(100)).unwrap();
    let message = load_err(&text);
    assert!(
        message.contains("does not start with whisper.cpp's \"ggml\" mark"),
        "{message}"
    );
    assert!(message.contains("Download it again"), "{message}");

    let empty = tmp.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    assert!(load_err(&empty).contains("ends inside the header"));

    // The first 30 MB of the real model: cut short in the middle of a tensor.
    let cut = tmp.path().join("cut.bin");
    let bytes = std::fs::read(tiny_en_file()).unwrap();
    std::fs::write(&cut, &bytes[..30_000_000]).unwrap();
    let message = load_err(&cut);
    assert!(message.contains("cut short"), "{message}");

    // Header and vocabulary only (whisper.cpp's own test files look like this).
    let header = tmp.path().join("header.bin");
    std::fs::write(&header, &bytes[..586_235]).unwrap();
    let message = load_err(&header);
    assert!(message.contains("holds no weights"), "{message}");

    // An unknown name is not taken for a path.
    let dir = ModelDir::new(tmp.path());
    let message = dir.resolve("huge").unwrap_err().to_string();
    assert!(
        message.contains("no speech model called \"huge\""),
        "{message}"
    );
    assert!(message.contains("tiny.en, base"), "{message}");
}
