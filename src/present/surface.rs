//! The two ways a frame reaches a window: pixels (GPU upload and scaling) and softbuffer (CPU,
//! only damaged rows). Both take the internal RGBA frame the rasterizer drew.

use std::num::NonZeroU32;
use std::sync::Arc;

use pixels::{Pixels, SurfaceTexture, wgpu};
use winit::window::Window;

use raster::{BPP, Rect, Shift};

/// Whether this machine could have a hardware GPU adapter at all.
///
/// On Linux every hardware adapter needs a DRM render node (or NVIDIA's device files); without
/// one wgpu could only offer a software rasterizer, so `auto` goes straight to the CPU presenter
/// and never loads a Vulkan driver (which alone costs tens of megabytes).
pub fn hardware_gpu_possible() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let render_node = std::fs::read_dir("/dev/dri")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    render_node || std::path::Path::new("/dev/nvidia0").exists()
}

/// Which presenter a surface is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// pixels / wgpu.
    Gpu,
    /// softbuffer.
    Cpu,
}

/// A surface that could not be created, resized or presented.
#[derive(Debug, thiserror::Error)]
pub enum SurfaceError {
    /// wgpu (through pixels) failed.
    #[error("gpu presenter: {0}")]
    Gpu(#[from] pixels::Error),
    /// wgpu failed to size the texture.
    #[error("gpu presenter: {0}")]
    GpuTexture(#[from] pixels::TextureError),
    /// The X11 presenter failed.
    #[error("cpu presenter: {0}")]
    Wire(#[from] WireError),
    /// softbuffer failed.
    #[error("cpu presenter: {0}")]
    Cpu(#[from] softbuffer::SoftBufferError),
    /// wgpu raised an error it reports by panicking (e.g. a 16-bit X visual it cannot use).
    #[error("gpu presenter: {0}")]
    GpuPanic(String),
}

/// Why the X11 presenter cannot draw on a window (the caller then tries softbuffer).
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not an X11 window (Wayland, another platform).
    #[error("not an X11 window")]
    NotX11,
    /// The window's pixel format is not 24-bit true colour in 32-bit pixels.
    #[error("the window's visual is not 24-bit TrueColor")]
    Visual,
    /// No connection, or it broke.
    #[error("X11 presenter: {0}")]
    Connection(String),
}

thread_local! {
    /// Set while a guarded wgpu call runs: its panic is reported as an error, not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a wgpu call, turning the panic its default error handler raises into an error. The
/// panic hook is wrapped once, and stays quiet only on this thread while the call runs, so
/// panics elsewhere are printed as usual.
fn guarded<T>(f: impl FnOnce() -> Result<T, SurfaceError>) -> Result<T, SurfaceError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| p.downcast_ref::<&str>().copied())
            .unwrap_or("wgpu failed");
        // wgpu's messages span lines ("Validation Error\n\nCaused by: ..."): keep one.
        let line = msg
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.ends_with(':'))
            .unwrap_or("wgpu failed");
        Err(SurfaceError::GpuPanic(line.to_string()))
    })
}

/// What changed in the internal frame since the last present.
#[derive(Clone, Copy, Debug)]
pub struct Update<'a> {
    /// Every rectangle that changed (what a presenter that sends pixels only uploads).
    pub damage: &'a [Rect],
    /// A scroll, done before anything was painted (a presenter may move its pixels itself).
    pub moved: Option<Shift>,
    /// The rectangles painted afresh: `damage` less what only moved.
    pub painted: &'a [Rect],
}

/// A window's drawing surface holding the internal frame between presents.
pub trait Surface {
    /// Which presenter this is.
    fn kind(&self) -> Kind;
    /// The internal RGBA frame (what the rasterizer updates in place).
    fn frame_mut(&mut self) -> &mut [u8];
    /// Adapts to a new window size (`w` x `h`) and internal frame size (`iw` x `ih`).
    fn resize(&mut self, w: u32, h: u32, iw: u32, ih: u32) -> Result<(), SurfaceError>;
    /// Shows the frame as changed by `update`.
    fn present(&mut self, update: Update<'_>) -> Result<(), SurfaceError>;
    /// The presenter as one that keeps no frame, if it can be (its frame is then let go).
    fn stream(&mut self) -> Option<&mut dyn Stream> {
        None
    }
}

/// A presenter that keeps no frame: the window holds the picture, and a render's pieces go
/// to it as they are made (internal frame coordinates).
pub trait Stream {
    /// Moves what the window shows (a scroll).
    fn shift(&mut self, s: Shift) -> Result<(), SurfaceError>;
    /// Shows fresh pixels for rectangle `at` (row-major RGBA, `at.w * 4` bytes a row).
    fn put(&mut self, at: Rect, pixels: &[u8]) -> Result<(), SurfaceError>;
    /// Ends a frame; true when part of the picture was lost (a scroll copied a covered part
    /// of the window) and everything must be drawn again.
    fn finish(&mut self) -> Result<bool, SurfaceError>;
}

/// pixels: the whole frame is uploaded each present and scaled by the GPU.
pub struct GpuSurface {
    pixels: Pixels<'static>,
}

impl GpuSurface {
    /// A GPU surface for the window.
    pub fn new(
        window: Arc<Window>,
        w: u32,
        h: u32,
        iw: u32,
        ih: u32,
    ) -> Result<Self, SurfaceError> {
        guarded(|| {
            let texture = SurfaceTexture::new(w.max(1), h.max(1), window);
            let pixels = Pixels::new(iw.max(1), ih.max(1), texture)?;
            Ok(GpuSurface { pixels })
        })
    }

