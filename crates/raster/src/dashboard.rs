//! Dashboard panels drawn in pixels beside the terminal: loss curve with validation points,
//! sparklines, a GPU heatmap, run progress and the last checkpoint.

use super::blend::mix;
use super::frame::BPP;
use super::render::Rasterizer;
use super::theme::Rgb;

/// A rectangle in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x: usize,
    /// Top.
    pub y: usize,
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
}

/// Where the terminal and the panels go in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DashLayout {
    /// The terminal's part.
    pub term: Rect,
    /// The panels' part.
    pub panels: Rect,
}

impl DashLayout {
    /// Landscape: panels on the right (38%); portrait: panels above the log (45%).
    pub fn for_size(width: usize, height: usize) -> DashLayout {
        if width >= height {
            let pw = width * 38 / 100;
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
            let ph = height * 45 / 100;
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

/// What the panels show; plain numbers, filled in by the caller from the simulation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PanelData {
    /// First header line (model and cluster).
    pub title: String,
    /// Second header line (job details).
    pub subtitle: String,
    /// Step reached.
    pub step: u64,
    /// Steps in the run.
    pub total: u64,
    /// Progress line (tokens seen, ETA).
    pub progress: String,
    /// Training loss as (step, loss).
    pub loss: Vec<(f64, f64)>,
    /// Validation loss as (step, loss).
    pub val: Vec<(f64, f64)>,
    /// Learning rate series.
    pub lr: Vec<f64>,
    /// Tokens per second per GPU series.
    pub tps: Vec<f64>,
    /// MFU series (0-1).
    pub mfu: Vec<f64>,
    /// Nodes in the job.
    pub nodes: u32,
    /// GPUs per node.
    pub gpus_per_node: u32,
    /// Utilisation (0-1) of the GPUs shown, row by row.
    pub util: Vec<f32>,
    /// Average utilisation, temperature and memory line.
    pub gpu_stats: String,
    /// Last checkpoint line.
    pub checkpoint: String,
}

fn fill(frame: &mut [u8], width: usize, r: Rect, c: Rgb) {
    let px = [c[0], c[1], c[2], 255];
    for y in r.y..r.y + r.h {
        let row = &mut frame[(y * width + r.x) * BPP..(y * width + r.x + r.w) * BPP];
        for p in row.chunks_exact_mut(BPP) {
            p.copy_from_slice(&px);
        }
    }
}

/// Blends colour `c` over pixel (x, y) with coverage `a` (0-1), clipped to `clip`.
fn plot(frame: &mut [u8], width: usize, clip: Rect, x: i64, y: i64, c: Rgb, a: f32) {
    if x < clip.x as i64
        || y < clip.y as i64
        || x >= (clip.x + clip.w) as i64
        || y >= (clip.y + clip.h) as i64
    {
        return;
    }
    let i = (y as usize * width + x as usize) * BPP;
    let old = [frame[i], frame[i + 1], frame[i + 2]];
    let new = mix(old, c, a.clamp(0.0, 1.0));
    frame[i..i + 3].copy_from_slice(&new);
}

/// An anti-aliased line (Xiaolin Wu), so curves stay smooth at any slope.
fn line(
    frame: &mut [u8],
    width: usize,
    clip: Rect,
    (x0, y0): (f32, f32),
    (x1, y1): (f32, f32),
    c: Rgb,
) {
    let steep = (y1 - y0).abs() > (x1 - x0).abs();
    let (mut x0, mut y0, mut x1, mut y1) = if steep {
        (y0, x0, y1, x1)
    } else {
        (x0, y0, x1, y1)
    };
    if x0 > x1 {
        std::mem::swap(&mut x0, &mut x1);
        std::mem::swap(&mut y0, &mut y1);
    }
    let dx = x1 - x0;
    let grad = if dx.abs() < 1e-6 { 1.0 } else { (y1 - y0) / dx };
    let mut y = y0 + grad * (x0.round() - x0);
    for x in x0.round() as i64..=x1.round() as i64 {
        let f = y.floor();
        let frac = y - f;
        for (yy, a) in [(f as i64, 1.0 - frac), (f as i64 + 1, frac)] {
            if steep {
                plot(frame, width, clip, yy, x, c, a);
            } else {
                plot(frame, width, clip, x, yy, c, a);
            }
        }
        y += grad;
    }
}

/// Draws a series scaled into `r` as a smooth polyline.
fn series(
    frame: &mut [u8],
    width: usize,
    r: Rect,
    pts: &[(f64, f64)],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    c: Rgb,
) {
    let sx = |x: f64| r.x as f32 + ((x - x0) / (x1 - x0).max(1e-12)) as f32 * (r.w as f32 - 1.0);
    let sy =
        |y: f64| r.y as f32 + (1.0 - ((y - y0) / (y1 - y0).max(1e-12)) as f32) * (r.h as f32 - 1.0);
    for w in pts.windows(2) {
        line(
            frame,
            width,
            r,
            (sx(w[0].0), sy(w[0].1)),
            (sx(w[1].0), sy(w[1].1)),
            c,
        );
    }
}

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    }
}

