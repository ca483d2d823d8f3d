//! `clipnote doctor --bundle FILE`: the doctor's report and the recent logs in one text file a
//! user can attach to a support request — with the tokens, every URL's query string (presigned
//! links carry credentials there) and the home folder taken out (`logs::redact`).

use std::io::Write;
use std::path::Path;

use publish::Service;

use super::Report;
use crate::cli::UserError;
use crate::{exit, logs};

/// How much of the logs goes in (the most recent end).
const LOG_BYTES: u64 = 256 * 1024;

/// Writes the bundle to `path` (0600, whole or not at all) and returns its size.
pub fn write(path: &Path, report: &Report) -> Result<u64, UserError> {
    let mut text = format!(
        "Clipnote support bundle — clipnote {}, {} UTC\n\
         Tokens, URLs' query strings and your home folder (shown as ~) are taken out. Read it before you share it.\n\n\
         == clipnote doctor ==\n{}\n== clipnote doctor --json ==\n{}\n\n",
        env!("CARGO_PKG_VERSION"),
        now(),
        report.text(),
        serde_json::to_string_pretty(report).unwrap_or_default(),
    );
    match logs::dir() {
        Some(dir) => {
            let recent = logs::recent(&dir, LOG_BYTES);
            text.push_str(&format!(
                "== the most recent log lines ({}) ==\n{}",
                logs::file(&dir, 0).display(),
                if recent.is_empty() {
                    "(none yet)\n"
                } else {
                    &recent
                }
            ));
        }
        None => text.push_str("== logs ==\n(no home folder: nothing is logged to a file)\n"),
    }
    let secrets = known_secrets();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let text = logs::redact(&text, &secrets, home.as_deref());
    save(path, text.as_bytes()).map_err(|e| {
        UserError::new(
            exit::IO,
            format!(
                "cannot write the support bundle to {}: {e}. Choose a file in a folder you can write",
                path.display()
            ),
        )
    })?;
    Ok(text.len() as u64)
}

/// Every token this user has given Clipnote (environment, keyring or file), to take out.
fn known_secrets() -> Vec<String> {
    let config_dir = crate::config::dir().ok();
    let mut found = Vec::new();
    for service in [Service::Notion, Service::ClickUp] {
        if let Ok(v) = std::env::var(publish::secrets::env_var(service)) {
            found.push(v);
        }
        if let Some(dir) = &config_dir
            && let Ok((token, _)) = publish::secrets::resolve(service, dir)
        {
            found.push(token.expose().to_owned());
        }
    }
    found
}

fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = crate::disk::folder_of(path);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("bundle");
    let tmp = dir.join(format!(".{name}.part"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
        .unwrap_or_default()
}
