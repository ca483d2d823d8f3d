//! Turning the stream's pixels into the recording's pictures: cut the region out, convert to
//! YUV 4:2:0 ([`super::yuv`]), and scale back after a resize — for the whole picture
//! ([`copy_picture`]), or only for the rectangles the desktop says changed ([`copy_damage`]).

use pipewire::spa::param::video::VideoFormat;

pub use super::yuv::ChannelOrder;
use super::yuv::{self, Planes};

/// Where in the stream's picture to cut the recorded area from (region recordings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// A rectangle of the stream's picture the desktop says changed (`SPA_META_VideoDamage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// What changed in a picture, as far as the desktop says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// Everything, or the desktop does not say: the whole picture is copied.
    Whole,
    /// Only these rectangles (none of them covers the recorded area).
    Rects(Vec<Rect>),
}

impl Damage {
    /// The damage a buffer carries (`None`: no damage metadata) for the recorded `area`.
    pub fn of(rects: Option<Vec<Rect>>, area: Crop) -> Damage {
        match rects {
            // An empty list would mean "nothing changed", but the buffer came with new
            // pixels: trust the pixels (an unchanged picture is still skipped by the encoder).
            Some(rects) if !rects.is_empty() && !rects.iter().any(|r| r.covers(area)) => {
                Damage::Rects(rects)
            }
            _ => Damage::Whole,
        }
    }
}

impl Rect {
    fn covers(&self, area: Crop) -> bool {
        let (x, y) = (i64::from(self.x), i64::from(self.y));
        x <= i64::from(area.x)
            && y <= i64::from(area.y)
            && x + i64::from(self.width) >= i64::from(area.x) + i64::from(area.width)
            && y + i64::from(self.height) >= i64::from(area.y) + i64::from(area.height)
    }
}

/// Keeps a crop inside the picture (after a resize it may not fit any more).
pub fn clamp(c: Crop, width: u32, height: u32) -> Crop {
    let x = c.x.min(width.saturating_sub(2));
    let y = c.y.min(height.saturating_sub(2));
    Crop {
        x,
        y,
        width: c.width.min(width - x).max(2),
        height: c.height.min(height - y).max(2),
    }
}

impl ChannelOrder {
    /// The order of a stream format's bytes (BGRx for any it does not name).
    pub fn of(format: VideoFormat) -> Self {
        match format {
            VideoFormat::RGBx | VideoFormat::RGBA => ChannelOrder::Rgbx,
            VideoFormat::xRGB => ChannelOrder::Xrgb,
            VideoFormat::xBGR => ChannelOrder::Xbgr,
            _ => ChannelOrder::Bgrx,
        }
    }
}

/// Whether a picture of `area` is recorded at its own size (no scaling): the area's size but
/// for an odd last row or column, which the encoder drops anyway.
pub fn same_size(area: Crop, out: (u32, u32)) -> bool {
    (area.width & !1) == out.0 && (area.height & !1) == out.1
}

/// Copies `area` of a picture into `out` (width, height; even) as YUV 4:2:0 ([`yuv`]), scaling
/// (nearest pixel) only when the area is not the output's size — after the stream was resized.
pub fn copy_picture(
    src: &[u8],
    stride: usize,
    area: Crop,
    order: ChannelOrder,
    out: (u32, u32),
    dst: &mut Vec<u8>,
) {
    let (ow, oh) = (out.0 as usize, out.1 as usize);
    // A reused buffer of the right size is overwritten, not cleared first.
    if dst.len() != yuv::picture_len(ow, oh) {
        dst.clear();
        dst.resize(yuv::picture_len(ow, oh), 0);
    }
    let mut planes = Planes::of(dst, ow, oh);
    let same_size = same_size(area, out);
    let mut scaled = [Vec::new(), Vec::new()];
    for y in (0..oh).step_by(2) {
        let row = |y: usize| {
            let sy = if same_size {
                y
            } else {
                y * area.height as usize / oh
            };
            let from = (area.y as usize + sy) * stride + area.x as usize * 4;
            src.get(from..from + area.width as usize * 4)
        };
        // A short buffer: the rest is black rather than read past it.
        let (Some(top), Some(bottom)) = (row(y), row(y + 1)) else {
            planes.black_from(y);
            return;
        };
        if same_size {
            planes.convert(y, 0, (top, bottom), order);
            continue;
        }
        for (s, line) in scaled.iter_mut().zip([top, bottom]) {
            s.clear();
            s.extend((0..ow).flat_map(|x| {
                let sx = x * area.width as usize / ow * 4;
                [line[sx], line[sx + 1], line[sx + 2], line[sx + 3]]
            }));
        }
        planes.convert(y, 0, (&scaled[0], &scaled[1]), order);
    }
}

