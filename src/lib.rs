//! trainsaver: a screensaver drawing a fake terminal in which an imaginary LLM is trained.
//!
//! The flow runs one way: [`sim`] (seeded, clock-driven) -> [`term`] operations and grid ->
//! [`raster`] (pixels) -> [`present`] (window, PNG, ANSI). [`app`] wires modes on top.

pub mod app;
pub mod choice;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod hostargs;
pub mod present;
pub mod raster;
pub mod sim;
pub mod term;
