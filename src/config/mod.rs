//! Configuration: a serde struct from `config.toml`, validated with one-line errors.

mod catalog;
mod duration;
mod font;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer, de::Error as _};

use raster::{Effects, FontSize, PixelScale, Theme, theme_names};
use sim::tomlerr;

pub use catalog::{CatalogError, load_catalog};
pub use duration::{duration_in, parse_duration};
pub use font::{FontFileError, load_faces};
pub use values::{Chord, Flavor, Layout, TimeRange, choose, parse_start};

/// Reads a small text file (config, catalog): a FIFO, a device such as `/dev/zero` or a huge
/// file is refused instead of blocking or filling memory.
pub(crate) fn read_text_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    const LIMIT: u64 = 4 << 20;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > LIMIT {
        return Err(Error::new(ErrorKind::InvalidInput, "larger than 4 MiB"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(LIMIT)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The documented default configuration, also what `config init` writes.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// Everything a user can set in `config.toml`. Every field has a default.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Run seed; random when absent.
    pub seed: Option<u64>,
    /// Simulated seconds per wall-clock second.
    #[serde(deserialize_with = "de_speed")]
    pub speed: f64,
    /// Colour theme name.
    #[serde(deserialize_with = "de_theme")]
    pub theme: String,
    /// Log style of the simulated framework.
    pub flavor: Flavor,
    /// A TrueType/OpenType monospace font file instead of the bundled one.
    pub font: Option<PathBuf>,
    /// Font size: "auto" (fit `rows`) or pixels.
    #[serde(deserialize_with = "de_font_size")]
    pub font_size: FontSize,
    /// Rows on screen when `font_size` is "auto".
    #[serde(deserialize_with = "de_rows")]
    pub rows: u32,
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
    #[serde(deserialize_with = "de_chord")]
    pub kiosk_chord: String,
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

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: None,
            speed: 1.0,
            theme: "default".into(),
            flavor: Flavor::Fixed(sim::Framework::Ddp),
            font: None,
            font_size: FontSize::Auto,
            rows: 40,
            pixel_scale: PixelScale::Auto,
            colors: CustomColors::default(),
            effects: EffectsConfig::default(),
            layout: Layout::Terminal,
            presenter: Presenter::Auto,
            monitors: Monitors::All,
            multi_monitor: MultiMonitor::Mirror,
            input_grace_ms: 500,
            motion_threshold: 10.0,
            kiosk_chord: "ctrl+alt+q".into(),
            idle_timeout: Duration::from_secs(300),
            inhibit_fullscreen: true,
            dbus_inhibit: true,
            idle_source: IdleSourceKind::Auto,
            skip_when_playing: false,
            sync_epoch: None,
            join_running: true,
            disclosure: false,
            dim_between: None,
            dim_level: 0.3,
            blank_between: None,
            drift_px: 0,
            drift_period: Duration::from_secs(600),
            padding: 12,
            scrollback: 1000,
            max_fps: 30,
        }
    }
}

/// A configuration problem, shown as one line naming the file and, where known, line and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not parse or a value is out of range.
    #[error("{0}")]
    Invalid(String),
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

fn in_range<T, E>(v: T, ok: bool, allowed: &str) -> Result<T, E>
where
    T: std::fmt::Display,
    E: serde::de::Error,
{
    if ok {
        Ok(v)
    } else {
        Err(E::custom(format!("{v} is out of range: allowed {allowed}")))
    }
}

/// Allowed speeds, shared with the command line.
pub const SPEED_RANGE: &str = "a number from 0.001 to 10000";

/// Checks a speed value (slower than 1/1000 would overflow the simulated clock's durations).
pub fn speed_ok(v: f64) -> bool {
    v.is_finite() && (0.001..=10_000.0).contains(&v)
}

fn de_speed<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    in_range(v, speed_ok(v), SPEED_RANGE)
}

/// A number or a word in a config value.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrWord {
    Num(f64),
    Word(String),
}

/// Allowed font sizes, shared with the command line.
pub const FONT_SIZE_RANGE: &str = "\"auto\" or 6 to 160 (pixels)";

/// Parses a font size: "auto" or pixels in range.
pub fn font_size_from(v: Option<f64>, word: Option<&str>) -> Result<FontSize, String> {
    match (v, word) {
        (_, Some("auto")) => Ok(FontSize::Auto),
        (Some(px), _) if (6.0..=160.0).contains(&px) => Ok(FontSize::Px(px as f32)),
        (Some(px), _) => Err(format!("{px} is out of range: allowed {FONT_SIZE_RANGE}")),
        (None, w) => Err(format!(
            "`{}` is not allowed: allowed {FONT_SIZE_RANGE}",
            w.unwrap_or("")
        )),
    }
}

