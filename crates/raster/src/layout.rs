//! Sizing: font pixel size (fixed or fitted to a number of rows), padding, HiDPI and pixel scale.

use super::font::Faces;

/// How big the text is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FontSize {
    /// Fit the font so the screen holds a number of rows.
    Auto,
    /// A fixed size in logical pixels.
    Px(f32),
}

/// Internal resolution divisor: the frame is rendered smaller and scaled up by the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelScale {
    /// 2 on screens wider than 2560 pixels, else 1.
    Auto,
    /// A fixed integer factor.
    Fixed(u32),
}

impl PixelScale {
    /// The factor for an output of this width.
    pub fn factor(self, width: usize) -> usize {
        match self {
            PixelScale::Auto if width > 2560 => 2,
            PixelScale::Auto => 1,
            PixelScale::Fixed(n) => n.max(1) as usize,
        }
    }
}

/// Everything that decides cell size and padding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizing {
    /// Font size rule.
    pub font: FontSize,
    /// Rows on screen when the font size is automatic.
    pub rows: u32,
    /// Padding around the text in logical pixels.
    pub padding: f32,
    /// Physical pixels per logical pixel of the frame being drawn (HiDPI / pixel scale).
    pub scale: f64,
}

/// Smallest font size ever used, whatever the window.
pub const MIN_PX: f32 = 6.0;

impl Sizing {
    /// Padding in frame pixels.
    pub fn padding_px(&self) -> usize {
        (self.padding as f64 * self.scale).round().max(0.0) as usize
    }

    /// Font pixel size for a frame of this height.
    pub fn font_px(&self, faces: &Faces, height: usize) -> f32 {
        match self.font {
            FontSize::Px(px) => ((px as f64 * self.scale) as f32).round().max(MIN_PX),
            FontSize::Auto => {
                let inner = height.saturating_sub(2 * self.padding_px()) as f32;
                let cell = inner / self.rows.max(1) as f32;
                let hpp = faces.height_per_px();
                let mut px = (cell / hpp).floor();
                // Cell heights round up: step down until the rows really fit.
                while px > MIN_PX && (px * hpp).ceil() > cell {
                    px -= 1.0;
                }
                px.clamp(MIN_PX, 512.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FontSet;

    #[test]
    fn auto_fits_the_requested_rows() {
        let faces = Faces::bundled();
        for (h, rows) in [(1080usize, 40u32), (720, 40), (2160, 40), (1080, 25)] {
            let s = Sizing {
                font: FontSize::Auto,
                rows,
                padding: 12.0,
                scale: 1.0,
            };
            let px = s.font_px(&faces, h);
            let cell = FontSet::bundled(px).metrics().height;
            let fit = (h - 24) / cell;
            assert!(
                fit >= rows as usize && fit <= rows as usize + 3,
                "{h}px: {fit} rows of {cell}px (px {px})"
            );
        }
    }

    #[test]
    fn fixed_sizes_follow_the_scale_factor() {
        let faces = Faces::bundled();
        let s = Sizing {
            font: FontSize::Px(16.0),
            rows: 40,
            padding: 12.0,
            scale: 2.0,
        };
        assert_eq!(s.font_px(&faces, 100), 32.0);
        assert_eq!(s.padding_px(), 24);
        assert_eq!(PixelScale::Auto.factor(3840), 2);
        assert_eq!(PixelScale::Auto.factor(1920), 1);
        assert_eq!(PixelScale::Fixed(3).factor(1920), 3);
    }
}
