//! Colours that replace a theme's, and the retro effect switches.

use serde::{Deserialize, Deserializer, de::Error as _};

use raster::{Effects, Theme};

use super::error::ValueError;

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
pub fn parse_hex(s: &str) -> Result<[u8; 3], ValueError> {
    let h = s.strip_prefix('#').unwrap_or("");
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ValueError::malformed(s, "not a colour: use \"#rrggbb\""));
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
