//! The checks a recording needs: the session and its screen backend, one captured frame, the
//! sound server, the microphone's signal over a second, and an encode read back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use capture::devices::Microphone;
use capture::{Backend, Mic};

use super::Check;
use crate::exit;

/// Below this peak over a second (-60 dBFS) a microphone is as good as silent.
const QUIET_PEAK: f32 = capture::mic::SILENCE_FLOOR;
/// How long the microphone is listened to.
const LISTEN: Duration = Duration::from_secs(1);
/// How long it may take to open before it counts as not delivering.
const OPEN_WAIT: Duration = Duration::from_secs(4);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The session type and the backend a recording will use (`session`).
pub fn session(forced: Option<Backend>, checks: &mut Vec<Check>) -> Backend {
    let backend = forced.unwrap_or_else(Backend::detect);
    let kind = var("XDG_SESSION_TYPE").unwrap_or_else(|| "unknown".into());
    let desktop = var("XDG_CURRENT_DESKTOP").unwrap_or_else(|| "unknown desktop".into());
    let how = match backend {
        Backend::X11 => format!(
            "the screen is read from the X server {}",
            var("DISPLAY").unwrap_or_else(|| "(DISPLAY unset)".into())
        ),
        Backend::Wayland => format!(
            "the screen is read through the desktop's ScreenCast portal on {}",
            var("WAYLAND_DISPLAY").unwrap_or_else(|| "(WAYLAND_DISPLAY unset)".into())
        ),
    };
    let forced = if forced.is_some() { " (--backend)" } else { "" };
    checks.push(if var("DISPLAY").is_none() && var("WAYLAND_DISPLAY").is_none() {
        Check::fail(
            "session",
            exit::DEVICE,
            format!("{kind} session ({desktop}), but neither DISPLAY nor WAYLAND_DISPLAY is set"),
            "run Clipnote inside your desktop session (a terminal opened there has them), or set DISPLAY to a running X server",
        )
    } else {
        Check::ok(
            "session",
            format!("{kind} session ({desktop}); backend {backend}{forced}: {how}"),
        )
    });
    backend
}

/// One frame from the screen, as a recording's first would be (`screen`).
pub fn screen(backend: Backend) -> Check {
    let tokens = crate::config::portal_tokens_path();
    match capture::screenshot(backend, tokens.as_deref()) {
        Ok(shot) => {
            let lit = shot
                .rgba
                .chunks_exact(4)
                .any(|px| px[0] > 8 || px[1] > 8 || px[2] > 8);
            if lit {
                Check::ok(
                    "screen",
                    format!("captured one {}×{} frame", shot.width, shot.height),
                )
            } else {
                Check::warn(
                    "screen",
                    format!(
                        "captured one {}×{} frame, but it is all black",
                        shot.width, shot.height
                    ),
                    "if the screen shows something, recordings will be black: on Wayland update xdg-desktop-portal and your desktop's portal backend; on X11 check that no screen locker covers the display",
                )
            }
        }
        Err(e) => Check::fail(
            "screen",
            exit::DEVICE,
            format!("cannot capture the screen through {backend}"),
            e.to_string(),
        ),
    }
}

/// The sound server (PulseAudio or PipeWire's pulse server) and its inputs (`sound`).
pub fn sound(checks: &mut Vec<Check>) -> Option<Vec<Microphone>> {
    let server = var("PULSE_SERVER").map_or_else(String::new, |s| format!(" at {s}"));
    match capture::mic::list() {
        Ok(mics) => {
            let inputs = mics.iter().filter(|m| !m.is_monitor).count();
            checks.push(Check::ok(
                "sound",
                format!(
                    "the sound server{server} answers: {inputs} microphone(s), {} output monitor(s)",
                    mics.len() - inputs
                ),
            ));
            Some(mics)
        }
        Err(e) => {
            let reason = match e {
                capture::CaptureError::MicrophoneUnavailable { reason, .. } => reason,
                other => other.to_string(),
            };
            checks.push(Check::fail(
                "sound",
                exit::DEVICE,
                format!("cannot reach the sound server{server}: {reason}"),
                "start PipeWire (`systemctl --user start pipewire pipewire-pulse wireplumber`) or PulseAudio (`pulseaudio --start`) and check with `pactl info`; or record without sound (`--mic none`)",
            ));
            None
        }
    }
}

