//! The config file's schema: every key with its default and its check.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer, de::Error as _};

use raster::{FontSize, PixelScale, Theme};
use sim::{Framework, tomlerr};

use super::chord::Chord;
use super::clock::{TimeRange, parse_start};
use super::colors::{CustomColors, EffectsConfig};
use super::duration::duration_in;
use super::error::ConfigError;
use super::limits::{
    DIM_LEVEL, DRIFT_PERIOD, DRIFT_PX, FOLLOW_IDLE, IDLE, INPUT_GRACE_MS, MAX_FPS,
    MOTION_THRESHOLD, PADDING, ROWS, SCROLLBACK, SPEED, Span,
};
use super::values::{
    Columns, Flavor, FollowFallback, IdleSourceKind, Layout, Monitors, MultiMonitor, Presenter,
    de_font_size, de_pixel_scale, de_theme,
};

/// Everything a user can set in `config.toml`. Every field has a default.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Run seed; random when absent.
    pub seed: Option<u64>,
    /// Simulated seconds per wall-clock second.
    #[serde(deserialize_with = "de_speed")]
    pub speed: f64,
    /// Colour theme.
    #[serde(deserialize_with = "de_theme")]
    pub theme: &'static Theme,
    /// Log style of the simulated framework.
    pub flavor: Flavor,
    /// A TrueType/OpenType monospace font file instead of the bundled one.
    pub font: Option<PathBuf>,
    /// Font size: "auto" (fit `rows`) or pixels.
    #[serde(deserialize_with = "de_font_size")]
    pub font_size: FontSize,
    /// Rows on screen when `font_size` is "auto" (the font shrinks below that size only to fit
    /// `columns`).
    #[serde(deserialize_with = "de_rows")]
    pub rows: u32,
    /// Columns the automatic font size fits: "auto" (the log style's step line), "off", or a
    /// number.
    pub columns: Columns,
    /// Internal resolution divisor: "auto" (2 above 2560 px wide) or 1 to 4.
    #[serde(deserialize_with = "de_pixel_scale")]
    pub pixel_scale: PixelScale,
    /// Colours replacing the theme's.
    pub colors: CustomColors,
    /// Retro effects; absent keys follow the theme (on for phosphor and amber).
    pub effects: EffectsConfig,
    /// "terminal" or "dashboard" (terminal plus live panels).
    pub layout: Layout,
    /// How frames reach the screen: auto, gpu (pixels/wgpu) or cpu (softbuffer).
    pub presenter: Presenter,
    /// Monitors the fullscreen saver covers.
    pub monitors: Monitors,
    /// With several monitors: the same view everywhere, or one rank's console per screen.
    pub multi_monitor: MultiMonitor,
    /// Input ignored for this long after the saver appears, milliseconds.
    #[serde(deserialize_with = "de_grace")]
    pub input_grace_ms: u64,
    /// Cumulative pointer travel, in pixels, that ends the saver.
    #[serde(deserialize_with = "de_threshold")]
    pub motion_threshold: f64,
    /// The key chord that ends kiosk mode.
    pub kiosk_chord: Chord,
    /// Daemon: idle time before the saver starts.
    #[serde(deserialize_with = "de_idle")]
    pub idle_timeout: Duration,
    /// Daemon: hold the saver back while a fullscreen window shows.
    pub inhibit_fullscreen: bool,
    /// The daemon serves `org.freedesktop.ScreenSaver` (Inhibit/UnInhibit) on the session bus.
    pub dbus_inhibit: bool,
    /// Where the daemon reads idle time from.
    pub idle_source: IdleSourceKind,
    /// The daemon waits while an MPRIS media player reports `Playing`.
    pub skip_when_playing: bool,
    /// Dim the screen between these local times, e.g. ["22:00", "07:00"].
    #[serde(deserialize_with = "de_range")]
    pub dim_between: Option<TimeRange>,
    /// Brightness while dimmed, 0 to 1.
    #[serde(deserialize_with = "de_level")]
    pub dim_level: f32,
    /// Show black between these local times (lets the panel rest).
    #[serde(deserialize_with = "de_range")]
    pub blank_between: Option<TimeRange>,
    /// Burn-in protection: the picture drifts over this many pixels (0 = off).
    #[serde(deserialize_with = "de_drift")]
    pub drift_px: u32,
    /// Time the drift takes to go round its path.
    #[serde(deserialize_with = "de_period")]
    pub drift_period: Duration,
    /// Several screens, one run: wall-clock start of the shared run.
    #[serde(deserialize_with = "de_epoch")]
    pub sync_epoch: Option<chrono::NaiveDateTime>,
    /// Open on a job already running (its recent history on screen) instead of its launch.
    pub join_running: bool,
    /// With `--follow`: how long the log may be missing or silent before the screen says so.
    #[serde(deserialize_with = "de_follow_idle")]
    pub follow_idle: Duration,
    /// With `--follow`: what shows while the log is missing or silent.
    pub follow_fallback: FollowFallback,
    /// Print a line at each job's start saying it is simulated.
    pub disclosure: bool,
    /// Empty pixels around the text.
    #[serde(deserialize_with = "de_padding")]
    pub padding: u32,
    /// Lines kept above the screen.
    #[serde(deserialize_with = "de_scrollback")]
    pub scrollback: usize,
    /// Upper bound on frames drawn per second.
    #[serde(deserialize_with = "de_max_fps")]
    pub max_fps: u32,
}

