//! `clipnote login notion|clickup`: stores a token in the OS keyring (or, with no keyring
//! service, a file only the user can read — and says so). The token is read from standard
//! input when it is not a terminal, so scripts can pipe it in.

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
    };
    let stdin = std::io::stdin();
    let token = if stdin.is_terminal() {
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
        line
    } else {
        std::io::read_to_string(stdin).map_err(|e| {
            UserError::new(
                exit::IO,
                format!("cannot read the token from standard input: {e}"),
            )
        })?
    };
    let token = Token::new(token);
    let source =
        publish::secrets::store(service, &token, &config::dir()?).map_err(|e| user_error(&e))?;
    match &source {
        TokenSource::File(_) => eprintln!(
            "No keyring service (Secret Service) was found on this machine, so the {service} token is stored in {source}."
        ),
        _ => eprintln!("Stored the {service} token in {source}."),
    }
    if std::env::var_os(publish::secrets::env_var(service)).is_some() {
        eprintln!(
            "Note: {} is set and overrides the stored token.",
            publish::secrets::env_var(service)
        );
    }
    Ok(())
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