/// The chosen microphone exists and has signal over a second (`microphone`).
pub fn microphone(mic: &Mic, mics: Option<&[Microphone]>) -> Check {
    let id = "microphone";
    let name = match mic {
        Mic::None => return Check::skip(id, "not checked: --mic none"),
        Mic::Named(n) => n.clone(),
        Mic::Default => "the default input".into(),
    };
    let Some(mics) = mics else {
        return Check::skip(id, "not checked: no sound server");
    };
    let known = match mic {
        Mic::Named(n) => mics.iter().find(|m| &m.name == n),
        _ => mics.iter().find(|m| m.is_default),
    };
    let Some(known) = known else {
        let available: Vec<&str> = mics.iter().map(|m| m.name.as_str()).collect();
        return Check::fail(
            id,
            exit::DEVICE,
            format!(
                "there is no microphone {name:?} (available: {})",
                available.join(", ")
            ),
            "choose one that `clipnote devices` lists (Record → Microphone in the app, `--mic NAME` here), or plug the microphone in",
        );
    };
    let label = format!("{} ({})", known.description, known.name);
    let (packets, peak, problem) = listen(mic);
    if let Some(problem) = problem {
        return Check::fail(
            id,
            exit::DEVICE,
            format!("cannot read {label}: {problem}"),
            "check that it is not in use exclusively by another program, or choose another",
        );
    }
    if packets == 0 {
        return Check::fail(
            id,
            exit::DEVICE,
            format!("{label} delivered no sound in {} s", OPEN_WAIT.as_secs()),
            "check the input in your desktop's sound settings (`pavucontrol`), or choose another",
        );
    }
    let db = 20.0 * f64::from(peak.max(1e-9)).log10();
    if peak < QUIET_PEAK {
        let what = if peak == 0.0 {
            "digital silence (every sample zero)".to_string()
        } else {
            format!("a peak of {db:.0} dBFS, below the -60 dBFS a room's noise reaches")
        };
        return Check::fail(
            id,
            exit::DEVICE,
            format!("no sound from {label}: {what} over one second"),
            "unmute the input and raise its level (`pavucontrol` → Input Devices), or choose another microphone; recordings from it would be silent",
        );
    }
    Check::ok(
        id,
        format!("{label} has signal: peak {db:.0} dBFS over one second"),
    )
}

/// Listens to `mic` for [`LISTEN`] once it delivers: (packets heard, peak, why it failed).
fn listen(mic: &Mic) -> (u32, f32, Option<String>) {
    let peak = Arc::new(AtomicU32::new(0));
    let packets = Arc::new(AtomicU32::new(0));
    let (p, n) = (peak.clone(), packets.clone());
    let meter = match capture::mic::MicMeter::start(mic, move |level| {
        p.fetch_max(level.to_bits(), Ordering::Relaxed);
        n.fetch_add(1, Ordering::Relaxed);
    }) {
        Ok(Some(meter)) => meter,
        Ok(None) => return (0, 0.0, None),
        Err(e) => return (0, 0.0, Some(e.to_string())),
    };
    let opened = Instant::now();
    let mut first = None;
    loop {
        std::thread::sleep(Duration::from_millis(20));
        if meter.problem().is_some() {
            break;
        }
        let heard = packets.load(Ordering::Relaxed);
        if heard > 0 && first.is_none() {
            // The first packets carry what the device buffered while opening: start afresh.
            first = Some(Instant::now());
            peak.store(0, Ordering::Relaxed);
        }
        match first {
            Some(t) if t.elapsed() >= LISTEN => break,
            None if opened.elapsed() >= OPEN_WAIT => break,
            _ => {}
        }
    }
    let problem = meter.problem();
    drop(meter);
    (
        packets.load(Ordering::Relaxed),
        // Non-negative floats order as their bits do.
        f32::from_bits(peak.load(Ordering::Relaxed)),
        problem,
    )
}

/// A short encode with the recording profile, decoded back (`encoder`).
pub fn encoder() -> Check {
    match capture::selftest::encode_and_read_back(&std::env::temp_dir()) {
        Ok(t) => Check::ok(
            "encoder",
            format!(
                "H.264 (libx264) + AAC: a {:.1} s {}×{} test clip encoded, played back and looked right",
                t.duration_secs, t.width, t.height
            ),
        ),
        Err(e) => Check::fail(
            "encoder",
            exit::FAILURE,
            format!("the test encode failed: {e}"),
            "install Debian's FFmpeg libraries (`sudo apt install libavcodec59 libavformat59`), which include libx264 and AAC",
        ),
    }
}
