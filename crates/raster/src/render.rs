//! Draws a terminal grid into an RGBA frame, repainting only what changed.

use std::collections::HashMap;
use std::ops::Range;

use super::blend::{LutCache, luminance, mix};
use super::blocks::{CellRect, cell_rects};
use super::effects::{Effects, Post, ShownRow, shift_up};
use super::font::{CellMetrics, FontSet};
use super::frame::{BPP, Frame, Plane};
use super::layout::Sizing;
use super::theme::{Rgb, Theme};
use term::{Cell, Grid, Style};

/// What one render call did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderReport {
    /// Pixel row ranges that changed (what a presenter must upload).
    pub damaged: Vec<Range<usize>>,
    /// Pixel row ranges drawn afresh: `damaged` less what only moved (what a presenter that
    /// can move [`moved`](Self::moved) itself must upload).
    pub painted: Vec<Range<usize>>,
    /// Pixel rows moved up whole by a scroll, before the rows were painted.
    pub moved: Option<Moved>,
    /// Grid rows repainted.
    pub rows_painted: usize,
    /// Glyphs rasterized (cache misses) during this call.
    pub glyph_misses: u64,
    /// An effect is still animating: draw again soon even if nothing changes.
    pub animating: bool,
}

/// Pixel rows `rows` moved up to start at row `to` (a scroll).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    /// The rows that moved, where they were.
    pub rows: Range<usize>,
    /// Where the first of them is now.
    pub to: usize,
}

/// What a streamed render hands its presenter, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Rows moved up whole (a scroll): the presenter moves what it shows.
    Moved(Moved),
    /// Fresh pixels for whole frame-wide rows from row `y` down (RGBA).
    Rows {
        /// The first row.
        y: usize,
        /// `width * 4` bytes per row.
        pixels: &'a [u8],
    },
}

/// Where a render's pixels go: a kept frame, or a band handed on row by row.
trait Target {
    /// The frame rows `ys` are drawn in (the whole frame, or a band holding only them).
    fn rows(&mut self, ys: Range<usize>) -> Plane<'_>;
    /// Rows `ys` are drawn.
    fn done(&mut self, ys: Range<usize>);
    /// Rows move up (a scroll), before any row is drawn.
    fn shift(&mut self, m: Moved);
}

/// A kept frame, updated in place.
struct InPlace<'a>(Plane<'a>);

impl Target for InPlace<'_> {
    fn rows(&mut self, _: Range<usize>) -> Plane<'_> {
        self.0.reborrow()
    }

    fn done(&mut self, _: Range<usize>) {}

    fn shift(&mut self, m: Moved) {
        self.0.move_rows(m.rows, m.to);
    }
}

/// No frame: each piece goes to the presenter as it is made.
struct Streamed<'b, P, E> {
    band: &'b mut Vec<u8>,
    size: (usize, usize),
    put: P,
    failed: Option<E>,
}

impl<P: FnMut(Piece<'_>) -> Result<(), E>, E> Streamed<'_, P, E> {
    fn send(&mut self, piece: Piece<'_>) {
        if self.failed.is_none()
            && let Err(e) = (self.put)(piece)
        {
            self.failed = Some(e);
        }
    }
}

impl<P: FnMut(Piece<'_>) -> Result<(), E>, E> Target for Streamed<'_, P, E> {
    fn rows(&mut self, ys: Range<usize>) -> Plane<'_> {
        // Not cleared: whatever is drawn in a band covers all of it.
        self.band.resize(ys.len() * self.size.0 * BPP, 0);
        Plane::band(self.band, self.size, ys)
    }

    fn done(&mut self, ys: Range<usize>) {
        let band = std::mem::take(self.band);
        self.send(Piece::Rows {
            y: ys.start,
            pixels: &band,
        });
        *self.band = band;
    }

    fn shift(&mut self, m: Moved) {
        self.send(Piece::Moved(m));
    }
}

/// Which rows a render paints.
struct Rows<'a> {
    /// Rows whose cells changed.
    changed: &'a [bool],
    /// Rows whose afterglow is still fading.
    glowing: &'a [bool],
    /// Keep what changed rows showed, to fade it out (not after a full or masked repaint).
    capture_old: bool,
}

/// What was drawn last, to know what a new frame may keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Drawn {
    width: usize,
    height: usize,
    cursor: Option<(usize, usize)>,
}

