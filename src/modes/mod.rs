//! Runtime modes on top of the pipeline: preview window, render, tty and config commands.

pub mod bench;
pub mod tty;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::cli::WindowFlags;
use crate::cli::{Common, ConfigAction, DaemonArgs, RenderArgs};
use crate::config::{
    self, CatalogError, Chord, Config, ConfigError, DEFAULT_TOML, FontFileError, load_catalog,
    load_faces,
};
use crate::config::{Monitors, MultiMonitor};
use crate::daemon::DaemonError;
use crate::pipeline::{Feed, Look, Pipeline, RunSpec};
use crate::present::png::PngError;
use crate::present::png::write_png;
use crate::runtime::input::{InputMode, InputPolicy};
use crate::runtime::lock;
use crate::runtime::schedule::Schedule;
use crate::runtime::window::{Factory, Placement, RuntimeOptions, WindowError, run as run_window};
use logs::ConsoleConfig;
use raster::Faces;
use raster::Theme;
use sim::{Catalog, GPUS_PER_NODE, Simulation};
use std::time::Duration;

/// A failure of a mode; its type decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A bad config file: exit code 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A bad catalog file: exit code 2.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A bad font: exit code 2.
    #[error(transparent)]
    Font(#[from] FontFileError),
    /// Other bad input (flag combinations, a host window id that does not parse): exit code 2.
    #[error("{0}")]
    Input(String),
    /// The window runtime failed: 3 when nothing can draw, else 1.
    #[error(transparent)]
    Window(#[from] WindowError),
    /// A PNG could not be written: exit code 1.
    #[error(transparent)]
    Png(#[from] PngError),
    /// The idle daemon failed: exit code 1.
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    /// Anything else failing at run time (I/O): exit code 1.
    #[error("{0}")]
    Runtime(String),
}

impl AppError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Config(_) | AppError::Catalog(_) | AppError::Font(_) | AppError::Input(_) => {
                2
            }
            AppError::Window(WindowError::NoPresenter(_)) => 3,
            AppError::Window(_) | AppError::Png(_) | AppError::Daemon(_) | AppError::Runtime(_) => {
                1
            }
        }
    }
}

/// Configuration after the file and the flags were merged.
#[derive(Clone)]
pub struct Settings {
    /// The merged configuration.
    pub config: Config,
    /// The catalog (built in or overridden from the config directory).
    pub catalog: Arc<Catalog>,
    /// The seed in use.
    pub seed: u64,
    /// The run's start time, if given.
    pub start: Option<NaiveDateTime>,
    /// Synchronised screens: when the run started on the wall clock.
    pub sync_epoch: Option<NaiveDateTime>,
    /// Whose console is shown.
    pub rank: u32,
    /// The faces to draw with (the config's font, checked once).
    pub faces: Faces,
}

/// Simulated time after which a synchronised run starts over on a new seed (see
/// [`Settings::synced`]); joining a run costs time in proportion to how far in it is.
pub const SYNC_PERIOD: Duration = Duration::from_secs(364 * 86400);

/// A fresh seed when none was given: from the clock and pid, kept short so it is easy to retype.
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos ^ (std::process::id() as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 44
}

/// The 2026-01-01 09:00:00 start used by `render` when `--start` is absent.
pub fn fixed_start() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("valid date")
}

/// The current local time to the second, the default start of live modes.
pub fn now_start() -> NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Local::now().naive_local();
    now.with_nanosecond(0).unwrap_or(now)
}

impl Settings {
    /// Reads the config file (flag or platform default), merges flags and loads the catalog.
    pub fn resolve(common: &Common) -> Result<Settings, AppError> {
        let mut config = match &common.config {
            Some(path) => Config::load(path, false),
            None => match config::default_path() {
                Some(path) => Config::load(&path, true),
                None => Ok(Config::default()),
            },
        }?;
        if let Some(v) = common.speed {
            config.speed = v;
        }
        if let Some(v) = &common.theme {
            config.theme = v.clone();
        }
        if let Some(v) = common.flavor {
            config.flavor = v;
        }
        if let Some(v) = common.font_size {
            config.font_size = v;
        }
        if let Some(v) = common.layout {
            config.layout = v;
        }
        if common.from_start {
            config.join_running = false;
        }
        let seed = common.seed.or(config.seed).unwrap_or_else(random_seed);
        let data_dir = config::config_dir().map(|d| d.join("data"));
        let catalog =
            load_catalog(data_dir.as_deref()).map_err(|e| AppError::Input(e.to_string()))?;
        let config_font = config.font.clone();
        Ok(Settings {
            sync_epoch: common.sync_epoch.or(config.sync_epoch),
            config,
            catalog: Arc::new(catalog),
            seed,
            start: common.start,
            rank: common.rank.unwrap_or(0),
            faces: load_faces(config_font.as_deref())?,
        })
    }

