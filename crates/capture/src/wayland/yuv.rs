//! The stream's 4-byte pixels (B, G, R, X in some order) to planar YUV 4:2:0, the encoder's
//! own format, two rows at a time: a picture kept as YUV takes 3 MB at 1080p instead of 8 MB,
//! and the recorder keeps several.
//!
//! BT.601 with limited range, as the encoder labels the video (SMPTE 170M, MPEG range). Each
//! 2×2 block of pixels shares one U and one V, from the block's average colour.

/// Where blue, green and red sit in a 4-byte pixel of the stream's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// B, G, R, X.
    Bgrx,
    /// R, G, B, X.
    Rgbx,
    /// X, R, G, B.
    Xrgb,
    /// X, B, G, R.
    Xbgr,
}

/// The bytes a YUV 4:2:0 picture of `width` × `height` (both even) takes.
pub fn picture_len(width: usize, height: usize) -> usize {
    width * height * 3 / 2
}

/// The Y, U and V planes of a picture `width` pixels wide, held one after the other in `data`.
pub struct Planes<'a> {
    y: &'a mut [u8],
    u: &'a mut [u8],
    v: &'a mut [u8],
    width: usize,
}

impl<'a> Planes<'a> {
    /// Splits `data` (see [`picture_len`]) into its planes.
    pub fn of(data: &'a mut [u8], width: usize, height: usize) -> Self {
        let (y, chroma) = data.split_at_mut(width * height);
        let (u, v) = chroma.split_at_mut(width * height / 4);
        Self { y, u, v, width }
    }

    /// Paints rows `from..` black (a picture cut short).
    pub fn black_from(&mut self, from: usize) {
        let from = from & !1;
        if let Some(y) = self.y.get_mut(from * self.width..) {
            y.fill(16);
        }
        let chroma = from / 2 * (self.width / 2);
        for plane in [&mut *self.u, &mut *self.v] {
            if let Some(c) = plane.get_mut(chroma..) {
                c.fill(128);
            }
        }
    }

    /// Converts pixels `x0..x0 + n` of the rows `row` (even) and `row + 1` from `top` and
    /// `bottom` (4 bytes a pixel, starting at `x0`), with `x0` and `n` even.
    pub fn convert(
        &mut self,
        row: usize,
        x0: usize,
        (top, bottom): (&[u8], &[u8]),
        order: ChannelOrder,
    ) {
        let w = self.width;
        let n = (top.len().min(bottom.len()) / 4).min(w.saturating_sub(x0)) & !1;
        let (above, below) = self.y[row * w..(row + 2) * w].split_at_mut(w);
        let chroma = row / 2 * (w / 2) + x0 / 2..row / 2 * (w / 2) + (x0 + n) / 2;
        let rows = (&top[..n * 4], &bottom[..n * 4]);
        let luma = (&mut above[x0..x0 + n], &mut below[x0..x0 + n]);
        let (u, v) = (&mut self.u[chroma.clone()], &mut self.v[chroma]);
        // One copy of the loop per channel order, so each is compiled with constant offsets.
        match order {
            ChannelOrder::Bgrx => blocks::<2, 1, 0>(rows, luma, u, v),
            ChannelOrder::Rgbx => blocks::<0, 1, 2>(rows, luma, u, v),
            ChannelOrder::Xrgb => blocks::<1, 2, 3>(rows, luma, u, v),
            ChannelOrder::Xbgr => blocks::<3, 2, 1>(rows, luma, u, v),
        }
    }
}

