//! The two ways a frame reaches a window: pixels (GPU upload and scaling) and softbuffer (CPU,
//! only damaged rows). Both take the internal RGBA frame the rasterizer drew.

use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::Arc;

use pixels::{Pixels, SurfaceTexture, wgpu};
use winit::window::Window;

use raster::BPP;

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
    /// softbuffer failed.
    #[error("cpu presenter: {0}")]
    Cpu(#[from] softbuffer::SoftBufferError),
    /// wgpu raised an error it reports by panicking (e.g. a 16-bit X visual it cannot use).
    #[error("gpu presenter: {0}")]
    GpuPanic(String),
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

/// A window's drawing surface holding the internal frame between presents.
pub trait Surface {
    /// Which presenter this is.
    fn kind(&self) -> Kind;
    /// The internal RGBA frame (what the rasterizer updates in place).
    fn frame_mut(&mut self) -> &mut [u8];
    /// Adapts to a new window size (`w` x `h`) and internal frame size (`iw` x `ih`).
    fn resize(&mut self, w: u32, h: u32, iw: u32, ih: u32) -> Result<(), SurfaceError>;
    /// Shows the frame; `damaged` are the internal pixel rows that changed.
    fn present(&mut self, damaged: &[Range<usize>]) -> Result<(), SurfaceError>;
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

    fn present(&mut self, _damaged: &[Range<usize>]) -> Result<(), SurfaceError> {
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

    fn present(&mut self, damaged: &[Range<usize>]) -> Result<(), SurfaceError> {
        let (w, h) = self.size;
        let (iw, ih) = self.internal;
        let f = (w / iw).max(1);
        let mut buf = self.surface.buffer_mut()?;
        // A buffer that is not last frame's must be written whole.
        let whole = buf.age() != 1;
        if whole {
            buf.fill(0);
        }
        let everything = 0..ih;
        let rows = if whole {
            std::slice::from_ref(&everything)
        } else {
            damaged
        };
        let mut rects = Vec::with_capacity(rows.len());
        for r in rows {
            let r = r.start.min(ih)..r.end.min(ih);
            for y in r.clone() {
                let src = &self.frame[y * iw * BPP..(y + 1) * iw * BPP];
                let out_y = y * f;
                if out_y >= h {
                    break;
                }
                let dst = &mut buf[out_y * w..out_y * w + w];
                for (x, p) in src.chunks_exact(BPP).enumerate() {
                    let v = (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32;
                    let start = x * f;
                    if start >= w {
                        break;
                    }
                    dst[start..(start + f).min(w)].fill(v);
                }
                // Scaled rows repeat the first output row.
                for k in 1..f.min(h - out_y) {
                    buf.copy_within(out_y * w..out_y * w + w, (out_y + k) * w);
                }
            }
            let (y0, y1) = ((r.start * f).min(h), (r.end * f).min(h));
            if y1 > y0 {
                rects.push(softbuffer::Rect {
                    x: 0,
                    y: y0 as u32,
                    width: nz(w as u32),
                    height: nz((y1 - y0) as u32),
                });
            }
        }
        if whole {
            rects = vec![softbuffer::Rect {
                x: 0,
                y: 0,
                width: nz(w as u32),
                height: nz(h as u32),
            }];
        }
        Ok(buf.present_with_damage(&rects)?)
    }
}
