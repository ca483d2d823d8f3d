//! `clipnote login notion|clickup|s3`: stores a token in the OS keyring (or, with no keyring
//! service, a file only the user can read — and says so). The token is read from standard
//! input when it is not a terminal, so scripts can pipe it in. For `s3` the secret is four
//! answers: access key id, secret access key, endpoint URL (empty: AWS) and region (empty:
//! us-east-1), one a line on standard input.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, ValueEnum};
use publish::{Service, Token, TokenSource};

use crate::cli::UserError;
use crate::cli::post::user_error;
use crate::{config, exit};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Which {
    Notion,
    Clickup,
    /// Team storage on an S3-compatible bucket.
    S3,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The service to store a token for.
    pub service: Which,
}

pub fn run(args: LoginArgs) -> anyhow::Result<()> {
    let service = match args.service {
        Which::Notion => Service::Notion,
        Which::Clickup => Service::ClickUp,
        Which::S3 => Service::S3,
    };
    let stdin = std::io::stdin();
    let token = if service == Service::S3 {
        s3_keys()?.to_token()
    } else if stdin.is_terminal() {
        let hint = match service {
            Service::Notion => {
                "an internal integration secret (ntn_…) from notion.so/profile/integrations"
            }
            _ => "a personal token (pk_…) from ClickUp Settings → Apps",
        };
        eprint!("Paste {hint} (input hidden): ");
        let _ = std::io::stderr().flush();
        let echo = EchoOff::new();
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| UserError::new(exit::IO, format!("cannot read the token: {e}")))?;
        drop(echo);
        eprintln!();
        Token::new(line)
    } else {
        Token::new(std::io::read_to_string(stdin).map_err(|e| {
            UserError::new(
                exit::IO,
                format!("cannot read the token from standard input: {e}"),
            )
        })?)
    };
    let source =
        publish::secrets::store(service, &token, &config::dir()?).map_err(|e| user_error(&e))?;
    match &source {
        TokenSource::File(_) => eprintln!(
            "No keyring service (Secret Service) was found on this machine, so the {service} token is stored in {source}."
        ),
        _ => eprintln!("Stored the {service} token in {source}."),
    }
    if service == Service::S3 {
        eprintln!(
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and AWS_ENDPOINT_URL override what is stored, each for its part."
        );
    } else if std::env::var_os(publish::secrets::env_var(service)).is_some() {
        eprintln!(
            "Note: {} is set and overrides the stored token.",
            publish::secrets::env_var(service)
        );
    }
    Ok(())
}

/// The four answers `login s3` asks for: typed (the secret hidden) on a terminal, else one a
/// line on standard input.
fn s3_keys() -> Result<publish::s3::S3Keys, UserError> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let mut lines = stdin.lock();
    let mut ask = |prompt: &str, hidden: bool| -> Result<String, UserError> {
        if terminal {
            eprint!("{prompt}: ");
            let _ = std::io::stderr().flush();
        }
        let echo = (terminal && hidden).then(EchoOff::new);
        let mut line = String::new();
        lines
            .read_line(&mut line)
            .map_err(|e| UserError::new(exit::IO, format!("cannot read the answer: {e}")))?;
        drop(echo);
        if terminal && hidden {
            eprintln!();
        }
        Ok(line.trim().to_string())
    };
    let keys = publish::s3::S3Keys {
        access_key_id: ask("Access key id", false)?,
        secret_access_key: ask("Secret access key (input hidden)", true)?,
        session_token: None,
        endpoint: Some(ask(
            "Endpoint URL (e.g. https://<account>.r2.cloudflarestorage.com; empty for AWS)",
            false,
        )?)
        .filter(|e| !e.is_empty()),
        region: Some(ask("Region (empty for us-east-1)", false)?).filter(|r| !r.is_empty()),
    };
    if keys.access_key_id.is_empty() || keys.secret_access_key.is_empty() {
        return Err(UserError::new(
            exit::USAGE,
            "the access key id and the secret access key are both needed: give them on the first two lines",
        ));
    }
    Ok(keys)
}

/// Turns terminal echo off while the token is typed; restores it when dropped.
struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new() -> Self {
        #[cfg(unix)]
        {
            // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed termios we own.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(0, &mut t) == 0 {
                    let saved = t;
                    t.c_lflag &= !libc::ECHO;
                    libc::tcsetattr(0, libc::TCSANOW, &t);
                    return EchoOff { saved: Some(saved) };
                }
            }
            EchoOff { saved: None }
        }
        #[cfg(not(unix))]
        EchoOff {}
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            // SAFETY: restoring the attributes read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, saved);
            }
        }
    }
}
