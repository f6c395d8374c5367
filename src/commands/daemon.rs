//! `daemon`: watch idle time and run the saver when the desk is idle.

use crate::cli::{Common, DaemonArgs};
use crate::config::Config;
use crate::error::{AppError, IoFailure};
use crate::settings::Settings;

/// `daemon`: run the saver when the desk is idle.
///
/// `saver_flags` are the saver flags given to the daemon, as typed ([`crate::cli::saver_args`]):
/// the saver it starts gets every one of them.
pub fn run(
    common: &Common,
    saver_flags: &[String],
    s: &Settings,
    args: &DaemonArgs,
) -> Result<(), AppError> {
    use crate::daemon::{DaemonOptions, DaemonSettings};
    let command = match &args.command {
        Some(cmd) => vec!["/bin/sh".to_string(), "-c".to_string(), cmd.clone()],
        None => {
            let exe = std::env::current_exe()
                .map_err(|e| IoFailure::new("cannot find my own binary", e))?;
            let mut c = vec![exe.display().to_string(), "--fullscreen".to_string()];
            c.extend_from_slice(saver_flags);
            c
        }
    };
    let settings_of = |c: &Config| DaemonSettings {
        idle: args.idle.unwrap_or(c.idle_timeout),
        inhibit_fullscreen: c.inhibit_fullscreen && !args.no_inhibit,
        dbus_service: c.dbus_inhibit && !args.no_inhibit,
        source: c.idle_source,
        skip_when_playing: c.skip_when_playing && !args.no_inhibit,
    };
    let opts = DaemonOptions {
        command,
        once: args.once,
        verbose: args.verbose,
    };
    let reload = || Settings::resolve(common).map(|s| settings_of(&s.config));
    Ok(crate::daemon::run(opts, settings_of(&s.config), reload)?)
}
