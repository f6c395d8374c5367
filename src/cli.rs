//! Command-line interface: modes, common flags and their validation.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDateTime;
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand};

use crate::config::limits::{BENCH_FRAMES, CLIP, CLIP_FPS, IDLE, RENDER_AT, SIZE_SIDE, SPEED};
use crate::config::{
    Flavor, Layout, Presenter, ValueError, duration_in, parse_duration, parse_font_size,
    parse_start, parse_theme,
};
use raster::{FontSize, Theme};

/// trainsaver: a screensaver showing an imaginary LLM being trained on a GPU cluster.
///
/// With no subcommand it opens the preview window (any key or click closes it).
#[derive(Debug, Parser)]
#[command(name = "trainsaver", version, about, long_about)]
pub struct Cli {
    /// Flags every mode accepts.
    #[command(flatten)]
    pub common: Common,
    /// Flags of the window modes.
    #[command(flatten)]
    pub window: WindowFlags,
    /// The mode; the preview window when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags shared by every mode; they override the config file.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Seed of the simulated run (random when absent; the chosen seed is printed to stderr).
    #[arg(long, global = true, value_name = "N")]
    pub seed: Option<u64>,
    /// Simulated seconds per wall-clock second (0.001 to 10000).
    #[arg(long, global = true, value_name = "F", value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// Colour theme: default, phosphor, amber, solarized-dark, dracula, paper.
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_theme)]
    pub theme: Option<&'static Theme>,
    /// Log style: ddp, torchtitan, megatron, hf-trainer or rotate.
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_flavor)]
    pub flavor: Option<Flavor>,
    /// Read this config file instead of the one in the platform config directory.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Wall-clock time of the run's first log line, "YYYY-MM-DD HH:MM:SS" (default: now;
    /// for `render`, 2026-01-01 09:00:00 so output is reproducible).
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_start)]
    pub start: Option<NaiveDateTime>,
    /// Screen layout: terminal, or dashboard (terminal plus live panels).
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_layout)]
    pub layout: Option<Layout>,
    /// Several screens, one run: the run started at this wall-clock time ("YYYY-MM-DD HH:MM:SS",
    /// local), so every display with the same seed shows the same moment of it.
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_start)]
    pub sync_epoch: Option<NaiveDateTime>,
    /// Show this rank's console of the run, 0 to 65535 (rank-specific lines follow it; a
    /// rank beyond a run's world size wraps around it).
    #[arg(long, global = true, value_name = "R", value_parser = clap::value_parser!(u32).range(0..=65535))]
    pub rank: Option<u32>,
    /// Start at the job's launch instead of joining it while it runs (config `join_running`).
    #[arg(long, global = true)]
    pub from_start: bool,
    /// Show a real job's log instead of the simulated run: a file followed like `tail -F`, or
    /// `-` for stdin (`ssh login tail -F slurm-1234.out | trainsaver --kiosk --follow -`).
    #[arg(long, global = true, value_name = "FILE|-")]
    pub follow: Option<PathBuf>,
    /// Font size in pixels (6 to 160), or "auto" to fit the configured rows.
    #[arg(long, global = true, value_name = "PX|auto", value_parser = parse_font_size)]
    pub font_size: Option<FontSize>,
}

/// How the window runs (no subcommand).
#[derive(Debug, Args, Clone, Default)]
pub struct WindowFlags {
    /// Screensaver: borderless fullscreen on every monitor (config `monitors`), cursor hidden,
    /// exits on any key, click, wheel, touch or pointer movement.
    #[arg(long, conflicts_with_all = ["kiosk", "root", "window_id"])]
    pub fullscreen: bool,
    /// Only this monitor (0-based), with --fullscreen or --kiosk.
    #[arg(long, value_name = "N")]
    pub monitor: Option<usize>,
    /// Lobby display: fullscreen, cursor hidden, ignores input except the kiosk chord
    /// (config `kiosk_chord`, default ctrl+alt+q) and SIGTERM/SIGINT.
    #[arg(long, conflicts_with_all = ["root", "window_id"])]
    pub kiosk: bool,
    /// XScreenSaver: draw on the root window, or inside $XSCREENSAVER_WINDOW when set
    /// (also accepted as -root).
    #[arg(long, conflicts_with = "window_id")]
    pub root: bool,
    /// Draw inside this existing X11 window (hex 0x... or decimal; also -window-id, and
    /// Windows' /p HWND), following its size; ends when it is destroyed or on SIGTERM.
    #[arg(long, value_name = "ID")]
    pub window_id: Option<String>,
    /// Presenter: auto, gpu (pixels/wgpu) or cpu (softbuffer).
    #[arg(long, value_name = "NAME", value_parser = parse_presenter)]
    pub presenter: Option<Presenter>,
}

