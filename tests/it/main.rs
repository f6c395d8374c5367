//! The integration tests, one binary so the program links once: the CLI and its errors, the
//! simulation's invariants, golden text, grids and images, and the display tests (Xvfb + XTEST)
//! for the window modes, the saver contract and the daemon.

// A scenario test reads best top to bottom, however long it is; the 80-line limit is for code.
#![allow(clippy::too_many_lines)]

mod cli;
mod clocks;
mod common;
mod daemon;
mod daemon_faults;
mod dbus;
mod follow;
mod fuzz;
mod golden_images;
mod golden_text;
mod hooks;
mod panels;
mod realism;
mod run_invariants;
mod saver;
mod screens;
mod simulation;
mod wayland;
mod window;
mod wire;
