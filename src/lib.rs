//! trainsaver: a screensaver drawing a fake terminal in which an imaginary LLM is trained.
//!
//! The flow runs one way, crate by crate: `sim` (seeded, clock-driven typed events) -> `logs`
//! (a log style writes them as terminal operations) -> `term` (the cell grid) -> `raster`
//! (pixels). This crate sits on top: [`pipeline`] ties the stages together without a display;
//! `present` puts frames and lines somewhere (a window surface, a PNG, a terminal); `runtime`
//! runs windows, input and the screensaver lock; `modes` are the subcommands; `daemon` watches
//! idle time. See ARCHITECTURE.md.

pub mod cli;
pub mod config;
mod daemon;
pub mod hostargs;
pub mod modes;
pub mod pipeline;
pub mod present;
mod runtime;

pub use runtime::schedule::drift_offset;
