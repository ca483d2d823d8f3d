//! `clipnote devices`: the screens, windows and microphones that can be recorded.

use crate::cli::UserError;
use crate::exit;

#[derive(Debug, clap::Args)]
pub struct DevicesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DevicesArgs) -> anyhow::Result<()> {
    let devices = capture::devices::list();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
    } else {
        println!("Screen backends (--backend NAME):");
        for b in &devices.backends {
            let chosen = if b.name == devices.backend {
                "  (used)"
            } else {
                ""
            };
            let state = if b.available { "" } else { "unavailable: " };
            println!("  {:<8} {state}{}{chosen}", b.name.name(), b.detail);
        }
        println!("Screens (--screen N) on display {}:", devices.display);
        for s in &devices.screens {
            let primary = if s.primary { "  (primary)" } else { "" };
            println!(
                "  {}  {}  {}x{}+{}+{}{primary}",
                s.index, s.name, s.width, s.height, s.x, s.y
            );
        }
        println!("Windows (--window ID or a part of the title):");
        for w in &devices.windows {
            println!(
                "  {:#010x}  {}x{}+{}+{}  {}",
                w.id, w.width, w.height, w.x, w.y, w.title
            );
        }
        println!("Microphones (--mic NAME):");
        for m in &devices.microphones {
            let mut tags = Vec::new();
            if m.is_default {
                tags.push("default");
            }
            if m.is_monitor {
                tags.push("system audio");
            }
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!("  ({})", tags.join(", "))
            };
            println!("  {}  {}{tags}", m.name, m.description);
        }
    }
    for p in &devices.problems {
        eprintln!("clipnote: warning: {p}");
    }
    if devices.screens.is_empty() && devices.microphones.is_empty() {
        return Err(UserError::new(
            exit::DEVICE,
            "found no screen and no microphone (see the warnings above)",
        )
        .into());
    }
    Ok(())
}
