//! Optional retro effects: scanlines, vignette (one precomputed mask) and afterglow (changed
//! rows fade out over a few hundred milliseconds). Applied only to rows being repainted.

use std::ops::Range;

use super::frame::{BPP, Plane};

/// How long replaced text keeps glowing, seconds.
pub const AFTERGLOW_SECS: f64 = 0.35;

/// Which effects are on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Darken every other pixel row.
    pub scanlines: bool,
    /// Replaced text fades out instead of vanishing.
    pub afterglow: bool,
    /// Darken towards the corners.
    pub vignette: bool,
}

impl Effects {
    /// All off.
    pub const OFF: Effects = Effects {
        scanlines: false,
        afterglow: false,
        vignette: false,
    };
    /// All on (the phosphor and amber themes).
    pub const RETRO: Effects = Effects {
        scanlines: true,
        afterglow: true,
        vignette: true,
    };

    fn masked(&self) -> bool {
        self.scanlines || self.vignette
    }
}

/// Pixels a row showed before it was replaced, and when.
struct Ghost {
    pixels: Vec<u8>,
    born: f64,
}

/// Effect state for one frame size.
#[derive(Default)]
pub struct Post {
    fx: Effects,
    /// Per-pixel brightness 0-255 (255 unchanged), scanlines and vignette combined.
    mask: Vec<u8>,
    size: (usize, usize),
    ghosts: Vec<Option<Ghost>>,
    /// Light backgrounds: ghosts darken (min) instead of glowing (max).
    light: bool,
    /// Overall brightness 0-255 (255 normal), folded into the mask.
    brightness: u8,
}

impl Post {
    /// State for these effects; `light` when the theme's background is light.
    pub fn new(fx: Effects, light: bool) -> Post {
        Post {
            fx,
            light,
            brightness: 255,
            ..Post::default()
        }
    }

    /// Overall brightness (0-1).
    pub fn brightness(&self) -> f32 {
        f32::from(self.brightness) / 255.0
    }

    /// Sets overall brightness (0-1); true when it changed (everything must be repainted).
    pub fn set_brightness(&mut self, b: f32) -> bool {
        let v = (b.clamp(0.0, 1.0) * 255.0).round() as u8;
        if v == self.brightness {
            return false;
        }
        self.brightness = v;
        self.size = (0, 0); // rebuild the mask with the new level
        true
    }

    /// The effects in use.
    pub fn effects(&self) -> Effects {
        self.fx
    }

