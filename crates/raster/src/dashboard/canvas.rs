//! Drawing on part of a frame: rectangles, anti-aliased lines and text that is fitted, never
//! cut mid-character.

use crate::blend::{LutCache, mix};
use crate::font::FontSet;
use crate::frame::BPP;
use crate::theme::Rgb;

/// A rectangle in frame pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: usize,
    /// Top.
    pub y: usize,
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
}

impl Rect {
    /// Right edge (exclusive).
    pub fn right(&self) -> usize {
        self.x + self.w
    }

    /// Bottom edge (exclusive).
    pub fn bottom(&self) -> usize {
        self.y + self.h
    }

    /// The part of `self` inside `other`.
    pub fn intersect(&self, other: Rect) -> Rect {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let r = self.right().min(other.right());
        let b = self.bottom().min(other.bottom());
        Rect {
            x,
            y,
            w: r.saturating_sub(x),
            h: b.saturating_sub(y),
        }
    }

    /// The rectangle shrunk by `d` on every side.
    pub fn inset(&self, d: usize) -> Rect {
        Rect {
            x: self.x + d.min(self.w / 2),
            y: self.y + d.min(self.h / 2),
            w: self.w.saturating_sub(2 * d),
            h: self.h.saturating_sub(2 * d),
        }
    }
}

/// Pixels of a picture with a clip rectangle everything drawn stays inside.
pub struct Canvas<'a> {
    frame: &'a mut [u8],
    /// The rectangle of the picture `frame` holds (row-major, `held.w` pixels a row).
    held: Rect,
    clip: Rect,
}

impl<'a> Canvas<'a> {
    /// A canvas over `frame`, which holds rectangle `held` of the picture (the whole frame,
    /// or only the panels' part), that draws only inside `clip`.
    pub fn new(frame: &'a mut [u8], held: Rect, clip: Rect) -> Self {
        assert_eq!(frame.len(), held.w * held.h * BPP, "canvas buffer size");
        Canvas {
            frame,
            held,
            clip: clip.intersect(held),
        }
    }

    /// Where pixel (x, y) of the picture is in the buffer (it must be held).
    fn at(&self, x: usize, y: usize) -> usize {
        ((y - self.held.y) * self.held.w + x - self.held.x) * BPP
    }

    /// Fills a rectangle (clipped).
    pub fn fill(&mut self, r: Rect, c: Rgb) {
        let r = r.intersect(self.clip);
        let px = [c[0], c[1], c[2], 255];
        for y in r.y..r.bottom() {
            let (a, b) = (self.at(r.x, y), self.at(r.x, y) + r.w * BPP);
            let row = &mut self.frame[a..b];
            for p in row.chunks_exact_mut(BPP) {
                p.copy_from_slice(&px);
            }
        }
    }

    /// Blends colour `c` over pixel (x, y) with coverage `a` (0-1).
    pub fn plot(&mut self, x: i64, y: i64, c: Rgb, a: f32) {
        let k = self.clip;
        if x < k.x as i64 || y < k.y as i64 || x >= k.right() as i64 || y >= k.bottom() as i64 {
            return;
        }
        let i = self.at(x as usize, y as usize);
        let old = [self.frame[i], self.frame[i + 1], self.frame[i + 2]];
        let new = mix(old, c, a.clamp(0.0, 1.0));
        self.frame[i..i + 3].copy_from_slice(&new);
    }

    /// An anti-aliased line (Xiaolin Wu), so curves stay smooth at any slope.
    pub fn line(&mut self, (x0, y0): (f32, f32), (x1, y1): (f32, f32), c: Rgb) {
        let steep = (y1 - y0).abs() > (x1 - x0).abs();
        let (mut x0, mut y0, mut x1, mut y1) = if steep {
            (y0, x0, y1, x1)
        } else {
            (x0, y0, x1, y1)
        };
        if x0 > x1 {
            std::mem::swap(&mut x0, &mut x1);
            std::mem::swap(&mut y0, &mut y1);
        }
        let dx = x1 - x0;
        let grad = if dx.abs() < 1e-6 { 1.0 } else { (y1 - y0) / dx };
        let mut y = y0 + grad * (x0.round() - x0);
        for x in x0.round() as i64..=x1.round() as i64 {
            let f = y.floor();
            let frac = y - f;
            for (yy, a) in [(f as i64, 1.0 - frac), (f as i64 + 1, frac)] {
                if steep {
                    self.plot(yy, x, c, a);
                } else {
                    self.plot(x, yy, c, a);
                }
            }
            y += grad;
        }
    }

