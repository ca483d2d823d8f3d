//! Tokens: environment variables override; otherwise the OS keyring; on a machine with no
//! keyring service, a file readable only by the user in the config dir (and the caller is
//! told so). A [`Token`] never prints: its `Debug` is redacted and it has no `Display`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Service};

const KEYRING_SERVICE: &str = "clipnote";

/// A secret. Read it with [`Token::expose`] only to build a request header.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Self {
        Token(s.into().trim().to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The environment variable that overrides the stored token.
pub fn env_var(service: Service) -> &'static str {
    match service {
        Service::Notion => "CLIPNOTE_NOTION_TOKEN",
        // The S3 keys are a set; each of the standard AWS variables overrides its part.
        Service::S3 => "AWS_ACCESS_KEY_ID",
        _ => "CLIPNOTE_CLICKUP_TOKEN",
    }
}

/// Where a token was found or stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Env(&'static str),
    Keyring,
    /// A 0600 file, because no keyring service was available.
    File(PathBuf),
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Env(v) => write!(f, "the environment variable {v}"),
            TokenSource::Keyring => f.write_str("the OS keyring"),
            TokenSource::File(p) => write!(f, "a file readable only by you: {}", p.display()),
        }
    }
}

fn token_file(config_dir: &Path, service: Service) -> PathBuf {
    config_dir.join("tokens").join(service.login_name())
}

/// Whether to try the OS keyring (`CLIPNOTE_NO_KEYRING=1` skips it, e.g. on headless CI).
fn keyring_wanted() -> bool {
    std::env::var_os("CLIPNOTE_NO_KEYRING").is_none_or(|v| v.is_empty() || v == "0")
}

fn keyring_entry(service: Service) -> Option<keyring::Entry> {
    if !keyring_wanted() {
        return None;
    }
    keyring::Entry::new(KEYRING_SERVICE, service.login_name()).ok()
}

/// Finds the token for `service`: environment, keyring, then the fallback file.
pub fn resolve(service: Service, config_dir: &Path) -> Result<(Token, TokenSource), Error> {
    let var = env_var(service);
    if let Ok(v) = std::env::var(var) {
        let t = Token::new(v);
        if !t.is_empty() {
            return Ok((t, TokenSource::Env(var)));
        }
    }
    resolve_stored(service, config_dir)
}

/// Finds the stored secret for `service` (keyring, then the fallback file), ignoring the
/// environment.
pub fn resolve_stored(service: Service, config_dir: &Path) -> Result<(Token, TokenSource), Error> {
    let var = env_var(service);
    if let Some(entry) = keyring_entry(service)
        && let Ok(v) = entry.get_password()
    {
        let t = Token::new(v);
        if !t.is_empty() {
            return Ok((t, TokenSource::Keyring));
        }
    }
    let path = token_file(config_dir, service);
    match std::fs::read_to_string(&path) {
        Ok(v) if !v.trim().is_empty() => Ok((Token::new(v), TokenSource::File(path))),
        Ok(_) => Err(Error::NoToken { service, env: var }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::NoToken { service, env: var })
        }
        Err(e) => Err(Error::io("read the token file", path, e)),
    }
}

/// Stores the token: the keyring when there is one, otherwise a 0600 file.
pub fn store(service: Service, token: &Token, config_dir: &Path) -> Result<TokenSource, Error> {
    if token.is_empty() {
        return Err(Error::Secrets(format!(
            "the {service} token is empty: paste the token (Notion: an internal integration secret `ntn_…`; ClickUp: a personal token `pk_…`)"
        )));
    }
    if let Some(entry) = keyring_entry(service) {
        match entry.set_password(token.expose()) {
            Ok(()) => {
                // A stale fallback file would shadow nothing, but remove it to keep one copy.
                let _ = std::fs::remove_file(token_file(config_dir, service));
                return Ok(TokenSource::Keyring);
            }
            Err(e) => {
                tracing::info!(error = %e, "no usable OS keyring; storing the token in a private file")
            }
        }
    }
    let path = token_file(config_dir, service);
    let dir = path.parent().unwrap_or(config_dir);
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    write_private(&path, token.expose().as_bytes())
        .map_err(|e| Error::io("write the token file", &path, e))?;
    Ok(TokenSource::File(path))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::new("ntn_supersecret");
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
    }

    #[cfg(unix)]
    #[test]
    fn fallback_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens").join("notion");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_private(&path, b"ntn_x").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
