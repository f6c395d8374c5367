//! The CPU presenter on X11: damaged rows sent to the window as PutImage requests, converted
//! (and scaled by whole pixels) a band at a time, and scrolls moved by the server (CopyArea).
//!
//! Unlike softbuffer's shared-memory image, this keeps no second copy of the screen in the
//! process: the X server already holds the window's pixels. Unless a stage needs one (the GPU
//! presenter, softbuffer) no frame is kept at all, as with xterm: fresh rows and panels go
//! out as they are drawn (`Stream`). Otherwise the internal frame lives here (8.3 MB at
//! 1080p). Like xterm, a lost window content (expose, or a scroll that copied a covered part)
//! is repainted by the runtime, which then sends every row.

use winit::window::Window;
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::Event;
use x11rb::protocol::shm::ConnectionExt as _;
use x11rb::protocol::xproto::{
    ConnectionExt as _, CreateGCAux, Gcontext, ImageFormat, ImageOrder, VisualClass,
};
use x11rb::rust_connection::RustConnection;

use super::surface::{
    Kind, Stream, Surface, SurfaceError, Update, WireError, pixel_runs, scaled, source_row,
};
use super::xshm::ShmBand;
use raster::{BPP, Rect, Shift};
use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};

/// Largest PutImage sent at once: big enough to fill a 4K row band in a few requests, small
/// enough that the conversion band stays a fraction of the frame.
const BAND_BYTES: usize = 256 * 1024;
/// The shared-memory ring: a few 4K rows of text, so a full repaint waits on the server a
/// few dozen times at most.
const SHM_BYTES: usize = 1024 * 1024;

/// The X11 window id behind a winit window, if it is one.
pub fn xid(window: &Window) -> Option<u32> {
    match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => Some(h.window as u32),
        RawWindowHandle::Xcb(h) => Some(h.window.get()),
        _ => None,
    }
}

/// An X11 failure as the presenter reports it.
fn lost(e: impl std::fmt::Display) -> WireError {
    WireError::Connection(e.to_string())
}

/// A window drawn with PutImage from the internal frame.
pub struct WireSurface {
    conn: RustConnection,
    window: u32,
    gc: Gcontext,
    depth: u8,
    /// Pixels are written most significant byte first (a big-endian server).
    msb: bool,
    /// The internal frame, allocated when first asked for (empty while streaming).
    frame: Vec<u8>,
    band: Vec<u8>,
    /// A scroll was copied since the last check for parts it could not copy.
    copied: bool,
    /// Shared memory the server reads pixels from (None: they go over the socket).
    shm: Option<ShmBand>,
    size: (usize, usize),
    internal: (usize, usize),
    /// Bytes one request may carry.
    max_bytes: usize,
}

impl WireSurface {
    /// A presenter for `window` if it is an X11 window with a 24-bit true-colour visual.
    pub fn new(window: &Window, w: u32, h: u32, iw: u32, ih: u32) -> Result<Self, WireError> {
        let id = xid(window).ok_or(WireError::NotX11)?;
        WireSurface::on_xid(None, id, (w, h), (iw, ih))
    }

    /// A presenter for the X11 window `id` on `display` (None: `$DISPLAY`), `w` x `h` pixels
    /// showing an internal frame of `iw` x `ih`.
    pub fn on_xid(
        display: Option<&str>,
        id: u32,
        (w, h): (u32, u32),
        (iw, ih): (u32, u32),
    ) -> Result<Self, WireError> {
        let (conn, _) = x11rb::connect(display).map_err(lost)?;
        let geometry = conn.get_geometry(id).map_err(lost)?.reply().map_err(lost)?;
        let visual = conn
            .get_window_attributes(id)
            .map_err(lost)?
            .reply()
            .map_err(lost)?
            .visual;
        if !true_color_24(conn.setup(), geometry.depth, visual) {
            return Err(WireError::Visual);
        }
        let gc = conn.generate_id().map_err(lost)?;
        // Graphics exposures on: a scroll copied from a covered part of the window says so.
        conn.create_gc(gc, id, &CreateGCAux::new().graphics_exposures(1))
            .map_err(lost)?
            .check()
            .map_err(lost)?;
        // Room for PutImage's own fields (24 bytes) in the largest request the server takes.
        let max_bytes = conn.maximum_request_bytes().saturating_sub(64).max(4096);
        let msb = conn.setup().image_byte_order == ImageOrder::MSB_FIRST;
        let shm = match std::env::var_os("TRAINSAVER_NO_SHM") {
            Some(v) if v == "1" => None,
            _ => ShmBand::new(&conn, SHM_BYTES),
        };
        let mut s = WireSurface {
            conn,
            window: id,
            gc,
            depth: geometry.depth,
            msb,
            frame: Vec::new(),
            band: Vec::new(),
            copied: false,
            shm,
            size: (0, 0),
            internal: (0, 0),
            max_bytes,
        };
        s.resize_frame(w, h, iw, ih);
        Ok(s)
    }

