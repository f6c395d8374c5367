//! Rasterizer: turns the terminal grid into RGBA pixels with fontdue. No window code here.
//!
//! Depends on the terminal model only; windows, GPUs, files and config belong to the app.

mod blend;
mod blocks;
pub mod dashboard;
mod effects;
mod font;
mod frame;
mod layout;
mod render;
mod theme;

pub use dashboard::Rect;
pub use effects::Effects;
pub use font::{BUNDLED_BOLD, BUNDLED_REGULAR, Faces, FontError, FontSet};
pub use frame::{BPP, Frame, Plane, Shift};
pub use layout::{Fit, FontSize, PixelScale, SHRINK_ROWS, Sizing};
pub use render::{Moved, Piece, Rasterizer, RenderReport};
pub use theme::{THEMES, Theme, theme_names};