/// Converts two rows of 4-byte pixels, red, green and blue at bytes `R`, `G` and `B`.
#[inline(always)]
fn blocks<const R: usize, const G: usize, const B: usize>(
    (top, bottom): (&[u8], &[u8]),
    (above, below): (&mut [u8], &mut [u8]),
    u: &mut [u8],
    v: &mut [u8],
) {
    let luma = |p: &[u8]| -> (u8, [i32; 3]) {
        let (r, g, b) = (i32::from(p[R]), i32::from(p[G]), i32::from(p[B]));
        let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
        (y as u8, [r, g, b])
    };
    let pixels = top.chunks_exact(8).zip(bottom.chunks_exact(8));
    let lumas = above.chunks_exact_mut(2).zip(below.chunks_exact_mut(2));
    for (((t, b), (ya, yb)), (uu, vv)) in pixels.zip(lumas).zip(u.iter_mut().zip(v.iter_mut())) {
        let (y0, c0) = luma(&t[..4]);
        let (y1, c1) = luma(&t[4..]);
        let (y2, c2) = luma(&b[..4]);
        let (y3, c3) = luma(&b[4..]);
        (ya[0], ya[1], yb[0], yb[1]) = (y0, y1, y2, y3);
        let sum = |i: usize| c0[i] + c1[i] + c2[i] + c3[i];
        let (sr, sg, sb) = (sum(0), sum(1), sum(2));
        // The average of four pixels: the sums, with the final shift two bits longer.
        *uu = (((-38 * sr - 74 * sg + 112 * sb + 512) >> 10) + 128) as u8;
        *vv = (((112 * sr - 94 * sg - 18 * sb + 512) >> 10) + 128) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::{ChannelOrder, Planes, picture_len};

    const BGRX: ChannelOrder = ChannelOrder::Bgrx;

    /// A 2×2 picture of one colour (B, G, R, X), converted.
    fn one_colour(bgrx: [u8; 4], order: ChannelOrder) -> Vec<u8> {
        let row: Vec<u8> = [bgrx, bgrx].concat();
        let mut data = vec![0; picture_len(2, 2)];
        Planes::of(&mut data, 2, 2).convert(0, 0, (&row, &row), order);
        data
    }

    #[test]
    fn colours_land_on_bt601_limited_range_values() {
        // Y, Y, Y, Y, U, V
        assert_eq!(one_colour([0, 0, 0, 0], BGRX), [16, 16, 16, 16, 128, 128]);
        assert_eq!(
            one_colour([255, 255, 255, 0], BGRX),
            [235, 235, 235, 235, 128, 128]
        );
        assert_eq!(one_colour([0, 0, 255, 0], BGRX), [82, 82, 82, 82, 90, 240]);
        assert_eq!(
            one_colour([0, 255, 0, 0], BGRX),
            [144, 144, 144, 144, 54, 34]
        );
        assert_eq!(one_colour([255, 0, 0, 0], BGRX), [41, 41, 41, 41, 240, 110]);
        // The same blue, in the other orders the stream may send.
        let blue = [41, 41, 41, 41, 240, 110];
        assert_eq!(one_colour([0, 0, 255, 0], ChannelOrder::Rgbx), blue);
        assert_eq!(one_colour([0, 0, 0, 255], ChannelOrder::Xrgb), blue);
        assert_eq!(one_colour([0, 255, 0, 0], ChannelOrder::Xbgr), blue);
    }

    #[test]
    fn chroma_is_the_average_of_each_block_and_luma_each_pixel() {
        // Left column white, right column black.
        let row = [[255, 255, 255, 0], [0, 0, 0, 0]].concat();
        let mut data = vec![0; picture_len(2, 2)];
        Planes::of(&mut data, 2, 2).convert(0, 0, (&row, &row), BGRX);
        assert_eq!(data, [235, 16, 235, 16, 128, 128]);
    }

    #[test]
    fn a_part_of_two_rows_changes_only_its_own_pixels() {
        let (w, h) = (6, 4);
        let mut data = vec![0; picture_len(w, h)];
        let red = [[0u8, 0, 255, 0]; 2].concat();
        Planes::of(&mut data, w, h).convert(2, 2, (&red, &red), BGRX);
        let y: Vec<u8> = data[..w * h].to_vec();
        for (i, v) in y.iter().enumerate() {
            let (x, row) = (i % w, i / w);
            let inside = (2..4).contains(&x) && (2..4).contains(&row);
            assert_eq!(*v, if inside { 82 } else { 0 }, "Y at {x},{row}");
        }
        // U and V: one per block; the block at (1, 1) of a 3×2 grid.
        let (u, v) = data[w * h..].split_at(w * h / 4);
        assert_eq!(u, [0, 0, 0, 0, 90, 0]);
        assert_eq!(v, [0, 0, 0, 0, 240, 0]);
        Planes::of(&mut data, w, h).black_from(2);
        assert_eq!(&data[..2 * w], &[0; 12]);
        assert!(data[2 * w..w * h].iter().all(|b| *b == 16));
        assert_eq!(
            &data[w * h..],
            [0, 0, 0, 128, 128, 128, 0, 0, 0, 128, 128, 128]
        );
    }
}
