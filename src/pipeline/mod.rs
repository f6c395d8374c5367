//! The display-free pipeline: the feed's events -> terminal grid and run view -> rasterizer,
//! driven by simulated time.

mod feed;
mod observe;
mod panels;
mod source;

use std::time::Duration;

use crate::config::{Columns, Layout};
use raster::dashboard::{DashLayout, Dashboard, Rect};
use raster::{
    BPP, Effects, Faces, Fit, FontSize, Frame, Piece, PixelScale, Plane, Rasterizer, RenderReport,
    Shift, Sizing, Theme,
};
use term::Grid;

pub use feed::{Feed, RunSpec, TimedOp};
pub use source::Source;

/// Simulated time written out in full before the target of a far jump: six hours print over a
/// thousand lines in the sparsest style (a step line about every 20 s), more than any screen
/// shows, so the visible picture is the one a continuous run would show. Scrollback above it
/// may be shorter than after a continuous run.
const SEEK_KEEP: Duration = Duration::from_secs(6 * 3600);

/// Half-period of the cursor blink in wall-clock time.
pub const BLINK: Duration = Duration::from_millis(530);

/// Everything needed to turn simulated time into pixels.
pub struct Pipeline {
    feed: Source,
    /// The step-line width the font was last fitted to.
    fitted_columns: usize,
    grid: Grid,
    raster: Rasterizer,
    /// Simulated seconds per wall-clock second (sets the cursor blink rate).
    speed: f64,
    /// Simulated time the grid shows.
    at: Duration,
    look: Look,
    /// HiDPI scale factor of the output.
    scale_factor: f64,
    /// Output size in physical pixels.
    output: (usize, usize),
    /// Size of the frame actually rendered (output divided by the pixel scale).
    internal: (usize, usize),
    dash: Option<Dash>,
    /// What the last render changed.
    changes: Changes,
    /// Rows drawn for a presenter that keeps no frame, on their way to it.
    band: Vec<u8>,
}

/// What a streamed render hands its presenter, in order, in internal frame coordinates.
#[derive(Debug)]
pub enum Out<'a> {
    /// Pixels moved up whole (a scroll), before anything below was drawn.
    Shift(Shift),
    /// Fresh pixels for a rectangle (row-major RGBA, `at.w * 4` bytes a row).
    Pixels {
        /// Where they go.
        at: Rect,
        /// The pixels.
        pixels: &'a [u8],
    },
}

/// What a render changed in the internal frame.
#[derive(Default)]
struct Changes {
    /// Rectangles that changed (what a presenter uploads).
    damage: Vec<Rect>,
    /// Of those, the ones painted afresh (not only moved by a scroll).
    painted: Vec<Rect>,
    /// The scroll, in internal frame coordinates.
    moved: Option<Shift>,
}

impl Changes {
    /// Forgets the last render's.
    fn clear(&mut self) {
        self.damage.clear();
        self.painted.clear();
        self.moved = None;
    }

    /// Records what a render of the terminal drawn in `area` changed.
    fn note(&mut self, area: Rect, rep: &RenderReport) {
        self.damage
            .extend(rep.damaged.iter().map(|r| rows_of(area, r)));
        self.painted
            .extend(rep.painted.iter().map(|r| rows_of(area, r)));
        self.moved = rep.moved.as_ref().map(|m| Shift {
            src: rows_of(area, &m.rows),
            to: area.y + m.to,
        });
    }
}

/// How the pipeline looks.
#[derive(Clone, Debug)]
pub struct Look {
    /// Colour theme.
    pub theme: Theme,
    /// The faces to draw with.
    pub faces: Faces,
    /// Font size rule.
    pub font_size: FontSize,
    /// Rows on screen when the font size is automatic.
    pub rows: u32,
    /// Columns the automatic font size fits.
    pub columns: Columns,
    /// Padding in logical pixels.
    pub padding: f32,
    /// Scrollback lines.
    pub scrollback: usize,
    /// Internal resolution divisor.
    pub pixel_scale: PixelScale,
    /// Retro effects.
    pub effects: Effects,
    /// Burn-in drift range in logical pixels (0 = off).
    pub drift_px: u32,
    /// Seconds for one round of the drift path.
    pub drift_period: f64,
    /// Terminal only, or terminal plus dashboard panels.
    pub layout: Layout,
}

