//! Rasterizer: turns the terminal grid into RGBA pixels with fontdue. No window code here.

pub mod blend;
pub mod blocks;
pub mod dashboard;
pub mod effects;
pub mod font;
pub mod layout;
pub mod render;
pub mod theme;

pub use effects::Effects;
pub use font::{CellMetrics, Faces, FontError, FontSet};
pub use layout::{FontSize, PixelScale, Sizing};
pub use render::{BPP, Frame, Rasterizer, RenderReport};
pub use theme::{THEMES, Theme, theme_names};
