//! Dashboard panels drawn in pixels beside the terminal: the job and its phase, progress, the
//! loss chart as an experiment tracker draws it, sparklines with their ranges, the GPU
//! heatmap, checkpoints and incidents. Everything drawn is fitted to its panel.

mod canvas;
mod chart;
mod heatmap;
mod scale;
mod spark;
mod status;

pub use canvas::Rect;

use term::Color;

use crate::blend::mix;
use crate::font::Faces;
use crate::theme::{Rgb, Theme};
use canvas::{Canvas, Pen};

/// How a phase reads at a glance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// Nothing running (queued, finished).
    #[default]
    Idle,
    /// Getting ready (launching, loading, NCCL init).
    Setup,
    /// Training.
    Good,
    /// Busy with something else than training (validating, saving).
    Busy,
    /// Needs a look (hung, restarting, cancelled).
    Warn,
    /// Broken (crashed, failed).
    Bad,
}

/// The loss chart's data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartData {
    /// Training loss as (step, loss), the run's whole history.
    pub loss: Vec<(f64, f64)>,
    /// Validation loss as (step, loss).
    pub val: Vec<(f64, f64)>,
    /// Step where the job on screen resumed the run (a resumed run's earlier part came before).
    pub resumed_at: Option<f64>,
}

/// One sparkline: recent values and the labels beside them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spark {
    /// Name.
    pub name: String,
    /// Values, oldest first.
    pub values: Vec<f64>,
    /// The latest value, formatted.
    pub now: String,
    /// Smallest relative span of the y range (0.2: at least ±10% of the middle value), so
    /// small noise looks small.
    pub min_span: f64,
    /// Formats a y-range bound for the label beside the line.
    pub unit: SparkUnit,
}

/// How a sparkline's range labels are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SparkUnit {
    /// A count (`6,512`).
    #[default]
    Count,
    /// A fraction shown as a percentage (`38.1%`).
    Percent,
    /// A small number in scientific notation (`3.0e-4`).
    Scientific,
}

/// One GPU's cell in the heatmap.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GpuCell {
    /// Utilisation 0-1.
    pub util: f32,
    /// Temperature, °C.
    pub temp_c: f32,
    /// The straggler the log reports.
    pub slow: bool,
}

/// The heatmap's data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpuData {
    /// The first GPUs, node by node.
    pub cells: Vec<GpuCell>,
    /// GPUs per node.
    pub per_node: u32,
    /// Nodes in the job.
    pub nodes: u32,
    /// The aggregate line (utilisation, temperature, memory).
    pub summary: String,
}

/// What the panels show: plain numbers and words, filled in by the caller.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PanelData {
    /// First header line (model and cluster).
    pub title: String,
    /// Second header line (job details).
    pub subtitle: String,
    /// The phase, in words.
    pub phase: String,
    /// How the phase reads.
    pub tone: Tone,
    /// Step reached.
    pub step: u64,
    /// Steps in the run (0 when unknown).
    pub total: u64,
    /// Progress line (tokens seen, ETA).
    pub progress: String,
    /// The loss chart.
    pub chart: ChartData,
    /// Sparklines, top to bottom.
    pub sparks: Vec<Spark>,
    /// The GPU heatmap.
    pub gpus: GpuData,
    /// Lines under the heatmap (checkpoint, restarts, incidents), most important first.
    pub footer: Vec<String>,
}

/// Where the terminal and the panels go in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DashLayout {
    /// The terminal's part.
    pub term: Rect,
    /// The panels' part.
    pub panels: Rect,
}

/// Share of the width the panels take in landscape, percent.
const LANDSCAPE_PANEL_PCT: usize = 34;
/// Share of the height the panels take in portrait, percent.
const PORTRAIT_PANEL_PCT: usize = 45;

impl DashLayout {
    /// Landscape: panels on the right; portrait: panels above the log.
    pub fn for_size(width: usize, height: usize) -> DashLayout {
        if width >= height {
            let pw = width * LANDSCAPE_PANEL_PCT / 100;
            DashLayout {
                term: Rect {
                    x: 0,
                    y: 0,
                    w: width - pw,
                    h: height,
                },
                panels: Rect {
                    x: width - pw,
                    y: 0,
                    w: pw,
                    h: height,
                },
            }
        } else {
            let ph = height * PORTRAIT_PANEL_PCT / 100;
            DashLayout {
                panels: Rect {
                    x: 0,
                    y: 0,
                    w: width,
                    h: ph,
                },
                term: Rect {
                    x: 0,
                    y: ph,
                    w: width,
                    h: height - ph,
                },
            }
        }
    }
}

/// The theme's colours by role.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Palette {
    pub bg: Rgb,
    pub fg: Rgb,
    /// Secondary text.
    pub dim: Rgb,
    /// Panel boxes (charts, bars).
    pub panel: Rgb,
    /// Grid lines.
    pub grid: Rgb,
    pub cyan: Rgb,
    pub green: Rgb,
    pub yellow: Rgb,
    pub red: Rgb,
    pub blue: Rgb,
    pub magenta: Rgb,
}

