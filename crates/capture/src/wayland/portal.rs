//! The desktop's ScreenCast portal (`org.freedesktop.portal.ScreenCast`, through `ashpd`):
//! CreateSession → SelectSources → Start → OpenPipeWireRemote.
//!
//! The source is chosen once: the portal's restore token (persist mode "until revoked") is kept
//! per kind of source in a small file, so later recordings start without a dialog. A revoked or
//! stale token makes the desktop ask again; the new token replaces it.
//!
//! ```text
//! clipnote ── D-Bus ──▶ xdg-desktop-portal ──▶ its backend (gnome, kde, wlr)
//!    ▲                                              │ (dialog, or the remembered choice)
//!    └── PipeWire fd + node id ◀──────────────────┘
//! ```

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use ashpd::desktop::PersistMode;
use ashpd::desktop::Session;
use ashpd::desktop::screencast::{CursorMode, Screencast, SourceType};
use ashpd::enumflags2::BitFlags;

use crate::error::{CaptureError, Result};

/// What kind of source the desktop is asked for; restore tokens are kept per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Monitor,
    Window,
}

impl Kind {
    /// The kind of source the portal is asked for to record `source` (a region is cut from a
    /// monitor).
    pub fn of(source: &crate::settings::Source) -> Kind {
        use crate::settings::Source;
        match source {
            Source::Window(_) => Kind::Window,
            Source::WholeDisplay | Source::Screen(_) | Source::Region { .. } => Kind::Monitor,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Monitor => "monitor",
            Kind::Window => "window",
        }
    }

    fn source_type(self) -> SourceType {
        match self {
            Kind::Monitor => SourceType::Monitor,
            Kind::Window => SourceType::Window,
        }
    }
}

/// The stream the portal opened.
#[derive(Debug, Clone, Copy)]
pub struct StreamInfo {
    pub node_id: u32,
    /// Where the stream sits in the desktop's coordinates (monitors), when the portal says.
    pub position: Option<(i32, i32)>,
    /// Its size in desktop coordinates, when the portal says.
    pub size: Option<(i32, i32)>,
}

/// An open screencast session: the stream stays alive while this lives.
pub struct PortalSession {
    proxy: Screencast<'static>,
    session: Session<'static, Screencast<'static>>,
    pub stream: StreamInfo,
    /// The PipeWire connection the portal opened for us (not the default socket, which a
    /// sandbox does not have).
    pub remote: Option<OwnedFd>,
    /// True when the desktop was asked with no remembered choice (a dialog may have shown).
    pub asked_afresh: bool,
}

impl PortalSession {
    /// Opens a session for `kind`, reusing the remembered choice kept in `tokens` if any.
    pub fn open(kind: Kind, tokens: Option<&Path>) -> Result<Self> {
        let remembered = tokens.and_then(|path| TokenFile::read(path, kind.name()));
        let opened = match async_io::block_on(open_session(kind, remembered.as_deref())) {
            // The desktop refused the remembered choice (x-d-p checks a token's form before
            // its store; an unknown one makes it ask by itself): ask afresh, once.
            Err(CaptureError::Portal(why)) if remembered.is_some() => {
                tracing::warn!(
                    "wayland: the desktop refused the remembered choice ({why}); asking again"
                );
                async_io::block_on(open_session(kind, None))?
            }
            opened => opened?,
        };
        if let (Some(path), Some(token)) = (tokens, &opened.1)
            && let Err(e) = TokenFile::write(path, kind.name(), token)
        {
            tracing::warn!(path = %path.display(), "cannot keep the portal's restore token: {e}");
        }
        tracing::info!(
            node = opened.0.stream.node_id,
            remembered = remembered.is_some(),
            "wayland: the ScreenCast portal started a stream"
        );
        Ok(opened.0)
    }
}

impl Drop for PortalSession {
    fn drop(&mut self) {
        // Ends the stream on the desktop's side (its "sharing your screen" indicator goes off).
        if let Err(e) = async_io::block_on(self.session.close()) {
            tracing::debug!("closing the screencast session: {e}");
        }
        let _ = &self.proxy;
    }
}

/// Whether a ScreenCast portal answers on this session bus, and what it can share.
pub fn probe() -> Result<String> {
    async_io::block_on(async {
        let proxy = Screencast::new().await.map_err(portal_error)?;
        let types = proxy.available_source_types().await.map_err(portal_error)?;
        Ok(format!(
            "the desktop's ScreenCast portal (shares {}; the desktop asks which, once)",
            describe_types(types)
        ))
    })
}

/// Maps what the portal answered into what the user can act on.
fn portal_error(e: ashpd::Error) -> CaptureError {
    use ashpd::desktop::ResponseError;
    match e {
        ashpd::Error::Response(ResponseError::Cancelled) => CaptureError::Cancelled,
        ashpd::Error::PortalNotFound(_) => CaptureError::NoPortal {
            reason: "the desktop portal has no ScreenCast interface".into(),
        },
        ashpd::Error::Zbus(ref z) if is_missing_service(z) => CaptureError::NoPortal {
            reason: format!("no portal answers on the session bus ({e})"),
        },
        other => CaptureError::Portal(other.to_string()),
    }
}

fn is_missing_service(e: &ashpd::zbus::Error) -> bool {
    let text = e.to_string();
    text.contains("ServiceUnknown")
        || text.contains("NameHasNoOwner")
        || text.contains("UnknownMethod")
        || text.contains("UnknownInterface")
        || text.contains("was not provided by any .service files")
        || text.contains("DBUS_SESSION_BUS_ADDRESS")
        || text.contains("Address")
        || text.contains("No such file or directory")
        || text.contains("Connection refused")
}

