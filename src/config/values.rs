//! Value types the config and the flags share, each parsed in one place with one error shape:
//! words from a fixed set, the theme, the font size, layouts and the monitor choice.

use serde::{Deserialize, Deserializer, de::Error as _};

use raster::{FontSize, PixelScale, THEMES, Theme};
use sim::Framework;

use super::error::ValueError;
use super::limits::{COLUMNS, FONT_PX, MONITOR, PIXEL_SCALE};

/// The value named `s` among `options`, or an error listing what is allowed.
pub fn choose<T: Copy>(
    what: &'static str,
    s: &str,
    options: &[(&str, T)],
) -> Result<T, ValueError> {
    options
        .iter()
        .find(|(n, _)| *n == s)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            ValueError::Unknown {
                what,
                value: s.to_string(),
                allowed: names.join(", "),
            }
        })
}

/// Deserializes a word through its `FromStr`, so config and flags say the same.
fn de_word<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr<Err = ValueError>,
{
    String::deserialize(d)?.parse().map_err(D::Error::custom)
}

/// Implements `FromStr` (from a table of names) and `Deserialize` for a word type.
macro_rules! words {
    ($ty:ty, $what:literal, $table:expr) => {
        impl std::str::FromStr for $ty {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                choose($what, s, &$table)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                de_word(d)
            }
        }
    };
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

words!(Flavor, "flavor", Flavor::all());

/// What the screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The terminal fills the screen.
    Terminal,
    /// The terminal beside (or below) live panels.
    Dashboard,
}

words!(
    Layout,
    "layout",
    [
        ("terminal", Layout::Terminal),
        ("dashboard", Layout::Dashboard)
    ]
);

/// How frames reach the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presenter {
    /// gpu on a hardware adapter, cpu on a software one (llvmpipe, lavapipe, WARP) or none.
    Auto,
    /// pixels (wgpu): GPU upload and scaling.
    Gpu,
    /// softbuffer: CPU, presents only damaged rows.
    Cpu,
}

words!(
    Presenter,
    "presenter",
    [
        ("auto", Presenter::Auto),
        ("gpu", Presenter::Gpu),
        ("cpu", Presenter::Cpu)
    ]
);

/// Where the daemon reads idle time from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

words!(
    IdleSourceKind,
    "idle source",
    [
        ("auto", IdleSourceKind::Auto),
        ("x11", IdleSourceKind::X11),
        ("wayland", IdleSourceKind::Wayland),
        ("gnome", IdleSourceKind::Gnome)
    ]
);

/// What several monitors show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultiMonitor {
    /// The same picture on every screen.
    Mirror,
    /// Each screen shows another rank's console of the same run.
    Independent,
}

words!(
    MultiMonitor,
    "multi-monitor mode",
    [
        ("mirror", MultiMonitor::Mirror),
        ("independent", MultiMonitor::Independent)
    ]
);

/// What a screen following a real log shows while the log is missing or silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowFallback {
    /// The simulated run, until the log writes again.
    Simulate,
    /// The log as it stands, with a note saying it is silent.
    Hold,
}

words!(
    FollowFallback,
    "follow fallback",
    [
        ("simulate", FollowFallback::Simulate),
        ("hold", FollowFallback::Hold)
    ]
);

/// A built-in colour theme by name.
pub fn parse_theme(name: &str) -> Result<&'static Theme, ValueError> {
    let names: Vec<(&str, &'static Theme)> = THEMES.iter().map(|t| (t.name, t)).collect();
    choose("theme", name, &names)
}

/// Deserializes a theme name.
pub fn de_theme<'de, D: Deserializer<'de>>(d: D) -> Result<&'static Theme, D::Error> {
    parse_theme(&String::deserialize(d)?).map_err(D::Error::custom)
}

/// What a font size looks like.
fn font_size_form() -> String {
    format!("allowed \"auto\" or {FONT_PX}")
}

/// Parses a font size: "auto" or pixels in range.
pub fn parse_font_size(s: &str) -> Result<FontSize, ValueError> {
    match s.parse::<f64>() {
        Ok(px) => font_px(px),
        Err(_) if s == "auto" => Ok(FontSize::Auto),
        Err(_) => Err(ValueError::malformed(s, font_size_form())),
    }
}

