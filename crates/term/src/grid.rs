//! The terminal grid: rows with bounded scrollback, a cursor and per-row damage.
//!
//! A printed line longer than the screen wraps onto the next rows as in xterm (auto-wrap on);
//! a rewritten row (a progress bar under `\r`) and a bar sized to the terminal stay one row
//! and are cut at the edge, as tqdm trims its line to the terminal's width. History
//! is not reflowed on resize, as in xterm: rows keep the width they were written at.

use std::collections::VecDeque;

use super::ops::TermOp;
use super::style::{Style, StyledLine};

/// Longest line kept, in cells; the rest is dropped so one runaway line cannot eat memory.
pub const MAX_LINE_CELLS: usize = 1024;

/// One character cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The character shown.
    pub ch: char,
    /// Its colours and attributes.
    pub style: Style,
}

/// What changed on screen since the last [`Grid::clear_damage`].
#[derive(Debug, PartialEq, Eq)]
pub struct Damage<'a> {
    /// Rows the content moved up by (the rasterizer may shift pixels instead of repainting).
    pub scrolled: usize,
    /// Per screen row: must be repainted.
    pub rows: &'a [bool],
    /// Everything must be repainted (resize, clear).
    pub full: bool,
}

impl Damage<'_> {
    /// Whether anything at all changed.
    pub fn is_empty(&self) -> bool {
        !self.full && self.scrolled == 0 && !self.rows.iter().any(|&d| d)
    }
}

/// A terminal screen of `cols` x `rows` cells over a history of lines.
#[derive(Debug, Clone)]
pub struct Grid {
    cols: usize,
    rows: usize,
    scrollback: usize,
    lines: VecDeque<Vec<Cell>>,
    /// Index in `lines` of the top screen row; moves only by scrolling, resizing and clearing.
    top: usize,
    cursor: usize,
    cursor_col: usize,
    dirty: Vec<bool>,
    scrolled: usize,
    full: bool,
}

impl Grid {
    /// An empty grid; `scrollback` lines are kept above the screen.
    pub fn new(cols: usize, rows: usize, scrollback: usize) -> Self {
        let rows = rows.max(1);
        Grid {
            cols: cols.max(1),
            rows,
            scrollback,
            lines: VecDeque::new(),
            top: 0,
            cursor: 0,
            cursor_col: 0,
            dirty: vec![true; rows],
            scrolled: 0,
            full: true,
        }
    }

