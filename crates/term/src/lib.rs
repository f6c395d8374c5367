//! Terminal model: styled lines, the operations that write them, a writer that keeps live rows
//! (progress bars) under scrolling log lines, and the cell grid they land in.
//!
//! No fonts, windows or files: everything here is plain data and is tested on its own.

mod grid;
mod live;
mod ops;
mod style;

pub use grid::{Cell, Damage, Grid, MAX_LINE_CELLS};
pub use live::LiveWriter;
pub use ops::{MAX_LIVE_ROWS, TermOp};
pub use style::{Color, DEFAULT_BAR, Fill, Span, Style, StyledLine, bar};
