//! A second desktop portal beside the world's, on its own session bus, that cannot reach
//! PipeWire — what a user has when PipeWire is not running: `OpenPipeWireRemote` fails there.
//! Its wlr backend shares the world's sway, PipeWire and configuration, so CreateSession,
//! SelectSources and Start work as in the world; only the portal itself is told to look for
//! PipeWire where there is none.

use std::path::Path;
use std::process::Command;

use super::{
    PERMISSION_STORE, PORTAL, WaylandWorld, XDPW_NAME, bus_config, has_owner, list_names, write,
};
use crate::Result;
use crate::proc::Bg;

/// The PipeWire socket name the portal is given (in a folder with no socket at all).
const NO_SUCH_REMOTE: &str = "clipnote-test-no-pipewire";

pub(super) struct NoPipeWirePortal {
    /// The address of its session bus.
    pub bus: String,
    /// In start order, stopped in reverse.
    helpers: Vec<Bg>,
}

impl std::fmt::Debug for NoPipeWirePortal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoPipeWirePortal")
            .field("bus", &self.bus)
            .finish()
    }
}

impl Drop for NoPipeWirePortal {
    fn drop(&mut self) {
        while let Some(helper) = self.helpers.pop() {
            drop(helper);
        }
    }
}

impl NoPipeWirePortal {
    /// Starts its bus, permission store, wlr backend (`xdpw_binary` with the world's
    /// `xdpw_conf`) and portal (reading the world's `portals` folder); logs beside the world's,
    /// named `wl-*-no-pipewire.log`.
    pub(super) fn start(
        wl: &WaylandWorld,
        run_dir: &Path,
        xdpw_binary: &Path,
        xdpw_conf: &Path,
        portals: &Path,
    ) -> Result<NoPipeWirePortal> {
        let socket = wl.runtime_dir.join("bus-no-pipewire");
        let empty = run_dir.join("wl-no-pipewire");
        let services = empty.join("dbus-services");
        std::fs::create_dir_all(&services)
            .map_err(|e| crate::fail(format!("cannot create {}: {e}", services.display())))?;
        let conf = run_dir.join("wl-bus-no-pipewire.conf");
        write(&conf, &bus_config(&socket, &services))?;
        let bus = format!("unix:path={}", socket.display());
        let on_bus = |program: &str, log: &str| -> Result<Command> {
            let mut cmd = wl.helper(program, &format!("{log}-no-pipewire"))?;
            cmd.env("DBUS_SESSION_BUS_ADDRESS", &bus);
            Ok(cmd)
        };
        let mut me = NoPipeWirePortal {
            bus: bus.clone(),
            helpers: Vec::new(),
        };

        let mut dbus = Bg::spawn(
            "dbus-no-pipewire",
            on_bus("dbus-daemon", "dbus")?
                .arg(format!("--config-file={}", conf.display()))
                .arg("--nofork"),
        )?;
        wl.wait(&mut dbus, "the no-PipeWire portal's bus", || {
            socket.exists() && list_names(&bus).is_some()
        })?;
        me.helpers.push(dbus);
        let mut store = Bg::spawn(
            "permission-store-no-pipewire",
            &mut on_bus("/usr/libexec/xdg-permission-store", "permission-store")?,
        )?;
        let mut backend = Bg::spawn(
            "xdpw-no-pipewire",
            on_bus(&xdpw_binary.to_string_lossy(), "xdpw")?
                .args(["-l", "DEBUG", "-c"])
                .arg(xdpw_conf)
                .env("XDPW_PERSIST_MODE", "permanent"),
        )?;
        wl.wait(&mut store, "the no-PipeWire permission store", || {
            has_owner(&bus, PERMISSION_STORE)
        })?;
        wl.wait(&mut backend, "the no-PipeWire portal's backend", || {
            has_owner(&bus, XDPW_NAME)
        })?;
        me.helpers.extend([store, backend]);
        let mut portal = Bg::spawn(
            "xdg-desktop-portal-no-pipewire",
            on_bus("/usr/libexec/xdg-desktop-portal", "xdg-desktop-portal")?
                .env("XDG_DESKTOP_PORTAL_DIR", portals)
                .env("PIPEWIRE_RUNTIME_DIR", &empty)
                .env("PIPEWIRE_REMOTE", NO_SUCH_REMOTE)
                .arg("--verbose"),
        )?;
        wl.wait(&mut portal, "the no-PipeWire portal on its bus", || {
            has_owner(&bus, PORTAL)
        })?;
        me.helpers.push(portal);
        Ok(me)
    }
}