    fn resize_frame(&mut self, w: u32, h: u32, iw: u32, ih: u32) {
        self.size = (w.max(1) as usize, h.max(1) as usize);
        self.internal = (iw.max(1) as usize, ih.max(1) as usize);
        if !self.frame.is_empty() {
            self.frame = Vec::new();
            self.ensure_frame();
        }
        self.band = Vec::new();
    }

    fn ensure_frame(&mut self) {
        let len = self.internal.0 * self.internal.1 * BPP;
        if self.frame.len() != len {
            self.frame = vec![0; len];
        }
    }

    /// Sends a rectangle of the window (already within it) from the internal frame.
    fn send(&mut self, o: Rect) -> Result<(), WireError> {
        let frame = std::mem::take(&mut self.frame);
        let (iw, ih) = self.internal;
        let r = self.send_from(
            o,
            &frame,
            Rect {
                x: 0,
                y: 0,
                w: iw,
                h: ih,
            },
        );
        self.frame = frame;
        r
    }

    /// Sends pixels over the socket even where the server could read shared memory.
    pub fn without_shm(mut self) -> Self {
        self.shm = None;
        self
    }

    /// Whether pixels reach the server through shared memory.
    pub fn shares_memory(&self) -> bool {
        self.shm.is_some()
    }

    /// Moves window rows as a scroll moved the internal frame's.
    fn copy(&mut self, s: Shift) -> Result<(), WireError> {
        let (w, _) = self.size;
        let f = (w / self.internal.0).max(1);
        let src = scaled(s.src, self.internal, self.size);
        if src.w == 0 || src.h == 0 {
            return Ok(());
        }
        // Exactly the moved rows, scaled: the window's uncovered bottom edge is not theirs.
        let h = (s.src.h * f).min(src.h);
        self.conn
            .copy_area(
                self.window,
                self.window,
                self.gc,
                src.x as i16,
                src.y as i16,
                src.x as i16,
                (s.to * f) as i16,
                src.w as u16,
                h as u16,
            )
            .map_err(lost)?;
        self.copied = true;
        Ok(())
    }

    /// Reads what the server sent back: the window parts a copy could not fill (covered
    /// when it was copied). Errors (a window destroyed under us) end as events too: drained
    /// so they do not pile up; the runtime learns of a vanished window from winit.
    fn lost_parts(&mut self) -> Result<Vec<Rect>, WireError> {
        if self.copied {
            // A round trip: every event the copies caused has arrived after its reply.
            self.conn
                .get_input_focus()
                .map_err(lost)?
                .reply()
                .map_err(lost)?;
            self.copied = false;
        }
        let mut parts = Vec::new();
        while let Some(e) = self.conn.poll_for_event().map_err(lost)? {
            if let Event::GraphicsExposure(g) = e {
                parts.push(Rect {
                    x: g.x as usize,
                    y: g.y as usize,
                    w: g.width as usize,
                    h: g.height as usize,
                });
            }
        }
        Ok(parts)
    }

    /// Sends a rectangle of the window (already within it) from `pixels`, which hold
    /// rectangle `held` of the internal frame: converted a band at a time, into shared memory
    /// when the server takes it, else into a request.
    fn send_from(&mut self, o: Rect, pixels: &[u8], held: Rect) -> Result<(), WireError> {
        let src = Source {
            pixels,
            held,
            frame: self.internal,
            f: (self.size.0 / self.internal.0).max(1),
            msb: self.msb,
        };
        let room = self
            .shm
            .as_ref()
            .map_or(BAND_BYTES.min(self.max_bytes), ShmBand::len);
        let per = (room / (o.w * 4)).max(1);
        let mut y0 = o.y;
        while y0 < o.y + o.h {
            let y1 = (y0 + per).min(o.y + o.h);
            let part = Rect {
                y: y0,
                h: y1 - y0,
                ..o
            };
            if let Some(band) = self.shm.as_mut() {
                let len = part.h * o.w * 4;
                let (at, wrapped) = band.slot(len);
                if wrapped {
                    // Writing over what earlier requests refer to: wait until they are read.
                    self.conn
                        .get_input_focus()
                        .map_err(lost)?
                        .reply()
                        .map_err(lost)?;
                }
                src.convert(part, band.bytes_mut(at..at + len));
                self.conn
                    .shm_put_image(
                        self.window,
                        self.gc,
                        o.w as u16,
                        part.h as u16,
                        0,
                        0,
                        o.w as u16,
                        part.h as u16,
                        o.x as i16,
                        y0 as i16,
                        self.depth,
                        ImageFormat::Z_PIXMAP.into(),
                        false,
                        band.seg(),
                        at as u32,
                    )
                    .map_err(lost)?;
            } else {
                self.band.clear();
                self.band.resize(part.h * o.w * 4, 0);
                src.convert(part, &mut self.band);
                self.conn
                    .put_image(
                        ImageFormat::Z_PIXMAP,
                        self.window,
                        self.gc,
                        o.w as u16,
                        part.h as u16,
                        o.x as i16,
                        y0 as i16,
                        0,
                        self.depth,
                        &self.band,
                    )
                    .map_err(lost)?;
            }
            y0 = y1;
        }
        Ok(())
    }
}

