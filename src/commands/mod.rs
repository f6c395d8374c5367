//! The subcommands, one file each, on top of the settings and the pipeline.

pub mod bench;
pub mod completions;
pub mod config;
pub mod daemon;
pub mod list;
pub mod man;
pub mod render;
pub mod tty;
pub mod window;

use crate::error::{AppError, IoFailure};

/// Writes bytes the user asked for to stdout; failing to is a run-time error.
fn write_stdout(bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| IoFailure::new("writing to standard output", e).into())
}
