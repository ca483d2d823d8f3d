//! The FFmpeg glue that depends on the FFmpeg version or needs `unsafe`, kept in one place.
//!
//! ffmpeg-next's API follows the FFmpeg found at build time (Debian 12 has 5.1); code that would
//! differ between versions lives here and nowhere else.

use std::ffi::{CStr, CString};
use std::sync::Once;

use ffmpeg_next as ffmpeg;
use ffmpeg_next::ffi;

/// Initialises FFmpeg and its devices once per process, with its own logging quietened.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg::init();
        ffmpeg::device::register_all();
        // Our errors say what failed; FFmpeg's own log lines would only confuse a user.
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
}

/// Opens an input device (`x11grab`, `pulse`, ...) with its options. `probe`: also read the
/// first packets to learn the stream (`avformat_find_stream_info`), which a device whose header
/// already says everything (x11grab) does not need.
pub fn open_device(
    format: &str,
    url: &str,
    options: &[(&str, String)],
    probe: bool,
) -> Result<ffmpeg::format::context::Input, ffmpeg::Error> {
    init();
    let name = CString::new(format).map_err(|_| ffmpeg::Error::InvalidData)?;
    // SAFETY: av_find_input_format takes a NUL-terminated name and returns a static or null.
    let fmt = unsafe { ffi::av_find_input_format(name.as_ptr()) };
    if fmt.is_null() {
        return Err(ffmpeg::Error::DemuxerNotFound);
    }
    let url = CString::new(url).map_err(|_| ffmpeg::Error::InvalidData)?;
    let mut dict = ffmpeg::Dictionary::new();
    for (k, v) in options {
        dict.set(k, v);
    }
    // Without `probe`, no `avformat_find_stream_info` (which `format::open_with` calls): it
    // would wait for a frame or two — time a hotkey press would spend before the first frame.
    // SAFETY: `ps` starts null and is set by avformat_open_input only on success (it frees
    // the context itself on failure); `opts` is disowned for the call and owned again after.
    unsafe {
        let mut ps = std::ptr::null_mut();
        let mut opts = dict.disown();
        let res = ffi::avformat_open_input(&mut ps, url.as_ptr(), fmt, &mut opts);
        drop(ffmpeg::Dictionary::own(opts));
        if res < 0 {
            return Err(ffmpeg::Error::from(res));
        }
        let input = ffmpeg::format::context::Input::wrap(ps);
        if probe {
            let res = ffi::avformat_find_stream_info(ps, std::ptr::null_mut());
            if res < 0 {
                return Err(ffmpeg::Error::from(res));
            }
        }
        Ok(input)
    }
}

/// One source a device reports: its name, description and whether it is the default.
#[derive(Debug, Clone)]
pub struct DeviceEntry {
    pub name: String,
    pub description: String,
    pub is_default: bool,
}

/// Lists the sources of an input device (for `pulse`: microphones and monitors).
pub fn list_device_sources(format: &str) -> Result<Vec<DeviceEntry>, ffmpeg::Error> {
    init();
    let name = CString::new(format).map_err(|_| ffmpeg::Error::InvalidData)?;
    // SAFETY: as in open_device; the list is freed before returning and the strings copied.
    unsafe {
        let fmt = ffi::av_find_input_format(name.as_ptr());
        if fmt.is_null() {
            return Err(ffmpeg::Error::DemuxerNotFound);
        }
        let mut list: *mut ffi::AVDeviceInfoList = std::ptr::null_mut();
        let ret = ffi::avdevice_list_input_sources(
            fmt as *mut _,
            std::ptr::null(),
            std::ptr::null_mut(),
            &mut list,
        );
        if ret < 0 {
            if !list.is_null() {
                ffi::avdevice_free_list_devices(&mut list);
            }
            return Err(ffmpeg::Error::from(ret));
        }
        let count = usize::try_from((*list).nb_devices).unwrap_or(0);
        let default = (*list).default_device;
        let text = |p: *const std::os::raw::c_char| {
            if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            }
        };
        let entries = (0..count)
            .map(|i| {
                let info = *(*list).devices.add(i);
                DeviceEntry {
                    name: text((*info).device_name),
                    description: text((*info).device_description),
                    is_default: i as i32 == default,
                }
            })
            .collect();
        ffi::avdevice_free_list_devices(&mut list);
        Ok(entries)
    }
}

/// Sets a mono layout on an audio encoder (the field differs between FFmpeg 5 and 7).
///
/// On FFmpeg 5 the legacy mask is set and `avcodec_open2` derives the new layout from it.
pub fn set_mono(encoder: &mut ffmpeg::codec::encoder::audio::Audio) {
    encoder.set_channel_layout(ffmpeg::ChannelLayout::MONO);
}

/// A swscale context that may move to another thread (it is used by one thread at a time).
pub struct Scaler(pub ffmpeg::software::scaling::Context);

// SAFETY: an SwsContext has no thread affinity; we never share it, only move it.
unsafe impl Send for Scaler {}

/// One plane of a picture: its bytes, `stride` bytes a row, `rows` rows.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    pub bytes: &'a [u8],
    pub stride: usize,
    pub rows: usize,
}

