//! The local library (the default, no account) and a shared folder a team syncs: the clip
//! plus a JSON sidecar with title, summary, author, date and the transcript's timed segments,
//! and the captions (`<clip>.vtt`) beside the clip. Every write is a copy to a
//! temporary name and an atomic rename, so a crash never leaves half a clip under its name.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::destination::{BoxFuture, Destination, Post, PostedClip, ReplyTo, StepDone};
use crate::error::{Error, Result, Service};
use crate::progress::{Progress, Step};
use crate::transcript::Line;

/// What the sidecar next to each clip holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    pub clip: String,
    pub title: String,
    pub summary: String,
    pub author: String,
    pub date: String,
    #[serde(default)]
    pub duration_secs: Option<f64>,
    pub job_id: String,
    /// The clip this one answers; its line also opens `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyTo>,
    /// What is said in the clip: timed segments (`start_secs`, `end_secs`, `text`, as in
    /// `<clip>.transcript.json`); empty when the post carried none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<Line>,
}

/// A folder of clips and sidecars.
#[derive(Debug, Clone)]
pub struct Folder {
    root: PathBuf,
    service: Service,
}

impl Folder {
    /// The local library at `root`.
    pub fn library(root: PathBuf) -> Self {
        Folder {
            root,
            service: Service::Library,
        }
    }

    /// A shared folder at `root`.
    pub fn shared(root: PathBuf) -> Self {
        Folder {
            root,
            service: Service::Folder,
        }
    }

    /// Where the clip lives in the folder: where it already is when it was recorded there (no
    /// second copy), otherwise under the post's unique file name.
    fn clip_path(&self, post: &Post) -> PathBuf {
        let inside = post
            .clip
            .parent()
            .zip(std::fs::canonicalize(&self.root).ok())
            .is_some_and(|(parent, root)| std::fs::canonicalize(parent).is_ok_and(|p| p == root));
        if inside {
            post.clip.clone()
        } else {
            self.root.join(&post.file_name)
        }
    }

    /// Every clip in the folder that has a readable sidecar, oldest first. A sidecar another
    /// program wrote badly, or whose clip is missing, is skipped, not fatal.
    pub fn sidecars(&self) -> Result<Vec<(PathBuf, Sidecar)>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read", &self.root, e)),
        };
        let mut found: Vec<(PathBuf, Sidecar)> = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(side) = serde_json::from_slice::<Sidecar>(&bytes) else {
                continue;
            };
            let clip = self.root.join(&side.clip);
            if clip.is_file() {
                found.push((clip, side));
            }
        }
        found.sort_by(|a, b| {
            (&a.1.date, &a.1.job_id)
                .cmp(&(&b.1.date, &b.1.job_id))
                .then_with(|| a.0.cmp(&b.0))
        });
        Ok(found)
    }

    fn ensure_root(&self) -> Result<()> {
        std::fs::create_dir_all(&self.root).map_err(|e| {
            Error::io(
                "create the folder (check it exists and is writable)",
                &self.root,
                e,
            )
        })
    }
}

