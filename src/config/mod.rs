//! Configuration: the TOML config (its schema, value types and the bounds every key is checked
//! against, each written once), the catalog files and the font.

mod catalog;
mod chord;
mod clock;
mod colors;
mod duration;
mod error;
mod font;
pub mod limits;
mod schema;
mod values;

use std::path::{Path, PathBuf};

pub use catalog::{CatalogError, load_catalog};
pub use chord::Chord;
pub use clock::{TimeRange, parse_start};
pub use duration::{duration_in, parse_duration};
pub use error::{ConfigError, ValueError};
pub use font::{FontFileError, load_faces};
pub use schema::Config;
pub use values::{
    Columns, Flavor, FollowFallback, IdleSourceKind, Layout, Monitors, MultiMonitor, Presenter,
    parse_font_size, parse_theme,
};

/// Largest config or catalog file read (4 MiB).
const TEXT_FILE_LIMIT: u64 = 4 << 20;

/// Reads a small text file (config, catalog): a FIFO, a device such as `/dev/zero` or a huge
/// file is refused instead of blocking or filling memory.
pub(crate) fn read_text_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > TEXT_FILE_LIMIT {
        return Err(Error::new(ErrorKind::InvalidInput, "larger than 4 MiB"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(TEXT_FILE_LIMIT)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The documented default configuration, also what `config init` writes.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// Where `config.toml` lives on this platform (e.g. `~/.config/trainsaver/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// The platform configuration directory of trainsaver, which also holds data overrides.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "trainsaver").map(|p| p.config_dir().to_path_buf())
}
