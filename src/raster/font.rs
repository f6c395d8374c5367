//! Font loading, cell metrics and the glyph coverage cache.

use std::collections::HashMap;
use std::path::Path;

use fontdue::{Font, FontSettings};

/// The bundled regular face (DejaVu Sans Mono, Bitstream Vera licence in `fonts/`).
pub const BUNDLED_REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSansMono.ttf");
/// The bundled bold face.
pub const BUNDLED_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSansMono-Bold.ttf");

/// Why a font could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// The file could not be read.
    #[error("font file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The bytes are not a font fontdue can parse.
    #[error("font file {path}: not a usable TrueType/OpenType font ({reason})")]
    Parse {
        /// The file.
        path: String,
        /// What the parser said.
        reason: String,
    },
}

/// Integer cell geometry derived from the font's metrics at one pixel size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellMetrics {
    /// Cell width in pixels (the monospace advance, rounded).
    pub width: usize,
    /// Cell height in pixels (ascent + descent + line gap, rounded up).
    pub height: usize,
    /// Baseline offset from the cell top, on a whole pixel.
    pub baseline: usize,
}

/// A rasterized glyph: coverage mask and its placement relative to the cell's top-left corner.
#[derive(Debug, Clone)]
pub struct Glyph {
    /// Left edge relative to the cell.
    pub x: i32,
    /// Top edge relative to the cell.
    pub y: i32,
    /// Mask width.
    pub width: usize,
    /// Mask height.
    pub height: usize,
    /// Coverage 0-255, row-major.
    pub coverage: Vec<u8>,
}

/// Regular and bold faces at one pixel size, with their glyph cache.
pub struct FontSet {
    regular: Font,
    bold: Font,
    px: f32,
    metrics: CellMetrics,
    cache: HashMap<(char, bool), Glyph>,
    misses: u64,
}

fn parse(bytes: &[u8], what: &str) -> Result<Font, FontError> {
    Font::from_bytes(bytes, FontSettings::default()).map_err(|e| FontError::Parse {
        path: what.to_string(),
        reason: e.to_string(),
    })
}

impl FontSet {
    /// The bundled font at `px` pixels.
    pub fn bundled(px: f32) -> Self {
        let regular = parse(BUNDLED_REGULAR, "bundled").expect("bundled font parses");
        let bold = parse(BUNDLED_BOLD, "bundled").expect("bundled font parses");
        Self::from_fonts(regular, bold, px)
    }

    /// A user font file, used for both weights (bold text is drawn with the same face).
    pub fn from_file(path: &Path, px: f32) -> Result<Self, FontError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| FontError::Read {
            path: shown.clone(),
            source,
        })?;
        let regular = parse(&bytes, &shown)?;
        if regular.lookup_glyph_index('M') == 0 {
            return Err(FontError::Parse {
                path: shown,
                reason: "it has no Latin letters".into(),
            });
        }
        let bold = regular.clone();
        Ok(Self::from_fonts(regular, bold, px))
    }

    fn from_fonts(regular: Font, bold: Font, px: f32) -> Self {
        let px = px.round().max(4.0);
        let advance = regular.metrics('M', px).advance_width;
        let (ascent, descent, gap) = regular
            .horizontal_line_metrics(px)
            .map(|m| (m.ascent, m.descent, m.line_gap))
            .unwrap_or((px * 0.8, -px * 0.2, 0.0));
        let height = (ascent - descent + gap).ceil().max(1.0) as usize;
        // Split any line gap evenly above and below so text sits in the middle of the cell.
        let baseline = (ascent + gap / 2.0).round() as usize;
        let metrics = CellMetrics {
            width: advance.round().max(1.0) as usize,
            height,
            baseline: baseline.min(height),
        };
        let mut set = FontSet {
            regular,
            bold,
            px,
            metrics,
            cache: HashMap::new(),
            misses: 0,
        };
        set.prewarm();
        set
    }

    /// Rasterizes printable ASCII in both weights so steady state never misses the cache.
    fn prewarm(&mut self) {
        for c in ' '..='~' {
            self.glyph(c, false);
            self.glyph(c, true);
        }
        self.misses = 0;
    }

    /// Cell geometry.
    pub fn metrics(&self) -> CellMetrics {
        self.metrics
    }

    /// Pixel size the faces are rasterized at.
    pub fn px(&self) -> f32 {
        self.px
    }

    /// Cache misses (glyphs rasterized) since the last call.
    pub fn take_misses(&mut self) -> u64 {
        std::mem::take(&mut self.misses)
    }

    /// The cached glyph for a character, rasterizing it on first use.
    pub fn glyph(&mut self, c: char, bold: bool) -> &Glyph {
        let m = self.metrics;
        let (regular, bold_face, px) = (&self.regular, &self.bold, self.px);
        let misses = &mut self.misses;
        self.cache.entry((c, bold)).or_insert_with(|| {
            *misses += 1;
            let face = if bold { bold_face } else { regular };
            let (gm, coverage) = face.rasterize(c, px);
            Glyph {
                x: gm.xmin,
                y: m.baseline as i32 - (gm.height as i32 + gm.ymin),
                width: gm.width,
                height: gm.height,
                coverage,
            }
        })
    }
}