/// The key chord that ends kiosk mode unless configured.
const DEFAULT_CHORD: &str = "ctrl+alt+q";

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: None,
            speed: 1.0,
            theme: Theme::by_name("default").expect("the default theme exists"),
            flavor: Flavor::Fixed(Framework::Ddp),
            font: None,
            font_size: FontSize::Auto,
            rows: 40,
            columns: Columns::Auto,
            pixel_scale: PixelScale::Auto,
            colors: CustomColors::default(),
            effects: EffectsConfig::default(),
            layout: Layout::Terminal,
            presenter: Presenter::Auto,
            monitors: Monitors::All,
            multi_monitor: MultiMonitor::Mirror,
            input_grace_ms: 500,
            motion_threshold: 10.0,
            kiosk_chord: Chord::parse(DEFAULT_CHORD).expect("the default chord parses"),
            idle_timeout: Duration::from_secs(300),
            inhibit_fullscreen: true,
            dbus_inhibit: true,
            idle_source: IdleSourceKind::Auto,
            skip_when_playing: false,
            sync_epoch: None,
            join_running: true,
            follow_idle: Duration::from_secs(1800),
            follow_fallback: FollowFallback::Simulate,
            disclosure: false,
            dim_between: None,
            dim_level: 0.3,
            blank_between: None,
            drift_px: 0,
            drift_period: Duration::from_secs(600),
            padding: 12,
            scrollback: 200,
            max_fps: 30,
        }
    }
}

/// A deserializer for a number that must lie within a [`Bounds`](super::limits::Bounds).
macro_rules! bounded {
    ($name:ident, $ty:ty, $bounds:expr) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
            $bounds
                .check(<$ty>::deserialize(d)?)
                .map_err(D::Error::custom)
        }
    };
}

bounded!(de_speed, f64, SPEED);
bounded!(de_rows, u32, ROWS);
bounded!(de_grace, u64, INPUT_GRACE_MS);
bounded!(de_threshold, f64, MOTION_THRESHOLD);
bounded!(de_level, f32, DIM_LEVEL);
bounded!(de_drift, u32, DRIFT_PX);
bounded!(de_padding, u32, PADDING);
bounded!(de_scrollback, usize, SCROLLBACK);
bounded!(de_max_fps, u32, MAX_FPS);

fn de_span<'de, D: Deserializer<'de>>(d: D, span: Span) -> Result<Duration, D::Error> {
    duration_in(&String::deserialize(d)?, span).map_err(D::Error::custom)
}

fn de_idle<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    de_span(d, IDLE)
}

fn de_follow_idle<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    de_span(d, FOLLOW_IDLE)
}

fn de_period<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    de_span(d, DRIFT_PERIOD)
}

fn de_range<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TimeRange>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    match v.as_slice() {
        [a, b] => TimeRange::parse(a, b).map(Some).map_err(D::Error::custom),
        _ => Err(D::Error::custom(format!(
            "{} values given: allowed two \"HH:MM\" times, e.g. [\"22:00\", \"07:00\"]",
            v.len()
        ))),
    }
}

fn de_epoch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDateTime>, D::Error> {
    let s = String::deserialize(d)?;
    parse_start(&s).map(Some).map_err(D::Error::custom)
}

impl Config {
    /// Parses TOML text; `file` names it in errors.
    pub fn from_toml(file: &str, src: &str) -> Result<Config, ConfigError> {
        toml::from_str(src).map_err(|e| ConfigError::Invalid(tomlerr::describe(file, src, &e)))
    }

