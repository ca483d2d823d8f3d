//! `clipnote recover [--json]`: finalises the recordings a crash cut off in the library into
//! clips that play, and says what it recovered.

use crate::cli::UserError;
use crate::{library, recover};

#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    /// Print the recovered clips as JSON: `[{"path", "duration_secs", "modified_unix"}]`.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RecoverArgs) -> anyhow::Result<()> {
    let dir = library::dir()?;
    let mut recovered = Vec::new();
    let mut failed: Option<UserError> = None;
    for partial in recover::find(&dir)? {
        match recover::recover(&partial) {
            Ok(r) => {
                if !args.json {
                    println!("Recovered {}: {}", r.describe(), r.path.display());
                }
                recovered.push(r);
            }
            Err(e) => {
                eprintln!("clipnote: {e}");
                failed.get_or_insert(e);
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&recovered)?);
    } else if recovered.is_empty() && failed.is_none() {
        println!("No unfinished recordings in {}.", dir.display());
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