/// Turns grids into pixels: glyph cache, theme and padding.
pub struct Rasterizer {
    fonts: FontSet,
    theme: Theme,
    padding: usize,
    luts: LutCache,
    /// Geometric shapes per character at the current cell size (None: draw the glyph).
    shapes: HashMap<char, Option<Vec<CellRect>>>,
    drawn: Option<Drawn>,
    post: Post,
    /// Wall-clock seconds of the frame being drawn (drives afterglow).
    now: f64,
    /// Burn-in protection: the whole picture is shifted by this many pixels.
    offset: (usize, usize),
    /// Pixels kept free on each axis so a shifted picture never clips.
    drift_reserve: usize,
    /// Rows to repaint this frame (kept between frames to avoid allocating).
    repaint: Vec<bool>,
    /// Rows whose afterglow is still fading this frame.
    glow: Vec<bool>,
    /// What each grid row showed when last painted (kept only with afterglow, whose ghosts
    /// are drawn from it).
    shown: Vec<ShownRow>,
}

impl Rasterizer {
    /// A rasterizer with the given fonts, theme and padding (pixels around the grid).
    pub fn new(fonts: FontSet, theme: Theme, padding: usize) -> Self {
        Rasterizer {
            fonts,
            theme,
            padding,
            luts: LutCache::default(),
            shapes: HashMap::new(),
            drawn: None,
            post: Post::new(Effects::OFF, false),
            now: 0.0,
            offset: (0, 0),
            drift_reserve: 0,
            repaint: Vec::new(),
            glow: Vec::new(),
            shown: Vec::new(),
        }
    }

    /// Turns retro effects on or off.
    pub fn set_effects(&mut self, fx: Effects) {
        let light = luminance(self.theme.bg) > 0.5;
        self.post = Post::new(fx, light);
        self.invalidate();
    }

    /// The effects in use.
    pub fn effects(&self) -> Effects {
        self.post.effects()
    }

    /// Keeps `px` pixels free on each axis for burn-in drift (takes effect at the next fit).
    pub fn set_drift_reserve(&mut self, px: usize) {
        self.drift_reserve = px;
    }

    /// Pixels kept free for drift.
    pub fn drift_reserve(&self) -> usize {
        self.drift_reserve
    }

    /// Shifts the whole picture (burn-in protection); a change repaints everything.
    pub fn set_offset(&mut self, dx: usize, dy: usize) {
        let o = (dx.min(self.drift_reserve), dy.min(self.drift_reserve));
        if o != self.offset {
            self.offset = o;
            self.invalidate();
        }
    }

    /// Overall brightness (1 = normal).
    pub fn brightness(&self) -> f32 {
        self.post.brightness()
    }

    /// The faces the grid is drawn with.
    pub fn faces(&self) -> &crate::Faces {
        self.fonts.faces()
    }

    /// Sets overall brightness (1 = normal; dimmed at night); a change repaints everything.
    pub fn set_brightness(&mut self, b: f32) {
        if self.post.set_brightness(b) {
            self.invalidate();
        }
    }

    /// Current picture offset (burn-in drift).
    pub fn offset(&self) -> (usize, usize) {
        self.offset
    }

    /// Top edge of the grid in the frame.
    fn top(&self) -> usize {
        self.padding + self.offset.1
    }

    /// Sets the wall-clock time (seconds) of the next frame, for time-based effects.
    pub fn set_clock(&mut self, now: f64) {
        self.now = now;
    }

    /// Cell geometry in pixels.
    pub fn cell(&self) -> CellMetrics {
        self.fonts.metrics()
    }

    /// The theme in use.
    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Columns and rows that fit a frame of this size (at least 1 x 1).
    pub fn grid_size(&self, width: usize, height: usize) -> (usize, usize) {
        let m = self.cell();
        let inner = |v: usize| v.saturating_sub(2 * self.padding + self.drift_reserve);
        (
            (inner(width) / m.width).max(1),
            (inner(height) / m.height).max(1),
        )
    }

    /// Sets font size and padding for a frame of this size; returns the grid size that fits.
    ///
    /// A new font size swaps the glyph cache (faces are not parsed again) and forces a full repaint.
    pub fn fit(&mut self, width: usize, height: usize, sizing: &Sizing) -> (usize, usize) {
        let pad = sizing.padding_px();
        let px = sizing.font_px(self.fonts.faces(), width, height);
        if px != self.fonts.px() || pad != self.padding {
            if px != self.fonts.px() {
                self.fonts = self.fonts.faces().at(px);
                self.shapes.clear();
            }
            self.padding = pad;
            self.invalidate();
        }
        self.grid_size(width, height)
    }

    /// Forgets what was drawn, so the next render repaints everything.
    pub fn invalidate(&mut self) {
        self.drawn = None;
    }

    /// Renders a fresh frame of the grid from scratch (PNG output, tests).
    pub fn render_frame(
        &mut self,
        grid: &mut Grid,
        width: usize,
        height: usize,
        cursor_on: bool,
    ) -> Frame {
        let mut frame = Frame::new(width, height);
        self.invalidate();
        self.render(grid, &mut frame.data, width, height, cursor_on);
        frame
    }