    /// Loads a file; a missing file gives the defaults only when `missing_ok`.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Config, ConfigError> {
        match super::read_text_file(path) {
            Ok(src) => Config::from_toml(&path.display().to_string(), &src),
            Err(e) if missing_ok && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Unreadable {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::DEFAULT_TOML;
    use super::*;

    #[test]
    fn default_file_matches_defaults() {
        let parsed = Config::from_toml("default.toml", DEFAULT_TOML).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn documents_every_key() {
        // serde lists every field of Config when it meets an unknown one: the list to check.
        let e = Config::from_toml("c.toml", "no_such_key = 1\n")
            .unwrap_err()
            .to_string();
        let keys: Vec<&str> = e
            .split("expected one of ")
            .nth(1)
            .expect("serde names the expected fields")
            .split(", ")
            .map(|k| k.trim_matches(|c: char| c == '`' || c == ' '))
            .collect();
        assert!(keys.len() >= 25, "{keys:?}");
        for key in keys {
            let documented = DEFAULT_TOML.lines().any(|l| {
                let l = l.trim_start_matches("# ");
                l.starts_with(&format!("{key} =")) || l.starts_with(&format!("[{key}]"))
            });
            assert!(documented, "config/default.toml does not document `{key}`");
        }
    }

    fn err(src: &str) -> String {
        Config::from_toml("c.toml", src).unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_names_line_and_allowed_keys() {
        let e = err("speed = 2.0\nsped = 3\n");
        assert!(e.starts_with("c.toml:2:1: key `sped`"), "{e}");
        assert!(
            e.contains("unknown field `sped`") && e.contains("`speed`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_and_range_name_the_key() {
        let e = err("theme = \"default\"\nspeed = \"fast\"\n");
        assert!(e.starts_with("c.toml:2:9: key `speed`"), "{e}");
        let e = err("speed = -1.0\n");
        assert!(
            e.contains("key `speed`") && e.contains(&SPEED.to_string()),
            "{e}"
        );
        let e = err("max_fps = 0\n");
        assert!(e.contains("key `max_fps`") && e.contains("1 to 240"), "{e}");
    }

    #[test]
    fn sizes_and_colours() {
        let c = Config::from_toml(
            "c",
            "font_size = 18\nrows = 30\npixel_scale = 2\n[colors]\nbg = \"#102030\"\n",
        )
        .unwrap();
        assert_eq!(c.font_size, FontSize::Px(18.0));
        assert_eq!(c.pixel_scale, PixelScale::Fixed(2));
        assert_eq!(c.colors.bg, Some([0x10, 0x20, 0x30]));
        let t = c.colors.apply(Theme::by_name("default").unwrap());
        assert_eq!(t.bg, [0x10, 0x20, 0x30]);
        let e = err("font_size = \"huge\"\n");
        assert!(e.contains("key `font_size`") && e.contains("auto"), "{e}");
        let e = err("[colors]\nfg = \"red\"\n");
        assert!(
            e.starts_with("c.toml:2:6: key `colors.fg`") && e.contains("#rrggbb"),
            "{e}"
        );
        let e = err("pixel_scale = 7\n");
        assert!(
            e.contains("key `pixel_scale`") && e.contains("1 to 4"),
            "{e}"
        );
        let e = err("[colors]\nansi = [\"#000000\"]\n");
        assert!(e.contains("exactly 16"), "{e}");
    }

    #[test]
    fn runtime_keys() {
        let c = Config::from_toml("c", "presenter = \"cpu\"\nmonitors = [0, 2]\nmulti_monitor = \"independent\"\nkiosk_chord = \"ctrl+shift+x\"\n").unwrap();
        assert_eq!(c.presenter, Presenter::Cpu);
        assert_eq!(c.monitors, Monitors::List(vec![0, 2]));
        assert_eq!(c.multi_monitor, MultiMonitor::Independent);
        let e = err("monitors = \"left\"\n");
        assert!(e.contains("key `monitors`") && e.contains("primary"), "{e}");
        let e = err("presenter = \"vulkan\"\n");
        assert!(e.contains("key `presenter`") && e.contains("cpu"), "{e}");
        let e = err("kiosk_chord = \"ctrl+\"\n");
        assert!(e.contains("key `kiosk_chord`"), "{e}");
    }

    #[test]
    fn schedules_and_drift() {
        let c = Config::from_toml(
            "c",
            "dim_between = [\"22:00\", \"07:00\"]\ndrift_px = 4\ndrift_period = \"5m\"\n",
        )
        .unwrap();
        assert!(c.dim_between.is_some() && c.drift_px == 4);
        let e = err("blank_between = [\"22:00\"]\n");
        assert!(
            e.contains("key `blank_between`") && e.contains("HH:MM"),
            "{e}"
        );
        let e = err("dim_between = [\"late\", \"07:00\"]\n");
        assert!(e.contains("`late`"), "{e}");
        let e = err("dim_level = 2.0\n");
        assert!(e.contains("0 to 1"), "{e}");
    }

    #[test]
    fn bad_theme_lists_themes() {
        let e = err("theme = \"neon\"\n");
        assert!(
            e.contains("key `theme`") && e.contains("phosphor") && e.contains("paper"),
            "{e}"
        );
    }

    #[test]
    fn mixed_monitor_list_says_what_is_allowed() {
        let e = err("monitors = [0, \"1\"]\n");
        assert!(
            e.contains("key `monitors`") && e.contains("list of monitor indices"),
            "{e}"
        );
        assert!(!e.contains("Raw"), "{e}");
    }

    #[test]
    fn devices_and_fifos_are_not_read() {
        let e = Config::load(Path::new("/dev/zero"), false)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "/dev/zero: not a regular file");
    }

    #[test]
    fn missing_file_is_defaults_only_when_allowed() {
        let p = Path::new("/nonexistent/trainsaver/config.toml");
        assert_eq!(Config::load(p, true).unwrap(), Config::default());
        assert!(
            Config::load(p, false)
                .unwrap_err()
                .to_string()
                .contains("/nonexistent")
        );
    }
}
