//! X11 details winit does not cover: taking keyboard focus when no window manager gives it.

use crate::config::ValueError;

use winit::window::Window;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, InputFocus};

pub use crate::present::xwire::xid;

/// Makes the X server going away a one-line error and exit code 1 instead of Xlib's own
/// multi-line "XIO: fatal IO error" message (Xlib calls this handler, which must not return).
pub fn quiet_xlib_io_errors() {
    unsafe extern "C" fn on_io_error(_: *mut x11_dl::xlib::Display) -> std::os::raw::c_int {
        let msg = b"trainsaver: error: the X display went away\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe and take valid arguments here.
        unsafe {
            libc::write(2, msg.as_ptr().cast(), msg.len());
            libc::_exit(1)
        }
    }
    if let Ok(xlib) = x11_dl::xlib::Xlib::open() {
        // SAFETY: the handler has the signature Xlib expects and never returns.
        unsafe {
            (xlib.XSetIOErrorHandler)(Some(on_io_error));
        }
    }
}

/// Where the pointer is on the X screen (root coordinates, which monitor positions share).
pub fn pointer_position() -> Option<(f64, f64)> {
    let (conn, screen) = x11rb::connect(None).ok()?;
    let root = conn.setup().roots[screen].root;
    let r = conn.query_pointer(root).ok()?.reply().ok()?;
    Some((r.root_x as f64, r.root_y as f64))
}

/// Whether an EWMH window manager runs on the display (it then manages focus itself).
fn wm_running(conn: &impl Connection, root: u32) -> bool {
    let Ok(atom) = conn.intern_atom(true, b"_NET_SUPPORTING_WM_CHECK") else {
        return false;
    };
    let Ok(atom) = atom.reply() else { return false };
    if atom.atom == 0 {
        return false;
    }
    conn.get_property(false, root, atom.atom, AtomEnum::WINDOW, 0, 1)
        .ok()
        .and_then(|c| c.reply().ok())
        .is_some_and(|r| r.value_len > 0)
}

/// Gives the window keyboard focus when no window manager would, so key presses reach it.
/// Returns true when focus was set (or a window manager handles it).
pub fn take_focus_without_wm(window: &Window) -> bool {
    let Some(id) = xid(window) else { return true };
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return false;
    };
    let root = conn.setup().roots[screen].root;
    if wm_running(&conn, root) {
        return true;
    }
    let ok = conn
        .set_input_focus(InputFocus::POINTER_ROOT, id, x11rb::CURRENT_TIME)
        .ok()
        .and_then(|c| c.check().ok())
        .is_some();
    let _ = conn.flush();
    ok
}

/// What happened to a foreign window we draw inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParentEvent {
    /// It has a new size.
    Resized(u32, u32),
    /// It was destroyed.
    Gone,
}