    /// Brings `frame` (which holds the previous render) up to date with the grid and clears its damage.
    ///
    /// `frame` must be `width * height * 4` bytes; a frame of another size than last time is
    /// repainted whole.
    pub fn render(
        &mut self,
        grid: &mut Grid,
        frame: &mut [u8],
        width: usize,
        height: usize,
        cursor_on: bool,
    ) -> RenderReport {
        self.render_in(grid, &mut Plane::new(frame, width, height), cursor_on)
    }

    /// Like [`render`](Self::render), into part of a frame (the terminal beside dashboard
    /// panels); damaged rows count from the part's top.
    pub fn render_in(
        &mut self,
        grid: &mut Grid,
        frame: &mut Plane<'_>,
        cursor_on: bool,
    ) -> RenderReport {
        let size = (frame.width(), frame.height());
        self.render_to(grid, size, cursor_on, &mut InPlace(frame.reborrow()))
    }

    /// Renders a `width` x `height` picture with no frame kept: what changed is handed to
    /// `put` in order, as [`Piece`]s (a scroll, then fresh rows drawn in `band`), for a
    /// presenter whose window holds the previous picture. Applying the pieces to the previous
    /// picture gives exactly what [`render`](Self::render) would have drawn. The first error
    /// `put` returns ends the render (and forgets what was drawn, so the next one is whole).
    pub fn render_streamed<E>(
        &mut self,
        grid: &mut Grid,
        size: (usize, usize),
        cursor_on: bool,
        band: &mut Vec<u8>,
        put: impl FnMut(Piece<'_>) -> Result<(), E>,
    ) -> Result<RenderReport, E> {
        let mut out = Streamed {
            band,
            size,
            put,
            failed: None,
        };
        let report = self.render_to(grid, size, cursor_on, &mut out);
        match out.failed {
            Some(e) => {
                self.invalidate();
                Err(e)
            }
            None => Ok(report),
        }
    }

    /// The render both ways share: which rows change, the scroll, then the painting.
    fn render_to(
        &mut self,
        grid: &mut Grid,
        (width, height): (usize, usize),
        cursor_on: bool,
        out: &mut dyn Target,
    ) -> RenderReport {
        let mut report = RenderReport::default();
        let rows = grid.rows();
        let ch = self.cell().height;
        let cursor = cursor_on.then(|| grid.cursor());
        // Per-row flags live in reused buffers: no allocation per frame.
        let mut repaint = std::mem::take(&mut self.repaint);
        repaint.clear();
        repaint.resize(rows, false);
        let mut glow = std::mem::take(&mut self.glow);
        glow.clear();
        glow.resize(rows, false);

        let same_size = matches!(self.drawn, Some(d) if d.width == width && d.height == height);
        self.post.ensure(width, height, rows);
        let afterglow = self.post.effects().afterglow;
        if self.shown.len() != if afterglow { rows } else { 0 } {
            self.shown = vec![ShownRow::default(); if afterglow { rows } else { 0 }];
        }
        let full = !same_size || grid.damage().full;
        let mut scrolled = 0;
        if full {
            self.mark_full(out, height, rows, &mut repaint, &mut report);
        } else {
            scrolled = self.mark_damaged(grid, out, height, &mut repaint, &mut report);
        }
        if let Some((_, r)) = cursor
            && r < rows
        {
            repaint[r] = true;
        }
        for r in self.post.glowing() {
            if let Some(g) = glow.get_mut(r) {
                *g = true;
            }
        }
        // Masked effects depend on position: rows moved by a scroll were painted afresh.
        let keep_old = !full && (scrolled == 0 || self.post.shift_ok(scrolled * ch));
        let rows_to_paint = Rows {
            changed: &repaint,
            glowing: &glow,
            capture_old: keep_old,
        };
        self.paint_rows(grid, rows_to_paint, out, height, cursor, &mut report);
        report.painted = merge(std::mem::take(&mut report.painted));
        report.damaged = merge(
            report
                .painted
                .iter()
                .cloned()
                .chain(report.damaged)
                .collect(),
        );
        report.glyph_misses = self.fonts.take_misses();
        self.drawn = Some(Drawn {
            width,
            height,
            cursor,
        });
        grid.clear_damage();
        self.repaint = repaint;
        self.glow = glow;
        report
    }

    /// Marks every row for repainting and paints the margins (a new size, a full damage).
    fn mark_full(
        &mut self,
        out: &mut dyn Target,
        height: usize,
        rows: usize,
        repaint: &mut [bool],
        report: &mut RenderReport,
    ) {
        let ch = self.cell().height;
        // Rows paint their own background; only the margins above and below need it here.
        let grid_top = self.top().min(height);
        let grid_end = (self.top() + rows * ch).min(height);
        for band in [0..grid_top, grid_end..height] {
            if band.is_empty() {
                continue;
            }
            {
                let mut frame = out.rows(band.clone());
                fill(&mut frame, band.clone(), self.theme.bg);
                self.post.apply_mask(&mut frame, band.clone());
            }
            out.done(band.clone());
            report.painted.push(band);
        }
        self.post.clear_ghosts();
        repaint.fill(true);
    }

    /// Moves scrolled pixel rows up and marks the damaged rows (and where the cursor was);
    /// returns the rows scrolled.
    fn mark_damaged(
        &mut self,
        grid: &Grid,
        out: &mut dyn Target,
        height: usize,
        repaint: &mut [bool],
        report: &mut RenderReport,
    ) -> usize {
        let (rows, ch) = (grid.rows(), self.cell().height);
        let damage = grid.damage();
        let scrolled = damage.scrolled.min(rows);
        // The grid may not fit a frame smaller than it was laid out for: clip the copy.
        let top = self.top().min(height);
        let end = (top + rows * ch).min(height);
        if scrolled > 0 {
            self.post.scroll(scrolled);
            // What the rows showed moved up with them.
            shift_up(&mut self.shown, scrolled);
            if scrolled < rows && top + scrolled * ch < end && self.post.shift_ok(scrolled * ch) {
                let moved = Moved {
                    rows: top + scrolled * ch..end,
                    to: top,
                };
                out.shift(moved.clone());
                report.damaged.push(top..end - scrolled * ch);
                report.moved = Some(moved);
            } else {
                // Masked effects depend on position: moved rows are painted afresh.
                repaint.fill(true);
            }
        }
        for (r, &d) in damage.rows.iter().enumerate() {
            repaint[r] |= d;
        }
        // The cursor moves with the text it sat on; repaint where it was and where it is.
        if let Some(Drawn {
            cursor: Some((_, old_row)),
            ..
        }) = self.drawn
            && old_row >= scrolled
        {
            repaint[old_row - scrolled] = true;
        }
        scrolled
    }

    /// Paints the rows marked changed or still glowing.
    fn paint_rows(
        &mut self,
        grid: &Grid,
        rows: Rows<'_>,
        out: &mut dyn Target,
        height: usize,
        cursor: Option<(usize, usize)>,
        report: &mut RenderReport,
    ) {
        let (ch, now) = (self.cell().height, self.now);
        let afterglow = self.post.effects().afterglow;
        for (r, (&changed, &glows)) in rows.changed.iter().zip(rows.glowing).enumerate() {
            let y0 = self.top() + r * ch;
            let ys = y0.min(height)..(y0 + ch).min(height);
            if !(changed || glows) || ys.is_empty() {
                continue;
            }
            let (cells, cursor_col) = row_cells(grid, r, cursor);
            if afterglow {
                // What the row showed is kept to fade out.
                let row = ShownRow {
                    cells: cells.to_vec(),
                    cursor: cursor_col,
                };
                let old = std::mem::replace(&mut self.shown[r], row);
                if changed && rows.capture_old && old != self.shown[r] && old != ShownRow::default()
                {
                    self.post.capture(r, old, now);
                }
            }
            {
                let mut frame = out.rows(ys.clone());
                self.paint_cells((cells, cursor_col), r, &mut frame);
                self.post.apply_mask(&mut frame, ys.clone());
                if self.blend_ghost(r, &mut frame, ys.clone()) {
                    report.animating = true;
                }
            }
            out.done(ys.clone());
            report.rows_painted += 1;
            report.painted.push(ys);
        }
    }

    /// Draws row `r`'s fading ghost (what it showed before) over its fresh pixels; false
    /// when it has none left.
    fn blend_ghost(&mut self, r: usize, frame: &mut Plane<'_>, ys: Range<usize>) -> bool {
        let Some(mut g) = self.post.take_ghost(r, self.now) else {
            return false;
        };
        let size = (frame.width(), frame.height());
        let len = ys.len() * size.0 * BPP;
        if g.pixels.len() != len || g.at != ys.start {
            // Drawn when it first fades here (a scroll moves it): masked like the row.
            g.pixels.clear();
            g.pixels.resize(len, 0);
            g.at = ys.start;
            let mut old = Plane::band(&mut g.pixels, size, ys.clone());
            self.paint_cells((&g.row.cells, g.row.cursor), r, &mut old);
            self.post.apply_mask(&mut old, ys.clone());
        }
        let old = Plane::band(&mut g.pixels, size, ys.clone());
        self.post.blend(frame, &old, ys, g.strength);
        self.post.put_back(r, g);
        true
    }

    /// Paints grid row `r` showing `cells`, with the cursor at a column of it or not.
    fn paint_cells(
        &mut self,
        (cells, cursor): (&[Cell], Option<usize>),
        r: usize,
        frame: &mut Plane<'_>,
    ) {
        let (m, width, height) = (self.cell(), frame.width(), frame.height());
        let y0 = self.top() + r * m.height;
        if y0 >= height {
            return;
        }
        let y1 = (y0 + m.height).min(height);
        fill(frame, y0..y1, self.theme.bg);
        let blank = Cell {
            ch: ' ',
            style: Style::PLAIN,
        };
        let last = cells.len().max(cursor.map_or(0, |c| c + 1));
        for c in 0..last {
            let cell = cells.get(c).copied().unwrap_or(blank);
            let (mut fg, mut bg) = self.colors(cell.style);
            if cursor == Some(c) {
                (fg, bg) = (self.theme.bg, self.theme.cursor);
            }
            let x0 = self.padding + self.offset.0 + c * m.width;
            if x0 >= width {
                break;
            }
            let x1 = (x0 + m.width).min(width);
            if bg != self.theme.bg {
                fill_rect(frame, x0..x1, y0..y1, bg);
            }
            self.draw_char(cell.ch, cell.style.bold, (fg, bg), frame, x0, y0..y1);
        }
    }

    fn colors(&self, style: Style) -> (Rgb, Rgb) {
        let bg = self.theme.resolve(style.bg, true);
        let mut fg = self.theme.resolve(style.fg, false);
        if style.dim {
            fg = mix(fg, bg, 0.45);
        }
        (fg, bg)
    }

    /// Draws `ch` in colours `(fg, bg)` in the cell at `x0` spanning pixel rows `ys`.
    fn draw_char(
        &mut self,
        ch: char,
        bold: bool,
        (fg, bg): (Rgb, Rgb),
        frame: &mut Plane<'_>,
        x0: usize,
        Range { start: y0, end: y1 }: Range<usize>,
    ) {
        if ch == ' ' {
            return;
        }
        let width = frame.width();
        let m = self.fonts.metrics();
        let shape = self
            .shapes
            .entry(ch)
            .or_insert_with(|| cell_rects(ch, m.width, m.height));
        if let Some(rects) = shape {
            let lut = self.luts.get(fg, bg);
            for r in rects.iter() {
                let color = lut[r.alpha as usize];
                let xs = (x0 + r.xs.start).min(width)..(x0 + r.xs.end).min(width);
                for y in (y0 + r.ys.start)..(y0 + r.ys.end).min(y1) {
                    for p in frame.span_mut(y, xs.clone()).chunks_exact_mut(BPP) {
                        p.copy_from_slice(&color);
                    }
                }
            }
            return;
        }
        let g = self.fonts.glyph(ch, bold);
        let lut = self.luts.get(fg, bg);
        // Clip the glyph box to the row and the frame once, then blit whole spans.
        let gx0 = x0 as i64 + g.x as i64;
        let xs = gx0.max(0)..(gx0 + g.width as i64).min(width as i64);
        if xs.is_empty() {
            return;
        }
        let skip = (xs.start - gx0) as usize;
        let gy0 = y0 as i64 + g.y as i64;
        let ys = gy0.max(y0 as i64)..(gy0 + g.height as i64).min(y1 as i64);
        for y in ys {
            let gy = (y - gy0) as usize;
            let src = &g.coverage
                [gy * g.width + skip..gy * g.width + skip + (xs.end - xs.start) as usize];
            let dst = frame.span_mut(y as usize, xs.start as usize..xs.end as usize);
            for (d, &a) in dst.chunks_exact_mut(BPP).zip(src) {
                if a != 0 {
                    d.copy_from_slice(&lut[a as usize]);
                }
            }
        }
    }
}

/// What grid row `r` shows now: its cells within the grid's width, and the cursor's column
/// if it is on it.
fn row_cells(grid: &Grid, r: usize, cursor: Option<(usize, usize)>) -> (&[Cell], Option<usize>) {
    let cols = grid.cols();
    let cells = grid.row(r);
    let cursor = cursor
        .filter(|&(c, cr)| cr == r && c < cols)
        .map(|(c, _)| c);
    (&cells[..cells.len().min(cols)], cursor)
}

/// Fills whole pixel rows with a colour.
fn fill(frame: &mut Plane<'_>, rows: Range<usize>, c: Rgb) {
    let width = frame.width();
    fill_rect(frame, 0..width, rows, c);
}

/// Fills a rectangle with a colour.
fn fill_rect(frame: &mut Plane<'_>, xs: Range<usize>, ys: Range<usize>, c: Rgb) {
    if xs.is_empty() || ys.is_empty() {
        return;
    }
    let px = [c[0], c[1], c[2], 255];
    // Fill the first row pixel by pixel, then copy it (memcpy speed) to the others.
    let first = ys.start;
    for p in frame.span_mut(first, xs.clone()).chunks_exact_mut(BPP) {
        p.copy_from_slice(&px);
    }
    for y in ys.skip(1) {
        frame.copy_span(first, y, xs.clone());
    }
}

/// Sorts and merges overlapping or touching ranges.
fn merge(mut v: Vec<Range<usize>>) -> Vec<Range<usize>> {
    v.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(v.len());
    for r in v {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::THEMES;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use term::{Color, StyledLine, TermOp};

    fn raster(padding: usize) -> Rasterizer {
        Rasterizer::new(FontSet::bundled(16.0), THEMES[0].clone(), padding)
    }

    fn rect_all(f: &Frame, xs: Range<usize>, ys: Range<usize>, c: Rgb) -> bool {
        ys.into_iter()
            .all(|y| xs.clone().all(|x| f.pixel(x, y) == [c[0], c[1], c[2], 255]))
    }

    #[test]
    fn full_block_fills_exactly_its_cell() {
        let mut r = raster(0);
        let m = r.cell();
        let mut g = Grid::new(4, 2, 0);
        g.apply(&TermOp::Print(
            StyledLine::new().push("█", Style::fg(Color::RED)),
        ));
        let f = r.render_frame(&mut g, m.width * 4, m.height * 2, false);
        let red = THEMES[0].ansi[1];
        assert!(rect_all(&f, 0..m.width, 0..m.height, red));
        assert!(rect_all(
            &f,
            m.width..m.width * 4,
            0..m.height * 2,
            THEMES[0].bg
        ));
    }

    #[test]
    fn text_stays_inside_its_row_and_uses_the_theme() {
        let mut r = raster(3);
        let m = r.cell();
        let (w, h) = (m.width * 10 + 6, m.height * 3 + 6);
        let mut g = Grid::new(10, 3, 0);
        g.apply(&TermOp::Print(StyledLine::plain("Hg|_j")));
        let f = r.render_frame(&mut g, w, h, false);
        let bg = THEMES[0].bg;
        // Padding and the rows below are untouched background.
        assert!(rect_all(&f, 0..w, 0..3, bg));
        assert!(rect_all(&f, 0..w, 3 + m.height..h, bg));
        let inked = (3..3 + m.height)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| f.pixel(x, y)[..3] != bg)
            .count();
        assert!(inked > 40, "only {inked} text pixels");
        // Full coverage reaches the theme's foreground exactly.
        let fg = THEMES[0].fg;
        assert!((0..w).any(|x| (3..3 + m.height).any(|y| f.pixel(x, y)[..3] == fg)));
    }

    #[test]
    fn bar_update_repaints_only_its_row() {
        let mut r = raster(0);
        let m = r.cell();
        let (w, h) = (m.width * 40, m.height * 6);
        let mut g = Grid::new(40, 6, 0);
        let mut frame = vec![0; w * h * 4];
        g.apply_all(&[
            TermOp::Print(StyledLine::plain("log line")),
            TermOp::Rewrite(StyledLine::plain("bar ██▌   50%")),
        ]);
        r.render(&mut g, &mut frame, w, h, true);
        g.apply(&TermOp::Rewrite(StyledLine::plain("bar ███   60%")));
        let rep = r.render(&mut g, &mut frame, w, h, true);
        assert_eq!(rep.rows_painted, 1);
        assert_eq!(rep.damaged, vec![m.height..2 * m.height]);
        assert_eq!(rep.glyph_misses, 0);
    }

    #[test]
    fn scrolling_shifts_pixels_instead_of_repainting() {
        let mut r = raster(2);
        let m = r.cell();
        let (w, h) = (m.width * 30 + 4, m.height * 5 + 4);
        let mut g = Grid::new(30, 5, 10);
        let mut frame = vec![0; w * h * 4];
        for i in 0..8 {
            g.apply(&TermOp::Print(StyledLine::plain(format!("line {i}"))));
        }
        r.render(&mut g, &mut frame, w, h, false);
        g.apply(&TermOp::Print(StyledLine::plain("line 8")));
        let rep = r.render(&mut g, &mut frame, w, h, false);
        // The new line and the fresh bottom row; the three rows above moved by copy.
        assert_eq!(rep.rows_painted, 2);
        let fresh = r.render_frame(&mut g.clone(), w, h, false);
        assert!(
            frame == fresh.data,
            "scrolled frame differs from a full repaint"
        );
    }

    /// Property: whatever ops arrive, incremental frames equal from-scratch frames.
    #[test]
    fn incremental_render_equals_full_repaint() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..40 {
            // The kept frame; one drawn from scratch; the same frames drawn as part of a larger
            // one (a dashboard's terminal); and with no frame kept (pieces applied to what a
            // window shows).
            let [mut r, mut scratch, mut inset, mut streamed] =
                std::array::from_fn(|_| raster(case % 3 * 4));
            for x in [&mut r, &mut scratch, &mut inset, &mut streamed] {
                // Position-dependent masks must survive scrolling too; afterglow (time-based)
                // only where the kept and streamed frames are compared.
                if case % 2 == 1 {
                    x.set_effects(Effects {
                        scanlines: true,
                        vignette: case % 4 == 1,
                        afterglow: glows(case),
                    });
                }
                // Dimmed at night: the brightness mask goes with every row.
                if case % 5 == 2 {
                    x.set_brightness(0.4);
                }
            }
            let m = r.cell();
            let (cols, rows) = (rng.random_range(5..30), rng.random_range(2..8));
            let pad = case % 3 * 4;
            let (w, h) = (
                m.width * cols + 2 * pad + 5,
                m.height * rows + 2 * pad + case % 7,
            );
            let mut g = Grid::new(cols, rows, rng.random_range(0..5));
            let mut frame = vec![0; w * h * 4];
            let (at, stride) = ((case % 5, case % 3), w + case % 5 + 7);
            let mut big = vec![77u8; stride * (h + 4) * 4];
            // What a window showing the streamed pieces holds, and one that is sent the
            // kept frame's moves and painted rows (a presenter that copies scrolls itself).
            let mut window = vec![33u8; w * h * 4];
            let mut copier = vec![55u8; w * h * 4];
            let mut band = Vec::new();
            for step in 0..60 {
                random_ops(&mut rng, &mut g);
                // Frames 0.1 s apart: a ghost lasts a few of them.
                for x in [&mut r, &mut scratch, &mut inset, &mut streamed] {
                    x.set_clock(step as f64 * 0.1);
                }
                let cursor = rng.random_bool(0.5);
                let mut fresh_grid = g.clone();
                let mut inset_grid = g.clone();
                let mut streamed_grid = g.clone();
                let rep = r.render(&mut g, &mut frame, w, h, cursor);
                check_moves_and_painted(&rep, &frame, &mut copier, w, case);
                let srep = stream_into(
                    &mut streamed,
                    &mut streamed_grid,
                    &mut window,
                    (w, h),
                    cursor,
                    &mut band,
                );
                assert!(window == frame, "case {case}: streamed pieces differ");
                assert_eq!(srep, rep, "case {case}: reports differ");
                let fresh = scratch.render_frame(&mut fresh_grid, w, h, cursor);
                assert!(
                    frame == fresh.data || glows(case),
                    "case {case}: incremental frame differs"
                );
                inset.render_in(
                    &mut inset_grid,
                    &mut Plane::region(&mut big, stride, at, w, h),
                    cursor,
                );
                check_region(&big, stride, at, &frame, (w, h), case);
            }
        }
    }

