//! The configuration file: TOML in the platform config dir (`~/.config/clipnote/config.toml`
//! on Linux; `CLIPNOTE_CONFIG_DIR` overrides the folder). Two layers, as read and as resolved:
//! [`File`] is what the file says; [`publish_settings`] merges it with the environment.
//!
//! ```toml
//! author = "Ada"
//! [notion]
//! version = "2025-09-03"
//! [clickup]
//! team_id = "9012345678"   # for custom task ids given without their workspace
//! [outbox]
//! retry_for_secs = 120     # then the post stays queued for `clipnote outbox run`
//! [inbox]
//! cache_max_mib = 2048     # downloaded clips kept for watching; least recently used go first
//! [library]
//! dir = "/home/ada/Videos/Clipnote"   # where new clips go (Settings → Folders writes it)
//! [models]
//! url = "https://mirror.example/whisper/{file}"   # where `clipnote models install` downloads
//! [transcript]
//! enabled = true           # transcribe while recording (default: on when a model is installed)
//! model = "tiny.en"        # a model name or a model file's path
//! language = "auto"        # or a code such as en, de
//! post = true              # carry the transcript with each post (Settings → Transcripts)
//! [s3]                     # team storage (`--to s3://BUCKET/PREFIX`); keys: `clipnote login s3`
//! endpoint = "https://<account>.r2.cloudflarestorage.com"   # default: AWS
//! region = "auto"          # default: us-east-1
//! addressing = "path"      # or "virtual" (https://BUCKET.host/…)
//! link_expires = "7d"      # presigned share links: s, m, h or d; at most 7 days
//! team = "s3://team-clips/big"   # where `post --full-quality` keeps clips over a task's limit
//! [s3.buckets.team-clips]
//! public_base_url = "https://clips.example.com"   # permanent links for this bucket
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::UserError;
use crate::exit;

/// The file as written. Unknown keys are refused, so a typo is reported, not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// The name under each posted clip (default: the login name).
    pub author: Option<String>,
    #[serde(default)]
    pub notion: Notion,
    #[serde(default)]
    pub clickup: ClickUp,
    #[serde(default)]
    pub outbox: OutboxConf,
    #[serde(default)]
    pub inbox: InboxConf,
    #[serde(default)]
    pub library: LibraryConf,
    #[serde(default)]
    pub models: ModelsConf,
    #[serde(default)]
    pub transcript: TranscriptConf,
    #[serde(default)]
    pub s3: S3Conf,
}

/// Team storage on an S3-compatible bucket (the keys are in the keyring: `clipnote login s3`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Conf {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// `path` (the default) or `virtual`.
    pub addressing: Option<String>,
    /// How long presigned share links work: `90s`, `30m`, `12h`, `7d` (at most 7 days).
    pub link_expires: Option<String>,
    /// Where `--full-quality` keeps clips over a task's file limit: `s3://BUCKET/PREFIX`.
    pub team: Option<String>,
    #[serde(default)]
    pub buckets: std::collections::BTreeMap<String, S3BucketConf>,
}

/// One bucket's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3BucketConf {
    /// Where the bucket's objects are served publicly: links are then `<url>/<key>`, permanent.
    pub public_base_url: Option<String>,
}

/// Transcripts made while recording (see `live_transcript::Plan` for the defaults).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptConf {
    pub enabled: Option<bool>,
    pub model: Option<String>,
    pub language: Option<String>,
    /// Post the transcript with each clip (default true; `post --no-transcript` for one post).
    pub post: Option<bool>,
}

/// Where speech models come from.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelsConf {
    /// The download address of a model: `{file}` becomes its file name (`ggml-tiny.en.bin`),
    /// `{name}` its name (`tiny.en`). `CLIPNOTE_MODELS_URL` overrides it.
    pub url: Option<String>,
}

/// whisper.cpp's published models.
pub const DEFAULT_MODELS_URL: &str =
    "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/{file}";