/// Internal pixels on their way to the window.
struct Source<'a> {
    /// The pixels of rectangle `held` of the internal frame (`frame` in size).
    pixels: &'a [u8],
    held: Rect,
    frame: (usize, usize),
    /// Window pixels per internal pixel.
    f: usize,
    /// The server wants pixels most significant byte first.
    msb: bool,
}

impl Source<'_> {
    /// Window rectangle `o` as the server's 32-bit pixels, row by row, into `out`.
    fn convert(&self, o: Rect, out: &mut [u8]) {
        let (f, row) = (self.f, o.w * 4);
        for k in 0..o.h {
            let (oy, at) = (o.y + k, k * row);
            if k > 0 && oy / f == (oy - 1) / f {
                // The same internal row as the output row above (scaled): copy it.
                out.copy_within(at - row..at, at);
                continue;
            }
            let frame = (self.held.w, self.frame.1);
            let src = source_row(self.pixels, self.held.y, frame, f, oy);
            let line = &mut out[at..at + row];
            // Inside the held pixels (the usual case): each source pixel shuffled into the
            // server's byte order once and written `f` times.
            let inside = o.x >= self.held.x * f && o.right() <= self.held.right() * f;
            if inside && let Some(px) = src {
                let (mut k, mut sx) = (0, o.x / f - self.held.x);
                let mut n = f - o.x % f;
                while k < o.w {
                    let p = &px[sx * 4..sx * 4 + 4];
                    let b = if self.msb {
                        [0, p[0], p[1], p[2]]
                    } else {
                        [p[2], p[1], p[0], 0]
                    };
                    let n_here = n.min(o.w - k);
                    for d in line[k * 4..(k + n_here) * 4].chunks_exact_mut(4) {
                        d.copy_from_slice(&b);
                    }
                    k += n_here;
                    sx += 1;
                    n = f;
                }
                continue;
            }
            pixel_runs(src, self.held.x, f, o.x, o.w, |r, v| {
                let b = if self.msb {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                for d in line[r.start * 4..r.end * 4].chunks_exact_mut(4) {
                    d.copy_from_slice(&b);
                }
            });
        }
    }
}

/// Whether `visual` at `depth` stores 8-bit red, green and blue in 32-bit pixels.
fn true_color_24(setup: &x11rb::protocol::xproto::Setup, depth: u8, visual: u32) -> bool {
    let bpp32 = setup
        .pixmap_formats
        .iter()
        .any(|f| f.depth == depth && f.bits_per_pixel == 32);
    let masks = setup
        .roots
        .iter()
        .flat_map(|r| &r.allowed_depths)
        .filter(|d| d.depth == depth)
        .flat_map(|d| &d.visuals)
        .find(|v| v.visual_id == visual)
        .is_some_and(|v| {
            v.class == VisualClass::TRUE_COLOR
                && (v.red_mask, v.green_mask, v.blue_mask) == (0xff0000, 0xff00, 0xff)
        });
    // Depth 24 only: a 32-bit (ARGB) visual would read the zero byte as transparent.
    depth == 24 && bpp32 && masks
}

impl Surface for WireSurface {
    fn kind(&self) -> Kind {
        Kind::Cpu
    }

    fn frame_mut(&mut self) -> &mut [u8] {
        self.ensure_frame();
        &mut self.frame
    }

    fn resize(&mut self, w: u32, h: u32, iw: u32, ih: u32) -> Result<(), SurfaceError> {
        self.resize_frame(w, h, iw, ih);
        Ok(())
    }

    fn present(&mut self, update: Update<'_>) -> Result<(), SurfaceError> {
        self.ensure_frame();
        let rects = match update.moved {
            Some(s) => {
                self.copy(s)?;
                update.painted
            }
            None => update.damage,
        };
        for r in rects {
            let o = scaled(*r, self.internal, self.size);
            if o.w > 0 && o.h > 0 {
                self.send(o)?;
            }
        }
        // What a copy could not fill, the kept frame still has.
        for o in self.lost_parts()? {
            self.send(o.intersect(Rect {
                x: 0,
                y: 0,
                w: self.size.0,
                h: self.size.1,
            }))?;
        }
        self.conn.flush().map_err(lost)?;
        Ok(())
    }

    fn stream(&mut self) -> Option<&mut dyn Stream> {
        self.frame = Vec::new();
        Some(self)
    }
}

impl Stream for WireSurface {
    fn shift(&mut self, s: Shift) -> Result<(), SurfaceError> {
        Ok(self.copy(s)?)
    }

    fn put(&mut self, at: Rect, pixels: &[u8]) -> Result<(), SurfaceError> {
        let o = scaled(at, self.internal, self.size);
        if o.w > 0 && o.h > 0 {
            self.send_from(o, pixels, at)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<bool, SurfaceError> {
        let gone = !self.lost_parts()?.is_empty();
        self.conn.flush().map_err(lost)?;
        Ok(gone)
    }
}
