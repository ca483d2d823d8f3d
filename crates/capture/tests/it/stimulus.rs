//! A/V stimulus for the sync test: a window that turns white at the instant a beep
//! (`testkit::stimulus::beep`) starts playing into the test world's null sink.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, WindowClass};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// A borderless window above everything, black until [`Panel::flash`].
pub struct Panel {
    conn: RustConnection,
    window: u32,
    white: u32,
}

impl Panel {
    pub fn show(x: i16, y: i16, width: u16, height: u16) -> Self {
        let (conn, screen_num) = x11rb::connect(None).expect("X server of the test world");
        let screen = conn.setup().roots[screen_num].clone();
        let window = conn.generate_id().unwrap();
        conn.create_window(
            screen.root_depth,
            window,
            screen.root,
            x,
            y,
            width,
            height,
            0,
            WindowClass::INPUT_OUTPUT,
            screen.root_visual,
            &CreateWindowAux::new()
                .background_pixel(screen.black_pixel)
                .override_redirect(1),
        )
        .unwrap();
        conn.map_window(window).unwrap();
        conn.sync().unwrap();
        Self {
            conn,
            window,
            white: screen.white_pixel,
        }
    }

    pub fn flash(&self) {
        use x11rb::protocol::xproto::ChangeWindowAttributesAux;
        self.conn
            .change_window_attributes(
                self.window,
                &ChangeWindowAttributesAux::new().background_pixel(self.white),
            )
            .unwrap();
        self.conn
            .clear_area(false, self.window, 0, 0, 0, 0)
            .unwrap();
        self.conn.sync().unwrap();
    }
}

impl Drop for Panel {
    fn drop(&mut self) {
        let _ = self.conn.destroy_window(self.window);
        let _ = self.conn.sync();
    }
}
