//! PNG presenter: writes a frame to a file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use raster::Frame;

/// Writes an RGBA frame as a PNG file.
pub fn write_png(frame: &Frame, path: &Path) -> Result<(), String> {
    let shown = path.display();
    let file = File::create(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut enc = png::Encoder::new(
        BufWriter::new(file),
        frame.width as u32,
        frame.height as u32,
    );
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| format!("{shown}: {e}"))?;
    w.write_image_data(&frame.data)
        .map_err(|e| format!("{shown}: {e}"))?;
    w.finish().map_err(|e| format!("{shown}: {e}"))
}

/// Reads a PNG written by [`write_png`] back into a frame (RGBA8 only).
pub fn read_png(path: &Path) -> Result<Frame, String> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut dec = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .map_err(|e| format!("{shown}: {e}"))?;
    let info = dec.info();
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return Err(format!("{shown}: not an 8-bit RGBA PNG"));
    }
    let (width, height) = (info.width as usize, info.height as usize);
    let mut data = vec![
        0;
        dec.output_buffer_size()
            .ok_or_else(|| format!("{shown}: too large"))?
    ];
    dec.next_frame(&mut data)
        .map_err(|e| format!("{shown}: {e}"))?;
    data.truncate(width * height * 4);
    Ok(Frame {
        width,
        height,
        data,
    })
}