/// Copies only the `damage` rectangles of a picture into `dst`, which holds the previous
/// picture of the same `area` at its own size (`out`, see [`same_size`]). Rectangles are cut
/// to the area and grown to whole 2×2 blocks (which share their colour): what lies outside
/// them (or outside a short buffer) is left alone.
pub fn copy_damage(
    src: &[u8],
    stride: usize,
    area: Crop,
    order: ChannelOrder,
    damage: &[Rect],
    out: (u32, u32),
    dst: &mut [u8],
) {
    let (ow, oh) = (out.0 as usize, out.1 as usize);
    if dst.len() != yuv::picture_len(ow, oh) {
        return;
    }
    let mut planes = Planes::of(dst, ow, oh);
    for r in damage {
        // The rectangle in the output's coordinates, cut to the output, in whole blocks.
        let x0 = (i64::from(r.x) - i64::from(area.x)).max(0) as usize & !1;
        let y0 = (i64::from(r.y) - i64::from(area.y)).max(0) as usize & !1;
        let x1 = (i64::from(r.x) + i64::from(r.width) - i64::from(area.x)).max(0) as usize;
        let y1 = (i64::from(r.y) + i64::from(r.height) - i64::from(area.y)).max(0) as usize;
        let (x1, y1) = ((x1 + 1).min(ow) & !1, (y1 + 1).min(oh) & !1);
        if x0 >= x1 || y0 >= y1 {
            continue;
        }
        let len = (x1 - x0) * 4;
        let row = |y: usize| {
            let from = (area.y as usize + y) * stride + (area.x as usize + x0) * 4;
            src.get(from..from + len)
        };
        for y in (y0..y1).step_by(2) {
            let (Some(top), Some(bottom)) = (row(y), row(y + 1)) else {
                break;
            };
            planes.convert(y, x0, (top, bottom), order);
        }
    }
}
#[cfg(test)]
mod tests {
    use super::{ChannelOrder, Crop, Damage, Rect, copy_damage, copy_picture};
    use crate::wayland::yuv::picture_len;

    fn crop(x: u32, y: u32, width: u32, height: u32) -> Crop {
        Crop {
            x,
            y,
            width,
            height,
        }
    }

