//! The log file, for support: every run writes what it logs (the app's state changes, a
//! recording's start and end, posts, warnings) to `clipnote.log` in the state folder
//! (`~/.local/state/clipnote/`; `CLIPNOTE_LOG_DIR` overrides) as well as to stderr. At start a
//! file over [`ROTATE_BYTES`] becomes `clipnote.log.1` (and `.1` → `.2` …, [`KEEP`] kept), so
//! the logs never grow without bound. [`redact`] takes secrets, query strings and the home
//! folder out of text for `clipnote doctor --bundle`.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A log file larger than this is rotated at the next start.
pub const ROTATE_BYTES: u64 = 1024 * 1024;
/// Rotated files kept beside the current one.
pub const KEEP: u32 = 3;
const NAME: &str = "clipnote.log";

/// The log folder: `CLIPNOTE_LOG_DIR`, else the platform's state folder for clipnote.
pub fn dir() -> Option<PathBuf> {
    match std::env::var_os("CLIPNOTE_LOG_DIR") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => directories::ProjectDirs::from("", "", "clipnote").map(|p| {
            p.state_dir()
                .unwrap_or_else(|| p.data_local_dir())
                .to_owned()
        }),
    }
}

/// `clipnote.log`, or `clipnote.log.N` for the N-th older one.
pub fn file(dir: &Path, age: u32) -> PathBuf {
    match age {
        0 => dir.join(NAME),
        n => dir.join(format!("{NAME}.{n}")),
    }
}

/// Opens the log for appending (0600), rotating it first when it is over the size. `None`
/// when it cannot be written: logging then goes to stderr only.
pub fn open() -> Option<File> {
    let dir = dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    rotate(&dir);
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file(&dir, 0))
        .ok()
}

fn rotate(dir: &Path) {
    let current = file(dir, 0);
    if std::fs::metadata(&current).map_or(true, |m| m.len() <= ROTATE_BYTES) {
        return;
    }
    for age in (1..KEEP).rev() {
        let _ = std::fs::rename(file(dir, age), file(dir, age + 1));
    }
    let _ = std::fs::rename(&current, file(dir, 1));
}

/// The last `max` bytes of the logs, oldest first, whole lines only.
pub fn recent(dir: &Path, max: u64) -> String {
    let mut parts = Vec::new();
    let mut left = max;
    for age in 0..=KEEP {
        if left == 0 {
            break;
        }
        let Ok(mut f) = File::open(file(dir, age)) else {
            continue;
        };
        let len = f.metadata().map_or(0, |m| m.len());
        let start = len.saturating_sub(left);
        let mut text = Vec::new();
        if f.seek(SeekFrom::Start(start)).is_err() || f.read_to_end(&mut text).is_err() {
            continue;
        }
        left -= len - start;
        let mut text = String::from_utf8_lossy(&text).into_owned();
        if start > 0 {
            // Cut mid-line: drop the partial first line.
            text = text
                .split_once('\n')
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default();
        }
        parts.push(text);
    }
    parts.reverse();
    parts.concat()
}

/// `text` with what must not leave the machine taken out: the given secrets wherever they
/// appear, anything shaped like a Notion, ClickUp or bearer token, every URL's query string
/// (presigned links carry credentials there) and the home folder (shown as `~`).
pub fn redact(text: &str, secrets: &[&str], home: Option<&Path>) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        out = out.replace(secret, "[token]");
    }
    if let Some(home) = home.and_then(Path::to_str).filter(|h| h.len() > 1) {
        out = out.replace(home.trim_end_matches('/'), "~");
    }
    let mut words: Vec<String> = out
        .split_inclusive(char::is_whitespace)
        .map(redact_word)
        .collect();
    // "Bearer <token>" in a logged header.
    for i in 1..words.len() {
        if words[i - 1].trim_end() == "Bearer" {
            let tail: String = words[i].chars().filter(|c| c.is_whitespace()).collect();
            words[i] = format!("[token]{tail}");
        }
    }
    words.concat()
}

/// One whitespace-separated word (with its trailing space) through the shape rules.
fn redact_word(word: &str) -> String {
    const TOKEN_PREFIXES: [&str; 3] = ["ntn_", "secret_", "pk_"];
    let core = word.trim_start_matches(['"', '\'', '(', '=', '<']);
    if TOKEN_PREFIXES.iter().any(|p| core.starts_with(p)) && core.len() > 12 {
        let lead = &word[..word.len() - core.len()];
        let tail: String = core
            .chars()
            .rev()
            .take_while(|c| c.is_whitespace())
            .collect();
        return format!("{lead}[token]{tail}");
    }
    if let Some(at) = word.find("://")
        && let Some(q) = word[at..].find('?')
    {
        let q = at + q;
        let end = word[q..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')' | '>' | ','))
            .map_or(word.len(), |e| q + e);
        return format!("{}?[redacted]{}", &word[..q], &word[end..]);
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_query_strings_and_home_are_taken_out() {
        let text = "posting with ntn_abcdef1234567890 to https://s3.example/clip.mp4?X-Amz-Signature=abc&X-Amz-Credential=k \"ok\"\n\
                    saved /home/ada/Videos/clip.mp4 (token pk_99_ABCDEFGHIJKLMNOP)\n\
                    mine: hunter2-secret and Bearer xyz\n";
        let out = redact(text, &["hunter2-secret"], Some(Path::new("/home/ada")));
        for gone in [
            "ntn_abcdef",
            "X-Amz-Signature",
            "/home/ada",
            "pk_99",
            "hunter2",
        ] {
            assert!(!out.contains(gone), "{gone} is still in: {out}");
        }
        assert!(
            out.contains("https://s3.example/clip.mp4?[redacted] \"ok\""),
            "{out}"
        );
        assert!(out.contains("saved ~/Videos/clip.mp4"), "{out}");
        assert!(out.contains("mine: [token] and Bearer [token]\n"), "{out}");
        assert_eq!(out.lines().count(), 3, "lines are kept: {out}");
    }

    #[test]
    fn a_big_log_is_rotated_at_start_and_the_recent_end_is_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let big = "old line\n".repeat((ROTATE_BYTES / 9 + 10) as usize);
        std::fs::write(file(dir.path(), 0), &big).unwrap();
        std::fs::write(file(dir.path(), 1), "older\n").unwrap();
        rotate(dir.path());
        assert!(!file(dir.path(), 0).exists());
        assert_eq!(std::fs::read_to_string(file(dir.path(), 1)).unwrap(), big);
        assert_eq!(
            std::fs::read_to_string(file(dir.path(), 2)).unwrap(),
            "older\n"
        );
        std::fs::write(file(dir.path(), 0), "newest\n").unwrap();
        let tail = recent(dir.path(), 40);
        assert!(tail.ends_with("old line\nnewest\n"), "{tail:?}");
        assert!(
            tail.lines().all(|l| l == "old line" || l == "newest"),
            "{tail:?}"
        );
        rotate(dir.path());
        assert!(file(dir.path(), 0).exists(), "a small log is not rotated");
    }
}
