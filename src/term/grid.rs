//! The terminal grid: logical lines with bounded scrollback, a cursor and per-row damage.
//!
//! Lines are stored whole and cut at the right edge when drawn (no wrapping), so a resize only
//! changes which part is visible and never reflows history.

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
    /// Lines dropped from the front of `lines` so far; makes screen positions absolute.
    dropped: u64,
    cursor: usize,
    cursor_col: usize,
    dirty: Vec<bool>,
    scrolled: usize,
    full: bool,
    /// Absolute index of the top screen line when damage was last cleared.
    last_top: u64,
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
            dropped: 0,
            cursor: 0,
            cursor_col: 0,
            dirty: vec![true; rows],
            scrolled: 0,
            full: true,
            last_top: 0,
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
        self.trim();
        self.last_top = self.top_abs();
    }

    /// Applies one terminal operation.
    pub fn apply(&mut self, op: &TermOp) {
        match op {
            TermOp::Print(line) => {
                self.write(line);
                self.cursor += 1;
                self.cursor_col = 0;
                self.trim();
                self.note_scroll();
            }
            TermOp::Rewrite(line) => {
                self.write(line);
                self.note_scroll();
            }
            TermOp::MoveUp(n) => {
                let top = self.top();
                self.cursor = self.cursor.saturating_sub(*n).max(top);
                self.cursor_col = 0;
            }
            TermOp::Clear => {
                self.dropped += self.lines.len() as u64;
                self.lines.clear();
                self.cursor = 0;
                self.cursor_col = 0;
                self.full = true;
                self.dirty.fill(true);
                self.last_top = self.top_abs();
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
            .get(self.top() + r)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Cursor position on screen as (column, row).
    pub fn cursor(&self) -> (usize, usize) {
        (self.cursor_col, self.cursor - self.top())
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

    fn write(&mut self, line: &StyledLine) {
        let cells: Vec<Cell> = line
            .cells()
            .take(MAX_LINE_CELLS)
            .map(|(ch, style)| Cell { ch, style })
            .collect();
        self.cursor_col = cells.len();
        if self.cursor == self.lines.len() {
            self.lines.push_back(cells);
        } else {
            self.lines[self.cursor] = cells;
        }
        let top = self.top();
        if let Some(d) = self.dirty.get_mut(self.cursor.saturating_sub(top)) {
            *d = true;
        }
    }

    /// Index in `lines` of the top screen row: the screen always shows the cursor row at the bottom-most.
    fn top(&self) -> usize {
        (self.lines.len().max(self.cursor + 1)).saturating_sub(self.rows)
    }

    fn top_abs(&self) -> u64 {
        self.dropped + self.top() as u64
    }

    /// Drops history beyond the scrollback limit.
    fn trim(&mut self) {
        let keep = self.rows + self.scrollback;
        while self.lines.len() > keep && self.cursor > 0 {
            self.lines.pop_front();
            self.cursor -= 1;
            self.dropped += 1;
        }
    }

    /// Turns a move of the screen's top line into scroll damage.
    fn note_scroll(&mut self) {
        let top = self.top_abs();
        let by = top.saturating_sub(self.last_top) as usize;
        if by == 0 {
            return;
        }
        self.last_top = top;
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