    fn rect(x: i32, y: i32, width: u32, height: u32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    const ORDERS: [ChannelOrder; 4] = [
        ChannelOrder::Bgrx,
        ChannelOrder::Rgbx,
        ChannelOrder::Xrgb,
        ChannelOrder::Xbgr,
    ];

    /// A picture of `h` rows of `stride` bytes whose pixel (x, y) has R = `f(x, y)`, G = 2R and
    /// B = 3R, in the given byte order; padding bytes are 0xEE.
    fn picture(
        order: ChannelOrder,
        stride: usize,
        h: usize,
        f: impl Fn(usize, usize) -> u8,
    ) -> Vec<u8> {
        let mut v = vec![0xEE; stride * h];
        for y in 0..h {
            for x in 0..(stride / 4) {
                let r = f(x, y);
                let (g, b) = (r.wrapping_mul(2), r.wrapping_mul(3));
                let p = match order {
                    ChannelOrder::Bgrx => [b, g, r, 0],
                    ChannelOrder::Rgbx => [r, g, b, 0],
                    ChannelOrder::Xrgb => [0, r, g, b],
                    ChannelOrder::Xbgr => [0, b, g, r],
                };
                v[y * stride + x * 4..y * stride + x * 4 + 4].copy_from_slice(&p);
            }
        }
        v
    }

    /// The left half black, the right half white, 4 pixels a row.
    fn halves(order: ChannelOrder, stride: usize, h: usize) -> Vec<u8> {
        picture(order, stride, h, |_, _| 0)
            .chunks(4)
            .enumerate()
            .flat_map(|(i, p)| {
                let x = i % (stride / 4);
                if (2..4).contains(&x) {
                    [255; 4]
                } else {
                    [p[0], p[1], p[2], p[3]]
                }
            })
            .collect()
    }

    #[test]
    fn every_channel_order_gives_the_same_picture_and_padding_is_skipped() {
        let whole = crop(0, 0, 4, 2);
        let mut want = Vec::new();
        let colours = |x: usize, y: usize| (x * 40 + y * 15) as u8;
        copy_picture(
            &picture(ChannelOrder::Bgrx, 16, 2, colours),
            16,
            whole,
            ChannelOrder::Bgrx,
            (4, 2),
            &mut want,
        );
        assert_eq!(want.len(), picture_len(4, 2));
        assert_ne!(want[0], want[3], "the pixels differ");
        for order in ORDERS {
            let mut out = Vec::new();
            copy_picture(
                &picture(order, 24, 2, colours),
                24,
                whole,
                order,
                (4, 2),
                &mut out,
            );
            assert_eq!(out, want, "{order:?}");
        }
        // White is 235 in limited range.
        let mut out = Vec::new();
        copy_picture(
            &halves(ChannelOrder::Rgbx, 16, 2),
            16,
            whole,
            ChannelOrder::Rgbx,
            (4, 2),
            &mut out,
        );
        assert_eq!(&out[..8], &[16, 16, 235, 235, 16, 16, 235, 235]);
    }

    #[test]
    fn a_region_is_cut_out_and_a_resized_stream_is_scaled_back() {
        let src = halves(ChannelOrder::Bgrx, 16, 4);
        let mut out = Vec::new();
        let right_half = crop(2, 0, 2, 2);
        copy_picture(&src, 16, right_half, ChannelOrder::Bgrx, (2, 2), &mut out);
        assert_eq!(out, [235, 235, 235, 235, 128, 128]);
        // The stream grew to 4×4 while the recording is 2×2: every other pixel is kept.
        let whole = crop(0, 0, 4, 4);
        copy_picture(&src, 16, whole, ChannelOrder::Bgrx, (2, 2), &mut out);
        assert_eq!(&out[..4], &[16, 235, 16, 235]);
    }

    #[test]
    fn a_short_buffer_leaves_black_instead_of_reading_past_it() {
        let whole = crop(0, 0, 4, 4);
        let mut out = Vec::new();
        copy_picture(&[255; 40], 16, whole, ChannelOrder::Bgrx, (4, 4), &mut out);
        assert_eq!(out.len(), picture_len(4, 4));
        assert_eq!(&out[..8], &[235; 8], "two whole rows");
        assert_eq!(&out[8..16], &[16; 8], "two black rows");
        assert_eq!(&out[16..], &[128; 8]);
        // Also in a reused buffer that held another picture, scaled or not.
        let mut reused = vec![7; out.len()];
        copy_picture(
            &[255; 40],
            16,
            whole,
            ChannelOrder::Bgrx,
            (4, 4),
            &mut reused,
        );
        assert_eq!(reused, out);
        let mut reused = vec![7; picture_len(2, 2)];
        copy_picture(
            &[255; 4],
            16,
            whole,
            ChannelOrder::Rgbx,
            (2, 2),
            &mut reused,
        );
        assert_eq!(reused, [16, 16, 16, 16, 128, 128]);
    }

    /// `before` with the copy of `damage` from `new`, checked pixel by pixel against whole
    /// copies: a pixel whose 2×2 block `inside(x, y)` says (in block coordinates) comes from the
    /// new picture, every other from the old; U and V likewise, one for each block.
    fn check_damage(
        area: Crop,
        order: ChannelOrder,
        damage: &[Rect],
        inside: impl Fn(usize, usize) -> bool,
    ) {
        let (h, stride) = (8, 40); // 8 pixels a row, padded to 40 bytes
        let old = picture(order, stride, h, |x, y| (x * 13 + y * 29) as u8);
        let new = picture(order, stride, h, |x, y| (x * 31 + y * 7 + 100) as u8);
        let out = (area.width, area.height);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        copy_picture(&old, stride, area, order, out, &mut before);
        copy_picture(&new, stride, area, order, out, &mut after);
        let mut dst = before.clone();
        copy_damage(&new, stride, area, order, damage, out, &mut dst);
        let (w, h) = (out.0 as usize, out.1 as usize);
        for y in 0..h {
            for x in 0..w {
                let at = y * w + x;
                let want = if inside(x / 2, y / 2) {
                    &after
                } else {
                    &before
                };
                assert_eq!(dst[at], want[at], "{order:?} Y at {x},{y} of {area:?}");
            }
        }
        let (bw, bh) = (w / 2, h / 2);
        for plane in 0..2 {
            for by in 0..bh {
                for bx in 0..bw {
                    let at = w * h + plane * bw * bh + by * bw + bx;
                    let want = if inside(bx, by) { &after } else { &before };
                    assert_eq!(
                        dst[at], want[at],
                        "{order:?} chroma {plane} at block {bx},{by}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_the_damaged_blocks_are_copied_even_when_they_stick_out() {
        let whole = crop(0, 0, 8, 8);
        let damage = [
            // Pixels 1..3: blocks 0 and 1 each way.
            rect(1, 1, 2, 2),
            // Past the right and bottom edges: from pixel 6, block 3.
            rect(6, 4, 10, 10),
            // Starting before the top left corner: only pixel 0,0 is in the picture.
            rect(-3, -3, 4, 4),
            // Wholly outside.
            rect(50, 50, 3, 3),
        ];
        for order in ORDERS {
            check_damage(whole, order, &damage, |bx, by| {
                (bx < 2 && by < 2) || (bx == 3 && by >= 2)
            });
        }
    }

    #[test]
    fn damage_in_a_region_lands_where_the_region_shows_it() {
        let region = crop(2, 2, 4, 4);
        let damage = [
            // Overlaps the region only at its top left pixel (2, 2): block 0,0.
            rect(0, 0, 3, 3),
            // Overlaps it only at its bottom right pixel (5, 5): block 1,1.
            rect(5, 5, 9, 9),
        ];
        check_damage(region, ChannelOrder::Bgrx, &damage, |bx, by| bx == by);
        // Damage beside the region changes nothing in it.
        let beside = [rect(6, 0, 2, 8)];
        check_damage(region, ChannelOrder::Rgbx, &beside, |_, _| false);
    }

    #[test]
    fn the_whole_picture_is_copied_when_the_damage_says_everything_or_nothing() {
        let screen = crop(0, 0, 1920, 1080);
        let all = rect(0, 0, 1920, 1080);
        let clock = rect(24, 24, 300, 60);
        assert_eq!(Damage::of(None, screen), Damage::Whole);
        assert_eq!(Damage::of(Some(vec![]), screen), Damage::Whole);
        assert_eq!(Damage::of(Some(vec![clock, all]), screen), Damage::Whole);
        assert_eq!(
            Damage::of(Some(vec![clock]), screen),
            Damage::Rects(vec![clock])
        );
        // A region inside the clock: all of it changed.
        let in_clock = crop(30, 30, 10, 10);
        assert_eq!(Damage::of(Some(vec![clock]), in_clock), Damage::Whole);
    }
}
