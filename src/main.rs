use clap::Parser;

use trainsaver::cli::{Cli, Command};
use trainsaver::modes::{self as app, AppError, Settings};

fn run(cli: &Cli) -> Result<(), AppError> {
    if let Some(Command::Config { action }) = &cli.command {
        return app::config_cmd(&cli.common, action);
    }
    let settings = Settings::resolve(&cli.common)?;
    match &cli.command {
        None => app::window_mode(&settings, &cli.window),
        Some(Command::Render(args)) => app::render(&settings, args),
        Some(Command::Tty(args)) => app::tty::run(&settings, args),
        Some(Command::Bench(args)) => app::bench::run(&settings, args),
        Some(Command::Daemon(args)) => app::daemon_mode(&cli.common, &settings, args),
        Some(Command::Config { .. }) => unreachable!("handled above"),
    }
}

fn main() {
    let cli = Cli::parse_from(trainsaver::hostargs::normalize(
        std::env::args_os().collect(),
    ));
    if let Err(e) = run(&cli) {
        eprintln!("trainsaver: error: {e}");
        std::process::exit(e.exit_code());
    }
}
