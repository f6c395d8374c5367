//! trainsaver: a screensaver drawing a fake terminal in which an imaginary LLM is trained.
//!
//! The flow runs one way, crate by crate: `sim` (seeded, clock-driven typed events) -> `logs`
//! (a log style writes them as terminal operations) -> `term` (the cell grid) -> `raster`
//! (pixels). This crate sits on top: `pipeline` ties the stages together without a display;
//! `present` puts frames and lines somewhere (a window surface, a PNG, a terminal); `runtime`
//! runs windows, input and the screensaver lock; `settings` merges config and flags;
//! `commands` are the subcommands, one file each; `session` says which display this is;
//! `daemon` watches idle time. See ARCHITECTURE.md.

/// Writes a line to stderr, ignoring failure: a full disk or a closed pipe behind stderr
/// (`.xsession-errors`, a log reader that went away) must not stop the saver.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Writes a line to stdout, where the user asked for output; failing to is a run-time error.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*).map_err(|e| {
            crate::error::AppError::from(crate::error::IoFailure::new(
                "writing to standard output",
                e,
            ))
        })
    }};
}

pub mod cli;
pub mod commands;
mod config;
mod daemon;
pub mod error;
mod follow;
mod hostargs;
mod pipeline;
mod present;
mod runtime;
mod session;
pub mod settings;

// What the binary and the integration tests use; everything else stays inside the crate, so
// dead code is reported.
pub use config::Layout;
pub use config::{Columns, Flavor};
pub use hostargs::normalize;
pub use pipeline::drift_offset;
pub use pipeline::{Feed, Look, Out, Pipeline, RunSpec, TimedOp};
pub use present::ansi::{AnsiWriter, RESTORE, WRAP_OFF};
pub use present::png::{read_png, write_png};
pub use present::surface::{Stream, Surface, Update, WireError};
pub use present::xwire::WireSurface;