    /// Cases drawn with afterglow (fading ghosts: a frame drawn from scratch has none).
    fn glows(case: usize) -> bool {
        case % 8 == 7
    }

    /// One to three random lines, rewrites, moves or clears.
    fn random_ops(rng: &mut ChaCha8Rng, g: &mut Grid) {
        let words = ["loss 2.41", "█▉▊", "Epoch 1/3 ▏", "NCCL INFO Ring", "", "x"];
        for _ in 0..rng.random_range(1..4) {
            let text = words[rng.random_range(0..words.len())];
            let color = Color::Indexed(rng.random_range(0..16));
            let line = StyledLine::new().push(text, Style::fg(color));
            let op = match rng.random_range(0..10) {
                0..4 => TermOp::Print(line),
                4..8 => TermOp::Rewrite(line),
                8 => TermOp::MoveUp(rng.random_range(1..3)),
                _ => TermOp::Clear,
            };
            g.apply(&op);
        }
    }

    /// The region at `at` of `big` holds `frame` and nothing around it changed (77).
    fn check_region(
        big: &[u8],
        stride: usize,
        at: (usize, usize),
        frame: &[u8],
        (w, h): (usize, usize),
        case: usize,
    ) {
        for y in 0..h + 4 {
            let row = &big[y * stride * 4..(y + 1) * stride * 4];
            let (x0, x1) = (at.0 * 4, (at.0 + w) * 4);
            if (at.1..at.1 + h).contains(&y) {
                let own = &frame[(y - at.1) * w * 4..(y - at.1 + 1) * w * 4];
                assert!(&row[x0..x1] == own, "case {case}: region row {y} differs");
            } else {
                assert!(row[x0..x1].iter().all(|&b| b == 77), "case {case}: row {y}");
            }
            let outside = row[..x0].iter().chain(&row[x1..]);
            assert!(outside.into_iter().all(|&b| b == 77), "case {case}: beside");
        }
    }