/// Dashboard state: where things go and the panels' painter (the terminal is drawn straight
/// into its part of the frame).
struct Dash {
    layout: DashLayout,
    board: Dashboard,
    /// What the panels last showed (view revision, half-minute, drift offset, brightness);
    /// redrawn when it changes.
    shown: Option<(u64, u64, (usize, usize), u32)>,
    /// Everything must be copied and drawn again (resize, invalidation).
    dirty: bool,
    /// Characters the last panel drawing could not fit (none unless something overflows).
    overflow: usize,
}

impl Look {
    /// The sizing rule when the current job's step line takes `step_columns`.
    fn sizing(&self, scale: f64, step_columns: usize) -> Sizing {
        Sizing {
            font: self.font_size,
            rows: self.rows,
            fit: match self.columns {
                Columns::Auto => Fit::Lines(step_columns as u32),
                Columns::Off => Fit::Rows,
                Columns::Fixed(n) => Fit::Columns(n),
            },
            padding: self.padding,
            scale,
        }
    }
}

/// The output size divided by the pixel scale, never zero.
fn internal_size(look: &Look, width: usize, height: usize) -> (usize, usize) {
    let ps = look.pixel_scale.factor(width);
    ((width / ps).max(1), (height / ps).max(1))
}

/// Size of the terminal's part of an internal frame (all of it unless the layout has panels).
fn term_size(look: &Look, internal: (usize, usize)) -> (usize, usize) {
    match look.layout {
        Layout::Terminal => internal,
        Layout::Dashboard => {
            let t = DashLayout::for_size(internal.0, internal.1).term;
            (t.w.max(1), t.h.max(1))
        }
    }
}

impl Pipeline {
    /// A pipeline for an output of `width` x `height` physical pixels.
    pub fn new(run: RunSpec, look: &Look, speed: f64, width: usize, height: usize) -> Self {
        Pipeline::from_source(
            Source::Sim(Box::new(Feed::new(run))),
            look,
            speed,
            width,
            height,
        )
    }

    /// A pipeline on any source (a followed log).
    pub fn from_source(feed: Source, look: &Look, speed: f64, width: usize, height: usize) -> Self {
        let faces = &look.faces;
        let internal = internal_size(look, width, height);
        let ps = look.pixel_scale.factor(width) as f64;
        let columns = feed.step_columns();
        let sizing = look.sizing(1.0 / ps, columns);
        // Start with the font the terminal's part of the frame needs, so `resize` keeps it.
        let (term_w, term_h) = term_size(look, internal);
        let fonts = faces.at(sizing.font_px(faces, term_w, term_h));
        let mut raster = Rasterizer::new(fonts, look.theme.clone(), sizing.padding_px());
        raster.set_effects(look.effects);
        let mut p = Self {
            feed,
            fitted_columns: columns,
            grid: Grid::new(1, 1, look.scrollback),
            raster,
            speed,
            at: Duration::ZERO,
            look: look.clone(),
            scale_factor: 1.0,
            output: (width, height),
            internal,
            dash: None,
            changes: Changes::default(),
            band: Vec::new(),
        };
        p.resize(width, height);
        p
    }

    /// Advances the simulation to simulated time `t` and applies its output to the grid.
    pub fn step_to(&mut self, t: Duration) {
        let grid = &mut self.grid;
        // A far jump (a screen joining a run days ago, `render --at 300d`) skips the writing
        // of what would long have scrolled off: only the last stretch is written.
        if t > self.at + SEEK_KEEP * 2 {
            self.feed.skip_to(t - SEEK_KEEP);
        }
        let mut wrote = false;
        self.feed.advance_each(t, |t| {
            wrote = true;
            grid.apply(&t.op)
        });
        self.at = self.at.max(t);
        if !wrote {
            return; // the step line's width changes only with new output
        }
        // A job in another style (rotate) has step lines of another width: like a person at a
        // terminal, re-fit only when the difference is worth it.
        let columns = self.feed.step_columns();
        if columns.abs_diff(self.fitted_columns) > self.fitted_columns / 10 {
            let (w, h) = self.output;
            self.resize(w, h);
        }
    }

    /// The machine's wall clock moved by `secs` and the job's progress did not: later lines'
    /// timestamps read the new time.
    pub fn shift_wall(&mut self, secs: f64) {
        self.feed.shift_wall(secs);
    }

    /// Simulated seconds per wall-clock second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Jobs the log has started so far.
    pub fn runs(&self) -> u64 {
        self.feed.view().runs()
    }

    /// Columns the current job's step line takes (what the font is fitted to).
    pub fn step_columns(&self) -> usize {
        self.feed.step_columns()
    }