fn de_font_size<'de, D: Deserializer<'de>>(d: D) -> Result<FontSize, D::Error> {
    match NumOrWord::deserialize(d)? {
        NumOrWord::Num(v) => font_size_from(Some(v), None),
        NumOrWord::Word(w) => font_size_from(None, Some(&w)),
    }
    .map_err(D::Error::custom)
}

fn de_rows<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    in_range(v, (8..=200).contains(&v), "8 to 200")
}

fn de_pixel_scale<'de, D: Deserializer<'de>>(d: D) -> Result<PixelScale, D::Error> {
    let allowed = "\"auto\" or 1 to 4";
    match NumOrWord::deserialize(d)? {
        NumOrWord::Word(w) if w == "auto" => Ok(PixelScale::Auto),
        NumOrWord::Num(v) if v.fract() == 0.0 && (1.0..=4.0).contains(&v) => {
            Ok(PixelScale::Fixed(v as u32))
        }
        NumOrWord::Num(v) => Err(D::Error::custom(format!(
            "{v} is not allowed: allowed {allowed}"
        ))),
        NumOrWord::Word(w) => Err(D::Error::custom(format!(
            "`{w}` is not allowed: allowed {allowed}"
        ))),
    }
}

/// How frames reach the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presenter {
    /// gpu on a hardware adapter, cpu on a software one (llvmpipe, lavapipe, WARP) or none.
    Auto,
    /// pixels (wgpu): GPU upload and scaling.
    Gpu,
    /// softbuffer: CPU, presents only damaged rows.
    Cpu,
}

impl std::str::FromStr for Presenter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let options = [
            ("auto", Presenter::Auto),
            ("gpu", Presenter::Gpu),
            ("cpu", Presenter::Cpu),
        ];
        choose("presenter", s, &options)
    }
}

/// Which monitors the saver covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Monitors {
    /// Every monitor.
    All,
    /// The primary monitor only.
    Primary,
    /// These monitors (0-based, in the order the system lists them).
    List(Vec<usize>),
}

impl<'de> Deserialize<'de> for Monitors {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Word(String),
            List(Vec<i64>),
        }
        let allowed = "allowed \"all\", \"primary\" or a list of monitor indices such as [0, 2]";
        // serde's own message for an untagged enum names the private type; say what is allowed.
        let raw = Raw::deserialize(d)
            .map_err(|_| D::Error::custom(format!("not a word or a list of numbers: {allowed}")))?;
        match raw {
            Raw::Word(w) if w == "all" => Ok(Monitors::All),
            Raw::Word(w) if w == "primary" => Ok(Monitors::Primary),
            Raw::Word(w) => Err(D::Error::custom(format!("`{w}` is not allowed: {allowed}"))),
            Raw::List(v) if !v.is_empty() && v.iter().all(|&i| (0..64).contains(&i)) => {
                Ok(Monitors::List(v.into_iter().map(|i| i as usize).collect()))
            }
            Raw::List(v) => Err(D::Error::custom(format!(
                "{v:?} is not allowed: {allowed} (0 to 63)"
            ))),
        }
    }
}

/// Where the daemon reads idle time from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdleSourceKind {
    /// GNOME's mutter when `XDG_CURRENT_DESKTOP` says GNOME, else Wayland when
    /// `WAYLAND_DISPLAY` names a live socket, else X11.
    Auto,
    /// The X server's MIT-SCREEN-SAVER extension (`DISPLAY`).
    X11,
    /// ext-idle-notify-v1 or org_kde_kwin_idle (`WAYLAND_DISPLAY`).
    Wayland,
    /// `org.gnome.Mutter.IdleMonitor` on the session bus.
    Gnome,
}

/// What several monitors show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MultiMonitor {
    /// The same picture on every screen.
    Mirror,
    /// Each screen shows another rank's console of the same run.
    Independent,
}

fn de_grace<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    in_range(v, v <= 10_000, "0 to 10000 (milliseconds)")
}

fn de_threshold<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    in_range(v, (0.0..=10_000.0).contains(&v), "0 to 10000 (pixels)")
}

/// The daemon's idle timeout, as a flag or a config value.
pub fn parse_idle(s: &str) -> Result<Duration, String> {
    duration_in(
        s,
        Duration::from_secs(1),
        Duration::from_secs(86_400),
        "1s to 24h",
    )
}

fn de_idle<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    parse_idle(&String::deserialize(d)?).map_err(D::Error::custom)
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

fn de_level<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    let v = f32::deserialize(d)?;
    in_range(v, (0.0..=1.0).contains(&v), "0 to 1")
}

fn de_drift<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    in_range(v, v <= 64, "0 to 64 (pixels)")
}

