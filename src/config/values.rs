//! Value types the config and the flags share: words from a fixed set, layouts, key chords,
//! daily time ranges and wall-clock times, each with one error shape.

use chrono::{NaiveDateTime, NaiveTime};
use sim::Framework;

/// The value named `s` among `options`, or an error listing what is allowed.
pub fn choose<T: Copy>(what: &str, s: &str, options: &[(&str, T)]) -> Result<T, String> {
    options
        .iter()
        .find(|(n, _)| *n == s)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            format!("unknown {what} `{s}`: allowed {}", names.join(", "))
        })
}

/// Which framework's log style the run imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Every job runs this framework (and prints in its style).
    Fixed(Framework),
    /// A different framework each job.
    Rotate,
}

impl Flavor {
    /// The framework every job uses, or `None` for a different one each job.
    pub fn framework(self) -> Option<Framework> {
        match self {
            Flavor::Fixed(f) => Some(f),
            Flavor::Rotate => None,
        }
    }

    /// Every flavor with its name, as the config and the command line take them.
    pub fn all() -> Vec<(&'static str, Flavor)> {
        let fixed = Framework::ALL
            .into_iter()
            .map(|f| (f.name(), Flavor::Fixed(f)));
        fixed.chain([("rotate", Flavor::Rotate)]).collect()
    }

    /// The name configs use.
    pub fn name(self) -> &'static str {
        self.framework().map_or("rotate", Framework::name)
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Flavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        choose("flavor", s, &Flavor::all())
    }
}

impl<'de> serde::Deserialize<'de> for Flavor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What the screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// The terminal fills the screen.
    Terminal,
    /// The terminal beside (or below) live panels.
    Dashboard,
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let options = [
            ("terminal", Layout::Terminal),
            ("dashboard", Layout::Dashboard),
        ];
        choose("layout", s, &options)
    }
}

/// Names of keys that are not characters, as the window runtime reports them.
pub const NAMED_KEYS: [&str; 14] = [
    "escape",
    "enter",
    "space",
    "tab",
    "backspace",
    "delete",
    "insert",
    "home",
    "end",
    "pageup",
    "pagedown",
    "arrowup",
    "arrowdown",
    "pause",
];

/// A modifier-plus-key combination, e.g. Ctrl+Alt+Q.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chord {
    /// Control must be held.
    pub ctrl: bool,
    /// Alt must be held.
    pub alt: bool,
    /// Shift must be held.
    pub shift: bool,
    /// Super/Logo must be held.
    pub logo: bool,
    /// The key, lower case (a character or a key name such as `escape`).
    pub key: String,
}

impl Chord {
    /// Parses `ctrl+alt+q`-style text (case-insensitive).
    pub fn parse(s: &str) -> Result<Chord, String> {
        let mut c = Chord {
            ctrl: false,
            alt: false,
            shift: false,
            logo: false,
            key: String::new(),
        };
        for part in s.split('+').map(|p| p.trim().to_lowercase()) {
            match part.as_str() {
                "ctrl" | "control" => c.ctrl = true,
                "alt" => c.alt = true,
                "shift" => c.shift = true,
                "super" | "logo" | "win" | "meta" => c.logo = true,
                "" => return Err(format!("`{s}`: empty part; use e.g. ctrl+alt+q")),
                k if c.key.is_empty() => c.key = k.to_string(),
                _ => {
                    return Err(format!(
                        "`{s}`: more than one key; use modifiers plus one key, e.g. ctrl+alt+q"
                    ));
                }
            }
        }
        if c.key.is_empty() {
            return Err(format!(
                "`{s}`: no key; use modifiers plus one key, e.g. ctrl+alt+q"
            ));
        }
        let f_key = |k: &str| {
            k.strip_prefix('f')
                .and_then(|n| n.parse::<u8>().ok())
                .is_some_and(|n| (1..=12).contains(&n))
        };
        if c.key.chars().count() != 1 && !NAMED_KEYS.contains(&c.key.as_str()) && !f_key(&c.key) {
            return Err(format!(
                "`{s}`: unknown key `{}`: use one character or one of {}, f1 to f12",
                c.key,
                NAMED_KEYS.join(", ")
            ));
        }
        Ok(c)
    }
}

/// A daily time range; one that ends before it starts runs over midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    /// First minute inside.
    pub start: NaiveTime,
    /// First minute outside.
    pub end: NaiveTime,
}

impl TimeRange {
    /// Parses `["22:00", "07:00"]`-style bounds.
    pub fn parse(start: &str, end: &str) -> Result<TimeRange, String> {
        let p = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .map_err(|_| format!("`{s}` is not a time: use \"HH:MM\""))
        };
        Ok(TimeRange {
            start: p(start)?,
            end: p(end)?,
        })
    }

    /// Whether a time of day falls inside.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS` (or with a `T`).
pub fn parse_start(s: &str) -> Result<NaiveDateTime, String> {
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .ok_or_else(|| format!("`{s}`: use \"YYYY-MM-DD HH:MM:SS\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_or_lists_the_choices() {
        let opts = [("a", 1), ("b", 2)];
        assert_eq!(choose("letter", "b", &opts), Ok(2));
        assert_eq!(
            choose("letter", "c", &opts),
            Err("unknown letter `c`: allowed a, b".into())
        );
    }

    #[test]
    fn chords_parse() {
        let c = Chord::parse("ctrl+alt+q").unwrap();
        assert!(c.ctrl && c.alt && !c.shift && c.key == "q");
        assert!(Chord::parse("ctrl+").is_err());
        assert!(Chord::parse("ctrl+a+b").is_err());
        assert!(Chord::parse("ctrl").is_err());
        assert!(
            Chord::parse("ctrl+alt+nosuchkey")
                .unwrap_err()
                .contains("unknown key")
        );
        assert!(Chord::parse("ctrl+f12").is_ok() && Chord::parse("ctrl+escape").is_ok());
        assert!(Chord::parse("ctrl+f13").is_err());
    }
}
