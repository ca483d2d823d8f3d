//! The figures of `bench record` as a table, and the product's targets beside them.

use super::Run;
use crate::Result;

pub(super) fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Decimal megabytes, as the product's memory target is written.
fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub(super) fn print_table(rows: &[(String, &str, Result<Run>)]) {
    println!(
        "\n{:<20} {:<9} {:>7} {:>8} {:>8} {:>7} {:>9} {:>7} {:>7} {:>8} {:>7}",
        "scene",
        "recorder",
        "CPU s",
        "peak MB",
        "dropped",
        "frames",
        "unchanged",
        "changed",
        "secs",
        "size MiB",
        "wall s"
    );
    let opt = |v: Option<u64>| v.map_or("-".to_owned(), |v| v.to_string());
    for (scene, tool, run) in rows {
        match run {
            Ok(r) => println!(
                "{scene:<20} {tool:<9} {:>7.2} {:>8.1} {:>8} {:>7} {:>9} {:>7} {:>7} {:>8.2} {:>7.1}",
                r.usage.cpu_secs,
                mb(r.usage.max_rss_bytes),
                opt(r.dropped_frames),
                opt(r.frames_in_file),
                opt(r.unchanged_frames),
                opt(r.changed_frames),
                r.duration_secs.map_or("?".into(), |d| format!("{d:.2}")),
                mib(r.size_bytes),
                r.usage.wall_secs,
            ),
            Err(e) => println!("{scene:<20} {tool:<9} failed: {e}"),
        }
        if *tool == "ffmpeg"
            && let Some((c, f)) = pair(rows, scene)
        {
            println!(
                "{:<20} {:<9} {:>6.2}x {:>7.2}x {:>8} {:>7} {:>9} {:>7} {:>7} {:>7.2}x",
                "",
                "ratio",
                c.usage.cpu_secs / f.usage.cpu_secs,
                c.usage.max_rss_bytes as f64 / f.usage.max_rss_bytes.max(1) as f64,
                "",
                "",
                "",
                "",
                "",
                c.size_bytes as f64 / f.size_bytes.max(1) as f64,
            );
        }
    }
    println!(
        "(CPU = user + system time of the recorder process over the whole run, from wait4; \
         dropped = as the recorder reports it; frames = video packets in the file; \
         unchanged = frames clipnote found unchanged and skipped converting; changed = frames \
         of the file that differ from the one before, by FFmpeg's mpdecimate)"
    );
}

/// The clipnote and ffmpeg runs of `scene`, when both succeeded.
fn pair<'a>(rows: &'a [(String, &str, Result<Run>)], scene: &str) -> Option<(&'a Run, &'a Run)> {
    let find = |tool: &str| {
        rows.iter()
            .find(|(s, t, _)| s == scene && *t == tool)
            .and_then(|(_, _, r)| r.as_ref().ok())
    };
    Some((find("clipnote")?, find("ffmpeg")?))
}

/// Prints each target with MET or MISS; true when every target was met.
pub(super) fn check_targets(
    rows: &[(String, &str, Result<Run>)],
    motion: &str,
    still: &str,
) -> bool {
    let mut ok = true;
    let mut line = |met: bool, what: String| {
        println!("  {}  {what}", if met { "MET " } else { "MISS" });
        ok &= met;
    };
    println!("\ntargets:");
    for (scene, bar) in [(motion, 1.0), (still, 0.5)] {
        match pair(rows, scene) {
            Some((c, f)) => {
                let ratio = c.usage.cpu_secs / f.usage.cpu_secs;
                line(
                    ratio <= bar,
                    format!("{scene}: CPU {ratio:.2}x the ffmpeg CLI (<= {bar}x)"),
                );
            }
            None => line(false, format!("{scene}: no comparison (a run failed)")),
        }
    }
    for (scene, tool, run) in rows {
        if *tool != "clipnote" {
            continue;
        }
        if let Ok(r) = run {
            match r.dropped_frames {
                Some(n) => line(n == 0, format!("{scene}: {n} dropped frames (0)")),
                None => line(
                    false,
                    format!("{scene}: clipnote reported no dropped_frames"),
                ),
            }
            let rss = mb(r.usage.max_rss_bytes);
            line(
                rss <= 150.0,
                format!("{scene}: peak RSS {rss:.1} MB (<= 150 MB)"),
            );
        }
    }
    ok
}
