//! Configuration: a serde struct from `config.toml`, validated with one-line errors.

pub mod duration;
pub mod tomlerr;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, de::Error as _};

use crate::raster::theme_names;
use crate::sim::flavor::Flavor;

pub use duration::parse_duration;

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
    /// Font size in pixels.
    #[serde(deserialize_with = "de_font_size")]
    pub font_size: f32,
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
            flavor: Flavor::Ddp,
            font: None,
            font_size: 16.0,
            padding: 12,
            scrollback: 1000,
            max_fps: 30,
        }
    }
}

/// A configuration problem, already formatted as one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

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
pub const SPEED_RANGE: &str = "a number > 0 and <= 10000";

/// Checks a speed value.
pub fn speed_ok(v: f64) -> bool {
    v.is_finite() && v > 0.0 && v <= 10_000.0
}

fn de_speed<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    in_range(v, speed_ok(v), SPEED_RANGE)
}

fn de_font_size<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    let v = f32::deserialize(d)?;
    in_range(v, (6.0..=160.0).contains(&v), "6 to 160 (pixels)")
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
        toml::from_str(src).map_err(|e| ConfigError(tomlerr::describe(file, src, &e)))
    }

    /// Loads a file; a missing file gives the defaults only when `missing_ok`.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(src) => Config::from_toml(&path.display().to_string(), &src),
            Err(e) if missing_ok && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError(format!("{}: {e}", path.display()))),
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
        for key in [
            "seed",
            "speed",
            "theme",
            "flavor",
            "font",
            "font_size",
            "padding",
            "scrollback",
            "max_fps",
        ] {
            assert!(
                DEFAULT_TOML
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} ="))),
                "config/default.toml does not document `{key}`"
            );
        }
    }

    fn err(src: &str) -> String {
        Config::from_toml("c.toml", src).unwrap_err().0
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
    fn bad_theme_lists_themes() {
        let e = err("theme = \"neon\"\n");
        assert!(
            e.contains("key `theme`") && e.contains("phosphor") && e.contains("paper"),
            "{e}"
        );
    }

    #[test]
    fn missing_file_is_defaults_only_when_allowed() {
        let p = Path::new("/nonexistent/trainsaver/config.toml");
        assert_eq!(Config::load(p, true).unwrap(), Config::default());
        assert!(
            Config::load(p, false)
                .unwrap_err()
                .0
                .contains("/nonexistent")
        );
    }
}
