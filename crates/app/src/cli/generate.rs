//! `clipnote completions SHELL` and the hidden `clipnote manpage DIR`: the shell completions and
//! the man page, generated from the command line's own definition, so they never drift from
//! `--help`. `cargo xtask dist` puts both into the package.

use clap::CommandFactory;

use crate::cli::Cli;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for `shell` on stdout.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "clipnote", &mut std::io::stdout());
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct ManpageArgs {
    /// The folder to write `clipnote.1` and one `clipnote-COMMAND.1` per command into.
    pub dir: std::path::PathBuf,
}

/// Writes the man pages (section 1, roff) into a folder.
pub fn manpages(args: ManpageArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    clap_mangen::generate_to(Cli::command(), &args.dir)?;
    Ok(())
}
