//! Writing log lines above live rows (progress bars) the way a program does on a tty: move up
//! over the bars, print the new lines, redraw the bars below them.

use crate::ops::TermOp;
use crate::style::StyledLine;

/// Turns "print this line" and "the bars now read" into terminal operations.
#[derive(Debug, Default)]
pub struct LiveWriter {
    live: Vec<StyledLine>,
    ops: Vec<TermOp>,
}

impl LiveWriter {
    /// A writer with no live rows and no pending operations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Prints lines above the live rows, then redraws the live rows as `live`.
    pub fn show(&mut self, above: &[StyledLine], live: Vec<StyledLine>) {
        let old = self.live.len();
        if old > 1 {
            self.ops.push(TermOp::MoveUp(old - 1));
        }
        self.ops.extend(above.iter().cloned().map(TermOp::Print));
        let written = above.len() + live.len();
        // Rows of the old live area nothing overwrites are blanked so no stale bar remains.
        let stale = old.saturating_sub(written);
        if let Some((last, rest)) = live.split_last() {
            self.ops.extend(rest.iter().cloned().map(TermOp::Print));
            if stale == 0 {
                self.ops.push(TermOp::Rewrite(last.clone()));
            } else {
                self.ops.push(TermOp::Print(last.clone()));
            }
        }
        if stale > 0 {
            self.ops
                .extend((0..stale).map(|_| TermOp::Print(StyledLine::new())));
            self.ops
                .push(TermOp::MoveUp(stale + usize::from(!live.is_empty())));
            if let Some(last) = live.last() {
                self.ops.push(TermOp::Rewrite(last.clone()));
            }
        }
        self.live = live;
    }

    /// Prints one line above the live rows.
    pub fn print(&mut self, line: StyledLine) {
        let live = self.live.clone();
        self.show(&[line], live);
    }

    /// Redraws the live rows only.
    pub fn live(&mut self, live: Vec<StyledLine>) {
        self.show(&[], live);
    }

    /// Commits the live rows as ordinary lines (a finished bar stays on screen).
    pub fn settle(&mut self) {
        let live = self.live.clone();
        self.show(&live, Vec::new());
    }

    /// Removes the live rows, printing `above` where they were.
    pub fn clear_live(&mut self, above: &[StyledLine]) {
        self.show(above, Vec::new());
    }

    /// The live rows as last drawn.
    pub fn live_rows(&self) -> &[StyledLine] {
        &self.live
    }

    /// Hands out the operations written since the last call.
    pub fn drain(&mut self) -> std::vec::Drain<'_, TermOp> {
        self.ops.drain(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Grid;

    fn screen(w: &mut LiveWriter, g: &mut Grid) -> Vec<String> {
        let ops: Vec<TermOp> = w.drain().collect();
        g.apply_all(&ops);
        g.screen_text()
    }

    #[test]
    fn lines_go_above_live_rows() {
        let (mut w, mut g) = (LiveWriter::new(), Grid::new(40, 6, 10));
        w.print(StyledLine::plain("a"));
        w.live(vec![StyledLine::plain("bar1"), StyledLine::plain("bar2")]);
        w.print(StyledLine::plain("b"));
        w.live(vec![StyledLine::plain("bar1'"), StyledLine::plain("bar2'")]);
        assert_eq!(screen(&mut w, &mut g), ["a", "b", "bar1'", "bar2'", "", ""]);
        // Shrinking the live area leaves no stale bar behind.
        w.live(vec![StyledLine::plain("x")]);
        assert_eq!(screen(&mut w, &mut g), ["a", "b", "x", "", "", ""]);
        w.print(StyledLine::plain("c"));
        assert_eq!(screen(&mut w, &mut g), ["a", "b", "c", "x", "", ""]);
        w.settle();
        w.print(StyledLine::plain("d"));
        assert_eq!(screen(&mut w, &mut g), ["a", "b", "c", "x", "d", ""]);
        assert!(w.live_rows().is_empty());
    }

    #[test]
    fn bars_wider_than_the_screen_leave_no_copies() {
        // A portrait screen narrower than the bars: each bar is one row, cut at the edge.
        let (mut w, mut g) = (LiveWriter::new(), Grid::new(12, 6, 10));
        let bar = |name: &str, n| {
            StyledLine::plain(format!("{name}: "))
                .fill(n, 10, crate::Style::PLAIN)
                .push(format!(" {n}/10 [00:01<00:09]"), crate::Style::PLAIN)
        };
        for n in 0..4 {
            w.print(StyledLine::plain(format!("line {n}")));
            w.live(vec![bar("outer", 0), bar("inner", n), bar("eval", n)]);
        }
        let text = screen(&mut w, &mut g);
        let outer = text.iter().filter(|r| r.starts_with("outer")).count();
        assert_eq!(outer, 1, "{text:?}");
        assert_eq!(&text[..3], ["line 1", "line 2", "line 3"], "{text:?}");
        assert!(text.iter().all(|r| r.chars().count() <= 12), "{text:?}");
    }
}
