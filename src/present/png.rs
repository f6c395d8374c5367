//! PNG presenter: writes a frame to a file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use raster::Frame;

/// A PNG file that could not be written or read back.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    /// The file could not be created or opened.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The encoder failed (usually: the disk is full).
    #[error("{path}: {source}")]
    Encode {
        /// The file.
        path: String,
        /// Why.
        source: png::EncodingError,
    },
    /// The file is not a PNG this program wrote.
    #[error("{path}: {reason}")]
    Decode {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Writes an RGBA frame as a PNG file.
pub fn write_png(frame: &Frame, path: &Path) -> Result<(), PngError> {
    let shown = || path.display().to_string();
    let file = File::create(path).map_err(|source| PngError::Io {
        path: shown(),
        source,
    })?;
    let enc_err = |source| PngError::Encode {
        path: shown(),
        source,
    };
    let mut enc = png::Encoder::new(
        BufWriter::new(file),
        frame.width as u32,
        frame.height as u32,
    );
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(enc_err)?;
    w.write_image_data(&frame.data).map_err(enc_err)?;
    w.finish().map_err(enc_err)
}

/// Reads a PNG written by [`write_png`] back into a frame (RGBA8 only).
pub fn read_png(path: &Path) -> Result<Frame, PngError> {
    let bad = |reason: String| PngError::Decode {
        path: path.display().to_string(),
        reason,
    };
    let file = File::open(path).map_err(|source| PngError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut dec = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .map_err(|e| bad(e.to_string()))?;
    let info = dec.info();
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return Err(bad("not an 8-bit RGBA PNG".into()));
    }
    let (width, height) = (info.width as usize, info.height as usize);
    let size = dec
        .output_buffer_size()
        .ok_or_else(|| bad("too large".into()))?;
    let mut data = vec![0; size];
    dec.next_frame(&mut data).map_err(|e| bad(e.to_string()))?;
    data.truncate(width * height * 4);
    Ok(Frame {
        width,
        height,
        data,
    })
}
