//! The checks a post and the app's day-to-day need: the config file, free space where clips
//! go, the accounts' tokens (never printed), the speech models, the outbox and the hotkey.

use capture::Backend;
use publish::Service;

use super::Check;
use crate::exit;

/// Below this many minutes of room a recording would be cut short: it is refused.
const FAIL_MINUTES: f64 = crate::disk::REFUSE_MINUTES;
/// Below this many, warn.
const WARN_MINUTES: f64 = 30.0;

/// The config file parses (`config`); the parsed file when it does.
pub fn config(checks: &mut Vec<Check>) -> Option<crate::config::File> {
    let path = crate::config::dir().map(|d| d.join("config.toml"));
    match crate::config::load() {
        Ok(file) => {
            checks.push(Check::ok(
                "config",
                match &path {
                    Ok(p) if p.exists() => format!("{} parses", p.display()),
                    Ok(p) => format!("no config file ({}): the defaults apply", p.display()),
                    Err(e) => e.message.clone(),
                },
            ));
            Some(file)
        }
        Err(e) => {
            checks.push(Check::fail(
                "config",
                e.code,
                e.message,
                "fix the line named (the keys are in the README), or move the file away to start from the defaults",
            ));
            None
        }
    }
}

/// Free space in the clip library, in minutes of recording (`disk`).
pub fn disk() -> Check {
    let dir = match crate::library::dir() {
        Ok(d) => d,
        Err(e) => {
            return Check::fail(
                "disk",
                exit::IO,
                e.message,
                "choose a library folder you can write (Settings → Folders)",
            );
        }
    };
    let free = match crate::disk::free_bytes(&dir) {
        Ok(f) => f,
        Err(e) => {
            return Check::fail(
                "disk",
                exit::IO,
                format!("cannot read the free space of {}: {e}", dir.display()),
                "choose a library folder on a disk you can write (Settings → Folders)",
            );
        }
    };
    let minutes = crate::disk::minutes_of_room(free, 0, crate::disk::MIB_PER_MINUTE);
    let detail = format!(
        "{} free in {}: about {} of recording at ~{} MiB a minute",
        crate::mib(free),
        dir.display(),
        crate::disk::duration_words(minutes),
        crate::disk::MIB_PER_MINUTE
    );
    let fix = crate::disk::FIX;
    if minutes < FAIL_MINUTES {
        Check::fail("disk", exit::IO, detail, fix)
    } else if minutes < WARN_MINUTES {
        Check::warn("disk", detail, fix)
    } else {
        Check::ok("disk", detail)
    }
}

/// Each service's token: present (and where from), and with `online` accepted (`notion`,
/// `clickup`). The token itself is never shown.
pub fn accounts(file: Option<&crate::config::File>, online: bool, checks: &mut Vec<Check>) {
    let config_dir = crate::config::dir();
    // Only `--online` needs the resolved settings and a network runtime.
    let settings = file.filter(|_| online).map(crate::config::publish_settings);
    let runtime = online.then(crate::cli::post::runtime);
    for service in [Service::Notion, Service::ClickUp] {
        let id = service.login_name();
        let Ok(dir) = &config_dir else {
            checks.push(Check::skip(id, "not checked: no config folder"));
            continue;
        };
        let source = match publish::secrets::resolve(service, dir) {
            Ok((_, source)) => source,
            Err(publish::Error::NoToken { .. }) => {
                checks.push(Check::ok(
                    id,
                    format!("no {service} account: `clipnote login {id}` to post there (clips still go to the library)"),
                ));
                continue;
            }
            Err(e) => {
                checks.push(Check::fail(
                    id,
                    exit::AUTH,
                    e.to_string(),
                    format!("`clipnote login {id}` stores the token again"),
                ));
                continue;
            }
        };
        let check = match (&runtime, &settings) {
            (Some(Ok(rt)), Some(Ok(settings))) => {
                match rt.block_on(publish::account::check(settings, service)) {
                    Ok(account) => Check::ok(
                        id,
                        format!(
                            "a token from {source}, accepted: workspace {:?}{}",
                            account.workspace,
                            account
                                .user
                                .map(|u| format!(", user {u}"))
                                .unwrap_or_default()
                        ),
                    ),
                    Err(e) => {
                        let code = crate::cli::post::user_error(&e).code;
                        Check::fail(
                            id,
                            code,
                            format!("a token from {source}, but {service} did not accept it: {e}"),
                            format!(
                                "`clipnote login {id}` with a valid token (the integration's settings show it)"
                            ),
                        )
                    }
                }
            }
            (Some(Err(e)), _) | (_, Some(Err(e))) => Check::fail(
                id,
                e.code,
                format!(
                    "a token from {source}; not checked with {service}: {}",
                    e.message
                ),
                "fix what the message names",
            ),
            (Some(_), None) => Check::skip(
                id,
                format!(
                    "a token from {source}; not asked of {service}: the config file does not parse"
                ),
            ),
            _ => Check::ok(
                id,
                format!("a token from {source} (`--online` asks {service} whether it is accepted)"),
            ),
        };
        checks.push(check);
    }
}