    /// The look (theme, font, sizes) from the config.
    pub fn look(&self) -> Look {
        let theme = Theme::by_name(&self.config.theme).expect("theme validated");
        Look {
            theme: self.config.colors.apply(theme),
            faces: self.faces.clone(),
            font_size: self.config.font_size,
            rows: self.config.rows,
            padding: self.config.padding as f32,
            scrollback: self.config.scrollback,
            pixel_scale: self.config.pixel_scale,
            effects: self.config.effects.resolve(theme),
            drift_px: self.config.drift_px,
            drift_period: self.config.drift_period.as_secs_f64(),
            layout: self.config.layout,
        }
    }

    /// Console settings with the given default start time.
    pub fn console(&self, default_start: NaiveDateTime) -> ConsoleConfig {
        ConsoleConfig {
            // Synchronised screens share the epoch as the run's start.
            start: self.sync_epoch.or(self.start).unwrap_or(default_start),
            rank: self.rank,
            disclosure: self.config.disclosure,
        }
    }

    /// The simulated run on the configured console.
    pub fn run(&self, default_start: NaiveDateTime) -> RunSpec {
        RunSpec {
            seed: self.seed,
            framework: self.config.flavor.framework(),
            catalog: self.catalog.clone(),
            console: self.console(default_start),
        }
    }

    /// The simulated run's feed, written on a console in each job's style.
    pub fn feed(&self, default_start: NaiveDateTime) -> Feed {
        Feed::new(self.run(default_start))
    }

    /// Where a live screen opening at `now` starts: the job clock's zero on the wall and the
    /// wall time already elapsed in the run. Synchronised screens use the shared epoch; an
    /// explicit `--start` starts there; otherwise the screen joins the first job at a seeded
    /// moment (`join_running`), its timestamps reading `now` on the first frame.
    pub fn live_origin(&self, now: NaiveDateTime) -> (NaiveDateTime, Duration) {
        if let Some(epoch) = self.sync_epoch {
            return (epoch, self.elapsed_since_epoch(now));
        }
        if self.start.is_some() || !self.config.join_running {
            return (self.start.unwrap_or(now), Duration::ZERO);
        }
        let lead = Simulation::join_point(self.seed, &self.catalog, self.config.flavor.framework());
        let start = chrono::Duration::from_std(lead)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(now);
        (start, lead.div_f64(self.config.speed))
    }

    /// A pipeline for frames of the given size.
    pub fn pipeline(&self, default_start: NaiveDateTime, width: usize, height: usize) -> Pipeline {
        Pipeline::new(
            self.run(default_start),
            &self.look(),
            self.config.speed,
            width,
            height,
        )
    }

    /// Wall-clock time elapsed since the synchronised epoch (zero when not synchronised).
    pub fn elapsed_since_epoch(&self, now: NaiveDateTime) -> Duration {
        self.sync_epoch
            .and_then(|e| (now - e).to_std().ok())
            .unwrap_or(Duration::ZERO)
    }

