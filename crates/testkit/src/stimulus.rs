//! The A/V sync tests' sound: a beep played into a null sink (whose monitor is the recorder's
//! microphone) through FFmpeg's `pulse` output, on PulseAudio or PipeWire's pulse server, with
//! a call at the instant its first sample is played (by the sink's own clock).

use std::ffi::CString;
use std::path::Path;
use std::time::{Duration, Instant};

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;

const RATE: i32 = 48_000;
const PACKET: usize = 480; // 10 ms

/// Plays silence into `sink` (on the pulse server `server`, else the one `PULSE_SERVER` names),
/// then a loud 1 kHz beep starting `beep_after` from now, and calls `at_onset` as soon as the
/// beep's first sample is being played (by the sink's own clock). `at_onset` shows the picture
/// and returns how long after it was called the picture showed. Returns how long after the
/// onset the picture showed: the play position is polled between writes, so the call is a few
/// ms late, by an amount the sink's clock tells exactly.
pub fn beep(
    server: Option<&str>,
    sink: &str,
    beep_after: Duration,
    beep_len: Duration,
    at_onset: impl FnOnce() -> Duration,
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
        let mut options = vec![
            ("device", sink),
            ("buffer_duration", "20"),
            ("stream_name", "beep"),
        ];
        options.extend(server.map(|s| ("server", s)));
        for (k, v) in options {
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
                    let shown = (at_onset.take().unwrap())();
                    late = Duration::from_secs_f64((dts - beep_start) as f64 / f64::from(RATE))
                        + shown;
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

/// How far a clip's sound is from its pictures, in ms (positive: the sound comes late): the
/// first white frame of the flash against the beep's first loud sample, the flash having
/// shown `flash_late` after the beep's onset.
pub fn av_offset_ms(clip: &Path, flash_late: Duration) -> f64 {
    let flash = crate::clip::frame_brightness(clip)
        .iter()
        .find(|(_, luma)| *luma > 128.0)
        .map(|(t, _)| *t)
        .expect("the flash is in the clip");
    let onset = crate::clip::audio_samples(clip)
        .iter()
        .position(|s| s.abs() > 0.4)
        .map(|i| i as f64 / f64::from(RATE))
        .expect("the beep is in the clip");
    let late_ms = flash_late.as_secs_f64() * 1000.0;
    let offset_ms = (onset - flash) * 1000.0 + late_ms;
    eprintln!(
        "A/V offset: beep at {onset:.3} s, flash at {flash:.3} s, shown {late_ms:.1} ms after \
         the onset: {offset_ms:+.1} ms"
    );
    offset_ms
}
