//! `clipnote doctor [--json] [--online] [--mic NAME|none] [--backend x11|wayland]
//! [--bundle FILE]`: whether
//! recording and posting will work here, one row a check, with the fix for each failure. The
//! exit code is 0 when nothing blocks, else the code of the first failure.

use capture::{Backend, Mic};

use crate::cli::UserError;
use crate::doctor;

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print the report as JSON: `{"ok", "exit_code", "checks": [{"id", "status", "detail", "fix"}]}`.
    #[arg(long)]
    pub json: bool,
    /// Also ask Notion and ClickUp whether they accept the stored tokens.
    #[arg(long)]
    pub online: bool,
    /// The microphone to check, by the name `clipnote devices` lists, or `none`. Default: the
    /// system's.
    #[arg(long, value_name = "NAME|none")]
    pub mic: Option<String>,
    /// Check this screen backend instead of the session's.
    #[arg(long, value_name = "x11|wayland")]
    pub backend: Option<Backend>,
    /// Also write the report and the recent logs to FILE for a support request, with tokens,
    /// URLs' query strings and the home folder taken out.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<std::path::PathBuf>,
}

pub fn run(args: DoctorArgs) -> anyhow::Result<()> {
    let options = doctor::Options {
        mic: match args.mic.as_deref() {
            None | Some("default") => Mic::Default,
            Some("none") => Mic::None,
            Some(name) => Mic::Named(name.into()),
        },
        backend: args.backend,
        online: args.online,
    };
    let report = doctor::run(&options);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    if let Some(path) = &args.bundle {
        let bytes = doctor::bundle::write(path, &report)?;
        eprintln!(
            "Wrote the support bundle to {} ({:.0} KiB): tokens, URLs' query strings and your home folder are taken out; read it before you share it.",
            path.display(),
            (bytes as f64 / 1024.0).ceil()
        );
    }
    if report.ok {
        return Ok(());
    }
    // The rows already said what failed and how to fix it.
    Err(UserError::new(
        report.exit_code,
        "doctor found problems (the rows marked FAIL)",
    )
    .into())
}
