//! Turning the stream's pixels into the recording's pictures: cut the region out, put the
//! channels in B, G, R, X order, and scale back after a resize — for the whole picture
//! ([`copy_picture`]), or only for the rectangles the desktop says changed ([`copy_damage`]).

use pipewire::spa::param::video::VideoFormat;

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

/// Where blue, green and red sit in a 4-byte pixel of the stream's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// B, G, R, X: what the encoder takes; copied as it is.
    Bgrx,
    /// R, G, B, X.
    Rgbx,
    /// X, R, G, B.
    Xrgb,
    /// X, B, G, R.
    Xbgr,
}

impl ChannelOrder {
    pub fn of(format: VideoFormat) -> Self {
        match format {
            VideoFormat::RGBx | VideoFormat::RGBA => ChannelOrder::Rgbx,
            VideoFormat::xRGB => ChannelOrder::Xrgb,
            VideoFormat::xBGR => ChannelOrder::Xbgr,
            _ => ChannelOrder::Bgrx,
        }
    }

    fn bgrx(self, p: &[u8]) -> [u8; 4] {
        let [b, g, r] = match self {
            ChannelOrder::Bgrx => [p[0], p[1], p[2]],
            ChannelOrder::Rgbx => [p[2], p[1], p[0]],
            ChannelOrder::Xrgb => [p[3], p[2], p[1]],
            ChannelOrder::Xbgr => [p[1], p[2], p[3]],
        };
        [b, g, r, 255]
    }
}

/// Copies a run of pixels, putting the channels in B, G, R, X order.
fn convert_row(src: &[u8], order: ChannelOrder, dst: &mut [u8]) {
    if order == ChannelOrder::Bgrx {
        dst.copy_from_slice(src);
        return;
    }
    for (d, p) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
        d.copy_from_slice(&order.bgrx(p));
    }
}

/// Whether a picture of `area` is recorded at its own size (no scaling): the area's size but
/// for an odd last row or column, which the encoder drops anyway.
pub fn same_size(area: Crop, out: (u32, u32)) -> bool {
    (area.width & !1) == out.0 && (area.height & !1) == out.1
}

/// Copies `area` of a picture into `out` (width, height) as B, G, R, X, scaling (nearest
/// pixel) only when the area is not the output's size — after the stream was resized.
pub fn copy_picture(
    src: &[u8],
    stride: usize,
    area: Crop,
    order: ChannelOrder,
    out: (u32, u32),
    dst: &mut Vec<u8>,
) {
    let (ow, oh) = (out.0 as usize, out.1 as usize);
    // A reused buffer of the right size is overwritten, not cleared first (8 MB a frame).
    if dst.len() != ow * oh * 4 {
        dst.clear();
        dst.resize(ow * oh * 4, 0);
    }
    let same_size = same_size(area, out);
    for y in 0..oh {
        let sy = if same_size {
            y
        } else {
            y * area.height as usize / oh
        };
        let start = y * ow * 4;
        let row_start = (area.y as usize + sy) * stride + area.x as usize * 4;
        let row = src.get(row_start..).unwrap_or_default();
        let line = &mut dst[start..start + ow * 4];
        if same_size {
            match row.get(..ow * 4) {
                Some(s) => convert_row(s, order, line),
                // A short buffer: the rest is black rather than read past it.
                None => {
                    dst[start..].fill(0);
                    return;
                }
            }
            continue;
        }
        for (x, px) in line.chunks_exact_mut(4).enumerate() {
            let sx = x * area.width as usize / ow;
            match row.get(sx * 4..sx * 4 + 4) {
                Some(p) => px.copy_from_slice(&order.bgrx(p)),
                None => px.fill(0),
            }
        }
    }
}

