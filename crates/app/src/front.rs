//! The `clipnote` program people and shortcuts run. `clipnote toggle` is done here, by the
//! light [`control`] crate alone; everything else runs the full program beside it
//! ([`control::FULL_PROGRAM`]) with the same arguments. The full program links FFmpeg, whose
//! two hundred libraries take ~85 ms to load: a hotkey's toggle does not wait for them.
//!
//! This file must not use the `app` library: linking it would bring FFmpeg back.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let full = match full_program() {
        Ok(path) => path,
        Err(message) => return fail(control::exit::APP, &message),
    };
    if args.len() == 1 && args[0] == "toggle" {
        return match control::toggle::run(&full) {
            Ok(said) => {
                println!("{said}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e.code, &e.message),
        };
    }
    let e = std::process::Command::new(&full)
        .arg0("clipnote")
        .args(args)
        .exec();
    fail(
        control::exit::APP,
        &format!(
            "cannot run {}: {e}. Reinstall Clipnote: `clipnote` runs the program beside it",
            full.display()
        ),
    )
}

/// The full program: beside this one.
fn full_program() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| {
        format!("cannot find where this program is ({e}): run Clipnote by its full path")
    })?;
    Ok(me.with_file_name(control::FULL_PROGRAM))
}

/// Says `message` as the full program says its errors, and exits with `code`.
fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("clipnote: error: {message}");
    ExitCode::from(code)
}