fn font_px(px: f64) -> Result<FontSize, ValueError> {
    if FONT_PX.contains(px) {
        Ok(FontSize::Px(px as f32))
    } else {
        Err(ValueError::OutOfRange {
            value: px.to_string(),
            allowed: font_size_form(),
        })
    }
}

/// A number or a word in a config value.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrWord {
    Num(f64),
    Word(String),
}

/// Deserializes a font size (a number of pixels or "auto").
pub fn de_font_size<'de, D: Deserializer<'de>>(d: D) -> Result<FontSize, D::Error> {
    match NumOrWord::deserialize(d)? {
        NumOrWord::Num(v) => font_px(v),
        NumOrWord::Word(w) => parse_font_size(&w),
    }
    .map_err(D::Error::custom)
}

/// Deserializes the internal resolution divisor ("auto" or a whole number in range).
pub fn de_pixel_scale<'de, D: Deserializer<'de>>(d: D) -> Result<PixelScale, D::Error> {
    let allowed = format!("allowed \"auto\" or {PIXEL_SCALE}");
    match NumOrWord::deserialize(d)? {
        NumOrWord::Word(w) if w == "auto" => Ok(PixelScale::Auto),
        NumOrWord::Num(v) if v.fract() == 0.0 && PIXEL_SCALE.contains(v as u32) && v >= 0.0 => {
            Ok(PixelScale::Fixed(v as u32))
        }
        NumOrWord::Num(v) => Err(ValueError::malformed(&v.to_string(), allowed)),
        NumOrWord::Word(w) => Err(ValueError::malformed(&w, allowed)),
    }
    .map_err(D::Error::custom)
}

/// The columns the automatic font size fits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Columns {
    /// The current log style's step line fits one row where the font can shrink that far.
    #[default]
    Auto,
    /// Only `rows` decides.
    Off,
    /// At least this many columns, whatever the rows become.
    Fixed(u32),
}

impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let allowed = format!("allowed \"auto\", \"off\" or {COLUMNS}");
        match NumOrWord::deserialize(d)? {
            NumOrWord::Word(w) if w == "auto" => Ok(Columns::Auto),
            NumOrWord::Word(w) if w == "off" => Ok(Columns::Off),
            NumOrWord::Num(v) if v.fract() == 0.0 && v >= 0.0 && COLUMNS.contains(v as u32) => {
                Ok(Columns::Fixed(v as u32))
            }
            NumOrWord::Num(v) => Err(ValueError::malformed(&v.to_string(), allowed)),
            NumOrWord::Word(w) => Err(ValueError::malformed(&w, allowed)),
        }
        .map_err(D::Error::custom)
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
            Raw::List(v) if !v.is_empty() && v.iter().all(|&i| MONITOR.contains(i)) => {
                Ok(Monitors::List(v.into_iter().map(|i| i as usize).collect()))
            }
            Raw::List(v) => Err(D::Error::custom(format!(
                "{v:?} is not allowed: {allowed} ({MONITOR})"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_or_lists_the_choices() {
        let opts = [("a", 1), ("b", 2)];
        assert_eq!(choose("letter", "b", &opts), Ok(2));
        assert_eq!(
            choose("letter", "c", &opts).unwrap_err().to_string(),
            "unknown letter `c`: allowed a, b"
        );
    }

    #[test]
    fn words_round_trip() {
        for (name, f) in Flavor::all() {
            assert_eq!(name.parse::<Flavor>(), Ok(f));
            assert_eq!(f.to_string(), name);
        }
        assert_eq!(Flavor::Rotate.framework(), None);
        assert!("vulkan".parse::<Presenter>().is_err());
        assert_eq!(parse_theme("amber").map(|t| t.name), Ok("amber"));
        assert!(
            parse_theme("neon")
                .unwrap_err()
                .to_string()
                .contains("phosphor")
        );
        assert_eq!(parse_font_size("auto"), Ok(FontSize::Auto));
        assert_eq!(parse_font_size("18"), Ok(FontSize::Px(18.0)));
        assert!(parse_font_size("5").is_err() && parse_font_size("huge").is_err());
    }
}
