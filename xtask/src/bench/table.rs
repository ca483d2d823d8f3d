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
        "\n{:<20} {:<11} {:>7} {:>8} {:>8} {:>7} {:>9} {:>7} {:>7} {:>8} {:>7}",
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
                "{scene:<20} {tool:<11} {:>7.2} {:>8.1} {:>8} {:>7} {:>9} {:>7} {:>7} {:>8.2} {:>7.1}",
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
            Err(e) => println!("{scene:<20} {tool:<11} failed: {e}"),
        }
        if *tool != "clipnote"
            && let Some((c, f)) = pair(rows, scene)
        {
            println!(
                "{:<20} {:<11} {:>6.2}x {:>7.2}x {:>8} {:>7} {:>9} {:>7} {:>7} {:>7.2}x",
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
         dropped = as the recorder reports it, or, for one that reports none (wf-recorder), \
         30 x the seconds - frames in its file; frames = video packets in the file; \
         unchanged = frames clipnote found unchanged and skipped converting; changed = frames \
         of the file that differ from the one before, by FFmpeg's mpdecimate)"
    );
}

/// The runs of `scene` by clipnote and by the peer (the other recorder), when both succeeded.
fn pair<'a>(rows: &'a [(String, &str, Result<Run>)], scene: &str) -> Option<(&'a Run, &'a Run)> {
    let find = |peer: bool| {
        rows.iter()
            .find(|(s, t, _)| s == scene && (*t != "clipnote") == peer)
            .and_then(|(_, _, r)| r.as_ref().ok())
    };
    Some((find(false)?, find(true)?))
}

/// The CPU time of the world's services (compositor, portal, PipeWire) during each run, when
/// the stage measures them: on Wayland part of capturing happens there, outside the recorder.
pub(super) fn print_services(rows: &[(String, &str, Result<Run>)]) {
    let Some(names) = rows.iter().find_map(|(_, _, r)| {
        let r = r.as_ref().ok()?;
        (!r.services.is_empty()).then(|| r.services.iter().map(|(n, _)| n.clone()).collect())
    }) else {
        return;
    };
    let names: Vec<String> = names;
    print!("\n{:<20} {:<11}", "scene", "recorder");
    for name in &names {
        print!(" {:>width$}", name, width = name.len().max(6));
    }
    println!(" {:>8} {:>9}", "services", "+recorder");
    let total = |r: &Run| r.services.iter().map(|(_, s)| s).sum::<f64>();
    for (scene, tool, run) in rows {
        let Ok(r) = run else { continue };
        print!("{scene:<20} {tool:<11}");
        for name in &names {
            let secs = r.services.iter().find(|(n, _)| n == name).map(|(_, s)| *s);
            let cell = secs.map_or("-".to_owned(), |s| format!("{s:.2}"));
            print!(" {cell:>width$}", width = name.len().max(6));
        }
        println!(" {:>8.2} {:>9.2}", total(r), total(r) + r.usage.cpu_secs);
        if *tool != "clipnote"
            && let Some((c, f)) = pair(rows, scene)
        {
            let width: usize = names.iter().map(|n| n.len().max(6) + 1).sum();
            println!(
                "{:<20} {:<11}{:width$} {:>7.2}x {:>8.2}x",
                "",
                "ratio",
                "",
                total(c) / total(f).max(0.01),
                (total(c) + c.usage.cpu_secs) / (total(f) + f.usage.cpu_secs),
            );
        }
    }
    println!(
        "(CPU seconds of the world's services during each run, from /proc/PID/stat; \
         +recorder = services + the recorder: what capturing cost the machine)"
    );
}

/// Prints each target with MET or MISS; true when every target was met.
pub(super) fn check_targets(
    rows: &[(String, &str, Result<Run>)],
    motion: &str,
    still: &str,
    peer: &str,
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
                    format!("{scene}: CPU {ratio:.2}x {peer} (<= {bar}x)"),
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