/// Where `model` downloads from: `CLIPNOTE_MODELS_URL`, else `[models] url`, else the model's
/// own published address (the drafting model), else [`DEFAULT_MODELS_URL`], with `{file}` and
/// `{name}` filled in.
pub fn model_url(file: &File, model: &speech::KnownModel) -> String {
    let pattern = match std::env::var("CLIPNOTE_MODELS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => match (&file.models.url, model.published_url) {
            (Some(url), _) => url.clone(),
            // The drafting model: where its makers publish it.
            (None, Some(url)) => url.to_owned(),
            (None, None) => DEFAULT_MODELS_URL.to_owned(),
        },
    };
    pattern
        .replace("{file}", model.file_name)
        .replace("{name}", model.name)
}

/// The speech model folder: `CLIPNOTE_MODELS_DIR`, else `models` in the platform data dir
/// (`~/.local/share/clipnote/models` on Linux).
pub fn models_dir() -> Result<PathBuf, UserError> {
    match std::env::var_os("CLIPNOTE_MODELS_DIR") {
        Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
        _ => project_dirs()
            .map(|p| p.data_dir().join("models"))
            .ok_or_else(|| {
                UserError::new(
                    exit::IO,
                    "cannot find a home folder for speech models; set HOME or CLIPNOTE_MODELS_DIR",
                )
            }),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryConf {
    /// The clip library folder (`CLIPNOTE_LIBRARY_DIR` overrides it).
    pub dir: Option<PathBuf>,
}

/// Writes `[library] dir` into the config file in `config_dir`, keeping everything else in
/// it as written (comments included). Atomic: a temporary file renamed over the old one.
pub fn set_library_dir(config_dir: &Path, library: &Path) -> Result<(), UserError> {
    let Some(dir) = library.to_str() else {
        return Err(UserError::new(
            exit::USAGE,
            format!(
                "{} is not valid UTF-8: choose a folder whose name is",
                library.display()
            ),
        ));
    };
    set_value(config_dir, "library", "dir", toml_edit::value(dir))
}

/// Writes `[transcript] post` (Settings → Transcripts) the same way.
pub fn set_post_transcript(config_dir: &Path, post: bool) -> Result<(), UserError> {
    set_value(config_dir, "transcript", "post", toml_edit::value(post))
}

/// Sets `key` in `[table]` of the config file in `config_dir`, keeping everything else as
/// written (comments included). Atomic: a temporary file renamed over the old one.
fn set_value(
    config_dir: &Path,
    table: &str,
    key: &str,
    value: toml_edit::Item,
) -> Result<(), UserError> {
    let path = config_dir.join("config.toml");
    let io = |what: &str, e: std::io::Error| {
        UserError::new(
            exit::IO,
            format!("cannot {what} the config file {}: {e}", path.display()),
        )
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io("read", e)),
    };
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
        UserError::new(
            exit::CONFIG,
            format!(
                "{} is not valid TOML ({e}): fix it, then choose again",
                path.display()
            ),
        )
    })?;
    if !doc.contains_key(table) {
        doc[table] = toml_edit::table();
    }
    doc[table][key] = value;
    std::fs::create_dir_all(config_dir).map_err(|e| io("create the folder of", e))?;
    let tmp = config_dir.join(".config.toml.tmp");
    std::fs::write(&tmp, doc.to_string()).map_err(|e| io("write", e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io("replace", e))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxConf {
    /// The cap on downloaded clips, MiB (default 2048).
    pub cache_max_mib: Option<u64>,
    /// ClickUp tasks read per refresh of a followed list (default 40; 2 requests each).
    pub clickup_task_reads: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConf {
    /// How long one post keeps retrying before it is left queued for `clipnote outbox run`.
    pub retry_for_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notion {
    pub version: Option<String>,
    pub base_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickUp {
    pub team_id: Option<String>,
    pub base_url: Option<String>,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "clipnote")
}

/// The config folder: `CLIPNOTE_CONFIG_DIR`, else the platform's.
pub fn dir() -> Result<PathBuf, UserError> {
    match std::env::var_os("CLIPNOTE_CONFIG_DIR") {
        Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
        _ => project_dirs().map(|p| p.config_dir().to_owned()).ok_or_else(|| {
            UserError::new(exit::IO, "cannot find a home folder for the configuration; set HOME or CLIPNOTE_CONFIG_DIR")
        }),
    }
}

/// The outbox folder: `CLIPNOTE_OUTBOX_DIR`, else `outbox` in the platform's state (or data) dir.
pub fn outbox_dir() -> Result<PathBuf, UserError> {
    match std::env::var_os("CLIPNOTE_OUTBOX_DIR") {
        Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
        _ => project_dirs()
            .map(|p| {
                p.state_dir()
                    .unwrap_or_else(|| p.data_local_dir())
                    .join("outbox")
            })
            .ok_or_else(|| {
                UserError::new(
                    exit::IO,
                    "cannot find a home folder for the outbox; set HOME or CLIPNOTE_OUTBOX_DIR",
                )
            }),
    }
}

/// Where the Wayland portal's restore tokens are kept (the state folder), so the desktop asks
/// which screen to share only once. `None` with no home folder: the desktop then asks each time.
pub fn portal_tokens_path() -> Option<PathBuf> {
    project_dirs().map(|p| {
        p.state_dir()
            .unwrap_or_else(|| p.data_local_dir())
            .join("portal-restore-tokens")
    })
}

/// Reads `config.toml` from [`dir`]; a missing file is an empty configuration.
pub fn load() -> Result<File, UserError> {
    let path = dir()?.join("config.toml");
    load_from(&path)
}

/// Reads a config file; a malformed one is an error that names the line and the fix.
pub fn load_from(path: &Path) -> Result<File, UserError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(File::default()),
        Err(e) => {
            return Err(UserError::new(
                exit::IO,
                format!("cannot read the config file {}: {e}", path.display()),
            ));
        }
    };
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        UserError::new(
            exit::CONFIG,
            format!(
                "the config file is malformed at line {line}: {}. Fix that line or remove the file: {}",
                e.message().trim(),
                path.display()
            ),
        )
    })
}

