//! trainsaver: a screensaver drawing a fake terminal in which an imaginary LLM is trained.
//!
//! The flow runs one way, crate by crate: `sim` (seeded, clock-driven typed events) -> `logs`
//! (a log style writes them as terminal operations) -> `term` (the cell grid) -> `raster`
//! (pixels). This crate sits on top: `pipeline` ties the stages together without a display;
//! `present` puts frames and lines somewhere (a window surface, a PNG, a terminal); `runtime`
//! runs windows, input and the screensaver lock; `modes` are the subcommands; `daemon` watches
//! idle time. See ARCHITECTURE.md.

pub mod cli;
mod config;
mod daemon;
mod hostargs;
pub mod modes;
mod pipeline;
mod present;
mod runtime;

// What the binary and the integration tests use; everything else stays inside the crate, so
// dead code is reported.
pub use config::Layout;
pub use hostargs::normalize;
pub use pipeline::{Look, Pipeline};
pub use present::ansi::{AnsiWriter, RESTORE, WRAP_OFF};
pub use present::png::{read_png, write_png};
pub use runtime::schedule::drift_offset;