fn parse_layout(s: &str) -> Result<Layout, ValueError> {
    s.parse()
}

fn parse_presenter(s: &str) -> Result<Presenter, ValueError> {
    s.parse()
}

/// The modes.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the frame the window shows at a simulated time as a PNG (no display or GPU needed).
    Render(RenderArgs),
    /// Print the run to stdout as ANSI text (bars rewritten in place on a terminal).
    Tty(TtyArgs),
    /// Watch idle time (X11, Wayland or GNOME) and run the fullscreen saver when the desk is
    /// idle; applications can hold it back over D-Bus.
    Daemon(DaemonArgs),
    /// Measure the simulation and the renderer headless and print medians and p99.
    Bench(BenchArgs),
    /// Show, create or validate the configuration file.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// List what the config accepts: themes, styles, models, gpus or datasets (the catalog in
    /// use: built in, or the config directory's data files).
    List {
        /// Which table.
        #[arg(value_enum)]
        what: ListWhat,
    },
    /// Print the manual page (roff), generated from this command line's own definition.
    Man,
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// The tables `list` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListWhat {
    /// Colour themes (config `theme`, `--theme`).
    Themes,
    /// Log styles (config `flavor`, `--flavor`).
    Styles,
    /// Models the runs train.
    Models,
    /// GPUs the clusters have.
    Gpus,
    /// Datasets the runs read.
    Datasets,
}

/// Arguments of `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Simulated time of the frame: 90s, 2m, 1h30m, ...
    #[arg(long, value_name = "DURATION", value_parser = parse_at, default_value = "30s")]
    pub at: Duration,
    /// Frame size in pixels, WIDTHxHEIGHT.
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1280x720")]
    pub size: (u32, u32),
    /// Output file: a PNG, or with --clip a GIF.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    /// Write a looping GIF of this much simulated time from --at (1s to 10m) instead of one
    /// frame.
    #[arg(long, value_name = "DURATION", value_parser = parse_clip)]
    pub clip: Option<Duration>,
    /// Frames per second of a clip (1 to 50).
    #[arg(long, value_name = "N", value_parser = parse_fps, default_value = "10", requires = "clip")]
    pub fps: u32,
    /// With --sync-epoch: render the moment a synchronised display shows at this wall-clock
    /// time ("YYYY-MM-DD HH:MM:SS") instead of --at.
    #[arg(long, value_name = "TIME", value_parser = parse_start)]
    pub wall: Option<NaiveDateTime>,
}

/// Arguments of `tty`.
#[derive(Debug, Args)]
pub struct TtyArgs {
    /// Stop after this much simulated time (default: run until interrupted).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Print without waiting (requires --duration).
    #[arg(long, requires = "duration")]
    pub fast: bool,
    /// Plain text without colours.
    #[arg(long)]
    pub no_color: bool,
}

/// Arguments of `daemon`.
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Idle time before the saver starts, 1s to 24h (config `idle_timeout`, default 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_idle)]
    pub idle: Option<Duration>,
    /// Start the saver at most once, then exit when it ends (for scripts and tests).
    #[arg(long)]
    pub once: bool,
    /// Log every idle check, not only launches and exits.
    #[arg(long)]
    pub verbose: bool,
    /// Run this shell command instead of `trainsaver --fullscreen` (e.g. a locker, then the saver).
    #[arg(long, value_name = "CMD")]
    pub command: Option<String>,
    /// Start even while a fullscreen window or an application's D-Bus inhibit (a video, a
    /// presentation, a call) asks not to.
    #[arg(long)]
    pub no_inhibit: bool,
}

