//! Start at login: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/clipnote.desktop`
//! (`~/.config/autostart/`), which desktops run when the user logs in, so the global hotkey
//! works after a reboot. Off by default: the entry exists only once Settings turns it on.

use std::path::{Path, PathBuf};

/// The autostart entry of this user.
#[derive(Debug, Clone)]
pub struct Autostart {
    file: PathBuf,
}

impl Autostart {
    /// The entry in `dir`, or in the user's autostart folder; `None` with no home folder.
    pub fn new(dir: Option<PathBuf>) -> Option<Self> {
        let dir =
            dir.or_else(|| directories::BaseDirs::new().map(|b| b.config_dir().join("autostart")))?;
        Some(Self {
            file: dir.join("clipnote.desktop"),
        })
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Whether Clipnote starts at login.
    pub fn is_on(&self) -> bool {
        self.file.is_file()
    }

    /// Writes the entry (starting this program, by name when it is the `clipnote` on PATH) or
    /// removes it.
    pub fn set(&self, on: bool) -> Result<(), String> {
        let shown = self.file.display();
        if !on {
            return match std::fs::remove_file(&self.file) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("cannot remove {shown}: {e}; remove it by hand")),
            };
        }
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let program = crate::control::program();
        let exec = if program.contains(' ') {
            format!("\"{program}\"")
        } else {
            program
        };
        let entry = format!(
            "[Desktop Entry]\nType=Application\nName=Clipnote\n\
             Comment=Clipnote in the background, so its hotkey works from login\n\
             Exec={exec}\nIcon=clipnote\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
        );
        let tmp = self.file.with_extension("desktop.tmp");
        std::fs::write(&tmp, entry)
            .and_then(|()| std::fs::rename(&tmp, &self.file))
            .map_err(|e| format!("cannot write {shown}: {e}; check that the folder is yours"))
    }
}
