//! A/V stimulus on Wayland: a black rectangle in the top-left corner of the Wayland world's
//! output, above every window (a wlr layer-shell overlay, so sway's tiling is left alone),
//! that turns white on [`Panel::flash`]. The flash says when the compositor drew it, by the
//! frame callback sway sends once the output's frame holding it is rendered (a millisecond
//! clock): what the screen showed, not when we asked. (Debian 12's sway sends no
//! presentation-time feedback from its headless output.)

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use wayland_client::protocol::wl_buffer::WlBuffer;
use wayland_client::protocol::wl_callback::{self, WlCallback};
use wayland_client::protocol::wl_compositor::WlCompositor;
use wayland_client::protocol::wl_registry::{self, WlRegistry};
use wayland_client::protocol::wl_shm::{self, WlShm};
use wayland_client::protocol::wl_shm_pool::WlShmPool;
use wayland_client::protocol::wl_surface::WlSurface;
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, delegate_noop};
use wayland_protocols_wlr::layer_shell::v1::client::zwlr_layer_shell_v1::{
    Layer, ZwlrLayerShellV1,
};
use wayland_protocols_wlr::layer_shell::v1::client::zwlr_layer_surface_v1::{
    self, Anchor, ZwlrLayerSurfaceV1,
};

use crate::world::WaylandWorld;

/// How long one wait for the compositor may take before the test says what it waited for.
const PATIENCE: Duration = Duration::from_secs(20);

/// What the compositor has told us.
#[derive(Default)]
struct State {
    compositor: Option<WlCompositor>,
    shm: Option<WlShm>,
    layer_shell: Option<ZwlrLayerShellV1>,
    configured: bool,
    /// When the frame holding the last commit was drawn (ms on sway's monotonic clock).
    drawn_ms: Option<u32>,
}

/// A rectangle above everything on the Wayland world's output, black until [`Panel::flash`].
pub struct Panel {
    conn: Connection,
    queue: EventQueue<State>,
    state: State,
    surface: WlSurface,
    _layer: ZwlrLayerSurfaceV1,
    white: WlBuffer,
    size: (i32, i32),
}

impl Panel {
    /// Shows a `width`×`height` black rectangle at the output's top-left corner, and waits
    /// until the compositor has shown it.
    pub fn show(world: &WaylandWorld, width: u32, height: u32) -> Self {
        let socket = UnixStream::connect(world.runtime_dir.join(&world.display))
            .expect("the Wayland world's compositor socket");
        // A compositor that never answers fails the test in words instead of hanging it.
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let conn = Connection::from_socket(socket).expect("a Wayland connection");
        let mut queue = conn.new_event_queue();
        let qh = queue.handle();
        conn.display().get_registry(&qh, ());
        let mut state = State::default();
        wait(
            &conn,
            &mut queue,
            &mut state,
            "the compositor's globals",
            |s| s.compositor.is_some() && s.shm.is_some() && s.layer_shell.is_some(),
        );
        let (compositor, shm, layer_shell) = (
            state.compositor.clone().unwrap(),
            state.shm.clone().unwrap(),
            state.layer_shell.clone().unwrap(),
        );

        let size = (width as i32, height as i32);
        let [black, white] = pixels(&shm, &qh, size);
        let surface = compositor.create_surface(&qh, ());
        let layer = layer_shell.get_layer_surface(
            &surface,
            None,
            Layer::Overlay,
            "clipnote-test-panel".into(),
            &qh,
            (),
        );
        layer.set_size(width, height);
        layer.set_anchor(Anchor::Top | Anchor::Left);
        layer.set_exclusive_zone(-1); // over whatever is there, moving nothing
        surface.commit();
        wait(
            &conn,
            &mut queue,
            &mut state,
            "the panel's configure",
            |s| s.configured,
        );
        let mut panel = Self {
            conn,
            queue,
            state,
            surface,
            _layer: layer,
            white,
            size,
        };
        panel.show_buffer(&black, "the black panel drawn");
        panel
    }

    /// Turns the panel white. Returns how long after this call the compositor drew it.
    pub fn flash(&mut self) -> Duration {
        let asked = monotonic_ms();
        let white = self.white.clone();
        let drawn = self.show_buffer(&white, "the white panel drawn");
        // Both on CLOCK_MONOTONIC in ms, sway's truncated to 32 bits.
        Duration::from_millis(u64::from(drawn.wrapping_sub(asked as u32)))
    }