/// Arguments of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Measure only this frame size (default: 1280x720, 1920x1080 and 3840x2160).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Frames with new output measured per size.
    #[arg(long, value_name = "N", default_value_t = 300, value_parser = parse_frames)]
    pub frames: usize,
    /// Instead: run simulation and renderer for this much simulated time at 1920x1080 and report
    /// memory and render cost at the start and the end (e.g. 7d).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub soak: Option<Duration>,
}

/// Config subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file is looked for.
    Path,
    /// Write the documented default config there (refuses to overwrite).
    Init,
    /// Validate a config file (default: the one in the config directory).
    Check {
        /// The file to check.
        file: Option<PathBuf>,
    },
}

/// `bench --frames`.
fn parse_frames(s: &str) -> Result<usize, ValueError> {
    let n = s.parse::<usize>().map_err(|_| {
        ValueError::malformed(s, format!("allowed a whole number from {BENCH_FRAMES}"))
    })?;
    BENCH_FRAMES.check(n)
}

/// `render --at`.
fn parse_at(s: &str) -> Result<Duration, ValueError> {
    duration_in(s, RENDER_AT)
}

/// `render --clip`.
fn parse_clip(s: &str) -> Result<Duration, ValueError> {
    duration_in(s, CLIP)
}

/// `render --fps`.
fn parse_fps(s: &str) -> Result<u32, ValueError> {
    let v: u32 = s
        .parse()
        .map_err(|_| ValueError::malformed(s, format!("not a whole number: allowed {CLIP_FPS}")))?;
    CLIP_FPS.check(v)
}

/// The daemon's idle timeout.
fn parse_idle(s: &str) -> Result<Duration, ValueError> {
    duration_in(s, IDLE)
}

fn parse_speed(s: &str) -> Result<f64, ValueError> {
    let v: f64 = s
        .parse()
        .map_err(|_| ValueError::malformed(s, format!("not a number: allowed {SPEED}")))?;
    SPEED.check(v)
}

fn parse_flavor(s: &str) -> Result<Flavor, ValueError> {
    s.parse()
}

/// The saver flags ([`Common`]) set on the command line, as arguments for a saver process.
///
/// Read from the parsed matches rather than a hand-kept list, so every flag the saver accepts
/// and the user gave to `daemon` reaches the saver the daemon starts, exactly as typed.
pub fn saver_args(m: &ArgMatches) -> Vec<String> {
    let m = m.subcommand().map_or(m, |(_, sub)| sub);
    let spec = Common::augment_args(clap::Command::new("saver"));
    let mut out = Vec::new();
    for arg in spec.get_arguments() {
        let id = arg.get_id().as_str();
        if m.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let long = arg.get_long().expect("saver flags are long flags");
        // A switch (`--from-start`) is passed on as itself.
        if !arg.get_action().takes_values() {
            out.push(format!("--{long}"));
            continue;
        }
        for v in m.get_raw(id).into_iter().flatten() {
            out.push(format!("--{long}"));
            out.push(v.to_string_lossy().into_owned());
        }
    }
    out
}