impl Rasterizer {
    /// Paints the dashboard panels into `area` of the frame (everything in it is redrawn).
    #[allow(clippy::too_many_lines)] // replaced by the panel modules of the next change
    pub fn draw_panels(
        &mut self,
        frame: &mut [u8],
        width: usize,
        height: usize,
        area: Rect,
        d: &PanelData,
    ) {
        let theme = self.theme().clone();
        let (bg, fg) = (theme.bg, theme.fg);
        let panel = mix(bg, fg, 0.06);
        let dim = mix(fg, bg, 0.45);
        let accent = theme.ansi[6];
        let area = Rect {
            h: area.h.min(height.saturating_sub(area.y)),
            w: area.w.min(width.saturating_sub(area.x)),
            ..area
        };
        fill(frame, width, area, bg);
        let m = self.cell();
        let pad = (m.width * 2).min(area.w / 10);
        if area.w < pad * 2 + m.width * 8 || area.h < m.height * 6 {
            return; // too small for panels
        }
        let inner_w = area.w - 2 * pad;
        let x = area.x + pad;
        let mut y = area.y + pad;

        // Header and progress.
        self.draw_text(frame, width, height, x, y, &d.title, fg, bg, true);
        y += m.height;
        self.draw_text(frame, width, height, x, y, &d.subtitle, dim, bg, false);
        y += m.height + m.height / 2;
        let frac = if d.total > 0 {
            d.step as f64 / d.total as f64
        } else {
            0.0
        };
        let label = format!("step {}/{}  {:.1}%", d.step, d.total, frac * 100.0);
        self.draw_text(frame, width, height, x, y, &label, fg, bg, false);
        y += m.height;
        let bar_h = (m.height / 2).max(3);
        fill(
            frame,
            width,
            Rect {
                x,
                y,
                w: inner_w,
                h: bar_h,
            },
            panel,
        );
        fill(
            frame,
            width,
            Rect {
                x,
                y,
                w: (inner_w as f64 * frac.clamp(0.0, 1.0)) as usize,
                h: bar_h,
            },
            theme.ansi[2],
        );
        y += bar_h + m.height / 3;
        self.draw_text(frame, width, height, x, y, &d.progress, dim, bg, false);
        y += m.height + m.height / 2;

        // Sections share what height is left: loss chart, three sparklines, heatmap, checkpoint.
        let left = (area.y + area.h).saturating_sub(y + pad + m.height);
        let chart_h = left * 40 / 100;
        let spark_h = left * 9 / 100;
        let heat_h = left.saturating_sub(chart_h + 3 * spark_h + 4 * (m.height / 2));

        // Loss curve with axes and validation points.
        let (xmin, xmax) = (0.0, d.total.max(1) as f64);
        let (lo, hi) = range(d.loss.iter().chain(&d.val).map(|p| p.1));
        // Zoom on the interesting part: the first steps fall from ln(vocab) and leave the top.
        let hi = hi.min(lo * 1.6 + 0.5);
        let chart = Rect {
            x,
            y: y + m.height,
            w: inner_w,
            h: chart_h.saturating_sub(m.height * 2).max(4),
        };
        self.draw_text(frame, width, height, x, y, "loss", fg, bg, true);
        let legend = format!(
            "train {}  val {}",
            d.loss.last().map_or("-".into(), |p| format!("{:.3}", p.1)),
            d.val.last().map_or("-".into(), |p| format!("{:.3}", p.1))
        );
        let lx = x + inner_w.saturating_sub(legend.chars().count() * m.width);
        self.draw_text(frame, width, height, lx, y, &legend, dim, bg, false);
        fill(frame, width, chart, panel);
        for k in 1..4 {
            let gy = chart.y + chart.h * k / 4;
            fill(
                frame,
                width,
                Rect {
                    x: chart.x,
                    y: gy,
                    w: chart.w,
                    h: 1,
                },
                mix(panel, fg, 0.08),
            );
        }
        series(frame, width, chart, &d.loss, (xmin, xmax), (lo, hi), accent);
        for &(vx, vy) in &d.val {
            let px = chart.x + ((vx - xmin) / (xmax - xmin) * (chart.w as f64 - 1.0)) as usize;
            let py = chart.y + ((1.0 - (vy - lo) / (hi - lo)) * (chart.h as f64 - 1.0)) as usize;
            let s = 2;
            let r = Rect {
                x: px.saturating_sub(s).max(chart.x),
                y: py.saturating_sub(s).max(chart.y),
                w: 2 * s + 1,
                h: 2 * s + 1,
            };
            let r = Rect {
                w: r.w.min(chart.x + chart.w - r.x),
                h: r.h.min(chart.y + chart.h - r.y),
                ..r
            };
            fill(frame, width, r, theme.ansi[3]);
        }
        let ylab = chart.y + chart.h + 2;
        self.draw_text(
            frame,
            width,
            height,
            x,
            ylab,
            &format!("{lo:.2} to {hi:.2}"),
            dim,
            bg,
            false,
        );
        let xl = format!("{} steps", d.total);
        self.draw_text(
            frame,
            width,
            height,
            x + inner_w.saturating_sub(xl.len() * m.width),
            ylab,
            &xl,
            dim,
            bg,
            false,
        );
        y += chart_h + m.height / 2;

        // Sparklines.
        let sparks: [(&str, &[f64], String, Rgb); 3] = [
            (
                "lr",
                &d.lr,
                d.lr.last().map_or("-".into(), |v| format!("{v:.2e}")),
                theme.ansi[5],
            ),
            (
                "tok/s/gpu",
                &d.tps,
                d.tps.last().map_or("-".into(), |v| format!("{v:.0}")),
                theme.ansi[4],
            ),
            (
                "MFU",
                &d.mfu,
                d.mfu
                    .last()
                    .map_or("-".into(), |v| format!("{:.1}%", v * 100.0)),
                theme.ansi[2],
            ),
        ];
        let label_w = 10 * m.width;
        for (name, vals, now, color) in sparks {
            self.draw_text(frame, width, height, x, y, name, fg, bg, false);
            self.draw_text(frame, width, height, x, y + m.height, &now, dim, bg, false);
            let r = Rect {
                x: x + label_w,
                y,
                w: inner_w.saturating_sub(label_w),
                h: spark_h.max(m.height * 2).min(area.h),
            };
            fill(frame, width, r, panel);
            let pts: Vec<(f64, f64)> = vals
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect();
            let (a, b) = range(vals.iter().copied());
            series(
                frame,
                width,
                r,
                &pts,
                (0.0, pts.len().max(2) as f64 - 1.0),
                (a, b),
                color,
            );
            y += r.h + m.height / 2;
        }

        // GPU heatmap: one cell per GPU, nodes as rows.
        let shown_nodes = (d.util.len() / d.gpus_per_node.max(1) as usize).max(1);
        let more = d.nodes as usize - shown_nodes.min(d.nodes as usize);
        let title = if more > 0 {
            format!("GPU utilisation (first {shown_nodes} of {} nodes)", d.nodes)
        } else {
            "GPU utilisation".into()
        };
        self.draw_text(frame, width, height, x, y, &title, fg, bg, true);
        y += m.height;
        let rows = shown_nodes;
        let cols = d.gpus_per_node.max(1) as usize;
        let avail_h = heat_h.saturating_sub(m.height * 2).max(rows);
        let cell = (inner_w / cols).min(avail_h / rows.max(1)).max(2);
        let gap = (cell / 8).max(1);
        // Idle GPUs are dark, busy ones bright green (80-100% spans most of the scale).
        let busy = theme.ansi[2];
        for (i, &u) in d.util.iter().enumerate() {
            let (r, c) = (i / cols, i % cols);
            let rect = Rect {
                x: x + c * cell,
                y: y + r * cell,
                w: cell - gap,
                h: cell - gap,
            };
            if rect.y + rect.h > area.y + area.h || rect.x + rect.w > area.x + area.w {
                continue;
            }
            let level = 0.15 + 0.85 * ((u - 0.8) / 0.2).clamp(0.0, 1.0) * u.clamp(0.0, 1.0);
            fill(
                frame,
                width,
                rect,
                mix(panel, busy, if u < 0.5 { 0.12 } else { level }),
            );
        }
        y += rows * cell + m.height / 3;
        if y + m.height <= area.y + area.h {
            self.draw_text(frame, width, height, x, y, &d.gpu_stats, dim, bg, false);
            y += m.height;
        }
        y += m.height / 3;
        if y + m.height <= area.y + area.h {
            self.draw_text(frame, width, height, x, y, &d.checkpoint, dim, bg, false);
        }
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

    #[test]
    fn wu_lines_are_smooth_and_clipped() {
        let (w, h) = (40, 20);
        let mut f = vec![0u8; w * h * BPP];
        let clip = Rect {
            x: 5,
            y: 5,
            w: 30,
            h: 10,
        };
        line(&mut f, w, clip, (0.0, 0.0), (39.0, 19.0), [255, 255, 255]);
        let at = |x: usize, y: usize| f[(y * w + x) * BPP];
        assert_eq!(at(2, 1), 0, "clipped outside the rectangle");
        let partial = (0..w)
            .flat_map(|x| (0..h).map(move |y| (x, y)))
            .filter(|&(x, y)| at(x, y) > 0 && at(x, y) < 255)
            .count();
        assert!(partial > 10, "anti-aliased edges expected");
    }
}