    /// The settings a synchronised screen uses at `now`: a shared run more than
    /// [`SYNC_PERIOD`] of simulated time old is rebased by whole periods onto a new epoch and
    /// seed, so screens that start in the same period agree and joining costs bounded time
    /// however long ago the epoch was set. (A screen running across a period boundary keeps
    /// the old period until restarted.)
    pub fn synced(&self, now: NaiveDateTime) -> Settings {
        let mut s = self.clone();
        let Some(epoch) = self.sync_epoch else {
            return s;
        };
        let period = SYNC_PERIOD.div_f64(self.config.speed);
        let elapsed = self.elapsed_since_epoch(now);
        let periods = (elapsed.as_secs_f64() / period.as_secs_f64()).floor();
        if periods >= 1.0 {
            let shift = chrono::Duration::from_std(period.mul_f64(periods))
                .unwrap_or(chrono::Duration::zero());
            s.sync_epoch = epoch.checked_add_signed(shift).or(Some(epoch));
            s.seed = self.seed ^ (periods as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        s
    }

    /// Tells the user which seed replays this run.
    pub fn announce_seed(&self) {
        note!(
            "trainsaver: seed {} (replay with --seed {})",
            self.seed,
            self.seed
        );
    }
}

/// The window modes: preview (default), fullscreen saver, kiosk, or embedded in a host window.
pub fn window_mode(s: &Settings, flags: &WindowFlags) -> Result<(), AppError> {
    let c = &s.config;
    let grace = Duration::from_millis(c.input_grace_ms);
    let chord = Chord::parse(&c.kiosk_chord).map_err(AppError::Input)?;
    let monitors = match flags.monitor {
        Some(n) => Monitors::List(vec![n]),
        None => c.monitors.clone(),
    };
    let embed_parent = || -> Result<u32, AppError> {
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use crate::runtime::x11::{parse_window_id, root_window};
            let from_env = std::env::var("XSCREENSAVER_WINDOW").ok();
            match (&flags.window_id, from_env) {
                (Some(id), _) => parse_window_id(id).map_err(AppError::Input),
                (None, Some(env)) => parse_window_id(&env)
                    .map_err(|e| AppError::Input(format!("$XSCREENSAVER_WINDOW: {e}"))),
                (None, None) => root_window().map_err(AppError::Runtime),
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        Err(AppError::Input(
            "drawing inside another window is only supported on X11".into(),
        ))
    };
    let (mode, placement) = if flags.root || flags.window_id.is_some() {
        (InputMode::Embedded, Placement::Embed(embed_parent()?))
    } else if flags.kiosk {
        (InputMode::Kiosk, Placement::Fullscreen(monitors))
    } else if flags.fullscreen {
        (InputMode::Saver, Placement::Fullscreen(monitors))
    } else {
        (InputMode::Preview, Placement::Window(1280, 720))
    };
    // One saver per display; a second one leaves quietly (idle hooks may fire twice).
    let _lock = if matches!(mode, InputMode::Saver | InputMode::Kiosk) {
        // Keyed by the display the window will really open on: a stale WAYLAND_DISPLAY
        // falls back to X11 there, so it must here too.
        let wayland = std::env::var("WAYLAND_DISPLAY")
            .ok()
            .filter(|_| crate::runtime::window::wayland_socket_exists());
        let key = lock::display_key(wayland.as_deref(), std::env::var("DISPLAY").ok().as_deref());
        // A lock directory that cannot be made private must not keep the saver away (another
        // user could plant one in /tmp): run unlocked, and say so.
        match lock::lock_dir().and_then(|dir| lock::acquire_in(&dir, &key)) {
            Ok(lock::Lock::Acquired(l)) => Some(l),
            Ok(lock::Lock::Held { pid }) => {
                let by = pid.map_or(String::new(), |p| format!(" (pid {p})"));
                note!("trainsaver: already running on display {key}{by}; not starting another");
                return Ok(());
            }
            Err(e) => {
                note!("trainsaver: warning: no single-instance lock: {e}");
                None
            }
        }
    } else {
        None
    };
    let now = now_start();
    let synced = s.synced(now);
    let s = &synced;
    s.announce_seed();
    let (start, elapsed) = s.live_origin(now);
    let independent = c.multi_monitor == MultiMonitor::Independent;
    let factory: Factory<'_> = Box::new(move |view, w, h| {
        let mut run = s.run(start);
        // Each screen shows a different node's first rank; the run itself is the same.
        if independent {
            run.console.rank = run.console.rank.wrapping_add(view as u32 * GPUS_PER_NODE);
        }
        Pipeline::new(run, &s.look(), c.speed, w, h)
    });
    let opts = RuntimeOptions {
        title: "trainsaver".into(),
        placement,
        policy: InputPolicy::new(mode, grace, c.motion_threshold, chord),
        presenter: flags.presenter.unwrap_or(c.presenter),
        max_fps: c.max_fps,
        hide_cursor: matches!(mode, InputMode::Saver | InputMode::Kiosk),
        elapsed,
        schedule: Schedule {
            dim: c.dim_between,
            dim_level: c.dim_level,
            blank: c.blank_between,
        },
    };
    Ok(run_window(factory, opts)?)
}

/// `daemon`: run the saver when the desk is idle.
///
/// `saver_flags` are the saver flags given to the daemon, as typed ([`crate::cli::saver_args`]):
/// the saver it starts gets every one of them.
pub fn daemon_mode(
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
                .map_err(|e| AppError::Runtime(format!("cannot find my own binary: {e}")))?;
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
    let reload = || {
        Settings::resolve(common)
            .map(|s| settings_of(&s.config))
            .map_err(|e| e.to_string())
    };
    Ok(crate::daemon::run(opts, settings_of(&s.config), reload)?)
}

/// `render`: one frame to a PNG file.
pub fn render(s: &Settings, args: &RenderArgs) -> Result<(), AppError> {
    let (w, h) = (args.size.0 as usize, args.size.1 as usize);
    let synced = args.wall.map(|wall| s.synced(wall));
    let s = synced.as_ref().unwrap_or(s);
    let mut p = s.pipeline(fixed_start(), w, h);
    let at = match (args.wall, s.sync_epoch) {
        (Some(wall), Some(_)) => s.elapsed_since_epoch(wall).mul_f64(s.config.speed),
        (Some(_), None) => {
            return Err(AppError::Input(
                "--wall needs a sync epoch (--sync-epoch or config `sync_epoch`)".into(),
            ));
        }
        (None, _) => args.at,
    };
    let frame = p.frame_at(at, w, h);
    write_png(&frame, &args.output)?;
    note!(
        "trainsaver: wrote {} ({}x{}, seed {}, t={:.1}s)",
        args.output.display(),
        w,
        h,
        s.seed,
        at.as_secs_f64()
    );
    Ok(())
}

/// `man`: the manual page, from the same clap definition the program parses with.
pub fn man_page() -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut buf)
        .map_err(|e| AppError::Runtime(format!("rendering the manual page: {e}")))?;
    write_stdout(&buf)
}

