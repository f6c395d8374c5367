//! Log levels and the styles of the parts of a log line every tool shares.

use term::{Color, Style};

/// Severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Routine progress.
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

impl Level {
    /// The word Python's logging prints.
    pub fn word(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
        }
    }

    /// Colour of the level word (and of warning/error text).
    pub fn color(self) -> Color {
        match self {
            Level::Info => Color::GREEN,
            Level::Warn => Color::YELLOW,
            Level::Error => Color::RED,
        }
    }

    /// Style of the message body: plain for info, coloured for warnings and errors.
    pub fn body(self) -> Style {
        match self {
            Level::Info => Style::PLAIN,
            l => Style::fg(l.color()),
        }
    }
}

/// Dim grey for timestamps and framework prefixes.
pub const META: Style = Style::fg(Color::GREY);

/// Who a log line speaks for: the console's own rank (`None`), or `(rank, world)`.
pub type RankTag = Option<(u32, u32)>;
