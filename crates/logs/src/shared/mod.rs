//! What every tool's job prints alike, grouped by where it comes from; [`crate::LogStyle`]'s
//! default methods call it, and a style that prints part of an event differently calls the
//! rest.

pub mod incidents;
pub mod launcher;
pub mod nccl;
pub mod procs;
pub mod training;

use term::{Color, Style, StyledLine};

/// A red line (tracebacks, watchdog and launcher errors).
pub fn red(msg: String) -> StyledLine {
    StyledLine::new().push(msg, Style::fg(Color::RED))
}