    /// Whether wgpu picked a software adapter (llvmpipe, lavapipe, WARP).
    pub fn is_software(&self) -> bool {
        self.pixels.adapter().get_info().device_type == wgpu::DeviceType::Cpu
    }
}

impl Surface for GpuSurface {
    fn kind(&self) -> Kind {
        Kind::Gpu
    }

    fn frame_mut(&mut self) -> &mut [u8] {
        self.pixels.frame_mut()
    }

    fn resize(&mut self, w: u32, h: u32, iw: u32, ih: u32) -> Result<(), SurfaceError> {
        guarded(|| {
            self.pixels.resize_surface(w.max(1), h.max(1))?;
            self.pixels.resize_buffer(iw.max(1), ih.max(1))?;
            Ok(())
        })
    }

    fn present(&mut self, _: Update<'_>) -> Result<(), SurfaceError> {
        guarded(|| Ok(self.pixels.render()?))
    }
}

/// softbuffer: the CPU converts and uploads only damaged rows, scaled by whole pixels.
pub struct CpuSurface {
    surface: softbuffer::Surface<Arc<Window>, Arc<Window>>,
    _context: softbuffer::Context<Arc<Window>>,
    frame: Vec<u8>,
    size: (usize, usize),
    internal: (usize, usize),
}

fn nz(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v.max(1)).expect("at least 1")
}

impl CpuSurface {
    /// A CPU surface for the window.
    pub fn new(
        window: Arc<Window>,
        w: u32,
        h: u32,
        iw: u32,
        ih: u32,
    ) -> Result<Self, SurfaceError> {
        let context = softbuffer::Context::new(window.clone())?;
        let surface = softbuffer::Surface::new(&context, window)?;
        let mut s = CpuSurface {
            surface,
            _context: context,
            frame: Vec::new(),
            size: (0, 0),
            internal: (0, 0),
        };
        s.resize(w, h, iw, ih)?;
        Ok(s)
    }
}

impl Surface for CpuSurface {
    fn kind(&self) -> Kind {
        Kind::Cpu
    }

    fn frame_mut(&mut self) -> &mut [u8] {
        &mut self.frame
    }

    fn resize(&mut self, w: u32, h: u32, iw: u32, ih: u32) -> Result<(), SurfaceError> {
        self.surface.resize(nz(w), nz(h))?;
        self.size = (w.max(1) as usize, h.max(1) as usize);
        self.internal = (iw.max(1) as usize, ih.max(1) as usize);
        self.frame = vec![0; self.internal.0 * self.internal.1 * BPP];
        Ok(())
    }

    fn present(&mut self, update: Update<'_>) -> Result<(), SurfaceError> {
        let damaged = update.damage;
        let (w, h) = self.size;
        let (iw, ih) = self.internal;
        let mut buf = self.surface.buffer_mut()?;
        // A buffer that is not last frame's must be written whole.
        let whole = buf.age() != 1;
        if whole {
            buf.fill(0);
        }
        let everything = [Rect {
            x: 0,
            y: 0,
            w: iw,
            h: ih,
        }];
        let rects = if whole { &everything[..] } else { damaged };
        let mut out = Vec::with_capacity(rects.len());
        for r in rects {
            let o = scaled(*r, (iw, ih), (w, h));
            if o.w == 0 || o.h == 0 {
                continue;
            }
            let f = (w / iw).max(1);
            for oy in o.y..o.y + o.h {
                let at = oy * w + o.x;
                if oy > o.y && oy / f == (oy - 1) / f {
                    // The same internal row as the output row above (scaled): copy it.
                    buf.copy_within(at - w..at - w + o.w, at);
                    continue;
                }
                let src = source_row(&self.frame, 0, (iw, ih), f, oy);
                let dst = &mut buf[at..at + o.w];
                pixel_runs(src, 0, f, o.x, o.w, |r, v| dst[r].fill(v));
            }
            out.push(softbuffer::Rect {
                x: o.x as u32,
                y: o.y as u32,
                width: nz(o.w as u32),
                height: nz(o.h as u32),
            });
        }
        Ok(buf.present_with_damage(&out)?)
    }
}

