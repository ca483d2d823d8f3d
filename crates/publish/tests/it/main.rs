//! Integration tests: the real clients over loopback HTTP against the contract fakes.
//! One binary for the crate (`tests/it/main.rs`), one module per concern.

mod account;
mod conformance;
mod errors;
mod faults;
mod inbox;
mod reply;
mod secrets;
mod transcript;

use std::path::{Path, PathBuf};

use publish::{NewPost, Outbox, RetryPolicy, Settings, TaskRef, Token};

pub const NOTION_TOKEN: &str = "ntn_IT_secret_notion_token_4f9a1c";
pub const CLICKUP_TOKEN: &str = "pk_4242_IT_SECRET_CLICKUP_TOKEN_7b3e";
pub const PAGE: &str = "21ad8e4e98ab814e8d9600b2ded97d6c";
pub const TEAM: &str = "9012345678";
pub const TASK: &str = "86b0x2k7q";
pub const SUMMARY: &str = "Context: login **fails** after idle\n\n- token refresh raced logout\n- see [PR 12](https://example.test/pr/12)\n1. ship `v2.3`\n[ ] tell QA";

/// A test's working folder: clips, outbox, library, config.
pub struct World {
    pub dir: tempfile::TempDir,
    pub settings: Settings,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::new(dir.path().join("config"), dir.path().join("library"));
        settings.retry = RetryPolicy::fast();
        settings.notion_token = Some(Token::new(NOTION_TOKEN));
        settings.clickup_token = Some(Token::new(CLICKUP_TOKEN));
        World { dir, settings }
    }

    pub fn with_notion(fake: &fakes::NotionFake) -> World {
        let mut w = World::new();
        w.settings.notion_base_url = fake.base_url();
        w
    }

    pub fn with_clickup(fake: &fakes::ClickUpFake) -> World {
        let mut w = World::new();
        w.settings.clickup_base_url = fake.base_url();
        w
    }

    pub fn outbox(&self) -> Outbox {
        Outbox::open(self.dir.path().join("outbox")).unwrap()
    }

    /// A clip of `len` deterministic pseudo-random bytes (the upload logic needs no real MP4).
    pub fn clip(&self, name: &str, len: usize) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, clip_bytes(len, name.len() as u64)).unwrap();
        path
    }

    pub fn enqueue(&self, to: &str, clip: &Path, title: &str) -> publish::Job {
        self.outbox()
            .enqueue(NewPost {
                to: TaskRef::parse(to).unwrap(),
                clip: clip.to_path_buf(),
                title: title.into(),
                summary: SUMMARY.into(),
                author: "Ada".into(),
                duration_secs: Some(62.0),
                reply_to: None,
                transcript: None,
            })
            .unwrap()
    }
}

pub fn clip_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ seed;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(b"\0\0\0\x18ftypmp42");
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Every file under `dir`, recursively, as bytes (for the token grep).
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}