    /// Screen width in cells.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Screen height in cells.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Changes the screen size; the bottom of the history stays in view.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        let (cols, rows) = (cols.max(1), rows.max(1));
        if (cols, rows) == (self.cols, self.rows) {
            return;
        }
        self.cols = cols;
        self.rows = rows;
        self.dirty = vec![true; rows];
        self.full = true;
        // Keep the bottom of the history (and the cursor) in view.
        let bottom = self.lines.len().max(self.cursor + 1);
        self.top = bottom.saturating_sub(rows);
        self.trim();
    }

    /// Applies one terminal operation.
    pub fn apply(&mut self, op: &TermOp) {
        match op {
            TermOp::Print(line) => {
                let mut cells = self.cells_of(line);
                // A bar sized to the terminal is cut at its edge, as tqdm trims its line to the
                // width (`format_meter`: `disp_trim(res, ncols)`): it never wraps, so a writer
                // moving up over its bars counts one row each.
                if line.fill.is_some() {
                    cells.truncate(self.cols);
                }
                let mut chunks = cells.chunks(self.cols);
                self.put(chunks.next().map_or_else(Vec::new, <[Cell]>::to_vec));
                for chunk in chunks {
                    self.cursor += 1;
                    self.follow_cursor();
                    self.trim();
                    self.put(chunk.to_vec());
                }
                self.cursor += 1;
                self.cursor_col = 0;
                self.follow_cursor();
                self.trim();
            }
            TermOp::Rewrite(line) => {
                let cells = self.cells_of(line);
                self.put(cells);
            }
            TermOp::MoveUp(n) => {
                self.cursor = self.cursor.saturating_sub(*n).max(self.top);
                self.cursor_col = 0;
            }
            TermOp::Clear => {
                self.lines.clear();
                self.top = 0;
                self.cursor = 0;
                self.cursor_col = 0;
                self.full = true;
                self.dirty.fill(true);
                self.scrolled = 0;
            }
        }
    }

    /// Applies a sequence of operations.
    pub fn apply_all<'a>(&mut self, ops: impl IntoIterator<Item = &'a TermOp>) {
        for op in ops {
            self.apply(op);
        }
    }

    /// The cells of screen row `r` (may be longer than `cols`, or empty).
    pub fn row(&self, r: usize) -> &[Cell] {
        self.lines
            .get(self.top + r)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Cursor position on screen as (column, row).
    pub fn cursor(&self) -> (usize, usize) {
        (self.cursor_col, self.cursor - self.top)
    }

    /// What changed since damage was last cleared.
    pub fn damage(&self) -> Damage<'_> {
        Damage {
            scrolled: self.scrolled,
            rows: &self.dirty,
            full: self.full,
        }
    }

    /// Marks the screen as drawn.
    pub fn clear_damage(&mut self) {
        self.dirty.fill(false);
        self.scrolled = 0;
        self.full = false;
    }

    /// Marks every row for repainting (e.g. after the presenter lost its buffer).
    pub fn damage_all(&mut self) {
        self.full = true;
        self.dirty.fill(true);
    }

    /// The screen as plain text, one string per row, trailing spaces trimmed (for tests and snapshots).
    pub fn screen_text(&self) -> Vec<String> {
        (0..self.rows)
            .map(|r| {
                let s: String = self.row(r).iter().take(self.cols).map(|c| c.ch).collect();
                s.trim_end().to_string()
            })
            .collect()
    }

    /// A line's cells at this width (its bar, if any, sized to the spare columns).
    fn cells_of(&self, line: &StyledLine) -> Vec<Cell> {
        line.cells_at(Some(self.cols))
            .take(MAX_LINE_CELLS)
            .map(|(ch, style)| Cell { ch, style })
            .collect()
    }

    /// Puts one row's cells at the cursor row.
    fn put(&mut self, cells: Vec<Cell>) {
        self.cursor_col = cells.len().min(self.cols);
        if self.cursor == self.lines.len() {
            self.lines.push_back(cells);
        } else {
            self.lines[self.cursor] = cells;
        }
        if let Some(d) = self.dirty.get_mut(self.cursor - self.top) {
            *d = true;
        }
    }

    /// Drops history beyond the scrollback limit (never screen lines).
    fn trim(&mut self) {
        let excess = self.top.saturating_sub(self.scrollback);
        if excess > 0 {
            self.lines.drain(..excess);
            self.top -= excess;
            self.cursor -= excess;
        }
    }

    /// Scrolls so the cursor row is on screen, recording the scroll as damage.
    fn follow_cursor(&mut self) {
        if self.cursor < self.top + self.rows {
            return;
        }
        let by = self.cursor + 1 - self.rows - self.top;
        self.top += by;
        if by >= self.rows {
            self.dirty.fill(true);
            self.scrolled = self.rows;
        } else {
            self.dirty.rotate_left(by);
            let n = self.rows;
            self.dirty[n - by..].fill(true);
            self.scrolled = (self.scrolled + by).min(self.rows);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StyledLine;

    fn p(s: &str) -> TermOp {
        TermOp::Print(StyledLine::plain(s))
    }

    fn r(s: &str) -> TermOp {
        TermOp::Rewrite(StyledLine::plain(s))
    }

    #[test]
    fn prints_fill_then_scroll() {
        let mut g = Grid::new(10, 3, 5);
        g.apply_all(&[p("a"), p("b")]);
        assert_eq!(g.screen_text(), ["a", "b", ""]);
        assert_eq!(g.cursor(), (0, 2));
        g.clear_damage();
        g.apply_all(&[p("c"), p("d")]);
        // The cursor row is always on screen: after "d" it waits on a fresh bottom row.
        assert_eq!(g.screen_text(), ["c", "d", ""]);
        let d = g.damage();
        assert_eq!(d.scrolled, 2);
        assert_eq!(d.rows, &[true, true, true]);
    }

    #[test]
    fn rewrite_replaces_the_cursor_row_only() {
        let mut g = Grid::new(20, 4, 5);
        g.apply_all(&[p("log"), r("bar 10%")]);
        g.clear_damage();
        g.apply(&r("bar 55%"));
        assert_eq!(g.screen_text(), ["log", "bar 55%", "", ""]);
        assert_eq!(g.cursor(), (7, 1));
        let d = g.damage();
        assert_eq!((d.scrolled, d.full), (0, false));
        assert_eq!(d.rows, &[false, true, false, false]);
    }

    #[test]
    fn move_up_rewrites_rows_above() {
        let mut g = Grid::new(20, 4, 5);
        g.apply_all(&[p("x"), p("epoch 1"), r("step 1")]);
        g.apply_all(&[TermOp::MoveUp(1), p("log"), p("epoch 2"), r("step 2")]);
        assert_eq!(g.screen_text(), ["x", "log", "epoch 2", "step 2"]);
        // Cannot move above the top of the screen.
        g.apply(&TermOp::MoveUp(99));
        assert_eq!(g.cursor(), (0, 0));
    }

    #[test]
    fn printed_lines_wrap_like_xterm_and_rewrites_stay_one_row() {
        let mut g = Grid::new(5, 4, 5);
        g.apply(&p("0123456789ab"));
        assert_eq!(g.screen_text(), ["01234", "56789", "ab", ""]);
        assert_eq!(g.cursor(), (0, 3));
        // Exactly the width: no empty continuation row (xterm's pending wrap).
        let mut g = Grid::new(5, 4, 5);
        g.apply_all(&[p("01234"), r("0123456789")]);
        assert_eq!(g.screen_text(), ["01234", "01234", "", ""]);
        // No reflow on resize: rows keep the width they were written at.
        g.resize(8, 4);
        assert_eq!(g.screen_text()[0], "01234");
        assert!(g.damage().full);
    }

    #[test]
    fn a_bar_fills_the_columns_its_line_leaves() {
        let line = |n| {
            StyledLine::plain(" 50%|")
                .fill(n, 10, Style::PLAIN)
                .push("| 5/10", Style::PLAIN)
        };
        let mut g = Grid::new(30, 2, 5);
        g.apply(&TermOp::Rewrite(line(5)));
        let row = &g.screen_text()[0];
        assert_eq!(row.chars().count(), 30, "{row:?}");
        assert_eq!(row, " 50%|█████████▌         | 5/10");
        // Unknown width (a pipe): tqdm's 10 cells.
        assert_eq!(line(5).text(), " 50%|█████     | 5/10");
        // Narrower than the text: the bar keeps one cell and the row is cut at the edge.
        let mut g = Grid::new(8, 2, 5);
        g.apply(&TermOp::Rewrite(line(10)));
        assert_eq!(g.screen_text()[0], " 50%|█|");
    }

    #[test]
    fn scrollback_is_bounded_and_returns_on_grow() {
        let mut g = Grid::new(10, 2, 3);
        for i in 0..100 {
            g.apply(&p(&format!("l{i}")));
        }
        assert_eq!(g.screen_text(), ["l99", ""]);
        g.resize(10, 5);
        assert_eq!(g.screen_text(), ["l96", "l97", "l98", "l99", ""]);
        assert!(g.lines.len() <= 2 + 3 + 1);
    }

    #[test]
    fn clear_blanks_everything() {
        let mut g = Grid::new(10, 3, 3);
        g.apply_all(&[p("a"), p("b"), TermOp::Clear, p("c")]);
        assert_eq!(g.screen_text(), ["c", "", ""]);
        assert!(g.damage().full);
    }
}
