//! Which kind of desktop the screen is read from, chosen at run time.
//!
//! One build records both: X11 through FFmpeg's `x11grab`, Wayland through the desktop's
//! ScreenCast portal and the PipeWire stream it opens. The session decides unless the user
//! forces one (`--backend`).

use serde::Serialize;

/// A screen backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// An X server (`DISPLAY`), also XWayland.
    X11,
    /// A Wayland session: the `org.freedesktop.portal.ScreenCast` portal and PipeWire.
    Wayland,
}

impl Backend {
    /// Every backend, in the order `clipnote devices` lists them.
    pub const ALL: [Backend; 2] = [Backend::X11, Backend::Wayland];

    pub fn name(self) -> &'static str {
        match self {
            Backend::X11 => "x11",
            Backend::Wayland => "wayland",
        }
    }

    /// The backend this session calls for: Wayland when the session says it is Wayland (or only
    /// a Wayland display is there), X11 otherwise.
    pub fn detect() -> Backend {
        Self::detect_from(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    fn detect_from(var: impl Fn(&str) -> Option<String>) -> Backend {
        match var("XDG_SESSION_TYPE").as_deref() {
            Some("wayland") => return Backend::Wayland,
            Some("x11") => return Backend::X11,
            _ => {}
        }
        if var("WAYLAND_DISPLAY").is_some() && var("DISPLAY").is_none() {
            Backend::Wayland
        } else {
            Backend::X11
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x11" | "x" => Ok(Backend::X11),
            "wayland" => Ok(Backend::Wayland),
            other => Err(format!(
                "there is no screen backend {other:?}: choose x11 or wayland"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backend;

    fn detect(vars: &[(&str, &str)]) -> Backend {
        Backend::detect_from(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn the_session_picks_the_backend() {
        assert_eq!(
            detect(&[("XDG_SESSION_TYPE", "wayland"), ("DISPLAY", ":0")]),
            Backend::Wayland
        );
        assert_eq!(
            detect(&[
                ("XDG_SESSION_TYPE", "x11"),
                ("WAYLAND_DISPLAY", "wayland-0")
            ]),
            Backend::X11
        );
        assert_eq!(
            detect(&[("WAYLAND_DISPLAY", "wayland-0")]),
            Backend::Wayland
        );
        // XWayland alongside: the session type is unknown, so X11 (what the old build did).
        assert_eq!(
            detect(&[("WAYLAND_DISPLAY", "wayland-0"), ("DISPLAY", ":0")]),
            Backend::X11
        );
        assert_eq!(detect(&[]), Backend::X11);
    }

    #[test]
    fn names_parse_both_ways() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>(), Ok(b));
        }
        assert!(
            "mir"
                .parse::<Backend>()
                .unwrap_err()
                .contains("x11 or wayland")
        );
    }
}
