//! Terminal model: styled lines, the operations that write them, and the cell grid they land in.

pub mod grid;
pub mod ops;
pub mod style;

pub use grid::{Cell, Damage, Grid};
pub use ops::{MAX_LIVE_ROWS, TermOp};
pub use style::{Color, Span, Style, StyledLine};
