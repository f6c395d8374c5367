//! `completions SHELL`: a completion script, from the command line's own definition.

use crate::error::AppError;

/// `completions SHELL`: a completion script for the shell, from the clap definition.
pub fn run(shell: clap_complete::Shell) -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_complete::generate(
        shell,
        &mut crate::cli::Cli::command(),
        "trainsaver",
        &mut buf,
    );
    super::write_stdout(&buf)
}
