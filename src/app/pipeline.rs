//! The display-free pipeline: simulation -> terminal grid -> rasterizer, driven by simulated time.

use std::sync::Arc;
use std::time::Duration;

use crate::raster::{FontError, FontSet, Frame, Rasterizer, RenderReport, Theme};
use crate::sim::{SimConfig, Simulation, data::Catalog};
use crate::term::{Grid, TermOp};

/// Half-period of the cursor blink in wall-clock time.
pub const BLINK: Duration = Duration::from_millis(530);

/// Everything needed to turn simulated time into pixels.
pub struct Pipeline {
    /// The simulation.
    pub sim: Simulation,
    /// The terminal it writes to.
    pub grid: Grid,
    /// The rasterizer drawing the grid.
    pub raster: Rasterizer,
    /// Simulated seconds per wall-clock second (sets the cursor blink rate).
    pub speed: f64,
    ops: Vec<TermOp>,
}

/// How the pipeline looks.
#[derive(Clone, Debug)]
pub struct Look {
    /// Colour theme.
    pub theme: Theme,
    /// Font file, or the bundled font.
    pub font: Option<std::path::PathBuf>,
    /// Font size in pixels.
    pub font_px: f32,
    /// Padding in pixels.
    pub padding: usize,
    /// Scrollback lines.
    pub scrollback: usize,
}

impl Look {
    /// Loads the fonts this look names.
    pub fn fonts(&self) -> Result<FontSet, FontError> {
        match &self.font {
            Some(path) => FontSet::from_file(path, self.font_px),
            None => Ok(FontSet::bundled(self.font_px)),
        }
    }
}

impl Pipeline {
    /// A pipeline for a frame of `width` x `height` pixels.
    pub fn new(
        sim: SimConfig,
        catalog: Arc<Catalog>,
        look: &Look,
        speed: f64,
        width: usize,
        height: usize,
    ) -> Result<Self, FontError> {
        let raster = Rasterizer::new(look.fonts()?, look.theme.clone(), look.padding);
        let (cols, rows) = raster.grid_size(width, height);
        Ok(Pipeline {
            sim: Simulation::new(sim, catalog),
            grid: Grid::new(cols, rows, look.scrollback),
            raster,
            speed,
            ops: Vec::new(),
        })
    }

    /// Advances the simulation to simulated time `t` and applies its output to the grid.
    pub fn step_to(&mut self, t: Duration) {
        self.ops.clear();
        self.sim.advance(t, &mut self.ops);
        self.grid.apply_all(&self.ops);
    }

    /// Fits the grid to a new frame size.
    pub fn resize(&mut self, width: usize, height: usize) {
        let (cols, rows) = self.raster.grid_size(width, height);
        self.grid.resize(cols, rows);
    }

    /// Whether the cursor shows at simulated time `t` (blinks in wall-clock time).
    pub fn cursor_on(&self, t: Duration) -> bool {
        let wall = t.as_secs_f64() / self.speed;
        (wall / BLINK.as_secs_f64()) as u64 % 2 == 0
    }

    /// Simulated time of the next cursor blink after `t`.
    pub fn next_blink(&self, t: Duration) -> Duration {
        let wall = t.as_secs_f64() / self.speed;
        let n = (wall / BLINK.as_secs_f64()).floor() + 1.0;
        Duration::from_secs_f64(n * BLINK.as_secs_f64() * self.speed)
    }

    /// Updates a frame buffer that holds the previous render.
    pub fn render_into(
        &mut self,
        frame: &mut [u8],
        width: usize,
        height: usize,
        t: Duration,
    ) -> RenderReport {
        let on = self.cursor_on(t);
        self.raster.render(&mut self.grid, frame, width, height, on)
    }

    /// A complete frame at simulated time `t` (steps there first).
    pub fn frame_at(&mut self, t: Duration, width: usize, height: usize) -> Frame {
        self.step_to(t);
        self.resize(width, height);
        let on = self.cursor_on(t);
        self.raster.render_frame(&mut self.grid, width, height, on)
    }
}