/// The sidecar beside `clip` (`<clip>.json`), if there is a readable one.
pub fn sidecar_of(clip: &Path) -> Option<Sidecar> {
    let bytes = std::fs::read(sidecar_path(clip)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn sidecar_path(clip: &Path) -> PathBuf {
    clip.with_extension("json")
}

/// `<clip>.vtt`, where players and `clipnote` look for a clip's captions.
fn captions_path(clip: &Path) -> PathBuf {
    clip.with_extension("vtt")
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

impl Destination for Folder {
    fn service(&self) -> Service {
        self.service
    }

    fn task_url(&self) -> String {
        self.root.display().to_string()
    }

    fn title(&self) -> BoxFuture<'_, Result<String>> {
        let name = match self.service {
            Service::Library => "Library".to_string(),
            _ => self.root.file_name().map_or_else(
                || self.root.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
        };
        Box::pin(async move { Ok(name) })
    }

    fn max_file_bytes(&self) -> BoxFuture<'_, Result<Option<u64>>> {
        Box::pin(async { Ok(None) })
    }

    fn upload<'a>(
        &'a self,
        post: &'a Post,
        progress: &'a Progress,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            self.ensure_root()?;
            let dest = self.clip_path(post);
            let total = std::fs::metadata(&post.clip)
                .map_err(|e| Error::io("read", &post.clip, e))?
                .len();
            let already = std::fs::metadata(&dest).is_ok_and(|m| m.len() == total);
            if !already {
                progress.start_bytes();
                let tmp = dest.with_extension("partial");
                tokio::fs::copy(&post.clip, &tmp)
                    .await
                    .map_err(|e| Error::io("copy the clip into", &self.root, e))?;
                std::fs::rename(&tmp, &dest).map_err(|e| Error::io("write", &dest, e))?;
            }
            progress.add_bytes(total, total);
            Ok(StepDone::new(dest.display().to_string(), None))
        })
    }

    fn find_done<'a>(
        &'a self,
        post: &'a Post,
        step: Step,
        prior: Option<&'a StepDone>,
    ) -> BoxFuture<'a, Result<Option<StepDone>>> {
        Box::pin(async move {
            let dest = self.clip_path(post);
            Ok(match step {
                Step::Upload => {
                    let total = std::fs::metadata(&post.clip).map(|m| m.len()).ok();
                    let have = std::fs::metadata(&dest).map(|m| m.len()).ok();
                    (total.is_some() && total == have)
                        .then(|| StepDone::new(dest.display().to_string(), None))
                }
                Step::Attach => prior.cloned(),
                Step::Summary => {
                    let side = sidecar_path(&dest);
                    side.is_file()
                        .then(|| StepDone::new(side.display().to_string(), None))
                }
                Step::Transcript => {
                    let vtt = captions_path(&dest);
                    vtt.is_file()
                        .then(|| StepDone::new(vtt.display().to_string(), None))
                }
            })
        })
    }

    fn summary<'a>(
        &'a self,
        post: &'a Post,
        attached: &'a StepDone,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let clip = PathBuf::from(&attached.remote_id);
            let sidecar = Sidecar {
                clip: clip.file_name().map_or_else(
                    || post.file_name.clone(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                title: post.title.clone(),
                summary: match &post.reply_to {
                    Some(r) => format!("{}\n\n{}", r.line(), post.summary),
                    None => post.summary.clone(),
                },
                author: post.author.clone(),
                date: post.date.clone(),
                duration_secs: post.duration_secs,
                job_id: post.job_id.clone(),
                reply_to: post.reply_to.clone(),
                transcript: post
                    .transcript
                    .as_ref()
                    .map(|t| t.lines.clone())
                    .unwrap_or_default(),
            };
            let path = sidecar_path(&clip);
            let bytes = serde_json::to_vec_pretty(&sidecar).unwrap_or_default();
            write_atomic(&path, &bytes).map_err(|e| Error::io("write", &path, e))?;
            Ok(StepDone::new(path.display().to_string(), None))
        })
    }

    /// The captions beside the posted clip. A clip recorded in the folder already has its own
    /// (the recording wrote them, Review may have corrected them): those are kept as they are.
    fn transcript<'a>(
        &'a self,
        post: &'a Post,
        _summary: &'a StepDone,
        _resume: bool,
    ) -> BoxFuture<'a, Result<StepDone>> {
        Box::pin(async move {
            let vtt = captions_path(&self.clip_path(post));
            let captions = post
                .transcript
                .as_ref()
                .map_or("", |t| t.captions_vtt.as_str());
            if !vtt.exists() && !captions.is_empty() {
                write_atomic(&vtt, captions.as_bytes()).map_err(|e| Error::io("write", &vtt, e))?;
            }
            Ok(StepDone::new(vtt.display().to_string(), None))
        })
    }

    fn clips(&self) -> BoxFuture<'_, Result<Vec<PostedClip>>> {
        Box::pin(async move {
            Ok(self
                .sidecars()?
                .into_iter()
                .map(|(clip, side)| PostedClip {
                    url: clip.display().to_string(),
                    file_name: Some(side.clip),
                    title: Some(side.title),
                    summary: Some(side.summary),
                })
                .collect())
        })
    }

    fn download<'a>(&'a self, clip: &'a PostedClip) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(async move {
            tokio::fs::read(&clip.url)
                .await
                .map_err(|e| Error::io("read", &clip.url, e))
        })
    }
}
