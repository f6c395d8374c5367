//! The RGBA frame every stage after the grid draws into, and the part of one a stage draws in.

use std::ops::Range;

/// Bytes per pixel of every frame (RGBA8).
pub const BPP: usize = 4;

/// Rows of a frame that moved up whole (a scroll), as a presenter that moves them itself
/// needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    /// What moved, where it was.
    pub src: crate::Rect,
    /// The row its top is at now.
    pub to: usize,
}

/// An owned RGBA frame, as written to PNG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// RGBA8 pixels, row-major.
    pub data: Vec<u8>,
}

impl Frame {
    /// A black frame.
    pub fn new(width: usize, height: usize) -> Self {
        Frame {
            width,
            height,
            data: vec![0; width * height * BPP],
        }
    }

    /// The pixel at (x, y).
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 4] {
        let i = (y * self.width + x) * BPP;
        [
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ]
    }
}

/// A rectangle of an RGBA buffer to draw in: `width` x `height` pixels whose rows lie `stride`
/// pixels apart (the terminal's part of a dashboard frame, or a whole frame), or a band of
/// such a rectangle's rows when only those are held (a presenter that keeps no frame).
pub struct Plane<'a> {
    data: &'a mut [u8],
    stride: usize,
    width: usize,
    height: usize,
    /// The first row `data` holds (0 unless this is a band).
    first: usize,
}

impl<'a> Plane<'a> {
    /// A whole `width` x `height` frame.
    pub fn new(data: &'a mut [u8], width: usize, height: usize) -> Self {
        assert_eq!(data.len(), width * height * BPP, "frame buffer size");
        Plane {
            data,
            stride: width,
            width,
            height,
            first: 0,
        }
    }

    /// Rows `rows` of a `width` x `height` frame, held in `data` (`rows.len()` whole rows);
    /// rows are addressed as in the whole frame and only these may be touched.
    pub fn band(data: &'a mut [u8], (width, height): (usize, usize), rows: Range<usize>) -> Self {
        assert!(rows.end <= height, "band below its frame");
        assert_eq!(data.len(), rows.len() * width * BPP, "band buffer size");
        Plane {
            data,
            stride: width,
            width,
            height,
            first: rows.start,
        }
    }

    /// The `width` x `height` pixels at (`x`, `y`) of a frame `stride` pixels wide.
    pub fn region(
        data: &'a mut [u8],
        stride: usize,
        (x, y): (usize, usize),
        width: usize,
        height: usize,
    ) -> Self {
        assert!(x + width <= stride, "region wider than its frame");
        let start = (y * stride + x) * BPP;
        let end = if height == 0 {
            start
        } else {
            ((y + height - 1) * stride + x + width) * BPP
        };
        Plane {
            data: &mut data[start..end],
            stride,
            width,
            height,
            first: 0,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The same pixels, borrowed again (to lend them to a callee and keep using them after).
    pub fn reborrow(&mut self) -> Plane<'_> {
        Plane {
            data: &mut *self.data,
            stride: self.stride,
            width: self.width,
            height: self.height,
            first: self.first,
        }
    }

    /// Pixels `xs` of row `y`.
    pub fn span(&self, y: usize, xs: Range<usize>) -> &[u8] {
        let at = (y - self.first) * self.stride;
        &self.data[(at + xs.start) * BPP..(at + xs.end) * BPP]
    }

    /// Pixels `xs` of row `y`, to change.
    pub fn span_mut(&mut self, y: usize, xs: Range<usize>) -> &mut [u8] {
        let at = (y - self.first) * self.stride;
        &mut self.data[(at + xs.start) * BPP..(at + xs.end) * BPP]
    }

    /// Row `y`, to change.
    pub fn row_mut(&mut self, y: usize) -> &mut [u8] {
        self.span_mut(y, 0..self.width)
    }

    /// Copies pixels `xs` of row `from` over the same pixels of row `to`.
    pub fn copy_span(&mut self, from: usize, to: usize, xs: Range<usize>) {
        let (from, to) = (from - self.first, to - self.first);
        let len = (xs.end - xs.start) * BPP;
        let src = (from * self.stride + xs.start) * BPP;
        self.data
            .copy_within(src..src + len, (to * self.stride + xs.start) * BPP);
    }

    /// Moves rows `rows` to start at row `to` (the rows in between are overwritten).
    pub fn move_rows(&mut self, rows: Range<usize>, to: usize) {
        if self.stride == self.width {
            // Contiguous rows: one copy.
            let (s, f) = (self.stride * BPP, self.first);
            self.data
                .copy_within((rows.start - f) * s..(rows.end - f) * s, (to - f) * s);
            return;
        }
        let w = self.width;
        if to <= rows.start {
            for (k, y) in rows.enumerate() {
                self.copy_span(y, to + k, 0..w);
            }
        } else {
            for (k, y) in rows.enumerate().rev() {
                self.copy_span(y, to + k, 0..w);
            }
        }
    }
}