    /// Characters the dashboard's last drawing could not fit in their place (0 unless a panel's
    /// text overflows).
    pub fn panel_overflow(&self) -> usize {
        self.dash.as_ref().map_or(0, |d| d.overflow)
    }

    /// Where the terminal and the panels go, in internal pixels (dashboard layout only).
    pub fn dash_layout(&self) -> Option<DashLayout> {
        self.dash.as_ref().map(|d| d.layout)
    }

    /// What a viewer of the log knows now (the dashboard's source).
    pub fn view(&self) -> &view::RunView {
        self.feed.view()
    }

    /// The terminal grid (what the log shows, with its damage).
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Simulated time of the next change after `t`: new output or a cursor blink.
    pub fn next_due(&mut self, t: Duration) -> Duration {
        self.feed.next_due().min(self.next_blink(t))
    }

    /// Sets the brightness (night dimming).
    pub fn set_brightness(&mut self, b: f32) {
        self.raster.set_brightness(b)
    }

    /// Forgets what was drawn: the next render repaints everything.
    pub fn invalidate(&mut self) {
        self.raster.invalidate();
        if let Some(d) = self.dash.as_mut() {
            d.dirty = true;
        }
    }

    /// Fits font, padding and grid to a new output size (physical pixels).
    pub fn resize(&mut self, width: usize, height: usize) {
        self.output = (width, height);
        self.internal = internal_size(&self.look, width, height);
        let ps = self.look.pixel_scale.factor(width) as f64;
        self.fitted_columns = self.feed.step_columns();
        let sizing = self
            .look
            .sizing(self.scale_factor / ps, self.fitted_columns);
        self.raster.set_drift_reserve(
            (self.look.drift_px as f64 * self.scale_factor / ps).round() as usize
        );
        let (tw, th) = term_size(&self.look, self.internal);
        // The panels' painter keeps its glyphs: it picks a new size itself when its area changes.
        let board = self.dash.take().map(|d| d.board);
        let faces = &self.look.faces;
        self.dash = (self.look.layout == Layout::Dashboard).then(|| Dash {
            layout: DashLayout::for_size(self.internal.0, self.internal.1),
            board: board.unwrap_or_else(|| Dashboard::new(faces.clone())),
            shown: None,
            dirty: true,
            overflow: 0,
        });
        let (cols, rows) = self.raster.fit(tw, th, &sizing);
        self.grid.resize(cols, rows);
    }

    /// Sets the HiDPI scale factor (physical pixels per logical pixel) and re-fits.
    pub fn set_scale_factor(&mut self, factor: f64) {
        if factor.is_finite() && factor > 0.0 && factor != self.scale_factor {
            self.scale_factor = factor;
            let (w, h) = self.output;
            self.resize(w, h);
        }
    }

    /// Size of the frame [`render_into`](Self::render_into) draws (output / pixel scale).
    pub fn internal_size(&self) -> (usize, usize) {
        self.internal
    }

    /// Shifts the picture to where the burn-in drift puts it at simulated time `t`.
    fn apply_drift(&mut self, t: Duration) {
        let reserve = self.raster.drift_reserve();
        let (dx, dy) = drift_offset(
            reserve,
            self.look.drift_period,
            t.as_secs_f64() / self.speed,
        );
        self.raster.set_offset(dx, dy);
    }

    /// Whether the cursor shows at simulated time `t` (blinks in wall-clock time).
    pub fn cursor_on(&self, t: Duration) -> bool {
        let wall = t.as_secs_f64() / self.speed;
        ((wall / BLINK.as_secs_f64()) as u64).is_multiple_of(2)
    }

    /// Simulated time of the next cursor blink after `t`.
    pub fn next_blink(&self, t: Duration) -> Duration {
        let wall = t.as_secs_f64() / self.speed;
        let n = (wall / BLINK.as_secs_f64()).floor() + 1.0;
        Duration::from_secs_f64(n * BLINK.as_secs_f64() * self.speed)
    }

    /// Updates an internal-size frame buffer that holds the previous render; what changed is
    /// then [`damage`](Self::damage) (the report's rows are the terminal's own).
    pub fn render_into(&mut self, frame: &mut [u8], t: Duration) -> RenderReport {
        let on = self.begin_frame(t);
        let (w, h) = self.internal;
        if self.dash.is_some() {
            return self.render_dashboard(frame, w, h, on);
        }
        let rep = self.raster.render(&mut self.grid, frame, w, h, on);
        self.changes.note(Rect { x: 0, y: 0, w, h }, &rep);
        rep
    }

