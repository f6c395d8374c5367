//! Sparklines: a recent series with its latest value, and the range it is drawn over written
//! beside it, so that small noise looks as small as it is.

use super::canvas::{Canvas, Pen, Rect};
use super::scale::robust_range;
use super::{Palette, Spark, SparkUnit};

/// A y-range bound as the label beside the line shows it.
fn bound(v: f64, unit: SparkUnit) -> String {
    match unit {
        SparkUnit::Count if v.abs() >= 10_000.0 => format!("{:.1}k", v / 1000.0),
        SparkUnit::Count => format!("{v:.0}"),
        SparkUnit::Percent => format!("{:.1}%", v * 100.0),
        SparkUnit::Scientific if v == 0.0 => "0".into(),
        SparkUnit::Scientific => format!("{v:.1e}"),
    }
}

/// Draws one sparkline in `r`.
pub fn draw(pen: &mut Pen, cv: &mut Canvas<'_>, pal: &Palette, r: Rect, s: &Spark) {
    let (lh, cw) = (pen.line_h(), pen.char_w());
    let label_w = 11 * cw;
    let range_w = 8 * cw;
    pen.text(cv, r.x, r.y, label_w - cw, &s.name, pal.fg, pal.bg, false);
    pen.text(
        cv,
        r.x,
        r.y + lh,
        label_w - cw,
        &s.now,
        pal.fg,
        pal.bg,
        true,
    );
    let h = r.h.max(lh * 2);
    let plot = Rect {
        x: r.x + label_w,
        y: r.y,
        w: r.w.saturating_sub(label_w + range_w),
        h,
    };
    cv.fill(plot, pal.panel);
    let Some((mut lo, mut hi)) = robust_range(s.values.iter().copied(), s.min_span) else {
        return;
    };
    if s.min_span >= 2.0 {
        // A quantity that falls towards zero (the learning rate) is drawn from zero.
        lo = 0.0;
        hi = s.values.iter().copied().fold(hi, f64::max) * 1.05;
    }
    let right = r.right();
    pen.text_right(
        cv,
        right,
        plot.y,
        range_w,
        &bound(hi, s.unit),
        pal.dim,
        pal.bg,
    );
    pen.text_right(
        cv,
        right,
        plot.bottom().saturating_sub(lh),
        range_w,
        &bound(lo, s.unit),
        pal.dim,
        pal.bg,
    );
    let n = s.values.len().max(2) - 1;
    let px = |i: usize| plot.x as f32 + i as f32 / n as f32 * (plot.w as f32 - 1.0);
    let py = |v: f64| {
        let t = ((v - lo) / (hi - lo).max(1e-12)).clamp(0.0, 1.0);
        plot.y as f32 + (1.0 - t as f32) * (plot.h as f32 - 1.0)
    };
    let color = match s.unit {
        SparkUnit::Count => pal.blue,
        SparkUnit::Percent => pal.green,
        SparkUnit::Scientific => pal.magenta,
    };
    for (i, w) in s.values.windows(2).enumerate() {
        cv.line((px(i), py(w[0])), (px(i + 1), py(w[1])), color);
    }
}
