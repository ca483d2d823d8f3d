//! The desktop app (eframe, glow renderer): one module per screen — [`record`], [`hud`],
//! [`review`], [`inbox`] (Inbox and Watch), [`outbox`], [`settings`] — plus the app state
//! ([`app`]) and the workers it commands over bounded channels: [`recorder`] (capture),
//! [`player`] (decoding for review and watching), [`poster`] (trim, fit, outbox, network) and
//! [`inbox_worker`] (refresh, follow, download, posters). Workers wake the UI with `request_repaint`;
//! `App::logic` drains their channels, so the UI thread never waits on them. [`control`] answers
//! `clipnote toggle` on the control socket the same way.

pub mod app;
mod control;
mod draft;
mod draft_process;
mod fonts;
mod frame_times;
pub mod hotkey;
mod hud;
pub mod inbox;
pub mod inbox_search;
mod inbox_worker;
mod markdown;
mod notify;
mod outbox;
mod player;
mod portal;
pub mod poster;
pub mod prefs;
mod record;
mod recorder;
mod recovery;
pub mod region;
pub mod review;
mod review_text;
mod settings;
mod silence;
mod tighten;
pub mod transcript_pane;
pub mod watch;
mod worker;

pub use app::{App, Options, RecState, Screen};

use crate::cli::UserError;
use crate::exit;

/// The window's first size; later runs restore the placement the user left.
const WINDOW_SIZE: [f32; 2] = [1100.0, 720.0];

/// Opens the app and runs it until its window closes.
///
/// `CLIPNOTE_SCREEN=review` (record, review, inbox, watch, outbox, settings) opens on that
/// screen, `CLIPNOTE_REVIEW_CLIP=PATH` opens a clip for review (`CLIPNOTE_REVIEW_TO=REF` fills
/// in its destination), `CLIPNOTE_WATCH=ID` plays an inbox clip (an id as `clipnote inbox`
/// prints it) on the Watch screen, `CLIPNOTE_WINDOW_SIZE=1280x800` sizes
/// the window, `CLIPNOTE_COUNTDOWN=off` skips the 3-2-1 (screenshots and benchmarks use these).
/// `CLIPNOTE_START_RECORDING=1` begins a recording once the app is up (`clipnote toggle` sets it).
pub fn run() -> anyhow::Result<()> {
    match control::already_running() {
        Some(Ok(said)) => {
            eprintln!("{said}");
            return Ok(());
        }
        Some(Err(why)) => return Err(UserError::new(exit::APP, why).into()),
        None => {}
    }
    let mut options = Options::default();
    if let Some(screen) = std::env::var("CLIPNOTE_SCREEN")
        .ok()
        .filter(|s| !s.is_empty())
    {
        options.screen = Some(
            screen
                .parse()
                .map_err(|e: String| UserError::new(exit::USAGE, e))?,
        );
    }
    if let Ok(countdown) = std::env::var("CLIPNOTE_COUNTDOWN") {
        options.countdown = Some(!matches!(countdown.as_str(), "off" | "0" | "no"));
    }
    // `clipnote toggle` sets this when it starts the app to record.
    options.start_recording =
        std::env::var_os("CLIPNOTE_START_RECORDING").is_some_and(|v| v == "1");
    if let Some(id) = std::env::var("CLIPNOTE_WATCH")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        options.watch = Some(id.trim().to_owned());
    }
    if let Some(clip) = std::env::var_os("CLIPNOTE_REVIEW_CLIP").filter(|c| !c.is_empty()) {
        options.review_clip = Some(clip.into());
    }
    if let Ok(to) = std::env::var("CLIPNOTE_REVIEW_TO")
        && !to.trim().is_empty()
    {
        options.review_to = Some(to);
    }
    let size = std::env::var("CLIPNOTE_WINDOW_SIZE")
        .ok()
        .and_then(|s| {
            let (w, h) = s.split_once('x')?;
            Some([w.trim().parse().ok()?, h.trim().parse().ok()?])
        })
        .unwrap_or(WINDOW_SIZE);
    let persistence_path = crate::config::dir().ok().map(|d| d.join("app.ron"));
    let native = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Clipnote")
            .with_app_id("clipnote")
            .with_inner_size(size)
            .with_min_inner_size([760.0, 520.0]),
        persist_window: true,
        persistence_path,
        ..Default::default()
    };
    let mut native = native;
    if stale_wayland_display() {
        // WAYLAND_DISPLAY names no running compositor (a variable left over in an X11 session):
        // winit would refuse to start rather than use the X server DISPLAY names.
        tracing::info!("app: WAYLAND_DISPLAY has no compositor behind it; using X11");
        native.event_loop_builder = Some(Box::new(|builder| {
            use winit::platform::x11::EventLoopBuilderExtX11;
            builder.with_x11();
        }));
    }
    eframe::run_native(
        "Clipnote",
        native,
        Box::new(move |cc| Ok(Box::new(App::new(cc, options)))),
    )
    .map_err(|e| {
        UserError::new(
            exit::FAILURE,
            format!(
                "cannot open the Clipnote window: {e}. Run it inside a graphical session (DISPLAY or WAYLAND_DISPLAY set), or use a subcommand (see `clipnote --help`)"
            ),
        )
        .into()
    })
}

/// `WAYLAND_DISPLAY` is set but its socket is not there, while `DISPLAY` names an X server.
pub(crate) fn stale_wayland_display() -> bool {
    let Some(name) = std::env::var_os("WAYLAND_DISPLAY").filter(|n| !n.is_empty()) else {
        return false;
    };
    let socket = std::path::Path::new(&name);
    let path = if socket.is_absolute() {
        socket.to_path_buf()
    } else {
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(|dir| std::path::Path::new(&dir).join(socket))
            .unwrap_or_else(|| socket.to_path_buf())
    };
    !path.exists() && std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
}