    /// A dotted vertical line.
    pub fn dotted_vline(&mut self, x: usize, ys: std::ops::Range<usize>, c: Rgb) {
        for y in ys.step_by(4) {
            self.fill(Rect { x, y, w: 1, h: 2 }, c);
        }
    }
}

/// Text in one face and size, with its glyph cache.
pub struct Pen {
    fonts: FontSet,
    luts: LutCache,
    /// Characters left out because their cell crossed the clip (text that overflowed).
    pub clipped: usize,
}

/// Marks text that did not fit.
const ELLIPSIS: char = '…';

impl Pen {
    /// A pen writing with these fonts.
    pub fn new(fonts: FontSet) -> Self {
        Pen {
            fonts,
            luts: LutCache::default(),
            clipped: 0,
        }
    }

    /// Character cell width in pixels.
    pub fn char_w(&self) -> usize {
        self.fonts.metrics().width
    }

    /// Line height in pixels.
    pub fn line_h(&self) -> usize {
        self.fonts.metrics().height
    }

    /// Width of `s` in pixels.
    pub fn width_of(&self, s: &str) -> usize {
        s.chars().count() * self.char_w()
    }

    /// Characters that fit in `w` pixels.
    pub fn fit(&self, w: usize) -> usize {
        w / self.char_w().max(1)
    }

    /// Writes `s` at (x, y) over background `bg`, within `max_w` pixels: text that does not
    /// fit ends in an ellipsis instead of being cut. Returns the x after the last character.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        cv: &mut Canvas<'_>,
        x: usize,
        y: usize,
        max_w: usize,
        s: &str,
        fg: Rgb,
        bg: Rgb,
        bold: bool,
    ) -> usize {
        let room = self.fit(max_w);
        let n = s.chars().count();
        let shown: String = if n <= room {
            s.to_string()
        } else if room == 0 {
            String::new()
        } else {
            s.chars().take(room - 1).chain([ELLIPSIS]).collect()
        };
        let cw = self.char_w();
        let mut x0 = x;
        for ch in shown.chars() {
            self.glyph(cv, ch, bold, fg, bg, x0, y);
            x0 += cw;
        }
        x0
    }

    /// Writes `s` so that it ends at `right` (clipped on the left if it must be).
    #[allow(clippy::too_many_arguments)]
    pub fn text_right(
        &mut self,
        cv: &mut Canvas<'_>,
        right: usize,
        y: usize,
        max_w: usize,
        s: &str,
        fg: Rgb,
        bg: Rgb,
    ) -> usize {
        let w = self.width_of(s).min(max_w);
        let x = right.saturating_sub(w);
        self.text(cv, x, y, w, s, fg, bg, false);
        x
    }

    #[allow(clippy::too_many_arguments)]
    fn glyph(
        &mut self,
        cv: &mut Canvas<'_>,
        ch: char,
        bold: bool,
        fg: Rgb,
        bg: Rgb,
        x0: usize,
        y0: usize,
    ) {
        if ch == ' ' {
            return;
        }
        let m = self.fonts.metrics();
        // A character is drawn only whole: a cell that crosses the clip is skipped.
        let k = cv.clip;
        if x0 < k.x || y0 < k.y || x0 + m.width > k.right() || y0 + m.height > k.bottom() {
            self.clipped += 1;
            return;
        }
        let g = self.fonts.glyph(ch, bold);
        let lut = self.luts.get(fg, bg);
        for gy in 0..g.height {
            let y = y0 as i64 + g.y as i64 + gy as i64;
            if y < y0 as i64 || y >= (y0 + m.height) as i64 {
                continue;
            }
            for gx in 0..g.width {
                let a = g.coverage[gy * g.width + gx];
                let x = x0 as i64 + g.x as i64 + gx as i64;
                if a == 0 || x < k.x as i64 || x >= k.right() as i64 {
                    continue;
                }
                let i = cv.at(x as usize, y as usize);
                cv.frame[i..i + BPP].copy_from_slice(&lut[a as usize]);
            }
        }
    }
}
