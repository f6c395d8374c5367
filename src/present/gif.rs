//! GIF presenter: a clip of frames streamed to a file. One global palette holds the clip's
//! colours exactly when there are at most 255 of them (a theme's text over its background
//! usually is), else its 255 most common ones with the rest mapped to the nearest; after the
//! first frame only the rectangle that changed is written, unchanged pixels in it transparent.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use raster::Frame;

/// The palette index that marks "unchanged since the last frame".
const KEEP: u8 = 0;

/// A GIF file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GifError {
    /// The file could not be created.
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
        source: gif::EncodingError,
    },
}

/// How often each colour appears over a clip (the first of two passes).
#[derive(Debug, Default)]
pub struct Histogram(HashMap<[u8; 3], u64>);

impl Histogram {
    /// Counts a frame's colours.
    pub fn add(&mut self, f: &Frame) {
        for p in f.data.chunks_exact(4) {
            *self.0.entry([p[0], p[1], p[2]]).or_default() += 1;
        }
    }
}

/// The clip's palette: entry 0 is the transparent marker, then up to 255 colours, most common
/// first (ties by value, so the same clip gives the same bytes).
pub struct Palette {
    colours: Vec<[u8; 3]>,
    index: HashMap<[u8; 3], u8>,
}

impl Palette {
    /// The palette for the colours counted.
    pub fn from(h: &Histogram) -> Palette {
        let mut by_use: Vec<([u8; 3], u64)> = h.0.iter().map(|(c, n)| (*c, *n)).collect();
        by_use.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut colours = vec![[0, 0, 0]];
        colours.extend(by_use.iter().take(255).map(|(c, _)| *c));
        let index = colours
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, c)| (*c, i as u8))
            .collect();
        Palette { colours, index }
    }

    /// Whether every colour of the clip has its own entry.
    pub fn exact(&self, h: &Histogram) -> bool {
        h.0.len() < 256
    }

    /// The entry of a colour: its own, or the nearest (the lowest index on a tie).
    fn of(&mut self, c: [u8; 3]) -> u8 {
        if let Some(&i) = self.index.get(&c) {
            return i;
        }
        let d = |p: &[u8; 3]| -> i32 {
            p.iter()
                .zip(c)
                .map(|(a, b)| (i32::from(*a) - i32::from(b)).pow(2))
                .sum()
        };
        let best = (1..self.colours.len())
            .min_by_key(|&i| (d(&self.colours[i]), i))
            .unwrap_or(1) as u8;
        self.index.insert(c, best);
        best
    }
}

/// A GIF being written, one frame at a time.
pub struct GifWriter {
    enc: gif::Encoder<BufWriter<File>>,
    palette: Palette,
    path: String,
    size: (usize, usize),
    /// The last frame, as palette indices.
    prev: Option<Vec<u8>>,
    /// A frame held back until its delay is known.
    pending: Option<gif::Frame<'static>>,
}

impl GifWriter {
    /// Creates the file for a `width` x `height` clip that loops forever.
    pub fn create(
        path: &Path,
        width: usize,
        height: usize,
        palette: Palette,
    ) -> Result<GifWriter, GifError> {
        let shown = path.display().to_string();
        let file = File::create(path).map_err(|source| GifError::Io {
            path: shown.clone(),
            source,
        })?;
        let flat: Vec<u8> = palette.colours.iter().flatten().copied().collect();
        let encode = |source| GifError::Encode {
            path: shown.clone(),
            source,
        };
        let mut enc = gif::Encoder::new(BufWriter::new(file), width as u16, height as u16, &flat)
            .map_err(encode)?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(encode)?;
        Ok(GifWriter {
            enc,
            palette,
            path: shown,
            size: (width, height),
            prev: None,
            pending: None,
        })
    }

    fn encode_err(&self) -> impl Fn(gif::EncodingError) -> GifError + '_ {
        |source| GifError::Encode {
            path: self.path.clone(),
            source,
        }
    }

    /// Adds a frame shown for `delay_cs` hundredths of a second; a frame equal to the last
    /// one lengthens it instead.
    pub fn push(&mut self, f: &Frame, delay_cs: u16) -> Result<(), GifError> {
        let (w, h) = self.size;
        let idx: Vec<u8> = f
            .data
            .chunks_exact(4)
            .map(|p| self.palette.of([p[0], p[1], p[2]]))
            .collect();
        let rect = match &self.prev {
            None => Some((0, 0, w, h)),
            Some(p) => changed(p, &idx, w, h),
        };
        let Some((x0, y0, x1, y1)) = rect else {
            if let Some(f) = self.pending.as_mut() {
                f.delay = f.delay.saturating_add(delay_cs);
            }
            return Ok(());
        };
        let prev = self.prev.as_deref();
        let sub: Vec<u8> = (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| y * w + x))
            .map(|i| match prev {
                Some(p) if p[i] == idx[i] => KEEP,
                _ => idx[i],
            })
            .collect();
        let frame = gif::Frame {
            left: x0 as u16,
            top: y0 as u16,
            width: (x1 - x0) as u16,
            height: (y1 - y0) as u16,
            buffer: Cow::Owned(sub),
            transparent: prev.map(|_| KEEP),
            dispose: gif::DisposalMethod::Keep,
            delay: delay_cs,
            ..gif::Frame::default()
        };
        if let Some(done) = self.pending.replace(frame) {
            self.enc.write_frame(&done).map_err(self.encode_err())?;
        }
        self.prev = Some(idx);
        Ok(())
    }

    /// Writes the last frame and the trailer.
    pub fn finish(mut self) -> Result<(), GifError> {
        if let Some(done) = self.pending.take() {
            self.enc.write_frame(&done).map_err(self.encode_err())?;
        }
        let path = self.path.clone();
        self.enc
            .into_inner()
            .map(drop)
            .map_err(|source| GifError::Encode { path, source })
    }
}

