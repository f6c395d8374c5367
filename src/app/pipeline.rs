//! The display-free pipeline: simulation -> terminal grid -> rasterizer, driven by simulated time.

use std::sync::Arc;
use std::time::Duration;

use crate::app::schedule::drift_offset;
use crate::raster::{
    BPP, Effects, Faces, FontError, FontSize, Frame, PixelScale, Rasterizer, RenderReport, Sizing,
    Theme,
};
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
    look: Look,
    /// HiDPI scale factor of the output.
    scale_factor: f64,
    /// Output size in physical pixels.
    output: (usize, usize),
    /// Size of the frame actually rendered (output divided by the pixel scale).
    internal: (usize, usize),
    ops: Vec<TermOp>,
}

/// How the pipeline looks.
#[derive(Clone, Debug)]
pub struct Look {
    /// Colour theme.
    pub theme: Theme,
    /// Font file, or the bundled font.
    pub font: Option<std::path::PathBuf>,
    /// Font size rule.
    pub font_size: FontSize,
    /// Rows on screen when the font size is automatic.
    pub rows: u32,
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
}

impl Look {
    /// Loads the faces this look names.
    pub fn faces(&self) -> Result<Faces, FontError> {
        match &self.font {
            Some(path) => Faces::from_file(path),
            None => Ok(Faces::bundled()),
        }
    }

    fn sizing(&self, scale: f64) -> Sizing {
        Sizing {
            font: self.font_size,
            rows: self.rows,
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

impl Pipeline {
    /// A pipeline for an output of `width` x `height` physical pixels.
    pub fn new(
        sim: SimConfig,
        catalog: Arc<Catalog>,
        look: &Look,
        speed: f64,
        width: usize,
        height: usize,
    ) -> Result<Self, FontError> {
        let faces = look.faces()?;
        let internal = internal_size(look, width, height);
        let ps = look.pixel_scale.factor(width) as f64;
        let sizing = look.sizing(1.0 / ps);
        let fonts = faces.at(sizing.font_px(&faces, internal.1));
        let mut raster = Rasterizer::new(fonts, look.theme.clone(), sizing.padding_px());
        raster.set_effects(look.effects);
        raster.set_drift_reserve((look.drift_px as f64 / ps).round() as usize);
        let (cols, rows) = raster.fit(internal.0, internal.1, &sizing);
        Ok(Pipeline {
            sim: Simulation::new(sim, catalog),
            grid: Grid::new(cols, rows, look.scrollback),
            raster,
            speed,
            look: look.clone(),
            scale_factor: 1.0,
            output: (width, height),
            internal,
            ops: Vec::new(),
        })
    }

    /// Advances the simulation to simulated time `t` and applies its output to the grid.
    pub fn step_to(&mut self, t: Duration) {
        self.ops.clear();
        self.sim.advance(t, &mut self.ops);
        self.grid.apply_all(&self.ops);
    }

    /// Fits font, padding and grid to a new output size (physical pixels).
    pub fn resize(&mut self, width: usize, height: usize) {
        self.output = (width, height);
        self.internal = internal_size(&self.look, width, height);
        let ps = self.look.pixel_scale.factor(width) as f64;
        let sizing = self.look.sizing(self.scale_factor / ps);
        self.raster.set_drift_reserve(
            (self.look.drift_px as f64 * self.scale_factor / ps).round() as usize
        );
        let (cols, rows) = self.raster.fit(self.internal.0, self.internal.1, &sizing);
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

    /// Updates an internal-size frame buffer that holds the previous render.
    pub fn render_into(&mut self, frame: &mut [u8], t: Duration) -> RenderReport {
        let on = self.cursor_on(t);
        self.raster.set_clock(t.as_secs_f64() / self.speed);
        self.apply_drift(t);
        let (w, h) = self.internal;
        self.raster.render(&mut self.grid, frame, w, h, on)
    }

    /// A complete output-size frame at simulated time `t` (steps there first), scaled up
    /// with nearest-neighbour pixels exactly as the GPU presenter scales the internal frame.
    pub fn frame_at(&mut self, t: Duration, width: usize, height: usize) -> Frame {
        self.step_to(t);
        self.resize(width, height);
        let on = self.cursor_on(t);
        self.apply_drift(t);
        let (w, h) = self.internal;
        let small = self.raster.render_frame(&mut self.grid, w, h, on);
        let ps = self.look.pixel_scale.factor(width);
        if ps == 1 {
            return small;
        }
        upscale(&small, ps, width, height)
    }
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
