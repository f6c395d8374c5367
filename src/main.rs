use clap::{CommandFactory, FromArgMatches};

use trainsaver::cli::{Cli, Command, saver_args};
use trainsaver::modes::{self as app, AppError, Settings};

fn run(cli: &Cli, saver_flags: &[String]) -> Result<(), AppError> {
    if let Some(Command::Config { action }) = &cli.command {
        return app::config_cmd(&cli.common, action);
    }
    let settings = Settings::resolve(&cli.common)?;
    match &cli.command {
        None => app::window_mode(&settings, &cli.window),
        Some(Command::Render(args)) => app::render(&settings, args),
        Some(Command::Tty(args)) => app::tty::run(&settings, args),
        Some(Command::Bench(args)) => app::bench::run(&settings, args),
        Some(Command::Daemon(args)) => app::daemon_mode(&cli.common, saver_flags, &settings, args),
        Some(Command::Config { .. }) => unreachable!("handled above"),
    }
}

fn main() {
    let args = trainsaver::normalize(std::env::args_os().collect());
    let matches = Cli::command().get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Err(e) = run(&cli, &saver_args(&matches)) {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "trainsaver: error: {e}");
        std::process::exit(e.exit_code());
    }
}