/// The resolved settings for posting: the file, then the environment on top.
pub fn publish_settings(file: &File) -> Result<publish::Settings, UserError> {
    let mut s = publish::Settings::new(dir()?, crate::library::dir()?);
    let env_set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if let (Some(url), false) = (&file.notion.base_url, env_set("CLIPNOTE_NOTION_BASE_URL")) {
        s.notion_base_url = url.clone();
    }
    if let (Some(url), false) = (&file.clickup.base_url, env_set("CLIPNOTE_CLICKUP_BASE_URL")) {
        s.clickup_base_url = url.clone();
    }
    if let Some(v) = &file.notion.version {
        s.notion_version = v.clone();
    }
    s.clickup_team_id = file.clickup.team_id.clone();
    s.s3.endpoint = file.s3.endpoint.clone();
    s.s3.region = file.s3.region.clone();
    s.s3.virtual_hosted = match file.s3.addressing.as_deref() {
        None | Some("path") => false,
        Some("virtual") => true,
        Some(other) => {
            return Err(UserError::new(
                exit::CONFIG,
                format!(
                    "`addressing = \"{other}\"` under [s3] in the config file: write \"path\" or \"virtual\""
                ),
            ));
        }
    };
    if let Some(text) = &file.s3.link_expires {
        s.s3.link_expires = link_expires(text).map_err(|why| {
            UserError::new(
                exit::CONFIG,
                format!("`link_expires` under [s3] in the config file: {why}"),
            )
        })?;
    }
    s.s3.public_base_urls = file
        .s3
        .buckets
        .iter()
        .filter_map(|(b, c)| Some((b.clone(), c.public_base_url.clone()?)))
        .collect();
    if let Some(secs) = file.outbox.retry_for_secs {
        s.retry.max_total = std::time::Duration::from_secs(secs);
        s.retry.max_server_wait = s.retry.max_server_wait.min(s.retry.max_total);
    }
    Ok(s)
}

