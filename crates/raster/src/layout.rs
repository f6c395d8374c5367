//! Sizing: font pixel size (fixed, or fitted the way a person sizes a terminal: so the lines
//! they watch fit), padding, HiDPI and pixel scale.

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

/// Columns the text must fit, when the font size is automatic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fit {
    /// Only the rows decide.
    #[default]
    Rows,
    /// Shrink the font (to at most [`SHRINK_ROWS`] times the rows) so lines this long fit
    /// one row; if they cannot, keep the rows and let them wrap.
    Lines(u32),
    /// Exactly this many columns, whatever the rows become.
    Columns(u32),
}

/// How far the font may shrink to fit a line: to this many times the configured rows.
pub const SHRINK_ROWS: u32 = 2;
/// Nor below this size in frame pixels, where text stops being readable.
pub const MIN_FIT_PX: f32 = 9.0;

/// Everything that decides cell size and padding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizing {
    /// Font size rule.
    pub font: FontSize,
    /// Rows on screen when the font size is automatic.
    pub rows: u32,
    /// Columns the text should fit, when the font size is automatic.
    pub fit: Fit,
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

    /// Font pixel size for a frame of this size.
    pub fn font_px(&self, faces: &Faces, width: usize, height: usize) -> f32 {
        let FontSize::Auto = self.font else {
            let FontSize::Px(px) = self.font else {
                unreachable!()
            };
            return ((px as f64 * self.scale) as f32).round().max(MIN_PX);
        };
        let pad = 2 * self.padding_px();
        let (w, h) = (width.saturating_sub(pad), height.saturating_sub(pad));
        let by_rows = |rows: u32| px_for_rows(faces, h, rows);
        match self.fit {
            Fit::Rows => by_rows(self.rows),
            Fit::Columns(cols) => px_for_columns(faces, w, cols),
            Fit::Lines(cols) => {
                let (base, fit) = (by_rows(self.rows), px_for_columns(faces, w, cols));
                if fit >= base {
                    base
                } else if fit >= by_rows(self.rows * SHRINK_ROWS).max(MIN_FIT_PX) {
                    fit
                } else {
                    base
                }
            }
        }
    }
}

/// The largest font whose cells stack `rows` times into `h` pixels.
fn px_for_rows(faces: &Faces, h: usize, rows: u32) -> f32 {
    let cell = h as f32 / rows.max(1) as f32;
    let hpp = faces.height_per_px();
    let mut px = (cell / hpp).floor();
    // Cell heights round up: step down until the rows really fit.
    while px > MIN_PX && (px * hpp).ceil() > cell {
        px -= 1.0;
    }
    px.clamp(MIN_PX, 512.0)
}

/// The largest font whose cells line up `cols` times in `w` pixels.
fn px_for_columns(faces: &Faces, w: usize, cols: u32) -> f32 {
    let cell = w as f32 / cols.max(1) as f32;
    let app = faces.advance_per_px();
    let mut px = (cell / app).floor() + 1.0;
    // Cell widths round to whole pixels: step down until the columns really fit.
    while px > MIN_PX && (px * app).round() > cell {
        px -= 1.0;
    }
    px.clamp(MIN_PX, 512.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FontSet;

    fn grid(fit: Fit, w: usize, h: usize) -> (usize, usize) {
        let s = Sizing {
            font: FontSize::Auto,
            rows: 40,
            fit,
            padding: 12.0,
            scale: 1.0,
        };
        let m = FontSet::bundled(s.font_px(&Faces::bundled(), w, h)).metrics();
        ((w - 24) / m.width, (h - 24) / m.height)
    }

    /// A person sizes the terminal so the lines they watch fit, unless the font would have to
    /// shrink to less than half the rows' size: then lines wrap.
    #[test]
    fn lines_fit_one_row_where_the_font_can_shrink_that_far() {
        for (w, h) in [(1920, 1080), (3840, 2160), (1280, 720)] {
            let (cols, rows) = grid(Fit::Lines(152), w, h);
            assert!(
                cols >= 152 && (40..80).contains(&rows),
                "{w}x{h}: {cols}x{rows}"
            );
            let (cols, rows) = grid(Fit::Lines(300), w, h);
            assert!(
                cols < 300 && rows <= 43,
                "{w}x{h}: a 300-column line wraps ({cols}x{rows})"
            );
        }
        // Short lines keep the configured rows.
        let (_, rows) = grid(Fit::Lines(60), 1920, 1080);
        assert!((40..44).contains(&rows), "{rows}");
        let (cols, _) = grid(Fit::Columns(200), 1920, 1080);
        assert!(
            (200..225).contains(&cols),
            "at least the columns asked for: {cols}"
        );
    }

    #[test]
    fn auto_fits_the_requested_rows() {
        let faces = Faces::bundled();
        for (h, rows) in [(1080usize, 40u32), (720, 40), (2160, 40), (1080, 25)] {
            let s = Sizing {
                font: FontSize::Auto,
                rows,
                fit: Fit::Rows,
                padding: 12.0,
                scale: 1.0,
            };
            let px = s.font_px(&faces, h * 16 / 9, h);
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
            fit: Fit::Rows,
            padding: 12.0,
            scale: 2.0,
        };
        assert_eq!(s.font_px(&faces, 100, 100), 32.0);
        assert_eq!(s.padding_px(), 24);
        assert_eq!(PixelScale::Auto.factor(3840), 2);
        assert_eq!(PixelScale::Auto.factor(1920), 1);
        assert_eq!(PixelScale::Fixed(3).factor(1920), 3);
    }
}
