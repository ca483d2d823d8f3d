//! `clipnote toggle`: the full program's way to [`control::toggle`] (the `clipnote` front
//! program does the same without loading it).

use clap::Args;

use super::UserError;

#[derive(Debug, Args)]
pub struct ToggleArgs {}

pub fn run(_args: ToggleArgs) -> anyhow::Result<()> {
    let me = std::env::current_exe().map_err(|e| {
        UserError::new(
            crate::exit::APP,
            format!("cannot find this program to start Clipnote: {e}; start `clipnote` yourself"),
        )
    })?;
    let said = control::toggle::run(&me).map_err(|e| UserError::new(e.code, e.message))?;
    println!("{said}");
    Ok(())
}
