//! Optional retro effects: scanlines, vignette (one precomputed mask) and afterglow (changed
//! rows fade out over a few hundred milliseconds). Applied only to rows being repainted.

use std::ops::Range;

use super::frame::{BPP, Plane};
use term::Cell;

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

/// What a grid row showed: its cells and the cursor's column on it (what the rasterizer drew).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShownRow {
    /// The cells, as the grid held them.
    pub cells: Vec<Cell>,
    /// The cursor's column, when it was on this row.
    pub cursor: Option<usize>,
}

/// What a row showed before it was replaced, and when. Kept as cells, not pixels, so no
/// frame need be kept: drawn when it first fades, and those pixels kept only while it does.
struct Ghost {
    born: f64,
    lent: Fading,
}

/// A fading ghost, lent to be drawn.
#[derive(Debug, Default)]
pub struct Fading {
    /// What the row showed.
    pub row: ShownRow,
    /// Its pixels as drawn at pixel row `at` (empty until drawn).
    pub pixels: Vec<u8>,
    /// The pixel row `pixels` start at.
    pub at: usize,
    /// How strong it still is, 1-256.
    pub strength: u16,
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

    /// Remembers what grid row `r` showed before it is repainted.
    pub fn capture(&mut self, r: usize, old: ShownRow, now: f64) {
        if !self.fx.afterglow || r >= self.ghosts.len() {
            return;
        }
        let lent = Fading {
            row: old,
            ..Fading::default()
        };
        self.ghosts[r] = Some(Ghost { born: now, lent });
    }

    /// Row `r`'s ghost at `now`, taken out to be drawn (then given back with
    /// [`put_back`](Self::put_back)); None once it has faded (it is then forgotten).
    pub fn take_ghost(&mut self, r: usize, now: f64) -> Option<Fading> {
        let g = self.ghosts.get_mut(r)?;
        let fade = 1.0 - (now - g.as_ref()?.born) / AFTERGLOW_SECS;
        if fade <= 0.0 {
            *g = None;
            return None;
        }
        let mut lent = std::mem::take(&mut g.as_mut()?.lent);
        lent.strength = ((fade.min(1.0) * 256.0) as u16).max(1);
        Some(lent)
    }

    /// Gives back a ghost [`take_ghost`](Self::take_ghost) lent.
    pub fn put_back(&mut self, r: usize, lent: Fading) {
        if let Some(Some(g)) = self.ghosts.get_mut(r) {
            g.lent = lent;
        }
    }

    /// Blends a ghost's pixels (`ghost`, drawn like the row) over pixel rows `ys` of `frame`,
    /// at strength `k` (1-256).
    pub fn blend(&self, frame: &mut Plane<'_>, ghost: &Plane<'_>, ys: Range<usize>, k: u16) {
        let width = frame.width();
        let light = self.light;
        for y in ys {
            let old = ghost.span(y, 0..width);
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
    }

    /// Rows with a ghost: still fading, or faded since the row was last drawn (it is drawn
    /// once more, clean, then forgotten).
    pub fn glowing(&self) -> impl Iterator<Item = usize> + '_ {
        self.ghosts
            .iter()
            .enumerate()
            .filter(|(_, g)| g.is_some())
            .map(|(r, _)| r)
    }

    /// Moves ghosts up with scrolled content.
    pub fn scroll(&mut self, rows: usize) {
        shift_up(&mut self.ghosts, rows);
    }

    /// Forgets all ghosts (full repaint).
    pub fn clear_ghosts(&mut self) {
        for g in &mut self.ghosts {
            *g = None;
        }
    }
}

/// Moves per-row state up `n` rows with scrolled content; the rows scrolled in start empty.
pub fn shift_up<T: Default>(rows: &mut [T], n: usize) {
    let n = n.min(rows.len());
    rows.rotate_left(n);
    let len = rows.len();
    rows[len - n..].fill_with(T::default);
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
        let old = ShownRow {
            cells: vec![
                Cell {
                    ch: 'x',
                    style: term::Style::PLAIN
                };
                3
            ],
            cursor: Some(1),
        };
        p.capture(0, old.clone(), 1.0);
        let lent = p.take_ghost(0, 1.1).expect("still glowing");
        assert_eq!(lent.row, old);
        let k = lent.strength;
        assert!((150..=190).contains(&k), "strength {k} after 0.1 s");
        p.put_back(0, lent);
        assert_eq!(p.glowing().collect::<Vec<_>>(), [0]);
        let (mut fresh, mut ghost) = (vec![10u8; 8], vec![250u8; 8]);
        p.blend(
            &mut Plane::new(&mut fresh, 2, 1),
            &Plane::new(&mut ghost, 2, 1),
            0..1,
            k,
        );
        assert!(fresh[0] > 100, "still glowing: {}", fresh[0]);
        let after = 1.0 + AFTERGLOW_SECS + 0.01;
        assert!(p.take_ghost(0, after).is_none(), "faded");
        assert_eq!(p.glowing().count(), 0, "forgotten once faded");
        // Light themes: ghosts darken instead.
        let mut light = Post::new(Effects::RETRO, true);
        light.ensure(2, 1, 1);
        let (mut fresh, mut ghost) = (vec![200u8; 8], vec![0u8; 8]);
        light.blend(
            &mut Plane::new(&mut fresh, 2, 1),
            &Plane::new(&mut ghost, 2, 1),
            0..1,
            128,
        );
        assert_eq!(fresh[0], 100);
    }
}
