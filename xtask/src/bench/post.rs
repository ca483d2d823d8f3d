//! `cargo xtask bench post`: post a 1-minute clip to each contract fake on loopback and print
//! the time from the command's start to the task showing the clip, split into the upload and
//! the API calls around it, and the requests used (`publish`'s `bench_post` example).

use crate::{Result, cargo, proc};

pub fn run(args: &[String]) -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD])?;
    eprintln!("xtask: cargo run -p publish --example bench_post");
    let status = proc::run_foreground(
        cargo()
            .args([
                "run",
                "--quiet",
                "-p",
                "publish",
                "--example",
                "bench_post",
                "--",
            ])
            .args(args),
        false,
    )?;
    Ok(proc::exit_code(status))
}