/// A share link's lifetime, `90s`, `30m`, `12h`, `7d` or plain seconds: at most 7 days
/// (SigV4's longest presigned link).
pub fn link_expires(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a duration: write e.g. 90s, 30m, 12h or 7d"
            ));
        }
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write e.g. 90s, 30m, 12h or 7d"))?;
    let d = std::time::Duration::from_secs(n.saturating_mul(scale));
    if d.is_zero() || d > publish::s3::MAX_LINK_EXPIRY {
        return Err(format!(
            "{text:?} is out of range: a presigned link works from 1 second to 7 days (7d), the most S3's signatures allow; set a bucket's public_base_url for permanent links"
        ));
    }
    Ok(d)
}

/// The author under posted clips: the config, else the login name.
pub fn author(file: &File) -> String {
    file.author
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_default()
}

/// The team storage `--full-quality` and Review keep clips over a task's limit in: `[s3] team`
/// (`None` when it is not set).
pub fn team_storage(file: &File) -> Result<Option<publish::TaskRef>, UserError> {
    let Some(text) = &file.s3.team else {
        return Ok(None);
    };
    match publish::TaskRef::parse(text) {
        Ok(team @ publish::TaskRef::S3 { .. }) => Ok(Some(team)),
        _ => Err(UserError::new(
            exit::CONFIG,
            format!(
                "`team = {text:?}` under [s3] in the config file is not team storage: write it as s3://BUCKET/PREFIX"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choosing_the_library_keeps_the_rest_of_the_file_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# mine\nauthor = \"Ada\"  # me\n[inbox]\ncache_max_mib = 10\n",
        )
        .unwrap();
        set_library_dir(dir.path(), Path::new("/srv/clips")).unwrap();
        set_library_dir(dir.path(), Path::new("/srv/clips2")).unwrap();
        set_post_transcript(dir.path(), false).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\nauthor = \"Ada\"  # me\n"),
            "{text}"
        );
        let file = load_from(&path).unwrap();
        assert_eq!(file.library.dir.as_deref(), Some(Path::new("/srv/clips2")));
        assert_eq!(file.inbox.cache_max_mib, Some(10));
        assert_eq!(file.transcript.post, Some(false));
        assert!(!crate::post_transcript::enabled(&file));
        set_post_transcript(dir.path(), true).unwrap();
        assert!(crate::post_transcript::enabled(&load_from(&path).unwrap()));
        assert!(
            crate::post_transcript::enabled(&File::default()),
            "on by default"
        );
    }

    #[test]
    fn a_malformed_file_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "author = \"Ada\"\n[clickup]\nteam_id = 9012\nteam_idd = \"x\"\n",
        )
        .unwrap();
        let err = load_from(&path).unwrap_err();
        assert_eq!(err.code, exit::CONFIG);
        assert!(err.message.contains("line 3"), "{}", err.message);
        std::fs::write(&path, "author = \"Ada\"\n[clickup]\nteam_idd = \"x\"\n").unwrap();
        let err = load_from(&path).unwrap_err();
        assert!(
            err.message.contains("line 3") && err.message.contains("team_idd"),
            "{}",
            err.message
        );
        std::fs::write(&path, "author = \"Ada\"\n\n[notion\n").unwrap();
        assert!(load_from(&path).unwrap_err().message.contains("line 3"));
    }

    #[test]
    fn a_good_file_reads_and_a_missing_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert!(load_from(&path).unwrap().author.is_none());
        std::fs::write(
            &path,
            "author = \"Ada\"\n[notion]\nversion = \"2026-03-11\"\n",
        )
        .unwrap();
        let f = load_from(&path).unwrap();
        assert_eq!(f.author.as_deref(), Some("Ada"));
        assert_eq!(f.notion.version.as_deref(), Some("2026-03-11"));
    }
}
