//! A/V stimulus for the sync test: a window that turns white at the instant a beep starts
//! playing into the test world's null sink (whose monitor is the recorder's microphone).

use std::ffi::CString;
use std::time::{Duration, Instant};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;
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

const RATE: i32 = 48_000;
const PACKET: usize = 480; // 10 ms

/// Plays silence into `sink`, then a loud 1 kHz beep starting `beep_after` from now, and
/// calls `at_onset` as soon as the beep's first sample is being played (by the sink's own
/// clock). Returns how long after the onset that call came: the play position is polled
/// between writes, so the call is a few ms late, by an amount the sink's clock tells exactly.
pub fn beep(
    sink: &str,
    beep_after: Duration,
    beep_len: Duration,
    at_onset: impl FnOnce(),
) -> Duration {
    ffmpeg::device::register_all();
    // SAFETY: plain FFmpeg muxer set-up for the `pulse` output device (it opens no file).
    unsafe {
        let mut ctx: *mut ffi::AVFormatContext = std::ptr::null_mut();
        let fmt = CString::new("pulse").unwrap();
        let url = CString::new("clipnote-test-beep").unwrap();
        assert!(
            ffi::avformat_alloc_output_context2(
                &mut ctx,
                std::ptr::null_mut(),
                fmt.as_ptr(),
                url.as_ptr()
            ) >= 0
        );
        let st = ffi::avformat_new_stream(ctx, std::ptr::null());
        let par = (*st).codecpar;
        (*par).codec_type = ffi::AVMediaType::AVMEDIA_TYPE_AUDIO;
        (*par).codec_id = ffi::AVCodecID::AV_CODEC_ID_PCM_S16LE;
        (*par).sample_rate = RATE;
        ffi::av_channel_layout_default(&mut (*par).ch_layout, 1);
        (*st).time_base = ffi::AVRational { num: 1, den: RATE };
        let mut opts: *mut ffi::AVDictionary = std::ptr::null_mut();
        for (k, v) in [
            ("device", sink),
            ("buffer_duration", "20"),
            ("stream_name", "beep"),
        ] {
            let (k, v) = (CString::new(k).unwrap(), CString::new(v).unwrap());
            ffi::av_dict_set(&mut opts, k.as_ptr(), v.as_ptr(), 0);
        }
        assert!(
            ffi::avformat_write_header(ctx, &mut opts) >= 0,
            "pulse output opens"
        );
        ffi::av_dict_free(&mut opts);

        let beep_start = (beep_after.as_secs_f64() * f64::from(RATE)) as i64;
        let beep_end = beep_start + (beep_len.as_secs_f64() * f64::from(RATE)) as i64;
        let total = beep_end + i64::from(RATE) / 2;
        let mut at_onset = Some(at_onset);
        let mut late = Duration::ZERO;
        let mut written = 0i64;
        let started = Instant::now();
        while written < total {
            let mut samples = [0i16; PACKET];
            for (i, s) in samples.iter_mut().enumerate() {
                let n = written + i as i64;
                if (beep_start..beep_end).contains(&n) {
                    let t = n as f64 / f64::from(RATE);
                    *s = ((2.0 * std::f64::consts::PI * 1000.0 * t).sin() * 0.8 * 32767.0) as i16;
                }
            }
            let pkt = ffi::av_packet_alloc();
            assert!(ffi::av_new_packet(pkt, (PACKET * 2) as i32) >= 0);
            std::ptr::copy_nonoverlapping(samples.as_ptr() as *const u8, (*pkt).data, PACKET * 2);
            (*pkt).pts = written;
            (*pkt).dts = written;
            (*pkt).duration = PACKET as i64;
            assert!(ffi::av_write_frame(ctx, pkt) >= 0);
            let mut pkt = pkt;
            ffi::av_packet_free(&mut pkt);
            written += PACKET as i64;
            // Poll the sink's play position until the beep is audible, then call back. A
            // position that stops moving means the stream ran dry (PulseAudio pauses it until
            // enough is queued again): go back to writing rather than wait for it.
            let mut last = (i64::MIN, Instant::now());
            while at_onset.is_some() && written > beep_start {
                let (mut dts, mut wall) = (0i64, 0i64);
                ffi::av_get_output_timestamp(ctx, 0, &mut dts, &mut wall);
                if dts != last.0 {
                    last = (dts, Instant::now());
                }
                let stalled = last.1.elapsed() > Duration::from_millis(50);
                if dts >= beep_start {
                    (at_onset.take().unwrap())();
                    // The flash came between the two readings of the play position.
                    let before = dts;
                    ffi::av_get_output_timestamp(ctx, 0, &mut dts, &mut wall);
                    let at = (before + dts) as f64 / 2.0;
                    late = Duration::from_secs_f64((at - beep_start as f64) / f64::from(RATE));
                } else if written - dts > i64::from(RATE) / 50 && !stalled {
                    std::thread::sleep(Duration::from_millis(1));
                } else {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the sink stopped playing"
            );
        }
        ffi::av_write_trailer(ctx);
        ffi::avformat_free_context(ctx);
        late
    }
}