async fn open_session(
    kind: Kind,
    restore_token: Option<&str>,
) -> Result<(PortalSession, Option<String>)> {
    let t0 = std::time::Instant::now();
    let step = |what: &str| tracing::debug!(elapsed = ?t0.elapsed(), "portal: {what}");
    let proxy = Screencast::new().await.map_err(portal_error)?;
    step("connected");
    let types = proxy.available_source_types().await.map_err(portal_error)?;
    if !types.contains(kind.source_type()) {
        return Err(CaptureError::Unsupported(format!(
            "this desktop's screen-sharing portal cannot share a single {} (it offers: {}); record a monitor or a region instead",
            kind.name(),
            describe_types(types)
        )));
    }
    // The pointer drawn into the picture by the desktop where it can; otherwise it is left out
    // rather than drawn wrongly.
    let cursor = match proxy.available_cursor_modes().await {
        Ok(modes) if modes.contains(CursorMode::Embedded) => CursorMode::Embedded,
        _ => CursorMode::Hidden,
    };
    step("asked what it offers");
    let session = proxy.create_session().await.map_err(portal_error)?;
    step("session created");
    proxy
        .select_sources(
            &session,
            cursor,
            kind.source_type().into(),
            false,
            restore_token,
            PersistMode::ExplicitlyRevoked,
        )
        .await
        .map_err(portal_error)?
        .response()
        .map_err(portal_error)?;
    step("sources selected");
    let started = proxy
        .start(&session, None)
        .await
        .map_err(portal_error)?
        .response()
        .map_err(portal_error)?;
    let Some(first) = started.streams().first() else {
        return Err(CaptureError::Portal(
            "the desktop started screen sharing with no stream".into(),
        ));
    };
    let stream = StreamInfo {
        node_id: first.pipe_wire_node_id(),
        position: first.position(),
        size: first.size(),
    };
    step("started");
    let new_token = started.restore_token().map(str::to_owned);
    // The portal connects to PipeWire for us: when it cannot, PipeWire is not running (or
    // refuses the portal), whatever the D-Bus error says.
    let remote =
        proxy
            .open_pipe_wire_remote(&session)
            .await
            .map_err(|e| CaptureError::NoPipeWire {
                reason: format!("the desktop portal could not open a PipeWire connection ({e})"),
            })?;
    step("PipeWire remote opened");
    Ok((
        PortalSession {
            proxy,
            session,
            stream,
            remote: Some(remote),
            asked_afresh: restore_token.is_none(),
        },
        new_token,
    ))
}

fn describe_types(types: BitFlags<SourceType>) -> String {
    let names: Vec<&str> = types
        .iter()
        .map(|t| match t {
            SourceType::Monitor => "monitors",
            SourceType::Window => "windows",
            SourceType::Virtual => "virtual screens",
        })
        .collect();
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// The remembered choices: one line per kind, `monitor <token>`.
/// The size the stream of `kind` had last time, kept beside its token.
pub fn remembered_size(path: &Path, kind: Kind) -> Option<(u32, u32)> {
    let text = TokenFile::read(path, &size_key(kind))?;
    let (w, h) = text.split_once('x')?;
    Some((w.parse().ok()?, h.parse().ok()?))
}

/// Keeps the size the stream of `kind` came at, for the next recording to expect.
pub fn remember_size(path: &Path, kind: Kind, (w, h): (u32, u32)) {
    if remembered_size(path, kind) == Some((w, h)) {
        return;
    }
    if let Err(e) = TokenFile::write(path, &size_key(kind), &format!("{w}x{h}")) {
        tracing::debug!(path = %path.display(), "cannot keep the stream's size: {e}");
    }
}

fn size_key(kind: Kind) -> String {
    format!("{}-size", kind.name())
}

/// Lines of `key value`: a restore token per kind of source (`monitor TOKEN`), and the size its
/// stream came at (`monitor-size 1920x1080`).
struct TokenFile;

impl TokenFile {
    fn read(path: &Path, key: &str) -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        text.lines().find_map(|line| {
            let (k, value) = line.split_once(' ')?;
            (k == key && !value.trim().is_empty()).then(|| value.trim().to_owned())
        })
    }

    fn write(path: &Path, key: &str, value: &str) -> std::io::Result<()> {
        let old = std::fs::read_to_string(path).unwrap_or_default();
        let mut text: String = old
            .lines()
            .filter(|line| line.split_once(' ').is_none_or(|(k, _)| k != key))
            .map(|line| format!("{line}\n"))
            .collect();
        text.push_str(&format!("{key} {value}\n"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = tmp_path(path);
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::{Kind, TokenFile, remember_size, remembered_size};

    #[test]
    fn tokens_and_sizes_are_kept_per_kind_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/portal-tokens");
        let (monitor, window) = (Kind::Monitor.name(), Kind::Window.name());
        assert_eq!(TokenFile::read(&path, monitor), None);
        TokenFile::write(&path, monitor, "m1").unwrap();
        TokenFile::write(&path, window, "w1").unwrap();
        TokenFile::write(&path, monitor, "m2").unwrap();
        assert_eq!(TokenFile::read(&path, monitor).as_deref(), Some("m2"));
        assert_eq!(TokenFile::read(&path, window).as_deref(), Some("w1"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");

        assert_eq!(remembered_size(&path, Kind::Monitor), None);
        remember_size(&path, Kind::Monitor, (1920, 1080));
        remember_size(&path, Kind::Monitor, (2560, 1440));
        assert_eq!(remembered_size(&path, Kind::Monitor), Some((2560, 1440)));
        assert_eq!(remembered_size(&path, Kind::Window), None);
        // The tokens are untouched by the sizes beside them.
        assert_eq!(TokenFile::read(&path, monitor).as_deref(), Some("m2"));
        assert_eq!(TokenFile::read(&path, window).as_deref(), Some("w1"));
    }
}