/// Copies only the `damage` rectangles of a picture into `dst`, which holds the previous
/// picture of the same `area` at its own size (`out`, see [`same_size`]). Rectangles are cut
/// to the area: what lies outside it (or outside a short buffer) is left alone.
pub fn copy_damage(
    src: &[u8],
    stride: usize,
    area: Crop,
    order: ChannelOrder,
    damage: &[Rect],
    out: (u32, u32),
    dst: &mut [u8],
) {
    let (ow, oh) = (i64::from(out.0), i64::from(out.1));
    for r in damage {
        // The rectangle in the output's coordinates, cut to the output.
        let x0 = (i64::from(r.x) - i64::from(area.x)).max(0);
        let y0 = (i64::from(r.y) - i64::from(area.y)).max(0);
        let x1 = (i64::from(r.x) + i64::from(r.width) - i64::from(area.x)).min(ow);
        let y1 = (i64::from(r.y) + i64::from(r.height) - i64::from(area.y)).min(oh);
        if x0 >= x1 || y0 >= y1 {
            continue;
        }
        let (x0, x1) = (x0 as usize, x1 as usize);
        let len = (x1 - x0) * 4;
        for y in y0 as usize..y1 as usize {
            let from = (area.y as usize + y) * stride + (area.x as usize + x0) * 4;
            let Some(s) = src.get(from..from + len) else {
                break;
            };
            let to = (y * out.0 as usize + x0) * 4;
            if let Some(d) = dst.get_mut(to..to + len) {
                convert_row(s, order, d);
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::{ChannelOrder, Crop, Damage, Rect, copy_damage, copy_picture};

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

    /// A 4×2 picture whose pixel (x, y) is R = x, G = y, B = 9, in the given byte order.
    fn picture(order: ChannelOrder, stride: usize) -> Vec<u8> {
        let mut v = vec![0xEE; stride * 2];
        for y in 0..2u8 {
            for x in 0..4u8 {
                let p = match order {
                    ChannelOrder::Bgrx => [9, y, x, 0],
                    ChannelOrder::Rgbx => [x, y, 9, 0],
                    ChannelOrder::Xrgb => [0, x, y, 9],
                    ChannelOrder::Xbgr => [0, 9, y, x],
                };
                let at = usize::from(y) * stride + usize::from(x) * 4;
                v[at..at + 4].copy_from_slice(&p);
            }
        }
        v
    }

    #[test]
    fn every_channel_order_becomes_bgrx_and_padding_is_skipped() {
        let whole = crop(0, 0, 4, 2);
        for order in [
            ChannelOrder::Bgrx,
            ChannelOrder::Rgbx,
            ChannelOrder::Xrgb,
            ChannelOrder::Xbgr,
        ] {
            let mut out = Vec::new();
            copy_picture(&picture(order, 20), 20, whole, order, (4, 2), &mut out);
            assert_eq!(out.len(), 4 * 2 * 4, "{order:?}");
            // pixel (3, 1): B 9, G 1, R 3
            assert_eq!(&out[(4 + 3) * 4..(4 + 3) * 4 + 3], &[9, 1, 3], "{order:?}");
        }
    }

    #[test]
    fn a_region_is_cut_out_and_a_resized_stream_is_scaled_back() {
        let src = picture(ChannelOrder::Bgrx, 16);
        let mut out = Vec::new();
        let right_half = crop(2, 0, 2, 2);
        copy_picture(&src, 16, right_half, ChannelOrder::Bgrx, (2, 2), &mut out);
        assert_eq!(out[2], 2, "first pixel is x = 2");
        // The stream grew to 4×2 while the recording is 2×1: every other pixel is kept.
        let whole = crop(0, 0, 4, 2);
        copy_picture(&src, 16, whole, ChannelOrder::Bgrx, (2, 1), &mut out);
        assert_eq!(out.len(), 2 * 4);
        assert_eq!((out[2], out[6]), (0, 2));
    }

    #[test]
    fn a_short_buffer_leaves_black_instead_of_reading_past_it() {
        let whole = crop(0, 0, 4, 2);
        let mut out = Vec::new();
        copy_picture(&[1; 20], 16, whole, ChannelOrder::Bgrx, (4, 2), &mut out);
        assert_eq!(out.len(), 32);
        assert!(out[16..].iter().all(|b| *b == 0));
        // Also in a reused buffer that held another picture, scaled or not.
        let mut reused = vec![7; 32];
        copy_picture(&[1; 20], 16, whole, ChannelOrder::Bgrx, (4, 2), &mut reused);
        assert_eq!(reused, out);
        let mut reused = vec![7; 8];
        copy_picture(&[1; 4], 16, whole, ChannelOrder::Rgbx, (2, 1), &mut reused);
        assert_eq!(reused[4..], [0, 0, 0, 0]);
    }

    /// A picture of `h` rows of `stride` bytes whose every byte differs from its neighbours and
    /// from the same byte of a picture with another `seed`, so a misplaced copy shows.
    fn pattern(h: usize, stride: usize, seed: u8) -> Vec<u8> {
        (0..stride * h)
            .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
            .collect()
    }

    /// `before` with the copy of `damage` from `new`, checked pixel by pixel against whole
    /// copies: a pixel `inside(x, y)` comes from the new picture, every other from the old.
    fn check_damage(
        area: Crop,
        order: ChannelOrder,
        damage: &[Rect],
        inside: impl Fn(usize, usize) -> bool,
    ) {
        let (h, stride) = (6, 40); // 8 pixels a row, padded to 40 bytes
        let (old, new) = (pattern(h, stride, 0), pattern(h, stride, 100));
        let out = (area.width, area.height);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        copy_picture(&old, stride, area, order, out, &mut before);
        copy_picture(&new, stride, area, order, out, &mut after);
        let mut dst = before.clone();
        copy_damage(&new, stride, area, order, damage, out, &mut dst);
        for y in 0..out.1 as usize {
            for x in 0..out.0 as usize {
                let at = (y * out.0 as usize + x) * 4;
                let want = if inside(x, y) { &after } else { &before };
                assert_eq!(
                    &dst[at..at + 4],
                    &want[at..at + 4],
                    "{order:?} pixel {x},{y} of {area:?}"
                );
            }
        }
    }

    #[test]
    fn only_the_damaged_rectangles_are_copied_even_when_they_stick_out() {
        let whole = crop(0, 0, 8, 6);
        let damage = [
            rect(1, 1, 2, 2),
            // Past the right and bottom edges.
            rect(6, 4, 10, 10),
            // Starting before the top left corner: only pixel 0,0 is in the picture.
            rect(-3, -3, 4, 4),
            // Wholly outside.
            rect(50, 50, 3, 3),
        ];
        for order in [ChannelOrder::Bgrx, ChannelOrder::Rgbx, ChannelOrder::Xbgr] {
            check_damage(whole, order, &damage, |x, y| {
                ((1..3).contains(&x) && (1..3).contains(&y))
                    || (x >= 6 && y >= 4)
                    || (x, y) == (0, 0)
            });
        }
    }

    #[test]
    fn damage_in_a_region_lands_where_the_region_shows_it() {
        let region = crop(2, 1, 4, 4);
        let damage = [
            // Overlaps the region only at its top left pixel (2, 1).
            rect(0, 0, 3, 2),
            // Overlaps it only at its bottom right pixel (5, 4).
            rect(5, 4, 9, 9),
        ];
        check_damage(region, ChannelOrder::Bgrx, &damage, |x, y| {
            (x, y) == (0, 0) || (x, y) == (3, 3)
        });
        // Damage beside the region changes nothing in it.
        let beside = [rect(6, 0, 2, 6)];
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
