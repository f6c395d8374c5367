//! Font loading, cell metrics and the glyph coverage cache.

use std::collections::HashMap;
use std::sync::Arc;

use fontdue::{Font, FontSettings};

/// The bundled regular face: DejaVu Sans Mono cut down to the characters logs show and renamed
/// (`fonts/subset.py`; Bitstream Vera licence in `fonts/`). fontdue keeps every glyph's
/// outline in memory, so the full face would cost about 7 MB.
pub const BUNDLED_REGULAR: &[u8] = include_bytes!("../fonts/TrainsaverMono-Regular.ttf");
/// The bundled bold face.
pub const BUNDLED_BOLD: &[u8] = include_bytes!("../fonts/TrainsaverMono-Bold.ttf");

/// Why a font could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
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

/// Parsed regular and bold faces, shared by every size.
#[derive(Clone)]
pub struct Faces {
    regular: Arc<Font>,
    bold: Arc<Font>,
}

impl std::fmt::Debug for Faces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Faces")
    }
}

impl Faces {
    /// The bundled faces (a subset of DejaVu Sans Mono).
    pub fn bundled() -> Faces {
        let regular = parse(BUNDLED_REGULAR, "bundled").expect("bundled font parses");
        let bold = parse(BUNDLED_BOLD, "bundled").expect("bundled font parses");
        Faces {
            regular: Arc::new(regular),
            bold: Arc::new(bold),
        }
    }

    /// A user font from its bytes (`name` is shown in errors), used for both weights (bold
    /// text is drawn with the same face). Reading the file is the caller's business.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Faces, FontError> {
        let shown = name.to_string();
        let regular = parse(bytes, &shown)?;
        if regular.lookup_glyph_index('M') == 0 {
            return Err(FontError::Parse {
                path: shown,
                reason: "it has no Latin letters".into(),
            });
        }
        let regular = Arc::new(regular);
        Ok(Faces {
            bold: regular.clone(),
            regular,
        })
    }

    /// Cell height divided by pixel size (before rounding up), for fitting rows to a height.
    pub fn height_per_px(&self) -> f32 {
        self.regular
            .horizontal_line_metrics(100.0)
            .map_or(1.2, |m| (m.ascent - m.descent + m.line_gap) / 100.0)
    }

    /// Cell width divided by pixel size (before rounding), for fitting columns to a width.
    pub fn advance_per_px(&self) -> f32 {
        self.regular.metrics('M', 100.0).advance_width / 100.0
    }

    /// The faces at a pixel size, with an empty (pre-warmed) glyph cache.
    pub fn at(&self, px: f32) -> FontSet {
        FontSet::from_faces(self.clone(), px)
    }
}

/// Regular and bold faces at one pixel size, with their glyph cache.
pub struct FontSet {
    faces: Faces,
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
        Faces::bundled().at(px)
    }

    fn from_faces(faces: Faces, px: f32) -> Self {
        let px = px.round().max(4.0);
        let regular = &faces.regular;
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
            faces,
            px,
            metrics,
            cache: HashMap::new(),
            misses: 0,
        };
        set.prewarm();
        set
    }

    /// The faces this set rasterizes from.
    pub fn faces(&self) -> &Faces {
        &self.faces
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
        let (regular, bold_face, px) = (&self.faces.regular, &self.faces.bold, self.px);
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