    /// Attaches `buffer`, commits and waits until the compositor has drawn the frame holding
    /// it; returns when (ms on the monotonic clock, as the frame callback gives it).
    fn show_buffer(&mut self, buffer: &WlBuffer, what: &str) -> u32 {
        let qh = self.queue.handle();
        self.state.drawn_ms = None;
        self.surface.attach(Some(buffer), 0, 0);
        self.surface.damage_buffer(0, 0, self.size.0, self.size.1);
        self.surface.frame(&qh, ());
        self.surface.commit();
        wait(&self.conn, &mut self.queue, &mut self.state, what, |s| {
            s.drawn_ms.is_some()
        });
        self.state.drawn_ms.unwrap()
    }
}

/// CLOCK_MONOTONIC now, in ms (the clock sway stamps frame callbacks with).
fn monotonic_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000 + ts.tv_nsec as u64 / 1_000_000
}

/// Reads and handles the compositor's events until `done` holds.
fn wait(
    conn: &Connection,
    queue: &mut EventQueue<State>,
    state: &mut State,
    what: &str,
    done: impl Fn(&State) -> bool,
) {
    let started = Instant::now();
    conn.flush().expect("the compositor takes our requests");
    while !done(state) {
        assert!(
            started.elapsed() < PATIENCE,
            "the Wayland compositor never gave {what}"
        );
        queue.dispatch_pending(state).expect("events handled");
        if done(state) {
            break;
        }
        conn.flush().expect("the compositor takes our requests");
        if let Some(read) = queue.prepare_read() {
            match read.read() {
                Ok(_) => {}
                Err(wayland_client::backend::WaylandError::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => panic!("the Wayland connection failed waiting for {what}: {e}"),
            }
        }
    }
}

/// A black and a white buffer of `size`, in one shared-memory pool.
fn pixels(shm: &WlShm, qh: &QueueHandle<State>, size: (i32, i32)) -> [WlBuffer; 2] {
    let stride = size.0 * 4;
    let one = (stride * size.1) as usize;
    let mut file = tempfile_in_memory();
    file.write_all(&vec![0u8; one]).unwrap(); // XRGB black
    file.write_all(&vec![0xffu8; one]).unwrap(); // XRGB white
    file.flush().unwrap();
    let pool: WlShmPool =
        shm.create_pool(std::os::fd::AsFd::as_fd(&file), (one * 2) as i32, qh, ());
    let buffer = |at: usize| {
        pool.create_buffer(
            at as i32,
            size.0,
            size.1,
            stride,
            wl_shm::Format::Xrgb8888,
            qh,
            (),
        )
    };
    let buffers = [buffer(0), buffer(one)];
    pool.destroy();
    buffers
}

/// An anonymous file in memory (`memfd_create`), for the pixels the compositor reads.
fn tempfile_in_memory() -> std::fs::File {
    use std::os::fd::FromRawFd;
    // SAFETY: memfd_create with a NUL-terminated name; the fd is new and ours to own.
    let fd = unsafe { libc::memfd_create(c"clipnote-test-panel".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` is a valid file descriptor nothing else owns.
    unsafe { std::fs::File::from_raw_fd(fd) }
}

impl Dispatch<WlRegistry, ()> for State {
    fn event(
        state: &mut Self,
        registry: &WlRegistry,
        event: wl_registry::Event,
        _: &(),
        _: &Connection,
        qh: &QueueHandle<Self>,
    ) {
        if let wl_registry::Event::Global {
            name,
            interface,
            version,
        } = event
        {
            match interface.as_str() {
                "wl_compositor" => {
                    state.compositor = Some(registry.bind(name, version.min(4), qh, ()))
                }
                "wl_shm" => state.shm = Some(registry.bind(name, 1, qh, ())),
                "zwlr_layer_shell_v1" => {
                    state.layer_shell = Some(registry.bind(name, version.min(4), qh, ()));
                }
                _ => {}
            }
        }
    }
}

impl Dispatch<WlCallback, ()> for State {
    fn event(
        state: &mut Self,
        _: &WlCallback,
        event: wl_callback::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_callback::Event::Done { callback_data } = event {
            state.drawn_ms = Some(callback_data);
        }
    }
}

impl Dispatch<ZwlrLayerSurfaceV1, ()> for State {
    fn event(
        state: &mut Self,
        layer: &ZwlrLayerSurfaceV1,
        event: zwlr_layer_surface_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            zwlr_layer_surface_v1::Event::Configure { serial, .. } => {
                layer.ack_configure(serial);
                state.configured = true;
            }
            zwlr_layer_surface_v1::Event::Closed => panic!("the compositor closed the panel"),
            _ => {}
        }
    }
}

delegate_noop!(State: ignore WlCompositor);
delegate_noop!(State: ignore WlShm);
delegate_noop!(State: ignore WlShmPool);
delegate_noop!(State: ignore WlBuffer);
delegate_noop!(State: ignore WlSurface);
delegate_noop!(State: ignore ZwlrLayerShellV1);
