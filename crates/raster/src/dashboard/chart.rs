//! The loss chart, drawn the way an experiment tracker draws it: the run's whole history,
//! steps on the x axis with round ticks, a y range that spikes do not stretch, the raw curve
//! faint under its smoothed line, validation points, the current point marked and where the
//! job on screen resumed the run.

use super::canvas::{Canvas, Pen, Rect};
use super::scale::{robust_range, smooth, smoothing_for, step_label, ticks};
use super::{ChartData, Palette};
use crate::blend::mix;

/// Maps data coordinates into a plot box.
struct Axes {
    plot: Rect,
    x: (f64, f64),
    y: (f64, f64),
}

impl Axes {
    fn px(&self, x: f64) -> f32 {
        let t = (x - self.x.0) / (self.x.1 - self.x.0).max(1e-12);
        self.plot.x as f32 + t.clamp(0.0, 1.0) as f32 * (self.plot.w as f32 - 1.0)
    }

    fn py(&self, y: f64) -> f32 {
        let t = (y - self.y.0) / (self.y.1 - self.y.0).max(1e-12);
        self.plot.y as f32 + (1.0 - t.clamp(0.0, 1.0)) as f32 * (self.plot.h as f32 - 1.0)
    }
}

/// Draws the chart in `r`.
pub fn draw(pen: &mut Pen, cv: &mut Canvas<'_>, pal: &Palette, r: Rect, d: &ChartData) {
    let (lh, cw) = (pen.line_h(), pen.char_w());
    pen.text(cv, r.x, r.y, r.w, "loss", pal.fg, pal.bg, true);
    let raw: Vec<f64> = d.loss.iter().map(|p| p.1).collect();
    let smoothed = smooth(&raw, smoothing_for(raw.len()));
    legend(pen, cv, pal, r, &smoothed, d);
    let label_w = 6 * cw;
    let plot = Rect {
        x: r.x + label_w,
        y: r.y + lh + lh / 3,
        w: r.w.saturating_sub(label_w),
        h: r.h.saturating_sub(2 * lh + lh / 3),
    };
    cv.fill(plot, pal.panel);
    let ys = raw.iter().chain(d.val.iter().map(|p| &p.1)).copied();
    let (Some(y), Some(last)) = (robust_range(ys, 0.02), d.loss.last()) else {
        let msg = "waiting for the first logged step";
        pen.text(
            cv,
            plot.x + cw,
            plot.y + plot.h / 2,
            plot.w,
            msg,
            pal.dim,
            pal.panel,
            false,
        );
        return;
    };
    // Steps from the run's start to just past the newest point, which is marked.
    let x1 = (last.0 * 1.03).max(1.0);
    let ax = Axes {
        plot,
        x: (0.0, x1),
        y,
    };
    grid(pen, cv, pal, &ax);
    if let Some(at) = d.resumed_at {
        let x = ax.px(at) as usize;
        cv.dotted_vline(x, plot.y..plot.bottom(), pal.dim);
        // The label goes where it fits: right of the line, else left of it.
        let word = "resumed";
        let w = pen.width_of(word);
        let lx = if x + cw / 2 + w <= plot.right() {
            x + cw / 2
        } else {
            x.saturating_sub(w + cw / 2).max(plot.x)
        };
        pen.text(cv, lx, plot.y + 2, w, word, pal.dim, pal.panel, false);
    }
    let faint = mix(pal.panel, pal.cyan, 0.35);
    polyline(cv, &ax, d.loss.iter().copied(), faint);
    polyline(
        cv,
        &ax,
        d.loss.iter().map(|p| p.0).zip(smoothed.iter().copied()),
        pal.cyan,
    );
    polyline(
        cv,
        &ax,
        d.val.iter().copied(),
        mix(pal.panel, pal.yellow, 0.6),
    );
    for &(vx, vy) in &d.val {
        dot(cv, ax.px(vx), ax.py(vy), 2, pal.yellow);
    }
    let now_y = *smoothed.last().unwrap_or(&last.1);
    dot(cv, ax.px(last.0), ax.py(now_y), 3, pal.fg);
}

/// `train 1.961  val 1.992`, right-aligned on the title line.
fn legend(
    pen: &mut Pen,
    cv: &mut Canvas<'_>,
    pal: &Palette,
    r: Rect,
    smoothed: &[f64],
    d: &ChartData,
) {
    let train = smoothed.last().map_or("-".into(), |v| format!("{v:.3}"));
    let val = d.val.last().map_or("-".into(), |p| format!("{:.3}", p.1));
    let val_part = format!("  val {val}");
    let x = pen.text_right(cv, r.right(), r.y, r.w / 2, &val_part, pal.yellow, pal.bg);
    let train_part = format!("train {train}");
    pen.text_right(cv, x, r.y, r.w / 2, &train_part, pal.cyan, pal.bg);
}

/// Grid lines at round values, labelled on the left and below.
fn grid(pen: &mut Pen, cv: &mut Canvas<'_>, pal: &Palette, ax: &Axes) {
    let (lh, cw) = (pen.line_h(), pen.char_w());
    let p = ax.plot;
    let y_ticks = ticks(ax.y.0, ax.y.1, (p.h / (lh * 2)).clamp(2, 5));
    for t in y_ticks {
        let y = ax.py(t) as usize;
        cv.fill(
            Rect {
                x: p.x,
                y,
                w: p.w,
                h: 1,
            },
            pal.grid,
        );
        let label = format!("{t:.2}");
        let top = y.saturating_sub(lh / 2).max(p.y.saturating_sub(lh / 2));
        pen.text_right(
            cv,
            p.x.saturating_sub(cw / 2),
            top,
            6 * cw,
            &label,
            pal.dim,
            pal.bg,
        );
    }
    let n = (p.w / (cw * 9)).clamp(2, 6);
    for t in ticks(ax.x.0, ax.x.1, n) {
        let x = ax.px(t) as usize;
        cv.fill(
            Rect {
                x,
                y: p.y,
                w: 1,
                h: p.h,
            },
            pal.grid,
        );
        let label = step_label(t);
        let lx = x.saturating_sub(pen.width_of(&label) / 2).max(p.x);
        let room = (p.right() + 3 * cw).saturating_sub(lx);
        pen.text(cv, lx, p.bottom() + 2, room, &label, pal.dim, pal.bg, false);
    }
}

fn polyline(
    cv: &mut Canvas<'_>,
    ax: &Axes,
    pts: impl Iterator<Item = (f64, f64)>,
    c: crate::theme::Rgb,
) {
    let mut prev: Option<(f32, f32)> = None;
    for (x, y) in pts {
        let p = (ax.px(x), ax.py(y));
        if let Some(q) = prev {
            cv.line(q, p, c);
        }
        prev = Some(p);
    }
}

/// A filled square marker of half-size `s` centred on (x, y).
fn dot(cv: &mut Canvas<'_>, x: f32, y: f32, s: usize, c: crate::theme::Rgb) {
    let (x, y) = (x.round() as usize, y.round() as usize);
    cv.fill(
        Rect {
            x: x.saturating_sub(s),
            y: y.saturating_sub(s),
            w: 2 * s + 1,
            h: 2 * s + 1,
        },
        c,
    );
}