/// The bounding box `(x0, y0, x1, y1)` of the pixels that differ, if any.
fn changed(a: &[u8], b: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let rows: Vec<usize> = (0..h)
        .filter(|&y| a[y * w..(y + 1) * w] != b[y * w..(y + 1) * w])
        .collect();
    let (&y0, &y1) = (rows.first()?, rows.last()?);
    let (mut x0, mut x1) = (w, 0);
    for y in y0..=y1 {
        let (ra, rb) = (&a[y * w..(y + 1) * w], &b[y * w..(y + 1) * w]);
        if let Some(first) = (0..w).find(|&x| ra[x] != rb[x]) {
            x0 = x0.min(first);
            x1 = x1.max((0..w).rev().find(|&x| ra[x] != rb[x]).unwrap_or(first) + 1);
        }
    }
    Some((x0, y0, x1, y1 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: usize, h: usize, paint: impl Fn(usize, usize) -> [u8; 3]) -> Frame {
        let mut f = Frame::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let c = paint(x, y);
                f.data[(y * w + x) * 4..(y * w + x) * 4 + 4]
                    .copy_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
        f
    }

    /// Decodes a GIF into its composited RGB frames.
    fn decode(path: &Path) -> Vec<Vec<[u8; 3]>> {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut d = opts.read_info(File::open(path).unwrap()).unwrap();
        let (w, h) = (d.width() as usize, d.height() as usize);
        let mut canvas = vec![[0u8; 3]; w * h];
        let mut out = Vec::new();
        while let Some(f) = d.read_next_frame().unwrap() {
            for y in 0..f.height as usize {
                for x in 0..f.width as usize {
                    let p = &f.buffer[(y * f.width as usize + x) * 4..][..4];
                    if p[3] != 0 {
                        canvas[(f.top as usize + y) * w + f.left as usize + x] = [p[0], p[1], p[2]];
                    }
                }
            }
            out.push(canvas.clone());
        }
        out
    }

    #[test]
    fn a_clip_round_trips_exactly_and_repeats_are_merged() {
        let (w, h) = (24, 10);
        let frames: Vec<Frame> = (0..6)
            .map(|t| {
                frame(w, h, |x, y| {
                    if y == 3 && x < (t / 2) * 4 {
                        [0x32, 0xd7, 0x4b]
                    } else if (x + y) % 7 == 0 {
                        [200, 200, 190]
                    } else {
                        [0x0f, 0x11, 0x15]
                    }
                })
            })
            .collect();
        let mut hist = Histogram::default();
        frames.iter().for_each(|f| hist.add(f));
        let palette = Palette::from(&hist);
        assert!(palette.exact(&hist));
        let path = std::env::temp_dir().join(format!("trainsaver-gif-{}.gif", std::process::id()));
        let mut wr = GifWriter::create(&path, w, h, palette).unwrap();
        for f in &frames {
            wr.push(f, 10).unwrap();
        }
        wr.finish().unwrap();
        let got = decode(&path);
        // Frames 0-1, 2-3, 4-5 are equal pairs: three frames, each the one it shows.
        assert_eq!(got.len(), 3);
        for (i, g) in got.iter().enumerate() {
            let want: Vec<[u8; 3]> = frames[i * 2]
                .data
                .chunks_exact(4)
                .map(|p| [p[0], p[1], p[2]])
                .collect();
            assert_eq!(g, &want, "frame {i}");
        }
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn more_than_255_colours_map_to_the_nearest() {
        // 200 common colours and 100 rare ones a shade off them: the rare ones go to the
        // common ones beside them.
        let base = |i: usize| [(i % 20 * 12) as u8, (i / 20 * 24) as u8, 40];
        let f = frame(40, 30, |x, y| {
            let i = y * 40 + x;
            let c = base(i % 200);
            if i >= 1000 {
                [c[0] + 1, c[1] + 1, c[2] + 1]
            } else {
                c
            }
        });
        let mut hist = Histogram::default();
        hist.add(&f);
        let mut p = Palette::from(&hist);
        assert!(!p.exact(&hist));
        for px in f.data.chunks_exact(4) {
            let c = [px[0], px[1], px[2]];
            let i = p.of(c) as usize;
            let e = p.colours[i];
            assert!(
                e.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 1),
                "{c:?} -> {e:?}"
            );
        }
    }
}