    /// Prepares for a frame size and grid height (rebuilding the mask on a new size).
    pub fn ensure(&mut self, width: usize, height: usize, rows: usize) {
        if self.ghosts.len() != rows {
            self.ghosts = (0..rows).map(|_| None).collect();
        }
        if !self.masked() || self.size == (width, height) {
            return;
        }
        self.size = (width, height);
        let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
        let norm = 1.0 / (cx * cx + cy * cy).max(1.0);
        self.mask = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let mut f = 1.0f32;
                if self.fx.scanlines && y % 2 == 1 {
                    f *= 0.72;
                }
                if self.fx.vignette {
                    let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                    f *= 1.0 - 0.45 * ((dx * dx + dy * dy) * norm).powf(1.5);
                }
                (f * self.brightness as f32).round() as u8
            })
            .collect();
    }

    fn masked(&self) -> bool {
        self.fx.masked() || self.brightness != 255
    }

    /// Whether content may be moved up by `px` pixel rows and stay correct under the mask.
    pub fn shift_ok(&self, px: usize) -> bool {
        !self.fx.vignette && (!self.fx.scanlines || px.is_multiple_of(2))
    }

    /// Darkens pixel rows `ys` by the mask.
    pub fn apply_mask(&self, frame: &mut Plane<'_>, ys: Range<usize>) {
        let width = frame.width();
        if !self.masked() || self.size != (width, frame.height()) {
            return;
        }
        for y in ys {
            let m = &self.mask[y * width..(y + 1) * width];
            for (p, &f) in frame.row_mut(y).chunks_exact_mut(BPP).zip(m) {
                if f != 255 {
                    for c in &mut p[..3] {
                        *c = ((*c as u16 * f as u16 + 127) / 255) as u8;
                    }
                }
            }
        }
    }

    /// Remembers what grid row `r` shows before it is repainted.
    pub fn capture(&mut self, r: usize, frame: &Plane<'_>, ys: Range<usize>, now: f64) {
        if !self.fx.afterglow || r >= self.ghosts.len() {
            return;
        }
        let width = frame.width();
        let mut pixels = Vec::with_capacity(ys.len() * width * BPP);
        for y in ys {
            pixels.extend_from_slice(frame.span(y, 0..width));
        }
        self.ghosts[r] = Some(Ghost { pixels, born: now });
    }

    /// Blends row `r`'s ghost over its fresh pixels; false once the ghost has faded.
    pub fn blend(&mut self, r: usize, frame: &mut Plane<'_>, ys: Range<usize>, now: f64) -> bool {
        let Some(Some(g)) = self.ghosts.get(r) else {
            return false;
        };
        let fade = 1.0 - (now - g.born) / AFTERGLOW_SECS;
        let width = frame.width();
        if fade <= 0.0 || g.pixels.len() != ys.len() * width * BPP {
            self.ghosts[r] = None;
            return false;
        }
        let k = (fade.clamp(0.0, 1.0) * 256.0) as u16;
        let light = self.light;
        let old_rows = g.pixels.chunks_exact(width * BPP);
        for (y, old) in ys.zip(old_rows) {
            for (p, &o) in frame.row_mut(y).iter_mut().zip(old) {
                // The ghost is pulled toward the fresh pixel as it fades.
                let ghost = ((o as u16 * k + *p as u16 * (256 - k)) >> 8) as u8;
                *p = if light {
                    (*p).min(ghost)
                } else {
                    (*p).max(ghost)
                };
            }
        }
        true
    }

    /// Rows whose ghosts are still visible at `now`.
    pub fn glowing(&self, now: f64) -> impl Iterator<Item = usize> + '_ {
        self.ghosts
            .iter()
            .enumerate()
            .filter(move |(_, g)| g.as_ref().is_some_and(|g| now - g.born < AFTERGLOW_SECS))
            .map(|(r, _)| r)
    }

    /// Moves ghosts up with scrolled content.
    pub fn scroll(&mut self, rows: usize) {
        let n = rows.min(self.ghosts.len());
        self.ghosts.rotate_left(n);
        let len = self.ghosts.len();
        for g in &mut self.ghosts[len - n..] {
            *g = None;
        }
    }

    /// Forgets all ghosts (full repaint).
    pub fn clear_ghosts(&mut self) {
        for g in &mut self.ghosts {
            *g = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_darkens_odd_rows_and_corners() {
        let mut p = Post::new(Effects::RETRO, false);
        p.ensure(100, 50, 2);
        let mut f = vec![200u8; 100 * 50 * 4];
        p.apply_mask(&mut Plane::new(&mut f, 100, 50), 0..50);
        let at = |x: usize, y: usize| f[(y * 100 + x) * 4];
        assert!(at(50, 24) > at(50, 25), "scanline on odd rows");
        assert!(at(0, 0) < at(50, 24), "corners darker than the centre");
        assert!(!p.shift_ok(2), "vignette forbids pixel shifts");
        let only_scan = Post::new(
            Effects {
                scanlines: true,
                ..Effects::OFF
            },
            false,
        );
        assert!(only_scan.shift_ok(18) && !only_scan.shift_ok(17));
    }

    #[test]
    fn ghosts_fade_out() {
        let mut p = Post::new(
            Effects {
                afterglow: true,
                ..Effects::OFF
            },
            false,
        );
        p.ensure(2, 1, 1);
        let mut old = vec![250u8; 8];
        p.capture(0, &Plane::new(&mut old, 2, 1), 0..1, 1.0);
        let mut fresh = vec![10u8; 8];
        assert!(p.blend(0, &mut Plane::new(&mut fresh, 2, 1), 0..1, 1.1));
        assert!(fresh[0] > 100, "still glowing: {}", fresh[0]);
        let mut later = vec![10u8; 8];
        let after = 1.0 + AFTERGLOW_SECS + 0.01;
        assert!(!p.blend(0, &mut Plane::new(&mut later, 2, 1), 0..1, after));
        assert_eq!(later[0], 10);
        assert_eq!(p.glowing(2.0).count(), 0);
    }
}