fn de_period<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    let v = parse_duration(&s).map_err(D::Error::custom)?;
    if v < Duration::from_secs(10) || v > Duration::from_secs(7 * 86_400) {
        return Err(D::Error::custom(format!(
            "`{s}` is out of range: allowed 10s to 7d"
        )));
    }
    Ok(v)
}

fn de_epoch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDateTime>, D::Error> {
    let s = String::deserialize(d)?;
    parse_start(&s).map(Some).map_err(D::Error::custom)
}

fn de_chord<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = String::deserialize(d)?;
    Chord::parse(&v).map_err(D::Error::custom)?;
    Ok(v)
}

/// Retro effect switches; `None` follows the theme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectsConfig {
    /// Darken every other pixel row.
    pub scanlines: Option<bool>,
    /// Replaced text fades out over a few hundred milliseconds.
    pub afterglow: Option<bool>,
    /// Darken towards the corners.
    pub vignette: Option<bool>,
}

impl EffectsConfig {
    /// The effects for a theme.
    pub fn resolve(&self, theme: &Theme) -> Effects {
        let d = theme.retro;
        Effects {
            scanlines: self.scanlines.unwrap_or(d),
            afterglow: self.afterglow.unwrap_or(d),
            vignette: self.vignette.unwrap_or(d),
        }
    }
}

/// Colours that replace the theme's, as `#rrggbb` strings.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomColors {
    /// Text colour.
    #[serde(default, deserialize_with = "de_hex_opt")]
    pub fg: Option<[u8; 3]>,
    /// Background colour.
    #[serde(default, deserialize_with = "de_hex_opt")]
    pub bg: Option<[u8; 3]>,
    /// Cursor colour.
    #[serde(default, deserialize_with = "de_hex_opt")]
    pub cursor: Option<[u8; 3]>,
    /// The 16 ANSI colours.
    #[serde(default, deserialize_with = "de_ansi")]
    pub ansi: Option<[[u8; 3]; 16]>,
}

/// Parses `#rrggbb`.
pub fn parse_hex(s: &str) -> Result<[u8; 3], String> {
    let h = s.strip_prefix('#').unwrap_or("");
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("`{s}` is not a colour: use \"#rrggbb\""));
    }
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).expect("checked hex");
    Ok([byte(0), byte(2), byte(4)])
}

fn de_hex_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 3]>, D::Error> {
    let s = String::deserialize(d)?;
    parse_hex(&s).map(Some).map_err(D::Error::custom)
}

fn de_ansi<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[[u8; 3]; 16]>, D::Error> {
    let v = Vec::<String>::deserialize(d)?;
    if v.len() != 16 {
        return Err(D::Error::custom(format!(
            "{} colours given: allowed exactly 16 \"#rrggbb\" strings",
            v.len()
        )));
    }
    let mut out = [[0u8; 3]; 16];
    for (o, s) in out.iter_mut().zip(&v) {
        *o = parse_hex(s).map_err(D::Error::custom)?;
    }
    Ok(Some(out))
}

impl CustomColors {
    /// The theme with these colours applied.
    pub fn apply(&self, theme: &Theme) -> Theme {
        let mut t = theme.clone();
        if let Some(c) = self.fg {
            t.fg = c;
        }
        if let Some(c) = self.bg {
            t.bg = c;
        }
        if let Some(c) = self.cursor {
            t.cursor = c;
        }
        if let Some(a) = self.ansi {
            t.ansi = a;
        }
        t
    }
}

fn de_padding<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    in_range(v, v <= 400, "0 to 400 (pixels)")
}

fn de_scrollback<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let v = usize::deserialize(d)?;
    in_range(v, v <= 100_000, "0 to 100000 (lines)")
}

fn de_max_fps<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    in_range(v, (1..=240).contains(&v), "1 to 240")
}

/// Checks a theme name, returning the allowed names in the error.
pub fn check_theme(name: &str) -> Result<(), String> {
    if theme_names().contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "unknown theme `{name}`: allowed {}",
            theme_names().join(", ")
        ))
    }
}

fn de_theme<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = String::deserialize(d)?;
    check_theme(&v).map_err(D::Error::custom)?;
    Ok(v)
}

impl Config {
    /// Parses TOML text; `file` names it in errors.
    pub fn from_toml(file: &str, src: &str) -> Result<Config, ConfigError> {
        toml::from_str(src).map_err(|e| ConfigError::Invalid(tomlerr::describe(file, src, &e)))
    }

    /// Loads a file; a missing file gives the defaults only when `missing_ok`.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Config, ConfigError> {
        match read_text_file(path) {
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

/// Where `config.toml` lives on this platform (e.g. `~/.config/trainsaver/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// The platform configuration directory of trainsaver, which also holds data overrides.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "trainsaver").map(|p| p.config_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
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
        assert!(e.contains("key `speed`") && e.contains(SPEED_RANGE), "{e}");
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