    /// Applies a render's move and painted rows to what a copying presenter shows, and checks
    /// it then equals the frame (and that painted rows are damage).
    fn check_moves_and_painted(
        rep: &RenderReport,
        frame: &[u8],
        copier: &mut [u8],
        w: usize,
        case: usize,
    ) {
        let row = w * 4;
        if let Some(m) = &rep.moved {
            copier.copy_within(m.rows.start * row..m.rows.end * row, m.to * row);
        }
        for ys in &rep.painted {
            let bytes = ys.start * row..ys.end * row;
            copier[bytes.clone()].copy_from_slice(&frame[bytes]);
            assert!(
                rep.damaged
                    .iter()
                    .any(|d| d.start <= ys.start && ys.end <= d.end),
                "case {case}: painted {ys:?} outside the damage {:?}",
                rep.damaged
            );
        }
        assert!(
            copier == frame,
            "case {case}: moves and painted rows differ"
        );
    }

    /// Renders streamed pieces onto `window`; checks their order and that the rows sent are
    /// the ones reported painted.
    fn stream_into(
        r: &mut Rasterizer,
        g: &mut Grid,
        window: &mut [u8],
        (w, h): (usize, usize),
        cursor: bool,
        band: &mut Vec<u8>,
    ) -> RenderReport {
        let row = w * 4;
        let mut sent = Vec::new();
        let rep = r
            .render_streamed(g, (w, h), cursor, band, |p| {
                match p {
                    Piece::Moved(m) => {
                        assert!(sent.is_empty(), "a move after rows");
                        window.copy_within(m.rows.start * row..m.rows.end * row, m.to * row);
                    }
                    Piece::Rows { y, pixels } => {
                        assert_eq!(pixels.len() % row, 0);
                        let n = pixels.len() / row;
                        window[y * row..(y + n) * row].copy_from_slice(pixels);
                        sent.push(y..y + n);
                    }
                }
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(merge(sent), rep.painted, "rows sent");
        rep
    }

    #[test]
    fn replaced_text_fades_out_then_leaves_no_trace() {
        let mut r = raster(2);
        r.set_effects(Effects {
            afterglow: true,
            ..Effects::OFF
        });
        let m = r.cell();
        let (w, h) = (m.width * 12 + 4, m.height * 2 + 4);
        let mut g = Grid::new(12, 2, 0);
        let mut frame = vec![0; w * h * 4];
        let ink = |f: &[u8]| f.chunks_exact(4).filter(|p| p[0] > 120).count();
        g.apply(&TermOp::Print(StyledLine::plain("############")));
        r.set_clock(1.0);
        r.render(&mut g, &mut frame, w, h, false);
        let full = ink(&frame);
        g.apply(&TermOp::MoveUp(1));
        g.apply(&TermOp::Rewrite(StyledLine::plain("")));
        let mut seen = Vec::new();
        for k in 0..8 {
            r.set_clock(1.0 + 0.01 + k as f64 * 0.1);
            let rep = r.render(&mut g, &mut frame, w, h, false);
            seen.push((ink(&frame), rep.animating));
        }
        assert!(
            seen[0].0 > full / 2 && seen[0].1,
            "glowing at first: {seen:?} of {full}"
        );
        assert!(seen[2].0 < seen[0].0, "fading: {seen:?}");
        let clean = r.render_frame(&mut g.clone(), w, h, false);
        assert!(frame == clean.data, "a trace was left: {seen:?}");
        assert!(!seen[7].1, "still animating: {seen:?}");
    }

    #[test]
    fn degenerate_sizes_do_not_panic() {
        let mut r = raster(12);
        for (w, h) in [(1, 1), (3, 500), (500, 3), (16, 16)] {
            let (cols, rows) = r.grid_size(w, h);
            let mut g = Grid::new(cols, rows, 0);
            g.apply(&TermOp::Print(StyledLine::plain("hello █")));
            let f = r.render_frame(&mut g, w, h, true);
            assert_eq!(f.data.len(), w * h * 4);
        }
        // A grid laid out for a bigger frame than it is drawn into (mid-resize) is clipped.
        let mut g = Grid::new(50, 20, 5);
        let mut frame = vec![0; 40 * 30 * 4];
        for i in 0..30 {
            g.apply(&TermOp::Print(StyledLine::plain(format!("row {i} ▌"))));
            r.render(&mut g, &mut frame, 40, 30, i % 2 == 0);
        }
    }
}
