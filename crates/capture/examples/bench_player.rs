//! Plays a clip at a speed for a while, drawing nothing, and prints what a viewer would have
//! seen: pictures shown and dropped, and the CPU the player used. `cargo xtask bench player`
//! runs it beside `ffmpeg` decoding the same file as fast as it can.
//!
//! Usage: bench_player CLIP [SPEED] [SECONDS]

use std::time::{Duration, Instant};

fn cpu_secs() -> f64 {
    // SAFETY: getrusage fills the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: bench_player CLIP [SPEED] [SECONDS]");
        std::process::exit(2);
    };
    let speed: f32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let secs: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(30.0);
    let mut player = match capture::player::Player::open(path.as_ref(), 1920, 0.0) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench_player: {e}");
            std::process::exit(1);
        }
    };
    player.set_speed(speed);
    let (cpu0, t0) = (cpu_secs(), Instant::now());
    player.play();
    // Draw at 120 Hz, like a fast display: every picture has a chance to be shown.
    let mut drops_at: Vec<f64> = Vec::new();
    while t0.elapsed().as_secs_f64() < secs && !player.finished() {
        let before = player.stats().frames_dropped;
        player.frame_to_show();
        if player.stats().frames_dropped > before && drops_at.len() < 20 {
            drops_at.push(player.position_secs());
        }
        std::thread::sleep(Duration::from_micros(8_333));
    }
    if !drops_at.is_empty() {
        let at: Vec<String> = drops_at.iter().map(|t| format!("{t:.2}")).collect();
        eprintln!(
            "bench_player: pictures dropped at clip time {} s",
            at.join(", ")
        );
    }
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_secs() - cpu0);
    let s = player.stats();
    println!(
        "{{\"speed\":{speed},\"wall_secs\":{wall:.3},\"clip_secs\":{:.3},\"frames_shown\":{},\"frames_dropped\":{},\"cpu_secs\":{cpu:.3},\"error\":{:?}}}",
        player.position_secs(),
        s.frames_shown,
        s.frames_dropped,
        player.error().unwrap_or_default()
    );
}