impl Palette {
    fn of(theme: &Theme, brightness: f32) -> Palette {
        let dim = |c: Rgb| mix([0, 0, 0], c, brightness.clamp(0.0, 1.0));
        let (bg, fg) = (dim(theme.bg), dim(theme.fg));
        let ansi = |c: Color| dim(theme.resolve(c, false));
        let panel = mix(bg, fg, 0.06);
        Palette {
            bg,
            fg,
            dim: mix(fg, bg, 0.45),
            panel,
            grid: mix(panel, fg, 0.1),
            cyan: ansi(Color::CYAN),
            green: ansi(Color::GREEN),
            yellow: ansi(Color::YELLOW),
            red: ansi(Color::RED),
            blue: ansi(Color::BLUE),
            magenta: ansi(Color::MAGENTA),
        }
    }

    /// The colour of a tone.
    fn tone(&self, t: Tone) -> Rgb {
        match t {
            Tone::Idle => self.dim,
            Tone::Setup => self.blue,
            Tone::Good => self.green,
            Tone::Busy => self.cyan,
            Tone::Warn => self.yellow,
            Tone::Bad => self.red,
        }
    }
}

/// Lines of text the panels are sized for (height), and characters per line (width).
const LINES: f32 = 38.0;
const COLUMNS: f32 = 58.0;

/// Draws the panels; holds their own font, sized to the panel area rather than the terminal.
pub struct Dashboard {
    faces: Faces,
    pen: Option<(usize, usize, Pen)>,
}

impl Dashboard {
    /// A dashboard writing with these faces.
    pub fn new(faces: Faces) -> Self {
        Dashboard { faces, pen: None }
    }

    /// The pen for an area of this size (a new size picks a new font size).
    fn pen_for(&mut self, w: usize, h: usize) -> &mut Pen {
        let fresh = !matches!(self.pen, Some((pw, ph, _)) if pw == w && ph == h);
        if fresh {
            let by_h = h as f32 / LINES / self.faces.height_per_px();
            let by_w = w as f32 / COLUMNS / self.faces.advance_per_px();
            let px = by_h.min(by_w).floor().clamp(8.0, 96.0);
            self.pen = Some((w, h, Pen::new(self.faces.at(px))));
        }
        &mut self.pen.as_mut().expect("pen just set").2
    }

    /// Clears `part` of the picture and paints the panels into `area` (inside it) in the
    /// theme at a brightness; `frame` holds rectangle `held` of the picture (the whole frame,
    /// or `part` alone). Returns how many characters did not fit their place (none, unless
    /// something overflows).
    pub fn draw(
        &mut self,
        frame: &mut [u8],
        held: Rect,
        part: Rect,
        area: Rect,
        (theme, brightness): (&Theme, f32),
        d: &PanelData,
    ) -> usize {
        let pal = Palette::of(theme, brightness);
        let mut cv = Canvas::new(frame, held, part);
        cv.fill(part, pal.bg);
        let area = area.intersect(part);
        let pen = self.pen_for(area.w, area.h);
        pen.clipped = 0;
        let lh = pen.line_h();
        let pad = (pen.char_w() * 2).min(area.w / 12);
        let inner = area.inset(pad);
        if inner.w < pen.char_w() * 12 || inner.h < lh * 12 {
            return 0; // too small for panels
        }
        let mut y = status::header(pen, &mut cv, &pal, inner, d);
        let footer_lines = d.footer.len().min(3);
        let bottom = inner.bottom() - footer_lines * lh;
        let left = bottom.saturating_sub(y);
        // The chart takes most of what is left, then the sparklines, then the heatmap.
        let chart_h = left * 42 / 100;
        // Three sparkline slots, whether or not the log gives all three series.
        let spark_h = (left * 24 / 100) / 3;
        let chart_box = Rect {
            y,
            h: chart_h,
            ..inner
        };
        chart::draw(pen, &mut cv, &pal, chart_box, &d.chart);
        y += chart_h + lh / 2;
        for s in &d.sparks {
            let r = Rect {
                y,
                h: spark_h.saturating_sub(lh / 3),
                ..inner
            };
            spark::draw(pen, &mut cv, &pal, r, s);
            y += spark_h;
        }
        y += (3 - d.sparks.len().min(3)) * spark_h + lh / 3;
        let heat = Rect {
            y,
            h: bottom.saturating_sub(y + lh / 3),
            ..inner
        };
        heatmap::draw(pen, &mut cv, &pal, heat, &d.gpus);
        status::footer(pen, &mut cv, &pal, inner, bottom, &d.footer[..footer_lines]);
        pen.clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_adapts_to_aspect() {
        let l = DashLayout::for_size(1920, 1080);
        assert!(l.panels.x > 0 && l.panels.x + l.panels.w == 1920 && l.term.w + l.panels.w == 1920);
        let p = DashLayout::for_size(1080, 1920);
        assert_eq!(p.panels.y, 0);
        assert_eq!(p.term.y, p.panels.h);
        assert_eq!(p.term.h + p.panels.h, 1920);
    }
}
