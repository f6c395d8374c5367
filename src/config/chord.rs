//! Key chords: the modifiers-plus-key combination that ends kiosk mode.

use super::error::ValueError;

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

/// What a chord looks like, for errors.
const CHORD_FORM: &str = "use modifiers plus one key, e.g. ctrl+alt+q";

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

/// Whether `k` names a function key F1 to F12.
fn function_key(k: &str) -> bool {
    k.strip_prefix('f')
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| (1..=12).contains(&n))
}

impl Chord {
    /// Parses `ctrl+alt+q`-style text (case-insensitive).
    pub fn parse(s: &str) -> Result<Chord, ValueError> {
        let bad = |why: &str| ValueError::malformed(s, format!("{why}; {CHORD_FORM}"));
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
                "" => return Err(bad("empty part")),
                k if c.key.is_empty() => c.key = k.to_string(),
                _ => return Err(bad("more than one key")),
            }
        }
        if c.key.is_empty() {
            return Err(bad("no key"));
        }
        if c.key.chars().count() != 1
            && !NAMED_KEYS.contains(&c.key.as_str())
            && !function_key(&c.key)
        {
            return Err(ValueError::malformed(
                s,
                format!(
                    "unknown key `{}`: use one character or one of {}, f1 to f12",
                    c.key,
                    NAMED_KEYS.join(", ")
                ),
            ));
        }
        Ok(c)
    }
}

impl std::str::FromStr for Chord {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Chord::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for Chord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Chord::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                .to_string()
                .contains("unknown key")
        );
        assert!(Chord::parse("ctrl+f12").is_ok() && Chord::parse("ctrl+escape").is_ok());
        assert!(Chord::parse("ctrl+f13").is_err());
    }
}