/// `completions SHELL`: a completion script for the shell, from the clap definition.
pub fn completions(shell: clap_complete::Shell) -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_complete::generate(
        shell,
        &mut crate::cli::Cli::command(),
        "trainsaver",
        &mut buf,
    );
    write_stdout(&buf)
}

fn write_stdout(bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| AppError::Runtime(format!("writing to standard output: {e}")))
}

/// `config path|init|check`.
pub fn config_cmd(common: &Common, action: &ConfigAction) -> Result<(), AppError> {
    let default = || {
        config::default_path().ok_or_else(|| {
            AppError::Runtime("no home directory: cannot locate the config directory".into())
        })
    };
    match action {
        ConfigAction::Path => {
            out!("{}", default()?.display())?;
            Ok(())
        }
        ConfigAction::Init => {
            let path = common.config.clone().map_or_else(default, Ok)?;
            if path.symlink_metadata().is_ok() {
                return Err(AppError::Runtime(format!(
                    "{}: already exists; not overwriting (remove it first)",
                    path.display()
                )));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| AppError::Runtime(format!("{}: {e}", dir.display())))?;
            }
            // create_new: never through a symlink (dangling or not) someone left there.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, DEFAULT_TOML.as_bytes()))
                .map_err(|e| AppError::Runtime(format!("{}: {e}", path.display())))?;
            out!("wrote {}", path.display())?;
            Ok(())
        }
        ConfigAction::Check { file } => {
            let path: PathBuf = match file.clone().or_else(|| common.config.clone()) {
                Some(p) => p,
                None => default()?,
            };
            let config = Config::load(&path, false)?;
            let data_dir = config::config_dir().map(|d| d.join("data"));
            load_catalog(data_dir.as_deref())?;
            load_faces(config.font.as_deref())?;
            out!("{}: ok", path.display())?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(epoch: &str, speed: f64) -> Settings {
        let config = Config {
            speed,
            ..Config::default()
        };
        Settings {
            config,
            catalog: Arc::new(Catalog::builtin()),
            seed: 7,
            start: None,
            sync_epoch: Some(config::parse_start(epoch).unwrap()),
            rank: 0,
            faces: Faces::bundled(),
        }
    }

    #[test]
    fn old_sync_epochs_are_rebased_by_whole_periods() {
        let now = config::parse_start("2027-06-01 12:00:00").unwrap();
        // Under a period old: unchanged.
        let s = settings("2027-05-01 12:00:00", 1.0).synced(now);
        assert_eq!(
            (s.seed, s.sync_epoch),
            (7, Some(config::parse_start("2027-05-01 12:00:00").unwrap()))
        );
        // Three years old: rebased to under one period, on another seed.
        let s = settings("2024-05-01 12:00:00", 1.0).synced(now);
        assert!(s.elapsed_since_epoch(now) < SYNC_PERIOD);
        assert_ne!(s.seed, 7);
        // Every screen asking during the same period agrees.
        let later = now + chrono::Duration::hours(5);
        let t = settings("2024-05-01 12:00:00", 1.0).synced(later);
        assert_eq!((t.seed, t.sync_epoch), (s.seed, s.sync_epoch));
        // The period is in simulated time: at speed 100 a few days of wall time cover it.
        let fast = settings("2027-05-20 12:00:00", 100.0).synced(now);
        assert!(fast.elapsed_since_epoch(now).mul_f64(100.0) < SYNC_PERIOD);
    }
}
