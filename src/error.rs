//! How a command fails: one error type over every part's own, whose variant decides the exit
//! code (2 bad input, 3 nothing can draw, 1 a run-time failure).

use crate::config::{CatalogError, ConfigError, FontFileError, ValueError};
use crate::daemon::DaemonError;
use crate::present::png::PngError;
use crate::runtime::window::WindowError;
#[cfg(all(unix, not(target_os = "macos")))]
use crate::runtime::x11::X11Error;

/// Flags that do not go together, or a value given by a host program that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// `render --wall` without an epoch to measure from.
    #[error("--wall needs a sync epoch (--sync-epoch or config `sync_epoch`)")]
    WallWithoutEpoch,
    /// `render --clip` to a file that is not a GIF.
    #[error("--clip writes a GIF: the output must end in .gif, got {0}")]
    ClipNotGif(String),
    /// A host window id (`--window-id`, `$XSCREENSAVER_WINDOW`) that is not one.
    #[error("{origin}: {source}")]
    WindowId {
        /// Where the id came from.
        origin: &'static str,
        /// What is wrong with it.
        source: ValueError,
    },
    /// Drawing inside a host window on a platform without X11.
    #[error("drawing inside another window is only supported on X11")]
    EmbedUnsupported,
}

/// An I/O step of a command that failed, with what it was doing.
#[derive(Debug, thiserror::Error)]
#[error("{doing}: {source}")]
pub struct IoFailure {
    /// What was being done (a path, or `writing to standard output`).
    pub doing: String,
    /// Why it failed.
    #[source]
    pub source: std::io::Error,
}

impl IoFailure {
    /// The failure of `doing`.
    pub fn new(doing: impl Into<String>, source: std::io::Error) -> Self {
        IoFailure {
            doing: doing.into(),
            source,
        }
    }
}

/// A failure of a command; its type decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A bad config file: exit code 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A bad catalog file: exit code 2.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A bad font: exit code 2.
    #[error(transparent)]
    Font(#[from] FontFileError),
    /// Flags that do not go together, a bad host window id: exit code 2.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// The window runtime failed: 3 when nothing can draw, else 1.
    #[error(transparent)]
    Window(#[from] WindowError),
    /// The X server could not be asked (its root window): exit code 1.
    #[cfg(all(unix, not(target_os = "macos")))]
    #[error(transparent)]
    X11(#[from] X11Error),
    /// A PNG could not be written: exit code 1.
    #[error(transparent)]
    Png(#[from] PngError),
    /// A GIF could not be written: exit code 1.
    #[error(transparent)]
    Gif(#[from] crate::present::gif::GifError),
    /// The idle daemon failed: exit code 1.
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    /// Reading or writing failed at run time: exit code 1.
    #[error(transparent)]
    Io(#[from] IoFailure),
    /// The platform has no config directory (no home): exit code 1.
    #[error("no home directory: cannot locate the config directory")]
    NoConfigDir,
    /// `config init` would overwrite a file: exit code 1.
    #[error("{0}: already exists; not overwriting (remove it first)")]
    Exists(String),
}

impl AppError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Config(_) | AppError::Catalog(_) | AppError::Font(_) | AppError::Usage(_) => {
                2
            }
            AppError::Window(WindowError::NoPresenter(_)) => 3,
            _ => 1,
        }
    }
}
