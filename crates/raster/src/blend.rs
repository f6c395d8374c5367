//! Gamma-aware coverage blending through per-colour-pair lookup tables.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::theme::Rgb;

/// RGBA pixel.
pub type Px = [u8; 4];

/// One colour pair's 256 blended pixels, indexed by coverage.
pub type Lut = [Px; 256];

fn to_linear() -> &'static [f32; 256] {
    static T: OnceLock<[f32; 256]> = OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|i| {
            let c = i as f32 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    })
}

fn to_srgb(l: f32) -> u8 {
    let l = l.clamp(0.0, 1.0);
    let c = if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    (c * 255.0).round() as u8
}

/// Relative luminance of an sRGB colour, 0-1.
pub fn luminance(c: Rgb) -> f32 {
    let t = to_linear();
    0.2126 * t[c[0] as usize] + 0.7152 * t[c[1] as usize] + 0.0722 * t[c[2] as usize]
}

/// Mixes two colours in linear light; `t` = 0 gives `a`, 1 gives `b`.
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let lin = to_linear();
    std::array::from_fn(|i| {
        let (x, y) = (lin[a[i] as usize], lin[b[i] as usize]);
        to_srgb(x + (y - x) * t)
    })
}

/// Builds the table for text colour `fg` over background `bg`.
///
/// Blending happens in linear light, which keeps stem weights even across colours; the coverage
/// curve is then nudged (thinner for light-on-dark, fuller for dark-on-light) so small text looks
/// like it does in native terminals rather than too bold or too faint.
pub fn build_lut(fg: Rgb, bg: Rgb) -> Lut {
    let lin = to_linear();
    let exponent = if luminance(fg) > luminance(bg) {
        1.2
    } else {
        0.8
    };
    std::array::from_fn(|a| {
        let t = (a as f32 / 255.0).powf(exponent);
        let mut px = [255u8; 4];
        for i in 0..3 {
            let (b, f) = (lin[bg[i] as usize], lin[fg[i] as usize]);
            px[i] = to_srgb(b + (f - b) * t);
        }
        px
    })
}

/// Lookup tables per (foreground, background) pair, built on first use.
#[derive(Default)]
pub struct LutCache {
    tables: HashMap<(Rgb, Rgb), Box<Lut>>,
}

impl LutCache {
    /// The table for the pair.
    pub fn get(&mut self, fg: Rgb, bg: Rgb) -> &Lut {
        self.tables
            .entry((fg, bg))
            .or_insert_with(|| Box::new(build_lut(fg, bg)))
    }
}
