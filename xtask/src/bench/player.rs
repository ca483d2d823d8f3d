//! `cargo xtask bench player`: play a 1080p30 clip at 2× for 30 s with Clipnote's player
//! (`capture`'s `bench_player` example: decode thread, RGBA pictures, sound through `atempo`,
//! drawn at 120 Hz by nobody) and count the pictures shown and dropped; beside it, `ffmpeg`
//! decoding the same file as fast as it can — the decode floor. Inside the test world, so the
//! sound has an output (PulseAudio).

use std::process::Stdio;
use std::time::Instant;

use crate::proc::wait_measured;
use crate::world::World;
use crate::{Result, cargo, fail, run_checked, target_dir};

const SPEED: &str = "2";
const PLAY_SECS: &str = "30";
/// Clip length: 2× for 30 s plays 60 s of it.
const CLIP_SECS: u32 = 62;

pub fn run() -> Result<i32> {
    crate::deps::ensure(&[crate::deps::BUILD, crate::deps::WORLD])?;
    eprintln!("xtask: building the player bench: cargo build -p capture --example bench_player");
    run_checked(cargo().args([
        "build",
        "--quiet",
        "-p",
        "capture",
        "--example",
        "bench_player",
    ]))?;
    let player = target_dir()
        .join("debug")
        .join("examples")
        .join("bench_player");
    let dir = target_dir()
        .join("bench")
        .join(format!("player-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
    let clip = dir.join("walkthrough-1080p30.mp4");
    eprintln!("xtask: making a {CLIP_SECS} s 1080p30 clip with the ffmpeg CLI");
    run_checked(
        std::process::Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!(
                "testsrc2=size=1920x1080:rate=30:duration={CLIP_SECS}"
            ))
            .args(["-f", "lavfi", "-i"])
            .arg(format!(
                "sine=frequency=440:sample_rate=48000:duration={CLIP_SECS}"
            ))
            .args([
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-g", "300", "-bf", "0",
            ])
            .args([
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-ac", "1",
            ])
            .args(["-movflags", "+faststart"])
            .arg(&clip),
    )?;
    let mut world = World::start(&target_dir())?;
    world.stop_content(); // nothing moving on screen: the player alone

    let started = Instant::now();
    let mut child = world
        .command(player.to_str().unwrap_or_default())
        .arg(&clip)
        .args([SPEED, PLAY_SECS])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("bench_player: {e}")))?;
    let mut pipe = child
        .stdout
        .take()
        .ok_or_else(|| fail("bench_player has no stdout"))?;
    let reader = std::thread::Builder::new()
        .name("bench-player-stdout".into())
        .spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut pipe, &mut s);
            s
        })
        .map_err(|e| fail(e.to_string()))?;
    let usage = wait_measured(child, started)?;
    let report = reader.join().unwrap_or_default();
    let out_path = dir.join("player.json");
    let _ = std::fs::write(&out_path, &report);
    let field = |key: &str| -> f64 {
        report
            .split(&format!("\"{key}\":"))
            .nth(1)
            .and_then(|rest| rest.split([',', '}']).next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(f64::NAN)
    };

    let floor_started = Instant::now();
    let floor = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(&clip)
        .args(["-f", "null", "-"])
        .spawn()
        .map_err(|e| fail(format!("ffmpeg: {e}")))?;
    let floor = wait_measured(floor, floor_started)?;

    let (shown, dropped) = (field("frames_shown"), field("frames_dropped"));
    println!("player at {SPEED}x for {PLAY_SECS} s of wall time, 1920x1080 30 fps clip:");
    println!("  clip seconds played   {:>8.2}", field("clip_secs"));
    println!("  pictures shown        {shown:>8.0}");
    println!("  pictures dropped      {dropped:>8.0}");
    println!(
        "  player CPU            {:>8.2} s ({:.0}% of one core)",
        usage.cpu_secs,
        100.0 * usage.cpu_secs / usage.wall_secs.max(0.001)
    );
    println!(
        "  player peak RSS       {:>8.1} MB",
        usage.max_rss_bytes as f64 / 1e6
    );
    println!("ffmpeg decoding the whole {CLIP_SECS} s clip as fast as it can (the floor):");
    println!(
        "  wall                  {:>8.2} s ({:.1}x real time)",
        floor.wall_secs,
        f64::from(CLIP_SECS) / floor.wall_secs.max(0.001)
    );
    println!("  CPU                   {:>8.2} s", floor.cpu_secs);
    let met = dropped == 0.0 && shown > 0.0;
    println!(
        "target: no dropped pictures at 2x on 2 cores: {}",
        if met { "MET" } else { "MISS" }
    );
    if let Some(e) = report
        .split("\"error\":")
        .nth(1)
        .filter(|e| !e.starts_with("\"\""))
    {
        println!("player error: {e}");
    }
    println!("files: {}", dir.display());
    Ok(if met { 0 } else { 1 })
}
