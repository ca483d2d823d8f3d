//! The X11 display: its screens and windows, and turning a [`Source`] into a grab area.
//!
//! Pixels are grabbed by FFmpeg's `x11grab` (XCB + MIT-SHM) in [`crate::screen`]; this module
//! only asks the X server what is there.

use x11rb::connection::Connection;
use x11rb::protocol::randr::ConnectionExt as _;
use x11rb::protocol::xproto::{self, AtomEnum, ConnectionExt as _, MapState};
use x11rb::rust_connection::RustConnection;

use crate::devices::{Screen, Window};
use crate::error::{CaptureError, Result};
use crate::settings::Source;

/// The area of the X screen to grab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrabArea {
    /// Grab this window's contents (x11grab `window_id`), else the root window.
    pub window: Option<u32>,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// A connection to the X server named by `DISPLAY`.
pub struct Display {
    name: String,
    conn: RustConnection,
    root: xproto::Window,
    root_width: u32,
    root_height: u32,
}

impl Display {
    pub fn open() -> Result<Self> {
        let name = std::env::var("DISPLAY").unwrap_or_default();
        if name.is_empty() {
            return Err(CaptureError::NoDisplay {
                display: name,
                reason: "DISPLAY is not set".into(),
            });
        }
        let (conn, screen_num) =
            x11rb::connect(Some(&name)).map_err(|e| CaptureError::NoDisplay {
                display: name.clone(),
                reason: e.to_string(),
            })?;
        let screen = &conn.setup().roots[screen_num];
        let (root, root_width, root_height) = (
            screen.root,
            u32::from(screen.width_in_pixels),
            u32::from(screen.height_in_pixels),
        );
        Ok(Self {
            name,
            conn,
            root,
            root_width,
            root_height,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn lost(&self, e: impl std::fmt::Display) -> CaptureError {
        CaptureError::NoDisplay {
            display: self.name.clone(),
            reason: format!("the X server stopped answering ({e})"),
        }
    }

    /// The monitors RandR reports, or the whole screen as one.
    pub fn screens(&self) -> Result<Vec<Screen>> {
        let monitors = self
            .conn
            .randr_get_monitors(self.root, true)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| r.monitors)
            .unwrap_or_default();
        if monitors.is_empty() {
            return Ok(vec![Screen {
                index: 0,
                name: "screen".into(),
                primary: true,
                x: 0,
                y: 0,
                width: self.root_width,
                height: self.root_height,
            }]);
        }
        Ok(monitors
            .iter()
            .enumerate()
            .map(|(index, m)| Screen {
                index,
                name: self
                    .atom_name(m.name)
                    .unwrap_or_else(|| format!("monitor-{index}")),
                primary: m.primary,
                x: i32::from(m.x),
                y: i32::from(m.y),
                width: u32::from(m.width),
                height: u32::from(m.height),
            })
            .collect())
    }

    fn atom_name(&self, atom: u32) -> Option<String> {
        let reply = self.conn.get_atom_name(atom).ok()?.reply().ok()?;
        String::from_utf8(reply.name).ok()
    }

    fn atom(&self, name: &str) -> Result<u32> {
        Ok(self
            .conn
            .intern_atom(false, name.as_bytes())
            .map_err(|e| self.lost(e))?
            .reply()
            .map_err(|e| self.lost(e))?
            .atom)
    }

    /// Top-level windows that are shown and have a title.
    pub fn windows(&self) -> Result<Vec<Window>> {
        let client_list = self.atom("_NET_CLIENT_LIST")?;
        let managed: Vec<u32> = self
            .conn
            .get_property(false, self.root, client_list, AtomEnum::WINDOW, 0, 4096)
            .map_err(|e| self.lost(e))?
            .reply()
            .ok()
            .and_then(|r| r.value32().map(Iterator::collect))
            .unwrap_or_default();
        let candidates = if managed.is_empty() {
            // No window manager: the root's children are the top-level windows.
            self.conn
                .query_tree(self.root)
                .map_err(|e| self.lost(e))?
                .reply()
                .map_err(|e| self.lost(e))?
                .children
        } else {
            managed
        };
        let mut windows = Vec::new();
        for id in candidates {
            if let Some(window) = self.describe(id)? {
                windows.push(window);
            }
        }
        Ok(windows)
    }

    fn describe(&self, id: u32) -> Result<Option<Window>> {
        let Some(attrs) = self
            .conn
            .get_window_attributes(id)
            .ok()
            .and_then(|c| c.reply().ok())
        else {
            return Ok(None); // gone meanwhile
        };
        if attrs.map_state != MapState::VIEWABLE {
            return Ok(None);
        }
        let Some(title) = self.title(id)? else {
            return Ok(None);
        };
        let Some(geometry) = self.conn.get_geometry(id).ok().and_then(|c| c.reply().ok()) else {
            return Ok(None);
        };
        let Some(origin) = self
            .conn
            .translate_coordinates(id, self.root, 0, 0)
            .ok()
            .and_then(|c| c.reply().ok())
        else {
            return Ok(None);
        };
        Ok(Some(Window {
            id,
            title,
            x: i32::from(origin.dst_x),
            y: i32::from(origin.dst_y),
            width: u32::from(geometry.width),
            height: u32::from(geometry.height),
        }))
    }

    fn title(&self, id: u32) -> Result<Option<String>> {
        let net_wm_name = self.atom("_NET_WM_NAME")?;
        let utf8 = self.atom("UTF8_STRING")?;
        for (property, kind) in [
            (net_wm_name, utf8),
            (AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()),
        ] {
            let value = self
                .conn
                .get_property(false, id, property, kind, 0, 1024)
                .ok()
                .and_then(|c| c.reply().ok())
                .map(|r| r.value)
                .unwrap_or_default();
            if !value.is_empty() {
                return Ok(Some(String::from_utf8_lossy(&value).into_owned()));
            }
        }
        Ok(None)
    }

    /// Turns what the user asked for into the area to grab, or a clear error.
    pub fn resolve(&self, source: &Source) -> Result<GrabArea> {
        let whole = GrabArea {
            window: None,
            x: 0,
            y: 0,
            width: self.root_width,
            height: self.root_height,
        };
        let area = match source {
            Source::WholeDisplay => whole,
            Source::Screen(index) => {
                let screens = self.screens()?;
                let s = screens.get(*index).ok_or(CaptureError::UnknownScreen {
                    index: *index,
                    available: screens.len(),
                })?;
                GrabArea {
                    window: None,
                    x: s.x,
                    y: s.y,
                    width: s.width,
                    height: s.height,
                }
            }
            Source::Window(query) => {
                let windows = self.windows()?;
                let window = pick_window(&windows, query)?;
                GrabArea {
                    window: Some(window.id),
                    x: 0,
                    y: 0,
                    width: window.width,
                    height: window.height,
                }
            }
            Source::Region {
                x,
                y,
                width,
                height,
            } => {
                let fits = *x >= 0
                    && *y >= 0
                    && *width >= 2
                    && *height >= 2
                    && (*x as u32).saturating_add(*width) <= self.root_width
                    && (*y as u32).saturating_add(*height) <= self.root_height;
                if !fits {
                    return Err(CaptureError::BadRegion(format!(
                        "the region {x},{y},{width},{height} does not fit on the {}x{} screen; give X,Y,W,H inside it, at least 2x2",
                        self.root_width, self.root_height
                    )));
                }
                GrabArea {
                    window: None,
                    x: *x,
                    y: *y,
                    width: *width,
                    height: *height,
                }
            }
        };
        // yuv420p needs even dimensions: drop the odd last row or column.
        Ok(GrabArea {
            width: area.width & !1,
            height: area.height & !1,
            ..area
        })
    }
}

/// Finds the window a `--window` argument names: an id (decimal or 0x-hex) or a title part.
pub fn pick_window<'a>(windows: &'a [Window], query: &str) -> Result<&'a Window> {
    let id = query
        .strip_prefix("0x")
        .map(|hex| u32::from_str_radix(hex, 16))
        .unwrap_or_else(|| query.parse());
    if let Ok(id) = id {
        return windows
            .iter()
            .find(|w| w.id == id)
            .ok_or_else(|| CaptureError::UnknownWindow(format!("no window has the id {query}")));
    }
    let needle = query.to_lowercase();
    let matches: Vec<&Window> = windows
        .iter()
        .filter(|w| w.title.to_lowercase().contains(&needle))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(CaptureError::UnknownWindow(format!(
            "no window's title contains {query:?}"
        ))),
        many => Err(CaptureError::UnknownWindow(format!(
            "{} windows' titles contain {query:?} ({}); give more of the title or the window id",
            many.len(),
            many.iter()
                .map(|w| format!("{:#x} {:?}", w.id, w.title))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(id: u32, title: &str) -> Window {
        Window {
            id,
            title: title.into(),
            x: 0,
            y: 0,
            width: 100,
            height: 100,
        }
    }

    #[test]
    fn windows_are_picked_by_id_or_title() {
        let windows = [
            win(0x400001, "Terminal — vim"),
            win(77, "Firefox"),
            win(78, "Firefox Private"),
        ];
        assert_eq!(pick_window(&windows, "0x400001").unwrap().id, 0x400001);
        assert_eq!(pick_window(&windows, "77").unwrap().id, 77);
        assert_eq!(pick_window(&windows, "VIM").unwrap().id, 0x400001);
        let many = pick_window(&windows, "firefox").unwrap_err().to_string();
        assert!(
            many.contains("2 windows") && many.contains("0x4e"),
            "{many}"
        );
        let none = pick_window(&windows, "slack").unwrap_err().to_string();
        assert!(none.contains("clipnote devices"), "{none}");
        assert!(pick_window(&windows, "12345").is_err());
    }
}