    /// Like [`render_into`](Self::render_into) for a presenter that keeps no frame (its window
    /// holds the previous render): the scroll and the fresh pixels go to `put` as they are
    /// drawn. An error from `put` ends the render; the next one then draws everything.
    pub fn render_streamed<E>(
        &mut self,
        t: Duration,
        mut put: impl FnMut(Out<'_>) -> Result<(), E>,
    ) -> Result<RenderReport, E> {
        let on = self.begin_frame(t);
        let (w, h) = self.internal;
        let term = match &self.dash {
            Some(d) => d.layout.term,
            None => Rect { x: 0, y: 0, w, h },
        };
        if self.dash.as_ref().is_some_and(|d| d.dirty) {
            self.raster.invalidate();
        }
        let mut band = std::mem::take(&mut self.band);
        let rep =
            self.raster
                .render_streamed(&mut self.grid, (term.w, term.h), on, &mut band, |piece| {
                    match piece {
                        Piece::Moved(m) => put(Out::Shift(Shift {
                            src: rows_of(term, &m.rows),
                            to: term.y + m.to,
                        })),
                        Piece::Rows { y, pixels } => {
                            let at = rows_of(term, &(y..y + pixels.len() / (term.w * BPP).max(1)));
                            put(Out::Pixels { at, pixels })
                        }
                    }
                });
        // Rows of the terminal's width: kept for the next frame, not grown without end.
        band.shrink_to(term.w * self.raster.cell().height * BPP);
        self.band = band;
        let rep = rep?;
        self.changes.note(term, &rep);
        if let Some(p) = self.panels_due() {
            // Drawn whole when due (twice a minute, or when the log says something new),
            // then let go.
            let mut part = vec![0; p.w * p.h * BPP];
            self.draw_panels(&mut part, p);
            if let Err(e) = put(Out::Pixels {
                at: p,
                pixels: &part,
            }) {
                self.invalidate();
                return Err(e);
            }
        }
        if let Some(d) = &mut self.dash {
            d.dirty = false;
        }
        Ok(rep)
    }

    /// What every render does first; returns whether the cursor shows.
    fn begin_frame(&mut self, t: Duration) -> bool {
        self.raster.set_clock(t.as_secs_f64() / self.speed);
        self.apply_drift(t);
        self.changes.clear();
        self.cursor_on(t)
    }

    /// Rectangles of the internal frame the last render changed.
    pub fn damage(&self) -> &[Rect] {
        &self.changes.damage
    }

    /// Of [`damage`](Self::damage), the rectangles painted afresh (the rest only moved up with
    /// [`moved`](Self::moved)).
    pub fn painted(&self) -> &[Rect] {
        &self.changes.painted
    }

    /// The scroll the last render made, for a presenter that moves pixels itself.
    pub fn moved(&self) -> Option<Shift> {
        self.changes.moved
    }

    /// Terminal into its part of the frame, panels redrawn when what they show changed.
    fn render_dashboard(&mut self, frame: &mut [u8], w: usize, h: usize, on: bool) -> RenderReport {
        let dash = self.dash.as_mut().expect("dashboard layout");
        let term = dash.layout.term;
        if dash.dirty {
            // A new frame (resize) may keep the terminal's size: it must still be painted whole.
            self.raster.invalidate();
        }
        let mut part = Plane::region(frame, w, (term.x, term.y), term.w, term.h);
        let rep = self.raster.render_in(&mut self.grid, &mut part, on);
        self.changes.note(term, &rep);
        if self.panels_due().is_some() {
            self.draw_panels(frame, Rect { x: 0, y: 0, w, h });
        }
        self.dash.as_mut().expect("dashboard layout").dirty = false;
        rep
    }

    /// What the panels would show now, with the part they are drawn in, when that differs
    /// from what they show.
    fn panels_due(&self) -> Option<Rect> {
        let dash = self.dash.as_ref()?;
        (dash.dirty || dash.shown != Some(self.panel_key())).then_some(dash.layout.panels)
    }

    /// What the panels' picture depends on: the view's revision, the half-minute ("N minutes
    /// ago" moves on even when nothing happens), the drift offset and the brightness.
    fn panel_key(&self) -> (u64, u64, (usize, usize), u32) {
        (
            self.feed.view().revision(),
            self.at.as_secs() / 30,
            self.raster.offset(),
            self.raster.brightness().to_bits(),
        )
    }

    /// Draws the panels into `frame`, which holds rectangle `held` of the internal frame
    /// (all of it, or the panels' part alone).
    fn draw_panels(&mut self, frame: &mut [u8], held: Rect) {
        let key = self.panel_key();
        let (w, h) = self.internal;
        let offset = self.raster.offset();
        let reserve = self.raster.drift_reserve();
        let look = (self.raster.theme(), self.raster.brightness());
        let dash = self.dash.as_mut().expect("dashboard layout");
        let p = dash.layout.panels;
        // The whole panel part is cleared; the panels are drawn shifted like the terminal
        // (burn-in drift).
        let area = Rect {
            x: p.x + offset.0,
            y: p.y + offset.1,
            w: p.w.saturating_sub(reserve),
            h: p.h.saturating_sub(reserve),
        };
        let data = panels::panel_data(self.feed.view(), self.at.as_secs_f64());
        dash.overflow = dash.board.draw(frame, held, p, area, look, &data);
        let drawn = p.intersect(Rect { x: 0, y: 0, w, h });
        self.changes.damage.push(drawn);
        self.changes.painted.push(drawn);
        dash.shown = Some(key);
    }

    /// A complete output-size frame at simulated time `t` (steps there first), scaled up
    /// with nearest-neighbour pixels exactly as the GPU presenter scales the internal frame.
    pub fn frame_at(&mut self, t: Duration, width: usize, height: usize) -> Frame {
        self.step_to(t);
        self.resize(width, height);
        let (w, h) = self.internal;
        let small = if self.dash.is_some() {
            let mut f = Frame::new(w, h);
            self.invalidate();
            self.render_into(&mut f.data, t);
            f
        } else {
            let on = self.cursor_on(t);
            self.apply_drift(t);
            self.raster.render_frame(&mut self.grid, w, h, on)
        };
        let ps = self.look.pixel_scale.factor(width);
        if ps == 1 {
            return small;
        }
        upscale(&small, ps, width, height)
    }
}

/// Rows `r` (counted from its top) of a rectangle.
fn rows_of(area: Rect, r: &std::ops::Range<usize>) -> Rect {
    let y0 = r.start.min(area.h);
    Rect {
        x: area.x,
        y: area.y + y0,
        w: area.w,
        h: r.end.min(area.h).saturating_sub(y0),
    }
}

/// Burn-in drift: the picture's offset (0..=px on each axis) at a wall-clock time, moving one
/// pixel at a time along a slow closed path that takes `period` seconds.
pub fn drift_offset(px: usize, period: f64, wall: f64) -> (usize, usize) {
    if px == 0 || period <= 0.0 {
        return (0, 0);
    }
    let phase = std::f64::consts::TAU * wall / period;
    let axis = |p: f64| ((0.5 - 0.5 * p.cos()) * px as f64).round() as usize;
    // Different frequencies on the axes, so the path covers the square over time.
    (axis(phase), axis(phase * 0.618 + 1.3).min(px))
}

/// Integer nearest-neighbour upscale into a frame of the given size (edges padded black).
pub fn upscale(src: &Frame, factor: usize, width: usize, height: usize) -> Frame {
    let mut out = Frame::new(width, height);
    for y in 0..height.min(src.height * factor) {
        let sy = y / factor;
        let row = &src.data[sy * src.width * BPP..(sy + 1) * src.width * BPP];
        let dst = &mut out.data[y * width * BPP..(y + 1) * width * BPP];
        for (x, px) in dst
            .chunks_exact_mut(BPP)
            .enumerate()
            .take(src.width * factor)
        {
            let sx = x / factor;
            px.copy_from_slice(&row[sx * BPP..sx * BPP + BPP]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_stays_in_bounds_moves_slowly_and_covers_the_square() {
        let (px, period) = (4, 600.0);
        let mut seen = std::collections::HashSet::new();
        let mut prev = drift_offset(px, period, 0.0);
        assert_eq!(prev, drift_offset(px, period, 0.0), "deterministic");
        for s in 0..(period as usize * 10) {
            let o = drift_offset(px, period, s as f64);
            assert!(o.0 <= px && o.1 <= px);
            assert!(
                o.0.abs_diff(prev.0) <= 1 && o.1.abs_diff(prev.1) <= 1,
                "jumped at {s}s"
            );
            seen.insert(o);
            prev = o;
        }
        assert!(
            seen.len() >= 15,
            "static pixels would stay put: {} positions",
            seen.len()
        );
        assert_eq!(drift_offset(0, period, 123.0), (0, 0));
    }
}
