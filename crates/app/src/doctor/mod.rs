//! `clipnote doctor`: checks, in words a person can act on, whether recording and posting will
//! work on this machine, and names the fix for each failure. Each check is one [`Check`]: a row
//! of the text report and an object of `--json`. The media checks (session, screen, sound,
//! microphone, encoder) are in [`media`]; the rest (disk, config, accounts, models, outbox,
//! hotkey) in [`setup`].

pub mod bundle;
mod media;
mod setup;

use serde::Serialize;

use crate::exit;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Works, but something will bite later (a failed post waiting, no speech model).
    Warn,
    /// Recording or posting will not work until this is fixed.
    Fail,
    /// Not checked (e.g. the microphone with `--mic none`).
    Skip,
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// A stable name scripts look for: `session`, `screen`, `sound`, `microphone`, `encoder`,
    /// `disk`, `config`, `notion`, `clickup`, `models`, `outbox`, `hotkey`.
    pub id: &'static str,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, for a warning or a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The exit code a failure of this check gives (see [`crate::exit`]).
    #[serde(skip)]
    pub code: u8,
}

impl Check {
    pub fn ok(id: &'static str, detail: impl Into<String>) -> Self {
        Self::new(id, Status::Ok, detail, None, exit::OK)
    }

    pub fn skip(id: &'static str, detail: impl Into<String>) -> Self {
        Self::new(id, Status::Skip, detail, None, exit::OK)
    }

    pub fn warn(id: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(id, Status::Warn, detail, Some(fix.into()), exit::OK)
    }

    pub fn fail(
        id: &'static str,
        code: u8,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::new(id, Status::Fail, detail, Some(fix.into()), code)
    }

    fn new(
        id: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
        code: u8,
    ) -> Self {
        Self {
            id,
            status,
            detail: detail.into(),
            fix,
            code,
        }
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The microphone recordings use.
    pub mic: capture::Mic,
    /// The screen backend; `None`: what the session calls for.
    pub backend: Option<capture::Backend>,
    /// Also ask each configured service whether it accepts its token.
    pub online: bool,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True when nothing blocks recording or posting.
    pub ok: bool,
    /// 0, or the code of the first failure (the same codes the other commands use: 3 a
    /// device, 4 the disk, 5 a token, 8 the config file, 1 the encoder).
    pub exit_code: u8,
    pub checks: Vec<Check>,
}

/// Runs every check, in the order a recording and a post need them.
pub fn run(options: &Options) -> Report {
    let mut checks = Vec::new();
    let backend = media::session(options.backend, &mut checks);
    checks.push(media::screen(backend));
    let mics = media::sound(&mut checks);
    checks.push(media::microphone(&options.mic, mics.as_deref()));
    checks.push(media::encoder());
    let config = setup::config(&mut checks);
    checks.push(setup::disk());
    setup::accounts(config.as_ref(), options.online, &mut checks);
    checks.push(setup::models());
    checks.push(setup::outbox());
    checks.push(setup::hotkey(backend));
    let exit_code = checks
        .iter()
        .find(|c| c.status == Status::Fail)
        .map_or(exit::OK, |c| c.code);
    Report {
        ok: exit_code == exit::OK,
        exit_code,
        checks,
    }
}

impl Report {
    /// The report for people: one row a check, the fix under each warning and failure.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            out.push_str(&format!("{mark}  {:<11} {}\n", c.id, c.detail));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("      {:<11} → {fix}\n", ""));
            }
        }
        let fails = self.count(Status::Fail);
        let warns = self.count(Status::Warn);
        out.push_str(&if fails == 0 {
            format!("Recording and posting will work ({warns} warning(s)).\n")
        } else {
            format!("{fails} problem(s) stop recording or posting: fix the rows marked FAIL.\n")
        });
        out
    }

    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}
