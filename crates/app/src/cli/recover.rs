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
                    println!(
                        "Recovered a recording from {}, {} long: {}",
                        local_time(r.modified_unix),
                        length(r.duration_secs),
                        r.path.display()
                    );
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

fn length(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn local_time(unix: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let t = time::UtcOffset::current_local_offset().map_or(t, |o| t.to_offset(o));
    t.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]"
    ))
    .unwrap_or_default()
}
