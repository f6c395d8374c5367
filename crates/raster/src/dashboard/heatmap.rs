//! The GPU heatmap: one cell per GPU, eight to a node, the cells as large as the panel allows;
//! nodes beyond what fits are summarised in words.

use super::canvas::{Canvas, Pen, Rect};
use super::{GpuData, Palette};
use crate::blend::mix;

/// Smallest cell drawn, pixels: below this, nodes are summarised instead.
const MIN_CELL: usize = 4;

/// How the nodes are arranged: cell size, node blocks per row, rows, nodes shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrangement {
    /// Cell side, pixels.
    pub cell: usize,
    /// Node blocks side by side.
    pub per_row: usize,
    /// Rows of node blocks.
    pub rows: usize,
    /// Nodes drawn.
    pub shown: usize,
}

/// The largest cells that show as many of `nodes` nodes of `per_node` GPUs as fit in w x h.
pub fn arrange(nodes: usize, per_node: usize, w: usize, h: usize) -> Arrangement {
    let per_node = per_node.max(1);
    let nodes = nodes.max(1);
    let fit = |cell: usize| {
        let gap = (cell / 6).max(1);
        let block = per_node * cell + cell / 2;
        let per_row = ((w + cell / 2) / block).max(1);
        let max_rows = (h + gap) / (cell + gap);
        (gap, per_row, max_rows)
    };
    let top = (w / per_node).min(h).max(MIN_CELL);
    for cell in (MIN_CELL..=top).rev() {
        let (_, per_row, max_rows) = fit(cell);
        if per_row * per_node * cell > w + cell || max_rows == 0 {
            continue;
        }
        let rows = nodes.div_ceil(per_row);
        if rows <= max_rows {
            return Arrangement {
                cell,
                per_row,
                rows,
                shown: nodes,
            };
        }
    }
    let (_, per_row, max_rows) = fit(MIN_CELL);
    let rows = max_rows.max(1);
    Arrangement {
        cell: MIN_CELL,
        per_row,
        rows,
        shown: (rows * per_row).min(nodes),
    }
}

/// Draws the heatmap in `r`.
pub fn draw(pen: &mut Pen, cv: &mut Canvas<'_>, pal: &Palette, r: Rect, d: &GpuData) {
    let lh = pen.line_h();
    if r.h < lh * 3 {
        return;
    }
    let per_node = d.per_node.max(1) as usize;
    let known = d.cells.len() / per_node;
    let title = format!("GPUs · {} nodes × {}", d.nodes, d.per_node);
    pen.text(cv, r.x, r.y, r.w, &title, pal.fg, pal.bg, true);
    let area = Rect {
        y: r.y + lh + lh / 4,
        h: r.h.saturating_sub(2 * lh + lh / 2),
        ..r
    };
    let a = arrange(known.min(d.nodes as usize).max(1), per_node, area.w, area.h);
    let gap = (a.cell / 6).max(1);
    let block = per_node * a.cell + a.cell / 2;
    for node in 0..a.shown.min(known) {
        let (row, col) = (node / a.per_row, node % a.per_row);
        for g in 0..per_node {
            let c = d.cells[node * per_node + g];
            let cell = Rect {
                x: area.x + col * block + g * a.cell,
                y: area.y + row * (a.cell + gap),
                w: a.cell - gap,
                h: a.cell - gap,
            };
            let level = 0.12 + 0.88 * f32::powi(c.util.clamp(0.0, 1.0), 2);
            let color = if c.slow {
                mix(pal.yellow, pal.red, 0.5)
            } else {
                mix(pal.panel, pal.green, level)
            };
            cv.fill(cell, color);
        }
    }
    let more = (d.nodes as usize).saturating_sub(a.shown.min(known));
    let mut line = d.summary.clone();
    if more > 0 {
        line = format!("+{more} nodes not drawn · {line}");
    }
    let y = area.y + a.rows * (a.cell + gap) + lh / 4;
    pen.text(
        cv,
        r.x,
        y.min(r.bottom().saturating_sub(lh)),
        r.w,
        &line,
        pal.dim,
        pal.bg,
        false,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_grow_to_fill_and_many_nodes_are_summarised() {
        // One node fills the width.
        let one = arrange(1, 8, 700, 300);
        assert!(one.cell * 8 >= 600, "{one:?}");
        // 64 nodes in a 700x300 box: all shown, cells as large as rows allow.
        let many = arrange(64, 8, 700, 300);
        assert_eq!(many.shown, 64);
        assert!(many.cell >= 8, "{many:?}");
        let block = 8 * many.cell + many.cell / 2;
        assert!(many.per_row * block <= 700 + many.cell);
        // 512 nodes do not fit at the smallest cell: the rest are summarised.
        let huge = arrange(512, 8, 300, 100);
        assert!(huge.shown < 512 && huge.cell == MIN_CELL, "{huge:?}");
    }
}