/// Where a rectangle of the internal frame (`internal` in size) lands in a window `size`
/// large, scaled by whole pixels: the last row and column also cover what the scaled frame
/// leaves uncovered at the window's bottom and right edges.
pub fn scaled(r: Rect, internal: (usize, usize), size: (usize, usize)) -> Rect {
    let f = (size.0 / internal.0.max(1)).max(1);
    let edge = |start: usize, len: usize, inner: usize, outer: usize| {
        let a = (start.min(inner) * f).min(outer);
        let b = if start + len >= inner {
            outer
        } else {
            ((start + len) * f).min(outer)
        };
        (a, b.saturating_sub(a))
    };
    let (x, w) = edge(r.x, r.w, internal.0, size.0);
    let (y, h) = edge(r.y, r.h, internal.1, size.1);
    if r.w == 0 || r.h == 0 {
        return Rect { x, y, w: 0, h: 0 };
    }
    Rect { x, y, w, h }
}

/// The internal RGBA row shown on output row `oy` when each internal pixel is `f` wide, from
/// `rows`, which holds rows `rw` pixels wide from internal row `first` on, of a frame `ih`
/// rows high (None below the frame or outside `rows`: black).
pub fn source_row(
    rows: &[u8],
    first: usize,
    (rw, ih): (usize, usize),
    f: usize,
    oy: usize,
) -> Option<&[u8]> {
    let sy = oy / f;
    let at = sy.checked_sub(first)? * rw * BPP;
    (sy < ih).then(|| rows.get(at..at + rw * BPP)).flatten()
}

/// The `len` output pixels from column `x0` on of an internal RGBA row that starts at
/// internal column `src_x` (None: a black row), each source pixel `f` wide, handed to `put` as
/// runs of one 0x00RRGGBB value (ranges count from 0); past the row's scaled end they are
/// black.
pub fn pixel_runs(
    src: Option<&[u8]>,
    src_x: usize,
    f: usize,
    x0: usize,
    len: usize,
    mut put: impl FnMut(std::ops::Range<usize>, u32),
) {
    let mut k = 0;
    while k < len {
        let sx = (x0 + k) / f;
        let at = sx.wrapping_sub(src_x).wrapping_mul(BPP);
        let Some(p) = src.and_then(|s| s.get(at..at + 3)).filter(|_| sx >= src_x) else {
            put(k..len, 0);
            return;
        };
        let end = ((sx + 1) * f - x0).min(len);
        put(
            k..end,
            (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32,
        );
        k = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: usize, y: usize, w: usize, h: usize) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn rectangles_scale_by_whole_pixels_and_reach_the_edges() {
        // (rect, internal, window) -> where it lands
        let cases = [
            (rect(0, 0, 10, 5), (10, 5), (10, 5), rect(0, 0, 10, 5)),
            (rect(2, 1, 3, 2), (10, 5), (20, 10), rect(4, 2, 6, 4)),
            // The last row and column cover the window's uncovered remainder.
            (rect(8, 4, 2, 1), (10, 5), (23, 11), rect(16, 8, 7, 3)),
            (rect(0, 0, 0, 3), (10, 5), (20, 10), rect(0, 0, 0, 0)),
            // A window smaller than the frame cuts it.
            (rect(5, 0, 5, 5), (10, 5), (8, 4), rect(5, 0, 3, 4)),
        ];
        for (r, internal, size, want) in cases {
            assert_eq!(
                scaled(r, internal, size),
                want,
                "{r:?} {internal:?} {size:?}"
            );
        }
    }

    #[test]
    fn rows_become_runs_of_x_pixels_scaled_and_padded_black() {
        let frame = [1, 2, 3, 255, 10, 20, 30, 255, 7, 8, 9, 255, 4, 5, 6, 255];
        let row = source_row(&frame, 0, (2, 2), 2, 1);
        assert_eq!(row, Some(&frame[..8]));
        assert_eq!(source_row(&frame, 0, (2, 2), 2, 3), Some(&frame[8..]));
        assert_eq!(source_row(&frame, 0, (2, 2), 2, 4), None, "below the frame");
        // A band holding row 1 only.
        let band = &frame[8..];
        assert_eq!(source_row(band, 1, (2, 2), 2, 2), Some(band));
        assert_eq!(source_row(band, 1, (2, 2), 2, 1), None, "above the band");
        assert_eq!(source_row(band, 1, (2, 3), 1, 2), None, "below the band");
        let px = |src, f, x0, len| {
            let mut out = vec![9u32; len];
            pixel_runs(src, 0, f, x0, len, |r, v| out[r].fill(v));
            out
        };
        assert_eq!(px(row, 2, 1, 5), [0x010203, 0x0a141e, 0x0a141e, 0, 0]);
        assert_eq!(px(row, 1, 0, 2), [0x010203, 0x0a141e]);
        assert_eq!(px(row, 3, 4, 3), [0x0a141e, 0x0a141e, 0]);
        assert_eq!(px(None, 1, 0, 2), [0, 0]);
        // A row held from internal column 1 on (a part of the frame).
        let mut part = vec![9u32; 4];
        pixel_runs(Some(&frame[4..8]), 1, 2, 2, 4, |r, v| part[r].fill(v));
        assert_eq!(part, [0x0a141e, 0x0a141e, 0, 0]);
    }
}
