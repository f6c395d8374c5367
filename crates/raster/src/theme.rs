//! Colour themes: the 16 ANSI colours plus foreground, background and cursor.

use term::Color;

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// A named colour scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Name as used in config and `--theme`.
    pub name: &'static str,
    /// Default text colour.
    pub fg: Rgb,
    /// Background colour.
    pub bg: Rgb,
    /// Block cursor colour.
    pub cursor: Rgb,
    /// ANSI colours 0-15.
    pub ansi: [Rgb; 16],
    /// A CRT look: retro effects are on unless the config turns them off.
    pub retro: bool,
}

const fn hex(v: u32) -> Rgb {
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Builds a palette from sixteen hex values.
const fn pal(v: [u32; 16]) -> [Rgb; 16] {
    let mut out = [[0; 3]; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = hex(v[i]);
        i += 1;
    }
    out
}

/// A one-colour palette for monochrome CRT looks: every hue becomes a brightness of `base`.
const fn mono(base: u32) -> [Rgb; 16] {
    let b = hex(base);
    let levels = [
        40, 100, 80, 95, 70, 75, 85, 90, 55, 100, 90, 100, 80, 85, 95, 100,
    ];
    let mut out = [[0; 3]; 16];
    let mut i = 0;
    while i < 16 {
        let l = levels[i] as u32;
        out[i] = [
            (b[0] as u32 * l / 100) as u8,
            (b[1] as u32 * l / 100) as u8,
            (b[2] as u32 * l / 100) as u8,
        ];
        i += 1;
    }
    out
}

/// Every built-in theme.
pub const THEMES: &[Theme] = &[
    Theme {
        name: "default",
        fg: hex(0xd4d7dc),
        bg: hex(0x0f1115),
        cursor: hex(0xc8ccd4),
        ansi: pal([
            0x1c1f24, 0xe0605e, 0x5fc26a, 0xe5c15b, 0x5aa2e8, 0xc678dd, 0x4fc1c9, 0xc8ccd4,
            0x6b7280, 0xff7b72, 0x7ee787, 0xf2d37a, 0x79c0ff, 0xd2a8ff, 0x76e3ea, 0xffffff,
        ]),
        retro: false,
    },
    Theme {
        name: "phosphor",
        fg: hex(0x33ff66),
        bg: hex(0x020a04),
        cursor: hex(0x66ff8c),
        ansi: mono(0x33ff66),
        retro: true,
    },
    Theme {
        name: "amber",
        fg: hex(0xffb000),
        bg: hex(0x0c0700),
        cursor: hex(0xffc640),
        ansi: mono(0xffb000),
        retro: true,
    },
    Theme {
        name: "solarized-dark",
        fg: hex(0x93a1a1),
        bg: hex(0x002b36),
        cursor: hex(0x93a1a1),
        ansi: pal([
            0x073642, 0xdc322f, 0x859900, 0xb58900, 0x268bd2, 0xd33682, 0x2aa198, 0xeee8d5,
            0x586e75, 0xcb4b16, 0x93a1a1, 0xb58900, 0x839496, 0x6c71c4, 0x93a1a1, 0xfdf6e3,
        ]),
        retro: false,
    },
    Theme {
        name: "dracula",
        fg: hex(0xf8f8f2),
        bg: hex(0x282a36),
        cursor: hex(0xf8f8f2),
        ansi: pal([
            0x21222c, 0xff5555, 0x50fa7b, 0xf1fa8c, 0xbd93f9, 0xff79c6, 0x8be9fd, 0xf8f8f2,
            0x6272a4, 0xff6e6e, 0x69ff94, 0xffffa5, 0xd6acff, 0xff92df, 0xa4ffff, 0xffffff,
        ]),
        retro: false,
    },
    Theme {
        name: "paper",
        fg: hex(0x24292f),
        bg: hex(0xfbfaf6),
        cursor: hex(0x24292f),
        ansi: pal([
            0x24292f, 0xb42318, 0x1a7f37, 0x9a6700, 0x0550ae, 0x8250df, 0x1b7c83, 0x57606a,
            0x6e7781, 0xcf222e, 0x2da44e, 0xbf8700, 0x218bff, 0xa475f9, 0x3192aa, 0x8c959f,
        ]),
        retro: false,
    },
];

/// Names of the built-in themes, for error messages and `--help`.
pub fn theme_names() -> Vec<&'static str> {
    THEMES.iter().map(|t| t.name).collect()
}

impl Theme {
    /// Looks a built-in theme up by name.
    pub fn by_name(name: &str) -> Option<&'static Theme> {
        THEMES.iter().find(|t| t.name == name)
    }

    /// Resolves a cell colour; `is_bg` picks what [`Color::Default`] means.
    pub fn resolve(&self, c: Color, is_bg: bool) -> Rgb {
        match c {
            Color::Default if is_bg => self.bg,
            Color::Default => self.fg,
            Color::Indexed(i) => self.indexed(i),
            Color::Rgb(r, g, b) => [r, g, b],
        }
    }

    /// The xterm 256-colour palette with this theme's first sixteen.
    pub fn indexed(&self, i: u8) -> Rgb {
        match i {
            0..=15 => self.ansi[i as usize],
            16..=231 => {
                let i = i - 16;
                let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
                [level(i / 36), level((i / 6) % 6), level(i % 6)]
            }
            _ => {
                let v = 8 + (i - 232) * 10;
                [v, v, v]
            }
        }
    }
}
