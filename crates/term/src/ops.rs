//! The operations the simulation sends to a terminal.

use super::style::StyledLine;

/// Rows a [`TermOp::MoveUp`] may reach back at most; lines further up are settled.
///
/// Presenters that cannot rewrite (a pipe) print a line once it is this far above the cursor.
pub const MAX_LIVE_ROWS: usize = 4;

/// One terminal operation, in the order a program would write it to its tty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermOp {
    /// Write the line over the cursor row, then move to the start of the next row (scrolling at the bottom).
    Print(StyledLine),
    /// Replace the cursor row with the line and stay on it (carriage return + erase line + text).
    Rewrite(StyledLine),
    /// Move the cursor up this many rows (fewer than [`MAX_LIVE_ROWS`]).
    MoveUp(usize),
    /// Clear the screen and put the cursor at the top left.
    Clear,
}