/// Why an X11 request could not be made.
#[derive(Debug, thiserror::Error)]
pub enum X11Error {
    /// No X server to talk to.
    #[error("cannot connect to the X server: {0}")]
    Connect(#[from] x11rb::errors::ConnectError),
    /// The connection broke.
    #[error("the X connection failed: {0}")]
    Connection(#[from] x11rb::errors::ConnectionError),
    /// A window we were told to use is not there.
    #[error("window 0x{0:x} does not exist")]
    NoWindow(u32),
    /// The server lacks an extension the request needs.
    #[error("the X server has no {0} extension")]
    NoExtension(&'static str),
    /// The server refused a request.
    #[error("an X request failed: {0}")]
    Reply(#[from] x11rb::errors::ReplyError),
}

/// Parses a window id as XScreenSaver passes it: `0x1a00007` or decimal.
pub fn parse_window_id(s: &str) -> Result<u32, ValueError> {
    let t = s.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse::<u32>(),
    };
    parsed.ok().filter(|&id| id != 0).ok_or_else(|| {
        ValueError::malformed(
            s,
            "not a window id: use a hex (0x1a00007) or decimal X11 window id",
        )
    })
}

/// The root window of the default screen.
pub fn root_window() -> Result<u32, X11Error> {
    let (conn, screen) = x11rb::connect(None)?;
    Ok(conn.setup().roots[screen].root)
}

/// The size of a window, or an error naming it when it does not exist.
pub fn window_size(id: u32) -> Result<(u32, u32), X11Error> {
    let (conn, _) = x11rb::connect(None)?;
    let g = conn
        .get_geometry(id)?
        .reply()
        .map_err(|_| X11Error::NoWindow(id))?;
    Ok((g.width as u32, g.height as u32))
}

/// Watches a foreign window from a thread; `notify` returns false to stop watching.
pub fn watch_parent(
    id: u32,
    notify: impl Fn(ParentEvent) -> bool + Send + 'static,
) -> Result<(), X11Error> {
    use x11rb::protocol::Event;
    use x11rb::protocol::xproto::{ChangeWindowAttributesAux, EventMask};
    let (conn, _) = x11rb::connect(None)?;
    conn.change_window_attributes(
        id,
        &ChangeWindowAttributesAux::new().event_mask(EventMask::STRUCTURE_NOTIFY),
    )?
    .check()
    .map_err(|_| X11Error::NoWindow(id))?;
    std::thread::spawn(move || {
        while let Ok(ev) = conn.wait_for_event() {
            let keep = match ev {
                Event::ConfigureNotify(e) if e.window == id => {
                    notify(ParentEvent::Resized(e.width as u32, e.height as u32))
                }
                Event::DestroyNotify(e) if e.window == id => {
                    notify(ParentEvent::Gone);
                    false
                }
                _ => true,
            };
            if !keep {
                break;
            }
        }
    });
    Ok(())
}

/// A monitor's place on the X screen: x, y, width, height.
pub type ScreenRect = (i32, i32, u32, u32);

/// The monitors of the default display as RandR reports them now (the primary first), or the
/// whole screen when RandR lists none.
fn monitors(conn: &impl Connection, root: u32) -> Result<Vec<ScreenRect>, X11Error> {
    use x11rb::protocol::randr::ConnectionExt as _;
    let mut list = conn.randr_get_monitors(root, true)?.reply()?.monitors;
    list.sort_by_key(|m| !m.primary);
    let rects: Vec<ScreenRect> = list
        .iter()
        .map(|m| {
            (
                i32::from(m.x),
                i32::from(m.y),
                u32::from(m.width),
                u32::from(m.height),
            )
        })
        .collect();
    if !rects.is_empty() {
        return Ok(rects);
    }
    let g = conn.get_geometry(root)?.reply()?;
    Ok(vec![(0, 0, u32::from(g.width), u32::from(g.height))])
}

/// Watches the default display's screen from a thread: every RandR change (a resized screen, a
/// monitor plugged in or out) reports the monitors as they are then; `notify` returns false to
/// stop watching. winit's own monitor list is not refreshed on X11, hence our own connection.
pub fn watch_screens(
    notify: impl Fn(Vec<ScreenRect>) -> bool + Send + 'static,
) -> Result<(), X11Error> {
    use x11rb::protocol::Event;
    use x11rb::protocol::randr::{ConnectionExt as _, NotifyMask};
    let (conn, screen) = x11rb::connect(None)?;
    let root = conn.setup().roots[screen].root;
    conn.randr_query_version(1, 5)?.reply()?;
    conn.randr_select_input(
        root,
        NotifyMask::SCREEN_CHANGE | NotifyMask::CRTC_CHANGE | NotifyMask::OUTPUT_CHANGE,
    )?;
    conn.flush()?;
    std::thread::spawn(move || {
        while let Ok(ev) = conn.wait_for_event() {
            if !matches!(
                ev,
                Event::RandrScreenChangeNotify(_) | Event::RandrNotify(_)
            ) {
                continue;
            }
            // One change comes as several events: answer once for all that are queued.
            while let Ok(Some(_)) = conn.poll_for_event() {}
            let Ok(rects) = monitors(&conn, root) else {
                break;
            };
            if !notify(rects) {
                break;
            }
        }
    });
    Ok(())
}

/// Whether a window manager runs on the default display.
pub fn wm_present() -> bool {
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return false;
    };
    let root = conn.setup().roots[screen].root;
    wm_running(&conn, root)
}
