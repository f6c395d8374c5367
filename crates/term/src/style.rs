//! Colours and text attributes carried by terminal cells.

/// A cell colour: the theme's default, one of the 256 palette entries, or true colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Color {
    /// The theme's foreground (or background, when used as one).
    #[default]
    Default,
    /// An entry of the xterm 256-colour palette; 0-15 are the theme's ANSI colours.
    Indexed(u8),
    /// A 24-bit colour.
    Rgb(u8, u8, u8),
}

impl Color {
    /// ANSI black.
    pub const BLACK: Color = Color::Indexed(0);
    /// ANSI red.
    pub const RED: Color = Color::Indexed(1);
    /// ANSI green.
    pub const GREEN: Color = Color::Indexed(2);
    /// ANSI yellow.
    pub const YELLOW: Color = Color::Indexed(3);
    /// ANSI blue.
    pub const BLUE: Color = Color::Indexed(4);
    /// ANSI magenta.
    pub const MAGENTA: Color = Color::Indexed(5);
    /// ANSI cyan.
    pub const CYAN: Color = Color::Indexed(6);
    /// ANSI white (light grey in most themes).
    pub const WHITE: Color = Color::Indexed(7);
    /// ANSI bright black (grey).
    pub const GREY: Color = Color::Indexed(8);
    /// ANSI bright cyan.
    pub const BRIGHT_CYAN: Color = Color::Indexed(14);
}

/// Foreground, background and attributes of a run of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Style {
    /// Text colour.
    pub fg: Color,
    /// Cell background colour.
    pub bg: Color,
    /// Bold weight.
    pub bold: bool,
    /// Faint (dimmed) text.
    pub dim: bool,
}

impl Style {
    /// Plain text in the theme's colours.
    pub const PLAIN: Style = Style {
        fg: Color::Default,
        bg: Color::Default,
        bold: false,
        dim: false,
    };

    /// Plain style with the given foreground.
    pub const fn fg(fg: Color) -> Style {
        Style {
            fg,
            bg: Color::Default,
            bold: false,
            dim: false,
        }
    }

    /// The same style in bold.
    pub const fn bold(mut self) -> Style {
        self.bold = true;
        self
    }

    /// The same style, dimmed.
    pub const fn dim(mut self) -> Style {
        self.dim = true;
        self
    }
}

/// A run of characters sharing one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The characters.
    pub text: String,
    /// Their style.
    pub style: Style,
}

/// A tqdm progress bar that takes the columns the rest of its line leaves, as tqdm sizes its
/// bar to the terminal (`tqdm/std.py`, `format_meter`: `N_BARS = max(1, ncols - len(nobar))
/// if ncols else 10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    /// Index of the span the bar goes before (the spans after it follow the bar).
    pub at: usize,
    /// Items done.
    pub n: u64,
    /// Items in all.
    pub total: u64,
    /// Style of the bar's cells.
    pub style: Style,
}

/// Bar width when the terminal's width is unknown (tqdm writing to a pipe).
pub const DEFAULT_BAR: usize = 10;

/// One line of styled text, as the simulation prints it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StyledLine {
    /// The runs, left to right.
    pub spans: Vec<Span>,
    /// A bar sized to the terminal's width, if the line has one.
    pub fill: Option<Fill>,
}

/// A tqdm bar `width` cells wide for `frac` done: whole blocks, one eighth-block partial cell,
/// then spaces (`tqdm/std.py`, `Bar.__format__`: `divmod(int(frac * N_BARS * 8), 8)`).
pub fn bar(frac: f64, width: usize) -> String {
    const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (frac.clamp(0.0, 1.0) * (width * 8) as f64) as usize;
    let full = (eighths / 8).min(width);
    let mut s = String::with_capacity(width * 3);
    for _ in 0..full {
        s.push('█');
    }
    if full < width {
        s.push(PARTIAL[eighths % 8]);
        for _ in full + 1..width {
            s.push(' ');
        }
    }
    s
}

impl StyledLine {
    /// An empty line.
    pub fn new() -> Self {
        Self::default()
    }

    /// A line with one plain run.
    pub fn plain(text: impl Into<String>) -> Self {
        Self::new().push(text, Style::PLAIN)
    }

    /// Appends a run (builder style); empty runs are dropped.
    pub fn push(mut self, text: impl Into<String>, style: Style) -> Self {
        self.append(text, style);
        self
    }

    /// Appends a run in place, merging with the previous run when the style matches.
    pub fn append(&mut self, text: impl Into<String>, style: Style) {
        let text = text.into();
        if text.is_empty() {
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.style == style => last.text.push_str(&text),
            _ => self.spans.push(Span { text, style }),
        }
    }

    /// Appends a bar of `n` of `total` that fills the terminal's spare width (builder style).
    pub fn fill(mut self, n: u64, total: u64, style: Style) -> Self {
        self.fill = Some(Fill {
            at: self.spans.len(),
            n,
            total,
            style,
        });
        // A span boundary after the bar, so text pushed next never merges into what came before.
        self.spans.push(Span {
            text: String::new(),
            style,
        });
        self
    }

    /// The text without styles, with a bar of tqdm's default width.
    pub fn text(&self) -> String {
        self.cells_at(None).map(|(c, _)| c).collect()
    }

    /// Characters with their styles on a terminal `cols` wide (`None`: width unknown): a bar
    /// takes the columns the rest of the line leaves, at least one.
    pub fn cells_at(&self, cols: Option<usize>) -> impl Iterator<Item = (char, Style)> + '_ {
        let bar = self.fill.map(|f| {
            let rest: usize = self.spans.iter().map(|s| s.text.chars().count()).sum();
            let width = cols.map_or(DEFAULT_BAR, |c| c.saturating_sub(rest).max(1));
            let frac = if f.total == 0 {
                0.0
            } else {
                f.n as f64 / f.total as f64
            };
            (f.at, bar(frac, width), f.style)
        });
        self.spans.iter().enumerate().flat_map(move |(i, s)| {
            let before = match &bar {
                Some((at, b, style)) if *at == i => {
                    b.chars().map(|c| (c, *style)).collect::<Vec<_>>()
                }
                _ => Vec::new(),
            };
            before
                .into_iter()
                .chain(s.text.chars().map(move |c| (c, s.style)))
        })
    }
}
