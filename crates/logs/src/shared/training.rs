//! The training loop as any tool writes it: the step line when the step is logged, the bars
//! under the log.

use crate::writer::Writer;

/// The step line when the step is logged, then the style's bars.
pub fn step_finished(w: &mut Writer, logged: bool) {
    if let Some(last) = w.last
        && logged
    {
        let line = w.style().step_line(w, &last);
        w.print(line);
    }
    redraw_bars(w);
}

/// Draws the style's bars as they stand (nothing for a style without bars).
pub fn redraw_bars(w: &mut Writer) {
    let bars = w.bars();
    if !bars.is_empty() || !w.live_rows().is_empty() {
        w.live(bars);
    }
}
