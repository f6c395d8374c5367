//! The `trainsaver` binary: parses the command line and runs the command it names.

use clap::{CommandFactory, FromArgMatches};

use trainsaver::cli::{Cli, Command, saver_args};
use trainsaver::commands;
use trainsaver::error::AppError;
use trainsaver::settings::Settings;

fn run(cli: &Cli, saver_flags: &[String]) -> Result<(), AppError> {
    match &cli.command {
        Some(Command::Config { action }) => return commands::config::run(&cli.common, action),
        Some(Command::Man) => return commands::man::run(),
        Some(Command::Completions { shell }) => return commands::completions::run(*shell),
        _ => {}
    }
    let settings = Settings::resolve(&cli.common)?;
    match &cli.command {
        None => commands::window::run(&settings, &cli.window),
        Some(Command::Render(args)) => commands::render::run(&settings, args),
        Some(Command::Tty(args)) => commands::tty::run(&settings, args),
        Some(Command::Bench(args)) => commands::bench::run(&settings, args),
        Some(Command::List { what }) => commands::list::run(&settings, *what),
        Some(Command::Daemon(args)) => {
            commands::daemon::run(&cli.common, saver_flags, &settings, args)
        }
        Some(Command::Config { .. } | Command::Man | Command::Completions { .. }) => {
            unreachable!("handled above")
        }
    }
}

/// Help and version go to stdout as clap writes them; a usage error is one line, like every
/// other bad input, with exit code 2.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            std::process::exit(0);
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            std::process::exit(2);
        }
        _ => {}
    }
    // clap spreads one error over several lines (what is wrong, the values allowed, usage);
    // keep what says what is wrong and what is allowed, on one line.
    let text = e.to_string();
    let msg: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect();
    let msg = msg.join(" ");
    let msg = msg.strip_prefix("error: ").unwrap_or(&msg);
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "trainsaver: error: {msg} (see --help)");
    std::process::exit(2);
}

fn main() {
    let args = trainsaver::normalize(std::env::args_os().collect());
    let matches = Cli::command()
        .try_get_matches_from(args)
        .unwrap_or_else(|e| usage_error(e));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| usage_error(e));
    if let Err(e) = run(&cli, &saver_args(&matches)) {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "trainsaver: error: {e}");
        std::process::exit(e.exit_code());
    }
}
