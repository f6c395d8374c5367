//! `man`: the manual page, from the command line's own definition.

use crate::error::{AppError, IoFailure};

/// `man`: the manual page, from the same clap definition the program parses with.
pub fn run() -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut buf)
        .map_err(|e| IoFailure::new("rendering the manual page", e))?;
    super::write_stdout(&buf)
}
