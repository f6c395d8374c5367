//! The words of the dashboard: the job, its phase and progress at the top, checkpoints,
//! restarts and incidents at the bottom.

use super::canvas::{Canvas, Pen, Rect};
use super::{Palette, PanelData};

/// Title, subtitle, the phase and the progress bar; returns the y below them.
pub fn header(pen: &mut Pen, cv: &mut Canvas<'_>, pal: &Palette, r: Rect, d: &PanelData) -> usize {
    let lh = pen.line_h();
    let mut y = r.y;
    pen.text(cv, r.x, y, r.w, &d.title, pal.fg, pal.bg, true);
    y += lh;
    pen.text(cv, r.x, y, r.w, &d.subtitle, pal.dim, pal.bg, false);
    y += lh + lh / 2;
    // The phase as a badge: a dot in its tone, the words beside it.
    let tone = pal.tone(d.tone);
    let x = pen.text(cv, r.x, y, r.w, "● ", tone, pal.bg, false);
    pen.text(
        cv,
        x,
        y,
        r.right().saturating_sub(x),
        &d.phase,
        tone,
        pal.bg,
        true,
    );
    y += lh;
    let frac = if d.total > 0 {
        (d.step as f64 / d.total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let label = if d.total > 0 {
        format!("step {}/{}  {:.1}%", d.step, d.total, frac * 100.0)
    } else {
        format!("step {}", d.step)
    };
    pen.text(cv, r.x, y, r.w, &label, pal.fg, pal.bg, false);
    y += lh;
    let bar_h = (lh / 2).max(3);
    let bar = Rect {
        x: r.x,
        y,
        w: r.w,
        h: bar_h,
    };
    cv.fill(bar, pal.panel);
    cv.fill(
        Rect {
            w: (r.w as f64 * frac) as usize,
            ..bar
        },
        pal.green,
    );
    y += bar_h + lh / 3;
    pen.text(cv, r.x, y, r.w, &d.progress, pal.dim, pal.bg, false);
    y + lh + lh / 2
}

/// The footer lines from `bottom` down.
pub fn footer(
    pen: &mut Pen,
    cv: &mut Canvas<'_>,
    pal: &Palette,
    r: Rect,
    bottom: usize,
    lines: &[String],
) {
    let lh = pen.line_h();
    for (i, l) in lines.iter().enumerate() {
        pen.text(cv, r.x, bottom + i * lh, r.w, l, pal.dim, pal.bg, false);
    }
}
