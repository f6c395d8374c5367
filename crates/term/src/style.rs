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

/// One line of styled text, as the simulation prints it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StyledLine {
    /// The runs, left to right.
    pub spans: Vec<Span>,
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

    /// The text without styles.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Characters with their styles, one per terminal cell.
    pub fn cells(&self) -> impl Iterator<Item = (char, Style)> + '_ {
        self.spans
            .iter()
            .flat_map(|s| s.text.chars().map(move |c| (c, s.style)))
    }
}