/// Converts a picture given as planes (one for packed BGR0, three for YUV420P: what the scaler
/// was made for) into `dst` with swscale, reading it in place.
pub fn scale_planes(
    scaler: &mut Scaler,
    src: &[Plane<'_>],
    src_height: u32,
    dst: &mut ffmpeg::frame::Video,
) -> Result<(), ffmpeg::Error> {
    let mut planes = [std::ptr::null(); 4];
    let mut strides = [0i32; 4];
    if src.is_empty() || src.len() > 4 || src[0].rows < src_height as usize {
        return Err(ffmpeg::Error::InvalidData);
    }
    for (i, p) in src.iter().enumerate() {
        if p.bytes.len() < p.stride * p.rows {
            return Err(ffmpeg::Error::InvalidData);
        }
        planes[i] = p.bytes.as_ptr();
        strides[i] = i32::try_from(p.stride).map_err(|_| ffmpeg::Error::InvalidData)?;
    }
    // SAFETY: each plane holds its rows of its stride (checked above), which is what the
    // scaler's input format reads for `src_height` rows; dst was allocated by FFmpeg for the
    // scaler's output format and size.
    let ret = unsafe {
        let out = dst.as_mut_ptr();
        ffi::sws_scale(
            scaler.0.as_mut_ptr(),
            planes.as_ptr(),
            strides.as_ptr(),
            0,
            src_height as i32,
            (*out).data.as_ptr(),
            (*out).linesize.as_ptr(),
        )
    };
    if ret < 0 {
        Err(ffmpeg::Error::from(ret))
    } else {
        Ok(())
    }
}

/// A picture of `format` at `size`, given as planes, as RGBA bytes: `width * 4` a row.
pub fn to_rgba(
    format: ffmpeg::format::Pixel,
    src: &[Plane<'_>],
    (width, height): (u32, u32),
) -> Result<Vec<u8>, ffmpeg::Error> {
    use ffmpeg::software::scaling;
    let mut scaler = Scaler(scaling::Context::get(
        format,
        width,
        height,
        ffmpeg::format::Pixel::RGBA,
        width,
        height,
        scaling::Flags::POINT,
    )?);
    let mut rgba = ffmpeg::frame::Video::new(ffmpeg::format::Pixel::RGBA, width, height);
    scale_planes(&mut scaler, src, height, &mut rgba)?;
    let (row, stride) = (width as usize * 4, rgba.stride(0));
    Ok(rgba
        .data(0)
        .chunks(stride)
        .take(height as usize)
        .flat_map(|line| &line[..row])
        .copied()
        .collect())
}

/// Flushes an output's I/O buffer to the file, so a crash loses nothing already muxed.
pub fn flush_output(output: &mut ffmpeg::format::context::Output) -> Result<(), ffmpeg::Error> {
    // SAFETY: the context is open for writing; pb is its I/O context (non-null for files).
    unsafe {
        let pb = (*output.as_mut_ptr()).pb;
        if pb.is_null() {
            return Ok(());
        }
        ffi::avio_flush(pb);
        match (*pb).error {
            0 => Ok(()),
            e => Err(ffmpeg::Error::from(e)),
        }
    }
}

/// Bytes written so far to an output.
pub fn output_position(output: &mut ffmpeg::format::context::Output) -> u64 {
    // SAFETY: as in flush_output.
    unsafe {
        let pb = (*output.as_mut_ptr()).pb;
        if pb.is_null() {
            0
        } else {
            u64::try_from(ffi::avio_seek(pb, 0, libc::SEEK_CUR)).unwrap_or(0)
        }
    }
}

/// The wall-clock time FFmpeg's devices stamp packets with, in microseconds.
pub fn wallclock_micros() -> i64 {
    // SAFETY: plain clock read.
    unsafe { ffi::av_gettime() }
}

/// The instant a device stamped a packet with (µs): `pulse` stamps the wall clock
/// (`av_gettime`), `x11grab` the wall clock or, in some FFmpeg versions, the monotonic clock
/// (`av_gettime_relative`). Whichever clock the stamp is a recent reading of is used; a stamp of
/// neither (or from the future) is taken as now.
pub fn instant_of_stamp(pts: i64) -> std::time::Instant {
    const RECENT_US: i64 = 10_000_000;
    let now = std::time::Instant::now();
    // SAFETY: plain clock read.
    let monotonic = unsafe { ffi::av_gettime_relative() };
    let age = [wallclock_micros(), monotonic]
        .into_iter()
        .map(|clock| clock.saturating_sub(pts))
        .find(|age| (0..RECENT_US).contains(age))
        .unwrap_or(0);
    now.checked_sub(std::time::Duration::from_micros(age as u64))
        .unwrap_or(now)
}

/// Whether an FFmpeg error is "no space left on device".
pub fn is_disk_full(e: &ffmpeg::Error) -> bool {
    matches!(e, ffmpeg::Error::Other { errno } if *errno == libc::ENOSPC)
}

/// The `abuffer` filter arguments describing a decoded audio frame.
pub fn abuffer_args(frame: &ffmpeg::frame::Audio, time_base: ffmpeg::Rational) -> String {
    let layout = if frame.channel_layout().is_empty() {
        ffmpeg::ChannelLayout::default(i32::from(frame.channels()))
    } else {
        frame.channel_layout()
    };
    format!(
        "time_base={}/{}:sample_rate={}:sample_fmt={}:channel_layout=0x{:x}",
        time_base.numerator(),
        time_base.denominator().max(1),
        frame.rate(),
        frame.format().name(),
        layout.bits()
    )
}
