//! The user's font file: read with bounds (a regular file, at most 64 MiB) and parsed within a
//! time limit, so a FIFO, `/dev/zero` or a corrupt font cannot stall start-up.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use raster::{Faces, FontError};

/// Largest font file read.
const MAX_FONT_BYTES: u64 = 64 << 20;
/// Longest a font may take to parse and draw its first glyphs.
const PARSE_LIMIT: Duration = Duration::from_secs(3);

/// The config key `font` cannot be used; shown with the key and the file.
#[derive(Debug, thiserror::Error)]
pub enum FontFileError {
    /// The file cannot be opened or read.
    #[error("config key `font` = {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a regular file of a sane size.
    #[error("config key `font` = {path}: {reason}")]
    NotAFontFile {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The parser rejected it, or took too long.
    #[error("config key `font`: {0}")]
    Font(#[from] FontError),
}

/// The faces to draw with: the bundled ones, or the file the config names.
pub fn load_faces(path: Option<&Path>) -> Result<Faces, FontFileError> {
    let Some(path) = path else {
        return Ok(Faces::bundled());
    };
    let shown = path.display().to_string();
    let read = |source| FontFileError::Read {
        path: shown.clone(),
        source,
    };
    let not = |reason: &str| FontFileError::NotAFontFile {
        path: shown.clone(),
        reason: reason.into(),
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    if !meta.is_file() {
        return Err(not("not a regular file"));
    }
    if meta.len() > MAX_FONT_BYTES {
        return Err(not("larger than 64 MiB"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FONT_BYTES).read_to_end(&mut bytes))
        .map_err(read)?;
    parse_in_time(bytes, shown.clone(), PARSE_LIMIT)
}

/// Parses and tries a few glyphs on a worker thread, giving up after `limit` (the thread is
/// left to finish on its own; it holds nothing the program needs).
fn parse_in_time(bytes: Vec<u8>, name: String, limit: Duration) -> Result<Faces, FontFileError> {
    let (tx, rx) = mpsc::channel();
    let worker_name = name.clone();
    std::thread::spawn(move || {
        let r = Faces::from_bytes(&bytes, &worker_name).inspect(|faces| {
            let mut set = faces.at(16.0);
            for c in ['M', 'g', '0', '|'] {
                set.glyph(c, false);
            }
        });
        let _ = tx.send(r);
    });
    match rx.recv_timeout(limit) {
        Ok(r) => Ok(r?),
        Err(_) => Err(FontFileError::Font(FontError::Parse {
            path: name,
            reason: format!(
                "parsing took longer than {} s; the file looks damaged",
                limit.as_secs()
            ),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_name_the_key_and_say_why() {
        let e = load_faces(Some(Path::new("/dev/zero")))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config key `font` = /dev/zero: not a regular file"),
            "{e}"
        );
        let e = load_faces(Some(Path::new("/nonexistent/font.ttf")))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("config key `font` = /nonexistent/font.ttf: "),
            "{e}"
        );
        let junk = std::env::temp_dir().join(format!("trainsaver-junk-{}.ttf", std::process::id()));
        std::fs::write(&junk, b"not a font at all").unwrap();
        let e = load_faces(Some(&junk)).unwrap_err().to_string();
        assert!(e.starts_with("config key `font`: "), "{e}");
        let _ = std::fs::remove_file(&junk);
    }

    #[test]
    fn a_parse_that_hangs_is_cut_off() {
        // A zero limit stands in for a damaged font that takes minutes.
        let bytes = raster::BUNDLED_REGULAR.to_vec();
        let e = parse_in_time(bytes, "slow.ttf".into(), Duration::ZERO);
        let e = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("took longer than 0 s"), "{e}");
    }
}