/// The speech models installed (`models`).
pub fn models() -> Check {
    let listed = crate::cli::models::model_dir().and_then(|d| {
        d.list()
            .map_err(crate::cli::models::user_error)
            .map(|l| (d, l))
    });
    match listed {
        Ok((dir, listed)) => {
            let installed: Vec<String> = listed
                .iter()
                .filter_map(|l| Some(format!("{} ({})", l.name, crate::mib(l.installed_bytes?))))
                .collect();
            let no_speech = listed.iter().all(|l| {
                l.installed_bytes.is_none()
                    || l.known
                        .is_some_and(|k| k.purpose == speech::catalog::Purpose::Draft)
            });
            if no_speech {
                Check::warn(
                    "models",
                    format!(
                        "no speech model in {}: clips are not transcribed",
                        dir.path().display()
                    ),
                    "`clipnote models install tiny.en` (75 MiB) for English, `base` for 99 languages",
                )
            } else {
                Check::ok("models", format!("installed: {}", installed.join(", ")))
            }
        }
        Err(e) => Check::warn(
            "models",
            e.message,
            "set CLIPNOTE_MODELS_DIR to a folder you can read",
        ),
    }
}

/// Posts waiting or failed in the outbox (`outbox`).
pub fn outbox() -> Check {
    let jobs = crate::config::outbox_dir()
        .map_err(|e| e.message)
        .and_then(|d| publish::Outbox::open(d).map_err(|e| e.to_string()))
        .and_then(|o| o.list().map_err(|e| e.to_string()));
    let jobs = match jobs {
        Ok(j) => j,
        Err(e) => {
            return Check::fail(
                "outbox",
                exit::IO,
                format!("cannot read the outbox: {e}"),
                "set CLIPNOTE_OUTBOX_DIR to a folder you can write",
            );
        }
    };
    let count = |s| jobs.iter().filter(|j| j.status == s).count();
    let (queued, failed) = (
        count(publish::JobStatus::Queued),
        count(publish::JobStatus::Failed),
    );
    let detail = format!("{queued} post(s) waiting, {failed} failed");
    if failed > 0 {
        Check::warn(
            "outbox",
            detail,
            "`clipnote outbox` says why each failed; `clipnote outbox retry ID` after fixing it",
        )
    } else if queued > 0 {
        Check::warn("outbox", detail, "`clipnote outbox run` posts them now")
    } else {
        Check::ok("outbox", detail)
    }
}

/// Whether the global hotkey will work (`hotkey`).
pub fn hotkey(backend: Backend) -> Check {
    let running = crate::control::socket_path()
        .ok()
        .is_some_and(|s| crate::control::ask(&s, crate::control::Request::Status).is_ok());
    let key = crate::ui::hotkey::DEFAULT;
    match (backend, running) {
        (Backend::Wayland, _) => Check::ok(
            "hotkey",
            format!(
                "Wayland: the app asks the desktop's GlobalShortcuts portal for {key} where there is one; everywhere, bind `clipnote toggle` to a key in your desktop's settings (Settings → Global hotkey shows where)"
            ),
        ),
        (Backend::X11, true) => Check::ok(
            "hotkey",
            "X11: the running Clipnote holds its hotkey (Settings → Global hotkey)",
        ),
        (Backend::X11, false) => match x11_key_taken(key) {
            Ok(false) => Check::ok(
                "hotkey",
                format!(
                    "X11: {key} is free; the app grabs it (or the key chosen in Settings) when it starts"
                ),
            ),
            Ok(true) => Check::warn(
                "hotkey",
                format!(
                    "X11: {key} is taken by another program, so the app cannot start and stop recordings with it"
                ),
                format!(
                    "choose another key in Clipnote's Settings → Global hotkey, or free {key} in the program that holds it (often the desktop's own keyboard shortcuts)"
                ),
            ),
            Err(why) => Check::ok(
                "hotkey",
                format!(
                    "X11: the app grabs {key} when it starts and says in its top bar if another program holds it (not checked here: {why})"
                ),
            ),
        },
    }
}

/// Whether another X client holds `key` (grabbing it answers BadAccess). The grab is let go
/// at once.
fn x11_key_taken(key: &str) -> Result<bool, String> {
    use global_hotkey::{Error, GlobalHotKeyManager};
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        return Err("no DISPLAY".into());
    }
    let hotkey = crate::ui::hotkey::parse(key)?;
    let manager = GlobalHotKeyManager::new().map_err(|e| e.to_string())?;
    match manager.register(hotkey) {
        Ok(()) => {
            let _ = manager.unregister(hotkey);
            Ok(false)
        }
        Err(Error::AlreadyRegistered(_)) => Ok(true),
        Err(e) => Err(e.to_string()),
    }
}