/// Parses `WIDTHxHEIGHT`, each side within [`SIZE_SIDE`].
pub fn parse_size(s: &str) -> Result<(u32, u32), ValueError> {
    let err = || {
        ValueError::malformed(
            s,
            format!("use WIDTHxHEIGHT with each side {SIZE_SIDE}, e.g. 1280x720"),
        )
    };
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(err)?;
    let w: u32 = w.trim().parse().map_err(|_| err())?;
    let h: u32 = h.trim().parse().map_err(|_| err())?;
    if SIZE_SIDE.contains(w) && SIZE_SIDE.contains(h) {
        Ok((w, h))
    } else {
        Err(err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1280x720"), Ok((1280, 720)));
        for bad in ["0x0", "1280", "axb", "99999x10", "1280x-1"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_are_bounded() {
        assert!(
            parse_at("1000d")
                .unwrap_err()
                .to_string()
                .contains("0s to 366d")
        );
        assert_eq!(parse_at("2h"), Ok(Duration::from_secs(7200)));
        assert!(
            parse_idle("0s")
                .unwrap_err()
                .to_string()
                .contains("1s to 24h")
        );
        assert!(parse_idle("25h").is_err());
        assert_eq!(parse_idle("90s"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn flags_are_validated() {
        assert!(parse_speed("0").is_err());
        assert!(parse_speed("-2").is_err());
        assert_eq!(parse_speed("2.5"), Ok(2.5));
        assert!(
            parse_theme("neon")
                .unwrap_err()
                .to_string()
                .contains("amber")
        );
        assert!(parse_start("2026-11-30 14:20:00").is_ok());
        assert!(parse_start("yesterday").is_err());
    }

    /// Every saver flag with a valid value, as a user would type it.
    /// A sample of every saver flag; an empty value marks a switch.
    const EVERY_SAVER_FLAG: [(&str, &str); 12] = [
        ("--seed", "5"),
        ("--speed", "2.5"),
        ("--theme", "amber"),
        ("--flavor", "megatron"),
        ("--config", "/tmp/c.toml"),
        ("--start", "2026-01-01 09:00:00"),
        ("--layout", "dashboard"),
        ("--sync-epoch", "2026-01-01 08:00:00"),
        ("--rank", "3"),
        ("--from-start", ""),
        ("--follow", "/var/log/job.log"),
        ("--font-size", "auto"),
    ];

    #[test]
    fn daemon_passes_every_saver_flag_on() {
        use clap::{CommandFactory, FromArgMatches};
        let spec = Common::augment_args(clap::Command::new("saver"));
        let longs: Vec<String> = spec
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        let mut argv = vec!["trainsaver", "daemon", "--idle", "2s"];
        let mut covered = 0;
        for (flag, value) in EVERY_SAVER_FLAG {
            if longs.iter().any(|l| l == flag) {
                argv.push(flag);
                argv.extend((!value.is_empty()).then_some(value));
                covered += 1;
            }
        }
        assert_eq!(
            covered,
            longs.len(),
            "a saver flag has no sample in EVERY_SAVER_FLAG: {longs:?}"
        );
        let m = Cli::command().try_get_matches_from(&argv).unwrap();
        let passed = saver_args(&m);
        assert_eq!(passed.len(), argv.len() - 4, "{passed:?}");
        // The saver parses them back to the same values.
        let mut saver = vec!["trainsaver".to_string(), "--fullscreen".to_string()];
        saver.extend(passed);
        let back = Cli::try_parse_from(&saver).unwrap();
        let orig = Cli::from_arg_matches(&m).unwrap();
        assert_eq!(format!("{:?}", back.common), format!("{:?}", orig.common));
        // Flags not given are not invented.
        let m = Cli::command()
            .try_get_matches_from([
                "trainsaver",
                "daemon",
                "--layout",
                "dashboard",
                "--seed",
                "5",
            ])
            .unwrap();
        assert_eq!(saver_args(&m), ["--seed", "5", "--layout", "dashboard"]);
    }

    #[test]
    fn cli_parses_modes() {
        let c = Cli::try_parse_from([
            "trainsaver",
            "render",
            "--seed",
            "42",
            "--at",
            "1h30m",
            "-o",
            "x.png",
        ])
        .unwrap();
        assert_eq!(c.common.seed, Some(42));
        match c.command {
            Some(Command::Render(r)) => assert_eq!(r.at, Duration::from_secs(5400)),
            _ => panic!("render expected"),
        }
        assert!(Cli::try_parse_from(["trainsaver", "tty", "--fast"]).is_err());
        assert!(Cli::try_parse_from(["trainsaver", "--speed", "0"]).is_err());
    }
}
